use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::model::{self, Fingerprint, IdKind, ItemId, Seq};
use claimtrail::query::{self, AnnotationView};
use claimtrail::signed_view;
use claimtrail::text::{escape, escape_keep_newlines};

/// Show one source, claim or annotation in full.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// S<n>, C<n> or A<n>.
    pub id: String,
    /// For a source: print its stored text instead, made safe to display
    /// (control characters escaped) and ending with a newline.
    #[arg(long)]
    pub text: bool,
    /// For a source: write its exact stored bytes, the bytes its SHA-256
    /// and `--span` offsets are of (`show S1 --raw | sha256sum`).
    #[arg(long, conflicts_with = "text")]
    pub raw: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let id: ItemId = a.id.parse().map_err(|e: claimtrail::model::BadId| {
        // A name (`show "Adele Khodr"`): shown is an item, and a speaker's
        // claims are a list, which the hint names.
        let name = a.id.trim();
        // A key's fingerprint is no speaker: where keys are, and what one
        // signed.
        if name.len() > 7 && name[..7].eq_ignore_ascii_case("sha256:") {
            return Error::invalid(
                e.to_string(),
                format!(
                    "that is a key's fingerprint: `claimtrail key list` lists the keys, and `claimtrail log --by {}` what it signed",
                    claimtrail::text::shell_word(std::path::Path::new(name))
                ),
            );
        }
        let hint = match name.chars().filter(|c| c.is_alphabetic()).count() > 3
            && !name.contains('\n')
        {
            true => format!(
                "show takes an id: a speaker's claims are listed by `claimtrail list claims --speaker {}`, the speakers by `claimtrail list speakers`, and the ids by `claimtrail list claims`, `claimtrail list sources` or `claimtrail list annotations`",
                claimtrail::text::shell_word(std::path::Path::new(name)),
            ),
            false => super::output::LIST_IDS_HINT.to_string(),
        };
        Error::invalid(e.to_string(), hint)
    })?;
    let store = ctx.read()?;
    let conn = store.conn();
    if a.raw && ctx.json {
        return Err(Error::invalid(
            "--raw writes the text's bytes, and --json a JSON object",
            "leave out one of them (`show S<n> --text --json` gives the text in JSON)",
        ));
    }
    let text_only = a.text || a.raw;
    let flag = if a.raw { "--raw" } else { "--text" };
    if text_only && id.kind != IdKind::Source {
        let hint = match id.kind {
            IdKind::Claim => format!(
                "`claimtrail show {}` shows the quote in its context; `claimtrail show {} {flag}` the whole text of its source",
                id,
                query::claim(conn, id.n)?.source
            ),
            _ => format!("give the source's id (S<n>), or leave out {flag}"),
        };
        let article = if id.kind == IdKind::Annotation {
            "an"
        } else {
            "a"
        };
        return Err(Error::invalid(
            format!(
                "{flag} prints a source's text, and {id} is {article} {}",
                id.kind.noun()
            ),
            hint,
        ));
    }
    // Every retraction, redaction, revocation and amendment entry has its
    // row: a row deleted by hand showed a retracted claim as standing.
    signed_view::state_rows(conn)?;
    // Not for `--text`, which prints the source's text alone.
    let revoked = || Revoked::load(conn);
    match id.kind {
        IdKind::Source if text_only => {
            let data = query::source_text(conn, id.n)?.ok_or_else(|| {
                Error::invalid(
                    format!("{id} was redacted; its text is gone"),
                    format!("`claimtrail show {id}` shows who redacted it and why"),
                )
            })?;
            signed_view::source_text(conn, &query::source(conn, id.n)?, &data)?;
            let text = String::from_utf8_lossy(&data);
            if ctx.json {
                output::json(&serde_json::json!({"id": id.to_string(), "text": text}))?;
            } else if a.raw {
                // A text that would act on a terminal (an escape sequence,
                // a bidi override) is not sent to one.
                let risky = output::acts_on_a_terminal(&text);
                if std::io::IsTerminal::is_terminal(&std::io::stdout()) && risky {
                    return Err(Error::invalid(
                        format!("{id}'s text holds control or invisible characters, which --raw would send to your terminal"),
                        format!("send it to a file or a program: `claimtrail show {id} --raw > {}.txt`, or use --text to read it here", id),
                    ));
                }
                output::raw(&data)?;
            } else {
                outln!("{}", escape_keep_newlines(&text))?;
            }
        }
        IdKind::Source => {
            let revoked = revoked()?;
            let s = query::source(conn, id.n)?;
            signed_view::source(conn, &s)?;
            query::amendments_complete(conn, &s)?;
            let mut checked = signed_view::Checked::default();
            let mut claims = Vec::new();
            let filter = query::ClaimFilter {
                source: Some(id.n),
                ..query::ClaimFilter::default()
            };
            query::for_each_claim(conn, &filter, &mut |mut c| {
                signed_view::claim(conn, &c)?;
                // The verdicts listed beside it come from these.
                for a in query::annotations(conn, Some(c.id.n))? {
                    signed_view::annotation_in(conn, &a, &mut checked)?;
                }
                // The text lists a line of each, so it keeps that line
                // only: a hundred claims of a 15 MB text each held
                // their whole quote (1.7 GB; red team Y, F5).
                if !ctx.json {
                    c.quote = Some(shown_quote(c.quote.as_deref()));
                }
                claims.push(query::StandingClaim::of(conn, c)?);
                Ok(())
            })?;
            let coverage = query::coverage(conn, s.signed.seq)?;
            signed_view::coverage(conn, &coverage)?;
            if ctx.json {
                let signers = std::iter::once(&s.signed.signer)
                    .chain(claims.iter().map(|c| &c.claim.signed.signer));
                output::json(
                    &serde_json::json!({"source": s, "claims": claims, "checkpoint": coverage, "revoked_signers": revoked.of(signers)}),
                )?;
                return Ok(Outcome::Done);
            }
            outln!(
                "{}  {}",
                s.id,
                output::shown_field(s.title.as_deref().unwrap_or("(untitled)"))
            )?;
            field("kind", &s.kind)?;
            for (k, v) in [
                ("publisher", &s.publisher),
                ("author", &s.author),
                ("url", &s.url),
                ("published", &s.published),
            ] {
                if let Some(v) = v {
                    field(k, v)?;
                }
            }
            field("retrieved", &s.retrieved)?;
            field("sha256", &s.sha256)?;
            field("length", &format!("{} bytes, {}", s.length, s.media_type))?;
            if !s.derived_from.is_empty() {
                field("derived from", &model::join(&s.derived_from, ", "))?;
            }
            field(
                "added by",
                &format!(
                    "{} ({}) at entry {}, {}{}",
                    s.signed.signer_name,
                    s.signed.signer,
                    s.signed.seq,
                    s.signed.time,
                    revoked.since(&s.signed.signer, s.signed.seq, "; ")
                ),
            )?;
            field("checkpoint", &super::pasteable(&coverage.line(s.id)))?;
            // Its metadata above is the current one: each correction, in
            // log order, says what it was.
            for a in &s.amendments {
                outln!("  {}", output::amendment(a))?;
            }
            if let Some(r) = &s.redaction {
                field(
                    "REDACTED",
                    &format!(
                        "by {} ({}) at entry {}, {}: {}",
                        r.signer_name, r.signer, r.seq, r.time, r.reason
                    ),
                )?;
            }
            if claims.is_empty() {
                outln!("\nno claims yet")?;
            } else {
                outln!("\n{}:", output::count(claims.len() as u64, "claim"))?;
            }
            for query::StandingClaim {
                claim: c,
                verdicts,
                auditor_verdicts,
            } in &claims
            {
                let standing = if c.retraction.is_some() {
                    "retracted".to_string()
                } else if verdicts.is_empty() {
                    "not annotated".to_string()
                } else {
                    output::verdicts_marked(verdicts, auditor_verdicts, ", ")
                };
                outln!(
                    "  {}  {} via {}: {} ({standing})",
                    c.id,
                    escape(&c.speaker),
                    c.provenance,
                    c.quote.as_deref().unwrap_or_default()
                )?;
            }
        }
        IdKind::Claim => {
            let revoked = revoked()?;
            let c = query::claim(conn, id.n)?;
            let s = query::source(conn, c.source.n)?;
            let anns = query::annotations(conn, Some(id.n))?;
            let links = query::links_to(conn, id.n)?;
            // What a user reads here before annotating it (see signed_view).
            signed_view::claim(conn, &c)?;
            signed_view::source(conn, &s)?;
            // Its source's title and URL are printed as corrected: a
            // correction's row deleted would bring back the old ones.
            query::amendments_complete(conn, &s)?;
            let mut checked = signed_view::Checked::default();
            for a in anns.iter().chain(&links) {
                signed_view::annotation_in(conn, a, &mut checked)?;
            }
            let history = query::speaker_history(conn, &c.speaker)?;
            // Where the claim stands: each analyst's latest annotation of it
            // (`query::current`, as `list claims` and the reports give it).
            let current = query::current(&anns);
            // A retracted claim stands at no verdict: what its analysts
            // said last is history (`current` still tells which of its
            // annotations a later one of the same person replaced).
            let standing: &[&query::AnnotationView] = match c.retraction {
                Some(_) => &[],
                None => &current,
            };
            let replaces = query::replaces(conn, id.n)?;
            for r in &replaces {
                // Each says so in its own retraction's entry.
                signed_view::claim(conn, &query::claim(conn, r.n)?)?;
            }
            let coverage = query::coverage(conn, c.signed.seq)?;
            signed_view::coverage(conn, &coverage)?;
            if ctx.json {
                // With those only an auditor's audit note gives, as `list
                // claims --json` gives them (the text marks them).
                let (verdicts, auditor_verdicts) =
                    query::verdicts_marked_among(standing.iter().copied());
                let signers = [&c.signed.signer, &s.signed.signer]
                    .into_iter()
                    .chain(anns.iter().chain(&links).map(|a| &a.signed.signer));
                // `auditor_verdicts` is `[]` when there are none, as in
                // `list claims` (it was left out: red team Q F1).
                let v = serde_json::json!({"claim": c, "source": s, "verdicts": verdicts, "auditor_verdicts": auditor_verdicts, "annotations": anns, "linked_from": links, "speaker_reliability": history, "replaces": replaces, "checkpoint": coverage, "revoked_signers": revoked.of(signers)});
                output::json(&v)?;
                return Ok(Outcome::Done);
            }
            outln!(
                "{}  {} via {}{}",
                c.id,
                escape(&c.speaker),
                c.provenance,
                if c.retraction.is_some() {
                    "  (RETRACTED)"
                } else {
                    ""
                }
            )?;
            let shown = c.shown_context();
            match &c.quote {
                // A quote over several lines goes on indented deeper than
                // the fields below, so that none of its lines can pass
                // for one of them.
                // `…` where the source goes on beyond the context shown:
                // a context shorter than its full length reaches the
                // source's start or end (a quote at the very start was
                // shown after a `…`).
                Some(q) => outln!(
                    "\n  {}{}[{}]{}{}\n",
                    if shown.more_before { "…" } else { "" },
                    escape(shown.prefix),
                    escape_keep_newlines(q)
                        .split('\n')
                        .enumerate()
                        .map(|(i, l)| match (i, l.is_empty()) {
                            (0, _) | (_, true) => l.to_string(),
                            _ => format!("      {l}"),
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                    escape(shown.suffix),
                    if shown.more_after { "…" } else { "" },
                )?,
                None => outln!("\n  (the source was redacted; the quote's hash stays signed)\n")?,
            }
            field(
                "span",
                &format!("bytes {}..{} of {}", c.start, c.end, c.source),
            )?;
            field("quote sha256", &c.quote_sha256)?;
            if let Some(p) = &c.paraphrase {
                field("paraphrase", p)?;
            }
            field(
                "source",
                &format!(
                    "{} {} — {}",
                    s.id,
                    s.kind,
                    s.title.as_deref().unwrap_or("(untitled)")
                ),
            )?;
            if let Some(p) = &s.publisher {
                field("publisher", p)?;
            }
            if let Some(u) = &s.url {
                field("url", u)?;
            }
            field("source sha256", &s.sha256)?;
            field(
                "added by",
                &format!(
                    "{} ({}) at entry {}, {}{}",
                    c.signed.signer_name,
                    c.signed.signer,
                    c.signed.seq,
                    c.signed.time,
                    revoked.since(&c.signed.signer, c.signed.seq, "; ")
                ),
            )?;
            field("checkpoint", &super::pasteable(&coverage.line(c.id)))?;
            if let Some(r) = &c.retraction {
                // A replacement retracted since points nowhere that stands:
                // said, as "replaces: C1 (retracted)" says it the other way.
                let by = match r.replaced_by {
                    Some(n) if revoked.withdrawn.holds(n) => {
                        format!(" (replaced by {n}, itself retracted since)")
                    }
                    _ => r.replaced_by_note(),
                };
                field(
                    "retracted",
                    &format!(
                        "by {} ({}) at entry {}, {}: {}{by}",
                        r.signer_name, r.signer, r.seq, r.time, r.reason
                    ),
                )?;
            }
            if !replaces.is_empty() {
                field(
                    "replaces",
                    &format!("{} (retracted)", model::join(&replaces, ", ")),
                )?;
            }
            let standing: Vec<String> = standing
                .iter()
                .map(|a| {
                    // An auditor's verdict is an audit note: it leaves the
                    // claim awaiting review (README), and read as the
                    // desk's verdict it was taken for one.
                    let audit = match a.signed.signer_role {
                        Some(claimtrail::model::Role::Auditor) => ", an auditor's audit note",
                        _ => "",
                    };
                    format!(
                        "{} ({} by {}{audit}{})",
                        a.verdict,
                        a.id,
                        a.signed.signer_name,
                        match revoked.keys.get(&a.signed.signer) {
                            Some((seq, _)) if a.signed.seq < *seq => {
                                format!(", key revoked at entry {seq}")
                            }
                            _ => revoked.since(&a.signed.signer, a.signed.seq, ", "),
                        }
                    )
                })
                .collect();
            field(
                "verdicts",
                &if standing.is_empty() && c.retraction.is_some() {
                    // Not "none yet": a retracted claim takes no more.
                    "none (retracted: its annotations no longer count, and it takes no new one)"
                        .to_string()
                } else if standing.is_empty() && anns.iter().any(|a| a.retraction.is_some()) {
                    // Its annotations were all retracted: it awaits review
                    // again, and was not "never annotated".
                    let ids: Vec<String> = anns.iter().map(|a| a.id.to_string()).collect();
                    format!("none yet ({} retracted)", ids.join(", "))
                } else if standing.is_empty() {
                    "none yet (no annotation)".to_string()
                } else {
                    standing.join(", ")
                },
            )?;
            if !history.is_empty() {
                let record = claimtrail::report::record_summary(&history, |g| {
                    format!(
                        "{} ({} on {}{})",
                        g.reliability,
                        g.signer_name,
                        g.claim,
                        claimtrail::report::superseded_note(g)
                    )
                });
                field("speaker reliability", &record)?;
            }
            // Without annotations, the verdicts line has said so.
            if !anns.is_empty() {
                outln!("\n{}:", output::count(anns.len() as u64, "annotation"))?;
            }
            for a in &anns {
                print_annotation(a, &revoked)?;
            }
            if !links.is_empty() {
                outln!(
                    "\nlinked from {} of other claims:",
                    output::count(links.len() as u64, "annotation")
                )?;
                for a in &links {
                    print_annotation(a, &revoked)?;
                    // A link from a claim recorded in error weighs nothing.
                    if let Some(r) = query::claim(conn, a.claim.n)?.retraction {
                        outln!("      ({} was retracted at entry {})", a.claim, r.seq)?;
                    }
                }
            }
        }
        IdKind::Annotation => {
            let revoked = revoked()?;
            let a = query::annotation(conn, id.n)?;
            signed_view::annotation(conn, &a)?;
            let coverage = query::coverage(conn, a.signed.seq)?;
            signed_view::coverage(conn, &coverage)?;
            if ctx.json {
                // The annotation's own members, as before, and `checkpoint`.
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    annotation: &'a AnnotationView,
                    checkpoint: &'a query::Coverage,
                    revoked_signers: serde_json::Value,
                }
                output::json(&Shown {
                    annotation: &a,
                    checkpoint: &coverage,
                    revoked_signers: revoked.of([&a.signed.signer]),
                })?;
            } else {
                // A heading as `show C<n>` and `show S<n>` have: what the
                // annotation judges, before the judgment.
                let claim = query::claim(conn, a.claim.n)?;
                signed_view::claim(conn, &claim)?;
                outln!(
                    "{}  annotation of {}, {} via {}",
                    a.id,
                    claim.id,
                    escape(&claim.speaker),
                    claim.provenance
                )?;
                // In brackets, as `show C<n>` marks it: a quote that
                // begins with its own quotation mark was shown doubled
                // inside “…” (`““Seven…`), and whether the mark was the
                // quote's could not be told.
                match &claim.quote {
                    Some(q) => outln!("    [{}]\n", escape(q))?,
                    None => outln!("    (its source was redacted)\n")?,
                }
                print_annotation(&a, &revoked)?;
                outln!(
                    "      checkpoint: {}",
                    super::pasteable(&coverage.line(a.id))
                )?;
                // The judgment stands in the record; its claim may not.
                if let Some(r) = claim.retraction {
                    outln!(
                        "\n{} was retracted at entry {}: {}",
                        a.claim,
                        r.seq,
                        escape(&r.reason)
                    )?;
                }
            }
        }
    }
    Ok(Outcome::Done)
}

/// `claimtrail verify` as `show` writes a command.
const VERIFY: &str = "`claimtrail verify`";

/// The longest field name `show` prints, colon included: every value
/// starts one space after a column this wide.
const NAME_WIDTH: usize = "speaker reliability:".len();

/// One `name: value` line of a claim's or a source's fields, the values in
/// one column.
fn field(name: &str, value: &(impl std::fmt::Display + ?Sized)) -> Result<()> {
    outln!(
        "  {:<NAME_WIDTH$} {}",
        format!("{name}:"),
        escape(&value.to_string())
    )
}

/// One annotation, with why it does not count when it does not: retracted,
/// superseded, or replaced by the same person's later annotation of the
/// claim (`replaced_by`, which counts instead though it does not supersede
/// it).
fn print_annotation(a: &AnnotationView, revoked: &Revoked) -> Result<()> {
    let later = a.replaced_by;
    let mut grade = String::new();
    if let Some(r) = &a.reliability {
        grade.push_str(&format!(" reliability {r}"));
    }
    if let Some(c) = a.credibility {
        grade.push_str(&format!(" credibility {c}"));
    }
    let superseded = match (&a.retraction, &a.superseded_by, later) {
        (Some(_), ..) => " (RETRACTED)".to_string(),
        (None, Some(s), _) => format!(" (superseded by {s})"),
        (None, None, Some(l)) => format!(" (not current: {l}, appended later by the same person)"),
        (None, None, None) => String::new(),
    };
    outln!(
        "  {} on {}: {}{grade}{superseded}",
        a.id,
        a.claim,
        a.verdict
    )?;
    outln!(
        "      by {} ({}) at entry {}, {}",
        escape(&a.signed.signer_name),
        a.signed.signer,
        a.signed.seq,
        a.signed.time
    )?;
    if let Some((seq, reason)) = revoked.keys.get(&a.signed.signer) {
        outln!(
            "      {}",
            claimtrail::report::key_revoked_words(
                a.signed.seq,
                *seq,
                Some(&escape(reason)),
                VERIFY
            )
        )?;
    }
    // Withdrawn: out of the current view (no verdict, no live link).
    if let Some(r) = &a.retraction {
        outln!(
            "      retracted at entry {} by {}: {}",
            r.seq,
            escape(&r.signer_name),
            escape(&r.reason)
        )?;
    }
    if !a.corroborates.is_empty() {
        outln!(
            "      corroborates {}",
            revoked.withdrawn.marked(&a.corroborates, ", ")
        )?;
    }
    if !a.contradicts.is_empty() {
        outln!(
            "      contradicts {}",
            revoked.withdrawn.marked(&a.contradicts, ", ")
        )?;
    }
    if let Some(s) = &a.supersedes {
        outln!("      supersedes {s}")?;
    }
    if let Some(n) = &a.note {
        for line in escape_keep_newlines(n).lines() {
            outln!("      | {line}")?;
        }
    }
    Ok(())
}

/// The keys revoked, by fingerprint: the entry that revoked each, and why.
/// What a key signed before its revocation stays valid (verify passes it),
/// but a reader weighing a verdict needs to know that its signer's key was
/// revoked since, and the reason ("laptop stolen" casts doubt further back
/// than "left the desk"). `show` marks such signers; it does not judge them.
/// And the claims retracted, whose links an annotation shows marked
/// ([`query::RetractedClaims`]): what has ended since an item was signed.
struct Revoked {
    keys: std::collections::HashMap<Fingerprint, (Seq, String)>,
    withdrawn: query::RetractedClaims,
}

impl Revoked {
    fn load(conn: &rusqlite::Connection) -> Result<Revoked> {
        Ok(Revoked {
            keys: query::revocations(conn)?,
            withdrawn: query::RetractedClaims::load(conn)?,
        })
    }

    /// For `--json`: the signers among `signers` whose key was revoked, by
    /// fingerprint, with the revoking entry and the reason (`{}` if none).
    fn of<'a>(&self, signers: impl IntoIterator<Item = &'a Fingerprint>) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for fp in signers {
            if let Some((seq, reason)) = self.keys.get(fp) {
                out.insert(
                    fp.to_string(),
                    serde_json::json!({"revoked_at": seq, "reason": reason}),
                );
            }
        }
        serde_json::Value::Object(out)
    }

    /// `{sep}key revoked later, at entry N` when `signer`'s key was
    /// revoked at entry N, after the item's entry `signed`; `{sep}signed
    /// after its key was revoked at entry N: …` when the item came after
    /// the revocation (verify rejects it: the tables read here hold it all
    /// the same, and "later" told a reader that a lost key's signature
    /// predated its loss); else nothing.
    fn since(&self, signer: &Fingerprint, signed: Seq, sep: &str) -> String {
        match self.keys.get(signer) {
            Some((seq, _)) => format!(
                "{sep}{}",
                claimtrail::report::key_revoked_words(signed, *seq, None, VERIFY)
            ),
            None => String::new(),
        }
    }
}

/// A claim's quote as `show` lists it under its source: within its marks,
/// cut to 70 columns, escaped.
fn shown_quote(quote: Option<&str>) -> String {
    let quote = quote.unwrap_or("(redacted)");
    let (open, close) = claimtrail::text::marks_for(quote);
    format!("{open}{}{close}", escape(&output::cut(quote, 70)))
}
