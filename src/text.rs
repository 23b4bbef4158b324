//! Working with source text: spans on UTF-8 boundaries, the context around
//! a quote (W3C TextQuoteSelector prefix/suffix), finding a quote, and
//! showing hostile text safely on a terminal.

use std::borrow::Cow;

/// Characters of context kept before and after a quote.
pub const CONTEXT_CHARS: usize = 32;

/// The text at `start..end`, if both lie on character boundaries inside it.
pub fn span(text: &str, start: usize, end: usize) -> Result<&str, String> {
    if start >= end || end > text.len() {
        return Err(format!(
            "span {start}..{end} is empty or outside the source's {} bytes",
            text.len()
        ));
    }
    for (what, at) in [("start", start), ("end", end)] {
        if !text.is_char_boundary(at) {
            let (before, after) = boundaries_around(text, at);
            return Err(format!(
                "span {what} {at} falls inside a multi-byte UTF-8 character (nearest boundaries: {before} and {after})"
            ));
        }
    }
    Ok(&text[start..end])
}

fn boundaries_around(text: &str, at: usize) -> (usize, usize) {
    let before = (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let after = (at..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    (before, after)
}

/// Parses `START..END` (byte offsets) as given to `claim add --span`.
pub fn parse_span(s: &str) -> Result<(usize, usize), String> {
    let bad = || {
        format!(
            "`{}` is not a span: write START..END with byte offsets, e.g. 120..187",
            escape(s)
        )
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    Ok((a, b))
}

/// Up to [`CONTEXT_CHARS`] characters before byte `start` (a boundary).
pub fn prefix(text: &str, start: usize) -> String {
    let before = text.get(..start).unwrap_or("");
    let skip = before.chars().count().saturating_sub(CONTEXT_CHARS);
    before.chars().skip(skip).collect()
}

/// Up to [`CONTEXT_CHARS`] characters after byte `end` (a boundary).
pub fn suffix(text: &str, end: usize) -> String {
    text.get(end..)
        .unwrap_or("")
        .chars()
        .take(CONTEXT_CHARS)
        .collect()
}

/// Byte offsets of every occurrence of `needle` (overlapping ones included).
pub fn occurrences(text: &str, needle: &str) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(needle)) {
        out.push(from + i);
        // Advance one character so overlapping occurrences are found too.
        from += i + text[from + i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Makes text safe to print on a terminal: control characters (C0, DEL,
/// C1: the start of ANSI CSI/OSC sequences) and Unicode bidirectional
/// controls (e.g. U+202E) are shown as `\u{…}` escapes; newlines and tabs as
/// `\n` and `\t`. Stored bytes are never changed, only their display.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`escape`] but keeps newlines, for multi-line display (notes, quotes).
pub fn escape_keep_newlines(s: &str) -> String {
    s.split('\n')
        .map(|l| escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_respect_char_boundaries() {
        let t = "Syria’s north";
        assert_eq!(span(t, 0, 5).unwrap(), "Syria");
        let err = span(t, 0, 6).unwrap_err();
        assert!(
            err.contains("multi-byte") && err.contains("5 and 8"),
            "{err}"
        );
        assert!(span(t, 3, 3).is_err());
        assert!(span(t, 0, 99).is_err());
    }

    #[test]
    fn context_is_counted_in_characters() {
        let t = format!("{}X{}", "é".repeat(40), "ü".repeat(40));
        let start = "é".len() * 40;
        assert_eq!(prefix(&t, start), "é".repeat(32));
        assert_eq!(suffix(&t, start + 1), "ü".repeat(32));
        assert_eq!(prefix("ab", 0), "");
    }

    #[test]
    fn finds_overlapping_occurrences() {
        assert_eq!(occurrences("aaa", "aa"), vec![0, 1]);
        assert_eq!(occurrences("x “Seven” y “Seven”", "Seven").len(), 2);
        assert!(occurrences("abc", "").is_empty());
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(escape("plain ‘text’"), "plain ‘text’");
        assert_eq!(escape("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape_keep_newlines("a\nb\u{7}"), "a\nb\\u{7}");
    }
}
