//! Small, panic-free text helpers shared by the suggester's passes.

use std::collections::HashMap;

/// `text[a..b]`, or `""` when the range is out of bounds or not on char
/// boundaries. Every slice in this module goes through here so that no input
/// can make `suggest` panic.
pub(super) fn slice(text: &str, a: usize, b: usize) -> &str {
    text.get(a..b).unwrap_or("")
}

/// Collapses every run of whitespace (line breaks included) into one space
/// and trims the ends: speakers and cues are shown on one line.
pub(super) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Number of whitespace-separated words. Chinese and Japanese are written without spaces between words: a run
/// of their characters counts as a word every two characters (about the
/// length of a Chinese word), or a quotation of twenty characters was one
/// "word", never long enough to be listed.
pub(super) fn word_count(s: &str) -> usize {
    s.split_whitespace()
        .map(|w| {
            let cjk = w.chars().filter(|&c| crate::text::is_cjk(c)).count();
            match cjk {
                0 => 1,
                // And a word for the letters of other scripts with them.
                n => {
                    n.div_ceil(2)
                        + usize::from(
                            w.chars()
                                .any(|c| c.is_alphanumeric() && !crate::text::is_cjk(c)),
                        )
                }
            }
        })
        .sum()
}

/// Byte range of `text[a..b]` with surrounding whitespace removed.
pub(super) fn trim_range(text: &str, a: usize, b: usize) -> (usize, usize) {
    // As a claim may not begin or end (a zero-width space or a
    // bidirectional mark at a quotation's edge made `--add all` refuse
    // every candidate).
    let s = slice(text, a, b);
    let (lead, trail) = crate::text::quote_edges(s);
    if lead + trail >= s.len() {
        return (a, a);
    }
    (a + lead, b - trail)
}

/// A line longer than this many characters, and of more than
/// [`LONG_LINE_WORDS`] words, was not wrapped by hand.
const LONG_LINE_CHARS: usize = 100;

/// See [`LONG_LINE_CHARS`]: a long line of a few words is a URL or a code.
const LONG_LINE_WORDS: usize = 8;

/// The paragraphs of `text` as trimmed byte ranges.
///
/// A paragraph ends at a blank line, so a quotation that runs over a single
/// line break (hard-wrapped copy) stays in one paragraph. Text without any
/// blank line but with a long line (over 100 characters and 8 words, i.e.
/// not hard-wrapped; a URL is one word) is taken to use one line per
/// paragraph. Not caught: hard-wrapped text with no blank lines between
/// paragraphs is read as a single paragraph, so an unclosed quotation there
/// runs on until the end of the text (or until [`super::CANDIDATE_WORDS_MAX`]
/// words, past which nothing is proposed).
pub(super) fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        // A line ends at LF, or at a CR alone (old Mac text, some exports:
        // a headline, byline and dateline ran into the first quotation).
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            lines.push((start, i));
            start = i + 1;
        }
    }
    lines.push((start, text.len()));
    let blank = |&(a, b): &(usize, usize)| slice(text, a, b).trim().is_empty();
    let first = lines.iter().position(|l| !blank(l));
    let last = lines.iter().rposition(|l| !blank(l));
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let inner_blank = lines
        .get(first..=last)
        .is_some_and(|ls| ls.iter().any(blank));
    // Long lines counted in characters, not bytes (a 76-character line
    // with a few Arabic words is 105 bytes), of words (a URL is one long
    // word): the tracking URL at an article's end made every hard wrap a
    // paragraph's end, and cut each quotation that ran over one (red team
    // A, F2). One such line is enough: a live blog's lines are mostly
    // short (time stamps, headings), and read as one paragraph its speakers
    // took the time stamps before them (red team D, D2).
    let one_per_line = !inner_blank
        && lines.iter().any(|&(a, b)| {
            let line = slice(text, a, b);
            line.chars().nth(LONG_LINE_CHARS).is_some()
                && line.split_whitespace().nth(LONG_LINE_WORDS).is_some()
        });
    let mut out = Vec::new();
    let mut cur: Option<(usize, usize)> = None;
    for l in &lines {
        if blank(l) {
            if let Some(p) = cur.take() {
                out.push(p);
            }
            continue;
        }
        cur = match cur {
            Some((a, _)) if !one_per_line => Some((a, l.1)),
            Some(p) => {
                out.push(p);
                Some(*l)
            }
            None => Some(*l),
        };
    }
    if let Some(p) = cur {
        out.push(p);
    }
    out.into_iter()
        .map(|(a, b)| trim_range(text, a, b))
        .filter(|(a, b)| b > a)
        .collect()
}

/// True when `hay` (already lowercased) contains `needle` as whole words:
/// the characters either side of the match are not alphanumeric.
pub(super) fn has_phrase(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(off) = hay.get(from..).and_then(|h| h.find(needle)) {
        let at = from + off;
        let end = at + needle.len();
        let not_alnum = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
        let before_ok = not_alnum(hay.get(..at).and_then(|h| h.chars().next_back()));
        let after_ok = not_alnum(hay.get(end..).and_then(|h| h.chars().next()));
        if before_ok && after_ok {
            return true;
        }
        from = at + needle.len().max(1);
        while from < hay.len() && !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// True when the word starts with an uppercase letter.
pub(super) fn is_capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// `text` with each terminal escape sequence (`ESC [ 1 m`, an OSC link
/// `ESC ] 8 ; ; url ESC \`, the one-byte CSI U+009B …) and every other
/// control but whitespace blanked to spaces of the same byte length, so
/// that offsets into it are offsets into `text`.
///
/// Copy from a terminal or a log carries them; the name rules refuse a
/// control in a speaker and the suggester dropped only the ESC byte itself,
/// leaving `Kim[1m Lee`, which `--add all` signed. Blanked before the rules
/// run, the sequence is a word break: `Kim Lee`.
pub(super) fn blank_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let stray = |c: char| c.is_control() && !c.is_whitespace();
    if !text.chars().any(stray) {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !stray(c) {
            out.push(c);
            continue;
        }
        // The bytes after the introducer that the sequence runs over.
        let body = match c {
            '\u{1b}' => escape_len(bytes, i + 1),
            '\u{9b}' => csi_len(bytes, i + 2),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => string_len(bytes, i + 2),
            _ => 0,
        };
        let end = i + c.len_utf8() + body;
        while chars.peek().is_some_and(|&(j, _)| j < end) {
            chars.next();
        }
        let end = chars.peek().map_or(text.len(), |&(j, _)| j);
        out.extend(std::iter::repeat_n(' ', end - i));
    }
    std::borrow::Cow::Owned(out)
}

/// Length of what follows an ESC at `at`: a CSI (`[`), a string (`]`, `P`,
/// `X`, `^`, `_`, up to BEL or ESC `\`), or an ESC with intermediates and
/// a final byte (`(B`, `7`). 0 when nothing well formed follows.
fn escape_len(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(b'[') => 1 + csi_len(bytes, at + 1),
        Some(b']' | b'P' | b'X' | b'^' | b'_') => 1 + string_len(bytes, at + 1),
        Some(_) => {
            let mut j = at;
            while bytes.get(j).is_some_and(|b| (0x20..=0x2f).contains(b)) {
                j += 1;
            }
            match bytes.get(j) {
                Some(b) if (0x30..=0x7e).contains(b) => j + 1 - at,
                _ => 0,
            }
        }
        None => 0,
    }
}

/// Length of a CSI's parameters, intermediates and final byte from `at`,
/// or 0 when they are not well formed.
fn csi_len(bytes: &[u8], at: usize) -> usize {
    let mut j = at;
    while bytes.get(j).is_some_and(|b| (0x20..=0x3f).contains(b)) && j - at < 32 {
        j += 1;
    }
    match bytes.get(j) {
        Some(b) if (0x40..=0x7e).contains(b) => j + 1 - at,
        _ => 0,
    }
}

/// Length of a control string from `at` up to and with its BEL or ESC `\`
/// terminator, within the line; 0 when it has none.
fn string_len(bytes: &[u8], at: usize) -> usize {
    let mut j = at;
    while let Some(&b) = bytes.get(j) {
        match b {
            0x07 => return j + 1 - at,
            0x1b if bytes.get(j + 1) == Some(&b'\\') => return j + 2 - at,
            b'\n' | b'\r' => return 0,
            _ => j += 1,
        }
    }
    0
}

/// `s` with each word that a hyphen breaks at a line's end made whole
/// again: before a small letter the hyphen and the break go (`Hu-` then
/// `man Rights` reads `Human Rights`), before a capital only the break
/// (`Jisr al-` then `Shughur` reads `al-Shughur`), as the quote matcher
/// reads it ([`crate::text::Difference::LineBreakHyphen`]), and before a
/// digit only the break too (`COVID-` then `19` reads `COVID-19`: no
/// word is broken before its digits). A soft hyphen at a line's end goes
/// with its break in every case. PDFs and print layouts break names so:
/// the speaker was `the Syrian Network for Hu- man Rights`.
///
/// Before a small letter the join is a guess: the hyphen may be the
/// word's own (`Turkish-` then `backed`), which the text cannot tell from
/// a broken word; [`ambiguous_line_hyphens`] finds those joins.
pub(super) fn join_line_hyphens(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\n') || !s.contains(['-', '\u{ad}']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((_, c)) = chars.next() {
        let hyphen = matches!(c, '-' | '\u{ad}') && prev.is_some_and(char::is_alphabetic);
        let next = if hyphen {
            crate::text::after_line_end(chars.clone())
        } else {
            None
        };
        match next {
            Some(next) => {
                if c == '-' && !next.is_lowercase() {
                    out.push('-');
                }
                // The break and the next line's indent, up to its letter.
                while chars.peek().is_some_and(|&(_, w)| w.is_whitespace()) {
                    chars.next();
                }
            }
            None => out.push(c),
        }
        prev = Some(c);
    }
    std::borrow::Cow::Owned(out)
}

/// The words [`join_line_hyphens`] joins by a guess in `text`: each
/// hyphen (not a soft one) at a line's end between letters, a small one
/// after it, as `(joined, hyphenated)`: `("Turkishbacked",
/// "Turkish-backed")` for `Turkish-` then `backed`, as `("Human",
/// "Hu-man")` for `Hu-` then `man`. The parts are the letters and digits
/// either side (`pro-Turkish-` then `backed`: `Turkish`, `backed`).
///
/// What draws nothing inside either part (a soft hyphen, a zero-width
/// space, as web pages scatter them) is read past and left out, as the
/// speaker's name leaves it out: `back<U+00AD>ed` cut the part short, the
/// joined word was not the speaker's, and `--add all` signed
/// `Turkishbacked`. A map from the joined word: a text of many broken
/// words made suggest quadratic (19 s on 3 MB).
pub(super) fn ambiguous_line_hyphens(text: &str) -> HashMap<String, String> {
    let in_word = |w: char| w.is_alphanumeric() || crate::text::draws_nothing(w);
    let shown = |part: &str| -> String {
        part.chars()
            .filter(|&w| !crate::text::draws_nothing(w))
            .collect()
    };
    let mut out = HashMap::new();
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        let broken = c == '-'
            && prev.is_some_and(char::is_alphabetic)
            && crate::text::after_line_end(slice(text, at + 1, text.len()).char_indices())
                .is_some_and(char::is_lowercase);
        if !crate::text::draws_nothing(c) {
            prev = Some(c);
        }
        if !broken {
            continue;
        }
        let before = slice(text, 0, at);
        let left_at = before
            .char_indices()
            .rev()
            .take_while(|&(_, w)| in_word(w))
            .last()
            .map_or(at, |(i, _)| i);
        let after = slice(text, at + 1, text.len()).trim_start();
        let right: String = shown(
            &after
                .chars()
                .take_while(|&w| in_word(w))
                .collect::<String>(),
        );
        let left = shown(slice(text, left_at, at));
        out.entry(format!("{left}{right}"))
            .or_insert_with(|| format!("{left}-{right}"));
    }
    out
}

/// `speaker` with each word that [`ambiguous_line_hyphens`] says was
/// joined by a guess (`joined`, a whole word between characters other
/// than letters and digits) given its hyphen back; `None` when it holds
/// none.
pub(super) fn hyphen_kept(speaker: &str, joins: &HashMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(speaker.len());
    let mut changed = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, changed: &mut bool| {
        match joins.get(word.as_str()) {
            Some(h) => {
                out.push_str(h);
                *changed = true;
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in speaker.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut changed);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut changed);
    changed.then_some(out)
}

/// Whether `c` is a symbol or a mark that only dresses one (an emoji, its
/// skin tone and presentation selectors, the joiner of a sequence, a
/// keycap, a flag's tags, a dingbat, an arrow): what pages put after a name
/// (`volunteer Abu Ahmad 🙏`), never a letter of it. Unicode's symbol
/// categories (So, Sk, Sm) outside ASCII, by their blocks.
fn is_symbol_dress(c: char) -> bool {
    !c.is_alphanumeric()
        && matches!(c,
            '\u{a6}' | '\u{a8}' | '\u{a9}' | '\u{ae}' | '\u{af}' | '\u{b0}' | '\u{b4}' | '\u{b8}'
            | '\u{2c2}'..='\u{2c5}' | '\u{2d2}'..='\u{2df}' | '\u{2e5}'..='\u{2ff}'
            | '\u{200d}' | '\u{203c}' | '\u{2049}' | '\u{20d0}'..='\u{20ff}'
            | '\u{2100}'..='\u{214f}' | '\u{2190}'..='\u{2bff}'
            | '\u{3030}' | '\u{303d}' | '\u{3297}' | '\u{3299}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{fffc}' | '\u{fffd}'
            | '\u{1f000}'..='\u{1fbff}' | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
}

/// `s` without the symbols at its ends ([`is_symbol_dress`], whole
/// grapheme clusters: a family emoji goes with its joiners), nor the
/// white space and invisible characters beside them. Symbols inside a name
/// are left: they may be its own.
pub(super) fn trim_symbols(s: &str) -> &str {
    use unicode_segmentation::UnicodeSegmentation;
    let dress = |g: &str| {
        g.chars().all(|c| {
            is_symbol_dress(c) || c.is_whitespace() || crate::text::is_invisible_in_copy(c)
        })
    };
    let mut t = s;
    while let Some(g) = t.graphemes(true).next_back().filter(|g| dress(g)) {
        t = &t[..t.len() - g.len()];
    }
    while let Some(g) = t.graphemes(true).next().filter(|g| dress(g)) {
        t = &t[g.len()..];
    }
    t
}
