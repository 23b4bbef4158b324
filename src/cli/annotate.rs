use super::{output, parse_id, values, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::interrupt;
use claimtrail::log::{append, NewEntry};
use claimtrail::model::{
    AnnotationAdd, AnnotationRetract, Body, Credibility, IdKind, Reliability, Verdict,
};
use claimtrail::query;
use claimtrail::sources::{check_given, Spelling};

/// Record your signed judgment of a claim, or retract one made in error.
///
/// Prints the new annotation's id, A<n>. `annotate retract A<n> --reason
/// TEXT` withdraws an annotation instead (your own; an admin may withdraw
/// any): it stays in the log, marked retracted, out of the claim's
/// current verdicts.
//
// (Not in the help:) the claim and --verdict are required unless the
// `retract` subcommand is given (`subcommand_negates_reqs`); options of
// an annotation given with `retract` are refused in `run`, as
// `checkpoint --out` is before a subcommand, and not by clap's
// `args_conflicts_with_subcommands`, which refuses the global options
// there too.
#[derive(clap::Args, Debug)]
#[command(
    subcommand_negates_reqs = true,
    disable_help_subcommand = true,
    override_usage = "claimtrail annotate [OPTIONS] --verdict <VERDICT> <CLAIM>\n       claimtrail annotate retract --reason <REASON> <ANNOTATION>"
)]
pub struct Args {
    /// The claim, e.g. C3.
    #[arg(required = true)]
    pub claim: Option<String>,
    /// Your verdict on the claim.
    ///
    /// confirmed: established from primary evidence; corroborated:
    /// supported by independent sources; unverified: not (yet) established
    /// either way; disputed: credible sources disagree; misleading: true in
    /// part, misleading as presented; false: established to be false.
    #[arg(long, required = true, value_parser = values::one_of::<Verdict>(Verdict::NAMES))]
    pub verdict: Option<Verdict>,
    /// Admiralty reliability of the claim's speaker, A (completely reliable)
    /// to E (unreliable); F = cannot be judged.
    ///
    /// A: completely reliable; B: usually reliable; C: fairly reliable; D:
    /// not usually reliable; E: unreliable; F: reliability cannot be
    /// judged. It grades who the claim comes from, apart from the
    /// information (--credibility); the two are never combined.
    #[arg(long, allow_hyphen_values = true, value_parser = values::one_of::<Reliability>(Reliability::NAMES))]
    pub reliability: Option<Reliability>,
    /// Admiralty credibility of this information, 1 (confirmed) to 5
    /// (improbable); 6 = cannot be judged.
    ///
    /// 1: confirmed by other sources; 2: probably true; 3: possibly true;
    /// 4: doubtful; 5: improbable; 6: truth cannot be judged.
    #[arg(long, allow_hyphen_values = true, value_parser = values::one_of::<Credibility>(Credibility::NAMES))]
    pub credibility: Option<Credibility>,
    /// A note (use --edit or --note-file for a long one).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text(), conflicts_with_all = ["edit", "note_file"])]
    pub note: Option<String>,
    /// Read the note from FILE, or from standard input with `-` (a note a
    /// script wrote); white space at either end (the trailing newline, a
    /// first line's indentation) is not part of the note.
    #[arg(long, value_name = "FILE", conflicts_with = "edit")]
    pub note_file: Option<std::path::PathBuf>,
    /// Write the note in your editor ($VISUAL, else $EDITOR, else vi).
    #[arg(long)]
    pub edit: bool,
    /// Claims this one corroborates (agrees with): C2,C3, or the option
    /// repeated.
    #[arg(long, value_name = "CLAIM", value_delimiter = ',')]
    pub corroborates: Vec<String>,
    /// Claims this one contradicts: C2,C3, or the option repeated.
    #[arg(long, value_name = "CLAIM", value_delimiter = ',')]
    pub contradicts: Vec<String>,
    /// An earlier annotation of yours on this claim that this one replaces.
    #[arg(long)]
    pub supersedes: Option<String>,
    #[command(subcommand)]
    pub command: Option<AnnotateCommand>,
}

#[derive(clap::Subcommand, Debug)]
pub enum AnnotateCommand {
    /// Withdraw an annotation made in error (your own; an admin may
    /// withdraw any): it stays in the log, marked retracted, and no longer
    /// gives its claim a verdict; an earlier annotation of yours on the
    /// claim that it replaced is current again.
    Retract(RetractArgs),
}

#[derive(clap::Args, Debug)]
pub struct RetractArgs {
    /// The annotation, e.g. A7.
    pub annotation: String,
    /// Why (the wrong claim, a judgment recorded by mistake): signed with
    /// the retraction, and shown by `show` and the reports.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub reason: String,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    if let Some(AnnotateCommand::Retract(r)) = a.command {
        let given = [
            (a.claim.is_some(), "a claim"),
            (a.verdict.is_some(), "--verdict"),
            (a.reliability.is_some(), "--reliability"),
            (a.credibility.is_some(), "--credibility"),
            (a.note.is_some(), "--note"),
            (a.note_file.is_some(), "--note-file"),
            (a.edit, "--edit"),
            (!a.corroborates.is_empty(), "--corroborates"),
            (!a.contradicts.is_empty(), "--contradicts"),
            (a.supersedes.is_some(), "--supersedes"),
        ];
        if let Some((_, what)) = given.iter().find(|(g, _)| *g) {
            return Err(Error::invalid(
                format!("{what} was given with `annotate retract`, which takes an annotation and --reason only"),
                format!(
                    "`claimtrail annotate retract {} --reason \"what was wrong\"` withdraws it; to annotate, leave `retract` out",
                    r.annotation
                        .trim()
                        .parse::<claimtrail::model::ItemId>()
                        .map_or_else(|_| "A<n>".to_string(), |i| i.to_string())
                ),
            ));
        }
        return retract(ctx, r);
    }
    let (Some(claim), Some(verdict)) = (a.claim.as_deref(), a.verdict) else {
        // clap requires both without a subcommand.
        return Err(Error::invalid(
            "annotate needs a claim and --verdict",
            "e.g. `claimtrail annotate C3 --verdict disputed`",
        ));
    };
    let claim_id = parse_id(claim, IdKind::Claim)?;
    check_given("note", a.note.as_deref(), Spelling::Cli)?;
    if a.note.as_deref() == Some("-") {
        return Err(Error::invalid(
            "`--note -` would record a note of one dash",
            "to read the note from standard input, use --note-file -",
        ));
    }
    let note_file = match &a.note_file {
        Some(path) => {
            if path.as_os_str() == "-" || output::is_stdin(path) {
                ctx.reading_stdin("the note")?;
            }
            Some(claimtrail::sources::read_note(path)?)
        }
        None => None,
    };
    let mut store = ctx.open()?;
    let conn = store.conn();
    let claim = query::reference(conn, claim_id)?;
    let refs = |ids: &[String]| -> Result<Vec<_>> {
        super::values::id_words(ids)
            .map(|s| query::reference(conn, parse_id(s, IdKind::Claim)?))
            .collect()
    };
    let corroborates = refs(&a.corroborates)?;
    let contradicts = refs(&a.contradicts)?;
    // A claim named twice, said in the options' names (the rules' own
    // words, "listed twice in corroborates/contradicts", name the entry's
    // fields, as an import line writes them).
    for (field, list) in [
        ("corroborates", &corroborates),
        ("contradicts", &contradicts),
    ] {
        let ids: Vec<String> = list.iter().map(|r| r.id.to_string()).collect();
        claimtrail::sources::listed_once(
            field,
            ids.iter().map(String::as_str),
            "claim",
            Spelling::Cli,
        )?;
    }
    if let Some(r) = corroborates
        .iter()
        .find(|r| contradicts.iter().any(|c| c.id == r.id))
    {
        return Err(Error::invalid(
            format!(
                "{} is listed in both --corroborates and --contradicts",
                r.id
            ),
            "a claim is corroborated or contradicted: give it to one of the two",
        ));
    }
    let supersedes = match &a.supersedes {
        Some(s) => Some(query::reference(conn, parse_id(s, IdKind::Annotation)?)?),
        None => None,
    };
    // Only of an annotation of this claim: one of another claim is
    // refused by the rules as such (its "already superseded by A3" hint
    // led to that refusal).
    if let Some(r) = &supersedes {
        if query::annotation(conn, r.id.n)?.claim == claim.id {
            query::supersedable(conn, r, &|_| false)?;
        }
    }
    let mut body = AnnotationAdd {
        claim,
        verdict,
        reliability: a.reliability,
        credibility: a.credibility,
        note: if a.edit { None } else { note_file.or(a.note) },
        corroborates,
        contradicts,
        supersedes,
    };
    // Checked as your key's before the editor opens and before the key is
    // unlocked: a note written, or a passphrase typed, for an annotation
    // the log then refuses is time lost.
    let check = NewEntry::new(Body::AnnotationAdd(body.clone()));
    let signer = if a.edit {
        ctx.check_for(conn, &check)?;
        body.note = Some(edit_note(&claim_id.to_string())?);
        // Refused, the note written is kept (as git keeps a refused
        // commit message): it was deleted with its temporary file.
        let note = body.note.as_deref().unwrap_or_default();
        if let Err(e) = claimtrail::log::precheck(&Body::AnnotationAdd(body.clone())) {
            return Err(kept_note(note, e));
        }
        // A wrong passphrase, typed after the note, loses no note either.
        ctx.signer().map_err(|e| kept_note(note, e))?
    } else {
        ctx.signer_for(conn, &check)?
    };
    let e = append(
        &mut store,
        &signer,
        NewEntry::new(Body::AnnotationAdd(body)),
    )?;
    let id = e.id.map(|i| i.to_string()).unwrap_or_default();
    if ctx.json {
        output::json(&serde_json::json!({"id": id, "entry": e}))?;
    } else {
        outln!("{id}")?;
    }
    Ok(Outcome::Done)
}

fn retract(ctx: &Ctx, a: RetractArgs) -> Result<Outcome> {
    let id = parse_id(&a.annotation, IdKind::Annotation)?;
    let mut store = ctx.open()?;
    let annotation = query::reference(store.conn(), id)?;
    let entry = NewEntry::new(Body::AnnotationRetract(AnnotationRetract {
        annotation,
        reason: a.reason,
    }));
    let signer = ctx.signer_for(store.conn(), &entry)?;
    // Whether it counted: one superseded, or followed by a later judgment
    // of the same person, did not ("no longer counts" was said of it too).
    let claim = query::annotation(store.conn(), id.n)?.claim;
    let counted = query::current(&query::annotations(store.conn(), Some(claim.n))?)
        .iter()
        .any(|a| a.id == id);
    let e = append(&mut store, &signer, entry)?;
    // What the claim stands at now: another analyst's verdict, or one that
    // the retracted annotation had superseded, may still count ("gives C1
    // no verdict" read as if C1 had none left).
    let verdicts = query::current_verdicts(store.conn(), claim.n)?;
    if ctx.json {
        output::json(
            &serde_json::json!({"retracted": id.to_string(), "entry": e, "claim": claim.to_string(), "counted": counted, "verdicts": verdicts}),
        )?;
    } else {
        // A retracted claim had none before either: not "now".
        let retracted = query::claim(store.conn(), claim.n)?.retraction.is_some();
        let standing = match verdicts.is_empty() {
            true if retracted => format!("{claim}, retracted, has no verdict"),
            true => format!("{claim} has no verdict now"),
            false => format!(
                "{claim} now stands at {}",
                claimtrail::model::join(&verdicts, ", ")
            ),
        };
        let counted = match counted {
            true => "no longer counts",
            false => {
                "did not count already (superseded, or followed by its signer's later judgment)"
            }
        };
        outln!(
            "{id} retracted at entry {}: it stays in the log, marked retracted, and {counted}; {standing}",
            e.seq
        )?;
    }
    Ok(Outcome::Done)
}

/// `e`, with where the note written in the editor is kept now (a file of
/// its own in the temporary directory) and how to give it once fixed.
fn kept_note(note: &str, e: Error) -> Error {
    let kept = tempfile::Builder::new()
        .prefix("claimtrail-note-")
        .suffix(".txt")
        .tempfile()
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, note.as_bytes())?;
            f.keep().map_err(|k| k.error)
        });
    match kept {
        Ok((_, path)) => with_kept_note(e, &path),
        Err(_) => e,
    }
}

/// `e`, its hint saying where the note is kept.
fn with_kept_note(e: Error, path: &std::path::Path) -> Error {
    Error::invalid(
        e.to_string(),
        format!(
            "{}; your note is kept in {}: give it with --note-file {} (fixed, if it must be)",
            e.hint(),
            path.display(),
            claimtrail::text::shell_word(path)
        ),
    )
}

/// The line below which the editor's file is not the note, as git's
/// `commit --cleanup=scissors` draws it: a note keeps its own lines that
/// start with `#` (hashtags: `#IdlibUnderAttack` was dropped from a signed
/// note, when every `#` line was taken for a comment).
const SCISSORS: &str = "# ------------------------ >8 ------------------------";

/// What the editor opens: an empty note, then the scissors line and what
/// it is for.
fn template(claim: &str) -> String {
    format!(
        "\n{SCISSORS}\n# Write your note on {claim} above the line with the scissors (>8). Everything\n# from that line down is left out; what is above it is the note, lines starting\n# with # included. An empty note cancels the annotation.\n"
    )
}

/// The note in the editor's file: what is above the scissors line, or,
/// where the user removed that line, the file without the template's own
/// lines. Trimmed.
fn note_above_scissors(text: &str, claim: &str) -> String {
    let note = match text.lines().position(|l| l.trim_end() == SCISSORS) {
        Some(at) => text.lines().take(at).collect::<Vec<_>>().join("\n"),
        // Without it, the template's own lines are left out, whole or cut
        // short by the editor (one cut short was signed as the note's).
        None => {
            let ours = template(claim);
            text.lines()
                .filter(|l| {
                    let l = l.trim_end();
                    l.is_empty()
                        || !ours
                            .lines()
                            .filter(|o| !o.is_empty())
                            .any(|o| (l.len() >= 8 && o.starts_with(l)) || l.starts_with(o))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    note.trim().to_string()
}

/// Opens the user's editor on a temporary file and returns the note above
/// the scissors line ([`note_above_scissors`]); an empty note aborts. The editor is $VISUAL,
/// else $EDITOR, else `vi`, as git and most Unix tools choose it (a
/// variable set but empty counts as unset).
fn edit_note(claim: &str) -> Result<String> {
    use std::io::IsTerminal;
    let chosen = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty());
    // `vi`, the default, needs a terminal: run from a script or a pipe it
    // wrote its screen's escape sequences into the output the script
    // reads, waited, and failed. An editor the user chose runs as it is
    // (one that needs no terminal is theirs to choose).
    if chosen.is_none() && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Error::invalid(
            "--edit opens an editor on a terminal, and this command's standard input or output is not one (and neither VISUAL nor EDITOR names an editor)",
            "give the note with --note, or with --note-file - from standard input",
        ));
    }
    let editor = chosen.unwrap_or_else(|| "vi".into());
    // Where the note is written is the user's environment (TMPDIR), not
    // claimtrail's: a failure there is theirs to fix, not a bug.
    let file = tempfile::Builder::new()
        .prefix("claimtrail-note-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| Error::cannot_write(std::env::temp_dir(), &e))?;
    std::fs::write(file.path(), template(claim))
        .map_err(|e| Error::cannot_write(file.path(), &e))?;
    // The note's file is removed on SIGTERM; Ctrl-C is the editor's.
    let _interrupted = interrupt::remove_on_interrupt(file.path(), interrupt::Leftover::File);
    // A plain command is run as it is, as git runs it: through `sh -c`, a
    // Ctrl-C meant for the editor also stops the shell waiting for it.
    // One with arguments or shell syntax (`code --wait`) needs the shell.
    const SHELL_SYNTAX: &[char] = &[
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', ' ', '\t', '\n', '*', '?',
        '[', '#', '~', '=', '%',
    ];
    let mut command = match editor.contains(SHELL_SYNTAX) {
        false => std::process::Command::new(&editor),
        true => {
            let mut sh = std::process::Command::new("sh");
            sh.arg("-c").arg(format!("{editor} \"$1\"")).arg("sh");
            sh
        }
    };
    let status = interrupt::while_editing(|| {
        let mut child = command.arg(file.path()).spawn()?;
        // A SIGTERM sent to claimtrail alone stops the editor too.
        let _interrupted = interrupt::stop_on_interrupt(child.id());
        child.wait()
    })
    .map_err(|e| {
        Error::invalid(
            format!("cannot run the editor `{editor}`: {e}"),
            "set VISUAL or EDITOR to your editor, or use --note",
        )
    })?;
    if !status.success() {
        return Err(Error::invalid(
            format!("the editor `{editor}` failed ({status})"),
            "nothing was written; try again or use --note",
        ));
    }
    // Read with the bound and checks of --note-file: an editor (or a
    // command given as one) may write anything, of any length.
    let data = claimtrail::files::read_capped(file.path(), claimtrail::entry::MAX_PAYLOAD as u64)
        .map_err(|e| match e {
        // Not the user's path to check: the editor (or a command given
        // as one) deleted or moved the note it was given.
        Error::Io { .. } if !file.path().exists() => Error::invalid(
            format!("the editor `{editor}` removed the note's file"),
            "nothing was written; save the note in the file the editor opens, or use --note",
        ),
        e => e,
    })?;
    let text = match claimtrail::sources::note_text("the note written in the editor", None, &data) {
        Ok(text) => text,
        // The file the editor saved is kept, to fix (it was deleted).
        Err(e) => {
            let e = match e {
                Error::Invalid { what, .. } => Error::invalid(
                    what,
                    "nothing was written; save the note as UTF-8, under 1 MiB (a long analysis belongs in a source)",
                ),
                e => e,
            };
            return Err(match file.keep() {
                Ok((_, path)) => with_kept_note(e, &path),
                Err(_) => e,
            });
        }
    };
    // Read as `--note-file` reads a file: a note saved by Notepad (a byte
    // order mark, CRLF) is signed as the same text either way. A mark
    // alone before the template, as such an editor saves it untouched,
    // left a note of U+FEFF, which was refused rather than cancelled.
    let note = note_above_scissors(&claimtrail::sources::file_note(text), claim);
    if note.is_empty() {
        return Err(Error::invalid(
            "the note is empty",
            "nothing was written; write a note or use --note",
        ));
    }
    Ok(note)
}
