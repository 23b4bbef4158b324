use super::{checkpoint::read_note, output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::model::{ItemId, Seq};
use claimtrail::{prove, query};
use std::path::{Path, PathBuf};

/// Inclusion and consistency proofs (RFC 9162).
///
/// Prints the inclusion proof of an entry in a checkpoint's tree, or the
/// consistency proof between two checkpoints. Each proof is verified before
/// it is printed: exit 0 when it holds, 1 when it does not (the log differs
/// from the checkpoint), 2 when no proof could be made.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["id", "consistency"]))]
pub struct Args {
    /// The entry: S<n>, C<n>, A<n>, or its seq number.
    #[arg(allow_hyphen_values = true)]
    pub id: Option<String>,
    /// The checkpoint file to prove against (default: the latest checkpoint
    /// stored in the log, else the current tree). The first line says which
    /// admin of this log signed it, or that none did.
    #[arg(long, conflicts_with = "consistency")]
    pub checkpoint: Option<PathBuf>,
    /// Two checkpoint files, OLD and NEW.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    pub consistency: Vec<PathBuf>,
    /// The log's verifier key (`claimtrail key vkey`), obtained from the
    /// desk apart from the database: the checkpoint must be signed by it.
    /// Without it, "signed by" names the admins of the log's own `keys`
    /// table, which whoever can edit the file can edit too. Repeat for
    /// each key, or give a file of keys, one a line (`claimtrail key vkey
    /// > desk.vkey`). (With --consistency, both files must be.)
    #[arg(long, value_name = "KEY|FILE")]
    pub vkey: Vec<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let store = ctx.read()?;
    let conn = store.conn();
    let origin = store.origin()?;
    let vkeys = super::values::verifier_keys(&a.vkey)?;
    if !a.consistency.is_empty() {
        fn given(path: &Path) -> Result<prove::GivenCheckpoint<'_>> {
            let (note, checkpoint) = read_note(path)?;
            Ok(prove::GivenCheckpoint {
                note,
                checkpoint,
                path,
            })
        }
        let c = prove::consistency(
            conn,
            &origin,
            given(&a.consistency[0])?,
            given(&a.consistency[1])?,
            &vkeys,
        )?;
        print_consistency(ctx, &c, &a.consistency[0], &a.consistency[1])?;
        return Ok(outcome(c.verified));
    }
    let id = a.id.unwrap_or_default();
    // An entry number as `log` writes it: `+3` and `03` were taken as
    // entry 3, where an id written so (`C03`) is refused.
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let written = id.strip_prefix('+').unwrap_or(&id);
    if digits(written) && (written != id || (written.len() > 1 && written.starts_with('0'))) {
        let bare = written.trim_start_matches('0');
        return Err(Error::invalid(
            format!(
                "`{}` is not an entry number as the log writes it",
                claimtrail::text::escape(&id)
            ),
            format!(
                "give it without a sign or leading zeros, e.g. `claimtrail prove {}`",
                if bare.is_empty() { "0" } else { bare }
            ),
        ));
    }
    let (seq, item) = match id.parse::<u64>() {
        Ok(n) => (Seq(n), None),
        Err(_) => {
            let item: ItemId = id.parse().map_err(|e: claimtrail::model::BadId| {
                Error::invalid(e.to_string(), "give S<n>, C<n>, A<n> or an entry number")
            })?;
            let r = query::reference(conn, item)?;
            (Seq(query::seq_of_hash(conn, &r.hash)?), Some(item))
        }
    };
    let given = match &a.checkpoint {
        Some(path) => {
            let (note, checkpoint) = read_note(path)?;
            Some(prove::GivenCheckpoint {
                note,
                checkpoint,
                path,
            })
        }
        None => None,
    };
    let out = prove::inclusion(conn, &origin, seq, item, given, &vkeys)?;
    if ctx.json {
        output::json(&out)?;
    } else {
        outln!(
            "inclusion of entry {}{} in the tree of size {} ({})",
            out.seq,
            out.id.map(|i| format!(" ({i})")).unwrap_or_default(),
            out.tree_size,
            out.against
        )?;
        outln!(
            "leaf hash {}\nroot      {}\nproof ({}, RFC 9162 §2.1.3):",
            out.leaf_hash,
            out.root,
            output::count(out.proof.len() as u64, "hash")
        )?;
        for p in &out.proof {
            outln!("  {p}")?;
        }
        match (&out.failed, out.verified) {
            (Some(why), _) => outln!("FAILED: {why}")?,
            (None, true) => outln!("verified: the proof leads from the entry to the root")?,
            // `prove::inclusion` says why a proof fails.
            (None, false) => outln!("FAILED: the proof does not lead to this root")?,
        }
    }
    Ok(outcome(out.verified))
}

fn outcome(verified: bool) -> Outcome {
    match verified {
        true => Outcome::Done,
        false => Outcome::ProblemsFound,
    }
}

fn print_consistency(ctx: &Ctx, c: &prove::Consistency, old: &Path, new: &Path) -> Result<()> {
    if ctx.json {
        return output::json(c);
    }
    let (old_name, new_name) = (output::shown(old), output::shown(new));
    outln!(
        "consistency of the tree of size {} (root {}) with size {} (root {})",
        c.old_size,
        c.old_root,
        c.new_size,
        c.new_root
    )?;
    outln!("old: {}\nnew: {}", c.old_checkpoint, c.new_checkpoint)?;
    outln!(
        "proof ({}, RFC 9162 §2.1.4):",
        output::count(c.proof.len() as u64, "hash")
    )?;
    for p in &c.proof {
        outln!("  {p}")?;
    }
    match &c.failed {
        Some(why) => outln!("FAILED: {why}")?,
        // The proof and the roots are the stored tree's: a check of the two
        // files, not of the entries, which verify hashes again.
        None => outln!(
            "verified: {new_name} extends {old_name}, and the log's stored tree holds both roots\n\
             (the entries themselves are checked against both by {})",
            super::pasteable(&format!(
                "`claimtrail verify --checkpoint {} {}`",
                claimtrail::text::shell_word(old),
                claimtrail::text::shell_word(new)
            ))
        )?,
    }
    Ok(())
}
