//! `claimtrail import`: bulk JSON Lines through the real binary, on the
//! fixture article: what it appends, that it builds the very entries the
//! single commands build, its errors, re-runs, and SIGKILL at random points.

use crate::common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEVEN: &str = "Seven civilians, including four children from one family, were killed";
const FIVE: &str = "At least five children were killed and nine injured";

fn write_lines(path: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    s.push('\n');
    std::fs::write(path, s).unwrap();
}

fn count(w: &Work, table: &str) -> i64 {
    let c = rusqlite::Connection::open(&w.db).unwrap();
    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn summary(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Byte offsets of `needle` in the fixture (its only occurrence).
fn fixture_span(needle: &str) -> String {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let at = text.find(needle).unwrap();
    assert_eq!(text.matches(needle).count(), 1, "{needle}");
    format!("{}..{}", at, at + needle.len())
}

#[test]
fn imports_sources_claims_and_annotations_of_the_fixture() {
    let w = Work::with_team();
    // An existing source and claim, to refer to by id.
    let tweet = "Seven civilians were killed in al-Jadida, say the White Helmets.";
    let s1 = w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "tweet"],
        Some(tweet.as_bytes()),
    );
    assert_eq!(s1.ok().trim(), "S1");
    let c1 = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "Seven civilians were killed",
            "--speaker",
            "White Helmets",
            "--provenance",
            "tweet",
        ],
    );
    assert_eq!(c1.ok().trim(), "C1");
    let lines = vec![
        json!({"type":"source","label":"idlib","file":FIXTURE,"kind":"article","publisher":"Al-Monitor",
               "published":"2022-07-22","title":"Russia resumes bombing of northwest Syria","derived_from":["S1"]})
        .to_string(),
        String::new(),
        json!({"type":"claim","label":"seven","source":"@idlib","quote":SEVEN,"speaker":"Syrian Civil Defense (White Helmets)","provenance":"tweet"}).to_string(),
        json!({"type":"claim","label":"five","source":"@idlib","span":fixture_span(FIVE),"speaker":"Adele Khodr, UNICEF","provenance":"statement","text":"five children killed, nine injured"}).to_string(),
        json!({"type":"claim","label":"tehran","source":"@idlib","quote":"Tehran summit","occurrence":2,"speaker":"Col. Mustafa Bakour","provenance":"interview"}).to_string(),
        json!({"type":"claim","source":"S1","quote":"al-Jadida","speaker":"White Helmets","provenance":"tweet"}).to_string(),
        json!({"type":"annotation","label":"first","claim":"@seven","verdict":"disputed","reliability":"B","credibility":3,
               "contradicts":["@five"],"corroborates":["C1"],"note":"UNICEF counts at least five children killed, nine injured"}).to_string(),
        json!({"type":"annotation","claim":"@seven","verdict":"misleading","credibility":6,"supersedes":"@first","note":"counts differ by source"}).to_string(),
        json!({"type":"annotation","claim":"C1","verdict":"corroborated","corroborates":["@seven"]}).to_string(),
        json!({"type":"annotation","claim":"@tehran","verdict":"unverified","reliability":"F","note":null,"corroborates":[],"contradicts":[]}).to_string(),
    ];
    write_lines(&w.path("idlib.jsonl"), &lines);
    let out = w.run(
        Some("analyst"),
        &["import", "idlib.jsonl", "--files-anywhere"],
    );
    let text = out.ok();
    assert!(
        text.contains("read 10 lines from idlib.jsonl (1 blank)"),
        "{text}"
    );
    assert!(
        text.contains("appended 9 entries (1 source, 4 claims, 4 annotations)"),
        "{text}"
    );
    assert!(text.contains("skipped 0 lines"), "{text}");
    assert!(text.contains("entries/s"), "{text}");
    w.run(None, &["verify"]).ok();

    // Claims by quote: lines that wait for their source's batch may be
    // appended after later lines, so ids follow the order of appending.
    let claims: Value = summary(w.run(None, &["--json", "list", "claims"]).ok());
    let by_quote = |q: &str| -> Value {
        claims
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["quote"] == q)
            .unwrap_or_else(|| panic!("no claim quoting {q}: {claims}"))
            .clone()
    };
    assert_eq!(claims.as_array().unwrap().len(), 5);
    let (seven, five, tehran) = (by_quote(SEVEN), by_quote(FIVE), by_quote("Tehran summit"));
    assert_eq!(by_quote("al-Jadida")["source"], "S1");
    assert_eq!(by_quote("Seven civilians were killed")["id"], "C1");
    for c in [&seven, &five, &tehran] {
        assert_eq!(c["source"], "S2", "{c}");
    }
    assert_eq!(five["paraphrase"], "five children killed, nine injured");
    // The second occurrence of "Tehran summit" (docs/GUIDE.md: bytes 4118..4131).
    assert_eq!(
        (tehran["start"].as_u64(), tehran["end"].as_u64()),
        (Some(4118), Some(4131))
    );
    let anns: Value = summary(w.run(None, &["--json", "list", "annotations"]).ok());
    let a = anns.as_array().unwrap();
    assert_eq!(a.len(), 4);
    let on = |c: &Value| -> Vec<Value> {
        a.iter()
            .filter(|x| x["claim"] == c["id"])
            .cloned()
            .collect()
    };
    let on_seven = on(&seven);
    assert_eq!(on_seven.len(), 2);
    let (first, second) = (&on_seven[0], &on_seven[1]);
    assert_eq!(first["verdict"], "disputed");
    assert_eq!(first["contradicts"], Value::Array(vec![five["id"].clone()]));
    assert_eq!(first["corroborates"], json!(["C1"]));
    assert_eq!(first["superseded_by"], second["id"]);
    assert_eq!(second["supersedes"], first["id"]);
    let on_c1 = on(&json!({"id": "C1"}));
    assert_eq!(
        on_c1[0]["corroborates"],
        Value::Array(vec![seven["id"].clone()])
    );
    assert_eq!(on(&tehran)[0]["reliability"], "F");
    let s2 = summary(w.run(None, &["--json", "show", "S2"]).ok());
    assert_eq!(s2["source"]["derived_from"], json!(["S1"]), "{s2}");

    // A re-run finds everything in the log and appends nothing.
    let entries = count(&w, "entries");
    let again = summary(
        w.run(
            Some("analyst"),
            &["--json", "import", "idlib.jsonl", "--files-anywhere"],
        )
        .ok(),
    );
    assert_eq!(
        again["appended"],
        json!({"sources":0,"claims":0,"annotations":0,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    assert_eq!(
        again["skipped"],
        json!({"sources":1,"claims":4,"annotations":4,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    assert_eq!(again["batches"], 0);
    assert_eq!(count(&w, "entries"), entries);
    w.run(None, &["verify"]).ok();
}

/// Copies a workspace's keys and database into a new one, so that two logs
/// start identical.
fn twin(w: &Work) -> Work {
    let t = Work::new();
    for k in ["admin", "analyst", "auditor"] {
        for ext in ["", ".pub"] {
            let name = format!("{k}{ext}");
            std::fs::copy(w.path(&name), t.path(&name)).unwrap();
        }
    }
    std::fs::write(&t.db, w.db_bytes()).unwrap();
    t
}

#[test]
fn import_signs_the_same_entries_as_the_commands() {
    let a = Work::with_team();
    let b = twin(&a);
    let now = [("CLAIMTRAIL_NOW", "2026-11-24T19:13:28Z")];
    let tweet = "Seven civilians, including four children, killed in al-Jadida. #Idlib";
    let cmd = |args: &[&str], stdin: Option<&[u8]>| {
        a.run_with(Some("analyst"), &now, args, stdin)
            .ok()
            .trim()
            .to_string()
    };
    let s1 = cmd(
        &[
            "source",
            "add",
            FIXTURE,
            "--kind",
            "article",
            "--title",
            "Russia resumes bombing",
            "--publisher",
            "Al-Monitor",
            "--author",
            "Sultan al-Kanj",
            "--url",
            "https://www.al-monitor.com/originals/2022/07/russia-resumes-bombing",
            "--published",
            "2022-07-22",
        ],
        None,
    );
    let s2 = cmd(
        &[
            "source",
            "add",
            "-",
            "--kind",
            "tweet",
            "--derived-from",
            "S1",
        ],
        Some(tweet.as_bytes()),
    );
    let c1 = cmd(
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            SEVEN,
            "--speaker",
            "White Helmets",
            "--provenance",
            "tweet",
        ],
        None,
    );
    let c2 = cmd(
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "Tehran summit",
            "--occurrence",
            "2",
            "--speaker",
            "Col. Mustafa Bakour",
            "--provenance",
            "interview",
            "--text",
            "the summit changed nothing",
        ],
        None,
    );
    let c3 = cmd(
        &[
            "claim",
            "add",
            "--source",
            "S2",
            "--span",
            "0..15",
            "--speaker",
            "White Helmets",
            "--provenance",
            "tweet",
        ],
        None,
    );
    let a1 = cmd(
        &[
            "annotate",
            "C1",
            "--verdict",
            "disputed",
            "--reliability",
            "B",
            "--credibility",
            "3",
            "--contradicts",
            "C2",
            "--corroborates",
            "C3",
            "--note",
            "counts differ",
        ],
        None,
    );
    let a2 = cmd(
        &["annotate", "C1", "--verdict", "false", "--supersedes", "A1"],
        None,
    );
    let r = a
        .run_with(
            Some("analyst"),
            &now,
            &[
                "claim",
                "retract",
                "C3",
                "--reason",
                "the tweet's first words, not a claim",
                "--replaced-by",
                "C1",
            ],
            None,
        )
        .ok()
        .to_string();
    assert_eq!(
        [s1, s2, c1, c2, c3, a1, a2].join(" "),
        "S1 S2 C1 C2 C3 A1 A2"
    );
    assert!(
        r.starts_with("C3 retracted at entry 10, replaced by C1"),
        "{r}"
    );

    std::fs::write(b.path("tweet.txt"), tweet).unwrap();
    std::fs::copy(FIXTURE, b.path("idlib-2022-07-22.txt")).unwrap();
    let lines = desk_lines(
        json!({"type":"annotation","label":"a","claim":"@seven","verdict":"disputed",
        "reliability":"B","credibility":3,"contradicts":["@bakour"],"corroborates":["@tw-claim"],
        "note":"counts differ"}),
    )
    .map(|v| v.to_string());
    write_lines(&b.path("same.jsonl"), &lines);
    b.run_with(Some("analyst"), &now, &["import", "same.jsonl"], None)
        .ok();

    same_entries(&a, &b);
    b.run(None, &["verify"]).ok();
}

/// A desk's file of every kind of line: two sources (the fixture, and
/// `tweet.txt` derived from it), three claims, `annotation` (labelled
/// `a`, on `@seven`) and one that supersedes it, and a retraction.
fn desk_lines(annotation: Value) -> [Value; 8] {
    [
        json!({"type":"source","label":"art","file":"idlib-2022-07-22.txt","kind":"article","title":"Russia resumes bombing",
               "publisher":"Al-Monitor","author":"Sultan al-Kanj",
               "url":"https://www.al-monitor.com/originals/2022/07/russia-resumes-bombing","published":"2022-07-22"}),
        json!({"type":"source","label":"tw","file":"tweet.txt","kind":"tweet","derived_from":["@art"]}),
        json!({"type":"claim","label":"seven","source":"@art","quote":SEVEN,"speaker":"White Helmets","provenance":"tweet"}),
        json!({"type":"claim","label":"bakour","source":"@art","quote":"Tehran summit","occurrence":2,
               "speaker":"Col. Mustafa Bakour","provenance":"interview","text":"the summit changed nothing"}),
        json!({"type":"claim","label":"tw-claim","source":"@tw","span":"0..15","speaker":"White Helmets","provenance":"tweet"}),
        annotation,
        json!({"type":"annotation","claim":"@seven","verdict":"false","supersedes":"@a"}),
        json!({"type":"retraction","claim":"@tw-claim","reason":"the tweet's first words, not a claim",
               "replaced_by":"@seven"}),
    ]
}

/// Asserts that two logs hold the same entries, byte for byte, signatures
/// included.
fn same_entries(a: &Work, b: &Work) {
    let entries = |w: &Work| -> Vec<(i64, Vec<u8>, Vec<u8>)> {
        let c = rusqlite::Connection::open(&w.db).unwrap();
        let mut s = c
            .prepare("SELECT seq, payload, sig FROM entries ORDER BY seq")
            .unwrap();
        let rows = s
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    let (ea, eb) = (entries(a), entries(b));
    assert_eq!(ea.len(), eb.len());
    for (x, y) in ea.iter().zip(&eb) {
        assert_eq!(
            String::from_utf8_lossy(&x.1),
            String::from_utf8_lossy(&y.1),
            "entry {} differs",
            x.0
        );
        assert_eq!(x.2, y.2, "signature of entry {} differs", x.0);
    }
}

/// The columns of a spreadsheet with every field, as a desk might head
/// them.
const COLUMNS: [&str; 27] = [
    "Type",
    "Label",
    "File",
    "Kind",
    "Title",
    "Publisher",
    "Author",
    "URL",
    "Published",
    "Derived from",
    "Source",
    "Quote",
    "Span",
    "Occurrence",
    "Speaker",
    "Provenance",
    "Text",
    "Claim",
    "Verdict",
    "Reliability",
    "Credibility",
    "Corroborates",
    "Contradicts",
    "Supersedes",
    "Note",
    "Reason",
    "Replaced by",
];

/// JSON lines as a spreadsheet's CSV export (Excel's "CSV UTF-8": a byte
/// order mark, CRLF, every cell quoted that needs it), the type and
/// verdict capitalised as people type them.
fn as_csv(lines: &[Value]) -> Vec<u8> {
    let cell = |v: Option<&Value>| -> String {
        let s = match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Some(other) => other.to_string(),
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = "\u{feff}".to_string() + &COLUMNS.join(",") + "\r\n";
    for line in lines {
        let cells: Vec<String> = COLUMNS
            .iter()
            .map(|c| {
                let key = c.to_lowercase().replace(' ', "_");
                let v = line.get(&key);
                match (key.as_str(), v.and_then(Value::as_str)) {
                    ("type" | "verdict", Some(s)) => s[..1].to_uppercase() + &s[1..],
                    _ => cell(v),
                }
            })
            .collect();
        out += &(cells.join(",") + "\r\n");
    }
    out.into_bytes()
}

#[test]
fn a_spreadsheet_imports_as_its_json_lines() {
    let a = Work::with_team();
    let b = twin(&a);
    let now = [("CLAIMTRAIL_NOW", "2026-11-24T19:13:28Z")];
    for w in [&a, &b] {
        std::fs::write(
            w.path("tweet.txt"),
            "Seven civilians killed in al-Jadida. #Idlib",
        )
        .unwrap();
        std::fs::copy(FIXTURE, w.path("idlib-2022-07-22.txt")).unwrap();
    }
    let lines = desk_lines(
        json!({"type":"annotation","label":"a","claim":"@seven","verdict":"disputed",
        "reliability":"B","credibility":3,"contradicts":["@bakour", "@tw-claim"],
        "note":"counts differ:\n\"seven\", says the tweet; five, UNICEF"}),
    );
    write_lines(&a.path("desk.jsonl"), &lines.clone().map(|v| v.to_string()));
    std::fs::write(b.path("desk.csv"), as_csv(&lines)).unwrap();
    a.run_with(Some("analyst"), &now, &["import", "desk.jsonl"], None)
        .ok();
    let out = b.run_with(Some("analyst"), &now, &["import", "desk.csv"], None);
    assert!(
        out.ok()
            .starts_with("read 8 rows from desk.csv (0 blank)\n"),
        "{}",
        out.stdout
    );
    same_entries(&a, &b);
    b.run(None, &["verify"]).ok();
    // Again, saved with blank lines around its rows: every row is in the
    // log already, and the blank ones are counted as such.
    let mut padded = b"\n".to_vec();
    padded.extend(as_csv(&lines));
    padded.extend(b"\n\n");
    std::fs::write(b.path("desk.csv"), padded).unwrap();
    let again = b.run(Some("analyst"), &["import", "desk.csv"]);
    assert!(
        again
            .ok()
            .starts_with("read 11 rows from desk.csv (3 blank)\n")
            && again
                .stdout
                .contains("skipped 8 rows already in the log or earlier in the file"),
        "{}",
        again.stdout
    );
    // From standard input, told it is CSV.
    let c = twin(&a);
    std::fs::write(
        c.path("tweet.txt"),
        "Seven civilians killed in al-Jadida. #Idlib",
    )
    .unwrap();
    std::fs::copy(FIXTURE, c.path("idlib-2022-07-22.txt")).unwrap();
    c.run_with(
        Some("analyst"),
        &now,
        &["import", "-", "--format", "csv"],
        Some(&as_csv(&lines)),
    )
    .ok();
    same_entries(&a, &c);
}

#[test]
fn a_bad_spreadsheet_is_named_by_row_and_changes_nothing() {
    let w = Work::with_claims();
    let refused = |csv: &str, msg: &str| {
        std::fs::write(w.path("bad.csv"), csv).unwrap();
        let before = w.db_bytes();
        w.run(Some("analyst"), &["import", "bad.csv"]).error(msg);
        assert!(before == w.db_bytes(), "the database changed: {msg}");
    };
    refused(
        "",
        "row 1: the CSV input is empty (hint: its first row names the columns;",
    );
    refused(
        "type,claim,verdct\n",
        "row 1: column 3 is `verdct`, which is not a field of an import line (hint: name the columns after the fields that `claimtrail import --help` lists",
    );
    refused(
        "claim,verdict\nC1,false\n",
        "row 1: no type column (hint: add a column named type",
    );
    refused("type,claim,Claim\n", "row 1: two columns are named claim");
    // A row is numbered as the spreadsheet shows it, blank lines and line
    // breaks in cells counted as the file has them.
    refused(
        "type,claim,verdict,note\nannotation,C1,false,\"two\nlines\"\n\nannotation,C1,maybe,\n",
        "row 4: \"verdict\": `maybe` is not a verdict: use one of confirmed,",
    );
    // Blank lines before the header are rows too, and the header tells
    // the separator even then.
    refused(
        "\r\n\r\ntype;claim;verdict\r\nannotation;C1;maybe\r\n",
        "row 4: \"verdict\": `maybe` is not a verdict",
    );
    refused("\n\nclaim,verdict\n", "row 3: no type column");
    refused(
        "type,claim,verdict\nannotation,@c,false\n",
        "row 2: claim: label @c is not defined by an earlier row (hint: define it in the label column of a row above this one, or give an id like C1; nothing was imported)",
    );
    refused(
        "type,label,source,quote,speaker,provenance\nclaim,c,S1,Tehran summit,x,interview\n",
        "row 2: the quote occurs 3 times in S1",
    );
    refused(
        "type,claim,verdict\nannotation,C1,false,true\n",
        "row 2: 4 cells where the header names 3 columns (hint: a cell with a comma",
    );
    // Also when the cell too many is empty: the comma in `1,200` moved
    // the title into the publisher's cell, and the empty publisher past
    // the header, and the text was signed as `Shelling displaced 1`.
    refused(
        "type,kind,text,title,publisher\nsource,article,Shelling displaced 1,200 families near Idlib,Idlib shelling,\n",
        "row 2: 6 cells where the header names 5 columns (hint: a cell with a comma, a quotation mark or a line break in it is written in double quotes (\"…\", a quotation mark in it doubled), as spreadsheets export them; a comma at the end of the row is one cell too many",
    );
    // The same comma in a row that ends early (allowed) makes no cell too
    // many: the two halves read as one number (red-team, session 62).
    refused(
        "type,kind,text,title,publisher,author\nsource,article,Shelling displaced 1,200 families,Reuters\n",
        "row 2: cells 3 and 4 (`Shelling displaced 1` and `200 families`) read as one number cut at a comma left outside quotation marks (hint: write a cell with a comma in double quotes",
    );
    // Cells that are right as they are: the row written whole is taken
    // (this test's refusals leave the log as it was; this one is checked
    // by its own run below).
    let whole = "type,kind,text,title,publisher,author\nsource,article,Death toll now at 45,100 days of war,Reuters,\n";
    std::fs::write(w.path("whole.csv"), whole).unwrap();
    let copy = w.path("whole.db");
    std::fs::copy(&w.db, &copy).unwrap();
    assert!(w
        .run(
            Some("analyst"),
            &["--db", copy.to_str().unwrap(), "import", "whole.csv"]
        )
        .ok()
        .contains("appended 1 entry"));
    // Hints in a spreadsheet's terms, not JSON's (`"occurrence": 2`) nor
    // the command line's (`--span 0..6`; "the occurrence column K").
    refused(
        "type,source,quote,speaker,provenance\nclaim,S1,Tehran summit,X,tweet\n",
        "row 2: the quote occurs 3 times in S1: 1: line ",
    );
    refused(
        "type,source,quote,speaker,provenance\nclaim,S1,Tehran summit,X,tweet\n",
        "(hint: choose one with K in the occurrence column (1 to 3), or use the span column",
    );
    refused(
        "type,source,span,speaker,provenance\nclaim,S1,0..7,X,tweet\n",
        "(hint: give the words alone: 0..6 in the span column",
    );
    refused(
        "type,source,quote,speaker,provenance,occurrence\nclaim,S1,Idlib,X,tweet,1.0\n",
        "row 2: occurrence is a whole number of 1 or more (which occurrence of the quote, from the start), not `1.0` (hint: write which occurrence of the quote it is in the occurrence cell, a whole number counting from 1 (2 for the second), or leave it empty for a quote that occurs once",
    );
    refused(
        "type,kind,text,published\nsource,tweet,hello,2022-13-45\n",
        "row 2: `2022-13-45` is not a date: there is no month 13 (months run from 01 to 12) (hint: fix the published column",
    );
    refused(
        "type,claim,verdict\n,C1,false\n",
        "row 2: no type (hint: write source, claim, annotation, retraction, annotation_retraction or source_amendment in the row's type column",
    ); // A spreadsheet's export given as JSON Lines.
       // Separated by commas, semicolons (most of Europe's Excel) or tabs
       // (its "Text (Tab delimited)"): the last two had no such hint.
    let before = w.db_bytes();
    for rows in [
        "type,claim,verdict\nannotation,C1,false\n",
        "Type;Claim;Verdict\r\nannotation;C1;false\r\n",
        "Type\tClaim\tVerdict\r\nannotation\tC1\tfalse\r\n",
    ] {
        w.run_with(Some("analyst"), &[], &["import", "-"], Some(rows.as_bytes()))
            .error("line 1: not a JSON object (hint: if this is CSV (a header row of field names), import it with --format csv");
    }
    // A file in UTF-16 is said to be one, whatever its quoting and with
    // or without a byte order mark: quoted, it was "a quotation mark
    // inside a cell that does not begin with one"; without the mark,
    // "column 1 is `t\u{0}y\u{0}…`" or "malformed JSON".
    let utf16 = |text: &str, bom: bool| -> Vec<u8> {
        let mut out = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        out.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        out
    };
    let quoted = "\"type\",\"claim\",\"verdict\"\r\n\"annotation\",\"C1\",\"false\"\r\n";
    let line = "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\n";
    for (name, bytes, says) in [
        ("q16.csv", utf16(quoted, true), "row 1: the file is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8 (hint: export the spreadsheet as UTF-8 CSV (Excel: \"CSV UTF-8\"), or convert it (`iconv -f UTF-16 -t UTF-8` does)"),
        ("le.csv", utf16(quoted, false), "row 1: the file is UTF-16LE text without a byte order mark (a byte 00 beside each letter), not UTF-8 (hint: export the spreadsheet as UTF-8 CSV (Excel: \"CSV UTF-8\"), or convert it (`iconv -f UTF-16LE -t UTF-8` does)"),
        ("le.jsonl", utf16(line, false), "line 1: the file is UTF-16LE text without a byte order mark (a byte 00 beside each letter), not UTF-8 (hint: save it as UTF-8 (`iconv -f UTF-16LE -t UTF-8` converts it)"),
        ("bom.jsonl", utf16(line, true), "line 1: the file is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8"),
        // Excel's note of the separator, before the header row.
        ("sep.csv", b"sep=;\ntype;claim;verdict\nannotation;C1;false\n".to_vec(), "row 1: `sep=;` is Excel's note of the separator, not the header row (hint: delete that line"),
    ] {
        std::fs::write(w.path(name), bytes).unwrap();
        w.run(Some("analyst"), &["import", name]).error(says);
    }
    assert!(before == w.db_bytes());
    // A spreadsheet saved in Ukrainian Windows' own encoding: the hint
    // converts from it (WINDOWS-1251), not from WINDOWS-1252.
    std::fs::write(
        w.path("cp1251.csv"),
        b"type,claim,verdict,note\r\nannotation,C1,false,\xc3\xe5\xed\xef\xf0\xee\xea\xf3\xf0\xee\xf0 \xef\xe5\xf0\xe5\xe2\xb3\xf0\xe8\xe2\r\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "cp1251.csv"]).error(
        "row 2: note: not UTF-8 (invalid byte at character 1 of the cell); read as WINDOWS-1251, it says `Генпрокурор перевірив` (hint: export the spreadsheet as UTF-8 CSV (Excel: \"CSV UTF-8\"), or, if that reads right, convert it (`iconv -f WINDOWS-1251 -t UTF-8` does)",
    );
    assert!(before == w.db_bytes());
    // A header separated by `;` (as Excel writes it in much of Europe)
    // above rows separated by `,`: the row was "unknown type
    // `annotation,C1,false`", which reads like a good type.
    std::fs::write(
        w.path("mixed.csv"),
        "type;claim;verdict\nAnnotation,C1,false\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "mixed.csv"]).error(
        "row 2: unknown type `Annotation,C1,false`: this row's cells are separated by `,`, and the header's are not (hint: separate every row as the header is",
    );
    assert!(before == w.db_bytes());
}

/// Two runs of one file at the same time: the second waits for the first
/// (it says so, naming the first's process), then finds its entries, as a
/// re-run does, and appends nothing. Before the import lock each appended
/// every line.
#[test]
fn a_second_import_of_the_same_file_waits_for_the_first_and_appends_nothing() {
    let w = Work::with_claims();
    let lines: Vec<String> = (0..40)
        .map(|i| {
            format!(
                r#"{{"type":"annotation","claim":"C{}","verdict":"unverified","note":"batch {i}"}}"#,
                i % 2 + 1
            )
        })
        .collect();
    write_lines(&w.path("ann.jsonl"), &lines);
    let before = count(&w, "entries");
    // The first run reads standard input, which this test holds open: it
    // holds the lock meanwhile.
    let mut first = w
        .std_command(Some("analyst"), &[], &["import", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = PathBuf::from(format!(
        "{}-import-lock",
        w.db.canonicalize().unwrap().display()
    ));
    let start = Instant::now();
    while !lock.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "no lock file");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second_err = w.path("second.err");
    let mut second = w
        .std_command(Some("analyst"), &[], &["import", "ann.jsonl", "--json"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&second_err).unwrap())
        .spawn()
        .unwrap();
    let waiting = format!(
        "waiting for the import already running on {} (process {}) to end",
        w.db.display(),
        first.id()
    );
    let start = Instant::now();
    while !std::fs::read_to_string(&second_err)
        .unwrap()
        .contains(&waiting)
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "second import did not wait: {}",
            std::fs::read_to_string(&second_err).unwrap()
        );
        assert!(second.try_wait().unwrap().is_none(), "second import ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        count(&w, "entries"),
        before,
        "the second appended while waiting"
    );
    // A third waits too, and is stopped with Ctrl-C: it says so, as an
    // interrupted import does (it died of the signal without a word).
    let third_err = w.path("third.err");
    let mut third = w.std_command(Some("analyst"), &[], &["import", "ann.jsonl"]);
    third
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&third_err).unwrap());
    // SAFETY: only signal(2) between fork and exec: Ctrl-C's signal as a
    // terminal's shell leaves it (a suite run in the background has it
    // ignored, claimtrail keeps an ignored SIGINT ignored, and the third
    // import waited for good).
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut third, || {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let third = third.spawn().unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&third_err)
        .unwrap()
        .contains("waiting for the import already running")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "third import did not wait"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = interrupted(third);
    assert_eq!(out.status.signal(), Some(libc::SIGINT));
    assert_eq!(out.stdout, b"");
    let said = std::fs::read_to_string(&third_err).unwrap();
    assert_eq!(
        said.lines().last(),
        Some("import interrupted while waiting for the import already running: nothing was appended (hint: run the same import again, once that one has ended)"),
        "{said}"
    );
    first
        .stdin
        .take()
        .unwrap()
        .write_all(std::fs::read(w.path("ann.jsonl")).unwrap().as_slice())
        .unwrap();
    let first = Run::from(first.wait_with_output().unwrap());
    assert_eq!(summary(first.ok())["appended"]["annotations"], 40);
    let second = second.wait_with_output().unwrap();
    let stderr = std::fs::read_to_string(&second_err).unwrap();
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let out = summary(&String::from_utf8(second.stdout).unwrap());
    assert_eq!(out["appended"]["annotations"], 0, "{out}");
    assert_eq!(out["skipped"]["annotations"], 40, "{out}");
    assert_eq!(count(&w, "entries"), before + 40);
    assert!(!lock.exists(), "the lock file was left");
    w.run(None, &["verify"]).ok();
}

/// Repeated annotation lines are repeated judgments, each imported once;
/// a repeated claim is refused, as `claim add` refuses it (see
/// `a_claim_is_recorded_once`).
#[test]
fn repeated_lines_are_each_imported_once() {
    let w = Work::with_claims();
    let ann = json!({"type":"annotation","claim":"C2","verdict":"unverified"}).to_string();
    let claim =
        json!({"type":"claim","source":"S1","quote":"Tehran summit","occurrence":1,"speaker":"Bakour","provenance":"interview"})
            .to_string();
    // The first claim line is C1 exactly as `with_claims` added it: already imported.
    let c1 = json!({"type":"claim","source":"S1","quote":SEVEN,"speaker":"White Helmets","provenance":"tweet"})
        .to_string();
    let lines = vec![c1, claim, ann.clone(), ann.clone(), ann];
    write_lines(&w.path("rep.jsonl"), &lines);
    let (claims, anns) = (count(&w, "claims"), count(&w, "annotations"));
    let first = summary(
        w.run(Some("analyst"), &["--json", "import", "rep.jsonl"])
            .ok(),
    );
    assert_eq!(
        first["appended"],
        json!({"sources":0,"claims":1,"annotations":3,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    assert_eq!(
        first["skipped"],
        json!({"sources":0,"claims":1,"annotations":0,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    assert_eq!(count(&w, "claims"), claims + 1);
    assert_eq!(count(&w, "annotations"), anns + 3);
    let again = summary(
        w.run(Some("analyst"), &["--json", "import", "rep.jsonl"])
            .ok(),
    );
    assert_eq!(
        again["appended"],
        json!({"sources":0,"claims":0,"annotations":0,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    assert_eq!(
        again["skipped"],
        json!({"sources":0,"claims":2,"annotations":3,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    // One more copy of the line is one more annotation.
    let mut more = lines.clone();
    more.push(lines[2].clone());
    write_lines(&w.path("rep.jsonl"), &more);
    let third = summary(
        w.run(Some("analyst"), &["--json", "import", "rep.jsonl"])
            .ok(),
    );
    assert_eq!(
        third["appended"],
        json!({"sources":0,"claims":0,"annotations":1,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    // The same annotation signed by another key is another annotation.
    write_lines(&w.path("aud.jsonl"), &[lines[2].clone()]);
    let aud = summary(
        w.run(Some("auditor"), &["--json", "import", "aud.jsonl"])
            .ok(),
    );
    assert_eq!(aud["appended"]["annotations"], 1);
    w.run(None, &["verify"]).ok();
}

/// Runs an import of `good` lines then `bad`, expecting exit 2 naming the
/// bad line with `msg`, and the database unchanged byte for byte.
#[track_caller]
fn refused(w: &Work, bad: &[u8], msg: &str) {
    let good = [
        json!({"type":"claim","label":"x","source":"S1","quote":"Tehran summit","occurrence":3,"speaker":"Bakour","provenance":"interview"}),
        json!({"type":"annotation","label":"y","claim":"@x","verdict":"unverified"}),
    ];
    let mut file = Vec::new();
    for g in good {
        file.extend_from_slice(g.to_string().as_bytes());
        file.push(b'\n');
    }
    file.extend_from_slice(bad);
    file.push(b'\n');
    std::fs::write(w.path("bad.jsonl"), &file).unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "bad.jsonl"])
        .error(&format!("line 3: {msg}"));
    assert!(before == w.db_bytes(), "the database changed: {msg}");
}

/// A claim is recorded once: the same bytes of the same source, the same
/// speaker as written, the same provenance and paraphrase, while the first
/// is not retracted. `claim add` (a command typed twice, a script re-run)
/// and `import` refuse the second alike. A claim that differs in any of
/// these is another, so that a corrected claim can be recorded before the
/// wrong one is retracted in its favour.
#[test]
fn a_claim_is_recorded_once() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    w.claim_on("S1", &["--quote", SEVEN], "White Helmets", "tweet")
        .error("C1 already records bytes 442..511 of S1, said by White Helmets via tweet (hint: annotate C1 instead (`claimtrail annotate C1` with its --verdict); a claim is recorded once, and one recorded wrongly is retracted first (`claimtrail claim retract C1` with a --reason that says what was wrong), then added again)");
    assert!(before == w.db_bytes());
    // Another speaker or spelling of it, another provenance, a paraphrase:
    // another claim.
    for (speaker, via) in [
        ("Syrian Civil Defense", "tweet"),
        ("white helmets", "tweet"),
        ("White Helmets", "statement"),
    ] {
        w.claim_on("S1", &["--quote", SEVEN], speaker, via)
            .ok_noted();
    }
    w.claim_on(
        "S1",
        &["--quote", SEVEN, "--text", "seven dead"],
        "White Helmets",
        "tweet",
    )
    .ok_noted();
    // The same in an import: over a claim of the log that another key
    // recorded (this key's own, identical, counts as imported before), and
    // twice in a file.
    w.run(
        Some("admin"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            SEVEN,
            "--speaker",
            "Desk",
            "--provenance",
            "other",
        ],
    )
    .ok();
    let over =
        json!({"type":"claim","source":"S1","quote":SEVEN,"speaker":"Desk","provenance":"other"});
    refused(
        &w,
        over.to_string().as_bytes(),
        "C7 already records bytes 442..511 of S1, said by Desk via other (hint: annotate C7 instead",
    );
    let twice = json!({"type":"claim","source":"S1","quote":"Tehran summit","occurrence":3,"speaker":"Bakour","provenance":"interview"});
    refused(
        &w,
        twice.to_string().as_bytes(),
        "this claim repeats line 1's: the same bytes",
    );
    // Retracted, it may be recorded anew: by the command, and by a file
    // that retracts a claim of its own and records it again.
    w.run(
        Some("analyst"),
        &["claim", "retract", "C1", "--reason", "speaker misspelt"],
    )
    .ok();
    w.claim_on("S1", &["--quote", SEVEN], "White Helmets", "tweet")
        .ok_noted();
    let x = json!({"type":"claim","label":"x","source":"S1","quote":"Tehran summit","occurrence":3,"speaker":"Bakour","provenance":"interview"});
    let lines = [
        x.to_string(),
        json!({"type":"retraction","claim":"@x","reason":"wrong occurrence"}).to_string(),
        x.to_string().replace("\"label\":\"x\",", ""),
    ];
    write_lines(&w.path("again.jsonl"), &lines);
    let out = summary(
        w.run(Some("analyst"), &["--json", "import", "again.jsonl"])
            .ok(),
    );
    assert_eq!(
        out["appended"],
        json!({"sources":0,"claims":2,"annotations":0,"retractions":1,"annotation_retractions":0,"source_amendments":0})
    );
    w.run(None, &["verify"]).ok();
}

#[test]
fn bad_lines_are_named_and_change_nothing() {
    let w = Work::with_claims();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (br#"{"type":"quote","source":"S1"}"#.to_vec(), "unknown type `quote`"),
        (br#"{"source":"S1"}"#.to_vec(), "no \"type\" field"),
        // In other capitals: said so, not as missing.
        (
            br#"{"Type":"annotation","claim":"C1","verdict":"false"}"#.to_vec(),
            "no \"type\" field: `Type` is not one (field names are lower case) (hint: write it \"type\", as every field is written in lower case",
        ),
        (
            br#"{"type":null,"source":"S1"}"#.to_vec(),
            "\"type\" is null, not a type's name (hint: give \"type\": \"source\", \"claim\",",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Idlib","speakr":"X","provenance":"tweet"}"#.to_vec(),
            "unknown field `speakr`",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"not in the text","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "the quote does not occur in S1",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"tehran summit","occurrence":2,"speaker":"X","provenance":"tweet"}"#.to_vec(),
            "the quote does not occur in S1 as given, but 3 near matches do: 1: other letter case, line 33 col 160 (bytes 3782..3795): `Tehran summit`; 2: other letter case, line 33 col 496 (bytes 4118..4131): `Tehran summit`; 3: other letter case, line 35 col 180 (bytes 4388..4401): `Tehran summit` (hint: to claim the source's own text at occurrence 2, use \"span\": \"4118..4131\" instead of \"quote\"",
        ),
        (
            r#"{"type":"claim","source":"S1","quote":"Seven civilians … were killed","speaker":"X","provenance":"tweet"}"#.as_bytes().to_vec(),
            "the quote leaves text out (an ellipsis), and a claim is one exact span of S1: its 2 parts occur in order at line 5 col 78 (bytes 442..457) and line 5 col 136 (bytes 500..511) (hint: claim the whole passage, the words left out included, with \"span\": \"442..511\" instead of \"quote\", or each part as a claim of its own",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "the quote occurs 3 times in S1: 1: line 33 col 160 (bytes 3782..3795)",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":4,"speaker":"X","provenance":"tweet"}"#.to_vec(),
            "\"occurrence\": 4: the quote occurs 3 times in S1 (hint: use \"occurrence\": 1 to 3",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":0,"speaker":"X","provenance":"tweet"}"#.to_vec(),
            "\"occurrence\" is a whole number of 1 or more (which occurrence of the quote, from the start), not 0 (hint: give which occurrence of the quote it is, counting from 1, as a number (e.g. \"occurrence\": 2), or leave \"occurrence\" out",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":-1,"speaker":"X","provenance":"tweet"}"#.to_vec(),
            "\"occurrence\" is a whole number of 1 or more (which occurrence of the quote, from the start), not -1",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":2.5,"speaker":"X","provenance":"tweet"}"#.to_vec(),
            "\"occurrence\" is a whole number of 1 or more (which occurrence of the quote, from the start), not 2.5",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":"2","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "\"occurrence\" is a whole number of 1 or more (which occurrence of the quote, from the start), not the text `2`",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":18446744073709551616,"speaker":"X","provenance":"tweet"}"#.to_vec(),
            "\"occurrence\" is a whole number of 1 or more (which occurrence of the quote, from the start), not a number too large to be one",
        ),
        (
            br#"{"type":"annotation","claim":"@x","verdict":"maybe"}"#.to_vec(),
            "\"verdict\": `maybe` is not a verdict",
        ),
        (
            br#"{"type":"annotation","claim":"C1","verdict":"false","credibility":9}"#.to_vec(),
            "\"credibility\" is a whole number from 1 to 6 (6 = cannot be judged), not 9",
        ),
        (
            b"{\"type\":\"claim\",\"speaker\":\"Caf\xe9\"}".to_vec(),
            "not UTF-8 (invalid byte at column 31); read as WINDOWS-1252, it says `…laim\",\"speaker\":\"Café\"}` (hint: if that reads right, save the file as UTF-8 (`iconv -f WINDOWS-1252 -t UTF-8` converts it)",
        ),
        (
            b"{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\",\"note\":\"\xc3\xe5\xed\xef\xf0\xee\xea\xf3\xf0\xee\xf0: \xef\xe5\xf0\xe5\xe2\xb3\xf0\xe8\xf2\xe8\"}".to_vec(),
            "not UTF-8 (invalid byte at column 61); read as WINDOWS-1251, it says `…ct\":\"false\",\"note\":\"Генпрокурор: перевірити\"}` (hint: if that reads right, save the file as UTF-8 (`iconv -f WINDOWS-1251 -t UTF-8` converts it)",
        ),
        // UTF-8 Ukrainian with one stray byte: read as a legacy encoding,
        // it was "GBK", and the hint's iconv garbled every letter.
        (
            [
                "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\",\"note\":\"загинули семеро цивільних ".as_bytes(),
                b"\xa0\"}",
            ]
            .concat(),
            "UTF-8 text but for 1 byte that is not (the first at column 87, shown as \u{fffd} in `…ли семеро цивільних \u{fffd}\"}`) (hint: fix them where they came from, or drop them (`iconv -f UTF-8 -t UTF-8 -c` does)",
        ),
        // The column an editor shows, in characters: 11 Cyrillic letters
        // before the error were 11 columns more, in bytes.
        (
            r#"{"type":"annotation","claim":"C1","verdict":"false","note":"Генпрокурор" x}"#.as_bytes().to_vec(),
            "malformed JSON: expected `,` or `}` (column 74)",
        ),
        // Half an emoji, as a scraper that cuts tweets leaves it: the
        // escape is whole, and serde said "unexpected end of hex escape".
        (
            br#"{"type":"annotation","claim":"C1","verdict":"false","note":"killed \ud83d"}"#.to_vec(),
            "the escape \\ud83d is half of a character (a UTF-16 surrogate without its other half)",
        ),
        // A line whose first fault is before a half emoji: that fault is
        // named, not the escape.
        (
            br#"{"type":"annotation" "claim":"C1","verdict":"false","note":"killed \ud83d"}"#.to_vec(),
            "malformed JSON: expected `,` or `}` (column 22)",
        ),
        // A type with a comma in it, named whole (it was cut at the comma).
        (
            br#"{"type":"claim, source"}"#.to_vec(),
            "unknown type `claim, source` (hint:",
        ),
        (
            b"\xff\xfe{\x00\"\x00".to_vec(),
            "starts with a UTF-16 byte order mark: the file is UTF-8 up to here and UTF-16 from here on (a UTF-16 file joined after it, with `cat` say), and a byte order mark may only begin the file (hint: convert the UTF-16 file to UTF-8 before joining the files (`iconv -f UTF-16 -t UTF-8` converts it)",
        ),
        // Read on the reading thread: the lines before it are checked first.
        (
            vec![b' '; (65 << 20) + 1],
            "longer than 65 MiB (hint: only a source's text may be that long, given with \"file\" instead of \"text\"; a line of any other type holds at most 1 MiB, as its entry does;",
        ),
        (br#"{"type":"claim","source":"S1","#.to_vec(), "malformed JSON"),
        (br#"["type","claim"]"#.to_vec(), "not a JSON object"),
        (
            br#"{"type":"annotation","claim":"@nope","verdict":"false"}"#.to_vec(),
            "claim: label @nope is not defined by an earlier line",
        ),
        // No label could be defined so: the hint was to define `"label": ""`.
        (
            br#"{"type":"annotation","claim":"@","verdict":"false"}"#.to_vec(),
            "claim: `@` names no label (a label is 1 to 128 letters, digits and _ - . : /) (hint: refer to an earlier line's label as @label, or give an id like C1",
        ),
        (
            br#"{"type":"annotation","claim":"@@x","verdict":"false"}"#.to_vec(),
            "claim: `@@x` names no label",
        ),
        (
            br#"{"type":"claim","source":"@x","quote":"Idlib","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "source: @x is a claim (line 1), not a source",
        ),
        (
            br#"{"type":"claim","source":"S9","quote":"Idlib","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "source: no source S9 in this log (the last is S1)",
        ),
        (
            br#"{"type":"annotation","claim":"S1","verdict":"false"}"#.to_vec(),
            "claim: S1 is not a claim id",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Idlib","span":"0..5","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "a claim line needs exactly one of \"quote\" and \"span\"",
        ),
        (
            br#"{"type":"claim","source":"S1","span":"0..8","speaker":"X","provenance":"tweet"}"#.to_vec(),
            // The hint in the file's terms ("quote", not --quote).
            "span end 8 falls inside a multi-byte UTF-8 character (nearest boundaries: 7 and 10) (hint: see `claimtrail show S1 --text` for the text, or give the passage with \"quote\" and claimtrail finds its span",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":"Tehran summit","occurrence":1,"speaker":" ","provenance":"tweet"}"#.to_vec(),
            "the speaker is empty",
        ),
        (
            br#"{"type":"annotation","label":"x","claim":"C1","verdict":"false"}"#.to_vec(),
            "label `x` is already defined by line 1",
        ),
        (
            br#"{"type":"annotation","claim":"C1","verdict":"false","contradicts":["C1"]}"#.to_vec(),
            "contradicts links C1 to itself",
        ),
        (
            br#"{"type":"annotation","claim":"C2","verdict":"false","supersedes":"A1"}"#.to_vec(),
            "A1 is an annotation of C1, not of C2, so it cannot be superseded by this one (hint: to replace it, annotate C1 with \"supersedes\": \"A1\"; to judge C2 beside it, leave \"supersedes\" out; nothing was imported)",
        ),
        (
            br#"{"type":"source","text":"","kind":"tweet"}"#.to_vec(),
            "\"text\" is empty",
        ),
        // Fields that would make an entry longer than verify accepts.
        (
            json!({"type":"annotation","claim":"C1","verdict":"false","note":"n".repeat(2 << 20)})
                .to_string()
                .into_bytes(),
            // Its note alone passes the limit: refused as soon as it is read.
            "the annotation.add entry would be more than the 1,048,576 (1 MiB) an entry may hold: its texts alone are 2,097,152 bytes (hint: shorten the note; a long analysis belongs in a source, which the note can name; nothing was imported)",
        ),
        (
            json!({"type":"source","text":"x","kind":"tweet","title":"t".repeat(1 << 20)})
                .to_string()
                .into_bytes(),
            "the source.add entry would be 1,049,079 bytes, more than the 1,048,576 (1 MiB) an entry may hold (hint: shorten the title, author, publisher or address; the text itself is stored apart and may be up to 16 MiB; nothing was imported)",
        ),
        (
            br#"{"type":"source","file":"missing.txt","kind":"tweet"}"#.to_vec(),
            "cannot read",
        ),
        (
            br#"{"type":"source","text":"x","kind":"tweet","published":"22/07/2022"}"#.to_vec(),
            "`22/07/2022` is not a date",
        ),
        (
            br#"{"type":"source","text":"x","kind":"tweet","published":"2922-07-22"}"#.to_vec(),
            "the publication date `2922-07-22` is more than a day after the source was retrieved (",
        ),
        (
            br#"{"type":"source","text":"x","kind":"tweet","title":""}"#.to_vec(),
            "\"title\" is empty (hint: leave \"title\" out, or give its value",
        ),
        (
            br#"{"type":"annotation","claim":"C1","verdict":"false","note":" "}"#.to_vec(),
            "\"note\" is empty",
        ),
        (
            br#"{"type":"source","text":"x","kind":"tweet","url":"www.example.org/a"}"#.to_vec(),
            "`www.example.org/a` is not a URL: it does not start with a scheme such as https:// (hint: fix \"url\"",
        ),
    ];
    // A line that waits for the batch of the item it refers to is checked
    // for what the file alone shows at once: a text with a control
    // character let the lines before it be committed first.
    let waiting = [
        (
            br#"{"type":"annotation","claim":"@x","verdict":"false","note":"a\u0007b"}"#.to_vec(),
            "the note a\\u{7}b holds U+0007, a control character",
        ),
        (
            br#"{"type":"retraction","claim":"@x","reason":"\u200b"}"#.to_vec(),
            "the reason holds only white space or characters that draw nothing (U+200B)",
        ),
        (
            br#"{"type":"claim","source":"S1","quote":" \u200b","speaker":"X","provenance":"tweet"}"#.to_vec(),
            "the quote holds only white space or characters that draw nothing",
        ),
    ];
    for (bad, msg) in cases.iter().chain(&waiting) {
        refused(&w, bad, msg);
    }
    // Lines that wait for the batch of the item they refer to are checked
    // as far as possible before that batch is committed.
    let waiting = [
        (
            br#"{"type":"annotation","claim":"@x","verdict":"false","contradicts":["@x"]}"#
                .to_vec(),
            "contradicts links @x to itself (hint: a claim corroborates or contradicts other claims: name another one; nothing was imported)",
        ),
        (
            br#"{"type":"annotation","claim":"@x","verdict":"false","supersedes":"@x"}"#.to_vec(),
            "supersedes: @x is a claim (line 1), not an annotation",
        ),
        // A label defined again is said so, also on a line that refers to
        // it (it was told it refers to the item it creates).
        (
            br#"{"type":"annotation","label":"x","claim":"@x","verdict":"false"}"#.to_vec(),
            "label `x` is already defined by line 1 (hint: give every item its own label",
        ),
        (
            br#"{"type":"retraction","claim":"@x","reason":"wrong","replaced_by":"@x"}"#.to_vec(),
            "@x cannot replace itself (hint: name the claim that records it correctly in \"replaced_by\", or leave it out; nothing was imported)",
        ),
        // A note that alone passes the entry limit, on a line that waits:
        // refused as it is read, before the batch of @x is committed (it
        // was committed first, and stayed, when only the append path
        // measured entries).
        (
            json!({"type":"annotation","claim":"@x","verdict":"false","note":"n".repeat(2 << 20)})
                .to_string()
                .into_bytes(),
            "the annotation.add entry would be more than the 1,048,576 (1 MiB) an entry may hold: its texts alone are 2,097,152 bytes (hint: shorten the note; a long analysis belongs in a source, which the note can name; nothing was imported)",
        ),
    ];
    for (bad, msg) in &waiting {
        refused(&w, bad, msg);
    }
    let before = w.db_bytes();
    write_lines(
        &w.path("new.jsonl"),
        &[
            json!({"type":"source","label":"n","text":"A brand new text.","kind":"tweet"}).to_string(),
            json!({"type":"claim","source":"@n","quote":"brand old","speaker":"X","provenance":"tweet"}).to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "new.jsonl"])
        .error("line 2: the quote does not occur in @n");
    assert!(before == w.db_bytes());
    // Where a quote parts from a text not in the log yet: no `show` for it.
    write_lines(
        &w.path("new.jsonl"),
        &[
            json!({"type":"source","label":"n","text":"A brand new text.","kind":"tweet"}).to_string(),
            json!({"type":"claim","source":"@n","quote":"A brand new text, indeed","speaker":"X","provenance":"tweet"}).to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "new.jsonl"]).error(
        "line 2: the quote does not occur in @n; its first 16 characters do, at line 1 col 1 \
         (bytes 0..16), and then the source has `.` where the quote has `, indeed` (hint: copy \
         the passage exactly from the source's text, or use \"span\"",
    );
    assert!(before == w.db_bytes());
    // A derived source (or a retraction) commits the lines before it
    // early; a fault of a line after it still writes nothing: a line that
    // does not parse, or that its own fields or the file's labels refuse,
    // is found among the lines read together before any is taken.
    let faults = [
        (
            json!({"type":"annotation","claim":"C1","verdict":"maybe"}),
            "error: line 3: \"verdict\": `maybe` is not a verdict: use one of confirmed, corroborated, unverified, disputed, misleading, false (hint: ",
        ),
        (
            json!({"type":"annotation","claim":"C1","verdict":"disputed","note":" "}),
            "error: line 3: \"note\" is empty (hint: leave \"note\" out, or give its value; nothing was imported)",
        ),
        (
            json!({"type":"annotation","claim":"@nowhere","verdict":"disputed"}),
            "error: line 3: claim: label @nowhere is not defined by an earlier line (hint: define it with \"label\": \"nowhere\" on a line before this one",
        ),
        (
            json!({"type":"claim","source":"C1","quote":"Parent","speaker":"X","provenance":"tweet"}),
            "error: line 3: source: C1 is not a source id (hint: source ids start with S; nothing was imported)",
        ),
        (
            json!({"type":"claim","source":"@a","quote":"Parent","speaker":"X","provenance":"tweet","label":"a"}),
            "error: line 3: label `a` is already defined by line 1 (hint: give every item its own label; nothing was imported)",
        ),
        (
            json!({"type":"annotation","claim":"C1","verdict":"disputed","corroborates":["CC2"]}),
            "error: line 3: corroborates: ",
        ),
    ];
    for middle in [
        json!({"type":"source","label":"b","text":"Child text two.","kind":"article","derived_from":["@a"]}),
        json!({"type":"retraction","claim":"C2","reason":"misattributed: the ministry said it"}),
    ] {
        for (fault, said) in &faults {
            write_lines(
                &w.path("new.jsonl"),
                &[
                    json!({"type":"source","label":"a","text":"Parent text one.","kind":"tweet"})
                        .to_string(),
                    middle.to_string(),
                    fault.to_string(),
                ],
            );
            w.run(Some("analyst"), &["import", "new.jsonl"]).error(said);
            assert!(before == w.db_bytes(), "{middle} {fault}");
        }
    }
    w.run(None, &["verify"]).ok();
}

/// A source line whose `derived_from` names one source twice: a fault of
/// the line alone, found among the lines read together before any is
/// taken, and said as the file writes it. It was found by the append
/// path, as "derived_from lists S1 twice", once the batch with @a was
/// committed (the line is derived from a source of the open batch), so
/// exit 2 left S1 in the log (red team).
#[test]
fn a_list_naming_a_source_twice_is_found_before_anything_is_written() {
    let w = Work::with_team();
    let before = w.db_bytes();
    write_lines(
        &w.path("dup.jsonl"),
        &[
            json!({"type":"source","label":"a","kind":"tweet","text":"Water is rationed."}).to_string(),
            json!({"type":"source","label":"b","kind":"article","text":"Water is rationed, it said.","derived_from":["@a","@a"]}).to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "dup.jsonl"])
        .error("error: line 2: @a is listed twice in derived_from (hint: list each source once; nothing was imported)");
    assert!(before == w.db_bytes(), "the database changed");
    std::fs::write(
        w.path("dup.csv"),
        "type,label,kind,text,derived_from\n\
         source,a,tweet,Water is rationed.,\n\
         source,b,article,\"Water is rationed, it said.\",\"@a, @a\"\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "dup.csv"])
        .error("error: row 3: @a is listed twice in derived_from (hint: list each source once; nothing was imported)");
    assert!(before == w.db_bytes(), "the database changed");
}

/// A claim on a source of the same file whose quote begins or ends with
/// white space, or is only white space (a span selecting such): seen in
/// the pending text at once, with nothing written, as a quote not in it
/// is. It was found when the claim was built, after its source's batch
/// was committed (red team). The hints name the file's fields: `"span"`,
/// and `"quote"` (or `"span"`), not `--quote (or --span)`.
#[test]
fn a_quote_with_blank_edges_on_a_pending_source_writes_nothing() {
    let w = Work::with_team();
    let before = w.db_bytes();
    let text = "Water is rationed from today in the valley.";
    let source = json!({"type":"source","label":"s","kind":"tweet","text":text}).to_string();
    let claim = |at: (&str, &str)| {
        json!({"type":"claim","source":"@s",at.0:at.1,"speaker":"V","provenance":"tweet"})
            .to_string()
    };
    for (at, said) in [
        (("quote", " is rationed"), "error: line 2: the quote begins with white space (U+0020) (hint: give the words alone: \"span\": \"6..17\"; nothing was imported)"),
        (("quote", "is rationed "), "error: line 2: the quote ends with white space (U+0020) (hint: give the words alone: \"span\": \"6..17\"; nothing was imported)"),
        (("span", "5..18"), "error: line 2: the quote begins and ends with white space (U+0020) (hint: give the words alone: \"span\": \"6..17\"; nothing was imported)"),
        (("span", "5..6"), "error: line 2: the quote holds only white space or characters that draw nothing (U+0020) (hint: choose the claim's words with \"quote\" (or \"span\"); nothing was imported)"),
    ] {
        write_lines(&w.path("ws.jsonl"), &[source.clone(), claim(at)]);
        w.run(Some("analyst"), &["import", "ws.jsonl"]).error(said);
        assert!(before == w.db_bytes(), "the database changed: {at:?}");
    }
    // A spreadsheet's row says it of its columns.
    std::fs::write(
        w.path("ws.csv"),
        format!("type,label,kind,text,source,span,speaker,provenance\nsource,s,tweet,{text},,,,\nclaim,,,,@s,5..6,V,tweet\n"),
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "ws.csv"])
        .error("error: row 3: the quote holds only white space or characters that draw nothing (U+0020) (hint: choose the claim's words with the quote column (or the span column); nothing was imported)");
    assert!(before == w.db_bytes(), "the database changed");
    // On a source of the log, in the file's terms too.
    write_lines(&w.path("s.jsonl"), &[source]);
    w.run(Some("analyst"), &["import", "s.jsonl"]).ok();
    let before = w.db_bytes();
    write_lines(
        &w.path("sp.jsonl"),
        &[
            json!({"type":"claim","source":"S1","span":"5..6","speaker":"V","provenance":"tweet"})
                .to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "sp.jsonl"])
        .error("error: line 1: the quote holds only white space or characters that draw nothing (U+0020) (hint: choose the claim's words with \"quote\" (or \"span\"); nothing was imported)");
    assert!(before == w.db_bytes(), "the database changed");
}

#[test]
fn an_error_in_a_later_batch_keeps_the_earlier_ones_and_a_rerun_completes() {
    let w = Work::with_claims();
    let mut lines: Vec<String> = (0..5)
        .map(|i| {
            json!({"type":"annotation","claim":"C2","verdict":"unverified","note":format!("n{i}")})
                .to_string()
        })
        .collect();
    // An error only the log can tell (a line that does not parse is found
    // before anything is committed: `bad_lines_are_named_and_change_nothing`).
    lines.push(json!({"type":"annotation","claim":"C99","verdict":"disputed"}).to_string());
    write_lines(&w.path("late.jsonl"), &lines);
    let anns = count(&w, "annotations");
    let out = w.run(
        Some("analyst"),
        &["import", "late.jsonl", "--batch-size", "2"],
    );
    out.error("line 6: claim: no claim C99 in this log (the last is C2)");
    assert!(
        out.stderr
            .contains("4 entries were appended in 2 batches before the error was found"),
        "{}",
        out.stderr
    );
    assert_eq!(count(&w, "annotations"), anns + 4);
    w.run(None, &["verify"]).ok();
    lines[5] = json!({"type":"annotation","claim":"C2","verdict":"disputed"}).to_string();
    write_lines(&w.path("late.jsonl"), &lines);
    let s = summary(
        w.run(
            Some("analyst"),
            &["--json", "import", "late.jsonl", "--batch-size", "2"],
        )
        .ok(),
    );
    assert_eq!(s["appended"]["annotations"], 2);
    assert_eq!(s["skipped"]["annotations"], 4);
    assert_eq!(count(&w, "annotations"), anns + 6);
    w.run(None, &["verify"]).ok();
}

#[test]
fn lines_that_refer_to_the_open_batch_wait_for_it() {
    let w = Work::with_claims();
    // Each annotation refers to the claim just before it: interleaved, the
    // file still goes in full batches.
    let mut lines = Vec::new();
    for i in 0..10 {
        lines.push(
            json!({"type":"claim","label":format!("c{i}"),"source":"S1","quote":"Tehran summit","occurrence":1 + i % 3,
                   "speaker":format!("Speaker {i}"),"provenance":"interview"})
            .to_string(),
        );
        lines.push(
            json!({"type":"annotation","label":format!("a{i}"),"claim":format!("@c{i}"),"verdict":"unverified"})
                .to_string(),
        );
    }
    // A chain: each supersedes the one before.
    for i in 0..3 {
        let prev = if i == 0 {
            "@a9".to_string()
        } else {
            format!("@s{}", i - 1)
        };
        lines.push(
            json!({"type":"annotation","label":format!("s{i}"),"claim":"@c9","verdict":"false","supersedes":prev})
                .to_string(),
        );
    }
    write_lines(&w.path("inter.jsonl"), &lines);
    let s = summary(
        w.run(
            Some("analyst"),
            &["--json", "import", "inter.jsonl", "--batch-size", "4"],
        )
        .ok(),
    );
    assert_eq!(
        s["appended"],
        json!({"sources":0,"claims":10,"annotations":13,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
    // 23 entries: 6 batches if every batch were full; waiting costs a few more.
    let batches = s["batches"].as_u64().unwrap();
    assert!((6..=10).contains(&batches), "{s}");
    w.run(None, &["verify"]).ok();
    let a = summary(w.run(None, &["--json", "show", "C12"]).ok());
    assert_eq!(a["claim"]["speaker"], "Speaker 9", "{a}");
    let anns = summary(w.run(None, &["--json", "list", "annotations"]).ok());
    let last = anns.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["claim"], "C12");
    assert!(last["supersedes"].is_string(), "{last}");
    let again = summary(
        w.run(Some("analyst"), &["--json", "import", "inter.jsonl"])
            .ok(),
    );
    assert_eq!(
        again["appended"],
        json!({"sources":0,"claims":0,"annotations":0,"retractions":0,"annotation_retractions":0,"source_amendments":0})
    );
}

/// A `"file"` that is not UTF-8: the hint's `iconv` runs from where the
/// command runs, and the value it says to write in the line is the copy's
/// name from the import file's directory, as `"file"` is read. It said
/// "then give in/latin1.txt.utf8", which the line then read as
/// in/in/latin1.txt.utf8.
#[test]
fn a_file_not_in_utf8_is_fixed_as_the_hint_says() {
    let w = Work::with_team();
    std::fs::create_dir(w.path("in")).unwrap();
    std::fs::write(
        w.path("in/latin1.txt"),
        b"caf\xe9 au lait, said the mayor.\n",
    )
    .unwrap();
    write_lines(
        &w.path("in/data.jsonl"),
        &[json!({"type":"source","file":"latin1.txt","kind":"tweet"}).to_string()],
    );
    let r = w.run(Some("analyst"), &["import", "in/data.jsonl"]);
    r.error("line 1: in/latin1.txt is not UTF-8 text (invalid byte at offset 3); read as WINDOWS-1252, that line says `café au lait, said the mayor.` (hint: if that reads right, convert it first: `iconv -f WINDOWS-1252 -t UTF-8 in/latin1.txt > in/latin1.txt.utf8`, then write `\"file\": \"latin1.txt.utf8\"` in the line;");
    // Done as it says (the conversion by hand: Latin-1 is Unicode's first
    // 256 code points), the line imports.
    let text: String = b"caf\xe9 au lait, said the mayor.\n"
        .iter()
        .map(|&b| b as char)
        .collect();
    std::fs::write(w.path("in/latin1.txt.utf8"), text).unwrap();
    write_lines(
        &w.path("in/data.jsonl"),
        &[json!({"type":"source","file":"latin1.txt.utf8","kind":"tweet"}).to_string()],
    );
    w.run(Some("analyst"), &["import", "in/data.jsonl"]).ok();
    assert!(w
        .run(None, &["show", "S1", "--text"])
        .ok()
        .contains("café au lait"));
    // A spreadsheet's row says it of its file column.
    std::fs::write(
        w.path("in/data.csv"),
        "type,file,kind\nsource,latin1.txt,tweet\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "in/data.csv"])
        .error("then write `latin1.txt.utf8` in the file column;");
    // A document's text is saved as `.txt`, and the line is told that
    // name (it was told `.utf8`; red team P F3).
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend([0u8; 64]);
    std::fs::write(w.path("in/report.pdf"), pdf).unwrap();
    write_lines(
        &w.path("in/data.jsonl"),
        &[json!({"type":"source","file":"report.pdf","kind":"tweet"}).to_string()],
    );
    w.run(Some("analyst"), &["import", "in/data.jsonl"]).error(
        "(`pdftotext -enc UTF-8 in/report.pdf in/report.pdf.txt`), check the text against the original, then write `\"file\": \"report.pdf.txt\"` in the line;",
    );
    // The same lines read as CSV: said to be JSON Lines (it was a
    // quotation mark misplaced in row 1; red team P F5).
    w.run(Some("analyst"), &["import", "in/data.jsonl", "--format", "csv"])
        .error("error: row 1 is a JSON object, not a row of columns: the file is JSON Lines (hint: import it as JSON Lines, with --format jsonl");
    // Cut short in the middle of its last line: said so, not "malformed
    // JSON: EOF while parsing a string" (P F4).
    let cut = format!(
        "{}\n{{\"type\":\"source\",\"fi",
        json!({"type":"source","file":"latin1.txt.utf8","kind":"tweet"})
    );
    std::fs::write(w.path("in/cut.jsonl"), cut).unwrap();
    w.run(Some("analyst"), &["import", "in/cut.jsonl"])
        .error("error: line 2: the input ends in the middle of this line (no line break after it, and its JSON object is not closed) (hint: the file was cut short, or the program writing it stopped: make or fetch it whole, and import it again;");
}

#[test]
fn a_file_line_reads_only_inside_the_import_files_directory() {
    // An import file from a scraper or a partner desk names the texts it
    // brings; it must not be able to copy the analyst's key, /etc/passwd
    // or whatever else the machine holds into a log no one can take it
    // out of, nor wait for ever on a FIFO.
    let w = Work::with_team();
    std::fs::create_dir(w.path("in")).unwrap();
    std::fs::write(w.path("outside.txt"), "Not meant for the log.").unwrap();
    std::os::unix::fs::symlink(w.path("outside.txt"), w.path("in/link.txt")).unwrap();
    std::os::unix::fs::symlink(w.path("analyst"), w.path("in/key.txt")).unwrap();
    std::fs::copy(w.path("analyst"), w.path("in/analyst")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(w.path("in/fifo"))
        .status()
        .unwrap()
        .success());
    let before = w.db_bytes();
    for (file, says) in [
        ("../outside.txt", "line 1: \"file\" `../outside.txt` leaves the import file's directory (hint: copy the text into the import file's directory and give its path from there, or import with --files-anywhere if you wrote the import file yourself; nothing was imported)"),
        ("/etc/passwd", "\"file\" `/etc/passwd` leaves the import file's directory"),
        ("link.txt", "\"file\" `link.txt` is a link to "),
        ("key.txt", "\"file\" `key.txt` is a link to "),
        ("fifo", "\"file\" `fifo` is not a regular file (a directory, a pipe or a device)"),
        ("analyst", "in/analyst holds a private key, not a source's text (hint: give the text of the article, statement or transcript"),
    ] {
        write_lines(
            &w.path("in/data.jsonl"),
            &[json!({"type":"source","file":file,"kind":"tweet"}).to_string()],
        );
        w.run_within(
            std::time::Duration::from_secs(60),
            Some("analyst"),
            &[],
            &["import", "in/data.jsonl"],
        )
        .error(says);
    }
    assert!(before == w.db_bytes());
    // The same key, named on the command line by a slip, is refused too.
    w.run(
        Some("analyst"),
        &["source", "add", "analyst", "--kind", "other"],
    )
    .error("analyst holds a private key, not a source's text");
    // Or piped in, or inline in an import line (red-team round 4: both
    // signed the analyst's own key into the log).
    let key = std::fs::read(w.path("analyst")).unwrap();
    w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "other"],
        Some(&key),
    )
    .error("error: standard input holds a private key, not a source's text (hint: give the text of the article, statement or transcript)");
    write_lines(
        &w.path("in/inline.jsonl"),
        &[
            json!({"type":"source","text":String::from_utf8(key.clone()).unwrap(),"kind":"other"})
                .to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "in/inline.jsonl"])
        .error("error: line 1: \"text\" holds a private key, not a source's text");
    // A whole key below other lines, in a file, piped in or inline; a key
    // cut short (a leak story that quotes its first line) is a text.
    let key = String::from_utf8(key).unwrap();
    let lines = key.lines().count();
    let noted = format!("notes from the desk:\n{key}");
    std::fs::write(w.path("notes.txt"), &noted).unwrap();
    w.run(Some("analyst"), &["source", "add", "notes.txt", "--kind", "other"])
        .error(&format!("error: notes.txt holds a private key, on lines 2 to {} (hint: take the key out of the text (a key signed into the log is published with it), and give the text again)", lines + 1));
    write_lines(
        &w.path("in/inline.jsonl"),
        &[json!({"type":"source","text":noted,"kind":"other"}).to_string()],
    );
    w.run(Some("analyst"), &["import", "in/inline.jsonl"])
        .error("error: line 1: \"text\" holds a private key, on lines 2 to ");
    assert!(before == w.db_bytes());
    // Quoted in a forwarded mail, pasted as one line, or a PGP secret key:
    // refused too (red-team, session 62).
    let quoted: String = key.lines().map(|l| format!("> {l}\n")).collect();
    let one_line = key.lines().collect::<Vec<_>>().join(" ");
    let pgp = format!(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\n",
        "lQVYBGVnZXkBDADXn2vQ7kq3Zt0bXyPq1s9mJ8Hc4W2aL5eRfNoT6uYiKxDgBhCjE".repeat(3)
    );
    for (name, text) in [
        ("quoted.txt", format!("Notes, forwarded mail:\n{quoted}")),
        ("oneline.txt", format!("Notes:\n{one_line}\n")),
        ("pgp.asc", pgp),
    ] {
        std::fs::write(w.path(name), text).unwrap();
        w.run(Some("analyst"), &["source", "add", name, "--kind", "other"])
            .error(&format!("error: {name} holds a private key, on lines "));
    }
    assert!(before == w.db_bytes());
    // A key's markers with no key between them (a court report's) is a text.
    std::fs::write(
        w.path("court.txt"),
        "The leaked file, as shown in court, began:\n-----BEGIN OPENSSH PRIVATE KEY-----\n[redacted by the court]\n-----END OPENSSH PRIVATE KEY-----\nsaid the prosecutor.\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "court.txt", "--kind", "other"],
    )
    .ok();
    // Nor is prose between the markers: a longer redaction, or a story
    // that explains the format in a sentence.
    for (name, text) in [
        ("court2.txt", "The exhibit read:\n-----BEGIN RSA PRIVATE KEY-----\n[Contents withheld by order of the court under section 11 of the Contempt of Court Act 1981]\n-----END RSA PRIVATE KEY-----\n"),
        ("pem.txt", "Security desk:\nSuch a file begins with the line -----BEGIN OPENSSH PRIVATE KEY----- and what follows it is the key itself, encoded, until it closes with -----END OPENSSH PRIVATE KEY----- on its own line.\n"),
        // A threat report: the markers named in prose, hashes between them.
        ("threat.txt", "The stealer looks for files holding -----BEGIN OPENSSH PRIVATE KEY----- and sends them out. Samples:\n3f786850e387550fdab836ed7e6dc881de23001b3f786850e387550fdab836ed\nd2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26\nIt stops at -----END OPENSSH PRIVATE KEY----- and moves on.\n"),
    ] {
        std::fs::write(w.path(name), text).unwrap();
        w.run(Some("analyst"), &["source", "add", name, "--kind", "article"])
            .ok();
    }
    let cut: Vec<&str> = key.lines().take(2).collect();
    std::fs::write(
        w.path("leak.txt"),
        format!(
            "The leaked file began:\n{}\n…and went on.\n",
            cut.join("\n")
        ),
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "leak.txt", "--kind", "article"],
    )
    .ok();
    // Told the file is the user's own, `file` may name any path.
    write_lines(
        &w.path("in/data.jsonl"),
        &[json!({"type":"source","file":"../outside.txt","kind":"tweet"}).to_string()],
    );
    let out = w.run(
        Some("analyst"),
        &["import", "in/data.jsonl", "--files-anywhere"],
    );
    assert!(out.ok().contains("1 source"), "{}", out.stdout);
}

#[test]
fn a_csv_cell_never_closed_is_refused_not_signed_as_the_rest_of_the_file() {
    // The CSV reader took the two rows after the open quote as the second
    // row's text, and the import signed it as one source: exit 0, "1 row".
    let w = Work::with_team();
    std::fs::write(
        w.path("desk.csv"),
        "type,kind,text\nsource,tweet,\"He said \"\"hi\"\" to me\nsource,tweet,Second\nsource,tweet,Third\n",
    )
    .unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "desk.csv"]).error(
        "row 2: a quoted cell is never closed: its closing quotation mark is missing, so the rest of the file would be its text (hint: export the file again from the spreadsheet as CSV, or fix the row's quotation marks; nothing was imported)",
    );
    assert!(before == w.db_bytes());
}

#[test]
fn stdin_relative_files_and_roles() {
    let w = Work::with_team();
    std::fs::create_dir(w.path("in")).unwrap();
    std::fs::write(w.path("in/tweet.txt"), "A tweet about Idlib.").unwrap();
    std::fs::write(w.path("statement.txt"), "A statement about Idlib.").unwrap();
    // A file's `file` paths start from the file's directory...
    write_lines(
        &w.path("in/data.jsonl"),
        &[json!({"type":"source","label":"t","file":"tweet.txt","kind":"tweet"}).to_string()],
    );
    w.run(Some("analyst"), &["import", "in/data.jsonl"]).ok();
    // ...standard input's from the current directory.
    let stdin = format!(
        "{}\n{}\n",
        json!({"type":"source","label":"s","file":"statement.txt","kind":"statement"}),
        json!({"type":"claim","source":"@s","quote":"statement","speaker":"Ministry","provenance":"statement"})
    );
    let out = w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(stdin.as_bytes()),
    );
    assert!(out.ok().contains("from standard input"), "{}", out.stdout);
    assert_eq!(count(&w, "sources"), 2);
    // An auditor may annotate but not add sources.
    let before = w.db_bytes();
    let src = json!({"type":"source","text":"Another text.","kind":"other"}).to_string();
    w.run_with(Some("auditor"), &[], &["import", "-"], Some(src.as_bytes()))
        .error("line 1: key auditor (SHA256:");
    assert!(before == w.db_bytes());
    let ann =
        json!({"type":"annotation","claim":"C1","verdict":"unverified","note":"audit"}).to_string();
    w.run_with(Some("auditor"), &[], &["import", "-"], Some(ann.as_bytes()))
        .ok();
    // No key, no file, a directory, a bad batch size.
    w.run(None, &["import", "in/data.jsonl"])
        .error("no signing key");
    w.run(Some("analyst"), &["import", "nope.jsonl"])
        .error("cannot read nope.jsonl");
    w.run(Some("analyst"), &["import", "in"])
        .error("is a directory");
    w.run(
        Some("analyst"),
        &["import", "in/data.jsonl", "--batch-size", "0"],
    )
    .error("invalid value '0' for '--batch-size <BATCH_SIZE>': `0` is not a whole number from 1 to 100,000");
    w.run(
        Some("analyst"),
        &["import", "in/data.jsonl", "--batch-size", "-1"],
    )
    .error("`-1` is not a whole number from 1 to 100,000");
    w.run(
        Some("analyst"),
        &["import", "in/data.jsonl", "--flush-after", "-1"],
    )
    .error("`-1` is not a number of seconds from 0.01 to 86400");
    w.run(None, &["verify"]).ok();
}

/// xorshift64*: pseudo-random delays without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

const TOWNS: [&str; 5] = ["al-Jadida", "Ariha", "Sarmada", "Binnish", "Kafr Takharim"];

/// The crash test's file: 50 new sources, 950 claims (by quote and by span,
/// on them and on the fixture, one identical to C1, some repeated), 1000
/// annotations (on @labels and on C2, some repeated, some contradicting).
fn crash_file() -> Vec<String> {
    let mut lines = Vec::new();
    let mut texts = Vec::new();
    let kinds = ["article", "tweet", "report"];
    for i in 0..50 {
        let town = TOWNS[i % TOWNS.len()];
        let sentences = [
            format!(
                "The shelling of {town} killed {} civilians, witness {i} said.",
                3 + i % 7
            ),
            format!("Rescue teams counted {} injured in dispatch {i}.", 10 + i),
            format!("Officials in {town} denied any attack on day {i}."),
        ];
        let text = format!("Dispatch {i}.\n{}\n", sentences.join("\n"));
        lines.push(
            json!({"type":"source","label":format!("s{i}"),"text":text,"kind":kinds[i % 3],
                   "title":format!("Dispatch {i}")})
            .to_string(),
        );
        texts.push((text, sentences));
    }
    for j in 0..950usize {
        let line = if j == 0 {
            // C1 as `with_claims` added it: already in the log.
            json!({"type":"claim","label":format!("c{j}"),"source":"S1","quote":SEVEN,"speaker":"White Helmets","provenance":"tweet"})
        } else {
            let (text, sentences) = &texts[j % 50];
            let sentence = &sentences[(j / 50) % 3];
            let mut v = json!({"type":"claim","label":format!("c{j}"),"source":format!("@s{}", j % 50),
                               "speaker":format!("Witness {j}"),"provenance":"interview"});
            if j % 2 == 0 {
                v["quote"] = json!(sentence);
            } else {
                let at = text.find(sentence.as_str()).unwrap();
                v["span"] = json!(format!("{}..{}", at, at + sentence.len()));
                v["text"] = json!(format!("paraphrase {j}"));
            }
            v
        };
        lines.push(line.to_string());
    }
    let verdicts = [
        "confirmed",
        "corroborated",
        "unverified",
        "disputed",
        "misleading",
        "false",
    ];
    for k in 0..1000usize {
        if k % 7 == 6 {
            let mut v: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
            v.as_object_mut().unwrap().remove("label");
            lines.push(v.to_string());
            continue;
        }
        let claim = if k % 97 == 0 {
            "C2".to_string()
        } else {
            format!("@c{}", k % 950)
        };
        let mut v = json!({"type":"annotation","label":format!("a{k}"),"claim":claim,"verdict":verdicts[k % 6],
                           "note":format!("note {k}")});
        if k % 3 == 0 {
            v["reliability"] = json!(&"ABCDEF"[k % 6..k % 6 + 1]);
            v["credibility"] = json!(1 + k % 6);
        }
        if k % 5 == 0 && k % 97 != 0 {
            v["contradicts"] = json!([format!("@c{}", (k + 1) % 950)]);
        }
        lines.push(v.to_string());
    }
    lines
}

/// What the log holds, independent of ids and times: every claim and
/// annotation by content, sorted.
fn contents(db: &Path) -> (Vec<String>, Vec<String>) {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut claim = std::collections::HashMap::new();
    let mut claims = Vec::new();
    let mut s = c
        .prepare(
            "SELECT c.id, hex(s.sha256), c.start, c.\"end\", c.speaker, c.provenance, c.paraphrase
             FROM claims c JOIN sources s ON s.id = c.source_id",
        )
        .unwrap();
    let mut rows = s.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let id: i64 = r.get(0).unwrap();
        let text = format!(
            "{}:{}..{} {} {} {:?}",
            r.get::<_, String>(1).unwrap(),
            r.get::<_, i64>(2).unwrap(),
            r.get::<_, i64>(3).unwrap(),
            r.get::<_, String>(4).unwrap(),
            r.get::<_, String>(5).unwrap(),
            r.get::<_, Option<String>>(6).unwrap()
        );
        claim.insert(id, text.clone());
        claims.push(text);
    }
    let mut s = c
        .prepare(
            "SELECT a.id, a.claim_id, a.verdict, a.reliability, a.credibility, a.note,
                    (SELECT group_concat(relation || ' ' || other_claim) FROM relations r WHERE r.annotation_id = a.id)
             FROM annotations a",
        )
        .unwrap();
    let mut anns = Vec::new();
    let mut rows = s.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let rel: Option<String> = r.get(6).unwrap();
        let rel = rel.map(|r| {
            let (kind, other) = r.split_once(' ').unwrap();
            format!("{kind} {}", claim[&other.parse::<i64>().unwrap()])
        });
        anns.push(format!(
            "{} | {} {:?} {:?} {:?} | {:?}",
            claim[&r.get::<_, i64>(1).unwrap()],
            r.get::<_, String>(2).unwrap(),
            r.get::<_, Option<String>>(3).unwrap(),
            r.get::<_, Option<i64>>(4).unwrap(),
            r.get::<_, Option<String>>(5).unwrap(),
            rel
        ));
    }
    claims.sort();
    anns.sort();
    (claims, anns)
}

/// A fresh workspace holding a copy of `setup` (its keys and database).
fn copy_of(w: &Work, db: &[u8]) -> Work {
    let t = Work::new();
    for name in ["analyst", "analyst.pub"] {
        std::fs::copy(w.path(name), t.path(name)).unwrap();
    }
    std::fs::write(&t.db, db).unwrap();
    t
}

fn import_command(t: &Work, file: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("claimtrail"));
    c.current_dir(t.dir.path())
        .env_remove("CLAIMTRAIL_PASSPHRASE")
        .env_remove("CLAIMTRAIL_NOW")
        .env("CLAIMTRAIL_DB", &t.db)
        .env("CLAIMTRAIL_KEY", t.path("analyst"))
        .args(["import", "--batch-size", "50"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn killed_at_random_points_then_rerun_completes_without_duplicates() {
    const BATCH: i64 = 50;
    const TRIALS: usize = 20;
    let w = Work::with_claims();
    let file: PathBuf = w.path("crash.jsonl");
    write_lines(&file, &crash_file());
    let setup = w.db_bytes();
    let setup_entries = count(&w, "entries");

    // An uninterrupted run: how long it takes, and what it makes.
    let reference = copy_of(&w, &setup);
    let started = Instant::now();
    let out = reference.run(
        Some("analyst"),
        &[
            "--json",
            "import",
            file.to_str().unwrap(),
            "--batch-size",
            "50",
        ],
    );
    let took = started.elapsed();
    let s = summary(out.ok());
    let total = s["appended"]["sources"].as_i64().unwrap()
        + s["appended"]["claims"].as_i64().unwrap()
        + s["appended"]["annotations"].as_i64().unwrap();
    assert_eq!(
        s["appended"],
        json!({"sources":50,"claims":949,"annotations":1000,"retractions":0,"annotation_retractions":0,"source_amendments":0}),
        "{s}"
    );
    assert_eq!(
        s["skipped"],
        json!({"sources":0,"claims":1,"annotations":0,"retractions":0,"annotation_retractions":0,"source_amendments":0}),
        "{s}"
    );
    assert_eq!(
        s["batches"].as_i64().unwrap(),
        (total + BATCH - 1) / BATCH,
        "{s}"
    );
    assert_eq!(count(&reference, "entries") - setup_entries, total);
    reference.run(None, &["verify"]).ok();
    let want = contents(&reference.db);

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let span = took.as_millis().max(20) as u64;
    let mut cut = Vec::new();
    for trial in 0..TRIALS {
        let t = copy_of(&w, &setup);
        let delay = Duration::from_millis(rng.next() % span);
        let mut child = import_command(&t, &file).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; fails only if it already exited
        child.wait().unwrap();

        let v = t.run(None, &["verify"]);
        assert_eq!(v.code, 0, "trial {trial} ({delay:?}): {}", v.stdout);
        let n = count(&t, "entries") - setup_entries;
        assert!(
            n % BATCH == 0 || n == total,
            "trial {trial} ({delay:?}): {n} entries after the setup is not a whole number of batches"
        );
        cut.push(n);

        let again = summary(
            t.run(
                Some("analyst"),
                &[
                    "--json",
                    "import",
                    file.to_str().unwrap(),
                    "--batch-size",
                    "50",
                ],
            )
            .ok(),
        );
        let appended = again["appended"]["sources"].as_i64().unwrap()
            + again["appended"]["claims"].as_i64().unwrap()
            + again["appended"]["annotations"].as_i64().unwrap();
        assert_eq!(n + appended, total, "trial {trial}: {again}");
        assert_eq!(count(&t, "entries") - setup_entries, total, "trial {trial}");
        assert!(
            contents(&t.db) == want,
            "trial {trial}: the log differs from an uninterrupted import"
        );
        if trial % 5 == 4 {
            t.run(None, &["verify"]).ok();
        }
    }
    eprintln!("entries after the setup when killed: {cut:?} of {total}");
    // The kills must have landed inside the import, not only before or after it.
    assert!(
        cut.iter().any(|&n| n > 0 && n < total),
        "no kill interrupted the import: {cut:?}"
    );
}

/// `claimtrail --json import - ARGS…` as the analyst, its input a pipe
/// left open.
fn piped_import(w: &Work, args: &[&str]) -> std::process::Child {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("claimtrail"));
    c.current_dir(w.dir.path())
        .env_remove("CLAIMTRAIL_PASSPHRASE")
        .env_remove("CLAIMTRAIL_NOW")
        .env("CLAIMTRAIL_DB", &w.db)
        .env("CLAIMTRAIL_KEY", w.path("analyst"))
        .args(["--json", "import", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only signal(2) between fork and exec: Ctrl-C's signal as a
    // terminal's shell leaves it (`cargo test &` has it ignored, and
    // claimtrail keeps an ignored SIGINT ignored).
    unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    c.spawn().unwrap()
}

/// Writes `lines` to an import's standard input, leaving it open.
fn feed(child: &mut std::process::Child, lines: &[String]) {
    let stdin = child.stdin.as_mut().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
}

/// `import -` of `lines` with batches of 2, its input left open after
/// them: full batches are committed while it waits for more, and the
/// entries of a batch not full stay in flight (no pause is long enough to
/// commit them).
fn paused_import(w: &Work, lines: &[String]) -> std::process::Child {
    let mut child = piped_import(w, &["--batch-size", "2", "--flush-after", "3600"]);
    feed(&mut child, lines);
    child
}

/// Waits (up to 30 s) until `table` has `n` rows.
fn until_rows(w: &Work, table: &str, n: i64) {
    let started = Instant::now();
    while count(w, table) < n {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{table} never reached {n} rows"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends the last line to a paused import and waits for its end.
fn resume(mut child: std::process::Child, last: &str) -> Run {
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{last}\n").as_bytes()).unwrap();
    drop(stdin);
    Run::from(child.wait_with_output().unwrap())
}

/// A program that writes lines now and then into `import -`: when it
/// pauses, what it wrote is in the log, without waiting for a batch to
/// fill or for the end of the input.
#[test]
fn a_piped_input_is_committed_when_it_pauses() {
    let w = Work::with_claims();
    let (sources, claims) = (count(&w, "sources"), count(&w, "claims"));
    let text = "Dispatch 1. The Tehran summit ended without a statement.\n";
    let mut child = piped_import(&w, &[]);
    feed(
        &mut child,
        &[json!({"type":"source","label":"d1","text":text,"kind":"article"}).to_string()],
    );
    until_rows(&w, "sources", sources + 1);
    assert!(child.try_wait().unwrap().is_none(), "the import went on");
    // A claim on it, then one that waits for the claim's batch.
    feed(
        &mut child,
        &[
            claim_on("@d1", "c0", 1),
            json!({"type":"annotation","claim":"@c0","verdict":"unverified"}).to_string(),
        ],
    );
    until_rows(&w, "annotations", count(&w, "annotations") + 1);
    assert_eq!(count(&w, "claims"), claims + 1);
    assert!(child.try_wait().unwrap().is_none(), "the import went on");
    drop(child.stdin.take());
    let run = Run::from(child.wait_with_output().unwrap());
    let s = summary(run.ok());
    assert_eq!(
        s["appended"],
        json!({"sources":1,"claims":1,"annotations":1,"retractions":0,"annotation_retractions":0,"source_amendments":0}),
        "{s}"
    );
    assert_eq!(s["batches"], json!(3), "{s}");
    w.run(None, &["verify"]).ok();
}

/// A slow input that never pauses for `--flush-after` still has its lines
/// committed, at least every ten times that.
#[test]
fn a_steady_slow_input_is_committed_as_it_goes() {
    let w = Work::with_claims();
    let annotations = count(&w, "annotations");
    let mut child = piped_import(&w, &["--flush-after", "0.3"]);
    let line = json!({"type":"annotation","claim":"C1","verdict":"unverified"}).to_string();
    let started = Instant::now();
    let mut written = 0;
    // A line every 50 ms for up to 10 s, until some are in the log.
    while count(&w, "annotations") == annotations {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing was committed"
        );
        feed(&mut child, std::slice::from_ref(&line));
        written += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.try_wait().unwrap().is_none(), "the import went on");
    drop(child.stdin.take());
    let run = Run::from(child.wait_with_output().unwrap());
    let s = summary(run.ok());
    assert_eq!(s["appended"]["annotations"], json!(written), "{s}");
    assert_eq!(count(&w, "annotations"), annotations + written);
}

/// `--flush-after` takes seconds; anything else is refused before reading,
/// with the one-line error of every other usage error. `--help` gives the
/// ranges of both numbers (they were learnt only from the error).
#[test]
fn flush_after_must_be_a_number_of_seconds() {
    let w = Work::with_claims();
    for bad in ["0", "-1", "soon", "1e9"] {
        let arg = format!("--flush-after={bad}");
        w.run(Some("analyst"), &["import", "-", &arg]).error(&format!(
            "`{bad}` is not a number of seconds from 0.01 to 86400 (hint: `claimtrail import --help`"
        ));
    }
    let help = w.run(None, &["import", "--help"]);
    let help = help.ok().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("Entries appended per transaction, 1 to 100000 ("),
        "{help}"
    );
    assert!(
        help.contains("pauses this many seconds, 0.01 to 86400 ("),
        "{help}"
    );
}

fn claim_on(source: &str, label: &str, occurrence: u64) -> String {
    json!({"type":"claim","label":label,"source":source,"quote":"Tehran summit","occurrence":occurrence,
           "speaker":"Speaker","provenance":"interview"})
    .to_string()
}

/// An import commits a batch while the lines that waited for it are
/// already being signed; they were numbered and chained after that batch.
/// Here another writer appends in between (while the import waits for
/// input): the import signs them again after its entry and goes on.
#[test]
fn another_writer_between_batches_is_taken_in_stride() {
    let w = Work::with_claims();
    let lines = [
        claim_on("S1", "c0", 1),
        // Waits for c0's batch, and is signed while that batch commits.
        json!({"type":"annotation","claim":"@c0","verdict":"unverified"}).to_string(),
        claim_on("S1", "c1", 2),
    ];
    let claims = count(&w, "claims");
    let annotations = count(&w, "annotations");
    let child = paused_import(&w, &lines);
    // The batch of c0 and c1 is committed; the import waits for more input.
    until_rows(&w, "claims", claims + 2);
    assert_eq!(count(&w, "annotations"), annotations);
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    let run = resume(child, &claim_on("S1", "c2", 3));
    let s = summary(run.ok());
    assert_eq!(
        s["appended"],
        json!({"sources":0,"claims":3,"annotations":1,"retractions":0,"annotation_retractions":0,"source_amendments":0}),
        "{s}"
    );
    assert_eq!(count(&w, "claims"), claims + 3);
    assert_eq!(count(&w, "annotations"), annotations + 2);
    w.run(None, &["verify"]).ok();
    // The other writer's annotation came first; the import's is of c0 (C3).
    let anns = summary(w.run(None, &["--json", "list", "annotations"]).ok());
    let anns = anns.as_array().unwrap();
    let last: Vec<&Value> = anns[anns.len() - 2..].iter().map(|a| &a["claim"]).collect();
    assert_eq!(last, [&json!("C2"), &json!("C3")], "{anns:?}");
}

/// Ctrl-C (SIGINT) to an import reading `child`'s standard input; its
/// output once it has died. The input stays open until then:
/// `wait_with_output` would close it first, and an import that reads the
/// end of its input before the signal is acted on commits what waited as
/// well (seen on a loaded machine).
fn interrupted(mut child: std::process::Child) -> std::process::Output {
    let input = child.stdin.take();
    // SAFETY: kill(2) on the child this test spawned and has not reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    drop(input);
    out
}

/// Ctrl-C in an import: it says how much the log kept and how to finish,
/// dies of the signal (what a shell or a script checks), and running the
/// same lines again appends the rest.
#[test]
fn an_interrupted_import_says_what_it_kept() {
    let w = Work::with_claims();
    let sources = count(&w, "sources");
    let lines: Vec<String> = (0..3)
        .map(|i| {
            let text = format!("Dispatch {i}. The Tehran summit ended without a statement.\n");
            json!({"type":"source","label":format!("d{i}"),"text":text,"kind":"article"})
                .to_string()
        })
        .collect();
    // Batches of 2: d0 and d1 are committed, d2 waits for a second line.
    let child = paused_import(&w, &lines);
    until_rows(&w, "sources", sources + 2);
    let out = interrupted(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "import interrupted: 2 entries were appended in 1 batch, and the lines read after them \
         were not (hint: run the same import again: it skips what is already in the log and \
         appends the rest)\n"
    );
    assert_eq!(out.stdout, b"", "{stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGINT), "{stderr}");
    assert_eq!(count(&w, "sources"), sources + 2);
    w.run(None, &["verify"]).ok();

    let file = w.path("dispatches.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let again = summary(
        w.run(
            Some("analyst"),
            &["--json", "import", file.to_str().unwrap()],
        )
        .ok(),
    );
    assert_eq!(again["appended"]["sources"], 1, "{again}");
    assert_eq!(again["skipped"]["sources"], 2, "{again}");
    assert_eq!(count(&w, "sources"), sources + 3);
}

/// If what the other writer did makes an entry signed meanwhile invalid
/// (here: an admin redacts the source of a waiting claim), the import stops
/// without storing any of them; the batches before stay, and a re-run
/// names the line.
#[test]
fn another_writer_that_invalidates_a_waiting_line_stops_the_import() {
    let w = Work::with_claims();
    let text = "Dispatch 1. The Tehran summit ended without a statement.\n";
    let lines = [
        json!({"type":"source","label":"d1","text":text,"kind":"article"}).to_string(),
        // Waits for d1's batch, and is signed while that batch commits.
        claim_on("@d1", "c0", 1),
        claim_on("S1", "c1", 1),
    ];
    let (sources, claims) = (count(&w, "sources"), count(&w, "claims"));
    let child = paused_import(&w, &lines);
    until_rows(&w, "sources", sources + 1);
    w.run(
        Some("admin"),
        &["source", "redact", "S2", "--reason", "mistyped"],
    )
    .ok();
    let run = resume(child, &claim_on("S1", "c2", 2));
    run.error("the log changed during this command: another process wrote after entry");
    assert!(
        run.stderr
            .contains("no longer passes: S2 was redacted before this claim"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&w, "sources"), sources + 1);
    assert_eq!(count(&w, "claims"), claims + 1, "c1 only");
    w.run(None, &["verify"]).ok();
    // Run again, the file's first line holds the redacted text, refused
    // as `source add` refuses it (it was skipped, and line 2 refused).
    write_lines(&w.path("again.jsonl"), &lines);
    w.run(Some("analyst"), &["import", "again.jsonl"])
        .error("line 1: these bytes are S2's, which was redacted at entry ");
}

/// A file saved by a Windows editor: a byte order mark, CRLF line ends.
#[test]
fn a_byte_order_mark_and_crlf_lines_are_read() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("windows.jsonl"),
        b"\xef\xbb\xbf{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"unverified\"}\r\n{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\r\n",
    )
    .unwrap();
    let out = w.run(Some("analyst"), &["import", "windows.jsonl"]);
    assert!(
        out.ok()
            .contains("appended 2 entries (0 sources, 0 claims, 2 annotations)"),
        "{}",
        out.stdout
    );
    // Only the file's first bytes may be a mark: one inside is refused.
    std::fs::write(
        w.path("joined.jsonl"),
        b"{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\n\xef\xbb\xbf{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "joined.jsonl"])
        .error("line 2: starts with a byte order mark (U+FEFF), which is not JSON (hint: delete it: a byte order mark may only begin the file (files joined with `cat` keep each one's); nothing was imported)");
    assert!(before == w.db_bytes());
    // A UTF-16 file joined after a UTF-8 one: said of the line, not of the
    // file, which starts with `{` (it was "the file is UTF-16 (it starts
    // with a UTF-16 byte order mark)").
    let mut joined = b"{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\n".to_vec();
    joined.extend(b"\xff\xfe");
    for c in "{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\n".encode_utf16() {
        joined.extend(c.to_le_bytes());
    }
    std::fs::write(w.path("joined16.jsonl"), joined).unwrap();
    w.run(Some("analyst"), &["import", "joined16.jsonl"])
        .error("error: line 2: starts with a UTF-16 byte order mark: the file is UTF-8 up to here and UTF-16 from here on (a UTF-16 file joined after it, with `cat` say), and a byte order mark may only begin the file (hint: convert the UTF-16 file to UTF-8 before joining the files (`iconv -f UTF-16 -t UTF-8` converts it), and import the joined copy; nothing was imported)");
    assert!(before == w.db_bytes());
}

/// A sheet imported, then saved again with CRLF line ends (Notepad, git's
/// `core.autocrlf`), and imported again: its multi-line notes are the same
/// notes, skipped (each was appended again, with an invisible `\r`); a
/// multi-line source text, kept byte for byte, is refused with the command
/// that gives the file its line ends back, rather than signed as a second
/// source.
#[test]
fn a_sheet_saved_again_with_crlf_line_ends_imports_nothing_twice() {
    let w = Work::with_claims();
    let notes = "type,claim,verdict,note\nannotation,C1,false,\"line one\nline two\"\nannotation,C2,unverified,plain\n";
    std::fs::write(w.path("notes.csv"), notes).unwrap();
    let out = w.run(Some("analyst"), &["import", "notes.csv"]);
    assert!(
        out.ok()
            .contains("appended 2 entries (0 sources, 0 claims, 2 annotations)"),
        "{}",
        out.stdout
    );
    std::fs::write(w.path("notes-crlf.csv"), notes.replace('\n', "\r\n")).unwrap();
    let again = w.run(Some("analyst"), &["import", "notes-crlf.csv"]);
    let text = again.ok();
    assert!(
        text.contains("appended 0 entries") && text.contains("skipped 2 rows already in the log"),
        "{text}"
    );
    let shown = w.run(None, &["--json", "show", "C1"]);
    assert_eq!(
        shown.ok().matches("line one").count(),
        1,
        "{}",
        shown.stdout
    );

    // A source's text in a cell, with a line break in it.
    let desk = "type,kind,text\nsource,statement,\"Water is rationed.\nFrom today.\"\n";
    std::fs::write(w.path("desk.csv"), desk).unwrap();
    assert!(w
        .run(Some("analyst"), &["import", "desk.csv"])
        .ok()
        .contains("appended 1 entry (1 source, 0 claims, 0 annotations)"));
    std::fs::write(w.path("desk-crlf.csv"), desk.replace('\n', "\r\n")).unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "desk-crlf.csv"])
        .error("error: row 2: this text is S2's but for its line ends (CRLF here, LF in S2): the file was saved with other line ends since S2 was imported (Notepad, git's core.autocrlf) (hint: give the file its LF line ends again (`sed -i 's/\\r$//' FILE` does) and import it: the row is then skipped as already in the log; nothing was imported)");
    assert!(before == w.db_bytes());
    // As the hint says.
    let sed = Command::new("sed")
        .args(["-i", "s/\\r$//"])
        .arg(w.path("desk-crlf.csv"))
        .status()
        .unwrap();
    assert!(sed.success());
    let out = w.run(Some("analyst"), &["import", "desk-crlf.csv"]);
    assert!(out.ok().contains("appended 0 entries"), "{}", out.stdout);

    // A multi-line quote of that source, from a sheet saved since with
    // CRLF: its line ends are said, with the same command (it was "other
    // spacing" and a span to use instead).
    let quote =
        "type,source,quote,speaker,provenance\nclaim,S2,\"rationed.\nFrom\",the desk,statement\n";
    std::fs::write(w.path("quote-crlf.csv"), quote.replace('\n', "\r\n")).unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "quote-crlf.csv"])
        .error("error: row 2: the quote does not occur in S2 as given: its line ends are CRLF, and S2's LF (the file was saved with Windows line ends since the quote was copied: Notepad, git's core.autocrlf) (hint: give the file its LF line ends again (`sed -i 's/\\r$//' FILE` does) and import it; nothing was imported)");
    assert!(before == w.db_bytes());
}

/// Lines ended by a CR alone (classic Mac OS) read as one line holding
/// several objects: said so, with the command that converts them (it was
/// "malformed JSON: trailing characters (column 54)"). The same items as
/// CSV rows so ended import, as CSV import reads such files.
#[test]
fn json_lines_ended_by_a_cr_alone_are_named_and_the_converted_copy_imports() {
    let w = Work::with_claims();
    let lines = "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\r{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\r";
    std::fs::write(w.path("mac.jsonl"), lines).unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "mac.jsonl"])
        .error("error: line 1: the file's lines end in a CR alone (old Mac OS line ends), so this line holds several JSON objects; JSON Lines end each line in LF or CRLF (hint: convert the line ends and import that copy: `tr '\\r' '\\n' < FILE > COPY` does (a JSON string holds no raw CR); CSV import reads such files as they are; nothing was imported)");
    assert!(before == w.db_bytes());
    // As the hint says.
    let converted = Command::new("tr")
        .args(["\\r", "\\n"])
        .stdin(std::fs::File::open(w.path("mac.jsonl")).unwrap())
        .output()
        .unwrap();
    std::fs::write(w.path("copy.jsonl"), converted.stdout).unwrap();
    let out = w.run(Some("analyst"), &["import", "copy.jsonl"]);
    assert!(
        out.ok()
            .contains("appended 2 entries (0 sources, 0 claims, 2 annotations)"),
        "{}",
        out.stdout
    );
    // The same sheet as CSV, its rows so ended, imports as it is.
    std::fs::write(
        w.path("mac.csv"),
        "type,claim,verdict\rannotation,C1,unverified\rannotation,C2,unverified\r",
    )
    .unwrap();
    let out = w.run(Some("analyst"), &["import", "mac.csv"]);
    assert!(
        out.ok()
            .contains("appended 2 entries (0 sources, 0 claims, 2 annotations)"),
        "{}",
        out.stdout
    );
    // A raw CR inside a string is not taken for a line end.
    std::fs::write(
        w.path("cr-in-note.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\",\"note\":\"a\rb\"}\n",
    )
    .unwrap();
    let out = w.run(Some("analyst"), &["import", "cr-in-note.jsonl"]);
    out.error("line 1: malformed JSON: control character");
}

#[test]
fn retraction_lines_close_the_batch_before_them_and_the_claim_after_them() {
    let w = Work::with_claims();
    let massacre = "The massacre committed by the Russian planes in the Idlib countryside is a message to Turkey after the failed Tehran summit.";
    let lines = [
        json!({"type":"claim","label":"bak","source":"S1","quote":"Tehran summit","occurrence":1,
               "speaker":"Col. Mustafa Bakour","provenance":"interview"}),
        json!({"type":"claim","label":"bak2","source":"S1","quote":massacre,
               "speaker":"Col. Mustafa Bakour","provenance":"interview"}),
        json!({"type":"annotation","claim":"@bak","verdict":"unverified"}),
        json!({"type":"retraction","claim":"@bak","reason":"two words, not a claim","replaced_by":"@bak2"}),
        json!({"type":"retraction","claim":"C2","reason":"not UNICEF's words"}),
        json!({"type":"annotation","claim":"@bak2","verdict":"disputed","contradicts":["C1"]}),
    ]
    .map(|v| v.to_string());
    write_lines(&w.path("retract.jsonl"), &lines);
    let out = w.run(Some("analyst"), &["import", "retract.jsonl"]);
    let text: Vec<&str> = out.ok().lines().collect();
    // The claims go in one batch, the annotation that waited for them in a
    // second (committed before the retraction line is taken), each
    // retraction opens a batch, and the last annotation follows the second.
    assert_eq!(
        text[..3],
        [
            "read 6 lines from retract.jsonl (0 blank)",
            "appended 6 entries (0 sources, 2 claims, 2 annotations, 2 retractions) in 4 batches of up to 100,000",
            "skipped 0 lines already in the log or earlier in the file (0 sources, 0 claims, 0 annotations)",
        ]
    );
    // In file order: the annotation of C3 before C3's retraction.
    let c = rusqlite::Connection::open(&w.db).unwrap();
    let kinds: Vec<String> = c
        .prepare("SELECT kind FROM entries WHERE seq > 6 ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        kinds,
        [
            "claim.add",
            "claim.add",
            "annotation.add",
            "claim.retract",
            "claim.retract",
            "annotation.add"
        ]
    );
    drop(c);
    let retracted = w.run(None, &["list", "claims", "--retracted"]);
    let ids: Vec<String> = retracted
        .ok()
        .lines()
        .skip(1)
        .map(|l| cells(l)[0].clone())
        .collect();
    assert_eq!(ids, ["C2", "C3"]);
    let show = w.run(None, &["show", "C3"]);
    assert!(
        show.ok().contains("two words, not a claim"),
        "{}",
        show.stdout
    );
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("4 claims (2 retracted)"));

    // Again: every line is in the log, the retractions included.
    let before = count(&w, "entries");
    let again = w.run(Some("analyst"), &["--json", "import", "retract.jsonl"]);
    let s = summary(again.ok());
    assert_eq!(s["appended"]["retractions"], 0);
    assert_eq!(s["skipped"]["retractions"], 2);
    assert_eq!(s["skipped"]["claims"], 2);
    assert_eq!(count(&w, "entries"), before);

    // The same claim retracted again, for another reason: refused, as
    // `claim retract` refuses it, and nothing is written.
    write_lines(
        &w.path("twice.jsonl"),
        &[json!({"type":"retraction","claim":"C2","reason":"another reason"}).to_string()],
    );
    let db = w.db_bytes();
    w.run(Some("analyst"), &["import", "twice.jsonl"])
        .error("line 1: C2 was already retracted at entry 11");
    assert!(db == w.db_bytes());
    // Two lines of one file that retract the same item: said in the file's
    // terms, before the first is committed (it was, and the second was
    // told of an entry that a dry run never kept).
    write_lines(
        &w.path("twice.jsonl"),
        &[
            json!({"type":"retraction","claim":"C4","reason":"misattributed here"}).to_string(),
            json!({"type":"retraction","claim":"C4","reason":"misattributed here"}).to_string(),
        ],
    );
    for dry in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["import", "twice.jsonl"];
        args.extend_from_slice(dry);
        w.run(Some("analyst"), &args).error(
            "error: line 2: C4 is already retracted by line 1 of this import (hint: an item is retracted once: delete one of the two lines;",
        );
        assert!(db == w.db_bytes());
    }
    // With another retraction between them, which commits the lines before
    // it: the repeat is still found before anything is committed.
    write_lines(
        &w.path("twice.jsonl"),
        &[
            json!({"type":"retraction","claim":"C4","reason":"misattributed here"}).to_string(),
            json!({"type":"retraction","claim":"C1","reason":"misattributed there"}).to_string(),
            json!({"type":"retraction","claim":"C4","reason":"misattributed here"}).to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "twice.jsonl"]).error(
        "error: line 3: C4 is already retracted by line 1 of this import (hint: an item is retracted once: delete one of the two lines; nothing was imported)",
    );
    assert!(db == w.db_bytes());

    // A line after a retraction is checked against the retracted claim:
    // it is not moved before the retraction the way waiting lines move.
    // The file alone shows the fault, so it is refused before the line
    // before the retraction is committed (it was committed, and the line
    // was told of an entry 14 that was rolled back: lines_that_use_…).
    let lines = [
        json!({"type":"annotation","claim":"C1","verdict":"unverified","note":"before"}),
        json!({"type":"retraction","claim":"C1","reason":"the count is Al-Monitor's"}),
        json!({"type":"annotation","claim":"C1","verdict":"false"}),
    ]
    .map(|v| v.to_string());
    write_lines(&w.path("after.jsonl"), &lines);
    let db = w.db_bytes();
    w.run(Some("analyst"), &["import", "after.jsonl"])
        .error("error: line 3: C1 is retracted by line 2 of this import");
    assert!(db == w.db_bytes());
    assert_eq!(count(&w, "retractions"), 2);
    assert_eq!(count(&w, "entries"), before);
    w.run(None, &["verify"]).ok();

    // An analyst retracts only their own claims.
    let c5 = w.run(
        Some("admin"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "This cruel war on children needs to stop.",
            "--speaker",
            "Tamer Kirolos",
            "--provenance",
            "statement",
        ],
    );
    assert_eq!(c5.ok().trim(), "C5");
    write_lines(
        &w.path("other.jsonl"),
        &[json!({"type":"retraction","claim":"C5","reason":"wrong speaker"}).to_string()],
    );
    let db = w.db_bytes();
    w.run(Some("analyst"), &["import", "other.jsonl"])
        .error("line 1: C5 was added by another key");
    assert!(db == w.db_bytes());
    w.run(Some("admin"), &["import", "other.jsonl"]).ok();
    w.run(None, &["verify"]).ok();
}

/// A line that uses what an earlier line of the same file retracts is a
/// fault of the file alone: refused, in the file's terms, before anything
/// is committed. It was refused by the append path once the lines before
/// the retraction were committed, with "C5 was retracted at entry 21", an
/// entry of the rolled-back batch that the log never held (red team).
#[test]
fn lines_that_use_an_item_the_file_retracts_are_refused_before_anything_is_committed() {
    let w = Work::with_claims();
    let db = w.db_bytes();
    let claim_hint = "(hint: a retracted claim takes no new annotation: annotate the claim that replaces it, or put this line before the retraction; nothing was imported)";
    for (lines, says) in [
        // The claim annotated after its retraction.
        (
            vec![
                json!({"type":"retraction","claim":"C2","reason":"recorded in error"}),
                json!({"type":"annotation","claim":"C2","verdict":"false"}),
            ],
            format!("error: line 2: C2 is retracted by line 1 of this import {claim_hint}"),
        ),
        // Cited as evidence, with a line before the retraction that the
        // retraction used to commit first.
        (
            vec![
                json!({"type":"annotation","claim":"C1","verdict":"unverified"}),
                json!({"type":"retraction","claim":"C2","reason":"recorded in error"}),
                json!({"type":"annotation","claim":"C1","verdict":"false","contradicts":["C2"]}),
            ],
            "error: line 3: contradicts: C2 is retracted by line 2 of this import (hint: a retracted claim is no evidence: name the claim that replaces it, or take C2 out of contradicts; nothing was imported)".into(),
        ),
        // A claim of the file, by its label.
        (
            vec![
                json!({"type":"claim","label":"k","source":"S1","quote":"Tehran summit","occurrence":1,"speaker":"Col. Mustafa Bakour","provenance":"interview"}),
                json!({"type":"retraction","claim":"@k","reason":"two words, not a claim"}),
                json!({"type":"annotation","claim":"@k","verdict":"false"}),
            ],
            format!("error: line 3: @k is retracted by line 2 of this import {claim_hint}"),
        ),
        // An id in other capitals is the same item (`c2` slipped past,
        // and the append path named an entry that was never in the log).
        (
            vec![
                json!({"type":"retraction","claim":"c2","reason":"recorded in error"}),
                json!({"type":"annotation","claim":"C2","verdict":"false"}),
            ],
            format!("error: line 2: C2 is retracted by line 1 of this import {claim_hint}"),
        ),
        (
            vec![
                json!({"type":"retraction","claim":"C2","reason":"recorded in error"}),
                json!({"type":"retraction","claim":"c2","reason":"again"}),
            ],
            "error: line 2: C2 is already retracted by line 1 of this import (hint: an item is retracted once: delete one of the two lines; nothing was imported)".into(),
        ),
        // Named as the claim that replaces another.
        (
            vec![
                json!({"type":"retraction","claim":"C1","reason":"recorded in error"}),
                json!({"type":"retraction","claim":"C2","reason":"recorded twice","replaced_by":"C1"}),
            ],
            "error: line 2: replaced_by: C1 is retracted by line 1 of this import (hint: name a claim that stands; nothing was imported)".into(),
        ),
        // An annotation retracted, then superseded.
        (
            vec![
                json!({"type":"annotation_retraction","annotation":"A1","reason":"wrong claim"}),
                json!({"type":"annotation","claim":"C1","verdict":"false","supersedes":"A1"}),
            ],
            "error: line 2: supersedes: A1 is retracted by line 1 of this import (hint: a retracted annotation is superseded by nothing: leave supersedes out; nothing was imported)".into(),
        ),
    ] {
        let lines: Vec<String> = lines.iter().map(Value::to_string).collect();
        write_lines(&w.path("uses.jsonl"), &lines);
        w.run(Some("analyst"), &["import", "uses.jsonl"]).error(&says);
        assert!(db == w.db_bytes(), "{says}");
    }
    // A dry run says the same; a spreadsheet says it by rows.
    write_lines(
        &w.path("uses.jsonl"),
        &[
            json!({"type":"retraction","claim":"C2","reason":"recorded in error"}).to_string(),
            json!({"type":"annotation","claim":"C2","verdict":"false"}).to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", "uses.jsonl", "--dry-run"])
        .error("error: line 2: C2 is retracted by line 1 of this import");
    std::fs::write(
        w.path("uses.csv"),
        "type,claim,verdict,reason\nannotation,C1,unverified,\nretraction,C2,,recorded in error\nannotation,C2,false,\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "uses.csv"])
        .error("error: row 4: C2 is retracted by row 3 of this import (hint: a retracted claim takes no new annotation: annotate the claim that replaces it, or put this row before the retraction; nothing was imported)");
    assert!(db == w.db_bytes());
    // As the hint says: the annotation before the retraction.
    write_lines(
        &w.path("uses.jsonl"),
        &[
            json!({"type":"annotation","claim":"C2","verdict":"false"}).to_string(),
            json!({"type":"retraction","claim":"C2","reason":"recorded in error"}).to_string(),
        ],
    );
    let out = w.run(Some("analyst"), &["import", "uses.jsonl"]);
    assert!(
        out.ok()
            .contains("appended 2 entries (0 sources, 0 claims, 1 annotation, 1 retraction)"),
        "{}",
        out.stdout
    );
    w.run(None, &["verify"]).ok();
}

#[test]
fn bad_retraction_lines_are_refused_before_the_lines_before_them_are_committed() {
    let w = Work::with_claims();
    for (bad, msg) in [
        (
            json!({"type":"retraction","claim":"C1","reason":"  "}),
            "a retraction needs a reason (hint: say why in \"reason\"",
        ),
        (
            json!({"type":"retraction","claim":"C1"}),
            "missing field `reason`",
        ),
        (
            json!({"type":"retraction","label":"r","claim":"C1","reason":"r"}),
            "unknown field `label`",
        ),
        (
            json!({"type":"retraction","claim":"S1","reason":"r"}),
            "claim: S1 is not a claim id",
        ),
        (
            json!({"type":"retraction","claim":"C1","reason":"r","replaced_by":"@nowhere"}),
            "replaced_by: label @nowhere is not defined by an earlier line",
        ),
    ] {
        refused(&w, bad.to_string().as_bytes(), msg);
    }
}

/// What docs/IMPORT.md says of a typo after a retraction, held: in the
/// first 256 lines it writes nothing; in a later group of lines, read
/// after the retraction committed the lines before it, it keeps those (it
/// said "a file of a few hundred lines … writes nothing, wherever the typo
/// is": red team, a typo on line 263).
#[test]
fn a_typo_after_a_retraction_writes_nothing_within_the_first_256_lines() {
    let w = Work::with_claims();
    let file = |typo: usize| {
        let mut lines = vec![
            json!({"type":"claim","label":"k","source":"S1","quote":"Tehran summit","occurrence":1,"speaker":"y","provenance":"other"}).to_string(),
            json!({"type":"retraction","claim":"@k","reason":"wrong claim recorded"}).to_string(),
        ];
        lines.extend((0..300).map(|i| {
            let verdict = if i + 3 == typo { "flase" } else { "false" };
            json!({"type":"annotation","claim":"C1","verdict":verdict,"note":format!("n{i}")})
                .to_string()
        }));
        write_lines(&w.path("typo.jsonl"), &lines);
    };
    let db = w.db_bytes();
    file(253);
    w.run(Some("analyst"), &["import", "typo.jsonl"])
        .error("error: line 253: \"verdict\": `flase` is not a verdict");
    assert!(db == w.db_bytes());
    file(263);
    let out = w.run(Some("analyst"), &["import", "typo.jsonl"]);
    out.error("error: line 263: \"verdict\": `flase` is not a verdict");
    assert!(
        out.stderr
            .contains("1 entry was appended in 1 batch before the error was found"),
        "{}",
        out.stderr
    );
}

/// The workspace's files, but the log's WAL and shared-memory files
/// (SQLite's own, which come and go with connections).
fn workspace_files(w: &Work) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect();
    files.sort();
    files
}

/// Whether another process holds the log's write lock now.
fn write_locked(w: &Work) -> bool {
    let c = rusqlite::Connection::open(&w.db).unwrap();
    match c.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
        Ok(()) => false,
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => true,
        Err(e) => panic!("{e}"),
    }
}

/// `--dry-run`: a desk checks a spreadsheet before it signs it into the
/// log. Every line is checked and signed as the import would, in a
/// transaction that is rolled back: the log is untouched, nothing is left
/// beside it, the summary says what would be appended, and then the real
/// import appends exactly that.
#[test]
fn a_dry_run_checks_everything_and_writes_nothing() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    std::fs::write(
        w.path("desk.csv"),
        "type,label,source,quote,occurrence,speaker,provenance,claim,verdict\n\
         claim,bakour,S1,Tehran summit,2,Col. Mustafa Bakour,interview,,\n\
         annotation,,,,,,,@bakour,False\n",
    )
    .unwrap();
    let files = workspace_files(&w);
    let out = w.run(Some("analyst"), &["import", "desk.csv", "--dry-run"]);
    let text = out.ok();
    assert!(
        text.contains("\nwould append 2 entries (0 sources, 1 claim, 1 annotation) in 2 batches"),
        "{text}"
    );
    assert!(
        text.ends_with("nothing was written to the log (run it without --dry-run to append)\n"),
        "{text}"
    );
    assert!(before == w.db_bytes(), "a dry run changed the log");
    assert_eq!(workspace_files(&w), files);
    let json = summary(
        w.run(
            Some("analyst"),
            &["--json", "import", "desk.csv", "--dry-run"],
        )
        .ok(),
    );
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["appended"]["claims"], 1);
    // Then for real: what the dry run said.
    let real = summary(
        w.run(Some("analyst"), &["--json", "import", "desk.csv"])
            .ok(),
    );
    assert_eq!(real["dry_run"], false);
    assert_eq!(real["appended"], json["appended"]);
    w.run(None, &["verify"]).ok();

    // A bad row is named as the import would name it, and nothing is
    // written, whatever the batches before it held.
    let before = w.db_bytes();
    std::fs::write(
        w.path("bad.csv"),
        "type,label,source,span,speaker,provenance,claim,verdict\n\
         claim,ok,S1,0..15,x,interview,,\n\
         annotation,,,,,,@ok,maybe\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["import", "bad.csv", "--dry-run", "--batch-size", "1"],
    )
    .error("row 3: \"verdict\": `maybe` is not a verdict");
    let err = w
        .run(Some("analyst"), &["import", "bad.csv", "--dry-run"])
        .stderr;
    assert!(
        err.trim_end()
            .ends_with("; a dry run: nothing was written to the log)"),
        "{err}"
    );
    assert!(before == w.db_bytes(), "a failed dry run changed the log");
}

/// Ctrl-C in a dry run: the log is untouched and the line says so (not
/// what its batches had held); while it ran, it held the write lock and
/// the log's readers saw the log as it was.
#[test]
fn an_interrupted_dry_run_leaves_nothing() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    let sources = count(&w, "sources");
    let lines: Vec<String> = (0..3)
        .map(|i| {
            let text = format!("Dispatch {i}. The Tehran summit ended without a statement.\n");
            json!({"type":"source","text":text,"kind":"article"}).to_string()
        })
        .collect();
    let mut child = piped_import(
        &w,
        &["--batch-size", "2", "--flush-after", "3600", "--dry-run"],
    );
    feed(&mut child, &lines);
    // Until the dry run holds the write lock: its first lines are in its
    // transaction.
    let started = Instant::now();
    while !write_locked(&w) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the dry run never took the write lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Meanwhile the log reads as it was, and verifies.
    assert_eq!(count(&w, "sources"), sources);
    let during = w.run(None, &["verify"]).ok().to_string();
    let entries = count(&w, "entries");
    assert!(
        during.contains(&format!(": {entries} entries, head ")),
        "{during}"
    );
    let out = interrupted(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "import --dry-run interrupted: nothing was written to the log\n"
    );
    assert_eq!(out.status.signal(), Some(libc::SIGINT), "{stderr}");
    assert!(
        before == w.db_bytes(),
        "an interrupted dry run changed the log"
    );
    assert!(!write_locked(&w));
    assert_eq!(count(&w, "sources"), sources);
    w.run(None, &["verify"]).ok();
    // The same lines for real: all three are appended.
    let mut child = piped_import(&w, &[]);
    feed(&mut child, &lines);
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&w, "sources"), sources + 3);
}

#[test]
fn a_line_with_two_wrong_fields_names_one_and_says_what_is_wrong_with_it() {
    // The field came from one read and the complaint from another, which
    // met the fields in another order: `"corroborates": invalid type:
    // string "x", expected u8`, the complaint being credibility's. (Each
    // complaint now names its field itself.)
    let w = Work::with_claims();
    let line = r#"{"type":"annotation","claim":"C1","verdict":"false","credibility":"x","corroborates":5}"#;
    let r = w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(line.as_bytes()),
    );
    r.error("line 1: \"corroborates\" takes a list of ids, e.g. [\"C2\"], not 5 (hint: write the ids in square brackets, even a single one, or leave \"corroborates\" out; nothing was imported)");
    // The fields that hint sends the user to.
    let help = w.run(None, &["import", "--help"]);
    assert!(
        help.ok()
            .contains("\"type\": \"annotation\"  claim*, verdict*, reliability, credibility, note, corroborates,"),
        "{}",
        help.stdout
    );
    // Two types on one line: said as such, not as the other type's fields
    // ("unknown field `kind`", when serde read the type as a claim's).
    let line = r#"{"type":"source","type":"claim","kind":"article","text":"x"}"#;
    w.run_with(Some("analyst"), &[], &["import", "-"], Some(line.as_bytes()))
        .error("error: line 1: \"type\" is given more than once (hint: give one \"type\": \"source\", \"claim\", \"annotation\", \"retraction\", \"annotation_retraction\" or \"source_amendment\"");
}

#[test]
fn a_list_field_given_as_null_is_left_out() {
    // IMPORT.md: any optional field may be null; the three lists were
    // refused ("invalid type: null, expected a sequence").
    let w = Work::with_claims();
    let lines = [
        json!({"type":"source","label":"s","text":"A statement.","kind":"statement","derived_from":null}),
        json!({"type":"annotation","claim":"C1","verdict":"unverified","corroborates":null,"contradicts":null}),
    ]
    .map(|v| v.to_string())
    .join("\n");
    let r = w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(lines.as_bytes()),
    );
    assert!(r.ok().contains("appended 2 entries"), "{}", r.stdout);
    w.run(None, &["verify"]).ok();
}

/// An import and a `claim add` of one claim: the import's own lines are
/// compared with each other, and the table is asked too once another
/// writer has appended between its batches. Here the import creates a
/// source, pauses (its lines committed), an analyst records a claim of that
/// source, and the import is then fed the same claim: recorded once. With
/// the same key and values the line is already in the log, as it would be
/// on a second run of the file (the import stopped there with "fix the
/// line" until 2026-12-07); with another speaker spelling or key it is
/// the line's error.
#[test]
fn a_claim_added_beside_an_import_is_recorded_once() {
    let w = Work::with_claims();
    let claims = count(&w, "claims");
    let text = "Dispatch 7. Officials denied any attack on the town.\n";
    let mut child = piped_import(&w, &["--flush-after", "0.2"]);
    feed(
        &mut child,
        &[json!({"type":"source","label":"d7","text":text,"kind":"article"}).to_string()],
    );
    until_rows(&w, "sources", 2);
    let s = format!("S{}", count(&w, "sources"));
    w.claim_on(
        &s,
        &["--quote", "Officials denied any attack"],
        "Officials",
        "statement",
    )
    .ok();
    feed(
        &mut child,
        &[json!({"type":"claim","source":"@d7","quote":"Officials denied any attack","speaker":"Officials","provenance":"statement"}).to_string()],
    );
    drop(child.stdin.take());
    let run = Run::from(child.wait_with_output().unwrap());
    let summary: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
    assert_eq!(summary["appended"]["sources"], 1, "{summary}");
    assert_eq!(summary["appended"]["claims"], 0, "{summary}");
    assert_eq!(summary["skipped"]["claims"], 1, "{summary}");
    assert_eq!(count(&w, "claims"), claims + 1);
    w.run(None, &["verify"]).ok();

    // Another key's claim of the same words: the line's error, as `claim
    // add` would say.
    w.enroll("second", "analyst", "Second Analyst");
    let mut child = piped_import(&w, &["--flush-after", "0.2"]);
    feed(
        &mut child,
        &[json!({"type":"source","label":"d8","text":"Dispatch 8. Officials denied any attack on the city.\n","kind":"article"}).to_string()],
    );
    until_rows(&w, "sources", 3);
    let s = format!("S{}", count(&w, "sources"));
    w.run(
        Some("second"),
        &[
            "claim",
            "add",
            "--source",
            &s,
            "--quote",
            "Officials denied any attack",
            "--speaker",
            "Officials",
            "--provenance",
            "statement",
        ],
    )
    .ok();
    feed(
        &mut child,
        &[json!({"type":"claim","source":"@d8","quote":"Officials denied any attack","speaker":"Officials","provenance":"statement"}).to_string()],
    );
    drop(child.stdin.take());
    let run = Run::from(child.wait_with_output().unwrap());
    run.error("line 2: C");
    assert!(
        run.stderr.contains(&format!(
            "already records bytes 12..39 of {s}, said by Officials via statement"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(count(&w, "claims"), claims + 2);
    w.run(None, &["verify"]).ok();
}

/// An id of an item the same run creates, still in its open batch: said as
/// such, with the @label to use (it was "no source S3 in this log", with
/// the advice to look for it in `list sources`).
#[test]
fn an_id_this_import_is_creating_points_to_its_label() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("same.jsonl"),
        "{\"type\":\"source\",\"text\":\"A new statement.\",\"kind\":\"statement\",\"label\":\"st\"}\n\
         {\"type\":\"claim\",\"source\":\"S2\",\"quote\":\"A new statement.\",\"speaker\":\"X\",\"provenance\":\"statement\"}\n",
    )
    .unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "same.jsonl"]).error(
        "error: line 2: source: S2 is being created by this import (hint: refer to items the file creates by their @label, so that the file means the same on every run; nothing was imported)",
    );
    assert!(before == w.db_bytes());
}

/// The same refusal on the next run, once a batch with the item was
/// committed: the file failed on one run and passed on the next (with
/// small batches, or after an interruption), where it should mean the
/// same on every run.
#[test]
fn an_id_an_earlier_run_of_the_file_created_is_refused_as_on_the_first() {
    let w = Work::with_claims();
    let mut lines = vec![json!({"type":"claim","label":"x","source":"S1","quote":SEVEN,"speaker":"UNICEF","provenance":"statement"}).to_string()];
    for n in 1..=5 {
        lines.push(
            json!({"type":"annotation","claim":"C1","verdict":"false","note":format!("pad {n}")})
                .to_string(),
        );
    }
    lines.push(
        json!({"type":"annotation","claim":"C3","verdict":"disputed","note":"by id"}).to_string(),
    );
    std::fs::write(w.path("f.jsonl"), lines.join("\n") + "\n").unwrap();
    w.run(Some("analyst"), &["import", "f.jsonl", "--batch-size", "2"])
        .error("error: line 7: claim: C3 was created by this import (hint: refer to items the file creates by their @label, so that the file means the same on every run; 6 entries were appended in 3 batches before the error was found: fix the line and run the same import again, it skips what is already in the log)");
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "f.jsonl", "--batch-size", "2"])
        .error("error: line 7: claim: C3 is the item that line 1 of this file records (the log already held it, from an earlier run of the file or another command, so that line is skipped) (hint: refer to items the file creates by their @label, so that the file means the same on every run; nothing was imported)");
    assert!(before == w.db_bytes());
    // Fixed as the hint says, the file goes through.
    lines[6] = json!({"type":"annotation","claim":"@x","verdict":"disputed","note":"by label"})
        .to_string();
    std::fs::write(w.path("f.jsonl"), lines.join("\n") + "\n").unwrap();
    let r = w.run(Some("analyst"), &["import", "f.jsonl"]);
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
}

/// A list cell with an empty item (`C1,,C2`) is refused, as the command
/// refuses `--corroborates C1,,C2`: the empty item was dropped.
#[test]
fn an_empty_item_in_a_list_cell_is_refused_as_the_command_refuses_it() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("a.csv"),
        "type,claim,verdict,corroborates\r\nannotation,C1,false,\"C2,,C2\"\r\n",
    )
    .unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "a.csv"]).error(
        "error: row 2: corroborates: an empty value (in a list: two commas in a row, or one at the end?) is not an id",
    );
    assert!(before == w.db_bytes());
    w.run(
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "false",
            "--corroborates",
            "C2,,C2",
        ],
    )
    .error(
        "error: an empty value (in a list: two commas in a row, or one at the end?) is not an id",
    );
    assert!(before == w.db_bytes());
}

/// A lock held past the timeout after a batch was committed: the error
/// says what stays committed, and how to finish, as a bad line's does (it
/// said only "try again", with the first batches appended).
#[test]
fn a_busy_log_after_a_batch_says_what_was_appended() {
    let w = Work::with_claims();
    let note = |n: u32| {
        json!({"type":"annotation","claim":"C2","verdict":"unverified","note":format!("n{n}")})
            .to_string()
    };
    let annotations = count(&w, "annotations");
    let mut c = w.std_command(
        Some("analyst"),
        &[("CLAIMTRAIL_BUSY_TIMEOUT", "1")],
        &["import", "-", "--batch-size", "2", "--flush-after", "3600"],
    );
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    feed(&mut child, &[note(1), note(2)]);
    until_rows(&w, "annotations", annotations + 2);
    // Another process takes the write lock and keeps it.
    let other = rusqlite::Connection::open(&w.db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    feed(&mut child, &[note(3)]);
    let run = resume(child, &note(4));
    other.execute_batch("ROLLBACK").unwrap();
    run.error("error: the database is busy: another process held its lock for more than 1 s");
    assert!(
        run.stderr.trim_end().ends_with(
            "; 2 entries were appended in 1 batch before the error was found: once that is fixed, run the same import again, it skips what is already in the log)"
        ),
        "{}",
        run.stderr
    );
    // As it says: the same lines again append the rest.
    std::fs::write(
        w.path("again.jsonl"),
        (1..=4).map(|n| note(n) + "\n").collect::<String>(),
    )
    .unwrap();
    let again = w.run(Some("analyst"), &["import", "again.jsonl"]);
    assert!(
        again.ok().contains("appended 2 entries"),
        "{}",
        again.stdout
    );
    assert_eq!(count(&w, "annotations"), annotations + 4);
}

/// A line with the text of a redacted source is refused, as `source add`
/// refuses it: it was skipped as "already in the log", and the claims on
/// its label then refused.
#[test]
fn a_redacted_sources_text_is_refused_as_source_add_refuses_it() {
    let w = Work::with_claims();
    w.run(
        Some("admin"),
        &[
            "source",
            "redact",
            "S1",
            "--reason",
            "protects a named minor",
        ],
    )
    .ok_noted();
    std::fs::write(
        w.path("again.jsonl"),
        format!(
            "{}\n",
            json!({"type":"source","file":FIXTURE,"kind":"article","label":"idlib"})
        ),
    )
    .unwrap();
    let before = w.db_bytes();
    let r = w.run(
        Some("analyst"),
        &["import", "again.jsonl", "--files-anywhere"],
    );
    r.error("error: line 1: these bytes are S1's, which was redacted at entry ");
    assert!(
        r.stderr.contains(" (protects a named minor): they cannot be stored again (hint: take the line (and those that refer to its label) out of the file: the redaction keeps this text out of the log; ask admin (the admin who redacted it) if it should come back; nothing was imported)"),
        "{}",
        r.stderr
    );
    assert!(before == w.db_bytes());
}

/// A CSV row's near match is told in a spreadsheet's terms: the span to
/// put in the span column, not the JSON form (`"span": "75..97"`), which
/// cannot be typed in a cell.
#[test]
fn a_csv_rows_near_match_names_the_span_column() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("b.csv"),
        "type,source,quote,speaker,provenance\nclaim,S1,Syria's northwestern province of Idlib,X,tweet\n",
    )
    .unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "b.csv"])
        .error("(hint: to claim the source's own text, use 75..115 in the span column instead of the quote; nothing was imported)");
    assert!(before == w.db_bytes());
    // As it says: the span in its column.
    std::fs::write(
        w.path("b.csv"),
        "type,source,span,speaker,provenance\nclaim,S1,75..115,X,tweet\n",
    )
    .unwrap();
    let r = w.run(Some("analyst"), &["import", "b.csv"]);
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
}

/// Standard input of an import refused with a message holding `says`,
/// the log's file untouched.
fn refused_exactly(w: &Work, input: &str, says: &str) {
    let before = w.db_bytes();
    let r = w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(input.as_bytes()),
    );
    r.error(says);
    assert!(before == w.db_bytes());
}

/// A credibility out of range or of the wrong type is told what the
/// field takes, whatever it is: only 0 or 7 were ("credibility must be
/// 1 to 6"); 300 had "invalid value: integer `300`, expected u8", a text
/// "invalid type: string \"abc\", expected u8", and a CSV cell `abc` the
/// same.
#[test]
fn a_credibility_that_is_no_grade_is_told_the_grades() {
    let w = Work::with_claims();
    let hint = "(hint: write it as a number, without quotes, e.g. \"credibility\": 3, or leave \"credibility\" out; nothing was imported)";
    for (given, shown) in [
        ("7", "7"),
        ("300", "300"),
        ("-1", "-1"),
        ("2.5", "2.5"),
        ("\"abc\"", "the text `abc`"),
        ("\"3\"", "the text `3`"),
        ("true", "true"),
        ("[3]", "a list"),
        // Not as serde_json prints the float it read (`1.0`,
        // `1.8446744073709552e+19`): what was typed is not that.
        (
            "1e0",
            "a number written with a decimal point or an exponent (write it as 1)",
        ),
        ("18446744073709551617", "a number too large to be one"),
        // Read as a float too, with neither a point nor an exponent.
        ("-0", "0"),
    ] {
        let line = format!(
            r#"{{"type":"annotation","claim":"C1","verdict":"false","credibility":{given}}}"#
        );
        refused_exactly(
            &w,
            &line,
            &format!("error: line 1: \"credibility\" is a whole number from 1 to 6 (6 = cannot be judged), not {shown} {hint}"),
        );
    }
    // A spreadsheet's cell, in a spreadsheet's terms.
    for (cell, shown) in [("abc", "`abc`"), ("300", "300"), ("2.5", "`2.5`")] {
        std::fs::write(
            w.path("grades.csv"),
            format!("type,claim,verdict,credibility\nannotation,C1,false,{cell}\n"),
        )
        .unwrap();
        let before = w.db_bytes();
        w.run(Some("analyst"), &["import", "grades.csv"]).error(&format!(
            "error: row 2: credibility is a whole number from 1 to 6 (6 = cannot be judged), not {shown} (hint: write a whole number from 1 to 6 in the credibility cell, or leave it empty; nothing was imported)"
        ));
        assert!(before == w.db_bytes());
    }
    // A grade goes in, as a number and as a cell.
    let r = w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(br#"{"type":"annotation","claim":"C1","verdict":"false","credibility":6}"#),
    );
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
    std::fs::write(
        w.path("grades.csv"),
        "type,claim,verdict,credibility\nannotation,C2,false, 3 \n",
    )
    .unwrap();
    let r = w.run(Some("analyst"), &["import", "grades.csv"]);
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
}

/// A list field given one id as a text (`"corroborates": "C2"`) is told
/// it takes a list, with the list it meant: it was "invalid type: string
/// \"C2\", expected a sequence".
#[test]
fn a_list_field_given_a_text_is_told_it_takes_a_list() {
    let w = Work::with_claims();
    for field in ["corroborates", "contradicts"] {
        let line =
            format!(r#"{{"type":"annotation","claim":"C1","verdict":"false","{field}":"C2"}}"#);
        refused_exactly(
            &w,
            &line,
            &format!("error: line 1: \"{field}\" takes a list of ids, e.g. [\"C2\"], not the text `C2` (hint: write the ids in square brackets, even a single one, or leave \"{field}\" out; nothing was imported)"),
        );
    }
    refused_exactly(
        &w,
        r#"{"type":"annotation","claim":"C1","verdict":"false","contradicts":"C2, C3"}"#,
        "error: line 1: \"contradicts\" takes a list of ids, e.g. [\"C2\", \"C3\"], not the text `C2, C3`",
    );
    refused_exactly(
        &w,
        r#"{"type":"source","text":"A statement.","kind":"statement","derived_from":"S1"}"#,
        "error: line 1: \"derived_from\" takes a list of ids, e.g. [\"S1\"], not the text `S1` (hint: write the ids in square brackets, even a single one, or leave \"derived_from\" out; nothing was imported)",
    );
    refused_exactly(
        &w,
        r#"{"type":"source","text":"A statement.","kind":"statement","derived_from":7}"#,
        "error: line 1: \"derived_from\" takes a list of ids, e.g. [\"S1\"], not 7",
    );
    // A wrong item is still named by its place in the list.
    refused_exactly(
        &w,
        r#"{"type":"source","text":"A statement.","kind":"statement","derived_from":["S1",3]}"#,
        "error: line 1: \"derived_from\", item 2: invalid type: integer `3`, expected a string",
    );
    // As the message says, the list goes in.
    let r = w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(br#"{"type":"annotation","claim":"C1","verdict":"false","corroborates":["C2"]}"#),
    );
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
}

/// A row that lacks a cell, or fills one its type does not take, is
/// said of "an annotation row", not "a annotation row".
#[test]
fn a_csv_rows_type_takes_its_article() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    for (csv, says) in [
        (
            "type,claim,verdict\nannotation,C1,\n",
            "error: row 2: no verdict: an annotation row needs its verdict cell",
        ),
        (
            "type,claim,verdict,kind\nannotation,C1,false,tweet\n",
            "error: row 2: an annotation row leaves its kind cell empty: it takes label, claim,",
        ),
        (
            "type,claim,verdict\nretraction,C1,false\n",
            "error: row 2: a retraction row leaves its verdict cell empty",
        ),
        (
            "type,text\nsource,A statement.\n",
            "error: row 2: no kind: a source row needs its kind cell",
        ),
        // A type of two fields: serde says "expected `a` or `b`", which
        // the row was told as it is ("unknown field `label`, …").
        (
            "type,annotation,reason,label\nannotation_retraction,A1,meant for C2,x\n",
            "error: row 2: an annotation_retraction row leaves its label cell empty: it takes annotation, reason (hint: empty the label cell",
        ),
    ] {
        std::fs::write(w.path("rows.csv"), csv).unwrap();
        w.run(Some("analyst"), &["import", "rows.csv"]).error(says);
    }
    assert!(before == w.db_bytes());
}

/// A source line's `"file"` that is empty is said to be empty, and one
/// that goes through `..` and comes back into the import file's
/// directory is refused for its `..` (IMPORT.md: "no `..`"): both were
/// said to leave the directory. One that does leave it still says so.
#[test]
fn an_empty_file_or_one_through_dotdot_is_refused_for_what_it_is() {
    let w = Work::with_claims();
    std::fs::create_dir_all(w.path("in/sub")).unwrap();
    std::fs::write(
        w.path("in/sub/a.txt"),
        "A statement kept in a sub-directory.",
    )
    .unwrap();
    let before = w.db_bytes();
    for (file, anywhere, says) in [
        ("", false, "error: line 1: \"file\" is empty (hint: give the path of the source's text file (from the import file's directory), or the text itself in \"text\"; nothing was imported)"),
        (" ", false, "error: line 1: \"file\" is empty"),
        // It named the directory itself, "not a regular file".
        ("", true, "error: line 1: \"file\" is empty"),
        ("sub/../sub/a.txt", false, "error: line 1: \"file\" `sub/../sub/a.txt` has `..` in it, which is not allowed (hint: write the path without it (here sub/a.txt), or import with --files-anywhere if you wrote the import file yourself; nothing was imported)"),
        ("sub/..", false, "error: line 1: \"file\" `sub/..` has `..` in it, which is not allowed (hint: write the path without it, or import"),
        ("sub/../../a.txt", false, "error: line 1: \"file\" `sub/../../a.txt` leaves the import file's directory"),
    ] {
        write_lines(
            &w.path("in/data.jsonl"),
            &[json!({"type":"source","file":file,"kind":"statement"}).to_string()],
        );
        let mut args = vec!["import", "in/data.jsonl"];
        if anywhere {
            args.push("--files-anywhere");
        }
        w.run(Some("analyst"), &args).error(says);
    }
    assert!(before == w.db_bytes());
    // As the hint says: the path without `..` goes in.
    write_lines(
        &w.path("in/data.jsonl"),
        &[json!({"type":"source","file":"sub/a.txt","kind":"statement"}).to_string()],
    );
    let r = w.run(Some("analyst"), &["import", "in/data.jsonl"]);
    assert!(r.ok().contains("1 source"), "{}", r.stdout);
}

/// A line repeating a claim retracted as replaced by another names the
/// claim that stands, rather than telling to record it anew.
#[test]
fn a_line_that_repeats_a_replaced_claim_names_the_claim_that_stands() {
    let w = Work::with_claims();
    let c3 = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "At least five children were killed and nine injured",
            "--speaker",
            "Adele Khodr, UNICEF Middle East and North Africa",
            "--provenance",
            "statement",
        ],
    );
    assert_eq!(c3.ok().trim(), "C3");
    let args = [
        "claim",
        "retract",
        "C2",
        "--reason",
        "speaker's full title",
        "--replaced-by",
        "C3",
    ];
    w.run(Some("analyst"), &args).ok();
    let c2 = json!({"type": "claim", "source": "S1", "quote": "At least five children were killed and nine injured", "speaker": "Adele Khodr, UNICEF", "provenance": "statement"});
    write_lines(&w.path("c2.jsonl"), &[c2.to_string()]);
    let r = w.run(Some("analyst"), &["--json", "import", "c2.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    let at = json["retracted_repeats"][0]["retracted_at"]
        .as_u64()
        .unwrap();
    assert_eq!(
        json["retracted_repeats"],
        json!([{"line": 1, "repeats": "C2", "retracted_at": at, "replaced_by": "C3"}])
    );
    assert_eq!(
        r.stderr,
        format!("note: line 1 repeats C2, which the log already holds, so it was skipped; C2 was retracted at entry {at} and stays retracted (replaced by C3, the claim that stands)\n")
    );
}

/// A claim retracted and recorded again with `claim add`, as the note
/// advises: a line of it matches the claim that stands, says nothing more,
/// and its label names that claim. It matched the retracted one, repeated
/// the advice on every run, and a later line annotating `@c` was refused.
#[test]
fn a_line_matches_the_claim_recorded_again_not_the_retracted_one() {
    let w = Work::with_claims();
    let quote = "Seven civilians, including four children from one family, were killed";
    w.run(
        Some("analyst"),
        &["claim", "retract", "C1", "--reason", "in error"],
    )
    .ok();
    let again = [
        "claim",
        "add",
        "--source",
        "S1",
        "--quote",
        quote,
        "--speaker",
        "White Helmets",
        "--provenance",
        "tweet",
    ];
    assert_eq!(w.run(Some("analyst"), &again).ok().trim(), "C3");
    let lines = [
        json!({"type": "claim", "label": "c", "source": "S1", "quote": quote, "speaker": "White Helmets", "provenance": "tweet"}),
        json!({"type": "annotation", "label": "a", "claim": "@c", "verdict": "false", "note": "on the claim that stands"}),
    ];
    write_lines(&w.path("again.jsonl"), &lines.map(|l| l.to_string()));
    let r = w.run(Some("analyst"), &["--json", "import", "again.jsonl"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["retracted_repeats"], json!([]));
    assert_eq!(json["appended"]["annotations"], 1);
    let shown: Value = serde_json::from_str(w.run(None, &["--json", "show", "A2"]).ok()).unwrap();
    assert_eq!(shown["claim"], "C3", "{shown}");
}

/// A line that supersedes one of the log's annotations of another claim
/// is refused before anything is committed. Found only as the line was
/// taken, it ended this 4-line file in exit 2 with 3 entries committed,
/// one of them line 4's (line 2 waits for line 1's source, and line 4 went
/// before it), and C1's standing verdict changed.
#[test]
fn superseding_another_claims_annotation_is_refused_before_anything_is_written() {
    let w = Work::with_claims();
    let lines = [
        json!({"type": "source", "label": "s", "kind": "tweet", "text": "reorder test text"}),
        json!({"type": "claim", "label": "c", "source": "@s", "quote": "reorder", "speaker": "X", "provenance": "tweet"}),
        json!({"type": "annotation", "claim": "@c", "verdict": "false", "supersedes": "A1"}),
        json!({"type": "annotation", "claim": "C1", "verdict": "confirmed", "note": "line four"}),
    ];
    write_lines(&w.path("reorder.jsonl"), &lines.map(|l| l.to_string()));
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", "reorder.jsonl"]).error(
        "error: line 3: A1 is an annotation of C1, not of the claim @c creates, so it cannot be superseded by this one (hint: to replace it, annotate C1 with \"supersedes\": \"A1\"; to judge the claim @c creates beside it, leave \"supersedes\" out; nothing was imported)",
    );
    assert!(before == w.db_bytes(), "nothing written");
}

/// The same, when the annotation superseded is one a line of the file
/// makes (`"supersedes": "@a"`) of another claim: found only as the line
/// was taken, it left lines 1 and 2 committed, exit 2 (red team P, F1),
/// and the message named ids a dry run had rolled back.
#[test]
fn superseding_a_files_own_annotation_of_another_claim_is_refused_before_anything_is_written() {
    let w = Work::with_claims();
    let lines = [
        json!({"type": "claim", "label": "c2", "source": "S1", "quote": "Tehran summit", "occurrence": 1, "speaker": "Zed", "provenance": "interview"}),
        json!({"type": "annotation", "label": "a", "claim": "C1", "verdict": "false"}),
        json!({"type": "annotation", "claim": "@c2", "verdict": "false", "supersedes": "@a"}),
    ];
    write_lines(&w.path("sup.jsonl"), &lines.clone().map(|l| l.to_string()));
    let before = w.db_bytes();
    let says = "error: line 3: @a is the annotation line 2 makes of C1, not of the claim line 1 creates, so it cannot be superseded by this one (hint: to replace it, annotate C1 instead; to judge the claim line 1 creates beside it, leave \"supersedes\" out; nothing was imported)";
    w.run(Some("analyst"), &["import", "sup.jsonl"]).error(says);
    assert!(before == w.db_bytes(), "nothing written");
    w.run(Some("analyst"), &["import", "sup.jsonl", "--dry-run"])
        .error(
            "error: line 3: @a is the annotation line 2 makes of C1, not of the claim line 1 creates",
        );
    // Of the same claim, it is taken.
    let fixed = [
        lines[0].clone(),
        lines[1].clone(),
        json!({"type": "annotation", "claim": "C1", "verdict": "disputed", "supersedes": "@a"}),
    ];
    write_lines(&w.path("fixed.jsonl"), &fixed.map(|l| l.to_string()));
    w.run(Some("analyst"), &["import", "fixed.jsonl"]).ok();
    w.run(None, &["verify"]).ok();
}

/// A line that repeats a claim or an annotation the log holds is skipped
/// (a re-run must not bring back what was retracted after the file ran),
/// but when that item is retracted and no line of the input retracts it,
/// the import says the line's item stays retracted: a line given to put
/// back what was retracted by mistake was skipped without a word.
#[test]
fn a_line_that_repeats_a_retracted_item_is_said_to_stay_retracted() {
    let w = Work::with_claims();
    let claim = json!({"type": "claim", "source": "S1", "quote": "Seven civilians, including four children from one family, were killed", "speaker": "White Helmets", "provenance": "tweet"});
    let note = "casualty figures fabricated";
    let ann = json!({"type": "annotation", "claim": "C2", "verdict": "false", "note": note});
    let args = ["annotate", "C2", "--verdict", "false", "--note", note];
    let a = w.run(Some("analyst"), &args).ok().trim().to_string();
    w.run(
        Some("analyst"),
        &["annotate", "retract", &a, "--reason", "meant for C1"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C1", "--reason", "wrong speaker"],
    )
    .ok();
    let seq = |kind: &str| {
        let r = w.run(None, &["--json", "log", "--kind", kind]);
        let log: Value = serde_json::from_str(r.ok()).unwrap();
        log[0]["seq"].as_u64().unwrap()
    };
    let (claim_at, ann_at) = (seq("claim.retract"), seq("annotation.retract"));
    // A blank line first: the note names the claim line's number, not its
    // source's (S1, which it named).
    write_lines(
        &w.path("back.jsonl"),
        &[String::new(), claim.to_string(), ann.to_string()],
    );
    let before = w.db_bytes();
    let r = w.run(Some("analyst"), &["import", "back.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("skipped 2 lines already in the log"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        format!(
            "note: line 2 repeats C1, which the log already holds, so it was skipped; C1 was retracted at entry {claim_at} and stays retracted (`claimtrail claim add` records the claim anew)\n\
             note: line 3 repeats {a}, which the log already holds, so it was skipped; {a} was retracted at entry {ann_at} and stays retracted (`claimtrail annotate` records the judgment anew, as does a line with another note)\n"
        )
    );
    assert!(before == w.db_bytes(), "nothing appended");
    let r = w.run(Some("analyst"), &["--json", "import", "back.jsonl"]);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["retracted_repeats"],
        json!([
            {"line": 2, "repeats": "C1", "retracted_at": claim_at, "replaced_by": null},
            {"line": 3, "repeats": a, "retracted_at": ann_at, "replaced_by": null}
        ])
    );
    // A re-run of a file that retracts them too: nothing to say.
    let (mut claim, mut ann) = (claim, ann);
    claim["label"] = json!("c");
    ann["label"] = json!("a");
    let rerun = [
        claim.to_string(),
        ann.to_string(),
        json!({"type": "retraction", "claim": "@c", "reason": "wrong speaker"}).to_string(),
        json!({"type": "annotation_retraction", "annotation": "@a", "reason": "meant for C1"})
            .to_string(),
    ];
    write_lines(&w.path("rerun.jsonl"), &rerun);
    let r = w.run(Some("analyst"), &["--json", "import", "rerun.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["retracted_repeats"], json!([]));
    assert!(before == w.db_bytes(), "nothing appended");
}

/// A line that judges a claim again as the analyst once did is the same
/// bytes as that earlier annotation, and is skipped as already in the log
/// (which is what makes a re-run safe): the import says so when the
/// analyst's later judgment is not in the input, since the line's does not
/// stand. It said only "skipped 1 line already in the log".
#[test]
fn a_repeated_judgment_that_does_not_stand_is_said() {
    let w = Work::with_claims();
    let annotate = |verdict: &str, note: &str| {
        let args = ["annotate", "C2", "--verdict", verdict, "--note", note];
        w.run(Some("analyst"), &args).ok().trim().to_string()
    };
    assert_eq!(annotate("unverified", "pending"), "A2");
    assert_eq!(annotate("false", "the toll was nine"), "A3");
    let back =
        json!({"type": "annotation", "claim": "C2", "verdict": "unverified", "note": "pending"});
    write_lines(&w.path("back.jsonl"), &[back.to_string()]);
    let r = w.run(Some("analyst"), &["import", "back.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("skipped 1 line already in the log"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "note: line 1 repeats A2 of C2, which the log already holds, so it was skipped; your later A3 of C2 is not in this input, and stands (to judge C2 again as that line does, give it \"supersedes\": \"A3\")\n"
    );
    let r = w.run(Some("analyst"), &["--json", "import", "back.jsonl"]);
    assert!(
        r.stderr.starts_with("note: line 1 repeats A2"),
        "{}",
        r.stderr
    );
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["outdated"],
        json!([{"line": 1, "claim": "C2", "repeats": "A2", "later": "A3"}])
    );

    // The whole history in the input, as a re-run gives it: nothing to say.
    let both = json!({"type": "annotation", "claim": "C2", "verdict": "false", "note": "the toll was nine"});
    write_lines(&w.path("both.jsonl"), &[back.to_string(), both.to_string()]);
    let r = w.run(Some("analyst"), &["import", "both.jsonl"]);
    assert!(
        r.ok().contains("skipped 2 lines already in the log"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stderr, "");
    // As the note says: with "supersedes", the line is a judgment anew.
    let again = json!({"type": "annotation", "claim": "C2", "verdict": "unverified", "note": "pending", "supersedes": "A3"});
    write_lines(&w.path("again.jsonl"), &[again.to_string()]);
    let r = w.run(Some("analyst"), &["import", "again.jsonl"]);
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
    assert!(w
        .run(None, &["show", "C2"])
        .ok()
        .contains("unverified (A4 by Rana Haddad)"));
}

/// A source line with the bytes of a source the log holds is skipped, and
/// its claims go to that source; when it says other things of the text (a
/// partner desk's kind, title or publisher), the import says so rather
/// than drop them without a word (red-team round 4), with the values of
/// both (it said "with another published", of a date the source lacked). The same line as the
/// log has it says nothing.
#[test]
fn a_source_line_that_the_log_holds_with_other_details_is_said() {
    let w = Work::with_claims();
    std::fs::copy(FIXTURE, w.path("art.txt")).unwrap();
    let partner = json!({"type":"source","label":"art","file":"art.txt","kind":"report","title":"Partner desk's title","publisher":"Partner"});
    let claim = json!({"type":"claim","source":"@art","quote":"Tehran summit","occurrence":1,"speaker":"Bob Smith","provenance":"interview"});
    write_lines(
        &w.path("l.jsonl"),
        &[partner.to_string(), claim.to_string()],
    );
    let r = w.run(Some("analyst"), &["import", "l.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("appended 1 entry (0 sources, 1 claim"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "note: line 1 has the bytes of S1, which the log already holds with a different kind (S1 has `article`; line 1 gives `report`), title (S1 has none; line 1 gives `Partner desk's title`) and publisher (S1 has `Al-Monitor`; line 1 gives `Partner`): it was skipped, and its claims are on S1; what it says of the text is not recorded (`claimtrail source amend S1 …` records it, if it is right)\n"
    );
    let r = w.run(Some("analyst"), &["--json", "import", "l.jsonl"]);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["merged_sources"],
        json!([{"line": 1, "source": "S1", "fields": ["kind", "title", "publisher"], "first_line": null}])
    );
    let same = json!({"type":"source","file":"art.txt","kind":"article","publisher":"Al-Monitor"});
    write_lines(&w.path("same.jsonl"), &[same.to_string()]);
    let r = w.run(Some("analyst"), &["import", "same.jsonl"]);
    assert!(r.ok().contains("skipped 1 line"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
}

/// Two lines of one file with the same bytes and another author (the same
/// words tweeted by two accounts): the second is merged into the first's
/// source, and the import says so whether or not the two fell in one
/// batch (with the default batch size it said nothing; red-team, session
/// 62).
#[test]
fn a_second_line_of_the_same_bytes_with_other_details_is_said_in_any_batch() {
    let w = Work::with_claims();
    let one = json!({"type":"source","label":"a","kind":"tweet","text":"Seven civilians killed in Idlib today.","author":"@acct_one"});
    let two = json!({"type":"source","label":"b","kind":"tweet","text":"Seven civilians killed in Idlib today.","author":"@acct_two","published":"2022-07-23"});
    let same = json!({"type":"source","kind":"tweet","text":"Seven civilians killed in Idlib today.","author":"@acct_one"});
    let claim = json!({"type":"claim","source":"@b","quote":"Seven civilians killed","speaker":"acct two","provenance":"tweet"});
    write_lines(
        &w.path("same.jsonl"),
        &[
            one.to_string(),
            two.to_string(),
            same.to_string(),
            claim.to_string(),
        ],
    );
    let note = "note: line 2 has the bytes of S2, which line 1 gave with a different author (line 1 gave `@acct_one`; line 2 gives `@acct_two`) and publication date (line 1 gave none; line 2 gives `2022-07-23`): it was skipped, and its claims are on S2; what it says of the text is not recorded (`claimtrail source amend S2 …` records it, if it is right)\n";
    for batch in [None, Some("1")] {
        let copy = w.path("copy.db");
        std::fs::copy(&w.db, &copy).unwrap();
        let mut args = vec!["--db", copy.to_str().unwrap(), "import", "same.jsonl"];
        if let Some(b) = batch {
            args.extend(["--batch-size", b]);
        }
        let r = w.run(Some("analyst"), &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains("appended 2 entries (1 source, 1 claim"),
            "{}",
            r.stdout
        );
        assert_eq!(r.stderr, note, "batch size {batch:?}");
        std::fs::remove_file(&copy).unwrap();
    }
    let r = w.run(
        Some("analyst"),
        &["--json", "import", "same.jsonl", "--dry-run"],
    );
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["merged_sources"],
        json!([{"line": 2, "source": "S2", "fields": ["author", "published"], "first_line": 1}])
    );
}

/// The log's file replaced while an import runs (a restore, a sync tool,
/// a `mv`): SQLite went on writing to the file it had open, which no path
/// named any more, and the import said "appended 2 entries" of entries no
/// one could read again. It stops at the next batch, says so, and writes
/// nothing to the file now there. Found by a red-team helper.
#[test]
fn an_import_stops_when_the_logs_file_is_replaced_under_it() {
    let w = Work::with_team();
    let copy = w.path("copy.db");
    std::fs::copy(&w.db, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let mut child = w
        .std_command(Some("analyst"), &[], &["import", "-", "--batch-size", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let line = |n: u32| {
        format!("{{\"type\":\"source\",\"kind\":\"article\",\"text\":\"Text number {n}.\"}}\n")
    };
    stdin.write_all(line(1).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The first line's batch committed.
    let start = Instant::now();
    while count(&w, "sources") < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the first batch never committed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Another file put at the log's path, as `mv` puts it.
    let staged = w.path("staged.db");
    std::fs::copy(&copy, &staged).unwrap();
    std::fs::rename(&staged, &w.db).unwrap();
    stdin.write_all(line(2).as_bytes()).unwrap();
    drop(stdin);
    let r = Run::from(child.wait_with_output().unwrap());
    r.error(&format!(
        "error: the log's file {} was replaced or removed while this command ran (by a restore, a sync tool or another program): nothing more was appended (hint: what this command appended before went to the file it had open, which no longer has that name, and nothing to the file now there",
        w.db.display()
    ));
    assert!(
        std::fs::read(&w.db).unwrap() == before,
        "the file now there was written"
    );
    assert_eq!(count(&w, "sources"), 0);
}

/// A speaker in letters of another script that print like one of an
/// earlier line of the same file (`ВВС`, Cyrillic, after `BBC`) is a fault
/// of the lines alone: refused before anything is committed. The source
/// line before them was committed (its claims waited for it), and the
/// import exited 2 with an entry written.
#[test]
fn a_lookalike_speaker_of_an_earlier_line_writes_nothing() {
    let w = Work::with_team();
    let before = w.db_bytes();
    let file = w.path("bbc.jsonl");
    write_lines(
        &file,
        &[
            serde_json::json!({"type": "source", "label": "s", "text": "BBC said the bridge fell. Others said the bridge fell.", "kind": "article"}).to_string(),
            serde_json::json!({"type": "claim", "source": "@s", "quote": "BBC said the bridge fell.", "speaker": "BBC", "provenance": "article"}).to_string(),
            serde_json::json!({"type": "claim", "source": "@s", "quote": "Others said the bridge fell.", "speaker": "\u{412}\u{412}\u{421}", "provenance": "article"}).to_string(),
        ],
    );
    w.run(Some("analyst"), &["import", file.to_str().unwrap()])
        .error("error: line 3: the speaker \"\\u{412}\\u{412}\\u{421}\" is written in letters of another script that print like \"BBC\", a speaker given at line 2 of this import");
    assert!(w.db_bytes() == before, "an entry was written");
}

/// A command that waits out the busy timeout behind an import's open
/// batch is told it is an import, and which process, not "another
/// process".
#[test]
fn a_command_kept_waiting_by_an_import_is_told_so() {
    let w = Work::with_claims();
    let note = |n: u32| {
        json!({"type":"annotation","claim":"C2","verdict":"unverified","note":format!("n{n}")})
            .to_string()
    };
    let annotations = count(&w, "annotations");
    let child = paused_import(&w, &[note(1), note(2), note(3)]);
    // Two committed, the third in the open batch: the import holds the
    // write lock until it is fed the fourth.
    until_rows(&w, "annotations", annotations + 2);
    // Compared by what the log holds, not by the file's bytes: the
    // import's own checkpoint thread may fold its committed batch into
    // the file meanwhile (a busy machine made that race visible).
    let held = || (count(&w, "entries"), count(&w, "annotations"));
    let before = held();
    let r = w.run_with(
        Some("analyst"),
        &[("CLAIMTRAIL_BUSY_TIMEOUT", "1")],
        &["annotate", "C1", "--verdict", "false"],
        None,
    );
    r.error(&format!(
        "error: the database is busy: an import (process {}) held its write lock for more than 1 s (it holds it while it stores and commits each batch) (hint: run the command again between its batches or once it has ended",
        child.id()
    ));
    assert_eq!(before, held());
    resume(child, &note(4)).ok();
}
