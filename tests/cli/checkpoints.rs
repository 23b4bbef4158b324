//! Checkpoints, proofs, truncation and forks, through the binary; and the
//! published tessera-log checkpoints checked with `checkpoint verify`.

use crate::common::*;

const TESSERA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tessera-log");
/// The tessera test log's published verifier key (tests/vectors/README.md).
const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

#[test]
fn kept_checkpoint_catches_truncation() {
    let w = Work::with_claims();
    let cp = w.path("cp7.txt");
    let out = w.run(
        Some("admin"),
        &["checkpoint", "--out", cp.to_str().unwrap()],
    );
    assert!(
        out.ok().contains("checkpoint of 7 entries"),
        "{}",
        out.stdout
    );
    let note = std::fs::read_to_string(&cp).unwrap();
    assert!(note.starts_with("test.example/idlib\n7\n"), "{note}");
    assert!(note.contains("\n— test.example/idlib "), "{note}");
    // More entries: the kept checkpoint still holds.
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    let v = w.run(None, &["verify", "--checkpoint", cp.to_str().unwrap()]);
    assert!(
        v.ok().contains("checkpoint") && v.stdout.contains("(size 7): consistent, signed by admin"),
        "{}",
        v.stdout
    );
    // Cut the tail, projections and tree nodes included: only the kept checkpoint can tell.
    w.sql(
        "DELETE FROM entries WHERE seq >= 6; DELETE FROM annotations; DELETE FROM relations;
         DELETE FROM checkpoints; DELETE FROM merkle_nodes WHERE (idx + 1) << level > 6;",
    );
    assert!(
        w.run(None, &["verify"]).ok().contains("OK"),
        "the cut log is self-consistent"
    );
    let v = w.run(None, &["verify", "--checkpoint", cp.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(v.stdout.contains("PROBLEM checkpoint") && v.stdout.contains("checkpoint: truncated: the log has 6 entries but this checkpoint commits to 7: entry 6 was removed, or the log's history was rewritten before that (a log shorter than the checkpoint cannot show which)"), "{}", v.stdout);
    // In JSON the problem names the kept checkpoint, and no entry or item.
    let v = w.run(
        None,
        &["--json", "verify", "--checkpoint", cp.to_str().unwrap()],
    );
    assert_eq!(v.code, 1, "{}", v.stdout);
    let doc: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
    let p = &doc["problems"][0];
    assert_eq!(p["check"], "checkpoint", "{p}");
    assert_eq!(p["checkpoint"], cp.to_str().unwrap(), "{p}");
    assert!(p["seq"].is_null() && p["id"].is_null(), "{p}");
}

/// A checkpoint given twice, by the same path or as a copy, is one kept
/// checkpoint: judged once, and its fork counted once.
#[test]
fn the_same_kept_checkpoint_given_twice_is_judged_once() {
    let w = Work::with_claims();
    let (cp, copy) = ("cp7.txt", "copy.txt");
    w.run(Some("admin"), &["checkpoint", "--out", cp]).ok();
    std::fs::copy(w.path(cp), w.path(copy)).unwrap();
    w.sql("DELETE FROM entries WHERE seq = 4");
    let once = w.run(None, &["verify", "--checkpoint", cp]);
    let thrice = w.run(
        None,
        &[
            "verify",
            "--checkpoint",
            cp,
            "--checkpoint",
            copy,
            "--checkpoint",
            cp,
        ],
    );
    assert_eq!((once.code, thrice.code), (1, 1), "{}", thrice.stdout);
    assert_eq!(thrice.stdout, once.stdout);
    assert_eq!(
        thrice.stdout.matches("checkpoint: forked").count(),
        1,
        "{}",
        thrice.stdout
    );
    assert!(thrice.stderr.is_empty(), "{}", thrice.stderr);
}

/// A kept checkpoint is judged by the entries, never by the tables derived
/// from them: the stored tree (`merkle_nodes`) and the `keys` table are
/// projections an editor of the file can leave or change at will.
#[test]
fn a_kept_checkpoint_is_judged_by_the_entries_not_the_stored_tree() {
    let w = Work::with_claims();
    let cp = w.path("cp7.txt");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", cp.to_str().unwrap()],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    let cp = cp.to_str().unwrap();
    let pristine = w.db_bytes();
    let verify = |w: &Work| w.run(None, &["verify", "--checkpoint", cp]);

    // An entry removed from the middle, the stored tree left as it was: the
    // log's first 7 entries are no longer those the checkpoint signed.
    w.sql("DELETE FROM entries WHERE seq = 4");
    let v = verify(&w);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout.contains("(size 7): forked")
            && v.stdout.contains("PROBLEM checkpoint")
            && v.stdout.contains("checkpoint: forked: the log's first 7 entries no longer hash to this checkpoint's root"),
        "{}",
        v.stdout
    );
    assert!(
        v.stdout.contains("sequence: entry 4 is missing"),
        "{}",
        v.stdout
    );
    assert!(v.stderr.is_empty(), "{}", v.stderr);

    // The stored tree edited, the entries intact: the history is the
    // checkpoint's, and the edited node is a projection problem.
    w.restore(&pristine);
    w.sql("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 1");
    let v = verify(&w);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout.contains("(size 7): consistent, signed by admin"),
        "{}",
        v.stdout
    );
    assert!(
        v.stdout
            .contains("projection: tree node (level 1, index 1) differs from")
            && !v.stdout.contains("checkpoint: forked"),
        "{}",
        v.stdout
    );

    // The admin's row removed from `keys`: the entries still enrolled it.
    w.restore(&pristine);
    w.sql("DELETE FROM keys WHERE role = 'admin'");
    let v = verify(&w);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout.contains("(size 7): consistent, signed by admin")
            && v.stdout.contains("projection: table keys"),
        "{}",
        v.stdout
    );
}

/// An auditor's cosignature vouches for the log: it is refused unless the
/// whole log verifies and, re-derived from the entries, contains the tree.
#[test]
fn an_auditor_cosigns_only_a_log_that_verifies() {
    let w = Work::with_claims();
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", cps]).ok();
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    let note = std::fs::read(&cp).unwrap();
    let pristine = w.db_bytes();
    // An entry deleted from the middle, the stored tree left as it was:
    // the stored tree still holds the checkpoint's root, the entries do not.
    w.sql("DELETE FROM entries WHERE seq = 4");
    w.run(Some("auditor"), &["checkpoint", "cosign", cps])
        .error("this log does not contain the tree of 7 entries with root");
    assert_eq!(std::fs::read(&cp).unwrap(), note, "the file is unchanged");
    // The tree intact, a projection row edited: the log does not verify.
    w.restore(&pristine);
    w.sql("UPDATE claims SET speaker = 'UNICEF' WHERE id = 1");
    let r = w.run(Some("auditor"), &["checkpoint", "cosign", cps]);
    r.error("this log does not verify (1 problem): a cosignature would vouch for it");
    assert!(
        r.stderr
            .contains("run `claimtrail verify` to see them; do not cosign"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&cp).unwrap(), note, "the file is unchanged");
    // Put right, the log verifies and the auditor cosigns.
    w.sql("UPDATE claims SET speaker = 'White Helmets' WHERE id = 1");
    let first = w.run(Some("auditor"), &["checkpoint", "cosign", cps]);
    assert!(
        first
            .ok()
            .starts_with("cosigned the checkpoint of 7 entries as auditor in "),
        "{}",
        first.stdout
    );
    // Cosigned again: the earlier line, and its time, are replaced, and
    // the auditor hears it (it was replaced without a word).
    let again = w.run(Some("auditor"), &["checkpoint", "cosign", cps]);
    assert!(
        again.ok().starts_with(
            "cosigned the checkpoint of 7 entries as auditor (replacing this key's earlier cosignature, and its time) in "
        ),
        "{}",
        again.stdout
    );
    // `prove` against it names the cosigner, and, by verify's rule, takes
    // no note as signed whose line of a key the log had does not verify:
    // it said "signed by admin", exit 0, of a broken cosignature.
    let proved = w.run(None, &["prove", "C1", "--checkpoint", cps]);
    assert!(
        proved
            .ok()
            .contains(", signed by admin, cosigned by auditor)"),
        "{}",
        proved.stdout
    );
    let text = std::fs::read_to_string(&cp).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("\u{2014} auditor "))
        .unwrap();
    let mut broken = line.to_string();
    let at = broken.len() - 6;
    let flipped = if &broken[at..at + 1] == "A" { "B" } else { "A" };
    broken.replace_range(at..at + 1, flipped);
    std::fs::write(w.path("broken.txt"), text.replace(line, &broken)).unwrap();
    let proved = w.run(None, &["prove", "C1", "--checkpoint", "broken.txt"]);
    assert!(
        proved.ok().contains("broken.txt, NOT taken as signed (")
            && !proved.stdout.contains("signed by admin"),
        "{}",
        proved.stdout
    );
    let v = w.run(None, &["verify", "--checkpoint", "broken.txt"]);
    v.problem("checkpoint broken.txt", "checkpoint");
    assert!(
        v.stdout
            .contains(": unsigned: not taken as signed: signature by auditor+"),
        "{}",
        v.stdout
    );
}

/// A refusal to cosign says what is wrong with the file given: a line of
/// an enrolled key that does not verify (the note is refused whole, the
/// admin's signature being fine), or no room for another line; it blamed
/// the admin's signature, and the key's name.
#[test]
fn a_refusal_to_cosign_names_what_is_wrong_with_the_file() {
    let w = Work::with_claims();
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", cps]).ok();
    let admins = std::fs::read_to_string(&cp).unwrap();
    w.run(Some("auditor"), &["checkpoint", "cosign", cps]).ok();
    // The auditor's own line, a character of its signature changed.
    let cosigned = std::fs::read_to_string(&cp).unwrap();
    let last = cosigned.trim_end().lines().last().unwrap().to_string();
    assert!(!admins.contains(&last));
    let at = last.len() - 10;
    let swap = if &last[at..at + 1] == "A" { "B" } else { "A" };
    let bad = format!("{}{swap}{}", &last[..at], &last[at + 1..]);
    std::fs::write(&cp, cosigned.replace(&last, &bad)).unwrap();
    let before = std::fs::read(&cp).unwrap();
    let r = w.run(Some("auditor"), &["checkpoint", "cosign", cps]);
    r.error("error: the checkpoint is not taken as signed: signature by auditor+");
    assert!(
        r.stderr.contains("does not verify")
            && r.stderr.contains(
                "(every line of a key the log had at size 7 must verify) (hint: cosign a checkpoint signed by an admin the log had at its size, with no signature line that fails"
            ),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&cp).unwrap(), before, "the file is unchanged");
    // The admin's file with 99 witnesses' lines: no room for the auditor's.
    let mut full = admins.clone();
    for i in 0..99 {
        use base64::Engine;
        let sig = base64::engine::general_purpose::STANDARD.encode([i as u8; 76]);
        full.push_str(&format!("\u{2014} witness{i}.example {sig}\n"));
    }
    std::fs::write(&cp, &full).unwrap();
    w.run(Some("auditor"), &["checkpoint", "cosign", cps]).error(
        "error: cannot cosign: the file holds 100 signature lines already, the most a signed note may have (hint: cosign the log's own checkpoint file (`claimtrail checkpoint --out FILE`), without the other lines)",
    );
    assert_eq!(std::fs::read_to_string(&cp).unwrap(), full);
}

/// A signature line by no key the log had at the checkpoint's size (a
/// witness's, or an auditor's enrolled later) counts for nothing, and
/// verify says so rather than drop it without a word; `cosign` refuses to
/// write such a line in the first place.
#[test]
fn a_line_by_no_key_known_at_the_size_is_listed_as_not_checked() {
    let w = Work::with_claims();
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", cps]).ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", cps]).ok();
    // The auditor's line, renamed: its key ID no longer names the auditor.
    let cosigned = std::fs::read_to_string(&cp).unwrap();
    std::fs::write(
        &cp,
        cosigned.replace("\u{2014} auditor ", "\u{2014} witness.example "),
    )
    .unwrap();
    let v = w.run(None, &["verify", "--checkpoint", cps]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(
        v.stdout.contains("(size 7): consistent, signed by admin\n  not checked: 1 signature line by no key known at size 7 (a witness's, one revoked before that size or enrolled after it, or a line altered): witness.example+"),
        "{}",
        v.stdout
    );
    let j = w.run(None, &["--json", "verify", "--checkpoint", cps]);
    let j: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let lines = &j["checkpoints"][0]["unchecked_lines"];
    assert!(
        lines.as_array().map(|l| l.len()) == Some(1)
            && lines[0].as_str().unwrap().starts_with("witness.example+"),
        "{j}"
    );

    // An auditor enrolled after the checkpoint's size: its cosignature
    // would not count, and is not written.
    w.run(None, &["key", "new", "late", "--no-passphrase"]).ok();
    w.run(
        Some("admin"),
        &[
            "key", "add", "late.pub", "--role", "auditor", "--name", "late",
        ],
    )
    .ok();
    let before = std::fs::read(&cp).unwrap();
    w.run(Some("late"), &["checkpoint", "cosign", cps]).error(
        "error: your key was enrolled at entry 8, after this checkpoint's 7 entries: verify counts a cosignature only by a key the log had at the checkpoint's size (hint: cosign a checkpoint made since your key was enrolled: ask an admin for one (`claimtrail checkpoint --out FILE`))",
    );
    assert_eq!(std::fs::read(&cp).unwrap(), before, "the file is unchanged");
}

/// A cosignature's timestamp is read from the clock every other time in
/// claimtrail is: `CLAIMTRAIL_NOW` fixes it, for a reproducible demo or
/// test. (C2SP tlog-cosignature: key ID, then the time as 8 bytes big-endian.)
#[test]
fn a_cosignature_is_timed_by_claimtrail_now() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run_with(
        Some("auditor"),
        &[("CLAIMTRAIL_NOW", "2026-01-02T03:04:05Z")],
        &["checkpoint", "cosign", "cp.txt"],
        None,
    )
    .ok();
    let note = std::fs::read_to_string(w.path("cp.txt")).unwrap();
    let line = note.lines().last().unwrap();
    assert!(line.starts_with("— auditor "), "{note}");
    let sig = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        line.rsplit(' ').next().unwrap(),
    )
    .unwrap();
    assert_eq!(sig.len(), 4 + 8 + 64);
    assert_eq!(
        u64::from_be_bytes(sig[4..12].try_into().unwrap()),
        1_767_323_045
    );
}

/// An admin's checkpoint vouches for the log as the cosignatures do: the
/// log is verified first, and one that does not verify is not signed.
#[test]
fn an_admin_signs_a_checkpoint_only_of_a_log_that_verifies() {
    let w = Work::with_claims();
    let pristine = w.db_bytes();
    // A quote's speaker edited in the projection table, and an entry's
    // payload edited in place: each is named, the first problem with it.
    for (tamper, first) in [
        ("UPDATE claims SET speaker = 'UNICEF' WHERE id = 1", "(1 problem; the first: entry "),
        (
            "UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"speaker\":\"', '\"speaker\":\"X') AS BLOB) WHERE seq = 4",
            "; the first: entry 4, ",
        ),
    ] {
        w.restore(&pristine);
        w.sql(tamper);
        let before = w.db_bytes();
        let r = w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"]);
        r.error("this log does not verify (");
        assert!(
            r.stderr.contains(first)
                && r.stderr.contains("): a checkpoint would sign it as it is (hint: run `claimtrail verify` to see what is wrong; restore the log from a backup before signing a checkpoint (move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy in a backup `claimtrail backup PATH` wrote before the damage))"),
            "{}",
            r.stderr
        );
        assert!(before == w.db_bytes(), "no entry was appended");
        assert!(!w.path("cp.txt").exists(), "no file was written");
    }
    // Restored, the log verifies and the admin signs.
    w.restore(&pristine);
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(None, &["verify", "--checkpoint", "cp.txt"]).ok();
    // An analyst may not sign one: refused before the log is verified.
    w.sql("UPDATE claims SET speaker = 'UNICEF' WHERE id = 1");
    w.run(Some("analyst"), &["checkpoint"]).error("checkpoint");
}

#[test]
fn a_rewritten_history_is_named_at_its_first_provable_divergence() {
    // Two logs by the same admin key and origin, built at the same instant,
    // identical until entry 6.
    let w = Work::new();
    w.key("admin");
    w.key("analyst");
    let now = [("CLAIMTRAIL_NOW", "2026-11-25T09:00:00Z")];
    let build = |db: &str, second_claim: &str| -> Vec<String> {
        let env = |extra: &[(&'static str, &'static str)]| {
            let mut v: Vec<(&str, &str)> = now.to_vec();
            v.extend_from_slice(extra);
            v
        };
        let dbp = w.path(db);
        let dbs = dbp.to_str().unwrap().to_string();
        let e = env(&[]);
        let mut e2: Vec<(&str, &str)> = e.clone();
        e2.push(("CLAIMTRAIL_DB", &dbs));
        let run = |key: &str, args: &[&str]| w.run_with(Some(key), &e2, args, None);
        run("admin", &["init", "--origin", "test.example/fork"]).ok();
        run("admin", &["key", "add", "analyst.pub", "--role", "analyst"]).ok();
        run("analyst", &["source", "add", FIXTURE, "--kind", "article"]).ok();
        let mut kept = Vec::new();
        let mut cp = |name: &str| {
            let p = w.path(&format!("{db}-{name}.txt"));
            run("admin", &["checkpoint", "--out", p.to_str().unwrap()]).ok();
            kept.push(p.to_str().unwrap().to_string());
        };
        cp("a"); // size 3
        run(
            "analyst",
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--quote",
                "Seven civilians",
                "--speaker",
                "White Helmets",
                "--provenance",
                "tweet",
            ],
        )
        .ok();
        cp("b"); // size 5
        run(
            "analyst",
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--quote",
                second_claim,
                "--speaker",
                "UNICEF",
                "--provenance",
                "statement",
            ],
        )
        .ok();
        cp("c"); // size 7
        kept
    };
    let a = build("a.db", "At least five children");
    let _ = build("b.db", "nine injured");
    let b_db = w.path("b.db");
    let mut args = vec!["verify", "--checkpoint"];
    args.extend(a.iter().map(String::as_str));
    let v = w.run_with(
        None,
        &[("CLAIMTRAIL_DB", b_db.to_str().unwrap())],
        &args,
        None,
    );
    assert_eq!(v.code, 1, "{}\n{}", v.stdout, v.stderr);
    assert!(
        v.stdout.contains("(size 3): consistent") && v.stdout.contains("(size 5): consistent"),
        "{}",
        v.stdout
    );
    assert!(
        v.stdout.contains("checkpoint: forked: the log's first 7 entries no longer hash to this checkpoint's root")
            && v.stdout.contains("; the first difference lies in entries 5..6 if this checkpoint extends the one of size 5, which still matches (it does if both came from one log that only grew: these files alone cannot show it), and anywhere in entries 0..6 if not"),
        "{}",
        v.stdout
    );
    // Log A itself passes with its own checkpoints.
    let a_db = w.path("a.db");
    assert!(w
        .run_with(
            None,
            &[("CLAIMTRAIL_DB", a_db.to_str().unwrap())],
            &args,
            None
        )
        .ok()
        .contains("OK"));
}

/// A kept checkpoint is evidence: `checkpoint --out` never replaces a file,
/// and `cosign --out` replaces none but one holding the same checkpoint
/// (whose lines it keeps). Both did until 2026-12-04, with exit 0. Global
/// options go between `checkpoint` and its subcommand as they do for every
/// other group; `--out` there, `checkpoint`'s own, is refused by name.
#[test]
fn kept_checkpoints_are_never_replaced_and_global_options_go_anywhere() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "kept.txt"])
        .ok();
    let kept = std::fs::read(w.path("kept.txt")).unwrap();
    let entries = |w: &Work| {
        w.run(None, &["log", "--json"])
            .ok()
            .matches("\"seq\"")
            .count()
    };
    let before = entries(&w);
    w.run(Some("admin"), &["checkpoint", "--out", "kept.txt"])
        .error(&format!(
            "error: {} already exists (hint: a kept checkpoint is never replaced: name each by its size or date, e.g. cp-2026-12-06.txt)",
            "kept.txt"
        ));
    assert_eq!(entries(&w), before, "a checkpoint was signed");
    assert_eq!(std::fs::read(w.path("kept.txt")).unwrap(), kept);
    // Kept read-only: still "already exists" (it was told to be made
    // writable "if it is to be replaced", and then refused as existing).
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(w.path("kept.txt"), std::fs::Permissions::from_mode(0o444))
            .unwrap();
        w.run(Some("admin"), &["checkpoint", "--out", "kept.txt"])
            .error("error: kept.txt already exists (hint: a kept checkpoint is never replaced");
        std::fs::set_permissions(w.path("kept.txt"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    // A link to nowhere: the checkpoint was signed and stored, then the
    // file could not take its name.
    std::os::unix::fs::symlink("nowhere.txt", w.path("dangling.txt")).unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", "dangling.txt"])
        .error("dangling.txt already exists");
    assert_eq!(entries(&w), before, "a checkpoint was signed");

    w.annotations(2);
    w.run(Some("admin"), &["checkpoint", "--out", "later.txt"])
        .ok();
    let later = std::fs::read(w.path("later.txt")).unwrap();
    w.run(Some("auditor"), &["checkpoint", "cosign", "later.txt", "--out", "kept.txt"])
        .error("kept.txt holds another checkpoint (of 7 entries), which cosigning would replace (hint: give --out a new file, or the file that holds this checkpoint)");
    std::fs::write(w.path("notes.txt"), "my notes\n").unwrap();
    w.run(
        Some("auditor"),
        &["checkpoint", "cosign", "later.txt", "--out", "notes.txt"],
    )
    .error("notes.txt already exists");
    assert_eq!(std::fs::read(w.path("kept.txt")).unwrap(), kept);
    assert_eq!(std::fs::read(w.path("notes.txt")).unwrap(), b"my notes\n");
    // The same checkpoint, uncosigned, is the file cosign is for.
    std::fs::write(w.path("copy.txt"), &later).unwrap();
    assert!(w
        .run(
            Some("auditor"),
            &["checkpoint", "cosign", "later.txt", "--out", "copy.txt"]
        )
        .ok()
        .contains("cosigned the checkpoint of 10 entries as auditor"));

    let db = w.db.to_str().unwrap();
    let listed = w.run(None, &["checkpoint", "--db", db, "--json", "list"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(listed.ok())
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    w.run(Some("auditor"), &["checkpoint", "--out", "x.txt", "cosign", "later.txt"])
        .error("--out before `cosign` is `checkpoint`'s own, for the checkpoint it signs (hint: give it after the subcommand: `claimtrail checkpoint cosign later.txt --out x.txt`)");
    assert!(!w.path("x.txt").exists());
}

/// A cosignature by a key revoked since (a stolen laptop) still verifies
/// under FORMAT §9.6, since the key could cosign at that size, but
/// `verify --checkpoint` marks the cosigner as revoked, as lists and
/// reports mark a revoked signer; it was named as if nothing happened.
#[test]
fn a_revoked_cosigner_is_marked_as_revoked() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", "cp.txt"])
        .ok();
    w.run(
        Some("admin"),
        &["key", "revoke", "auditor.pub", "--reason", "laptop stolen"],
    )
    .ok();
    let v = w.run(None, &["verify", "--checkpoint", "cp.txt"]);
    assert!(
        v.ok().contains("checkpoint cp.txt (size 7): consistent, signed by admin, auditor (key revoked at entry 8)\n"),
        "{}",
        v.stdout
    );
}

/// The desk hands its auditor the output of `claimtrail key vkey`, saved
/// as a file; every command that takes `--vkey` takes that file as it is
/// (it was refused as "no '+' after the name"), and a file that holds no
/// key, or a line that is not one, is named with its line.
#[test]
fn a_saved_key_vkey_file_is_taken_by_every_vkey_option() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", "cp.txt"])
        .ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    std::fs::write(w.path("desk.vkey"), &vkeys).unwrap();
    assert!(w
        .run(
            None,
            &["checkpoint", "verify", "cp.txt", "--vkey", "desk.vkey"]
        )
        .ok()
        .contains("OK: signed by test.example/idlib+"));
    assert!(w
        .run(
            None,
            &[
                "prove",
                "C1",
                "--checkpoint",
                "cp.txt",
                "--vkey",
                "desk.vkey"
            ]
        )
        .ok()
        .contains("C1"));
    w.run(Some("admin"), &["export", "C1", "--out", "c1.json"])
        .ok();
    let r = w.run_with(
        None,
        &[("CLAIMTRAIL_DB", "/nonexistent/none.db")],
        &["verify-bundle", "c1.json", "--vkey", "desk.vkey"],
        None,
    );
    assert!(
        r.ok().contains("signed by admin\nOK: every signature") && !r.stdout.contains("UNANCHORED"),
        "{}",
        r.stdout
    );

    // As an editor or a mail may leave it: a comment, blank lines,
    // Windows line endings.
    let edited = format!(
        "# Newsroom desk, keys of 2022\n\n{}",
        vkeys.replace('\n', "\r\n")
    );
    std::fs::write(w.path("edited.vkey"), edited).unwrap();
    assert!(w
        .run(
            None,
            &["checkpoint", "verify", "cp.txt", "--vkey", "edited.vkey"]
        )
        .ok()
        .contains("OK: signed by "));

    // What is wrong, and where.
    let first = vkeys.lines().next().unwrap();
    std::fs::write(w.path("bad.vkey"), format!("{first}\nauditor+1234\n")).unwrap();
    w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", "bad.vkey"],
    )
    .error("the --vkey file bad.vkey, line 2, is not a verifier key: ");
    // (The line is not shown: a file given by mistake may hold a secret.)
    std::fs::write(w.path("secret.txt"), "hunter2\n").unwrap();
    let r = w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", "secret.txt"],
    );
    r.error("the --vkey file secret.txt, line 1, is not a verifier key");
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    // A pipe (`--vkey <(curl …)`, or standard input), a key pasted with
    // its newline, and a directory.
    let piped = w.run_with(
        None,
        &[],
        &["checkpoint", "verify", "cp.txt", "--vkey", "/dev/stdin"],
        Some(vkeys.as_bytes()),
    );
    assert!(piped.ok().contains("OK: signed by "), "{}", piped.stdout);
    let pasted = format!("{first}\n");
    assert!(w
        .run(None, &["checkpoint", "verify", "cp.txt", "--vkey", &pasted])
        .ok()
        .contains("OK: signed by "));
    std::fs::create_dir(w.path("keys")).unwrap();
    w.run(None, &["checkpoint", "verify", "cp.txt", "--vkey", "keys"])
        .error("`keys` is a directory, not a verifier key or a file of them");
    std::fs::write(w.path("ps.vkey"), b"\xff\xfea\x00").unwrap();
    w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", "ps.vkey"],
    )
    .error("the --vkey file ps.vkey is UTF-16 text");
    std::fs::write(w.path("empty.vkey"), "# nothing yet\n\n").unwrap();
    w.run_with(
        None,
        &[("CLAIMTRAIL_DB", "/nonexistent/none.db")],
        &["verify-bundle", "c1.json", "--vkey", "empty.vkey"],
        None,
    )
    .error("the --vkey file empty.vkey holds no verifier key (hint: a --vkey file holds verifier keys, one a line, as `claimtrail key vkey > FILE` writes them)");
    std::fs::write(w.path("latin1.vkey"), b"caf\xe9+1234\n").unwrap();
    w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", "latin1.vkey"],
    )
    .error("the --vkey file latin1.vkey is not UTF-8 text");
    // A comment pasted after the key, on its line.
    std::fs::write(w.path("noted.vkey"), format!("{first}  # the desk\n")).unwrap();
    w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", "noted.vkey"],
    )
    .error("the --vkey file noted.vkey, line 1, is not a verifier key: verifier key is malformed: text follows the key after a space (a key is one word; a comment goes on a line of its own, after #)");
    // `--vkey "$VKEY"` with `VKEY=$(claimtrail key vkey)` of a log with
    // two keys: several lines, not "text after a space" (red team U, F2).
    let two = format!("{first}\n{first}");
    let r = w.run(None, &["checkpoint", "verify", "cp.txt", "--vkey", &two]);
    r.error("verifier key is malformed: it holds several lines, one key each, where a --vkey value is one key");
    assert!(
        r.stderr.contains("(hint: give one key per --vkey"),
        "{}",
        r.stderr
    );
    // `--vkey=~/…`: the shell leaves the `~` after `=`.
    let home = w.path("").display().to_string();
    let r = w.run_with(
        None,
        &[("HOME", home.as_str())],
        &["checkpoint", "verify", "cp.txt", "--vkey=~/desk.vkey"],
        None,
    );
    assert!(r.ok().contains("OK: signed by "), "{}", r.stdout);
    w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", "desk.vkye"],
    )
    .error("`desk.vkye` is neither a verifier key nor a file");
}

#[test]
fn cosign_vkeys_and_checkpoint_verify() {
    let w = Work::with_claims();
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", cps]).ok();
    w.run(Some("analyst"), &["checkpoint", "cosign", cps])
        .error("cosignatures are made by auditors");
    // At a time of its own: a cosignature's time is signed with it, and
    // shown.
    assert!(w
        .run_at(
            "2026-11-30T10:00:00Z",
            Some("auditor"),
            &["checkpoint", "cosign", cps]
        )
        .ok()
        .contains("cosigned the checkpoint of 7 entries as auditor"));
    // Again, in --json: the line's key name, the key, the signed time in
    // RFC 3339 (it gave `cosigner` and a Unix `timestamp`).
    let j: serde_json::Value = serde_json::from_str(
        w.run_at(
            "2026-11-30T10:00:00Z",
            Some("auditor"),
            &["--json", "checkpoint", "cosign", cps],
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(
        (
            &j["name"],
            &j["timestamp"],
            &j["replaced_earlier"],
            &j["size"]
        ),
        (
            &serde_json::json!("auditor"),
            &serde_json::json!("2026-11-30T10:00:00Z"),
            &serde_json::json!(true),
            &serde_json::json!(7)
        ),
        "{j}"
    );
    assert!(
        j["signer"].as_str().unwrap().starts_with("SHA256:") && j["signer_name"].is_string(),
        "{j}"
    );
    let vkeys = w.run(None, &["key", "vkey"]);
    let lines: Vec<&str> = vkeys.ok().lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("test.example/idlib+") && lines[1].starts_with("auditor+"));
    // Signers are named as `key vkey` begins the key (name+keyid): every
    // admin's key is named after the origin, so the key ID says which one
    // signed. (A name has no '+'; the base64 after the ID may.)
    let name_and_id = |k: &str| k.splitn(3, '+').take(2).collect::<Vec<_>>().join("+");
    let v = w.run(None, &["checkpoint", "verify", cps, "--vkey", lines[0]]);
    assert!(
        v.ok()
            .contains(&format!("OK: signed by {} (", name_and_id(lines[0]))),
        "{}",
        v.stdout
    );
    let v = w.run(
        None,
        &[
            "checkpoint",
            "verify",
            cps,
            "--vkey",
            lines[0],
            "--vkey",
            lines[1],
        ],
    );
    let ok = v.ok();
    assert!(
        ok.contains(&format!("OK: signed by {} (", name_and_id(lines[0])))
            && ok.contains(&format!(", {} (", name_and_id(lines[1]))),
        "{ok}"
    );
    // The auditor's key alone: its cosignature verifies, but a cosignature
    // is not the log's signature; the file has the log's line, which no
    // key given could check (it said "not signed by the log", which the
    // file is: only the wrong key was given).
    let v = w.run(None, &["checkpoint", "verify", cps, "--vkey", lines[1]]);
    assert_eq!((v.code, v.stderr.as_str()), (1, ""), "{}", v.stdout);
    let log_id = name_and_id(lines[0]);
    let log_id = log_id.rsplit('+').next().unwrap();
    assert!(
        v.stdout.contains(&format!(
            "FAILED: its signature by the log `test.example/idlib` (key ID {log_id}) was not checked: \
             no key given is the log's own, and only auditor verified; give the log's verifier key too \
             (the line of `claimtrail key vkey` that starts with `test.example/idlib+`)"
        )),
        "{}",
        v.stdout
    );
    // `--json` names the signatures that verified, failed or not, and
    // gives `error` only when it failed (it gave none then, and "" on
    // success).
    let j: serde_json::Value = serde_json::from_str(
        &w.run(
            None,
            &["--json", "checkpoint", "verify", cps, "--vkey", lines[1]],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(j["ok"], false);
    let (name, id) = name_and_id(lines[1])
        .split_once('+')
        .map(|(n, i)| (n.to_string(), i.to_string()))
        .unwrap();
    assert_eq!(
        j["verified_by"][0],
        serde_json::json!({"name": name, "key_id": id, "key_type": "cosignature/v1", "timestamp": "2026-11-30T10:00:00Z"}),
        "{j}"
    );
    assert!(
        j["error"].as_str().unwrap().contains("was not checked"),
        "{j}"
    );
    let j: serde_json::Value = serde_json::from_str(
        w.run(
            None,
            &[
                "--json",
                "checkpoint",
                "verify",
                cps,
                "--vkey",
                lines[0],
                "--vkey",
                lines[1],
            ],
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(
        (&j["ok"], &j["error"]),
        (&serde_json::json!(true), &serde_json::Value::Null),
        "{j}"
    );
    assert_eq!(j["verified_by"].as_array().unwrap().len(), 2, "{j}");
    assert_eq!(j["verified_by"][0]["timestamp"], serde_json::Value::Null);
    let v = w.run(
        None,
        &[
            "checkpoint",
            "verify",
            cps,
            "--vkey",
            lines[0],
            "--vkey",
            lines[1],
        ],
    );
    assert!(
        v.ok().contains(&format!(
            "OK: signed by {} (Ed25519 note signature (type 0x01)), {} (Ed25519 cosignature/v1 (type 0x04), at 2026-11-30T10:00:00Z)\n",
            name_and_id(lines[0]),
            name_and_id(lines[1])
        )),
        "{}",
        v.stdout
    );
    // A cosignature alone does not make a checkpoint valid under the log's key if the note changes.
    let text = std::fs::read_to_string(&cp)
        .unwrap()
        .replacen("\n7\n", "\n8\n", 1);
    std::fs::write(w.path("bad.txt"), text).unwrap();
    let v = w.run(
        None,
        &[
            "checkpoint",
            "verify",
            w.path("bad.txt").to_str().unwrap(),
            "--vkey",
            lines[0],
        ],
    );
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(v.stdout.contains("FAILED"));
    w.run(None, &["checkpoint", "verify", cps, "--vkey", "not-a-key"])
        .error("`not-a-key` is neither a verifier key nor a file (hint: give the key as `claimtrail key vkey` prints it");
    w.run(None, &["checkpoint", "verify", cps, "--vkey", "a+b+c"])
        .error("`a+b+c` is not a verifier key (verifier key is malformed: the key ID is not 8 hex digits (expected <name>+<8 hex digits>+<base64 of type byte and public key>)), nor a file (hint: ");
    // A note saved with Windows line endings, or pasted from a mail with
    // a blank line after its signatures: each said as what it is (the
    // second was "signature block is empty or does not end with a
    // newline", wrong on both counts), and still refused.
    let note = std::fs::read_to_string(&cp).unwrap();
    for (name, bytes, says) in [
        (
            "crlf.txt",
            note.replace('\n', "\r\n"),
            "has Windows line endings (a carriage return, U+000D, at byte ",
        ),
        (
            "blank.txt",
            format!("{note}\n"),
            "has a blank line after its signature lines: remove the empty line at its end (a note ends with its last signature line's newline) (hint: undo what the editor or mail did, as said; the signatures cover the note as the log wrote it)",
        ),
    ] {
        std::fs::write(w.path(name), bytes).unwrap();
        w.run(
            None,
            &[
                "checkpoint",
                "verify",
                w.path(name).to_str().unwrap(),
                "--vkey",
                lines[0],
            ],
        )
        .error(says);
    }
    // `--vkey "$(claimtrail key vkey)"` gives every line of it at once.
    let all = lines.join("\n");
    w.run(None, &["checkpoint", "verify", cps, "--vkey", &all])
        .error("(hint: give one key per --vkey (`claimtrail key vkey` prints a line for each");
    w.run(None, &["checkpoint", "verify", cps])
        .error(&format!("no verifier key to check {cps} against (hint: give the log's verifier key with --vkey KEY, as its desk publishes it"));
    // Stored checkpoints are listed, each root whole (it was cut to 59
    // digits and `…`, which no one can compare or paste), and a tampered
    // stored note fails verify.
    let listed = w.run(None, &["checkpoint", "list"]);
    let root = w.run(None, &["--json", "checkpoint", "list"]);
    let root: serde_json::Value = serde_json::from_str(root.ok()).unwrap();
    let root = root[0]["root"].as_str().unwrap().to_string();
    assert!(
        listed.ok().contains("admin") && listed.stdout.contains(&format!(" {root} ")),
        "{}",
        listed.stdout
    );
    w.sql("UPDATE checkpoints SET size = 6");
    w.run(None, &["verify"])
        .problem("entry 7 (checkpoint.add)", "projection");
    let w2 = Work::with_claims();
    w2.run(Some("admin"), &["checkpoint"]).ok();
    w2.sql("UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"size\":7', '\"size\":6') AS BLOB) WHERE seq = 7");
    w2.run(None, &["verify"])
        .problem("entry 7 (checkpoint.add)", "checkpoint");
}

#[test]
fn proofs_verify_and_render_as_json() {
    let w = Work::with_claims();
    let old = w.path("old.txt");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", old.to_str().unwrap()],
    )
    .ok();
    w.run(
        Some("analyst"),
        &[
            "annotate",
            "C2",
            "--verdict",
            "disputed",
            "--contradicts",
            "C1",
        ],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "unverified"],
    )
    .ok();
    let new = w.path("new.txt");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", new.to_str().unwrap()],
    )
    .ok();
    let p: serde_json::Value = serde_json::from_str(
        w.run(
            None,
            &[
                "prove",
                "C1",
                "--checkpoint",
                new.to_str().unwrap(),
                "--json",
            ],
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(p["verified"], true);
    assert_eq!(
        (&p["seq"], &p["entry"]),
        (&serde_json::json!(4), &serde_json::Value::Null)
    );
    assert_eq!(p["tree_size"], 10);
    let against = p["against"].as_str().unwrap();
    assert!(against.ends_with("new.txt, signed by admin"), "{against}");
    // The signer by name for scripts, and `failed` there as null.
    assert_eq!(
        (&p["signed_by"], &p["failed"]),
        (&serde_json::json!(["admin"]), &serde_json::Value::Null),
        "{p}"
    );
    // The same root under a signature that does not verify: the proof
    // still holds against the root, and the first line says whose it is not.
    let note = std::fs::read_to_string(&new).unwrap();
    let (text, sig) = note.split_at(note.rfind(' ').unwrap() + 1);
    let forged = w.path("forged.txt");
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    std::fs::write(&forged, format!("{text}{flipped}{}", &sig[1..])).unwrap();
    let r = w.run(
        None,
        &["prove", "C1", "--checkpoint", forged.to_str().unwrap()],
    );
    let first = r.ok().lines().next().unwrap();
    assert!(
        first.ends_with("forged.txt, NOT signed by an admin of this log: the root is only as good as where the file came from; `claimtrail verify --checkpoint` says more)"),
        "{first}"
    );
    let j: serde_json::Value = serde_json::from_str(
        w.run(
            None,
            &[
                "--json",
                "prove",
                "C1",
                "--checkpoint",
                forged.to_str().unwrap(),
            ],
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(j["signed_by"], serde_json::json!([]), "{j}");
    assert!(!p["proof"].as_array().unwrap().is_empty());
    let text = w.run(None, &["prove", "A1"]);
    assert!(
        text.ok()
            .contains("verified: the proof leads from the entry to the root"),
        "{}",
        text.stdout
    );
    // An entry no checkpoint covers yet is proven in the current tree,
    // and the first line says that nothing signed vouches for that root.
    let later = w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    );
    let later = later.ok().trim().to_string();
    let text = w.run(None, &["prove", &later]);
    assert!(
        text.ok().starts_with(&format!(
            "inclusion of entry 11 ({later}) in the tree of size 12 (the current tree, which no signed checkpoint covers yet)\n"
        )),
        "{}",
        text.stdout
    );
    let c: serde_json::Value = serde_json::from_str(
        w.run(
            None,
            &[
                "prove",
                "--consistency",
                old.to_str().unwrap(),
                new.to_str().unwrap(),
                "--json",
            ],
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(c["verified"], true);
    // Every member is there when nothing failed.
    assert_eq!(
        (&c["failed"], &c["signed_fork"], &c["log_differs"]),
        (
            &serde_json::Value::Null,
            &serde_json::json!([]),
            &serde_json::json!(false)
        ),
        "{c}"
    );
    assert_eq!(
        (c["old_size"].as_u64(), c["new_size"].as_u64()),
        (Some(7), Some(10))
    );
    assert_eq!(
        (&c["old_signed_by"], &c["new_signed_by"]),
        (&serde_json::json!(["admin"]), &serde_json::json!(["admin"])),
        "{c}"
    );
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let text = w.run(None, &["prove", "--consistency", o, n]);
    assert!(
        text.ok().ends_with(&format!(
            "verified: {n} extends {o}, and the log's stored tree holds both roots\n\
             (the entries themselves are checked against both by `claimtrail verify --checkpoint {o} {n}`)\n"
        )),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!(
            "\nold: {o}, signed by admin\nnew: {n}, signed by admin\n"
        )),
        "{}",
        text.stdout
    );
    w.run(
        None,
        &[
            "prove",
            "--consistency",
            new.to_str().unwrap(),
            old.to_str().unwrap(),
        ],
    )
    .error("give the older checkpoint first: `claimtrail prove --consistency ");
    w.run(None, &["prove", "99"]).error(
        "there is no entry 99: the log has 12 entries (hint: see `claimtrail log` for the entries)",
    );
    // With a verifier key too: it was "no signed checkpoint covers entry
    // 99 yet, so --vkey has nothing to check" (red team M #3).
    let vkey = w.vkey();
    w.run(None, &["prove", "99", "--vkey", &vkey]).error(
        "there is no entry 99: the log has 12 entries (hint: see `claimtrail log` for the entries)",
    );
    // An entry number with a sign or leading zeros, as an id with them
    // (`C03`) is: refused, not taken as entry 3.
    for given in ["+3", "03"] {
        w.run(None, &["prove", given]).error(&format!(
            "error: `{given}` is not an entry number as the log writes it (hint: give it without a sign or leading zeros, e.g. `claimtrail prove 3`)"
        ));
    }

    // Where the proof is empty (the same size twice, or from size 0), each
    // file is still held against the log's own tree: a root the log never
    // had, signed by its admin and given twice, passed as "verified".
    let admin = claimtrail::keys::Signer::load(&w.path("admin")).unwrap();
    let forged = |size: u64, name: &str| {
        let note = claimtrail::tree::sign_note(
            "test.example/idlib",
            claimtrail::merkle::TreeSize(size),
            claimtrail::hash::Hash::sha256(b"a tree the log never had"),
            &admin,
        )
        .unwrap();
        std::fs::write(w.path(name), note.to_bytes()).unwrap();
        w.path(name).to_str().unwrap().to_string()
    };
    let f = forged(10, "forged.txt");
    let failed = w.run(None, &["prove", "--consistency", &f, &f]);
    assert_eq!(
        (failed.code, failed.stderr.as_str()),
        (1, ""),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains(&format!(
            "FAILED: the log's tree of size 10 has root {}, not {f}'s ",
            root_of_size(&w, 10)
        )) && failed
            .stdout
            .ends_with(" (the log differs from the checkpoint)\n"),
        "{}",
        failed.stdout
    );
    let z = w.path("zero.txt");
    std::fs::write(
        &z,
        claimtrail::tree::sign_note(
            "test.example/idlib",
            claimtrail::merkle::TreeSize(0),
            claimtrail::merkle::empty_root(),
            &admin,
        )
        .unwrap()
        .to_bytes(),
    )
    .unwrap();
    let z = z.to_str().unwrap();
    assert_eq!(w.run(None, &["prove", "--consistency", z, &f]).code, 1);
    w.run(None, &["prove", "--consistency", z, n]).ok();
    w.run(None, &["prove", "--consistency", n, n]).ok();
    // Another log's checkpoints, even of a consistent pair, are refused.
    let other = Work::with_claims();
    other
        .run(
            Some("admin"),
            &[
                "init",
                "--origin",
                "other.example/log",
                "--db",
                other.path("o.db").to_str().unwrap(),
            ],
        )
        .ok();
    let theirs = other.path("theirs.txt");
    other
        .run(
            Some("admin"),
            &[
                "--db",
                other.path("o.db").to_str().unwrap(),
                "checkpoint",
                "--out",
                theirs.to_str().unwrap(),
            ],
        )
        .ok();
    let t = theirs.to_str().unwrap();
    w.run(None, &["prove", "--consistency", t, t]).error(
        "are checkpoints of another log (`other.example/log`, not `test.example/idlib`) (hint: give checkpoints of this log)",
    );

    // A proof made from a tampered tree does not lead to the checkpoint's
    // root: prove prints it, says FAILED and exits 1, as verify would. It
    // said "the log differs from the checkpoint" when only the stored tree
    // did: the entries are hashed again to tell which.
    let pristine = w.db_bytes();
    w.sql("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1");
    let failed = w.run(None, &["prove", "A1"]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    assert!(failed.stderr.is_empty(), "{}", failed.stderr);
    assert!(
        failed.stdout.ends_with(
            "\nFAILED: the proof does not lead to this root, but the entries do: the tree stored beside them (merkle_nodes, or the entries' stored hashes) was damaged or edited, and the log's entries still match checkpoint stored at entry 10, signed by admin (`claimtrail verify` names what)\n"
        ),
        "{}",
        failed.stdout
    );
    // An entry edited with its leaf in the tree (so that the leaf check
    // passes): the entries no longer lead to the root either.
    std::fs::write(&w.db, &pristine).unwrap();
    let conn = rusqlite::Connection::open(&w.db).unwrap();
    let (seq, mut payload, sig): (i64, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT seq, payload, sig FROM entries WHERE kind = 'annotation.add' ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let at = payload.len() - 10;
    payload[at] ^= 1;
    let leaf = claimtrail::entry::entry_hash(&payload, &sig);
    // (The tree's leaves are the entries' own `hash` column.)
    conn.execute(
        "UPDATE entries SET payload = ?, hash = ? WHERE seq = ?",
        rusqlite::params![payload, leaf.0.to_vec(), seq],
    )
    .unwrap();
    drop(conn);
    let failed = w.run(None, &["prove", "A1"]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    assert!(
        failed.stdout.contains("FAILED: the proof does not lead to this root, nor do the entries: the log differs from checkpoint stored at entry "),
        "{}",
        failed.stdout
    );
    // Its stored hash alone damaged (the entry as signed): said so, where
    // it was "the entry was changed after it was appended".
    std::fs::write(&w.db, &pristine).unwrap();
    w.sql(&format!(
        "UPDATE entries SET hash = zeroblob(32) WHERE seq = {seq}"
    ));
    let failed = w.run(None, &["prove", "A1"]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    assert!(
        failed.stdout.contains(&format!("FAILED: entry {seq}'s stored hash, the tree's leaf, is 0000000000000000000000000000000000000000000000000000000000000000, not the ")) && failed.stdout.contains(" its bytes hash to: the stored hash was damaged or edited, and the log's entries still match checkpoint stored at entry 10, signed by admin (`claimtrail verify` names it)\n"),
        "{}",
        failed.stdout
    );
    std::fs::write(&w.db, &pristine).unwrap();
    w.sql("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1");
    let failed = w.run(None, &["prove", "--consistency", o, n]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    // Why the files are not the log's is said in text too (it was in
    // --json only), before the proof's own failure.
    let last = failed.stdout.lines().last().unwrap_or_default().to_string();
    let json: serde_json::Value = serde_json::from_str(
        w.run(None, &["--json", "prove", "--consistency", o, n])
            .stdout
            .as_str(),
    )
    .unwrap();
    let why = json["failed"].as_str().unwrap();
    assert_eq!(
        (&json["extends"], &json["log_differs"]),
        (&serde_json::json!(false), &serde_json::json!(true)),
        "{json}"
    );
    assert_eq!(last, format!("FAILED: {why}"));
    assert!(
        why.ends_with(&format!("; so a proof made from this log cannot say whether {n} extends {o} (prove it on the copy of the log they came from)")),
        "{why}"
    );
}

#[test]
fn tessera_checkpoints_verify_with_the_published_key() {
    let w = Work::new();
    let mut n = 0;
    for entry in std::fs::read_dir(TESSERA).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with("checkpoint") {
            continue;
        }
        n += 1;
        let v = w.run(
            None,
            &[
                "checkpoint",
                "verify",
                p.to_str().unwrap(),
                "--vkey",
                TESSERA_VKEY,
            ],
        );
        assert!(
            v.ok().contains("OK: signed by example.com/log/testdata"),
            "{name}: {}",
            v.stdout
        );
    }
    assert_eq!(n, 17, "checkpoint.0..15 and checkpoint");
    // Any one-byte change to a note is rejected.
    let note = std::fs::read(format!("{TESSERA}/checkpoint.15")).unwrap();
    for i in 0..note.len() {
        let mut bad = note.clone();
        bad[i] ^= 0x01;
        std::fs::write(w.path("bad"), &bad).unwrap();
        let v = w.run(
            None,
            &[
                "checkpoint",
                "verify",
                w.path("bad").to_str().unwrap(),
                "--vkey",
                TESSERA_VKEY,
            ],
        );
        assert_ne!(v.code, 0, "byte {i} changed and still verified");
        assert!(!v.stderr.contains("panicked"));
    }
}

/// A log of one entry is said as one: "1 entry", in verify's header, the
/// checkpoint's line, its log line and the refusal of a cosignature (no
/// auditor can be enrolled within a tree of one entry).
#[test]
fn a_new_logs_first_checkpoint_counts_one_entry() {
    let w = Work::new();
    w.key("admin");
    w.key("auditor");
    w.run(Some("admin"), &["init", "--origin", "test.example/one"])
        .ok();
    let v = w.run(None, &["verify"]);
    assert!(
        v.ok().starts_with("log test.example/one: 1 entry, head "),
        "{}",
        v.stdout
    );
    let cp = w.path("cp1.txt");
    let out = w.run(
        Some("admin"),
        &["checkpoint", "--out", cp.to_str().unwrap()],
    );
    assert!(
        out.ok()
            .starts_with("checkpoint of 1 entry signed at entry 1 and written to "),
        "{}",
        out.stdout
    );
    let log = w.run(None, &["log"]);
    assert!(
        log.ok().contains("checkpoint of 1 entry, root "),
        "{}",
        log.stdout
    );
    w.run(
        Some("admin"),
        &["key", "add", "auditor.pub", "--role", "auditor"],
    )
    .ok();
    let cosigned = w.path("cosigned.txt");
    let out = w.run(
        Some("auditor"),
        &[
            "checkpoint",
            "cosign",
            cp.to_str().unwrap(),
            "--out",
            cosigned.to_str().unwrap(),
        ],
    );
    out.error("error: your key was enrolled at entry 2, after this checkpoint's 1 entry: ");
    assert!(!cosigned.exists());
}

/// `show` says whether a signed checkpoint covers the item yet, and which
/// first did: what an analyst needs before citing it as anchored.
#[test]
fn show_says_which_checkpoint_first_covers_an_item() {
    let w = Work::with_claims();
    let line = |id: &str| -> String {
        let out = w.run(None, &["show", id]);
        out.ok()
            .lines()
            .find(|l| l.trim_start().starts_with("checkpoint:"))
            .unwrap_or_else(|| panic!("no checkpoint line:\n{}", out.stdout))
            .split_once("checkpoint:")
            .unwrap()
            .1
            .trim()
            .to_string()
    };
    assert_eq!(
        line("C1"),
        "no checkpoint yet; an admin's `claimtrail checkpoint` signs one"
    );
    // verify says the same of the whole log.
    let verify_line = || -> String {
        let out = w.run(None, &["verify"]);
        out.ok()
            .lines()
            .find(|l| l.starts_with("checkpoints: "))
            .unwrap_or_else(|| panic!("{}", out.stdout))
            .to_string()
    };
    assert_eq!(
        verify_line(),
        "checkpoints: none signed in the log yet; an admin's `claimtrail checkpoint` signs one"
    );
    w.run(Some("admin"), &["checkpoint"]).ok();
    let a2 = w
        .run(
            Some("analyst"),
            &["annotate", "C1", "--verdict", "disputed"],
        )
        .ok()
        .trim()
        .to_string();
    for id in ["S1", "C1", "A1"] {
        assert_eq!(
            line(id),
            format!("in the checkpoint of tree size 7 (entry 7) and every later one; `claimtrail prove {id}` gives the proof")
        );
    }
    // The log named with --db: the command to paste names it too.
    let db = w.db.to_str().unwrap().to_string();
    let shown = w.run(None, &["--db", &db, "show", "C1"]);
    assert!(
        shown.ok().contains(&format!(
            "`claimtrail --db {db} prove C1` gives the proof\n"
        )),
        "{}",
        shown.stdout
    );
    assert_eq!(
        line(&a2),
        "not in one yet (the latest, of tree size 7, came before it); an admin's `claimtrail checkpoint` signs one"
    );
    assert_eq!(
        verify_line(),
        "checkpoints: 1 signed in the log; the latest, of tree size 7, leaves the 1 entry after its own uncovered"
    );
    for id in ["S1", "C1", "A1"] {
        let json: serde_json::Value =
            serde_json::from_str(w.run(None, &["show", id, "--json"]).ok()).unwrap();
        assert_eq!(
            json["checkpoint"],
            serde_json::json!({"covered": "since", "seq": 7, "size": 7, "latest": null}),
            "{id}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", &a2, "--json"]).ok()).unwrap();
    assert_eq!(
        json["checkpoint"],
        serde_json::json!({"covered": "not_yet", "seq": null, "size": null, "latest": 7})
    );
    assert_eq!(
        json["verdict"], "disputed",
        "the annotation's own members stay"
    );
    w.run(Some("admin"), &["checkpoint"]).ok();
    assert_eq!(
        line(&a2),
        format!("in the checkpoint of tree size 9 (entry 9) and every later one; `claimtrail prove {a2}` gives the proof")
    );
    // The first covering checkpoint stays the one named.
    assert!(line("C1").starts_with("in the checkpoint of tree size 7 (entry 7)"));
    assert_eq!(
        verify_line(),
        "checkpoints: 2 signed in the log; the latest, of tree size 9, covers every entry before its own"
    );
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
    assert_eq!(
        (
            &v["counts"]["checkpoints"],
            &v["counts"]["latest_checkpoint"]
        ),
        (&serde_json::json!(2), &serde_json::json!(9))
    );
    // An entry before them edited: both checkpoints fail, and the line
    // says so rather than "none signed in the log yet", with its advice
    // to sign one (which the damaged log refuses).
    w.sql("UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), 'White Helmets', 'White Helmetz') AS BLOB) WHERE seq = 4");
    let out = w.run(None, &["verify"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    out.problem("entry 7 (checkpoint.add)", "checkpoint");
    assert!(
        out.stdout.contains(
            "\ncheckpoints: none that verifies in the log: 2 fail their checks (below: entries 7, 9)\n"
        ),
        "{}",
        out.stdout
    );
}

/// The log's root at `size`, as `prove --json` of the current tree gives it
/// when the log has `size` entries: here read from the tree's nodes.
fn root_of_size(w: &Work, size: u64) -> String {
    let conn = rusqlite::Connection::open(&w.db).unwrap();
    claimtrail::tree::root(&conn, claimtrail::merkle::TreeSize(size))
        .unwrap()
        .to_string()
}

#[test]
fn checkpoint_files_never_replace_the_log_or_a_key() {
    // `--out` named by a slip (the log's own file, through a link or not;
    // the key that signs) would lose the log or the key to a 200-byte note.
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let db = w.db.to_str().unwrap().to_string();
    std::os::unix::fs::symlink(&w.db, w.path("link.db")).unwrap();
    let before = w.db_bytes();
    let key = std::fs::read(w.path("admin")).unwrap();
    for (out, holds) in [
        (db.as_str(), "is the log's database, which the checkpoint would replace (hint: write the checkpoint to another file)"),
        ("link.db", "link.db is the log's database"),
        ("admin", "admin holds an OpenSSH private key, which the checkpoint would replace"),
    ] {
        w.run(Some("admin"), &["checkpoint", "--out", out]).error(holds);
    }
    for out in [db.as_str(), "admin"] {
        w.run(
            Some("auditor"),
            &["checkpoint", "cosign", "cp.txt", "--out", out],
        )
        .error("which the cosigned checkpoint would replace");
    }
    assert_eq!(w.db_bytes(), before, "no checkpoint entry was appended");
    assert_eq!(std::fs::read(w.path("admin")).unwrap(), key);
    w.run(None, &["verify"]).ok();
}

#[test]
fn a_checkpoint_of_no_entries_with_another_root_is_named_so() {
    // Its message counted back from size 0: "entries 0..18446744073709551615".
    let w = Work::with_team();
    let admin = claimtrail::keys::Signer::load(&w.path("admin")).unwrap();
    let note = claimtrail::tree::sign_note(
        "test.example/idlib",
        claimtrail::merkle::TreeSize(0),
        claimtrail::hash::Hash::sha256(b"not the empty tree"),
        &admin,
    )
    .unwrap();
    std::fs::write(w.path("zero.txt"), note.to_bytes()).unwrap();
    let r = w.run(None, &["verify", "--checkpoint", "zero.txt"]);
    r.problem("checkpoint zero.txt", "checkpoint");
    assert!(
        r.stdout.contains("PROBLEM checkpoint zero.txt: checkpoint: forked: a tree of no entries has one root, SHA-256 of nothing, and this checkpoint names another: it was signed over a root no log has\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn two_auditors_cosigning_one_file_at_once_keep_both_lines() {
    // Each read the file, verified the log, and wrote the file as read
    // plus its own line: one cosignature was lost, both said "cosigned".
    let w = Work::with_team();
    w.key("auditor2");
    w.run(
        Some("admin"),
        &["key", "add", "auditor2.pub", "--role", "auditor"],
    )
    .ok();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let cosign = |key: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("claimtrail"))
            .args(["checkpoint", "cosign", "shared.txt"])
            .current_dir(w.dir.path())
            .env("CLAIMTRAIL_DB", &w.db)
            .env("CLAIMTRAIL_KEY", w.path(key))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    for _ in 0..5 {
        std::fs::copy(w.path("cp.txt"), w.path("shared.txt")).unwrap();
        let (mut a, mut b) = (cosign("auditor"), cosign("auditor2"));
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let note = std::fs::read_to_string(w.path("shared.txt")).unwrap();
        assert_eq!(note.matches("\n— ").count(), 3, "{note}");
    }
    let listed = w.run(
        None,
        &["checkpoint", "verify", "shared.txt", "--vkey", &w.vkey()],
    );
    assert!(listed.ok().contains("OK"), "{}", listed.stdout);
}

/// A checkpoint of the log's true tree, signed by an admin enrolled only
/// later: not the log's signature at that size. Cosign said "this log does
/// not contain the tree", which pointed the auditor at a rewritten history.
#[test]
fn a_checkpoint_signed_by_a_later_admin_is_refused_for_its_signature() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let text = std::fs::read_to_string(w.path("cp.txt")).unwrap();
    let size: u64 = text.lines().nth(1).unwrap().parse().unwrap();
    w.second_admin("Second admin");
    let late = claimtrail::keys::Signer::load(&w.path("admin2")).unwrap();
    let root = {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.lines().nth(2).unwrap())
            .unwrap();
        claimtrail::hash::Hash::from_slice(&bytes).unwrap()
    };
    let note = claimtrail::tree::sign_note(
        "test.example/idlib",
        claimtrail::merkle::TreeSize(size),
        root,
        &late,
    )
    .unwrap();
    std::fs::write(w.path("late.txt"), note.to_bytes()).unwrap();
    let before = std::fs::read(w.path("late.txt")).unwrap();
    w.run(Some("auditor"), &["checkpoint", "cosign", "late.txt"])
        .error(&format!(
            "error: the checkpoint is not signed by an admin enrolled at size {size}: "
        ));
    assert_eq!(std::fs::read(w.path("late.txt")).unwrap(), before);
}

/// A log from elsewhere, written by other software than claimtrail's
/// commands (which refuse such names): its admin's name holds an escape
/// sequence. An auditor's `verify --checkpoint` shows it escaped, as `key
/// list` does, and never sends it to the terminal.
#[test]
fn a_signer_name_from_a_hostile_log_is_shown_escaped() {
    let w = Work::new();
    w.run(None, &["key", "new", "eve", "--no-passphrase"]).ok();
    let signer = claimtrail::keys::Signer::load(&w.path("eve")).unwrap();
    claimtrail::log::init(
        &w.db,
        &signer,
        "hostile.example/log",
        "Eve\u{1b}[31mRED\u{1b}]0;ok\u{7}",
    )
    .unwrap();
    w.run(Some("eve"), &["checkpoint", "--out", "cp.txt"]).ok();
    let r = w.run(None, &["verify", "--checkpoint", "cp.txt"]);
    let line = r
        .ok()
        .lines()
        .find(|l| l.starts_with("checkpoint cp.txt"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(
        line,
        "checkpoint cp.txt (size 1): consistent, signed by Eve\\u{1b}[31mRED\\u{1b}]0;ok\\u{7}"
    );
    assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    // Nor does any other command that names the signer.
    w.run(None, &["publish", "site"]).ok();
    let vkey = w.vkey();
    for args in [
        &["status"][..],
        &["key", "list"],
        &["log"],
        &["checkpoint", "list"],
        &["verify"],
        &["prove", "0"],
        &["prove", "0", "--checkpoint", "cp.txt"],
        &["checkpoint", "verify", "cp.txt", "--vkey", &vkey],
        &["verify-published", "site", "--vkey", &vkey],
        &["report", "--format", "md"],
        &["publish", "site"],
    ] {
        let r = w.run(None, args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            !r.stdout.contains('\u{1b}') && !r.stderr.contains('\u{1b}'),
            "{args:?}: {}{}",
            r.stdout,
            r.stderr
        );
    }
}

/// `checkpoint cosign --after EARLIER`: a witness cosigns one growing
/// history. A log rewritten under the admin's key since the auditor
/// cosigned an earlier tree, or a tree smaller than that one, is refused
/// (the auditor cosigned the rewritten log's new checkpoint, with nothing
/// to stop it).
#[test]
fn cosigning_after_an_earlier_checkpoint_refuses_another_history() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp-a.txt"])
        .ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", "cp-a.txt"])
        .ok();
    let at_a = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint", "--out", "cp-b.txt"])
        .ok();
    let r = w.run(
        Some("auditor"),
        &["checkpoint", "cosign", "cp-b.txt", "--after", "cp-a.txt"],
    );
    assert!(r.ok().contains("cosigned the checkpoint"), "{}", r.stdout);
    // A smaller tree than one cosigned before.
    w.run(
        Some("auditor"),
        &[
            "checkpoint",
            "cosign",
            "cp-a.txt",
            "--out",
            "again.txt",
            "--after",
            "cp-b.txt",
        ],
    )
    .error(
        "error: the checkpoint is of 7 entries, fewer than the 9 of cp-b.txt, given with --after",
    );
    // The log rewritten from cp-a's tree on: another annotation, another
    // checkpoint of the same size, signed by the same admin.
    w.restore(&at_a);
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint", "--out", "cp-c.txt"])
        .ok();
    let before = std::fs::read(w.path("cp-c.txt")).unwrap();
    let r = w.run(
        Some("auditor"),
        &["checkpoint", "cosign", "cp-c.txt", "--after", "cp-b.txt"],
    );
    r.error("error: cp-b.txt, given with --after, is forked: ");
    assert!(
        r.stderr
            .contains("do not cosign: this log is not the history you vouched for"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(w.path("cp-c.txt")).unwrap(),
        before,
        "cosigned all the same"
    );
    // Without --after the auditor has nothing to compare with: cosigned.
    assert!(w
        .run(Some("auditor"), &["checkpoint", "cosign", "cp-c.txt"])
        .ok()
        .contains("cosigned"));
}

/// An auditor who cosigns a file again puts a new line in place of their
/// own earlier one: the file kept the old line (whatever its date) and the
/// command said "cosigned".
#[test]
fn cosigning_again_replaces_the_auditors_own_line() {
    let w = Work::with_claims();
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", cps]).ok();
    let admins = std::fs::read_to_string(&cp).unwrap();
    w.run_at(
        "2026-01-01T00:00:00Z",
        Some("auditor"),
        &["checkpoint", "cosign", cps],
    )
    .ok();
    let first = std::fs::read_to_string(&cp).unwrap();
    w.run_at(
        "2026-06-01T00:00:00Z",
        Some("auditor"),
        &["checkpoint", "cosign", cps],
    )
    .ok();
    let second = std::fs::read_to_string(&cp).unwrap();
    assert_ne!(first, second, "the file is unchanged");
    assert_eq!(second.lines().count(), first.lines().count(), "{second}");
    assert!(second.starts_with(admins.trim_end()), "{second}");
    let r = w.run(None, &["verify", "--checkpoint", cps]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// Entry 7 of `w` (a `checkpoint.add` signed by the admin) with its note
/// replaced by `note`, signed again by the admin, and its tree nodes and
/// projection row put right: a log that another tool could have written,
/// in which only the note's lines can be wrong.
fn store_note_at_7(w: &Work, note: &str) {
    use claimtrail::model::Body;
    let conn = rusqlite::Connection::open(&w.db).unwrap();
    let bytes: Vec<u8> = conn
        .query_row("SELECT payload FROM entries WHERE seq = 7", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut payload = claimtrail::entry::Payload::parse(&bytes).unwrap();
    let Body::CheckpointAdd(b) = &mut payload.body else {
        panic!("entry 7 is not a checkpoint")
    };
    b.note = note.to_string();
    let admin = claimtrail::keys::Signer::load(&w.path("admin")).unwrap();
    w.put_signed(7, "checkpoint.add", &payload.to_bytes().unwrap(), &admin);
    conn.execute("UPDATE checkpoints SET note = ? WHERE seq = 7", [note])
        .unwrap();
    // The nodes over leaf 7 of the tree of 8.
    conn.execute(
        "DELETE FROM merkle_nodes WHERE (level, idx) IN (VALUES (0, 7), (1, 3), (2, 1), (3, 0))",
        [],
    )
    .unwrap();
    claimtrail::tree::TreeWriter::default()
        .append(&conn, claimtrail::merkle::LeafIndex(7), w.entry_hash_at(7))
        .unwrap();
}

/// A checkpoint stored in the log is held to the rule that `checkpoint
/// verify`, `cosign` and `verify-published` hold a note to (C2SP signed
/// notes): a line of a key that the log had at the checkpoint's size must
/// verify, else the note is not taken as signed, whoever else signed it.
/// Verify asked only the entry's signer, so a stored note with a broken
/// line of an enrolled auditor passed there and failed everywhere else.
#[test]
fn a_stored_checkpoint_with_a_failing_auditor_line_fails_verify() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", "cp.txt"])
        .ok();
    let cosigned = std::fs::read_to_string(w.path("cp.txt")).unwrap();
    // The auditor's valid cosignature in the stored note: the log verifies.
    store_note_at_7(&w, &cosigned);
    let r = w.run(None, &["verify"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // The same line with one character of its signature changed.
    let last = cosigned.trim_end().lines().last().unwrap().to_string();
    let at = last.len() - 10;
    let swap = if &last[at..at + 1] == "A" { "B" } else { "A" };
    let bad = cosigned.replace(&last, &format!("{}{swap}{}", &last[..at], &last[at + 1..]));
    std::fs::write(w.path("bad.txt"), &bad).unwrap();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let mut args = vec!["checkpoint", "verify", "bad.txt"];
    for k in vkeys.lines() {
        args.extend(["--vkey", k]);
    }
    let r = w.run(None, &args);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("FAILED: signature by auditor+"),
        "{}",
        r.stdout
    );
    store_note_at_7(&w, &bad);
    let r = w.run(None, &["verify"]);
    r.problem("entry 7 (checkpoint.add)", "checkpoint");
    assert!(
        r.stdout.contains("checkpoint: stored note: signature by auditor+")
            && r.stdout.contains(
                "does not verify: Ed25519 verification failed (altered text or timestamp, or wrong key) (every line of a key the log had at size 7 must verify)"
            ),
        "{}",
        r.stdout
    );
}

/// `key vkey` gives the admins' keys first: `key vkey | head -1`, the
/// recipe for a monitor in docs/PUBLISHING.md, is then the log's own key also after an
/// admin's key was rotated, when the auditor was enrolled before the new
/// admin (it gave the auditor's, a cosigner's key, which anchors nothing).
#[test]
fn the_first_verifier_key_is_an_admins_after_a_rotation() {
    let w = Work::with_claims();
    w.second_admin("Second admin");
    w.revoke("admin2", "admin", "rotated");
    w.run(Some("admin2"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let lines: Vec<&str> = vkeys.lines().collect();
    assert_eq!(lines.len(), 2, "{vkeys}");
    assert!(lines[0].starts_with("test.example/idlib+"), "{vkeys}");
    assert!(lines[1].starts_with("auditor+"), "{vkeys}");
    let r = w.run(
        None,
        &["checkpoint", "verify", "cp.txt", "--vkey", lines[0]],
    );
    assert!(
        r.ok().contains("OK: signed by test.example/idlib+"),
        "{}",
        r.stdout
    );
}

/// A kept checkpoint that an editor saved with a byte order mark is said
/// to be one (exit 2, as a CRLF is), not "a checkpoint of `\u{feff}…`, not
/// of this log", nor a signature that fails as if the text were altered.
#[test]
fn a_byte_order_mark_in_a_kept_checkpoint_is_named() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(std::fs::read(w.path("cp.txt")).unwrap());
    std::fs::write(w.path("bom.txt"), bom).unwrap();
    let says = "error: bom.txt: signed note begins with a byte order mark (U+FEFF), which an editor added: remove it (the signed text begins with the origin) (hint:";
    w.run(None, &["verify", "--checkpoint", "bom.txt"])
        .error(says);
    let vkey = w.vkey();
    w.run(None, &["checkpoint", "verify", "bom.txt", "--vkey", &vkey])
        .error(says);
}

/// A note the log alone signed (as it stores them, and bundles carry them)
/// checked with the auditor's key alone: the log's key is named as the one
/// to give, where it said "the note's one signature line is not from a
/// known key", for `checkpoint verify` and `verify-bundle`.
#[test]
fn only_a_cosigners_key_given_names_the_logs_key_as_missing() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "plain.txt"])
        .ok();
    w.run(None, &["export", "C1", "--out", "c1.bundle"]).ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let lines: Vec<&str> = vkeys.lines().collect();
    assert!(lines[1].starts_with("auditor+"), "{vkeys}");
    let log_id = lines[0].split('+').nth(1).unwrap();
    for args in [
        &["checkpoint", "verify", "plain.txt", "--vkey", lines[1]][..],
        &["verify-bundle", "c1.bundle", "--vkey", lines[1]],
    ] {
        let v = w.run(None, args);
        assert_eq!((v.code, v.stderr.as_str()), (1, ""), "{}", v.stdout);
        assert!(
            v.stdout.contains(&format!(
                "its signature by the log `test.example/idlib` (key ID {log_id}) was not checked: \
                 no key given is the log's own; give the log's verifier key too"
            )),
            "{args:?}: {}",
            v.stdout
        );
    }
}

/// A checkpoint signed by an admin key outside the time it could sign one
/// (revoked within those entries: what a lost or stolen key makes; or
/// enrolled only after them) is named with the key and its time: it was
/// "not from a known key", of a key the log knows and revoked.
#[test]
fn a_checkpoint_signed_by_a_revoked_admin_key_names_the_key() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.second_admin("Desk admin (2026)");
    w.run(
        Some("admin2"),
        &["key", "revoke", "admin.pub", "--reason", "laptop stolen"],
    )
    .ok();
    let size = w.run(None, &["verify", "--json"]);
    let size = serde_json::from_str::<serde_json::Value>(size.ok()).unwrap()["entries"]
        .as_u64()
        .unwrap();
    let sign = |key: &str, n: u64, name: &str| {
        let k = claimtrail::keys::Signer::load(&w.path(key)).unwrap();
        let note = claimtrail::tree::sign_note(
            "test.example/idlib",
            claimtrail::merkle::TreeSize(n),
            claimtrail::hash::Hash::from_hex(&root_of_size(&w, n)).unwrap(),
            &k,
        )
        .unwrap();
        std::fs::write(w.path(name), note.to_bytes()).unwrap();
    };
    // The stolen key signs the log's true tree, after its revocation.
    sign("admin", size, "stolen.txt");
    let v = w.run(None, &["verify", "--checkpoint", "stolen.txt"]);
    v.problem("checkpoint stolen.txt", "checkpoint");
    assert!(
        v.stdout.contains(&format!(
            ": unsigned: not signed by an admin enrolled at size {size}: it is signed by admin, whose key was revoked at entry {}, within those {size} entries (a signature made after a revocation is what a lost or stolen key makes)",
            size - 1
        )),
        "{}",
        v.stdout
    );
    // Signed before the revocation, it is the log's; `prove` marks the key
    // as revoked since, as verify does.
    let proved = w.run(None, &["prove", "C1", "--checkpoint", "cp.txt"]);
    assert!(
        proved.ok().contains(&format!(
            "cp.txt, signed by admin (key revoked at entry {})",
            size - 1
        )),
        "{}",
        proved.stdout
    );
    let listed = w.run(None, &["checkpoint", "list"]);
    assert!(
        listed
            .ok()
            .contains(&format!("  admin (key revoked at entry {})  ", size - 1)),
        "{}",
        listed.stdout
    );
    // The new admin signs a tree from before its enrolment.
    sign("admin2", 7, "early.txt");
    let v = w.run(None, &["verify", "--checkpoint", "early.txt"]);
    assert!(
        v.stdout.contains(": unsigned: not signed by an admin enrolled at size 7: it is signed by Desk admin (2026), whose key was enrolled only at entry "),
        "{}",
        v.stdout
    );
}

/// An auditor given only the admin's .pub file and a published directory
/// (or a bundle) makes the log's verifier key with no database: `key vkey
/// --origin --pub`. The .pub file given as a `--vkey` is said to be an
/// OpenSSH key, with that command (it was "key name … is invalid", and the
/// hint sent the auditor to `key vkey`, which needs the database).
#[test]
fn an_auditor_with_only_the_admins_pub_file_makes_the_verifier_key() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", "site"]).ok();
    w.run(None, &["export", "C1", "--out", "c1.bundle"]).ok();
    let pubfile = w.path("admin.pub");
    let pubfile = pubfile.to_str().unwrap();
    // No database: a path where none is.
    let auditor = Work::new();
    let made = auditor.run(
        None,
        &[
            "key",
            "vkey",
            "--origin",
            "test.example/idlib",
            "--pub",
            pubfile,
        ],
    );
    assert_eq!(made.ok(), format!("{}\n", w.vkey()));
    assert!(!auditor.db.exists(), "a database was made");
    let vkey = made.stdout.trim_end().to_string();
    let site = w.path("site");
    let r = auditor.run(
        None,
        &["verify-published", site.to_str().unwrap(), "--vkey", &vkey],
    );
    assert!(r.ok().contains("OK: every published entry"), "{}", r.stdout);
    let bundle = w.path("c1.bundle");
    auditor
        .run(
            None,
            &["verify-bundle", bundle.to_str().unwrap(), "--vkey", &vkey],
        )
        .ok();
    // The key's line itself, and standard input, are taken too.
    let line = std::fs::read_to_string(pubfile).unwrap();
    let r = auditor.run(
        None,
        &[
            "key",
            "vkey",
            "--origin",
            "test.example/idlib",
            "--pub",
            line.trim(),
        ],
    );
    assert_eq!(r.ok(), made.stdout);
    let r = auditor.run_with(
        None,
        &[],
        &[
            "key",
            "vkey",
            "--origin",
            "test.example/idlib",
            "--pub",
            "-",
        ],
        Some(line.as_bytes()),
    );
    assert_eq!(r.ok(), made.stdout);

    let hint = "(hint: make the verifier key from it and the log's origin, with no database: `claimtrail key vkey --origin ORIGIN --pub";
    let r = auditor.run(
        None,
        &[
            "verify-published",
            site.to_str().unwrap(),
            "--vkey",
            pubfile,
        ],
    );
    r.error(", line 1, is an OpenSSH public key, not a verifier key");
    r.error(hint);
    auditor
        .run(
            None,
            &["verify-bundle", bundle.to_str().unwrap(), "--vkey", line.trim()],
        )
        .error(&format!("error: that is an OpenSSH public key, not a verifier key (a verifier key names the log as well as the key) {hint}"));
    auditor
        .run(None, &["key", "vkey", "--pub", pubfile])
        .error("--origin");
    // A file of several keys, as `key add` refuses it (it made the first).
    let two = w.path("two.pub");
    let analyst = std::fs::read_to_string(w.path("analyst.pub")).unwrap();
    std::fs::write(&two, format!("{line}{analyst}")).unwrap();
    auditor
        .run(
            None,
            &[
                "key",
                "vkey",
                "--origin",
                "test.example/idlib",
                "--pub",
                two.to_str().unwrap(),
            ],
        )
        .error("holds 2 keys, one a line (hint: give the admin's one key: its own .pub file)");
    auditor
        .run(None, &["key", "vkey", "--origin", "a b", "--pub", pubfile])
        .error("error: `a b` is not a log's origin");
}

/// Another log's checkpoint, bundle or published directory checked with
/// this log's key: said to be another log's. The message said "no key
/// given is the log's own; give the log's verifier key too (the line …
/// that starts with `other.example/log+`)": an auditor who followed it
/// fetched the other log's key, and the other log's bundle passed.
#[test]
fn another_logs_files_checked_with_this_logs_key_are_said_to_be_another_logs() {
    let w = Work::with_claims();
    let vkey = w.vkey();
    let other = another_log("other.example/log");
    let s1 = other.source_from_stdin("admin", "article", "Their own article.\n");
    let cp = other.path("theirs.txt");
    other
        .run(
            Some("admin"),
            &["checkpoint", "--out", cp.to_str().unwrap()],
        )
        .ok();
    let bundle = other.path("s1.bundle");
    other
        .run(None, &["export", &s1, "--out", bundle.to_str().unwrap()])
        .ok();
    let site = other.path("site");
    other.run(None, &["publish", site.to_str().unwrap()]).ok();
    let says = "it names the log `other.example/log`, and the log key given is of `test.example/idlib`: another log than the one you trust, and no signature in it is by a key given";
    for args in [
        &[
            "checkpoint",
            "verify",
            cp.to_str().unwrap(),
            "--vkey",
            &vkey,
        ][..],
        &["verify-bundle", bundle.to_str().unwrap(), "--vkey", &vkey],
        &["verify-published", site.to_str().unwrap(), "--vkey", &vkey],
    ] {
        let r = w.run(None, args);
        assert_eq!(r.code, 1, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains(says), "{args:?}\n{}", r.stdout);
        assert!(!r.stdout.contains("verifier key too"), "{}", r.stdout);
    }
}

/// A log cut back to before the enrolment of the admin who signed a kept
/// checkpoint holds no such admin: the file is "unsigned" to it, as a
/// forged one is. The finding says that the file's tree is larger than
/// the log, what that means if its signer was enrolled in the entries
/// removed, and how to judge the file apart from this copy (it advised
/// "give the log's verifier key too", an option verify has not).
#[test]
fn a_log_cut_back_before_its_signers_enrolment_says_what_the_checkpoint_shows() {
    let w = Work::with_team();
    w.second_admin("Desk admin (2027)");
    w.revoke("admin2", "admin", "rotated");
    w.run(Some("admin2"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(None, &["verify", "--checkpoint", "cp.txt"]).ok();
    // Rolled back to its first three entries (init, the analyst's and the
    // auditor's enrolments), the admin2's enrolment gone with the rest.
    w.sql(
        "DELETE FROM entries WHERE seq >= 3; DELETE FROM keys WHERE seq >= 3; \
         DELETE FROM revocations; DELETE FROM checkpoints; DELETE FROM merkle_nodes;",
    );
    let r = w.run(None, &["verify", "--checkpoint", "cp.txt"]);
    r.problem("checkpoint cp.txt", "checkpoint");
    assert!(
        r.stdout.contains("larger than this log (3 entries): if it was signed by an admin enrolled in entries this log no longer holds, the log was cut short; to judge the file apart from this copy of the log, check it with the log's verifier key obtained from the desk (`claimtrail checkpoint verify cp.txt --vkey KEY`)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("verifier key too"), "{}", r.stdout);
}

/// Two logs under one name, as the README's session leaves a newcomer
/// (the demo's log and their own): the other's checkpoint, given to
/// `verify --checkpoint`, is said to be possibly another log's first. It
/// was "not signed by an admin enrolled at size N" and a fork's evidence
/// to keep, with no word of a second log (red team N #1).
#[test]
fn a_checkpoint_of_another_log_under_the_same_name_is_said_to_be_maybe_that() {
    let w = Work::with_claims();
    let other = another_log("test.example/idlib");
    for n in 0..3 {
        other.source_from_stdin("admin", "article", &format!("Their article {n}.\n"));
    }
    let cp = other.path("theirs.txt");
    other
        .run(
            Some("admin"),
            &["checkpoint", "--out", cp.to_str().unwrap()],
        )
        .ok();
    let before = w.db_bytes();
    let r = w.run(None, &["verify", "--checkpoint", cp.to_str().unwrap()]);
    r.problem(&format!("checkpoint {}", cp.display()), "checkpoint");
    assert!(
        r.stdout.contains("is by no admin key this log holds at that size, nor by any key it has ever held: it may be another log's under the same name (a demo's or a test's log of the same origin), a forgery, or signed by an admin enrolled in entries this copy no longer holds"),
        "{}",
        r.stdout
    );
    assert_eq!(w.db_bytes(), before);
}

/// A backup from before an admin rotation restored, and appended to with
/// the old admin's key (revived by the rollback) past the size of a
/// checkpoint the new admin signed: the kept file is unsigned to this log,
/// which no longer enrolls its signer, and its tree is not the log's.
/// Verify says both; it said only "unsigned", which pointed the auditor
/// at their own cosigned file and not at the rewritten log. (Red team.)
#[test]
fn a_log_rolled_back_past_a_rotation_and_rewritten_says_its_root_differs() {
    let w = Work::with_team();
    let backup = w.db_bytes();
    w.second_admin("Desk admin (2027)");
    w.revoke("admin2", "admin", "rotated");
    w.run(Some("admin2"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.restore(&backup);
    for n in 0..4 {
        w.run_with(
            Some("admin"),
            &[],
            &["source", "add", "-", "--kind", "statement"],
            Some(format!("statement {n}").as_bytes()),
        )
        .ok();
    }
    let r = w.run(None, &["verify", "--checkpoint", "cp.txt"]);
    r.problem("checkpoint cp.txt", "checkpoint");
    assert!(
        r.stdout.contains(") is by no admin key this log holds at that size, nor by any key it has ever held: it may be another log's under the same name (a demo's or a test's log of the same origin), a forgery, or signed by an admin enrolled in entries this copy no longer holds; and this log's first 5 entries hash to another root than the file's: if the file is the log's (its signature checks with the desk's verifier key), the log's history was rewritten after that admin signed it (a backup from before the admin's enrolment restored and appended to: a fork), and both are evidence to keep; to judge the file apart from this copy of the log, check it with the log's verifier key obtained from the desk (`claimtrail checkpoint verify cp.txt --vkey KEY`)"),
        "{}",
        r.stdout
    );
}

/// An auditor's verifier key of the log from before an admin rotation,
/// and a checkpoint the new admin signed: the key given is the log's, but
/// not the one that signed (it said "no key given is the log's own; give
/// the log's verifier key too", which the auditor had given). The message
/// says first that this may be another log or a forgery, and only then
/// that a rotation calls for the current keys from the publisher: it once
/// named the note's key ID as the one to look for, a forger's own in a
/// forged checkpoint. (Red team.)
#[test]
fn the_old_admins_vkey_after_a_rotation_is_said_to_be_another_admins() {
    let w = Work::with_team();
    let old = w.vkey();
    w.second_admin("Desk admin (2027)");
    w.revoke("admin2", "admin", "rotated");
    w.run(Some("admin2"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let lines = w.run(None, &["key", "vkey"]).ok().to_string();
    let new = lines
        .lines()
        .find(|l| *l != old && l.starts_with("test.example/idlib+"))
        .unwrap();
    let id = |vkey: &str| vkey.split('+').nth(1).unwrap().to_string();
    for args in [
        &["checkpoint", "verify", "cp.txt", "--vkey", old.as_str()][..],
        &[
            "prove",
            "1",
            "--checkpoint",
            "cp.txt",
            "--vkey",
            old.as_str(),
        ],
    ] {
        let r = w.run(None, args);
        let said = format!(
            "its signature by the log `test.example/idlib` (key ID {}) is by a key you did not give (the log's key you gave has key ID {}): this may be another log under the same name, or a forgery; only if you know that the log's admin key was rotated, get the verifier key of the admin who signed it from the log's publisher through your own channel (`claimtrail key vkey` prints the current admins' keys; an admin revoked since, who signed before the rotation, is made with `claimtrail key vkey --origin ORIGIN --pub THEIR.pub`) and check again, never with a key taken from what you are checking",
            id(new),
            id(&old),
        );
        assert!(
            r.stdout.contains(&said) || r.stderr.contains(&said),
            "{args:?}\n{}\n{}",
            r.stdout,
            r.stderr
        );
        assert_ne!(r.code, 0);
    }
    w.run(None, &["checkpoint", "verify", "cp.txt", "--vkey", new])
        .ok();
}

/// A fork's checkpoint signed with an admin key the log revoked before
/// that size (a thief's, on a copy taken before the rotation), beside
/// the genuine one of the same size: `prove --consistency` names the
/// revoked signer as `verify --checkpoint` does, and does not send the
/// auditor to "the copy of the log they came from", the thief's. (Red
/// team.)
#[test]
fn a_fork_signed_with_a_revoked_key_is_named_by_prove() {
    let w = Work::with_claims();
    let thief = w.copy();
    w.second_admin("Desk admin (2027)");
    w.revoke("admin2", "admin", "laptop stolen");
    w.run(Some("admin2"), &["checkpoint", "--out", "good.txt"])
        .ok();
    for verdict in ["false", "confirmed"] {
        thief
            .run(Some("analyst"), &["annotate", "C1", "--verdict", verdict])
            .ok();
    }
    let bad = w.path("bad.txt");
    thief
        .run(
            Some("admin"),
            &["checkpoint", "--out", bad.to_str().unwrap()],
        )
        .ok();
    let r = w.run(None, &["prove", "--consistency", "good.txt", "bad.txt"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("new: bad.txt, NOT signed by an admin of this log at its size: it is signed by admin, whose key was revoked at entry 8, within those 9 entries (a signature made after a revocation is what a lost or stolen key makes)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("is not the log's (a signature made after a revocation is what a lost or stolen key makes): keep it as evidence")
            && !r.stdout.contains("the copy of the log they came from"),
        "{}",
        r.stdout
    );
}

/// Two checkpoints of one size with different roots, each signed by the
/// log's admin, prove a fork by themselves: `prove --consistency` says so,
/// where it told the auditor to "prove it on the copy of the log they came
/// from", which no copy can do. Found by a red-team helper.
#[test]
fn two_signed_trees_of_one_size_are_said_to_prove_a_fork() {
    let a = Work::with_claims();
    let b = a.copy();
    a.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    b.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "confirmed"],
    )
    .ok();
    let (cp_a, cp_b) = (a.path("a.txt"), a.path("b.txt"));
    a.run(
        Some("admin"),
        &["checkpoint", "--out", cp_a.to_str().unwrap()],
    )
    .ok();
    b.run(
        Some("admin"),
        &["checkpoint", "--out", cp_b.to_str().unwrap()],
    )
    .ok();
    let r = a.run(
        None,
        &[
            "prove",
            "--consistency",
            cp_a.to_str().unwrap(),
            cp_b.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.ends_with(&format!(
            "FAILED: {} and {} are two trees of 8 entries with different roots, each signed by an admin of the log (admin): the log's key signed two histories, a fork; keep both files as evidence\n",
            cp_a.display(),
            cp_b.display()
        )),
        "{}",
        r.stdout
    );
    let j: serde_json::Value = serde_json::from_str(
        a.run(
            None,
            &[
                "--json",
                "prove",
                "--consistency",
                cp_a.to_str().unwrap(),
                cp_b.to_str().unwrap(),
            ],
        )
        .stdout
        .as_str(),
    )
    .unwrap();
    assert_eq!(
        (&j["signed_fork"], &j["verified"]),
        (&serde_json::json!(["admin"]), &serde_json::json!(false)),
        "{j}"
    );
}

/// A checkpoint's signers are listed with the log's own signature first,
/// then its cosigners: listed in the order the log enrolled their keys,
/// an auditor enrolled before a second admin came first ("signed by
/// auditor, Admin Two"), where AUDIT.md shows the log's signer first.
#[test]
fn the_logs_own_signature_is_listed_before_its_cosigners() {
    let w = Work::with_claims();
    w.enroll("admin2", "admin", "Admin Two");
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin2"), &["checkpoint", "--out", cps]).ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", cps]).ok();
    let v = w.run(None, &["verify", "--checkpoint", cps]);
    assert!(
        v.ok().contains("consistent, signed by Admin Two, auditor"),
        "{}",
        v.stdout
    );
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    std::fs::write(w.path("desk.vkey"), vkeys).unwrap();
    let desk = w.path("desk.vkey");
    let c = w.run(
        None,
        &[
            "checkpoint",
            "verify",
            cps,
            "--vkey",
            desk.to_str().unwrap(),
        ],
    );
    let by = c
        .ok()
        .lines()
        .find(|l| l.starts_with("OK: signed by "))
        .unwrap_or_default()
        .to_string();
    assert!(
        by.starts_with("OK: signed by test.example/idlib+"),
        "{}",
        c.stdout
    );
    assert!(
        by.contains(", Independent_auditor+") || by.contains(", auditor+"),
        "{}",
        c.stdout
    );
}

/// A checkpoint an admin of the log signed that commits to more entries
/// than the log holds shows the log was cut short (or rolled back) since:
/// `prove` says so as a failed check, exit 1 and a FAILED line (and its
/// JSON), as it says a fork. It was exit 2, "bad input", which a script
/// read as its own mistake.
#[test]
fn prove_against_a_checkpoint_beyond_the_log_fails_as_a_finding() {
    let w = Work::with_claims();
    let old = w.path("cp-old.txt");
    let ahead = w.path("cp-ahead.txt");
    let (old, ahead) = (old.to_str().unwrap(), ahead.to_str().unwrap());
    w.run(Some("admin"), &["checkpoint", "--out", old]).ok();
    let pristine = std::fs::read(&w.db).unwrap();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint", "--out", ahead]).ok();
    // Rolled back: the file as it was before the annotation.
    std::fs::write(&w.db, &pristine).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", w.db.display()));
    }
    let before = w.db_bytes();
    let size = |file: &str| {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_string()
    };
    let ahead_size = size(ahead);
    let status: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "status"]).ok()).unwrap();
    let held = &status["status"]["entries"];
    let says = format!(
        "FAILED: {ahead} commits to {ahead_size} entries, signed by an admin of this log, but the log has only {held}: it was cut short or rolled back since (`claimtrail verify --checkpoint {ahead}` names what is missing)"
    );
    let r = w.run(None, &["prove", "C1", "--checkpoint", ahead]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    assert!(r.stdout.ends_with(&format!("{says}\n")), "{}", r.stdout);
    let r = w.run(None, &["--json", "prove", "C1", "--checkpoint", ahead]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["verified"], false);
    assert_eq!(j["failed"], says.trim_start_matches("FAILED: "));
    let r = w.run(None, &["prove", "--consistency", old, ahead]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    assert!(r.stdout.contains(&says), "{}", r.stdout);
    // As verify --checkpoint says it.
    let r = w.run(None, &["verify", "--checkpoint", ahead]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(before == w.db_bytes(), "nothing written");
}

/// A kept checkpoint of another log is `foreign`; this log's checkpoint
/// with its first line altered (an editor's trailing space) is this log's,
/// `unsigned`, since its signature line no longer verifies: it was called
/// another log's.
#[test]
fn a_kept_checkpoint_with_its_origin_line_altered_is_this_logs_unsigned() {
    let w = Work::with_claims();
    let kept = w.path("cp.txt");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", kept.to_str().unwrap()],
    )
    .ok();
    let text = std::fs::read_to_string(&kept).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    std::fs::write(w.path("spaced.txt"), format!("{first} \n{rest}")).unwrap();
    let other = another_log("elsewhere.example/log");
    let theirs = other.path("theirs.txt");
    other
        .run(
            Some("admin"),
            &["checkpoint", "--out", theirs.to_str().unwrap()],
        )
        .ok();
    std::fs::copy(&theirs, w.path("theirs.txt")).unwrap();
    let before = w.db_bytes();
    let r = w.run(
        None,
        &["verify", "--checkpoint", "spaced.txt", "theirs.txt"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "PROBLEM checkpoint spaced.txt: checkpoint: unsigned: its first line reads `{first} `, not `{first}`, yet it carries this log's signature line, which does not verify over it: this log's checkpoint, altered (a character of its first line changed, or a space added)\n"
        )) && r.stdout.contains("checkpoint theirs.txt (size ")
            && r.stdout.contains(&format!(
                "it is a checkpoint of `elsewhere.example/log`, not of this log `{first}`"
            )),
        "{}",
        r.stdout
    );
    assert!(before == w.db_bytes());
}

/// Two kept checkpoints of one size, both signed by the log's admin, with
/// different roots, one of which the log still holds: the log was not
/// rewritten; its key signed a second history of that size (a split
/// view), as `prove --consistency` says of the two files. `verify
/// --checkpoint` said "its history was rewritten".
#[test]
fn two_signed_trees_of_one_size_are_a_split_view_not_a_rewrite() {
    let w = Work::with_claims();
    let kept = w.path("cp.txt");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", kept.to_str().unwrap()],
    )
    .ok();
    let text = std::fs::read_to_string(&kept).unwrap();
    let mut lines = text.lines();
    let (origin, size) = (lines.next().unwrap(), lines.next().unwrap());
    let size: u64 = size.parse().unwrap();
    let admin = claimtrail::keys::Signer::load(&w.path("admin")).unwrap();
    let other = claimtrail::hash::Hash::sha256(b"the history shown to someone else");
    let note =
        claimtrail::tree::sign_note(origin, claimtrail::merkle::TreeSize(size), other, &admin)
            .unwrap();
    std::fs::write(w.path("other.txt"), note.to_bytes()).unwrap();
    let before = w.db_bytes();
    let r = w.run(None, &["verify", "--checkpoint", "cp.txt", "other.txt"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    let root = root_of_size(&w, size);
    assert!(
        r.stdout.contains(&format!(
            "PROBLEM checkpoint other.txt: checkpoint: forked: the log's key signed two trees of {size} entries: this checkpoint's, root {other}, and cp.txt's, root {root}, which the log still holds: the log was not rewritten, but whoever held an admin key signed another history of the same size (a split view); keep both files as evidence\n"
        )) && !r.stdout.contains("rewritten;"),
        "{}",
        r.stdout
    );
    assert!(before == w.db_bytes());
}

/// `checkpoint --json` and `checkpoint cosign --json` give the root in hex,
/// as `checkpoint list --json` does (it was only in the note, in base64),
/// so a script compares it without decoding the note.
#[test]
fn a_signed_or_cosigned_checkpoint_gives_its_root_in_hex() {
    let w = Work::with_claims();
    let signed = w.run(Some("admin"), &["--json", "checkpoint", "--out", "cp.txt"]);
    let signed: serde_json::Value = serde_json::from_str(signed.ok()).unwrap();
    let listed = w.run(None, &["--json", "checkpoint", "list"]);
    let listed: serde_json::Value = serde_json::from_str(listed.ok()).unwrap();
    let root = listed[0]["root"].as_str().unwrap();
    assert_eq!(root.len(), 64, "{listed}");
    assert_eq!(signed["root"], root, "{signed}");
    let cosigned = w.run(
        Some("auditor"),
        &["--json", "checkpoint", "cosign", "cp.txt"],
    );
    let cosigned: serde_json::Value = serde_json::from_str(cosigned.ok()).unwrap();
    assert_eq!(cosigned["root"], root, "{cosigned}");
    assert_eq!(cosigned["size"], signed["size"], "{cosigned}");
}

/// Two auditors whose names make the same note key name (`________`:
/// FORMAT §8 keeps ASCII letters and digits only) are told apart by their
/// key IDs: the second to cosign adds a line and is told so, not that it
/// replaced "this key's earlier cosignature" (red team C, 3).
#[test]
fn a_second_auditor_under_the_same_note_name_replaces_nothing() {
    let w = Work::with_claims();
    w.enroll("rana", "auditor", "رنا حداد");
    w.enroll("mohammad", "auditor", "محمد علي");
    let cp = w.path("cp.txt");
    let cps = cp.to_str().unwrap();
    w.run(Some("admin"), &["checkpoint", "--out", cps]).ok();
    let first = w.run(Some("rana"), &["checkpoint", "cosign", cps]);
    assert!(
        first
            .ok()
            .starts_with("cosigned the checkpoint of 9 entries as ________ in "),
        "{}",
        first.stdout
    );
    let second = w.run(Some("mohammad"), &["--json", "checkpoint", "cosign", cps]);
    let j: serde_json::Value = serde_json::from_str(second.ok()).unwrap();
    assert_eq!(j["name"], "________");
    assert_eq!(j["replaced_earlier"], false, "{j}");
    let lines = std::fs::read_to_string(&cp).unwrap();
    assert_eq!(lines.matches("— ________ ").count(), 2, "{lines}");
    // Cosigning again is a replacement, of that key's line only.
    let again = w.run(Some("rana"), &["checkpoint", "cosign", cps]);
    assert!(
        again
            .ok()
            .contains("as ________ (replacing this key's earlier cosignature, and its time)"),
        "{}",
        again.stdout
    );
    let lines = std::fs::read_to_string(&cp).unwrap();
    assert_eq!(lines.matches("— ________ ").count(), 2, "{lines}");
    let v = w.run(None, &["verify", "--checkpoint", cps]);
    assert_eq!(v.code, 0, "{}", v.stdout);
}
