//! `claimtrail bench`: runs the library's bench and prints its figures.
use super::{output, Ctx, Outcome};
use claimtrail::bench::{self, Bench};
use claimtrail::error::{Error, Result};
use claimtrail::interrupt;
use claimtrail::text::thousands;
use std::path::PathBuf;
use std::time::Duration;

/// Measure claimtrail against the machine's raw limits.
///
/// Builds a log of N entries in a temporary directory (TMPDIR) through
/// `import`, verifies it, makes proofs, runs `annotate`, writes a report
/// and a bundle, publishes the log and checks the published directory, and
/// compares each step with the machine's raw limits measured in the same
/// run (Ed25519, SHA-256, SQLite). Takes minutes and about 3.5 GB of disk
/// for a million entries.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entries in the log to build (at least 3).
    #[arg(long, default_value_t = 100_000, allow_negative_numbers = true,
          value_parser = entry_count)]
    pub entries: u64,
}

/// `--entries`: a count of at least 3, because the bench's log always
/// holds its `log.init`, the analyst's `key.add` and a final checkpoint
/// besides the imported lines. (clap's own range parser would name the
/// range's upper end, `u64::MAX`, in its error.)
fn entry_count(s: &str) -> std::result::Result<u64, String> {
    let n: u64 = super::values::whole(s)?;
    if n < 3 {
        return Err(
            "the bench's log needs at least 3 entries (its log.init, key.add and checkpoint)"
                .into(),
        );
    }
    Ok(n)
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    // The bench's log is its own, removed on an interrupt.
    claimtrail::interrupt::quiet_commits();
    // A child of a bench, told its step through the environment (not
    // options, which the shell completions would offer to users).
    if let Some(step) = std::env::var_os(bench::CHILD_STEP_ENV) {
        return child(&step.to_string_lossy(), &a);
    }
    let exe = std::env::current_exe().map_err(|e| Error::Io {
        path: PathBuf::from("the current executable"),
        reason: e.to_string(),
    })?;
    let terminal = super::output::progress_wanted();
    let opts = bench::Options {
        entries: a.entries,
        exe,
        show_progress: terminal,
        min_time: Duration::from_millis(if a.entries < 10_000 { 300 } else { 2000 }),
    };
    let b = bench::run(&opts, &mut |what| {
        if terminal {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "bench: {what}…");
        }
    })?;
    if ctx.json {
        output::json(&b)?;
    } else {
        print(&b)?;
    }
    Ok(Outcome::Done)
}

/// A heavy step in a child process: prints its result as JSON.
fn child(step: &str, a: &Args) -> Result<Outcome> {
    let internal = format!(
        "{} and {} are internal to bench: unset them",
        bench::CHILD_STEP_ENV,
        bench::CHILD_DIR_ENV
    );
    let dir = std::env::var_os(bench::CHILD_DIR_ENV)
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::invalid(
                format!(
                    "{} is set without {}",
                    bench::CHILD_STEP_ENV,
                    bench::CHILD_DIR_ENV
                ),
                internal.clone(),
            )
        })?;
    match step {
        "build" => {
            let bar = progress_bar(a.entries);
            let _erased = bar.as_ref().map(|_| interrupt::erase_line_on_interrupt());
            let built = bench::build_log(&dir, a.entries, &mut |done, _| {
                if let Some(b) = &bar {
                    b.set_position(done);
                }
            })?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            output::json(&built)?;
        }
        "proofs" => output::json(&bench::proofs(&dir.join(bench::DB_FILE))?)?,
        _ => {
            return Err(Error::invalid(
                format!("unknown bench step `{step}`"),
                internal,
            ))
        }
    }
    Ok(Outcome::Done)
}

fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    if !super::output::progress_wanted() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "building {pos}/{len} entries [{bar:30}] {rate}, {eta} left",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(output::with_rate(style));
    Some(bar)
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// A share of CPU time stolen by the hypervisor, as a percentage.
fn stolen(share: Option<f64>) -> String {
    share.map_or("-".into(), |s| format!("{:.0} %", s * 100.0))
}

fn print(b: &Bench) -> Result<()> {
    let c = &b.counts;
    outln!(
        "{}: {} entries ({} sources, {} claims, {} annotations, {} checkpoints)",
        b.command,
        b.entries,
        c.sources,
        c.claims,
        c.annotations,
        c.checkpoints
    )?;
    outln!("machine: {} cores, {}", b.machine.cores, b.machine.cpu)?;
    outln!()?;
    outln!("raw limits (this machine, this run):")?;
    let rows: Vec<Vec<String>> = b
        .limits
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                format!("{} {}/s", thousands(l.rate), l.unit),
            ]
        })
        .collect();
    output::table(&["limit", "rate"], &rows, "no limits were measured")?;
    outln!()?;
    let rows: Vec<Vec<String>> = b
        .steps
        .iter()
        .map(|s| {
            let time = if s.count > 1 {
                format!(
                    "{:.3} s ({:.3} ms each)",
                    s.seconds,
                    s.seconds * 1e3 / s.count as f64
                )
            } else {
                format!("{:.3} s", s.seconds)
            };
            vec![
                s.name.clone(),
                time,
                format!("{} {}/s", thousands(s.rate), s.unit),
                s.peak_rss.map_or("-".into(), mb),
                s.cpu_seconds
                    .filter(|_| s.seconds > 0.0)
                    .map_or("-".into(), |c| format!("{:.2}", c / s.seconds)),
                s.limit_rate
                    .map_or("-".into(), |r| format!("{} /s", thousands(r))),
                s.ratio.map_or("-".into(), |r| format!("{r:.2}")),
                stolen(s.stolen),
                s.target.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(
        &[
            "step", "time", "rate", "peak RSS", "cores", "limit", "ratio", "stolen", "target",
        ],
        &rows,
        "no steps were run",
    )?;
    // A limit that is not one of the rows above (a derived one) is named.
    for s in &b.steps {
        if let Some(limit) = &s.limit {
            if !b.limits.iter().any(|l| &l.name == limit) {
                outln!("{}'s limit: {limit}", s.name)?;
            }
        }
    }
    outln!()?;
    let d = &b.database;
    outln!(
        "database: {} ({:.0} bytes/entry); entries' payload+signature {:.0} bytes/entry; source texts {}; (file − texts) ÷ (payload+signature) = {:.2} (target ≤ 2)",
        mb(d.file_bytes),
        d.file_per_entry,
        d.payload_sig_per_entry,
        mb(d.text_bytes),
        d.ratio
    )?;
    let a = &b.annotate;
    outln!(
        "annotate: median {:.1} ms over {} runs (min {:.1}, max {:.1}; target < 10 ms; {} stolen)",
        a.median_ms,
        a.runs,
        a.min_ms,
        a.max_ms,
        stolen(a.stolen)
    )?;
    if let Some(g) = &b.git_commit {
        outln!(
            "git commit -S (ssh): median {:.1} ms over {} runs (min {:.1}, max {:.1}; {} stolen)",
            g.median_ms,
            g.runs,
            g.min_ms,
            g.max_ms,
            stolen(g.stolen)
        )?;
    }
    outln!(
        "stolen: {} of the CPU time over the whole run (the hypervisor's steal, /proc/stat): a step that ran under steal is slower for reasons that are not claimtrail's",
        stolen(b.stolen)
    )?;
    for n in &b.notes {
        outln!("note: {n}")?;
    }
    Ok(())
}
