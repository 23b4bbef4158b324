//! SQLite storage: opening and creating logs, schema migrations, and small
//! reads shared by the append path, verify and the CLI. Nothing here writes
//! `entries`: that is `log::append`'s job alone.

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::interrupt::{self, Leftover};
use crate::model::Seq;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of a claimtrail log ("ClmT"), so that another
/// SQLite file is recognised as not ours before anything is read from it.
pub const APPLICATION_ID: i64 = 0x436c_6d54;

/// A migration: its SQL, and work SQL cannot do (run in the same transaction).
type Migration = (&'static str, Option<fn(&Connection) -> Result<()>>);

/// The page size of a new log, in bytes (SQLite's default is 4096).
/// Fixed when the file is created; logs made before keep theirs. Larger
/// pages mean fewer B-tree pages to find, split and write per entry: the
/// bench's 1,000,000 lines were imported in 53.1–56.2 s with 8192-byte
/// pages against 59.8–60.8 s with 4096 (16384: 54.6 s), into a file 5 %
/// smaller, with no change to `verify` (23.1–23.6 s against 23.0–24.9 s).
pub const PAGE_SIZE: u32 = 8192;

/// Where a new database for `path` (a new log, or a backup) is built under
/// a temporary name before it is renamed to `path`: the directory of
/// `path`. Refuses a `path` that exists (nothing is ever replaced), and
/// one beside which an earlier database left unsaved writes (see
/// `refuse_leftover_journal`).
pub fn dir_for_new_database(path: &Path) -> Result<PathBuf> {
    if path.exists() {
        return Err(Error::exists(path.to_path_buf()));
    }
    // A link to nothing: the new file is never made through a link (it is
    // renamed into place), and the rename refused it as "already exists",
    // though `status` said the link leads nowhere.
    if let Ok(to) = std::fs::read_link(path) {
        // The target as the link resolves it (relative to the link's
        // directory): its directory may be missing too, and then giving
        // the target failed in turn.
        let target = match (to.is_relative(), path.parent()) {
            (true, Some(d)) => d.join(&to),
            _ => to.clone(),
        };
        let missing_dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.is_dir());
        let hint = match missing_dir {
            Some(d) => format!(
                "a new file is made only where nothing is, and the link's target's directory {} does not exist either: make it and give the target ({}), or remove the link",
                d.display(),
                target.display()
            ),
            None => "a new file is made only where nothing is: give the link's target instead, or remove the link".to_string(),
        };
        return Err(Error::invalid(
            format!(
                "{} is a symbolic link to {}, which does not exist",
                path.display(),
                to.display()
            ),
            hint,
        ));
    }
    refuse_leftover_journal(path)?;
    Ok(match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// Refuses `path` when `<path>-wal` or `<path>-journal` holds data: it is
/// what an earlier database of that name (deleted after a crash, say) had
/// not yet written back, and SQLite applies such a file to whatever
/// database it finds at `path` — here the new one, whose pages it would
/// overwrite with the old database's. An empty file (what a cleanly closed
/// WAL database may leave) is harmless; so is a `-shm`, which SQLite
/// rebuilds.
fn refuse_leftover_journal(path: &Path) -> Result<()> {
    for suffix in ["-wal", "-journal"] {
        let leftover = sibling(path, suffix);
        if std::fs::metadata(&leftover).is_ok_and(|m| m.len() > 0) {
            return Err(Error::invalid(
                format!(
                    "{} holds unsaved writes of an earlier database named {}; SQLite would apply them to the new one",
                    leftover.display(),
                    path.display()
                ),
                format!(
                    "if that database is gone, delete {}; if not, put it back and open it once with claimtrail; or choose another path",
                    leftover.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Migrations in order; `PRAGMA user_version` = how many have been applied.
pub const MIGRATIONS: &[Migration] = &[
    (include_str!("../schema/0001_log.sql"), None),
    (include_str!("../schema/0002_tree.sql"), Some(backfill_tree)),
    (include_str!("../schema/0003_retractions.sql"), None),
    (include_str!("../schema/0004_claims_by_place.sql"), None),
    (
        include_str!("../schema/0005_claims_by_place_and_speaker.sql"),
        None,
    ),
    (
        include_str!("../schema/0006_annotation_retractions.sql"),
        None,
    ),
    (include_str!("../schema/0007_source_amendments.sql"), None),
    (
        include_str!("../schema/0008_source_amendment_clears.sql"),
        None,
    ),
    (include_str!("../schema/0009_state_entries.sql"), None),
];

/// A migration's statements, comments left out, each trimmed.
fn statements(sql: &str) -> Vec<String> {
    let code: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One step of a migration made in a connection's TEMP schema.
#[derive(Debug, PartialEq, Eq)]
enum TempStep {
    /// Statements to run as they are.
    Run(String),
    /// `ALTER TABLE table ADD COLUMN column`: made on the table's TEMP
    /// copy (see [`Store::add_temp_column`]).
    AddColumn { table: String, column: String },
}

/// A migration's statements rewritten for a read-only log: each `CREATE
/// TABLE` as `CREATE TEMP TABLE`, each `ALTER TABLE … ADD COLUMN` as a
/// step on the table's TEMP copy, indexes made and dropped left out (they
/// only make reads faster); `None` when it holds any other statement,
/// which could not be applied without writing the file.
fn temporary_schema(sql: &str) -> Option<Vec<TempStep>> {
    let mut out = Vec::new();
    for statement in statements(sql) {
        if let Some(rest) = statement.strip_prefix("CREATE TABLE ") {
            out.push(TempStep::Run(format!("CREATE TEMP TABLE {rest};")));
        } else if let Some(rest) = statement.strip_prefix("ALTER TABLE ") {
            let (table, column) = rest.split_once(" ADD COLUMN ")?;
            out.push(TempStep::AddColumn {
                table: table.trim().to_string(),
                column: column.trim().to_string(),
            });
        } else if !statement.starts_with("CREATE INDEX ") && !statement.starts_with("DROP INDEX ") {
            return None;
        }
    }
    Some(out)
}

/// The objects a migration makes (`true`) or drops (`false`), by name:
/// its `CREATE TABLE`, `CREATE INDEX` and `DROP INDEX` statements.
fn statements_objects(sql: &str) -> Vec<(bool, String)> {
    statements(sql)
        .iter()
        .filter_map(|st| {
            let (makes, rest) = if let Some(r) = st.strip_prefix("CREATE TABLE ") {
                (true, r)
            } else if let Some(r) = st.strip_prefix("CREATE INDEX ") {
                (true, r)
            } else {
                (false, st.strip_prefix("DROP INDEX ")?)
            };
            let name = rest.split([' ', '(', '\n']).next()?.trim();
            Some((makes, name.to_string()))
        })
        .collect()
}

/// Version 2 keeps the Merkle tree's nodes: compute them for the entries a
/// version-1 log already holds.
fn backfill_tree(conn: &Connection) -> Result<()> {
    let mut frontier = crate::tree::Frontier::default();
    let mut read = conn.prepare("SELECT hash FROM entries ORDER BY seq")?;
    let mut insert =
        conn.prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let h: Vec<u8> = r.get(0)?;
        let leaf = Hash::from_slice(&h)
            .ok_or_else(|| Error::Damaged("an entry has a malformed hash".into()))?;
        for (level, idx, node) in frontier.push(leaf) {
            insert.execute(rusqlite::params![level, idx as i64, &node.0[..]])?;
        }
    }
    Ok(())
}

/// How long a writer waits for another writer's lock before giving up,
/// unless `CLAIMTRAIL_BUSY_TIMEOUT` (seconds) says otherwise.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest wait SQLite takes: its busy timeout is an `int` of
/// milliseconds (a larger one panicked inside rusqlite, exit 101).
const MAX_BUSY_TIMEOUT_SECS: u64 = i32::MAX as u64 / 1000;

/// `CLAIMTRAIL_BUSY_TIMEOUT`'s seconds, if it holds a usable value.
fn busy_timeout_env() -> Option<u64> {
    std::env::var("CLAIMTRAIL_BUSY_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&s| s <= MAX_BUSY_TIMEOUT_SECS)
}

/// Refuses a `CLAIMTRAIL_BUSY_TIMEOUT` that [`busy_timeout`] would ignore
/// (it would wait the default 30 s instead of what was meant).
pub fn check_env() -> Result<()> {
    match std::env::var_os("CLAIMTRAIL_BUSY_TIMEOUT") {
        Some(v) if busy_timeout_env().is_none() => Err(Error::invalid(
            format!(
                "CLAIMTRAIL_BUSY_TIMEOUT=`{}` is not a whole number of seconds from 0 to {MAX_BUSY_TIMEOUT_SECS} (24 days)",
                crate::text::escape(&v.to_string_lossy())
            ),
            "set it to e.g. 60, or unset it for the default of 30 s",
        )),
        _ => Ok(()),
    }
}

/// One read snapshot for everything a command reads: a transaction of its
/// own, or none when the caller's (or the one a store opened to read an
/// older log holds, [`Store::open_to_read`]) is open already. A deferred
/// transaction takes no lock in WAL mode; it is rolled back when dropped.
pub fn snapshot(conn: &Connection) -> rusqlite::Result<Option<rusqlite::Transaction<'_>>> {
    match conn.is_autocommit() {
        true => conn.unchecked_transaction().map(Some),
        false => Ok(None),
    }
}

/// The lock timeout in force.
pub fn busy_timeout() -> Duration {
    busy_timeout_env().map_or(BUSY_TIMEOUT, Duration::from_secs)
}

/// Whether opening a log made by an older claimtrail migrates its file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Migrate {
    /// A new log: migrated and in WAL mode at once.
    InFile,
    /// A command that only reads: never.
    InMemory,
    /// A command that may append: read as `InMemory` until its first
    /// append ([`Store::ready_to_write`]), so that one refused before it
    /// appends leaves the file as it was.
    Deferred,
}

/// Why a device or a pipe given as the log is not one.
const NOT_A_FILE: &str = "it is not a regular file (a device or a pipe)";

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Whether the file is ready for the append path: migrated and in WAL
    /// mode ([`Store::ready_to_write`]).
    write_ready: std::cell::Cell<bool>,
    /// Whether this connection holds the read snapshot taken to read an
    /// older log's schema in memory.
    snapshot: std::cell::Cell<bool>,
    /// Whether the file was opened immutable (a copy in a directory that
    /// cannot be written to): [`Store::reader`] opens its second
    /// connection so too, and only then.
    immutable: bool,
    /// The device and inode of the file at `path` when it was opened:
    /// [`FileCheck`].
    file_id: Option<(u64, u64)>,
    /// Whether a -wal with commits was beside the file when it was opened:
    /// then closing folds it into the file only once this connection has
    /// committed an entry ([`Store::appended`]). A command refused after
    /// [`Store::ready_to_write`] (a tree node missing from a torn pair)
    /// had folded that -wal into the file on closing, so that the file
    /// was no longer the copy put there, and the hint's "move the -wal
    /// aside" came too late.
    wal_at_open: bool,
}

/// The file a [`Store`] opened, as its path named it then.
pub struct FileCheck {
    path: PathBuf,
    opened: Option<(u64, u64)>,
}

impl FileCheck {
    /// Refuses to go on when the file at the log's path is no longer the
    /// one the store opened: a restore, a sync tool or a `mv` put another
    /// file there while the command ran. SQLite goes on writing to the
    /// file it has open, which no path names any more: an import swapped
    /// under said "appended 50,001 entries" of entries that no one could
    /// read again (and `verify` of the file now there said OK, or
    /// "malformed" beside the old file's `-wal`). Checked by the append
    /// path before each transaction and each import batch's commit, with
    /// no transaction open on `conn`.
    ///
    /// When it was replaced, the `-wal` beside the path is still the old
    /// file's, holding what this command committed to it: SQLite applies
    /// it to whatever file has that name, so the file put there read as
    /// "malformed", or silently took the old file's entries. It is
    /// checkpointed into the old file and emptied first (best effort), so
    /// that the file now there is read as it was put there.
    pub fn still_at_path(&self, conn: &Connection) -> Result<()> {
        if !self.replaced() {
            return Ok(());
        }
        // Until it truncates: a checkpoint that another connection of this
        // command (import's checkpointer thread) or a reader holds busy
        // returns at once, and left the old file's frames beside the new
        // file (in 2 of 15 swaps of an import, the file put there then held
        // the old file's first source). Bounded, as the command then stops.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            let folded = conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })
                .is_ok_and(|(busy, frames)| busy == 0 && frames <= 0);
            if folded || std::time::Instant::now() >= until {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Err(Error::LogReplaced(self.path.clone()))
    }

    /// Whether another file (or none) is at the path now.
    pub fn replaced(&self) -> bool {
        self.opened
            .is_some_and(|opened| file_id(&self.path) != Some(opened))
    }
}

/// The device and inode of the file at `path`, if there is one.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The name a backup's copy has until it is whole: hidden, beside the
/// backup's path.
const BACKUP_PREFIX: &str = ".claimtrail-backup-";

impl Store {
    /// Opens an existing log for reading and appending. Refuses a missing
    /// file (without creating one), a file that is not SQLite or not a
    /// claimtrail log, and a log made by a newer claimtrail.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, Migrate::Deferred)
    }

    /// [`Store::open`] for a command that only reads: a log made by an
    /// older claimtrail is read as the newer schema in memory, as a
    /// read-only copy is, and its file is left as it was. An auditor's
    /// `verify` of a copy changed the file it checked (its new schema
    /// version, its hash), which a chain of custody must not see; the
    /// next command that appends migrates the file.
    pub fn open_to_read(path: &Path) -> Result<Store> {
        Store::open_with(path, Migrate::InMemory)
    }

    fn open_with(path: &Path, migrate: Migrate) -> Result<Store> {
        match std::fs::metadata(path) {
            // A symbolic link that leads nowhere: not "no database here,
            // run init", which then refused because the name existed.
            Err(e) if path.is_symlink() => {
                let to = std::fs::read_link(path)
                    .map(|t| format!(" to {}", t.display()))
                    .unwrap_or_default();
                let why = match e.raw_os_error() {
                    Some(40) => "which leads round in a loop of links".to_string(),
                    _ => "which does not exist".to_string(),
                };
                return Err(Error::invalid(
                    format!("{} is a symbolic link{to}, {why}", path.display()),
                    "point --db (or CLAIMTRAIL_DB) at the log itself, or mend the link",
                ));
            }
            Err(_) => return Err(Error::NoDatabase(path.to_path_buf())),
            // SQLite reads a named pipe as a failing disk ("disk I/O
            // error", and a hint about free space): say what it is first.
            Ok(m) if !m.is_file() && !m.is_dir() => {
                return Err(Error::NotADatabase {
                    path: path.to_path_buf(),
                    reason: NOT_A_FILE.into(),
                })
            }
            Ok(_) => {}
        }
        // SQLite opens the files beside the log to see whether they hold
        // anything, and a named pipe there blocks that open until a writer
        // comes: every command hung (red team W).
        for suffix in ["-journal", "-wal", "-shm"] {
            let beside = sibling(path, suffix);
            if std::fs::symlink_metadata(&beside).is_ok() && !regular_file(&beside) {
                return Err(Error::invalid(
                    format!(
                        "{} is not a file (a named pipe, a directory, a device or a broken link), where SQLite keeps the log's {} file, and would wait on it or fail",
                        beside.display(),
                        suffix.trim_start_matches('-')
                    ),
                    format!(
                        "remove it, or move it aside (`mv {} {}.aside`), and run the command again",
                        crate::text::shell_word(&beside),
                        crate::text::shell_word(&beside)
                    ),
                ));
            }
        }
        if in_wal_mode(path) && journal_sqlite_reads(path) && !interrupted_mode_switch(path) {
            return Err(foreign_journal(path));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(not_a_uri(path), flags).map_err(|e| open_error(path, e))?;
        // The last connection to close a log in WAL mode checkpoints the
        // -wal into the file and deletes it. A -wal found beside the log
        // stays as it is until this connection appends
        // ([`Store::ready_to_write`]): a command that only reads, or one
        // refused, changed the file's bytes, and another database's -wal
        // put there was written into the log and destroyed it (the check
        // of the application id below failed, and the close folded it).
        // Without a -wal there is nothing to fold, and the close removes
        // the empty one that reading made.
        if has_pending_wal(path) {
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        }
        conn.busy_timeout(busy_timeout())?;
        let mut opened_immutable = false;
        let conn = match conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(())) {
            Err(e) if read_only_here(&conn, &e) => {
                // A log in a directory nobody may write to (a read-only
                // mount, an archive): SQLite cannot make the -shm file that
                // reading a WAL-mode database needs, unless told that the
                // file cannot change. That is true of such a copy, and its
                // file holds every commit when no -wal file is beside it.
                if has_pending_wal(path) {
                    return Err(wal_unreadable(path));
                }
                // Opened immutable, SQLite would read a writer's half-done
                // transaction as if committed (a copy with the -journal of
                // a writer killed mid-transaction showed uncommitted rows,
                // and verify found "tampering" that never was).
                if has_hot_journal(path) {
                    return Err(journal_unreadable(path));
                }
                drop(conn);
                opened_immutable = true;
                immutable(path)?
            }
            _ => conn,
        };
        conn.busy_timeout(busy_timeout())?;
        // The append path and verify use a few dozen distinct statements;
        // rusqlite's default cache of 16 would prepare some of them again
        // for every entry.
        conn.set_prepared_statement_cache_capacity(64);
        // Recognise the file before anything could write to it: switching
        // another application's database to WAL would change it.
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| open_error(path, e))?;
        if app_id != APPLICATION_ID {
            let reason = match std::fs::metadata(path) {
                Ok(m) if !m.is_file() => NOT_A_FILE,
                Ok(m) if m.len() == 0 => "it is an empty file",
                // Read with the -wal beside it: another database's -wal
                // makes the pair read as that database.
                _ if has_pending_wal(path) => "it reads as an SQLite file of another application with the -wal file beside it, which SQLite reads with it (move the -wal aside to read the file alone)",
                _ => "it is an SQLite file of another application",
            };
            return Err(Error::NotADatabase {
                path: path.to_path_buf(),
                reason: reason.into(),
            });
        }
        // Load the schema now, as switching to WAL did for every command: a
        // damaged schema page is then said to be one here (verify reports
        // it as a finding), not met later by some query.
        conn.prepare("PRAGMA main.table_list")
            .and_then(|mut s| s.query([]).map(drop))
            .map_err(|e| open_error(path, e))?;
        if migrate == Migrate::InMemory && has_pending_wal(path) {
            // A command that only reads leaves the file as it found it:
            // the last connection to close would otherwise write the
            // -wal's commits into the database file and delete the -wal
            // (an evidence copy with its -wal changed under `verify`). An
            // empty -wal, or none, is deleted on close as before: nothing
            // of it goes into the file.
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        }
        let mut store = Store::configure(conn, path, migrate)?;
        store.immutable = opened_immutable;
        store.migrate(migrate)?;
        Ok(store)
    }

    /// Creates a new log at `path` and runs `init` on it; the file appears
    /// at `path` only if `init` succeeds (it is built under a temporary name
    /// in the same directory and renamed, never replacing a file).
    pub fn create<T>(path: &Path, init: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let dir = dir_for_new_database(path)?;
        let tmp = tempfile::Builder::new()
            .prefix(".claimtrail-init-")
            .suffix(".db")
            .tempfile_in(&dir)
            .map_err(|e| Error::write(path, &e))?;
        interrupt::hold(tmp.as_file());
        let interrupted = interrupt::remove_on_interrupt(tmp.path(), Leftover::Database);
        // A new log that a killed `init` left half made holds nothing yet:
        // removed without a word.
        interrupt::sweep(&dir, ".claimtrail-init-", ".db", Leftover::Database);
        let value = interrupt::quiet_commits_during(|| -> Result<T> {
            let conn = Connection::open(not_a_uri(tmp.path()))?;
            conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE};"))?;
            let mut store = Store::configure(conn, tmp.path(), Migrate::InFile)?;
            store
                .conn
                .execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID};"))?;
            store.migrate(Migrate::InFile)?;
            let value = init(&mut store)?;
            store.conn.close().map_err(|(_, e)| Error::Sqlite(e))?;
            Ok(value)
        })?;
        interrupted
            .disarm(|| tmp.persist_noclobber(path))
            .map_err(|e| Error::write(path.to_path_buf(), &e.error))?;
        Ok(value)
    }

    fn configure(conn: Connection, path: &Path, how: Migrate) -> Result<Store> {
        crate::schema::harden(&conn)?;
        conn.busy_timeout(busy_timeout())?;
        // A command that only reads keeps the file's journal mode: a copy
        // that `backup` wrote in rollback mode (FORMAT §6.1) changed its
        // header when `verify` switched it to WAL. One that may append
        // switches it when it appends.
        let store = Store {
            conn,
            path: path.to_path_buf(),
            write_ready: std::cell::Cell::new(false),
            snapshot: std::cell::Cell::new(false),
            immutable: false,
            file_id: file_id(path),
            wal_at_open: has_pending_wal(path),
        };
        if how == Migrate::InMemory || store.conn.is_readonly(rusqlite::MAIN_DB)? {
            // Nothing to set: the journal mode is stored in the file, and
            // a read-only connection commits nothing to make durable.
            return Ok(store);
        }
        // `synchronous=FULL`: a committed entry survives a power cut. Set
        // on this connection only; the file is not written.
        store
            .conn
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;")
            .map_err(|e| open_error(path, e))?;
        if how == Migrate::InFile {
            store.wal()?;
            store
                .conn
                .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
            store.write_ready.set(true);
        }
        Ok(store)
    }

    fn migrate(&mut self, how: Migrate) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(Error::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported,
            });
        }
        if version == supported {
            return Ok(());
        }
        let read_only = self.conn.is_readonly(rusqlite::MAIN_DB)?;
        if how != Migrate::InFile || read_only {
            // An auditor's read-only copy of a log made by an older
            // claimtrail, or a command that only reads: nothing is written
            // to it, so the tables the missing migrations add are made in
            // this connection's TEMP schema instead (`temporary_schema`),
            // where queries find them. Their rows are what the old entries
            // imply: an older log holds no entry of a newer kind, and a
            // step (the tree's backfill) fills in what it derives.
            let mut version = version;
            if !read_only {
                // Another process may migrate the file meanwhile: the
                // command reads one snapshot for its whole life, taken
                // before the version is read again, so that it never sees
                // a migration half-way (its tables taken for an edited
                // header) nor the file's new tables hidden behind TEMP
                // ones. The transaction ends when the connection closes.
                self.conn.execute_batch("BEGIN")?;
                self.snapshot.set(true);
                self.conn
                    .query_row("SELECT COUNT(*) FROM main.sqlite_schema", [], |_| Ok(()))?;
                version = self
                    .conn
                    .query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
                if version >= supported {
                    self.conn.execute_batch("COMMIT")?;
                    self.snapshot.set(false);
                    return Ok(());
                }
            }
            // What the steps read so far would have made (`true`) or
            // dropped: an index one step makes and a later one drops (the
            // index by place, versions 4 and 5) is never in the file.
            let mut stepped: std::collections::HashMap<String, bool> = Default::default();
            for (i, (sql, step)) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                // An object this step makes already in the file, or one it
                // drops not there: an edited header, not an old log.
                for (makes, name) in statements_objects(sql) {
                    let there: bool = match stepped.get(&name) {
                        Some(&made) => made,
                        None => self.conn.query_row(
                            "SELECT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE name = ?)",
                            [&name],
                            |r| r.get(0),
                        )?,
                    };
                    stepped.insert(name.clone(), makes);
                    if there == makes {
                        let why = match makes {
                            true => format!("table or index {name} already exists"),
                            false => format!("no such index: {name}"),
                        };
                        return Err(self.edited_header(version, i + 1, &why));
                    }
                }
                let temp = temporary_schema(sql).ok_or_else(|| Error::Invalid {
                    what: format!(
                        "{} is read-only and was made by an older claimtrail (schema version {version})",
                        self.path.display()
                    ),
                    hint: "copy it to a place you can write to and open the copy".into(),
                })?;
                for t in temp {
                    match t {
                        TempStep::Run(sql) => self.conn.execute_batch(&sql)?,
                        TempStep::AddColumn { table, column } => {
                            self.add_temp_column(version, i + 1, &table, &column)?
                        }
                    }
                }
                if let Some(step) = step {
                    step(&self.conn)?;
                }
            }
            return Ok(());
        }
        self.migrate_in_file()
    }

    /// A column a migration adds to `table`, added for this connection
    /// only (a log read in memory, or a read-only one): to the table's
    /// TEMP copy, made first from the file's table (its `CREATE` text and
    /// every row, values as stored) unless an earlier step made the table
    /// in TEMP. Queries then read the copy, which holds the file's rows
    /// with the new column NULL, as the file's would after the migration.
    /// A file whose table has the column already, or lacks the table, is
    /// not of the version its header says (`step` is the migration's
    /// number).
    fn add_temp_column(&self, version: i64, step: usize, table: &str, column: &str) -> Result<()> {
        let name = column.split_whitespace().next().unwrap_or_default();
        let exists = |schema: &str| -> Result<bool> {
            Ok(self.conn.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_schema WHERE type = 'table' AND name = ?)"),
                [table],
                |r| r.get(0),
            )?)
        };
        if !exists("temp")? {
            let create: Option<String> = self
                .conn
                .query_row(
                    "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?",
                    [table],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(rest) = create
                .as_deref()
                .and_then(|c| c.strip_prefix("CREATE TABLE "))
            else {
                return Err(self.edited_header(version, step, &format!("no such table: {table}")));
            };
            let has: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1, 'main') WHERE name = ?2)",
                [table, name],
                |r| r.get(0),
            )?;
            if has {
                return Err(self.edited_header(
                    version,
                    step,
                    &format!("duplicate column name: {name}"),
                ));
            }
            self.conn.execute_batch(&format!(
                "CREATE TEMP TABLE {rest}; INSERT INTO temp.{table} SELECT * FROM main.{table};"
            ))?;
        }
        self.conn
            .execute_batch(&format!("ALTER TABLE temp.{table} ADD COLUMN {column}"))?;
        Ok(())
    }

    /// Makes the file ready for the append path, once: ends the snapshot
    /// and the TEMP tables of an older log read in memory, migrates the
    /// file, and switches it to WAL mode (readers beside a writer). The
    /// append path calls it under no transaction, before its own; a
    /// command refused before it appends never gets here, and leaves the
    /// file as it was (a backup copy in rollback mode, an older log).
    ///
    /// What the append path refuses inside its transaction because the file
    /// was altered (a schema not claimtrail's, a state row deleted) it
    /// refuses here too, first: a backup copy in rollback mode, altered,
    /// was switched to WAL mode (and an older one migrated) by a command
    /// that then refused it, and the damaged file kept as evidence was no
    /// longer the one found.
    pub fn ready_to_write(&self) -> Result<()> {
        if self.write_ready.get() || self.conn.is_readonly(rusqlite::MAIN_DB)? {
            return Ok(());
        }
        crate::schema::require_own(&self.conn, &self.path)?;
        state_rows_complete(&self.conn)?;
        refuse_hard_links(&self.path)?;
        if self.snapshot.replace(false) {
            self.conn.execute_batch("ROLLBACK")?;
        }
        let temps: Vec<String> = self
            .conn
            .prepare("SELECT name FROM temp.sqlite_schema WHERE type = 'table'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for t in temps {
            self.conn
                .execute_batch(&format!("DROP TABLE temp.\"{}\"", t.replace('"', "\"\"")))?;
        }
        self.refuse_a_torn_pair()?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        if version < MIGRATIONS.len() as i64 {
            self.migrate_in_file()?;
        }
        self.wal()?;
        if !self.wal_at_open {
            self.conn
                .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        }
        self.write_ready.set(true);
        Ok(())
    }

    /// Refuses a file that holds no log: no `entries` table (dropped,
    /// renamed, or never there in a file that carries claimtrail's
    /// application id), a view in its place, or a table with no entry
    /// (every log is made with its `log.init`). Without it, a reader
    /// showed such a file as an empty log (an origin of "", "no claims
    /// yet", exit 0), read through the TEMP tables an older log's read
    /// makes, or stopped with SQLite's raw words. Every command but
    /// `verify` calls it; verify reports the same as findings (exit 1).
    pub fn require_log(&self) -> Result<()> {
        let ty: Option<String> = self
            .conn
            .query_row(
                "SELECT CAST(type AS TEXT) FROM main.sqlite_schema WHERE name = 'entries'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let difference = match ty.as_deref() {
            Some("table") => {
                let any: bool =
                    self.conn
                        .query_row("SELECT EXISTS (SELECT 1 FROM main.entries)", [], |r| {
                            r.get(0)
                        })?;
                if any {
                    return Ok(());
                }
                "table entries holds no entry, where every log begins with its log.init".to_string()
            }
            Some(other) => format!(
                "entries should be a table, and is a {}",
                crate::text::escape(other)
            ),
            None => "table entries is missing".to_string(),
        };
        Err(Error::ForeignSchema {
            path: self.path.clone(),
            difference,
            more: 0,
        })
    }

    /// Whether a -wal with commits was beside the file when it was opened
    /// (see [`Store::wal_at_open`]): what was read, was read with it.
    pub(crate) fn wal_at_open(&self) -> bool {
        self.wal_at_open
    }

    /// Called by the append path once it has committed (which also makes
    /// [`appended_in_this_process`] true): closing may now
    /// fold the -wal into the file, as it does for every writer (see
    /// [`Store::wal_at_open`]).
    pub(crate) fn appended(&self) {
        APPENDED.store(true, std::sync::atomic::Ordering::SeqCst);
        if self.wal_at_open {
            let _ = self
                .conn
                .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false);
        }
    }

    /// Before the first write after a crash, checks the file with the
    /// -wal the crashed writer left: SQLite reads a -wal with whatever file
    /// has the name beside it, and a backup copied over a crashed log's
    /// file (a restore that left the -wal) read as a torn file, into which
    /// `annotate` appended in 2 of 14 red-team runs, and after which the
    /// log could not be read at all. Only when no other process has the
    /// log open ([`alone_with_the_log`]), so that a -wal that other
    /// commands are using costs nothing: then SQLite's `quick_check` reads
    /// every page once, and the tables are counted against the entries
    /// (the first `annotate` after a crash took 2.2–2.8 s on the bench's
    /// million entries, 1.35 GB in the page cache, 2026-12-06). What it
    /// does not prove: that the -wal is this file's (a consistent pair of
    /// another state is a log too, which `verify` judges).
    fn refuse_a_torn_pair(&self) -> Result<()> {
        if !self.wal_at_open || !alone_with_the_log(&self.path) {
            return Ok(());
        }
        // One snapshot for every count: another writer may start and
        // commit between two statements.
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN")?;
        }
        let judged = self.judge_the_pair();
        if own {
            self.conn.execute_batch("ROLLBACK")?;
        }
        judged
    }

    /// [`Store::refuse_a_torn_pair`]'s checks, in the caller's snapshot:
    /// SQLite's check of the pages, then, for pages of two states that are
    /// each whole and still disagree (a source's entry read from the -wal
    /// beside a `sources` table of the older file), the tables against the
    /// entries ([`Store::torn_tables`]).
    fn judge_the_pair(&self) -> Result<()> {
        let first: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .or_else(|e| match Error::Sqlite(e) {
                e if e.is_damage() => Ok(e.sqlite_message()),
                e => Err(e),
            })?;
        let beside = format!(
            "read with the -wal file a writer that stopped left beside it ({})",
            sibling(&self.path, "-wal").display()
        );
        let found = match first.as_str() {
            "ok" => match self.torn_tables()? {
                differs if differs.is_empty() => return Ok(()),
                differs => format!("{beside}, {}", differs.join("; ")),
            },
            _ => format!(
                "SQLite's check of the file, {beside}, finds {}",
                crate::text::escape(
                    first
                        .lines()
                        .find(|l| !l.starts_with("***"))
                        .unwrap_or(&first)
                        .trim()
                )
            ),
        };
        Err(Error::Damaged(format!(
            "{found}: a copy put in the file's place beside that -wal reads so"
        )))
    }

    /// What [`Store::refuse_a_torn_pair`] counts, in one pass over the
    /// entries' kinds: each table that gets one row per entry of a kind
    /// against the number of those entries, and the tree's stored nodes
    /// against the number a tree of that many leaves has (every complete
    /// subtree of level 1 or more: n minus the ones in n's binary form,
    /// whatever kind each entry is). Each difference, said.
    fn torn_tables(&self) -> Result<Vec<String>> {
        // A log of an older schema version lacks the later tables until
        // its first append migrates it: those are left out.
        let tables: std::collections::HashSet<String> = self
            .conn
            .prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut by_kind: std::collections::HashMap<String, i64> = Default::default();
        let mut stmt = self
            .conn
            .prepare("SELECT kind, COUNT(*) FROM entries GROUP BY kind")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            by_kind.insert(r.get(0)?, r.get(1)?);
        }
        let count = |table: &str| -> Result<i64> {
            Ok(self
                .conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
        };
        let mut differs = Vec::new();
        for (kind, table) in ONE_ROW_EACH.iter().filter(|(_, t)| tables.contains(*t)) {
            let (want, got) = (by_kind.get(*kind).copied().unwrap_or(0), count(table)?);
            if want != got {
                differs.push(format!(
                    "its entries hold {want} {kind} where the table {table} holds {got} rows"
                ));
            }
        }
        // Keys: the admin's of `log.init`, and one a `key.add`.
        let kind = |k: &str| by_kind.get(k).copied().unwrap_or(0);
        let (want, got) = (kind("log.init") + kind("key.add"), count("keys")?);
        if want != got {
            differs.push(format!(
                "its entries enroll {want} keys where the table keys holds {got} rows"
            ));
        }
        // The links a body lists, one row each: read from the payloads
        // (SQLite's JSON functions; the payload is canonical JSON text).
        for &(table, kind, lists) in LISTED_LINKS {
            if !tables.contains(table) {
                continue;
            }
            let sum = lists
                .iter()
                .map(|l| format!("json_array_length(CAST(payload AS TEXT), '$.body.{l}')"))
                .collect::<Vec<_>>()
                .join(" + ");
            // Most bodies list none: `"contradicts":[]` cannot stand inside
            // a JSON string (its quotes would be escaped), so a payload
            // holding each list's empty form is not parsed (2.4 s instead
            // of 6.4 s on the bench's million entries, with other work
            // running beside it).
            let empty = lists
                .iter()
                .map(|l| format!("instr(payload, CAST('\"{l}\":[]' AS BLOB)) > 0"))
                .collect::<Vec<_>>()
                .join(" AND ");
            let want: i64 = self.conn.query_row(
                &format!(
                    "SELECT COALESCE(SUM({sum}), 0) FROM entries WHERE kind = ?1 AND NOT ({empty})"
                ),
                [kind],
                |r| r.get(0),
            )?;
            let got = count(table)?;
            if want != got {
                differs.push(format!(
                    "its {kind} entries list {want} links where the table {table} holds {got} rows"
                ));
            }
        }
        // Source texts: one for each text a source not redacted has.
        let (want, got): (i64, i64) = self.conn.query_row(
            "SELECT (SELECT COUNT(DISTINCT s.sha256) FROM sources s
                     WHERE NOT EXISTS (SELECT 1 FROM redactions r WHERE r.source_id = s.id)),
                    (SELECT COUNT(*) FROM blobs)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if want != got {
            differs.push(format!(
                "its sources hold {want} texts not redacted where the table blobs holds {got}"
            ));
        }
        let leaves: i64 = by_kind.values().sum();
        let want = leaves - i64::from(leaves.max(0).count_ones());
        // (Version 1 had no stored tree: its migration fills it in.)
        let got = match tables.contains("merkle_nodes") {
            true => count("merkle_nodes")?,
            false => want,
        };
        if want != got {
            differs.push(format!(
                "a tree of its {leaves} entries has {want} nodes where the table merkle_nodes holds {got}"
            ));
        }
        Ok(differs)
    }

    /// WAL mode, stored in the file: readers see a consistent snapshot
    /// while a writer appends.
    fn wal(&self) -> Result<()> {
        // Held off from SIGINT and SIGTERM: SQLite switches a file in
        // rollback mode (a restored backup) in a small transaction of its
        // own, and a command stopped inside it left a hot -journal beside
        // a header that says WAL ([`interrupted_mode_switch`]).
        interrupt::hold_off(|| self.conn.execute_batch("PRAGMA journal_mode = WAL;"))
            .map_err(|e| open_error(&self.path, e))
    }

    /// The missing migrations, applied to the file in one write
    /// transaction.
    fn migrate_in_file(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let migrated = (|| -> Result<()> {
            // Re-read inside the write lock: another process may have
            // migrated.
            let version: i64 = self
                .conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))?;
            for (i, (sql, step)) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                // A file whose tables are of a later version than its
                // `user_version` says (an edited header, not an old log):
                // the migration fails, and its whole SQL made a 2 KB
                // message whose hint was to run verify, which had just
                // failed that way.
                // Only SQL that does not fit the tables says so: a full
                // disk, a failing one or a lock is said as it is (a full
                // disk was reported as an edited header, with the advice
                // to restore a log that was sound).
                self.conn.execute_batch(sql).map_err(|e| {
                    let why = match &e {
                        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
                        e if e.sqlite_error_code() == Some(rusqlite::ErrorCode::Unknown) => {
                            e.to_string()
                        }
                        _ => return Error::from(e),
                    };
                    Store::edited_header_of(&self.path, version, i + 1, &why)
                })?;
                if let Some(step) = step {
                    step(&self.conn)?;
                }
                self.conn
                    .execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
            }
            Ok(())
        })();
        match migrated {
            Ok(()) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn edited_header(&self, version: i64, step: usize, why: &str) -> Error {
        Store::edited_header_of(&self.path, version, step, why)
    }

    /// A file whose tables are of a later version than its `user_version`
    /// says: an edited header, not an old log.
    fn edited_header_of(path: &Path, version: i64, step: usize, why: &str) -> Error {
        Error::EditedHeader {
            path: path.to_path_buf(),
            version,
            step,
            why: crate::text::escape(why).into_owned(),
        }
    }

    /// Writes a consistent copy of the log to `dest` with SQLite's online
    /// backup, while other processes may keep appending (they are not
    /// blocked; the copy is of one committed state). Refuses to overwrite.
    /// Returns the partial copies that killed backups left in `dest`'s
    /// directory, which it removed ([`interrupt::sweep`]).
    pub fn backup(&self, dest: &Path) -> Result<Vec<PathBuf>> {
        let dir = dir_for_new_database(dest)?;
        let io = |e: std::io::Error| Error::write(dest.to_path_buf(), &e);
        let tmp = tempfile::Builder::new()
            .prefix(BACKUP_PREFIX)
            .suffix(".db")
            .tempfile_in(&dir)
            .map_err(io)?;
        // A partial copy of a large log, hidden, is what Ctrl-C would leave;
        // what SIGKILL leaves, the next backup here removes.
        interrupt::hold(tmp.as_file());
        let interrupted = interrupt::remove_on_interrupt(tmp.path(), Leftover::Database);
        let mut left = interrupt::sweep(&dir, BACKUP_PREFIX, ".db", Leftover::Database);
        left.extend(orphan_journals(&dir));
        // What fails in writing the copy is said of the copy: a full disk
        // there is not the log's.
        let copy = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => io(std::io::ErrorKind::StorageFull.into()),
            Some(rusqlite::ErrorCode::SystemIoFailure) => io(std::io::Error::other(e)),
            _ => Error::Sqlite(e),
        };
        let copied = (|| -> Result<()> {
            let mut out = Connection::open(not_a_uri(tmp.path())).map_err(copy)?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut out).map_err(copy)?;
            // All pages in one step, in one read transaction: copied a few
            // pages at a time, the backup started over whenever another
            // process appended between two steps, so a log with a steady
            // writer (an annotation every second) was never copied. One
            // step reads one snapshot, and in WAL mode it blocks no writer.
            // (`run_to_completion` takes only a positive page count.)
            let deadline = std::time::Instant::now() + busy_timeout();
            loop {
                use rusqlite::backup::StepResult;
                match backup.step(-1).map_err(copy)? {
                    StepResult::Done => break,
                    _ if std::time::Instant::now() > deadline => {
                        return Err(Error::Busy(busy_timeout().as_secs()))
                    }
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            drop(backup);
            // One self-contained file: no -wal beside the copy.
            out.execute_batch("PRAGMA journal_mode = DELETE;")
                .map_err(copy)?;
            out.close().map_err(|(_, e)| copy(e))
        })();
        if let Err(e) = copied {
            // The partial copy goes with `tmp`; the rollback journal that
            // SQLite kept beside it after a failed write (a full disk, a
            // file size limit) went nowhere, and no later backup took it.
            let mut journal = tmp.path().as_os_str().to_owned();
            journal.push("-journal");
            let _ = std::fs::remove_file(journal);
            return Err(e);
        }
        interrupted
            .disarm(|| tmp.persist_noclobber(dest))
            .map_err(|e| io(e.error))?;
        Ok(left)
    }

    /// The schema version of a log made by an older claimtrail, opened to
    /// read ([`Store::open_to_read`]) and so not migrated; `None` for a log
    /// at the current version.
    pub fn older_schema(&self) -> Option<i64> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA main.user_version", [], |r| r.get(0))
            .ok()?;
        (version < MIGRATIONS.len() as i64).then_some(version)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A second, read-only connection to the same file, for work that runs
    /// on another thread beside this one (verify's integrity check): an
    /// immutable one when this one is (a copy in a directory that cannot be
    /// written to), as [`Store::open`] opens such a copy. Only then: a file
    /// that is only read-only (`chmod a-w`, in a directory that can be
    /// written to) is read with its -wal, and an immutable second
    /// connection ignored the -wal, so the integrity check passed an index
    /// that a -wal frame had changed while `show` read it.
    pub fn reader(&self) -> Result<Connection> {
        let conn = match self.immutable {
            true => immutable(&self.path)?,
            false => Connection::open_with_flags(
                not_a_uri(&self.path),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| open_error(&self.path, e))?,
        };
        crate::schema::harden(&conn)?;
        conn.busy_timeout(busy_timeout())?;
        Ok(conn)
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What [`FileCheck::still_at_path`] needs, apart from the store's
    /// connection (which the append path holds in its transaction).
    pub fn file_check(&self) -> FileCheck {
        FileCheck {
            path: self.path.clone(),
            opened: self.file_id,
        }
    }

    /// The last entry's seq and hash, or `None` for an empty log.
    pub fn head(&self) -> Result<Option<(Seq, Hash)>> {
        head(&self.conn)
    }

    /// The log's origin, from the `log.init` projection.
    pub fn origin(&self) -> Result<String> {
        origin(&self.conn)?.ok_or_else(|| Error::NotADatabase {
            path: self.path.clone(),
            reason: "it has no log.init entry".into(),
        })
    }
}

/// The log's origin, from the `log.init` projection (`None` before it).
pub(crate) fn origin(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT origin FROM log_meta WHERE seq = 0")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// The last entry's seq and hash, or `None` for an empty log.
pub(crate) fn head(conn: &Connection) -> Result<Option<(Seq, Hash)>> {
    // Seq's own reading refuses a negative seq (an edited file), which
    // `as u64` made a huge one.
    let row: Option<(Seq, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((seq, hash)) => {
            let hash = Hash::from_slice(&hash)
                .ok_or_else(|| Error::Damaged(format!("entry {seq} has a malformed hash")))?;
            Ok(Some((seq, hash)))
        }
    }
}

/// [`head`] for the append path, which signs the next entry's `prev` on
/// it: the hash is computed again from the entry's payload and signature.
/// A hash edited in the file alone had the next command sign a link to
/// nothing, which verify then refused for good. (What the payload says is
/// verify's to check; the commands that only read take the stored hash.)
pub(crate) fn head_to_extend(conn: &Connection) -> Result<Option<(Seq, Hash)>> {
    type Row = (Seq, Vec<u8>, Vec<u8>, Vec<u8>);
    let row: Option<Row> = conn
        .prepare_cached("SELECT seq, hash, payload, sig FROM entries ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((seq, hash, payload, sig)) = row else {
        return Ok(None);
    };
    let hash = Hash::from_slice(&hash)
        .ok_or_else(|| Error::Damaged(format!("entry {seq} has a malformed hash")))?;
    if crate::entry::entry_hash(&payload, &sig) != hash {
        return Err(Error::Damaged(format!(
            "entry {seq}'s stored hash is not the hash of its payload and signature"
        )));
    }
    Ok(Some((seq, hash)))
}

/// Whether the first read of a log failed because the log cannot be
/// written where it is: SQLite says "read-only" where the directory's
/// permissions forbid the -wal and -shm files, and "cannot open" where the
/// whole file system is read-only (EROFS: a read-only mount, a disk image,
/// a `docker -v …:ro` volume), having opened the file itself read-only.
/// (Recognising only the first left a log on a read-only file system
/// unreadable.)
fn read_only_here(conn: &Connection, e: &rusqlite::Error) -> bool {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ReadOnly) => true,
        Some(rusqlite::ErrorCode::CannotOpen) => {
            conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false)
        }
        _ => false,
    }
}

/// Whether `<path>-wal` holds commits not yet copied into the file.
pub(crate) fn has_pending_wal(path: &Path) -> bool {
    std::fs::metadata(sibling(path, "-wal")).is_ok_and(|m| m.len() > 0)
}

/// The projection tables that get one row per entry of a kind, as
/// [`Store::torn_tables`] counts them.
const ONE_ROW_EACH: &[(&str, &str)] = &[
    ("source.add", "sources"),
    ("claim.add", "claims"),
    ("annotation.add", "annotations"),
    ("claim.retract", "retractions"),
    ("annotation.retract", "annotation_retractions"),
    ("source.amend", "source_amendments"),
    ("source.redact", "redactions"),
    ("key.revoke", "revocations"),
    ("checkpoint.add", "checkpoints"),
];

/// The kinds of entry that change an item's state: each with the table
/// the commands read that state from (one row an entry), what such an
/// entry does, and schema version 9's partial index of those entries.
/// [`state_rows_complete`] and [`state_index_findings`] check them.
pub(crate) const STATE_KINDS: &[(&str, &str, &str, &str)] = &[
    (
        "claim.retract",
        "retractions",
        "retracts a claim",
        "entries_claim_retract",
    ),
    (
        "annotation.retract",
        "annotation_retractions",
        "retracts an annotation",
        "entries_annotation_retract",
    ),
    (
        "key.revoke",
        "revocations",
        "revokes a key",
        "entries_key_revoke",
    ),
    (
        "source.redact",
        "redactions",
        "redacts a source",
        "entries_source_redact",
    ),
    (
        "source.amend",
        "source_amendments",
        "amends a source",
        "entries_source_amend",
    ),
];

/// Refuses to append to a log whose state tables disagree with the
/// entries. Commands read an item's state from those tables, so a row
/// deleted by hand made a retracted claim or annotation read as standing,
/// a revoked key sign again, a redacted or corrected source read as
/// before; `annotate`, `claim retract` and the others then signed entries
/// that verify refuses, an analyst's honest entry named as the finding.
/// For each kind, matches its entries (through schema version 9's partial
/// indexes, so only they are read) with its table's rows by entry number,
/// both ways: an entry without its row, or a row of no such entry (a row
/// deleted and another made up, which kept the count). One statement a
/// kind, so one snapshot: another process's append commits an entry and
/// its row together, and counted in two statements, one in between read
/// as damage (a healthy log was refused beside a running import). Run by
/// the append path inside its write transaction, before the file is made
/// ready to write, and by `check_before_unlocking` before a key is
/// unlocked: a few index reads, however long the log.
///
/// What it does not prove: that the rows there say what their entries say
/// (a row edited to name another item), that an entry's `kind` column is
/// its payload's, or that the index is its table's; verify checks all
/// three (the last in [`state_index_findings`]).
pub(crate) fn state_rows_complete(conn: &Connection) -> Result<()> {
    for &(kind, table, does, index) in STATE_KINDS {
        // An older log (before version 3, 6 or 7) lacks the table until
        // the append migrates it, and holds no such entry either.
        let exists: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1)
                 OR EXISTS (SELECT 1 FROM temp.sqlite_schema WHERE type = 'table' AND name = ?1)",
            )?
            .query_row([table], |r| r.get(0))?;
        if !exists {
            continue;
        }
        // The kind is written into the statement, not bound: a partial
        // index serves only a query whose WHERE states its condition.
        let (missing, extra): (Option<i64>, Option<i64>) = conn
            .prepare_cached(&format!(
                "SELECT
                   (SELECT seq FROM entries WHERE kind = '{kind}'
                     AND seq NOT IN (SELECT seq FROM {table}) ORDER BY seq LIMIT 1),
                   (SELECT seq FROM {table}
                     WHERE seq NOT IN (SELECT seq FROM entries WHERE kind = '{kind}')
                     ORDER BY seq LIMIT 1)"
            ))?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if let Some(seq) = missing {
            // Found through the index: the row itself says whether it is
            // one (an index rebuilt to list a `claim.add` named an entry
            // that retracts nothing).
            let column = kind_column(conn, seq)?;
            return Err(Error::Damaged(match column {
                Some(k) if k == kind => {
                    format!("entry {seq} {does}, and the table {table} has no row for it")
                }
                _ => format!(
                    "the index {index} lists entry {seq}, which is no {kind} entry: the file was changed below its tables"
                ),
            }));
        }
        if let Some(seq) = extra {
            // Likewise: an index that leaves the entry out, not the row.
            let column = kind_column(conn, seq)?;
            return Err(Error::Damaged(match column {
                Some(k) if k == kind => format!(
                    "the index {index} leaves out entry {seq}, a {kind} entry: the file was changed below its tables"
                ),
                _ => format!(
                    "the table {table} has a row for entry {seq}, which is no {kind} entry"
                ),
            }));
        }
    }
    Ok(())
}

/// The `kind` column of row `seq`, read from the table itself (its row
/// number, no index): what an entry found through a partial index is.
/// `None` for a row the table does not hold; `Some("")` for a kind that
/// is no text.
fn kind_column(conn: &Connection, seq: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT CAST(kind AS TEXT) FROM entries NOT INDEXED WHERE seq = ?")?
        .query_row([seq], |r| {
            Ok(r.get::<_, Option<String>>(0)?.unwrap_or_default())
        })
        .optional()?)
}

/// What verify finds of schema version 9's partial indexes: each must list
/// exactly the rows whose `kind` column is its kind, `seen` (verify's pass
/// collects them, in order, one list per [`STATE_KINDS`] member). SQLite's
/// own check of `entries` is left out for its cost (see
/// [`crate::hash_index`]), and these indexes are what the append path
/// counts through: one rebuilt to list a `claim.add` had every signing
/// command refuse the log over an entry that retracts nothing, while
/// verify found nothing; one that leaves an entry out hides its deleted
/// row from [`state_rows_complete`]. Read in the pass's snapshot, from the
/// index alone (the rows it names are not read again). Nothing for a log
/// without them (older, read in memory): the schema check says whether
/// they should be there. What this does not prove: anything about the
/// rows themselves (the entry checks do).
pub(crate) fn state_index_findings(conn: &Connection, seen: &[Vec<i64>]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (&(kind, _, _, index), seen) in STATE_KINDS.iter().zip(seen) {
        let mut stmt = match conn.prepare(&format!(
            "SELECT seq FROM entries INDEXED BY {index} WHERE kind = '{kind}' ORDER BY seq"
        )) {
            Ok(stmt) => stmt,
            Err(_) => continue,
        };
        let listed: Vec<i64> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if listed == *seen {
            continue;
        }
        let absent = |from: &[i64], of: &[i64]| -> Vec<i64> {
            from.iter()
                .filter(|s| of.binary_search(s).is_err())
                .copied()
                .collect()
        };
        let shown = |seqs: &[i64]| -> String {
            let mut words: Vec<String> = seqs.iter().take(5).map(|s| s.to_string()).collect();
            if seqs.len() > 5 {
                words.push(format!("and {} more", seqs.len() - 5));
            }
            words.join(", ")
        };
        let (foreign, left_out) = (absent(&listed, seen), absent(seen, &listed));
        if !foreign.is_empty() {
            // What the first few are in the table (no index read): rows of
            // another kind, or rows the table does not hold at all.
            let (mut other, mut none) = (Vec::new(), Vec::new());
            for &seq in &foreign {
                match kind_column(conn, seq)? {
                    Some(_) => other.push(seq),
                    None => none.push(seq),
                }
            }
            if !other.is_empty() {
                out.push(format!(
                    "the index {index} lists entries whose kind is not {kind}: {}",
                    shown(&other)
                ));
            }
            if !none.is_empty() {
                out.push(format!(
                    "the index {index} lists entries the table does not hold: {}",
                    shown(&none)
                ));
            }
        }
        if !left_out.is_empty() {
            out.push(format!(
                "the index {index} leaves out {kind} entries: {}",
                shown(&left_out)
            ));
        }
        if foreign.is_empty() && left_out.is_empty() {
            out.push(format!(
                "the index {index} lists {} entries where the table has {} of kind {kind}",
                listed.len(),
                seen.len()
            ));
        }
    }
    Ok(out)
}

/// The projection tables of links a body lists (table, the entries' kind,
/// the lists), one row a link, as [`Store::torn_tables`] counts them.
const LISTED_LINKS: &[(&str, &str, &[&str])] = &[
    (
        "relations",
        "annotation.add",
        &["corroborates", "contradicts"],
    ),
    ("source_links", "source.add", &["derived_from"]),
];

/// Whether no other process has the log at `path` open in WAL mode. Each
/// SQLite connection to a WAL database holds a shared POSIX lock on one
/// byte of the -shm file (its "dead-man switch", offset 128 in SQLite's
/// unix VFS) for as long as it is open, and the first to open takes it
/// exclusively to rebuild the index from the -wal: a lock that the byte
/// would refuse to this process (`F_GETLK` ignores the process's own
/// locks) is another process's. Unsure (no -shm, a lock that cannot be
/// asked about), it says no: the caller then skips a check, as before.
/// Linux and other Unix systems: SQLite's unix VFS locks so.
pub(crate) fn alone_with_the_log(path: &Path) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(shm) = std::fs::File::open(sibling(path, "-shm")) else {
        return false;
    };
    // SAFETY: a zeroed `flock` is a valid value of the C struct, and
    // F_GETLK only reads and writes it.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = 128;
    lock.l_len = 1;
    // SAFETY: the descriptor is open for the call, and `lock` outlives it.
    let asked = unsafe { libc::fcntl(shm.as_raw_fd(), libc::F_GETLK, &mut lock) };
    // Never closed: closing any descriptor of a file drops every POSIX
    // lock the process holds on it, SQLite's own on the -shm among them.
    // One descriptor, once a command, until the process exits.
    std::mem::forget(shm);
    asked == 0 && lock.l_type == libc::F_UNLCK as libc::c_short
}

/// `path` as SQLite must be given it to take it as a file name: SQLite
/// (built with URI names on) reads a name that begins with `file:` as a
/// URI, so `--db file:a.db` made a file named `file:a.db` at `init` and
/// then opened `a.db`, another log, for every later command. `./` before
/// it keeps it a name.
pub fn not_a_uri(path: &Path) -> std::borrow::Cow<'_, Path> {
    match path.as_os_str().as_encoded_bytes().starts_with(b"file:") {
        true => std::borrow::Cow::Owned(Path::new(".").join(path)),
        false => std::borrow::Cow::Borrowed(path),
    }
}

/// Opens `path` read-only as an immutable file (SQLite's `immutable=1`: no
/// locks, no -shm), for a log in a directory that cannot be written to.
fn immutable(path: &Path) -> Result<Connection> {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(char::from(*b))
            }
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(&uri, flags).map_err(|e| open_error(path, e))
}

/// Refuses to write a log whose file has more than one name (hard links):
/// SQLite keeps its `-wal`, `-shm` and locks beside the name it was given,
/// so two writers through two names do not see each other, and their
/// commits overwrite each other's pages (sixty annotations through two
/// names, all "done", left a log of 31 entries that failed verify).
fn refuse_hard_links(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let links = std::fs::metadata(path).map(|m| m.nlink()).unwrap_or(1);
    if links > 1 {
        return Err(Error::invalid(
            format!(
                "{} has {links} names (hard links), and SQLite keeps its write-ahead log and locks by name: two writers through two names would overwrite each other's commits",
                path.display()
            ),
            format!(
                "a hard-linked \"backup\" (cp -al, rsync --link-dest, rsnapshot) is no copy: it is this file, and changes as the log does. Replace the other names with copies that `claimtrail backup` makes (`find / -xdev -samefile {}` lists them), then write through this one",
                crate::text::shell_word(path)
            ),
        ));
    }
    Ok(())
}

/// Whether `<path>-journal` is a hot journal: a rollback journal with its
/// header in place, left by a writer that stopped mid-transaction, which
/// SQLite must roll back before the file shows its last commit. (An empty
/// or zeroed journal, as `truncate` and `persist` modes leave, is not.)
fn has_hot_journal(path: &Path) -> bool {
    const MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
    let mut head = [0u8; 8];
    let journal = sibling(path, "-journal");
    if !regular_file(&journal) {
        return false;
    }
    std::fs::File::open(journal)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head == MAGIC)
}

/// Whether SQLite would act on `<path>-journal` when it opens the log:
/// a journal of some bytes whose first is not zero, which it rolls back
/// if its header holds, and deletes if not (a journal with a damaged
/// header beside a WAL-mode log was deleted by `verify`: evidence gone).
/// An empty or zeroed journal, as `truncate` and `persist` modes leave,
/// is passed over.
fn journal_sqlite_reads(path: &Path) -> bool {
    let mut first = [0u8; 1];
    let journal = sibling(path, "-journal");
    // A named pipe there hung every command in this read (red team W); a
    // journal is a file, and SQLite takes anything else for none.
    if !regular_file(&journal) {
        return false;
    }
    std::fs::File::open(journal)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut first))
        .is_ok_and(|()| first[0] != 0)
}

/// Whether `<path>-journal` is the one SQLite leaves when the switch of a
/// log in rollback mode (a restored backup) to WAL mode is stopped (a
/// `kill -9`, a power cut) after page 1 was written and before the
/// journal was deleted: one record, page 1 as it was, and the file's page 1
/// the same but for the mode (bytes 18 and 19: 1 then, 2 now), the change
/// counter (24–27) and the version it is valid for (92–95), in a file as
/// long as the journal says it was. SQLite rolls that back when the log is
/// opened: the file is again the backup as restored, and the next append
/// switches it again. Refused as another log's journal, every command,
/// `verify` too, was locked out of a sound log (red team S, 1).
/// What it does not prove: that the journal was written by claimtrail
/// (its content is the file's own page 1, as it was before the switch,
/// whoever wrote it).
///
/// The journal must hold that one record and nothing after it: SQLite
/// plays back every segment of a journal, each with a header of its own,
/// and a second segment after a first that passed rewrote any page of the
/// log (red team W, H1). Its sector and page sizes must be ones SQLite
/// plays back (powers of two), or SQLite deletes it unread.
fn interrupted_mode_switch(path: &Path) -> bool {
    use std::io::Read;
    let journal_path = sibling(path, "-journal");
    if !regular_file(&journal_path) {
        return false;
    }
    let mut journal = Vec::new();
    let read = std::fs::File::open(&journal_path)
        .and_then(|f| f.take((1 << 17) + 1).read_to_end(&mut journal));
    let word = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    const MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
    if read.is_err() || !journal.starts_with(&MAGIC) {
        return false;
    }
    let (Some(records), Some(pages_before), Some(sector), Some(page_size)) = (
        word(&journal, 8),
        word(&journal, 16),
        word(&journal, 20),
        word(&journal, 24),
    ) else {
        return false;
    };
    let (sector, page_size) = (sector as usize, page_size as usize);
    let size_ok = |n: usize| (512..=65536).contains(&n) && n.is_power_of_two();
    if records != 1
        || !size_ok(page_size)
        || !size_ok(sector)
        || journal.len() != sector + 4 + page_size + 4
    {
        return false;
    }
    let Some(before) = journal.get(sector + 4..sector + 4 + page_size) else {
        return false;
    };
    if word(&journal, sector) != Some(1) {
        return false;
    }
    let mut now = vec![0u8; page_size];
    let whole = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut now).and_then(|()| f.metadata()))
        .is_ok_and(|m| m.len() == pages_before as u64 * page_size as u64);
    whole
        && before[18..20] == [1, 1]
        && now[18..20] == [2, 2]
        && (0..page_size)
            .filter(|i| !matches!(i, 18 | 19 | 24..=27 | 92..=95))
            .all(|i| before[i] == now[i])
}

/// Whether `path` is a regular file (through a symbolic link): what may be
/// opened and read without blocking (a named pipe blocks until a writer
/// comes).
fn regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Whether the file's header says WAL mode (bytes 18 and 19 of an SQLite
/// file are 2): its writers then keep a `-wal`, and write no rollback
/// journal.
fn in_wal_mode(path: &Path) -> bool {
    let mut head = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head.starts_with(b"SQLite format 3\0") && head[18..20] == [2, 2])
}

/// A hot `-journal` beside a log in WAL mode: no writer of this file made
/// it (one of another file of that name left it, or someone put it
/// there), and opening the log would have SQLite roll it back into the
/// file, for good, and delete it: every command, `verify` too, changed the
/// file and destroyed the evidence (red team O, M1). A log still in
/// rollback mode (a restored backup before its first append) is rolled
/// back as SQLite requires: there the journal is the log's own.
fn foreign_journal(path: &Path) -> Error {
    let journal = sibling(path, "-journal");
    Error::invalid(
        format!(
            "{} is a rollback journal, but the log is in WAL mode, in which SQLite writes none: it is not this log's, and opening the log would write its pages into the file",
            journal.display()
        ),
        format!(
            "move {} aside (keep it, if the log may have been tampered with) and run the command again",
            crate::text::shell_word(&journal)
        ),
    )
}

/// `path` with `suffix` after its name (`-wal`, `-shm`), where SQLite looks
/// for it: beside the file a symbolic link leads to (through a link, a
/// reader did not see the file's -wal, and folded it into the file, or on
/// a read-only mount left the last commits out).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut p = real.into_os_string();
    p.push(suffix);
    PathBuf::from(p)
}

/// A log with a hot journal in a place SQLite cannot write to, to roll it
/// back: see [`has_hot_journal`].
fn journal_unreadable(path: &Path) -> Error {
    Error::invalid(
        format!(
            "{} has a -journal file left by a writer that stopped mid-transaction, which SQLite must roll back before the log can be read, and it cannot write there",
            path.display()
        ),
        format!(
            "copy {} and its -journal file together to a directory you can write to, and run the command on the copy",
            path.display()
        ),
    )
}

/// A log whose -wal holds commits, in a directory where SQLite cannot make
/// the -shm file it needs to read them: said as it is ("cannot open it
/// (check permissions)" sent an auditor after permissions that were fine).
fn wal_unreadable(path: &Path) -> Error {
    Error::invalid(
        format!(
            "{} has commits in its -wal file that SQLite can read only by making a -shm file beside them, which it cannot do in that directory",
            path.display()
        ),
        "copy the log and its -wal file together to a directory you can write to, and run the command on that copy (`claimtrail --db COPY backup PATH` then writes a copy that is one file)",
    )
}

fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    if path.is_dir() {
        return Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "it is a directory".into(),
        };
    }
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "it is not an SQLite file".into(),
        },
        Some(rusqlite::ErrorCode::CannotOpen)
            if has_pending_wal(path) && !sibling(path, "-shm").exists() =>
        {
            wal_unreadable(path)
        }
        Some(rusqlite::ErrorCode::CannotOpen) | Some(rusqlite::ErrorCode::PermissionDenied) => {
            Error::Io {
                path: path.to_path_buf(),
                reason: "cannot open it (check permissions)".into(),
            }
        }
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Busy(busy_timeout().as_secs())
        }
        _ => Error::Sqlite(e),
    }
}

/// Rollback journals of backups' partial copies whose copy is gone (a
/// backup killed, or one whose write failed, before it removed them): a
/// backup still running has its copy beside its journal, so only those
/// left unchanged for [`interrupt::LEFT_FOR`] without one are removed.
fn orphan_journals(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(db) = name
            .to_str()
            .filter(|n| interrupt::temporary_name(n, BACKUP_PREFIX, ".db-journal"))
            .and_then(|n| n.strip_suffix("-journal"))
        else {
            continue;
        };
        let path = entry.path();
        let old = std::fs::symlink_metadata(&path)
            .is_ok_and(|m| m.is_file() && interrupt::left_alone(&m));
        if old
            && std::fs::symlink_metadata(dir.join(db)).is_err()
            && std::fs::remove_file(&path).is_ok()
        {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

/// Whether this process committed entries to a log: a failure after it
/// (standard output full, closed) then says that they are in the log all
/// the same, and a failure of a command that signs nothing does not.
static APPENDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the append path committed entries in this process.
pub fn appended_in_this_process() -> bool {
    APPENDED.load(std::sync::atomic::Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every migration can be made in a read-only connection's TEMP
    /// schema: its tables as TEMP tables, the columns it adds added to
    /// them, the indexes it makes or drops left out; anything else (which
    /// would write the file) cannot. Made one after the other, they give
    /// the tables, with their columns, that the migrations give a file.
    #[test]
    fn migrations_have_a_temporary_form() {
        let temp_conn = Connection::open_in_memory().unwrap();
        let file = Connection::open_in_memory().unwrap();
        for (sql, _) in MIGRATIONS {
            let temp = temporary_schema(sql).unwrap();
            let tables = sql.matches("CREATE TABLE ").count();
            let made = temp
                .iter()
                .filter(|t| matches!(t, TempStep::Run(s) if s.starts_with("CREATE TEMP TABLE ")))
                .count();
            assert_eq!(made, tables);
            for t in temp {
                match t {
                    TempStep::Run(s) => {
                        assert!(!s.contains("INDEX"), "{s}");
                        temp_conn.execute_batch(&s).unwrap();
                    }
                    TempStep::AddColumn { table, column } => temp_conn
                        .execute_batch(&format!("ALTER TABLE temp.{table} ADD COLUMN {column}"))
                        .unwrap(),
                }
            }
            file.execute_batch(sql).unwrap();
        }
        let columns = |conn: &Connection, schema: &str| -> Vec<(String, String)> {
            let mut st = conn
                .prepare(&format!(
                    "SELECT t.name, c.name FROM {schema}.sqlite_schema t, pragma_table_info(t.name, '{schema}') c
                     WHERE t.type = 'table' ORDER BY t.name, c.cid"
                ))
                .unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert_eq!(columns(&temp_conn, "temp"), columns(&file, "main"));
        assert_eq!(
            temporary_schema("-- a; comment\nCREATE TABLE t (a INTEGER); CREATE INDEX i ON t(a);"),
            Some(vec![TempStep::Run(
                "CREATE TEMP TABLE t (a INTEGER);".into()
            )])
        );
        assert_eq!(
            temporary_schema("DROP INDEX i; CREATE INDEX j ON t(a, b);"),
            Some(vec![])
        );
        assert_eq!(
            temporary_schema("ALTER TABLE t ADD COLUMN b TEXT;"),
            Some(vec![TempStep::AddColumn {
                table: "t".into(),
                column: "b TEXT".into()
            }])
        );
        assert_eq!(
            temporary_schema("CREATE TABLE t (a); UPDATE x SET a = 1;"),
            None
        );
        assert_eq!(temporary_schema("ALTER TABLE t RENAME TO u;"), None);
    }

    /// A -wal with commits beside the log when a command opens it (a
    /// writer that stopped) is folded into the file on closing only once
    /// the command has appended: one refused after making the file ready
    /// to write left the file changed.
    #[test]
    fn a_stopped_writers_wal_is_folded_only_after_an_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        Store::create(&path, |_| Ok(())).unwrap();
        {
            // A writer that commits and stops without folding its -wal.
            let w = Connection::open(&path).unwrap();
            w.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
                .unwrap();
            w.execute_batch("CREATE TABLE zz (a); DROP TABLE zz;")
                .unwrap();
        }
        let files = || ["", "-wal"].map(|s| std::fs::read(sibling(&path, s)).unwrap_or_default());
        let before = files();
        assert!(!before[1].is_empty());
        {
            let store = Store::open(&path).unwrap();
            store.ready_to_write().unwrap();
            // Refused here: nothing appended.
        }
        assert!(files() == before, "closing folded the -wal");
        {
            let store = Store::open(&path).unwrap();
            store.ready_to_write().unwrap();
            store.appended();
        }
        assert!(files()[1].is_empty(), "an append's close leaves the -wal");
    }

    /// Every projection table is counted by the check after a crash: one
    /// missing from it (keys, relations and source links were) let torn
    /// pairs of it be written into the file. `log_meta` is the one row
    /// of `log.init`.
    #[test]
    fn the_torn_pair_check_counts_every_projection_table() {
        for table in crate::projection::TABLES {
            let counted = ONE_ROW_EACH.iter().any(|(_, t)| t == table)
                || LISTED_LINKS.iter().any(|(t, _, _)| t == table)
                || matches!(*table, "keys" | "log_meta");
            assert!(counted, "{table} is not counted");
        }
    }

    #[test]
    fn a_new_log_has_the_chosen_page_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        Store::create(&path, |_| Ok(())).unwrap();
        let store = Store::open(&path).unwrap();
        let size: u32 = store
            .conn()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(size, PAGE_SIZE);
    }
}
