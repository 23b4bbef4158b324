//! Printing: aligned tables for people (terminal-safe), JSON for scripts.

use claimtrail::error::{Error, Result};
use claimtrail::text::escape;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Before a command reads `-` from standard input: on a terminal, where
/// nothing says the command waits for the user to type, one line on stderr
/// says what it reads and how to end it. Piped or redirected, nothing.
/// Refused when standard input was already taken for something else
/// ([`take_stdin`]).
pub fn reading_stdin(what: &str) -> Result<()> {
    use std::io::IsTerminal;
    take_stdin(what)?;
    if std::io::stdin().is_terminal() {
        errln!("reading {what} from standard input: end it with Ctrl-D on a line of its own (Ctrl-C gives up)");
    }
    Ok(())
}

/// What standard input was read for in this run, if anything.
static STDIN_TAKEN: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Takes standard input for `what`, which it can give once: refused when
/// something else took it. `--key /dev/stdin` and `import -` in one
/// command imported nothing and said so with exit 0 (the key had read the
/// lines' stream), and with `--note-file -` the note took the key and the
/// key was "empty".
pub fn take_stdin(what: &str) -> Result<()> {
    let mut taken = STDIN_TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    match taken.as_deref() {
        Some(before) if before != what => Err(Error::invalid(
            format!(
                "standard input is given for both {before} and {what}, and can be read only once"
            ),
            "give one of them as a file (a key as `--key FILE`, or `--key <(pass show key)`)",
        )),
        _ => {
            *taken = Some(what.to_string());
            Ok(())
        }
    }
}

/// Whether `path` names this process's standard input (`/dev/stdin`,
/// `/dev/fd/0`, or the very pipe or file it reads).
pub fn is_stdin(path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(named) = std::fs::metadata(path) else {
        return false;
    };
    // SAFETY: fstat on fd 0 into a zeroed struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(0, &mut st) } != 0 {
        return false;
    }
    named.dev() == st.st_dev as u64 && named.ino() == st.st_ino as u64
}

/// The hint for a word that is not an id at all: each command to paste.
pub const LIST_IDS_HINT: &str =
    "see the ids in this log with `claimtrail list claims`, `claimtrail list sources` or `claimtrail list annotations`";

/// A path for a message on the terminal: escaped as text from elsewhere
/// is (a file name may hold an escape sequence that sets the window's
/// title to "verify: OK", or clears the screen).
pub fn shown(path: &std::path::Path) -> String {
    escape(&path.display().to_string()).into_owned()
}

/// A path as a JSON string: JSON holds text, and a file name that is not
/// UTF-8 has its bytes that are not replaced by U+FFFD (serialising the
/// path itself failed, and `json!` panicked after the command's work was
/// done).
pub fn json_path(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Prints a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> Result<()> {
    let s = claimtrail::text::to_json_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    outln!("{s}")?;
    Ok(())
}

/// Prints a table: a header row and rows, columns aligned by display width,
/// every cell escaped for the terminal and cut at 60 columns; with no rows,
/// `empty` on standard error (see [`Table::print`]).
pub fn table(header: &[&str], rows: &[Vec<String>], empty: &str) -> Result<()> {
    let mut t = Table::new(header);
    for r in rows {
        t.push(r)?;
    }
    t.print(empty)
}

/// Says why a table has no rows, on standard error. Standard output then
/// stays empty rather than holding a header alone: `| wc -l` counts 0 and
/// a script reads no rows, while the person at the terminal reads `empty`
/// ("no claim matches these conditions, of 9"). Like every line on
/// standard error it may be lost (`2>/dev/full`); it changes no exit code.
fn say_empty(empty: &str) {
    errln!("{empty}");
}

/// Separates cells, and rows, in [`Table`]'s store: control characters,
/// which [`escape`] never leaves in a cell.
const CELL_END: char = '\u{1f}';
const ROW_END: char = '\u{1e}';

/// A table filled a row at a time. A column is as wide as its widest cell,
/// so the first [`Table::SETTLE`] rows are held until the widths are known
/// (a table of no more rows prints as if every row had been seen first);
/// past them the widths settle, at least as wide as the hints the command
/// gave (`log`'s item ids grow), the held rows are printed and each later
/// row is printed as it comes, so `log | less` on a million entries shows
/// its first page at once and memory stays flat. A later cell wider than
/// its column widens it from that row on. Held rows are kept as their
/// escaped, cut cells in one string, not as the items they come from.
///
/// On a terminal (or wherever `COLUMNS` is set) the table is fitted to its
/// width: the widest of the columns read for their content ([`CUTTABLE`]:
/// quotes, titles, notes, summaries, speakers, publishers) are narrowed,
/// one column at a time, until the rows fit, and their cells cut to match,
/// so `list claims` on an 80-column terminal prints one line a claim
/// instead of wrapping each into two. Every other column (ids, times,
/// hashes, kinds, verdicts, signers, statuses, where the marks
/// `(retracted)` and `(key revoked)` are) is never cut, in the rows held or
/// in those streamed after them: a row that does not fit with the text at
/// its least wraps, as before. Piped without
/// `COLUMNS`, nothing is fitted: cells are cut at 60 columns as ever, and
/// `--json` is what keeps every character.
pub struct Table {
    widths: Vec<usize>,
    hints: Vec<usize>,
    /// The width to fit the rows in, when there is one ([`columns`]).
    fit: Option<usize>,
    /// Whether the widths were fitted: cells are then cut to them, and a
    /// later cell no longer widens its column.
    fitted: bool,
    /// Least width of each column when fitting ([`CUTTABLE`]);
    /// `usize::MAX` for a column that is never cut.
    floors: Vec<usize>,
    cells: String,
    rows: usize,
    out: Option<std::io::BufWriter<std::io::StdoutLock<'static>>>,
    line: String,
}

impl Table {
    /// Most display columns of a cell of a column read for its content
    /// ([`CUTTABLE`]), unless the table is fitted to a wider width.
    const MAX: usize = 60;
    /// Most display columns of a cell of any other column: a hash, an id
    /// list or a status whole (a revocation's reason is cut past it).
    const KEPT: usize = 160;
    /// Rows held before the widths settle and rows print as they come.
    const SETTLE: usize = 1000;

    pub fn new(header: &[&str]) -> Table {
        let mut t = Table {
            widths: vec![0; header.len()],
            hints: Vec::new(),
            fit: columns(),
            fitted: false,
            floors: header.iter().map(|h| least_width(h)).collect(),
            cells: String::new(),
            rows: 0,
            out: None,
            line: String::new(),
        };
        t.hold(header);
        t
    }

    /// Least widths, in display columns, for the columns of a table too
    /// long to hold (a column with no hint is as wide as its widest held cell).
    pub fn with_hints(mut self, hints: &[usize]) -> Table {
        self.hints = hints.to_vec();
        self
    }

    pub fn push<S: AsRef<str>>(&mut self, row: &[S]) -> Result<()> {
        if self.out.is_none() {
            self.hold(row);
            if self.rows > Self::SETTLE {
                self.settle(true)?;
            }
            return Ok(());
        }
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| isolate(cut(&escape(c.as_ref()), self.most(i))))
            .collect();
        self.write_row(cells.iter().map(String::as_str))
    }

    /// Most display columns of a cell of column `i`: a column that is
    /// never cut ([`CUTTABLE`]: ids, hashes, times) is not, up to
    /// [`Table::KEPT`] (a checkpoint's
    /// 64-digit root was cut to 59 and `…`, which no one can compare or
    /// paste); one read for its content gets [`Table::MAX`], or the whole
    /// width it is fitted in when that is wider (a 300-column terminal
    /// showed quotes cut at 60 all the same), and fitting narrows it.
    fn most(&self, i: usize) -> usize {
        match self.floors.get(i) {
            Some(&usize::MAX) | None => Self::KEPT,
            Some(_) => self.fit.map_or(Self::MAX, |w| w.max(Self::MAX)),
        }
    }

    fn hold<S: AsRef<str>>(&mut self, row: &[S]) {
        for (i, c) in row.iter().enumerate() {
            let c = isolate(cut(&escape(c.as_ref()), self.most(i)));
            if let Some(w) = self.widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
            self.cells.push_str(&c);
            self.cells.push(CELL_END);
        }
        self.cells.push(ROW_END);
        self.rows += 1;
    }

    /// Prints the held rows (with the widths widened to the hints if more
    /// are to come) and streams from now on.
    fn settle(&mut self, more: bool) -> Result<()> {
        self.widen_to_hints(more);
        if let Some(columns) = self.fit {
            self.fitted = fit(&mut self.widths, &self.floors, columns);
            if !self.fitted && columns > Self::MAX {
                // Too narrow for the table even at its least: printed as
                // without `COLUMNS`, its text cut at [`Table::MAX`]. The
                // rows held were cut at the width (`most`), so a
                // 120-column width gave rows wider than no width at all.
                self.fit = None;
                self.recut(more);
            }
        }
        self.out = Some(std::io::BufWriter::new(std::io::stdout().lock()));
        let held = std::mem::take(&mut self.cells);
        for row in held.split_terminator(ROW_END) {
            self.write_row(row.split_terminator(CELL_END))?;
        }
        Ok(())
    }

    /// Cuts the held cells again at [`Table::most`] (after `fit` was
    /// dropped) and measures the widths anew, widened to the hints if
    /// more rows are to come.
    fn recut(&mut self, more: bool) {
        let held = std::mem::take(&mut self.cells);
        self.widths.iter_mut().for_each(|w| *w = 0);
        for row in held.split_terminator(ROW_END) {
            for (i, c) in row.split_terminator(CELL_END).enumerate() {
                let most = self.most(i);
                let c = match c.width() > most {
                    true => isolate(cut(unisolated(c), most)),
                    false => c.to_string(),
                };
                if let Some(w) = self.widths.get_mut(i) {
                    *w = (*w).max(c.width());
                }
                self.cells.push_str(&c);
                self.cells.push(CELL_END);
            }
            self.cells.push(ROW_END);
        }
        self.widen_to_hints(more);
    }

    /// Widens the columns to their hints when more rows are to come than
    /// were held.
    fn widen_to_hints(&mut self, more: bool) {
        if more {
            for (w, h) in self.widths.iter_mut().zip(&self.hints) {
                *w = (*w).max(*h);
            }
        }
    }

    fn write_row<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> Result<()> {
        use std::io::Write;
        let cells: Vec<std::borrow::Cow<str>> = cells
            .enumerate()
            .map(|(i, c)| match (self.widths.get(i), self.floors.get(i)) {
                (Some(&w), Some(&f)) if self.fitted && f != usize::MAX && c.width() > w => {
                    isolate(cut(unisolated(c), w)).into()
                }
                _ => std::borrow::Cow::Borrowed(c),
            })
            .collect();
        self.line.clear();
        for (i, c) in cells.iter().enumerate() {
            self.line.push_str(c);
            if i + 1 < cells.len() {
                let cw = c.width();
                let w = match self.widths.get_mut(i) {
                    Some(w) => {
                        *w = (*w).max(cw);
                        *w
                    }
                    None => cw,
                };
                self.line.extend(std::iter::repeat_n(' ', w - cw + 2));
            }
        }
        let line = self.line.trim_end();
        match &mut self.out {
            Some(out) => writeln!(out, "{line}").map_err(stdout_error),
            None => Ok(()),
        }
    }

    /// Prints every row not printed yet, the header first if no row was;
    /// a table with no rows prints nothing and says `empty` on standard
    /// error instead (see [`say_empty`]).
    pub fn print(mut self, empty: &str) -> Result<()> {
        use std::io::Write;
        if self.out.is_none() {
            if self.rows <= 1 {
                say_empty(empty);
                return Ok(());
            }
            self.settle(false)?;
        }
        match &mut self.out {
            Some(out) => out.flush().map_err(stdout_error),
            None => Ok(()),
        }
    }
}

/// A cell with right-to-left letters (Arabic, Hebrew, Syriac…) between
/// U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, so
/// that a terminal or pager that lays lines out by the Unicode
/// bidirectional algorithm orders it apart from its neighbours. Without
/// them an Arabic signer's name in `log` took the hash after it into its
/// run (`2586b66fa34e` read as `b66fa34e`, its first digits left of the
/// name), and two Arabic cells side by side swapped columns. Both
/// characters draw nothing and take no column; a cell without such
/// letters is left as it is. (Inside a cell, the text was escaped
/// first: no control of its own is left to unbalance them.)
///
/// A cell of more left-to-right letters than right-to-left ones (`log`'s
/// summary, `مصطفى بكور via interview in S4`) is isolated left to right
/// (U+2066): isolated by its first letter, the Arabic name's, it was laid
/// out right to left, and its English words read in the wrong order.
fn isolate(cell: String) -> String {
    let rtl = cell.chars().filter(|&c| is_right_to_left(c)).count();
    if rtl == 0 {
        return cell;
    }
    let ltr = cell
        .chars()
        .filter(|&c| c.is_alphabetic() && !is_right_to_left(c))
        .count();
    match ltr > rtl {
        true => format!("\u{2066}{cell}\u{2069}"),
        false => format!("\u{2068}{cell}\u{2069}"),
    }
}

/// A cell without the isolates [`isolate`] put around it, to cut it again.
fn unisolated(cell: &str) -> &str {
    cell.strip_prefix(['\u{2068}', '\u{2066}'])
        .and_then(|c| c.strip_suffix('\u{2069}'))
        .unwrap_or(cell)
}

/// A letter of a script written right to left (the blocks of Hebrew to
/// NKo and Samaritan to Arabic Extended, their presentation forms, and
/// the right-to-left blocks of the supplementary planes).
fn is_right_to_left(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08ff}' | '\u{fb1d}'..='\u{fdff}' | '\u{fe70}'..='\u{fefe}' | '\u{10800}'..='\u{10fff}' | '\u{1e800}'..='\u{1efff}')
        && c.is_alphabetic()
}

/// The columns a fitted [`Table`] may cut, by header, with the least width
/// each keeps: those read for their content, and a speaker's or
/// publisher's name, which keeps enough to tell it. A column that marks
/// what an item is (a verdict `false (retracted)`, a signer `Rana Haddad
/// (key revoked)`, a key's status) is not among them: cut, the mark was
/// the first thing lost.
const CUTTABLE: [(&str, usize); 6] = [
    ("QUOTE", 12),
    ("TITLE", 12),
    ("NOTE", 12),
    ("SUMMARY", 12),
    ("SPEAKER", 16),
    ("PUBLISHER", 12),
];

/// The least width of the column headed `header` ([`CUTTABLE`]), or
/// `usize::MAX` when it is never cut.
fn least_width(header: &str) -> usize {
    CUTTABLE
        .iter()
        .find(|(h, _)| *h == header)
        .map_or(usize::MAX, |(_, w)| *w)
}

/// The width to fit a [`Table`] in: `COLUMNS` when it is set to a number
/// (as `ps` and `ls` read it, piped or not), else the terminal's when
/// standard output is one; `None` (no fitting) otherwise. A `COLUMNS`
/// that is not a number of at least 20 is ignored: it is the shell's
/// variable, not claimtrail's to refuse.
fn columns() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n >= 20)
    {
        return Some(n);
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), _)| usize::from(w))
        .filter(|n| *n >= 20)
}

/// Narrows `widths` (display columns of a table's columns, two spaces
/// between them) until a row fits in `columns`: each step takes one
/// column off the widest column still above its floor (`usize::MAX`: not
/// to be narrowed), so the narrower columns keep their width while the
/// longest text gives way first. Returns whether it narrowed any; when no
/// narrowing makes the row fit (the columns that may not be cut are too
/// wide already), `widths` are left as they were: cutting names and
/// quotes would lose words and the row would still wrap.
fn fit(widths: &mut [usize], floors: &[usize], columns: usize) -> bool {
    let row = |widths: &[usize]| widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let least: Vec<usize> = widths
        .iter()
        .zip(floors.iter().chain(std::iter::repeat(&usize::MAX)))
        .map(|(w, f)| (*w).min(*f))
        .collect();
    if row(widths) <= columns || row(&least) > columns {
        return false;
    }
    while row(widths) > columns {
        let widest = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > least[*i])
            .max_by_key(|(i, w)| (**w, *i))
            .map(|(i, _)| i);
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    true
}

/// Prints a JSON array an element at a time, as [`json`] prints a whole
/// `Vec` (the same bytes), without holding the elements.
pub struct JsonArray {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    count: u64,
}

impl JsonArray {
    pub fn new() -> JsonArray {
        JsonArray {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            count: 0,
        }
    }

    pub fn push<T: Serialize>(&mut self, value: &T) -> Result<()> {
        use std::io::Write;
        let s =
            claimtrail::text::to_json_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
        let sep = if self.count == 0 { "[\n" } else { ",\n" };
        self.count += 1;
        // A pretty JSON value's newlines are all between tokens (strings
        // escape theirs), so indenting each line nests it in the array.
        write!(self.out, "{sep}  {}", s.replace('\n', "\n  ")).map_err(stdout_error)
    }

    pub fn finish(mut self) -> Result<()> {
        use std::io::Write;
        let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
        self.out.write_all(end.as_bytes()).map_err(stdout_error)?;
        self.out.flush().map_err(stdout_error)
    }
}

/// How wide `cell` prints in a [`Table`]: a hint for a column it may hold.
fn width(cell: &str) -> usize {
    cut(&escape(cell), Table::MAX).width()
}

/// The widest of `cells` (0 for none).
pub fn widest<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> usize {
    cells
        .into_iter()
        .map(|c| width(c.as_ref()))
        .max()
        .unwrap_or(0)
}

/// Prints items as `fill` hands them over: a JSON array with `--json`,
/// else a table of the cells `row` makes of each, with `hints` for its
/// widths (see [`Table`]), or `empty` on standard error if there are none
/// (JSON says `[]`). Neither holds the items.
pub fn listing<T: Serialize>(
    json: bool,
    header: &[&str],
    hints: &[usize],
    empty: &str,
    row: impl Fn(&T) -> Vec<String>,
    fill: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
) -> Result<()> {
    if json {
        let mut out = JsonArray::new();
        fill(&mut |item| out.push(&item))?;
        out.finish()
    } else {
        let mut t = Table::new(header).with_hints(hints);
        fill(&mut |item| t.push(&row(&item)))?;
        t.print(empty)
    }
}

/// Runs `f`, which walks the log with verify and reports through the
/// callback it is given, behind a progress bar (`what`: "verifying") on
/// standard error when that is a terminal (never in pipes, files or tests).
/// The bar is cleared however `f` ends.
pub fn while_verifying<T>(what: &str, f: impl FnOnce(&mut dyn FnMut(u64, u64)) -> T) -> T {
    while_counting(what, "entries", f)
}

/// [`while_counting`] for work counted in other `units` ("files").
pub fn while_counting<T>(
    what: &str,
    units: &str,
    f: impl FnOnce(&mut dyn FnMut(u64, u64)) -> T,
) -> T {
    while_counting_then(what, units, None, f)
}

/// [`while_verifying`], then `then` and the time it has taken, once every
/// entry is verified: the work after verify (a report of the whole log,
/// seconds of it) showed a finished bar that did not move.
pub fn while_verifying_then<T>(
    what: &str,
    then: &str,
    f: impl FnOnce(&mut dyn FnMut(u64, u64)) -> T,
) -> T {
    while_counting_then(what, "entries", Some(then), f)
}

fn while_counting_then<T>(
    what: &str,
    units: &str,
    then: Option<&str>,
    f: impl FnOnce(&mut dyn FnMut(u64, u64)) -> T,
) -> T {
    let bar = counting_bar(what, units);
    let _erased = bar
        .as_ref()
        .map(|_| claimtrail::interrupt::erase_line_on_interrupt());
    let mut after = then;
    let out = f(&mut |done, total| {
        progress(&bar, done, total);
        if let (Some(b), true) = (&bar, done >= total) {
            if let Some(then) = after.take() {
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template(&format!("{then} {{elapsed}}"))
                {
                    b.set_style(style);
                }
                b.enable_steady_tick(std::time::Duration::from_millis(500));
            }
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out
}

/// Whether to draw progress bars: standard error is a terminal that can
/// redraw a line. `TERM=dumb` (Emacs' shell, some CI consoles) cannot, and
/// got a line of escape codes for every step.
pub fn progress_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// The bar of [`while_counting`], when [`progress_wanted`].
fn counting_bar(what: &str, units: &str) -> Option<indicatif::ProgressBar> {
    if !progress_wanted() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{what} {{pos}}/{{len}} {units} [{{bar:30}}] {{rate}}, {{eta}} left"
    )) {
        bar.set_style(with_rate(style));
    }
    Some(bar)
}

/// `{rate}` in a progress bar's template: whole entries a second
/// (indicatif's own `{per_sec}` prints four decimals).
pub fn with_rate(style: indicatif::ProgressStyle) -> indicatif::ProgressStyle {
    style.with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        },
    )
}

/// Moves `bar` (if any) on: `done` of `total`.
fn progress(bar: &Option<indicatif::ProgressBar>, done: u64, total: u64) {
    if let Some(b) = bar {
        b.set_length(total.max(done));
        b.set_position(done);
    }
}

pub use claimtrail::text::count;

/// The directory a file at `path` is in (`.` for a bare file name).
pub fn dir_of(path: &std::path::Path) -> std::path::PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

/// The file a path names, links followed: resolved whole if it exists,
/// else its directory resolved and its own name kept. A link that points
/// at a file not made yet (a dangling link) is followed too, to the path
/// where writing through it would make that file: `report.md -> log.db-wal`
/// names the -wal file SQLite makes as soon as the log is opened.
pub fn resolved(path: &std::path::Path) -> Option<std::path::PathBuf> {
    let mut p = path.to_path_buf();
    // As the kernel does, give up after 40 links (a loop).
    for _ in 0..40 {
        if let Ok(real) = p.canonicalize() {
            return Some(real);
        }
        match std::fs::read_link(&p) {
            Ok(target) => p = dir_of(&p).join(target),
            Err(_) => return Some(dir_of(&p).canonicalize().ok()?.join(p.file_name()?)),
        }
    }
    None
}

/// `-`, which `report --out` and the inputs read as standard output or
/// input, refused as a file to write rather than made a file of that name:
/// `export --out -` and `backup -` wrote `./-` and said "wrote -".
pub fn refuse_dash(path: &std::path::Path, what: &str) -> Result<()> {
    if path.as_os_str() != "-" {
        return Ok(());
    }
    Err(Error::invalid(
        format!("{what} needs a file or directory, and `-` (standard input or output elsewhere) names none here"),
        "give its name (./- for one named -)",
    ))
}

/// A file's path that ends with `/`, which names a directory: refused as
/// such, rather than with the system's "Not a directory (os error 20)".
pub fn refuse_slash(path: &std::path::Path, what: &str) -> Result<()> {
    if path.as_os_str().as_encoded_bytes().ends_with(b"/") && !path.is_dir() {
        return Err(Error::invalid(
            format!(
                "{} ends with /, which names a directory, and {what} is a file",
                path.display()
            ),
            "give the file's name without the / at its end",
        ));
    }
    Ok(())
}

/// Refuses `path` when it names the log's database `db` or one of the
/// files SQLite keeps beside it (`-wal`, `-shm`, `-journal`), whether or
/// not that file exists yet. SQLite makes and deletes the `-wal` and
/// `-journal` files as it goes: an output renamed there was deleted when
/// the command's own connection closed (the command said it was written),
/// or made a bundle's last step fail after its checkpoint was committed.
/// A link to one of them is resolved first; another name for the same
/// file (a hard link) is not caught here, but [`refuse_to_replace`] reads
/// what an existing file holds.
pub fn refuse_log_files(path: &std::path::Path, db: &std::path::Path, what: &str) -> Result<()> {
    let Some(out) = resolved(path) else {
        return Ok(());
    };
    // SQLite names the -wal, -shm and -journal files after the database's
    // own file, a link to it resolved: a log opened through `link.db` has
    // `real.db-journal`.
    let real = db.canonicalize().ok();
    let bases = std::iter::once(db).chain(real.as_deref());
    for (base, suffix) in bases.flat_map(|b| ["", "-wal", "-shm", "-journal"].map(|s| (b, s))) {
        let mut file = base.as_os_str().to_owned();
        file.push(suffix);
        if resolved(std::path::Path::new(&file)).as_ref() == Some(&out) {
            let which = match suffix {
                "" => "the log's database".to_string(),
                s => format!("the log's SQLite {s} file"),
            };
            return Err(Error::invalid(
                format!("{} is {which}, which {what} would replace", path.display()),
                format!("write {what} to another file"),
            ));
        }
    }
    Ok(())
}

/// Refuses a path whose file no output of claimtrail is worth: an OpenSSH
/// private key (the analyst's own CLAIMTRAIL_KEY, say) or an SQLite
/// database, WAL or shared-memory file (the log itself, or another), named
/// by mistake as --out. `what` names the output in the message.
///
/// Only a regular file is looked into (a link is followed): opening a FIFO
/// given as --out would wait for its writer. What this does *not* catch:
/// any other file, which an output replaces as `>` would.
pub fn refuse_to_replace(path: &std::path::Path, what: &str) -> Result<()> {
    let mut head = [0u8; 36];
    let head = match path.is_file().then(|| std::fs::File::open(path)) {
        Some(Ok(f)) => {
            use std::io::Read;
            let n = f.take(head.len() as u64).read(&mut head).unwrap_or(0);
            &head[..n]
        }
        _ => &[][..],
    };
    // The -shm file begins with its version, 3007000, in the machine's
    // byte order; the WAL with one of two magic numbers, big-endian.
    let shm = 3_007_000u32.to_ne_bytes();
    let holds: [(&[u8], &str); 5] = [
        (
            b"-----BEGIN OPENSSH PRIVATE KEY-----",
            "an OpenSSH private key",
        ),
        (b"SQLite format 3\0", "an SQLite database"),
        (&[0x37, 0x7f, 0x06, 0x82], "an SQLite write-ahead log"),
        (&[0x37, 0x7f, 0x06, 0x83], "an SQLite write-ahead log"),
        (&shm, "an SQLite shared-memory index"),
    ];
    match holds.iter().find(|(magic, _)| head.starts_with(magic)) {
        Some((_, holds)) => Err(Error::invalid(
            format!(
                "{} holds {holds}, which {what} would replace",
                path.display()
            ),
            format!("write {what} to another file"),
        )),
        None => Ok(()),
    }
}

/// Refuses to replace what claimtrail wrote for others to keep with a
/// report: a signed checkpoint (`checkpoint --out`, a cosigned copy) or a
/// bundle (`export`), a public key or a file of verifier keys (an
/// auditor's trust anchor), a tile of a published directory. `report
/// --out checkpoint.txt` replaced the note an auditor had kept, and
/// `report --out desk.vkey` the keys, and exited 0. (The commands that
/// write those files replace them on purpose: `cosign` updates its file
/// in place.)
pub fn refuse_to_replace_evidence(path: &std::path::Path, what: &str) -> Result<()> {
    match evidence(path) {
        Some(holds) => Err(Error::invalid(
            format!(
                "{} holds {holds}, which {what} would replace",
                path.display()
            ),
            format!("write {what} to another file: the one there is kept as evidence"),
        )),
        None => Ok(()),
    }
}

fn evidence(path: &std::path::Path) -> Option<&'static str> {
    use std::io::Read;
    // Asked before opening: a pipe with no writer would hang the open.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    let mut head = Vec::new();
    f.take(claimtrail::checkpoint::MAX_NOTE_BYTES as u64 + 1)
        .read_to_end(&mut head)
        .ok()?;
    let note = claimtrail::checkpoint::SignedNote::parse(&head).ok();
    if note.is_some_and(|n| claimtrail::checkpoint::Checkpoint::parse(n.text()).is_ok()) {
        return Some("a signed checkpoint");
    }
    let start = &head[..head.len().min(4096)];
    let holds = |needle: &[u8]| start.windows(needle.len()).any(|w| w == needle);
    if holds(b"\"format\"") && holds(b"\"claimtrail-bundle\"") {
        return Some("a claimtrail bundle");
    }
    if head.starts_with(b"ssh-ed25519 ") || head.starts_with(b"ssh-rsa ") {
        return Some("an OpenSSH public key");
    }
    // Every line a verifier key (`key vkey > desk.vkey`), comments aside.
    let text = std::str::from_utf8(&head).unwrap_or("");
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    if lines.peek().is_some()
        && lines.all(|l| claimtrail::checkpoint::VerifierKey::parse(l).is_ok())
    {
        return Some("verifier keys");
    }
    // A tile of a published directory: `DIR/tile/…`, beside `DIR/checkpoint`.
    let published = path.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "tile")
            && dir.parent().is_some_and(|p| p.join("checkpoint").is_file())
    });
    published.then_some("a tile of a published log")
}

/// A file that a command will write at `path` once it has signed what goes
/// in it, made first under a temporary name in the same directory: a path
/// that cannot be written is refused before anything is signed, and the
/// file gets its name only when whole ([`Staged::finish`], or
/// [`Staged::write`] then [`Staged::keep`]). A new file gets the
/// usual permissions, 0666 less the umask (a temporary file is made 0600),
/// since what claimtrail writes out (checkpoints, bundles, reports) is
/// meant to be shared; a file replaced keeps its own.
///
/// A path that already names something other than a regular file (a
/// terminal, a pipe, `/dev/stdout`) is opened and written in place: a
/// rename would replace that device or link with a file. A symbolic link
/// to a file keeps pointing at it: the file it names is the one replaced.
pub struct Staged {
    /// The path as given, for messages.
    path: std::path::PathBuf,
    to: Target,
}

enum Target {
    /// The file and the path it takes when whole (a link's target).
    /// The registration removes the file if the command is interrupted.
    Temporary(
        tempfile::NamedTempFile,
        std::path::PathBuf,
        claimtrail::interrupt::Registration,
    ),
    InPlace(std::fs::File),
}

/// Says on standard error which leftovers of killed runs a command removed
/// (`claimtrail::interrupt::sweep`): a backup's partial copy holds the log
/// as it was, redacted texts too, and a user who finds it gone should know
/// why.
pub fn leftovers_removed(paths: &[std::path::PathBuf], one: &str, many: &str) {
    if paths.is_empty() {
        return;
    }
    let names: Vec<String> = paths
        .iter()
        .map(|p| claimtrail::text::escape(&p.display().to_string()).into_owned())
        .collect();
    errln!(
        "note: removed {} that a killed run left (no signal it could catch, as kill -9 sends): {}",
        match paths.len() {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        },
        names.join(", ")
    );
}

/// Whether `path` is a device that keeps nothing written to it
/// (`/dev/null`, `/dev/zero`, `/dev/full`: Linux's memory devices, major
/// number 1): a checkpoint "kept" there was signed into the log and lost.
/// A pipe or a terminal (`--out /dev/stdout`) is written as asked.
pub fn keeps_nothing(path: &std::path::Path) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    std::fs::metadata(path)
        .is_ok_and(|m| m.file_type().is_char_device() && libc::major(m.rdev()) == 1)
}

/// The refusal of a [`keeps_nothing`] device as the file to keep `what` in;
/// `hint` says what else to do (what leaving `--out` out does differs by
/// command).
pub fn keeps_nothing_error(path: &std::path::Path, what: &str, hint: &str) -> Error {
    Error::invalid(
        format!(
            "{} keeps nothing written to it, and {what} is evidence to keep",
            path.display()
        ),
        hint,
    )
}

/// A claim's current verdicts as the lists print them, one that only an
/// auditor's audit note gives marked `(auditor)`, as `show` and the CSV
/// report mark it (`list claims` showed it as the desk's, beside a claim
/// `status` counted as awaiting review).
pub fn verdicts_marked(
    verdicts: &[claimtrail::model::Verdict],
    auditors_only: &[claimtrail::model::Verdict],
    sep: &str,
) -> String {
    verdicts
        .iter()
        .map(|v| match auditors_only.contains(v) {
            true => format!("{v} (auditor)"),
            false => v.to_string(),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// Opens a device or a named pipe to write `what` into, as it is (no
/// temporary file beside it). A pipe that no program reads is refused at
/// once: opened as a file is, the command waited for a reader for ever.
fn open_special(path: &std::path::Path, what: &str) -> Result<std::fs::File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let fifo = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if fifo {
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ENXIO) if fifo => Error::invalid(
            format!(
                "{} is a named pipe that no program is reading",
                path.display()
            ),
            format!("start the program that reads it first, or write {what} to a file"),
        ),
        _ => Error::write(path, &e),
    })?;
    if fifo {
        // Written as a file is written: blocking, once the reader is there.
        use std::os::fd::AsRawFd;
        // SAFETY: fcntl on a descriptor this function owns.
        unsafe {
            let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

/// Refuses to replace a file marked read-only (no write permission for
/// its owner) or one this user may not write: the rename that replaces a
/// file needs only the directory's permission, so a report archived as
/// 0444, or another user's file in a shared directory, was replaced
/// without a word, where `>` and `cp` refuse, and `rm` and `mv` ask even
/// root about a write-protected file.
fn refuse_read_only(path: &std::path::Path, target: &std::path::Path, what: &str) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let Ok(m) = std::fs::metadata(target) else {
        return Ok(());
    };
    if !m.is_file() {
        return Ok(());
    }
    let writable = std::ffi::CString::new(target.as_os_str().as_bytes())
        // SAFETY: access(2) reads a NUL-terminated path it does not keep.
        .map(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
        .unwrap_or(true);
    let mode = m.permissions().mode();
    if writable && mode & 0o200 != 0 {
        return Ok(());
    }
    Err(Error::invalid(
        format!(
            "{} is read-only (mode {:03o}{}), and is not replaced",
            path.display(),
            mode & 0o777,
            match writable {
                true => "",
                false => ", not writable by you",
            }
        ),
        format!(
            "write {what} to another file, or make it writable first (`chmod u+w {}`) if it is to be replaced",
            claimtrail::text::shell_word(path)
        ),
    ))
}

impl Staged {
    /// A file to write at `path`, replacing one there when the command
    /// finishes with `replace` (a read-only one is refused first:
    /// [`refuse_read_only`]).
    pub fn new(path: &std::path::Path, what: &str) -> Result<Staged> {
        Staged::open(path, what, true)
    }

    /// [`Staged::new`] for a file that must be new (a kept checkpoint,
    /// which is never replaced): a file there, read-only or not, is the
    /// command's own refusal to make ("already exists"), not this one's.
    pub fn new_file(path: &std::path::Path, what: &str) -> Result<Staged> {
        Staged::open(path, what, false)
    }

    fn open(path: &std::path::Path, what: &str, replaces: bool) -> Result<Staged> {
        refuse_slash(path, what)?;
        if path.is_dir() {
            return Err(Error::IsDirectory(path.to_path_buf()));
        }
        refuse_to_replace(path, what)?;
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let to = if special {
            Target::InPlace(open_special(path, what)?)
        } else {
            let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            let target = match linked {
                // A loop of links leads to no file: writing over the link
                // would replace it, and say so as if it were the file.
                true => resolved(path).ok_or_else(|| {
                    Error::invalid(
                        format!(
                            "{} is a symbolic link that leads nowhere a file can be written (a loop of links, or a directory that does not exist)",
                            path.display()
                        ),
                        format!("write {what} to another file, or point the link at one"),
                    )
                })?,
                false => path.to_path_buf(),
            };
            if replaces {
                refuse_read_only(path, &target, what)?;
            }
            let dir = dir_of(&target);
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(std::fs::Permissions::from_mode(0o666));
            }
            let tmp = builder
                .prefix(".claimtrail-")
                .suffix(".tmp")
                .tempfile_in(&dir)
                .map_err(|e| Error::write(path, &e))?;
            // A file replaced keeps its permissions, as `sed -i` leaves
            // them: a report kept private (0600) stays private.
            if let Ok(m) = std::fs::metadata(&target) {
                tmp.as_file()
                    .set_permissions(m.permissions())
                    .map_err(|e| Error::write(path, &e))?;
            }
            claimtrail::interrupt::hold(tmp.as_file());
            let interrupted = claimtrail::interrupt::remove_on_interrupt(
                tmp.path(),
                claimtrail::interrupt::Leftover::File,
            );
            leftovers_removed(
                &claimtrail::interrupt::sweep(
                    &dir,
                    ".claimtrail-",
                    ".tmp",
                    claimtrail::interrupt::Leftover::File,
                ),
                "temporary file",
                "temporary files",
            );
            Target::Temporary(tmp, target, interrupted)
        };
        Ok(Staged {
            path: path.to_path_buf(),
            to,
        })
    }

    /// Writes `bytes` and gives the file its name: replacing a file there,
    /// or refusing to ([`Error::Exists`]) when `replace` is false.
    pub fn finish(mut self, bytes: &[u8], replace: bool) -> Result<()> {
        if !replace && matches!(self.to, Target::InPlace(_)) {
            return Err(Error::exists(self.path));
        }
        self.write(bytes)?;
        self.keep(replace)
    }

    /// Writes `bytes` and makes sure they are on the disk, but does not
    /// give the file its name yet ([`Staged::keep`]): a command writes its
    /// file before it commits what the file records (`checkpoint --out`),
    /// so that a full disk leaves neither. A device is written at once.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        let path = &self.path;
        match &mut self.to {
            Target::InPlace(file) => file.write_all(bytes).and_then(|_| file.flush()),
            Target::Temporary(tmp, ..) => {
                tmp.write_all(bytes).and_then(|_| tmp.as_file().sync_all())
            }
        }
        .map_err(|e| Error::write(path, &e))
    }

    /// Writes what `f` writes, as it writes it (through a buffer), and
    /// makes sure it is on the disk, as [`Staged::write`] does for bytes
    /// held whole: a report of a whole large log is never held as text.
    /// Returns how many bytes were written.
    pub fn write_with(
        &mut self,
        f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<u64> {
        use std::io::Write;
        let path = &self.path;
        let file: &mut dyn Write = match &mut self.to {
            Target::InPlace(file) => file,
            Target::Temporary(tmp, ..) => tmp.as_file_mut(),
        };
        let mut w = Counted {
            inner: std::io::BufWriter::with_capacity(1 << 16, file),
            bytes: 0,
        };
        f(&mut w)
            .and_then(|()| w.inner.flush())
            .map_err(|e| Error::write(path, &e))?;
        let bytes = w.bytes;
        drop(w);
        if let Target::Temporary(tmp, ..) = &self.to {
            tmp.as_file()
                .sync_all()
                .map_err(|e| Error::write(path, &e))?;
        }
        Ok(bytes)
    }

    /// Gives the written file its name, replacing a file there or not (see
    /// [`Staged::finish`]); a device was written in place already.
    pub fn keep(self, replace: bool) -> Result<()> {
        let path = self.path;
        let (tmp, target, interrupted) = match self.to {
            Target::InPlace(_) => return Ok(()),
            Target::Temporary(tmp, target, interrupted) => (tmp, target, interrupted),
        };
        let done = interrupted.disarm(|| match replace {
            true => tmp.persist(&target).map(drop),
            false => tmp.persist_noclobber(&target).map(drop),
        });
        done.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => Error::exists(path.clone()),
            _ => Error::write(&path, &e.error),
        })
    }
}

/// A writer that counts the bytes written through it.
pub struct Counted<W> {
    pub inner: W,
    pub bytes: u64,
}

impl<W: std::io::Write> std::io::Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `text` sent as it is would act on the terminal showing it: an
/// escape sequence, a C1 control (U+009B is CSI), a bidi override, a
/// character that draws nothing. Tabs and line ends, CRLF's included, are
/// no risk. What [`raw`] output given a terminal must be kept from (`show
/// --raw`, `log --payload`): a file or a program gets the bytes.
pub fn acts_on_a_terminal(text: &str) -> bool {
    text.split(['\n', '\t', '\r'])
        .any(|part| escape(part) != part)
}

/// Writes bytes as they are to stdout (a script, a file's contents).
pub fn raw(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Writes to standard output for [`outln!`] and [`out!`].
pub fn write_fmt(args: std::fmt::Arguments<'_>) -> Result<()> {
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(stdout_error)
}

/// Flushes standard output, so that a write that fails at the very end (a
/// full disk) is an error too, not output lost without a word.
pub fn flush() -> Result<()> {
    use std::io::Write;
    std::io::stdout().flush().map_err(stdout_error)
}

/// A failed write to standard output: the user's disk or pipe, not a bug.
pub fn stdout_error(e: std::io::Error) -> Error {
    Error::cannot_write(claimtrail::error::STDOUT, &e)
}

/// Cuts a string to `max` display columns, marking the cut with `…`.
/// An escape that [`escape`] wrote (`\u{202e}`, `\n`) is kept whole or
/// left out whole: cut inside, `\u{20…` named no character at all.
pub fn cut(s: &str, max: usize) -> String {
    // Printable ASCII (most cells) is one column a byte: cut by length,
    // as `cut_measured` would (a quote of a million-claim list was
    // measured again for every character it kept).
    let kept = match s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        true => cut_ascii(s, max),
        false => cut_measured(s, max),
    };
    let Some(mut out) = kept else {
        return s.to_string();
    };
    out.truncate(whole_escapes(&out));
    out.push('…');
    out
}

/// [`cut_measured`] for printable ASCII, one column a byte.
fn cut_ascii(s: &str, max: usize) -> Option<String> {
    (s.len() > max).then(|| s[..max.saturating_sub(1)].to_string())
}

/// How much of `kept`, the start of an escaped text, to keep so that it
/// does not end inside an escape: before a `\u{…` whose `}` was cut off,
/// or before a lone `\` at its end (the start of `\n` or `\t`).
fn whole_escapes(kept: &str) -> usize {
    match kept.rfind('\\') {
        Some(at) if at + 1 == kept.len() => at,
        Some(at) if kept[at..].starts_with("\\u{") && !kept[at..].contains('}') => at,
        _ => kept.len(),
    }
}

/// [`cut`] for any text: measured prefix by prefix, as wide characters
/// and combining sequences need. What to keep before the `…`, or `None`
/// when the whole of `s` fits.
fn cut_measured(s: &str, max: usize) -> Option<String> {
    if s.width() <= max {
        return None;
    }
    // By grapheme cluster, as the reader sees characters: cut by code
    // point, a Devanagari syllable lost its virama (`स्वास्थ`) and an emoji
    // sequence its last person.
    use unicode_segmentation::UnicodeSegmentation;
    let mut out = String::new();
    let mut width = 0;
    for g in s.graphemes(true) {
        let w = g.width();
        if width + w + 1 > max {
            break;
        }
        out.push_str(g);
        width += w;
    }
    Some(out)
}

/// `Some(x)` shown as x, `None` as `-`.
pub fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

/// A title or other one-line field as the terminal shows it ([`escape`]),
/// with a zero-width space, soft hyphen, word joiner or byte order mark
/// shown as its code point too: the commands refuse them in titles now,
/// but one signed before (or outside the CLI) printed raw, and an
/// amendment that only took one out read `"Title" → "Title"`. (Text
/// bodies keep them: Thai and Khmer break words with zero-width spaces.)
pub fn shown_field(s: &str) -> std::borrow::Cow<'_, str> {
    let unseen = |c: char| {
        matches!(
            c,
            '\u{200b}' | '\u{ad}' | '\u{2060}' | '\u{feff}' | '\u{180e}'
        )
    };
    match s.chars().any(unseen) {
        true => {
            std::borrow::Cow::Owned(escape(&claimtrail::text::escape_each(s, unseen)).into_owned())
        }
        false => escape(s),
    }
}

/// One amendment of a source, as `show` and `verify-bundle --show` print
/// it: `amended at entry N by NAME: field "was" → "now"; … (reason)`. The
/// texts are escaped (a value that was not given, or a field cleared,
/// reads `(none)`).
pub fn amendment(a: &claimtrail::query::SourceAmendment) -> String {
    format!(
        "amended at entry {} by {}: {} ({})",
        a.seq,
        escape(&a.signer_name),
        claimtrail::report::amendment_changes(a, shown_field),
        escape(&a.reason)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An escape is cut whole or kept whole: `\u{20…` named nothing.
    #[test]
    fn cuts_keep_escapes_whole() {
        let e = escape("naivilic\u{202e}tsum");
        assert_eq!(e, "naivilic\\u{202e}tsum");
        assert_eq!(cut(&e, 12), "naivilic…");
        assert_eq!(cut(&e, 17), "naivilic\\u{202e}…");
        assert_eq!(cut(&escape("ab\ncd"), 4), "ab…");
        assert_eq!(cut(&escape("مرحبا\u{202e}x"), 9), "مرحبا…");
        assert_eq!(cut("plain text", 6), "plain…");
    }

    /// A character as the reader sees it is cut whole or kept whole.
    #[test]
    fn cuts_fall_between_the_characters_a_reader_sees() {
        // स्वास्थ्य: the virama of the last conjunct stays with it.
        let hindi = "\u{938}\u{94d}\u{935}\u{93e}\u{938}\u{94d}\u{925}\u{94d}\u{92f} \u{92e}\u{902}\u{924}\u{94d}\u{930}\u{93e}\u{932}\u{92f}";
        for max in 1..12 {
            let cut = cut(hindi, max);
            let kept = cut.trim_end_matches('…');
            assert!(
                claimtrail::text::is_grapheme_boundary(hindi, kept.len()),
                "{max}: {cut}"
            );
            assert!(cut.width() <= max.max(1), "{max}: {cut}");
        }
        let family = "ab\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} family";
        assert_eq!(cut(family, 4), "ab…");
    }
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ascii_is_cut_as_measured(s in "[ -~]{0,90}", max in 0usize..70) {
            prop_assert_eq!(cut_ascii(&s, max), cut_measured(&s, max));
        }
    }

    #[test]
    fn wide_text_is_measured() {
        assert_eq!(cut("سبعة مدنيين قتلوا", 60), "سبعة مدنيين قتلوا");
        assert_eq!(cut("日本語のテキスト", 7), "日本語…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
    }
}
