use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::model::ItemId;
use std::path::PathBuf;

/// Write a bundle that can be checked offline, without the database.
///
/// The bundle holds these items' entries, sources and annotations, their
/// signers' key entries, the source texts (unless redacted), a signed
/// checkpoint and inclusion proofs; `verify-bundle` checks it. When no
/// checkpoint of the log covers the entries yet, an admin's --key makes
/// export sign one and append it to the log first (as `claimtrail
/// checkpoint` does); without it, export says so and writes nothing.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// S<n>, C<n> or A<n> (a source brings its claims, a claim its
    /// annotations), apart or with commas (C1,C2), as other lists of ids.
    #[arg(required = true, value_delimiter = ',')]
    pub ids: Vec<String>,
    /// The bundle file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Prove the entries in this checkpoint file, one of the log's own
    /// with its auditors' cosignatures (`checkpoint cosign --out`): the
    /// bundle then carries them to its readers, who check them with
    /// `verify-bundle --vkey` (the log stores its admin's note alone).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let ids: Vec<ItemId> = super::values::id_words(&a.ids)
        .map(|s| {
            s.parse().map_err(|e: claimtrail::model::BadId| {
                Error::invalid(e.to_string(), super::output::LIST_IDS_HINT)
            })
        })
        .collect::<Result<_>>()?;
    if a.out.exists() {
        return Err(Error::exists(a.out));
    }
    let given_bytes = a
        .checkpoint
        .as_deref()
        .map(|p| claimtrail::files::read_capped(p, claimtrail::checkpoint::MAX_NOTE_BYTES as u64))
        .transpose()?;
    let given = given_bytes
        .as_deref()
        .map(|bytes| claimtrail::bundle::Given {
            bytes,
            file: a.checkpoint.as_deref(),
        });
    // An admin key, if given, lets export sign a checkpoint when none
    // covers the entries; it is unlocked only then (a protected
    // CLAIMTRAIL_KEY failed an export that signed nothing).
    let fingerprint = match &ctx.key {
        Some(_) => Some(ctx.public_key()?.fingerprint().clone()),
        None => None,
    };
    // The log is opened to write only when a checkpoint is to be signed:
    // otherwise its files are left as they are (an analyst's export, with
    // CLAIMTRAIL_KEY set, switched a backup copy to WAL mode).
    let read = ctx.read()?;
    let mut store =
        match claimtrail::bundle::signs_now(&read, &ids, fingerprint.as_ref(), given.as_ref())? {
            true => {
                drop(read);
                ctx.open()?
            }
            false => read,
        };
    let unlock = || ctx.signer();
    let signer = fingerprint
        .as_ref()
        .map(|fp| (fp, &unlock as &dyn Fn() -> Result<claimtrail::keys::Signer>));
    // Made before a checkpoint may be signed: see `output::Staged`.
    let mut file = ctx.staged_new_file(&a.out, "the bundle")?;
    // Written before a checkpoint signed for it is committed, so a bundle
    // that cannot be written leaves the log as it was; named once it is.
    // The whole log is verified first (a bar on a terminal), whether a
    // checkpoint is signed for the bundle or a stored one proves it.
    let exported = output::while_verifying("verifying the log before exporting:", |progress| {
        claimtrail::bundle::export(&mut store, &ids, signer, given.as_ref(), progress, |b| {
            file.write(claimtrail::bundle::to_text(b)?.as_bytes())
        })
    })?;
    file.keep(false)?;
    let bundle = &exported.bundle;
    if ctx.json {
        output::json(&serde_json::json!({
            "file": output::json_path(&a.out),
            "entries": bundle.entries.len(),
            "sources": bundle.sources.len(),
            "checkpoint_signer_revoked_at": exported.stale.as_ref().map(|s| s.revoked_at),
            "signed_checkpoint_entry": exported.signed_checkpoint,
        }))?;
    } else {
        let texts = bundle.sources.iter().filter(|s| s.text.is_some()).count();
        let checkpoint = match &a.checkpoint {
            Some(f) => {
                // The lines beyond the log's own (what the file adds):
                // the auditors' cosignatures that verified, and the rest,
                // carried as they are and checked by no one here.
                let cosigned = exported.cosignatures.unwrap_or(0);
                let unchecked = exported.unchecked_lines;
                let cosigned = match cosigned {
                    0 => format!(
                        "the checkpoint of {}, which no auditor cosigned",
                        output::shown(f)
                    ),
                    1 => format!(
                        "the checkpoint of {}, its auditor's cosignature included",
                        output::shown(f)
                    ),
                    n => format!(
                        "the checkpoint of {}, its {n} auditors' cosignatures included",
                        output::shown(f)
                    ),
                };
                match unchecked {
                    0 => format!("{cosigned},"),
                    n => format!(
                        "{cosigned} and {} by no key this log has checked ({}),",
                        output::count(n as u64, "signature line"),
                        "a witness's, or a key the log does not know as an auditor's: a reader's verify-bundle lists it as not checked"
                    ),
                }
            }
            None => "a checkpoint".into(),
        };
        outln!(
            "wrote {} ({}, {}, with {checkpoint} and an inclusion proof for each entry)",
            output::shown(&a.out),
            output::count(bundle.entries.len() as u64, "entry"),
            output::count(texts as u64, "source text"),
        )?;
        if let Some(seq) = exported.signed_checkpoint {
            outln!(
                "signed a checkpoint for it, stored in the log at entry {seq}: no earlier checkpoint covered every entry"
            )?;
        }
        outln!(
            "check it anywhere with `claimtrail verify-bundle {} --vkey KEY`, KEY being the log's verifier key ({}) obtained apart from the bundle{}",
            claimtrail::text::shell_word(&a.out),
            super::pasteable("`claimtrail key vkey`"),
            if a.checkpoint.is_some() { "; a cosigner's too (`--vkey` again), to check their cosignature" } else { "" }
        )?;
        // Written, but an auditor given the log's keys as they are now
        // will refuse its checkpoint: say so, and how to get one they accept.
        if let Some(s) = &exported.stale {
            outln!(
                "note: its checkpoint was signed by {}, whose key was revoked since, at entry {}: `verify-bundle` accepts it by the keys the bundle enrolls, but refuses it under the log's verifier keys as they are now ({}); export again with an admin's --key to sign a fresh checkpoint they accept",
                claimtrail::text::escape(&s.name),
                s.revoked_at,
                super::pasteable("`claimtrail key vkey`")
            )?;
        }
    }
    Ok(Outcome::Done)
}
