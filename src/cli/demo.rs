use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::interrupt;
use claimtrail::store::Store;
use std::path::PathBuf;

/// Build a complete example trail from the bundled Idlib article.
///
/// Three keys, the article, eight claims and annotations that record the
/// disputed casualty counts, a ninth claim misattributed and retracted,
/// and a signed checkpoint; then verifies the log and shows what to try
/// next.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to build it (a new or empty directory; default: a fresh
    /// temporary directory, which is kept).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    // A half-built demo is no log to tell of what it holds.
    interrupt::quiet_commits();
    if let Some(d) = &a.dir {
        super::output::refuse_dash(d, "the demo")?;
    }
    let (dir, made) = match a.dir {
        Some(d) => (d, None),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("claimtrail-demo-")
                .tempdir()
                .map_err(|e| Error::cannot_write(std::env::temp_dir(), &e))?
                .into_path();
            // Kept once built; a half-built one is removed on Ctrl-C.
            let made = interrupt::remove_on_interrupt(&dir, interrupt::Leftover::Directory);
            (dir, Some(made))
        }
    };
    let demo = claimtrail::demo::build(&dir)?;
    drop(made);
    let store = Store::open(&demo.db)?;
    let report = claimtrail::verify::verify(&store)?;
    if ctx.json {
        output::json(&serde_json::json!({"demo": demo, "verify": report}))?;
        return Ok(if report.ok {
            Outcome::Done
        } else {
            Outcome::ProblemsFound
        });
    }
    outln!(
        "Built a claimtrail log from the Idlib article of 22 July 2022 in {}\n",
        output::shown(&demo.dir)
    )?;
    outln!("  log       {}", output::shown(&demo.db))?;
    outln!(
        "  article   {} (S1's text, to quote from)",
        output::shown(&demo.article)
    )?;
    outln!(
        "  keys      {} (admin), {} (analyst), {} (auditor); unencrypted, for the demo only",
        output::shown(&demo.admin_key),
        output::shown(&demo.analyst_key),
        output::shown(&demo.auditor_key)
    )?;
    let c = &report.counts;
    // Not a sum: the log's first entry, a retraction and the checkpoint
    // are entries too (it read "21 entries: 3 keys, 1 source, 9 claims, 6
    // annotations").
    outln!(
        "  contents  {} recording {}, {}, {} ({} retracted), {} and {}",
        output::count(report.entries, "entry"),
        output::count(c.keys, "key"),
        output::count(c.sources, "source"),
        output::count(c.claims, "claim"),
        c.retracted_claims,
        output::count(c.annotations, "annotation"),
        output::count(c.checkpoints, "checkpoint")
    )?;
    outln!(
        "  verify    {}",
        if report.ok {
            "OK: every entry, signature, quote and table checks out".to_string()
        } else {
            format!("FAILED with {} problems", report.problems.len())
        }
    )?;
    // Typed into a shell: each path quoted as one word.
    let word = claimtrail::text::shell_word;
    let db = word(&demo.db);
    outln!("\nTry next:")?;
    if let Some(exe) = not_on_path() {
        // Run as `cargo run -- demo`: the commands below need the binary.
        outln!(
            "  alias claimtrail={}   # or `cargo install --path .`",
            word(&exe)
        )?;
    }
    outln!(
        "  export CLAIMTRAIL_DB={db} CLAIMTRAIL_KEY={}",
        word(&demo.analyst_key)
    )?;
    outln!(
        "  claimtrail status                     # where the log stands, and who you are in it"
    )?;
    outln!("  claimtrail list claims                # each claim and its current verdicts")?;
    outln!("  claimtrail list claims --unannotated  # the claims awaiting review")?;
    outln!("  claimtrail list speakers              # who said what, and the grades analysts gave them")?;
    outln!(
        "  claimtrail show C1                    # the White Helmets tweet, in context, with its annotations"
    )?;
    outln!("  claimtrail show C2                    # UNICEF's count, which contradicts it")?;
    outln!("  claimtrail show C9                    # a claim retracted as misattributed, and what replaced it")?;
    outln!("  claimtrail log")?;
    outln!(
        "  claimtrail verify --checkpoint {}",
        word(&demo.checkpoint)
    )?;
    outln!("  claimtrail annotate C6 --verdict unverified --reliability C --credibility 3 --note 'analysis, not fact'")?;
    outln!("  claimtrail report C1 C2 --format html > idlib.html   # for readers: the quotes, verdicts and proofs")?;
    // With the log's verification key: without it, a bundle or a published
    // log is only UNANCHORED (consistent, but not shown to be this log's),
    // which is a newcomer's first sight of the check.
    outln!("  claimtrail key vkey > log.vkey   # the log's verification key, for the auditors' checks below")?;
    outln!("  claimtrail export C1 --out c1.bundle && claimtrail verify-bundle c1.bundle --vkey log.vkey --show   # for auditors, offline: the check, then what it holds")?;
    outln!(
        "  claimtrail --key {} checkpoint cosign {} --out cosigned.txt   # the auditor vouches for the log",
        word(&demo.auditor_key),
        word(&demo.checkpoint)
    )?;
    outln!("  claimtrail publish site/   # the log as static files (C2SP tlog-tiles) for witnesses and monitors")?;
    outln!("  claimtrail verify-published site/ --vkey log.vkey   # what a monitor runs on those files, with no database")?;
    outln!("  claimtrail key allowed-signers > allowed_signers   # for ssh-keygen -Y verify")?;
    Ok(if report.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// This binary's path, when no `claimtrail` on the PATH would run it.
fn not_on_path() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("claimtrail").is_file())
    });
    (!on_path).then_some(exe)
}
