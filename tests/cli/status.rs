//! `claimtrail status`: where a log stands, at a glance, through a desk's day.

use crate::common::*;

/// The status's rows by name (`name  value`).
fn rows(out: &str) -> std::collections::BTreeMap<String, String> {
    out.lines()
        .map(|l| {
            let (name, value) = l.split_once(' ').unwrap();
            (name.to_string(), value.trim_start().to_string())
        })
        .collect()
}

#[test]
fn status_says_what_the_log_holds_and_what_awaits() {
    let w = Work::with_claims();
    let db = w.db.display().to_string();
    // Without a key: the counts, the review queue, the checkpoint row.
    let out = w.run(None, &["status"]);
    let r = rows(out.ok());
    assert_eq!(r["log"], format!("{db} (origin test.example/idlib)"));
    assert!(
        r["entries"].starts_with("7; the last, entry 6, annotation.add A1 by Rana Haddad at "),
        "{}",
        out.stdout
    );
    assert_eq!(r["sources"], "1");
    assert_eq!(
        r["claims"],
        "2; 1 awaiting review (`claimtrail list claims --unannotated`)"
    );
    assert_eq!(r["annotations"], "1");
    assert_eq!(r["keys"], "1 admin, 1 analyst, 1 auditor");
    assert_eq!(
        r["checkpoint"],
        "none yet: no signed checkpoint covers the 7 entries (an admin's `claimtrail checkpoint` signs one)"
    );
    assert!(!r.contains_key("you"), "{}", out.stdout);
    assert!(r["verified"].starts_with("not by this command"));
    assert!(out.stderr.is_empty(), "{}", out.stderr);

    // A checkpoint covers everything before its own entry.
    w.run(Some("admin"), &["checkpoint"]).ok();
    let r = rows(w.run(None, &["status"]).ok());
    assert!(
        r["checkpoint"].starts_with("entry 7, of tree size 7, signed by admin at "),
        "{r:?}"
    );
    assert!(r["checkpoint"].ends_with("; it covers every entry before it"));

    // The analyst reviews C2 and retracts C1: the queue empties, and the
    // two entries since are not covered yet.
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
    let out = w.run(Some("analyst"), &["status"]);
    let r = rows(out.ok());
    assert_eq!(
        r["claims"],
        "2 (1 retracted); every standing claim has an annotation"
    );
    assert!(
        r["checkpoint"].ends_with(
            "; 2 entries after it not covered yet (`claimtrail log --uncovered` lists them; an admin's `claimtrail checkpoint` signs a new one)"
        ),
        "{}",
        out.stdout
    );
    let fp = |name: &str| {
        let line = std::fs::read_to_string(w.path(&format!("{name}.pub"))).unwrap();
        let key = ssh_key::PublicKey::from_openssh(&line).unwrap();
        key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
    };
    assert_eq!(
        r["you"],
        format!("Rana Haddad, analyst ({})", fp("analyst"))
    );

    // The same for scripts, with the bare numbers.
    let json: serde_json::Value =
        serde_json::from_str(w.run(Some("analyst"), &["--json", "status"]).ok()).unwrap();
    let s = &json["status"];
    assert_eq!(s["entries"], 10);
    assert_eq!(s["uncovered"], 2);
    assert_eq!(s["checkpoint"]["size"], 7);
    assert_eq!(
        s["claims"],
        serde_json::json!({"total": 2, "retracted": 1, "unannotated": 0})
    );
    assert_eq!(
        s["annotations"],
        serde_json::json!({"total": 2, "retracted": 0})
    );
    assert_eq!(s["last"]["kind"], "claim.retract");
    assert_eq!(json["you"]["enrolled"], true);
    assert_eq!(json["you"]["role"], "analyst");
    assert_eq!(json["db"], db);

    // A key the log does not know, and one revoked since.
    w.key("stranger");
    let r = rows(w.run(Some("stranger"), &["status"]).ok());
    assert_eq!(
        r["you"],
        format!(
            "{} is not enrolled in this log (an admin enrolls it with `claimtrail --key ADMIN_KEY key add YOUR_KEY.pub --role analyst`)",
            fp("stranger")
        )
    );
    // One shape either way: the members a script reads are there, null.
    let j: serde_json::Value =
        serde_json::from_str(w.run(Some("stranger"), &["--json", "status"]).ok()).unwrap();
    assert_eq!(
        j["you"],
        serde_json::json!({"enrolled": false, "fingerprint": fp("stranger"), "name": null, "role": null, "revoked_seq": null})
    );
    w.run(
        Some("admin"),
        &["key", "revoke", "analyst.pub", "--reason", "left the desk"],
    )
    .ok();
    let r = rows(w.run(Some("analyst"), &["status"]).ok());
    assert_eq!(
        r["you"],
        format!(
            "Rana Haddad, analyst ({}), revoked at entry 10: it can no longer sign",
            fp("analyst")
        )
    );
    // The roles count the keys that can sign ("1 analyst (1 revoked)"
    // read as if every analyst was).
    assert_eq!(r["keys"], "1 admin, 0 analysts, 1 auditor; 1 revoked");
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "status"]).ok()).unwrap();
    assert_eq!(
        j["status"]["keys"],
        serde_json::json!({"total": 3, "admin": 1, "analyst": 0, "auditor": 1, "revoked": 1})
    );
}

/// A log cut short below its latest checkpoint: `status` reads the tables
/// and checks nothing, but it no longer says that checkpoint "covers every
/// entry before it" when its own two numbers contradict each other; it
/// says the log was cut short or altered, and exits 1.
#[test]
fn status_does_not_present_a_checkpoint_past_the_end_as_covering_the_log() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    assert!(w
        .run(None, &["status"])
        .ok()
        .contains("; it covers every entry before it\n"));
    w.sql("DELETE FROM entries WHERE seq >= 6");
    let r = w.run(None, &["status"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(
        r.stdout.contains(", of tree size 7, signed by admin at ")
            && r.stdout.contains("; but the log has only 6 entries: it was cut short or its file altered (`claimtrail verify` says what differs)\n"),
        "{}",
        r.stdout
    );
    let j = w.run(None, &["status", "--json"]);
    assert_eq!(j.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(doc["status"]["checkpoint_beyond_log"], true, "{doc}");
    // `log --uncovered`, which lists what `status` counts, says so too
    // (it listed nothing, exit 0, as if every entry were covered).
    let r = w.run(None, &["log", "--uncovered"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.ends_with("warning: the latest checkpoint (entry 7) commits to 7 entries but the log has only 6 entries: it was cut short or its file altered (`claimtrail verify` says what differs)\n"),
        "{}",
        r.stderr
    );
    let j = w.run(None, &["--json", "log", "--uncovered"]);
    assert_eq!((j.code, j.stdout.trim()), (1, "[]"), "{}", j.stderr);
}

#[test]
fn status_refuses_what_it_cannot_read() {
    let w = Work::with_team();
    let before = w.db_bytes();
    w.run(None, &["--db", "nope.db", "status"])
        .error("no claimtrail database at nope.db");
    // A key it cannot read is said on the `you` line, and the rest shown.
    let r = w.run_with(
        None,
        &[("CLAIMTRAIL_KEY", "missing-key")],
        &["status"],
        None,
    );
    assert!(
        rows(r.ok())["you"].starts_with("cannot tell: cannot use key missing-key: no such file"),
        "{}",
        r.stdout
    );
    std::fs::write(w.path("junk"), "not a key\n").unwrap();
    let r = w.run(Some("junk"), &["status"]);
    assert!(
        rows(r.ok())["you"].starts_with("cannot tell: "),
        "{}",
        r.stdout
    );
    assert_eq!(w.db_bytes(), before, "status wrote to the log");
}

/// A log named with `--db` on the command line: the commands that status,
/// verify, claim suggest and prove print for the user to run next name it
/// too (pasted without it, they read `./claimtrail.db`, another log or
/// none), as errors' hints do.
#[test]
fn commands_printed_to_run_next_name_the_log_given_with_db() {
    let w = Work::with_claims();
    std::fs::rename(&w.db, w.path("case.db")).unwrap();
    let with_db = |args: &[&str]| -> Run {
        let mut all = vec!["--db", "case.db"];
        all.extend_from_slice(args);
        w.run_with(None, &[("CLAIMTRAIL_DB", "")], &all, None)
    };
    let r = rows(with_db(&["status"]).ok());
    assert_eq!(
        r["claims"],
        "2; 1 awaiting review (`claimtrail --db case.db list claims --unannotated`)"
    );
    assert!(
        r["checkpoint"].ends_with("(an admin's `claimtrail --db case.db checkpoint` signs one)"),
        "{r:?}"
    );
    let v = with_db(&["verify"]);
    assert!(
        v.ok().contains(
            "\ncheckpoints: none signed in the log yet; an admin's `claimtrail --db case.db checkpoint` signs one\n"
        ),
        "{}",
        v.stdout
    );
    let e = with_db(&["--key", "admin", "export", "C1", "--out", "c1.json"]);
    assert!(
        e.ok()
            .contains("the log's verifier key (`claimtrail --db case.db key vkey`)"),
        "{}",
        e.stdout
    );
    let s = with_db(&["claim", "suggest", "S1"]);
    assert!(
        s.ok()
            .contains("`claimtrail --db case.db claim suggest S1 --add "),
        "{}",
        s.stdout
    );
}

/// A key that cannot be read (a CLAIMTRAIL_KEY left from another machine,
/// a file moved) is said on the `you` line; the rest of the status is the
/// log's, and `status` refused it all (exit 2) where `list` and `show`
/// went on. Found by a red-team helper.
#[test]
fn status_with_a_key_it_cannot_read_says_so_on_the_you_line() {
    let w = Work::with_claims();
    let r = w.run_with(
        None,
        &[("CLAIMTRAIL_KEY", "/nonexistent/key")],
        &["status"],
        None,
    );
    let out = rows(r.ok());
    assert!(
        out["you"].starts_with("cannot tell: cannot use key /nonexistent/key: "),
        "{}",
        r.stdout
    );
    assert!(out["claims"].starts_with('2'), "{}", r.stdout);
    let r = w.run_with(
        None,
        &[("CLAIMTRAIL_KEY", "/nonexistent/key")],
        &["--json", "status"],
        None,
    );
    let j: serde_json::Value = serde_json::from_str(r.ok()).unwrap();
    assert!(
        j["key_error"]
            .as_str()
            .unwrap()
            .starts_with("cannot use key"),
        "{j}"
    );
    assert!(j["you"].is_null(), "{j}");
}
