//! Provenance reports for readers without the database: one module per
//! format, all rendered from the same [`data::Report`] that [`data::gather`]
//! builds (the projection views of [`crate::query`], the exact signed
//! entries, and a [`crate::verify`] run over the whole log).
//!
//! Every format states the log it was made from, whether verify passed
//! (a failure is said first, before anything else), and the checkpoint the
//! report is anchored to (or that there is none yet). Text from the log is
//! treated as hostile everywhere: HTML-escaped in `html`, markup-escaped in
//! `md`, formula-neutralised in `csv`, JSON-escaped in the JSON formats.
//! docs/REPORTS.md documents every format.

pub mod claimreview;
pub mod csv;
pub mod data;
pub mod html;
pub mod json;
pub mod md;
pub mod prov;
pub mod wa;

pub use data::{gather, gather_at_latest_checkpoint, gather_unanchored, CheckpointInfo, Report};

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::model::{ItemId, Verdict};
use std::fmt;
use std::str::FromStr;

/// The output formats of `claimtrail report`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// Readable Markdown.
    Md,
    /// One self-contained HTML file with an inline SVG provenance graph.
    Html,
    /// The versioned `claimtrail-report` JSON document, for programs.
    Json,
    /// One row per claim, RFC 4180, for spreadsheets.
    Csv,
    /// schema.org ClaimReview JSON-LD.
    ClaimReview,
    /// W3C PROV-JSON.
    Prov,
    /// W3C Web Annotation JSON-LD.
    Wa,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Md,
        Format::Html,
        Format::Json,
        Format::Csv,
        Format::ClaimReview,
        Format::Prov,
        Format::Wa,
    ];

    /// The format's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::ClaimReview => "claimreview",
            Format::Prov => "prov",
            Format::Wa => "wa",
        }
    }

    /// Every format name, for help texts and parsers.
    pub fn names() -> Vec<&'static str> {
        Format::ALL.iter().map(|f| f.as_str()).collect()
    }

    /// The names a command line takes: each format's, and `markdown` for
    /// md (hidden from the help's list).
    pub fn accepted() -> Vec<&'static str> {
        let mut names = Format::names();
        names.push("markdown");
        names
    }

    /// The usual file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::ClaimReview | Format::Wa => "jsonld",
            Format::Prov => "provjson",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        // The long name people type for md.
        let s = if s == "markdown" { "md" } else { s };
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    format!("`{s}` is not a report format"),
                    format!("use --format {}", Format::names().join("|")),
                )
            })
    }
}

/// Renders a gathered report in one format to `w`: the JSON formats as
/// they are made, so that a report of a whole large log is not held in
/// memory twice, once as data and once as text (a JSON report of 201,313
/// entries was 0.9 GB of text). The only errors are `w`'s.
///
/// The linked-data formats (ClaimReview, PROV, Web Annotation) are cut up
/// where they are used: a site embeds one review, one annotation. Only
/// their first node says whether verify passed, so when it failed they
/// hold that node and no item: a forged verdict (`UPDATE annotations SET
/// verdict = 'confirmed'`) was a ready-to-embed review, "True", under the
/// analyst's real name and key. The readable formats (Markdown, HTML,
/// JSON, CSV) say the failure beside every item, and keep them.
pub fn render_to(
    report: &Report,
    format: Format,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let withheld;
    let report = match format {
        Format::ClaimReview | Format::Prov | Format::Wa if !report.verify.ok => {
            withheld = Report {
                keys: Vec::new(),
                sources: Vec::new(),
                claims: Vec::new(),
                annotations: Vec::new(),
                relations: Vec::new(),
                verdicts: Default::default(),
                auditor_verdicts: Default::default(),
                later: Default::default(),
                speaker_reliability: Default::default(),
                char_spans: Default::default(),
                quote_contexts: Default::default(),
                entries: Vec::new(),
                index: Default::default(),
                ..report.clone()
            };
            &withheld
        }
        _ => report,
    };
    match format {
        Format::Md => w.write_all(md::render(report).as_bytes()),
        Format::Html => w.write_all(html::render(report).as_bytes()),
        Format::Json => json::render(report, w),
        Format::Csv => w.write_all(csv::render(report).as_bytes()),
        Format::ClaimReview => claimreview::render(report, w),
        Format::Prov => prov::render(report, w),
        Format::Wa => wa::render(report, w),
    }
}

/// A source's address as the linked-data formats give it: only one that
/// `source add --url` would take now ([`crate::sources::check_url`]).
/// Those formats are embedded in web pages, which may link it; an entry
/// signed by another tool, or before a rule, may hold a `javascript:` or
/// `data:` address (verify does not judge addresses), which they left in
/// `url`, `scope` and `ct:url` as it was. The readable formats show any
/// address as text and link only http(s) ones.
pub(crate) fn linkable_url(url: Option<&str>) -> Option<&str> {
    url.filter(|u| crate::sources::check_url(u).is_ok())
}

/// Pretty JSON of a value, then a newline, written to `w` as it is made
/// ([`crate::text::write_json_pretty`]).
pub(crate) fn write_json<T: serde::Serialize>(
    w: &mut dyn std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    crate::text::write_json_pretty(&mut *w, value, false)?;
    w.write_all(b"\n")
}

/// [`write_json`] for the linked-data formats (ClaimReview, Web Annotation,
/// PROV), which are pasted into web pages as they are: ClaimReview's
/// purpose is a `<script type="application/ld+json">` element. `<`, `>`
/// and `&` in strings are written as `\u003c`, `\u003e` and `\u0026`, so
/// that no quote, note or title can close that element (`</script>`); the
/// JSON means the same.
pub(crate) fn write_json_ld<T: serde::Serialize>(
    w: &mut dyn std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    crate::text::write_json_pretty(&mut *w, value, true)?;
    w.write_all(b"\n")
}

/// Whether a URL is made a link (HTML) or an autolink (Markdown): only when
/// the link goes where the signed URL goes. http(s) only (an `ftp://`
/// address was linked, though REPORTS.md says no other scheme is), with a host and no
/// user name before it (`https://www.reuters.com%2Fworld@evil.example/`
/// shows one site and goes to another; `--url` refuses it since
/// 2026-12-04, but a log may hold one from before), no white space, and
/// nothing that [`visible`] shows as an escape (`\u{202e}`) or that a
/// browser reads as a path separator (`\`): an escape's backslash in a
/// link ends the host, so `https://evil.example<U+202E>@news.example/`
/// would have led to evil.example. And only an address `source add --url`
/// would take now ([`crate::sources::check_url`]): verify does not judge
/// addresses, and an amendment signed outside the CLI put
/// `https://www.аl-monitor.com/…`, its `а` Cyrillic, into a live link.
pub(crate) fn linkable(url: &str) -> bool {
    let web = ["http://", "https://"].iter().any(|p| {
        url.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    });
    web && crate::sources::check_url(url).is_ok()
        && crate::sources::web_authority(url).is_some_and(|h| !h.is_empty() && !h.contains('@'))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        && visible(url) == url
}

/// Makes hostile characters visible for human-readable formats: control
/// characters (NUL, ESC of ANSI sequences, C1) and bidirectional controls
/// (e.g. U+202E) become `\u{…}`, tabs `\t`; newlines are kept.
pub(crate) fn visible(s: &str) -> String {
    crate::text::escape_keep_newlines(s)
}

pub(crate) use crate::text::cut;

/// A letter of a script written right to left (the blocks of Hebrew to
/// NKo and Samaritan to Arabic Extended, their presentation forms, and the
/// right-to-left blocks of the supplementary planes), as the CLI's tables
/// judge a cell that needs isolating. The HTML report isolates a value
/// holding one from the English around it.
pub(crate) fn is_right_to_left(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08ff}' | '\u{fb1d}'..='\u{fdff}' | '\u{fe70}'..='\u{fefe}' | '\u{10800}'..='\u{10fff}' | '\u{1e800}'..='\u{1efff}')
        && c.is_alphabetic()
}

/// A `urn:claimtrail:` IRI for an item of this log, used as the `@id` /
/// `id` of nodes in the JSON-LD and PROV formats. The origin is
/// percent-encoded so that the IRI has no spaces or reserved characters
/// other than `/`, `.`, `-`, `_` and `~`.
pub(crate) fn item_iri(origin: &str, id: ItemId) -> String {
    format!("{}{id}", namespace_iri(origin))
}

/// The namespace of [`item_iri`]: `urn:claimtrail:<origin>:`.
pub(crate) fn namespace_iri(origin: &str) -> String {
    let mut out = String::from("urn:claimtrail:");
    for b in origin.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push(':');
    out
}

/// An RFC 6920 `ni:` URI for a SHA-256: names the exact bytes of a source
/// text independently of where it was published.
pub(crate) fn ni_sha256(digest: &Hash) -> String {
    use base64::Engine;
    format!(
        "ni:///sha-256;{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_bytes())
    )
}

/// The schema.org ClaimReview rating of a verdict (README "Verdicts"):
/// (ratingValue on 1 worst … 5 best, alternateName).
pub fn rating(verdict: Verdict) -> (u8, &'static str) {
    match verdict {
        Verdict::Confirmed => (5, "True"),
        Verdict::Corroborated => (4, "Mostly true"),
        Verdict::Unverified => (3, "Unproven"),
        Verdict::Disputed => (3, "Disputed"),
        Verdict::Misleading => (2, "Misleading"),
        Verdict::False => (1, "False"),
    }
}

/// Grades of a speaker's reliability record listed one by one; a longer
/// record is summed up.
pub const RECORD_IN_FULL: usize = 10;

/// Each speaker's reliability record as a format shows it, by speaker:
/// made once per speaker while a report's claims are rendered (made per
/// claim, it was most of a whole-log report's time).
pub(crate) type Records<'a> = std::collections::HashMap<&'a str, String>;

/// A speaker's reliability record as people read it (reports in HTML and
/// Markdown, `show`): every grade when there are at most
/// [`RECORD_IN_FULL`], otherwise how many of each grade and the five
/// latest, so that a speaker graded thousands of times across a large log
/// does not fill a one-claim report. The JSON forms keep every grade.
pub fn record_summary(
    grades: &[crate::query::SpeakerGrade],
    one: impl Fn(&crate::query::SpeakerGrade) -> String,
) -> String {
    if grades.len() <= RECORD_IN_FULL {
        return grades.iter().map(one).collect::<Vec<_>>().join("; ");
    }
    let revised = grades.iter().filter(|g| !g.current()).count();
    let revised = if revised > 0 {
        format!(" ({revised} no longer current: superseded or replaced)")
    } else {
        String::new()
    };
    let mut counts = std::collections::BTreeMap::new();
    for g in grades {
        *counts.entry(g.reliability.as_str()).or_insert(0usize) += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(g, n)| format!("{g} ×{n}")).collect();
    let latest: Vec<String> = grades.iter().rev().take(5).map(one).collect();
    format!(
        "{} grades{revised}: {}; the latest: {}",
        grades.len(),
        counts.join(", "),
        latest.join("; ")
    )
}

/// What a signer's revoked key means for an item it signed at entry
/// `signed`, the key revoked at entry `revoked`: `key revoked later, at
/// entry N` for an item signed before the revocation (it stays valid), and
/// for one signed after it (a lost or stolen key's signature, which
/// `claimtrail verify` rejects under `authorization`) that it was signed
/// after: the tables `show` and the reports read said "later" of both.
/// `reason`: the revocation's, escaped for the format, when it is to be
/// said too. `verify`: the command as the format writes it (a code span,
/// or plain).
pub fn key_revoked_words(
    signed: crate::model::Seq,
    revoked: crate::model::Seq,
    reason: Option<&str>,
    verify: &str,
) -> String {
    match signed.cmp(&revoked) {
        std::cmp::Ordering::Less => match reason {
            Some(why) => format!("key revoked later, at entry {revoked}: {why}"),
            None => format!("key revoked later, at entry {revoked}"),
        },
        // An admin's key may revoke itself: that entry is valid.
        std::cmp::Ordering::Equal => match reason {
            Some(why) => format!("key revoked by this entry: {why}"),
            None => "key revoked by this entry".to_string(),
        },
        std::cmp::Ordering::Greater => {
            let why = reason.map(|why| format!(" ({why})")).unwrap_or_default();
            format!("signed after its key was revoked at entry {revoked}{why}: {verify} rejects it")
        }
    }
}

/// `; key revoked later, at entry N` after the signer of an item whose key
/// was revoked since, for the readable reports (the reason is in the keys
/// table and under each annotation), or `; signed after its key was
/// revoked at entry N: …` for an item signed after the revocation
/// ([`key_revoked_words`]); nothing otherwise. `signed`: the item's entry.
/// `verify`: the command as the format writes it.
pub fn revoked_later(
    r: &data::Report,
    signer: &crate::model::Fingerprint,
    signed: crate::model::Seq,
    verify: &str,
) -> String {
    r.revoked_since(signer)
        .map(|(seq, _)| format!("; {}", key_revoked_words(signed, seq, None, verify)))
        .unwrap_or_default()
}

/// ` (key revoked later, at entry N)` after a signer's name in a table
/// row (the relations between claims, the signed entries), where
/// [`revoked_later`]'s `; …` after a time does not fit: a reader of the
/// casualty counts' comparison alone should see it as the annotation's
/// card shows it. `signer` as an entry record holds it, read and not yet
/// parsed; nothing when it is no fingerprint. `signed`: the entry of the
/// row's item, compared with the revocation's ([`key_revoked_words`]).
pub fn revoked_mark(
    r: &data::Report,
    signer: &str,
    signed: crate::model::Seq,
    verify: &str,
) -> String {
    signer
        .parse::<crate::model::Fingerprint>()
        .ok()
        .and_then(|f| r.revoked_since(&f).map(|(seq, _)| seq))
        .map(|seq| format!(" ({})", key_revoked_words(signed, seq, None, verify)))
        .unwrap_or_default()
}

/// The sentence the machine formats (ClaimReview, Web Annotation) carry for
/// an item whose signer's key was revoked since: the item stays valid, but
/// whoever republishes it should weigh it knowing why the key was withdrawn.
/// An item signed after the revocation is said to be
/// ([`key_revoked_words`]): no valid entry, but a lost key's.
pub fn revocation_note(signed: crate::model::Seq, seq: crate::model::Seq, reason: &str) -> String {
    let why = |lead: &str, end: &str| match reason.is_empty() {
        true => String::new(),
        false => format!("{lead}{reason}{end}"),
    };
    match signed.cmp(&seq) {
        std::cmp::Ordering::Greater => format!(
            "this was signed after the signer's key was revoked at entry {seq}{}, and `claimtrail verify` rejects it",
            why(" (", ")")
        ),
        _ => format!(
            "the signer's key was revoked later, at entry {seq}{}",
            why(": ", "")
        ),
    }
}

/// `, superseded by A<n>` for a grade of the record that its analyst has
/// since superseded, `, not current: A<n>` for one their later annotation
/// of the claim replaced; nothing otherwise.
pub fn superseded_note(g: &crate::query::SpeakerGrade) -> String {
    match (&g.superseded_by, &g.replaced_by) {
        (Some(a), _) => format!(", superseded by {a}"),
        (None, Some(a)) => format!(", not current: {a}"),
        (None, None) => String::new(),
    }
}

/// One amendment of a source as the reports print it (each format escapes
/// it): `at entry N by NAME, TIME: title "was" → "now"; … (reason)`.
pub fn amendment_text(a: &crate::query::SourceAmendment) -> String {
    format!(
        "at entry {} by {}, {}: {} ({})",
        a.seq,
        a.signer_name,
        a.time,
        amendment_changes(a, std::borrow::Cow::Borrowed),
        a.reason
    )
}

/// What an amendment changed: `title "was" → "now"; url (none) → "…";
/// author "…" → (none)` (a field it cleared), each value through `shown`
/// (the terminal's escape, or as it is for a report that escapes the whole
/// line its own way). Shared by the reports and by `show`.
pub fn amendment_changes<'a>(
    a: &'a crate::query::SourceAmendment,
    shown: impl Fn(&'a str) -> std::borrow::Cow<'a, str>,
) -> String {
    let value = |v: &'a Option<String>| {
        v.as_deref()
            .map_or_else(|| "(none)".to_string(), |v| format!("\"{}\"", shown(v)))
    };
    a.changes
        .iter()
        .map(|c| format!("{} {} → {}", c.field, value(&c.was), value(&c.now)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as text, for the tests: [`render_to`] into memory.
    fn render(report: &Report, format: Format) -> Result<String> {
        let mut out = Vec::new();
        render_to(report, format, &mut out).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(String::from_utf8(out).unwrap())
    }
    use crate::model::Seq;

    /// An item signed after its key's revocation is never said to have
    /// been revoked "later" (verify rejects such an entry).
    #[test]
    fn an_item_signed_after_the_revocation_is_not_revoked_later() {
        let v = "`claimtrail verify`";
        assert_eq!(
            key_revoked_words(Seq(4), Seq(7), None, v),
            "key revoked later, at entry 7"
        );
        assert_eq!(
            key_revoked_words(Seq(4), Seq(7), Some("lost"), v),
            "key revoked later, at entry 7: lost"
        );
        assert_eq!(
            key_revoked_words(Seq(7), Seq(7), None, v),
            "key revoked by this entry"
        );
        assert_eq!(
            key_revoked_words(Seq(8), Seq(7), Some("lost"), v),
            "signed after its key was revoked at entry 7 (lost): `claimtrail verify` rejects it"
        );
        assert_eq!(
            revocation_note(Seq(4), Seq(7), "lost"),
            "the signer's key was revoked later, at entry 7: lost"
        );
        assert_eq!(
            revocation_note(Seq(4), Seq(7), ""),
            "the signer's key was revoked later, at entry 7"
        );
        assert_eq!(
            revocation_note(Seq(8), Seq(7), "lost"),
            "this was signed after the signer's key was revoked at entry 7 (lost), and `claimtrail verify` rejects it"
        );
    }

    /// A label is cut between the characters a reader sees: a family emoji
    /// and a letter with its accents are kept or left out whole.
    #[test]
    fn labels_are_cut_between_characters() {
        let family = "aaa\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} family";
        assert_eq!(cut(family, 4), "aaa…");
        assert_eq!(
            cut(family, 5),
            "aaa\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}…"
        );
        assert_eq!(cut("be\u{301}\u{301}xyz", 3), "be\u{301}\u{301}…");
        assert_eq!(cut("short", 5), "short");
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), *f);
        }
        assert!("pdf".parse::<Format>().is_err());
    }

    #[test]
    fn linked_data_cannot_close_the_script_element_it_is_pasted_in() {
        let v = serde_json::json!({"reviewBody": "</script><script>alert(1)</script>", "url": "https://x.example/?a=1&b=2"});
        let mut text = Vec::new();
        write_json_ld(&mut text, &v).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(!text.contains(['<', '>', '&']), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn iris_and_ni_uris() {
        assert_eq!(
            item_iri("newsroom.example/idlib 2022", ItemId::claim(1)),
            "urn:claimtrail:newsroom.example/idlib%202022:C1"
        );
        // RFC 6920 §8.1 example: sha-256 of "Hello World!".
        let h = crate::hash::Hash::sha256(b"Hello World!");
        assert_eq!(
            ni_sha256(&h),
            "ni:///sha-256;f4OxZX_x_FO5LcGBSKHWXfwtSx-j1ncoSt3SABJtkGk"
        );
    }

    #[test]
    fn an_anchored_report_states_its_checkpoint_and_proofs() {
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::demo::build(&dir.path().join("demo")).unwrap();
        let store = crate::store::Store::open(&demo.db).unwrap();
        let cp = CheckpointInfo {
            size: crate::merkle::TreeSize(18),
            root: Hash([0xab; 32]),
            note: "newsroom.example/idlib-2022\n18\nq83vq83v\n\n— x y\n".into(),
        };
        // A stand-in proof whose one node is the entry's seq, big-endian.
        let proof = |seq: crate::model::Seq| -> Result<Option<Vec<Hash>>> {
            let mut node = [0u8; 32];
            node[24..].copy_from_slice(&seq.0.to_be_bytes());
            Ok((seq.0 < 18).then(|| vec![Hash(node)]))
        };
        let ids = ["C1".parse().unwrap()];
        let r = gather(&store, &ids, Some(cp.clone()), &proof, &mut |_, _| {}).unwrap();
        assert!(r
            .checkpoint_line()
            .starts_with("made at checkpoint: tree size 18, root abab"));
        let doc: serde_json::Value =
            serde_json::from_str(&render(&r, Format::Json).unwrap()).unwrap();
        assert_eq!(doc["checkpoint"]["size"], 18);
        assert_eq!(doc["checkpoint"]["note"], cp.note.as_str());
        for e in doc["entries"].as_array().unwrap() {
            let seq = e["seq"].as_u64().unwrap();
            assert_eq!(e["inclusion_proof"][0], format!("{seq:064x}").as_str());
        }
        for f in Format::ALL {
            let out = render(&r, *f).unwrap();
            // After a "Checkpoint:" label the tree alone, not "made at
            // checkpoint" again.
            let said = match f {
                Format::Md => "**Checkpoint:** tree size 18, root abab",
                Format::Html => "<strong>Checkpoint:</strong> tree size 18, root abab",
                _ => "made at checkpoint: tree size 18",
            };
            assert!(out.contains(said) || *f == Format::Csv, "{f}");
            assert!(!out.contains("Checkpoint:** made at"), "{f}");
            assert!(!out.contains("no checkpoint yet"), "{f}");
        }
        assert!(render(&r, Format::Csv)
            .unwrap()
            .contains(&format!("size 18 root {}", cp.root)));
        // Unanchored: says so.
        let r = gather_unanchored(&store, &[]).unwrap();
        for f in Format::ALL {
            let out = render(&r, *f).unwrap();
            assert!(
                out.contains("no checkpoint yet") || out.contains("none yet"),
                "{f}"
            );
        }
    }

    #[test]
    fn a_long_reliability_record_is_summed_up() {
        let grade = |i: usize, r: &str| crate::query::SpeakerGrade {
            annotation: ItemId::annotation(i as u64),
            claim: ItemId::claim(i as u64),
            reliability: r.parse().unwrap(),
            signer_name: "Rana".into(),
            time: String::new(),
            superseded_by: (i == 7).then(|| ItemId::annotation(99)),
            replaced_by: (i == 8).then(|| ItemId::annotation(98)),
        };
        let one = |g: &crate::query::SpeakerGrade| format!("{} on {}", g.reliability, g.claim);
        let few: Vec<_> = (1..=RECORD_IN_FULL).map(|i| grade(i, "B")).collect();
        let listed = record_summary(&few, one);
        assert!(listed.starts_with("B on C1; B on C2; "), "{listed}");
        assert!(listed.ends_with("B on C10"), "{listed}");
        let many: Vec<_> = (1..=50)
            .map(|i| grade(i, if i % 5 == 0 { "C" } else { "B" }))
            .collect();
        assert_eq!(
            record_summary(&many, one),
            "50 grades (2 no longer current: superseded or replaced): B ×40, C ×10; the latest: C on C50; B on C49; B on C48; B on C47; B on C46"
        );
    }

    #[test]
    fn cut_marks_the_cut() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
        assert_eq!(cut("abcd", 4), "abcd");
    }
}
