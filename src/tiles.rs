//! The log published as static files in the C2SP tlog-tiles layout
//! (<https://c2sp.org/tlog-tiles>): the latest checkpoint, the tree's hashes
//! in tiles of 256, and the entries in bundles of 256; and, for readers of
//! the log's earlier checkpoints, their partial tiles until the full ones
//! exist ([`partials_needed`]).
//!
//! Why: a desk that wants outsiders to watch its log needs no server and no
//! claimtrail on their side. The directory is served as it is (any static
//! web host); witnesses cosign its checkpoint and monitors follow its
//! entries with the tools they already run for transparency logs, because
//! DESIGN's tree is RFC 6962 over `SHA-256(0x00 || leaf)` and its
//! checkpoints are C2SP signed notes: the entry hash *is* the tlog-tiles
//! record hash of the leaf, so an entry bundle holds the leaves as they are.
//!
//! What publishing does *not* prove: tiles carry the tree and the signed
//! bytes, not the log's rules (roles, references, quotes). A reader of the
//! tiles learns that the log's admin committed to exactly these entries at
//! this size and, from later checkpoints, that the log only grew; whether
//! each entry was allowed is `verify`'s question, which needs the database
//! (or a bundle). Source texts are not in entries (only their hashes), so
//! they are not published; quotes, speakers and notes are.
//!
//! Nothing is published that does not add up: every leaf is read from
//! `entries`, hashed, and must match its stored hash; the tree the tiles
//! make must have the checkpoint's root, and the checkpoint must verify
//! under an admin key of the log. Files are written into a hidden staging
//! directory first and moved into place only when all of that holds, the
//! checkpoint last, so a reader never sees a checkpoint before its tiles.

use crate::checkpoint::{Checkpoint, SignedNote};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::merkle::TreeSize;
use crate::tree::Frontier;
use std::path::{Path, PathBuf};

/// Hashes in a full tile, and entries in a full bundle.
pub const TILE_WIDTH: usize = 256;

/// The largest entry (leaf) an entry bundle can hold: its length is a
/// big-endian u16.
pub const MAX_BUNDLED_LEAF: usize = u16::MAX as usize;

/// Which tiles: the tree's hashes at a tile level (level L holds the tree's
/// nodes of height 8·L), or the entries themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TileLevel {
    Hashes(u8),
    Entries,
}

/// A tile (or an entry bundle): its level, its index in that level and how
/// many hashes or entries it holds (256 when it is full).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileId {
    pub level: TileLevel,
    pub index: u64,
    pub width: u16,
}

impl TileId {
    /// Whether it holds all 256 hashes or entries it will ever hold.
    pub fn is_full(&self) -> bool {
        usize::from(self.width) == TILE_WIDTH
    }

    /// Its path under the published directory, as the spec names it:
    /// `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, with `<N>` in
    /// groups of three digits, all but the last starting with `x`.
    pub fn path(&self) -> String {
        let mut groups = vec![format!("{:03}", self.index % 1000)];
        let mut n = self.index / 1000;
        while n > 0 {
            groups.push(format!("x{:03}", n % 1000));
            n /= 1000;
        }
        groups.reverse();
        let level = match self.level {
            TileLevel::Hashes(l) => l.to_string(),
            TileLevel::Entries => "entries".to_string(),
        };
        let partial = if self.is_full() {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("tile/{level}/{}{partial}", groups.join("/"))
    }

    /// The number of leaves its contents are a function of: a tree of at
    /// least this size determines it. A directory published at that size or
    /// later already holds it, byte for byte.
    pub fn end(&self) -> u64 {
        let height = match self.level {
            TileLevel::Hashes(l) => 8 * u32::from(l),
            TileLevel::Entries => 0,
        };
        (self.index * TILE_WIDTH as u64 + u64::from(self.width)) << height
    }
}

/// Every tile (and, with `entries`, every entry bundle) in which a tree of
/// `size` leaves is served: at each level, its full tiles and its partial
/// one, if any, level by level and in index order. That is what `publish`
/// writes for the tree (beside the partial tiles of the log's earlier
/// checkpoints, [`partials_needed`], and those it keeps from earlier
/// publishes), and what a tlog-tiles client fetches to read the whole tree.
/// Lazy: a size read from a server may be absurd.
pub fn tree_tiles(size: TreeSize, entries: bool) -> impl Iterator<Item = TileId> {
    let width = TILE_WIDTH as u64;
    let level = move |level: TileLevel, nodes: u64| {
        let full = (0..nodes / width).map(move |index| TileId {
            level,
            index,
            width: width as u16,
        });
        let partial = (!nodes.is_multiple_of(width)).then(|| TileId {
            level,
            index: nodes / width,
            width: (nodes % width) as u16,
        });
        full.chain(partial)
    };
    // Level L holds the nodes of height 8·L: one for each 256^L leaves.
    let hashes = (0u8..8)
        .map(move |l| (l, size.0.checked_shr(8 * u32::from(l)).unwrap_or(0)))
        .take_while(|&(_, nodes)| nodes > 0)
        .flat_map(move |(l, nodes)| level(TileLevel::Hashes(l), nodes));
    let bundles = level(TileLevel::Entries, if entries { size.0 } else { 0 });
    hashes.chain(bundles)
}

/// The partial tiles (and, with `entries`, the partial entry bundle) that
/// a reader of a checkpoint of `size` leaves fetches and that a directory
/// serving the tree of `now` leaves (no smaller) must still serve: those
/// whose full tile the tree of `now` does not have yet. At most one a
/// level, found from the two sizes alone.
///
/// Why: tlog-tiles says "Logs MUST serve partial tiles corresponding to
/// tree sizes for which a checkpoint was produced, but MAY delete any
/// partial tile once the corresponding full tile is either available […]".
/// A client holding a checkpoint signed since the last publish (handed to
/// an auditor, cosigned) reads its tree from these: without them it gets
/// a 404. A partial tile whose full tile exists is not named (the reader
/// takes the full one, as the spec lets it). `publish` writes these for
/// every checkpoint the log stored; `verify-published` asks for them for
/// each checkpoint it is given to keep.
///
/// What it does not say: anything of the tiles' contents (a function of
/// the first leaves of the tree, the same in any tree that extends it).
pub fn partials_needed(
    size: TreeSize,
    now: TreeSize,
    entries: bool,
) -> impl Iterator<Item = TileId> {
    let width = TILE_WIDTH as u64;
    let at = move |level: TileLevel, height: u32| {
        let nodes = size.0.checked_shr(height).unwrap_or(0);
        let nodes_now = now.0.checked_shr(height).unwrap_or(0);
        let index = nodes / width;
        // Partial at `size`, and its full tile not made at `now`.
        (!nodes.is_multiple_of(width) && nodes_now < (index + 1) * width).then(|| TileId {
            level,
            index,
            width: (nodes % width) as u16,
        })
    };
    let hashes = (0u8..8).filter_map(move |l| at(TileLevel::Hashes(l), 8 * u32::from(l)));
    let bundle = entries.then(|| at(TileLevel::Entries, 0)).flatten();
    hashes.chain(bundle)
}

/// Cuts a sequence of leaves into tiles and entry bundles as they come:
/// memory is a few tiles, whatever the log's size.
pub struct Tiler {
    tree: Frontier,
    /// Hashes waiting for their tile, by tile level.
    hashes: Vec<Vec<u8>>,
    /// Full tiles already made, by tile level.
    made: Vec<u64>,
    /// Entries waiting for their bundle; `None` when entries are left out.
    bundle: Option<(Vec<u8>, u16)>,
    bundles: u64,
}

impl Tiler {
    /// With `entries`, bundles of the leaves too; without, hashes only.
    pub fn new(entries: bool) -> Tiler {
        Tiler {
            tree: Frontier::default(),
            hashes: Vec::new(),
            made: Vec::new(),
            bundle: entries.then(|| (Vec::new(), 0)),
            bundles: 0,
        }
    }

    pub fn size(&self) -> TreeSize {
        self.tree.size()
    }

    /// The RFC 6962 root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// Adds the next leaf, given with its leaf hash; hands each tile it
    /// completes to `full`. A leaf too long for a bundle is refused, naming
    /// it, when bundles are made.
    pub fn push(
        &mut self,
        leaf: &[u8],
        hash: Hash,
        full: &mut dyn FnMut(TileId, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let index = self.tree.size().0;
        if let Some((bundle, count)) = &mut self.bundle {
            let len = u16::try_from(leaf.len()).map_err(|_| {
                Error::invalid(
                    format!(
                        "entry {index} is {} bytes: a tlog-tiles entry bundle holds entries of at most {} bytes",
                        crate::text::grouped(leaf.len() as u64),
                        crate::text::grouped(MAX_BUNDLED_LEAF as u64)
                    ),
                    "publish the tree without its entries (`--no-entries`): witnesses need only the checkpoint and the hash tiles",
                )
            })?;
            bundle.extend_from_slice(&len.to_be_bytes());
            bundle.extend_from_slice(leaf);
            *count += 1;
            if usize::from(*count) == TILE_WIDTH {
                let id = TileId {
                    level: TileLevel::Entries,
                    index: self.bundles,
                    width: *count,
                };
                full(id, bundle)?;
                bundle.clear();
                *count = 0;
                self.bundles += 1;
            }
        }
        let completed = self.tree.push(hash);
        self.add(0, &hash, full)?;
        for (height, _, node) in completed {
            if height.is_multiple_of(8) {
                self.add((height / 8) as u8, &node, full)?;
            }
        }
        debug_assert_eq!(self.tree.size().0, index + 1);
        Ok(())
    }

    fn add(
        &mut self,
        level: u8,
        hash: &Hash,
        full: &mut dyn FnMut(TileId, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let l = usize::from(level);
        if self.hashes.len() <= l {
            self.hashes.resize_with(l + 1, Vec::new);
            self.made.resize(l + 1, 0);
        }
        self.hashes[l].extend_from_slice(&hash.0);
        if self.hashes[l].len() == TILE_WIDTH * 32 {
            let id = TileId {
                level: TileLevel::Hashes(level),
                index: self.made[l],
                width: TILE_WIDTH as u16,
            };
            full(id, &self.hashes[l])?;
            self.hashes[l].clear();
            self.made[l] += 1;
        }
        Ok(())
    }

    /// The partial tiles of the tree as it stands (at most one per level,
    /// and one bundle): the rest of what a reader of this size needs.
    pub fn partial(&self) -> Vec<(TileId, &[u8])> {
        let mut out = Vec::new();
        for (l, hashes) in self.hashes.iter().enumerate() {
            if !hashes.is_empty() {
                let id = TileId {
                    level: TileLevel::Hashes(l as u8),
                    index: self.made[l],
                    width: (hashes.len() / 32) as u16,
                };
                out.push((id, hashes.as_slice()));
            }
        }
        if let Some((bundle, count)) = &self.bundle {
            if *count > 0 {
                let id = TileId {
                    level: TileLevel::Entries,
                    index: self.bundles,
                    width: *count,
                };
                out.push((id, bundle.as_slice()));
            }
        }
        out
    }
}

/// The mark a publish leaves in its directory when a move into place
/// failed halfway (see [`publish`]); named as its staging directories are,
/// so that `verify-published` reads it as a publish stopped there.
const PUBLISH_PLACING: &str = ".claimtrail-publish-placing";

/// What `publish` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// Publish the entries (bundles) as well as the hash tiles.
    pub entries: bool,
    /// A checkpoint note to publish instead of the latest stored one: one
    /// of the log's checkpoints with auditors' cosignatures added
    /// (`checkpoint cosign --out`), so that readers of the directory see
    /// who vouched for the tree.
    pub note: Option<Vec<u8>>,
    /// Where that note was read from, to name it in a hint.
    pub note_file: Option<std::path::PathBuf>,
}

/// What a publish did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Published {
    pub dir: PathBuf,
    /// The log's origin, the first line of the checkpoint published.
    pub origin: String,
    /// The tree published: the latest checkpoint's.
    pub size: TreeSize,
    pub root: Hash,
    /// The `checkpoint.add` entry whose note is published.
    pub checkpoint_entry: crate::model::Seq,
    pub signer_name: String,
    /// The entry that revoked the checkpoint signer's key since, if one
    /// did: `key vkey` no longer lists it, so a monitor given the log's
    /// current keys refuses the directory's checkpoint.
    pub signer_revoked_at: Option<crate::model::Seq>,
    pub time: String,
    /// Auditors' cosignatures on the published note, each verified.
    pub cosignatures: usize,
    /// The tree the directory held before, if any.
    pub previous: Option<TreeSize>,
    /// Hash tiles and entry bundles written, and their bytes.
    pub tiles_written: u64,
    pub bundles_written: u64,
    pub bytes_written: u64,
    /// Tiles and bundles already there from an earlier publish, left as
    /// they are.
    pub kept: u64,
    /// Partial tiles an earlier publish left whose full tile this tree
    /// has, and which were not its start (damaged since): removed, as
    /// tlog-tiles allows once the full tile is served.
    pub removed: Vec<String>,
    /// Where the `tile/` of a directory that held no checkpoint was moved
    /// (`set_aside_stray_tiles`), if it held one.
    pub set_aside: Option<PathBuf>,
    /// The log's earlier checkpoints (smaller than this one) whose partial
    /// tiles the directory serves beside this tree's, because their full
    /// tiles do not exist yet: a reader holding one of them fetches those
    /// ([`partials_needed`]). Written now, or kept from an earlier publish.
    pub earlier_checkpoints: u64,
    /// Files of an earlier publish that no longer held what it wrote,
    /// written again (paths under the directory).
    pub replaced: Vec<String>,
    /// Whether entry bundles were published (not `--no-entries`): the
    /// name `verify-published --json` gives the same fact.
    pub with_entries: bool,
    /// Staging directories that killed publishes left in the directory,
    /// removed ([`crate::interrupt::sweep`]): they sat in the web root.
    pub leftovers_removed: Vec<PathBuf>,
}

/// Publishes the tree of the log's latest checkpoint into `dir` (made if
/// missing): new or empty, or where this log was published before, in
/// which case only what changed is written. The partial tiles of every
/// smaller checkpoint the log stored whose full tiles the tree does not
/// have yet are written too ([`partials_needed`]): a publish once a day
/// after several checkpoints served none of theirs. `progress(done, total)` follows
/// the leaves.
pub fn publish(
    store: &crate::store::Store,
    dir: &Path,
    opts: Options,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Published> {
    let conn = store.conn();
    let origin = store.origin()?;
    // One snapshot for the whole run: its own, or the one a store opened
    // to read an older log holds already (`Store::open_to_read`).
    let own = crate::store::snapshot(conn)?;
    let tx: &rusqlite::Connection = own.as_deref().unwrap_or(conn);
    let admins = |at: TreeSize| -> Result<Vec<crate::checkpoint::VerifierKey>> {
        Ok(crate::tree::verifier_keys(tx, &origin, Some(at.0))?
            .into_iter()
            .filter(|k| k.key.role == crate::model::Role::Admin)
            .map(|k| k.vkey)
            .collect())
    };
    let (latest, note_bytes, cosignatures) = match &opts.note {
        None => {
            let latest = crate::query::latest_checkpoint(tx)?.ok_or_else(|| {
                Error::invalid(
                    "the log has no checkpoint yet: there is no signed tree to publish",
                    "an admin signs one first: `claimtrail checkpoint`",
                )
            })?;
            // The stored note is a projection row: it is published only if
            // it is an admin's signature of this log's tree at its size (the
            // root is checked against the leaves below).
            let opened =
                crate::checkpoint::open_checkpoint(latest.note.as_bytes(), &admins(latest.size)?)
                    .map_err(|e| e.to_string())
                    .and_then(|(cp, _)| {
                        if cp.origin != origin || cp.size != latest.size || cp.root != latest.root {
                            Err("its text differs from the checkpoint's row".to_string())
                        } else {
                            Ok(cp)
                        }
                    });
            if let Err(why) = opened {
                return Err(Error::Damaged(format!(
                    "the checkpoint stored at entry {} does not verify as this log's ({why})",
                    latest.seq
                )));
            }
            let bytes = latest.note.clone().into_bytes();
            (latest, bytes, 0)
        }
        Some(bytes) => {
            let g = given(tx, &origin, bytes, opts.note_file.as_deref())?;
            (g.stored, bytes.clone(), g.cosignatures)
        }
    };
    let note_bytes = note_bytes.as_slice();
    let size = latest.size;
    // What the directory holds is checked first (a file where the
    // directory should be, another log's tiles), then again under the lock.
    previous(dir, &origin, size, opts.note.is_some(), &admins)?;
    let mut made = MadeDir::make(dir)?;
    // One publish at a time into a directory, from the check of what it
    // holds to the checkpoint's rename: a slower publish of an older tree
    // that checked before a newer one was written would then put its
    // checkpoint back over it, and every monitor would see a rollback.
    let _one_at_a_time = lock_dir(dir)?;
    let previous = previous(dir, &origin, size, opts.note.is_some(), &admins)?;
    let set_aside = match previous {
        None => set_aside_stray_tiles(dir, ".claimtrail-publish-stray")?,
        Some(_) => None,
    };

    let staging = tempfile::Builder::new()
        .prefix(".claimtrail-publish-")
        .tempdir_in(dir)
        .map_err(|e| Error::write(dir, &e))?;
    let _held = crate::interrupt::hold_dir(staging.path());
    let _removed = crate::interrupt::remove_on_interrupt(
        staging.path(),
        crate::interrupt::Leftover::Directory,
    );
    let leftovers_removed = crate::interrupt::sweep(
        dir,
        ".claimtrail-publish-",
        "",
        crate::interrupt::Leftover::Directory,
    );
    // The log's earlier checkpoints whose readers still fetch partial
    // tiles of theirs (a checkpoint signed since the last publish, handed
    // to an auditor): tlog-tiles has a log serve them until the full tile
    // exists ([`partials_needed`]), so each is cut when the leaves reach
    // its size. By size alone, from the `checkpoints` rows: a row altered
    // there adds a tile cut from these same leaves, the start of a tile of
    // this tree, which `verify-published` checks as such.
    let mut earlier: std::collections::BTreeMap<u64, Vec<TileId>> = Default::default();
    {
        let mut sizes = tx.prepare(
            "SELECT DISTINCT size FROM checkpoints WHERE size > 0 AND size < ? ORDER BY size",
        )?;
        let mut sizes = sizes.query([size.0 as i64])?;
        while let Some(r) = sizes.next()? {
            let s = TreeSize(r.get::<_, i64>(0)? as u64);
            let ids: Vec<TileId> = partials_needed(s, size, opts.entries).collect();
            if !ids.is_empty() {
                earlier.insert(s.0, ids);
            }
        }
    }
    let mut staged: Vec<(TileId, u64)> = Vec::new();
    let mut kept = 0u64;
    let mut replaced: Vec<String> = Vec::new();
    let old = previous.as_ref().map_or(0, |(cp, _)| cp.size.0);
    // Two checkpoints can need one tile (both sizes in the same level-1
    // node), and the tree's own partial tiles can be an earlier one's.
    let mut seen: std::collections::HashSet<TileId> = Default::default();
    let mut removed: Vec<String> = Vec::new();
    let mut stage = |id: TileId, bytes: &[u8]| -> Result<()> {
        if !seen.insert(id) {
            return Ok(());
        }
        // A full tile: the partial tiles of it that an earlier publish left
        // for readers of earlier checkpoints must be its start. One that is
        // not (damaged since) failed every monitor's check while publish
        // said nothing; tlog-tiles lets a log delete a partial tile once
        // its full tile is served, and a reader then takes the full one.
        if id.is_full() {
            for (partial, width) in partials_of(dir, id) {
                let want = prefix_of(id.level, bytes, width);
                let held =
                    crate::files::read_capped(&partial, want.map_or(0, |w| w.len() as u64) + 1);
                if want.is_none() || held.ok().as_deref() != want {
                    crate::interrupt::hold_off(|| std::fs::remove_file(&partial))
                        .map_err(|e| Error::write(&partial, &e))?;
                    removed.push(format!("{}.p/{width}", id.path()));
                }
            }
        }
        // What the earlier publish wrote is a function of the tree up to its
        // size, which was checked to be this one's prefix: a file there is
        // kept when it holds those bytes, and replaced when it does not (a
        // file damaged or cut short since, which every monitor would fail
        // and no publish would mend). Read once, and at most the bytes
        // wanted and one more.
        if id.end() <= old {
            let there = dir.join(id.path());
            if there.is_file() {
                match crate::files::read_capped(&there, bytes.len() as u64 + 1) {
                    Ok(held) if held == bytes => {
                        kept += 1;
                        return Ok(());
                    }
                    _ => replaced.push(id.path()),
                }
            }
        }
        // Held off, a signal's clean-up finds each file whole and the
        // writing stopped: it removes the staging directory, not a
        // directory that is still being written into.
        let path = staging.path().join(id.path());
        crate::interrupt::hold_off(|| write_new(&path, bytes))?;
        staged.push((id, bytes.len() as u64));
        Ok(())
    };

    let mut tiler = Tiler::new(opts.entries);
    // The root of the tree the directory held, once the leaves reach it.
    let mut old_root = (old == 0).then(|| tiler.root());
    let mut rows =
        tx.prepare("SELECT seq, payload, sig, hash FROM entries WHERE seq < ? ORDER BY seq")?;
    let mut rows = rows.query([size.0 as i64])?;
    while let Some(r) = rows.next()? {
        let n = tiler.size().0;
        let seq: i64 = r.get(0)?;
        if seq as u64 != n {
            return Err(Error::Damaged(format!(
                "entry {n} is missing from the entries table (the next is {seq})"
            )));
        }
        let blob = |i: usize, column: &str| -> Result<&[u8]> {
            r.get_ref(i)?
                .as_blob()
                .map_err(|_| Error::Damaged(format!("entry {n}: its {column} is not a blob")))
        };
        let leaf = crate::entry::leaf(blob(1, "payload")?, blob(2, "sig")?);
        let hash = crate::merkle::leaf_hash(&leaf);
        if blob(3, "hash")? != hash.0 {
            return Err(Error::Damaged(format!(
                "entry {n}: its stored hash is not the hash of its payload and signature"
            )));
        }
        tiler.push(&leaf, hash, &mut stage)?;
        if tiler.size().0 == old {
            old_root = Some(tiler.root());
        }
        if let Some(ids) = earlier.get(&tiler.size().0) {
            for (id, bytes) in tiler.partial() {
                if ids.contains(&id) {
                    stage(id, bytes)?;
                }
            }
        }
        if n.is_multiple_of(4096) {
            progress(n, size.0);
        }
    }
    drop(rows);
    if tiler.size() != size {
        return Err(Error::Damaged(format!(
            "the checkpoint at entry {} commits to {size} entries but the log has {}",
            latest.seq,
            tiler.size()
        )));
    }
    progress(size.0, size.0);
    if tiler.root() != latest.root {
        return Err(Error::Damaged(format!(
            "the entries do not add up to the root of the checkpoint at entry {}",
            latest.seq
        )));
    }
    if let Some((cp, path)) = &previous {
        if old_root != Some(cp.root) {
            return Err(Error::invalid(
                format!(
                    "{} holds a tree of {} entries that is not this log's first {}: the log or the directory was changed",
                    path.display(),
                    cp.size,
                    cp.size
                ),
                format!(
                    "run `claimtrail verify --checkpoint {}` to see which; publish into a new directory meanwhile",
                    crate::text::shell_word(path)
                ),
            ));
        }
    }
    for (id, bytes) in tiler.partial() {
        stage(id, bytes)?;
    }

    let note = staging.path().join("checkpoint");
    write_new(&note, note_bytes)?;
    // Into place: tiles first, the checkpoint last, each by a rename, with
    // an interrupt held off until the checkpoint is in place (renames: a
    // fraction of a second even at a million entries). Ctrl-C among the
    // tiles' renames left the new tree's tiles beside the old checkpoint
    // and removed the staging directory, the one sign that a publish had
    // stopped there: `verify-published` then called the directory rolled
    // back (5 runs of 5). Once the checkpoint is in place the directory is
    // published whole, and an interrupt says so (it died with 143 and no
    // word, and a script took the publish for failed).
    let placing = dir.join(PUBLISH_PLACING);
    let placed = crate::interrupt::commit_then_say(
        || {
            for (id, _) in &staged {
                place(&staging.path().join(id.path()), &dir.join(id.path()))?;
            }
            place(&note, &dir.join("checkpoint"))
        },
        format!(
            "interrupted: {} was published whole before the interrupt (its checkpoint of {} is in place): there is nothing to run again",
            crate::text::escape(&dir.display().to_string()),
            crate::text::count(size.0, "entry")
        ),
    );
    // A move refused halfway (a tile directory another user owns) leaves
    // the moved files beside the old checkpoint, and the staging
    // directory goes: this mark is what then tells `verify-published`
    // (and the reader of its report) that a publish stopped there, and to
    // run it again. The next publish that gets through removes it.
    if placed.is_err() {
        let _ = std::fs::write(&placing, b"");
    }
    placed?;
    let _ = std::fs::remove_file(&placing);
    made.keep();
    // The staging directory goes while its removal on an interrupt is
    // still registered: dropped after that registration, as locals are,
    // a signal between the two left it in the served directory.
    staging.close().map_err(|e| Error::write(dir, &e))?;
    drop(_removed);

    let count = |entries: bool| {
        staged
            .iter()
            .filter(|(id, _)| (id.level == TileLevel::Entries) == entries)
            .count() as u64
    };
    Ok(Published {
        dir: dir.to_path_buf(),
        origin: origin.clone(),
        size,
        root: latest.root,
        checkpoint_entry: latest.seq,
        signer_name: latest.signer_name.clone(),
        signer_revoked_at: crate::query::keys(tx)?
            .into_iter()
            .find(|k| k.fingerprint == latest.signer)
            .and_then(|k| k.revoked_seq),
        time: latest.time.clone(),
        previous: previous.map(|(cp, _)| cp.size),
        tiles_written: count(false),
        bundles_written: count(true),
        bytes_written: staged.iter().map(|(_, b)| b).sum::<u64>() + note_bytes.len() as u64,
        kept,
        replaced,
        removed,
        set_aside,
        earlier_checkpoints: earlier.len() as u64,
        with_entries: opts.entries,
        cosignatures,
        leftovers_removed,
    })
}

/// The partial tiles of the full tile `full` that `dir` holds (`<full>.p/<w>`),
/// with their widths; none when there is no such directory.
fn partials_of(dir: &Path, full: TileId) -> Vec<(PathBuf, u16)> {
    let Ok(read) = std::fs::read_dir(dir.join(format!("{}.p", full.path()))) else {
        return Vec::new();
    };
    read.flatten()
        .filter_map(|e| {
            let w: u16 = e.file_name().to_str()?.parse().ok()?;
            ((1..TILE_WIDTH as u16).contains(&w) && e.path().is_file()).then(|| (e.path(), w))
        })
        .collect()
}

/// The first `width` hashes (32 bytes each) or entries (each a 2-byte
/// length and its bytes) of a full tile's `bytes`: what its partial tile
/// of that width holds. `None` when the tile is shorter than that.
fn prefix_of(level: TileLevel, bytes: &[u8], width: u16) -> Option<&[u8]> {
    match level {
        TileLevel::Hashes(_) => bytes.get(..usize::from(width) * 32),
        TileLevel::Entries => {
            let entries = crate::published::split_bundle(bytes, TILE_WIDTH as u16).ok()?;
            bytes.get(..entries.get(usize::from(width).checked_sub(1)?)?.end)
        }
    }
}

/// A checkpoint note given to publish: one this log stored (its size and
/// root), signed by an admin of the log at that size, with any
/// cosignatures by the log's auditors verified too (a line by a key the log
/// had at that size that does not verify is refused; lines by other keys
/// are left as they are, as signed notes allow).
pub(crate) fn given(
    tx: &rusqlite::Connection,
    origin: &str,
    bytes: &[u8],
    file: Option<&std::path::Path>,
) -> Result<GivenNote> {
    let bad = |what: String| {
        Error::invalid(
            format!("the checkpoint given {what}"),
            "give a checkpoint of this log: the file `checkpoint --out` wrote, or its copy cosigned by `checkpoint cosign --out`",
        )
    };
    let note = SignedNote::parse(bytes).map_err(|e| bad(format!("is not a signed note ({e})")))?;
    let cp =
        Checkpoint::parse(note.text()).map_err(|e| bad(format!("is not a checkpoint ({e})")))?;
    if cp.origin != origin {
        let (theirs, ours) = crate::text::escape_apart(&cp.origin, origin);
        return Err(bad(format!("is of another log (`{theirs}`, not `{ours}`)")));
    }
    let stored = crate::query::checkpoints(tx)?
        .into_iter()
        .find(|c| c.size == cp.size)
        .ok_or_else(|| {
            bad(format!(
                "commits to {}, a tree this log stored no checkpoint of",
                crate::text::count(cp.size.0, "entry")
            ))
        })?;
    if stored.root != cp.root {
        return Err(Error::invalid(
            format!(
                "the checkpoint given has another root than the one this log stored for its first {} entries",
                cp.size
            ),
            match file {
                Some(f) => format!(
                    "the file is of a fork of this log: run `claimtrail verify --checkpoint {}` to see where they differ",
                    crate::text::shell_word(f)
                ),
                None => "the file is of a fork of this log: `claimtrail verify --checkpoint` with it shows where they differ".into(),
            },
        ));
    }
    // The keys the log had at the checkpoint's size, as `verify-published`
    // and verify judge it by (an auditor revoked since is still known),
    // and the keys it has now (an auditor enrolled since, who may cosign
    // an older checkpoint): a line of any of them that fails is refused
    // here, not published for every monitor to refuse.
    let all = crate::tree::verifier_keys_where(tx, origin, &|_| true)?;
    let (keys, dead): (Vec<_>, Vec<_>) = all.into_iter().partition(|k| {
        crate::rules::live_at(k.key.enrolled_seq, k.key.revoked_seq, cp.size.0)
            || k.key.revoked_seq.is_none()
    });
    let keys: Vec<_> = keys.into_iter().map(|k| k.vkey).collect();
    let verified = crate::checkpoint::verify_note(&note, &keys)
        .map_err(|e| bad(format!("does not verify ({e})")))?;
    // A line by a key of the log's that could not sign it (revoked before
    // this checkpoint, not live now): ignored by every check as a stranger's
    // line, it was published unread, whatever it held.
    if let Some(l) = note.signatures().iter().find(|l| {
        dead.iter()
            .any(|k| k.vkey.name() == l.name() && k.vkey.key_id() == l.key_id())
    }) {
        return Err(bad(format!(
            "carries a line by {}, whose key this log revoked before the checkpoint's size",
            crate::text::escape(l.name())
        )));
    }
    let by = |t| {
        verified
            .signatures
            .iter()
            .filter(|s| s.key_type == t)
            .count()
    };
    if by(crate::checkpoint::KeyType::Ed25519) == 0 {
        return Err(bad("is not signed by an admin of this log".into()));
    }
    Ok(GivenNote {
        stored,
        cosignatures: by(crate::checkpoint::KeyType::CosignatureV1),
        unchecked: note.lines_unchecked_by(&keys).len(),
    })
}

/// A checkpoint given as a file ([`given`]), checked against the log.
pub(crate) struct GivenNote {
    /// The checkpoint the log stored of the same tree.
    pub stored: crate::query::CheckpointView,
    /// The auditors' cosignatures on it that verified.
    pub cosignatures: usize,
    /// Its lines by no key of the log's (a witness's, a key the log does
    /// not know), carried unchecked; an admin's line given twice is not
    /// one (it was counted as one, by subtracting one admin line).
    pub unchecked: usize,
}

/// An advisory `flock` on the directory itself, held while the returned
/// file is open: no lock file is served with the tiles. Taken, not waited
/// for: a second publish or mirror (an overlapping cron run) stops at once
/// and says so; the first leaves the directory consistent.
pub(crate) fn lock_dir(dir: &Path) -> Result<std::fs::File> {
    let f = std::fs::File::open(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        reason: crate::keys::io_reason(&e),
    })?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::invalid(
            format!(
                "another claimtrail publish or mirror is writing into {}",
                dir.display()
            ),
            "run this one again once it has finished (readers of the directory see the old tree or the new one meanwhile, and `verify-published` waits for it)",
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::Io {
            path: dir.to_path_buf(),
            reason: crate::keys::io_reason(&e),
        }),
    }
}

/// What `dir` holds now: nothing (it is missing or empty, or holds the
/// tiles of a publish interrupted before its checkpoint), or an earlier
/// publish of this log, whose checkpoint an admin of the log signed, of a
/// tree no larger than `size`. Anything else is refused before a file is
/// written.
fn previous(
    dir: &Path,
    origin: &str,
    size: TreeSize,
    given: bool,
    admins: &dyn Fn(TreeSize) -> Result<Vec<crate::checkpoint::VerifierKey>>,
) -> Result<Option<(Checkpoint, PathBuf)>> {
    let hint = "publish into a new or empty directory, or the one this log was published to";
    let Some((note, cp, path)) = checkpoint_in(dir, hint)? else {
        return Ok(None);
    };
    let bad = |what: String| Error::invalid(format!("{}: {what}", path.display()), hint);
    if cp.origin != origin {
        let (theirs, ours) = crate::text::escape_apart(&cp.origin, origin);
        return Err(bad(format!(
            "a checkpoint of another log (`{theirs}`, not `{ours}`)"
        )));
    }
    // An older checkpoint given (`--checkpoint`) over a directory that
    // holds a later one: the log is fine, the site would go back.
    if cp.size > size && given {
        return Err(Error::invalid(
            format!(
                "{} holds a tree of {} entries, newer than the checkpoint given ({size}): publishing it would roll the directory back",
                path.display(),
                cp.size
            ),
            "give the log's latest checkpoint (or none, which publishes it), or publish into a new directory",
        ));
    }
    if cp.size > size {
        return Err(Error::invalid(
            format!(
                "{} holds a tree of {} entries, more than this log's latest checkpoint ({size})",
                path.display(),
                cp.size
            ),
            format!(
                "the log may have been rolled back: run `claimtrail verify --checkpoint {}`",
                crate::text::shell_word(&path)
            ),
        ));
    }
    crate::checkpoint::verify_note(&note, &admins(cp.size)?)
        .map_err(|e| bad(format!("not signed by an admin of this log ({e})")))?;
    Ok(Some((cp, path)))
}

/// What a directory to publish or mirror into holds: nothing yet (it is
/// missing or empty, or holds the tiles of a run stopped before its
/// checkpoint, which goes last, and claimtrail's hidden staging
/// directories), or a checkpoint, read and parsed, with its path. Anything
/// else is refused, with `hint`, before a file is written.
pub(crate) fn checkpoint_in(
    dir: &Path,
    hint: &str,
) -> Result<Option<(SignedNote, Checkpoint, PathBuf)>> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::invalid(
            format!("{} is a file, not a directory", dir.display()),
            hint,
        ));
    }
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::invalid(
                format!("cannot read {}: {e}", dir.display()),
                hint,
            ))
        }
    };
    no_links_under(dir, hint)?;
    let path = dir.join("checkpoint");
    if !path.is_file() {
        let foreign = listing.filter_map(|e| e.ok()).any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !(name == "tile" || name.starts_with(".claimtrail-"))
        });
        if foreign {
            return Err(Error::invalid(
                format!(
                    "{} is not empty and holds no published checkpoint",
                    dir.display()
                ),
                hint,
            ));
        }
        return Ok(None);
    }
    let bytes = crate::files::read_capped(&path, crate::checkpoint::MAX_NOTE_BYTES as u64)?;
    // Damaged, the file is not another directory's to be avoided: it is
    // this one's, and the way on is to remove it (the tiles beside it are
    // then set aside, and the tree written or fetched anew). The hint
    // named the directory given as the one to use.
    let (note, cp) = crate::checkpoint::read_signed_checkpoint(&bytes).map_err(|e| {
        Error::invalid(
            format!("{}: {e}", path.display()),
            format!(
                "if it is damaged, move it out of the directory (`mv {} {}`) and run the command again: the tiles beside it are then set aside and written anew; or {hint}",
                crate::text::shell_word(&path),
                crate::text::shell_word(std::path::Path::new(&format!(
                    "{}.checkpoint.damaged",
                    dir.display().to_string().trim_end_matches('/')
                )))
            ),
        )
    })?;
    Ok(Some((note, cp, path)))
}

/// Moves the `tile/` of a directory that holds no checkpoint aside, to
/// `DIR/NAME` (or `NAME-2`, `-3`…), before the first tree's files take
/// their places: no checkpoint vouched for those files (a copy, another
/// log's tiles, a run stopped before its checkpoint), and one at a path
/// the tree does not write (another tree's full tile, an earlier size's
/// partial one) was kept and judged for ever, failing `verify-published`
/// (publish of a 20-entry log over another log's 621-entry tiles said
/// nothing, exit 0). Set aside, not removed: they may be someone's.
/// (`NAME` must not be a sweep's prefix and six letters or digits.)
pub(crate) fn set_aside_stray_tiles(dir: &Path, name: &str) -> Result<Option<PathBuf>> {
    let tile = dir.join("tile");
    if std::fs::symlink_metadata(&tile).is_err() {
        return Ok(None);
    }
    let mut n = 1;
    let to = loop {
        let to = match n {
            1 => dir.join(name),
            n => dir.join(format!("{name}-{n}")),
        };
        if std::fs::symlink_metadata(&to).is_err() {
            break to;
        }
        n += 1;
    };
    std::fs::rename(&tile, &to).map_err(|e| Error::write(&tile, &e))?;
    Ok(Some(to))
}

/// Refuses a directory to write into that holds anything but directories
/// and regular files: a symbolic link in it (`DIR/tile` made a link to
/// another directory) had publish and mirror write every tile through it,
/// outside DIR. Links are not followed here (nor is a loop of them).
fn no_links_under(dir: &Path, hint: &str) -> Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(listing) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in listing.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(e.path());
            } else if !kind.is_file() {
                let what = if kind.is_symlink() {
                    "a symbolic link"
                } else {
                    "neither a file nor a directory"
                };
                return Err(Error::invalid(
                    format!(
                        "{} is {what}: publish and mirror write only files and directories of their own in {}",
                        e.path().display(),
                        dir.display()
                    ),
                    format!("remove it (a link would have the tiles written where it leads); {hint}"),
                ));
            }
        }
    }
    Ok(())
}

/// The directory published into, removed again (if still empty) when the
/// publish fails before its checkpoint is in place and the directory did
/// not exist before it: a refused publish leaves nothing behind.
struct MadeDir<'a> {
    path: &'a Path,
    made: bool,
}

impl<'a> MadeDir<'a> {
    fn make(path: &'a Path) -> Result<MadeDir<'a>> {
        let made = !path.exists();
        std::fs::create_dir_all(path).map_err(|e| Error::write(path, &e))?;
        Ok(MadeDir { path, made })
    }

    fn keep(&mut self) {
        self.made = false;
    }
}

impl Drop for MadeDir<'_> {
    fn drop(&mut self) {
        if self.made {
            // Fails, and so keeps it, if anything is in it.
            let _ = std::fs::remove_dir(self.path);
        }
    }
}

/// Writes a new file, its directories made first.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    parent_made(path)?;
    std::fs::write(path, bytes).map_err(|e| Error::write(path, &e))
}

/// Moves a staged file to its place, its directories made first.
pub(crate) fn place(from: &Path, to: &Path) -> Result<()> {
    parent_made(to)?;
    std::fs::rename(from, to).map_err(|e| Error::write(to, &e))
}

fn parent_made(path: &Path) -> Result<()> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, &e)),
        None => Ok(()),
    }
}

/// The complete nodes of the tree of `size` leaves, read from its hash
/// tiles in `dirs` (from the first of them that holds a tile), for
/// [`crate::merkle::root`]: the node at height `8·L + k` is the root of
/// `2^k` hashes of tile level `L`, so a root reads at most one tile per set
/// bit of its size instead of replaying every leaf as `verify-published`
/// does. `mirror` relates the tree a server shows to the one it holds this
/// way, before it takes the server's checkpoint.
///
/// What it does not prove: that the tiles are the tree of any checkpoint,
/// or that they agree with each other or with the entries. A root read
/// from them is the tiles' word until it is compared with a signed root;
/// `verify-published` checks every tile.
pub struct TileNodes<'a> {
    pub dirs: &'a [&'a Path],
    pub size: TreeSize,
}

/// A tile a [`TileNodes`] needed and could not read: its path in the
/// directory, and why.
#[derive(Debug, thiserror::Error)]
#[error("{path} {why}")]
pub struct UnreadTile {
    pub path: String,
    pub why: String,
}

impl TileNodes<'_> {
    /// The tile the node at `(level, index)` of the tree of `self.size`
    /// lies in, the node's height `k` in it, and its index among the
    /// tile's nodes of that height. Which tiles a root reads depends on
    /// the sizes alone, not on what the tiles hold (`mirror` fetches
    /// those a comparison reads before it makes it).
    pub fn tile_of(
        &self,
        level: u32,
        index: u64,
    ) -> std::result::Result<(TileId, u32, u64), UnreadTile> {
        let (tile_level, k) = (level / 8, level % 8);
        let width = TILE_WIDTH as u64;
        // The node's first hash at height 8·L, and the tile it lies in.
        let first = index.checked_shl(k).filter(|f| f >> k == index);
        let nodes = self.size.0.checked_shr(8 * tile_level).unwrap_or(0);
        let (Some(first), Ok(l)) = (first, u8::try_from(tile_level)) else {
            return Err(UnreadTile {
                path: format!("node {level}/{index}"),
                why: format!("lies beyond the tree of {}", self.size),
            });
        };
        let tile = first / width;
        let id = TileId {
            level: TileLevel::Hashes(l),
            index: tile,
            width: nodes.saturating_sub(tile * width).min(width) as u16,
        };
        if first + (1 << k) > nodes {
            return Err(UnreadTile {
                path: id.path(),
                why: format!("lies beyond the tree of {}", self.size),
            });
        }
        Ok((id, k, (first % width) >> k))
    }
}

impl crate::merkle::NodeSource for TileNodes<'_> {
    type Error = UnreadTile;

    fn node(&self, level: u32, index: u64) -> std::result::Result<Hash, UnreadTile> {
        let (id, k, at) = self.tile_of(level, index)?;
        let want = usize::from(id.width) * 32;
        let unread = |why: String| UnreadTile {
            path: id.path(),
            why,
        };
        let found = self
            .dirs
            .iter()
            .map(|d| d.join(id.path()))
            .find(|p| p.is_file());
        let Some(path) = found else {
            return Err(unread("is missing".into()));
        };
        let bytes = crate::files::read_regular_capped(&path, want as u64)
            .map_err(|e| unread(format!("cannot be read ({e})")))?;
        if bytes.len() != want {
            return Err(unread(format!(
                "holds {}, not the {} of {} hashes",
                crate::files::size_read(bytes.len(), want),
                want,
                id.width
            )));
        }
        // The tile's hashes are the leaves of a little tree whose node
        // (k, i) is the node asked for: merkle's own code makes it.
        let hashes: crate::merkle::MemTree = bytes
            .chunks_exact(32)
            .map(|h| Hash::from_slice(h).unwrap_or(Hash::ZERO))
            .collect();
        crate::merkle::NodeSource::node(&hashes, k, at)
            .map_err(|e| unread(format!("does not hold the node ({e})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn tiles_of(leaves: &[Vec<u8>], entries: bool) -> Vec<(TileId, Vec<u8>)> {
        let mut tiler = Tiler::new(entries);
        let mut out = Vec::new();
        for leaf in leaves {
            tiler
                .push(leaf, leaf_hash(leaf), &mut |id, b| {
                    out.push((id, b.to_vec()));
                    Ok(())
                })
                .unwrap();
        }
        out.extend(tiler.partial().into_iter().map(|(id, b)| (id, b.to_vec())));
        out
    }

    /// The root of every prefix of a tree, read from the tiles of the
    /// whole tree, is the root of that prefix's leaves: at tile edges,
    /// across levels (65,536 leaves fill a level-1 tile), and in a tree
    /// whose top tile is partial.
    #[test]
    fn tile_nodes_give_the_root_of_any_prefix() {
        let n = 65_536 + 300;
        let leaves: Vec<Vec<u8>> = (0..n).map(|i: u32| i.to_be_bytes().to_vec()).collect();
        let dir = tempfile::tempdir().unwrap();
        for (id, bytes) in tiles_of(&leaves, false) {
            write_new(&dir.path().join(id.path()), &bytes).unwrap();
        }
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
        let dirs = [dir.path()];
        let tiles = TileNodes {
            dirs: &dirs,
            size: TreeSize(n as u64),
        };
        for m in [0, 1, 2, 255, 256, 257, 511, 1000, 65_535, 65_536, 65_537, n] {
            let want: crate::merkle::MemTree = hashes[..m as usize].iter().copied().collect();
            let got = crate::merkle::root(&tiles, TreeSize(m as u64)).unwrap();
            assert_eq!(got, want.root(), "{m}");
        }
        // A tile not there is named.
        std::fs::remove_file(dir.path().join("tile/0/257.p/44")).unwrap();
        let missing = crate::merkle::root(&tiles, TreeSize(n as u64));
        assert!(
            matches!(missing, Err(crate::merkle::TreeError::Node { ref source, .. }) if source.to_string() == "tile/0/257.p/44 is missing"),
            "{missing:?}"
        );
    }

    /// The spec's examples of paths.
    #[test]
    fn paths_are_the_specs() {
        let t = |level, index, width| {
            TileId {
                level,
                index,
                width,
            }
            .path()
        };
        assert_eq!(
            t(TileLevel::Hashes(0), 1234067, 256),
            "tile/0/x001/x234/067"
        );
        assert_eq!(
            t(TileLevel::Hashes(0), 1234067, 8),
            "tile/0/x001/x234/067.p/8"
        );
        assert_eq!(t(TileLevel::Hashes(2), 0, 1), "tile/2/000.p/1");
        assert_eq!(t(TileLevel::Entries, 1000, 256), "tile/entries/x001/000");
        assert_eq!(t(TileLevel::Hashes(1), 999, 256), "tile/1/999");
    }

    /// The tessera test log (tests/vectors/tessera-log, from
    /// transparency-dev/tessera): its 15 entries cut into the very tile and
    /// bundle that tessera wrote, byte for byte.
    #[test]
    fn the_tessera_log_tiles_alike() {
        let words = [
            "one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven",
            "twelf", "threeten", "fourten", "fivten",
        ];
        let leaves: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        let got = tiles_of(&leaves, true);
        let vector = |p: &str| {
            std::fs::read(format!(
                "{}/tests/vectors/tessera-log/{p}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let paths: Vec<String> = got.iter().map(|(id, _)| id.path()).collect();
        assert_eq!(paths, ["tile/0/000.p/15", "tile/entries/000.p/15"]);
        for (id, bytes) in &got {
            assert_eq!(bytes, &vector(&id.path()), "{}", id.path());
        }
    }

    /// The spec's example: "a tree of size 70,000 will be represented by
    /// 273 full level 0 tiles, one partial level 0 tile of width 112, one
    /// full level 1 tile, one partial level 1 tile of width 17, and one
    /// partial level 2 tile of width 1"; and each level-1 hash is the tree
    /// hash of a full level-0 tile.
    #[test]
    fn a_tree_of_70000_has_the_specs_tiles() {
        let leaves: Vec<Vec<u8>> = (0..70_000u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let got = tiles_of(&leaves, false);
        let count = |level, full: bool| {
            got.iter()
                .filter(|(id, _)| id.level == TileLevel::Hashes(level) && id.is_full() == full)
                .count()
        };
        assert_eq!(count(0, true), 273);
        assert_eq!(count(1, true), 1);
        let partial: Vec<String> = got
            .iter()
            .filter(|(id, _)| !id.is_full())
            .map(|(id, _)| id.path())
            .collect();
        assert_eq!(
            partial,
            ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]
        );
        let mut first = crate::merkle::MemTree::new();
        for leaf in &leaves[..256] {
            first.push(leaf_hash(leaf));
        }
        let level1 = &got
            .iter()
            .find(|(id, _)| id.level == TileLevel::Hashes(1))
            .unwrap()
            .1;
        assert_eq!(&level1[..32], &first.root().0);
        for (id, bytes) in &got {
            assert_eq!(bytes.len(), usize::from(id.width) * 32, "{}", id.path());
            assert!(id.end() <= 70_000, "{}", id.path());
        }
    }

    /// `tree_tiles` names exactly the tiles the tiler makes of a tree, at
    /// sizes around the edges of tiles and levels.
    #[test]
    fn tree_tiles_are_the_tilers() {
        let leaves: Vec<Vec<u8>> = (0..66_000u32).map(|i| i.to_be_bytes().to_vec()).collect();
        for n in [
            0, 1, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 66_000,
        ] {
            for entries in [false, true] {
                let mut made: Vec<TileId> = tiles_of(&leaves[..n], entries)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
                let mut named: Vec<TileId> = tree_tiles(TreeSize(n as u64), entries).collect();
                let key = |id: &TileId| (id.path(), id.index);
                made.sort_by_key(key);
                named.sort_by_key(key);
                assert_eq!(named, made, "size {n}, entries {entries}");
            }
        }
        // Eight levels hold a tree of any size; nothing is made up front.
        let mut huge = tree_tiles(TreeSize(u64::MAX), true);
        assert_eq!(huge.next().unwrap().path(), "tile/0/000");
    }

    /// `partials_needed` names, of the partial tiles a tree of `size`
    /// is served in, exactly those whose full tile the tree of `now` does
    /// not have: at tile edges and across levels.
    #[test]
    fn partials_needed_are_those_whose_full_tile_is_not_made() {
        let sizes = [
            1, 2, 255, 256, 257, 258, 511, 512, 513, 65_535, 65_536, 65_537, 65_792, 66_000,
            131_072, 16_777_217,
        ];
        for (i, &s) in sizes.iter().enumerate() {
            for &now in &sizes[i..] {
                for entries in [false, true] {
                    let full_now: std::collections::HashSet<(TileLevel, u64)> =
                        tree_tiles(TreeSize(now), entries)
                            .filter(TileId::is_full)
                            .map(|t| (t.level, t.index))
                            .collect();
                    let want: Vec<TileId> = tree_tiles(TreeSize(s), entries)
                        .filter(|t| !t.is_full() && !full_now.contains(&(t.level, t.index)))
                        .collect();
                    let got: Vec<TileId> =
                        partials_needed(TreeSize(s), TreeSize(now), entries).collect();
                    assert_eq!(got, want, "{s} at {now}, entries {entries}");
                }
            }
        }
        // The tester's case: 257 at 259 needs tile/0/001.p/1 and the
        // bundle; 255 at 259 nothing (tile/0/000 is full).
        let paths = |s, now| -> Vec<String> {
            partials_needed(TreeSize(s), TreeSize(now), true)
                .map(|t| t.path())
                .collect()
        };
        assert_eq!(
            paths(257, 259),
            ["tile/0/001.p/1", "tile/1/000.p/1", "tile/entries/001.p/1"]
        );
        assert!(paths(255, 259).is_empty());
        assert_eq!(paths(259, 259).len(), 3);
    }

    /// A leaf too long for a bundle is refused by number, and is fine
    /// without bundles.
    #[test]
    fn a_leaf_too_long_for_a_bundle_is_named() {
        let leaves = vec![vec![1u8; 10], vec![2u8; MAX_BUNDLED_LEAF + 1]];
        let mut tiler = Tiler::new(true);
        let mut sink = |_: TileId, _: &[u8]| Ok(());
        tiler
            .push(&leaves[0], leaf_hash(&leaves[0]), &mut sink)
            .unwrap();
        let e = tiler
            .push(&leaves[1], leaf_hash(&leaves[1]), &mut sink)
            .unwrap_err();
        assert!(e.to_string().contains("entry 1 is 65,536 bytes"), "{e}");
        assert_eq!(tiles_of(&leaves, false).len(), 1);
    }
}
