use super::{output, parse_id, values, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::model::{IdKind, ItemId, SourceKind, Verdict};
use claimtrail::query::{self, AnnotationFilter, ClaimFilter, SourceFilter};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// The sources, with their kind, publisher and title.
    #[value(alias = "source")]
    Sources,
    /// The claims, with their speakers and current verdicts.
    #[value(alias = "claim")]
    Claims,
    /// The analysts' annotations, superseded ones included.
    #[value(alias = "annotation")]
    Annotations,
    /// The enrolled keys, as `key list`.
    #[value(alias = "key")]
    Keys,
    /// The speakers of the claims, with their claims and reliability grades.
    #[value(alias = "speaker")]
    Speakers,
}

impl What {
    /// Its name on the command line, as clap derives it.
    fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// List sources, claims, annotations, keys or speakers.
///
/// Sources, claims and annotations can be narrowed down: every condition
/// given must hold.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to list.
    #[arg(
        ignore_case = true,
        value_name = "sources|claims|annotations|keys|speakers"
    )]
    pub what: What,
    /// Sources of this kind.
    #[arg(long, value_parser = values::one_of::<SourceKind>(SourceKind::NAMES))]
    pub kind: Option<SourceKind>,
    /// Sources whose publisher contains TEXT; case, accents, punctuation
    /// and spacing do not matter ("al monitor" finds Al-Monitor).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text(), value_name = "TEXT")]
    pub publisher: Option<String>,
    /// Claims of this source, e.g. S1.
    #[arg(long, value_name = "S<n>")]
    pub source: Option<String>,
    /// Claims (or speakers) whose speaker contains TEXT; case, accents on
    /// Latin letters, punctuation, spacing and Arabic's alef, yeh and teh
    /// marbuta forms do not matter ("white helmets", "dr hassan al ahmad",
    /// "stephane" for Stéphane).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text(), value_name = "TEXT")]
    pub speaker: Option<String>,
    /// Claims whose quote or paraphrase contains TEXT, sources whose text
    /// or title does, annotations whose note does; case, accents on Latin
    /// letters, punctuation, spacing and Arabic's alef, yeh and teh marbuta
    /// forms do not matter ("five children", "jisr al shughur").
    #[arg(long, allow_hyphen_values = true, value_parser = values::text(), value_name = "TEXT")]
    pub contains: Option<String>,
    /// Claims that reached their source this way.
    #[arg(long, value_parser = values::one_of::<SourceKind>(SourceKind::NAMES))]
    pub provenance: Option<SourceKind>,
    /// Annotations of this claim, e.g. C3.
    #[arg(long, value_name = "C<n>")]
    pub claim: Option<String>,
    /// Claims whose current verdicts (each analyst's and auditor's latest
    /// annotation of the claim; an auditor's is marked "(auditor)") include
    /// this one; annotations with this verdict (superseded ones are marked
    /// so).
    #[arg(long, value_parser = values::one_of::<Verdict>(Verdict::NAMES))]
    pub verdict: Option<Verdict>,
    /// Claims the desk has not annotated yet (its review queue; an
    /// auditor's audit note does not take a claim off it).
    #[arg(long, conflicts_with = "verdict")]
    pub unannotated: bool,
    /// Claims withdrawn by `claim retract`; annotations withdrawn by
    /// `annotate retract`.
    #[arg(long, conflicts_with_all = ["verdict", "unannotated"])]
    pub retracted: bool,
    #[command(flatten)]
    pub signed: super::signed::Signed,
    /// Only the last N of the sources, claims or annotations listed (the
    /// newest). `-n N` and `--limit N` say the same, as in `log`.
    #[arg(long, short = 'n', alias = "limit", value_name = "N", allow_negative_numbers = true, value_parser = values::whole::<u64>)]
    pub last: Option<u64>,
}

/// The options given that do not apply to what is listed.
/// Each option that narrows a list down: its name, whether it was given,
/// and the lists it narrows (`--last` aside, which narrows all but keys and
/// speakers).
fn conditions(a: &Args) -> [(&'static str, bool, &'static [What]); 14] {
    use What::*;
    [
        ("--kind", a.kind.is_some(), &[Sources]),
        ("--publisher", a.publisher.is_some(), &[Sources]),
        ("--source", a.source.is_some(), &[Claims]),
        ("--speaker", a.speaker.is_some(), &[Claims, Speakers]),
        (
            "--contains",
            a.contains.is_some(),
            &[Claims, Sources, Annotations],
        ),
        ("--provenance", a.provenance.is_some(), &[Claims]),
        ("--unannotated", a.unannotated, &[Claims]),
        ("--retracted", a.retracted, &[Claims, Annotations]),
        ("--claim", a.claim.is_some(), &[Annotations]),
        ("--verdict", a.verdict.is_some(), &[Claims, Annotations]),
        (
            "--by",
            a.signed.by.is_some(),
            &[Sources, Claims, Annotations],
        ),
        ("--mine", a.signed.mine, &[Sources, Claims, Annotations]),
        (
            "--since",
            a.signed.since.is_some(),
            &[Sources, Claims, Annotations],
        ),
        (
            "--until",
            a.signed.until.is_some(),
            &[Sources, Claims, Annotations],
        ),
    ]
}

fn check_options(a: &Args) -> Result<()> {
    use What::*;
    for (name, is_given, applies) in conditions(a) {
        if is_given && !applies.contains(&a.what) {
            let names: Vec<String> = applies.iter().map(|w| w.name()).collect();
            let these = match names.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            // A claim's counterpart of a source's kind is its provenance
            // (how it reached the source): `list claims --kind tweet` means
            // that, not a list of sources.
            let hint = match (name, a.what, a.kind) {
                ("--kind", Claims, Some(kind)) => format!("a claim's kind is its provenance (how it reached the source): give --provenance {kind} instead of --kind {kind}"),
                _ => format!(
                    "give {name} to `claimtrail list {}` instead, with the rest of this command",
                    names[0]
                ),
            };
            return Err(Error::invalid(
                format!("{name} narrows down {these}, not {}", a.what.name()),
                hint,
            ));
        }
    }
    if a.last.is_some() && matches!(a.what, Keys | Speakers) {
        return Err(Error::invalid(
            format!(
                "--last applies to sources, claims and annotations, not {}",
                a.what.name()
            ),
            "leave --last out to list them all",
        ));
    }
    for (name, text, example) in [
        ("--speaker", &a.speaker, "white helmets"),
        ("--publisher", &a.publisher, "al-monitor"),
        ("--contains", &a.contains, "five children"),
    ] {
        if text.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(Error::invalid(
                format!("{name} is empty"),
                format!("give some text to look for, e.g. {name} \"{example}\""),
            ));
        }
    }
    Ok(())
}

/// The number of an id given to narrow a list down, once it is known to
/// name an item of this log.
fn existing(conn: &rusqlite::Connection, given: Option<&str>, kind: IdKind) -> Result<Option<u64>> {
    given
        .map(|s| {
            let id = parse_id(s, kind)?;
            query::require(conn, id)?;
            Ok(id.n)
        })
        .transpose()
}

/// Whether any option narrows the list down.
fn narrowed(a: &Args) -> bool {
    a.last.is_some() || conditions(a).iter().any(|(_, given, _)| *given)
}

/// What an empty list says instead of a header alone (see
/// `output::listing`): that nothing matched, of how many, or how to add
/// the first one.
fn none(
    last: Option<u64>,
    narrowed: bool,
    one: &str,
    many: &str,
    total: Option<ItemId>,
    add: &str,
) -> String {
    // `-n 0` asks for none: nothing was left out by a condition (it said
    // "no claim matches these conditions, of 9").
    if last == Some(0) {
        return format!("no {many} listed: -n 0 asks for none");
    }
    match (narrowed, total) {
        (true, Some(n)) => format!("no {one} matches these conditions, of {}", n.n),
        (true, None) => format!("no {one} matches these conditions: the log has no {many}"),
        (false, _) => format!("no {many} yet: {add}"),
    }
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    check_options(&a)?;
    let narrowed = narrowed(&a);
    let recorded = a.signed.period("item")?;
    let store = ctx.read()?;
    let conn = store.conn();
    let signer = a.signed.signer(ctx, conn)?;
    // Widths for a table printed as it is read; JSON and the short lists
    // (keys, speakers) need none.
    let e = match a.what {
        What::Sources | What::Claims | What::Annotations if !ctx.json => query::extent(conn)?,
        _ => query::Extent::default(),
    };
    let last = |k: IdKind| output::widest(e.last_items[k.index()].map(|i| i.to_string()));
    match a.what {
        What::Sources => {
            let filter = SourceFilter {
                kind: a.kind,
                publisher: a.publisher,
                contains: a.contains,
                signer,
                recorded,
                last: a.last,
            };
            output::listing(
                ctx.json,
                &[
                    "ID",
                    "KIND",
                    "PUBLISHER",
                    "TITLE",
                    "CLAIMS",
                    "TEXT",
                    "SHA256",
                ],
                &[last(IdKind::Source), output::widest(SourceKind::NAMES)],
                &none(
                    a.last,
                    narrowed,
                    "source",
                    "sources",
                    e.last_items[IdKind::Source.index()],
                    "`claimtrail source add FILE --kind KIND` records one",
                ),
                |s: &query::SourceView| {
                    vec![
                        s.id.to_string(),
                        s.kind.to_string(),
                        output::opt(&s.publisher),
                        output::shown_field(&output::opt(&s.title)).into_owned(),
                        match s.retracted_claims {
                            0 => s.claims.to_string(),
                            n => format!("{} ({n} retracted)", s.claims),
                        },
                        if s.redaction.is_some() {
                            "redacted".into()
                        } else {
                            format!("{} bytes", s.length)
                        },
                        s.sha256.to_hex()[..16].to_string(),
                    ]
                },
                |each| query::for_each_source(conn, &filter, each),
            )?;
        }
        What::Claims => {
            let filter = ClaimFilter {
                source: existing(conn, a.source.as_deref(), IdKind::Source)?,
                speaker: a.speaker,
                contains: a.contains,
                provenance: a.provenance,
                verdict: a.verdict,
                unannotated: a.unannotated,
                retracted: a.retracted,
                signer,
                recorded,
                last: a.last,
            };
            output::listing(
                ctx.json,
                &["ID", "SOURCE", "SPEAKER", "VIA", "VERDICT", "QUOTE"],
                &[
                    last(IdKind::Claim),
                    last(IdKind::Source),
                    0,
                    output::widest(SourceKind::NAMES),
                    output::widest(Verdict::NAMES),
                ],
                &none(
                    a.last,
                    narrowed,
                    "claim",
                    "claims",
                    e.last_items[IdKind::Claim.index()],
                    &match e.last_items[IdKind::Source.index()] {
                        Some(s) => format!("`claimtrail claim add --source {s} --quote TEXT …` records one"),
                        None => "a claim quotes a source: `claimtrail source add FILE --kind KIND` records the source first".into(),
                    },
                ),
                |l: &query::StandingClaim| {
                    let c = &l.claim;
                    vec![
                        c.id.to_string(),
                        c.source.to_string(),
                        c.speaker.clone(),
                        c.provenance.to_string(),
                        if c.retraction.is_some() {
                            "retracted".into()
                        } else if l.verdicts.is_empty() {
                            "-".into()
                        } else {
                            output::verdicts_marked(&l.verdicts, &l.auditor_verdicts, ",")
                        },
                        c.quote.clone().unwrap_or_else(|| match c.text_missing {
                            true => "(source text missing or damaged: run verify)".into(),
                            false => "(source redacted)".into(),
                        }),
                    ]
                },
                |each| query::for_each_standing_claim(conn, &filter, each),
            )?;
        }
        What::Annotations => {
            // A signer whose key was revoked since is marked, as `show`
            // and the reports mark it: what it signed before stays valid,
            // but a desk reviewing verdicts should see it (`key list` says
            // when and why; `--json` has `signed.signer_revoked_at`).
            let filter = AnnotationFilter {
                claim: existing(conn, a.claim.as_deref(), IdKind::Claim)?,
                verdict: a.verdict,
                retracted: a.retracted,
                signer,
                contains: a.contains,
                recorded,
                last: a.last,
            };
            // A link to a claim retracted since is marked: it is history.
            let withdrawn = query::RetractedClaims::load(conn)?;
            output::listing(
                ctx.json,
                &["ID", "CLAIM", "VERDICT", "GRADE", "BY", "LINKS", "NOTE"],
                &[
                    last(IdKind::Annotation),
                    last(IdKind::Claim),
                    output::widest(Verdict::NAMES),
                    2,
                    output::widest(&e.key_names),
                ],
                &none(
                    a.last,
                    narrowed,
                    "annotation",
                    "annotations",
                    e.last_items[IdKind::Annotation.index()],
                    &match (
                        e.last_items[IdKind::Claim.index()],
                        e.last_items[IdKind::Source.index()],
                    ) {
                        (Some(c), _) => format!("`claimtrail annotate {c}` with its --verdict records one"),
                        (None, Some(s)) => format!("an annotation judges a claim: `claimtrail claim add --source {s} --quote TEXT …` records the claim first"),
                        (None, None) => "an annotation judges a claim, which quotes a source: `claimtrail source add FILE --kind KIND` records the source first".into(),
                    },
                ),
                |a: &query::AnnotationView| {
                    let mut links = Vec::new();
                    // Withdrawn: its verdict and links no longer stand.
                    if let Some(r) = &a.retraction {
                        links.push(format!("RETRACTED at entry {}", r.seq));
                    }
                    if !a.corroborates.is_empty() {
                        links.push(format!(
                            "corroborates {}",
                            withdrawn.marked(&a.corroborates, ",")
                        ));
                    }
                    if !a.contradicts.is_empty() {
                        links.push(format!(
                            "contradicts {}",
                            withdrawn.marked(&a.contradicts, ",")
                        ));
                    }
                    if let Some(s) = &a.superseded_by {
                        links.push(format!("superseded by {s}"));
                    }
                    if let Some(l) = &a.replaced_by {
                        links.push(format!("not current: {l}"));
                    }
                    vec![
                        a.id.to_string(),
                        withdrawn.marked(&[a.claim], ""),
                        // A reader scanning the column took a withdrawn
                        // verdict for one that stands.
                        match a.retraction {
                            Some(_) => format!("{} (retracted)", a.verdict),
                            None => a.verdict.to_string(),
                        },
                        format!(
                            "{}{}",
                            a.reliability.map_or("-".into(), |g| g.to_string()),
                            a.credibility.map_or("-".into(), |c| c.to_string())
                        ),
                        match a.signed.signer_revoked_at {
                            Some(_) => format!("{} (key revoked)", a.signed.signer_name),
                            None => a.signed.signer_name.clone(),
                        },
                        links.join("; "),
                        a.note.clone().unwrap_or_default(),
                    ]
                },
                |each| query::for_each_annotation(conn, &filter, each),
            )?;
        }
        What::Keys => return super::key::list(ctx),
        What::Speakers => {
            let speakers = query::speakers(conn, a.speaker.as_deref())?;
            if ctx.json {
                output::json(&speakers)?;
            } else {
                let rows: Vec<Vec<String>> = speakers
                    .iter()
                    .map(|s| {
                        let grades: Vec<String> = s
                            .reliability
                            .iter()
                            .map(|(g, n)| format!("{g}×{n}"))
                            .collect();
                        vec![
                            s.speaker.clone(),
                            s.claims.to_string(),
                            s.last_claim.to_string(),
                            if grades.is_empty() {
                                "-".into()
                            } else {
                                grades.join(" ")
                            },
                            spellings_note(&s.spellings),
                        ]
                    })
                    .collect();
                let empty = match &a.speaker {
                    Some(s) => format!("no speaker matches `{s}`"),
                    None => "no speakers yet: they come with the claims".to_string(),
                };
                output::table(
                    &["SPEAKER", "CLAIMS", "NEWEST", "RELIABILITY", ""],
                    &rows,
                    &empty,
                )?;
            }
        }
    }
    Ok(Outcome::Done)
}

/// The last column of `list speakers`: how many spellings a speaker has,
/// and how many of them are in letters of another script that print as
/// the Latin name (`ВВС` beside `BBC`), which a reader cannot tell from
/// it and a desk will want to put right.
fn spellings_note(spellings: &[String]) -> String {
    let lookalikes = spellings
        .iter()
        .filter(|s| claimtrail::text::prints_as_latin(s))
        .count();
    match (spellings.len(), lookalikes) {
        (0 | 1, 0) => String::new(),
        (1, _) => "in look-alike letters".to_string(),
        (n, 0) => format!("{n} spellings"),
        (n, k) => format!("{n} spellings, {k} in look-alike letters"),
    }
}
