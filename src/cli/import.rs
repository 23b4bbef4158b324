use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::import::{self, Options, Progress, Summary, DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bulk-append sources, claims, annotations and retractions from a JSON Lines or CSV file.
///
/// One JSON object a line, with the fields of `source add`, `claim add`,
/// `annotate`, `claim retract`, `annotate retract` and `source amend` (listed below); or a spreadsheet's CSV
/// export, whose header row names those fields and whose rows are lines.
/// Lines refer to items the file creates as @label and to existing items by
/// id. Running the same file again, after an interruption or not, appends
/// only what is missing.
#[derive(clap::Args, Debug)]
#[command(after_long_help = FIELDS)]
pub struct Args {
    /// The JSON Lines or CSV file, or - for standard input.
    pub file: PathBuf,
    /// What the file holds: jsonl, or csv (a header row of field names,
    /// then a line a row); by default, csv for a name ending in .csv.
    #[arg(long, ignore_case = true)]
    pub format: Option<InputFormat>,
    /// Check every line as the import would, signing included, in a
    /// transaction that is rolled back, so nothing is written to the log:
    /// the summary says what would be appended, an error names the line.
    #[arg(long)]
    pub dry_run: bool,
    /// Entries appended per transaction, 1 to 100000 (all or none of a
    /// batch is kept if the import is interrupted).
    #[arg(long, default_value_t = DEFAULT_BATCH_SIZE as u64, allow_negative_numbers = true,
          value_parser = super::values::from_one_to(MAX_BATCH_SIZE as u64))]
    pub batch_size: u64,
    /// Commit the lines read so far once the input pauses this many seconds,
    /// 0.01 to 86400 (standard input fed by a program still at work); a
    /// slow input that never pauses has its lines committed at least every
    /// ten times this.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true,
          default_value_t = import::DEFAULT_FLUSH_AFTER.as_secs_f64())]
    pub flush_after: f64,
    /// Let a source line's "file" name any path: absolute, through `..`,
    /// or a link out of the import file's directory. By default it must be
    /// a file in that directory or below, so that an import file written
    /// elsewhere (a scraper, a partner desk) cannot copy a private key or
    /// /etc/passwd into the log, which no one can take out again.
    #[arg(long)]
    pub files_anywhere: bool,
}

/// The fields of each type of line, for `import --help`: the reference an
/// installed binary carries (docs/IMPORT.md, in the source, says more of
/// each), and where the import's errors send the user.
const FIELDS: &str = "\
Fields of a line (* required; a CSV's header row names the same fields):
  \"type\": \"source\"      kind*, text* or file*, title, publisher, author, url, published,
                        derived_from, label
  \"type\": \"claim\"       source*, quote* (with occurrence) or span*, speaker*, provenance*,
                        text, label
  \"type\": \"annotation\"  claim*, verdict*, reliability, credibility, note, corroborates,
                        contradicts, supersedes, label
  \"type\": \"retraction\"  claim*, reason*, replaced_by
  \"type\": \"annotation_retraction\"  annotation*, reason*
  \"type\": \"source_amendment\"  source*, reason*, and one at least of title, publisher,
                        author, url, published, kind, clear (the fields to empty)
Each field takes what the option of the same name takes (derived_from: --derived-from);
lists are JSON arrays (in a CSV cell, ids or fields separated by commas). An item is referred
to by its id (S1, C2, A3) or, when the file creates it, by @label.
Example:
  {\"type\":\"source\",\"label\":\"tw\",\"kind\":\"tweet\",\"text\":\"7 civilians killed in Idlib\"}
  {\"type\":\"claim\",\"source\":\"@tw\",\"quote\":\"killed\",\"speaker\":\"White Helmets\",\"provenance\":\"tweet\"}";

/// The formats `import` reads.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// JSON Lines: one JSON object a line.
    Jsonl,
    /// CSV, as spreadsheets export it: a header row naming the fields.
    Csv,
}

/// `--flush-after`: a number of seconds from 0.01 to a day.
fn seconds(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.01..=86_400.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "`{s}` is not a number of seconds from 0.01 to 86400"
        )),
    }
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let stdin = a.file.as_os_str() == "-";
    if stdin || super::output::is_stdin(&a.file) {
        ctx.reading_stdin("the lines to import")?;
    }
    // Unbuffered: the import reads in blocks of its own, and needs to know
    // when a read gets less than it asked for (a pipe with no more lines
    // for now).
    let (input, size, base_dir): (Box<dyn Read + Send>, Option<u64>, PathBuf) = if stdin {
        (Box::new(std::io::stdin()), None, PathBuf::from("."))
    } else {
        // A pipe that no program writes to is refused, not waited on.
        let claimtrail::files::Input { meta, reader: f } = claimtrail::files::open(&a.file)?;
        if meta.is_dir() {
            return Err(Error::invalid(
                format!("{} is a directory", a.file.display()),
                "give a JSON Lines or CSV file (`claimtrail import --help` says what a line holds), or - for standard input",
            ));
        }
        let dir = match a.file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (f, meta.is_file().then_some(meta.len()), dir)
    };
    let format = match a.format {
        Some(InputFormat::Csv) => import::Format::Csv,
        Some(InputFormat::Jsonl) => import::Format::JsonLines,
        None if a
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            import::Format::Csv
        }
        None => import::Format::JsonLines,
    };
    // A dry run leaves the log's files as they are (it rolls back what it
    // appends): an older log, which only an append migrates, is refused.
    let mut store = match a.dry_run {
        false => ctx.open()?,
        true => {
            let store = ctx.read()?;
            if let Some(version) = store.older_schema() {
                return Err(Error::invalid(
                    format!(
                        "{} was made by an older claimtrail (schema version {version}), which a dry run would have to migrate",
                        output::shown(ctx.db()?)
                    ),
                    {
                        // The commands to paste: this log's copy, and
                        // this import's file and format (standard input
                        // is read already: saved to a file first).
                        let db = claimtrail::text::shell_word(ctx.db()?);
                        let format = a
                            .format
                            .map(|f| match f {
                                InputFormat::Jsonl => " --format jsonl",
                                InputFormat::Csv => " --format csv",
                            })
                            .unwrap_or_default();
                        let anywhere = if a.files_anywhere { " --files-anywhere" } else { "" };
                        let (save, file) = match a.file.as_os_str() == "-" {
                            true => ("save the lines to a file first (lines.jsonl), then ", "lines.jsonl".to_string()),
                            false => ("", claimtrail::text::shell_word(&a.file)),
                        };
                        format!("{save}import into a copy instead, which that migrates and which shows what the import would append: `claimtrail --db {db} backup copy.db && claimtrail --db copy.db import {file}{format}{anywhere}`, then delete copy.db; or import for real (its first batch migrates the log)")
                    },
                ));
            }
            store
        }
    };
    // Enrolled and not revoked (every role may annotate; each line's kind
    // is checked against the role as it is read), before it is unlocked.
    let signer = ctx.signer_for_kind(store.conn(), claimtrail::model::Kind::AnnotationAdd)?;
    let opts = Options {
        format,
        dry_run: a.dry_run,
        batch_size: a.batch_size as usize,
        base_dir,
        files_anywhere: a.files_anywhere,
        input_bytes: size,
        flush_after: std::time::Duration::from_secs_f64(a.flush_after),
    };
    let bar = progress_bar(size);
    // Ctrl-C leaves the line an interrupted import prints, not the bar.
    let _erased = bar
        .as_ref()
        .map(|_| claimtrail::interrupt::erase_line_on_interrupt());
    let db = claimtrail::text::escape(&store.path().display().to_string()).into_owned();
    let mut report = |p: &Progress| {
        if let Some(w) = p.waiting {
            let holder = match w.holder {
                Some(pid) => format!(" (process {pid})"),
                None => String::new(),
            };
            let say = || {
                errln!("waiting for the import already running on {db}{holder} to end; then this one appends what it did not (Ctrl-C stops waiting)")
            };
            match &bar {
                Some(b) => b.suspend(say),
                None => say(),
            }
            return;
        }
        if let Some(b) = &bar {
            if size.is_some() {
                b.set_position(p.bytes);
            } else {
                b.set_position(p.lines);
            }
            b.set_message(format!("{} appended, {} skipped", p.appended, p.skipped));
        }
    };
    let result = import::import(&mut store, &signer, input, &opts, &mut report);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let summary = result?;
    if ctx.json {
        output::json(&summary)?;
    } else {
        print_summary(&a.file, format, &summary)?;
    }
    // Said on stderr in either form: a judgment the user may have meant to
    // make, and that does not stand.
    for o in &summary.outdated {
        errln!(
            "note: {} {} repeats {} of {}, which the log already holds, so it was skipped; your later {} of {} is not in this input, and stands (to judge {} again as that {} does, give it \"supersedes\": \"{}\")",
            format.unit(),
            o.line,
            o.repeats,
            o.claim,
            o.later,
            o.claim,
            o.claim,
            format.unit(),
            o.later
        );
    }
    for r in &summary.retracted_repeats {
        let anew = match (r.repeats.kind, r.replaced_by) {
            (_, Some(by)) => format!("replaced by {by}, the claim that stands"),
            (claimtrail::model::IdKind::Claim, None) => {
                "`claimtrail claim add` records the claim anew".into()
            }
            _ => {
                "`claimtrail annotate` records the judgment anew, as does a line with another note"
                    .into()
            }
        };
        errln!(
            "note: {} {} repeats {}, which the log already holds, so it was skipped; {} was retracted at entry {} and stays retracted ({anew})",
            format.unit(),
            r.line,
            r.repeats,
            r.repeats,
            r.retracted_at,
        );
    }
    for m in &summary.merged_sources {
        // (A dry run holds nothing: the earlier line is named instead.)
        let (held, holder, has) = match m.first_line {
            Some(first) => (
                format!("which {} {first} gave", format.unit()),
                format!("{} {first}", format.unit()),
                "gave",
            ),
            None => (
                "which the log already holds".to_string(),
                m.source.to_string(),
                "has",
            ),
        };
        // Each field in words, with both values: "with another published"
        // named the field by its key, and said "another" of a date the
        // source did not have.
        let said: Vec<String> = m
            .fields
            .iter()
            .zip(&m.values)
            .map(|(field, (had, given))| {
                let had = match had {
                    Some(v) => format!("`{}`", claimtrail::text::escape(v)),
                    None => "none".to_string(),
                };
                format!(
                    "{} ({holder} {has} {had}; {} {} gives `{}`)",
                    field_in_words(field),
                    format.unit(),
                    m.line,
                    claimtrail::text::escape(given)
                )
            })
            .collect();
        errln!(
            "note: {} {} has the bytes of {}, {held} with a different {}: it was skipped, and its claims are on {}; what it says of the text is not recorded (`claimtrail source amend {} …` records it, if it is right)",
            format.unit(),
            m.line,
            m.source,
            match said.split_last() {
                Some((last, [])) => last.to_string(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            },
            m.source,
            m.source
        );
    }
    Ok(Outcome::Done)
}

/// A source field as a note says it in words: `published` is its
/// publication date.
fn field_in_words(field: &str) -> &str {
    match field {
        "published" => "publication date",
        "url" => "URL",
        other => other,
    }
}

/// A progress bar on stderr when it is a terminal (by bytes of a file, by
/// lines of stdin); nothing otherwise, so logs and pipes stay clean.
fn progress_bar(size: Option<u64>) -> Option<ProgressBar> {
    if !super::output::progress_wanted() {
        return None;
    }
    let bar = match size {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos} lines {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    Some(bar)
}

fn print_summary(file: &Path, format: import::Format, s: &Summary) -> Result<()> {
    let name = if file.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    let name = claimtrail::text::escape(&name).into_owned();
    // Retractions are rare: named only when there are some.
    let kinds = |c: &claimtrail::import::Counts| {
        let mut retractions = match c.retractions {
            0 => String::new(),
            n => format!(", {}", output::count(n, "retraction")),
        };
        if c.annotation_retractions > 0 {
            retractions += &format!(
                ", {}",
                output::count(c.annotation_retractions, "annotation retraction")
            );
        }
        if c.source_amendments > 0 {
            retractions += &format!(
                ", {}",
                output::count(c.source_amendments, "source amendment")
            );
        }
        format!(
            "{}, {}, {}{retractions}",
            output::count(c.sources, "source"),
            output::count(c.claims, "claim"),
            output::count(c.annotations, "annotation")
        )
    };
    outln!(
        "read {} from {name} ({} blank)",
        output::count(s.lines, format.unit()),
        s.blank_lines
    )?;
    let (appended, skipped) = match s.dry_run {
        true => ("would append", "would skip"),
        false => ("appended", "skipped"),
    };
    outln!(
        "{appended} {} ({}) in {} of up to {}",
        output::count(s.appended.total(), "entry"),
        kinds(&s.appended),
        output::count(s.batches, "batch"),
        claimtrail::text::grouped(s.batch_size as u64)
    )?;
    outln!(
        "{skipped} {} already in the log or earlier in the file ({})",
        output::count(s.skipped.total(), format.unit()),
        kinds(&s.skipped)
    )?;
    outln!(
        "took {:.2} s ({} entries/s)",
        s.seconds,
        // Two decimals below 100 (a slow pipe's 5 entries in 22 s read
        // "0 entries/s").
        claimtrail::text::thousands(s.entries_per_second)
    )?;
    if s.dry_run {
        outln!("dry run: every line was checked and signed in a transaction that was rolled back; nothing was written to the log (run it without --dry-run to append)")?;
    }
    Ok(())
}
