//! Readable Markdown (CommonMark with GFM tables). Text from the log is
//! escaped so that it can never form markup or HTML: `<`, `>` and `&`
//! become entities; `\` `` ` `` `*` `_` `[` `]` `|` `~` `$` get a
//! backslash; block markers at the start of a line (`#`, `+`, `-`, `=`,
//! `1.`) are escaped too, and leading spaces cannot open a code block.
//! Control and bidirectional characters are shown as `\u{…}`.
//! A word that GitHub's Markdown would link by itself (`www.`, `https://`,
//! an e-mail address) is a code span instead, exact and never a link: only
//! a source's URL is linked.
//!
//! Right-to-left text gets no direction marks here (the HTML report
//! isolates it): HTML would be escaped, and Unicode isolates would be the
//! report's own bidirectional controls in a text that shows every other
//! one as `\u{…}` (docs/REPORTS.md "md").

use super::data::{Relation, Report};
use super::visible;
use crate::model::ItemId;
use crate::query::{AnnotationView, ClaimView, SourceView};
use crate::text::count;
use std::fmt::Write;

/// `claimtrail verify` as this format writes a command: what a reader runs
/// to see why an item signed after its key's revocation is rejected.
const VERIFY: &str = "`claimtrail verify`";

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# {}\n",
        heading(&format!("Provenance report: {}", inline(&r.origin)))
    );
    status(&mut o, r);
    sources(&mut o, r);
    claims(&mut o, r);
    relations(&mut o, r);
    signers(&mut o, r);
    entries(&mut o, r);
    o
}

fn status(o: &mut String, r: &Report) {
    if r.verify.ok {
        let _ = writeln!(o, "> **Verified.** {}.", inline(&r.verify_line()));
    } else {
        let _ = writeln!(o, "> **{}.**", inline(&r.verify_line()));
    }
    let _ = writeln!(o, ">");
    // The coverage note names the command to run; as prose its backticks
    // were escaped and shown, where the rest of the report writes a
    // command as code. The note is claimtrail's own words (sizes, hashes,
    // entry kinds and ids), so the one escaped command is put back.
    let _ = writeln!(
        o,
        "> **Checkpoint:** {}.",
        inline(&r.checkpoint_after_label())
            .replace("\\`claimtrail checkpoint\\`", "`claimtrail checkpoint`")
    );
    let _ = writeln!(o, ">");
    if let Some(c) = &r.checkpoint {
        let _ = writeln!(o, "> The signed checkpoint note:\n>");
        for line in block(c.note.trim_end()).lines() {
            let _ = writeln!(o, "> > {line}  ");
        }
        let _ = writeln!(o, ">");
    }
    let scope = if r.scope.complete {
        "the whole log".to_string()
    } else {
        format!(
            "{} (with the sources, claims and annotations they involve)",
            r.scope.requested.join(", ")
        )
    };
    let _ = writeln!(
        o,
        "> Made {} from log {}; covers {}: {}, {}, {}.\n>",
        inline(&r.generated),
        code(&r.origin),
        inline(&scope),
        count(r.sources.len() as u64, "source"),
        count(r.claims.len() as u64, "claim"),
        count(r.annotations.len() as u64, "annotation")
    );
    // "Verified" is the maker's word: a report is text anyone can edit,
    // and the entries of a JSON report are checked against the keys it
    // lists itself. What a reader can check alone is a bundle.
    let _ = writeln!(
        o,
        "> This report says what claimtrail found on the desk's copy of the log when it made it; the report itself is not signed, and anyone can edit it. To check its claims without the database, ask for a bundle (`claimtrail export`) and run `claimtrail verify-bundle --vkey` with the log's verifier key, obtained apart from this report.\n"
    );
    if !r.verify.ok {
        let _ = writeln!(o, "## Problems found by verify\n");
        for p in &r.verify.problems {
            let entry = match (p.seq, &p.kind, &p.id) {
                (Some(s), Some(k), Some(i)) => format!("entry {s} ({k} {i})"),
                (Some(s), Some(k), None) => format!("entry {s} ({k})"),
                (Some(s), _, _) => format!("entry {s}"),
                _ => "log".into(),
            };
            let _ = writeln!(
                o,
                "- {}: {}: {}",
                inline(&entry),
                p.check,
                inline(&p.detail)
            );
        }
        if r.verify.more_problems > 0 {
            let _ = writeln!(o, "- … and {} more", r.verify.more_problems);
        }
        o.push('\n');
    }
}

fn sources(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Sources\n");
    if r.sources.is_empty() {
        let _ = writeln!(o, "(none)\n");
    }
    for s in &r.sources {
        source(o, r, s);
    }
}

fn source(o: &mut String, r: &Report, s: &SourceView) {
    let _ = writeln!(
        o,
        "### {}\n",
        heading(&format!(
            "{} — {}",
            s.id,
            inline(s.title.as_deref().unwrap_or("(untitled)"))
        ))
    );
    if let Some(red) = &s.redaction {
        let _ = writeln!(
            o,
            "> **REDACTED** by {} ({}) at entry {}, {}: {}\n>\n> The text is gone from the database; its hash, length and provenance stay signed. Quotes of its claims are not shown; each claim's signed quote hash and span stay, and would confirm a guessed quote.\n",
            inline(&red.signer_name),
            code(&red.signer),
            red.seq,
            inline(&red.time),
            inline(&red.reason)
        );
    }
    let _ = writeln!(o, "| field | value |\n| --- | --- |");
    let mut field = |k: &str, v: String| {
        let _ = writeln!(o, "| {k} | {v} |");
    };
    field("kind", inline(&s.kind));
    for (k, v) in [
        ("publisher", &s.publisher),
        ("author", &s.author),
        ("url", &s.url),
        ("published", &s.published),
    ] {
        if let Some(v) = v {
            field(k, if k == "url" { url(v) } else { inline(v) });
        }
    }
    field("retrieved", inline(&s.retrieved));
    field("sha256", code(&s.sha256));
    field(
        "length",
        format!("{} bytes, {}", s.length, inline(&s.media_type)),
    );
    let chain = r.ancestors(s.id);
    if !chain.is_empty() {
        field(
            "derived from",
            format!(
                "{} (chain: {} ← {})",
                inline(&crate::model::join(&s.derived_from, ", ")),
                s.id,
                inline(&crate::model::join(&chain, " ← "))
            ),
        );
    }
    field(
        "added by",
        format!(
            "{} ({}) at entry {}, {}{}",
            inline(&s.signed.signer_name),
            code(&s.signed.signer),
            s.signed.seq,
            inline(&s.signed.time),
            super::revoked_later(r, &s.signed.signer, s.signed.seq, VERIFY)
        ),
    );
    if let Some(e) = r.entry(s.signed.seq) {
        field("entry hash", code(&e.hash));
    }
    // The fields above are the current ones; each correction says what it was.
    for a in &s.amendments {
        field("amended", inline(&super::amendment_text(a)));
    }
    let ids: Vec<ItemId> = r.claims_of(s.id).map(|c| c.id).collect();
    field(
        "claims",
        if ids.is_empty() {
            // "none shown" read as if some were hidden for a source that
            // has none.
            match s.claims {
                0 => "none".into(),
                n => format!("none shown ({} in the log)", count(n, "claim")),
            }
        } else {
            crate::model::join(&ids, ", ")
        },
    );
    o.push('\n');
}

fn claims(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Claims\n");
    if r.claims.is_empty() {
        let _ = writeln!(o, "(none)\n");
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
        "### {}\n",
        heading(&format!(
            "{} — {} ({}){}",
            c.id,
            inline(&c.speaker),
            inline(&c.provenance),
            if c.retraction.is_some() {
                " — RETRACTED"
            } else {
                ""
            }
        ))
    );
    if let Some(rt) = &c.retraction {
        let _ = writeln!(
            o,
            "> **Retracted** by {} ({}) at entry {}, {}: {}{}\n",
            inline(&rt.signer_name),
            code(&rt.signer),
            rt.seq,
            inline(&rt.time),
            inline(&rt.reason),
            rt.replaced_by_note()
        );
    }
    match &c.quote {
        Some(q) => {
            let _ = writeln!(o, "{}\n", quote_in_shown_context(c, q));
        }
        None => {
            let _ = writeln!(
                o,
                "> *Quote unavailable: {}. The quote's SHA-256 stays signed: {}.*\n",
                c.quote_unavailable(),
                code(&c.quote_sha256)
            );
        }
    }
    let src = r.source(c.source);
    let _ = writeln!(
        o,
        "- **Speaker:** {} — **provenance:** {}",
        inline(&c.speaker),
        inline(&c.provenance)
    );
    let _ = writeln!(
        o,
        "- **Source:** {}{}, bytes {}..{}; quote SHA-256 {}",
        c.source,
        src.and_then(|s| s.title.as_ref())
            .map(|t| {
                let (open, close) = crate::text::marks_for(t);
                format!(" {}", inline(&format!("{open}{t}{close}")))
            })
            .unwrap_or_default(),
        c.start,
        c.end,
        code(&c.quote_sha256)
    );
    if let Some(p) = &c.paraphrase {
        let _ = writeln!(o, "- **Paraphrase:** {}", inline(p));
    }
    let _ = writeln!(
        o,
        "- **Recorded by** {} ({}) at entry {}, {}{}{}",
        inline(&c.signed.signer_name),
        code(&c.signed.signer),
        c.signed.seq,
        inline(&c.signed.time),
        super::revoked_later(r, &c.signed.signer, c.signed.seq, VERIFY),
        r.entry(c.signed.seq)
            .map(|e| format!("; entry hash {}", code(&e.hash)))
            .unwrap_or_default()
    );
    if let Some(grades) = r.speaker_reliability.get(&c.speaker) {
        if !grades.is_empty() {
            let record = records.entry(c.speaker.as_str()).or_insert_with(|| {
                crate::report::record_summary(grades, |g| {
                    format!(
                        "{} by {} on {} ({}{})",
                        inline(&g.reliability),
                        inline(&g.signer_name),
                        g.claim,
                        g.annotation,
                        crate::report::superseded_note(g)
                    )
                })
            });
            let _ = writeln!(o, "- **Speaker's reliability record:** {record}");
        }
    }
    o.push('\n');
    let anns: Vec<&AnnotationView> = r.annotations_on(c.id).collect();
    if anns.is_empty() {
        let _ = writeln!(o, "No annotations.\n");
        return;
    }
    let _ = writeln!(o, "#### Annotations of {}\n", c.id);
    for a in anns {
        annotation(o, r, a);
    }
}

fn annotation(o: &mut String, r: &Report, a: &AnnotationView) {
    let state = match (&a.retraction, &a.superseded_by, r.later.get(&a.id)) {
        (Some(_), ..) => " — RETRACTED".to_string(),
        (None, Some(s), _) => format!(" (superseded by {s})"),
        (None, None, Some(l)) => format!(" (not current: {l}, appended later by the same person)"),
        (None, None, None) => String::new(),
    };
    let mut grades = Vec::new();
    if let Some(g) = &a.reliability {
        grades.push(format!("reliability **{}** ({})", inline(g), g.meaning()));
    }
    if let Some(g) = a.credibility {
        grades.push(format!("credibility **{g}** ({})", g.meaning()));
    }
    let grades = if grades.is_empty() {
        String::new()
    } else {
        format!(" — {}", grades.join(", "))
    };
    let _ = writeln!(
        o,
        "- **{}**: verdict **{}**{grades}{state}",
        a.id,
        inline(&a.verdict)
    );
    let _ = writeln!(
        o,
        "  - by {} ({}) at entry {}, {}",
        inline(&a.signed.signer_name),
        code(&a.signed.signer),
        a.signed.seq,
        inline(&a.signed.time)
    );
    if let Some((seq, reason)) = r.revoked_since(&a.signed.signer) {
        let _ = writeln!(
            o,
            "  - {}",
            super::key_revoked_words(a.signed.seq, seq, Some(&inline(reason)), VERIFY)
        );
    }
    if let Some(rt) = &a.retraction {
        let _ = writeln!(
            o,
            "  - **Retracted** by {} ({}) at entry {}, {}: {} (its verdict and links no longer stand)",
            inline(&rt.signer_name),
            code(&rt.signer),
            rt.seq,
            inline(&rt.time),
            inline(&rt.reason)
        );
    }
    if !a.corroborates.is_empty() {
        let _ = writeln!(
            o,
            "  - corroborates {}",
            crate::model::join(&a.corroborates, ", ")
        );
    }
    if !a.contradicts.is_empty() {
        let _ = writeln!(
            o,
            "  - contradicts {}",
            crate::model::join(&a.contradicts, ", ")
        );
    }
    if let Some(s) = &a.supersedes {
        let _ = writeln!(o, "  - supersedes {s}");
    }
    if let Some(n) = &a.note {
        let _ = writeln!(o, "  - note:\n");
        for line in block(n).lines() {
            if line.is_empty() {
                let _ = writeln!(o, "    >");
            } else {
                let _ = writeln!(o, "    > {line}");
            }
        }
    }
    // A blank line ends the list, with a note or without (the next
    // heading ran on from the last item of an annotation without one).
    o.push('\n');
}

fn relations(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Claims that corroborate or contradict each other\n");
    if r.relations.is_empty() {
        let _ = writeln!(o, "No annotation links claims to each other.\n");
        return;
    }
    let (standing, past) = super::data::relations_apart(&r.relations);
    match standing.is_empty() {
        true => {
            let _ = writeln!(o, "No link made by an annotation stands now.\n");
        }
        false => relation_table(o, r, &standing),
    }
    if !past.is_empty() {
        let _ = writeln!(o, "### Links that no longer stand\n");
        let _ = writeln!(o, "{}\n", Relation::PAST);
        relation_table(o, r, &past);
    }
}

fn relation_table(o: &mut String, r: &Report, rels: &[&Relation]) {
    let _ = writeln!(
        o,
        "| claim | speaker | says | relation | other claim | its speaker | it says | annotation | analyst | verdict |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for rel in rels {
        let describe = |id: ItemId| match r.claim(id) {
            Some(c) => (inline(&c.speaker), inline(&r.claim_label(c, 90))),
            None => ("?".into(), "(not in this report)".into()),
        };
        let (sp1, says1) = describe(rel.claim);
        let (sp2, says2) = describe(rel.other);
        let state = rel.state();
        let _ = writeln!(
            o,
            "| {} | {sp1} | {says1} | **{}** | {} | {sp2} | {says2} | {}{state} | {} | {} |",
            rel.claim,
            rel.relation,
            rel.other,
            rel.annotation,
            inline(&rel.signer_name)
                + &super::revoked_mark(r, rel.signer.as_str(), rel.seq, VERIFY),
            inline(&rel.verdict)
        );
    }
    o.push('\n');
}

fn signers(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Signers\n");
    let _ = writeln!(
        o,
        "| name | role | fingerprint | enrolled at entry | revoked |\n| --- | --- | --- | --- | --- |"
    );
    for k in &r.keys {
        let revoked = match (k.revoked_seq, &k.revoke_reason) {
            (Some(s), Some(why)) => format!("at entry {s}: {}", inline(why)),
            (Some(s), None) => format!("at entry {s}"),
            _ => "no".into(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {revoked} |",
            inline(&k.name),
            inline(&k.role),
            code(&k.fingerprint),
            k.enrolled_seq
        );
    }
    o.push('\n');
}

fn entries(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Signed entries\n");
    let _ = writeln!(
        o,
        "Each entry is signed (SSHSIG, namespace `claimtrail`) and chained by hash; the JSON report (`--format json`) carries every payload and signature. {}\n",
        if r.checkpoint.is_some() {
            inline(&r.proofs_sentence())
        } else {
            "No inclusion proofs: there is no checkpoint yet.".to_string()
        }
    );
    let _ = writeln!(
        o,
        "| seq | kind | id | time | signer | entry hash |\n| --- | --- | --- | --- | --- | --- |"
    );
    for e in &r.entries {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            e.seq,
            inline(&e.kind),
            e.id.map(|i| i.to_string()).unwrap_or_default(),
            inline(&e.time),
            inline(&e.signer_name) + &super::revoked_mark(r, &e.signer, e.seq, VERIFY),
            code(&e.hash)
        );
    }
}

/// A claim's quote in its context as shown ([`crate::query::ClaimView::shown_context`]:
/// cut at whole characters, `…` where the source goes on).
fn quote_in_shown_context(c: &crate::query::ClaimView, quote: &str) -> String {
    let shown = c.shown_context();
    quote_marked(
        shown.prefix,
        quote,
        shown.suffix,
        shown.more_before,
        shown.more_after,
    )
}

/// The quote in its signed context, as a blockquote with the quote in bold,
/// and `…` before it (`lead`) and after it (`tail`) where the source goes on.
///
/// `**` marks the quote only when CommonMark's flanking rules let it open
/// and close: an opening `**` followed by punctuation must have white
/// space or punctuation before it, a closing one after punctuation must
/// have white space or punctuation after it. A quote that begins or ends
/// with a quotation mark next to a letter (`a**“massacre”** and`, and every
/// such quote in Chinese or Japanese, written without spaces) was shown
/// with the stars and no bold. Where that would happen, the character
/// outside the mark is written as a numeric character reference
/// (`&#97;**“massacre”**`): the parser judges flanking by the characters
/// written (`;` is punctuation), the reader sees the very character. A
/// space, a zero-width one or an HTML tag would have changed the text, or
/// been dropped by renderers that leave out HTML; another marker (`__`)
/// has the same rules.
fn quote_marked(prefix: &str, quote: &str, suffix: &str, lead: bool, tail: bool) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    let lead = if lead { "…" } else { "" };
    let tail = if tail { "…" } else { "" };
    // The last line ends with a closing `**` after a character that may
    // be punctuation: what follows it on the line must not be a letter.
    let mut closed_after_punct = false;
    // The CR of a CRLF line end ends the line, as `show` and the HTML
    // report take it (`escape_keep_newlines`): kept as a character, it was
    // trimmed out of the bold as white space and written after it as
    // `\u{d}`, so the bolded text was not the stored quote's line. A CR
    // that ends one part with the LF opening the next (a quote ending at
    // the CR) is a line end too; a lone CR stays shown as `\u{d}`.
    let mut add = |text: &str, bold: bool, lf_follows: bool| {
        let parts: Vec<&str> = text.split('\n').collect();
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let part = match part.strip_suffix('\r') {
                Some(p) if i < last || lf_follows => p,
                _ => part,
            };
            if i > 0 {
                lines.push(String::new());
                closed_after_punct = false;
            }
            let Some(line) = lines.last_mut() else {
                return;
            };
            let cur = line.is_empty();
            if bold && !part.trim().is_empty() {
                let core = part.trim();
                let start = part.len() - part.trim_start().len();
                let lead_ws = &part[..start];
                let trail_ws = &part[start + core.len()..];
                let core = line_text(core, false);
                push_after_mark(line, &line_text(lead_ws, cur), &mut closed_after_punct);
                if !core.starts_with(not_punctuation) {
                    let at = line.char_indices().next_back();
                    if let Some((at, c)) = at.filter(|&(_, c)| !space_or_punctuation(c)) {
                        line.truncate(at);
                        let _ = write!(line, "&#{};", c as u32);
                    }
                }
                let _ = write!(line, "**{core}**");
                closed_after_punct = !core.ends_with(not_punctuation);
                push_after_mark(line, &line_text(trail_ws, false), &mut closed_after_punct);
            } else {
                push_after_mark(line, &line_text(part, cur), &mut closed_after_punct);
            }
        }
    };
    let suffix = format!("{suffix}{tail}");
    add(&format!("{lead}{prefix}"), false, quote.starts_with('\n'));
    add(quote, true, suffix.starts_with('\n'));
    add(&suffix, false, false);
    lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Appends escaped text to a line of [`quote_in_context`]; right after a
/// closing `**` that follows punctuation, a first character that is not
/// white space or punctuation is written as a character reference, so
/// that the `**` still closes (its `&` is punctuation).
fn push_after_mark(line: &mut String, text: &str, closed_after_punct: &mut bool) {
    let Some(first) = text.chars().next() else {
        return;
    };
    if std::mem::take(closed_after_punct) && !space_or_punctuation(first) {
        let _ = write!(line, "&#{};", first as u32);
        line.push_str(&text[first.len_utf8()..]);
    } else {
        line.push_str(text);
    }
}

/// Surely neither punctuation nor a symbol, as every CommonMark version
/// reads it (0.31 counts symbols, `€` or `©`, as punctuation): a letter or
/// a digit, but the enclosed letters (`Ⓐ`, `🄰`), which are symbols too.
fn not_punctuation(c: char) -> bool {
    c.is_alphanumeric() && !matches!(c as u32, 0x2460..=0x24FF | 0x1F100..=0x1F1FF)
}

/// Surely white space or punctuation, as CommonMark reads it: ASCII
/// punctuation (every escape and entity ends with one), its white space
/// (the space separators), and the quotation marks, dashes and other
/// punctuation of U+2010–U+2027 and `«` `»`. Another character next to a
/// mark is written as a reference when the mark needs it.
fn space_or_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c as u32,
            0x09 | 0x0A | 0x0C | 0x0D | 0x20 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000
                | 0x2010..=0x2027 | 0xAB | 0xBB
        )
}

/// Escapes one line of text. `at_start`: the text begins a line, so block
/// markers and indentation are neutralised too. A word that GitHub would
/// make a link of (see [`address_like`]) is written as a code span.
fn line_text(s: &str, at_start: bool) -> String {
    let s = visible(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s.as_str();
    if at_start {
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        for _ in 0..spaces {
            out.push_str("&#32;");
        }
        rest = &rest[spaces..];
        let first_word = rest.split(is_word_break).next().unwrap_or("");
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        let after = rest[digits..].chars().next();
        // A line that opens with a code span opens with a backtick, no
        // block marker.
        if !address_like(first_word)
            && (matches!(rest.chars().next(), Some('#' | '+' | '-' | '='))
                || (digits > 0 && matches!(after, Some('.' | ')'))))
        {
            // Escape the marker (for `1.` the dot after the digits).
            out.push_str(&rest[..digits]);
            out.push('\\');
            rest = &rest[digits..];
        }
    }
    // Words and what separates them, each in turn.
    while !rest.is_empty() {
        let word_len = rest.find(is_word_break).unwrap_or(rest.len());
        let (word, tail) = if word_len == 0 {
            let c = rest.chars().next().map_or(1, char::len_utf8);
            rest.split_at(c)
        } else {
            rest.split_at(word_len)
        };
        if word_len > 0 && address_like(word) {
            // Quotation marks, brackets and a sentence's punctuation
            // around the address stay prose (`"`https://…`"`, not
            // `` `"https://…"` ``), as long as the rest is still one.
            let edge = |c: char| "\"'()[]{}<>,.;:!?“”‘’«»".contains(c);
            let (mut start, mut end) = (0, word.len());
            while let Some(c) = word[start..end].chars().next().filter(|&c| edge(c)) {
                if !address_like(&word[start + c.len_utf8()..end]) {
                    break;
                }
                start += c.len_utf8();
            }
            // A closing bracket that balances one inside the address is
            // the address's, as GFM's autolinks keep it
            // (`https://en.wikipedia.org/wiki/Idlib_(city)`: the span held
            // `…Idlib_(city`, which a reader copied broken).
            let balanced = |span: &str, close: char| {
                let open = match close {
                    ')' => '(',
                    ']' => '[',
                    '}' => '{',
                    _ => return false,
                };
                span.matches(close).count() <= span.matches(open).count()
            };
            while let Some(c) = word[start..end].chars().next_back().filter(|&c| edge(c)) {
                if !address_like(&word[start..end - c.len_utf8()]) || balanced(&word[start..end], c)
                {
                    break;
                }
                end -= c.len_utf8();
            }
            escape_into(&mut out, &word[..start]);
            out.push_str(&code_span(&word[start..end]));
            escape_into(&mut out, &word[end..]);
        } else {
            escape_into(&mut out, word);
        }
        rest = tail;
    }
    out
}

/// Prose: markup characters get a backslash, `<` `>` `&` become entities.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// What ends a word for [`address_like`]: white space, and `|`, which
/// ends a table cell even inside a code span (GFM reads `\|` there as `|`,
/// and outside a table a code span would show the backslash), so it stays
/// prose, escaped.
fn is_word_break(c: char) -> bool {
    c.is_whitespace() || c == '|'
}

/// Whether GitHub's Markdown (cmark-gfm's extended autolinks) could make a
/// link of some of this word: a `www.` address, a `scheme://` one
/// (`http`, `https`, `ftp`), an e-mail address (`mailto:` and `xmpp:` ones
/// hold an `@` too). As prose, the link kept the report's escapes in its
/// target and its text (`world\_middle\_east`, `&amp;amp;`), and made a link
/// of text the report does not link (only a source's URL is). Such a word
/// is a code span instead: exact, and never a link. The test errs on the
/// side of code: any case of `www.`, `mailto:` or `xmpp:` (cmark-gfm links
/// `mailto:@x.com`), any `://`, any `@` between a character of an
/// address's user part and one more character (a handle such as
/// `@acct_one`, with nothing before the `@`, stays prose).
fn address_like(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if ["www.", "://", "mailto:", "xmpp:"]
        .iter()
        .any(|t| lower.contains(t))
    {
        return true;
    }
    let chars: Vec<char> = word.chars().collect();
    chars.windows(3).any(|w| {
        w[1] == '@'
            && (w[0].is_alphanumeric() || matches!(w[0], '.' | '+' | '-' | '_'))
            && !is_word_break(w[2])
    })
}

/// Text as a code span: shown exactly (no escape or entity is read inside
/// one), delimited by a backtick run longer than any inside, and spaced
/// from a backtick at either end (CommonMark strips one space each side).
/// `s` has no line break and no white space at its ends.
fn code_span(s: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// The text of an ATX heading (escaped already): a run of `#` at its end
/// after a space (`strikes, #`) is a closing sequence, which CommonMark
/// drops, so its first `#` gets a backslash (`strikes, \#`: after the `\`
/// the run closes nothing). A `#` inside a word (`C#`) closes nothing.
fn heading(text: &str) -> String {
    let body = text.trim_end_matches([' ', '\t']);
    let run = body.trim_end_matches('#');
    if run.len() < body.len() && (run.is_empty() || run.ends_with([' ', '\t'])) {
        format!("{run}\\{}", &text[run.len()..])
    } else {
        text.to_string()
    }
}

/// Escapes text (or an id, a verdict…) for inline use (one line: a line
/// break in it is shown as `\n` or `\u{d}`, as `show` shows it; made a
/// space until 2026-12-04, so that a speaker `A<LF>B` read as `A B`).
pub fn inline(s: &(impl std::fmt::Display + ?Sized)) -> String {
    line_text(&crate::text::escape(&s.to_string()), true)
}

/// A source's URL: an http(s) address that reads as it is, as an autolink
/// `<…>`, inside which CommonMark takes no backslash escape and no entity,
/// so that the link goes where the URL goes and shows it as it is (as
/// prose, `bridge_reopens?id=7&ref=rss` became `bridge\_reopens?id=7&amp;ref=rss`
/// in the link and on the page). `|` (which would end the table cell),
/// `<` and `>` are percent-encoded, which names the same resource. Any
/// other URL (another scheme, a user name before `@`) is a code span, as
/// exact as prose and never made a link: GitHub's Markdown links any
/// `https://…` in prose, a user name and all. One with a hidden character
/// or a backtick is escaped as prose.
fn url(s: &str) -> String {
    // Linked as the HTML report links it (see `super::linkable`).
    if super::linkable(s) {
        format!(
            "<{}>",
            s.replace('|', "%7C")
                .replace('<', "%3C")
                .replace('>', "%3E")
        )
    } else if !s
        .chars()
        .any(|c| c == '`' || c.is_whitespace() || crate::text::is_hidden(c))
    {
        // In a table cell a `|` ends the cell even in a code span, unless
        // escaped (GFM reads `\|` there as `|`).
        format!("`{}`", s.replace('|', "\\|"))
    } else {
        inline(s)
    }
}

/// Escapes multi-line text, line by line.
pub fn block(s: &str) -> String {
    s.split('\n')
        .map(|l| line_text(l.trim_end_matches('\r'), true))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hash or fingerprint as code when it is plain, else escaped text.
fn code(s: &(impl std::fmt::Display + ?Sized)) -> String {
    let s = s.to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '+' | '/' | '=' | '.' | '-'))
    {
        format!("`{s}`")
    } else {
        inline(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A quote in a context that reaches its source's ends (no `…`).
    fn quote_in_context(prefix: &str, quote: &str, suffix: &str) -> String {
        quote_marked(prefix, quote, suffix, false, false)
    }

    #[test]
    fn markup_and_html_are_escaped() {
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            inline("a|b `c` *d* _e_ [f](g)"),
            "a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g)"
        );
        assert_eq!(inline("# title"), "\\# title");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("12. item"), "12\\. item");
        assert_eq!(inline("    code"), "&#32;&#32;&#32;&#32;code");
        assert_eq!(
            inline("x\u{202e}y\u{1b}[31m"),
            "x\\\\u{202e}y\\\\u{1b}\\[31m"
        );
        assert_eq!(block("a\n# b"), "a\n\\# b");
    }

    /// A bare address in text, which GitHub would link with the escapes
    /// of prose in its target and its text, is a code span: exact, no link.
    #[test]
    fn addresses_in_text_are_code_spans() {
        assert_eq!(
            inline("See https://www.bbc.co.uk/news/world_middle_east-62250000?at_medium=RSS&at_campaign=KARANGA"),
            "See `https://www.bbc.co.uk/news/world_middle_east-62250000?at_medium=RSS&at_campaign=KARANGA`"
        );
        assert_eq!(
            inline("mail desk_editor@bbc.co.uk or www.al_monitor.com."),
            "mail `desk_editor@bbc.co.uk` or `www.al_monitor.com`."
        );
        // Backticks inside: a longer delimiter, and a space from one at
        // an end (CommonMark strips one each side).
        assert_eq!(inline("`www.x.com`"), "`` `www.x.com` ``");
        assert_eq!(inline("a``b@c.de"), "```a``b@c.de```");
        // `|` ends a word: in a table cell it would end the cell even in
        // a code span.
        assert_eq!(
            inline("www.x.com|ftp://y.org/a_b|z_1"),
            "`www.x.com`\\|`ftp://y.org/a_b`\\|z\\_1"
        );
        // A code span opening a line needs no block marker escape; other
        // words keep theirs.
        assert_eq!(inline("-www.x.com"), "`-www.x.com`");
        assert_eq!(inline("1. www.x.com"), "1\\. `www.x.com`");
        assert_eq!(inline("  a@b.c"), "&#32;&#32;`a@b.c`");
        // A handle is no address; a hidden character is shown as show
        // shows it, inside the span too.
        assert_eq!(inline("@acct_one"), "@acct\\_one");
        assert_eq!(inline("mailto:@x.com#"), "`mailto:@x.com#`");
        // Punctuation around it stays prose while the rest is an address.
        assert_eq!(
            inline("(\"https://x.org/a_b\"), or www.)"),
            "(\"`https://x.org/a_b`\"), or `www.`)"
        );
        // A closing bracket that balances one inside is the address's;
        // one more than it opens is prose.
        assert_eq!(
            inline("See https://en.wikipedia.org/wiki/Idlib_(city) now."),
            "See `https://en.wikipedia.org/wiki/Idlib_(city)` now."
        );
        assert_eq!(
            inline("(see https://en.wikipedia.org/wiki/Idlib_(city))."),
            "(see `https://en.wikipedia.org/wiki/Idlib_(city)`)."
        );
        assert_eq!(inline("[www.x.com/a[1]]"), "\\[`www.x.com/a[1]`\\]");
        assert_eq!(
            inline("https://x.org/\u{202e}a_b"),
            "`https://x.org/\\u{202e}a_b`"
        );
        assert_eq!(
            block("see\nhttps://x.org/a_b?c=1&d=2"),
            "see\n`https://x.org/a_b?c=1&d=2`"
        );
    }

    /// A heading's trailing `#` run is text, not a closing sequence.
    #[test]
    fn a_heading_keeps_its_trailing_hashes() {
        assert_eq!(heading("S7 — strikes, #"), "S7 — strikes, \\#");
        assert_eq!(heading("S7 — strikes ## "), "S7 — strikes \\## ");
        assert_eq!(heading("S7 — C#"), "S7 — C#");
        assert_eq!(heading("S7 — \\#"), "S7 — \\#");
        assert_eq!(heading("##"), "\\##");
    }

    /// The bold mark of a quote opens and closes whatever is next to it:
    /// where a flanking rule would leave the stars as text, the character
    /// outside is a character reference (checked with cmark-gfm: each
    /// renders `<strong>` around the exact quote, and the text around).
    #[test]
    fn the_quote_mark_opens_and_closes_next_to_punctuation() {
        // Opening after a letter, before a quotation mark.
        let q = quote_in_context("called it a", "“massacre”", " and");
        assert_eq!(q, "> called it &#97;**“massacre”** and");
        // Chinese: no spaces, both sides.
        let q = quote_in_context("发言人称这是", "“一场屠杀”", "并要求调查。");
        assert_eq!(q, "> 发言人称这&#26159;**“一场屠杀”**&#24182;要求调查。");
        // Escaped and entity-written text inside counts as punctuation.
        let q = quote_in_context("x", "*war*", "y");
        assert_eq!(q, "> &#120;**\\*war\\***&#121;");
        let q = quote_in_context("R", "&D", "s");
        assert_eq!(q, "> &#82;**&amp;D**s");
        // An address in the quote is a code span, inside the mark.
        let q = quote_in_context("at", "www.x.com", ".");
        assert_eq!(q, "> a&#116;**`www.x.com`**.");
        // Nothing changes where the rules already hold.
        let q = quote_in_context("said: “", "Stop the war.", "” Then");
        assert_eq!(q, "> said: “**Stop the war.**” Then");
        let q = quote_in_context("Hello", "world", "s");
        assert_eq!(q, "> Hello**world**s");
        let q = quote_in_context("", "“Go”", "");
        assert_eq!(q, "> **“Go”**");
        let q = quote_in_context("a\n", "“one”\n\n“two” ", "x\nb");
        assert_eq!(q, "> a\n> **“one”**\n>\n> **“two”** x\n> b");
    }

    #[test]
    fn quote_is_bold_in_its_context() {
        let q = quote_in_context("said: “", "Stop the *war*.", "” Then");
        assert_eq!(q, "> said: “**Stop the \\*war\\*.**” Then");
        let q = quote_in_context("a\n", "one\n\ntwo ", "\nb");
        assert_eq!(q, "> a\n> **one**\n>\n> **two** \n> b");
    }

    #[test]
    fn the_cr_of_a_crlf_ends_its_line_in_the_bold() {
        let q = quote_in_context("x\r\n", "said today.\r\nNext line", " y\r\nz");
        assert_eq!(q, "> x\n> **said today.**\n> **Next line** y\n> z");
        // A quote that ends at the CR of a CRLF, or starts at its LF.
        let q = quote_in_context("", "today.\r", "\nNext");
        assert_eq!(q, "> **today.**\n> Next");
        let q = quote_in_context("one\r", "\ntwo", "");
        assert_eq!(q, "> one\n> **two**");
        // A lone CR is no line end: still shown.
        let q = quote_in_context("", "a\rb", "");
        assert_eq!(q, "> **a\\\\u{d}b**");
    }
}
