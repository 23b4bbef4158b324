//! Inclusion and consistency proofs (RFC 9162 §2.1.3–2.1.4), made from the
//! log and checked before anyone sees them: `claimtrail prove` prints what
//! these functions return, and exits 1 when a proof does not hold.
//!
//! # What a proof here proves, and what it does not
//!
//! An inclusion proof leads from the hash of the entry *as it is stored*
//! (not the tree's copy of its leaf) to the root of a checkpoint; a
//! consistency proof shows that one checkpoint's tree is a prefix of
//! another's, and each checkpoint's root is compared with the log's tree at
//! its size. Whose signature a checkpoint carries is said beside it: the
//! admins of the log's own `keys` table (which whoever can edit the file can
//! edit too), or the verifier keys given apart from the database, which no
//! edit of the file can fake. A proof says nothing of the entries it does
//! not lead through: `claimtrail verify` checks the whole log.

use crate::checkpoint::{Checkpoint, SignedNote, VerifierKey};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::merkle::{self, LeafIndex, TreeSize};
use crate::model::{ItemId, Role, Seq};
use crate::text::{escape, shell_word};
use crate::{query, tree};
use rusqlite::Connection;
use std::path::Path;

/// A checkpoint file given to prove against: its signed note, the
/// checkpoint it holds, and where it was read (for messages).
pub struct GivenCheckpoint<'a> {
    pub note: SignedNote,
    pub checkpoint: Checkpoint,
    pub path: &'a Path,
}

/// An inclusion proof of one entry, as `prove` prints it (and as its
/// `--json` gives it: the member names are the command's).
#[derive(Debug, serde::Serialize)]
pub struct Inclusion {
    /// The entry proved (`seq`, as every command names an entry's number;
    /// it was `entry`, which elsewhere is the entry's object).
    pub seq: Seq,
    pub id: Option<ItemId>,
    pub leaf_index: Seq,
    pub tree_size: TreeSize,
    pub leaf_hash: Hash,
    pub root: Hash,
    /// The checkpoint proved against and who signed it, in words.
    pub against: String,
    /// The names of this log's keys that signed that checkpoint, admins
    /// first, as `verify --checkpoint` gives them; empty when no admin of
    /// the log at its size signed it (or for the current tree, which no
    /// checkpoint covers yet). From the database's `keys` table: only a
    /// verifier key given apart (`--vkey`) makes a signature mean more
    /// than the file it was read from.
    pub signed_by: Vec<String>,
    pub proof: Vec<Hash>,
    pub verified: bool,
    /// Why the proof could not hold, when it is not the proof itself: the
    /// entry's bytes do not hash to the tree's leaf, or the checkpoint's
    /// root is not one an admin (or the verifier key given) signed. `null`
    /// when nothing failed, as in [`Consistency::failed`].
    pub failed: Option<String>,
}

/// The inclusion proof of entry `seq` (the item `id`, when it was named
/// so) in `given`, else in the latest checkpoint stored in the log that
/// covers it, else in the current tree. With `vkeys`, the checkpoint must
/// also be signed by one of them.
pub fn inclusion(
    conn: &Connection,
    origin: &str,
    seq: Seq,
    id: Option<ItemId>,
    given: Option<GivenCheckpoint<'_>>,
    vkeys: &[VerifierKey],
) -> Result<Inclusion> {
    let current = tree::size(conn)?;
    let (size, root, against, signed, failed, note) = match given {
        Some(g) => {
            let path = g.path;
            let cp = g.checkpoint;
            if cp.origin != origin {
                let (theirs, ours) = crate::text::escape_apart(&cp.origin, origin);
                return Err(Error::invalid(
                    format!(
                        "{} is a checkpoint of another log (`{theirs}`, not `{ours}`)",
                        path.display(),
                    ),
                    "give a checkpoint of this log",
                ));
            }
            let by = signers(conn, &g.note, &cp)?;
            if cp.size > current && by.admins.is_empty() {
                return Err(Error::invalid(
                    format!(
                        "{} commits to {} entries but the log has only {current}, and no admin of this log signed it",
                        path.display(),
                        cp.size
                    ),
                    format!(
                        "give a checkpoint of this log; if it is one, run `claimtrail verify --checkpoint {}`: the log may have been truncated",
                        shell_word(path)
                    ),
                ));
            }
            let against = signed_by(&by, &escape(&path.display().to_string()));
            // Signed by the log, larger than it: the log was cut short
            // since, a finding (exit 1), as a fork is; it was exit 2, "bad
            // input", which a script read as its own mistake.
            let short = (cp.size > current).then(|| cut_short(path, cp.size, current));
            (
                cp.size,
                cp.root,
                against,
                by.signed_by(),
                short,
                Some(g.note),
            )
        }
        None => match query::checkpoints(conn)?
            .into_iter()
            .rfind(|c| c.size.0 > seq.0)
        {
            // The root is the one in the signed note, and the note must
            // be an admin's: the table's `root` column alone could be
            // edited with the tree to fit an edited entry.
            Some(c) => {
                let stored = format!("checkpoint stored at entry {}", c.seq);
                match crate::checkpoint::read_signed_checkpoint(c.note.as_bytes()) {
                    Ok((note, cp)) if cp.size == c.size => {
                        let by = signers(conn, &note, &cp)?;
                        let failed = by.admins.is_empty().then(|| format!("the {stored} is not signed by an admin of this log (the database was edited: run `claimtrail verify`)"));
                        (cp.size, cp.root, signed_by(&by, &stored), by.signed_by(), failed, Some(note))
                    }
                    _ => (
                        c.size,
                        c.root,
                        stored.clone(),
                        Vec::new(),
                        Some(format!("the {stored} is not a signed checkpoint of that size (the database was edited: run `claimtrail verify`)")),
                        None,
                    ),
                }
            }
            None => (
                current,
                tree::root(conn, current)?,
                "the current tree, which no signed checkpoint covers yet".into(),
                Vec::new(),
                None,
                None,
            ),
        },
    };
    // An entry past the log's end is said so first: with --vkey, it was
    // "no signed checkpoint covers entry 99 yet".
    if seq.0 >= current.0 {
        return Err(Error::invalid(
            format!(
                "there is no entry {seq}: the log has {}",
                crate::text::count(current.0, "entry")
            ),
            "see `claimtrail log` for the entries",
        ));
    }
    // Against a verifier key given apart from the database, the
    // checkpoint's signature means something that no edit of the file can
    // fake: the `keys` table can be edited with the rest.
    let (against, failed) = match (vkeys.is_empty(), &note) {
        (true, _) => (against, failed),
        (false, None) => {
            return Err(Error::invalid(
                format!(
                    "no signed checkpoint covers entry {seq} yet, so --vkey has nothing to check"
                ),
                "an admin's `claimtrail checkpoint` signs one; or give --checkpoint FILE",
            ))
        }
        (false, Some(note)) => match crate::checkpoint::verify_log_note(note, origin, vkeys) {
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
    if seq.0 >= size.0 {
        return Err(Error::invalid(
            format!("entry {seq} is not in the tree of size {size}"),
            "give a newer checkpoint file, or leave out --checkpoint to prove against the latest one stored in the log (an admin's `claimtrail checkpoint --out FILE` signs one)",
        ));
    }
    // The leaf is the hash of the entry as it is in the log, not the tree's
    // stored copy of it: a proof of the stored leaf would vouch for an
    // entry whose bytes were changed after the tree was built.
    // Below the tree's size, an entry that is not there was removed.
    // A row there, its bytes not blobs (`CAST(payload AS TEXT)`), is not
    // a missing entry: said apart.
    let (payload, sig) = query::entry_bytes(conn, seq.0).map_err(|e| {
        let there: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM entries WHERE seq = ?)",
                [seq.0 as i64],
                |r| r.get(0),
            )
            .unwrap_or(false);
        match there {
            true => Error::Damaged(format!("entry {seq} cannot be read as an entry ({e})")),
            false => Error::Damaged(format!(
                "entry {seq} is missing, though the tree holds {}",
                crate::text::count(current.0, "entry")
            )),
        }
    })?;
    let leaf_hash = crate::entry::entry_hash(&payload, &sig);
    let stored_leaf = merkle::NodeSource::node(&tree::StoreNodes(conn), 0, seq.0)?;
    // Whether the log's entries, hashed now, still make the root: what
    // tells a damaged stored tree from entries changed, on the failure
    // paths alone (about a second a million entries).
    let entries_make_root = || -> Result<bool> { Ok(root_of_entries(conn, size)? == Some(root)) };
    let failed = match failed {
        None if stored_leaf != leaf_hash => Some(match entries_make_root()? {
            true => format!(
                "entry {seq}'s stored hash, the tree's leaf, is {stored_leaf}, not the {leaf_hash} its bytes hash to: the stored hash was damaged or edited, and the log's entries still match {against} (`claimtrail verify` names it)"
            ),
            false => format!(
                "entry {seq}'s bytes hash to {leaf_hash}, not to the tree's leaf {stored_leaf} (the entry was changed after it was appended: run `claimtrail verify`)"
            ),
        }),
        f => f,
    };
    // No proof of a tree larger than the log's.
    let proof = match size > current {
        true => Vec::new(),
        false => tree::inclusion_proof(conn, LeafIndex(seq.0), size)?,
    };
    let verified = failed.is_none()
        && merkle::verify_inclusion(&leaf_hash, LeafIndex(seq.0), size, &proof, &root).is_ok();
    // The proof is made of the stored tree's nodes: one that fails says
    // that the entries differ from the checkpoint, or only that the
    // stored tree was damaged.
    let failed = match (verified, failed) {
        (false, None) => Some(match entries_make_root()? {
            true => format!(
                "the proof does not lead to this root, but the entries do: the tree stored beside them (merkle_nodes, or the entries' stored hashes) was damaged or edited, and the log's entries still match {against} (`claimtrail verify` names what)"
            ),
            false => format!(
                "the proof does not lead to this root, nor do the entries: the log differs from {against} (`claimtrail verify` says where)"
            ),
        }),
        (_, failed) => failed,
    };
    Ok(Inclusion {
        seq,
        id,
        leaf_index: seq,
        tree_size: size,
        leaf_hash,
        root,
        against,
        signed_by: signed,
        proof,
        verified,
        failed,
    })
}

/// The root of the log's first `size` entries as their bytes hash now,
/// rebuilt without the stored tree; `None` when one of them is missing or
/// cannot be read as bytes.
fn root_of_entries(conn: &Connection, size: TreeSize) -> Result<Option<Hash>> {
    let mut stmt =
        conn.prepare("SELECT seq, payload, sig FROM entries WHERE seq < ? ORDER BY seq")?;
    let mut rows = stmt.query([size.0 as i64])?;
    let mut tree = tree::Frontier::default();
    while let Some(r) = rows.next()? {
        let (Ok(seq), Ok(payload), Ok(sig)) = (
            r.get::<_, i64>(0),
            r.get_ref(1).and_then(|v| Ok(v.as_blob()?)),
            r.get_ref(2).and_then(|v| Ok(v.as_blob()?)),
        ) else {
            return Ok(None);
        };
        if seq as u64 != tree.size().0 {
            return Ok(None);
        }
        tree.push(crate::entry::entry_hash(payload, sig));
    }
    Ok((tree.size() == size).then(|| tree.root()))
}

/// A consistency proof between two checkpoints of the log, as `prove
/// --consistency` prints it (the `--json` member names are the command's).
#[derive(Debug, serde::Serialize)]
pub struct Consistency {
    pub old_size: TreeSize,
    pub old_root: Hash,
    /// The old checkpoint's file and who signed it, in words.
    pub old_checkpoint: String,
    /// Who signed it, by name, as [`Inclusion::signed_by`].
    pub old_signed_by: Vec<String>,
    pub new_size: TreeSize,
    pub new_root: Hash,
    pub new_checkpoint: String,
    pub new_signed_by: Vec<String>,
    pub proof: Vec<Hash>,
    /// Whether the proof leads from the old root to the new one.
    pub extends: bool,
    /// Whether either file differs from this log: a root that is not the
    /// log's at its size, a size past the log's end, or (with verifier
    /// keys) a file not signed by one of them. Then the proof, made from
    /// this log's tree, says nothing of how the two files stand to each
    /// other.
    pub log_differs: bool,
    pub verified: bool,
    /// Why it failed, in words (what `prove` prints after `FAILED:`);
    /// `null` when verified, as in [`Inclusion::failed`].
    pub failed: Option<String>,
    /// The admins of the log who signed both files, when they are two
    /// trees of one size with different roots and an admin of the log
    /// signed each: the files alone prove a fork, whatever this copy of
    /// the log holds. Empty when the files prove no fork.
    pub signed_fork: Vec<String>,
    /// Whether a file is signed by an admin of the log whose key was not
    /// live at its size (see `Signers::out_of_time`): then it is not the
    /// log's, and no copy of the log is to prove it on.
    pub signed_out_of_time: bool,
}

/// Proves that NEW extends OLD, and that both are this log's trees: the
/// proof is built from the log, and each checkpoint's root must be the
/// log's root at its size. The second half matters where the proof is
/// empty (OLD of size 0, or both of one size): there the proof alone
/// compares the files with each other, not with the log, and a file with
/// a root the log never had, given twice, passed as "verified" before it.
pub fn consistency(
    conn: &Connection,
    origin: &str,
    old: GivenCheckpoint<'_>,
    new: GivenCheckpoint<'_>,
    vkeys: &[VerifierKey],
) -> Result<Consistency> {
    let (a, b) = (&old.checkpoint, &new.checkpoint);
    let old_name = escape(&old.path.display().to_string()).into_owned();
    let new_name = escape(&new.path.display().to_string()).into_owned();
    if a.origin != b.origin {
        let (old_origin, new_origin) = crate::text::escape_apart(&a.origin, &b.origin);
        return Err(Error::invalid(
            format!(
                "the two checkpoints are of different logs: {old_name} of `{old_origin}`, {new_name} of `{new_origin}`"
            ),
            "give two checkpoints of the same log",
        ));
    }
    if a.origin != origin {
        let (theirs, ours) = crate::text::escape_apart(&a.origin, origin);
        return Err(Error::invalid(
            format!(
                "{old_name} and {new_name} are checkpoints of another log (`{theirs}`, not `{ours}`)"
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
                shell_word(new.path),
                shell_word(old.path)
            ),
        ));
    }
    let current = tree::size(conn)?;
    let (old_by, new_by) = (signers(conn, &old.note, a)?, signers(conn, &new.note, b)?);
    let short = b.size > current;
    if short && new_by.admins.is_empty() {
        return Err(Error::invalid(
            format!(
                "{new_name} commits to {} entries but the log has only {current}, and no admin of this log signed it",
                b.size
            ),
            format!(
                "give a checkpoint of this log; if it is one, run `claimtrail verify --checkpoint {}` to see how the log differs",
                shell_word(new.path)
            ),
        ));
    }
    // Signed by the log, larger than it: a finding (exit 1), as in
    // `inclusion`, with no proof to make.
    let (proof, extends, differs) = if short {
        (
            Vec::new(),
            false,
            Some(cut_short(new.path, b.size, current)),
        )
    } else {
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
        for (name, cp) in [(&old_name, a), (&new_name, b)] {
            let log_root = tree::root(conn, cp.size)?;
            if differs.is_none() && log_root != cp.root {
                differs = Some(format!(
                    "the log's tree of size {} has root {log_root}, not {name}'s {} (the log differs from the checkpoint)",
                    cp.size, cp.root
                ));
            }
        }
        // With verifier keys, each file must be signed by one of them.
        if differs.is_none() && !vkeys.is_empty() {
            for (name, note) in [(&old_name, &old.note), (&new_name, &new.note)] {
                if differs.is_none() {
                    if let Err(e) = crate::checkpoint::verify_log_note(note, origin, vkeys) {
                        differs = Some(format!(
                            "{name} is not signed by the verifier key given: {e}"
                        ));
                    }
                }
            }
        }
        (proof, extends, differs)
    };
    let signed_fork = if a.size == b.size
        && a.root != b.root
        && old_by.refused.is_none()
        && new_by.refused.is_none()
        && !old_by.admins.is_empty()
        && !new_by.admins.is_empty()
    {
        let mut names = old_by.admins.clone();
        names.extend(
            new_by
                .admins
                .iter()
                .filter(|n| !old_by.admins.contains(n))
                .cloned(),
        );
        names
    } else {
        Vec::new()
    };
    let out_of_time = old_by.out_of_time.is_some() || new_by.out_of_time.is_some();
    let failed = consistency_failure(
        (&old_name, &new_name),
        b.size,
        &signed_fork,
        differs.as_deref(),
        extends,
        out_of_time,
    );
    Ok(Consistency {
        old_size: a.size,
        old_root: a.root,
        old_checkpoint: signed_by(&old_by, &old_name),
        old_signed_by: old_by.signed_by(),
        new_size: b.size,
        new_root: b.root,
        new_checkpoint: signed_by(&new_by, &new_name),
        new_signed_by: new_by.signed_by(),
        proof,
        extends,
        log_differs: differs.is_some(),
        verified: failed.is_none(),
        failed,
        signed_fork,
        signed_out_of_time: out_of_time,
    })
}

/// Why a consistency check failed, in the words `prove` prints after
/// `FAILED:`, or `None` when it holds. A signed fork is said first: the two
/// files prove it alone. Then why the files are not the log's, which says
/// which; the proof was made from this log's tree, which is not the
/// files' history, so its failure says nothing of how the two files stand
/// to each other (saying NEW "does not extend" OLD accused their signer of
/// a fork when NEW came from another copy that extends OLD).
fn consistency_failure(
    (old_name, new_name): (&str, &str),
    size: TreeSize,
    signed_fork: &[String],
    differs: Option<&str>,
    extends: bool,
    out_of_time: bool,
) -> Option<String> {
    if !signed_fork.is_empty() {
        return Some(format!(
            "{old_name} and {new_name} are two trees of {} with different roots, each signed by an admin of the log ({}): the log's key signed two histories, a fork; keep both files as evidence",
            crate::text::count(size.0, "entry"),
            signed_fork.join(", ")
        ));
    }
    match (differs, extends) {
        (None, true) => None,
        (None, false) => Some(format!(
            "{new_name} does not extend {old_name} (the log forked or was rewritten)"
        )),
        // A file signed with a key the log had revoked (or not yet
        // enrolled) at its size is no copy's checkpoint to prove it on.
        (Some(why), false) if out_of_time => Some(format!(
            "{why}; a checkpoint signed with a key that was not an admin's of the log at its size is not the log's (a signature made after a revocation is what a lost or stolen key makes): keep it as evidence"
        )),
        (Some(why), false) => Some(format!(
            "{why}; so a proof made from this log cannot say whether {new_name} extends {old_name} (prove it on the copy of the log they came from)"
        )),
        (Some(why), true) => Some(why.to_string()),
    }
}

/// Why a checkpoint an admin of the log signed, of `size` entries, cannot
/// be proved against a log of `current`: the log was cut short since.
fn cut_short(path: &Path, size: TreeSize, current: TreeSize) -> String {
    format!(
        "{} commits to {} entries, signed by an admin of this log, but the log has only {current}: it was cut short or rolled back since (`claimtrail verify --checkpoint {}` names what is missing)",
        escape(&path.display().to_string()),
        size,
        shell_word(path)
    )
}

/// Who signed a checkpoint, by the rule `verify --checkpoint` applies: the
/// keys the log had at the checkpoint's size, admins and auditors, and
/// every line of one of them must verify (a line of an unknown key is
/// set aside, as C2SP notes have it). `prove` took the admins' keys alone,
/// so a cosignature that did not verify passed unseen ("signed by Desk
/// admin", exit 0, where verify said `unsigned`).
struct Signers {
    admins: Vec<String>,
    cosigners: Vec<String>,
    /// The same keys' names as they are (neither escaped nor marked),
    /// admins first: what `--json` gives as `signed_by`, as `verify
    /// --checkpoint` does.
    names: Vec<String>,
    /// Why the note is not taken as signed, when it is not.
    refused: Option<String>,
    /// An admin of the log whose key was not live at the note's size and
    /// signed it: revoked before (what a lost or stolen key makes) or
    /// enrolled after. Said as `verify --checkpoint` says it; a fork's
    /// checkpoint signed with a revoked key was only "NOT signed by an
    /// admin of this log", then "prove it on the copy of the log they
    /// came from", which is the thief's.
    out_of_time: Option<String>,
    /// The note's signature lines by no key this log had at its size
    /// (`name+keyid`): a witness's, a key revoked before or enrolled
    /// after, or a line altered. Not checked, and said so, as `verify
    /// --checkpoint` says it (prove said nothing of them).
    unchecked: Vec<String>,
}

/// The keys of this log that signed a checkpoint and could sign one of
/// that size (the `keys` table's keys, as `key vkey` gives them). The
/// proof holds against the note's root either way; whether that root is
/// the log's is what the signature says (`verify --checkpoint` judges it
/// from the entries themselves).
fn signers(conn: &Connection, note: &SignedNote, cp: &Checkpoint) -> Result<Signers> {
    let keys = tree::verifier_keys(conn, &cp.origin, Some(cp.size.0))?;
    let vkeys: Vec<_> = keys.iter().map(|k| k.vkey.clone()).collect();
    // Marked as `verify --checkpoint` marks it: a signature can be made
    // with a key at any time by whoever holds it.
    let marked = |ks: &[&tree::LogVerifierKey]| -> Vec<String> {
        ks.iter()
            .map(|k| match k.key.revoked_seq {
                Some(r) => format!("{} (key revoked at entry {r})", escape(&k.key.name)),
                None => escape(&k.key.name).into_owned(),
            })
            .collect()
    };
    let mut found = match crate::checkpoint::verify_note(note, &vkeys) {
        Ok(v) => {
            let (admins, cosigners): (Vec<_>, Vec<_>) = keys
                .iter()
                .filter(|k| v.verified_by(&k.vkey))
                .partition(|k| k.key.role == Role::Admin);
            Signers {
                admins: marked(&admins),
                cosigners: marked(&cosigners),
                names: admins
                    .iter()
                    .chain(&cosigners)
                    .map(|k| k.key.name.clone())
                    .collect(),
                refused: None,
                out_of_time: None,
                unchecked: note.lines_unchecked_by(&vkeys),
            }
        }
        // A line of a key the log had that does not verify refuses the
        // note whole; no line of a known key is "not signed by an admin".
        Err(e) => Signers {
            admins: Vec::new(),
            cosigners: Vec::new(),
            names: Vec::new(),
            refused: matches!(e, crate::checkpoint::NoteError::BadSignature { .. })
                .then(|| e.to_string()),
            out_of_time: None,
            unchecked: note.lines_unchecked_by(&vkeys),
        },
    };
    if found.admins.is_empty() && found.refused.is_none() {
        let size = cp.size.0;
        let dead = tree::verifier_keys_where(conn, &cp.origin, &|k| {
            k.role == Role::Admin && !crate::rules::live_at(k.enrolled_seq, k.revoked_seq, size)
        })?;
        found.out_of_time = dead.iter().find_map(|k| {
            crate::checkpoint::verify_log_note(note, &cp.origin, std::slice::from_ref(&k.vkey))
                .ok()?;
            Some(crate::verify::out_of_time(
                &k.key.name,
                k.key.enrolled_seq,
                k.key.revoked_seq,
                size,
            ))
        });
    }
    Ok(found)
}

impl Signers {
    /// The names for `--json`'s `signed_by`: none unless an admin of the
    /// log at the note's size signed it.
    fn signed_by(&self) -> Vec<String> {
        match (&self.refused, self.admins.is_empty()) {
            (None, false) => self.names.clone(),
            _ => Vec::new(),
        }
    }
}

/// Names a checkpoint (a file, or one stored in the log) and who signed it.
fn signed_by(s: &Signers, what: &str) -> String {
    match (&s.refused, s.admins.as_slice()) {
        (Some(why), _) => format!(
            "{what}, NOT taken as signed ({why}): the root is only as good as where the file came from; `claimtrail verify --checkpoint` says more"
        ),
        (None, []) => match &s.out_of_time {
            Some(who) => format!(
                "{what}, NOT signed by an admin of this log at its size: it is signed by {who}; `claimtrail verify --checkpoint` says more"
            ),
            None => format!(
                "{what}, NOT signed by an admin of this log: the root is only as good as where the file came from; `claimtrail verify --checkpoint` says more"
            ),
        },
        (None, admins) => {
            let signed = match s.cosigners.as_slice() {
                [] => format!("{what}, signed by {}", admins.join(", ")),
                cosigners => format!(
                    "{what}, signed by {}, cosigned by {}",
                    admins.join(", "),
                    cosigners.join(", ")
                ),
            };
            match s.unchecked.as_slice() {
                [] => signed,
                lines => format!(
                    "{signed} (not checked: {} by no key this log had at its size: {})",
                    crate::text::count(lines.len() as u64, "signature line"),
                    escape(&lines.join(", "))
                ),
            }
        }
    }
}
