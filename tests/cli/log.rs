//! `claimtrail log` narrowed down: an auditor's questions of the log itself
//! (what did this key sign, what changed the keys, what was appended since
//! the last checkpoint), each answered as the whole log filtered by hand.

use crate::common::*;

/// The log's lines as JSON, with `args` (and `key`, for `--mine`).
fn lines(w: &Work, key: Option<&str>, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--json", "log"];
    all.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(w.run(key, &all).ok()).unwrap();
    v.as_array().unwrap().clone()
}

/// The seqs of `lines`.
fn seqs(lines: &[serde_json::Value]) -> Vec<u64> {
    lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect()
}

#[test]
fn an_auditor_narrows_the_log_down() {
    let w = Work::with_claims();
    // Entries 0–2 are the admin's (the log and two keys), 3–6 the
    // analyst's (S1, C1, C2, A1); two more annotations on fixed days.
    for (day, verdict) in [
        ("2026-11-28T23:30:00Z", "unverified"),
        ("2026-11-29T08:00:00Z", "disputed"),
    ] {
        w.run_at(
            day,
            Some("analyst"),
            &["annotate", "C2", "--verdict", verdict],
        )
        .ok();
    }
    let all = lines(&w, None, &[]);
    assert_eq!(seqs(&all), (0..9).collect::<Vec<_>>());
    // Each filter gives the whole log's lines that meet it, items numbered
    // as in the whole log.
    let only = |keep: &dyn Fn(&serde_json::Value) -> bool| -> Vec<serde_json::Value> {
        all.iter().filter(|l| keep(l)).cloned().collect()
    };
    let kind_in = |kinds: &'static [&'static str]| {
        move |l: &serde_json::Value| kinds.contains(&l["kind"].as_str().unwrap())
    };
    // `key`: every entry that changed the keys, log.init (the first
    // admin's) included.
    assert_eq!(
        lines(&w, None, &["--kind", "key"]),
        only(&kind_in(&["key.add", "log.init"]))
    );
    assert_eq!(seqs(&lines(&w, None, &["--kind", "key"])), [0, 1, 2]);
    assert_eq!(
        lines(&w, None, &["--kind", "key.add,log.init"]),
        only(&kind_in(&["key.add", "log.init"]))
    );
    let claims_and_annotations = lines(&w, None, &["--kind", "claim", "--kind", "annotation"]);
    assert_eq!(
        claims_and_annotations,
        only(&kind_in(&["claim.add", "annotation.add"]))
    );
    let ids: Vec<&str> = claims_and_annotations
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["C1", "C2", "A1", "A2", "A3"]);
    // A kind as a person types it.
    assert_eq!(
        lines(&w, None, &["--kind", "Claim.Add"]),
        only(&kind_in(&["claim.add"]))
    );

    // By signer: a name, part of it, a fingerprint, or your own key.
    let signed_by = |name: &'static str| move |l: &serde_json::Value| l["signer_name"] == name;
    assert_eq!(
        lines(&w, None, &["--by", "admin"]),
        only(&signed_by("admin"))
    );
    assert_eq!(seqs(&lines(&w, None, &["--by", "admin"])), [0, 1, 2]);
    let rana = lines(&w, None, &["--by", "rana"]);
    assert_eq!(rana, only(&signed_by("Rana Haddad")));
    assert_eq!(lines(&w, Some("analyst"), &["--mine"]), rana);
    let fp = all[3]["signer"].as_str().unwrap();
    assert_eq!(lines(&w, None, &["--by", fp]), rana);

    // By the time each entry states: a whole day in UTC, or a period.
    assert_eq!(
        seqs(&lines(
            &w,
            None,
            &["--since", "2026-11-29", "--until", "2026-11-29"]
        )),
        [8]
    );
    assert_eq!(seqs(&lines(&w, None, &["--until", "2026-11-29"])), [7, 8]);
    assert_eq!(
        seqs(&lines(
            &w,
            None,
            &[
                "--kind",
                "annotation",
                "--by",
                "rana",
                "--until",
                "2026-11-28"
            ]
        )),
        [7]
    );
    // -n keeps the last N of what the filters let through.
    let last = lines(&w, None, &["--kind", "claim", "-n", "1"]);
    assert_eq!(seqs(&last), [5]);
    assert_eq!(last[0]["id"], "C2");
    assert_eq!(
        seqs(&lines(&w, None, &["--by", "admin", "-n", "2"])),
        [1, 2]
    );
    assert!(lines(&w, None, &["--by", "admin", "-n", "0"]).is_empty());
    // `--last` as in `list`.
    assert_eq!(
        seqs(&lines(&w, None, &["--kind", "claim", "--last", "1"])),
        [5]
    );
    assert_eq!(
        seqs(&lines(&w, None, &["--by", "admin", "-n", "100"])),
        [0, 1, 2]
    );

    // The table has the whole log's columns; when nothing is found, no
    // table but a line on stderr.
    let table = w.run(None, &["log", "--kind", "key"]).ok().to_string();
    let rows: Vec<Vec<String>> = table.lines().map(cells).collect();
    assert_eq!(
        rows[0],
        ["SEQ", "TIME", "KIND", "ID", "SIGNER", "HASH", "SUMMARY"]
    );
    assert_eq!(rows.len(), 4, "{table}");
    assert_eq!(rows[1][2], "log.init");
    assert_eq!(rows[2][2], "key.add");
    assert!(
        rows[2].contains(&"Rana Haddad enrolled as analyst".to_string()),
        "{table}"
    );
    assert_eq!(
        w.run(None, &["log", "--kind", "source.redact"]).nothing(),
        "no entry matches these conditions, of the log's 9"
    );
    assert_eq!(
        w.run(None, &["--json", "log", "--kind", "source.redact"])
            .ok(),
        "[]\n"
    );
}

#[test]
fn the_log_lists_what_the_latest_checkpoint_does_not_cover() {
    let w = Work::with_claims();
    let uncovered = |w: &Work| seqs(&lines(w, None, &["--uncovered"]));
    let status_count = |w: &Work| -> u64 {
        let s: serde_json::Value =
            serde_json::from_str(w.run(None, &["--json", "status"]).ok()).unwrap();
        s["status"]["uncovered"].as_u64().unwrap()
    };
    // No checkpoint yet: nothing is covered.
    assert_eq!(uncovered(&w), (0..7).collect::<Vec<_>>());
    assert_eq!(status_count(&w), 7);
    // A checkpoint covers every entry before it; its own entry waits for
    // the next one, and is not listed (as `status` does not count it).
    w.run(Some("admin"), &["checkpoint"]).ok();
    assert_eq!(uncovered(&w), Vec::<u64>::new());
    assert_eq!(status_count(&w), 0);
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "unverified"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C1", "--reason", "misattributed"],
    )
    .ok();
    let after = lines(&w, None, &["--uncovered"]);
    assert_eq!(seqs(&after), [8, 9]);
    assert_eq!(after[0]["id"], "A2");
    assert_eq!(after[0]["target"], serde_json::Value::Null);
    // The claim a retraction retracts, whole, beside its cut summary.
    assert_eq!(after[1]["id"], serde_json::Value::Null);
    assert_eq!(after[1]["target"], "C1");
    assert_eq!(status_count(&w), 2);
    // With the other filters, and -n.
    assert_eq!(
        seqs(&lines(&w, None, &["--uncovered", "--kind", "claim"])),
        [9]
    );
    assert_eq!(seqs(&lines(&w, None, &["--uncovered", "-n", "1"])), [9]);
    // A new checkpoint covers them, and the earlier checkpoint entry too.
    w.run(Some("admin"), &["checkpoint"]).ok();
    assert_eq!(uncovered(&w), Vec::<u64>::new());
}

#[test]
fn a_filter_that_cannot_be_met_is_refused() {
    let w = Work::with_claims();
    let before = w.run(None, &["--json", "log"]).ok().to_string();
    w.run(None, &["log", "--kind", "keys"]).error(
        "`keys` is not an entry kind: use one of log.init, key.add, key.revoke, source.add, \
         source.redact, source.amend, claim.add, claim.retract, annotation.add, annotation.retract, checkpoint.add, or a family: \
         log, key, source, claim, annotation, checkpoint",
    );
    w.run(None, &["log", "--kind", "claim,"])
        .error("`` is not an entry kind");
    w.run(None, &["log", "--by", "nobody"]).error(
        "no key in this log has a name with `nobody` in it, or that fingerprint \
         (hint: see `claimtrail list keys`",
    );
    w.run(None, &["log", "--mine"])
        .error("no key given to say who you are");
    w.key("stranger");
    w.run(Some("stranger"), &["log", "--mine"])
        .error("is not enrolled in this log");
    w.run(None, &["log", "--since", "last week"])
        .error("--since: `last week` is not a date or time (hint: give --since as YYYY-MM-DD");
    w.run(
        None,
        &["log", "--since", "2026-12-02", "--until", "2026-12-01"],
    )
    .error("--since 2026-12-02T00:00:00Z is after --until 2026-12-01T23:59:59Z: no entry can be in that period");
    w.run(None, &["log", "--seq", "3", "--kind", "key"])
        .error("the argument '--seq <SEQ>' cannot be used with '--kind <KIND>'");
    w.run(None, &["log", "--by", "admin", "--mine"])
        .error("cannot be used with");
    // An entry past the end: where the log ends is said, as `show C99`
    // says the last claim.
    for args in [
        &["log", "--seq", "99"][..],
        &["log", "--seq", "99", "--payload"],
    ] {
        w.run(None, args).error(
            "error: there is no entry 99: the log has 7 entries (hint: see `claimtrail log` for the entries)",
        );
    }
    // Nothing of it changed the log.
    assert_eq!(w.run(None, &["--json", "log"]).ok(), before);
}

/// A revocation's line names the key revoked, as an enrolment's names the
/// key enrolled: it gave the fingerprint alone, cut short.
#[test]
fn a_revocation_names_the_key_it_revoked() {
    let w = Work::with_claims();
    w.revoke("admin", "analyst", "laptop stolen");
    let table = w
        .run(None, &["log", "--kind", "key.revoke"])
        .ok()
        .to_string();
    assert!(
        table.contains("Rana Haddad revoked: laptop stolen"),
        "{table}"
    );
    // In JSON, the key by its fingerprint: the summary is cut, and
    // `target` names items, not keys (it was null, and the cut prose all).
    let keys: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "key", "list"]).ok()).unwrap();
    let fp = |name: &str| {
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .unwrap()["fingerprint"]
            .clone()
    };
    let all = lines(&w, None, &[]);
    assert_eq!(all[0]["key"], fp("admin"), "{:?}", all[0]);
    assert_eq!(all[1]["key"], fp("Rana Haddad"));
    let revoked = all.iter().find(|l| l["kind"] == "key.revoke").unwrap();
    assert_eq!(revoked["key"], fp("Rana Haddad"));
    assert_eq!(all[3]["kind"], "source.add");
    assert_eq!(all[3]["key"], serde_json::Value::Null);
}

/// An RFC 3339 instant within a second: entry times are whole seconds, so
/// `--since` it starts at the next whole second (an annotation signed at
/// 06:00:57 was listed as since 06:00:57.5), and `--until` it ends at its
/// own second.
#[test]
fn a_period_within_a_second_is_that_instant() {
    let w = Work::with_claims();
    w.run_at(
        "2026-12-05T06:00:57Z",
        Some("analyst"),
        &["annotate", "C2", "--verdict", "false"],
    )
    .ok();
    let ids = |args: &[&str]| {
        let mut all = vec!["list", "annotations", "--json"];
        all.extend(args);
        json_ids(w.run(None, &all).ok())
    };
    assert!(!ids(&["--since", "2026-12-05T06:00:57.5Z"]).contains(&"A2".to_string()));
    assert!(ids(&["--since", "2026-12-05T06:00:57Z"]).contains(&"A2".to_string()));
    assert!(ids(&["--until", "2026-12-05T06:00:57.5Z"]).contains(&"A2".to_string()));
}

/// An auditor who kept a checkpoint asks what was appended since:
/// `log --after FILE` lists the entries after its tree, narrowed down like
/// any listing; a checkpoint of another log, or of more entries than the
/// log holds, is refused with what to run.
#[test]
fn what_was_appended_after_a_kept_checkpoint() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "kept.txt"])
        .ok();
    // Entries 0..7 are in its tree; its own entry, 7, is after it.
    assert_eq!(seqs(&lines(&w, None, &["--after", "kept.txt"])), [7]);
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C2", "--reason", "the wrong speaker"],
    )
    .ok();
    assert_eq!(seqs(&lines(&w, None, &["--after", "kept.txt"])), [7, 8, 9]);
    assert_eq!(
        seqs(&lines(
            &w,
            None,
            &["--after", "kept.txt", "--kind", "claim"]
        )),
        [9]
    );
    let text = w.run(None, &["log", "--after", "kept.txt", "-n", "1"]);
    assert!(
        text.ok().lines().nth(1).unwrap().starts_with("9 "),
        "{}",
        text.stdout
    );

    // Of another log, or of a tree the log no longer holds.
    let other = w.path("other.db");
    let at_other = [("CLAIMTRAIL_DB", other.to_str().unwrap())];
    w.run_with(
        Some("admin"),
        &at_other,
        &["init", "--origin", "desk.example/other"],
        None,
    )
    .ok();
    w.run_with(
        Some("admin"),
        &at_other,
        &["checkpoint", "--out", "other.txt"],
        None,
    )
    .ok();
    let before = w.db_bytes();
    w.run(None, &["log", "--after", "other.txt"]).error(
        "other.txt is a checkpoint of `desk.example/other`, not of this log `test.example/idlib` (hint: give a checkpoint of this log",
    );
    let grown = w.path("grown.db");
    std::fs::copy(&w.db, &grown).unwrap();
    let at_grown = [("CLAIMTRAIL_DB", grown.to_str().unwrap())];
    w.run_with(
        Some("analyst"),
        &at_grown,
        &["annotate", "C1", "--verdict", "false"],
        None,
    )
    .ok();
    w.run_with(
        Some("admin"),
        &at_grown,
        &["checkpoint", "--out", "grown.txt"],
        None,
    )
    .ok();
    w.run(None, &["log", "--after", "grown.txt"]).error(
        "grown.txt covers 11 entries, and the log holds 10 entries (hint: entries were removed since, or the file is another log's of the same name: `claimtrail verify --checkpoint grown.txt` says which)",
    );
    w.run(None, &["log", "--after", "cp-none.txt"])
        .error("cannot read cp-none.txt");
    assert!(before == w.db_bytes());
}

/// A damaged log is listed to find the entry `verify` names: an entry
/// whose payload no longer parses spends its item's number all the same,
/// so the items after it have the numbers `verify`, `log --seq` and `show`
/// give them (the listing gave each one lower), and what cannot be read
/// is null, not an empty time or signer.
#[test]
fn an_unreadable_entry_keeps_the_numbers_after_it() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET payload = X'7B7D' WHERE seq = 4");
    let all = lines(&w, None, &[]);
    assert_eq!(all[4]["kind"], "claim.add");
    assert_eq!(all[4]["id"], serde_json::Value::Null);
    assert_eq!(all[4]["time"], serde_json::Value::Null);
    assert_eq!(all[4]["signer"], serde_json::Value::Null);
    assert_eq!(all[4]["signer_name"], serde_json::Value::Null);
    assert_eq!(all[5]["id"], "C2", "{:?}", all[5]);
    // Filtered, and the last few: the same numbers.
    for args in [&["--kind", "claim"][..], &["-n", "3"][..]] {
        let some = lines(&w, None, args);
        let c2 = some.iter().find(|l| l["seq"] == 5).unwrap();
        assert_eq!(c2["id"], "C2", "{args:?}");
    }
    let one: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "log", "--seq", "5"]).ok()).unwrap();
    assert_eq!(one["entry"]["id"], "C2", "{one}");
    let table = w.run(None, &["log"]).ok().to_string();
    let row = table.lines().find(|l| l.starts_with("5 ")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2..4], ["claim.add", "C2"], "{table}");
    let damaged = table.lines().find(|l| l.starts_with("4 ")).unwrap();
    assert!(
        damaged.contains("(unreadable payload: run `claimtrail verify`)")
            && damaged.contains(" ? "),
        "{table}"
    );
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("PROBLEM entry 4 (claim.add"),
        "{}",
        r.stdout
    );
    // With no time, it lies in no period: `--until` listed it as signed
    // before any date, and `--since` never did.
    for period in ["--until", "--since"] {
        let some = lines(&w, None, &[period, "2000-01-01"]);
        assert!(!some.iter().any(|l| l["seq"] == 4), "{period}: {some:?}");
    }
    // A report of the damaged log names the signer it cannot read `?`.
    let report = w.run(None, &["report", "--format", "json"]);
    assert_eq!(report.code, 1, "{}", report.stderr);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let entry = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["seq"] == 4)
        .unwrap();
    assert_eq!(entry["signer_name"], "?", "{entry}");
}

/// A payload edited with SQL's replace() is stored as text, and a kind
/// written as a blob: the log is still listed, to find the entry verify
/// names (one such row made `log` refuse every line: "database error:
/// Invalid column type Text"); a hash that is not 32 bytes is named.
#[test]
fn rows_tampered_with_sql_are_listed() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET payload = replace(payload, 'Seven', 'Eight') WHERE seq = 4");
    w.sql("UPDATE entries SET kind = CAST(kind AS BLOB) WHERE seq = 5");
    let all = lines(&w, None, &[]);
    assert_eq!(all.len(), 7);
    assert_eq!(all[4]["id"], "C1", "{:?}", all[4]);
    assert_eq!(all[5]["kind"], "claim.add");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1);
    w.sql("UPDATE entries SET hash = X'00' WHERE seq = 6");
    w.run(None, &["log"]).error(
        "error: entry 6's hash is not 32 bytes, so it cannot be listed: run `claimtrail verify`: the log's file is damaged or was altered outside claimtrail",
    );
}
