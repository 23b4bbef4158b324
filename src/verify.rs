//! The auditor: re-derives everything from the `entries` table and reports
//! every disagreement. It never prints; the CLI renders the [`Report`].
//!
//! What it proves: every entry is canonical, correctly chained and hashed,
//! signed by a key that was enrolled, unrevoked and allowed to sign it at
//! that point, refers only to earlier entries; every source text matches
//! its signed hash (or was removed by a signed redaction); every quote is
//! the source's bytes at its span; and every projection table is exactly
//! what the entries imply. What it cannot prove on its own: that the log
//! was not truncated or rewritten wholesale by someone holding an admin key
//! — only a checkpoint kept outside the database can show that.
//!
//! # How it runs (docs/PERFORMANCE.md has the figures)
//!
//! Rows stream from one read transaction in chunks of [`CHUNK`], so memory
//! stays flat whatever the log's size, but for what the rules must remember
//! of every valid entry: keys, redactions, retractions, and the text hash of
//! each source (about 50 bytes a source). Each chunk goes through two stages:
//!
//! 1. in parallel on all cores (rayon), in groups of [`sigcheck::GROUP`]:
//!    the entry hash, the payload's canonical form and parse, the SSHSIG
//!    parse, and the Ed25519 check of the signature against the key
//!    *inside* the SSHSIG, batched ([`sigcheck`] has the rule, the same for
//!    a batch and for one signature);
//! 2. in order, on the calling thread: everything that depends on the log
//!    before the entry — sequence, chain, header, whether the SSHSIG key
//!    is the signer's enrolled key (a byte comparison), authorization, body
//!    rules and references, source texts, projection rows, tree nodes.
//!
//! While stage 2 runs on one chunk, stage 1 already works on the next ones.
//! Items referred to by later entries are kept in a bounded cache; a miss
//! reads the entry back from `entries` and derives the same answer, so the
//! cache changes the speed, never the result. Projection tables and tree
//! levels are read beside the entries as merge-join cursors (`Scans`),
//! one sequential pass each instead of a lookup per row.

use crate::entry::{entry_hash, Payload, PayloadError};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::log::table_of;
use crate::merkle::TreeSize;
use crate::model::*;
use crate::projection;
use crate::rules::{self, Check, History, KeyInfo, SourceInfo, Violation};
use crate::sigcheck;
use crate::store::Store;
use crate::text::SourceText;
use fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One problem found: the entry (when there is one), the check, and what.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub seq: Option<Seq>,
    /// The entry's kind as its row names it (which may be what is wrong).
    pub kind: Option<String>,
    /// The item the entry makes, if any.
    pub id: Option<ItemId>,
    /// For a problem with a kept checkpoint (`verify --checkpoint`): its
    /// name; `null` for a problem of the log itself.
    pub checkpoint: Option<String>,
    pub check: Check,
    pub detail: String,
}

/// Counts of what the log holds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub keys: u64,
    pub revoked_keys: u64,
    pub sources: u64,
    pub redacted_sources: u64,
    /// Valid `source.amend` entries: corrections of sources' metadata.
    pub source_amendments: u64,
    pub claims: u64,
    pub retracted_claims: u64,
    pub annotations: u64,
    /// Annotations withdrawn by a valid `annotation.retract`.
    pub retracted_annotations: u64,
    /// Valid `checkpoint.add` entries: checkpoints signed into the log.
    pub checkpoints: u64,
    /// The tree size of the latest of them: entries from there on are
    /// covered by no checkpoint stored in the log yet.
    pub latest_checkpoint: Option<TreeSize>,
}

/// The verdict of a verify run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub origin: Option<String>,
    pub entries: u64,
    pub head: Option<Hash>,
    pub counts: Counts,
    pub checks: Vec<&'static str>,
    pub ok: bool,
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed (the list is capped).
    pub more_problems: u64,
    /// Tree size and root of the log as verified.
    pub tree_size: TreeSize,
    pub tree_root: Hash,
    /// Kept checkpoints checked against the log (`verify --checkpoint`).
    pub checkpoints: Vec<CheckpointCheck>,
}

/// How many problems are listed in full unless the caller asks for another
/// limit ([`verify_listing`]); the rest are only counted
/// ([`Report::more_problems`]), so that the report of a badly damaged
/// million-entry log stays small. Which problems are listed is the order
/// verify finds them in: the schema's and the file's first (SQLite's own
/// checks, found last but listed whatever the cap: they explain the
/// rest), then entry by entry, then what can only be judged at the end
/// (source texts no entry accounts for, rows no entry implies).
pub const MAX_LISTED: usize = 1000;

/// Rows read from SQLite per chunk: one signature batch per core on this
/// 2-core machine, and small enough that memory stays flat (about 3 MB per
/// chunk in flight, at most `IN_FLIGHT` + 1 chunks; 4,096 cost 20 MB more
/// at the peak and no speed).
pub const CHUNK: usize = 2 * sigcheck::GROUP;

/// A chunk also ends once it holds this many bytes, so that the chunks in
/// flight stay a few megabytes whatever the rows hold: an honest entry is
/// about 900 bytes (a chunk of [`CHUNK`] rows is about 2 MB), but verify
/// reads files it does not trust, and a payload may be up to a megabyte
/// ([`crate::entry::MAX_PAYLOAD`]; a longer one is read, then refused).
pub const CHUNK_BYTES: usize = 4 << 20;

/// Chunks handed to stage 1 ahead of stage 2: with more than one, a core
/// that finishes its group early starts on the next chunk's instead of
/// waiting for stage 2 to catch up. Stage 2's time per chunk varies (a
/// cache miss reads an old entry back), so a deeper queue keeps both cores
/// busy through its slow chunks: verifying the bench's million entries took
/// 21.4–22.0 s with 8 against 23.9–24.6 s with 3 (alternated runs), for
/// about 25 MB more at the peak; 12 was no faster.
const IN_FLIGHT: usize = 8;

/// Verifies the whole log. Errors only when it cannot run at all (the
/// file cannot be read); everything wrong *in* the log is a [`Problem`].
pub fn verify(store: &Store) -> Result<Report> {
    verify_with(store, &[])
}

/// A checkpoint an auditor kept outside the database: a name for reports
/// (e.g. its file name) and its bytes.
#[derive(Clone)]
pub struct KeptCheckpoint {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl KeptCheckpoint {
    /// Reads a kept checkpoint file, named by its path. A file longer than
    /// a note may be is read one byte past that, and refused by the note's
    /// parser, which says so.
    pub fn read(path: &std::path::Path) -> Result<KeptCheckpoint> {
        Ok(KeptCheckpoint {
            name: path.display().to_string(),
            bytes: crate::files::read_capped(path, crate::checkpoint::MAX_NOTE_BYTES as u64)?,
        })
    }

    /// Reads the kept checkpoint files a command was given, each note
    /// once: a file given twice, or two files with the same bytes, is one
    /// checkpoint, judged once and named by its first path (each copy had
    /// been judged, and a fork counted, as often as it was given).
    pub fn read_all(paths: &[std::path::PathBuf]) -> Result<Vec<KeptCheckpoint>> {
        let mut kept: Vec<KeptCheckpoint> = Vec::with_capacity(paths.len());
        for path in paths {
            let k = KeptCheckpoint::read(path)?;
            if !kept.iter().any(|o| o.bytes == k.bytes) {
                kept.push(k);
            }
        }
        Ok(kept)
    }

    /// The checkpoint its note states, read as `verify --checkpoint` reads
    /// it (a file that is no checkpoint: exit 2, saying why). Its
    /// signatures are not checked here.
    pub fn checkpoint(&self) -> Result<crate::checkpoint::Checkpoint> {
        Ok(parse_kept(std::slice::from_ref(self))?.remove(0).2)
    }
}

/// A kept checkpoint as read: its name, its note and the checkpoint the
/// note's text states.
pub(crate) type KeptNote = (
    String,
    crate::checkpoint::SignedNote,
    crate::checkpoint::Checkpoint,
);

/// What a kept checkpoint says of the log, worst last: a forked log was
/// rewritten, a truncated one cut short; an unsigned or foreign checkpoint
/// proves nothing about this log, nor does one not compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointStatus {
    /// Signed by an admin enrolled at its size (with verifier keys given:
    /// by one of those), and the log still holds its tree.
    Consistent,
    /// Signed by the log, but of another size than the one tree at hand
    /// (a bundle's checkpoint, which carries no consistency proof): not a
    /// finding, and no proof of anything about the tree either way.
    #[serde(rename = "not_compared")]
    NotCompared,
    /// Of another log (its origin differs).
    Foreign,
    /// No admin enrolled at its size signed it (an auditor's cosignature
    /// alone is not the log's signature).
    Unsigned,
    /// It commits to more entries than the log has.
    Truncated,
    /// The log's first `size` entries no longer hash to its root; or, of
    /// a bundle, the bundle's checkpoint is of the same size with another
    /// root: the log's key signed two trees of one size.
    Forked,
}

impl CheckpointStatus {
    /// Whether this verdict is a problem: every one but `consistent` and
    /// `not compared` (which says only that no comparison could be made).
    pub fn is_finding(self) -> bool {
        !matches!(
            self,
            CheckpointStatus::Consistent | CheckpointStatus::NotCompared
        )
    }
}

impl std::fmt::Display for CheckpointStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CheckpointStatus::Consistent => "consistent",
            CheckpointStatus::Foreign => "foreign",
            CheckpointStatus::Unsigned => "unsigned",
            CheckpointStatus::Truncated => "truncated",
            CheckpointStatus::Forked => "forked",
            CheckpointStatus::NotCompared => "not compared",
        })
    }
}

/// What verify concluded about one kept checkpoint.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointCheck {
    pub name: String,
    pub size: TreeSize,
    pub root: Hash,
    pub status: CheckpointStatus,
    /// Who signed it (names of keys that verified).
    pub signed_by: Vec<String>,
    /// Its signature lines by no key it was judged by (`name+keyid`):
    /// a witness's, a key revoked before its size or enrolled after, or a
    /// line altered. Not checked, so they add nothing to `signed_by`, and
    /// not a finding (a note may carry any number of other signatures);
    /// listed so that a cosignature that does not count is not silently
    /// dropped. `[]` when there are none.
    pub unchecked_lines: Vec<String>,
    pub detail: String,
}

/// Verifies the log and, for each kept checkpoint, that a key enrolled
/// (admin, or auditor cosigning) at that size signed it and that the log
/// still contains that tree. Both are judged from the entries themselves:
/// the keys are those the entries enrolled and revoked, and the tree is the
/// one verify re-derives from the entries' computed hashes, whose root at
/// the checkpoint's size must be the checkpoint's root (which is what a
/// consistency proof from that size establishes, with every leaf at hand).
/// A checkpoint larger than the log means the log was truncated; a root
/// that the log no longer reproduces means its history was rewritten. The
/// `keys`, `revocations` and `merkle_nodes` tables are not consulted: an
/// edited table is a `projection` problem, never a reason to call a
/// rewritten history consistent.
pub fn verify_with(store: &Store, kept: &[KeptCheckpoint]) -> Result<Report> {
    verify_with_progress(store, kept, &mut |_, _| {})
}

/// A file that will not open as a claimtrail log (`e`: not SQLite, another
/// application's, a format SQLite does not read) but still holds
/// claimtrail's schema where SQLite keeps it: a log whose header bytes were
/// damaged or edited, or one read with another database's -wal beside it.
/// That is a finding (exit 1, under `file`), not a wrong path (exit 2):
/// one changed byte of the header turned "tampered" into "usage error".
pub fn damaged_header(path: &std::path::Path, e: &Error) -> Option<Report> {
    use std::io::Read;
    // Only an error that says what the bytes are: a disk that is full or
    // failing, a file or -shm that cannot be made or locked, memory
    // running out, say nothing of the log. On a full disk with no -shm
    // beside the log, SQLite's "disk I/O error" was reported here as a
    // damaged header (and, with commits in the -wal, advice to move the
    // -wal aside that would have dropped them): it is the system's
    // failure, exit 2 with the disk's hint, as every other command says.
    use rusqlite::ErrorCode as C;
    let environmental = |code: C| {
        matches!(
            code,
            C::SystemIoFailure
                | C::DiskFull
                | C::CannotOpen
                | C::PermissionDenied
                | C::ReadOnly
                | C::OutOfMemory
                | C::DatabaseBusy
                | C::DatabaseLocked
                | C::FileLockingProtocolFailed
                | C::OperationInterrupted
        )
    };
    let candidate = matches!(e, Error::NotADatabase { .. })
        || matches!(e, Error::Sqlite(err) if err.sqlite_error_code().is_some_and(|c| !environmental(c)));
    // A device or a pipe is no log (and a pipe with no writer would hang
    // the read below).
    let len = match std::fs::metadata(path) {
        Ok(m) if candidate && m.is_file() => m.len(),
        _ => return None,
    };
    // SQLite keeps the schema's text on the first pages: 1 MiB holds it
    // for every page size.
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    let holds = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    // A database file is whole pages of binary records: a text holding
    // the same statements (the schema's .sql, a dump) never was a log.
    let pages = len >= 1024 && len % 512 == 0 && head.contains(&0);
    if !(pages && holds(b"CREATE TABLE entries (") && holds(b"CREATE TABLE log_meta (")) {
        return None;
    }
    let why = match crate::store::has_pending_wal(path) {
        true => format!(
            ": the -wal file beside it ({}), which SQLite reads with it, is another database's or damaged, or the file's header is: move the -wal aside to check the file alone, or restore the log from a backup",
            crate::store::sibling(path, "-wal").display()
        ),
        false => format!(" ({e}): its header was damaged or altered; {}", crate::error::RESTORE),
    };
    let mut report = unreadable(e);
    report.problems[0].detail = format!(
        "the file holds claimtrail's tables, but SQLite cannot open it as a claimtrail log{why}"
    );
    Some(report)
}

/// The report on a log whose file SQLite cannot even open as a database
/// (`e`, an error that [`Error::is_damage`]): its first page damaged, or
/// the file cut short; or whose header names a schema version its tables
/// are not of ([`Error::EditedHeader`]). A damaged log is a finding (exit 1), as a damaged
/// page met while reading the entries is, not a failure to run.
pub fn unreadable(e: &Error) -> Report {
    // A header that names a schema version its tables are not of: the
    // file was altered (a finding under `schema`), not one verify cannot
    // run on (it exited 2, which a script reads as "could not check").
    let (check, detail) = match e {
        Error::EditedHeader { .. } => (
            Check::Schema,
            format!(
                "{e}: its header (PRAGMA user_version) was changed; {}",
                crate::error::RESTORE
            ),
        ),
        e => (
            Check::File,
            format!(
                "the file is damaged: SQLite cannot open it as a database ({}); {}",
                e.sqlite_message(),
                crate::error::RESTORE
            ),
        ),
    };
    Report {
        origin: None,
        entries: 0,
        head: None,
        counts: Counts::default(),
        // The one check that ran (`--json` listed all fifteen, as if each
        // had run on a file none could read).
        checks: vec![check.as_str()],
        ok: false,
        problems: vec![Problem {
            seq: None,
            kind: None,
            id: None,
            checkpoint: None,
            check,
            detail,
        }],
        more_problems: 0,
        tree_size: TreeSize(0),
        tree_root: crate::merkle::empty_root(),
        checkpoints: Vec::new(),
    }
}

/// [`verify_with`], calling `progress(entries_done, entries_total)` after
/// each chunk (the total is the last seq + 1, read at the start).
pub fn verify_with_progress(
    store: &Store,
    kept: &[KeptCheckpoint],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    verify_listing(store, kept, Some(MAX_LISTED), progress)
}

/// [`verify_with_progress`], listing at most `listed` problems in full
/// (`None`: all of them; the report then grows with the damage, about 200
/// bytes a problem, where the default keeps it under a megabyte). The
/// limit changes what is listed, never what is checked: `ok` and the
/// number of problems are the same whatever it is.
pub fn verify_listing(
    store: &Store,
    kept: &[KeptCheckpoint],
    listed: Option<usize>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    // Read before the log, so that a file that is not a checkpoint stops
    // verify at once (exit 2) rather than after the whole log.
    let notes = parse_kept(kept)?;
    let conn = store.conn();
    // One snapshot for the whole run: its own read transaction, or the
    // caller's when one is open (a report reads what it shows in the
    // snapshot that verify checked).
    let own = crate::store::snapshot(conn)?;
    let tx: &rusqlite::Connection = own.as_deref().unwrap_or(conn);
    let mut v = Verifier::new(tx, Caches::DEFAULT);
    v.listed = listed.unwrap_or(usize::MAX);
    v.roots_at = notes.iter().map(|(_, _, cp)| (cp.size.0, None)).collect();
    if let Some(slot) = v.roots_at.get_mut(&0) {
        *slot = Some(crate::merkle::empty_root());
    }
    // The schema first: an object added to the file (a trigger, a view)
    // is a finding whatever the rows hold, and a table dropped or made
    // otherwise can stop the reading below.
    let schema = crate::schema::differences(tx)?;
    for d in &schema {
        v.problem(None, None, None, Check::Schema, d.to_string());
    }
    // SQLite's own check of the file runs beside the entries' checks, on a
    // second connection (the cores are not all busy at the start and the
    // end); on this one, after them, if no second one can be opened.
    let integrity = store
        .reader()
        .ok()
        .map(|c| std::thread::spawn(move || sqlite_checks(&c, false)));
    // A damaged file read with a -wal beside it may be a copy put back
    // (a restore) beside the -wal of a later state, which SQLite reads
    // with whatever file has that name: the pair reads as damage while
    // the file alone may be whole. The findings say so.
    let wal_path = crate::store::sibling(store.path(), "-wal");
    let wal = match store.wal_at_open() {
        true => {
            format!(
                ", read with the -wal file beside it ({})",
                wal_path.display()
            ) + &if_put_back("damage")
        }
        false => String::new(),
    };
    // A -wal that no other process is writing: a writer stopped (killed,
    // a power cut), or the file was put back beside it.
    let stopped_writer = store.wal_at_open() && crate::store::alone_with_the_log(store.path());
    let mut passed = false;
    match v.run(progress).and_then(|()| v.final_checks()) {
        Ok(()) => passed = true,
        // A damaged page, or tables that are not claimtrail's, stopped the
        // reading: a finding (exit 1), like the differences that explain
        // it, not a failure to run.
        Err(e) if e.is_damage() => {
            let detail = format!(
                "the file is damaged: SQLite stopped reading after {} ({}){wal}; {}",
                crate::text::count(v.entries, "entry"),
                e.sqlite_message(),
                crate::error::RESTORE
            );
            v.cause(Check::File, detail)
        }
        Err(e) if !schema.is_empty() => v.problem(
            None,
            None,
            None,
            Check::Schema,
            format!(
                "verify stopped after {} (SQLite: {})",
                crate::text::count(v.entries, "entry"),
                e.sqlite_message()
            ),
        ),
        Err(e) => return Err(e),
    }
    let mut integrity = match integrity {
        Some(thread) => thread
            .join()
            .map_err(|_| Error::Internal("the integrity check stopped".into()))?,
        None => sqlite_checks(tx, false),
    }?;
    // The index of entry hashes, in the snapshot the pass read the table
    // in, against its marks; left to SQLite when the pass stopped early or
    // this check cannot judge it.
    let index = match passed {
        true => match crate::hash_index::check(tx, &v.marks, &v.table_marks) {
            Ok(found) => found,
            // A record SQLite cannot decode (a row number that is no
            // integer): a finding, and SQLite's own check says the rest
            // (it stopped verify, exit 2, hiding every other finding).
            Err(e) if e.is_damage() => {
                integrity.push(format!(
                    "the index of entry hashes cannot be read: {}",
                    e.sqlite_message()
                ));
                crate::hash_index::Found::Undecided
            }
            Err(e) => return Err(e),
        },
        false => crate::hash_index::Found::Undecided,
    };
    // The partial indexes the append path counts state entries through.
    if passed {
        match crate::store::state_index_findings(tx, &v.state_seqs) {
            Ok(found) => integrity.extend(found),
            Err(e) if e.is_damage() => integrity.push(format!(
                "the indexes of retractions, revocations, redactions and amendments cannot be read: {}",
                e.sqlite_message()
            )),
            Err(e) => return Err(e),
        }
    }
    match index {
        crate::hash_index::Found::Whole => {}
        crate::hash_index::Found::Wrong(lines) => integrity.extend(lines),
        // (No `entries` table, or a view in its place: the schema
        // findings say so, and SQLite has no table to check.)
        crate::hash_index::Found::Undecided if entries_is_a_table(tx)? => {
            for line in run_checks(tx, &[table_check("entries")])? {
                if !integrity.contains(&line) {
                    integrity.push(line);
                }
            }
        }
        crate::hash_index::Found::Undecided => {}
    }
    let file_findings = file_findings(integrity, &wal);
    // Tables that disagree with the entries, read beside a stopped
    // writer's -wal: pages of two states read so too (a backup copied over
    // the file of a crashed log), which the other findings would have an
    // auditor take for tampering.
    if file_findings.is_empty() && stopped_writer && !v.problems.is_empty() {
        v.cause(
            Check::File,
            format!(
                "the file was read with the -wal file a writer that stopped left beside it ({}){}",
                wal_path.display(),
                if_put_back("the differences below")
            ),
        );
    }
    for found in file_findings {
        v.cause(Check::File, found);
    }
    let roots: BTreeMap<u64, Hash> = v
        .roots_at
        .iter()
        .filter_map(|(size, root)| root.map(|r| (*size, r)))
        .collect();
    let keys: Vec<std::rc::Rc<KeyInfo>> = v.keys.values().cloned().collect();
    let mut report = v.into_report();
    if !notes.is_empty() {
        check_kept(&mut report, &notes, &keys, &roots);
    }
    if let Some(own) = own {
        own.finish()?;
    }
    Ok(report)
}

/// What SQLite's own checks find wrong in the file: an index that no
/// longer matches its table, a damaged or misplaced page, a value of the
/// wrong type for its column. Verify reads the tables themselves; `list`,
/// `show`, `report` and `export` often read through an index, so a byte
/// changed in an index (a claim's annotations, a key by its fingerprint)
/// changed what they showed while every table, and so verify, said
/// otherwise.
///
/// `PRAGMA quick_check` checks every page of the file, and `PRAGMA
/// integrity_check` of each table but `entries` its indexes; with
/// `entries_index` also that of `entries` (otherwise the index of entry
/// hashes is left to [`crate::hash_index`], which checks it in one ordered
/// pass where SQLite looks up each of a million rows). At most 100
/// findings each, raw, as SQLite words them; none when the file is whole.
/// What this does *not* prove: anything about what the rows mean; the
/// entries' checks do that.
fn sqlite_checks(conn: &rusqlite::Connection, entries_index: bool) -> Result<Vec<String>> {
    let tables = (|| {
        conn.prepare(
            "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()
    })();
    let mut pragmas = vec!["PRAGMA quick_check(100)".to_string()];
    // (A schema too damaged to list its tables: quick_check says so.)
    for t in tables.iter().flatten() {
        if entries_index || t != "entries" {
            pragmas.push(table_check(t));
        }
    }
    run_checks(conn, &pragmas)
}

/// Whether the file's schema holds a table named `entries`.
fn entries_is_a_table(conn: &rusqlite::Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE name = 'entries' AND type = 'table')",
        [],
        |r| r.get(0),
    )?)
}

/// `PRAGMA integrity_check` of one table and its indexes.
fn table_check(table: &str) -> String {
    format!("PRAGMA integrity_check(\"{}\")", table.replace('"', "\"\""))
}

/// The findings of `pragmas` (SQLite's checks), each line once.
fn run_checks(conn: &rusqlite::Connection, pragmas: &[String]) -> Result<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    let read = (|| {
        for pragma in pragmas {
            let mut stmt = conn.prepare(pragma)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let bytes = blob_ref(row.get_ref(0)?).into_owned();
                // One row may hold many findings, a line each, under a
                // `*** in database main ***` heading: they were one
                // problem line thousands of characters long, with `\n`s.
                for line in String::from_utf8_lossy(&bytes).lines() {
                    let line = crate::text::escape(line.trim()).into_owned();
                    // A damaged page of a table is found by both checks.
                    if !matches!(line.as_str(), "ok" | "" | "*** in database main ***")
                        && !found.contains(&line)
                    {
                        found.push(line);
                    }
                }
            }
        }
        Ok::<_, rusqlite::Error>(())
    })();
    match read.map_err(Error::Sqlite) {
        Ok(()) => Ok(found),
        Err(e) if e.is_damage() => {
            found.push(format!("it stopped: {}", e.sqlite_message()));
            Ok(found)
        }
        Err(e) => Err(e),
    }
}

/// What a finding read beside a -wal with commits adds: the file and the
/// -wal may not belong together, and the pair then `reads_as` what was
/// found.
fn if_put_back(reads_as: &str) -> String {
    format!(": if a copy was put in the file's place (a restore) while that -wal, of another state of the log, stayed, the pair reads as {reads_as}: move the -wal and the -shm aside and verify again")
}

/// The findings of the checks of the file, as verify reports them: the
/// first says what such findings mean; the others, only what.
fn file_findings(mut lines: Vec<String>, wal: &str) -> Vec<String> {
    // A torn file can give a line per page: the first ones say what is
    // wrong, and `PRAGMA integrity_check` run by hand lists the rest.
    const SHOWN: usize = 10;
    if lines.len() > SHOWN + 1 {
        let more = lines.len() - SHOWN;
        lines.truncate(SHOWN);
        lines.push(format!(
            "and {} of the same check (SQLite's `PRAGMA integrity_check` lists them all)",
            crate::text::count(more as u64, "more finding")
        ));
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, words)| match i {
            0 => format!("integrity check of the file: {words}; the file was changed below its tables (an index that no longer matches its table, a damaged page){wal}: {}", crate::error::RESTORE),
            _ => format!("integrity check of the file: {words}"),
        })
        .collect()
}

/// Judges each kept checkpoint against the keys the entries enrolled and
/// the roots of the tree re-derived from them (`roots`: size → root, for
/// every checkpoint size the log reached), and adds what it finds to the
/// report.
fn check_kept(
    report: &mut Report,
    notes: &[KeptNote],
    keys: &[std::rc::Rc<KeyInfo>],
    roots: &BTreeMap<u64, Hash>,
) {
    let origin = report.origin.clone().unwrap_or_default();
    let tree = Trees::Log {
        current: report.tree_size,
        roots,
    };
    let (checks, problems) = judge_kept(&origin, &tree, notes, keys);
    if !problems.is_empty() {
        report.ok = false;
    }
    report.problems.extend(problems);
    report.checkpoints = checks;
}

/// Reads kept checkpoint files as notes, before any log is read, so that a
/// file that is not a checkpoint stops the check at once (exit 2).
pub(crate) fn parse_kept(kept: &[KeptCheckpoint]) -> Result<Vec<KeptNote>> {
    use crate::checkpoint::read_signed_checkpoint;
    let mut notes = Vec::with_capacity(kept.len());
    for k in kept {
        let (note, cp) = read_signed_checkpoint(&k.bytes).map_err(|e| {
            Error::invalid(
                format!("{}: {e}", k.name),
                e.hint("give a checkpoint file written by `claimtrail checkpoint`"),
            )
        })?;
        notes.push((k.name.clone(), note, cp));
    }
    Ok(notes)
}

/// The verdict on each kept checkpoint of the log `origin`, whose `tree`
/// is at hand: signed by a key the entries enrolled (an admin, or an
/// auditor cosigning) and live at its size, and with the tree's root at
/// its size. Returns the verdicts and a problem for each that is a finding
/// ([`CheckpointStatus::is_finding`]). Shared by `verify` and the check of
/// a published directory.
pub(crate) fn judge_kept(
    origin: &str,
    tree: &Trees,
    notes: &[KeptNote],
    keys: &[std::rc::Rc<KeyInfo>],
) -> (Vec<CheckpointCheck>, Vec<Problem>) {
    judge_kept_by(origin, tree, notes, Signers::Enrolled(keys))
}

/// The tree a kept checkpoint is compared with.
pub(crate) enum Trees<'a> {
    /// The log's tree of `current` leaves, re-derived from its entries,
    /// with its root at each size a kept checkpoint names that the log
    /// reached (`roots`: size → root): `verify`, `verify-published`.
    Log {
        current: TreeSize,
        roots: &'a BTreeMap<u64, Hash>,
    },
    /// One signed tree and nothing else, as a bundle's checkpoint: a kept
    /// checkpoint of its size must have its root, and one of another size
    /// is `not compared`, since no consistency proof between the two sizes
    /// is at hand (a bundle's inclusion proofs are proofs in its own tree).
    One { size: TreeSize, root: Hash },
}

/// What `verify` (or `verify-published`, judging by the log's own
/// enrolments) says of a kept checkpoint that no admin the log holds at
/// its size signed. Not that the file is forged: a log cut back to before
/// the enrolment of the admin who signed it holds no such admin either
/// (the same file the intact log calls consistent), so a checkpoint of a
/// larger tree than the log says so; and the way to judge the file apart
/// from this copy of the log is `checkpoint verify` with the log's
/// verifier key (the advice of [`NoteError::LogKeyNotGiven`], "give the
/// log's verifier key too", named an option `verify` has not).
///
/// A signature by a key this copy of the log never held at all is said
/// to be that first: the likeliest reading is another log under the same
/// name (a demo's or a test's log of the same origin beside the desk's),
/// which `verify-bundle` names too, before any talk of forks.
fn unsigned_in_log(
    e: &crate::checkpoint::NoteError,
    size: TreeSize,
    root: &Hash,
    tree: &Trees,
    file: &str,
    keys: &[std::rc::Rc<KeyInfo>],
) -> String {
    let said = match e {
        crate::checkpoint::NoteError::LogKeyNotGiven {
            origin,
            key_ids,
            names,
        } => {
            let ever_held = keys.iter().any(|k| {
                crate::checkpoint::VerifierKey::new(
                    origin,
                    crate::checkpoint::KeyType::Ed25519,
                    k.public.verifying_key(),
                )
                .is_ok_and(|v| key_ids.contains(&v.key_id()))
            });
            format!(
                "its signature by the log `{origin}` (key ID {}) is by no admin key this log holds at that size{}{}",
                key_ids
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                match names.is_empty() {
                    true => String::new(),
                    false => format!(" (only {} verified)", names.join(", ")),
                },
                match ever_held {
                    true => "",
                    false => ", nor by any key it has ever held: it may be another log's under the same name (a demo's or a test's log of the same origin), a forgery, or signed by an admin enrolled in entries this copy no longer holds",
                }
            )
        }
        e => e.to_string(),
    };
    let beyond = match tree {
        Trees::Log { current, .. } if size.0 > current.0 => format!(
            "; its tree ({}) is larger than this log ({}): if it was signed by an admin enrolled in entries this log no longer holds, the log was cut short",
            crate::text::count(size.0, "entry"),
            crate::text::count(current.0, "entry"),
        ),
        // Within the log: its root at that size says whether the file
        // and the log still agree. A log restored from a backup made
        // before an admin's enrolment and appended to holds neither the
        // admin nor the tree that admin signed: the file was "unsigned",
        // and nothing pointed at the log's rewritten history.
        Trees::Log { roots, .. } => match roots.get(&size.0) {
            Some(r) if r == root => format!(
                "; this log's first {} do hash to its root",
                crate::text::count(size.0, "entry")
            ),
            Some(_) => format!(
                "; and this log's first {} hash to another root than the file's: if the file is the log's (its signature checks with the desk's verifier key), the log's history was rewritten after that admin signed it (a backup from before the admin's enrolment restored and appended to: a fork), and both are evidence to keep",
                crate::text::count(size.0, "entry")
            ),
            None => String::new(),
        },
        _ => String::new(),
    };
    format!(
        "not signed by an admin enrolled at size {size}: {said}{beyond}; to judge the file apart from this copy of the log, check it with the log's verifier key obtained from the desk (`claimtrail checkpoint verify {} --vkey KEY`)",
        crate::text::shell_word(std::path::Path::new(file))
    )
}

/// Whose signature makes a kept checkpoint the log's.
pub(crate) enum Signers<'a> {
    /// An admin that the entries enrolled, live at the checkpoint's size.
    Enrolled(&'a [std::rc::Rc<KeyInfo>]),
    /// One of these verifier keys, obtained outside the log: what a
    /// witness of a directory without entries (`verify-published
    /// --tree-only`) has to go on, since no entry enrolls anyone there.
    Given(&'a [crate::checkpoint::VerifierKey]),
    /// One of the verifier keys `given`, judged beside what the entries at
    /// hand say of them ([`given_beside`]): a bundle checked with `--vkey`.
    GivenBeside {
        given: &'a [crate::checkpoint::VerifierKey],
        enrolled: &'a [std::rc::Rc<KeyInfo>],
    },
}

/// The log's signature on `note`, a checkpoint of `size`, by one of the
/// verifier keys `given` (obtained outside the log, as `--vkey`), judged
/// beside the keys that the entries at hand (`enrolled`: a bundle's)
/// record:
/// - a key given that those entries show was not live at `size` (revoked
///   within its first `size` entries, or enrolled after them) does not
///   make the checkpoint the log's: an auditor's file of the log's keys
///   over time holds the revoked ones too, and a signature made after a
///   revocation is what a stolen key makes. (`verify --checkpoint` and
///   `verify-published` judge it so; `verify-bundle --vkey` took any key
///   given, so a thief's checkpoint anchored a bundle that carried the
///   key's revocation, and a thief's "kept" checkpoint made the desk's
///   genuine bundle `forked`.)
/// - every line of a key those entries enroll and that was live at `size`
///   must verify, as without keys given: giving the stronger anchor does
///   not make the check weaker.
///
/// What this does not prove: anything of a key the entries at hand do
/// not mention (a bundle carries its own entries' signers' keys, and
/// may leave a revocation out): that is the trust placed in `given`.
/// Returns the signatures that verified, or why the note is not the log's.
pub(crate) fn given_beside(
    note: &crate::checkpoint::SignedNote,
    origin: &str,
    size: u64,
    given: &[crate::checkpoint::VerifierKey],
    enrolled: &[std::rc::Rc<KeyInfo>],
) -> std::result::Result<crate::checkpoint::Verified, NotBeside> {
    use crate::checkpoint::{verify_log_note, NoteError, VerifierKey};
    let dead: Vec<VerifierKey> = enrolled
        .iter()
        .filter(|k| !rules::live_at(k.enrolled, k.revoked, size))
        .filter_map(|k| rules::note_vkey(origin, k.role, &k.name, k.public.verifying_key()))
        .collect();
    let live: Vec<VerifierKey> = given
        .iter()
        .filter(|k| !dead.contains(k))
        .cloned()
        .collect();
    let mut judged_by = live.clone();
    for (k, _) in rules::note_verifiers(enrolled, origin, size) {
        if !judged_by.contains(&k) {
            judged_by.push(k);
        }
    }
    // What the keys given alone make of the note: a line of theirs that
    // fails, or why they do not make it the log's, is said as it was
    // before the entries were asked.
    // (Asked only when the note is refused: it verifies the lines again.)
    let by_given = || verify_log_note(note, origin, given);
    match verify_log_note(note, origin, &judged_by) {
        Ok(v) if live.iter().any(|k| k.name() == origin && v.verified_by(k)) => Ok(v),
        Err(e @ NoteError::BadSignature { .. }) => Err(match by_given() {
            Err(own @ NoteError::BadSignature { .. }) => NotBeside::Note(own),
            _ => NotBeside::LineFails(e),
        }),
        other => Err(match signed_out_of_time(enrolled, origin, note, size) {
            Some(who) => NotBeside::OutOfTime(who),
            None => NotBeside::Note(match (by_given(), other) {
                (Err(e), _) | (Ok(_), Err(e)) => e,
                (Ok(_), Ok(_)) => note.no_known_signature(),
            }),
        }),
    }
}

/// Why [`given_beside`] does not take a note as the log's.
pub(crate) enum NotBeside {
    /// No key given and live at the size signed it.
    Note(crate::checkpoint::NoteError),
    /// A line of a key the entries enroll, live at the size, fails.
    LineFails(crate::checkpoint::NoteError),
    /// Signed by a key the entries show was not live at the size: who,
    /// and why.
    OutOfTime(String),
}

impl NotBeside {
    /// What is wrong, for a checkpoint of `size`.
    pub(crate) fn detail(&self, size: u64) -> String {
        match self {
            NotBeside::Note(e) => format!("not signed by the verifier key given: {e}"),
            NotBeside::LineFails(e) => format!(
                "not taken as signed: {e} (every line of a key the log had at size {size} must verify)"
            ),
            NotBeside::OutOfTime(who) => format!(
                "not signed by a verifier key given that was the log's at size {size}: it is signed by {who}"
            ),
        }
    }
}

/// [`judge_kept`], with the signers to judge signatures by.
pub(crate) fn judge_kept_by(
    origin: &str,
    tree: &Trees,
    notes: &[KeptNote],
    signers: Signers,
) -> (Vec<CheckpointCheck>, Vec<Problem>) {
    use crate::checkpoint::{verify_log_note, VerifierKey};
    let keys: &[std::rc::Rc<KeyInfo>] = match signers {
        Signers::Enrolled(keys) | Signers::GivenBeside { enrolled: keys, .. } => keys,
        Signers::Given(_) => &[],
    };
    let mut checks = Vec::new();
    for (name, note, cp) in notes {
        let mut check = CheckpointCheck {
            name: name.clone(),
            size: cp.size,
            root: cp.root,
            status: CheckpointStatus::Consistent,
            signed_by: vec![],
            unchecked_lines: vec![],
            detail: String::new(),
        };
        if cp.origin != origin {
            let (theirs, ours) = crate::text::escape_apart(&cp.origin, origin);
            // A line named this log and of one of its admins' key IDs: this
            // log's checkpoint with its first line altered (an editor's
            // trailing space read as "another log's"). Its signature no
            // longer verifies, and an unsigned note is what it is.
            let admins = rules::note_verifiers(keys, origin, cp.size.0);
            let ours_signed = note.signatures().iter().any(|l| {
                l.name() == origin && admins.iter().any(|(v, _)| v.key_id() == l.key_id())
            });
            (check.status, check.detail) = match ours_signed {
                true => (
                    CheckpointStatus::Unsigned,
                    format!("its first line reads `{theirs}`, not `{ours}`, yet it carries this log's signature line, which does not verify over it: this log's checkpoint, altered (a character of its first line changed, or a space added)"),
                ),
                false => (
                    CheckpointStatus::Foreign,
                    format!("it is a checkpoint of `{theirs}`, not of this log `{ours}`"),
                ),
            };
            checks.push(check);
            continue;
        }
        // Keys enrolled, and not revoked, when the log had `size` entries.
        // A key revoked since it could sign this checkpoint still signed
        // it validly (FORMAT §9.6), but a cosignature can be made at any
        // time by whoever holds the key, a stolen one too: the name says
        // it was revoked, as lists and reports mark a revoked signer.
        let vkeys: Vec<(VerifierKey, String)> = rules::note_verifiers(keys, origin, cp.size.0)
            .into_iter()
            .map(|(v, key)| {
                let name = match key.revoked {
                    Some(r) => format!("{} (key revoked at entry {r})", key.name),
                    None => key.name.clone(),
                };
                (v, name)
            })
            .collect();
        let verifiers: Vec<VerifierKey> = vkeys.iter().map(|(v, _)| v.clone()).collect();
        let judged_by: Vec<&VerifierKey> = match &signers {
            Signers::Enrolled(_) => verifiers.iter().collect(),
            Signers::Given(given) => given.iter().collect(),
            Signers::GivenBeside { given, .. } => given.iter().chain(&verifiers).collect(),
        };
        check.unchecked_lines = note.lines_unchecked_by(judged_by.iter().copied());
        // An admin's signature under the origin makes the checkpoint the
        // log's; an auditor's cosignature is listed beside it, never
        // accepted instead of it. Signers are named as the entries name
        // them, else by the note's names: the log's own signature first,
        // then the cosigners in the note's order (they were in the order
        // the log enrolled their keys, an auditor before a later admin).
        let named = |v: crate::checkpoint::Verified| -> Vec<String> {
            let mut signatures: Vec<_> = v.signatures.iter().collect();
            signatures.sort_by_key(|s| s.name != origin);
            signatures
                .into_iter()
                .map(|s| {
                    vkeys
                        .iter()
                        .find(|(k, _)| k.name() == s.name && k.key_id() == s.key_id)
                        .map_or_else(|| s.name.clone(), |(_, n)| n.clone())
                })
                .collect()
        };
        let judged: std::result::Result<Vec<String>, String> = match &signers {
            Signers::Enrolled(_) => verify_log_note(note, origin, &verifiers)
                .map(named)
                .map_err(crate::checkpoint::NoteError::as_enrolled)
                .map_err(|e| match e {
                    // A line of a key the log enrolled that does not
                    // verify makes the whole note refused (as C2SP's
                    // signed notes are), whoever else signed it.
                    crate::checkpoint::NoteError::BadSignature { .. } => format!(
                        "not taken as signed: {e} (every line of a key the log had at size {} must verify)",
                        cp.size
                    ),
                    // A bundle enrolls only its entries' signers: an admin
                    // it does not carry is not "not enrolled".
                    _ if matches!(tree, Trees::One { .. }) => format!(
                        "not signed by an admin that this bundle enrolls at size {}: {e} (a bundle carries the keys of its own entries' signers only: to judge a checkpoint another admin signed, pass the log's verifier keys with --vkey)",
                        cp.size
                    ),
                    _ => match signed_out_of_time(keys, origin, note, cp.size.0) {
                        Some(who) => format!(
                            "not signed by an admin enrolled at size {}: it is signed by {who}",
                            cp.size
                        ),
                        None => unsigned_in_log(&e, cp.size, &cp.root, tree, &check.name, keys),
                    },
                }),
            Signers::Given(given) => verify_log_note(note, origin, given)
                .map(|v| v.signatures.into_iter().map(|s| s.name).collect())
                .map_err(|e| format!("not signed by the verifier key given: {e}")),
            Signers::GivenBeside { given, .. } => given_beside(note, origin, cp.size.0, given, keys)
                .map(named)
                .map_err(|e| e.detail(cp.size.0)),
        };
        match judged {
            Ok(names) => check.signed_by = names,
            Err(detail) => {
                check.status = CheckpointStatus::Unsigned;
                check.detail = detail;
            }
        }
        match (check.status, tree) {
            (CheckpointStatus::Consistent, Trees::Log { current, roots }) => {
                judge_in_log(&mut check, cp, *current, roots)
            }
            (CheckpointStatus::Consistent, Trees::One { size, root }) => {
                judge_beside(&mut check, cp, *size, root)
            }
            _ => {}
        }
        checks.push(check);
    }
    // The first point of divergence the kept checkpoints can prove: the
    // largest consistent size below each forked one. (Beside one tree
    // alone there is none: no two sizes are compared.)
    if matches!(tree, Trees::Log { .. }) {
        narrow_forks(&mut checks);
    }
    let problems = checks
        .iter()
        .filter(|c| c.status.is_finding())
        .map(|c| Problem {
            seq: None,
            kind: None,
            id: None,
            checkpoint: Some(c.name.clone()),
            check: Check::Checkpoint,
            detail: format!("{}: {}", c.status, c.detail),
        })
        .collect();
    (checks, problems)
}

/// A kept checkpoint that the log signed, against the log's tree of
/// `current` leaves and its roots.
fn judge_in_log(
    check: &mut CheckpointCheck,
    cp: &crate::checkpoint::Checkpoint,
    current: TreeSize,
    roots: &BTreeMap<u64, Hash>,
) {
    if cp.size > current {
        check.status = CheckpointStatus::Truncated;
        let cut = if cp.size.0 - current.0 == 1 {
            format!("entry {current} was removed")
        } else {
            format!("entries {current}..{} were removed", cp.size.0 - 1)
        };
        // The missing entries' leaves are what the root would be checked
        // against, so a shorter log cannot tell a cut end from a history
        // rewritten before it: both are said.
        check.detail = format!(
            "the log has {current} entries but this checkpoint commits to {}: {cut}, or the log's history was rewritten before that (a log shorter than the checkpoint cannot show which)",
            cp.size
        );
    } else if roots.get(&cp.size.0) != Some(&cp.root) {
        check.status = CheckpointStatus::Forked;
        check.detail = format!("the log's first {} no longer hash to this checkpoint's root: its history was rewritten", crate::text::count(cp.size.0, "entry"));
    } else {
        check.detail = format!(
            "the log still contains this tree (its first {} hash to this root; the log has {current})",
            crate::text::count(cp.size.0, "entry")
        );
    }
}

/// A kept checkpoint that the log signed, beside the one tree at hand (of
/// `size` leaves, with `root`). Of the same size, the roots must be equal:
/// two roots are two trees the log's key signed for one size, which a log
/// that only grows never has, so the two notes together prove a fork
/// (whichever is the history others were shown). Of another size nothing
/// is proven either way: the tree at hand says nothing of its other sizes.
fn judge_beside(
    check: &mut CheckpointCheck,
    cp: &crate::checkpoint::Checkpoint,
    size: TreeSize,
    root: &Hash,
) {
    let count = |n: u64| crate::text::count(n, "entry");
    if cp.size == size && cp.root == *root {
        check.detail = format!(
            "the bundle's checkpoint is of the same tree ({}, same root)",
            count(size.0)
        );
    } else if cp.size == size {
        check.status = CheckpointStatus::Forked;
        check.detail = format!(
            "the log signed two different trees of {}: this checkpoint's, root {}, and the bundle's, root {}; a log that only grows has one tree of each size, so the two disagree on its history: keep both files as evidence",
            count(size.0),
            cp.root,
            root
        );
    } else {
        check.status = CheckpointStatus::NotCompared;
        check.detail = format!(
            "this checkpoint is of {}, the bundle's of {}, and a bundle carries no consistency proof between two sizes: to compare them, save the bundle's checkpoint to a file as it is (`jq -j .checkpoint BUNDLE > FILE`: `jq -r` would add a second newline after the one the signed note ends with, and the file would not read as a note) and run `claimtrail prove --consistency OLD NEW` with the two files on a copy of the log, or `claimtrail verify-published DIR --checkpoint FILE` with each on the log's published directory",
            count(cp.size.0),
            count(size.0)
        );
    }
}

/// An admin key of the log, enrolled or revoked at another time than a
/// checkpoint of `size` needs, whose signature the note carries: said by
/// name and time, since a checkpoint signed with a key after its
/// revocation is what a stolen key makes ("not from a known key" hid
/// that the log knew the key, and when it was revoked).
fn signed_out_of_time(
    keys: &[std::rc::Rc<KeyInfo>],
    origin: &str,
    note: &crate::checkpoint::SignedNote,
    size: u64,
) -> Option<String> {
    keys.iter()
        .filter(|k| {
            k.role == crate::model::Role::Admin && !rules::live_at(k.enrolled, k.revoked, size)
        })
        .find_map(|k| {
            let vk = k.public.verifying_key();
            let v = rules::note_vkey(origin, k.role, &k.name, vk)?;
            crate::checkpoint::verify_log_note(note, origin, std::slice::from_ref(&v)).ok()?;
            Some(out_of_time(&k.name, k.enrolled, k.revoked, size))
        })
}

/// Who signed a checkpoint of `size` entries with an admin key that was
/// not live then: revoked within those entries, or enrolled after them.
/// Said so by `verify --checkpoint` and by `prove`.
pub(crate) fn out_of_time(
    name: &str,
    enrolled: crate::model::Seq,
    revoked: Option<crate::model::Seq>,
    size: u64,
) -> String {
    match revoked {
        Some(r) if r.0 < size => format!(
            "{}, whose key was revoked at entry {r}, within those {size} entries (a signature made after a revocation is what a lost or stolen key makes)",
            crate::text::escape(name)
        ),
        _ => format!(
            "{}, whose key was enrolled only at entry {enrolled}, after those {size} entries",
            crate::text::escape(name)
        ),
    }
}

/// Narrows each forked verdict to the first point of divergence the kept
/// checkpoints can prove: the largest consistent size below it, provided
/// the forked checkpoint extends that consistent one. Nothing here can
/// check that proviso (it takes the forked history's entries), so the
/// message states it: a red team's checkpoint from a second log under the
/// same key was said to differ only in its last two entries.
fn narrow_forks(checks: &mut [CheckpointCheck]) {
    let good: Vec<u64> = checks
        .iter()
        .filter(|c| c.status == CheckpointStatus::Consistent)
        .map(|c| c.size.0)
        .collect();
    // A kept checkpoint of the same size that the log still matches: the
    // log was not rewritten; its key signed a second tree of that size.
    // It was "its history was rewritten", where `prove` named a fork.
    let matched: Vec<(u64, String, Hash)> = checks
        .iter()
        .filter(|c| c.status == CheckpointStatus::Consistent)
        .map(|c| (c.size.0, c.name.clone(), c.root))
        .collect();
    for c in checks
        .iter_mut()
        .filter(|c| c.status == CheckpointStatus::Forked)
    {
        let size = c.size.0;
        if let Some((_, name, root)) = matched.iter().find(|(s, _, _)| *s == size) {
            c.detail = format!(
                "the log's key signed two trees of {}: this checkpoint's, root {}, and {}'s, root {root}, which the log still holds: the log was not rewritten, but whoever held an admin key signed another history of the same size (a split view); keep both files as evidence",
                crate::text::count(size, "entry"),
                c.root,
                crate::text::escape(name)
            );
            continue;
        }
        match good.iter().filter(|&&g| g < size).max() {
            // The checkpoint of size g matches this log, not necessarily
            // the history this one was signed over: two logs under one
            // key (or a key that signed a fork) differ from their first
            // entries though the smaller checkpoint matches one of them.
            Some(&g) => {
                let first = match g + 1 == size {
                    true => format!("the first difference is entry {g}"),
                    false => format!("the first difference lies in entries {g}..{}", size - 1),
                };
                c.detail.push_str(&format!(
                    "; {first} if this checkpoint extends the one of size {g}, which still matches (it does if both came from one log that only grew: these files alone cannot show it), and anywhere in entries 0..{} if not",
                    size - 1
                ))
            }
            // (A tree of no entries has one root: a checkpoint of size 0
            // that names another was signed over a root no log has.)
            None if size == 0 => c.detail = "a tree of no entries has one root, SHA-256 of nothing, and this checkpoint names another: it was signed over a root no log has".into(),
            None => c.detail.push_str(&format!("; the first difference lies in entries 0..{}", size - 1)),
        }
    }
}

/// The `entries` rows of a chunk as read: every column as bytes, whatever
/// its storage class (see [`blob_ref`]), in one buffer. One allocation per
/// chunk instead of four per row, freed at once when stage 2 is done with
/// the chunk (the rows are read on one thread and checked on others, and
/// freeing many small buffers across threads was a measurable cost).
struct RawChunk {
    bytes: Vec<u8>,
    rows: Vec<RawRow>,
}

/// A row of a [`RawChunk`]: its seq, and where its columns end in the
/// buffer (kind, payload, sig, hash; each starts where the one before ends).
struct RawRow {
    seq: i64,
    start: usize,
    ends: [usize; 4],
    /// The first column whose storage class is not the one claimtrail
    /// writes ([`ROW_COLUMNS`]), and the one found.
    mistyped: Option<(usize, rusqlite::types::Type)>,
    /// Whether the hash column holds a blob (what the index check marks).
    hash_blob: bool,
}

/// The columns of a [`RawRow`]: name, the storage class claimtrail writes,
/// and the check a change of that class fails.
const ROW_COLUMNS: [(&str, rusqlite::types::Type, Check); 4] = {
    use rusqlite::types::Type;
    [
        ("kind", Type::Text, Check::Header),
        ("payload", Type::Blob, Check::Canonical),
        ("sig", Type::Blob, Check::Signature),
        ("hash", Type::Blob, Check::Hash),
    ]
};

impl RawChunk {
    fn new() -> Self {
        RawChunk {
            bytes: Vec::with_capacity(CHUNK * 1024),
            rows: Vec::with_capacity(CHUNK),
        }
    }

    /// Reads `SELECT seq, kind, payload, sig, hash`'s row.
    fn push(&mut self, row: &rusqlite::Row<'_>) -> Result<()> {
        let seq = match row.get_ref(0)? {
            ValueRef::Integer(n) => n,
            _ => -1, // `seq` is the rowid: always an integer
        };
        let start = self.bytes.len();
        let mut ends = [start; 4];
        let mut mistyped = None;
        for (c, end) in ends.iter_mut().enumerate() {
            let value = row.get_ref(c + 1)?;
            // The same bytes as TEXT instead of BLOB (or the other way) read
            // the same here, but not to the commands that read the column
            // as what it should be: an edit all the same.
            if value.data_type() != ROW_COLUMNS[c].1 && mistyped.is_none() {
                mistyped = Some((c, value.data_type()));
            }
            self.bytes.extend_from_slice(&blob_ref(value));
            *end = self.bytes.len();
        }
        let hash_blob = matches!(row.get_ref(4)?, ValueRef::Blob(_));
        self.rows.push(RawRow {
            seq,
            start,
            ends,
            mistyped,
            hash_blob,
        });
        Ok(())
    }

    /// Empties the chunk, keeping its buffers.
    fn clear(&mut self) {
        self.bytes.clear();
        self.rows.clear();
    }

    /// Reads rows until the chunk holds [`CHUNK`] rows or [`CHUNK_BYTES`]
    /// bytes, or the rows end; false when they have ended.
    fn fill(&mut self, rows: &mut rusqlite::Rows<'_>) -> Result<bool> {
        while self.rows.len() < CHUNK && self.bytes.len() < CHUNK_BYTES {
            match rows.next()? {
                Some(row) => self.push(row)?,
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Column `c` (0 kind, 1 payload, 2 sig, 3 hash) of row `i`.
    fn column(&self, i: usize, c: usize) -> &[u8] {
        let r = &self.rows[i];
        let from = if c == 0 { r.start } else { r.ends[c - 1] };
        &self.bytes[from..r.ends[c]]
    }

    /// Row `i`'s kind column, as its problems name the entry: cut to 40
    /// characters when longer than any kind (a tampered column of 100 MB
    /// was copied into each problem of its entry, 500 MB of report).
    fn kind(&self, i: usize) -> std::borrow::Cow<'_, str> {
        const LONGEST: usize = 40;
        let bytes = self.column(i, 0);
        match std::str::from_utf8(bytes) {
            Ok(kind) if kind.len() <= LONGEST => std::borrow::Cow::Borrowed(kind),
            _ => {
                let head = &bytes[..bytes.len().min(4 * LONGEST)];
                let text = String::from_utf8_lossy(head);
                let mut cut: String = text.chars().take(LONGEST).collect();
                if cut.len() < bytes.len() {
                    cut.push('…');
                }
                std::borrow::Cow::Owned(cut)
            }
        }
    }
}

/// The detail of a `chain` problem: entry `seq` names `claimed` as the
/// hash of the entry before it, whose hash is `actual`.
/// Entry 0 has none before it: its `prev` must be all zeros (it said "the
/// hash of entry 18446744073709551615").
pub(crate) fn chain_detail(claimed: &Hash, seq: u64, actual: &Hash) -> String {
    match seq.checked_sub(1) {
        Some(before) => format!(
            "prev {} is not the hash of entry {before} ({})",
            &claimed.to_hex()[..12],
            &actual.to_hex()[..12]
        ),
        None => format!(
            "prev {} of the first entry is not all zeros: no entry comes before it",
            &claimed.to_hex()[..12]
        ),
    }
}

/// What stage 1 found about one entry, without looking at any other.
struct Prepared {
    seq: i64,
    computed: Hash,
    hash_ok: bool,
    /// The keyed mark of the row's `(seq, hash)` ([`crate::hash_index`]),
    /// `None` when its hash column is no blob.
    mark: Option<u128>,
    parsed: std::result::Result<Payload, PayloadError>,
    /// The SSHSIG's key and the Ed25519 verdict against it, or why the
    /// blob could not be read.
    sig: sigcheck::Found,
}

/// Stage 1 of a chunk, on the rayon pool; the result, one [`Prepared`] per
/// row in order (in one vector per group), comes back on the returned
/// channel ([`sigcheck::on_pool`]).
fn launch(
    chunk: std::sync::Arc<RawChunk>,
    marks: std::sync::Arc<crate::hash_index::Marks>,
) -> std::sync::mpsc::Receiver<Vec<Vec<Prepared>>> {
    use rayon::prelude::*;
    sigcheck::on_pool(move || {
        let n = chunk.rows.len();
        let groups: Vec<std::ops::Range<usize>> = (0..n)
            .step_by(sigcheck::GROUP)
            .map(|from| from..(from + sigcheck::GROUP).min(n))
            .collect();
        // One vector per group, not flattened: a `Prepared` is large, and
        // flattening would move each once more.
        let out: Vec<Vec<Prepared>> = groups
            .into_par_iter()
            .map(|rows| prepare_group(&chunk, rows, &marks))
            .collect();
        drop(chunk); // before the result is seen, so that stage 2 can reuse it
        out
    })
}

/// Stage 1 for one group of a chunk's rows: everything per entry, then one
/// batch check of the group's signatures.
fn prepare_group(
    chunk: &RawChunk,
    rows: std::ops::Range<usize>,
    marks: &crate::hash_index::Marks,
) -> Vec<Prepared> {
    let mut checks = sigcheck::EntryChecks::default();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.enumerate() {
        let (payload, sig, hash) = (chunk.column(r, 1), chunk.column(r, 2), chunk.column(r, 3));
        let computed = entry_hash(payload, sig);
        let sig = checks.queue(i, payload, sig).map(|key| (key, Ok(())));
        let row = &chunk.rows[r];
        out.push(Prepared {
            seq: row.seq,
            computed,
            hash_ok: Hash::from_slice(hash) == Some(computed),
            mark: row.hash_blob.then(|| marks.mark(row.seq, hash)),
            parsed: Payload::parse(payload),
            sig,
        });
    }
    for (i, verdict) in checks.verdicts() {
        if let Ok((_, v)) = &mut out[i].sig {
            *v = verdict;
        }
    }
    out
}

/// What later entries need to know about an item (a source, claim or
/// annotation): where it is, its entry hash, and the facts the rules ask.
#[derive(Clone, Debug)]
struct ItemInfo {
    seq: u64,
    hash: Hash,
    what: What,
}

#[derive(Clone, Debug)]
enum What {
    Source { sha256: Hash, length: u64 },
    Claim,
    Annotation { claim: u64, signer: Fingerprint },
}

impl ItemInfo {
    /// The item an entry creates, from its computed hash and parsed payload.
    fn of(seq: u64, hash: Hash, p: &Payload) -> Option<ItemInfo> {
        let what = match &p.body {
            Body::SourceAdd(b) => What::Source {
                sha256: b.sha256,
                length: b.length,
            },
            Body::ClaimAdd(_) => What::Claim,
            Body::AnnotationAdd(b) => What::Annotation {
                claim: b.claim.id.n,
                signer: p.header.signer.clone(),
            },
            _ => return None,
        };
        Some(ItemInfo { seq, hash, what })
    }
}

/// A direct-mapped cache of items by number: item `n` sits in slot
/// `n mod len`, `len` a power of two. Items are created in order of `n`, so
/// the last `len` items created are all held; a lookup is an index and one
/// comparison, with no hashing and no allocation. The array is made once,
/// when the log's size is known ([`Recent::size_for`]), no longer than the
/// log needs: a small log does not pay for a big one's array (allocating it
/// whole cost a 20-entry verify 45 ms), and a big one gets its array in one
/// piece (doubling it as items came was slower on the million-entry log,
/// 18.7–19.9 s against 17.7–18.5 s, and peaked 20 MB higher). A miss is no
/// error: the caller reads the item back.
struct Recent<V> {
    slots: Vec<Option<(u64, V)>>,
    cap: usize,
}

impl<V: Clone> Recent<V> {
    /// `cap` is rounded up to a power of two; 0 holds nothing. Holds
    /// nothing either until [`Recent::size_for`].
    fn new(cap: usize) -> Self {
        Recent {
            slots: Vec::new(),
            cap: if cap == 0 { 0 } else { cap.next_power_of_two() },
        }
    }

    /// Makes the array for a log of `entries` entries (which create at most
    /// that many items), at most `cap` long; forgets what it held.
    fn size_for(&mut self, entries: u64) {
        let want = usize::try_from(entries.max(1)).map_or(usize::MAX, |e| {
            e.checked_next_power_of_two().unwrap_or(usize::MAX)
        });
        self.slots = vec![None; want.min(self.cap)];
    }

    fn slot(&self, n: u64) -> Option<usize> {
        let len = self.slots.len() as u64;
        (len > 0).then(|| (n & (len - 1)) as usize)
    }

    fn get(&self, n: u64) -> Option<V> {
        match &self.slots[self.slot(n)?] {
            Some((held, v)) if *held == n => Some(v.clone()),
            _ => None,
        }
    }

    fn insert(&mut self, n: u64, v: V) {
        if let Some(i) = self.slot(n) {
            self.slots[i] = Some((n, v));
        }
    }
}

/// Lookups of earlier items and texts, cached within fixed bounds.
struct Lookups {
    /// Sources, claims and annotations, by [`IdKind::index`].
    items: [Recent<Option<ItemInfo>>; 3],
    blobs: TextCache,
}

/// The source texts read last, at most `max_bytes` in all (but always the
/// last one), the oldest read dropped first: a source's claims usually
/// follow it closely.
struct TextCache {
    map: HashMap<Hash, std::rc::Rc<SourceText>>,
    /// The texts held, oldest first.
    order: std::collections::VecDeque<Hash>,
    bytes: usize,
    max_bytes: usize,
}

impl TextCache {
    fn new(max_bytes: usize) -> Self {
        TextCache {
            map: HashMap::new(),
            order: Default::default(),
            bytes: 0,
            max_bytes,
        }
    }

    fn get(&self, sha: &Hash) -> Option<std::rc::Rc<SourceText>> {
        self.map.get(sha).cloned()
    }

    fn insert(&mut self, sha: Hash, data: std::rc::Rc<SourceText>) {
        self.bytes += data.bytes().len();
        if let Some(old) = self.map.insert(sha, data) {
            self.bytes -= old.bytes().len();
        } else {
            self.order.push_back(sha);
        }
        while self.bytes > self.max_bytes && self.order.len() > 1 {
            if let Some(old) = self.order.pop_front().and_then(|h| self.map.remove(&h)) {
                self.bytes -= old.bytes().len();
            }
        }
    }
}

/// Sizes of the lookup caches. They change the speed, never the result
/// (a test verifies tampered logs with no caches and with two slots a kind).
#[derive(Clone, Copy)]
struct Caches {
    sources: usize,
    claims: usize,
    annotations: usize,
    blob_bytes: usize,
    /// Read projection tables and tree levels as merge-join cursors
    /// ([`Scans`]) rather than by a lookup per row.
    scans: bool,
}

impl Caches {
    const DEFAULT: Caches = Caches {
        sources: SOURCE_CACHE,
        claims: CLAIM_CACHE,
        annotations: ANNOTATION_CACHE,
        blob_bytes: BLOB_CACHE_BYTES,
        scans: true,
    };
}

/// Items held at most of each kind, the last created (a slot is 96 bytes).
const SOURCE_CACHE: usize = 1 << 16;
const CLAIM_CACHE: usize = 1 << 18;
const ANNOTATION_CACHE: usize = 1 << 15;
const BLOB_CACHE_BYTES: usize = 8 << 20;

struct Verifier<'c> {
    conn: &'c Connection,
    /// The run's keyed marks, and those of the rows read
    /// ([`crate::hash_index`]).
    marks: std::sync::Arc<crate::hash_index::Marks>,
    table_marks: crate::hash_index::TableMarks,
    /// The rows whose `kind` column is each of
    /// [`crate::store::STATE_KINDS`], in order: what their partial
    /// indexes must list ([`crate::store::state_index_findings`]).
    state_seqs: Vec<Vec<i64>>,
    problems: Vec<Problem>,
    /// How many problems to list in full; the rest are counted in `more`.
    listed: usize,
    more: u64,
    expected_rows: BTreeMap<&'static str, u64>,
    /// Tables in which some entry's rows were found missing or different:
    /// where a link table's forged rows are looked for at the end.
    tables_apart: std::collections::BTreeSet<&'static str>,
    counts: Counts,
    origin: Option<String>,
    next_seq: u64,
    prev: Hash,
    entries: u64,
    /// Seq of the entry being checked, and the item it creates.
    current: u64,
    current_id: Option<ItemId>,
    /// Keys enrolled by the entries that passed, as of `current`.
    keys: HashMap<Fingerprint, std::rc::Rc<KeyInfo>>,
    /// Keys that an entry which did not pass would have enrolled: an
    /// entry such a key signs is not enrolled, and says why.
    not_enrolled: Unenrolled,
    /// Sources redacted by entries that passed.
    redacted: HashSet<u64>,
    /// The text hash of each source added by an entry that passed, and the
    /// first such source's n: "one source per distinct text" is judged from
    /// the entries, never from the `sources` table (whose stale or edited row
    /// made verify call a source its own duplicate). About 50 bytes a
    /// source: 2 MB for the bench's 45,000.
    source_shas: HashMap<Hash, u64>,
    /// Claims retracted by entries that passed, and the seq of each retraction.
    retracted: HashMap<u64, u64>,
    /// Annotations retracted by entries that passed, and the seq of each.
    retracted_annotations: HashMap<u64, u64>,
    /// Sources whose text is missing, waiting for a redaction: (n, seq).
    missing: HashMap<u64, u64>,
    /// n of the next source, claim and annotation.
    next_n: [u64; 3],
    /// Items whose row in their projection table is missing or wrong (or
    /// whose entry does not parse), with the seq of the entry that created
    /// them. For every other item, the table's `id → seq` was checked
    /// equal to the entries' numbering, so a cache miss can use it.
    misplaced: HashMap<ItemId, u64>,
    lookups: RefCell<Lookups>,
    scans: bool,
    /// SELECT statements of the projection comparisons, by table.
    compare_sql: HashMap<&'static str, String>,
    /// The tree re-derived from the entries' computed hashes.
    frontier: crate::tree::Frontier,
    /// Sizes whose root (of `frontier`) the kept checkpoints need, filled
    /// in as the tree reaches each.
    roots_at: BTreeMap<u64, Option<Hash>>,
}

/// A key that only an entry which did not pass enrolled
/// ([`Unenrolled`]): that entry, and the entries the key signed after it
/// (how many, and the last).
#[derive(Clone, Copy, Debug)]
struct NotEnrolled {
    /// `None`: no entry of the bundle enrolls the key ([`Unenrolled::absent`]).
    enrolled_by: Option<u64>,
    /// The entry it was recorded at (that one, or the first the key signed).
    since: u64,
    count: u64,
    last: u64,
}

/// Keys that only an entry which did not pass would have enrolled, and
/// the entries each signed after it. An entry such a key signs is not
/// enrolled: the first says why (`… is not enrolled: entry N enrolled it,
/// and that entry did not pass its checks`), the others are counted and
/// said in one line after the last entry ([`Unenrolled::summaries`]): one
/// flipped byte in the log.init's signature made every entry of the log a
/// problem, and the 1,000 listed hid a separate edit.
///
/// One rule for `verify`, `verify-published` and `verify-bundle`, which
/// each keep one of these beside the keys their replay enrolled (a
/// directory's damaged `key.add` gave a bare `is not enrolled` line for
/// every entry its key signed after, naming no cause).
#[derive(Debug, Default)]
pub(crate) struct Unenrolled(HashMap<Fingerprint, NotEnrolled>);

impl Unenrolled {
    /// Entry `seq` did not pass its checks: the key it would have enrolled
    /// (a `key.add`'s key, a `log.init`'s signer), if any, is one such.
    pub(crate) fn failed(&mut self, seq: u64, header: &crate::entry::Header, body: &Body) {
        let enrolled = match body {
            Body::KeyAdd(b) => crate::keys::PublicKey::from_openssh(&b.key)
                .ok()
                .map(|k| k.fingerprint().clone()),
            Body::LogInit(_) => Some(header.signer.clone()),
            _ => None,
        };
        if let Some(f) = enrolled {
            self.0.entry(f).or_insert(NotEnrolled {
                enrolled_by: Some(seq),
                since: seq,
                count: 0,
                last: seq,
            });
        }
    }

    /// For a bundle, which may leave entries of the log out: `signer`, not
    /// enrolled, is one that no entry of the bundle enrolls, unless a
    /// failed entry did; the entries it signs are folded
    /// as those of a failed enrolment are, with that cause. (A bundle that
    /// lost the `key.add` of a signer gave a bare line for each entry the
    /// key signed. `verify` reads every entry of the log, where a signer
    /// no entry enrolled is each entry's own finding.)
    pub(crate) fn absent(&mut self, seq: u64, signer: &Fingerprint) {
        self.0.entry(signer.clone()).or_insert(NotEnrolled {
            enrolled_by: None,
            since: seq,
            count: 0,
            last: seq,
        });
    }

    /// The words for entry `seq`'s authorization problem `detail`, its
    /// signer `signer` being `enrolled` or not by the entries that passed:
    /// `detail` itself, or with its cause for the first entry a key that
    /// only a failed entry enrolled signs; `None` for the later ones, which
    /// [`Unenrolled::summaries`] counts.
    pub(crate) fn authorization(
        &mut self,
        seq: u64,
        signer: &Fingerprint,
        enrolled: bool,
        detail: String,
    ) -> Option<String> {
        let after = match enrolled {
            true => None,
            false => self.0.get_mut(signer),
        };
        let Some(after) = after else {
            return Some(detail);
        };
        after.count += 1;
        after.last = seq;
        (after.count == 1).then(|| match after.enrolled_by {
            Some(by) => {
                format!("{detail}: entry {by} enrolled it, and that entry did not pass its checks")
            }
            None => format!(
                "{detail}: no entry of the bundle enrolls it (the entry that enrolled it is left out, or does not parse)"
            ),
        })
    }

    /// One `authorization` line, after the last entry, for each key whose
    /// entries after the first were folded: in the order of the entries
    /// that failed to enroll them.
    pub(crate) fn summaries(&self) -> Vec<String> {
        let mut folded: Vec<(&Fingerprint, &NotEnrolled)> =
            self.0.iter().filter(|(_, n)| n.count > 1).collect();
        folded.sort_by_key(|(_, n)| n.since);
        folded
            .into_iter()
            .map(|(f, n)| {
                let key = match n.enrolled_by {
                    Some(by) => format!(
                        "a key that only entry {by} enrolled, which did not pass its checks"
                    ),
                    None => "a key that no entry of the bundle enrolls".into(),
                };
                format!(
                    "{} more, up to entry {}, signed by {f}, {key} (said in this one line, not one by one)",
                    crate::text::count(n.count - 1, "entry"),
                    n.last,
                )
            })
            .collect()
    }
}

impl<'c> Verifier<'c> {
    fn new(conn: &'c Connection, caches: Caches) -> Self {
        Verifier {
            conn,
            marks: std::sync::Arc::new(crate::hash_index::Marks::random()),
            table_marks: Default::default(),
            state_seqs: vec![Vec::new(); crate::store::STATE_KINDS.len()],
            problems: Vec::new(),
            listed: MAX_LISTED,
            more: 0,
            expected_rows: BTreeMap::new(),
            tables_apart: std::collections::BTreeSet::new(),
            counts: Counts::default(),
            origin: None,
            next_seq: 0,
            prev: Hash::ZERO,
            entries: 0,
            current: 0,
            current_id: None,
            keys: HashMap::new(),
            not_enrolled: Unenrolled::default(),
            redacted: HashSet::new(),
            source_shas: HashMap::new(),
            retracted: HashMap::new(),
            retracted_annotations: HashMap::new(),
            missing: HashMap::new(),
            next_n: [1, 1, 1],
            misplaced: HashMap::new(),
            lookups: RefCell::new(Lookups {
                items: [
                    Recent::new(caches.sources),
                    Recent::new(caches.claims),
                    Recent::new(caches.annotations),
                ],
                blobs: TextCache::new(caches.blob_bytes),
            }),
            scans: caches.scans,
            compare_sql: HashMap::new(),
            frontier: crate::tree::Frontier::default(),
            roots_at: BTreeMap::new(),
        }
    }

    fn problem(
        &mut self,
        seq: Option<u64>,
        kind: Option<&str>,
        id: Option<ItemId>,
        check: Check,
        detail: impl Into<String>,
    ) {
        if self.problems.len() >= self.listed {
            self.more += 1;
            return;
        }
        self.problems.push(Problem {
            seq: seq.map(Seq),
            kind: kind.map(str::to_string),
            id,
            checkpoint: None,
            check,
            detail: detail.into(),
        });
    }

    /// A finding about the file itself (SQLite's own checks: a damaged
    /// page, an index that disagrees with its table), listed whatever the
    /// cap, after the schema's and the file's other findings and before the
    /// entries': it explains the entries' findings that follow from it. A
    /// torn copy of a log gave 1,000 "tree node is missing" lines, and the
    /// integrity check's lines that said why were only counted.
    fn cause(&mut self, check: Check, detail: impl Into<String>) {
        if self.problems.len() >= self.listed {
            let last = self
                .problems
                .iter()
                .rposition(|p| !matches!(p.check, Check::Schema | Check::File));
            match last {
                Some(i) => {
                    self.problems.remove(i);
                    self.more += 1;
                }
                None => {
                    self.more += 1;
                    return;
                }
            }
        }
        let at = self
            .problems
            .iter()
            .take_while(|p| matches!(p.check, Check::Schema | Check::File))
            .count();
        self.problems.insert(
            at,
            Problem {
                seq: None,
                kind: None,
                id: None,
                checkpoint: None,
                check,
                detail: detail.into(),
            },
        );
    }

    /// Streams the rows through the two stages (see the module doc).
    fn run(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
        let conn = self.conn;
        let total: Option<i64> =
            conn.query_row("SELECT MAX(seq) FROM entries", [], |r| r.get(0))?;
        let total = total.map_or(0, |s| s.max(-1).saturating_add(1)) as u64;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))?;
        let mut stmt =
            conn.prepare("SELECT seq, kind, payload, sig, hash FROM entries ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        // The merge-join cursors (see `Scans`): their statements first, then
        // the cursors that borrow them.
        let mut table_stmts = Vec::new();
        let mut level_stmts = Vec::new();
        let scanned = projection::ALL
            .iter()
            .filter(|t| self.scans && t.name != projection::KEYS.name);
        for t in scanned {
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                t.cols.join(", "),
                t.name,
                t.cols[..t.key].join(", ")
            );
            table_stmts.push((*t, conn.prepare(&sql)?));
        }
        // Nodes of level L exist once the tree has 2^L leaves.
        let leaves = total.max(count.max(0) as u64);
        for cache in self.lookups.borrow_mut().items.iter_mut() {
            cache.size_for(leaves);
        }
        let levels = if self.scans {
            64 - leaves.leading_zeros() as usize
        } else {
            0
        };
        for _ in 1..levels {
            level_stmts.push(
                conn.prepare("SELECT idx, hash FROM merkle_nodes WHERE level = ? ORDER BY idx")?,
            );
        }
        let mut scans = Scans {
            tables: Vec::new(),
            levels: Vec::new(),
        };
        for (t, stmt) in table_stmts.iter_mut() {
            let mut rows = stmt.query([])?;
            rows.advance()?;
            scans.tables.push((*t, rows));
        }
        for (i, stmt) in level_stmts.iter_mut().enumerate() {
            let mut rows = stmt.query([i as i64 + 1])?;
            rows.advance()?;
            scans.levels.push(rows);
        }
        let mut pending = std::collections::VecDeque::with_capacity(IN_FLIGHT);
        // Chunks done with, whose buffers are filled again rather than freed
        // (a chunk's megabytes were a measurable cost to allocate and free).
        let mut spare: Vec<RawChunk> = Vec::new();
        let mut more = true;
        loop {
            while more && pending.len() < IN_FLIGHT {
                let mut chunk = spare.pop().unwrap_or_else(RawChunk::new);
                more = chunk.fill(&mut rows)?;
                if !chunk.rows.is_empty() {
                    let chunk = std::sync::Arc::new(chunk);
                    pending.push_back((chunk.clone(), launch(chunk, self.marks.clone())));
                }
            }
            let Some((chunk, rx)) = pending.pop_front() else {
                return Ok(());
            };
            let prepared: Vec<Vec<Prepared>> = rx
                .recv()
                .map_err(|_| Error::Internal("a verify worker stopped".into()))?;
            for (i, p) in prepared.iter().flatten().enumerate() {
                self.table_marks.add(p.mark);
                let kind = chunk.column(i, 0);
                if let Some(k) = crate::store::STATE_KINDS
                    .iter()
                    .position(|(name, ..)| name.as_bytes() == kind)
                {
                    self.state_seqs[k].push(p.seq);
                }
                if p.seq < 0 {
                    // No position in the log (they count from 0): a row put
                    // into the file, named as itself and left out of the
                    // numbering, the chain and the tree, so that the entries
                    // after it are judged as what they are.
                    self.entries += 1;
                    let detail = format!(
                        "a row with seq {} ({}): entries are numbered from 0, so no entry was ever written there",
                        p.seq,
                        crate::text::escape(&chunk.kind(i))
                    );
                    self.problem(None, None, None, Check::Sequence, detail);
                    continue;
                }
                self.entry(p, &chunk.kind(i), &mut scans)?;
                if let Some((c, found)) = chunk.rows[i].mistyped {
                    let (name, want, check) = ROW_COLUMNS[c];
                    // (SQLite's names of the classes: `Text` as TEXT.)
                    let detail = format!(
                        "the {name} column holds {} where claimtrail writes {}: the row was edited (whatever its bytes read as)",
                        found.to_string().to_uppercase(),
                        want.to_string().to_uppercase()
                    );
                    let (s, id) = (Some(p.seq as u64), self.current_id);
                    self.problem(s, Some(&chunk.kind(i)), id, check, detail);
                }
            }
            // Freed on the pool, whose threads allocated the payloads: freed
            // here, each went back to the allocator through its slow path
            // (the profile showed about 7 % of the CPU in that drop).
            rayon::spawn(move || drop(prepared));
            if let Ok(mut done) = std::sync::Arc::try_unwrap(chunk) {
                done.clear();
                spare.push(done);
            }
            progress(self.entries, total);
        }
    }

    /// Stage 2 for one entry: every check that needs the log before it.
    fn entry(&mut self, p: &Prepared, row_kind: &str, scans: &mut Scans<'_>) -> Result<()> {
        self.entries += 1;
        let row_seq = p.seq;
        let seq = row_seq.max(0) as u64;
        let s = Some(seq);
        let k = Some(row_kind);
        // Entries missing just before this one: `prev` is then not held
        // against another row's hash (or zeros) as theirs.
        let before_missing = row_seq >= 0 && seq > self.next_seq;
        if row_seq < 0 || seq != self.next_seq {
            let detail = if row_seq < 0 || seq < self.next_seq {
                format!(
                    "row seq {row_seq} is out of order (expected {})",
                    self.next_seq
                )
            } else if seq - 1 == self.next_seq {
                format!(
                    "entry {0} is missing (expected seq {0}, found {seq})",
                    self.next_seq
                )
            } else {
                format!(
                    "entries {}..{} are missing (expected seq {}, found {seq})",
                    self.next_seq,
                    seq - 1,
                    self.next_seq
                )
            };
            self.problem(s, k, None, Check::Sequence, detail);
        }
        self.next_seq = seq + 1;
        self.current = seq;
        self.current_id = None;

        let computed = p.computed;
        let prev = std::mem::replace(&mut self.prev, computed);
        const HASH_DETAIL: &str =
            "stored hash is not SHA-256(0x00 || leaf) of the payload and signature";

        let parsed = match &p.parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                self.problem(s, k, None, e.check(), e.detail());
                if !p.hash_ok {
                    self.problem(s, k, None, Check::Hash, HASH_DETAIL);
                }
                // Its signer cannot be known, but whether its bytes are still
                // those signed can: a signature that fails says the payload
                // was changed after signing, one that holds says a key holder
                // signed an entry that does not parse.
                match &p.sig {
                    Err(e) => self.problem(s, k, None, Check::Signature, e.as_str()),
                    Ok((_, Err(e))) => self.problem(
                        s,
                        k,
                        None,
                        Check::Signature,
                        format!("{e} {}", sigcheck::CHANGED_AFTER_SIGNING),
                    ),
                    Ok((_, Ok(()))) => {}
                }
                // The entry's id number is still taken, so later ids line up;
                // references to it find nothing.
                if let Some(i) = id_kind_of(row_kind) {
                    let id = ItemId::new(i, self.next_n[i.index()]);
                    self.next_n[i.index()] += 1;
                    self.misplaced.insert(id, seq);
                    self.remember(id, None);
                }
                return self.tree_nodes(scans, seq, row_kind, None, computed);
            }
        };
        let h = &parsed.header;
        let id = parsed.body.creates().map(|i| {
            let n = self.next_n[i.index()];
            self.next_n[i.index()] += 1;
            ItemId::new(i, n)
        });
        self.current_id = id;
        if !p.hash_ok {
            self.problem(s, k, id, Check::Hash, HASH_DETAIL);
        }
        if h.seq.0 != seq {
            self.problem(
                s,
                k,
                id,
                Check::Sequence,
                format!("payload seq {} differs from the row's seq {seq}", h.seq),
            );
        }
        if h.kind.as_str() != row_kind {
            self.problem(
                s,
                k,
                id,
                Check::Header,
                format!(
                    "kind column `{}` differs from the payload kind {}",
                    crate::text::escape(row_kind),
                    h.kind
                ),
            );
        }
        if let Body::LogInit(b) = &parsed.body {
            if seq == 0 {
                self.origin = Some(b.origin.clone());
            }
        }
        let mut of_this_log = true;
        if let Some(origin) = &self.origin {
            if &h.log != origin {
                of_this_log = false;
                let d = format!(
                    "log `{}` is not this log's origin `{origin}`",
                    crate::text::escape(&h.log)
                );
                self.problem(s, k, id, Check::Header, d);
            }
        }
        if h.prev != prev {
            // The entry before is missing (the `sequence` problem says so):
            // `prev` was held against the hash of another row, or zeros,
            // and shown as the missing entry's hash.
            let detail = match before_missing {
                true => format!(
                    "prev {} names entry {}, which is missing, so the chain cannot be followed to it",
                    &h.prev.to_hex()[..12],
                    seq - 1
                ),
                false => chain_detail(&h.prev, seq, &prev),
            };
            self.problem(s, k, id, Check::Chain, detail);
        }

        // Signature: stage 1 checked it against the key inside the SSHSIG;
        // here that key must be the signer's enrolled key (for log.init, the
        // key it enrolls). An unknown signer's signature is still reported
        // on, so the report says both what and who is wrong.
        let auth = rules::authorize(self, h, &parsed.body)?;
        let expected: Option<Option<[u8; 32]>> = match &auth {
            Ok(info) => Some(info.public.ed25519_bytes()),
            Err(_) => self.keys.get(&h.signer).map(|k| k.public.ed25519_bytes()),
        };
        // An entry changes what later entries are judged by (who is
        // enrolled, revoked, redacted) only when it is authentic: signed by
        // the key its header names, for this log, as well as authorized and
        // well formed. A `key.add` signed by another key than the admin's it
        // names had enrolled its key, and everything that key signed after
        // (a revocation of the admin, retractions, more admins) passed, the
        // report naming the one bad signature. A broken chain or sequence
        // does not count here: a row deleted before an entry breaks it
        // without making the entry any less the signer's.
        let mut valid = of_this_log;
        if let Some(d) = sigcheck::judge(&p.sig, expected) {
            self.problem(s, k, id, Check::Signature, d);
            valid = false;
        }
        if let Err(Violation { check, detail, .. }) = auth {
            // An entry signed by a key whose enrolment did not pass says
            // so, the first of them; the others are counted ([`Unenrolled`]).
            let enrolled = self.keys.contains_key(&h.signer);
            if let Some(d) = self
                .not_enrolled
                .authorization(seq, &h.signer, enrolled, detail)
            {
                self.problem(s, k, id, check, d);
            }
            valid = false;
        }
        if let Err(Violation { check, detail, .. }) = rules::check_body(self, h, &parsed.body)? {
            self.problem(s, k, id, check, detail);
            valid = false;
        }
        if !valid {
            self.not_enrolled.failed(seq, h, &parsed.body);
        }

        // Source texts.
        match &parsed.body {
            Body::SourceAdd(b) => {
                let n = id.map_or(0, |i| i.n);
                match self.blob_cached(&b.sha256)? {
                    None => {
                        self.missing.insert(n, seq);
                    }
                    Some(data) => {
                        if Hash::sha256(data.bytes()) != b.sha256 {
                            self.problem(
                                s,
                                k,
                                id,
                                Check::Blob,
                                "stored text does not match the signed SHA-256",
                            );
                        } else if data.bytes().len() as u64 != b.length {
                            self.problem(
                                s,
                                k,
                                id,
                                Check::Blob,
                                "stored text length differs from the signed length",
                            );
                        }
                    }
                }
            }
            Body::SourceRedact(b) if valid => {
                self.missing.remove(&b.source.id.n);
                if let Some(info) = self.source(b.source.id.n)? {
                    if self.blob_cached(&info.sha256)?.is_some() {
                        self.problem(
                            s,
                            k,
                            id,
                            Check::Blob,
                            format!("{} was redacted but its text is still stored", b.source.id),
                        );
                    }
                }
            }
            _ => {}
        }

        // Projection rows, table by table (an entry's rows of one table
        // are next to each other).
        let rows = projection::rows(h, &parsed.body, id.map(|i| i.n));
        let mut rest = &rows[..];
        while let Some(first) = rest.first() {
            let len = rest.iter().take_while(|r| r.table == first.table).count();
            let (group, after) = rest.split_at(len);
            rest = after;
            *self.expected_rows.entry(first.table).or_default() += len as u64;
            let details = match scans.table(first.table) {
                Some(scan) => compare_group(scan, group)?,
                None => {
                    let mut out = Vec::new();
                    for row in group {
                        out.extend(self.compare(row)?);
                    }
                    out
                }
            };
            if !details.is_empty() {
                self.tables_apart.insert(first.table);
                if let Some(i) = id.filter(|i| table_of(i.kind) == first.table) {
                    self.misplaced.insert(i, seq);
                }
            }
            for d in details {
                self.problem(s, k, id, Check::Projection, d);
            }
        }

        self.tree_nodes(scans, seq, row_kind, id, computed)?;
        if let Some(i) = id {
            self.remember(i, ItemInfo::of(seq, computed, parsed));
        }

        // State, only from entries that passed.
        if valid {
            match &parsed.body {
                Body::LogInit(_) | Body::KeyAdd(_) | Body::KeyRevoke(_) => {
                    rules::apply_key_change(&mut self.keys, h, &parsed.body);
                }
                Body::SourceAdd(b) => {
                    let n = id.map_or(0, |i| i.n);
                    self.source_shas.entry(b.sha256).or_insert(n);
                }
                Body::SourceRedact(b) => {
                    self.redacted.insert(b.source.id.n);
                }
                Body::SourceAmend(_) => self.counts.source_amendments += 1,
                Body::ClaimRetract(b) => {
                    self.retracted.insert(b.claim.id.n, seq);
                }
                Body::AnnotationRetract(b) => {
                    self.retracted_annotations.insert(b.annotation.id.n, seq);
                }
                Body::CheckpointAdd(b) => {
                    self.counts.checkpoints += 1;
                    self.counts.latest_checkpoint = Some(TreeSize(b.size));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds the entry's leaf to the re-derived tree and compares the nodes
    /// it completes with `merkle_nodes`.
    fn tree_nodes(
        &mut self,
        scans: &mut Scans<'_>,
        seq: u64,
        kind: &str,
        id: Option<ItemId>,
        leaf: Hash,
    ) -> Result<()> {
        let completed = self.frontier.push(leaf);
        if let Some(slot) = self.roots_at.get_mut(&self.frontier.size().0) {
            *slot = Some(self.frontier.root());
        }
        for (level, idx, hash) in completed {
            *self.expected_rows.entry("merkle_nodes").or_default() += 1;
            let same = match scans.levels.get_mut(level as usize - 1) {
                Some(cursor) => node_at(cursor, idx, &hash)?,
                None => {
                    let mut stmt = self.conn.prepare_cached(
                        "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?",
                    )?;
                    let mut rows = stmt.query(rusqlite::params![level, idx as i64])?;
                    match rows.next()? {
                        None => None,
                        Some(r) => {
                            Some(matches!(r.get_ref(0)?, ValueRef::Blob(b) if b == &hash.0[..]))
                        }
                    }
                }
            };
            if same != Some(true) {
                let what = if same.is_some() {
                    "differs from"
                } else {
                    "is missing; expected"
                };
                let d = format!(
                    "tree node (level {level}, index {idx}) {what} {}",
                    &hash.to_hex()[..12]
                );
                self.problem(Some(seq), Some(kind), id, Check::Projection, d);
            }
        }
        Ok(())
    }

    /// Compares a projection row with its table: `None` when equal,
    /// otherwise which row or column differs. It does not allocate when the
    /// row is equal, and a column holding invalid UTF-8 is reported like
    /// any other difference, never a failure.
    fn compare(&mut self, row: &projection::Row) -> Result<Option<String>> {
        let sql = self.compare_sql.entry(row.table).or_insert_with(|| {
            let cond = row.cols[..row.key]
                .iter()
                .map(|c| format!("{c} = ?"))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "SELECT {} FROM {} WHERE {cond}",
                row.cols.join(", "),
                row.table
            )
        });
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(row.values[..row.key].iter()))?;
        match rows.next()? {
            None => Ok(Some(no_row(row))),
            Some(found) => column_difference(found, row),
        }
    }

    /// What can only be judged after the last entry: texts no entry
    /// accounts for, rows no entry implies, an empty log.
    fn final_checks(&mut self) -> Result<()> {
        for line in self.not_enrolled.summaries() {
            self.problem(None, None, None, Check::Authorization, line);
        }
        if self.entries == 0 {
            self.problem(
                None,
                None,
                None,
                Check::Sequence,
                "the log has no entries (no log.init)",
            );
        }
        let mut missing: Vec<(u64, u64)> = self.missing.iter().map(|(n, s)| (*n, *s)).collect();
        missing.sort_unstable();
        for (n, seq) in missing {
            self.problem(
                Some(seq),
                Some("source.add"),
                Some(ItemId::source(n)),
                Check::Blob,
                "the source's text is missing and no source.redact entry removed it",
            );
        }
        for table in projection::TABLES.iter().chain(&["merkle_nodes"]) {
            let want = self.expected_rows.get(table).copied().unwrap_or(0);
            let got = projection::count(self.conn, table)?;
            if got != want {
                self.problem(
                    None,
                    None,
                    None,
                    Check::Projection,
                    format!(
                        "table {table} has {} but the entries imply {want}",
                        crate::text::count(got as u64, "row")
                    ),
                );
            }
            // The rows that cannot be any entry's, named, so that an
            // auditor need not diff the tables by hand to find a row that
            // `list` and `show` present as real. (A row that copies a real
            // one's seq is counted above, not named.) Link rows carry no
            // seq, so that query cannot tell a forged one: they are judged
            // against the entry of the item they hang from, when the count
            // or some entry's rows already showed the table edited (never
            // on an honest log).
            let mut unimplied = Vec::new();
            if got > want {
                unimplied = unimplied_rows(self.conn, table, self.entries)?;
            }
            if got > want || self.tables_apart.contains(table) {
                unimplied.extend(self.unimplied_links(table)?);
            }
            for row in unimplied {
                self.problem(
                    None,
                    None,
                    None,
                    Check::Projection,
                    format!("table {table} row {row} is implied by no entry"),
                );
            }
        }
        // Texts are compared as bytes, which a TEXT value holds as well:
        // its storage class is checked apart (`typeof` reads no text).
        let mistyped: i64 = self.conn.query_row(
            "SELECT count(*) FROM blobs WHERE typeof(sha256) <> 'blob' OR typeof(data) <> 'blob'",
            [],
            |r| r.get(0),
        )?;
        if mistyped > 0 {
            self.problem(
                None,
                None,
                None,
                Check::Blob,
                format!(
                    "{} of table blobs {} TEXT or another storage class where claimtrail writes BLOB: edited (whatever the bytes read as)",
                    crate::text::count(mistyped as u64, "row"),
                    if mistyped == 1 { "holds" } else { "hold" }
                ),
            );
        }
        let blobs = projection::count(self.conn, "blobs")?;
        let want_blobs = (self.next_n[0] - 1).saturating_sub(self.redacted.len() as u64);
        if blobs > want_blobs {
            self.problem(
                None,
                None,
                None,
                Check::Blob,
                format!(
                    "table blobs holds {} more than the sources not redacted have: a text of no source, or a redacted source's text put back",
                    crate::text::count(blobs - want_blobs, "text")
                ),
            );
        }
        Ok(())
    }

    /// The report of what was read and found.
    fn into_report(mut self) -> Report {
        self.counts.keys = self.keys.len() as u64;
        self.counts.revoked_keys =
            self.keys.values().filter(|k| k.revoked.is_some()).count() as u64;
        self.counts.sources = self.next_n[0] - 1;
        self.counts.redacted_sources = self.redacted.len() as u64;
        self.counts.claims = self.next_n[1] - 1;
        self.counts.retracted_claims = self.retracted.len() as u64;
        self.counts.retracted_annotations = self.retracted_annotations.len() as u64;
        self.counts.annotations = self.next_n[2] - 1;
        let head = if self.entries > 0 {
            Some(self.prev)
        } else {
            None
        };
        Report {
            origin: self.origin,
            entries: self.entries,
            head,
            counts: self.counts,
            checks: ALL_CHECKS.iter().map(|c| c.as_str()).collect(),
            ok: self.problems.is_empty() && self.more == 0,
            problems: self.problems,
            more_problems: self.more,
            tree_size: self.frontier.size(),
            tree_root: self.frontier.root(),
            checkpoints: Vec::new(),
        }
    }

    /// A source text, from the small cache of recent texts or the store
    /// (a source's claims usually follow it closely).
    fn blob_cached(&self, sha: &Hash) -> Result<Option<std::rc::Rc<SourceText>>> {
        if let Some(data) = self.lookups.borrow().blobs.get(sha) {
            return Ok(Some(data));
        }
        let data: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT data FROM blobs WHERE sha256 = ?")?
            .query_row([&sha.0[..]], |r| Ok(blob_ref(r.get_ref(0)?).into_owned()))
            .optional()?;
        let Some(data) = data else { return Ok(None) };
        let data = std::rc::Rc::new(SourceText::new(data));
        self.lookups.borrow_mut().blobs.insert(*sha, data.clone());
        Ok(Some(data))
    }

    fn remember(&self, id: ItemId, info: Option<ItemInfo>) {
        self.lookups.borrow_mut().items[id.kind.index()].insert(id.n, info);
    }

    /// The earlier item `id`, as its creating entry says: from the cache,
    /// or read back from `entries` (same answer either way).
    fn item_info(&self, id: ItemId) -> Result<Option<ItemInfo>> {
        if id.n == 0 || id.n >= self.next_n[id.kind.index()] || Some(id) == self.current_id {
            return Ok(None); // not created before this entry
        }
        let cached = self.lookups.borrow().items[id.kind.index()].get(id.n);
        let info = match cached {
            Some(info) => info,
            None => {
                let info = self.fetch(id)?;
                self.remember(id, info.clone());
                info
            }
        };
        Ok(info.filter(|i| i.seq < self.current))
    }

    /// Reads item `id`'s entry back: its seq from the projection table
    /// (checked equal to the entries' numbering when the item was verified,
    /// or else recorded in `misplaced`), then the entry itself.
    fn fetch(&self, id: ItemId) -> Result<Option<ItemInfo>> {
        let Some(seq) = self.item_seq(id)? else {
            return Ok(None);
        };
        let Some((payload, sig, p)) = self.read_back(seq as u64)? else {
            return Ok(None);
        };
        if p.body.creates() != Some(id.kind) {
            return Ok(None);
        }
        Ok(ItemInfo::of(seq as u64, entry_hash(&payload, &sig), &p))
    }

    /// Up to ten rows of a link table (`relations`, `source_links`) that
    /// the entry of the item they hang from (an annotation, a source) does
    /// not imply, named by their key; empty for other tables. The item's
    /// entry is found as [`Verifier::fetch`] finds it. This names forged
    /// rows; it does not re-check the rows an entry does imply (the entry's
    /// own check did).
    fn unimplied_links(&self, table: &str) -> Result<Vec<String>> {
        let (t, kind) = match table {
            "relations" => (&projection::RELATIONS, IdKind::Annotation),
            "source_links" => (&projection::SOURCE_LINKS, IdKind::Source),
            _ => return Ok(Vec::new()),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM {} ORDER BY {}",
            t.cols.join(", "),
            t.name,
            t.cols[..t.key].join(", ")
        ))?;
        let mut rows = stmt.query([])?;
        let mut implied: Option<(i64, Vec<projection::Row>)> = None;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let n = match r.get_ref(0)? {
                ValueRef::Integer(n) => n,
                _ => -1,
            };
            if implied.as_ref().map(|(k, _)| *k) != Some(n) {
                let rows = match u64::try_from(n) {
                    Ok(n) if n > 0 => self.implied_by(ItemId::new(kind, n), t.name)?,
                    _ => Vec::new(),
                };
                implied = Some((n, rows));
            }
            let mut found = false;
            for want in implied.iter().flat_map(|(_, rows)| rows) {
                let mut same = true;
                for c in 0..t.key {
                    same = same && same_value(r.get_ref(c)?, &want.values[c]);
                }
                found = found || same;
            }
            if !found {
                let mut key = Vec::with_capacity(t.key);
                for (c, col) in t.cols[..t.key].iter().enumerate() {
                    key.push(format!("{}={}", col.trim_matches('"'), show(r.get_ref(c)?)));
                }
                out.push(key.join(", "));
                if out.len() == 10 {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The rows of `table` that item `id`'s entry implies (none when the
    /// item has no entry that creates it).
    fn implied_by(&self, id: ItemId, table: &str) -> Result<Vec<projection::Row>> {
        // An id past the items the log created is no item's, whatever row
        // of its table names it (an annotation renumbered A2 to A50 with
        // its relations: red team W, L1).
        if id.n >= self.next_n[id.kind.index()] {
            return Ok(Vec::new());
        }
        let Some(seq) = self.item_seq(id)?.and_then(|s| u64::try_from(s).ok()) else {
            return Ok(Vec::new());
        };
        let Some((_, _, p)) = self.read_back(seq)? else {
            return Ok(Vec::new());
        };
        if p.body.creates() != Some(id.kind) {
            return Ok(Vec::new());
        }
        Ok(projection::rows(&p.header, &p.body, Some(id.n))
            .into_iter()
            .filter(|r| r.table == table)
            .collect())
    }

    /// Where item `id`'s entry is: its seq from the projection table
    /// (checked equal to the entries' numbering when the item was
    /// verified, or else recorded in `misplaced`).
    fn item_seq(&self, id: ItemId) -> Result<Option<i64>> {
        if let Some(&s) = self.misplaced.get(&id) {
            return Ok(Some(s as i64));
        }
        let sql = format!("SELECT seq FROM {} WHERE id = ?", table_of(id.kind));
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id.n as i64], |r| {
                Ok(match r.get_ref(0)? {
                    ValueRef::Integer(n) => Some(n),
                    _ => None,
                })
            })
            .optional()?
            .flatten())
    }

    /// An earlier entry read back by seq: its payload, signature and
    /// parsed payload; `None` when the row is gone or does not parse.
    fn read_back(&self, seq: u64) -> Result<Option<ReadBack>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT payload, sig FROM entries WHERE seq = ?")?
            .query_row([seq as i64], |r| {
                Ok((
                    blob_ref(r.get_ref(0)?).into_owned(),
                    blob_ref(r.get_ref(1)?).into_owned(),
                ))
            })
            .optional()?;
        Ok(row.and_then(|(payload, sig)| {
            let p = Payload::parse(&payload).ok()?;
            Some((payload, sig, p))
        }))
    }
}

/// An entry read back ([`Verifier::read_back`]): payload bytes, signature
/// bytes, and the payload parsed.
type ReadBack = (Vec<u8>, Vec<u8>, Payload);

/// Up to ten rows of `table` that no entry of a log of `entries` entries
/// can imply: an item row whose `seq` is no entry of the kind that makes
/// it, a tree node past the tree's complete subtrees. Named by their key
/// and seq. Tables whose rows carry no seq (links, relations) are named by
/// [`Verifier::unimplied_links`].
fn unimplied_rows(conn: &Connection, table: &str, entries: u64) -> Result<Vec<String>> {
    let kinds = match table {
        "keys" => "'log.init', 'key.add'",
        "revocations" => "'key.revoke'",
        "sources" => "'source.add'",
        "redactions" => "'source.redact'",
        "claims" => "'claim.add'",
        "annotations" => "'annotation.add'",
        "retractions" => "'claim.retract'",
        "annotation_retractions" => "'annotation.retract'",
        "source_amendments" => "'source.amend'",
        "checkpoints" => "'checkpoint.add'",
        "merkle_nodes" => {
            let mut stmt = conn.prepare(
                "SELECT level, idx FROM merkle_nodes
                 WHERE level < 1 OR level > 62 OR idx < 0 OR idx >= (?1 >> level)
                 ORDER BY level, idx LIMIT 10",
            )?;
            let rows = stmt.query_map([entries as i64], |r| {
                Ok(format!(
                    "level={}, idx={}",
                    show(r.get_ref(0)?),
                    show(r.get_ref(1)?)
                ))
            })?;
            return Ok(rows.collect::<std::result::Result<_, _>>()?);
        }
        _ => return Ok(Vec::new()),
    };
    let key = match table {
        "keys" => "fingerprint",
        "sources" | "claims" | "annotations" => "id",
        _ => "seq",
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT t.{key}, t.seq FROM {table} t
         WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.seq = t.seq AND e.kind IN ({kinds}))
         ORDER BY t.seq LIMIT 10"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(match key {
            "seq" => format!("seq={}", show(r.get_ref(1)?)),
            _ => format!(
                "{key}={} (seq {})",
                show(r.get_ref(0)?),
                show(r.get_ref(1)?)
            ),
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Projection tables and tree levels read in key order beside the entries:
/// a merge join, one sequential pass over each table instead of a lookup
/// per row. Every table but `keys` grows in the order of its first column
/// (ids and seqs are handed out in log order), and the nodes of each tree
/// level are completed in index order. A row no entry implies is skipped
/// here and counted by the final row-count check; a row out of place is
/// reported as missing where it belongs. The answer is the one a lookup
/// per row would give (a test compares them on tampered logs).
struct Scans<'s> {
    tables: Vec<(&'static projection::Table, rusqlite::Rows<'s>)>,
    /// `levels[L - 1]`: the nodes of level L, by index.
    levels: Vec<rusqlite::Rows<'s>>,
}

impl<'s> Scans<'s> {
    fn table(&mut self, name: &str) -> Option<&mut rusqlite::Rows<'s>> {
        self.tables
            .iter_mut()
            .find(|(t, _)| t.name == name)
            .map(|(_, rows)| rows)
    }
}

/// Where a key value falls against the integer `k`, in SQLite's order
/// (NULL first, numbers by value, text and blobs after all numbers).
fn order(v: ValueRef<'_>, k: i64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match v {
        ValueRef::Null => Ordering::Less,
        ValueRef::Integer(n) => n.cmp(&k),
        ValueRef::Real(f) => f.partial_cmp(&(k as f64)).unwrap_or(Ordering::Less),
        ValueRef::Text(_) | ValueRef::Blob(_) => Ordering::Greater,
    }
}

/// Compares the rows an entry implies in one table (all with the same
/// first column) with the table's rows under that first column, read from
/// the cursor: what differs, in the order of `group`.
fn compare_group(
    cursor: &mut rusqlite::Rows<'_>,
    group: &[projection::Row],
) -> Result<Vec<String>> {
    let Some(Value::Integer(k)) = group.first().map(|r| &r.values[0]) else {
        return Err(Error::Internal(
            "a projection row without an integer key".into(),
        ));
    };
    let mut found: Vec<Option<Option<String>>> = vec![None; group.len()];
    while let Some(r) = cursor.get() {
        match order(r.get_ref(0)?, *k) {
            std::cmp::Ordering::Greater => break,
            std::cmp::Ordering::Less => {} // implied by no entry: counted at the end
            std::cmp::Ordering::Equal => {
                let mut at = None;
                for (i, want) in group.iter().enumerate() {
                    let mut same = found[i].is_none();
                    for c in 0..want.key {
                        same = same && same_value(r.get_ref(c)?, &want.values[c]);
                    }
                    if same {
                        at = Some(i);
                        break;
                    }
                }
                if let Some(i) = at {
                    found[i] = Some(column_difference(r, &group[i])?);
                }
            }
        }
        cursor.advance()?;
    }
    Ok(found
        .into_iter()
        .zip(group)
        .filter_map(|(f, row)| match f {
            None => Some(no_row(row)),
            Some(d) => d,
        })
        .collect())
}

/// Whether the cursor over one tree level holds node `idx` with this hash
/// (`None`: it has no such node).
fn node_at(cursor: &mut rusqlite::Rows<'_>, idx: u64, hash: &Hash) -> Result<Option<bool>> {
    loop {
        let Some(r) = cursor.get() else {
            return Ok(None);
        };
        match order(r.get_ref(0)?, idx as i64) {
            std::cmp::Ordering::Less => {} // not implied: counted at the end
            std::cmp::Ordering::Greater => return Ok(None),
            std::cmp::Ordering::Equal => {
                let same = matches!(r.get_ref(1)?, ValueRef::Blob(b) if b == &hash.0[..]);
                cursor.advance()?;
                return Ok(Some(same));
            }
        }
        cursor.advance()?;
    }
}

/// A projection row's key, as problems name it: `id=3` or
/// `annotation_id=2, relation="corroborates", other_claim=1`.
fn key_desc(row: &projection::Row) -> String {
    row.cols[..row.key]
        .iter()
        .zip(&row.values)
        .map(|(c, v)| format!("{}={}", c.trim_matches('"'), show(v.into())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn no_row(row: &projection::Row) -> String {
    format!("table {} has no row {}", row.table, key_desc(row))
}

/// Every column in which a table's row differs from the row an entry
/// implies, in one detail: an auditor sizing the damage of a row edited in
/// three columns must see all three, not the first. It does not allocate
/// when they are equal, and a column holding invalid UTF-8 is reported
/// like any other difference, never a failure.
fn column_difference(found: &rusqlite::Row<'_>, row: &projection::Row) -> Result<Option<String>> {
    let mut out: Option<String> = None;
    for (i, (col, want)) in row.cols.iter().zip(&row.values).enumerate() {
        let got = found.get_ref(i)?;
        if !same_value(got, want) {
            let apart = shown_apart(got, want.into());
            let column = format!(
                "column {} is {} but the entry implies {}",
                col.trim_matches('"'),
                apart.0,
                apart.1
            );
            match &mut out {
                None => {
                    out = Some(format!(
                        "table {} row {}: {column}",
                        row.table,
                        key_desc(row)
                    ))
                }
                Some(d) => {
                    d.push_str("; ");
                    d.push_str(&column);
                }
            }
        }
    }
    Ok(out)
}

/// The 32 bytes of an enrolled ed25519 key (`None` if it is not ed25519,
/// which enrolment refuses).
/// `ValueRef` equality with a `Value`, as `Value`'s own `==` would say.
fn same_value(got: ValueRef<'_>, want: &Value) -> bool {
    match (got, want) {
        (ValueRef::Null, Value::Null) => true,
        (ValueRef::Integer(a), Value::Integer(b)) => a == *b,
        (ValueRef::Real(a), Value::Real(b)) => a == *b,
        (ValueRef::Text(a), Value::Text(b)) => a == b.as_bytes(),
        (ValueRef::Blob(a), Value::Blob(b)) => a == &b[..],
        _ => false,
    }
}

/// A value as a problem's detail shows it (text cut at 40 characters, blobs as hex).
/// Two values that differ, shown as [`show`] shows them, but from a little
/// before where they first differ when that is past what `show` shows:
/// two long texts that differ after their 40th character read as the same
/// text twice ("column note is "newsroom…Vs3vrJxEd" but the entry implies
/// "newsroom…Vs3vrJxEd""), and the reader could not see what changed.
fn shown_apart(got: ValueRef<'_>, want: ValueRef<'_>) -> (String, String) {
    const TEXT: usize = 40;
    const BYTES: usize = 8;
    match (got, want) {
        (ValueRef::Text(a), ValueRef::Text(b)) => {
            let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
            let at = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
            if at < TEXT {
                return (show(got), show(want));
            }
            let from = at - 10;
            let window = |s: &str| {
                let rest: String = s.chars().skip(from).take(TEXT).collect();
                let more = s.chars().count() > from + TEXT;
                format!(
                    "…{}{} (from character {from})",
                    quoted(&rest, TEXT),
                    if more { "…" } else { "" }
                )
            };
            (window(&a), window(&b))
        }
        (ValueRef::Blob(a), ValueRef::Blob(b)) => {
            let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            if at < BYTES && a.len() == b.len() {
                return (show(got), show(want));
            }
            let from = at.saturating_sub(2);
            let window = |v: &[u8]| {
                let end = v.len().min(from + BYTES);
                format!(
                    "x'{}{}' ({} bytes, from byte {from})",
                    if from > 0 { "…" } else { "" },
                    hex::encode(v.get(from..end).unwrap_or(&[])),
                    v.len()
                )
            };
            (window(a), window(b))
        }
        _ => (show(got), show(want)),
    }
}

/// A table's text in double quotes, as a problem line shows it: `"` and
/// `\` escaped, and what [`crate::text::escape`] escapes so (a control or bidi
/// character, `\u{202e}`, cannot rewrite the line on a terminal); cut after
/// `max` characters, with `…` after the closing quote when it was cut (a
/// fingerprint cut without a mark looked whole). Not Rust's `{:?}`, whose
/// escapes (`\0`, `\r`, `\u{301}`) differ from those of every other line.
fn quoted(s: &str, max: usize) -> String {
    let cut = s.chars().count() > max;
    let shown: String = s.chars().take(max).collect();
    let mut out = String::with_capacity(shown.len() + 4);
    out.push('"');
    for c in shown.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push_str(&crate::text::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out.push('"');
    if cut {
        out.push('…');
    }
    out
}

fn show(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(s) => quoted(&String::from_utf8_lossy(s), 40),
        ValueRef::Blob(b) => format!("x'{}'", hex::encode(&b[..b.len().min(8)])),
    }
}

const ALL_CHECKS: &[Check] = &[
    Check::Schema,
    Check::File,
    Check::Canonical,
    Check::Header,
    Check::Sequence,
    Check::Chain,
    Check::Hash,
    Check::Signature,
    Check::Authorization,
    Check::Body,
    Check::Reference,
    Check::Blob,
    Check::Quote,
    Check::Projection,
    Check::Checkpoint,
];

fn id_kind_of(kind: &str) -> Option<IdKind> {
    match kind.parse::<Kind>().ok()? {
        Kind::SourceAdd => Some(IdKind::Source),
        Kind::ClaimAdd => Some(IdKind::Claim),
        Kind::AnnotationAdd => Some(IdKind::Annotation),
        _ => None,
    }
}

/// A column's bytes whatever its storage class: a tampered row may hold
/// TEXT (even invalid UTF-8) where a BLOB belongs, and must be reported,
/// not crash the verifier.
fn blob_ref(v: ValueRef<'_>) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => Cow::Borrowed(b),
        ValueRef::Integer(n) => Cow::Owned(n.to_string().into_bytes()),
        ValueRef::Real(f) => Cow::Owned(f.to_string().into_bytes()),
        ValueRef::Null => Cow::Borrowed(&[]),
    }
}

/// Verify's view of the history: keys and redactions replayed from the
/// entries; earlier items as their own entries say (see `item_info`).
impl History for Verifier<'_> {
    fn key(&self, fp: &Fingerprint) -> Result<Option<std::rc::Rc<KeyInfo>>> {
        Ok(self.keys.get(fp).cloned())
    }
    fn active_admins(&self) -> Result<u64> {
        Ok(rules::active_admins(&self.keys))
    }
    fn keys(&self) -> Result<Vec<std::rc::Rc<KeyInfo>>> {
        Ok(self.keys.values().cloned().collect())
    }
    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        Ok(self.item_info(id)?.map(|i| (Seq(i.seq), i.hash)))
    }
    fn source(&self, n: u64) -> Result<Option<SourceInfo>> {
        Ok(match self.item_info(ItemId::source(n))? {
            Some(ItemInfo {
                what: What::Source { sha256, length },
                ..
            }) => Some(SourceInfo {
                sha256,
                length,
                redacted: self.redacted.contains(&n),
            }),
            _ => None,
        })
    }
    fn source_with_sha(&self, sha: &Hash) -> Result<Option<u64>> {
        Ok(self.source_shas.get(sha).copied())
    }
    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>> {
        Ok(match self.item_info(ItemId::annotation(n))? {
            Some(ItemInfo {
                what: What::Annotation { claim, signer },
                ..
            }) => Some((claim, signer)),
            _ => None,
        })
    }
    fn item_signer(&self, id: ItemId) -> Result<Option<Fingerprint>> {
        // Asked only of a retraction or an amendment: the item's entry is
        // read back rather than its signer kept for every item.
        let Some(info) = self.item_info(id)? else {
            return Ok(None);
        };
        Ok(self.read_back(info.seq)?.map(|(.., p)| p.header.signer))
    }
    fn retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self.retracted.get(&n).map(|&s| Seq(s)))
    }
    fn annotation_retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self.retracted_annotations.get(&n).map(|&s| Seq(s)))
    }
    fn blob(&self, sha: &Hash) -> Result<Option<std::rc::Rc<SourceText>>> {
        self.blob_cached(sha)
    }
    fn tree_root(&self, size: u64) -> Result<Option<Hash>> {
        let f = &self.frontier;
        Ok((f.size().0 == size).then(|| f.root()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries a key signs after its enrolment failed: the first with
    /// the entry that enrolled it, the rest counted into one line per key,
    /// in the order of the failed enrolments; a key never enrolled by a
    /// failed entry, or enrolled, is each entry's own finding; a bundle's
    /// key that no entry of it enrolls is folded with that cause.
    #[test]
    fn the_entries_of_a_key_whose_enrolment_failed_are_folded() {
        let fp = |c: char| -> Fingerprint {
            format!("SHA256:{}", c.to_string().repeat(43))
                .parse()
                .unwrap()
        };
        let (a, b, c, d) = (fp('a'), fp('b'), fp('c'), fp('d'));
        let header = |signer: &Fingerprint| crate::entry::Header {
            log: "test.example/log".into(),
            seq: Seq(0),
            prev: Hash::ZERO,
            time: "2026-12-07T00:00:00Z".into(),
            signer: signer.clone(),
            kind: Kind::LogInit,
        };
        let init = Body::LogInit(LogInit {
            key: String::new(),
            name: "admin".into(),
            origin: "test.example/log".into(),
        });
        let mut u = Unenrolled::default();
        u.failed(0, &header(&a), &init);
        // A body that enrolls no key records nothing.
        let checkpoint = Body::CheckpointAdd(CheckpointAdd {
            note: String::new(),
            root: Hash::ZERO,
            size: 1,
        });
        u.failed(1, &header(&b), &checkpoint);
        let not = |s: &Fingerprint| format!("signer {s} is not enrolled");
        assert_eq!(
            u.authorization(2, &a, false, not(&a)).as_deref(),
            Some(
                format!(
                    "{}: entry 0 enrolled it, and that entry did not pass its checks",
                    not(&a)
                )
                .as_str()
            )
        );
        assert_eq!(u.authorization(3, &a, false, not(&a)), None);
        assert_eq!(u.authorization(5, &a, false, not(&a)), None);
        // Enrolled (by an entry that passed since), or never by a failed
        // entry: the finding as it is.
        assert_eq!(
            u.authorization(6, &a, true, "revoked".into()).as_deref(),
            Some("revoked")
        );
        assert_eq!(u.authorization(7, &b, false, not(&b)), Some(not(&b)));
        // A key signing once after its failed enrolment needs no summary.
        u.failed(8, &header(&c), &init);
        assert!(u.authorization(9, &c, false, not(&c)).is_some());
        // A bundle's key that no entry of it enrolls.
        u.absent(10, &d);
        assert!(u
            .authorization(10, &d, false, not(&d))
            .is_some_and(|l| l.ends_with(": no entry of the bundle enrolls it (the entry that enrolled it is left out, or does not parse)")));
        assert_eq!(u.authorization(11, &d, false, not(&d)), None);
        assert_eq!(
            u.summaries(),
            [
                format!("2 entries more, up to entry 5, signed by {a}, a key that only entry 0 enrolled, which did not pass its checks (said in this one line, not one by one)"),
                format!("1 entry more, up to entry 11, signed by {d}, a key that no entry of the bundle enrolls (said in this one line, not one by one)"),
            ]
        );
    }

    /// The item cache holds exactly the last `cap` items created; an item
    /// read back out of order takes its slot; a small log gets a small
    /// array.
    #[test]
    fn recent_holds_the_last_items_created() {
        let mut r: Recent<u64> = Recent::new(200); // rounded up to 256
        r.size_for(20);
        assert_eq!(r.slots.len(), 32);
        r.size_for(1_000_000);
        for n in 1..=1000u64 {
            r.insert(n, n * 10);
            assert_eq!(r.get(n), Some(n * 10));
            let oldest = n.saturating_sub(255).max(1);
            assert_eq!(r.get(oldest), Some(oldest * 10), "after {n}");
            if n > 256 {
                assert_eq!(r.get(n - 256), None, "after {n}");
            }
        }
        assert_eq!(r.slots.len(), 256);
        r.insert(3, 30);
        assert_eq!((r.get(3), r.get(3 + 768)), (Some(30), None));
        assert_eq!(r.get(1001), None);
        let mut none: Recent<u64> = Recent::new(0);
        none.size_for(10);
        none.insert(1, 1);
        assert_eq!(none.get(1), None);
    }

    /// Chunks end at [`CHUNK`] rows or [`CHUNK_BYTES`] bytes, whichever
    /// comes first, and every row is read exactly once, in order.
    #[test]
    fn a_chunk_ends_at_its_row_or_byte_bound() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE entries (seq INTEGER PRIMARY KEY, kind, payload, sig, hash)",
        )
        .unwrap();
        let big = vec![b'x'; 3 << 20];
        let mut insert = conn
            .prepare("INSERT INTO entries VALUES (?, 'k', ?, x'01', x'02')")
            .unwrap();
        for seq in 0..3 {
            insert.execute(rusqlite::params![seq, &big[..]]).unwrap();
        }
        for seq in 3..(4 + CHUNK as i64) {
            insert.execute(rusqlite::params![seq, &b"{}"[..]]).unwrap();
        }
        let mut read = conn
            .prepare("SELECT seq, kind, payload, sig, hash FROM entries ORDER BY seq")
            .unwrap();
        let mut rows = read.query([]).unwrap();
        let mut sizes = Vec::new();
        let mut seqs = Vec::new();
        loop {
            let mut chunk = RawChunk::new();
            let more = chunk.fill(&mut rows).unwrap();
            sizes.push(chunk.rows.len());
            seqs.extend(chunk.rows.iter().map(|r| r.seq));
            if !more {
                break;
            }
        }
        // 3 MiB, then 6 MiB: the bound is passed after two big rows; the
        // third and the small ones fill the next chunk up to CHUNK rows.
        assert_eq!(sizes, [2, CHUNK, 2]);
        assert_eq!(seqs, (0..(4 + CHUNK as i64)).collect::<Vec<_>>());
    }

    fn run(store: &Store, caches: Caches) -> Report {
        let tx = store.conn().unchecked_transaction().unwrap();
        let mut v = Verifier::new(&tx, caches);
        v.run(&mut |_, _| {}).unwrap();
        v.final_checks().unwrap();
        v.into_report()
    }

    /// The caches change the speed, never the result: with no cache every
    /// reference is read back from the store, through the projection
    /// tables' `id → seq` where it was checked and `misplaced` where not,
    /// and the report is the same, problem for problem.
    #[test]
    fn caches_do_not_change_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let built = crate::bench::build_log(dir.path(), 400, &mut |_, _| {}).unwrap();
        let store = Store::open(&built.db).unwrap();
        let none = Caches {
            sources: 0,
            claims: 0,
            annotations: 0,
            blob_bytes: 0,
            scans: false,
        };
        let clean = run(&store, Caches::DEFAULT);
        assert!(clean.ok, "{:?}", clean.problems);
        assert_eq!(run(&store, none).problems, clean.problems);
        // Tamper with what references resolve through: a projection row's
        // seq, a missing projection row, an entry that no longer parses,
        // a referenced entry's hash column, and a source text.
        store
            .conn()
            .execute_batch(
                "UPDATE claims SET seq = seq + 1000000 WHERE id = 2;
                 DELETE FROM claims WHERE id = 4;
                 UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"v\":1', '\"v\": 1') AS BLOB)
                   WHERE seq = (SELECT seq FROM claims WHERE id = 3);
                 UPDATE entries SET hash = zeroblob(32) WHERE seq = (SELECT seq FROM claims WHERE id = 5);
                 UPDATE annotations SET seq = seq + 1000000 WHERE id = 7;
                 UPDATE blobs SET data = CAST('x' AS BLOB) WHERE rowid = 2;",
            )
            .unwrap();
        let cached = run(&store, Caches::DEFAULT);
        assert!(!cached.ok);
        let uncached = run(&store, none);
        assert_eq!(uncached.problems, cached.problems);
        // Two slots a kind: items keep displacing each other.
        let tiny = Caches {
            sources: 2,
            claims: 2,
            annotations: 2,
            ..Caches::DEFAULT
        };
        assert_eq!(run(&store, tiny).problems, cached.problems);
        let unscanned = run(
            &store,
            Caches {
                scans: false,
                ..Caches::DEFAULT
            },
        );
        assert_eq!(unscanned.problems, cached.problems);
        for check in ["reference", "canonical", "projection", "hash", "blob"] {
            assert!(
                cached.problems.iter().any(|p| p.check.as_str() == check),
                "no {check} problem in {:#?}",
                cached.problems
            );
        }
    }

    /// The merge-join cursors give the answer a lookup per row gives, on
    /// every kind of edit to the projection tables and the tree's nodes:
    /// rows deleted, edited, added, moved to another key, keys swapped.
    #[test]
    fn scans_find_what_lookups_find() {
        let dir = tempfile::tempdir().unwrap();
        let built = crate::bench::build_log(dir.path(), 300, &mut |_, _| {}).unwrap();
        let store = Store::open(&built.db).unwrap();
        let lookups = Caches {
            scans: false,
            ..Caches::DEFAULT
        };
        store
            .conn()
            .execute_batch(
                "DELETE FROM annotations WHERE id = 3;
                 UPDATE annotations SET note = 'edited' WHERE id = 9;
                 UPDATE annotations SET id = 1000 WHERE id = 12;
                 UPDATE claims SET id = -claims.id WHERE id IN (5, 6);
                 UPDATE claims SET id = 5 WHERE id = -6;
                 UPDATE claims SET id = 6 WHERE id = -5;
                 INSERT INTO source_links VALUES (2, 1);
                 DELETE FROM relations WHERE annotation_id = (SELECT MIN(annotation_id) FROM relations);
                 UPDATE relations SET annotation_id = 'x'
                   WHERE annotation_id = (SELECT MAX(annotation_id) FROM relations);
                 DELETE FROM merkle_nodes WHERE level = 1 AND idx = 4;
                 UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 7;
                 INSERT INTO merkle_nodes VALUES (3, 5000, zeroblob(32));
                 UPDATE merkle_nodes SET idx = 100000 WHERE level = 4 AND idx = 2;",
            )
            .unwrap();
        let scanned = run(&store, Caches::DEFAULT);
        assert!(!scanned.ok);
        assert_eq!(run(&store, lookups).problems, scanned.problems);
        for needle in [
            "table annotations has no row id=3",
            "table annotations row id=9: column note",
            "table annotations has no row id=12",
            "table claims row id=5: column seq",
            "table source_links has 1 row but the entries imply 0",
            "tree node (level 1, index 4) is missing",
            "tree node (level 2, index 7) differs",
            "tree node (level 4, index 2) is missing",
            "table relations has no row annotation_id=6",
            "table relations has 29 rows but the entries imply 30",
        ] {
            assert!(
                scanned.problems.iter().any(|p| p.detail.contains(needle)),
                "no {needle:?} in {:#?}",
                scanned.problems
            );
        }
    }
}
