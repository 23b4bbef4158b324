//! One item's view checked against the entry that signed it, for `show`:
//! the command a user reads before they sign a judgment of what it shows.
//!
//! The views ([`crate::query`]) are read from the projection tables, which
//! only `verify` checks. A row swapped between two claims made `show C1`
//! print C2's quote and speaker; the analyst annotated "C1", and the
//! annotation signed C1's real entry. With the rows swapped back, the log
//! verified, and the analyst's verdict stood on a claim they never saw.
//! So each view `show` prints is compared, field by field, with the body
//! of its entry, whose signature is checked against its signer's enrolled
//! key (itself checked as [`query::key_as_signed`] checks keys), and a
//! quote or a source text with the hash its entry signed.
//!
//! What this does not prove: that the entry is where the chain and the
//! tree put it, that the item's id is the one its place in the log gives
//! (an id is bound to its entry where another entry refers to it: a
//! reference signs the id and the hash together), or that the view lists
//! every annotation or claim there is (a row deleted from a table is
//! missing from the view). `verify` checks all of that, over every entry.

use crate::entry::Payload;
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::model::{Body, Fingerprint, ItemId, Ref, Seq};
use crate::query::{self, AnnotationView, ClaimView, Signed, SourceView};
use rusqlite::Connection;

/// Checks that every entry that changes an item's state (a retraction,
/// a redaction, a revocation, an amendment) has its row in the table the
/// views read that state from, and no row is of no such entry: a row
/// deleted by hand made `show` print a retracted claim as standing, and
/// the checks of each view, which read the rows that are there, cannot
/// see a row that is not. A few index reads, however long the log (the
/// append path's own check, `store::state_rows_complete`).
///
/// And each retraction's and redaction's row names the item its entry
/// acts on: a row moved to another item (C9's retraction edited to name
/// C8) left every entry with its row, and `show C9` printed the retracted
/// claim as standing, exit 0 (red team R, R1). One pass over those rows
/// and their entries (few, in a desk's log), not one per item shown.
/// A revocation's row is checked with the keys ([`query::keys_as_signed`]),
/// an amendment's where its source is shown.
pub fn state_rows(conn: &Connection) -> Result<()> {
    crate::store::state_rows_complete(conn)?;
    const TARGETS: &[(&str, &str, crate::model::IdKind)] = &[
        ("retractions", "claim_id", crate::model::IdKind::Claim),
        (
            "annotation_retractions",
            "annotation_id",
            crate::model::IdKind::Annotation,
        ),
        ("redactions", "source_id", crate::model::IdKind::Source),
    ];
    for &(table, column, kind) in TARGETS {
        let exists: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
            )?
            .query_row([table], |r| r.get(0))?;
        if !exists {
            continue;
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT t.seq, t.{column}, e.payload FROM {table} t JOIN entries e ON e.seq = t.seq"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (seq, n, payload): (i64, i64, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let named = ItemId {
                kind,
                n: n.max(0) as u64,
            };
            let acts_on = Payload::parse(&payload).ok().and_then(|p| match p.body {
                Body::ClaimRetract(b) => Some(b.claim.id),
                Body::AnnotationRetract(b) => Some(b.annotation.id),
                Body::SourceRedact(b) => Some(b.source.id),
                _ => None,
            });
            if acts_on != Some(named) {
                return Err(Error::Damaged(format!(
                    "the table {table} says entry {seq} acts on {named}, and {}",
                    match acts_on {
                        Some(id) => format!("it acts on {id}"),
                        None => "it is no such act".to_string(),
                    }
                )));
            }
        }
    }
    Ok(())
}

/// Checks a source's view against its `source.add` entry.
pub fn source(conn: &Connection, v: &SourceView) -> Result<()> {
    let p = entry(conn, v.id, &v.signed)?;
    let Body::SourceAdd(b) = &p.body else {
        return Err(not_its_kind(v.id, &v.signed));
    };
    // The metadata as its `source.add` signed it, overlaid by each
    // amendment the view lists, each checked against its own entry: the
    // result must be what the view shows.
    let mut signed = v.clone();
    signed.kind = b.kind;
    signed.title = b.title.clone();
    signed.publisher = b.publisher.clone();
    signed.author = b.author.clone();
    signed.url = b.url.clone();
    signed.published = b.published.clone();
    signed.amendments = Vec::new();
    for a in &v.amendments {
        let by = signed_as(a.seq, &a.signer, &a.signer_name, &a.time);
        let given = std::cell::RefCell::new(Vec::new());
        act_on(
            conn,
            v.id,
            "amendment",
            &by,
            &a.reason,
            Some(&v.signed),
            |body| match body {
                Body::SourceAmend(m) if m.source.id == v.id => {
                    *given.borrow_mut() = m.changes();
                    Some(&m.reason)
                }
                _ => None,
            },
        )?;
        signed.amend(given.into_inner(), a.clone());
    }
    let amended: Vec<_> = signed.amendments.iter().map(|a| &a.changes).collect();
    let shown: Vec<_> = v.amendments.iter().map(|a| &a.changes).collect();
    let mut d = Differences::new(v.id, &v.signed);
    d.check("kind", signed.kind == v.kind);
    d.check("title", signed.title == v.title);
    d.check("publisher", signed.publisher == v.publisher);
    d.check("author", signed.author == v.author);
    d.check("url", signed.url == v.url);
    d.check("published date", signed.published == v.published);
    d.check("amended fields", amended == shown);
    d.check("retrieved time", b.retrieved == v.retrieved);
    d.check("text hash", b.sha256 == v.sha256);
    d.check("length", b.length == v.length);
    d.check("media type", b.media_type == v.media_type);
    d.check(
        "derived-from sources",
        ids(&b.derived_from) == v.derived_from,
    );
    d.result()?;
    in_order(conn, v.id, v.signed.seq)?;
    if let Some(r) = &v.redaction {
        let by = signed_as(r.seq, &r.signer, &r.signer_name, &r.time);
        act_on(
            conn,
            v.id,
            "redaction",
            &by,
            &r.reason,
            None,
            |body| match body {
                Body::SourceRedact(b) if b.source.id == v.id => Some(&b.reason),
                _ => None,
            },
        )?;
    }
    Ok(())
}

/// Checks a source's stored text against the hash its `source.add` entry
/// signed: the text `show S<n> --text` prints.
pub fn source_text(conn: &Connection, v: &SourceView, text: &[u8]) -> Result<()> {
    source(conn, v)?;
    if Hash::sha256(text) != v.sha256 || text.len() as u64 != v.length {
        return Err(Error::Damaged(format!(
            "the stored text of {} is not the text its entry {} signed (SHA-256 {})",
            v.id, v.signed.seq, v.sha256
        )));
    }
    Ok(())
}

/// Checks a claim's view against its `claim.add` entry, and its quote,
/// where it is shown, against the quote's signed hash.
pub fn claim(conn: &Connection, v: &ClaimView) -> Result<()> {
    let p = entry(conn, v.id, &v.signed)?;
    let Body::ClaimAdd(b) = &p.body else {
        return Err(not_its_kind(v.id, &v.signed));
    };
    let mut d = Differences::new(v.id, &v.signed);
    d.check("source", b.source.id == v.source);
    d.check("span", b.start == v.start && b.end == v.end);
    d.check("quote hash", b.quote_sha256 == v.quote_sha256);
    d.check("speaker", b.speaker == v.speaker);
    d.check("provenance", b.provenance == v.provenance);
    d.check("paraphrase", b.text == v.paraphrase);
    d.check(
        "context",
        v.prefix.as_ref().is_none_or(|t| *t == b.prefix)
            && v.suffix.as_ref().is_none_or(|t| *t == b.suffix),
    );
    d.check(
        "quote",
        v.quote
            .as_ref()
            .is_none_or(|q| Hash::sha256(q.as_bytes()) == b.quote_sha256),
    );
    d.result()?;
    // No quote is shown only for a redacted source: a text altered under
    // its hash read as "the source was redacted". And the redaction is
    // checked against its entry: another source's redaction row moved to
    // this one made `show A<n>` print "(its source was redacted)" in place
    // of the quote (`show C<n>` refused, by its source's check).
    if v.quote.is_none() {
        let s = query::source(conn, v.source.n)?;
        if s.redaction.is_none() {
            return Err(Error::Damaged(format!(
                "{}'s quote is not in the stored text of {}, and no redaction removed that text",
                v.id, v.source
            )));
        }
        source(conn, &s)?;
    }
    in_order(conn, v.id, v.signed.seq)?;
    if let Some(r) = &v.retraction {
        let by = signed_as(r.seq, &r.signer, &r.signer_name, &r.time);
        act_on(
            conn,
            v.id,
            "retraction",
            &by,
            &r.reason,
            Some(&v.signed),
            |body| match body {
                Body::ClaimRetract(b)
                    if b.claim.id == v.id && b.replaced_by.map(|r| r.id) == r.replaced_by =>
                {
                    Some(&b.reason)
                }
                _ => None,
            },
        )?;
    }
    Ok(())
}

/// Checks an annotation's view against its `annotation.add` entry.
pub fn annotation(conn: &Connection, v: &AnnotationView) -> Result<()> {
    annotation_in(conn, v, &mut Checked::default())
}

/// What [`annotation_in`] has worked out already, for a caller that checks
/// many annotations (`show` of a claim or a source): each claim's
/// replacements, and the annotations that replace others, checked once.
/// Checked afresh for each one, `show C1` of 4,000 annotations by one
/// person, all replaced by the last, read all 4,000 for each (22.6 s;
/// red team Y, F2).
#[derive(Default)]
pub struct Checked {
    replacements: query::Replacements,
    replacing: std::collections::HashSet<u64>,
}

/// [`annotation`], with what `checked` holds already.
pub fn annotation_in(conn: &Connection, v: &AnnotationView, checked: &mut Checked) -> Result<()> {
    let p = entry(conn, v.id, &v.signed)?;
    let Body::AnnotationAdd(b) = &p.body else {
        return Err(not_its_kind(v.id, &v.signed));
    };
    let mut d = Differences::new(v.id, &v.signed);
    d.check("claim", b.claim.id == v.claim);
    d.check("verdict", b.verdict == v.verdict);
    d.check("reliability", b.reliability == v.reliability);
    d.check("credibility", b.credibility == v.credibility);
    d.check("note", b.note == v.note);
    d.check(
        "corroborated claims",
        ids(&b.corroborates) == v.corroborates,
    );
    d.check("contradicted claims", ids(&b.contradicts) == v.contradicts);
    d.check(
        "superseded annotation",
        b.supersedes.map(|r| r.id) == v.supersedes,
    );
    d.result()?;
    in_order(conn, v.id, v.signed.seq)?;
    if let Some(r) = &v.retraction {
        let by = signed_as(r.seq, &r.signer, &r.signer_name, &r.time);
        act_on(
            conn,
            v.id,
            "retraction",
            &by,
            &r.reason,
            Some(&v.signed),
            |body| match body {
                Body::AnnotationRetract(b) if b.annotation.id == v.id => Some(&b.reason),
                _ => None,
            },
        )?;
    }
    // The same person's later annotation of the claim that counts instead
    // ("not current: A12"): a row made up in the table named one that no
    // entry adds. It is checked as this one is, and must be of the same
    // claim, by the same person, later.
    if let Some(later) = v.replaced_by {
        let l =
            query::annotation_using(conn, later.n, &mut checked.replacements).map_err(|_| {
                Error::Damaged(format!(
                    "the tables say {later} replaces {}, and the log holds no {later}",
                    v.id
                ))
            })?;
        // Its view against its entry (and, in turn, what replaces it),
        // once.
        if !checked.replacing.contains(&later.n) {
            annotation_in(conn, &l, checked).map_err(|e| match e {
                Error::Damaged(why) => Error::Damaged(format!(
                    "the tables say {later} replaces {}, and of {later}: {why}",
                    v.id
                )),
                e => e,
            })?;
            checked.replacing.insert(later.n);
        }
        if l.claim != v.claim || l.signed.seq <= v.signed.seq {
            return Err(Error::Damaged(format!(
                "the tables say {later} replaces {}, and its entry {} is not a later annotation of {}",
                v.id, l.signed.seq, v.claim
            )));
        }
    }
    // The annotation said to replace it says so in its own entry.
    if let Some(later) = v.superseded_by {
        let l = query::annotation_using(conn, later.n, &mut checked.replacements)?;
        let (payload, _, _) = query::signed_entry(conn, l.signed.seq)?;
        let replaces = matches!(&payload.body, Body::AnnotationAdd(b)
            if b.supersedes.map(|r| r.id) == Some(v.id));
        if !replaces {
            return Err(Error::Damaged(format!(
                "the tables say {later} supersedes {}, and its entry {} does not",
                v.id, l.signed.seq
            )));
        }
    }
    Ok(())
}

/// Checks the checkpoint `show` says an item is in: the `checkpoint.add`
/// entry the row names, of the size the row gives, signed by a key the
/// log enrolled (a row edited made `show` name a checkpoint that is not
/// there).
pub fn coverage(conn: &Connection, c: &query::Coverage) -> Result<()> {
    let query::Coverage::Since { seq, size } = c else {
        return Ok(());
    };
    let (payload, bytes, sig) = query::signed_entry(conn, *seq)?;
    let keys = query::keys_as_signed(conn)?;
    let signer = keys.iter().find(|k| k.fingerprint == payload.header.signer);
    let ok = matches!(&payload.body, Body::CheckpointAdd(b) if b.size == size.0)
        && signer.is_some_and(|k| query::signed_by(&bytes, &sig, k).is_ok());
    if !ok {
        return Err(Error::Damaged(format!(
            "the tables name entry {seq} as the checkpoint of tree size {size}, and it is not one"
        )));
    }
    Ok(())
}

/// Checks, before a new entry is signed, each item its body refers to
/// that `unchecked` picks out: the item's rows against the entry that
/// added it, as `show` checks them (so the quote, speaker or verdict the
/// signer read is the one signed), the reference's hash against that
/// entry's own bytes, and for a claim, the source's stored text against
/// the hash its entry signed (the claim's span, quote hash and context are
/// taken from that text). An insider who edited a row or a source's text
/// for a moment got honest analysts to sign judgments of words no one
/// wrote: the judgment signed the true entry, and once the edit was undone
/// the log verified, with the verdict on a claim its signer never saw (or
/// verify blamed the signer's own entry for good, for a claim made from
/// altered text).
///
/// What this does not prove, as for `show`: that the rest of the log is
/// whole. The signer sees what was checked; `verify` checks every entry.
pub fn referred(
    conn: &Connection,
    body: &Body,
    unchecked: &mut dyn FnMut(ItemId) -> bool,
) -> Result<()> {
    for (_, r) in body.refs() {
        if !unchecked(r.id) {
            continue;
        }
        let seq = match r.id.kind {
            crate::model::IdKind::Source => {
                let v = query::source(conn, r.id.n)?;
                // The text (up to 16 MiB) is read only for a new claim,
                // which is taken from it.
                let text = match body {
                    Body::ClaimAdd(_) => query::source_text(conn, r.id.n)?,
                    _ => None,
                };
                match text {
                    Some(text) => source_text(conn, &v, &text)?,
                    None => source(conn, &v)?,
                }
                v.signed.seq
            }
            crate::model::IdKind::Claim => {
                let v = query::claim(conn, r.id.n)?;
                claim(conn, &v)?;
                v.signed.seq
            }
            crate::model::IdKind::Annotation => {
                let v = query::annotation(conn, r.id.n)?;
                annotation(conn, &v)?;
                v.signed.seq
            }
        };
        // The entry's signature was checked above; its bytes alone give
        // the hash the reference signs.
        let (bytes, sig) = query::entry_bytes(conn, seq.0)?;
        if crate::entry::entry_hash(&bytes, &sig) != r.hash {
            return Err(Error::Damaged(format!(
                "the entries table gives {}'s entry {seq} a hash that is not the hash of its bytes",
                r.id
            )));
        }
    }
    Ok(())
}

/// A [`Signed`] for an act on an item (a retraction, a redaction), as its
/// row gives it.
fn signed_as(seq: Seq, signer: &Fingerprint, name: &str, time: &str) -> Signed {
    Signed {
        seq,
        signer: signer.clone(),
        signer_name: name.to_string(),
        time: time.to_string(),
        signer_revoked_at: None,
        signer_role: None,
    }
}

/// Checks an act on `id` (its retraction, its redaction) that a table row
/// names, by `by` with the reason `reason`: its entry is checked as an
/// item's entry is ([`entry`]), `reason_of` gives the reason its body
/// signs when it is that act on `id`, and its signer must have been able
/// to make it ([`allowed`]; `owner`, the item's own signer, for a
/// retraction).
fn act_on(
    conn: &Connection,
    id: ItemId,
    what: &str,
    by: &Signed,
    reason: &str,
    owner: Option<&Signed>,
    reason_of: impl Fn(&Body) -> Option<&String>,
) -> Result<()> {
    let named = |e: Error| match e {
        Error::Damaged(why) => Error::Damaged(format!("{id}'s {what}: {why}")),
        e => e,
    };
    let read = query::signed_entry(conn, by.seq).map_err(named)?;
    // Whether it is that act at all comes first: a row naming another
    // entry is said to, whatever else differs (its time, its signer).
    acts_on(id, what, by, reason_of(&read.0.body), reason)?;
    signed_as_said(conn, id, by, &read).map_err(named)?;
    allowed(conn, id, what, by, owner)
}

/// Whether the act's entry is that act on `id` with the reason the row
/// gives (`reason` is `None` when the entry is another act, or is on
/// another item).
fn acts_on(id: ItemId, what: &str, by: &Signed, reason: Option<&String>, row: &str) -> Result<()> {
    match reason {
        Some(r) if r == row => Ok(()),
        Some(_) => Err(Error::Damaged(format!(
            "the tables give {id}'s {what} another reason than its signed entry {} does",
            by.seq
        ))),
        None => Err(Error::Damaged(format!(
            "the tables say entry {} is {id}'s {what}, and it is not",
            by.seq
        ))),
    }
}

/// Whether the act's signer could sign it (FORMAT §4): a live admin, or for
/// a retraction or an amendment the item's own signer (a rotated key of the same name and
/// role included). An entry signed without the right is no act: verify
/// finds it, and the views must not show it as one.
fn allowed(
    conn: &Connection,
    id: ItemId,
    what: &str,
    by: &Signed,
    owner: Option<&Signed>,
) -> Result<()> {
    let keys = query::keys_as_signed(conn)?;
    let key = |fp: &Fingerprint| keys.iter().find(|k| k.fingerprint == *fp);
    let Some(k) = key(&by.signer) else {
        return Err(Error::Damaged(format!(
            "{id}'s {what} at entry {} was signed by a key the log never enrolled",
            by.seq
        )));
    };
    let own = owner
        .and_then(|o| key(&o.signer))
        .is_some_and(|o| o.name == k.name && o.role == k.role);
    let live = k.enrolled_seq < by.seq && k.revoked_seq.is_none_or(|r| r > by.seq);
    if live && (k.role == crate::model::Role::Admin || own) {
        return Ok(());
    }
    Err(Error::Damaged(format!(
        "{id}'s {what} at entry {} was signed by {}, whose key could not sign it then",
        by.seq,
        crate::text::escape(&k.name)
    )))
}

/// Items are numbered in log order: the row of `id` sits, by its entry's
/// seq, between the rows of the items numbered next to it. Rows swapped
/// whole between two items (each one consistent with its entry) put each
/// under the other's number, out of order with its neighbours. Only the
/// two neighbours are read (two probes of the primary key): the highest
/// seq below and the lowest above cost a scan of the seq index, 3–10 ms
/// on a million-entry log, in every command that signs.
fn in_order(conn: &Connection, id: ItemId, seq: Seq) -> Result<()> {
    let table = crate::log::table_of(id.kind);
    let (before, after): (Option<i64>, Option<i64>) = conn
        .prepare_cached(&format!(
            "SELECT (SELECT seq FROM {table} WHERE id < ?1 ORDER BY id DESC LIMIT 1), (SELECT seq FROM {table} WHERE id > ?1 ORDER BY id LIMIT 1)"
        ))?
        .query_row([id.n as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let s = seq.0 as i64;
    if before.is_some_and(|b| b >= s) || after.is_some_and(|a| a <= s) {
        return Err(Error::Damaged(format!(
            "the tables number the item of entry {seq} {id}, out of log order with the items numbered next to it"
        )));
    }
    Ok(())
}

/// The entry the view names, its signature checked against its signer's
/// checked key, and the view's signer, name and time against it.
fn entry(conn: &Connection, id: ItemId, s: &Signed) -> Result<Payload> {
    let read = query::signed_entry(conn, s.seq)?;
    signed_as_said(conn, id, s, &read)?;
    Ok(read.0)
}

/// Whether an entry read ([`query::signed_entry`]) has the signer, name
/// and time `s` gives, and a signature that verifies under that signer's
/// checked key.
fn signed_as_said(
    conn: &Connection,
    id: ItemId,
    s: &Signed,
    (payload, bytes, sig): &(Payload, Vec<u8>, Vec<u8>),
) -> Result<()> {
    let h = &payload.header;
    let keys = query::keys_as_signed(conn)?;
    let signer = keys.iter().find(|k| k.fingerprint == h.signer);
    let mut d = Differences::new(id, s);
    d.check("signer", h.signer == s.signer);
    d.check("time", h.time == s.time);
    d.check(
        "signer's name",
        signer.is_some_and(|k| k.name == s.signer_name),
    );
    d.result()?;
    let signer = signer.ok_or_else(|| {
        Error::Damaged(format!(
            "{id}'s entry {} was signed by {}, a key the log never enrolled",
            s.seq, h.signer
        ))
    })?;
    query::signed_by(bytes, sig, signer)
        .map_err(|e| Error::Damaged(format!("{id}'s entry {}: its signature {e}", s.seq)))
}

fn not_its_kind(id: ItemId, s: &Signed) -> Error {
    Error::Damaged(format!(
        "{id}'s table row names entry {}, which does not add {id}",
        s.seq
    ))
}

/// The ids of references in id order, as the views list them.
fn ids(refs: &[Ref]) -> Vec<ItemId> {
    let mut ids: Vec<ItemId> = refs.iter().map(|r| r.id).collect();
    ids.sort();
    ids
}

/// The fields where a view and its entry differ, named in one error.
struct Differences {
    id: ItemId,
    seq: Seq,
    fields: Vec<&'static str>,
}

impl Differences {
    fn new(id: ItemId, s: &Signed) -> Self {
        Differences {
            id,
            seq: s.seq,
            fields: Vec::new(),
        }
    }

    fn check(&mut self, field: &'static str, same: bool) {
        if !same {
            self.fields.push(field);
        }
    }

    fn result(self) -> Result<()> {
        if self.fields.is_empty() {
            return Ok(());
        }
        Err(Error::Damaged(format!(
            "the tables' {} differs from its signed entry {} in its {}",
            self.id,
            self.seq,
            self.fields.join(", ")
        )))
    }
}
