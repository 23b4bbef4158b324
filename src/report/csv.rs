//! CSV for spreadsheets: one row per claim, RFC 4180 (CRLF line ends,
//! fields with `,` `"` CR or LF quoted, `"` doubled), UTF-8 without BOM.
//! A cell a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, tab or CR) gets a leading `'`, so it shows as text. A field
//! with `;` or a tab is quoted too: a spreadsheet that splits on those
//! (Excel where `;` is the list separator) would otherwise start a new,
//! unneutralised cell inside it. Control, bidirectional and invisible
//! characters but tab and line breaks are shown as `\u{…}`, as in every
//! readable output: the file may be printed on a terminal.

use super::data::Report;

/// The header row, in column order (docs/REPORTS.md "csv").
pub const COLUMNS: &[&str] = &[
    "log_verify",
    "claim",
    "source",
    "source_title",
    "source_publisher",
    "source_sha256",
    "source_redacted",
    "speaker",
    "provenance",
    "quote",
    "paraphrase",
    "span_start",
    "span_end",
    "quote_sha256",
    "claim_entry_seq",
    "claim_entry_hash",
    "latest_verdicts",
    "reliability",
    "credibility",
    "annotations",
    "checkpoint",
    "claim_retracted",
];

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    row(&mut out, COLUMNS.iter().map(|c| c.to_string()));
    let verify = if r.verify.ok {
        "ok".to_string()
    } else {
        format!("FAILED: {} problem(s)", r.verify.problem_count())
    };
    let checkpoint = match &r.checkpoint {
        Some(c) => format!("size {} root {}", c.size, c.root),
        None => "none yet".to_string(),
    };
    for c in &r.claims {
        let s = r.source(c.source);
        let current = r.current(c.id);
        // An analyst whose key was revoked since is marked, as in the
        // other readable formats: the verdict stays valid, but a reader
        // weighing it should know.
        let per = |f: &dyn Fn(&crate::query::AnnotationView) -> Option<String>| {
            current
                .iter()
                .filter_map(|a| {
                    // One signed after the revocation is no valid entry
                    // (verify rejects it): not said to be revoked "since".
                    let revoked = match r.revoked_since(&a.signed.signer) {
                        Some((seq, _)) if a.signed.seq > seq => {
                            " (signed after its key was revoked)"
                        }
                        Some(_) => " (key revoked)",
                        None => "",
                    };
                    // An auditor's audit note is shown, as the lists show
                    // it, but not as one of the desk's verdicts.
                    let auditor = match a.signed.signer_role {
                        Some(crate::model::Role::Auditor) => " (auditor)",
                        _ => "",
                    };
                    f(a).map(|v| format!("{}{auditor}{revoked}: {v}", a.signed.signer_name))
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let redacted = s
            .and_then(|s| s.redaction.as_ref())
            .map(|red| {
                format!(
                    "yes: by {} at {}: {}",
                    red.signer_name, red.time, red.reason
                )
            })
            .unwrap_or_else(|| "no".into());
        let cells = vec![
            verify.clone(),
            c.id.to_string(),
            c.source.to_string(),
            s.and_then(|s| s.title.clone()).unwrap_or_default(),
            s.and_then(|s| s.publisher.clone()).unwrap_or_default(),
            s.map(|s| s.sha256.to_hex()).unwrap_or_default(),
            redacted,
            c.speaker.clone(),
            c.provenance.to_string(),
            c.quote.clone().unwrap_or_else(|| match c.text_missing {
                true => format!("(unavailable: {})", c.quote_unavailable()),
                false => "(unavailable: source redacted)".into(),
            }),
            c.paraphrase.clone().unwrap_or_default(),
            c.start.to_string(),
            c.end.to_string(),
            c.quote_sha256.to_hex(),
            c.signed.seq.to_string(),
            r.entry(c.signed.seq)
                .map(|e| e.hash.to_hex())
                .unwrap_or_default(),
            per(&|a| Some(format!("{} ({})", a.verdict, a.id))),
            per(&|a| a.reliability.map(|g| g.to_string())),
            per(&|a| a.credibility.map(|c| c.to_string())),
            // A retracted annotation is listed, marked: it stays in the
            // log, out of the verdicts above.
            r.annotations_on(c.id)
                .map(|a| match a.retraction {
                    Some(_) => format!("{} (retracted)", a.id),
                    None => a.id.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
            claim_checkpoint(r, c, &current, &checkpoint),
            c.retraction
                .as_ref()
                .map(|rt| {
                    let by = rt.replaced_by_note();
                    format!(
                        "yes: by {} at {}: {}{by}",
                        rt.signer_name, rt.time, rt.reason
                    )
                })
                .unwrap_or_else(|| "no".into()),
        ];
        row(&mut out, cells.into_iter());
    }
    // A log that failed verification says so in the file even when no
    // claim row carries the mark: deleting the claims' rows is itself the
    // tampering, and a header alone read as a log with no claims.
    if r.claims.is_empty() && !r.verify.ok {
        let mut cells = vec![verify, "(no claim in this report)".to_string()];
        cells.resize(COLUMNS.len(), String::new());
        row(&mut out, cells.into_iter());
    }
    out
}

/// The checkpoint column of a claim's row: the checkpoint, and which of
/// the entries the row's values come from came after it and are not
/// covered yet: the claim, its retraction, its annotations and theirs, its
/// source with the source's amendments (the title and publisher shown are
/// the amended ones) and redaction, and the revocation of a key that
/// signed one of the verdicts shown (marked `(key revoked)`), as the other
/// formats name every entry shown after the checkpoint. `current`: the
/// claim's current annotations, whose verdicts the row shows.
fn claim_checkpoint(
    r: &Report,
    c: &crate::query::ClaimView,
    current: &[&crate::query::AnnotationView],
    checkpoint: &str,
) -> String {
    let Some(cp) = &r.checkpoint else {
        return checkpoint.to_string();
    };
    let mut seqs = vec![c.signed.seq];
    seqs.extend(c.retraction.as_ref().map(|rt| rt.seq));
    for a in r.annotations_on(c.id) {
        seqs.push(a.signed.seq);
        seqs.extend(a.retraction.as_ref().map(|rt| rt.seq));
    }
    if let Some(s) = r.source(c.source) {
        seqs.push(s.signed.seq);
        seqs.extend(s.amendments.iter().map(|a| a.seq));
        seqs.extend(s.redaction.as_ref().map(|red| red.seq));
    }
    seqs.extend(
        current
            .iter()
            .filter_map(|a| r.revoked_since(&a.signed.signer).map(|(seq, _)| seq)),
    );
    seqs.sort();
    seqs.dedup();
    let checkpoint_add = crate::model::Kind::CheckpointAdd.as_str();
    let after: Vec<_> = seqs
        .into_iter()
        .filter(|s| s.0 >= cp.size.0)
        .filter_map(|s| r.entry(s))
        .filter(|e| e.kind != checkpoint_add)
        .collect();
    if after.is_empty() {
        return checkpoint.to_string();
    }
    format!(
        "{checkpoint}; not covered yet: {}",
        crate::report::data::entry_names(&after)
    )
}

fn row(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.map(|c| field(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One field: formula-neutralised, then quoted when RFC 4180 requires it.
pub fn field(s: &str) -> String {
    let s = neutralise(&shown(s));
    if s.contains([',', '"', '\r', '\n', ';', '\t']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `s` with the characters [`crate::text::escape`] escapes shown as
/// `\u{…}`, but tab, CR and LF, which quoting keeps inside the field.
fn shown(s: &str) -> String {
    if !s.chars().any(crate::text::is_hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' | '\r' | '\n' => out.push(c),
            c if crate::text::is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Prefixes `'` to text a spreadsheet would evaluate as a formula.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_neutralised() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for bad in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                field(bad).trim_start_matches('"').starts_with('\''),
                "{bad}"
            );
        }
        assert_eq!(field(""), "");
        // Split where `;` or tab separate cells, a formula would start a
        // cell of its own: such fields are quoted whole.
        assert_eq!(
            field("Minister;=cmd|' /C calc'!A0"),
            "\"Minister;=cmd|' /C calc'!A0\""
        );
        assert_eq!(field("a\t=1"), "\"a\t=1\"");
        // A terminal's escape sequence and a bidi override are shown.
        assert_eq!(
            field("Officials\u{1b}[2K\rfake\u{202e}"),
            "\"Officials\\u{1b}[2K\rfake\\u{202e}\""
        );
    }
}
