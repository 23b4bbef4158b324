//! Read-side views of the log for people and scripts (`list`, `show`,
//! `log`). They read the projection tables, which `verify` proves equal to
//! what the entries imply; they never write.

use crate::entry::Payload;
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::model::*;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct KeyView {
    pub fingerprint: Fingerprint,
    pub name: String,
    pub role: Role,
    pub public_key: String,
    pub enrolled_seq: Seq,
    pub revoked_seq: Option<Seq>,
    pub revoke_reason: Option<String>,
}

/// Who signed an item's entry, and when.
#[derive(Clone, Debug, Serialize)]
pub struct Signed {
    pub seq: Seq,
    pub signer: Fingerprint,
    pub signer_name: String,
    /// The time the entry states (RFC 3339, as signed).
    pub time: String,
    /// The entry that revoked the signer's key, when it has been revoked
    /// since (`null` otherwise). What the key signed before stays valid;
    /// this tells a reader weighing the item that its signer is no longer
    /// trusted to sign. It is read from the `keys` projection, as the name
    /// is: `verify` is what says the projection matches the log.
    pub signer_revoked_at: Option<Seq>,
    /// The signer's role, when its key is known: with the name, what
    /// tells one person's rotated keys from another's under the same name
    /// ([`Judgment::role`]). Not shown: the name is what readers see.
    #[serde(skip)]
    pub signer_role: Option<Role>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Redaction {
    pub seq: Seq,
    pub reason: String,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
}

/// A claim's retraction (`claim.retract`): who withdrew it, why, and the
/// claim that records it correctly, if one was named.
#[derive(Clone, Debug, Serialize)]
pub struct Retraction {
    pub seq: Seq,
    pub reason: String,
    pub replaced_by: Option<ItemId>,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
}

impl Retraction {
    /// ` (replaced by C<n>)` after the reason, or nothing: how every
    /// readable output (`show`, Markdown, CSV, Web Annotation) names the
    /// claim that records it correctly.
    pub fn replaced_by_note(&self) -> String {
        self.replaced_by
            .map(|n| format!(" (replaced by {n})"))
            .unwrap_or_default()
    }
}

/// An annotation's retraction (`annotation.retract`): who withdrew it,
/// and why.
#[derive(Clone, Debug, Serialize)]
pub struct AnnotationRetraction {
    pub seq: Seq,
    pub reason: String,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
}

/// A source as its projection rows hold it (a log that verifies holds what
/// the entries signed; the views never check that themselves).
#[derive(Clone, Debug, Serialize)]
pub struct SourceView {
    pub id: ItemId,
    pub kind: SourceKind,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub retrieved: String,
    pub sha256: Hash,
    pub length: u64,
    pub media_type: String,
    pub derived_from: Vec<ItemId>,
    /// Every claim of the source, retracted ones included (they stay in
    /// the log): `retracted_claims` says how many of them are.
    pub claims: u64,
    pub retracted_claims: u64,
    pub redaction: Option<Redaction>,
    pub signed: Signed,
    /// Its `source.amend` entries, in log order: the fields above are the
    /// current ones (the `source.add` fields overlaid by these).
    pub amendments: Vec<SourceAmendment>,
}

/// A source's amendment (`source.amend`): who corrected which fields, and
/// why.
#[derive(Clone, Debug, Serialize)]
pub struct SourceAmendment {
    pub seq: Seq,
    pub reason: String,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
    /// The fields it corrected, in the order `show` lists them.
    pub changes: Vec<FieldChange>,
}

/// One field an amendment corrected or cleared: what it was before (none
/// when it was not given) and what it is since (none when the amendment
/// cleared it).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub was: Option<String>,
    pub now: Option<String>,
}

impl SourceView {
    /// Sets `field` (a `source.amend` field name) to `value`, or clears it
    /// (`None`), as an amendment does; returns what it was. A kind that is
    /// not one, or none, is left (a kind cannot be cleared).
    pub fn set_field(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let slot = match field {
            "kind" => {
                let was = self.kind.as_str().to_string();
                if let Some(Ok(k)) = value.map(str::parse) {
                    self.kind = k;
                }
                return Some(was);
            }
            "title" => &mut self.title,
            "publisher" => &mut self.publisher,
            "author" => &mut self.author,
            "url" => &mut self.url,
            "published" => &mut self.published,
            _ => return None,
        };
        std::mem::replace(slot, value.map(str::to_string))
    }

    /// Applies an amendment's changes (as [`SourceAmend::changes`] gives
    /// them: a value, or `None` for a field cleared) and records it: what
    /// `show` and the reports show.
    pub fn amend(&mut self, changes: Vec<(&'static str, Option<String>)>, mut by: SourceAmendment) {
        by.changes = changes
            .into_iter()
            .map(|(field, now)| FieldChange {
                field: field.to_string(),
                was: self.set_field(field, now.as_deref()),
                now,
            })
            .collect();
        self.amendments.push(by);
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClaimView {
    pub id: ItemId,
    pub source: ItemId,
    pub start: u64,
    pub end: u64,
    /// The quoted text, or `None` when the source was redacted.
    pub quote: Option<String>,
    /// The 32 characters of the source before and after the quote, as the
    /// claim's entry signed them; `None`, as the quote, when the source
    /// was redacted. They are the redacted text's own words: the signed
    /// payload keeps them (an entry cannot change), but no view repeats
    /// them ready to read.
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub quote_sha256: Hash,
    pub speaker: String,
    pub provenance: SourceKind,
    pub paraphrase: Option<String>,
    pub signed: Signed,
    /// Set when the claim was retracted: it stays in the log, out of the
    /// current view.
    pub retraction: Option<Retraction>,
    /// No quote, and no redaction to explain it: the source's stored text
    /// is missing or is not the text the claim was made from (a damaged or
    /// altered file, which `verify` names). Lists and reports said "source
    /// redacted" of it.
    pub text_missing: bool,
}

impl ClaimView {
    /// Why no quote is shown, said where the quote would be.
    pub fn quote_unavailable(&self) -> &'static str {
        match self.text_missing {
            true => "the source's stored text is missing or damaged (run `claimtrail verify`)",
            false => "the source was redacted",
        }
    }

    /// The quote's context before and after it, empty where it is withheld
    /// (for a quote that is shown, it is always there).
    pub fn context(&self) -> (&str, &str) {
        (
            self.prefix.as_deref().unwrap_or_default(),
            self.suffix.as_deref().unwrap_or_default(),
        )
    }

    /// The context as a reader is shown it: where the source goes on
    /// beyond it (`more_before`, `more_after`: a `…` is due), and the
    /// context cut there at whole characters as the reader sees them
    /// ([`crate::text::whole_start`]).
    pub fn shown_context(&self) -> ShownContext<'_> {
        let (prefix, suffix) = self.context();
        let more_before = prefix.len() as u64 != self.start;
        let more_after = suffix.chars().count() >= crate::text::CONTEXT_CHARS;
        ShownContext {
            prefix: match more_before {
                true => crate::text::whole_start(prefix),
                false => prefix,
            },
            suffix: match more_after {
                true => crate::text::whole_end(suffix),
                false => suffix,
            },
            more_before,
            more_after,
        }
    }
}

/// A claim's context as shown: see [`ClaimView::shown_context`].
pub struct ShownContext<'a> {
    pub prefix: &'a str,
    pub suffix: &'a str,
    pub more_before: bool,
    pub more_after: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnnotationView {
    pub id: ItemId,
    pub claim: ItemId,
    pub verdict: Verdict,
    pub reliability: Option<Reliability>,
    pub credibility: Option<Credibility>,
    pub note: Option<String>,
    pub corroborates: Vec<ItemId>,
    pub contradicts: Vec<ItemId>,
    pub supersedes: Option<ItemId>,
    /// The first annotation that supersedes this one and was not
    /// retracted since (a retracted one is as if it were absent, so what
    /// it superseded is current again).
    pub superseded_by: Option<ItemId>,
    pub signed: Signed,
    /// Set when the annotation was retracted: it stays in the log, out of
    /// the current view (no verdict, no live links, no grade counted).
    pub retraction: Option<AnnotationRetraction>,
    /// The same person's later annotation of the claim that counts instead
    /// of this one though it does not supersede it (an analyst annotated
    /// again without `--supersedes`, or with a rotated key): [`current`]
    /// leaves this one out. `None` when this one counts, or is superseded
    /// or retracted (which say so themselves).
    pub replaced_by: Option<ItemId>,
    /// Whether the claim it judges was retracted since: the annotation is
    /// then history, as `show` and the reports say ("C9 retracted"); `list
    /// annotations` showed it as live.
    pub claim_retracted: bool,
}

impl AnnotationView {
    /// Whether an auditor signed it: an audit note, not the desk's
    /// judgment (the lists mark its verdict `(auditor)`, ClaimReview does
    /// not publish it).
    pub fn by_auditor(&self) -> bool {
        self.signed.signer_role == Some(Role::Auditor)
    }
}

/// One entry of `claimtrail log`, read without verifying it: the kind as
/// the `entries` row names it, time and signer as the payload states them
/// (`None` when the payload does not parse), so that a damaged log can
/// still be listed to find the entry `verify` names.
#[derive(Clone, Debug, Serialize)]
pub struct LogLine {
    pub seq: Seq,
    pub kind: String,
    pub id: Option<ItemId>,
    pub time: Option<String>,
    pub signer: Option<String>,
    /// The signer's enrolment name (`?` for a key the log does not
    /// enroll); `None` with the signer.
    pub signer_name: Option<String>,
    pub hash: Hash,
    /// The item an entry acts on, when it makes none: the claim a
    /// `claim.retract` retracts, the source a `source.amend` or
    /// `source.redact` changes, the annotation an `annotation.retract`
    /// withdraws (`id` was null for those, and the summary, cut to a
    /// line, was all that named it). `None` otherwise.
    pub target: Option<ItemId>,
    /// The key a `log.init`, `key.add` or `key.revoke` enrolls or revokes,
    /// by fingerprint (the summary names it cut, for people); `None`
    /// otherwise, and for a key line that does not parse (verify says so).
    pub key: Option<Fingerprint>,
    /// A line for people, cut: the payload (`log --seq N`) is the entry.
    pub summary: String,
}

/// Fills in the enrolment name of the key that signed (rows give only
/// its fingerprint), and the entry that revoked it, if one has.
fn name_signer(conn: &Connection, s: &mut Signed) -> Result<()> {
    let found = conn
        .prepare_cached(
            "SELECT k.name, r.seq, k.role FROM keys k
             LEFT JOIN revocations r ON r.fingerprint = k.fingerprint
             WHERE k.fingerprint = ?",
        )?
        .query_row([s.signer.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, Some(r.get(2)?)))
        })
        .optional()?;
    (s.signer_name, s.signer_revoked_at, s.signer_role) =
        found.unwrap_or_else(|| ("?".into(), None, None));
    Ok(())
}

/// The enrolment name of a key, or `?` for an unknown one.
pub fn key_name(conn: &Connection, fp: &str) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT name FROM keys WHERE fingerprint = ?")?
        .query_row([fp], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| "?".into()))
}

pub fn keys(conn: &Connection) -> Result<Vec<KeyView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.fingerprint, k.name, k.role, k.public_key, k.seq, r.seq, r.reason
         FROM keys k LEFT JOIN revocations r ON r.fingerprint = k.fingerprint ORDER BY k.seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(KeyView {
            fingerprint: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            public_key: r.get(3)?,
            enrolled_seq: r.get(4)?,
            revoked_seq: r.get(5)?,
            revoke_reason: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// [`keys`], each row first checked against the entries it stands for:
/// its fingerprint is its key's, the `log.init` or `key.add` entry at its
/// `seq` enrolls that key under that name and role, and that entry's
/// signature verifies under its signer's key (itself checked so, back to
/// the log's first key); a revocation row's `key.revoke` entry likewise.
/// For what others are handed to trust without claimtrail (`key
/// allowed-signers`, `key vkey`) and the keys that judge a checkpoint: a
/// key written into the table alone was printed beside a real person's
/// fingerprint, and `ssh-keygen -Y verify` then took an impostor's
/// signature as theirs.
///
/// It reads a few entries, not the log: a row deleted (a revocation
/// removed) is not seen, nor an entry's place in the chain. `verify` is
/// the whole check.
pub fn keys_as_signed(conn: &Connection) -> Result<Vec<KeyView>> {
    let keys = keys(conn)?;
    let mut check = KeyCheck::new(conn, &keys);
    for k in &keys {
        check.key(k)?;
    }
    Ok(keys)
}

/// [`keys_as_signed`] for one key, the signer of a command, before it
/// signs: its row, and those of the keys that enrolled it. A role raised
/// in the table alone let an analyst's `source redact` through, signed
/// for good and refused by verify. A key not enrolled passes (the
/// command's own check says so).
pub fn key_as_signed(conn: &Connection, fp: &Fingerprint) -> Result<()> {
    let keys = keys(conn)?;
    match keys.iter().find(|k| k.fingerprint == *fp) {
        Some(k) => KeyCheck::new(conn, &keys).key(k),
        None => Ok(()),
    }
}

thread_local! {
    /// Key rows [`KeyCheck`] found as their entries say, in this process,
    /// with the file they were read from.
    static CHECKED_KEYS: std::cell::RefCell<Vec<(String, KeyView)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The checks of [`keys_as_signed`], each key checked once.
struct KeyCheck<'a> {
    conn: &'a Connection,
    by_fp: std::collections::HashMap<&'a Fingerprint, &'a KeyView>,
    done: std::collections::HashSet<&'a Fingerprint>,
}

impl<'a> KeyCheck<'a> {
    fn new(conn: &'a Connection, keys: &'a [KeyView]) -> Self {
        KeyCheck {
            conn,
            by_fp: keys.iter().map(|k| (&k.fingerprint, k)).collect(),
            done: Default::default(),
        }
    }

    fn key(&mut self, k: &'a KeyView) -> Result<()> {
        if !self.done.insert(&k.fingerprint) {
            return Ok(());
        }
        // A command checks its key twice (before it unlocks it, and with
        // its entry): a row read the same way as one checked already in
        // this process is not checked again, which a log of many rotated
        // admin keys made cost a chain of signature checks each time.
        let file = self.conn.path().unwrap_or_default().to_string();
        let seen = |(f, c): &(String, KeyView)| {
            *f == file
                && c.fingerprint == k.fingerprint
                && c.public_key == k.public_key
                && c.name == k.name
                && c.role == k.role
                && c.enrolled_seq == k.enrolled_seq
                && c.revoked_seq == k.revoked_seq
                && c.revoke_reason == k.revoke_reason
        };
        if CHECKED_KEYS.with(|c| c.borrow().iter().any(seen)) {
            return Ok(());
        }
        self.check(k)?;
        CHECKED_KEYS.with(|c| c.borrow_mut().push((file, k.clone())));
        Ok(())
    }

    fn check(&mut self, k: &'a KeyView) -> Result<()> {
        let damaged = |why: String| {
            Error::Damaged(format!(
                "the enrolled key {} ({}) {why}",
                crate::text::escape(&k.name),
                k.fingerprint
            ))
        };
        let public = crate::keys::PublicKey::from_openssh(&k.public_key)
            .map_err(|e| damaged(format!("is not a key: {e}")))?;
        if *public.fingerprint() != k.fingerprint {
            return Err(damaged("has another key than its fingerprint says".into()));
        }
        let at = k.enrolled_seq;
        let (payload, bytes, sig) = signed_entry(self.conn, at)?;
        let (key, name, role) = match &payload.body {
            Body::LogInit(b) if at.0 == 0 => (&b.key, &b.name, Role::Admin),
            Body::KeyAdd(b) => (&b.key, &b.name, b.role),
            _ => {
                return Err(damaged(format!(
                    "is said to be enrolled by entry {at}, which enrolls no key"
                )))
            }
        };
        let same_key = crate::keys::PublicKey::from_openssh(key)
            .is_ok_and(|p| p.fingerprint() == &k.fingerprint);
        if !same_key || *name != k.name || role != k.role {
            return Err(damaged(format!(
                "is not the key, name and role that entry {at} enrolls"
            )));
        }
        // No key live when this one was enrolled holds its name (FORMAT
        // §3.2): verify refuses such an enrolment, and the lists would
        // hand out the second key under the first one's person.
        if let Some(o) = self.by_fp.values().find(|o| {
            o.name == k.name && o.enrolled_seq < at && o.revoked_seq.is_none_or(|r| r > at)
        }) {
            return Err(damaged(format!(
                "was enrolled at entry {at} under the name of the key {}, live then",
                o.fingerprint
            )));
        }
        // The log's first key signs its own enrolment; any other was
        // enrolled by a key enrolled before it, checked so in turn.
        let signer = match self.by_fp.get(&payload.header.signer).copied() {
            Some(s) if s.fingerprint == k.fingerprint && at.0 == 0 => s,
            Some(s) if s.enrolled_seq < at => {
                self.key(s)?;
                s
            }
            _ => {
                return Err(damaged(format!(
                    "was enrolled by entry {at}, whose signer is not a key enrolled before it"
                )))
            }
        };
        signed_by(&bytes, &sig, signer)
            .map_err(|e| damaged(format!("was enrolled by entry {at}, whose signature {e}")))?;
        if at.0 != 0 {
            if let Some(why) = may_not_manage_keys(signer, at) {
                return Err(damaged(format!(
                    "was enrolled by entry {at}, signed by {why}"
                )));
            }
        }
        if let Some(seq) = k.revoked_seq {
            let (payload, bytes, sig) = signed_entry(self.conn, seq)?;
            let revokes =
                matches!(&payload.body, Body::KeyRevoke(b) if b.fingerprint == k.fingerprint);
            // The reason `show`, `list keys` and the reports print ("laptop
            // stolen" casts doubt further back than "left the desk"): an
            // edited row was printed as the signed one.
            let reason = match &payload.body {
                Body::KeyRevoke(b) => Some(&b.reason),
                _ => None,
            };
            if revokes && reason != k.revoke_reason.as_ref() {
                return Err(damaged(format!(
                    "is said to be revoked for another reason than entry {seq} gives"
                )));
            }
            match (revokes, self.by_fp.get(&payload.header.signer).copied()) {
                (true, Some(signer)) => {
                    self.key(signer)?;
                    signed_by(&bytes, &sig, signer).map_err(|e| {
                        damaged(format!("was revoked by entry {seq}, whose signature {e}"))
                    })?;
                    if let Some(why) = may_not_manage_keys(signer, seq) {
                        return Err(damaged(format!(
                            "was revoked by entry {seq}, signed by {why}"
                        )));
                    }
                }
                _ => {
                    return Err(damaged(format!(
                        "is said to be revoked by entry {seq}, which does not revoke it"
                    )))
                }
            }
        }
        Ok(())
    }
}

/// Why `signer` could not sign entry `at`, a key's enrolment or
/// revocation, as verify's authorization rule says (an admin, not revoked
/// before it); `None` when it could. A signature that verifies is not
/// enough: a `key.add` an analyst signed (or an admin whose key was
/// revoked, a stolen key), written into the file with its row, made `key
/// vkey` hand out the new key as the log's, and a checkpoint it alone
/// signed passed `checkpoint verify` with that file.
fn may_not_manage_keys(signer: &KeyView, at: Seq) -> Option<String> {
    let who = format!(
        "{} ({})",
        crate::text::escape(&signer.name),
        signer.fingerprint
    );
    if signer.role != Role::Admin {
        return Some(format!(
            "{who}, whose role {} may not enroll or revoke keys",
            signer.role
        ));
    }
    match signer.revoked_seq {
        Some(r) if r < at => Some(format!(
            "{who}, whose key was revoked at entry {r}, before it"
        )),
        _ => None,
    }
}

/// Every `key.revoke` entry of the log has its row in the `revocations`
/// table, as [`keys_as_signed`] read it: for the lists of keys that others
/// are told to trust (`key vkey`, `key allowed-signers`). A revocation row
/// deleted by hand put a departed admin's key back among the log's
/// verifier keys, and a checkpoint it signed then passed `checkpoint
/// verify` with them; [`keys_as_signed`] sees a row that is there and
/// wrong, not one that is gone.
///
/// Finding the revocations reads the whole `entries` table (no index
/// covers `kind`; about a second on a million entries), matching the
/// kind in the payload's bytes as well as in the `kind` column, which an
/// edit could change alone, and that no entry is missing from the
/// numbering. What it does not prove: that the entries are what was
/// signed (a `key.revoke` payload rewritten as another kind breaks its
/// signature and the chain, which `verify` checks).
pub fn revocations_complete(conn: &Connection, keys: &[KeyView]) -> Result<()> {
    for seq in entries_of_kind(conn, Kind::KeyRevoke, Seq(0))? {
        let (payload, _, _) = signed_entry(conn, seq)?;
        let Body::KeyRevoke(b) = &payload.body else {
            continue;
        };
        let recorded = keys
            .iter()
            .any(|k| k.fingerprint == b.fingerprint && k.revoked_seq == Some(seq));
        if !recorded {
            return Err(Error::Damaged(format!(
                "entry {seq} revokes the key {}, and the database's tables do not say so",
                b.fingerprint
            )));
        }
    }
    Ok(())
}

/// The entries of `kind` from `from` on, found by the `kind` column or by
/// the kind in the payload's bytes (an edit could change the column
/// alone), after checking that no entry is missing from the numbering
/// (an entry deleted whole, with its row, leaves a gap). It reads the
/// `entries` table from `from` to its end: no index covers `kind`, about a
/// second for a million entries. For the views that must see a row
/// deleted from a projection, which checking the rows that are there
/// cannot.
fn entries_of_kind(conn: &Connection, kind: Kind, from: Seq) -> Result<Vec<Seq>> {
    let (count, first, last): (i64, Option<i64>, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(seq), MAX(seq) FROM entries",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if first.is_some_and(|f| f != 0) || last.is_some_and(|l| l.checked_add(1) != Some(count)) {
        return Err(Error::Damaged(format!(
            "the log holds {count} entries, numbered {} to {}: some are missing",
            first.unwrap_or_default(),
            last.unwrap_or_default()
        )));
    }
    use rusqlite::types::ValueRef;
    let kind = kind.as_str();
    // The kind column, or the kind in the payload, which a column edited
    // by hand to hide the entry does not change: read in place, searched
    // with `memmem` (SQLite's `instr` compares at every offset in turn).
    let marker = format!("\"kind\":\"{kind}\"");
    let finder = memchr::memmem::Finder::new(marker.as_bytes());
    let mut stmt =
        conn.prepare_cached("SELECT seq, kind, payload FROM entries WHERE seq >= ?1 ORDER BY seq")?;
    let mut rows = stmt.query([from.0 as i64])?;
    let mut seqs = Vec::new();
    while let Some(r) = rows.next()? {
        let listed = matches!(r.get_ref(1)?, ValueRef::Text(k) if k == kind.as_bytes());
        let holds = match r.get_ref(2)? {
            ValueRef::Blob(p) | ValueRef::Text(p) => finder.find(p).is_some(),
            _ => false,
        };
        if listed || holds {
            seqs.push(Seq(r.get::<_, i64>(0)? as u64));
        }
    }
    Ok(seqs)
}

/// Every `source.amend` entry of source `v` has its row, as the view
/// lists it: a row deleted from `source_amendments` undid that correction
/// in `show S<n>`, which checks the rows it lists against their entries
/// but cannot see one that is gone (`verify` does). Reads the entries
/// after the source's own (`entries_of_kind`).
pub fn amendments_complete(conn: &Connection, v: &SourceView) -> Result<()> {
    for seq in entries_of_kind(conn, Kind::SourceAmend, v.signed.seq)? {
        let (payload, _, _) = signed_entry(conn, seq)?;
        let Body::SourceAmend(b) = &payload.body else {
            continue;
        };
        if b.source.id == v.id && !v.amendments.iter().any(|a| a.seq == seq) {
            return Err(Error::Damaged(format!(
                "entry {seq} amends {}, and the database's tables do not say so",
                v.id
            )));
        }
    }
    Ok(())
}

/// The entry at `seq`: its payload read, its bytes and its signature.
/// The log's origin as its `log.init` entry signs it (whose signature
/// [`keys_as_signed`] checks with the first admin's key): the name `key
/// vkey` puts on the verifier key that readers and auditors are told to
/// keep, and that `key allowed-signers` heads its file with. The
/// `log_meta` row alone, edited, made `key vkey` hand out a key under
/// another log's name, exit 0 (red team O, M3).
pub fn origin_as_signed(conn: &Connection) -> Result<String> {
    let stored = crate::store::origin(conn)?
        .ok_or_else(|| Error::Damaged("the log has no log.init entry".into()))?;
    let (payload, _, _) = signed_entry(conn, Seq(0))?;
    if payload.header.log != stored {
        let (table, signed) = crate::text::escape_apart(&stored, &payload.header.log);
        return Err(Error::Damaged(format!(
            "the table log_meta gives the log's origin as `{table}`, and its log.init entry 0 signs `{signed}`"
        )));
    }
    Ok(stored)
}

pub(crate) fn signed_entry(
    conn: &Connection,
    seq: Seq,
) -> Result<(crate::entry::Payload, Vec<u8>, Vec<u8>)> {
    let (bytes, sig): (Vec<u8>, Vec<u8>) = conn
        .prepare_cached("SELECT payload, sig FROM entries WHERE seq = ?")?
        .query_row([seq.0 as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::Damaged(format!("entry {seq} is missing (a table names it)")))?;
    let payload = crate::entry::Payload::parse(&bytes).map_err(|e| {
        use crate::entry::PayloadError as P;
        let (P::Canonical(why) | P::Header(why) | P::Body(why)) = e;
        Error::Damaged(format!("entry {seq} cannot be read ({why})"))
    })?;
    if payload.header.seq != seq {
        return Err(Error::Damaged(format!(
            "entry {seq} says it is entry {}",
            payload.header.seq
        )));
    }
    Ok((payload, bytes, sig))
}

/// Whether `sig` is `signer`'s SSHSIG of `bytes`: `Err` says why not.
pub(crate) fn signed_by(
    bytes: &[u8],
    sig: &[u8],
    signer: &KeyView,
) -> std::result::Result<(), String> {
    let key = crate::keys::PublicKey::from_openssh(&signer.public_key)?.verifying_key();
    let parsed = crate::keys::parse_sig(sig)?;
    crate::keys::verify(&key, bytes, &parsed).map_err(|e| format!("does not verify ({e})"))
}

/// The keys revoked, by fingerprint: the entry that revoked each, and the
/// reason. What such a key signed before stays valid (verify passes it);
/// the views mark its signer so that a reader weighing a verdict knows.
pub fn revocations(
    conn: &Connection,
) -> Result<std::collections::HashMap<Fingerprint, (Seq, String)>> {
    Ok(keys(conn)?
        .into_iter()
        .filter_map(|k| {
            let seq = k.revoked_seq?;
            Some((k.fingerprint, (seq, k.revoke_reason.unwrap_or_default())))
        })
        .collect())
}

/// Checks that an id exists, with the "last id" in the error when it does not.
pub fn require(conn: &Connection, id: ItemId) -> Result<()> {
    let table = crate::log::table_of(id.kind);
    // Cached statements: an import asks this for every line.
    let last: i64 = conn
        .prepare_cached(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))?
        .query_row([], |r| r.get(0))?;
    if id.n == 0 || id.n > last as u64 {
        return Err(Error::UnknownId {
            id,
            last: last as u64,
        });
    }
    Ok(())
}

/// A reference (id and entry hash) to an existing item, for a new body.
pub fn reference(conn: &Connection, id: ItemId) -> Result<Ref> {
    require(conn, id)?;
    let sql = format!(
        "SELECT e.hash FROM {} t JOIN entries e ON e.seq = t.seq WHERE t.id = ?",
        crate::log::table_of(id.kind)
    );
    let hash: Vec<u8> = conn
        .prepare_cached(&sql)?
        .query_row([id.n as i64], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            Error::Damaged(format!(
                "{id}'s table row names an entry the log does not have"
            ))
        })?;
    let hash = Hash::from_slice(&hash)
        .ok_or_else(|| Error::Damaged(format!("{id} has a malformed entry hash")))?;
    Ok(Ref { id, hash })
}

const SOURCE_COLS: &str =
    "s.id, s.kind, s.title, s.publisher, s.author, s.url, s.published, s.retrieved,
    s.sha256, s.length, s.media_type, s.seq, s.signer, s.time,
    (SELECT COUNT(*) FROM claims c WHERE c.source_id = s.id),
    (SELECT COUNT(*) FROM claims c JOIN retractions r ON r.claim_id = c.id
     WHERE c.source_id = s.id)";

fn source_row(r: &Row<'_>) -> rusqlite::Result<SourceView> {
    Ok(SourceView {
        id: item(IdKind::Source, r.get(0)?),
        kind: r.get(1)?,
        title: r.get(2)?,
        publisher: r.get(3)?,
        author: r.get(4)?,
        url: r.get(5)?,
        published: r.get(6)?,
        retrieved: r.get(7)?,
        sha256: r.get(8)?,
        length: r.get::<_, i64>(9)? as u64,
        media_type: r.get(10)?,
        derived_from: Vec::new(),
        claims: r.get::<_, i64>(14)? as u64,
        retracted_claims: r.get::<_, i64>(15)? as u64,
        redaction: None,
        amendments: Vec::new(),
        signed: Signed {
            seq: r.get(11)?,
            signer: r.get(12)?,
            signer_name: String::new(),
            time: r.get(13)?,
            signer_revoked_at: None,
            signer_role: None,
        },
    })
}

fn complete_source(conn: &Connection, mut s: SourceView) -> Result<SourceView> {
    name_signer(conn, &mut s.signed)?;
    let n = s.id.n;
    let mut stmt = conn.prepare_cached(
        "SELECT derived_from FROM source_links WHERE source_id = ? ORDER BY derived_from",
    )?;
    s.derived_from = stmt
        .query_map([n as i64], |r| Ok(item(IdKind::Source, r.get(0)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let red: Option<(Seq, String, Fingerprint, String)> = conn
        .prepare_cached("SELECT seq, reason, signer, time FROM redactions WHERE source_id = ?")?
        .query_row([n as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((seq, reason, signer, time)) = red {
        s.redaction = Some(Redaction {
            seq,
            reason,
            signer_name: key_name(conn, signer.as_str())?,
            signer,
            time,
        });
    }
    for (changes, by) in source_amendments(conn, n)? {
        s.amend(changes, by);
    }
    Ok(s)
}

/// The amendments of source `n`, in log order: the fields each gives or
/// clears, and who signed it and why.
#[allow(clippy::type_complexity)]
fn source_amendments(
    conn: &Connection,
    n: u64,
) -> Result<Vec<(Vec<(&'static str, Option<String>)>, SourceAmendment)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, title, publisher, author, url, published, reason, signer, time, clear
         FROM source_amendments WHERE source_id = ? ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([n as i64], |r| {
            let kind: Option<SourceKind> = r.get(1)?;
            let clear: Option<Cleared> = r.get(10)?;
            let body = SourceAmend {
                kind,
                title: r.get(2)?,
                publisher: r.get(3)?,
                author: r.get(4)?,
                url: r.get(5)?,
                published: r.get(6)?,
                clear: clear.unwrap_or_default(),
                reason: String::new(),
                source: Ref {
                    hash: Hash([0; 32]),
                    id: ItemId::source(n),
                },
            };
            Ok((
                body.changes(),
                SourceAmendment {
                    seq: r.get(0)?,
                    reason: r.get(7)?,
                    signer: r.get(8)?,
                    signer_name: String::new(),
                    time: r.get(9)?,
                    changes: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (given, mut by) in rows {
        by.signer_name = key_name(conn, by.signer.as_str())?;
        out.push((given, by));
    }
    Ok(out)
}

pub fn sources(conn: &Connection) -> Result<Vec<SourceView>> {
    collect(|each| for_each_source(conn, &SourceFilter::default(), each))
}

/// Which sources `list sources` shows: those that meet every condition
/// given (all of them when none is).
#[derive(Clone, Debug, Default)]
pub struct SourceFilter {
    /// Sources of this kind.
    pub kind: Option<SourceKind>,
    /// Sources whose publisher contains this text, as
    /// [`ClaimFilter::speaker`] matches speakers.
    pub publisher: Option<String>,
    /// Sources whose text or title contains this text, matched the same
    /// way. A redacted source's text is gone, so only its title can match.
    pub contains: Option<String>,
    /// Sources added by these keys (one person's: [`KeysOf`]).
    pub signer: Option<KeysOf>,
    /// Sources recorded in this period.
    pub recorded: Period,
    /// Only the last (newest) this many of those.
    pub last: Option<u64>,
}

/// When items were recorded (their entry's time), both ends included, as
/// [`crate::clock::period_end`] gives them; an end not given is open.
#[derive(Clone, Debug, Default)]
pub struct Period {
    pub since: Option<String>,
    pub until: Option<String>,
}

/// The conditions of a list's `WHERE`, and their values, in order. A
/// condition not given is left out rather than written `?1 IS NULL OR
/// column = ?1`, which would keep SQLite from using the column's index.
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    values: Vec<rusqlite::types::Value>,
}

impl Where {
    /// `cond`, with one `?` for `value`, when there is a value.
    fn add<V: Into<rusqlite::types::Value>>(&mut self, cond: &str, value: Option<V>) {
        if let Some(v) = value {
            self.conds.push(cond.to_string());
            self.values.push(v.into());
        }
    }

    /// `column IN (…)` of `values`, when given ([`KeysOf`] holds one key
    /// at least; none would match no row).
    fn any_of(&mut self, column: &str, values: Option<Vec<String>>) {
        if let Some(values) = values {
            let marks = vec!["?"; values.len().max(1)].join(", ");
            self.conds.push(format!("{column} IN ({marks})"));
            if values.is_empty() {
                self.values.push(rusqlite::types::Value::Null);
            }
            self.values.extend(values.into_iter().map(Into::into));
        }
    }

    /// `cond`, which takes no value, when `on`.
    fn flag(&mut self, cond: &str, on: bool) {
        if on {
            self.conds.push(cond.to_string());
        }
    }

    /// The period, on the entry time column `time`.
    fn period(&mut self, time: &str, p: &Period) {
        self.add(&format!("{time} >= ?"), p.since.clone());
        self.add(&format!("{time} <= ?"), p.until.clone());
    }

    fn sql(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conds.join(" AND "))
        }
    }

    fn params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, rusqlite::types::Value>> {
        rusqlite::params_from_iter(self.values.iter())
    }
}

/// Column `i` as text, whether stored as text or as a blob (source texts
/// are blobs); `None` for NULL or bytes that are not UTF-8.
fn text_at<'r>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    Ok(match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
            std::str::from_utf8(t).ok()
        }
        _ => None,
    })
}

/// Source `s`'s current `col` (SQL): the value of the latest amendment
/// that gives it or clears it (NULL then), else the `source.add` entry's.
/// A cleared field is named in the amendment's `clear` list, the body's
/// JSON text (`["author","url"]`): its name in quotes is found in no other
/// name's.
fn current_source_field(col: &str) -> String {
    let changes = format!(
        "FROM source_amendments m WHERE m.source_id = s.id
         AND (m.{col} IS NOT NULL OR instr(m.clear, '\"{col}\"') > 0)"
    );
    format!(
        "CASE WHEN EXISTS (SELECT 1 {changes})
         THEN (SELECT m.{col} {changes} ORDER BY m.seq DESC LIMIT 1) ELSE s.{col} END"
    )
}

/// The sources `filter` selects, in id order, one at a time.
pub fn for_each_source(
    conn: &Connection,
    filter: &SourceFilter,
    each: &mut dyn FnMut(SourceView) -> Result<()>,
) -> Result<()> {
    let mut w = Where::default();
    // Kind, publisher and title as amended (`source.amend`): the current ones.
    w.add(
        &format!("{} = ?", current_source_field("kind")),
        filter.kind.map(|k| k.as_str().to_string()),
    );
    w.any_of("s.signer", filter.signer.as_ref().map(KeysOf::texts));
    w.period("s.time", &filter.recorded);
    let cond = w.sql();
    let mut ids = Vec::new();
    // The texts are read only to look in them.
    let texts = if filter.contains.is_some() {
        format!(
            "{}, (SELECT b.data FROM blobs b WHERE b.sha256 = s.sha256 AND {NOT_REDACTED})",
            current_source_field("title")
        )
    } else {
        "NULL, NULL".to_string()
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT s.id, {}, {texts} FROM sources s {cond} ORDER BY s.id",
        current_source_field("publisher")
    ))?;
    let mut rows = stmt.query(w.params())?;
    let (want, publisher) = (part(&filter.contains), part(&filter.publisher));
    while let Some(r) = rows.next()? {
        let want = want.as_ref();
        if wanted(text_at(r, 1)?, publisher.as_ref())
            && (wanted(text_at(r, 2)?, want) || wanted(text_at(r, 3)?, want))
        {
            ids.push(r.get::<_, i64>(0)?);
        }
    }
    if let Some(n) = filter.last {
        ids.drain(..ids.len().saturating_sub(n.min(usize::MAX as u64) as usize));
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {SOURCE_COLS} FROM sources s WHERE s.id = ?"
    ))?;
    for id in ids {
        let s = stmt.query_row([id], source_row)?;
        each(complete_source(conn, s)?)?;
    }
    Ok(())
}

pub fn source(conn: &Connection, n: u64) -> Result<SourceView> {
    require(conn, ItemId::source(n))?;
    // Cached: the commands that sign check each item they refer to.
    let s = conn
        .prepare_cached(&format!(
            "SELECT {SOURCE_COLS} FROM sources s WHERE s.id = ?"
        ))?
        .query_row([n as i64], source_row)?;
    complete_source(conn, s)
}

/// The stored text of a source (`None` once redacted).
pub fn source_text(conn: &Connection, n: u64) -> Result<Option<Vec<u8>>> {
    require(conn, ItemId::source(n))?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT b.data FROM sources s JOIN blobs b ON b.sha256 = s.sha256 WHERE s.id = ? AND {NOT_REDACTED}"
        ))?
        .query_row([n as i64], |r| r.get(0))
        .optional()?)
}

/// What makes two claims one: the same bytes of the same source, said by
/// the same speaker written the same way, reaching the source the same
/// way, with the same paraphrase: the same claim recorded twice (a command
/// run twice, a script re-run, two analysts typing the same). A claim that
/// differs in any of these, if only in a speaker's capitals or in the
/// paraphrase, is another: recording the corrected claim and then
/// retracting the wrong one with `--replaced-by` must stay possible.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClaimKey {
    pub place: ClaimPlace,
    pub speaker: String,
    pub paraphrase: Option<String>,
}

/// Where a claim's words are: the source's bytes, and the way they reached it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClaimPlace {
    pub source: u64,
    pub start: u64,
    pub end: u64,
    pub provenance: SourceKind,
}

impl ClaimKey {
    pub fn of(b: &ClaimAdd) -> ClaimKey {
        ClaimKey {
            place: ClaimPlace {
                source: b.source.id.n,
                start: b.start,
                end: b.end,
                provenance: b.provenance,
            },
            speaker: b.speaker.clone(),
            paraphrase: b.text.clone(),
        }
    }
}

/// The claims recorded as `key`, through the index on a claim's place and
/// speaker (`claims_by_place_and_speaker`, schema version 5): one B-tree
/// descent, where the index by source alone (before version 4) read every
/// claim of the source, and the index by place (version 4) every claim of
/// the span, for every claim appended.
const SAME_CLAIM: &str = "SELECT c.id FROM claims c
     WHERE c.source_id = ?1 AND c.start = ?2 AND c.\"end\" = ?3 AND c.provenance = ?4
       AND c.speaker = ?5 AND c.paraphrase IS ?6
       AND NOT EXISTS (SELECT 1 FROM retractions r WHERE r.claim_id = c.id)
     ORDER BY c.id";

/// The claim, not retracted, that already records what `key` says: a
/// second one would only split the judgments of one claim between two ids.
/// The commands refuse it; verify does not judge it (a log may hold such
/// claims from before the rule). Claims `retracted` says are retracted,
/// though their retraction is not in the table yet (an entry of the batch
/// being appended), are left out.
pub fn same_claim_but(
    conn: &Connection,
    key: &ClaimKey,
    retracted: &dyn Fn(u64) -> bool,
) -> Result<Option<ItemId>> {
    let mut stmt = conn.prepare_cached(SAME_CLAIM)?;
    let p = &key.place;
    let rows = stmt.query_map(
        rusqlite::params![
            p.source as i64,
            p.start as i64,
            p.end as i64,
            p.provenance.as_str(),
            key.speaker,
            key.paraphrase
        ],
        |r| r.get::<_, i64>(0),
    )?;
    for row in rows {
        let id = row?;
        if !retracted(id as u64) {
            return Ok(Some(ItemId::claim(id as u64)));
        }
    }
    Ok(None)
}

/// The key of claim `n` as the `claims` table holds it (for an import
/// that learns a claim of this run was retracted).
pub fn claim_key(conn: &Connection, n: u64) -> Result<Option<ClaimKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT source_id, start, \"end\", speaker, provenance, paraphrase FROM claims WHERE id = ?",
        )?
        .query_row([n as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })
        .optional()?
        .and_then(|(source, start, end, speaker, provenance, paraphrase)| {
            Some(ClaimKey {
                place: ClaimPlace {
                    source: source as u64,
                    start: start as u64,
                    end: end as u64,
                    provenance: provenance.parse().ok()?,
                },
                speaker,
                paraphrase,
            })
        }))
}

/// Every claim of a source, retracted ones too, in id order: what a
/// redaction of the source leaves in their signed entries (a speaker, a
/// quote's hash and span, the context around it).
pub fn claims_of_source(conn: &Connection, source: u64) -> Result<Vec<ItemId>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM claims WHERE source_id = ? ORDER BY id")?;
    let ids = stmt
        .query_map([source as i64], |r| {
            Ok(ItemId::claim(r.get::<_, i64>(0)?.max(0) as u64))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// For each byte span `[start, end)` of a source's text, the source's
/// claims that overlap it, in claim order: what `claim suggest` marks as
/// already claimed. A retracted claim no longer claims its span.
pub fn claims_overlapping(
    conn: &Connection,
    source: u64,
    spans: &[(usize, usize)],
) -> Result<Vec<Vec<ItemId>>> {
    let mut stmt = conn.prepare_cached(&format!(
        r#"SELECT id, start, "end" FROM claims c WHERE source_id = ? AND {STANDING} ORDER BY id"#
    ))?;
    let claims: Vec<(ItemId, u64, u64)> = stmt
        .query_map([source as i64], |r| {
            Ok((
                ItemId::claim(r.get::<_, i64>(0)?.max(0) as u64),
                r.get::<_, i64>(1)?.max(0) as u64,
                r.get::<_, i64>(2)?.max(0) as u64,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(spans
        .iter()
        .map(|&(start, end)| {
            claims
                .iter()
                .filter(|&&(_, s, e)| s < end as u64 && (start as u64) < e)
                .map(|&(id, ..)| id)
                .collect()
        })
        .collect())
}

/// A standing claim of the same source, by the same speaker as lists
/// group them ([`crate::text::speaker_key`]: `Dr. Hassan al-Ahmad`, `Dr
/// Hassan al-Ahmad`, `dr. hassan al-ahmad`), whose bytes overlap a new
/// claim's: what `claim add` notes after it records one. Such a claim is
/// often the same quote recorded twice (the speaker typed otherwise, the
/// quotation marks copied with the words), which splits its judgments
/// between two ids; it may also be a correction, which is recorded first
/// and then replaces the wrong one (`claim retract --replaced-by`), so the
/// command notes it and refuses nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlapping {
    pub id: ItemId,
    pub start: u64,
    pub end: u64,
    pub speaker: String,
    pub provenance: String,
    /// Who recorded it (a fingerprint as the table holds it): the note on
    /// a new claim says who may retract it.
    pub signer: String,
}

/// Each spelling of a speaker among the standing claims, with its first
/// claim: what `claim suggest` compares its guesses with.
pub fn speaker_spellings(conn: &Connection) -> Result<Vec<(String, ItemId)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT speaker, MIN(id) FROM claims c WHERE {STANDING} GROUP BY speaker"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            ItemId::claim(r.get::<_, i64>(1)?.max(0) as u64),
        ))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The [`Overlapping`] claims of `source` for the bytes `[start, end)`
/// said by `speaker`, in claim order.
pub fn same_speaker_overlapping(
    conn: &Connection,
    source: u64,
    (start, end): (u64, u64),
    speaker: &str,
) -> Result<Vec<Overlapping>> {
    let key = crate::text::speaker_key(speaker);
    let mut stmt = conn.prepare_cached(&format!(
        r#"SELECT id, start, "end", speaker, provenance, signer FROM claims c
           WHERE source_id = ?1 AND start < ?3 AND "end" > ?2 AND {STANDING} ORDER BY id"#
    ))?;
    let rows = stmt.query_map(
        rusqlite::params![source as i64, start as i64, end as i64],
        |r| {
            Ok(Overlapping {
                id: ItemId::claim(r.get::<_, i64>(0)?.max(0) as u64),
                start: r.get::<_, i64>(1)?.max(0) as u64,
                end: r.get::<_, i64>(2)?.max(0) as u64,
                speaker: r.get(3)?,
                provenance: r.get(4)?,
                signer: r.get(5)?,
            })
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let o = row?;
        if crate::text::speaker_key(&o.speaker) == key {
            out.push(o);
        }
    }
    Ok(out)
}

/// The source that already holds these exact bytes, if any.
pub fn source_by_sha(conn: &Connection, sha: &Hash) -> Result<Option<ItemId>> {
    Ok(conn
        .prepare_cached("SELECT id FROM sources WHERE sha256 = ?")?
        .query_row([&sha.0[..]], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|n| ItemId::source(n as u64)))
}

const CLAIM_COLS: &str =
    "c.id, c.source_id, c.start, c.\"end\", c.prefix, c.suffix, c.quote_sha256,
    c.speaker, c.provenance, c.paraphrase, c.seq, c.signer, c.time,
    (SELECT CAST(b.sha256 AS BLOB)
     FROM sources s JOIN blobs b ON b.sha256 = s.sha256 WHERE s.id = c.source_id
       AND s.id NOT IN (SELECT source_id FROM redactions)),
    r.seq, r.reason, r.replaced_by, r.signer, r.time";

/// A source `s` that no signed redaction removed: a redacted source's text
/// put back into `blobs` by hand (verify names it: "was redacted but its
/// text is still stored") was printed by `show S2 --text`, in its claims'
/// contexts and found by searches, exit 0. What the redaction signed
/// holds instead. (A list, not a probe a row: the few redactions are
/// read once a statement.)
const NOT_REDACTED: &str = "s.id NOT IN (SELECT source_id FROM redactions)";

/// A source text read by [`source_bytes`], under its SHA-256.
type KeptText = (Vec<u8>, std::rc::Rc<Vec<u8>>);

thread_local! {
    /// The texts [`source_bytes`] read last, newest first.
    static TEXTS: std::cell::RefCell<Vec<KeptText>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many source texts [`source_bytes`] keeps: a source's claims come
/// together in id order (or nearly), and a text may be 16 MiB.
const TEXTS_KEPT: usize = 2;

/// The stored text whose SHA-256 is `sha`, read once and kept for the
/// claims after it (`None`: not stored). Keyed by the hash, which names
/// the bytes: a text kept is the one the table held when it was read.
fn source_bytes(conn: &Connection, sha: &[u8]) -> rusqlite::Result<Option<std::rc::Rc<Vec<u8>>>> {
    let kept = TEXTS.with(|t| {
        t.borrow()
            .iter()
            .find(|(k, _)| k == sha)
            .map(|(_, v)| v.clone())
    });
    if kept.is_some() {
        return Ok(kept);
    }
    let data: Option<Vec<u8>> = conn
        .prepare_cached("SELECT CAST(data AS BLOB) FROM blobs WHERE sha256 = ?")?
        .query_row([sha], |r| r.get(0))
        .optional()?;
    let Some(data) = data else { return Ok(None) };
    let data = std::rc::Rc::new(data);
    TEXTS.with(|t| {
        let mut t = t.borrow_mut();
        t.insert(0, (sha.to_vec(), data.clone()));
        t.truncate(TEXTS_KEPT);
    });
    Ok(Some(data))
}

/// What [`CLAIM_COLS`] selects from: a claim and its retraction, if any
/// (one index probe a claim; five subqueries made `list claims` 8 % slower).
const CLAIMS: &str = "claims c LEFT JOIN retractions r ON r.claim_id = c.id";

fn claim_row(conn: &Connection, r: &Row<'_>) -> rusqlite::Result<ClaimView> {
    let start = r.get::<_, i64>(2)? as u64;
    let end = r.get::<_, i64>(3)? as u64;
    // The quote's bytes alone, cut from the source's text, which is read
    // once for the claims of a source that follow each other
    // ([`source_bytes`]). The whole text was selected for each claim,
    // copied and sorted with the rows (`show` of a 740 KB source with
    // 10,000 claims took 31 s and 3.9 GB); then cut by SQLite's `substr`,
    // which still read the whole text a claim (4,000 claims of a 15 MB
    // source: `list claims` 16 s, `export S1` 30 s; red team Y, F1).
    let sha: Option<Vec<u8>> = r.get(13)?;
    let quote = match sha {
        Some(sha) => source_bytes(conn, &sha)?.and_then(|text| {
            let span = text.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
            String::from_utf8(span.to_vec()).ok()
        }),
        None => None,
    };
    let context = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match quote {
            Some(_) => Some(r.get(i)?),
            None => None,
        })
    };
    Ok(ClaimView {
        id: item(IdKind::Claim, r.get(0)?),
        source: item(IdKind::Source, r.get(1)?),
        start,
        end,
        prefix: context(4)?,
        suffix: context(5)?,
        quote,
        quote_sha256: r.get(6)?,
        speaker: r.get(7)?,
        provenance: r.get(8)?,
        paraphrase: r.get(9)?,
        signed: Signed {
            seq: r.get(10)?,
            signer: r.get(11)?,
            signer_name: String::new(),
            time: r.get(12)?,
            signer_revoked_at: None,
            signer_role: None,
        },
        retraction: match r.get::<_, Option<Seq>>(14)? {
            None => None,
            Some(seq) => Some(Retraction {
                seq,
                reason: r.get(15)?,
                replaced_by: r.get::<_, Option<i64>>(16)?.map(|n| item(IdKind::Claim, n)),
                signer: r.get(17)?,
                signer_name: String::new(),
                time: r.get(18)?,
            }),
        },
        text_missing: false,
    })
}

/// Whether a list's condition on `text` holds: none given, or `text`
/// holds the part asked for ([`crate::text::holds`]).
fn wanted(text: Option<&str>, part: Option<&crate::text::Part>) -> bool {
    part.is_none_or(|p| p.in_text(text))
}

/// A filter's part, folded once for all the rows it is held against.
fn part(given: &Option<String>) -> Option<crate::text::Part> {
    given.as_deref().map(crate::text::Part::new)
}

/// Whether a list's condition on the speaker holds: none given, or the
/// speaker is one the part asked for picks out
/// ([`crate::text::speaker_holds`]: look-alike letters read as the Latin
/// ones they print as).
fn said_by(speaker: Option<&str>, part: Option<&crate::text::Part>) -> bool {
    part.is_none_or(|p| speaker.is_some_and(|s| p.in_speaker(s)))
}

/// The order rows are read in: newest first with `--last N`, so that the
/// reading stops at the Nth match; else oldest first.
fn newest_first(last: Option<u64>) -> &'static str {
    match last {
        Some(_) => "DESC",
        None => "ASC",
    }
}

/// What a `for_each_…` function hands over, as a `Vec`.
fn collect<T>(
    for_each: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for_each(&mut |item| {
        out.push(item);
        Ok(())
    })?;
    Ok(out)
}

/// Claims, of one source (through its index) or all, in id order.
pub fn claims(conn: &Connection, source: Option<u64>) -> Result<Vec<ClaimView>> {
    let filter = ClaimFilter {
        source,
        ..ClaimFilter::default()
    };
    collect(|each| for_each_claim(conn, &filter, each))
}

/// Which claims `list claims` shows: those that meet every condition
/// given (all of them when none is).
#[derive(Clone, Debug, Default)]
pub struct ClaimFilter {
    /// Claims of this source.
    pub source: Option<u64>,
    /// Claims whose speaker contains this text, with quotation marks,
    /// dashes, spacing and case set aside ([`crate::text::near_matches`]):
    /// "white helmets" finds "Syrian Civil Defense (White Helmets)".
    pub speaker: Option<String>,
    /// Claims whose quote or paraphrase contains this text, matched as
    /// speakers are ("five children").
    pub contains: Option<String>,
    /// Claims that reached their source this way (a tweet, a statement…).
    pub provenance: Option<SourceKind>,
    /// Claims with this verdict among their current ones (see
    /// [`current`]).
    pub verdict: Option<Verdict>,
    /// Claims no one has annotated yet: a desk's queue.
    pub unannotated: bool,
    /// Claims withdrawn by a `claim.retract` entry.
    pub retracted: bool,
    /// Claims added by these keys (one person's: [`KeysOf`]).
    pub signer: Option<KeysOf>,
    /// Claims recorded in this period.
    pub recorded: Period,
    /// Only the last (newest) this many of those.
    pub last: Option<u64>,
}

/// The first annotation that supersedes annotation `n`, if one does (of
/// those not retracted: a retracted one supersedes nothing any more).
pub fn superseded_by(conn: &Connection, n: u64) -> Result<Option<ItemId>> {
    let first: Option<i64> = conn
        .prepare_cached(&format!(
            "SELECT MIN(b.id) FROM annotations b WHERE b.supersedes = ? AND {B_STANDS}"
        ))?
        .query_row([n as i64], |r| r.get(0))?;
    Ok(first.map(|m| ItemId::annotation(m as u64)))
}

/// The annotations that supersede annotation `n`, not retracted, in id
/// order, but those `retracted` says are (retractions not stored yet).
pub fn successors(
    conn: &Connection,
    n: u64,
    retracted: &dyn Fn(u64) -> bool,
) -> Result<Vec<ItemId>> {
    let ids = conn
        .prepare_cached(&format!(
            "SELECT b.id FROM annotations b WHERE b.supersedes = ? AND {B_STANDS} ORDER BY b.id"
        ))?
        .query_map([n as i64], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids
        .into_iter()
        .map(|m| m as u64)
        .filter(|&m| !retracted(m))
        .map(ItemId::annotation)
        .collect())
}

/// Refuses to supersede annotation `r` a second time: the views give an
/// annotation one successor, so a second one's replacement was shown
/// nowhere, and the first successor looked current when it was not.
/// A check of input (`annotate`, `import`), not a rule of the log: verify
/// does not apply it, so a log written otherwise stays valid. The commands
/// make it before the key is unlocked, and the append path again under
/// the write lock (`retracted`: retractions it has not stored yet), where
/// no other writer can supersede `r` between the check and the entry.
pub fn supersedable(
    conn: &Connection,
    r: &crate::model::Ref,
    retracted: &dyn Fn(u64) -> bool,
) -> Result<()> {
    match successors(conn, r.id.n, retracted)?.first() {
        Some(by) => Err(Error::invalid(
            format!("{} was already superseded by {by}", r.id),
            format!("supersede {by}, the later judgment, instead (or the latest in its chain: `claimtrail show {by}`)"),
        )),
        None => Ok(()),
    }
}

/// What [`current`] needs to know of an annotation.
pub trait Judgment {
    /// Who signed it: the enrolled name of the key that signed it, which
    /// keys rotated for one person share (`rules::same_person`), or the
    /// key's fingerprint when its name is not known.
    fn signer(&self) -> &str;
    /// The signer's role, which keys rotated for one person share too
    /// (`rules::same_person`): a key enrolled under a revoked key's name
    /// with another role is another person, as verify judges it (the CLI
    /// refuses to enroll one; an admin signing outside it can). None when
    /// [`Self::signer`] already tells the role.
    fn role(&self) -> Option<Role> {
        None
    }
    /// Whether a later annotation, not retracted, supersedes it.
    fn superseded(&self) -> bool;
    /// Whether an `annotation.retract` withdrew it: [`current`] takes it
    /// as absent.
    fn retracted(&self) -> bool {
        false
    }
}

impl Judgment for &AnnotationView {
    fn signer(&self) -> &str {
        match self.signed.signer_name.as_str() {
            "" => self.signed.signer.as_str(),
            name => name,
        }
    }
    fn role(&self) -> Option<Role> {
        self.signed.signer_role
    }
    fn superseded(&self) -> bool {
        self.superseded_by.is_some()
    }
    fn retracted(&self) -> bool {
        self.retraction.is_some()
    }
}

/// Where a claim stands: each analyst's current judgment of it, that is,
/// per signer (per person: a rotated key's annotations and its
/// successor's count as one analyst's), the latest of their annotations
/// that no later one supersedes. `annotations` are one claim's, in annotation order, and so
/// is the result. A retracted annotation is taken as absent: it is no
/// one's judgment, and what it replaced (by superseding it, or as the
/// same person's later annotation) is current again. Reports, `show` and `list claims` all go through here.
///
/// Several analysts may disagree, and all of them are kept: what this
/// does not say is which judgment is right (that is for the reader of the
/// annotations and their notes), nor whether the log verifies.
pub fn current<T: Judgment>(annotations: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for a in annotations {
        if a.superseded() || a.retracted() {
            continue;
        }
        if let Some(i) = out
            .iter()
            .position(|b| b.signer() == a.signer() && b.role() == a.role())
        {
            out.remove(i);
        }
        out.push(a);
    }
    out
}

/// Of one claim's `annotations`, each that [`current`] (`now`) leaves out
/// though no later one supersedes it and no retraction withdrew it, with
/// the same person's annotation that counts instead
/// ([`AnnotationView::replaced_by`]): for views built from annotations at
/// hand (a report, a bundle), as `replaced_by` works it out in the log.
pub fn replaced(annotations: &[&AnnotationView], now: &[&AnnotationView]) -> Vec<(ItemId, ItemId)> {
    annotations
        .iter()
        .filter(|a| {
            a.superseded_by.is_none() && a.retraction.is_none() && !now.iter().any(|n| n.id == a.id)
        })
        .filter_map(|a| {
            now.iter()
                .find(|n| n.signer() == a.signer() && n.role() == a.role())
                .map(|n| (a.id, n.id))
        })
        .collect()
}

/// One thing an annotation says (its verdict, its grade), with what
/// [`current`] needs to know of the annotation, as read from the table.
#[derive(Clone)]
struct Said<T> {
    signer: String,
    superseded: bool,
    retracted: bool,
    what: T,
}

impl<T> Judgment for Said<T> {
    fn signer(&self) -> &str {
        &self.signer
    }
    fn superseded(&self) -> bool {
        self.superseded
    }
    fn retracted(&self) -> bool {
        self.retracted
    }
}

/// Who signed annotation `a`, as [`Judgment::signer`] and
/// [`Judgment::role`] say it together (SQL, for the [`Said`] rows): the
/// name and the role, on two lines.
const PERSON: &str = "COALESCE((SELECT k.name || char(10) || k.role FROM keys k
    WHERE k.fingerprint = a.signer), a.signer)";

/// The condition on an annotation `b` that it stands: no
/// `annotation.retract` withdrew it.
const B_STANDS: &str =
    "NOT EXISTS (SELECT 1 FROM annotation_retractions y WHERE y.annotation_id = b.id)";

/// Whether a later annotation, not retracted, supersedes annotation `a`
/// (SQL, for the [`Said`] rows).
const SUPERSEDED: &str = "EXISTS (SELECT 1 FROM annotations b WHERE b.supersedes = a.id
    AND NOT EXISTS (SELECT 1 FROM annotation_retractions y WHERE y.annotation_id = b.id))";

/// Whether an `annotation.retract` withdrew annotation `a` (SQL, for the
/// [`Said`] rows).
const RETRACTED: &str =
    "EXISTS (SELECT 1 FROM annotation_retractions y WHERE y.annotation_id = a.id)";

/// The claims withdrawn by a `claim.retract`, to mark the links that name
/// them: a corroboration or contradiction of a claim retracted since is
/// history, not a live link (the reports say "C2 retracted"; `show` and
/// `list annotations` showed such a link as live). Read once per command:
/// a log holds few retractions.
pub struct RetractedClaims(std::collections::HashSet<u64>);

impl RetractedClaims {
    pub fn load(conn: &Connection) -> Result<RetractedClaims> {
        let mut stmt = conn.prepare_cached("SELECT claim_id FROM retractions")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, i64>(0))?
            .map(|n| n.map(|n| n as u64))
            .collect::<rusqlite::Result<_>>()?;
        Ok(RetractedClaims(ids))
    }

    /// Whether claim `id` was retracted.
    pub fn holds(&self, id: ItemId) -> bool {
        self.0.contains(&id.n)
    }

    /// `ids` joined by `sep`, each retracted one followed by ` (retracted)`.
    pub fn marked(&self, ids: &[ItemId], sep: &str) -> String {
        ids.iter()
            .map(|id| match self.holds(*id) {
                true => format!("{id} (retracted)"),
                false => id.to_string(),
            })
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// A claim's current verdicts ([`current`]), each once, in the order of
/// the annotations that give them; none when no one has annotated it.
pub fn current_verdicts(conn: &Connection, claim: u64) -> Result<Vec<Verdict>> {
    Ok(current_verdicts_marked(conn, claim)?.0)
}

/// [`current_verdicts`], and those of them that only an auditor's audit
/// note gives (no analyst's or admin's current judgment): `list claims`
/// marks them, as `show` and the CSV report do; an audit note does not
/// take a claim off the desk's review queue either.
pub fn current_verdicts_marked(
    conn: &Connection,
    claim: u64,
) -> Result<(Vec<Verdict>, Vec<Verdict>)> {
    // A retracted claim has no current verdict: its annotations are its
    // history, and it is out of the current view (as `list claims
    // --verdict` leaves it out, and `show` says "none (retracted…)").
    let retracted: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM retractions WHERE claim_id = ?)")?
        .query_row([claim as i64], |r| r.get(0))?;
    if retracted {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PERSON}, {SUPERSEDED}, {RETRACTED}, a.verdict
         FROM annotations a WHERE a.claim_id = ? ORDER BY a.id"
    ))?;
    let rows = stmt
        .query_map([claim as i64], |r| {
            Ok(Said {
                signer: r.get(0)?,
                superseded: r.get(1)?,
                retracted: r.get(2)?,
                what: r.get::<_, Verdict>(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // `PERSON` ends with the signer's role.
    Ok(verdicts_marked_of(
        current(rows)
            .iter()
            .map(|a| (a.what, a.signer.ends_with("\nauditor"))),
    ))
}

/// The verdicts of current annotations, each with whether an auditor
/// gave it: each verdict once, in order, and those of them that no one but
/// an auditor gives.
pub fn verdicts_marked_of(current: impl IntoIterator<Item = (Verdict, bool)>) -> Marked {
    let current: Vec<(Verdict, bool)> = current.into_iter().collect();
    let all = verdicts_of(current.iter().map(|(v, _)| *v));
    let desk = verdicts_of(
        current
            .iter()
            .filter(|(_, auditor)| !auditor)
            .map(|(v, _)| *v),
    );
    let auditors_only = all.iter().filter(|v| !desk.contains(v)).copied().collect();
    (all, auditors_only)
}

/// [`verdicts_marked_of`] of current annotations at hand (a report's, a
/// bundle's, `show`'s).
pub fn verdicts_marked_among<'a>(current: impl IntoIterator<Item = &'a AnnotationView>) -> Marked {
    verdicts_marked_of(current.into_iter().map(|a| (a.verdict, a.by_auditor())))
}

/// The verdicts of a claim's current annotations, each once, in order.
pub fn verdicts_of(current: impl IntoIterator<Item = Verdict>) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = Vec::new();
    for v in current {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A claim with its current verdicts ([`current`]): how `list claims` and
/// `show S<n>` give it, in `--json` too.
#[derive(Clone, Debug, Serialize)]
pub struct StandingClaim {
    #[serde(flatten)]
    pub claim: ClaimView,
    pub verdicts: Vec<Verdict>,
    /// Those of `verdicts` that only an auditor's audit note gives
    /// ([`current_verdicts_marked`]); `[]` when none.
    pub auditor_verdicts: Vec<Verdict>,
}

impl StandingClaim {
    pub fn of(conn: &Connection, claim: ClaimView) -> Result<StandingClaim> {
        let (verdicts, auditor_verdicts) = current_verdicts_marked(conn, claim.id.n)?;
        Ok(StandingClaim {
            verdicts,
            auditor_verdicts,
            claim,
        })
    }
}

/// A claim's current verdicts and those only auditors give.
pub type Marked = (Vec<Verdict>, Vec<Verdict>);

/// The claims `filter` selects, in id order, one at a time (a list of
/// every claim of a large log is not held in memory). Speakers alone are
/// matched on a scan of ids and speakers; quotes need each claim's source
/// text. Only the claims selected are then read whole.
pub fn for_each_claim(
    conn: &Connection,
    filter: &ClaimFilter,
    each: &mut dyn FnMut(ClaimView) -> Result<()>,
) -> Result<()> {
    for_each_selected(conn, filter, &mut |claim, _| each(claim))
}

/// [`for_each_claim`] with each claim's current verdicts, as `list claims`
/// shows them: looked up once per claim, by the `verdict` condition when
/// there is one.
pub fn for_each_standing_claim(
    conn: &Connection,
    filter: &ClaimFilter,
    each: &mut dyn FnMut(StandingClaim) -> Result<()>,
) -> Result<()> {
    for_each_selected(conn, filter, &mut |claim, verdicts| {
        each(match verdicts {
            Some((verdicts, auditor_verdicts)) => StandingClaim {
                claim,
                verdicts,
                auditor_verdicts,
            },
            None => StandingClaim::of(conn, claim)?,
        })
    })
}

/// The claims `filter` selects, with their current verdicts when the
/// `verdict` condition looked them up.
fn for_each_selected(
    conn: &Connection,
    filter: &ClaimFilter,
    each: &mut dyn FnMut(ClaimView, Option<Marked>) -> Result<()>,
) -> Result<()> {
    // The conditions SQLite can decide from the tables.
    let mut w = Where::default();
    w.add("c.source_id = ?", filter.source.map(|n| n as i64));
    w.add(
        "c.provenance = ?",
        filter.provenance.map(|p| p.as_str().to_string()),
    );
    w.flag(UNANNOTATED, filter.unannotated);
    w.flag(&format!("NOT {STANDING}"), filter.retracted);
    // A retracted claim has no current verdict, and awaits no review: it
    // is out of the current view.
    w.flag(STANDING, filter.verdict.is_some() || filter.unannotated);
    w.any_of("c.signer", filter.signer.as_ref().map(KeysOf::texts));
    w.period("c.time", &filter.recorded);
    let cond = w.sql();
    let params = || w.params();
    // A claim's current verdicts are worked out as `current` says, claim
    // by claim, so that the list agrees with `show` and the reports: `None`
    // when the claim is not wanted, `Some(None)` when no verdict is asked.
    let verdict_wanted = |id: i64| -> Result<Option<Option<Marked>>> {
        let Some(v) = filter.verdict else {
            return Ok(Some(None));
        };
        let marked = current_verdicts_marked(conn, id as u64)?;
        Ok(marked.0.contains(&v).then_some(Some(marked)))
    };
    if filter.speaker.is_none()
        && filter.contains.is_none()
        && filter.verdict.is_none()
        && filter.last.is_none()
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT {CLAIM_COLS} FROM {CLAIMS} {cond} ORDER BY c.id"
        ))?;
        let mut rows = stmt.query(params())?;
        while let Some(r) = rows.next()? {
            each(complete_claim(conn, claim_row(conn, r)?)?, None)?;
        }
        return Ok(());
    }
    let mut ids = Vec::new();
    // With --last N the rows are read newest first and the reading stops
    // at the Nth that matches (`--verdict false --last 5` read every claim
    // of a million-entry log, 1.7 s, to keep five).
    let order = newest_first(filter.last);
    let enough = |ids: &Vec<_>| filter.last.is_some_and(|n| ids.len() as u64 >= n);
    if filter.contains.is_none() {
        let mut stmt = conn.prepare(&format!(
            "SELECT c.id, c.speaker FROM claims c {cond} ORDER BY c.id {order}"
        ))?;
        let mut rows = stmt.query(params())?;
        let speaker = part(&filter.speaker);
        while let Some(r) = rows.next()? {
            if enough(&ids) {
                break;
            }
            let id = r.get::<_, i64>(0)?;
            if said_by(r.get_ref(1)?.as_str().ok(), speaker.as_ref()) {
                if let Some(verdicts) = verdict_wanted(id)? {
                    ids.push((id, verdicts));
                }
            }
        }
    } else {
        let mut stmt = conn.prepare(&format!(
            "SELECT {CLAIM_COLS} FROM {CLAIMS} {cond} ORDER BY c.id {order}"
        ))?;
        let mut rows = stmt.query(params())?;
        let (want, speaker) = (part(&filter.contains), part(&filter.speaker));
        let want = want.as_ref();
        while let Some(r) = rows.next()? {
            if enough(&ids) {
                break;
            }
            let c = claim_row(conn, r)?;
            let id = r.get::<_, i64>(0)?;
            if said_by(Some(&c.speaker), speaker.as_ref())
                && (wanted(c.quote.as_deref(), want) || wanted(c.paraphrase.as_deref(), want))
            {
                if let Some(verdicts) = verdict_wanted(id)? {
                    ids.push((id, verdicts));
                }
            }
        }
    }
    if filter.last.is_some() {
        ids.reverse();
    }
    let mut stmt = conn.prepare(&format!("SELECT {CLAIM_COLS} FROM {CLAIMS} WHERE c.id = ?"))?;
    for (id, verdicts) in ids {
        let c = stmt.query_row([id], |r| claim_row(conn, r))?;
        each(complete_claim(conn, c)?, verdicts)?;
    }
    Ok(())
}

fn complete_claim(conn: &Connection, mut c: ClaimView) -> Result<ClaimView> {
    name_signer(conn, &mut c.signed)?;
    if c.quote.is_none() {
        c.text_missing = conn
            .prepare_cached("SELECT 1 FROM redactions WHERE source_id = ?")?
            .query_row([c.source.n as i64], |_| Ok(()))
            .optional()?
            .is_none();
    }
    if let Some(r) = &mut c.retraction {
        r.signer_name = key_name(conn, r.signer.as_str())?;
    }
    Ok(c)
}

/// The sources, claims and annotations with these numbers, in id order;
/// a number with no row is skipped. For views of a few items of a large
/// log (a report of one claim), where reading every row would not do.
pub fn items_with_ids(
    conn: &Connection,
    sources: &std::collections::BTreeSet<u64>,
    claims: &std::collections::BTreeSet<u64>,
    annotations: &std::collections::BTreeSet<u64>,
) -> Result<(Vec<SourceView>, Vec<ClaimView>, Vec<AnnotationView>)> {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    let sql = format!("SELECT {SOURCE_COLS} FROM sources s WHERE s.id = ?");
    for n in sources {
        let row = conn
            .prepare_cached(&sql)?
            .query_row([*n as i64], source_row)
            .optional()?;
        if let Some(s) = row {
            out.0.push(complete_source(conn, s)?);
        }
    }
    let sql = format!("SELECT {CLAIM_COLS} FROM {CLAIMS} WHERE c.id = ?");
    for n in claims {
        let row = conn
            .prepare_cached(&sql)?
            .query_row([*n as i64], |r| claim_row(conn, r))
            .optional()?;
        if let Some(c) = row {
            out.1.push(complete_claim(conn, c)?);
        }
    }
    let sql = format!("SELECT {ANNOTATION_COLS} FROM annotations a WHERE a.id = ?");
    let mut replacements = Replacements::default();
    for n in annotations {
        let row = conn
            .prepare_cached(&sql)?
            .query_row([*n as i64], annotation_row)
            .optional()?;
        if let Some(a) = row {
            out.2.push(complete_annotation(conn, a, &mut replacements)?);
        }
    }
    Ok(out)
}

/// The retracted claims that name claim `n` as their replacement.
pub fn replaces(conn: &Connection, n: u64) -> Result<Vec<ItemId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT claim_id FROM retractions WHERE replaced_by = ? ORDER BY claim_id",
    )?;
    let ids = stmt
        .query_map([n as i64], |r| r.get::<_, i64>(0))?
        .map(|n| n.map(|n| item(IdKind::Claim, n)))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

pub fn claim(conn: &Connection, n: u64) -> Result<ClaimView> {
    require(conn, ItemId::claim(n))?;
    // Cached: the commands that sign check each item they refer to.
    let c = conn
        .prepare_cached(&format!("SELECT {CLAIM_COLS} FROM {CLAIMS} WHERE c.id = ?"))?
        .query_row([n as i64], |r| claim_row(conn, r))?;
    complete_claim(conn, c)
}

fn annotation_row(r: &Row<'_>) -> rusqlite::Result<AnnotationView> {
    Ok(AnnotationView {
        id: item(IdKind::Annotation, r.get(0)?),
        claim: item(IdKind::Claim, r.get(1)?),
        verdict: r.get(2)?,
        reliability: r.get(3)?,
        credibility: r.get(4)?,
        note: r.get(5)?,
        corroborates: Vec::new(),
        contradicts: Vec::new(),
        supersedes: r
            .get::<_, Option<i64>>(6)?
            .map(|n| item(IdKind::Annotation, n)),
        superseded_by: r
            .get::<_, Option<i64>>(10)?
            .map(|n| item(IdKind::Annotation, n)),
        signed: Signed {
            seq: r.get(7)?,
            signer: r.get(8)?,
            signer_name: String::new(),
            time: r.get(9)?,
            signer_revoked_at: None,
            signer_role: None,
        },
        retraction: None,
        replaced_by: None,
        claim_retracted: r.get(11)?,
    })
}

const ANNOTATION_COLS: &str =
    "a.id, a.claim_id, a.verdict, a.reliability, a.credibility, a.note, a.supersedes,
    a.seq, a.signer, a.time, (SELECT MIN(b.id) FROM annotations b WHERE b.supersedes = a.id
    AND NOT EXISTS (SELECT 1 FROM annotation_retractions y WHERE y.annotation_id = b.id)),
    EXISTS (SELECT 1 FROM retractions x WHERE x.claim_id = a.claim_id)";

/// Annotations, of one claim (through its index) or all, in id order.
pub fn annotations(conn: &Connection, claim: Option<u64>) -> Result<Vec<AnnotationView>> {
    let filter = AnnotationFilter {
        claim,
        ..AnnotationFilter::default()
    };
    collect(|each| for_each_annotation(conn, &filter, each))
}

/// Which annotations `list annotations` shows: those that meet every
/// condition given (all of them when none is).
#[derive(Clone, Debug, Default)]
pub struct AnnotationFilter {
    /// Annotations of this claim.
    pub claim: Option<u64>,
    /// Annotations with this verdict (superseded ones included: they are
    /// marked so).
    pub verdict: Option<Verdict>,
    /// Annotations withdrawn by an `annotation.retract`.
    pub retracted: bool,
    /// Annotations signed by these keys (one person's: [`KeysOf`]).
    pub signer: Option<KeysOf>,
    /// Annotations whose note contains this text, matched as a claim's
    /// quote is ([`crate::text::holds`]): "sputnik".
    pub contains: Option<String>,
    /// Annotations recorded in this period.
    pub recorded: Period,
    /// Only the last (newest) this many of those.
    pub last: Option<u64>,
}

/// The annotations `filter` selects, in id order, one at a time (a list
/// of every annotation of a large log is not held in memory).
pub fn for_each_annotation(
    conn: &Connection,
    filter: &AnnotationFilter,
    each: &mut dyn FnMut(AnnotationView) -> Result<()>,
) -> Result<()> {
    let mut replacements = Replacements::default();
    let mut w = Where::default();
    w.add("a.claim_id = ?", filter.claim.map(|c| c as i64));
    w.add(
        "a.verdict = ?",
        filter.verdict.map(|v| v.as_str().to_string()),
    );
    w.flag(RETRACTED, filter.retracted);
    w.any_of("a.signer", filter.signer.as_ref().map(KeysOf::texts));
    w.period("a.time", &filter.recorded);
    let cond = w.sql();
    let params = w.params();
    if let Some(part) = filter.contains.as_deref() {
        // Notes are matched here, not by SQLite. With --last N the rows
        // are read newest first, and the reading stops at the Nth match
        // (it read every annotation of a million-entry log, 1.8 s, to
        // keep five); then put back in id order.
        let order = newest_first(filter.last);
        let mut stmt = conn.prepare(&format!(
            "SELECT {ANNOTATION_COLS} FROM annotations a {cond} ORDER BY a.id {order}"
        ))?;
        let mut rows = stmt.query(params)?;
        let mut newest = Vec::new();
        let part = crate::text::Part::new(part);
        while let Some(r) = rows.next()? {
            if filter.last.is_some_and(|n| newest.len() as u64 >= n) {
                break;
            }
            let a = annotation_row(r)?;
            if !wanted(a.note.as_deref(), Some(&part)) {
                continue;
            }
            match filter.last {
                None => each(complete_annotation(conn, a, &mut replacements)?)?,
                Some(_) => newest.push(a),
            }
        }
        for a in newest.into_iter().rev() {
            each(complete_annotation(conn, a, &mut replacements)?)?;
        }
        return Ok(());
    }
    if let Some(n) = filter.last {
        // The newest first, so that SQLite stops after them; then put
        // back in id order (at most `n` held). SQLite's LIMIT is an i64.
        let n = n.min(i64::MAX as u64);
        let mut rows: Vec<AnnotationView> = conn
            .prepare(&format!(
                "SELECT {ANNOTATION_COLS} FROM annotations a {cond} ORDER BY a.id DESC LIMIT {n}"
            ))?
            .query_map(params, annotation_row)?
            .collect::<std::result::Result<_, _>>()?;
        rows.reverse();
        for a in rows {
            each(complete_annotation(conn, a, &mut replacements)?)?;
        }
        return Ok(());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {ANNOTATION_COLS} FROM annotations a {cond} ORDER BY a.id"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        each(complete_annotation(
            conn,
            annotation_row(r)?,
            &mut replacements,
        )?)?;
    }
    Ok(())
}

/// The keys that sign for one person, as `--by` and `--mine` select them:
/// a key, and every key enrolled under its name with its role (a rotated
/// key's predecessors and successors: `rules::same_person`; a key enrolled
/// outside the CLI under a revoked key's name with another role is
/// another person, as verify counts it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeysOf(pub Vec<Fingerprint>);

impl KeysOf {
    fn texts(&self) -> Vec<String> {
        self.0.iter().map(|f| f.as_str().to_string()).collect()
    }
}

/// The keys of the person whose key is `fp` ([`KeysOf`]), in enrolment
/// order; `fp` alone if the log does not know it.
pub fn keys_of(conn: &Connection, fp: &Fingerprint) -> Result<KeysOf> {
    let keys = keys(conn)?;
    let person = keys
        .iter()
        .find(|k| k.fingerprint == *fp)
        .map(|k| (&k.name, k.role));
    let mut of: Vec<Fingerprint> = keys
        .iter()
        .filter(|k| Some((&k.name, k.role)) == person)
        .map(|k| k.fingerprint.clone())
        .collect();
    if of.is_empty() {
        of.push(fp.clone());
    }
    Ok(KeysOf(of))
}

/// The fingerprint of `key`, refused ([`Error::NotEnrolled`]) when the log
/// has never enrolled it: a list narrowed down to an unknown key would be
/// empty without saying that the key is the wrong one.
pub fn enrolled(conn: &Connection, key: &crate::keys::PublicKey) -> Result<Fingerprint> {
    let fp = key.fingerprint().clone();
    if keys(conn)?.iter().any(|k| k.fingerprint == fp) {
        Ok(fp)
    } else {
        Err(Error::NotEnrolled(fp))
    }
}

/// The fingerprint of the key that `who` names: a fingerprint
/// (`SHA256:…`), or the name a key was enrolled with or part of it (as
/// `--speaker` matches: case, quotation marks and dashes aside; a name
/// that is whole wins over names that contain it). An error when no key,
/// or more than one person's, answers to it; of one person's keys (one
/// name), the first ([`keys_of`] gives them all).
pub fn key_named(conn: &Connection, who: &str) -> Result<Fingerprint> {
    let keys = keys(conn)?;
    match Fingerprint::as_given(who) {
        Some(Ok(fp)) => {
            if let Some(k) = keys.iter().find(|k| k.fingerprint == fp) {
                return Ok(k.fingerprint.clone());
            }
        }
        Some(Err(e)) => {
            return Err(Error::invalid(
                e,
                "see `claimtrail list keys` for the keys' names and fingerprints",
            ))
        }
        None => {}
    }
    let named: Vec<&KeyView> = keys
        .iter()
        .filter(|k| crate::text::holds(Some(&k.name), who))
        .collect();
    let whole: Vec<&KeyView> = named
        .iter()
        .copied()
        .filter(|k| crate::text::same_name(&k.name, who))
        .collect();
    // Keys that share one name are one person's (a rotated key).
    let one_person = |ks: &[&KeyView]| ks.len() > 1 && ks.iter().all(|k| k.name == ks[0].name);
    match (named.as_slice(), whole.as_slice()) {
        ([k], _) | (_, [k]) => Ok(k.fingerprint.clone()),
        (many, _) if one_person(many) => Ok(many[0].fingerprint.clone()),
        (_, whole) if one_person(whole) => Ok(whole[0].fingerprint.clone()),
        ([], _) => Err(Error::invalid(
            format!(
                "no key in this log has a name with `{}` in it, or that fingerprint",
                crate::text::escape(who)
            ),
            "see `claimtrail list keys` for the keys' names and fingerprints",
        )),
        (many, _) => Err(Error::invalid(
            format!(
                "{} keys answer to `{}`: {}",
                many.len(),
                crate::text::escape(who),
                many.iter()
                    .map(|k| format!("{} ({})", crate::text::escape(&k.name), k.fingerprint))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "give more of the name, or the fingerprint of the one you mean",
        )),
    }
}

/// The fingerprint of the key enrolled with the whole name `name` (case,
/// quotation marks and dashes aside, as [`key_named`] compares); of
/// several keys so named, the one not revoked (a name given again to a new
/// key). Unlike [`key_named`], part of a name is not enough: `key revoke`
/// asks, and a revocation cannot be taken back.
pub fn key_with_whole_name(conn: &Connection, name: &str) -> Result<Fingerprint> {
    let keys = keys(conn)?;
    let mut named: Vec<&KeyView> = keys
        .iter()
        .filter(|k| crate::text::same_name(&k.name, name))
        .collect();
    if named.len() > 1 && named.iter().any(|k| k.revoked_seq.is_none()) {
        named.retain(|k| k.revoked_seq.is_none());
    }
    match named.as_slice() {
        [k] => Ok(k.fingerprint.clone()),
        [] => Err(Error::invalid(
            format!(
                "no key in this log is named `{}`",
                crate::text::escape(name)
            ),
            "give the key's whole name or its fingerprint, as `claimtrail key list` shows them, or its .pub file",
        )),
        // Every key of that name revoked already: a fingerprint would only
        // be told "already revoked" in turn.
        many if many.iter().all(|k| k.revoked_seq.is_some()) => Err(Error::invalid(
            format!(
                "every key named `{}` is revoked already: {}",
                crate::text::escape(name),
                many.iter()
                    .map(|k| format!(
                        "{} at entry {}",
                        k.fingerprint,
                        k.revoked_seq.map_or(0, |s| s.0)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "nothing is left to revoke under that name: `claimtrail key list` shows the keys that sign now",
        )),
        many => Err(Error::invalid(
            format!(
                "{} keys are named `{}`: {}",
                many.len(),
                crate::text::escape(name),
                many.iter()
                    .map(|k| k.fingerprint.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "give the fingerprint of the one you mean",
        )),
    }
}

pub fn annotation(conn: &Connection, n: u64) -> Result<AnnotationView> {
    annotation_using(conn, n, &mut Replacements::default())
}

/// [`annotation`] for a caller that reads many: `replacements` keeps each
/// claim's replacements worked out once (a fresh one per annotation read
/// all of its claim's annotations each time: `export` of a claim with
/// 4,000 annotations took 50 s).
pub fn annotation_using(
    conn: &Connection,
    n: u64,
    replacements: &mut Replacements,
) -> Result<AnnotationView> {
    require(conn, ItemId::annotation(n))?;
    // Cached: the commands that sign check each item they refer to.
    let a = conn
        .prepare_cached(&format!(
            "SELECT {ANNOTATION_COLS} FROM annotations a WHERE a.id = ?"
        ))?
        .query_row([n as i64], annotation_row)?;
    complete_annotation(conn, a, replacements)
}

/// The annotations of other claims that link to `claim` (corroborate or
/// contradict it), in annotation order, superseded ones included (each
/// says so): what else in the log bears on the claim. A link says what an
/// analyst judged, not that the two claims agree.
pub fn links_to(conn: &Connection, claim: u64) -> Result<Vec<AnnotationView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT annotation_id FROM relations WHERE other_claim = ? ORDER BY annotation_id",
    )?;
    let ids: Vec<i64> = stmt
        .query_map([claim as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut replacements = Replacements::default();
    ids.into_iter()
        .map(|n| annotation_using(conn, n as u64, &mut replacements))
        .collect()
}

fn complete_annotation(
    conn: &Connection,
    mut a: AnnotationView,
    replacements: &mut Replacements,
) -> Result<AnnotationView> {
    name_signer(conn, &mut a.signed)?;
    let n = a.id.n;
    a.retraction = annotation_retraction(conn, n)?;
    if a.superseded_by.is_none() && a.retraction.is_none() {
        a.replaced_by = replacements.of(conn, a.claim.n, n)?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT relation, other_claim FROM relations WHERE annotation_id = ? ORDER BY other_claim",
    )?;
    let rels: Vec<(String, i64)> = stmt
        .query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    for (rel, c) in rels {
        let id = item(IdKind::Claim, c);
        if rel == "corroborates" {
            a.corroborates.push(id);
        } else {
            a.contradicts.push(id);
        }
    }
    Ok(a)
}

/// The annotations of each claim that the same person's later annotation
/// replaced ([`AnnotationView::replaced_by`]), worked out once per claim
/// while one command reads many annotations: `list annotations` of a whole
/// log asked SQLite for a claim's annotations once per annotation, which
/// doubled its time (docs/PERFORMANCE.md). Memory is bounded: past
/// 20,000 claims the memo starts again, which costs
/// time, never a different answer.
#[derive(Default)]
pub struct Replacements {
    /// Claim → (replaced annotation, the one that counts instead).
    by_claim: std::collections::HashMap<u64, Vec<(u64, u64)>>,
}

impl Replacements {
    /// Claims remembered at most (about 50 bytes each, plus 16 a pair).
    const CLAIMS: usize = 20_000;

    /// The annotation of claim `claim` that counts instead of annotation
    /// `n` by the same person, by [`current`]'s rule on the claim's
    /// annotations as the table gives them.
    fn of(&mut self, conn: &Connection, claim: u64, n: u64) -> Result<Option<ItemId>> {
        if !self.by_claim.contains_key(&claim) {
            if self.by_claim.len() >= Self::CLAIMS {
                self.by_claim.clear();
            }
            self.by_claim.insert(claim, replaced_in(conn, claim)?);
        }
        Ok(self.by_claim[&claim]
            .iter()
            .find(|(old, _)| *old == n)
            .map(|(_, new)| ItemId::annotation(*new)))
    }
}

/// Of claim `claim`'s annotations, each that [`current`] leaves out and a
/// later annotation by the same person that it keeps, with that one.
fn replaced_in(conn: &Connection, claim: u64) -> Result<Vec<(u64, u64)>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {PERSON}, {SUPERSEDED}, {RETRACTED}, a.id
             FROM annotations a WHERE a.claim_id = ? ORDER BY a.id"
        ))?
        .query_map([claim as i64], |r| {
            Ok(Said {
                signer: r.get(0)?,
                superseded: r.get(1)?,
                retracted: r.get(2)?,
                what: r.get::<_, i64>(3)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(replaced_among(&rows))
}

/// [`replaced_in`] of one claim's annotations, as read.
fn replaced_among(rows: &[Said<u64>]) -> Vec<(u64, u64)> {
    let now: Vec<(String, u64)> = current(rows.iter().cloned())
        .into_iter()
        .map(|a| (a.signer, a.what))
        .collect();
    rows.iter()
        .filter(|a| !now.iter().any(|(_, n)| *n == a.what))
        .filter_map(|a| {
            now.iter()
                .find(|(person, n)| *person == a.signer && *n > a.what)
                .map(|(_, n)| (a.what, *n))
        })
        .collect()
}

impl Replacements {
    /// Works out, in one pass, the claims of one speaker's spelling (of
    /// those `standing` keeps): a speaker's record reads every claim of the
    /// speaker, and a query per claim made `show C5` of the bench's log
    /// 0.4 s slower.
    fn fill_for_speaker(
        &mut self,
        conn: &Connection,
        spelling: &str,
        standing: &str,
    ) -> Result<()> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT a.claim_id, {PERSON}, {SUPERSEDED}, {RETRACTED}, a.id
             FROM annotations a JOIN claims c ON c.id = a.claim_id
             WHERE c.speaker = ? AND {standing}
             ORDER BY a.claim_id, a.id"
        ))?;
        let mut rows = stmt.query([spelling])?;
        let mut claim: Option<u64> = None;
        let mut group: Vec<Said<u64>> = Vec::new();
        let mut done = |claim: Option<u64>, group: &mut Vec<Said<u64>>| {
            if let Some(c) = claim {
                self.by_claim.insert(c, replaced_among(group));
            }
            group.clear();
        };
        while let Some(r) = rows.next()? {
            let c = r.get::<_, i64>(0)? as u64;
            if claim != Some(c) {
                done(claim, &mut group);
                claim = Some(c);
            }
            group.push(Said {
                signer: r.get(1)?,
                superseded: r.get(2)?,
                retracted: r.get(3)?,
                what: r.get::<_, i64>(4)? as u64,
            });
        }
        done(claim, &mut group);
        Ok(())
    }
}

/// The retraction of annotation `n`, if an `annotation.retract` withdrew it.
pub fn annotation_retraction(conn: &Connection, n: u64) -> Result<Option<AnnotationRetraction>> {
    let found = conn
        .prepare_cached(
            "SELECT seq, reason, signer, time FROM annotation_retractions WHERE annotation_id = ?",
        )?
        .query_row([n as i64], |r| {
            Ok(AnnotationRetraction {
                seq: r.get(0)?,
                reason: r.get(1)?,
                signer: r.get(2)?,
                signer_name: String::new(),
                time: r.get(3)?,
            })
        })
        .optional()?;
    match found {
        Some(mut rt) => {
            rt.signer_name = key_name(conn, rt.signer.as_str())?;
            Ok(Some(rt))
        }
        None => Ok(None),
    }
}

/// Every reliability grade given to a speaker, across all their claims:
/// the speaker's record, kept apart from any one claim's credibility.
#[derive(Clone, Debug, Serialize)]
pub struct SpeakerGrade {
    pub annotation: ItemId,
    pub claim: ItemId,
    pub reliability: Reliability,
    pub signer_name: String,
    pub time: String,
    /// The annotation that replaced this one, if any: the record is the
    /// history, and says which grades an analyst has since revised.
    pub superseded_by: Option<ItemId>,
    /// The same person's later annotation of the claim, which counts
    /// instead of this one though it does not supersede it
    /// ([`AnnotationView::replaced_by`]): a grade revised so is no more
    /// standing than one superseded (the record showed it as standing).
    pub replaced_by: Option<ItemId>,
}

impl SpeakerGrade {
    /// Whether the grade is its analyst's current judgment still: neither
    /// superseded nor replaced.
    pub fn current(&self) -> bool {
        self.superseded_by.is_none() && self.replaced_by.is_none()
    }
}

/// The condition on a claim `c` that it stands: no `claim.retract` withdrew
/// it. A retracted claim was recorded in error (often under the wrong
/// speaker), so it is out of the current view: the verdict lists, the
/// review queue, `claim suggest`'s claimed spans, and its speaker's claims
/// and reliability record.
const STANDING: &str = "NOT EXISTS (SELECT 1 FROM retractions x WHERE x.claim_id = c.id)";

/// Claim `c` has no annotation by the desk yet (with [`STANDING`]: it
/// awaits review): an auditor's audit note does not take a claim off the
/// desk's queue, which it did when any annotation counted. A key's role
/// is the one it was enrolled with, for good (a new role is a new key).
/// A retracted annotation judges nothing: its claim awaits review again.
/// An annotation `a` by no auditor: a speaker's reliability record is the
/// desk's judgments, as the review queue is (an auditor's grade counted
/// in `list speakers` and `show`'s record, unmarked, while its claim still
/// awaited the desk's review). The auditor's note stays on its claim.
const NOT_AUDITORS: &str = "a.signer NOT IN (SELECT fingerprint FROM keys WHERE role = 'auditor')";

const UNANNOTATED: &str = "NOT EXISTS (SELECT 1 FROM annotations a WHERE a.claim_id = c.id
    AND a.signer NOT IN (SELECT fingerprint FROM keys WHERE role = 'auditor')
    AND NOT EXISTS (SELECT 1 FROM annotation_retractions y WHERE y.annotation_id = a.id))";

/// How many claims await review: standing, and judged by no annotation
/// yet (what `list claims --unannotated` lists).
pub fn awaiting_review(conn: &Connection) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) FROM claims c WHERE {UNANNOTATED} AND {STANDING}");
    let n: i64 = conn.query_row(&sql, [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// [`STANDING`], or no condition at all while nothing was ever retracted
/// (the usual case: the probe for every row made `list speakers` on the
/// bench's million-entry log 12 % slower).
fn standing(conn: &Connection) -> Result<&'static str> {
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM retractions)")?
        .query_row([], |r| r.get(0))?;
    Ok(if any { STANDING } else { "1" })
}

/// The speaker's record: every reliability grade given on a claim of this
/// speaker, in annotation order (see [`Speakers::history`]).
pub fn speaker_history(conn: &Connection, speaker: &str) -> Result<Vec<SpeakerGrade>> {
    Speakers::load(conn)?.history(conn, speaker)
}

/// The speakers of the log's claims, each name with its spellings.
/// Speakers are typed by hand, so every spelling that is the same name up
/// to case and typography ([`crate::text::same_name`]: "White Helmets",
/// "white helmets"), or in letters of another script that print as it
/// ([`crate::text::speaker_key`]: `ВВС` in Cyrillic, `BBC`), is the same
/// speaker. Different names for one speaker
/// ("White Helmets", "Syrian Civil Defense") are not joined. Loaded once
/// for a report of many claims, not once per speaker.
pub struct Speakers {
    spellings: std::collections::HashMap<String, Vec<String>>,
    /// The condition that leaves retracted claims out ([`standing`]).
    standing: &'static str,
}

impl Speakers {
    /// Reads the distinct spellings, through the speakers' index.
    pub fn load(conn: &Connection) -> Result<Speakers> {
        let mut spellings: std::collections::HashMap<String, Vec<String>> = Default::default();
        let standing = standing(conn)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT DISTINCT speaker FROM claims c WHERE {standing}"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let s = r.get_ref(0)?.as_str().unwrap_or("");
            spellings
                .entry(crate::text::speaker_key(s))
                .or_default()
                .push(s.to_string());
        }
        Ok(Speakers {
            spellings,
            standing,
        })
    }

    /// Every reliability grade given on a claim of `speaker`, under any
    /// of its spellings, in annotation order.
    pub fn history(&self, conn: &Connection, speaker: &str) -> Result<Vec<SpeakerGrade>> {
        let none = Vec::new();
        let spellings = self
            .spellings
            .get(&crate::text::speaker_key(speaker))
            .unwrap_or(&none);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT a.id, a.claim_id, a.reliability, COALESCE(k.name, '?'), a.time,
                    (SELECT MIN(b.id) FROM annotations b WHERE b.supersedes = a.id AND {B_STANDS})
             FROM annotations a JOIN claims c ON c.id = a.claim_id
             LEFT JOIN keys k ON k.fingerprint = a.signer
             WHERE c.speaker = ? AND a.reliability IS NOT NULL AND {} AND NOT {RETRACTED}
               AND {NOT_AUDITORS}
             ORDER BY a.id",
            self.standing
        ))?;
        let mut out: Vec<(i64, SpeakerGrade)> = Vec::new();
        for spelling in spellings {
            let rows = stmt.query_map([spelling], |r| {
                let id: i64 = r.get(0)?;
                Ok((
                    id,
                    SpeakerGrade {
                        annotation: item(IdKind::Annotation, id),
                        claim: item(IdKind::Claim, r.get(1)?),
                        reliability: r.get(2)?,
                        signer_name: r.get(3)?,
                        time: r.get(4)?,
                        superseded_by: r
                            .get::<_, Option<i64>>(5)?
                            .map(|n| item(IdKind::Annotation, n)),
                        replaced_by: None,
                    },
                ))
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        out.sort_by_key(|(id, _)| *id);
        let mut replacements = Replacements::default();
        for spelling in spellings {
            replacements.fill_for_speaker(conn, spelling, self.standing)?;
        }
        for (_, g) in &mut out {
            if g.superseded_by.is_none() {
                g.replaced_by = replacements.of(conn, g.claim.n, g.annotation.n)?;
            }
        }
        Ok(out.into_iter().map(|(_, g)| g).collect())
    }
}

/// One speaker of the log's claims, as `list speakers` shows it: every
/// spelling of the name ([`Speakers`]), how many claims and the newest,
/// and the reliability grades of the current annotations of those claims
/// ([`current`]: each analyst's latest judgment of each claim). The
/// speaker's record in `show` and the reports is the history instead:
/// every grade ever given, superseded ones included.
#[derive(Clone, Debug, Serialize)]
pub struct SpeakerSummary {
    /// The spelling with the most claims (of those, the one used first),
    /// one in look-alike letters ([`crate::text::prints_as_latin`]) only
    /// when there is no other.
    pub speaker: String,
    pub spellings: Vec<String>,
    pub claims: u64,
    pub last_claim: ItemId,
    /// Grade (`A`–`F`) → how many current annotations give it.
    pub reliability: std::collections::BTreeMap<Reliability, u64>,
}

/// The speakers of the log's claims whose name contains `part` (as
/// `list claims --speaker` matches; all when `None`), the most quoted
/// first. The grades say what analysts judged, not who is right.
pub fn speakers(conn: &Connection, part: Option<&str>) -> Result<Vec<SpeakerSummary>> {
    let mut by_key: std::collections::HashMap<String, SpeakerSummary> = Default::default();
    // (key, spelling, claims of that spelling, its first claim), for
    // choosing the name shown.
    let mut counts: Vec<(String, String, u64, i64)> = Vec::new();
    let standing = standing(conn)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT speaker, COUNT(*), MAX(id), MIN(id) FROM claims c WHERE {standing} GROUP BY speaker"
    ))?;
    let mut rows = stmt.query([])?;
    let part = part.map(crate::text::Part::new);
    while let Some(r) = rows.next()? {
        let spelling: String = r.get(0)?;
        if !said_by(Some(&spelling), part.as_ref()) {
            continue;
        }
        let (n, last): (i64, i64) = (r.get(1)?, r.get(2)?);
        let key = crate::text::speaker_key(&spelling);
        let s = by_key.entry(key.clone()).or_insert_with(|| SpeakerSummary {
            speaker: String::new(),
            spellings: Vec::new(),
            claims: 0,
            last_claim: ItemId::claim(last as u64),
            reliability: Default::default(),
        });
        s.spellings.push(spelling.clone());
        s.claims += n as u64;
        s.last_claim.n = s.last_claim.n.max(last as u64);
        counts.push((key, spelling, n as u64, r.get(3)?));
    }
    // A spelling in look-alike letters is never the name shown, whatever
    // its count: the Latin one is what a reader searches for.
    counts.sort_by_cached_key(|(_, spelling, n, first)| {
        (
            crate::text::prints_as_latin(spelling),
            std::cmp::Reverse(*n),
            *first,
        )
    });
    for (key, spelling, ..) in counts {
        if let Some(s) = by_key.get_mut(&key).filter(|s| s.speaker.is_empty()) {
            s.speaker = spelling;
        }
    }
    // The current annotations, claim by claim, in one pass.
    let mut stmt = conn.prepare(&format!(
        "SELECT a.claim_id, c.speaker, {PERSON}, {SUPERSEDED}, {RETRACTED}, a.reliability
         FROM annotations a JOIN claims c ON c.id = a.claim_id
         WHERE {standing} AND {NOT_AUDITORS} ORDER BY a.claim_id, a.id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut claim: Option<(i64, String)> = None;
    let mut group: Vec<Said<Option<Reliability>>> = Vec::new();
    let mut tally = |speaker: &str, group: &mut Vec<Said<Option<Reliability>>>| {
        if let Some(s) = by_key.get_mut(&crate::text::speaker_key(speaker)) {
            for grade in current(group.drain(..)).into_iter().filter_map(|a| a.what) {
                *s.reliability.entry(grade).or_insert(0) += 1;
            }
        }
        group.clear();
    };
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if claim.as_ref().is_some_and(|(c, _)| *c != id) {
            if let Some((_, speaker)) = claim.take() {
                tally(&speaker, &mut group);
            }
        }
        if claim.is_none() {
            claim = Some((id, r.get(1)?));
        }
        group.push(Said {
            signer: r.get(2)?,
            superseded: r.get(3)?,
            retracted: r.get(4)?,
            what: r.get(5)?,
        });
    }
    if let Some((_, speaker)) = claim {
        tally(&speaker, &mut group);
    }
    let mut out: Vec<SpeakerSummary> = by_key.into_values().collect();
    for s in &mut out {
        s.spellings.sort();
    }
    // The most quoted first; then in the order a reader looks a name up in,
    // case and typography set aside ("a spokesperson" among the A's, not
    // after "Z"), the spelling itself last so that the order is total.
    out.sort_by_cached_key(|s| {
        (
            std::cmp::Reverse(s.claims),
            crate::text::name_key(&s.speaker),
            s.speaker.clone(),
        )
    });
    Ok(out)
}

/// The item with number `n` of a table of `kind` (ids are `INTEGER
/// PRIMARY KEY`s from 1: a negative one, which only a damaged table holds,
/// reads as 0, an id no item has).
fn item(kind: IdKind, n: i64) -> ItemId {
    ItemId::new(kind, n.max(0) as u64)
}

/// The entries of the log, newest last, with a one-line summary each.
pub fn log_lines(conn: &Connection, limit: Option<u64>) -> Result<Vec<LogLine>> {
    collect(|each| for_each_log_line(conn, &LogFilter::default(), limit, each))
}

/// Which entries `log` lists: every condition given must hold, and the
/// default lists them all. An auditor's questions of the log itself:
/// what did this key sign, what changed the keys, what was appended since
/// the last checkpoint.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Entries of these kinds (of any kind when empty).
    pub kinds: Vec<Kind>,
    /// Entries signed by these keys (one person's: [`KeysOf`]).
    pub signer: Option<KeysOf>,
    /// Entries whose header time is in this period. The header's time is
    /// the signer's word: verify checks its form, not that it is true.
    pub period: Period,
    /// Only the entries that the latest checkpoint stored does not cover
    /// ([`Uncovered`]): what `status` counts as not covered.
    pub uncovered: bool,
    /// Only the entries from this seq on (`log --after FILE`: those after
    /// a kept checkpoint's tree).
    pub from: Seq,
}

impl LogFilter {
    fn is_everything(&self) -> bool {
        self.kinds.is_empty()
            && self.signer.is_none()
            && self.period.since.is_none()
            && self.period.until.is_none()
            && !self.uncovered
            && self.from == Seq(0)
    }

    /// Whether the signer and time conditions may hold of a payload, by
    /// what it ends with ([`Payload::signer_and_time`]): `false` only for
    /// one that ends with another signer or a time out of the period, so
    /// that the parse and [`LogFilter::holds`] are left for the few that
    /// may (`log --by admin` of a million entries read in 0.6 s, not 4.6).
    fn may_hold(&self, payload: &[u8]) -> bool {
        if self.signer.is_none() && self.period.since.is_none() && self.period.until.is_none() {
            return true;
        }
        match Payload::signer_and_time(payload) {
            Some((signer, time)) => self.meets(signer, time),
            None => true,
        }
    }

    /// The signer and time conditions, of a parsed line.
    fn holds(&self, l: &LogLine) -> bool {
        // An entry whose payload does not parse has no time, and lies in
        // no period (it passed `--until` as if signed before any date).
        let no_period = self.period.since.is_none() && self.period.until.is_none();
        let signer = l.signer.as_deref().unwrap_or_default();
        let time = l.time.as_deref().unwrap_or_default();
        (no_period || l.time.is_some()) && self.meets(signer.as_bytes(), time.as_bytes())
    }

    fn meets(&self, signer: &[u8], time: &[u8]) -> bool {
        let (since, until) = (&self.period.since, &self.period.until);
        self.signer
            .as_ref()
            .is_none_or(|k| k.0.iter().any(|f| signer == f.as_str().as_bytes()))
            && since.as_ref().is_none_or(|s| time >= s.as_bytes())
            && until.as_ref().is_none_or(|u| time <= u.as_bytes())
    }
}

/// [`log_lines`] one at a time, for printing a large log without holding
/// all of it (a million lines took 1.3 GB as one `Vec`): the entries that
/// `filter` lets through, or the last `limit` of them.
pub fn for_each_log_line(
    conn: &Connection,
    filter: &LogFilter,
    limit: Option<u64>,
    each: &mut dyn FnMut(LogLine) -> Result<()>,
) -> Result<()> {
    if filter.is_everything() {
        return each_of_last(conn, limit, each);
    }
    let uncovered = match filter.uncovered {
        true => Uncovered::after(latest_checkpoint(conn)?.as_ref()),
        false => Uncovered::default(),
    };
    let start = uncovered.from.max(filter.from.0).min(i64::MAX as u64) as i64;
    // Whether a row may be listed, before its payload is parsed.
    let wanted = |r: &Row<'_>, kind: Option<Kind>| -> Result<bool> {
        let seq: Seq = r.get(0)?;
        Ok(uncovered.holds(seq)
            && seq >= filter.from
            && (filter.kinds.is_empty() || kind.is_some_and(|k| filter.kinds.contains(&k)))
            && filter.may_hold(r.get_ref(2)?.as_blob().unwrap_or_default()))
    };
    let kind_of = |r: &Row<'_>| -> Result<Option<Kind>> {
        Ok(r.get_ref(1)?.as_str().ok().and_then(|k| k.parse().ok()))
    };
    if let Some(n) = limit {
        // The last `n` that pass: read from the end back, so that `log
        // --by rana -n 20` stops at the 20th, and numbered as `log --seq`
        // numbers one entry (the projection's id).
        let mut stmt = conn.prepare(
            "SELECT seq, kind, payload, hash FROM entries WHERE seq >= ? ORDER BY seq DESC",
        )?;
        let mut rows = stmt.query([start])?;
        let mut found = Vec::new();
        while found.len() as u64 != n {
            let Some(r) = rows.next()? else { break };
            if !wanted(r, kind_of(r)?)? {
                continue;
            }
            let seq: Seq = r.get(0)?;
            let line = log_line_of(conn, r, |k| number_of(conn, seq, k))?;
            if filter.holds(&line) {
                found.push(line);
            }
        }
        return found.into_iter().rev().try_for_each(each);
    }
    let mut stmt =
        conn.prepare("SELECT seq, kind, payload, hash FROM entries WHERE seq >= ? ORDER BY seq")?;
    let mut rows = stmt.query([start])?;
    let mut counters = match start {
        0 => [0; 3],
        s => last_ids_before(conn, s as u64)?,
    };
    while let Some(r) = rows.next()? {
        let kind = kind_of(r)?;
        if !wanted(r, kind)? {
            // Not parsed: numbered by the kind its row names, which in a
            // log that verifies is its payload's.
            if let Some(k) = kind.and_then(Kind::creates) {
                counters[k.index()] += 1;
            }
            continue;
        }
        let line = log_line_of(conn, r, |k| {
            let slot = &mut counters[k.index()];
            *slot += 1;
            Ok(*slot)
        })?;
        if filter.holds(&line) {
            each(line)?;
        }
    }
    Ok(())
}

/// Every entry, or the last `limit`.
fn each_of_last(
    conn: &Connection,
    limit: Option<u64>,
    each: &mut dyn FnMut(LogLine) -> Result<()>,
) -> Result<()> {
    // The last `limit` entries begin at the limit-th seq from the end: a
    // seek from the end of the table, not a count of all of it (`log -n
    // 20` of a million entries).
    let skip: i64 = match limit {
        None => 0,
        Some(0) => i64::MAX, // no line
        Some(l) => conn
            .query_row(
                "SELECT seq FROM entries ORDER BY seq DESC LIMIT 1 OFFSET ?",
                [l.saturating_sub(1).min(i64::MAX as u64) as i64],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0),
    };
    let mut stmt =
        conn.prepare("SELECT seq, kind, payload, hash FROM entries WHERE seq >= ? ORDER BY seq")?;
    let mut rows = stmt.query([skip])?;
    let mut counters = if skip == 0 {
        [0; 3]
    } else {
        last_ids_before(conn, skip.max(0) as u64)?
    };
    while let Some(r) = rows.next()? {
        each(log_line_of(conn, r, |k| {
            let slot = &mut counters[k.index()];
            *slot += 1;
            Ok(*slot)
        })?)?;
    }
    Ok(())
}

/// The log line of entry `seq` alone (`None` if there is none). The item
/// it creates is numbered by its projection table's row (which verify
/// checks), where [`log_lines`] counts the entries before it: the same
/// number in a log that verifies, without reading the entries before.
pub fn log_line(conn: &Connection, seq: Seq) -> Result<Option<LogLine>> {
    let seq = seq.0;
    let mut stmt =
        conn.prepare_cached("SELECT seq, kind, payload, hash FROM entries WHERE seq = ?")?;
    let mut rows = stmt.query([seq as i64])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let line = log_line_of(conn, r, |k| number_of(conn, Seq(seq), k))?;
    Ok(Some(line))
}

/// The number of the item of kind `k` that entry `seq` creates: its
/// projection row's id, or else one more than the items before it.
fn number_of(conn: &Connection, seq: Seq, k: IdKind) -> Result<u64> {
    let table = crate::log::table_of(k);
    let id: Option<i64> = conn
        .prepare_cached(&format!("SELECT id FROM {table} WHERE seq = ?"))?
        .query_row([seq.0 as i64], |r| r.get(0))
        .optional()?;
    match id {
        Some(n) => Ok(n as u64),
        None => Ok(ids_before(conn, seq.0)?[k.index()] + 1),
    }
}

/// A `SELECT seq, kind, payload, hash` row as a log line; `number` gives
/// the number of the item the entry creates.
fn log_line_of(
    conn: &Connection,
    r: &Row<'_>,
    mut number: impl FnMut(IdKind) -> Result<u64>,
) -> Result<LogLine> {
    let seq: Seq = r.get(0)?;
    // Read as a tampered row may hold them (a payload edited with SQL's
    // replace() is stored as text, a kind as a blob): the listing is how
    // a damaged log is read to find the entry verify names, and one such
    // row made `log` refuse every line ("Invalid column type Text").
    let bytes = |i: usize| -> Result<Vec<u8>> {
        Ok(match r.get_ref(i)? {
            rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => t.to_vec(),
            _ => Vec::new(),
        })
    };
    let kind = String::from_utf8_lossy(&bytes(1)?).into_owned();
    let payload = bytes(2)?;
    let hash: Hash = r.get(3).map_err(|_| {
        Error::Damaged(format!(
            "entry {seq}'s hash is not 32 bytes, so it cannot be listed: run `claimtrail verify`"
        ))
    })?;
    let mut key = None;
    let (id, target, time, signer, summary) = match Payload::parse(&payload) {
        Ok(p) => {
            let enrolled = |line: &str| {
                crate::keys::PublicKey::from_openssh(line)
                    .ok()
                    .map(|k| k.fingerprint().clone())
            };
            key = match &p.body {
                Body::LogInit(b) => enrolled(&b.key),
                Body::KeyAdd(b) => enrolled(&b.key),
                Body::KeyRevoke(b) => Some(b.fingerprint.clone()),
                _ => None,
            };
            let id = match p.body.creates() {
                Some(k) => Some(ItemId::new(k, number(k)?)),
                None => None,
            };
            let target = match &p.body {
                Body::ClaimRetract(b) => Some(b.claim.id),
                Body::SourceAmend(b) => Some(b.source.id),
                Body::SourceRedact(b) => Some(b.source.id),
                Body::AnnotationRetract(b) => Some(b.annotation.id),
                _ => None,
            };
            (
                id,
                target,
                Some(p.header.time.clone()),
                Some(p.header.signer.to_string()),
                match &p.body {
                    // The key by its name, as `key.add` names it (its
                    // fingerprint alone, cut short, named no one).
                    Body::KeyRevoke(b) => format!(
                        "{} revoked: {}",
                        key_name(conn, b.fingerprint.as_str())?,
                        crate::text::cut(&b.reason, 41)
                    ),
                    body => summarize(body),
                },
            )
        }
        Err(_) => {
            // Its number is spent all the same, by the kind its row names
            // (as verify and `log --seq` number the entries after it):
            // not counted, every later item was listed one lower.
            if let Some(k) = kind.parse::<Kind>().ok().and_then(Kind::creates) {
                number(k)?;
            }
            (
                None,
                None,
                None,
                None,
                "(unreadable payload: run `claimtrail verify`)".into(),
            )
        }
    };
    let signer_name = match &signer {
        Some(s) => Some(key_name(conn, s)?),
        None => None,
    };
    Ok(LogLine {
        seq,
        kind,
        id,
        target,
        time,
        signer_name,
        signer,
        hash,
        key,
        summary,
    })
}

/// The widest values of the columns a long listing shows, so that a table
/// printed as it is read (`log` of a million entries) sets its widths
/// before it has seen every row: the last seq, the last source, claim and
/// annotation numbers, and the key names (display width not counted here).
#[derive(Debug, Clone, Default)]
pub struct Extent {
    pub last_seq: Option<Seq>,
    /// The last source, claim and annotation, in that order.
    pub last_items: [Option<ItemId>; 3],
    pub key_names: Vec<String>,
}

pub fn extent(conn: &Connection) -> Result<Extent> {
    let last_seq: Option<i64> = conn.query_row("SELECT MAX(seq) FROM entries", [], |r| r.get(0))?;
    let mut last_items = [None; 3];
    for (slot, kind) in last_items.iter_mut().zip(IdKind::ALL) {
        let t = crate::log::table_of(kind);
        let n: Option<i64> =
            conn.query_row(&format!("SELECT MAX(id) FROM {t}"), [], |r| r.get(0))?;
        *slot = n.map(|n| item(kind, n));
    }
    let key_names = keys(conn)?.into_iter().map(|k| k.name).collect();
    Ok(Extent {
        last_seq: last_seq.map(|s| Seq(s.max(0) as u64)),
        last_items,
        key_names,
    })
}

/// The number of the last source, claim and annotation created before
/// entry `seq`, from their tables (an index seek each): in a log that
/// verifies, the counts [`ids_before`] makes.
fn last_ids_before(conn: &Connection, seq: u64) -> Result<[u64; 3]> {
    let mut out = [0u64; 3];
    for (i, t) in IdKind::ALL.map(crate::log::table_of).iter().enumerate() {
        let n: Option<i64> = conn
            .query_row(
                &format!("SELECT id FROM {t} WHERE seq < ? ORDER BY seq DESC LIMIT 1"),
                [seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        out[i] = n.unwrap_or(0).max(0) as u64;
    }
    Ok(out)
}

fn ids_before(conn: &Connection, seq: u64) -> Result<[u64; 3]> {
    let mut out = [0u64; 3];
    for (i, t) in ["sources", "claims", "annotations"].iter().enumerate() {
        let n: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM {t} WHERE seq < ?"),
            [seq as i64],
            |r| r.get(0),
        )?;
        out[i] = n as u64;
    }
    Ok(out)
}

fn summarize(body: &Body) -> String {
    // Its first `n` characters as a reader sees them, and `…`: cut by
    // code point, a family emoji became another emoji, an accented letter
    // a bare one.
    let cut = |s: &str, n: usize| crate::text::cut(s, n + 1);
    match body {
        Body::LogInit(b) => format!("log {} created; {} enrolled as admin", b.origin, b.name),
        Body::KeyAdd(b) => format!("{} enrolled as {}", b.name, b.role),
        Body::KeyRevoke(b) => format!("{} revoked: {}", b.fingerprint, cut(&b.reason, 40)),
        Body::SourceAdd(b) => format!(
            "{} {}",
            b.kind,
            cut(b.title.as_deref().unwrap_or("(untitled)"), 50)
        ),
        Body::SourceRedact(b) => format!("{} redacted: {}", b.source.id, cut(&b.reason, 40)),
        Body::SourceAmend(b) => {
            format!(
                "{} amended ({}): {}",
                b.source.id,
                b.summary(),
                cut(&b.reason, 40)
            )
        }
        Body::ClaimAdd(b) => format!(
            "{} via {} in {}",
            cut(&b.speaker, 30),
            b.provenance,
            b.source.id
        ),
        // With what replaced it, as `show` gives it (the log said only
        // that it was retracted).
        Body::ClaimRetract(b) => format!(
            "{} retracted{}: {}",
            b.claim.id,
            b.replaced_by
                .as_ref()
                .map(|r| format!(", replaced by {}", r.id))
                .unwrap_or_default(),
            cut(&b.reason, 40)
        ),
        Body::AnnotationRetract(b) => {
            format!("{} retracted: {}", b.annotation.id, cut(&b.reason, 40))
        }
        Body::CheckpointAdd(b) => format!(
            "checkpoint of {}, root {}",
            crate::text::count(b.size, "entry"),
            &b.root.to_hex()[..12]
        ),
        Body::AnnotationAdd(b) => {
            let mut s = format!("{} {}", b.claim.id, b.verdict);
            if !b.contradicts.is_empty() {
                let ids: Vec<String> = b.contradicts.iter().map(|r| r.id.to_string()).collect();
                s.push_str(&format!(", contradicts {}", ids.join(" ")));
            }
            if !b.corroborates.is_empty() {
                let ids: Vec<String> = b.corroborates.iter().map(|r| r.id.to_string()).collect();
                s.push_str(&format!(", corroborates {}", ids.join(" ")));
            }
            if let Some(r) = &b.supersedes {
                s.push_str(&format!(", supersedes {}", r.id));
            }
            s
        }
    }
}

/// The exact payload and signature bytes of entry `seq`.
pub fn entry_bytes(conn: &Connection, seq: u64) -> Result<(Vec<u8>, Vec<u8>)> {
    conn.query_row(
        "SELECT payload, sig FROM entries WHERE seq = ?",
        [seq as i64],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .map_or_else(
        || {
            // Where the log ends, as `prove` and `show C99` say it.
            let size: Option<i64> =
                conn.query_row("SELECT MAX(seq) + 1 FROM entries", [], |r| r.get(0))?;
            Err(Error::invalid(
                format!(
                    "there is no entry {seq}: the log has {}",
                    crate::text::count(size.unwrap_or(0).max(0) as u64, "entry")
                ),
                "see `claimtrail log` for the entries",
            ))
        },
        Ok,
    )
}

/// A checkpoint stored in the log.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointView {
    /// The `checkpoint.add` entry.
    pub seq: Seq,
    pub size: crate::merkle::TreeSize,
    pub root: Hash,
    pub note: String,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
}

impl CheckpointView {
    /// Whether it reaches past the end of a log of `entries` entries (its
    /// tree, or its own entry): the log was cut short or its file altered.
    /// `status` and `log --uncovered` say so.
    pub fn beyond(&self, entries: u64) -> bool {
        self.size.0 > entries || self.seq.0 >= entries
    }
}

pub fn checkpoints(conn: &Connection) -> Result<Vec<CheckpointView>> {
    checkpoints_where(conn, "ORDER BY seq")
}

/// The entries that a checkpoint (the latest, in `status` and `log
/// --uncovered`) does not cover: those from its tree size on, but for its
/// own entry, which only a later checkpoint can cover (counting it would
/// report one entry uncovered right after every `checkpoint`). Every
/// entry when there is no checkpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uncovered {
    /// The first entry not covered.
    pub from: u64,
    /// The checkpoint's own entry, left out.
    pub own: Option<Seq>,
}

impl Uncovered {
    pub fn after(checkpoint: Option<&CheckpointView>) -> Uncovered {
        match checkpoint {
            Some(c) => Uncovered {
                from: c.size.0,
                own: Some(c.seq),
            },
            None => Uncovered::default(),
        }
    }

    /// Whether entry `seq` is one of them.
    pub fn holds(&self, seq: Seq) -> bool {
        seq.0 >= self.from && self.own != Some(seq)
    }

    /// How many of a log of `entries` entries they are.
    pub fn count(&self, entries: u64) -> u64 {
        let own = self.own.is_some_and(|s| s.0 >= self.from && s.0 < entries);
        entries.saturating_sub(self.from) - u64::from(own)
    }
}

/// The checkpoint stored last, if any (one index seek).
pub fn latest_checkpoint(conn: &Connection) -> Result<Option<CheckpointView>> {
    Ok(checkpoints_where(conn, "ORDER BY seq DESC LIMIT 1")?.pop())
}

fn checkpoints_where(conn: &Connection, order: &str) -> Result<Vec<CheckpointView>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, size, root, note, signer, time FROM checkpoints {order}"
    ))?;
    let rows: Vec<CheckpointView> = stmt
        .query_map([], |r| {
            Ok(CheckpointView {
                seq: r.get(0)?,
                size: crate::merkle::TreeSize(r.get::<_, i64>(1)? as u64),
                root: r.get(2)?,
                note: r.get(3)?,
                signer: r.get(4)?,
                signer_name: String::new(),
                time: r.get(5)?,
            })
        })?
        .collect::<std::result::Result<_, _>>()?;
    rows.into_iter()
        .map(|mut c| {
            c.signer_name = key_name(conn, c.signer.as_str())?;
            Ok(c)
        })
        .collect()
}

/// Whether a signed checkpoint stored in the log covers entry `seq`: the
/// first one that does (from then on the entry has an inclusion proof that
/// the log's key vouches for), or else the latest one there is, if any.
/// Read from the `checkpoints` table: `verify` checks that table against
/// the entries.
///
/// In JSON one shape in both states, `{"covered": "since"|"not_yet",
/// "seq", "size", "latest"}`, with what does not apply `null`: a script
/// reads the same members whatever the entry's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Covered since the checkpoint stored at entry `seq`, of tree `size`.
    Since {
        seq: Seq,
        size: crate::merkle::TreeSize,
    },
    /// Not covered yet; the latest checkpoint (if any) came before it.
    NotYet {
        latest: Option<crate::merkle::TreeSize>,
    },
}

impl Serialize for Coverage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape {
            covered: &'static str,
            seq: Option<Seq>,
            size: Option<crate::merkle::TreeSize>,
            latest: Option<crate::merkle::TreeSize>,
        }
        match *self {
            Coverage::Since { seq, size } => Shape {
                covered: "since",
                seq: Some(seq),
                size: Some(size),
                latest: None,
            },
            Coverage::NotYet { latest } => Shape {
                covered: "not_yet",
                seq: None,
                size: None,
                latest,
            },
        }
        .serialize(s)
    }
}

pub fn coverage(conn: &Connection, seq: Seq) -> Result<Coverage> {
    let first: Option<(Seq, i64)> = conn
        .prepare_cached("SELECT seq, size FROM checkpoints WHERE size > ? ORDER BY size LIMIT 1")?
        .query_row([seq.0 as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((at, size)) = first {
        return Ok(Coverage::Since {
            seq: at,
            size: crate::merkle::TreeSize(size as u64),
        });
    }
    let latest: Option<i64> = conn
        .prepare_cached("SELECT max(size) FROM checkpoints")?
        .query_row([], |r| r.get(0))?;
    Ok(Coverage::NotYet {
        latest: latest.map(|s| crate::merkle::TreeSize(s as u64)),
    })
}

impl Coverage {
    /// The one line `show` prints for an item, `id` naming it.
    pub fn line(&self, id: ItemId) -> String {
        match self {
            Coverage::Since { seq, size } => format!(
                "in the checkpoint of tree size {size} (entry {seq}) and every later one; `claimtrail prove {id}` gives the proof"
            ),
            Coverage::NotYet { latest: Some(size) } => format!(
                "not in one yet (the latest, of tree size {size}, came before it); an admin's `claimtrail checkpoint` signs one"
            ),
            Coverage::NotYet { latest: None } => {
                "no checkpoint yet; an admin's `claimtrail checkpoint` signs one".to_string()
            }
        }
    }
}

/// The seq of the entry with this hash.
/// An item's table row names its entry by hash; no entry with that hash
/// means the tables and the entries disagree, which only an edit of the
/// file makes (verify says which).
pub fn seq_of_hash(conn: &Connection, hash: &Hash) -> Result<u64> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM entries WHERE hash = ?",
            [&hash.0[..]],
            |r| r.get(0),
        )
        .optional()?;
    seq.map(|s| s as u64).ok_or_else(|| {
        Error::Damaged(format!(
            "no entry of the log has the hash {hash} that the item's table row names"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (signer, verdict, superseded)
    impl Judgment for (&str, &str, bool) {
        fn signer(&self) -> &str {
            self.0
        }
        fn superseded(&self) -> bool {
            self.2
        }
    }

    fn verdicts(annotations: &[(&'static str, &'static str, bool)]) -> Vec<&'static str> {
        current(annotations.iter().copied())
            .into_iter()
            .map(|a| a.1)
            .collect()
    }

    /// The check that a claim is recorded once runs for every claim
    /// appended: it must find the claims of one place through the index,
    /// not read every claim of the source (an import of 20,000 claims of a
    /// source already holding 10,000 took 21.6 s so), nor every claim of the
    /// span (20,000 claims of one span by different speakers: 21 s).
    #[test]
    fn a_claim_is_looked_up_by_its_place() {
        let conn = Connection::open_in_memory().unwrap();
        for (sql, _) in crate::store::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {SAME_CLAIM}"))
            .unwrap()
            .query_map(
                rusqlite::params![1, 0, 1, "tweet", "X", None::<String>],
                |r| r.get::<_, String>(3),
            )
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|l| l.contains("claims_by_place_and_speaker")
                    && l.contains("source_id=? AND start=? AND end=? AND speaker=?")),
            "{plan:?}"
        );
    }

    #[test]
    fn each_analysts_latest_judgment_not_superseded_counts() {
        assert!(verdicts(&[]).is_empty());
        // One analyst, who changed their mind by superseding.
        assert_eq!(
            verdicts(&[("rana", "disputed", true), ("rana", "false", false)]),
            ["false"]
        );
        // ... or by annotating again: the latest is current.
        assert_eq!(
            verdicts(&[("rana", "disputed", false), ("rana", "false", false)]),
            ["false"]
        );
        // Two analysts who disagree are both kept, in annotation order of
        // their current judgments.
        assert_eq!(
            verdicts(&[
                ("rana", "disputed", false),
                ("omar", "confirmed", false),
                ("rana", "misleading", false),
            ]),
            ["confirmed", "misleading"]
        );
        // A superseded annotation never counts, even as the only one.
        assert!(verdicts(&[("rana", "disputed", true)]).is_empty());
    }
}
