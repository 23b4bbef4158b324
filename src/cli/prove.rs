use super::{checkpoint::read_note, output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::hash::Hash;
use claimtrail::merkle::{self, LeafIndex};
use claimtrail::model::ItemId;
use claimtrail::{query, tree};
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
    /// each key. (With --consistency, both files must be.)
    #[arg(long)]
    pub vkey: Vec<String>,
}

#[derive(serde::Serialize)]
struct Inclusion {
    entry: u64,
    id: Option<String>,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: Hash,
    root: Hash,
    against: String,
    proof: Vec<String>,
    verified: bool,
    /// Why the proof could not hold, when it is not the proof itself: the
    /// entry's bytes do not hash to the tree's leaf, or the stored
    /// checkpoint's root is not one an admin signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let store = ctx.open()?;
    let conn = store.conn();
    if !a.consistency.is_empty() {
        return consistency(
            ctx,
            conn,
            &store.origin()?,
            &a.consistency[0],
            &a.consistency[1],
            &super::values::verifier_keys(&a.vkey)?,
        );
    }
    let id = a.id.unwrap_or_default();
    let (seq, item) = match id.parse::<u64>() {
        Ok(n) => (n, None),
        Err(_) => {
            let item: ItemId = id.parse().map_err(|e: claimtrail::model::BadId| {
                Error::invalid(e.to_string(), "give S<n>, C<n>, A<n> or an entry number")
            })?;
            let r = query::reference(conn, item)?;
            let seq = query::seq_of_hash(conn, &r.hash)?;
            (seq, Some(item.to_string()))
        }
    };
    let current = tree::size(conn)?;
    let origin = store.origin()?;
    let (size, root, against, failed, note) = match &a.checkpoint {
        Some(path) => {
            let (note, cp) = read_note(path)?;
            if cp.origin != origin {
                return Err(Error::invalid(
                    format!(
                        "{} is a checkpoint of another log ({})",
                        path.display(),
                        cp.origin
                    ),
                    "give a checkpoint of this log",
                ));
            }
            if cp.size > current {
                return Err(Error::invalid(
                    format!(
                        "{} commits to {} entries but the log has only {current}",
                        path.display(),
                        cp.size
                    ),
                    format!(
                        "run `claimtrail verify --checkpoint {}`: the log may have been truncated",
                        claimtrail::text::shell_word(path)
                    ),
                ));
            }
            let by = signers(conn, &note, &cp)?;
            let against = signed_by(&by, &output::shown(path));
            (cp.size, cp.root, against, None, Some(note))
        }
        None => match query::checkpoints(conn)?
            .into_iter()
            .rfind(|c| c.size.0 > seq)
        {
            // The root is the one in the signed note, and the note must
            // be an admin's: the table's `root` column alone could be
            // edited with the tree to fit an edited entry.
            Some(c) => {
                let stored = format!("checkpoint stored at entry {}", c.seq);
                match claimtrail::checkpoint::read_signed_checkpoint(c.note.as_bytes()) {
                    Ok((note, cp)) if cp.size == c.size => {
                        let by = signers(conn, &note, &cp)?;
                        let failed = by.is_empty().then(|| format!("the {stored} is not signed by an admin of this log (the database was edited: run `claimtrail verify`)"));
                        (cp.size, cp.root, signed_by(&by, &stored), failed, Some(note))
                    }
                    _ => (
                        c.size,
                        c.root,
                        stored.clone(),
                        Some(format!("the {stored} is not a signed checkpoint of that size (the database was edited: run `claimtrail verify`)")),
                        None,
                    ),
                }
            }
            None => (
                current,
                tree::root(conn, current)?,
                "the current tree, which no signed checkpoint covers yet".into(),
                None,
                None,
            ),
        },
    };
    // Against a verifier key given apart from the database, the
    // checkpoint's signature means something that no edit of the file can
    // fake: the `keys` table can be edited with the rest.
    let given = super::values::verifier_keys(&a.vkey)?;
    let (against, failed) = match (given.is_empty(), &note) {
        (true, _) => (against, failed),
        (false, None) => {
            return Err(Error::invalid(
                format!(
                    "no signed checkpoint covers entry {seq} yet, so --vkey has nothing to check"
                ),
                "an admin's `claimtrail checkpoint` signs one; or give --checkpoint FILE",
            ))
        }
        (false, Some(note)) => match claimtrail::checkpoint::verify_log_note(note, &origin, &given)
        {
            Ok(v) => {
                let by: Vec<String> = v
                    .signatures
                    .iter()
                    .map(|s| format!("{}+{}", s.name, s.key_id))
                    .collect();
                (
                    format!(
                        "{against}; and by the verifier key given ({})",
                        by.join(", ")
                    ),
                    failed,
                )
            }
            Err(e) => (
                against,
                failed.or(Some(format!(
                    "the checkpoint is not signed by the verifier key given: {e}"
                ))),
            ),
        },
    };
    if seq >= current.0 {
        return Err(Error::invalid(
            format!(
                "there is no entry {seq}: the log has {}",
                claimtrail::text::count(current.0, "entry")
            ),
            "see `claimtrail log` for the entries",
        ));
    }
    if seq >= size.0 {
        return Err(Error::invalid(
            format!("entry {seq} is not in the tree of size {size}"),
            "make a newer checkpoint with `claimtrail checkpoint`",
        ));
    }
    // The leaf is the hash of the entry as it is in the log, not the tree's
    // stored copy of it: a proof of the stored leaf would vouch for an
    // entry whose bytes were changed after the tree was built.
    // Below the tree's size, an entry that is not there was removed.
    let (payload, sig) = query::entry_bytes(conn, seq).map_err(|_| {
        Error::Damaged(format!(
            "entry {seq} is missing, though the tree holds {}",
            claimtrail::text::count(current.0, "entry")
        ))
    })?;
    let leaf_hash = claimtrail::entry::entry_hash(&payload, &sig);
    let stored_leaf = merkle::NodeSource::node(&tree::StoreNodes(conn), 0, seq)?;
    let failed = match failed {
        None if stored_leaf != leaf_hash => Some(format!(
            "entry {seq}'s bytes hash to {leaf_hash}, not to the tree's leaf {stored_leaf} (the entry was changed after it was appended: run `claimtrail verify`)"
        )),
        f => f,
    };
    let proof = tree::inclusion_proof(conn, LeafIndex(seq), size)?;
    let verified = failed.is_none()
        && merkle::verify_inclusion(&leaf_hash, LeafIndex(seq), size, &proof, &root).is_ok();
    let out = Inclusion {
        entry: seq,
        id: item,
        leaf_index: seq,
        tree_size: size.0,
        leaf_hash,
        root,
        against,
        proof: proof.iter().map(Hash::to_hex).collect(),
        verified,
        failed,
    };
    if ctx.json {
        output::json(&out)?;
    } else {
        outln!(
            "inclusion of entry {}{} in the tree of size {} ({})",
            out.entry,
            out.id
                .as_ref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default(),
            out.tree_size,
            out.against
        )?;
        outln!(
            "leaf hash {}\nroot      {}\nproof ({} hashes, RFC 9162 §2.1.3):",
            out.leaf_hash,
            out.root,
            out.proof.len()
        )?;
        for p in &out.proof {
            outln!("  {p}")?;
        }
        match (&out.failed, verified) {
            (Some(why), _) => outln!("FAILED: {why}")?,
            (None, true) => outln!("verified: the proof leads from the entry to the root")?,
            (None, false) => outln!(
                "FAILED: the proof does not lead to this root (the log differs from the checkpoint)"
            )?,
        }
    }
    Ok(if verified {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// Proves that NEW extends OLD, and that both are this log's trees: the
/// proof is built from the log, and each checkpoint's root must be the
/// log's root at its size. The second half matters where the proof is
/// empty (OLD of size 0, or both of one size): there the proof alone
/// compares the files with each other, not with the log, and a file with
/// a root the log never had, given twice, passed as "verified" until
/// 2026-12-04.
fn consistency(
    ctx: &Ctx,
    conn: &rusqlite::Connection,
    origin: &str,
    old: &Path,
    new: &Path,
    vkeys: &[claimtrail::checkpoint::VerifierKey],
) -> Result<Outcome> {
    let (old_note, a) = read_note(old)?;
    let (new_note, b) = read_note(new)?;
    let (old_name, new_name) = (output::shown(old), output::shown(new));
    if a.origin != b.origin {
        return Err(Error::invalid(
            "the two checkpoints are of different logs",
            "give two checkpoints of the same log",
        ));
    }
    if a.origin != origin {
        return Err(Error::invalid(
            format!(
                "{old_name} and {new_name} are checkpoints of another log ({})",
                claimtrail::text::escape(&a.origin)
            ),
            "give checkpoints of this log",
        ));
    }
    if a.size > b.size {
        return Err(Error::invalid(
            format!(
                "{old_name} has {} entries, more than {new_name}'s {}",
                a.size, b.size
            ),
            format!(
                "give the older checkpoint first: `claimtrail prove --consistency {} {}`",
                claimtrail::text::shell_word(new),
                claimtrail::text::shell_word(old)
            ),
        ));
    }
    let current = tree::size(conn)?;
    if b.size > current {
        return Err(Error::invalid(
            format!(
                "{new_name} commits to {} entries but the log has only {current}",
                b.size
            ),
            format!(
                "run `claimtrail verify --checkpoint {}` to see how the log differs",
                claimtrail::text::shell_word(new)
            ),
        ));
    }
    let proof = if a.size.0 == 0 || a.size == b.size {
        vec![]
    } else {
        tree::consistency_proof(conn, a.size, b.size)?
    };
    let extends = if a.size.0 == 0 {
        a.root == merkle::empty_root()
    } else {
        merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &proof).is_ok()
    };
    // The first file whose root is not the log's at its size.
    let mut differs = None;
    for (name, cp) in [(&old_name, &a), (&new_name, &b)] {
        let log_root = tree::root(conn, cp.size)?;
        if differs.is_none() && log_root != cp.root {
            differs = Some(format!(
                "the log's tree of size {} has root {log_root}, not {name}'s {} (the log differs from the checkpoint)",
                cp.size, cp.root
            ));
        }
    }
    // With --vkey, each file must be signed by a key given.
    if differs.is_none() && !vkeys.is_empty() {
        for (name, note) in [(&old_name, &old_note), (&new_name, &new_note)] {
            if differs.is_none() {
                if let Err(e) = claimtrail::checkpoint::verify_log_note(note, origin, vkeys) {
                    differs = Some(format!(
                        "{name} is not signed by the verifier key given: {e}"
                    ));
                }
            }
        }
    }
    let verified = extends && differs.is_none();
    let hexes: Vec<String> = proof.iter().map(Hash::to_hex).collect();
    let old_by = signed_by(&signers(conn, &old_note, &a)?, &old_name.to_string());
    let new_by = signed_by(&signers(conn, &new_note, &b)?, &new_name.to_string());
    if ctx.json {
        output::json(
            &serde_json::json!({"old_size": a.size.0, "old_root": a.root.to_hex(), "old_checkpoint": old_by, "new_size": b.size.0, "new_root": b.root.to_hex(), "new_checkpoint": new_by, "proof": hexes, "extends": extends, "log_differs": differs, "verified": verified}),
        )?;
    } else {
        outln!(
            "consistency of the tree of size {} (root {}) with size {} (root {})",
            a.size,
            a.root,
            b.size,
            b.root
        )?;
        outln!("old: {old_by}\nnew: {new_by}")?;
        outln!("proof ({} hashes, RFC 9162 §2.1.4):", hexes.len())?;
        for p in &hexes {
            outln!("  {p}")?;
        }
        match (&differs, extends) {
            (None, true) => outln!("verified: {new_name} extends {old_name}")?,
            (_, false) => outln!(
                "FAILED: {new_name} does not extend {old_name} (the log forked or was rewritten)"
            )?,
            (Some(why), true) => outln!("FAILED: {why}")?,
        }
    }
    Ok(if verified {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// The admins of this log who signed a checkpoint and could sign one of
/// that size (the `keys` table's keys, as `key vkey` gives them); none when
/// no admin did. The proof holds against the note's root either way;
/// whether that root is the log's is what the signature says (`verify
/// --checkpoint` judges it from the entries themselves).
fn signers(
    conn: &rusqlite::Connection,
    note: &claimtrail::checkpoint::SignedNote,
    cp: &claimtrail::checkpoint::Checkpoint,
) -> Result<Vec<String>> {
    let admins: Vec<tree::LogVerifierKey> = tree::verifier_keys(conn, &cp.origin, Some(cp.size.0))?
        .into_iter()
        .filter(|k| k.key.role == claimtrail::model::Role::Admin)
        .collect();
    let vkeys: Vec<_> = admins.iter().map(|k| k.vkey.clone()).collect();
    Ok(match claimtrail::checkpoint::verify_note(note, &vkeys) {
        Ok(v) => admins
            .iter()
            .filter(|k| v.verified_by(&k.vkey))
            .map(|k| claimtrail::text::escape(&k.key.name).into_owned())
            .collect(),
        Err(_) => Vec::new(),
    })
}

/// Names a checkpoint (a file, or one stored in the log) and who signed it.
fn signed_by(names: &[String], what: &str) -> String {
    if names.is_empty() {
        format!(
            "{what}, NOT signed by an admin of this log: the root is only as good as where the file came from; `claimtrail verify --checkpoint` says more"
        )
    } else {
        format!("{what}, signed by {}", names.join(", "))
    }
}
