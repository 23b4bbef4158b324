//! `claimtrail report` in every format, through the real binary, on the
//! demo trail and on the team log: each output parsed back and checked
//! against the log; hostile text, redaction, tampering and errors.

use crate::common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

const NOW: &str = "2026-12-01T10:00:00Z";

/// The demo trail in a fresh workspace; returns it and its database path.
fn demo() -> (Work, String) {
    let w = Work::new();
    let dir = w.path("demo");
    w.run(None, &["demo", "--dir", dir.to_str().unwrap()]).ok();
    let db = dir.join("claimtrail.db").to_str().unwrap().to_string();
    (w, db)
}

/// Runs `report` with a fixed clock; `db` overrides the workspace's database.
fn report(w: &Work, db: Option<&str>, args: &[&str]) -> Run {
    let mut all: Vec<&str> = Vec::new();
    if let Some(db) = db {
        all.extend(["--db", db]);
    }
    all.push("report");
    all.extend(args);
    w.run_with(None, &[("CLAIMTRAIL_NOW", NOW)], &all, None)
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn log_json(w: &Work, db: Option<&str>) -> Vec<Value> {
    let mut args = vec!["--json"];
    if let Some(db) = db {
        args.extend(["--db", db]);
    }
    args.push("log");
    json(w.run(None, &args).ok()).as_array().unwrap().clone()
}

/// A strict RFC 4180 parser: records end with CRLF, quoted fields may hold
/// `,` `"` (doubled) CR and LF; anything else in quotes is an error.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted_field = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if field.is_empty() && !quoted_field => {
                quoted_field = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => field.push(c),
                        None => panic!("unterminated quoted field"),
                    }
                }
                assert!(
                    matches!(chars.peek(), Some(',') | Some('\r') | None),
                    "text after a closing quote"
                );
            }
            '"' => panic!("a quote inside an unquoted field: {field}"),
            ',' => {
                row.push(std::mem::take(&mut field));
                quoted_field = false;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                quoted_field = false;
            }
            '\n' => panic!("bare LF outside quotes"),
            c => field.push(c),
        }
    }
    assert!(
        row.is_empty() && field.is_empty(),
        "the last record does not end with CRLF"
    );
    rows
}

/// CSV rows as maps from the header names.
fn csv_records(s: &str) -> Vec<HashMap<String, String>> {
    let rows = parse_csv(s);
    let header = rows[0].clone();
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "ragged row {r:?}");
            header.iter().cloned().zip(r.iter().cloned()).collect()
        })
        .collect()
}

/// Whether a JSON report's entry carries an inclusion proof, which must
/// verify in the checkpoint of `size` and `root`; an entry without one must
/// be one the checkpoint does not cover.
fn proven_in(e: &Value, size: u64, root: &claimtrail::hash::Hash) -> bool {
    use claimtrail::hash::Hash;
    use claimtrail::merkle::{verify_inclusion, LeafIndex, TreeSize};
    let seq = e["seq"].as_u64().unwrap();
    let Some(p) = e["inclusion_proof"].as_array() else {
        assert!(seq >= size, "entry {seq} is covered but has no proof");
        return false;
    };
    let proof: Vec<Hash> = p
        .iter()
        .map(|h| Hash::from_hex(h.as_str().unwrap()).unwrap())
        .collect();
    let leaf = Hash::from_hex(e["hash"].as_str().unwrap()).unwrap();
    verify_inclusion(&leaf, LeafIndex(seq), TreeSize(size), &proof, root)
        .unwrap_or_else(|err| panic!("entry {seq}: {err:?}"));
    true
}

fn de_armor(sig: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = sig.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[test]
fn json_report_carries_every_entry_hash_and_signature() {
    use claimtrail::hash::Hash;
    let (w, db) = demo();
    let doc = json(report(&w, Some(&db), &["--format", "json"]).ok());
    assert_eq!(doc["format"], "claimtrail-report");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["verify"]["ok"], true);
    // The demo ends with the admin's checkpoint of the 20 entries before it.
    assert_eq!(doc["checkpoint"]["size"], 20);
    let root = Hash::from_hex(doc["checkpoint"]["root"].as_str().unwrap()).unwrap();
    assert!(doc["summary"][1]
        .as_str()
        .unwrap()
        .starts_with("made at checkpoint: tree size 20, root "));
    assert_eq!(doc["generated"], NOW);
    assert_eq!(doc["scope"]["complete"], true);
    assert_eq!(doc["sources"].as_array().unwrap().len(), 1);
    assert_eq!(doc["claims"].as_array().unwrap().len(), 9);
    assert_eq!(doc["annotations"].as_array().unwrap().len(), 6);

    let log = log_json(&w, Some(&db));
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), log.len());
    let keys: HashMap<String, String> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["fingerprint"].as_str().unwrap().to_string(),
                k["public_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut prev = "0".repeat(64);
    for (e, l) in entries.iter().zip(&log) {
        assert_eq!(e["seq"], l["seq"]);
        assert_eq!(e["hash"], l["hash"], "entry {}", e["seq"]);
        // Each entry the checkpoint covers is proven in it; the checkpoint's
        // own entry is not covered.
        assert_eq!(proven_in(e, 20, &root), e["seq"] != 20);
        let payload = e["payload"].as_str().unwrap().as_bytes();
        assert_eq!(e["content"], json(e["payload"].as_str().unwrap()));
        assert_eq!(e["prev"].as_str().unwrap(), prev);
        // The entry hash, recomputed here: SHA-256(0x00 || string(payload) || string(sig)).
        let sig = de_armor(e["signature"].as_str().unwrap());
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update((payload.len() as u32).to_be_bytes());
        h.update(payload);
        h.update((sig.len() as u32).to_be_bytes());
        h.update(&sig);
        assert_eq!(hex::encode(h.finalize()), e["hash"].as_str().unwrap());
        // The signature verifies with the signer's enrolled key.
        let signer = e["content"]["signer"].as_str().unwrap();
        let key = claimtrail::keys::PublicKey::from_openssh(&keys[signer]).unwrap();
        let parsed = claimtrail::keys::parse_sig(&sig).unwrap();
        claimtrail::keys::verify(&key.verifying_key(), payload, &parsed)
            .unwrap_or_else(|err| panic!("entry {}: {err}", e["seq"]));
        prev = e["hash"].as_str().unwrap().to_string();
    }
    // The disputed casualty counts are there as relations.
    let rels: Vec<(String, String, String)> = doc["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["claim"].as_str().unwrap().into(),
                r["relation"].as_str().unwrap().into(),
                r["other"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(rels.contains(&("C1".into(), "contradicts".into(), "C2".into())));
    assert!(rels.contains(&("C4".into(), "corroborates".into(), "C1".into())));
    // Code-point spans: the quote at those characters of the source text.
    let text: Vec<char> = std::fs::read_to_string(FIXTURE).unwrap().chars().collect();
    for c in doc["claims"].as_array().unwrap() {
        let span = &doc["char_spans"][c["id"].as_str().unwrap()];
        let (s, e) = (
            span[0].as_u64().unwrap() as usize,
            span[1].as_u64().unwrap() as usize,
        );
        let q: String = text[s..e].iter().collect();
        assert_eq!(q, c["quote"].as_str().unwrap());
    }
}

#[test]
fn a_report_of_one_claim_brings_its_context() {
    let (w, db) = demo();
    let doc = json(report(&w, Some(&db), &["C2", "--format", "json"]).ok());
    assert_eq!(doc["scope"]["complete"], false);
    assert_eq!(doc["scope"]["requested"], serde_json::json!(["C2"]));
    // A list with commas, as --corroborates and --derived-from take one
    // (`report C1,C2` was "`C1,C2` is not an id").
    let two = json(report(&w, Some(&db), &["C2,C4", "--format", "json"]).ok());
    assert_eq!(two["scope"]["requested"], serde_json::json!(["C2", "C4"]));
    // An id given twice is in the scope once (it said "covers C2, C2, C4").
    let again = json(report(&w, Some(&db), &["C2", "c2", "C4,C2", "--format", "json"]).ok());
    assert_eq!(again["scope"]["requested"], serde_json::json!(["C2", "C4"]));
    let ids = |k: &str| ids_of(&doc, k);
    // C2, its annotation A2, A1 (C1 contradicts C2) and A3 (C4 corroborates
    // C2), the claims those are about, and their source.
    assert_eq!(
        ids("annotations"),
        ["A1", "A2", "A3"].map(String::from).into()
    );
    assert_eq!(ids("claims"), ["C1", "C2", "C4"].map(String::from).into());
    assert_eq!(ids("sources"), ["S1"].map(String::from).into());
    // The entries of those items, and the key entries to check signatures.
    let seqs: BTreeSet<u64> = entry_seqs(&doc).into_iter().collect();
    assert_eq!(seqs, [0, 1, 2, 3, 4, 5, 7, 12, 13, 14].into());
    // An annotation brings its claim and the claims it links, and a claim
    // every annotation of it: A5 replaced A4 (the same analyst's), and a
    // report of A4 alone showed A4 as her current verdict.
    for asked in ["A4", "A5"] {
        let doc = json(report(&w, Some(&db), &[asked, "--format", "json"]).ok());
        assert_eq!(doc["claims"].as_array().unwrap().len(), 1);
        assert_eq!(
            ids_of(&doc, "annotations"),
            ["A4", "A5"].map(String::from).into()
        );
        let a4 = &doc["annotations"][0];
        assert_eq!(
            (&a4["id"], &a4["superseded_by"]),
            (&"A4".into(), &"A5".into())
        );
    }
}

fn ids_of(doc: &Value, k: &str) -> BTreeSet<String> {
    doc[k]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn markdown_report_has_quotes_annotations_and_the_contradiction_table() {
    let (w, db) = demo();
    let md = report(&w, Some(&db), &["--format", "md"]).ok().to_string();
    assert!(md.starts_with("# Provenance report: newsroom.example/idlib-2022\n"));
    // No heading runs on from a list item (an annotation without a note
    // ended with no blank line).
    let runs_on = |md: &str| {
        let lines: Vec<&str> = md.lines().collect();
        lines
            .windows(2)
            .any(|w| w[0].starts_with("  - ") && w[1].starts_with('#'))
    };
    assert!(!runs_on(&md), "{md}");
    let bare = Work::with_claims();
    bare.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    let md2 = report(&bare, None, &["--format", "md"]).ok().to_string();
    assert!(!runs_on(&md2), "{md2}");
    let top: String = md.lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(top.contains("**Verified.** verify passed"), "{top}");
    assert!(md.contains("> **Checkpoint:** tree size 20, root "));
    assert!(
        md.contains("covers the whole log: 1 source, 9 claims, 6 annotations.\n>\n> This report says what claimtrail found on the desk's copy of the log when it made it; the report itself is not signed"),
        "{top}"
    );
    // The misattributed claim, retracted, and what replaced it.
    assert!(md.contains("### C9 — Syrian Civil Defense (White Helmets) (tweet) — RETRACTED\n"));
    assert!(md.contains("Misattributed: these are Al-Monitor's own words, not the White Helmets' tweet. (replaced by C4)"));
    // Each quote, in bold, in its context.
    assert!(md.contains("“**Seven civilians, including four children from one family, were killed, and 12 others, including eight children, were injured.** The Russian"));
    assert!(
        md.contains("**At least five children were killed and nine injured in the west of Idlib")
    );
    // Annotations with verdict, grades, signer, fingerprint, time, note.
    assert!(md.contains("- **A1**: verdict **disputed** — reliability **B** (usually reliable), credibility **3** (possibly true)"));
    assert!(md.contains("by Rana Haddad (`SHA256:"));
    assert!(md.contains("(superseded by A5)"));
    assert!(md.contains("> UNICEF counts at least five children killed"));
    // The table of claims that corroborate or contradict each other.
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("## Claims that corroborate or contradict"))
        .filter(|l| l.starts_with("| C"))
        .collect();
    assert_eq!(table.len(), 4, "{table:?}");
    // An analyst's paraphrase is marked as such, a quote is in quotation
    // marks: the two read alike, and a summary passed for the words said.
    assert!(table[0].starts_with("| C1 | Syrian Civil Defense (White Helmets) | 7 killed (4 children of one family), 12 injured (8 children) (paraphrase) | **contradicts** | C2 |"));
    assert!(table
        .iter()
        .any(|l| l.starts_with("| C4 |") && l.contains("**corroborates** | C2")));
    // Derivation: the source's hash, and the signers.
    assert!(md.contains("| sha256 | `3d1743578845"));
    assert!(md.contains("| Independent auditor | auditor |"));
    // `markdown`, in any case, is md; `--out -` is standard output.
    assert_eq!(report(&w, Some(&db), &["--format", "Markdown"]).ok(), md);
    assert_eq!(report(&w, Some(&db), &["--out", "-"]).ok(), md);
    assert!(!w.path("-").exists());
    // --json asks for JSON: a Markdown report is refused, the JSON one given.
    w.run_with(None, &[("CLAIMTRAIL_NOW", NOW)], &["--db", &db, "--json", "report"], None)
        .error("--json asks for JSON, and the report's format is md (hint: give --format json for the JSON report");
    let j = w.run_with(
        None,
        &[("CLAIMTRAIL_NOW", NOW)],
        &["--db", &db, "--json", "report", "--format", "json"],
        None,
    );
    assert!(j.ok().starts_with('{'), "{}", j.stdout);
    // The JSON-LD and PROV-JSON formats are JSON too: given (they were
    // refused with a hint that named them).
    for format in ["claimreview", "prov", "wa"] {
        let j = w.run_with(
            None,
            &[("CLAIMTRAIL_NOW", NOW)],
            &["--db", &db, "--json", "report", "--format", format],
            None,
        );
        let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
        assert!(v.is_object() || v.is_array(), "{format}: {v}");
    }
    // An entry's exact bytes are not JSON: refused beside --json (it was
    // ignored), with the command that gives them inside JSON.
    for what in ["--payload", "--signature"] {
        w.run(None, &["--db", &db, "--json", "log", "--seq", "3", what]).error(&format!(
            "error: --json asks for JSON, and {what} prints the entry's exact bytes (hint: drop --json for the bytes (as ssh-keygen -Y verify reads them), or drop {what}: `claimtrail --db {db} log --seq 3` gives the payload and the signature inside its JSON)"
        ));
    }
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["--db", &db, "log", "--seq", "3"]).ok()).unwrap();
    assert!(
        v["payload"].is_string() && v["signature"].is_string(),
        "{v}"
    );
}

#[test]
fn html_report_is_self_contained_with_an_svg_graph() {
    let (w, db) = demo();
    let out = w.path("report.html");
    let run = report(
        &w,
        Some(&db),
        &["--format", "html", "--out", out.to_str().unwrap()],
    );
    assert!(run.ok().starts_with("wrote "), "{}", run.stdout);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains(" src="), "no external or embedded assets");
    assert!(!html.contains("@import") && !html.contains("url(http"));
    // The only http reference is the link to the source's published URL.
    let links: Vec<&str> = html
        .match_indices("href=\"http")
        .map(|(i, _)| &html[i..i + 40])
        .collect();
    assert_eq!(links, ["href=\"https://www.al-monitor.com/origina"]);
    assert!(html.contains("<meta name=\"viewport\""));
    // The page is no proof of itself: the footer says where one is.
    assert!(
        html.contains("the page itself is not signed, and anyone can edit it.")
            && html.contains("<code>claimtrail verify-bundle --vkey</code>"),
        "{html}"
    );
    assert!(html.contains("@media print") && html.contains("@media (max-width"));
    // One node per source, claim and annotation; the legend; the edges.
    assert_eq!(html.matches("<svg").count(), 1);
    // Every id once (two arrowhead markers were written twice).
    let mut ids: Vec<&str> = html
        .match_indices(" id=\"")
        .map(|(i, _)| html[i + 5..].split('"').next().unwrap())
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "an id is used twice: {ids:?}");
    assert_eq!(html.matches("class=\"node source").count(), 1);
    assert_eq!(html.matches("class=\"node claim").count(), 9);
    assert_eq!(html.matches("class=\"node claim retracted\"").count(), 1);
    assert_eq!(html.matches("class=\"node annotation").count(), 6);
    assert_eq!(
        html.matches("class=\"node annotation superseded").count(),
        1
    );
    assert_eq!(html.matches("class=\"edge quote").count(), 9);
    assert_eq!(html.matches("class=\"edge assesses").count(), 6);
    assert_eq!(html.matches("class=\"edge contradicts").count(), 2);
    assert_eq!(html.matches("class=\"edge corroborates").count(), 2);
    assert!(html.contains("class=\"legend\"") && html.contains(">contradicts</text>"));
    // Status first, then the content.
    let status = html.find("class=\"status ok\"").unwrap();
    assert!(status < html.find("<svg").unwrap());
    assert!(html.contains("<mark>This cruel war on children needs to stop.</mark>"));
    assert!(html.contains("Claims that corroborate or contradict each other"));
}

#[test]
fn csv_report_is_rfc4180_with_one_row_per_claim() {
    let (w, db) = demo();
    let csv = report(&w, Some(&db), &["--format", "csv"]).ok().to_string();
    assert!(csv.ends_with("\r\n") && !csv.starts_with('\u{feff}'));
    let recs = csv_records(&csv);
    assert_eq!(recs.len(), 9);
    let c1 = &recs[0];
    assert_eq!(c1["log_verify"], "ok");
    assert_eq!(c1["claim"], "C1");
    assert_eq!(c1["source"], "S1");
    assert_eq!(c1["speaker"], "Syrian Civil Defense (White Helmets)");
    assert_eq!(c1["provenance"], "tweet");
    assert!(c1["quote"].starts_with("Seven civilians, including four children"));
    assert_eq!(c1["latest_verdicts"], "Rana Haddad: disputed (A1)");
    assert_eq!(c1["reliability"], "Rana Haddad: B");
    assert_eq!(c1["credibility"], "Rana Haddad: 3");
    assert!(
        c1["checkpoint"].starts_with("size 20 root "),
        "{}",
        c1["checkpoint"]
    );
    assert_eq!(c1["claim_retracted"], "no");
    assert!(
        recs[8]["claim_retracted"].starts_with("yes: by Rana Haddad at ")
            && recs[8]["claim_retracted"].ends_with(" (replaced by C4)"),
        "{}",
        recs[8]["claim_retracted"]
    );
    // The latest, not the superseded, verdict of C3; every annotation listed.
    assert_eq!(recs[2]["latest_verdicts"], "Rana Haddad: confirmed (A5)");
    assert_eq!(recs[2]["annotations"], "A4 A5");
    assert_eq!(recs[4]["latest_verdicts"], "");
    // Hashes equal the log's.
    let log = log_json(&w, Some(&db));
    for r in &recs {
        let seq: usize = r["claim_entry_seq"].parse().unwrap();
        assert_eq!(r["claim_entry_hash"], log[seq]["hash"].as_str().unwrap());
        assert_eq!(r["quote_sha256"].len(), 64);
    }
}

#[test]
fn claimreview_has_the_fields_fact_check_tools_need() {
    let (w, db) = demo();
    let doc = json(report(&w, Some(&db), &["--format", "claimreview"]).ok());
    assert_eq!(doc["@context"], "https://schema.org");
    let graph = doc["@graph"].as_array().unwrap();
    assert_eq!(graph[0]["@type"], "Dataset");
    assert!(graph[0]["description"]
        .as_str()
        .unwrap()
        .starts_with("verify passed"));
    // The log was last modified by its last entry, not when the report
    // was made (CLAIMTRAIL_NOW, which it said).
    let last = log_json(&w, Some(&db)).last().unwrap()["time"].clone();
    assert_eq!(graph[0]["dateModified"], last);
    assert_ne!(graph[0]["dateModified"], NOW);
    let reviews: Vec<&Value> = graph
        .iter()
        .filter(|n| n["@type"] == "ClaimReview")
        .collect();
    // One per analyst per annotated claim: C1, C2, C3 (A5, not the superseded A4), C4, C8.
    let ids: Vec<&str> = reviews
        .iter()
        .map(|r| r["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["A1", "A2", "A5", "A3", "A6"]);
    for r in &reviews {
        assert!(!r["claimReviewed"].as_str().unwrap().is_empty());
        let rating = &r["reviewRating"];
        assert_eq!(rating["@type"], "Rating");
        assert_eq!(rating["bestRating"], 5);
        assert_eq!(rating["worstRating"], 1);
        assert!(rating["ratingValue"].as_u64().unwrap() >= 1);
        assert!(rating["alternateName"].is_string());
        assert_eq!(r["author"]["@type"], "Person");
        assert_eq!(r["author"]["name"], "Rana Haddad");
        assert!(r["datePublished"].is_string());
        let item = &r["itemReviewed"];
        assert_eq!(item["@type"], "Claim");
        assert!(item["author"]["name"].is_string());
        assert_eq!(item["datePublished"], "2022-07-22");
        let first = &item["firstAppearance"];
        assert_eq!(first["@type"], "NewsArticle");
        assert!(first["url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.al-monitor.com/"));
        assert_eq!(first["publisher"]["name"], "Al-Monitor");
        assert_eq!(first["datePublished"], "2022-07-22");
        assert!(item["appearance"].is_array());
    }
    let by_id = |id: &str| reviews.iter().find(|r| r["identifier"] == id).unwrap();
    assert_eq!(by_id("A1")["reviewRating"]["ratingValue"], 3);
    assert_eq!(by_id("A1")["reviewRating"]["alternateName"], "Disputed");
    assert_eq!(by_id("A5")["reviewRating"]["alternateName"], "True");
    assert_eq!(by_id("A3")["reviewRating"]["ratingValue"], 4);
    assert_eq!(by_id("A6")["reviewRating"]["alternateName"], "Unproven");
    // The publisher speaking in its own name is an organisation.
    assert_eq!(
        by_id("A3")["itemReviewed"]["author"]["@type"],
        "Organization"
    );

    // An auditor's audit note is not the desk's review: the JSON report
    // has it, ClaimReview does not.
    let auditor = w.path("demo/auditor");
    let note = w.run(
        None,
        &[
            "--db",
            &db,
            "--key",
            auditor.to_str().unwrap(),
            "annotate",
            "C1",
            "--verdict",
            "confirmed",
            "--note",
            "audit: sampled",
        ],
    );
    assert_eq!(note.ok(), "A7\n");
    let all = json(report(&w, Some(&db), &["--format", "json"]).ok());
    assert!(all.to_string().contains("audit: sampled"), "{all}");
    let doc = json(report(&w, Some(&db), &["--format", "claimreview"]).ok());
    let ids: Vec<&str> = doc["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["@type"] == "ClaimReview")
        .map(|r| r["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["A1", "A2", "A5", "A3", "A6"]);
    // Nor does it colour C1 in the graph: its frame is the desk's disputed
    // (#9a6700), not the auditor's confirmed (#1a7f37).
    let html = report(&w, Some(&db), &["C1", "--format", "html"])
        .ok()
        .to_string();
    let node = html
        .split("id=\"node-C1\"")
        .nth(1)
        .and_then(|n| n.split("</g>").next())
        .unwrap_or_default();
    assert!(node.contains("stroke=\"#9a6700\""), "{node}");
}

#[test]
fn prov_json_relations_reference_declared_ids() {
    let (w, db) = demo();
    let doc = json(report(&w, Some(&db), &["--format", "prov"]).ok());
    let prefix = doc["prefix"].as_object().unwrap();
    for p in ["prov", "xsd", "ct", "log"] {
        assert!(prefix.contains_key(p), "prefix {p}");
    }
    let ids =
        |k: &str| -> BTreeSet<String> { doc[k].as_object().unwrap().keys().cloned().collect() };
    let (entities, agents, activities) = (ids("entity"), ids("agent"), ids("activity"));
    assert!(
        entities.contains("log:S1")
            && entities.contains("log:C8")
            && entities.contains("log:A1-assessment")
    );
    // Six assessments and the retraction of C9.
    assert_eq!(activities.len(), 7);
    assert!(activities.contains("log:C9-retraction"));
    assert_eq!(doc["entity"]["log:log"]["ct:verified"], true);
    assert_eq!(doc["entity"]["log:C1"]["prov:type"]["$"], "ct:Claim");
    // Every relation names declared ids in its PROV-JSON roles.
    type Fields<'a> = &'a [(&'a str, &'a BTreeSet<String>)];
    let roles: &[(&str, Fields)] = &[
        (
            "wasDerivedFrom",
            &[
                ("prov:generatedEntity", &entities),
                ("prov:usedEntity", &entities),
            ],
        ),
        (
            "wasAttributedTo",
            &[("prov:entity", &entities), ("prov:agent", &agents)],
        ),
        (
            "wasGeneratedBy",
            &[("prov:entity", &entities), ("prov:activity", &activities)],
        ),
        (
            "used",
            &[("prov:activity", &activities), ("prov:entity", &entities)],
        ),
        (
            "wasAssociatedWith",
            &[("prov:activity", &activities), ("prov:agent", &agents)],
        ),
    ];
    for (rel, fields) in roles {
        let items = doc[*rel].as_object().unwrap_or_else(|| panic!("no {rel}"));
        assert!(!items.is_empty());
        for (id, r) in items {
            assert!(id.starts_with("_:"));
            for (field, declared) in *fields {
                let v = r[*field]
                    .as_str()
                    .unwrap_or_else(|| panic!("{rel} {id} lacks {field}"));
                assert!(
                    declared.contains(v),
                    "{rel} {id}: {field} {v} is not declared"
                );
                assert!(prefix.contains_key(v.split(':').next().unwrap()));
            }
        }
    }
    // Claims are quotations of their source, attributed to their speaker.
    let quoted = doc["wasDerivedFrom"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["prov:type"]["$"] == "prov:Quotation" && r["prov:usedEntity"] == "log:S1")
        .count();
    assert_eq!(quoted, 9);
    let revision = doc["wasDerivedFrom"]
        .as_object()
        .unwrap()
        .values()
        .any(|r| {
            r["prov:type"]["$"] == "prov:Revision"
                && r["prov:generatedEntity"] == "log:A5-assessment"
                && r["prov:usedEntity"] == "log:A4-assessment"
        });
    assert!(revision);
    // The superseded assessment says so itself, and by which: it said
    // only `ct:superseded` (the link was on A5's side alone).
    let a4 = &doc["entity"]["log:A4-assessment"];
    assert_eq!(a4["ct:current"], false, "{a4}");
    assert_eq!(a4["ct:supersededBy"]["$"], "log:A5-assessment", "{a4}");
    assert_eq!(doc["entity"]["log:A5-assessment"]["ct:current"], true);
    // C9 was retracted and replaced by C4, recorded before it (entry 7,
    // C9 entry 18): not a revision, which PROV orders after what it
    // revises, but an alternate, and which one counts.
    let derivations = doc["wasDerivedFrom"].as_object().unwrap();
    assert!(!derivations
        .values()
        .any(|r| r["prov:usedEntity"] == "log:C9"));
    let alternates: Vec<&Value> = doc["alternateOf"].as_object().unwrap().values().collect();
    assert_eq!(
        alternates,
        [&serde_json::json!({"prov:alternate1": "log:C9", "prov:alternate2": "log:C4"})]
    );
    assert_eq!(doc["entity"]["log:C9"]["ct:replacedBy"]["$"], "log:C4");
    assert_eq!(doc["entity"]["log:C9"]["ct:retracted"], true);
    let contradicts = doc["used"].as_object().unwrap().values().any(|u| {
        u["prov:activity"] == "log:A1"
            && u["prov:entity"] == "log:C2"
            && u["prov:role"]["$"] == "ct:contradicts"
    });
    assert!(contradicts);
}

#[test]
fn web_annotations_select_quotes_by_code_points() {
    let (w, db) = demo();
    let doc = json(report(&w, Some(&db), &["--format", "wa"]).ok());
    assert_eq!(doc["@context"], "http://www.w3.org/ns/anno.jsonld");
    assert_eq!(doc["type"], "AnnotationCollection");
    assert!(doc["label"].as_str().unwrap().contains("verify passed"));
    let items = doc["first"]["items"].as_array().unwrap();
    assert_eq!(doc["total"], items.len());
    // The page has its own IRI and names its collection (it had neither).
    let collection = "urn:claimtrail:newsroom.example/idlib-2022:annotations";
    assert_eq!(doc["id"], collection);
    assert_eq!(doc["first"]["id"], format!("{collection}/page1"));
    assert_eq!(doc["first"]["partOf"], collection);
    assert_eq!(doc["last"], doc["first"]["id"]);
    let text: Vec<char> = std::fs::read_to_string(FIXTURE).unwrap().chars().collect();
    let claims: Vec<&Value> = items
        .iter()
        .filter(|a| a["motivation"] == "highlighting")
        .collect();
    assert_eq!(claims.len(), 9);
    // The claims each highlight annotation identifies, by the claim's IRI.
    let mut ids = BTreeSet::new();
    for a in &claims {
        assert_eq!(a["type"], "Annotation");
        let claim = a["body"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["purpose"] == "identifying" && b["type"] == "SpecificResource")
            .unwrap()["source"]
            .as_str()
            .unwrap()
            .to_string();
        // Its own IRI, not the claim's (merged with ClaimReview or PROV,
        // one node was both a claim and an annotation).
        assert_eq!(a["id"].as_str().unwrap(), format!("{claim}/highlight"));
        ids.insert(claim);
        let t = &a["target"];
        assert!(t["source"]["id"]
            .as_str()
            .unwrap()
            .starts_with("ni:///sha-256;"));
        assert!(t["scope"].as_str().unwrap().starts_with("https://"));
        let sel = t["selector"].as_array().unwrap();
        let quote = sel
            .iter()
            .find(|s| s["type"] == "TextQuoteSelector")
            .unwrap();
        let pos = sel
            .iter()
            .find(|s| s["type"] == "TextPositionSelector")
            .unwrap();
        let (s, e) = (
            pos["start"].as_u64().unwrap() as usize,
            pos["end"].as_u64().unwrap() as usize,
        );
        let exact: String = text[s..e].iter().collect();
        assert_eq!(exact, quote["exact"].as_str().unwrap());
        let prefix: String = text[s - quote["prefix"].as_str().unwrap().chars().count()..s]
            .iter()
            .collect();
        assert_eq!(prefix, quote["prefix"].as_str().unwrap());
        let suffix = quote["suffix"].as_str().unwrap();
        let after: String = text[e..e + suffix.chars().count()].iter().collect();
        assert_eq!(after, suffix);
    }
    // The fixture has multi-byte characters before the quotes: positions
    // in code points differ from claimtrail's byte offsets.
    let c2 = json(w.run(None, &["--db", &db, "--json", "show", "C2"]).ok());
    let c2_wa = claims
        .iter()
        .find(|a| a["id"].as_str().unwrap().ends_with(":C2/highlight"))
        .unwrap();
    let pos = c2_wa["target"]["selector"][1]["start"].as_u64().unwrap();
    assert!(pos < c2["claim"]["start"].as_u64().unwrap());
    let assessing: Vec<&Value> = items
        .iter()
        .filter(|a| a["motivation"] == "assessing")
        .collect();
    assert_eq!(assessing.len(), 6);
    for a in &assessing {
        assert!(
            ids.contains(a["target"].as_str().unwrap()),
            "targets a claim that a highlight identifies"
        );
        let body = a["body"].as_array().unwrap();
        assert!(body
            .iter()
            .any(|b| b["purpose"] == "assessing" && b["type"] == "TextualBody"));
        assert!(a["creator"]["name"].is_string() && a["created"].is_string());
    }
    let a1 = assessing
        .iter()
        .find(|a| a["id"].as_str().unwrap().ends_with(":A1"))
        .unwrap();
    assert!(a1["body"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["purpose"] == "linking" && b["source"].as_str().unwrap().ends_with(":C2")));
    // A4, superseded by A5, says so itself (it carried nothing; only A5
    // had the tag `supersedes A4`).
    let by_id = |id: &str| {
        *assessing
            .iter()
            .find(|a| a["id"].as_str().unwrap().ends_with(&format!(":{id}")))
            .unwrap()
    };
    let tags = |a: &Value| -> Vec<String> {
        a["body"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["purpose"] == "tagging")
            .map(|b| b["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(tags(by_id("A4")), ["not current", "superseded by A5"]);
    assert!(by_id("A4")["dcterms:isReplacedBy"]["id"]
        .as_str()
        .unwrap()
        .ends_with(":A5"));
    assert!(by_id("A5")["dcterms:replaces"]["id"]
        .as_str()
        .unwrap()
        .ends_with(":A4"));
    assert!(!tags(by_id("A5")).contains(&"not current".to_string()));

    // One IRI, one kind of thing across the three linked-data formats: a
    // claim's IRI names the claim (ClaimReview's itemReviewed, PROV's
    // entity), never an annotation.
    let annotation_ids: BTreeSet<String> = items
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let reviews = json(report(&w, Some(&db), &["--format", "claimreview"]).ok());
    for node in reviews["@graph"].as_array().unwrap().iter().skip(1) {
        let claim = node["itemReviewed"]["@id"].as_str().unwrap();
        assert!(ids.contains(claim), "{claim}");
        assert!(!annotation_ids.contains(claim), "{claim}");
    }
    let prov = json(report(&w, Some(&db), &["--format", "prov"]).ok());
    let namespace = prov["prefix"]["log"].as_str().unwrap();
    for (id, e) in prov["entity"].as_object().unwrap() {
        if e["prov:type"]["$"] == "ct:Claim" {
            let iri = format!("{namespace}{}", id.strip_prefix("log:").unwrap());
            assert!(
                ids.contains(&iri) && !annotation_ids.contains(&iri),
                "{iri}"
            );
        }
    }
}

/// An analyst who annotates a claim again without --supersedes replaces
/// her earlier annotation: the log no longer counts it (`list
/// annotations`: "not current: A2"; the JSON report's `replaced_by`).
/// PROV said `ct:superseded` false and nothing else; Web Annotation gave
/// two live `assessing` annotations with nothing marking the first.
#[test]
fn an_annotation_replaced_without_supersedes_is_not_current_in_prov_and_wa() {
    let w = Work::with_claims();
    // with_claims' A1: C1 disputed. The same analyst, later: false.
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    let doc = json(report(&w, None, &["--format", "json"]).ok());
    assert_eq!(doc["annotations"][0]["replaced_by"], "A2");
    assert_eq!(doc["verdicts"]["C1"], serde_json::json!(["false"]));

    let prov = json(report(&w, None, &["--format", "prov"]).ok());
    let a1 = &prov["entity"]["log:A1-assessment"];
    assert_eq!(a1["ct:current"], false, "{a1}");
    assert_eq!(a1["ct:superseded"], false, "{a1}");
    assert_eq!(a1["ct:replacedBy"]["$"], "log:A2-assessment", "{a1}");
    assert_eq!(
        a1["prov:label"],
        "C1 disputed (not current: replaced by A2)"
    );
    let a2 = &prov["entity"]["log:A2-assessment"];
    assert_eq!(a2["ct:current"], true, "{a2}");
    assert!(a2.get("ct:replacedBy").is_none(), "{a2}");

    let wa = json(report(&w, None, &["--format", "wa"]).ok());
    let items = wa["first"]["items"].as_array().unwrap();
    let find = |id: &str| {
        items
            .iter()
            .find(|a| a["id"].as_str().unwrap().ends_with(&format!(":{id}")))
            .unwrap()
    };
    let values = |a: &Value, purpose: &str| -> Vec<String> {
        a["body"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["purpose"] == purpose && b["type"] == "TextualBody")
            .map(|b| b["value"].as_str().unwrap().to_string())
            .collect()
    };
    let a1 = find("A1");
    assert_eq!(
        values(a1, "tagging"),
        ["contradicts C2", "not current", "replaced by A2"]
    );
    assert!(values(a1, "commenting")
        .contains(&"not current: A2, appended later by the same person, counts instead".into()));
    assert!(a1["dcterms:isReplacedBy"]["id"]
        .as_str()
        .unwrap()
        .ends_with(":A2"));
    let a2 = find("A2");
    assert!(values(a2, "tagging").is_empty(), "{a2}");
    assert!(a2.get("dcterms:isReplacedBy").is_none());
}

/// A quote claimed in a passage that the text repeats: the Web Annotation
/// TextQuoteSelector's prefix + exact + suffix occurs once in the text,
/// where the position selector points (a client anchoring by the quote
/// landed on the first copy, `--occurrence 2` claimed the second); when
/// no context of up to 1,024 characters a side tells the copies apart,
/// the quote selector is left out and the position stands alone.
#[test]
fn web_annotation_quote_selectors_tell_repeated_passages_apart() {
    let w = Work::with_team();
    let short = "Officials said the crossing would stay closed until further notice, they added.";
    let long = format!(
        "{} The port would stay shut, a spokesman said. {}",
        "Talks went on. ".repeat(80),
        "Nothing changed. ".repeat(80)
    );
    let text = format!(
        "{short}

{short}

{short}

{long}

{long}

{long}
"
    );
    std::fs::write(w.path("repeated.txt"), &text).unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "repeated.txt", "--kind", "article"],
    )
    .ok();
    for (quote, occurrence) in [
        ("the crossing would stay closed", "2"),
        ("The port would stay shut", "2"),
    ] {
        w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--speaker",
                "Officials",
                "--provenance",
                "statement",
                "--quote",
                quote,
                "--occurrence",
                occurrence,
            ],
        )
        .ok();
    }
    let wa = json(report(&w, None, &["--format", "wa"]).ok());
    let items = wa["first"]["items"].as_array().unwrap();
    let chars: Vec<char> = text.chars().collect();
    let selectors = |claim: &str| {
        items
            .iter()
            .find(|a| {
                a["id"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(":{claim}/highlight"))
            })
            .unwrap()["target"]["selector"]
            .as_array()
            .unwrap()
            .clone()
    };
    let c1 = selectors("C1");
    let quote = c1
        .iter()
        .find(|s| s["type"] == "TextQuoteSelector")
        .unwrap();
    let position = c1
        .iter()
        .find(|s| s["type"] == "TextPositionSelector")
        .unwrap();
    let (prefix, exact, suffix) = (
        quote["prefix"].as_str().unwrap(),
        quote["exact"].as_str().unwrap(),
        quote["suffix"].as_str().unwrap(),
    );
    let whole = format!("{prefix}{exact}{suffix}");
    assert_eq!(text.matches(&whole).count(), 1, "{whole:?}");
    let found = text[..text.find(&whole).unwrap()].chars().count() + prefix.chars().count();
    assert_eq!(position["start"].as_u64().unwrap() as usize, found);
    let start = found;
    assert_eq!(
        chars[start..start + exact.chars().count()]
            .iter()
            .collect::<String>(),
        exact
    );
    // The second copy of the short paragraph, not the first.
    assert!(start > short.chars().count() && start < 2 * short.chars().count() + 4);
    // The long passage: no context within the bound is unique.
    let c2 = selectors("C2");
    assert_eq!(c2.len(), 1, "{c2:?}");
    assert_eq!(c2[0]["type"], "TextPositionSelector");
}

const SCRIPT: &str = "<script>alert(1)</script>";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

#[test]
fn hostile_text_is_escaped_or_neutralised_in_every_format() {
    let w = Work::with_claims();
    let text = format!("Breaking: {SCRIPT} says the minister. `code` | pipe\n");
    let title = format!("{SCRIPT} & <b>bold</b>");
    let out = w.run_with(
        Some("analyst"),
        &[],
        &[
            "source",
            "add",
            "-",
            "--kind",
            "tweet",
            "--title",
            &title,
            "--publisher",
            FORMULA,
        ],
        Some(text.as_bytes()),
    );
    assert_eq!(out.ok().trim(), "S2");
    // A speaker the commands refuse (control characters), as a log
    // written otherwise holds it.
    let speaker = "\u{1b}[31mThe \u{202e}minister\u{1b}[0m";
    let at = text.find(SCRIPT).unwrap();
    assert_eq!(
        w.claim_unchecked("analyst", "S2", (at, at + SCRIPT.len()), speaker),
        "C3"
    );
    let note = format!("{SCRIPT}\n{FORMULA}\n# not a heading\n| not | a table |");
    w.run(
        Some("analyst"),
        &["annotate", "C3", "--verdict", "false", "--note", &note],
    )
    .ok();

    let html = report(&w, None, &["--format", "html"]).ok().to_string();
    assert!(
        !html.to_lowercase().contains("<script"),
        "a script tag got through"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
    assert!(!html.contains('\u{1b}') && !html.contains('\u{202e}'));
    assert!(html.contains("\\u{202e}minister"));
    assert!(html.contains("Content-Security-Policy"));

    let md = report(&w, None, &["--format", "md"]).ok().to_string();
    assert!(!md.contains("<script") && !md.contains("<b>"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.contains("> \\# not a heading"));
    assert!(md.contains("\\| not \\| a table \\|"));
    assert!(md.contains("\\`code\\` \\| pi"));
    assert!(!md.contains('\u{1b}') && !md.contains('\u{202e}'));

    let csv = report(&w, None, &["--format", "csv"]).ok().to_string();
    let recs = csv_records(&csv);
    let c3 = recs.iter().find(|r| r["claim"] == "C3").unwrap();
    assert_eq!(c3["source_publisher"], format!("'{FORMULA}"));
    assert_eq!(c3["quote"], SCRIPT);
    assert_eq!(c3["latest_verdicts"], "Rana Haddad: false (A2)");
    for r in &recs {
        for (k, v) in r {
            assert!(
                !v.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{k} = {v:?} would run as a formula"
            );
        }
    }

    // JSON formats keep the exact text, escaped only as JSON.
    let doc = json(report(&w, None, &["--format", "json"]).ok());
    let s2 = doc["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "S2")
        .unwrap();
    assert_eq!(s2["title"], title);
    assert_eq!(s2["publisher"], FORMULA);
    let c3 = doc["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "C3")
        .unwrap();
    assert_eq!(c3["speaker"], speaker);
    for f in ["claimreview", "prov", "wa"] {
        let out = report(&w, None, &["--format", f]).ok().to_string();
        let v = json(&out);
        assert!(out.contains("\\u001b"), "{f}: ESC must be JSON-escaped");
        assert!(v.to_string().contains(SCRIPT), "{f}: the text is kept");
    }
}

/// A quote recorded with the speaker's own marks is shown in them alone:
/// `show` and the reports wrapped it in a second pair (`““…””`; red team
/// N, 7).
#[test]
fn a_quote_with_its_own_marks_is_not_wrapped_again() {
    let w = Work::with_claims();
    let r = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "“This cruel war on children needs to stop.”",
            "--speaker",
            "Save the Children",
            "--provenance",
            "statement",
        ],
    );
    assert_eq!(r.ok_noted(), "C3\n");
    let shown = w.run(None, &["show", "S1"]).ok().to_string();
    assert!(
        shown.contains("via statement: “This cruel war on children needs to stop.” (")
            && !shown.contains("““"),
        "{shown}"
    );
    w.run(
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "disputed",
            "--corroborates",
            "C3",
        ],
    )
    .ok();
    for format in ["md", "html"] {
        let out = report(&w, None, &["--format", format]).ok().to_string();
        assert!(
            !out.contains("““") && out.contains("“This cruel war"),
            "{format}: {out}"
        );
    }
}

#[test]
fn redacted_source_renders_as_redacted() {
    let w = Work::with_claims();
    // Another, public source repeats C2's words, claimed and judged there.
    std::fs::write(
        w.path("wire.txt"),
        "The agency repeated: At least five children were killed and nine injured, it said.",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "wire.txt", "--kind", "news_agency"],
    )
    .ok();
    let c3 = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S2",
            "--quote",
            "At least five children were killed and nine injured",
            "--speaker",
            "Adele Khodr, UNICEF",
            "--provenance",
            "news_agency",
        ],
    );
    assert_eq!(c3.ok(), "C3\n");
    w.run(
        Some("analyst"),
        &["annotate", "C3", "--verdict", "confirmed"],
    )
    .ok();
    let r = w.run(
        Some("admin"),
        &[
            "source",
            "redact",
            "S1",
            "--reason",
            "protects a named minor",
        ],
    );
    // What stays signed is said, with the claims (red teams T F1, U F1).
    assert_eq!(r.ok_noted().lines().count(), 1, "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "note: 2 claims of S1 (C1, C2) keep their speakers, their paraphrases where they have one, their quotes' hashes and spans, and up to 32 characters of the text on each side of each quote in their signed entries, which no redaction removes: reports, bundles and publications show them\n"
    );
    let md = report(&w, None, &["--format", "md"]).ok().to_string();
    assert!(md.contains("Quotes of its claims are not shown; each claim's signed quote hash and span stay, and would confirm a guessed quote."));
    assert!(md.contains("> **REDACTED** by"));
    assert!(md.contains("protects a named minor"));
    assert!(md.contains("*Quote unavailable: the source was redacted."));
    assert!(!md.contains("four children from one family"));
    let html = report(&w, None, &["--format", "html"]).ok().to_string();
    assert!(html.contains("<strong>REDACTED</strong>") && html.contains("protects a named minor"));
    assert!(html.contains("class=\"node source redacted\""));
    assert!(!html.contains("four children from one family"));
    let csv = report(&w, None, &["--format", "csv"]).ok().to_string();
    for r in csv_records(&csv)
        .into_iter()
        .filter(|r| r["source"] == "S1")
    {
        assert_eq!(r["quote"], "(unavailable: source redacted)");
        assert!(r["source_redacted"].starts_with("yes: by"));
    }
    let doc = json(report(&w, None, &["--format", "json"]).ok());
    let s1 = &doc["sources"][0];
    assert_eq!(s1["redaction"]["reason"], "protects a named minor");
    assert_eq!(s1["sha256"].as_str().unwrap().len(), 64);
    // Nor the 32 characters around each quote, the redacted text's own
    // words (the signed payload keeps them; no view repeats them).
    for c in doc["claims"].as_array().unwrap() {
        let redacted = c["source"] == "S1";
        for field in ["quote", "prefix", "suffix"] {
            assert_eq!(c[field].is_null(), redacted, "{c}");
        }
    }
    for args in [&["show", "C1"][..], &["list", "claims"]] {
        let out = w.run(None, &[&["--json"], args].concat()).ok().to_string();
        assert!(
            !out.contains("four children from one family") && !out.contains("The Syrian Civil"),
            "{out}"
        );
    }
    assert_eq!(doc["char_spans"].as_object().unwrap().len(), 1);
    let wa = json(report(&w, None, &["--format", "wa"]).ok());
    for a in wa["first"]["items"].as_array().unwrap() {
        if a["motivation"] == "highlighting"
            && !a["id"].as_str().unwrap().ends_with(":C3/highlight")
        {
            // No selector at all: a TextQuoteSelector must have its
            // `exact`, which a redacted source no longer has.
            assert!(a["target"].get("selector").is_none(), "{a}");
            assert!(a["target"]["source"]["id"]
                .as_str()
                .unwrap()
                .starts_with("ni:///sha-256;"));
        }
    }
    // No ClaimReview of a quote that is gone (there is no paraphrase);
    // and the public source's review does not name the redacted source
    // among the places its words appear (that said the redacted text held
    // them, word for word).
    let cr = json(report(&w, None, &["--format", "claimreview"]).ok());
    let graph = cr["@graph"].as_array().unwrap();
    let reviews: Vec<&Value> = graph
        .iter()
        .filter(|n| n["@type"] == "ClaimReview")
        .collect();
    assert_eq!(reviews.len(), 1, "{cr}");
    assert_eq!(reviews[0]["identifier"], "A2");
    let appearances = reviews[0]["itemReviewed"]["appearance"].as_array().unwrap();
    assert_eq!(appearances.len(), 1, "{cr}");
    assert!(appearances[0]["@id"].as_str().unwrap().ends_with(":S2"));
    assert!(!cr.to_string().contains("unavailable"), "{cr}");
    let prov = json(report(&w, None, &["--format", "prov"]).ok());
    assert_eq!(prov["entity"]["log:S1"]["ct:redacted"], true);
    assert!(prov["entity"]["log:C1"].get("prov:value").is_none());
}

#[test]
fn a_tampered_log_is_reported_as_failing_verify_first() {
    let w = Work::with_claims();
    w.sql("UPDATE claims SET speaker = 'x' WHERE id = 1");
    let md = report(&w, None, &["--format", "md"]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    let second = md.stdout.lines().nth(2).unwrap();
    assert!(
        second.starts_with("> **VERIFY FAILED: 1 problem found in the log of "),
        "{second}"
    );
    assert!(md.stdout.contains("## Problems found by verify"));
    assert!(md.stdout.contains("entry 4 (claim.add C1): projection:"));
    let html = report(&w, None, &["--format", "html"]);
    assert_eq!(html.code, 1);
    let status = html.stdout.find("class=\"status failed\"").unwrap();
    assert!(status < html.stdout.find("<svg").unwrap());
    assert!(html.stdout.contains("VERIFY FAILED"));
    let doc = json(&report(&w, None, &["--format", "json"]).stdout);
    assert_eq!(doc["verify"]["ok"], false);
    assert!(doc["summary"][0]
        .as_str()
        .unwrap()
        .starts_with("VERIFY FAILED"));
    assert_eq!(doc["verify"]["problems"][0]["check"], "projection");
    let csv = report(&w, None, &["--format", "csv"]);
    assert_eq!(csv.code, 1);
    for r in csv_records(&csv.stdout) {
        assert_eq!(r["log_verify"], "FAILED: 1 problem(s)");
    }
    // With no claim row to carry the mark (the claims' rows deleted, which
    // is itself the tampering), one row says so: the header alone read as
    // a log with no claims (red-team, session 62).
    let gone = w.path("gone.db");
    std::fs::copy(&w.db, &gone).unwrap();
    let conn = rusqlite::Connection::open(&gone).unwrap();
    conn.execute_batch("DELETE FROM claims").unwrap();
    drop(conn);
    let csv = w.run(
        None,
        &["--db", gone.to_str().unwrap(), "report", "--format", "csv"],
    );
    assert_eq!(csv.code, 1, "{}", csv.stderr);
    let rows = csv_records(&csv.stdout);
    assert_eq!(rows.len(), 1, "{}", csv.stdout);
    assert!(
        rows[0]["log_verify"].starts_with("FAILED: "),
        "{}",
        csv.stdout
    );
    assert_eq!(rows[0]["claim"], "(no claim in this report)");
    assert_eq!(rows[0]["quote"], "");
    // The linked-data formats are embedded node by node, and only their
    // first node says verify failed: they give that node and no item (a
    // forged verdict was a ready-to-embed review under the analyst's name).
    w.sql("UPDATE annotations SET verdict = 'confirmed' WHERE id = 1");
    for f in ["claimreview", "prov", "wa"] {
        let run = report(&w, None, &["--format", f]);
        assert_eq!(run.code, 1);
        assert!(run.stdout.contains("VERIFY FAILED"), "{f}");
        for item in ["A1", "C1", "S1", "Rana Haddad", "confirmed", "True"] {
            assert!(!run.stdout.contains(item), "{f}: {item} in {}", run.stdout);
        }
    }
    let cr = json(&report(&w, None, &["--format", "claimreview"]).stdout);
    assert_eq!(cr["@graph"].as_array().unwrap().len(), 1, "{cr}");
    // A column written with another type than the report reads: the
    // report is still written, with verify's problems and the reason its
    // items are not shown (it was exit 2 and no report).
    w.sql("UPDATE claims SET speaker = CAST(speaker AS BLOB) WHERE id = 2");
    for f in ["md", "json"] {
        let run = report(&w, None, &["--format", f]);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (1, ""),
            "{f}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("VERIFY FAILED"), "{f}: {}", run.stdout);
        assert!(
            run.stdout
                .contains("the report cannot read the items it would show from the log's tables (")
                && run.stdout.contains("so it shows verify's problems only"),
            "{f}: {}",
            run.stdout
        );
    }
}

/// A source's URL is a link that goes where the URL goes, shown as it is:
/// written as prose, `_` and `&` became `\_` and `&amp;` inside the link
/// that Markdown renderers make of it. Line breaks in one-line fields are
/// shown as `\n`, not turned into spaces.
#[test]
fn markdown_links_a_source_url_as_it_is_and_shows_line_breaks() {
    let w = Work::with_team();
    let url = "https://www.example.com/news/bridge_reopens_2022?id=7&ref=rss%7Cx";
    w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "article", "--url", url],
        Some(b"The bridge reopened on Monday."),
    )
    .ok();
    // A line break in a one-line field, which the commands refuse, as a
    // log written otherwise holds it.
    w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "article", "--publisher", "Al-Monitor\nSputnik"],
        Some(b"Another day."),
    )
    .error("error: the publisher Al-Monitor\\nSputnik holds U+000A, a line break, and the publisher is one line (hint: type the publisher again without it)");
    w.source_unchecked("analyst", b"Another day.", "t", "Al-Monitor\nSputnik");
    let md = report(&w, None, &["--format", "md"]).ok().to_string();
    assert!(
        md.contains(
            "| url | <https://www.example.com/news/bridge_reopens_2022?id=7&ref=rss%7Cx> |\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("| publisher | Al-Monitor\\\\nSputnik |\n"),
        "{md}"
    );
    // Another scheme is a code span: exact, and never made a link.
    w.source_at("urn:x-wire:afp_2022%7C7", b"Another text.")
        .ok();
    let md = report(&w, None, &["--format", "md"]).ok().to_string();
    assert!(md.contains("| url | `urn:x-wire:afp_2022%7C7` |\n"), "{md}");
    // ftp is a server's address, but not the web's: text too, in both
    // readable formats (it was a link in each).
    w.source_at("ftp://ftp.example.org/f.txt", b"A file on a server.")
        .ok();
    let md = report(&w, None, &["--format", "md"]).ok().to_string();
    assert!(
        md.contains("| url | `ftp://ftp.example.org/f.txt` |\n"),
        "{md}"
    );
    let html = report(&w, None, &["--format", "html"]).ok().to_string();
    assert!(
        html.contains("<dt>url</dt><dd>ftp://ftp.example.org/f.txt</dd>"),
        "{html}"
    );
    assert!(!html.contains("href=\"ftp:"), "{html}");
}

#[test]
fn report_errors_exit_2_with_one_line() {
    let w = Work::with_claims();
    report(&w, None, &["C9", "--format", "md"]).error("no claim C9");
    report(&w, None, &["S1", "X1", "--format", "md"]).error("`X1` is not an id");
    let dir = w.path("reports");
    std::fs::create_dir(&dir).unwrap();
    report(
        &w,
        None,
        &["--format", "html", "--out", dir.to_str().unwrap()],
    )
    .error("is a directory");
    let missing = w.path("nowhere/report.md");
    report(
        &w,
        None,
        &["--format", "md", "--out", missing.to_str().unwrap()],
    )
    .error("does not exist");
    assert!(!missing.exists());
    let db = w.db.to_str().unwrap().to_string();
    let before = w.db_bytes();
    report(&w, None, &["--format", "md", "--out", &db]).error("is the log's database");
    assert_eq!(w.db_bytes(), before);
    // Nor SQLite's files beside it, which need not exist yet: SQLite makes
    // the -wal as the report's own connection opens, and deleted the
    // report renamed over it when the connection closed (exit 0, no file).
    for suffix in ["-wal", "-journal", "-shm"] {
        let beside = format!("{db}{suffix}");
        assert!(!std::path::Path::new(&beside).exists());
        report(&w, None, &["--format", "md", "--out", &beside]).error(&format!(
            "{beside} is the log's SQLite {suffix} file, which the report would replace (hint: write the report to another file)"
        ));
    }
    assert_eq!(w.db_bytes(), before);
    // Nor through a link to one of them that does not exist yet: the
    // report said "wrote desk-report.md", renamed onto the -wal that its
    // own connection had just made, which SQLite deleted on closing.
    let link = w.path("desk-report.md");
    std::os::unix::fs::symlink(format!("{db}-wal"), &link).unwrap();
    report(&w, None, &["--format", "md", "--out", link.to_str().unwrap()]).error(&format!(
        "{} is the log's SQLite -wal file, which the report would replace (hint: write the report to another file)",
        link.display()
    ));
    assert_eq!(w.db_bytes(), before);
    std::fs::remove_file(&link).unwrap();
    // Nor over a loop of links, which it replaced with the report.
    std::os::unix::fs::symlink("loop-b", w.path("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", w.path("loop-b")).unwrap();
    report(&w, None, &["--format", "md", "--out", w.path("loop-a").to_str().unwrap()])
        .error("loop-a is a symbolic link that leads nowhere a file can be written (a loop of links, or a directory that does not exist) (hint: write the report to another file, or point the link at one)");
    assert!(std::fs::symlink_metadata(w.path("loop-a"))
        .unwrap()
        .file_type()
        .is_symlink());
    // A file replaced keeps its permissions: a private report stays so.
    {
        use std::os::unix::fs::PermissionsExt;
        let private = w.path("internal.md");
        std::fs::write(&private, "draft").unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
        report(
            &w,
            None,
            &["C1", "--format", "md", "--out", private.to_str().unwrap()],
        )
        .ok();
        let meta = std::fs::metadata(&private).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert!(std::fs::read_to_string(&private).unwrap().contains("C1"));
        // One marked read-only is not replaced: the rename needs only the
        // directory's permission, and an archived report was lost.
        let archived = w.path("final.md");
        std::fs::write(&archived, "ARCHIVED").unwrap();
        std::fs::set_permissions(&archived, std::fs::Permissions::from_mode(0o444)).unwrap();
        report(
            &w,
            None,
            &["C1", "--format", "md", "--out", archived.to_str().unwrap()],
        )
        .error(&format!(
            "error: {} is read-only (mode 444), and is not replaced (hint: write the report to another file, or make it writable first (`chmod u+w {}`) if it is to be replaced)",
            archived.display(),
            archived.display()
        ));
        assert_eq!(std::fs::read_to_string(&archived).unwrap(), "ARCHIVED");
    }
    // Nor a private key (the analyst's own, named by mistake) or another
    // log: what they hold is worth more than any report.
    let other = Work::with_claims();
    let key = w.path("analyst");
    let key_bytes = std::fs::read(&key).unwrap();
    for (path, holds) in [
        (key.clone(), "holds an OpenSSH private key, which the report would replace (hint: write the report to another file)"),
        (other.db.clone(), "holds an SQLite database, which the report would replace"),
    ] {
        report(&w, None, &["--format", "md", "--out", path.to_str().unwrap()]).error(holds);
    }
    assert_eq!(std::fs::read(&key).unwrap(), key_bytes);
    let bad = report(&w, None, &["--format", "pdf"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.is_empty());
    // Without --format, the readable Markdown report.
    let md = report(&w, None, &["--format", "md"]);
    assert_eq!(report(&w, None, &[]).ok(), md.ok());
    // Nothing half-written: the directory holds no temporary file.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn out_file_holds_exactly_what_stdout_would() {
    let w = Work::with_claims();
    for f in ["md", "html", "json", "csv", "claimreview", "prov", "wa"] {
        let stdout = report(&w, None, &["--format", f]).ok().to_string();
        let path = w.path(&format!("r.{f}"));
        std::fs::write(&path, "old contents").unwrap();
        // It says what it wrote, as export --out does.
        assert_eq!(
            report(&w, None, &["--format", f, "--out", path.to_str().unwrap()]).ok(),
            format!(
                "wrote {} ({f} report, {} bytes; the log verified)\n",
                path.display(),
                claimtrail::text::grouped(stdout.len() as u64)
            )
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), stdout, "{f}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    // A new report file gets the permissions any new file gets (umask), not 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let probe = w.path("probe");
        std::fs::write(&probe, "x").unwrap();
        let fresh = w.path("fresh.html");
        report(
            &w,
            None,
            &["--format", "html", "--out", fresh.to_str().unwrap()],
        )
        .ok();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), mode(&probe));
    }
}

#[test]
fn reports_are_anchored_to_the_latest_checkpoint_with_proofs_that_verify() {
    use claimtrail::hash::Hash;
    let w = Work::with_claims();
    // Before any checkpoint, every format says so.
    let r: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "--format", "json"]).ok()).unwrap();
    assert_eq!(r["checkpoint"], Value::Null);
    assert!(r["summary"][1]
        .as_str()
        .unwrap()
        .contains("no checkpoint yet"));
    assert!(r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["inclusion_proof"].is_null()));
    assert!(w.run(None, &["report"]).ok().contains("no checkpoint yet"));
    let csv = w.run(None, &["report", "--format", "csv"]).ok().to_string();
    assert!(csv_records(&csv)
        .iter()
        .all(|r| r["checkpoint"] == "none yet"));
    w.run(Some("admin"), &["checkpoint"]).ok();
    let later = w
        .run(
            Some("analyst"),
            &["annotate", "C2", "--verdict", "disputed"],
        )
        .ok()
        .trim()
        .to_string();
    let r: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "--format", "json"]).ok()).unwrap();
    let size = r["checkpoint"]["size"].as_u64().unwrap();
    assert_eq!(size, 7);
    let root = Hash::from_hex(r["checkpoint"]["root"].as_str().unwrap()).unwrap();
    let proven = r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| proven_in(e, size, &root))
        .count();
    assert!(proven >= 6, "{proven}");

    // The annotation signed after the checkpoint has no proof in it, and
    // every format tells the reader so, naming it, instead of letting the
    // checkpoint line suggest that everything shown is anchored. (The
    // checkpoint's own entry, 7, can never be in it: not named.)
    let not_covered =
        format!("came after it and is not covered by it: {later} (entry 8); sign a new checkpoint");
    assert!(
        r["summary"][1].as_str().unwrap().contains(&not_covered),
        "{}",
        r["summary"]
    );
    let md = w.run(None, &["report", "--format", "md"]);
    let out = md.ok();
    assert!(out.contains("tree size 7"), "{out}");
    assert!(out.contains(&not_covered), "{out}");
    // The command to run is code, as elsewhere in the report, not escaped
    // backticks shown as they are.
    assert!(
        out.contains("sign a new checkpoint (`claimtrail checkpoint`) and make"),
        "{out}"
    );
    assert!(!out.contains("\\`"), "{out}");
    assert!(
        out.contains(&format!(
            "{later} (entry 8) came after the checkpoint and has none yet"
        )),
        "{out}"
    );
    assert!(!out.contains("(entry 7)"), "{out}");
    let html = w
        .run(None, &["report", "--format", "html"])
        .ok()
        .to_string();
    assert!(html.contains(&not_covered), "{html}");
    let csv = w.run(None, &["report", "--format", "csv"]).ok().to_string();
    for row in csv_records(&csv) {
        let expected = if row["claim"] == "C2" {
            format!("size 7 root {root}; not covered yet: {later} (entry 8)")
        } else {
            format!("size 7 root {root}")
        };
        assert_eq!(row["checkpoint"], expected, "{row:?}");
    }

    // A new checkpoint covers it: nothing is said to be left out.
    w.run(Some("admin"), &["checkpoint"]).ok();
    for format in ["md", "html", "csv", "json", "claimreview", "prov", "wa"] {
        let out = w
            .run(None, &["report", "--format", format])
            .ok()
            .to_string();
        assert!(
            out.contains("tree size 9") || out.contains("size 9 root"),
            "{format}: {out}"
        );
        assert!(!out.contains("not covered"), "{format}: {out}");
        assert!(!out.contains("came after"), "{format}: {out}");
    }
}

/// A speaker graded many times: `show` and the readable reports sum the
/// record up (how many of each grade, the latest five), the JSON report
/// keeps every grade.
#[test]
fn a_long_reliability_record_is_summed_up_for_readers() {
    let w = Work::with_claims();
    let lines: Vec<String> = (0..14)
        .map(|i| {
            serde_json::json!({"type":"annotation","claim":"C1","verdict":"unverified",
                "reliability": if i % 7 == 0 { "C" } else { "B" }, "note": format!("n{i}")})
            .to_string()
        })
        .collect();
    std::fs::write(w.path("grades.jsonl"), lines.join("\n") + "\n").unwrap();
    w.run(Some("analyst"), &["import", "grades.jsonl"]).ok();
    // A1 (B, from the team log) and the 14 imported: A2..A15, each
    // replacing the one before (the same analyst, the same claim), so 14
    // are history (they were counted as standing).
    let summary =
        "15 grades (14 no longer current: superseded or replaced): B ×13, C ×2; the latest: ";
    let show = w.run(None, &["show", "C1"]);
    let out = show.ok();
    assert!(
        out.contains(&format!("speaker reliability: {summary}B (")),
        "{out}"
    );
    assert!(out.contains("on C1); B ("), "{out}");
    let md = report(&w, None, &["C1", "--format", "md"]);
    assert!(
        md.ok()
            .contains(&format!("**Speaker's reliability record:** {summary}")),
        "{}",
        md.ok()
    );
    assert!(md.ok().contains("(A15)"), "the latest is listed");
    assert!(!md.ok().contains("(A3)"), "an older one is not");
    let html = report(&w, None, &["C1", "--format", "html"]);
    assert!(html.ok().contains(summary), "{}", html.ok());
    let doc = json(report(&w, None, &["C1", "--format", "json"]).ok());
    assert_eq!(
        doc["speaker_reliability"]["White Helmets"]
            .as_array()
            .unwrap()
            .len(),
        15
    );
}

/// An address the commands refuse (`javascript:`, `data:`), in a source
/// signed by another tool or before the rule: verify does not judge
/// addresses, and the linked-data formats, which web pages embed and may
/// link, leave it out; the readable ones show it as text only.
#[test]
fn the_linked_data_formats_leave_out_an_address_that_is_code() {
    let w = Work::with_team();
    // A source with this address, signed outside the commands' rules.
    let source_at = |url: &str, text: &[u8], title: &str, publisher: &str| {
        w.source_unchecked_at("analyst", text, title, publisher, Some(url))
    };
    let s = source_at(
        "javascript:alert(document.cookie)//https://courier.example/",
        b"The council said: \"the bridge reopens on Monday\".",
        "Bridge",
        "The Courier",
    );
    let c = w.claim_unchecked("analyst", &s, (19, 48), "the council");
    w.annotation_unchecked("analyst", &c, "the date was moved");
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    for f in ["claimreview", "wa", "prov"] {
        let out = report(&w, None, &["--format", f]).ok().to_string();
        assert!(out.contains("the bridge reopens on Monday"), "{f}: {out}");
        assert!(!out.contains("javascript"), "{f}: {out}");
    }
    let html = report(&w, None, &["--format", "html"]).ok().to_string();
    assert!(!html.contains("href=\"javascript"), "{html}");
    // A host in one script, whatever the script, is a site's own name,
    // taken and given on.
    std::fs::write(
        w.path("ru.txt"),
        "\u{41d}\u{43e}\u{432}\u{43e}\u{441}\u{442}\u{438}.",
    )
    .unwrap();
    let url = "https://\u{43d}\u{43e}\u{432}\u{43e}\u{441}\u{442}\u{438}.\u{440}\u{444}/2022/07";
    let out = w.run(
        Some("analyst"),
        &["source", "add", "ru.txt", "--kind", "article", "--url", url],
    );
    assert_eq!(out.ok(), "S2\n");
    let prov = json(report(&w, None, &["--format", "prov"]).ok());
    assert_eq!(prov["entity"]["log:S2"]["ct:url"]["$"], url, "{prov}");
    let html = report(&w, None, &["--format", "html"]).ok().to_string();
    assert!(html.contains(&format!("<a href=\"{url}\"")), "{html}");

    // A host that mixes scripts (a Cyrillic а in al-monitor), which `--url`
    // refuses, signed outside the CLI: shown as text, never a live link.
    let homograph = "https://www.\u{430}l-monitor.com/originals/2022/07/x";
    let s3 = source_at(
        homograph,
        b"Rebels said: \"the road is open\".",
        "Road",
        "Al-Monitor",
    );
    assert_eq!(s3, "S3");
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // Nor an IPv4 address written in hex and short (it goes to 127.0.0.1).
    let numeric = "https://0x7f.1/originals/2022/07/y";
    source_at(
        numeric,
        b"Police said: \"the square is closed\".",
        "Square",
        "Al-Monitor",
    );
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    for f in ["html", "md"] {
        let out = report(&w, None, &["--format", f]).ok().to_string();
        for url in [homograph, numeric] {
            assert!(out.contains(url), "{f}: {out}");
            assert!(!out.contains(&format!("href=\"{url}")), "{f}: {out}");
            assert!(!out.contains(&format!("<{url}>")), "{f}: {out}");
            assert!(!out.contains(&format!("]({url})")), "{f}: {out}");
        }
    }
}

/// A relation is reported as superseded when its annotation is no longer
/// its analyst's current judgment: a later annotation of the same claim by
/// the same person replaces it as `show` says ("not current"), with
/// --supersedes or without. The JSON gave `"superseded": false` for it, and
/// the Markdown listed the replaced contradiction as live.
#[test]
fn a_relation_replaced_by_a_later_annotation_is_not_live() {
    let w = Work::with_claims();
    // A1: the analyst's "C1 contradicts C2". Later, on C1 again, no link.
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    let r = w.run(None, &["report", "C1", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(r.ok()).unwrap();
    let rel = &doc["relations"][0];
    assert_eq!(
        (&rel["annotation"], &rel["relation"], &rel["superseded"]),
        (&"A1".into(), &"contradicts".into(), &true.into()),
        "{rel}"
    );
    // Each claim's current verdicts, by the rule of `list claims`: the
    // analyst's latest, A2's false, not A1's disputed.
    assert_eq!(
        doc["verdicts"]["C1"],
        serde_json::json!(["false"]),
        "{}",
        doc["verdicts"]
    );
    let listed: serde_json::Value =
        serde_json::from_str(w.run(None, &["list", "claims", "--json"]).ok()).unwrap();
    for c in listed.as_array().unwrap() {
        if let Some(v) = doc["verdicts"].get(c["id"].as_str().unwrap()) {
            assert_eq!(v, &c["verdicts"], "{c}");
        }
    }
    let md = w.run(None, &["report", "C1", "--format", "md"]);
    // Its link is not live, and says why (it said "superseded", which A2
    // does not do).
    assert!(
        md.ok().contains("| A1 (not current: A2) |"),
        "{}",
        md.stdout
    );
    // The annotation itself is marked as show marks it.
    assert!(
        md.stdout
            .contains("(not current: A2, appended later by the same person)"),
        "{}",
        md.stdout
    );
    let html = w.run(None, &["report", "C1", "--format", "html"]);
    assert!(
        html.ok().contains(
            "<em>not current: <a href=\"#A2\">A2</a>, appended later by the same person</em>"
        ),
        "{}",
        html.stdout
    );
    assert!(w
        .run(None, &["show", "C1"])
        .ok()
        .contains("(not current: A2, appended later by the same person)"),);
    // And so do the views of the annotation itself, which showed it as
    // if it stood (red-team round 4).
    assert!(w
        .run(None, &["show", "A1"])
        .ok()
        .contains("(not current: A2, appended later by the same person)"),);
    let a1: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "A1", "--json"]).ok()).unwrap();
    assert_eq!(a1["replaced_by"], "A2", "{a1}");
    let list = w.run(None, &["list", "annotations", "--claim", "C1"]);
    assert!(
        list.ok().contains("contradicts C2; not current: A2  "),
        "{}",
        list.stdout
    );
    // The speaker's reliability record: A1's grade B is history, as a
    // superseded one is (it was listed as standing), in every format; and
    // the graph fades A1 and draws its link faint.
    let speaker = doc["claims"][0]["speaker"].as_str().unwrap().to_string();
    let grade = &doc["speaker_reliability"][&speaker][0];
    assert_eq!(
        (&grade["annotation"], &grade["replaced_by"]),
        (&"A1".into(), &"A2".into()),
        "{grade}"
    );
    assert!(
        md.stdout
            .contains("B by Rana Haddad on C1 (A1, not current: A2)"),
        "{}",
        md.stdout
    );
    assert!(
        html.stdout
            .contains("class=\"node annotation superseded\" id=\"node-A1\""),
        "{}",
        html.stdout
    );
    assert!(
        html.stdout
            .contains("stroke-dasharray=\"6 4\" stroke-opacity=\"0.35\" marker-end=\"url(#mcf222e)\"><title>A1: C1 contradicts C2 (not current)</title>"),
        "{}",
        html.stdout
    );
}

/// A report does not replace what claimtrail wrote for others to keep: a
/// kept checkpoint or a bundle given as --out is refused (exit 2, the file
/// as it was); it was replaced, exit 0. A report replaces a report.
#[test]
fn a_report_does_not_replace_a_kept_checkpoint_or_a_bundle() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(None, &["export", "C1", "--out", "c1.bundle"]).ok();
    // An auditor's trust anchor and a published log's tiles too (a red
    // team's `report --out desk.vkey` replaced the keys, exit 0).
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    std::fs::write(w.path("desk.vkey"), format!("# the desk's keys\n{vkeys}")).unwrap();
    w.run(None, &["publish", "site"]).ok();
    // The first file under tile/0 (a partial tile is `000.p/N`).
    let mut tile = w.path("site/tile/0");
    while tile.is_dir() {
        tile = std::fs::read_dir(&tile)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
    }
    let tile = tile
        .strip_prefix(w.dir.path())
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for (file, holds) in [
        ("cp.txt", "a signed checkpoint"),
        ("c1.bundle", "a claimtrail bundle"),
        ("desk.vkey", "verifier keys"),
        ("admin.pub", "an OpenSSH public key"),
        (tile.as_str(), "a tile of a published log"),
    ] {
        let before = std::fs::read(w.path(file)).unwrap();
        w.run(None, &["report", "--format", "json", "--out", file])
            .error(&format!("{file} holds {holds}, which the report would replace (hint: write the report to another file: the one there is kept as evidence)"));
        assert_eq!(std::fs::read(w.path(file)).unwrap(), before);
    }
    w.run(None, &["report", "--out", "r.md"]).ok();
    w.run(None, &["report", "--out", "r.md"]).ok();
}

/// Small things of the Markdown report: an untitled source is named
/// without a stray space (`S2 , bytes`), and a source with no claim says
/// `none`, not `none shown`, which read as if some were hidden.
#[test]
fn markdown_names_untitled_sources_and_sources_without_claims() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin("analyst", "statement", "The UN said: \"the road is open\".");
    let s3 = w.source_from_stdin("analyst", "statement", "Nothing here was claimed.");
    w.claim_on(&s2, &["--quote", "the road is open"], "the UN", "statement")
        .ok();
    let md = report(&w, None, &["C3", &s3, "--format", "md"])
        .ok()
        .to_string();
    assert!(md.contains("- **Source:** S2, bytes 14..30;"), "{md}");
    assert!(md.contains("| claims | none |"), "{md}");
}

/// An address written in a note, a quote, a publisher or an author, which
/// GitHub's Markdown links by itself (`www.`, `https://`, e-mail): the
/// report's escapes of prose stayed in the link's target and text (the
/// reader saw `world\_middle\_east` and `&amp;amp;`, the link was broken),
/// and the report linked text it says it does not (only a source's URL
/// is a link). Such an address is a code span: shown as written, no link.
#[test]
fn markdown_shows_addresses_in_text_as_written_and_unlinked() {
    let w = Work::with_claims();
    let quote = "the road is open, see www.gov.example/press_release?id=7&lang=en";
    let text = format!("The ministry said {quote}. More later.");
    let out = w.run_with(
        Some("analyst"),
        &[],
        &[
            "source",
            "add",
            "-",
            "--kind",
            "article",
            "--title",
            "Road reopens",
            "--publisher",
            "BBC News (www.bbc.co.uk)",
            "--author",
            "news_desk@bbc.co.uk",
            "--url",
            "https://www.bbc.co.uk/news/world_middle_east-62250000",
        ],
        Some(text.as_bytes()),
    );
    assert_eq!(out.ok(), "S2\n");
    w.claim_on("S2", &["--quote", quote], "the ministry", "statement")
        .ok();
    let note = "See https://www.bbc.co.uk/news/world_middle_east-62250000?at_medium=RSS&at_campaign=KARANGA";
    w.run(
        Some("analyst"),
        &["annotate", "C3", "--verdict", "confirmed", "--note", note],
    )
    .ok();

    let md = report(&w, None, &["S2", "--format", "md"]).ok().to_string();
    assert!(
        md.contains("    > See `https://www.bbc.co.uk/news/world_middle_east-62250000?at_medium=RSS&at_campaign=KARANGA`\n"),
        "{md}"
    );
    assert!(
        md.contains("| publisher | BBC News (`www.bbc.co.uk`) |"),
        "{md}"
    );
    assert!(md.contains("| author | `news_desk@bbc.co.uk` |"), "{md}");
    assert!(
        md.contains("\n> The ministry said **the road is open, see `www.gov.example/press_release?id=7&lang=en`**. More later.\n"),
        "{md}"
    );
    // The source's URL is still the one link, an autolink.
    assert!(
        md.contains("| url | <https://www.bbc.co.uk/news/world_middle_east-62250000> |"),
        "{md}"
    );
    assert_eq!(md.matches("<http").count(), 1, "{md}");
    // No escape of prose inside an address.
    for escaped in ["world\\_middle", "press\\_release", "news\\_desk", "&amp;"] {
        assert!(!md.contains(escaped), "{escaped}: {md}");
    }
}

/// The quote is marked in its context with `**…**`, which CommonMark
/// reads as bold only when the stars are next to white space or
/// punctuation as its flanking rules ask: a quote that starts or ends
/// with a quotation mark next to a letter (a missing space, or Chinese,
/// written without spaces) showed the stars and no bold. The letter next
/// to the mark is written as a character reference (`&#26159;` is 是):
/// the same text, and the stars open and close.
#[test]
fn markdown_marks_a_quote_that_begins_with_punctuation_after_a_letter() {
    let w = Work::with_claims();
    let zh = w.source_from_stdin(
        "analyst",
        "statement",
        "外交部发言人称这是“一场屠杀”并要求调查。",
    );
    w.claim_on(&zh, &["--quote", "“一场屠杀”"], "外交部发言人", "statement")
        .ok();
    let en = w.source_from_stdin(
        "analyst",
        "statement",
        "The governor called it a“massacre” and left.",
    );
    w.claim_on(&en, &["--quote", "“massacre”"], "the governor", "statement")
        .ok();
    let md = report(&w, None, &["C3", "C4", "--format", "md"])
        .ok()
        .to_string();
    assert!(
        md.contains("\n> 外交部发言人称这&#26159;**“一场屠杀”**&#24182;要求调查。\n"),
        "{md}"
    );
    assert!(
        md.contains("\n> The governor called it &#97;**“massacre”** and left.\n"),
        "{md}"
    );
}

/// A title that ends in ` #` (a ranked list's) is shown whole: in an ATX
/// heading a trailing run of `#` after a space is a closing sequence,
/// which CommonMark drops, so the report escapes it.
#[test]
fn markdown_heading_keeps_a_title_ending_in_a_hash() {
    let w = Work::with_claims();
    let out = w.run_with(
        Some("analyst"),
        &[],
        &[
            "source",
            "add",
            "-",
            "--kind",
            "article",
            "--title",
            "Ranked: the deadliest strikes, #",
        ],
        Some(b"1. Idlib."),
    );
    assert_eq!(out.ok(), "S2\n");
    let md = report(&w, None, &["S2", "--format", "md"]).ok().to_string();
    assert!(
        md.contains("\n### S2 — Ranked: the deadliest strikes, \\#\n"),
        "{md}"
    );
}

/// An Arabic report, laid out as a reader sees it (checked in headless
/// Chromium): the page is English, left to right, and each piece of user
/// text takes its own direction. A context and a note are paragraphs of
/// their own (`dir="auto"`): their closing `”.` was drawn at the far
/// right, before the words that precede it. Names, titles and labels are
/// isolated (`<bdi>`), and in the SVG graph, which has neither, the
/// speaker and the quote sit between U+2068 and U+2069, the `…` of a cut
/// inside them: it was drawn at the quote's first word. Text without
/// right-to-left letters is written as it was.
#[test]
fn html_gives_right_to_left_text_its_own_direction() {
    let w = Work::with_team();
    let text = "إدلب — قال مصطفى بكور، المتحدث باسم الدفاع المدني، إن «سبعة مدنيين، بينهم أربعة أطفال من عائلة واحدة، قُتلوا» في القصف.\nوأضاف بكور: “لم يكن هناك أي هدف عسكري في المنطقة”.\n";
    std::fs::write(w.path("ar.txt"), text).unwrap();
    let title = "مقتل سبعة مدنيين في قصف على إدلب";
    w.run(
        Some("analyst"),
        &[
            "source",
            "add",
            "ar.txt",
            "--kind",
            "article",
            "--title",
            title,
            "--publisher",
            "عنب بلدي",
        ],
    )
    .ok();
    let speaker = "مصطفى بكور";
    let long = "سبعة مدنيين، بينهم أربعة أطفال من عائلة واحدة، قُتلوا";
    let short = "لم يكن هناك أي هدف عسكري في المنطقة";
    for quote in [long, short] {
        w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--speaker",
                speaker,
                "--provenance",
                "statement",
                "--quote",
                quote,
            ],
        )
        .ok();
    }
    let note = "لا توجد صور أقمار صناعية تؤكد ذلك؛ المصدر: “تقرير الأمم المتحدة”.";
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed", "--note", note],
    )
    .ok();
    let html = report(&w, None, &["--format", "html"]).ok().to_string();
    for want in [
        format!("<h3>S1 — <bdi>{title}</bdi>"),
        "<dt>publisher</dt><dd><bdi>عنب بلدي</bdi></dd>".to_string(),
        format!("<h3>C1 — <bdi>{speaker}</bdi>"),
        format!("<dt>speaker</dt><dd><bdi>{speaker}</bdi></dd>"),
        format!("S1</a> “<bdi>{title}</bdi>”, bytes"),
        "<blockquote class=\"context\" dir=\"auto\">".to_string(),
        format!("<p class=\"note\" dir=\"auto\">{note}</p>"),
        // The graph: the speaker, and the long quote cut inside its
        // isolate, the quotation marks kept around it.
        format!("C1 · statement · \u{2068}{speaker}\u{2069}</text>"),
        format!("“\u{2068}{short}\u{2069}”</text>"),
    ] {
        assert!(html.contains(&want), "{want}\n{html}");
    }
    let cut = html
        .split("id=\"node-C1\"")
        .nth(1)
        .and_then(|n| n.split("</g></g>").next())
        .unwrap();
    assert!(cut.contains("“\u{2068}سبعة مدنيين"), "{cut}");
    assert!(cut.contains("…\u{2069}”</text>"), "{cut}");
    // Every isolate is closed, and no other bidirectional control is
    // written raw (the log's own are shown as escapes).
    assert_eq!(
        html.matches('\u{2068}').count(),
        html.matches('\u{2069}').count()
    );
    assert!(!html.contains(['\u{202e}', '\u{2066}', '\u{2067}', '\u{200f}']));

    // An English report: no isolate, no <bdi>.
    let (w, db) = demo();
    let english = report(&w, Some(&db), &["--format", "html"])
        .ok()
        .to_string();
    assert!(!english.contains("<bdi>") && !english.contains('\u{2068}'));
    assert!(english.contains("<blockquote class=\"context\" dir=\"auto\">"));
}

/// An auditor's audit note is in the CSV's `latest_verdicts`, as the lists
/// show it, but marked as the auditor's: a reader saw `false, confirmed`
/// with no way to tell that `confirmed` was no verdict of the desk's.
#[test]
fn csv_marks_an_auditors_note_apart_from_the_desks_verdicts() {
    let w = Work::with_claims();
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    w.run(
        Some("auditor"),
        &["annotate", "C1", "--verdict", "confirmed"],
    )
    .ok();
    let csv = report(&w, None, &["C1", "--format", "csv"])
        .ok()
        .to_string();
    let recs = csv_records(&csv);
    assert_eq!(
        recs[0]["latest_verdicts"],
        "Rana Haddad: false (A2); auditor (auditor): confirmed (A3)"
    );
}

/// An analyst's key revoked after they judged the casualty counts: the
/// table that compares the counts, and the table of signed entries, mark
/// them as the annotation's card does (a reader of the comparison alone
/// saw no mark).
#[test]
fn a_revoked_analyst_is_marked_in_the_tables_too() {
    let w = Work::with_claims();
    w.revoke("admin", "analyst", "laptop stolen");
    let last = log_json(&w, None).last().unwrap()["seq"].clone();
    let mark = format!("Rana Haddad (key revoked later, at entry {last})");
    let md = report(&w, None, &["C1", "--format", "md"]).ok().to_string();
    let row = |heading: &str, start: &str| -> String {
        md.lines()
            .skip_while(|l| !l.starts_with(heading))
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start} row under {heading}:\n{md}"))
            .to_string()
    };
    let relation = row("## Claims that corroborate or contradict", "| C1 |");
    assert!(
        relation.contains(&format!("| A1 | {mark} | disputed |")),
        "{relation}"
    );
    let entries: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("## Signed entries"))
        .filter(|l| l.starts_with("| ") && l.contains(" | 20"))
        .collect();
    let c1 = entries.iter().find(|l| l.contains(" | C1 | ")).unwrap();
    assert!(c1.contains(&mark), "{c1}");
    // What the admin signed is not marked: only the revoked key's items.
    let init = entries
        .iter()
        .find(|l| l.contains(" | log.init | "))
        .unwrap();
    assert!(!init.contains("revoked"), "{init}");
    let html = report(&w, None, &["C1", "--format", "html"])
        .ok()
        .to_string();
    assert!(html.contains(&format!("disputed by {mark}")), "{html}");
    let signed = entries.iter().filter(|l| l.contains(&mark)).count();
    assert!(signed >= 3, "S1, C1 and A1 at least: {entries:?}");
    assert_eq!(html.matches(&mark).count(), 1 + signed, "{html}");
}

/// The CSV's `checkpoint` column names every entry after the checkpoint
/// that the row's values come from, as the other formats name the entries
/// shown after it: a source's amendment (its title in `source_title`), its
/// redaction (`source_redacted`) and the revocation of a key marked in
/// `latest_verdicts`. The column named only the claim's own entries, and a
/// row showing the amended title beside a bare `size N root …` read as
/// covered by the checkpoint.
#[test]
fn csv_names_the_amendment_redaction_and_revocation_after_the_checkpoint() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let seq_of_last = |w: &Work| log_json(w, None).last().unwrap()["seq"].clone();
    w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--title",
            "Amended after the checkpoint",
            "--reason",
            "typo",
        ],
    )
    .ok();
    let amend = seq_of_last(&w);
    w.revoke("admin", "analyst", "laptop stolen");
    let revoke = seq_of_last(&w);
    let r = report(&w, None, &["--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let recs = csv_records(&r.stdout);
    assert_eq!(recs.len(), 2, "{}", r.stdout);
    let c1 = recs.iter().find(|r| r["claim"] == "C1").unwrap();
    assert_eq!(c1["source_title"], "Amended after the checkpoint");
    assert_eq!(
        c1["latest_verdicts"],
        "Rana Haddad (key revoked): disputed (A1)"
    );
    assert!(
        c1["checkpoint"].ends_with(&format!(
            "; not covered yet: entry {amend} (source.amend), entry {revoke} (key.revoke)"
        )),
        "{}",
        c1["checkpoint"]
    );
    // C2 has no verdict of the revoked key: its row shows the amended
    // title, not the revocation.
    let c2 = recs.iter().find(|r| r["claim"] == "C2").unwrap();
    assert!(
        c2["checkpoint"].ends_with(&format!("; not covered yet: entry {amend} (source.amend)")),
        "{}",
        c2["checkpoint"]
    );
    // What the Markdown report names, the CSV names too.
    let md = report(&w, None, &["--format", "md"]).ok().to_string();
    for e in [&amend, &revoke] {
        assert!(md.contains(&format!("entry {e} (")), "{md}");
    }
    w.run(
        Some("admin"),
        &["source", "redact", "S1", "--reason", "court order"],
    )
    .ok_noted();
    let redact = seq_of_last(&w);
    let r = report(&w, None, &["C2", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let recs = csv_records(&r.stdout);
    let c2 = recs.iter().find(|r| r["claim"] == "C2").unwrap();
    assert!(c2["source_redacted"].starts_with("yes: by "), "{c2:?}");
    assert!(
        c2["checkpoint"].ends_with(&format!(
            "; not covered yet: entry {amend} (source.amend), entry {redact} (source.redact)"
        )),
        "{}",
        c2["checkpoint"]
    );
    // A new checkpoint covers them all again.
    w.run(Some("admin"), &["checkpoint"]).ok();
    let csv = report(&w, None, &["--format", "csv"]).ok().to_string();
    for row in csv_records(&csv) {
        assert!(!row["checkpoint"].contains("not covered"), "{row:?}");
    }
}

/// A quote over a Windows line end (CRLF) is bold up to the line's end in
/// the Markdown report, its CR taken as the line end as `show` and the
/// HTML report take it: the CR was written after the bold, as `\u{d}`, so
/// the bolded text was not the quote's line.
#[test]
fn markdown_keeps_a_crlf_quote_whole_in_its_bold() {
    let w = Work::with_team();
    std::fs::write(
        w.path("crlf.txt"),
        "Spokesman said \"We will respond\" today.\r\nCRLF line follows here.\r\nEnd.\r\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "crlf.txt", "--kind", "other"],
    )
    .ok();
    let q = "Spokesman said \"We will respond\" today.\r\nCRLF line follows here.";
    w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            q,
            "--speaker",
            "Spokesman",
            "--provenance",
            "other",
        ],
    )
    .ok();
    let md = report(&w, None, &["C1", "--format", "md"]).ok().to_string();
    assert!(
        md.contains(
            "> **Spokesman said \"We will respond\" today.**\n> **CRLF line follows here.**\n"
        ),
        "{md}"
    );
    assert!(!md.contains("u{d}"), "{md}");
}
