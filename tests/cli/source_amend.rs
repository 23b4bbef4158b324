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
    let w = Work::with_team();
    std::fs::write(w.path("dam.txt"), TEXT).unwrap();
    let s1 = w.run(
        Some("analyst"),
        &[
            "source",
            "add",
            w.path("dam.txt").to_str().unwrap(),
            "--kind",
            "article",
            "--title",
            WRONG_TITLE,
            "--publisher",
            "Valley Times",
            "--url",
            WRONG_URL,
            "--published",
            "2022-07-22",
        ],
    );
    assert_eq!(s1.ok(), "S1\n");
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
    .ok();
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
    w.key("analyst2");
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "analyst2.pub",
            "--role",
            "analyst",
            "--name",
            "Rana Haddad",
        ],
    )
    .ok();
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
        .error("entry 6 amends S1, and the database's tables do not say so");
    // So it does when the row was moved to another source.
    let w = amended();
    w.sql("UPDATE source_amendments SET source_id = 2 WHERE seq = 6");
    w.run(None, &["show", "S1"])
        .error("entry 6 amends S1, and the database's tables do not say so");

    // An amendment no entry signed.
    let w = amended();
    w.sql("INSERT INTO source_amendments SELECT 4, 1, NULL, 'Made up', NULL, NULL, NULL, NULL, 'x', signer, time FROM sources WHERE id = 1");
    w.run(None, &["show", "S1"])
        .error("the tables say entry 4 is S1's amendment, and it is not");
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
