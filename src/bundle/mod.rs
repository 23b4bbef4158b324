//! Offline-verifiable bundles: the entries behind some claims, the key
//! entries of their signers, the source texts, a signed checkpoint and an
//! inclusion proof of every entry in it, in one JSON file that can be
//! checked with no database (docs/FORMAT.md §12).
//!
//! Verifying a bundle proves that every entry in it was signed by a key its
//! bundled key entries enrolled, that every entry is in the tree the
//! checkpoint commits to, and that texts and quotes match their hashes. It
//! does not prove that the bundle holds *every* annotation of a claim (nothing
//! binds the set of entries: anyone who handles it can leave some out, and
//! what `export` was asked for, `requested`, is its word), nor that it is
//! the log's latest state (a checkpoint the reader kept that is larger makes
//! it `stale`), and without `--vkey` it does not prove whose
//! log it is: anyone can make a self-consistent log, so check the checkpoint
//! against the log's published verifier key.

use crate::checkpoint::{verify_log_note, Checkpoint, SignedNote, VerifierKey};
use crate::entry::{entry_hash, Header, Payload};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys::{self, Signer};
use crate::merkle::{self, LeafIndex};
use crate::model::*;
use crate::rules::{self, Check, History, KeyInfo, SourceInfo, Violation};
use crate::store::Store;
use crate::text::SourceText;
use crate::verify::{
    judge_kept_by, CheckpointCheck, CheckpointStatus, KeptCheckpoint, Problem, Signers, Trees,
};
use crate::{query, tree};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

pub mod contents;

pub const FORMAT: &str = "claimtrail-bundle";
/// The version `export` writes. Version 2 adds `requested`; version 1
/// bundles, which lack it, are still read.
pub const VERSION: u64 = 2;
/// Largest bundle accepted: a bound for hostile input.
pub const MAX_BUNDLE_BYTES: usize = 256 << 20;

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub version: u64,
    pub origin: String,
    /// The ids `export` was asked for (version 2; absent from version 1),
    /// as the log spells them: the exporter's word, not signed, of which
    /// claims the bundle carries with every annotation the log held at its
    /// checkpoint (a claim asked for, or the claims of a source asked
    /// for). Any other claim is in it because an entry refers to it, and
    /// comes without its own annotations but those that brought it:
    /// `verify-bundle --show` says so, where it showed such a claim's
    /// verdicts as if complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<Vec<String>>,
    /// The signed checkpoint (C2SP signed note) every entry is proven in.
    pub checkpoint: String,
    #[serde(deserialize_with = "objects")]
    pub entries: Vec<BundleEntry>,
    #[serde(deserialize_with = "objects")]
    pub sources: Vec<BundleSource>,
}

/// What a bundle's part is, said where one is not a JSON object.
trait Named {
    const WHAT: &'static str;
}
impl Named for Bundle {
    const WHAT: &'static str = "a bundle (a JSON object)";
}
impl Named for BundleEntry {
    const WHAT: &'static str =
        "an entry (a JSON object with the members seq, id, payload, signature and inclusion_proof)";
}
impl Named for BundleSource {
    const WHAT: &'static str = "a source (a JSON object with the members id, sha256 and text)";
}

/// A bundle, an entry or a source read from a JSON object only. serde's
/// derived `Deserialize` also takes a struct as an array of its members in
/// order (`["claimtrail-bundle", 2, …]`), which FORMAT.md §12 does not
/// define and `jq .checkpoint` cannot read: such a bundle verified (red
/// team). And its messages named the Rust type (`expected struct
/// Bundle`); this one says what was expected in the format's words.
struct Object<T>(T);

impl<'de, T: Named + Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Named + Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(T::WHAT)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
            .map(Object)
    }
}

/// A list of JSON objects ([`Object`]).
fn objects<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Named + Deserialize<'de>,
{
    let list: Vec<Object<T>> = Deserialize::deserialize(d)?;
    Ok(list.into_iter().map(|o| o.0).collect())
}

/// What a JSON text holds at its top level when it is not an object, by
/// its first byte: a bundle given as an array, `null` or a string is
/// refused in those words, not serde's (`invalid type: map, expected a
/// string`, `expected struct Bundle with 7 elements`). `None` for an
/// object, and for what is no JSON value at all (serde says where).
fn not_an_object(bytes: &[u8]) -> Option<&'static str> {
    let first = bytes.iter().find(|b| !b" \t\r\n".contains(b))?;
    Some(match first {
        b'[' => "an array",
        b'"' => "a string",
        b'n' => "null",
        b't' | b'f' => "a boolean",
        b'-' | b'0'..=b'9' => "a number",
        _ => return None,
    })
}

/// serde's message on a bundle, in JSON's words rather than serde's or
/// Rust's: `invalid type: sequence, expected u64` read as
/// `invalid type: an array, expected a whole number (0 to 2^64 - 1)`.
fn json_words(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let Some((how, rest)) = ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|p| text.strip_prefix(p).map(|r| (*p, r)))
    else {
        return text;
    };
    let Some((found, expected)) = rest.rsplit_once(", expected ") else {
        return text;
    };
    let (expected, at) = match expected.rsplit_once(" at line ") {
        Some((x, at)) => (x, format!(" at line {at}")),
        None => (expected, String::new()),
    };
    let found = match found {
        "sequence" => "an array",
        "map" => "an object",
        // The string itself, in serde's `{:?}` form (`"S1\n\u{202e}…\0"`):
        // whatever the sender wrote, said as "a string".
        f if f.starts_with("string \"") => "a string",
        // A whole number past 2^64 - 1 is read as a float, and was said as
        // "floating point 1.8446744073709552e19".
        f if f.starts_with("floating point ") && expected == "u64" => {
            "a number that is not whole or is too large"
        }
        f => f,
    };
    let expected = match expected {
        "u64" => "a whole number (0 to 2^64 - 1)",
        "a sequence" => "an array",
        x => x,
    };
    format!("{how}{found}, expected {expected}{at}")
}

/// The longest an unsigned value of a bundle is shown, in characters: an
/// id label or a `requested` id, a hash, the `origin` member.
const SHOWN_ID: usize = 20;
const SHOWN_HASH: usize = 64;
const SHOWN_ORIGIN: usize = 100;

/// An unsigned value of a bundle as a report carries it: its first `max`
/// characters, with `…` when cut. Anything the bundle says outside its
/// signed entries is whatever its sender wrote, a megabyte label as well
/// (a 1,000,345-byte PROBLEM line, 6.6 MB for an `origin` of escapes: red
/// team); escape it before printing (`shown`).
pub fn cut_unsigned(word: &str, max: usize) -> String {
    let mut chars = word.chars();
    let mut out: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// [`cut_unsigned`], escaped, as a message shows it.
fn shown(word: &str, max: usize) -> String {
    crate::text::escape(&cut_unsigned(word, max)).into_owned()
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct BundleEntry {
    pub seq: u64,
    /// Friendly id (S/C/A), when the entry creates one; the signed
    /// references of other entries name it with its hash.
    pub id: Option<String>,
    /// The payload bytes, base64.
    pub payload: String,
    /// The SSHSIG blob, base64.
    pub signature: String,
    /// RFC 9162 inclusion proof in the checkpoint's tree, hex hashes.
    pub inclusion_proof: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct BundleSource {
    pub id: String,
    pub sha256: String,
    /// The exact text, or null when the source was redacted.
    pub text: Option<String>,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The append path's refusal of the checkpoint an export would sign, said
/// in the export's terms ("only an admin may sign one", not "may not sign
/// checkpoint.add entries"); any other error as it is.
fn only_an_admin_signs(conn: &rusqlite::Connection, e: Error, uncovered: &str) -> Result<Error> {
    let whose = match &e {
        Error::NotEnrolled(fp) => format!("your key {fp} is not enrolled"),
        Error::Revoked { fingerprint, .. } => format!(
            "your key ({}) is revoked",
            query::key_name(conn, fingerprint.as_str())?
        ),
        Error::Role {
            fingerprint, role, ..
        } => format!(
            "your key ({}) is an {role} key",
            query::key_name(conn, fingerprint.as_str())?
        ),
        _ => return Ok(e),
    };
    Ok(Error::invalid(
        format!("no checkpoint covers these entries yet ({uncovered}), and only an admin may sign one: {whose}"),
        "ask an admin to run `claimtrail checkpoint`, then export again",
    ))
}

/// Whether [`export`] of `ids`, given an admin's key `signer`, would
/// sign a new checkpoint: no checkpoint stored in the log covers the
/// entries by a signer not revoked since. A command opens the log to write
/// only then; otherwise its files are left as they are.
pub fn signs_now(
    store: &Store,
    ids: &[ItemId],
    signer: Option<&Fingerprint>,
    given: Option<&Given>,
) -> Result<bool> {
    Ok(matches!(
        choose(store, ids, signer, given)?.1,
        Proven::SignNow
    ))
}

/// A checkpoint file to prove a bundle's entries in, instead of the
/// log's own choice (`export --checkpoint`): one of the log's stored
/// checkpoints, as `checkpoint cosign` left it, so that the bundle carries
/// the auditors' cosignatures to its readers (the log stores its admin's
/// note alone). Judged as `publish --checkpoint` judges one.
pub struct Given<'a> {
    pub bytes: &'a [u8],
    /// Where it was read from, for the messages.
    pub file: Option<&'a std::path::Path>,
}

/// The entries a bundle of `ids` holds, the checkpoint that proves them
/// (stored, or to sign now with `signer`), and its signer.
fn choose(
    store: &Store,
    ids: &[ItemId],
    signer: Option<&Fingerprint>,
    given: Option<&Given>,
) -> Result<(std::collections::BTreeSet<u64>, Proven, Fingerprint)> {
    let given = match given {
        Some(g) => {
            let origin = store.origin()?;
            let stored = crate::tiles::given(store.conn(), &origin, g.bytes, g.file)?.stored;
            let text = std::str::from_utf8(g.bytes)
                .map_err(|_| Error::Internal("a verified note is not UTF-8".into()))?;
            Some((stored, text.to_string()))
        }
        None => None,
    };
    // The checkpoint's signer is enrolled in the bundle too, or a reader
    // without verifier keys cannot check the checkpoint against an admin the
    // bundle enrolls (a second admin's checkpoint failed `verify-bundle`).
    // Its enrolment brings the entries behind it, which a later checkpoint
    // may have to cover, so the choice is made again until it holds; each
    // round adds an enrolment, so it ends.
    let mut also = Vec::new();
    let chosen = loop {
        let seqs = closure(store.conn(), ids, &also)?;
        // Before a checkpoint may be signed for it: a bundle too large for
        // `verify-bundle` is refused, not written.
        let least = least_len(store.conn(), &seqs)?;
        if least > MAX_BUNDLE_BYTES as u64 {
            return Err(too_large("at least ", least));
        }
        let last = seqs.iter().next_back().copied().unwrap_or(0);
        if let Some((stored, text)) = &given {
            if stored.size.0 <= last {
                return Err(Error::invalid(
                    format!(
                        "the checkpoint given covers the first {}, and the bundle needs entry {last}",
                        crate::text::count(stored.size.0, "entry")
                    ),
                    "give a later checkpoint, cosigned (`claimtrail checkpoint --out`, then `checkpoint cosign`), or leave --checkpoint out",
                ));
            }
            let by = stored.signer.clone();
            let enrolled: Option<i64> = rusqlite::OptionalExtension::optional(
                store
                    .conn()
                    .prepare_cached("SELECT seq FROM keys WHERE fingerprint = ?")?
                    .query_row([by.as_str()], |r| r.get(0)),
            )?;
            match enrolled.map(|s| s as u64).filter(|s| !seqs.contains(s)) {
                None => break (seqs, Proven::Stored(text.clone()), by),
                Some(seq) => {
                    also.push(seq);
                    continue;
                }
            }
        }
        let covering: Vec<_> = query::checkpoints(store.conn())?
            .into_iter()
            .filter(|c| c.size.0 > last)
            .collect();
        // The newest whose signer has not been revoked since: an auditor
        // checks the checkpoint with the log's verifier keys as they are
        // now (`key vkey`), which leave a revoked admin out. Failing that,
        // one signed now by `signer`, or else the newest there is (its
        // signer was an admin when it signed, and the bundle enrolls them).
        let history = crate::log::StoreHistory { conn: store.conn() };
        let mut current = None;
        for c in covering.iter().rev() {
            if history.key(&c.signer)?.is_none_or(|k| k.revoked.is_none()) {
                current = Some(c.clone());
                break;
            }
        }
        let newest = covering
            .last()
            .map(|c| (Proven::Stored(c.note.clone()), c.signer.clone()));
        // Which entry no checkpoint covers: often not the item asked for
        // but one the bundle must carry with it (a revocation of the admin
        // who enrolled its signers), which the reader did not expect.
        let uncovered = || -> Result<String> {
            let kind: Option<String> = rusqlite::OptionalExtension::optional(
                store
                    .conn()
                    .prepare_cached("SELECT kind FROM entries WHERE seq = ?")?
                    .query_row([last as i64], |r| r.get(0)),
            )?;
            let latest = query::latest_checkpoint(store.conn())?
                .map(|c| {
                    format!(
                        "the latest checkpoint covers the first {}",
                        crate::text::count(c.size.0, "entry")
                    )
                })
                .unwrap_or_else(|| "the log has no checkpoint".into());
            Ok(format!(
                "the bundle needs entry {last}{}, and {latest}",
                kind.map(|k| format!(" ({})", crate::text::escape(&k)))
                    .unwrap_or_default()
            ))
        };
        let (note, by) = match (current, signer) {
            (Some(c), _) => (Proven::Stored(c.note), c.signer),
            (None, Some(fp)) => match crate::log::key_refusal(
                store.conn(),
                fp,
                crate::model::Kind::CheckpointAdd,
            )? {
                None => (Proven::SignNow, fp.clone()),
                Some(e) => match newest {
                    Some(n) => n,
                    None => return Err(only_an_admin_signs(store.conn(), e, &uncovered()?)?),
                },
            },
            (None, None) => match newest {
                Some(n) => n,
                None => {
                    return Err(Error::invalid(
                        format!("no checkpoint covers these entries yet ({})", uncovered()?),
                        "make one with `claimtrail checkpoint` (admin), or pass an admin --key to export",
                    ))
                }
            },
        };
        // `fingerprint` is the `keys` table's key: one enrolment at most.
        let enrolled: Option<i64> = rusqlite::OptionalExtension::optional(
            store
                .conn()
                .prepare_cached("SELECT seq FROM keys WHERE fingerprint = ?")?
                .query_row([by.as_str()], |r| r.get(0)),
        )?;
        match enrolled.map(|s| s as u64).filter(|s| !seqs.contains(s)) {
            None => break (seqs, note, by),
            Some(seq) => also.push(seq),
        }
    };
    Ok(chosen)
}

/// Builds a bundle for `ids` and gives it to `keep` (which writes it out).
/// Uses the latest stored checkpoint that covers every entry; if there is
/// none, `signer` signs a new one, through the append path, which refuses
/// any key but an active admin's before the note is signed
/// (`only_an_admin_signs` says so in the export's terms). `signer` is the
/// key's fingerprint and how to unlock it: it is unlocked (a passphrase,
/// an ssh-agent) only when a checkpoint is to be signed. The bundle is
/// then built and kept inside the transaction that appends the checkpoint,
/// so a bundle that cannot be written (too large, a full disk) leaves the
/// log as it was, with no checkpoint that nobody asked for.
///
/// A bundle that would fail `verify-bundle` is refused, not written: the
/// entries it holds are damaged in the log (their signatures, hashes or
/// proofs fail), and the reader would find out only at their end. The
/// whole log is verified first (`progress` follows that verification):
/// a checkpoint to sign now is signed only after it verifies, as
/// `claimtrail checkpoint` does, and a stored one is used only then too,
/// since the entries are chosen through tables that verify checks and a
/// bundle cannot show to be complete.
pub fn export(
    store: &mut Store,
    ids: &[ItemId],
    signer: Option<(&Fingerprint, &dyn Fn() -> Result<Signer>)>,
    given: Option<&Given>,
    progress: &mut dyn FnMut(u64, u64),
    keep: impl FnOnce(&Bundle) -> Result<()>,
) -> Result<Exported> {
    let origin = store.origin()?;
    let (seqs, note, by) = choose(store, ids, signer.map(|(fp, _)| fp), given)?;
    let history = crate::log::StoreHistory { conn: store.conn() };
    let stale = history.key(&by)?.and_then(|k| {
        k.revoked.map(|at| StaleSigner {
            name: k.name.clone(),
            revoked_at: at,
        })
    });
    let (bundle, signed) = match note {
        Proven::Stored(note) => {
            // The entries are chosen through the projection tables, which a
            // bundle cannot show to be complete: a deleted `retractions`
            // row left a claim's retraction out of a bundle that then
            // verified. So the whole log is verified first, as before
            // signing a checkpoint and as `report` does, in one snapshot
            // with the bundle's reads.
            let _snapshot = crate::store::snapshot(store.conn())?;
            let report = crate::verify::verify_with_progress(store, &[], progress)?;
            if !report.ok {
                let (would, then) = crate::log::EXPORT_REFUSAL;
                return Err(crate::log::does_not_verify(&report, would, then));
            }
            let bundle = assemble(store.conn(), origin, ids, &seqs, note)?;
            sound(&bundle)?;
            keep(&bundle)?;
            (bundle, None)
        }
        Proven::SignNow => {
            let unlock = signer
                .map(|(_, unlock)| unlock)
                .ok_or_else(|| Error::Internal("no key to sign the checkpoint".into()))?;
            let s = unlock()?;
            let mut made = None;
            let (appended, _) = crate::log::verified_checkpoint(
                store,
                &s,
                progress,
                crate::log::EXPORT_REFUSAL,
                |conn, note| {
                    let bundle = assemble(conn, origin, ids, &seqs, note.to_string())?;
                    sound(&bundle)?;
                    keep(&bundle)?;
                    made = Some(bundle);
                    Ok(())
                },
            )?;
            let bundle = made.ok_or_else(|| Error::Internal("the bundle was not built".into()))?;
            (bundle, Some(appended.seq))
        }
    };
    let lines = match given {
        Some(g) => {
            let n = crate::tiles::given(store.conn(), &store.origin()?, g.bytes, g.file)?;
            Some((n.cosignatures, n.unchecked))
        }
        None => None,
    };
    Ok(Exported {
        bundle,
        stale,
        signed_checkpoint: signed,
        cosignatures: lines.map(|(c, _)| c),
        unchecked_lines: lines.map_or(0, |(_, u)| u),
    })
}

/// Refuses a bundle that `verify-bundle` would fail (by the keys the
/// bundle itself enrolls): what fails in it is damage in the log. This does
/// not check the rest of the log, which `claimtrail verify` does.
fn sound(bundle: &Bundle) -> Result<()> {
    let report = verify_bundle(to_text(bundle)?.as_bytes(), &[])?;
    let Some(first) = report.problems.first() else {
        return Ok(());
    };
    let at = first
        .seq
        .map(|s| format!("entry {s}, "))
        .unwrap_or_default();
    Err(Error::Damaged(format!(
        "the bundle of these entries would not verify ({}; the first: {at}{}: {}), so it was not written",
        crate::text::count(
            report.problems.len() as u64 + report.more_problems,
            "problem"
        ),
        first.check,
        crate::text::escape(&first.detail)
    )))
}

/// A bundle as [`export`] wrote it, and what its writer should know of it.
#[derive(Debug)]
pub struct Exported {
    pub bundle: Bundle,
    /// Set when the bundle's checkpoint is one whose signer has been
    /// revoked since (no checkpoint by a live admin covers the entries, and
    /// the key given could not sign one). The bundle still verifies against
    /// its own enrolments, but not against the log's verifier keys as they
    /// are now (`key vkey` leaves a revoked admin out), which is what an
    /// auditor given those keys checks it with.
    pub stale: Option<StaleSigner>,
    /// The `checkpoint.add` entry export appended, when no checkpoint
    /// covered the entries and the key given was an admin's: the log grew,
    /// and the user should hear it.
    pub signed_checkpoint: Option<Seq>,
    /// Of a checkpoint given (`--checkpoint FILE`), the cosignatures by
    /// the log's auditors that verified; its other lines (a witness's, a
    /// key the log does not know) were carried unchecked. A line by an
    /// analyst's key was announced as "its cosignature included".
    pub cosignatures: Option<usize>,
    /// Of a checkpoint given, its signature lines by no key of the log's
    /// (a witness's, a key the log does not know), carried unchecked.
    pub unchecked_lines: usize,
}

/// The revoked signer of a bundle's checkpoint ([`Exported::stale`]).
#[derive(Clone, Debug)]
pub struct StaleSigner {
    pub name: String,
    pub revoked_at: Seq,
}

/// The checkpoint a bundle's entries are proven in.
enum Proven {
    /// A checkpoint the log holds (its signed note).
    Stored(String),
    /// One the key given signs as the bundle is made.
    SignNow,
}

/// The bundle of the entries `seqs`, chosen for the items `ids`, proven in
/// the checkpoint `note`.
fn assemble(
    conn: &rusqlite::Connection,
    origin: String,
    ids: &[ItemId],
    seqs: &BTreeSet<u64>,
    note: String,
) -> Result<Bundle> {
    let stored =
        |e: String| Error::Damaged(format!("the stored checkpoint note does not parse ({e})"));
    let cp = Checkpoint::parse(
        SignedNote::parse(note.as_bytes())
            .map_err(|e| stored(e.to_string()))?
            .text(),
    )
    .map_err(|e| stored(e.to_string()))?;
    let mut entries = Vec::new();
    let mut sources = Vec::new();
    for &seq in seqs {
        let (payload, sig) = query::entry_bytes(conn, seq)?;
        let p = Payload::parse(&payload)
            .map_err(|e| Error::Damaged(format!("entry {seq} does not parse ({e:?})")))?;
        let id = item_id_of(conn, seq, &p.body)?;
        if let (Body::SourceAdd(b), Some(id)) = (&p.body, id) {
            let text =
                query::source_text(conn, id.n)?.map(|t| String::from_utf8_lossy(&t).into_owned());
            sources.push(BundleSource {
                id: id.to_string(),
                sha256: b.sha256.to_hex(),
                text,
            });
        }
        let proof = tree::inclusion_proof(conn, LeafIndex(seq), cp.size)?;
        entries.push(BundleEntry {
            seq,
            id: id.map(|i| i.to_string()),
            payload: B64.encode(&payload),
            signature: B64.encode(&sig),
            inclusion_proof: proof.iter().map(Hash::to_hex).collect(),
        });
    }
    let mut requested: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.to_string();
        if !requested.contains(&id) {
            requested.push(id);
        }
    }
    Ok(Bundle {
        format: FORMAT.into(),
        version: VERSION,
        origin,
        requested: Some(requested),
        checkpoint: note,
        entries,
        sources,
    })
}

/// The bundle as `export` writes it: pretty-printed JSON and a newline.
/// Refused when it is longer than [`verify_bundle`] reads, which
/// [`export`]'s estimate did not foresee (it counts the entries and texts,
/// not the proofs and the JSON around them).
pub fn to_text(b: &Bundle) -> Result<String> {
    let mut text = crate::text::to_json_pretty(b).map_err(|e| Error::Internal(e.to_string()))?;
    text.push('\n');
    if text.len() > MAX_BUNDLE_BYTES {
        return Err(too_large("", text.len() as u64));
    }
    Ok(text)
}

/// A lower bound of the length of the bundle of the entries `seqs`: their
/// payloads and signatures in base64, and the source texts they add.
fn least_len(conn: &rusqlite::Connection, seqs: &BTreeSet<u64>) -> Result<u64> {
    let base64 = |n: u64| n.div_ceil(3) * 4;
    let mut total = 0;
    let mut entry = conn.prepare_cached(
        "SELECT length(payload), length(sig), \
         (SELECT length(b.data) FROM sources s JOIN blobs b ON b.sha256 = s.sha256 WHERE s.seq = e.seq) \
         FROM entries e WHERE seq = ?",
    )?;
    for &seq in seqs {
        let (payload, sig, text): (i64, i64, Option<i64>) =
            entry.query_row([seq as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        total += base64(payload as u64) + base64(sig as u64) + text.unwrap_or(0) as u64;
    }
    Ok(total)
}

/// The refusal of a bundle longer than [`verify_bundle`] reads: written, it
/// would reach its reader and fail there.
fn too_large(qualifier: &str, len: u64) -> Error {
    Error::invalid(
        format!(
            "the bundle would be {qualifier}{} MiB, more than the {} MiB `verify-bundle` reads",
            len.div_ceil(1 << 20),
            MAX_BUNDLE_BYTES >> 20
        ),
        "export the items in several bundles, with fewer long source texts in each",
    )
}

fn item_id_of(conn: &rusqlite::Connection, seq: u64, body: &Body) -> Result<Option<ItemId>> {
    let Some(kind) = body.creates() else {
        return Ok(None);
    };
    let table = crate::log::table_of(kind);
    let n: i64 = conn.query_row(
        &format!("SELECT id FROM {table} WHERE seq = ?"),
        [seq as i64],
        |r| r.get(0),
    )?;
    Ok(Some(ItemId::new(kind, n as u64)))
}

/// The entries a bundle for `ids` needs: the items, a claim's annotations,
/// a source's claims, everything they reference, redactions of included
/// sources, retractions of included claims, and the key entries (enrolment,
/// revocation) of every signer.
/// `also`: more entries to include with theirs (the checkpoint signer's
/// enrolment).
fn closure(conn: &rusqlite::Connection, ids: &[ItemId], also: &[u64]) -> Result<BTreeSet<u64>> {
    let mut todo: Vec<u64> = vec![0];
    todo.extend_from_slice(also);
    for &id in ids {
        let r = query::reference(conn, id)?;
        todo.push(query::seq_of_hash(conn, &r.hash)?);
        match id.kind {
            // A claim's annotations, and those of other claims that link
            // to it (`corroborates C1`), as `show` and `report` give them:
            // judgments of the claim too. A bundle of C1 carried C2 as the
            // claim C1's annotation contradicts, without C2's annotation
            // that contradicts C1 back.
            IdKind::Claim => {
                for a in query::annotations(conn, Some(id.n))? {
                    todo.push(a.signed.seq.0);
                }
                for a in query::links_to(conn, id.n)? {
                    todo.push(a.signed.seq.0);
                }
            }
            IdKind::Source => {
                for c in query::claims(conn, Some(id.n))? {
                    todo.push(c.signed.seq.0);
                    for a in query::annotations(conn, Some(c.id.n))? {
                        todo.push(a.signed.seq.0);
                    }
                    for a in query::links_to(conn, c.id.n)? {
                        todo.push(a.signed.seq.0);
                    }
                }
            }
            IdKind::Annotation => {}
        }
    }
    let mut done = BTreeSet::new();
    let mut replacements = query::Replacements::default();
    while let Some(seq) = todo.pop() {
        if !done.insert(seq) {
            continue;
        }
        let (payload, _) = query::entry_bytes(conn, seq)?;
        let p = Payload::parse(&payload)
            .map_err(|e| Error::Damaged(format!("entry {seq} does not parse ({e:?})")))?;
        for (_, r) in p.body.refs() {
            todo.push(query::seq_of_hash(conn, &r.hash)?);
        }
        // The entries one SQL query names for this one.
        let seqs_of = |sql: &str, param: &dyn rusqlite::ToSql| -> Result<Vec<u64>> {
            let found = conn
                .prepare_cached(sql)?
                .query_map([param], |r| r.get::<_, i64>(0))?
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(found.into_iter().map(|s| s as u64).collect())
        };
        // The signer's enrolment and revocation.
        let fp = p.header.signer.as_str();
        todo.extend(seqs_of(
            "SELECT seq FROM keys WHERE fingerprint = ?1 UNION SELECT seq FROM revocations WHERE fingerprint = ?1",
            &fp,
        )?);
        let at = seq as i64;
        match &p.body {
            Body::SourceAdd(_) => {
                todo.extend(seqs_of(
                    "SELECT r.seq FROM redactions r JOIN sources s ON s.id = r.source_id WHERE s.seq = ?",
                    &at,
                )?);
                // Its amendments, so the reader sees its current metadata
                // (and what it was corrected from, by whom, and why).
                todo.extend(seqs_of(
                    "SELECT m.seq FROM source_amendments m JOIN sources s ON s.id = m.source_id
                     WHERE s.seq = ?",
                    &at,
                )?);
            }
            // A bundle of a retracted claim carries its retraction, so the
            // reader sees that it was withdrawn (and by what claim).
            Body::ClaimAdd(_) => todo.extend(seqs_of(
                "SELECT r.seq FROM retractions r JOIN claims c ON c.id = r.claim_id WHERE c.seq = ?",
                &at,
            )?),
            Body::KeyRevoke(b) => todo.extend(seqs_of(
                "SELECT seq FROM keys WHERE fingerprint = ?",
                &b.fingerprint.as_str(),
            )?),
            // A bundle of an annotation carries the ones that supersede it
            // (and theirs, in turn), so the reader sees that its analyst
            // replaced it, and with what.
            Body::AnnotationAdd(_) => {
                // And its retraction, if it was withdrawn.
                todo.extend(seqs_of(
                    "SELECT r.seq FROM annotation_retractions r JOIN annotations a ON a.id = r.annotation_id WHERE a.seq = ?",
                    &at,
                )?);
                todo.extend(seqs_of(
                    "SELECT b.seq FROM annotations a JOIN annotations b ON b.supersedes = a.id
                     WHERE a.seq = ?",
                    &at,
                )?);
                // And the same person's later annotation of the claim that
                // counts instead of it ([`query::AnnotationView::replaced_by`]),
                // though it does not supersede it: without it, a bundle
                // that carried this annotation (C2's, by a link from C1's
                // annotation) showed it as the claim's current verdict,
                // where the log, `show` and `report` give the later one.
                for n in seqs_of("SELECT id FROM annotations WHERE seq = ?", &at)? {
                    let a = query::annotation_using(conn, n, &mut replacements)?;
                    if let Some(later) = a.replaced_by {
                        todo.extend(seqs_of(
                            "SELECT seq FROM annotations WHERE id = ?",
                            &(later.n as i64),
                        )?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(done)
}

/// The verdict on a bundle.
#[derive(Debug, Serialize)]
pub struct BundleReport {
    /// The bundle's `origin` member, which is not signed (the checkpoint's
    /// origin is, and a problem says where they differ): whole when it is
    /// the checkpoint's, else cut to 100 characters, with `…`
    /// ([`cut_unsigned`]).
    pub origin: String,
    pub checkpoint_size: u64,
    pub checkpoint_root: Hash,
    /// The checkpoint verified against a verifier key given by the caller
    /// (not only against keys the bundle itself enrolls).
    pub anchored: bool,
    pub signed_by: Vec<String>,
    /// Signature lines of the checkpoint by no key it was judged by (the
    /// keys given, and the admins and auditors the bundle enrolls, live at
    /// its size), as `name+keyid`: not checked, so they say nothing. A
    /// reader who opens the bundle sees what looks like a cosignature.
    pub unchecked_lines: Vec<String>,
    pub entries: u64,
    pub sources: u64,
    pub redacted_sources: u64,
    pub claims: Vec<String>,
    /// The claims that the bundle's entries retract.
    pub retracted: Vec<BundleRetraction>,
    /// The annotations that the bundle's entries retract.
    pub retracted_annotations: Vec<BundleAnnotationRetraction>,
    /// The sources that the bundle's entries amend, one per amendment.
    pub amended_sources: Vec<BundleAmendment>,
    pub ok: bool,
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed: as `verify` does, the list is
    /// capped, at [`crate::verify::MAX_LISTED`] unless the caller gives
    /// another bound (`--max-problems`; a bundle's checkpoint
    /// problems and those of the checkpoints the reader kept are listed
    /// whatever the cap: they say what the rest is judged against). A
    /// hostile bundle of 2 million junk entries printed 6 million PROBLEM
    /// lines and held them all in memory (red team).
    pub more_problems: u64,
    /// The checkpoints the reader kept (`verify-bundle --checkpoint`),
    /// each judged beside the bundle's: signed by the log, and of the same
    /// tree when of the same size (`forked` otherwise: the log's key
    /// signed two trees of one size); of another size, `not_compared`.
    pub checkpoints: Vec<BundleKept>,
    /// Whether a checkpoint the reader kept is the log's and larger than
    /// the bundle's tree ([`BundleReport::newer_checkpoints`]).
    ///
    /// Not a problem, and `ok` stays true (exit 0): every bundle is of its
    /// day, and a reader who keeps the log's checkpoints as they come holds
    /// a newer one for any bundle older than the last, so failing it would
    /// fail every bundle but the freshest, and teach the reader to stop
    /// giving `--checkpoint`, which is what catches a fork of the bundle's
    /// size. But it is said plainly (a warning, the verdict "as of" the
    /// bundle's size, this field), since an older tree cannot be shown
    /// consistent with a newer one offline (a bundle holds no consistency
    /// proof), and whatever the log recorded since (a retraction, a later
    /// verdict) is not in the bundle. A stale bundle may also be a made-up
    /// log of the same origin, signed with a stolen key of an admin revoked
    /// since whose revocation it leaves out: only the log (`claimtrail prove
    /// --consistency`, `verify-published --checkpoint`) or a fresh export
    /// settles it.
    pub stale: bool,
    /// The kept checkpoints behind `stale` (`{file, size}`), largest
    /// first.
    pub newer_checkpoints: Vec<NewerCheckpoint>,
    /// What the bundle holds, from its entries that passed: only when it
    /// verified (`ok`), and only in the JSON when asked for
    /// (`verify-bundle --show`); `null` otherwise.
    pub contents: Option<contents::BundleContents>,
}

/// A kept checkpoint judged beside a bundle: the verdict `verify` gives a
/// kept checkpoint, and, when no key given signed it, the admin of the
/// bundle's entries that did (see `judge_kept_beside`).
#[derive(Clone, Debug, Serialize)]
pub struct BundleKept {
    #[serde(flatten)]
    pub check: CheckpointCheck,
    /// Set when the checkpoint is taken as the log's by the signature of an
    /// admin that the bundle's entries enroll and do not revoke before its
    /// size, no key given having signed it; `null` otherwise.
    pub admin_in_bundle: Option<BundleAdmin>,
}

impl std::ops::Deref for BundleKept {
    type Target = CheckpointCheck;
    fn deref(&self) -> &CheckpointCheck {
        &self.check
    }
}

/// An admin as the bundle's key entries show it: its name, the entry that
/// enrolled its key and the one that revoked it, if the bundle holds one.
#[derive(Clone, Debug, Serialize)]
pub struct BundleAdmin {
    pub name: String,
    pub enrolled_at: Seq,
    pub revoked_at: Option<Seq>,
}

/// A kept checkpoint of the log larger than the bundle's tree.
#[derive(Clone, Debug, Serialize)]
pub struct NewerCheckpoint {
    /// Its name, as given (`--checkpoint FILE`): `name`, as the same
    /// file's entry in `checkpoints` calls it.
    pub name: String,
    pub size: u64,
}

/// A `claim.retract` entry of a bundle that verified.
#[derive(Clone, Debug, Serialize)]
pub struct BundleRetraction {
    pub claim: ItemId,
    pub seq: Seq,
    pub reason: String,
    pub replaced_by: Option<ItemId>,
}

/// An `annotation.retract` entry of a bundle that verified.
#[derive(Clone, Debug, Serialize)]
pub struct BundleAnnotationRetraction {
    pub annotation: ItemId,
    pub seq: Seq,
    pub reason: String,
}

/// A `source.amend` entry of a bundle that verified.
#[derive(Clone, Debug, Serialize)]
pub struct BundleAmendment {
    pub source: ItemId,
    pub seq: Seq,
    /// The fields it corrected.
    pub fields: Vec<&'static str>,
    /// The fields it cleared (`[]` when none).
    pub cleared: Vec<&'static str>,
    /// Both, as `verify-bundle` prints them ([`SourceAmend::summary`]).
    #[serde(skip)]
    pub summary: String,
    pub reason: String,
}

/// Checks a bundle with no database. `Err` when it is not a bundle at all,
/// or when its checkpoint cannot be read, without which none of its
/// entries can be placed in a tree (exit 2, the hint saying not to rely on
/// the copy); everything else wrong inside it is a [`Problem`] (exit 1).
pub fn verify_bundle(bytes: &[u8], vkeys: &[VerifierKey]) -> Result<BundleReport> {
    verify_bundle_with(bytes, vkeys, &[], Some(crate::verify::MAX_LISTED))
}

/// [`verify_bundle`], and each checkpoint of the log the reader `kept`
/// (files `claimtrail checkpoint --out` wrote, cosigned or not) judged
/// beside the bundle's own: it must be signed by the log, under the keys
/// the bundle's checkpoint is judged by (`vkeys`, else the admins the
/// bundle enrolls, live at its size), and, of the same size, commit to
/// the same root. A bundle checks its entries against its own checkpoint
/// only, so one exported from a fork of the log (same key and origin,
/// another history) passes alone; a checkpoint of the same size kept from
/// the history the reader was shown before catches it. What this does not
/// prove: anything about a kept checkpoint of another size (`not
/// compared`: the bundle carries no consistency proof between sizes), nor
/// that the log was not forked before the reader kept anything. Without
/// `vkeys`, a kept checkpoint signed only by an admin the bundle does not
/// enroll is `unsigned`; with them, one signed by an admin the bundle's
/// anchored entries show live at its size counts too, within the bundle's
/// tree (see `judge_kept_beside`). A kept checkpoint larger than the
/// bundle's tree makes the report `stale`, which is not a problem
/// ([`BundleReport::stale`] says why). `Err` also for a kept file that is
/// not a checkpoint, or a checkpoint of another log (exit 2). Problems
/// past `listed` are counted, not listed (`None` lists every one), as
/// `verify --max-problems` has it.
pub fn verify_bundle_with(
    bytes: &[u8],
    vkeys: &[VerifierKey],
    kept: &[KeptCheckpoint],
    listed: Option<usize>,
) -> Result<BundleReport> {
    let kept = crate::verify::parse_kept(kept)?;
    let bad = |what: String| Error::invalid(what, "give a bundle written by `claimtrail export`");
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(bad(format!(
            "the file is larger than {} MiB",
            MAX_BUNDLE_BYTES >> 20
        )));
    }
    // A byte order mark that an editor put before the bundle when saving
    // it is set aside, as a note file's is: what the bundle proves is in
    // its entries, hashed and signed, not in the file's bytes. (It was
    // refused as "expected value at line 1 column 1".)
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Nothing came (an empty pipe, a download that failed): said as such,
    // not as JSON's "EOF while parsing a value".
    if bytes.trim_ascii().is_empty() {
        return Err(bad(match bytes.len() {
            0 => "the bundle is empty (0 bytes)".into(),
            n => format!("the bundle holds only white space ({n} bytes)"),
        }));
    }
    if let Some(found) = not_an_object(bytes) {
        return Err(Error::invalid(
            format!("not a claimtrail bundle: a JSON object was expected, found {found}"),
            "a bundle is one JSON object, `{\"format\": \"claimtrail-bundle\", …}`, as `claimtrail export` writes it: give that file, as it was sent",
        ));
    }
    let b: Bundle = serde_json::from_slice::<Object<Bundle>>(bytes)
        .map_err(|e| bad(format!("not a claimtrail bundle ({})", json_words(&e))))?
        .0;
    if b.format != FORMAT || !(1..=VERSION).contains(&b.version) {
        return Err(bad(format!(
            "format `{}` version {} is not {FORMAT} version 1 or {VERSION}",
            crate::text::escape(&b.format),
            b.version
        )));
    }
    // `requested` came with version 2: a version 1 bundle that has it, or
    // a version 2 one that lacks it, was not written so by `export`.
    if b.requested.is_some() != (b.version >= 2) {
        return Err(bad(format!(
            "a version {} bundle {} a `requested` member",
            b.version,
            match b.version {
                1 => "with",
                _ => "without",
            }
        )));
    }
    // `export` writes a checkpoint that parses: one that does not was
    // edited or damaged on the way, and nothing in the bundle can be
    // placed in a tree without it.
    fn damaged(e: impl std::fmt::Display) -> Error {
        Error::invalid(
            format!("its checkpoint: {e}"),
            "the bundle was edited or damaged since `claimtrail export` wrote it: ask its sender for it again, and do not rely on this copy",
        )
    }
    // What a file's note is told to undo (`dos2unix FILE`) is no advice
    // inside a bundle, where the note is a JSON string: said as what it is.
    let note = SignedNote::parse(b.checkpoint.as_bytes()).map_err(|e| match e {
        crate::checkpoint::NoteError::CarriageReturn { offset } => damaged(format!(
            "signed note has a carriage return (U+000D) at byte {offset}, which `claimtrail export` never writes"
        )),
        crate::checkpoint::NoteError::BlankLineAtEnd => {
            damaged("signed note has a blank line after its signature lines")
        }
        crate::checkpoint::NoteError::ByteOrderMark => {
            damaged("signed note begins with a byte order mark (U+FEFF)")
        }
        e => damaged(e),
    })?;
    let cp = Checkpoint::parse(note.text()).map_err(damaged)?;
    // A kept checkpoint of another log says nothing of this one: the
    // wrong file given, refused before anything is judged (not a finding
    // about the bundle). The log is the one its checkpoint names, which
    // is signed: the bundle's `origin` field is not, and one edited there
    // made the auditor's own file "a checkpoint of another log" (exit 2),
    // where the edit is the bundle's finding (below).
    if let Some((name, _, other)) = kept.iter().find(|(_, _, k)| k.origin != cp.origin) {
        let (theirs, ours) = crate::text::escape_apart(&other.origin, &cp.origin);
        return Err(Error::invalid(
            format!("{name} is a checkpoint of `{theirs}`, not of the bundle's log `{ours}`"),
            "give --checkpoint the checkpoints you kept of the bundle's log, as `claimtrail checkpoint --out FILE` writes them on its side",
        ));
    }
    let mut v = BundleCheck {
        h: BundleHistory::default(),
        problems: Vec::new(),
        listed,
        more: 0,
        last_ids: HashMap::new(),
        requested: None,
        unenrolled: Default::default(),
    };
    // Where they differ, that is the finding, and the rest is judged
    // under the checkpoint's origin, which is signed: judged under the
    // member's, every entry's header and the checkpoint's signature failed
    // too, each problem repeating whatever the member held (a megabyte
    // origin, red team).
    if cp.origin != b.origin {
        v.log_problem(
            Check::Checkpoint,
            format!(
                "the checkpoint is of `{}`, not of `{}`",
                shown(&cp.origin, SHOWN_ORIGIN),
                shown(&b.origin, SHOWN_ORIGIN)
            ),
        );
    }
    for s in &b.sources {
        if let (Some(t), Some(sha)) = (&s.text, Hash::from_hex(&s.sha256)) {
            v.h.texts
                .insert(sha, std::rc::Rc::new(SourceText::from_string(t.clone())));
        }
    }
    let mut last: Option<u64> = None;
    let mut counts = (0u64, 0u64);
    let mut claims = Vec::new();
    for e in &b.entries {
        if last.is_some_and(|l| e.seq <= l) {
            v.problem(
                e,
                None,
                Check::Sequence,
                "entries are not in increasing seq order".into(),
            );
        }
        last = Some(e.seq);
        v.entry(e, &cp.origin, &cp, &mut counts, &mut claims);
    }
    for line in v.unenrolled.summaries() {
        v.log_problem(Check::Authorization, line);
    }
    if b.entries.first().map(|e| e.seq) != Some(0) {
        v.log_problem(
            Check::Reference,
            "the bundle lacks the log.init entry (seq 0) that roots its keys".into(),
        );
    }
    // Each bundled text under the id and hash of a bundled source entry:
    // texts are found by hash, so a label that names another source (or
    // none) would otherwise pass unread. And each only once: of two
    // members with one hash, the map above keeps the last, so a first one
    // with another text would pass unread, while a reader who takes the
    // first match would read it.
    let mut seen_ids = std::collections::HashSet::new();
    let mut seen_shas = std::collections::HashSet::new();
    for s in &b.sources {
        // The member's own words, cut and escaped: they are unchecked.
        let id = shown(&s.id, SHOWN_ID);
        let sha = shown(&s.sha256, SHOWN_HASH);
        if !seen_ids.insert(s.id.as_str()) || !seen_shas.insert(s.sha256.as_str()) {
            v.log_problem(
                Check::Reference,
                format!(
                    "`sources` holds `{id}` (SHA-256 {sha}) more than once: a bundle carries each text once"
                ),
            );
        }
        let named =
            s.id.parse::<ItemId>()
                .ok()
                .filter(|id| id.to_string() == s.id)
                .and_then(|id| v.h.items.get(&id));
        let matches = match named {
            Some((_, _, Body::SourceAdd(add), _)) => add.sha256.to_hex() == s.sha256,
            _ => false,
        };
        if !matches {
            v.log_problem(
                Check::Reference,
                format!(
                    "`sources` holds a text as `{id}` with SHA-256 {sha}, but no source entry of the bundle has that id and hash"
                ),
            );
        }
    }
    // Texts: present and matching, or removed by a bundled redaction.
    let mut redacted = 0;
    for (n, info) in v.h.sources.clone() {
        let id = ItemId::source(n);
        match v.h.texts.get(&info.sha256) {
            // A redaction removed the text from the log for a reason (a
            // person's safety, a legal request): the bundle must not carry
            // it back, as verify reports a text still stored (FORMAT §7.2).
            // (Counted as redacted: the header said "0 redacted" beside
            // the problem that says it was.)
            Some(_) if info.redacted => {
                redacted += 1;
                v.log_problem(
                    Check::Blob,
                    format!("{id}: the bundle carries the text of a source that a bundled source.redact entry removed"),
                )
            }
            Some(t)
                if Hash::sha256(t.bytes()) == info.sha256
                    && t.bytes().len() as u64 == info.length => {}
            Some(_) => v.log_problem(
                Check::Blob,
                format!("{id}: the text does not match its signed SHA-256 and length"),
            ),
            None if info.redacted => redacted += 1,
            None => v.log_problem(
                Check::Blob,
                format!(
                    "{id}: the text is missing and no source.redact entry in the bundle removed it"
                ),
            ),
        }
    }
    // The checkpoint: signed by the given verifier keys, else by an admin
    // the bundle enrolled before that size; and, as verify holds any note,
    // every line of a key the bundle enrolled for that size must verify.
    let enrolled: Vec<std::rc::Rc<KeyInfo>> = v.h.keys.values().cloned().collect();
    let signers: Vec<(VerifierKey, String)> =
        rules::note_verifiers(&enrolled, &cp.origin, cp.size.0)
            .into_iter()
            .map(|(v, k)| (v, k.name.clone()))
            .collect();
    let (anchored, signed_by) = if vkeys.is_empty() {
        let keys: Vec<VerifierKey> = signers.iter().map(|(k, _)| k.clone()).collect();
        match verify_log_note(&note, &cp.origin, &keys)
            .map_err(crate::checkpoint::NoteError::as_enrolled)
        {
            Ok(res) => (
                false,
                signers
                    .iter()
                    .filter(|(k, _)| res.verified_by(k))
                    .map(|(_, n)| n.clone())
                    .collect(),
            ),
            Err(e) => {
                v.log_problem(
                    Check::Checkpoint,
                    format!(
                        "the checkpoint does not verify against the admins the bundle enrolls: {e}"
                    ),
                );
                (false, vec![])
            }
        }
    } else {
        // The log's own signature, under its origin, by a key given: a
        // cosigner's key given beside the log's does not anchor the
        // bundle alone (an auditor could otherwise sign any tree). Judged
        // beside what the bundle's entries say of the keys: one it shows
        // revoked by that size anchors nothing, and every line of an
        // admin it enrolls must verify ([`crate::verify::given_beside`]).
        match crate::verify::given_beside(&note, &cp.origin, cp.size.0, vkeys, &enrolled) {
            // A signature by a key the bundle enrolls as an admin is named
            // as without --vkey ("Desk admin"), not by the note's key name,
            // the origin; any other (a cosigner's) by the note's name.
            Ok(res) => (
                true,
                res.signatures
                    .iter()
                    .map(|s| {
                        signers
                            .iter()
                            .find(|(k, _)| k.name() == s.name && k.key_id() == s.key_id)
                            .map_or_else(
                                // Under the origin, the log's own key,
                                // which no entry of the bundle names.
                                || match s.name == cp.origin {
                                    true => format!("the log's key ({})", s.name),
                                    false => s.name.clone(),
                                },
                                |(_, name)| name.clone(),
                            )
                    })
                    .collect(),
            ),
            Err(crate::verify::NotBeside::Note(e)) => {
                v.log_problem(
                    Check::Checkpoint,
                    format!("the checkpoint does not verify against the given verifier keys: {e}"),
                );
                (false, vec![])
            }
            Err(e) => {
                v.log_problem(
                    Check::Checkpoint,
                    format!("the checkpoint is {}", e.detail(cp.size.0)),
                );
                (false, vec![])
            }
        }
    };
    let unchecked_lines =
        note.lines_unchecked_by(vkeys.iter().chain(signers.iter().map(|(k, _)| k)));
    // The kept checkpoints, by the keys the bundle's own was judged by,
    // beside the bundle's tree.
    let tree = Trees::One {
        size: cp.size,
        root: cp.root,
    };
    // The bundle's entries vouch for its admins only when a key given
    // signed its checkpoint and every entry passed (each is then in that
    // tree): see [`judge_kept_beside`].
    let vouches = anchored && v.problems.is_empty() && v.more == 0;
    // Judged as checkpoints of the log the bundle's signed checkpoint
    // names (its `origin` field is not signed: see above).
    let checkpoints = judge_kept_beside(&cp.origin, &tree, &kept, vkeys, &enrolled, vouches);
    v.problems.extend(kept_problems(&checkpoints));
    let newer_checkpoints = newer(&checkpoints, cp.size.0);
    v.check_requested(&b);
    let ok = v.problems.is_empty() && v.more == 0;
    let contents =
        ok.then(|| contents::build(&v.h.passed, &v.h.keys, &v.h.texts, v.requested.as_deref()));
    Ok(BundleReport {
        // Whole when it is the signed checkpoint's: a script comparing it
        // with the log it expects read a long name cut as a mismatch.
        origin: match b.origin == cp.origin {
            true => b.origin.clone(),
            false => cut_unsigned(&b.origin, SHOWN_ORIGIN),
        },
        checkpoint_size: cp.size.0,
        checkpoint_root: cp.root,
        anchored: anchored && ok,
        signed_by,
        unchecked_lines,
        entries: b.entries.len() as u64,
        sources: counts.0,
        redacted_sources: redacted,
        claims,
        retracted: v.h.retractions,
        retracted_annotations: v.h.annotation_retractions,
        amended_sources: v.h.amendments,
        ok,
        problems: v.problems,
        more_problems: v.more,
        checkpoints,
        stale: !newer_checkpoints.is_empty(),
        newer_checkpoints,
        contents,
    })
}

/// Each kept checkpoint judged beside the bundle's tree, by the keys the
/// bundle's checkpoint is judged by ([`judge_kept_by`]): `vkeys`, judged
/// beside the bundle's key entries, else the admins the bundle enrolls,
/// live at its size.
///
/// With `vkeys`, one that no key given signed is also the log's when an
/// admin that the bundle's entries enroll, and do not revoke before its
/// size, signed it, provided the bundle `vouches` (a key given signed the
/// bundle's checkpoint and every entry passed) and its size is at most the
/// bundle's. An auditor's file of the log's keys as they are now leaves a
/// revoked admin out, so a genuine checkpoint that admin signed before the
/// revocation was `unsigned` with the keys given and passed without any.
/// Why that is sound: every bundled entry is proven in a tree that a key
/// given signed, so its key entries are the log's own, and within that
/// tree they say who was an admin at a smaller size as the log itself does
/// (`verify --checkpoint` takes such a signature too: a key revoked later
/// signed validly before, FORMAT §9.6). What it does not prove: that the
/// bundle kept the admin's revocation, since anyone who handles a bundle
/// can leave entries out; a holder of the stolen key gains nothing by
/// that, though, who can sign a checkpoint of any size before the
/// revocation anyway. Of a size beyond the bundle's tree, its entries say
/// nothing (a revocation since is not in them): only the keys given
/// count, and the detail names the admin and says why it was not taken.
fn judge_kept_beside(
    origin: &str,
    tree: &Trees,
    kept: &[crate::verify::KeptNote],
    vkeys: &[VerifierKey],
    enrolled: &[std::rc::Rc<KeyInfo>],
    vouches: bool,
) -> Vec<BundleKept> {
    let bundle_size = match tree {
        Trees::One { size, .. } | Trees::Log { current: size, .. } => size.0,
    };
    let mut out = Vec::with_capacity(kept.len());
    for k in kept {
        let one = std::slice::from_ref(k);
        let by = match vkeys.is_empty() {
            true => Signers::Enrolled(enrolled),
            false => Signers::GivenBeside {
                given: vkeys,
                enrolled,
            },
        };
        let mut check = judge_kept_by(origin, tree, one, by).0.remove(0);
        let mut admin_in_bundle = None;
        let (_, note, cp) = k;
        let size = cp.size.0;
        let signer = (!vkeys.is_empty() && check.status == CheckpointStatus::Unsigned)
            .then(|| {
                rules::note_verifiers(enrolled, origin, size)
                    .into_iter()
                    .filter(|(_, key)| key.role == Role::Admin)
                    .find(|(vk, _)| verify_log_note(note, origin, std::slice::from_ref(vk)).is_ok())
            })
            .flatten();
        // Judged again with that admin's key among those given: still
        // `unsigned` when something else is wrong (a line of a live key
        // that fails), whose detail then stands.
        let again = signer.map(|(vk, key)| {
            let mut given = vkeys.to_vec();
            given.push(vk);
            let by = Signers::GivenBeside {
                given: &given,
                enrolled,
            };
            (judge_kept_by(origin, tree, one, by).0.remove(0), key)
        });
        if let Some((again, key)) = again.filter(|(a, _)| a.status != CheckpointStatus::Unsigned) {
            let why_not = match (vouches, size <= bundle_size) {
                (true, true) => None,
                (false, _) => Some(
                    "the bundle did not check out under the keys given, so its entries vouch for no admin".to_string(),
                ),
                (true, false) => Some(format!(
                    "this checkpoint is of {} and the bundle's tree ends at {}, so its entries cannot say that {} was still an admin then (a revocation after its checkpoint is not in it)",
                    crate::text::count(size, "entry"),
                    crate::text::count(bundle_size, "entry"),
                    crate::text::escape(&key.name)
                )),
            };
            match why_not {
                None => {
                    check = again;
                    admin_in_bundle = Some(BundleAdmin {
                        name: key.name.clone(),
                        enrolled_at: key.enrolled,
                        revoked_at: key.revoked,
                    });
                }
                Some(why) => {
                    check.detail = format!(
                        "signed by {}, an admin whom the bundle enrolls at entry {}, but by no key given, and not taken as the log's: {why}; pass that admin's verifier key with --vkey if you hold it as the log's",
                        crate::text::escape(&key.name),
                        key.enrolled
                    )
                }
            }
        }
        out.push(BundleKept {
            check,
            admin_in_bundle,
        });
    }
    out
}

/// A problem for each kept checkpoint whose verdict is a finding, as
/// [`judge_kept_by`] words them.
fn kept_problems(checks: &[BundleKept]) -> Vec<Problem> {
    checks
        .iter()
        .filter(|c| c.check.status.is_finding())
        .map(|c| Problem {
            seq: None,
            kind: None,
            id: None,
            checkpoint: Some(c.check.name.clone()),
            check: Check::Checkpoint,
            detail: format!("{}: {}", c.check.status, c.check.detail),
        })
        .collect()
}

/// The kept checkpoints that are the log's and larger than the bundle's
/// tree, largest first: the log had grown past the bundle when they were
/// signed ([`BundleReport::newer_checkpoints`]).
fn newer(checks: &[BundleKept], bundle_size: u64) -> Vec<NewerCheckpoint> {
    let mut newer: Vec<NewerCheckpoint> = checks
        .iter()
        .filter(|c| c.check.status == CheckpointStatus::NotCompared && c.check.size.0 > bundle_size)
        .map(|c| NewerCheckpoint {
            name: c.check.name.clone(),
            size: c.check.size.0,
        })
        .collect();
    newer.sort_by_key(|n| std::cmp::Reverse(n.size));
    newer
}

struct BundleCheck {
    h: BundleHistory,
    problems: Vec<Problem>,
    /// How many problems to list (`None`: all).
    listed: Option<usize>,
    /// Problems past `listed`, counted only
    /// ([`BundleReport::more_problems`]).
    more: u64,
    /// The last friendly id of each kind the bundle gave, and its seq.
    last_ids: HashMap<IdKind, (u64, u64)>,
    /// The bundle's `requested` ids that name an item of the bundle
    /// (version 2); `None` for a version 1 bundle.
    requested: Option<Vec<ItemId>>,
    /// Keys that only an entry which did not pass enrolled, or that no
    /// entry of the bundle enrolls: the entries they sign are folded as
    /// `verify` folds them.
    unenrolled: crate::verify::Unenrolled,
}

impl BundleCheck {
    /// Each id of `requested` must name, as the log spells it, an item
    /// that an entry of the bundle created, once: export asks for items
    /// and carries each. Not signed (anyone can edit it, as the ids): it
    /// is the exporter's word of which claims come with all their
    /// annotations, and no more.
    fn check_requested(&mut self, b: &Bundle) {
        let Some(requested) = &b.requested else {
            return;
        };
        let mut ids = Vec::with_capacity(requested.len());
        for word in requested {
            let shown = shown(word, SHOWN_ID);
            let id = word
                .parse::<ItemId>()
                .ok()
                .filter(|id| id.to_string() == *word && self.h.items.contains_key(id));
            match id {
                Some(id) if ids.contains(&id) => self.log_problem(
                    Check::Reference,
                    format!("`requested` names `{shown}` more than once"),
                ),
                Some(id) => ids.push(id),
                None => self.log_problem(
                    Check::Reference,
                    format!(
                        "`requested` names `{shown}`, but no entry of the bundle that checked out creates an item of that id"
                    ),
                ),
            }
        }
        self.requested = Some(ids);
    }

    /// Lists `p`, or past the cap only counts it; a problem of the
    /// checkpoint is listed whatever the cap.
    fn push(&mut self, p: Problem) {
        if self.listed.is_none_or(|n| self.problems.len() < n) || p.check == Check::Checkpoint {
            self.problems.push(p);
        } else {
            self.more += 1;
        }
    }

    fn problem(&mut self, e: &BundleEntry, kind: Option<Kind>, check: Check, detail: String) {
        self.push(Problem {
            seq: Some(Seq(e.seq)),
            // `null` when the payload names no kind of the format's (it was
            // "?", where verify gives `null`).
            kind: kind.map(|k| k.to_string()),
            // The bundle's own word for the id; one that does not parse, or
            // that an entry of this kind cannot have, is not repeated (the
            // entry's seq still names it).
            id: e
                .id
                .as_deref()
                .and_then(|i| i.parse::<ItemId>().ok())
                .filter(|i| kind.map_or(Some(i.kind), Kind::creates) == Some(i.kind)),
            checkpoint: None,
            check,
            detail,
        });
    }
    /// The friendly id is the bundle's word, not signed: it is bound to
    /// the entry only where a bundled entry refers to it (a reference
    /// carries id and hash). What the bundle can still show of every id is
    /// its order: the log hands out `C1`, `C2`, … one per `claim.add`, in
    /// seq order, so between two entries of one kind the number grows by
    /// at least one and at most by the entries between them, and `Cn`
    /// comes no earlier than entry `n`. Labels swapped, repeated or made
    /// up beyond that are caught; a consistent relabelling of items nobody
    /// refers to is not.
    fn id_in_order(&mut self, e: &BundleEntry, kind: Option<Kind>, id: ItemId) {
        let why = match self.last_ids.insert(id.kind, (id.n, e.seq)) {
            None if id.n > e.seq => Some(format!(
                "entry {} can create at most {}",
                e.seq,
                ItemId::new(id.kind, e.seq)
            )),
            Some((n, seq)) if id.n <= n || id.n - n > e.seq - seq => {
                let before = ItemId::new(id.kind, n);
                Some(if id.n <= n {
                    format!("entry {seq} before it is {before}: ids grow in log order")
                } else {
                    format!(
                        "entry {seq} is {before}, and the {} since can create at most {}",
                        crate::text::count(e.seq - seq, "entry"),
                        ItemId::new(id.kind, n + (e.seq - seq))
                    )
                })
            }
            _ => None,
        };
        if let Some(why) = why {
            self.problem(
                e,
                kind,
                Check::Reference,
                format!("the bundle calls this entry {id}, but {why}"),
            );
        }
    }

    fn log_problem(&mut self, check: Check, detail: String) {
        self.push(Problem {
            seq: None,
            kind: None,
            id: None,
            checkpoint: None,
            check,
            detail,
        });
    }

    fn entry(
        &mut self,
        e: &BundleEntry,
        origin: &str,
        cp: &Checkpoint,
        counts: &mut (u64, u64),
        claims: &mut Vec<String>,
    ) {
        let (Ok(payload), Ok(sig)) = (B64.decode(&e.payload), B64.decode(&e.signature)) else {
            return self.problem(
                e,
                None,
                Check::Body,
                "payload or signature is not base64".into(),
            );
        };
        let hash = entry_hash(&payload, &sig);
        // Lower-case only, as `export` writes them and the format says
        // (one spelling, as for ids): an upper-case hash is named as such.
        let proof: std::result::Result<Vec<Hash>, String> = e
            .inclusion_proof
            .iter()
            .enumerate()
            .map(|(i, h)| {
                Hash::from_hex(h).ok_or_else(|| {
                    let shown = shown(h, SHOWN_HASH);
                    let upper = Hash::from_hex(&h.to_ascii_lowercase()).is_some();
                    format!(
                        "hash {} of the inclusion proof, `{shown}`, is not 64 lower-case hex digits{}",
                        i + 1,
                        match upper {
                            true => " (it is upper-case: a bundle writes its hashes in lower case, as `export` does)",
                            false => "",
                        }
                    )
                })
            })
            .collect();
        let included = match proof {
            Err(why) => Err(why),
            Ok(proof) => {
                merkle::verify_inclusion(&hash, LeafIndex(e.seq), cp.size, &proof, &cp.root)
                    .map_err(|err| format!("not in the checkpoint's tree: {err}"))
            }
        };
        let parsed = Payload::parse(&payload);
        let kind = parsed.as_ref().ok().map(|p| p.header.kind);
        if let Err(d) = included {
            self.problem(e, kind, Check::Inclusion, d);
        }
        let p = match parsed {
            Ok(p) => p,
            Err(err) => {
                self.problem(e, None, err.check(), err.detail().to_string());
                // As `verify` does: the signer is unknown, but whether these
                // are the bytes that were signed is not.
                match keys::parse_sig(&sig) {
                    Err(err) => self.problem(e, None, Check::Signature, err),
                    Ok(ps) => {
                        if let Err(err) = keys::verify(&ps.key, &payload, &ps) {
                            self.problem(
                                e,
                                None,
                                Check::Signature,
                                format!("{err} {}", crate::sigcheck::CHANGED_AFTER_SIGNING),
                            );
                        }
                    }
                }
                return;
            }
        };
        let of_this_log = p.header.log == origin;
        if p.header.seq.0 != e.seq || !of_this_log {
            self.problem(
                e,
                kind,
                Check::Header,
                "the payload's seq or log differs from the bundle".into(),
            );
        }
        let id = p.body.creates().and_then(|k| {
            let id: Option<ItemId> = e.id.as_deref().and_then(|s| s.parse().ok());
            id.filter(|i| i.kind == k)
        });
        match (p.body.creates(), &e.id, id) {
            (Some(_), None, None) => self.problem(
                e,
                kind,
                Check::Reference,
                "the bundle gives this entry no id, where the item it creates has one".into(),
            ),
            // Given, but no id of the item's kind (`C01`, `A` and 100
            // digits, `C1` and a NUL): shown, as the spelling case shows it.
            (Some(k), Some(label), None) => self.problem(
                e,
                kind,
                Check::Reference,
                format!(
                    "the bundle gives this entry the id `{}`, which is no {} id (`{}` and a number from 1, as the log writes it)",
                    shown(label, SHOWN_ID),
                    k.noun(),
                    ItemId::new(k, 1).to_string().trim_end_matches('1')
                ),
            ),
            (None, Some(label), _) => self.problem(
                e,
                kind,
                Check::Reference,
                format!(
                    "the bundle gives this entry the id `{}`, but a {} entry creates no item",
                    shown(label, SHOWN_ID),
                    p.header.kind
                ),
            ),
            (_, label, Some(id)) => {
                // Spelled as the log spells it (`C12`, not `c12`): a
                // reader who matches ids as text must find the same item.
                if let Some(label) = label.as_deref().filter(|l| id.to_string() != *l) {
                    self.problem(
                        e,
                        kind,
                        Check::Reference,
                        format!(
                            "the bundle writes this entry's id as `{}`; the log writes it `{id}`",
                            shown(label, SHOWN_ID)
                        ),
                    );
                }
                self.id_in_order(e, kind, id)
            }
            (None, None, None) => {}
        }
        self.h.current = e.seq;
        let auth = match rules::authorize(&self.h, &p.header, &p.body) {
            Ok(a) => a,
            Err(err) => return self.problem(e, kind, Check::Body, err.to_string()),
        };
        // As verify: only an authentic entry (its signature good under the
        // key it names, of this log) changes who is enrolled, revoked or
        // redacted for the entries after it.
        let mut valid = of_this_log;
        match (&auth, keys::parse_sig(&sig)) {
            (_, Err(err)) => {
                self.problem(e, kind, Check::Signature, err);
                valid = false;
            }
            (Ok(info), Ok(ps)) => {
                if let Err(err) = keys::verify(&info.public.verifying_key(), &payload, &ps) {
                    self.problem(e, kind, Check::Signature, err);
                    valid = false;
                }
            }
            (Err(_), Ok(_)) => {}
        }
        if let Err(Violation { check, detail, .. }) = auth {
            // As verify: the entries a key signs that only a failed entry
            // enrolled (or, in a bundle, that no entry of it enrolls) are
            // said once, with the cause ([`crate::verify::Unenrolled`]).
            let enrolled = self.h.keys.contains_key(&p.header.signer);
            if !enrolled {
                self.unenrolled.absent(e.seq, &p.header.signer);
            }
            if let Some(d) =
                self.unenrolled
                    .authorization(e.seq, &p.header.signer, enrolled, detail)
            {
                self.problem(e, kind, check, d);
            }
            valid = false;
        }
        match rules::check_body(&self.h, &p.header, &p.body) {
            Ok(Ok(())) => {}
            Ok(Err(Violation { check, detail, .. })) => {
                self.problem(e, kind, check, detail);
                // A claim whose quote does not match its source's text is
                // still a claim, as in `verify`: the annotations that refer
                // to it are not reported as well.
                valid &= check == Check::Quote;
            }
            Err(err) => self.problem(e, kind, Check::Body, err.to_string()),
        }
        if valid {
            self.h.apply(&p.header, &p.body, id, hash, counts, claims);
        } else {
            self.unenrolled.failed(e.seq, &p.header, &p.body);
        }
    }
}

/// The history as far as the bundle shows it. Checks that need the whole
/// log (a duplicate source elsewhere, the number of admins) are not made.
#[derive(Default)]
struct BundleHistory {
    keys: HashMap<Fingerprint, std::rc::Rc<KeyInfo>>,
    items: HashMap<ItemId, (Seq, Hash, Body, Fingerprint)>,
    sources: HashMap<u64, SourceInfo>,
    texts: HashMap<Hash, std::rc::Rc<SourceText>>,
    /// The retractions of the bundle's entries that passed.
    retractions: Vec<BundleRetraction>,
    /// Where each retracted claim (by number) was first retracted: the
    /// rules ask it for every claim a later entry refers to, and a
    /// hostile bundle may hold thousands of retractions, so not a scan.
    retracted_at: HashMap<u64, Seq>,
    /// The annotation retractions of the bundle's entries that passed.
    annotation_retractions: Vec<BundleAnnotationRetraction>,
    /// Where each retracted annotation (by number) was retracted.
    annotation_retracted_at: HashMap<u64, Seq>,
    /// The source amendments of the bundle's entries that passed.
    amendments: Vec<BundleAmendment>,
    /// Every entry that passed, in order, for [`contents::build`].
    passed: Vec<(Header, Body, Option<ItemId>)>,
    current: u64,
}

impl BundleHistory {
    fn apply(
        &mut self,
        h: &Header,
        body: &Body,
        id: Option<ItemId>,
        hash: Hash,
        counts: &mut (u64, u64),
        claims: &mut Vec<String>,
    ) {
        match body {
            Body::LogInit(_) | Body::KeyAdd(_) | Body::KeyRevoke(_) => {
                rules::apply_key_change(&mut self.keys, h, body);
            }
            Body::SourceAdd(b) => {
                counts.0 += 1;
                if let Some(id) = id {
                    self.sources.insert(
                        id.n,
                        SourceInfo {
                            sha256: b.sha256,
                            length: b.length,
                            redacted: false,
                        },
                    );
                }
            }
            Body::SourceRedact(b) => {
                if let Some(s) = self.sources.get_mut(&b.source.id.n) {
                    s.redacted = true;
                }
            }
            Body::ClaimRetract(b) => {
                self.retracted_at.entry(b.claim.id.n).or_insert(h.seq);
                self.retractions.push(BundleRetraction {
                    claim: b.claim.id,
                    seq: h.seq,
                    reason: b.reason.clone(),
                    replaced_by: b.replaced_by.map(|r| r.id),
                });
            }
            Body::SourceAmend(b) => self.amendments.push(BundleAmendment {
                source: b.source.id,
                seq: h.seq,
                fields: b
                    .changes()
                    .into_iter()
                    .filter_map(|(f, v)| v.map(|_| f))
                    .collect(),
                cleared: b.clear.iter().map(SourceField::as_str).collect(),
                summary: b.summary(),
                reason: b.reason.clone(),
            }),
            Body::AnnotationRetract(b) => {
                self.annotation_retracted_at
                    .entry(b.annotation.id.n)
                    .or_insert(h.seq);
                self.annotation_retractions
                    .push(BundleAnnotationRetraction {
                        annotation: b.annotation.id,
                        seq: h.seq,
                        reason: b.reason.clone(),
                    });
            }
            Body::ClaimAdd(_) => {
                counts.1 += 1;
                if let Some(id) = id {
                    claims.push(id.to_string());
                }
            }
            _ => {}
        }
        if let Some(id) = id {
            self.items
                .insert(id, (h.seq, hash, body.clone(), h.signer.clone()));
        }
        self.passed.push((h.clone(), body.clone(), id));
    }
}

impl History for BundleHistory {
    fn key(&self, fp: &Fingerprint) -> Result<Option<std::rc::Rc<KeyInfo>>> {
        Ok(self.keys.get(fp).cloned())
    }
    fn active_admins(&self) -> Result<u64> {
        Ok(u64::MAX)
    }
    fn keys(&self) -> Result<Vec<std::rc::Rc<KeyInfo>>> {
        Ok(self.keys.values().cloned().collect())
    }
    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        Ok(self
            .items
            .get(&id)
            .filter(|(s, ..)| s.0 < self.current)
            .map(|(s, h, ..)| (*s, *h)))
    }
    fn source(&self, n: u64) -> Result<Option<SourceInfo>> {
        Ok(self.sources.get(&n).cloned())
    }
    fn source_with_sha(&self, _: &Hash) -> Result<Option<u64>> {
        Ok(None)
    }
    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>> {
        Ok(match self.items.get(&ItemId::annotation(n)) {
            Some((_, _, Body::AnnotationAdd(b), signer)) => Some((b.claim.id.n, signer.clone())),
            _ => None,
        })
    }
    fn item_signer(&self, id: ItemId) -> Result<Option<Fingerprint>> {
        Ok(match self.items.get(&id) {
            Some((_, _, Body::ClaimAdd(_) | Body::SourceAdd(_), signer)) => Some(signer.clone()),
            _ => None,
        })
    }
    fn retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self.retracted_at.get(&n).copied())
    }
    fn annotation_retraction(&self, n: u64) -> Result<Option<Seq>> {
        Ok(self.annotation_retracted_at.get(&n).copied())
    }
    fn blob(&self, sha: &Hash) -> Result<Option<std::rc::Rc<SourceText>>> {
        Ok(self.texts.get(sha).cloned())
    }
    fn tree_root(&self, _: u64) -> Result<Option<Hash>> {
        Ok(None)
    }
}
