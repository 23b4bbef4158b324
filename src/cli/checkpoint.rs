use super::{output, Ctx, Outcome};
use claimtrail::checkpoint::{verify_log_note, Checkpoint, SignedNote};
use claimtrail::error::{Error, Result};
use claimtrail::tree;
use clap::Subcommand;
use std::path::{Path, PathBuf};

/// Sign a checkpoint of the log; cosign, verify or list checkpoints.
///
/// Without a subcommand (admin): signs a checkpoint of the log as it is,
/// stores it in the log as a `checkpoint.add` entry and writes it as a C2SP
/// signed note, which auditors keep outside the database.
//
// (Not in the help:) `--out` before a subcommand is refused in `run`, not
// by clap's `args_conflicts_with_subcommands`: that also refused the global
// options there (`checkpoint --db D list` said `list` "cannot be used with
// '--db'"), which every other command group takes.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write the signed checkpoint to FILE (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<CheckpointCommand>,
}

#[derive(Subcommand, Debug)]
pub enum CheckpointCommand {
    /// Add your cosignature (C2SP tlog-cosignature) to a checkpoint file,
    /// after checking that this log contains that tree (auditor key).
    Cosign {
        /// The checkpoint file (a C2SP signed note), as `checkpoint` writes it.
        file: PathBuf,
        /// Write the cosigned note here (default: update FILE in place).
        #[arg(long)]
        out: Option<PathBuf>,
        /// A checkpoint you cosigned before (repeat for several): refused
        /// unless the log still contains its tree and FILE's tree is at
        /// least as large, as a witness cosigns one growing history.
        #[arg(long, value_name = "EARLIER")]
        after: Vec<PathBuf>,
    },
    /// Check a checkpoint file against C2SP verifier keys (no database needed).
    ///
    /// Exit 0: the note is signed by one of these keys. Exit 1: it does not
    /// verify against them. Exit 2: the file or a key could not be read.
    Verify {
        /// The checkpoint file (a C2SP signed note).
        file: PathBuf,
        /// Verifier keys `name+keyid+base64`, e.g. from `claimtrail key vkey`.
        /// Repeat --vkey for each key, or give a file of keys, one a line
        /// (`claimtrail key vkey > desk.vkey`). Required: a checkpoint is
        /// checked against keys obtained apart from it.
        #[arg(long, value_name = "KEY|FILE")]
        vkey: Vec<String>,
    },
    /// List the checkpoints stored in the log.
    List,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    if let (Some(out), Some(command)) = (&a.out, &a.command) {
        let (name, hint) = match command {
            CheckpointCommand::Cosign { file, .. } => (
                "cosign",
                format!(
                    "give it after the subcommand: `claimtrail checkpoint cosign {} --out {}`",
                    claimtrail::text::shell_word(file),
                    claimtrail::text::shell_word(out)
                ),
            ),
            CheckpointCommand::Verify { .. } => (
                "verify",
                "leave it out: `checkpoint verify` writes no file".into(),
            ),
            CheckpointCommand::List => (
                "list",
                "leave it out: `checkpoint list` writes no file".into(),
            ),
        };
        return Err(Error::invalid(
            format!("--out before `{name}` is `checkpoint`'s own, for the checkpoint it signs"),
            hint,
        ));
    }
    match a.command {
        None => sign(ctx, a.out),
        Some(CheckpointCommand::Cosign { file, out, after }) => cosign(ctx, &file, out, &after),
        Some(CheckpointCommand::Verify { file, vkey }) => verify(ctx, &file, &vkey),
        Some(CheckpointCommand::List) => list(ctx),
    }
}

pub fn read_note(path: &Path) -> Result<(SignedNote, Checkpoint)> {
    // A longer file is refused by the note's parser, which says so.
    let bytes =
        claimtrail::files::read_capped(path, claimtrail::checkpoint::MAX_NOTE_BYTES as u64)?;
    claimtrail::checkpoint::read_signed_checkpoint(&bytes).map_err(|e| {
        Error::invalid(
            format!("{}: {e}", path.display()),
            e.hint("give a checkpoint file (a C2SP signed note), e.g. from `claimtrail checkpoint --out FILE`"),
        )
    })
}

fn sign(ctx: &Ctx, out: Option<PathBuf>) -> Result<Outcome> {
    // Made before the checkpoint is signed: see `output::Staged`.
    let mut staged = out
        .as_deref()
        .map(|p| ctx.staged_new_file(p, "the checkpoint"))
        .transpose()?;
    // A kept checkpoint is evidence (against truncation and rollback): a
    // file there is never replaced (it was until 2026-12-04: a typo in a
    // name replaced the checkpoint of another size). Said before the log
    // is verified (after what `staged` refuses); `keep(false)` holds it
    // should one appear meanwhile.
    if let Some(path) = &out {
        // A link to nowhere too: the file could not take its name there,
        // and the checkpoint was signed and stored all the same.
        // `/dev/null` signed a checkpoint that went nowhere.
        if output::keeps_nothing(path) {
            return Err(output::keeps_nothing_error(
                path,
                "a checkpoint",
                "give --out a new file, or leave --out out to print it",
            ));
        }
        let taken = match std::fs::metadata(path) {
            Ok(m) => m.is_file(),
            Err(_) => std::fs::symlink_metadata(path).is_ok(),
        };
        if taken {
            // Not "move the existing file away": it is a kept checkpoint,
            // most likely, and evidence.
            return Err(Error::invalid(
                format!("{} already exists", output::shown(path)),
                "a kept checkpoint is never replaced: name each by its size or date, e.g. cp-2026-12-06.txt",
            ));
        }
    }
    let mut store = ctx.open()?;
    let signer = ctx.signer_for_kind(store.conn(), claimtrail::model::Kind::CheckpointAdd)?;
    // The file is written before the entry is committed, so a full disk
    // leaves neither; it takes its name once the entry is in the log.
    // The whole log is verified first: see `log::verified_checkpoint`.
    let (e, note) = output::while_verifying("verifying the log before signing:", |progress| {
        claimtrail::log::verified_checkpoint(
            &mut store,
            &signer,
            progress,
            claimtrail::log::CHECKPOINT_REFUSAL,
            |_, note| match &mut staged {
                Some(file) => file.write(note.to_string().as_bytes()),
                None => Ok(()),
            },
        )
    })?;
    let text = note.to_string();
    // The root in hex beside the note, as `checkpoint list`, `prove` and
    // `verify` give it (the note holds it in base64).
    let root = claimtrail::checkpoint::Checkpoint::parse(note.text())
        .map(|cp| cp.root.to_hex())
        .map_err(|e| Error::Internal(format!("the checkpoint just signed does not parse: {e}")))?;
    match &out {
        Some(path) => {
            staged
                .ok_or_else(|| Error::Internal("checkpoint file not staged".into()))?
                .keep(false)?;
            if ctx.json {
                output::json(
                    &serde_json::json!({"file": output::json_path(path), "size": e.seq.0, "root": root, "entry": e, "note": text}),
                )?;
            } else {
                outln!(
                    "checkpoint of {} signed at entry {} and written to {}",
                    claimtrail::text::count(e.seq.0, "entry"),
                    e.seq,
                    output::shown(path)
                )?;
                outln!(
                    "keep a copy outside the database: {} will prove the log still contains it",
                    super::pasteable(&format!(
                        "`claimtrail verify --checkpoint {}`",
                        claimtrail::text::shell_word(path)
                    ))
                )?;
            }
        }
        None if ctx.json => output::json(
            &serde_json::json!({"file": null, "size": e.seq.0, "root": root, "entry": e, "note": text}),
        )?,
        None => out!("{text}")?,
    }
    Ok(Outcome::Done)
}

fn cosign(ctx: &Ctx, file: &Path, out: Option<PathBuf>, after: &[PathBuf]) -> Result<Outcome> {
    let (mut note, cp) = read_note(file)?;
    let after = claimtrail::verify::KeptCheckpoint::read_all(after)?;
    let target = out.unwrap_or_else(|| file.to_path_buf());
    // Made before the log is verified: a path that cannot take the file is
    // refused before that work.
    let staged = ctx.staged(&target, "the cosigned checkpoint")?;
    holds_the_same_checkpoint(&target, &note)?;
    let store = ctx.read()?;
    // An auditor's key, checked before it is unlocked.
    if let Ok(pk) = ctx.public_key() {
        tree::cosigner(store.conn(), pk.fingerprint())?;
    }
    let signer = ctx.signer()?;
    // A cosignature vouches for the log: the whole log is verified first.
    // The lines the file given held before (the target's are added where
    // it is read below): a second cosignature by the same key replaces the
    // first, which the user should hear.
    let mut before = lines_of(&note);
    let (name, now) = output::while_verifying("verifying the log before cosigning:", |progress| {
        tree::cosign(&store, &signer, &mut note, file, &after, progress)
    })?;
    // Another auditor may have cosigned the file meanwhile (the log's
    // verification takes a while): under a lock on its directory, the
    // lines it holds now are kept beside this one, not replaced by the
    // file as it was read.
    let _lock = lock_dir_of(&target)?;
    holds_the_same_checkpoint(&target, &note)?;
    let held = std::fs::metadata(&target)
        .is_ok_and(|m| m.is_file())
        .then(|| {
            claimtrail::files::read_capped(&target, claimtrail::checkpoint::MAX_NOTE_BYTES as u64)
        });
    if let Some(Ok(bytes)) = held {
        if let Ok((now_held, _)) = claimtrail::checkpoint::read_signed_checkpoint(&bytes) {
            if now_held.text() == note.text() {
                before.extend(lines_of(&now_held));
                // This cosignature in place of one of the same key the
                // file held (it kept the old line, dated 1970 or so, and
                // said "cosigned"); every other line the file holds now.
                let mut merged = note.clone();
                merged.add_lines_of(&now_held).map_err(|e| {
                    Error::invalid(
                        format!("{}: {e}", target.display()),
                        "cosign the file again",
                    )
                })?;
                note = merged;
            }
        }
    }
    staged.finish(note.to_string().as_bytes(), true)?;
    // Replaced when the file held a line of this key: its name and its
    // key ID. Two auditors whose names make the same note name (`رنا حداد`
    // and `محمد علي` are both `________`) have different key IDs, and the
    // second was told it replaced its earlier cosignature (red team C, 3).
    let mine = claimtrail::checkpoint::VerifierKey::new(
        &name,
        claimtrail::checkpoint::KeyType::CosignatureV1,
        signer.verifying_key(),
    )
    .map_err(|e| Error::Internal(format!("the cosigner's note name {name}: {e}")))?
    .key_id()
    .to_string();
    let replaced = before.iter().any(|(n, k)| *n == name && *k == mine);
    if ctx.json {
        // Named as `checkpoint verify` names a signature: `name` is the
        // signature line's key name, `timestamp` the signed time in RFC
        // 3339; the key as everywhere else, `signer` and `signer_name`
        // (it gave `cosigner`, the line's name, and a Unix `timestamp`).
        let fp = signer.fingerprint();
        let enrolled = claimtrail::query::keys(store.conn())?
            .into_iter()
            .find(|k| &k.fingerprint == fp)
            .map(|k| k.name);
        let timestamp = claimtrail::clock::format_unix(now);
        output::json(
            &serde_json::json!({"file": output::json_path(&target), "name": name, "signer": fp.as_str(), "signer_name": enrolled, "timestamp": timestamp, "size": cp.size.0, "root": cp.root.to_hex(), "replaced_earlier": replaced}),
        )?;
    } else {
        outln!(
            "cosigned the checkpoint of {} as {}{} in {}",
            claimtrail::text::count(cp.size.0, "entry"),
            claimtrail::text::escape(&name),
            if replaced {
                " (replacing this key's earlier cosignature, and its time)"
            } else {
                ""
            },
            output::shown(&target)
        )?;
    }
    Ok(Outcome::Done)
}

/// The (name, key ID) of each signature line of a note.
fn lines_of(note: &SignedNote) -> Vec<(String, String)> {
    note.signatures()
        .iter()
        .map(|l| (l.name().to_string(), l.key_id().to_string()))
        .collect()
}

/// Refuses a `cosign --out` file that holds anything but this checkpoint
/// (cosigned or not): its lines are kept beside the new one, but another
/// checkpoint, or anything else, would be replaced (it was until
/// 2026-12-04), and a kept checkpoint is evidence.
fn holds_the_same_checkpoint(target: &Path, note: &SignedNote) -> Result<()> {
    match std::fs::metadata(target) {
        Ok(m) if m.is_file() => {}
        Ok(_) if output::keeps_nothing(target) => return Err(output::keeps_nothing_error(
            target,
            "a cosigned checkpoint",
            "give --out a new file, or leave --out out to add the cosignature to the file itself",
        )),
        // A pipe or a terminal holds no lines to keep: it is not read
        // (`/dev/zero` was read until memory ran out).
        _ => return Ok(()),
    }
    let held =
        claimtrail::files::read_capped(target, claimtrail::checkpoint::MAX_NOTE_BYTES as u64)
            .ok()
            .and_then(|b| claimtrail::checkpoint::read_signed_checkpoint(&b).ok());
    match held {
        Some((held, _)) if held.text() == note.text() => Ok(()),
        Some((_, cp)) => Err(Error::invalid(
            format!(
                "{} holds another checkpoint (of {}), which cosigning would replace",
                output::shown(target),
                claimtrail::text::count(cp.size.0, "entry")
            ),
            "give --out a new file, or the file that holds this checkpoint",
        )),
        None => Err(Error::exists(target.to_path_buf())),
    }
}

/// An exclusive lock on the directory `path` is in, held until dropped
/// (`flock`, which other claimtrail processes honour; nothing else does).
fn lock_dir_of(path: &Path) -> Result<std::fs::File> {
    let dir = output::dir_of(path);
    let f = std::fs::File::open(&dir).map_err(|e| Error::write(&dir, &e))?;
    f.lock().map_err(|e| Error::write(&dir, &e))?;
    Ok(f)
}

fn verify(ctx: &Ctx, file: &Path, vkeys: &[String]) -> Result<Outcome> {
    if vkeys.is_empty() {
        return Err(Error::invalid(
            format!("no verifier key to check {} against", output::shown(file)),
            format!("give the log's verifier key with --vkey KEY, as its desk publishes it (`claimtrail key vkey` prints it where the log is); to check the file against a log you hold, run `claimtrail verify --checkpoint {}`", claimtrail::text::shell_word(file)),
        ));
    }
    let keys = super::values::verifier_keys(vkeys)?;
    let (note, cp) = read_note(file)?;
    // The log's own signature must be among those that verify: a
    // cosignature is checked beside it, never instead of it.
    let result = verify_log_note(&note, &cp.origin, &keys);
    // The signatures that verified, also when the log's is not among them
    // (`--json` gave none then, where the text named the cosigner):
    // name+keyid, as `key vkey` begins each key; every admin's key has the
    // origin as its name, so the ID tells which signed.
    // The log's own signature first, then the cosigners, as `verify`
    // lists them (the note's order put a cosigner first when its line came
    // first).
    // `--json` gives each as `{name, key_id, key_type}`: the parts, not
    // the sentence the text shows.
    let signatures = claimtrail::checkpoint::verify_note(&note, &keys)
        .map(|v| {
            let mut signatures = v.signatures;
            signatures.sort_by_key(|s| s.name != cp.origin);
            signatures
        })
        .unwrap_or_default();
    // A cosignature's time is signed with it (C2SP tlog-cosignature: the
    // cosigner saw this tree then), and shown: a cosignature dated before
    // the log existed, or years ahead, passed unseen.
    let when = |s: &claimtrail::checkpoint::VerifiedSignature| {
        s.timestamp.map(|t| {
            claimtrail::clock::format_unix(t).unwrap_or_else(|| format!("{t} seconds after 1970"))
        })
    };
    let by: Vec<String> = signatures
        .iter()
        .map(|s| match when(s) {
            Some(t) => format!("{}+{} ({}, at {t})", s.name, s.key_id, s.key_type),
            None => format!("{}+{} ({})", s.name, s.key_id, s.key_type),
        })
        .collect();
    let (ok, why) = match &result {
        Ok(_) => (true, None),
        Err(e) => (false, Some(e.to_string())),
    };
    // Lines by no key given were not checked and say nothing (C2SP signed
    // notes ignore them): named, since a reader of the file sees what
    // looks like a cosignature.
    let unchecked = note.lines_unchecked_by(&keys);
    if ctx.json {
        output::json(
            &serde_json::json!({"ok": ok, "origin": cp.origin, "size": cp.size.0, "root": cp.root.to_hex(), "verified_by": signatures.iter().map(|s| serde_json::json!({"name": s.name, "key_id": s.key_id.to_string(), "key_type": s.key_type.as_str(), "timestamp": when(s)})).collect::<Vec<_>>(), "unchecked_lines": unchecked, "error": why}),
        )?;
    } else if ok {
        outln!(
            "origin {}\nsize   {}\nroot   {}",
            claimtrail::text::escape(&cp.origin),
            cp.size,
            cp.root
        )?;
        outln!("OK: signed by {}", claimtrail::text::escape(&by.join(", ")))?;
        if !unchecked.is_empty() {
            outln!(
                "note: {} by no key given, not checked: {} (pass its key with --vkey to check it)",
                output::count(unchecked.len() as u64, "signature line"),
                claimtrail::text::escape(&unchecked.join(", "))
            )?;
        }
    } else {
        // The verdict first, and the file's own words as what they are:
        // printed as plain facts above FAILED, an altered note's origin,
        // size and root read as checked to whoever stopped reading there.
        outln!(
            "FAILED: {}",
            claimtrail::text::escape(why.as_deref().unwrap_or_default())
        )?;
        outln!(
            "what the file says, which no key given vouches for:\n  origin {}\n  size   {}\n  root   {}",
            claimtrail::text::escape(&cp.origin),
            cp.size,
            cp.root
        )?;
    }
    Ok(if ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

fn list(ctx: &Ctx) -> Result<Outcome> {
    let store = ctx.read()?;
    let rows = claimtrail::query::checkpoints(store.conn())?;
    if ctx.json {
        output::json(&rows)?;
        return Ok(Outcome::Done);
    }
    // A signer whose key was revoked since is marked, as `verify
    // --checkpoint` and `prove` mark it: the checkpoint was signed while
    // the key could sign one, and the key has been in no one's trust since.
    let revoked = claimtrail::query::revocations(store.conn())?;
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|c| {
            let signer = match revoked.get(&c.signer) {
                Some((seq, _)) => format!("{} (key revoked at entry {seq})", c.signer_name),
                None => c.signer_name.clone(),
            };
            vec![
                c.seq.to_string(),
                c.size.to_string(),
                c.root.to_hex(),
                signer,
                c.time.clone(),
            ]
        })
        .collect();
    output::table(
        &["ENTRY", "SIZE", "ROOT", "SIGNER", "TIME"],
        &table,
        "no checkpoints yet: an admin signs one with `claimtrail checkpoint --out checkpoint.txt`",
    )?;
    Ok(Outcome::Done)
}

/// Prints the log's verifier keys (see `tree::verifier_keys`).
pub fn vkeys(ctx: &Ctx) -> Result<Outcome> {
    let store = ctx.read()?;
    let origin = claimtrail::query::origin_as_signed(store.conn())?;
    let keys = tree::verifier_keys(store.conn(), &origin, None)?;
    // A revoked key is not handed out as one to trust (see there).
    claimtrail::query::revocations_complete(
        store.conn(),
        &claimtrail::query::keys_as_signed(store.conn())?,
    )?;
    if ctx.json {
        let v: Vec<_> = keys
            .iter()
            .map(|k| serde_json::json!({"vkey": k.vkey.to_string(), "name": k.key.name, "role": k.key.role, "fingerprint": k.key.fingerprint}))
            .collect();
        output::json(&v)?;
    } else {
        for k in keys {
            outln!("{}", k.vkey)?;
        }
    }
    Ok(Outcome::Done)
}
