//! Retracting a claim recorded in error: the claim stays in the log, marked
//! retracted everywhere it is shown, and takes no new annotations.

use crate::common::*;

// Entries of `Work::with_claims()`: 0 log.init, 1-2 key.add, 3 source.add S1,
// 4 claim.add C1, 5 claim.add C2, 6 annotation.add A1. `retracted()` adds
// 7 annotation.add A2 of C2, 8 claim.add C3 (C2 with the speaker's full
// title) and 9 claim.retract of C2.

const REASON: &str = "speaker recorded without her title; see C3";

/// C3: C2's quote with the speaker's full title, the claim that replaces it.
fn add_c3(w: &Work) {
    let c3 = w.claim_on(
        "S1",
        &[
            "--quote",
            "At least five children were killed and nine injured",
        ],
        "Adele Khodr, UNICEF MENA representative",
        "statement",
    );
    assert_eq!(c3.ok(), "C3\n");
}

fn retracted() -> Work {
    let w = Work::with_claims();
    let a2 = w.run(
        Some("analyst"),
        &[
            "annotate",
            "C2",
            "--verdict",
            "unverified",
            "--reliability",
            "C",
        ],
    );
    assert_eq!(a2.ok(), "A2\n");
    add_c3(&w);
    let out = w.run(
        Some("analyst"),
        &[
            "claim",
            "retract",
            "C2",
            "--reason",
            REASON,
            "--replaced-by",
            "C3",
        ],
    );
    assert_eq!(
        out.ok(),
        "C2 retracted at entry 9, replaced by C3: it stays in the log, marked retracted\n"
    );
    w
}

/// `claim retract --json` says what the text says: the claim retracted,
/// the claim that replaces it (or null), and the entry.
#[test]
fn retract_in_json_names_the_claim_that_replaces_it() {
    let w = Work::with_claims();
    add_c3(&w);
    let out = w.run(
        Some("analyst"),
        &[
            "--json",
            "claim",
            "retract",
            "C2",
            "--reason",
            REASON,
            "--replaced-by",
            "C3",
        ],
    );
    let j: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(
        (
            &j["retracted"],
            &j["replaced_by"],
            &j["entry"]["seq"],
            &j["entry"]["kind"]
        ),
        (
            &serde_json::json!("C2"),
            &serde_json::json!("C3"),
            &serde_json::json!(8),
            &serde_json::json!("claim.retract")
        ),
        "{j}"
    );
    let out = w.run(
        Some("analyst"),
        &[
            "--json",
            "claim",
            "retract",
            "C1",
            "--reason",
            "recorded twice",
        ],
    );
    let j: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(
        (&j["retracted"], &j["replaced_by"]),
        (&serde_json::json!("C1"), &serde_json::Value::Null),
        "{j}"
    );
}

#[test]
fn a_retracted_claim_stays_in_the_log_marked_everywhere() {
    let w = retracted();

    let list = w.run(None, &["list", "claims"]);
    let rows: Vec<Vec<String>> = list.ok().lines().skip(1).map(cells).collect();
    assert_eq!(rows[1][0], "C2");
    assert_eq!(rows[1][4], "retracted", "{}", list.stdout);
    assert_eq!(rows[2][0], "C3");
    assert_eq!(rows[2][4], "-");
    // Its speaker, as recorded, is withdrawn with it: "Adele Khodr, UNICEF"
    // no longer counts C2 nor A2's grade C.
    let speakers: serde_json::Value =
        serde_json::from_str(w.run(None, &["list", "speakers", "--json"]).ok()).unwrap();
    let names: Vec<(&str, u64, usize)> = speakers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["speaker"].as_str().unwrap(),
                s["claims"].as_u64().unwrap(),
                s["reliability"].as_object().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Adele Khodr, UNICEF MENA representative", 1, 0),
            ("White Helmets", 1, 1)
        ]
    );
    let c3: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "C3", "--json"]).ok()).unwrap();
    assert_eq!(c3["speaker_reliability"], serde_json::json!([]));
    // It has no current verdict any more: A2 judged it unverified.
    let unverified = w.run(
        None,
        &["list", "claims", "--verdict", "unverified", "--json"],
    );
    assert!(
        json_ids(unverified.ok()).is_empty(),
        "{}",
        unverified.stdout
    );

    let show = w.run(None, &["show", "C2"]);
    let out = show.ok();
    assert!(
        out.starts_with("C2  Adele Khodr, UNICEF via statement  (RETRACTED)\n"),
        "{out}"
    );
    assert!(
        out.contains("at entry 9, ") && out.contains(&format!(": {REASON} (replaced by C3)\n")),
        "{out}"
    );
    assert!(w
        .run(None, &["show", "C3"])
        .ok()
        .contains("replaces:            C2 (retracted)\n"));
    assert!(w.run(None, &["show", "S1"]).ok().contains("(retracted)\n"));
    // The source's claims count the retracted one, and say so.
    let sources = w.run(None, &["list", "sources"]);
    let row = cells(sources.ok().lines().nth(1).unwrap());
    assert_eq!((&*row[0], &*row[4]), ("S1", "3 (1 retracted)"), "{row:?}");
    let json: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "list", "sources"]).ok()).unwrap();
    assert_eq!(
        (&json[0]["claims"], &json[0]["retracted_claims"]),
        (&3.into(), &1.into())
    );
    let a2 = w.run(None, &["show", "A2"]);
    // Headed by what it judges, as `show C2` is.
    assert!(
        a2.ok().starts_with("A2  annotation of C2, "),
        "{}",
        a2.stdout
    );
    assert!(
        a2.ok()
            .ends_with(&format!("\nC2 was retracted at entry 9: {REASON}\n")),
        "{}",
        a2.stdout
    );
    // And it stands at no verdict, whatever A2 said: in `show`, its JSON,
    // `list claims --json`, the reports and a bundle (red-team round 4:
    // each but the text list still gave "unverified").
    assert!(
        out.contains("  verdicts:            none (retracted: its annotations no longer count, and it takes no new one)\n"),
        "{out}"
    );
    let listed: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "list", "claims"]).ok()).unwrap();
    assert_eq!(listed[1]["id"], "C2");
    assert_eq!(listed[1]["verdicts"], serde_json::json!([]));
    let report: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "C2", "--format", "json"]).ok()).unwrap();
    assert_eq!(report["verdicts"]["C2"], serde_json::json!([]));
    let csv = w.run(None, &["report", "C2", "--format", "csv"]);
    assert!(
        csv.ok().lines().nth(1).unwrap().contains(",,"),
        "latest_verdicts empty: {}",
        csv.stdout
    );
    assert!(
        !csv.stdout.contains("Rana Haddad: unverified"),
        "{}",
        csv.stdout
    );
    // A link to or from it is history, and marked so.
    let md = w.run(None, &["report", "C1", "C2"]);
    assert!(md.ok().contains("A1 (C2 retracted)"), "{}", md.stdout);
    let json: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "C2", "--json"]).ok()).unwrap();
    assert_eq!(json["verdicts"], serde_json::json!([]));
    assert_eq!(json["claim"]["retraction"]["reason"], REASON);
    assert_eq!(json["claim"]["retraction"]["replaced_by"], "C3");
    assert_eq!(json["claim"]["retraction"]["seq"], 9);

    let log = w.run(None, &["log", "--seq", "9"]);
    assert!(log.ok().contains("claim.retract"), "{}", log.stdout);
    assert!(
        log.stdout
            .contains("C2 retracted, replaced by C3: speaker recorded"),
        "{}",
        log.stdout
    );
    // A bundle says it as `show` does ("none in the bundle" read as left
    // out of it).
    w.run(Some("admin"), &["export", "C2", "--out", "c2.bundle"])
        .ok();
    let shown = w.run(None, &["verify-bundle", "c2.bundle", "--show"]);
    assert!(
        shown
            .ok()
            .contains("    verdicts: none (retracted: its annotations no longer count, and it takes no new one)\n"),
        "{}",
        shown.stdout
    );
    // Its annotation retracted in turn: C2 had no verdict before either
    // (it said "C2 has no verdict now").
    let pristine = w.db_bytes();
    let r = w.run(
        Some("analyst"),
        &["annotate", "retract", "A2", "--reason", "moot"],
    );
    assert!(
        r.ok().ends_with("; C2, retracted, has no verdict\n"),
        "{}",
        r.stdout
    );
    w.restore(&pristine);

    let verify = w.run(None, &["verify"]);
    assert!(
        verify
            .ok()
            .contains("3 claims (1 retracted), 2 annotations\n"),
        "{}",
        verify.stdout
    );
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
    assert_eq!(v["counts"]["retracted_claims"], 1);

    // OpenSSH accepts the retraction's signature like any entry's.
    w.ssh_keygen_accepts("9", "Rana_Haddad");

    // A span no longer claimed is offered again by `claim suggest`.
    let suggest = w.run(None, &["claim", "suggest", "S1"]);
    assert!(
        suggest.ok().contains("already claimed: C3 overlaps it"),
        "{}",
        suggest.stdout
    );
    assert!(
        !suggest.stdout.contains("C2 overlaps"),
        "{}",
        suggest.stdout
    );

    // A1's link to C2 is history now: marked, as the reports mark it
    // ("C2 retracted"); `show` and `list annotations` showed it as live.
    assert!(
        w.run(None, &["show", "A1"])
            .ok()
            .contains("\n      contradicts C2 (retracted)\n"),
        "{}",
        w.run(None, &["show", "A1"]).stdout
    );
    let list = w.run(None, &["list", "annotations"]);
    assert!(
        list.ok().contains("contradicts C2 (retracted)"),
        "{}",
        list.stdout
    );
    // An annotation of the retracted claim is history too: its claim is
    // marked (it was shown as live), and so in --json.
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("A2  C2 (retracted)  ")),
        "{}",
        list.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "list", "annotations"]).ok()).unwrap();
    let a2 = json
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "A2")
        .unwrap();
    assert_eq!(a2["claim_retracted"], true, "{a2}");
    let html = w.path("r.html");
    w.run(
        None,
        &[
            "report",
            "--format",
            "html",
            "--out",
            html.to_str().unwrap(),
        ],
    )
    .ok();
    let html = std::fs::read_to_string(html).unwrap();
    assert!(
        html.contains("<title>A1: C1 contradicts C2 (C2 retracted)</title>"),
        "the graph drew it as a live link"
    );
    // A replacement retracted in turn: C2's line says so.
    w.run(
        Some("analyst"),
        &[
            "claim",
            "retract",
            "C3",
            "--reason",
            "the count was revised",
        ],
    )
    .ok();
    let show = w.run(None, &["show", "C2"]);
    assert!(
        show.ok().contains(&format!(
            ": {REASON} (replaced by C3, itself retracted since)\n"
        )),
        "{}",
        show.stdout
    );
}

#[test]
fn what_a_retraction_refuses_leaves_the_log_unchanged() {
    let w = retracted();
    // The admin's own claim, which an analyst may not retract.
    let c4 = w.run(
        Some("admin"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "Tehran summit",
            "--occurrence",
            "1",
            "--speaker",
            "Al-Monitor",
            "--provenance",
            "article",
        ],
    );
    assert_eq!(c4.ok(), "C4\n");
    let before = w.db_bytes();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "analyst",
            &["annotate", "C2", "--verdict", "false"],
            "C2 was retracted at entry 9 (hint: `claimtrail show C2` says why, and which claim replaces it)",
        ),
        (
            "analyst",
            &["annotate", "C1", "--verdict", "disputed", "--corroborates", "C2"],
            "corroborates refers to C2, which was retracted at entry 9 (hint: link the claim that replaces it, if one does (`claimtrail show C2` says), or leave it out)",
        ),
        (
            "analyst",
            &["claim", "retract", "C2", "--reason", "again"],
            "C2 was already retracted at entry 9 (hint: nothing to do",
        ),
        (
            "analyst",
            &["claim", "retract", "C1", "--reason", " "],
            "a retraction needs a reason (hint: say why with --reason",
        ),
        (
            "analyst",
            &["claim", "retract", "C1", "--reason", "mistyped", "--replaced-by", "C1"],
            "C1 cannot replace itself",
        ),
        (
            "analyst",
            &["claim", "retract", "C1", "--reason", "mistyped", "--replaced-by", "C2"],
            // The option's name, not the entry's field (red team).
            "--replaced-by refers to C2, which was retracted at entry 9 (hint: name a claim that stands)",
        ),
        (
            "analyst",
            &["claim", "retract", "C1", "--reason", "mistyped", "--replaced-by", "A1"],
            "A1 is not a claim id",
        ),
        (
            "analyst",
            &["claim", "retract", "C9", "--reason", "mistyped"],
            "no claim C9 in this log",
        ),
        (
            "analyst",
            &["claim", "retract", "C4", "--reason", "mistyped"],
            "C4 was added by another key (admin, SHA256:",
        ),
        (
            "auditor",
            &["claim", "retract", "C1", "--reason", "mistyped"],
            ") has role auditor, which may not sign claim.retract entries",
        ),
    ];
    for (key, args, message) in cases {
        w.run(Some(key), args).error(message);
        assert!(w.db_bytes() == before, "{args:?} changed the database");
    }
    // An admin may retract anyone's claim; a retracted claim leaves the
    // desk's queue of claims awaiting review.
    let queue = || {
        json_ids(
            w.run(None, &["list", "claims", "--unannotated", "--json"])
                .ok(),
        )
    };
    assert_eq!(queue(), ["C3", "C4"]);
    let out = w.run(
        Some("admin"),
        &[
            "claim",
            "retract",
            "C4",
            "--reason",
            "not a claim: the article's own words",
        ],
    );
    assert_eq!(
        out.ok(),
        "C4 retracted at entry 11: it stays in the log, marked retracted\n"
    );
    assert_eq!(queue(), ["C3"]);
    let retracted = w.run(None, &["list", "claims", "--retracted", "--json"]);
    assert_eq!(json_ids(retracted.ok()), ["C2", "C4"]);
    assert!(w.run(None, &["verify"]).ok().contains("(2 retracted)"));
}

#[test]
fn reports_and_bundles_carry_the_retraction() {
    let w = retracted();
    w.run(Some("admin"), &["checkpoint"]).ok();

    let md = w.run(None, &["report", "C2", "--format", "md"]);
    assert!(
        md.ok()
            .contains("### C2 — Adele Khodr, UNICEF (statement) — RETRACTED"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains(&format!("{REASON} (replaced by C3)")),
        "{}",
        md.stdout
    );
    // The report of C2, or of A2 (which brings C2), shows the claim that
    // replaces it, where its link points.
    assert!(md.stdout.contains("\n### C3 — "), "{}", md.stdout);
    let a2 = w.run(None, &["report", "A2", "--format", "md"]);
    assert!(a2.ok().contains("\n### C3 — "), "{}", a2.stdout);
    let html = w.run(None, &["report", "C2", "--format", "html"]);
    assert!(html.ok().contains("<strong>RETRACTED</strong>"));
    assert!(
        html.stdout.contains("class=\"node claim retracted\""),
        "the graph does not mark C2"
    );
    let csv = w.run(None, &["report", "--format", "csv"]);
    let rows: Vec<&str> = csv.ok().lines().collect();
    assert!(
        rows[0].ends_with(",checkpoint,claim_retracted"),
        "{}",
        rows[0]
    );
    assert!(rows[1].ends_with(",no"), "{}", rows[1]);
    assert!(
        rows[2].contains(&format!(": {REASON} (replaced by C3)")),
        "{}",
        rows[2]
    );
    // A retracted claim is not published as a review.
    let cr: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "--format", "claimreview"]).ok()).unwrap();
    let reviewed: Vec<&str> = cr["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["itemReviewed"]["@id"].as_str())
        .map(|iri| iri.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(reviewed, ["C1"]);
    // The W3C Web Annotation of C2 is tagged and says why, in the words
    // that `show`, Markdown and CSV use.
    let wa: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "C2", "--format", "wa"]).ok()).unwrap();
    let c2 = wa["first"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{wa}"))
        .iter()
        .find(|a| {
            a["id"]
                .as_str()
                .is_some_and(|id| id.ends_with(":C2/highlight"))
        })
        .unwrap_or_else(|| panic!("{wa}"));
    let bodies: Vec<&str> = c2["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["value"].as_str())
        .collect();
    assert!(bodies.contains(&"retracted"), "{bodies:?}");
    assert!(
        bodies.iter().any(|b| b.starts_with("retracted by ")
            && b.ends_with(&format!(": {REASON} (replaced by C3)"))),
        "{bodies:?}"
    );
    let prov: serde_json::Value =
        serde_json::from_str(w.run(None, &["report", "--format", "prov"]).ok()).unwrap();
    let invalidated = prov["wasInvalidatedBy"].as_object().unwrap();
    assert_eq!(invalidated.len(), 1);
    assert_eq!(
        invalidated.values().next().unwrap()["prov:entity"],
        "log:C2"
    );

    // The bundle of C2 carries its retraction and the claim that replaces
    // it (and C1, whose annotation contradicts C2).
    w.run(None, &["export", "C2", "--out", "c2.json"]).ok();
    let check = w.run(None, &["verify-bundle", "c2.json"]);
    let out = check.ok();
    assert!(out.contains("claims C1, C2, C3\n"), "{out}");
    assert!(
        out.contains(&format!(
            "C2 retracted at entry 9, replaced by C3: {REASON}\n"
        )),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify-bundle", "c2.json", "--json"]).ok()).unwrap();
    assert_eq!(v["retracted"][0]["claim"], "C2");
}

/// A reason left empty is refused before a protected key asks for its
/// passphrase: nobody types a passphrase for a refusal. The same holds for
/// a redaction's and a revocation's reason.
#[test]
fn an_empty_reason_is_refused_before_the_passphrase_is_asked() {
    let w = Work::with_claims();
    w.run_with(
        None,
        &[("CLAIMTRAIL_PASSPHRASE", "correct horse")],
        &["key", "new", "editor", "--comment", "Editor"],
        None,
    )
    .ok();
    w.run(
        Some("admin"),
        &["key", "add", "editor.pub", "--role", "admin"],
    )
    .ok();
    let before = w.db_bytes();
    for (args, message) in [
        (
            &["claim", "retract", "C1", "--reason", " "][..],
            "a retraction needs a reason (hint: say why with --reason",
        ),
        (
            &["source", "redact", "S1", "--reason", ""][..],
            "a redaction needs a reason",
        ),
        (
            &["key", "revoke", "analyst.pub", "--reason", ""][..],
            "a revocation needs a reason (hint: say why with --reason: it is signed, and `claimtrail key list` shows it)",
        ),
    ] {
        w.run(Some("editor"), args).error(message);
    }
    // With a reason, the key is what stops it: it is protected, and no
    // passphrase was given.
    w.run(
        Some("editor"),
        &["claim", "retract", "C1", "--reason", "duplicate"],
    )
    .error("passphrase");
    assert!(w.db_bytes() == before);
}

/// A hint's placeholder pasted as it stands would sign it as the reason,
/// for good: the commands refuse `…` and the like (verify does not judge
/// them: a log may hold one from before).
#[test]
fn a_placeholder_reason_is_refused() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    // With a full stop, or in quotes, too (`what was wrong.` was signed).
    for reason in [
        "…",
        "...",
        "REASON",
        "what was wrong",
        "what was wrong.",
        "\"reason\"",
        "….",
        "`text`",
        "REASON…",
        "«REASON»",
        "「REASON」",
        "(reason)",
        "[REASON]",
        "*REASON*",
        "REASON;",
        "…\u{200b}",
        ". . .",
        "?",
        // Stand-ins typed when a field insists (red team N #6).
        "n/a",
        "N/A.",
        "tbd",
        "x",
        "none",
        "N / A",
        "xxxx",
        "placeholder",
    ] {
        w.run(
            Some("analyst"),
            &["claim", "retract", "C1", "--reason", reason],
        )
        .error(&format!("the reason `{reason}` is a placeholder (hint: say why in words: the reason is signed, and shown with the entry for good)"));
        w.run(
            Some("admin"),
            &["source", "redact", "S1", "--reason", reason],
        )
        .error("is a placeholder");
    }
    assert!(before == w.db_bytes());
    // Short words that say why pass: one Chinese character ("wrong"), an
    // abbreviation (red team R, R2: `错` was refused as one letter).
    for (n, reason) in ["错", "OCR"].into_iter().enumerate() {
        let c = w
            .run(
                Some("analyst"),
                &[
                    "claim",
                    "add",
                    "--source",
                    "S1",
                    "--quote",
                    "Idlib",
                    "--occurrence",
                    &(n + 1).to_string(),
                    "--speaker",
                    "Al-Monitor",
                    "--provenance",
                    "article",
                ],
            )
            .ok_noted()
            .trim()
            .to_string();
        w.run(
            Some("analyst"),
            &["claim", "retract", &c, "--reason", reason],
        )
        .ok();
    }
    // An empty reason's hint names the claim to show.
    w.run(
        Some("analyst"),
        &["claim", "retract", "C1", "--reason", " "],
    )
    .error("a retraction needs a reason (hint: say why with --reason: it is signed, and `claimtrail show C1` shows it)");
}

/// A retracted claim that no one annotated is not "none yet": that reads
/// as a claim awaiting review, and a retracted claim takes no more.
#[test]
fn a_retracted_claim_without_annotations_is_not_awaiting_review() {
    let w = Work::with_claims();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C2", "--reason", "not her words"],
    )
    .ok();
    let out = w.run(None, &["show", "C2"]).ok().to_string();
    assert!(
        out.contains("\n  verdicts:            none (retracted: its annotations no longer count, and it takes no new one)\n"),
        "{out}"
    );
}

/// The claim a retraction names as the replacement says "replaces: C2" in
/// `show`: that line is checked against the retraction's entry too (a
/// `replaced_by` edited in the table made another claim claim it).
#[test]
fn show_checks_the_replaces_line_against_the_retraction() {
    let w = Work::with_claims();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C2", "--reason", "not her words"],
    )
    .ok();
    w.sql("UPDATE retractions SET replaced_by = 1");
    w.run(None, &["show", "C1"])
        .error("the tables say entry 7 is C2's retraction, and it is not");
}
