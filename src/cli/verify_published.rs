use super::{output, Ctx, Outcome};
use claimtrail::error::Result;
use claimtrail::published::PublishedReport;
use claimtrail::text::escape;
use std::path::PathBuf;

/// Check a published directory (`claimtrail publish`) with no database.
///
/// Reads every entry bundle and hash tile the directory's checkpoint
/// needs, rebuilds the tree and replays every entry through the rules that
/// `verify` applies: payload, chain, signature, authorization, body and
/// references, checkpoints. Then the directory's checkpoint: signed by an
/// admin the entries enrolled (or by --vkey), with the entries' root.
/// Exit 0: everything holds. Exit 1: problems found (a damaged
/// checkpoint file among them). Exit 2: the check could not run (no
/// directory or checkpoint, a file it may not read, a bad option).
///
/// What it cannot check: the quotes (source texts are not published) and
/// the database's tables; and, without --vkey, whose log it is. Keep the
/// checkpoint files of earlier runs and give them with --checkpoint: the
/// directory must still hold those trees (no rollback, no rewritten
/// history), and the partial tiles their readers fetch until the full
/// tiles exist (tlog-tiles has a log serve them). A file under tile/ whose
/// path names no tile is noted (a `note:` line), not a problem.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory `claimtrail publish` wrote (or a copy of it).
    pub dir: PathBuf,
    /// The log's verifier key (from `claimtrail key vkey`), obtained
    /// independently: the directory's checkpoint must be signed by it.
    /// Repeat --vkey for each key, or give a file of keys, one a line
    /// (`claimtrail key vkey > desk.vkey`).
    #[arg(long, value_name = "KEY|FILE")]
    pub vkey: Vec<String>,
    /// A checkpoint of this log you kept earlier (e.g. a copy of the
    /// directory's `checkpoint` from your last run): the directory must
    /// still hold its tree. Repeat for each.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// Check the tree alone (the hash tiles against the checkpoint, which
    /// --vkey must have signed), not the entries: for a log published with
    /// --no-entries, or a witness. Without it a directory that holds no
    /// entries is refused, so that a server cannot narrow the check by
    /// leaving them out.
    #[arg(long)]
    pub tree_only: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let vkeys = super::values::verifier_keys(&a.vkey)?;
    // A directory given as a kept checkpoint (the published one, as like
    // as not): its `checkpoint` is the example, not `DIR/NAME`.
    if let Some(d) = a.checkpoint.iter().find(|p| p.is_dir()) {
        let inside = d.join("checkpoint");
        return Err(claimtrail::error::Error::invalid(
            format!("--checkpoint {} is a directory", d.display()),
            match inside.is_file() {
                true => format!(
                    "give a checkpoint file you kept, e.g. a copy of {} from an earlier check",
                    inside.display()
                ),
                false => "give a checkpoint file you kept: a copy of a published directory's `checkpoint` from an earlier check".into(),
            },
        ));
    }
    let kept = claimtrail::verify::KeptCheckpoint::read_all(&a.checkpoint)?;
    let r = output::while_verifying("checking", |progress| {
        claimtrail::published::verify_published(&a.dir, &vkeys, &kept, a.tree_only, progress)
    })?;
    if ctx.json {
        output::json(&r)?;
    } else {
        text(&r)?;
    }
    Ok(if r.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

fn text(r: &PublishedReport) -> Result<()> {
    let (Some(origin), Some(size), Some(root)) = (&r.origin, r.checkpoint_size, r.checkpoint_root)
    else {
        // The checkpoint file is damaged: the problem says how, and
        // nothing else was checked.
        outln!(
            "published log in {}: its checkpoint cannot be read as a signed checkpoint, so neither the tiles nor the entries were checked",
            escape(&r.dir.display().to_string())
        )?;
        super::verify::problem_lines(&r.problems, "directory")?;
        return super::verify::failed_lines(r.problems.len(), r.more_problems);
    };
    // Where the replay stopped (a bundle missing or damaged), the
    // checkpoint's signature is still judged, and said, beside what
    // failed: it said "not accepted (see the problem below)" with no
    // problem about the checkpoint below.
    let stopped = match r.entries {
        Some(read) if r.with_entries && read < size.0 => format!(
            "; the check stopped at entry {read}: the entries from there on could not be read (see the problems below)"
        ),
        _ => String::new(),
    };
    // "signed by -" read as a signer named "-" when no signature checked
    // (none of the log's, or a known key's line that fails): the problem
    // below says which.
    let by = match (r.signed_by.is_empty(), stopped.is_empty()) {
        (false, _) => format!("signed by {}", super::verify::signers(&r.signed_by)),
        (true, true) => "not accepted (see the problem below)".to_string(),
        (true, false) if r.problems.iter().any(|p| p.check == claimtrail::rules::Check::Checkpoint) => {
            "not accepted (see the problems below)".to_string()
        }
        (true, false) => "its signature not judged: no admin key that the entries read enroll signed it, and the entries not read may enroll the one that did (--vkey judges it)".to_string(),
    };
    outln!(
        "published log {} in {}: checkpoint of {}, root {}, {by}{stopped}",
        escape(origin),
        escape(&r.dir.display().to_string()),
        output::count(size.0, "entry"),
        root,
    )?;
    if r.with_entries {
        let earlier = match r.earlier_tiles {
            0 => String::new(),
            n => format!(
                ", and {} kept for readers of earlier checkpoints",
                output::count(n, "tile")
            ),
        };
        outln!(
            "read {} in {} and {}{earlier}; head {}",
            output::count(r.entries.unwrap_or_default(), "entry"),
            output::count(r.bundles, "bundle"),
            output::count(r.tiles, "hash tile"),
            r.head.map_or("-".into(), |h| h.to_hex())
        )?;
        if let Some(counts) = &r.counts {
            super::verify::counts_line(counts)?;
        }
    } else {
        outln!(
            "read {}; the tree alone is checked (--tree-only)",
            output::count(r.tiles, "hash tile")
        )?;
    }
    outln!("checks: {}", r.checks.join(", "))?;
    outln!(
        "not checked: {} (source texts and the database's tables are not published)",
        r.not_checked.join(", ")
    )?;
    super::verify::kept_lines(&r.checkpoints)?;
    super::verify::problem_lines(&r.problems, "directory")?;
    if r.ok {
        // Without --vkey, not `OK`: the directory is checked against the
        // admin keys its own entries enroll, which anyone can make (their
        // own log under the desk's origin), as `verify-bundle` says of a
        // bundle. It was `OK: …` and a `note:` after it. The exit code and
        // `ok` stay; `anchored` says the rest.
        match (r.anchored, r.with_entries) {
            (true, true) => outln!("OK: every published entry, signature and tile checks out")?,
            (true, false) => outln!(
                "OK: the tiles make the tree of the checkpoint, which the verifier key signed"
            )?,
            (false, _) => outln!(
                "UNANCHORED: every published entry, signature and tile checks out, but only against the admin keys the log enrolls itself: nothing shows whose log it is, and anyone can publish such a directory under any log's name; pass --vkey with the log's verifier key, obtained from its publisher apart from the directory"
            )?,
        }
        if !r.unchecked_lines.is_empty() {
            outln!(
                "note: the checkpoint carries {} by a key the log did not have at its size and no --vkey gives, not checked: {} (a witness's, a key revoked before or enrolled after, or a line altered; pass its key with --vkey to check it)",
                output::count(r.unchecked_lines.len() as u64, "signature line"),
                escape(&r.unchecked_lines.join(", "))
            )?;
        }
    } else {
        super::verify::failed_lines(r.problems.len(), r.more_problems)?;
    }
    for note in &r.notes {
        outln!("note: {}", escape(note))?;
    }
    Ok(())
}
