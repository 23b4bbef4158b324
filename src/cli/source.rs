use super::{output, parse_id, values, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::hash::Hash;
use claimtrail::log::{append, NewEntry};
use claimtrail::model::{Body, IdKind, SourceAdd, SourceAmend, SourceKind, SourceRedact};
use claimtrail::sources::{check_given, Spelling};
use claimtrail::{clock, query, rules};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Store a source's exact text and sign its provenance; prints S<n>.
    Add(AddArgs),
    /// Remove a source's stored text (admin only); its hash stays signed.
    Redact {
        /// The source, e.g. S1.
        id: String,
        /// Why (a court order, a person's safety): signed with the
        /// redaction, and shown by `show`.
        #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
        reason: String,
    },
    /// Correct a source's metadata (a mistyped title, the wrong URL), or
    /// clear a field recorded in error (--clear author): your own source's
    /// (an admin may amend any). The `source.add` entry stays as signed;
    /// `show`, `list` and the reports give the current fields, and `show`
    /// what each was.
    Amend(AmendArgs),
}

#[derive(clap::Args, Debug)]
pub struct AmendArgs {
    /// The source, e.g. S1.
    pub id: String,
    /// The corrected kind.
    #[arg(long, value_parser = values::one_of::<SourceKind>(SourceKind::NAMES))]
    pub kind: Option<SourceKind>,
    /// The fields to correct, as `source add` takes them.
    #[command(flatten)]
    pub fields: Metadata,
    /// Empty a field recorded in error (an author the source does not
    /// name): author, published, publisher, title or url; FIELD,FIELD, or
    /// the option repeated. A kind cannot be cleared (correct it with
    /// --kind).
    #[arg(long, value_name = "FIELD", value_delimiter = ',')]
    pub clear: Vec<String>,
    /// What was wrong (a typo, the wrong page): signed with the
    /// amendment, and shown by `show`.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub reason: String,
}

/// A source's metadata fields that may be left out, as `source add` gives
/// them and `source amend` corrects them.
#[derive(clap::Args, Debug)]
pub struct Metadata {
    /// Its headline or title, as the publisher gives it.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub title: Option<String>,
    /// Who published it (a news site, an agency, an NGO).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub publisher: Option<String>,
    /// Who wrote it, or the account that posted it.
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub author: Option<String>,
    /// Where it was retrieved from: a web address (https://…), checked for
    /// form (a scheme that opens a program, spaces, invisible or
    /// bidirectional characters are refused) and recorded as given, never
    /// fetched.
    #[arg(long)]
    pub url: Option<String>,
    /// Publication date: YYYY-MM-DD or RFC 3339.
    #[arg(long, allow_hyphen_values = true)]
    pub published: Option<String>,
}

impl Metadata {
    /// The commands' input rules for the names and the address; the
    /// publication date is checked against when the text was retrieved,
    /// which each caller knows.
    fn check(&self) -> Result<()> {
        for (field, value) in [
            ("title", &self.title),
            ("publisher", &self.publisher),
            ("author", &self.author),
            ("url", &self.url),
        ] {
            check_given(field, value.as_deref(), Spelling::Cli)?;
        }
        if let Some(u) = &self.url {
            claimtrail::sources::check_url(u).map_err(|e| {
                Error::invalid(
                    e,
                    "give the address as the browser shows it, e.g. --url https://…",
                )
            })?;
        }
        Ok(())
    }
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The text file, or - for standard input: UTF-8 text of at most 16
    /// MiB, not empty or blank (a PDF, a word processor's file or another
    /// encoding is refused with how to convert it).
    pub file: PathBuf,
    /// What the source is.
    #[arg(long, value_parser = values::one_of::<SourceKind>(SourceKind::NAMES))]
    pub kind: SourceKind,
    #[command(flatten)]
    pub fields: Metadata,
    /// Sources this one was derived from (e.g. the tweet an article
    /// quotes): S1,S2, or the option repeated.
    #[arg(long = "derived-from", value_name = "SOURCE", value_delimiter = ',')]
    pub derived_from: Vec<String>,
}

pub fn run(ctx: &Ctx, c: SourceCommand) -> Result<Outcome> {
    match c {
        SourceCommand::Add(a) => add(ctx, a),
        SourceCommand::Redact { id, reason } => redact(ctx, id, reason),
        SourceCommand::Amend(a) => amend(ctx, a),
    }
}

/// Reads a source text, refusing what is too large, empty or not UTF-8.
fn read_text(ctx: &Ctx, file: &std::path::Path) -> Result<Vec<u8>> {
    let given = file.to_string_lossy();
    if (given.starts_with("http://") || given.starts_with("https://")) && !file.exists() {
        // No network: a source is the text the analyst read, saved.
        return Err(Error::invalid(
            format!("`{given}` is an address, not a file: claimtrail does not fetch pages"),
            format!("save the text you read to a file and give that, with --url {given}"),
        ));
    }
    let stdin = file.as_os_str() == "-";
    if stdin || super::output::is_stdin(file) {
        ctx.reading_stdin("the source's text")?;
    }
    match stdin {
        true => claimtrail::sources::read_source_stdin(),
        false => claimtrail::sources::read_source_file(file),
    }
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<Outcome> {
    let retrieved = clock::now();
    a.fields.check()?;
    if let Some(p) = &a.fields.published {
        clock::check_published_by(p, &retrieved)
            .map_err(|e| Error::invalid(e, "fix --published"))?;
    }
    let data = read_text(ctx, &a.file)?;
    let mut store = ctx.open()?;
    let sha256 = Hash::sha256(&data);
    ctx.check_kind(store.conn(), claimtrail::model::Kind::SourceAdd)?;
    if let Some(existing) = query::source_by_sha(store.conn(), &sha256)? {
        // A redacted source's text cannot be quoted, and storing it again
        // would undo the redaction: "use S1" led nowhere.
        if let Some(r) = query::source(store.conn(), existing.n)?.redaction {
            return Err(Error::invalid(
                format!(
                    "these bytes are {existing}'s, which was redacted at entry {} ({}): they cannot be stored again",
                    r.seq,
                    claimtrail::text::escape(&r.reason)
                ),
                format!(
                    "the redaction keeps this text out of the log; ask {} (the admin who redacted it) if it should come back",
                    claimtrail::text::escape(&r.signer_name)
                ),
            ));
        }
        return Err(Error::invalid(
            format!("{existing} already has these exact bytes (sha256 {sha256})"),
            format!("use {existing}; see `claimtrail show {existing}`"),
        ));
    }
    let ids = super::values::id_words(&a.derived_from)
        .map(|d| parse_id(d, IdKind::Source))
        .collect::<Result<Vec<_>>>()?;
    let named: Vec<String> = ids.iter().map(ToString::to_string).collect();
    claimtrail::sources::listed_once(
        "derived_from",
        named.iter().map(String::as_str),
        "source",
        Spelling::Cli,
    )?;
    let derived_from = ids
        .into_iter()
        .map(|id| query::reference(store.conn(), id))
        .collect::<Result<Vec<_>>>()?;
    let Metadata {
        title,
        publisher,
        author,
        url,
        published,
    } = a.fields;
    let body = Body::SourceAdd(SourceAdd {
        kind: a.kind,
        title,
        publisher,
        author,
        url,
        published,
        retrieved,
        sha256,
        length: data.len() as u64,
        media_type: rules::MEDIA_TYPE.into(),
        derived_from,
    });
    let entry = NewEntry {
        body,
        blob: Some(data),
    };
    let signer = ctx.signer_for(store.conn(), &entry)?;
    let e = append(&mut store, &signer, entry)?;
    let id = e.id.map(|i| i.to_string()).unwrap_or_default();
    if ctx.json {
        output::json(&serde_json::json!({"id": id, "sha256": sha256.to_hex(), "entry": e}))?;
    } else {
        outln!("{id}")?;
    }
    Ok(Outcome::Done)
}

fn amend(ctx: &Ctx, a: AmendArgs) -> Result<Outcome> {
    let id = parse_id(&a.id, IdKind::Source)?;
    a.fields.check()?;
    let clear = claimtrail::sources::cleared(&a.clear, Spelling::Cli)?;
    let mut store = ctx.open()?;
    let source = query::reference(store.conn(), id)?;
    let Metadata {
        title,
        publisher,
        author,
        url,
        published,
    } = a.fields;
    let body = SourceAmend {
        source,
        kind: a.kind,
        title,
        publisher,
        author,
        url,
        published,
        clear,
        reason: a.reason,
    };
    claimtrail::sources::check_not_both(&body, Spelling::Cli)?;
    let changes = body.changes();
    if changes.is_empty() {
        return Err(Error::invalid(
            format!("nothing to amend: no field of {id} was given"),
            format!(
                "give the fields to correct, e.g. `claimtrail source amend {id} --title \"…\" --reason \"typo\"`, or --clear the ones recorded in error"
            ),
        ));
    }
    // What it is now: a field given as it already reads, or cleared when
    // it is empty, is refused (the amendment would say it changed), and a
    // publication date must not be after the text was retrieved, as for
    // `source add`.
    let now = query::source(store.conn(), id.n)?;
    if let Some(p) = &body.published {
        clock::check_published_by(p, &now.retrieved)
            .map_err(|e| Error::invalid(e, "fix --published"))?;
    }
    for (field, value) in &changes {
        let mut probe = now.clone();
        if probe.set_field(field, value.as_deref()) != *value {
            continue;
        }
        return Err(match value {
            Some(value) => Error::invalid(
                format!(
                    "{id}'s {field} is already \"{}\"",
                    claimtrail::text::escape(value)
                ),
                format!("leave --{field} out; `claimtrail show {id}` shows its current metadata"),
            ),
            None => Error::invalid(
                format!("{id}'s {field} is already empty: there is nothing to clear"),
                format!(
                    "leave --clear {field} out; `claimtrail show {id}` shows its current metadata"
                ),
            ),
        });
    }
    let entry = NewEntry::new(Body::SourceAmend(body));
    let signer = ctx.signer_for(store.conn(), &entry)?;
    let e = append(&mut store, &signer, entry)?;
    let fields: Vec<&str> = changes
        .iter()
        .filter_map(|(f, v)| v.as_ref().map(|_| *f))
        .collect();
    // A field that was empty is added, not corrected (`show` has it as
    // `(none) → …`).
    let was_empty = |f: &str| now.clone().set_field(f, None).is_none();
    let (added, corrected): (Vec<&str>, Vec<&str>) = fields.iter().partition(|f| was_empty(f));
    let cleared: Vec<&str> = changes
        .iter()
        .filter_map(|(f, v)| v.is_none().then_some(*f))
        .collect();
    if ctx.json {
        output::json(&serde_json::json!({
            "amended": id.to_string(),
            "fields": fields,
            "cleared": cleared,
            "entry": e,
        }))?;
    } else {
        let done: Vec<String> = [
            (corrected, "corrected"),
            (added, "added"),
            (cleared, "cleared"),
        ]
        .into_iter()
        .filter(|(f, _)| !f.is_empty())
        .map(|(f, what)| format!("{} {what}", f.join(", ")))
        .collect();
        // "title corrected, url added and publisher cleared".
        let said = match done.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => done.join(""),
        };
        outln!(
            "{id} amended at entry {}: {said}; its source.add entry stays as signed",
            e.seq
        )?;
    }
    Ok(Outcome::Done)
}

fn redact(ctx: &Ctx, id: String, reason: String) -> Result<Outcome> {
    let id = parse_id(&id, IdKind::Source)?;
    let mut store = ctx.open()?;
    let source = query::reference(store.conn(), id)?;
    // Run again on a source already redacted, only the file is scrubbed:
    // what a first run could not finish while another process read.
    let redaction = query::source(store.conn(), id.n)?.redaction;
    let earlier = redaction.as_ref().map(|r| r.seq);
    // Its reason is the one signed then: one given now is not recorded
    // (it was dropped without a word).
    let other_reason = redaction
        .as_ref()
        .filter(|r| r.reason.trim() != reason.trim())
        .map(|r| r.reason.clone());
    // The same refusals either way: a reason, and an admin's key (its
    // public half is enough to rebuild the file, which signs nothing).
    // The warning below gives the command to run again, with this reason
    // (a placeholder would be refused).
    let again = format!(
        "claimtrail source redact {id} --reason {}",
        claimtrail::text::shell_text(&reason)
    );
    let body = Body::SourceRedact(SourceRedact { source, reason });
    claimtrail::log::precheck(&body)?;
    let entry = match earlier {
        Some(_) => {
            let fp = ctx.public_key()?.fingerprint().clone();
            if let Some(e) = claimtrail::log::key_refusal(
                store.conn(),
                &fp,
                claimtrail::model::Kind::SourceRedact,
            )? {
                return Err(e);
            }
            None
        }
        None => {
            let entry = NewEntry::new(body);
            let signer = ctx.signer_for(store.conn(), &entry)?;
            Some(append(&mut store, &signer, entry)?)
        }
    };
    // Run again on a redacted source, nothing was appended: the file is
    // made ready as an append would (VACUUM needs no snapshot open).
    store.ready_to_write()?;
    let scrubbed = scrub(&store)?;
    let claims = query::claims_of_source(store.conn(), id.n)?;
    if ctx.json {
        output::json(&serde_json::json!({
            "redacted": id.to_string(),
            "entry": entry,
            "scrubbed": scrubbed,
            "claims": claims.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        }))?;
    } else {
        match (&entry, earlier) {
            (Some(e), _) => outln!(
                "{id} redacted at entry {}: its text is out of the log, its hash and provenance stay signed",
                e.seq
            )?,
            (None, seq) => outln!(
                "{id} was already redacted, at entry {}: nothing new was signed; the file was rebuilt again, so that no page of it holds the text",
                seq.map_or(0, |s| s.0)
            )?,
        }
        // A desk redacts to protect someone, who is often the speaker of
        // the source's claims too: what stays signed is said, with the
        // claims, so that no one takes the redaction for more than it is.
        if entry.is_some() && !claims.is_empty() {
            let ids: Vec<String> = claims.iter().map(|c| c.to_string()).collect();
            let keep = match claims.len() {
                1 => "keeps its speaker, its paraphrase if it has one, its quote's hash and span, and up to 32 characters of the text on each side of the quote in its signed entry",
                _ => "keep their speakers, their paraphrases where they have one, their quotes' hashes and spans, and up to 32 characters of the text on each side of each quote in their signed entries",
            };
            errln!(
                "note: {} of {id} ({}) {keep}, which no redaction removes: reports, bundles and publications show them",
                claimtrail::text::count(claims.len() as u64, "claim"),
                ids.join(", "),
            );
        }
        if let (None, Some(signed)) = (&entry, &other_reason) {
            errln!(
                "note: the reason given now is not recorded: a source is redacted once, and its redaction at entry {} gives its own (\"{}\")",
                earlier.map_or(0, |s| s.0),
                claimtrail::text::escape(signed)
            );
        }
    }
    if !scrubbed {
        // The entry is in the log: not an error, but the file is not yet
        // what the redaction promises, and a copy of it now would not be.
        errln!(
            "warning: another process is reading the log, so its file still holds an old copy of {id}'s text (copy no file of the log now); when no other claimtrail command runs, run {} again to remove it",
            super::pasteable_signed(&format!("`{again}`"))
        );
    }
    Ok(Outcome::Done)
}

/// Rebuilds the file so that no free page, and no page of the WAL, keeps a
/// copy of a redacted text. False when a reader (another process's
/// snapshot) kept the WAL from being written back and truncated within the
/// busy timeout: the old pages are then still in the file.
fn scrub(store: &claimtrail::store::Store) -> Result<bool> {
    store.conn().execute_batch("VACUUM")?;
    let (busy, log, done): (i64, i64, i64) =
        store
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
    Ok(busy == 0 && log == done)
}
