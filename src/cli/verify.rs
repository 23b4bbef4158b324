use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::text::escape;

/// Check every entry, signature, reference, text and table of the log.
///
/// Exit 0: everything holds. Exit 1: problems found (each listed, with its
/// entry and check). Exit 2: the check could not run.
///
/// What verify alone cannot prove: that the log was not cut short (its
/// last entries removed, or an older copy of the file put back: anyone who
/// can write the file can do that, with no key), nor that the entries after
/// the last checkpoint kept outside were not replaced by others, signed
/// anew by an enrolled key (or the whole log, by whoever holds an admin
/// key). Checkpoint files kept outside the database catch these, up to
/// their size: give them with --checkpoint, and keep a
/// new one after each working day (`claimtrail checkpoint --out FILE`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checkpoint files you kept: prove the log still contains each one
    /// (catches truncation, rollback and rewritten history).
    #[arg(long, num_args = 1..)]
    pub checkpoint: Vec<std::path::PathBuf>,

    /// List at most N problems in full, the rest only counted; 0 lists every
    /// one (the whole damage of a badly damaged log, e.g. for --json)
    #[arg(long, value_name = "N", default_value_t = claimtrail::verify::MAX_LISTED,
          allow_negative_numbers = true, value_parser = super::values::whole::<usize>)]
    pub max_problems: usize,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let kept = claimtrail::verify::KeptCheckpoint::read_all(&a.checkpoint)?;
    // Not `ctx.read()`, which refuses a file without entries: verify
    // reports that, and every other difference, as findings.
    let report = match claimtrail::store::Store::open_to_read(ctx.db()?) {
        Ok(store) => output::while_verifying("verifying", |progress| {
            let listed = (a.max_problems > 0).then_some(a.max_problems);
            claimtrail::verify::verify_listing(&store, &kept, listed, progress)
        })?,
        // An SQLite file damaged where SQLite reads first (its schema page,
        // or cut short): a finding, as a damaged page further on is.
        Err(e) if e.is_damage() || matches!(e, Error::EditedHeader { .. }) => {
            claimtrail::verify::unreadable(&e)
        }
        Err(e) => match claimtrail::verify::damaged_header(ctx.db()?, &e) {
            Some(report) => report,
            None => return Err(e),
        },
    };
    if ctx.json {
        output::json(&report)?;
    } else {
        let c = &report.counts;
        let unreadable = report.origin.is_none()
            && report.entries == 0
            && report.problems.first().is_some_and(|p| {
                matches!(
                    p.check,
                    claimtrail::rules::Check::File | claimtrail::rules::Check::Schema
                )
            });
        match unreadable {
            false => {
                outln!(
                    "log {}: {}, head {}",
                    escape(report.origin.as_deref().unwrap_or("?")),
                    claimtrail::text::count(report.entries, "entry"),
                    report.head.map_or("-".into(), |h| h.to_hex())
                )?;
                counts_line(c)?;
                outln!("tree: size {}, root {}", report.tree_size, report.tree_root)?;
                outln!("checkpoints: {}", checkpoints_line(&report))?;
            }
            // A file SQLite cannot open: no counts, tree or advice that
            // would describe an empty log (the problem below says why).
            true => outln!("log ?: the file cannot be read as a log")?,
        }
        match unreadable {
            false => outln!("checks: {}", report.checks.join(", "))?,
            true => outln!(
                "checks: {} (the others could not run)",
                report.problems.first().map_or("file", |p| p.check.as_str())
            )?,
        }
        kept_lines(&report.checkpoints)?;
        if report.ok {
            outln!("OK: no problems found")?;
        } else {
            problem_lines(&report.problems, "log")?;
            failed_lines(report.problems.len(), report.more_problems)?;
        }
    }
    Ok(if report.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// What the checkpoints signed into the log cover: the entries after the
/// latest one's own entry are anchored by none of them yet.
fn checkpoints_line(report: &claimtrail::verify::Report) -> String {
    let c = &report.counts;
    // checkpoint.add entries that failed a check are not counted above:
    // a damaged log's checkpoint is not "none signed yet".
    let mut failed: Vec<u64> = report
        .problems
        .iter()
        .filter(|p| p.kind.as_deref() == Some("checkpoint.add"))
        .filter_map(|p| p.seq.map(|s| s.0))
        .collect();
    failed.dedup();
    // Problems past --max-problems are counted, not listed: more
    // checkpoints may fail among them.
    let unlisted = match report.more_problems {
        0 => "",
        _ => ", and perhaps more among the problems not listed",
    };
    let failing = match failed.as_slice() {
        [] => None,
        [one] => Some(format!(
            "the one at entry {one} fails its checks (below{unlisted})"
        )),
        more => Some(format!(
            "{} fail their checks (below: entries {}{unlisted})",
            more.len(),
            more.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };

    match (c.latest_checkpoint, failing) {
        (None, Some(failing)) => format!("none that verifies in the log: {failing}"),
        (None, None) => super::pasteable(
            "none signed in the log yet; an admin's `claimtrail checkpoint` signs one",
        ),
        (Some(size), failing) => {
            // The latest checkpoint's own entry is entry `size`.
            let after = report.entries.saturating_sub(size.0 + 1);
            let covers = match after {
                0 => "covers every entry before its own".to_string(),
                n => format!(
                    "leaves the {} after its own uncovered",
                    output::count(n, "entry")
                ),
            };
            let failing = failing
                .map(|f| format!("; besides, {f}"))
                .unwrap_or_default();
            format!(
                "{} signed in the log; the latest, of tree size {size}, {covers}{failing}",
                c.checkpoints
            )
        }
    }
}

/// What the entries that passed hold, in one line.
pub fn counts_line(c: &claimtrail::verify::Counts) -> Result<()> {
    // Retractions are rare: counted only when there are some.
    let retracted = match c.retracted_claims {
        0 => String::new(),
        n => format!(" ({n} retracted)"),
    };
    let withdrawn = match c.retracted_annotations {
        0 => String::new(),
        n => format!(" ({n} retracted)"),
    };
    let amended = match c.source_amendments {
        0 => String::new(),
        n => format!(", {}", output::count(n, "amendment")),
    };
    outln!(
        "{} ({} revoked), {} ({} redacted{amended}), {}{retracted}, {}{withdrawn}",
        output::count(c.keys, "key"),
        c.revoked_keys,
        output::count(c.sources, "source"),
        c.redacted_sources,
        output::count(c.claims, "claim"),
        output::count(c.annotations, "annotation")
    )?;
    Ok(())
}

/// One line per kept checkpoint judged: its name, size and verdict; who
/// signed it when that is not a finding (whose PROBLEM line says the
/// rest), and why one was not compared, which no PROBLEM line says.
pub fn kept_lines(checks: &[claimtrail::verify::CheckpointCheck]) -> Result<()> {
    for c in checks {
        kept_line(c, "")?;
    }
    Ok(())
}

/// One kept checkpoint's line (see [`kept_lines`]), `how` said after its
/// signers (`verify-bundle`: how a signer was taken as the log's).
pub(super) fn kept_line(c: &claimtrail::verify::CheckpointCheck, how: &str) -> Result<()> {
    use claimtrail::verify::CheckpointStatus;
    let by = signers(&c.signed_by);
    outln!(
        "checkpoint {} (size {}): {}{}",
        escape(&c.name),
        c.size,
        c.status,
        match c.status {
            CheckpointStatus::Consistent => format!(", signed by {by}{how}"),
            CheckpointStatus::NotCompared => {
                format!(", signed by {by}{how}: {}", escape(&c.detail))
            }
            _ => String::new(),
        }
    )?;
    unchecked_lines(c)
}

/// The signature lines of a kept checkpoint that no key known at its size
/// could check, as `verify` and `verify-bundle` print them under it.
fn unchecked_lines(c: &claimtrail::verify::CheckpointCheck) -> Result<()> {
    if !c.unchecked_lines.is_empty() && !c.status.is_finding() {
        outln!(
            "  not checked: {} by no key known at size {} (a witness's, one revoked before that size or enrolled after it, or a line altered): {}",
            output::count(c.unchecked_lines.len() as u64, "signature line"),
            c.size,
            escape(&c.unchecked_lines.join(", "))
        )?;
    }
    Ok(())
}

/// Who signed a checkpoint, as the verify commands print it: the names,
/// escaped, or `-` for none.
pub fn signers(names: &[String]) -> String {
    if names.is_empty() {
        "-".into()
    } else {
        escape(&names.join(", ")).into_owned()
    }
}

/// The end of a failed check: how many problems were only counted (past
/// the listed ones), then `FAILED: N problems found` in all.
pub fn failed_lines(listed: usize, more: u64) -> Result<()> {
    if more > 0 {
        outln!("… and {}", output::count(more, "more problem"))?;
    }
    outln!(
        "FAILED: {} found",
        output::count(listed as u64 + more, "problem")
    )?;
    Ok(())
}

/// One `PROBLEM` line per problem, naming its entry, its kept checkpoint,
/// or else `whole` (what the check was of: the log, a directory).
pub fn problem_lines(problems: &[claimtrail::verify::Problem], whole: &str) -> Result<()> {
    for p in problems {
        let at = match (p.seq, &p.kind, &p.checkpoint) {
            (Some(s), Some(k), _) => format!(
                "entry {s} ({}{})",
                escape(k),
                p.id.map(|i| format!(" {i}")).unwrap_or_default()
            ),
            // An entry whose payload names no kind: named by its seq.
            (Some(s), None, _) => format!("entry {s}"),
            (None, _, Some(name)) => format!("checkpoint {}", escape(name)),
            _ => whole.into(),
        };
        outln!("PROBLEM {at}: {}: {}", p.check, escape(&p.detail))?;
    }
    Ok(())
}
