//! Bulk import: sources, claims, annotations and their retractions from
//! JSON Lines, one object a line (the format is documented in
//! `docs/IMPORT.md`).
//!
//! Each line is checked and turned into exactly the body the single command
//! (`source add`, `claim add`, `annotate`, `claim retract`, `annotate
//! retract`) would build from
//! the same values, and the bodies are appended through the append path's
//! bulk form ([`crate::log::Bulk`]) in transactions of
//! [`Options::batch_size`] entries: the append path stays the only writer
//! of `entries`, and every batch is all-or-nothing. Each entry is handed to
//! the append path as soon as its line is processed, so it is signed (on a
//! second thread) while the next lines are read.
//!
//! # Labels
//!
//! A line may name the item it creates (`"label": "idlib"`) so that later
//! lines refer to it as `@idlib`; ids (`S1`, `C3`) refer to items that were
//! in the log before the import started, so a file means the same on every
//! run.
//!
//! # Waiting lines
//!
//! A reference carries the entry hash of its target, which exists only once
//! that entry is signed, so a line cannot go into the batch of an item it
//! refers to. Such a line waits in a queue (checked as far as it can be at
//! once) and goes into the next batch, while the lines after it that do not
//! depend on the open batch keep filling it: a file that interleaves claims
//! and their annotations still goes in full batches, not in batches of two.
//! The price is that entries may be appended in another order than the
//! lines; a line never goes before one it depends on, and identical lines
//! (which have identical dependencies) keep their order, which the re-run
//! rule below relies on. The queue holds at most a batch of lines. Source
//! lines never wait: one derived from a source of the open batch has that
//! batch appended first (rare, and it keeps every name of a source ready at
//! the same time). Retraction lines are never reordered, because they
//! change how later lines are checked: everything before one is committed
//! first, and it opens the next batch.
//!
//! # Re-running
//!
//! Progress is not recorded anywhere but in the log itself: a line counts as
//! already imported when the log holds what it would create.
//!
//! * A source line is skipped when a source with the same bytes (SHA-256)
//!   exists, whoever added it; its label names that source.
//! * A claim or annotation line is skipped when the log held, before this
//!   run started, a `claim.add` / `annotation.add` entry signed by the same
//!   key whose body is identical to the body the line builds (same source,
//!   span, speaker, provenance, paraphrase; same claim, verdict, grades,
//!   note, links). Identical lines are matched one to one, in order: the
//!   k-th identical line of the file matches the k-th identical entry, so a
//!   file that deliberately repeats a line still gets every copy once.
//! * A retraction line is skipped when the claim's retraction was in the log
//!   before this run, signed by the same key, with the same body; an
//!   annotation retraction line likewise, when the annotation's was.
//!
//! So an import interrupted at any point (Ctrl-C, a crash, `kill -9`: the
//! batch in flight is rolled back by SQLite) is completed by running the
//! same import again, without duplicates.

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys::Signer;
use crate::log::{claim_body_in, Bulk, NewEntry, StoreHistory, TextKind};
use crate::model::*;
use crate::rules::{self, History, KeyInfo};
use crate::store::Store;
use crate::{clock, interrupt, query, text};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Import's maps (labels, ids, texts, existing items) are looked up a few
/// times per line; SipHash was 2 % of the importing thread's time.
type HashMap<K, V> = std::collections::HashMap<K, V, Keyed>;

/// ahash, keyed with random seeds drawn once per process, so that labels
/// chosen by whoever wrote the input cannot be made to collide. The seeds
/// come from std's `RandomState` (itself keyed from the OS), not from
/// ahash's own random source, which would put a second version of
/// `getrandom` in the tree.
#[derive(Clone)]
struct Keyed(ahash::RandomState);

impl Default for Keyed {
    fn default() -> Self {
        static SEEDS: std::sync::OnceLock<[u64; 4]> = std::sync::OnceLock::new();
        let s = SEEDS.get_or_init(|| {
            use std::hash::BuildHasher;
            let std_keyed = std::collections::hash_map::RandomState::new();
            [0u64, 1, 2, 3].map(|i| std_keyed.hash_one(i))
        });
        Keyed(ahash::RandomState::with_seeds(s[0], s[1], s[2], s[3]))
    }
}

impl std::hash::BuildHasher for Keyed {
    type Hasher = ahash::AHasher;
    fn build_hasher(&self) -> ahash::AHasher {
        self.0.build_hasher()
    }
}

/// Entries appended per transaction unless `--batch-size` says otherwise.
/// Each commit writes every page the batch touched to the WAL, and the
/// index of entry hashes is touched at random: a page changed by ten
/// entries of a batch is written once, not ten times, so bigger batches
/// are faster, the more so as the log grows. Importing the bench's
/// 1,000,000 lines into a new log (`claimtrail import --batch-size`) took
/// 63.2–66.5 s in batches of 25,000 and 56.2–59.9 s of 100,000 (2026-11-30,
/// with the reading thread and the append path's item cache; the runs
/// before those gave 72.1 s at 10,000, 62.8 s at 25,000, 61.5 s at 50,000,
/// 60.2 s at 100,000). Entries are stored as they are signed, so a batch
/// holds little memory (texts are capped per batch, below): 100,000 cost
/// about 50 MB more at the peak than 25,000. A batch holds the write lock
/// for about six seconds (other commands wait for it, up to the 30 s busy
/// timeout), and an interruption loses at most that one batch.
pub const DEFAULT_BATCH_SIZE: usize = 100_000;

/// Upper bound of `--batch-size`: a batch is one transaction, holding the
/// write lock (and its waiting lines, up to as many, in memory).
pub const MAX_BATCH_SIZE: usize = 100_000;

use crate::sources::{
    check_source_text, locate, read_source_file_then, Spelling, Where, MAX_SOURCE_BYTES,
};

/// Longest line read: an inline source text of the largest size with room
/// for JSON escapes. Anything longer is refused before it fills memory.
pub const MAX_LINE_BYTES: usize = 4 * MAX_SOURCE_BYTES as usize + (1 << 20);

/// A batch also closes when the source texts it holds reach this size, so
/// that a file of large sources does not hold `batch_size` of them in memory.
pub const MAX_BATCH_TEXT_BYTES: usize = 64 << 20;

pub mod lock;
mod spreadsheet;

pub use lock::ImportLock;

/// Source texts kept in memory for claims that quote them; the cache is
/// emptied when it would grow beyond this.
const TEXT_CACHE_BYTES: usize = 256 << 20;

/// Longest label (bytes).
pub const MAX_LABEL_BYTES: usize = 128;

/// How an import runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Entries appended per transaction. A batch closes earlier when its
    /// source texts reach [`MAX_BATCH_TEXT_BYTES`], when as many lines wait
    /// for it as it may hold, when a source line is derived from a source
    /// in it, and at the end of the input.
    pub batch_size: usize,
    /// Directory that relative `file` paths of source lines start from (the
    /// JSONL file's own directory; the current directory for stdin).
    pub base_dir: PathBuf,
    /// Whether a `file` may name any path (`import --files-anywhere`): by
    /// default it must be a regular file in [`Options::base_dir`] or below
    /// ([`crate::sources::file_within`]).
    pub files_anywhere: bool,
    /// The input's length in bytes, when it is known (a file, not a pipe):
    /// the label map is then sized once, for the lines the input is
    /// expected to hold (from the bytes per line of the first group of
    /// lines), instead of growing and rehashing as labels come.
    pub input_bytes: Option<u64>,
    /// When the input pauses this long (a pipe from a program that is
    /// still producing lines), the lines read so far are committed, and a
    /// slow, steady input has its lines committed at least every
    /// [`STEADY_FLUSHES`] times this. A file never pauses.
    pub flush_after: Duration,
    /// JSON Lines, or a spreadsheet's CSV export.
    pub format: Format,
    /// Nothing is committed (`import --dry-run`, [`Bulk::dry_run`]):
    /// every line is checked and signed in one transaction that is rolled
    /// back, and messages say that nothing was written, rather than what
    /// the batches before an error or an interruption kept.
    pub dry_run: bool,
}

/// What an import reads: JSON Lines (one object a line), or CSV (a header
/// row naming the fields, then one row a line: the `spreadsheet` module). Messages
/// name a line of the one and a row of the other, by the number an editor
/// or a spreadsheet shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    JsonLines,
    Csv,
}

impl Format {
    /// How its fields are named in messages: JSON members, or a CSV's
    /// columns.
    fn spelling(self) -> Spelling {
        match self {
            Format::JsonLines => Spelling::Import,
            Format::Csv => Spelling::Csv,
        }
    }

    /// What a line of the input is called: "line" or "row".
    pub fn unit(self) -> &'static str {
        match self {
            Format::JsonLines => "line",
            Format::Csv => "row",
        }
    }

    /// Lines before the first that can hold an item (CSV's header row).
    fn header_lines(self) -> u64 {
        match self {
            Format::JsonLines => 0,
            Format::Csv => 1,
        }
    }
}

/// Default of [`Options::flush_after`].
pub const DEFAULT_FLUSH_AFTER: Duration = Duration::from_secs(1);

/// A line read from a slow input that never pauses for
/// [`Options::flush_after`] waits at most this many times that for its
/// commit.
pub const STEADY_FLUSHES: u32 = 10;

impl Default for Options {
    fn default() -> Options {
        Options {
            batch_size: DEFAULT_BATCH_SIZE,
            base_dir: PathBuf::from("."),
            files_anywhere: false,
            input_bytes: None,
            flush_after: DEFAULT_FLUSH_AFTER,
            format: Format::JsonLines,
            dry_run: false,
        }
    }
}

/// Where an import stands, for a progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Bytes of input consumed.
    pub bytes: u64,
    pub lines: u64,
    /// Entries committed so far.
    pub appended: u64,
    pub skipped: u64,
    /// Another import into the same database runs: this one waits for it
    /// to end (see [`ImportLock`]) before it reads the log. Reported once,
    /// before anything else; the process id is the other import's, when
    /// it could be read.
    pub waiting: Option<Waiting>,
}

/// Another import holds the database's import lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// Its process id, as it wrote it in the lock file.
    pub holder: Option<u32>,
}

/// Lines per kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub sources: u64,
    pub claims: u64,
    pub annotations: u64,
    /// `claim.retract` entries (retraction lines), which create no item.
    pub retractions: u64,
    /// `annotation.retract` entries (annotation retraction lines).
    pub annotation_retractions: u64,
    /// `source.amend` entries (source amendment lines).
    pub source_amendments: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.sources
            + self.claims
            + self.annotations
            + self.retractions
            + self.annotation_retractions
            + self.source_amendments
    }
    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::SourceAdd => self.sources += 1,
            Kind::ClaimAdd => self.claims += 1,
            Kind::AnnotationAdd => self.annotations += 1,
            Kind::AnnotationRetract => self.annotation_retractions += 1,
            Kind::SourceAmend => self.source_amendments += 1,
            // Import appends no other kind.
            _ => self.retractions += 1,
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Lines read (rows of a CSV input, its header left out), blank ones
    /// included.
    pub lines: u64,
    pub blank_lines: u64,
    /// Entries appended, per kind.
    pub appended: Counts,
    /// Lines skipped because the log already held what they create.
    pub skipped: Counts,
    /// Transactions committed (in a dry run, batches ended inside its one
    /// transaction, which is rolled back).
    pub batches: u64,
    pub batch_size: usize,
    pub seconds: f64,
    /// Entries appended per second of the whole run.
    pub entries_per_second: f64,
    /// Appended in a transaction rolled back ([`Options::dry_run`]).
    pub dry_run: bool,
    /// Annotation lines skipped as already in the log whose signer has
    /// judged the claim again since, in an annotation this input does not
    /// repeat: the line's judgment is not the one that stands.
    pub outdated: Vec<OutdatedRepeat>,
    /// Claim and annotation lines skipped as already in the log whose item
    /// was retracted since, by an entry no line of this input repeats: the
    /// line's item is not in force.
    pub retracted_repeats: Vec<RetractedRepeat>,
    /// Source lines skipped because the log holds their bytes as a source
    /// whose kind, title, publisher, author, url or date differ.
    pub merged_sources: Vec<MergedSource>,
}

/// A source line whose bytes the log already holds as `source`, and that
/// gives other values for `fields` than the source has: skipped, its
/// claims on `source`, and what it said of the text not recorded (a
/// partner desk's title, another kind) unless someone amends the source.
#[derive(Clone, Debug, Serialize)]
pub struct MergedSource {
    pub line: u64,
    pub source: ItemId,
    pub fields: Vec<&'static str>,
    /// For each of `fields`, the value the source has (or the earlier line
    /// that made it gave), if any, and the one this line gives: the note
    /// says both ("another published" said neither, and "another" of a
    /// date the source did not have).
    #[serde(skip)]
    pub values: Vec<(Option<String>, String)>,
    /// The earlier line of the same input that made the source, when it
    /// was not in the log before the run; `null` otherwise.
    pub first_line: Option<u64>,
}

/// An annotation line that repeats annotation `repeats` of the log, and so
/// was skipped, while the same key's later annotation `later` of the same
/// claim is not in the input. Re-running a file is safe because a line
/// whose entry the log holds is skipped; but a line that means to judge the
/// claim again the way an earlier annotation did is the same bytes, and
/// was skipped without a word while the claim stood at the later verdict.
#[derive(Clone, Debug, Serialize)]
pub struct OutdatedRepeat {
    pub line: u64,
    pub claim: ItemId,
    pub repeats: ItemId,
    pub later: ItemId,
}

/// A claim or annotation line (`line`) skipped because the log already
/// holds its entry, `repeats`, which the log's entry `retracted_at` has
/// retracted since, while no line of this input retracts it. Re-running a
/// file must not bring back what was retracted after it ran, so the line
/// is skipped; but a line given to put back an item retracted by mistake
/// was skipped without a word, and the item stayed retracted.
#[derive(Clone, Debug, Serialize)]
pub struct RetractedRepeat {
    pub line: u64,
    pub repeats: ItemId,
    pub retracted_at: Seq,
    /// The claim that its retraction says records it correctly, if any.
    pub replaced_by: Option<ItemId>,
}

// ---------------------------------------------------------------------------
// The line format

/// One line of an import file. Fields have the names of the single
/// commands' options (`--derived-from` is `derived_from`); unknown fields are
/// an error, so a misspelt optional field is not silently dropped.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Line {
    Source(SourceLine),
    Claim(ClaimLine),
    Annotation(AnnotationLine),
    Retraction(RetractionLine),
    #[serde(rename = "annotation_retraction")]
    AnnotationRetraction(AnnotationRetractionLine),
    #[serde(rename = "source_amendment")]
    SourceAmendment(SourceAmendmentLine),
}

/// `{"type":"source", …}`: what `source add` takes, with the text inline
/// (`text`) or from a file (`file`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceLine {
    pub label: Option<String>,
    pub text: Option<String>,
    pub file: Option<String>,
    pub kind: SourceKind,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    #[serde(default, deserialize_with = "derived_from")]
    pub derived_from: Vec<String>,
}

/// `{"type":"claim", …}`: what `claim add` takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimLine {
    pub label: Option<String>,
    pub source: String,
    pub quote: Option<String>,
    #[serde(default, deserialize_with = "occurrence")]
    pub occurrence: Option<usize>,
    pub span: Option<String>,
    pub speaker: String,
    pub provenance: SourceKind,
    /// The analyst's paraphrase (`--text`).
    pub text: Option<String>,
}

/// `{"type":"annotation", …}`: what `annotate` takes (`note` for `--note`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationLine {
    pub label: Option<String>,
    pub claim: String,
    pub verdict: Verdict,
    pub reliability: Option<Reliability>,
    #[serde(default, deserialize_with = "credibility")]
    pub credibility: Option<Credibility>,
    pub note: Option<String>,
    #[serde(default, deserialize_with = "corroborates")]
    pub corroborates: Vec<String>,
    #[serde(default, deserialize_with = "contradicts")]
    pub contradicts: Vec<String>,
    pub supersedes: Option<String>,
}

/// `{"type":"retraction", …}`: what `claim retract` takes. It creates no
/// item, so it has no label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetractionLine {
    pub claim: String,
    pub reason: String,
    pub replaced_by: Option<String>,
}

/// `{"type":"annotation_retraction", …}`: what `annotate retract` takes.
/// It creates no item, so it has no label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationRetractionLine {
    pub annotation: String,
    pub reason: String,
}

/// `{"type":"source_amendment", …}`: what `source amend` takes. It creates
/// no item, so it has no label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceAmendmentLine {
    pub source: String,
    pub kind: Option<SourceKind>,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    /// The fields to clear (`--clear`): `["author"]`.
    pub clear: Option<Vec<String>>,
    pub reason: String,
}

impl SourceAmendmentLine {
    /// The entry's body, of `source` (a placeholder until the line's
    /// source is resolved): refused where `"clear"` names a field that
    /// cannot be cleared, one twice, or one the line also gives.
    fn body(&self, source: Option<Ref>) -> Result<SourceAmend> {
        let clear =
            crate::sources::cleared(self.clear.as_deref().unwrap_or_default(), Spelling::Import)?;
        let body = SourceAmend {
            source: source.unwrap_or(Ref {
                hash: Hash::ZERO,
                id: ItemId::source(1),
            }),
            kind: self.kind,
            title: self.title.clone(),
            publisher: self.publisher.clone(),
            author: self.author.clone(),
            url: self.url.clone(),
            published: self.published.clone(),
            clear,
            reason: self.reason.clone(),
        };
        crate::sources::check_not_both(&body, Spelling::Import)?;
        Ok(body)
    }
}

/// What `"occurrence"` takes, said whenever it is given something else.
const OCCURRENCE_IS: &str =
    "\"occurrence\" is a whole number of 1 or more (which occurrence of the quote, from the start)";

/// `"occurrence"`: absent, `null`, or a whole number from 1, refused in
/// those words whatever else it is (serde's own messages were "invalid
/// value: integer `-1`, expected usize", which names neither the field
/// nor what it takes, and "floating point `1.8446744073709552e+19`" of a
/// whole number too large for one).
fn occurrence<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<usize>, D::Error> {
    use serde::de::Error as _;
    let Some(value) = Option::<serde_json::Value>::deserialize(d)? else {
        return Ok(None);
    };
    match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(D::Error::custom(format!(
            "{OCCURRENCE_IS}, not {}",
            shown(&value)
        ))),
    }
}

impl ClaimLine {
    /// Where the claim lies: exactly one of `quote` (with `occurrence`) and
    /// `span`, as `claim add` requires.
    fn place(&self) -> Result<Where<'_>> {
        match (&self.quote, &self.span, self.occurrence) {
            (Some(q), None, occurrence) => Ok(Where::Quote {
                quote: q,
                occurrence,
            }),
            (None, Some(s), None) => Ok(Where::Span(s)),
            (None, Some(_), Some(_)) => Err(Error::invalid(
                "\"occurrence\" goes with \"quote\", not \"span\"",
                "drop \"occurrence\", or give \"quote\" instead of \"span\"",
            )),
            _ => Err(Error::invalid(
                "a claim line needs exactly one of \"quote\" and \"span\"",
                "give the exact text with \"quote\", or byte offsets with \"span\": \"START..END\"",
            )),
        }
    }
}

impl Line {
    /// What the line alone decides, checked as it is read (before the
    /// lines before it are committed): the optional texts, each given or
    /// left out, never empty ([`crate::sources::check_given`], as the
    /// commands check them); every text by the commands' rules
    /// ([`crate::log::check_text`]); a retraction's reason and
    /// replacement; texts that alone pass the entry limit.
    fn check_given(&self) -> Result<()> {
        let given = |field, value: &Option<String>| {
            crate::sources::check_given(field, value.as_deref(), Spelling::Import)
        };
        match self {
            // An empty path was refused as one that "leaves the import
            // file's directory" (and, with --files-anywhere, as that
            // directory, which is not a regular file).
            Line::Source(SourceLine { file: Some(f), .. }) if f.trim().is_empty() => {
                Err(Error::invalid(
                    "\"file\" is empty",
                    "give the path of the source's text file (from the import file's directory), or the text itself in \"text\"",
                ))
            }
            Line::Source(l) => {
                given("title", &l.title)?;
                given("publisher", &l.publisher)?;
                given("author", &l.author)
            }
            Line::Claim(l) => given("text", &l.text),
            Line::Annotation(l) => given("note", &l.note),
            // Required, and it must say something, as `claim retract`
            // requires (checked here, before the lines before it are
            // committed, as well as by the append path).
            Line::Retraction(l) if l.reason.trim().is_empty() => Err(Error::invalid(
                "a retraction needs a reason",
                "say why in \"reason\": it is signed, and `claimtrail show` shows it",
            )),
            // Caught here too, before the lines before it are committed.
            Line::Retraction(l) if l.replaced_by.as_deref() == Some(l.claim.as_str()) => {
                Err(Error::invalid(
                    format!("{} cannot replace itself", l.claim),
                    "name the claim that records it correctly in \"replaced_by\", or leave it out",
                ))
            }
            Line::Retraction(_) => Ok(()),
            Line::AnnotationRetraction(l) if l.reason.trim().is_empty() => Err(Error::invalid(
                "a retraction needs a reason",
                "say why in \"reason\": it is signed, and `claimtrail show` shows it",
            )),
            Line::AnnotationRetraction(_) => Ok(()),
            Line::SourceAmendment(l) if l.reason.trim().is_empty() => Err(Error::invalid(
                "an amendment needs a reason",
                "say why in \"reason\": it is signed, and `claimtrail show` shows it",
            )),
            Line::SourceAmendment(l)
                if l.kind.is_none()
                    && [&l.title, &l.publisher, &l.author, &l.url, &l.published]
                        .iter()
                        .all(|v| v.is_none())
                    && l.clear.as_ref().is_none_or(Vec::is_empty) =>
            {
                Err(Error::invalid(
                    format!("nothing to amend: no field of {} was given", l.source),
                    "give the fields to correct: title, publisher, author, url, published or kind; or the fields to empty in \"clear\"",
                ))
            }
            Line::SourceAmendment(l) => {
                given("title", &l.title)?;
                given("publisher", &l.publisher)?;
                given("author", &l.author)?;
                if let Some(u) = &l.url {
                    crate::sources::check_url(u).map_err(|e| {
                        Error::invalid(e, "fix \"url\": an absolute address, e.g. https://…")
                    })?;
                }
                l.body(None).map(drop)
            }
        }?;
        // The commands' rules for texts (`log::check_text`), here too: met
        // only when the entry was made, a line that waited for its batch
        // let the lines after it be committed before it was refused.
        let texts: Vec<(&str, &Option<String>, TextKind)> = match self {
            Line::Source(l) => vec![
                ("title", &l.title, TextKind::Line),
                ("publisher", &l.publisher, TextKind::Name),
                ("author", &l.author, TextKind::Name),
            ],
            Line::Claim(l) => vec![("text", &l.text, TextKind::Lines)],
            Line::Annotation(l) => vec![("note", &l.note, TextKind::Lines)],
            Line::SourceAmendment(l) => vec![
                ("title", &l.title, TextKind::Line),
                ("publisher", &l.publisher, TextKind::Name),
                ("author", &l.author, TextKind::Name),
            ],
            Line::Retraction(_) | Line::AnnotationRetraction(_) => vec![],
        };
        for (field, value, kind) in texts {
            if let Some(v) = value {
                crate::log::check_text(field, v, kind)?;
            }
        }
        // A quote of nothing, given as such (a span's text is known only
        // once its source is read).
        if let Line::Claim(ClaimLine { quote: Some(q), .. }) = self {
            if !q.is_empty() && crate::text::says_nothing(q) {
                return Err(Error::invalid(
                    "the quote holds only white space or characters that draw nothing",
                    "give the claim's words in \"quote\" (or a \"span\")",
                ));
            }
        }
        match self {
            Line::Claim(l) => crate::log::check_text("speaker", &l.speaker, TextKind::Name)?,
            Line::Retraction(l) => crate::log::check_text("reason", &l.reason, TextKind::Lines)?,
            Line::AnnotationRetraction(l) => {
                crate::log::check_text("reason", &l.reason, TextKind::Lines)?
            }
            Line::SourceAmendment(l) => {
                crate::log::check_text("reason", &l.reason, TextKind::Lines)?
            }
            _ => {}
        }
        // The texts the entry will carry, as given: the entry can only be
        // longer (escapes, the other members). Refused here, before the
        // lines before it are committed, when even they pass the limit
        // that the append path holds each entry to exactly.
        let texts: usize = match self {
            Line::Source(l) => [&l.title, &l.publisher, &l.author, &l.url]
                .iter()
                .filter_map(|t| t.as_ref().map(String::len))
                .sum(),
            Line::Claim(l) => l.speaker.len() + l.text.as_ref().map_or(0, String::len),
            Line::Annotation(l) => l.note.as_ref().map_or(0, String::len),
            Line::Retraction(l) => l.reason.len(),
            Line::AnnotationRetraction(l) => l.reason.len(),
            Line::SourceAmendment(l) => {
                l.reason.len()
                    + [&l.title, &l.publisher, &l.author, &l.url, &l.published]
                        .iter()
                        .filter_map(|t| t.as_ref().map(String::len))
                        .sum::<usize>()
            }
        };
        if texts > crate::entry::MAX_PAYLOAD {
            let kind = self.entry_kind();
            return Err(Error::invalid(
                format!(
                    "the {kind} entry would be more than the {} (1 MiB) an entry may hold: its texts alone are {} bytes",
                    crate::text::thousands(crate::entry::MAX_PAYLOAD as f64),
                    crate::text::thousands(texts as f64)
                ),
                crate::log::too_large_hint(kind),
            ));
        }
        Ok(())
    }

    /// A list that names an item twice, or an annotation's link to its own
    /// claim, as the file writes them: checked once the items' ids are
    /// (an empty item is said as such first), among the lines read together
    /// and on a line that waits. A source's `derived_from` was found only
    /// by the append path, once the batch before it was committed, and
    /// named by an id the file never wrote.
    fn check_lists(&self) -> Result<()> {
        match self {
            Line::Source(l) => crate::sources::listed_once(
                "derived_from",
                l.derived_from.iter().map(String::as_str),
                "source",
                Spelling::Import,
            ),
            Line::Annotation(l) => {
                let mut seen = vec![l.claim.as_str()];
                for (what, list) in [
                    ("corroborates", &l.corroborates),
                    ("contradicts", &l.contradicts),
                ] {
                    for r in list {
                        if *r == l.claim {
                            return Err(Error::invalid(
                                format!("{what} links {r} to itself"),
                                "a claim corroborates or contradicts other claims: name another one",
                            ));
                        }
                        if seen.contains(&r.as_str()) {
                            return Err(Error::invalid(
                                format!("{r} is listed twice in corroborates/contradicts"),
                                "list each claim once, as corroborated or as contradicted",
                            ));
                        }
                        seen.push(r);
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn label(&self) -> Option<&str> {
        match self {
            Line::Source(l) => l.label.as_deref(),
            Line::Claim(l) => l.label.as_deref(),
            Line::Annotation(l) => l.label.as_deref(),
            Line::Retraction(_) | Line::AnnotationRetraction(_) | Line::SourceAmendment(_) => None,
        }
    }
    /// The kind of item the line creates (a retraction creates none).
    fn creates(&self) -> Option<IdKind> {
        match self {
            Line::Source(_) => Some(IdKind::Source),
            Line::Claim(_) => Some(IdKind::Claim),
            Line::Annotation(_) => Some(IdKind::Annotation),
            Line::Retraction(_) | Line::AnnotationRetraction(_) | Line::SourceAmendment(_) => None,
        }
    }
    /// The kind of entry the line appends.
    fn entry_kind(&self) -> Kind {
        match (self, self.creates()) {
            (_, Some(kind)) => kind.entry_kind(),
            (Line::AnnotationRetraction(_), None) => Kind::AnnotationRetract,
            (Line::SourceAmendment(_), None) => Kind::SourceAmend,
            (_, None) => Kind::ClaimRetract,
        }
    }
    /// Every reference the line makes, as written, with its field and the
    /// kind of item it must name.
    fn typed_references(&self) -> Vec<(&'static str, &str, IdKind)> {
        match self {
            Line::Source(l) => l
                .derived_from
                .iter()
                .map(|s| ("derived_from", s.as_str(), IdKind::Source))
                .collect(),
            Line::Claim(l) => vec![("source", l.source.as_str(), IdKind::Source)],
            Line::Annotation(l) => {
                let mut out = vec![("claim", l.claim.as_str(), IdKind::Claim)];
                for (field, list) in [
                    ("corroborates", &l.corroborates),
                    ("contradicts", &l.contradicts),
                ] {
                    out.extend(list.iter().map(|s| (field, s.as_str(), IdKind::Claim)));
                }
                out.extend(
                    l.supersedes
                        .as_deref()
                        .map(|s| ("supersedes", s, IdKind::Annotation)),
                );
                out
            }
            Line::Retraction(l) => {
                let mut out = vec![("claim", l.claim.as_str(), IdKind::Claim)];
                out.extend(
                    l.replaced_by
                        .as_deref()
                        .map(|s| ("replaced_by", s, IdKind::Claim)),
                );
                out
            }
            Line::AnnotationRetraction(l) => {
                vec![("annotation", l.annotation.as_str(), IdKind::Annotation)]
            }
            Line::SourceAmendment(l) => vec![("source", l.source.as_str(), IdKind::Source)],
        }
    }

    /// Every reference the line makes, as written (`S1`, `@idlib`).
    fn references(&self) -> Vec<&str> {
        self.typed_references()
            .into_iter()
            .map(|(_, r, _)| r)
            .collect()
    }
}

/// A bad line, before it is given its number: what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub what: String,
    pub hint: String,
}

fn line_err(what: impl Into<String>, hint: impl Into<String>) -> LineError {
    LineError {
        what: what.into(),
        hint: hint.into(),
    }
}

const FORMAT_HINT: &str = "`claimtrail import --help` lists the fields of each type";

/// Parses one line (without its newline). `Ok(None)` for a blank line.
/// Never panics, whatever the bytes.
pub fn parse_line(bytes: &[u8]) -> std::result::Result<Option<Line>, LineError> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if crate::text::utf16_bom(bytes) {
        return Err(line_err(
            "the file is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8",
            "save it as UTF-8 (`iconv -f UTF-16 -t UTF-8` converts it), and import that copy",
        ));
    }
    let s = std::str::from_utf8(bytes).map_err(|e| {
        let at = format!("column {}", char_column(bytes, e.valid_up_to()));
        not_utf8(bytes, e.valid_up_to(), "", &at, |encoding| {
            format!(
                "if that reads right, save the file as UTF-8 (`iconv -f {encoding} -t UTF-8` converts it) and import that copy; if not, ask whoever sent it which encoding it is in"
            )
        })
    })?;
    if s.trim().is_empty() {
        return Ok(None);
    }
    if !s.trim_start().starts_with('{') {
        return Err(line_err(
            "not a JSON object",
            r#"each line is one JSON object, e.g. {"type":"claim","source":"S1",…}"#,
        ));
    }
    serde_json::from_str::<Line>(s).map(Some).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => match lone_surrogate(s)
                // Only where serde stopped: a line whose first fault is a
                // missing comma before it was blamed on the escape.
                .filter(|(at, _)| (at + 1..=at + 13).contains(&e.column()))
            {
                Some((_, escape)) => line_err(
                    format!(
                        "the escape {escape} is half of a character (a UTF-16 surrogate without its other half): the text was cut inside a character, often an emoji"
                    ),
                    "give the whole character (an emoji above U+FFFF takes two escapes, e.g. \\ud83d\\ude00), or delete the half",
                ),
                None => line_err(
                    format!("malformed JSON: {}", strip_position(&e, s)),
                    r#"each line is one complete JSON object, e.g. {"type":"claim","source":"S1",…}"#,
                ),
            },
            Category::Data => data_error(&e, s),
        }
    })
}

/// The column, in characters as an editor counts them, of byte `at` of a
/// line whose bytes before `at` are UTF-8 (serde_json and `from_utf8` count
/// bytes: a line with Arabic before its error was off by dozens).
fn char_column(line: &[u8], at: usize) -> usize {
    let mut at = at.min(line.len());
    while at > 0 && std::str::from_utf8(&line[..at]).is_err() {
        at -= 1;
    }
    String::from_utf8_lossy(&line[..at]).chars().count() + 1
}

/// What is said of an import line or a CSV cell that is not UTF-8 (`field`
/// names the cell's field, with its colon, or is empty; `at` says where):
/// UTF-8 text with a few stray bytes is said to be so, as `source add`
/// says it of a file (converting the whole of it from the legacy
/// encoding a detector guesses, as the hint said, garbled every Arabic or
/// Cyrillic letter of a line with one stray byte); other bytes are read
/// in the likely legacy encoding, and `convert` says what to do.
pub(crate) fn not_utf8(
    bytes: &[u8],
    bad_at: usize,
    field: &str,
    at: &str,
    convert: impl Fn(&str) -> String,
) -> LineError {
    if let Some(stray) = crate::text::stray_bytes(bytes) {
        return line_err(
            format!(
                "{field}UTF-8 text but for {} that {} not (the first at {at}, shown as \u{fffd} in `{}`)",
                crate::text::count(stray as u64, "byte"),
                if stray == 1 { "is" } else { "are" },
                crate::text::line_shown(bytes, bad_at, String::from_utf8_lossy)
            ),
            "fix them where they came from, or drop them (`iconv -f UTF-8 -t UTF-8 -c` does), check that the copy reads right, and import that copy",
        );
    }
    let legacy = crate::text::legacy_text(bytes, bad_at);
    line_err(
        format!(
            "{field}not UTF-8 (invalid byte at {at}); read as {}, it says `{}`",
            legacy.encoding, legacy.line
        ),
        convert(&legacy.encoding),
    )
}

/// serde's message without serde_json's " at line 1 column N" suffix, which
/// only adds noise for a one-line document whose type check ran at its end.
fn strip_position(e: &serde_json::Error, line: &str) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => match e.classify() {
            serde_json::error::Category::Data => s[..i].to_string(),
            // serde_json counts bytes from 1; an editor counts characters.
            _ => format!(
                "{} (column {})",
                &s[..i],
                char_column(line.as_bytes(), e.column().saturating_sub(1))
            ),
        },
        None => s,
    }
}

/// The first `\uXXXX` escape of `line` that is half a surrogate pair with
/// no other half beside it (a tweet cut inside an emoji by a scraper), which
/// serde_json reports as "unexpected end of hex escape" or "lone leading
/// surrogate": the escape is complete, the character is not.
fn lone_surrogate(line: &str) -> Option<(usize, String)> {
    let b = line.as_bytes();
    let unit = |i: usize| -> Option<u16> {
        let hex = line.get(i + 2..i + 6)?;
        (b.get(i) == Some(&b'\\') && matches!(b.get(i + 1), Some(b'u')))
            .then(|| u16::from_str_radix(hex, 16).ok())
            .flatten()
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if let Some(u) = unit(i) {
                match u {
                    0xD800..=0xDBFF => match unit(i + 6) {
                        Some(0xDC00..=0xDFFF) => {
                            i += 12;
                            continue;
                        }
                        _ => return Some((i, line[i..i + 6].to_string())),
                    },
                    0xDC00..=0xDFFF => return Some((i, line[i..i + 6].to_string())),
                    _ => {}
                }
                i += 6;
                continue;
            }
            // Any other escape: skip the character escaped (`\\` too).
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

fn data_error(e: &serde_json::Error, line: &str) -> LineError {
    // serde reads the type from one of two "type" fields and then blames
    // the other type's fields ("unknown field `kind`"): say what is wrong.
    if type_count(line) > 1 {
        return line_err(
            "\"type\" is given more than once",
            "give one \"type\": \"source\", \"claim\", \"annotation\", \"retraction\", \"annotation_retraction\" or \"source_amendment\"",
        );
    }
    let said = strip_position(e, line);
    // The field and what is wrong with it come from the one failure: the
    // second read (below) meets the fields in another order than the
    // first, and where two were wrong it named one and quoted the other.
    // A message that names its field already (credibility's, a list's)
    // is left as it is.
    let msg = match field_of(line) {
        Some((field, why)) if !said.starts_with("unknown field") && !why.starts_with(&field) => {
            format!("{field}: {why}")
        }
        Some((_, why)) if !said.starts_with("unknown field") => why,
        _ => said,
    };
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        // serde: "unknown variant `claim, source`, expected one of …": the
        // value may hold a comma of its own.
        let found = rest.split(", expected").next().unwrap_or(rest);
        return line_err(
            format!("unknown type {found}"),
            "use \"type\": \"source\", \"claim\", \"annotation\", \"retraction\", \"annotation_retraction\" or \"source_amendment\"",
        );
    }
    // `"type": null` or a number: serde's "expected variant identifier"
    // named neither the field nor the values.
    if let Some(rest) = msg
        .strip_prefix("invalid type: ")
        .and_then(|r| r.strip_suffix(", expected variant identifier"))
    {
        return line_err(
            format!("\"type\" is {rest}, not a type's name"),
            "give \"type\": \"source\", \"claim\", \"annotation\", \"retraction\", \"annotation_retraction\" or \"source_amendment\"",
        );
    }
    if msg == "missing field `type`" {
        // `"Type"` or `"TYPE"` (a spreadsheet's header, typed again):
        // said as a field in other capitals, not as one missing.
        if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line) {
            if let Some(k) = o.keys().find(|k| k.eq_ignore_ascii_case("type")) {
                return line_err(
                    format!(
                        "no \"type\" field: `{}` is not one (field names are lower case)",
                        crate::text::escape(k)
                    ),
                    "write it \"type\", as every field is written in lower case",
                );
            }
        }
        return line_err(
            "no \"type\" field",
            "give \"type\": \"source\", \"claim\", \"annotation\", \"retraction\", \"annotation_retraction\" or \"source_amendment\"",
        );
    }
    if msg.starts_with(OCCURRENCE_IS) {
        return line_err(
            msg,
            "give which occurrence of the quote it is, counting from 1, as a number (e.g. \"occurrence\": 2), or leave \"occurrence\" out for a quote that occurs once",
        );
    }
    if msg.starts_with(CREDIBILITY_IS) {
        return line_err(
            msg,
            "write it as a number, without quotes, e.g. \"credibility\": 3, or leave \"credibility\" out",
        );
    }
    for field in ["derived_from", "corroborates", "contradicts"] {
        if msg.starts_with(&format!("\"{field}\" takes a list")) {
            return line_err(
                msg,
                format!(
                    "write the ids in square brackets, even a single one, or leave \"{field}\" out"
                ),
            );
        }
    }
    line_err(msg, FORMAT_HINT)
}

/// How many `"type"` members the line's object has (read again only when
/// the line failed: a JSON value keeps one of repeated members).
fn type_count(line: &str) -> usize {
    struct Count;
    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<usize, A::Error> {
            let mut n = 0;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                n += usize::from(key == "type");
            }
            Ok(n)
        }
    }
    use serde::Deserializer;
    serde_json::Deserializer::from_str(line)
        .deserialize_map(Count)
        .unwrap_or(0)
}

/// The field a line's value is wrong in (`"derived_from"`, item 2 of
/// `"corroborates"`), for a message that does not name it: serde loses
/// the path through the `"type"` tag (the line is buffered before its
/// struct is read), so on that error only the line is read again, as the
/// struct its type names, through `serde_path_to_error`. `None` when the
/// message names its field already (unknown, missing or repeated fields)
/// or the path cannot be told.
fn field_of(line: &str) -> Option<(String, String)> {
    let serde_json::Value::Object(mut map) = serde_json::from_str(line).ok()? else {
        return None;
    };
    let kind = map.remove("type")?;
    let value = serde_json::Value::Object(map);
    /// Where reading `value` as a `T` fails, if it does.
    fn failing<T: serde::de::DeserializeOwned>(
        value: serde_json::Value,
    ) -> Option<(serde_path_to_error::Path, String)> {
        let e = serde_path_to_error::deserialize::<_, T>(value).err()?;
        Some((e.path().clone(), e.inner().to_string()))
    }
    let (path, why) = match kind.as_str()? {
        "source" => failing::<SourceLine>(value)?,
        "claim" => failing::<ClaimLine>(value)?,
        "annotation" => failing::<AnnotationLine>(value)?,
        "retraction" => failing::<RetractionLine>(value)?,
        "annotation_retraction" => failing::<AnnotationRetractionLine>(value)?,
        "source_amendment" => failing::<SourceAmendmentLine>(value)?,
        _ => return None,
    };
    let mut said = String::new();
    for segment in path.iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Map { key } if said.is_empty() => said = format!("\"{key}\""),
            Segment::Seq { index } if !said.is_empty() => {
                said = format!("{said}, item {}", index + 1)
            }
            _ => return None,
        }
    }
    (!said.is_empty()).then_some((said, why))
}

/// A value as a message about it shows it: a text in backticks (cut when
/// long), a number or `true` as written, a list or an object by name.
fn shown(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) if s.is_empty() => "an empty text".into(),
        Value::String(s) => format!("the text `{}`", text::escape(&text::cut(s, 40))),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        // serde_json reads a whole number past 2⁶⁴ − 1, and one written
        // with an exponent or a point (`1e0`, `3.0`), as a float, which it
        // prints as `1.8446744073709552e+19` or `1.0`: not what was typed.
        Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f >= 2f64.powi(64)) => {
            "a number too large to be one".into()
        }
        // `-0` too is read as a float: it is 0.
        Value::Number(n) if n.is_f64() && n.as_f64() == Some(0.0) => "0".into(),
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 2f64.powi(53))
                && n.is_f64() =>
        {
            format!(
                "a number written with a decimal point or an exponent (write it as {})",
                n.as_f64().unwrap_or_default() as i64
            )
        }
        other => other.to_string(),
    }
}

/// What `"credibility"` takes, said whenever it is given something else.
const CREDIBILITY_IS: &str = "\"credibility\" is a whole number from 1 to 6 (6 = cannot be judged)";

/// `"credibility"`: absent, `null`, or a whole number from 1 to 6, refused
/// in those words whatever else it is (serde said "invalid value: integer
/// `300`, expected u8" of 300 and "invalid type: string \"abc\", expected
/// u8" of a CSV cell `abc`, and only 0 or 7 were told the grades).
fn credibility<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Credibility>, D::Error> {
    use serde::de::Error as _;
    let Some(value) = Option::<serde_json::Value>::deserialize(d)? else {
        return Ok(None);
    };
    match value
        .as_u64()
        .and_then(|n| u8::try_from(n).ok())
        .and_then(Credibility::new)
    {
        Some(c) => Ok(Some(c)),
        None => Err(D::Error::custom(format!(
            "{CREDIBILITY_IS}, not {}",
            shown(&value)
        ))),
    }
}

/// `"derived_from"`: a list of sources (see [`id_list`]).
fn derived_from<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    id_list(d, "derived_from", "S1")
}

/// `"corroborates"`: a list of claims (see [`id_list`]).
fn corroborates<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    id_list(d, "corroborates", "C2")
}

/// `"contradicts"`: a list of claims (see [`id_list`]).
fn contradicts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    id_list(d, "contradicts", "C2")
}

/// A list field of ids or @labels. `null` reads as left out: IMPORT.md
/// says any optional field may be `null`, and a program that writes every
/// field writes `null` for an empty list as often as `[]`. Anything but a
/// list is refused naming the field and showing the list it meant (serde
/// said "invalid type: string \"C2\", expected a sequence"); a wrong item
/// is serde's error at that item, which the message names.
fn id_list<'de, D: serde::Deserializer<'de>>(
    d: D,
    field: &'static str,
    example: &'static str,
) -> std::result::Result<Vec<String>, D::Error> {
    use serde::de::{MapAccess, SeqAccess, Visitor};
    use serde_json::Value;
    struct Ids {
        field: &'static str,
        example: &'static str,
    }
    impl Ids {
        fn not_a_list<E: serde::de::Error>(&self, given: Value) -> E {
            // A text is most likely the ids meant: shown as their list.
            let ids: Vec<&str> = match &given {
                Value::String(s) => s
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect(),
                _ => Vec::new(),
            };
            let ids = if ids.is_empty() {
                vec![self.example]
            } else {
                ids
            };
            let ids: Vec<String> = ids.iter().map(|id| Value::from(*id).to_string()).collect();
            let example = format!("[{}]", ids.join(", "));
            E::custom(format!(
                "\"{}\" takes a list of ids, e.g. {}, not {}",
                self.field,
                text::escape(&text::cut(&example, 60)),
                shown(&given)
            ))
        }
    }
    impl<'de> Visitor<'de> for Ids {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of ids, e.g. [\"{}\"]", self.example)
        }
        fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut ids = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(id) = seq.next_element::<String>()? {
                ids.push(id);
            }
            Ok(ids)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
            Err(self.not_a_list(Value::from(v)))
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
            Err(self.not_a_list(Value::from(v)))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
            Err(self.not_a_list(Value::from(v)))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
            Err(self.not_a_list(Value::from(v)))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
            Err(self.not_a_list(Value::from(v)))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> std::result::Result<Self::Value, A::Error> {
            Err(self.not_a_list(Value::Object(Default::default())))
        }
    }
    d.deserialize_any(Ids { field, example })
}

/// A label is 1 to [`MAX_LABEL_BYTES`] letters, digits and `_ - . : /`, so
/// that `@label` is unambiguous and safe to print.
pub fn check_label(label: &str) -> std::result::Result<(), LineError> {
    let ok = !label.is_empty()
        && label.len() <= MAX_LABEL_BYTES
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(line_err(
            format!("label `{}` is not a label", text::escape(label)),
            format!("use 1 to {MAX_LABEL_BYTES} letters, digits, _ - . : / (and no @ in the definition)"),
        ))
    }
}

/// Why `line`, which defines `label`, may not (`before`: the line that
/// defined it already, if one did). Checked by `Importer::read` as the
/// line is taken and, before anything is committed, by
/// `Importer::look_ahead`.
fn definition_refusal(line: &Line, label: &str, before: Option<u64>, format: Format) -> Result<()> {
    check_label(label).map_err(|e| Error::invalid(e.what, e.hint))?;
    // A label defined twice first: `"source":"@s"` on a line that
    // defines `s` again was told it refers to itself.
    if let Some(first) = before {
        return Err(Error::invalid(
            format!(
                "label `{label}` is already defined by {} {first}",
                format.unit()
            ),
            "give every item its own label",
        ));
    }
    if line.references().contains(&format!("@{label}").as_str()) {
        return Err(Error::invalid(
            format!("@{label} refers to the item this line creates"),
            "refer to items of earlier lines",
        ));
    }
    Ok(())
}

/// `s`, given in `field` where `want` is needed, as an id: written as one,
/// and of that kind. (Whether the log holds it is the importer's to say.)
fn id_of(field: &str, s: &str, want: IdKind) -> Result<ItemId> {
    let id: ItemId = s.parse().map_err(|e: BadId| {
        Error::invalid(
            format!("{field}: {e}"),
            format!(
                "give an id from `claimtrail list {}s`, or @label for an item this file creates",
                want.noun()
            ),
        )
    })?;
    if id.kind != want {
        return Err(Error::invalid(
            format!("{field}: {id} is not {} id", want.a_noun()),
            format!("{} ids start with {}", want.noun(), want.letter()),
        ));
    }
    Ok(id)
}

/// Why `@name`, given in `field` where `want` is needed, refers to no
/// such item (`defined`: the kind and line of its definition, if an
/// earlier line defines it).
fn reference_refusal(
    field: &str,
    name: &str,
    want: IdKind,
    defined: Option<(IdKind, u64)>,
    format: Format,
) -> Result<()> {
    let unit = format.unit();
    // `@` alone, `@@x`: no label could be defined so (the hint told to
    // define `"label": ""`).
    if check_label(name).is_err() {
        return Err(Error::invalid(
            format!(
                "{field}: `@{}` names no label (a label is 1 to {MAX_LABEL_BYTES} letters, digits and _ - . : /)",
                text::escape(name)
            ),
            format!(
                "refer to an earlier {unit}'s label as @label, or give an id like {}1",
                want.letter()
            ),
        ));
    }
    let Some((kind, line)) = defined else {
        return Err(Error::invalid(
            format!(
                "{field}: label @{} is not defined by an earlier {unit}",
                text::escape(name),
            ),
            match format {
                Format::JsonLines => format!("define it with \"label\": \"{}\" on a line before this one, or give an id like {}1", text::escape(name), want.letter()),
                Format::Csv => format!("define it in the label column of a row above this one, or give an id like {}1", want.letter()),
            },
        ));
    };
    if kind != want {
        return Err(Error::invalid(
            format!(
                "{field}: @{name} is {} ({unit} {line}), not {}",
                kind.a_noun(),
                want.a_noun()
            ),
            format!("refer to {} here", want.a_noun()),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The import

/// Imports `input` into the log, signing with `signer`. `progress` is called
/// every 1024 lines and after every batch.
///
/// On error, the batches committed before the bad line stay (a re-run skips
/// them); the error names the line and says how much was committed.
pub fn import(
    store: &mut Store,
    signer: &Signer,
    input: Box<dyn Read + Send>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Summary> {
    // Before the log is read: what a run skips is what the log held when
    // it started, so a second run must start once the first has ended. A
    // dry run writes nothing, and does not wait.
    let _lock = match opts.dry_run {
        true => None,
        false => {
            // Ctrl-C while waiting for another import's lock: the line
            // IMPORT.md promises an interrupted import leaves (it exited 130
            // without one).
            let _waiting = interrupt::say_on_interrupt(|| {
                "import interrupted while waiting for the import already running: nothing was appended (hint: run the same import again, once that one has ended)".to_string()
            });
            Some(ImportLock::acquire(store.path(), &mut |holder| {
                progress(&Progress {
                    waiting: Some(Waiting { holder }),
                    ..Progress::default()
                })
            })?)
        }
    };
    let started = Instant::now();
    // A bulk load touches every index of the log: give this connection a
    // larger page cache (SQLite's default, 2 MiB, suits the single
    // commands), and checkpoint the WAL on another thread (see
    // `Checkpointer`) instead of inside this one's commits. The cache is
    // 256 MiB because the random-keyed indexes (entries.hash above all)
    // outgrow a smaller one: building a 300,000-entry log took 22.0 s with
    // 64 MiB, 19.6 s with 128 MiB and 17.8 s with 256 MiB, for about 200 MB
    // more at the peak. It is a ceiling, not an allocation. And sync at
    // checkpoints rather than at every batch: in WAL mode a power cut can
    // then lose the last batches (never corrupt the log, never break the
    // chain), and re-running the import completes them. Not before the
    // first batch: an older log is read under a held snapshot until the
    // append path migrates it, and SQLite refuses to change `synchronous`
    // inside a transaction (an import into a log of schema version 1 to 3
    // failed with "Safety level may not be changed inside a transaction").
    store
        .conn()
        .execute_batch("PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 0;")?;
    let store: &Store = store;
    std::thread::scope(|scope| {
        let bulk = Bulk::new(scope, store, signer).dry_run(opts.dry_run);
        // A dry run commits nothing, and its log's files stay as they are:
        // no second connection checkpoints a -wal it found there.
        let checkpointer = match opts.dry_run {
            true => Checkpointer {
                wake: None,
                since_wait: Default::default(),
            },
            false => Checkpointer::start(scope, store.path()),
        };
        if checkpointer.wake.is_none() && !opts.dry_run {
            // No second connection: SQLite checkpoints inside the commits.
            store
                .conn()
                .execute_batch("PRAGMA wal_autocheckpoint = 16384;")?;
        }
        run(
            Importer::new(store, signer, opts, bulk, checkpointer)?,
            Reader::start(input, opts),
            opts,
            progress,
            started,
        )
    })
}

/// The import proper, with its importer (see [`import`]).
fn run(
    mut imp: Importer<'_>,
    input: Reader,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
    started: Instant,
) -> Result<Summary> {
    let committed = imp.committed.clone();
    let _interrupted = interrupt::say_on_interrupt(move || committed.said());
    let mut reported = 0;
    // When the oldest line read and not yet committed was read.
    let mut oldest: Option<Instant> = None;
    let result = (|| -> Result<()> {
        loop {
            let after = opts.flush_after;
            let deadline = oldest.map(|t| (t + after * STEADY_FLUSHES).min(Instant::now() + after));
            let group = match input.next(deadline) {
                Next::End => break,
                Next::Quiet => {
                    imp.flush()?;
                    oldest = None;
                    reported = imp.batches;
                    progress(&imp.progress);
                    continue;
                }
                Next::Group(group) => group?,
            };
            // A line of this group that does not parse, or that its own
            // fields and the file's labels refuse, while nothing is
            // committed: reported before any line of the group is taken. A
            // retraction or a source derived from one before it in the
            // batch commits the lines before them early, and a typo further
            // on then ended in exit 2 with lines appended; a file of a few
            // hundred lines now writes nothing for such a typo anywhere in
            // it. (The lines before it in the group are checked on the next
            // run.)
            if imp.batches == 0 {
                imp.look_ahead(&group)?;
            }
            let batches = imp.batches;
            let size = group.iter().map(|(bytes, _)| bytes).sum();
            if imp.line == opts.format.header_lines() {
                imp.expect(opts.input_bytes, size, group.len());
            }
            for (bytes, parsed) in group {
                imp.line += 1;
                imp.progress.lines = imp.line;
                imp.progress.bytes += bytes;
                match parsed {
                    Ok(None) => imp.blank += 1,
                    Ok(Some(line)) => imp.read(line)?,
                    Err(e) => return Err(at(imp.unit(), imp.line, Error::invalid(e.what, e.hint))),
                }
                if imp.line.is_multiple_of(1024) || imp.batches != reported {
                    reported = imp.batches;
                    progress(&imp.progress);
                }
            }
            input.done(size);
            oldest = match imp.uncommitted() {
                false => None,
                true if imp.batches != batches => Some(Instant::now()),
                true => oldest.or_else(|| Some(Instant::now())),
            };
        }
        imp.finish(progress)
    })();
    if let Err(e) = result {
        return Err(imp.failed(e));
    }
    progress(&imp.progress);
    let seconds = started.elapsed().as_secs_f64();
    let appended = imp.appended.total();
    // A million labels and items take most of a second to free (0.8 s of
    // the importing thread at the end of the bench's import): free them on
    // a thread of their own. The command exits without waiting for it.
    let maps = (
        std::mem::take(&mut imp.labels),
        std::mem::take(&mut imp.ids),
        std::mem::take(&mut imp.claims_of),
        std::mem::take(&mut imp.annotations_of),
    );
    std::thread::spawn(move || drop(maps));
    let mut outdated: Vec<OutdatedRepeat> = imp
        .repeated_on
        .iter()
        .filter(|(claim, _)| !imp.annotated_here.contains(claim))
        .filter_map(|(&claim, &(line, repeats))| {
            let later = *imp.latest_annotation_of.get(&claim)?;
            (later > repeats).then(|| OutdatedRepeat {
                line,
                claim: ItemId::claim(claim),
                repeats: ItemId::annotation(repeats),
                later: ItemId::annotation(later),
            })
        })
        .collect();
    outdated.sort_by_key(|o| o.line);
    // Those whose retraction a line of this input repeats are a re-run's.
    let retracted_repeats: Vec<RetractedRepeat> = std::mem::take(&mut imp.retracted_repeats)
        .into_iter()
        .filter(|r| match r.repeats.kind {
            IdKind::Claim => !imp.matched_retractions.contains(&r.repeats.n),
            _ => !imp.matched_annotation_retractions.contains(&r.repeats.n),
        })
        .collect();
    Ok(Summary {
        lines: imp.line - opts.format.header_lines(),
        blank_lines: imp.blank,
        appended: imp.appended,
        skipped: imp.skipped,
        batches: imp.batches,
        batch_size: opts.batch_size,
        seconds,
        entries_per_second: if seconds > 0.0 {
            appended as f64 / seconds
        } else {
            0.0
        },
        dry_run: opts.dry_run,
        outdated,
        retracted_repeats,
        merged_sources: {
            let mut m = std::mem::take(&mut imp.merged_sources);
            m.sort_by_key(|m| m.line);
            m
        },
    })
}

/// The input's lines, read and parsed on a thread of their own while the
/// importer checks and stores the lines before them: parsing is about a
/// tenth of the importing thread's work, and that thread is the one the
/// import waits for (1,000,000 entries: 69.5–72.8 s before, 67.1–68.9 s
/// after). Lines come in groups of up to [`Reader::GROUP`] lines and
/// [`Reader::GROUP_BYTES`], each with its length in bytes; a group is an
/// error where reading failed (nothing after it is read). A group also ends
/// when the input holds no further line for now (see [`Lines::ready`]), so
/// that the lines of a program still writing reach the importer at once
/// instead of waiting for the group to fill.
///
/// The lines read and not yet imported are bounded by bytes, not only by
/// count: a source line may carry 64 MiB of inline text, and sixteen of
/// them waiting would be a gigabyte.
struct Reader {
    groups: std::sync::mpsc::Receiver<Result<Vec<ReadLine>>>,
    budget: std::sync::Arc<Budget>,
}

/// A line's length in bytes (with its newline) and what it parsed to.
type ReadLine = (u64, std::result::Result<Option<Line>, LineError>);

/// Bytes of lines read and not yet imported, and whether the import is
/// over (the reading thread then stops instead of waiting).
#[derive(Default)]
struct Budget {
    state: std::sync::Mutex<(u64, bool)>,
    freed: std::sync::Condvar,
}

impl Budget {
    /// Waits until fewer than `max` bytes are waiting, then counts `n`
    /// more. `false` once the import is over.
    fn take(&self, n: u64, max: u64) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        while s.0 >= max && !s.1 {
            s = match self.freed.wait(s) {
                Ok(s) => s,
                Err(_) => return false,
            };
        }
        s.0 += n;
        !s.1
    }

    fn give(&self, n: u64, over: bool) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = s.0.saturating_sub(n);
            s.1 |= over;
        }
        self.freed.notify_all();
    }
}

impl Reader {
    const GROUP: usize = 256;
    const GROUP_BYTES: u64 = 1 << 20;
    /// Bytes read ahead of the importer, at most (plus one group): enough
    /// that the importer does not wait for the reading thread, whatever
    /// the speed of either side.
    const AHEAD_BYTES: u64 = 16 << 20;

    /// Starts the reading thread. It is detached rather than scoped: if the
    /// import stops at a bad line, it must not wait for a reader blocked on
    /// an input that stays open (a pipe). The thread ends at the end of the
    /// input, at a read error, or once the import is over (dropping the
    /// `Reader` says so).
    fn start(input: Box<dyn Read + Send>, opts: &Options) -> Reader {
        let (tx, groups) = std::sync::mpsc::channel();
        let budget = std::sync::Arc::new(Budget::default());
        let ours = budget.clone();
        let (format, whole) = (opts.format, opts.input_bytes.is_some());
        std::thread::spawn(move || {
            let mut input: Box<dyn LineSource> = match format {
                Format::JsonLines => Box::new(JsonLines::new(input)),
                // A file is read in groups; rows from a pipe are handed on
                // one at a time, since the reader cannot tell when the
                // producer pauses (see `--flush-after`).
                Format::Csv => match spreadsheet::Rows::new(input) {
                    Ok(rows) => Box::new(CsvRows { rows, whole }),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                },
            };
            loop {
                let mut group = Vec::with_capacity(Self::GROUP);
                let (mut bytes, mut end) = (0, false);
                while group.len() < Self::GROUP && bytes < Self::GROUP_BYTES {
                    match input.next_line() {
                        Ok(Some(line)) => {
                            bytes += line.0;
                            group.push(line);
                            if !input.ready() {
                                break;
                            }
                        }
                        Ok(None) => {
                            end = true;
                            break;
                        }
                        Err(e) => {
                            // The lines before the bad one are imported first.
                            let _ = tx.send(Ok(group));
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
                if !ours.take(bytes, Self::AHEAD_BYTES) || tx.send(Ok(group)).is_err() || end {
                    return;
                }
            }
        });
        Reader { groups, budget }
    }

    /// The next group; [`Next::Quiet`] if none comes before `deadline`.
    fn next(&self, deadline: Option<Instant>) -> Next {
        use std::sync::mpsc::RecvTimeoutError;
        let got = match deadline {
            None => self
                .groups
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(d) => self
                .groups
                .recv_timeout(d.saturating_duration_since(Instant::now())),
        };
        match got {
            Ok(group) => Next::Group(group),
            Err(RecvTimeoutError::Timeout) => Next::Quiet,
            Err(RecvTimeoutError::Disconnected) => Next::End,
        }
    }

    /// A group's lines (`size` bytes) are imported: they no longer count.
    fn done(&self, size: u64) {
        self.budget.give(size, false);
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.budget.give(0, true);
    }
}

/// Where the reading thread takes its lines from.
trait LineSource: Send {
    /// The next line, with its length in bytes and what it parsed to;
    /// `None` at the end of the input.
    fn next_line(&mut self) -> Result<Option<ReadLine>>;
    /// Whether the next line can be had without waiting for the input.
    fn ready(&self) -> bool;
}

/// JSON Lines: one object a line.
struct JsonLines {
    input: Lines,
    buf: Vec<u8>,
    /// Lines read so far.
    n: u64,
}

impl JsonLines {
    fn new(input: Box<dyn Read + Send>) -> JsonLines {
        JsonLines {
            input: Lines::new(input),
            buf: Vec::new(),
            n: 0,
        }
    }
}

impl LineSource for JsonLines {
    fn next_line(&mut self) -> Result<Option<ReadLine>> {
        if !self.input.read_line(&mut self.buf, self.n + 1)? {
            return Ok(None);
        }
        self.n += 1;
        // A byte order mark, as Windows editors and PowerShell write them,
        // opens the file, not the first object.
        let line = match self.n {
            1 => self.buf.strip_prefix(UTF8_BOM).unwrap_or(&self.buf),
            _ => &self.buf,
        };
        let mut parsed = parse_line(trim_newline(line));
        if let (2.., Err(e)) = (self.n, &mut parsed) {
            // Files joined with `cat`, each saved with a byte order mark:
            // the mark, which is invisible, is not JSON.
            if line.starts_with(UTF8_BOM) {
                e.what = "starts with a byte order mark (U+FEFF), which is not JSON".into();
                e.hint = "delete it: a byte order mark may only begin the file (files joined \
                          with `cat` keep each one's)"
                    .into();
            }
            // A UTF-16 file joined after a UTF-8 one: the mark begins this
            // line, not the file, which was said to be UTF-16 and to start
            // with the mark, though its first byte was `{`.
            if crate::text::utf16_bom(line) {
                e.what = "starts with a UTF-16 byte order mark: the file is UTF-8 up to here \
                          and UTF-16 from here on (a UTF-16 file joined after it, with `cat` \
                          say), and a byte order mark may only begin the file"
                    .into();
                e.hint = "convert the UTF-16 file to UTF-8 before joining the files (`iconv -f \
                          UTF-16 -t UTF-8` converts it), and import the joined copy"
                    .into();
            }
        }
        if let Err(e) = &mut parsed {
            // Lines ended by a CR alone (classic Mac OS, some old exports)
            // are one line here, and serde_json said "malformed JSON:
            // trailing characters (column 54)". They are refused, not
            // split: JSON Lines end in LF (CRLF tolerated), and telling a
            // lone CR from the first half of a CRLF on a pipe would mean
            // waiting for the next byte; no program of a desk writes them.
            if e.what.starts_with("malformed JSON") && cr_between_objects(trim_newline(line)) {
                e.what = "the file's lines end in a CR alone (old Mac OS line ends), so this \
                          line holds several JSON objects; JSON Lines end each line in LF or CRLF"
                    .into();
                e.hint = "convert the line ends and import that copy: `tr '\\r' '\\n' < FILE \
                          > COPY` does (a JSON string holds no raw CR); CSV import reads such \
                          files as they are"
                    .into();
            }
        }
        if let Err(e) = &mut parsed {
            // The last line, with no line break after it, whose object is
            // not closed: the input was cut short (a truncated file, a
            // producer that died), which "malformed JSON: EOF while
            // parsing a string" made read as a typo in the line.
            if e.what.starts_with("malformed JSON: EOF while parsing") && !line.ends_with(b"\n") {
                e.what = "the input ends in the middle of this line (no line break after it, and its JSON object is not closed)".into();
                e.hint = "the file was cut short, or the program writing it stopped: \
                          make or fetch it whole, and import it again"
                    .into();
            }
        }
        if let (1, Err(e)) = (self.n, &mut parsed) {
            // UTF-16 without a byte order mark: a byte 00 beside each
            // letter, which was "malformed JSON: key must be a string".
            if let Some(from) =
                crate::text::utf16_without_bom(line).filter(|_| !crate::text::utf16_bom(line))
            {
                e.what = format!(
                    "the file is {from} text without a byte order mark (a byte 00 beside each letter), not UTF-8"
                );
                e.hint = format!(
                    "save it as UTF-8 (`iconv -f {from} -t UTF-8` converts it), and import that copy"
                );
            }
        }
        if let (1, Err(e)) = (self.n, &mut parsed) {
            // A spreadsheet's export given as JSON Lines (from standard
            // input, or a file not named .csv): separated by commas, or by
            // semicolons or tabs, as most of Europe's Excel and its "Text
            // (Tab delimited)" write it, which --format csv reads too.
            if e.what == "not a JSON object"
                && line.iter().any(|b| matches!(b, b',' | b';' | b'\t'))
            {
                e.hint = "if this is CSV (a header row of field names), import it with \
                          --format csv; JSON Lines hold one JSON object a line"
                    .into();
            }
        }
        Ok(Some((self.buf.len() as u64, parsed)))
    }

    fn ready(&self) -> bool {
        self.input.ready()
    }
}

/// A spreadsheet's rows ([`spreadsheet`]).
struct CsvRows {
    rows: spreadsheet::Rows<Box<dyn Read + Send>>,
    /// Whether the input is a whole file (else rows go on one at a time).
    whole: bool,
}

impl LineSource for CsvRows {
    fn next_line(&mut self) -> Result<Option<ReadLine>> {
        self.rows.next_row()
    }

    fn ready(&self) -> bool {
        self.whole
    }
}

/// U+FEFF in UTF-8.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Whether a CR stands between two JSON objects of the line (`}\r{`, white
/// space around the CR allowed): a line end of a file whose lines end in a
/// CR alone, rather than a raw CR inside a string.
fn cr_between_objects(line: &[u8]) -> bool {
    // One pass (a line may be 65 MiB): after a `}`, whether a CR came
    // among the white space since.
    let (mut closed, mut cr) = (false, false);
    for &b in line {
        match b {
            b'}' => (closed, cr) = (true, false),
            b'\r' => cr |= closed,
            b' ' | b'\t' => {}
            b'{' if closed && cr => return true,
            _ => (closed, cr) = (false, false),
        }
    }
    false
}

fn trim_newline(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\n").unwrap_or(b)
}

/// What [`Reader::next`] gives.
enum Next {
    Group(Result<Vec<ReadLine>>),
    /// No line came before the deadline: the input pauses.
    Quiet,
    /// The input has ended (or failed, which the last group says).
    End,
}

/// The input, read in blocks into a buffer of its own, so that the reading
/// thread knows when it has handed over every line the input holds for now
/// (a `BufRead` would block to find out).
struct Lines {
    input: Box<dyn Read + Send>,
    block: Vec<u8>,
    /// The part of `block` not consumed yet.
    start: usize,
    end: usize,
    /// Whether the last read returned less than it asked for: a pipe or a
    /// terminal that held no more for now, or the end of a file.
    short: bool,
}

impl Lines {
    const BLOCK: usize = 1 << 16;

    fn new(input: Box<dyn Read + Send>) -> Lines {
        Lines {
            input,
            block: vec![0; Self::BLOCK],
            start: 0,
            end: 0,
            short: false,
        }
    }

    /// Whether the next line can be read without waiting for the input: it
    /// is already in the buffer, or the last read filled the buffer (a file
    /// being read, a producer ahead of the import).
    fn ready(&self) -> bool {
        !self.short || self.block[self.start..self.end].contains(&b'\n')
    }

    /// Reads one line (with its `\n`, if any) into `buf`, refusing lines
    /// longer than [`MAX_LINE_BYTES`]. `false` at the end of the input.
    fn read_line(&mut self, buf: &mut Vec<u8>, n: u64) -> Result<bool> {
        buf.clear();
        loop {
            let chunk = &self.block[self.start..self.end];
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if buf.len() + take > MAX_LINE_BYTES + 1 {
                return Err(Error::invalid(
                    format!("line {n}: longer than {} MiB", MAX_LINE_BYTES >> 20),
                    // Not yet parsed, the line may be of any type: the
                    // hint spoke of sources only (red team Y, F8).
                    "only a source's text may be that long, given with \"file\" instead of \"text\"; a line of any other type holds at most 1 MiB, as its entry does",
                ));
            }
            buf.extend_from_slice(&chunk[..take]);
            self.start += take;
            if done {
                return Ok(true);
            }
            let read = loop {
                match self.input.read(&mut self.block) {
                    Ok(read) => break read,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(Error::Io {
                            path: PathBuf::from("the import file"),
                            reason: crate::keys::io_reason(&e),
                        })
                    }
                }
            };
            (self.start, self.end) = (0, read);
            self.short = read < self.block.len();
            if read == 0 {
                return Ok(!buf.is_empty());
            }
        }
    }
}

/// A label's definition: the kind of item, the line that defined it, and
/// the item (still in the open batch, or committed).
struct Label {
    kind: IdKind,
    line: u64,
    state: LabelState,
}

#[derive(Clone, Copy)]
enum LabelState {
    /// Its line is queued, waiting for an item it refers to.
    Waiting,
    /// Position of the entry in the open batch.
    Pending(usize),
    Done(Ref),
}

/// Entries of the log from before this run that lines may turn out to be:
/// body digest → the items with that body, oldest first, those retracted
/// after those that stand. A claim retracted and then recorded again (the
/// same bytes, `claim add` once more, as the import's note advises) is
/// two items of one body: a line matched the retracted one, said again
/// that it stays retracted, and its label named it, so that a later line
/// annotating `@label` was refused.
type Existing = HashMap<[u8; 32], VecDeque<Held>>;

/// An item of the log from before this run ([`Existing`]), and its
/// retraction, if one withdrew it: read with the item, in the one query
/// per source or claim, rather than looked up for every line skipped as
/// it (a re-run skips every line).
struct Held {
    item: Ref,
    /// The retracting entry, and the claim that replaces a claim, if any.
    retracted: Option<(Seq, Option<ItemId>)>,
}

/// The batch being filled.
#[derive(Default)]
struct Batch {
    /// Entries handed to the append path.
    len: usize,
    /// Texts of the batch's sources, by position (a waiting claim's quote
    /// is checked against them at once).
    texts: HashMap<usize, Vec<u8>>,
    /// Kind of each entry.
    kinds: Vec<Kind>,
    /// Labels defined by lines of this batch (pointing at entries of it).
    labels: Vec<String>,
    /// Source texts in this batch, so a repeated text within it is caught.
    shas: HashMap<Hash, usize>,
    /// What each source line of the batch said of its text (kind, title,
    /// publisher, author, url, published), by position: a later line of
    /// the same bytes that says otherwise is told, as one whose source the
    /// log held before the run is.
    said: HashMap<usize, [Option<String>; 6]>,
    /// Lines merged into the source at a position of this batch, with the
    /// fields they gave otherwise; their `source` is set when the batch
    /// gives the source its id.
    merged: Vec<(usize, MergedSource)>,
    text_bytes: usize,
    /// First and last line with an entry in the batch (0 when empty).
    first_line: u64,
    last_line: u64,
}

/// The items a run's lines retract, and the annotations they supersede,
/// as the file names them (`C4`, `@a`), with the line's number: two lines
/// for one item are a fault of the file alone, said in its terms before
/// anything is committed. The item retracted by a first line was
/// committed when a second retraction line closed its batch, and the
/// second was told "already retracted at entry 22", an entry a dry run
/// never kept. An annotation retraction may free what its annotation
/// superseded, and may name it by an id not known yet: from there on the
/// supersession check is left to the append path.
///
/// A later line that uses an item an earlier line retracts (annotates the
/// claim, cites it, names it as a replacement, supersedes the annotation)
/// is a fault of the file alone too, and is said so: it was found by the
/// append path once the lines before the retraction were committed, and
/// told "C5 was retracted at entry 21", an entry of the batch it was in,
/// which was rolled back and never in the log.
#[derive(Clone, Default)]
struct InFile {
    /// Claims retracted, as the file names them.
    retracted: std::collections::HashMap<String, u64>,
    /// Annotations retracted, as the file names them.
    retracted_annotations: std::collections::HashMap<String, u64>,
    superseded: std::collections::HashMap<String, u64>,
    /// The Latin speakers of the claim lines so far, by their ASCII lower
    /// case, with the spelling and line: a speaker in letters of another
    /// script that print like one (`ВВС` after `BBC`) is a fault of the
    /// lines alone, refused before anything is committed (the append path
    /// found it only once the lines before it were committed).
    latin_speakers: std::collections::HashMap<String, (String, u64)>,
    /// The claim each labelled annotation line judges, as the file names
    /// it ([`item_key`]), with the line: a later line that supersedes
    /// `@label` must judge the same claim. Found only when the line was
    /// taken, a 3-line file ended in exit 2 with its first 2 lines
    /// committed (red team P, F1).
    /// By the line of each labelled annotation, the claim it judges: the
    /// line that creates it (`@c`), or its id. Numbers, not names: a
    /// million-line import held a million strings here (140 MB).
    annotation_claims: std::collections::HashMap<u64, ClaimAt>,
}

/// The claim an annotation line judges, as the look-ahead knows it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClaimAt {
    /// The claim this line of the file creates (by its label).
    Line(u64),
    /// A claim of the log, by its id.
    Id(crate::model::ItemId),
}

/// How the lines of one file name an item, for [`InFile`]'s maps: an id
/// as the log writes it (`c5` and ` C5` are C5, as import reads them
/// everywhere else: a retraction of `c5` slipped past the check of a
/// later `C5` line), a label (`@k`) as it is.
fn item_key(given: &str) -> String {
    match given.trim().parse::<crate::model::ItemId>() {
        Ok(id) => id.to_string(),
        Err(_) => given.to_string(),
    }
}

impl InFile {
    /// Takes in line `n`, or says which earlier line it repeats.
    fn note(
        &mut self,
        line: &Line,
        n: u64,
        format: Format,
        defined: &dyn Fn(&str) -> Option<u64>,
    ) -> Result<()> {
        let unit = format.unit();
        let once = |seen: &mut std::collections::HashMap<String, u64>,
                    item: &str,
                    done: &str,
                    hint: &str|
         -> Result<()> {
            let item = item_key(item);
            if let Some(first) = seen.get(&item) {
                return Err(Error::invalid(
                    format!(
                        "{} is already {done} by {unit} {first} of this import",
                        text::escape(&item)
                    ),
                    hint,
                ));
            }
            seen.insert(item, n);
            Ok(())
        };
        if let Line::Claim(l) = line {
            match text::latin_lookalike(&l.speaker) {
                Some(latin) => {
                    if let Some((earlier, first)) =
                        self.latin_speakers.get(&latin.to_ascii_lowercase())
                    {
                        return Err(crate::log::lookalike_speaker(
                            &l.speaker,
                            earlier,
                            &format!("a speaker given at {unit} {first} of this import"),
                        ));
                    }
                }
                None if l.speaker.is_ascii() => {
                    let key = l.speaker.to_ascii_lowercase();
                    self.latin_speakers
                        .entry(key)
                        .or_insert_with(|| (l.speaker.clone(), n));
                }
                None => {}
            }
        }
        self.uses_retracted(line, unit)?;
        match line {
            Line::Retraction(l) => once(
                &mut self.retracted,
                &l.claim,
                "retracted",
                "an item is retracted once: delete one of the two lines",
            ),
            Line::AnnotationRetraction(l) => {
                self.superseded.clear();
                once(
                    &mut self.retracted_annotations,
                    &l.annotation,
                    "retracted",
                    "an item is retracted once: delete one of the two lines",
                )
            }
            Line::Annotation(l) => {
                let claim = match l.claim.strip_prefix('@') {
                    Some(name) => defined(name).map(ClaimAt::Line),
                    None => l.claim.trim().parse().ok().map(ClaimAt::Id),
                };
                let superseded = l
                    .supersedes
                    .as_deref()
                    .and_then(|s| s.strip_prefix('@'))
                    .and_then(defined)
                    .and_then(|m| Some((m, *self.annotation_claims.get(&m)?)));
                if let (Some(claim), Some((first, of))) = (claim, superseded) {
                    // Two ids, two labels, or a label beside an id: a
                    // label's claim is one the file creates, and the file
                    // refers to those by label alone.
                    if of != claim {
                        let named = |c: ClaimAt| match c {
                            ClaimAt::Line(m) => format!("the claim {unit} {m} creates"),
                            ClaimAt::Id(id) => id.to_string(),
                        };
                        let s = l.supersedes.as_deref().unwrap_or_default();
                        return Err(Error::invalid(
                            format!(
                                "{} is the annotation {unit} {first} makes of {}, not of {}, so it cannot be superseded by this one",
                                text::escape(s),
                                named(of),
                                named(claim)
                            ),
                            format!(
                                "to replace it, annotate {} instead; to judge {} beside it, leave \"supersedes\" out",
                                named(of),
                                named(claim)
                            ),
                        ));
                    }
                }
                if let (Some(_), Some(claim)) = (&l.label, claim) {
                    self.annotation_claims.insert(n, claim);
                }
                match &l.supersedes {
                    Some(s) => once(
                        &mut self.superseded,
                        s,
                        "superseded",
                        "supersede the annotation that line makes (give it a label), or drop one of the two",
                    ),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Refuses a line that uses an item an earlier line of the file
    /// retracts: the append path refuses it too, but only once the lines
    /// before the retraction are committed (see the type's doc).
    fn uses_retracted(&self, line: &Line, unit: &str) -> Result<()> {
        let refused = |field: &str, item: &str, first: u64, hint: &str| {
            Error::invalid(
                format!(
                    "{field}{} is retracted by {unit} {first} of this import",
                    text::escape(&item_key(item))
                ),
                hint,
            )
        };
        match line {
            Line::Annotation(l) => {
                if let Some(&first) = self.retracted.get(&item_key(&l.claim)) {
                    return Err(refused(
                        "",
                        &l.claim,
                        first,
                        &format!(
                            "a retracted claim takes no new annotation: annotate the claim that \
                             replaces it, or put this {unit} before the retraction"
                        ),
                    ));
                }
                for (field, list) in [
                    ("corroborates", &l.corroborates),
                    ("contradicts", &l.contradicts),
                ] {
                    if let Some((r, &first)) = list
                        .iter()
                        .find_map(|r| self.retracted.get(&item_key(r)).map(|first| (r, first)))
                    {
                        return Err(refused(
                            &format!("{field}: "),
                            r,
                            first,
                            &format!(
                                "a retracted claim is no evidence: name the claim that replaces \
                                 it, or take {} out of {field}",
                                text::escape(r)
                            ),
                        ));
                    }
                }
                if let Some((s, &first)) = l.supersedes.as_ref().and_then(|s| {
                    self.retracted_annotations
                        .get(&item_key(s))
                        .map(|first| (s, first))
                }) {
                    return Err(refused(
                        "supersedes: ",
                        s,
                        first,
                        "a retracted annotation is superseded by nothing: leave supersedes out",
                    ));
                }
            }
            Line::Retraction(RetractionLine {
                replaced_by: Some(r),
                ..
            }) => {
                if let Some(&first) = self.retracted.get(&item_key(r)) {
                    return Err(refused(
                        "replaced_by: ",
                        r,
                        first,
                        "name a claim that stands",
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

struct Importer<'a> {
    store: &'a Store,
    /// The append path, which each batch's entries go to as they are made.
    bulk: Bulk<'a>,
    checkpointer: Checkpointer,
    signer: &'a Signer,
    opts: &'a Options,
    key: std::rc::Rc<KeyInfo>,
    /// Kinds the key's role was checked for.
    allowed: Vec<Kind>,
    /// Highest S, C and A number before this run: ids above were created
    /// by it, and only items up to them can be "already imported".
    start: Counts,
    labels: HashMap<String, Label>,
    /// References resolved from ids, so repeated ids cost one lookup.
    ids: HashMap<ItemId, Ref>,
    /// Items that lines of this file record and that were in the log
    /// already (an earlier run of it, interrupted or not): by the line.
    /// An id refers to none of them, as to none this run creates.
    found: HashMap<ItemId, u64>,
    texts: HashMap<u64, Rc<str>>,
    text_bytes: usize,
    /// The last entry before this run (a retraction at or before it may
    /// be the one a retraction line re-imports).
    start_seq: u64,
    /// Claims whose retraction from before this run a line has matched.
    matched_retractions: std::collections::HashSet<u64>,
    /// Annotations whose retraction from before this run a line has
    /// matched.
    matched_annotation_retractions: std::collections::HashSet<u64>,
    /// Source amendments from before this run (by seq) a line has matched.
    matched_amendments: std::collections::HashSet<u64>,
    /// Annotations a line of this run superseded (`query::supersedable`),
    /// with that line's number.
    superseded: std::collections::HashMap<u64, u64>,
    /// Annotations a line of this run retracted: what one of them
    /// superseded may be superseded again, as `annotate` allows once the
    /// retraction is in the log (the file was refused).
    retracted_here: std::collections::HashSet<u64>,
    /// What the file's lines retract and supersede, as they name it.
    in_file: InFile,
    /// The last line [`Importer::look_ahead`] noted in `in_file`.
    noted_through: u64,
    /// This key's claims, per source, and annotations, per claim.
    claims_of: HashMap<u64, Existing>,
    annotations_of: HashMap<u64, Existing>,
    /// Per claim: the id of this key's latest annotation of it before
    /// this run, the latest of them that a line repeated (with the line),
    /// and whether a line of this run annotates it anew ([`OutdatedRepeat`]).
    latest_annotation_of: HashMap<u64, u64>,
    repeated_on: HashMap<u64, (u64, u64)>,
    /// Lines skipped as items of the log that are retracted
    /// ([`RetractedRepeat`]), before the input's own retractions are known.
    retracted_repeats: Vec<RetractedRepeat>,
    annotated_here: std::collections::HashSet<u64>,
    /// Source lines skipped as the log's sources of the same bytes that
    /// say other things of them ([`MergedSource`]).
    merged_sources: Vec<MergedSource>,
    /// The line that made each source this run appended, by its text's
    /// hash: a later line of the same bytes names it (a dry run's log
    /// holds nothing to name).
    made: HashMap<Hash, u64>,
    /// The claims this run appends (place, speaker as written,
    /// paraphrase), each with its line.
    claimed: HashMap<query::ClaimKey, u64>,
    batch: Batch,
    /// Lines (by number) waiting for an item they refer to.
    queue: std::collections::BTreeMap<u64, Line>,
    /// The queued lines by the label each was last found waiting on: a
    /// line is looked at again only once that label's item is appended
    /// (or found in the log). Every queued line was looked at after each
    /// commit, and a chain of lines each superseding the one before (one
    /// commit a line) cost the square of its length: 20,000 lines 99.5 s
    /// (red team Y, F4).
    waiters: HashMap<String, Vec<u64>>,
    /// Queued lines to look at again, in line order.
    ready: std::collections::BTreeSet<u64>,
    /// Labels whose item got its entry hash since [`Importer::wake`] last
    /// ran.
    newly_done: Vec<String>,
    /// The number of the line read last (a CSV input's header is 1).
    line: u64,
    blank: u64,
    appended: Counts,
    skipped: Counts,
    batches: u64,
    /// Lines (first, last) of the batch settled and not yet committed.
    settled: Option<(u64, u64)>,
    /// Its share of a full batch, for the checkpointer.
    settled_weight: u64,
    progress: Progress,
    /// What is committed, for an interrupt to report.
    committed: Arc<Committed>,
}

/// What an import has committed, kept where an interrupt can read it: the
/// line an import stopped by Ctrl-C leaves says how much the log kept
/// ([`interrupt::say_on_interrupt`]). Updated with the commit, both under
/// [`interrupt::hold_off`], so the line is exact: a batch being committed
/// when the signal comes is committed and counted first.
#[derive(Debug, Default)]
struct Committed {
    entries: AtomicU64,
    batches: AtomicU64,
    /// A dry run's batches are never committed.
    dry_run: bool,
}

impl Committed {
    /// The line, in the one-line form of errors.
    fn said(&self) -> String {
        if self.dry_run {
            return "import --dry-run interrupted: nothing was written to the log".to_string();
        }
        let entries = self.entries.load(Ordering::SeqCst);
        let batches = self.batches.load(Ordering::SeqCst);
        if batches == 0 {
            return "import interrupted: nothing was appended (hint: run the same import again)"
                .to_string();
        }
        format!(
            "import interrupted: {} {} appended in {}, and the lines read after them were not (hint: run the same import again: it skips what is already in the log and appends the rest)",
            text::count(entries, "entry"),
            if entries == 1 { "was" } else { "were" },
            text::count(batches, "batch"),
        )
    }
}

impl<'a> Importer<'a> {
    fn new(
        store: &'a Store,
        signer: &'a Signer,
        opts: &'a Options,
        bulk: Bulk<'a>,
        checkpointer: Checkpointer,
    ) -> Result<Importer<'a>> {
        if opts.batch_size == 0 || opts.batch_size > MAX_BATCH_SIZE {
            return Err(Error::invalid(
                format!("batch size {} is out of range", opts.batch_size),
                format!("use 1 to {MAX_BATCH_SIZE}"),
            ));
        }
        // A log without its log.init entry is refused here, before any line.
        store.origin()?;
        let fp = signer.fingerprint().clone();
        let history = StoreHistory { conn: store.conn() };
        let key = history
            .key(&fp)?
            .ok_or_else(|| Error::NotEnrolled(fp.clone()))?;
        if let Some(r) = key.revoked {
            return Err(crate::log::revoked(&history, fp, &key.name, r)?);
        }
        let conn = store.conn();
        let start = Counts {
            sources: max_id(conn, "sources")?,
            claims: max_id(conn, "claims")?,
            annotations: max_id(conn, "annotations")?,
            retractions: 0,
            annotation_retractions: 0,
            source_amendments: 0,
        };
        let start_seq = crate::store::head(conn)?.map_or(0, |(s, _)| s.0);
        Ok(Importer {
            store,
            bulk,
            checkpointer,
            signer,
            opts,
            key,
            allowed: Vec::new(),
            start,
            labels: HashMap::default(),
            ids: HashMap::default(),
            found: HashMap::default(),
            texts: HashMap::default(),
            text_bytes: 0,
            start_seq,
            matched_retractions: Default::default(),
            matched_annotation_retractions: Default::default(),
            matched_amendments: Default::default(),
            claimed: Default::default(),
            superseded: Default::default(),
            retracted_here: Default::default(),
            in_file: InFile::default(),
            noted_through: 0,
            claims_of: HashMap::default(),
            annotations_of: HashMap::default(),
            latest_annotation_of: HashMap::default(),
            repeated_on: HashMap::default(),
            retracted_repeats: Vec::new(),
            annotated_here: Default::default(),
            merged_sources: Vec::new(),
            made: HashMap::default(),
            batch: Batch::default(),
            queue: Default::default(),
            waiters: HashMap::default(),
            ready: Default::default(),
            newly_done: Vec::new(),
            line: opts.format.header_lines(),
            blank: 0,
            appended: Counts::default(),
            skipped: Counts::default(),
            batches: 0,
            settled: None,
            settled_weight: 0,
            progress: Progress::default(),
            committed: Arc::new(Committed {
                dry_run: opts.dry_run,
                ..Committed::default()
            }),
        })
    }

    /// Sizes the label map for the lines the input is expected to hold: its
    /// length at the first group's bytes per line. Grown by doubling
    /// instead, the map rehashes every label on the importing thread, and
    /// the signing thread has nothing to sign meanwhile: the step from
    /// 917,504 labels stopped it for about a second in the bench's import.
    /// The estimate is a guess (a file may start with long source lines), so
    /// it is kept below [`EXPECT_MAX`]: a map too large costs memory, one
    /// too small only the growth it would have had anyway.
    fn expect(&mut self, input_bytes: Option<u64>, group_bytes: u64, group_lines: usize) {
        self.labels
            .reserve(expected_lines(input_bytes, group_bytes, group_lines));
    }

    /// Commits the batch settled before the error (it is complete, and the
    /// lines before the bad one are in it or before it), then adds to the
    /// error what stays committed, and how to finish.
    /// What a line is called in messages: "line", or "row" of a CSV input.
    fn unit(&self) -> &'static str {
        self.opts.format.unit()
    }

    fn failed(&mut self, e: Error) -> Error {
        if let Err(c) = self.committed() {
            return c;
        }
        let (what, hint, fix) = match e {
            // Said whole: what was committed went to the file replaced.
            e @ Error::LogReplaced(_) => return e,
            Error::Invalid { what, hint } => {
                (what, hint, format!("fix the {} and run", self.unit()))
            }
            // Any other error after a batch was committed (the lock held
            // past the timeout, a disk that refused a write): said as it
            // is, with what stays committed, as a bad line's error says it
            // (it said only "try again", with 41,871 entries appended).
            e if self.batches > 0 && !self.opts.dry_run => (
                e.to_string(),
                e.hint(),
                "once that is fixed, run".to_string(),
            ),
            e => return e,
        };
        let hint = if self.opts.dry_run {
            format!("{hint}; a dry run: nothing was written to the log")
        } else if self.batches == 0 {
            format!("{hint}; nothing was imported")
        } else {
            // What is committed: the batch a failed commit held is not.
            let n = self.committed.entries.load(Ordering::SeqCst);
            format!(
                "{hint}; {} {} appended in {} before the error was found: {fix} the same import again, it skips what is already in the log",
                text::count(n, "entry"),
                if n == 1 { "was" } else { "were" },
                text::count(self.batches, "batch"),
            )
        };
        Error::invalid(what, hint)
    }

    /// Takes the next line of the file: checks what can be checked on its
    /// own, then processes it now, or queues it while it refers to an item
    /// that is not appended yet.
    fn read(&mut self, line: Line) -> Result<()> {
        let n = self.line;
        line.check_given().map_err(|e| at(self.unit(), n, e))?;
        if let (Some(label), Some(kind)) = (line.label(), line.creates()) {
            let before = self.labels.get(label).map(|l| l.line);
            definition_refusal(&line, label, before, self.opts.format)
                .map_err(|e| at(self.unit(), n, e))?;
            self.labels.insert(
                label.to_string(),
                Label {
                    kind,
                    line: n,
                    state: LabelState::Waiting,
                },
            );
        }
        self.check_role(line.entry_kind())
            .map_err(|e| at(self.unit(), n, e))?;
        // Two lines that retract the same item, or supersede the same
        // annotation, as the file names it: refused as the second is read
        // (and, before anything is committed, before any line of its group
        // is taken: `run`).
        if n > self.noted_through {
            let labels = &self.labels;
            self.in_file
                .note(&line, n, self.opts.format, &|name| {
                    labels.get(name).map(|l| l.line)
                })
                .map_err(|e| at(self.unit(), n, e))?;
        }
        if matches!(
            line,
            Line::Retraction(_) | Line::AnnotationRetraction(_) | Line::SourceAmendment(_)
        ) {
            return self.retract(n, line);
        }
        if self.waits(&line) {
            if matches!(line, Line::Source(_)) {
                // A source derived from one of the open batch does not
                // wait: the batch is appended first. So a source is never
                // queued, and every label naming a source (two lines with
                // the same text name one source) is ready at the same time,
                // which keeps identical claims in order (see the module doc).
                self.commit()?;
            } else {
                self.precheck(&line).map_err(|e| at(self.unit(), n, e))?;
                self.enqueue(n, line);
                if self.queue.len() >= self.opts.batch_size {
                    self.commit()?;
                }
                return Ok(());
            }
        }
        self.process(n, line)?;
        if self.batch_full() {
            self.commit()?;
        }
        Ok(())
    }

    /// Checks a line that must wait for an earlier batch as far as it can
    /// be checked now, so that most bad lines are reported before anything
    /// of the batch they wait for is committed: its references, its fields,
    /// and a claim's quote or span when its source is in the open batch.
    /// The rest is checked when its entry is built.
    fn precheck(&mut self, line: &Line) -> Result<()> {
        for (field, r, want) in line.typed_references() {
            match r.strip_prefix('@') {
                Some(name) => {
                    self.label(field, name, want)?;
                }
                None => {
                    self.resolve_id(field, r, want)?;
                }
            }
        }
        match line {
            // Sources never wait (see `read`); a retraction is checked
            // against the log by the append path, in its batch.
            Line::Source(_)
            | Line::Retraction(_)
            | Line::AnnotationRetraction(_)
            | Line::SourceAmendment(_) => {}
            Line::Claim(l) => {
                let at = l.place()?;
                let pending = l
                    .source
                    .strip_prefix('@')
                    .and_then(|name| self.labels.get(name))
                    .and_then(|label| match label.state {
                        LabelState::Pending(pos) => self.batch.texts.get(&pos),
                        _ => None,
                    })
                    .and_then(|b| std::str::from_utf8(b).ok());
                if let Some(src) = pending {
                    let spelling = self.opts.format.spelling();
                    let (start, end) = locate(src, at, &l.source, spelling)?;
                    // A quote of white space, or with white space at its
                    // edges, is seen in the pending text as well.
                    if let Some(quote) = src.get(start..end) {
                        crate::log::quote_says_words(spelling, quote, (start, end))?;
                    }
                }
                if l.speaker.trim().is_empty() {
                    return Err(Error::invalid(
                        "the speaker is empty",
                        "give who said it, as the source names them",
                    ));
                }
            }
            Line::Annotation(_) => line.check_lists()?,
        }
        Ok(())
    }

    /// Whether a line refers to an item that has no entry hash yet: one of
    /// the open batch, or of a line still queued.
    fn waits(&self, line: &Line) -> bool {
        self.blocker(line).is_some()
    }

    /// The first label a line refers to whose item has no entry hash yet.
    fn blocker(&self, line: &Line) -> Option<String> {
        line.references().iter().find_map(|r| {
            r.strip_prefix('@')
                .filter(|l| {
                    self.labels
                        .get(*l)
                        .is_some_and(|l| !matches!(l.state, LabelState::Done(_)))
                })
                .map(str::to_string)
        })
    }

    /// Queues line `n`, which waits, under the label it waits on.
    fn enqueue(&mut self, n: u64, line: Line) {
        if let Some(label) = self.blocker(&line) {
            self.waiters.entry(label).or_default().push(n);
        } else {
            self.ready.insert(n);
        }
        self.queue.insert(n, line);
    }

    /// Marks for a second look the queued lines that waited on a label
    /// whose item has its entry hash now.
    fn wake(&mut self) {
        for label in std::mem::take(&mut self.newly_done) {
            if let Some(lines) = self.waiters.remove(&label) {
                self.ready.extend(lines);
            }
        }
    }

    fn batch_full(&self) -> bool {
        self.batch.len >= self.opts.batch_size || self.batch.text_bytes >= MAX_BATCH_TEXT_BYTES
    }

    /// Builds and checks line `n`'s entry and puts it in the open batch, or
    /// finds it already in the log.
    fn process(&mut self, n: u64, line: Line) -> Result<()> {
        let kind = line.entry_kind();
        let label = line.label().map(str::to_string);
        let outcome = match line {
            Line::Source(l) => self.source(n, l),
            Line::Claim(l) => self.claim(n, l),
            Line::Annotation(l) => self.annotation(n, l),
            Line::Retraction(l) => self.retraction(l),
            Line::AnnotationRetraction(l) => self.annotation_retraction(l),
            Line::SourceAmendment(l) => self.source_amendment(l),
        }
        .map_err(|e| at(self.unit(), n, e))?;
        let state = match outcome {
            Outcome::Skipped(state) => {
                self.skipped.add(kind);
                self.progress.skipped += 1;
                if let LabelState::Done(r) = state {
                    self.found.entry(r.id).or_insert(n);
                }
                state
            }
            Outcome::SkippedEntry => {
                self.skipped.add(kind);
                self.progress.skipped += 1;
                return Ok(());
            }
            Outcome::Append(entry) => {
                // The commands' input rules (`log::precheck`): the texts'
                // were checked as the line was read (`Line::check_given`);
                // a retraction's reason is also held to the placeholder
                // rule here (the texts are not scanned a second time).
                if matches!(
                    entry.body,
                    crate::model::Body::ClaimRetract(_)
                        | crate::model::Body::AnnotationRetract(_)
                        | crate::model::Body::SourceAmend(_)
                ) {
                    crate::log::precheck(&entry.body).map_err(|e| at(self.unit(), n, e))?;
                }
                let b = &mut self.batch;
                b.first_line = if b.len == 0 { n } else { b.first_line.min(n) };
                b.last_line = b.last_line.max(n);
                let pos = b.len;
                if let Some(text) = &entry.blob {
                    b.texts.insert(pos, text.clone());
                }
                let (first, last) = (b.first_line, b.last_line);
                let claim = match &entry.body {
                    crate::model::Body::ClaimAdd(c) => Some(c.clone()),
                    _ => None,
                };
                // The append path's check is the line's only check: its
                // refusal is the line's error, but for a claim another
                // process added meanwhile.
                let pushed = self
                    .bulk
                    .try_push(*entry)
                    .map_err(|e| in_batch(self.unit(), first, last, e))?;
                match pushed {
                    Ok(()) => {
                        self.batch.len += 1;
                        self.batch.kinds.push(kind);
                        LabelState::Pending(pos)
                    }
                    Err(e) => match claim.map(|c| self.added_meanwhile(&c)).transpose()? {
                        Some(Some(held)) => {
                            self.skipped.add(kind);
                            self.progress.skipped += 1;
                            let r = self.skipped(n, held);
                            self.found.entry(r.id).or_insert(n);
                            LabelState::Done(r)
                        }
                        _ => return Err(at(self.unit(), n, for_import(e))),
                    },
                }
            }
        };
        if let Some(label) = label {
            if matches!(state, LabelState::Pending(_)) {
                self.batch.labels.push(label.clone());
            }
            if matches!(state, LabelState::Done(_)) {
                self.newly_done.push(label.clone());
            }
            if let Some(l) = self.labels.get_mut(&label) {
                l.state = state;
            }
        }
        Ok(())
    }

    fn check_role(&mut self, kind: Kind) -> Result<()> {
        if self.allowed.contains(&kind) {
            return Ok(());
        }
        self.role_refusal(kind)?;
        self.allowed.push(kind);
        Ok(())
    }

    /// Whether the key's role may append entries of `kind`.
    fn role_refusal(&self, kind: Kind) -> Result<()> {
        if !kind.allowed_roles().contains(&self.key.role) {
            return Err(Error::role(
                self.signer.fingerprint().clone(),
                &self.key.name,
                self.key.role,
                kind,
            ));
        }
        Ok(())
    }

    /// Resolves a reference as written in the file: `@label` (defined by an
    /// earlier line) or an id that existed before the import started.
    fn resolve(&mut self, field: &str, s: &str, want: IdKind) -> Result<Ref> {
        if let Some(name) = s.strip_prefix('@') {
            let l = self.label(field, name, want)?;
            return match l.state {
                LabelState::Done(r) => Ok(r),
                _ => Err(Error::Internal(format!(
                    "@{name} has no entry yet when it is referred to"
                ))),
            };
        }
        self.resolve_id(field, s, want)
    }

    /// The definition of a label used in `field`, which needs a `want`.
    fn label(&self, field: &str, name: &str, want: IdKind) -> Result<&Label> {
        let l = self.labels.get(name);
        reference_refusal(
            field,
            name,
            want,
            l.map(|l| (l.kind, l.line)),
            self.opts.format,
        )?;
        l.ok_or_else(|| Error::Internal(format!("@{name} passed as defined and is not")))
    }

    /// What `read` checks of the lines of a group before any of them is
    /// taken, while nothing of the import is committed, as far as the
    /// lines alone and the labels tell: each line's own fields
    /// ([`Line::check_given`]), the key's role for its kind, its label,
    /// the labels it refers to and how its ids are written, its lists
    /// ([`Line::check_lists`]), and two lines for one retraction or
    /// supersession. A retraction, or a source derived from one still in
    /// the batch, commits the lines before it early, and a fault further
    /// on ended in exit 2 with those lines appended. What only the log can tell (an id that does not exist, a
    /// quote not in its source, a claim retracted by an earlier run) is
    /// still found where its line is taken.
    fn look_ahead(&mut self, group: &[ReadLine]) -> Result<()> {
        // The group's lines are noted in the file's one [`InFile`] here,
        // and not again as they are read: checked on a copy, a file of
        // 50,000 speakers copied the ones before for every group (import
        // of one quote by 50,000 speakers at 4,118 entries/s, 8,372
        // without the copy).
        let mut in_file = std::mem::take(&mut self.in_file);
        let checked = self.look_ahead_in(group, &mut in_file);
        self.in_file = in_file;
        checked?;
        self.noted_through = self.line + group.len() as u64;
        Ok(())
    }

    fn look_ahead_in(&self, group: &[ReadLine], in_file: &mut InFile) -> Result<()> {
        // Parse errors first, wherever they are in the group.
        for (k, (_, parsed)) in group.iter().enumerate() {
            if let Err(e) = parsed {
                let n = self.line + k as u64 + 1;
                let e = Error::invalid(e.what.clone(), e.hint.clone());
                return Err(at(self.unit(), n, e));
            }
        }
        let format = self.opts.format;
        // The labels the group's lines define, with their kind and line.
        let mut here: HashMap<&str, (IdKind, u64)> = HashMap::default();
        let defined = |here: &HashMap<&str, (IdKind, u64)>, name: &str| {
            here.get(name)
                .copied()
                .or_else(|| self.labels.get(name).map(|l| (l.kind, l.line)))
        };
        for (k, (_, parsed)) in group.iter().enumerate() {
            let Ok(Some(line)) = parsed else { continue };
            let n = self.line + k as u64 + 1;
            let refused = |e| at(self.unit(), n, e);
            line.check_given().map_err(refused)?;
            let created = line.label().zip(line.creates());
            if let Some((label, _)) = created {
                let before = defined(&here, label).map(|(_, line)| line);
                definition_refusal(line, label, before, format).map_err(refused)?;
            }
            self.role_refusal(line.entry_kind()).map_err(refused)?;
            in_file
                .note(line, n, format, &|name| {
                    defined(&here, name).map(|(_, l)| l)
                })
                .map_err(refused)?;
            for (field, r, want) in line.typed_references() {
                match r.strip_prefix('@') {
                    Some(name) => {
                        reference_refusal(field, name, want, defined(&here, name), format)
                    }
                    None => id_of(field, r, want).map(drop),
                }
                .map_err(refused)?;
            }
            line.check_lists().map_err(refused)?;
            if let Line::Annotation(l) = line {
                self.supersedes_refusal(l).map_err(refused)?;
            }
            if let Some((label, kind)) = created {
                here.insert(label, (kind, n));
            }
        }
        Ok(())
    }

    /// An annotation line that supersedes, by its id, an annotation of
    /// the log of another claim than the line's: refused before anything
    /// is committed, as an unknown id is. Found only when the line was
    /// taken, it ended a 4-line file in exit 2 with 3 entries committed,
    /// one of them from the line after it (a line that waits for an
    /// earlier line's item goes after the lines read since). A claim the
    /// file creates (`@c`) is another claim than any of the log's.
    fn supersedes_refusal(&self, l: &AnnotationLine) -> Result<()> {
        let Some(given) = l.supersedes.as_deref().filter(|s| !s.starts_with('@')) else {
            return Ok(());
        };
        let Ok(old) = id_of("supersedes", given, IdKind::Annotation) else {
            return Ok(());
        };
        if old.n > self.start.annotations {
            return Ok(());
        }
        let of: Option<i64> = self
            .store
            .conn()
            .prepare_cached("SELECT claim_id FROM annotations WHERE id = ?")?
            .query_row([old.n as i64], |r| r.get(0))
            .optional()?;
        let Some(of) = of.map(|n| ItemId::claim(n as u64)) else {
            return Ok(());
        };
        let claim = match l.claim.strip_prefix('@') {
            Some(_) => format!("the claim {} creates", text::escape(&l.claim)),
            None => match id_of("claim", &l.claim, IdKind::Claim) {
                Ok(c) if c == of => return Ok(()),
                Ok(c) => c.to_string(),
                Err(_) => return Ok(()),
            },
        };
        Err(Error::invalid(
            format!("{old} is an annotation of {of}, not of {claim}, so it cannot be superseded by this one"),
            format!("to replace it, annotate {of} with \"supersedes\": \"{old}\"; to judge {claim} beside it, leave \"supersedes\" out"),
        ))
    }

    /// A reference by id: to an item that existed before the import started.
    fn resolve_id(&mut self, field: &str, s: &str, want: IdKind) -> Result<Ref> {
        let id = id_of(field, s, want)?;
        // An item of the log that an earlier line of this file records:
        // created by an earlier run of it (or by a command), it is refused
        // as one this run creates is (the same file failed on one run and
        // passed on the next, after a batch was committed).
        if let Some(&line) = self.found.get(&id) {
            return Err(Error::invalid(
                format!(
                    "{field}: {id} is the item that {} {line} of this file records (the log already held it, from an earlier run of the file or another command, so that line is skipped)",
                    self.unit()
                ),
                "refer to items the file creates by their @label, so that the file means the same on every run",
            ));
        }
        if let Some(r) = self.ids.get(&id) {
            return Ok(*r);
        }
        let before = match want {
            IdKind::Source => self.start.sources,
            IdKind::Claim => self.start.claims,
            IdKind::Annotation => self.start.annotations,
        };
        if id.n > before {
            // The log before the open batch, whatever of it is stored yet.
            let last = match self.bulk.before_batch(want) {
                Some(last) => last,
                None => max_id(self.store.conn(), crate::log::table_of(want))?,
            };
            // In the open batch: made by this run, not stored yet.
            let made = self.bulk.given_so_far(want).unwrap_or(last);
            if id.n > last && id.n <= made {
                return Err(Error::invalid(
                    format!("{field}: {id} is being created by this import"),
                    "refer to items the file creates by their @label, so that the file means the same on every run",
                ));
            }
            if id.n > last {
                let e = Error::UnknownId { id, last };
                let what = if last == 0 {
                    format!(
                        "{field}: no {} {id} in this log (it has none yet)",
                        want.noun()
                    )
                } else {
                    format!("{field}: {e}")
                };
                return Err(Error::invalid(what, e.hint()));
            }
            return Err(Error::invalid(
                format!("{field}: {id} was created by this import"),
                "refer to items the file creates by their @label, so that the file means the same on every run",
            ));
        }
        let r = query::reference(self.store.conn(), id)?;
        self.ids.insert(id, r);
        Ok(r)
    }

    fn resolve_all(&mut self, field: &str, list: &[String], want: IdKind) -> Result<Vec<Ref>> {
        list.iter().map(|s| self.resolve(field, s, want)).collect()
    }

    fn source(&mut self, line: u64, l: SourceLine) -> Result<Outcome> {
        let retrieved = clock::now();
        if let Some(p) = &l.published {
            clock::check_published_by(p, &retrieved).map_err(|e| {
                Error::invalid(
                    e,
                    format!("fix {}", self.opts.format.spelling().name("published")),
                )
            })?;
        }
        if let Some(u) = &l.url {
            crate::sources::check_url(u).map_err(|e| {
                Error::invalid(e, "fix \"url\": an absolute address, e.g. https://…")
            })?;
        }
        let data = match (&l.text, &l.file) {
            (Some(t), None) => {
                check_source_text("\"text\"", None, t.as_bytes())?;
                t.as_bytes().to_vec()
            }
            (None, Some(f)) => {
                let path = match self.opts.files_anywhere {
                    true => self.opts.base_dir.join(f),
                    false => {
                        no_parent_dir(f)?;
                        crate::sources::file_within(&self.opts.base_dir, f)?
                    }
                };
                // A converted copy is named in the line as the file is,
                // from the import file's directory, with the ending the
                // hint gives it (`.txt` for text saved from a document,
                // `.utf8` for a converted one: the line was told `.utf8`
                // where the hint said to save `.txt`).
                let format = self.opts.format;
                read_source_file_then(&path, &|shown| {
                    let ext = match shown.trim_end_matches('\'').ends_with(".txt") {
                        true => ".txt",
                        false => ".utf8",
                    };
                    let copy = format!("{f}{ext}");
                    match format {
                        Format::JsonLines => format!(
                            "write `\"file\": {}` in the line",
                            serde_json::Value::String(copy)
                        ),
                        Format::Csv => format!("write `{copy}` in the file column"),
                    }
                })?
            }
            _ => return Err(source_needs_one()),
        };
        let derived_from = self.resolve_all("derived_from", &l.derived_from, IdKind::Source)?;
        // In the file's terms, on a line the look-ahead did not see
        // (`Line::check_lists`).
        crate::sources::listed_once(
            "derived_from",
            l.derived_from.iter().map(String::as_str),
            "source",
            Spelling::Import,
        )?;
        let sha256 = Hash::sha256(&data);
        const FIELDS: [&str; 6] = ["kind", "title", "publisher", "author", "url", "published"];
        let says = [
            Some(l.kind.to_string()),
            l.title.clone(),
            l.publisher.clone(),
            l.author.clone(),
            l.url.clone(),
            l.published.clone(),
        ];
        if let Some(&pos) = self.batch.shas.get(&sha256) {
            // Two lines of one file with the same bytes: the first made
            // the source; what the second says otherwise is said, as for
            // a source the log held before (whichever batch each was in).
            let first = self.batch.said.get(&pos);
            let mut fields: Vec<&'static str> = Vec::new();
            let mut values = Vec::new();
            for (i, (name, given)) in FIELDS.iter().zip(&says).enumerate() {
                let had = first.and_then(|f| f[i].clone());
                if let Some(given) = given.clone().filter(|g| had.as_ref() != Some(g)) {
                    fields.push(name);
                    values.push((had, given));
                }
            }
            if !fields.is_empty() {
                let merged = MergedSource {
                    line,
                    source: ItemId::source(0),
                    fields,
                    values,
                    first_line: self.made.get(&sha256).copied(),
                };
                self.batch.merged.push((pos, merged));
            }
            return Ok(Outcome::Skipped(LabelState::Pending(pos)));
        }
        if let Some(id) = query::source_by_sha(self.store.conn(), &sha256)? {
            // As `source add` refuses it: the text of a redacted source is
            // not stored again, and the line is not "already in the log"
            // (it was skipped as such, and its claims refused).
            if let Some(r) = query::source(self.store.conn(), id.n)?.redaction {
                return Err(Error::invalid(
                    format!(
                        "these bytes are {id}'s, which was redacted at entry {} ({}): they cannot be stored again",
                        r.seq,
                        text::escape(&r.reason)
                    ),
                    format!(
                        "take the {} (and those that refer to its label) out of the file: the redaction keeps this text out of the log; ask {} (the admin who redacted it) if it should come back",
                        self.unit(),
                        text::escape(&r.signer_name)
                    ),
                ));
            }
            // Its claims go to that source; what the line says of it that
            // the log does not is said, not dropped without a word.
            // A value the source has, or had before an amendment (a re-run
            // of a file whose later line amended it gives the first), is
            // the source's own.
            let held = query::source(self.store.conn(), id.n)?;
            let kind = l.kind.to_string();
            let mut fields: Vec<&'static str> = Vec::new();
            let mut values = Vec::new();
            for (name, given, has) in [
                ("kind", Some(&kind), Some(held.kind.to_string())),
                ("title", l.title.as_ref(), held.title.clone()),
                ("publisher", l.publisher.as_ref(), held.publisher.clone()),
                ("author", l.author.as_ref(), held.author.clone()),
                ("url", l.url.as_ref(), held.url.clone()),
                ("published", l.published.as_ref(), held.published.clone()),
            ] {
                let Some(given) = given else { continue };
                let had = held
                    .amendments
                    .iter()
                    .flat_map(|a| &a.changes)
                    .filter(|c| c.field == name)
                    .any(|c| c.was.as_ref() == Some(given) || c.now.as_ref() == Some(given));
                if has.as_ref() != Some(given) && !had {
                    fields.push(name);
                    values.push((has, given.clone()));
                }
            }
            if !fields.is_empty() {
                self.merged_sources.push(MergedSource {
                    line,
                    source: id,
                    fields,
                    values,
                    first_line: self.made.get(&sha256).copied(),
                });
            }
            return Ok(Outcome::Skipped(LabelState::Done(query::reference(
                self.store.conn(),
                id,
            )?)));
        }
        // A spreadsheet's inline text that differs from a source of the
        // log only in its line ends: the CSV was saved again with other
        // line ends (Notepad, git's `core.autocrlf`) since it was imported.
        // The text is kept byte for byte (a source is its bytes' SHA-256,
        // and quotes are matched against them), so it would be another
        // source, and every claim on it would be signed again: refused.
        if matches!(self.opts.format, Format::Csv) && l.text.is_some() {
            let text = String::from_utf8_lossy(&data);
            let (here, there, other) = match text.contains("\r\n") {
                true => ("CRLF", "LF", text.replace("\r\n", "\n")),
                false => ("LF", "CRLF", text.replace('\n', "\r\n")),
            };
            let held = match other.len() != data.len() {
                true => query::source_by_sha(self.store.conn(), &Hash::sha256(other.as_bytes()))?,
                false => None,
            };
            if let Some(id) = held {
                let convert = match there {
                    "LF" => "sed -i 's/\\r$//' FILE",
                    _ => "sed -i 's/$/\\r/' FILE",
                };
                return Err(Error::invalid(
                    format!(
                        "this text is {id}'s but for its line ends ({here} here, {there} in {id}): \
                         the file was saved with other line ends since {id} was imported \
                         (Notepad, git's core.autocrlf)"
                    ),
                    format!(
                        "give the file its {there} line ends again (`{convert}` does) and import \
                         it: the {} is then skipped as already in the log",
                        self.unit()
                    ),
                ));
            }
        }
        let body = Body::SourceAdd(SourceAdd {
            kind: l.kind,
            title: l.title,
            publisher: l.publisher,
            author: l.author,
            url: l.url,
            published: l.published,
            retrieved,
            sha256,
            length: data.len() as u64,
            media_type: rules::MEDIA_TYPE.into(),
            derived_from,
        });
        self.batch.shas.insert(sha256, self.batch.len);
        self.batch.said.insert(self.batch.len, says);
        self.made.insert(sha256, line);
        self.batch.text_bytes += data.len();
        Ok(Outcome::Append(Box::new(NewEntry {
            body,
            blob: Some(data),
        })))
    }

    fn claim(&mut self, n: u64, l: ClaimLine) -> Result<Outcome> {
        let source = self.resolve("source", &l.source, IdKind::Source)?;
        let at = l.place()?;
        let src = self.text(source.id)?;
        let range = locate(
            &src,
            at,
            &source.id.to_string(),
            self.opts.format.spelling(),
        )?;
        // The span the hint gives, in the file's terms (it said `--span
        // 0..6` of a line or a row).
        let spelling = self.opts.format.spelling();
        let body = claim_body_in(
            spelling,
            source,
            &src,
            range,
            &l.speaker,
            l.provenance,
            l.text,
        )?;
        let Body::ClaimAdd(b) = &body else {
            return Err(Error::Internal("claim_body built another kind".into()));
        };
        if source.id.n <= self.start.sources {
            let s = source.id.n;
            if !self.claims_of.contains_key(&s) {
                let e = self.existing(ExistingOf::Claims, s)?;
                self.claims_of.insert(s, e);
            }
            if let Some(held) = take_existing(self.claims_of.get_mut(&s), b)? {
                return Ok(Outcome::Skipped(LabelState::Done(self.skipped(n, held))));
            }
        }
        // A claim is recorded once, as `claim add` refuses it twice: not
        // again on a line of this run (the append path refuses it over a
        // claim of the log's, under the write lock, and knows of this run's
        // claims only those stored).
        // Looked up by the whole key: a search of the claims at the same
        // place made 50,000 claims of one quote by as many speakers
        // quadratic (5,245 entries/s, against 18,600 spread over places).
        let key = query::ClaimKey::of(b);
        if let Some(&first) = self.claimed.get(&key) {
            return Err(Error::invalid(
                format!(
                    "this claim repeats {} {first}'s: the same bytes {}..{} of {}, speaker, provenance ({}) and paraphrase",
                    self.unit(),
                    b.start,
                    b.end,
                    l.source,
                    b.provenance
                ),
                format!("delete one of the two {}s", self.unit()),
            ));
        }
        self.claimed.insert(key, n);
        Ok(Outcome::Append(Box::new(NewEntry::new(body))))
    }

    fn annotation(&mut self, line: u64, l: AnnotationLine) -> Result<Outcome> {
        let claim = self.resolve("claim", &l.claim, IdKind::Claim)?;
        let corroborates = self.resolve_all("corroborates", &l.corroborates, IdKind::Claim)?;
        let contradicts = self.resolve_all("contradicts", &l.contradicts, IdKind::Claim)?;
        let supersedes = l
            .supersedes
            .as_deref()
            .map(|s| self.resolve("supersedes", s, IdKind::Annotation))
            .transpose()?;
        let b = AnnotationAdd {
            claim,
            verdict: l.verdict,
            reliability: l.reliability,
            credibility: l.credibility,
            note: l.note,
            corroborates,
            contradicts,
            supersedes,
        };
        if claim.id.n <= self.start.claims {
            let n = claim.id.n;
            if !self.annotations_of.contains_key(&n) {
                let e = self.existing(ExistingOf::Annotations, n)?;
                let latest = e.values().flatten().map(|h| h.item.id.n).max();
                self.latest_annotation_of.insert(n, latest.unwrap_or(0));
                self.annotations_of.insert(n, e);
            }
            if let Some(held) = take_existing(self.annotations_of.get_mut(&n), &b)? {
                let id = held.item.id.n;
                let seen = self.repeated_on.entry(n).or_insert((line, id));
                if id >= seen.1 {
                    *seen = (line, id);
                }
                return Ok(Outcome::Skipped(LabelState::Done(self.skipped(line, held))));
            }
        }
        self.annotated_here.insert(claim.id.n);
        if let Some(r) = &b.supersedes {
            // This run's lines first: once stored (the batch not yet
            // committed), an earlier line's annotation is in the tables
            // too, and the message would depend on when it was stored.
            if let Some(&first) = self.superseded.get(&r.id.n) {
                // In the file's terms: the label or id the line gave (it
                // named `A7` where the file wrote `@a`).
                let given = l.supersedes.as_deref().unwrap_or_default();
                let named = match given.starts_with('@') {
                    true => format!("{given} ({})", r.id),
                    false => r.id.to_string(),
                };
                return Err(Error::invalid(
                    format!(
                        "{named} is already superseded by {} {first} of this import",
                        self.unit()
                    ),
                    "supersede the annotation that line makes (give it a label), or drop one of the two",
                ));
            }
            self.superseded.insert(r.id.n, line);
            if r.id.n <= self.start.annotations {
                match crate::query::superseded_by(self.store.conn(), r.id.n)? {
                    Some(by) if self.retracted_here.contains(&by.n) => {}
                    _ => crate::query::supersedable(self.store.conn(), r, &|_| false)?,
                }
            }
        }
        let body = Body::AnnotationAdd(b);
        Ok(Outcome::Append(Box::new(NewEntry::new(body))))
    }

    /// The log's item that line `line` is skipped as, kept as a
    /// [`RetractedRepeat`] when a retraction from before this run has
    /// withdrawn it. One of this run's is a line of the input, which
    /// retracts the item anyway (a line that waits for an earlier line's
    /// item is taken after it: counted, the note came and went with
    /// timing).
    /// The claim that records `b` exactly, signed by this run's key, which
    /// another process added after the run began: a line the append path
    /// refused as recorded twice is then already in the log, as it would
    /// be on a second run of the same file (the run looked for the claims
    /// of each source once, the first time a line named it; a `claim add`
    /// at another terminal while the import ran stopped it with "fix the
    /// line").
    fn added_meanwhile(&self, b: &ClaimAdd) -> Result<Option<Held>> {
        let mut found = self.existing(ExistingOf::ClaimsSince, b.source.id.n)?;
        take_existing(Some(&mut found), b)
    }

    fn skipped(&mut self, line: u64, held: Held) -> Ref {
        if let Some((retracted_at, replaced_by)) =
            held.retracted.filter(|(at, _)| at.0 <= self.start_seq)
        {
            self.retracted_repeats.push(RetractedRepeat {
                line,
                repeats: held.item.id,
                retracted_at,
                replaced_by,
            });
        }
        held.item
    }

    /// Line `n`, a retraction: it goes after every line before it.
    ///
    /// A retraction changes how later entries are checked (the claim takes
    /// no new annotation, no annotation may cite it), so the lines around it
    /// must not be reordered across it the way waiting lines are:
    /// everything read before it is committed first, then it opens the next
    /// batch, whose later entries are checked against the claim as retracted
    /// (the append path keeps a batch's retractions, [`Bulk::try_push`]).
    /// Retractions are rare, so the extra commit costs little.
    fn retract(&mut self, n: u64, line: Line) -> Result<()> {
        self.precheck(&line).map_err(|e| at(self.unit(), n, e))?;
        self.flush()?;
        self.process(n, line)?;
        if self.batch_full() {
            self.commit()?;
        }
        Ok(())
    }

    /// A retraction line's entry, unless the log already holds it.
    ///
    /// Re-running: the line is skipped when the claim's retraction was in
    /// the log before this run, signed by this key, with the very body the
    /// line builds (a claim is retracted once, so at most one line of the
    /// file matches it; a second identical line is refused as `claim
    /// retract` would refuse it, on the first run and on every re-run).
    fn retraction(&mut self, l: RetractionLine) -> Result<Outcome> {
        let claim = self.resolve("claim", &l.claim, IdKind::Claim)?;
        let replaced_by = l
            .replaced_by
            .as_deref()
            .map(|r| self.resolve("replaced_by", r, IdKind::Claim))
            .transpose()?;
        let body = ClaimRetract {
            claim,
            reason: l.reason,
            replaced_by,
        };
        if self.retracted_before(&body)? {
            return Ok(Outcome::SkippedEntry);
        }
        // Once retracted, a claim of this run may be recorded again (the
        // lines before a retraction are stored first: see `retract`).
        if let Some(key) = query::claim_key(self.store.conn(), claim.id.n)? {
            self.claimed.remove(&key);
        }
        Ok(Outcome::Append(Box::new(NewEntry::new(
            Body::ClaimRetract(body),
        ))))
    }

    /// Whether the log held, before this run, this very retraction signed
    /// by this key, not yet matched by an earlier line.
    fn retracted_before(&mut self, body: &ClaimRetract) -> Result<bool> {
        let n = body.claim.id.n;
        if n > self.start.claims || self.matched_retractions.contains(&n) {
            return Ok(false);
        }
        let same = self.held_before(
            "SELECT r.seq, r.signer, e.payload FROM retractions r
             JOIN entries e ON e.seq = r.seq WHERE r.claim_id = ?1",
            n,
            body,
        )?;
        if same {
            self.matched_retractions.insert(n);
        }
        Ok(same)
    }

    /// Whether the row `sql` finds for item `n` (its seq, signer and
    /// entry's payload) is an entry from before this run, signed by this
    /// key, with this very body. An entry that does not parse is verify's
    /// business; it is simply not a match, and the append path then
    /// refuses the line.
    fn held_before<B: serde::de::DeserializeOwned + PartialEq>(
        &self,
        sql: &str,
        n: u64,
        body: &B,
    ) -> Result<bool> {
        let found = self
            .store
            .conn()
            .prepare_cached(sql)?
            .query_row([n as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .optional()?;
        let Some((seq, signer, payload)) = found else {
            return Ok(false);
        };
        Ok(seq as u64 <= self.start_seq
            && signer == self.signer.fingerprint().as_str()
            && serde_json::from_slice::<Envelope<B>>(&payload).is_ok_and(|e| e.body == *body))
    }

    /// A source amendment line's entry, unless the log already holds it:
    /// skipped when an amendment from before this run, signed by this key,
    /// has the very body the line builds (each such entry matches one line
    /// of the file). Its date and fields are held to `source amend`'s
    /// rules: a field given as it already reads is refused.
    fn source_amendment(&mut self, l: SourceAmendmentLine) -> Result<Outcome> {
        let source = self.resolve("source", &l.source, IdKind::Source)?;
        let body = l.body(Some(source))?;
        let n = source.id.n;
        if n <= self.start.sources {
            let held: Vec<(i64, String, Vec<u8>)> = self
                .store
                .conn()
                .prepare_cached(
                    "SELECT m.seq, m.signer, e.payload FROM source_amendments m
                     JOIN entries e ON e.seq = m.seq WHERE m.source_id = ?1 ORDER BY m.seq",
                )?
                .query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (seq, signer, payload) in held {
                let seq = seq as u64;
                if seq <= self.start_seq
                    && !self.matched_amendments.contains(&seq)
                    && signer == self.signer.fingerprint().as_str()
                    && serde_json::from_slice::<Envelope<SourceAmend>>(&payload)
                        .is_ok_and(|e| e.body == body)
                {
                    self.matched_amendments.insert(seq);
                    return Ok(Outcome::SkippedEntry);
                }
            }
        }
        let now = query::source(self.store.conn(), n)?;
        if let Some(p) = &body.published {
            clock::check_published_by(p, &now.retrieved).map_err(|e| {
                Error::invalid(
                    e,
                    format!("fix {}", self.opts.format.spelling().name("published")),
                )
            })?;
        }
        for (field, value) in body.changes() {
            let mut probe = now.clone();
            if probe.set_field(field, value.as_deref()) != value {
                continue;
            }
            return Err(match value {
                Some(value) => Error::invalid(
                    format!(
                        "{}'s {field} is already \"{}\"",
                        source.id,
                        text::escape(&value)
                    ),
                    format!("leave \"{field}\" out, or take the line out of the file"),
                ),
                None => Error::invalid(
                    format!(
                        "{}'s {field} is already empty: there is nothing to clear",
                        source.id
                    ),
                    format!("take {field} out of \"clear\", or take the line out of the file"),
                ),
            });
        }
        Ok(Outcome::Append(Box::new(NewEntry::new(Body::SourceAmend(
            body,
        )))))
    }

    /// An annotation retraction line's entry, unless the log already holds
    /// it (skipped as a retraction line is: see [`Self::retraction`]).
    fn annotation_retraction(&mut self, l: AnnotationRetractionLine) -> Result<Outcome> {
        let annotation = self.resolve("annotation", &l.annotation, IdKind::Annotation)?;
        let body = AnnotationRetract {
            annotation,
            reason: l.reason,
        };
        if self.annotation_retracted_before(&body)? {
            return Ok(Outcome::SkippedEntry);
        }
        // What it superseded is free to be superseded again.
        let n = body.annotation.id.n;
        let target: Option<i64> = self
            .store
            .conn()
            .prepare_cached("SELECT supersedes FROM annotations WHERE id = ?")?
            .query_row([n as i64], |r| r.get(0))
            .optional()?
            .flatten();
        if let Some(t) = target {
            self.superseded.remove(&(t as u64));
        }
        self.retracted_here.insert(n);
        Ok(Outcome::Append(Box::new(NewEntry::new(
            Body::AnnotationRetract(body),
        ))))
    }

    /// Whether the log held, before this run, this very annotation
    /// retraction signed by this key, not yet matched by an earlier line.
    fn annotation_retracted_before(&mut self, body: &AnnotationRetract) -> Result<bool> {
        let n = body.annotation.id.n;
        if n > self.start.annotations || self.matched_annotation_retractions.contains(&n) {
            return Ok(false);
        }
        let same = self.held_before(
            "SELECT r.seq, r.signer, e.payload FROM annotation_retractions r
             JOIN entries e ON e.seq = r.seq WHERE r.annotation_id = ?1",
            n,
            body,
        )?;
        if same {
            self.matched_annotation_retractions.insert(n);
        }
        Ok(same)
    }

    /// The text of a source, from the cache or the database.
    fn text(&mut self, id: ItemId) -> Result<Rc<str>> {
        if let Some(t) = self.texts.get(&id.n) {
            return Ok(t.clone());
        }
        let data = query::source_text(self.store.conn(), id.n)?.ok_or_else(|| {
            Error::invalid(
                format!("{id} was redacted: its text is gone and cannot be quoted"),
                "quote another source",
            )
        })?;
        let s = String::from_utf8(data)
            .map_err(|_| Error::Damaged(format!("the text of {id} is not UTF-8")))?;
        if self.text_bytes + s.len() > TEXT_CACHE_BYTES {
            self.texts.clear();
            self.text_bytes = 0;
        }
        self.text_bytes += s.len();
        let t: Rc<str> = Rc::from(s);
        self.texts.insert(id.n, t.clone());
        Ok(t)
    }

    /// This key's claims of source `n`, or annotations of claim `n`, from
    /// before this run, by body digest.
    fn existing(&self, of: ExistingOf, n: u64) -> Result<Existing> {
        let (sql, kind, before) = match of {
            ExistingOf::Claims => (
                "SELECT t.id, e.hash, e.payload, x.seq, x.replaced_by
                 FROM claims t JOIN entries e ON e.seq = t.seq
                 LEFT JOIN retractions x ON x.claim_id = t.id
                 WHERE t.source_id = ?1 AND t.signer = ?2 AND t.id <= ?3
                 ORDER BY x.seq IS NOT NULL, t.id",
                IdKind::Claim,
                self.start.claims,
            ),
            // Claims another process added since the run began (their ids
            // are above those the log held then): see
            // [`Run::added_meanwhile`].
            ExistingOf::ClaimsSince => (
                "SELECT t.id, e.hash, e.payload, x.seq, x.replaced_by
                 FROM claims t JOIN entries e ON e.seq = t.seq
                 LEFT JOIN retractions x ON x.claim_id = t.id
                 WHERE t.source_id = ?1 AND t.signer = ?2 AND t.id > ?3
                 ORDER BY x.seq IS NOT NULL, t.id",
                IdKind::Claim,
                self.start.claims,
            ),
            ExistingOf::Annotations => (
                "SELECT t.id, e.hash, e.payload, x.seq, NULL
                 FROM annotations t JOIN entries e ON e.seq = t.seq
                 LEFT JOIN annotation_retractions x ON x.annotation_id = t.id
                 WHERE t.claim_id = ?1 AND t.signer = ?2 AND t.id <= ?3
                 ORDER BY x.seq IS NOT NULL, t.id",
                IdKind::Annotation,
                self.start.annotations,
            ),
        };
        let conn = self.store.conn();
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params![
            n as i64,
            self.signer.fingerprint().as_str(),
            before as i64
        ])?;
        let mut out = Existing::default();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let hash: Vec<u8> = row.get(1)?;
            let payload: Vec<u8> = row.get(2)?;
            let retracted = row
                .get::<_, Option<Seq>>(3)?
                .map(|at| -> rusqlite::Result<_> {
                    let by = row.get::<_, Option<i64>>(4)?;
                    Ok((at, by.map(|n| ItemId::claim(n as u64))))
                })
                .transpose()?;
            let Some(hash) = Hash::from_slice(&hash) else {
                continue;
            };
            // An entry that does not parse is verify's business; it is
            // simply not a match.
            let digest = match of {
                ExistingOf::Claims | ExistingOf::ClaimsSince => {
                    serde_json::from_slice::<Envelope<ClaimAdd>>(&payload)
                        .ok()
                        .map(|e| digest(&e.body))
                }
                ExistingOf::Annotations => {
                    serde_json::from_slice::<Envelope<AnnotationAdd>>(&payload)
                        .ok()
                        .map(|e| digest(&e.body))
                }
            };
            if let Some(Ok(d)) = digest {
                out.entry(d).or_default().push_back(Held {
                    item: Ref {
                        id: ItemId::new(kind, id as u64),
                        hash,
                    },
                    retracted,
                });
            }
        }
        Ok(out)
    }

    /// Appends the open batch, if any, in one transaction, then takes the
    /// queued lines that no longer wait, in order, into the next batch
    /// (appending again whenever it fills up).
    ///
    /// The batch is settled first (its entries stored, their hashes known)
    /// and committed only after the queued lines that waited for it are
    /// handed to the append path: so the signing thread has them to sign
    /// during the commit and the checkpoint after it, instead of waiting.
    fn commit(&mut self) -> Result<()> {
        loop {
            self.append()?;
            self.wake();
            // The queued lines whose label came through, in line order (a
            // line a skip releases comes after the line skipped, so it is
            // taken in this same pass, as a scan of the queue took it).
            while !self.batch_full() {
                let Some(n) = self.ready.pop_first() else {
                    break;
                };
                let Some(line) = self.queue.remove(&n) else {
                    continue;
                };
                if let Some(label) = self.blocker(&line) {
                    self.waiters.entry(label).or_default().push(n);
                    self.queue.insert(n, line);
                    continue;
                }
                self.process(n, line)?;
                self.wake();
            }
            self.committed()?;
            if !self.batch_full() && self.queue.len() < self.opts.batch_size {
                return Ok(());
            }
        }
    }

    /// Settles the open batch in the append path (see [`Bulk::settle`]) and
    /// gives its labels their references; [`Importer::committed`] commits it.
    fn append(&mut self) -> Result<()> {
        if self.batch.len == 0 {
            return Ok(());
        }
        let (first, last) = (self.batch.first_line, self.batch.last_line);
        let out = self
            .bulk
            .settle()
            .map_err(|e| in_batch(self.unit(), first, last, e))?;
        self.settled = Some((first, last));
        self.settled_weight =
            Checkpointer::weight(self.batch.len, self.opts.batch_size, self.batch.text_bytes);
        let batch = std::mem::take(&mut self.batch);
        for label in batch.labels {
            if let Some(l) = self.labels.get_mut(&label) {
                if let LabelState::Pending(pos) = l.state {
                    let a = out.get(pos).ok_or_else(|| {
                        Error::Internal("append returned fewer entries than given".into())
                    })?;
                    let id = a.id.ok_or_else(|| {
                        Error::Internal(format!("entry {} created no item", a.seq))
                    })?;
                    l.state = LabelState::Done(Ref { id, hash: a.hash });
                    self.newly_done.push(label.clone());
                }
            }
        }
        for kind in &batch.kinds {
            self.appended.add(*kind);
        }
        // (The source's id, known now that the batch is settled.)
        for (pos, mut merged) in batch.merged {
            if let Some(source) = out.get(pos).and_then(|a| a.id) {
                merged.source = source;
                self.merged_sources.push(merged);
            }
        }
        Ok(())
    }

    /// Commits the settled batch, if any, and counts it.
    fn committed(&mut self) -> Result<()> {
        let Some((first, last)) = self.settled.take() else {
            return Ok(());
        };
        interrupt::hold_off(|| {
            self.bulk
                .commit()
                .map_err(|e| in_batch(self.unit(), first, last, e))?;
            self.batches += 1;
            self.progress.appended = self.appended.total();
            self.committed
                .entries
                .store(self.progress.appended, Ordering::SeqCst);
            self.committed.batches.store(self.batches, Ordering::SeqCst);
            Ok::<(), Error>(())
        })?;
        if !self.opts.dry_run {
            self.checkpointer.committed(self.settled_weight);
        }
        Ok(())
    }

    /// At the end of the input: commits every line read ([`Importer::flush`])
    /// and waits for the last checkpoint; a dry run rolls back instead.
    fn finish(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<()> {
        self.flush()?;
        if self.opts.dry_run {
            self.bulk.discard()?;
        }
        // Nothing committed, nothing to fold: a checkpoint would fold a
        // -wal that a reader had left pending into the file, which then
        // changed though the import appended nothing.
        if self.batches > 0 {
            self.checkpointer.wait();
        }
        progress(&self.progress);
        Ok(())
    }

    /// Whether lines were read whose entries are not committed yet.
    fn uncommitted(&self) -> bool {
        self.batch.len > 0 || !self.queue.is_empty()
    }

    /// Appends until the batch and the queue are empty, so that every line
    /// read so far is committed (at the end of the input, and when it
    /// pauses). Each round makes progress: after an append, the first
    /// queued line can only wait on lines before it, and none of those is
    /// queued.
    fn flush(&mut self) -> Result<()> {
        let mut rescanned = false;
        while self.uncommitted() {
            let before = (self.queue.len(), self.batches);
            self.commit()?;
            if self.batch.len == 0 && (self.queue.len(), self.batches) == before {
                // Every queued line looked at again once, as each commit
                // once did, before the import is said to be stuck.
                if rescanned {
                    return Err(Error::Internal("queued lines wait on nothing".into()));
                }
                rescanned = true;
                self.waiters.clear();
                self.ready.extend(self.queue.keys().copied());
            } else {
                rescanned = false;
            }
        }
        Ok(())
    }
}

/// Copies committed batches from the WAL into the database file on a
/// thread of its own, with its own connection, while the import goes on
/// with the next batch. SQLite's automatic checkpoint would copy them, and
/// sync the file, inside the import's commits, on the thread that bounds
/// the import's rate: building a 1,000,000-entry log took 78.3 s that way
/// and 66.6 s this way (no difference at 200,000 entries, where a batch
/// touches fewer pages).
///
/// A `PASSIVE` checkpoint never blocks the importing connection, and the
/// WAL can start over from its beginning only once a checkpoint has copied
/// every frame while no transaction is open; so once the commits since the
/// last wait weigh [`Checkpointer::WAIT_EVERY`] full batches, and at the
/// end, the import waits for one, which bounds the WAL at about that many
/// batches (two: at most 270 MB while importing the bench's 1,000,000 lines
/// in batches of 100,000, in 57.6 s; 8 MB for 105,000 lines with a
/// retraction line, and so a commit, every 21 lines). Errors of the
/// checkpointer are ignored: the frames stay in the WAL, which is part of
/// the database all the same, and the next command's automatic checkpoint
/// copies them.
struct Checkpointer {
    /// Requests: `Some(done)` is answered when the checkpoint is over.
    wake: Option<std::sync::mpsc::Sender<Option<std::sync::mpsc::SyncSender<()>>>>,
    /// The weight of the commits since the import last waited.
    since_wait: std::cell::Cell<u64>,
}

impl Checkpointer {
    /// Full batches between two waits.
    const WAIT_EVERY: u64 = 2;
    /// A full batch's weight ([`Checkpointer::weight`]).
    const FULL: u64 = 64;

    /// A commit's weight, in 64ths of a full batch: a commit of a quarter
    /// of the batch size or of [`MAX_BATCH_TEXT_BYTES`] or more weighs a
    /// full batch (batches often close early, when as many lines wait for
    /// them as they may hold: the bench's million lines go in 20 batches,
    /// and weighing those by their entries let the WAL grow to 509 MB
    /// instead of 263 MB), a smaller one less, and any commit at least four
    /// 64ths. The import waits for a checkpoint once its commits since the
    /// last wait weigh [`Checkpointer::WAIT_EVERY`] full batches, so small
    /// commits (a file with many retraction lines, each of which closes a
    /// batch) wait every 32nd commit rather than every second. A commit
    /// rewrites whole pages, so many small ones fill the WAL faster than
    /// their entries say: with a floor of one 64th, 105,000 lines with a
    /// retraction line every 201 took the WAL to 155 MB (2.6 MB when every
    /// second commit waited); with four, 40 MB, and a retraction line every
    /// 21 lines imported in 16.1–17.2 s instead of 21.7 s.
    fn weight(entries: usize, batch_size: usize, text_bytes: usize) -> u64 {
        let quarters = 4 * Self::FULL as usize;
        let by_entries = entries.saturating_mul(quarters) / batch_size.max(1);
        let by_text = text_bytes.saturating_mul(quarters) / MAX_BATCH_TEXT_BYTES;
        by_entries.max(by_text).clamp(4, Self::FULL as usize) as u64
    }

    fn start<'scope>(scope: &'scope std::thread::Scope<'scope, '_>, path: &Path) -> Checkpointer {
        let Ok(conn) = Connection::open(crate::store::not_a_uri(path)) else {
            return Checkpointer {
                wake: None,
                since_wait: Default::default(),
            };
        };
        let _ = crate::schema::harden(&conn);
        let _ = conn.busy_timeout(crate::store::busy_timeout());
        // Its close never folds the -wal: the import's own connection does
        // that once it has appended (`Store::ready_to_write`), and an
        // import that appends nothing leaves the files as they were.
        let _ = conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        );
        let (wake, requests) =
            std::sync::mpsc::channel::<Option<std::sync::mpsc::SyncSender<()>>>();
        scope.spawn(move || {
            for done in requests {
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
        });
        Checkpointer {
            wake: Some(wake),
            since_wait: Default::default(),
        }
    }

    /// After a commit of the given weight ([`Checkpointer::weight`]).
    fn committed(&self, weight: u64) {
        let since = self.since_wait.get() + weight;
        if since >= Self::WAIT_EVERY * Self::FULL {
            self.since_wait.set(0);
            self.wait();
        } else {
            self.since_wait.set(since);
            if let Some(wake) = &self.wake {
                let _ = wake.send(None);
            }
        }
    }

    /// Waits for a checkpoint of everything committed.
    fn wait(&self) {
        let Some(wake) = &self.wake else { return };
        let (done, over) = std::sync::mpsc::sync_channel(1);
        if wake.send(Some(done)).is_ok() {
            let _ = over.recv();
        }
    }
}

/// A refusal of the append path, with the hint said for an import.
fn for_import(e: Error) -> Error {
    match e {
        Error::Invalid { what, hint } if hint == crate::log::FIX_AND_RUN_AGAIN => {
            Error::invalid(what, "fix the value and run the import again")
        }
        e => e,
    }
}

/// An error of the append path, which takes a batch's entries together.
fn in_batch(unit: &str, first: u64, last: u64, e: Error) -> Error {
    match e {
        Error::Invalid { what, hint } if first == last => {
            Error::invalid(format!("while appending {unit} {first}: {what}"), hint)
        }
        Error::Invalid { what, hint } => Error::invalid(
            format!("in the batch of {unit}s {first} to {last}: {what}"),
            hint,
        ),
        e => e,
    }
}

/// A `"file"` that goes through `..` and comes back into the import
/// file's directory (`sub/../sub/a.txt`): refused, as IMPORT.md's rule
/// says ("no `..`"), for that reason; it was said to leave the directory.
/// A path that does leave it (`../a.txt`, an absolute one) is left to
/// [`crate::sources::file_within`], which says so.
fn no_parent_dir(file: &str) -> Result<()> {
    use std::path::Component;
    let path = Path::new(file);
    if path.is_absolute() {
        return Ok(());
    }
    let mut kept = Vec::new();
    let mut up = false;
    for c in path.components() {
        match c {
            Component::ParentDir => {
                up = true;
                if kept.pop().is_none() {
                    return Ok(());
                }
            }
            Component::Normal(name) => kept.push(name),
            _ => {}
        }
    }
    if !up {
        return Ok(());
    }
    let without: PathBuf = kept.iter().collect();
    let instead = match without.to_str() {
        Some(w) if !w.is_empty() => format!("write the path without it (here {})", text::escape(w)),
        _ => "write the path without it".to_string(),
    };
    Err(Error::invalid(
        format!(
            "\"file\" `{}` has `..` in it, which is not allowed",
            text::escape(file)
        ),
        format!("{instead}, or import with --files-anywhere if you wrote the import file yourself"),
    ))
}

fn source_needs_one() -> Error {
    Error::invalid(
        "a source line needs exactly one of \"text\" and \"file\"",
        "give the text inline with \"text\", or a path with \"file\" (relative to the import file's directory)",
    )
}

/// Most labels [`Importer::expect`] makes room for in advance: 8,388,608
/// slots of 89 bytes, about 750 MB once they are all written (a reserved
/// slot takes memory only when an entry lands on its page).
const EXPECT_MAX: usize = 1 << 22;

/// The lines an input of `input_bytes` holds if all are as long, on
/// average, as the first `group_lines` (`group_bytes` in all); 0 when its
/// length is unknown, at most [`EXPECT_MAX`].
fn expected_lines(input_bytes: Option<u64>, group_bytes: u64, group_lines: usize) -> usize {
    match input_bytes {
        Some(total) if group_bytes > 0 => {
            let n = total as u128 * group_lines as u128 / group_bytes as u128;
            n.min(EXPECT_MAX as u128) as usize
        }
        _ => 0,
    }
}

/// Names the line in an error about it.
fn at(unit: &str, n: u64, e: Error) -> Error {
    match e {
        Error::Invalid { what, hint } if what.starts_with(&format!("{unit} ")) => {
            Error::Invalid { what, hint }
        }
        Error::Invalid { what, hint } => Error::invalid(format!("{unit} {n}: {what}"), hint),
        e if e.is_failure() => e,
        // The key revoked while the import ran (by an admin, between two
        // batches): no fault of the line, which the hint had said to fix.
        e @ Error::Revoked { .. } => e,
        other => Error::invalid(format!("{unit} {n}: {other}"), other.hint()),
    }
}

enum Outcome {
    /// The log already holds the line's item (or the open batch does).
    Skipped(LabelState),
    /// The log already holds the line's entry, which creates no item (a
    /// retraction).
    SkippedEntry,
    Append(Box<NewEntry>),
}

#[derive(Clone, Copy)]
enum ExistingOf {
    Claims,
    /// Claims added by another process since the run began.
    ClaimsSince,
    Annotations,
}

/// The body of a stored payload (the rest is not needed here).
#[derive(Deserialize)]
struct Envelope<T> {
    body: T,
}

/// Identity of a body: SHA-256 of its JSON (serde's field order, the same
/// for the line's body and a stored one).
fn digest<T: Serialize>(body: &T) -> Result<[u8; 32]> {
    let bytes = serde_json::to_vec(body).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Hash::sha256(&bytes).0)
}

/// The next unmatched earlier item with this body, if any.
fn take_existing<T: Serialize>(existing: Option<&mut Existing>, body: &T) -> Result<Option<Held>> {
    match existing {
        Some(e) if !e.is_empty() => {
            let d = digest(body)?;
            Ok(e.get_mut(&d).and_then(VecDeque::pop_front))
        }
        _ => Ok(None),
    }
}

fn max_id(conn: &Connection, table: &str) -> Result<u64> {
    let n: Option<i64> = conn
        .query_row(&format!("SELECT MAX(id) FROM {table}"), [], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(n.unwrap_or(0).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(s: &str) -> LineError {
        parse_line(s.as_bytes()).unwrap_err()
    }

    #[test]
    fn an_interrupted_import_says_what_it_committed() {
        let c = Committed::default();
        assert_eq!(
            c.said(),
            "import interrupted: nothing was appended (hint: run the same import again)"
        );
        c.entries.store(1, Ordering::SeqCst);
        c.batches.store(1, Ordering::SeqCst);
        assert!(c
            .said()
            .starts_with("import interrupted: 1 entry was appended in 1 batch,"));
        let dry = Committed {
            dry_run: true,
            ..Committed::default()
        };
        dry.batches.store(2, Ordering::SeqCst);
        assert_eq!(
            dry.said(),
            "import --dry-run interrupted: nothing was written to the log"
        );
        c.entries.store(20_000, Ordering::SeqCst);
        c.batches.store(2, Ordering::SeqCst);
        assert!(c
            .said()
            .starts_with("import interrupted: 20,000 entries were appended in 2 batches,"));
    }

    /// Batches of a quarter of the batch size or more (by entries or by
    /// text) wait every second commit, as before commits were weighed;
    /// small commits wait after as many as make two full batches, and at
    /// least every 32nd.
    #[test]
    fn the_import_waits_for_a_checkpoint_after_two_full_batches_worth_of_commits() {
        assert_eq!(Checkpointer::weight(100_000, 100_000, 0), 64);
        assert_eq!(Checkpointer::weight(1, 1, 0), 64);
        assert_eq!(Checkpointer::weight(25_000, 100_000, 0), 64);
        assert_eq!(Checkpointer::weight(10_000, 100_000, 0), 25);
        assert_eq!(
            Checkpointer::weight(3, 100_000, MAX_BATCH_TEXT_BYTES / 4),
            64
        );
        assert_eq!(Checkpointer::weight(3, 100_000, 0), 4);
        assert_eq!(Checkpointer::weight(0, 0, usize::MAX), 64);
        let c = Checkpointer {
            wake: None,
            since_wait: Default::default(),
        };
        c.committed(64);
        assert_eq!(c.since_wait.get(), 64);
        c.committed(64);
        assert_eq!(c.since_wait.get(), 0, "waited after two full batches");
        for _ in 0..31 {
            c.committed(Checkpointer::weight(3, 100_000, 0));
        }
        assert_eq!(c.since_wait.get(), 124);
        c.committed(Checkpointer::weight(3, 100_000, 0));
        assert_eq!(c.since_wait.get(), 0, "waited after 32 small commits");
    }

    #[test]
    fn the_label_map_is_sized_from_the_first_lines() {
        // 1 MB of input whose first 10 lines take 1,000 bytes: 10,000 lines.
        assert_eq!(expected_lines(Some(1_000_000), 1_000, 10), 10_000);
        // A pipe: no estimate, the map grows as it goes.
        assert_eq!(expected_lines(None, 1_000, 10), 0);
        // Nothing read yet (an empty first group) says nothing either.
        assert_eq!(expected_lines(Some(1_000_000), 0, 0), 0);
        // A huge file of short lines: the room made in advance is capped.
        assert_eq!(expected_lines(Some(u64::MAX), 1, 1), EXPECT_MAX);
    }

    /// An input that counts the bytes taken from it and says when it is
    /// dropped (when the reading thread has ended).
    struct Counted {
        inner: std::io::Cursor<Vec<u8>>,
        taken: std::sync::Arc<std::sync::atomic::AtomicU64>,
        dropped: std::sync::mpsc::Sender<()>,
    }

    impl std::io::Read for Counted {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(b)?;
            self.taken
                .fetch_add(n as u64, std::sync::atomic::Ordering::SeqCst);
            Ok(n)
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            let _ = self.dropped.send(());
        }
    }

    fn counted(
        lines: usize,
        len: usize,
    ) -> (Reader, impl Fn() -> u64, std::sync::mpsc::Receiver<()>) {
        let mut text = Vec::new();
        for _ in 0..lines {
            text.extend(std::iter::repeat_n(b' ', len - 1));
            text.push(b'\n');
        }
        let taken = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (dropped, ended) = std::sync::mpsc::channel();
        let input = Counted {
            inner: std::io::Cursor::new(text),
            taken: taken.clone(),
            dropped,
        };
        let reader = Reader::start(Box::new(input), &Options::default());
        (
            reader,
            move || taken.load(std::sync::atomic::Ordering::SeqCst),
            ended,
        )
    }

    /// Waits until the reading thread has read `Reader::AHEAD_BYTES` (it
    /// must get that far without the importer), then a little longer, and
    /// says how far it got: no further than one more group.
    fn read_ahead(taken: &impl Fn() -> u64) -> u64 {
        let start = std::time::Instant::now();
        while taken() < Reader::AHEAD_BYTES {
            assert!(
                start.elapsed().as_secs() < 60,
                "the reader stalled at {}",
                taken()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        taken()
    }

    #[test]
    fn the_reader_reads_ahead_a_bounded_number_of_bytes() {
        // 32 MiB in lines of 64 KiB: sixteen lines a group.
        let (reader, taken, ended) = counted(512, 64 << 10);
        let ahead = read_ahead(&taken);
        // At most one group past the budget, and the block it reads into.
        assert!(
            ahead <= Reader::AHEAD_BYTES + Reader::GROUP_BYTES + Lines::BLOCK as u64,
            "read {ahead} bytes ahead"
        );
        let mut lines = 0;
        while let Next::Group(group) = reader.next(None) {
            let group = group.unwrap();
            lines += group.len();
            reader.done(group.iter().map(|(b, _)| b).sum());
        }
        assert_eq!(lines, 512);
        assert_eq!(taken(), 32 << 20);
        ended.recv().unwrap();
    }

    /// An input that gives what it is sent, as a pipe does: a read returns
    /// what has come, and waits only when nothing has.
    struct Pipe(std::sync::mpsc::Receiver<Vec<u8>>, Vec<u8>);

    impl std::io::Read for Pipe {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            if self.1.is_empty() {
                match self.0.recv() {
                    Ok(bytes) => self.1 = bytes,
                    Err(_) => return Ok(0), // the writer closed it
                }
            }
            let n = b.len().min(self.1.len());
            b[..n].copy_from_slice(&self.1[..n]);
            self.1.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn lines_reach_the_importer_while_the_input_waits_for_more() {
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = Reader::start(Box::new(Pipe(rx, Vec::new())), &Options::default());
        let soon = || Some(Instant::now() + Duration::from_secs(10));
        // Two lines and the start of a third: the two come as a group,
        // without waiting for the group to fill or the input to end.
        tx.send(b"{}\n\n{\"ty".to_vec()).unwrap();
        let Next::Group(group) = reader.next(soon()) else {
            panic!("the lines written did not come")
        };
        let group = group.unwrap();
        assert_eq!(
            group.iter().map(|(bytes, _)| *bytes).collect::<Vec<_>>(),
            [3, 1]
        );
        // Nothing more is there: the importer hears that the input pauses.
        let quiet = Instant::now() + Duration::from_millis(50);
        assert!(matches!(reader.next(Some(quiet)), Next::Quiet));
        // The rest of the third line, then the end.
        tx.send(b"pe\":\"x\"}\n".to_vec()).unwrap();
        drop(tx);
        let Next::Group(group) = reader.next(soon()) else {
            panic!("the last line did not come")
        };
        assert_eq!(group.unwrap().len(), 1);
        loop {
            match reader.next(soon()) {
                Next::Group(g) => assert!(g.unwrap().is_empty()),
                Next::End => break,
                Next::Quiet => panic!("the end of the input did not come"),
            }
        }
    }

    #[test]
    fn a_reader_dropped_early_stops_its_thread() {
        let (reader, taken, ended) = counted(512, 64 << 10);
        read_ahead(&taken);
        drop(reader);
        ended
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the reading thread ended");
        assert!(taken() < 32 << 20);
    }

    #[test]
    fn parses_each_type() {
        let l = parse_line(br#"{"type":"source","text":"x","kind":"tweet","label":"t"}"#)
            .unwrap()
            .unwrap();
        assert!(matches!(l, Line::Source(_)));
        assert_eq!(l.label(), Some("t"));
        let l = parse_line(
            br#"{"source":"@t","type":"claim","quote":"x","speaker":"A","provenance":"tweet"}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(l.references(), vec!["@t"]);
        let l = parse_line(
            b"{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\",\"credibility\":6,\"contradicts\":[\"C2\"]}\r",
        )
        .unwrap()
        .unwrap();
        assert_eq!(l.references(), vec!["C1", "C2"]);
        assert!(parse_line(b"  \t").unwrap().is_none());
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        assert!(err(r#"{"type":"quote"}"#)
            .what
            .contains("unknown type `quote`"));
        assert!(err(r#"{"kind":"tweet"}"#).what.contains("no \"type\""));
        let e = err(r#"{"type":"source","text":"x","kind":"tweet","titel":"y"}"#);
        assert!(e.what.contains("unknown field `titel`"), "{e:?}");
        let e = err(r#"{"type":"annotation","claim":"C1","verdict":"maybe"}"#);
        assert!(e.what.contains("`maybe` is not a verdict"), "{e:?}");
        let e = err(r#"{"type":"annotation","claim":"C1","verdict":"false","credibility":7}"#);
        assert!(e.what.contains("1 to 6"), "{e:?}");
        let e = err(r#"{"type":"source","text":"x","text":"y","kind":"tweet"}"#);
        assert!(e.what.contains("duplicate field"), "{e:?}");
        // Two types: not the other type's fields blamed.
        for line in [
            r#"{"type":"source","type":"claim","kind":"article","text":"x"}"#,
            r#"{"type":"source","kind":"article","text":"x","type":"source"}"#,
        ] {
            let e = err(line);
            assert_eq!(e.what, "\"type\" is given more than once", "{line}");
        }
        // A wrong value names its field (and item), which serde alone
        // does not through the "type" tag; a message that names its field
        // already is left as it is.
        let e = err(r#"{"type":"source","text":"x","kind":"tweet","title":5}"#);
        assert_eq!(
            e.what,
            "\"title\": invalid type: integer `5`, expected a string"
        );
        let e = err(r#"{"type":"source","text":"x","kind":"tweet","derived_from":["S1",3]}"#);
        assert_eq!(
            e.what,
            "\"derived_from\", item 2: invalid type: integer `3`, expected a string"
        );
        let e = err(r#"{"type":"retraction","claim":"C1","reason":["x"]}"#);
        assert_eq!(
            e.what,
            "\"reason\": invalid type: sequence, expected a string"
        );
        let e = err(r#"{"type":"source","text":"x","kind":"tweet","titel":"y"}"#);
        assert!(e.what.starts_with("unknown field `titel`"), "{e:?}");
        assert!(err(r#"{"type":"source""#)
            .what
            .starts_with("malformed JSON"));
        assert!(err("[1,2]").what.contains("not a JSON object"));
        assert!(parse_line(b"{\"type\":\"source\xff\"}")
            .unwrap_err()
            .what
            .contains("not UTF-8"));
    }

    #[test]
    fn labels_are_plain() {
        assert!(check_label("idlib-2022/c1.a:b_c").is_ok());
        for bad in ["", "@x", "a b", "é", &"x".repeat(129)] {
            assert!(check_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn locate_matches_the_command() {
        let src = "one two one";
        let id = "S1";
        let q = |quote, occurrence| Where::Quote { quote, occurrence };
        assert_eq!(
            locate(src, q("two", None), id, Spelling::Import).unwrap(),
            (4, 7)
        );
        assert_eq!(
            locate(src, q("one", Some(2)), id, Spelling::Import).unwrap(),
            (8, 11)
        );
        let e = locate(src, q("one", None), id, Spelling::Import).unwrap_err();
        assert!(e.to_string().contains("occurs 2 times in S1"), "{e}");
        assert!(e.hint().contains("\"occurrence\""), "{}", e.hint());
        let e = locate(src, q("one", Some(3)), id, Spelling::Cli).unwrap_err();
        assert!(e.to_string().contains("--occurrence 3"), "{e}");
        assert!(locate(src, q("zzz", None), id, Spelling::Import).is_err());
        assert!(locate(src, q("", None), id, Spelling::Import).is_err());
        // Digits only, as `claim add --span` (a spreadsheet's cells are
        // trimmed before they get here).
        assert!(locate(src, Where::Span(" 4..7"), id, Spelling::Import).is_err());
        assert!(locate(src, Where::Span("7..4"), id, Spelling::Import).is_err());
        assert!(locate(src, Where::Span("x"), id, Spelling::Import).is_err());
    }

    /// A log with an admin key, a source S1 ("one two one three"), a
    /// claim C1 and an annotation A1, imported by the admin.
    fn small_log() -> (tempfile::TempDir, Store, Signer) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let signer = Signer::generate("admin").unwrap();
        crate::log::init(&db, &signer, "test.example/import", "Admin").unwrap();
        let mut store = Store::open(&db).unwrap();
        let seed = concat!(
            r#"{"type":"source","label":"s","text":"one two one three","kind":"tweet"}"#,
            "\n",
            r#"{"type":"claim","label":"c","source":"@s","quote":"two","speaker":"A","provenance":"tweet"}"#,
            "\n",
            r#"{"type":"annotation","claim":"@c","verdict":"false"}"#,
            "\n"
        );
        import(
            &mut store,
            &signer,
            Box::new(seed.as_bytes()),
            &Options::default(),
            &mut |_| {},
        )
        .unwrap();
        (dir, store, signer)
    }

    /// A reference to an item of kind `letter`: mostly one that exists
    /// (an id from [`small_log`] or a label the lines may define), sometimes
    /// anything.
    fn reference(letter: &'static str) -> impl Strategy<Value = String> {
        prop_oneof![
            6 => Just(format!("{letter}1")),
            3 => prop_oneof![Just("@a"), Just("@b"), Just("@c")].prop_map(str::to_string),
            1 => "[@SCA]?[0-9a-z]{0,3}",
        ]
    }

    /// Lines that are mostly well-formed, with values that are sometimes
    /// wrong, and now and then arbitrary bytes.
    fn line() -> impl Strategy<Value = Vec<u8>> {
        let label = proptest::option::of(prop_oneof![
            4 => prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(str::to_string),
            1 => "[a-z@ ]{0,3}"
        ]);
        let source = (label.clone(), "[a-z ]{0,12}", proptest::collection::vec(reference("S"), 0..2))
            .prop_map(|(label, text, derived)| {
                serde_json::json!({"type":"source","label":label,"text":text,"kind":"tweet","derived_from":derived})
            });
        let place = prop_oneof![
            4 => (prop_oneof![Just("one"), Just("two"), Just("three"), Just("one two"), Just("four")],
                  proptest::option::of(0usize..4))
                .prop_map(|(q, o)| serde_json::json!({"quote": q, "occurrence": o})),
            2 => (0usize..20, 0usize..20).prop_map(|(a, b)| serde_json::json!({"span": format!("{a}..{b}")})),
            1 => Just(serde_json::json!({})),
        ];
        let claim = (
            label.clone(),
            reference("S"),
            place,
            prop_oneof![4 => Just("A"), 1 => Just(" ")],
        )
            .prop_map(|(label, source, place, speaker)| {
                let mut v = serde_json::json!({"type":"claim","label":label,"source":source,
                    "speaker":speaker,"provenance":"interview"});
                if let (Some(v), Some(p)) = (v.as_object_mut(), place.as_object()) {
                    v.extend(p.clone());
                }
                v
            });
        let annotation = (
            label,
            reference("C"),
            proptest::collection::vec(reference("C"), 0..2),
            proptest::collection::vec(reference("C"), 0..2),
            proptest::option::of(reference("A")),
            prop_oneof![4 => Just("false"), 4 => Just("disputed"), 1 => Just("maybe")],
        )
            .prop_map(|(label, claim, corroborates, contradicts, supersedes, verdict)| {
                serde_json::json!({"type":"annotation","label":label,"claim":claim,"verdict":verdict,
                    "corroborates":corroborates,"contradicts":contradicts,"supersedes":supersedes})
            });
        prop_oneof![
            12 => prop_oneof![source, claim, annotation].prop_map(|v| v.to_string().into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 0..40),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(64) })]

        /// Whatever the lines, an import appends whole batches or fails with
        /// an error naming a line, and the log still verifies.
        #[test]
        fn any_import_leaves_a_log_that_verifies(
            lines in proptest::collection::vec(line(), 1..8),
            batch_size in 1usize..4,
        ) {
            let (_dir, mut store, signer) = small_log();
            let mut input = Vec::new();
            for l in &lines {
                input.extend_from_slice(l);
                input.push(b'\n');
            }
            let opts = Options { batch_size, base_dir: PathBuf::from("."), input_bytes: Some(input.len() as u64), ..Options::default() };
            match import(&mut store, &signer, Box::new(std::io::Cursor::new(input.clone())), &opts, &mut |_| {}) {
                Ok(_) => {}
                Err(Error::Invalid { what, .. }) => prop_assert!(what.starts_with("line "), "{what}"),
                Err(e) => prop_assert!(false, "unexpected error: {e}"),
            }
            let report = crate::verify::verify(&store).unwrap();
            prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
            // A second run appends nothing new after a complete first run.
            if let Ok(first) = import(&mut store, &signer, Box::new(std::io::Cursor::new(input.clone())), &opts, &mut |_| {}) {
                prop_assert_eq!(first.appended.total(), 0, "{:?}", first);
            }
        }
    }

    proptest! {
        // No regression files in the source tree: failures print their case.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parse_line_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_line(&bytes);
        }

        #[test]
        fn parse_line_never_panics_on_near_json(
            ty in prop_oneof![Just("source".to_string()), Just("claim".to_string()), Just("annotation".to_string()), ".{0,8}"],
            key in "[a-z_]{1,12}",
            val in prop_oneof![Just("null".to_string()), Just("[]".to_string()), Just("7".to_string()), "\"[^\"\\\\]{0,12}\""],
        ) {
            let s = format!(r#"{{"type":"{ty}","{key}":{val}}}"#);
            let _ = parse_line(s.as_bytes());
        }

        #[test]
        fn locate_never_panics(src in ".{1,40}", quote in ".{0,6}", a in 0usize..60, b in 0usize..60, k in proptest::option::of(0usize..4)) {
            let id = "S1";
            if let Ok((s, e)) = locate(&src, Where::Quote { quote: &quote, occurrence: k }, id, Spelling::Import) {
                prop_assert_eq!(src.get(s..e), Some(quote.as_str()));
            }
            let span = format!("{a}..{b}");
            if let Ok((s, e)) = locate(&src, Where::Span(&span), id, Spelling::Import) {
                prop_assert!(src.get(s..e).is_some());
            }
        }
    }
}
