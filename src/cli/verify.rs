use super::{output, Ctx, Outcome};
use claimtrail::error::Result;
use claimtrail::text::escape;

/// Check every entry, signature, reference, source text and table.
/// Exit 0: everything holds. Exit 1: problems found (each listed).
/// Exit 2: the check could not run.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Ctx, _a: Args) -> Result<Outcome> {
    let store = ctx.open()?;
    let report = claimtrail::verify::verify(&store)?;
    if ctx.json {
        output::json(&report)?;
    } else {
        let c = &report.counts;
        println!(
            "log {}: {} entries, head {}",
            escape(report.origin.as_deref().unwrap_or("?")),
            report.entries,
            report.head.map_or("-".into(), |h| h.to_hex())
        );
        println!(
            "{} keys ({} revoked), {} sources ({} redacted), {} claims, {} annotations",
            c.keys, c.revoked_keys, c.sources, c.redacted_sources, c.claims, c.annotations
        );
        println!("checks: {}", report.checks.join(", "));
        if report.ok {
            println!("OK: no problems found");
        } else {
            for p in &report.problems {
                let at = match (p.seq, &p.kind) {
                    (Some(s), Some(k)) => format!(
                        "entry {s} ({}{})",
                        escape(k),
                        p.id.as_ref().map(|i| format!(" {i}")).unwrap_or_default()
                    ),
                    _ => "log".into(),
                };
                println!("PROBLEM {at}: {}: {}", p.check, escape(&p.detail));
            }
            if report.more_problems > 0 {
                println!("… and {} more problems", report.more_problems);
            }
            println!(
                "FAILED: {} problem(s) found",
                report.problems.len() as u64 + report.more_problems
            );
        }
    }
    Ok(if report.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}
