use super::{output, Ctx, Outcome};
use claimtrail::error::Result;

/// The entries of the log, oldest first.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only the last N entries.
    #[arg(long, short = 'n')]
    pub limit: Option<u64>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let store = ctx.open()?;
    let lines = claimtrail::query::log_lines(store.conn(), a.limit)?;
    if ctx.json {
        output::json(&lines)?;
        return Ok(Outcome::Done);
    }
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.seq.to_string(),
                l.time.clone(),
                l.kind.clone(),
                l.id.clone().unwrap_or_default(),
                l.signer_name.clone(),
                l.hash[..12].to_string(),
                l.summary.clone(),
            ]
        })
        .collect();
    output::table(&["SEQ", "TIME", "KIND", "ID", "SIGNER", "HASH", "SUMMARY"], &rows);
    Ok(Outcome::Done)
}
