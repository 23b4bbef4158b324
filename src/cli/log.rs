use super::{output, Ctx, Outcome};
use claimtrail::error::Result;

/// The entries of the log, oldest first.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only the last N entries.
    #[arg(long, short = 'n', allow_negative_numbers = true, value_parser = super::values::whole::<u64>)]
    pub limit: Option<u64>,
    /// One entry: with --payload, print its exact signed payload bytes;
    /// with --signature, its SSHSIG signature armored for `ssh-keygen -Y verify`.
    #[arg(long, allow_negative_numbers = true, value_parser = super::values::whole::<u64>)]
    pub seq: Option<u64>,
    /// Print the entry's exact signed payload bytes (with --seq).
    #[arg(long, requires = "seq", conflicts_with = "signature")]
    pub payload: bool,
    /// Print the entry's SSHSIG signature, armored (with --seq).
    #[arg(long, requires = "seq")]
    pub signature: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let store = ctx.open()?;
    if let Some(seq) = a.seq {
        return one(&store, seq, &a);
    }
    // Widths for a table printed as it is read; JSON needs none.
    let e = if ctx.json {
        claimtrail::query::Extent::default()
    } else {
        claimtrail::query::extent(store.conn())?
    };
    let hints = [
        output::widest(e.last_seq.map(|s| s.to_string())),
        0,
        output::widest(claimtrail::model::Kind::NAMES),
        output::widest(e.last_items.iter().flatten().map(|i| i.to_string())),
        output::widest(e.key_names.iter().chain([&"?".to_string()])),
    ];
    output::listing(
        ctx.json,
        &["SEQ", "TIME", "KIND", "ID", "SIGNER", "HASH", "SUMMARY"],
        &hints,
        |l: &claimtrail::query::LogLine| {
            vec![
                l.seq.to_string(),
                l.time.clone(),
                l.kind.clone(),
                l.id.map(|i| i.to_string()).unwrap_or_default(),
                l.signer_name.clone(),
                l.hash.to_hex()[..12].to_string(),
                l.summary.clone(),
            ]
        },
        |each| claimtrail::query::for_each_log_line(store.conn(), a.limit, each),
    )?;
    Ok(Outcome::Done)
}

fn one(store: &claimtrail::store::Store, seq: u64, a: &Args) -> Result<Outcome> {
    use std::io::Write;
    let (payload, sig) = claimtrail::query::entry_bytes(store.conn(), seq)?;
    let mut out = std::io::stdout().lock();
    let io = output::stdout_error;
    if a.signature {
        out.write_all(claimtrail::keys::armor(&sig).as_bytes())
            .map_err(io)?;
    } else if a.payload {
        out.write_all(&payload).map_err(io)?;
    } else {
        let line = claimtrail::query::log_line(store.conn(), claimtrail::model::Seq(seq))?;
        output::json(&serde_json::json!({
            "entry": line,
            "payload": String::from_utf8_lossy(&payload),
            "signature": claimtrail::keys::armor(&sig),
        }))?;
    }
    Ok(Outcome::Done)
}
