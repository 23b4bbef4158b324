//! schema.org ClaimReview JSON-LD (the markup of Google's Fact Check
//! tools). One `ClaimReview` per analyst per claim: for each claim, each
//! analyst's latest annotation that no later one supersedes (see
//! [`Report::current`]); an auditor's audit notes are not the desk's
//! reviews and give none. Verdicts map to ratings as README "Verdicts" says
//! (5 True … 1 False). The document is a JSON-LD `@graph` whose first node
//! is a `Dataset` describing the log, the verify result and the checkpoint;
//! every review points at it with `isBasedOn`.
//!
//! `url` (the page that publishes the fact check) is not known to
//! claimtrail; a site that publishes a review adds it (docs/REPORTS.md).

use super::data::Report;
use super::{item_iri, rating};
use crate::query::{AnnotationView, ClaimView, SourceView};
use serde_json::{json, Map, Value};

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let log_id = format!("{}log", super::namespace_iri(&r.origin));
    // `dateModified` is when the log was last changed (schema.org: "the
    // date on which the CreativeWork was most recently modified"), its
    // last entry's signed time; it was the report's own time, which
    // changed with every report of an unchanged log. Left out when the
    // last entry cannot be read.
    let mut dataset = json!({
        "@type": "Dataset",
        "@id": log_id,
        "name": format!("claimtrail log {}", r.origin),
        "description": format!("{}. {}.", r.verify_line(), r.checkpoint_line()),
        "identifier": r.verify.head.clone().map(|h| format!("sha256:{h}")),
    });
    if let (Some(t), Some(obj)) = (&r.head_time, dataset.as_object_mut()) {
        obj.insert("dateModified".into(), json!(t));
    }
    let mut graph = vec![dataset];
    // A retracted claim was recorded in error: nothing about it is
    // published as a review (the JSON and HTML reports show the retraction).
    // Nor is a review of a claim with nothing to review: its source was
    // redacted and it has no paraphrase (it was published as the rating of
    // the sentence "(quote unavailable: …)", which a site would republish).
    let reviewable = |c: &&ClaimView| c.quote.is_some() || c.paraphrase.is_some();
    for c in r
        .claims
        .iter()
        .filter(|c| c.retraction.is_none())
        .filter(reviewable)
    {
        // An auditor's annotation is an audit note, not the desk's review
        // (as `list claims --unannotated` counts them): published as a
        // ClaimReview, it read as the desk's fact-check. The other formats
        // show it.
        for a in r.current(c.id).into_iter().filter(|a| !a.by_auditor()) {
            graph.push(review(r, c, a, &log_id));
        }
    }
    super::write_json_ld(
        w,
        &json!({
            "@context": "https://schema.org",
            "@graph": graph,
        }),
    )
}

fn review(r: &Report, c: &ClaimView, a: &AnnotationView, log_id: &str) -> Value {
    let (value, name) = rating(a.verdict);
    let mut m = Map::new();
    m.insert("@type".into(), json!("ClaimReview"));
    m.insert("@id".into(), json!(item_iri(&r.origin, a.id)));
    m.insert("identifier".into(), json!(a.id));
    m.insert(
        "claimReviewed".into(),
        json!(c.quote.as_ref().or(c.paraphrase.as_ref())),
    );
    let mut rating = json!({
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": name,
    });
    if let (Some(n), Some(obj)) = (&a.note, rating.as_object_mut()) {
        obj.insert("ratingExplanation".into(), json!(n));
    }
    m.insert("reviewRating".into(), rating);
    let mut author = json!({
        "@type": "Person",
        "name": a.signed.signer_name,
        "identifier": a.signed.signer,
    });
    // A review stays valid when its analyst's key is revoked later (verify
    // passes it), but a site publishing it should know the key was
    // withdrawn, as every readable report says beside the signer.
    if let (Some((seq, reason)), Some(obj)) =
        (r.revoked_since(&a.signed.signer), author.as_object_mut())
    {
        obj.insert(
            "description".into(),
            json!(super::revocation_note(a.signed.seq, seq, reason)),
        );
    }
    m.insert("author".into(), author);
    m.insert("datePublished".into(), json!(a.signed.time));
    if let Some(n) = &a.note {
        m.insert("reviewBody".into(), json!(n));
    }
    let mut item = Map::new();
    item.insert("@type".into(), json!("Claim"));
    item.insert("@id".into(), json!(item_iri(&r.origin, c.id)));
    item.insert(
        "author".into(),
        json!({"@type": speaker_type(r, c), "name": c.speaker}),
    );
    let appearances = appearances(r, c);
    if let Some(first) = appearances.first() {
        if let Some(d) = &first.published {
            item.insert("datePublished".into(), json!(d));
        }
        item.insert("firstAppearance".into(), work(r, first));
    }
    item.insert(
        "appearance".into(),
        Value::Array(appearances.iter().map(|s| work(r, s)).collect()),
    );
    m.insert("itemReviewed".into(), Value::Object(item));
    m.insert("isBasedOn".into(), json!({"@id": log_id}));
    Value::Object(m)
}

/// Where the claim's exact words appear: its own source, and every other
/// reported source holding a claim with the same quote hash, earliest
/// publication first. A redacted source is named only as the claim's own
/// (which the claim's record names anyway): as another appearance it said
/// that the redacted text held the quoted sentence, word for word.
fn appearances<'a>(r: &'a Report, c: &ClaimView) -> Vec<&'a SourceView> {
    let mut out: Vec<&SourceView> = Vec::new();
    for other in r.claims.iter().filter(|o| o.quote_sha256 == c.quote_sha256) {
        if let Some(s) = r.source(other.source) {
            if s.redaction.is_some() && s.id != c.source {
                continue;
            }
            if !out.iter().any(|x| x.id == s.id) {
                out.push(s);
            }
        }
    }
    // Sources with a publication date first, earliest first; then the rest.
    out.sort_by(|a, b| match (&a.published, &b.published) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.signed.seq.cmp(&b.signed.seq),
    });
    out
}

/// claimtrail does not record whether a speaker is a person or an
/// organisation: the source's publisher speaking in its own name is an
/// Organization, anyone else a Person.
fn speaker_type(r: &Report, c: &ClaimView) -> &'static str {
    let publisher = r.source(c.source).and_then(|s| s.publisher.as_deref());
    if publisher == Some(c.speaker.as_str()) {
        "Organization"
    } else {
        "Person"
    }
}

/// A source as a schema.org CreativeWork (of the closest subtype).
fn work(r: &Report, s: &SourceView) -> Value {
    let kind = match s.kind.as_str() {
        "article" | "news_agency" => "NewsArticle",
        "tweet" => "SocialMediaPosting",
        "report" => "Report",
        "video" => "VideoObject",
        _ => "CreativeWork",
    };
    let mut m = Map::new();
    m.insert("@type".into(), json!(kind));
    m.insert("@id".into(), json!(item_iri(&r.origin, s.id)));
    if let Some(u) = super::linkable_url(s.url.as_deref()) {
        m.insert("url".into(), json!(u));
    }
    if let Some(t) = &s.title {
        m.insert("headline".into(), json!(t));
        m.insert("name".into(), json!(t));
    }
    if let Some(p) = &s.publisher {
        m.insert(
            "publisher".into(),
            json!({"@type": "Organization", "name": p}),
        );
    }
    if let Some(a) = &s.author {
        m.insert("author".into(), json!({"@type": "Person", "name": a}));
    }
    if let Some(d) = &s.published {
        m.insert("datePublished".into(), json!(d));
    }
    m.insert("identifier".into(), json!(format!("sha256:{}", s.sha256)));
    if s.redaction.is_some() {
        m.insert(
            "description".into(),
            json!("The text of this source was redacted from the log; its hash stays signed."),
        );
    }
    Value::Object(m)
}
