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
    // Read as it was written, as any command that only reads it does: a
    // copy meant for read-only media stays one file in rollback-journal
    // mode (FORMAT §6.1), and a copy of an older log keeps its schema (its
    // tree is derived in memory: a version-1 log has no stored tree).
    let copy = claimtrail::store::Store::open_to_read(&a.path)?;
    let size = claimtrail::tree::size(copy.conn())?;
    let root = claimtrail::tree::root(copy.conn(), size)?;
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
