use super::{output, Ctx, Outcome};
use claimtrail::checkpoint::VerifierKey;
use claimtrail::error::{Error, Result};
use claimtrail::text::escape;
use std::path::PathBuf;

/// Check a bundle with no database.
///
/// Checks the signatures, the enrolment of the signers, the inclusion
/// proofs against the bundle's checkpoint, the checkpoint's signature, the
/// source hashes and the quotes. Exit 0: everything holds. Exit 1: problems
/// found. Exit 2: the check could not run.
///
/// What a bundle cannot prove: that it holds every annotation of its claims,
/// or a claim's retraction (whoever made it can leave some out), or anything
/// appended after its checkpoint; and, without --vkey, whose log it is.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bundle file, as `claimtrail export` writes it.
    pub bundle: PathBuf,
    /// The log's verifier key(s) (from `claimtrail key vkey`), obtained
    /// independently: without one, the bundle is only checked against
    /// keys it enrolls itself. Repeat --vkey for each key.
    #[arg(long)]
    pub vkey: Vec<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let vkeys: Vec<VerifierKey> = a
        .vkey
        .iter()
        .map(|v| {
            v.parse().map_err(|e| {
                Error::invalid(
                    format!("`{v}` is not a verifier key: {e}"),
                    "verifier keys look like name+1a2b3c4d+AbC…= (see `claimtrail key vkey`)",
                )
            })
        })
        .collect::<Result<_>>()?;
    // A longer file is refused by `verify_bundle`, which says so.
    let bytes =
        claimtrail::files::read_capped(&a.bundle, claimtrail::bundle::MAX_BUNDLE_BYTES as u64)?;
    let r = claimtrail::bundle::verify_bundle(&bytes, &vkeys)?;
    if ctx.json {
        output::json(&r)?;
    } else {
        outln!(
            "bundle of log {}: {}, {} ({} redacted), claims {}",
            escape(&r.origin),
            output::count(r.entries as u64, "entry"),
            output::count(r.sources as u64, "source"),
            r.redacted_sources,
            r.claims.join(", ")
        )?;
        for rt in &r.retracted {
            outln!(
                "{} retracted at entry {}{}: {}",
                rt.claim,
                rt.seq,
                rt.replaced_by
                    .map(|n| format!(", replaced by {n}"))
                    .unwrap_or_default(),
                escape(&rt.reason)
            )?;
        }
        outln!(
            "checkpoint: size {}, root {}, signed by {}",
            r.checkpoint_size,
            r.checkpoint_root,
            if r.signed_by.is_empty() {
                "-".into()
            } else {
                escape(&r.signed_by.join(", ")).into_owned()
            }
        )?;
        for p in &r.problems {
            let at = match (p.seq, &p.kind) {
                (Some(s), Some(k)) => format!(
                    "entry {s} ({}{})",
                    escape(k),
                    p.id.as_ref().map(|i| format!(" {i}")).unwrap_or_default()
                ),
                _ => "bundle".into(),
            };
            outln!("PROBLEM {at}: {}: {}", p.check, escape(&p.detail))?;
        }
        if r.ok {
            outln!("OK: every signature, proof, text and quote checks out")?;
            if !r.anchored {
                outln!("note: checked against the keys the bundle itself enrolls; pass --vkey with the log's published verifier key to know whose log it is")?;
            }
        } else {
            outln!(
                "FAILED: {} found",
                output::count(r.problems.len() as u64, "problem")
            )?;
        }
    }
    Ok(if r.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}
