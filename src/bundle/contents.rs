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
use crate::rules::KeyInfo;
use crate::text::SourceText;
use serde::Serialize;
use std::collections::HashMap;
use std::rc::Rc;

/// The sources, claims and annotations of a bundle that verified.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BundleContents {
    pub sources: Vec<ShownSource>,
    pub claims: Vec<ShownClaim>,
    /// In log order; each names its claim.
    pub annotations: Vec<ShownAnnotation>,
}

/// Who signed an entry, as the bundle's key entries name the key.
#[derive(Clone, Debug, Serialize)]
pub struct By {
    pub seq: Seq,
    pub signer: Fingerprint,
    pub signer_name: String,
    pub time: String,
    /// The entry that revoked the signer's key, when the bundle holds one
    /// (what the key signed before stays valid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_revoked_at: Option<Seq>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShownSource {
    pub id: ItemId,
    pub kind: SourceKind,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub sha256: Hash,
    pub length: u64,
    pub derived_from: Vec<ItemId>,
    /// Why it was redacted, when a bundled entry redacted it (its text is
    /// then not in the bundle).
    pub redacted: Option<String>,
    pub by: By,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShownClaim {
    pub id: ItemId,
    pub source: ItemId,
    /// UTF-8 byte offsets into the source's exact text.
    pub start: u64,
    pub end: u64,
    /// The quoted text (`None` when the source's text was redacted).
    pub quote: Option<String>,
    pub speaker: String,
    pub provenance: SourceKind,
    pub paraphrase: Option<String>,
    pub retraction: Option<ShownRetraction>,
    pub by: By,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShownRetraction {
    pub reason: String,
    pub replaced_by: Option<ItemId>,
    pub by: By,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShownAnnotation {
    pub id: ItemId,
    pub claim: ItemId,
    pub verdict: Verdict,
    pub reliability: Option<Reliability>,
    pub credibility: Option<Credibility>,
    pub note: Option<String>,
    pub corroborates: Vec<ItemId>,
    pub contradicts: Vec<ItemId>,
    pub supersedes: Option<ItemId>,
    /// A later annotation in the bundle that replaces this one.
    pub superseded_by: Option<ItemId>,
    pub by: By,
}

/// Builds the contents from the entries that passed, in log order.
pub(super) fn build(
    passed: &[(Header, Body, Option<ItemId>)],
    keys: &HashMap<Fingerprint, Rc<KeyInfo>>,
    texts: &HashMap<Hash, Rc<SourceText>>,
) -> BundleContents {
    let by = |h: &Header| {
        let key = keys.get(&h.signer);
        By {
            seq: h.seq,
            signer: h.signer.clone(),
            signer_name: key.map_or_else(|| "?".into(), |k| k.name.clone()),
            time: h.time.clone(),
            signer_revoked_at: key.and_then(|k| k.revoked),
        }
    };
    let mut c = BundleContents::default();
    for (h, body, id) in passed {
        match (body, id) {
            (Body::SourceAdd(b), Some(id)) => c.sources.push(ShownSource {
                id: *id,
                kind: b.kind,
                title: b.title.clone(),
                publisher: b.publisher.clone(),
                author: b.author.clone(),
                url: b.url.clone(),
                published: b.published.clone(),
                sha256: b.sha256,
                length: b.length,
                derived_from: b.derived_from.iter().map(|r| r.id).collect(),
                redacted: None,
                by: by(h),
            }),
            (Body::SourceRedact(b), _) => {
                if let Some(s) = c.sources.iter_mut().find(|s| s.id == b.source.id) {
                    s.redacted = Some(b.reason.clone());
                }
            }
            (Body::ClaimAdd(b), Some(id)) => {
                let text = c
                    .sources
                    .iter()
                    .find(|s| s.id == b.source.id)
                    .and_then(|s| texts.get(&s.sha256));
                let quote = text
                    .and_then(|t| t.text())
                    .and_then(|t| t.get(b.start as usize..b.end as usize))
                    .map(str::to_string);
                c.claims.push(ShownClaim {
                    id: *id,
                    source: b.source.id,
                    start: b.start,
                    end: b.end,
                    quote,
                    speaker: b.speaker.clone(),
                    provenance: b.provenance,
                    paraphrase: b.text.clone(),
                    retraction: None,
                    by: by(h),
                });
            }
            (Body::ClaimRetract(b), _) => {
                if let Some(claim) = c.claims.iter_mut().find(|x| x.id == b.claim.id) {
                    claim.retraction = Some(ShownRetraction {
                        reason: b.reason.clone(),
                        replaced_by: b.replaced_by.map(|r| r.id),
                        by: by(h),
                    });
                }
            }
            (Body::AnnotationAdd(b), Some(id)) => {
                let supersedes = b.supersedes.map(|r| r.id);
                if let Some(old) =
                    supersedes.and_then(|s| c.annotations.iter_mut().find(|a| a.id == s))
                {
                    old.superseded_by = Some(*id);
                }
                c.annotations.push(ShownAnnotation {
                    id: *id,
                    claim: b.claim.id,
                    verdict: b.verdict,
                    reliability: b.reliability,
                    credibility: b.credibility,
                    note: b.note.clone(),
                    corroborates: b.corroborates.iter().map(|r| r.id).collect(),
                    contradicts: b.contradicts.iter().map(|r| r.id).collect(),
                    supersedes,
                    superseded_by: None,
                    by: by(h),
                });
            }
            _ => {}
        }
    }
    // No quote for a claim of a redacted source, whatever text the bundle
    // holds under its hash (verify refuses a redacted text still there).
    for claim in &mut c.claims {
        let redacted = c
            .sources
            .iter()
            .any(|s| s.id == claim.source && s.redacted.is_some());
        if redacted {
            claim.quote = None;
        }
    }
    c
}
