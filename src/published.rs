//! Checks a directory that `publish` wrote (C2SP tlog-tiles) with no
//! database: what an outside monitor of the log runs.
//!
//! Why: the tiles let anyone follow the log with tlog tools, but those
//! tools know the tree, not claimtrail's rules. This replays every published
//! entry through the rules `verify` applies ([`crate::rules`], the same
//! functions), so a reader of the directory learns what `verify` would say
//! of those entries, without the database and without trusting whoever
//! serves the files:
//!
//! - `tile`: every entry bundle the checkpoint's size needs is present and
//!   well formed; the hash tiles are judged against the signed root first,
//!   the entries against the leaves then: when every hash tile (full and
//!   partial, at each level) is present, agrees with the level below and
//!   they make the checkpoint's root, under a signed checkpoint, each entry
//!   must hash to its leaf there (one that does not is its bundle's fault);
//!   otherwise every hash tile must hold exactly the hashes of the tree
//!   the entries make;
//!   the partial tiles of each kept checkpoint given whose full tile does
//!   not exist yet are present (tlog-tiles has a log serve them); and no
//!   file under `tile/` has a path that names no tile;
//! - the entries, one by one, as `verify` checks them: canonical payload,
//!   header, sequence, chain, signature (the same Ed25519 rule, batched on
//!   all cores, see [`crate::sigcheck`]), authorization, body and
//!   references, and each `checkpoint.add` against the tree before it;
//! - `checkpoint`: the directory's checkpoint is signed by an admin the
//!   entries enrolled and live at its size (or by the verifier keys given,
//!   which anchors it to a key obtained elsewhere) and its root is the
//!   entries' root; each kept checkpoint given is in the same tree, as
//!   `verify --checkpoint` judges it (truncation, rollback, fork).
//!
//! What it does *not* prove: source texts are not published (entries hold
//! only their hashes), so quotes are not checked against them (`blob`,
//! `quote`); there are no projection tables to compare (`projection`); and
//! a directory published without its entries (`publish --no-entries`)
//! shows the tree alone. Nor, without `--vkey`, whose log it is: a forger
//! can publish a log of his own that checks out. An item's friendly id
//! (`C12`) is its place among the entries of its kind, as in the database.

use crate::checkpoint::{Checkpoint, KeyType, NoteError, SignedNote, VerifierKey};
use crate::entry::{split_leaf, Payload, PayloadError};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::merkle::TreeSize;
use crate::model::*;
use crate::rules::{self, Check, History, KeyInfo, SourceInfo, Violation};
use crate::sigcheck;
use crate::text::SourceText;
use crate::tiles::{TileId, TileLevel, Tiler, MAX_BUNDLED_LEAF, TILE_WIDTH};
use crate::verify::{
    CheckpointCheck, CheckpointStatus, Counts, KeptCheckpoint, KeptNote, Problem, MAX_LISTED,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The checks made on a directory with its entries, in the order `verify`
/// lists its own.
const CHECKS: &[Check] = &[
    Check::Tile,
    Check::Canonical,
    Check::Header,
    Check::Sequence,
    Check::Chain,
    Check::Signature,
    Check::Authorization,
    Check::Body,
    Check::Reference,
    Check::Checkpoint,
];

/// What a published directory cannot show, and so is not checked.
const NOT_CHECKED: &[Check] = &[Check::Blob, Check::Quote, Check::Projection];

/// Entries read and checked per chunk: one signature batch per core.
const CHUNK: usize = 2 * sigcheck::GROUP;

/// Chunks read ahead of the replay and checked on the pool meanwhile. On
/// the bench's million entries (published: 780 MB, this 2-core Xeon), one
/// chunk at a time took 21.7–26.0 s and 106 MB; 2 ahead 18.3 s and 109–113
/// MB; 4 ahead 15.5–15.9 s and 123–130 MB; 8 (verify's) 16.4–16.6 s and
/// 140–143 MB. (Since the items' facts moved from hash maps into vectors,
/// 4 ahead peaks at 106–109 MB.)
const IN_FLIGHT: usize = 4;

/// The verdict on a published directory.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedReport {
    pub dir: PathBuf,
    /// The origin the directory's checkpoint names; `None` when the
    /// checkpoint is damaged (no signed checkpoint could be read from it:
    /// a problem, and nothing else is checked).
    pub origin: Option<String>,
    /// The tree of the directory's checkpoint, as the checkpoint states it
    /// (`None` as `origin`).
    pub checkpoint_size: Option<TreeSize>,
    pub checkpoint_root: Option<Hash>,
    /// Names of the enrolled admins and auditors whose signatures on the
    /// checkpoint verified (those the log does not enroll, or whose
    /// enrolment is among entries that could not be read, by their key's
    /// name), whatever else failed: with a bundle missing or damaged, the
    /// signature is still judged, by the keys given with --vkey, else by
    /// those the entries read enroll.
    pub signed_by: Vec<String>,
    /// Signature lines of the checkpoint by keys neither the log enrolls
    /// nor the caller gave (`name+keyid`): ignored, as C2SP signed notes
    /// ask, and so not checked. A witness's own line is one; so is an
    /// auditor's whose name or key ID was altered, which took the
    /// cosignature out of the list without a word.
    pub unchecked_lines: Vec<String>,
    /// The check passed (`ok`) and the checkpoint verified under a
    /// verifier key the caller gave. With problems it is false even when
    /// the key given signed the checkpoint: `signed_by` says that.
    pub anchored: bool,
    /// Whether the directory holds its entries (not `publish --no-entries`).
    pub with_entries: bool,
    /// Entries read and checked; `None` without entries (`--tree-only`,
    /// `publish --no-entries`): none were read, which is not none found.
    pub entries: Option<u64>,
    /// Hash tiles and entry bundles read (a file missing or unreadable is
    /// not counted: it is a problem).
    pub tiles: u64,
    pub bundles: u64,
    /// Tiles and bundles of earlier sizes, kept for readers of earlier
    /// checkpoints, each checked to be the start of its tile now.
    pub earlier_tiles: u64,
    /// What the directory serves against tlog-tiles while the tree and
    /// the log are proven: partial tiles a kept checkpoint's readers fetch
    /// and the directory lacks (a log MUST serve them), files under
    /// `tile/` that no tile's path names. Said, not counted as problems.
    pub notes: Vec<String>,
    /// The hash of the last entry read.
    pub head: Option<Hash>,
    /// What the entries that passed hold; `None` without entries.
    pub counts: Option<Counts>,
    pub checks: Vec<&'static str>,
    pub not_checked: Vec<&'static str>,
    pub ok: bool,
    pub problems: Vec<Problem>,
    pub more_problems: u64,
    /// Kept checkpoints judged against the directory's tree.
    pub checkpoints: Vec<CheckpointCheck>,
}

/// Checks the directory `dir` as [the module](self) says. `vkeys`, if any,
/// must sign its checkpoint; `kept` are checkpoints of the log kept
/// earlier. `progress(done, total)` follows the entries. `Err` only when
/// the check cannot run (no directory, no checkpoint, a kept file that is
/// not a checkpoint); everything wrong inside the directory is a problem.
/// `tree_only`: check the tree alone (the hash tiles against the
/// checkpoint, under `vkeys`), as a witness does or for a log published
/// with `--no-entries`. Without it a directory with no entries is refused:
/// the check is not quietly narrowed to the tree because a server left
/// the entry bundles out.
///
/// A `publish` or `mirror` writing into the directory holds its lock
/// (`tiles::lock_dir`): the check waits for it to finish before it starts,
/// and when it finds problems it looks again. If a writer held the lock
/// meanwhile and the checkpoint changed, the directory was checked while
/// it moved from one tree to the next (the new tree's tiles beside the old
/// checkpoint read as "rolled back": 5 runs of 6 during a publish), and it
/// is checked again, up to three times; a report that stands after that
/// says so in its notes.
pub fn verify_published(
    dir: &Path,
    vkeys: &[VerifierKey],
    kept: &[KeptCheckpoint],
    tree_only: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PublishedReport> {
    // Read as the check reads it: capped, and only a regular file (a
    // link to /dev/zero read for ever).
    let checkpoint = || {
        crate::files::read_regular_capped(
            &dir.join("checkpoint"),
            crate::checkpoint::MAX_NOTE_BYTES as u64,
        )
        .ok()
    };
    let mut tries = 0;
    loop {
        tries += 1;
        let first = writer_finished(dir);
        let before = checkpoint();
        let mut report = verify_published_once(dir, vkeys, kept, tree_only, progress)?;
        if report.ok {
            return Ok(report);
        }
        let then = writer_finished(dir);
        let writing = first != Writer::None || then != Writer::None;
        let changed = checkpoint() != before;
        if !changed {
            if first == Writer::Stayed || then == Writer::Stayed {
                report.notes.push(format!(
                    "a `publish` or `mirror` held the directory for more than {} s (CLAIMTRAIL_BUSY_TIMEOUT) while it was checked: what is found may be its work in progress; check it again once nothing writes into it",
                    crate::store::busy_timeout().as_secs()
                ));
            }
            return Ok(report);
        }
        if tries == 3 {
            report.notes.push(format!(
                "the directory's checkpoint changed while it was checked, {}: a `publish` or `mirror` was writing into it{}; check it again once nothing writes into it",
                crate::text::count(tries, "time"),
                if writing { "" } else { " (or another program)" }
            ));
            return Ok(report);
        }
    }
}

/// Whether a `publish` or `mirror` was writing into a directory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writer {
    None,
    /// One was, and finished while the check waited.
    Finished,
    /// One still held the directory when the wait ran out.
    Stayed,
}

/// Waits until no `publish` or `mirror` writes into `dir` (they hold its
/// lock: `tiles::lock_dir`), for at most `CLAIMTRAIL_BUSY_TIMEOUT`, as a
/// writer waits for another (a monitor run from cron must not hang behind
/// a process that holds the lock for ever). The lock is not kept: a
/// monitor checking the directory must not stop the desk's publish.
fn writer_finished(dir: &Path) -> Writer {
    // Only a directory is opened: a pipe given as DIR would block the
    // open, and the check says what DIR is instead.
    if !std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Writer::None;
    }
    let Ok(f) = std::fs::File::open(dir) else {
        return Writer::None;
    };
    let until = std::time::Instant::now() + crate::store::busy_timeout();
    let mut waited = false;
    loop {
        match f.try_lock_shared() {
            Ok(()) if waited => return Writer::Finished,
            Ok(()) => return Writer::None,
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                waited = true;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Writer::Stayed,
            Err(_) => return Writer::None,
        }
    }
}

fn verify_published_once(
    dir: &Path,
    vkeys: &[VerifierKey],
    kept: &[KeptCheckpoint],
    tree_only: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PublishedReport> {
    let kept = crate::verify::parse_kept(kept)?;
    let not_published = |what: String| {
        Error::invalid(
            what,
            "give the directory `claimtrail publish` wrote (it holds `checkpoint` and `tile/`)",
        )
    };
    if !dir.is_dir() {
        // An address where a directory is asked for: the log is checked
        // from a copy, which `mirror` fetches.
        let shown = dir.to_string_lossy();
        if crate::mirror::http_scheme(&shown).is_some() {
            return Err(Error::invalid(
                format!(
                    "{} is an address, and verify-published checks a directory",
                    crate::text::escape(&crate::mirror::without_password(&shown))
                ),
                "fetch the log first, then check the copy: claimtrail mirror URL DIR && claimtrail verify-published DIR",
            ));
        }
        return Err(not_published(match std::fs::symlink_metadata(dir) {
            Err(_) => format!("{} does not exist", dir.display()),
            Ok(_) => format!("{} is not a directory", dir.display()),
        }));
    }
    let note_path = dir.join("checkpoint");
    if std::fs::symlink_metadata(&note_path).is_err() {
        // A directory this user may not enter is said to be one: it was
        // "holds no checkpoint" (red team K #5).
        if let Some(e) = local_failure(dir, &note_path) {
            return Err(e);
        }
        // A first mirror cut short (or still running) leaves tiles and its
        // record of what it fetched, and no checkpoint yet: the way on is
        // to run it again, not to find another directory.
        if std::fs::symlink_metadata(dir.join(crate::mirror::WAITING)).is_ok() {
            return Err(Error::invalid(
                format!(
                    "{} holds no checkpoint: a first `claimtrail mirror` into it was cut short, or is still running",
                    dir.display()
                ),
                "run the mirror again, with the same URL and DIR (it goes on from what it fetched), then check the directory",
            ));
        }
        return Err(not_published(format!(
            "{} holds no checkpoint",
            dir.display()
        )));
    }
    // There, but a directory, a pipe or a device (a link to /dev/zero):
    // named as the tiles are, not said to be missing.
    let bytes =
        crate::files::read_regular_capped(&note_path, crate::checkpoint::MAX_NOTE_BYTES as u64)?;
    let (note, cp) = match crate::checkpoint::read_signed_checkpoint(&bytes) {
        Ok(read) => read,
        // The directory's checkpoint is there but is no signed checkpoint
        // (altered, cut short, its signatures taken off): a finding about
        // the directory, exit 1, not a mistake of the caller's (it was
        // exit 2, with the hint to give the directory publish wrote).
        Err(e) => return Ok(damaged_checkpoint(dir, &note_path, &e.to_string())),
    };
    // A `tile/entries` that cannot be looked at (a permission) is not one
    // left out: said as what it is (it was "left out … a server that
    // withholds them", with the hint to narrow the check).
    let entries_dir = dir.join("tile/entries");
    let has_entries = cp.size.0 == 0
        || match std::fs::metadata(&entries_dir) {
            Ok(m) => m.is_dir(),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(local_failure(dir, &entries_dir).unwrap_or(Error::Io {
                    path: entries_dir,
                    reason: crate::keys::io_reason(&e),
                }));
            }
            Err(_) => false,
        };
    if !has_entries && !tree_only {
        // Withheld, or never published: either way the entries' checks
        // cannot run, and the caller asked for them.
        return Err(Error::invalid(
            format!(
                "{} holds no entries (tile/entries/): they were left out (a log published with --no-entries, or a server that withholds them), so only the tree could be checked",
                dir.display()
            ),
            "to check the tree alone, pass --tree-only with --vkey; to check the entries, fetch them (`claimtrail mirror URL DIR` without --no-entries)",
        ));
    }
    let with_entries = has_entries && !tree_only;
    if !with_entries && vkeys.is_empty() {
        // The admins' keys are enrolled by entries; with none read, the
        // checkpoint would be checked against nothing.
        return Err(Error::invalid(
            format!(
                "{}: the tree alone can only be checked against the log's verifier key",
                dir.display()
            ),
            "pass --vkey with the log's verifier key, obtained independently (`claimtrail key vkey` prints it)",
        ));
    }

    // The order of judgement: first the hash tiles against the signed
    // root, then the entries against the leaves. When the tiles make the
    // checkpoint's root, the tree is the one the checkpoint states, and an
    // entry that does not hash to its leaf there is a fault of the bundle
    // that holds it: one changed byte in a bundle made the (correct) hash
    // tiles "not hold the hashes of the tree its entries make", and the
    // checkpoint "forked". Otherwise (tiles missing, damaged, or making
    // another root: a fork) the tree is the one the entries make, and the
    // tiles and the checkpoint are judged against it, as before.
    let first = match with_entries {
        true => tiles_make_root(dir, &cp, &kept),
        false => None,
    };
    let mut m = Monitor::new(dir, &cp, &kept, with_entries, first.is_some());
    // The hash tiles read to find that they make the root count as read,
    // though the replay stops before it compares them all (a bundle
    // missing): "1 hash tile" was said of a tree whose 3 made its root.
    m.tiles_read_first = first.unwrap_or(0);
    if with_entries {
        m.replay(progress);
    } else {
        m.hashes_only(progress);
    }
    let (report, stands) = m.finish(note_path.clone(), &note, cp.clone(), vkeys, &kept)?;
    if stands {
        return Ok(report);
    }
    let mut m = Monitor::new(dir, &cp, &kept, with_entries, false);
    m.replay(progress);
    Ok(m.finish(note_path, &note, cp, vkeys, &kept)?.0)
}

/// The report on a directory whose checkpoint file (at `path`) is no
/// signed checkpoint (`why`): one `checkpoint` problem, and nothing else
/// checked, since the tiles and entries are judged against the tree it
/// states.
fn damaged_checkpoint(dir: &Path, path: &Path, why: &str) -> PublishedReport {
    let problem = Problem {
        seq: None,
        kind: None,
        id: None,
        checkpoint: None,
        check: Check::Checkpoint,
        detail: format!(
            "{} is damaged: {why} (a log's checkpoint is a signed note: its origin, size and root hash, a blank line, then its signature lines); without it nothing else in the directory can be checked",
            crate::text::escape(&path.display().to_string())
        ),
    };
    PublishedReport {
        dir: dir.to_path_buf(),
        origin: None,
        checkpoint_size: None,
        checkpoint_root: None,
        signed_by: Vec::new(),
        unchecked_lines: Vec::new(),
        anchored: false,
        with_entries: false,
        entries: None,
        tiles: 0,
        bundles: 0,
        earlier_tiles: 0,
        notes: Vec::new(),
        head: None,
        counts: None,
        checks: vec![Check::Checkpoint.as_str()],
        not_checked: CHECKS[..CHECKS.len() - 1]
            .iter()
            .chain(NOT_CHECKED)
            .map(|c| c.as_str())
            .collect(),
        ok: false,
        problems: vec![problem],
        more_problems: 0,
        checkpoints: Vec::new(),
    }
}

/// When reading `path`, under `dir`, failed for a reason of this machine
/// (a permission), not of what the directory holds: the error, naming
/// what cannot be read (the directory that may not be searched, else the
/// file) and why. `None` when the file is missing or is no regular file:
/// that is the directory's own fault, a problem.
fn local_failure(dir: &Path, path: &Path) -> Option<Error> {
    let denied = |at: &Path, e: &std::io::Error| {
        (e.kind() == std::io::ErrorKind::PermissionDenied).then(|| Error::Io {
            path: at.to_path_buf(),
            reason: crate::keys::io_reason(e),
        })
    };
    let rel = path.strip_prefix(dir).ok()?;
    let mut at = dir.to_path_buf();
    for part in rel.components() {
        let parent = at.clone();
        at.push(part);
        // A directory on the way that may not be searched: named, not
        // the file below it.
        if let Err(e) = std::fs::symlink_metadata(&at) {
            return denied(&parent, &e);
        }
    }
    // Opened only when it is a regular file: a FIFO would wait for ever.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    std::fs::File::open(path)
        .err()
        .and_then(|e| denied(path, &e))
}

/// Whether the hash tiles of `cp`'s size are all present, agree with one
/// another level by level, and make `cp`'s root: then they are the tree
/// the checkpoint states, and the entries are judged against its leaves.
/// `Some`: they do, and how many were read.
fn tiles_make_root(dir: &Path, cp: &Checkpoint, kept: &[KeptNote]) -> Option<u64> {
    let mut m = Monitor::new(dir, cp, kept, false, false);
    m.hashes_only(&mut |_, _| {});
    if m.stopped || !m.problems.is_empty() || m.more > 0 {
        return None;
    }
    m.compare_partials();
    (m.problems.is_empty() && m.tiler.size() == cp.size && m.tiler.root() == cp.root)
        .then_some(m.tiles)
}

/// What a problem with a file of the directory adds, the first time, on
/// how to get a good copy: a directory that `publish` wrote is published
/// again, and `mirror` never fetches a file it holds again.
const RECOVER: &str = "publish writes a damaged file again; `claimtrail mirror` keeps the files it holds, since tiles never change, so in a copy it made, delete the file and run the mirror again";

/// One entry read from a bundle, checked on its own (stage 1, in
/// parallel): its leaf hash, the parsed payload and the signature against
/// the key inside the SSHSIG.
struct Prepared {
    hash: Hash,
    /// Why the leaf is not `string(payload) || string(sig)`, if it is not.
    framing: bool,
    parsed: std::result::Result<Payload, PayloadError>,
    /// The kind the bytes name, for an entry that does not parse.
    guessed: Option<Kind>,
    sig: sigcheck::Found,
}

fn prepare(leaves: &[&[u8]]) -> Vec<Prepared> {
    let mut checks = sigcheck::EntryChecks::default();
    let mut out = Vec::with_capacity(leaves.len());
    for (i, leaf) in leaves.iter().enumerate() {
        let hash = crate::merkle::leaf_hash(leaf);
        let Some((payload, sig)) = split_leaf(leaf) else {
            out.push(Prepared {
                hash,
                framing: false,
                parsed: Err(PayloadError::Canonical(String::new())),
                guessed: None,
                sig: Err(String::new()),
            });
            continue;
        };
        let sig = checks.queue(i, payload, sig).map(|key| (key, Ok(())));
        let parsed = Payload::parse(payload);
        // Only an entry that does not parse needs its kind guessed.
        let guessed = match parsed {
            Ok(_) => None,
            Err(_) => crate::entry::kind_guess(payload),
        };
        out.push(Prepared {
            hash,
            framing: true,
            parsed,
            guessed,
            sig,
        });
    }
    for (i, verdict) in checks.verdicts() {
        if let Ok((_, v)) = &mut out[i].sig {
            *v = verdict;
        }
    }
    out
}

/// Item `n` (numbered from 1) of a per-kind vector, if it was set.
fn nth<T: Copy>(v: &[Option<T>], n: u64) -> Option<T> {
    n.checked_sub(1)
        .and_then(|i| v.get(i as usize))
        .copied()
        .flatten()
}

/// Sets item `n` of a per-kind vector. Items come in order, so this
/// appends, after a `None` for each item before it that did not parse.
fn set_nth<T>(v: &mut Vec<Option<T>>, n: u64, x: T) {
    let i = n.saturating_sub(1) as usize;
    if v.len() <= i {
        v.resize_with(i + 1, || None);
    }
    v[i] = Some(x);
}

/// Bundles read and split on the main thread, for stage 1 on the pool: the
/// bundles' bytes, and each entry as (bundle, byte range), in order.
#[derive(Default)]
struct ReadChunk {
    data: Vec<Vec<u8>>,
    leaves: Vec<(usize, std::ops::Range<usize>)>,
    /// When the tiles make the signed root: each entry's leaf in the
    /// level-0 tile at its bundle's place.
    signed: Vec<Hash>,
    /// Why the chunk ends early (a bundle missing or malformed): the
    /// entries after it cannot be read, so the replay stops there.
    problem: Option<String>,
}

/// Stage 1 of a chunk on the rayon pool, one group per core; the result,
/// one [`Prepared`] per entry in order, comes back on the returned channel
/// ([`sigcheck::on_pool`]).
fn launch(chunk: ReadChunk) -> std::sync::mpsc::Receiver<Vec<Prepared>> {
    use rayon::prelude::*;
    sigcheck::on_pool(move || {
        let leaves: Vec<&[u8]> = chunk
            .leaves
            .iter()
            .map(|(b, r)| &chunk.data[*b][r.clone()])
            .collect();
        leaves
            .par_chunks(sigcheck::GROUP)
            .flat_map_iter(prepare)
            .collect()
    })
}

/// Why a tile or bundle was not read.
enum Unread {
    /// The directory's fault (missing, not a file, …): the problem's
    /// detail, which says which entries it covers.
    Problem(String),
    /// This machine's ([`local_failure`]): the check cannot run.
    Local(Error),
}

/// Reads a tile or bundle of `dir`, or says why it cannot.
fn read_tile(dir: &Path, id: TileId, cap: usize) -> std::result::Result<Vec<u8>, Unread> {
    let path = dir.join(id.path());
    crate::files::read_regular_capped(&path, cap as u64).map_err(|e| {
        if let Some(local) = local_failure(dir, &path) {
            return Unread::Local(local);
        }
        let why = match std::fs::metadata(&path) {
            Err(_) => "is missing".to_string(),
            Ok(_) => format!("cannot be read ({e})"),
        };
        let larger = match wider_tile(dir, &path) {
            Some(other) => format!(
                ", and {other}, of a larger tree, is there: the directory's checkpoint is older than its tiles (rolled back, or replaced by an older one)"
            ),
            None => String::new(),
        };
        Unread::Problem(format!("{} {why}{}{larger}", id.path(), covering(id)))
    })
}

/// For a partial tile that is missing (`…/000.p/3`): a wider version of it
/// that the directory holds (`…/000.p/7`, or the full `…/000`), which a
/// larger tree wrote, as its path in the directory.
fn wider_tile(dir: &Path, path: &Path) -> Option<String> {
    let width: u32 = path.file_name()?.to_str()?.parse().ok()?;
    let partial_dir = path.parent()?;
    let index = partial_dir.file_name()?.to_str()?.strip_suffix(".p")?;
    let full = partial_dir.with_file_name(index);
    let shown = |p: &Path| p.strip_prefix(dir).unwrap_or(p).display().to_string();
    if full.is_file() {
        return Some(shown(&full));
    }
    std::fs::read_dir(partial_dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let w: u32 = e.file_name().to_str()?.parse().ok()?;
            (w > width).then(|| e.path())
        })
        .max()
        .map(|p| shown(&p))
}

/// The replay: the tree, the tiles, and what the rules must remember of
/// the entries before the one being checked.
struct Monitor<'d> {
    dir: &'d Path,
    size: u64,
    tiler: Tiler,
    tiles: u64,
    bundles: u64,
    earlier: u64,
    /// What the directory serves against tlog-tiles without the tree or
    /// the log being other than proven: partial tiles a kept checkpoint
    /// needs that are not here ([`Monitor::kept_partials`]), files under
    /// `tile/` that no tile's path names ([`Monitor::earlier_tiles`]).
    notes: Vec<String>,
    problems: Vec<Problem>,
    more: u64,
    /// Set when a bundle is missing or unreadable: the entries after it
    /// cannot be read, so the replay stops there.
    stopped: bool,
    /// A file or directory this machine does not let the check read (a
    /// permission, [`local_failure`]): the check stops, and cannot run.
    local: Option<Error>,
    /// Hash tiles read by [`tiles_make_root`] before the replay, which
    /// found that they make the checkpoint's root.
    tiles_read_first: u64,
    origin: String,
    next_seq: u64,
    prev: Hash,
    /// Whether the leaves come from entry bundles (else from level-0 tiles).
    with_entries: bool,
    /// Whether the hash tiles make the checkpoint's root
    /// ([`tiles_make_root`]): the tree is then theirs, and each entry is
    /// judged against its leaf there.
    tiles_first: bool,
    /// Entries (in the tree's bundles, and in bundles kept for earlier
    /// sizes) that do not hash to their leaf in the tiles' tree.
    mismatched: u64,
    /// Problems of hash tiles that do not hold the entries' tree, by
    /// place: told how to recover when the entries make the checkpoint's
    /// root (the tile, not the tree, is then what is wrong).
    tile_mismatches: Vec<usize>,
    /// Roots of the tree at the sizes the kept checkpoints need.
    roots_at: BTreeMap<u64, Option<Hash>>,
    h: Replayed,
    /// Keys that only an entry which did not pass enrolled, as `verify`
    /// folds the entries they sign.
    unenrolled: crate::verify::Unenrolled,
    counts: Counts,
}

/// What the rules ask of the entries replayed so far ([`History`]).
/// Items are numbered densely per kind, so each kind is a vector; signers
/// are kept once each and referred to by number. About 60 bytes an item.
#[derive(Default)]
struct Replayed {
    keys: HashMap<Fingerprint, Rc<KeyInfo>>,
    signers: Vec<Fingerprint>,
    signer_numbers: HashMap<Fingerprint, u32>,
    /// Per kind (source, claim, annotation), item n at index n − 1: its
    /// seq and entry hash, or `None` for an entry that did not parse.
    items: [Vec<Option<(Seq, Hash)>>; 3],
    /// What the rules ask of each source, claim and annotation that parsed,
    /// at index n − 1 as in `items` ([`nth`], [`set_nth`]): a source's
    /// hash and length, a claim's signer, an annotation's claim and signer.
    sources: Vec<Option<(Hash, u64)>>,
    claim_signers: Vec<Option<u32>>,
    source_signers: Vec<Option<u32>>,
    annotations: Vec<Option<(u64, u32)>>,
    source_shas: HashMap<Hash, u64>,
    redacted: HashSet<u64>,
    retracted: HashMap<u64, Seq>,
    retracted_annotations: HashMap<u64, Seq>,
    frontier_root: Option<(u64, Hash)>,
}

impl Replayed {
    fn signer_number(&mut self, fp: &Fingerprint) -> u32 {
        if let Some(n) = self.signer_numbers.get(fp) {
            return *n;
        }
        let n = self.signers.len() as u32;
        self.signers.push(fp.clone());
        self.signer_numbers.insert(fp.clone(), n);
        n
    }
}

impl History for Replayed {
    fn key(&self, fp: &Fingerprint) -> Result<Option<Rc<KeyInfo>>> {
        Ok(self.keys.get(fp).cloned())
    }
    fn active_admins(&self) -> Result<u64> {
        Ok(rules::active_admins(&self.keys))
    }
    fn keys(&self) -> Result<Vec<Rc<KeyInfo>>> {
        Ok(self.keys.values().cloned().collect())
    }
    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        Ok(nth(&self.items[id.kind.index()], id.n))
    }
    fn source(&self, n: u64) -> Result<Option<SourceInfo>> {
        Ok(nth(&self.sources, n).map(|(sha256, length)| SourceInfo {
            sha256,
            length,
            redacted: self.redacted.contains(&n),
        }))
    }
    fn source_with_sha(&self, sha: &Hash) -> Result<Option<u64>> {
        Ok(self.source_shas.get(sha).copied())
    }
    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>> {
        Ok(nth(&self.annotations, n).map(|(claim, s)| (claim, self.signers[s as usize].clone())))
    }
    fn item_signer(&self, id: ItemId) -> Result<Option<Fingerprint>> {
        let signers = match id.kind {
            IdKind::Source => &self.source_signers,
            IdKind::Claim => &self.claim_signers,
            IdKind::Annotation => return Ok(None),
        };
        Ok(nth(signers, id.n).map(|s| self.signers[s as usize].clone()))
    }
    fn retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self.retracted.get(&n).copied())
    }
    fn annotation_retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self.retracted_annotations.get(&n).copied())
    }
    /// Source texts are not published.
    fn blob(&self, _: &Hash) -> Result<Option<Rc<SourceText>>> {
        Ok(None)
    }
    fn tree_root(&self, size: u64) -> Result<Option<Hash>> {
        Ok(self
            .frontier_root
            .filter(|(s, _)| *s == size)
            .map(|(_, root)| root))
    }
}

impl<'d> Monitor<'d> {
    fn new(
        dir: &'d Path,
        cp: &Checkpoint,
        kept: &[KeptNote],
        with_entries: bool,
        tiles_first: bool,
    ) -> Self {
        let mut roots_at: BTreeMap<u64, Option<Hash>> =
            kept.iter().map(|(_, _, k)| (k.size.0, None)).collect();
        roots_at.insert(cp.size.0, None);
        if let Some(slot) = roots_at.get_mut(&0) {
            *slot = Some(crate::merkle::empty_root());
        }
        Monitor {
            dir,
            size: cp.size.0,
            tiler: Tiler::new(false),
            tiles: 0,
            bundles: 0,
            earlier: 0,
            notes: Vec::new(),
            problems: Vec::new(),
            more: 0,
            stopped: false,
            local: None,
            tiles_read_first: 0,
            origin: cp.origin.clone(),
            next_seq: 0,
            prev: Hash::ZERO,
            with_entries,
            tiles_first,
            mismatched: 0,
            tile_mismatches: Vec::new(),
            roots_at,
            h: Replayed::default(),
            unenrolled: Default::default(),
            counts: Counts::default(),
        }
    }

    fn problem(
        &mut self,
        seq: Option<u64>,
        kind: Option<Kind>,
        id: Option<ItemId>,
        check: Check,
        detail: impl Into<String>,
    ) {
        if self.problems.len() >= MAX_LISTED {
            self.more += 1;
            return;
        }
        self.problems.push(Problem {
            seq: seq.map(Seq),
            kind: seq.map(|_| kind.map_or("?".to_string(), |k| k.to_string())),
            id,
            checkpoint: None,
            check,
            detail: detail.into(),
        });
    }

    fn tile_problem(&mut self, detail: String) {
        self.problem(None, None, None, Check::Tile, detail);
    }

    /// An entry of a bundle that does not hash to its leaf in the tiles'
    /// tree: a `tile` problem of that bundle, the first one told how to
    /// get a good copy ([`RECOVER`]).
    fn mismatch(&mut self, detail: String) {
        let hint = match self.mismatched {
            0 => format!(" ({RECOVER})"),
            _ => String::new(),
        };
        self.mismatched += 1;
        self.tile_problem(format!("{detail}{hint}"));
    }

    /// Compares the partial tiles of this size with the files (a full
    /// tile was compared when it was completed); without entries, the
    /// level-0 ones are what the tree was read from.
    fn compare_partials(&mut self) {
        let partial: Vec<(TileId, Vec<u8>)> = self
            .tiler
            .partial()
            .into_iter()
            .map(|(id, b)| (id, b.to_vec()))
            .collect();
        for (id, bytes) in partial {
            if self.with_entries || id.level != TileLevel::Hashes(0) {
                self.compare_tile(id, &bytes);
            }
        }
    }

    /// Reads a tile or bundle; `None` (and a problem) if it is missing or
    /// unreadable.
    fn read(&mut self, id: TileId, cap: usize) -> Option<Vec<u8>> {
        match read_tile(self.dir, id, cap) {
            Ok(bytes) => Some(bytes),
            Err(Unread::Problem(detail)) => {
                self.tile_problem(detail);
                None
            }
            Err(Unread::Local(e)) => {
                self.stop_local(e);
                None
            }
        }
    }

    /// Stops the check at a file this machine does not let it read.
    fn stop_local(&mut self, e: Error) {
        self.stopped = true;
        self.local.get_or_insert(e);
    }

    /// Adds a leaf hash to the tree and compares each hash tile it
    /// completes with the file of that name.
    fn push(&mut self, hash: Hash) {
        let mut full: Vec<(TileId, Vec<u8>)> = Vec::new();
        let _ = self.tiler.push(&[], hash, &mut |id, bytes| {
            full.push((id, bytes.to_vec()));
            Ok(())
        });
        for (id, bytes) in full {
            // Without entries, the level-0 tiles are what the tree is made
            // of: read, not compared.
            if self.with_entries || id.level != TileLevel::Hashes(0) {
                self.compare_tile(id, &bytes);
            }
        }
        let size = self.tiler.size().0;
        if let Some(slot) = self.roots_at.get_mut(&size) {
            *slot = Some(self.tiler.root());
        }
    }

    fn compare_tile(&mut self, id: TileId, want: &[u8]) {
        if let Some(got) = self.read(id, want.len()) {
            self.tiles += 1;
            if got != want {
                if self.problems.len() < MAX_LISTED {
                    self.tile_mismatches.push(self.problems.len());
                }
                self.tile_problem(format!(
                    "{} does not hold the hashes of the tree its entries make{}",
                    id.path(),
                    covering(id)
                ));
            }
        }
    }

    /// The tiles of earlier sizes that the directory still holds (publish
    /// keeps them for clients of older checkpoints): each must be a prefix
    /// of the tile at its place in this tree, which was checked above. A
    /// tile past this tree's size belongs to a larger tree: the directory
    /// was rolled back, or the file does not belong to it.
    ///
    /// A file under `tile/` whose path no tlog-tiles tile has is noted
    /// (not a problem: no tile of the tree is read from it, and a copy
    /// with a stray file failed for good), named with the rule it breaks: an empty tile (`.p/0`, which
    /// the spec says MUST NOT be served), a width over 255, a level over
    /// 63, leading zeroes, an index not in x-prefixed groups of three, or
    /// anything else (`tile/foo`). `tile/` is the spec's; publish and
    /// mirror write nothing else there, and a client that reads such a
    /// path loosely (`000.p/007` as width 7) is served what no checkpoint
    /// vouches for. (They were passed over, and such a directory passed.)
    /// Hidden names are left alone: a web host's own files (`.htaccess`
    /// setting the tiles' cache headers), which no tlog-tiles client asks
    /// for, since no tile's path has them.
    fn earlier_tiles(&mut self) {
        let mut found = Vec::new();
        let mut strays = Vec::new();
        let mut stack = vec![self.dir.join("tile")];
        while let Some(d) = stack.pop() {
            let listing = match std::fs::read_dir(&d) {
                Ok(listing) => listing,
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    self.stop_local(Error::Io {
                        path: d,
                        reason: crate::keys::io_reason(&e),
                    });
                    return;
                }
                Err(_) => continue,
            };
            for e in listing.flatten() {
                if e.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let p = e.path();
                // A real directory only: publish makes no links, and two
                // links to `.` would make the walk endless (2^40 paths).
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                    continue;
                }
                let rel = p.strip_prefix(self.dir).unwrap_or(&p);
                match rel.to_str().and_then(tile_of_path) {
                    Some(id) => found.push(id),
                    None => strays.push(rel.to_string_lossy().into_owned()),
                }
            }
        }
        // In the order of the paths, so that reports are the same each run.
        found.sort_by_key(|id| id.path());
        strays.sort();
        for path in strays {
            let why = not_a_tile(&path);
            self.notes.push(format!(
                "{} is no tlog-tiles tile's path: {why} (publish and mirror write nothing else under tile/: remove it)",
                crate::text::escape(&path)
            ));
        }
        // A `publish` or `mirror` stopped (killed) while it moved a new
        // tree's tiles in, before its checkpoint, leaves such tiles too,
        // and its staging directory beside them: said, since an honest
        // directory was accused of a rollback. (Anyone can make such a
        // directory: it changes the words, not the finding.)
        let stopped = std::fs::read_dir(self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                (n.starts_with(".claimtrail-publish-") || n.starts_with(".claimtrail-mirror-"))
                    && !n.starts_with(".claimtrail-mirror-fetched")
            })
            .min();
        let or_stopped = match &stopped {
            Some(n) => format!(", or a `publish` or `mirror` run was stopped while it moved files in (it left {n} here): run it again, then check"),
            None => String::new(),
        };
        for id in found {
            let now = self.current_width(id);
            if now == Some(id.width) || (!self.with_entries && id.level == TileLevel::Entries) {
                continue; // a tile of this tree, checked already
            }
            let Some(now) = now.filter(|&w| w > id.width) else {
                self.tile_problem(format!(
                    "{} belongs to a larger tree than the checkpoint's {}: the directory was rolled back, or the file is not this log's{or_stopped}",
                    id.path(),
                    crate::text::count(self.size, "entry")
                ));
                continue;
            };
            self.earlier += 1;
            let current = TileId { width: now, ..id };
            let cap = |id: TileId| (usize::from(id.width) * (2 + MAX_BUNDLED_LEAF)) as u64;
            let old = match crate::files::read_regular_capped(&self.dir.join(id.path()), cap(id)) {
                Ok(old) => old,
                Err(e) => {
                    if let Some(local) = local_failure(self.dir, &self.dir.join(id.path())) {
                        self.stop_local(local);
                        return;
                    }
                    self.tile_problem(format!(
                        "{}, kept for readers of an earlier checkpoint, cannot be read ({e})",
                        id.path()
                    ));
                    continue;
                }
            };
            if self.tiles_first && id.level == TileLevel::Entries && self.kept_bundle(id, now, &old)
            {
                continue;
            }
            let Ok(cur) =
                crate::files::read_regular_capped(&self.dir.join(current.path()), cap(current))
            else {
                continue; // the current one's absence is reported already
            };
            let prefix = match id.level {
                TileLevel::Hashes(_) => cur.get(..usize::from(id.width) * 32),
                // Up to the length prefix of the first entry past the old width.
                TileLevel::Entries => split_bundle(&cur, now)
                    .ok()
                    .and_then(|e| e.get(usize::from(id.width)).cloned())
                    .map(|next| &cur[..next.start - 2]),
            };
            // A hash tile of the wrong length is said to be one: "differs"
            // left the reader to find that it was cut short.
            let wrong_length = match id.level {
                TileLevel::Hashes(_) => (old.len() != usize::from(id.width) * 32).then(|| {
                    format!(
                        " (it holds {} bytes; a tile of {} hashes holds {})",
                        old.len(),
                        id.width,
                        usize::from(id.width) * 32
                    )
                }),
                TileLevel::Entries => None,
            };
            if let Some(length) = wrong_length {
                self.tile_problem(format!(
                    "{}, kept for readers of an earlier checkpoint, is not a whole tile{length}{}",
                    id.path(),
                    covering(id)
                ));
            } else if prefix != Some(&old[..]) {
                self.tile_problem(format!(
                    "{}, kept for readers of an earlier checkpoint, differs from the start of {}{}",
                    id.path(),
                    current.path(),
                    covering(id)
                ));
            }
        }
    }

    /// A bundle kept for readers of an earlier checkpoint (`id`, read as
    /// `old`), when the hash tiles make the checkpoint's root: each of its
    /// entries must hash to its leaf in the level-0 tile at its place now
    /// (of width `now`), which the tiles' tree vouches for. Compared with
    /// the start of the tree's own bundle instead, a damaged byte in that
    /// bundle made the good kept one "differ". `false` when it cannot be
    /// judged so (it does not split into its entries): it is then compared
    /// with the start of the tree's own bundle, as without the tiles.
    fn kept_bundle(&mut self, id: TileId, now: u16, old: &[u8]) -> bool {
        let tile = TileId {
            level: TileLevel::Hashes(0),
            width: now,
            ..id
        };
        let Ok(leaves) =
            crate::files::read_regular_capped(&self.dir.join(tile.path()), u64::from(now) * 32)
        else {
            return false;
        };
        let Ok(entries) = split_bundle(old, id.width) else {
            return false;
        };
        let first = id.index * TILE_WIDTH as u64;
        for (i, r) in entries.into_iter().enumerate() {
            let leaf = leaves.get(i * 32..i * 32 + 32);
            if leaf != Some(&crate::merkle::leaf_hash(&old[r]).0[..]) {
                let seq = first + i as u64;
                self.mismatch(format!(
                    "{}, kept for readers of an earlier checkpoint: entry {seq} does not hash to leaf {seq} of the signed tree (in {}, whose hash tiles make the checkpoint's root): the file is damaged, or holds another history's entry (a fork: keep a copy as evidence before you replace it)",
                    id.path(),
                    tile.path()
                ));
            }
        }
        true
    }

    /// Each kept checkpoint of this tree (`consistent`) that is smaller
    /// than it: its partial tiles whose full tile this tree does not have
    /// yet must be here ([`crate::tiles::partials_needed`]). tlog-tiles:
    /// "Logs MUST serve partial tiles corresponding to tree sizes for which
    /// a checkpoint was produced"; a reader holding that checkpoint gets a
    /// 404 otherwise. The tree rebuilt from the entries has the kept root
    /// either way, which hid the gap: the check said `consistent`. What
    /// such a tile holds, when it is here, [`Monitor::earlier_tiles`]
    /// checked. A checkpoint not kept is not known here, so its tiles
    /// are not asked for. A missing one is a note, not a problem: the tree
    /// and the kept checkpoint are proven without it, a directory that an
    /// older claimtrail published lacks them, and so does a mirror that
    /// never fetched that checkpoint; failing those (exit 1) would cry
    /// tampering where a reader only gets a 404.
    fn kept_partials(&mut self, checks: &[CheckpointCheck]) {
        let now = TreeSize(self.size);
        let mut asked = HashSet::new();
        for c in checks
            .iter()
            .filter(|c| c.status == CheckpointStatus::Consistent && c.size < now)
        {
            for id in crate::tiles::partials_needed(c.size, now, self.with_entries) {
                // The tree's own partial tile is checked as such.
                if self.current_width(id) == Some(id.width) || !asked.insert(id) {
                    continue;
                }
                if std::fs::symlink_metadata(self.dir.join(id.path())).is_ok() {
                    continue;
                }
                let full = TileId {
                    width: TILE_WIDTH as u16,
                    ..id
                };
                self.notes.push(format!(
                    "{} is missing{}: readers of the kept checkpoint {} ({}) fetch it until {} exists, and tlog-tiles says a log MUST serve the partial tiles of each tree size it produced a checkpoint for (a directory published by claimtrail before 2026-12-06 lacks them: publish again, which adds them; a copy that `mirror` made holds those of the checkpoints it mirrored only)",
                    id.path(),
                    covering(id),
                    crate::text::escape(&c.name),
                    crate::text::count(c.size.0, "entry"),
                    full.path()
                ));
            }
        }
    }

    /// Refusals of the directory's checkpoint and the kept ones worded by
    /// what happened where the shared words (`verify --checkpoint`'s) do
    /// not fit a directory:
    /// - entries that enroll no admin at all (a tlog that is not
    ///   claimtrail's, checked without `--tree-only`): the refusal said
    ///   "no key given is the log's own; give the log's verifier key too",
    ///   of keys no one gave (the entries' own, none), when the key given
    ///   had signed it;
    /// - without entries, a kept note signed by a key given under another
    ///   name than the origin ([`other_name`]).
    fn reword_unsigned(
        &mut self,
        notes: &[KeptNote],
        checks: &mut [CheckpointCheck],
        keys: &[Rc<KeyInfo>],
        vkeys: &[VerifierKey],
    ) {
        let no_admin = self.with_entries && !keys.iter().any(|k| k.role == Role::Admin);
        for (i, (name, note, _)) in notes.iter().enumerate() {
            let by_given = || crate::checkpoint::verify_log_note(note, &self.origin, vkeys);
            let reword: Box<dyn Fn(&str) -> String> = if no_admin {
                let lines = by_given().map(|v| log_lines(&v, &self.origin));
                let detail = no_admin_detail(&lines.unwrap_or_default());
                Box::new(move |_| detail.clone())
            } else if !self.with_entries && i > 0 {
                // (The directory's own was worded where it was judged.)
                let Err(e) = by_given() else { continue };
                let Some(better) = other_name(&e, vkeys) else {
                    continue;
                };
                let said = e.to_string();
                Box::new(move |d: &str| d.replace(&said, &better))
            } else {
                continue;
            };
            for p in self.problems.iter_mut().filter(|p| {
                p.checkpoint.as_deref() == Some(name.as_str()) && p.check == Check::Checkpoint
            }) {
                if let Some(d) = p.detail.strip_prefix("unsigned: ") {
                    p.detail = format!("unsigned: {}", reword(d));
                }
            }
            for c in checks
                .iter_mut()
                .filter(|c| &c.name == name && c.status == CheckpointStatus::Unsigned)
            {
                c.detail = reword(&c.detail);
            }
        }
    }

    /// How wide the tile at `id`'s level and index is in this tree, if the
    /// tree reaches it.
    fn current_width(&self, id: TileId) -> Option<u16> {
        let height = match id.level {
            TileLevel::Hashes(l) => 8 * u32::from(l),
            TileLevel::Entries => 0,
        };
        let nodes = self.size.checked_shr(height).unwrap_or(0);
        let start = id.index.checked_mul(TILE_WIDTH as u64)?;
        (nodes > start).then(|| (nodes - start).min(TILE_WIDTH as u64) as u16)
    }

    /// With entries: reads each bundle, checks each entry, builds the tree.
    ///
    /// Pipelined as `verify` is: the main thread reads and splits the
    /// bundles of up to [`IN_FLIGHT`] chunks ahead, the pool
    /// checks each chunk on its own (stage 1), and the main thread replays
    /// the chunks in order (stage 2) while the pool works on the next ones.
    /// What reading a chunk found wrong is recorded just before its entries
    /// are replayed, so the problems come in the order of a pass one chunk at
    /// a time.
    fn replay(&mut self, progress: &mut dyn FnMut(u64, u64)) {
        let bundles = self.size.div_ceil(TILE_WIDTH as u64);
        let per_chunk = (CHUNK / TILE_WIDTH) as u64;
        let mut b = 0;
        let mut pending = std::collections::VecDeque::new();
        let mut reading = true;
        loop {
            while reading && b < bundles && pending.len() < IN_FLIGHT {
                let mut chunk = self.read_chunk(b, (b + per_chunk).min(bundles));
                let problem = chunk.problem.take();
                let signed = std::mem::take(&mut chunk.signed);
                reading = problem.is_none() && self.local.is_none();
                b += per_chunk;
                pending.push_back((problem, signed, launch(chunk)));
            }
            let Some((problem, signed, stage1)) = pending.pop_front() else {
                break;
            };
            if let Some(detail) = problem {
                self.tile_problem(detail);
                self.stopped = true;
            }
            if self.local.is_some() {
                // Nothing more is said: the check cannot run.
                return;
            }
            // The sender is dropped without sending only if stage 1
            // panicked, which rayon reports when the pool unwinds.
            let Ok(prepared) = stage1.recv() else { break };
            for (i, p) in prepared.iter().enumerate() {
                self.entry(p, signed.get(i));
            }
            progress(self.next_seq, self.size);
        }
        for line in self.unenrolled.summaries() {
            self.problem(None, None, None, Check::Authorization, line);
        }
        if self.stopped {
            let done = self.next_seq;
            self.problem(
                None,
                None,
                None,
                Check::Tile,
                format!(
                    "the check stopped at entry {done}: the {} from there on could not be read",
                    crate::text::count(self.size - done, "entry")
                ),
            );
        }
    }

    /// Reads and splits the bundles `from..to`. Each bundle is split once;
    /// at the first one missing or malformed, the chunk ends with the
    /// entries before it and says why.
    fn read_chunk(&mut self, from: u64, to: u64) -> ReadChunk {
        let mut chunk = ReadChunk::default();
        for index in from..to {
            let id = bundle_id(index, self.size);
            let cap = usize::from(id.width) * (2 + MAX_BUNDLED_LEAF);
            let bytes = match read_tile(self.dir, id, cap) {
                Ok(bytes) => {
                    self.bundles += 1;
                    bytes
                }
                Err(Unread::Problem(detail)) => {
                    chunk.problem = Some(detail);
                    break;
                }
                Err(Unread::Local(e)) => {
                    self.stop_local(e);
                    break;
                }
            };
            match split_bundle(&bytes, id.width) {
                Ok(entries) => {
                    if self.tiles_first {
                        // The leaves of the tiles' tree at the bundle's
                        // place (read and found whole by `tiles_make_root`).
                        let tile = TileId {
                            level: TileLevel::Hashes(0),
                            ..id
                        };
                        let hashes = match read_tile(self.dir, tile, usize::from(id.width) * 32) {
                            Ok(h) if h.len() == usize::from(id.width) * 32 => h,
                            Ok(_) => {
                                chunk.problem =
                                    Some(format!("{} changed while it was checked", tile.path()));
                                break;
                            }
                            Err(Unread::Problem(detail)) => {
                                chunk.problem = Some(detail);
                                break;
                            }
                            Err(Unread::Local(e)) => {
                                self.stop_local(e);
                                break;
                            }
                        };
                        chunk.signed.extend(
                            hashes
                                .chunks_exact(32)
                                .map(|h| Hash::from_slice(h).unwrap_or(Hash::ZERO)),
                        );
                    }
                    let n = chunk.data.len();
                    chunk.leaves.extend(entries.into_iter().map(|e| (n, e)));
                }
                Err(why) => {
                    chunk.problem = Some(format!("{} {why}{}", id.path(), covering(id)));
                    break;
                }
            }
            chunk.data.push(bytes);
        }
        chunk
    }

    /// Without entries: the tree from the level-0 tiles, compared with the
    /// tiles above them.
    fn hashes_only(&mut self, progress: &mut dyn FnMut(u64, u64)) {
        let tiles = self.size.div_ceil(TILE_WIDTH as u64);
        for index in 0..tiles {
            let width = (self.size - index * TILE_WIDTH as u64).min(TILE_WIDTH as u64) as u16;
            let id = TileId {
                level: TileLevel::Hashes(0),
                index,
                width,
            };
            let Some(bytes) = self.read(id, usize::from(width) * 32) else {
                self.stopped = true;
                return;
            };
            self.tiles += 1;
            if bytes.len() != usize::from(width) * 32 {
                self.tile_problem(format!(
                    "{} holds {}, not {} hashes{}",
                    id.path(),
                    crate::files::size_read(bytes.len(), usize::from(width) * 32),
                    width,
                    covering(id)
                ));
                self.stopped = true;
                return;
            }
            for h in bytes.chunks_exact(32) {
                self.push(Hash::from_slice(h).unwrap_or(Hash::ZERO));
            }
            progress(self.tiler.size().0, self.size);
        }
    }

    /// Stage 2 for one entry: every check that needs the entries before it.
    /// `leaf`: the entry's leaf in the tiles' tree, when the tiles make the
    /// checkpoint's root ([`Monitor::tiles_first`]). The tree, the chain
    /// and the references then go by that leaf (the signed tree's entry
    /// hash), and an entry whose bytes do not hash to it is a fault of its
    /// bundle, named as such: the entry's own checks then say what in it
    /// is wrong, and the entries after it are judged as the tree has them.
    fn entry(&mut self, p: &Prepared, leaf: Option<&Hash>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.h.frontier_root = Some((self.tiler.size().0, self.tiler.root()));
        let hash = match leaf {
            Some(leaf) if *leaf != p.hash => {
                let bundle = bundle_id(seq / TILE_WIDTH as u64, self.size);
                let tile = TileId {
                    level: TileLevel::Hashes(0),
                    ..bundle
                };
                // A signed, well-formed entry of this log at that seq is no
                // stray byte: another history's (the log signed two, and
                // this bundle is left from the other), and deleting it, as
                // the damage's hint says, would throw the evidence away.
                let signed = p.parsed.as_ref().is_ok_and(|e| e.header.log == self.origin)
                    && matches!(p.sig, Ok((_, Ok(()))));
                // Unless it says another seq: then it is this history's
                // own entry out of its place (bundles swapped or copied
                // over), which a fork's entry at this seq would not say.
                let moved = match &p.parsed {
                    Ok(e) if signed && e.header.seq.0 != seq => Some(e.header.seq),
                    _ => None,
                };
                match (signed, moved) {
                    (true, Some(said)) => self.mismatch(format!(
                        "{}: entry {seq} does not hash to leaf {seq} of the signed tree (in {}, whose hash tiles make the checkpoint's root): it holds a signed entry of this log that says it is entry {said}, out of its place (files swapped or copied over one another), not another history",
                        bundle.path(),
                        tile.path()
                    )),
                    (true, None) => self.tile_problem(format!(
                        "{}: entry {seq} does not hash to leaf {seq} of the signed tree (in {}, whose hash tiles make the checkpoint's root), yet it is a well-formed entry of this log whose signature verifies: another history of the log at that entry (a fork, or a copy of another log under this one's name), not damage; keep the file as evidence",
                        bundle.path(),
                        tile.path()
                    )),
                    (false, _) => self.mismatch(format!(
                        "{}: entry {seq} does not hash to leaf {seq} of the signed tree (in {}, whose hash tiles make the checkpoint's root): the file is damaged",
                        bundle.path(),
                        tile.path()
                    )),
                }
                *leaf
            }
            Some(leaf) => *leaf,
            None => p.hash,
        };
        let prev = std::mem::replace(&mut self.prev, hash);
        let s = Some(seq);
        if !p.framing {
            self.problem(
                s,
                None,
                None,
                Check::Canonical,
                "the bundled entry is not string(payload) || string(signature)",
            );
            self.push(hash);
            return;
        }
        let parsed = match &p.parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                self.problem(s, p.guessed, None, e.check(), e.detail());
                match &p.sig {
                    Err(e) => self.problem(s, p.guessed, None, Check::Signature, e.as_str()),
                    Ok((_, Err(e))) => self.problem(
                        s,
                        p.guessed,
                        None,
                        Check::Signature,
                        format!("{e} {}", sigcheck::CHANGED_AFTER_SIGNING),
                    ),
                    Ok((_, Ok(()))) => {}
                }
                // Its id number is still taken, as in verify (which goes by
                // the kind column; here, by the kind the bytes name).
                if let Some(k) = p.guessed.and_then(Kind::creates) {
                    self.h.items[k.index()].push(None);
                }
                self.push(hash);
                return;
            }
        };
        let h = &parsed.header;
        let kind = Some(h.kind);
        let id = parsed.body.creates().map(|k| {
            let list = &mut self.h.items[k.index()];
            list.push(None);
            ItemId::new(k, list.len() as u64)
        });
        if h.seq.0 != seq {
            self.problem(
                s,
                kind,
                id,
                Check::Sequence,
                format!("payload seq {} is not its place in the tree ({seq})", h.seq),
            );
        }
        let of_this_log = h.log == self.origin;
        if !of_this_log {
            let d = format!(
                "log `{}` is not the checkpoint's origin `{}`",
                crate::text::escape(&h.log),
                crate::text::escape(&self.origin)
            );
            self.problem(s, kind, id, Check::Header, d);
        }
        if h.prev != prev {
            self.problem(
                s,
                kind,
                id,
                Check::Chain,
                crate::verify::chain_detail(&h.prev, seq, &prev),
            );
        }
        // As verify: the key inside the SSHSIG must be the signer's
        // enrolled key.
        let auth = match rules::authorize(&self.h, h, &parsed.body) {
            Ok(a) => a,
            Err(e) => Err(Violation {
                check: Check::Authorization,
                detail: e.to_string(),
                hint: None,
            }),
        };
        let enrolled: Option<Option<[u8; 32]>> = match &auth {
            Ok(info) => Some(info.public.ed25519_bytes()),
            Err(_) => self.h.keys.get(&h.signer).map(|k| k.public.ed25519_bytes()),
        };
        // As verify: only an authentic entry (signed by the key it names,
        // for this log) changes the state later entries are judged by.
        let mut valid = of_this_log;
        if let Some(d) = sigcheck::judge(&p.sig, enrolled) {
            self.problem(s, kind, id, Check::Signature, d);
            valid = false;
        }
        if let Err(Violation { check, detail, .. }) = auth {
            // As verify: the entries a key signs that only a failed entry
            // enrolled are said once, with that entry ([`crate::verify::Unenrolled`]).
            let enrolled = self.h.keys.contains_key(&h.signer);
            if let Some(d) = self
                .unenrolled
                .authorization(seq, &h.signer, enrolled, detail)
            {
                self.problem(s, kind, id, check, d);
            }
            valid = false;
        }
        match rules::check_body(&self.h, h, &parsed.body) {
            Ok(Ok(())) => {}
            Ok(Err(Violation { check, detail, .. })) => {
                self.problem(s, kind, id, check, detail);
                valid = false;
            }
            Err(e) => {
                self.problem(s, kind, id, Check::Body, e.to_string());
                valid = false;
            }
        }
        self.push(hash);

        // Every item is remembered (references to it are judged by seq and
        // hash, as in verify); state changes only from entries that passed.
        if let Some(id) = id {
            self.h.items[id.kind.index()][id.n as usize - 1] = Some((Seq(seq), hash));
            let signer = self.h.signer_number(&h.signer);
            match &parsed.body {
                Body::SourceAdd(b) => {
                    set_nth(&mut self.h.sources, id.n, (b.sha256, b.length));
                    set_nth(&mut self.h.source_signers, id.n, signer);
                }
                Body::ClaimAdd(_) => set_nth(&mut self.h.claim_signers, id.n, signer),
                Body::AnnotationAdd(b) => {
                    set_nth(&mut self.h.annotations, id.n, (b.claim.id.n, signer))
                }
                _ => {}
            }
        }
        if !valid {
            self.unenrolled.failed(seq, h, &parsed.body);
        }
        if valid {
            match &parsed.body {
                Body::LogInit(_) | Body::KeyAdd(_) | Body::KeyRevoke(_) => {
                    rules::apply_key_change(&mut self.h.keys, h, &parsed.body);
                }
                Body::SourceAdd(b) => {
                    let n = id.map_or(0, |i| i.n);
                    self.h.source_shas.entry(b.sha256).or_insert(n);
                }
                Body::SourceRedact(b) => {
                    self.h.redacted.insert(b.source.id.n);
                }
                Body::SourceAmend(_) => self.counts.source_amendments += 1,
                Body::ClaimRetract(b) => {
                    self.h.retracted.insert(b.claim.id.n, Seq(seq));
                }
                Body::AnnotationRetract(b) => {
                    self.h
                        .retracted_annotations
                        .insert(b.annotation.id.n, Seq(seq));
                }
                Body::CheckpointAdd(b) => {
                    self.counts.checkpoints += 1;
                    self.counts.latest_checkpoint = Some(TreeSize(b.size));
                }
                _ => {}
            }
        }
    }

    fn finish(
        mut self,
        note_path: PathBuf,
        note: &SignedNote,
        cp: Checkpoint,
        vkeys: &[VerifierKey],
        kept: &[KeptNote],
    ) -> Result<(PublishedReport, bool)> {
        // The bool: whether the report stands. The tiles' tree is the
        // signed one only if the checkpoint is signed (by a key given,
        // else by an admin the entries enroll): when it is not, and
        // entries disagree with the tiles, nothing says which of the two
        // is the log's, and the caller judges the entries' tree instead.
        let with_entries = self.with_entries;
        // The partial tiles of this size (a full tile was compared when it
        // was completed).
        if !self.stopped {
            self.compare_partials();
            self.earlier_tiles();
        }
        if let Some(e) = self.local.take() {
            return Err(e);
        }
        let size = self.tiler.size();
        // The directory's own checkpoint is judged as a kept one is: by a
        // key the entries enrolled, live at its size, and by its root.
        let name = note_path.display().to_string();
        let mut notes = vec![(name.clone(), note.clone(), cp.clone())];
        notes.extend(kept.iter().cloned());
        let roots: BTreeMap<u64, Hash> = self
            .roots_at
            .iter()
            .filter_map(|(s, r)| r.map(|r| (*s, r)))
            .collect();
        let keys: Vec<Rc<KeyInfo>> = self.h.keys.values().cloned().collect();
        let mut signed_by = Vec::new();
        let mut checkpoints = Vec::new();
        // Whether an admin the entries enroll signed the directory's
        // checkpoint, live at its size, over the tree at hand.
        let mut own_signed = false;
        // A hash tile that does not hold the entries' tree, when the
        // entries make the checkpoint's root, is a damaged file, and is
        // told how to get a good copy.
        if with_entries && roots.get(&cp.size.0) == Some(&cp.root) {
            if let Some(p) = self
                .tile_mismatches
                .first()
                .and_then(|&i| self.problems.get_mut(i))
            {
                p.detail = format!("{}: the file is damaged ({RECOVER})", p.detail);
            }
        }
        if with_entries && !self.stopped {
            let tree = crate::verify::Trees::Log {
                current: size,
                roots: &roots,
            };
            let (mut checks, problems) =
                crate::verify::judge_kept(&cp.origin, &tree, &notes, &keys);
            self.problems.extend(problems);
            let own = checks.remove(0);
            own_signed = own.status == CheckpointStatus::Consistent;
            signed_by = own.signed_by;
            checkpoints = checks;
        } else if !self.stopped {
            if roots.get(&cp.size.0) != Some(&cp.root) {
                self.problem(
                    None,
                    None,
                    None,
                    Check::Checkpoint,
                    format!(
                        "the tiles make a tree of {size} whose root is not the checkpoint's root"
                    ),
                );
            }
            // Without entries, the kept checkpoints are judged by the
            // verifier keys given (no entry enrolls anyone here) and by
            // the roots the tiles make at their sizes: a rolled-back or
            // forked directory is what a witness keeps them to catch.
            let (checks, problems) = crate::verify::judge_kept_by(
                &cp.origin,
                &crate::verify::Trees::Log {
                    current: size,
                    roots: &roots,
                },
                kept,
                crate::verify::Signers::Given(vkeys),
            );
            self.problems.extend(problems);
            checkpoints = checks;
        }
        // The enrolled keys its lines are judged by: those the log had at
        // the checkpoint's size.
        let enrolled: Vec<crate::checkpoint::VerifierKey> =
            crate::rules::note_verifiers(&keys, &cp.origin, cp.size.0)
                .into_iter()
                .map(|(k, _)| k)
                .collect();
        let mut anchored = false;
        if !vkeys.is_empty() {
            // The log's own signature by a key given; a cosigner's key
            // beside it does not anchor the directory alone.
            // With entries, judged beside them (`verify::given_beside`): a
            // key given that the log revoked by this size anchors nothing
            // and names no signer (it headed the report as "signed by" the
            // origin, above the problem that called the checkpoint
            // unsigned), and what the log's own keys make of the note is
            // the problem the directory's own checkpoint got above.
            let judged = match with_entries {
                true => crate::verify::given_beside(note, &cp.origin, cp.size.0, vkeys, &keys)
                    .map_err(|e| match e {
                        crate::verify::NotBeside::Note(e) => Some(e),
                        // Said with the directory's own checkpoint above,
                        // unless the replay stopped before it was judged:
                        // said here then.
                        other => {
                            if self.stopped {
                                let detail = other.detail(cp.size.0);
                                self.problem(
                                    None,
                                    None,
                                    None,
                                    Check::Checkpoint,
                                    format!("{name} is {detail}"),
                                );
                            }
                            None
                        }
                    }),
                false => crate::checkpoint::verify_log_note(note, &cp.origin, vkeys).map_err(Some),
            };
            match judged {
                Err(None) => {}
                Ok(v) => {
                    anchored = true;
                    // Without entries there are no enrolled names to give:
                    // the verifier keys' names are all there is.
                    if !with_entries {
                        signed_by = v.signatures.into_iter().map(|s| s.name).collect();
                    } else if self.stopped {
                        // The directory's own checkpoint was not judged
                        // (the replay stopped): every signer is named
                        // here, as the entries read name them. It named
                        // none but a witness, and the header said the
                        // checkpoint was "not accepted".
                        signed_by = named_signers(&v, &keys, &cp);
                    } else {
                        // A witness given with --vkey, whom the log does
                        // not enroll, is named by its key's name (the
                        // enrolled are named above, by their names).
                        signed_by.extend(
                            v.signatures
                                .into_iter()
                                .filter(|s| {
                                    !enrolled
                                        .iter()
                                        .any(|k| k.name() == s.name && k.key_id() == s.key_id)
                                })
                                .map(|s| s.name),
                        );
                    }
                }
                Err(Some(e)) => {
                    // The log's entries may say why: the key given was an
                    // admin's, rotated since (an auditor's vkey file from
                    // before the desk changed its admin key).
                    let rotated = match with_entries {
                        true => rotated_from(vkeys, &keys, &cp.origin)
                            .map(|(old, revoked)| {
                                format!(
                                    " (the key given is that of {}, an admin whose key this log revoked at entry {revoked}; this checkpoint is signed by {}: if you trust that change of key, get the new verifier key from the desk, apart from this directory, and check again)",
                                    crate::text::escape(&old),
                                    crate::text::escape(&signed_by.join(", "))
                                )
                            })
                            .filter(|_| !signed_by.is_empty()),
                        false => None,
                    };
                    self.problem(
                        None,
                        None,
                        None,
                        Check::Checkpoint,
                        format!(
                            "{name} is not signed by the verifier key given: {}{}",
                            other_name(&e, vkeys).unwrap_or_else(|| e.to_string()),
                            rotated.unwrap_or_default()
                        ),
                    )
                }
            }
        }
        if !self.stopped {
            self.reword_unsigned(&notes, &mut checkpoints, &keys, vkeys);
            self.kept_partials(&checkpoints);
        } else if with_entries && vkeys.is_empty() {
            // The replay stopped (a bundle missing or damaged) before the
            // checkpoint could be judged against every entry; its
            // signature is still judged, by the admins the entries read
            // enroll (one enrolled among those not read is not known).
            let enrolled = crate::rules::note_verifiers(&keys, &cp.origin, cp.size.0)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>();
            if let Ok(v) = crate::checkpoint::verify_log_note(note, &cp.origin, &enrolled) {
                signed_by = named_signers(&v, &keys, &cp);
                own_signed = true;
            }
        }
        // Lines by neither those nor a key given were not checked: a key
        // revoked before the checkpoint, or enrolled after, among them.
        let unchecked_lines = note.lines_unchecked_by(enrolled.iter().chain(vkeys));
        let h = &self.h;
        self.counts.keys = h.keys.len() as u64;
        self.counts.revoked_keys = h.keys.values().filter(|k| k.revoked.is_some()).count() as u64;
        self.counts.sources = h.items[0].len() as u64;
        self.counts.redacted_sources = h.redacted.len() as u64;
        self.counts.claims = h.items[1].len() as u64;
        self.counts.retracted_claims = h.retracted.len() as u64;
        self.counts.retracted_annotations = h.retracted_annotations.len() as u64;
        self.counts.annotations = h.items[2].len() as u64;
        let mut checks: Vec<&'static str> = CHECKS.iter().map(|c| c.as_str()).collect();
        let mut not_checked: Vec<&'static str> = NOT_CHECKED.iter().map(|c| c.as_str()).collect();
        if !with_entries {
            checks = vec![Check::Tile.as_str(), Check::Checkpoint.as_str()];
            not_checked = CHECKS[1..CHECKS.len() - 1]
                .iter()
                .chain(NOT_CHECKED)
                .map(|c| c.as_str())
                .collect();
        }
        let ok = self.problems.is_empty() && self.more == 0;
        let signed = match vkeys.is_empty() {
            true => own_signed,
            false => anchored,
        };
        let report = PublishedReport {
            dir: self.dir.to_path_buf(),
            origin: Some(cp.origin),
            checkpoint_size: Some(cp.size),
            checkpoint_root: Some(cp.root),
            signed_by,
            unchecked_lines,
            anchored: anchored && ok,
            with_entries,
            entries: with_entries.then_some(self.next_seq),
            tiles: self.tiles.max(self.tiles_read_first),
            bundles: self.bundles,
            earlier_tiles: self.earlier,
            notes: self.notes,
            head: (self.next_seq > 0).then_some(self.prev),
            counts: with_entries.then_some(self.counts),
            checks,
            not_checked,
            ok,
            problems: self.problems,
            more_problems: self.more,
            checkpoints,
        };
        Ok((report, signed || self.mismatched == 0))
    }
}

/// The signers of a checkpoint whose signatures verified (`v`), the log's
/// own first, each named as the entries read name its key (live at the
/// checkpoint's size), else by its key's name.
fn named_signers(
    v: &crate::checkpoint::Verified,
    keys: &[Rc<KeyInfo>],
    cp: &Checkpoint,
) -> Vec<String> {
    let enrolled = crate::rules::note_verifiers(keys, &cp.origin, cp.size.0);
    let mut signatures: Vec<_> = v.signatures.iter().collect();
    signatures.sort_by_key(|s| s.name != cp.origin);
    signatures
        .into_iter()
        .map(|s| {
            enrolled
                .iter()
                .find(|(k, _)| k.name() == s.name && k.key_id() == s.key_id)
                .map_or_else(|| s.name.clone(), |(_, key)| key.name.clone())
        })
        .collect()
}

/// The log's own signatures among those that verified, as `name+keyid`:
/// Ed25519 lines under the origin.
fn log_lines(v: &crate::checkpoint::Verified, origin: &str) -> Vec<String> {
    v.signatures
        .iter()
        .filter(|s| s.key_type == KeyType::Ed25519 && s.name == origin)
        .map(|s| format!("{}+{}", s.name, s.key_id))
        .collect()
}

/// Why a checkpoint is not taken as signed when the entries enroll no
/// admin: `by_given` are the log's lines a key given verified.
fn no_admin_detail(by_given: &[String]) -> String {
    let none = "the entries enroll no admin key (no log.init or admin key.add among them passes claimtrail's rules)";
    let what = "this is not a claimtrail log, or its log.init is damaged";
    match by_given {
        [] => format!(
            "{none}, so none of theirs signed it: {what}; a tlog that is not claimtrail's is checked with --tree-only and its verifier key (--vkey)"
        ),
        keys => format!(
            "it is signed by the verifier key given ({}), but {}, so they do not make that key this log's: {what}; a tlog that is not claimtrail's is checked with --tree-only",
            crate::text::escape(&keys.join(", ")),
            none
        ),
    }
}

/// A note refused as not the log's ([`NoteError::NotSignedByLog`]) that a
/// key given signed as a log signs its notes, Ed25519 (type 0x01), under
/// another name than the checkpoint's origin: the refusal with the rule
/// it breaks, that a log signs its checkpoint under its origin (FORMAT
/// §9.3). The shared words called that signature a cosignature ("a
/// cosignature counts beside the log's signature"), which it is not.
/// `None` for any other refusal, whose words stand.
fn other_name(e: &NoteError, vkeys: &[VerifierKey]) -> Option<String> {
    let NoteError::NotSignedByLog { origin, names } = e else {
        return None;
    };
    let plain = |n: &String| {
        vkeys
            .iter()
            .any(|k| k.name() == n && k.key_type() == KeyType::Ed25519)
    };
    let (notes, cosigners): (Vec<&String>, Vec<&String>) = names.iter().partition(|n| plain(n));
    let list = |v: &[&String]| {
        v.iter()
            .map(|n| crate::text::escape(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let signature = match notes.len() {
        0 => return None,
        1 => format!(
            "the signature by {} is a log's note signature (Ed25519) under a name other than the checkpoint's origin",
            list(&notes)
        ),
        _ => format!(
            "the signatures by {} are log's note signatures (Ed25519) under names other than the checkpoint's origin",
            list(&notes)
        ),
    };
    let cosigned = match cosigners.is_empty() {
        true => String::new(),
        false => format!(
            "; the cosignature by {} counts beside the log's signature, never instead of it",
            list(&cosigners)
        ),
    };
    Some(format!(
        "it is signed by {} but not by the log `{}` itself: {signature}, and a checkpoint is the log's only when signed under its origin (the log's verifier key is the one named `{}`){cosigned}",
        list(&names.iter().collect::<Vec<_>>()),
        crate::text::escape(origin),
        crate::text::escape(origin)
    ))
}

/// The entry bundle `index` of a tree of `size` leaves.
fn bundle_id(index: u64, size: u64) -> TileId {
    TileId {
        level: TileLevel::Entries,
        index,
        width: (size - index * TILE_WIDTH as u64).min(TILE_WIDTH as u64) as u16,
    }
}

/// The tile a path under the directory names (`tile/<L>/<N>[.p/<W>]` or
/// `tile/entries/<N>[.p/<W>]`, as [`TileId::path`] writes them), if it
/// names one.
fn tile_of_path(path: &str) -> Option<TileId> {
    let rest = path.strip_prefix("tile/")?;
    let (level, rest) = rest.split_once('/')?;
    let level = match level {
        "entries" => TileLevel::Entries,
        // tlog-tiles: "L MUST be between 0 and 63".
        l => TileLevel::Hashes(
            l.parse()
                .ok()
                .filter(|l| *l <= MAX_LEVEL)
                .filter(|_| !l.starts_with('+'))?,
        ),
    };
    let (index, width) = match rest.split_once(".p/") {
        Some((i, w)) => {
            let w: u16 = w
                .parse()
                .ok()
                .filter(|w| (1..TILE_WIDTH as u16).contains(w))?;
            (i, w)
        }
        None => (rest, TILE_WIDTH as u16),
    };
    let groups: Vec<&str> = index.split('/').collect();
    let (last, first) = groups.split_last()?;
    let mut n: u64 = 0;
    for g in first {
        n = n
            .checked_mul(1000)?
            .checked_add(three_digits(g.strip_prefix('x')?)?)?;
    }
    n = n.checked_mul(1000)?.checked_add(three_digits(last)?)?;
    let id = TileId {
        level,
        index: n,
        width,
    };
    (id.path() == path).then_some(id)
}

/// The highest tile level tlog-tiles allows.
const MAX_LEVEL: u8 = 63;

/// Why a file under `tile/` names no tile, as tlog-tiles words the rule it
/// breaks where it has one (for a path [`tile_of_path`] does not read).
fn not_a_tile(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = |s: &str| s.len() > 1 && s.starts_with('0');
    let shown = |s: &str| crate::text::escape(s).into_owned();
    if parts.len() < 3 {
        return "tiles are tile/<L>/<N>[.p/<W>] and entry bundles tile/entries/<N>[.p/<W>]".into();
    }
    let level = parts[1];
    if level != "entries" {
        if !digits(level) {
            return format!(
                "its level `{}` is neither a number nor `entries`",
                shown(level)
            );
        }
        if leading_zero(level) {
            return format!(
                "its level `{level}` has a leading zero, which tlog-tiles paths do not have"
            );
        }
        if level
            .parse::<u64>()
            .map_or(true, |l| l > u64::from(MAX_LEVEL))
        {
            return format!(
                "its level L is {level}, and tlog-tiles says L MUST be between 0 and {MAX_LEVEL}"
            );
        }
    }
    let rest = parts[2..].join("/");
    let (index, width) = match rest.split_once(".p/") {
        Some((i, w)) => (i, Some(w)),
        None => (rest.as_str(), None),
    };
    if let Some(w) = width {
        if !digits(w) {
            return format!("its width `{}` is not a number", shown(w));
        }
        if leading_zero(w) {
            return format!(
                "its width `{w}` has a leading zero, which tlog-tiles paths do not have"
            );
        }
        match w.parse::<u64>() {
            Ok(0) => {
                return "it is an empty tile (width 0), and tlog-tiles says empty tiles MUST NOT be served".into()
            }
            Ok(1..=255) => {}
            _ => {
                return format!(
                    "its width W is {w}, and tlog-tiles says W is between 1 and 255 (a full tile's path has no .p/<W>)"
                )
            }
        }
    }
    let groups: Vec<&str> = index.split('/').collect();
    let (last, first) = groups.split_last().unwrap_or((&"", &[]));
    let grouped = three_digits(last).is_some()
        && first
            .iter()
            .all(|g| g.strip_prefix('x').and_then(three_digits).is_some());
    if !grouped {
        return format!(
            "its index `{}` is not N as tlog-tiles writes it (groups of three digits, all but the last prefixed x: x001/234)",
            shown(index)
        );
    }
    if first.first() == Some(&"x000") {
        return format!(
            "its index `{index}` begins with a group of zeroes, and tlog-tiles writes N with no additional leading zeroes"
        );
    }
    "it is not a tile's path".into()
}

fn three_digits(s: &str) -> Option<u64> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The entries a tile or bundle holds, for messages.
fn covering(id: TileId) -> String {
    match id.level {
        TileLevel::Entries => {
            let first = id.index * TILE_WIDTH as u64;
            format!(" (entries {first}..{})", first + u64::from(id.width) - 1)
        }
        TileLevel::Hashes(_) => String::new(),
    }
}

/// Where the entries of a bundle lie in it: `width` of them, each a
/// big-endian u16 length and that many bytes, and nothing after them.
pub(crate) fn split_bundle(
    bytes: &[u8],
    width: u16,
) -> std::result::Result<Vec<std::ops::Range<usize>>, String> {
    let mut out = Vec::with_capacity(usize::from(width));
    let mut at = 0;
    while at < bytes.len() {
        // Bytes after the last entry the width counts: said as such (a
        // byte appended was "ends inside an entry's length").
        if out.len() == usize::from(width) {
            return Err(format!(
                "has {} after its {}",
                crate::text::count((bytes.len() - at) as u64, "byte"),
                crate::text::count(u64::from(width), "entry")
            ));
        }
        let Some(len) = bytes.get(at..at + 2) else {
            return Err("ends inside an entry's length".into());
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let start = at + 2;
        if bytes.len() - start < len {
            return Err(format!("ends inside entry {} of the bundle", out.len() + 1));
        }
        out.push(start..start + len);
        at = start + len;
    }
    if out.len() != usize::from(width) {
        return Err(format!(
            "holds {} where the checkpoint's size needs {width}",
            crate::text::count(out.len() as u64, "entry")
        ));
    }
    Ok(out)
}

/// The admin of the log whose key is among the verifier keys `given`, and
/// the entry that revoked it, if the log revoked one: what a directory's
/// checkpoint signed by a later admin key is checked against when an
/// auditor kept the verifier key from before the desk rotated it.
fn rotated_from(
    given: &[VerifierKey],
    keys: &[Rc<KeyInfo>],
    origin: &str,
) -> Option<(String, crate::model::Seq)> {
    keys.iter().find_map(|k| {
        let revoked = k.revoked?;
        let vk = k.public.verifying_key();
        let v = crate::rules::note_vkey(origin, k.role, &k.name, vk)?;
        (k.role == crate::model::Role::Admin
            && given
                .iter()
                .any(|g| g.name() == v.name() && g.key_id() == v.key_id()))
        .then(|| (k.name.clone(), revoked))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the tiles and bundles of a tree of `n` made-up leaves into
    /// `dir`, and returns the checkpoint of it.
    fn tiled(dir: &Path, n: u64) -> Checkpoint {
        let mut tiler = Tiler::new(true);
        let mut write = |id: TileId, bytes: &[u8]| -> Result<()> {
            let p = dir.join(id.path());
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
            Ok(())
        };
        for i in 0..n {
            let leaf = format!("leaf {i}").into_bytes();
            let hash = crate::merkle::leaf_hash(&leaf);
            tiler.push(&leaf, hash, &mut write).unwrap();
        }
        let partial: Vec<(TileId, Vec<u8>)> = tiler
            .partial()
            .into_iter()
            .map(|(id, b)| (id, b.to_vec()))
            .collect();
        for (id, b) in partial {
            write(id, &b).unwrap();
        }
        Checkpoint {
            origin: "test.example/log".into(),
            size: tiler.size(),
            root: tiler.root(),
            extensions: Vec::new(),
        }
    }

    /// The hash tiles are the checkpoint's tree only when every one the
    /// size needs is there, each level holds the hashes of the one below,
    /// and they make its root: an entry bundle is not read for that.
    #[test]
    fn the_tiles_make_the_root_or_the_entries_make_the_tree() {
        let d = tempfile::tempdir().unwrap();
        let cp = tiled(d.path(), 300);
        assert!(tiles_make_root(d.path(), &cp, &[]).is_some());
        // Entries play no part: a damaged bundle leaves the tiles' tree.
        std::fs::write(d.path().join("tile/entries/000"), b"damaged").unwrap();
        assert!(tiles_make_root(d.path(), &cp, &[]).is_some());
        // Another root (a fork, or a checkpoint of another tree).
        let other = Checkpoint {
            root: Hash::ZERO,
            ..cp.clone()
        };
        assert!(tiles_make_root(d.path(), &other, &[]).is_none());
        // A level-1 tile that does not hold the hashes of level 0.
        let up = d.path().join("tile/1/000.p/1");
        let good = std::fs::read(&up).unwrap();
        let mut bad = good.clone();
        bad[0] ^= 1;
        std::fs::write(&up, &bad).unwrap();
        assert!(tiles_make_root(d.path(), &cp, &[]).is_none());
        std::fs::write(&up, &good).unwrap();
        // A leaf changed: another root.
        let leaves = d.path().join("tile/0/001.p/44");
        let mut bad = std::fs::read(&leaves).unwrap();
        bad[0] ^= 1;
        std::fs::write(&leaves, &bad).unwrap();
        assert!(tiles_make_root(d.path(), &cp, &[]).is_none());
        // A tile missing.
        std::fs::remove_file(&leaves).unwrap();
        assert!(tiles_make_root(d.path(), &cp, &[]).is_none());
    }

    #[test]
    fn bundles_split_into_exactly_their_entries() {
        let b = [0, 2, b'a', b'b', 0, 0, 0, 1, b'c'];
        assert_eq!(split_bundle(&b, 3).unwrap(), vec![2..4, 6..6, 8..9]);
        assert_eq!(
            split_bundle(&b, 2).unwrap_err(),
            "has 3 bytes after its 2 entries"
        );
        assert_eq!(
            split_bundle(&[0, 1, b'a', 0], 1).unwrap_err(),
            "has 1 byte after its 1 entry"
        );
        assert!(split_bundle(&b[..8], 3)
            .unwrap_err()
            .contains("inside entry 3"));
        assert!(split_bundle(&b[..5], 3)
            .unwrap_err()
            .contains("inside an entry's length"));
        assert_eq!(
            split_bundle(&[], 0).unwrap(),
            Vec::<std::ops::Range<usize>>::new()
        );
    }

    #[test]
    fn tile_paths_read_back_as_the_tiles_they_name() {
        for id in [
            bundle_id(0, 300),
            bundle_id(1, 300),
            TileId {
                level: TileLevel::Hashes(2),
                index: 1_234_067,
                width: 17,
            },
            TileId {
                level: TileLevel::Hashes(0),
                index: 999,
                width: 256,
            },
            TileId {
                level: TileLevel::Hashes(MAX_LEVEL),
                index: 0,
                width: 1,
            },
        ] {
            assert_eq!(tile_of_path(&id.path()), Some(id), "{}", id.path());
        }
        for bad in [
            "tile/0/1",
            "tile/0/001.p/256",
            "tile/0/001.p/0",
            "tile/0/001.p/07",
            "tile/+1/001",
            "tile/0/x1/000",
            "tile/0/001/000",
            "tile/0/x000/001",
            "tile/data/000",
            "tile/64/000.p/1",
            "tile/00/000",
            "checkpoint",
        ] {
            assert_eq!(tile_of_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn bundle_ids_and_what_they_cover() {
        assert_eq!(bundle_id(0, 300).width, 256);
        assert_eq!(bundle_id(1, 300).width, 44);
        assert_eq!(bundle_id(1, 300).path(), "tile/entries/001.p/44");
        assert_eq!(covering(bundle_id(1, 300)), " (entries 256..299)");
    }
}
