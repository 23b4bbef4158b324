//! Tamper evidence, tested by tampering: each test edits the SQLite file
//! directly and checks that verify exits 1 naming the entry and the check.

use crate::common::*;
use claimtrail::entry::{Header, Payload};
use claimtrail::hash::Hash;
use claimtrail::keys::Signer;
use claimtrail::model::{
    AnnotationAdd, Body, ClaimRetract, Fingerprint, ItemId, KeyAdd, KeyRevoke, Ref, Role, Seq,
    Verdict,
};

// Entries of `Work::with_claims()`: 0 log.init, 1-2 key.add, 3 source.add S1,
// 4 claim.add C1, 5 claim.add C2, 6 annotation.add A1.

#[test]
fn clean_log_verifies() {
    let w = Work::with_claims();
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));
}

#[test]
fn flipped_payload_byte() {
    let w = Work::with_claims();
    // "Seven" -> "seven" is still canonical JSON: only the signature catches it.
    w.sql("UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"speaker\":\"White Helmets\"', '\"speaker\":\"White Helmetz\"') AS BLOB) WHERE seq = 4");
    let r = w.run(None, &["verify"]);
    r.problem("entry 4 (claim.add C1)", "signature");
    r.problem("entry 4 (claim.add C1)", "hash");
    r.problem("entry 4 (claim.add C1)", "projection");
}

#[test]
fn non_canonical_payload() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"v\":1', '\"v\": 1') AS BLOB) WHERE seq = 5");
    let r = w.run(None, &["verify"]);
    r.problem("entry 5 (claim.add)", "canonical");
    // The payload no longer parses, so its signer is unknown; its signature
    // still tells that the bytes were changed after signing.
    assert!(
        r.stdout.contains("PROBLEM entry 5 (claim.add): signature: Ed25519 signature does not verify against the key in its SSHSIG: the payload was changed after it was signed"),
        "{}",
        r.stdout
    );
}

/// The other side of that distinction: a key holder signed a payload that
/// does not parse. It is reported, and not as a changed payload.
#[test]
fn validly_signed_payload_that_does_not_parse() {
    let w = Work::with_claims();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let payload = format!(
        "{{\"body\": {{}}, \"kind\":\"annotation.add\",\"log\":\"test.example/idlib\",\"prev\":\"{}\",\"seq\":7,\"signer\":\"{}\",\"time\":\"2026-11-25T10:00:00Z\",\"v\":1}}",
        w.entry_hash_at(6).to_hex(),
        analyst.fingerprint()
    );
    w.put_signed(7, "annotation.add", payload.as_bytes(), &analyst);
    let r = w.run(None, &["verify"]);
    r.problem("entry 7 (annotation.add)", "canonical");
    assert!(!r.stdout.contains(": signature: "), "{}", r.stdout);
    w.ssh_keygen_accepts("7", "Rana_Haddad");
}

#[test]
fn oversized_payloads_are_refused_and_the_rest_verified() {
    let w = Work::with_claims();
    // A crafted file: three entries padded far past the 1 MiB payload limit.
    // verify reads them (in chunks bounded in bytes, not only in rows),
    // names each one, and goes on to the entries after them.
    w.sql("UPDATE entries SET payload = payload || zeroblob(3000000) WHERE seq IN (3, 4, 5)");
    let r = w.run(None, &["verify"]);
    for entry in [
        "entry 3 (source.add",
        "entry 4 (claim.add",
        "entry 5 (claim.add",
    ] {
        r.problem(entry, "canonical");
    }
    assert!(
        r.stdout.contains("more than the 1048576 allowed"),
        "{}",
        r.stdout
    );
    // The entry after them is still checked: its link to entry 5, whose
    // bytes (and so hash) changed, is reported.
    r.problem("entry 6 (annotation.add A1)", "chain");
}

#[test]
fn flipped_signature_byte() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET sig = CAST(substr(sig, 1, length(sig) - 1) || CASE WHEN substr(sig, -1) = x'00' THEN x'01' ELSE x'00' END AS BLOB) WHERE seq = 6");
    w.run(None, &["verify"])
        .problem("entry 6 (annotation.add A1)", "signature");
}

/// A signature blob cut short is said in an auditor's words, not the
/// decoder's ("internal overflow error"; red team B, L2).
#[test]
fn a_truncated_signature_blob_is_said_so() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET sig = substr(sig, 1, 100) WHERE seq = 6");
    let r = w.run(None, &["verify"]);
    r.problem("entry 6 (annotation.add A1)", "signature");
    assert!(
        r.stdout
            .contains("not an SSHSIG blob (a length field runs past its end, or it ends early)"),
        "{}",
        r.stdout
    );
}

#[test]
fn edited_hash_column() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET hash = zeroblob(32) WHERE seq = 2");
    let r = w.run(None, &["verify"]);
    r.problem("entry 2 (key.add)", "hash");
}

#[test]
fn edited_kind_and_seq_columns() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET kind = 'claim.add' WHERE seq = 6");
    w.run(None, &["verify"])
        .problem("entry 6 (claim.add A1)", "header");
    let w = Work::with_claims();
    w.sql("UPDATE entries SET seq = 60 WHERE seq = 6");
    let r = w.run(None, &["verify"]);
    r.problem("entry 60", "sequence");
    assert!(
        r.stdout
            .contains("sequence: entries 6..59 are missing (expected seq 6, found 60)"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_column_given_another_storage_class() {
    // The same bytes as TEXT instead of BLOB read the same to a verifier
    // that takes any column as bytes, but `log`, `show` and the append
    // path then stopped on the row: an edit, named where it is.
    for (sql, entry, check, words) in [
        (
            "UPDATE entries SET hash = CAST(hash AS TEXT) WHERE seq = 2",
            "entry 2 (key.add)",
            "hash",
            "the hash column holds TEXT where claimtrail writes BLOB",
        ),
        (
            "UPDATE entries SET payload = CAST(payload AS TEXT) WHERE seq = 4",
            "entry 4 (claim.add C1)",
            "canonical",
            "the payload column holds TEXT",
        ),
        (
            "UPDATE entries SET sig = CAST(sig AS TEXT) WHERE seq = 5",
            "entry 5 (claim.add C2)",
            "signature",
            "the sig column holds TEXT",
        ),
        (
            "UPDATE entries SET kind = CAST(kind AS BLOB) WHERE seq = 6",
            "entry 6 (annotation.add A1)",
            "header",
            "the kind column holds BLOB where claimtrail writes TEXT",
        ),
        (
            "UPDATE blobs SET data = CAST(data AS TEXT)",
            "log",
            "blob",
            "1 row of table blobs holds TEXT or another storage class where claimtrail writes BLOB",
        ),
    ] {
        let w = Work::with_claims();
        w.sql(sql);
        let r = w.run(None, &["verify"]);
        r.problem(entry, check);
        assert!(r.stdout.contains(words), "{sql}: {}", r.stdout);
        assert!(
            r.stdout.contains("FAILED: 1 problem found"),
            "{sql}: {}",
            r.stdout
        );
    }
}

#[test]
fn a_row_with_a_negative_seq_is_named_and_the_rest_verified() {
    // It was taken for entry 0, and every entry after it was judged one
    // place off: 47 problems on entries nobody touched.
    let w = Work::with_claims();
    w.sql("INSERT INTO entries SELECT -1, kind, payload, sig, zeroblob(32) FROM entries WHERE seq = 5");
    let r = w.run(None, &["verify"]);
    r.problem("log", "sequence");
    assert!(
        r.stdout.contains("PROBLEM log: sequence: a row with seq -1 (claim.add): entries are numbered from 0, so no entry was ever written there\nFAILED: 1 problem found"),
        "{}",
        r.stdout
    );
}

/// The only entry moved to seq -1: the log's head was read as entry
/// 2⁶⁴ − 1 (`status` panicked on the overflow in a debug build, and said
/// "entries none" in a release one). Read as what it is, a value no entry
/// implies, every command but verify stops and sends the user to verify.
#[test]
fn a_head_with_a_negative_seq_stops_the_commands_and_fails_verify() {
    let w = Work::new();
    w.run(None, &["key", "new", "k", "--no-passphrase"]).ok();
    w.run(Some("k"), &["init", "--origin", "t.example/x"]).ok();
    w.sql("UPDATE entries SET seq = -1");
    for args in [&["status"][..], &["prove", "0"]] {
        w.run(None, args)
            .error("error: database error: a table holds a value that no entry can imply: -1, out of range there (hint: run `claimtrail verify`; if the file is damaged, restore the log from a backup made before the damage (one `claimtrail backup PATH` wrote): move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy the backup in its place)");
    }
    w.run(None, &["verify"]).problem("log", "sequence");
}

#[test]
fn a_huge_kind_column_is_cut_in_the_report() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET kind = 'claim.add' || hex(zeroblob(500000)) WHERE seq = 6");
    let r = w.run(None, &["verify"]);
    r.problem(
        "entry 6 (claim.add0000000000000000000000000000000…",
        "header",
    );
    assert!(r.stdout.len() < 2_000, "{} bytes", r.stdout.len());
}

#[test]
fn deleted_entry() {
    let w = Work::with_claims();
    w.sql("DELETE FROM entries WHERE seq = 4");
    let r = w.run(None, &["verify"]);
    r.problem("entry 5 (claim.add", "sequence");
    assert!(
        r.stdout
            .contains("sequence: entry 4 is missing (expected seq 4, found 5)"),
        "{}",
        r.stdout
    );
    r.problem("entry 5 (claim.add", "chain");
    // Not held against entry 3's hash as if it were entry 4's.
    assert!(
        r.stdout.contains(": chain: prev ")
            && r.stdout.contains(
                " names entry 4, which is missing, so the chain cannot be followed to it\n"
            ),
        "{}",
        r.stdout
    );
    // The first entry gone: no hash of zeros shown as entry 0's.
    let w = Work::with_claims();
    w.sql("DELETE FROM entries WHERE seq = 0");
    let r = w.run(None, &["verify"]);
    r.problem("entry 1 (key.add", "chain");
    assert!(
        r.stdout
            .contains(" names entry 0, which is missing, so the chain cannot be followed to it\n")
            && !r.stdout.contains("(000000000000)"),
        "{}",
        r.stdout
    );
}

#[test]
fn deleted_last_entry_is_caught_by_the_projections() {
    // Cutting the tail leaves a valid chain; the projection rows of the cut
    // entry remain and give it away (a checkpoint kept outside catches the
    // case where those are cut too).
    let w = Work::with_claims();
    w.sql("DELETE FROM entries WHERE seq = 6");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "PROBLEM log: projection: table annotations has 1 row but the entries imply 0"
        ),
        "{}",
        r.stdout
    );
    // And named: the row whose entry is gone.
    assert!(
        r.stdout.contains(
            "PROBLEM log: projection: table annotations row id=1 (seq 6) is implied by no entry\n"
        ),
        "{}",
        r.stdout
    );
}

/// `prove --vkey`: the checkpoint must be signed by a verifier key given
/// apart from the database, which no edit of the file can fake (without
/// it, "signed by" names the admins of the log's own `keys` table).
#[test]
fn prove_against_a_verifier_key_given_apart_from_the_database() {
    let w = Work::with_claims();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let vkeys: Vec<&str> = vkeys.lines().collect();
    let (admin, auditor) = (vkeys[0], vkeys[1]);
    w.run(None, &["prove", "C1", "--vkey", admin])
        .error("so --vkey has nothing to check");
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let ok = w.run(None, &["prove", "C1", "--vkey", admin]);
    assert!(
        ok.ok()
            .contains("; and by the verifier key given (test.example/idlib+"),
        "{}",
        ok.stdout
    );
    for args in [
        &["prove", "C1", "--vkey", auditor][..],
        &["prove", "C1", "--checkpoint", "cp.txt", "--vkey", auditor],
    ] {
        let r = w.run(None, args);
        assert_eq!(r.code, 1, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .lines()
                .last()
                .unwrap()
                .starts_with("FAILED: the checkpoint is not signed by the verifier key given: "),
            "{}",
            r.stdout
        );
    }
    let r = w.run(
        None,
        &[
            "prove",
            "--consistency",
            "cp.txt",
            "cp.txt",
            "--vkey",
            auditor,
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("FAILED: cp.txt is not signed by the verifier key given"),
        "{}",
        r.stdout
    );
}

/// Rows no entry can imply, added to the tables by hand (a claim that
/// `list` and `show` then present as real, a checkpoint, a tree node), are
/// each named, not only counted.
#[test]
fn invented_rows_are_named() {
    let w = Work::with_claims();
    w.sql(
        "INSERT INTO claims SELECT 50, 999, source_id, start, \"end\", quote_sha256, prefix, suffix,
           'Fake speaker', provenance, paraphrase, signer, time FROM claims WHERE id = 1;
         INSERT INTO merkle_nodes VALUES (1, 99, zeroblob(32));",
    );
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    for named in [
        "PROBLEM log: projection: table claims row id=50 (seq 999) is implied by no entry\n",
        "PROBLEM log: projection: table merkle_nodes row level=1, idx=99 is implied by no entry\n",
    ] {
        assert!(r.stdout.contains(named), "{}", r.stdout);
    }
    w.run(None, &["prove", "C50"])
        .error("C50's table row names an entry the log does not have: the log's file is damaged or was altered outside claimtrail");
    // An entry removed from the middle is named as damage, not as a
    // number past the end ("there is no entry 3").
    // Its bytes stored as text: there, but not an entry (it was said to
    // be missing).
    w.sql("UPDATE entries SET payload = CAST(payload AS TEXT) WHERE seq = 4");
    w.run(None, &["prove", "4"])
        .error("entry 4 cannot be read as an entry (");
    w.sql("DELETE FROM entries WHERE seq = 3");
    w.run(None, &["prove", "3"]).error(
        "entry 3 is missing, though the tree holds 7 entries: the log's file is damaged or was altered outside claimtrail",
    );
}

#[test]
fn swapped_entries() {
    let w = Work::with_claims();
    w.sql(
        "UPDATE entries SET seq = -1 WHERE seq = 4;
         UPDATE entries SET seq = 4 WHERE seq = 5;
         UPDATE entries SET seq = 5 WHERE seq = -1;",
    );
    let r = w.run(None, &["verify"]);
    r.problem("entry 4 (claim.add", "sequence");
    r.problem("entry 4 (claim.add", "chain");
}

/// The first entry swapped with another: its `prev` is said not to be all
/// zeros (it was "the hash of entry 18446744073709551615").
#[test]
fn an_entry_swapped_into_the_first_place() {
    let w = Work::with_claims();
    w.sql(
        "UPDATE entries SET seq = -1 WHERE seq = 0;
         UPDATE entries SET seq = 0 WHERE seq = 5;
         UPDATE entries SET seq = 5 WHERE seq = -1;",
    );
    let r = w.run(None, &["verify"]);
    r.problem("entry 0 (", "chain");
    assert!(
        r.stdout
            .contains("of the first entry is not all zeros: no entry comes before it"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("18446744073709551615"), "{}", r.stdout);
}

#[test]
fn edited_source_text() {
    let w = Work::with_claims();
    w.sql("UPDATE blobs SET data = CAST(replace(CAST(data AS TEXT), 'Seven civilians', 'Eight civilians') AS BLOB)");
    let r = w.run(None, &["verify"]);
    r.problem("entry 3 (source.add S1)", "blob");
}

/// A stored text edited into bytes that are not UTF-8 (same length): the
/// source's entry fails its hash, and each claim that quotes it is named
/// too, since no quote can be found in it.
#[test]
fn source_text_edited_into_invalid_utf8() {
    let w = Work::with_claims();
    w.sql("UPDATE blobs SET data = x'ff' || substr(data, 2)");
    let r = w.run(None, &["verify"]);
    r.problem("entry 3 (source.add S1)", "blob");
    for claim in ["(claim.add C1)", "(claim.add C2)"] {
        r.problem(claim, "quote");
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains(claim) && l.contains(": quote: source text is not UTF-8")),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn deleted_source_text_without_redaction() {
    let w = Work::with_claims();
    w.sql("DELETE FROM blobs");
    w.run(None, &["verify"])
        .problem("entry 3 (source.add S1)", "blob");
    // The lists and reports do not call it a redaction (they did), nor
    // does the source list, which says it is not redacted.
    let listed = w.run(None, &["list", "claims"]);
    assert!(
        listed
            .ok()
            .contains("(source text missing or damaged: run verify)")
            && !listed.stdout.contains("redacted"),
        "{}",
        listed.stdout
    );
    let md = w.run(None, &["report", "C1", "--format", "md"]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(
        md.stdout.contains("> *Quote unavailable: the source's stored text is missing or damaged (run `claimtrail verify`). The quote's SHA-256 stays signed: ")
            && !md.stdout.contains("redacted"),
        "{}",
        md.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "list", "claims"]).ok()).unwrap();
    assert_eq!(json[0]["text_missing"], true, "{json}");
}

/// A badly damaged log lists its first problems and counts the rest
/// (1,000 by default); `--max-problems` sets how many, 0 every one. The
/// limit changes the listing only: the total, the exit code and what the
/// JSON report counts stay the same. A missing text is judged after the
/// last entry, so a short listing leaves it out but still counts it.
#[test]
fn a_long_list_of_problems_is_cut_where_asked_and_counted_whole() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET sig = CAST(sig || x'00' AS BLOB) WHERE seq > 0; DELETE FROM blobs");
    let total = |r: &Run| -> usize {
        let last = r.stdout.lines().last().unwrap_or_default();
        let n = last
            .strip_prefix("FAILED: ")
            .and_then(|l| l.split(' ').next());
        n.and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{}", r.stdout))
    };
    let listed = |r: &Run| {
        r.stdout
            .lines()
            .filter(|l| l.starts_with("PROBLEM "))
            .count()
    };

    let all = w.run(None, &["verify", "--max-problems", "0"]);
    all.problem("entry 3 (source.add S1)", "blob");
    all.problem("entry 4 (claim.add C1)", "signature");
    let n = total(&all);
    assert!(n > 3, "{}", all.stdout);
    assert_eq!(listed(&all), n, "{}", all.stdout);
    assert!(!all.stdout.contains("more problems"), "{}", all.stdout);

    let two = w.run(None, &["verify", "--max-problems", "2"]);
    assert_eq!(two.code, 1, "{}", two.stderr);
    assert_eq!(listed(&two), 2, "{}", two.stdout);
    assert!(
        two.stdout
            .contains(&format!("\n… and {} more problems\n", n - 2)),
        "{}",
        two.stdout
    );
    assert_eq!(total(&two), n);
    assert!(!two.stdout.contains(": blob: "), "{}", two.stdout);

    // The default lists up to 1,000: all of these.
    assert_eq!(w.run(None, &["verify"]).stdout, all.stdout);

    let json = w.run(None, &["--json", "verify", "--max-problems", "2"]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["more_problems"], n as u64 - 2);
    assert_eq!(v["ok"], false);

    w.run(None, &["verify", "--max-problems", "some"])
        .error("invalid value 'some' for '--max-problems <N>'");
}

/// "One source per distinct text" is judged from the entries. It was read
/// from the `sources` table: an edited row there made verify call S1 its
/// own duplicate, and hid a real duplicate (found by re-chaining forged
/// logs beside `tools/independent_verify.py`, which disagreed).
#[test]
fn a_duplicate_text_is_judged_from_the_entries_not_the_sources_table() {
    let w = Work::with_claims();
    w.sql("UPDATE sources SET seq = 1 WHERE id = 1");
    let r = w.run(None, &["verify"]);
    r.problem("entry 3 (source.add S1)", "projection");
    assert!(
        !r.stdout.contains("already has these exact bytes"),
        "{}",
        r.stdout
    );

    // A second source.add of S1's very text, validly signed by the analyst
    // and slipped into the table, with S1's row in `sources` edited so that
    // no row has that text's hash.
    let w = Work::with_claims();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let text = std::fs::read(FIXTURE).unwrap();
    let seq = forge(
        &w,
        &analyst,
        Body::SourceAdd(claimtrail::model::SourceAdd {
            kind: claimtrail::model::SourceKind::Article,
            title: None,
            publisher: None,
            author: None,
            url: None,
            published: None,
            retrieved: "2026-11-25T10:00:00Z".into(),
            sha256: Hash::sha256(&text),
            length: text.len() as u64,
            media_type: "text/plain; charset=utf-8".into(),
            derived_from: Vec::new(),
        }),
    );
    w.sql("UPDATE sources SET sha256 = zeroblob(32) WHERE id = 1");
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {seq} (source.add S2)"), "body");
    assert!(
        r.stdout.contains("body: S1 already has these exact bytes"),
        "{}",
        r.stdout
    );
}

#[test]
fn edited_projection_rows() {
    let w = Work::with_claims();
    w.sql("UPDATE claims SET speaker = 'Someone else' WHERE id = 1");
    w.run(None, &["verify"])
        .problem("entry 4 (claim.add C1)", "projection");
    let w = Work::with_claims();
    w.sql("UPDATE annotations SET verdict = 'confirmed' WHERE id = 1");
    w.run(None, &["verify"])
        .problem("entry 6 (annotation.add A1)", "projection");
    // A value no entry can hold: the views refuse to show it, in one line
    // that sends the user to verify, which names the entry.
    let w = Work::with_claims();
    w.sql("UPDATE annotations SET verdict = 'bogus' WHERE id = 1");
    w.run(None, &["list", "annotations"]).error(
        "a table holds a value that no entry can imply: the stored value `bogus` is not a verdict",
    );
    w.run(None, &["show", "C1"])
        .error("`bogus` is not a verdict");
    w.run(None, &["verify"])
        .problem("entry 6 (annotation.add A1)", "projection");
    let w = Work::with_claims();
    w.sql("UPDATE keys SET role = 'admin' WHERE name = 'Rana Haddad'");
    w.run(None, &["verify"])
        .problem("entry 1 (key.add)", "projection");
    let w = Work::with_claims();
    w.sql("DELETE FROM relations");
    w.run(None, &["verify"])
        .problem("entry 6 (annotation.add A1)", "projection");
    let w = Work::with_claims();
    w.sql("INSERT INTO relations VALUES (1, 'corroborates', 2)");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("table relations has 2 rows but the entries imply 1"),
        "{}",
        r.stdout
    );
    // The extra row itself is named, so the auditor need not diff tables.
    assert!(
        r.stdout.contains(
            "table relations row annotation_id=1, relation=\"corroborates\", other_claim=2 is implied by no entry"
        ),
        "{}",
        r.stdout
    );
    // A row swapped for a forged one (the count unchanged): both named.
    let w = Work::with_claims();
    w.sql("UPDATE relations SET other_claim = 99");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("PROBLEM entry 6 (annotation.add A1): projection: table relations has no row annotation_id=1")
            && r.stdout.contains("other_claim=99 is implied by no entry"),
        "{}",
        r.stdout
    );
    // An annotation renumbered past the log's last, its relations moved
    // with it: the moved rows are named too (red team W, L1).
    let w = Work::with_claims();
    w.sql("UPDATE annotations SET id = 50 WHERE id = 1; UPDATE relations SET annotation_id = 50");
    let r = w.run(None, &["verify"]);
    assert!(
        r.stdout
            .contains("table relations row annotation_id=50, relation=")
            && r.code == 1,
        "{}",
        r.stdout
    );
    // A row edited in several columns: every column named, in one problem.
    let w = Work::with_claims();
    w.sql("UPDATE annotations SET verdict = 'false', note = 'forged' WHERE id = 1");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("PROBLEM entry 6 (annotation.add A1): projection:"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        line.contains("column verdict is \"false\" but the entry implies")
            && line.contains("; column note is \"forged\" but the entry implies"),
        "{line}"
    );
}

/// Appends a validly signed entry by hand, bypassing claimtrail's append path.
pub(crate) fn forge(w: &Work, signer: &Signer, body: Body) -> u64 {
    forge_as(w, signer.fingerprint(), signer, body)
}

/// [`forge`], with `named` as the header's signer: an entry that claims
/// to be another key's.
pub(crate) fn forge_as(w: &Work, named: &Fingerprint, signer: &Signer, body: Body) -> u64 {
    let seq: i64 = rusqlite::Connection::open(&w.db)
        .unwrap()
        .query_row("SELECT MAX(seq) FROM entries", [], |r| r.get(0))
        .unwrap();
    let payload = Payload {
        header: Header {
            log: "test.example/idlib".into(),
            seq: Seq(seq as u64 + 1),
            prev: w.entry_hash_at(seq),
            time: "2026-11-25T10:00:00Z".into(),
            signer: named.clone(),
            kind: body.kind(),
        },
        body,
    };
    let bytes = payload.to_bytes().unwrap();
    w.put_signed(seq + 1, payload.header.kind.as_str(), &bytes, signer);
    (seq + 1) as u64
}

#[test]
fn validly_signed_entry_from_an_unenrolled_key() {
    let w = Work::with_claims();
    let intruder = Signer::generate("intruder").unwrap();
    // The intruder tries to enroll itself as admin.
    let body = Body::KeyAdd(KeyAdd {
        key: intruder.public().to_openssh(),
        name: "intruder".into(),
        role: Role::Admin,
    });
    let seq = forge(&w, &intruder, body);
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {seq} (key.add)"), "authorization");
    assert!(r.stdout.contains("is not enrolled"), "{}", r.stdout);
}

/// An intruder writes a `key.add` that names the admin as its signer,
/// signed with the intruder's own key, then signs as the admin it made
/// itself: the revocation of the real admin, and a retraction. The
/// enrolment did not pass, so it enrolls nothing: each later entry is
/// named, and the admin stays enrolled. (It enrolled the intruder, and
/// the report named only the bad signature.)
#[test]
fn a_key_enrolled_by_an_entry_that_fails_its_signature_signs_nothing() {
    let w = Work::with_claims();
    let admin = Signer::load(&w.path("admin")).unwrap();
    let intruder = Signer::generate("intruder").unwrap();
    let body = Body::KeyAdd(KeyAdd {
        key: intruder.public().to_openssh(),
        name: "Intruder".into(),
        role: Role::Admin,
    });
    let enrol = forge_as(&w, admin.fingerprint(), &intruder, body);
    let revoke = forge(
        &w,
        &intruder,
        Body::KeyRevoke(KeyRevoke {
            fingerprint: admin.fingerprint().clone(),
            reason: "taking over".into(),
        }),
    );
    let retract = forge(
        &w,
        &intruder,
        Body::ClaimRetract(ClaimRetract {
            claim: reference(&w, ItemId::claim(1), 4),
            reason: "gone".into(),
            replaced_by: None,
        }),
    );
    let r = w.run(None, &["verify", "--max-problems", "0"]);
    r.problem(&format!("entry {enrol} (key.add)"), "signature");
    let not_enrolled = format!(
        "signer {} is not enrolled: entry {enrol} enrolled it, and that entry did not pass its checks",
        intruder.fingerprint()
    );
    r.problem(&format!("entry {revoke} (key.revoke)"), "authorization");
    assert_eq!(r.stdout.matches(&not_enrolled).count(), 1, "{}", r.stdout);
    // The entries it signed after the first are said in one line (one
    // flipped byte in log.init's signature made every entry a problem,
    // and the 1,000 listed hid a separate edit).
    assert!(
        r.stdout.contains(&format!(
            "PROBLEM log: authorization: 1 entry more, up to entry {retract}, signed by {}, a key that only entry {enrol} enrolled, which did not pass its checks",
            intruder.fingerprint()
        )),
        "{}",
        r.stdout
    );
    // The admin was not revoked: an entry the admin signs after passes.
    let v: serde_json::Value = serde_json::from_str(
        &w.run(None, &["--json", "verify", "--max-problems", "0"])
            .stdout,
    )
    .unwrap();
    let revoked_admin = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["detail"].as_str().unwrap_or("").contains("was revoked"));
    assert!(!revoked_admin, "{v}");
}

#[test]
fn entry_signed_by_a_revoked_key_after_its_revocation() {
    let w = Work::with_claims();
    let keys: serde_json::Value =
        serde_json::from_str(w.run(None, &["key", "list", "--json"]).ok()).unwrap();
    let fp = keys[1]["fingerprint"].as_str().unwrap().to_string();
    w.run(
        Some("admin"),
        &["key", "revoke", &fp, "--reason", "laptop stolen"],
    )
    .ok();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let body = Body::KeyAdd(KeyAdd {
        key: Signer::generate("x").unwrap().public().to_openssh(),
        name: "x".into(),
        role: Role::Analyst,
    });
    let seq = forge(&w, &analyst, body);
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {seq} (key.add)"), "authorization");
    assert!(r.stdout.contains("was revoked at entry 7"), "{}", r.stdout);
}

#[test]
fn verify_json_names_entry_and_check() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET sig = substr(sig, 1, length(sig) - 1) || CASE WHEN substr(sig, -1) = x'00' THEN x'01' ELSE x'00' END WHERE seq = 4");
    let r = w.run(None, &["verify", "--json"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["check"] == "signature")
        .unwrap();
    assert_eq!(p["seq"], 4);
    assert_eq!(p["kind"], "claim.add");
    assert_eq!(p["id"], "C1");
    assert_eq!(p["check"], "signature");
}

/// `Work::with_claims()` with C2 retracted by the analyst at entry 7.
fn with_retraction() -> Work {
    let w = Work::with_claims();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C2", "--reason", "wrong speaker"],
    )
    .ok();
    w
}

/// The reference to an item as a signed body holds it: id and entry hash.
pub(crate) fn reference(w: &Work, id: ItemId, seq: u64) -> Ref {
    Ref {
        id,
        hash: w.entry_hash_at(seq as i64),
    }
}

#[test]
fn edited_deleted_or_added_retraction_rows() {
    // Without its row, C2 would be listed as standing: verify says so.
    let w = with_retraction();
    w.sql("DELETE FROM retractions");
    let r = w.run(None, &["verify"]);
    r.problem("entry 7 (claim.retract)", "projection");
    assert!(
        r.stdout
            .contains("table retractions has 0 rows but the entries imply 1"),
        "{}",
        r.stdout
    );
    let w = with_retraction();
    w.sql("UPDATE retractions SET reason = 'a nicer reason'");
    w.run(None, &["verify"])
        .problem("entry 7 (claim.retract)", "projection");
    // A retraction that no entry signed.
    let w = Work::with_claims();
    w.sql("INSERT INTO retractions VALUES (5, 2, 'made up', NULL, 'SHA256:x', '2026-11-25T10:00:00Z')");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("table retractions has 1 row but the entries imply 0"),
        "{}",
        r.stdout
    );
    // The retraction entry removed, its row left: caught by the count.
    let w = with_retraction();
    w.sql("DELETE FROM entries WHERE seq = 7; DELETE FROM merkle_nodes WHERE idx * (1 << level) + (1 << level) > 7");
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("table retractions has 1 row but the entries imply 0"),
        "{}",
        r.stdout
    );
}

/// A retraction row deleted by hand made C2 read as standing, and the
/// analyst's honest `annotate C2` was signed and appended, to be named by
/// verify as the finding. Every command that appends now counts the
/// retraction entries against their rows first, and refuses.
#[test]
fn a_deleted_retraction_row_stops_every_append_before_it_signs() {
    let w = with_retraction();
    w.sql("DELETE FROM retractions");
    let before = w.db_bytes();
    let said = "entry 7 retracts a claim, and the table retractions has no row for it";
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "false", "--note", "n"],
    )
    .error(said);
    w.run(
        Some("analyst"),
        &["claim", "retract", "C2", "--reason", "again"],
    )
    .error(said);
    // The bulk path, which checks once per transaction.
    std::fs::write(
        w.path("a.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "a.jsonl"]).error(said);
    assert!(w.db_bytes() == before, "a refused append changed the file");
    w.run(None, &["verify"])
        .problem("entry 7 (claim.retract)", "projection");
}

/// A retraction row deleted and another made up in its place, so that
/// the rows still number the entries: matched by entry, not counted, the
/// made-up row is found, and verify names both.
#[test]
fn a_deleted_retraction_row_replaced_by_a_made_up_one_is_found() {
    let w = with_retraction();
    w.sql("DELETE FROM retractions; INSERT INTO retractions SELECT 4, 1, 'made up', NULL, signer, time FROM annotations WHERE id = 1");
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .error("entry 7 retracts a claim, and the table retractions has no row for it");
    w.sql("INSERT INTO retractions SELECT 7, 2, 'wrong speaker', NULL, signer, time FROM annotations WHERE id = 1");
    let before = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .error("the table retractions has a row for entry 4, which is no claim.retract entry");
    assert!(w.db_bytes() == before, "a refused append changed the file");
    let r = w.run(None, &["verify"]);
    r.problem("log", "projection");
    assert!(
        r.stdout
            .contains("table retractions row seq=4 is implied by no entry"),
        "{}",
        r.stdout
    );
}

/// Rebuilds the partial index of `claim.retract` entries below its table
/// to hold the rows `condition` selects, then puts claimtrail's `CREATE`
/// text back (`writable_schema`), so that the schema check sees its own
/// index and only the index's content differs.
fn rebuild_retraction_index(w: &Work, condition: &str) {
    w.sql(&format!(
        "DROP INDEX entries_claim_retract;
         CREATE INDEX entries_claim_retract ON entries(seq) WHERE {condition};
         PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE INDEX entries_claim_retract ON entries(seq) WHERE kind = ''claim.retract''' WHERE name = 'entries_claim_retract';
         PRAGMA writable_schema = OFF;"
    ));
}

/// The partial index the append path counts retractions through, rebuilt
/// below its table to list every claim too, its `CREATE` text put back:
/// verify's pass finds the index listing entries that are no retraction
/// (SQLite's own check of `entries`, left out for its cost, would), and
/// the signing commands name the index, not an entry that retracts
/// nothing.
#[test]
fn a_partial_index_rebuilt_below_its_table_is_a_finding() {
    let w = with_retraction();
    rebuild_retraction_index(&w, "kind IN ('claim.retract', 'claim.add')");
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout.contains(
            "the index entries_claim_retract lists entries whose kind is not claim.retract: 4, 5"
        ),
        "{}",
        r.stdout
    );
    let before = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("the index entries_claim_retract lists entry 4, which is no claim.retract entry");
    assert!(w.db_bytes() == before, "a refused append changed the file");
    // Rebuilt to leave the retraction out: its row reads as made up to the
    // signing commands, which name the index, as verify does.
    let w = with_retraction();
    rebuild_retraction_index(&w, "kind = 'claim.retract' AND seq <> 7");
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout
            .contains("the index entries_claim_retract leaves out claim.retract entries: 7"),
        "{}",
        r.stdout
    );
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("the index entries_claim_retract leaves out entry 7, a claim.retract entry");
}

/// A backup copy (rollback journal mode) altered and kept as evidence: a
/// command that refuses it leaves every byte of it as it was. The refusals
/// made inside the write transaction switched it to WAL mode first.
#[test]
fn a_refused_append_leaves_an_altered_backup_copy_byte_for_byte() {
    let w = with_retraction();
    for (alteration, said) in [
        (
            "DELETE FROM retractions",
            "entry 7 retracts a claim, and the table retractions has no row for it",
        ),
        (
            "CREATE TABLE extra (x)",
            "table extra is not part of claimtrail's schema",
        ),
    ] {
        let _ = std::fs::remove_file(w.path("copy.db"));
        w.run(None, &["backup", "copy.db"]).ok();
        let copy = w.path("copy.db");
        let c = rusqlite::Connection::open(&copy).unwrap();
        c.execute_batch(alteration).unwrap();
        drop(c);
        let before = std::fs::read(&copy).unwrap();
        w.run_with(
            Some("analyst"),
            &[("CLAIMTRAIL_DB", copy.to_str().unwrap())],
            &["annotate", "C1", "--verdict", "false"],
            None,
        )
        .error(said);
        assert!(
            std::fs::read(&copy).unwrap() == before,
            "{alteration}: the copy changed"
        );
        assert!(
            !w.path("copy.db-wal").exists(),
            "{alteration}: a -wal was made"
        );
    }
}

/// A departed analyst's revocation row deleted by hand: the key signed
/// again, through the ordinary commands, and `show` counted its verdicts as
/// current. Refused before anything is signed; verify names the row.
#[test]
fn a_deleted_revocation_row_does_not_bring_a_revoked_key_back() {
    let w = Work::with_claims();
    w.revoke("admin", "analyst", "left the desk");
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .error("revoked");
    w.sql("DELETE FROM revocations");
    let before = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .error("entry 7 revokes a key, and the table revocations has no row for it");
    // The admin's own work stops too: the log is damaged, and says so.
    w.run(
        Some("admin"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "nine injured",
            "--speaker",
            "x",
            "--provenance",
            "statement",
        ],
    )
    .error("entry 7 revokes a key");
    assert!(w.db_bytes() == before, "a refused append changed the file");
    w.run(None, &["verify"])
        .problem("entry 7 (key.revoke", "projection");
}

#[test]
fn forged_retraction_of_another_analysts_claim() {
    let w = Work::with_claims();
    // C3 is the admin's; the analyst's key signs its retraction by hand.
    w.run(
        Some("admin"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--span",
            "0..10",
            "--speaker",
            "Al-Monitor",
            "--provenance",
            "article",
        ],
    )
    .ok();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let body = Body::ClaimRetract(ClaimRetract {
        claim: reference(&w, ItemId::claim(3), 7),
        reason: "I prefer it gone".into(),
        replaced_by: None,
    });
    let seq = forge(&w, &analyst, body);
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {seq} (claim.retract)"), "authorization");
    assert!(
        r.stdout
            .contains("an analyst retracts only their own claims"),
        "{}",
        r.stdout
    );
}

#[test]
fn forged_annotation_of_a_retracted_claim() {
    let w = with_retraction();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let body = Body::AnnotationAdd(AnnotationAdd {
        claim: reference(&w, ItemId::claim(2), 5),
        verdict: Verdict::False,
        reliability: None,
        credibility: None,
        note: None,
        corroborates: vec![],
        contradicts: vec![],
        supersedes: None,
    });
    let seq = forge(&w, &analyst, body);
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {seq} (annotation.add"), "reference");
    assert!(
        r.stdout.contains("C2 was retracted at entry 7"),
        "{}",
        r.stdout
    );
}

// The file's schema. SQLite keeps it in the file, so whoever can write the
// file can add a trigger or a view there, which would run inside
// claimtrail's own statements, or drop a table.

/// SQLite's statistics tables are allowed in the file (`ANALYZE` makes
/// them), but only as SQLite makes them: an index given the name
/// `sqlite_stat4` passed the check by its name, and this one refuses every
/// new annotation of C1 ("integer overflow") while verify said OK. SQLite
/// reads such an index listed after its statistics table of the same name
/// without complaint.
#[test]
fn an_index_named_as_sqlite_statistics() {
    let w = Work::with_claims();
    w.sql("ANALYZE;");
    w.run(None, &["verify"]).ok();
    w.sql(
        "CREATE INDEX zz ON annotations (abs(-9223372036854775807 - (claim_id = 1 AND id > 1)));
         PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET name = 'sqlite_stat4',
             sql = replace(sql, 'INDEX zz', 'INDEX sqlite_stat4') WHERE name = 'zz';",
    );
    let r = w.run(None, &["verify"]);
    r.problem("log", "schema");
    assert!(
        r.stdout.contains("PROBLEM log: schema: index sqlite_stat4 on annotations is not part of claimtrail's schema: CREATE INDEX sqlite_stat4 ON annotations (abs(-9223372036854775807 - (claim_id = 1 AND id > 1)))\n"),
        "{}",
        r.stdout
    );
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("has been altered outside claimtrail: index sqlite_stat4 on annotations");
}

/// The schema's rows with the same bytes, stored as BLOBs: SQLite reads
/// them, so claimtrail saw its own schema and verify said OK, while
/// `sqlite3`'s `.tables` and `.dump` pass over those tables: a copy made
/// with `.dump` held no entries and no source texts. (Found by a sweep of
/// single-byte changes of the file: one changed `claims`' `type` so.)
#[test]
fn a_schema_row_stored_as_a_blob() {
    let w = Work::with_claims();
    w.sql(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET type = CAST(type AS BLOB) WHERE name IN ('entries', 'blobs');",
    );
    let r = w.run(None, &["verify"]);
    r.problem("log", "schema");
    for table in ["entries", "blobs"] {
        assert!(
            r.stdout.contains(&format!("PROBLEM log: schema: table {table}: sqlite_schema holds its type as a BLOB, where SQLite writes text (the schema was edited; `sqlite3` tools such as .tables and .dump pass over the object): CREATE TABLE {table} (")),
            "{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("FAILED: 2 problems found"),
        "{}",
        r.stdout
    );
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("has been altered outside claimtrail: table entries: sqlite_schema holds its type as a BLOB");
}

/// A trigger that drops new annotations (entry and row): before, `annotate`
/// printed a new id, nothing was stored, and the log still verified.
#[test]
fn a_trigger_added_to_the_file() {
    let w = Work::with_claims();
    w.sql(
        "CREATE TRIGGER quiet BEFORE INSERT ON entries WHEN NEW.kind = 'annotation.add'
           BEGIN SELECT RAISE(IGNORE); END;",
    );
    let r = w.run(None, &["verify"]);
    r.problem("log", "schema");
    assert!(
        r.stdout.contains("PROBLEM log: schema: trigger quiet on entries is not part of claimtrail's schema: CREATE TRIGGER quiet BEFORE INSERT ON entries WHEN NEW.kind = 'annotation.add' BEGIN SELECT RAISE(IGNORE); END\n"),
        "{}",
        r.stdout
    );
    // The entries themselves are sound: the schema is the only finding.
    assert!(r.stdout.contains("FAILED: 1 problem found"), "{}", r.stdout);

    // Nothing is added to such a log, by any of the append path's doors.
    let before = w.db_bytes();
    let lines = w.path("lines.jsonl");
    std::fs::write(
        &lines,
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"disputed\"}\n",
    )
    .unwrap();
    for (key, args) in [
        ("analyst", vec!["annotate", "C1", "--verdict", "disputed"]),
        ("admin", vec!["checkpoint"]),
        ("analyst", vec!["import", lines.to_str().unwrap()]),
    ] {
        let r = w.run(Some(key), &args);
        r.error("has been altered outside claimtrail: trigger quiet on entries is not part of claimtrail's schema");
        assert!(
            r.stderr
                .contains("hint: claimtrail adds nothing to a log in this state: run `claimtrail verify` to see every difference"),
            "{}",
            r.stderr
        );
    }
    assert!(before == w.db_bytes(), "a refused append changed the log");

    // Taken out again, the log is claimtrail's, and appends work.
    w.sql("DROP TRIGGER quiet;");
    w.run(None, &["verify"]).ok();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    )
    .ok();
}

/// A projection table dropped: a finding (exit 1), not a database error.
#[test]
fn a_table_dropped_from_the_file() {
    let w = Work::with_claims();
    w.sql("DROP TABLE relations;");
    let r = w.run(None, &["verify"]);
    r.problem("log", "schema");
    for line in [
        "PROBLEM log: schema: table relations is missing\n",
        "PROBLEM log: schema: index relations_by_other on relations is missing\n",
        "PROBLEM log: schema: verify stopped after 0 entries (SQLite: no such table: relations)\n",
    ] {
        assert!(r.stdout.contains(line), "{line}\n{}", r.stdout);
    }
}

/// A view in place of `entries` (which could show each reader what it
/// liked) is named, and never read: views are off in claimtrail.
#[test]
fn a_view_in_place_of_the_entries_table() {
    let w = Work::with_claims();
    w.sql(
        "ALTER TABLE entries RENAME TO kept;
         CREATE VIEW entries AS SELECT * FROM kept;",
    );
    let r = w.run(None, &["--json", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let details: Vec<&str> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["check"] == "schema" && p["seq"].is_null())
        .map(|p| p["detail"].as_str().unwrap())
        .collect();
    assert!(
        details.contains(
            &"entries should be a table, and is a view: CREATE VIEW entries AS SELECT * FROM kept"
        ),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("table kept is not part of claimtrail's schema")),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.contains("verify stopped after 0 entries") && d.contains("entries")),
        "{details:?}"
    );
    assert_eq!(doc["ok"], false);
}

/// A damaged page (here the first byte of the `entries` table's root page,
/// its page type, which SQLite checks) is a finding, not a failure to run.
#[test]
fn a_damaged_page_of_the_entries_table() {
    let w = Work::with_claims();
    let mut bytes = w.db_bytes();
    let (root, page_size): (i64, i64) = {
        let c = rusqlite::Connection::open(&w.db).unwrap();
        let root = c
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'entries'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        (root, size)
    };
    assert!(root > 1);
    bytes[((root - 1) * page_size) as usize] = 0x01; // no such page type
    w.restore(&bytes);
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout.contains("PROBLEM log: file: the file is damaged: SQLite stopped reading after 0 entries (database disk image is malformed); restore the log from a backup made before the damage (one `claimtrail backup PATH` wrote): move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy the backup in its place\n"),
        "{}",
        r.stdout
    );
    // Any other command says so in its error, and what to do.
    w.run(None, &["list", "claims"]).error(
        "error: the log's file is damaged (SQLite: database disk image is malformed) (hint: run `claimtrail verify` to see where; restore the log from a backup",
    );
}

#[test]
fn an_index_edited_below_its_table() {
    // `show` finds a claim's annotations through the annotations_by_claim
    // index; one byte there made C2's show lose A2 and list A3 twice, while
    // every table, and so every entry check, was as signed.
    let w = Work::with_claims();
    for verdict in ["disputed", "unverified"] {
        w.run(Some("analyst"), &["annotate", "C2", "--verdict", verdict])
            .ok();
    }
    let mut bytes = w.db_bytes();
    // Row 2 becomes row 3.
    let at = a2_on_c2_index_row_byte(&w, &bytes);
    bytes[at] = 3;
    w.restore(&bytes);
    let shown = w.run(None, &["show", "C2"]);
    assert!(!shown.ok().contains("A2 on C2"), "{}", shown.stdout);
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout.contains("PROBLEM log: file: integrity check of the file: row 2 missing from index annotations_by_claim; the file was changed below its tables"),
        "{}",
        r.stdout
    );
    // With the entries' own findings past the cap (here two, a tree level
    // deleted besides), the file's finding, which SQLite's check makes
    // last, is still listed, first: it was only counted, and a torn copy
    // of a log showed 1,000 "tree node is missing" lines and not why.
    w.sql("DELETE FROM merkle_nodes WHERE level = 1");
    let r = w.run(None, &["verify", "--max-problems", "2"]);
    r.problem("log", "file");
    let problems: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("PROBLEM "))
        .collect();
    assert_eq!(problems.len(), 2, "{}", r.stdout);
    assert!(
        problems[0].starts_with("PROBLEM log: file: "),
        "{}",
        r.stdout
    );
    assert!(
        problems[1].contains(": projection: tree node (level 1"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("more problems"), "{}", r.stdout);
}

/// The index of entry hashes (`entries.hash` is UNIQUE), through which
/// bundles, the append path and lookups by hash find entries, checked by
/// verify in one ordered pass against its own pass over the table
/// (`hash_index`), not by SQLite's lookup of every row. A byte of a
/// hash in a leaf cell, or in an interior cell's key (an index b-tree
/// keeps entries there too, which `PRAGMA quick_check` does not compare),
/// or a cell's row number: each is a finding, while every table holds.
#[test]
fn the_index_of_entry_hashes_edited_below_its_table() {
    let w = Work::with_claims();
    // Enough entries for the index to have an interior page (about two
    // hundred 40-byte cells fill an 8 KB leaf).
    let lines: String = (0..600)
        .map(|i| format!("{{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"unverified\",\"note\":\"pass {i}\"}}\n"))
        .collect();
    std::fs::write(w.path("many.jsonl"), lines).unwrap();
    w.run(Some("analyst"), &["import", "many.jsonl"]).ok();
    w.run(None, &["verify"]).ok();
    let clean = w.db_bytes();
    let (root, page_size): (usize, usize) = {
        let c = rusqlite::Connection::open(&w.db).unwrap();
        let root: i64 = c
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'sqlite_autoindex_entries_1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        (root as usize, size as usize)
    };
    let page = |n: usize| (n - 1) * page_size;
    let u16_at = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]) as usize;
    // The root is interior (type 2); its first cell: a 4-byte child page,
    // the record's length (one byte), the record: header length 3, a
    // 32-byte blob (serial type 76), an integer row number's type, then
    // the hash and the row number.
    let at = page(root);
    assert_eq!(clean[at], 2, "an interior index page");
    let first = at + u16_at(&clean, at + 12);
    let child = u32::from_be_bytes(clean[first..first + 4].try_into().unwrap()) as usize;
    assert_eq!(clean[first + 5..first + 7], [3, 76]);
    let interior_hash = first + 8;
    // Its left child is a leaf (type 10): record length, then the same.
    let leaf = page(child);
    assert_eq!(clean[leaf], 10, "a leaf index page");
    let cell = leaf + u16_at(&clean, leaf + 8);
    assert_eq!(clean[cell + 1..cell + 3], [3, 76]);
    let leaf_hash = cell + 4;
    // The last byte of a row number stored in one or two bytes (serial
    // type 1 or 2; 0 and 1 take none): flipping its low bit makes another
    // number of the same width, so the record keeps its length.
    let cells = u16_at(&clean, leaf + 3);
    let leaf_rowid = (0..cells)
        .map(|i| leaf + u16_at(&clean, leaf + 8 + 2 * i))
        .find_map(|c| match clean[c + 3] {
            1 => Some(c + 4 + 32),
            2 => Some(c + 4 + 32 + 1),
            _ => None,
        })
        .expect("a cell with a one- or two-byte row number");

    for (what, at, says) in [
        (
            "an interior key",
            interior_hash + 31,
            "the index of entry hashes does not hold the entries' own hashes and numbers",
        ),
        (
            "a leaf's hash",
            leaf_hash + 31,
            "the index of entry hashes does not hold the entries' own hashes and numbers",
        ),
        (
            "a leaf's first hash byte",
            leaf_hash,
            "the index of entry hashes is out of order",
        ),
        (
            "a leaf's row number",
            leaf_rowid,
            "the index of entry hashes does not hold the entries' own hashes and numbers",
        ),
    ] {
        let mut bytes = clean.clone();
        bytes[at] ^= if what == "a leaf's first hash byte" {
            0xff
        } else {
            0x01
        };
        w.restore(&bytes);
        let r = w.run(None, &["verify"]);
        r.problem("log", "file");
        assert!(
            r.stdout.contains(&format!(
                "PROBLEM log: file: integrity check of the file: {says}"
            )),
            "{what}: {}",
            r.stdout
        );
        assert!(
            r.stdout
                .lines()
                .filter(|l| l.starts_with("PROBLEM"))
                .all(|l| l.starts_with("PROBLEM log: file: ")),
            "{what}: only the file's check sees it: {}",
            r.stdout
        );
    }
    w.restore(&clean);
    w.run(None, &["verify"]).ok();
}

#[test]
fn a_file_cut_short_or_a_schema_page_changed_is_a_finding() {
    // SQLite could not open either as a database, and verify exited 2, as
    // if it had not run: a damaged log is a finding (exit 1), as a damaged
    // page met among the entries is.
    let w = Work::with_claims();
    let whole = w.db_bytes();
    w.restore(&whole[..16384]);
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout.contains("PROBLEM log: file: the file is damaged: SQLite cannot open it as a database (database disk image is malformed); restore the log from a backup"),
        "{}",
        r.stdout
    );
    // A byte of a CREATE statement on page 1 made into invalid UTF-8.
    let mut bytes = whole.clone();
    let at = bytes[..8192]
        .windows(12)
        .position(|b| b == b"CREATE TABLE")
        .expect("a CREATE statement on page 1");
    bytes[at + 3] = 0xff;
    w.restore(&bytes);
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout.contains("PROBLEM log: file: the file is damaged: SQLite cannot open it as a database (malformed database schema ("),
        "{}",
        r.stdout
    );
}

/// `prove` proves the entry as it is in the log, against a root an admin
/// signed: an entry edited in the file (its hash column left alone) and a
/// stored checkpoint whose note no admin signed each fail it, exit 1, with
/// what failed. Until 2026-12-04 both said "verified": prove took the
/// tree's stored leaf, and the `checkpoints` table's root column.
#[test]
fn prove_fails_for_an_edited_entry_and_for_an_unsigned_stored_checkpoint() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    assert!(w
        .run(None, &["prove", "C1"])
        .ok()
        .ends_with("verified: the proof leads from the entry to the root\n"));
    let pristine = std::fs::read(&w.db).unwrap();
    w.sql(
        "UPDATE entries SET payload = CAST(REPLACE(CAST(payload AS TEXT), 'White Helmets', 'White Helmetz') AS BLOB)
         WHERE seq = (SELECT seq FROM claims WHERE id = 1)",
    );
    let seq: i64 = {
        let c = rusqlite::Connection::open(&w.db).unwrap();
        c.query_row("SELECT seq FROM claims WHERE id = 1", [], |r| r.get(0))
            .unwrap()
    };
    for args in [
        &["prove", "C1", "--checkpoint", "cp.txt"][..],
        &["prove", "C1"],
    ] {
        let r = w.run(None, args);
        assert_eq!(r.code, 1, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
        let last = r.stdout.lines().last().unwrap();
        assert!(
            last.starts_with(&format!("FAILED: entry {seq}'s bytes hash to "))
                && last.ends_with(
                    "(the entry was changed after it was appended: run `claimtrail verify`)"
                ),
            "{last}"
        );
    }
    let json = w.run(None, &["prove", "C1", "--json"]);
    assert_eq!(json.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["verified"], false);
    assert!(
        doc["failed"].as_str().unwrap().contains("bytes hash to"),
        "{doc}"
    );

    // The entry as it was; the stored note's signature changed.
    drop(std::fs::write(&w.db, &pristine));
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", w.db.display()));
    }
    w.sql("UPDATE checkpoints SET note = REPLACE(note, substr(note, -20, 8), 'AAAAAAAA')");
    let r = w.run(None, &["prove", "C1"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("not signed by an admin of this log"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("FAILED: the checkpoint stored at entry "),
        "{}",
        r.stdout
    );
    // The file's note is untouched: against it, the proof holds.
    assert!(w
        .run(None, &["prove", "C1", "--checkpoint", "cp.txt"])
        .ok()
        .contains("verified"));
    let v = w.run(None, &["verify"]);
    v.problem("entry", "projection");
    // Where the note changed is shown, far past its first 40 characters:
    // both values were cut at the same 40 and read the same.
    let line = v
        .stdout
        .lines()
        .find(|l| l.contains("column note is"))
        .unwrap();
    let (found, implied) = line.split_once(" but the entry implies ").unwrap();
    assert!(
        found.contains("AAAAAAAA") && !implied.contains("AAAAAAAA"),
        "{line}"
    );
    assert!(found.contains("(from character "), "{line}");
}

/// Commands other than verify that meet an altered file stop with the
/// error that says so (exit 2), not "internal error … a bug in
/// claimtrail"; `report` still writes its report, verify's failure first.
#[test]
fn commands_that_meet_an_altered_file_say_so_and_report_still_reports() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let damaged = "the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify` to see every problem; keep the damaged file as evidence (a backup made now copies the damage), and restore the log from a backup made before the damage (one `claimtrail backup PATH` wrote): move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy the backup in its place)";

    // A tree node that the proofs of entries 0 and 1 go through.
    // (Node (1, 1) is made when entry 3 completes it.)
    w.sql("UPDATE merkle_nodes SET hash = x'00ff' WHERE level = 1 AND idx = 1");
    w.run(None, &["verify"])
        .problem("entry 3 (source.add S1)", "projection");
    w.run(None, &["prove", "0"]).error(&format!(
        "error: tree node (level 1, index 1) is missing or malformed: {damaged}"
    ));
    let r = w.run(None, &["report", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(doc["summary"][0]
        .as_str()
        .unwrap()
        .starts_with("VERIFY FAILED"));
    let unproven: Vec<u64> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["inclusion_proof"].is_null())
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(unproven, [0, 1, 7], "7: the checkpoint's own entry");

    // A stored key's role, and the log's origin, changed in the file.
    let w = Work::with_claims();
    w.sql("UPDATE keys SET role = 'boss' WHERE role = 'analyst'");
    let r = w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"]);
    r.error("error: database error: a table holds a value that no entry can imply: the stored value `boss` is not a role (hint: run `claimtrail verify`");
    let w = Work::with_claims();
    w.sql("UPDATE log_meta SET origin = ''");
    w.run(Some("admin"), &["checkpoint"]).error(&format!(
        "error: the log's origin `` cannot name a checkpoint (checkpoint origin (line 1) is empty): {damaged}"
    ));
}

/// `backup` of a damaged log copies it as it is, for an auditor to keep as
/// evidence, and says what it could not read (exit 1); it wrote the copy
/// and then failed, exit 2, on the stored tree.
#[test]
fn a_damaged_log_is_backed_up_as_it_is() {
    let w = Work::with_claims();
    w.sql("DELETE FROM merkle_nodes WHERE level = 2");
    let r = w.run(None, &["backup", "copy.db"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("backed up the log, as it is, to copy.db; its stored tree could not be read (tree node (level 2, index "),
        "{}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let copied = w.run_with(
        None,
        &[("CLAIMTRAIL_DB", w.path("copy.db").to_str().unwrap())],
        &["verify"],
        None,
    );
    copied.problem("log", "projection");
}

/// The keys others are handed to trust without claimtrail come from the
/// entries that enrolled them, not from the `keys` table alone: a key
/// written into the table was printed by `key allowed-signers` beside the
/// analyst's real fingerprint, and `ssh-keygen -Y verify` then accepted an
/// impostor's signature as the analyst's; `key vkey` printed it as the
/// log's verifier key.
#[test]
fn key_lists_for_other_tools_refuse_an_edited_keys_table() {
    let w = Work::with_claims();
    let impostor = Signer::generate("impostor").unwrap();
    let pristine = w.db_bytes();
    for (whom, command) in [("Rana Haddad", "allowed-signers"), ("admin", "vkey")] {
        w.restore(&pristine);
        w.sql(&format!(
            "UPDATE keys SET public_key = '{}' WHERE name = '{whom}'",
            impostor.public().to_openssh()
        ));
        let before = w.db_bytes();
        let r = w.run(None, &["key", command]);
        r.error("has another key than its fingerprint says: the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify`");
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert!(w.db_bytes() == before);
    }
    // The row and its fingerprint both changed, to a key no entry enrolls.
    w.restore(&pristine);
    w.sql(&format!(
        "UPDATE keys SET public_key = '{}', fingerprint = '{}' WHERE name = 'Rana Haddad'",
        impostor.public().to_openssh(),
        impostor.fingerprint()
    ));
    w.run(None, &["key", "allowed-signers"])
        .error("is not the key, name and role that entry 1 enrolls");
    // A role raised, and a revocation row that no entry signed.
    w.restore(&pristine);
    w.sql("UPDATE keys SET role = 'admin' WHERE name = 'Rana Haddad'");
    w.run(None, &["key", "allowed-signers"])
        .error("is not the key, name and role that entry 1 enrolls");
    w.restore(&pristine);
    w.sql("INSERT INTO revocations SELECT 3, fingerprint, 'made up', fingerprint FROM keys WHERE name = 'admin'");
    w.run(None, &["key", "vkey"])
        .error("is said to be revoked by entry 3, which does not revoke it");
    // Untouched, both print.
    w.restore(&pristine);
    assert!(w
        .run(None, &["key", "allowed-signers"])
        .ok()
        .contains("Rana_Haddad"));
}

/// A key enrolled by an entry that verify refuses for its signer (an
/// analyst's `key.add`, or one a revoked admin's key signed), written into
/// the file with its row: its signature verifies, and `key vkey` handed it
/// out as the log's verifier key, `key allowed-signers` as an active admin,
/// and it signed entries; a checkpoint it alone signed then passed
/// `checkpoint verify` with the desk's vkey file. Each link of the chain
/// back to the log's first key must be one verify's authorization rule
/// takes.
#[test]
fn a_key_enrolled_by_a_signer_that_may_not_is_not_handed_out() {
    let w = Work::with_claims();
    w.enroll("admin2", "admin", "Second admin");
    w.revoke("admin", "admin2", "laptop stolen");
    let pristine = w.db_bytes();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let thief = Signer::load(&w.path("admin2")).unwrap();
    w.key("stranger");
    let stranger = Signer::load(&w.path("stranger")).unwrap();
    for (signer, why) in [
        (&analyst, "Rana Haddad (SHA256:".to_string()),
        (&thief, "Second admin (SHA256:".to_string()),
    ] {
        w.restore(&pristine);
        let seq = forge(
            &w,
            signer,
            Body::KeyAdd(KeyAdd {
                key: stranger.public().to_openssh(),
                name: "Stranger".into(),
                role: Role::Admin,
            }),
        );
        w.sql(&format!(
            "INSERT INTO keys VALUES ('{}', {seq}, '{}', 'Stranger', 'admin')",
            stranger.fingerprint(),
            stranger.public().to_openssh()
        ));
        let said = match signer.fingerprint() == analyst.fingerprint() {
            true => "whose role analyst may not enroll or revoke keys",
            false => "whose key was revoked at entry 8, before it",
        };
        let before = w.db_bytes();
        for command in ["vkey", "allowed-signers"] {
            let r = w.run(None, &["key", command]);
            r.error(&format!(
                "error: the enrolled key Stranger ({}) was enrolled by entry {seq}, signed by {why}",
                stranger.fingerprint()
            ));
            r.error(said);
        }
        w.run(Some("stranger"), &["annotate", "C1", "--verdict", "false"])
            .error(said);
        assert!(w.db_bytes() == before);
        w.run(None, &["verify"])
            .problem(&format!("entry {seq} (key.add)"), "authorization");
    }
}

/// A revocation row deleted by hand put a departed admin back among the
/// log's verifier keys (`key vkey`) and the principals of `key
/// allowed-signers`, marked active: a checkpoint the departed key signed
/// then passed `checkpoint verify` with the keys the desk handed out.
#[test]
fn key_lists_for_other_tools_refuse_a_deleted_revocation() {
    let w = Work::with_claims();
    w.revoke("admin", "auditor", "left the desk");
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    let honest = w.run(None, &["key", "allowed-signers"]).ok().to_string();
    assert!(honest.contains("revoked"), "{honest}");
    w.sql("DELETE FROM revocations");
    let before = w.db_bytes();
    for command in ["allowed-signers", "vkey"] {
        let r = w.run(None, &["key", command]);
        r.error("revokes the key SHA256:");
        r.error("and the database's tables do not say so: the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify`");
    }
    // The entry deleted with its row: the numbering has a gap.
    let deleted = w.db_bytes();
    w.sql("DELETE FROM entries WHERE kind = 'key.revoke'");
    w.run(None, &["key", "vkey"])
        .error("the log holds 8 entries, numbered 0 to 8: some are missing");
    // (The last entry deleted leaves no gap: a checkpoint kept outside the
    // log catches a log cut short, `verify --checkpoint`.)
    w.restore(&deleted);
    // The kind column changed as well: the payload still says what it is.
    w.sql("UPDATE entries SET kind = 'source.add' WHERE kind = 'key.revoke'");
    w.run(None, &["key", "vkey"])
        .error("and the database's tables do not say so");
    assert!(w.db_bytes() != before);
    w.run(None, &["verify"]).problem("entry 7", "header");
}

/// `show` checks what it prints against the signed entries: rows swapped
/// between two claims made `show C1` print C2's quote and speaker, the
/// analyst annotated "C1" on that reading, the annotation signed C1's
/// real entry, and once the rows were swapped back the log verified, with
/// the analyst's verdict on a claim they never saw.
#[test]
fn show_refuses_rows_that_are_not_what_their_entries_signed() {
    let w = Work::with_claims();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    )
    .ok();
    let pristine = w.db_bytes();
    let swap = "CREATE TEMP TABLE t AS SELECT * FROM claims WHERE id IN (1, 2);
        UPDATE claims SET (start, \"end\", quote_sha256, prefix, suffix, speaker, provenance, paraphrase) =
          (SELECT start, \"end\", quote_sha256, prefix, suffix, speaker, provenance, paraphrase
           FROM t WHERE t.id = 3 - claims.id) WHERE id IN (1, 2);";
    w.sql(swap);
    for (id, seq) in [("C1", 4), ("C2", 5), ("S1", 4), ("A1", 4)] {
        w.run(None, &["show", id]).error(&format!(
            "differs from its signed entry {seq} in its span, quote hash, speaker, provenance, context, quote"
        ));
    }
    // The quote alone changed, in the source's stored text.
    w.restore(&pristine);
    w.sql("UPDATE blobs SET data = CAST(replace(CAST(data AS TEXT), 'Seven civilians', 'Seven soldiers') AS BLOB)");
    w.run(None, &["show", "C1"])
        .error("error: the tables' C1 differs from its signed entry 4 in its quote: ");
    w.run(None, &["show", "S1", "--raw"])
        .error("error: the stored text of S1 is not the text its entry 3 signed");
    // An annotation's verdict, and a source's publisher.
    w.restore(&pristine);
    w.sql("UPDATE annotations SET verdict = 'confirmed' WHERE id = 1");
    w.run(None, &["show", "A1"])
        .error("differs from its signed entry 6 in its verdict");
    w.run(None, &["show", "C1"])
        .error("differs from its signed entry 6 in its verdict");
    w.restore(&pristine);
    w.sql("UPDATE sources SET publisher = 'Reuters'");
    w.run(None, &["show", "S1"])
        .error("the tables' S1 differs from its signed entry 3 in its publisher");
    // Two claims' rows swapped whole, ids and all: each row is its
    // entry's, under the other's number.
    w.restore(&pristine);
    w.sql("UPDATE claims SET id = -1 WHERE id = 1; UPDATE claims SET id = 1 WHERE id = 2; UPDATE claims SET id = 2 WHERE id = -1");
    w.run(None, &["show", "C1"]).error(
        "the tables number the item of entry 5 C1, out of log order with the items numbered next to it",
    );
    // A retraction, a redaction and a supersession that no entry made.
    for (sql, id, says) in [
        (
            "INSERT INTO retractions SELECT 98, 1, 'made up', NULL, fingerprint, '2026-01-01T00:00:00Z' FROM keys WHERE role = 'admin'",
            "C1",
            "the table retractions has a row for entry 98, which is no claim.retract entry",
        ),
        (
            "INSERT INTO redactions SELECT 97, 1, 'made up', fingerprint, '2026-01-01T00:00:00Z' FROM keys WHERE role = 'admin'",
            "S1",
            "the table redactions has a row for entry 97, which is no source.redact entry",
        ),
        (
            "INSERT INTO retractions SELECT 6, 1, 'made up', NULL, signer, time FROM annotations WHERE id = 1",
            "C1",
            "the table retractions has a row for entry 6, which is no claim.retract entry",
        ),
    ] {
        w.restore(&pristine);
        w.sql(sql);
        w.run(None, &["show", id]).error(says);
    }
    // The text altered under its hash: no quote can be read, and no
    // redaction explains it (it read "the source was redacted").
    w.restore(&pristine);
    w.sql("UPDATE blobs SET data = CAST('X' || CAST(data AS TEXT) AS BLOB)");
    w.run(None, &["show", "C1"])
        .error("C1's quote is not in the stored text of S1, and no redaction removed that text");
    // A verdict edited: `show S1` lists its claims' verdicts.
    w.restore(&pristine);
    w.sql("UPDATE annotations SET verdict = 'confirmed' WHERE id = 1");
    w.run(None, &["show", "S1"])
        .error("differs from its signed entry 6 in its verdict");
    // A checkpoint row edited: `show` named a checkpoint that is not there.
    w.restore(&pristine);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let checkpointed = w.db_bytes();
    w.sql("UPDATE checkpoints SET size = 5, seq = 5");
    w.run(None, &["show", "C1"])
        .error("the tables name entry 5 as the checkpoint of tree size 5, and it is not one");
    w.restore(&checkpointed);
    w.run(None, &["show", "C1"]).ok();
    // Untouched, each shows.
    w.restore(&pristine);
    for id in ["C1", "C2", "S1", "A1"] {
        w.run(None, &["show", id]).ok();
    }
}

/// The state `show` prints beside an item, each row edited, moved,
/// deleted or made up (red team O, M2): it printed each with exit 0.
/// Another source's redaction moved to S1 (`show A1` printed "(its source
/// was redacted)" in place of C1's quote), a revocation's reason edited,
/// a retraction's row deleted (a retracted claim shown as standing), and
/// an annotation row made up (`show A1` said "not current: A3", an
/// annotation no entry adds).
#[test]
fn show_refuses_state_rows_moved_edited_deleted_or_made_up() {
    let w = Work::with_claims();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    )
    .ok();
    let s2 = w.source_from_stdin("analyst", "statement", "A statement to redact.\n");
    w.run(
        Some("admin"),
        &["source", "redact", &s2, "--reason", "protects a witness"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["claim", "retract", "C2", "--reason", "wrong speaker"],
    )
    .ok();
    w.enroll("other", "analyst", "Omar Said");
    w.revoke("admin", "other", "left the desk");
    let pristine = w.db_bytes();
    for id in ["A1", "C1", "C2", "S1", "S2"] {
        w.run(None, &["show", id]).ok();
    }
    let damaged = ": the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify`";
    for (sql, id, says) in [
        (
            "UPDATE redactions SET source_id = 1",
            "A1",
            "the table redactions says entry 9 acts on S1, and it acts on S2",
        ),
        (
            "UPDATE revocations SET reason = 'fired'",
            "A1",
            "is said to be revoked for another reason than entry",
        ),
        (
            "DELETE FROM retractions WHERE claim_id = 2",
            "C2",
            "retracts a claim, and the table retractions has no row for it",
        ),
        // Moved to another claim: every entry keeps its row, and C2 was
        // shown standing (red team R, R1).
        (
            "UPDATE retractions SET claim_id = 1 WHERE claim_id = 2",
            "C2",
            "acts on C1, and it acts on C2",
        ),
        (
            "INSERT INTO annotations SELECT 50, 99, claim_id, signer, '2099-01-01T00:00:00Z', 'false', NULL, NULL, NULL, NULL FROM annotations WHERE id = 1",
            "A1",
            "the tables say A50 replaces A1, and",
        ),
    ] {
        w.restore(&pristine);
        w.sql(sql);
        let before = w.db_bytes();
        let r = w.run(None, &["show", id]);
        r.error(says);
        r.error(damaged);
        assert!(r.stdout.is_empty(), "{sql}: {}", r.stdout);
        assert!(w.db_bytes() == before, "{sql}");
        assert_eq!(w.run(None, &["verify"]).code, 1, "{sql}");
    }
}

/// The log's origin edited in `log_meta` alone: `key vkey` handed out the
/// log's verifier key under another log's name, and `key allowed-signers`
/// headed its file with it, exit 0 (red team O, M3). Both take the origin
/// its `log.init` entry signs, and refuse the edited row.
#[test]
fn an_edited_origin_row_gives_no_verifier_key_under_another_name() {
    let w = Work::with_claims();
    w.sql("UPDATE log_meta SET origin = 'evil.example/x'");
    let says = "the table log_meta gives the log's origin as `evil.example/x`, and its log.init entry 0 signs `test.example/idlib`";
    for args in [&["key", "vkey"][..], &["key", "allowed-signers"]] {
        w.run(None, args).error(says);
    }
    w.run(None, &["verify"])
        .problem("entry 0 (log.init)", "projection");
}

/// A retraction validly signed by a key that may not sign it (another
/// analyst's claim) retracts nothing (FORMAT §4): verify finds it, and
/// `show` does not present it as a retraction.
#[test]
fn show_refuses_a_retraction_its_signer_could_not_make() {
    let w = Work::with_claims();
    w.enroll("other", "analyst", "Omar Said");
    let other = Signer::load(&w.path("other")).unwrap();
    let body = Body::ClaimRetract(ClaimRetract {
        claim: reference(&w, ItemId::claim(2), 5),
        reason: "not hers".into(),
        replaced_by: None,
    });
    let seq = forge(&w, &other, body);
    w.sql(&format!(
        "INSERT INTO retractions VALUES ({seq}, 2, 'not hers', NULL, '{}', '2026-11-25T10:00:00Z')",
        other.fingerprint()
    ));
    w.run(None, &["verify"])
        .problem(&format!("entry {seq} (claim.retract)"), "authorization");
    w.run(None, &["show", "C2"]).error(&format!(
        "C2's retraction at entry {seq} was signed by Omar Said, whose key could not sign it then"
    ));
}

/// A signing command checks its signer's key row against the entries that
/// enrolled it before it signs: with the analyst's role raised to admin in
/// the table alone, `source redact` signed a redaction (and deleted the
/// text) that verify then refused, in a log that cannot drop it.
#[test]
fn a_role_raised_in_the_keys_table_is_refused_before_signing() {
    let w = Work::with_claims();
    w.sql("UPDATE keys SET role = 'admin' WHERE name = 'Rana Haddad'");
    let before = w.db_bytes();
    w.run(
        Some("analyst"),
        &["source", "redact", "S1", "--reason", "because"],
    )
    .error("error: the enrolled key Rana Haddad (SHA256:");
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("is not the key, name and role that entry 1 enrolls: the log's file is damaged or was altered outside claimtrail");
    assert!(w.db_bytes() == before, "nothing was signed");
}

/// The last entry's hash, edited in the file alone, is not signed into the
/// next entry's `prev`: the command refuses (exit 2, nothing written) where
/// it appended a link to nothing that verify then refused for good.
#[test]
fn an_edited_head_hash_is_not_signed_into_the_next_entry() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET hash = zeroblob(32) WHERE seq = 6");
    let before = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .error("error: entry 6's stored hash is not the hash of its payload and signature: the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify`");
    assert!(w.db_bytes() == before);
    w.run(None, &["verify"])
        .problem("entry 6 (annotation.add A1)", "hash");
    // The commands that only read take the stored hash: status, the
    // diagnostic a user reaches for, still reports.
    assert!(w.run(None, &["status"]).ok().contains("7"));
    w.run(None, &["prove", "C1"]).ok();
}

/// An insider edits the file for a moment, to get an honest signature on
/// words no one wrote, then puts it back: the commands that sign refuse
/// while the edit is there, so nothing is signed. Annotated under the
/// edit, the verdict stood on the true claim once the edit was undone,
/// and the log verified; a claim made from the altered text failed
/// verify for good, as its analyst's entry.
#[test]
fn a_row_or_text_edited_for_a_moment_gets_no_signature() {
    let w = Work::with_claims();
    let damaged = ": the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify` to see every problem";
    let forge = "UPDATE blobs SET data = CAST(replace(CAST(data AS TEXT), 'Seven civilians, including four', 'Seventy civilians, including four') AS BLOB)";
    let undo = "UPDATE blobs SET data = CAST(replace(CAST(data AS TEXT), 'Seventy civilians, including four', 'Seven civilians, including four') AS BLOB)";
    w.sql(forge);
    let before = w.db_bytes();
    // The desk's queue shows the forged words (lists read the tables)...
    assert!(w
        .run(None, &["list", "claims"])
        .ok()
        .contains("Seventy civilians"));
    // ...and nothing signs a judgment of them, or a claim made from them.
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error(&format!(
            "error: the tables' C1 differs from its signed entry 4 in its quote{damaged}"
        ));
    w.claim_on_s1(&["--quote", "Seventy civilians"], "Syrian Civil Defense")
        .error("error: the stored text of S1 is not the text its entry 3 signed (SHA-256 ");
    std::fs::write(
        w.path("lines.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "lines.jsonl"])
        .error("the tables' C1 differs from its signed entry 4 in its quote");
    assert!(w.db_bytes() == before, "nothing was signed");
    w.sql(undo);
    w.run(None, &["verify"]).ok();

    // A claim's row pointed at another claim's entry: the reference would
    // carry that entry's hash, and verify would fail the analyst's
    // annotation for good.
    w.sql("UPDATE claims SET seq = -seq WHERE id IN (1, 2); UPDATE claims SET seq = 5 WHERE id = 1; UPDATE claims SET seq = 4 WHERE id = 2");
    let before = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("error: the tables' C1 differs from its signed entry 5 in its ");
    assert!(w.db_bytes() == before, "nothing was signed");

    // Once the rows are back, the same commands sign.
    w.sql("UPDATE claims SET seq = -seq WHERE id IN (1, 2); UPDATE claims SET seq = 4 WHERE id = 1; UPDATE claims SET seq = 5 WHERE id = 2");
    w.run(Some("analyst"), &["import", "lines.jsonl"]).ok();
    w.run(None, &["verify"]).ok();
}

/// A second key enrolled under the analyst's name while the analyst's key
/// is live (signed by the admin outside claimtrail: `key add` refuses it)
/// is a finding at its enrolment; and it is not the analyst: its
/// annotation may not supersede the analyst's. Verify took the name alone,
/// the log verified, and every view took the impostor for the analyst.
#[test]
fn a_namesake_of_a_live_key_is_not_that_person() {
    let w = Work::with_claims();
    let admin = Signer::load(&w.path("admin")).unwrap();
    let impostor = Signer::generate("impostor").unwrap();
    let enrolled = forge(
        &w,
        &admin,
        Body::KeyAdd(KeyAdd {
            key: impostor.public().to_openssh(),
            name: "Rana Haddad".into(),
            role: Role::Analyst,
        }),
    );
    let body = Body::AnnotationAdd(AnnotationAdd {
        claim: reference(&w, ItemId::claim(1), 4),
        verdict: Verdict::Confirmed,
        reliability: None,
        credibility: None,
        note: None,
        corroborates: vec![],
        contradicts: vec![],
        supersedes: Some(reference(&w, ItemId::annotation(1), 6)),
    });
    let seq = forge(&w, &impostor, body);
    assert_eq!(seq, enrolled + 1);
    let r = w.run(None, &["verify"]);
    r.problem(&format!("entry {enrolled} (key.add)"), "body");
    assert!(
        r.stdout.contains(&format!(
            "the name Rana Haddad is held by the live key {} (enrolled at entry 1)",
            Signer::load(&w.path("analyst")).unwrap().fingerprint()
        )),
        "{}",
        r.stdout
    );
    // Not enrolled, the impostor signs nothing valid.
    r.problem(&format!("entry {seq} (annotation.add"), "authorization");
    // Its row written into the keys table too: the lists others are told
    // to trust do not hand it out under the analyst's name.
    w.sql(&format!(
        "INSERT INTO keys VALUES ('{}', {enrolled}, '{}', 'Rana Haddad', 'analyst')",
        impostor.fingerprint(),
        impostor.public().to_openssh()
    ));
    for list in ["allowed-signers", "vkey"] {
        w.run(None, &["key", list]).error(&format!(
            "was enrolled at entry {enrolled} under the name of the key {}, live then",
            Signer::load(&w.path("analyst")).unwrap().fingerprint()
        ));
    }
}

/// `key add` takes the keys from their entries before it judges a name: a
/// revocation row written into the table alone had the admin enroll a
/// second key under a live key's name, signed for good and refused by
/// verify.
#[test]
fn key_add_does_not_take_a_revocation_from_the_table_alone() {
    let w = Work::with_claims();
    let auditor = Signer::load(&w.path("auditor")).unwrap();
    w.sql(&format!(
        "INSERT INTO revocations VALUES (999, '{}', 'made up', 'x')",
        auditor.fingerprint()
    ));
    w.key("impostor");
    let before = w.db_bytes();
    w.run(
        Some("admin"),
        &["key", "add", "impostor.pub", "--role", "auditor", "--name", "auditor"],
    )
    .error("error: entry 999 is missing (a table names it): the log's file is damaged or was altered outside claimtrail");
    assert!(w.db_bytes() == before);
}

/// A log whose header bytes were changed (the SQLite magic, the schema
/// format, the application id) is a finding under `file`, exit 1, as a
/// damaged page further in is: "not a claimtrail database (check the --db
/// path)", exit 2, told an auditor that the wrong file was given. A file
/// that never was a log is still that usage error.
#[test]
fn a_damaged_header_is_a_finding_not_a_wrong_path() {
    let w = Work::with_claims();
    let pristine = w.db_bytes();
    for (offset, byte, says) in [
        (
            0usize,
            b'X',
            "x.db is not a claimtrail database (it is not an SQLite file)",
        ),
        (47, 7, "unsupported file format"),
        (68, 0x11, "it is an SQLite file of another application"),
    ] {
        let mut bytes = pristine.clone();
        bytes[offset] = byte;
        std::fs::write(w.path("x.db"), &bytes).unwrap();
        let r = w.run(None, &["--db", "x.db", "verify"]);
        r.problem("log", "file");
        assert!(
            r.stdout.contains("the file holds claimtrail's tables, but SQLite cannot open it as a claimtrail log (")
                && r.stdout.contains(says)
                && r.stdout.contains("its header was damaged or altered; restore the log from a backup"),
            "byte {offset}: {}",
            r.stdout
        );
    }
    std::fs::write(w.path("notes.db"), "not a log\n").unwrap();
    w.run(None, &["--db", "notes.db", "verify"])
        .error("notes.db is not a claimtrail database (it is not an SQLite file) (hint: check the --db path");
    // The schema's own SQL, or a dump, holds the same statements as text:
    // never a log.
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/schema/0001_log.sql"),
        w.path("schema.sql"),
    )
    .unwrap();
    w.run(None, &["--db", "schema.sql", "verify"])
        .error("schema.sql is not a claimtrail database (it is not an SQLite file)");
}

/// Another database's -wal put beside the log: the pair reads as that
/// database. Verify says so (a finding, exit 1) and no command folds that
/// -wal into the log's file: every command, reading ones included, did at
/// its close, and the log was replaced by the other database.
#[test]
fn another_databases_wal_beside_the_log_is_never_folded_into_it() {
    let w = Work::with_claims();
    let other = w.path("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t(x); INSERT INTO t VALUES (1);",
        )
        .unwrap();
        // Copied while the connection is open: its close would fold it.
        std::fs::copy(
            format!("{}-wal", other.display()),
            format!("{}-wal", w.db.display()),
        )
        .unwrap();
    }
    let wal = std::path::PathBuf::from(format!("{}-wal", w.db.display()));
    let files = || (std::fs::read(&w.db).unwrap(), std::fs::read(&wal).unwrap());
    let before = files();
    let r = w.run(None, &["verify"]);
    r.problem("log", "file");
    assert!(
        r.stdout.contains("which SQLite reads with it, is another database's or damaged, or the file's header is: move the -wal aside to check the file alone"),
        "{}",
        r.stdout
    );
    w.run(None, &["status"])
        .error("it reads as an SQLite file of another application with the -wal file beside it");
    w.run(None, &["list", "claims"])
        .error("another application");
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("another application");
    assert!(files() == before, "the log or its -wal changed");
    // The -wal moved aside, the log reads as it was.
    std::fs::remove_file(&wal).unwrap();
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));
}

/// A row moved to the largest seq SQLite holds is a finding like any
/// other: counting the rows to expect from it overflowed (a panic in a
/// debug build).
#[test]
fn a_row_at_the_largest_seq_is_a_finding() {
    let w = Work::with_claims();
    w.sql(
        "UPDATE entries SET seq = 9223372036854775807 WHERE seq = (SELECT MAX(seq) FROM entries)",
    );
    let r = w.run(None, &["verify"]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.problem("entry 9223372036854775807", "sequence");
}

/// One flipped byte in `log.init`'s signature: the admin it enrolls is
/// enrolled by nothing that passed, so every entry the admin signed fails
/// authorization. They are said in one line after the first, and an
/// unrelated edit further on is still listed (the 1,000 problems listed
/// were all the same one, and hid it).
#[test]
fn a_failed_log_init_signature_does_not_drown_other_problems() {
    let w = Work::with_claims();
    w.annotations(300);
    w.sql("UPDATE entries SET sig = substr(sig, 1, length(sig) - 1) || CASE WHEN substr(sig, -1) = x'00' THEN x'01' ELSE x'00' END WHERE seq = 0");
    w.sql("UPDATE claims SET speaker = 'Someone Else' WHERE id = 2");
    let r = w.run(None, &["verify"]);
    r.problem("entry 0 (log.init)", "signature");
    r.problem("entry 5 (claim.add C2)", "projection");
    // (The admin's enrolment of the analyst did not pass in turn: each
    // key has its first entry named and one line for the rest.)
    let authorization = r
        .stdout
        .lines()
        .filter(|l| l.contains(": authorization: "))
        .count();
    assert!(authorization <= 6, "{}", r.stdout);
    assert!(
        r.stdout.contains(" more, up to entry 306, signed by "),
        "{}",
        r.stdout
    );
    let problems = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("PROBLEM "))
        .count();
    assert!(problems < 20, "{problems}: {}", r.stdout);
}

/// A redacted source's text put back into `blobs` by hand: verify names
/// the redaction's entry, and nothing shows the text, which the signed
/// redaction removed (`show S1 --text` printed it, and `show C1` the
/// quote in its context, exit 0).
#[test]
fn a_redacted_text_put_back_is_not_shown() {
    let w = Work::with_claims();
    let text = std::fs::read(FIXTURE).unwrap();
    w.run(
        Some("admin"),
        &["source", "redact", "S1", "--reason", "court order"],
    )
    .ok_noted();
    let hex: String = text.iter().map(|b| format!("{b:02x}")).collect();
    w.sql(&format!(
        "INSERT INTO blobs SELECT sha256, X'{hex}' FROM sources WHERE id = 1"
    ));
    let r = w.run(None, &["verify"]);
    r.problem("entry 7 (source.redact)", "blob");
    assert!(
        r.stdout.contains("S1 was redacted but its text is still stored")
            && r.stdout.contains("table blobs holds 1 text more than the sources not redacted have: a text of no source, or a redacted source's text put back"),
        "{}",
        r.stdout
    );
    w.run(None, &["show", "S1", "--text"])
        .error("S1 was redacted; its text is gone");
    let c1 = w.run(None, &["show", "C1"]);
    assert!(
        c1.ok().contains("redacted") && !c1.stdout.contains("Seven civilians"),
        "{}",
        c1.stdout
    );
    let found = w.run(None, &["list", "sources", "--contains", "Idlib"]);
    assert!(
        found.stderr.contains("no source matches these conditions"),
        "{}",
        found.stderr
    );
}

/// A table's text shown in a problem line is escaped as every other line
/// escapes text (a bidi override as `\u{202e}`, a NUL as `\u{0}`, not
/// Rust's `\0`), and a value cut at 40 characters says so with `…`: a
/// fingerprint cut without a mark looked whole.
#[test]
fn a_tampered_text_column_is_shown_escaped_and_marked_where_cut() {
    let w = Work::with_claims();
    w.sql("UPDATE claims SET speaker = 'UNI' || char(8238) || 'CEF' || char(0) WHERE id = 1");
    w.sql("UPDATE keys SET fingerprint = fingerprint || 'x' WHERE seq = 1");
    let v = w.run(None, &["verify"]);
    v.problem("entry", "projection");
    let speaker = v
        .stdout
        .lines()
        .find(|l| l.contains("column speaker is"))
        .unwrap();
    assert!(
        speaker.contains(r#"column speaker is "UNI\u{202e}CEF\u{0}" but the entry implies"#),
        "{speaker}"
    );
    assert!(
        !speaker.contains('\u{202e}') && !speaker.contains(r"\0"),
        "{speaker}"
    );
    // The admin's fingerprint (50 characters), cut and marked.
    let key = v
        .stdout
        .lines()
        .find(|l| l.contains("table keys has no row fingerprint="))
        .unwrap();
    assert!(
        key.contains("fingerprint=\"SHA256:") && key.contains("\"…"),
        "{key}"
    );
    assert_eq!(v.stderr, "");
}

/// The whole log taken away: `entries` dropped, or a view put in its
/// place that hides an entry. Verify stopped with SQLite's raw "no such
/// table" (exit 2, as if the auditor had mistyped) where every other
/// dropped table is a finding; now it is one (exit 1), and every other
/// command refuses the file in words (red team V, M1 and L6).
#[test]
fn the_entries_table_dropped_or_replaced_by_a_view() {
    let w = Work::with_claims();
    w.sql("DROP TABLE entries");
    let r = w.run(None, &["verify"]);
    r.problem("log", "schema");
    assert!(
        r.stdout
            .contains("PROBLEM log: schema: table entries is missing\n"),
        "{}",
        r.stdout
    );
    let r = w.run(None, &["--json", "verify"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let before = w.db_bytes();
    for args in [&["status"][..], &["list", "claims"], &["show", "C1"]] {
        w.run(None, args)
            .error("has been altered outside claimtrail: table entries is missing (hint: claimtrail adds nothing to a log in this state: run `claimtrail");
    }
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "unverified"],
    )
    .error("has been altered outside claimtrail: table entries is missing");
    assert!(w.db_bytes() == before, "a refusal changed the file");

    let w = Work::with_claims();
    w.sql(
        "ALTER TABLE entries RENAME TO e2; CREATE VIEW entries AS SELECT * FROM e2 WHERE seq <> 3",
    );
    let r = w.run(None, &["verify"]);
    assert!(
        r.stdout.contains(
            "PROBLEM log: schema: entries should be a table, and is a view: CREATE VIEW entries"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 1);
    let before = w.db_bytes();
    w.run(None, &["show", "C1"])
        .error("altered outside claimtrail: entries should be a table, and is a view");
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "unverified"],
    )
    .error("altered outside claimtrail: entries should be a table, and is a view");
    assert!(w.db_bytes() == before, "a refusal changed the file");
}

/// A column dropped from a table the readers query: SQLite's words, not
/// claimtrail's whole statement with its line breaks as `\n` (red team
/// W, M1).
#[test]
fn a_column_dropped_is_said_in_sqlites_words() {
    let w = Work::with_claims();
    w.sql("ALTER TABLE claims DROP COLUMN paraphrase");
    let before = w.db_bytes();
    for args in [&["show", "C1"][..], &["list", "claims"]] {
        let r = w.run(None, args);
        r.error("the log's tables are not claimtrail's: the file was altered outside claimtrail (SQLite: no such column: ");
        assert!(
            !r.stderr.contains("\\n") && !r.stderr.contains("SELECT"),
            "{}",
            r.stderr
        );
    }
    assert!(w.db_bytes() == before);
    w.run(None, &["verify"]).problem("log", "schema");
}

/// An SQLite file with claimtrail's application id and none of its
/// tables (or every entry deleted) is no log: the readers showed it as an
/// empty one ("no claims yet", an origin of "", exit 0) through the
/// tables an older log is read with (red team V, L5).
#[test]
fn a_file_with_claimtrails_id_and_no_log_is_refused_by_readers() {
    let w = Work::new();
    let path = w.path("empty.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("PRAGMA application_id = 1131179348; CREATE TABLE foo(x);")
        .unwrap();
    drop(c);
    for args in [&["status"][..], &["list", "claims"]] {
        let mut a = vec!["--db", "empty.db"];
        a.extend_from_slice(args);
        w.run(None, &a)
            .error("empty.db has been altered outside claimtrail: table entries is missing");
    }
    let r = w.run(None, &["--db", "empty.db", "verify"]);
    r.problem("log", "sequence");
    let w = Work::with_claims();
    w.sql("DELETE FROM entries");
    w.run(None, &["status"]).error(
        "has been altered outside claimtrail: table entries holds no entry, where every log begins with its log.init",
    );
    w.run(None, &["verify"]).problem("log", "sequence");
}

/// A copy of the log rebuilt with its text stored as UTF-16: its rows
/// read the same, and verify said OK, but SQL that reads a blob as text
/// (the check after a crash) read the UTF-8 payloads as UTF-16, and an
/// append refused it as "malformed JSON" with a hint to run verify, which
/// said OK (red team V, L2). claimtrail makes every log in UTF-8: another
/// encoding is a schema finding, and appends are refused.
#[test]
fn a_copy_rebuilt_in_utf16_is_a_schema_finding() {
    use rusqlite::types::Value;
    let w = Work::with_claims();
    let copy = w.path("u16.db");
    {
        let src = rusqlite::Connection::open(&w.db).unwrap();
        let dst = rusqlite::Connection::open(&copy).unwrap();
        dst.execute_batch("PRAGMA encoding = 'UTF-16le';").unwrap();
        let objects: Vec<(String, String, String)> = src
            .prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite%' ORDER BY type = 'index'")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (ty, name, sql) in &objects {
            dst.execute_batch(sql).unwrap();
            if ty != "table" {
                continue;
            }
            let mut read = src.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
            let n = read.column_count();
            let rows: Vec<Vec<Value>> = read
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let marks = vec!["?"; n].join(", ");
            for row in rows {
                dst.execute(
                    &format!("INSERT INTO \"{name}\" VALUES ({marks})"),
                    rusqlite::params_from_iter(row),
                )
                .unwrap();
            }
        }
        let version: i64 = src
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        dst.execute_batch(&format!(
            "PRAGMA user_version = {version}; PRAGMA application_id = 1131179348;"
        ))
        .unwrap();
    }
    let r = w.run(None, &["--db", "u16.db", "verify"]);
    r.problem("log", "schema");
    assert!(
        r.stdout.contains("PROBLEM log: schema: the file stores text as UTF-16le, where claimtrail makes every log in UTF-8: it was rebuilt outside claimtrail\n"),
        "{}",
        r.stdout
    );
    let before = std::fs::read(&copy).unwrap();
    w.run(
        Some("analyst"),
        &[
            "--db",
            "u16.db",
            "annotate",
            "C1",
            "--verdict",
            "unverified",
        ],
    )
    .error("u16.db has been altered outside claimtrail: the file stores text as UTF-16le");
    assert!(std::fs::read(&copy).unwrap() == before);
}
