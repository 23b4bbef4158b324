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
    #[serde(with = "crate::model::hex_hash")]
    pub hash: Hash,
    pub id: Option<ItemId>,
}

/// Creates a new log at `path`: the `log.init` entry, signed by `signer`,
/// who becomes its first admin.
pub fn init(path: &Path, signer: &Signer, origin: &str, name: &str) -> Result<Appended> {
    rules::check_origin(origin)
        .map_err(|e| Error::invalid(e, "pick an origin like newsroom.example/idlib-2022"))?;
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

/// Builds a `claim.add` body for the span `start..end` of a source's text:
/// checks the span, hashes the quote and takes its context. The one
/// builder used by `claim add`, `claim suggest --add`, `import` and the demo.
pub fn claim_body(
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
    Ok(Body::ClaimAdd(ClaimAdd {
        source,
        start: start as u64,
        end: end as u64,
        quote_sha256: Hash::sha256(quote.as_bytes()),
        prefix: crate::text::prefix(source_text, start),
        suffix: crate::text::suffix(source_text, end),
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
    let conn = store.conn_mut();
    if redacting {
        // Overwrite freed pages with zeros, so the redacted text does not
        // linger in the file's free pages.
        conn.execute_batch("PRAGMA secure_delete = ON")?;
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(busy)?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        out.push(append_one(&tx, signer, e)?);
    }
    tx.commit().map_err(busy)?;
    if redacting {
        // Move everything out of the WAL and truncate it, so no old copy
        // of the text stays in the -wal file either.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
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
    let conn = store.conn_mut();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(busy)?;
    let seq = crate::store::head(&tx)?.map_or(Seq(0), |(s, _)| Seq(s.0 + 1));
    let entry = build(&tx, seq)?;
    let out = append_one(&tx, signer, entry)?;
    tx.commit().map_err(busy)?;
    Ok(out)
}

/// Signs a checkpoint of the log as it stands (an admin's `checkpoint.add`
/// entry) and returns the entry and the signed note.
pub fn checkpoint(
    store: &mut Store,
    signer: &Signer,
) -> Result<(Appended, crate::checkpoint::SignedNote)> {
    let origin = store.origin()?;
    let mut note = None;
    let e = append_with(store, signer, |conn, seq| {
        let size = crate::merkle::TreeSize(seq.0);
        let root = crate::tree::root(conn, size)?;
        let signed = crate::tree::sign_note(&origin, size, root, signer)?;
        let body = Body::CheckpointAdd(CheckpointAdd {
            size: seq.0,
            root,
            note: signed.to_string(),
        });
        note = Some(signed);
        Ok(NewEntry::new(body))
    })?;
    let note = note.ok_or_else(|| Error::Internal("checkpoint note missing".into()))?;
    Ok((e, note))
}

fn busy(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Busy(crate::store::busy_timeout().as_secs())
        }
        _ => Error::Sqlite(e),
    }
}

fn append_one(conn: &Connection, signer: &Signer, e: NewEntry) -> Result<Appended> {
    let head = crate::store::head(conn)?;
    let (seq, prev) = match head {
        None => (Seq(0), Hash::ZERO),
        Some((s, h)) => (Seq(s.0 + 1), h),
    };
    let log = match &e.body {
        Body::LogInit(b) => b.origin.clone(),
        _ => conn
            .prepare_cached("SELECT origin FROM log_meta WHERE seq = 0")?
            .query_row([], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::Internal("the log has no log.init entry".into()))?,
    };
    let header = Header {
        log,
        seq,
        prev,
        time: crate::clock::now(),
        signer: signer.fingerprint().clone(),
        kind: e.body.kind(),
    };
    let history = StoreHistory { conn };
    if let Err(v) = rules::authorize(&history, &header, &e.body)? {
        // Only on refusal: say which of enrolment, revocation or role failed.
        return Err(
            authorization_error(&history, signer, header.kind)?.unwrap_or_else(|| refused(v))
        );
    }
    // A new source's text goes in first, so the quote rules can see it.
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
    rules::check_body(&history, &header, &e.body)?.map_err(refused)?;

    let n = match e.body.creates() {
        Some(kind) => {
            let table = table_of(kind);
            let max: i64 = conn
                .prepare_cached(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))?
                .query_row([], |r| r.get(0))?;
            Some(max as u64 + 1)
        }
        None => None,
    };
    let payload = Payload {
        header,
        body: e.body,
    };
    let bytes = payload.to_bytes().map_err(|err| {
        Error::invalid(
            format!("cannot encode the entry: {err}"),
            "check the values given",
        )
    })?;
    let sig = signer.sign(&bytes)?;
    let hash = entry_hash(&bytes, &sig);
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
    crate::tree::append_leaf(conn, crate::merkle::LeafIndex(seq.0), hash)?;
    match &payload.body {
        Body::SourceAdd(b) => {
            conn.prepare_cached("INSERT INTO blobs (sha256, data) VALUES (?, ?)")?
                .execute(params![
                    &b.sha256.0[..],
                    e.blob.as_deref().unwrap_or_default()
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

/// The typed error for a signer that `rules::authorize` refused, if the
/// refusal was about the key (not enrolled, revoked, wrong role).
fn authorization_error(
    history: &StoreHistory<'_>,
    signer: &Signer,
    kind: Kind,
) -> Result<Option<Error>> {
    let fingerprint = signer.fingerprint().clone();
    Ok(match history.key(&fingerprint)? {
        None => Some(Error::NotEnrolled(fingerprint)),
        Some(KeyInfo {
            revoked: Some(r), ..
        }) => Some(Error::Revoked {
            fingerprint,
            seq: r.0,
        }),
        Some(k) if !kind.allowed_roles().contains(&k.role) => Some(Error::Role {
            fingerprint,
            role: k.role,
            kind,
            allowed: kind
                .allowed_roles()
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        Some(_) => None,
    })
}

fn refused(v: Violation) -> Error {
    let hint = match v.check {
        Check::Reference => "check the ids with `claimtrail list`",
        Check::Quote => "check --span against `claimtrail show S<n>`",
        Check::Authorization => "sign with an enrolled key that has the role",
        _ => "fix the value and run the command again",
    };
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
    fn key(&self, fp: &Fingerprint) -> Result<Option<KeyInfo>> {
        let row: Option<(String, String, String, i64, Option<i64>)> = self
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
            parsed_key(&key).map_err(|e| Error::Internal(format!("stored key {fp}: {e}")))?;
        let role = role.parse().map_err(Error::Internal)?;
        Ok(Some(KeyInfo {
            public,
            name,
            role,
            enrolled: Seq(seq as u64),
            revoked: revoked.map(|s| Seq(s as u64)),
        }))
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

    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        let sql = format!(
            "SELECT e.seq, e.hash FROM {} t JOIN entries e ON e.seq = t.seq WHERE t.id = ?",
            table_of(id.kind)
        );
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id.n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(s, h)| Hash::from_slice(&h).map(|h| (Seq(s as u64), h))))
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

    fn claim_source(&self, n: u64) -> Result<Option<u64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT source_id FROM claims WHERE id = ?")?
            .query_row([n as i64], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|n| n as u64))
    }

    fn blob(&self, sha: &Hash) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM blobs WHERE sha256 = ?")?
            .query_row([&sha.0[..]], |r| r.get(0))
            .optional()?)
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
