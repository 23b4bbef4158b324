use super::{output, Ctx, Outcome};
use claimtrail::checkpoint::{verify_note, Checkpoint, KeyType, SignedNote, VerifierKey};
use claimtrail::error::{Error, Result};
use claimtrail::keys::{self, PublicKey};
use claimtrail::{query, tree};
use clap::Subcommand;
use std::path::{Path, PathBuf};

/// Sign a checkpoint of the log (admin): stored in the log as a
/// `checkpoint.add` entry and written as a C2SP signed note that auditors
/// keep outside the database.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
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
        file: PathBuf,
        /// Write the cosigned note here (default: update FILE in place).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a checkpoint file against C2SP verifier keys (no database needed).
    Verify {
        file: PathBuf,
        /// Verifier keys `name+keyid+base64`, e.g. from `claimtrail key vkey`.
        #[arg(long, required = true, num_args = 1..)]
        vkey: Vec<String>,
    },
    /// List the checkpoints stored in the log.
    List,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    match a.command {
        None => sign(ctx, a.out),
        Some(CheckpointCommand::Cosign { file, out }) => cosign(ctx, &file, out),
        Some(CheckpointCommand::Verify { file, vkey }) => verify(ctx, &file, &vkey),
        Some(CheckpointCommand::List) => list(ctx),
    }
}

pub fn read_note(path: &Path) -> Result<(SignedNote, Checkpoint)> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: keys::io_reason(&e),
    })?;
    let bad = |e: String| {
        Error::invalid(format!("{}: {e}", path.display()), "give a checkpoint file (a C2SP signed note), e.g. from `claimtrail checkpoint --out FILE`")
    };
    let note = SignedNote::parse(&bytes).map_err(|e| bad(e.to_string()))?;
    let cp = Checkpoint::parse(note.text()).map_err(|e| bad(e.to_string()))?;
    Ok((note, cp))
}

fn write_out(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: keys::io_reason(&e),
    })
}

fn sign(ctx: &Ctx, out: Option<PathBuf>) -> Result<Outcome> {
    if let Some(o) = &out {
        if o.is_dir() {
            return Err(Error::invalid(
                format!("{} is a directory", o.display()),
                "give a file name for the checkpoint",
            ));
        }
    }
    let mut store = ctx.open()?;
    let signer = ctx.signer()?;
    let (e, note) = claimtrail::log::checkpoint(&mut store, &signer)?;
    let text = note.to_string();
    match &out {
        Some(path) => {
            write_out(path, &text)?;
            if ctx.json {
                output::json(
                    &serde_json::json!({"file": path, "size": e.seq.0, "entry": e, "note": text}),
                )?;
            } else {
                println!(
                    "checkpoint of {} entries signed at entry {} and written to {}",
                    e.seq,
                    e.seq,
                    path.display()
                );
                println!("keep a copy outside the database: `claimtrail verify --checkpoint {}` will prove the log still contains it", path.display());
            }
        }
        None if ctx.json => {
            output::json(&serde_json::json!({"size": e.seq.0, "entry": e, "note": text}))?
        }
        None => print!("{text}"),
    }
    Ok(Outcome::Done)
}

fn cosign(ctx: &Ctx, file: &Path, out: Option<PathBuf>) -> Result<Outcome> {
    let (mut note, cp) = read_note(file)?;
    let store = ctx.open()?;
    let conn = store.conn();
    let origin = store.origin()?;
    if cp.origin != origin {
        return Err(Error::invalid(
            format!(
                "{} is a checkpoint of `{}`, not of this log `{origin}`",
                file.display(),
                cp.origin
            ),
            "cosign it against its own log (--db)",
        ));
    }
    let signer = ctx.signer()?;
    let me = query::keys(conn)?
        .into_iter()
        .find(|k| k.fingerprint == signer.fingerprint().as_str())
        .ok_or_else(|| Error::NotEnrolled(signer.fingerprint().clone()))?;
    if let Some(seq) = me.revoked_seq {
        return Err(Error::Revoked {
            fingerprint: signer.fingerprint().clone(),
            seq,
        });
    }
    if me.role != "auditor" {
        return Err(Error::invalid(
            format!(
                "key {} has role {}; cosignatures are made by auditors",
                me.fingerprint, me.role
            ),
            "sign with an auditor key",
        ));
    }
    // Cosign only what this log really contains, signed by one of its admins.
    let admins: Vec<VerifierKey> = query::keys(conn)?
        .iter()
        .filter(|k| k.role == "admin")
        .filter_map(|k| PublicKey::from_openssh(&k.public_key).ok())
        .filter_map(|pk| tree::log_vkey(&origin, &pk).ok())
        .collect();
    let verified = verify_note(&note, &admins).map_err(|e| {
        Error::invalid(
            format!(
                "{}: not signed by an admin of this log ({e})",
                file.display()
            ),
            "cosign only checkpoints the log itself signed",
        )
    })?;
    if !admins.iter().any(|k| verified.verified_by(k)) {
        return Err(Error::invalid(
            "the checkpoint is not signed by an admin of this log",
            "cosign only checkpoints the log itself signed",
        ));
    }
    let size = tree::size(conn)?;
    if cp.size > size || tree::root(conn, cp.size)? != cp.root {
        return Err(Error::invalid(
            format!(
                "this log does not contain the tree of {} entries with root {}",
                cp.size, cp.root
            ),
            "run `claimtrail verify --checkpoint FILE` to see how they differ; do not cosign",
        ));
    }
    let name = keys::principal(&me.name);
    let key = signer
        .ed25519()
        .ok_or_else(|| Error::Internal("not an ed25519 key".into()))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    note.add_cosignature(&name, &key, now)
        .map_err(|e| Error::invalid(format!("cannot cosign: {e}"), "check the key name"))?;
    let target = out.unwrap_or_else(|| file.to_path_buf());
    write_out(&target, &note.to_string())?;
    if ctx.json {
        output::json(
            &serde_json::json!({"file": target, "cosigner": name, "timestamp": now, "size": cp.size.0}),
        )?;
    } else {
        println!(
            "cosigned the checkpoint of {} entries as {name} in {}",
            cp.size,
            target.display()
        );
    }
    Ok(Outcome::Done)
}

fn verify(ctx: &Ctx, file: &Path, vkeys: &[String]) -> Result<Outcome> {
    let keys: Vec<VerifierKey> = vkeys
        .iter()
        .map(|v| {
            v.parse::<VerifierKey>().map_err(|e| {
                Error::invalid(
                    format!("`{v}` is not a verifier key: {e}"),
                    "verifier keys look like name+1a2b3c4d+AbC…= (see `claimtrail key vkey`)",
                )
            })
        })
        .collect::<Result<_>>()?;
    let (note, cp) = read_note(file)?;
    let result = verify_note(&note, &keys);
    let (ok, by, why) = match &result {
        Ok(v) => (
            true,
            v.signatures
                .iter()
                .map(|s| format!("{} ({})", s.name, s.key_type))
                .collect::<Vec<_>>(),
            String::new(),
        ),
        Err(e) => (false, vec![], e.to_string()),
    };
    if ctx.json {
        output::json(
            &serde_json::json!({"ok": ok, "origin": cp.origin, "size": cp.size.0, "root": cp.root.to_hex(), "verified_by": by, "error": why}),
        )?;
    } else {
        println!(
            "origin {}\nsize   {}\nroot   {}",
            claimtrail::text::escape(&cp.origin),
            cp.size,
            cp.root
        );
        if ok {
            println!("OK: signed by {}", by.join(", "));
        } else {
            println!("FAILED: {why}");
        }
    }
    Ok(if ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

fn list(ctx: &Ctx) -> Result<Outcome> {
    let store = ctx.open()?;
    let rows = claimtrail::query::checkpoints(store.conn())?;
    if ctx.json {
        output::json(&rows)?;
        return Ok(Outcome::Done);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|c| {
            vec![
                c.seq.to_string(),
                c.size.to_string(),
                c.root.clone(),
                c.signer_name.clone(),
                c.time.clone(),
            ]
        })
        .collect();
    output::table(&["ENTRY", "SIZE", "ROOT", "SIGNER", "TIME"], &table);
    Ok(Outcome::Done)
}

/// Verifier keys of the log: each admin's key under the origin (type
/// 0x01), and each auditor's cosigner key under its principal (0x04).
pub fn vkeys(ctx: &Ctx) -> Result<Outcome> {
    let store = ctx.open()?;
    let origin = store.origin()?;
    let mut out = Vec::new();
    for k in query::keys(store.conn())? {
        if k.revoked_seq.is_some() {
            continue;
        }
        let Ok(pk) = PublicKey::from_openssh(&k.public_key) else {
            continue;
        };
        let Ok(vk) = pk.verifying_key() else { continue };
        let v = match k.role.as_str() {
            "admin" => VerifierKey::new(&origin, KeyType::Ed25519, vk),
            "auditor" => VerifierKey::new(&keys::principal(&k.name), KeyType::CosignatureV1, vk),
            _ => continue,
        };
        if let Ok(v) = v {
            out.push((v.to_string(), k));
        }
    }
    if ctx.json {
        let v: Vec<_> = out.iter().map(|(v, k)| serde_json::json!({"vkey": v, "name": k.name, "role": k.role, "fingerprint": k.fingerprint})).collect();
        output::json(&v)?;
    } else {
        for (v, _) in out {
            println!("{v}");
        }
    }
    Ok(Outcome::Done)
}
