//! One self-contained HTML file: no script, no network, no external asset.
//! The same content as the Markdown report plus a provenance graph drawn as
//! inline SVG. Responsive CSS for phones, `@media print` for paper. Every
//! piece of text from the log is HTML-escaped (and control/bidi characters
//! made visible); a Content-Security-Policy forbids scripts and loads even
//! if something slipped through. Right-to-left text takes its own
//! direction: `dir="auto"` on contexts and notes, [`bdi`] around names and
//! titles, Unicode isolates in the SVG graph (`label`).

use super::data::{Relation, Report};
use super::{cut, visible};
use crate::model::{Fingerprint, ItemId, Seq, Verdict};
use crate::query::{AnnotationView, ClaimView, SourceView};
use crate::text::count;
use std::collections::HashMap;
use std::fmt::Write;

/// `claimtrail verify` as this format writes a command: what a reader runs
/// to see why an item signed after its key's revocation is rejected.
const VERIFY: &str = "<code>claimtrail verify</code>";

/// Escapes text (or an id, a verdict…) for HTML element content and
/// quoted attribute values.
pub fn esc(s: &(impl std::fmt::Display + ?Sized)) -> String {
    let s = visible(&s.to_string());
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`esc`], inside `<bdi>` when the text holds right-to-left letters: a
/// name, a title or a reason set in an English sentence or table cell
/// takes its own direction, and the punctuation and digits around it stay
/// where the sentence has them. Without it an Arabic title's closing
/// quotation mark was drawn before its first word, a note's closing `”.`
/// at the far end. Text without such letters is left as it was.
pub fn bdi(s: &(impl std::fmt::Display + ?Sized)) -> String {
    let s = s.to_string();
    if s.chars().any(super::is_right_to_left) {
        format!("<bdi>{}</bdi>", esc(&s))
    } else {
        esc(&s)
    }
}

/// [`bdi`] of a field that is one line (a title, a name, a speaker): a
/// line break in it is shown as `\n`, as the Markdown report and the
/// terminal show it. Left as it was, it was drawn as a space, and a title
/// with a line break read as one with a space (such a value comes only
/// from an entry another tool signed: the commands refuse it).
pub fn one_line(s: &str) -> String {
    bdi(&crate::text::escape(s))
}

/// [`esc`] between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL
/// ISOLATE when the text holds right-to-left letters: SVG text has no
/// `<bdi>` and no `dir="auto"`, and the isolates do the same. The text
/// was escaped first, so no bidirectional control of its own is left raw
/// to unbalance them.
fn isolated(s: &str) -> String {
    if s.chars().any(super::is_right_to_left) {
        format!("\u{2068}{}\u{2069}", esc(s))
    } else {
        esc(s)
    }
}

/// The colour of a verdict (graph, badges, legend).
pub fn verdict_color(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Confirmed => "#1a7f37",
        Verdict::Corroborated => "#0f766e",
        Verdict::Unverified => "#6e7781",
        Verdict::Disputed => "#9a6700",
        Verdict::Misleading => "#bc4c00",
        Verdict::False => "#cf222e",
    }
}

const CSS: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;print-color-adjust:exact;-webkit-print-color-adjust:exact}
body{margin:0 auto;max-width:64rem;padding:1rem 1.25rem 3rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.7rem;margin:.3rem 0 0;line-height:1.25}
h2{font-size:1.3rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin:2.2rem 0 .8rem}
h3{font-size:1.1rem;margin:0 0 .5rem;line-height:1.3;overflow-wrap:anywhere}
.origin{color:var(--muted);margin:.2rem 0 0;overflow-wrap:anywhere}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.85em;overflow-wrap:anywhere;word-break:break-all}
a{color:#0969da}
.status{border:2px solid;border-radius:8px;padding:.7rem 1rem;margin:1rem 0;overflow-wrap:anywhere}
.status p{margin:.25rem 0}
.status.ok{border-color:var(--ok);background:#dafbe1}
.status.failed{border-color:var(--bad);background:#ffebe9}
.status .headline{font-weight:700;font-size:1.05rem}
.status.failed .headline{color:#a40e26}
.status ul{margin:.3rem 0;padding-left:1.2rem}
.card{border:1px solid var(--line);border-radius:8px;padding:1rem;margin:1rem 0;background:var(--bg)}
dl.fields{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem 1rem;margin:.6rem 0}
dl.fields dt{color:var(--muted)}
dl.fields dd{margin:0;overflow-wrap:anywhere}
blockquote.context{margin:.6rem 0;padding:.6rem .9rem;border-inline-start:4px solid #d4a72c;background:#fffbeb;white-space:pre-wrap;overflow-wrap:anywhere;border-start-end-radius:6px;border-end-end-radius:6px}
blockquote.context .ctx{color:var(--muted)}
blockquote.context mark{background:#fff1a8;color:inherit;font-weight:600;padding:0 .1em}
.unavailable{font-style:italic;color:var(--muted)}
.badge{display:inline-block;border-radius:999px;padding:.05rem .6rem;font-size:.8rem;font-weight:600;color:#fff;background:#6e7781;vertical-align:.1em;white-space:nowrap}
.badge.kind{background:#ddf4ff;color:#0550ae}
.ann{border-left:5px solid #6e7781;padding:.5rem .8rem;margin:.7rem 0;background:var(--card);border-radius:0 6px 6px 0}
.ann.superseded{opacity:.65}
.ann .meta{color:var(--muted);font-size:.9rem}
.note{white-space:pre-wrap;overflow-wrap:anywhere;margin:.35rem 0}
.redacted-box{border:2px dashed var(--bad);background:#fff5f5;padding:.6rem .9rem;border-radius:6px;margin:.5rem 0}
.table-wrap{overflow-x:auto;margin:.6rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--card)}
td.nowrap{white-space:nowrap}
td.rel-contradicts{color:#a40e26;font-weight:700}
td.rel-corroborates{color:#116329;font-weight:700}
figure.graph{margin:1rem 0;border:1px solid var(--line);border-radius:8px;padding:.5rem;overflow-x:auto}
figure.graph svg{display:block;width:100%;min-width:760px;height:auto}
figure.graph figcaption{color:var(--muted);font-size:.85rem;margin-top:.3rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.9rem;border-top:1px solid var(--line);padding-top:.6rem}
@media (max-width:640px){
 body{padding:.6rem .7rem 2rem;font-size:15px}
 h1{font-size:1.35rem}
 dl.fields{grid-template-columns:minmax(0,1fr)}
 dl.fields dt{font-weight:600;margin-top:.35rem}
 .card{padding:.7rem}
 figure.graph svg{min-width:820px}
}
@media print{
 body{max-width:none;padding:0;font-size:10.5pt}
 a{color:inherit;text-decoration:none}
 figure.graph{overflow:visible;border:none;padding:0}
 figure.graph svg{min-width:0;max-height:95vh}
 .ann,tr,figure.graph,blockquote,.redacted-box{break-inside:avoid}
 .card{break-inside:auto}
 h2,h3{break-after:avoid}
 .table-wrap{overflow:visible}
}
"#;

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let title = format!("Provenance report: {}", r.origin);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"claimtrail report\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(
        o,
        "<header>\n<h1>Provenance report</h1>\n<p class=\"origin\">Log <code>{}</code> · made {}</p>\n</header>",
        esc(&r.origin),
        esc(&r.generated)
    );
    status(&mut o, r);
    let _ = writeln!(o, "<h2 id=\"graph\">Provenance graph</h2>");
    graph(&mut o, r);
    sources(&mut o, r);
    claims(&mut o, r);
    relations(&mut o, r);
    signers(&mut o, r);
    entries(&mut o, r);
    let _ = writeln!(
        o,
        "<footer><p>Made by <code>claimtrail report --format html</code>. \
         This page says what claimtrail found on the desk's copy of the log when it made it; \
         the page itself is not signed, and anyone can edit it. \
         An auditor with the database checks everything above with <code>claimtrail verify</code>; \
         a reader without it asks for a bundle of the claims (<code>claimtrail export</code>) and checks it with \
         <code>claimtrail verify-bundle --vkey</code>, given the log's verifier key obtained apart from this page.</p></footer>\n</body>\n</html>"
    );
    o
}

fn status(o: &mut String, r: &Report) {
    let class = if r.verify.ok { "ok" } else { "failed" };
    let _ = writeln!(
        o,
        "<section class=\"status {class}\" role=\"status\">\n<p class=\"headline\">{}</p>",
        esc(&r.verify_line())
    );
    if !r.verify.ok {
        let _ = writeln!(o, "<ul>");
        for p in &r.verify.problems {
            let entry = match (p.seq, &p.kind, &p.id) {
                (Some(s), Some(k), Some(i)) => format!("entry {s} ({k} {i})"),
                (Some(s), Some(k), None) => format!("entry {s} ({k})"),
                (Some(s), _, _) => format!("entry {s}"),
                _ => "log".into(),
            };
            let _ = writeln!(
                o,
                "<li>{}: <strong>{}</strong>: {}</li>",
                esc(&entry),
                esc(&p.check.to_string()),
                esc(&p.detail)
            );
        }
        if r.verify.more_problems > 0 {
            let _ = writeln!(o, "<li>… and {} more</li>", r.verify.more_problems);
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = writeln!(
        o,
        "<p><strong>Checkpoint:</strong> {}</p>",
        esc(&r.checkpoint_after_label())
    );
    if let Some(c) = &r.checkpoint {
        let _ = writeln!(
            o,
            "<p>The signed checkpoint note:</p><pre class=\"note mono\">{}</pre>",
            esc(&c.note)
        );
    }
    let scope = if r.scope.complete {
        "the whole log".to_string()
    } else {
        format!("{} and what they involve", r.scope.requested.join(", "))
    };
    let _ = writeln!(
        o,
        "<p>Covers {}: {}, {}, {}; log head <code>{}</code> after {}.</p>\n</section>",
        esc(&scope),
        count(r.sources.len() as u64, "source"),
        count(r.claims.len() as u64, "claim"),
        count(r.annotations.len() as u64, "annotation"),
        esc(r.verify.head.as_deref().unwrap_or("-")),
        count(r.verify.entries, "entry")
    );
}

/// A link to a URL that [`super::linkable`] allows, or the escaped text
/// (a `javascript:` URL is never made a link).
fn link(url: &str) -> String {
    if super::linkable(url) {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(url),
            esc(url)
        )
    } else {
        esc(url)
    }
}

fn fields(o: &mut String, rows: &[(&str, String)]) {
    let _ = writeln!(o, "<dl class=\"fields\">");
    for (k, v) in rows {
        let _ = writeln!(o, "<dt>{k}</dt><dd>{v}</dd>");
    }
    let _ = writeln!(o, "</dl>");
}

fn sources(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2 id=\"sources\">Sources</h2>");
    if r.sources.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    }
    for s in &r.sources {
        source(o, r, s);
    }
}

fn signed_by(name: &str, fp: &Fingerprint, seq: Seq, time: &str) -> String {
    format!(
        "{} (<code>{}</code>) at entry {seq}, {}",
        bdi(name),
        esc(fp),
        esc(time)
    )
}

fn source(o: &mut String, r: &Report, s: &SourceView) {
    let _ = writeln!(
        o,
        "<article class=\"card source\" id=\"{}\">\n<h3>{} — {} <span class=\"badge kind\">{}</span></h3>",
        esc(&s.id),
        esc(&s.id),
        one_line(s.title.as_deref().unwrap_or("(untitled)")),
        esc(&s.kind)
    );
    if let Some(red) = &s.redaction {
        let _ = writeln!(
            o,
            "<div class=\"redacted-box\"><strong>REDACTED</strong> by {}: {}<br>\
             The text is gone from the database; its hash, length and provenance stay signed. Quotes of its claims are not shown; each claim's signed quote hash and span stay, and would confirm a guessed quote.</div>",
            signed_by(&red.signer_name, &red.signer, red.seq, &red.time),
            bdi(&red.reason)
        );
    }
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(p) = &s.publisher {
        rows.push(("publisher", one_line(p)));
    }
    if let Some(a) = &s.author {
        rows.push(("author", one_line(a)));
    }
    if let Some(u) = &s.url {
        rows.push(("url", link(u)));
    }
    if let Some(p) = &s.published {
        rows.push(("published", esc(p)));
    }
    rows.push(("retrieved", esc(&s.retrieved)));
    rows.push(("sha256", format!("<code>{}</code>", esc(&s.sha256))));
    rows.push((
        "length",
        format!("{} bytes, {}", s.length, esc(&s.media_type)),
    ));
    let chain = r.ancestors(s.id);
    if !chain.is_empty() {
        let links: Vec<String> = chain
            .iter()
            .map(|id| format!("<a href=\"#{}\">{}</a>", esc(id), esc(id)))
            .collect();
        rows.push((
            "derivation chain",
            format!("{} ← {}", esc(&s.id), links.join(" ← ")),
        ));
    }
    rows.push((
        "added by",
        signed_by(
            &s.signed.signer_name,
            &s.signed.signer,
            s.signed.seq,
            &s.signed.time,
        ) + &super::revoked_later(r, &s.signed.signer, s.signed.seq, VERIFY),
    ));
    if let Some(e) = r.entry(s.signed.seq) {
        rows.push(("entry hash", format!("<code>{}</code>", esc(&e.hash))));
    }
    // The fields above are the current ones; each correction says what it was.
    for a in &s.amendments {
        rows.push(("amended", amendment(a)));
    }
    let claims: Vec<String> = r
        .claims_of(s.id)
        .map(|c| format!("<a href=\"#{}\">{}</a>", esc(&c.id), esc(&c.id)))
        .collect();
    rows.push((
        "claims",
        if claims.is_empty() {
            "none shown".into()
        } else {
            claims.join(", ")
        },
    ));
    fields(o, &rows);
    let _ = writeln!(o, "</article>");
}

/// [`super::amendment_text`] in HTML, each value, the signer's name and
/// the reason isolated ([`bdi`]) when right to left: an Arabic title's
/// quotation marks around it were drawn out of place.
fn amendment(a: &crate::query::SourceAmendment) -> String {
    let changes = super::amendment_changes(a, |v| std::borrow::Cow::Owned(bdi(v)));
    format!(
        "at entry {} by {}, {}: {} ({})",
        a.seq,
        one_line(&a.signer_name),
        esc(&a.time),
        // The quotation marks around the values, escaped as `esc` does.
        changes.replace('"', "&quot;"),
        bdi(&a.reason)
    )
}

fn claims(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2 id=\"claims\">Claims</h2>");
    if r.claims.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    }
    // Each speaker's record once: the claims of one speaker share it, and
    // made again per claim it was the most of a whole-log report's time.
    let mut records = super::Records::new();
    for c in &r.claims {
        claim(o, r, c, &mut records);
    }
}

fn claim<'a>(o: &mut String, r: &'a Report, c: &'a ClaimView, records: &mut super::Records<'a>) {
    let _ = writeln!(
        o,
        "<article class=\"card claim\" id=\"{}\">\n<h3>{} — {} <span class=\"badge kind\">{}</span></h3>",
        esc(&c.id),
        esc(&c.id),
        one_line(&c.speaker),
        esc(&c.provenance)
    );
    if let Some(rt) = &c.retraction {
        let by = rt
            .replaced_by
            .map(|n| format!(" Replaced by <a href=\"#{0}\">{0}</a>.", esc(&n)))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<div class=\"redacted-box\"><strong>RETRACTED</strong> by {}: {}<br>\
             The claim was withdrawn as recorded in error; its entry stays signed in the log.{by}</div>",
            signed_by(&rt.signer_name, &rt.signer, rt.seq, &rt.time),
            bdi(&rt.reason)
        );
    }
    match &c.quote {
        Some(q) => {
            let shown = c.shown_context();
            let (prefix, suffix) = (shown.prefix, shown.suffix);
            let lead = if shown.more_before { "…" } else { "" };
            let tail = if shown.more_after { "…" } else { "" };
            // The context takes the direction of its first letter
            // (`dir="auto"`): in the page's left-to-right an Arabic
            // context's closing `”.` was drawn at the far right, before
            // the words that precede it, and its `…` at the wrong end.
            let _ = writeln!(
                o,
                "<blockquote class=\"context\" dir=\"auto\"><span class=\"ctx\">{lead}{}</span><mark>{}</mark><span class=\"ctx\">{}{tail}</span></blockquote>",
                esc(prefix),
                esc(q),
                esc(suffix)
            );
        }
        None => {
            let _ = writeln!(
                o,
                "<blockquote class=\"context unavailable\">Quote unavailable: {}. The quote's SHA-256 stays signed.</blockquote>",
                esc(c.quote_unavailable())
            );
        }
    }
    let src = r.source(c.source);
    let mut rows: Vec<(&str, String)> = vec![
        ("speaker", one_line(&c.speaker)),
        ("provenance", esc(&c.provenance)),
        (
            "source",
            format!(
                "<a href=\"#{}\">{}</a> {}, bytes {}..{}",
                esc(&c.source),
                esc(&c.source),
                src.and_then(|s| s.title.as_deref())
                    .map(|t| {
                        let (open, close) = crate::text::marks_for(t);
                        format!("{open}{}{close}", bdi(t))
                    })
                    .unwrap_or_default(),
                c.start,
                c.end
            ),
        ),
        (
            "quote sha256",
            format!("<code>{}</code>", esc(&c.quote_sha256)),
        ),
    ];
    if let Some(p) = &c.paraphrase {
        rows.push(("paraphrase", bdi(p)));
    }
    rows.push((
        "recorded by",
        signed_by(
            &c.signed.signer_name,
            &c.signed.signer,
            c.signed.seq,
            &c.signed.time,
        ) + &super::revoked_later(r, &c.signed.signer, c.signed.seq, VERIFY),
    ));
    if let Some(e) = r.entry(c.signed.seq) {
        rows.push(("entry hash", format!("<code>{}</code>", esc(&e.hash))));
    }
    if let Some(grades) = r.speaker_reliability.get(&c.speaker) {
        if !grades.is_empty() {
            let record = records.entry(c.speaker.as_str()).or_insert_with(|| {
                super::record_summary(grades, |g| {
                    format!(
                        "{} by {} on {} ({}{})",
                        esc(&g.reliability),
                        one_line(&g.signer_name),
                        esc(&g.claim),
                        esc(&g.annotation),
                        esc(&super::superseded_note(g))
                    )
                })
            });
            rows.push(("speaker's reliability record", record.clone()));
        }
    }
    fields(o, &rows);
    let anns: Vec<&AnnotationView> = r.annotations_on(c.id).collect();
    if anns.is_empty() {
        let _ = writeln!(o, "<p class=\"meta\">No annotations.</p>");
    }
    for a in anns {
        annotation(o, r, a);
    }
    let _ = writeln!(o, "</article>");
}

fn annotation(o: &mut String, r: &Report, a: &AnnotationView) {
    let later = r.later.get(&a.id);
    let superseded = a.superseded_by.is_some() || later.is_some() || a.retraction.is_some();
    let _ = writeln!(
        o,
        "<div class=\"ann{}\" id=\"{}\" style=\"border-left-color:{}\">",
        if superseded { " superseded" } else { "" },
        esc(&a.id),
        verdict_color(a.verdict)
    );
    let mut head = format!(
        "<strong>{}</strong> <span class=\"badge verdict\" style=\"background:{}\">{}</span>",
        esc(&a.id),
        verdict_color(a.verdict),
        esc(&a.verdict)
    );
    if let Some(g) = &a.reliability {
        let _ = write!(
            head,
            " reliability <strong>{}</strong> ({})",
            esc(g),
            g.meaning()
        );
    }
    if let Some(g) = a.credibility {
        let _ = write!(
            head,
            " · credibility <strong>{g}</strong> ({})",
            g.meaning()
        );
    }
    if a.retraction.is_some() {
        let _ = write!(head, " · <em>RETRACTED</em>");
    } else if let Some(s) = &a.superseded_by {
        let _ = write!(
            head,
            " · <em>superseded by <a href=\"#{}\">{}</a></em>",
            esc(s),
            esc(s)
        );
    } else if let Some(l) = later {
        let _ = write!(
            head,
            " · <em>not current: <a href=\"#{}\">{}</a>, appended later by the same person</em>",
            esc(l),
            esc(l)
        );
    }
    let _ = writeln!(o, "<div>{head}</div>");
    if let Some(rt) = &a.retraction {
        let _ = writeln!(
            o,
            "<div class=\"redacted-box\"><strong>RETRACTED</strong> by {}: {}<br>\
             The annotation was withdrawn as made in error; its entry stays signed in the log, \
             and its verdict and links no longer stand.</div>",
            signed_by(&rt.signer_name, &rt.signer, rt.seq, &rt.time),
            bdi(&rt.reason)
        );
    }
    if let Some(n) = &a.note {
        // A paragraph of its own, in its own direction (as the context).
        let _ = writeln!(o, "<p class=\"note\" dir=\"auto\">{}</p>", esc(n));
    }
    let mut links = Vec::new();
    for (what, ids) in [
        ("corroborates", &a.corroborates),
        ("contradicts", &a.contradicts),
    ] {
        if !ids.is_empty() {
            let l: Vec<String> = ids
                .iter()
                .map(|i| format!("<a href=\"#{}\">{}</a>", esc(i), esc(i)))
                .collect();
            links.push(format!("{what} {}", l.join(", ")));
        }
    }
    if let Some(s) = &a.supersedes {
        links.push(format!("supersedes <a href=\"#{}\">{}</a>", esc(s), esc(s)));
    }
    if !links.is_empty() {
        let _ = writeln!(o, "<div>{}</div>", links.join(" · "));
    }
    let _ = writeln!(
        o,
        "<div class=\"meta\">by {}</div>",
        signed_by(
            &a.signed.signer_name,
            &a.signed.signer,
            a.signed.seq,
            &a.signed.time
        )
    );
    if let Some((seq, reason)) = r.revoked_since(&a.signed.signer) {
        let _ = writeln!(
            o,
            "<div class=\"meta\">{}</div>",
            super::key_revoked_words(a.signed.seq, seq, Some(&bdi(reason)), VERIFY)
        );
    }
    let _ = writeln!(o, "</div>");
}

fn relations(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "<h2 id=\"relations\">Claims that corroborate or contradict each other</h2>"
    );
    if r.relations.is_empty() {
        let _ = writeln!(o, "<p>No annotation links claims to each other.</p>");
        return;
    }
    let (standing, past) = super::data::relations_apart(&r.relations);
    match standing.is_empty() {
        true => {
            let _ = writeln!(o, "<p>No link made by an annotation stands now.</p>");
        }
        false => relation_table(o, r, &standing),
    }
    if !past.is_empty() {
        let _ = writeln!(
            o,
            "<h3 id=\"relations-past\">Links that no longer stand</h3>\n<p>{}</p>",
            Relation::PAST
        );
        relation_table(o, r, &past);
    }
}

fn relation_table(o: &mut String, r: &Report, rels: &[&Relation]) {
    let _ = writeln!(
        o,
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>claim</th><th>says</th><th>relation</th><th>other claim</th><th>it says</th><th>annotation</th></tr></thead>\n<tbody>"
    );
    let describe = |id: ItemId| match r.claim(id) {
        Some(c) => (
            format!(
                "<a href=\"#{}\">{}</a> {}",
                esc(&id),
                esc(&id),
                one_line(&c.speaker)
            ),
            claim_label(r, c, 120),
        ),
        None => (esc(&id), "(not in this report)".into()),
    };
    for rel in rels {
        let (c1, s1) = describe(rel.claim);
        let (c2, s2) = describe(rel.other);
        let _ = writeln!(
            o,
            "<tr><td>{c1}</td><td>{s1}</td><td class=\"rel-{}\">{}</td><td>{c2}</td><td>{s2}</td><td><a href=\"#{}\">{}</a> {} by {}{}</td></tr>",
            rel.relation,
            rel.relation,
            esc(&rel.annotation),
            esc(&rel.annotation),
            esc(&rel.verdict),
            one_line(&rel.signer_name) + &super::revoked_mark(r, rel.signer.as_str(), rel.seq, VERIFY),
            rel.state()
        );
    }
    let _ = writeln!(o, "</tbody></table></div>");
}

/// [`Report::claim_label`] in HTML: the paraphrase or the quote isolated
/// ([`bdi`]) inside the label's quotation marks, so that an Arabic quote's
/// marks and the `…` of a cut are drawn at its ends.
fn claim_label(r: &Report, c: &ClaimView, max: usize) -> String {
    let cut = |t: &str, marks: usize| super::cut(t, max.saturating_sub(marks).max(8));
    match (&c.paraphrase, &c.quote) {
        (Some(p), _) => format!("{} (paraphrase)", bdi(&cut(p, 13))),
        (None, Some(q)) => {
            let (open, close) = crate::text::marks_for(q);
            format!("{open}{}{close}", bdi(&cut(q, 2)))
        }
        (None, None) => esc(&r.claim_label(c, max)),
    }
}

fn signers(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2 id=\"signers\">Signers</h2>");
    let _ = writeln!(
        o,
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>name</th><th>role</th><th>fingerprint</th><th>enrolled</th><th>revoked</th></tr></thead>\n<tbody>"
    );
    for k in &r.keys {
        let revoked = match (k.revoked_seq, &k.revoke_reason) {
            (Some(s), Some(why)) => format!("at entry {s}: {}", bdi(why)),
            (Some(s), None) => format!("at entry {s}"),
            _ => "no".into(),
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>entry {}</td><td>{revoked}</td></tr>",
            one_line(&k.name),
            esc(&k.role),
            esc(&k.fingerprint),
            k.enrolled_seq
        );
    }
    let _ = writeln!(o, "</tbody></table></div>");
}

fn entries(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2 id=\"entries\">Signed entries</h2>");
    let _ = writeln!(
        o,
        "<p>Each entry is signed (SSHSIG, namespace <code>claimtrail</code>) and chained to the one before by its hash. {}</p>",
        if r.checkpoint.is_some() {
            esc(&r.proofs_sentence())
        } else {
            "There is no checkpoint yet, so no inclusion proofs.".to_string()
        }
    );
    let _ = writeln!(
        o,
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>seq</th><th>kind</th><th>id</th><th>time</th><th>signer</th><th>entry hash</th></tr></thead>\n<tbody>"
    );
    for e in &r.entries {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            e.seq,
            esc(&e.kind),
            esc(&e.id.map(|i| i.to_string()).unwrap_or_default()),
            esc(&e.time),
            one_line(&e.signer_name) + &super::revoked_mark(r, &e.signer, e.seq, VERIFY),
            esc(&e.hash)
        );
    }
    let _ = writeln!(o, "</tbody></table></div>");
}

// ---------------------------------------------------------------------
// The provenance graph.

const W: f64 = 980.0;
const SX: f64 = 44.0;
const SW: f64 = 230.0;
const CX: f64 = 350.0;
const CW: f64 = 310.0;
const AX: f64 = 740.0;
const AW: f64 = 226.0;
const NH: f64 = 46.0;
const PITCH: f64 = 58.0;
const TOP: f64 = 44.0;

struct Node {
    y: f64,
}

/// Above this many nodes the graph is left out: it would be too large to
/// read or to render (report fewer ids to get one).
pub const MAX_GRAPH_NODES: usize = 600;

fn graph(o: &mut String, r: &Report) {
    let nodes = r.sources.len() + r.claims.len() + r.annotations.len();
    if nodes > MAX_GRAPH_NODES {
        let _ = writeln!(
            o,
            "<p>The graph is left out: this report has {nodes} sources, claims and annotations, more than the {MAX_GRAPH_NODES} a readable graph can hold. \
             Report fewer ids (e.g. one source or claim) to draw it.</p>"
        );
        return;
    }
    // Claims grouped by source (in source order), annotations beside their claim.
    let mut claim_order: Vec<&ClaimView> = Vec::new();
    for s in &r.sources {
        claim_order.extend(r.claims_of(s.id));
    }
    for c in &r.claims {
        if !claim_order.iter().any(|x| x.id == c.id) {
            claim_order.push(c);
        }
    }
    let mut claims: HashMap<ItemId, Node> = HashMap::new();
    let mut anns: HashMap<ItemId, Node> = HashMap::new();
    let mut y = TOP;
    let mut group_of: HashMap<ItemId, (f64, f64)> = HashMap::new();
    for c in &claim_order {
        let on: Vec<&AnnotationView> = r.annotations_on(c.id).collect();
        let slots = on.len().max(1) as f64;
        let cy = y + (slots - 1.0) * PITCH / 2.0;
        claims.insert(c.id, Node { y: cy });
        for (i, a) in on.iter().enumerate() {
            anns.insert(
                a.id,
                Node {
                    y: y + i as f64 * PITCH,
                },
            );
        }
        let g = group_of.entry(c.source).or_insert((cy, cy));
        g.0 = g.0.min(cy);
        g.1 = g.1.max(cy);
        y += slots * PITCH + 10.0;
    }
    let claims_bottom = y;
    let mut sources: HashMap<ItemId, Node> = HashMap::new();
    let mut next = TOP;
    for s in &r.sources {
        let want = group_of
            .get(&s.id)
            .map(|(a, b)| (a + b) / 2.0)
            .unwrap_or(next);
        let sy = want.max(next);
        sources.insert(s.id, Node { y: sy });
        next = sy + PITCH + 10.0;
    }
    let height = claims_bottom.max(next).max(TOP + PITCH) + 10.0;
    let legend_y = height + 8.0;
    let total = legend_y + 70.0;

    let _ = writeln!(
        o,
        "<figure class=\"graph\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {total}\" role=\"img\" aria-labelledby=\"graph-title\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"12\">\n<title id=\"graph-title\">Provenance graph: sources, the claims quoted from them, and the annotations assessing the claims</title>"
    );
    // Arrowheads, one per colour.
    let _ = writeln!(o, "<defs>");
    let mut colours: Vec<&str> = vec!["#8c959f", "#8250df", "#1a7f37", "#cf222e"];
    // One marker a colour: the verdicts share colours with the fixed ones,
    // not next to them (`dedup` left two ids twice, invalid HTML).
    for c in Verdict::ALL.iter().map(|&v| verdict_color(v)) {
        if !colours.contains(&c) {
            colours.push(c);
        }
    }
    for c in &colours {
        let _ = writeln!(
            o,
            "<marker id=\"m{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{c}\"/></marker>",
            &c[1..]
        );
    }
    let _ = writeln!(o, "</defs>");
    for (x, label) in [
        (SX, "Sources"),
        (CX, "Claims (quoted from sources)"),
        (AX, "Annotations (signed)"),
    ] {
        let _ = writeln!(
            o,
            "<text x=\"{x}\" y=\"22\" font-weight=\"700\" font-size=\"13\" fill=\"#1f2328\">{label}</text>"
        );
    }

    let mid = NH / 2.0;
    let edge = |o: &mut String, class: &str, d: String, colour: &str, dash: &str, title: String| {
        let _ = writeln!(
            o,
            "<path class=\"edge {class}\" d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash} marker-end=\"url(#m{})\"><title>{}</title></path>",
            &colour[1..],
            esc(&title)
        );
    };
    // Derived-from: parent → child, curving left of the sources column.
    for s in &r.sources {
        for p in &s.derived_from {
            if let (Some(child), Some(parent)) = (sources.get(&s.id), sources.get(p)) {
                let (y1, y2) = (parent.y + mid, child.y + mid);
                let d = format!(
                    "M{SX},{y1} C{},{y1} {},{y2} {SX},{y2}",
                    SX - 38.0,
                    SX - 38.0
                );
                edge(
                    o,
                    "derived",
                    d,
                    "#8250df",
                    " stroke-dasharray=\"2 3\"",
                    format!("{} was derived from {p}", s.id),
                );
            }
        }
    }
    // Quoted from: source → claim.
    for c in &claim_order {
        if let (Some(s), Some(n)) = (sources.get(&c.source), claims.get(&c.id)) {
            let (x1, y1, x2, y2) = (SX + SW, s.y + mid, CX, n.y + mid);
            let d = format!(
                "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
                x1 + 45.0,
                x2 - 45.0
            );
            edge(
                o,
                "quote",
                d,
                "#8c959f",
                "",
                format!("{} is quoted from {}", c.id, c.source),
            );
        }
    }
    // Assesses: claim → annotation, in the verdict's colour; and the
    // corroborates / contradicts links from an annotation to other claims.
    let retracted: std::collections::HashSet<ItemId> = r
        .claims
        .iter()
        .filter(|c| c.retraction.is_some())
        .map(|c| c.id)
        .collect();
    for a in &r.annotations {
        let Some(an) = anns.get(&a.id) else {
            continue;
        };
        if let Some(c) = claims.get(&a.claim) {
            let (x1, y1, x2, y2) = (CX + CW, c.y + mid, AX, an.y + mid);
            let d = format!(
                "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
                x1 + 35.0,
                x2 - 35.0
            );
            edge(
                o,
                "assesses",
                d,
                verdict_color(a.verdict),
                "",
                format!("{} assesses {}: {}", a.id, a.claim, a.verdict),
            );
        }
        // A retracted annotation's links are not live: not drawn. Those of
        // one that is no longer its analyst's current judgment (superseded,
        // or replaced by their later annotation of the claim) are history:
        // drawn faint, and said so (they looked like live links).
        // A link to or from a retracted claim is history too, drawn faint
        // and said so, as the other formats mark it ("C2 retracted"): it
        // was drawn as a live contradiction.
        let live = a.retraction.is_none();
        let current = a.superseded_by.is_none() && !r.later.contains_key(&a.id);
        for (class, colour, ids, off) in [
            ("corroborates", "#1a7f37", &a.corroborates, 10.0),
            ("contradicts", "#cf222e", &a.contradicts, -10.0),
        ]
        .into_iter()
        .filter(|_| live)
        {
            for other in ids {
                let withdrawn = [a.claim, *other]
                    .into_iter()
                    .find(|id| retracted.contains(id));
                let (faint, said) = match (current, withdrawn) {
                    (true, None) => ("", String::new()),
                    (_, Some(c)) => (" stroke-opacity=\"0.35\"", format!(" ({c} retracted)")),
                    (false, None) => (" stroke-opacity=\"0.35\"", " (not current)".into()),
                };
                if let Some(c) = claims.get(other) {
                    let (x1, y1, x2, y2) = (AX, an.y + mid + off / 2.0, CX + CW, c.y + mid + off);
                    let d = format!(
                        "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
                        x1 - 55.0,
                        x2 + 55.0
                    );
                    edge(
                        o,
                        class,
                        d,
                        colour,
                        &format!(" stroke-dasharray=\"6 4\"{faint}"),
                        format!("{}: {} {class} {other}{said}", a.id, a.claim),
                    );
                }
            }
        }
    }
    // Nodes.
    for s in &r.sources {
        let Some(n) = sources.get(&s.id) else {
            continue;
        };
        let redacted = s.redaction.is_some();
        let (fill, stroke, dash) = if redacted {
            ("#ffebe9", "#cf222e", " stroke-dasharray=\"5 3\"")
        } else {
            ("#ddf4ff", "#0969da", "")
        };
        let line1 = if redacted {
            format!("{} · {} · REDACTED", s.id, s.kind)
        } else {
            format!("{} · {}", s.id, s.kind)
        };
        let (bold, regular) = widths(SW);
        let line2 = match (&s.title, &s.publisher) {
            (Some(t), _) | (None, Some(t)) => label("", t, "", regular),
            (None, None) => esc("(untitled)"),
        };
        node(
            o,
            &format!("node source{}", if redacted { " redacted" } else { "" }),
            s.id,
            (SX, n.y, SW),
            (fill, stroke, dash, "#1f2328"),
            &label(&line1, "", "", bold),
            &line2,
            &format!(
                "{}: {}{}",
                esc(&s.id),
                isolated(s.title.as_deref().unwrap_or("(untitled)")),
                if redacted { " (redacted)" } else { "" }
            ),
        );
    }
    for c in &claim_order {
        let Some(n) = claims.get(&c.id) else {
            continue;
        };
        // Framed by the desk's latest current verdict: an auditor's audit
        // note colours a claim only when no analyst or admin has judged it
        // (it framed a claim over two desk verdicts).
        let current = r.current(c.id);
        let desk = |a: &&&AnnotationView| !a.by_auditor();
        let stroke = current
            .iter()
            .rfind(desk)
            .or(current.last())
            .map(|a| verdict_color(a.verdict))
            .unwrap_or("#8c959f");
        // A retracted claim is drawn faded and dashed, as a superseded
        // annotation is: still in the record, out of the current view.
        let retracted = c.retraction.is_some();
        let (bold, regular) = widths(CW);
        // The speaker and the quote each in their own direction (an
        // Arabic quote's marks and the `…` of its cut were drawn at the
        // wrong ends), the quotation marks kept when the quote is cut.
        let line1 = label(
            &format!(
                "{}{} · {} · ",
                c.id,
                if retracted { " · RETRACTED" } else { "" },
                c.provenance
            ),
            &c.speaker,
            "",
            bold,
        );
        let line2 = match &c.quote {
            Some(q) => {
                let (open, close) = crate::text::marks_for(q);
                label(open, q, close, regular)
            }
            None => label(
                &format!("(quote unavailable: {})", c.quote_unavailable()),
                "",
                "",
                regular,
            ),
        };
        node(
            o,
            if retracted {
                "node claim retracted"
            } else {
                "node claim"
            },
            c.id,
            (CX, n.y, CW),
            if retracted {
                ("#f6f8fa", "#8c959f", " stroke-dasharray=\"5 3\"", "#57606a")
            } else {
                ("#ffffff", stroke, "", "#1f2328")
            },
            &line1,
            &line2,
            &format!(
                "{} ({}, {}): {}",
                esc(&c.id),
                isolated(&c.speaker),
                esc(&c.provenance),
                isolated(c.quote.as_deref().unwrap_or("(quote unavailable)"))
            ),
        );
    }
    for a in &r.annotations {
        let Some(n) = anns.get(&a.id) else {
            continue;
        };
        let colour = verdict_color(a.verdict);
        let retracted = a.retraction.is_some();
        let replaced = r.later.get(&a.id);
        let superseded = a.superseded_by.is_some() || replaced.is_some() || retracted;
        let mut grades = String::new();
        if let Some(g) = &a.reliability {
            grades.push_str(g.as_str());
        }
        if let Some(g) = a.credibility {
            grades.push_str(&g.to_string());
        }
        let line1 = if grades.is_empty() {
            format!("{} · {}", a.id, a.verdict)
        } else {
            format!("{} · {} · {grades}", a.id, a.verdict)
        };
        let state = if retracted {
            " · RETRACTED".to_string()
        } else if let (None, Some(l)) = (a.superseded_by, replaced) {
            format!(" (not current: {l})")
        } else if superseded {
            format!(
                " (superseded by {})",
                a.superseded_by.map(|s| s.to_string()).unwrap_or_default()
            )
        } else {
            String::new()
        };
        let (bold, regular) = widths(AW);
        let line2 = label("", &a.signed.signer_name, &state, regular);
        node(
            o,
            &format!(
                "node annotation{}",
                if superseded { " superseded" } else { "" }
            ),
            a.id,
            (AX, n.y, AW),
            (
                colour,
                colour,
                if superseded {
                    " stroke-dasharray=\"4 3\" fill-opacity=\"0.45\""
                } else {
                    ""
                },
                "#ffffff",
            ),
            &label(&line1, "", "", bold),
            &line2,
            &format!(
                "{} on {}: {} by {}{}",
                esc(&a.id),
                esc(&a.claim),
                esc(&a.verdict),
                isolated(&a.signed.signer_name),
                a.note
                    .as_deref()
                    .map(|n| format!(" — {}", isolated(n)))
                    .unwrap_or_default()
            ),
        );
    }
    legend(o, legend_y);
    let _ = writeln!(
        o,
        "</svg>\n<figcaption>Sources (left) → the claims quoted from them → signed annotations (right, coloured by verdict). \
         Dashed green and red arrows: an annotation says its claim corroborates or contradicts another claim. \
         Dotted purple: a source derived from another. Hover a node for its full text.</figcaption>\n</figure>"
    );
}

/// How many characters a node of width `w` holds on its bold line and on
/// its regular one: estimated widths (bold ~7.2 px, regular ~6.6 px a
/// character at 12 px); a clip path keeps any wider text inside the box
/// anyway.
fn widths(w: f64) -> (usize, usize) {
    (((w - 18.0) / 7.2) as usize, ((w - 18.0) / 6.6) as usize)
}

/// A line of a graph node, escaped, of at most `max` characters: `before`
/// and `after` are claimtrail's words, `text` (a speaker, a quote, a
/// title, a name) is cut to fit between them, `…` marking the cut inside
/// it, and isolated ([`isolated`]) when right to left, so that the `…`
/// and the marks around it are drawn at its ends. Line breaks read as
/// spaces. When `before` and `after` leave too little room, the line is
/// cut as a whole.
fn label(before: &str, text: &str, after: &str, max: usize) -> String {
    let flat = |s: &str| s.replace('\n', " ");
    let (before, text, after) = (flat(before), flat(text), flat(after));
    let fixed = before.chars().count() + after.chars().count();
    if fixed + text.chars().count() <= max {
        return format!("{}{}{}", esc(&before), isolated(&text), esc(&after));
    }
    if text.is_empty() || fixed + 8 > max {
        return esc(&cut(&format!("{before}{text}{after}"), max));
    }
    format!(
        "{}{}{}",
        esc(&before),
        isolated(&cut(&text, max - fixed)),
        esc(&after)
    )
}

/// One node: a rounded box with an id line and a label line (escaped, as
/// [`label`] makes them), and the full text as its tooltip (escaped).
#[allow(clippy::too_many_arguments)]
fn node(
    o: &mut String,
    class: &str,
    id: ItemId,
    (x, y, w): (f64, f64, f64),
    (fill, stroke, extra, text): (&str, &str, &str, &str),
    line1: &str,
    line2: &str,
    title: &str,
) {
    let _ = writeln!(
        o,
        "<g class=\"{class}\" id=\"node-{}\"><title>{}</title>\
         <clipPath id=\"clip-{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{NH}\"/></clipPath>\
         <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{NH}\" rx=\"7\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"{extra}/>\
         <g clip-path=\"url(#clip-{})\">\
         <text x=\"{}\" y=\"{}\" font-weight=\"700\" fill=\"{text}\">{}</text>\
         <text x=\"{}\" y=\"{}\" fill=\"{text}\">{}</text></g></g>",
        esc(&id),
        title,
        esc(&id),
        w - 6.0,
        esc(&id),
        x + 9.0,
        y + 18.0,
        line1,
        x + 9.0,
        y + 36.0,
        line2,
    );
}

fn legend(o: &mut String, y: f64) {
    let _ = writeln!(o, "<g class=\"legend\" font-size=\"11\">");
    let _ = writeln!(
        o,
        "<text x=\"{SX}\" y=\"{}\" font-weight=\"700\" fill=\"#1f2328\">Verdicts</text>",
        y + 12.0
    );
    let mut x = SX + 62.0;
    for &v in Verdict::ALL {
        let _ = writeln!(
            o,
            "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#1f2328\">{v}</text>",
            y + 1.0,
            verdict_color(v),
            x + 19.0,
            y + 12.0
        );
        x += 24.0 + v.as_str().len() as f64 * 6.6 + 12.0;
    }
    let y2 = y + 36.0;
    let _ = writeln!(
        o,
        "<text x=\"{SX}\" y=\"{}\" font-weight=\"700\" fill=\"#1f2328\">Links</text>",
        y2 + 4.0
    );
    let mut x = SX + 62.0;
    for (label, colour, dash) in [
        ("quoted from", "#8c959f", ""),
        ("derived from", "#8250df", " stroke-dasharray=\"2 3\""),
        ("assesses", "#9a6700", ""),
        ("corroborates", "#1a7f37", " stroke-dasharray=\"6 4\""),
        ("contradicts", "#cf222e", " stroke-dasharray=\"6 4\""),
    ] {
        let _ = writeln!(
            o,
            "<line x1=\"{x}\" y1=\"{y2}\" x2=\"{}\" y2=\"{y2}\" stroke=\"{colour}\" stroke-width=\"2\"{dash} marker-end=\"url(#m{})\"/><text x=\"{}\" y=\"{}\" fill=\"#1f2328\">{label}</text>",
            x + 30.0,
            &colour[1..],
            x + 36.0,
            y2 + 4.0
        );
        x += 44.0 + label.len() as f64 * 6.6 + 10.0;
    }
    let _ = writeln!(
        o,
        "<rect x=\"{x}\" y=\"{}\" width=\"18\" height=\"14\" rx=\"3\" fill=\"#ffebe9\" stroke=\"#cf222e\" stroke-dasharray=\"4 2\"/><text x=\"{}\" y=\"{}\" fill=\"#1f2328\">redacted source</text>",
        y2 - 7.0,
        x + 24.0,
        y2 + 4.0
    );
    let x = x + 24.0 + "redacted source".len() as f64 * 6.6 + 16.0;
    let _ = writeln!(
        o,
        "<rect x=\"{x}\" y=\"{}\" width=\"18\" height=\"14\" rx=\"3\" fill=\"#f6f8fa\" stroke=\"#8c959f\" stroke-dasharray=\"5 3\"/><text x=\"{}\" y=\"{}\" fill=\"#1f2328\">retracted claim</text>",
        y2 - 7.0,
        x + 24.0,
        y2 + 4.0
    );
    let _ = writeln!(o, "</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{202e}b\u{0}"), "a\\u{202e}b\\u{0}");
    }

    /// Right-to-left text is isolated, with a cut's `…` inside the
    /// isolate and claimtrail's words outside; other text is as it was.
    #[test]
    fn right_to_left_values_are_isolated() {
        assert_eq!(bdi("Rana <b>"), "Rana &lt;b&gt;");
        // A one-line field's line break is shown, not drawn as a space.
        assert_eq!(one_line("Title\nline <two>"), "Title\\nline &lt;two&gt;");
        assert_eq!(bdi("Title\nline"), "Title\nline");
        assert_eq!(bdi("رنا حداد"), "<bdi>رنا حداد</bdi>");
        // The log's own controls stay escapes inside the isolate.
        assert_eq!(bdi("رنا\u{202e}"), "<bdi>رنا\\u{202e}</bdi>");
        assert_eq!(label("“", "short", "”", 30), "“short”");
        assert_eq!(
            label("“", "سبعة مدنيين بينهم أربعة أطفال", "”", 14),
            "“\u{2068}سبعة مدنيين…\u{2069}”"
        );
        assert_eq!(
            label("A1 · ", "رنا", " (not current: A2)", 40),
            "A1 · \u{2068}رنا\u{2069} (not current: A2)"
        );
        // Too little room beside the fixed words: the line is cut whole.
        assert_eq!(label("C1 · statement · ", "x", "", 10), "C1 · stat…");
    }

    #[test]
    fn only_http_urls_become_links() {
        assert!(link("https://example.org/a?b=1&c=2")
            .starts_with("<a href=\"https://example.org/a?b=1&amp;c=2\""));
        assert!(!link("javascript:alert(1)").contains("<a"));
        assert!(!link("https://x.org/\" onmouseover=\"x").contains("onmouseover=\"x"));
        // Where the link would not go where the URL goes, text only: an
        // escape's backslash in href ends the host (browsers read it as /).
        for spoof in [
            "https://evil.example\u{202e}@news.example/story",
            "https://evil.example\\@news.example/story",
            "https://www.reuters.com%2Fworld@evil.example/article",
        ] {
            let shown = link(spoof);
            assert!(!shown.contains("<a"), "{shown}");
        }
        // A URL in another script is linked as it is.
        assert!(link("https://ar.example/\u{62e}\u{628}\u{631}")
            .starts_with("<a href=\"https://ar.example/\u{62e}"));
    }
}
