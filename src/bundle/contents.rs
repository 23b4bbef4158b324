//! What a bundle holds, for a reader who has checked it (`verify-bundle
//! --show`): its sources, the claims with their quotes, and the analysts'
//! annotations, as the bundle's verified entries state them.
//!
//! Built only from the entries that passed every check, after the whole
//! bundle verified: what is shown is what was checked, not the bundle's
//! JSON read again. It does not show what the bundle leaves out (other
//! annotations of its claims, a retraction made elsewhere in the log), and
//! the ids are the bundle's labels: an id is bound to its entry where
//! another entry refers to it (a reference is id and hash), and otherwise
//! only checked to be in log order (see `id_in_order`).

use crate::entry::Header;
use crate::hash::Hash;
use crate::model::*;
use crate::query::{
    AnnotationRetraction, AnnotationView, ClaimView, Redaction, Retraction, Signed,
    SourceAmendment, SourceView,
};
use crate::rules::KeyInfo;
use crate::text::SourceText;
use serde::Serialize;
use std::collections::HashMap;
use std::rc::Rc;

/// The sources, claims and annotations of a bundle that verified, in the
/// shapes `show --json` and the JSON report give them ([`crate::query`]'s views),
/// so that a script reads a bundle's items as it reads a log's. A source's
/// `claims` and `retracted_claims` count what the bundle holds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BundleContents {
    pub sources: Vec<SourceView>,
    pub claims: Vec<ClaimView>,
    /// In log order; each names its claim.
    pub annotations: Vec<AnnotationView>,
    /// Where each claim stands by the annotations the bundle holds, as
    /// `show` says it of the log ([`crate::query::current`]): each
    /// analyst's latest annotation that none supersedes. A bundle may
    /// leave out later annotations made elsewhere in the log, so this is
    /// where the claim stood as of the bundle's entries.
    pub standing: Vec<Standing>,
    /// The ids the bundle says `export` was asked for (its `requested`
    /// member, those that name an item of the bundle); `null` for a
    /// version 1 bundle, which does not say.
    pub requested: Option<Vec<ItemId>>,
}

/// A claim's current annotations and their verdicts (see
/// [`BundleContents::standing`]).
#[derive(Clone, Debug, Serialize)]
pub struct Standing {
    pub claim: ItemId,
    pub verdicts: Vec<Verdict>,
    /// Those of `verdicts` that only an auditor's audit note gives, as
    /// `list claims --json` marks them; `[]` when none.
    pub auditor_verdicts: Vec<Verdict>,
    pub current: Vec<ItemId>,
    /// Whether the bundle was exported for this claim or its source, and
    /// so carries every annotation of it that the log held at the
    /// checkpoint (FORMAT §12), by the exporter's word (`requested`, not
    /// signed). False for a claim carried because another entry refers to
    /// it (an annotation that links to it, one of its annotations that was
    /// exported alone, a retraction that names it as the replacement):
    /// such a claim comes with the annotations that brought it, not
    /// necessarily all of its own, so `verdicts` may lack some. False for
    /// every claim of a version 1 bundle, which does not say what it was
    /// exported for.
    pub complete: bool,
    /// For a claim that is not `complete`: the first bundled entry that
    /// refers to it (its seq, and the id of the item it makes, if any);
    /// `null` for a complete one.
    pub referred_to_by: Option<Referrer>,
}

/// An entry that refers to a claim ([`Standing::referred_to_by`]).
#[derive(Clone, Debug, Serialize)]
pub struct Referrer {
    pub seq: Seq,
    pub kind: Kind,
    pub id: Option<ItemId>,
}

impl BundleContents {
    /// The claim's standing, if the bundle holds the claim.
    pub fn standing_of(&self, claim: ItemId) -> Option<&Standing> {
        self.standing.iter().find(|s| s.claim == claim)
    }
}

/// Builds the contents from the entries that passed, in log order, for a
/// bundle exported for `requested` (`None`: a version 1 bundle, which
/// does not say).
pub(super) fn build(
    passed: &[(Header, Body, Option<ItemId>)],
    keys: &HashMap<Fingerprint, Rc<KeyInfo>>,
    texts: &HashMap<Hash, Rc<SourceText>>,
    requested: Option<&[ItemId]>,
) -> BundleContents {
    let signed = |h: &Header| {
        let key = keys.get(&h.signer);
        Signed {
            seq: h.seq,
            signer: h.signer.clone(),
            signer_name: key.map_or_else(|| "?".into(), |k| k.name.clone()),
            time: h.time.clone(),
            signer_revoked_at: key.and_then(|k| k.revoked),
            signer_role: key.map(|k| k.role),
        }
    };
    let mut c = BundleContents {
        requested: requested.map(<[ItemId]>::to_vec),
        ..Default::default()
    };
    // The first entry that refers to each claim, but the claim's own
    // retraction, which comes with it.
    let mut referrer: HashMap<ItemId, Referrer> = HashMap::new();
    for (h, body, id) in passed {
        for (_, r) in body.refs() {
            let own_retraction = matches!(body, Body::ClaimRetract(b) if b.claim.id == r.id);
            if r.id.kind == IdKind::Claim && !own_retraction {
                referrer.entry(r.id).or_insert(Referrer {
                    seq: h.seq,
                    kind: h.kind,
                    id: *id,
                });
            }
        }
    }
    // Where each item is in its list (sources, claims and annotations have
    // ids of their own kinds): a bundle may hold hundreds of thousands of
    // annotations, too many to search the list for each reference.
    let mut at: HashMap<ItemId, usize> = HashMap::new();
    for (h, body, id) in passed {
        if let Some(id) = id {
            at.insert(
                *id,
                match id.kind {
                    IdKind::Source => c.sources.len(),
                    IdKind::Claim => c.claims.len(),
                    IdKind::Annotation => c.annotations.len(),
                },
            );
        }
        match (body, id) {
            (Body::SourceAdd(b), Some(id)) => c.sources.push(SourceView {
                id: *id,
                kind: b.kind,
                title: b.title.clone(),
                publisher: b.publisher.clone(),
                author: b.author.clone(),
                url: b.url.clone(),
                published: b.published.clone(),
                retrieved: b.retrieved.clone(),
                sha256: b.sha256,
                length: b.length,
                media_type: b.media_type.clone(),
                derived_from: ids(&b.derived_from),
                claims: 0,
                retracted_claims: 0,
                redaction: None,
                signed: signed(h),
                amendments: Vec::new(),
            }),
            // Only amendments that passed are here: the metadata shown is
            // the current one, as the log's views show it.
            (Body::SourceAmend(b), _) => {
                if let Some(s) = at.get(&b.source.id).map(|&i| &mut c.sources[i]) {
                    let by = signed(h);
                    s.amend(
                        b.changes(),
                        SourceAmendment {
                            seq: by.seq,
                            reason: b.reason.clone(),
                            signer: by.signer,
                            signer_name: by.signer_name,
                            time: by.time,
                            changes: Vec::new(),
                        },
                    );
                }
            }
            (Body::SourceRedact(b), _) => {
                if let Some(s) = at.get(&b.source.id).map(|&i| &mut c.sources[i]) {
                    let by = signed(h);
                    s.redaction = Some(Redaction {
                        seq: by.seq,
                        reason: b.reason.clone(),
                        signer: by.signer,
                        signer_name: by.signer_name,
                        time: by.time,
                    });
                }
            }
            (Body::ClaimAdd(b), Some(id)) => {
                let source = at.get(&b.source.id).map(|&i| &mut c.sources[i]);
                let text = source.as_ref().and_then(|s| match s.redaction {
                    // No quote from a redacted source, whatever text the
                    // bundle holds under its hash (verify refuses one).
                    Some(_) => None,
                    None => texts.get(&s.sha256),
                });
                let quote = text
                    .and_then(|t| t.text())
                    .and_then(|t| t.get(b.start as usize..b.end as usize))
                    .map(str::to_string);
                if let Some(s) = source {
                    s.claims += 1;
                }
                // The context too is the redacted text's (see `ClaimView`).
                let context = |t: &String| quote.as_ref().map(|_| t.clone());
                c.claims.push(ClaimView {
                    id: *id,
                    source: b.source.id,
                    start: b.start,
                    end: b.end,
                    prefix: context(&b.prefix),
                    suffix: context(&b.suffix),
                    quote,
                    quote_sha256: b.quote_sha256,
                    speaker: b.speaker.clone(),
                    provenance: b.provenance,
                    paraphrase: b.text.clone(),
                    signed: signed(h),
                    retraction: None,
                    // Set below, once every redaction is read.
                    text_missing: false,
                });
            }
            (Body::ClaimRetract(b), _) => {
                if let Some(claim) = at.get(&b.claim.id).map(|&i| &mut c.claims[i]) {
                    let by = signed(h);
                    claim.retraction = Some(Retraction {
                        seq: by.seq,
                        reason: b.reason.clone(),
                        replaced_by: b.replaced_by.map(|r| r.id),
                        signer: by.signer,
                        signer_name: by.signer_name,
                        time: by.time,
                    });
                    if let Some(s) = at.get(&claim.source).map(|&i| &mut c.sources[i]) {
                        s.retracted_claims += 1;
                    }
                }
                for a in c.annotations.iter_mut().filter(|a| a.claim == b.claim.id) {
                    a.claim_retracted = true;
                }
            }
            (Body::AnnotationAdd(b), Some(id)) => {
                let supersedes = b.supersedes.map(|r| r.id);
                if let Some(old) = supersedes
                    .and_then(|s| at.get(&s))
                    .map(|&i| &mut c.annotations[i])
                {
                    // The first that supersedes it, as the log's views
                    // say (an annotation superseded twice keeps the first).
                    old.superseded_by.get_or_insert(*id);
                }
                c.annotations.push(AnnotationView {
                    id: *id,
                    claim: b.claim.id,
                    verdict: b.verdict,
                    reliability: b.reliability,
                    credibility: b.credibility,
                    note: b.note.clone(),
                    corroborates: ids(&b.corroborates),
                    contradicts: ids(&b.contradicts),
                    supersedes,
                    superseded_by: None,
                    signed: signed(h),
                    retraction: None,
                    replaced_by: None,
                    claim_retracted: false,
                });
            }
            (Body::AnnotationRetract(b), _) => {
                let Some(&i) = at.get(&b.annotation.id) else {
                    continue;
                };
                let by = signed(h);
                let a = &mut c.annotations[i];
                a.retraction = Some(AnnotationRetraction {
                    seq: by.seq,
                    reason: b.reason.clone(),
                    signer: by.signer,
                    signer_name: by.signer_name,
                    time: by.time,
                });
                // A retracted annotation supersedes nothing any more, as
                // the log's views say: what it replaced is current again.
                let (id, old) = (a.id, a.supersedes);
                if let Some(old) = old.and_then(|s| at.get(&s)).map(|&j| &mut c.annotations[j]) {
                    if old.superseded_by == Some(id) {
                        old.superseded_by = None;
                    }
                }
            }
            _ => {}
        }
    }
    let mut of_claim: HashMap<ItemId, Vec<&AnnotationView>> = HashMap::new();
    for a in &c.annotations {
        of_claim.entry(a.claim).or_default().push(a);
    }
    let mut replaced: Vec<(ItemId, ItemId)> = Vec::new();
    for claim in &c.claims {
        let anns = of_claim.remove(&claim.id).unwrap_or_default();
        let mut current = crate::query::current(anns.iter().copied());
        replaced.extend(crate::query::replaced(&anns, &current));
        // A retracted claim stands at no verdict, as in the log's views.
        if claim.retraction.is_some() {
            current.clear();
        }
        let complete =
            requested.is_some_and(|r| r.contains(&claim.id) || r.contains(&claim.source));
        let (verdicts, auditor_verdicts) =
            crate::query::verdicts_marked_among(current.iter().copied());
        c.standing.push(Standing {
            claim: claim.id,
            verdicts,
            auditor_verdicts,
            current: current.iter().map(|a| a.id).collect(),
            complete,
            referred_to_by: match complete {
                true => None,
                false => referrer.get(&claim.id).cloned(),
            },
        });
    }
    for (old, by) in replaced {
        if let Some(&i) = at.get(&old) {
            c.annotations[i].replaced_by = Some(by);
        }
    }
    // No quote and no redaction of its source: the bundle lacks the text.
    for claim in &mut c.claims {
        claim.text_missing = claim.quote.is_none()
            && at
                .get(&claim.source)
                .is_none_or(|&i| c.sources[i].redaction.is_none());
    }
    c
}

/// The ids of references, in id order, as the log's views list them (a
/// body keeps the order its author gave).
fn ids(refs: &[Ref]) -> Vec<ItemId> {
    let mut ids: Vec<ItemId> = refs.iter().map(|r| r.id).collect();
    ids.sort_by_key(|id| id.n);
    ids
}
