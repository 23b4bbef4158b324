//! W3C PROV-JSON (the PROV-JSON member submission of 24 April 2013, for
//! the PROV-DM data model).
//!
//! - Sources and claims are entities; a claim `wasDerivedFrom` its source
//!   with `prov:type` `prov:Quotation` (PROV-DM's quotation, the
//!   `wasQuotedFrom` of PROV-O) and `wasAttributedTo` its speaker; a source
//!   `wasDerivedFrom` the sources it was derived from and `wasAttributedTo`
//!   its publisher and author.
//! - Speakers, publishers and authors (one agent per distinct name) and
//!   the signing analysts (one agent per key) are agents.
//! - Each annotation is an activity, `wasAssociatedWith` its signer, that
//!   `used` the claim it assesses (and, with `prov:role`, the claims it says
//!   corroborate or contradict it) and generated an assessment entity
//!   (`wasGeneratedBy`, `wasAttributedTo` the signer); a superseding
//!   assessment is a revision (`prov:Revision`) of the one it replaces.
//! - Each assessment says whether it is still its analyst's current
//!   judgment (`ct:current`) and, when it is not, which assessment counts
//!   instead: `ct:supersededBy` (a later one superseded it) or
//!   `ct:replacedBy` (the same analyst annotated the claim again without
//!   --supersedes), as the JSON report's `superseded_by` and `replaced_by`.
//! - A retracted claim `wasInvalidatedBy` its retraction (an activity
//!   `wasAssociatedWith` the signer); the claim that replaces it is named
//!   by `ct:replacedBy` and is an alternate of it (`alternateOf`, which
//!   holds whichever was recorded first; a `prov:Revision` would say the
//!   replacement was generated after it, often untrue).
//! - A retracted annotation's assessment `wasInvalidatedBy` its retraction
//!   in the same way (`ct:retracted` true on the assessment).
//! - The log itself is the entity `log:log`, carrying the verify result and
//!   the checkpoint.
//!
//! Prefixes: `prov`, `xsd`, `ct` (claimtrail's vocabulary,
//! `urn:claimtrail:vocab#`) and `log` (this log's items,
//! `urn:claimtrail:<origin>:`).

use super::data::Report;
use crate::model::{Fingerprint, ItemId, Seq};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// claimtrail's vocabulary namespace (the `ct:` prefix).
pub const VOCAB: &str = "urn:claimtrail:vocab#";

fn qname(q: &str) -> Value {
    json!({"$": q, "type": "xsd:QName"})
}

fn typed(v: &str, t: &str) -> Value {
    json!({"$": v, "type": t})
}

struct Doc {
    entity: Map<String, Value>,
    agent: Map<String, Value>,
    activity: Map<String, Value>,
    relations: BTreeMap<&'static str, Map<String, Value>>,
    counters: BTreeMap<&'static str, usize>,
}

impl Doc {
    fn relation(&mut self, kind: &'static str, short: &'static str, attrs: Value) {
        let n = self.counters.entry(short).or_insert(0);
        *n += 1;
        let id = format!("_:{short}{n}");
        self.relations.entry(kind).or_default().insert(id, attrs);
    }
}

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut d = Doc {
        entity: Map::new(),
        agent: Map::new(),
        activity: Map::new(),
        relations: BTreeMap::new(),
        counters: BTreeMap::new(),
    };

    // The log, with what verify said and the checkpoint.
    let mut log = Map::new();
    log.insert("prov:type".into(), qname("ct:Log"));
    log.insert(
        "prov:label".into(),
        json!(format!("claimtrail log {}", r.origin)),
    );
    log.insert("ct:origin".into(), json!(r.origin));
    log.insert("ct:entries".into(), json!(r.verify.entries));
    if let Some(h) = &r.verify.head {
        log.insert("ct:head".into(), json!(h));
    }
    log.insert("ct:verified".into(), json!(r.verify.ok));
    log.insert("ct:verify".into(), json!(r.verify_line()));
    log.insert("ct:checkpoint".into(), json!(r.checkpoint_line()));
    if let Some(c) = &r.checkpoint {
        log.insert("ct:checkpointSize".into(), json!(c.size));
        log.insert("ct:checkpointRoot".into(), json!(c.root));
    }
    log.insert(
        "ct:reportGenerated".into(),
        typed(&r.generated, "xsd:dateTime"),
    );
    d.entity.insert("log:log".into(), Value::Object(log));

    // Agents: signers by key, people and organisations by name.
    let mut signer_ids: BTreeMap<&str, String> = BTreeMap::new();
    for (i, k) in r.keys.iter().enumerate() {
        let id = format!("log:signer{}", i + 1);
        let mut agent = json!({
            "prov:type": qname("prov:Person"),
            "prov:label": k.name,
            "ct:fingerprint": k.fingerprint,
            "ct:role": k.role,
            "ct:publicKey": k.public_key,
            "ct:enrolledAtEntry": k.enrolled_seq,
        });
        // What a revoked key signed stays valid; the agent says it was
        // withdrawn since, at which entry and why.
        if let (Some(seq), Some(obj)) = (k.revoked_seq, agent.as_object_mut()) {
            obj.insert("ct:revokedAtEntry".into(), json!(seq));
            obj.insert(
                "ct:revocationReason".into(),
                json!(k.revoke_reason.as_deref().unwrap_or("")),
            );
        }
        d.agent.insert(id.clone(), agent);
        signer_ids.insert(k.fingerprint.as_str(), id);
    }
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    let mut agent_for = |d: &mut Doc, name: &str, ty: Option<&str>| -> String {
        let next = named.len() + 1;
        let id = named
            .entry(name.to_string())
            .or_insert_with(|| format!("log:agent{next}"))
            .clone();
        let entry = d
            .agent
            .entry(id.clone())
            .or_insert_with(|| json!({"prov:label": name}));
        if let (Some(t), Some(obj)) = (ty, entry.as_object_mut()) {
            obj.insert("prov:type".into(), qname(t));
        }
        id
    };
    let signer = |d: &mut Doc, fp: &Fingerprint, name: &str| -> String {
        match signer_ids.get(fp.as_str()) {
            Some(id) => id.clone(),
            None => {
                // A signer missing from the keys table (a tampered log).
                let id = format!("log:unknown-signer-{}", d.agent.len() + 1);
                d.agent.insert(
                    id.clone(),
                    json!({"prov:label": name, "ct:fingerprint": fp}),
                );
                id
            }
        }
    };
    // A retraction of item `item` (entity `entity`): an activity of its
    // signer that invalidates the entity (seq, reason, signer, name, time).
    let invalidate =
        |d: &mut Doc,
         entity: &str,
         item: ItemId,
         (seq, reason, fp, name, time): (Seq, &str, &Fingerprint, &str, &str)| {
            let act = format!("log:{item}-retraction");
            let mut attrs = json!({
                "prov:type": qname("ct:Retraction"),
                "prov:label": format!("{item} retracted by {name}"),
                "prov:startTime": time,
                "prov:endTime": time,
                "ct:reason": reason,
                "ct:entrySeq": seq,
            });
            if let (Some(en), Some(m)) = (r.entry(seq), attrs.as_object_mut()) {
                m.insert("ct:entryHash".into(), json!(en.hash));
            }
            d.activity.insert(act.clone(), attrs);
            let by = signer(d, fp, name);
            d.relation(
                "wasAssociatedWith",
                "wAW",
                json!({"prov:activity": act, "prov:agent": by}),
            );
            d.relation(
                "wasInvalidatedBy",
                "wIB",
                json!({"prov:entity": entity, "prov:activity": act, "prov:time": time}),
            );
        };

    for s in &r.sources {
        let id = format!("log:{}", s.id);
        let mut e = Map::new();
        e.insert("prov:type".into(), qname("ct:Source"));
        if let Some(t) = &s.title {
            e.insert("prov:label".into(), json!(t));
        }
        e.insert("ct:kind".into(), json!(s.kind));
        if let Some(u) = super::linkable_url(s.url.as_deref()) {
            e.insert("ct:url".into(), typed(u, "xsd:anyURI"));
        }
        if let Some(p) = &s.published {
            e.insert("ct:published".into(), json!(p));
        }
        e.insert("ct:retrieved".into(), typed(&s.retrieved, "xsd:dateTime"));
        e.insert("ct:sha256".into(), json!(s.sha256));
        e.insert("ct:length".into(), json!(s.length));
        e.insert("ct:mediaType".into(), json!(s.media_type));
        e.insert("ct:entrySeq".into(), json!(s.signed.seq));
        if let Some(en) = r.entry(s.signed.seq) {
            e.insert("ct:entryHash".into(), json!(en.hash));
        }
        let rec = signer(&mut d, &s.signed.signer, &s.signed.signer_name);
        e.insert("ct:recordedBy".into(), qname(&rec));
        e.insert("ct:redacted".into(), json!(s.redaction.is_some()));
        if let Some(red) = &s.redaction {
            e.insert("ct:redactionReason".into(), json!(red.reason));
            let by = signer(&mut d, &red.signer, &red.signer_name);
            e.insert("ct:redactedBy".into(), qname(&by));
            e.insert("ct:redactedAt".into(), typed(&red.time, "xsd:dateTime"));
        }
        d.entity.insert(id.clone(), Value::Object(e));
        for p in &s.derived_from {
            d.relation(
                "wasDerivedFrom",
                "wDF",
                json!({"prov:generatedEntity": id, "prov:usedEntity": format!("log:{p}")}),
            );
        }
        if let Some(p) = &s.publisher {
            let ag = agent_for(&mut d, p, Some("prov:Organization"));
            d.relation(
                "wasAttributedTo",
                "wAT",
                json!({"prov:entity": id, "prov:agent": ag, "prov:role": qname("ct:publisher")}),
            );
        }
        if let Some(a) = &s.author {
            let ag = agent_for(&mut d, a, None);
            d.relation(
                "wasAttributedTo",
                "wAT",
                json!({"prov:entity": id, "prov:agent": ag, "prov:role": qname("ct:author")}),
            );
        }
    }

    for c in &r.claims {
        let id = format!("log:{}", c.id);
        let mut e = Map::new();
        e.insert("prov:type".into(), qname("ct:Claim"));
        match &c.quote {
            Some(q) => {
                e.insert("prov:value".into(), json!(q));
            }
            None => {
                e.insert("ct:quoteUnavailable".into(), json!(c.quote_unavailable()));
            }
        }
        e.insert("ct:speaker".into(), json!(c.speaker));
        e.insert("ct:provenance".into(), json!(c.provenance));
        if let Some(p) = &c.paraphrase {
            e.insert("ct:paraphrase".into(), json!(p));
        }
        e.insert("ct:start".into(), json!(c.start));
        e.insert("ct:end".into(), json!(c.end));
        e.insert("ct:quoteSha256".into(), json!(c.quote_sha256));
        e.insert("ct:entrySeq".into(), json!(c.signed.seq));
        if let Some(en) = r.entry(c.signed.seq) {
            e.insert("ct:entryHash".into(), json!(en.hash));
        }
        let rec = signer(&mut d, &c.signed.signer, &c.signed.signer_name);
        e.insert("ct:recordedBy".into(), qname(&rec));
        e.insert("ct:retracted".into(), json!(c.retraction.is_some()));
        let replaced_by = c.retraction.as_ref().and_then(|rt| rt.replaced_by);
        if let Some(n) = replaced_by {
            e.insert("ct:replacedBy".into(), qname(&format!("log:{n}")));
        }
        d.entity.insert(id.clone(), Value::Object(e));
        if r.source(c.source).is_some() {
            d.relation(
                "wasDerivedFrom",
                "wDF",
                json!({
                    "prov:generatedEntity": id,
                    "prov:usedEntity": format!("log:{}", c.source),
                    "prov:type": qname("prov:Quotation"),
                }),
            );
        }
        let ag = agent_for(&mut d, &c.speaker, None);
        d.relation(
            "wasAttributedTo",
            "wAT",
            json!({"prov:entity": id, "prov:agent": ag, "prov:role": qname("ct:speaker")}),
        );
        if let Some(rt) = &c.retraction {
            // The retraction ends the claim as a record: PROV's invalidation,
            // by an activity of the analyst who signed it.
            invalidate(
                &mut d,
                &id,
                c.id,
                (rt.seq, &rt.reason, &rt.signer, &rt.signer_name, &rt.time),
            );
            // The claim that replaces it: two records of the same
            // statement (`alternateOf`), and which one counts
            // (`ct:replacedBy` above). Not a `prov:Revision`: that is a
            // derivation, whose generated entity PROV-Constraints requires
            // to be generated after the one it was derived from, and the
            // replacement is often a claim recorded long before the one
            // retracted as its duplicate (the demo's C4, entry 7, replaces
            // C9, entry 18). `alternateOf` holds in either order.
            if let Some(n) = replaced_by.filter(|n| r.claim(*n).is_some()) {
                d.relation(
                    "alternateOf",
                    "aO",
                    json!({"prov:alternate1": id, "prov:alternate2": format!("log:{n}")}),
                );
            }
        }
    }

    let current = r.current_ids();
    for a in &r.annotations {
        let act = format!("log:{}", a.id);
        let out = format!("log:{}-assessment", a.id);
        d.activity.insert(
            act.clone(),
            json!({
                "prov:type": qname("ct:Annotation"),
                "prov:label": format!("{}: {} assesses {}", a.id, a.signed.signer_name, a.claim),
                "prov:startTime": a.signed.time,
                "prov:endTime": a.signed.time,
            }),
        );
        let (value, name) = super::rating(a.verdict);
        let is_current = current.contains(&a.id);
        let replacement = r.replacement(a);
        let mut e = Map::new();
        e.insert("prov:type".into(), qname("ct:Assessment"));
        let state = match (&a.retraction, replacement) {
            _ if is_current => String::new(),
            (Some(_), _) => " (not current: retracted)".into(),
            (None, Some((s, true))) => format!(" (not current: superseded by {s})"),
            (None, Some((l, false))) => format!(" (not current: replaced by {l})"),
            (None, None) => format!(" (not current: {} retracted)", a.claim),
        };
        e.insert(
            "prov:label".into(),
            json!(format!("{} {}{state}", a.claim, a.verdict)),
        );
        e.insert("ct:verdict".into(), json!(a.verdict));
        e.insert("ct:claimReviewRating".into(), json!(value));
        e.insert("ct:claimReviewRatingName".into(), json!(name));
        if let Some(g) = &a.reliability {
            e.insert("ct:reliability".into(), json!(g));
        }
        if let Some(g) = a.credibility {
            e.insert("ct:credibility".into(), json!(g));
        }
        if let Some(n) = &a.note {
            e.insert("ct:note".into(), json!(n));
        }
        // Whether it still counts, and what counts instead, on the old
        // assessment itself: `ct:superseded` alone was false for one that
        // the same analyst's later annotation replaced without
        // --supersedes (the JSON report's `replaced_by`), and a superseded
        // one named nothing (only the newer one's revision pointed back).
        e.insert("ct:current".into(), json!(is_current));
        e.insert("ct:superseded".into(), json!(a.superseded_by.is_some()));
        match replacement {
            Some((s, true)) => {
                e.insert(
                    "ct:supersededBy".into(),
                    qname(&format!("log:{s}-assessment")),
                );
            }
            Some((l, false)) => {
                e.insert(
                    "ct:replacedBy".into(),
                    qname(&format!("log:{l}-assessment")),
                );
            }
            None => {}
        }
        e.insert("ct:retracted".into(), json!(a.retraction.is_some()));
        if a.claim_retracted {
            e.insert("ct:claimRetracted".into(), json!(true));
        }
        e.insert("ct:entrySeq".into(), json!(a.signed.seq));
        if let Some(en) = r.entry(a.signed.seq) {
            e.insert("ct:entryHash".into(), json!(en.hash));
        }
        d.entity.insert(out.clone(), Value::Object(e));
        let ag = signer(&mut d, &a.signed.signer, &a.signed.signer_name);
        let role = r
            .key(&a.signed.signer)
            .map(|k| format!("ct:{}", k.role))
            .unwrap_or_else(|| "ct:signer".into());
        d.relation(
            "wasAssociatedWith",
            "wAW",
            json!({"prov:activity": act, "prov:agent": ag, "prov:role": qname(&role)}),
        );
        d.relation(
            "wasGeneratedBy",
            "wGB",
            json!({"prov:entity": out, "prov:activity": act, "prov:time": a.signed.time}),
        );
        d.relation(
            "wasAttributedTo",
            "wAT",
            json!({"prov:entity": out, "prov:agent": ag, "prov:role": qname("ct:analyst")}),
        );
        if let Some(rt) = &a.retraction {
            // Withdrawn: the assessment is invalidated, as a retracted
            // claim is, by an activity of whoever signed the retraction.
            invalidate(
                &mut d,
                &out,
                a.id,
                (rt.seq, &rt.reason, &rt.signer, &rt.signer_name, &rt.time),
            );
        }
        if r.claim(a.claim).is_some() {
            d.relation(
                "used",
                "u",
                json!({
                    "prov:activity": act,
                    "prov:entity": format!("log:{}", a.claim),
                    "prov:time": a.signed.time,
                    "prov:role": qname("ct:assessed"),
                }),
            );
        }
        for (role, ids) in [
            ("ct:corroborates", &a.corroborates),
            ("ct:contradicts", &a.contradicts),
        ] {
            for other in ids {
                if r.claim(*other).is_some() {
                    d.relation(
                        "used",
                        "u",
                        json!({
                            "prov:activity": act,
                            "prov:entity": format!("log:{other}"),
                            "prov:time": a.signed.time,
                            "prov:role": qname(role),
                        }),
                    );
                }
            }
        }
        if let Some(prev) = &a.supersedes {
            if r.annotation(*prev).is_some() {
                d.relation(
                    "wasDerivedFrom",
                    "wDF",
                    json!({
                        "prov:generatedEntity": out,
                        "prov:usedEntity": format!("log:{prev}-assessment"),
                        "prov:activity": act,
                        "prov:type": qname("prov:Revision"),
                    }),
                );
            }
        }
    }

    let mut doc = Map::new();
    doc.insert(
        "prefix".into(),
        json!({
            "prov": "http://www.w3.org/ns/prov#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "ct": VOCAB,
            "log": super::namespace_iri(&r.origin),
        }),
    );
    doc.insert("entity".into(), Value::Object(d.entity));
    doc.insert("agent".into(), Value::Object(d.agent));
    if !d.activity.is_empty() {
        doc.insert("activity".into(), Value::Object(d.activity));
    }
    for (k, v) in d.relations {
        doc.insert(k.into(), Value::Object(v));
    }
    super::write_json_ld(w, &Value::Object(doc))
}
