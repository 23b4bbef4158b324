//! Reliability and hostile input, done for real: concurrent writers and
//! readers, storage faults, a lock held by another program, hostile text,
//! online backup.

use crate::common::*;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("claimtrail"));
    c.env_remove("CLAIMTRAIL_PASSPHRASE")
        .env_remove("CLAIMTRAIL_NOW");
    c
}

#[test]
fn four_concurrent_writers_and_readers_leave_one_linear_chain() {
    let w = Work::with_claims();
    for i in 0..3 {
        w.key(&format!("w{i}"));
        w.run(
            Some("admin"),
            &["key", "add", &format!("w{i}.pub"), "--role", "analyst"],
        )
        .ok();
    }
    let before: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
    let start = before["entries"].as_u64().unwrap();
    let keys = ["analyst", "w0", "w1", "w2"];
    let writers: Vec<_> = keys
        .iter()
        .map(|k| {
            let script = format!(
                "for i in $(seq 1 250); do \"$0\" annotate C$(( i % 2 + 1 )) --verdict unverified --note \"{k} $i\" >/dev/null || exit 1; done"
            );
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
                .env("CLAIMTRAIL_DB", &w.db)
                .env("CLAIMTRAIL_KEY", w.path(k))
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Readers run while the writers write, and see a consistent snapshot.
    let mut reads = 0;
    while reads < 15 {
        for args in [
            &["verify"][..],
            &["list", "annotations", "--json"][..],
            &["report", "--format", "json"][..],
        ] {
            let r = w.run(None, args);
            assert_eq!(
                r.code, 0,
                "{args:?} during writes: {}{}",
                r.stdout, r.stderr
            );
            reads += 1;
        }
    }
    for c in writers {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "a writer failed: {err}");
        assert!(!err.contains("locked"), "{err}");
    }
    let after: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
    assert_eq!(after["ok"], true);
    assert_eq!(after["entries"].as_u64().unwrap(), start + 1000);
    let anns: serde_json::Value =
        serde_json::from_str(w.run(None, &["list", "annotations", "--json"]).ok()).unwrap();
    for k in keys {
        let n = anns
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a["note"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&format!("{k} ")))
            })
            .count();
        assert_eq!(n, 250, "{k}");
    }
}

#[test]
fn a_lock_held_past_the_timeout_is_a_clear_error() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    let holder = rusqlite::Connection::open(&w.db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = w.run_with(
        Some("analyst"),
        &[("CLAIMTRAIL_BUSY_TIMEOUT", "1")],
        &["annotate", "C1", "--verdict", "false"],
        None,
    );
    r.error("the database is busy: another process held its lock for more than 1 s");
    // With no wait at all, the message says so, and does not speak of
    // "more than 0 s".
    let r = w.run_with(
        Some("analyst"),
        &[("CLAIMTRAIL_BUSY_TIMEOUT", "0")],
        &["annotate", "C1", "--verdict", "false"],
        None,
    );
    r.error("error: the database is busy: another process held its lock, and CLAIMTRAIL_BUSY_TIMEOUT=0 waits for none (a writer holds it while it commits; a reader too, on a log not yet in WAL mode, as a restored backup is until its first append) (hint: try again, or set CLAIMTRAIL_BUSY_TIMEOUT to the seconds it may wait; unset, it waits 30)");
    // Readers are not blocked by a writer.
    assert!(w.run(None, &["list", "claims"]).ok().contains("C2"));
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert!(before == w.db_bytes());
}

/// Runs claimtrail as the unprivileged user `nobody` (permission checks do
/// not apply to root, which CI may be).
fn as_nobody(w: &Work, key: &str, args: &[&str]) -> Option<Run> {
    if unsafe_is_root() && Command::new("setpriv").arg("--version").output().is_err() {
        return None;
    }
    let mut c = if unsafe_is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(assert_cmd::cargo::cargo_bin("claimtrail"));
        c
    } else {
        bin()
    };
    let out = c
        .args(args)
        .current_dir(w.dir.path())
        .env("CLAIMTRAIL_DB", &w.db)
        .env("CLAIMTRAIL_KEY", w.path(key))
        .output()
        .unwrap();
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn unsafe_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn read_only_database_and_directory() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    let before = w.db_bytes();
    let set = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    // The key must be readable by the unprivileged user; the database must not be writable.
    let key = w.path("analyst");
    if unsafe_is_root() {
        std::os::unix::fs::chown(&key, Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(w.path("analyst.pub"), Some(65534), Some(65534)).unwrap();
    }
    set(w.dir.path(), 0o755);
    set(&w.db, 0o444);
    let Some(r) = as_nobody(&w, "analyst", &["annotate", "C1", "--verdict", "false"]) else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"));
    // A read-only directory (no room for the -wal/-shm files) with a writable file.
    set(&w.db, 0o666);
    set(w.dir.path(), 0o555);
    std::fs::write(
        w.path("one.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    set(&w.path("one.jsonl"), 0o644);
    let r = as_nobody(&w, "analyst", &["annotate", "C1", "--verdict", "false"]).unwrap();
    // An import cannot make its lock there: said as a read-only place (it
    // said "cannot read" the lock file).
    let i = as_nobody(&w, "analyst", &["import", "one.jsonl"]).unwrap();
    set(w.dir.path(), 0o755);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    i.error("-import-lock, the lock that an import holds beside the log: permission denied (hint: the log or its directory is read-only here");
    assert!(before == w.db_bytes(), "nothing stored may change");
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

/// A team's log, writable by all of them in a shared directory, where an
/// import killed earlier left its lock file, which this user may read but
/// not write: the import takes the stale lock, removes it and goes on (it
/// was refused for good, as if the log were read-only, while `annotate`
/// worked). One this user cannot even open (another member's, 0600, as
/// imports made them before): refused with whose it is and when to remove
/// it. Red-team, session 62.
#[test]
fn an_import_takes_a_stale_lock_another_user_left_in_a_shared_directory() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    let set = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    if unsafe_is_root() {
        std::os::unix::fs::chown(w.path("analyst"), Some(65534), Some(65534)).unwrap();
    }
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{leftover}", w.db.display()));
    }
    set(&w.db, 0o666);
    set(w.dir.path(), 0o777);
    let lock = std::path::PathBuf::from(format!("{}-import-lock", w.db.display()));
    std::fs::write(&lock, "41207\n").unwrap();
    // Neither readable nor writable by the user below (when that is
    // another user).
    if unsafe_is_root() {
        set(&lock, 0o600);
        std::fs::write(
            w.path("one.jsonl"),
            "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\n",
        )
        .unwrap();
        set(&w.path("one.jsonl"), 0o644);
        if let Some(r) = as_nobody(&w, "analyst", &["import", "one.jsonl"]) {
            r.error("-import-lock, the lock that an import holds beside the log: permission denied (it belongs to user id 0, mode 600) (hint: another user's import may be running, or was killed and left it: when no import of this log runs, remove the file");
        }
    }
    // Readable, not writable: root's file 0644, or one's own 0444.
    set(&lock, if unsafe_is_root() { 0o644 } else { 0o444 });
    std::fs::write(
        w.path("one.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    set(&w.path("one.jsonl"), 0o644);
    let r = as_nobody(&w, "analyst", &["import", "one.jsonl"]);
    set(w.dir.path(), 0o755);
    let Some(r) = r else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    assert!(r.ok().contains("appended 1 entry"), "{}", r.stdout);
    assert!(!lock.exists(), "the import left its lock");
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

/// An auditor's copy on a read-only mount (file and directory read-only,
/// no -shm beside it), made by the previous claimtrail (schema version 2,
/// before retractions): it is read and verified without a byte written,
/// and a command that would add to it says that it is read-only.
#[test]
fn an_auditor_verifies_a_read_only_copy_of_an_older_log() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    w.sql(&format!("{BEFORE_V9}DROP TABLE source_amendments; DROP TABLE annotation_retractions; DROP TABLE retractions; DROP INDEX claims_by_place_and_speaker; CREATE INDEX claims_by_source ON claims(source_id); PRAGMA user_version = 2;"));
    let before = w.db_bytes();
    let set = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    if unsafe_is_root() {
        std::os::unix::fs::chown(w.path("analyst"), Some(65534), Some(65534)).unwrap();
    }
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{leftover}", w.db.display()));
    }
    set(&w.db, 0o444);
    set(w.dir.path(), 0o555);
    let runs: Option<Vec<Run>> = [
        &["verify"][..],
        &["list", "claims", "--json"],
        &["annotate", "C2", "--verdict", "false"],
    ]
    .iter()
    .map(|args| as_nobody(&w, "analyst", args))
    .collect();
    set(w.dir.path(), 0o755);
    set(&w.db, 0o644);
    let Some(runs) = runs else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    let out = runs[0].ok();
    assert!(out.contains("2 claims, 1 annotation\n"), "{out}");
    assert!(out.ends_with("OK: no problems found\n"), "{out}");
    assert_eq!(json_ids(runs[1].ok()), ["C1", "C2"]);
    runs[2].error("attempt to write a readonly database (hint: the log, its directory, or the -wal and -shm files beside it are read-only here (a reader of the log while it was read-only leaves those read-only: `chmod u+w` them; when another user, who could only read the log, made them, `ls -l` shows theirs, and they or an admin remove the two while no one uses the log): claimtrail can read it (verify, list, show, report) but not add to it; ask for write access, or work on a copy)");
    assert!(w.db_bytes() == before, "a read-only log was written to");
    // Writable again, it is migrated by the first command that appends,
    // and still verifies.
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    assert_eq!(w.schema_version(), 9);
}

/// The same copy on a read-only file system (a read-only mount, a disk
/// image, a `:ro` container volume), where SQLite fails with "cannot open"
/// (EROFS) rather than "read-only": every command that reads the log
/// could not open it before 2026-12-04. Each command runs in a mount
/// namespace of its own (`unshare -m`, root only) with the log copied onto
/// a tmpfs that is then remounted read-only.
#[test]
fn a_log_on_a_read_only_file_system_is_read_and_verified() {
    let unshare = || {
        Command::new("unshare")
            .args(["-m", "true"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !unsafe_is_root() || !unshare() {
        eprintln!("skipped: no mount namespace (unshare -m needs root)");
        return;
    }
    let w = Work::with_claims();
    let ro = w.path("ro");
    std::fs::create_dir(&ro).unwrap();
    let on_read_only_mount = |args: &[&str]| -> Run {
        let script = r#"mount -t tmpfs -o size=16m tmpfs "$RO" && cp "$LOG" "$RO/copy.db" && mount -o remount,ro "$RO" && exec "$@""#;
        let out = Command::new("unshare")
            .args(["-m", "sh", "-c", script, "sh"])
            .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
            .args(["--db", &format!("{}/copy.db", ro.display())])
            .args(args)
            .env("RO", &ro)
            .env("LOG", &w.db)
            .env_remove("CLAIMTRAIL_DB")
            .env("CLAIMTRAIL_KEY", w.path("analyst"))
            .env("NO_COLOR", "1")
            .current_dir(w.dir.path())
            .output()
            .unwrap();
        Run::from(out)
    };
    let out = on_read_only_mount(&["verify"]);
    assert!(
        out.ok().ends_with("OK: no problems found\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        json_ids(on_read_only_mount(&["list", "claims", "--json"]).ok()),
        ["C1", "C2"]
    );
    assert!(on_read_only_mount(&["show", "C1"])
        .ok()
        .contains("White Helmets"));
    on_read_only_mount(&["annotate", "C2", "--verdict", "false"]).error(
        "attempt to write a readonly database (hint: the log, its directory, or the -wal and -shm files beside it are read-only here",
    );
}

/// Appends an annotation while a reader's snapshot keeps it in the WAL (no
/// checkpoint can fold it into the file): the returned reader holds it
/// there until dropped.
fn commit_kept_in_the_wal(w: &Work) -> rusqlite::Connection {
    let reader = rusqlite::Connection::open(&w.db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .unwrap();
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .ok();
    reader
}

/// One more commit kept in the -wal as a writer that dies leaves it, then
/// `backup` (a file `backup` wrote earlier) copied over the log's file
/// beside that -wal, its -shm gone: a restore that left the -wal.
fn put_back_beside_a_crashed_writers_wal(w: &Work, backup: &str) {
    let reader = commit_kept_in_the_wal(w);
    let wal = std::fs::read(format!("{}-wal", w.db.display())).unwrap();
    assert!(!wal.is_empty());
    drop(reader);
    std::fs::copy(w.path(backup), &w.db).unwrap();
    std::fs::write(format!("{}-wal", w.db.display()), &wal).unwrap();
    let _ = std::fs::remove_file(format!("{}-shm", w.db.display()));
}

/// The bytes of the log's file and of its -wal.
fn log_files(w: &Work) -> [Vec<u8>; 2] {
    ["", "-wal"].map(|s| std::fs::read(format!("{}{s}", w.db.display())).unwrap())
}

/// A backup put back over a crashed log's file, beside the -wal the
/// crashed writer left (`cp good.db claimtrail.db`, as the hint said):
/// SQLite reads the two together, pages of two states. No command appends
/// into that (an `annotate` did, in 2 of 14 red-team runs, and the log
/// could then not be read at all); verify says the -wal may be why; moved
/// aside with its -shm, the backup verifies.
#[test]
fn a_backup_put_back_beside_a_crashed_writers_wal_is_not_written_into() {
    let w = Work::with_claims();
    w.run(None, &["backup", "good.db"]).ok();
    std::fs::write(
        w.path("long.txt"),
        "A statement read out at length. ".repeat(3000),
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "long.txt", "--kind", "statement"],
    )
    .ok();
    for c in ["C1", "C2"] {
        w.run(Some("analyst"), &["annotate", c, "--verdict", "disputed"])
            .ok();
    }
    put_back_beside_a_crashed_writers_wal(&w, "good.db");
    let before = log_files(&w);
    let r = w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"]);
    r.error("-wal), its entries hold 2 source.add where the table sources holds 1 rows; a tree of its 11 entries has 8 nodes where the table merkle_nodes holds 4: a copy put");
    r.error(": a copy put in the file's place beside that -wal reads so: the log's file is damaged or was altered outside claimtrail (hint: run `claimtrail verify` to see every problem; keep the damaged file as evidence (a backup made now copies the damage), and restore the log from a backup made before the damage (one `claimtrail backup PATH` wrote): move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy the backup in its place)");
    assert!(log_files(&w) == before, "the log's files changed");
    let v = w.run(None, &["verify"]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout.contains("PROBLEM entry 7 (source.add S2): projection: table sources has no row id=2")
            && v.stdout.contains("PROBLEM log: file: the file was read with the -wal file a writer that stopped left beside it (")
            && v.stdout.contains("move the -wal and the -shm aside and verify again"),
        "{}",
        v.stdout
    );
    std::fs::remove_file(format!("{}-wal", w.db.display())).unwrap();
    let _ = std::fs::remove_file(format!("{}-shm", w.db.display()));
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

/// The same with keys enrolled between the backup and the crash, the
/// tree brought to an even size (its stored nodes then agree in number):
/// the keys are counted too. The red team's second pair went through, and
/// verify then said "table keys has 3 rows but the entries imply 5" with
/// no -wal left to explain it.
#[test]
fn a_torn_pair_of_keys_is_not_written_into() {
    let w = Work::with_claims();
    w.run(None, &["backup", "good.db"]).ok();
    for k in ["k1", "k2"] {
        w.run(
            None,
            &[
                "key",
                "new",
                w.path(k).to_str().unwrap(),
                "--no-passphrase",
                "--comment",
                k,
            ],
        )
        .ok();
        let pubkey = format!("{k}.pub");
        w.run(
            Some("admin"),
            &[
                "key",
                "add",
                w.path(&pubkey).to_str().unwrap(),
                "--role",
                "analyst",
            ],
        )
        .ok();
    }
    put_back_beside_a_crashed_writers_wal(&w, "good.db");
    let before = log_files(&w);
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"])
        .error("its entries enroll 5 keys where the table keys holds 3 rows");
    assert!(log_files(&w) == before, "the log's files changed");
}

/// A command refused before it appends leaves a log's files as they were,
/// also commits still in its -wal: closing the last connection folded the
/// -wal into the file and deleted it, so the file a chain of custody had
/// hashed changed though nothing was appended.
#[test]
fn a_refused_command_leaves_commits_in_the_wal_where_they_are() {
    let w = Work::with_claims();
    let reader = commit_kept_in_the_wal(&w);
    for suffix in ["", "-wal"] {
        std::fs::copy(
            format!("{}{suffix}", w.db.display()),
            w.path(&format!("copy.db{suffix}")),
        )
        .unwrap();
    }
    drop(reader);
    let files = || ["copy.db", "copy.db-wal"].map(|f| std::fs::read(w.path(f)).unwrap());
    let before = files();
    assert!(!before[1].is_empty());
    w.run(
        Some("analyst"),
        &["--db", "copy.db", "annotate", "C9", "--verdict", "false"],
    )
    .error("no claim C9 in this log");
    w.run(
        Some("analyst"),
        &[
            "--db", "copy.db", "claim", "retract", "C9", "--reason", "mistyped",
        ],
    )
    .error("no claim C9 in this log");
    // An import whose one line is in the log already appends nothing.
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let line = serde_json::json!({"type": "source", "kind": "article", "text": text});
    std::fs::write(w.path("again.jsonl"), format!("{line}\n")).unwrap();
    let r = w.run(
        Some("analyst"),
        &["--db", "copy.db", "import", "again.jsonl"],
    );
    assert!(r.ok().contains("appended 0 entries"), "{}", r.stdout);
    assert!(files() == before, "the log's files changed");
    // An append then folds it as usual, and the log verifies.
    w.run(
        Some("analyst"),
        &["--db", "copy.db", "annotate", "C1", "--verdict", "false"],
    )
    .ok();
    assert!(!w.path("copy.db-wal").exists());
    assert!(w
        .run(None, &["--db", "copy.db", "verify"])
        .ok()
        .contains("OK"));
}

/// A copy with commits still in its -wal, on a read-only directory: SQLite
/// cannot make the -shm it needs, and the message said "cannot open it
/// (check permissions)" of a file anyone could read.
#[test]
fn a_read_only_copy_with_commits_in_its_wal_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    let reader = commit_kept_in_the_wal(&w);
    let ro = w.path("ro");
    std::fs::create_dir(&ro).unwrap();
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", w.db.display());
        let to = ro.join(format!("trail.db{suffix}"));
        std::fs::copy(from, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    assert!(std::fs::metadata(ro.join("trail.db-wal")).unwrap().len() > 0);
    drop(reader);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let r = as_nobody(&w, "analyst", &["--db", "ro/trail.db", "verify"]);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(r) = r else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    r.error("ro/trail.db has commits in its -wal file that SQLite can read only by making a -shm file beside them, which it cannot do in that directory (hint: copy the log and its -wal file together to a directory you can write to, and run the command on that copy (`claimtrail --db COPY backup PATH` then writes a copy that is one file))");
}

/// A read-only copy whose -wal holds an index edited below its table: the
/// views read the -wal, and so must SQLite's check of the file. That check
/// ran on a second connection opened immutable whenever the log was
/// read-only, which reads the file alone: `show C2` lost an annotation
/// while verify said OK. (Immutable only where the log itself had to be
/// opened so: a read-only directory, where a pending -wal is refused.)
#[test]
fn a_read_only_copy_is_checked_with_its_wal() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    for verdict in ["disputed", "unverified"] {
        w.run(Some("analyst"), &["annotate", "C2", "--verdict", verdict])
            .ok();
    }
    let clean = w.db_bytes();
    // The cell (claim 2, row 2) of annotations_by_claim points at row 3,
    // as in tamper.rs's `an_index_edited_below_its_table`.
    let mut edited = clean.clone();
    edited[a2_on_c2_index_row_byte(&w, &clean)] = 3;
    std::fs::write(w.path("edited.db"), &edited).unwrap();
    // The copy: the clean file, and a -wal that holds the edited pages
    // (SQLite's backup writes a WAL database's pages through its -wal).
    let ro = w.path("ro");
    std::fs::create_dir(&ro).unwrap();
    let copy = ro.join("trail.db");
    std::fs::write(&copy, &clean).unwrap();
    {
        let from = rusqlite::Connection::open(w.path("edited.db")).unwrap();
        let mut to = rusqlite::Connection::open(&copy).unwrap();
        to.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .unwrap();
        rusqlite::backup::Backup::new(&from, &mut to)
            .unwrap()
            .run_to_completion(100, std::time::Duration::ZERO, None)
            .unwrap();
    }
    let _ = std::fs::remove_file(ro.join("trail.db-shm"));
    assert!(std::fs::read(&copy).unwrap() == clean, "the file is clean");
    assert!(std::fs::metadata(ro.join("trail.db-wal")).unwrap().len() > 0);
    let set = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    for f in ["trail.db", "trail.db-wal"] {
        set(&ro.join(f), 0o444);
    }
    // Others may make the -shm there: the file is read-only, not the place.
    set(&ro, 0o777);
    set(w.dir.path(), 0o755);
    if unsafe_is_root() {
        std::os::unix::fs::chown(w.path("analyst"), Some(65534), Some(65534)).unwrap();
    }
    let shown = as_nobody(&w, "analyst", &["--db", "ro/trail.db", "show", "C2"]);
    let r = as_nobody(&w, "analyst", &["--db", "ro/trail.db", "verify"]);
    let (Some(shown), Some(r)) = (shown, r) else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    assert!(!shown.ok().contains("A2 on C2"), "{}", shown.stdout);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("PROBLEM log: file: integrity check of the file: row 2 missing from index annotations_by_claim"),
        "{}",
        r.stdout
    );
    assert!(
        std::fs::read(&copy).unwrap() == clean,
        "verify wrote to a read-only copy"
    );
}

/// A copy taken while a writer was mid-transaction, with its hot
/// -journal, on a read-only directory: opened immutable, SQLite read the
/// half-written pages as if committed (`list` showed rows never committed,
/// and verify reported tampering that never was). It is refused, as a
/// pending -wal is.
#[test]
fn a_read_only_copy_with_a_hot_journal_is_refused_not_read_half_written() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    w.run(None, &["backup", "copy.db"]).ok();
    let copy = w.path("copy.db");
    let ro = w.path("ro");
    std::fs::create_dir(&ro).unwrap();
    {
        // A writer whose cache is too small to hold its changes spills
        // them into the file before it commits; the -journal holds the
        // pages as they were.
        let c = rusqlite::Connection::open(&copy).unwrap();
        c.execute_batch("PRAGMA cache_size = 1; BEGIN; UPDATE claims SET speaker = 'forged'; UPDATE entries SET payload = zeroblob(length(payload));")
            .unwrap();
        for suffix in ["", "-journal"] {
            let to = ro.join(format!("trail.db{suffix}"));
            std::fs::copy(format!("{}{suffix}", copy.display()), &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let runs: Vec<_> = [&["list", "claims"][..], &["verify"]]
        .iter()
        .map(|args| {
            let mut a = vec!["--db", "ro/trail.db"];
            a.extend_from_slice(args);
            as_nobody(&w, "analyst", &a)
        })
        .collect();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    for r in runs {
        let Some(r) = r else {
            eprintln!("skipped: running as root without setpriv");
            return;
        };
        r.error("ro/trail.db has a -journal file left by a writer that stopped mid-transaction, which SQLite must roll back before the log can be read, and it cannot write there (hint: copy ro/trail.db and its -journal file together to a directory you can write to, and run the command on the copy)");
    }
    // Where it can write, SQLite rolls the journal back: the last commit.
    let r = w.run(None, &["--db", "ro/trail.db", "list", "claims"]);
    assert!(
        r.ok().contains("White Helmets") && !r.stdout.contains("forged"),
        "{}",
        r.stdout
    );
    w.run(None, &["--db", "ro/trail.db", "verify"]).ok();
}

/// A hot -journal beside a log in WAL mode, whose writers make none: one
/// left by another file of that name, or put there. SQLite rolled it back
/// into the log on the first open, any command's, `verify`'s too, and
/// deleted it: the file changed for good and the evidence was gone (red
/// team O, M1). It is refused, the file and the journal left as they are.
#[test]
fn a_foreign_journal_beside_a_wal_mode_log_is_refused_not_rolled_into_it() {
    let w = Work::with_claims();
    w.run(None, &["backup", "copy.db"]).ok();
    let copy = w.path("copy.db");
    {
        // A real hot journal, of the backup (a rollback-mode file): its
        // writer spilled pages into the file before it committed.
        let c = rusqlite::Connection::open(&copy).unwrap();
        c.execute_batch("PRAGMA cache_size = 1; BEGIN; UPDATE claims SET speaker = 'forged'; UPDATE entries SET payload = zeroblob(length(payload));")
            .unwrap();
        std::fs::copy(
            format!("{}-journal", copy.display()),
            format!("{}-journal", w.db.display()),
        )
        .unwrap();
    }
    let journal = format!("{}-journal", w.db.display());
    // Read as bytes: opened with SQLite, the journal would be rolled back.
    let (log, kept) = (
        std::fs::read(&w.db).unwrap(),
        std::fs::read(&journal).unwrap(),
    );
    for args in [&["verify"][..], &["status"], &["list", "claims"]] {
        w.run(None, args).error(&format!(
            "error: {journal} is a rollback journal, but the log is in WAL mode, in which SQLite writes none: it is not this log's, and opening the log would write its pages into the file (hint: move {journal} aside (keep it, if the log may have been tampered with) and run the command again)"
        ));
        assert_eq!(std::fs::read(&w.db).unwrap(), log, "{args:?}");
        assert_eq!(std::fs::read(&journal).unwrap(), kept, "{args:?}");
    }
    std::fs::rename(&journal, w.path("kept-journal")).unwrap();
    w.run(None, &["verify"]).ok();
    // One whose header is damaged: SQLite deleted it unread, so it is
    // refused too (red team R, R7); a zeroed one, as `persist` mode
    // leaves, is passed over.
    std::fs::write(&journal, [7u8; 600]).unwrap();
    w.run(None, &["verify"])
        .error("is a rollback journal, but the log is in WAL mode");
    assert_eq!(std::fs::read(&journal).unwrap(), [7u8; 600]);
    std::fs::write(&journal, [0u8; 600]).unwrap();
    w.run(None, &["verify"]).ok();
}

/// The journal SQLite leaves when the switch of a restored backup (a file
/// in rollback mode) to WAL mode is stopped after page 1 was written: the
/// header says WAL, and a hot -journal holds page 1 as it was. It is the
/// log's own, and SQLite rolls it back; refused as another log's journal,
/// it locked every command, `verify` too, out of a sound log (red team S,
/// 1: about one `annotate` in a hundred killed at random after a restore).
/// Made here byte for byte as SQLite writes it (one record, page 1, its
/// checksum), as a kill cannot be timed in a test.
#[test]
fn an_interrupted_switch_to_wal_mode_is_rolled_back_not_refused() {
    let w = Work::with_claims();
    w.run(None, &["backup", "copy.db"]).ok();
    let copy = w.path("copy.db");
    let mut file = std::fs::read(&copy).unwrap();
    assert_eq!(file[18..20], [1, 1], "a backup is in rollback mode");
    let page_size = match u16::from_be_bytes([file[16], file[17]]) {
        1 => 65536,
        n => n as usize,
    };
    let before = file[..page_size].to_vec();
    let nonce: u32 = 0x5eed_1234;
    let mut journal = vec![0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
    for word in [
        1,
        nonce,
        (file.len() / page_size) as u32,
        512,
        page_size as u32,
    ] {
        journal.extend_from_slice(&word.to_be_bytes());
    }
    journal.resize(512, 0);
    journal.extend_from_slice(&1u32.to_be_bytes());
    journal.extend_from_slice(&before);
    let mut checksum = nonce;
    let mut i = page_size - 200;
    while i > 0 {
        checksum = checksum.wrapping_add(before[i] as u32);
        i = i.saturating_sub(200);
    }
    journal.extend_from_slice(&checksum.to_be_bytes());
    file[18] = 2;
    file[19] = 2;
    file[27] = file[27].wrapping_add(1);
    file[95] = file[95].wrapping_add(1);
    std::fs::write(&copy, &file).unwrap();
    let journal_path = w.path("copy.db-journal");
    // Anything after the one record is refused: SQLite plays back every
    // segment of a journal, and a second one rewrote any page of the log
    // (red team W, H1).
    let mut longer = journal.clone();
    longer.extend_from_slice(&journal);
    std::fs::write(&journal_path, &longer).unwrap();
    w.run(None, &["--db", "copy.db", "status"])
        .error("is a rollback journal, but the log is in WAL mode");
    assert_eq!(std::fs::read(&copy).unwrap(), file);
    assert_eq!(std::fs::read(&journal_path).unwrap(), longer);
    std::fs::write(&journal_path, &journal).unwrap();
    let r = w.run(None, &["--db", "copy.db", "verify"]);
    assert!(r.ok().ends_with("OK: no problems found\n"), "{}", r.stdout);
    assert!(!journal_path.exists(), "SQLite rolled the journal back");
    assert_eq!(std::fs::read(&copy).unwrap()[..page_size], before[..]);
    w.run(
        Some("analyst"),
        &[
            "--db",
            "copy.db",
            "annotate",
            "C1",
            "--verdict",
            "unverified",
        ],
    )
    .ok();
    w.run(None, &["--db", "copy.db", "verify"]).ok();
    // The same journal beside a page 1 that differs elsewhere too is not
    // the switch's: refused as before, the file and journal left alone.
    w.run(None, &["backup", "other.db"]).ok();
    let other = w.path("other.db");
    let mut bytes = std::fs::read(&other).unwrap();
    bytes[18] = 2;
    bytes[19] = 2;
    bytes[60] ^= 1;
    std::fs::write(&other, &bytes).unwrap();
    let other_journal = w.path("other.db-journal");
    std::fs::write(&other_journal, &journal).unwrap();
    w.run(None, &["--db", "other.db", "verify"])
        .error("is a rollback journal, but the log is in WAL mode");
    assert_eq!(std::fs::read(&other).unwrap(), bytes);
    assert_eq!(std::fs::read(&other_journal).unwrap(), journal);
}

/// A named pipe where SQLite looks for the log's -journal (or -wal, -shm):
/// SQLite's open of it to see whether it holds anything blocked until a
/// writer came, and every command hung (red team W). It is refused.
#[test]
fn a_named_pipe_beside_the_log_is_refused_not_waited_on() {
    let w = Work::with_claims();
    for suffix in ["-journal", "-wal"] {
        let pipe = format!("{}{suffix}", w.db.display());
        let _ = std::fs::remove_file(&pipe);
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: no mkfifo");
            return;
        }
        for args in [&["status"][..], &["verify"]] {
            w.run(None, args).error(&format!(
                "{pipe} is not a file (a named pipe, a directory, a device or a broken link), where SQLite keeps the log's {} file, and would wait on it or fail",
                suffix.trim_start_matches('-')
            ));
        }
        std::fs::remove_file(&pipe).unwrap();
    }
    w.run(None, &["verify"]).ok();
}

/// Through a symbolic link, the -wal beside the file it leads to is the
/// log's: a reader looked for one beside the link, found none, and folded
/// the file's -wal into it (the evidence copy changed).
#[test]
fn a_reader_through_a_symbolic_link_leaves_the_files_as_they_were() {
    let w = Work::with_claims();
    let reader = commit_kept_in_the_wal(&w);
    let ev = w.path("ev");
    std::fs::create_dir(&ev).unwrap();
    for suffix in ["", "-wal"] {
        std::fs::copy(
            format!("{}{suffix}", w.db.display()),
            ev.join(format!("ev.db{suffix}")),
        )
        .unwrap();
    }
    drop(reader);
    std::os::unix::fs::symlink("ev.db", ev.join("link.db")).unwrap();
    let files = || dir_files(&ev);
    let before: Vec<_> = files()
        .into_iter()
        .filter(|(n, _)| !n.ends_with("-shm"))
        .collect();
    assert!(before
        .iter()
        .any(|(n, b)| n == "ev.db-wal" && !b.is_empty()));
    for args in [&["verify"][..], &["list", "annotations"], &["status"]] {
        let mut a = vec!["--db", "ev/link.db"];
        a.extend_from_slice(args);
        let r = w.run(None, &a);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let after: Vec<_> = files()
        .into_iter()
        .filter(|(n, _)| !n.ends_with("-shm"))
        .collect();
    assert!(
        before == after,
        "the files changed: {:?}",
        after.iter().map(|(n, b)| (n, b.len())).collect::<Vec<_>>()
    );
}

/// Forty sources of 50 KB as an import file (2 MB), and a 3.8 MB text.
fn large_import(w: &Work) {
    let lines: String = (0..40)
        .map(|i| {
            format!(
                "{{\"type\":\"source\",\"kind\":\"tweet\",\"text\":\"{i} {}\"}}\n",
                "y".repeat(50_000)
            )
        })
        .collect();
    std::fs::write(w.path("big.jsonl"), lines).unwrap();
    std::fs::write(w.path("big.txt"), "A long wire story. ".repeat(200_000)).unwrap();
    // ~3.8 MB
}

#[test]
fn a_write_the_system_refuses_is_a_clear_error_and_loses_nothing() {
    // RLIMIT_FSIZE makes writes past the limit fail (EFBIG, which SQLite
    // reports as a disk I/O error), for root too, as a quota would.
    let w = Work::with_claims();
    large_import(&w);
    let before = w.db_bytes();
    let error = "error: database error: disk I/O error (hint: the system refused to read or write the log's file: check the disk it is on (free space, quota, a file size limit such as `ulimit -f`, errors in `dmesg`) and run the command again; nothing was written to the log)";
    for args in [
        &["source", "add", "big.txt", "--kind", "news_agency"][..],
        &["import", "big.jsonl"],
    ] {
        let mut c = bin();
        c.args(args)
            .current_dir(w.dir.path())
            .env("CLAIMTRAIL_DB", &w.db)
            .env("CLAIMTRAIL_KEY", w.path("analyst"));
        limit_file_size(&mut c, 600_000);
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with(error) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
        assert!(
            before == w.db_bytes(),
            "{args:?}: a failed write must leave the log as it was"
        );
    }
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // With room, the same import goes through.
    let r = w.run(Some("analyst"), &["import", "big.jsonl"]);
    assert!(
        r.ok().contains("appended 40 entries (40 sources"),
        "{}",
        r.stdout
    );
}

/// Runs `script` with `sh` in the workspace, `$ct` the claimtrail binary,
/// in a mount namespace of its own where `small/` is a tmpfs of `size`
/// bytes: a small disk that fills up. Mounting needs root (CAP_SYS_ADMIN),
/// which the CI machine has; where it is refused this says so on stderr
/// and gives `None`, and the test checks nothing.
fn on_a_small_disk(w: &Work, key: Option<&str>, size: u64, script: &str) -> Option<Run> {
    std::fs::create_dir(w.path("small")).unwrap();
    let script = format!(
        r#"ct="$1"
mount -t tmpfs -o size={size} tmpfs small 2>/dev/null || {{ echo "cannot mount"; exit 0; }}
{script}"#
    );
    let r = w.run_wrapped(key, &["unshare", "--mount", "sh", "-c", &script, "sh"], &[]);
    if r.stdout.starts_with("cannot mount") {
        eprintln!("skipped: a tmpfs cannot be mounted here (needs root)");
        return None;
    }
    Some(r)
}

/// A full disk under the log (a tmpfs just larger than the log) is named
/// as such, and the log stays as it was and verifies.
#[test]
fn a_full_disk_under_the_log_is_named_and_changes_nothing() {
    let w = Work::with_claims();
    large_import(&w);
    w.db_bytes(); // the WAL folded in: the main file is the whole log
    let size = std::fs::metadata(&w.db).unwrap().len() + 512 * 1024;
    let script = r#"cp trail.db small/ || exit 3
export CLAIMTRAIL_DB=small/trail.db
"$ct" import big.jsonl; echo "import exited $?"
"$ct" source add big.txt --kind article; echo "source add exited $?"
"$ct" verify; echo "verify exited $?"
"$ct" --json list sources
"#;
    let Some(r) = on_a_small_disk(&w, Some("analyst"), size, script) else {
        return;
    };
    let error = "error: database error: database or disk is full (hint: the disk that holds the log is full: make room there, or move the log to a larger disk, and run the command again; nothing was written to the log)";
    assert_eq!(
        r.stderr.lines().filter(|l| l.starts_with(error)).count(),
        2,
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    for said in [
        "import exited 2\n",
        "source add exited 2\n",
        "OK: no problems found\nverify exited 0\n",
    ] {
        assert!(r.stdout.contains(said), "{said}: {}", r.stdout);
    }
    let sources = r.stdout.rsplit_once("verify exited 0\n").unwrap().1;
    assert_eq!(json_ids(sources), ["S1"]);
}

/// A full disk while an older log is migrated is a full disk: it was
/// reported as an edited header, with the advice to restore a sound log
/// from a backup.
#[test]
fn a_full_disk_during_a_migration_is_named_as_such() {
    let w = Work::with_claims();
    w.sql(&format!("{BEFORE_V9}DROP TABLE source_amendments; DROP TABLE annotation_retractions; DROP TABLE merkle_nodes; DROP TABLE checkpoints; DROP INDEX annotations_by_supersedes; DROP TABLE retractions; DROP INDEX claims_by_place_and_speaker; CREATE INDEX claims_by_source ON claims(source_id); PRAGMA user_version = 1; PRAGMA journal_mode = DELETE;"));
    // In rollback mode (a restored backup), as SQLite writes the
    // migration's pages to the -journal during its statements.
    let size = std::fs::metadata(&w.db).unwrap().len() + 256 * 1024;
    let script = r#"cp trail.db small/ || exit 3
free=$(df --output=avail -B4096 small | tail -1)
dd if=/dev/zero of=small/fill bs=4096 count=$((free - 2)) 2>/dev/null
export CLAIMTRAIL_DB=small/trail.db
"$ct" annotate C1 --verdict false; echo "annotate exited $?"
rm small/fill
"$ct" verify >/dev/null; echo "verify exited $?"
"$ct" annotate C1 --verdict false; echo "annotate exited $?"
"#;
    let Some(r) = on_a_small_disk(&w, Some("analyst"), size, script) else {
        return;
    };
    // Full before the -shm could be made, SQLite says "disk I/O error";
    // full in the migration, "database or disk is full". Either way, the
    // hint is about the disk.
    assert!(
        r.stderr.starts_with("error: database error: database or disk is full (hint: the disk that holds the log is full")
            || r.stderr.starts_with("error: database error: disk I/O error (hint: the system refused to read or write the log's file: check the disk it is on (free space"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("header"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("annotate exited 2\nverify exited 0\n")
            && r.stdout.ends_with("annotate exited 0\n"),
        "{}",
        r.stdout
    );
}

/// Every file claimtrail writes, written to a full disk (a tmpfs filled
/// up): the error names the file and says
/// to make room, nothing is left half-written, and the log is as it was:
/// `checkpoint --out` writes its file before it commits the checkpoint,
/// and `export` with an admin key its bundle before it commits the
/// checkpoint the bundle is proven in (C1's annotation, made after the
/// stored checkpoint, needs a new one).
#[test]
fn files_written_to_a_full_disk_are_named_and_leave_nothing() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed"],
    )
    .ok();
    let before = w.db_bytes();
    let script = r#"head -c 65536 /dev/zero > small/fill 2>/dev/null
export CLAIMTRAIL_KEY=admin
"$ct" checkpoint --out small/cp.txt
"$ct" backup small/copy.db
"$ct" key new small/k --no-passphrase
"$ct" report C1 --format html --out small/r.html
"$ct" export C1 --out small/c1.bundle
ls small
"#;
    let Some(r) = on_a_small_disk(&w, None, 65536, script) else {
        return;
    };
    let said: Vec<&str> = r.stderr.lines().collect();
    let files = ["cp.txt", "copy.db", "k", "r.html", "c1.bundle"];
    assert_eq!(said.len(), files.len(), "{}", r.stderr);
    for (line, file) in said.iter().zip(files) {
        assert_eq!(
            *line,
            format!("error: cannot write small/{file}: no space left on the device (hint: make room on that disk, or write the file to another one)")
        );
    }
    assert_eq!(r.stdout, "fill\n", "only the filler is on the disk");
    assert!(before == w.db_bytes(), "the log changed");
}

#[test]
fn hostile_text_is_stored_exactly_and_shown_safely() {
    let w = Work::with_team();
    let hostile =
        "Robert'); DROP TABLE entries;--\u{0}\u{1b}[31mRED\u{1b}]0;pwned\u{7}\u{202e}txet.exe\n"
            .to_string()
            + &"x".repeat(100_000)
            + "\n";
    std::fs::write(w.path("hostile.txt"), &hostile).unwrap();
    let title = "\u{1b}[2J<script>alert(1)</script>\u{202e}";
    let speaker = "\u{1b}[1mBobby\u{9b}31m";
    let note = "note \u{1b}]8;;http://evil\u{7}link";
    // The commands refuse control characters in the texts they sign (a
    // source's text is the source's, and kept exactly, but for a NUL,
    // which marks binary input), and say so escaped.
    std::fs::write(w.path("plain.txt"), "A plain statement.\n").unwrap();
    let refusals = [
        (
            vec!["source", "add", "hostile.txt", "--kind", "other"],
            "error: hostile.txt holds a NUL byte (U+0000) at offset 31",
        ),
        (
            vec!["source", "add", "plain.txt", "--kind", "other", "--title", title],
            "error: the title \\u{1b}[2J<script>alert(1)</script>\\u{202e} holds U+001B, a control character (hint: type the title again without it)",
        ),
        (
            vec!["source", "add", "plain.txt", "--kind", "other", "--title", "T\u{202e}"],
            "error: the title T\\u{202e} holds U+202E, a line separator or bidirectional control",
        ),
    ];
    for (args, said) in &refusals {
        let r = w.run(Some("analyst"), args);
        r.error(said);
        for bad in ['\u{1b}', '\u{9b}', '\u{202e}', '\u{7}'] {
            assert!(
                !r.stderr.contains(bad),
                "printed a raw {bad:?}: {}",
                r.stderr
            );
        }
    }
    // What a log written otherwise holds (another tool, an older
    // claimtrail) is stored exactly and shown safely.
    assert_eq!(
        w.source_unchecked("analyst", hostile.as_bytes(), title, "P\u{7}"),
        "S1"
    );
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "S1", "--json"]).ok()).unwrap();
    assert_eq!(
        v["source"]["sha256"].as_str().unwrap(),
        claimtrail::hash::Hash::sha256(hostile.as_bytes()).to_hex()
    );
    w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--span",
            "0..37",
            "--speaker",
            speaker,
            "--provenance",
            "other",
        ],
    )
    .error("error: the speaker \\u{1b}[1mBobby\\u{9b}31m holds U+001B, a control character");
    assert_eq!(w.claim_unchecked("analyst", "S1", (0, 37), speaker), "C1");
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false", "--note", note],
    )
    .error(
        "error: the note note \\u{1b}]8;;http://evil\\u{7}link holds U+001B, a control character",
    );
    assert_eq!(w.annotation_unchecked("analyst", "C1", note), "A1");
    for args in [
        &["list", "sources"][..],
        &["list", "claims"],
        &["show", "S1"],
        &["show", "C1"],
        &["log"],
        &["show", "S1", "--text"],
        &["list", "annotations"],
        // JSON carries the exact text with these as \u escapes (serde_json
        // alone escapes only U+0000 to U+001F: U+009B, a terminal's CSI,
        // and U+202E went out raw until 2026-12-04).
        &["show", "C1", "--json"],
        &["list", "claims", "--json"],
        &["log", "--seq", "4"],
        &["report", "C1", "--format", "json"],
        &["report", "C1", "--format", "prov"],
        &["status", "--json"],
    ] {
        let out = w.run(None, args);
        let s = out.ok();
        for bad in ['\u{1b}', '\u{9b}', '\u{202e}', '\u{7}', '\u{0}'] {
            assert!(!s.contains(bad), "{args:?} printed a raw {:?}: {s}", bad);
        }
    }
    assert!(w
        .run(None, &["show", "C1"])
        .ok()
        .contains("\\u{1b}[1mBobby"));
    let c1: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "C1", "--json"]).ok()).unwrap();
    assert_eq!(c1["claim"]["speaker"], "\u{1b}[1mBobby\u{9b}31m", "{c1}");
    // A key's name comes from its .pub file's comment, someone else's file:
    // one with control characters is refused (it could pass for another
    // name), and the refusal prints it escaped, as every command that
    // names a key does.
    w.key("mallory");
    let public = std::fs::read_to_string(w.path("mallory.pub")).unwrap();
    let mut fields = public.split_whitespace();
    let (kind, blob) = (fields.next().unwrap(), fields.next().unwrap());
    let comment = "Mal\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}lory";
    std::fs::write(w.path("mallory.pub"), format!("{kind} {blob} {comment}\n")).unwrap();
    let refused = w.run(
        Some("admin"),
        &["key", "add", "mallory.pub", "--role", "analyst"],
    );
    refused.error("the name Mal\\u{1b}]0;pwned\\u{7}\\u{9b}2J\\u{202e}lory holds U+001B, a control or invisible character");
    for bad in ['\u{1b}', '\u{9b}', '\u{202e}', '\u{7}'] {
        assert!(
            !refused.stderr.contains(bad),
            "printed a raw {bad:?}: {}",
            refused.stderr
        );
    }
    // Stored byte-exact: the text round-trips through --json.
    let t: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "S1", "--text", "--json"]).ok()).unwrap();
    assert_eq!(t["text"].as_str().unwrap(), hostile);
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // Larger than the documented limit: refused before it is loaded whole.
    let f = std::fs::File::create(w.path("huge.txt")).unwrap();
    f.set_len((16 << 20) + 1).unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "huge.txt", "--kind", "other"],
    )
    .error("larger than 16 MiB");
}

/// File names come from elsewhere too (a zip, a shared folder): one with
/// an escape sequence (setting the window's title to "verify: OK") is
/// shown escaped in what commands say on success, as errors showed it,
/// and the commands they suggest spell it as bash reads it back.
#[test]
fn paths_with_escape_sequences_are_shown_escaped() {
    let w = Work::with_claims();
    let odd = "log\u{1b}]0;verify: OK\u{7}\u{1b}[2J";
    let copy = w.path(&format!("{odd}.db"));
    let backup = w.run(None, &["backup", copy.to_str().unwrap()]);
    let out = backup.ok();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
    assert!(
        out.contains("log\\u{1b}]0;verify: OK\\u{7}\\u{1b}[2J.db"),
        "{out}"
    );
    let hint = out.lines().last().unwrap();
    let command = hint
        .strip_prefix("check it with `")
        .and_then(|h| h.strip_suffix('`'))
        .unwrap_or_else(|| panic!("{hint}"));
    assert!(command.contains("$'"), "{command}");
    // The suggested command, run by bash, opens that very file.
    let bash = Command::new("bash")
        .arg("-c")
        .arg(command.replacen("claimtrail", "\"$0\"", 1))
        .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
        .current_dir(w.dir.path())
        .env_remove("CLAIMTRAIL_DB")
        .output()
        .unwrap();
    let verified = Run::from(bash);
    assert!(
        verified.ok().ends_with("OK: no problems found\n"),
        "{}",
        verified.stdout
    );
    let status = w.run_with(
        None,
        &[("CLAIMTRAIL_DB", copy.to_str().unwrap())],
        &["status"],
        None,
    );
    assert!(!status.ok().contains('\u{1b}'), "{}", status.stdout);
}

/// A file name that is not UTF-8, or that begins with `-`: `--json` says
/// it (with U+FFFD, as JSON holds text) instead of panicking after the
/// checkpoint was signed, and the command suggested for the file names
/// that very file when bash runs it (U+FFFD named another file; `-cp.txt`
/// was read as options).
#[test]
fn odd_file_names_are_reported_and_quoted_so_that_bash_finds_them() {
    use std::os::unix::ffi::OsStrExt;
    let w = Work::with_claims();
    let odd = std::ffi::OsStr::from_bytes(b"cp\xff.txt");
    let out = w
        .std_command(Some("admin"), &[], &["--json", "checkpoint", "--out"])
        .arg(odd)
        .output()
        .unwrap();
    let run = Run::from(out);
    let doc: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
    assert_eq!(doc["file"], "cp\u{fffd}.txt");
    // The command `checkpoint` suggests for its file, run by bash.
    let suggested_verifies = |run: Run| {
        let hint = run.ok().lines().last().unwrap().to_string();
        let command = hint
            .split_once('`')
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(c, _)| c.to_string())
            .unwrap_or_else(|| panic!("{hint}"));
        let bash = Command::new("bash")
            .arg("-c")
            .arg(command.replacen("claimtrail", "\"$0\"", 1))
            .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
            .current_dir(w.dir.path())
            .env("CLAIMTRAIL_DB", &w.db)
            .output()
            .unwrap();
        let verified = Run::from(bash);
        assert!(
            verified.ok().ends_with("OK: no problems found\n"),
            "{command}: {}",
            verified.stdout
        );
    };
    std::fs::remove_file(w.dir.path().join(odd)).unwrap();
    let c = w
        .std_command(Some("admin"), &[], &["checkpoint", "--out"])
        .arg(odd)
        .output()
        .unwrap();
    suggested_verifies(Run::from(c));
    let c = w
        .std_command(Some("admin"), &[], &["checkpoint", "--out=-cp.txt"])
        .output()
        .unwrap();
    suggested_verifies(Run::from(c));
}

/// `verify` of the log at `path` passes.
fn verifies(w: &Work, path: &std::path::Path) {
    let v = w.run_with(
        None,
        &[("CLAIMTRAIL_DB", path.to_str().unwrap())],
        &["verify"],
        None,
    );
    assert!(v.ok().contains("OK"), "{}", v.stdout);
}

#[test]
fn online_backup_while_writers_write() {
    let w = Work::with_claims();
    let writer = Command::new("sh")
        .arg("-c")
        .arg("for i in $(seq 1 40); do \"$0\" annotate C1 --verdict unverified >/dev/null || exit 1; done")
        .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
        .env("CLAIMTRAIL_DB", &w.db)
        .env("CLAIMTRAIL_KEY", w.path("analyst"))
        .spawn()
        .unwrap();
    let copy = w.path("copy.db");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let b = w.run(None, &["backup", copy.to_str().unwrap()]);
    assert!(b.ok().contains("backed up"), "{}", b.stdout);
    assert!(writer.wait_with_output().unwrap().status.success());
    // One self-contained file in rollback-journal mode (FORMAT §6.1), for
    // read-only media: bytes 18 and 19 of the header are 1 (2 is WAL).
    // Backup's own check of the copy had switched it to WAL mode.
    let header = std::fs::read(&copy).unwrap();
    assert_eq!(header[18..20], [1, 1], "the copy is in WAL mode");
    verifies(&w, &copy);
    // The log's own -journal is no place for it: the next command to open
    // the log took the copy for a hot journal and deleted it.
    let journal = format!("{}-journal", w.db.display());
    w.run(None, &["backup", &journal])
        .error("-journal is the log's SQLite -journal file, which the backup would replace (hint: write the backup to another file)");
    assert!(!std::path::Path::new(&journal).exists());
    // Nor through a link to the log: SQLite names the journal after the
    // file the link leads to.
    let linked = w.path("linked.db");
    std::os::unix::fs::symlink(&w.db, &linked).unwrap();
    w.run_with(
        None,
        &[("CLAIMTRAIL_DB", linked.to_str().unwrap())],
        &["backup", &journal],
        None,
    )
    .error("-journal is the log's SQLite -journal file, which the backup would replace");
    assert!(!std::path::Path::new(&journal).exists());
    w.run(None, &["backup", copy.to_str().unwrap()])
        .error("already exists");
    // A directory: the file's name was left out.
    let r = w.run(None, &["backup", w.dir.path().to_str().unwrap()]);
    r.error("is a directory");
    assert!(r.stderr.contains("e.g. "), "{}", r.stderr);
}

#[test]
fn a_backup_finishes_though_another_process_writes_all_the_time() {
    // Copied a few pages at a time, the backup started over at every write
    // between two steps: a desk that appends every second never got one.
    let w = Work::with_claims();
    let text = "Seven civilians were killed, the White Helmets said.\n".repeat(250_000);
    w.source_from_stdin("analyst", "article", &text);
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let writes = std::sync::Arc::new(AtomicU64::new(0));
    let writer = {
        let (db, stop, writes) = (w.db.clone(), stop.clone(), writes.clone());
        std::thread::spawn(move || {
            let c = rusqlite::Connection::open(db).unwrap();
            c.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
            while !stop.load(Ordering::Relaxed) {
                // A write that leaves every value as it was: the file
                // changes (a page is written), the log does not. (Setting a
                // value to itself writes nothing: SQLite sees it is equal.)
                c.execute_batch(
                    "BEGIN IMMEDIATE;
                     UPDATE log_meta SET origin = origin || '.';
                     UPDATE log_meta SET origin = substr(origin, 1, length(origin) - 1);
                     COMMIT;",
                )
                .unwrap();
                writes.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    while writes.load(Ordering::Relaxed) < 3 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let copy = w.path("copy.db");
    let b = w.run_within(
        std::time::Duration::from_secs(120),
        None,
        &[],
        &["backup", copy.to_str().unwrap()],
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(b.ok().contains("backed up"), "{}", b.stdout);
    verifies(&w, &copy);
}

#[test]
fn backup_refuses_the_leftover_wal_of_an_earlier_database() {
    let w = Work::with_claims();
    // copy.db was a log that crashed with writes in its WAL; only the
    // database file was deleted.
    let copy = w.path("copy.db");
    w.run(None, &["backup", copy.to_str().unwrap()]).ok();
    let wal = delete_leaving_its_wal(&copy);
    w.run(None, &["backup", copy.to_str().unwrap()])
        .error("copy.db-wal holds unsaved writes of an earlier database named");
    assert!(!copy.exists());
    // Gone, the backup is made, and it verifies (with the stale WAL,
    // SQLite would have put the old page into it, and it would not).
    std::fs::remove_file(&wal).unwrap();
    w.run(None, &["backup", copy.to_str().unwrap()]).ok();
    verifies(&w, &copy);
}

#[test]
fn a_script_in_a_source_never_runs_in_the_html_report() {
    // Opened in a real headless browser: if any of these ran, the title
    // or the body would say PWNED.
    let Ok(chromium) = which("chromium") else {
        // CI (which sets CI=true) must run it: .ci/run installs chromium.
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is needed for this test in CI (apt-get install chromium)"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium to run this test)");
        return;
    };
    let w = Work::with_team();
    let attack = "<script>document.title='PWNED'</script><img src=x onerror=\"document.body.innerHTML='PWNED'\">";
    w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "article", "--title", attack],
        Some(format!("Text with {attack} inside.").as_bytes()),
    )
    .ok();
    w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "<script>",
            "--speaker",
            attack,
            "--provenance",
            "other",
        ],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false", "--note", attack],
    )
    .ok();
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
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<svg"),
        "the browser rendered nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dom.contains("<title>PWNED") && !dom.contains(">PWNED<"),
        "a script ran: {dom}"
    );
    assert!(
        dom.contains("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"),
        "the text is shown escaped"
    );
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|c| c.is_file())
        })
        .ok_or(())
}

/// An output path that names a pipe (or a terminal, `/dev/stdout`) is
/// written in place, not replaced by a file renamed over it (which, run as
/// root with `--out /dev/stdout`, would have replaced the device link); a
/// symbolic link to a file stays a link, and the file it names is updated.
#[test]
fn outputs_through_pipes_and_links_keep_them() {
    let w = Work::with_claims();
    let fifo = w.path("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    for args in [
        vec!["report", "C1", "--format", "csv", "--out"],
        vec!["checkpoint", "--out"],
    ] {
        // Read on a thread of its own; a build that replaced the pipe would
        // leave it waiting for a writer, so the answer has a deadline.
        let (tx, got) = std::sync::mpsc::channel();
        {
            let fifo = fifo.clone();
            std::thread::spawn(move || tx.send(std::fs::read_to_string(fifo).unwrap()));
        }
        let mut args = args.clone();
        args.push(fifo.to_str().unwrap());
        let run = w.run(Some("admin"), &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
            "{args:?} replaced the pipe"
        );
        let got = got
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("nothing came through the pipe");
        assert!(
            got.starts_with("log_verify,claim,") || got.starts_with("test.example/idlib\n"),
            "{args:?}: {got}"
        );
    }
    // A bundle is never written over anything that exists.
    w.run(
        Some("admin"),
        &["export", "C1", "--out", fifo.to_str().unwrap()],
    )
    .error("already exists");
    // A link to a file stays a link: the file it names is replaced.
    let kept = w.path("kept");
    std::fs::create_dir(&kept).unwrap();
    let real = kept.join("2026-12-01.cp");
    let link = w.path("current.cp");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", real.to_str().unwrap()],
    )
    .ok();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    w.run(
        Some("auditor"),
        &["checkpoint", "cosign", link.to_str().unwrap()],
    )
    .ok();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let cosigned = std::fs::read_to_string(&real).unwrap();
    assert_eq!(cosigned.matches("\n— ").count(), 2, "{cosigned}");
}

#[test]
fn a_db_path_that_begins_with_file_colon_is_a_file_name() {
    // SQLite reads `file:…` as a URI: `init` made `file:a.db`, and every
    // later command opened `a.db`, another log, and appended there.
    let w = Work::with_team();
    let run = |db: &str, key: Option<&str>, args: &[&str]| {
        let mut all = vec!["--db", db];
        all.extend_from_slice(args);
        w.run(key, &all)
    };
    run(
        "file:a.db",
        Some("admin"),
        &["init", "--origin", "test.example/colon"],
    )
    .ok();
    run(
        "a.db",
        Some("admin"),
        &["init", "--origin", "test.example/other"],
    )
    .ok();
    run("file:a.db", Some("admin"), &["checkpoint"]).ok();
    let origin_and_entries = |db: &str| {
        let s: serde_json::Value =
            serde_json::from_str(run(db, None, &["--json", "status"]).ok()).unwrap();
        (
            s["status"]["origin"].clone(),
            s["status"]["entries"].clone(),
        )
    };
    assert_eq!(
        origin_and_entries("file:a.db"),
        (
            serde_json::json!("test.example/colon"),
            serde_json::json!(2)
        )
    );
    assert_eq!(
        origin_and_entries("a.db"),
        (
            serde_json::json!("test.example/other"),
            serde_json::json!(1)
        )
    );
    assert!(w.path("file:a.db").is_file());
    run("file:a.db", None, &["verify"]).ok();
}

#[test]
fn commands_suggested_in_output_quote_paths_for_the_shell() {
    // `claimtrail --db copy $(id).db verify`, pasted, ran `id`.
    let w = Work::with_claims();
    let b = w.run(None, &["backup", "copy $(id).db"]);
    assert!(
        b.ok()
            .contains("check it with `claimtrail --db 'copy $(id).db' verify`"),
        "{}",
        b.stdout
    );
    let c = w.run(Some("admin"), &["checkpoint", "--out", "cp 1.txt"]);
    assert!(
        c.ok()
            .contains("`claimtrail verify --checkpoint 'cp 1.txt'` will prove"),
        "{}",
        c.stdout
    );
    let plain = w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"]);
    assert!(
        plain
            .ok()
            .contains("`claimtrail verify --checkpoint cp.txt` will prove"),
        "{}",
        plain.stdout
    );
}

/// `-` read from a terminal: nothing else tells the user that the command
/// waits for them to type, so one line on stderr says what it reads and
/// how to end it. Piped, the same commands say nothing of it. The
/// terminal is `script`'s (util-linux), which passes what it reads, Ctrl-D
/// included, to the command.
#[test]
fn reading_standard_input_on_a_terminal_says_how_to_end_it() {
    let w = Work::with_claims();
    let bin = assert_cmd::cargo::cargo_bin("claimtrail");
    let on_a_terminal = |key: &str, args: &str, typed: &str| {
        // The environment `Work::run` gives the command, around `script`.
        let env = w.std_command(Some(key), &[], &[]);
        let mut s = Command::new("script");
        s.current_dir(w.dir.path())
            .args(["-qec", &format!("'{}' {args}", bin.display()), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env.get_envs() {
            match v {
                Some(v) => s.env(k, v),
                None => s.env_remove(k),
            };
        }
        let mut c = s.spawn().expect("script (util-linux) runs");
        use std::io::Write;
        c.stdin.take().unwrap().write_all(typed.as_bytes()).unwrap();
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let said = on_a_terminal(
        "analyst",
        "source add - --kind statement",
        "We counted seven.\n\u{4}",
    );
    assert!(
        said.contains("reading the source's text from standard input: end it with Ctrl-D on a line of its own (Ctrl-C gives up)"),
        "{said}"
    );
    assert!(said.contains("S2"), "{said}");
    let said = on_a_terminal(
        "analyst",
        "annotate C2 --verdict unverified --note-file -",
        "No second source yet.\n\u{4}",
    );
    assert!(
        said.contains("reading the note from standard input"),
        "{said}"
    );
    let note: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", "A2", "--json"]).ok()).unwrap();
    assert_eq!(note["note"], "No second source yet.");
    let said = on_a_terminal("analyst", "import -", "\u{4}");
    assert!(
        said.contains("reading the lines to import from standard input"),
        "{said}"
    );

    // Piped: nothing of it.
    let r = w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "statement"],
        Some(b"We counted eight.\n"),
    );
    assert_eq!(r.ok(), "S3\n");
    assert_eq!(r.stderr, "");
}

/// Two `claim add`s of one claim at once: both pass the check made before
/// the write lock (the log holds neither yet), so the check is made again
/// under the lock, and the second is refused. The lock is held here while
/// both start, so that both have made their first check before either
/// appends, as they had when the race was found (10 of 10 runs).
#[test]
fn a_claim_added_twice_at_once_is_recorded_once() {
    let w = Work::with_claims();
    let args: &[&str] = &[
        "claim",
        "add",
        "--source",
        "S1",
        "--span",
        "11..20",
        "--speaker",
        "Racer",
        "--provenance",
        "tweet",
    ];
    let runs = w.race("analyst", &[args, args]);
    let ok: Vec<&Run> = runs.iter().filter(|r| r.code == 0).collect();
    let refused: Vec<&Run> = runs.iter().filter(|r| r.code != 0).collect();
    assert_eq!(
        (ok.len(), refused.len()),
        (1, 1),
        "{:?}",
        runs.iter()
            .map(|r| (&r.stdout, &r.stderr))
            .collect::<Vec<_>>()
    );
    let id = ok[0].stdout.trim();
    refused[0].error(&format!(
        "{id} already records bytes 11..20 of S1, said by Racer via tweet (hint: annotate {id} instead"
    ));
    w.run(None, &["verify"]).ok();
}

/// The same text added twice at once: the second is refused under the
/// lock, with the hint `source add` gives before it ("use S2"), not the
/// general "fix the value" (red-team round 3).
#[test]
fn a_source_added_twice_at_once_is_refused_with_its_own_hint() {
    let w = Work::with_claims();
    std::fs::write(w.path("u1.txt"), "unique text for a race\n").unwrap();
    let args: &[&str] = &["source", "add", "u1.txt", "--kind", "tweet"];
    let runs = w.race("analyst", &[args, args]);
    let ok: Vec<&Run> = runs.iter().filter(|r| r.code == 0).collect();
    let refused: Vec<&Run> = runs.iter().filter(|r| r.code != 0).collect();
    assert_eq!((ok.len(), refused.len()), (1, 1));
    let id = ok[0].stdout.trim();
    refused[0].error(&format!(
        "error: {id} already has these exact bytes (hint: use {id}; see `claimtrail show {id}`)"
    ));
}

/// An auditor's evidence copy, checked: the commands that only read leave
/// its files byte for byte as they were. A backup (rollback-journal mode)
/// was switched to WAL by `verify`, which changed its header, and a copy
/// kept with its `-wal` had the WAL folded into the database and deleted
/// when `verify` closed it. A copy of an older log (schema version 1) is
/// backed up, with its tree's root derived in memory.
#[test]
fn commands_that_only_read_leave_an_evidence_copy_as_it_was() {
    let w = Work::with_claims();
    let read_only: [&[&str]; 8] = [
        &["verify"],
        &["status"],
        &["list", "claims"],
        &["show", "C1"],
        &["log"],
        &["prove", "C1"],
        &["report", "--format", "json"],
        &["key", "list"],
    ];
    let sha = |p: &std::path::Path| std::fs::read(p).unwrap();
    // A backup, in rollback-journal mode, of a log with a checkpoint.
    w.run(Some("admin"), &["checkpoint"]).ok();
    // No empty -wal is left beside a log that had none (nothing closed
    // the log with a checkpoint once read-only commands stopped making one).
    let wal_of = |db: &std::path::Path| std::path::PathBuf::from(format!("{}-wal", db.display()));
    assert!(!wal_of(&w.db).exists());
    w.run(None, &["verify"]).ok();
    assert!(!wal_of(&w.db).exists(), "verify left a -wal behind");
    let r = w.run(None, &["backup", "copy.db"]);
    assert!(r.ok().starts_with("backed up 8 entries"), "{}", r.stdout);
    let copy = w.path("copy.db");
    let before = sha(&copy);
    for args in read_only {
        let mut all = vec!["--db", "copy.db"];
        all.extend_from_slice(args);
        w.run(None, &all).ok();
    }
    // Nor do the commands that may append when they do not: suggestions
    // not added, an export without a key, an import's dry run.
    std::fs::write(
        w.path("lines.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    w.run(None, &["--db", "copy.db", "claim", "suggest", "S1"])
        .ok();
    // With the analyst's key too (CLAIMTRAIL_KEY set, as the demo says),
    // when a checkpoint covers the entries: nothing to sign.
    w.run(
        None,
        &["--db", "copy.db", "export", "S1", "--out", "s1.bundle"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["--db", "copy.db", "export", "C1", "--out", "c1.bundle"],
    )
    .ok();
    let dry = w.run(
        Some("analyst"),
        &["--db", "copy.db", "import", "lines.jsonl", "--dry-run"],
    );
    assert!(dry.ok().contains("1 annotation"), "{}", dry.stdout);
    assert!(
        sha(&copy) == before,
        "a read-only command changed the backup"
    );
    // Nor a command that would sign, refused before it appends: no key, a
    // role that may not, a candidate that is not there. (Each opened the
    // log to write first, which switched the copy to WAL mode.)
    for (key, args, refusal) in [
        (None, &["checkpoint"][..], "no signing key given"),
        (
            None,
            &["annotate", "C1", "--verdict", "false"],
            "no signing key given",
        ),
        (
            Some("analyst"),
            &["checkpoint"],
            "may not sign checkpoint.add",
        ),
        (
            Some("analyst"),
            &["claim", "suggest", "S1", "--add", "99"],
            "is not a candidate number",
        ),
    ] {
        let mut all = vec!["--db", "copy.db"];
        all.extend_from_slice(args);
        w.run(key, &all).error(refusal);
    }
    assert!(sha(&copy) == before, "a refused command changed the backup");
    for leftover in ["-wal", "-shm", "-journal"] {
        assert!(
            !w.path(&format!("copy.db{leftover}")).exists(),
            "{leftover}"
        );
    }
    // A copy kept with its -wal, which holds commits the file lacks.
    {
        let c = rusqlite::Connection::open(&w.db).unwrap();
        // Open on the log while the analyst appends: the last connection
        // to close folds the WAL in, and this one closes after the copy.
        c.query_row("SELECT COUNT(*) FROM entries", [], |_| Ok(()))
            .unwrap();
        w.run(
            Some("analyst"),
            &["annotate", "C2", "--verdict", "disputed"],
        )
        .ok();
        let wal = format!("{}-wal", w.db.display());
        std::fs::copy(&w.db, w.path("kept.db")).unwrap();
        std::fs::copy(&wal, w.path("kept.db-wal")).unwrap();
    }
    let (db_before, wal_before) = (sha(&w.path("kept.db")), sha(&w.path("kept.db-wal")));
    for args in read_only {
        let mut all = vec!["--db", "kept.db"];
        all.extend_from_slice(args);
        w.run(None, &all).ok();
    }
    // An import's dry run too (its second connection checkpointed the WAL).
    w.run(
        Some("analyst"),
        &["--db", "kept.db", "import", "lines.jsonl", "--dry-run"],
    )
    .ok();
    assert!(
        w.run(None, &["--db", "kept.db", "verify"])
            .ok()
            .contains("9 entries"),
        "the -wal's commit is read"
    );
    assert!(
        sha(&w.path("kept.db")) == db_before,
        "the database file changed"
    );
    assert!(
        w.path("kept.db-wal").exists() && sha(&w.path("kept.db-wal")) == wal_before,
        "the -wal was folded in or changed"
    );
    // A version-1 log: its backup says its root, which no stored tree holds.
    let root = serde_json::from_str::<serde_json::Value>(w.run(None, &["verify", "--json"]).ok())
        .unwrap()["tree_root"]
        .clone();
    w.sql(&format!("{BEFORE_V9}DROP TABLE source_amendments; DROP TABLE annotation_retractions; DROP TABLE merkle_nodes; DROP TABLE checkpoints; DROP INDEX annotations_by_supersedes; DROP TABLE retractions; DROP INDEX claims_by_place_and_speaker; CREATE INDEX claims_by_source ON claims(source_id); PRAGMA user_version = 1;"));
    // An import's dry run would have to migrate it: refused, file as it was.
    let old = w.db_bytes();
    let r = w.run(Some("analyst"), &["import", "lines.jsonl", "--dry-run"]);
    r.error("was made by an older claimtrail (schema version 1), which a dry run would have to migrate (hint: import into a copy instead, which that migrates and which shows what the import would append: `claimtrail --db ");
    // The hint names this log, whatever --db or CLAIMTRAIL_DB said.
    assert!(
        r.stderr.contains(&format!(
            "`claimtrail --db {} backup copy.db && claimtrail --db copy.db import lines.jsonl`",
            w.db.display()
        )),
        "{}",
        r.stderr
    );
    assert!(w.db_bytes() == old);
    // The hint followed: the copy is migrated by the import into it.
    w.run(None, &["backup", "trial.db"]).ok();
    let r = w.run(
        Some("analyst"),
        &["--db", "trial.db", "import", "lines.jsonl"],
    );
    assert!(r.ok().contains("appended "), "{}", r.stdout);
    assert!(w.db_bytes() == old);
    let b = w.run(None, &["--json", "backup", "old.db"]);
    let b: serde_json::Value = serde_json::from_str(b.ok()).unwrap();
    assert_eq!(
        (b["entries"].clone(), b["root"].clone(), b["file"].clone()),
        (9.into(), root, "old.db".into())
    );
    // The backup copy put into use: its first append switches it to WAL
    // mode, as a log beside readers needs, and it verifies.
    w.run(
        Some("analyst"),
        &["--db", "copy.db", "annotate", "C2", "--verdict", "false"],
    )
    .ok();
    let mode: String = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(w
        .run(None, &["--db", "copy.db", "verify"])
        .ok()
        .contains("OK"));
}

/// A log file with two names (hard links): SQLite keeps a write-ahead log
/// and locks per name, so writers through the two names overwrote each
/// other's commits (all exited 0, and the log failed verify). Writers are
/// refused; readers read.
#[test]
fn a_log_with_two_names_is_not_written() {
    let w = Work::with_claims();
    w.db_bytes(); // the WAL folded in
    std::fs::hard_link(&w.db, w.path("second.db")).unwrap();
    let before = w.db_bytes();
    for db in ["trail.db", "second.db"] {
        let r = w.run(
            Some("analyst"),
            &["--db", db, "annotate", "C1", "--verdict", "false"],
        );
        r.error("has 2 names (hard links), and SQLite keeps its write-ahead log and locks by name");
        assert!(r.stderr.contains("-samefile"), "{}", r.stderr);
    }
    assert!(before == w.db_bytes(), "the log changed");
    assert!(w
        .run(None, &["--db", "second.db", "verify"])
        .ok()
        .contains("OK"));
    std::fs::remove_file(w.path("second.db")).unwrap();
    let r = w.run(Some("analyst"), &["annotate", "C1", "--verdict", "false"]);
    assert!(r.ok().starts_with('A'), "{}", r.stdout);
}

/// An import that a file size limit stops after some batches: its error
/// counts what stays committed, not the batch whose commit failed (it said
/// 150 entries where the log held 100).
#[test]
fn an_import_stopped_by_a_size_limit_counts_what_it_kept() {
    let w = Work::with_claims();
    let line = |n: usize| {
        serde_json::json!({"type": "source", "kind": "article", "text": format!("{n} {}", "words of a long dispatch ".repeat(120))})
            .to_string()
    };
    std::fs::write(
        w.path("many.jsonl"),
        (0..400).map(|n| line(n) + "\n").collect::<String>(),
    )
    .unwrap();
    let sources = || -> i64 {
        rusqlite::Connection::open(&w.db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sources", [], |r| r.get(0))
            .unwrap()
    };
    let before = sources();
    let mut c = bin();
    c.args(["import", "many.jsonl", "--batch-size", "50"])
        .current_dir(w.dir.path())
        .env("CLAIMTRAIL_DB", &w.db)
        .env("CLAIMTRAIL_KEY", w.path("analyst"));
    let limit = std::fs::metadata(&w.db).unwrap().len() + 400_000;
    limit_file_size(&mut c, limit);
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let kept = sources() - before;
    assert!(kept > 0 && kept < 400, "{kept} kept: {err}");
    assert!(
        err.contains(&format!("; {kept} entries were appended in ")),
        "{kept} kept: {err}"
    );
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

/// `backup` stopped by a file size limit says what may have refused the
/// write (it advised to check that the directory exists).
#[test]
fn a_backup_past_a_size_limit_names_the_limit() {
    let w = Work::with_claims();
    let mut c = bin();
    c.args(["backup", "copy.db"])
        .current_dir(w.dir.path())
        .env("CLAIMTRAIL_DB", &w.db);
    limit_file_size(&mut c, 40_000);
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("a quota or a file size limit (`ulimit -f`)"),
        "{err}"
    );
    assert!(!w.path("copy.db").exists());
    // Nothing of the partial copy is left: its rollback journal stayed,
    // and no later backup took it.
    let left: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".claimtrail-backup-"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
}

/// A report written past a file size limit says so in words (it said
/// "File too large (os error 27)"), and leaves nothing behind.
#[test]
fn a_report_past_a_size_limit_says_so_in_words() {
    let w = Work::with_claims();
    // A report larger than the limit, which the log's -shm (32 KiB) is not.
    let long = "a long note ".repeat(5_000);
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "false", "--note", &long],
    )
    .ok();
    let mut c = bin();
    c.args(["report", "--format", "json", "--out", "r.json"])
        .current_dir(w.dir.path())
        .env("CLAIMTRAIL_DB", &w.db);
    limit_file_size(&mut c, 33_000);
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(
            "error: cannot write r.json: the file would pass a file size limit (hint: "
        ) && !err.contains("os error"),
        "{err}"
    );
    assert!(!w.path("r.json").exists());
}

/// An entry validly signed with a key after that key's revocation (a lost
/// or stolen key kept), written into the file with its projection row and
/// tree nodes, as a writer of the file holding the key could: verify
/// rejects it, and `show` and the reports, which read the tables, said
/// "key revoked later" of it, telling a reader the verdict predated the
/// loss. They say it was signed after the revocation; what the key signed
/// before stays "revoked later".
#[test]
fn an_annotation_signed_after_its_keys_revocation_is_not_said_to_predate_it() {
    use claimtrail::model::{AnnotationAdd, Body, ItemId, Verdict};
    let w = Work::with_claims();
    w.revoke("admin", "analyst", "laptop stolen");
    let revoked = 7;
    let analyst = claimtrail::keys::Signer::load(&w.path("analyst")).unwrap();
    let body = Body::AnnotationAdd(AnnotationAdd {
        claim: crate::tamper::reference(&w, ItemId::claim(2), 5),
        verdict: Verdict::Confirmed,
        reliability: None,
        credibility: None,
        note: Some("forged".into()),
        corroborates: vec![],
        contradicts: vec![],
        supersedes: None,
    });
    let seq = crate::tamper::forge(&w, &analyst, body);
    assert_eq!(seq, 8);
    // The rows the append path would have written beside it.
    {
        let conn = rusqlite::Connection::open(&w.db).unwrap();
        let payload: Vec<u8> = conn
            .query_row(
                "SELECT payload FROM entries WHERE seq = ?",
                [seq as i64],
                |r| r.get(0),
            )
            .unwrap();
        let p = claimtrail::entry::Payload::parse(&payload).unwrap();
        for row in claimtrail::projection::rows(&p.header, &p.body, Some(2)) {
            claimtrail::projection::insert(&conn, &row).unwrap();
        }
        claimtrail::tree::TreeWriter::default()
            .append(
                &conn,
                claimtrail::merkle::LeafIndex(seq),
                w.entry_hash_at(seq as i64),
            )
            .unwrap();
    }
    let v = w.run(None, &["verify"]);
    v.problem("entry 8 (annotation.add A2)", "authorization");
    assert!(
        v.stdout
            .contains(&format!("was revoked at entry {revoked}")),
        "{}",
        v.stdout
    );

    let after = format!(
        "signed after its key was revoked at entry {revoked} (laptop stolen): `claimtrail verify` rejects it"
    );
    let before = format!("key revoked later, at entry {revoked}: laptop stolen");
    let a2 = w.run(None, &["show", "A2"]);
    let out = a2.ok();
    assert!(
        out.contains(&format!(
            "      by Rana Haddad ({}) at entry 8, 2026-11-25T10:00:00Z\n      {after}\n",
            analyst.fingerprint()
        )),
        "{out}"
    );
    assert!(!out.contains("later"), "{out}");
    // A1, signed before the revocation, stays valid and "revoked later".
    let a1 = w.run(None, &["show", "A1"]);
    assert!(
        a1.ok().contains(&format!("      {before}\n")),
        "{}",
        a1.stdout
    );
    let c2 = w.run(None, &["show", "C2"]);
    let out = c2.ok();
    assert!(
        out.contains(&format!(
            "confirmed (A2 by Rana Haddad, signed after its key was revoked at entry {revoked}: `claimtrail verify` rejects it)"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("      {after}\n")), "{out}");
    // C2 itself was signed before: "later".
    assert!(
        out.contains(&format!("; key revoked later, at entry {revoked}\n")),
        "{out}"
    );

    // The reports say verify failed first (exit 1), then the same.
    let md = w.run(None, &["report", "C2", "--format", "md"]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(md.stdout.contains("VERIFY FAILED"), "{}", md.stdout);
    assert!(
        md.stdout.contains(&format!("  - {after}\n")),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains(&format!(
            "| 8 | annotation.add | A2 | 2026-11-25T10:00:00Z | Rana Haddad (signed after its key was revoked at entry {revoked}: `claimtrail verify` rejects it) |"
        )),
        "{}",
        md.stdout
    );
    let html = w.run(None, &["report", "C2", "--format", "html"]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    assert!(
        html.stdout.contains(&format!(
            "signed after its key was revoked at entry {revoked} (laptop stolen): <code>claimtrail verify</code> rejects it"
        )),
        "{}",
        html.stdout
    );
    let csv = w.run(None, &["report", "C2", "--format", "csv"]);
    assert_eq!(csv.code, 1, "{}", csv.stderr);
    assert!(
        csv.stdout
            .contains("Rana Haddad (signed after its key was revoked): confirmed (A2)"),
        "{}",
        csv.stdout
    );
    // ClaimReview and Web Annotation publish no item of a log that fails
    // verify (their wording is checked in the library's tests).
    for format in ["claimreview", "wa"] {
        let r = w.run(None, &["report", "C2", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{format}: {}", r.stderr);
        assert!(!r.stdout.contains("revoked"), "{format}: {}", r.stdout);
    }
    // The failure is the report's own first lines: nothing on stderr.
    for r in [&md, &html, &csv] {
        assert!(r.stderr.is_empty(), "{}", r.stderr);
    }
}

/// `show A<n>` gives its claim's quote in brackets, as `show C<n>` does:
/// in “…” a quote that begins with its own quotation mark was shown with
/// two (`““This cruel war…”`), and whether the mark was the quote's could
/// not be told.
#[test]
fn show_annotation_marks_a_quote_that_begins_with_a_quotation_mark_once() {
    let w = Work::with_claims();
    let c3 = w.claim_on_s1(
        &["--quote", "“This cruel war on children needs to stop."],
        "Adele Khodr, UNICEF",
    );
    assert_eq!(c3.ok_noted().trim(), "C3");
    w.run(
        Some("analyst"),
        &["annotate", "C3", "--verdict", "confirmed"],
    )
    .ok();
    let r = w.run(None, &["show", "A2"]);
    let out = r.ok();
    assert!(
        out.starts_with(
            "A2  annotation of C3, Adele Khodr, UNICEF via tweet\n    [“This cruel war on children needs to stop.]\n\n"
        ),
        "{out}"
    );
    assert!(!out.contains("““"), "{out}");
}
