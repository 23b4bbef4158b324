//! `tools/independent_verify.py`, a second implementation of FORMAT.md's
//! checks (Python's standard library, and OpenSSH's `ssh-keygen -Y verify`
//! for the signatures), run beside `claimtrail verify` on the same logs:
//! they must agree on good logs (down to the Merkle root) and on tampered
//! ones (which entry, which check). It caught real differences in
//! claimtrail: kept checkpoints judged by the stored tree, duplicate source
//! texts judged by the `sources` table, publication dates RFC 3339 does not
//! write.

use crate::common::*;
use claimtrail::keys::Signer;
use claimtrail::model::{Body, KeyAdd, Role};
use std::collections::BTreeSet;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/independent_verify.py");

/// Runs the independent verifier on `db` with `args`.
fn independent(db: &std::path::Path, args: &[&str]) -> Run {
    let out = std::process::Command::new("python3")
        .arg(SCRIPT)
        .arg(db)
        .args(args)
        .output()
        .expect("python3 runs (the CI installs it)");
    Run::from(out)
}

/// (seq, check) of every problem in a `--json` report, projection aside.
/// claimtrail names the entries a key signed that only a failed entry
/// enrolled in one line ("N entries more, up to entry M, signed by K"),
/// after the first of them: that line stands for an `authorization`
/// problem at each entry from that first one to M (the independent
/// verifier names each). The line does not list which entries of that
/// span K signed, so every entry of it counts: a span where another key's
/// authorization problem went unnamed by claimtrail would not be caught
/// here (the tamper tests name those one by one).
fn named(json: &str) -> BTreeSet<(Option<u64>, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let problems = v["problems"].as_array().unwrap();
    let mut out: BTreeSet<(Option<u64>, String)> = problems
        .iter()
        .filter(|p| p["check"] != "projection")
        .map(|p| (p["seq"].as_u64(), p["check"].as_str().unwrap().to_string()))
        .collect();
    for p in problems {
        let detail = p["detail"].as_str().unwrap_or_default();
        let Some(rest) = detail.split(" more, up to entry ").nth(1) else {
            continue;
        };
        let (Some(last), Some(key)) = (
            rest.split(',').next().and_then(|n| n.parse::<u64>().ok()),
            rest.split("signed by ")
                .nth(1)
                .and_then(|k| k.split(',').next()),
        ) else {
            continue;
        };
        let first = problems
            .iter()
            .filter(|q| {
                q["check"] == "authorization"
                    && q["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains(key) && d.contains(" is not enrolled: entry "))
            })
            .filter_map(|q| q["seq"].as_u64())
            .min()
            .unwrap_or(last);
        for seq in first..=last {
            out.insert((Some(seq), "authorization".to_string()));
        }
    }
    out
}

/// Every problem the independent verifier names (its `--json` report),
/// claimtrail names too (claimtrail also checks the projection tables).
#[track_caller]
fn named_by_claimtrail_too(ours: &str, theirs: &str, what: &str) {
    let (ours, theirs) = (named(ours), named(theirs));
    assert!(
        theirs.is_subset(&ours),
        "{what}: only the independent verifier names {:?}",
        theirs.difference(&ours).collect::<Vec<_>>()
    );
}

#[test]
fn the_independent_verifier_agrees_on_the_demo_log() {
    let w = Work::new();
    let dir = w.path("demo");
    w.run(None, &["demo", "--dir", dir.to_str().unwrap()]).ok();
    let db = dir.join("claimtrail.db");
    let theirs = independent(&db, &[]);
    assert_eq!(theirs.code, 0, "{}\n{}", theirs.stdout, theirs.stderr);
    assert!(
        theirs
            .stdout
            .starts_with("log newsroom.example/idlib-2022: 21 entries, tree root ")
            && theirs.stdout.ends_with("OK: no problems found\n"),
        "{}",
        theirs.stdout
    );
    assert!(theirs.stderr.is_empty(), "{}", theirs.stderr);
    let ours = w.run_with(
        None,
        &[("CLAIMTRAIL_DB", db.to_str().unwrap())],
        &["--json", "verify"],
        None,
    );
    let ours: serde_json::Value = serde_json::from_str(ours.ok()).unwrap();
    let theirs: serde_json::Value =
        serde_json::from_str(independent(&db, &["--json"]).ok()).unwrap();
    assert_eq!(theirs["tree_root"], ours["tree_root"]);
    assert_eq!(theirs["entries"], ours["entries"]);
    assert_eq!(theirs["origin"], ours["origin"]);
}

/// A log with every kind of entry and rule: redaction, retraction with a
/// replacement, supersession, an auditor's annotation, a checkpoint, a
/// revoked admin; both verifiers pass it, with the same root, and both
/// hold a kept checkpoint consistent.
fn full_log() -> (Work, String) {
    let w = Work::with_claims();
    w.key("admin2");
    let run = |key: &str, args: &str| {
        let args: Vec<&str> = args.split('|').collect();
        w.run(Some(key), &args).ok_noted().to_string()
    };
    run("admin", "key|add|admin2.pub|--role|admin");
    let s2 = w.source_from_stdin(
        "analyst",
        "tweet",
        "Seven civilians were killed, the White Helmets said.",
    );
    w.claim_on(
        &s2,
        &["--quote", "Seven civilians were killed"],
        "White Helmets",
        "tweet",
    )
    .ok();
    run(
        "analyst",
        "annotate|C1|--verdict|false|--supersedes|A1|--corroborates|C3",
    );
    run(
        "auditor",
        "annotate|C2|--verdict|confirmed|--reliability|A|--credibility|2",
    );
    run(
        "analyst",
        "claim|retract|C2|--reason|wrong speaker|--replaced-by|C3",
    );
    run(
        "admin",
        &format!("source|redact|{s2}|--reason|the author asked"),
    );
    run("admin", "checkpoint");
    let keys: serde_json::Value =
        serde_json::from_str(w.run(None, &["key", "list", "--json"]).ok()).unwrap();
    let admin2 = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "admin2")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    run(
        "admin",
        &format!("key|revoke|{admin2}|--reason|left the desk"),
    );
    run("analyst", "annotate|C3|--verdict|corroborated");
    let cp = w.path("cp.txt");
    run("admin", &format!("checkpoint|--out|{}", cp.display()));
    (w, cp.to_str().unwrap().to_string())
}

#[test]
fn the_independent_verifier_agrees_on_every_kind_of_entry() {
    let (w, cp) = full_log();
    let ours = w.run(None, &["--json", "verify", "--checkpoint", &cp]);
    let ours: serde_json::Value = serde_json::from_str(ours.ok()).unwrap();
    let theirs = independent(&w.db, &["--json", "--checkpoint", &cp]);
    assert_eq!(theirs.code, 0, "{}\n{}", theirs.stdout, theirs.stderr);
    let theirs: serde_json::Value = serde_json::from_str(&theirs.stdout).unwrap();
    assert_eq!(theirs["ok"], true);
    assert_eq!(theirs["tree_root"], ours["tree_root"]);
    assert_eq!(theirs["entries"], ours["entries"]);
    assert_eq!(ours["counts"]["redacted_sources"], 1);
    assert_eq!(ours["counts"]["retracted_claims"], 1);
    assert_eq!(ours["counts"]["revoked_keys"], 1);
    assert_eq!(theirs["checkpoints"][0]["status"], "consistent");

    // Several kept files after one `--checkpoint`, as `verify` takes them,
    // each judged on a line of its own.
    let theirs = independent(&w.db, &["--checkpoint", &cp, &cp]);
    let line = format!("checkpoint {cp} (size 17): consistent\n");
    assert_eq!(theirs.code, 0, "{}\n{}", theirs.stdout, theirs.stderr);
    assert_eq!(theirs.stdout.matches(&line).count(), 2, "{}", theirs.stdout);
    assert!(theirs.stdout.ends_with("OK: no problems found\n"));
}

#[test]
fn both_verifiers_name_the_same_entries_and_checks_in_a_tampered_log() {
    let (w, cp) = full_log();
    let pristine = w.db_bytes();
    // Entries of `full_log`: 0 log.init, 1-2 key.add, 3 S1, 4 C1, 5 C2,
    // 6 A1, 7 key.add, 8 S2, 9 C3, 10 A2, 11 A3, 12 claim.retract,
    // 13 source.redact, 14 checkpoint.add, 15 key.revoke, 16 A4,
    // 17 checkpoint.add (the kept `cp`, of entries 0..16).
    let cases: &[(&str, &str, &str)] = &[
        (
            "a payload edited",
            "UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"speaker\":\"White Helmets\"', '\"speaker\":\"White Helmetz\"') AS BLOB) WHERE seq = 4",
            "entry 4 (claim.add C1): signature: ",
        ),
        (
            "a payload made non-canonical",
            "UPDATE entries SET payload = CAST(CAST(payload AS TEXT) || ' ' AS BLOB) WHERE seq = 6",
            "entry 6 (annotation.add): canonical: ",
        ),
        (
            "a signature byte flipped",
            "UPDATE entries SET sig = substr(sig, 1, 179) || CASE WHEN substr(sig, 180) = x'00' THEN x'01' ELSE x'00' END WHERE seq = 11",
            "entry 11 (annotation.add A3): signature: ",
        ),
        (
            "the hash column edited",
            "UPDATE entries SET hash = zeroblob(32) WHERE seq = 3",
            "entry 3 (source.add S1): hash: ",
        ),
        (
            "an entry deleted",
            "DELETE FROM entries WHERE seq = 8",
            "entry 9 (claim.add): sequence: ",
        ),
        (
            "two entries swapped",
            "UPDATE entries SET seq = -1 WHERE seq = 4; UPDATE entries SET seq = 4 WHERE seq = 5; UPDATE entries SET seq = 5 WHERE seq = -1",
            "entry 4 (claim.add C1): chain: ",
        ),
        (
            "the kind column edited",
            "UPDATE entries SET kind = 'claim.add' WHERE seq = 12",
            "entry 12 (claim.add): header: ",
        ),
        (
            "a source text edited",
            "UPDATE blobs SET data = CAST(replace(CAST(data AS TEXT), 'Idlib', 'Idleb') AS BLOB)",
            "entry 3 (source.add S1): blob: ",
        ),
        (
            "a source text deleted without a redaction",
            "DELETE FROM blobs",
            "entry 3 (source.add S1): blob: ",
        ),
    ];
    for (what, sql, line) in cases {
        w.restore(&pristine);
        w.sql(sql);
        let ours = w.run(None, &["verify"]);
        let theirs = independent(&w.db, &[]);
        assert_eq!(
            (ours.code, theirs.code),
            (1, 1),
            "{what}:\n{}\n{}",
            ours.stdout,
            theirs.stdout
        );
        assert!(
            ours.stdout.contains(&format!("PROBLEM {line}")),
            "{what}: claimtrail:\n{}",
            ours.stdout
        );
        assert!(
            theirs.stdout.lines().any(|l| l.starts_with(line)),
            "{what}: independent:\n{}",
            theirs.stdout
        );
        named_by_claimtrail_too(
            &w.run(None, &["--json", "verify"]).stdout,
            &independent(&w.db, &["--json", "--no-signatures"]).stdout,
            what,
        );
    }

    // A validly signed entry from a key nobody enrolled.
    w.restore(&pristine);
    let intruder = Signer::generate("intruder").unwrap();
    let body = Body::KeyAdd(KeyAdd {
        key: intruder.public().to_openssh(),
        name: "intruder".into(),
        role: Role::Admin,
    });
    let seq = crate::tamper::forge(&w, &intruder, body);
    let line = format!("entry {seq} (key.add): authorization: ");
    w.run(None, &["verify"])
        .problem(&format!("entry {seq} (key.add)"), "authorization");
    let theirs = independent(&w.db, &[]);
    assert_eq!(theirs.code, 1, "{}", theirs.stdout);
    assert!(
        theirs.stdout.lines().any(|l| l.starts_with(&line)),
        "{}",
        theirs.stdout
    );

    // The tail cut off: only the kept checkpoint can tell, for both.
    w.restore(&pristine);
    w.sql("DELETE FROM entries WHERE seq >= 15");
    let theirs = independent(&w.db, &["--checkpoint", &cp]);
    assert_eq!(theirs.code, 1, "{}", theirs.stdout);
    assert!(
        theirs.stdout.contains(": checkpoint: ")
            && theirs
                .stdout
                .contains("truncated: entries 15..16 were removed"),
        "{}",
        theirs.stdout
    );
    assert!(independent(&w.db, &[])
        .ok()
        .contains("OK: no problems found"));
    let ours = w.run(None, &["verify", "--checkpoint", &cp]);
    assert_eq!(ours.code, 1, "{}", ours.stdout);
    assert!(
        ours.stdout.contains("checkpoint: truncated: the log has 15 entries but this checkpoint commits to 17: entries 15..16 were removed"),
        "{}",
        ours.stdout
    );
}

#[test]
fn the_independent_verifier_leaves_the_projection_tables_to_claimtrail() {
    // Its documented limit: it reads `entries` and `blobs` only.
    let w = Work::with_claims();
    w.sql("UPDATE claims SET speaker = 'UNICEF' WHERE id = 1");
    w.run(None, &["verify"])
        .problem("entry 4 (claim.add C1)", "projection");
    assert!(independent(&w.db, &[])
        .ok()
        .contains("OK: no problems found"));
}

#[test]
fn the_independent_verifier_refuses_a_file_that_is_not_a_log() {
    let w = Work::new();
    let other = w.path("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let r = independent(&other, &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stderr, "error: not a claimtrail log (application_id)\n");
    assert!(r.stdout.is_empty());
    let r = independent(&w.path("missing.db"), &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: no such file: "),
        "{}",
        r.stderr
    );
}

/// Random damage (a flipped bit in a payload, signature or hash, a row
/// deleted, two rows swapped, a kind rewritten, a source text changed, the
/// tail cut), the same seeds on every run: both verifiers fail the log, and
/// every entry and check the independent one names, claimtrail names too.
/// (claimtrail also reports the projection tables.) Over 2,000 such cases passed
/// by hand when this was written; these 24 keep the agreement.
#[test]
fn both_verifiers_agree_on_random_damage() {
    let (w, _) = full_log();
    let pristine = w.db_bytes();
    let mut state: u64 = 0x5eed_c1a1_7a11;
    let mut next = |n: u64| {
        // splitmix64: a fixed, well-mixed sequence without a dependency
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    };
    for case in 0..24 {
        w.restore(&pristine);
        let c = rusqlite::Connection::open(&w.db).unwrap();
        let seq = next(18) as i64;
        let what = match case % 8 {
            0..=2 => {
                let col = ["payload", "sig", "hash"][next(3) as usize];
                let mut v: Vec<u8> = c
                    .query_row(
                        &format!("SELECT {col} FROM entries WHERE seq = ?"),
                        [seq],
                        |r| r.get(0),
                    )
                    .unwrap();
                let i = next(v.len() as u64) as usize;
                v[i] ^= 1 << next(8);
                c.execute(
                    &format!("UPDATE entries SET {col} = ? WHERE seq = ?"),
                    rusqlite::params![v, seq],
                )
                .unwrap();
                format!("bit flipped in the {col} of entry {seq}, byte {i}")
            }
            3 => {
                c.execute("DELETE FROM entries WHERE seq = ?", [seq])
                    .unwrap();
                format!("entry {seq} deleted")
            }
            4 => {
                let other = next(18) as i64;
                c.execute_batch(&format!(
                    "UPDATE entries SET seq = -5 WHERE seq = {seq};
                     UPDATE entries SET seq = {seq} WHERE seq = {other};
                     UPDATE entries SET seq = {other} WHERE seq = -5;"
                ))
                .unwrap();
                format!("entries {seq} and {other} swapped")
            }
            5 => {
                let kind =
                    ["claim.add", "source.add", "annotation.add", "key.add"][next(4) as usize];
                c.execute(
                    "UPDATE entries SET kind = ? WHERE seq = ?",
                    rusqlite::params![kind, seq],
                )
                .unwrap();
                format!("the kind column of entry {seq} set to {kind}")
            }
            6 => {
                let mut v: Vec<u8> = c
                    .query_row("SELECT data FROM blobs", [], |r| r.get(0))
                    .unwrap();
                let i = next(v.len() as u64) as usize;
                v[i] ^= 1 << next(8);
                c.execute("UPDATE blobs SET data = ?", [v]).unwrap();
                format!("bit flipped in the source text, byte {i}")
            }
            _ => {
                let from = 1 + next(17) as i64;
                c.execute("DELETE FROM entries WHERE seq >= ?", [from])
                    .unwrap();
                format!("entries from {from} on deleted")
            }
        };
        drop(c);
        let ours = w.run(None, &["--json", "verify"]);
        let theirs = independent(&w.db, &["--json"]);
        let parsed: serde_json::Value = serde_json::from_str(&ours.stdout).unwrap();
        let only_tables = parsed["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["check"] == "projection");
        if !only_tables {
            assert_eq!(
                (ours.code, theirs.code),
                (1, 1),
                "{what}:\n{}\n{}",
                ours.stdout,
                theirs.stdout
            );
        }
        named_by_claimtrail_too(&ours.stdout, &theirs.stdout, &what);
    }
}

/// Entries a key holder could sign and slip into the table by hand: each
/// validly signed, each breaking a rule (or the body's shape) in its own way.
/// Both verifiers must name the same checks for it. Differences found by
/// appending randomly mutated bodies this way, and fixed:
/// - the independent verifier stopped at a failed authorization, where
///   FORMAT §7.2 checks the body too;
/// - it judged a member of the wrong type (a fingerprint, a negative
///   offset) by the body rules, not as a body that does not parse;
/// - it left out the finer rules (a blank reason), so it took an invalid
///   redaction as valid and judged the log after it differently;
/// - claimtrail took publication dates that RFC 3339 does not write (any
///   character between date and time, a signed year).
#[test]
fn both_verifiers_judge_validly_signed_entries_that_break_the_rules_alike() {
    use serde_json::{json, Value};
    let (w, _) = full_log();
    let pristine = w.db_bytes();
    // Entries as in `full_log`: S1 at 3, C1 at 4, C2 at 5 (retracted at 12),
    // S2 at 8 (redacted at 13), A1 at 6; admin2 revoked at 15; 18 entries.
    let r = |id: &str, seq: i64| json!({"hash": w.entry_hash_at(seq).to_hex(), "id": id});
    let annotation = |claim: Value, supersedes: Value| {
        json!({"claim": claim, "contradicts": [], "corroborates": [], "credibility": null,
               "note": null, "reliability": null, "supersedes": supersedes,
               "verdict": "disputed"})
    };
    let claim = |start: i64, end: i64| {
        json!({"end": end, "prefix": "", "provenance": "tweet", "quote_sha256": "00".repeat(32),
               "source": r("S1", 3), "speaker": "UNICEF", "start": start, "suffix": "",
               "text": null})
    };
    // A `source.amend` of S1 that clears `clear` and gives `publisher`.
    let clearing = |clear: Value, publisher: Value| {
        json!({"author": null, "clear": clear, "kind": null, "published": null,
               "publisher": publisher, "reason": "recorded in error", "source": r("S1", 3),
               "title": null, "url": null})
    };
    let cases: Vec<(&str, &str, &str, Value, &[&str])> = vec![
        (
            "an auditor redacts a source already redacted",
            "auditor",
            "source.redact",
            json!({"reason": "again", "source": r("S2", 8)}),
            &["authorization", "body"],
        ),
        (
            "a revoked admin annotates",
            "admin2",
            "annotation.add",
            annotation(r("C1", 4), Value::Null),
            &["authorization"],
        ),
        (
            "an analyst annotates a retracted claim",
            "analyst",
            "annotation.add",
            annotation(r("C2", 5), Value::Null),
            &["reference"],
        ),
        (
            "an auditor names a claim as the annotation it supersedes",
            "auditor",
            "annotation.add",
            annotation(r("C1", 4), r("C1", 4)),
            &["reference"],
        ),
        (
            "an analyst revokes something that is not a fingerprint",
            "analyst",
            "key.revoke",
            json!({"fingerprint": "White Helmets", "reason": "x"}),
            &["body"],
        ),
        (
            "an annotation supersedes a number",
            "auditor",
            "annotation.add",
            annotation(r("C1", 4), json!(1)),
            &["body"],
        ),
        (
            "a revoked admin's claim ends at -1",
            "admin2",
            "claim.add",
            claim(0, -1),
            &["body"],
        ),
        (
            "an auditor's claim outside the source",
            "auditor",
            "claim.add",
            claim(0, 9_999_999),
            &["authorization", "body"],
        ),
        (
            "an admin's claim whose quote hash is wrong",
            "admin",
            "claim.add",
            claim(0, 5),
            &["quote"],
        ),
        (
            "an admin redacts a source with a blank reason",
            "admin",
            "source.redact",
            json!({"reason": " \u{3000}", "source": r("S1", 3)}),
            &["body"],
        ),
        (
            "a source published on a date RFC 3339 does not write",
            "analyst",
            "source.add",
            json!({"author": null, "derived_from": [], "kind": "tweet", "length": 5,
                   "media_type": "text/plain; charset=utf-8",
                   "published": "2022-07-22X09:30:00Z", "publisher": null,
                   "retrieved": "2026-11-25T10:00:00Z", "sha256": "11".repeat(32),
                   "title": null, "url": null}),
            &["body", "blob"],
        ),
        (
            "an auditor amends a source",
            "auditor",
            "source.amend",
            json!({"author": null, "kind": null, "published": null, "publisher": null,
                   "reason": "typo", "source": r("S1", 3), "title": "T", "url": null}),
            &["authorization"],
        ),
        (
            "an admin amends no field of a source",
            "admin",
            "source.amend",
            json!({"author": null, "kind": null, "published": null, "publisher": null,
                   "reason": "typo", "source": r("S1", 3), "title": null, "url": null}),
            &["body"],
        ),
        (
            "an amendment to a date RFC 3339 does not write",
            "analyst",
            "source.amend",
            json!({"author": null, "kind": null, "published": "2022-07-22X09:30:00Z",
                   "publisher": null, "reason": "typo", "source": r("S1", 3), "title": null,
                   "url": null}),
            &["body"],
        ),
        (
            "an auditor clears a source's publisher",
            "auditor",
            "source.amend",
            clearing(json!(["publisher"]), Value::Null),
            &["authorization"],
        ),
        (
            "an admin clears no field, with an empty list",
            "admin",
            "source.amend",
            clearing(json!([]), Value::Null),
            &["body"],
        ),
        (
            "an analyst clears a source's kind",
            "analyst",
            "source.amend",
            clearing(json!(["kind"]), Value::Null),
            &["body"],
        ),
        (
            "an analyst clears two fields listed out of order",
            "analyst",
            "source.amend",
            clearing(json!(["publisher", "published"]), Value::Null),
            &["body"],
        ),
        (
            "an analyst clears a field twice",
            "analyst",
            "source.amend",
            clearing(json!(["publisher", "publisher"]), Value::Null),
            &["body"],
        ),
        (
            "an admin gives the publisher and clears it",
            "admin",
            "source.amend",
            clearing(json!(["publisher"]), json!("Reuters")),
            &["body"],
        ),
        (
            "an admin clears with a string for a list",
            "admin",
            "source.amend",
            clearing(json!("publisher"), Value::Null),
            &["body"],
        ),
        (
            "an admin's checkpoint of the wrong size",
            "admin",
            "checkpoint.add",
            json!({"note": "x", "root": "00".repeat(32), "size": 5}),
            &["checkpoint"],
        ),
    ];
    for (what, key, kind, body, expected) in cases {
        w.restore(&pristine);
        sign_in(&w, key, 18, kind, body);
        let ours = w.run(None, &["--json", "verify"]);
        let theirs = independent(&w.db, &["--json"]);
        assert_eq!((ours.code, theirs.code), (1, 1), "{what}");
        let at_18 = |json: &str| -> BTreeSet<String> {
            named(json)
                .into_iter()
                .filter(|(seq, _)| *seq == Some(18))
                .map(|(_, check)| check)
                .collect()
        };
        let expected: BTreeSet<String> = expected.iter().map(|c| c.to_string()).collect();
        assert_eq!(at_18(&ours.stdout), expected, "{what}: {}", ours.stdout);
        assert_eq!(
            named(&theirs.stdout),
            named(&ours.stdout),
            "{what}: {}",
            theirs.stdout
        );
    }
}

/// Puts an entry of `kind` with `body` at `seq` of `w`'s log (in place of
/// the row there, if any), chained to the row before it and validly signed
/// by `key`: what a key holder with write access to the file could do.
fn sign_in(w: &Work, key: &str, seq: i64, kind: &str, body: serde_json::Value) {
    let signer = Signer::load(&w.path(key)).unwrap();
    let payload = serde_json::json!({"body": body, "kind": kind, "log": "test.example/idlib",
        "prev": w.entry_hash_at(seq - 1).to_hex(), "seq": seq,
        "signer": signer.fingerprint().to_string(), "time": "2026-11-25T10:00:00Z", "v": 1});
    let bytes = claimtrail::canonical::to_canonical(&payload).unwrap();
    w.put_signed(seq, kind, &bytes, &signer);
}

/// `note` with one base64 character of its last signature line changed,
/// inside the signature (past the 4-byte key ID): the line still parses.
fn with_a_bad_signature(note: &str) -> String {
    let line = note[..note.len() - 1].rfind('\n').unwrap() + 1;
    let b64 = line + note[line..].rfind(' ').unwrap() + 1 + 20;
    let new = if note.as_bytes()[b64] == b'A' {
        'B'
    } else {
        'A'
    };
    format!("{}{new}{}", &note[..b64], &note[b64 + 1..])
}

/// The Ed25519 signature lines of checkpoint notes, which OpenSSH cannot
/// check: the independent verifier has RFC 8032's arithmetic for them, and
/// must agree with claimtrail on a stored note, on kept files and on an
/// auditor's cosignature.
#[test]
fn both_verifiers_check_the_signatures_of_checkpoint_notes() {
    let r = std::process::Command::new("python3")
        .args([SCRIPT, "--self-test"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "self-test: 2 signed notes, each verified, and refused when changed\n"
    );
    assert!(r.status.success());

    let (w, cp) = full_log();
    let pristine = w.db_bytes();
    let note = std::fs::read_to_string(&cp).unwrap();
    // An auditor's cosignature counts for both.
    w.run(Some("auditor"), &["checkpoint", "cosign", &cp]).ok();
    let cosigned = std::fs::read_to_string(&cp).unwrap();
    assert!(cosigned.lines().count() == note.lines().count() + 1);
    let theirs = independent(&w.db, &["--checkpoint", &cp]);
    assert_eq!(theirs.code, 0, "{}", theirs.stdout);
    assert!(w
        .run(None, &["verify", "--checkpoint", &cp])
        .ok()
        .contains("consistent"));
    // A kept file whose admin line, or whose auditor's line beside a good
    // admin line, does not verify: `unsigned` (every line of a known key
    // must verify).
    let cases = [
        ("the admin's line changed", with_a_bad_signature(&note)),
        (
            "the auditor's line changed",
            with_a_bad_signature(&cosigned),
        ),
    ];
    for (what, text) in cases {
        std::fs::write(&cp, &text).unwrap();
        let ours = w.run(None, &["verify", "--checkpoint", &cp]);
        let theirs = independent(&w.db, &["--checkpoint", &cp]);
        assert_eq!(
            (ours.code, theirs.code),
            (1, 1),
            "{what}: {}",
            theirs.stdout
        );
        assert!(
            ours.stdout.contains(": unsigned"),
            "{what}: {}",
            ours.stdout
        );
        assert!(
            theirs.stdout.contains(": unsigned: "),
            "{what}: {}",
            theirs.stdout
        );
    }
    // A copy saved with Windows line endings is refused by both (exit 2),
    // and a file that is no checkpoint, among several, is named: the
    // independent verifier read the first as LF again and said
    // `unsigned`, and said "its text is not a checkpoint" of no file.
    std::fs::write(&cp, &note).unwrap();
    let crlf = w.path("cp-crlf.txt");
    std::fs::write(&crlf, note.replace('\n', "\r\n")).unwrap();
    let crlf = crlf.to_str().unwrap();
    w.run(None, &["verify", "--checkpoint", crlf])
        .error("signed note has Windows line endings");
    let theirs = independent(&w.db, &["--checkpoint", &cp, crlf]);
    assert_eq!(
        (theirs.code, theirs.stdout.as_str()),
        (2, ""),
        "{}",
        theirs.stderr
    );
    assert!(
        theirs.stderr.starts_with(&format!(
            "error: checkpoint {crlf}: it has Windows line endings (a carriage return at character "
        )),
        "{}",
        theirs.stderr
    );
    let notes = w.path("notes.txt");
    std::fs::write(&notes, "call UNICEF back\n\n\u{2014} x AAAAAAA=\n").unwrap();
    let notes = notes.to_str().unwrap();
    let theirs = independent(&w.db, &["--checkpoint", &cp, notes]);
    assert_eq!(
        (theirs.code, theirs.stderr.as_str()),
        (
            2,
            format!("error: checkpoint {notes}: its text is not a checkpoint\n").as_str()
        )
    );

    // The stored note of the last checkpoint.add (entry 17) with a bad
    // signature line, the entry itself signed again by the admin.
    w.restore(&pristine);
    let payload: Vec<u8> = rusqlite::Connection::open(&w.db)
        .unwrap()
        .query_row("SELECT payload FROM entries WHERE seq = 17", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut body = serde_json::from_slice::<serde_json::Value>(&payload).unwrap()["body"].take();
    body["note"] = with_a_bad_signature(body["note"].as_str().unwrap()).into();
    sign_in(&w, "admin", 17, "checkpoint.add", body);
    let ours = w.run(None, &["--json", "verify"]);
    let theirs = independent(&w.db, &["--json"]);
    assert_eq!((ours.code, theirs.code), (1, 1), "{}", theirs.stdout);
    let at_17 = BTreeSet::from([(Some(17), "checkpoint".to_string())]);
    assert_eq!(named(&ours.stdout), at_17, "{}", ours.stdout);
    assert_eq!(named(&theirs.stdout), at_17, "{}", theirs.stdout);
}

/// The two differential tools run by hand (docs/AUDIT.md, "Checking a log
/// without claimtrail") keep working: a few cases of each, on this build.
#[test]
fn the_comparison_tools_run() {
    let tool = |name: &str, args: &[&str]| {
        let out = std::process::Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/").to_string() + name)
            .args(["--claimtrail", env!("CARGO_BIN_EXE_claimtrail")])
            .args(args)
            .output()
            .unwrap();
        Run::from(out)
    };
    let r = tool("compare_verifiers.py", &["--cases", "6", "--seed", "7"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "6 cases (seed 7): 0 differed\n");
    let r = tool(
        "random_sessions.py",
        &["--sessions", "2", "--steps", "40", "--seed", "7"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines.len() >= 2
            && lines[0].starts_with("2 sessions of 40 commands (seed 7): ")
            && lines[0].ends_with("; 0 breaches")
            && lines[1].starts_with("states reached: ")
            && lines[2..]
                .iter()
                .all(|l| l.starts_with("source amendments") || l.starts_with("key rotations: ")),
        "{}",
        r.stdout
    );
    let r = tool("random_imports.py", &["--sessions", "2", "--seed", "7"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("2 sessions (seed 7): ")
            && first.ends_with("; 0 breaches")
            && r.stdout
                .lines()
                .skip(1)
                .all(|l| l.starts_with("careless lines written")),
        "{}",
        r.stdout
    );
}

/// A rotated key signs for its person in both verifiers (FORMAT §3.7):
/// the new key supersedes the old key's annotation and retracts its claim.
/// The independent verifier compared fingerprints only, and failed a log
/// that claimtrail passed.
#[test]
fn the_independent_verifier_agrees_on_a_rotated_key() {
    let w = Work::with_claims();
    w.rotate_analyst();
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));
    let theirs = independent(&w.db, &[]);
    assert_eq!(theirs.code, 0, "{}\n{}", theirs.stdout, theirs.stderr);
}

/// Source amendments: the analyst's own and an admin's agree, those that
/// clear fields too; an amendment of another analyst's source, validly signed and written by hand, is
/// named by both verifiers at the same entry and check.
#[test]
fn the_independent_verifier_agrees_on_source_amendments() {
    let w = Work::with_claims();
    w.enroll("omar", "analyst", "Omar Said");
    w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--title",
            "Idlib strike",
            "--reason",
            "no title given",
        ],
    )
    .ok();
    w.run(
        Some("admin"),
        &[
            "source",
            "amend",
            "S1",
            "--kind",
            "report",
            "--url",
            "https://www.al-monitor.com/x",
            "--reason",
            "a report, and its address",
        ],
    )
    .ok();
    // One that clears fields (a body with `clear`), and one after it
    // that gives a cleared field again.
    w.run(
        Some("analyst"),
        &[
            "source",
            "amend",
            "S1",
            "--clear",
            "published,publisher",
            "--reason",
            "neither is the article's",
        ],
    )
    .ok();
    w.run(
        Some("admin"),
        &[
            "source",
            "amend",
            "S1",
            "--publisher",
            "Al-Monitor",
            "--reason",
            "it is theirs after all",
        ],
    )
    .ok();
    let ours = w.run(None, &["--json", "verify"]);
    let ours: serde_json::Value = serde_json::from_str(ours.ok()).unwrap();
    assert_eq!(ours["counts"]["source_amendments"], 4, "{ours}");
    let theirs = independent(&w.db, &["--json"]);
    assert_eq!(theirs.code, 0, "{}\n{}", theirs.stdout, theirs.stderr);
    let theirs: serde_json::Value = serde_json::from_str(&theirs.stdout).unwrap();
    assert_eq!(theirs["tree_root"], ours["tree_root"]);
    // Omar signs an amendment of Rana's S1 and writes it in by hand.
    let seq = ours["entries"].as_i64().unwrap();
    let body = serde_json::json!({"author": null, "kind": null, "published": null,
        "publisher": null, "reason": "mine now",
        "source": {"hash": w.entry_hash_at(3).to_hex(), "id": "S1"},
        "title": "Omar's title", "url": null});
    sign_in(&w, "omar", seq, "source.amend", body);
    let ours = w.run(None, &["--json", "verify"]);
    let theirs = independent(&w.db, &["--json"]);
    assert_eq!((ours.code, theirs.code), (1, 1), "{}", theirs.stdout);
    let expected: BTreeSet<(Option<u64>, String)> =
        [(Some(seq as u64), "authorization".to_string())].into();
    assert_eq!(named(&ours.stdout), expected, "{}", ours.stdout);
    assert_eq!(named(&theirs.stdout), expected, "{}", theirs.stdout);
}
