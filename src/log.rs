//! The one append path: authorize, build, sign and append entries with
//! their projection rows, in one transaction. Nothing else writes `entries`.

use crate::entry::{entry_hash, Header, Payload};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys::{PublicKey, Signer};
use crate::model::*;
use crate::projection;
use crate::rules::{self, Check, History, KeyInfo, SourceInfo, Violation};
use crate::store::Store;
use crate::text::SourceText;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::path::Path;

/// An entry to append: its body, and for `source.add` the source's bytes.
pub struct NewEntry {
    pub body: Body,
    pub blob: Option<Vec<u8>>,
}

impl NewEntry {
    pub fn new(body: Body) -> NewEntry {
        NewEntry { body, blob: None }
    }
}

/// What an append produced.
#[derive(Clone, Debug, Serialize)]
pub struct Appended {
    pub seq: Seq,
    pub kind: Kind,
    pub hash: Hash,
    pub id: Option<ItemId>,
}

/// Creates a new log at `path`: the `log.init` entry, signed by `signer`,
/// who becomes its first admin.
pub fn init(path: &Path, signer: &Signer, origin: &str, name: &str) -> Result<Appended> {
    check_new_origin(origin)?;
    let body = Body::LogInit(LogInit {
        origin: origin.to_string(),
        key: signer.public().to_openssh(),
        name: name.to_string(),
    });
    Store::create(path, |store| {
        let mut out = append_batch(store, signer, vec![NewEntry::new(body)])?;
        out.pop()
            .ok_or_else(|| Error::Internal("init appended nothing".into()))
    })
}

/// The origin a new log may take: verify's rule ([`rules::check_origin`]),
/// and, a command's rule, no character that draws nothing or reorders the
/// text around it: the origin names the log on every checkpoint and in
/// every verifier key, and `a<U+202E>b` printed as `a`, then `b` reversed, or
/// `a<U+200B>b` exactly as `ab`.
pub fn check_new_origin(origin: &str) -> Result<()> {
    const HINT: &str = "pick an origin like newsroom.example/idlib-2022";
    rules::check_origin(origin).map_err(|e| Error::invalid(e, HINT))?;
    if let Some(c) = origin.chars().find(|&c| crate::text::draws_nothing(c)) {
        let shown = crate::text::escape_each(origin, crate::text::draws_nothing);
        return Err(Error::invalid(
            format!(
                "the origin `{shown}` holds U+{:04X}, a character that draws nothing or reorders the text around it",
                c as u32
            ),
            format!("type it again without it; {HINT}"),
        ));
    }
    // Characters that print like others, as names refuse them: a
    // full-width `Ｘ`, a Cyrillic `е` in `newsroom.еxample` printed as the
    // desk's own origin on every checkpoint, bundle and report; only a
    // verifier key obtained apart tells the two logs apart.
    use unicode_normalization::UnicodeNormalization;
    let plain: String = origin.nfkc().collect();
    if plain != origin {
        return Err(Error::invalid(
            format!(
                "the origin `{}` has characters that print like others (full-width or styled letters, accents typed apart, ligatures)",
                crate::text::escape(origin)
            ),
            format!("give it as {}", crate::text::shell_text(&plain)),
        ));
    }
    if let Some(part) = origin
        .split(['.', '/'])
        .find(|part| crate::keys::mixes_scripts(part))
    {
        return Err(Error::invalid(
            format!(
                "the origin's part `{}` mixes letters of different scripts, so the origin looks like another (such as a Cyrillic е among Latin letters)",
                crate::text::escape(part)
            ),
            format!("type it again in one script; {HINT}"),
        ));
    }
    Ok(())
}

/// Builds a `claim.add` body for the span `start..end` of a source's text:
/// checks the span, hashes the quote and takes its context. The one
/// builder used by `claim add`, `claim suggest --add`, `import` and the demo.
pub fn claim_body(
    source: Ref,
    source_text: &str,
    span: (usize, usize),
    speaker: &str,
    provenance: SourceKind,
    paraphrase: Option<String>,
) -> Result<Body> {
    let spelling = crate::sources::Spelling::Cli;
    claim_body_in(
        spelling,
        source,
        source_text,
        span,
        speaker,
        provenance,
        paraphrase,
    )
}

/// "the quote ends with white space (U+0020)": what a quote with `lead`
/// and `trail` blank bytes ([`crate::text::quote_edges`]) is refused for.
pub(crate) fn blank_edges(quote: &str, lead: usize, trail: usize) -> String {
    let (lead, trail) = (&quote[..lead], &quote[quote.len() - trail..]);
    let at = match (lead.is_empty(), trail.is_empty()) {
        (false, false) => "begins and ends",
        (false, true) => "begins",
        _ => "ends",
    };
    let what = match format!("{lead}{trail}").chars().all(char::is_whitespace) {
        true => "white space",
        false => "white space or a character that draws nothing",
    };
    format!(
        "the quote {at} with {what} ({})",
        code_points(&format!("{lead}{trail}"))
    )
}

/// The quote `start..end` of a claim, `quote`, refused when it holds no
/// words, or begins or ends with white space (or a character that draws
/// nothing); its refusals say values as `spelling` writes them.
/// [`claim_body_in`]'s check of the quote, which `import` also makes of a
/// claim whose source is in the open batch, before that batch is committed
/// (found only when the claim was built, it ended the import in exit 2
/// with its source appended).
pub(crate) fn quote_says_words(
    spelling: crate::sources::Spelling,
    quote: &str,
    (start, end): (usize, usize),
) -> Result<()> {
    // A command's rule, not verify's: a claim quotes words. A quote of a
    // space (which `--quote " "` and its `--occurrence` hint recorded) or
    // of a character that draws nothing is no claim.
    if crate::text::says_nothing(quote) {
        return Err(Error::invalid(
            format!(
                "the quote holds only white space or characters that draw nothing ({})",
                code_points(quote)
            ),
            format!(
                "choose the claim's words with {} (or {})",
                spelling.name("quote"),
                spelling.name("span")
            ),
        ));
    }
    // Nor does a claim begin or end with white space: `--quote 'X '` (a
    // space copied with the words) or a span one past them recorded a
    // second claim of the same words that no list tells from the first.
    // (Nor with a character that draws nothing, a zero-width space or a
    // byte order mark, which made the same twin.)
    let (lead, trail) = crate::text::quote_edges(quote);
    if lead + trail > 0 {
        return Err(Error::invalid(
            blank_edges(quote, lead, trail),
            format!(
                "give the words alone: {}",
                spelling.span(start + lead, end - trail)
            ),
        ));
    }
    Ok(())
}

/// [`claim_body`], its refusals giving values as `spelling` writes them
/// (an import line's `"span": "0..6"`, not `--span 0..6`).
pub fn claim_body_in(
    spelling: crate::sources::Spelling,
    source: Ref,
    source_text: &str,
    (start, end): (usize, usize),
    speaker: &str,
    provenance: SourceKind,
    paraphrase: Option<String>,
) -> Result<Body> {
    let quote = crate::text::span(source_text, start, end).map_err(|e| {
        Error::invalid(
            e,
            format!("see `claimtrail show {} --text` for the text", source.id),
        )
    })?;
    if speaker.trim().is_empty() {
        return Err(Error::invalid(
            "the speaker is empty",
            "give who said it, as the source names them",
        ));
    }
    quote_says_words(spelling, quote, (start, end))?;
    Ok(Body::ClaimAdd(ClaimAdd {
        source,
        start: start as u64,
        end: end as u64,
        quote_sha256: Hash::sha256(quote.as_bytes()),
        prefix: crate::text::prefix(source_text, start).to_string(),
        suffix: crate::text::suffix(source_text, end).to_string(),
        speaker: speaker.to_string(),
        provenance,
        text: paraphrase,
    }))
}

/// Appends one entry.
pub fn append(store: &mut Store, signer: &Signer, entry: NewEntry) -> Result<Appended> {
    let mut out = append_batch(store, signer, vec![entry])?;
    out.pop()
        .ok_or_else(|| Error::Internal("append appended nothing".into()))
}

/// Appends entries in order in one transaction: all of them or none.
pub fn append_batch(
    store: &mut Store,
    signer: &Signer,
    entries: Vec<NewEntry>,
) -> Result<Vec<Appended>> {
    let redacting = entries
        .iter()
        .any(|e| matches!(e.body, Body::SourceRedact(_)));
    store.ready_to_write()?;
    let path = store.path().to_path_buf();
    let same_file = store.file_check();
    let conn = store.conn_mut();
    if redacting {
        // Overwrite freed pages with zeros, so the redacted text does not
        // linger in the file's free pages.
        conn.execute_batch("PRAGMA secure_delete = ON")?;
    }
    // An ssh-agent is asked before the write lock is taken: it may wait for
    // its user to confirm (`ssh-add -c`), and every other writer of the log
    // waited as long, then failed as busy. The entry is signed again under
    // the lock, with the same time: when no one appended meanwhile, its
    // bytes are the same and the agent's answer is reused (Ed25519 is
    // deterministic). When someone did, the lock is let go and the agent
    // asked again, with the time now (an entry kept the time of the first
    // request, earlier than the entry before it), up to three times; then
    // it is asked under the lock.
    same_file.still_at_path(conn)?;
    let mut time = crate::clock::now();
    let mut tries = 0;
    let tx = loop {
        let signed_after = match entries.as_slice() {
            [e] if signer.is_agent() && tries < 3 => Some(presign(conn, signer, e, &time)?),
            _ => None,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        match signed_after {
            Some(prev) if crate::store::head(&tx)?.map_or(Hash::ZERO, |(_, h)| h) != prev => {
                drop(tx);
                tries += 1;
                time = crate::clock::now();
            }
            _ => break tx,
        }
    };
    crate::schema::require_own(&tx, &path)?;
    crate::store::state_rows_complete(&tx)?;
    let out = if let Some(next_ids) = pipelined(&tx, &entries)? {
        append_pipelined(&tx, signer, entries, next_ids)?
    } else {
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            out.push(append_one(&tx, signer, e, time.clone())?);
        }
        out
    };
    commit_told(tx, &out)?;
    if redacting {
        // Move everything out of the WAL and truncate it, so no old copy
        // of the text stays in the -wal file either.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    store.appended();
    Ok(out)
}

/// Appends one entry whose body depends on the log's state at the moment of
/// appending (a checkpoint of the current tree): `build` runs inside the
/// write transaction, with the `seq` the entry will get.
pub fn append_with(
    store: &mut Store,
    signer: &Signer,
    build: impl FnOnce(&Connection, Seq) -> Result<NewEntry>,
) -> Result<Appended> {
    store.ready_to_write()?;
    let path = store.path().to_path_buf();
    let same_file = store.file_check();
    let conn = store.conn_mut();
    same_file.still_at_path(conn)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(busy)?;
    crate::schema::require_own(&tx, &path)?;
    crate::store::state_rows_complete(&tx)?;
    let seq = crate::store::head(&tx)?.map_or(Seq(0), |(s, _)| Seq(s.0 + 1));
    let entry = build(&tx, seq)?;
    let out = append_one(&tx, signer, entry, crate::clock::now())?;
    commit_told(tx, std::slice::from_ref(&out))?;
    store.appended();
    Ok(out)
}

/// Commits a command's entries with an interrupt held off, and from then
/// on an interrupt says that they are in the log: a command interrupted
/// between its commit and its output (`annotate` printing its id) died
/// without a word, and a script that ran it again until it succeeded
/// appended the annotation twice.
fn commit_told(tx: rusqlite::Transaction<'_>, out: &[Appended]) -> Result<()> {
    let said = match out {
        [] => return tx.commit().map_err(busy),
        [one] => format!("interrupted: {} was appended before the interrupt, and is in the log (`claimtrail log -n 1` shows it: run the command again only for what is not there)", committed(one)),
        all => format!(
            "interrupted: {} were appended before the interrupt, and are in the log (`claimtrail log -n {}` shows them: run the command again only for what is not there)",
            all.iter().map(committed).collect::<Vec<_>>().join(", "),
            all.len()
        ),
    };
    crate::interrupt::commit_then_say(|| tx.commit().map_err(busy), said)
}

/// An appended entry as an interrupt names it: its item and entry, or
/// its entry and kind.
fn committed(a: &Appended) -> String {
    match a.id {
        Some(id) => format!("{id} (entry {})", a.seq),
        None => format!("entry {} ({})", a.seq, a.kind),
    }
}

/// [`checkpoint`], after verifying the whole log (as `cosign` and
/// `publish` do): an admin's checkpoint vouches for the log up to its size,
/// and signed over damage it would lend that damage the admin's word (a
/// later `verify` still finds it, but readers of the checkpoint alone would
/// not). It is signed only over the tree verify checked: under the write
/// lock, the log's size and root must still be those verify derived from
/// the entries (a checkpoint was signed over a row written into the file
/// by hand while verify ran, which no rule had seen). A log that grew
/// meanwhile, by another writer's append, is verified again, up to
/// [`CHECKPOINT_TRIES`] times in all. Refused, before any work, for a key
/// that may not sign checkpoints.
///
/// `refusal` is what a log that fails verify is told: what signing would
/// have done, and what to do first ([`does_not_verify`]), in the terms of
/// the command that asked (`export` signs a checkpoint for its bundle).
pub fn verified_checkpoint(
    store: &mut Store,
    signer: &Signer,
    progress: &mut dyn FnMut(u64, u64),
    refusal: (&str, &str),
    keep: impl FnOnce(&Connection, &crate::checkpoint::SignedNote) -> Result<()>,
) -> Result<(Appended, crate::checkpoint::SignedNote)> {
    // What the append path would refuse at once, it refuses before the
    // verification too, and says so in its own words.
    crate::schema::require_own(store.conn(), store.path())?;
    crate::tree::check_origin(&store.origin()?)?;
    if let Some(e) = checkpoint_refusal(store.conn(), signer)? {
        return Err(e);
    }
    let mut keep = Some(keep);
    let mut tries = 0;
    loop {
        tries += 1;
        // The last try holds the log's write lock, on a connection of its
        // own, while it verifies: other writers wait (as for any append,
        // up to CLAIMTRAIL_BUSY_TIMEOUT), so that a log that grows all
        // the time (an import running) still gets its checkpoint. The lock
        // is let go just before the checkpoint takes it, so a writer
        // polling for it may still come first, and the check below says so.
        let hold = match tries == CHECKPOINT_TRIES {
            true => Some(write_lock(store.path())?),
            false => None,
        };
        let report = crate::verify::verify_with_progress(store, &[], progress)?;
        drop(hold);
        if !report.ok {
            return Err(does_not_verify(&report, refusal.0, refusal.1));
        }
        let verified = (report.tree_size, report.tree_root);
        let result = checkpoint_of(store, signer, Some(verified), |conn, note| {
            match keep.take() {
                Some(keep) => keep(conn, note),
                None => Err(Error::Internal("checkpoint kept twice".into())),
            }
        });
        match result {
            Err(Error::LogMoved { found, .. }) if tries == CHECKPOINT_TRIES => {
                return Err(Error::invalid(
                    format!(
                        "the log changed while it was verified, {}: verify checked {} and the log then held {}, so nothing was signed",
                        crate::text::count(tries as u64, "time"),
                        crate::text::count(verified.0 .0, "entry"),
                        crate::text::count(found.map_or(0, |s| s.0 + 1), "entry")
                    ),
                    "run it again when the log is quieter (an import keeps it growing); if no one appends, run `claimtrail verify`: rows written into the file by hand change it too",
                ))
            }
            Err(Error::LogMoved { .. }) => continue,
            result => return result,
        }
    }
}

/// The log's write lock, taken on a connection of its own and held until
/// dropped (its transaction is then rolled back: it wrote nothing).
fn write_lock(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(crate::store::busy_timeout())?;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(busy)?;
    Ok(conn)
}

/// How many times [`verified_checkpoint`] verifies a log that grows
/// while it is verified before it gives up (the last time holding the
/// write lock).
pub const CHECKPOINT_TRIES: u32 = 3;

/// What `checkpoint` is told of a log that fails verify ([`verified_checkpoint`]).
pub const CHECKPOINT_REFUSAL: (&str, &str) = (
    "a checkpoint would sign it as it is",
    "restore the log from a backup before signing a checkpoint",
);

/// What `export` is told of a log that fails verify, whether it signs a
/// checkpoint for the bundle or uses a stored one.
pub const EXPORT_REFUSAL: (&str, &str) = (
    "a bundle would carry what its tables say",
    "restore the log from a backup before exporting",
);

/// The refusal of a command that vouches for the log as a whole (signs a
/// checkpoint of it, exports a bundle from it) when `report`, verify's,
/// found problems: how many, the first, and what the command would have
/// done (`would`); the hint adds `then` to "run `claimtrail verify`",
/// and how to restore (the -wal and -shm files moved aside too).
pub fn does_not_verify(report: &crate::verify::Report, would: &str, then: &str) -> Error {
    let n = report.problems.len() as u64 + report.more_problems;
    let first = report
        .problems
        .first()
        .map(|p| {
            let detail = crate::text::escape(&p.detail);
            match p.seq {
                Some(seq) => format!("; the first: entry {seq}, {}: {detail}", p.check),
                None => format!("; the first: {}: {detail}", p.check),
            }
        })
        .unwrap_or_default();
    Error::invalid(
        format!(
            "this log does not verify ({}{first}): {would}",
            crate::text::count(n, "problem")
        ),
        format!("run `claimtrail verify` to see what is wrong; {then} ({RESTORE_STEPS})"),
    )
}

/// How a backup is put back in the refusals of [`does_not_verify`]: the
/// -wal and -shm files belong to the file beside them
/// ([`crate::error::RESTORE`]).
const RESTORE_STEPS: &str = "move the damaged file aside together with the -wal, -shm and -journal files beside it, then copy in a backup `claimtrail backup PATH` wrote before the damage";

/// Signs a checkpoint of the log as it stands (an admin's `checkpoint.add`
/// entry) and returns the entry and the signed note. `keep` is given the
/// note, and the transaction's connection (the log as the note covers it),
/// before the entry is committed: where it fails (the file the note goes
/// to, or a bundle proven against it, is on a full disk), the log stays as
/// it was.
pub fn checkpoint(
    store: &mut Store,
    signer: &Signer,
    keep: impl FnOnce(&Connection, &crate::checkpoint::SignedNote) -> Result<()>,
) -> Result<(Appended, crate::checkpoint::SignedNote)> {
    checkpoint_of(store, signer, None, keep)
}

/// [`checkpoint`], which with `verified` (the tree verify checked) signs
/// only that tree: a log whose size or root is another under the write
/// lock is [`Error::LogMoved`], and nothing is signed.
fn checkpoint_of(
    store: &mut Store,
    signer: &Signer,
    verified: Option<(crate::merkle::TreeSize, Hash)>,
    keep: impl FnOnce(&Connection, &crate::checkpoint::SignedNote) -> Result<()>,
) -> Result<(Appended, crate::checkpoint::SignedNote)> {
    let origin = store.origin()?;
    let mut note = None;
    let e = append_with(store, signer, |conn, seq| {
        // Refused before the note is signed, not after: a key that may not
        // sign checkpoints is not asked to (an ssh-agent may ask its user
        // to confirm each signature).
        if let Some(e) = authorization_error(
            &StoreHistory { conn },
            signer.fingerprint(),
            Kind::CheckpointAdd,
        )? {
            return Err(e);
        }
        let size = crate::merkle::TreeSize(seq.0);
        let root = crate::tree::root(conn, size)?;
        if let Some(tree) = verified.filter(|&tree| tree != (size, root)) {
            return Err(Error::LogMoved {
                expected: Seq(tree.0 .0.saturating_sub(1)),
                found: seq.0.checked_sub(1).map(Seq),
                refusal: "the checkpoint would sign a tree verify did not check".into(),
            });
        }
        let signed = crate::tree::sign_note(&origin, size, root, signer)?;
        let body = Body::CheckpointAdd(CheckpointAdd {
            size: seq.0,
            root,
            note: signed.to_string(),
        });
        keep(conn, &signed)?;
        note = Some(signed);
        Ok(NewEntry::new(body))
    })?;
    let note = note.ok_or_else(|| Error::Internal("checkpoint note missing".into()))?;
    Ok((e, note))
}

/// Whether a batch can be signed on a second thread while this one checks
/// and stores it ([`append_pipelined`]): only when no entry of the batch can
/// change how another is checked, but through what the batch's history
/// keeps up to date as entries are pushed (the sources added, the claims
/// retracted). Key changes, redactions, checkpoints and `log.init` change
/// the state the rules read in other ways, and a reference to an item
/// created in the same batch (possible only in principle: its hash is not
/// known before it is signed) would need the item stored first; batches
/// with any of these take the entry-by-entry path. `Some` gives the next
/// id of each item kind ([`IdKind::index`]), which the batch starts from.
fn pipelined(conn: &Connection, entries: &[NewEntry]) -> Result<Option<[u64; 3]>> {
    if entries.len() < 2 {
        return Ok(None);
    }
    let next = next_ids(conn)?;
    Ok(entries
        .iter()
        .all(|e| independent(e, &next))
        .then_some(next))
}

/// The next id of each item kind ([`IdKind::index`]).
fn next_ids(conn: &Connection) -> Result<[u64; 3]> {
    let mut next = [0u64; 3];
    for kind in IdKind::ALL {
        next[kind.index()] = max_id(conn, kind)? + 1;
    }
    Ok(next)
}

/// Whether the entry can go in a pipelined batch whose first new items
/// get the ids `next`: a source, claim, annotation, retraction or source
/// amendment that refers only to items stored before the batch.
fn independent(e: &NewEntry, next: &[u64; 3]) -> bool {
    matches!(
        e.body,
        Body::SourceAdd(_)
            | Body::ClaimAdd(_)
            | Body::AnnotationAdd(_)
            | Body::ClaimRetract(_)
            | Body::AnnotationRetract(_)
            // Its rules read only the source's signer and the keys: an
            // amendment changes nothing another entry is checked against.
            | Body::SourceAmend(_)
    ) && e
        .body
        .refs()
        .iter()
        .all(|(_, r)| r.id.n < next[r.id.kind.index()])
}

fn max_id(conn: &Connection, kind: IdKind) -> Result<u64> {
    let max: i64 = conn
        .prepare_cached(&format!(
            "SELECT COALESCE(MAX(id), 0) FROM {}",
            table_of(kind)
        ))?
        .query_row([], |r| r.get(0))?;
    Ok(max as u64)
}

/// A batch of sources, claims and annotations that refer only to items
/// already stored ([`pipelined`]), appended through a [`Pipeline`].
fn append_pipelined(
    conn: &Connection,
    signer: &Signer,
    entries: Vec<NewEntry>,
    next_n: [u64; 3],
) -> Result<Vec<Appended>> {
    std::thread::scope(|scope| {
        let mut p = Pipeline::new(scope, signer);
        p.start(conn, next_n)?;
        for e in entries {
            p.push(conn, e, true)??;
        }
        p.finish(conn)
    })
}

/// Appends sources, claims, annotations and retractions that refer only to
/// items stored before their batch, in two threads: the caller's checks every entry
/// against the rules exactly as [`append_one`] does and stores the signed
/// entries with their projection rows and tree nodes; a second one builds
/// each payload with the hash of the entry before it, signs it and hashes
/// it. The chain makes signing sequential, so overlapping it with the
/// checks, the SQLite writes and whatever the caller does between entries
/// (an import reads its next lines) is what bounds a bulk append by the
/// signing rate.
///
/// Within a batch the only way one entry bears on the check of another is
/// a second `source.add` of the same bytes, which [`BatchHistory`] sees
/// (from the store, or before it is stored from its own list); entries that
/// could bear on others in any other way (key changes, redactions,
/// checkpoints, references into the batch) are refused here, and
/// [`append_batch`] takes them entry by entry. The result is the
/// entry-by-entry path's, entry for entry and error for error.
struct Pipeline<'s> {
    signer: &'s Signer,
    /// To the signing thread: each payload, with the hash of the entry
    /// before it for a batch's first.
    to_sign: std::sync::mpsc::Sender<(Option<Hash>, Payload)>,
    signed: std::sync::mpsc::Receiver<Result<Signed>>,
    open: Option<OpenBatch>,
    /// Stored items referred to, kept from batch to batch: a pipelined
    /// entry refers only to items stored before its batch, and a stored
    /// item never changes. Only items found are kept.
    items: ItemCache,
    /// What the log held when the pipeline began, and whether any other
    /// writer has appended since: the check that a claim is recorded once
    /// ([`refuse_same_claim`]) asks the table only where a claim could be
    /// there that the caller has not seen (a source older than the
    /// pipeline, or another writer's entries). An import's own claims are
    /// its own to compare, and a million-line import asked the table for
    /// every claim otherwise.
    first_source: Option<u64>,
    /// The next id of each kind when the pipeline began, and the items
    /// before those that an entry referred to and that were checked
    /// against their entries ([`crate::signed_view::referred`]): each
    /// once, and none the pipeline stored itself (unless another writer
    /// appended meanwhile, which may have made them).
    first_n: Option<[u64; 3]>,
    vouched: std::collections::HashSet<ItemId>,
    last_head: Option<(Seq, Hash)>,
    foreign: bool,
}

/// Seq and hash of stored items, up to [`ItemCache::MAX`] of them (then
/// emptied): about 80 bytes each.
#[derive(Default)]
struct ItemCache(std::cell::RefCell<std::collections::HashMap<ItemId, (Seq, Hash)>>);

impl ItemCache {
    const MAX: usize = 1 << 20;
}

/// A batch in progress, within the caller's write transaction.
struct OpenBatch {
    log: String,
    next_seq: u64,
    /// The head's hash, until the batch's first entry is sent.
    prev: Option<Hash>,
    /// The next id of each item kind when the batch started ([`IdKind::index`]),
    /// and now.
    start_n: [u64; 3],
    next_n: [u64; 3],
    caches: BatchCaches,
    tree: crate::tree::TreeWriter,
    /// Entries sent to be signed and not stored yet: their item number
    /// and source text.
    in_flight: std::collections::VecDeque<(Option<u64>, Option<Vec<u8>>)>,
    /// The last entry stored (the head when the batch started): what the
    /// log's head must still be when a later transaction takes the entries
    /// in flight ([`Bulk::commit`]).
    stored: (Seq, Hash),
    out: Vec<Appended>,
}

impl<'s> Pipeline<'s> {
    /// Starts the signing thread, which ends when the pipeline is dropped.
    fn new<'scope>(scope: &'scope std::thread::Scope<'scope, 's>, signer: &'s Signer) -> Self {
        let (to_sign, signing) = std::sync::mpsc::channel::<(Option<Hash>, Payload)>();
        let (signed_tx, signed) = std::sync::mpsc::channel::<Result<Signed>>();
        scope.spawn(move || {
            let mut prev = Hash::ZERO;
            for (first, mut payload) in signing {
                if let Some(p) = first {
                    prev = p;
                }
                payload.header.prev = prev;
                let out = sign(signer, payload);
                if let Ok(s) = &out {
                    prev = s.hash;
                }
                let failed = out.is_err();
                if signed_tx.send(out).is_err() || failed {
                    return;
                }
            }
        });
        Pipeline {
            signer,
            to_sign,
            signed,
            open: None,
            items: ItemCache::default(),
            first_source: None,
            first_n: None,
            vouched: Default::default(),
            last_head: None,
            foreign: false,
        }
    }

    /// Starts a batch in the write transaction open on `conn`, whose next
    /// item ids are `next_n`.
    fn start(&mut self, conn: &Connection, next_n: [u64; 3]) -> Result<()> {
        if self.open.is_some() {
            return Err(Error::Internal("a batch started inside another".into()));
        }
        let (head, prev) = match crate::store::head_to_extend(conn)? {
            None => return Err(Error::Internal("a batch before log.init".into())),
            Some(head) => head,
        };
        let next_seq = head.0 + 1;
        if self.last_head.is_some_and(|h| h != (head, prev)) {
            self.foreign = true;
        }
        self.first_source
            .get_or_insert(next_n[IdKind::Source.index()]);
        self.first_n.get_or_insert(next_n);
        self.open = Some(OpenBatch {
            log: origin(conn)?,
            next_seq,
            prev: Some(prev),
            start_n: next_n,
            next_n,
            caches: BatchCaches::default(),
            tree: crate::tree::TreeWriter::default(),
            in_flight: Default::default(),
            stored: (head, prev),
            out: Vec::new(),
        });
        Ok(())
    }

    /// Checks the entry and hands it to the signing thread; with `store`,
    /// stores the entries signed meanwhile. The inner error is the entry's
    /// refusal (nothing of it was sent); the outer one, a failure of the
    /// batch.
    fn push(&mut self, conn: &Connection, e: NewEntry, store: bool) -> Result<Result<()>> {
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| Error::Internal("an entry pushed outside a batch".into()))?;
        if !independent(&e, &open.start_n) {
            return Err(Error::Internal(format!(
                "a {} entry that the pipelined append cannot take",
                e.body.kind()
            )));
        }
        let header = Header {
            log: open.log.clone(),
            seq: Seq(open.next_seq),
            prev: Hash::ZERO, // set by the signing thread
            time: crate::clock::now(),
            signer: self.signer.fingerprint().clone(),
            kind: e.body.kind(),
        };
        let history = BatchHistory {
            store: StoreHistory { conn },
            caches: &open.caches,
            items: &self.items,
        };
        let ask_table = self.foreign
            || matches!(&e.body, Body::ClaimAdd(b)
                if self.first_source.is_none_or(|first| b.source.id.n < first));
        let (foreign, first_n, vouched) = (self.foreign, self.first_n, &mut self.vouched);
        match check_entry(&history, self.signer.fingerprint(), &header, &e).and_then(|()| {
            // One lookup, and only for a speaker with letters that print
            // as Latin ones; the speakers of this same batch are asked
            // apart, as their rows may not be stored yet (whether the
            // table had one depended on the timing of the two threads).
            let speakers = &open.caches.speakers;
            refuse_lookalike_speaker(conn, &e.body, &|latin| {
                speakers.borrow().get(&latin.to_ascii_lowercase()).cloned()
            })?;
            crate::signed_view::referred(conn, &e.body, &mut |id| {
                (foreign || first_n.is_none_or(|f| id.n < f[id.kind.index()])) && vouched.insert(id)
            })?;
            // An annotation superseded before the pipeline began, or by
            // another writer since: its successors are in the table (this
            // run's own lines are the caller's to compare, as its claims
            // are, and their rows may not be stored yet).
            if let Body::AnnotationAdd(AnnotationAdd {
                supersedes: Some(r),
                ..
            }) = &e.body
            {
                if foreign || first_n.is_none_or(|f| r.id.n < f[IdKind::Annotation.index()]) {
                    let gone = open.caches.retracted_annotations.borrow();
                    refuse_superseded(conn, &e.body, &|n| gone.contains_key(&n))?;
                }
            }
            if !ask_table {
                return Ok(());
            }
            // A claim retracted earlier in this batch is not in the table yet.
            let retracted = open.caches.retracted.borrow();
            let retracted = |n| retracted.as_ref().is_some_and(|r| r.contains_key(&n));
            refuse_same_claim(conn, &e.body, &retracted)?;
            // Nor, perhaps, a claim checked earlier in this batch: its row
            // is stored once the signing thread hands its entry back, so
            // the table had it or not by the timing of the two threads,
            // and a batch holding one claim twice was refused or not.
            if let Body::ClaimAdd(b) = &e.body {
                let here = open.caches.claims.borrow();
                if let Some(&n) = here.get(&crate::query::ClaimKey::of(b)) {
                    if !retracted(n) {
                        return Err(recorded_twice(ItemId::claim(n), b));
                    }
                }
            }
            Ok(())
        }) {
            Ok(()) => {}
            Err(e) if e.is_failure() => return Err(e),
            Err(refusal) => return Ok(Err(refusal)),
        }
        if let Body::ClaimRetract(b) = &e.body {
            // The entries after it in the batch are checked against the
            // claim as retracted.
            history.load_retractions()?;
            if let Some(all) = open.caches.retracted.borrow_mut().as_mut() {
                all.insert(b.claim.id.n, header.seq);
            }
        }
        if let Body::AnnotationRetract(b) = &e.body {
            // And against the annotation as retracted.
            open.caches
                .retracted_annotations
                .borrow_mut()
                .insert(b.annotation.id.n, header.seq);
        }
        let n = e.body.creates().map(|k| {
            open.next_n[k.index()] += 1;
            open.next_n[k.index()] - 1
        });
        if let (Body::SourceAdd(b), Some(n)) = (&e.body, n) {
            open.caches.added.borrow_mut().entry(b.sha256).or_insert(n);
        }
        if let Body::ClaimAdd(b) = &e.body {
            if b.speaker.is_ascii() {
                open.caches
                    .speakers
                    .borrow_mut()
                    .entry(b.speaker.to_ascii_lowercase())
                    .or_insert_with(|| b.speaker.clone());
            }
        }
        if let (Body::ClaimAdd(b), Some(n), true) = (&e.body, n, ask_table) {
            open.caches
                .claims
                .borrow_mut()
                .insert(crate::query::ClaimKey::of(b), n);
        }
        open.next_seq += 1;
        open.in_flight.push_back((n, e.blob));
        let payload = Payload {
            header,
            body: e.body,
        };
        if self.to_sign.send((open.prev.take(), payload)).is_err() {
            // The signing thread stopped after an error, which comes next.
            if !store {
                return Err(self.signing_error());
            }
            return self.store_signed(conn, true).map(Ok);
        }
        if !store {
            return Ok(Ok(()));
        }
        self.store_signed(conn, false).map(Ok)
    }

    /// The error that stopped the signing thread, without storing what it
    /// signed before.
    fn signing_error(&mut self) -> Error {
        for s in self.signed.iter() {
            if let Err(e) = s {
                return e;
            }
        }
        Error::Internal("the signing thread stopped".into())
    }

    /// Stores the entries that are signed, in order; with `wait`, all of
    /// those in flight.
    fn store_signed(&mut self, conn: &Connection, wait: bool) -> Result<()> {
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        while !open.in_flight.is_empty() {
            let s = if wait {
                self.signed
                    .recv()
                    .map_err(|_| Error::Internal("the signing thread stopped".into()))?
            } else {
                match self.signed.try_recv() {
                    Ok(s) => s,
                    Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(()),
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        return Err(Error::Internal("the signing thread stopped".into()))
                    }
                }
            }?;
            let Some((n, blob)) = open.in_flight.pop_front() else {
                break;
            };
            let history = BatchHistory {
                store: StoreHistory { conn },
                caches: &open.caches,
                items: &self.items,
            };
            let a = store_entry(conn, &history, &mut open.tree, s, n, blob)?;
            open.stored = (a.seq, a.hash);
            open.out.push(a);
        }
        Ok(())
    }

    /// Stores the rest of the batch and ends it (the caller commits).
    fn finish(&mut self, conn: &Connection) -> Result<Vec<Appended>> {
        let out = self.settle(conn)?;
        self.open = None;
        Ok(out)
    }

    /// After another process appended to the log (the open batch's entries
    /// in flight were numbered and chained after an entry that is no longer
    /// the head): takes back the entries in flight, unsigned, and pushes
    /// them again on the log as it is now, in the same order, checked
    /// again. Nothing of them was stored. The inner error is a refusal of
    /// one of them under the new log (the rest are dropped).
    fn restart(&mut self, conn: &Connection) -> Result<Result<()>> {
        let Some(open) = self.open.take() else {
            return Ok(Ok(()));
        };
        if !open.out.is_empty() {
            return Err(Error::Internal(
                "a restart after entries were stored".into(),
            ));
        }
        let mut entries = Vec::with_capacity(open.in_flight.len());
        for (_, blob) in open.in_flight {
            let s = self
                .signed
                .recv()
                .map_err(|_| Error::Internal("the signing thread stopped".into()))??;
            entries.push(NewEntry {
                body: s.payload.body,
                blob,
            });
        }
        self.start(conn, next_ids(conn)?)?;
        for e in entries {
            if let Err(refusal) = self.push(conn, e, true)? {
                return Ok(Err(refusal));
            }
        }
        Ok(Ok(()))
    }

    /// Stores every entry in flight and returns the entries stored since
    /// the last settle; the entries pushed from now on form a new batch,
    /// which may refer to the items of this one (they are stored).
    fn settle(&mut self, conn: &Connection) -> Result<Vec<Appended>> {
        self.store_signed(conn, true)?;
        let Some(open) = self.open.as_mut() else {
            return Ok(Vec::new());
        };
        open.start_n = open.next_n;
        open.caches.added.borrow_mut().clear();
        Ok(std::mem::take(&mut open.out))
    }
}

/// A bulk append of sources, claims, annotations and retractions that refer
/// only to items stored before their batch (what `import` appends): entries are
/// pushed one at a time and signed on a second thread while the caller
/// prepares the next ones (`Pipeline`); each batch is one transaction.
///
/// A batch ends in two steps, so that the signing thread never waits for
/// the commit: [`Bulk::settle`] stores the batch's last entries and gives
/// their hashes (the caller's next lines may refer to them), and the
/// entries pushed after it are checked and signed but not stored until
/// [`Bulk::commit`] has committed the batch. The next transaction begins
/// with the next push. Those entries were numbered and chained after the
/// committed batch, so if another process appended in between (a single
/// command waiting for the lock takes it then), they are taken back
/// unsigned, checked again and signed again after the new head; only if
/// one of them no longer passes does the append stop
/// ([`Error::LogMoved`]). Dropping it rolls back whatever is not committed.
///
/// A dry run ([`Bulk::dry_run`]) goes through the same path, checks
/// and signatures included, in one transaction that is never committed:
/// its batches stay in that transaction, where its later batches read
/// them, and [`Bulk::discard`] (or the drop, or the process's end) rolls
/// all of it back.
pub struct Bulk<'s> {
    store: &'s Store,
    conn: &'s Connection,
    /// The log's file, named when its schema is refused.
    path: &'s Path,
    pipeline: Pipeline<'s>,
    /// Whether this connection's write transaction is open.
    txn: bool,
    /// Whether the open transaction holds a settled batch that awaits its
    /// commit: entries pushed since are not stored in it.
    settled: bool,
    /// A dry run: [`Bulk::commit`] keeps the transaction open.
    dry_run: bool,
}

impl<'s> Bulk<'s> {
    pub fn new<'scope>(
        scope: &'scope std::thread::Scope<'scope, 's>,
        store: &'s Store,
        signer: &'s Signer,
    ) -> Self {
        Bulk {
            store,
            conn: store.conn(),
            path: store.path(),
            pipeline: Pipeline::new(scope, signer),
            txn: false,
            settled: false,
            dry_run: false,
        }
    }

    /// Makes this a dry run if `dry_run`: batches end as they would, but
    /// nothing is committed (see [`Bulk`]). It holds the log's write lock
    /// from its first entry to [`Bulk::discard`]: other writers wait,
    /// readers see the log as it was.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Rolls back everything not committed: in a dry run, all of it. The
    /// drop does it too.
    pub fn discard(&mut self) -> Result<()> {
        if self.txn || !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        self.txn = false;
        self.settled = false;
        self.pipeline.open = None;
        Ok(())
    }

    /// Checks the entry and appends it to the open batch (beginning one).
    /// The inner error is the entry's refusal (the batch goes on without
    /// it), the outer one a failure of the batch (drop it). `import`
    /// reports a refusal as its line's error: the append path's check is
    /// the only check of the line.
    pub fn try_push(&mut self, e: NewEntry) -> Result<Result<()>> {
        if !self.settled {
            self.begin()?;
        }
        if self.pipeline.open.is_none() {
            self.pipeline.start(self.conn, next_ids(self.conn)?)?;
        }
        self.pipeline.push(self.conn, e, !self.settled)
    }

    /// Stores every entry of the open batch and returns them, in the order
    /// pushed; the transaction stays open until [`Bulk::commit`]. Entries
    /// pushed from now on form the next batch and may refer to these.
    pub fn settle(&mut self) -> Result<Vec<Appended>> {
        if self.settled {
            return Err(Error::Internal("a batch settled twice".into()));
        }
        if self.pipeline.open.is_none() {
            return Ok(Vec::new());
        }
        self.begin()?;
        let out = self.pipeline.settle(self.conn)?;
        self.settled = true;
        Ok(out)
    }

    /// Commits what is stored (after [`Bulk::settle`], the whole batch).
    /// Entries still in flight stay so, for the next transaction. In a dry
    /// run the transaction stays open and the next batch goes on in it.
    pub fn commit(&mut self) -> Result<()> {
        if self.txn && !self.dry_run {
            // A batch takes seconds: the file may have been replaced
            // meanwhile (see `FileCheck`). Its entries would go to a file
            // that no path names: rolled back, and said.
            let same_file = self.store.file_check();
            if same_file.replaced() {
                self.conn.execute_batch("ROLLBACK")?;
                self.txn = false;
                same_file.still_at_path(self.conn)?;
            }
            self.conn.execute_batch("COMMIT").map_err(busy)?;
            self.txn = false;
            self.store.appended();
        }
        self.settled = false;
        if let Some(o) = self
            .pipeline
            .open
            .as_ref()
            .filter(|o| o.in_flight.is_empty())
        {
            // Nothing in flight: the next batch starts from the log as it
            // is then, which tells whether another writer appended.
            self.pipeline.last_head = Some(o.stored);
            self.pipeline.open = None;
        }
        Ok(())
    }

    /// Opens the write transaction if it is not open. With entries in
    /// flight, the log must still end where the pipeline left it.
    fn begin(&mut self) -> Result<()> {
        if self.txn {
            return Ok(());
        }
        // A dry run writes nothing: the file stays as it is (the command
        // refuses an older log before).
        if !self.dry_run {
            self.store.ready_to_write()?;
            // A bulk load syncs at the WAL's checkpoints, not at every
            // batch (see `import`): set here, under no transaction, once
            // the file is ready to write.
            self.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        }
        self.store.file_check().still_at_path(self.conn)?;
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(busy)?;
        self.txn = true;
        crate::schema::require_own(self.conn, self.path)?;
        crate::store::state_rows_complete(self.conn)?;
        if let Some(open) = &self.pipeline.open {
            let head = crate::store::head(self.conn)?;
            if head != Some(open.stored) {
                self.pipeline.foreign = true;
                let (expected, found) = (open.stored.0, head.map(|(s, _)| s));
                self.pipeline
                    .restart(self.conn)?
                    .map_err(|refusal| Error::LogMoved {
                        expected,
                        found,
                        refusal: refusal.to_string(),
                    })?;
            }
        }
        Ok(())
    }

    /// The highest id of `kind` stored before the open batch (`None` when
    /// no batch is open): what the log held, whatever of the batch is
    /// stored yet.
    pub fn before_batch(&self, kind: IdKind) -> Option<u64> {
        self.pipeline
            .open
            .as_ref()
            .map(|o| o.start_n[kind.index()] - 1)
    }

    /// The highest id of `kind` given so far, the open batch's included
    /// (`None` when no batch is open).
    pub fn given_so_far(&self, kind: IdKind) -> Option<u64> {
        self.pipeline
            .open
            .as_ref()
            .map(|o| o.next_n[kind.index()] - 1)
    }
}

impl Drop for Bulk<'_> {
    fn drop(&mut self) {
        let _ = self.discard();
    }
}

/// The history a pipelined batch is checked against: the store, plus the
/// sources the batch adds that may not be stored yet and the claims it
/// retracts (the two facts in which its entries bear on each other). The
/// signer's key is read once per batch (keys cannot change within such a
/// batch), each stored item
/// referred to once per pipeline ([`ItemCache`]: items never change once
/// stored), and the last source text is kept (a source's claims usually
/// come together).
struct BatchHistory<'c> {
    store: StoreHistory<'c>,
    caches: &'c BatchCaches,
    items: &'c ItemCache,
}

#[derive(Default)]
struct BatchCaches {
    keys: std::cell::RefCell<std::collections::HashMap<Fingerprint, Option<std::rc::Rc<KeyInfo>>>>,
    last_blob: std::cell::RefCell<Option<(Hash, std::rc::Rc<SourceText>)>>,
    added: std::cell::RefCell<std::collections::HashMap<Hash, u64>>,
    retracted: std::cell::RefCell<Option<std::collections::HashMap<u64, Seq>>>,
    /// Annotations retracted by this batch's entries, which the table may
    /// not hold yet.
    retracted_annotations: std::cell::RefCell<std::collections::HashMap<u64, Seq>>,
    /// The claims this batch records whose uniqueness the table decides
    /// (see `Pipeline::push`), by key: their item numbers.
    claims: std::cell::RefCell<std::collections::HashMap<crate::query::ClaimKey, u64>>,
    /// The speakers in plain ASCII of this batch's claims, in ASCII lower
    /// case, as first written: a look-alike of one is refused whether or
    /// not its row is stored yet.
    speakers: std::cell::RefCell<std::collections::HashMap<String, String>>,
}

impl BatchHistory<'_> {
    /// Reads the retractions stored when the batch started, once per batch;
    /// `Pipeline::push` adds the batch's own as they are checked.
    fn load_retractions(&self) -> Result<()> {
        if self.caches.retracted.borrow().is_none() {
            let all = self
                .store
                .conn
                .prepare_cached("SELECT claim_id, seq FROM retractions")?
                .query_map([], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Seq>(1)?))
                })?
                .collect::<rusqlite::Result<std::collections::HashMap<_, _>>>()?;
            *self.caches.retracted.borrow_mut() = Some(all);
        }
        Ok(())
    }
}

impl History for BatchHistory<'_> {
    fn key(&self, fp: &Fingerprint) -> Result<Option<std::rc::Rc<KeyInfo>>> {
        if let Some(k) = self.caches.keys.borrow().get(fp) {
            return Ok(k.clone());
        }
        let k = self.store.key(fp)?;
        self.caches.keys.borrow_mut().insert(fp.clone(), k.clone());
        Ok(k)
    }
    fn active_admins(&self) -> Result<u64> {
        self.store.active_admins()
    }
    fn keys(&self) -> Result<Vec<std::rc::Rc<KeyInfo>>> {
        self.store.keys()
    }
    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        if let Some(found) = self.items.0.borrow().get(&id) {
            return Ok(Some(*found));
        }
        let found = self.store.item(id)?;
        if let Some(f) = found {
            let mut items = self.items.0.borrow_mut();
            if items.len() >= ItemCache::MAX {
                items.clear();
            }
            items.insert(id, f);
        }
        Ok(found)
    }
    fn source(&self, n: u64) -> Result<Option<SourceInfo>> {
        self.store.source(n)
    }
    fn source_with_sha(&self, sha: &Hash) -> Result<Option<u64>> {
        match self.store.source_with_sha(sha)? {
            Some(n) => Ok(Some(n)),
            None => Ok(self.caches.added.borrow().get(sha).copied()),
        }
    }
    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>> {
        self.store.annotation(n)
    }
    fn item_signer(&self, id: ItemId) -> Result<Option<Fingerprint>> {
        self.store.item_signer(id)
    }
    fn retraction(&self, n: u64) -> Result<Option<Seq>> {
        self.load_retractions()?;
        Ok(self
            .caches
            .retracted
            .borrow()
            .as_ref()
            .and_then(|all| all.get(&n).copied()))
    }
    fn annotation_retraction(&self, n: u64) -> Result<Option<Seq>> {
        // Retracted earlier in this batch (not in the table yet), or before.
        if let Some(&at) = self.caches.retracted_annotations.borrow().get(&n) {
            return Ok(Some(at));
        }
        self.store.annotation_retraction(n)
    }
    fn blob(&self, sha: &Hash) -> Result<Option<std::rc::Rc<SourceText>>> {
        if let Some((h, data)) = &*self.caches.last_blob.borrow() {
            if h == sha {
                return Ok(Some(data.clone()));
            }
        }
        let data = self.store.blob(sha)?;
        if let Some(d) = &data {
            *self.caches.last_blob.borrow_mut() = Some((*sha, d.clone()));
        }
        Ok(data)
    }
    fn tree_root(&self, size: u64) -> Result<Option<Hash>> {
        self.store.tree_root(size)
    }
}

/// An entry signed by the signing thread of [`append_pipelined`].
struct Signed {
    payload: Payload,
    bytes: Vec<u8>,
    sig: Vec<u8>,
    hash: Hash,
}

/// Writes the payload, signs it and hashes the entry.
fn sign(signer: &Signer, payload: Payload) -> Result<Signed> {
    let bytes = payload.to_bytes().map_err(|err| {
        Error::invalid(
            format!("cannot encode the entry: {err}"),
            "check the values given",
        )
    })?;
    let sig = signer.sign(&bytes)?;
    let hash = entry_hash(&bytes, &sig);
    Ok(Signed {
        payload,
        bytes,
        sig,
        hash,
    })
}

/// The log's origin (the append path runs only on a log that has one).
fn origin(conn: &Connection) -> Result<String> {
    crate::store::origin(conn)?
        .ok_or_else(|| Error::Damaged("the log's origin (table log_meta) is missing".into()))
}

/// A claim is recorded once (`query::same_claim_but`): a command's rule, not
/// verify's, checked here under the write lock, where no other writer can
/// record the same claim between the check and the entry (two `claim add`s
/// at once, or one beside an import, both passed the commands' own check,
/// which runs before the lock to refuse before the key is unlocked).
/// `retracted`: claims retracted by entries not yet in the table.
fn refuse_same_claim(
    conn: &Connection,
    body: &Body,
    retracted: &dyn Fn(u64) -> bool,
) -> Result<()> {
    let Body::ClaimAdd(b) = body else {
        return Ok(());
    };
    match crate::query::same_claim_but(conn, &crate::query::ClaimKey::of(b), retracted)? {
        Some(c) => Err(recorded_twice(c, b)),
        None => Ok(()),
    }
}

/// A speaker typed in letters of another script that print as the Latin
/// name of a speaker the log already has (`ВВС`, Cyrillic, beside `BBC`):
/// two spellings a reader cannot tell apart. The lists and the reliability
/// record count them as one speaker ([`crate::text::speaker_key`]), but a
/// search typed in the other letters, an export's reader and any tool that
/// compares names byte by byte see two. A command's rule, not verify's. It looks up that one Latin
/// spelling, in any ASCII case, among the speakers (a scan of the
/// speakers' index, made only for such names), after `batch` (the Latin
/// speakers of an import's batch, whose rows may not be stored yet, by
/// their ASCII lower case); it does not find a Latin name added after its
/// look-alike.
fn refuse_lookalike_speaker(
    conn: &Connection,
    body: &Body,
    batch: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    let Body::ClaimAdd(b) = body else {
        return Ok(());
    };
    let Some(latin) = crate::text::latin_lookalike(&b.speaker) else {
        return Ok(());
    };
    // The batch first: its row may be stored or not yet, by timing, and
    // the message must not depend on that.
    let (existing, whose) = match batch(&latin) {
        Some(earlier) => (earlier, "a speaker given earlier in this import"),
        None => match conn
            .prepare_cached("SELECT speaker FROM claims WHERE speaker = ?1 COLLATE NOCASE LIMIT 1")?
            .query_row([&latin], |r| r.get::<_, String>(0))
            .optional()?
        {
            Some(found) => (found, "a speaker the log already has"),
            None => return Ok(()),
        },
    };
    Err(lookalike_speaker(&b.speaker, &existing, whose))
}

/// The refusal of `speaker`, written in letters of another script that
/// print like the Latin `existing` (`whose`: where that one is, "a speaker
/// the log already has"); `claim suggest --add all` names another
/// candidate's.
pub fn lookalike_speaker(speaker: &str, existing: &str, whose: &str) -> Error {
    // Spelled out, so that the reader sees which letters are not Latin.
    let typed: String = speaker
        .chars()
        .map(|c| match c {
            ' '..='~' => c.to_string(),
            c => format!("\\u{{{:x}}}", c as u32),
        })
        .collect();
    Error::invalid(
        format!(
            "the speaker \"{typed}\" is written in letters of another script that print like \"{}\", {whose}",
            crate::text::escape(existing)
        ),
        format!(
            "if it is the same speaker, give it as `{}`, in Latin letters (a reader cannot tell two spellings that print alike apart, and a program that compares names byte by byte takes them for two speakers); if another, add a word that tells them apart",
            crate::text::escape(existing)
        ),
    )
}

/// An annotation is superseded once (`query::supersedable`), checked here
/// under the write lock as a claim recorded once is ([`refuse_same_claim`]):
/// two `annotate --supersedes A7` at once, or one beside an import, both
/// passed the commands' own check and were both appended. Only of an
/// annotation of the same claim: one of another claim is refused by the
/// rules as such. `retracted`: annotations retracted by entries not yet in
/// the table (a retracted successor supersedes nothing).
fn refuse_superseded(
    conn: &Connection,
    body: &Body,
    retracted: &dyn Fn(u64) -> bool,
) -> Result<()> {
    let Body::AnnotationAdd(b) = body else {
        return Ok(());
    };
    match &b.supersedes {
        Some(r) => crate::query::supersedable(conn, r, retracted),
        None => Ok(()),
    }
}

/// The refusal of a claim that `c` already records.
fn recorded_twice(c: ItemId, b: &crate::model::ClaimAdd) -> Error {
    Error::invalid(
        format!(
            "{c} already records bytes {}..{} of {}, said by {} via {}",
            b.start,
            b.end,
            b.source.id,
            crate::text::escape(&b.speaker),
            b.provenance
        ),
        format!("annotate {c} instead (`claimtrail annotate {c}` with its --verdict); a claim is recorded once, and one recorded wrongly is retracted first (`claimtrail claim retract {c}` with a --reason that says what was wrong), then added again"),
    )
}

/// The same refusal, for a command to make before it unlocks the key
/// (`claim add`, `claim suggest --add`); the append path makes it again
/// under the lock.
pub fn refuse_recorded_claim(conn: &Connection, body: &Body) -> Result<()> {
    refuse_lookalike_speaker(conn, body, &|_| None)?;
    refuse_same_claim(conn, body, &|_| false)
}

/// The rules an entry must pass before it is signed: the signer's
/// authorization, the source text given with a `source.add`, and the body.
fn check_entry(
    history: &dyn History,
    signer: &Fingerprint,
    header: &Header,
    e: &NewEntry,
) -> Result<()> {
    if let Err(v) = rules::authorize(history, header, &e.body)? {
        // Only on refusal: say which of enrolment, revocation or role failed.
        return Err(
            authorization_error(history, signer, header.kind)?.unwrap_or_else(|| refused(v))
        );
    }
    if let Body::SourceAdd(b) = &e.body {
        let blob = e
            .blob
            .as_deref()
            .ok_or_else(|| Error::Internal("source.add without its text".into()))?;
        if Hash::sha256(blob) != b.sha256 || blob.len() as u64 != b.length {
            return Err(Error::Internal(
                "source.add body does not match its text".into(),
            ));
        }
    }
    // A body that would not parse back is never signed: an amendment
    // that gives a field and clears it too (the commands refuse it in
    // their own words first).
    if let Some(f) = match &e.body {
        Body::SourceAmend(b) => b.conflict(),
        _ => None,
    } {
        return Err(Error::invalid(
            format!("the amendment both corrects and clears the {f}"),
            "correct the field or clear it, not both",
        ));
    }
    rules::check_body(history, header, &e.body)?.map_err(refused)?;
    // Measured here, though `sign` writes the same bytes again: a refusal
    // must come before the entry goes to the pipeline's signing thread, so
    // that it is this entry's (an import names its line). Writing ~700
    // bytes costs no import time measured (docs/PERFORMANCE.md).
    let len = crate::entry::Payload::encoded_len(header, &e.body).map_err(|err| {
        Error::invalid(
            format!("cannot encode the entry: {err}"),
            "check the values given",
        )
    })?;
    if len > crate::entry::MAX_PAYLOAD {
        return Err(too_large(header.kind, len));
    }
    Ok(())
}

/// The refusal of an entry longer than verify accepts: appended, it would
/// fail `canonical` for good. Only the free texts can make one that long,
/// so the hint names those of its kind.
fn too_large(kind: Kind, len: usize) -> Error {
    Error::invalid(
        format!(
            "the {kind} entry would be {} bytes, more than the {} (1 MiB) an entry may hold",
            crate::text::thousands(len as f64),
            crate::text::thousands(crate::entry::MAX_PAYLOAD as f64),
        ),
        too_large_hint(kind),
    )
}

/// What to shorten in an entry of `kind` that is too long.
pub fn too_large_hint(kind: Kind) -> &'static str {
    match kind {
        Kind::LogInit => "shorten the origin or the admin key's name",
        Kind::KeyAdd => "give the key a shorter name with --name (its comment is the default)",
        Kind::KeyRevoke | Kind::SourceRedact | Kind::ClaimRetract | Kind::AnnotationRetract => {
            "shorten the reason"
        }
        Kind::SourceAmend => "shorten the title, author, publisher, address or reason",
        Kind::SourceAdd => {
            "shorten the title, author, publisher or address; the text itself is stored apart and may be up to 16 MiB"
        }
        Kind::ClaimAdd => "shorten the speaker or the paraphrase",
        Kind::AnnotationAdd => {
            "shorten the note; a long analysis belongs in a source, which the note can name"
        }
        Kind::CheckpointAdd => "report this as a bug: a checkpoint is never this long",
    }
}

/// Writes a signed entry: its row, its projection rows, its tree nodes and
/// (for `source.add`) its text, or (for `source.redact`) removes the text.
fn store_entry(
    conn: &Connection,
    history: &dyn History,
    tree: &mut crate::tree::TreeWriter,
    s: Signed,
    n: Option<u64>,
    blob: Option<Vec<u8>>,
) -> Result<Appended> {
    let Signed {
        payload,
        bytes,
        sig,
        hash,
    } = s;
    let seq = payload.header.seq;
    conn.prepare_cached(
        "INSERT INTO entries (seq, kind, payload, sig, hash) VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![
        seq.0 as i64,
        payload.header.kind.as_str(),
        bytes,
        sig,
        &hash.0[..]
    ])?;
    for row in projection::rows(&payload.header, &payload.body, n) {
        projection::insert(conn, &row)?;
    }
    tree.append(conn, crate::merkle::LeafIndex(seq.0), hash)?;
    match &payload.body {
        Body::SourceAdd(b) => {
            conn.prepare_cached("INSERT INTO blobs (sha256, data) VALUES (?, ?)")?
                .execute(params![
                    &b.sha256.0[..],
                    blob.as_deref().unwrap_or_default()
                ])?;
        }
        Body::SourceRedact(b) => {
            if let Some(src) = history.source(b.source.id.n)? {
                conn.execute(
                    "DELETE FROM blobs WHERE sha256 = ?",
                    params![&src.sha256.0[..]],
                )?;
            }
        }
        _ => {}
    }
    Ok(Appended {
        seq,
        kind: payload.header.kind,
        hash,
        id: n
            .zip(payload.body.creates())
            .map(|(n, k)| ItemId::new(k, n)),
    })
}

fn busy(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Busy(crate::store::busy_timeout().as_secs())
        }
        _ => Error::Sqlite(e),
    }
}

/// Signs entry `e` as [`append_one`] would append it now at `time`,
/// outside any transaction, for the signer to remember (see
/// [`append_batch`]); the entry's checks are the append path's own, and
/// what they refuse is refused here, before the agent is asked. Returns
/// the hash of the entry it was signed after (its `prev`; zero for the
/// first entry).
fn presign(conn: &Connection, signer: &Signer, e: &NewEntry, time: &str) -> Result<Hash> {
    let header = next_header(conn, signer.fingerprint(), e, time.to_string())?;
    let prev = header.prev;
    check_entry(&StoreHistory { conn }, signer.fingerprint(), &header, e)?;
    sign(
        signer,
        Payload {
            header,
            body: e.body.clone(),
        },
    )?;
    Ok(prev)
}

/// The header entry `e` gets if `signer` appends it now at `time`: the
/// next seq, the head's hash, the log's origin (`log.init` names its own).
fn next_header(
    conn: &Connection,
    signer: &Fingerprint,
    e: &NewEntry,
    time: String,
) -> Result<Header> {
    let (seq, prev) = match crate::store::head_to_extend(conn)? {
        None => (Seq(0), Hash::ZERO),
        Some((s, h)) => (Seq(s.0 + 1), h),
    };
    let log = match &e.body {
        Body::LogInit(b) => b.origin.clone(),
        _ => origin(conn)?,
    };
    Ok(Header {
        log,
        seq,
        prev,
        time,
        signer: signer.clone(),
        kind: e.body.kind(),
    })
}

fn append_one(conn: &Connection, signer: &Signer, e: NewEntry, time: String) -> Result<Appended> {
    let header = next_header(conn, signer.fingerprint(), &e, time)?;
    let history = StoreHistory { conn };
    check_entry(&history, signer.fingerprint(), &header, &e)?;
    refuse_recorded_claim(conn, &e.body)?;
    refuse_superseded(conn, &e.body, &|_| false)?;
    crate::signed_view::referred(conn, &e.body, &mut |_| true)?;
    let n = match e.body.creates() {
        Some(kind) => Some(max_id(conn, kind)? + 1),
        None => None,
    };
    let signed = sign(
        signer,
        Payload {
            header,
            body: e.body,
        },
    )?;
    let mut tree = crate::tree::TreeWriter::default();
    store_entry(conn, &history, &mut tree, signed, n, e.blob)
}

/// Why `signer` may not sign a checkpoint of the log now (not enrolled,
/// revoked, not an admin), or `None` if it may: asked before a command
/// commits to signing one (`export`).
pub fn checkpoint_refusal(conn: &Connection, signer: &Signer) -> Result<Option<Error>> {
    authorization_error(
        &StoreHistory { conn },
        signer.fingerprint(),
        Kind::CheckpointAdd,
    )
}

/// Refuses, as the append path would now, the entry `e` signed by the key
/// whose fingerprint is `signer`: what a command asks with the key's
/// public half, read without its passphrase, before it unlocks the
/// private half. A revoked analyst typed the passphrase, then was told
/// the key was revoked (and without a terminal was told only that no
/// passphrase was given). The append path checks the entry again when it
/// signs it; this proves nothing about the entry it will sign.
pub fn check_before_unlocking(conn: &Connection, signer: &Fingerprint, e: &NewEntry) -> Result<()> {
    // The signer's row against its entries, as [`key_refusal`] checks it.
    crate::query::key_as_signed(conn, signer)?;
    crate::store::state_rows_complete(conn)?;
    let header = next_header(conn, signer, e, crate::clock::now())?;
    check_entry(&StoreHistory { conn }, signer, &header, e)
}

/// A key to enroll under a name, as `key add` is given it.
pub struct Enrolment<'a> {
    pub name: &'a str,
    pub fingerprint: &'a Fingerprint,
    pub role: crate::model::Role,
    /// Given with `--name`, not taken from the .pub file's comment (which
    /// the key's holder chose).
    pub explicit: bool,
}

/// The command's rule for the name a key is enrolled under (verify does
/// not judge names: an entry written otherwise is not a finding). A name
/// tells people apart in `log`, `show` and the principals of `key
/// allowed-signers`, and keys under one name sign for one person
/// ([`rules::same_person`]: the later may supersede and retract what the
/// earlier signed). So it is refused when it is, or reads as (case,
/// spacing and typography aside: [`crate::text::same_name`]), the name of:
/// - an enrolled key not revoked: two live keys would be one person, and
///   an analyst's key commented "admin" read as the admin's;
/// - a revoked key, unless given with `--name` (a rotated key, enrolled
///   under its person's name on purpose; a .pub's comment, chosen by the
///   key's holder, made a new analyst inherit a former admin's work), with
///   the same role, and spelled as that key's name exactly.
///
/// Run by `key add` before it unlocks the key, and again inside the write
/// transaction, so that two admins enrolling two people under one name at
/// once do not both succeed.
pub fn check_enrolment_name(conn: &Connection, e: &Enrolment) -> Result<()> {
    use crate::text::escape;
    // An auditor's cosignature line is named by its principal, the log's
    // own signature by the origin: one name for both reads as if the log
    // had signed what only the auditor did.
    let origin = crate::store::origin(conn)?.unwrap_or_default();
    // The keys as their entries say (a revocation row written into the
    // table alone had an admin sign an enrolment under a live key's name,
    // which verify then refused for good).
    let keys = crate::query::keys_as_signed(conn)?;
    if e.role == crate::model::Role::Auditor
        && crate::keys::principal(e.name) == crate::keys::principal(&origin)
    {
        return Err(Error::invalid(
            format!(
                "the name {} would name this auditor's cosignatures as the log `{}` names its own signatures",
                escape(e.name),
                escape(&origin)
            ),
            "give the auditor a name of its own with --name (a person's or an organisation's)",
        ));
    }
    let same = keys
        .iter()
        .filter(|k| crate::keys::names_alike(&k.name, e.name) && k.fingerprint != *e.fingerprint);
    let held = |k: &crate::query::KeyView| {
        if k.name == e.name {
            format!("the name {} is held", escape(e.name))
        } else {
            format!(
                "the name {} reads as {}, held",
                escape(e.name),
                escape(&k.name)
            )
        }
    };
    const OWN_NAME: &str = "give this key its own --name; to replace a person's key, revoke the old one first (`claimtrail key revoke`), then enroll the new one under its name";
    let live_admins = keys
        .iter()
        .filter(|k| k.role == crate::model::Role::Admin && k.revoked_seq.is_none())
        .count();
    for k in same {
        let Some(revoked) = k.revoked_seq else {
            // The last admin cannot be revoked first: the way round, said
            // (the two refusals' hints sent the user to each other).
            let hint = if k.role == crate::model::Role::Admin
                && e.role == crate::model::Role::Admin
                && live_admins == 1
            {
                "the log's only admin key cannot be revoked before another admin is enrolled: enroll this key as admin under another --name, then revoke the old key with it (`claimtrail --key NEW key revoke OLD --reason …`)".to_string()
            } else {
                OWN_NAME.to_string()
            };
            return Err(Error::invalid(
                format!(
                    "{} by another enrolled key, {} ({})",
                    held(k),
                    k.fingerprint,
                    k.role
                ),
                hint,
            ));
        };
        let whose = format!(
            "{} by {} ({}, revoked at entry {revoked}): a key enrolled under it signs for that person, and may supersede their annotations and retract their claims",
            held(k),
            k.fingerprint,
            k.role
        );
        if !e.explicit {
            return Err(Error::invalid(
                format!("{whose}; the name comes from the .pub file's comment"),
                format!(
                    "if this is that person's new key, say so with --name={}; otherwise give it its own --name",
                    crate::text::shell_text(&k.name)
                ),
            ));
        }
        if k.name != e.name {
            return Err(Error::invalid(
                whose,
                format!(
                    "for that person's new key, give the name as it was enrolled: --name={}",
                    crate::text::shell_text(&k.name)
                ),
            ));
        }
        if k.role != e.role {
            return Err(Error::invalid(
                format!(
                    "{whose}; that key was {}, this one would be {}",
                    k.role, e.role
                ),
                format!(
                    "a rotated key keeps its role: enroll it with --role {}, or under another name",
                    k.role
                ),
            ));
        }
    }
    Ok(())
}

/// Why the key `signer` may not sign entries of `kind` now (not enrolled,
/// revoked, or of another role), if it may not: for a command that asks
/// before it unlocks the key and before the entry is known. The key's row
/// is first checked against the entries that enrolled (and revoked) it
/// ([`crate::query::key_as_signed`]): the role the table says is what
/// the command would sign under, and a role raised in the file alone had
/// an honest analyst sign a redaction that verify then refused for good.
pub fn key_refusal(conn: &Connection, signer: &Fingerprint, kind: Kind) -> Result<Option<Error>> {
    crate::query::key_as_signed(conn, signer)?;
    authorization_error(&StoreHistory { conn }, signer, kind)
}

/// The typed error for a signer that `rules::authorize` refused, if the
/// refusal was about the key (not enrolled, revoked, wrong role).
fn authorization_error(
    history: &dyn History,
    signer: &Fingerprint,
    kind: Kind,
) -> Result<Option<Error>> {
    let fingerprint = signer.clone();
    Ok(match history.key(&fingerprint)?.as_deref() {
        None => Some(Error::NotEnrolled(fingerprint)),
        Some(KeyInfo {
            revoked: Some(r),
            name,
            ..
        }) => Some(revoked(history, fingerprint, name, *r)?),
        Some(k) if !kind.allowed_roles().contains(&k.role) => {
            Some(Error::role(fingerprint, &k.name, k.role, kind))
        }
        Some(_) => None,
    })
}

/// The refusal of a key revoked at entry `at`, naming the key enrolled
/// under its `name` since, if one was ([`crate::rules::successor`]).
pub(crate) fn revoked(
    history: &dyn History,
    fingerprint: Fingerprint,
    name: &str,
    at: Seq,
) -> Result<Error> {
    let keys = history.keys()?;
    let successor = crate::rules::successor(
        keys.iter().map(|k| {
            (
                k.public.fingerprint(),
                k.name.as_str(),
                k.enrolled,
                k.revoked,
            )
        }),
        name,
        &fingerprint,
    );
    Ok(Error::Revoked {
        fingerprint,
        name: name.to_string(),
        seq: at.0,
        successor,
    })
}

/// The hint of a refusal that no more specific hint fits.
pub(crate) const FIX_AND_RUN_AGAIN: &str = "fix the value and run the command again";

/// The characters of a text that says nothing, as code points (`U+0020,
/// U+200B`): printed as they are, they would show nothing.
pub(crate) fn code_points(text: &str) -> String {
    let mut seen: Vec<char> = Vec::new();
    for c in text.chars() {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let mut out: Vec<String> = seen
        .iter()
        .take(6)
        .map(|&c| format!("U+{:04X}", c as u32))
        .collect();
    if seen.len() > 6 {
        out.push("…".into());
    }
    out.join(", ")
}

/// The texts a body carries, by their payload names, and whether each is
/// one line (a name, a title) or may run over several (a note, a reason).
fn texts(body: &Body) -> Vec<(&'static str, &str, TextKind)> {
    let mut t: Vec<(&'static str, &str, TextKind)> = Vec::new();
    match body {
        Body::SourceAdd(b) => {
            for (field, v, kind) in [
                ("title", &b.title, TextKind::Line),
                ("publisher", &b.publisher, TextKind::Name),
                ("author", &b.author, TextKind::Name),
            ] {
                if let Some(v) = v {
                    t.push((field, v.as_str(), kind));
                }
            }
        }
        Body::SourceAmend(b) => {
            for (field, v, kind) in [
                ("title", &b.title, TextKind::Line),
                ("publisher", &b.publisher, TextKind::Name),
                ("author", &b.author, TextKind::Name),
                ("url", &b.url, TextKind::Line),
                ("published", &b.published, TextKind::Line),
            ] {
                if let Some(v) = v {
                    t.push((field, v.as_str(), kind));
                }
            }
        }
        Body::ClaimAdd(b) => {
            t.push(("speaker", b.speaker.as_str(), TextKind::Name));
            if let Some(v) = &b.text {
                t.push(("text", v.as_str(), TextKind::Lines));
            }
        }
        Body::AnnotationAdd(b) => {
            if let Some(v) = &b.note {
                t.push(("note", v.as_str(), TextKind::Lines));
            }
        }
        _ => {}
    }
    if let Some(r) = body.reason() {
        t.push(("reason", r, TextKind::Lines));
    }
    t
}

/// What a text is, for its input rules ([`check_text`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// Who said or wrote something: a speaker, an author, a publisher. One
    /// line, with nothing around it and no character that draws nothing:
    /// `UNICEF`, `UNICEF ` and `UNI<U+200B>CEF` look the same, and as
    /// speakers they would be three (a claim is recorded once per speaker,
    /// so the same quote was signed three times, its judgments split
    /// between them).
    Name,
    /// A title: one line, with no white space or bidirectional mark at
    /// either end, and no character that draws nothing where writing puts
    /// none (the names' rule, [`crate::keys::hidden_in_name`]).
    Line,
    /// A note, a paraphrase, a reason: may run over lines.
    Lines,
}

/// One text's input rules ([`precheck`]): `field` names it (its payload
/// name), `kind` says whether it is a name, a title (no line break, tab or
/// bidirectional control) or may run over lines (a note, a paraphrase, a
/// reason). `import` checks each line's texts with it as the line is read,
/// before the lines before it are committed.
pub fn check_text(field: &str, value: &str, kind: TextKind) -> Result<()> {
    let one_line = kind != TextKind::Lines;
    if value.trim().is_empty() {
        return Err(Error::invalid(
            format!("the {field} is empty"),
            format!("give the {field} in words"),
        ));
    }
    if crate::text::says_nothing(value) {
        return Err(Error::invalid(
            format!(
                "the {field} holds only white space or characters that draw nothing ({})",
                code_points(value)
            ),
            format!("give the {field} in words"),
        ));
    }
    let bad = value.chars().find(|&c| match one_line {
        true => c.is_control() || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
        // A form feed too: `pdftotext` puts one between pages.
        false => c.is_control() && !matches!(c, '\n' | '\t' | '\r' | '\x0c'),
    });
    if let Some(c) = bad {
        let what = match c {
            '\n' | '\r' => format!("a line break, and the {field} is one line"),
            '\t' => format!("a tab, and the {field} is one line"),
            c if c.is_control() => "a control character".to_string(),
            _ => "a line separator or bidirectional control, which reorders or breaks the text around it on screen".to_string(),
        };
        return Err(Error::invalid(
            format!(
                "the {field} {} holds U+{:04X}, {what}",
                crate::text::escape(value),
                c as u32
            ),
            format!("type the {field} again without it"),
        ));
    }
    // A title with a space at an end reads as the title without it: given
    // to `source amend`, it was signed as a correction whose one change
    // nobody can see (`show` printed the "old" and "new" titles alike).
    // Nor may it hold a character that draws nothing, as a name may not.
    if kind == TextKind::Line {
        if value.starts_with(at_name_edge) || value.ends_with(at_name_edge) {
            let what = match value.starts_with(char::is_whitespace)
                || value.ends_with(char::is_whitespace)
            {
                true => "white space",
                false => "a bidirectional mark",
            };
            return Err(Error::invalid(
                format!(
                    "the {field} \"{}\" begins or ends with {what}",
                    crate::text::escape(value)
                ),
                format!("give the {field} without it"),
            ));
        }
        refuse_hidden(field, value)?;
    }
    if kind == TextKind::Name {
        check_name(field, value)?;
    }
    Ok(())
}

/// What may not stand at either end of a name or a title: white space,
/// or a bidirectional mark, which draws nothing there.
fn at_name_edge(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Refuses a name or title holding a character that draws nothing where
/// writing puts none ([`crate::keys::hidden_in_name`]: Persian's
/// half-space and an emoji's joiner are kept): `UNI<U+200B>CEF` and
/// `Title<U+200B>` look like `UNICEF` and `Title`.
fn refuse_hidden(field: &str, value: &str) -> Result<()> {
    if let Some(c) = crate::keys::hidden_in_name(value, true) {
        // Shown as its code point, where it is: a zero-width space, which
        // `escape` leaves to the scripts that write one, was printed raw.
        let shown = value.replace(c, &format!("\\u{{{:x}}}", c as u32));
        return Err(Error::invalid(
            format!(
                "the {field} \"{}\" holds U+{:04X}, a character that draws nothing",
                crate::text::escape(&shown),
                c as u32
            ),
            format!("type the {field} again without it (it would be another {field} that looks the same)"),
        ));
    }
    Ok(())
}

/// A [`TextKind::Name`]'s own rules: nothing around it (white space, or a
/// bidirectional mark, which draws nothing there), and no character that
/// draws nothing inside it ([`crate::keys::hidden_in_name`]: the rule of
/// key names, but that a bidirectional mark may order a name of two
/// directions). A name that looks like another is not refused here, as
/// `key add` refuses it: `list speakers` shows such spellings together.
fn check_name(field: &str, value: &str) -> Result<()> {
    if value.starts_with(at_name_edge) || value.ends_with(at_name_edge) {
        return Err(Error::invalid(
            format!(
                "the {field} \"{}\" begins or ends with white space or a bidirectional mark",
                crate::text::escape(value)
            ),
            format!(
                "give the {field} without it (it would be another {field} that looks the same)"
            ),
        ));
    }
    // A name of no letter or digit is a placeholder (`...`, `…`, `?`): a
    // hint's `--speaker "…"`, pasted, was refused with "give it as ...",
    // and `...` was then signed as who said it.
    if !value.chars().any(char::is_alphanumeric) {
        return Err(Error::invalid(
            format!(
                "the {field} \"{}\" has no letter or digit: it names no one",
                crate::text::escape(value)
            ),
            format!("give the {field}'s name in words"),
        ));
    }
    // A name pasted from a document or a chat, its quotation marks made
    // typographic there: `--speaker “UNICEF”` passes the shell as one
    // word, and the marks were signed into the name for good. A name
    // with a quoted part (`Abu “the doctor” Hamid`) is taken.
    let quoted = |open: char, close: char| {
        let mut c = value.chars();
        c.next() == Some(open) && c.next_back() == Some(close) && value.chars().count() > 2
    };
    if [
        ('“', '”'),
        ('„', '“'),
        ('„', '”'),
        ('‘', '’'),
        ('«', '»'),
        ('»', '«'),
        ('"', '"'),
        ('\'', '\''),
    ]
    .iter()
    .any(|&(o, c)| quoted(o, c))
    {
        let inner: String = {
            let mut c = value.chars();
            c.next();
            c.next_back();
            c.collect()
        };
        return Err(Error::invalid(
            format!(
                "the {field} \"{}\" is wrapped in quotation marks, which would be signed as part of the name",
                crate::text::escape(value)
            ),
            format!(
                "give the {field} without them, \"{}\" (a word processor or chat app may have turned \"…\" into “…”, which the shell keeps)",
                crate::text::escape(&inner)
            ),
        ));
    }
    refuse_hidden(field, value)?;
    // Marks that draw over a letter's neighbours: a strike-through on
    // every letter (`p̶r̶é̶f̶e̶t̶` read as a name crossed out) or a pile of
    // them (300 marks on `Pre` drew over the rows above and below). No
    // script writes more than a few marks on one letter, nor these.
    {
        use unicode_segmentation::UnicodeSegmentation;
        let overlay = |c: char| matches!(c, '\u{0334}'..='\u{0338}' | '\u{20d2}'..='\u{20d3}' | '\u{20d8}'..='\u{20da}' | '\u{20e5}'..='\u{20e6}' | '\u{20ea}'..='\u{20eb}');
        let piled = |g: &str| {
            g.chars()
                .filter(|&c| unicode_normalization::char::is_combining_mark(c))
                .count()
                > MAX_MARKS
        };
        if let Some(g) = value
            .graphemes(true)
            .find(|g| g.chars().any(overlay) || piled(g))
        {
            return Err(Error::invalid(
                format!(
                    "the {field} has a letter with marks drawn over it or piled on it ({})",
                    g.chars()
                        .map(|c| match unicode_normalization::char::is_combining_mark(c) {
                            true => format!("U+{:04X}", c as u32),
                            false => crate::text::escape(&c.to_string()).into_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                format!("type the {field} again without them (they draw across the text beside the name)"),
            ));
        }
    }
    // Two spellings that print alike are two speakers to the rule that a
    // claim is recorded once: `Le pre\u{301}fet` (the accent typed apart,
    // as PDFs and macOS file names give it) and `Le préfet` recorded the
    // same quote twice, with opposite verdicts, as did `Al<NBSP>Monitor`
    // beside `Al Monitor`, a full-width `ＢＢＣ` beside `BBC`, and a
    // Cyrillic `е` in a Latin word. Such a name is refused with the
    // spelling to give: Unicode's compatibility form (NFKC), which composes
    // accents, makes other spaces plain ones and styled letters plain, and
    // one space between words.
    {
        let plain = crate::text::plain_spelling(value);
        if plain != value {
            return Err(Error::invalid(
                format!(
                    "the {field} \"{}\" has characters that print like others (accents typed apart, no-break or thin spaces, two spaces in a row, full-width or styled letters, ligatures)",
                    crate::text::escape(value)
                ),
                format!(
                    "give it as {} (two spellings that print alike would be two {field}s)",
                    crate::text::shell_text(&plain)
                ),
            ));
        }
    }
    if let Some(word) = value
        .split_whitespace()
        .find(|w| crate::keys::mixes_scripts(w))
    {
        return Err(Error::invalid(
            format!(
                "the word {} of the {field} mixes letters of different scripts",
                crate::text::escape(word)
            ),
            format!("type the {field} again in one script (a Cyrillic е in a Latin word prints as e, and would make another {field} that looks the same)"),
        ));
    }
    Ok(())
}

/// The most combining marks a name may put on one letter: Hebrew with
/// niqqud and a cantillation mark, Arabic with shadda, a vowel and tanwin,
/// an Indic conjunct's signs, all stay below.
const MAX_MARKS: usize = 5;

/// The checks of `body` that need neither the log nor the key: the input
/// rules that every command makes before it unlocks the key (through
/// `Ctx::check_for`) and `import` for every line. They are not verify's:
/// an entry signed otherwise (by another tool, an older claimtrail) is not
/// a finding, and what reads it shows its texts escaped.
///
/// - a revocation, redaction or retraction gives a reason, and not a
///   placeholder;
/// - every text says something: not only white space and characters
///   that draw nothing (`--reason $'\u200b'` retracted a claim "for"
///   nothing visible, `--speaker $'\u200b'` made an empty speaker);
/// - no control character (an escape sequence, a bell) in a text, and no
///   line break or bidirectional control in a one-line text (a speaker, a
///   title, a publisher, an author): the names `key add` refuses them in,
///   and a title `T<ESC>[2J` was signed for good. Tabs and line breaks
///   stay allowed in a note, a paraphrase and a reason.
pub fn precheck(body: &Body) -> Result<()> {
    rules::reason_given(body).map_err(refused)?;
    for (field, value, kind) in texts(body) {
        check_text(field, value, kind)?;
    }
    let Some(reason) = body.reason() else {
        return Ok(());
    };
    // Its words, without the punctuation, brackets, quotation marks and
    // invisible characters around them (`"what was wrong."`, `«REASON»`,
    // `(reason)`, `REASON…` were signed): a reason of no word at all (`?`,
    // `. . .`) is a placeholder too.
    let said = reason
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    // And the stand-ins people type when a field insists (`n/a`, `x`,
    // `tbd`: a red team's amendment "for" `n/a` was signed for good),
    // compared by their letters and digits alone (`N / A`, `n.a.`), one
    // Latin letter or digit alone, or a run of x (a word of one Chinese
    // or Japanese character, `错`, "wrong", is a reason).
    const PLACEHOLDERS: &[&str] = &[
        "",
        "reason",
        "text",
        "whatwaswrong",
        "na",
        "none",
        "tbd",
        "tba",
        "todo",
        "test",
        "testing",
        "asdf",
        "foo",
        "placeholder",
    ];
    let letters: String = said.chars().filter(|c| c.is_alphanumeric()).collect();
    let placeholder = PLACEHOLDERS.contains(&letters.as_str())
        || (letters.chars().count() == 1 && letters.is_ascii())
        || (!letters.is_empty() && letters.chars().all(|c| c == 'x'));
    if placeholder {
        return Err(Error::invalid(
            format!("the reason `{}` is a placeholder", reason.trim()),
            "say why in words: the reason is signed, and shown with the entry for good",
        ));
    }
    Ok(())
}

fn refused(v: Violation) -> Error {
    let hint = v.hint.unwrap_or_else(|| {
        match v.check {
            Check::Reference => "check the ids with `claimtrail list claims` (or `list sources`, `list annotations`)",
            Check::Quote => "check --span against `claimtrail show S<n>`",
            Check::Authorization => "sign with an enrolled key that has the role",
            _ => FIX_AND_RUN_AGAIN,
        }
        .to_string()
    });
    Error::invalid(v.detail, hint)
}

pub(crate) fn table_of(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Source => "sources",
        IdKind::Claim => "claims",
        IdKind::Annotation => "annotations",
    }
}

/// The history as the projection tables record it (the append path's view;
/// verify replays the entries instead).
pub struct StoreHistory<'c> {
    pub conn: &'c Connection,
}

impl History for StoreHistory<'_> {
    fn key(&self, fp: &Fingerprint) -> Result<Option<std::rc::Rc<KeyInfo>>> {
        let row: Option<(String, String, String, Seq, Option<Seq>)> = self
            .conn
            .prepare_cached(
                "SELECT k.public_key, k.name, k.role, k.seq, r.seq FROM keys k
                 LEFT JOIN revocations r ON r.fingerprint = k.fingerprint WHERE k.fingerprint = ?",
            )?
            .query_row([fp.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((key, name, role, seq, revoked)) = row else {
            return Ok(None);
        };
        let public =
            parsed_key(&key).map_err(|e| Error::Damaged(format!("stored key {fp}: {e}")))?;
        let role = role
            .parse()
            .map_err(|e| Error::Damaged(format!("stored key {fp}: {e}")))?;
        Ok(Some(std::rc::Rc::new(KeyInfo {
            public,
            name,
            role,
            enrolled: seq,
            revoked,
        })))
    }

    fn active_admins(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM keys k WHERE role = 'admin'
             AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.fingerprint = k.fingerprint)",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn keys(&self) -> Result<Vec<std::rc::Rc<KeyInfo>>> {
        let fps = self
            .conn
            .prepare_cached("SELECT fingerprint FROM keys ORDER BY seq")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(fps.len());
        for fp in fps {
            let fp: Fingerprint = fp
                .parse()
                .map_err(|e| Error::Damaged(format!("stored key {fp}: {e}")))?;
            out.extend(self.key(&fp)?);
        }
        Ok(out)
    }

    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        let sql = format!(
            "SELECT e.seq, e.hash FROM {} t JOIN entries e ON e.seq = t.seq WHERE t.id = ?",
            table_of(id.kind)
        );
        let row: Option<(Seq, Vec<u8>)> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id.n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(s, h)| Hash::from_slice(&h).map(|h| (s, h))))
    }

    fn source(&self, n: u64) -> Result<Option<SourceInfo>> {
        let row: Option<(Vec<u8>, i64, bool)> = self
            .conn
            .prepare_cached(
                "SELECT sha256, length, EXISTS (SELECT 1 FROM redactions r WHERE r.source_id = s.id)
                 FROM sources s WHERE id = ?",
            )?
            .query_row([n as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(row.and_then(|(sha, length, redacted)| {
            Hash::from_slice(&sha).map(|sha256| SourceInfo {
                sha256,
                length: length as u64,
                redacted,
            })
        }))
    }

    fn source_with_sha(&self, sha: &Hash) -> Result<Option<u64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM sources WHERE sha256 = ? ORDER BY id LIMIT 1")?
            .query_row([&sha.0[..]], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|n| n as u64))
    }

    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>> {
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT claim_id, signer FROM annotations WHERE id = ?")?
            .query_row([n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(c, s)| s.parse().ok().map(|fp| (c as u64, fp))))
    }

    fn item_signer(&self, id: ItemId) -> Result<Option<Fingerprint>> {
        let sql = match id.kind {
            IdKind::Source => "SELECT signer FROM sources WHERE id = ?",
            IdKind::Claim => "SELECT signer FROM claims WHERE id = ?",
            IdKind::Annotation => return Ok(None),
        };
        let signer: Option<String> = self
            .conn
            .prepare_cached(sql)?
            .query_row([id.n as i64], |r| r.get(0))
            .optional()?;
        Ok(signer.and_then(|s| s.parse().ok()))
    }

    fn retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq FROM retractions WHERE claim_id = ?")?
            .query_row([n as i64], |r| r.get::<_, Seq>(0))
            .optional()?)
    }

    fn annotation_retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq FROM annotation_retractions WHERE annotation_id = ?")?
            .query_row([n as i64], |r| r.get::<_, Seq>(0))
            .optional()?)
    }

    fn blob(&self, sha: &Hash) -> Result<Option<std::rc::Rc<SourceText>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM blobs WHERE sha256 = ?")?
            .query_row([&sha.0[..]], |r| r.get(0))
            .optional()?
            .map(|bytes| std::rc::Rc::new(SourceText::new(bytes))))
    }

    fn tree_root(&self, size: u64) -> Result<Option<Hash>> {
        if size > crate::tree::size(self.conn)?.0 {
            return Ok(None);
        }
        crate::tree::root(self.conn, crate::merkle::TreeSize(size)).map(Some)
    }
}

thread_local! {
    static PARSED: std::cell::RefCell<std::collections::HashMap<String, PublicKey>> = Default::default();
}

/// Parses an enrolled key once per process (parsing decompresses the point).
fn parsed_key(line: &str) -> std::result::Result<PublicKey, String> {
    if let Some(k) = PARSED.with(|m| m.borrow().get(line).cloned()) {
        return Ok(k);
    }
    let k = PublicKey::from_openssh(line)?;
    PARSED.with(|m| m.borrow_mut().insert(line.to_string(), k.clone()));
    Ok(k)
}

/// A statement source with this text, for tests.
#[cfg(test)]
pub(crate) fn source_entry(text: &str, derived_from: Vec<Ref>) -> NewEntry {
    let data = text.as_bytes().to_vec();
    NewEntry {
        body: Body::SourceAdd(SourceAdd {
            kind: SourceKind::Statement,
            title: None,
            publisher: None,
            author: None,
            url: None,
            published: None,
            retrieved: crate::clock::now(),
            sha256: Hash::sha256(&data),
            length: data.len() as u64,
            media_type: rules::MEDIA_TYPE.into(),
            derived_from,
        }),
        blob: Some(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::verify;

    fn source(text: &str) -> NewEntry {
        source_entry(text, vec![])
    }

    fn new_log(dir: &Path) -> (Store, Signer) {
        let admin = Signer::generate("admin").unwrap();
        let db = dir.join("log.db");
        init(&db, &admin, "test.example/log", "Admin").unwrap();
        (Store::open(&db).unwrap(), admin)
    }

    /// A claim quoting S1 ("one 0"), the first entry of `out`.
    fn claim_on_first(out: &[Appended]) -> NewEntry {
        let s1 = Ref {
            id: ItemId::source(1),
            hash: out[0].hash,
        };
        NewEntry::new(claim_body(s1, "one 0", (0, 3), "x", SourceKind::Statement, None).unwrap())
    }

    /// Ends the open batch: stores it, commits it, and returns its entries.
    fn settle_and_commit(bulk: &mut Bulk<'_>) -> Vec<Appended> {
        let out = bulk.settle().unwrap();
        bulk.commit().unwrap();
        out
    }

    fn rows(store: &Store) -> i64 {
        store
            .conn()
            .query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))
            .unwrap()
    }

    /// A checkpoint is signed only over the tree verify checked. Another
    /// writer's append while verify runs (here, from its progress
    /// callback) makes it verify again and cover that entry too; a row
    /// written into the file by hand in that time is found by the second
    /// verification, and nothing is signed (it was signed over); a log
    /// that never stops growing is refused after three tries.
    #[test]
    fn a_checkpoint_signs_only_the_tree_verify_checked() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = new_log(dir.path());
        append(&mut store, &admin, source("one 0")).unwrap();
        let path = store.path().to_path_buf();
        let append_other = |text: &str| {
            let mut other = Store::open(&path).unwrap();
            append(&mut other, &admin, source(text)).unwrap();
        };
        let mut grown = 0;
        let (e, note) = verified_checkpoint(
            &mut store,
            &admin,
            &mut |_, _| {
                if grown == 0 {
                    grown += 1;
                    append_other("two 0");
                }
            },
            CHECKPOINT_REFUSAL,
            |_, _| Ok(()),
        )
        .unwrap();
        assert_eq!(grown, 1);
        assert_eq!(e.seq, Seq(3));
        assert!(note.to_string().contains("\n3\n"), "{note}");
        assert!(verify(&store).unwrap().ok);

        // By hand: a copy of the last row, one seq further.
        let mut forged = false;
        let err = verified_checkpoint(
            &mut store,
            &admin,
            &mut |_, _| {
                if !forged {
                    forged = true;
                    rusqlite::Connection::open(&path)
                        .unwrap()
                        .execute_batch(
                            "INSERT INTO entries SELECT seq + 1, kind, payload, sig, randomblob(32) FROM entries WHERE seq = (SELECT MAX(seq) FROM entries)",
                        )
                        .unwrap();
                }
            },
            CHECKPOINT_REFUSAL,
            |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("this log does not verify"),
            "{err}"
        );
        assert_eq!(rows(&store), 5);

        // Growing through two verifications: the third holds the write
        // lock (another writer waits, as the busy timeout allows), and
        // the checkpoint is signed.
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = new_log(dir.path());
        let path = store.path().to_path_buf();
        let mut n = 0;
        let (e, _) = verified_checkpoint(
            &mut store,
            &admin,
            &mut |_, _| {
                let probe = Connection::open(&path).unwrap();
                probe.busy_timeout(std::time::Duration::ZERO).unwrap();
                let locked = probe.execute_batch("BEGIN IMMEDIATE; ROLLBACK").is_err();
                if !locked {
                    n += 1;
                    let mut other = Store::open(&path).unwrap();
                    append(&mut other, &admin, source(&format!("text {n}"))).unwrap();
                }
            },
            CHECKPOINT_REFUSAL,
            |_, _| Ok(()),
        )
        .unwrap();
        assert!(n >= 2, "{n}");
        assert_eq!(e.seq, Seq(n + 1));
        assert!(verify(&store).unwrap().ok);
    }

    /// A batch signed on the second thread is the log the entry-by-entry
    /// path makes: ids, chain, tree, projections, all verified.
    #[test]
    fn a_pipelined_batch_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = new_log(dir.path());
        let batch: Vec<NewEntry> = (0..50).map(|i| source(&format!("text {i}"))).collect();
        assert!(pipelined(store.conn(), &batch).unwrap().is_some());
        let out = append_batch(&mut store, &admin, batch).unwrap();
        assert_eq!(out.len(), 50);
        for (i, a) in out.iter().enumerate() {
            assert_eq!(a.seq, Seq(1 + i as u64));
            assert_eq!(a.id, Some(ItemId::source(1 + i as u64)));
        }
        let s1 = Ref {
            id: ItemId::source(1),
            hash: out[0].hash,
        };
        let claim = |speaker: &str| {
            NewEntry::new(
                claim_body(s1, "text 0", (0, 4), speaker, SourceKind::Statement, None).unwrap(),
            )
        };
        // One claim twice in a batch is refused, whatever the timing of the
        // signing thread (it was refused or not by that timing), and
        // nothing of the batch is stored.
        for _ in 0..20 {
            let twice = vec![claim("someone"), claim("another"), claim("someone")];
            let e = append_batch(&mut store, &admin, twice).unwrap_err();
            assert!(
                e.to_string()
                    .contains("C1 already records bytes 0..4 of S1"),
                "{e}"
            );
        }
        let claims: Vec<NewEntry> = ["someone", "another", "a third"].map(claim).into();
        let out = append_batch(&mut store, &admin, claims).unwrap();
        assert_eq!(out[2].id, Some(ItemId::claim(3)));
        let report = verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.entries, 54);
    }

    /// The one way entries of a pipelined batch bear on each other: the
    /// second source of the same bytes is refused as the sequential path
    /// refuses it, and nothing of the batch is written.
    #[test]
    fn a_pipelined_batch_refuses_what_the_sequential_path_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = new_log(dir.path());
        append(&mut store, &admin, source("first")).unwrap();
        let twice = || vec![source("a"), source("b"), source("a")];
        assert!(pipelined(store.conn(), &twice()).unwrap().is_some());
        let before = rows(&store);
        let piped = append_batch(&mut store, &admin, twice()).unwrap_err();
        assert_eq!(rows(&store), before);
        // The same entries one at a time: the same refusal of the third.
        append(&mut store, &admin, source("a")).unwrap();
        append(&mut store, &admin, source("b")).unwrap();
        let one = append(&mut store, &admin, source("a")).unwrap_err();
        assert_eq!(piped.to_string(), one.to_string());
        assert!(
            one.to_string().contains("S2 already has these exact bytes"),
            "{one}"
        );
        // A source already stored, and a claim on a source that is not.
        let stored = append_batch(&mut store, &admin, vec![source("c"), source("first")]);
        assert!(stored.unwrap_err().to_string().contains("S1 already"));
        let missing = Ref {
            id: ItemId::source(99),
            hash: Hash::ZERO,
        };
        let claim = |r| {
            NewEntry::new(claim_body(r, "first", (0, 5), "x", SourceKind::Statement, None).unwrap())
        };
        let batch = vec![source("d"), claim(missing)];
        assert!(
            pipelined(store.conn(), &batch).unwrap().is_none(),
            "refers past the stored ids"
        );
        let err = append_batch(&mut store, &admin, batch).unwrap_err();
        assert!(err.to_string().contains("S99"), "{err}");
        assert!(verify(&store).unwrap().ok);
    }

    /// A retraction in a pipelined batch closes its claim for the entries
    /// after it in the batch, with the refusals of the sequential path.
    #[test]
    fn a_pipelined_retraction_closes_the_claim_for_the_rest_of_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = new_log(dir.path());
        let s1 = append(&mut store, &admin, source("one 0")).unwrap();
        let mut claims = Vec::new();
        // Three claims of three spans (a claim is recorded once).
        for end in 1..=3 {
            let on = Ref {
                id: ItemId::source(1),
                hash: s1.hash,
            };
            let body = claim_body(on, "one 0", (0, end), "x", SourceKind::Statement, None);
            let c = append(&mut store, &admin, NewEntry::new(body.unwrap())).unwrap();
            claims.push(Ref {
                id: c.id.unwrap(),
                hash: c.hash,
            });
        }
        let retract = |c: Ref| {
            NewEntry::new(Body::ClaimRetract(ClaimRetract {
                claim: c,
                reason: "wrong speaker".into(),
                replaced_by: None,
            }))
        };
        let annotate = |c: Ref, corroborates: Vec<Ref>| {
            NewEntry::new(Body::AnnotationAdd(AnnotationAdd {
                claim: c,
                verdict: Verdict::Unverified,
                reliability: None,
                credibility: None,
                note: None,
                corroborates,
                contradicts: vec![],
                supersedes: None,
            }))
        };
        let refused = |store: &mut Store, batch: Vec<NewEntry>| {
            assert!(pipelined(store.conn(), &batch).unwrap().is_some());
            let before = rows(store);
            let err = append_batch(store, &admin, batch).unwrap_err().to_string();
            assert_eq!(rows(store), before);
            err
        };
        let (c1, c2, c3) = (claims[0], claims[1], claims[2]);
        // Next entry: 5, so the retraction in the batch is entry 6.
        let err = refused(
            &mut store,
            vec![annotate(c1, vec![]), retract(c1), annotate(c1, vec![])],
        );
        assert_eq!(err, "C1 was retracted at entry 6");
        let cited = refused(&mut store, vec![retract(c2), annotate(c3, vec![c2])]);
        assert_eq!(
            cited,
            "corroborates refers to C2, which was retracted at entry 5"
        );
        let err = refused(&mut store, vec![retract(c2), retract(c2)]);
        assert_eq!(err, "C2 was already retracted at entry 5");
        // The same refusal, one entry at a time.
        append(&mut store, &admin, retract(c2)).unwrap();
        let one = append(&mut store, &admin, annotate(c3, vec![c2])).unwrap_err();
        assert_eq!(one.to_string(), cited);
        // A batch that passes verifies.
        let out = append_batch(
            &mut store,
            &admin,
            vec![annotate(c1, vec![]), retract(c1), annotate(c3, vec![])],
        )
        .unwrap();
        assert_eq!(out.len(), 3);
        let report = verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
    }

    /// The bulk form: batches of entries pushed one at a time, each its own
    /// transaction, chained across batches; a batch dropped before its
    /// commit leaves nothing, even once its entries are stored.
    #[test]
    fn bulk_batches_chain_and_an_uncommitted_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (store, admin) = new_log(dir.path());
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            assert_eq!(bulk.before_batch(IdKind::Source), None);
            for i in 0..5 {
                bulk.try_push(source(&format!("one {i}"))).unwrap().unwrap();
            }
            assert_eq!(bulk.before_batch(IdKind::Source), Some(0));
            let out = settle_and_commit(&mut bulk);
            assert_eq!(out.len(), 5);
            assert_eq!(out[4].id, Some(ItemId::source(5)));
            bulk.try_push(claim_on_first(&out)).unwrap().unwrap();
            bulk.try_push(source("two")).unwrap().unwrap();
            assert_eq!(bulk.before_batch(IdKind::Source), Some(5));
            let out = settle_and_commit(&mut bulk);
            assert_eq!(out[0].seq, Seq(6));
            assert_eq!(out[1].id, Some(ItemId::source(6)));
            assert!(settle_and_commit(&mut bulk).is_empty(), "no batch open");
        });
        assert!(verify(&store).unwrap().ok);
        let before = rows(&store);
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            for i in 0..20 {
                bulk.try_push(source(&format!("three {i}")))
                    .unwrap()
                    .unwrap();
            }
            // Wait until the whole batch is stored, not yet committed.
            bulk.pipeline.store_signed(store.conn(), true).unwrap();
            assert!(bulk.pipeline.open.as_ref().unwrap().in_flight.is_empty());
        });
        assert_eq!(rows(&store), before);
        let report = verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.entries as i64, before);
    }

    /// A settled batch is committed while the next batch's entries are
    /// signed: they go into the next transaction. If another process
    /// appended in between, they are checked and signed again after its
    /// entries, or refused whole if one no longer passes.
    #[test]
    fn entries_pushed_after_a_settle_go_into_the_next_transaction_after_any_other_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (store, admin) = new_log(dir.path());
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            for i in 0..3 {
                bulk.try_push(source(&format!("one {i}"))).unwrap().unwrap();
            }
            let out = bulk.settle().unwrap();
            assert_eq!(out.len(), 3);
            // The next batch may refer to the settled one.
            assert_eq!(bulk.before_batch(IdKind::Source), Some(3));
            bulk.try_push(claim_on_first(&out)).unwrap().unwrap();
            let settled = rows(&store); // this connection sees its transaction
            bulk.commit().unwrap();
            let in_flight = bulk.pipeline.open.as_ref().map(|o| o.in_flight.len());
            assert_eq!(
                in_flight,
                Some(1),
                "the claim waits for the next transaction"
            );
            assert_eq!(rows(&store), settled, "the claim is not in that batch");
            bulk.try_push(source("two")).unwrap().unwrap();
            let out = settle_and_commit(&mut bulk);
            assert_eq!(out.len(), 2);
            assert_eq!(out[0].id, Some(ItemId::claim(1)));
            assert_eq!(out[1].id, Some(ItemId::source(4)));
        });
        assert!(verify(&store).unwrap().ok);
        let before = rows(&store) as u64;
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            bulk.try_push(source("three")).unwrap().unwrap();
            bulk.settle().unwrap();
            bulk.try_push(source("four")).unwrap().unwrap();
            bulk.commit().unwrap();
            let mut other = Store::open(store.path()).unwrap();
            let five = append(&mut other, &admin, source("five")).unwrap();
            assert_eq!(five.seq, Seq(before + 1));
            bulk.try_push(source("six")).unwrap().unwrap();
            let out = settle_and_commit(&mut bulk);
            let got: Vec<_> = out.iter().map(|a| (a.seq, a.id)).collect();
            assert_eq!(
                got,
                [
                    (Seq(before + 2), Some(ItemId::source(7))),
                    (Seq(before + 3), Some(ItemId::source(8)))
                ],
                "four and six after five"
            );
        });
        let report = verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.entries as u64, before + 4);
        // The other writer adds the very text in flight: that entry is
        // refused now, and none of those in flight is stored.
        let before = rows(&store) as u64;
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            bulk.try_push(source("seven")).unwrap().unwrap();
            bulk.settle().unwrap();
            bulk.try_push(source("eight")).unwrap().unwrap();
            bulk.try_push(source("nine")).unwrap().unwrap();
            bulk.commit().unwrap();
            let mut other = Store::open(store.path()).unwrap();
            append(&mut other, &admin, source("nine")).unwrap();
            let e = bulk.try_push(source("ten")).unwrap_err();
            assert!(
                matches!(&e, Error::LogMoved { expected, found: Some(found), refusal }
                    if *expected == Seq(before) && *found == Seq(before + 1)
                        && refusal.contains("already")),
                "{e}"
            );
        });
        let report = verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(
            report.entries as u64,
            before + 2,
            "seven and the other nine"
        );
    }

    /// The items a bulk append has looked up are kept from batch to batch;
    /// a reference is still checked against them (its hash), in every batch.
    #[test]
    fn bulk_checks_references_against_the_items_it_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let (store, admin) = new_log(dir.path());
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            bulk.try_push(source("a source")).unwrap().unwrap();
            let s1 = Ref {
                id: ItemId::source(1),
                hash: settle_and_commit(&mut bulk)[0].hash,
            };
            // Each claim of its own span (a claim is recorded once).
            let claim = |r: Ref, end: usize| {
                NewEntry::new(
                    claim_body(r, "a source", (0, end), "x", SourceKind::Statement, None).unwrap(),
                )
            };
            // (Not 0..2, `a `: a claim ends on a word.)
            for end in [1, 3] {
                bulk.try_push(claim(s1, end)).unwrap().unwrap();
                let forged = Ref {
                    id: s1.id,
                    hash: Hash::sha256(b"not S1"),
                };
                let err = bulk.try_push(claim(forged, end)).unwrap().unwrap_err();
                assert!(
                    err.to_string().contains("but that entry's hash is"),
                    "{err}"
                );
                settle_and_commit(&mut bulk);
            }
        });
        let report = verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.entries, 4, "log.init, the source and two claims");
    }

    /// The bulk form refuses what would need the entry-by-entry path: a
    /// reference into its own batch, a state change; and the rules' own
    /// refusals are the single append's.
    #[test]
    fn bulk_refuses_what_it_cannot_pipeline() {
        let dir = tempfile::tempdir().unwrap();
        let (store, admin) = new_log(dir.path());
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            bulk.try_push(source("a")).unwrap().unwrap();
            let ahead = Ref {
                id: ItemId::source(1),
                hash: Hash::ZERO,
            };
            let claim = NewEntry::new(
                claim_body(ahead, "a", (0, 1), "x", SourceKind::Statement, None).unwrap(),
            );
            let err = bulk.try_push(claim).unwrap_err();
            assert!(matches!(err, Error::Internal(_)), "{err}");
        });
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            let revoke = NewEntry::new(Body::KeyRevoke(KeyRevoke {
                fingerprint: admin.fingerprint().clone(),
                reason: "lost".into(),
            }));
            assert!(matches!(bulk.try_push(revoke), Err(Error::Internal(_))));
        });
        std::thread::scope(|scope| {
            let mut bulk = Bulk::new(scope, &store, &admin);
            bulk.try_push(source("b")).unwrap().unwrap();
            let twice = bulk.try_push(source("b")).unwrap().unwrap_err();
            assert!(
                twice
                    .to_string()
                    .contains("S1 already has these exact bytes"),
                "{twice}"
            );
        });
        assert_eq!(rows(&store), 1, "only log.init");
        assert!(verify(&store).unwrap().ok);
    }

    /// Batches whose entries change the rules for the next ones take the
    /// entry-by-entry path.
    #[test]
    fn state_changes_are_not_pipelined() {
        let dir = tempfile::tempdir().unwrap();
        let (store, admin) = new_log(dir.path());
        let revoke = NewEntry::new(Body::KeyRevoke(KeyRevoke {
            fingerprint: admin.fingerprint().clone(),
            reason: "lost".into(),
        }));
        assert!(pipelined(store.conn(), &[source("a"), revoke])
            .unwrap()
            .is_none());
        assert!(pipelined(store.conn(), &[source("a")]).unwrap().is_none());
    }
    /// Keys under one name sign for one person only with one role: an
    /// analyst's key enrolled (by other software, or an admin's slip) under
    /// a former admin's name does not retract what that admin signed. The
    /// append path's rules are verify's: what it refuses, verify names.
    #[test]
    fn a_name_alone_does_not_make_two_roles_one_person() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = new_log(dir.path());
        let out = append_batch(&mut store, &admin, vec![source("one 0")]).unwrap();
        let claim = append(&mut store, &admin, claim_on_first(&out)).unwrap();
        let claim = Ref {
            id: claim.id.unwrap(),
            hash: claim.hash,
        };
        let enroll = |store: &mut Store, by: &Signer, key: &Signer, name: &str, role: Role| {
            let body = Body::KeyAdd(KeyAdd {
                key: key.public().to_openssh(),
                name: name.into(),
                role,
            });
            append(store, by, NewEntry::new(body)).unwrap();
        };
        let retract = |claim: Ref| {
            NewEntry::new(Body::ClaimRetract(ClaimRetract {
                claim,
                reason: "misquoted".into(),
                replaced_by: None,
            }))
        };
        // The admin leaves (a live key's name is no one else's), and an
        // analyst is enrolled under the admin's name: another person.
        let other = Signer::generate("b").unwrap();
        enroll(&mut store, &admin, &other, "Other", Role::Admin);
        let revoke = Body::KeyRevoke(KeyRevoke {
            fingerprint: admin.fingerprint().clone(),
            reason: "left".into(),
        });
        append(&mut store, &other, NewEntry::new(revoke)).unwrap();
        let analyst = Signer::generate("a").unwrap();
        enroll(&mut store, &other, &analyst, "Admin", Role::Analyst);
        let err = append(&mut store, &analyst, retract(claim)).unwrap_err();
        assert!(
            err.to_string().contains("was added by another key"),
            "{err}"
        );
        // Another admin retracts it, as any admin may.
        append(&mut store, &other, retract(claim)).unwrap();
        assert!(verify(&store).unwrap().ok);
    }
}
