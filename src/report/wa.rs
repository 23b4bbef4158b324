//! W3C Web Annotation Data Model, JSON-LD (`http://www.w3.org/ns/anno.jsonld`).
//!
//! The document is an `AnnotationCollection` whose `label` states the log,
//! the verify result and the checkpoint, with one embedded
//! `AnnotationPage` holding:
//!
//! - one annotation per claim, motivation `highlighting`: its target is the
//!   source's exact text (a `SpecificResource` whose `source` is the RFC
//!   6920 `ni:///sha-256;…` URI of those bytes, `scope` the published URL
//!   when known) with a `TextQuoteSelector` {exact, prefix, suffix} and a
//!   `TextPositionSelector` {start, end}; bodies tag the speaker and the
//!   provenance kind, and describe the paraphrase;
//! - one annotation per analyst annotation, motivation `assessing`: its
//!   target is the claim's annotation, its bodies the verdict (purpose
//!   `assessing`), the Admiralty grades (`classifying`), the note
//!   (`commenting`) and links to the claims it corroborates or contradicts
//!   (`linking`).
//!
//! A retracted claim's annotation is tagged `retracted`, with the reason;
//! so is a retracted analyst annotation (its verdict and links no longer
//! stand).
//!
//! Positions count Unicode code points, as the model requires, not the
//! UTF-8 byte offsets claimtrail stores; a claim of a redacted source keeps
//! only its signed context (prefix, suffix) and no exact text or positions.

use super::data::Report;
use super::item_iri;
use crate::error::Result;
use crate::model::Fingerprint;
use crate::query::ClaimView;
use serde_json::{json, Value};

/// The JSON-LD context of the Web Annotation model.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

pub fn render(r: &Report) -> Result<String> {
    let mut items = Vec::new();
    for c in &r.claims {
        items.push(claim_annotation(r, c));
    }
    for a in &r.annotations {
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
        revoked_signer(r, &a.signed.signer, &mut body);
        let anno = json!({
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
        items.push(anno);
    }
    let total = items.len();
    super::to_json_ld(&json!({
        "@context": CONTEXT,
        "id": format!("{}annotations", super::namespace_iri(&r.origin)),
        "type": "AnnotationCollection",
        "label": format!("claimtrail log {} — {}. {}.", r.origin, r.verify_line(), r.checkpoint_line()),
        "generator": {"type": "Software", "name": "claimtrail"},
        "generated": r.generated,
        "total": total,
        "first": {
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }))
}

/// A `commenting` body saying that the annotation's creator had their key
/// revoked since, and why (the model's `creator` has no place for it).
fn revoked_signer(r: &Report, signer: &Fingerprint, body: &mut Vec<Value>) {
    if let Some((seq, reason)) = r.revoked_since(signer) {
        body.push(json!({
            "type": "TextualBody",
            "purpose": "commenting",
            "value": super::revocation_note(seq, reason),
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
    let mut selectors = Vec::new();
    if let Some(q) = &c.quote {
        selectors.push(json!({
            "type": "TextQuoteSelector",
            "exact": q,
            "prefix": c.prefix,
            "suffix": c.suffix,
        }));
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
        json!({"type": "TextualBody", "purpose": "identifying", "value": format!("speaker: {}", c.speaker), "format": "text/plain"}),
        json!({"type": "TextualBody", "purpose": "tagging", "value": c.provenance}),
    ];
    if let Some(p) = &c.paraphrase {
        body.push(json!({"type": "TextualBody", "purpose": "describing", "value": p, "format": "text/plain"}));
    }
    if c.quote.is_none() {
        body.push(json!({"type": "TextualBody", "purpose": "describing", "value": format!("quote unavailable: {}", c.quote_unavailable()), "format": "text/plain"}));
    }
    revoked_signer(r, &c.signed.signer, &mut body);
    if let Some(rt) = &c.retraction {
        let by = rt.replaced_by_note();
        body.push(json!({"type": "TextualBody", "purpose": "tagging", "value": "retracted"}));
        body.push(json!({"type": "TextualBody", "purpose": "commenting", "value": format!("retracted by {} at {}: {}{by}", rt.signer_name, rt.time, rt.reason), "format": "text/plain"}));
    }
    json!({
        "id": item_iri(&r.origin, c.id),
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
