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
    let store = ctx.open()?;
    store.backup(&a.path)?;
    let copy = claimtrail::store::Store::open(&a.path)?;
    let size = claimtrail::tree::size(copy.conn())?;
    let root = claimtrail::tree::root(copy.conn(), size)?;
    if ctx.json {
        output::json(
            &serde_json::json!({"path": a.path, "entries": size.0, "root": root.to_hex()}),
        )?;
    } else {
        outln!(
            "backed up {} (tree root {root}) to {}",
            claimtrail::text::count(size.0, "entry"),
            a.path.display()
        )?;
        outln!(
            "check it with `claimtrail --db {} verify`",
            claimtrail::text::shell_word(&a.path)
        )?;
    }
    Ok(Outcome::Done)
}
