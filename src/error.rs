//! The one error type of the library. Every variant says what happened
//! ([`std::fmt::Display`]) and what to do about it ([`Error::hint`]); the
//! binary prints both on one line and exits 2 (see `main.rs`).

use crate::model::{Fingerprint, ItemId, Kind, Role};
use std::path::PathBuf;

/// How to put a backup back: the -wal and -shm files beside a log belong
/// to that file, and SQLite reads a -wal left there with whatever file
/// takes the name (a backup copied over a crashed log's file, beside the
/// crashed state's -wal, read as damage, and a command could write into
/// that mixture).
pub const RESTORE: &str = "restore the log from a backup made before the damage (one `claimtrail backup PATH` wrote): move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy the backup in its place";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no claimtrail database at {}", in_directory(.0))]
    NoDatabase(PathBuf),
    #[error("{path} is not a claimtrail database ({reason})")]
    NotADatabase { path: PathBuf, reason: String },
    #[error("{path} was made by a newer claimtrail (schema version {found}; this one knows up to {supported})")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file's schema is not the one claimtrail made (`schema::differences`).
    #[error("{path} has been altered outside claimtrail: {difference}{}", match .more { 0 => String::new(), n => format!(" (and {})", crate::text::count(*n as u64, "more difference")) })]
    ForeignSchema {
        path: PathBuf,
        difference: String,
        more: usize,
    },
    /// The file's `user_version` says a schema version its tables are not
    /// of (not an older log: its header was changed). `verify` reports it
    /// as a finding under `schema`; other commands refuse the file.
    #[error("{path} says it is at schema version {version}, but its tables are not those of that version: the step to version {step} fails ({why})")]
    EditedHeader {
        path: PathBuf,
        version: i64,
        step: usize,
        why: String,
    },
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// A directory where a file is to be made.
    #[error("{0} is a directory")]
    IsDirectory(PathBuf),
    #[error("no {} {id} in this log ({})", id.kind.noun(), the_last(*id, *last))]
    UnknownId { id: ItemId, last: u64 },
    #[error("cannot read {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    /// `kind` chooses the hint: a full disk is not fixed where a missing
    /// directory is.
    #[error("cannot write {path}: {reason}")]
    Write {
        path: PathBuf,
        reason: String,
        kind: std::io::ErrorKind,
    },
    #[error("cannot use key {path}: {reason}")]
    KeyFile { path: PathBuf, reason: String },
    #[error("key file {path} is open to {} (mode {mode:03o})", match mode & 0o007 {
        0 => "its group",
        _ => "other users",
    })]
    KeyPermissions { path: PathBuf, mode: u32 },
    #[error("no signing key given")]
    NoKey,
    #[error("key {0} is passphrase-protected and no passphrase was given")]
    PassphraseNeeded(PathBuf),
    #[error("wrong passphrase for key {0}")]
    WrongPassphrase(PathBuf),
    #[error("key {0} is not enrolled in this log")]
    NotEnrolled(Fingerprint),
    /// `name`: the name the key was enrolled under, which a user knows
    /// their key by better than its fingerprint.
    #[error("key {} ({fingerprint}) was revoked at entry {seq}", crate::text::escape(.name))]
    Revoked {
        fingerprint: Fingerprint,
        name: String,
        seq: u64,
        /// A key enrolled under the same name and not revoked: the same
        /// person's new key, which the hint names.
        successor: Option<Fingerprint>,
    },
    #[error(
        "key {} ({fingerprint}) has role {role}, which may not sign {kind} entries (allowed: {allowed})",
        crate::text::escape(.name)
    )]
    Role {
        fingerprint: Fingerprint,
        name: String,
        role: Role,
        kind: Kind,
        allowed: String,
    },
    /// Bad input from the user: what is wrong, and what to do.
    #[error("{what}")]
    Invalid { what: String, hint: String },
    /// The ssh-agent that signs for the key failed to (gone, refused, or
    /// an answer that is no signature): no fault of what was being signed,
    /// so an import does not tell the user to fix a line.
    #[error("{what}")]
    Agent { what: String, hint: String },
    /// A reader holds the lock too on a log still in rollback-journal mode
    /// (a restored backup, until its first append switches it to WAL).
    #[error("the database is busy: {}", busy_message(*.0))]
    Busy(u64),
    #[error("the log changed during this command: another process wrote after entry {expected} (the last entry is now {}), and an entry prepared before no longer passes: {refusal}", found.map_or("none".to_string(), |s| s.to_string()))]
    LogMoved {
        expected: crate::model::Seq,
        found: Option<crate::model::Seq>,
        refusal: String,
    },
    /// The file at the log's path is no longer the one the command opened
    /// (see `store::FileCheck`).
    #[error("the log's file {} was replaced or removed while this command ran (by a restore, a sync tool or another program): nothing more was appended", .0.display())]
    LogReplaced(PathBuf),
    #[error("{}", sqlite_error(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// What claimtrail read from the log's file is not what it writes
    /// there: a projection row, a tree node, a stored key or hash altered
    /// or damaged. Verify names every such problem; this error only stops
    /// the command that met one.
    #[error("{0}: the log's file is damaged or was altered outside claimtrail")]
    Damaged(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What an unknown id's error says of the ids there are.
fn the_last(id: ItemId, last: u64) -> String {
    match last {
        0 => format!("it has no {} yet", crate::log::table_of(id.kind)),
        n => format!("the last is {}{n}", id.kind.letter()),
    }
}

impl Error {
    /// A file or directory that could not be written; a missing directory
    /// is said as such (the OS says "no such file" of the file being made).
    pub fn write(path: impl Into<PathBuf>, e: &std::io::Error) -> Error {
        match Error::cannot_write(path, e) {
            Error::Write { path, kind, .. } if kind == std::io::ErrorKind::NotFound => {
                // A directory that is there but takes no new files (/proc,
                // a file system of the kernel's), or a link to a path that
                // is not, says "no such file" too.
                let there = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .is_none_or(|p| p.is_dir());
                Error::Write {
                    reason: match there {
                        false => "its directory does not exist".into(),
                        true => "no such file can be made there (its directory exists: it is a link to a missing place, or a system directory such as /proc that takes no new files)".into(),
                    },
                    path,
                    kind,
                }
            }
            // Made meanwhile by another process (two `init`s or `backup`s
            // of one path): the same error as when it was there before.
            Error::Write {
                path,
                kind: std::io::ErrorKind::AlreadyExists,
                ..
            } => Error::Exists(path),
            other => other,
        }
    }

    /// A path that could not be written, as the system says why: for a
    /// directory itself (TMPDIR) or standard output, where [`Error::write`]'s
    /// "its directory does not exist" would not be so.
    pub fn cannot_write(path: impl Into<PathBuf>, e: &std::io::Error) -> Error {
        Error::Write {
            path: path.into(),
            reason: crate::keys::io_reason(e),
            kind: e.kind(),
        }
    }

    /// A path that is taken: [`Error::IsDirectory`] when a directory holds
    /// it (the file's name was left out), else [`Error::Exists`].
    pub fn exists(path: impl Into<PathBuf>) -> Error {
        let path = path.into();
        if path.is_dir() {
            Error::IsDirectory(path)
        } else {
            Error::Exists(path)
        }
    }

    /// Shorthand for [`Error::Invalid`].
    /// The append path's refusal of a key whose role may not sign `kind`
    /// (one wording for commands and import alike).
    pub fn role(fingerprint: Fingerprint, name: &str, role: Role, kind: Kind) -> Error {
        Error::Role {
            fingerprint,
            name: name.to_string(),
            role,
            kind,
            allowed: kind
                .allowed_roles()
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    pub fn invalid(what: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Invalid {
            what: what.into(),
            hint: hint.into(),
        }
    }

    /// An error of the database, its lock or claimtrail itself, not of
    /// what was asked: it says nothing about the line or entry at hand.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Error::Sqlite(_)
                | Error::Agent { .. }
                | Error::Busy(_)
                | Error::Damaged(_)
                | Error::Internal(_)
                | Error::LogMoved { .. }
                | Error::LogReplaced(_)
        )
    }

    /// A damaged database file (SQLite: "database disk image is
    /// malformed"), as opposed to a lock, a full disk or a bug.
    pub fn is_damage(&self) -> bool {
        matches!(self, Error::Sqlite(e) if is_corrupt(e))
    }

    /// SQLite's own words, for an SQLite error; the whole message otherwise.
    pub fn sqlite_message(&self) -> String {
        match self {
            Error::Sqlite(e) => sqlite_message(e),
            e => e.to_string(),
        }
    }

    /// What the user should do next.
    pub fn hint(&self) -> String {
        match self {
            Error::NoDatabase(_) => match db_files_in(std::path::Path::new("."), true)
                .iter()
                .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
                .collect::<Vec<_>>()
                .as_slice()
            {
                // A new shell (CLAIMTRAIL_DB gone) or a `cd`: the first
                // advice was `init`, a second, empty log beside the real one.
                [] => "run `claimtrail init --origin NAME --key KEY` first, or point --db / CLAIMTRAIL_DB at an existing log".into(),
                files => format!(
                    "this directory holds {}: give --db {}, or `export CLAIMTRAIL_DB=\"$PWD/{}\"` (a full path, which a `cd` does not change; a new shell needs it set again); `claimtrail init` would make another, empty log",
                    files.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
                    crate::text::shell_word(std::path::Path::new(&files[0])),
                    files[0]
                ),
            },
            // No `claimtrail init` to paste: at this path it cannot work
            // (the path exists), and `--db` would be added to it.
            Error::NotADatabase { path, reason } if reason == "it is a directory" => {
                match db_files_in(path, false).as_slice() {
                    [one] => format!(
                        "give the log's file, not its directory: --db {}",
                        crate::text::shell_word(one)
                    ),
                    _ => "give the log's file, not its directory".into(),
                }
            }
            Error::NotADatabase { .. } => "check the --db path: a claimtrail log is the file that init made, and init makes one only at a path where nothing is yet".into(),
            // The version is a header field anyone who can write the file
            // can set: an auditor must not go looking for a release that
            // does not exist (red team V, L1).
            Error::NewerSchema { .. } => "use a newer claimtrail to open this log; if no claimtrail release makes that schema version, the file's header was edited: restore the log from a backup, or ask whoever gave you the file".into(),
            Error::EditedHeader { .. } => format!("its header (PRAGMA user_version) was changed: {RESTORE}"),
            Error::ForeignSchema { .. } => format!("claimtrail adds nothing to a log in this state: run `claimtrail verify` to see every difference, and {RESTORE}"),
            Error::Exists(_) => "choose another path, or move the existing file away".into(),
            Error::IsDirectory(p) => format!("give a file's path, e.g. {}", p.join("NAME").display()),
            Error::UnknownId { id, .. } => format!("see `claimtrail list {}s` for the {} ids in this log", id.kind.noun(), id.kind.noun()),
            Error::Io { .. } => "check the path and its permissions".into(),
            // What was appended is in the log whatever became of the
            // output; a command that appended nothing is simply run again.
            Error::Write { path, .. } if path.as_os_str() == STDOUT && crate::store::appended_in_this_process() => "make room where standard output goes, or send it elsewhere; the entries were appended all the same (`claimtrail log -n 1` shows the last entry): run the command again only for what is not there".into(),
            Error::Write { path, .. } if path.as_os_str() == STDOUT => "make room where standard output goes, or send it elsewhere, and run the command again".into(),
            Error::Write { kind: std::io::ErrorKind::StorageFull, .. } => "make room on that disk, or write the file to another one".into(),
            // EFBIG: past a file size limit (`ulimit -f`, a quota).
            Error::Write { kind: std::io::ErrorKind::FileTooLarge, .. } => "the file passed a file size limit (`ulimit -f`, a quota): raise it, or write the file where none applies".into(),
            Error::Write { reason, .. } if reason.contains("disk I/O error") => "the system refused the write: check the disk's free space, a quota or a file size limit (`ulimit -f`), and `dmesg` for disk errors".into(),
            // A directory where the file goes (a tile path made a
            // directory by hand or by another tool): "check that the
            // directory exists" pointed the other way.
            Error::Write { path, kind: std::io::ErrorKind::IsADirectory, .. } => format!(
                "a directory stands where the file goes: move {} aside (keep it if it may be evidence), then run the command again",
                path.display()
            ),
            Error::Write { .. } => "check that the directory exists and that you may write there".into(),
            // A key of another type given: what to give instead, not the
            // same "give your private key file" that it just was.
            Error::KeyFile { reason, .. } if reason.ends_with(crate::keys::NOT_ED25519) => "give an ed25519 key with --key or CLAIMTRAIL_KEY; make one with `claimtrail key new PATH` (or `ssh-keygen -t ed25519`), and have an admin enroll its .pub".into(),
            Error::KeyFile { .. } => "give your private key file with --key or CLAIMTRAIL_KEY (its .pub will do when your ssh-agent holds the key); make one with `claimtrail key new PATH`".into(),
            Error::KeyPermissions { path, .. } => format!("run `chmod 600 {}`", path.display()),
            Error::NoKey => "pass --key PATH or set CLAIMTRAIL_KEY to your OpenSSH ed25519 private key".into(),
            Error::PassphraseNeeded(_) => "run the command from a terminal to be asked, `ssh-add` the key to your ssh-agent, or set CLAIMTRAIL_PASSPHRASE".into(),
            // One variable for every key: a desk that switches keys (an
            // admin's export in an analyst's shell) meets this first.
            Error::WrongPassphrase(_) if std::env::var_os("CLAIMTRAIL_PASSPHRASE").is_some_and(|v| !v.is_empty()) => "CLAIMTRAIL_PASSPHRASE is set, and is tried on every key: check that it is this key's, or unset it to be asked (or `ssh-add` the key once)".into(),
            Error::WrongPassphrase(_) => "check what you typed and try again".into(),
            Error::NotEnrolled(_) => "ask an admin to enroll it: `claimtrail --key ADMIN_KEY key add YOUR_KEY.pub --role analyst` (or auditor, or admin)".into(),
            Error::Revoked { successor: Some(new), name, .. } => format!("sign with {}'s new key, {new}, enrolled under the same name: give its file with --key (or CLAIMTRAIL_KEY)", crate::text::escape(name)),
            Error::Revoked { .. } => "this log holds no unrevoked key of that name: ask an admin to enroll one (`claimtrail key new` makes it; the admin runs `claimtrail key add` with its .pub and your name as --name)".into(),
            Error::Role { .. } => "sign with a key that has that role, or ask an admin to enroll one".into(),
            Error::Invalid { hint, .. } | Error::Agent { hint, .. } => hint.clone(),
            Error::Busy(0) => "try again, or set CLAIMTRAIL_BUSY_TIMEOUT to the seconds it may wait; unset, it waits 30".into(),
            Error::Busy(_) => "try again when the other process has finished (CLAIMTRAIL_BUSY_TIMEOUT sets the wait in seconds)".into(),
            Error::LogReplaced(_) => "what this command appended before went to the file it had open, which no longer has that name, and nothing to the file now there: check that file with `claimtrail verify`, and run the command again on the log you mean".into(),
            Error::LogMoved { .. } => "run the command again (an import skips the lines already in the log, and names a line that no longer passes)".into(),
            Error::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) => "the log, its directory, or the -wal and -shm files beside it are read-only here (a reader of the log while it was read-only leaves those read-only: `chmod u+w` them; when another user, who could only read the log, made them, `ls -l` shows theirs, and they or an admin remove the two while no one uses the log): claimtrail can read it (verify, list, show, report) but not add to it; ask for write access, or work on a copy".into(),
            Error::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) => format!("the disk that holds the log is full: make room there, or move the log to a larger disk, and run the command again; {}", unwritten()),
            Error::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::SystemIoFailure) => format!("the system refused to read or write the log's file: check the disk it is on (free space, quota, a file size limit such as `ulimit -f`, errors in `dmesg`) and run the command again; {}", unwritten()),
            e if e.is_damage() => format!("run `claimtrail verify` to see where; {RESTORE}"),
            Error::Sqlite(e) if schema_altered(e) => format!("run `claimtrail verify` to see every difference, and {RESTORE}"),
            Error::Sqlite(_) => format!("run `claimtrail verify`; if the file is damaged, {RESTORE}"),
            Error::Damaged(_) => format!("run `claimtrail verify` to see every problem; keep the damaged file as evidence (a backup made now copies the damage), and {RESTORE}"),
            Error::Internal(_) => "this is a bug in claimtrail; please report it with the command you ran".into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a failed write to the log leaves: SQLite's transaction is undone
/// whole, so nothing of it is in the log.
/// What a write the system refused left in the log: nothing, or what the
/// command committed before it (an import's batches). A read-only
/// command's hint spoke of imports (red team S, 4).
fn unwritten() -> &'static str {
    match crate::store::appended_in_this_process() {
        true => "what failed was not written to the log; what this command committed before it stays there (an import skips it when run again)",
        false => "nothing was written to the log",
    }
}

/// How errors name standard output, e.g. in [`Error::Write`] when a disk
/// is full under a redirection.
pub const STDOUT: &str = "standard output";

/// SQLite's message, except for a column that does not read back as its
/// type (a projection row edited outside claimtrail): rusqlite's "Conversion
/// error from type Text at index: 2" says less than the value itself.
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => {
            format!("a table holds a value that no entry can imply: {inner}")
        }
        rusqlite::Error::IntegralValueOutOfRange(_, n) => {
            format!("a table holds a value that no entry can imply: {n}, out of range there")
        }
        // rusqlite's "Invalid column type Text at index: 0, name: payload".
        rusqlite::Error::InvalidColumnType(_, name, ty) => {
            use rusqlite::types::Type;
            let ty = match ty {
                Type::Null => "NULL",
                Type::Integer => "an integer",
                Type::Real => "a real number",
                Type::Text => "text",
                Type::Blob => "a blob",
            };
            format!("a table holds a value of a type no entry can imply: {ty} in its column `{name}`, which the file was edited to hold")
        }
        e => e.to_string(),
    }
}

/// An SQLite error as the error line says it: damage first, in words a
/// user knows (after a crash and a restore, "database error: database
/// disk image is malformed" left them to guess whose file and what kind of
/// error), and SQLite's own words after it.
fn sqlite_error(e: &rusqlite::Error) -> String {
    match is_corrupt(e) {
        true => format!("the log's file is damaged (SQLite: {})", sqlite_message(e)),
        false if schema_altered(e) => format!(
            "the log's tables are not claimtrail's: the file was altered outside claimtrail (SQLite: {})",
            schema_words(e)
        ),
        false => format!("database error: {}", sqlite_message(e)),
    }
}

/// SQLite's own words for a failed statement, without the statement
/// (a dropped column's error quoted claimtrail's whole query, its line
/// breaks as `\n`; red team W, M1).
fn schema_words(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        e => e.to_string(),
    }
}

/// Whether SQLite refused a statement because the file's tables are not
/// the ones claimtrail made and queries (a table dropped or renamed, a
/// view in a table's place, a column dropped): claimtrail's statements
/// name only its own schema's tables and columns.
fn schema_altered(e: &rusqlite::Error) -> bool {
    let msg = schema_words(e);
    msg.starts_with("no such table:")
        || msg.starts_with("no such column:")
        || (msg.starts_with("access to view ") && msg.ends_with(" prohibited"))
        || msg.contains(" has no column named ")
}

/// A path as the user should read it in "no claimtrail database at …":
/// a relative one with the directory it was looked for in (`desk.db in
/// /home/rana`), since a relative `CLAIMTRAIL_DB` follows every `cd`.
fn in_directory(path: &std::path::Path) -> String {
    match std::env::current_dir() {
        Ok(dir) if path.is_relative() => format!("{} in {}", path.display(), dir.display()),
        _ => path.display().to_string(),
    }
}

/// The files named `*.db` in `dir` (at most three, sorted), with
/// `sqlite_only` those that begin as SQLite files: where the log a command
/// did not find most likely is (a `--db` naming their directory, or a
/// command run beside them).
fn db_files_in(dir: &std::path::Path, sqlite_only: bool) -> Vec<PathBuf> {
    use std::io::Read;
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "db") && p.is_file())
        .filter(|p| {
            if !sqlite_only {
                return true;
            }
            let mut magic = [0u8; 16];
            std::fs::File::open(p)
                .and_then(|mut f| f.read_exact(&mut magic))
                .is_ok_and(|()| &magic == b"SQLite format 3\0")
        })
        .collect();
    found.sort();
    found.truncate(3);
    found
}

/// Whether SQLite found the file damaged ("database disk image is
/// malformed", "file is not a database").
fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Why the database was busy. With `CLAIMTRAIL_BUSY_TIMEOUT=0` nothing is
/// waited for, and a reader of a log in WAL mode meets a writer's lock for
/// the instant of its commit or checkpoint: that message spoke of "more
/// than 0 s" and of a log not in WAL mode, neither of which was the case.
fn busy_message(waited: u64) -> String {
    match waited {
        0 => "another process held its lock, and CLAIMTRAIL_BUSY_TIMEOUT=0 waits for none (a writer holds it while it commits; a reader too, on a log not yet in WAL mode, as a restored backup is until its first append)".into(),
        s => format!("another process held its lock for more than {s} s (a writer, or a reader of a log not yet in WAL mode, as a restored backup is until its first append)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file made by another process between the check and the write (two
    /// `init`s of one path) is the error of a file there before, with its
    /// hint; not "File exists (os error 17)" and a hint about directories.
    #[test]
    fn a_file_made_meanwhile_is_said_to_exist() {
        let e = Error::write("x.db", &std::io::ErrorKind::AlreadyExists.into());
        assert!(
            matches!(&e, Error::Exists(p) if p.as_os_str() == "x.db"),
            "{e:?}"
        );
        assert_eq!(
            e.hint(),
            "choose another path, or move the existing file away"
        );
    }
}
