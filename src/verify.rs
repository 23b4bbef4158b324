//! The auditor: re-derives everything from the `entries` table and reports
//! every disagreement. It never prints; the CLI renders the [`Report`].
//!
//! What it proves: every entry is canonical, correctly chained and hashed,
//! signed by a key that was enrolled, unrevoked and allowed to sign it at
//! that point, refers only to earlier entries; every source text matches
//! its signed hash (or was removed by a signed redaction); every quote is
//! the source's bytes at its span; and every projection table is exactly
//! what the entries imply. What it cannot prove on its own: that the log
//! was not truncated or rewritten wholesale by someone holding an admin key
//! — only a checkpoint kept outside the database can show that.

use crate::entry::{entry_hash, Payload, PayloadError};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys;
use crate::log::table_of;
use crate::model::*;
use crate::projection;
use crate::rules::{self, Check, History, KeyInfo, SourceInfo, Violation};
use crate::store::Store;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// One problem found: the entry (when there is one), the check, and what.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub seq: Option<u64>,
    pub kind: Option<String>,
    pub id: Option<String>,
    pub check: Check,
    pub detail: String,
}

/// Counts of what the log holds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub keys: u64,
    pub revoked_keys: u64,
    pub sources: u64,
    pub redacted_sources: u64,
    pub claims: u64,
    pub annotations: u64,
}

/// The verdict of a verify run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub origin: Option<String>,
    pub entries: u64,
    #[serde(serialize_with = "opt_hex")]
    pub head: Option<Hash>,
    pub counts: Counts,
    pub checks: Vec<&'static str>,
    pub ok: bool,
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed (the list is capped).
    pub more_problems: u64,
    /// Tree size and root of the log as verified.
    pub tree_size: u64,
    #[serde(with = "crate::model::hex_hash")]
    pub tree_root: Hash,
    /// Kept checkpoints checked against the log (`verify --checkpoint`).
    pub checkpoints: Vec<CheckpointCheck>,
}

fn opt_hex<S: serde::Serializer>(h: &Option<Hash>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match h {
        Some(h) => s.serialize_str(&h.to_hex()),
        None => s.serialize_none(),
    }
}

/// How many problems are listed in full.
pub const MAX_LISTED: usize = 1000;

/// Verifies the whole log. Errors only when it cannot run at all (the
/// file cannot be read); everything wrong *in* the log is a [`Problem`].
pub fn verify(store: &Store) -> Result<Report> {
    verify_with(store, &[])
}

/// A checkpoint an auditor kept outside the database: a name for reports
/// (e.g. its file name) and its bytes.
pub struct KeptCheckpoint {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What verify concluded about one kept checkpoint.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointCheck {
    pub name: String,
    pub size: u64,
    #[serde(with = "crate::model::hex_hash")]
    pub root: Hash,
    /// `consistent`, `truncated`, `forked`, `unsigned` or `foreign`.
    pub status: &'static str,
    /// Who signed it (names of keys that verified).
    pub signed_by: Vec<String>,
    pub detail: String,
}

/// Verifies the log and, for each kept checkpoint, that a key enrolled
/// (admin, or auditor cosigning) at that size signed it and that the log
/// still contains that tree: a consistency proof from its size to the
/// current size is made from the store and checked (RFC 9162 §2.1.4.2).
/// A checkpoint larger than the log means the log was truncated; a root
/// that the log no longer reproduces means its history was rewritten.
pub fn verify_with(store: &Store, kept: &[KeptCheckpoint]) -> Result<Report> {
    let conn = store.conn();
    let tx = conn.unchecked_transaction()?; // one snapshot for the whole run
    let mut v = Verifier::new(&tx);
    v.run()?;
    let mut report = v.finish()?;
    if !kept.is_empty() {
        check_kept(&tx, &mut report, kept)?;
    }
    tx.finish()?;
    Ok(report)
}

fn check_kept(conn: &Connection, report: &mut Report, kept: &[KeptCheckpoint]) -> Result<()> {
    use crate::checkpoint::{verify_note, Checkpoint, KeyType, SignedNote, VerifierKey};
    let origin = report.origin.clone().unwrap_or_default();
    let current = crate::tree::size(conn)?;
    let current_root = crate::tree::root(conn, current)?;
    let mut checks = Vec::new();
    for k in kept {
        let bad = |e: String| {
            Error::invalid(
                format!("{}: {e}", k.name),
                "give a checkpoint file written by `claimtrail checkpoint`",
            )
        };
        let note = SignedNote::parse(&k.bytes).map_err(|e| bad(e.to_string()))?;
        let cp = Checkpoint::parse(note.text()).map_err(|e| bad(e.to_string()))?;
        let mut check = CheckpointCheck {
            name: k.name.clone(),
            size: cp.size.0,
            root: cp.root,
            status: "consistent",
            signed_by: vec![],
            detail: String::new(),
        };
        if cp.origin != origin {
            check.status = "foreign";
            check.detail = format!(
                "it is a checkpoint of `{}`, not of this log `{origin}`",
                crate::text::escape(&cp.origin)
            );
            checks.push(check);
            continue;
        }
        // Keys enrolled, and not revoked, when the log had `size` entries.
        let mut vkeys: Vec<(VerifierKey, String)> = Vec::new();
        for key in crate::query::keys(conn)? {
            let live = key.enrolled_seq < cp.size.0.max(1)
                && key.revoked_seq.is_none_or(|r| r >= cp.size.0);
            let Ok(pk) = crate::keys::PublicKey::from_openssh(&key.public_key) else {
                continue;
            };
            let Ok(vk) = pk.verifying_key() else { continue };
            let made = match key.role.as_str() {
                "admin" => VerifierKey::new(&origin, KeyType::Ed25519, vk),
                "auditor" => VerifierKey::new(
                    &crate::keys::principal(&key.name),
                    KeyType::CosignatureV1,
                    vk,
                ),
                _ => continue,
            };
            if let (true, Ok(v)) = (live, made) {
                vkeys.push((v, key.name.clone()));
            }
        }
        let keys: Vec<VerifierKey> = vkeys.iter().map(|(v, _)| v.clone()).collect();
        match verify_note(&note, &keys) {
            Ok(v) => {
                check.signed_by = vkeys
                    .iter()
                    .filter(|(k, _)| v.verified_by(k))
                    .map(|(_, n)| n.clone())
                    .collect()
            }
            Err(e) => {
                check.status = "unsigned";
                check.detail = format!("not signed by a key enrolled at size {}: {e}", cp.size);
            }
        }
        if check.status == "consistent" {
            if cp.size > current {
                check.status = "truncated";
                let cut = if cp.size.0 - current.0 == 1 {
                    format!("entry {current} was removed")
                } else {
                    format!("entries {current}..{} were removed", cp.size.0 - 1)
                };
                check.detail = format!(
                    "the log has {current} entries but this checkpoint commits to {}: {cut}",
                    cp.size
                );
            } else {
                let proof_ok = if cp.size.0 == 0 {
                    cp.root == crate::merkle::empty_root()
                } else {
                    let proof = crate::tree::consistency_proof(conn, cp.size, current)?;
                    crate::merkle::verify_consistency(
                        cp.size,
                        current,
                        &cp.root,
                        &current_root,
                        &proof,
                    )
                    .is_ok()
                };
                if !proof_ok {
                    check.status = "forked";
                    check.detail = format!("the log's first {} entries no longer hash to this checkpoint's root: its history was rewritten", cp.size);
                } else {
                    check.detail = format!("the log still contains this tree (consistency proof from size {} to {} verified)", cp.size, current);
                }
            }
        }
        checks.push(check);
    }
    // The first point of divergence the kept checkpoints can prove: the
    // largest consistent size below each forked one.
    let good: Vec<u64> = checks
        .iter()
        .filter(|c| c.status == "consistent")
        .map(|c| c.size)
        .collect();
    for c in checks.iter_mut().filter(|c| c.status == "forked") {
        match good.iter().filter(|&&g| g < c.size).max() {
            Some(&g) if g + 1 == c.size => c.detail.push_str(&format!("; entry {g} differs (the checkpoint of size {g} still matches)")),
            Some(&g) => c.detail.push_str(&format!("; the first difference lies in entries {g}..{} (the checkpoint of size {g} still matches)", c.size - 1)),
            None => c.detail.push_str(&format!("; the first difference lies in entries 0..{}", c.size - 1)),
        }
    }
    for c in &checks {
        if c.status != "consistent" {
            report.problems.push(Problem {
                seq: None,
                kind: None,
                id: Some(c.name.clone()),
                check: Check::Checkpoint,
                detail: format!("{}: {}", c.status, c.detail),
            });
            report.ok = false;
        }
    }
    report.checkpoints = checks;
    Ok(())
}

struct Verifier<'c> {
    conn: &'c Connection,
    state: RefCell<State>,
    problems: Vec<Problem>,
    more: u64,
    expected_rows: BTreeMap<&'static str, u64>,
    counts: Counts,
    origin: Option<String>,
    next_seq: u64,
    prev: Hash,
    entries: u64,
    /// Sources whose text is missing, waiting for a redaction: (n, seq).
    missing: HashMap<u64, u64>,
    /// n of the next source, claim and annotation.
    next_n: [u64; 3],
    /// The tree re-derived from the entries' computed hashes.
    frontier: crate::tree::Frontier,
    last_kind: String,
}

#[derive(Default)]
struct State {
    keys: HashMap<Fingerprint, KeyInfo>,
    redacted: std::collections::HashSet<u64>,
    current: u64,
    cache: HashMap<u64, Body>,
}

impl<'c> Verifier<'c> {
    fn new(conn: &'c Connection) -> Self {
        Verifier {
            conn,
            state: RefCell::new(State::default()),
            problems: Vec::new(),
            more: 0,
            expected_rows: BTreeMap::new(),
            counts: Counts::default(),
            origin: None,
            next_seq: 0,
            prev: Hash::ZERO,
            entries: 0,
            missing: HashMap::new(),
            next_n: [1, 1, 1],
            frontier: crate::tree::Frontier::default(),
            last_kind: String::new(),
        }
    }

    fn problem(
        &mut self,
        seq: Option<u64>,
        kind: Option<&str>,
        id: Option<ItemId>,
        check: Check,
        detail: impl Into<String>,
    ) {
        if self.problems.len() >= MAX_LISTED {
            self.more += 1;
            return;
        }
        self.problems.push(Problem {
            seq,
            kind: kind.map(str::to_string),
            id: id.map(|i| i.to_string()),
            check,
            detail: detail.into(),
        });
    }

    fn run(&mut self) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, kind, payload, sig, hash FROM entries ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let kind = String::from_utf8_lossy(&blob_col(row, 1)?).into_owned();
            let payload = blob_col(row, 2)?;
            let sig = blob_col(row, 3)?;
            let hash = blob_col(row, 4)?;
            self.entry(seq, &kind, &payload, &sig, &hash)?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        row_seq: i64,
        row_kind: &str,
        payload: &[u8],
        sig: &[u8],
        stored_hash: &[u8],
    ) -> Result<()> {
        self.entries += 1;
        let seq = row_seq.max(0) as u64;
        self.last_kind = row_kind.to_string();
        let s = Some(seq);
        let k = Some(row_kind);
        if row_seq < 0 || seq != self.next_seq {
            let detail = if row_seq < 0 || seq < self.next_seq {
                format!(
                    "row seq {row_seq} is out of order (expected {})",
                    self.next_seq
                )
            } else {
                format!(
                    "entries {}..{} are missing (expected seq {}, found {seq})",
                    self.next_seq,
                    seq - 1,
                    self.next_seq
                )
            };
            self.problem(s, k, None, Check::Sequence, detail);
        }
        self.next_seq = seq + 1;
        self.state.borrow_mut().current = seq;

        let computed = entry_hash(payload, sig);
        let hash_ok = Hash::from_slice(stored_hash) == Some(computed);
        let prev = std::mem::replace(&mut self.prev, computed);
        let tree_nodes = self.frontier.clone().push(computed);
        const HASH_DETAIL: &str =
            "stored hash is not SHA-256(0x00 || leaf) of the payload and signature";

        let parsed = match Payload::parse(payload) {
            Ok(p) => p,
            Err(e) => {
                let (check, d) = match e {
                    PayloadError::Canonical(d) => (Check::Canonical, d),
                    PayloadError::Header(d) => (Check::Header, d),
                    PayloadError::Body(d) => (Check::Body, d),
                };
                self.problem(s, k, None, check, d);
                if !hash_ok {
                    self.problem(s, k, None, Check::Hash, HASH_DETAIL);
                }
                // The entry's id number is still taken, so later ids line up.
                if let Some(i) = id_kind_of(row_kind) {
                    self.next_n[slot(i)] += 1;
                }
                self.tree_nodes(seq, None, tree_nodes, computed)?;
                return Ok(());
            }
        };
        let h = &parsed.header;
        let id = parsed.body.creates().map(|i| {
            let n = self.next_n[slot(i)];
            self.next_n[slot(i)] += 1;
            ItemId::new(i, n)
        });
        if !hash_ok {
            self.problem(s, k, id, Check::Hash, HASH_DETAIL);
        }
        if h.seq.0 != seq {
            self.problem(
                s,
                k,
                id,
                Check::Sequence,
                format!("payload seq {} differs from the row's seq {seq}", h.seq),
            );
        }
        if h.kind.as_str() != row_kind {
            self.problem(
                s,
                k,
                id,
                Check::Header,
                format!(
                    "kind column `{}` differs from the payload kind {}",
                    crate::text::escape(row_kind),
                    h.kind
                ),
            );
        }
        if let Body::LogInit(b) = &parsed.body {
            if seq == 0 {
                self.origin = Some(b.origin.clone());
            }
        }
        if let Some(origin) = &self.origin {
            if &h.log != origin {
                let d = format!(
                    "log `{}` is not this log's origin `{origin}`",
                    crate::text::escape(&h.log)
                );
                self.problem(s, k, id, Check::Header, d);
            }
        }
        if h.prev != prev {
            self.problem(
                s,
                k,
                id,
                Check::Chain,
                format!(
                    "prev {} is not the hash of entry {} ({})",
                    &h.prev.to_hex()[..12],
                    seq.wrapping_sub(1),
                    &prev.to_hex()[..12]
                ),
            );
        }

        // Signature: by the enrolled key of the signer (for log.init, by the
        // key it enrolls). An unknown signer's signature is still checked
        // against the key inside the SSHSIG, so the report says both.
        let auth = rules::authorize(self, h, &parsed.body)?;
        let key = match (&auth, &parsed.body) {
            (Ok(info), _) => Some(info.public.clone()),
            (Err(_), _) => self
                .state
                .borrow()
                .keys
                .get(&h.signer)
                .map(|k| k.public.clone()),
        };
        match keys::parse_sig(sig) {
            Err(e) => self.problem(s, k, id, Check::Signature, e),
            Ok(ps) => {
                let vk = match &key {
                    Some(pk) => pk.verifying_key().ok(),
                    None => Some(ps.key),
                };
                match vk {
                    None => self.problem(
                        s,
                        k,
                        id,
                        Check::Signature,
                        "the signer's key is not a valid Ed25519 key",
                    ),
                    Some(vk) => {
                        if let Err(e) = keys::verify(&vk, payload, &ps) {
                            self.problem(s, k, id, Check::Signature, e);
                        }
                    }
                }
            }
        }
        let mut valid = true;
        if let Err(Violation { check, detail }) = auth {
            self.problem(s, k, id, check, detail);
            valid = false;
        }
        if let Err(Violation { check, detail }) = rules::check_body(self, h, &parsed.body)? {
            self.problem(s, k, id, check, detail);
            valid = false;
        }

        // Source texts.
        match &parsed.body {
            Body::SourceAdd(b) => {
                let n = id.map_or(0, |i| i.n);
                match self.blob(&b.sha256)? {
                    None => {
                        self.missing.insert(n, seq);
                    }
                    Some(data) => {
                        if Hash::sha256(&data) != b.sha256 {
                            self.problem(
                                s,
                                k,
                                id,
                                Check::Blob,
                                "stored text does not match the signed SHA-256",
                            );
                        } else if data.len() as u64 != b.length {
                            self.problem(
                                s,
                                k,
                                id,
                                Check::Blob,
                                "stored text length differs from the signed length",
                            );
                        }
                    }
                }
            }
            Body::SourceRedact(b) if valid => {
                self.missing.remove(&b.source.id.n);
                if let Some(info) = self.source(b.source.id.n)? {
                    if self.blob(&info.sha256)?.is_some() {
                        self.problem(
                            s,
                            k,
                            id,
                            Check::Blob,
                            format!("{} was redacted but its text is still stored", b.source.id),
                        );
                    }
                }
            }
            _ => {}
        }

        // Projection rows.
        for row in projection::rows(h, &parsed.body, id.map(|i| i.n)) {
            *self.expected_rows.entry(row.table).or_default() += 1;
            if let Some(d) = projection::compare(self.conn, &row)? {
                self.problem(s, k, id, Check::Projection, d);
            }
        }

        self.tree_nodes(seq, id, tree_nodes, computed)?;

        // State, only from entries that passed.
        if valid {
            let mut st = self.state.borrow_mut();
            match &parsed.body {
                Body::LogInit(_) => {
                    if let Ok(info) = rules::authorize(&NoHistory, h, &parsed.body)? {
                        st.keys.insert(h.signer.clone(), info);
                    }
                }
                Body::KeyAdd(b) => {
                    if let Ok(pk) = keys::PublicKey::from_openssh(&b.key) {
                        st.keys.insert(
                            pk.fingerprint().clone(),
                            KeyInfo {
                                public: pk,
                                name: b.name.clone(),
                                role: b.role,
                                enrolled: h.seq,
                                revoked: None,
                            },
                        );
                    }
                }
                Body::KeyRevoke(b) => {
                    if let Some(info) = st.keys.get_mut(&b.fingerprint) {
                        info.revoked = Some(h.seq);
                    }
                }
                Body::SourceRedact(b) => {
                    st.redacted.insert(b.source.id.n);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds the entry's leaf to the re-derived tree and compares the nodes
    /// it completes with `merkle_nodes`.
    fn tree_nodes(
        &mut self,
        seq: u64,
        id: Option<ItemId>,
        nodes: Vec<(u32, u64, Hash)>,
        leaf: Hash,
    ) -> Result<()> {
        self.frontier.push(leaf);
        for (level, idx, hash) in nodes {
            *self.expected_rows.entry("merkle_nodes").or_default() += 1;
            let got: Option<Vec<u8>> = self
                .conn
                .prepare_cached("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")?
                .query_row(rusqlite::params![level, idx as i64], |r| r.get(0))
                .optional()?;
            if got.as_deref() != Some(&hash.0[..]) {
                let what = if got.is_some() {
                    "differs from"
                } else {
                    "is missing; expected"
                };
                let d = format!(
                    "tree node (level {level}, index {idx}) {what} {}",
                    &hash.to_hex()[..12]
                );
                let kind = self.last_kind.clone();
                self.problem(Some(seq), Some(&kind), id, Check::Projection, d);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Report> {
        if self.entries == 0 {
            self.problem(
                None,
                None,
                None,
                Check::Sequence,
                "the log has no entries (no log.init)",
            );
        }
        let missing: Vec<(u64, u64)> = self.missing.iter().map(|(n, s)| (*n, *s)).collect();
        for (n, seq) in missing {
            self.problem(
                Some(seq),
                Some("source.add"),
                Some(ItemId::source(n)),
                Check::Blob,
                "the source's text is missing and no source.redact entry removed it",
            );
        }
        for table in projection::TABLES.iter().chain(&["merkle_nodes"]) {
            let want = self.expected_rows.get(table).copied().unwrap_or(0);
            let got = projection::count(self.conn, table)?;
            if got != want {
                self.problem(
                    None,
                    None,
                    None,
                    Check::Projection,
                    format!("table {table} has {got} rows but the entries imply {want}"),
                );
            }
        }
        let st = self.state.borrow();
        self.counts.keys = st.keys.len() as u64;
        self.counts.revoked_keys = st.keys.values().filter(|k| k.revoked.is_some()).count() as u64;
        self.counts.sources = self.next_n[0] - 1;
        self.counts.redacted_sources = st.redacted.len() as u64;
        self.counts.claims = self.next_n[1] - 1;
        self.counts.annotations = self.next_n[2] - 1;
        drop(st);
        let blobs = projection::count(self.conn, "blobs")?;
        let want_blobs = self
            .counts
            .sources
            .saturating_sub(self.counts.redacted_sources);
        if blobs > want_blobs {
            self.problem(
                None,
                None,
                None,
                Check::Blob,
                format!("{} stored texts belong to no source", blobs - want_blobs),
            );
        }
        let head = if self.entries > 0 {
            Some(self.prev)
        } else {
            None
        };
        Ok(Report {
            origin: self.origin,
            entries: self.entries,
            head,
            counts: self.counts,
            checks: ALL_CHECKS.iter().map(|c| c.as_str()).collect(),
            ok: self.problems.is_empty() && self.more == 0,
            problems: self.problems,
            more_problems: self.more,
            tree_size: self.frontier.size().0,
            tree_root: self.frontier.root(),
            checkpoints: Vec::new(),
        })
    }

    fn blob(&self, sha: &Hash) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM blobs WHERE sha256 = ?")?
            .query_row([&sha.0[..]], |r| r.get(0))
            .optional()?)
    }

    /// The body of the earlier entry that created `id`, read from `entries`.
    fn body_of(&self, id: ItemId) -> Result<Option<(Seq, Hash, Body)>> {
        let current = self.state.borrow().current;
        let sql = format!(
            "SELECT e.seq, e.hash, e.payload FROM {} t JOIN entries e ON e.seq = t.seq WHERE t.id = ? AND t.seq < ?",
            table_of(id.kind)
        );
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id.n as i64, current as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((seq, hash, payload)) = row else {
            return Ok(None);
        };
        let seq = seq as u64;
        if let Some(body) = self.state.borrow().cache.get(&seq) {
            return Ok(Hash::from_slice(&hash).map(|h| (Seq(seq), h, body.clone())));
        }
        let Ok(p) = Payload::parse(&payload) else {
            return Ok(None);
        };
        if p.body.creates() != Some(id.kind) {
            return Ok(None);
        }
        let mut st = self.state.borrow_mut();
        if st.cache.len() > 4096 {
            st.cache.clear();
        }
        st.cache.insert(seq, p.body.clone());
        Ok(Hash::from_slice(&hash).map(|h| (Seq(seq), h, p.body)))
    }
}

const ALL_CHECKS: &[Check] = &[
    Check::Canonical,
    Check::Header,
    Check::Sequence,
    Check::Chain,
    Check::Hash,
    Check::Signature,
    Check::Authorization,
    Check::Body,
    Check::Reference,
    Check::Blob,
    Check::Quote,
    Check::Projection,
    Check::Checkpoint,
];

fn slot(k: IdKind) -> usize {
    match k {
        IdKind::Source => 0,
        IdKind::Claim => 1,
        IdKind::Annotation => 2,
    }
}

fn id_kind_of(kind: &str) -> Option<IdKind> {
    match kind.parse::<Kind>().ok()? {
        Kind::SourceAdd => Some(IdKind::Source),
        Kind::ClaimAdd => Some(IdKind::Claim),
        Kind::AnnotationAdd => Some(IdKind::Annotation),
        _ => None,
    }
}

/// A column's bytes whatever its storage class: a tampered row may hold
/// TEXT (even invalid UTF-8) where a BLOB belongs, and must be reported,
/// not crash the verifier.
fn blob_col(row: &rusqlite::Row<'_>, i: usize) -> Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(i)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(n) => n.to_string().into_bytes(),
        ValueRef::Real(f) => f.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    })
}

/// Verify's view of the history: keys and redactions replayed from the
/// entries; earlier items read back from `entries` by their hash.
impl History for Verifier<'_> {
    fn key(&self, fp: &Fingerprint) -> Result<Option<KeyInfo>> {
        Ok(self.state.borrow().keys.get(fp).cloned())
    }
    fn active_admins(&self) -> Result<u64> {
        Ok(self
            .state
            .borrow()
            .keys
            .values()
            .filter(|k| k.role == Role::Admin && k.revoked.is_none())
            .count() as u64)
    }
    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>> {
        Ok(self.body_of(id)?.map(|(s, h, _)| (s, h)))
    }
    fn source(&self, n: u64) -> Result<Option<SourceInfo>> {
        let redacted = self.state.borrow().redacted.contains(&n);
        Ok(match self.body_of(ItemId::source(n))? {
            Some((_, _, Body::SourceAdd(b))) => Some(SourceInfo {
                sha256: b.sha256,
                length: b.length,
                redacted,
            }),
            _ => None,
        })
    }
    fn source_with_sha(&self, sha: &Hash) -> Result<Option<u64>> {
        let current = self.state.borrow().current;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM sources WHERE sha256 = ? AND seq < ? ORDER BY id LIMIT 1",
            )?
            .query_row(rusqlite::params![&sha.0[..], current as i64], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|n| n as u64))
    }
    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>> {
        let id = ItemId::annotation(n);
        let current = self.state.borrow().current;
        let signer: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT e.payload FROM annotations t JOIN entries e ON e.seq = t.seq WHERE t.id = ? AND t.seq < ?")?
            .query_row([n as i64, current as i64], |r| r.get(0))
            .optional()?;
        let signer = signer
            .and_then(|p| Payload::parse(&p).ok())
            .map(|p| p.header.signer);
        Ok(match (self.body_of(id)?, signer) {
            (Some((_, _, Body::AnnotationAdd(b))), Some(fp)) => Some((b.claim.id.n, fp)),
            _ => None,
        })
    }
    fn claim_source(&self, n: u64) -> Result<Option<u64>> {
        Ok(match self.body_of(ItemId::claim(n))? {
            Some((_, _, Body::ClaimAdd(b))) => Some(b.source.id.n),
            _ => None,
        })
    }
    fn blob(&self, sha: &Hash) -> Result<Option<Vec<u8>>> {
        Verifier::blob(self, sha)
    }
    fn tree_root(&self, size: u64) -> Result<Option<Hash>> {
        let f = &self.frontier;
        Ok((f.size().0 == size).then(|| f.root()))
    }
}

/// An empty history, for re-deriving what `log.init` enrolls.
struct NoHistory;
impl History for NoHistory {
    fn key(&self, _: &Fingerprint) -> Result<Option<KeyInfo>> {
        Ok(None)
    }
    fn active_admins(&self) -> Result<u64> {
        Ok(0)
    }
    fn item(&self, _: ItemId) -> Result<Option<(Seq, Hash)>> {
        Ok(None)
    }
    fn source(&self, _: u64) -> Result<Option<SourceInfo>> {
        Ok(None)
    }
    fn source_with_sha(&self, _: &Hash) -> Result<Option<u64>> {
        Ok(None)
    }
    fn annotation(&self, _: u64) -> Result<Option<(u64, Fingerprint)>> {
        Ok(None)
    }
    fn claim_source(&self, _: u64) -> Result<Option<u64>> {
        Ok(None)
    }
    fn blob(&self, _: &Hash) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
    fn tree_root(&self, _: u64) -> Result<Option<Hash>> {
        Ok(None)
    }
}
