//! Fetches a log published over HTTP(S) (C2SP tlog-tiles, as `publish`
//! writes it and any static host serves it) into a local directory that
//! `verify-published` then checks.
//!
//! Why: a monitor at a distance (a partner newsroom, a court's expert) has
//! the log's address, not its files, and a static tlog-tiles site lists no
//! directory, so `wget -r` finds nothing to follow: the files a tree needs
//! are named by its size alone ([`tree_tiles`]). Fetching and checking are
//! kept apart so that the check is the one `verify-published` makes of any
//! directory, and so that a mirror grows: tiles are immutable (a full tile,
//! or a partial one of a given width, never changes), so a second run
//! fetches only the tiles the tree grew by, and the tiles kept from the
//! earlier size stay where `verify-published` compares them with the tree
//! now: a server that rewrote them is caught.
//!
//! What mirroring does *not* prove: nothing. It checks no signature
//! unless given the log's verifier keys (`--vkey`: then the served
//! checkpoint's, before anything is fetched), and no hash of the files it
//! keeps; it copies what the server answers, and refuses only a
//! checkpoint that is not one, of another log than the mirror's, or that
//! cannot follow the one the mirror holds: of a tree as large but other
//! (a fork by itself), smaller (rolled back, an older copy, or a fork: the
//! held tiles' root at the served size tells which, when they can), or
//! larger but not made of the held tree. That last is read from the
//! served hash tiles before anything takes its place
//! ([`crate::tiles::TileNodes`]: a few tiles, not every leaf): they must make
//! the served root, and their first `held` leaves the held root. A fork
//! that grew past the held tree was otherwise installed over it, and the
//! signed evidence that the log went back on its word was lost. A tile
//! that comparison needs and the server does not serve leaves the
//! directory as it was too: what cannot be shown to extend the held tree
//! is not taken. The refused note is saved beside the tree as evidence.
//! `verify-published` is the check.
//!
//! TLS is not what makes a mirror trustworthy either: the checkpoint's
//! signature and the tiles' hashes are, whoever served them. An https://
//! address still keeps a network in between from swapping what is served
//! (which the check would catch, but only after a wasted fetch) and from
//! seeing what is read. Its server must chain to the Mozilla roots built
//! in, or, for a log served under a newsroom's own certificate authority,
//! to one of the certificates of a `--ca-file` ([`Authorities`]).

use crate::checkpoint::{read_signed_checkpoint, Checkpoint, MAX_NOTE_BYTES};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::merkle::TreeSize;
use crate::tiles::{place, tree_tiles, TileId, TileLevel, MAX_BUNDLED_LEAF, TILE_WIDTH};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Requests in flight at once: tiles are small (8 KiB of hashes, a few
/// hundred KiB of entries), so the time goes in round trips, which
/// parallel connections overlap.
const FETCHERS: usize = 8;

/// Files not served after which the mirror stops asking: the tree cannot
/// be read, and a checkpoint read from the server, which nothing has
/// checked yet, may name a size no server holds.
pub const GIVE_UP: u64 = 1000;

/// What became of one file.
enum Got {
    Kept,
    Fetched(u64),
    NotServed,
    /// Served, but not a tile of its width: why. Not written.
    Damaged(String),
    /// Sent with a content coding claimtrail does not decode (named): the
    /// bytes are not the file. Not written.
    Encoded(String),
}

/// Why `bytes` served as tile `id` cannot be it, if they cannot: a hash
/// tile is its width's hashes, an entry bundle its width's entries. The
/// contents are the check's to judge; this only keeps a server from
/// filling the directory with files of any shape (every one counts
/// towards [`GIVE_UP`]).
fn misshapen(id: TileId, bytes: &[u8]) -> Option<String> {
    match id.level {
        TileLevel::Hashes(_) if bytes.len() != usize::from(id.width) * 32 => Some(format!(
            "{} where a hash tile of width {} has {}",
            crate::text::count(bytes.len() as u64, "byte"),
            id.width,
            usize::from(id.width) * 32
        )),
        TileLevel::Hashes(_) => None,
        TileLevel::Entries => crate::published::split_bundle(bytes, id.width)
            .err()
            .map(|why| format!("not an entry bundle of width {}: it {why}", id.width)),
    }
}

/// What a mirror did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Mirrored {
    /// The address fetched from, as given without its trailing `/`.
    pub url: String,
    pub dir: PathBuf,
    /// The log the server's checkpoint names.
    pub origin: String,
    pub size: TreeSize,
    pub root: Hash,
    /// The tree the directory's checkpoint held before, if any.
    pub previous: Option<TreeSize>,
    /// Hash tiles and entry bundles fetched, and their bytes.
    pub tiles_fetched: u64,
    pub bundles_fetched: u64,
    pub bytes_fetched: u64,
    /// Files the tree needs that the directory held already.
    pub kept: u64,
    /// Files the tree needs that the server does not serve (404), by path.
    pub missing: Vec<String>,
    /// Files the server served, but not as a tile of their width can be
    /// (too large, a bundle with another number of entries, a hash tile
    /// of another length): path and why. None of them was written.
    pub damaged: Vec<(String, String)>,
    /// Files the server sent with a `Content-Encoding` claimtrail does not
    /// decode (not gzip, or x-gzip, its old name): path and the coding,
    /// as sent. None of them was written; their bytes are not the file.
    pub undecoded: Vec<(String, String)>,
    /// The mirror stopped after [`GIVE_UP`] files not served, and wrote
    /// no checkpoint: the directory holds what it held.
    pub gave_up: bool,
    /// Whether entry bundles were fetched (not `--no-entries`).
    pub with_entries: bool,
    /// Staging directories that killed mirrors left in the directory,
    /// removed ([`crate::interrupt::sweep`]).
    pub leftovers_removed: Vec<PathBuf>,
    /// Where the `tile/` that a directory with no checkpoint held was
    /// moved (`set_aside_stray_tiles`).
    pub set_aside: Option<PathBuf>,
    /// Where the directory's checkpoint was kept when the server served
    /// the same tree under other signature lines, with no `--vkey` to
    /// judge either: replaced unseen, a note the log's key signed gave way
    /// to one whose signature does not verify, and nothing kept it.
    pub replaced_note: Option<PathBuf>,
}

/// Why the server's checkpoint was not taken: the tree it names cannot
/// follow the one the directory holds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Refused {
    pub url: String,
    pub dir: PathBuf,
    pub origin: String,
    /// The tree the directory holds, and the one the server serves now.
    pub held: TreeSize,
    pub held_root: Hash,
    pub served: TreeSize,
    pub served_root: Hash,
    /// The served checkpoint, as the server sent it: with the one the
    /// directory holds, signed by the log, the proof that the log went
    /// back on a tree it had signed (a server that shows a fork to one
    /// client once may never show it again).
    pub served_note: String,
    /// Where that note was saved: `DIR/.claimtrail-served/SIZE-ROOT`
    /// (`file` in `--json`, as every command names a file it wrote).
    #[serde(rename = "file")]
    pub saved_as: PathBuf,
    /// What the two trees are to each other, as far as the tiles tell.
    pub reason: Reason,
    /// Why the verifier keys given do not sign the directory's own
    /// checkpoint, when they were given and do not: an earlier admin key
    /// may have signed it, or a run without them took it from a server.
    pub held_unsigned: Option<HeldUnsigned>,
    /// Whether entry bundles were asked for (not `--no-entries`), as a
    /// mirror that ran gives it: one member set for both outcomes' common
    /// facts (red team Q F3).
    pub with_entries: bool,
}

/// The directory's checkpoint, not signed by the verifier keys given.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HeldUnsigned {
    /// Why, as the signed-note check says it.
    pub why: String,
    /// A signature line of a key given does not verify: the text was
    /// changed after that key signed it (or the line was made up), which
    /// no earlier key explains.
    pub altered: bool,
}

/// Why a served checkpoint was refused. In `--json` it is one shape for
/// every kind, `{"kind": "fork", "why": null}`, `why` being the words of
/// the two kinds that carry them: a script reads `reason.kind` whichever
/// it is (it was a string for two kinds and an object for the others).
#[derive(Clone, Debug)]
pub enum Reason {
    /// A smaller tree whose root the held tiles give at its size: the log
    /// was rolled back, or the server serves an older copy.
    Older,
    /// Two histories: the same size with another root, a smaller tree
    /// whose root the held tree does not have at that size, or a larger
    /// one whose tiles make its own root but another at the held size
    /// (it does not extend the held tree).
    Fork,
    /// A smaller tree, and the held tiles cannot say which (why): older
    /// or a fork.
    OlderOrFork(String),
    /// A larger tree whose tiles cannot show that it extends the held one
    /// (why: a tile not served or served damaged, or tiles that do not
    /// make the served root).
    Unchecked(String),
}

impl Reason {
    /// The kind's name in `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Reason::Older => "older",
            Reason::Fork => "fork",
            Reason::OlderOrFork(_) => "older_or_fork",
            Reason::Unchecked(_) => "unchecked",
        }
    }

    /// Why the tiles could not tell, for the kinds that say it.
    pub fn why(&self) -> Option<&str> {
        match self {
            Reason::Older | Reason::Fork => None,
            Reason::OlderOrFork(why) | Reason::Unchecked(why) => Some(why),
        }
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut r = s.serialize_struct("Reason", 2)?;
        r.serialize_field("kind", self.kind())?;
        r.serialize_field("why", &self.why())?;
        r.end()
    }
}

/// The outcome: the directory brought up to the server's tree, or left as
/// it was because the server went back on it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Mirrored(Mirrored),
    Refused(Refused),
}

/// Brings `dir` (made if missing: new, empty, or an earlier mirror or
/// publish of the same log) up to the tree the checkpoint at `url` names.
/// `progress(done, total)` follows the files. `Err` when it cannot run: an
/// address that is not http(s), a server that cannot be reached or answers
/// no checkpoint, a directory that holds something else; files fetched
/// before a network error are kept (each is whole), so a second run goes
/// on from there.
///
/// With `vkeys` (the log's verifier keys, obtained independently), the
/// served checkpoint must carry the log's signature under one of them
/// before anything is fetched or written: a checkpoint made up by the
/// server (or by anyone on a plain http path) then neither replaces the
/// signed one the directory holds nor sends the mirror after the tiles of
/// a tree of any size it names. Without them the mirror checks no
/// signature, and `verify-published` is the only check.
pub fn mirror(
    url: &str,
    dir: &Path,
    entries: bool,
    authorities: Option<&Authorities>,
    vkeys: &[crate::checkpoint::VerifierKey],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Outcome> {
    let base = base_url(url)?;
    // The address as messages and the report show it: a password in it
    // (https://user:secret@host/) is not printed.
    let shown = without_password(&base);
    let asked = Asked {
        shown: &shown,
        dir,
        with_entries: entries,
    };
    if let Some(a) = authorities {
        if http_scheme(&base) != Some("https://") {
            return Err(Error::invalid(
                format!(
                    "--ca-file {} is for an https:// address, and {shown} is not one",
                    a.path.display()
                ),
                "give the log's https:// address, or leave --ca-file out for plain http",
            ));
        }
    }
    let held_note = crate::tiles::checkpoint_in(dir, HELD_HINT)?;
    let held_raw = held_note.as_ref().map(|(_, cp, _)| (cp.size, cp.root));
    let client = Client {
        agent: agent(authorities, http_scheme(&base) == Some("https://")),
        base: base.clone(),
        shown: shown.clone(),
        authorities: authorities.map(|a| a.path.clone()),
    };
    let note = match client.get("checkpoint", MAX_NOTE_BYTES as u64)? {
        Some(Fetch::Body(b)) => b,
        Some(Fetch::TooLarge) => {
            return Err(not_published(
                &shown,
                "its `checkpoint` is larger than any checkpoint".into(),
            ))
        }
        Some(Fetch::Undecodable(why)) => {
            return Err(not_published(&shown, format!("its `checkpoint` is {why}")))
        }
        Some(Fetch::Encoded(coding)) => {
            return Err(Error::invalid(
                format!(
                    "cannot read {shown}/checkpoint: it is sent with Content-Encoding {}, which claimtrail does not decode",
                    crate::text::escape(&coding)
                ),
                ENCODED_HINT,
            ))
        }
        None => {
            return Err(not_published(
                &shown,
                "it serves no `checkpoint` (404)".into(),
            ))
        }
    };
    let (signed, cp) = read_signed_checkpoint(&note)
        .map_err(|e| not_published(&shown, format!("its `checkpoint` is not one ({e})")))?;
    if !vkeys.is_empty() {
        crate::checkpoint::verify_log_note(&signed, &cp.origin, vkeys).map_err(|e| {
            Error::invalid(
                format!("{shown} serves a checkpoint that the verifier key given did not sign: {e}"),
                "check the --vkey (`claimtrail key vkey` on the desk's side) and the address; nothing was fetched or written",
            )
        })?;
    }
    // The directory's checkpoint, judged by the keys given as the served
    // one is, for the refusal's words only: one they did not sign may be
    // an earlier admin key's (the desk rotated its key, and the monitor
    // was given only the new one: moved aside, it let a rewritten history
    // through) or one a run without --vkey took from a spoofing server;
    // the mirror cannot tell which, so it is still held, and the refusal
    // says so.
    let held_unsigned = match &held_note {
        Some((note, old, _)) if !vkeys.is_empty() => {
            crate::checkpoint::verify_log_note(note, &old.origin, vkeys)
                .err()
                .map(|e| HeldUnsigned {
                    // A line of a key given that does not verify: no
                    // earlier key signed what that line signs.
                    altered: matches!(e, crate::checkpoint::NoteError::BadSignature { .. }),
                    why: e.to_string(),
                })
        }
        _ => None,
    };
    let held = held_note.map(|(_, cp, _)| cp);
    if let Some(old) = &held {
        if old.origin != cp.origin {
            return Err(Error::invalid(
                format!(
                    "{} mirrors the log `{}`, and {shown} serves `{}`",
                    dir.display(),
                    crate::text::escape(&old.origin),
                    crate::text::escape(&cp.origin)
                ),
                "mirror each log into a directory of its own",
            ));
        }
        if old.size > cp.size {
            let reason = older_or_fork(dir, old, &cp);
            return refuse(asked, &note, cp, old, reason, held_unsigned);
        }
        if old.size == cp.size && old.root != cp.root {
            return refuse(asked, &note, cp, old, Reason::Fork, held_unsigned);
        }
    }

    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, &e))?;
    // One writer at a time into a directory, as `publish` takes it: a
    // publish that advanced the directory while this mirror fetched had
    // its checkpoint put back by the mirror's older one, last. What the
    // directory held is read again under the lock.
    let _one_at_a_time = crate::tiles::lock_dir(dir)?;
    if self::held(dir)?.map(|c| (c.size, c.root)) != held_raw {
        return Err(Error::invalid(
            format!("{} changed while this mirror began", dir.display()),
            "run the same command again",
        ));
    }

    // The same tree under other signature lines, with no key to judge
    // either: the note held is kept before it is replaced, the first time
    // only (a server that sent other junk lines each time made every run
    // keep one more; the first is the one held before any swap).
    let replaced_note = match &held {
        Some(old) if vkeys.is_empty() && old.size == cp.size && old.root == cp.root => {
            let name = format!("replaced-{}-{}", old.size, old.root);
            let served = dir.join(".claimtrail-served");
            match std::fs::read(dir.join("checkpoint")) {
                Ok(bytes) if bytes != note && !served.join(&name).exists() => {
                    Some(keep_evidence(&served, &name, &bytes)?)
                }
                _ => None,
            }
        }
        _ => None,
    };

    // Fetched files wait here, under their own paths, until every file of
    // the tree has been tried; only then do they take their places, and
    // the checkpoint last. A run cut short (a server error, Ctrl-C) keeps
    // them here for the next run, and leaves the directory as the last
    // whole mirror made it: tiles of a larger tree beside the old
    // checkpoint read, to `verify-published`, as a rolled-back directory.
    let waiting = dir.join(WAITING);
    // They are the tree of the checkpoint served when they were fetched,
    // kept beside them: served another one now (the log grew, or the
    // server shows another history), they are fetched again, not put
    // beside the new tree's (a resumed mirror combined two trees' tiles,
    // exited 0, and the directory failed verify-published).
    let fetched_for = dir.join(FETCHED_FOR);
    let same_tree = std::fs::read(&fetched_for).is_ok_and(|b| b == AsRef::<[u8]>::as_ref(&note));
    if waiting.exists() && !same_tree {
        std::fs::remove_dir_all(&waiting).map_err(|e| Error::write(&waiting, &e))?;
    }
    // A run cut short while it moved this tree's files into place (`kill
    // -9`): the files under `tile/` are its own, not strays to set aside
    // (they were, hundreds at a time, and fetched again).
    let placing = dir.join(PLACING);
    let resumed_placing = same_tree && placing.is_file();
    if !same_tree {
        let _ = std::fs::remove_file(&placing);
    }
    std::fs::write(&fetched_for, &note).map_err(|e| Error::write(&fetched_for, &e))?;
    let staging = tempfile::Builder::new()
        .prefix(".claimtrail-mirror-")
        .tempdir_in(dir)
        .map_err(|e| Error::write(dir, &e))?;
    let _held = crate::interrupt::hold_dir(staging.path());
    let _removed = crate::interrupt::remove_on_interrupt(
        staging.path(),
        crate::interrupt::Leftover::Directory,
    );
    let leftovers_removed = crate::interrupt::sweep(
        dir,
        ".claimtrail-mirror-",
        "",
        crate::interrupt::Leftover::Directory,
    );
    // The files are taken from the sizes' own sequence as the fetchers
    // come for them, never listed whole: a size is only what the server
    // says until the check, and may be absurd.
    let tiles = Mutex::new(tree_tiles(cp.size, entries).enumerate());
    let total = tile_count(cp.size, entries);
    // The tiles that tell whether a larger tree extends the held one are
    // fetched whatever DIR holds: a tile of the served size can have the
    // path of one DIR holds (`tile/1/000.p/1` at 321 entries and at 421),
    // and the held one put in the served tree's place kept a fork that
    // grew from having its root made: it was refused as unchecked, run
    // after run, not as a fork.
    let judged = match &held {
        Some(old) if 0 < old.size.0 && old.size < cp.size => read_by_extends(old.size, cp.size),
        _ => HashSet::new(),
    };
    // (Or this tree's own files, which a run cut short while placing them
    // left in place.)
    let mirrors_a_tree = held.is_some() || resumed_placing;
    progress(0, total);

    // The fetchers take the next file in turn and send what came of it;
    // this thread keeps the account (and the progress bar). A network
    // error stops them all: each file already in place is whole. They
    // count the files not served themselves, so that they stop at
    // GIVE_UP with no more than their own requests in flight.
    let stop = AtomicBool::new(false);
    let not_served = AtomicU64::new(0);
    let (mut kept, mut tiles_fetched, mut bundles_fetched) = (0u64, 0u64, 0u64);
    let mut bytes_fetched = note.len() as u64;
    let mut missing: Vec<(usize, String)> = Vec::new();
    let mut damaged: Vec<(usize, String, String)> = Vec::new();
    let mut undecoded: Vec<(usize, String, String)> = Vec::new();
    let mut failed: Option<Error> = None;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..FETCHERS.min(total as usize) {
            let tx = tx.clone();
            let (tiles, stop, not_served) = (&tiles, &stop, &not_served);
            let client = &client;
            let staging = staging.path();
            let waiting = waiting.as_path();
            let judged = &judged;
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let next = tiles.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some((i, id)) = next else { break };
                    let dest = waiting.join(id.path());
                    // Tiles never change: one already here (or fetched by
                    // a run cut short) is the one the server has (or the
                    // check will say it is not); but the tiles that judge
                    // the served tree are the server's, fetched for this
                    // checkpoint (`dest`), never DIR's. A DIR with no
                    // checkpoint mirrors nothing yet, and its files are
                    // no mirror's: one left there (a copy, another log's
                    // tile) was kept run after run, and the directory
                    // failed `verify-published` for good.
                    let here =
                        mirrors_a_tree && !judged.contains(&id) && dir.join(id.path()).is_file();
                    let fetched = if here || dest.is_file() {
                        Ok(Got::Kept)
                    } else {
                        client.get(&id.path(), cap(id)).and_then(|f| {
                            let got = match f {
                                Some(Fetch::Body(bytes)) => match misshapen(id, &bytes) {
                                    None => {
                                        let staged = staging.join(i.to_string());
                                        std::fs::write(&staged, &bytes)
                                            .map_err(|e| Error::write(&staged, &e))?;
                                        place(&staged, &dest)?;
                                        return Ok(Got::Fetched(bytes.len() as u64));
                                    }
                                    Some(why) => Got::Damaged(why),
                                },
                                // Too large for its tile: left out, so the
                                // check reports it missing rather than reading it.
                                Some(Fetch::TooLarge) => Got::Damaged(format!(
                                    "larger than the {} a tile of width {} can be",
                                    crate::text::count(cap(id), "byte"),
                                    id.width
                                )),
                                Some(Fetch::Undecodable(why)) => Got::Damaged(why),
                                Some(Fetch::Encoded(coding)) => Got::Encoded(coding),
                                None => Got::NotServed,
                            };
                            if not_served.fetch_add(1, Ordering::Relaxed) + 1 >= GIVE_UP {
                                stop.store(true, Ordering::Relaxed);
                            }
                            Ok(got)
                        })
                    };
                    if tx.send((i, id, fetched)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut n = 0u64;
        for (i, id, fetched) in rx {
            match fetched {
                Ok(Got::Kept) => kept += 1,
                Ok(Got::Fetched(bytes)) => {
                    match id.level {
                        TileLevel::Entries => bundles_fetched += 1,
                        TileLevel::Hashes(_) => tiles_fetched += 1,
                    }
                    bytes_fetched += bytes;
                }
                Ok(Got::NotServed) => missing.push((i, id.path())),
                Ok(Got::Damaged(why)) => damaged.push((i, id.path(), why)),
                Ok(Got::Encoded(coding)) => undecoded.push((i, id.path(), coding)),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    failed.get_or_insert(e);
                }
            }
            n += 1;
            progress(n, total);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    missing.sort();
    damaged.sort();
    undecoded.sort();
    let gave_up = (missing.len() + damaged.len() + undecoded.len()) as u64 >= GIVE_UP;
    let missing: Vec<String> = missing.into_iter().map(|(_, p)| p).collect();
    let damaged: Vec<(String, String)> = damaged.into_iter().map(|(_, p, w)| (p, w)).collect();
    let undecoded: Vec<(String, String)> = undecoded.into_iter().map(|(_, p, c)| (p, c)).collect();

    // A larger tree must extend the held one before its checkpoint takes
    // the held one's place: installed over it, a fork that grew erased the
    // signed evidence that the log went back on a tree it had signed.
    if let Some(old) = held.as_ref().filter(|o| 0 < o.size.0 && o.size < cp.size) {
        // Read from what this checkpoint's fetches brought alone: a tile
        // not served there is not made up for by DIR's at the same path.
        let reason = match extends(&[waiting.as_path()], &judged, old, &cp) {
            Ok(Some(Reason::Unchecked(why))) => {
                // The tiles read do not make the served root, or disagree
                // with each other: they are not the served tree's, whatever
                // sent them (a damaged cache, a tampered answer). Dropped,
                // so that the next run fetches them again: kept waiting,
                // they failed every later run, an honest server's too, and
                // the message blamed it.
                for id in &judged {
                    let _ = std::fs::remove_file(waiting.join(id.path()));
                }
                Some(Reason::Unchecked(why))
            }
            Ok(reason) => reason,
            Err(unread) => {
                let sent_as = undecoded.iter().find(|(p, _)| *p == unread.path);
                let why = match (
                    missing.contains(&unread.path),
                    damaged.iter().find(|(p, _)| *p == unread.path),
                ) {
                    (true, _) => "the server does not serve it (404)".to_string(),
                    (_, Some((_, why))) => format!("the server serves it damaged ({why})"),
                    _ => match sent_as {
                        Some((_, coding)) => format!(
                            "the server sends it with Content-Encoding {coding}, which claimtrail does not decode ({ENCODED_HINT})"
                        ),
                        None => unread.why,
                    },
                };
                Some(Reason::Unchecked(format!("{}: {why}", unread.path)))
            }
        };
        if let Some(reason) = reason {
            // The fetched files wait where they are, for a run that is
            // served this checkpoint again.
            return refuse(asked, &note, cp, old, reason, held_unsigned);
        }
    }

    // The files fetched, into their places; then the checkpoint, so the
    // directory never names a tree whose tiles it has not tried to fetch.
    // Not after giving up: the tree was not tried, and a checkpoint no
    // key checked, of a size no server holds (a trillion entries), held
    // in a new directory, was then what every later run, an honest server
    // and the right key given, was judged against. The files fetched wait
    // for a run that is served a tree it can read.
    let set_aside = match (held.is_some(), gave_up, resumed_placing) {
        (false, false, false) => {
            crate::tiles::set_aside_stray_tiles(dir, ".claimtrail-mirror-stray")?
        }
        _ => None,
    };
    if !gave_up {
        std::fs::write(&placing, b"").map_err(|e| Error::write(&placing, &e))?;
        let staged = staging.path().join("checkpoint");
        std::fs::write(&staged, &note).map_err(|e| Error::write(&staged, &e))?;
        // The files, then the checkpoint, with an interrupt held off until
        // the checkpoint is in place, as `publish` holds it: Ctrl-C among
        // the moves (a `timeout … claimtrail mirror` in cron) left the new
        // tree's files beside the old checkpoint. A kill -9 there still
        // can, and the `placing` mark says so to the next run and to
        // `verify-published`.
        crate::interrupt::commit_then_say(
            || {
                move_into_place(&waiting, dir)?;
                place(&staged, &dir.join("checkpoint"))
            },
            format!(
                "interrupted: {} was mirrored whole before the interrupt (its checkpoint of {} is in place): there is nothing to run again",
                crate::text::escape(&dir.display().to_string()),
                crate::text::count(cp.size.0, "entry")
            ),
        )?;
        let _ = std::fs::remove_file(&fetched_for);
        let _ = std::fs::remove_file(&placing);
    }

    Ok(Outcome::Mirrored(Mirrored {
        url: shown,
        dir: dir.to_path_buf(),
        origin: cp.origin,
        size: cp.size,
        root: cp.root,
        previous: held.map(|h| h.size),
        tiles_fetched,
        bundles_fetched,
        bytes_fetched,
        kept,
        missing,
        damaged,
        undecoded,
        gave_up,
        with_entries: entries,
        leftovers_removed,
        set_aside,
        replaced_note,
    }))
}

/// What a mirror was asked to do: the address as shown, the directory,
/// and whether entry bundles were asked for.
#[derive(Clone, Copy)]
struct Asked<'a> {
    shown: &'a str,
    dir: &'a Path,
    with_entries: bool,
}

/// Leaves the directory as it is, but for the served note, saved under
/// `.claimtrail-served` as evidence: the one way a served checkpoint is
/// refused, whatever the reason.
fn refuse(
    asked: Asked<'_>,
    note: &[u8],
    cp: Checkpoint,
    old: &Checkpoint,
    reason: Reason,
    held_unsigned: Option<HeldUnsigned>,
) -> Result<Outcome> {
    let Asked {
        shown,
        dir,
        with_entries,
    } = asked;
    let saved_as = keep_evidence(
        &dir.join(".claimtrail-served"),
        &format!("{}-{}", cp.size, cp.root),
        note,
    )?;
    Ok(Outcome::Refused(Refused {
        served_note: String::from_utf8_lossy(note).into_owned(),
        saved_as,
        url: shown.to_string(),
        dir: dir.to_path_buf(),
        origin: cp.origin,
        held: old.size,
        held_root: old.root,
        served: cp.size,
        served_root: cp.root,
        reason,
        held_unsigned,
        with_entries,
    }))
}

/// Saves a served note as `name` in `served`, and never over one saved
/// there before: a signed note that shows a fork is the evidence a
/// monitor keeps, and a server that showed it once could replace it on the
/// next poll by the same body under a signature that does not verify (a
/// red-team run did: `checkpoint verify` of the file then failed). The
/// same bytes again are the same file; other bytes go to `name.2`,
/// `name.3`… Returns where the note is.
fn keep_evidence(served: &Path, name: &str, note: &[u8]) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(served).map_err(|e| Error::write(served, &e))?;
    let mut n = 1u64;
    loop {
        let path = match n {
            1 => served.join(name),
            n => served.join(format!("{name}.{n}")),
        };
        // Made only if no file has the name (O_EXCL): two runs into one
        // directory at once each keep their own note.
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        match made {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(note)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| Error::write(&path, &e))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match std::fs::read(&path) {
                Ok(held) if held == note => return Ok(path),
                Ok(_) => n += 1,
                Err(e) => return Err(Error::write(&path, &e)),
            },
            Err(e) => return Err(Error::write(&path, &e)),
        }
    }
}

/// Why the served tree cannot take the held one's place, if it cannot:
/// read from the served tree's hash tiles in `dirs`, which must make the
/// served root (else they are not the served tree, and say nothing of it:
/// [`Reason::Unchecked`]), and from which an RFC 9162 consistency proof
/// of the held tree in the served one must verify against both roots
/// (else [`Reason::Fork`], or [`Reason::Unchecked`] when the tiles read
/// disagree with each other: damage). `dirs` must hold the tiles
/// fetched for the served checkpoint alone (`read`, which [`read_by_extends`] names
/// them): a tile of the served size can have the same path as one of the
/// held size (the top level's, when both sizes share it), and the held
/// one read in its place made a fork's root unmakeable. `Err`: a tile
/// needed that is not there.
///
/// What it does not prove: that the entries are those the tiles hash
/// (`verify-published` checks that); without `--vkey`, that the log signed
/// the served checkpoint, and so that the log forked rather than whoever
/// made the served one up.
fn extends(
    dirs: &[&Path],
    read: &HashSet<TileId>,
    held: &Checkpoint,
    served: &Checkpoint,
) -> std::result::Result<Option<Reason>, crate::tiles::UnreadTile> {
    let tiles = crate::tiles::TileNodes {
        dirs,
        size: served.size,
    };
    let root = |size| tree_root(&tiles, size);
    if root(served.size)? != served.root {
        return Ok(Some(Reason::Unchecked(format!(
            "the hash tiles served do not make the served root at {}",
            crate::text::count(served.size.0, "entry")
        ))));
    }
    // The served tree extends the held one if a consistency proof made
    // from the served tiles proves it against both signed roots. The held
    // root made from the tiles alone proved nothing: it is read from tiles
    // below those the served root reads (a full tile/0/001 where the
    // served root reads its node in tile/1), and a server that put the
    // held tree's hashes there had a fork taken as an extension, exit 0,
    // its evidence replaced (red team).
    let proof =
        crate::merkle::consistency_proof(&tiles, held.size, served.size).map_err(unread_of)?;
    if crate::merkle::verify_consistency(held.size, served.size, &held.root, &served.root, &proof)
        .is_ok()
    {
        return Ok(None);
    }
    // Damage or a fork. A tile served damaged below the served root made
    // the proof fail too, and was called a fork the log's key signed:
    // each full tile read must hash to its node in the tile above.
    for id in read {
        let TileLevel::Hashes(l) = id.level else {
            continue;
        };
        let (above, t) = (8 * (u32::from(l) + 1), id.index);
        if usize::from(id.width) != TILE_WIDTH || tiles.tile_of(above, t).is_err() {
            continue;
        }
        let below = |i| crate::merkle::NodeSource::node(&tiles, above - 1, i);
        let made = crate::merkle::node_hash(&below(2 * t)?, &below(2 * t + 1)?);
        if made != crate::merkle::NodeSource::node(&tiles, above, t)? {
            let (parent, _, _) = tiles.tile_of(above, t)?;
            return Ok(Some(Reason::Unchecked(format!(
                "the hash tiles served disagree with each other: {} does not hash to its node in {}",
                id.path(),
                parent.path()
            ))));
        }
    }
    Ok(Some(Reason::Fork))
}

/// The hash tiles of the tree of `served` leaves that [`extends`] reads
/// to relate it to the tree of `held`: those holding the nodes of both
/// roots, at most one per set bit of each size. Which they are depends on
/// the sizes alone.
fn read_by_extends(held: TreeSize, served: TreeSize) -> HashSet<TileId> {
    /// Names the tile of each node asked for, and reads none.
    struct Reads<'a> {
        tiles: crate::tiles::TileNodes<'a>,
        seen: std::cell::RefCell<HashSet<TileId>>,
    }
    impl crate::merkle::NodeSource for Reads<'_> {
        type Error = crate::tiles::UnreadTile;
        fn node(&self, level: u32, index: u64) -> std::result::Result<Hash, Self::Error> {
            let (id, _, _) = self.tiles.tile_of(level, index)?;
            self.seen.borrow_mut().insert(id);
            Ok(Hash::ZERO)
        }
    }
    let reads = Reads {
        tiles: crate::tiles::TileNodes {
            dirs: &[],
            size: served,
        },
        seen: Default::default(),
    };
    for size in [served, held] {
        // A size beyond the served tree reads nothing; extends is never
        // asked for one.
        let _ = crate::merkle::root(&reads, size);
    }
    let _ = crate::merkle::consistency_proof(&reads, held, served);
    reads.seen.into_inner()
}

/// [`crate::merkle::root`] of tiles; a bad request (a size beyond the
/// tree, which the callers never make) is named as a tile not read.
fn tree_root(
    tiles: &crate::tiles::TileNodes,
    size: TreeSize,
) -> std::result::Result<Hash, crate::tiles::UnreadTile> {
    crate::merkle::root(tiles, size).map_err(unread_of)
}

/// A tree error of tiles as the tile not read (a bad request, which the
/// callers never make, named as a tile not read).
fn unread_of(e: crate::merkle::TreeError<crate::tiles::UnreadTile>) -> crate::tiles::UnreadTile {
    match e {
        crate::merkle::TreeError::Node { source, .. } => source,
        crate::merkle::TreeError::Proof(p) => crate::tiles::UnreadTile {
            path: "tile/".into(),
            why: p.to_string(),
        },
    }
}

/// For a served tree smaller than the held one: whether the held tiles
/// give the served root at its size (an older copy, or the log rolled
/// back) or another (a fork). The held tiles are `mirror`'s or `publish`'s
/// own, but nothing guarantees it: they must make the held root first, or
/// the answer is that both are possible.
fn older_or_fork(dir: &Path, held: &Checkpoint, served: &Checkpoint) -> Reason {
    let tiles = crate::tiles::TileNodes {
        dirs: &[dir],
        size: held.size,
    };
    let root = |size| tree_root(&tiles, size);
    match (root(held.size), root(served.size)) {
        (Ok(h), Ok(s)) if h == held.root && s == served.root => Reason::Older,
        (Ok(h), Ok(_)) if h == held.root => Reason::Fork,
        (Ok(_), Ok(_)) => Reason::OlderOrFork(format!(
            "the hash tiles {} holds do not make its checkpoint's root",
            dir.display()
        )),
        (Err(e), _) | (_, Err(e)) => Reason::OlderOrFork(format!("{}/{e}", dir.display())),
    }
}

/// Where fetched files wait in the mirror's directory until the run has
/// tried every file of the tree (a `.claimtrail-` name: publish, mirror
/// and verify-published pass over it).
pub(crate) const WAITING: &str = ".claimtrail-mirror-fetched";

/// The checkpoint the files in [`WAITING`] were fetched for.
const FETCHED_FOR: &str = ".claimtrail-mirror-fetched-for";

/// Present while a run moves the files fetched for [`FETCHED_FOR`]'s
/// checkpoint into their places, stray tiles already set aside.
const PLACING: &str = ".claimtrail-mirror-placing";

/// Moves every file under `from` to the same path under `to`, then
/// removes `from`. Only directories and regular files are followed: this
/// directory is the mirror's own.
fn move_into_place(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    let mut stack = vec![from.to_path_buf()];
    while let Some(d) = stack.pop() {
        let listing = std::fs::read_dir(&d).map_err(|e| Error::write(&d, &e))?;
        for entry in listing {
            let entry = entry.map_err(|e| Error::write(&d, &e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| Error::write(&path, &e))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rest = path.strip_prefix(from).unwrap_or(&path);
                crate::tiles::place(&path, &to.join(rest))?;
            }
        }
    }
    std::fs::remove_dir_all(from).map_err(|e| Error::write(from, &e))
}

/// The scheme `url` starts with, `http://` or `https://` (in any case),
/// if either: an address `mirror` fetches, which `verify-published` also
/// recognises where it expects a directory.
pub(crate) fn http_scheme(url: &str) -> Option<&'static str> {
    ["http://", "https://"].into_iter().find(|p| {
        url.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    })
}

/// The address without its trailing `/`, if it is an http(s) one.
fn base_url(url: &str) -> Result<String> {
    let scheme_ok = http_scheme(url).is_some_and(|p| url.len() > p.len());
    // No query, fragment, spaces or control characters: the address is
    // printed in messages as it is.
    let odd = |c: char| c.is_whitespace() || c.is_control() || c == '?' || c == '#';
    if !scheme_ok || url.chars().any(odd) {
        let serve = "give the address under which `checkpoint` and `tile/` are served, e.g. https://log.example/";
        // A directory of this machine, as a path or a file:// address, is
        // checked where it is; an address of another scheme is no path.
        let file = url
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("file://"))
            .map(|_| url[7..].strip_prefix("localhost").unwrap_or(&url[7..]));
        let local = match file {
            Some(path) => Some(percent_decoded(path)).filter(|p| p.starts_with('/')),
            None => Some(url.to_string())
                .filter(|u| !u.contains("://") && std::path::Path::new(u).is_dir()),
        };
        let hint = match local {
            Some(dir) => format!(
                "{serve} (a directory on this machine is checked as it is: `claimtrail verify-published {}`)",
                crate::text::shell_word(std::path::Path::new(&dir))
            ),
            // `log.example/` or `//log.example/`: an address without its
            // scheme (one with a colon, `http:/x`, is not guessed at).
            None if !url.contains(':') && !url.is_empty() && !url.chars().any(odd) => {
                let slashes = if url.starts_with("//") { "" } else { "//" };
                format!("give the address with its scheme, e.g. https:{slashes}{url}")
            }
            None => serve.to_string(),
        };
        // Why, when the scheme is right: the one odd character says it.
        let why = match url.chars().find(|&c| odd(c)) {
            Some(_) if !scheme_ok => "",
            Some('?') => {
                ": it has a query (`?…`), and the log's files are served under a plain path"
            }
            Some('#') => {
                ": it has a fragment (`#…`), and the log's files are served under a plain path"
            }
            Some(_) => ": it holds a space or a control character",
            None => "",
        };
        return Err(Error::invalid(
            format!(
                "`{}` is not the http(s) address of a published log{why}",
                crate::text::escape(&without_password(url))
            ),
            hint,
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The path of a `file://` address as the file system names it: `%20` is
/// a space.
fn percent_decoded(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// `url` with the password of its user information, if any, as `***`:
/// `https://desk:secret@log.example` is shown `https://desk:***@log.example`.
pub(crate) fn without_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    let at = match url[start..end].rfind('@') {
        Some(i) => start + i,
        // A password with a `/` (base64 tokens have them), which the
        // address should have percent-encoded: the authority seems to end
        // inside it. Masked up to the last `@` all the same (a password
        // may hold digits only, or an `@`): an address with an `@` in its
        // path shows a little less than it could.
        None => match url[end..].rfind('@') {
            Some(i) if url[start..end].contains(':') => end + i,
            _ => return url.to_string(),
        },
    };
    match url[start..at].find(':') {
        Some(colon) => format!("{}:***{}", &url[..start + colon], &url[at..]),
        None => url.to_string(),
    }
}

/// The checkpoint a directory holds, when it holds one; refuses a
/// directory that holds anything else.
fn held(dir: &Path) -> Result<Option<Checkpoint>> {
    Ok(crate::tiles::checkpoint_in(dir, HELD_HINT)?.map(|(_, cp, _)| cp))
}

const HELD_HINT: &str =
    "mirror into a new or empty directory, or one an earlier mirror or publish of this log wrote";

/// How many files [`tree_tiles`] names, counted without naming them.
fn tile_count(size: TreeSize, entries: bool) -> u64 {
    let tiles = |nodes: u64| nodes.div_ceil(TILE_WIDTH as u64);
    let hashes: u64 = (0..8u32)
        .map(|l| tiles(size.0.checked_shr(8 * l).unwrap_or(0)))
        .sum();
    hashes + if entries { tiles(size.0) } else { 0 }
}

/// The most bytes a tile can hold: 32 a hash, or a 2-byte length and the
/// leaf an entry.
fn cap(id: TileId) -> u64 {
    let per = match id.level {
        TileLevel::Hashes(_) => 32,
        TileLevel::Entries => 2 + MAX_BUNDLED_LEAF as u64,
    };
    per * u64::from(id.width).min(TILE_WIDTH as u64)
}

/// The certificate authorities an https:// server must chain to instead
/// of the Mozilla roots built in (`mirror --ca-file`), read from a PEM file
/// as curl's `--cacert` reads one. Each certificate is checked as rustls
/// will take it when the file is read, so that one it cannot use is named
/// there rather than skipped (a file whose every certificate was skipped
/// would make every server "untrusted" without saying why).
#[derive(Clone, Debug)]
pub struct Authorities {
    path: PathBuf,
    certs: Vec<ureq::tls::Certificate<'static>>,
}

/// Larger than any bundle of roots (Mozilla's is about 230 KB).
const MAX_CA_FILE: u64 = 16 << 20;

impl Authorities {
    pub fn read(path: &Path) -> Result<Authorities> {
        let pem = crate::files::read_capped(path, MAX_CA_FILE)?;
        let bad = |why: String| {
            Error::invalid(
                format!("--ca-file {}: {why}", path.display()),
                "give the certificate authority's certificate in PEM (`-----BEGIN CERTIFICATE-----`), as curl --cacert takes it",
            )
        };
        if pem.len() as u64 > MAX_CA_FILE {
            return Err(bad("larger than any file of certificates".into()));
        }
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                // A key or a request kept in the same file is not a
                // certificate, and not an error either.
                Ok(_) => {}
                Err(e) => return Err(bad(format!("not PEM ({e})"))),
            }
        }
        if certs.is_empty() {
            return Err(bad("it holds no certificate".into()));
        }
        for (i, c) in certs.iter().enumerate() {
            let der = rustls::pki_types::CertificateDer::from(c.der());
            if let Err(e) = rustls::RootCertStore::empty().add(der) {
                return Err(bad(format!(
                    "its certificate {} of {} cannot be a certificate authority ({e})",
                    i + 1,
                    certs.len()
                )));
            }
        }
        Ok(Authorities {
            path: path.to_path_buf(),
            certs,
        })
    }
}

/// How long one read from the server may wait for its first byte: a
/// monitor run from cron must not hang on a server that accepted the
/// connection and went silent (the whole request has 300 s).
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a connection to the server may take to set up (TLS included).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one request may take in all, its body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// The HTTP client. For an https:// log every request stays on TLS,
/// redirects included: a server (or anyone who can make it redirect) that
/// sent the mirror to a plain http:// address would hand the network in
/// between the power to withhold or roll back what TLS keeps from it.
fn agent(authorities: Option<&Authorities>, https: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .https_only(https)
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        // A server that accepts and then sends nothing: given up after
        // READ_TIMEOUT, not after the whole request's 300 s.
        .timeout_per_read(Some(READ_TIMEOUT))
        .timeout_global(Some(REQUEST_TIMEOUT))
        .user_agent(concat!("claimtrail/", env!("CARGO_PKG_VERSION")));
    if let Some(a) = authorities {
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(
                    a.certs.clone(),
                )))
                .build(),
        );
    }
    config.build().into()
}

enum Fetch {
    Body(Vec<u8>),
    TooLarge,
    /// A body compressed at the HTTP layer that does not decompress
    /// (a bad checksum, cut short, not gzip at all): the server serves the
    /// file damaged, which running again does not mend.
    Undecodable(String),
    /// A body sent with a content coding claimtrail does not decode (the
    /// coding, as sent): what came is not the file, and calling it
    /// damaged, or not UTF-8, would blame the file for the server's
    /// setting. Not read.
    Encoded(String),
}

/// The hint for a file sent with a content coding claimtrail does not
/// decode.
const ENCODED_HINT: &str = "ask the host to serve it plain or gzip";

/// The content codings a response's `Content-Encoding` lists (every
/// such header, in order: the order they were applied in), as sent,
/// with `identity` (no coding) left out. Codings are case-insensitive
/// (RFC 9110 §8.4.1).
fn content_codings(headers: &ureq::http::HeaderMap) -> Vec<String> {
    headers
        .get_all(ureq::http::header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split(',')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .collect()
}

/// Whether claimtrail decodes the content coding `c`: gzip, and x-gzip,
/// which RFC 9110 §8.4.1.3 says a recipient SHOULD take as gzip (ureq
/// decodes only `gzip` as spelt so).
fn is_gzip(c: &str) -> bool {
    c.eq_ignore_ascii_case("gzip") || c.eq_ignore_ascii_case("x-gzip")
}

/// Undoes `layers` gzip codings of `bytes` (flate2's `MultiGzDecoder`, as
/// ureq's own decoding does), the last at most `cap` bytes long.
fn gunzip(mut bytes: Vec<u8>, layers: usize, cap: u64, raw_cap: u64) -> Fetch {
    use std::io::Read;
    for layer in 0..layers {
        let limit = if layer + 1 == layers { cap } else { raw_cap };
        let mut out = Vec::new();
        let read = flate2::read::MultiGzDecoder::new(&bytes[..])
            .take(limit + 1)
            .read_to_end(&mut out);
        match read {
            Ok(n) if n as u64 > limit => return Fetch::TooLarge,
            Ok(_) => bytes = out,
            Err(e) => {
                return Fetch::Undecodable(format!(
                    "sent gzip-compressed, and it does not decompress ({e})"
                ))
            }
        }
    }
    Fetch::Body(bytes)
}

/// Where files are fetched from, and how.
struct Client {
    agent: ureq::Agent,
    base: String,
    /// `base` as messages show it ([`without_password`]).
    shown: String,
    /// The `--ca-file`, for the hint when a server's certificate is not
    /// trusted.
    authorities: Option<PathBuf>,
}

impl Client {
    /// GET `base/path`: its body (up to `cap` bytes), `None` for a 404; any
    /// other answer, or none, is an error that stops the mirror.
    fn get(&self, path: &str, cap: u64) -> Result<Option<Fetch>> {
        let url = format!("{}/{path}", self.shown);
        let address = format!("{}/{path}", self.base);
        let cannot = |e: ureq::Error| {
            if let Some((said, why)) = certificate_refused(&e) {
                return Error::invalid(
                    format!("cannot fetch {url}: the server's certificate is not trusted ({said})"),
                    certificate_hint(why, self.authorities.as_deref()),
                );
            }
            if let ureq::Error::RequireHttpsOnly(to) = &e {
                return Error::invalid(
                    format!("cannot fetch {url}: the server redirects it to {to}, off TLS"),
                    "an https:// log is fetched over TLS only; ask its keeper to serve it over https throughout",
                );
            }
            // An https:// address whose server answered in plain HTTP, or
            // hung up on the TLS hello: rustls says only that the stream
            // ended, or that the record was not TLS.
            let not_tls = http_scheme(&url) == Some("https://")
                && matches!(&e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof
                    || io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()).is_some_and(|t| matches!(t, rustls::Error::InvalidMessage(_))))
                || matches!(&e, ureq::Error::Rustls(rustls::Error::InvalidMessage(_)));
            let hint = if not_tls {
                "the server ended the connection at the TLS handshake: if it does not serve TLS at that address, give it as http:// (and check the log with --vkey), else check the address and the connection"
            } else if path == "checkpoint" {
                "check the address (where `checkpoint` and `tile/` are served) and the connection"
            } else {
                "check the connection, then run the same command again: the files fetched so far are kept"
            };
            Error::invalid(format!("cannot fetch {url}: {}", fetch_failure(&e)), hint)
        };
        let mut resp = self.agent.get(&address).call().map_err(cannot)?;
        let status = resp.status().as_u16();
        match status {
            200 => {}
            404 | 410 => return Ok(None),
            _ => {
                // A wait the server asks for (RFC 9110 §10.2.3: seconds,
                // or a date), said as it gives it.
                let wait = resp
                    .headers()
                    .get(ureq::http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .filter(|v| !v.is_empty() && !v.chars().any(char::is_control))
                    .and_then(|v| match v.parse::<u64>() {
                        Ok(n) => Some(format!(
                            ", and asks to wait {} (Retry-After)",
                            crate::text::count(n, "second")
                        )),
                        // An HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT");
                        // anything else is not repeated.
                        Err(_) if v.len() <= 40 && v.ends_with(" GMT") && v.contains(',') => {
                            Some(format!(", and asks to wait until {v} (Retry-After)"))
                        }
                        Err(_) => None,
                    });
                let credentials = self.shown.contains(":***@");
                let hint = match (status, &wait) {
                    (401, _) if credentials => "the server did not accept the user and password in the address: check them with the log's host",
                    (401, _) => "the server asks who you are: give the user and password in the address, https://USER:PASSWORD@HOST/…, as the log's host gave them",
                    (403, _) => "the server refuses it to you: ask the log's host for access",
                    (_, Some(_)) => "run the same command again after that: the files fetched so far are kept",
                    _ if path == "checkpoint" => {
                        "check the address (where `checkpoint` and `tile/` are served)"
                    }
                    _ => "run the same command again later: the files fetched so far are kept",
                };
                return Err(Error::invalid(
                    format!(
                        "cannot fetch {url}: the server answered {}{}",
                        resp.status(),
                        wait.unwrap_or_default()
                    ),
                    hint,
                ));
            }
        }
        // ureq decodes `Content-Encoding: gzip`, spelt so, and hands any
        // other coding on as it came: x-gzip (gzip's old name, which
        // some hosts still send), `GZIP`, or gzip twice are decoded here;
        // any other coding is named, and the body not read.
        let codings = content_codings(resp.headers());
        if let Some(other) = codings.iter().find(|c| !is_gzip(c)) {
            return Ok(Some(Fetch::Encoded(other.clone())));
        }
        let ureq_gunzips = resp
            .headers()
            .get(ureq::http::header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes() == b"gzip");
        let ours = codings.len() - usize::from(ureq_gunzips);
        // Compressed, a body can be a little larger than the file (gzip's
        // header and trailer around data that does not compress).
        let raw_cap = if ours > 0 { cap * 2 + 65_536 } else { cap };
        match resp.body_mut().with_config().limit(raw_cap).read_to_vec() {
            Ok(bytes) if ours > 0 => Ok(Some(gunzip(bytes, ours, cap, raw_cap))),
            Ok(bytes) => Ok(Some(Fetch::Body(bytes))),
            Err(ureq::Error::BodyExceedsLimit(_)) => Ok(Some(Fetch::TooLarge)),
            Err(ureq::Error::Decompress(how, e)) => Ok(Some(Fetch::Undecodable(format!(
                "sent {how}-compressed, and it does not decompress ({e})"
            )))),
            Err(e) => Err(cannot(e)),
        }
    }
}

/// What went wrong with a request, in words: a timeout or a connection
/// cut are said as what the server did (it was ureq's own `timeout: per
/// read`, `io: Peer disconnected`); anything else as ureq says it.
fn fetch_failure(e: &ureq::Error) -> String {
    // ureq hands some errors on inside an I/O error (read from the body).
    let e = match e {
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|i| i.downcast_ref::<ureq::Error>())
            .unwrap_or(e),
        _ => e,
    };
    let secs = |d: Duration| crate::text::count(d.as_secs(), "second");
    match e {
        ureq::Error::Timeout(t) => match t {
            ureq::Timeout::PerRead | ureq::Timeout::RecvResponse | ureq::Timeout::RecvBody => {
                format!("the server sent nothing for {}", secs(READ_TIMEOUT))
            }
            ureq::Timeout::Connect | ureq::Timeout::Resolve => format!(
                "no connection to the server within {}",
                secs(CONNECT_TIMEOUT)
            ),
            ureq::Timeout::Global | ureq::Timeout::PerCall => format!(
                "the request took longer than {}, the most one may take",
                secs(REQUEST_TIMEOUT)
            ),
            _ => format!(
                "the server did not take the request within {}",
                secs(READ_TIMEOUT)
            ),
        },
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "the server closed the connection before its answer was complete".into()
            }
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                "the server cut the connection (reset)".into()
            }
            std::io::ErrorKind::ConnectionRefused => {
                "the server refused the connection (nothing listens there)".into()
            }
            _ => io.to_string(),
        },
        ureq::Error::HostNotFound => "no such host (its name does not resolve)".into(),
        ureq::Error::ConnectionFailed => "the connection to the server failed".into(),
        _ => e.to_string(),
    }
}

/// rustls's reason when it refused the server's certificate (ureq hands
/// the error on as its own or inside an I/O error, depending on where the
/// handshake stood).
fn certificate_refused(e: &ureq::Error) -> Option<(&rustls::Error, &rustls::CertificateError)> {
    let tls = match e {
        ureq::Error::Rustls(tls) => Some(tls),
        ureq::Error::Io(io) => io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()),
        _ => None,
    };
    match tls {
        Some(said @ rustls::Error::InvalidCertificate(why)) => Some((said, why)),
        _ => None,
    }
}

/// What to do about a certificate rustls refused: `--ca-file` helps only
/// when the issuer is the one not known.
fn certificate_hint(why: &rustls::CertificateError, ca_file: Option<&Path>) -> String {
    use rustls::CertificateError as E;
    match (why, ca_file) {
        (E::NotValidForName | E::NotValidForNameContext { .. }, _) => {
            "the certificate was issued for another name: give the log's address under that name".into()
        }
        (
            E::Expired | E::ExpiredContext { .. } | E::NotValidYet | E::NotValidYetContext { .. },
            _,
        ) => "the certificate is outside its dates: check this machine's clock, or ask the log's host to renew it".into(),
        (E::UnknownIssuer, None) => {
            "if the log is served under your organisation's own certificate authority, give its certificate: --ca-file CA.pem".into()
        }
        (E::UnknownIssuer | E::BadSignature, Some(ca)) => format!(
            "the server's certificate must chain to a certificate in {}: check the file",
            ca.display()
        ),
        // A self-signed certificate (a CA's, used as the server's own):
        // webpki's CaUsedAsEndEntity, which rustls passes on only as text.
        (E::Other(other), _) if format!("{other:?}").contains("CaUsedAsEndEntity") => {
            "the server presents a certificate authority's certificate (CA:TRUE, as `openssl req -x509` makes by default) as its own, which TLS does not accept: give the server a certificate a CA issued (and that CA's with --ca-file), or a self-signed one with basicConstraints CA:FALSE".into()
        }
        _ => "ask the log's host about its certificate".into(),
    }
}

fn not_published(base: &str, why: String) -> Error {
    // The checkpoint's own address, pasted from a browser: the log is
    // the directory above it.
    let hint = match base.strip_suffix("/checkpoint") {
        Some(above) => format!("give the address of the directory that holds `checkpoint` and `tile/`, without `/checkpoint`: {above}/"),
        None => "give the address under which `checkpoint` and `tile/` are served (where `claimtrail publish`'s directory is)".to_string(),
    };
    Error::invalid(
        format!("{base} does not serve a published log: {why}"),
        hint,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_http_or_https() {
        assert_eq!(
            base_url("https://log.example/").unwrap(),
            "https://log.example"
        );
        assert_eq!(
            base_url("HTTP://127.0.0.1:8080/site//").unwrap(),
            "HTTP://127.0.0.1:8080/site"
        );
        for bad in [
            "site/",
            "ftp://x",
            "https://",
            "https://x/?a=1",
            "https://x/a b",
            "https://x/\u{1b}[2J",
            "file:///tmp",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        // A password is never shown; the rest of the address is.
        for (given, shown) in [
            (
                "https://desk:s3cret@log.example/a@b",
                "https://desk:***@log.example/a@b",
            ),
            ("https://desk@log.example", "https://desk@log.example"),
            ("http://u:p:q@127.0.0.1:8080", "http://u:***@127.0.0.1:8080"),
            (
                "https://desk:se/cret@log.example/",
                "https://desk:***@log.example/",
            ),
            ("http://u:1234/ab@host/", "http://u:***@host/"),
            ("http://u:se/cr@t@host/", "http://u:***@host/"),
            ("https://log.example/a@b", "https://log.example/a@b"),
            ("https://log.example/x:y@z", "https://log.example/x:y@z"),
        ] {
            assert_eq!(without_password(given), shown);
        }
    }

    #[test]
    fn tiles_are_counted_as_named() {
        for n in [0, 1, 255, 256, 257, 65_536, 65_537, 70_000, 1_000_000] {
            for entries in [false, true] {
                assert_eq!(
                    tile_count(TreeSize(n), entries),
                    tree_tiles(TreeSize(n), entries).count() as u64,
                    "{n}"
                );
            }
        }
    }

    /// The tiles that judge a larger served tree are those holding the
    /// nodes of both roots in the served tree's tiles, among them the
    /// ones whose path a held size shares (`tile/1/000.p/1` at 321 and at
    /// 421): what `mirror` fetches whatever the directory holds.
    #[test]
    fn the_tiles_that_judge_a_larger_tree_are_named_by_the_sizes() {
        let paths = |held, served| {
            let mut p: Vec<String> = read_by_extends(TreeSize(held), TreeSize(served))
                .into_iter()
                .map(|id| id.path())
                .collect();
            p.sort();
            p
        };
        assert_eq!(paths(321, 421), ["tile/0/001.p/165", "tile/1/000.p/1"]);
        assert_eq!(
            paths(321, 621),
            ["tile/0/001", "tile/0/002.p/109", "tile/1/000.p/2"]
        );
        assert_eq!(paths(7, 9), ["tile/0/000.p/9"]);
        assert_eq!(paths(256, 300), ["tile/0/001.p/44", "tile/1/000.p/1"]);
        assert_eq!(
            paths(65_537, 65_800),
            [
                "tile/0/256",
                "tile/0/257.p/8",
                "tile/1/001.p/1",
                "tile/2/000.p/1"
            ]
        );
    }

    /// gzip under either name, in any case, once or twice, is read; any
    /// other coding is named as sent.
    #[test]
    fn gzip_and_x_gzip_are_decoded() {
        use std::io::Write;
        let gz = |bytes: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        };
        for c in ["gzip", "x-gzip", "X-GZIP", "Gzip"] {
            assert!(is_gzip(c), "{c}");
        }
        for c in ["br", "deflate", "zstd", "compress", "x-compress", "gzip2"] {
            assert!(!is_gzip(c), "{c}");
        }
        let body = b"one hash tile".repeat(100);
        assert!(matches!(gunzip(gz(&body), 1, 1300, 10_000), Fetch::Body(b) if b == body));
        assert!(matches!(gunzip(gz(&gz(&body)), 2, 1300, 10_000), Fetch::Body(b) if b == body));
        assert!(matches!(
            gunzip(gz(&body), 1, 1299, 10_000),
            Fetch::TooLarge
        ));
        assert!(matches!(gunzip(body.clone(), 1, 1300, 10_000),
            Fetch::Undecodable(why) if why.starts_with("sent gzip-compressed, and it does not decompress (")));

        let mut headers = ureq::http::HeaderMap::new();
        for v in ["identity", "x-gzip, GZIP", " br "] {
            headers.append(
                ureq::http::header::CONTENT_ENCODING,
                ureq::http::HeaderValue::from_static(v),
            );
        }
        assert_eq!(content_codings(&headers), ["x-gzip", "GZIP", "br"]);
    }

    #[test]
    fn caps_fit_the_largest_tiles() {
        let id = |level, width| TileId {
            level,
            index: 0,
            width,
        };
        assert_eq!(cap(id(TileLevel::Hashes(0), 256)), 8192);
        assert_eq!(cap(id(TileLevel::Hashes(3), 5)), 160);
        assert_eq!(cap(id(TileLevel::Entries, 256)), 256 * 65_537);
    }
}
