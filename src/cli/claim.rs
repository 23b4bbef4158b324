use super::{output, parse_id, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::hash::Hash;
use claimtrail::log::{append, NewEntry};
use claimtrail::model::{Body, ClaimAdd, IdKind, SourceKind};
use claimtrail::{query, text};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum ClaimCommand {
    /// Record an exact quote of a source as a claim; prints C<n>.
    Add(AddArgs),
}

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("where").required(true).args(["quote", "span"]))]
pub struct AddArgs {
    /// The source, e.g. S1.
    #[arg(long)]
    pub source: String,
    /// The exact text as it appears in the source.
    #[arg(long)]
    pub quote: Option<String>,
    /// Which occurrence of --quote, when it appears more than once (1-based).
    #[arg(long, requires = "quote")]
    pub occurrence: Option<usize>,
    /// Byte offsets START..END into the source (on UTF-8 boundaries).
    #[arg(long)]
    pub span: Option<String>,
    /// Who said it, as the source gives it.
    #[arg(long)]
    pub speaker: String,
    /// How it reached the source: tweet, statement, interview, news_agency, article, report, video, other.
    #[arg(long)]
    pub provenance: SourceKind,
    /// Your paraphrase of the claim.
    #[arg(long)]
    pub text: Option<String>,
}

pub fn run(ctx: &Ctx, c: ClaimCommand) -> Result<Outcome> {
    match c {
        ClaimCommand::Add(a) => add(ctx, a),
    }
}

fn parse_span(s: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::invalid(
            format!("`{s}` is not a span"),
            "write --span START..END with byte offsets, e.g. --span 120..187",
        )
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    Ok((a, b))
}

/// Finds where the claim lies in the source text.
fn locate(src: &str, a: &AddArgs, id: &str) -> Result<(usize, usize)> {
    if let Some(span) = &a.span {
        let (s, e) = parse_span(span)?;
        text::span(src, s, e).map_err(|e| {
            Error::invalid(
                e,
                format!("see `claimtrail show {id} --text` for the text and its offsets"),
            )
        })?;
        return Ok((s, e));
    }
    let quote = a.quote.as_deref().unwrap_or_default();
    if quote.is_empty() {
        return Err(Error::invalid(
            "--quote is empty",
            "give the exact text of the claim",
        ));
    }
    let found = text::occurrences(src, quote);
    let pick =
        match (found.len(), a.occurrence) {
            (0, _) => return Err(Error::invalid(
                format!("the quote does not occur in {id}"),
                "copy the text exactly (quotes, apostrophes and dashes included), or use --span",
            )),
            (_, Some(k)) if k == 0 || k > found.len() => {
                return Err(Error::invalid(
                    format!(
                        "--occurrence {k}: the quote occurs {} times in {id}",
                        found.len()
                    ),
                    format!("use --occurrence 1 to {}", found.len()),
                ))
            }
            (_, Some(k)) => found[k - 1],
            (1, None) => found[0],
            (n, None) => {
                let list: Vec<String> = found
                    .iter()
                    .enumerate()
                    .map(|(i, &at)| {
                        let (l, c) = text::line_col(src, at);
                        format!(
                            "{}: line {l} col {c} (bytes {at}..{})",
                            i + 1,
                            at + quote.len()
                        )
                    })
                    .collect();
                return Err(Error::invalid(
                    format!("the quote occurs {n} times in {id}: {}", list.join("; ")),
                    "choose one with --occurrence K, or use --span",
                ));
            }
        };
    Ok((pick, pick + quote.len()))
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<Outcome> {
    let id = parse_id(&a.source, IdKind::Source)?;
    let mut store = ctx.open()?;
    let source = query::reference(store.conn(), id)?;
    let data = query::source_text(store.conn(), id.n)?.ok_or_else(|| {
        Error::invalid(
            format!("{id} was redacted: its text is gone and cannot be quoted"),
            "quote another source",
        )
    })?;
    let src = std::str::from_utf8(&data)
        .map_err(|_| Error::Internal(format!("{id} is not UTF-8; run `claimtrail verify`")))?;
    let (start, end) = locate(src, &a, &id.to_string())?;
    if a.speaker.trim().is_empty() {
        return Err(Error::invalid(
            "--speaker is empty",
            "give who said it, as the source names them",
        ));
    }
    let signer = ctx.signer()?;
    let body = Body::ClaimAdd(ClaimAdd {
        source,
        start: start as u64,
        end: end as u64,
        quote_sha256: Hash::sha256(&data[start..end]),
        prefix: text::prefix(src, start),
        suffix: text::suffix(src, end),
        speaker: a.speaker,
        provenance: a.provenance,
        text: a.text,
    });
    let e = append(&mut store, &signer, NewEntry::new(body))?;
    let cid = e.id.map(|i| i.to_string()).unwrap_or_default();
    if ctx.json {
        output::json(&serde_json::json!({"id": cid, "start": start, "end": end, "entry": e}))?;
    } else {
        println!("{cid}");
    }
    Ok(Outcome::Done)
}
