//! The log's RFC 6962 tree in SQLite: node reads for proofs, and the node
//! rows each append adds. Level 0 is `entries.hash`; complete nodes of
//! higher levels live in `merkle_nodes` (a projection, re-derived by verify).

use crate::checkpoint::{Checkpoint, KeyType, SignedNote, VerifierKey};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::merkle::{self, LeafIndex, NodeSource, TreeError, TreeSize};
use rusqlite::{params, Connection, OptionalExtension};

/// Reads tree nodes from the store.
pub struct StoreNodes<'c>(pub &'c Connection);

impl NodeSource for StoreNodes<'_> {
    type Error = Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash> {
        let row: Option<Vec<u8>> = if level == 0 {
            self.0
                .prepare_cached("SELECT hash FROM entries WHERE seq = ?")?
                .query_row([index as i64], |r| r.get(0))
                .optional()?
        } else {
            self.0
                .prepare_cached("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")?
                .query_row(params![level, index as i64], |r| r.get(0))
                .optional()?
        };
        row.and_then(|h| Hash::from_slice(&h)).ok_or_else(|| {
            Error::Damaged(format!(
                "tree node (level {level}, index {index}) is missing or malformed"
            ))
        })
    }
}

fn tree_err(e: TreeError<Error>) -> Error {
    match e {
        TreeError::Node { source, .. } => source,
        TreeError::Proof(p) => Error::invalid(p.to_string(), "check the sizes and ids given"),
    }
}

/// Number of entries (the current tree size).
pub fn size(conn: &Connection) -> Result<TreeSize> {
    Ok(TreeSize(
        crate::store::head(conn)?.map_or(0, |(s, _)| s.0 + 1),
    ))
}

pub fn root(conn: &Connection, size: TreeSize) -> Result<Hash> {
    merkle::root(&StoreNodes(conn), size).map_err(tree_err)
}

pub fn inclusion_proof(conn: &Connection, index: LeafIndex, size: TreeSize) -> Result<Vec<Hash>> {
    merkle::inclusion_proof(&StoreNodes(conn), index, size).map_err(tree_err)
}

pub fn consistency_proof(conn: &Connection, old: TreeSize, new: TreeSize) -> Result<Vec<Hash>> {
    merkle::consistency_proof(&StoreNodes(conn), old, new).map_err(tree_err)
}

/// The append path's writer of tree nodes. An append needs the left
/// siblings of the nodes it completes, and each is the last node completed
/// at its level: the writer remembers those, so a batch of appends reads
/// the store only for its first entry.
#[derive(Default)]
pub struct TreeWriter {
    /// `last[level]`: the index and hash of the last node completed there.
    last: Vec<Option<(u64, Hash)>>,
}

impl TreeWriter {
    /// Inserts the nodes that leaf `index` completes.
    pub fn append(&mut self, conn: &Connection, index: LeafIndex, leaf: Hash) -> Result<()> {
        let nodes = merkle::nodes_after_append(
            &Remembered {
                last: &self.last,
                store: StoreNodes(conn),
            },
            index,
            leaf,
        )
        .map_err(tree_err)?;
        let mut stmt =
            conn.prepare_cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")?;
        self.remember(0, index.0, leaf);
        for (level, idx, hash) in nodes {
            stmt.execute(params![level, idx as i64, &hash.0[..]])?;
            self.remember(level, idx, hash);
        }
        Ok(())
    }

    fn remember(&mut self, level: u32, idx: u64, hash: Hash) {
        let level = level as usize;
        if self.last.len() <= level {
            self.last.resize(level + 1, None);
        }
        self.last[level] = Some((idx, hash));
    }
}

/// The nodes a [`TreeWriter`] remembers, else the store's.
struct Remembered<'a, 'c> {
    last: &'a [Option<(u64, Hash)>],
    store: StoreNodes<'c>,
}

impl NodeSource for Remembered<'_, '_> {
    type Error = Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash> {
        match self.last.get(level as usize) {
            Some(Some((i, h))) if *i == index => Ok(*h),
            _ => self.store.node(level, index),
        }
    }
}

/// The complete nodes of a tree built leaf by leaf, kept as the "frontier"
/// (the roots of the perfect subtrees of a size's binary decomposition):
/// O(log n) memory, for verify to re-derive every node as it streams.
#[derive(Default, Clone)]
pub struct Frontier {
    size: u64,
    /// (level, hash), levels strictly decreasing.
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    /// Adds a leaf; returns the nodes of level ≥ 1 it completes.
    pub fn push(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let index = self.size;
        let mut out = Vec::new();
        let mut cur = leaf;
        let mut level = 0u32;
        while (index >> level) & 1 == 1 {
            let Some((_, left)) = self.stack.pop() else {
                break;
            };
            cur = merkle::node_hash(&left, &cur);
            level += 1;
            out.push((level, index >> level, cur));
        }
        self.stack.push((level, cur));
        self.size += 1;
        out
    }

    pub fn size(&self) -> TreeSize {
        TreeSize(self.size)
    }

    /// The RFC 6962 root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        match it.next() {
            None => merkle::empty_root(),
            Some((_, last)) => it.fold(*last, |acc, (_, left)| merkle::node_hash(left, &acc)),
        }
    }
}

/// The verifier key under which the log signs checkpoints: name = origin,
/// Ed25519 (signed-note type 0x01), the admin's key.
pub fn log_vkey(origin: &str, key: &crate::keys::PublicKey) -> Result<VerifierKey> {
    let vk = key.verifying_key();
    VerifierKey::new(origin, KeyType::Ed25519, vk).map_err(|e| {
        Error::invalid(
            format!("cannot make a verifier key: {e}"),
            "the origin must be a valid note key name",
        )
    })
}

/// Refuses an origin that cannot name a checkpoint. The origin was checked
/// when the log was made: one that no longer passes was changed in the
/// file since.
pub fn check_origin(origin: &str) -> Result<()> {
    Checkpoint::new(origin, TreeSize(0), Hash::default())
        .validate()
        .map_err(|e| {
            Error::Damaged(format!(
                "the log's origin `{}` cannot name a checkpoint ({e})",
                crate::text::escape(origin),
            ))
        })
}

/// Signs a checkpoint note of the tree at `size` with `root`.
pub fn sign_note(
    origin: &str,
    size: TreeSize,
    root: Hash,
    signer: &crate::keys::Signer,
) -> Result<SignedNote> {
    let failed = |e: crate::checkpoint::NoteError| {
        Error::Internal(format!("signing the checkpoint failed: {e}"))
    };
    check_origin(origin)?;
    let checkpoint = Checkpoint::new(origin, size, root);
    let text = checkpoint.to_note_text();
    let sig = signer.sign_raw(text.as_bytes())?;
    let mut note = SignedNote::unsigned(&text).map_err(failed)?;
    note.add_signed(origin, &signer.verifying_key(), &sig)
        .map_err(failed)?;
    Ok(note)
}

/// A C2SP verifier key of the log and the enrolled key behind it.
pub struct LogVerifierKey {
    pub vkey: VerifierKey,
    pub key: crate::query::KeyView,
}

/// The log's verifier keys: every admin's key under the origin (signed-note
/// type 0x01: checkpoint signers), then every auditor's key under its
/// principal (type 0x04: cosigners). With `at_size`, only the keys that were
/// enrolled before entry `at_size` and not revoked by then (the keys that
/// could sign a checkpoint of that size); otherwise the keys active now.
/// Each key row is checked against its entries first
/// ([`crate::query::keys_as_signed`]): these are keys others are told to
/// trust.
pub fn verifier_keys(
    conn: &Connection,
    origin: &str,
    at_size: Option<u64>,
) -> Result<Vec<LogVerifierKey>> {
    verifier_keys_where(conn, origin, &|key| match at_size {
        Some(size) => crate::rules::live_at(key.enrolled_seq, key.revoked_seq, size),
        None => key.revoked_seq.is_none(),
    })
}

/// [`verifier_keys`] of the keys that `live` takes.
pub fn verifier_keys_where(
    conn: &Connection,
    origin: &str,
    live: &dyn Fn(&crate::query::KeyView) -> bool,
) -> Result<Vec<LogVerifierKey>> {
    let mut out = Vec::new();
    for key in crate::query::keys_as_signed(conn)? {
        if !live(&key) {
            continue;
        }
        let Ok(pk) = crate::keys::PublicKey::from_openssh(&key.public_key) else {
            continue;
        };
        let vk = pk.verifying_key();
        if let Some(vkey) = crate::rules::note_vkey(origin, key.role, &key.name, vk) {
            out.push(LogVerifierKey { vkey, key });
        }
    }
    // The admins' keys first, each kind in enrolment order: the first
    // line of `key vkey` is then the log's own (what `key vkey | head -1`
    // gives a monitor), also after an admin key was rotated, when an
    // auditor enrolled earlier than the new admin.
    out.sort_by_key(|k| k.key.role != crate::model::Role::Admin);
    Ok(out)
}

/// The enrolled key `fp`, if it may cosign checkpoints now: enrolled, not
/// revoked, an auditor's. Asked by `cosign`, and by the command before it
/// unlocks the key.
pub fn cosigner(
    conn: &rusqlite::Connection,
    fp: &crate::model::Fingerprint,
) -> Result<crate::query::KeyView> {
    let keys = crate::query::keys(conn)?;
    let me = keys
        .iter()
        .find(|k| k.fingerprint == *fp)
        .cloned()
        .ok_or_else(|| Error::NotEnrolled(fp.clone()))?;
    if let Some(seq) = me.revoked_seq {
        let successor = crate::rules::successor(
            keys.iter().map(|k| {
                (
                    &k.fingerprint,
                    k.name.as_str(),
                    k.enrolled_seq,
                    k.revoked_seq,
                )
            }),
            &me.name,
            fp,
        );
        return Err(Error::Revoked {
            fingerprint: fp.clone(),
            name: me.name.clone(),
            seq: seq.0,
            successor,
        });
    }
    if me.role != crate::model::Role::Auditor {
        return Err(Error::invalid(
            format!(
                "key {} ({}) has role {}; cosignatures are made by auditors",
                crate::text::escape(&me.name),
                me.fingerprint,
                me.role
            ),
            "sign with an auditor key",
        ));
    }
    Ok(me)
}

/// An auditor's cosignature of a checkpoint note of this log. It is made
/// only after the whole log verifies and contains exactly that tree (the
/// tree verify re-derives from the entries, not the stored one) and an
/// admin of the log signed the note; the cosignature then says "the
/// auditor saw this tree in this log, which verified, at this time".
/// `progress(done, total)` follows the verify, as for [`crate::verify::verify_with_progress`].
pub fn cosign(
    store: &crate::store::Store,
    signer: &crate::keys::Signer,
    note: &mut SignedNote,
    file: &std::path::Path,
    after: &[crate::verify::KeptCheckpoint],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(String, u64)> {
    let conn = store.conn();
    let origin = store.origin()?;
    let origin = origin.as_str();
    let cp = Checkpoint::parse(note.text())
        .map_err(|e| Error::invalid(e.to_string(), "give a checkpoint file"))?;
    if cp.origin != origin {
        let (theirs, ours) = crate::text::escape_apart(&cp.origin, origin);
        return Err(Error::invalid(
            format!("the checkpoint is of `{theirs}`, not of this log `{ours}`"),
            "cosign it against its own log (--db)",
        ));
    }
    let me = cosigner(conn, signer.fingerprint())?;
    // Verify counts a cosignature only by a key the log had at the
    // checkpoint's size (`rules::live_at`): one made by a key enrolled
    // since would be written, and then listed as not checked.
    if !crate::rules::live_at(me.enrolled_seq, None, cp.size.0) {
        return Err(Error::invalid(
            format!(
                "your key was enrolled at entry {}, after this checkpoint's {}: verify counts a cosignature only by a key the log had at the checkpoint's size",
                me.enrolled_seq,
                crate::text::count(cp.size.0, "entry")
            ),
            "cosign a checkpoint made since your key was enrolled: ask an admin for one (`claimtrail checkpoint --out FILE`)",
        ));
    }
    let admins: Vec<VerifierKey> = verifier_keys(conn, origin, None)?
        .into_iter()
        .filter(|k| k.key.role == crate::model::Role::Admin)
        .map(|k| k.vkey)
        .collect();
    let verified = crate::checkpoint::verify_note(note, &admins).map_err(|e| {
        Error::invalid(
            format!("the checkpoint is not signed by an admin of this log ({e})"),
            "cosign only checkpoints the log itself signed",
        )
    })?;
    if !admins.iter().any(|k| verified.verified_by(k)) {
        return Err(Error::invalid(
            "the checkpoint is not signed by an admin of this log",
            "cosign only checkpoints the log itself signed",
        ));
    }
    let kept = crate::verify::KeptCheckpoint {
        name: "the checkpoint".into(),
        bytes: note.to_string().into_bytes(),
    };
    let all: Vec<_> = after.iter().cloned().chain([kept]).collect();
    let report = crate::verify::verify_with_progress(store, &all, progress)?;
    // The checkpoints cosigned before (`--after`): a witness cosigns one
    // history, growing. The log must still contain each (a log rewritten
    // under the admin's key was cosigned again, by the same auditor, with
    // nothing to stop it), and the new one may not be smaller.
    for earlier in &report.checkpoints[..after.len()] {
        if earlier.status == crate::verify::CheckpointStatus::Foreign {
            return Err(Error::invalid(
                format!(
                    "{} is another log's checkpoint: {}",
                    earlier.name, earlier.detail
                ),
                "give --after the checkpoints of this log you cosigned before",
            ));
        }
        if earlier.status != crate::verify::CheckpointStatus::Consistent {
            return Err(Error::invalid(
                format!(
                    "{}, given with --after, is {}: {}",
                    earlier.name, earlier.status, earlier.detail
                ),
                "do not cosign: this log is not the history you vouched for; keep both files as evidence",
            ));
        }
        if earlier.size > cp.size {
            return Err(Error::invalid(
                format!(
                    "the checkpoint is of {}, fewer than the {} of {}, given with --after",
                    crate::text::count(cp.size.0, "entry"),
                    earlier.size,
                    earlier.name
                ),
                "cosign only a tree at least as large as the last you cosigned: the log's newest checkpoint (`claimtrail checkpoint list`)",
            ));
        }
    }
    let judged = report.checkpoints.get(after.len());
    let status = judged.map(|c| c.status);
    // Signed by an admin of the log, but not one enrolled (and live) at
    // the checkpoint's size: the tree may well be the log's.
    if let (Some(crate::verify::CheckpointStatus::Unsigned), Some(c)) = (status, judged) {
        return Err(Error::invalid(
            format!("the checkpoint is {}", c.detail),
            "cosign a checkpoint signed by an admin the log had at its size, with no signature line that fails: ask an admin for a new one (`claimtrail checkpoint --out FILE`)",
        ));
    }
    if status != Some(crate::verify::CheckpointStatus::Consistent) {
        return Err(Error::invalid(
            format!(
                "this log does not contain the tree of {} with root {}",
                crate::text::count(cp.size.0, "entry"),
                cp.root
            ),
            format!(
                "run `claimtrail verify --checkpoint {}` to see how they differ; do not cosign",
                crate::text::shell_word(file)
            ),
        ));
    }
    if !report.ok {
        let n = report.problems.len() as u64 + report.more_problems;
        return Err(Error::invalid(
            format!(
                "this log does not verify ({}): a cosignature would vouch for it",
                crate::text::count(n, "problem")
            ),
            "run `claimtrail verify` to see them; do not cosign",
        ));
    }
    let name = crate::keys::principal(&me.name);
    let now = crate::clock::now_unix();
    let sig = signer.sign_raw(&crate::checkpoint::cosignature_message(note.text(), now))?;
    note.add_cosigned(&name, &signer.verifying_key(), now, &sig)
        .map_err(|e| match e {
            crate::checkpoint::NoteError::TooManySignatures { max } => Error::invalid(
                format!("cannot cosign: the file holds {max} signature lines already, the most a signed note may have"),
                "cosign the log's own checkpoint file (`claimtrail checkpoint --out FILE`), without the other lines",
            ),
            e => Error::invalid(
                format!("cannot cosign: {e}"),
                "check the key's name (`claimtrail key list`)",
            ),
        })?;
    Ok((name, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MemTree;

    #[test]
    fn frontier_matches_memtree_roots_and_nodes() {
        let mut f = Frontier::default();
        let mut mem = MemTree::new();
        let mut nodes = Vec::new();
        for i in 0..300u32 {
            let leaf = merkle::leaf_hash(&i.to_be_bytes());
            nodes.extend(f.push(leaf));
            mem.push(leaf);
            assert_eq!(f.root(), mem.root(), "size {}", i + 1);
        }
        for (level, idx, h) in nodes {
            assert_eq!(mem.node(level, idx).unwrap(), h);
        }
        assert_eq!(Frontier::default().root(), merkle::empty_root());
    }
}
