//! One import at a time into a database.
//!
//! An import decides which lines are already in the log from what the log
//! held when it started (see "Re-running" in the module above). Two runs of
//! the same file at the same time could not see each other's entries, so
//! each appended every claim and annotation line: the log verified, but held
//! them twice. SQLite's write lock does not help, because the second run
//! decides before it writes. So an import holds this lock from before it
//! reads the log until it ends, and a second import waits for it and then
//! finds the first one's entries, as a re-run does.
//!
//! The lock is an advisory `flock` on a file beside the database
//! (`NAME-import-lock`), not on the database file itself: SQLite locks that
//! file with POSIX locks, which a second descriptor of it closing would
//! drop, and which NFS implements with the same locks as `flock`. The file
//! is removed when the import ends; a waiter that gets the lock of a file
//! removed meanwhile tries again on the new one, so two imports never hold
//! the locks of two different files. A killed import leaves the file (the
//! kernel drops the lock): the next import takes it and removes it.
//!
//! What it does not do: single commands (`annotate`, `claim add`) do not
//! take it, so an import and an analyst may still both append the same
//! annotation, as two analysts may; and it binds only processes that use
//! this lock on the same file system.

use crate::error::{Error, Result};
use crate::interrupt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The lock, held until dropped; dropping it removes the file.
pub struct ImportLock {
    path: PathBuf,
    /// Closed (which unlocks it) after the file is removed.
    _file: File,
    /// Removes the file should a signal stop the import (the signal waits
    /// for a commit in flight and no commit follows it, so the next import
    /// sees the whole of this one).
    interrupted: Option<interrupt::Registration>,
}

/// The lock file's path: the database's name with `-import-lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-import-lock");
    PathBuf::from(name)
}

impl ImportLock {
    /// Takes the lock of the database at `db`, calling `waiting` with the
    /// holder's process id (when it wrote one) before it waits for it.
    pub fn acquire(db: &Path, waiting: &mut dyn FnMut(Option<u32>)) -> Result<ImportLock> {
        // One file for every spelling of the database's path (relative,
        // through a link).
        let path = lock_path(&std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf()));
        let io = |e: std::io::Error| Error::Io {
            path: path.clone(),
            reason: crate::keys::io_reason(&e),
        };
        // Whoever may write the log may take the lock: the file gets the
        // log's own permissions (a team's log, group-writable in a shared
        // directory, had its lock made 0600 by the first to import, and
        // every other member's import refused for good).
        let mode = std::fs::metadata(db).map_or(0o600, |m| m.mode() & 0o666);
        let mut said = false;
        loop {
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(mode)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path);
            // A lock file this user may not write (another's, left by an
            // import killed before that fix, or made under another umask)
            // is still locked read-only: once held, it is removed and a
            // new one made (below).
            let (mut file, writable) = match opened {
                Ok(f) => (f, true),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && path.is_file() => {
                    match OpenOptions::new()
                        .read(true)
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(&path)
                    {
                        Ok(f) => (f, false),
                        Err(_) => return Err(not_ours(&path, e)),
                    }
                }
                Err(e) => return Err(cannot_make(&path, e)),
            };
            if writable {
                // The mode given to open is narrowed by the umask. (Only
                // the file's owner may change it; for anyone else this
                // fails, and the file is as its owner left it.)
                let _ = file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode));
            }
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !said {
                        said = true;
                        waiting(holder(&mut file));
                    }
                    file.lock().map_err(io)?;
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            // The holder before us may have removed the file after we
            // opened it: then this lock guards nothing, and the path's
            // new file (or none) is the one to lock.
            let held = file.metadata().map_err(io)?;
            let same = std::fs::symlink_metadata(&path)
                .is_ok_and(|m| m.dev() == held.dev() && m.ino() == held.ino());
            if !same {
                continue;
            }
            if !writable {
                // Held, so no import is running: the file is stale. Removed
                // (the directory is writable, or the log would be too), and
                // the loop makes this user's own; a waiter on this one
                // wakes when it is closed, sees it gone and follows.
                std::fs::remove_file(&path).map_err(|e| cannot_make(&path, e))?;
                continue;
            }
            file.set_len(0).map_err(io)?;
            file.rewind().map_err(io)?;
            writeln!(file, "{}", std::process::id()).map_err(io)?;
            let interrupted = interrupt::remove_on_interrupt(&path, interrupt::Leftover::File);
            return Ok(ImportLock {
                path,
                _file: file,
                interrupted: Some(interrupted),
            });
        }
    }
}

/// The lock file could not be made: said as a file that cannot be written
/// (it said "cannot read"), and, where the log's directory is read-only,
/// with what `annotate` says of a read-only log.
fn cannot_make(path: &Path, e: std::io::Error) -> Error {
    let read_only =
        e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error() == Some(libc::EROFS);
    if read_only {
        return Error::invalid(
            format!(
                "cannot make {}, the lock that an import holds beside the log: {}",
                path.display(),
                crate::keys::io_reason(&e)
            ),
            "the log or its directory is read-only here: claimtrail can read it (verify, list, show, report) but not add to it, nor dry-run an import into it (a dry run writes and rolls back); ask for write access, or work on a copy in a directory you can write to",
        );
    }
    Error::write(path.to_path_buf(), &e)
}

/// A lock file this user may neither write nor read (another user's,
/// 0600): whether an import holds it cannot be told from here, so it is
/// not taken from whoever may be running one; the message says whose it
/// is and when removing it is safe. (Lock files are made with the log's
/// own permissions since 2026-12-06, so a team's log no longer gets one.)
fn not_ours(path: &Path, e: std::io::Error) -> Error {
    let owner = std::fs::symlink_metadata(path).map_or(String::new(), |m| {
        format!(
            " (it belongs to user id {}, mode {:o})",
            m.uid(),
            m.mode() & 0o777
        )
    });
    Error::invalid(
        format!(
            "cannot open {}, the lock that an import holds beside the log: {}{owner}",
            path.display(),
            crate::keys::io_reason(&e)
        ),
        "another user's import may be running, or was killed and left it: when no import of this log runs, remove the file (`rm` it, or ask its owner to), and run the import again",
    )
}

/// The process id the holder wrote in the file, if it did.
/// Whether an import into the database at `db` is running now: its lock
/// file is there and locked. `Some(pid)` when it is, the pid when the
/// import wrote one. Opens the file read-only and never makes one; a
/// shared lock is tried and, when granted, let go at once.
pub fn running(db: &Path) -> Option<Option<u32>> {
    let path = lock_path(&std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf()));
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .ok()?;
    match file.try_lock_shared() {
        Err(TryLockError::WouldBlock) => Some(holder(&mut file)),
        _ => None,
    }
}

fn holder(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.take(32).read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

impl Drop for ImportLock {
    fn drop(&mut self) {
        // Forgotten by the signal handler first: once the file is removed,
        // another import may make and lock a new one, which a signal here
        // must not remove.
        drop(self.interrupted.take());
        // Removed while still locked, so a waiter that then gets this
        // file's lock sees it is gone and tries again.
        let _ = std::fs::remove_file(&self.path);
    }
}
