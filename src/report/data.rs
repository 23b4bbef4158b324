//! Gathering what a report shows: the selected sources, claims and
//! annotations (from the read-side views of [`crate::query`]), the exact
//! signed entries behind them, the verdict of a full [`crate::verify`] run,
//! and the checkpoint the report is anchored to. Every format renders this
//! one value, so they all show the same thing.

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys;
use crate::model::{Fingerprint, IdKind, ItemId, Seq, Verdict};
use crate::query::{self, AnnotationView, ClaimView, KeyView, SourceView, SpeakerGrade};
use crate::store::Store;
use crate::verify::{self, Problem};
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The signed checkpoint a report is anchored to (C2SP tlog-checkpoint).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// Tree size: the checkpoint commits to entries `0..size`.
    pub size: crate::merkle::TreeSize,
    /// The RFC 6962 root hash at that size (lowercase hex in JSON).
    pub root: Hash,
    /// The signed note, exactly as stored.
    pub note: String,
}

/// What verify said about the whole log when the report was made.
#[derive(Clone, Debug, Serialize)]
pub struct VerifySummary {
    pub ok: bool,
    /// Entries in the log.
    pub entries: u64,
    /// Hash of the last entry (lowercase hex).
    pub head: Option<String>,
    /// The checks that were run.
    pub checks: Vec<&'static str>,
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed.
    pub more_problems: u64,
}

impl VerifySummary {
    /// Number of problems found in total.
    pub fn problem_count(&self) -> u64 {
        self.problems.len() as u64 + self.more_problems
    }
}

/// Which items were asked for.
#[derive(Clone, Debug, Serialize)]
pub struct Scope {
    /// The ids given on the command line (empty: everything).
    pub requested: Vec<String>,
    /// True when the report covers the whole log.
    pub complete: bool,
}

/// One signed entry of the log, as an independent checker needs it.
///
/// A whole-log report holds one for every entry, so it keeps the bytes
/// and writes the forms made from them (the parsed `content`, the armored
/// `signature`, the proof's hex) only as it is serialised: held, they took
/// about 2.5 KB an entry more (a report of 201,313 entries peaked at
/// 1.7 GB).
#[derive(Clone, Debug)]
pub struct EntryRecord {
    pub seq: Seq,
    /// As [`query::LogLine`]: read, not verified, so a damaged entry can
    /// be shown.
    pub kind: String,
    /// The friendly id the entry creates (`S1`, `C3`, `A2`), if any.
    pub id: Option<ItemId>,
    pub time: String,
    pub signer: String,
    pub signer_name: String,
    /// Entry hash `SHA-256(0x00 || leaf)`, lowercase hex.
    pub hash: Hash,
    /// `prev` of the payload (the previous entry's hash).
    pub prev: Option<String>,
    /// The exact signed payload bytes as text (canonical JSON, UTF-8);
    /// `None` when the stored bytes are not UTF-8 (see `payload_base64`).
    pub payload: Option<String>,
    /// The payload bytes in base64, only when they are not UTF-8.
    pub payload_base64: Option<String>,
    /// The SSHSIG signature blob; written armored, as `ssh-keygen -Y
    /// verify` reads it ([`keys::armor`]).
    pub signature: Vec<u8>,
    /// RFC 6962 inclusion proof of this entry in [`Report::checkpoint`]
    /// (node hashes, leaf to root; written in hex), when the report is
    /// anchored.
    pub inclusion_proof: Option<Vec<Hash>>,
}

impl EntryRecord {
    /// The payload parsed as JSON (`None` when it does not parse or is not
    /// UTF-8): the record's `content` member.
    pub fn content(&self) -> Option<serde_json::Value> {
        self.payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
    }
}

impl Serialize for EntryRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("EntryRecord", 13)?;
        m.serialize_field("seq", &self.seq)?;
        m.serialize_field("kind", &self.kind)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("time", &self.time)?;
        m.serialize_field("signer", &self.signer)?;
        m.serialize_field("signer_name", &self.signer_name)?;
        m.serialize_field("hash", &self.hash)?;
        m.serialize_field("prev", &self.prev)?;
        m.serialize_field("payload", &self.payload)?;
        match &self.payload_base64 {
            Some(b64) => m.serialize_field("payload_base64", b64)?,
            None => m.skip_field("payload_base64")?,
        }
        m.serialize_field("content", &self.content())?;
        m.serialize_field("signature", &keys::armor(&self.signature))?;
        m.serialize_field("inclusion_proof", &self.inclusion_proof)?;
        m.end()
    }
}

/// A "corroborates" or "contradicts" link made by an annotation.
#[derive(Clone, Debug, Serialize)]
pub struct Relation {
    pub annotation: ItemId,
    /// The annotated claim.
    pub claim: ItemId,
    /// `corroborates` or `contradicts`.
    pub relation: &'static str,
    /// The claim it corroborates or contradicts.
    pub other: ItemId,
    pub verdict: Verdict,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
    /// The annotation's entry, which the readable reports compare with its
    /// signer's revocation (not in the JSON report, whose annotations
    /// carry it).
    #[serde(skip)]
    pub seq: Seq,
    /// True when a later annotation by the same analyst replaced this one,
    /// superseding it or not, or when it was retracted (it is no longer
    /// their current judgment).
    pub superseded: bool,
    /// True when an `annotation.retract` withdrew the annotation: the link
    /// is not live.
    pub retracted: bool,
    /// The same person's later annotation of the claim, which counts
    /// instead of this one though it does not supersede it.
    pub replaced_by: Option<ItemId>,
    /// The annotated claim, or the other, when it was retracted: the link
    /// is history, not a live corroboration or contradiction (`None` when
    /// neither of the report's claims was, or the other is not in it).
    pub claim_retracted: Option<ItemId>,
}

impl Relation {
    /// How a readable report marks a link that is not live: " (retracted)"
    /// where the annotation was withdrawn (it was shown "superseded", which
    /// names a later judgment that may not exist), " (C2 retracted)" where
    /// a claim of the link was, " (not current: A7)" where the same
    /// person's later annotation counts instead, " (superseded)" where a
    /// later one supersedes it, nothing otherwise.
    /// Whether the link stands: its annotation is its analyst's current
    /// judgment, not withdrawn, and neither claim was retracted. The
    /// readable reports list the links that stand apart from the others,
    /// so that a reader scanning the relation and verdict columns does not
    /// take a withdrawn judgment for a standing one.
    pub fn stands(&self) -> bool {
        !self.retracted
            && self.claim_retracted.is_none()
            && self.replaced_by.is_none()
            && !self.superseded
    }

    /// What the readable reports say above the links that no longer
    /// stand.
    pub const PAST: &'static str = "Their annotation was retracted, or replaced by its analyst's later one, or a claim of the link was retracted: history, not the desk's judgment now.";

    pub fn state(&self) -> String {
        if self.retracted {
            " (retracted)".into()
        } else if let Some(c) = self.claim_retracted {
            format!(" ({c} retracted)")
        } else if let Some(l) = self.replaced_by {
            format!(" (not current: {l})")
        } else if self.superseded {
            " (superseded)".into()
        } else {
            String::new()
        }
    }
}

/// The links that stand, then those that no longer do ([`Relation::stands`]),
/// as the readable reports list them apart.
pub fn relations_apart(relations: &[Relation]) -> (Vec<&Relation>, Vec<&Relation>) {
    relations.iter().partition(|rel| rel.stands())
}

/// Everything a report shows. Built by [`gather`]; rendered by the formats.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub origin: String,
    /// When the report was made (RFC 3339 UTC; `CLAIMTRAIL_NOW` overrides).
    pub generated: String,
    /// The signed time of the log's last entry (the head), when it can be
    /// read: when the log last changed, which ClaimReview's
    /// `Dataset.dateModified` says (it said when the report was made).
    #[serde(skip)]
    pub head_time: Option<String>,
    pub verify: VerifySummary,
    /// The checkpoint the report is anchored to; `None`: no checkpoint yet.
    pub checkpoint: Option<CheckpointInfo>,
    pub scope: Scope,
    /// Every enrolled key (signers of the entries below).
    pub keys: Vec<KeyView>,
    pub sources: Vec<SourceView>,
    pub claims: Vec<ClaimView>,
    pub annotations: Vec<AnnotationView>,
    pub relations: Vec<Relation>,
    /// Each reported claim's current verdicts, each once (`list claims`'
    /// rule: every analyst's latest judgment that nothing supersedes),
    /// from the annotations the report shows; empty when none. A program
    /// reading the JSON had to apply that rule itself.
    pub verdicts: BTreeMap<ItemId, Vec<crate::model::Verdict>>,
    /// Of each claim's `verdicts`, those that only an auditor's audit note
    /// gives (`list claims --json`'s `auditor_verdicts`): a claim only an
    /// auditor judged read, in the JSON report, as judged by the desk.
    /// Claims with none are left out (`{}` when no claim has any).
    pub auditor_verdicts: BTreeMap<ItemId, Vec<crate::model::Verdict>>,
    /// For each speaker of a reported claim: every reliability grade the
    /// speaker received, across all claims of the log.
    pub speaker_reliability: BTreeMap<String, Vec<SpeakerGrade>>,
    /// For each claim whose source text is available: its span in Unicode
    /// code points `[start, end)` (claimtrail's spans count UTF-8 bytes;
    /// W3C TextPositionSelector counts characters).
    pub char_spans: BTreeMap<ItemId, [u64; 2]>,
    /// For each claim whose source text is available: the context that
    /// makes its quote's `TextQuoteSelector` select it and no other copy
    /// of the same words ([`unique_context`]); none when no context up to
    /// [`MAX_QUOTE_CONTEXT`] characters does. Web Annotation only: the
    /// other formats show the signed context.
    #[serde(skip)]
    pub quote_contexts: BTreeMap<ItemId, QuoteContext>,
    /// The signed entries behind the reported items (and every key entry).
    pub entries: Vec<EntryRecord>,
    /// Annotations that are no longer their analyst's current judgment,
    /// though nothing supersedes them: the later annotation of the same
    /// claim by the same person that replaced each (what `show` says as
    /// "not current"). The readable formats mark them; the JSON keeps its
    /// documented fields (`relations[].superseded` says it there).
    #[serde(skip)]
    pub later: BTreeMap<ItemId, ItemId>,
    /// Where each claim's annotations and each source's claims are, built
    /// on first use: the formats ask per item, and a scan of every
    /// annotation per claim made a whole-log report quadratic (200 s for
    /// 99,000 claims and as many annotations, red team). Left empty
    /// (`Default`) by whoever builds a `Report` with other items.
    #[serde(skip)]
    pub index: std::sync::OnceLock<ItemIndex>,
}

/// The `index` of a [`Report`]: positions in its vectors.
#[derive(Clone, Debug, Default)]
pub struct ItemIndex {
    annotations_by_claim: std::collections::HashMap<ItemId, Vec<usize>>,
    claims_by_source: std::collections::HashMap<ItemId, Vec<usize>>,
    retracted_claims: std::collections::HashSet<ItemId>,
}

/// Gathers a report of `ids` (empty: the whole log), anchored to
/// `checkpoint` when given, with `inclusion_proof(seq)` giving each
/// entry's proof in that checkpoint. Runs verify over the whole log,
/// telling `progress` (entries done, entries in all) as it goes.
pub fn gather(
    store: &Store,
    ids: &[ItemId],
    checkpoint: Option<CheckpointInfo>,
    inclusion_proof: &dyn Fn(Seq) -> Result<Option<Vec<Hash>>>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let conn = store.conn();
    // One read snapshot for verify and for everything the report shows:
    // read after verify in a snapshot of its own, a row another process
    // changed meanwhile would be shown under verify's "passed".
    let _snapshot = crate::store::snapshot(conn)?;
    for id in ids {
        query::require(conn, *id)?;
    }
    let v = verify::verify_with_progress(store, &[], progress)?;
    let origin = store
        .origin()
        .ok()
        .or_else(|| v.origin.clone())
        .unwrap_or_default();

    // A log that fails verify is reported even when its tables can no
    // longer be read as the report reads them (a column of another type
    // written into the file): verify's problems, and that the items are
    // not shown, instead of an error and no report.
    let mut problems = v.problems;
    let items = match items(store, ids, v.ok, inclusion_proof) {
        Ok(items) => items,
        Err(e) if !v.ok => {
            problems.push(Problem {
                seq: None,
                kind: None,
                id: None,
                checkpoint: None,
                check: crate::rules::Check::Projection,
                detail: format!(
                    "the report cannot read the items it would show from the log's tables ({e}), so it shows verify's problems only"
                ),
            });
            Items::default()
        }
        Err(e) => return Err(e),
    };

    // When the log last changed: its last entry's signed time (read as
    // `log` reads it, so a damaged last entry gives none).
    let head_time = match v.entries.checked_sub(1) {
        Some(last) => query::log_line(conn, Seq(last))
            .ok()
            .flatten()
            .and_then(|l| l.time),
        None => None,
    };

    Ok(Report {
        origin,
        generated: crate::clock::now(),
        head_time,
        verify: VerifySummary {
            ok: v.ok,
            entries: v.entries,
            head: v.head.map(|h| h.to_hex()),
            checks: v.checks,
            problems,
            more_problems: v.more_problems,
        },
        checkpoint,
        scope: Scope {
            requested: ids.iter().map(|i| i.to_string()).collect(),
            complete: ids.is_empty(),
        },
        keys: items.keys,
        sources: items.sources,
        claims: items.claims,
        annotations: items.annotations,
        relations: items.relations,
        verdicts: items.verdicts,
        auditor_verdicts: items.auditor_verdicts,
        later: items.later,
        speaker_reliability: items.speaker_reliability,
        char_spans: items.char_spans,
        quote_contexts: items.quote_contexts,
        entries: items.entries,
        index: Default::default(),
    })
}

/// What a report shows of the log, read from its tables.
#[derive(Default)]
struct Items {
    keys: Vec<KeyView>,
    sources: Vec<SourceView>,
    claims: Vec<ClaimView>,
    annotations: Vec<AnnotationView>,
    relations: Vec<Relation>,
    verdicts: BTreeMap<ItemId, Vec<crate::model::Verdict>>,
    auditor_verdicts: BTreeMap<ItemId, Vec<crate::model::Verdict>>,
    later: BTreeMap<ItemId, ItemId>,
    speaker_reliability: BTreeMap<String, Vec<SpeakerGrade>>,
    char_spans: BTreeMap<ItemId, [u64; 2]>,
    quote_contexts: BTreeMap<ItemId, QuoteContext>,
    entries: Vec<EntryRecord>,
}

/// Reads the items a report of `ids` shows (all for none), with the
/// entries behind them; `verified`: whether verify passed, without which a
/// proof the damaged tree cannot give is left out.
fn items(
    store: &Store,
    ids: &[ItemId],
    verified: bool,
    inclusion_proof: &dyn Fn(Seq) -> Result<Option<Vec<Hash>>>,
) -> Result<Items> {
    let conn = store.conn();
    let (sources, claims, annotations) = if ids.is_empty() {
        (
            query::sources(conn)?,
            query::claims(conn, None)?,
            query::annotations(conn, None)?,
        )
    } else {
        let sel = select(conn, ids)?;
        query::items_with_ids(conn, &sel.sources, &sel.claims, &sel.annotations)?
    };

    // Current: each analyst's latest judgment of a claim that nothing
    // supersedes (`query::current`, as `show` and the verdicts say). A
    // relation of an annotation that a later one by the same person
    // replaced without --supersedes was reported as live.
    let mut by_claim: BTreeMap<ItemId, Vec<&AnnotationView>> = BTreeMap::new();
    for a in &annotations {
        by_claim.entry(a.claim).or_default().push(a);
    }
    let mut current = std::collections::HashSet::new();
    let mut later = BTreeMap::new();
    let mut verdicts: BTreeMap<ItemId, Vec<crate::model::Verdict>> =
        claims.iter().map(|c| (c.id, Vec::new())).collect();
    let mut auditor_verdicts = BTreeMap::new();
    let retracted_claims: BTreeSet<ItemId> = claims
        .iter()
        .filter(|c| c.retraction.is_some())
        .map(|c| c.id)
        .collect();
    for (claim, anns) in by_claim {
        let now = query::current(anns.iter().copied());
        // A retracted claim has no verdict (as `show` and the lists say).
        if let Some(v) = verdicts
            .get_mut(&claim)
            .filter(|_| !retracted_claims.contains(&claim))
        {
            let (all, auditors_only) = query::verdicts_marked_among(now.iter().copied());
            *v = all;
            if !auditors_only.is_empty() {
                auditor_verdicts.insert(claim, auditors_only);
            }
        }
        current.extend(now.iter().map(|a| a.id));
        later.extend(query::replaced(&anns, &now));
    }
    let mut relations = Vec::new();
    for a in &annotations {
        for (relation, others) in [
            ("corroborates", &a.corroborates),
            ("contradicts", &a.contradicts),
        ] {
            for other in others {
                relations.push(Relation {
                    annotation: a.id,
                    claim: a.claim,
                    relation,
                    other: *other,
                    verdict: a.verdict,
                    signer: a.signed.signer.clone(),
                    signer_name: a.signed.signer_name.clone(),
                    time: a.signed.time.clone(),
                    seq: a.signed.seq,
                    superseded: !current.contains(&a.id),
                    retracted: a.retraction.is_some(),
                    replaced_by: later.get(&a.id).copied(),
                    claim_retracted: [a.claim, *other]
                        .into_iter()
                        .find(|c| retracted_claims.contains(c)),
                });
            }
        }
    }

    let mut speaker_reliability = BTreeMap::new();
    let speakers = query::Speakers::load(conn)?;
    for c in &claims {
        if !speaker_reliability.contains_key(&c.speaker) {
            let grades = speakers.history(conn, &c.speaker)?;
            speaker_reliability.insert(c.speaker.clone(), grades);
        }
    }

    let mut char_spans = BTreeMap::new();
    let mut quote_contexts = BTreeMap::new();
    for s in &sources {
        if s.redaction.is_some() {
            continue;
        }
        let Some(text) = query::source_text(conn, s.id.n)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        let mut spans = Vec::new();
        for c in claims.iter().filter(|c| c.source == s.id) {
            if let Some(span) = char_span(&text, c.start, c.end) {
                char_spans.insert(c.id, span);
            }
            spans.push((c.id, c.start, c.end));
        }
        quote_contexts.extend(unique_contexts(&text, &spans));
    }

    let mut wanted: BTreeSet<Seq> = BTreeSet::new();
    for s in &sources {
        wanted.insert(s.signed.seq);
        if let Some(r) = &s.redaction {
            wanted.insert(r.seq);
        }
        // The entries behind the metadata shown, which its amendments set:
        // without them a reader checking the report offline could verify
        // the source's first title and address, not the ones it shows.
        wanted.extend(s.amendments.iter().map(|a| a.seq));
    }
    wanted.extend(claims.iter().map(|c| c.signed.seq));
    wanted.extend(
        claims
            .iter()
            .filter_map(|c| c.retraction.as_ref())
            .map(|r| r.seq),
    );
    wanted.extend(annotations.iter().map(|a| a.signed.seq));
    wanted.extend(
        annotations
            .iter()
            .filter_map(|a| a.retraction.as_ref())
            .map(|r| r.seq),
    );
    // A log that fails verify is still reported, its failure first; a
    // proof that its damaged tree cannot give is left out (the entry shows
    // no proof) instead of stopping the report.
    let proof_or_none = |seq: Seq| match inclusion_proof(seq) {
        Err(_) if !verified => Ok(None),
        proof => proof,
    };
    let entries = entries(store, ids.is_empty(), &wanted, &proof_or_none)?;

    Ok(Items {
        keys: query::keys(conn)?,
        sources,
        claims,
        annotations,
        relations,
        verdicts,
        auditor_verdicts,
        later,
        speaker_reliability,
        char_spans,
        quote_contexts,
        entries,
    })
}

/// The context a `TextQuoteSelector` gives its quote: as many characters
/// before and after it, up to [`MAX_QUOTE_CONTEXT`] on each side, as make
/// `prefix + exact + suffix` occur once in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteContext {
    pub prefix: String,
    pub suffix: String,
}

/// The most characters of context a `TextQuoteSelector` is given on each
/// side of its quote (it starts from the signed 32 and doubles).
pub const MAX_QUOTE_CONTEXT: usize = 1024;

/// The context that tells the quote at bytes `start..end` of `text` from
/// every other place the same words occur (W3C Web Annotation §4.2.4:
/// prefix and suffix are there "to distinguish between multiple copies"
/// of the text): the signed 32 characters on each side when those make
/// `prefix + exact + suffix` occur once in `text`, else twice as many,
/// and so on up to [`MAX_QUOTE_CONTEXT`] (or the whole text on a side).
/// `None` when no such context is unique (the same passage repeated at
/// more than that length) or the span is not on character boundaries:
/// the selector would then land a client on another copy than the one
/// claimed (`--occurrence 2` of three repeated paragraphs was anchored
/// on the first), and the Web Annotation report gives the position alone.
/// Occurrences are counted overlapping (`aa` occurs twice in `aaa`), as a
/// client searching for the text would find them.
pub fn unique_context(text: &str, start: u64, end: u64) -> Option<QuoteContext> {
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    let exact = text.get(start..end).filter(|q| !q.is_empty())?;
    let (before, after) = (&text[..start], &text[end..]);
    let mut chars = crate::text::CONTEXT_CHARS;
    loop {
        let prefix = last_chars(before, chars);
        let suffix = first_chars(after, chars);
        let needle = format!("{prefix}{exact}{suffix}");
        let at = start - prefix.len();
        if text.find(&needle) == Some(at) && !occurs_after(text, at, &needle) {
            return Some(QuoteContext {
                prefix: prefix.to_string(),
                suffix: suffix.to_string(),
            });
        }
        let whole = prefix.len() == before.len() && suffix.len() == after.len();
        if whole || chars >= MAX_QUOTE_CONTEXT {
            return None;
        }
        chars = (chars * 2).min(MAX_QUOTE_CONTEXT);
    }
}

/// [`unique_context`] of each claim `(id, start, end)` of one text: the
/// signed 32 characters each side are judged for every claim in one pass
/// over the text (overlapping matches of all of them at once), and only a
/// claim whose context occurs more than once is searched again with
/// longer ones. A claim per pass was a pass over the text per claim: a
/// source of megabytes quoted a thousand times is read a thousand times.
pub fn unique_contexts(text: &str, spans: &[(ItemId, u64, u64)]) -> BTreeMap<ItemId, QuoteContext> {
    let n = crate::text::CONTEXT_CHARS;
    // Each claim's first needle, and where it must be found.
    let mut needles: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    let mut first = Vec::new();
    for &(id, start, end) in spans {
        let (Ok(s), Ok(e)) = (usize::try_from(start), usize::try_from(end)) else {
            continue;
        };
        let Some(exact) = text.get(s..e).filter(|q| !q.is_empty()) else {
            continue;
        };
        let (prefix, suffix) = (last_chars(&text[..s], n), first_chars(&text[e..], n));
        let needle = format!("{prefix}{exact}{suffix}");
        let i = *index.entry(needle.clone()).or_insert_with(|| {
            needles.push(needle);
            needles.len() - 1
        });
        first.push((id, start, end, i, prefix, suffix));
    }
    let mut found = vec![0u8; needles.len()];
    // A contiguous NFA, not the DFA `new` picks for a few patterns: built
    // for each source's text and read over it once, the DFA's build was a
    // quarter of a whole-log report's time.
    let searcher = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(&needles);
    if let Ok(searcher) = searcher {
        for m in searcher.find_overlapping_iter(text) {
            let count = &mut found[m.pattern().as_usize()];
            *count = count.saturating_add(1);
        }
    } else {
        // Not built (too many patterns for its limits): each its own way.
        found.fill(2);
    }
    let mut out = BTreeMap::new();
    for (id, start, end, i, prefix, suffix) in first {
        let context = match found[i] {
            1 => Some(QuoteContext {
                prefix: prefix.to_string(),
                suffix: suffix.to_string(),
            }),
            _ => unique_context(text, start, end),
        };
        if let Some(context) = context {
            out.insert(id, context);
        }
    }
    out
}

/// Whether `needle`, found at byte `at` of `text`, occurs again after
/// that place's first character (overlapping occurrences count).
fn occurs_after(text: &str, at: usize, needle: &str) -> bool {
    let step = text[at..].chars().next().map_or(1, char::len_utf8);
    text[at + step..].contains(needle)
}

/// The last `n` characters of `s` (all of it when shorter).
fn last_chars(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &s[i..],
        _ if n == 0 => "",
        _ => s,
    }
}

/// The first `n` characters of `s` (all of it when shorter).
fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The code-point offsets of the byte span `start..end` of `text`, when
/// both lie on character boundaries.
pub fn char_span(text: &str, start: u64, end: u64) -> Option<[u64; 2]> {
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    let before = text.get(..start)?;
    let quote = text.get(start..end)?;
    let s = before.chars().count() as u64;
    Some([s, s + quote.chars().count() as u64])
}

/// [`gather`] without a checkpoint: the report says "no checkpoint yet".
pub fn gather_unanchored(store: &Store, ids: &[ItemId]) -> Result<Report> {
    gather(store, ids, None, &|_| Ok(None), &mut |_, _| {})
}

/// Gathers a report anchored to the latest checkpoint stored in the log:
/// every entry that checkpoint covers carries its RFC 9162 inclusion proof
/// in the checkpoint's tree; newer entries carry none (the report says
/// they are not yet covered). Without any checkpoint, as
/// [`gather_unanchored`]. `progress` is told how verify goes.
///
/// Without `proofs`, the entries carry no inclusion proof: only the JSON
/// report writes them, and they are about a kilobyte an entry (a report of
/// 201,313 entries held 204 MB of them for formats that never showed one).
pub fn gather_at_latest_checkpoint(
    store: &Store,
    ids: &[ItemId],
    proofs: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let conn = store.conn();
    // The checkpoint read in the snapshot the report is gathered in.
    let _snapshot = crate::store::snapshot(conn)?;
    let Some(c) = query::checkpoints(conn)?.into_iter().next_back() else {
        return gather(store, ids, None, &|_| Ok(None), progress);
    };
    let size = c.size;
    let info = CheckpointInfo {
        size: c.size,
        root: c.root,
        note: c.note.clone(),
    };
    let proof = |seq: Seq| {
        if !proofs || seq.0 >= size.0 {
            return Ok(None);
        }
        let proof = crate::tree::inclusion_proof(conn, crate::merkle::LeafIndex(seq.0), size)?;
        Ok(Some(proof))
    };
    gather(store, ids, Some(info), &proof, progress)
}

#[derive(Default)]
struct Selection {
    sources: BTreeSet<u64>,
    claims: BTreeSet<u64>,
    annotations: BTreeSet<u64>,
}

/// Which items a report of `ids` shows (see docs/REPORTS.md "Scope"):
/// a source brings its claims and their annotations; a claim its
/// annotations and the annotations that corroborate or contradict it; an
/// annotation itself. Then every shown annotation brings the claims it is
/// about or links to, every retracted claim the claim that replaces it,
/// every claim its source, every source the sources it was derived from.
///
/// Found through the projection tables' indexes, so a report of one claim
/// reads that claim's neighbourhood, not the whole log (a test holds the
/// answer equal to filtering every item, the way it was first written).
fn select(conn: &rusqlite::Connection, ids: &[ItemId]) -> Result<Selection> {
    let numbers = |sql: &str, n: u64| -> Result<Vec<u64>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([n as i64], |r| r.get::<_, i64>(0))?;
        Ok(rows
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .map(|n| n as u64)
            .collect())
    };
    let annotations_of = "SELECT id FROM annotations WHERE claim_id = ?";
    let mut sel = Selection::default();
    for id in ids {
        match id.kind {
            IdKind::Source => {
                sel.sources.insert(id.n);
                for c in numbers("SELECT id FROM claims WHERE source_id = ?", id.n)? {
                    sel.claims.insert(c);
                    sel.annotations.extend(numbers(annotations_of, c)?);
                }
            }
            IdKind::Claim => {
                sel.claims.insert(id.n);
                sel.annotations.extend(numbers(annotations_of, id.n)?);
                sel.annotations.extend(numbers(
                    "SELECT annotation_id FROM relations WHERE other_claim = ?",
                    id.n,
                )?);
            }
            IdKind::Annotation => {
                sel.annotations.insert(id.n);
            }
        }
    }
    // To the closure: a shown annotation (one with a row) brings the claims
    // it is about or links to; a shown claim brings every annotation of it,
    // so that its current verdicts are the log's and not those of the
    // annotations asked for (`report A1` showed A1 as its analyst's
    // current verdict after a later A7), and, retracted, the claim that
    // replaces it.
    let mut shown = BTreeSet::new();
    let mut claims_todo: Vec<u64> = sel.claims.iter().copied().collect();
    let mut annotations_todo: Vec<u64> = sel.annotations.iter().copied().collect();
    loop {
        if let Some(a) = annotations_todo.pop() {
            if shown.contains(&a) {
                continue;
            }
            let about = numbers("SELECT claim_id FROM annotations WHERE id = ?", a)?;
            if about.is_empty() {
                continue;
            }
            shown.insert(a);
            let links = numbers(
                "SELECT other_claim FROM relations WHERE annotation_id = ?",
                a,
            )?;
            for c in about.into_iter().chain(links) {
                if sel.claims.insert(c) {
                    claims_todo.push(c);
                }
            }
        } else if let Some(c) = claims_todo.pop() {
            annotations_todo.extend(numbers(annotations_of, c)?);
            for r in numbers(
                "SELECT replaced_by FROM retractions WHERE claim_id = ? AND replaced_by IS NOT NULL",
                c,
            )? {
                if sel.claims.insert(r) {
                    claims_todo.push(r);
                }
            }
        } else {
            break;
        }
    }
    sel.annotations = shown;
    for c in &sel.claims {
        sel.sources
            .extend(numbers("SELECT source_id FROM claims WHERE id = ?", *c)?);
    }
    // Derivation chains, to their roots.
    let mut todo: Vec<u64> = sel.sources.iter().copied().collect();
    while let Some(n) = todo.pop() {
        for p in numbers(
            "SELECT derived_from FROM source_links WHERE source_id = ?",
            n,
        )? {
            if sel.sources.insert(p) {
                todo.push(p);
            }
        }
    }
    Ok(sel)
}

/// The signed entries to include: all of them for a complete report, else
/// those in `wanted` plus every key entry (so each signature can be checked).
fn entries(
    store: &Store,
    all: bool,
    wanted: &BTreeSet<Seq>,
    inclusion_proof: &dyn Fn(Seq) -> Result<Option<Vec<Hash>>>,
) -> Result<Vec<EntryRecord>> {
    let conn = store.conn();
    let lines = if all {
        query::log_lines(conn, None)?
    } else {
        // Only the entries shown, and every key entry: their lines alone,
        // rather than a line for every entry of the log.
        let mut seqs = wanted.clone();
        let mut stmt = conn.prepare(
            "SELECT seq FROM entries WHERE kind IN ('log.init', 'key.add', 'key.revoke')",
        )?;
        for seq in stmt.query_map([], |r| r.get::<_, Seq>(0))? {
            seqs.insert(seq?);
        }
        let mut lines = Vec::with_capacity(seqs.len());
        for seq in seqs {
            lines.extend(query::log_line(conn, seq)?);
        }
        lines
    };
    let mut out = Vec::new();
    let mut stmt = conn.prepare("SELECT payload, sig FROM entries WHERE seq = ?")?;
    for l in lines {
        let key_entry = matches!(l.kind.as_str(), "log.init" | "key.add" | "key.revoke");
        if !(all || key_entry || wanted.contains(&l.seq)) {
            continue;
        }
        let row: Option<(Vec<u8>, Vec<u8>)> = stmt
            .query_row([l.seq.0 as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (payload, sig) =
            row.ok_or_else(|| Error::Damaged(format!("entry {} vanished while reading", l.seq)))?;
        let prev = prev_of(&payload);
        let (text, b64) = match String::from_utf8(payload) {
            Ok(t) => (Some(t), None),
            Err(e) => {
                use base64::Engine;
                let b = base64::engine::general_purpose::STANDARD.encode(e.as_bytes());
                (None, Some(b))
            }
        };
        out.push(EntryRecord {
            seq: l.seq,
            kind: l.kind,
            id: l.id,
            // Empty, and `?` for the name, where the payload does not
            // parse (a report of a log that failed verify says so).
            time: l.time.unwrap_or_default(),
            signer: l.signer.unwrap_or_default(),
            signer_name: l.signer_name.unwrap_or_else(|| "?".into()),
            hash: l.hash,
            prev,
            payload: text,
            payload_base64: b64,
            signature: sig,
            inclusion_proof: inclusion_proof(l.seq)?,
        });
    }
    Ok(out)
}

/// The `prev` member of a payload (the previous entry's hash), when it
/// parses as JSON and the member is a string.
fn prev_of(payload: &[u8]) -> Option<String> {
    let content: serde_json::Value = serde_json::from_slice(payload).ok()?;
    content.get("prev")?.as_str().map(str::to_string)
}

impl Report {
    // The lists are in id (and seq) order, as gathered: binary search.

    pub fn source(&self, id: ItemId) -> Option<&SourceView> {
        find(&self.sources, id, |s| s.id)
    }

    pub fn claim(&self, id: ItemId) -> Option<&ClaimView> {
        find(&self.claims, id, |c| c.id)
    }

    pub fn annotation(&self, id: ItemId) -> Option<&AnnotationView> {
        find(&self.annotations, id, |a| a.id)
    }

    pub fn entry(&self, seq: Seq) -> Option<&EntryRecord> {
        self.entries
            .binary_search_by_key(&seq, |e| e.seq)
            .ok()
            .map(|i| &self.entries[i])
    }

    pub fn key(&self, fingerprint: &Fingerprint) -> Option<&KeyView> {
        self.keys.iter().find(|k| &k.fingerprint == fingerprint)
    }

    /// The entry that revoked this signer's key since, and the reason. What
    /// the key signed before stays valid (verify passes it), but a reader
    /// weighing a verdict should know the key was withdrawn (a stolen
    /// laptop): every view of a signed item says so beside its signer.
    pub fn revoked_since(&self, fingerprint: &Fingerprint) -> Option<(Seq, &str)> {
        let k = self.key(fingerprint)?;
        Some((k.revoked_seq?, k.revoke_reason.as_deref().unwrap_or("")))
    }

    fn index(&self) -> &ItemIndex {
        self.index.get_or_init(|| {
            let mut ix = ItemIndex::default();
            for (i, a) in self.annotations.iter().enumerate() {
                ix.annotations_by_claim.entry(a.claim).or_default().push(i);
            }
            for (i, c) in self.claims.iter().enumerate() {
                ix.claims_by_source.entry(c.source).or_default().push(i);
                if c.retraction.is_some() {
                    ix.retracted_claims.insert(c.id);
                }
            }
            ix
        })
    }

    /// The claims of a source, in id order.
    pub fn claims_of(&self, source: ItemId) -> impl Iterator<Item = &ClaimView> + '_ {
        let at = self.index().claims_by_source.get(&source);
        at.into_iter().flatten().map(|&i| &self.claims[i])
    }

    /// Every shown annotation of a claim, in id order.
    pub fn annotations_on(&self, claim: ItemId) -> impl Iterator<Item = &AnnotationView> + '_ {
        let at = self.index().annotations_by_claim.get(&claim);
        at.into_iter().flatten().map(|&i| &self.annotations[i])
    }

    /// The current judgment of each analyst on a claim: per signer, the
    /// latest of their annotations that no later one supersedes; none for
    /// a retracted claim, whose annotations are history.
    pub fn current(&self, claim: ItemId) -> Vec<&AnnotationView> {
        if self.index().retracted_claims.contains(&claim) {
            return Vec::new();
        }
        crate::query::current(self.annotations_on(claim))
    }

    /// The ids of the annotations that are their analyst's current
    /// judgment ([`Report::current`] over every shown claim, in one pass):
    /// the linked-data formats say of each annotation whether it still
    /// counts, as the JSON report's `superseded_by`, `replaced_by`,
    /// `retraction` and `claim_retracted` say it between them.
    pub fn current_ids(&self) -> std::collections::HashSet<ItemId> {
        let retracted: BTreeSet<ItemId> = self
            .claims
            .iter()
            .filter(|c| c.retraction.is_some())
            .map(|c| c.id)
            .collect();
        let mut by_claim: BTreeMap<ItemId, Vec<&AnnotationView>> = BTreeMap::new();
        for a in self
            .annotations
            .iter()
            .filter(|a| !retracted.contains(&a.claim))
        {
            by_claim.entry(a.claim).or_default().push(a);
        }
        by_claim
            .into_values()
            .flat_map(|anns| crate::query::current(anns).into_iter().map(|a| a.id))
            .collect()
    }

    /// The annotation that counts instead of `a`, when one does: the one
    /// that supersedes it, or else the same analyst's later annotation of
    /// the claim that replaced it without superseding it (the JSON
    /// report's `superseded_by` and `replaced_by`).
    pub fn replacement(&self, a: &AnnotationView) -> Option<(ItemId, bool)> {
        match a.superseded_by {
            Some(s) => Some((s, true)),
            None => a
                .replaced_by
                .or_else(|| self.later.get(&a.id).copied())
                .map(|l| (l, false)),
        }
    }

    /// The sources `source` was derived from, transitively, nearest first.
    pub fn ancestors(&self, source: ItemId) -> Vec<ItemId> {
        let mut out: Vec<ItemId> = Vec::new();
        let mut todo: Vec<ItemId> = vec![source];
        while let Some(s) = todo.pop() {
            if let Some(v) = self.source(s) {
                for &p in &v.derived_from {
                    if p != source && !out.contains(&p) {
                        out.push(p);
                        todo.insert(0, p);
                    }
                }
            }
        }
        out
    }

    /// One line on verify: what a reader must know first.
    pub fn verify_line(&self) -> String {
        let v = &self.verify;
        if v.ok {
            format!(
                "verify passed: all {} entries of the log check out (checks: {})",
                v.entries,
                v.checks.join(", ")
            )
        } else {
            format!(
                "VERIFY FAILED: {} found in the log of {}; do not rely on this report until they are explained",
                crate::text::count(v.problem_count(), "problem"),
                crate::text::count(v.entries, "entry")
            )
        }
    }

    /// The entries shown that the checkpoint does not cover: appended after
    /// it was signed, so they carry no inclusion proof and nothing signed
    /// by the log's key vouches yet that they are in the log it committed
    /// to. Empty when there is no checkpoint (the report says that instead).
    ///
    /// `checkpoint.add` entries are left out: the entry that records a
    /// checkpoint comes after the entries it covers, so it can never be in
    /// that checkpoint (verify checks it against the tree instead), and a
    /// report made right after `claimtrail checkpoint` would otherwise warn
    /// about it.
    pub fn after_checkpoint(&self) -> Vec<&EntryRecord> {
        let checkpoint_add = crate::model::Kind::CheckpointAdd.as_str();
        match &self.checkpoint {
            Some(c) => self
                .entries
                .iter()
                .filter(|e| e.seq.0 >= c.size.0 && e.kind != checkpoint_add)
                .collect(),
            None => Vec::new(),
        }
    }

    /// What a reader must know about entries the checkpoint does not
    /// cover, when there are any: which they are and how to cover them.
    pub fn coverage_note(&self) -> Option<String> {
        let after = self.after_checkpoint();
        if after.is_empty() {
            return None;
        }
        let total = self.entries.len();
        let which = match (after.len(), total) {
            (1, 1) => "the 1 entry shown".to_string(),
            (n, t) if n == t => format!("all {t} entries shown"),
            (n, t) => format!("{n} of the {} shown", crate::text::count(t as u64, "entry")),
        };
        Some(format!(
            "{which} came after it and {} not covered by it: {}; sign a new checkpoint (`claimtrail checkpoint`) and make the report again to cover {}",
            if after.len() == 1 { "is" } else { "are" },
            entry_names(&after),
            if after.len() == 1 { "it" } else { "them" },
        ))
    }

    /// Where a report anchored to a checkpoint keeps its inclusion proofs,
    /// and which entries have none because they came after it.
    pub fn proofs_sentence(&self) -> String {
        let after = self.after_checkpoint();
        let mut s = String::from("Inclusion proofs in the checkpoint are in the JSON report.");
        if !after.is_empty() {
            s.push_str(&format!(
                " {} came after the checkpoint and {} none yet.",
                entry_names(&after),
                if after.len() == 1 { "has" } else { "have" }
            ));
        }
        s
    }

    /// One line on the checkpoint the report is anchored to.
    pub fn checkpoint_line(&self) -> String {
        match &self.checkpoint {
            Some(c) => format!("made at checkpoint: {}", self.tree_and_coverage(c, "; ")),
            None => format!(
                "no checkpoint yet: this report is anchored only to the log head {} (entry {}), not to a signed checkpoint",
                self.verify.head.as_deref().unwrap_or("(empty log)"),
                self.verify.entries.saturating_sub(1)
            ),
        }
    }

    /// [`Report::checkpoint_line`] after a "Checkpoint:" label (Markdown,
    /// HTML): the tree alone, not "made at checkpoint" again.
    pub fn checkpoint_after_label(&self) -> String {
        match &self.checkpoint {
            Some(c) => self.tree_and_coverage(c, ". "),
            None => self.checkpoint_line(),
        }
    }

    /// The checkpoint's tree, then `sep` and [`Report::coverage_note`]
    /// when entries shown came after it.
    fn tree_and_coverage(&self, c: &CheckpointInfo, sep: &str) -> String {
        let note = self
            .coverage_note()
            .map(|n| format!("{sep}{n}"))
            .unwrap_or_default();
        format!("tree size {}, root {}{note}", c.size, c.root)
    }

    /// A label for a claim: its paraphrase, else its quote, else its id.
    /// The claim's paraphrase, in the analyst's words, where it has one,
    /// or else its quote in quotation marks: the relations table showed
    /// both alike, and a reader took an analyst's summary for the
    /// speaker's words.
    /// `max` characters at most, the marks included.
    pub fn claim_label(&self, c: &ClaimView, max: usize) -> String {
        let cut = |t: &str, marks: usize| super::cut(t, max.saturating_sub(marks).max(8));
        match (&c.paraphrase, &c.quote) {
            (Some(p), _) => format!("{} (paraphrase)", cut(p, 13)),
            (None, Some(q)) => {
                let (open, close) = crate::text::marks_for(q);
                format!("{open}{}{close}", cut(q, 2))
            }
            (None, None) => format!("(quote unavailable: {})", c.quote_unavailable()),
        }
    }
}

/// Entries named for a reader: `C10 (entry 51)`, or `entry 53 (key.add)`
/// for an entry that creates no item; the first eight, then how many more.
pub fn entry_names(entries: &[&EntryRecord]) -> String {
    const SHOWN: usize = 8;
    let mut names: Vec<String> = entries
        .iter()
        .take(SHOWN)
        .map(|e| match e.id {
            Some(id) => format!("{id} (entry {})", e.seq),
            None => format!("entry {} ({})", e.seq, crate::text::escape(&e.kind)),
        })
        .collect();
    if entries.len() > SHOWN {
        names.push(format!("and {} more", entries.len() - SHOWN));
    }
    names.join(", ")
}

/// An item by id in a list sorted by id number (linear scan as a fallback,
/// should the list ever not be sorted).
fn find<T>(items: &[T], id: ItemId, key: impl Fn(&T) -> ItemId) -> Option<&T> {
    match items.binary_search_by_key(&id, &key) {
        Ok(i) => Some(&items[i]),
        _ => items.iter().find(|t| key(t) == id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn select_and_log_line_read_what_reading_everything_finds() {
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::demo::build(&dir.path().join("demo")).unwrap();
        let mut store = Store::open(&demo.db).unwrap();
        // A derived source with a claim, which the demo does not have.
        let analyst = crate::keys::Signer::load(&demo.analyst_key).unwrap();
        let text = "Seven civilians were killed, the White Helmets said.";
        let parent = query::reference(store.conn(), ItemId::source(1)).unwrap();
        let derived = crate::log::append(
            &mut store,
            &analyst,
            crate::log::source_entry(text, vec![parent]),
        )
        .unwrap();
        let source = crate::model::Ref {
            id: derived.id.unwrap(),
            hash: derived.hash,
        };
        let body = crate::log::claim_body(
            source,
            text,
            (0, 28),
            "White Helmets",
            crate::model::SourceKind::Statement,
            None,
        )
        .unwrap();
        let added = crate::log::append(&mut store, &analyst, crate::log::NewEntry::new(body))
            .unwrap()
            .id
            .unwrap();
        // And a retracted claim that the new one replaces.
        let retract = crate::model::Body::ClaimRetract(crate::model::ClaimRetract {
            claim: query::reference(store.conn(), ItemId::claim(5)).unwrap(),
            reason: "attributed to the wrong speaker".into(),
            replaced_by: Some(query::reference(store.conn(), added).unwrap()),
        });
        crate::log::append(&mut store, &analyst, crate::log::NewEntry::new(retract)).unwrap();
        let conn = store.conn();
        assert_eq!(
            select(conn, &[ItemId::claim(5)]).unwrap().claims,
            BTreeSet::from([5, added.n])
        );
        let sources = query::sources(conn).unwrap();
        let claims = query::claims(conn, None).unwrap();
        let annotations = query::annotations(conn, None).unwrap();
        let mut all: Vec<ItemId> = Vec::new();
        all.extend(sources.iter().map(|s| s.id));
        all.extend(claims.iter().map(|c| c.id));
        all.extend(annotations.iter().map(|a| a.id));
        assert!(
            all.len() > 10,
            "the demo has sources, claims and annotations"
        );
        let linked = annotations
            .iter()
            .any(|a| !a.corroborates.is_empty() || !a.contradicts.is_empty());
        assert!(linked && sources.iter().any(|s| !s.derived_from.is_empty()));
        let mut cases: Vec<Vec<ItemId>> = all.iter().map(|i| vec![*i]).collect();
        cases.push(vec![all[0], all[all.len() - 1]]);
        cases.push(vec![all[1], all[all.len() / 2]]);
        // Each entry's line alone is its line in the whole log.
        let lines = query::log_lines(conn, None).unwrap();
        assert!(lines.len() > 15, "{}", lines.len());
        for line in &lines {
            let alone = query::log_line(conn, line.seq).unwrap().unwrap();
            assert_eq!(
                serde_json::to_value(&alone).unwrap(),
                serde_json::to_value(line).unwrap()
            );
        }
        assert!(query::log_line(conn, Seq(lines.len() as u64))
            .unwrap()
            .is_none());
        for ids in cases {
            let fast = select(conn, &ids).unwrap();
            let slow = select_by_filtering(&ids, &sources, &claims, &annotations);
            assert_eq!(fast.sources, slow.sources, "{ids:?}");
            assert_eq!(fast.claims, slow.claims, "{ids:?}");
            assert_eq!(fast.annotations, slow.annotations, "{ids:?}");
        }
    }

    /// What a report shows is read in the snapshot verify checked: a row
    /// that another process changes while verify runs (here, from the
    /// progress callback, through a second connection) is neither what
    /// verify passed nor what the report shows. Before 2026-12-04 the
    /// report read its items after verify, in a snapshot of their own, and
    /// showed the forged note under "verify passed".
    #[test]
    fn a_report_shows_what_verify_checked_though_the_file_changes_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::demo::build(&dir.path().join("demo")).unwrap();
        let store = Store::open(&demo.db).unwrap();
        let signed = query::annotations(store.conn(), None).unwrap()[0]
            .note
            .clone()
            .unwrap();
        let other = rusqlite::Connection::open(&demo.db).unwrap();
        let mut forged = false;
        let mut progress = |_: u64, _: u64| {
            if !forged {
                forged = true;
                other
                    .execute("UPDATE annotations SET note = 'forged' WHERE id = 1", [])
                    .unwrap();
            }
        };
        let r = gather_at_latest_checkpoint(&store, &[], true, &mut progress).unwrap();
        assert!(forged && r.verify.ok, "{:?}", r.verify.problems);
        assert_eq!(r.annotations[0].note.as_deref(), Some(signed.as_str()));
        // The file did change: the next report (and verify) see it.
        let r = gather_unanchored(&store, &[]).unwrap();
        assert!(!r.verify.ok);
        assert_eq!(r.annotations[0].note.as_deref(), Some("forged"));
    }

    /// The first `select`: every item read, then filtered (see docs/REPORTS.md "Scope"):
    /// a source brings its claims and their annotations; a claim its
    /// annotations and the annotations that corroborate or contradict it; an
    /// annotation itself. Then, to the closure, every shown annotation brings
    /// the claims it is about or links to, every claim all its annotations
    /// and its replacement; then every claim its source, every source the
    /// sources it was derived from.
    fn select_by_filtering(
        ids: &[ItemId],
        sources: &[SourceView],
        claims: &[ClaimView],
        annotations: &[AnnotationView],
    ) -> Selection {
        let mut sel = Selection::default();
        if ids.is_empty() {
            sel.sources = sources.iter().map(|s| s.id.n).collect();
            sel.claims = claims.iter().map(|c| c.id.n).collect();
            sel.annotations = annotations.iter().map(|a| a.id.n).collect();
            return sel;
        }
        let on_claim = |cid: ItemId| -> Vec<u64> {
            annotations
                .iter()
                .filter(|a| {
                    a.claim == cid || a.corroborates.contains(&cid) || a.contradicts.contains(&cid)
                })
                .map(|a| a.id.n)
                .collect()
        };
        for id in ids {
            match id.kind {
                IdKind::Source => {
                    sel.sources.insert(id.n);
                    for c in claims.iter().filter(|c| c.source == *id) {
                        sel.claims.insert(c.id.n);
                        let anns: Vec<u64> = annotations
                            .iter()
                            .filter(|a| a.claim == c.id)
                            .map(|a| a.id.n)
                            .collect();
                        sel.annotations.extend(anns);
                    }
                }
                IdKind::Claim => {
                    sel.claims.insert(id.n);
                    sel.annotations.extend(on_claim(*id));
                }
                IdKind::Annotation => {
                    sel.annotations.insert(id.n);
                }
            }
        }
        let replacement: HashMap<u64, u64> = claims
            .iter()
            .filter_map(|c| Some((c.id.n, c.retraction.as_ref()?.replaced_by?.n)))
            .collect();
        // To the closure, one whole pass at a time.
        loop {
            let before = (sel.claims.len(), sel.annotations.len());
            for a in annotations {
                if sel.annotations.contains(&a.id.n) {
                    sel.claims.insert(a.claim.n);
                    for o in a.corroborates.iter().chain(&a.contradicts) {
                        sel.claims.insert(o.n);
                    }
                }
            }
            for c in sel.claims.clone() {
                if let Some(&r) = replacement.get(&c) {
                    sel.claims.insert(r);
                }
            }
            for a in annotations {
                if sel.claims.contains(&a.claim.n) {
                    sel.annotations.insert(a.id.n);
                }
            }
            if before == (sel.claims.len(), sel.annotations.len()) {
                break;
            }
        }
        for c in claims {
            if sel.claims.contains(&c.id.n) {
                sel.sources.insert(c.source.n);
            }
        }
        // Derivation chains, to their roots.
        let parents: HashMap<u64, Vec<u64>> = sources
            .iter()
            .map(|s| (s.id.n, s.derived_from.iter().map(|d| d.n).collect()))
            .collect();
        let mut todo: Vec<u64> = sel.sources.iter().copied().collect();
        while let Some(n) = todo.pop() {
            for p in parents.get(&n).into_iter().flatten() {
                if sel.sources.insert(*p) {
                    todo.push(*p);
                }
            }
        }
        sel
    }

    /// A quote selector's context grows until the passage it quotes is
    /// told from its copies, and is given up when no bounded context is.
    #[test]
    fn quote_contexts_grow_until_the_quote_is_unique() {
        // Once in the text: the signed 32 characters each side.
        let t = "Before the quote. The words claimed here. After it, more.";
        let q = "The words claimed";
        let s = t.find(q).unwrap() as u64;
        let c = unique_context(t, s, s + q.len() as u64).unwrap();
        assert_eq!(
            (c.prefix.as_str(), c.suffix.as_str()),
            ("Before the quote. ", " here. After it, more.")
        );
        // Three copies of a paragraph, the second claimed: 32 characters
        // each side are the same around all three; longer ones are not,
        // and prefix + exact + suffix occurs once, at the second.
        let p = "Officials said the crossing would stay closed until further notice, they added.";
        let t = format!("{p}\n\n{p}\n\n{p}\n");
        let q = "the crossing would stay closed";
        let s = p.len() + 2 + p.find(q).unwrap();
        let c = unique_context(&t, s as u64, (s + q.len()) as u64).unwrap();
        assert!(c.prefix.chars().count() > 32 && c.prefix.chars().count() <= MAX_QUOTE_CONTEXT);
        let needle = format!("{}{q}{}", c.prefix, c.suffix);
        assert_eq!(t.matches(&needle).count(), 1);
        assert_eq!(t.find(&needle), Some(s - c.prefix.len()));
        // The first copy: the prefix reaches the start of the text.
        let s1 = p.find(q).unwrap();
        let c1 = unique_context(&t, s1 as u64, (s1 + q.len()) as u64).unwrap();
        assert_eq!(t.find(&format!("{}{q}{}", c1.prefix, c1.suffix)), Some(0));
        // Copies longer than the bound: no unique context.
        let long = format!("{} {q} {}", "word ".repeat(300), "more ".repeat(300));
        let t = format!("{long}\n{long}\n{long}\n");
        let s = long.len() + 1 + long.find(q).unwrap();
        assert_eq!(unique_context(&t, s as u64, (s + q.len()) as u64), None);
        // Overlapping copies count: "aa" occurs three times in "aaaa";
        // with the whole text around it, the middle one occurs once.
        let c = unique_context("aaaa", 1, 3).unwrap();
        assert_eq!((c.prefix.as_str(), c.suffix.as_str()), ("a", "a"));
        assert_eq!(unique_context("ab", 0, 0), None);
        assert_eq!(unique_context("é", 1, 2), None);
        // All of a text's claims at once say what each alone says.
        let p = "Officials said the crossing would stay closed until further notice, they added.";
        let t = format!("{p}\n\n{p}\n\n{p}\nThe crossing, they said, would reopen.\n");
        let mut spans = Vec::new();
        for (i, (at, _)) in t.match_indices("crossing").enumerate() {
            spans.push((ItemId::claim(i as u64 + 1), at as u64, (at + 8) as u64));
        }
        spans.push((ItemId::claim(9), 0, 4));
        spans.push((ItemId::claim(10), 0, 4));
        spans.push((ItemId::claim(11), 1, 1));
        let all = unique_contexts(&t, &spans);
        for (id, s, e) in spans {
            assert_eq!(all.get(&id), unique_context(&t, s, e).as_ref(), "{id}");
        }
        assert_eq!(all.len(), 6);
    }

    #[test]
    fn char_spans_count_code_points() {
        let t = "Syria’s “north” é";
        let q = "“north”";
        let b = t.find(q).unwrap() as u64;
        assert_eq!(b, 10); // ’ is 3 bytes
        assert_eq!(char_span(t, b, b + q.len() as u64), Some([8, 15]));
        assert_eq!(char_span(t, 6, 7), None); // inside ’
        assert_eq!(char_span(t, 0, 999), None);
    }
}
