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
    output::refuse_dash(&a.path, "the backup")?;
    // `nb/`: "a part of the path is a file", which nothing on it was.
    output::refuse_slash(&a.path, "the backup")?;
    output::refuse_log_files(&a.path, ctx.db()?, "the backup")?;
    let store = ctx.read()?;
    let left = store.backup(&a.path)?;
    let (journals, copies): (Vec<_>, Vec<_>) = left
        .into_iter()
        .partition(|p| p.to_string_lossy().ends_with("-journal"));
    output::leftovers_removed(
        &copies,
        "partial copy of the log",
        "partial copies of the log",
    );
    output::leftovers_removed(
        &journals,
        "rollback journal of a partial copy",
        "rollback journals of partial copies",
    );
    // Read as it was written, as any command that only reads it does: a
    // copy meant for read-only media stays one file in rollback-journal
    // mode (FORMAT §6.1), and a copy of an older log keeps its schema (its
    // tree is derived in memory: a version-1 log has no stored tree).
    let copy = claimtrail::store::Store::open_to_read(&a.path)?;
    let tree = claimtrail::tree::size(copy.conn())
        .and_then(|size| Ok((size, claimtrail::tree::root(copy.conn(), size)?)));
    // A damaged log is copied as it is: the copy is the evidence an
    // auditor keeps (it was written, and the command then failed, exit 2,
    // on the stored tree it could not read). What could not be read is
    // said, and verify tells the rest.
    let (size, root) = match tree {
        Ok(t) => t,
        Err(e) => {
            if ctx.json {
                output::json(
                    &serde_json::json!({"file": output::json_path(&a.path), "entries": null, "root": null, "damaged": e.to_string()}),
                )?;
            } else {
                outln!(
                    "backed up the log, as it is, to {}; its stored tree could not be read ({}): check it with `claimtrail --db {} verify`",
                    output::shown(&a.path),
                    claimtrail::text::escape(&e.to_string()),
                    claimtrail::text::shell_word(&a.path)
                )?;
            }
            return Ok(Outcome::ProblemsFound);
        }
    };
    if ctx.json {
        output::json(
            &serde_json::json!({"file": output::json_path(&a.path), "entries": size.0, "root": root.to_hex()}),
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
