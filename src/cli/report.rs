//! `claimtrail report`: parse the ids and format, gather, render, write.
use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::model::{BadId, ItemId};
use claimtrail::report::{self, Format};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Provenance reports for readers without the database.
///
/// Formats: md, html, json, csv, claimreview, prov, wa. Every report says
/// first whether `verify` passed on the whole log, and which checkpoint it
/// is anchored to. The report is written even when verify fails; the exit
/// code is then 1, as for `verify`. See docs/REPORTS.md.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sources, claims or annotations to report on (S<n>, C<n>, A<n>),
    /// apart or with commas (C1,C2), as other lists of ids; default:
    /// everything.
    #[arg(value_delimiter = ',')]
    pub ids: Vec<String>,
    /// Output format (md, the readable Markdown report, unless told).
    #[arg(long, default_value = "md", ignore_case = true, value_parser = clap::builder::PossibleValuesParser::new(
        Format::accepted().into_iter().map(|n| clap::builder::PossibleValue::new(n).hide(n == "markdown"))
    ))]
    pub format: String,
    /// Write the report to FILE (replaced whole, never half-written)
    /// instead of standard output (`-` is standard output, as elsewhere).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, mut a: Args) -> Result<Outcome> {
    // `--out -` wrote a file named `-`.
    if a.out.as_deref().is_some_and(|p| p.as_os_str() == "-") {
        a.out = None;
    }
    let format: Format = a.format.to_ascii_lowercase().parse()?;
    // `--json` asks for JSON on standard output; a Markdown report there
    // would break the script that asked. The JSON-LD and PROV-JSON
    // formats are JSON: `--json` beside them is taken as said (it was
    // refused, with a hint that named them).
    let is_json = matches!(
        format,
        Format::Json | Format::ClaimReview | Format::Prov | Format::Wa
    );
    if ctx.json && !is_json {
        return Err(Error::invalid(
            format!("--json asks for JSON, and the report's format is {format}"),
            "give --format json for the JSON report (or claimreview, prov, wa for JSON-LD and PROV-JSON), or drop --json",
        ));
    }
    let ids = super::values::id_words(&a.ids)
        .map(|s| {
            s.parse::<ItemId>()
                .map_err(|e: BadId| Error::invalid(e.to_string(), super::output::LIST_IDS_HINT))
        })
        .collect::<Result<Vec<_>>>()?;
    // An id given twice (`S1 s1 C1`) is in the scope once: the report said
    // "covers S1, S1, C1".
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<ItemId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
    if let Some(out) = &a.out {
        check_out(out, ctx.db()?)?;
    }
    let store = ctx.read()?;
    // Only the JSON report carries each entry's inclusion proof: about a
    // kilobyte an entry, not read for the other formats.
    let proofs = format == Format::Json;
    // A file is written while the report is made (the progress line says
    // so); standard output after, so that the report on a terminal does
    // not mix with the progress line. Either way the text is written as it
    // is made, not held whole.
    let mut file = a
        .out
        .as_deref()
        .map(|path| output::Staged::new(path, "the report"))
        .transpose()?;
    // Every report runs a full verify first: on a large log, seconds.
    let (data, bytes) = output::while_verifying_then(
        "verifying the log for the report:",
        "verified; making the report:",
        |progress| -> Result<_> {
            let data = report::gather_at_latest_checkpoint(&store, &ids, proofs, progress)?;
            let bytes = match &mut file {
                Some(f) => Some(f.write_with(|w| report::render_to(&data, format, w))?),
                None => None,
            };
            Ok((data, bytes))
        },
    )?;
    match (file, &a.out) {
        (Some(file), Some(path)) => {
            // Replaced whole, never half-written.
            file.keep(true)?;
            // As `export --out` and `checkpoint --out` say what they wrote.
            if !ctx.json {
                outln!(
                    "wrote {} ({} report, {}; the log {})",
                    output::shown(path),
                    format,
                    output::count(bytes.unwrap_or(0), "byte"),
                    if data.verify.ok {
                        "verified"
                    } else {
                        "FAILED verification: the report says where"
                    }
                )?;
            }
        }
        _ => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            report::render_to(&data, format, &mut stdout)
                .and_then(|()| stdout.flush())
                .map_err(output::stdout_error)?;
        }
    }
    // The report is written either way; like `verify`, exit 1 tells a
    // script that the log failed verification (the report says so first).
    Ok(if data.verify.ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// Refuses an output path that cannot become the report file, before any
/// work is done.
fn check_out(path: &Path, db: &Path) -> Result<()> {
    output::refuse_slash(path, "the report")?;
    output::refuse_log_files(path, db, "the report")?;
    output::refuse_to_replace(path, "the report")?;
    output::refuse_to_replace_evidence(path, "the report")?;
    if path.is_dir() {
        return Err(Error::invalid(
            format!("--out {} is a directory", path.display()),
            "give a file name, e.g. --out report.html",
        ));
    }
    let dir = output::dir_of(path);
    if !dir.is_dir() {
        return Err(Error::invalid(
            format!("the directory of --out {} does not exist", path.display()),
            "create the directory first, or write the report elsewhere",
        ));
    }
    Ok(())
}
