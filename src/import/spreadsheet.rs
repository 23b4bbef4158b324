//! CSV input for `import`: a spreadsheet's rows as import lines.
//!
//! A desk that kept its claims in a spreadsheet exports it as CSV (RFC
//! 4180: a cell with a comma, a quotation mark or a line break in it is in
//! double quotes), with a header row that names the columns after the
//! fields of a JSON line (docs/IMPORT.md; cells separated by commas, or by
//! semicolons or tabs where the header row has no comma): `type`, `source`, `quote`,
//! `speaker`… Each row after it becomes the JSON object of its cells and
//! goes through the very parse a JSON line goes through
//! ([`super::parse_line`]), so its checks, its messages and the entries it
//! makes are those of the same line in JSON. An empty cell is a field left
//! out; `credibility` and `occurrence` are numbers; `derived_from`,
//! `corroborates` and `contradicts` take ids or @labels separated by
//! commas, and `clear` field names so separated. Rows are numbered as a
//! spreadsheet shows them: the header is row 1.
//!
//! People type spreadsheets, programs write JSON Lines: so a column's name
//! may have other capitals, spaces or `-` for `_` (`Derived from`), and the
//! closed sets (type, kind, provenance, verdict, reliability) other
//! capitals and `-` for `_`, as on the command line; ids and labels are
//! taken without the spaces around them. Free texts (a quote above all)
//! are taken exactly as they are, but for the CRLF of the desk's own
//! words ([`PROSE`]), made LF.

use super::{line_err, parse_line, LineError, ReadLine, MAX_LINE_BYTES, UTF8_BOM};
use crate::error::{Error, Result};
use crate::model::{Reliability, SourceField, SourceKind, Verdict};
use serde_json::Value;
use std::io::Read;

/// Every field of every type of line (a test holds it to the line types).
pub const FIELDS: &[&str] = &[
    "type",
    "label",
    "text",
    "file",
    "kind",
    "title",
    "publisher",
    "author",
    "url",
    "published",
    "derived_from",
    "source",
    "quote",
    "span",
    "occurrence",
    "speaker",
    "provenance",
    "claim",
    "verdict",
    "reliability",
    "credibility",
    "note",
    "corroborates",
    "contradicts",
    "supersedes",
    "reason",
    "replaced_by",
    "annotation",
    "clear",
];

/// Fields whose value is a whole number.
const NUMBERS: &[&str] = &["credibility", "occurrence"];
/// Fields whose value is a list (of ids or @labels).
const LISTS: &[&str] = &["derived_from", "corroborates", "contradicts", "clear"];
/// Fields that name an item or a label: taken without surrounding spaces.
const NAMES: &[&str] = &[
    "label",
    "source",
    "claim",
    "supersedes",
    "replaced_by",
    "annotation",
    "span",
];

/// Fields of the desk's own words (a claim's paraphrase, its `text`, too):
/// a line break in such a cell is the file's, not the text's, so a CRLF
/// there is made LF, as `annotate --note-file` reads a file. A sheet
/// exported with LF and saved again with CRLF (Notepad, git's
/// `core.autocrlf`) then signs the same note, and a re-run skips it: it
/// appended every multi-line note again, with an invisible `\r` in it.
/// A quote and a source's text are evidence, kept byte for byte: a quote
/// must be the source's own bytes, and a source is its bytes' SHA-256
/// (see `Importer::source` for a source text that changed only so).
const PROSE: &[&str] = &["note", "reason", "title", "publisher", "author", "speaker"];

/// Makes the CRLF line ends of `text` LF, a CR before a CRLF (`a\r\r\nb`)
/// too, as `sources::file_note` does; a lone CR is left.
fn lf(text: &mut String) {
    while text.contains("\r\n") {
        *text = text.replace("\r\n", "\n");
    }
}

/// The closed set a field's value comes from, if it has one.
fn closed_set(field: &str) -> Option<&'static [&'static str]> {
    match field {
        "type" => Some(&TYPES),
        "kind" | "provenance" => Some(SourceKind::NAMES),
        "verdict" => Some(Verdict::NAMES),
        "clear" => Some(SourceField::NAMES),
        "reliability" => Some(Reliability::NAMES),
        _ => None,
    }
}

const COLUMNS_HINT: &str =
    "name the columns after the fields that `claimtrail import --help` lists: type, \
     label, source, quote, speaker, provenance, claim, verdict, note…";

/// A CSV input's rows after its header, read one at a time.
pub struct Rows<R: Read> {
    csv: csv::Reader<Tail<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>>,
    /// The field each column holds.
    columns: Vec<&'static str>,
    record: csv::ByteRecord,
    /// The number of the row read last (the header is 1).
    row: u64,
    /// Blank lines met before the row held, each given as an empty row
    /// first, so that rows keep the numbers of the file's lines where a
    /// file has blank ones (the CSV reader passes over them).
    blank: u64,
    /// Whether the line break that ends the row read last is still to
    /// be read (it ended in the `\r` of a `\r\n`, or the input ended):
    /// the reader counts a line at its `\n`.
    open: bool,
    held: Option<ReadLine>,
    /// Whether cells are separated by commas (a number's thousands
    /// separator then cuts a cell left outside quotation marks).
    commas: bool,
}

impl<R: Read> Rows<R> {
    /// Reads the header row, which must name known fields, `type` among
    /// them, each once.
    pub fn new(mut input: R) -> Result<Rows<R>> {
        let first = first_line(&mut input)?;
        // A file in UTF-16 (a spreadsheet's "Unicode text", PowerShell's
        // default) is said to be one before it is read as CSV: with its
        // header cells quoted, it was "a quotation mark inside a cell that
        // does not begin with one", and without a byte order mark, "column
        // 1 is `t\u{0}y\u{0}p\u{0}e\u{0}`".
        let utf16 = |what: String, from: &str| {
            Error::invalid(
                format!("row 1: {what}, not UTF-8"),
                format!(
                    "export the spreadsheet as UTF-8 CSV (Excel: \"CSV UTF-8\"), or convert it \
                     (`iconv -f {from} -t UTF-8` does) and import that copy"
                ),
            )
        };
        if crate::text::utf16_bom(&first) {
            return Err(utf16(
                "the file is UTF-16 (it starts with a UTF-16 byte order mark)".into(),
                "UTF-16",
            ));
        }
        if let Some(from) = crate::text::utf16_without_bom(&first) {
            return Err(utf16(
                format!("the file is {from} text without a byte order mark (a byte 00 beside each letter)"),
                from,
            ));
        }
        // Excel's line naming the separator, which some exports begin
        // with: not a header. (It was "column 1 is `sep=`, which is not a
        // field", and the hint said to rename the columns.)
        let line = String::from_utf8_lossy(first.strip_prefix(UTF8_BOM).unwrap_or(&first));
        if line.trim().to_ascii_lowercase().starts_with("sep=") && line.trim().chars().count() <= 5
        {
            return Err(Error::invalid(
                format!("row 1: `{}` is Excel's note of the separator, not the header row", crate::text::escape(line.trim())),
                "delete that line: claimtrail tells a comma, a semicolon or a tab from the header row itself",
            ));
        }
        // A JSON Lines file given with `--format csv`: said so, not as a
        // quotation mark misplaced in row 1's first cell.
        if line.trim_start().starts_with("{\"") {
            return Err(Error::invalid(
                "row 1 is a JSON object, not a row of columns: the file is JSON Lines",
                "import it as JSON Lines, with --format jsonl (a file named .csv, or given --format csv, is read as CSV)",
            ));
        }
        let separator = delimiter(&first);
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(separator)
            .from_reader(Tail::new(
                std::io::Cursor::new(first).chain(input),
                separator,
            ));
        let mut record = csv::ByteRecord::new();
        let read = csv.read_byte_record(&mut record);
        if !read.map_err(|e| csv.get_ref().error(e))? {
            return Err(Error::invalid(
                "row 1: the CSV input is empty",
                format!("its first row names the columns; {COLUMNS_HINT}"),
            ));
        }
        // Blank lines before the header are blank rows, so the header and
        // every row after it keep their numbers in the file.
        let open = csv.get_ref().open_at(csv.position().byte());
        let own = u64::from(!open) + newlines(&record);
        let skipped = (csv.position().line() - 1).saturating_sub(own);
        let columns = header(&record, 1 + skipped)?;
        Ok(Rows {
            csv,
            columns,
            record,
            row: 1 + skipped,
            blank: skipped,
            open,
            held: None,
            commas: separator == b',',
        })
    }

    /// The next row, with its length in bytes and what it reads as;
    /// `None` after the last. An error here (the input cannot be read, a
    /// row too long) stops the import; a bad row is the row's error.
    pub fn next_row(&mut self) -> Result<Option<ReadLine>> {
        if self.blank > 0 {
            self.blank -= 1;
            return Ok(Some((0, Ok(None))));
        }
        if let Some(row) = self.held.take() {
            return Ok(Some(row));
        }
        let before = self.csv.position().clone();
        let read = self.csv.read_byte_record(&mut self.record);
        if !read.map_err(|e| self.csv.get_ref().error(e))? {
            // Blank lines after the last row are blank rows too (the
            // summary counts them), less the last row's own line break if
            // it was still to be read.
            let trailing =
                (self.csv.position().line() - before.line()).saturating_sub(u64::from(self.open));
            self.open = false;
            if trailing == 0 {
                return Ok(None);
            }
            self.row += trailing;
            self.blank = trailing - 1;
            return Ok(Some((0, Ok(None))));
        }
        // The reader passes over blank lines before a record: the lines it
        // went through, less the record's own (the line breaks in its
        // quoted cells, its end unless that is still to be read, and the
        // end of the row before if that was), are blank ones.
        let open = self.csv.get_ref().open_at(self.csv.position().byte());
        let own = u64::from(self.open) + u64::from(!open) + newlines(&self.record);
        self.open = open;
        let skipped = (self.csv.position().line() - before.line()).saturating_sub(own);
        self.row += 1 + skipped;
        let bytes = self.csv.position().byte() - before.byte();
        if bytes > MAX_LINE_BYTES as u64 {
            return Err(Error::invalid(
                format!("row {}: longer than {} MiB", self.row, MAX_LINE_BYTES >> 20),
                "give a large source text in a file column (a path to it) instead of text",
            ));
        }
        let row = (bytes, self.line());
        if skipped == 0 {
            return Ok(Some(row));
        }
        self.held = Some(row);
        self.blank = skipped - 1;
        Ok(Some((0, Ok(None))))
    }

    /// The row as the JSON line it stands for, parsed as one.
    fn line(&self) -> std::result::Result<Option<super::Line>, LineError> {
        // More cells than the header names, even empty ones, is a row cut
        // by an unquoted comma: `…,Shelling displaced 1,200 families,Title,`
        // moved the title into the publisher's cell and the publisher into
        // an empty one past the last, and the text was signed as
        // `Shelling displaced 1`. (A row of empty cells is a blank row.)
        if self.record.len() > self.columns.len() && self.record.iter().any(|c| !c.is_empty()) {
            return Err(line_err(
                format!(
                    "{} cells where the header names {} columns",
                    self.record.len(),
                    self.columns.len()
                ),
                "a cell with a comma, a quotation mark or a line break in it is written in \
                 double quotes (\"…\", a quotation mark in it doubled), as spreadsheets \
                 export them; a comma at the end of the row is one cell too many",
            ));
        }
        // A number's thousands separator written without quotes around the
        // cell (`Shelling displaced 1,200 families`) cuts the text in two
        // and moves every later cell one column right; in a row that ends
        // early (allowed) it makes no cell too many, and the text was
        // signed as `Shelling displaced 1`. The two halves read as one
        // number: a cell that ends in a word, a space and up to three
        // digits, and one that begins with exactly three.
        // Only in a row that ends early, where there is a way out for two
        // cells that are right as they are: the row's empty cells written.
        let early = self.commas && self.record.len() < self.columns.len();
        let cells: Vec<&[u8]> = match early {
            true => self.record.iter().collect(),
            false => Vec::new(),
        };
        if let Some(i) = (1..cells.len()).find(|&i| cut_number(cells[i - 1], cells[i])) {
            let shown = |c: &[u8]| crate::text::escape(&String::from_utf8_lossy(c)).into_owned();
            return Err(line_err(
                format!(
                    "cells {} and {} (`{}` and `{}`) read as one number cut at a comma left outside quotation marks",
                    i,
                    i + 1,
                    shown(cells[i - 1]),
                    shown(cells[i])
                ),
                "write a cell with a comma in double quotes (\"…\"), as spreadsheets export them; if the two cells are right as they are, end the row with its empty cells, a comma for each column the header names",
            ));
        }
        let mut object = serde_json::Map::new();
        for (i, cell) in self.record.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            // A column the header leaves unnamed (the empty columns
            // spreadsheets export after the last one) must stay empty.
            if self.columns.get(i) == Some(&UNNAMED) {
                return Err(line_err(
                    format!(
                        "column {} has no name in the header, but this row has `{}` in it",
                        i + 1,
                        crate::text::escape(&String::from_utf8_lossy(cell))
                    ),
                    "name the column after a field (`claimtrail import --help` lists them), or move the value to its field's column",
                ));
            }
            // (A cell past the header's last column is empty: see above.)
            let Some(&field) = self.columns.get(i) else {
                continue;
            };
            let text = std::str::from_utf8(cell).map_err(|e| {
                let at = format!(
                    "character {} of the cell",
                    super::char_column(cell, e.valid_up_to())
                );
                super::not_utf8(cell, e.valid_up_to(), &format!("{field}: "), &at, |encoding| {
                    format!(
                        "export the spreadsheet as UTF-8 CSV (Excel: \"CSV UTF-8\"), or, if that \
                         reads right, convert it (`iconv -f {encoding} -t UTF-8` does) and import that copy"
                    )
                })
            })?;
            object.insert(field.to_string(), value(field, text));
        }
        if object.is_empty() {
            return Ok(None);
        }
        // Any capitals, as the type's value is read (`Claim`).
        let claim = object
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("claim"));
        for (field, value) in object.iter_mut() {
            let prose = PROSE.contains(&field.as_str()) || (claim && field == "text");
            if let (true, Value::String(text)) = (prose, &mut *value) {
                lf(text);
            }
        }
        if !object.contains_key("type") {
            return Err(line_err(
                "no type",
                "write source, claim, annotation, retraction, annotation_retraction or source_amendment in the row's type column",
            ));
        }
        let kind = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // Written by serde_json from strings, numbers and lists: valid
        // JSON, and one line (line breaks in cells are escaped).
        parse_line(Value::Object(object).to_string().as_bytes()).map_err(|e| in_cells(e, &kind))
    }
}

/// A JSON line's message about its fields, said of a row's cells: the
/// field a row of that type does not take, or lacks, is a column's cell;
/// the type is a cell too.
fn in_cells(e: LineError, kind: &str) -> LineError {
    // "a annotation row" was said of an annotation's.
    let a_row = format!(
        "{} {kind} row",
        if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        }
    );
    // The credibility cell, in a spreadsheet's terms: every cell is a
    // text, so `abc` is not called "the text `abc`".
    if let Some(rest) = e.what.strip_prefix("\"credibility\" is ") {
        let rest = rest.replace(", not the text `", ", not `");
        return line_err(
            format!("credibility is {rest}"),
            "write a whole number from 1 to 6 in the credibility cell, or leave it empty",
        );
    }
    // And the occurrence cell: "occurrence": 2 is no advice in a cell.
    if let Some(rest) = e.what.strip_prefix("\"occurrence\" is ") {
        let rest = rest.replace(", not the text `", ", not `");
        return line_err(
            format!("occurrence is {rest}"),
            "write which occurrence of the quote it is in the occurrence cell, a whole number counting from 1 (2 for the second), or leave it empty for a quote that occurs once",
        );
    }
    if let Some(rest) = e.what.strip_prefix("unknown field `") {
        // serde says "expected one of `a`, `b`, `c`", or, for a type of
        // two fields (an annotation_retraction row), "expected `a` or `b`".
        if let Some((field, takes)) = rest.split_once("`, expected ") {
            let takes = takes.strip_prefix("one of ").unwrap_or(takes);
            return line_err(
                format!(
                    "{a_row} leaves its {field} cell empty: it takes {}",
                    takes.replace('`', "").replace(" or ", ", ")
                ),
                format!("empty the {field} cell, or move what it holds to its own column"),
            );
        }
    }
    if let Some(field) = e
        .what
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return line_err(
            format!("no {field}: {a_row} needs its {field} cell"),
            e.hint,
        );
    }
    if let Some(found) = e
        .what
        .strip_prefix("unknown type `")
        .and_then(|r| r.strip_suffix('`'))
    {
        // `annotation,C1,false` in the type cell of a file whose header is
        // separated by `;`: a type of its own, and then the row's other
        // cells, joined by another separator than the header's.
        if let Some(sep) = found.find([',', ';', '\t']).filter(|&i| {
            TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(found[..i].trim()))
        }) {
            let shown = match &found[sep..sep + 1] {
                "\t" => "tabs".to_string(),
                c => format!("`{c}`"),
            };
            return line_err(
                format!("unknown type `{found}`: this row's cells are separated by {shown}, and the header's are not"),
                "separate every row as the header is (save the file again with one separator throughout), then import it",
            );
        }
        return line_err(
            e.what,
            "write source, claim, annotation, retraction, annotation_retraction or source_amendment in the row's type column",
        );
    }
    e
}

/// The types of rows, as the type column names them.
const TYPES: [&str; 6] = [
    "source",
    "claim",
    "annotation",
    "retraction",
    "annotation_retraction",
    "source_amendment",
];

/// A cell's text as the value of `field`.
fn value(field: &str, text: &str) -> Value {
    if NUMBERS.contains(&field) {
        if let Ok(n) = text.trim().parse::<u64>() {
            return Value::from(n);
        }
    }
    if LISTS.contains(&field) {
        // Every item kept, an empty one too (`C1,,C3`, a typo), for the
        // line's parse to refuse as the command refuses it; it was dropped.
        // A cell of spaces alone is an empty list.
        if text.trim().is_empty() {
            return Value::Array(Vec::new());
        }
        // The fields to clear are a closed set, named as in the other
        // columns' closed sets: other capitals, `-` for `_`.
        let item = |t: &str| match closed_set(field)
            .and_then(|names| names.iter().find(|n| crate::text::spells(n, t, b"- ")))
        {
            Some(name) => Value::from(*name),
            None => Value::from(t),
        };
        return Value::Array(text.split(',').map(str::trim).map(item).collect());
    }
    if NAMES.contains(&field) {
        return Value::from(text.trim());
    }
    if let Some(names) = closed_set(field) {
        if let Some(name) = names
            .iter()
            .find(|n| crate::text::spells(n, text.trim(), b"- "))
        {
            return Value::from(*name);
        }
    }
    Value::from(text)
}

/// The input as the CSV reader takes it, keeping the bytes it handed on
/// last, so that where a row ends can be told: the reader gives no way to
/// tell a row ended by `\n` from one whose `\n` is still to come (the end
/// of a `\r\n`) or that ends the input without one.
///
/// It also holds the input to RFC 4180's quoting, which the CSV reader does
/// not: that reader took `"ab"c"` as `abc"`, and a quoted cell never closed
/// as the rest of the file (rows that a desk meant as sources became one
/// source's signed text), and it read a row whole before its length could
/// be checked. So the bytes go through [`Quoting`] on their way, and the
/// first break of the rules, or a row longer than [`MAX_LINE_BYTES`], ends
/// the input there with the error that says which row.
struct Tail<R> {
    input: R,
    /// The last bytes handed on, and where they start in the input.
    chunk: Vec<u8>,
    start: u64,
    quoting: Quoting,
}

const QUOTING_HINT: &str =
    "export the file again from the spreadsheet as CSV, or fix the row's quotation marks";

/// Where a CSV input stands in RFC 4180's quoting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// At the start of a cell: a quotation mark here opens a quoted one.
    Start,
    Unquoted,
    Quoted,
    /// A quotation mark in a quoted cell: the cell's end, or the first of
    /// a doubled one.
    QuoteInQuoted,
}

/// [`Tail`]'s check of the quoting, a byte at a time.
struct Quoting {
    separator: u8,
    cell: Cell,
    /// Line breaks outside quotes so far: the row is one more.
    rows_ended: u64,
    /// Bytes of the row so far.
    row_bytes: u64,
    /// Whether a byte-order mark may still come (the input's start).
    first: bool,
    /// What broke the rules, in which row, and what to do: said once the
    /// bytes before it were handed on.
    broken: Option<(u64, String, &'static str)>,
}

impl Quoting {
    /// Reads `bytes`; the index of the first that breaks the rules, if one does.
    fn scan(&mut self, mut bytes: &[u8]) -> Option<usize> {
        let mut skipped = 0;
        if std::mem::take(&mut self.first) && bytes.starts_with(UTF8_BOM) {
            bytes = &bytes[UTF8_BOM.len()..];
            skipped = UTF8_BOM.len();
        }
        for (i, &b) in bytes.iter().enumerate() {
            let row = self.rows_ended + 1;
            let why = match (self.cell, b) {
                (Cell::Start, b'"') => {
                    self.cell = Cell::Quoted;
                    None
                }
                (Cell::Quoted, b'"') => {
                    self.cell = Cell::QuoteInQuoted;
                    None
                }
                (Cell::QuoteInQuoted, b'"') => {
                    self.cell = Cell::Quoted;
                    None
                }
                (Cell::Quoted, _) => None,
                (Cell::Unquoted, b'"') => Some(
                    "a quotation mark inside a cell that does not begin with one: a cell holding `\"` must be in quotes, with the mark doubled (`\"He said \"\"no\"\"\"`)",
                ),
                (_, b'\n') => {
                    self.cell = Cell::Start;
                    self.rows_ended += 1;
                    self.row_bytes = 0;
                    continue;
                }
                (_, b) if b == self.separator => {
                    self.cell = Cell::Start;
                    None
                }
                (Cell::QuoteInQuoted, b'\r') => {
                    self.cell = Cell::Start;
                    None
                }
                (Cell::QuoteInQuoted, _) => Some(
                    "text after the quotation mark that closes a cell: a mark inside a quoted cell is doubled (`\"\"`)",
                ),
                (Cell::Start | Cell::Unquoted, _) => {
                    self.cell = Cell::Unquoted;
                    None
                }
            };
            self.row_bytes += 1;
            let broken = match why {
                Some(why) => Some((why.to_string(), QUOTING_HINT)),
                None => (self.row_bytes > MAX_LINE_BYTES as u64).then(|| {
                    (
                        format!("longer than {} MiB", MAX_LINE_BYTES >> 20),
                        "give a large source text in a file column (a path to it) instead of text",
                    )
                }),
            };
            if let Some((why, hint)) = broken {
                self.broken = Some((row, why, hint));
                return Some(skipped + i);
            }
        }
        None
    }

    /// At the input's end: a quoted cell still open is never closed.
    fn end(&mut self) -> bool {
        if matches!(self.cell, Cell::Quoted) {
            let why = "a quoted cell is never closed: its closing quotation mark is missing, so the rest of the file would be its text";
            self.broken = Some((self.rows_ended + 1, why.to_string(), QUOTING_HINT));
        }
        self.broken.is_some()
    }
}

impl<R: Read> Tail<R> {
    fn new(input: R, separator: u8) -> Tail<R> {
        Tail {
            input,
            chunk: Vec::new(),
            start: 0,
            quoting: Quoting {
                separator,
                cell: Cell::Start,
                rows_ended: 0,
                row_bytes: 0,
                first: true,
                broken: None,
            },
        }
    }

    /// The error to give for the reader's `e`: the quoting's, when it
    /// ended the input.
    fn error(&self, e: csv::Error) -> Error {
        match &self.quoting.broken {
            Some((row, why, hint)) => Error::invalid(format!("row {row}: {why}"), *hint),
            None => read_error(e),
        }
    }

    /// Whether the byte before offset `taken` (where the reader stands
    /// after a row) is other than `\n`: the row's line break is still to
    /// be read, or there is none. The reader takes its bytes through a
    /// buffer filled by one read at a time and stops a row in the bytes it
    /// read last, so that byte is in `chunk`.
    fn open_at(&self, taken: u64) -> bool {
        let end = self.start + self.chunk.len() as u64;
        match taken.checked_sub(1) {
            Some(at) if at >= self.start && at < end => {
                self.chunk[(at - self.start) as usize] != b'\n'
            }
            _ => false,
        }
    }
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let broken = || std::io::Error::new(std::io::ErrorKind::InvalidData, "CSV quoting");
        if self.quoting.broken.is_some() {
            return Err(broken());
        }
        let mut n = self.input.read(buf)?;
        if n == 0 && !buf.is_empty() && self.quoting.end() {
            return Err(broken());
        }
        if let Some(at) = self.quoting.scan(&buf[..n]) {
            // The bytes before it are read as they come; the error, next.
            if at == 0 {
                return Err(broken());
            }
            n = at;
        }
        if n > 0 {
            self.start += self.chunk.len() as u64;
            self.chunk.clear();
            self.chunk.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

/// The line breaks inside a record's cells (quoted ones).
fn newlines(record: &csv::ByteRecord) -> u64 {
    record.iter().flatten().filter(|&&b| b == b'\n').count() as u64
}

/// The input's first line that is not blank (its `\n` included, and the
/// blank lines before it), read a byte at a time so that nothing after it
/// is taken from the input; at most 64 KiB. The header row tells the
/// separator, and a blank line would tell none.
fn first_line(input: &mut impl Read) -> Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    let mut text = false;
    while line.len() < 1 << 16 && (line.last() != Some(&b'\n') || !text) {
        match input.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                text |= !matches!(byte[0], b'\r' | b'\n');
                line.push(byte[0]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(csv::Error::from(e))),
        }
    }
    Ok(line)
}

/// What separates the cells, told by the header row: a comma, else a
/// semicolon (Excel's "CSV" where the decimal separator is a comma: most
/// of Europe), else a tab (a spreadsheet's "text" export).
fn delimiter(header: &[u8]) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .find(|d| header.contains(d))
        .unwrap_or(b',')
}

/// The header's name for a column it leaves unnamed.
const UNNAMED: &str = "";

/// The fields the header row's columns name.
fn header(record: &csv::ByteRecord, row: u64) -> Result<Vec<&'static str>> {
    let bad = |what: String, hint: &str| Error::invalid(format!("row {row}: {what}"), hint);
    let mut columns = Vec::with_capacity(record.len());
    for (i, cell) in record.iter().enumerate() {
        let n = i + 1;
        let cell = match i {
            0 => cell.strip_prefix(UTF8_BOM).unwrap_or(cell),
            _ => cell,
        };
        let name = String::from_utf8_lossy(cell);
        // Unnamed: taken as a column that holds nothing, as spreadsheets
        // export empty columns after the last (`type,kind,text,,,`: refused
        // as a whole file); a row with a value in it is refused.
        if name.trim().is_empty() {
            columns.push(UNNAMED);
            continue;
        }
        let Some(&field) = FIELDS
            .iter()
            .find(|f| crate::text::spells(f, name.trim(), b"- "))
        else {
            return Err(bad(
                format!(
                    "column {n} is `{}`, which is not a field of an import line",
                    crate::text::escape(name.trim())
                ),
                COLUMNS_HINT,
            ));
        };
        if columns.contains(&field) {
            return Err(bad(
                format!("two columns are named {field}"),
                "keep one of them",
            ));
        }
        columns.push(field);
    }
    if !columns.contains(&"type") {
        return Err(bad(
            "no type column".into(),
            "add a column named type, with source, claim, annotation, retraction, annotation_retraction or source_amendment in each row",
        ));
    }
    Ok(columns)
}

fn read_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::Io {
            path: std::path::PathBuf::from("the import file"),
            reason: crate::keys::io_reason(&e),
        },
        other => Error::invalid(
            format!("the CSV input cannot be read: {other:?}"),
            "export it again from the spreadsheet as CSV",
        ),
    }
}

/// Whether cells `a` and `b` read as one number cut at its thousands
/// separator: `a` ends in one to three digits after a character that is
/// neither a letter nor a digit (`displaced 1`, not `3`, a grade, nor
/// `A4`), and `b` begins with exactly three digits (`200 families`).
fn cut_number(a: &[u8], b: &[u8]) -> bool {
    let tail = a.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    // After a space: `displaced 1`, not a date's `-22` nor `A4`.
    if tail == 0 || tail > 3 || tail == a.len() || a[a.len() - tail - 1] != b' ' {
        return false;
    }
    let head = b.iter().take_while(|c| c.is_ascii_digit()).count();
    head == 3
        && b.get(3)
            .is_none_or(|&c| c == b' ' || c == b'.' || c == b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parsed line, comparable (lines have no `PartialEq`).
    fn same(l: &std::result::Result<Option<super::super::Line>, LineError>) -> String {
        format!("{l:?}")
    }

    fn rows(csv: &str) -> Result<Vec<std::result::Result<Option<super::super::Line>, LineError>>> {
        let mut r = Rows::new(csv.as_bytes())?;
        let mut out = Vec::new();
        while let Some((_, line)) = r.next_row()? {
            out.push(line);
        }
        Ok(out)
    }

    /// `FIELDS` is every field of every type of line: each is accepted by
    /// some type, and each type's fields (as serde lists them when it
    /// meets an unknown one) are in it.
    #[test]
    fn fields_are_those_of_the_line_types() {
        for t in TYPES {
            let e = parse_line(format!(r#"{{"type":"{t}","zz":1}}"#).as_bytes()).unwrap_err();
            // serde says "expected `a` or `b`" of a type of two fields.
            let listed = e.what.split("expected ").nth(1).unwrap();
            let listed = listed.strip_prefix("one of ").unwrap_or(listed);
            for name in listed.split([',', ' ']).filter(|n| n.starts_with('`')) {
                let name = name.trim_matches('`');
                assert!(FIELDS.contains(&name), "{t}: {name} missing from FIELDS");
            }
        }
        for f in FIELDS {
            let known = TYPES.iter().any(|t| {
                let line = format!(r#"{{"type":"{t}","{f}":null}}"#);
                !parse_line(line.as_bytes())
                    .err()
                    .is_some_and(|e| e.what.starts_with("unknown field"))
            });
            assert!(known, "{f} is no line type's field");
        }
    }

    #[test]
    fn a_row_reads_as_its_json_line() {
        let csv = "\u{feff}Type,Label,Source,Quote,Speaker,Provenance,Claim,Verdict,Credibility,Contradicts\n\
                   claim, c1 ,S1,\"Seven civilians, \"\"four\"\" children\",White Helmets,News-Agency,,,,\n\
                   ,,,,,,,,,\n\
                   Annotation,,,,,,@c1,False, 3 ,\"C2, C3\"\n";
        let got = rows(csv).unwrap();
        let want = [
            r#"{"type":"claim","label":"c1","source":"S1","quote":"Seven civilians, \"four\" children","speaker":"White Helmets","provenance":"news_agency"}"#,
            r#"{"type":"annotation","claim":"@c1","verdict":"false","credibility":3,"contradicts":["C2","C3"]}"#,
        ];
        assert_eq!(got.len(), 3);
        assert_eq!(same(&got[0]), same(&parse_line(want[0].as_bytes())));
        assert!(matches!(got[1], Ok(None)));
        assert_eq!(same(&got[2]), same(&parse_line(want[1].as_bytes())));
    }

    #[test]
    fn a_cell_keeps_its_line_breaks_and_spaces() {
        let got = rows("type,source,quote,speaker,provenance\nclaim,S1,\" two\nlines \",x,tweet\n")
            .unwrap();
        let want = r#"{"type":"claim","source":"S1","quote":" two\nlines ","speaker":"x","provenance":"tweet"}"#;
        assert_eq!(got.len(), 1);
        assert_eq!(same(&got[0]), same(&parse_line(want.as_bytes())));
    }

    /// RFC 4180's quoting, which the CSV reader alone does not hold to: a
    /// stray mark, text after a closing one, or a quoted cell never closed
    /// (which took the rest of the file as its text) names its row.
    #[test]
    fn quoting_that_breaks_rfc_4180_names_its_row() {
        let err = |csv: &str| match rows(csv) {
            Err(Error::Invalid { what, .. }) => what,
            other => panic!("{csv:?}: {other:?}"),
        };
        let head = "type,kind,text\n";
        let open =
            format!("{head}source,tweet,x\nsource,tweet,\"He said \"\"hi\"\"\nsource,tweet,y\n");
        assert!(
            err(&open).starts_with("row 3: a quoted cell is never closed"),
            "{}",
            err(&open)
        );
        let after = format!("{head}source,tweet,\"ab\"c\"\n");
        assert!(err(&after).starts_with("row 2: text after the quotation mark that closes a cell"));
        let stray = format!("{head}\n\nsource,tweet,He said \"hi\"\n");
        assert!(err(&stray)
            .starts_with("row 4: a quotation mark inside a cell that does not begin with one"));
        // What RFC 4180 allows reads as before: doubled marks, line breaks
        // and separators in quotes, CRLF after a closing mark, a BOM
        // before a quoted header.
        let good = "\u{feff}\"type\",kind,text\r\nsource,tweet,\"a \"\"b\"\",\r\nc\"\r\n";
        let lines = rows(good).unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].is_ok(), "{:?}", lines[0]);
    }

    #[test]
    fn a_bad_header_or_row_says_what_is_wrong() {
        let err = |csv: &str| match rows(csv) {
            Err(Error::Invalid { what, .. }) => what,
            other => panic!("{other:?}"),
        };
        assert_eq!(err(""), "row 1: the CSV input is empty");
        assert_eq!(
            err("type,quote,Qoute\n"),
            "row 1: column 3 is `Qoute`, which is not a field of an import line"
        );
        // An unnamed column holds nothing: a value in it is refused.
        let lines = rows("type,kind,,text,,\r\nsource,tweet,,hello,,\r\n").unwrap();
        assert!(matches!(&lines[0], Ok(Some(_))), "{:?}", lines[0]);
        let lines = rows("type,,quote\nclaim,oops,x\n").unwrap();
        assert!(
            matches!(&lines[0], Err(e) if e.what.contains("column 2 has no name in the header, but this row has `oops` in it")),
            "{:?}",
            lines[0]
        );
        assert_eq!(
            err("type,Quote,quote\n"),
            "row 1: two columns are named quote"
        );
        assert_eq!(err("quote,speaker\n"), "row 1: no type column");
        match Rows::new(&b"\xff\xfet\x00y\x00"[..]) {
            Err(Error::Invalid { what, .. }) => assert!(what.contains("UTF-16"), "{what}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        let row = |csv: &str| rows(csv).unwrap().remove(0).unwrap_err().what;
        assert_eq!(
            row("type,source\nclaim,S1,extra\n"),
            "3 cells where the header names 2 columns"
        );
        assert_eq!(row("type,source\n,S1\n"), "no type");
        // A number cut at its comma, in a row that ends early.
        assert_eq!(
            row("type,kind,text,title,publisher,author\nsource,article,Shelling displaced 1,200 families,Reuters\n"),
            "cells 3 and 4 (`Shelling displaced 1` and `200 families`) read as one number cut at a comma left outside quotation marks"
        );
        assert!(rows(
            "type,kind,text,title\nsource,article,\"Shelling displaced 1,200 families\",T\n"
        )
        .unwrap()
        .remove(0)
        .is_ok());
        assert!(!cut_number(b"3", b"200 dead"));
        assert!(!cut_number(b"A4", b"200"));
        assert!(!cut_number(b"at 1", b"2000"));
        assert!(!cut_number(b"2022-07-22", b"100 days"));
        // A full row, or one separated by semicolons: no cell is cut.
        assert!(rows("type,kind,text,title,publisher\nsource,article,Death toll now at 45,100 days of war,Reuters\n").unwrap().remove(0).is_ok());
        assert!(rows(
            "type;kind;text;title;publisher\nsource;article;Death toll now at 45;100 days\n"
        )
        .unwrap()
        .remove(0)
        .is_ok());
        // One cell too many, empty or not: a comma left unquoted.
        assert_eq!(
            row("type,source\nclaim,S1,\n"),
            "3 cells where the header names 2 columns"
        );
        assert!(rows("type,source\n,,,\n")
            .unwrap()
            .remove(0)
            .unwrap()
            .is_none());
        let claim = "type,source,quote,speaker,provenance,verdict\nclaim,S1,q,x,tweet,false\n";
        let e = rows(claim).unwrap().remove(0).unwrap_err();
        assert_eq!(
            e.what,
            "a claim row leaves its verdict cell empty: it takes label, source, quote, \
             occurrence, span, speaker, provenance, text"
        );
        assert_eq!(
            e.hint,
            "empty the verdict cell, or move what it holds to its own column"
        );
        assert_eq!(
            row("type,source,quote,provenance\nclaim,S1,q,tweet\n"),
            "no speaker: a claim row needs its speaker cell"
        );
        let e = rows("type\nclaimm\n").unwrap().remove(0).unwrap_err();
        assert_eq!(e.what, "unknown type `claimm`");
        assert!(e.hint.contains("the row's type column"), "{}", e.hint);
        assert!(row("type,verdict\nannotation,maybe\n").contains("maybe"));
        let bytes = b"type,note\nannotation,caf\xe9\n";
        let mut r = Rows::new(&bytes[..]).unwrap();
        let (_, line) = r.next_row().unwrap().unwrap();
        assert_eq!(
            line.unwrap_err().what,
            "note: not UTF-8 (invalid byte at character 4 of the cell); read as WINDOWS-1252, it says `café`"
        );
    }

    /// Blank lines are empty rows, so rows keep the numbers of the file's
    /// lines (a cell's line breaks aside).
    #[test]
    fn blank_lines_count_as_rows() {
        let got = rows("type,claim,verdict\n\nannotation,C1,false\n\n\nannotation,C1,\"x\ny\"\nannotation,C1,z\n")
            .unwrap();
        let kinds: Vec<&str> = got
            .iter()
            .map(|l| match l {
                Ok(None) => "blank",
                Ok(Some(_)) => "line",
                Err(_) => "error",
            })
            .collect();
        assert_eq!(kinds, ["blank", "line", "blank", "blank", "error", "error"]);
    }

    /// Blank lines before the header row, and after the last row, are
    /// blank rows too: the header keeps its number, and so does every row
    /// after it; a separator is told by the header, not by a blank line.
    #[test]
    fn blank_lines_around_the_rows_are_counted() {
        for (csv, blanks_before, lines, blanks_after) in [
            ("\n\ntype;claim;verdict\nannotation;C1;false\n", 2, 1, 0),
            (
                "\r\ntype,claim,verdict\r\nannotation,C1,false\r\n\r\n\r\n",
                1,
                1,
                2,
            ),
            ("type,claim,verdict\n\n\n", 0, 0, 2),
            ("type,claim,verdict\nannotation,C1,false\n\n", 0, 1, 1),
            ("type,claim,verdict\nannotation,C1,false\n\n\r\n", 0, 1, 2),
            ("type,claim,verdict\nannotation,C1,false", 0, 1, 0),
        ] {
            let got = rows(csv).unwrap();
            let kinds: Vec<bool> = got.iter().map(|l| matches!(l, Ok(Some(_)))).collect();
            let mut want = vec![false; blanks_before];
            want.extend(vec![true; lines]);
            want.extend(vec![false; blanks_after]);
            assert_eq!(kinds, want, "{csv:?}");
        }
        // A header row after blank lines is named by its own number.
        let Err(e) = Rows::new(&b"\n\nclaim,verdict\n"[..]) else {
            panic!("no type column, accepted");
        };
        assert!(e.to_string().starts_with("row 3: no type column"), "{e}");
    }

    /// The last row keeps its number whether or not a line break ends the
    /// input, after blank lines and cells with line breaks alike, with
    /// `\n` or `\r\n` (or both) ending the lines.
    #[test]
    fn the_last_row_is_numbered_with_or_without_a_line_break() {
        for end in ["", "\n", "\r\n", "\n\n"] {
            // A long row makes the reader refill its buffer within a row.
            let long = format!("annotation,C1,\"{}\nb\"\n\n\n", "a".repeat(20_000));
            for (before, row) in [
                ("", 2),
                ("\n", 3),
                ("\n\n\n", 5),
                ("annotation,C1,\"a\nb\"\n\n", 4),
                (&long, 5),
            ] {
                let lf = format!("type,claim,verdict\n{before}annotation,C1,false{end}");
                for csv in [lf.clone(), lf.replace('\n', "\r\n")] {
                    let got = rows(&csv).unwrap();
                    let last = got.iter().rposition(|l| matches!(l, Ok(Some(_))));
                    assert_eq!(last.map(|i| i + 2), Some(row), "{csv:?}");
                    // A blank line after it is a blank row.
                    let after = usize::from(end == "\n\n");
                    assert_eq!(got.len() + 1, row + after, "{csv:?}");
                    assert!(got[row - 1..].iter().all(|l| matches!(l, Ok(None))));
                }
            }
        }
    }

    /// Excel's CSV in most of Europe separates cells with semicolons, a
    /// text export with tabs: the header row tells which.
    #[test]
    fn semicolons_and_tabs_are_told_by_the_header() {
        let want = r#"{"type":"annotation","claim":"C1","verdict":"false","note":"a, b"}"#;
        for csv in [
            "type;claim;verdict;note\r\nannotation;C1;false;a, b\r\n",
            "type\tclaim\tverdict\tnote\nannotation\tC1\tfalse\ta, b\n",
            "type,claim,verdict,note\nannotation,C1,false,\"a, b\"\n",
        ] {
            let got = rows(csv).unwrap();
            assert_eq!(got.len(), 1, "{csv}");
            assert_eq!(same(&got[0]), same(&parse_line(want.as_bytes())), "{csv}");
        }
    }

    /// A row with fewer cells than the header (some exports drop the
    /// empty ones at its end) has them empty.
    #[test]
    fn missing_cells_at_the_end_are_empty() {
        let got = rows("type,claim,verdict,note\nannotation,C1,false\n").unwrap();
        let want = r#"{"type":"annotation","claim":"C1","verdict":"false"}"#;
        assert_eq!(got.len(), 1);
        assert_eq!(same(&got[0]), same(&parse_line(want.as_bytes())));
    }
}
