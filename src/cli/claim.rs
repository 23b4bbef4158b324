use super::{output, parse_id, values, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::log::{append, NewEntry};
use claimtrail::model::{Body, ClaimRetract, IdKind, ItemId, SourceKind};
use claimtrail::sources::{check_given, Spelling};
use claimtrail::{query, text};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum ClaimCommand {
    /// Record an exact quote of a source as a claim; prints C<n>.
    Add(AddArgs),
    /// Propose the quoted and reported claims of a source (speaker,
    /// provenance, exact span); `--add` signs the ones you pick.
    Suggest(SuggestArgs),
    /// Withdraw a claim recorded in error (your own; an admin may withdraw
    /// any): it stays in the log, marked retracted, and takes no new
    /// annotations.
    Retract(RetractArgs),
}

#[derive(clap::Args, Debug)]
pub struct RetractArgs {
    /// The claim, e.g. C3.
    pub claim: String,
    /// Why (the wrong speaker, not a claim at all): signed with the
    /// retraction, and shown by `show` and the reports.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub reason: String,
    /// The claim that records it correctly, added first with `claim add`.
    #[arg(long = "replaced-by", value_name = "C<n>")]
    pub replaced_by: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct SuggestArgs {
    /// The source, e.g. S1.
    pub source: String,
    /// Append these candidates as claims: numbers as listed (`1,3,5`) or `all`.
    #[arg(long, allow_hyphen_values = true)]
    pub add: Option<String>,
    /// With --add of one candidate: record it as said by SPEAKER, in place
    /// of the speaker suggested (the spelling the log already has for
    /// them), or for a candidate that has none.
    #[arg(long, requires = "add", allow_hyphen_values = true, value_parser = values::text())]
    pub speaker: Option<String>,
}

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("where").required(true).args(["quote", "span"]))]
pub struct AddArgs {
    /// The source, e.g. S1.
    #[arg(long)]
    pub source: String,
    /// The exact text as it appears in the source.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub quote: Option<String>,
    /// Which occurrence of --quote, when it appears more than once (1-based).
    #[arg(long, requires = "quote", conflicts_with = "span", allow_negative_numbers = true,
          value_parser = values::counted)]
    pub occurrence: Option<usize>,
    /// Byte offsets START..END into the source, END excluded (0..5 is the
    /// first five bytes), on the boundaries of characters as they are
    /// shown (a mark is taken with its letter).
    #[arg(long, allow_hyphen_values = true)]
    pub span: Option<String>,
    /// Who said it, as the source gives it.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub speaker: String,
    /// How it reached the source.
    #[arg(long, value_parser = values::one_of::<SourceKind>(SourceKind::NAMES))]
    pub provenance: SourceKind,
    /// Your paraphrase of the claim, in your words (shown as
    /// `paraphrase`; the quote itself is --quote or --span).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub text: Option<String>,
}

pub fn run(ctx: &Ctx, c: ClaimCommand) -> Result<Outcome> {
    match c {
        ClaimCommand::Add(a) => add(ctx, a),
        ClaimCommand::Suggest(a) => suggest(ctx, a),
        ClaimCommand::Retract(a) => retract(ctx, a),
    }
}

fn retract(ctx: &Ctx, a: RetractArgs) -> Result<Outcome> {
    let id = parse_id(&a.claim, IdKind::Claim)?;
    let replaced = a
        .replaced_by
        .as_deref()
        .map(|r| parse_id(r, IdKind::Claim))
        .transpose()?;
    let mut store = ctx.open()?;
    let claim = query::reference(store.conn(), id)?;
    let replaced_by = replaced
        .map(|r| query::reference(store.conn(), r))
        .transpose()?;
    // A retracted replacement, said here with the option's name: the
    // append path's rule, which import lines meet too, names the field
    // ("replaced_by refers to C3"). Its earlier refusals (the claim already
    // retracted, a claim that replaces itself) are left to it.
    if let Some(r) = replaced.filter(|&r| r != id) {
        let standing = query::claim(store.conn(), id.n)?.retraction.is_none();
        if let Some(at) = query::claim(store.conn(), r.n)?
            .retraction
            .filter(|_| standing)
        {
            return Err(Error::invalid(
                format!(
                    "--replaced-by refers to {r}, which was retracted at entry {}",
                    at.seq
                ),
                "name a claim that stands",
            ));
        }
    }
    let body = Body::ClaimRetract(ClaimRetract {
        claim,
        reason: a.reason,
        replaced_by,
    });
    let entry = NewEntry::new(body);
    let signer = ctx.signer_for(store.conn(), &entry)?;
    let e = append(&mut store, &signer, entry)?;
    if ctx.json {
        output::json(&serde_json::json!({
            "retracted": id.to_string(),
            "replaced_by": replaced.map(|r| r.to_string()),
            "entry": e,
        }))?;
    } else {
        let by = replaced
            .map(|r| format!(", replaced by {r}"))
            .unwrap_or_default();
        outln!(
            "{id} retracted at entry {}{by}: it stays in the log, marked retracted",
            e.seq
        )?;
    }
    Ok(Outcome::Done)
}

/// Finds where the claim lies in the source text.
fn locate(src: &str, a: &AddArgs, id: &str) -> Result<(usize, usize)> {
    use claimtrail::sources::{locate, Where};
    let at = match &a.span {
        Some(span) => Where::Span(span),
        None => Where::Quote {
            quote: a.quote.as_deref().unwrap_or_default(),
            occurrence: a.occurrence,
        },
    };
    locate(src, at, id, Spelling::Cli)
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<Outcome> {
    let id = parse_id(&a.source, IdKind::Source)?;
    check_given("text", a.text.as_deref(), Spelling::Cli)?;
    let mut store = ctx.open()?;
    // A key that may not add claims is told so first, not where its quote
    // occurs (an auditor was asked to choose an --occurrence, then refused).
    ctx.check_kind(store.conn(), claimtrail::model::Kind::ClaimAdd)?;
    let source = query::reference(store.conn(), id)?;
    let data = query::source_text(store.conn(), id.n)?.ok_or_else(|| {
        Error::invalid(
            format!("{id} was redacted: its text is gone and cannot be quoted"),
            "quote another source",
        )
    })?;
    let src = std::str::from_utf8(&data)
        .map_err(|_| Error::Damaged(format!("the text of {id} is not UTF-8")))?;
    let (start, end) = locate(src, &a, &id.to_string())?;
    let body =
        claimtrail::log::claim_body(source, src, (start, end), &a.speaker, a.provenance, a.text)?;
    claimtrail::log::refuse_recorded_claim(store.conn(), &body)?;
    let overlapping = query::same_speaker_overlapping(
        store.conn(),
        id.n,
        (start as u64, end as u64),
        &a.speaker,
    )?;
    let entry = NewEntry::new(body);
    let signer = ctx.signer_for(store.conn(), &entry)?;
    let e = append(&mut store, &signer, entry)?;
    let cid = e.id.map(|i| i.to_string()).unwrap_or_default();
    if ctx.json {
        let overlaps: Vec<String> = overlapping.iter().map(|o| o.id.to_string()).collect();
        output::json(
            &serde_json::json!({"id": cid, "start": start, "end": end, "entry": e, "overlaps": overlaps}),
        )?;
    } else {
        outln!("{cid}")?;
    }
    // A span that starts or ends inside a word quotes letters the speaker
    // did not say as a word (`EPP` out of `ALEPPO`); recorded, since a
    // part of a compound may be meant, and said (red team N #2).
    let mut cuts: Vec<_> = [start, end]
        .into_iter()
        .filter_map(|at| text::word_cut(src, at))
        .collect();
    // One word cut at both ends is named once.
    cuts.dedup_by_key(|(_, place)| *place);
    if let (Some((_, (ws, _))), Some((_, (_, we)))) = (cuts.first(), cuts.last()) {
        let words: Vec<String> = cuts
            .iter()
            .map(|(w, _)| format!("`{}`", text::escape(w)))
            .collect();
        errln!(
            "note: {cid} ({start}..{end}) cuts {} of {id}: if whole words were meant, record --span {}..{} and retract {cid} (`claimtrail claim retract {cid} --replaced-by C<n> --reason \"…\"`)",
            match words.as_slice() {
                [one] => format!("the word {one}"),
                _ => format!("the words {}", words.join(" and ")),
            },
            start.min(*ws),
            end.max(*we)
        );
    }
    let keys = query::keys(store.conn())?;
    let me = keys.iter().find(|k| &k.fingerprint == signer.fingerprint());
    for o in &overlapping {
        // Who may retract it (`rules`: an admin, or whoever recorded it,
        // under any of their keys): the note told an analyst to retract
        // another's claim, which the command then refused.
        let author = keys.iter().find(|k| k.fingerprint.as_str() == o.signer);
        let theirs = match (me, author) {
            (Some(me), _) if me.role == claimtrail::model::Role::Admin => None,
            (Some(me), Some(a)) if a.name == me.name && a.role == me.role => None,
            // "ask admin (who recorded it) or an admin" said one twice.
            (_, Some(a)) if a.role == claimtrail::model::Role::Admin => Some(format!(
                "{} (the admin who recorded it) or another admin",
                text::escape(&a.name)
            )),
            (_, Some(a)) => Some(format!(
                "{} (who recorded it) or an admin",
                text::escape(&a.name)
            )),
            (_, None) => Some("its author or an admin".to_string()),
        };
        errln!(
            "{}",
            overlap_note(&cid, (start as u64, end as u64), &id, o, theirs.as_deref())
        );
    }
    Ok(Outcome::Done)
}

/// The note on a claim just recorded that overlaps `o`, a claim of the
/// same source by the same speaker as the lists group speakers: what it
/// is likely to be, and the command for each case.
fn overlap_note(
    cid: &str,
    (start, end): (u64, u64),
    source: &ItemId,
    o: &query::Overlapping,
    author: Option<&str>,
) -> String {
    let place = match (o.start, o.end) == (start, end) {
        true => format!("records the same bytes {start}..{end} of {source}"),
        false => format!(
            "records bytes {}..{} of {source}, which overlap {start}..{end}",
            o.start, o.end
        ),
    };
    let (other, by) = (o.id, text::escape(&o.speaker));
    let retract = format!("`claimtrail claim retract {other} --replaced-by {cid} --reason \"…\"`");
    let corrects = match author {
        None => format!("retract {other} with {retract}"),
        Some(who) => format!("ask {who} to retract it with {retract}"),
    };
    format!(
        "note: {other} {place}, said by {by} via {}, the same speaker as the lists group them: if {cid} corrects {other}, {corrects}; if it records {other} again, retract {cid} (two claims of one quote split its verdicts)",
        o.provenance
    )
}

/// How the log already writes a speaker that a suggestion spells another
/// way: the same person (the name before the first comma, as lists read
/// names) with other words after it (`Capt. Naji Mustafa, speaking for
/// the National Front for Liberation` beside `Capt. Naji Mustafa, National
/// Front for Liberation`). Added as suggested, the two were two speakers
/// with two reliability records, without a word.
///
/// Only names of two words or more, each spelling with words after its
/// comma: `Mohammed, a father of four` and `Mohammed, a nurse`, or `Ahmed`
/// and `Ahmed, a shopkeeper`, are as likely two people, and the advice
/// would have put one's words under the other's name. Even so it is
/// said as a possibility, never as a fact.
fn logged_spelling<'k>(
    known: &'k [(String, ItemId)],
    speaker: &str,
) -> Option<&'k (String, ItemId)> {
    let person = |s: &str| -> Option<String> {
        let (name, rest) = s.split_once(',')?;
        let key = text::name_key(name);
        (key.split(' ').count() >= 2 && !rest.trim().is_empty()).then_some(key)
    };
    let mine = person(speaker)?;
    let me = text::speaker_key(speaker);
    known
        .iter()
        .find(|(k, _)| person(k).as_ref() == Some(&mine) && text::speaker_key(k) != me)
}

fn suggest(ctx: &Ctx, a: SuggestArgs) -> Result<Outcome> {
    let id = parse_id(&a.source, IdKind::Source)?;
    // Only --add appends: without it, the log's files are left as they are.
    let mut store = match a.add.is_some() {
        true => ctx.open()?,
        false => ctx.read()?,
    };
    let source = query::reference(store.conn(), id)?;
    let data = query::source_text(store.conn(), id.n)?.ok_or_else(|| {
        Error::invalid(
            format!("{id} was redacted: there is no text to read"),
            "suggest claims from another source",
        )
    })?;
    let src = std::str::from_utf8(&data)
        .map_err(|_| Error::Damaged(format!("the text of {id} is not UTF-8")))?;
    let found = claimtrail::suggest::suggest(src);
    let known = query::speaker_spellings(store.conn())?;
    // The source's claims that each candidate overlaps: a candidate a desk
    // has already claimed (by hand, or from an earlier suggestion) is
    // marked, and `--add all` leaves it out.
    let spans: Vec<(usize, usize)> = found.iter().map(|c| (c.start, c.end)).collect();
    let claimed = query::claims_overlapping(store.conn(), id.n, &spans)?;
    // How a candidate with no speaker is added by hand: the line to paste
    // (with its provenance, which `claim add` requires), then its speaker.
    let by_hand_line = |i: usize| {
        super::pasteable_signed(&format!(
            "`claimtrail claim add --source {id} --span {}..{} --provenance {}`",
            found[i].start, found[i].end, found[i].provenance
        ))
    };
    // The same, for a speaker joined across a line's end by a guess: the
    // two readings to choose from, neither given as `--speaker` (a guess
    // pasted is signed), nor a placeholder (`--speaker "…"`, pasted, led
    // hint after hint to a claim signed with the speaker `...`).
    let by_hand_speaker_line = |i: usize| {
        format!(
            "{} with its --speaker, {} or {}",
            by_hand_line(i),
            text::shell_text(&found[i].speaker),
            text::shell_text(
                found[i]
                    .speaker_hyphenated
                    .as_deref()
                    .unwrap_or(&found[i].speaker)
            )
        )
    };
    let names = |ids: &[ItemId]| {
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Whether two candidates overlap (a sentence and the quotation inside
    // it): `--add all` adds only the first of them.
    let overlap = |i: usize, j: usize| {
        i != j && found[j].start < found[i].end && found[i].start < found[j].end
    };
    // The other candidates each one overlaps, by number, in one sweep in
    // the order of their starts: of two, the later starts before the
    // earlier ends. (Each against every other took 10 s of a 16 MiB
    // source's 74,889 candidates.)
    let mut overlaps: Vec<Vec<usize>> = vec![Vec::new(); found.len()];
    let mut by_start: Vec<usize> = (0..found.len()).collect();
    by_start.sort_by_key(|&i| (found[i].start, found[i].end));
    for (k, &i) in by_start.iter().enumerate() {
        for &j in by_start[k + 1..]
            .iter()
            .take_while(|&&j| found[j].start < found[i].end)
        {
            if overlap(i, j) {
                overlaps[i].push(j + 1);
                overlaps[j].push(i + 1);
            }
        }
    }
    for o in &mut overlaps {
        o.sort_unstable();
    }
    let given_speaker = a.speaker;
    let Some(pick) = a.add else {
        if ctx.json {
            let v: Vec<_> = found
                .iter()
                .zip(&claimed)
                .enumerate()
                .map(|(i, (c, claims))| {
                    // The log's spelling of what may be the same speaker,
                    // as the text listing gives it.
                    let logged = logged_spelling(&known, &c.speaker)
                        .map(|(s, first)| serde_json::json!({"speaker": s, "claim": first.to_string()}));
                    serde_json::json!({"n": i + 1, "start": c.start, "end": c.end, "quote": c.quote(src), "speaker": c.speaker, "provenance": c.provenance, "cue": c.cue, "speaker_hyphenated": c.speaker_hyphenated, "logged_speaker": logged, "claimed": claims, "overlaps": overlaps[i]})
                })
                .collect();
            output::json(&v)?;
        } else {
            for (i, (c, claims)) in found.iter().zip(&claimed).enumerate() {
                // A candidate no speaker was found for says so (a blank
                // and a double space read as a lost column).
                // A speaker joined across a line's end by a guess (a
                // broken word or a compound) is marked, with the other
                // spelling: `--add` leaves it to the hand.
                let speaker = match (c.speaker.trim().is_empty(), c.speaker_broken()) {
                    (true, _) => "(no speaker found)".into(),
                    (false, false) => text::escape(&c.speaker),
                    (false, true) => format!(
                        "{} (speaker broken across lines: check it)",
                        text::escape(&c.speaker)
                    )
                    .into(),
                };
                outln!(
                    "{:>3}. {speaker} via {} (bytes {}..{})",
                    i + 1,
                    c.provenance,
                    c.start,
                    c.end
                )?;
                let (open, close) = text::marks_for(c.quote(src));
                outln!(
                    "     {open}{}{close}",
                    text::escape(&output::cut(c.quote(src), 200))
                )?;
                outln!("     cue: {}", text::escape(&c.cue))?;
                if let Some(h) = &c.speaker_hyphenated {
                    outln!("     or, with the line's hyphen kept: {}", text::escape(h))?;
                }
                if let Some((spelled, first)) = logged_spelling(&known, &c.speaker) {
                    outln!(
                        "     the log has `{}` ({first}): if that is this speaker, add it with --speaker {} to keep one record",
                        text::escape(spelled),
                        text::shell_text(spelled)
                    )?;
                }
                if !claims.is_empty() {
                    let verb = if claims.len() == 1 {
                        "overlaps"
                    } else {
                        "overlap"
                    };
                    outln!("     already claimed: {} {verb} it", names(claims))?;
                }
                if !overlaps[i].is_empty() {
                    let (word, others) = match overlaps[i].as_slice() {
                        [one] => ("candidate", one.to_string()),
                        many => (
                            "candidates",
                            many.iter()
                                .map(usize::to_string)
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    };
                    outln!("     overlaps {word} {others}")?;
                }
            }
            let taken = claimed.iter().filter(|c| !c.is_empty()).count();
            // The numbers not claimed yet, as they would be typed, and
            // those of them with no speaker found, which are added by hand
            // (a claim names who said it; `--add all` leaves them out).
            let (open, speakerless): (Vec<usize>, Vec<usize>) = (0..found.len())
                .filter(|&i| claimed[i].is_empty())
                .partition(|&i| !found[i].speaker.trim().is_empty());
            // And those whose speaker is joined across a line's end by a
            // guess: added by hand too, in the spelling the source means.
            let (broken, open): (Vec<usize>, Vec<usize>) =
                open.into_iter().partition(|&i| found[i].speaker_broken());
            // Past a screenful, the first few and how many (the hint of a
            // 16 MiB source listed 74,889 numbers on one line).
            let numbers = |is: &[usize]| {
                let shown: Vec<String> = is.iter().take(20).map(|i| (i + 1).to_string()).collect();
                match is.len() > 20 {
                    false => shown.join(","),
                    true => format!(
                        "{},… ({} in all)",
                        shown[..3].join(","),
                        claimtrail::text::grouped(is.len() as u64)
                    ),
                }
            };
            let already = match taken {
                0 => String::new(),
                1 => " (1 already claimed: `--add all` leaves it out)".to_string(),
                n => format!(" ({n} already claimed: `--add all` leaves them out)"),
            };
            if found.is_empty() {
                outln!(
                    "{}",
                    super::pasteable(&format!("no candidates in {id}: no quotation or reported statement was found; claim by hand with `claimtrail claim add --source {id} --quote …` (see `claimtrail show {id} --text`)"))
                )?;
            } else if taken == found.len() {
                outln!(
                    "{} in {id}, all already claimed",
                    output::count(found.len() as u64, "candidate")
                )?;
            } else if open.is_empty() && !broken.is_empty() {
                // Those left are all added by hand: nothing `--add` can add.
                outln!(
                    "{} in {id}{already}; none is for --add: {}{}; add {} by hand, e.g. {}",
                    output::count(found.len() as u64, "candidate"),
                    broken_words(&numbers(&broken), broken.len()),
                    match speakerless.len() {
                        0 => String::new(),
                        1 => format!(", and {} has no speaker", numbers(&speakerless)),
                        _ => format!(", and {} have no speaker", numbers(&speakerless)),
                    },
                    if broken.len() + speakerless.len() == 1 {
                        "it"
                    } else {
                        "each"
                    },
                    by_hand_speaker_line(broken[0])
                )?;
            } else if open.is_empty() {
                // Those left have no speaker: nothing `--add` can add.
                outln!(
                    "{} in {id}{already}; {} no speaker found near {}: add {} by hand with who said {}, e.g. {} and its --speaker",
                    output::count(found.len() as u64, "candidate"),
                    match speakerless.len() {
                        1 => format!("the one left ({}) has", numbers(&speakerless)),
                        n => format!("the {n} left ({}) have", numbers(&speakerless)),
                    },
                    if speakerless.len() == 1 { "it" } else { "them" },
                    if speakerless.len() == 1 { "it" } else { "each" },
                    if speakerless.len() == 1 { "it" } else { "each" },
                    by_hand_line(speakerless[0])
                )?;
            } else if found.len() == 1 && broken.is_empty() {
                outln!(
                    "1 candidate in {id}; add it with {}",
                    super::pasteable(&format!("`claimtrail claim suggest {id} --add 1`"))
                )?;
            } else {
                // A command to paste: all the numbers, or past a
                // screenful the first three, said to be an example.
                let (pick, of) = match open.len() > 20 {
                    false => (numbers(&open), String::new()),
                    true => (
                        numbers(&open[..3]),
                        format!(
                            " (the numbers you choose, of {})",
                            claimtrail::text::grouped(open.len() as u64)
                        ),
                    ),
                };
                outln!(
                    "{} in {id}{already}; add the ones you choose with {}{of}{}{}{}",
                    output::count(found.len() as u64, "candidate"),
                    super::pasteable(&format!("`claimtrail claim suggest {id} --add {pick}`")),
                    match open.len() {
                        1 => String::new(),
                        _ => ", or every one not claimed yet with `--add all`".into(),
                    },
                    match speakerless.len() {
                        0 => String::new(),
                        1 => format!(
                            "; {} has no speaker, and is added by hand",
                            numbers(&speakerless)
                        ),
                        _ => format!(
                            "; {} have no speaker, and are added by hand",
                            numbers(&speakerless)
                        ),
                    },
                    match broken.len() {
                        0 => String::new(),
                        n => format!(
                            "; {}, and {} added by hand",
                            broken_words(&numbers(&broken), n),
                            if n == 1 { "is" } else { "are" }
                        ),
                    }
                )?;
            }
        }
        return Ok(Outcome::Done);
    };
    // A candidate with no speaker found (a quotation with no attribution
    // near it) is added by hand, naming who said it: `--add all` leaves it
    // out (it failed as a whole, "the speaker is empty", adding none).
    let speakerless = |i: usize| found[i].speaker.trim().is_empty();
    // Nor does it add one whose speaker joins a word a hyphen breaks at a
    // line's end before a small letter: a broken word (`Hu-` `man`) or a
    // compound (`Turkish-` `backed`), which the text cannot tell; it
    // signed `The Turkishbacked Syrian National Army`. Asked for by
    // number, it is refused, unless its --speaker is given.
    let broken = |i: usize| !speakerless(i) && found[i].speaker_broken();
    let broken_by_hand = |i: usize| {
        let c = &found[i];
        Error::invalid(
            format!(
                "candidate {}'s speaker `{}` joins a word broken across lines by a hyphen: it may be `{}`, and the source cannot tell",
                i + 1,
                text::escape(&c.speaker),
                text::escape(c.speaker_hyphenated.as_deref().unwrap_or_default()),
            ),
            format!(
                "add it by hand, with the speaker spelt as the source means it: {}",
                by_hand_speaker_line(i)
            ),
        )
    };
    let by_hand = |i: usize| {
        Error::invalid(
            format!(
                "candidate {} has no speaker: no attribution was found near it",
                i + 1
            ),
            format!(
                "add it by hand, with who said it: {} and its --speaker",
                by_hand_line(i)
            ),
        )
    };
    // Candidates `--add all` leaves out for want of a speaker, said once
    // the others are added (they were left out without a word).
    let mut left_out: Vec<usize> = Vec::new();
    // And those it leaves out for a speaker broken across lines.
    let mut broken_out: Vec<usize> = Vec::new();
    // Candidates `--add all` leaves out as overlapping an earlier one it
    // adds: (candidate, the earlier one).
    let mut nested: Vec<(usize, usize)> = Vec::new();
    // And those it leaves out as overlapping a claim of the log: said, as
    // the others are (a claim of three words by another speaker inside a
    // quotation left that quotation out without a word).
    let mut claimed_out: Vec<usize> = Vec::new();
    let chosen: Vec<usize> = if pick.trim().eq_ignore_ascii_case("all") {
        claimed_out = (0..found.len())
            .filter(|&i| !claimed[i].is_empty())
            .collect();
        let new: Vec<usize> = (0..found.len())
            .filter(|&i| claimed[i].is_empty() && !speakerless(i) && !broken(i))
            .collect();
        let left: Vec<usize> = (0..found.len())
            .filter(|&i| claimed[i].is_empty())
            .collect();
        if let (true, Some(&i)) = (new.is_empty(), left.iter().find(|&&i| broken(i))) {
            // Every candidate not claimed yet is for the hand, and one at
            // least for a speaker broken across lines.
            let (hyphen, none): (Vec<usize>, Vec<usize>) = left.iter().partition(|&&i| broken(i));
            let list = |is: &[usize]| {
                is.iter()
                    .map(|i| (i + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(Error::invalid(
                format!(
                    "no candidate in {id} is left for --add all: {}{}",
                    broken_words(&list(&hyphen), hyphen.len()),
                    match none.len() {
                        0 => String::new(),
                        1 => format!(", and {} has no speaker", list(&none)),
                        _ => format!(", and {} have no speaker", list(&none)),
                    }
                ),
                format!(
                    "add {} by hand, with the speaker spelt as the source means it, e.g. {}",
                    if left.len() == 1 { "it" } else { "each" },
                    by_hand_speaker_line(i)
                ),
            ));
        }
        if let (true, Some(&i)) = (new.is_empty(), left.first()) {
            // Every candidate not claimed yet has no speaker: say so of
            // them all, not of the first as if it had been asked for.
            let hint = match left.len() {
                1 => format!(
                    "add it by hand, with who said it: {} and its --speaker",
                    by_hand_line(i)
                ),
                _ => format!(
                    "add them by hand, each with who said it, e.g. {} and its --speaker",
                    by_hand_line(i)
                ),
            };
            return Err(Error::Invalid {
                what: format!(
                    "no candidate in {id} is left for --add all: {} (no attribution was found near {})",
                    match left.len() {
                        1 => format!("the only one not claimed yet, {}, has no speaker", left[0] + 1),
                        n => format!("the {n} not claimed yet, {}, have no speaker", left.iter().map(|i| (i + 1).to_string()).collect::<Vec<_>>().join(", ")),
                    },
                    if left.len() == 1 { "it" } else { "them" },
                ),
                hint,
            });
        }
        if new.is_empty() && !found.is_empty() {
            let mut all: Vec<ItemId> = claimed.iter().flatten().copied().collect();
            all.sort_by_key(|i| i.n);
            all.dedup();
            return Err(Error::invalid(
                format!(
                    "every candidate in {id} is already claimed ({})",
                    names(&all)
                ),
                format!("annotate those claims (`claimtrail list claims --source {id}`); a candidate that only overlaps a claim is added by its number with --add"),
            ));
        }
        broken_out = left.iter().copied().filter(|&i| broken(i)).collect();
        left_out = left.into_iter().filter(|&i| speakerless(i)).collect();
        // Of candidates that overlap (a sentence and the quotation inside
        // it), one: `--add all` recorded both, while one added before made
        // it leave the other out as already claimed. Which one: see
        // `keep_one_of_overlapping`.
        let (kept, left) = claimtrail::suggest::keep_one_of_overlapping(&found, new, &overlaps);
        nested = left;
        kept
    } else {
        pick.split(',')
            .map(|p| match p.trim().parse::<usize>() {
                Ok(n) if n >= 1 && n <= found.len() => Ok(n - 1),
                _ => Err(Error::invalid(
                    format!(
                        "`{}` is not a candidate number (there {} in {id})",
                        text::escape(p.trim()),
                        match found.len() {
                            1 => "is 1".to_string(),
                            n => format!("are {n}"),
                        }
                    ),
                    match found.len() {
                        0 => format!("there is nothing to add: claim by hand with `claimtrail claim add --source {id}` and its --quote"),
                        1 => "give --add 1, or --add all".to_string(),
                        n => format!("give numbers from 1 to {n} as listed by `claimtrail claim suggest {id}`, or --add all"),
                    },
                )),
            })
            .collect::<Result<_>>()?
    };
    // A speaker given names the speaker of one candidate, chosen by its
    // number: the suggester's speaker for it is not in the log's
    // spelling, or it found none (a split record, or a retyped `claim
    // add`, otherwise).
    if given_speaker.is_some() && (pick.trim().eq_ignore_ascii_case("all") || chosen.len() != 1) {
        return Err(Error::invalid(
            "--speaker names the speaker of one candidate",
            format!("give --add one number with it, e.g. `claimtrail claim suggest {id} --add 2 --speaker \"…\"` with the speaker's name for \"…\""),
        ));
    }
    if let Some(&i) = chosen
        .iter()
        .find(|&&i| speakerless(i) && given_speaker.is_none())
    {
        return Err(by_hand(i));
    }
    if let Some(&i) = chosen
        .iter()
        .find(|&&i| broken(i) && given_speaker.is_none())
    {
        return Err(broken_by_hand(i));
    }
    // A number given twice signed the same claim twice, for ever.
    if let Some(twice) = chosen
        .iter()
        .enumerate()
        .find(|(i, n)| chosen[..*i].contains(n))
        .map(|(_, n)| n + 1)
    {
        return Err(Error::invalid(
            format!("candidate {twice} is listed twice in --add"),
            "list each number once, e.g. --add 1,3,5",
        ));
    }
    if chosen.is_empty() {
        return Err(Error::invalid(
            format!("no candidates in {id} to add"),
            "add claims by hand with `claimtrail claim add`",
        ));
    }
    let every = pick.trim().eq_ignore_ascii_case("all");
    let mut entries = Vec::new();
    // The candidates appended, in order (`--add all` leaves out those the
    // rules refuse), and those it left out, with why.
    let mut appended: Vec<usize> = Vec::new();
    let mut refused: Vec<(usize, String)> = Vec::new();
    for &i in &chosen {
        let c = &found[i];
        let kind: SourceKind = c.provenance.parse().map_err(Error::Internal)?;
        let speaker = given_speaker.as_deref().unwrap_or(&c.speaker);
        let body = claimtrail::log::claim_body(source, src, (c.start, c.end), speaker, kind, None)?;
        // A speaker in letters that print like another candidate's Latin
        // speaker (`ВВС` after `BBC` in one source): the append path
        // refuses it in the batch, which stopped `--add all` whole.
        let lookalike = claimtrail::text::latin_lookalike(&c.speaker)
            .and_then(|latin| {
                appended
                    .iter()
                    .copied()
                    .find(|&j| found[j].speaker.eq_ignore_ascii_case(&latin))
            })
            .map(|j| {
                claimtrail::log::lookalike_speaker(
                    &c.speaker,
                    &found[j].speaker,
                    &format!("the speaker of candidate {}", j + 1),
                )
            });
        // Every candidate to the commands' input rules, not only the first
        // (`--add all` signed speakers that `--add 3` refused), and to the
        // log's: which candidate (`--add all` failed on a speaker that
        // prints like another, naming none).
        let checked = match lookalike {
            Some(e) => Err(e),
            None => claimtrail::log::precheck(&body)
                .and_then(|()| claimtrail::log::refuse_recorded_claim(store.conn(), &body)),
        };
        match checked {
            Ok(()) => {
                entries.push(NewEntry::new(body));
                appended.push(i);
            }
            // Asked for by number, a candidate refused stops the command;
            // under `--add all`, which cannot leave it out, the others are
            // added and it is named after them (one speaker that mixes
            // scripts stopped the whole batch).
            Err(Error::Invalid { what, .. }) if every => refused.push((i, what)),
            Err(e) => return Err(candidate_refused(i + 1, e)),
        }
    }
    if entries.is_empty() {
        if let Some((i, what)) = refused.first() {
            return Err(Error::invalid(
                format!(
                    "no candidate in {id} could be added by --add all: candidate {}: {what}{}",
                    i + 1,
                    match refused.len() {
                        1 => String::new(),
                        n => format!(" (and {} more refused)", n - 1),
                    }
                ),
                format!(
                    "add them by hand, e.g. {} and its --speaker",
                    by_hand_line(*i)
                ),
            ));
        }
    }
    let signer = match entries.first() {
        Some(first) => ctx.signer_for(store.conn(), first)?,
        None => ctx.signer()?,
    };
    let added = claimtrail::log::append_batch(&mut store, &signer, entries)?;
    let ids: Vec<String> = added
        .iter()
        .filter_map(|e| e.id.map(|i| i.to_string()))
        .collect();
    if ctx.json {
        output::json(&serde_json::json!({"added": ids, "entries": added}))?;
    } else {
        outln!("{}", ids.join("\n"))?;
    }
    // Added as suggested under another spelling of a speaker the log
    // has: two records now, which the desk may not want.
    if given_speaker.is_none() {
        for (&i, id) in appended.iter().zip(&ids) {
            if let Some((spelled, first)) = logged_spelling(&known, &found[i].speaker) {
                errln!(
                    "{}",
                    super::pasteable(&format!(
                        "note: {id}'s speaker `{}` may be `{}` of {first}: `claimtrail list speakers` counts two speakers, with a reliability record each; if they are one, add candidate {} again with --speaker {}, then retract {id} in favour of the claim that prints (`claimtrail claim retract {id} --replaced-by C<n> --reason \"speaker spelt as the log spells it\"`)",
                        text::escape(&found[i].speaker),
                        text::escape(spelled),
                        i + 1,
                        text::shell_text(spelled)
                    ))
                );
            }
        }
    }
    for &(i, j) in &nested {
        let added_as = appended
            .iter()
            .position(|&c| c == j)
            .and_then(|k| ids.get(k))
            .map(|id| format!(", added as {id}"))
            .unwrap_or_default();
        errln!(
            "note: candidate {} was not added: it overlaps candidate {}{added_as}; if it is a claim of its own, add it with `--add {}`",
            i + 1,
            j + 1,
            i + 1
        );
    }
    if !claimed_out.is_empty() {
        let mut by: Vec<ItemId> = claimed_out
            .iter()
            .flat_map(|&i| claimed[i].iter().copied())
            .collect();
        by.sort_by_key(|i| i.n);
        by.dedup();
        let numbers: Vec<String> = claimed_out.iter().map(|i| (i + 1).to_string()).collect();
        errln!(
            "note: {} not added: {} already, or {} words of {} (see `claimtrail claim suggest {id}`); a candidate that only overlaps a claim of other words, or another speaker's, is added by its number, e.g. `--add {}`",
            match claimed_out.len() {
                1 => format!("candidate {} was", numbers[0]),
                _ => format!("candidates {} were", numbers.join(", ")),
            },
            match claimed_out.len() {
                1 => "it is claimed",
                _ => "they are claimed",
            },
            match by.len() {
                1 => format!("{} claims", by[0]),
                _ => format!("{} claim", names(&by)),
            },
            if claimed_out.len() == 1 { "it" } else { "them" },
            numbers[0]
        );
    }
    for (i, what) in &refused {
        errln!(
            "note: candidate {} was not added: {what}; if it is a claim, add it by hand: {} and its --speaker",
            i + 1,
            by_hand_line(*i)
        );
    }
    if let Some(&first) = broken_out.first() {
        let numbers: Vec<String> = broken_out.iter().map(|i| (i + 1).to_string()).collect();
        errln!(
            "note: {} not added: {}; add {} by hand with the speaker spelt as the source means it, e.g. {}",
            match broken_out.len() {
                1 => format!("candidate {} was", numbers[0]),
                _ => format!("candidates {} were", numbers.join(", ")),
            },
            match broken_out.len() {
                1 => format!(
                    "its speaker `{}` joins a word broken across lines by a hyphen, and may be `{}`",
                    text::escape(&found[first].speaker),
                    text::escape(found[first].speaker_hyphenated.as_deref().unwrap_or_default())
                ),
                _ => "their speakers join a word broken across lines by a hyphen (a broken word or a compound: the source cannot tell)".into(),
            },
            if broken_out.len() == 1 { "it" } else { "each" },
            by_hand_speaker_line(first)
        );
    }
    if let Some(&first) = left_out.first() {
        let numbers: Vec<String> = left_out.iter().map(|i| (i + 1).to_string()).collect();
        errln!(
            "note: {} not added: no speaker was found near {}; add {} by hand with who said {}, e.g. {} and its --speaker",
            match left_out.len() {
                1 => format!("candidate {} was", numbers[0]),
                _ => format!("candidates {} were", numbers.join(", ")),
            },
            if left_out.len() == 1 { "it" } else { "them" },
            if left_out.len() == 1 { "it" } else { "each" },
            if left_out.len() == 1 { "it" } else { "each" },
            by_hand_line(first)
        );
    }
    Ok(Outcome::Done)
}

/// Candidates `nums` (`n` of them) whose speakers join a word broken
/// across lines by a hyphen, said in a summary.
fn broken_words(nums: &str, n: usize) -> String {
    match n {
        1 => format!(
            "{nums} has a speaker broken across lines (a broken word or a compound: check it)"
        ),
        _ => format!(
            "{nums} have speakers broken across lines (broken words or compounds: check them)"
        ),
    }
}

/// A candidate's entry refused by the input rules: which candidate, and
/// that it is added by hand.
fn candidate_refused(n: usize, e: Error) -> Error {
    match e {
        Error::Invalid { what, hint } => Error::invalid(
            format!("candidate {n}: {what}"),
            format!("{hint}: add it by hand with `claimtrail claim add` and its --span, or leave it out of --add"),
        ),
        e => e,
    }
}
