//! A scratch workspace per test: its own directory, database and keys, and
//! a `run` that captures stdout, stderr and the exit code together.

use std::path::{Path, PathBuf};
use std::process::Output;

pub const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/idlib-2022-07-22.txt");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
    /// Asserts a listing that found nothing: exit 0, no table on stdout
    /// (not even its header), and one line on stderr that says so, which
    /// it returns.
    #[track_caller]
    pub fn nothing(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(self.stdout.is_empty(), "a table: {}", self.stdout);
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        assert!(self.stderr.starts_with("no "), "{}", self.stderr);
        self.stderr.trim_end()
    }
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(self.stderr.is_empty(), "unexpected stderr: {}", self.stderr);
        &self.stdout
    }
    /// Asserts success with nothing on stderr but notes (`note: …`, as
    /// `claim add` writes of a claim it overlaps), and returns stdout.
    #[track_caller]
    pub fn ok_noted(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.lines().all(|l| l.starts_with("note: ")),
            "unexpected stderr: {}",
            self.stderr
        );
        &self.stdout
    }
    /// Asserts an error: exit 2, nothing on stdout, one `error: … (hint: …)` line on stderr.
    #[track_caller]
    pub fn error(&self, contains: &str) {
        assert_eq!(
            self.code, 2,
            "expected exit 2\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(self.stdout.is_empty(), "stdout on error: {}", self.stdout);
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "not one line: {}",
            self.stderr
        );
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        assert!(self.stderr.contains("(hint: "), "no hint: {}", self.stderr);
        assert!(
            self.stderr.contains(contains),
            "stderr lacks {contains:?}: {}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }
    /// Asserts verify found problems: exit 1, and a PROBLEM line naming
    /// `entry` (e.g. "entry 4 (claim.add C1)") and `check`.
    #[track_caller]
    pub fn problem(&self, entry: &str, check: &str) {
        assert_eq!(
            self.code, 1,
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let hit = self.stdout.lines().any(|l| {
            l.starts_with("PROBLEM ") && l.contains(entry) && l.contains(&format!(": {check}: "))
        });
        assert!(
            hit,
            "no PROBLEM naming {entry:?} and {check:?} in:\n{}",
            self.stdout
        );
        assert!(self.stdout.contains("FAILED"), "{}", self.stdout);
    }
}

/// SQL that takes a log back to before schema version 9 (the partial
/// indexes of the state-changing entries): the start of every older
/// version the tests make by hand.
pub const BEFORE_V9: &str = "DROP INDEX entries_claim_retract; DROP INDEX entries_annotation_retract; DROP INDEX entries_key_revoke; DROP INDEX entries_source_redact; DROP INDEX entries_source_amend; ";

/// The `seq` of each member of `doc["entries"]` (a bundle or a JSON
/// report), in order.
pub fn entry_seqs(doc: &serde_json::Value) -> Vec<u64> {
    doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

/// The cells of a row of a printed table (columns are two or more spaces
/// apart; no cell of these tests holds two spaces).
pub fn cells(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `id` of every item of a JSON list (`--json list …`).
pub fn json_ids(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).expect("a JSON list");
    v.as_array()
        .expect("a JSON list")
        .iter()
        .map(|x| x["id"].as_str().expect("an id").to_string())
        .collect()
}

pub struct Work {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Work {
    pub fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("trail.db");
        Work { dir, db }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs claimtrail with this workspace's database, signing with `key`
    /// (a file name in the workspace) when given.
    pub fn run_with(
        &self,
        key: Option<&str>,
        env: &[(&str, &str)],
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Run {
        Run::from(self.command(key, env, args, stdin).output().unwrap())
    }

    /// As [`Work::run`], but the command is killed, and the test fails,
    /// if it has not finished within `limit`: for input that a command
    /// must stop reading (`/dev/zero`).
    pub fn run_within(
        &self,
        limit: std::time::Duration,
        key: Option<&str>,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Run {
        let mut c = self.command(key, env, args, None);
        c.timeout(limit);
        Run::from(
            c.output()
                .unwrap_or_else(|e| panic!("{args:?} did not finish within {limit:?}: {e}")),
        )
    }

    /// As [`Work::run`], with standard output and standard error going
    /// where they are told (e.g. [`full_disk`]); what is not captured
    /// reads as empty.
    pub fn run_with_outputs(
        &self,
        key: Option<&str>,
        args: &[&str],
        stdout: std::process::Stdio,
        stderr: std::process::Stdio,
    ) -> Run {
        let out = self
            .std_command(key, &[], args)
            .stdin(std::process::Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .output()
            .unwrap();
        Run::from(out)
    }

    /// As [`Work::run`], with standard output on a full disk.
    pub fn run_to_full_disk(&self, key: Option<&str>, args: &[&str]) -> Run {
        self.run_with_outputs(key, args, full_disk(), std::process::Stdio::piped())
    }

    /// Runs `wrapper` (a program and its arguments) with the claimtrail
    /// binary's path and `args` after it, in this workspace and with the
    /// environment of [`Work::run`]: `sh -c 'ulimit -f 8; exec "$@"' sh`
    /// runs claimtrail under a limit.
    pub fn run_wrapped(&self, key: Option<&str>, wrapper: &[&str], args: &[&str]) -> Run {
        let claimtrail = self.std_command(key, &[], args);
        let mut c = std::process::Command::new(wrapper[0]);
        c.args(&wrapper[1..])
            .arg(claimtrail.get_program())
            .args(claimtrail.get_args())
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null());
        for (k, v) in claimtrail.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        Run::from(c.output().unwrap())
    }

    /// The claimtrail binary in this workspace, with a clean environment.
    fn command(
        &self,
        key: Option<&str>,
        env: &[(&str, &str)],
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::from(self.std_command(key, env, args));
        c.write_stdin(stdin.unwrap_or(b"").to_vec());
        c
    }

    /// Runs the commands `runs` (each signed with `key`) at once, as two
    /// analysts at two terminals: the log's write lock is held here while
    /// they start, so that each has made the checks it makes before taking
    /// the lock when the first appends (as they had when a race was found),
    /// then released. Their runs, in the order given.
    pub fn race(&self, key: &str, runs: &[&[&str]]) -> Vec<Run> {
        let holder = rusqlite::Connection::open(&self.db).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let children: Vec<_> = runs
            .iter()
            .map(|args| {
                self.std_command(Some(key), &[("CLAIMTRAIL_BUSY_TIMEOUT", "30")], args)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(700));
        holder.execute_batch("ROLLBACK").unwrap();
        children
            .into_iter()
            .map(|c| Run::from(c.wait_with_output().unwrap()))
            .collect()
    }

    /// As [`Work::command`], as a `std::process::Command`: for a test that
    /// spawns claimtrail itself (on a terminal, or to signal it).
    pub fn std_command(
        &self,
        key: Option<&str>,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("claimtrail"));
        c.current_dir(self.dir.path())
            .env_remove("CLAIMTRAIL_KEY")
            .env_remove("CLAIMTRAIL_PASSPHRASE")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("CLAIMTRAIL_NOW")
            .env_remove("VISUAL")
            .env_remove("EDITOR")
            .env_remove("COLUMNS")
            .env("CLAIMTRAIL_DB", &self.db)
            .env("NO_COLOR", "1");
        if let Some(k) = key {
            c.env("CLAIMTRAIL_KEY", self.path(k));
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.args(args);
        // No controlling terminal: claimtrail asks for a passphrase on the
        // terminal whatever its standard input is, as ssh-keygen does, and
        // `cargo test` run from a terminal would be asked. A test that
        // wants one gives it its own (`interrupt.rs`, `script`).
        // SAFETY: open, ioctl and close are async-signal-safe.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut c, || {
                let fd = libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
                if fd >= 0 {
                    libc::ioctl(fd, libc::TIOCNOTTY);
                    libc::close(fd);
                }
                Ok(())
            });
        }
        c
    }

    pub fn run(&self, key: Option<&str>, args: &[&str]) -> Run {
        self.run_with(key, &[], args, None)
    }

    /// As [`Work::run`], with the clock fixed at `now` (`CLAIMTRAIL_NOW`):
    /// an entry signed then, or a period counted back from then.
    pub fn run_at(&self, now: &str, key: Option<&str>, args: &[&str]) -> Run {
        self.run_with(key, &[("CLAIMTRAIL_NOW", now)], args, None)
    }

    /// An unencrypted key `name` in the workspace.
    pub fn key(&self, name: &str) -> String {
        let p = self.path(name);
        self.run(
            None,
            &[
                "key",
                "new",
                p.to_str().unwrap(),
                "--no-passphrase",
                "--comment",
                name,
            ],
        )
        .ok();
        name.to_string()
    }

    /// A second admin: key `admin2`, enrolled by `admin` under `name`.
    pub fn second_admin(&self, name: &str) {
        self.enroll("admin2", "admin", name);
    }

    /// A new unencrypted key `key` in the workspace, enrolled by `admin`
    /// with `role` under `name`.
    pub fn enroll(&self, key: &str, role: &str, name: &str) {
        self.key(key);
        let public = format!("{key}.pub");
        self.run(
            Some("admin"),
            &["key", "add", &public, "--role", role, "--name", name],
        )
        .ok();
    }

    /// `source add -` as the analyst: `text` on standard input, published
    /// at `url`.
    pub fn source_at(&self, url: &str, text: &[u8]) -> Run {
        self.run_with(
            Some("analyst"),
            &[],
            &["source", "add", "-", "--kind", "article", "--url", url],
            Some(text),
        )
    }

    /// Revokes the key `key` (its .pub in the workspace), signed by `by`.
    pub fn revoke(&self, by: &str, key: &str, reason: &str) {
        let public = self.path(&format!("{key}.pub"));
        self.run(
            Some(by),
            &[
                "key",
                "revoke",
                public.to_str().unwrap(),
                "--reason",
                reason,
            ],
        )
        .ok();
    }

    /// The analyst's key rotated as docs/AUDIT.md says (revoked, then a new
    /// key `analyst2` enrolled under the name), and the new key at work
    /// on what the old one signed: it supersedes A1 and retracts C2.
    pub fn rotate_analyst(&self) {
        self.revoke("admin", "analyst", "rotated");
        self.enroll("analyst2", "analyst", "Rana Haddad");
        self.run(
            Some("analyst2"),
            &["annotate", "C1", "--verdict", "false", "--supersedes", "A1"],
        )
        .ok();
        self.run(
            Some("analyst2"),
            &["claim", "retract", "C2", "--reason", "wrong speaker"],
        )
        .ok();
    }

    /// `n` annotations of C1 and C2 by the analyst, in one import.
    pub fn annotations(&self, n: usize) {
        self.annotations_noted(n, None);
    }

    /// As [`Work::annotations`], each with `note` when given: lines that an
    /// earlier import of the same `n` did not have, so that they are
    /// appended again (an import skips the lines already in the log).
    pub fn annotations_noted(&self, n: usize, note: Option<&str>) {
        let note = note.map_or(String::new(), |t| format!(",\"note\":\"{t}\""));
        let lines: String = (0..n)
            .map(|i| {
                format!(
                    "{{\"type\":\"annotation\",\"claim\":\"C{}\",\"verdict\":\"unverified\"{note}}}\n",
                    i % 2 + 1
                )
            })
            .collect();
        std::fs::write(self.path("more.jsonl"), lines).unwrap();
        // Fewer lines than an earlier call's: each repeats an annotation
        // whose later ones the file lacks, which the import notes.
        let r = self.run(Some("analyst"), &["import", "more.jsonl"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr.lines().all(|l| l.starts_with("note: line ")),
            "{}",
            r.stderr
        );
    }

    /// The log's verifier key (the first line of `key vkey`: the admin's).
    pub fn vkey(&self) -> String {
        self.run(None, &["key", "vkey"])
            .ok()
            .lines()
            .next()
            .unwrap()
            .to_string()
    }

    /// A second workspace holding a copy of this one's log and of the
    /// team's keys: appended to apart, the two are one log signed two
    /// ways (a fork).
    pub fn copy(&self) -> Work {
        let b = Work::new();
        for k in ["admin", "analyst", "auditor"] {
            for ext in ["", ".pub"] {
                let name = format!("{k}{ext}");
                std::fs::copy(self.path(&name), b.path(&name)).unwrap();
            }
        }
        std::fs::write(&b.db, self.db_bytes()).unwrap();
        b
    }

    /// A log with an admin, an analyst and an auditor enrolled.
    pub fn with_team() -> Work {
        let w = Work::new();
        w.key("admin");
        w.key("analyst");
        w.key("auditor");
        w.run(Some("admin"), &["init", "--origin", "test.example/idlib"])
            .ok();
        w.run(
            Some("admin"),
            &[
                "key",
                "add",
                "analyst.pub",
                "--role",
                "analyst",
                "--name",
                "Rana Haddad",
            ],
        )
        .ok();
        w.run(
            Some("admin"),
            &["key", "add", "auditor.pub", "--role", "auditor"],
        )
        .ok();
        w
    }

    /// The team log with the fixture as S1 and two claims C1, C2.
    pub fn with_claims() -> Work {
        let w = Work::with_team();
        let out = w.run(
            Some("analyst"),
            &[
                "source",
                "add",
                FIXTURE,
                "--kind",
                "article",
                "--publisher",
                "Al-Monitor",
                "--published",
                "2022-07-22",
            ],
        );
        assert_eq!(out.ok().trim(), "S1");
        let c1 = w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--quote",
                "Seven civilians, including four children from one family, were killed",
                "--speaker",
                "White Helmets",
                "--provenance",
                "tweet",
            ],
        );
        assert_eq!(c1.ok().trim(), "C1");
        let c2 = w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--quote",
                "At least five children were killed and nine injured",
                "--speaker",
                "Adele Khodr, UNICEF",
                "--provenance",
                "statement",
            ],
        );
        assert_eq!(c2.ok().trim(), "C2");
        let a1 = w.run(
            Some("analyst"),
            &[
                "annotate",
                "C1",
                "--verdict",
                "disputed",
                "--reliability",
                "B",
                "--credibility",
                "3",
                "--contradicts",
                "C2",
                "--note",
                "counts differ",
            ],
        );
        assert_eq!(a1.ok().trim(), "A1");
        w
    }

    /// `claim add --source S1` as the analyst, the claim found by `how`
    /// (`--quote …`, `--span …`), said by `speaker` in a tweet.
    pub fn claim_on_s1(&self, how: &[&str], speaker: &str) -> Run {
        self.claim_on("S1", how, speaker, "tweet")
    }

    /// `claim add --source SOURCE` as the analyst, the claim found by `how`,
    /// said by `speaker` and reached the source as `provenance`.
    pub fn claim_on(&self, source: &str, how: &[&str], speaker: &str, provenance: &str) -> Run {
        let mut args = vec!["claim", "add", "--source", source];
        args.extend_from_slice(how);
        args.extend_from_slice(&["--speaker", speaker, "--provenance", provenance]);
        self.run(Some("analyst"), &args)
    }

    /// `source add - --kind KIND` of `text` (standard input), signed by
    /// `key`; returns the new source's id.
    #[track_caller]
    pub fn source_from_stdin(&self, key: &str, kind: &str, text: &str) -> String {
        self.run_with(
            Some(key),
            &[],
            &["source", "add", "-", "--kind", kind],
            Some(text.as_bytes()),
        )
        .ok()
        .trim()
        .to_string()
    }

    pub fn sql(&self, sql: &str) {
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.execute_batch(sql).unwrap();
    }

    /// The log file's schema version (SQLite's `user_version`).
    pub fn schema_version(&self) -> i64 {
        rusqlite::Connection::open(&self.db)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    /// Asserts that OpenSSH's `ssh-keygen -Y verify` accepts entry `seq`'s
    /// signature as `principal`'s, given the log's `key allowed-signers`
    /// and the payload and signature that `log --seq` prints.
    #[track_caller]
    pub fn ssh_keygen_accepts(&self, seq: &str, principal: &str) {
        let files = [
            ("allowed_signers", vec!["key", "allowed-signers"]),
            ("entry.payload", vec!["log", "--seq", seq, "--payload"]),
            ("entry.sig", vec!["log", "--seq", seq, "--signature"]),
        ];
        for (name, args) in &files {
            std::fs::write(self.path(name), self.run(None, args).ok()).unwrap();
        }
        let out = ssh_keygen_verify(
            &self.path("allowed_signers"),
            principal,
            &self.path("entry.sig"),
            &self.path("entry.payload"),
        );
        assert!(
            out.status.success(),
            "ssh-keygen rejected entry {seq}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn db_bytes(&self) -> Vec<u8> {
        // Fold the WAL in first, so the main file is the whole database.
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(c);
        std::fs::read(&self.db).unwrap()
    }

    /// The entry hash stored in row `seq` of `entries`.
    pub fn entry_hash_at(&self, seq: i64) -> claimtrail::hash::Hash {
        let c = rusqlite::Connection::open(&self.db).unwrap();
        let h: Vec<u8> = c
            .query_row("SELECT hash FROM entries WHERE seq = ?", [seq], |r| {
                r.get(0)
            })
            .unwrap();
        claimtrail::hash::Hash::from_slice(&h).unwrap()
    }

    /// Signs `payload` with `signer` and writes it as row `seq` of `entries`
    /// (in place of the row there, if any), bypassing claimtrail's append
    /// path: what a key holder with write access to the file could do.
    pub fn put_signed(
        &self,
        seq: i64,
        kind: &str,
        payload: &[u8],
        signer: &claimtrail::keys::Signer,
    ) {
        let sig = signer.sign(payload).unwrap();
        let hash = claimtrail::entry::entry_hash(payload, &sig);
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.execute("DELETE FROM entries WHERE seq = ?", [seq])
            .unwrap();
        c.execute(
            "INSERT INTO entries (seq, kind, payload, sig, hash) VALUES (?, ?, ?, ?, ?)",
            rusqlite::params![seq, kind, payload, sig, &hash.0[..]],
        )
        .unwrap();
    }

    /// Appends `body` (and a source's `blob`), signed with `key`, through
    /// the library's append path but without the commands' input rules
    /// (`log::precheck`): a log written by another tool or an older
    /// claimtrail, holding texts the commands now refuse (control
    /// characters, a line break in a speaker), which every reader must
    /// still show safely. Returns the item's id.
    pub fn append_unchecked(
        &self,
        key: &str,
        body: claimtrail::model::Body,
        blob: Option<Vec<u8>>,
    ) -> String {
        let signer = claimtrail::keys::Signer::load(&self.path(key)).unwrap();
        let mut store = claimtrail::store::Store::open(&self.db).unwrap();
        let entry = claimtrail::log::NewEntry { body, blob };
        let e = claimtrail::log::append(&mut store, &signer, entry).unwrap();
        e.id.unwrap().to_string()
    }

    /// A source of `text` with these `title` and `publisher`, as
    /// [`Work::append_unchecked`] writes it.
    pub fn source_unchecked(&self, key: &str, text: &[u8], title: &str, publisher: &str) -> String {
        self.source_unchecked_at(key, text, title, publisher, None)
    }

    /// As [`Work::source_unchecked`], with the address `url`: one the
    /// commands would refuse, signed all the same.
    pub fn source_unchecked_at(
        &self,
        key: &str,
        text: &[u8],
        title: &str,
        publisher: &str,
        url: Option<&str>,
    ) -> String {
        let body = claimtrail::model::Body::SourceAdd(claimtrail::model::SourceAdd {
            author: None,
            derived_from: vec![],
            kind: claimtrail::model::SourceKind::Other,
            length: text.len() as u64,
            media_type: claimtrail::rules::MEDIA_TYPE.into(),
            published: None,
            publisher: Some(publisher.to_string()),
            retrieved: claimtrail::clock::now(),
            sha256: claimtrail::hash::Hash::sha256(text),
            title: Some(title.to_string()),
            url: url.map(str::to_string),
        });
        self.append_unchecked(key, body, Some(text.to_vec()))
    }

    /// A claim of `speaker` on bytes `span` of `source`, as
    /// [`Work::append_unchecked`] writes it.
    pub fn claim_unchecked(
        &self,
        key: &str,
        source: &str,
        span: (usize, usize),
        speaker: &str,
    ) -> String {
        let store = claimtrail::store::Store::open(&self.db).unwrap();
        let id: claimtrail::model::ItemId = source.parse().unwrap();
        let r = claimtrail::query::reference(store.conn(), id).unwrap();
        let text = claimtrail::query::source_text(store.conn(), id.n)
            .unwrap()
            .unwrap();
        let text = std::str::from_utf8(&text).unwrap();
        let kind = claimtrail::model::SourceKind::Other;
        let body = claimtrail::log::claim_body(r, text, span, speaker, kind, None).unwrap();
        drop(store);
        self.append_unchecked(key, body, None)
    }

    /// An annotation of `claim` as false, with `note`, as
    /// [`Work::append_unchecked`] writes it.
    pub fn annotation_unchecked(&self, key: &str, claim: &str, note: &str) -> String {
        let store = claimtrail::store::Store::open(&self.db).unwrap();
        let r = claimtrail::query::reference(store.conn(), claim.parse().unwrap()).unwrap();
        drop(store);
        let body = claimtrail::model::Body::AnnotationAdd(claimtrail::model::AnnotationAdd {
            claim: r,
            contradicts: vec![],
            corroborates: vec![],
            credibility: None,
            note: Some(note.to_string()),
            reliability: None,
            supersedes: None,
            verdict: claimtrail::model::Verdict::False,
        });
        self.append_unchecked(key, body, None)
    }

    /// Puts back the bytes [`Work::db_bytes`] took, with no WAL or shared
    /// memory file beside them that SQLite would apply to them.
    pub fn restore(&self, bytes: &[u8]) {
        for ext in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.db.display()));
        }
        std::fs::write(&self.db, bytes).unwrap();
    }
}

/// Where, in `bytes` (the log's file), the index `annotations_by_claim`
/// holds the row number of its cell (claim 2, row 2): a 5-byte record of
/// two 1-byte integers on the index's one leaf page. Setting that byte to
/// 3 points C2's entry at row 3 while every table stays as signed. Needs
/// A2 to be an annotation of C2.
pub fn a2_on_c2_index_row_byte(w: &Work, bytes: &[u8]) -> usize {
    let c = rusqlite::Connection::open(&w.db).unwrap();
    let root: i64 = c
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'annotations_by_claim'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let page_size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let page = ((root - 1) * page_size) as usize..(root * page_size) as usize;
    let cell = bytes[page.clone()]
        .windows(6)
        .position(|c| c == [5, 3, 1, 1, 2, 2])
        .expect("the index cell of A2 on C2");
    page.start + cell + 5
}

/// `ssh-keygen -Y verify` of the SSHSIG in `sig` over the bytes of
/// `payload`, by `principal` of the `allowed_signers` file, in claimtrail's
/// namespace: OpenSSH's own answer on an entry signature.
pub fn ssh_keygen_verify(
    allowed_signers: &Path,
    principal: &str,
    sig: &Path,
    payload: &Path,
) -> Output {
    std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(allowed_signers)
        .args(["-I", principal, "-n", "claimtrail", "-s"])
        .arg(sig)
        .stdin(std::fs::File::open(payload).unwrap())
        .output()
        .unwrap()
}

/// Leaves `<db>-wal` as a crash would (holding a write the database file
/// does not have yet), then deletes `db`, as a user might afterwards.
/// Returns the WAL's path.
pub fn delete_leaving_its_wal(db: &Path) -> PathBuf {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let kept = PathBuf::from(format!("{}-crashed", db.display()));
    {
        let c = rusqlite::Connection::open(db).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; DELETE FROM log_meta;",
        )
        .unwrap();
        // Copied while the connection is open: closing it would fold the
        // WAL into the database and delete it.
        std::fs::copy(&wal, &kept).unwrap();
    }
    std::fs::remove_file(db).unwrap();
    std::fs::rename(&kept, &wal).unwrap();
    wal
}

/// Makes a named pipe (FIFO) at `path`, which no program writes to.
pub fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success());
}

/// `/dev/full`, a disk with no space left: every write to it fails.
pub fn full_disk() -> std::process::Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

/// Every file under `dir`, by its path inside it, with its bytes, sorted.
pub fn dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Another log, `origin`, with its own admin and a checkpoint: what a
/// directory or an address of someone else's log holds.
pub fn another_log(origin: &str) -> Work {
    let other = Work::new();
    other.key("admin");
    other.run(Some("admin"), &["init", "--origin", origin]).ok();
    other.run(Some("admin"), &["checkpoint"]).ok();
    other
}

/// Runs `c` under a file size limit of `bytes` (RLIMIT_FSIZE): writes past
/// it fail with EFBIG, as on a full disk or past a quota, for root too.
/// SIGXFSZ keeps its default action, as under a shell's `ulimit -f`
/// (claimtrail ignores it itself).
pub fn limit_file_size(c: &mut std::process::Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only setrlimit, async-signal-safe, between fork and exec.
    unsafe {
        c.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            Ok(())
        });
    }
}
