//! W3C Web Annotation Data Model, JSON-LD (`http://www.w3.org/ns/anno.jsonld`).
//!
//! The document is an `AnnotationCollection` whose `label` states the log,
//! the verify result and the checkpoint, with one embedded
//! `AnnotationPage` holding:
//!
//! - one annotation per claim, motivation `highlighting`, id
//!   `…:C<n>/highlight` ([`highlight_iri`]): its target is the source's
//!   exact text (a `SpecificResource` whose `source` is the RFC 6920
//!   `ni:///sha-256;…` URI of those bytes, `scope` the published URL when
//!   known) with a `TextQuoteSelector` {exact, prefix, suffix}, its
//!   context long enough to be unique in the text, and a
//!   `TextPositionSelector` {start, end}; bodies identify the claim (its
//!   IRI `…:C<n>`, the one ClaimReview and PROV give it), tag the speaker
//!   and the provenance kind, and describe the paraphrase;
//! - one annotation per analyst annotation, motivation `assessing`: its
//!   target is the claim `…:C<n>`, its bodies the verdict (purpose
//!   `assessing`), the Admiralty grades (`classifying`), the note
//!   (`commenting`) and links to the claims it corroborates or contradicts
//!   (`linking`). One that no longer counts is tagged `not current`, with
//!   what counts instead (`superseded by A5`, `replaced by A2`, and
//!   `dcterms:isReplacedBy`).
//!
//! A retracted claim's annotation is tagged `retracted`, with the reason;
//! so is a retracted analyst annotation (its verdict and links no longer
//! stand).
//!
//! Positions count Unicode code points, as the model requires, not the
//! UTF-8 byte offsets claimtrail stores; a claim of a redacted source has
//! no selector (its quote is gone), only the source's hash.
//!
//! The collection's one page has an IRI (`…:annotations/page1`) and
//! `partOf` the collection, as the model requires (§5.2).

use super::data::Report;
use super::item_iri;
use crate::model::{Fingerprint, Seq};
use crate::query::ClaimView;
use serde_json::{json, Value};

/// The JSON-LD context of the Web Annotation model.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// The IRI of a claim's `highlighting` annotation: the claim's IRI and
/// `/highlight` (`urn:claimtrail:<origin>:C1/highlight`). The claim's own
/// IRI names the claim, as ClaimReview's `itemReviewed` and PROV's
/// `log:C1` do; the highlight annotation had it too, so that merged with
/// either one node was both a claim and an `oa:Annotation`.
pub fn highlight_iri(origin: &str, claim: crate::model::ItemId) -> String {
    format!("{}/highlight", item_iri(origin, claim))
}

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut items = Vec::new();
    for c in &r.claims {
        items.push(claim_annotation(r, c));
    }
    let current = r.current_ids();
    for a in &r.annotations {
        // The claim it assesses, by the claim's IRI (which the claim's
        // highlight annotation identifies with its `identifying` body).
        let target = item_iri(&r.origin, a.claim);
        let mut body = vec![json!({
            "type": "TextualBody",
            "purpose": "assessing",
            "value": a.verdict,
            "format": "text/plain",
        })];
        let mut grades = Vec::new();
        if let Some(g) = &a.reliability {
            grades.push(format!("Admiralty reliability {g} ({})", g.meaning()));
        }
        if let Some(g) = a.credibility {
            grades.push(format!("Admiralty credibility {g} ({})", g.meaning()));
        }
        for g in grades {
            body.push(json!({"type": "TextualBody", "purpose": "classifying", "value": g, "format": "text/plain"}));
        }
        if let Some(n) = &a.note {
            body.push(json!({"type": "TextualBody", "purpose": "commenting", "value": n, "format": "text/plain"}));
        }
        for (rel, ids) in [
            ("corroborates", &a.corroborates),
            ("contradicts", &a.contradicts),
        ] {
            for other in ids {
                body.push(json!({
                    "type": "SpecificResource",
                    "purpose": "linking",
                    "source": item_iri(&r.origin, *other),
                }));
                body.push(json!({
                    "type": "TextualBody",
                    "purpose": "tagging",
                    "value": format!("{rel} {other}"),
                }));
            }
        }
        if let Some(s) = &a.supersedes {
            body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": format!("supersedes {s}")}));
        }
        if let Some(rt) = &a.retraction {
            body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": "retracted"}));
            body.push(json!({"type": "TextualBody", "purpose": "commenting", "value": format!("retracted by {} at {}: {} (its verdict and links no longer stand)", rt.signer_name, rt.time, rt.reason), "format": "text/plain"}));
        }
        // An annotation that no longer counts says so itself, and which
        // one counts instead: one replaced by the same analyst's later
        // annotation of the claim (no --supersedes) was a second live
        // `assessing` annotation, and a superseded one carried nothing
        // (only its successor's `supersedes` tag named it).
        let replacement = r.replacement(a);
        if !current.contains(&a.id) {
            body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": "not current"}));
            let why = match replacement {
                Some((s, true)) => {
                    body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": format!("superseded by {s}")}));
                    Some(format!("not current: superseded by {s}"))
                }
                Some((l, false)) => {
                    body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": format!("replaced by {l}")}));
                    Some(format!(
                        "not current: {l}, appended later by the same person, counts instead"
                    ))
                }
                None if a.retraction.is_none() && a.claim_retracted => {
                    Some(format!("not current: {} was retracted", a.claim))
                }
                None => None,
            };
            if let Some(why) = why {
                body.push(json!({"type": "TextualBody", "purpose": "commenting", "value": why, "format": "text/plain"}));
            }
        }
        revoked_signer(r, &a.signed.signer, a.signed.seq, &mut body);
        let mut anno = json!({
            "id": item_iri(&r.origin, a.id),
            "type": "Annotation",
            "motivation": "assessing",
            "created": a.signed.time,
            "creator": {
                "id": format!("{}key/{}", super::namespace_iri(&r.origin), fingerprint_iri(&a.signed.signer)),
                "type": "Person",
                "name": a.signed.signer_name,
                "nickname": a.signed.signer,
            },
            "body": body,
            "target": target,
        });
        // The same as links between the annotations, for programs
        // (Dublin Core terms, a prefix of the model's context): the old
        // one `isReplacedBy` what counts instead; a superseding one
        // `replaces` what it superseded while that stands superseded by it.
        if let Some(obj) = anno.as_object_mut() {
            if let Some((l, _)) = replacement.filter(|_| !current.contains(&a.id)) {
                obj.insert(
                    "dcterms:isReplacedBy".into(),
                    json!({"id": item_iri(&r.origin, l)}),
                );
            }
            let replaced = a.supersedes.and_then(|s| r.annotation(s));
            if let Some(old) = replaced.filter(|o| o.superseded_by == Some(a.id)) {
                obj.insert(
                    "dcterms:replaces".into(),
                    json!({"id": item_iri(&r.origin, old.id)}),
                );
            }
        }
        items.push(anno);
    }
    let total = items.len();
    // The page has an IRI of its own and names its collection (the model,
    // §5.2: a page MUST have an IRI, SHOULD have `partOf`); it had
    // neither. One page holds every item, so it is the first and the last.
    let collection = format!("{}annotations", super::namespace_iri(&r.origin));
    let page = page_iri(&r.origin);
    super::write_json_ld(
        w,
        &json!({
            "@context": CONTEXT,
            "id": collection,
            "type": "AnnotationCollection",
            "label": format!("claimtrail log {} — {}. {}.", r.origin, r.verify_line(), r.checkpoint_line()),
            "generator": {"type": "Software", "name": "claimtrail"},
            "generated": r.generated,
            "total": total,
            "first": {
                "id": page,
                "type": "AnnotationPage",
                "partOf": collection,
                "startIndex": 0,
                "items": items,
            },
            "last": page,
        }),
    )
}

/// The IRI of the collection's one page: the collection's and `/page1`
/// (`urn:claimtrail:<origin>:annotations/page1`).
pub fn page_iri(origin: &str) -> String {
    format!("{}annotations/page1", super::namespace_iri(origin))
}

/// A `commenting` body saying that the annotation's creator had their key
/// revoked since, and why (the model's `creator` has no place for it), or
/// that the item, signed at entry `signed`, came after the revocation.
fn revoked_signer(r: &Report, signer: &Fingerprint, signed: Seq, body: &mut Vec<Value>) {
    if let Some((seq, reason)) = r.revoked_since(signer) {
        body.push(json!({
            "type": "TextualBody",
            "purpose": "commenting",
            "value": super::revocation_note(signed, seq, reason),
            "format": "text/plain",
        }));
    }
}

/// The fingerprint as an IRI path segment (`SHA256:ab+/…` → percent-encoded).
fn fingerprint_iri(fp: &Fingerprint) -> String {
    let mut out = String::new();
    for b in fp.as_str().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn claim_annotation(r: &Report, c: &ClaimView) -> Value {
    let source = r.source(c.source);
    // The selectors, always a list: a TextQuoteSelector must have its
    // `exact`, so a claim whose source was redacted (its quote is gone)
    // has none, and its target is the source's bytes alone (it had a
    // selector with `prefix` and `suffix` only, a single object where
    // every other claim had a list).
    //
    // The TextQuoteSelector's prefix and suffix are as long as it takes
    // for the quote to be found at its own place and no other
    // ([`super::data::unique_context`]): the signed 32 characters each
    // side are not when the passage around the quote is repeated, and a
    // client then anchored `--occurrence 2` on the first copy while the
    // position selector said the second. When no context of up to
    // [`super::data::MAX_QUOTE_CONTEXT`] characters is unique, the quote
    // selector is left out and the position selector stands alone.
    let mut selectors = Vec::new();
    if let Some(q) = &c.quote {
        if let Some(context) = r.quote_contexts.get(&c.id) {
            selectors.push(json!({
                "type": "TextQuoteSelector",
                "exact": q,
                "prefix": context.prefix,
                "suffix": context.suffix,
            }));
        }
        if let Some([start, end]) = r.char_spans.get(&c.id) {
            selectors.push(json!({"type": "TextPositionSelector", "start": start, "end": end}));
        }
    }
    let mut target = json!({
        "type": "SpecificResource",
        "source": {
            "id": source.map(|s| super::ni_sha256(&s.sha256)).unwrap_or_default(),
            "type": "Text",
            "format": "text/plain",
        },
    });
    if let (false, Some(obj)) = (selectors.is_empty(), target.as_object_mut()) {
        obj.insert("selector".into(), Value::Array(selectors));
    }
    if let (Some(url), Some(obj)) = (
        source.and_then(|s| super::linkable_url(s.url.as_deref())),
        target.as_object_mut(),
    ) {
        obj.insert("scope".into(), json!(url));
    }
    let mut body = vec![
        // What the highlighted text is: the claim, by its IRI, which the
        // assessing annotations target and ClaimReview and PROV name.
        json!({"type": "SpecificResource", "purpose": "identifying", "source": item_iri(&r.origin, c.id)}),
        json!({"type": "TextualBody", "purpose": "identifying", "value": format!("speaker: {}", c.speaker), "format": "text/plain"}),
        json!({"type": "TextualBody", "purpose": "tagging", "value": c.provenance}),
    ];
    if let Some(p) = &c.paraphrase {
        body.push(json!({"type": "TextualBody", "purpose": "describing", "value": p, "format": "text/plain"}));
    }
    if c.quote.is_none() {
        body.push(json!({"type": "TextualBody", "purpose": "describing", "value": format!("quote unavailable: {}", c.quote_unavailable()), "format": "text/plain"}));
    }
    revoked_signer(r, &c.signed.signer, c.signed.seq, &mut body);
    if let Some(rt) = &c.retraction {
        let by = rt.replaced_by_note();
        body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": "retracted"}));
        body.push(json!({"type": "TextualBody", "purpose": "commenting", "value": format!("retracted by {} at {}: {}{by}", rt.signer_name, rt.time, rt.reason), "format": "text/plain"}));
    }
    json!({
        "id": highlight_iri(&r.origin, c.id),
        "type": "Annotation",
        "motivation": "highlighting",
        "created": c.signed.time,
        "creator": {
            "id": format!("{}key/{}", super::namespace_iri(&r.origin), fingerprint_iri(&c.signed.signer)),
            "type": "Person",
            "name": c.signed.signer_name,
            "nickname": c.signed.signer,
        },
        "body": body,
        "target": target,
    })
}
