//! `verify-published`: a monitor's check of a directory that `publish`
//! wrote, with no database. The directory is what an outsider gets from a
//! web server, so the tampering here is of the files, and of what an admin
//! who went rogue could publish with tools of his own: a tree he signed
//! that holds entries the log's rules refuse.

use crate::common::*;
use crate::tamper::forge;
use claimtrail::keys::Signer;
use claimtrail::model::{Body, KeyAdd, Role};
use std::path::Path;

// Entries of `Work::with_claims()`: 0 log.init, 1-2 key.add, 3 source.add S1,
// 4 claim.add C1, 5 claim.add C2, 6 annotation.add A1.

/// `verify-published DIR` plus `args`, run with no log at all: the `--db`
/// given does not exist.
pub fn check(w: &Work, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec![
        "--db",
        "no-such.db",
        "verify-published",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    w.run(None, &all)
}

/// As [`check`] with no options, but killed (and the test failed) if it
/// has not finished within 30 s: for a directory that could make the
/// check wait for ever.
fn check_within(w: &Work, dir: &Path) -> Run {
    let all = [
        "--db",
        "no-such.db",
        "verify-published",
        dir.to_str().unwrap(),
    ];
    w.run_within(std::time::Duration::from_secs(30), None, &[], &all)
}

/// A copy of the published directory `site`, as `name` in the work
/// directory, to tamper with.
pub(crate) fn copy_site(w: &Work, site: &Path, name: &str) -> std::path::PathBuf {
    let d = w.path(name);
    let status = std::process::Command::new("cp")
        .args(["-r", site.to_str().unwrap(), d.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    d
}

/// Publishes the log's entries `rows` (seq order as given) into `dir` as a
/// tlog-tiles directory, with a checkpoint that `admin` signs over the
/// tree they make: what a key holder with tools of his own can publish,
/// whatever the rows hold.
fn publish_by_hand(w: &Work, dir: &Path, rows: &[i64], admin: &Signer) {
    use claimtrail::tiles::{TileId, Tiler};
    let c = rusqlite::Connection::open(&w.db).unwrap();
    let mut tiler = Tiler::new(true);
    let mut write = |id: TileId, bytes: &[u8]| -> claimtrail::error::Result<()> {
        let p = dir.join(id.path());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        Ok(())
    };
    for seq in rows {
        let (payload, sig): (Vec<u8>, Vec<u8>) = c
            .query_row(
                "SELECT payload, sig FROM entries WHERE seq = ?",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let leaf = claimtrail::entry::leaf(&payload, &sig);
        let hash = claimtrail::merkle::leaf_hash(&leaf);
        tiler.push(&leaf, hash, &mut write).unwrap();
    }
    let partial: Vec<(TileId, Vec<u8>)> = tiler
        .partial()
        .into_iter()
        .map(|(id, b)| (id, b.to_vec()))
        .collect();
    for (id, b) in partial {
        write(id, &b).unwrap();
    }
    let note = claimtrail::tree::sign_note("test.example/idlib", tiler.size(), tiler.root(), admin)
        .unwrap();
    std::fs::write(dir.join("checkpoint"), note.to_bytes()).unwrap();
}

#[test]
fn a_monitor_checks_the_published_log_without_the_database() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let out = check(&w, &site, &[]).ok().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("published log test.example/idlib in ")
            && lines[0].contains(": checkpoint of 7 entries, root ")
            && lines[0].ends_with(", signed by admin"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("read 7 entries in 1 bundle and 1 hash tile; head "),
        "{out}"
    );
    assert_eq!(
        lines[2],
        "3 keys (0 revoked), 1 source (0 redacted), 2 claims, 1 annotation"
    );
    assert_eq!(lines[3], "checks: tile, canonical, header, sequence, chain, signature, authorization, body, reference, checkpoint");
    assert_eq!(lines[4], "not checked: blob, quote, projection (source texts and the database's tables are not published)");
    // Without the log's key: not OK, since anyone can publish such a
    // directory under the desk's origin; the exit code stays 0.
    assert_eq!(
        lines[5],
        "UNANCHORED: every published entry, signature and tile checks out, but only against the admin keys the log enrolls itself: nothing shows whose log it is, and anyone can publish such a directory under any log's name; pass --vkey with the log's verifier key, obtained from its publisher apart from the directory"
    );
    assert_eq!(lines.len(), 6, "{out}");
    // The head is the log's, as verify computes it from the database.
    let head = w.entry_hash_at(6).to_hex();
    assert!(lines[1].ends_with(&head), "{out}");

    // Anchored to the log's verifier key, obtained from the desk: no note.
    let v = w.vkey();
    let out = check(&w, &site, &["--vkey", &v]).ok().to_string();
    assert!(
        out.ends_with("OK: every published entry, signature and tile checks out\n"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(check(&w, &site, &["--vkey", &v, "--json"]).ok()).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["anchored"], true);
    assert_eq!(json["entries"], 7);
    assert_eq!(json["checkpoint_size"], 7);
    assert_eq!(json["counts"]["claims"], 2);
    assert_eq!(json["problems"], serde_json::json!([]));

    // The monitor keeps the checkpoint it checked. The log grows past a full
    // tile and is published again: the new tree still holds the old one.
    std::fs::copy(site.join("checkpoint"), w.path("seen.txt")).unwrap();
    w.annotations(300);
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let out = check(&w, &site, &["--checkpoint", "seen.txt"])
        .ok()
        .to_string();
    assert!(
        out.contains("read 308 entries in 2 bundles and 3 hash tiles, and 2 tiles kept for readers of earlier checkpoints; head "),
        "{out}"
    );
    assert!(
        out.contains("3 keys (0 revoked), 1 source (0 redacted), 2 claims, 301 annotations\n"),
        "{out}"
    );
    assert!(
        out.contains("checkpoint seen.txt (size 7): consistent, signed by admin\n"),
        "{out}"
    );

    // The tiles kept for readers of the 7-entry checkpoint are checked
    // too: each must be the start of the tile at its place now.
    let kept = site.join("tile/0/000.p/7");
    let good = std::fs::read(&kept).unwrap();
    let mut bad = good.clone();
    bad[33] ^= 1;
    std::fs::write(&kept, &bad).unwrap();
    let r = check(&w, &site, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout.contains("PROBLEM directory: tile: tile/0/000.p/7, kept for readers of an earlier checkpoint, differs from the start of tile/0/000\n"),
        "{}",
        r.stdout
    );
    // Cut short: said to be no whole tile, not to "differ".
    std::fs::write(&kept, &good[..good.len() - 25]).unwrap();
    let r = check(&w, &site, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout.contains("PROBLEM directory: tile: tile/0/000.p/7, kept for readers of an earlier checkpoint, is not a whole tile (it holds 199 bytes; a tile of 7 hashes holds 224)\n"),
        "{}",
        r.stdout
    );
    std::fs::write(&kept, &good).unwrap();
    let bundle = site.join("tile/entries/000.p/7");
    let good = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, &good[..good.len() - 1]).unwrap();
    let r = check(&w, &site, &[]);
    assert!(
        r.stdout.contains("tile/entries/000.p/7, kept for readers of an earlier checkpoint, differs from the start of tile/entries/000 (entries 0..6)"),
        "{}",
        r.stdout
    );
    std::fs::write(&bundle, &good).unwrap();
    check(&w, &site, &[]).ok();

    // Rolled back: the server puts the old directory back. The monitor's
    // kept checkpoint is larger than the tree served.
    let old = w.path("old");
    w.run(
        None,
        &["publish", old.to_str().unwrap(), "--checkpoint", "seen.txt"],
    )
    .ok();
    std::fs::copy(site.join("checkpoint"), w.path("seen2.txt")).unwrap();
    let r = check(&w, &old, &["--checkpoint", "seen2.txt"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("PROBLEM checkpoint seen2.txt: checkpoint: truncated: the log has 7 entries but this checkpoint commits to 308"),
        "{}",
        r.stdout
    );
    // A tile of the larger tree left in the old directory says so too.
    std::fs::copy(site.join("tile/0/000"), old.join("tile/0/000")).unwrap();
    let r = check(&w, &old, &[]);
    assert!(
        r.stdout.contains("PROBLEM directory: tile: tile/0/000 belongs to a larger tree than the checkpoint's 7 entries: the directory was rolled back, or the file is not this log's\n"),
        "{}",
        r.stdout
    );
    // The same, with the staging directory that a `publish` killed while
    // it moved the new tree's tiles in (before its checkpoint) leaves:
    // said, since that honest directory was accused of a rollback alone.
    std::fs::create_dir(old.join(".claimtrail-publish-Ab12Cd")).unwrap();
    let r = check(&w, &old, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("PROBLEM directory: tile: tile/0/000 belongs to a larger tree than the checkpoint's 7 entries: the directory was rolled back, or the file is not this log's, or a `publish` or `mirror` run was stopped while it moved files in (it left .claimtrail-publish-Ab12Cd here): run it again, then check\n"),
        "{}",
        r.stdout
    );
}

/// A directory checked while a `publish` moves a larger tree into it (its
/// tiles in, its checkpoint not yet): the publish holds the directory's
/// lock, and the check waits for it, then checks the new tree. It read
/// the old checkpoint beside the new tiles and said "rolled back" (5 runs
/// of 6, red team H).
#[test]
fn a_check_waits_for_a_publish_writing_into_the_directory() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let old = std::fs::read(site.join("checkpoint")).unwrap();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let new = std::fs::read(site.join("checkpoint")).unwrap();
    // Mid-publish: the new tree's tiles beside the old checkpoint.
    std::fs::write(site.join("checkpoint"), &old).unwrap();
    let r = check(&w, &site, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("belongs to a larger tree"),
        "{}",
        r.stdout
    );
    // The same state with the publish's lock held: the check waits, and
    // finds the directory whole once the publish has put its checkpoint.
    let held = std::fs::File::open(&site).unwrap();
    held.lock().unwrap();
    let monitor = w
        .std_command(
            None,
            &[],
            &[
                "--db",
                "no-such.db",
                "verify-published",
                site.to_str().unwrap(),
            ],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::write(site.join("checkpoint"), &new).unwrap();
    drop(held);
    let out = monitor.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("checkpoint of 9 entries") && !stdout.contains("PROBLEM"),
        "{stdout}"
    );
    // A writer that holds the directory for ever (a stuck publish) does
    // not hang a monitor run from cron: it waits as long as a writer waits
    // for another (CLAIMTRAIL_BUSY_TIMEOUT), checks, and says why what it
    // found may be that writer's work.
    std::fs::write(site.join("checkpoint"), &old).unwrap();
    let held = std::fs::File::open(&site).unwrap();
    held.lock().unwrap();
    let r = w.run_with(
        None,
        &[("CLAIMTRAIL_BUSY_TIMEOUT", "1")],
        &[
            "--db",
            "no-such.db",
            "verify-published",
            site.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("a `publish` or `mirror` held the directory for more than 1 s (CLAIMTRAIL_BUSY_TIMEOUT) while it was checked"),
        "{}",
        r.stdout
    );
    drop(held);
}

#[test]
fn a_directory_without_entries_is_checked_as_a_tree_under_the_vkey() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", "--no-entries", site.to_str().unwrap()])
        .ok();
    // Without --tree-only a directory with no entries is refused, with
    // or without the key: a server that withheld the entry bundles had
    // narrowed the check to the tree, and verify-published said OK.
    let v = w.vkey();
    for keys in [&[][..], &["--vkey", &v]] {
        check(&w, &site, keys).error(
            "holds no entries (tile/entries/): they were left out (a log published with --no-entries, or a server that withholds them), so only the tree could be checked (hint: to check the tree alone, pass --tree-only with --vkey",
        );
    }
    check(&w, &site, &["--tree-only"])
        .error("the tree alone can only be checked against the log's verifier key");
    let out = check(&w, &site, &["--vkey", &v, "--tree-only"])
        .ok()
        .to_string();
    assert!(out.contains("signed by test.example/idlib\n"), "{out}");
    assert!(
        out.contains("read 1 hash tile; the tree alone is checked (--tree-only)"),
        "{out}"
    );
    assert!(out.contains("checks: tile, checkpoint\n"), "{out}");
    assert!(out.ends_with(
        "OK: the tiles make the tree of the checkpoint, which the verifier key signed\n"
    ));
    // No entry was read: none counted, not zero found (the JSON said 0
    // entries and 0 of everything for a tree of 7).
    let json: serde_json::Value =
        serde_json::from_str(check(&w, &site, &["--vkey", &v, "--tree-only", "--json"]).ok())
            .unwrap();
    assert_eq!(json["checkpoint_size"], 7);
    assert_eq!(json["entries"], serde_json::Value::Null, "{json}");
    assert_eq!(json["counts"], serde_json::Value::Null, "{json}");
    assert_eq!(json["tiles"], 1);
    // A hash changed in the level-0 tile: the tree is not the checkpoint's.
    let tile = site.join("tile/0/000.p/7");
    let mut b = std::fs::read(&tile).unwrap();
    b[40] ^= 1;
    std::fs::write(&tile, b).unwrap();
    let r = check(&w, &site, &["--vkey", &v, "--tree-only"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("PROBLEM directory: checkpoint: the tiles make a tree of 7 whose root is not the checkpoint's root"), "{}", r.stdout);
    // Bytes added to it: said as more than it should hold (it said 225
    // bytes whatever the file's size: the count read; red team B, L1).
    let mut b = std::fs::read(&tile).unwrap();
    b[40] ^= 1;
    b.extend_from_slice(&[0; 40]);
    std::fs::write(&tile, b).unwrap();
    let r = check(&w, &site, &["--vkey", &v, "--tree-only"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("tile: tile/0/000.p/7 holds more than 224 bytes, not 7 hashes"),
        "{}",
        r.stdout
    );
}

/// A witness of a directory without entries keeps the checkpoints it saw
/// and gives them: each is judged against the tiles, by the verifier key,
/// as with entries. They were parsed and dropped: a rolled-back or forked
/// directory passed, exit 0.
#[test]
fn a_tree_only_check_judges_the_kept_checkpoints() {
    let w = Work::with_claims();
    let fork = w.path("fork.db");
    w.run(Some("admin"), &["checkpoint", "--out", "cp5.txt"])
        .ok();
    let old = w.path("old");
    w.run(None, &["publish", "--no-entries", old.to_str().unwrap()])
        .ok();
    std::fs::copy(&w.db, &fork).unwrap();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint", "--out", "kept.txt"])
        .ok();
    let new = w.path("new");
    w.run(None, &["publish", "--no-entries", new.to_str().unwrap()])
        .ok();
    // Another history of the same size, signed by the same admin.
    let fork_db = fork.to_str().unwrap();
    w.run(
        Some("analyst"),
        &["--db", fork_db, "annotate", "C2", "--verdict", "confirmed"],
    )
    .ok();
    w.run(
        Some("admin"),
        &["--db", fork_db, "checkpoint", "--out", "forked.txt"],
    )
    .ok();
    let v = w.vkey();
    let kept = |dir: &Path, file: &str| {
        check(
            &w,
            dir,
            &["--tree-only", "--vkey", &v, "--checkpoint", file],
        )
    };
    let good = kept(&new, "kept.txt");
    assert!(
        good.ok()
            .contains("checkpoint kept.txt (size 9): consistent, signed by test.example/idlib\n"),
        "{}",
        good.stdout
    );
    kept(&new, "cp5.txt").ok();
    // Rolled back: the directory's tree is smaller than one kept.
    let r = kept(&old, "kept.txt");
    r.problem("checkpoint kept.txt", "checkpoint");
    assert!(
        r.stdout
            .contains("truncated: the log has 7 entries but this checkpoint commits to 9"),
        "{}",
        r.stdout
    );
    // Forked: a tree of the kept size with another root.
    let r = kept(&new, "forked.txt");
    r.problem("checkpoint forked.txt", "checkpoint");
    assert!(
        r.stdout.contains("checkpoint forked.txt (size 9): forked"),
        "{}",
        r.stdout
    );
    // Signed by another key than the verifier key given: unsigned.
    let other = another_log("other.example/log");
    let theirs = other.path("theirs.txt");
    other
        .run(
            Some("admin"),
            &["checkpoint", "--out", theirs.to_str().unwrap()],
        )
        .ok();
    let r = kept(&new, theirs.to_str().unwrap());
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn what_cannot_be_checked_is_refused_with_exit_2() {
    let w = Work::with_claims();
    std::fs::create_dir(w.path("empty")).unwrap();
    check(&w, &w.path("empty"), &[]).error("holds no checkpoint");
    // A checkpoint that is there but no file is named, not said missing.
    std::fs::create_dir(w.path("odd-dir")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", w.path("odd-dir/checkpoint")).unwrap();
    check(&w, &w.path("odd-dir"), &[]).error(&format!(
        "cannot read {}: not a regular file (a pipe, a device or a directory)",
        w.path("odd-dir/checkpoint").display()
    ));
    check(&w, &w.path("missing"), &[]).error("missing does not exist");
    std::fs::write(w.path("a-file"), "x").unwrap();
    check(&w, &w.path("a-file"), &[]).error("a-file is not a directory");
    // An address: the copy is what is checked, and mirror makes it.
    check(&w, Path::new("https://log.example/"), &[]).error(
        "error: https://log.example/ is an address, and verify-published checks a directory (hint: fetch the log first, then check the copy: claimtrail mirror URL DIR && claimtrail verify-published DIR)",
    );
    check(&w, Path::new("https://desk:s3cret@log.example/"), &[])
        .error("error: https://desk:***@log.example/ is an address, and verify-published checks a directory (hint: ");
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    check(&w, &site, &["--vkey", "nonsense"])
        .error("`nonsense` is neither a verifier key nor a file");
    check(&w, &site, &["--checkpoint", "nowhere.txt"]).error("nowhere.txt");
    std::fs::write(w.path("junk.txt"), "junk").unwrap();
    check(&w, &site, &["--checkpoint", "junk.txt"]).error("junk.txt: ");
    // The published directory given as the kept checkpoint: the example
    // is its `checkpoint` (it was `site/NAME`).
    check(&w, &site, &["--checkpoint", site.to_str().unwrap()]).error(&format!(
        "error: --checkpoint {} is a directory (hint: give a checkpoint file you kept, e.g. a copy of {} from an earlier check)",
        site.display(),
        site.join("checkpoint").display()
    ));
}

/// A checkpoint file that is there but is no signed checkpoint is a
/// finding about the directory (exit 1), not a mistake in the command: it
/// was exit 2, with the hint to give the directory publish wrote.
#[test]
fn a_damaged_checkpoint_in_the_directory_is_a_problem() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let vkey = vkeys.lines().next().unwrap();
    let note = std::fs::read_to_string(site.join("checkpoint")).unwrap();
    // Garbage, and the note with its signature lines taken off.
    let unsigned: String = note.split_inclusive('\n').take(4).collect();
    for (name, bytes, why) in [
        (
            "garbage",
            "garbage\n".to_string(),
            "signed note has no blank line separating its text from the signature lines",
        ),
        (
            "unsigned",
            unsigned,
            "signed note's signature block is empty or does not end with a newline",
        ),
    ] {
        let d = copy_site(&w, &site, name);
        std::fs::write(d.join("checkpoint"), bytes).unwrap();
        let r = check(&w, &d, &["--vkey", vkey]);
        r.problem("directory", "checkpoint");
        assert_eq!(
            r.stdout,
            format!(
                "published log in {}: its checkpoint cannot be read as a signed checkpoint, so neither the tiles nor the entries were checked\n\
                 PROBLEM directory: checkpoint: {} is damaged: {why} (a log's checkpoint is a signed note: its origin, size and root hash, a blank line, then its signature lines); without it nothing else in the directory can be checked\n\
                 FAILED: 1 problem found\n",
                d.display(),
                d.join("checkpoint").display()
            )
        );
        assert!(r.stderr.is_empty(), "{}", r.stderr);
        let r = w.run(
            None,
            &[
                "--json",
                "--db",
                "no-such.db",
                "verify-published",
                d.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["anchored"], false);
        assert!(json["origin"].is_null() && json["checkpoint_size"].is_null());
        assert_eq!(json["problems"][0]["check"], "checkpoint");
    }
}

/// A bundle missing or damaged stops the replay, yet the checkpoint's
/// signature is judged and said, beside what failed: it was "not
/// accepted (see the problem below)" with no such problem, `signed_by`
/// empty, and only the hash tiles compared before the stop counted.
#[test]
fn a_missing_bundle_leaves_the_checkpoints_signature_judged() {
    let w = Work::with_claims();
    w.annotations(260); // 267 entries: tile/entries/000 and 001.p/11
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let vkey = vkeys.lines().next().unwrap();

    let missing = copy_site(&w, &site, "missing");
    std::fs::remove_file(missing.join("tile/entries/001.p/11")).unwrap();
    let damaged = copy_site(&w, &site, "damaged");
    let mut b = std::fs::read(damaged.join("tile/entries/001.p/11")).unwrap();
    b.extend_from_slice(b"junk");
    std::fs::write(damaged.join("tile/entries/001.p/11"), b).unwrap();
    for (d, what, bundles) in [
        (&missing, "is missing (entries 256..266)", "1 bundle"),
        (
            &damaged,
            "has 4 bytes after its 11 entries (entries 256..266)",
            "2 bundles",
        ),
    ] {
        for args in [&["--vkey", vkey][..], &[]] {
            let r = check(&w, d, args);
            r.problem("directory", "tile");
            let lines: Vec<&str> = r.stdout.lines().collect();
            assert!(
                lines[0].ends_with(", signed by admin; the check stopped at entry 256: the entries from there on could not be read (see the problems below)"),
                "{}",
                r.stdout
            );
            assert!(
                lines[1].starts_with(&format!(
                    "read 256 entries in {bundles} and 3 hash tiles; head "
                )),
                "{}",
                r.stdout
            );
            assert!(
                r.stdout.ends_with(&format!(
                    "PROBLEM directory: tile: tile/entries/001.p/11 {what}\n\
                     PROBLEM directory: tile: the check stopped at entry 256: the 11 entries from there on could not be read\n\
                     FAILED: 2 problems found\n"
                )),
                "{}",
                r.stdout
            );
            assert!(!r.stdout.contains("not accepted"), "{}", r.stdout);
        }
        let mut all = vec![
            "--json",
            "--db",
            "no-such.db",
            "verify-published",
            d.to_str().unwrap(),
        ];
        all.extend_from_slice(&["--vkey", vkey]);
        let r = w.run(None, &all);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(json["signed_by"], serde_json::json!(["admin"]));
        assert_eq!(json["tiles"], 3);
        // `anchored` is true only when the check passed.
        assert_eq!(json["anchored"], false);
        assert_eq!(json["ok"], false);
    }

    // The first bundle missing: no entry enrolls anyone. With the vkey,
    // the key's own name; without it, not judged, and said so.
    let first = copy_site(&w, &site, "first");
    std::fs::remove_file(first.join("tile/entries/000")).unwrap();
    let r = check(&w, &first, &["--vkey", vkey]);
    r.problem("directory", "tile");
    assert!(
        r.stdout.lines().next().unwrap().ends_with(
            ", signed by test.example/idlib; the check stopped at entry 0: the entries from there on could not be read (see the problems below)"
        ),
        "{}",
        r.stdout
    );
    let r = check(&w, &first, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout.lines().next().unwrap().ends_with(
            ", its signature not judged: no admin key that the entries read enroll signed it, and the entries not read may enroll the one that did (--vkey judges it); the check stopped at entry 0: the entries from there on could not be read (see the problems below)"
        ),
        "{}",
        r.stdout
    );
    // A vkey that did not sign it: the problem is there, and said.
    let other = Work::with_claims();
    let wrong = other.run(None, &["key", "vkey"]).ok().to_string();
    let r = check(&w, &missing, &["--vkey", wrong.lines().next().unwrap()]);
    r.problem("directory", "checkpoint");
    assert!(
        r.stdout
            .lines()
            .next()
            .unwrap()
            .contains(", not accepted (see the problem"),
        "{}",
        r.stdout
    );
}

/// Runs `verify-published` on `dir` as the unprivileged user `nobody`
/// (permissions do not bind root); `None` where that cannot be done.
fn check_as_nobody(w: &Work, dir: &Path, args: &[&str]) -> Option<Run> {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root
        || std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_err()
    {
        return None;
    }
    std::fs::set_permissions(w.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
        .args([
            "--db",
            "no-such.db",
            "verify-published",
            dir.to_str().unwrap(),
        ])
        .args(args)
        .current_dir(w.dir.path())
        .env("HOME", w.dir.path())
        .output()
        .unwrap();
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// What this machine does not let the check read is no finding about the
/// log (exit 2, naming what and why): an unreadable `tile/` was said to
/// hold no entries, "left out … by a server that withholds them", with
/// the hint to narrow the check, and an unreadable tile was a PROBLEM.
#[test]
fn what_the_check_may_not_read_is_an_error_not_a_finding() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let vkey = vkeys.lines().next().unwrap();
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    for (name, path, m) in [
        ("tile", "tile", 0o700),
        ("entries", "tile/entries", 0o700),
        ("bundle", "tile/entries/000.p/7", 0o600),
        ("hashes", "tile/0/000.p/7", 0o600),
    ] {
        let d = copy_site(&w, &site, name);
        mode(&d, 0o755);
        mode(&d.join(path), m);
        for args in [&["--vkey", vkey][..], &["--vkey", vkey, "--tree-only"]] {
            let Some(r) = check_as_nobody(&w, &d, args) else {
                return;
            };
            if path == "tile/entries/000.p/7" && args.len() == 3 {
                // The tree alone reads no bundle.
                assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
                continue;
            }
            r.error(&format!(
                "error: cannot read {}: permission denied (hint: check the path and its permissions)",
                d.join(path).display()
            ));
        }
    }
    // The directory itself, which this user may not enter: said so, not
    // "holds no checkpoint".
    let d = copy_site(&w, &site, "closed");
    mode(&d, 0o700);
    if let Some(r) = check_as_nobody(&w, &d, &["--vkey", vkey]) {
        r.error(&format!(
            "error: cannot read {}: permission denied (hint: check the path and its permissions)",
            d.display()
        ));
    }
}

#[test]
fn tampered_files_fail_naming_the_entry_and_the_check() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let bundle = "tile/entries/000.p/7";
    let copy = |name: &str| copy_site(&w, &site, name);

    // A speaker's name changed in the bundle (still canonical JSON): the
    // signature says so, and the entry no longer hashes to its leaf in the
    // hash tiles, which make the signed root: the bundle is at fault, not
    // the tiles, and the tree is not forked. (Until 2026-12-06 the tree
    // was the entries': the correct tile "did not hold the hashes of the
    // tree its entries make", entry 5's chain broke, and the checkpoint
    // was "forked".)
    let d = copy("speaker");
    let mut b = std::fs::read(d.join(bundle)).unwrap();
    let at = b.windows(13).position(|w| w == b"White Helmets").unwrap();
    b[at + 12] = b'z';
    std::fs::write(d.join(bundle), b).unwrap();
    let r = check(&w, &d, &[]);
    r.problem("entry 4 (claim.add C1)", "signature");
    assert!(
        r.stdout.contains("PROBLEM directory: tile: tile/entries/000.p/7: entry 4 does not hash to leaf 4 of the signed tree (in tile/0/000.p/7, whose hash tiles make the checkpoint's root): the file is damaged ("),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with("FAILED: 2 problems found\n") && !r.stdout.contains("forked"),
        "{}",
        r.stdout
    );

    // A byte appended after the bundle's seven entries: said as such (it
    // was "ends inside an entry's length").
    let d = copy("appended");
    let mut b = std::fs::read(d.join(bundle)).unwrap();
    b.push(0);
    std::fs::write(d.join(bundle), b).unwrap();
    let r = check(&w, &d, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout
            .contains("tile/entries/000.p/7 has 1 byte after its 7 entries"),
        "{}",
        r.stdout
    );

    // An entry bundle missing: the entries cannot be read.
    let d = copy("nobundle");
    std::fs::remove_file(d.join(bundle)).unwrap();
    let r = check(&w, &d, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout
            .contains("tile/entries/000.p/7 is missing (entries 0..6)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("the check stopped at entry 0"),
        "{}",
        r.stdout
    );

    // The bundle replaced by a FIFO that no one writes: refused unopened,
    // where reading it would wait for ever.
    let d = copy("fifo");
    std::fs::remove_file(d.join(bundle)).unwrap();
    let fifo = std::ffi::CString::new(d.join(bundle).to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path, and a mode.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let r = check_within(&w, &d);
    r.problem("directory", "tile");
    assert!(
        r.stdout.contains("tile/entries/000.p/7 cannot be read (")
            && r.stdout
                .contains("not a regular file (a pipe, a device or a directory)) (entries 0..6)"),
        "{}",
        r.stdout
    );

    // Links under tile/: two to `.` made the walk for earlier tiles
    // endless; a kept tile that cannot be read (a dangling link) was
    // skipped without a word.
    let d = copy("links");
    for name in ["a", "b"] {
        std::os::unix::fs::symlink(".", d.join("tile").join(name)).unwrap();
    }
    std::os::unix::fs::symlink("/nonexistent", d.join("tile/0/000.p/3")).unwrap();
    let r = check_within(&w, &d);
    r.problem("directory", "tile");
    assert!(
        r.stdout.contains(
            "tile/0/000.p/3, kept for readers of an earlier checkpoint, cannot be read ("
        ),
        "{}",
        r.stdout
    );

    // A bundle cut short.
    let d = copy("short");
    let b = std::fs::read(d.join(bundle)).unwrap();
    std::fs::write(d.join(bundle), &b[..b.len() - 10]).unwrap();
    check(&w, &d, &[]).problem("directory", "tile");

    // A hash tile zeroed: the entries are fine, the tile is not.
    let d = copy("zeroed");
    std::fs::write(d.join("tile/0/000.p/7"), [0u8; 7 * 32]).unwrap();
    let r = check(&w, &d, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout
            .contains("tile/0/000.p/7 does not hold the hashes of the tree its entries make"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("PROBLEM entry"), "{}", r.stdout);

    // The checkpoint's signature line altered.
    let d = copy("badsig");
    let note = std::fs::read_to_string(d.join("checkpoint")).unwrap();
    let at = note.rfind(' ').unwrap() + 5;
    let mut b = note.into_bytes();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(d.join("checkpoint"), b).unwrap();
    let r = check(&w, &d, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("checkpoint: unsigned: "), "{}", r.stdout);
}

#[test]
fn a_directory_of_several_chunks_is_checked_in_order() {
    // 7 + 4,600 entries: three chunks of 2,048 (eight bundles each), read
    // ahead of the replay while the pool checks them.
    let w = Work::with_claims();
    w.annotations(4600);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let json: serde_json::Value = serde_json::from_str(check(&w, &site, &["--json"]).ok()).unwrap();
    assert_eq!(json["entries"], 4607);
    assert_eq!(json["bundles"], 18);
    assert_eq!(json["counts"]["annotations"], 4601);
    assert_eq!(json["ok"], true);

    // An entry of the first chunk damaged, and a bundle of the second
    // missing: the entry's problems come first, as they lie in the log,
    // then the missing bundle, and the check stops at the bundle's first
    // entry, having checked the entries before it.
    let site2 = copy_site(&w, &site, "site2");
    let bundle = site2.join("tile/entries/001");
    let mut b = std::fs::read(&bundle).unwrap();
    let at = b.windows(10).position(|w| w == b"unverified").unwrap();
    b[at] = b'U';
    std::fs::write(&bundle, b).unwrap();
    std::fs::remove_file(site2.join("tile/entries/010")).unwrap();
    let r = check(&w, &site2, &[]);
    r.problem("entry 256 (annotation.add)", "signature");
    let problems: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("PROBLEM"))
        .collect();
    let signature = problems.iter().position(|l| l.contains(": signature: "));
    let missing = problems
        .iter()
        .position(|l| l.contains("tile/entries/010 is missing (entries 2560..2815)"));
    let stopped = problems.iter().position(|l| {
        l.contains(
            "the check stopped at entry 2560: the 2,047 entries from there on could not be read",
        )
    });
    assert!(
        signature < missing && missing < stopped && signature.is_some(),
        "{}",
        r.stdout
    );
    // The counts are of the files read: the ten bundles before the missing
    // one (the missing bundle was counted as read), and the 19 hash tiles
    // of the tree, read to find that they make the signed root before the
    // entries (it counted the 10 compared before the stop).
    assert!(
        r.stdout
            .contains("read 2,560 entries in 10 bundles and 19 hash tiles;"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_tree_the_admin_signed_still_fails_the_logs_rules() {
    let w = Work::with_claims();
    let admin = Signer::load(&w.path("admin")).unwrap();

    // Entries swapped, then one left out, each in a tree the admin signed:
    // the tiles and the checkpoint agree, the chain does not.
    let d = w.path("swapped");
    publish_by_hand(&w, &d, &[0, 1, 2, 3, 5, 4, 6], &admin);
    let r = check(&w, &d, &[]);
    r.problem("entry 4 (claim.add C1)", "sequence");
    r.problem("entry 4 (claim.add C1)", "chain");
    assert!(!r.stdout.contains(": tile: "), "{}", r.stdout);
    let d = w.path("gap");
    publish_by_hand(&w, &d, &[0, 1, 2, 3, 5, 6], &admin);
    // The claim in place 4 is the tree's first: C1 to a reader of it.
    let r = check(&w, &d, &[]);
    r.problem("entry 4 (claim.add C1)", "chain");
    r.problem("entry 5 (annotation.add A1)", "reference");

    // A validly signed entry by a key the log never enrolled.
    let intruder = Signer::generate("intruder").unwrap();
    let body = Body::KeyAdd(KeyAdd {
        key: intruder.public().to_openssh(),
        name: "intruder".into(),
        role: Role::Admin,
    });
    let seq = forge(&w, &intruder, body);
    let d = w.path("forged");
    let rows: Vec<i64> = (0..=seq as i64).collect();
    publish_by_hand(&w, &d, &rows, &admin);
    let r = check(&w, &d, &[]);
    r.problem(&format!("entry {seq} (key.add)"), "authorization");
    assert!(r.stdout.contains("is not enrolled"), "{}", r.stdout);

    // The same tree signed by the intruder instead: no admin of the log
    // signed it, and the desk's verifier key says so too.
    let d = w.path("intruders");
    publish_by_hand(&w, &d, &rows, &intruder);
    let r = check(&w, &d, &["--vkey", &w.vkey()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("checkpoint: unsigned: "), "{}", r.stdout);
    assert!(
        r.stdout.contains("is not signed by the verifier key given"),
        "{}",
        r.stdout
    );
}

/// A published checkpoint that only the log's auditor signed (its
/// cosignature, the admin's line cut) is not the log's: neither the keys
/// the entries enroll nor the auditor's verifier key, given alone or with
/// the log's, make it so. A kept file signed that way is `unsigned` for
/// `verify --checkpoint` on the database too.
#[test]
fn a_checkpoint_only_an_auditor_cosigned_is_not_the_logs() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let cp = site.join("checkpoint");
    w.run(
        Some("auditor"),
        &["checkpoint", "cosign", cp.to_str().unwrap()],
    )
    .ok();
    let vkeys = w.run(None, &["key", "vkey"]).ok().to_string();
    let vkeys: Vec<&str> = vkeys.lines().collect();
    // Cosigned, it checks out under both keys.
    let ok = check(&w, &site, &["--vkey", vkeys[0], "--vkey", vkeys[1]]);
    assert!(
        ok.ok().contains(", signed by admin, auditor"),
        "{}",
        ok.stdout
    );
    let only: String = std::fs::read_to_string(&cp)
        .unwrap()
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("\u{2014} test.example/idlib "))
        .collect();
    std::fs::write(&cp, &only).unwrap();
    std::fs::write(w.path("only.txt"), &only).unwrap();
    let unsigned = "checkpoint: unsigned: not signed by an admin enrolled at size 7: \
                    it is signed by auditor but not by the log `test.example/idlib` itself";
    for keys in [
        &[][..],
        &["--vkey", vkeys[1]],
        &["--vkey", vkeys[0], "--vkey", vkeys[1]],
    ] {
        let r = check(&w, &site, keys);
        assert_eq!(r.code, 1, "{keys:?}: {}", r.stdout);
        assert!(r.stdout.contains(unsigned), "{keys:?}: {}", r.stdout);
        if !keys.is_empty() {
            assert!(
                r.stdout.contains(&format!(
                    "{} is not signed by the verifier key given: it is signed by auditor but not by the log",
                    cp.display()
                )),
                "{keys:?}: {}",
                r.stdout
            );
        }
    }
    let r = w.run(None, &["verify", "--checkpoint", "only.txt"]);
    r.problem("checkpoint only.txt", "checkpoint");
    assert!(r.stdout.contains(unsigned), "{}", r.stdout);
}

/// On the demo's log (three roles, a retraction, a checkpoint entry inside
/// the published tree), the monitor agrees with `verify` on the database:
/// the same counts and the same head, with nothing wrong.
#[test]
fn the_monitor_agrees_with_verify_on_the_demo_log() {
    let w = Work::new();
    let dir = w.path("demo");
    w.run(None, &["demo", "--dir", dir.to_str().unwrap()]).ok();
    let db = dir.join("claimtrail.db");
    let db = db.to_str().unwrap();
    let analyst = dir.join("analyst");
    let admin = dir.join("admin");
    w.run(
        None,
        &[
            "--db",
            db,
            "--key",
            analyst.to_str().unwrap(),
            "annotate",
            "C6",
            "--verdict",
            "unverified",
        ],
    )
    .ok();
    w.run(
        None,
        &["--db", db, "--key", admin.to_str().unwrap(), "checkpoint"],
    )
    .ok();
    let site = w.path("site");
    w.run(None, &["--db", db, "publish", site.to_str().unwrap()])
        .ok();
    let published: serde_json::Value =
        serde_json::from_str(check(&w, &site, &["--json"]).ok()).unwrap();
    let verified: serde_json::Value =
        serde_json::from_str(w.run(None, &["--db", db, "verify", "--json"]).ok()).unwrap();
    assert_eq!(published["ok"], true);
    // The tree published is the log less the last checkpoint's own entry.
    assert_eq!(
        published["entries"],
        verified["entries"].as_u64().unwrap() - 1
    );
    let mut counts = verified["counts"].clone();
    counts["checkpoints"] = 1.into();
    counts["latest_checkpoint"] = 20.into();
    assert_eq!(published["counts"], counts);
    assert_eq!(published["counts"]["retracted_claims"], 1);
    assert_eq!(published["signed_by"], serde_json::json!(["Desk admin"]));
}

/// Key substitution: an entry whose header names an enrolled analyst as
/// its signer, validly signed by another key (the SSHSIG carries that
/// key). Authorization passes (the analyst may annotate); only the
/// signature check, which holds the key inside the SSHSIG to the signer's
/// enrolled key, catches it, and verify and the monitor say it alike.
#[test]
fn an_entry_signed_by_another_key_than_its_signers_fails_the_signature_check() {
    use claimtrail::entry::{Header, Payload};
    use claimtrail::model::{AnnotationAdd, ItemId, Ref, Seq, Verdict};
    let w = Work::with_claims();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let intruder = Signer::generate("intruder").unwrap();
    let payload = Payload {
        header: Header {
            log: "test.example/idlib".into(),
            seq: Seq(7),
            prev: w.entry_hash_at(6),
            time: "2026-11-25T10:00:00Z".into(),
            signer: analyst.fingerprint().clone(),
            kind: claimtrail::model::Kind::AnnotationAdd,
        },
        body: Body::AnnotationAdd(AnnotationAdd {
            claim: Ref {
                id: ItemId::claim(2),
                hash: w.entry_hash_at(5),
            },
            verdict: Verdict::False,
            reliability: None,
            credibility: None,
            note: Some("the analyst never wrote this".into()),
            corroborates: vec![],
            contradicts: vec![],
            supersedes: None,
        }),
    };
    let bytes = payload.to_bytes().unwrap();
    w.put_signed(7, "annotation.add", &bytes, &intruder);
    let said =
        "entry 7 (annotation.add A2): signature: signed by a different key than the entry's signer";
    let r = w.run(None, &["verify"]);
    r.problem("entry 7 (annotation.add A2)", "signature");
    assert!(r.stdout.contains(said), "{}", r.stdout);
    assert!(!r.stdout.contains(": authorization: "), "{}", r.stdout);

    let admin = Signer::load(&w.path("admin")).unwrap();
    let d = w.path("substituted");
    publish_by_hand(&w, &d, &[0, 1, 2, 3, 4, 5, 6, 7], &admin);
    let r = check(&w, &d, &[]);
    r.problem("entry 7 (annotation.add A2)", "signature");
    assert!(r.stdout.contains(said), "{}", r.stdout);
    assert!(!r.stdout.contains(": authorization: "), "{}", r.stdout);
}

/// An older checkpoint put back over the tiles of a larger tree: the tile
/// its size needs is missing, and the wider one a larger tree wrote is
/// named as the sign of a rollback (it said only that the tile was
/// missing).
#[test]
fn an_older_checkpoint_over_a_larger_trees_tiles_is_named_a_rollback() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "small.txt"])
        .ok();
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    std::fs::copy(w.path("small.txt"), site.join("checkpoint")).unwrap();
    // Publish serves the smaller checkpoint's partial tiles too (its
    // readers fetch them): the tiles of the larger tree beside them are
    // what shows the rollback.
    let r = check(&w, &site, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "PROBLEM directory: tile: tile/0/000.p/9 belongs to a larger tree than the checkpoint's 7 entries: the directory was rolled back, or the file is not this log's\n"
        ),
        "{}",
        r.stdout
    );
    // Without them (a server that deleted them, or a publish of before
    // 2026-12-06, which wrote the latest tree's alone), the one missing is
    // named beside the wider one.
    for p in ["tile/0/000.p/7", "tile/entries/000.p/7"] {
        std::fs::remove_file(site.join(p)).unwrap();
    }
    let r = check(&w, &site, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "PROBLEM directory: tile: tile/entries/000.p/7 is missing (entries 0..6), and tile/entries/000.p/9, of a larger tree, is there: the directory's checkpoint is older than its tiles (rolled back, or replaced by an older one)"
        ),
        "{}",
        r.stdout
    );
}

/// A cosigner's line whose name or key ID was altered is a line by a key
/// nobody knows, which a signed-note verifier must ignore (C2SP): the
/// directory still verifies under the log's signature, but the output says
/// a line was not checked, where the cosignature left the list without a
/// word (`tools/tamper_published.py` found it).
#[test]
fn a_cosignature_altered_into_an_unknown_line_is_named_as_not_checked() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(Some("auditor"), &["checkpoint", "cosign", "cp.txt"])
        .ok();
    let site = w.path("site");
    w.run(
        None,
        &["publish", site.to_str().unwrap(), "--checkpoint", "cp.txt"],
    )
    .ok();
    let out = check(&w, &site, &[]);
    assert!(
        out.ok().contains(", signed by admin, auditor\n"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("not checked: auditor"),
        "{}",
        out.stdout
    );
    let note = std::fs::read_to_string(site.join("checkpoint")).unwrap();
    std::fs::write(
        site.join("checkpoint"),
        note.replace("— auditor ", "— auditer "),
    )
    .unwrap();
    let out = check(&w, &site, &[]);
    let text = out.ok();
    assert!(text.contains(", signed by admin\n"), "{text}");
    assert!(
        text.contains("note: the checkpoint carries 1 signature line by a key the log did not have at its size and no --vkey gives, not checked: auditer+"),
        "{text}"
    );
}

/// An auditor who kept the log's verifier key from before the desk rotated
/// its admin key: the directory's checkpoint is the new admin's, and the
/// failure says what the log's own entries show (the key given was that
/// admin's, revoked at entry N; whose key signed instead), so that a
/// rotation is not taken for a stranger's log, nor trusted unasked.
#[test]
fn an_old_verifier_key_after_a_rotation_is_told_what_the_log_shows() {
    let w = Work::with_claims();
    let old = w.vkey();
    w.key("admin2");
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "admin2.pub",
            "--role",
            "admin",
            "--name",
            "Desk admin 2027",
        ],
    )
    .ok();
    let revoked = w.run(
        Some("admin2"),
        &["key", "revoke", "admin", "--reason", "rotated yearly"],
    );
    assert!(revoked.ok().contains(" at entry 8;"), "{}", revoked.stdout);
    w.run(Some("admin2"), &["checkpoint"]).ok();
    w.run(None, &["publish", "site"]).ok();
    let r = check(&w, &w.path("site"), &["--vkey", &old]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("is not signed by the verifier key given: its signature by the log `test.example/idlib` (key ID ")
            && r.stdout.contains(") is by a key you did not give (the log's key you gave has key ID ")
            && r.stdout.contains("): this may be another log under the same name, or a forgery; only if you know that the log's admin key was rotated, get the verifier key of the admin who signed it from the log's publisher through your own channel (`claimtrail key vkey` prints the current admins' keys; an admin revoked since, who signed before the rotation, is made with `claimtrail key vkey --origin ORIGIN --pub THEIR.pub`) and check again, never with a key taken from what you are checking (the key given is that of admin, an admin whose key this log revoked at entry 8; this checkpoint is signed by Desk admin 2027: if you trust that change of key, get the new verifier key from the desk, apart from this directory, and check again)"),
        "{}",
        r.stdout
    );
    // With the new key, the directory checks out.
    check(&w, &w.path("site"), &["--vkey", &w.vkey()]).ok();
}

/// A kept checkpoint smaller than the directory's, whose full tile does
/// not exist yet: tlog-tiles says a log MUST serve its partial tiles, and
/// a client holding it gets a 404 without them. The check rebuilt the
/// tree from the entries, found the kept root at its size and called it
/// `consistent`, hiding the gap (an independent checker found it). Now
/// each tile it needs is asked for: missing, it is a problem naming the
/// kept file; publish adds it.
#[test]
fn the_partial_tiles_a_kept_checkpoint_needs_must_be_there() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp7.txt"])
        .ok();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let v = w.vkey();
    let out = check(&w, &site, &["--checkpoint", "cp7.txt"])
        .ok()
        .to_string();
    assert!(
        out.contains("read 8 entries in 1 bundle and 1 hash tile, and 2 tiles kept for readers of earlier checkpoints; head "),
        "{out}"
    );
    // As a directory published before publish wrote them has it.
    for p in ["tile/0/000.p/7", "tile/entries/000.p/7"] {
        std::fs::remove_file(site.join(p)).unwrap();
    }
    let missing = |tile: &str, covering: &str| {
        format!(
            "note: {tile} is missing{covering}: readers of the kept checkpoint cp7.txt (7 entries) fetch it until {} exists, and tlog-tiles says a log MUST serve the partial tiles of each tree size it produced a checkpoint for (a directory published by claimtrail before 2026-12-06 lacks them: publish again, which adds them; a copy that `mirror` made holds those of the checkpoints it mirrored only)\n",
            tile.split(".p/").next().unwrap()
        )
    };
    // Said, not counted as a problem: the tree and the kept checkpoint
    // are proven without them (a mirror that never fetched that
    // checkpoint lacks them too).
    let r = check(&w, &site, &["--checkpoint", "cp7.txt"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&missing("tile/0/000.p/7", "")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&missing("tile/entries/000.p/7", " (entries 0..6)")),
        "{}",
        r.stdout
    );
    // The kept tree is still the directory's.
    assert!(
        r.stdout
            .contains("checkpoint cp7.txt (size 7): consistent, signed by admin\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\nUNANCHORED: every published entry"),
        "{}",
        r.stdout
    );
    let json = check(&w, &site, &["--checkpoint", "cp7.txt", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["notes"].as_array().unwrap().len(), 2, "{doc}");
    // Without the kept file the check does not know of that checkpoint.
    check(&w, &site, &[]).ok();
    // The tree alone: the hash tile is asked for, not the bundle.
    let r = check(
        &w,
        &site,
        &["--tree-only", "--vkey", &v, "--checkpoint", "cp7.txt"],
    );
    assert!(
        r.stdout.contains(&missing("tile/0/000.p/7", "")),
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    // A later publish adds them.
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    check(&w, &site, &["--checkpoint", "cp7.txt"]).ok();

    // Once the full tile exists, the partial ones may go (the spec lets a
    // log delete them): nothing is asked for.
    w.annotations(260);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let grown = w.path("grown");
    w.run(None, &["publish", grown.to_str().unwrap()]).ok();
    assert!(!grown.join("tile/0/000.p/7").exists());
    check(&w, &grown, &["--checkpoint", "cp7.txt"]).ok();
}

/// Files under tile/ that no tlog-tiles path names, added to a directory
/// that checks out: each passed (exit 0). Each is now a problem naming the
/// rule it breaks; a web host's hidden file (.htaccess) is left alone.
#[test]
fn a_file_under_tile_that_names_no_tile_is_noted() {
    // The help says what the command does: noted, not a problem (it said
    // "a problem too" after the change).
    let w = Work::new();
    let help = w
        .run(None, &["verify-published", "--help"])
        .ok()
        .replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("is noted (a `note:` line), not a problem")
            && !help.contains("a problem too"),
        "{help}"
    );
    drop(w);
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let stray = [
        (
            "tile/0/000.p/0",
            "it is an empty tile (width 0), and tlog-tiles says empty tiles MUST NOT be served",
        ),
        (
            "tile/entries/000.p/0",
            "it is an empty tile (width 0), and tlog-tiles says empty tiles MUST NOT be served",
        ),
        (
            "tile/0/000.p/256",
            "its width W is 256, and tlog-tiles says W is between 1 and 255 (a full tile's path has no .p/<W>)",
        ),
        (
            "tile/0/000.p/007",
            "its width `007` has a leading zero, which tlog-tiles paths do not have",
        ),
        (
            "tile/0/1000.p/1",
            "its index `1000` is not N as tlog-tiles writes it (groups of three digits, all but the last prefixed x: x001/234)",
        ),
        (
            "tile/0/x000/000.p/1",
            "its index `x000/000` begins with a group of zeroes, and tlog-tiles writes N with no additional leading zeroes",
        ),
        (
            "tile/foo",
            "tiles are tile/<L>/<N>[.p/<W>] and entry bundles tile/entries/<N>[.p/<W>]",
        ),
        // It was called a tile of a larger tree than the checkpoint's.
        (
            "tile/64/000.p/1",
            "its level L is 64, and tlog-tiles says L MUST be between 0 and 63",
        ),
    ];
    for (path, why) in stray {
        let file = site.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, [0u8; 32]).unwrap();
        // Noted, not a problem: no tile of the tree is read from it.
        let r = check(&w, &site, &[]);
        assert_eq!(r.code, 0, "{}", r.stdout);
        assert!(
            r.stdout.contains(&format!(
                "note: {path} is no tlog-tiles tile's path: {why} (publish and mirror write nothing else under tile/: remove it)\n"
            )),
            "{path}: {}",
            r.stdout
        );
        std::fs::remove_file(&file).unwrap();
    }
    std::fs::write(
        site.join("tile/.htaccess"),
        "Header set Cache-Control immutable\n",
    )
    .unwrap();
    check(&w, &site, &[]).ok();
}

/// The real tessera log checked without --tree-only, under the very key
/// that signed its checkpoint: the refusal said the key given was not the
/// log's own ("give the log's verifier key too"), judging by keys the
/// entries enroll, of which there are none. It now says what happened.
#[test]
fn a_tlog_that_is_not_claimtrails_is_told_so() {
    let w = Work::new();
    let tess = w.path("tess");
    let status = std::process::Command::new("cp")
        .args([
            "-r",
            &format!("{}/tests/vectors/tessera-log", env!("CARGO_MANIFEST_DIR")),
            tess.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let key = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
    let what = "the entries enroll no admin key (no log.init or admin key.add among them passes claimtrail's rules)";
    let r = check(&w, &tess, &["--vkey", key]);
    r.problem("checkpoint", "checkpoint");
    assert!(
        r.stdout.contains(&format!(
            "checkpoint: unsigned: it is signed by the verifier key given (example.com/log/testdata+33d7b496), but {what}, so they do not make that key this log's: this is not a claimtrail log, or its log.init is damaged; a tlog that is not claimtrail's is checked with --tree-only\n"
        )),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("no key given"), "{}", r.stdout);
    let r = check(&w, &tess, &[]);
    assert!(
        r.stdout.contains(&format!(
            "checkpoint: unsigned: {what}, so none of theirs signed it: this is not a claimtrail log, or its log.init is damaged; a tlog that is not claimtrail's is checked with --tree-only and its verifier key (--vkey)\n"
        )),
        "{}",
        r.stdout
    );
    // A kept checkpoint of it is told the same way.
    let r = check(
        &w,
        &tess,
        &[
            "--vkey",
            key,
            "--checkpoint",
            tess.join("checkpoint.9").to_str().unwrap(),
        ],
    );
    assert!(
        r.stdout.contains(&format!(
            "checkpoint.9: checkpoint: unsigned: it is signed by the verifier key given (example.com/log/testdata+33d7b496), but {what}"
        )),
        "{}",
        r.stdout
    );
    // As the advice says.
    check(
        &w,
        &tess,
        &[
            "--tree-only",
            "--vkey",
            key,
            "--checkpoint",
            tess.join("checkpoint.9").to_str().unwrap(),
        ],
    )
    .ok();
}

/// The log's checkpoint signed with its key (Ed25519, a note signature)
/// under a name other than its origin, that key given under that name: the
/// refusal (the log signs under its origin, which stays) called the
/// signature "a cosignature", which it is not.
#[test]
fn a_log_signature_under_another_name_is_not_called_a_cosignature() {
    use claimtrail::checkpoint::{KeyType, SignedNote, VerifierKey};
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let cp = site.join("checkpoint");
    let note = SignedNote::parse(&std::fs::read(&cp).unwrap()).unwrap();
    let admin = Signer::load(&w.path("admin")).unwrap();
    let mut desk = SignedNote::unsigned(note.text()).unwrap();
    desk.add_signed(
        "desk",
        &admin.verifying_key(),
        &admin.sign_raw(note.text().as_bytes()).unwrap(),
    )
    .unwrap();
    std::fs::write(&cp, desk.to_string()).unwrap();
    std::fs::write(w.path("desk.txt"), desk.to_string()).unwrap();
    let vkey = VerifierKey::new("desk", KeyType::Ed25519, admin.verifying_key())
        .unwrap()
        .to_string();
    let said = "it is signed by desk but not by the log `test.example/idlib` itself: the signature by desk is a log's note signature (Ed25519) under a name other than the checkpoint's origin, and a checkpoint is the log's only when signed under its origin (the log's verifier key is the one named `test.example/idlib`)\n";
    for args in [&["--vkey", &vkey][..], &["--tree-only", "--vkey", &vkey]] {
        let r = check(&w, &site, args);
        r.problem("directory", "checkpoint");
        assert!(
            r.stdout.contains(&format!(
                "PROBLEM directory: checkpoint: {} is not signed by the verifier key given: {said}",
                cp.display()
            )),
            "{args:?}: {}",
            r.stdout
        );
        assert!(!r.stdout.contains("cosignature"), "{}", r.stdout);
    }
    // Kept, in a check of the tree alone (judged by the keys given).
    let site = w.path("site2");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let admin_vkey = w.vkey();
    let r = check(
        &w,
        &site,
        &[
            "--tree-only",
            "--vkey",
            &admin_vkey,
            "--vkey",
            &vkey,
            "--checkpoint",
            "desk.txt",
        ],
    );
    r.problem("desk.txt", "checkpoint");
    assert!(
        r.stdout.contains(&format!(
            "PROBLEM checkpoint desk.txt: checkpoint: unsigned: not signed by the verifier key given: {said}"
        )),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("cosignature"), "{}", r.stdout);
}

/// Flips a byte near the end of entry `n`'s leaf in the entry bundle at
/// `path`: inside its SSHSIG's signature, so the entry still parses and
/// its signature fails, and it no longer hashes to its leaf.
fn damage_entry(path: &Path, n: usize) {
    let mut b = std::fs::read(path).unwrap();
    let len_at = |b: &[u8], at: usize| usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    let mut at = 0;
    for _ in 0..n {
        at += 2 + len_at(&b, at);
    }
    let end = at + 2 + len_at(&b, at);
    b[end - 5] ^= 1;
    std::fs::write(path, b).unwrap();
}

/// Swaps entries `a` and `b` (a < b) of the entry bundle at `path`.
fn swap_entries(path: &Path, a: usize, b: usize) {
    let bytes = std::fs::read(path).unwrap();
    let mut entries: Vec<&[u8]> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
        entries.push(&bytes[at..at + 2 + len]);
        at += 2 + len;
    }
    entries.swap(a, b);
    std::fs::write(path, entries.concat()).unwrap();
}

/// One changed byte in one entry bundle, with the hash tiles and the
/// checkpoint as published: the tiles make the signed root, so the tree
/// is the checkpoint's, and the entry that does not hash to its leaf is
/// the fault of the bundle that holds it, named with the entry and how
/// to get a good copy. It was the correct hash tiles that "did not hold
/// the hashes of the tree its entries make", the good bundle kept for an
/// earlier checkpoint that "differed", and the checkpoint "forked: its
/// history was rewritten": 17 to 21 problems for one byte.
#[test]
fn a_damaged_entry_is_its_bundles_fault_when_the_tiles_make_the_signed_root() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    w.annotations(300);
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let v = w.vkey();
    let hint = "(publish writes a damaged file again; `claimtrail mirror` keeps the files it holds, since tiles never change, so in a copy it made, delete the file and run the mirror again)";

    // An entry of the tree's full bundle (tile/entries/000.p/7, kept for
    // the 7-entry checkpoint's readers, holds the good one).
    let d = copy_site(&w, &site, "entry");
    damage_entry(&d.join("tile/entries/000"), 6);
    let r = check(&w, &d, &["--vkey", &v]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let problems: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("PROBLEM"))
        .collect();
    assert_eq!(
        problems,
        [
            format!("PROBLEM directory: tile: tile/entries/000: entry 6 does not hash to leaf 6 of the signed tree (in tile/0/000, whose hash tiles make the checkpoint's root): the file is damaged {hint}").as_str(),
            "PROBLEM entry 6 (annotation.add A1): signature: Ed25519 signature does not verify",
        ],
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with("FAILED: 2 problems found\n"),
        "{}",
        r.stdout
    );

    // Two entries of the bundle swapped: each is the log's own, signed,
    // and says its seq, so it is out of its place, not a fork's entry
    // (which the hint would have had kept as evidence).
    let d = copy_site(&w, &site, "swapped");
    swap_entries(&d.join("tile/entries/000"), 5, 6);
    let r = check(&w, &d, &["--vkey", &v]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    for (at, says) in [(5, 6), (6, 5)] {
        let line = format!("PROBLEM directory: tile: tile/entries/000: entry {at} does not hash to leaf {at} of the signed tree (in tile/0/000, whose hash tiles make the checkpoint's root): it holds a signed entry of this log that says it is entry {says}, out of its place (files swapped or copied over one another), not another history");
        assert!(r.stdout.contains(&line), "{line}\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("fork"), "{}", r.stdout);

    // The bundle kept for the earlier checkpoint damaged: judged against
    // the leaves too, not against the start of the tree's own bundle.
    let d = copy_site(&w, &site, "kept");
    damage_entry(&d.join("tile/entries/000.p/7"), 4);
    let r = check(&w, &d, &["--vkey", &v]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("\nPROBLEM directory: tile: tile/entries/000.p/7, kept for readers of an earlier checkpoint: entry 4 does not hash to leaf 4 of the signed tree (in tile/0/000, whose hash tiles make the checkpoint's root): the file is damaged, or holds another history's entry (a fork: keep a copy as evidence before you replace it) {hint}\nFAILED: 1 problem found\n")),
        "{}",
        r.stdout
    );

    // A hash tile damaged, the entries as published: the tiles do not
    // make the root, the entries do; the tile is named, told how to
    // recover, and the tree is not forked.
    let d = copy_site(&w, &site, "tile");
    let mut t = std::fs::read(d.join("tile/0/000")).unwrap();
    t[40] ^= 1;
    std::fs::write(d.join("tile/0/000"), t).unwrap();
    let r = check(&w, &d, &["--vkey", &v]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("PROBLEM directory: tile: tile/0/000 does not hold the hashes of the tree its entries make: the file is damaged {hint}\n")),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("forked") && !r.stdout.contains("does not hash to leaf"),
        "{}",
        r.stdout
    );

    // The same damaged bundle under a checkpoint whose signature does not
    // verify: nothing says the tiles' tree is the log's, so the tree is
    // the entries' and the tiles and the checkpoint are judged by it, as
    // before.
    let d = copy_site(&w, &site, "unsigned");
    damage_entry(&d.join("tile/entries/000"), 6);
    let note = std::fs::read_to_string(d.join("checkpoint")).unwrap();
    let at = note.rfind(' ').unwrap() + 5;
    let mut b = note.into_bytes();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(d.join("checkpoint"), b).unwrap();
    let r = check(&w, &d, &[]);
    r.problem("directory", "tile");
    assert!(
        r.stdout
            .contains("tile/0/000 does not hold the hashes of the tree its entries make")
            && r.stdout.contains("checkpoint: unsigned: ")
            && !r.stdout.contains("does not hash to leaf"),
        "{}",
        r.stdout
    );
}

/// A damaged `key.add` in a published directory: the entries its key
/// signs after it are not enrolled, said as `verify` says them, the first
/// with the entry that enrolled the key, the rest in one line. It was one
/// bare `is not enrolled` line for each of them, naming no cause.
#[test]
fn the_entries_of_a_key_whose_enrolment_failed_are_said_once() {
    let w = Work::with_claims();
    w.annotations(20);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let analyst = Signer::load(&w.path("analyst")).unwrap();
    let analyst = analyst.fingerprint();
    // Entry 1 enrolls the analyst, who signs entries 3 to 26.
    damage_entry(&site.join("tile/entries/000.p/27"), 1);
    let r = check(&w, &site, &[]);
    r.problem("entry 3 (source.add S1)", "authorization");
    let problems: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("PROBLEM"))
        .collect();
    assert_eq!(
        problems[1..],
        [
            "PROBLEM entry 1 (key.add): signature: Ed25519 signature does not verify".to_string(),
            format!("PROBLEM entry 3 (source.add S1): authorization: signer {analyst} is not enrolled: entry 1 enrolled it, and that entry did not pass its checks"),
            format!("PROBLEM directory: authorization: 23 entries more, up to entry 26, signed by {analyst}, a key that only entry 1 enrolled, which did not pass its checks (said in this one line, not one by one)"),
        ],
        "{}",
        r.stdout
    );
    assert!(
        problems[0].contains("tile/entries/000.p/27: entry 1 does not hash to leaf 1 "),
        "{}",
        r.stdout
    );
}
