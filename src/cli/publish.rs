use super::{output, Ctx, Outcome};
use claimtrail::error::Result;
use claimtrail::text::count;
use claimtrail::tiles::{self, Options};
use std::path::PathBuf;

/// Write the log as static files for witnesses and monitors (C2SP tlog-tiles)
///
/// Writes the tree of the latest checkpoint into DIR in the C2SP
/// tlog-tiles layout: `checkpoint` (the admin's signed note), `tile/<L>/<N>`
/// (the tree's hashes, 256 a tile) and `tile/entries/<N>` (the entries'
/// leaves, payload and SSHSIG, 256 a bundle). Serve DIR from any static
/// web host: transparency-log witnesses cosign its checkpoint and monitors
/// follow its entries with the tools they already have, without claimtrail
/// or the database. Source texts are not in entries, so they are not
/// published; quotes, speakers and notes are. The partial tiles of the
/// log's earlier checkpoints whose full tiles do not exist yet are written
/// too: a client holding one of them (a checkpoint signed since the last
/// publish) reads its tree from them.
///
/// `--checkpoint FILE` publishes a cosigned copy of one of the log's
/// checkpoints instead (`checkpoint cosign --out`): each cosignature by an
/// auditor of the log is verified first.
///
/// Run it again after each `claimtrail checkpoint` into the same DIR: only
/// new tiles are written, and the directory's earlier checkpoint must be a
/// prefix of the log (else nothing is written). Everything published is
/// checked first: each entry against its stored hash, the tree against the
/// checkpoint's root, the checkpoint against the admins' keys.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory to publish into: new, empty, or where this log was
    /// published before.
    pub dir: PathBuf,
    /// Hash tiles and the checkpoint only, no entry bundles (all a witness
    /// needs; entry bundles cannot hold an entry over 65,535 bytes).
    #[arg(long)]
    pub no_entries: bool,
    /// Publish this checkpoint file instead of the latest stored one: a
    /// checkpoint of this log with auditors' cosignatures (`checkpoint
    /// cosign --out`), so that readers see who vouched for the tree.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    super::output::refuse_dash(&a.dir, "the published directory")?;
    let store = ctx.read()?;
    let note = a
        .checkpoint
        .as_deref()
        .map(|p| claimtrail::files::read_capped(p, claimtrail::checkpoint::MAX_NOTE_BYTES as u64))
        .transpose()?;
    let opts = Options {
        entries: !a.no_entries,
        note,
        note_file: a.checkpoint.clone(),
    };
    let p = output::while_verifying("publishing", |progress| {
        tiles::publish(&store, &a.dir, opts, progress)
    })?;
    output::leftovers_removed(
        &p.leftovers_removed,
        "staging directory",
        "staging directories",
    );
    if ctx.json {
        output::json(&p)?;
        return Ok(Outcome::Done);
    }
    let cosigned = match p.cosignatures {
        0 => String::new(),
        n => format!(", with {}", count(n as u64, "cosignature")),
    };
    outln!(
        "published the tree of {} (the checkpoint at entry {}, signed by {} at {}{cosigned}) to {}",
        count(p.size.0, "entry"),
        p.checkpoint_entry,
        claimtrail::text::escape(&p.signer_name),
        p.time,
        output::shown(&p.dir)
    )?;
    if let Some(at) = p.signer_revoked_at {
        errln!(
            "warning: {}'s key, which signed this checkpoint, was revoked at entry {at}: `claimtrail key vkey` no longer lists it, so a monitor given the log's current keys refuses the directory; an admin's `claimtrail checkpoint` signs a new one, then publish again",
            claimtrail::text::escape(&p.signer_name)
        );
    }
    let written = if p.with_entries {
        format!(
            "{} and {}",
            count(p.tiles_written, "hash tile"),
            count(p.bundles_written, "entry bundle")
        )
    } else {
        format!(
            "{} (no entries: --no-entries)",
            count(p.tiles_written, "hash tile")
        )
    };
    outln!(
        "  wrote {written}, {} in all with the checkpoint",
        size(p.bytes_written)
    )?;
    match p.previous {
        Some(old) if old == p.size => outln!(
            "  the directory held this tree already: {} left as they were",
            count(p.kept, "tile")
        )?,
        Some(old) => outln!(
            "  the directory held the tree of {} (a prefix of this one): {} of these were there already",
            count(old.0, "entry"),
            count(p.kept, "tile")
        )?,
        None => {}
    }
    if p.earlier_checkpoints > 0 {
        outln!(
            "  with the partial tiles that readers of {} of this log still fetch (tlog-tiles serves them until their full tiles exist)",
            count(p.earlier_checkpoints, "earlier checkpoint")
        )?;
    }
    if !p.replaced.is_empty() {
        let shown: Vec<&str> = p.replaced.iter().take(5).map(String::as_str).collect();
        let more = match p.replaced.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        errln!(
            "warning: {} in {} no longer held what an earlier publish wrote, and {} written again: {}{more}",
            count(p.replaced.len() as u64, "file"),
            output::shown(&p.dir),
            if p.replaced.len() == 1 { "was" } else { "were" },
            shown.join(", ")
        );
    }
    if let Some(to) = &p.set_aside {
        errln!(
            "note: {} held tile/ but no checkpoint, so no publish of this log: its files were moved aside to {} (look, then delete it)",
            output::shown(&p.dir),
            output::shown(to)
        );
    }
    if !p.removed.is_empty() {
        errln!(
            "warning: {} in {} no longer held the start of {} full tile, and {} removed (a reader of an earlier checkpoint takes the full tile): {}",
            count(p.removed.len() as u64, "partial tile"),
            output::shown(&p.dir),
            if p.removed.len() == 1 { "its" } else { "their" },
            if p.removed.len() == 1 { "was" } else { "were" },
            p.removed.join(", ")
        );
    }
    // What the checkpoint does not cover is not published: say so, or a
    // desk takes its latest entries (a redaction, a retraction) as public.
    // (Its own `checkpoint.add` entry aside, as in `status`.)
    let after = claimtrail::query::Uncovered {
        from: p.size.0,
        own: Some(p.checkpoint_entry),
    }
    .count(claimtrail::tree::size(store.conn())?.0);
    // A checkpoint given with --checkpoint may be older than the log's
    // latest: then one is signed already, and the advice to sign one was
    // beside the point.
    let newer = claimtrail::query::latest_checkpoint(store.conn())?.filter(|c| c.size > p.size);
    match newer {
        Some(c) if after > 0 => outln!(
            "  not published: the {} after the checkpoint given (the log's latest checkpoint, at entry {}, covers {}: publish without --checkpoint, or with its cosigned file)",
            count(after, "entry"),
            c.seq,
            count(c.size.0, "entry")
        )?,
        _ if after > 0 => outln!(
            "  not published: the {} after the checkpoint (an admin's {} signs a checkpoint of them; then publish again)",
            count(after, "entry"),
            super::pasteable("`claimtrail checkpoint`")
        )?,
        _ => {}
    }
    outln!(
        "serve {} as static files; tlog-tiles clients check it with the log's verifier key ({})",
        output::shown(&p.dir),
        super::pasteable("`claimtrail key vkey`")
    )?;
    Ok(Outcome::Done)
}

/// Bytes as people read them.
fn size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{} bytes", claimtrail::text::grouped(bytes))
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}
