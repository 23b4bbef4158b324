use super::{output, Ctx, Outcome};
use claimtrail::error::Result;
use std::path::PathBuf;

/// Write a consistent copy of the log, even while others append.
///
/// Uses SQLite's online backup; the copy verifies on its own.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the copy (must not exist).
    pub path: PathBuf,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    // The log's own -journal, say, does not exist while the log is whole,
    // and a copy written there was taken for a hot journal and deleted by
    // the next command that opened the log.
    output::refuse_log_files(&a.path, ctx.db()?, "the backup")?;
    let store = ctx.read()?;
    store.backup(&a.path)?;
    // Read as it was written: `Store::open` would switch the copy to WAL
    // mode, and a copy meant for read-only media must stay one file in
    // rollback-journal mode (FORMAT §6.1).
    let copy = rusqlite::Connection::open_with_flags(
        claimtrail::store::not_a_uri(&a.path),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let size = claimtrail::tree::size(&copy)?;
    let root = claimtrail::tree::root(&copy, size)?;
    if ctx.json {
        output::json(
            &serde_json::json!({"path": output::json_path(&a.path), "entries": size.0, "root": root.to_hex()}),
        )?;
    } else {
        outln!(
            "backed up {} (tree root {root}) to {}",
            claimtrail::text::count(size.0, "entry"),
            output::shown(&a.path)
        )?;
        outln!(
            "check it with `claimtrail --db {} verify`",
            claimtrail::text::shell_word(&a.path)
        )?;
    }
    Ok(Outcome::Done)
}
