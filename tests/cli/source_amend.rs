//! Correcting a source's metadata (`source amend`): a mistyped title, the
//! wrong URL. The `source.add` entry stays as signed; a `source.amend`
//! entry, signed by the analyst who added the source or an admin, gives the
//! corrected fields, and every view shows the current metadata and, where
//! it shows history, what each field was.

use crate::common::*;
use crate::tamper::{forge, reference};
use claimtrail::keys::Signer;
use claimtrail::model::{Body, ItemId, SourceAmend};

// Entries of `amended()`: 0 log.init, 1-2 key.add (Rana Haddad, the
// analyst; the auditor), 3 source.add S1 (the analyst's, with a typo in
// its title and another article's URL), 4 claim.add C1, 5 annotation.add
// A1 and 6 source.amend of S1's title and URL by the analyst.

const TEXT: &str =
    "The governor said the dam will be finished by May 2027. Engineers on the site disagree.\n";
const WRONG_TITLE: &str = "Dam to be finshed by May";
const TITLE: &str = "Dam to be finished by May";
const WRONG_URL: &str = "https://valley.example/news/bridge-closed";
const URL: &str = "https://valley.example/news/dam-may";
const REASON: &str = "typo in the title; the URL was another article's";

fn amended() -> Work {
    let w = dam_log(&[
        "--title",
        WRONG_TITLE,
        "--publisher",
        "Valley Times",
        "--url",
        WRONG_URL,
        "--published",
        "2022-07-22",
    ]);
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    )
    .ok();
    let out = w.run(
        Some("analyst"),
        &[
            "source", "amend", "S1", "--title", TITLE, "--url", URL, "--reason", REASON,
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 6: title, url corrected; its source.add entry stays as signed\n"
    );
    w
}

fn amendment_line() -> String {
    format!(
        "amended at entry 6 by Rana Haddad: title \"{WRONG_TITLE}\" → \"{TITLE}\"; url \"{WRONG_URL}\" → \"{URL}\" ({REASON})"
    )
}

#[test]
fn show_and_list_give_the_current_metadata_and_its_history() {
    let w = amended();
    let show = w.run(None, &["show", "S1"]);
    let out = show.ok();
    assert!(out.starts_with(&format!("S1  {TITLE}\n")), "{out}");
    assert!(
        out.contains(&format!("url:                 {URL}\n")),
        "{out}"
    );
    assert!(out.contains("publisher:           Valley Times\n"), "{out}");
    assert!(out.contains(&format!("  {}\n", amendment_line())), "{out}");
    // The wrong values are only in the history line.
    assert_eq!(out.matches(WRONG_URL).count(), 1, "{out}");
    // verify and status count the amendment beside the sources.
    let v = w.run(None, &["verify"]);
    assert!(
        v.ok().contains(", 1 source (0 redacted, 1 amendment), "),
        "{}",
        v.stdout
    );
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "verify"]).ok()).unwrap();
    assert_eq!(j["counts"]["source_amendments"], 1, "{j}");
    let st = w.run(None, &["status"]);
    assert!(st.ok().contains("1 (1 amendment)"), "{}", st.stdout);
    // So does verify-published, from the published entries alone.
    let published = amended();
    published.run(Some("admin"), &["checkpoint"]).ok();
    let site = published.path("site");
    published
        .run(None, &["publish", site.to_str().unwrap()])
        .ok();
    let p: serde_json::Value = serde_json::from_str(
        published
            .run(
                None,
                &["--json", "verify-published", site.to_str().unwrap()],
            )
            .ok(),
    )
    .unwrap();
    assert_eq!(p["counts"]["source_amendments"], 1, "{p}");
    assert_eq!(out.matches(WRONG_TITLE).count(), 1, "{out}");

    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "show", "S1"]).ok()).unwrap();
    let s = &j["source"];
    assert_eq!(
        (&s["title"], &s["url"]),
        (&TITLE.into(), &URL.into()),
        "{s}"
    );
    assert_eq!(s["amendments"][0]["seq"], 6, "{s}");
    assert_eq!(s["amendments"][0]["reason"], REASON, "{s}");
    assert_eq!(
        s["amendments"][0]["changes"],
        serde_json::json!([
            {"field": "title", "was": WRONG_TITLE, "now": TITLE},
            {"field": "url", "was": WRONG_URL, "now": URL},
        ]),
        "{s}"
    );

    // A second correction: its "was" is the first one's "now".
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--title",
            "Dam finished by May, says governor",
            "--kind",
            "report",
            "--reason",
            "the publisher's headline, as printed",
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 7: kind, title corrected; its source.add entry stays as signed\n"
    );
    let out = w.run(None, &["show", "S1"]);
    assert!(
        out.ok().contains(&format!(
            "  amended at entry 7 by Rana Haddad: kind \"article\" → \"report\"; title \"{TITLE}\" → \"Dam finished by May, says governor\" (the publisher's headline, as printed)\n"
        )),
        "{}",
        out.stdout
    );
    let list = w.run(None, &["list", "sources"]);
    assert!(
        list.ok().contains("report") && list.stdout.contains("Dam finished by May, says governor"),
        "{}",
        list.stdout
    );
    // list's filters read the current metadata too.
    let found = w.run(None, &["--json", "list", "sources", "--kind", "report"]);
    assert_eq!(json_ids(found.ok()), ["S1"]);
    let found = w.run(None, &["--json", "list", "sources", "--kind", "article"]);
    assert!(json_ids(found.ok()).is_empty(), "{}", found.stdout);
    let log = w.run(None, &["log"]);
    assert!(
        log.ok().contains("source.amend")
            && log
                .stdout
                .contains("S1 amended (title, url): typo in the title"),
        "{}",
        log.stdout
    );
    w.run(None, &["verify"]).ok();
}

#[test]
fn who_may_amend_and_what_is_refused_leaves_the_log_unchanged() {
    let w = amended();
    w.enroll("omar", "analyst", "Omar Said");
    let before = w.db_bytes();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "omar",
            &["source", "amend", "S1", "--title", "Mine", "--reason", "I know better"],
            "S1 was added by another key (Rana Haddad, SHA256:",
        ),
        (
            "omar",
            &["source", "amend", "S1", "--title", "Mine", "--reason", "I know better"],
            "an analyst amends only the sources they added (hint: ask the analyst who added S1, or an admin",
        ),
        (
            "auditor",
            &["source", "amend", "S1", "--title", "Mine", "--reason", "audit"],
            "auditor",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--reason", "nothing"],
            "nothing to amend: no field of S1 was given",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", TITLE, "--reason", "again"],
            &format!("S1's title is already \"{TITLE}\" (hint: leave --title out"),
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--url", "valley.example/x", "--reason", "fix"],
            "--url https://",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--published", "2099-01-01", "--reason", "fix"],
            "fix --published",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", "T\nU", "--reason", "fix"],
            "the title is one line",
        ),
        // A space after the title reads as the title: signed, it was a
        // correction nobody could see.
        (
            "analyst",
            &["source", "amend", "S1", "--title", &format!("{TITLE} "), "--reason", "typo"],
            &format!("the title \"{TITLE} \" begins or ends with white space (hint: give the title without it"),
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", " Other", "--reason", "typo"],
            "the title \" Other\" begins or ends with white space",
        ),
        // Nor a character that draws nothing, inside or at an end.
        (
            "analyst",
            &["source", "amend", "S1", "--title", &format!("{TITLE}\u{200b}"), "--reason", "typo"],
            &format!("the title \"{TITLE}\\u{{200b}}\" holds U+200B, a character that draws nothing"),
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", "Dam to be fin\u{ad}ished by May", "--reason", "typo"],
            "holds U+00AD, a character that draws nothing",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", &format!("\u{200e}{TITLE}"), "--reason", "typo"],
            "begins or ends with a bidirectional mark (hint: give the title without it",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", "Other", "--reason", "REASON"],
            "the reason `REASON` is a placeholder",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--title", "Other", "--reason", " "],
            "an amendment needs a reason",
        ),
        (
            "analyst",
            &["source", "amend", "C1", "--title", "Other", "--reason", "fix"],
            "C1 is not a source id",
        ),
        (
            "analyst",
            &["source", "amend", "S9", "--title", "Other", "--reason", "fix"],
            "no source S9",
        ),
    ];
    for (key, args, said) in cases {
        let r = w.run(Some(key), args);
        r.error(said);
        assert!(w.db_bytes() == before, "{args:?} changed the database");
    }
    // An admin amends anyone's source; a redacted source's metadata too.
    w.run(
        Some("admin"),
        &["source", "redact", "S1", "--reason", "a person's safety"],
    )
    .ok_noted();
    let out = w.run(
        Some("admin"),
        &[
            "source",
            "amend",
            "S1",
            "--publisher",
            "Valley Times Online",
            "--reason",
            "the web edition",
        ],
    );
    assert!(
        out.ok().starts_with("S1 amended at entry "),
        "{}",
        out.stdout
    );
    // The analyst's rotated key (the old one revoked, the new one enrolled
    // under the same name) amends what the old one added.
    w.revoke("admin", "analyst", "rotated");
    w.enroll("analyst2", "analyst", "Rana Haddad");
    w.run(
        Some("analyst2"),
        &[
            "source",
            "amend",
            "S1",
            "--author",
            "Jane Roe",
            "--reason",
            "the byline was left out",
        ],
    )
    .ok();
    let show = w.run(None, &["show", "S1"]);
    assert!(
        show.ok()
            .contains("publisher:           Valley Times Online\n")
            && show.stdout.contains("author:              Jane Roe\n")
            && show.stdout.contains(
                "by admin: publisher \"Valley Times\" → \"Valley Times Online\" (the web edition)"
            )
            && show
                .stdout
                .contains("author (none) → \"Jane Roe\" (the byline was left out)"),
        "{}",
        show.stdout
    );
    w.run(None, &["verify"]).ok();
}

#[test]
fn reports_give_the_current_metadata() {
    let w = amended();
    for format in ["md", "html", "json", "csv", "claimreview", "prov", "wa"] {
        let out = w.run(None, &["report", "C1", "--format", format]);
        let text = out.ok();
        assert!(
            !text.contains(WRONG_URL) || format == "json" || format == "md" || format == "html",
            "{format} gives the old URL:\n{text}"
        );
        assert!(
            text.contains(URL) || format == "csv",
            "{format} lacks the URL:\n{text}"
        );
    }
    let md = w.run(None, &["report", "C1", "--format", "md"]);
    assert!(
        md.ok().contains(&format!("### S1 — {TITLE}\n")),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("| amended | at entry 6 by Rana Haddad, "),
        "{}",
        md.stdout
    );
    let html = w.run(None, &["report", "C1", "--format", "html"]);
    assert!(html.ok().contains(&format!("S1 — {TITLE}")), "html");
    let csv = w.run(None, &["report", "C1", "--format", "csv"]);
    assert!(csv
        .ok()
        .lines()
        .nth(1)
        .unwrap()
        .contains(&format!(",S1,{TITLE},Valley Times,")));
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "C1", "--format", "json"]).ok()).unwrap();
    let s = &j["sources"][0];
    assert_eq!(
        (&s["title"], &s["url"]),
        (&TITLE.into(), &URL.into()),
        "{s}"
    );
    assert_eq!(s["amendments"][0]["changes"][1]["was"], WRONG_URL, "{s}");
    // The signed entry behind the metadata shown is among the report's
    // entries, so a reader can check the title and address it shows (a
    // report of some ids left it out; a whole-log report had it).
    assert!(entry_seqs(&j).contains(&6), "{:?}", entry_seqs(&j));
}

#[test]
fn a_bundle_carries_the_amendment_and_verify_bundle_applies_it() {
    let w = amended();
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["export", "C1", "--out", "c1.json"]).ok();
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("c1.json")).unwrap()).unwrap();
    assert!(entry_seqs(&b).contains(&6), "{:?}", entry_seqs(&b));
    let out = w.run(None, &["verify-bundle", "c1.json", "--show"]);
    let text = out.ok();
    assert!(
        text.contains(&format!("S1 amended at entry 6 (title, url): {REASON}\n")),
        "{text}"
    );
    assert!(text.contains(&format!("S1  {TITLE}\n")), "{text}");
    assert!(text.contains(&format!("    {URL}\n")), "{text}");
    assert!(
        text.contains(&format!("    {}\n", amendment_line())),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(
        w.run(None, &["verify-bundle", "c1.json", "--json", "--show"])
            .ok(),
    )
    .unwrap();
    assert_eq!(v["amended_sources"][0]["source"], "S1", "{v}");
    assert_eq!(v["contents"]["sources"][0]["title"], TITLE, "{v}");
}

#[test]
fn an_edited_or_invented_amendment_row_is_found() {
    let w = amended();
    w.sql("UPDATE source_amendments SET url = 'https://evil.example/' WHERE seq = 6");
    let r = w.run(None, &["verify"]);
    r.problem("entry 6 (source.amend)", "projection");
    assert!(
        r.stdout.contains(&format!(
            "table source_amendments row seq=6: column url is \"https://evil.example/\" but the entry implies \"{URL}\""
        )),
        "{}",
        r.stdout
    );
    // show checks the view against the signed entries, and refuses.
    w.run(None, &["show", "S1"])
        .error("the tables' S1 differs from its signed entry 3 in its url, amended fields");

    let w = amended();
    w.sql("DELETE FROM source_amendments");
    let r = w.run(None, &["verify"]);
    r.problem("entry 6 (source.amend)", "projection");
    assert!(
        r.stdout
            .contains("table source_amendments has 0 rows but the entries imply 1"),
        "{}",
        r.stdout
    );
    // show sees the row that is gone too: it undid the correction there,
    // and showed the old URL as checked.
    w.run(None, &["show", "S1"])
        .error("entry 6 amends a source, and the table source_amendments has no row for it");
    // And a claim of the source, which prints the source's title and URL.
    w.run(None, &["show", "C1"])
        .error("entry 6 amends a source, and the table source_amendments has no row for it");
    // The entry's kind column changed as well: its payload still says.
    w.sql("UPDATE entries SET kind = 'claim.add' WHERE seq = 6");
    w.run(None, &["show", "S1"])
        .error("entry 6 amends S1, and the database's tables do not say so");
    // So it does when the row was moved to another source.
    let w = amended();
    w.sql("UPDATE source_amendments SET source_id = 2 WHERE seq = 6");
    w.run(None, &["show", "S1"])
        .error("entry 6 amends S1, and the database's tables do not say so");

    // An amendment no entry signed.
    let w = amended();
    w.sql("INSERT INTO source_amendments SELECT 4, 1, NULL, 'Made up', NULL, NULL, NULL, NULL, 'x', signer, time, NULL FROM sources WHERE id = 1");
    w.run(None, &["show", "S1"])
        .error("the table source_amendments has a row for entry 4, which is no source.amend entry");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("table source_amendments row seq=4 is implied by no entry"),
        "{}",
        r.stdout
    );
}

/// An amendment of another analyst's source, validly signed by a key the
/// log enrolled, written into the file by hand: verify names it.
#[test]
fn a_forged_amendment_of_another_analysts_source_is_found() {
    let w = amended();
    w.enroll("omar", "analyst", "Omar Said");
    let omar = Signer::load(&w.path("omar")).unwrap();
    let body = Body::SourceAmend(SourceAmend {
        author: None,
        clear: Default::default(),
        kind: None,
        published: None,
        publisher: None,
        reason: "I prefer my title".into(),
        source: reference(&w, ItemId::source(1), 3),
        title: Some("Omar's title".into()),
        url: None,
    });
    let seq = forge(&w, &omar, body);
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {seq} (source.amend)"), "authorization");
    assert!(
        r.stdout
            .contains("S1 was added by another key (Rana Haddad, SHA256:"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("an analyst amends only the sources they added"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_import_amends_sources_and_runs_again_without_duplicates() {
    let w = amended();
    std::fs::write(
        w.path("a.jsonl"),
        concat!(
            "{\"type\":\"source\",\"label\":\"s\",\"kind\":\"tweet\",\"text\":\"Water is rationed from today.\",\"author\":\"@valley_wtr\"}\n",
            "{\"type\":\"source_amendment\",\"source\":\"@s\",\"author\":\"@valley_water\",\"reason\":\"handle misspelt\"}\n",
            "{\"type\":\"source_amendment\",\"source\":\"S1\",\"published\":\"2022-07-21\",\"reason\":\"the print date\"}\n",
        ),
    )
    .unwrap();
    let out = w.run(Some("analyst"), &["--json", "import", "a.jsonl"]);
    let s: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(s["appended"]["source_amendments"], 2, "{s}");
    assert_eq!(s["appended"]["sources"], 1, "{s}");
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "show", "S2"]).ok()).unwrap();
    assert_eq!(j["source"]["author"], "@valley_water", "{j}");
    let out = w.run(None, &["show", "S1"]);
    assert!(
        out.ok().contains("published:           2022-07-21\n")
            && out
                .stdout
                .contains("published \"2022-07-22\" → \"2022-07-21\" (the print date)"),
        "{}",
        out.stdout
    );
    // Again: nothing appended, every line skipped.
    let before = w.db_bytes();
    let out = w.run(Some("analyst"), &["import", "a.jsonl"]);
    assert!(
        out.ok().contains("skipped 3 lines already in the log or earlier in the file (1 source, 0 claims, 0 annotations, 2 source amendments)"),
        "{}",
        out.stdout
    );
    assert!(w.db_bytes() == before, "a re-run appended");
    // Someone else's source: refused as `source amend` refuses it.
    w.enroll("omar", "analyst", "Omar Said");
    std::fs::write(
        w.path("other.jsonl"),
        "{\"type\":\"source_amendment\",\"source\":\"S1\",\"title\":\"Mine\",\"reason\":\"not mine\"}\n",
    )
    .unwrap();
    let before = w.db_bytes();
    w.run(Some("omar"), &["import", "other.jsonl"])
        .error("line 1: S1 was added by another key");
    assert!(w.db_bytes() == before, "a refused import changed the log");
    w.run(None, &["verify"]).ok();
}

// --- Clearing a field (`source amend --clear`) ------------------------------

// Entries of `with_wrong_author()`: 0 log.init, 1-2 key.add (Rana Haddad,
// the analyst; the auditor), 3 source.add S1 (the analyst's, with an author
// the article does not name), 4 claim.add C1.

const AUTHOR: &str = "John Doe";
const NO_BYLINE: &str = "the article has no byline; John Doe wrote another piece";

fn with_wrong_author() -> Work {
    dam_log(&[
        "--title",
        TITLE,
        "--publisher",
        "Valley Times",
        "--author",
        AUTHOR,
        "--url",
        URL,
        "--published",
        "2022-07-22",
    ])
}

/// The team's log with the dam article as S1 (its metadata `fields`, added
/// by the analyst) and the governor's claim as C1.
fn dam_log(fields: &[&str]) -> Work {
    let w = Work::with_team();
    std::fs::write(w.path("dam.txt"), TEXT).unwrap();
    let path = w.path("dam.txt");
    let mut args = vec!["source", "add", path.to_str().unwrap(), "--kind", "article"];
    args.extend_from_slice(fields);
    assert_eq!(w.run(Some("analyst"), &args).ok(), "S1\n");
    let c1 = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "the dam will be finished by May 2027",
            "--speaker",
            "The governor",
            "--provenance",
            "statement",
        ],
    );
    assert_eq!(c1.ok(), "C1\n");
    w
}

/// `with_wrong_author()` with S1's author cleared at entry 5.
fn author_cleared() -> Work {
    let w = with_wrong_author();
    let out = w.run(
        Some("analyst"),
        &[
            "source", "amend", "S1", "--clear", "author", "--reason", NO_BYLINE,
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 5: author cleared; its source.add entry stays as signed\n"
    );
    w
}

/// Entry `seq`'s payload, as signed.
fn payload_at(w: &Work, seq: i64) -> String {
    let c = rusqlite::Connection::open(&w.db).unwrap();
    let p: Vec<u8> = c
        .query_row("SELECT payload FROM entries WHERE seq = ?", [seq], |r| {
            r.get(0)
        })
        .unwrap();
    String::from_utf8(p).unwrap()
}

#[test]
fn a_field_recorded_in_error_is_cleared_and_every_view_leaves_it_out() {
    let w = with_wrong_author();
    // Before: the author is shown, and the publisher filter finds S1.
    assert!(w
        .run(None, &["show", "S1"])
        .ok()
        .contains(&format!("author:              {AUTHOR}\n")));
    let found = w.run(
        None,
        &["--json", "list", "sources", "--publisher", "valley"],
    );
    assert_eq!(json_ids(found.ok()), ["S1"]);

    let out = w.run(
        Some("analyst"),
        &[
            "source", "amend", "S1", "--clear", "author", "--reason", NO_BYLINE,
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 5: author cleared; its source.add entry stays as signed\n"
    );
    // The signed body lists the field in `clear`, the author member null;
    // the projection row keeps the list as the body writes it.
    let p = payload_at(&w, 5);
    assert!(
        p.starts_with(r#"{"body":{"author":null,"clear":["author"],"kind":null,"published":null,"#),
        "{p}"
    );
    let c = rusqlite::Connection::open(&w.db).unwrap();
    let row: Option<String> = c
        .query_row(
            "SELECT clear FROM source_amendments WHERE seq = 5",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(row.as_deref(), Some(r#"["author"]"#));

    // show: no author line, and the history says what it was.
    let show = w.run(None, &["show", "S1"]);
    let out = show.ok();
    assert!(!out.contains("author:"), "{out}");
    assert!(
        out.contains(&format!(
            "  amended at entry 5 by Rana Haddad: author \"{AUTHOR}\" → (none) ({NO_BYLINE})\n"
        )),
        "{out}"
    );
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "show", "S1"]).ok()).unwrap();
    let s = &j["source"];
    assert_eq!(s["author"], serde_json::Value::Null, "{s}");
    assert_eq!(s["publisher"], "Valley Times", "{s}");
    assert_eq!(
        s["amendments"][0]["changes"],
        serde_json::json!([{"field": "author", "was": AUTHOR, "now": null}]),
        "{s}"
    );

    // Correcting one field and clearing two others, in one amendment.
    let out = w.run(
        Some("analyst"),
        &[
            "--json",
            "source",
            "amend",
            "S1",
            "--title",
            "Dam finished by May, says governor",
            "--clear",
            "publisher,url",
            "--reason",
            "the headline as printed; a wire story, not Valley Times'",
        ],
    );
    let j: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(
        (
            &j["amended"],
            &j["fields"],
            &j["cleared"],
            &j["entry"]["seq"]
        ),
        (
            &"S1".into(),
            &serde_json::json!(["title"]),
            &serde_json::json!(["publisher", "url"]),
            &6.into()
        ),
        "{j}"
    );
    // list's filters read the current metadata: a cleared publisher
    // matches no `--publisher`, and the list shows none.
    let found = w.run(
        None,
        &["--json", "list", "sources", "--publisher", "valley"],
    );
    assert!(json_ids(found.ok()).is_empty(), "{}", found.stdout);
    let list: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "list", "sources"]).ok()).unwrap();
    let s = &list[0];
    assert_eq!(
        (&s["publisher"], &s["url"], &s["author"], &s["title"]),
        (
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &"Dam finished by May, says governor".into()
        ),
        "{s}"
    );
    let list = w.run(None, &["list", "sources"]);
    assert!(
        list.ok()
            .contains("S1  article  -          Dam finished by May, says governor"),
        "{}",
        list.stdout
    );
    // The old title is no longer what `--contains` finds.
    let found = w.run(
        None,
        &["--json", "list", "sources", "--contains", "says governor"],
    );
    assert_eq!(json_ids(found.ok()), ["S1"]);
    // log says what each amendment did.
    let log = w.run(None, &["log"]);
    assert!(
        log.ok()
            .contains("S1 amended (author cleared): the article has no byline")
            && log
                .stdout
                .contains("S1 amended (title; publisher, url cleared): the headline as"),
        "{}",
        log.stdout
    );
    // A cleared field can be given again: added, as it was empty (it
    // said "corrected").
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--author",
            "Jane Roe",
            "--reason",
            "the byline of the print edition",
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 7: author added; its source.add entry stays as signed\n"
    );
    let show = w.run(None, &["show", "S1"]);
    assert!(
        show.ok().contains("author:              Jane Roe\n")
            && show
                .stdout
                .contains("author (none) → \"Jane Roe\" (the byline of the print edition)"),
        "{}",
        show.stdout
    );
    let v = w.run(None, &["verify"]);
    assert!(
        v.ok().contains(", 1 source (0 redacted, 3 amendments), "),
        "{}",
        v.stdout
    );
    // verify-published reads the same entries from a published directory.
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let p: serde_json::Value = serde_json::from_str(
        w.run(
            None,
            &["--json", "verify-published", site.to_str().unwrap()],
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(
        (&p["ok"], &p["counts"]["source_amendments"]),
        (&true.into(), &3.into()),
        "{p}"
    );
}

#[test]
fn what_clear_refuses_leaves_the_log_unchanged() {
    let w = author_cleared();
    w.enroll("omar", "analyst", "Omar Said");
    let before = w.db_bytes();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "analyst",
            &["source", "amend", "S1", "--clear", "kind", "--reason", "no kind"],
            "error: a source's kind cannot be cleared: every source has one (hint: correct it with --kind instead, one of tweet, statement, interview, news_agency, article, report, video, other)\n",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--clear", "sha256", "--reason", "fix"],
            "error: `sha256` is not a field that can be cleared (hint: --clear takes author, published, publisher, title or url)\n",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--clear", "url,URL", "--reason", "fix"],
            "error: --clear names url twice (hint: name each field to clear once)\n",
        ),
        (
            "analyst",
            &[
                "source", "amend", "S1", "--clear", "title", "--title", "Other", "--reason",
                "fix",
            ],
            "error: --title and --clear title were both given: an amendment corrects a field or clears it (hint: give --title to correct the title, or --clear title to empty it)\n",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--clear", "author", "--reason", "again"],
            "error: S1's author is already empty: there is nothing to clear (hint: leave --clear author out; `claimtrail show S1` shows its current metadata)\n",
        ),
        (
            "analyst",
            &[
                "source", "amend", "S1", "--clear", "author,url", "--reason", "again",
            ],
            "error: S1's author is already empty: there is nothing to clear (hint: leave --clear author out; `claimtrail show S1` shows its current metadata)\n",
        ),
        (
            "omar",
            &["source", "amend", "S1", "--clear", "url", "--reason", "not mine"],
            "an analyst amends only the sources they added (hint: ask the analyst who added S1, or an admin",
        ),
        (
            "auditor",
            &["source", "amend", "S1", "--clear", "url", "--reason", "audit"],
            "auditor",
        ),
        (
            "analyst",
            &["source", "amend", "S1", "--clear", "url", "--reason", " "],
            "an amendment needs a reason",
        ),
    ];
    for (key, args, said) in cases {
        let r = w.run(Some(key), args);
        r.error(said);
        if said.starts_with("error: ") {
            assert_eq!(r.stderr, *said, "{args:?}");
        }
        assert!(w.db_bytes() == before, "{args:?} changed the database");
    }
    // Other capitals, as for the other closed sets of the command line;
    // the entry records the names themselves, sorted.
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--clear",
            "URL",
            "--clear",
            "Published",
            "--reason",
            "neither is the article's",
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 7: url, published cleared; its source.add entry stays as signed\n"
    );
    assert!(payload_at(&w, 7).contains(r#""clear":["published","url"]"#));
    w.run(None, &["verify"]).ok();
}

#[test]
fn reports_and_bundles_leave_a_cleared_field_out() {
    let w = with_wrong_author();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    )
    .ok();
    // Before, each format carries what it carries of these three.
    let carried = |format: &str| -> Vec<&str> {
        let out = w.run(None, &["report", "C1", "--format", format]);
        let text = out.ok().to_string();
        [AUTHOR, "Valley Times", URL]
            .into_iter()
            .filter(|v| text.contains(v))
            .collect()
    };
    assert_eq!(carried("csv"), ["Valley Times"]);
    assert_eq!(carried("claimreview"), [AUTHOR, "Valley Times", URL]);
    assert_eq!(carried("prov"), [AUTHOR, "Valley Times", URL]);
    assert_eq!(carried("wa"), [URL]);
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--clear",
            "author,url,publisher",
            "--reason",
            NO_BYLINE,
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 6: publisher, author, url cleared; its source.add entry stays as signed\n"
    );
    for format in ["csv", "claimreview", "prov", "wa"] {
        assert!(carried(format).is_empty(), "{format} gives a cleared field");
    }
    let change = format!(
        "publisher \"Valley Times\" → (none); author \"{AUTHOR}\" → (none); url \"{URL}\" → (none) ({NO_BYLINE})"
    );
    // The old address is a code span in the Markdown: shown as written,
    // not linked (only a source's current URL is a link).
    let md_change = change.replace(&format!("\"{URL}\""), &format!("\"`{URL}`\""));
    let md = w.run(None, &["report", "C1", "--format", "md"]);
    assert!(
        md.ok().contains("| amended | at entry 6 by Rana Haddad, ")
            && md.stdout.contains(&md_change)
            && !md.stdout.contains("| author |")
            && !md.stdout.contains("| publisher |")
            && !md.stdout.contains("| url |"),
        "{}",
        md.stdout
    );
    let html = w.run(None, &["report", "C1", "--format", "html"]);
    assert!(
        html.ok().contains(&format!(
            "author &quot;{AUTHOR}&quot; → (none); url &quot;{URL}&quot; → (none)"
        )),
        "{}",
        html.stdout
    );
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "C1", "--format", "json"]).ok()).unwrap();
    let s = &j["sources"][0];
    assert_eq!(
        (&s["author"], &s["url"], &s["publisher"]),
        (
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::Value::Null
        ),
        "{s}"
    );
    assert_eq!(
        s["amendments"][0]["changes"],
        serde_json::json!([
            {"field": "publisher", "was": "Valley Times", "now": null},
            {"field": "author", "was": AUTHOR, "now": null},
            {"field": "url", "was": URL, "now": null},
        ]),
        "{s}"
    );

    // A bundle carries the amendment, and verify-bundle applies it.
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["export", "C1", "--out", "c1.json"]).ok();
    let out = w.run(None, &["verify-bundle", "c1.json", "--show"]);
    let text = out.ok();
    assert!(
        text.contains(&format!(
            "S1 amended at entry 6 (publisher, author, url cleared): {NO_BYLINE}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "    amended at entry 6 by Rana Haddad: {change}\n"
        )),
        "{text}"
    );
    // The address only in the history line.
    assert_eq!(text.matches(URL).count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(
        w.run(None, &["verify-bundle", "c1.json", "--json", "--show"])
            .ok(),
    )
    .unwrap();
    let m = &v["amended_sources"][0];
    assert_eq!(
        (&m["fields"], &m["cleared"]),
        (
            &serde_json::json!([]),
            &serde_json::json!(["author", "publisher", "url"])
        ),
        "{v}"
    );
    let s = &v["contents"]["sources"][0];
    assert_eq!(
        (&s["author"], &s["url"], &s["publisher"], &s["title"]),
        (
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &TITLE.into()
        ),
        "{v}"
    );
}

/// The `clear` column of `source_amendments` is checked against the entry
/// as every column is: a list edited, emptied or invented is named.
#[test]
fn an_edited_cleared_list_is_found() {
    for (edit, found) in [
        (
            "UPDATE source_amendments SET clear = NULL WHERE seq = 5",
            r#"table source_amendments row seq=5: column clear is NULL but the entry implies "[\"author\"]""#,
        ),
        (
            r#"UPDATE source_amendments SET clear = '["author","url"]' WHERE seq = 5"#,
            r#"table source_amendments row seq=5: column clear is "[\"author\",\"url\"]" but the entry implies "[\"author\"]""#,
        ),
    ] {
        let w = author_cleared();
        w.sql(edit);
        let r = w.run(None, &["verify"]);
        r.problem("entry 5 (source.amend)", "projection");
        assert!(r.stdout.contains(found), "{edit}: {}", r.stdout);
        let j: serde_json::Value =
            serde_json::from_str(&w.run(None, &["--json", "verify"]).stdout).unwrap();
        assert_eq!(
            (&j["problems"][0]["seq"], &j["problems"][0]["check"]),
            (&5.into(), &"projection".into()),
            "{j}"
        );
    }
    // Its author back in view: show checks the view against the entries,
    // and refuses.
    let w = author_cleared();
    w.sql("UPDATE source_amendments SET clear = NULL WHERE seq = 5");
    w.run(None, &["show", "S1"])
        .error("the tables' S1 differs from its signed entry 3 in its author, amended fields");
    // A list no entry can write.
    let w = author_cleared();
    w.sql("UPDATE source_amendments SET clear = '[\"kind\"]' WHERE seq = 5");
    w.run(None, &["verify"])
        .problem("entry 5 (source.amend)", "projection");
    w.run(None, &["show", "S1"])
        .error("the stored value `[\"kind\"]` is not a list of cleared fields");
    // A clearing no entry signed, given to an amendment that cleared
    // nothing.
    let w = amended();
    w.sql(r#"UPDATE source_amendments SET clear = '["publisher"]' WHERE seq = 6"#);
    let r = w.run(None, &["verify"]);
    r.problem("entry 6 (source.amend)", "projection");
    assert!(
        r.stdout.contains(
            r#"table source_amendments row seq=6: column clear is "[\"publisher\"]" but the entry implies NULL"#
        ),
        "{}",
        r.stdout
    );
}

/// Validly signed `source.amend` entries whose `clear` is not in its one
/// written form, written into the file by hand: verify names each at the
/// body check, and the amendment takes no effect.
#[test]
fn a_cleared_list_not_in_its_one_written_form_is_found() {
    let pristine = with_wrong_author();
    let bytes = pristine.db_bytes();
    let analyst = Signer::load(&pristine.path("analyst")).unwrap();
    for (clear, author, said) in [
        (r#"[]"#, "null", "clear is empty"),
        (
            r#"["url","author"]"#,
            "null",
            "clear lists `url` before `author`",
        ),
        (
            r#"["author","author"]"#,
            "null",
            "clear lists `author` twice",
        ),
        (
            r#"["kind"]"#,
            "null",
            "`kind` is not a field of a source that can be cleared",
        ),
        (
            r#"["author"]"#,
            r#""Jane Roe""#,
            "`author` is both given and cleared",
        ),
    ] {
        let w = &pristine;
        w.restore(&bytes);
        let payload = format!(
            concat!(
                r#"{{"body":{{"author":{},"clear":{},"kind":null,"published":null,"publisher":null,"#,
                r#""reason":"hand-made","source":{{"hash":"{}","id":"S1"}},"title":null,"url":null}},"#,
                r#""kind":"source.amend","log":"test.example/idlib","prev":"{}","seq":5,"signer":"{}","#,
                r#""time":"2026-11-25T10:00:00Z","v":1}}"#
            ),
            author,
            clear,
            w.entry_hash_at(3).to_hex(),
            w.entry_hash_at(4).to_hex(),
            analyst.fingerprint()
        );
        w.put_signed(5, "source.amend", payload.as_bytes(), &analyst);
        let r = w.run(None, &["verify"]);
        r.problem("entry 5 (source.amend)", "body");
        assert!(r.stdout.contains(said), "{clear}: {}", r.stdout);
        // Nothing changed in the view.
        assert!(
            w.run(None, &["list", "sources"])
                .ok()
                .contains("Valley Times"),
            "{clear}"
        );
    }
}

#[test]
fn an_import_clears_fields_and_runs_again_without_duplicates() {
    let w = with_wrong_author();
    std::fs::write(
        w.path("a.jsonl"),
        concat!(
            "{\"type\":\"source_amendment\",\"source\":\"S1\",\"clear\":[\"url\",\"author\"],\"reason\":\"neither is the article's\"}\n",
            "{\"type\":\"source_amendment\",\"source\":\"S1\",\"title\":\"Dam by May\",\"clear\":[\"publisher\"],\"reason\":\"a wire story\"}\n",
        ),
    )
    .unwrap();
    let out = w.run(Some("analyst"), &["--json", "import", "a.jsonl"]);
    let s: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(s["appended"]["source_amendments"], 2, "{s}");
    // The list as the body writes it: sorted.
    assert!(payload_at(&w, 5).contains(r#""clear":["author","url"]"#));
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "show", "S1"]).ok()).unwrap();
    let src = &j["source"];
    assert_eq!(
        (
            &src["author"],
            &src["url"],
            &src["publisher"],
            &src["title"]
        ),
        (
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &"Dam by May".into()
        ),
        "{src}"
    );
    // Again: nothing appended, every line skipped.
    let before = w.db_bytes();
    let out = w.run(Some("analyst"), &["import", "a.jsonl"]);
    assert!(
        out.ok().contains("skipped 2 lines already in the log or earlier in the file (0 sources, 0 claims, 0 annotations, 2 source amendments)"),
        "{}",
        out.stdout
    );
    assert!(w.db_bytes() == before, "a re-run appended");
    // Refused lines: the log is left as it was, the line named.
    for (line, said) in [
        (
            r#"{"type":"source_amendment","source":"S1","clear":["kind"],"reason":"x y"}"#,
            "line 1: a source's kind cannot be cleared: every source has one (hint: correct it with \"kind\" instead, one of tweet,",
        ),
        (
            r#"{"type":"source_amendment","source":"S1","clear":["Author"],"reason":"x y"}"#,
            "line 1: `Author` is not a field that can be cleared (hint: \"clear\" takes author, published, publisher, title or url; nothing was imported)",
        ),
        (
            r#"{"type":"source_amendment","source":"S1","clear":["title"],"title":"T","reason":"x y"}"#,
            "line 1: \"title\" is given and \"clear\" lists title too: an amendment corrects a field or clears it",
        ),
        (
            r#"{"type":"source_amendment","source":"S1","clear":["author"],"reason":"x y"}"#,
            "line 1: S1's author is already empty: there is nothing to clear (hint: take author out of \"clear\", or take the line out of the file; nothing was imported)",
        ),
        (
            r#"{"type":"source_amendment","source":"S1","clear":[],"reason":"x y"}"#,
            "line 1: nothing to amend: no field of S1 was given",
        ),
    ] {
        std::fs::write(w.path("bad.jsonl"), format!("{line}\n")).unwrap();
        let before = w.db_bytes();
        w.run(Some("analyst"), &["import", "bad.jsonl"]).error(said);
        assert!(w.db_bytes() == before, "{line} changed the log");
    }
    // A spreadsheet's row: a column of fields to clear, other capitals
    // taken, as for its other closed sets.
    std::fs::write(
        w.path("rows.csv"),
        "type,source,clear,kind,reason\nsource_amendment,S1,Published,report,\"a report, undated\"\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "rows.csv"]).ok();
    assert!(payload_at(&w, 7).contains(r#""clear":["published"],"kind":"report""#));
    w.run(None, &["verify"]).ok();
}

/// A log of schema version 7 (before `clear`) is read as it is, its file
/// left unchanged, and gets the column with its first append; an amendment
/// it already holds reads and verifies as before.
#[test]
fn a_version_7_log_gets_the_cleared_lists_with_its_first_append() {
    let w = amended();
    w.sql(&format!(
        "{BEFORE_V9}ALTER TABLE source_amendments DROP COLUMN clear; PRAGMA user_version = 7;"
    ));
    let old = w.db_bytes();
    assert!(w
        .run(None, &["verify"])
        .ok()
        .ends_with("OK: no problems found\n"));
    assert!(w
        .run(None, &["show", "S1"])
        .ok()
        .starts_with(&format!("S1  {TITLE}\n")));
    let found = w.run(
        None,
        &["--json", "list", "sources", "--publisher", "valley"],
    );
    assert_eq!(json_ids(found.ok()), ["S1"]);
    assert!(
        w.db_bytes() == old,
        "a command that only reads migrated the file"
    );
    assert_eq!(w.schema_version(), 7);
    // The first append migrates it.
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--clear",
            "publisher",
            "--reason",
            "a wire story",
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 7: publisher cleared; its source.add entry stays as signed\n"
    );
    assert_eq!(w.schema_version(), 9);
    assert!(w
        .run(None, &["verify"])
        .ok()
        .ends_with("OK: no problems found\n"));
    let found = w.run(
        None,
        &["--json", "list", "sources", "--publisher", "valley"],
    );
    assert!(json_ids(found.ok()).is_empty(), "{}", found.stdout);

    // A header that says 7 over a table that has the column: not an old
    // log, and said so.
    let w = amended();
    w.sql("PRAGMA user_version = 7;");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("the step to version 8 fails (duplicate column name: clear)"),
        "{}",
        r.stdout
    );
}

/// A title signed before the commands refused a zero-width space in one
/// (here signed outside them) is corrected by an amendment that takes it
/// out; `show` prints the character as its code point, where it read
/// `title "Title" → "Title"`, a correction nobody could see. The log still
/// verifies: the title rule is the commands', not verify's.
#[test]
fn an_amendment_that_takes_out_a_hidden_character_shows_it() {
    let w = Work::with_team();
    let s = w.source_unchecked(
        "analyst",
        b"Some text.\n",
        "Dam report\u{200b}",
        "Valley Times",
    );
    w.run(None, &["verify"]).ok();
    // Before: the title itself shows it, in `show` and in the list.
    let shown = w.run(None, &["show", &s]);
    assert!(
        shown
            .ok()
            .starts_with(&format!("{s}  Dam report\\u{{200b}}\n")),
        "{}",
        shown.stdout
    );
    let listed = w.run(None, &["list", "sources"]);
    assert!(
        listed.ok().contains("Dam report\\u{200b}"),
        "{}",
        listed.stdout
    );
    w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            &s,
            "--title",
            "Dam report",
            "--reason",
            "a zero-width space",
        ],
    )
    .ok();
    let shown = w.run(None, &["show", &s]);
    assert!(
        shown
            .ok()
            .contains("title \"Dam report\\u{200b}\" → \"Dam report\" (a zero-width space)"),
        "{}",
        shown.stdout
    );
    w.run(None, &["verify"]).ok();
}

/// Another analyst's source, whose key was revoked since (its person
/// signs with a new key under the same name): the refusal says the key it
/// names was revoked, as it named only the old key.
#[test]
fn a_refusal_over_a_revoked_authors_source_says_the_key_was_revoked() {
    let w = Work::with_claims();
    w.enroll("sami", "analyst", "Sami Nasser");
    let s2 = w.source_from_stdin("sami", "statement", "Sami's statement.\n");
    assert_eq!(s2, "S2");
    w.revoke("admin", "sami", "laptop stolen");
    let revoked = w
        .run(None, &["--json", "log"])
        .ok()
        .matches("\"seq\"")
        .count()
        - 1;
    w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S2",
            "--title",
            "Mine",
            "--reason",
            "I know better",
        ],
    )
    .error("error: S2 was added by another key (Sami Nasser, SHA256:");
    let r = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S2",
            "--title",
            "Mine",
            "--reason",
            "I know better",
        ],
    );
    assert!(
        r.stderr.contains(&format!(
            ", a key revoked at entry {revoked}); an analyst amends only the sources they added"
        )),
        "{}",
        r.stderr
    );
}

/// One amendment that corrects a field, adds one that was empty and
/// clears a third is said in one list ("… corrected and author added and
/// published cleared" read as a run-on).
#[test]
fn an_amendment_of_three_kinds_is_said_as_one_list() {
    let w = Work::with_claims();
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--publisher",
            "Al-Monitor (English)",
            "--author",
            "Sultan al-Kanj",
            "--clear",
            "published",
            "--reason",
            "the print edition",
        ],
    );
    assert_eq!(
        out.ok(),
        "S1 amended at entry 7: publisher corrected, author added and published cleared; its source.add entry stays as signed\n"
    );
}
