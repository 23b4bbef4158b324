use super::{output, Ctx, Outcome};
use claimtrail::bundle::contents::BundleContents;
use claimtrail::bundle::{BundleKept, BundleReport};
use claimtrail::error::Result;
use claimtrail::model;
use claimtrail::query::Signed;
use claimtrail::text::{escape, escape_keep_newlines};
use std::path::PathBuf;

/// Check a bundle with no database.
///
/// Checks the signatures, the enrolment of the signers, the inclusion
/// proofs against the bundle's checkpoint, the checkpoint's signature, the
/// source hashes and the quotes. Exit 0: everything holds. Exit 1: problems
/// found. Exit 2: the check could not run.
///
/// What a bundle cannot prove: that it holds every annotation of its claims,
/// or a claim's retraction (anyone who handles it can leave entries out),
/// or anything appended after its checkpoint; without --vkey, whose log it
/// is; and, alone, that its checkpoint is of the history you were shown
/// before: give the checkpoints of the log you kept with --checkpoint, and
/// one of the bundle's size with another root shows a forked log, and one
/// larger than the bundle's says that the bundle is stale (a warning: exit
/// 0 still).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bundle file, as `claimtrail export` writes it; `-` reads it from
    /// standard input.
    pub bundle: PathBuf,
    /// The log's verifier key(s) (from `claimtrail key vkey`), obtained
    /// independently: without one, the bundle is only checked against
    /// keys it enrolls itself, which anyone can make, and the verdict is
    /// `UNANCHORED`, not `OK`. Repeat --vkey for each key, or give a file
    /// of keys, one a line (`claimtrail key vkey > desk.vkey`).
    #[arg(long, value_name = "KEY|FILE")]
    pub vkey: Vec<String>,
    /// A checkpoint of this log you kept (`claimtrail checkpoint --out`,
    /// cosigned or not): signed by the log (by --vkey, or, no larger than
    /// the bundle's, by an admin its entries show at that size; else by an
    /// admin the bundle enrolls), and, of the bundle's size, with the
    /// bundle's root, or the log is forked (exit 1). One of another size is
    /// not compared: a bundle carries no consistency proof; one larger than
    /// the bundle's says the bundle is stale (a warning, exit 0). Repeat
    /// for each.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// After the check, show what the bundle holds: its sources, the claims
    /// with their quotes, and the annotations (`contents` in JSON output).
    /// Only for a bundle that verified, and only from its checked entries.
    #[arg(long)]
    pub show: bool,
    /// List at most N problems in full, the rest only counted; 0 lists every
    /// one (as `verify --max-problems`)
    #[arg(long, value_name = "N", default_value_t = claimtrail::verify::MAX_LISTED,
          allow_negative_numbers = true, value_parser = super::values::whole::<usize>)]
    pub max_problems: usize,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let vkeys = super::values::verifier_keys(&a.vkey)?;
    // `-` is standard input, as for the other commands' inputs (it was
    // looked for as a file named `-`); taken once, so that a kept
    // checkpoint given as /dev/stdin beside it is refused, not read empty.
    let stdin = a.bundle.as_os_str() == "-";
    if stdin || output::is_stdin(&a.bundle) {
        ctx.reading_stdin("the bundle")?;
    }
    for c in a.checkpoint.iter().filter(|c| output::is_stdin(c)) {
        output::take_stdin(&format!("--checkpoint {}", c.display()))?;
    }
    let kept = claimtrail::verify::KeptCheckpoint::read_all(&a.checkpoint)?;
    // A longer file is refused by `verify_bundle`, which says so.
    let cap = claimtrail::bundle::MAX_BUNDLE_BYTES as u64;
    let bytes = match stdin {
        true => {
            use std::io::Read;
            let mut data = Vec::new();
            std::io::stdin()
                .lock()
                .take(cap + 1)
                .read_to_end(&mut data)
                .map_err(|e| claimtrail::error::Error::Io {
                    path: "standard input".into(),
                    reason: claimtrail::keys::io_reason(&e),
                })?;
            data
        }
        false => claimtrail::files::read_capped(&a.bundle, cap)?,
    };
    let listed = (a.max_problems > 0).then_some(a.max_problems);
    let mut r = claimtrail::bundle::verify_bundle_with(&bytes, &vkeys, &kept, listed)?;
    let contents = r.contents.take();
    if ctx.json {
        r.contents = contents.filter(|_| a.show);
        output::json(&r)?;
    } else {
        // A bundle of a source alone holds no claim.
        let claims = match r.claims.is_empty() {
            true => "no claims".to_string(),
            false => format!("claims {}", r.claims.join(", ")),
        };
        outln!(
            "bundle of log {}: {}, {} ({} redacted), {claims}",
            escape(&r.origin),
            output::count(r.entries as u64, "entry"),
            output::count(r.sources as u64, "source"),
            r.redacted_sources,
        )?;
        for rt in &r.retracted {
            outln!(
                "{} retracted at entry {}{}: {}",
                rt.claim,
                rt.seq,
                rt.replaced_by
                    .map(|n| format!(", replaced by {n}"))
                    .unwrap_or_default(),
                escape(&rt.reason)
            )?;
        }
        for m in &r.amended_sources {
            outln!(
                "{} amended at entry {} ({}): {}",
                m.source,
                m.seq,
                m.summary,
                escape(&m.reason)
            )?;
        }
        for rt in &r.retracted_annotations {
            outln!(
                "{} retracted at entry {}: {}",
                rt.annotation,
                rt.seq,
                escape(&rt.reason)
            )?;
        }
        // "signed by -" read as a signer named "-" when no signature
        // checked: the problem below says why (no signature of the log,
        // or a line of a known key, a cosigner's too, that fails: "not
        // signed by the log" was false of the second).
        let by = match r.signed_by.is_empty() {
            true => "not accepted (see the problem below)".to_string(),
            false => format!("signed by {}", super::verify::signers(&r.signed_by)),
        };
        outln!(
            "checkpoint: size {}, root {}, {by}",
            r.checkpoint_size,
            r.checkpoint_root,
        )?;
        kept_lines(&r.checkpoints)?;
        super::verify::problem_lines(&r.problems, "bundle")?;
        stale_lines(&r)?;
        if r.ok {
            verdict(&r)?;
            // A line under the log's own name, by a key not the log's, is
            // no auditor's: another admin key of the log (a rotated one),
            // or a line made to look like the log's (red team T, F2).
            let own: Vec<&String> = r
                .unchecked_lines
                .iter()
                .filter(|l| l.rsplit_once('+').is_some_and(|(name, _)| name == r.origin))
                .collect();
            if !own.is_empty() {
                outln!(
                    "note: the checkpoint carries {} under the log's own name by a key that is not the log's key at its size, not checked: {} (another admin key of the log, revoked before or enrolled after that size, or a line made to look like the log's: pass the log's keys with --vkey, as `claimtrail key vkey` prints them, to check it)",
                    output::count(own.len() as u64, "signature line"),
                    escape(&own.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "))
                )?;
            }
            let others: Vec<&String> = r
                .unchecked_lines
                .iter()
                .filter(|l| !own.contains(l))
                .collect();
            if !others.is_empty() {
                outln!(
                    "note: the checkpoint carries {} by a key neither given nor enrolled by the bundle at its size, not checked: {} (perhaps an auditor's cosignature, which only the auditor's key can tell: a bundle carries the enrolments of its own entries' signers only; or a witness's, a key revoked before or enrolled after that size, or a line altered or made up; pass the key with --vkey, as `claimtrail key vkey` prints the log's, to check it)",
                    output::count(others.len() as u64, "signature line"),
                    escape(&others.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "))
                )?;
            }
        } else {
            super::verify::failed_lines(r.problems.len(), r.more_problems)?;
        }
        match contents {
            Some(c) if a.show => show(&c, &r)?,
            None if a.show => {
                outln!("not shown: what a bundle holds is shown only when it verifies")?
            }
            _ => {}
        }
    }
    Ok(if r.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// The verdict on a bundle that verified, and what it cannot prove.
///
/// Without --vkey, not `OK`: the bundle is checked against the keys it
/// enrolls itself, which anyone can make (their own log under the desk's
/// origin, with the desk's names), so the verdict says `UNANCHORED:` and
/// what to do. It was `OK: …` with a `note:` after it, which a reader (or
/// `verify-bundle x && publish`) took for acceptance of a made-up bundle
/// (red team). The exit code and `ok` stay: the check itself found nothing
/// wrong, and `anchored` says the rest. Stale (a checkpoint the reader kept
/// is larger): the check holds of the bundle's tree, which the log has
/// outgrown, said in the same line. Then, after every verdict, that a
/// bundle proves what it holds and not that it holds everything: the
/// leaving-out was said only under --show.
fn verdict(r: &BundleReport) -> Result<()> {
    let checks = "every signature, proof, text and quote checks out";
    let grown = r.newer_checkpoints.first().map(|n| n.size);
    let as_of = format!(
        "as of the log's first {}",
        output::count(r.checkpoint_size, "entry")
    );
    match (r.anchored, grown) {
        (true, None) => outln!("OK: {checks}")?,
        (true, Some(size)) => {
            outln!("OK, but stale: {checks} {as_of}, and a checkpoint you kept shows {size}")?
        }
        (false, grown) => outln!(
            "UNANCHORED: {checks}{}, but only against the keys the bundle enrolls itself: nothing shows whose log it is, and anyone can make such a bundle under any log's name; pass --vkey with the log's verifier key, obtained from its publisher apart from the bundle",
            grown
                .map(|size| format!(
                    " {as_of} (a checkpoint you kept shows {size}: the bundle is stale)"
                ))
                .unwrap_or_default()
        )?,
    }
    outln!("note: a bundle proves what it holds, not that it holds everything: anyone who handled it may have left out annotations, retractions, redactions or amendments, and its `requested` list is not signed")
}

/// Each kept checkpoint's line, as `verify --checkpoint` prints them
/// ([`super::verify::kept_lines`]), and, for one taken as the log's by an
/// admin of the bundle's entries rather than by a key given, who that is
/// and by which entries.
fn kept_lines(checks: &[BundleKept]) -> Result<()> {
    for c in checks {
        let how = c
            .admin_in_bundle
            .as_ref()
            .map(|a| {
                format!(
                    ", an admin at size {} by the bundle's entries (enrolled at entry {}, {}), no key given having signed it",
                    c.size,
                    a.enrolled_at,
                    a.revoked_at
                        .map_or("not revoked in the bundle".to_string(), |r| format!(
                            "revoked at entry {r}"
                        ))
                )
            })
            .unwrap_or_default();
        super::verify::kept_line(c, &how)?;
    }
    Ok(())
}

/// The warning for a bundle older than a checkpoint the reader kept
/// ([`BundleReport::stale`]), before the verdict.
fn stale_lines(r: &BundleReport) -> Result<()> {
    let Some(largest) = r.newer_checkpoints.first() else {
        return Ok(());
    };
    let files: Vec<String> = r
        .newer_checkpoints
        .iter()
        .map(|n| escape(&n.name).into_owned())
        .collect();
    let kept = match files.len() {
        1 => format!(
            "a checkpoint you kept ({}) shows the log at {}",
            files[0],
            output::count(largest.size, "entry")
        ),
        _ => format!(
            "checkpoints you kept ({}) show the log at up to {}",
            files.join(", "),
            output::count(largest.size, "entry")
        ),
    };
    outln!(
        "WARNING: {kept}, and this bundle shows it at {}: the bundle cannot be compared with {}, so nothing here shows it is of the same history, and anything recorded since (a retraction, a later verdict) is not in it; ask the desk for a fresh export, or check it with `claimtrail prove --consistency` on the log",
        r.checkpoint_size,
        match files.len() {
            1 => "it",
            _ => "them",
        }
    )
}

/// What a bundle that verified holds, as `--show` prints it: each source,
/// then each claim with its quote and its annotations.
fn show(c: &BundleContents, r: &BundleReport) -> Result<()> {
    // Each claim's annotations, found once (a bundle may hold many).
    let mut of_claim: std::collections::HashMap<_, Vec<_>> = Default::default();
    for an in &c.annotations {
        of_claim.entry(an.claim).or_default().push(an);
    }
    // Who signed an entry, where and when: a signed item's, a redaction's
    // or a retraction's (which are not `Signed` items).
    let at = |name: &str, seq: model::Seq, time: &str| {
        format!("{} at entry {seq}, {time}", escape(name))
    };
    let by = |b: &Signed| {
        format!(
            "{}{}",
            at(&b.signer_name, b.seq, &b.time),
            b.signer_revoked_at
                .map(|r| format!(" (key revoked later, at entry {r})"))
                .unwrap_or_default()
        )
    };
    outln!()?;
    // Unanchored, every name below is the bundle's own word: said where
    // the reader looks, above them, not only in the verdict.
    let unanchored = match r.anchored {
        true => "",
        false => "; UNANCHORED: checked only against the keys the bundle enrolls itself, so whose log this is, and every name below, is the bundle's own word",
    };
    match r.newer_checkpoints.first() {
        Some(n) => outln!(
            "the bundle holds, as of the log's first {} (a checkpoint you kept shows {}: what the log recorded since is not here) (from its checked entries; ids are the bundle's labels{unanchored}):",
            output::count(r.checkpoint_size, "entry"),
            n.size
        )?,
        None => outln!("the bundle holds (from its checked entries; ids are the bundle's labels{unanchored}):")?,
    }
    if c.requested.is_none() {
        outln!("this bundle (version 1) does not say which items it was exported for: any claim's annotations, and so its verdicts, may not all be here")?;
    }
    for s in &c.sources {
        outln!()?;
        let mut what = vec![s.kind.to_string()];
        what.extend(s.publisher.iter().map(|p| escape(p).into_owned()));
        what.extend(s.author.iter().map(|a| format!("by {}", escape(a))));
        what.extend(
            s.published
                .iter()
                .map(|p| format!("published {}", escape(p))),
        );
        outln!(
            "{}  {}",
            s.id,
            output::shown_field(s.title.as_deref().unwrap_or("(untitled)"))
        )?;
        outln!("    {}", what.join(", "))?;
        if let Some(u) = &s.url {
            outln!("    {}", escape(u))?;
        }
        if !s.derived_from.is_empty() {
            outln!("    derived from {}", model::join(&s.derived_from, ", "))?;
        }
        outln!(
            "    sha256 {}, {}; added by {}",
            s.sha256,
            output::count(s.length, "byte"),
            by(&s.signed)
        )?;
        for a in &s.amendments {
            outln!("    {}", output::amendment(a))?;
        }
        if let Some(r) = &s.redaction {
            outln!(
                "    REDACTED by {} (its text is not in the bundle): {}",
                at(&r.signer_name, r.seq, &r.time),
                escape(&r.reason)
            )?;
        }
    }
    for claim in &c.claims {
        outln!()?;
        outln!(
            "{}  {} via {}, in {} (bytes {}..{})",
            claim.id,
            escape(&claim.speaker),
            claim.provenance,
            claim.source,
            claim.start,
            claim.end
        )?;
        // A claim the bundle carries because an entry refers to it, not
        // because it (or its source) was exported: it comes with the
        // annotations that brought it, not necessarily all of its own.
        let standing = c.standing_of(claim.id);
        let partial = c.requested.is_some() && standing.is_some_and(|s| !s.complete);
        if partial {
            let why = match standing.and_then(|s| s.referred_to_by.as_ref()) {
                Some(r) => format!(
                    "in this bundle because {} refers to it",
                    match r.id {
                        Some(id) => id.to_string(),
                        None => format!("entry {} ({})", r.seq, r.kind),
                    }
                ),
                None => "in this bundle, though not among the items it was exported for".into(),
            };
            outln!(
                "    {why}, not exported itself: its own annotations are not necessarily all here"
            )?;
        }
        match &claim.quote {
            Some(q) => {
                let (open, close) = claimtrail::text::marks_for(q);
                outln!("    {open}{}{close}", escape(q))?
            }
            None => outln!("    (quote unavailable: {})", claim.quote_unavailable())?,
        }
        if let Some(p) = &claim.paraphrase {
            outln!("    paraphrase: {}", escape(p))?;
        }
        outln!("    recorded by {}", by(&claim.signed))?;
        if let Some(rt) = &claim.retraction {
            outln!(
                "    RETRACTED by {}{}: {}",
                at(&rt.signer_name, rt.seq, &rt.time),
                rt.replaced_by
                    .map(|r| format!(", replaced by {r}"))
                    .unwrap_or_default(),
                escape(&rt.reason)
            )?;
        }
        // Where it stands by the bundle's annotations, as `show` says it.
        let current = standing.map(|s| s.current.as_slice()).unwrap_or_default();
        // A retracted claim has none, in or out of the bundle: said as
        // `show` says it ("none in the bundle" read as left out).
        let verdicts = standing.filter(|s| !s.verdicts.is_empty()).map_or_else(
            || match claim.retraction.is_some() {
                true => {
                    "none (retracted: its annotations no longer count, and it takes no new one)"
                        .to_string()
                }
                false => "none in the bundle".to_string(),
            },
            |s| output::verdicts_marked(&s.verdicts, &s.auditor_verdicts, ", "),
        );
        // Exported itself: complete by the sender's word (`requested`,
        // unsigned), not proven. It read as plain `verdicts: disputed`
        // with the latest annotation (`false`) left out by a middleman.
        // (A retracted claim's verdict is none whatever was left out.)
        let exported = standing.is_some_and(|s| s.complete) && claim.retraction.is_none();
        match (partial, exported) {
            (true, _) => outln!(
                "    verdicts: {verdicts} (incomplete: from the annotations this bundle holds, not necessarily all of {}'s)",
                claim.id
            )?,
            (false, true) => outln!(
                "    verdicts: {verdicts} (complete as the sender exported {}, by the bundle's unsigned `requested` list: not proven; an annotation left out would not show)",
                claim.id
            )?,
            (false, false) => outln!("    verdicts: {verdicts}")?,
        }
        let annotations = of_claim
            .get(&claim.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for an in annotations {
            let mut judged = vec![an.verdict.to_string()];
            judged.extend(an.reliability.map(|g| format!("reliability {g}")));
            judged.extend(an.credibility.map(|g| format!("credibility {g}")));
            if !an.corroborates.is_empty() {
                judged.push(format!(
                    "corroborates {}",
                    model::join(&an.corroborates, ", ")
                ));
            }
            if !an.contradicts.is_empty() {
                judged.push(format!(
                    "contradicts {}",
                    model::join(&an.contradicts, ", ")
                ));
            }
            if let Some(s) = an.supersedes {
                judged.push(format!("supersedes {s}"));
            }
            if let Some(s) = an.superseded_by {
                judged.push(format!("superseded by {s}"));
            } else if an.retraction.is_none() && !current.contains(&an.id) {
                // The same person's later annotation counts instead,
                // though it does not supersede this one.
                let later = annotations.iter().find(|b| {
                    current.contains(&b.id)
                        && claimtrail::query::Judgment::signer(*b)
                            == claimtrail::query::Judgment::signer(an)
                });
                if let Some(l) = later {
                    judged.push(format!(
                        "not current: {}, appended later by the same person",
                        l.id
                    ));
                }
            }
            outln!("    {}  {}", an.id, judged.join("; "))?;
            outln!("        by {}", by(&an.signed))?;
            if let Some(rt) = &an.retraction {
                outln!(
                    "        RETRACTED by {}: {}",
                    at(&rt.signer_name, rt.seq, &rt.time),
                    escape(&rt.reason)
                )?;
            }
            // A note's line breaks are the analyst's, shown as `show` shows
            // them: one `|` line each.
            if let Some(n) = &an.note {
                for line in escape_keep_newlines(n).lines() {
                    outln!("        | {line}")?;
                }
            }
        }
    }
    outln!()?;
    outln!("a bundle may leave out annotations, retractions, key revocations and source redactions and amendments made elsewhere in the log (the metadata shown is as of the amendments it holds), and whatever came after its checkpoint")
}
