//! Working with source text: spans on UTF-8 boundaries, the context around
//! a quote (W3C TextQuoteSelector prefix/suffix), finding a quote (exactly,
//! or with typography and case set aside to tell the analyst where the
//! exact text is), comparing names typed by hand, and showing hostile text
//! safely on a terminal.

use std::borrow::Cow;

/// Characters of context kept before and after a quote.
pub const CONTEXT_CHARS: usize = 32;

/// The text at `start..end`, if both lie on character boundaries inside it.
pub fn span(text: &str, start: usize, end: usize) -> Result<&str, String> {
    if start > end {
        return Err(format!("span {start}..{end} ends before it starts"));
    }
    // Past the end first: `--span 18446744073709551615..18446744073709551615`
    // is empty too, but what is wrong with it is where it lies.
    if end > text.len() {
        return Err(format!(
            "span {start}..{end} ends past the source's {}",
            count(text.len() as u64, "byte")
        ));
    }
    if start == end {
        return Err(format!("span {start}..{end} is empty"));
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

/// Whether byte `at` of `text` is a boundary between characters as a
/// reader sees them (UAX #29 extended grapheme clusters): a character
/// boundary that is not before a combining mark belonging to the letter
/// before it (`=` + U+0338 is drawn `≠`; `e` + U+0301 `é`; Arabic vowel
/// marks), nor inside an emoji sequence or a Hangul syllable written in
/// parts. A claim that ends or starts there quotes what the source does
/// not show. (Where a script needs a cut inside a cluster, `--span` still
/// refuses it: the exact quote is the reader's characters.)
pub fn is_grapheme_boundary(text: &str, at: usize) -> bool {
    if !text.is_char_boundary(at) {
        return false;
    }
    unicode_segmentation::GraphemeCursor::new(at, text.len(), true)
        .is_boundary(text, 0)
        .unwrap_or(true)
}

/// The word that byte `at` of `text` falls inside, if it does: `(word,
/// its span)`. A claim's span that begins or ends there cuts the word.
/// Words are UAX #29's, so text written without spaces between words
/// (Chinese, Japanese) is cut anywhere between its characters without a
/// word; a cut between two letters or digits that UAX #29 joins is
/// inside one (`EPP` out of `ALEPPO`, `kill` out of `skill`). Read in a
/// window of the text around `at`, so a 16 MiB source costs no more than
/// a tweet. What this does not judge: whether the cut was meant (a claim
/// of one part of a compound may be), which is why `claim add` only notes
/// it.
pub fn word_cut(text: &str, at: usize) -> Option<(String, (usize, usize))> {
    use unicode_segmentation::UnicodeSegmentation;
    const WINDOW: usize = 256;
    let before = text.get(..at)?.chars().next_back()?;
    let after = text.get(at..)?.chars().next()?;
    if !before.is_alphanumeric() || !after.is_alphanumeric() {
        return None;
    }
    let from = (0..=at.saturating_sub(WINDOW))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let to = (at + WINDOW.min(text.len() - at)..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[from..to]
        .split_word_bound_indices()
        .map(|(i, w)| (from + i, w))
        .find(|&(i, w)| i < at && at < i + w.len())
        // A word that runs past the window is not named (a piece of it
        // was, twice, with a "whole word" span that cut it too).
        .filter(|&(i, w)| (i > from || from == 0) && (i + w.len() < to || to == text.len()))
        .map(|(i, w)| (w.to_string(), (i, i + w.len())))
}

/// The reader's character boundaries ([`is_grapheme_boundary`]) at or
/// before `at`, and at or after it.
pub fn grapheme_boundaries_around(text: &str, at: usize) -> (usize, usize) {
    let before = (0..=at.min(text.len()))
        .rev()
        .find(|&i| is_grapheme_boundary(text, i))
        .unwrap_or(0);
    let after = (at..=text.len())
        .find(|&i| is_grapheme_boundary(text, i))
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
    // Digits only: Rust's integer parsing also takes a `+` sign, and the
    // trim took spaces, so `+0..+6` and ` 0..5 ` passed where `0x10..0x20`
    // and full-width digits did not, and import lines are read strictly.
    let number = |t: &str| -> Result<usize, String> {
        match !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            true => t.parse().map_err(|_| bad()),
            false => Err(bad()),
        }
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    Ok((number(a)?, number(b)?))
}

/// Up to [`CONTEXT_CHARS`] characters before byte `start` (a boundary).
/// Walks back from `start` only: verify takes the context of every claim,
/// and a long source's quotes are far from its start.
pub fn prefix(text: &str, start: usize) -> &str {
    let before = text.get(..start).unwrap_or("");
    let from = before
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    &before[from..]
}

/// `prefix` (a claim's signed context before its quote, cut at a
/// character, not at a character as a reader sees it) without the pieces
/// of a character its cut left at its start: combining marks, joiners,
/// variation selectors, skin tones and tag characters that belonged to
/// the character before, and one regional indicator of a flag cut in two
/// (`🇺🇸🇾🇪` cut after its first letter showed 🇸🇾, Syria's flag, for
/// the US's and Yemen's). For display only: the signed prefix is as it is.
pub fn whole_start(prefix: &str) -> &str {
    let continues = |c: char| {
        unicode_normalization::char::is_combining_mark(c)
            || matches!(c, '\u{200d}' | '\u{fe00}'..='\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}'
                | '\u{e0020}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
    };
    let s = prefix.trim_start_matches(continues);
    let flags = s.chars().take_while(|c| is_regional_indicator(*c)).count();
    let s = match flags % 2 {
        1 => &s[s.chars().next().map_or(0, char::len_utf8)..],
        _ => s,
    };
    // A sequence joined with U+200D (a family, a rainbow flag) whose
    // first part may have been cut off shows as another emoji (👨‍👩‍👧‍👦 cut
    // after the man showed 👩‍👧‍👦): left out whole.
    use unicode_segmentation::UnicodeSegmentation;
    match s.graphemes(true).next() {
        Some(first) if first.contains('\u{200d}') => &s[first.len()..],
        _ => s,
    }
}

/// `suffix` (a claim's signed context after its quote) without the piece
/// of a character its cut left at its end: a joiner, or one regional
/// indicator of a flag cut in two. For display only, as [`whole_start`].
pub fn whole_end(suffix: &str) -> &str {
    use unicode_segmentation::UnicodeSegmentation;
    let s = suffix.trim_end_matches('\u{200d}');
    let flags = s
        .chars()
        .rev()
        .take_while(|c| is_regional_indicator(*c))
        .count();
    let s = match flags % 2 {
        1 => &s[..s.len() - s.chars().next_back().map_or(0, char::len_utf8)],
        _ => s,
    };
    // A joined sequence at the end may have lost its last part (and one
    // that ended in a joiner did).
    let cut = suffix.ends_with('\u{200d}');
    match s.graphemes(true).next_back() {
        Some(last) if cut || last.contains('\u{200d}') => &s[..s.len() - last.len()],
        _ => s,
    }
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

/// Up to [`CONTEXT_CHARS`] characters after byte `end` (a boundary).
pub fn suffix(text: &str, end: usize) -> &str {
    let after = text.get(end..).unwrap_or("");
    let to = after
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(after.len(), |(i, _)| i);
    &after[..to]
}

/// A source's stored text, checked as UTF-8 once when it is read: verify
/// checks every claim's quote against its source's text, and a source has
/// several claims. A text that is not UTF-8 is kept as bytes (its hash and
/// length are still checked; no quote can be found in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceText(Result<String, Vec<u8>>);

impl SourceText {
    pub fn new(bytes: Vec<u8>) -> Self {
        SourceText(String::from_utf8(bytes).map_err(|e| e.into_bytes()))
    }

    /// A text known to be UTF-8 (a bundle's texts are JSON strings).
    pub fn from_string(text: String) -> Self {
        SourceText(Ok(text))
    }

    /// The exact bytes stored.
    pub fn bytes(&self) -> &[u8] {
        match &self.0 {
            Ok(text) => text.as_bytes(),
            Err(bytes) => bytes,
        }
    }

    /// The text, if it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        self.0.as_deref().ok()
    }
}

/// Byte offsets of every occurrence of `needle` (overlapping ones
/// included). The first few are found by searching again after each
/// (`memchr`'s memmem, built once: a quote occurs once or twice, as most
/// do, and the whole text is read to know it; `str::find` made an import
/// of 10,000 claims of one 740 KB source run at 900 entries a second);
/// past them, the rest in one pass over the text (aho-corasick): a
/// search started again after each occurrence reads the needle again for
/// each, and a quote of 4,000 characters in 4 MB of one repeated word took
/// 24 s. (A needle of UTF-8 text can only match where a character begins.)
pub fn occurrences(text: &str, needle: &str) -> Vec<usize> {
    const FIRST: usize = 64;
    if needle.is_empty() {
        return Vec::new();
    }
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text.as_bytes().get(from..).and_then(|t| finder.find(t)) {
        out.push(from + i);
        // Advance one character so overlapping occurrences are found too.
        from += i + text[from + i..].chars().next().map_or(1, char::len_utf8);
        if out.len() == FIRST {
            if let Ok(searcher) = aho_corasick::AhoCorasick::new([needle]) {
                let rest = &text[from..];
                out.extend(
                    searcher
                        .find_overlapping_iter(rest)
                        .map(|m| from + m.start()),
                );
            }
            break;
        }
    }
    out
}

/// Ways a quote may differ from the source's text and still be what the
/// analyst meant: text copied from a browser, a PDF or a chat app often
/// comes with straight quotes for curly ones (or the reverse), a hyphen for
/// a dash, other spaces or line breaks, three dots for an ellipsis, or
/// other capitals. A claim is always the source's exact bytes; these only
/// help find them ([`near_matches`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difference {
    /// Quotation marks and apostrophes: `"` `“` `”` `„` `«` `»`, `'` `‘` `’` `ʼ` ….
    QuoteMarks,
    /// Hyphens and dashes: `-` `‐` `–` `—` `−` ….
    Dashes,
    /// Runs of white space (spaces, no-break spaces, tabs, line breaks).
    Spacing,
    /// `…` against `...`.
    Ellipsis,
    /// Upper against lower case.
    Case,
    /// The same text in another Unicode form (compatibility composition,
    /// NFKC): an accent typed as a separate combining mark (as macOS and
    /// some PDFs give it) or composed, a ligature (`ﬁ` from a PDF) or its
    /// letters, full-width forms, Arabic presentation forms and the letters
    /// they draw. Letters that differ (`cafe` and `café`) still differ.
    UnicodeForm,
    /// Characters that draw nothing and that web pages scatter in text:
    /// zero-width spaces, soft hyphens, word joiners, bidirectional marks, a byte order mark
    /// inside text (see [`is_invisible_in_copy`]); and, in a quote and its
    /// source only, variation selectors (see [`is_variation_selector`]:
    /// `We ❤ Idlib.` typed for a source's `We ❤️ Idlib.`, U+2764 U+FE0F).
    Invisible,
    /// Arabic's vowel marks (harakat: fatha, damma, kasra, shadda, sukun,
    /// tanwin, the dagger alif) and the tatweel that stretches a word
    /// (`مصطفـى`): most Arabic is written without the marks and some of it
    /// with them, so a quote typed as people type (`قتلوا`) was not found
    /// in a source that writes `قُتلوا`, and one speaker typed twice was two.
    ArabicMarks,
    /// A word broken across two lines by a hyphen, as PDFs and print
    /// layouts break them (`evacu-` at a line's end, `ation` on the next):
    /// a quote typed as the word reads (`evacuation`) was "not found",
    /// with no place shown. Only a hyphen after a letter at a line's end:
    /// when the next line goes on with a small letter the hyphen and the
    /// break are set aside (`evacuation`), and before a capital only the
    /// break, the hyphen being the name's (`Jisr al-` then `Shughur` reads
    /// `al-Shughur`).
    ///
    /// In a quote ([`near_matches`]), such a hyphen may also be copied as
    /// a PDF viewer copies it, the break a space (`evacu- ation`, `Jisr
    /// al- Shughur`) or gone (`evacu-ation`), or typed as the compound
    /// reads (`well-known` for `well-` then `known`): each finds the
    /// broken word. Each hyphen so read must stand where the source has a
    /// hyphen at a line's end, and the quote's other hyphens are read as
    /// typed (`cease-fire … well-known` finds `cease-fire … well-` then
    /// `known`; `re-creation` never finds `recreation`).
    LineBreakHyphen,
    /// Zero-width non-joiners and joiners (U+200C, U+200D), which Persian,
    /// Kurdish and Indic scripts write inside words (`می‌خواهیم`, a
    /// "half-space") and which a quote typed on another keyboard, or
    /// copied through an app that drops them, leaves out (`میخواهیم`):
    /// such a quote was "not found", with no span offered. They change how
    /// the letters join, not which letters the word has. (A space typed
    /// for the half-space is a word break, and is still a difference no
    /// rule sets aside.)
    Joiners,
    /// Arabic-Indic digits (U+0660–U+0669 `٠١٢…`, and the extended ones
    /// Persian and Urdu write, U+06F0–U+06F9 `۰۱۲…`) against the digits
    /// `0`–`9`, the Arabic comma, semicolon and question mark (`،`
    /// `؛` `؟`) against `,` `;` `?`, and the Arabic decimal and thousands
    /// separators (`٫` `٬`) against `.` `,`: a quote typed on a Latin keyboard
    /// (`وأصيب 12 آخرون`) for a source's `وأُصيب ١٢ آخرون` was "not found".
    /// The same number, written with another keyboard's digits. Quotes
    /// only: names and searches do not set it aside.
    ArabicDigits,
}

impl Difference {
    pub const ALL: [Difference; 11] = [
        Difference::QuoteMarks,
        Difference::Dashes,
        Difference::Spacing,
        Difference::Ellipsis,
        Difference::Case,
        Difference::UnicodeForm,
        Difference::Invisible,
        Difference::ArabicMarks,
        Difference::LineBreakHyphen,
        Difference::Joiners,
        Difference::ArabicDigits,
    ];

    /// How a message names it.
    pub fn name(self) -> &'static str {
        match self {
            Difference::QuoteMarks => "quotation marks or apostrophes",
            Difference::Dashes => "dashes",
            Difference::Spacing => "spacing",
            Difference::Ellipsis => "ellipsis marks (… against three dots)",
            Difference::Case => "letter case",
            Difference::UnicodeForm => {
                "Unicode forms (accents typed apart, ligatures, presentation forms)"
            }
            Difference::Invisible => {
                "invisible characters (zero-width spaces, soft hyphens, word joiners, bidirectional marks, variation selectors)"
            }
            Difference::ArabicMarks => "Arabic vowel marks or the tatweel",
            Difference::LineBreakHyphen => "hyphens at line ends",
            Difference::Joiners => "zero-width non-joiners or joiners (half-spaces)",
            Difference::ArabicDigits => {
                "Arabic digits or punctuation (for example ١٢ for 12, or ، for ,)"
            }
        }
    }

    /// The differences between `found` (a [`NearMatch`]'s text) and
    /// `needle`: each one without which they would not match. Empty for
    /// the same text, and in the unlikely case that a match starts or ends
    /// inside one folded character (within a `…`).
    ///
    /// When none is needed alone, as where two would each do, those that
    /// would each do; but a hyphen and a space where the source breaks a
    /// word at a line's end (`evacu- ation` for `evacu-` then `ation`, which
    /// spacing would do too) is one difference, the hyphen at a line's end.
    pub fn between(found: &str, needle: &str) -> Vec<Difference> {
        let needed: Vec<Difference> = Difference::ALL
            .into_iter()
            .filter(|&d| {
                let others: Vec<Difference> =
                    Difference::ALL.into_iter().filter(|&o| o != d).collect();
                !folds_alike(found, needle, &others)
            })
            .collect();
        if !needed.is_empty() || folds_alike(found, needle, &[]) {
            return needed;
        }
        let alone: Vec<Difference> = Difference::ALL
            .into_iter()
            .filter(|&d| folds_alike(found, needle, &[d]))
            .collect();
        match alone.contains(&Difference::LineBreakHyphen) {
            true => vec![Difference::LineBreakHyphen],
            false => alone,
        }
    }
}

/// Whether the source's text `found` reads as `needle` once the `allow`ed
/// differences are set aside, as [`near_matches`] compares them: the
/// needle read as typed, or (with [`Difference::LineBreakHyphen`]) some of
/// its hyphens read as the source's hyphens at line ends, each one where
/// the source has one ([`line_end_pattern`]).
fn folds_alike(found: &str, needle: &str, allow: &[Difference]) -> bool {
    if fold_as(found, allow, Reading::Quote) == fold_as(needle, allow, Reading::Quote) {
        return true;
    }
    if !allow.contains(&Difference::LineBreakHyphen) {
        return false;
    }
    let Some(pattern) = line_end_pattern(needle, allow) else {
        return false;
    };
    let marked = fold_as(found, allow, Reading::Marked);
    regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(&marked))
}

/// How [`fold_units`] reads a text. Names and searches are read as they
/// always were: what sets two names apart is not changed by what helps
/// find a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    /// A name or a searched text ([`name_key`], [`Part`]): variation
    /// selectors and Arabic digits are kept.
    Name,
    /// A source's text, or a quote as typed, when a quote is looked for:
    /// variation selectors are set aside with [`Difference::Invisible`],
    /// and [`Difference::ArabicDigits`] applies.
    Quote,
    /// A source's text as [`Reading::Quote`], but each hyphen at a line's
    /// end that breaks a word, with the break, folded to a mark of its own
    /// ([`BREAK_SMALL`] before a small letter, [`BREAK_CAPITAL`] before a
    /// capital), which a quote's hyphen read as a line's end matches
    /// ([`line_end_pattern`]), and no other character does.
    Marked,
}

/// What a source's hyphen at a line's end before a small letter folds to
/// in [`Reading::Marked`]: a noncharacter, which a source's own is not
/// folded to (it reads as U+FFFD there).
const BREAK_SMALL: char = '\u{fdd0}';
/// As [`BREAK_SMALL`], before a capital (`Jisr al-` then `Shughur`).
const BREAK_CAPITAL: char = '\u{fdd1}';

/// A pattern (regular expression) for `needle` folded as a quote
/// ([`Reading::Quote`], the `allow`ed differences set aside) to be looked
/// for in a source folded with its line-end hyphens marked
/// ([`Reading::Marked`]), or `None` when no hyphen of the quote may be
/// read as a line's end. Each hyphen after a letter and before a letter,
/// or before spaces and a letter (`evacu-ation`, `well-known`, `evacu-
/// ation`, `al- Shughur`), matches itself or one of the source's hyphens at
/// a line's end, and between two letters the source may break the word
/// (`evacuation`, not before a capital). So each hyphen read as a line's
/// end is one in the source: `re-creation` does not find `recreation`
/// because a `well-` then `known` is near, and `cease-fire` keeps its own
/// hyphen where `well-known` is found at a line's end.
fn line_end_pattern(needle: &str, allow: &[Difference]) -> Option<String> {
    let mut units: Vec<(usize, usize, String)> = Vec::new();
    fold_units(needle, allow, Reading::Quote, |start, end, f| {
        units.push((start, end, f.to_string()))
    });
    let (small, capital) = (
        regex::escape(&BREAK_SMALL.to_string()),
        regex::escape(&BREAK_CAPITAL.to_string()),
    );
    let mut pattern = String::new();
    let mut hyphens = 0;
    let mut i = 0;
    let mut last_letter = false; // whether the folded text so far ends with a letter
    while i < units.len() {
        let (start, _, ref f) = units[i];
        let c = needle[start..].chars().next().unwrap_or('\0');
        let before = needle[..start].chars().next_back().unwrap_or('\0');
        let rest = &needle[start + c.len_utf8()..];
        let read_as_break = matches!(c, '-' | '\u{2010}')
            && before.is_alphanumeric()
            && typed_break(rest.char_indices()).is_some();
        if read_as_break {
            // The hyphen, and the spaces copied for the break.
            let mut typed = f.clone();
            let mut j = i + 1;
            while j < units.len()
                && needle[units[j].0..units[j].1]
                    .chars()
                    .all(char::is_whitespace)
            {
                typed.push_str(&units[j].2);
                j += 1;
            }
            pattern.push_str(&format!("(?:{}|{small}|{capital})", regex::escape(&typed)));
            hyphens += 1;
            i = j;
            last_letter = false;
            continue;
        }
        if f.is_empty() {
            i += 1;
            continue;
        }
        if last_letter && f.chars().next().is_some_and(char::is_alphabetic) {
            pattern.push_str(&format!("(?:{small})?"));
        }
        pattern.push_str(&regex::escape(f));
        last_letter = f.chars().next_back().is_some_and(char::is_alphabetic);
        i += 1;
    }
    (hyphens > 0).then_some(pattern)
}

/// A place where a quote occurs up to [`Difference`]s: byte offsets of the
/// source's own text, on character boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NearMatch {
    pub start: usize,
    pub end: usize,
}

/// Calls `each(start, end, folded)` for every unit of `original` in order:
/// a character, or a run of white space when [`Difference::Spacing`] is
/// allowed, with `[start, end)` its bytes in `original` and `folded` what it
/// becomes once the `allow`ed differences are set aside.
fn fold_units(
    original: &str,
    allow: &[Difference],
    how: Reading,
    mut each: impl FnMut(usize, usize, &str),
) {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::{char::is_combining_mark, is_nfkc_quick, IsNormalized};
    let [quotes, dashes, spacing, ellipsis, case, form, invisible, arabic, hyphenation, joiners, digits] =
        Difference::ALL.map(|d| allow.contains(&d));
    let in_quote = how != Reading::Name;
    let digits = digits && in_quote;
    let set_aside = |c: char| {
        (invisible && (is_invisible_in_copy(c) || (in_quote && is_variation_selector(c))))
            || (arabic && is_arabic_mark(c))
            || (joiners && matches!(c, '\u{200c}' | '\u{200d}'))
    };
    let mut buf = [0u8; 16];
    let (mut unit, mut composed) = (String::new(), String::new());
    // Whether a character is its own NFKC form, for the last characters
    // seen by their low byte: a text uses few distinct letters, and the
    // lookup is most of the cost of folding a non-Latin text.
    let mut nfkc_cache = [('\0', true); 256];
    let mut is_own_nfkc = |c: char| {
        let slot = &mut nfkc_cache[(c as u32 & 0xFF) as usize];
        if slot.0 != c {
            *slot = (c, is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes);
        }
        slot.1
    };
    let mut chars = original.char_indices().peekable();
    let mut prev = '\0';
    while let Some((at, c)) = chars.next() {
        let before = std::mem::replace(&mut prev, c);
        let mut end = at + c.len_utf8();
        let marks_follow = form
            && chars
                .peek()
                .is_some_and(|&(_, m)| !m.is_ascii() && is_combining_mark(m));
        let broken = match hyphenation && matches!(c, '-' | '\u{2010}' | '\u{00ad}') {
            true => hyphen_at_line_end(before, chars.clone()),
            false => None,
        };
        let folded: &str = if let Some(kept) = broken {
            // The hyphen (or not), the line break and the next line's
            // indent, in one unit.
            while let Some(&(i, w)) = chars.peek() {
                if !w.is_whitespace() {
                    break;
                }
                end = i + w.len_utf8();
                chars.next();
            }
            match (how, kept && c != '\u{00ad}') {
                (Reading::Marked, true) => BREAK_CAPITAL.encode_utf8(&mut buf),
                (Reading::Marked, false) => BREAK_SMALL.encode_utf8(&mut buf),
                (_, true) => "-",
                (_, false) => "",
            }
        } else if how == Reading::Marked && matches!(c, BREAK_SMALL | BREAK_CAPITAL) {
            "\u{fffd}"
        } else if set_aside(c) {
            // Only at the start of the text: after anything else, they
            // are taken into the unit before them (below).
            ""
        } else if spacing && c.is_whitespace() {
            // One run, with what draws nothing inside it (`White ​ Helmets`
            // with a zero-width space between two spaces).
            while let Some(&(i, w)) = chars.peek() {
                if !(w.is_whitespace() || set_aside(w)) {
                    break;
                }
                end = i + w.len_utf8();
                chars.next();
            }
            // French sets its guillemets apart from the words inside them
            // (`« La France… »`, with no-break spaces), and those who
            // quote it often do not: inside guillemets, the space is one
            // of the quotation marks' differences.
            let closing = chars.peek().is_some_and(|&(_, n)| matches!(n, '»' | '›'));
            if quotes && (matches!(before, '«' | '‹') || closing) {
                ""
            } else {
                " "
            }
        } else if let Some(typed) = digits.then(|| arabic_typed(c)).flatten() {
            typed.encode_utf8(&mut buf)
        } else if c.is_ascii_alphanumeric() && !marks_follow {
            // Most of a text: no table lookups.
            let c = if case { c.to_ascii_lowercase() } else { c };
            c.encode_utf8(&mut buf)
        } else if quotes && is_double_quote(c) {
            "\""
        } else if quotes && is_single_quote(c) {
            "'"
        } else if dashes && is_dash(c) {
            // `--` (and `---`) is how a dash is typed on a keyboard without
            // one: one dash, as `—` is (`ALEPPO -- Russia` was not found in
            // `ALEPPO — Russia`, nor named as a dash difference). Any run
            // of hyphens counts as one, a rule line of them too.
            if c == '-' {
                while let Some(&(i, '-')) = chars.peek() {
                    end = i + 1;
                    chars.next();
                }
            }
            "-"
        } else if ellipsis && c == '…' {
            "..."
        } else if form
            && (marks_follow || !(c.is_ascii() || is_own_nfkc(c)))
            && !(c.is_whitespace() || c == '…' || is_double_quote(c))
            && !(is_single_quote(c) || is_dash(c))
        {
            // The character with the combining marks after it, composed
            // (NFKC): "e" + U+0301 and "é", "ﬁ" and "fi". White space,
            // quotation marks, dashes and the ellipsis are left to their
            // own differences, so that a message names the right one.
            unit.clear();
            unit.push(c);
            while let Some(&(i, m)) = chars.peek() {
                if !is_combining_mark(m) {
                    break;
                }
                // A variation selector is a mark too (`❤` U+FE0F).
                if !set_aside(m) {
                    unit.push(m);
                }
                end = i + m.len_utf8();
                chars.next();
            }
            composed.clear();
            for n in unit.nfkc() {
                if case {
                    composed.extend(lower(n));
                } else {
                    composed.push(n);
                }
            }
            &composed
        } else if case {
            // At most three characters of at most four bytes.
            let mut n = 0;
            for l in lower(c) {
                n += l.encode_utf8(&mut buf[n..]).len();
            }
            std::str::from_utf8(&buf[..n]).unwrap_or("")
        } else {
            c.encode_utf8(&mut buf)
        };
        while let Some(&(i, z)) = chars.peek() {
            if !set_aside(z) {
                break;
            }
            // A soft hyphen at a line's end is the next unit's, which
            // joins the broken word.
            if hyphenation && z == '\u{00ad}' && c.is_alphabetic() {
                let mut ahead = chars.clone();
                ahead.next();
                if line_end_hyphen(ahead).is_some() {
                    break;
                }
            }
            end = i + z.len_utf8();
            chars.next();
        }
        each(at, end, folded);
    }
}

/// Whether what follows a hyphen is a line's end ([`Difference::LineBreakHyphen`]):
/// spaces or tabs, one line break (`\n`, `\r\n`), the next line's indent,
/// then a letter: `Some(false)` for a small one (the hyphen only breaks the
/// word), `Some(true)` for a capital (the hyphen is the word's own:
/// `al-` then `Shughur`), `None` otherwise.
pub(crate) fn line_end_hyphen(ahead: impl Iterator<Item = (usize, char)>) -> Option<bool> {
    after_line_end(ahead)
        .filter(|c| c.is_alphanumeric())
        .map(|c| !c.is_lowercase())
}

/// [`line_end_hyphen`] of a hyphen after `before`, a letter or a digit:
/// after a digit the hyphen is always the word's own (`12-` then `year-old`
/// is `12-year-old`, never `12year-old`, which a quote typed so was offered).
fn hyphen_at_line_end(before: char, ahead: impl Iterator<Item = (usize, char)>) -> Option<bool> {
    match before.is_alphabetic() {
        true => line_end_hyphen(ahead),
        false if before.is_alphanumeric() => line_end_hyphen(ahead).map(|_| true),
        false => None,
    }
}

/// What follows a hyphen when it ends a line: spaces or tabs, one line
/// break (`\n`, `\r\n`), the next line's indent, then a letter or a digit,
/// which is given; `None` otherwise. The quote matcher's reading
/// ([`line_end_hyphen`]) and the suggester's mending of names both go by it.
pub(crate) fn after_line_end(ahead: impl Iterator<Item = (usize, char)>) -> Option<char> {
    let mut breaks = 0;
    for (_, c) in ahead {
        match c {
            '\n' => breaks += 1,
            ' ' | '\t' | '\r' => {}
            c if breaks == 1 && c.is_alphanumeric() => return Some(c),
            _ => return None,
        }
        if breaks > 1 {
            return None;
        }
    }
    None
}

/// Whether what follows a hyphen in a quote may be a line's end as a PDF
/// viewer copies it ([`line_end_pattern`]): spaces or tabs, or none, then
/// a letter; `Some(false)` for a small one, `Some(true)` for a capital, as
/// [`line_end_hyphen`].
fn typed_break(ahead: impl Iterator<Item = (usize, char)>) -> Option<bool> {
    for (_, c) in ahead {
        match c {
            ' ' | '\t' => {}
            c if c.is_alphanumeric() => return Some(!c.is_lowercase()),
            _ => return None,
        }
    }
    None
}

/// Whether `text` holds a hyphen at a line's end that breaks a word
/// ([`Difference::LineBreakHyphen`]): where a quote whose hyphens were read
/// as line ends may be found.
fn has_broken_word(text: &str) -> bool {
    let mut before = '\0';
    for (at, c) in text.char_indices() {
        if matches!(c, '-' | '\u{2010}' | '\u{00ad}')
            && hyphen_at_line_end(before, text[at + c.len_utf8()..].char_indices()).is_some()
        {
            return true;
        }
        before = c;
    }
    false
}

/// The character a Latin keyboard types for an Arabic-Indic digit or an
/// Arabic comma, semicolon or question mark ([`Difference::ArabicDigits`]).
fn arabic_typed(c: char) -> Option<char> {
    let digit = |zero: char| char::from(b'0' + (c as u32 - zero as u32) as u8);
    match c {
        '\u{0660}'..='\u{0669}' => Some(digit('\u{0660}')),
        '\u{06f0}'..='\u{06f9}' => Some(digit('\u{06f0}')),
        '\u{060c}' => Some(','),
        '\u{061b}' => Some(';'),
        '\u{061f}' => Some('?'),
        // The Arabic decimal and thousands separators (`٣٫٥`, `١٬٢٠٠`).
        '\u{066b}' => Some('.'),
        '\u{066c}' => Some(','),
        _ => None,
    }
}

/// The first `max` characters of `s` as a reader counts them (grapheme
/// clusters: a family emoji, a letter and its accents), with `…` when cut.
/// Cut by code point, a family emoji became a man and a dangling joiner,
/// `é́` an `e`.
pub fn cut(s: &str, max: usize) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let mut graphemes = s.graphemes(true);
    let mut out: String = graphemes.by_ref().take(max).collect();
    if graphemes.next().is_some() {
        let last = out.graphemes(true).next_back().map_or(0, str::len);
        out.truncate(out.len() - last);
        out.push('…');
    }
    out
}

/// A Han ideograph or a kana: the letters of the scripts written without
/// spaces between words, each of which says about as much as two Latin
/// letters ([`weight`]).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ffff}')
}

/// How much of a text `s` is, in characters, for the thresholds of near
/// matches: an ideograph or a kana counts two ([`is_cjk`]), so that a
/// Chinese quote's parts of seven characters are not "a word or two".
pub fn weight(s: &str) -> usize {
    s.chars().map(|c| 1 + usize::from(is_cjk(c))).sum()
}

/// `c` in lower case, as names are compared: Turkish `İ` and `ı` are `i`
/// (Unicode lowers `İ` to `i` and a combining dot, and `I` to `i`, not
/// `ı`: `İsmail` was never `ismail`, nor `IŞIK` `Işık`, and `key revoke`
/// found no such key where `key add` had said the names read alike).
/// Greek's final `ς` is `σ`, and German's `ß` (and capital `ẞ`) `ss`, as
/// Unicode's case folding has them: lower case alone keeps `ς` and `ß`,
/// so `ΚΩΣΤΑΣ` and `Κωστας`, `STRASSE` and `Straße`, were two speakers,
/// and `--speaker` found one spelling only. (The rest of full case
/// folding is lower case, or the compatibility form that names are
/// compared in: `ſ`, `ϐ`, `ﬁ`.)
fn lower(c: char) -> impl Iterator<Item = char> {
    let (fixed, other): (&[char], _) = match c {
        '\u{130}' | '\u{131}' => (&['i'], None),
        'ς' => (&['σ'], None),
        'ß' | 'ẞ' => (&['s', 's'], None),
        c => (&[], Some(c.to_lowercase())),
    };
    fixed.iter().copied().chain(other.into_iter().flatten())
}

/// Whether `text` holds nothing to read: only white space, controls and
/// characters that draw nothing (zero-width spaces and joiners,
/// bidirectional marks, fillers, the braille blank).
pub fn says_nothing(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || c.is_control() || draws_nothing(c))
}

/// Whether `c` is a control, or draws nothing or reorders the text around
/// it: what [`escape`] shows as an escape, and what a name may not hold
/// (zero-width spaces and joiners among them, which [`escape`] leaves to
/// the scripts that need them).
pub fn draws_nothing(c: char) -> bool {
    needs_escape(c) || crate::keys::invisible_in_name(c)
}

/// Whether a claim may not begin or end with `c`: white space, or a
/// character that draws nothing (a zero-width space, a byte order mark, a
/// bidirectional mark), with which the same words made a second claim no
/// list told from the first. The suggester trims candidates by it too.
pub fn blank_at_quote_edge(c: char) -> bool {
    c.is_whitespace() || draws_nothing(c) || is_invisible_in_copy(c)
}

/// How many bytes at the start and at the end of `quote` are blank
/// ([`blank_at_quote_edge`]): whole characters as the reader sees them
/// (grapheme clusters) made only of such characters. A variation
/// selector or a flag's tag characters that belong to an emoji (`✌️`,
/// `🏴󠁧󠁢󠁳󠁣󠁴󠁿`) are part of it, not blank (a quote that ended in one was
/// refused, and its hint's span cut the emoji in two, which was refused
/// in turn).
pub fn quote_edges(quote: &str) -> (usize, usize) {
    use unicode_segmentation::UnicodeSegmentation;
    let blank = |g: &&str| g.chars().all(blank_at_quote_edge);
    let lead: usize = quote.graphemes(true).take_while(blank).map(str::len).sum();
    if lead == quote.len() {
        return (lead, 0);
    }
    let trail: usize = quote
        .graphemes(true)
        .rev()
        .take_while(blank)
        .map(str::len)
        .sum();
    (lead, trail)
}

/// `s` with each character `unseen` picks out as a `\u{…}` escape: a value
/// refused for holding such a character, shown so that the reader sees it.
pub fn escape_each(s: &str, unseen: impl Fn(char) -> bool) -> String {
    s.chars()
        .map(|c| match unseen(c) {
            true => format!("\\u{{{:x}}}", c as u32),
            false => c.to_string(),
        })
        .collect()
}

/// Characters that draw nothing (or a hyphen only at a line's end) and
/// that text copied from the web carries where the page put them: U+200B
/// zero-width space, U+00AD soft hyphen, U+2060 word joiner, U+FEFF (a
/// byte order mark inside text), U+180E; and the bidirectional marks
/// U+200E, U+200F and U+061C, embeddings U+202A–U+202E and isolates
/// U+2066–U+2069, which pages in Arabic and Hebrew scatter around numbers
/// and Latin names (and X around a handle), and which change no letter. Set aside
/// as a [`Difference`] when a quote is looked for. (Zero-width joiners
/// and non-joiners are not: they change how Arabic and Indic letters are
/// drawn, and emoji need them.)
pub fn is_invisible_in_copy(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{00ad}' | '\u{2060}' | '\u{feff}' | '\u{180e}'
    ) || is_bidi_control(c)
}

/// The variation selectors U+FE00–U+FE0F, which choose how the character
/// before them is drawn: U+FE0F as an emoji (`❤️`), U+FE0E as text. A
/// quote typed or copied without one (`We ❤ Idlib.`) is the same text, and
/// [`Difference::Invisible`] sets them aside when a quote is looked for.
/// Kept apart from [`is_invisible_in_copy`], whose other users (what a
/// claim may begin or end with, a URL, a suggested speaker) an emoji's own
/// selector is no business of, and names do not set them aside.
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{fe00}'..='\u{fe0f}')
}

/// Arabic's vowel marks (U+064B–U+065F: tanwin, fatha, damma, kasra,
/// shadda, sukun and the rarer marks after them), the dagger alif
/// (U+0670) and the tatweel (U+0640), which lengthens the joint between
/// two letters: what [`Difference::ArabicMarks`] sets aside. None of them
/// is a letter of the word.
pub fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064b}'..='\u{065f}' | '\u{0670}' | '\u{0640}')
}

/// The bidirectional marks (U+200E, U+200F, U+061C), embeddings and
/// overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they order the
/// letters around them on screen and are no letters themselves.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `original` with the `allow`ed differences set aside, read as a name
/// ([`Reading::Name`]).
fn fold(original: &str, allow: &[Difference]) -> String {
    fold_as(original, allow, Reading::Name)
}

/// `original` with the `allow`ed differences set aside, read `how`.
fn fold_as(original: &str, allow: &[Difference], how: Reading) -> String {
    let mut out = String::with_capacity(original.len());
    fold_units(original, allow, how, |_, _, f| out.push_str(f));
    out
}

/// The `[start, end)` in `original` (a source's text) of the unit that
/// each of the sorted byte offsets `at` of its folded form (under every
/// difference, read `how`) falls in.
fn units_at(original: &str, at: &[usize], how: Reading) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(at.len());
    let mut folded = 0;
    fold_units(original, &Difference::ALL, how, |start, end, f| {
        folded += f.len();
        while out.len() < at.len() && at[out.len()] < folded {
            out.push((start, end));
        }
    });
    out
}

fn is_double_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '“'
            | '”'
            | '„'
            | '‟'
            | '″'
            | '«'
            | '»'
            | '〝'
            | '〞'
            | '＂'
            | '「'
            | '」'
            | '『'
            | '』'
    )
}

fn is_single_quote(c: char) -> bool {
    matches!(
        c,
        '\'' | '‘' | '’' | '‚' | '‛' | '′' | '‹' | '›' | 'ʼ' | '`' | '´' | '＇'
    )
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '⁃' | '﹘' | '﹣' | '－'
    )
}

/// Where `needle` occurs in `text` once quotation marks, dashes, white
/// space, ellipses and letter case are set aside (see [`Difference`];
/// [`Difference::between`] says which ones a match has). Exact occurrences
/// are included; [`occurrences`] is the cheaper way to find those. A
/// needle of white space alone matches nothing.
///
/// It does not decide anything: it is for telling an analyst where the
/// text they meant is, so that they can claim the source's own bytes.
pub fn near_matches(text: &str, needle: &str) -> Vec<NearMatch> {
    if needle.trim().is_empty() {
        return Vec::new();
    }
    let folded_text = fold_as(text, &Difference::ALL, Reading::Quote);
    let mut out: Vec<NearMatch> = Vec::new();
    let quote = fold_as(needle, &Difference::ALL, Reading::Quote);
    if !quote.is_empty() {
        let found = occurrences(&folded_text, &quote);
        // The units where each match begins and ends, found in one pass
        // over the text (a source may be 16 MiB: no map of every byte is
        // kept). Both lists are sorted, as every match has the same
        // length.
        let last: Vec<usize> = found.iter().map(|&at| at + quote.len() - 1).collect();
        let (starts, ends) = (
            units_at(text, &found, Reading::Quote),
            units_at(text, &last, Reading::Quote),
        );
        for (&(start, _), &(_, end)) in starts.iter().zip(&ends) {
            out.push(NearMatch { start, end });
        }
    }
    // The quote's hyphens read as line ends, each where the source breaks
    // a word at one (a quote's `well-known` is not a near match of a
    // source's `wellknown`, nor its `re-creation` of `recreation`), the
    // others as typed (`cease-fire`).
    if let Some(pattern) = line_end_pattern(needle, &Difference::ALL) {
        if has_broken_word(text) {
            out.extend(marked_matches(text, &pattern));
        }
    }
    // In order, each once: the same text may be found again from inside a
    // folded unit, or by another reading.
    out.sort_by_key(|m| (m.start, m.end));
    out.dedup();
    out
}

/// `s` as a reader sees it, for [`look_alikes`]: without the characters
/// that draw nothing ([`is_invisible_in_copy`]: a soft hyphen, a zero-width
/// space, a bidirectional mark), with each space of another width (a
/// no-break space) as a space, and composed (NFC: an accent typed apart is
/// the accented letter). Nothing else is set aside: a line break, a tab,
/// a joiner (which changes how Persian letters join), a variation selector
/// (an emoji against its text form) and the compatibility forms (`10²`,
/// `CO₂`, full-width letters, which NFKC would make `102`, `CO2`) are seen.
fn as_seen(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.chars()
        .filter(|&c| !is_invisible_in_copy(c))
        .map(|c| match c {
            '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}' => ' ',
            c => c,
        })
        .nfc()
        .collect()
}

/// The places besides those in `exact`, where `needle` occurs byte for
/// byte, at which `text` reads as `needle` to the eye (`as_seen`: a
/// no-break space for a space, a soft hyphen, an accent typed apart).
/// Pages scatter these: `seven\u{a0}civilians` and `seven civilians` are
/// the same words on the screen, and a claim took the one typed without a
/// word, over another speaker's sentence (red team A, F1).
///
/// Costs one pass over the text (kept for the next call), and a
/// [`near_matches`] only when the text as seen holds the
/// needle more often than `exact` has it.
pub fn look_alikes(text: &str, needle: &str, exact: &[usize]) -> Vec<NearMatch> {
    let seen = as_seen(needle);
    if seen.is_empty() {
        return Vec::new();
    }
    // Each copy byte for byte is a place in the text as seen: only more
    // places than those can be another.
    let more = seen_text(text, |seen_text| {
        occurrences(seen_text, &seen).len() > exact.len()
    });
    if !more {
        return Vec::new();
    }
    near_matches(text, needle)
        .into_iter()
        .filter(|m| {
            exact
                .iter()
                .all(|&at| m.end <= at || m.start >= at + needle.len())
        })
        .filter(|m| {
            text.get(m.start..m.end)
                .is_some_and(|found| as_seen(found) == seen)
        })
        .collect()
}

/// `look` at [`as_seen`] of `text`. The last two texts are kept, found
/// again by comparing their bytes (a `memcmp`, tens of times faster than
/// the pass, and than the SHA-256 that keyed them first: 25 ms a line of
/// an import of claims of a 14 MB source, against 2.7 ms before the check;
/// red team D, D3): an import of many claims of one or two sources made
/// the pass once a line.
fn seen_text<T>(text: &str, look: impl FnOnce(&str) -> T) -> T {
    type Kept = Vec<(std::rc::Rc<str>, std::rc::Rc<str>)>;
    thread_local! {
        static KEPT: std::cell::RefCell<Kept> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let kept = KEPT.with(|k| {
        k.borrow()
            .iter()
            .find(|(original, _)| original.len() == text.len() && **original == *text)
            .map(|(_, seen)| seen.clone())
    });
    let seen = match kept {
        Some(seen) => seen,
        None => {
            let seen: std::rc::Rc<str> = as_seen(text).into();
            KEPT.with(|k| {
                let mut k = k.borrow_mut();
                if k.len() == 2 {
                    k.remove(0);
                }
                k.push((text.into(), seen.clone()));
            });
            seen
        }
    };
    look(&seen)
}

/// Where `pattern` ([`line_end_pattern`]) matches `text` folded with its
/// line-end hyphens marked ([`Reading::Marked`]): matches that do not
/// overlap, found in time linear in the text.
fn marked_matches(text: &str, pattern: &str) -> Vec<NearMatch> {
    let Ok(re) = regex::RegexBuilder::new(pattern)
        .size_limit(64 << 20)
        .build()
    else {
        return Vec::new();
    };
    let marked = fold_as(text, &Difference::ALL, Reading::Marked);
    let (mut found, mut last) = (Vec::new(), Vec::new());
    for m in re.find_iter(&marked) {
        if m.start() < m.end() {
            found.push(m.start());
            last.push(m.end() - 1);
        }
    }
    let (starts, ends) = (
        units_at(text, &found, Reading::Marked),
        units_at(text, &last, Reading::Marked),
    );
    starts
        .iter()
        .zip(&ends)
        .map(|(&(start, _), &(_, end))| NearMatch { start, end })
        .collect()
}

/// The most parts of an elided quote whose places [`elided_parts`] works
/// out: a quotation that leaves text out a dozen times is rare, and each
/// part costs a search of the whole text.
pub const ELIDED_PARTS_MAX: usize = 12;

/// Marks with which a quotation leaves text out, longest first: "A … B",
/// "A [...] B".
const ELISIONS: [&str; 6] = ["[…]", "[...]", "(…)", "(...)", "…", "..."];

/// The parts of a quote that leaves text out ("A … B", "A [...] B"), each
/// where it first occurs in `text` after the one before, up to
/// [`Difference`]s. `None` when the quote has no such mark, or a part is
/// not found in order.
///
/// A claim is one exact span, so such a quote is never one: this is for
/// telling the analyst where its parts are, and the span they lie in.
/// Past [`ELIDED_PARTS_MAX`] parts it is not worked out (`None`): each part
/// is looked for in the whole text, and a line of 1,000 parts held an
/// import for a minute on a 1 MB source before it was refused (red team
/// Y, F3).
pub fn elided_parts(text: &str, needle: &str) -> Option<Vec<NearMatch>> {
    let mut marked = needle.to_string();
    for mark in ELISIONS {
        marked = marked.replace(mark, "\0");
    }
    if !marked.contains('\0') {
        return None;
    }
    let parts: Vec<&str> = marked
        .split('\0')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > ELIDED_PARTS_MAX {
        return None;
    }
    let mut found: Vec<NearMatch> = Vec::new();
    for part in parts {
        let after = found.last().map_or(0, |m| m.end);
        found.push(
            near_matches(text, part)
                .into_iter()
                .find(|m| m.start >= after)?,
        );
    }
    (!found.is_empty()).then_some(found)
}

/// The longest beginning or end of a quote that occurs in a text, up to
/// [`Difference`]s, when the whole quote does not ([`partial_match`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialMatch {
    /// Where it first occurs in the text.
    pub found: NearMatch,
    /// The bytes of the quote it is: `0..k` (a beginning) or `k..len`
    /// (an end).
    pub quote: std::ops::Range<usize>,
    /// Other places in the text where the same part occurs.
    pub others: usize,
}

/// Where the longest beginning of `needle` occurs in `text`, or its
/// longest end when that is more than twice as long (up to
/// [`Difference`]s), when the whole of it does not occur there. `None` when it does, or when no beginning or
/// end of it does. A beginning lighter than `min_weight` ([`weight`]) gives
/// way to an end that is not: `the well-known shelter`, whose `the well`
/// was too short to show, where `known shelter` was not, was said "does
/// not occur" with no place.
///
/// A quote retyped or copied with one word changed (a dropped comma, a
/// digit for a number word) is found up to the change, so that the
/// message can show where the quote and the source part ways. It decides
/// nothing: the analyst still claims the source's own bytes.
pub fn partial_match(text: &str, needle: &str, min_weight: usize) -> Option<PartialMatch> {
    let folded_text = fold_as(text, &Difference::ALL, Reading::Quote);
    // The needle's units: its bytes, and where each ends in its folded form.
    let mut folded = String::new();
    let mut units: Vec<(usize, usize, usize)> = Vec::new();
    fold_units(needle, &Difference::ALL, Reading::Quote, |start, end, f| {
        folded.push_str(f);
        units.push((start, end, folded.len()));
    });
    let n = units.len();
    let occurs = |piece: &str| !piece.is_empty() && folded_text.contains(piece);
    if n == 0 || occurs(&folded) {
        return None;
    }
    // The folded needle from unit `j` on, and up to unit `k` excluded.
    let from = |j: usize| &folded[if j == 0 { 0 } else { units[j - 1].2 }..];
    let upto = |k: usize| &folded[..if k == 0 { 0 } else { units[k - 1].2 }];
    // Longest beginning: units 0..k occur, 0..hi do not (hi = n at first).
    let (mut k, mut hi) = (0, n);
    while hi - k > 1 {
        let mid = (k + hi) / 2;
        if occurs(upto(mid)) {
            k = mid;
        } else {
            hi = mid;
        }
    }
    // Longest end: units j.. occur, lo.. do not (lo = 0 at first).
    let (mut lo, mut j) = (0, n);
    while j - lo > 1 {
        let mid = (lo + j) / 2;
        if occurs(from(mid)) {
            j = mid;
        } else {
            lo = mid;
        }
    }
    // The beginning reads best ("its first N characters occur, then the
    // source has … where the quote has …"): the end only when the
    // beginning is much shorter (the quote went wrong early), or too short
    // to show.
    let begin = if k == 0 { 0 } else { units[k - 1].1 };
    let end = if j == n { needle.len() } else { units[j].0 };
    let light = |q: &str| weight(q) < min_weight;
    let prefer_begin = 2 * upto(k).len() >= from(j).len();
    let prefer_begin = match (light(&needle[..begin]), light(&needle[end..])) {
        (true, false) => false,
        (false, true) => true,
        _ => prefer_begin,
    };
    let (piece, quote) = match prefer_begin {
        true => (upto(k), 0..begin),
        false => (from(j), end..needle.len()),
    };
    let at = occurrences(&folded_text, piece);
    let first = *at.first()?;
    let bounds = units_at(text, &[first, first + piece.len() - 1], Reading::Quote);
    let [(start, _), (_, end)] = bounds[..] else {
        return None;
    };
    Some(PartialMatch {
        found: NearMatch { start, end },
        quote,
        others: at.len() - 1,
    })
}

/// Whether `typed` spells the wire name `name` (a verdict, a grade, a
/// kind, a field) as a person types it: with other capitals, and with one
/// of `for_underscore` where the name has `_` (`news-agency`). The command
/// line takes `-`; a spreadsheet's cells and headers also a space.
pub fn spells(name: &str, typed: &str, for_underscore: &[u8]) -> bool {
    name.len() == typed.len()
        && name
            .bytes()
            .zip(typed.bytes())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'_' && for_underscore.contains(&b)))
}

/// Whether two names are the same once case, quotation marks, dashes,
/// white space and ellipses are set aside (see [`Difference`]), and white
/// space at either end: "White Helmets" and "white  helmets", "UNICEF’s
/// office" and "Unicef's office". For grouping what analysts typed by
/// hand (speakers); it never changes what is stored.
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// What [`same_name`] compares: equal keys, the same name. For grouping
/// many names at once without comparing every pair.
pub fn name_key(name: &str) -> String {
    let folded = fold(&without_joiners(name.trim()), &Difference::ALL);
    loosen(&folded).unwrap_or(folded)
}

/// Punctuation that names and searches read as a break between words, as
/// white space is: `Dr. Hassan al-Ahmad`, `Dr Hassan al Ahmad` and `dr
/// hassan al-ahmad` are one speaker (they were three, and one quote was
/// recorded three times without a word), and `--speaker "al ahmad"` finds
/// `al-Ahmad`, as transliterated Arabic names are typed both ways. The
/// marks of sentences, brackets, quotation marks, dashes and the Arabic
/// and CJK ones; not the symbols that say something (`%`, `$`, `+`, `@`,
/// `#`, `&`).
fn is_word_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '!' | '"' | '\'' | '(' | ')' | ',' | '-' | '.' | '/' | ':' | ';' | '?' | '['
                | '\\' | ']' | '_' | '{' | '}' | '`' | '\u{a1}' | '\u{a7}' | '\u{ab}'
                | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}' | '\u{2010}'..='\u{2027}'
                | '\u{2030}'..='\u{205e}' | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}'
                | '\u{3014}'..='\u{301f}' | '\u{30fb}' | '\u{60c}' | '\u{61b}' | '\u{61f}'
                | '\u{66a}'..='\u{66d}' | '\u{6d4}'
        )
}

/// The letter that searches and names read an Arabic-script letter as,
/// where writers (and keyboards) use several for one: alef with or
/// without its hamza or madda (`الأناضول`, typed `الاناضول`), the final
/// alef maqsura and Persian yeh for yeh (`مصطفى`, `مصطفي`, `مصطفی`), teh
/// marbuta for heh (`رسالة`, `رساله`), Persian keheh for kaf. What every
/// Arabic search engine folds; a quote is still the source's exact bytes.
fn arabic_variant(c: char) -> char {
    match c {
        '\u{623}' | '\u{625}' | '\u{622}' | '\u{671}' => '\u{627}',
        '\u{649}' | '\u{6cc}' => '\u{64a}',
        '\u{629}' => '\u{647}',
        '\u{6a9}' => '\u{643}',
        c => c,
    }
}

/// `folded` (a [`fold`] with every [`Difference`] set aside) as names and
/// searches compare it: its words ([`is_word_break`]) one space apart,
/// with the Arabic letters written several ways as one
/// ([`arabic_variant`]). `None` when it holds no word (a search for `?`
/// looks for the mark itself).
///
/// A mark between two letters or digits is part of the word (`O'Neil`,
/// `U.N`, `1.5`, `8,200`, `1-2`), but for a dash or `_` with a letter on
/// one side, which joins two words (`al-Ahmad`, `al Ahmad`; `COVID-19`,
/// `COVID 19`, `F-16`: searched for with a space, they were not found):
/// read as a break, `O'Neil` was `O. Neil`, another person whose grades
/// were shown as his, and `--speaker U.N.` found `Lieu Nguyen`.
fn loosen(folded: &str) -> Option<String> {
    let chars: Vec<char> = folded.chars().collect();
    let mut out = String::with_capacity(folded.len());
    let mut pending_break = false;
    for (i, &c) in chars.iter().enumerate() {
        let inner = |joins: bool| {
            let before = i.checked_sub(1).and_then(|b| chars.get(b)).copied();
            let after = chars.get(i + 1).copied();
            match (before, after) {
                (Some(b), Some(a)) if joins => {
                    (b.is_alphabetic() || a.is_alphabetic())
                        && b.is_alphanumeric()
                        && a.is_alphanumeric()
                }
                (Some(b), Some(a)) => b.is_alphanumeric() && a.is_alphanumeric(),
                _ => false,
            }
        };
        let kept = is_word_break(c)
            && !c.is_whitespace()
            && inner(false)
            && !(matches!(c, '-' | '_') && inner(true));
        if is_word_break(c) && !kept {
            pending_break = !out.is_empty();
            continue;
        }
        if pending_break {
            out.push(' ');
            pending_break = false;
        }
        out.push(arabic_variant(c));
    }
    (!out.is_empty()).then_some(out)
}

/// What speakers are grouped by: [`name_key`] of the Latin name a speaker
/// prints as ([`latin_lookalike`]), so that `ВВС`, typed in Cyrillic,
/// is a spelling of `BBC` in `list speakers`, in a speaker's reliability
/// record and to `list claims --speaker BBC`. `claim add` refuses such a
/// speaker when the Latin one came first, but not the other way round
/// (refusing the correct spelling would be wrong), and an import or an
/// older log may hold both; a reader cannot tell them apart, so neither
/// may the record. Typography is set aside before the letters are looked
/// at (`ВВС’s office` prints as `BBC's office`), case after (a capital
/// Cyrillic `В` looks like `B`, its small `в` like no Latin letter).
pub fn speaker_key(name: &str) -> String {
    if name.is_ascii() {
        return name_key(name);
    }
    let but_case: Vec<Difference> = Difference::ALL
        .into_iter()
        .filter(|d| *d != Difference::Case)
        .collect();
    let typed = fold(&without_joiners(name.trim()), &but_case);
    match latin_lookalike(&typed) {
        Some(latin) => name_key(&latin),
        None => name_key(name),
    }
}

/// Whether `name` is written in letters of another script that print as
/// a Latin name (see [`speaker_key`]): a spelling a reader takes for that
/// Latin one.
pub fn prints_as_latin(name: &str) -> bool {
    !name.is_ascii() && speaker_key(name) != name_key(name)
}

/// Whether the speaker `name` is one that `part` picks out, as `list
/// claims --speaker` and `list speakers --speaker` match: `part` held in
/// the name ([`holds`]), or in the Latin name it prints as (see
/// [`speaker_key`]).
pub fn speaker_holds(name: &str, part: &str) -> bool {
    Part::new(part).in_speaker(name)
}

/// A part of a text looked for in many ([`holds`], [`speaker_holds`]):
/// `list --contains` and `--speaker` over every row of a large log. It is
/// folded once here, where each row folded it again (a pasted paragraph
/// of 500 characters made `list claims --contains` take 3 s on a million
/// entries, 10,000 characters 29 s).
pub struct Part {
    /// `None` for a part of white space alone, which nothing holds.
    folded: Option<String>,
    /// Whether `folded` is [`loosen`]ed (it holds a word), and texts are
    /// to be loosened too before they are searched.
    loose: bool,
}

impl Part {
    pub fn new(part: &str) -> Part {
        if part.trim().is_empty() {
            return Part {
                folded: None,
                loose: false,
            };
        }
        let folded = fold(&without_joiners(part), &Difference::ALL);
        match loosen(&folded) {
            Some(words) => Part {
                folded: Some(without_accents(&words).into_owned()),
                loose: true,
            },
            None => Part {
                folded: Some(without_accents(&folded).into_owned()),
                loose: false,
            },
        }
    }

    /// [`holds`]: whether `text` holds this part.
    pub fn in_text(&self, text: Option<&str>) -> bool {
        match (&self.folded, text) {
            (Some(part), Some(t)) => {
                let folded = fold(&without_joiners(t), &Difference::ALL);
                match self.loose {
                    true => {
                        loosen(&folded).is_some_and(|w| without_accents(&w).contains(part.as_str()))
                    }
                    false => without_accents(&folded).contains(part.as_str()),
                }
            }
            _ => false,
        }
    }

    /// [`speaker_holds`]: whether the speaker `name` is one this part
    /// picks out.
    pub fn in_speaker(&self, name: &str) -> bool {
        self.in_text(Some(name)) || (!name.is_ascii() && self.in_text(Some(&speaker_key(name))))
    }
}

/// `folded` (a [`fold`]ed text, in small letters) with the accents of
/// Latin letters taken off, as searches read it: `--speaker Stephane`
/// finds `Stéphane`, `lodz` `Łódź`, `sorensen` `Sørensen` (ı, ß and ẞ are
/// already `i` and `ss`). A letter whose canonical decomposition is an
/// ASCII letter and marks is that letter; a combining mark after an ASCII
/// letter is dropped. Other scripts keep their marks (`й` is not `и`, nor
/// `ά` `α`; Arabic's vowel marks are [`Difference::ArabicMarks`]).
///
/// Searches only: names are grouped and told apart with their accents
/// ([`name_key`], [`speaker_key`]), since two names that differ by one
/// may be two people.
fn without_accents(folded: &str) -> Cow<'_, str> {
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};
    if folded.is_ascii() {
        return folded.into();
    }
    let mut out = String::with_capacity(folded.len());
    let mut after_latin = false;
    for c in folded.chars() {
        if c.is_ascii() {
            out.push(c);
            after_latin = c.is_ascii_alphabetic();
            continue;
        }
        if after_latin && is_combining_mark(c) {
            continue;
        }
        let own = match c {
            'ł' | 'Ł' => Some('l'),
            'ø' | 'Ø' => Some('o'),
            'đ' | 'Đ' => Some('d'),
            _ => None,
        };
        let base = own.or_else(|| {
            let mut parts = Vec::with_capacity(4);
            decompose_canonical(c, |d| parts.push(d));
            match parts.split_first() {
                Some((&b, marks))
                    if b.is_ascii_alphabetic()
                        && !marks.is_empty()
                        && marks.iter().all(|&m| is_combining_mark(m)) =>
                {
                    Some(b)
                }
                _ => None,
            }
        });
        match base {
            Some(b) => {
                out.push(b);
                after_latin = true;
            }
            None => {
                out.push(c);
                after_latin = false;
            }
        }
    }
    out.into()
}

/// `s` without zero-width joiners and non-joiners, which change how
/// letters join (Persian writes `محمد‌رضا`), not which letters a name or a
/// searched text has. (Quotes are still found with them: a quote is the
/// source's exact bytes.)
fn without_joiners(s: &str) -> std::borrow::Cow<'_, str> {
    match s.contains(['\u{200c}', '\u{200d}']) {
        true => s.replace(['\u{200c}', '\u{200d}'], "").into(),
        false => s.into(),
    }
}

/// Whether `text` holds `part` once typography and case are set aside (as
/// [`near_matches`] finds it): how lists are narrowed down by part of a
/// name or a quote. A missing text holds nothing.
pub fn holds(text: Option<&str>, part: &str) -> bool {
    // What `near_matches` finds, without finding where: one fold of the
    // text and a substring search (a search of every source's text folds
    // 133 MB at 1,000,000 entries), not every overlapping match and a
    // second pass to map them back.
    Part::new(part).in_text(text)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// `s` as it prints, in one spelling: Unicode's compatibility form (NFKC:
/// accents typed apart composed, other spaces plain ones, styled and
/// full-width letters plain, ligatures apart) with one space between
/// words. A speaker or a key's name spelled otherwise is refused with this
/// spelling to give, since two spellings that print alike would be two
/// speakers, or two people.
pub fn plain_spelling(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc()
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Makes text safe to print on a terminal: control characters (C0, DEL,
/// C1: the start of ANSI CSI/OSC sequences), Unicode bidirectional
/// controls (e.g. U+202E), the line and paragraph separators U+2028 and
/// U+2029 (which some terminals and editors break lines at, so one field
/// could pass for two lines) and invisible characters no script needs
/// (see `invisible`) are shown as `\u{…}` escapes; newlines and tabs as
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

/// The Latin name that `name` prints as, when some of its letters are of
/// another script and each of those looks like one Latin letter or digit
/// (UTS #39 confusables): `ВВС`, in Cyrillic, prints as `BBC`, and `ІАЕА`
/// as `IAEA`. `None` for a name in plain ASCII, or with a letter that
/// looks like no Latin one (`Путин`), or with a Latin letter of its own
/// beyond ASCII (`Aydın`, `Łódź`: its letters are what they show). Its
/// ASCII letters are kept as they are, and each other letter becomes the
/// ASCII one of its case that shares its skeleton (the skeleton itself
/// turns a capital I into `l`, and `m` into `rn`). Compare the result
/// without regard to ASCII case: `ВВс` prints as `BBc`.
pub fn latin_lookalike(name: &str) -> Option<String> {
    use unicode_security::mixed_script::AugmentedScriptSet;
    if name.is_ascii() {
        return None;
    }
    let skeleton = |c: char| -> String {
        let mut buf = [0u8; 4];
        unicode_security::skeleton(c.encode_utf8(&mut buf)).collect()
    };
    let latin = AugmentedScriptSet::for_char('a');
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        // A Latin letter beyond ASCII (Turkish ı, Polish ł) is no look-alike.
        let mut script = AugmentedScriptSet::for_char(c);
        script.intersect_with(latin);
        if !script.is_empty() && !script.is_all() {
            return None;
        }
        // Most letters of other scripts look like no Latin one (`Путин`,
        // every Arabic name an import reads): said before the table.
        let seen = skeleton(c);
        if !seen.is_ascii() {
            return None;
        }
        static ASCII: std::sync::OnceLock<Vec<(char, String)>> = std::sync::OnceLock::new();
        let ascii = ASCII.get_or_init(|| {
            ('0'..='9')
                .chain('A'..='Z')
                .chain('a'..='z')
                .map(|a| (a, skeleton(a)))
                .collect()
        });
        let mut alike = ascii.iter().filter(|(_, s)| *s == seen).map(|(a, _)| *a);
        let first = alike.clone().next();
        let same_case = alike.find(|a| {
            (c.is_uppercase() && a.is_ascii_uppercase())
                || (c.is_lowercase() && a.is_ascii_lowercase())
        });
        match same_case.or(first) {
            Some(a) => out.push(a),
            None => return None,
        }
    }
    Some(out)
}

/// Two names said to differ (a checkpoint's origin and the log's), shown
/// so that they do: escaped as [`escape`] does, and if that still shows
/// them alike (a zero-width space, which [`escape`] leaves to the scripts
/// that need it, or a Cyrillic `а` for a Latin `a`), with every character
/// outside printable ASCII as a `\u{…}` escape.
pub fn escape_apart(theirs: &str, ours: &str) -> (String, String) {
    let (a, b) = (escape(theirs), escape(ours));
    // UTS #39 skeletons: equal for names a reader cannot tell apart
    // (`skeleton` drops what draws nothing, and maps look-alike letters).
    let alike = |x: &str, y: &str| unicode_security::skeleton(x).eq(unicode_security::skeleton(y));
    if theirs == ours || !alike(&a, &b) {
        return (a.into_owned(), b.into_owned());
    }
    let strict = |s: &str| {
        s.chars()
            .map(|c| match c {
                ' '..='~' => c.to_string(),
                c => format!("\\u{{{:x}}}", c as u32),
            })
            .collect::<String>()
    };
    (strict(theirs), strict(ours))
}

/// Like [`escape`] but keeps newlines, for multi-line display (notes, quotes).
/// A carriage return just before a line break (a Windows text's line
/// end) is kept too: it only ends the line, and escaped (`Help is\u{d}`)
/// it was copied from `show --text` into a `--quote` that then matched
/// nothing.
pub fn escape_keep_newlines(s: &str) -> String {
    let mut lines = s.split('\n').peekable();
    let mut out = String::with_capacity(s.len());
    while let Some(l) = lines.next() {
        let last = lines.peek().is_none();
        match l.strip_suffix('\r').filter(|_| !last) {
            Some(l) => {
                out.push_str(&escape(l));
                out.push('\r');
            }
            None => out.push_str(&escape(l)),
        }
        if !last {
            out.push('\n');
        }
    }
    out
}

/// Whether [`escape`] shows `c` as an escape: a control, bidirectional,
/// line-separating or invisible character.
pub fn is_hidden(c: char) -> bool {
    needs_escape(c)
}

/// Where `typed`, a quote copied from `show --text`, occurs in `src` when
/// each escape in it (`\t`, `\u{200f}`) stands for its character or for
/// itself: `show` prints a backslash as it is, so `C:\temp` copied from
/// it is a backslash and a `t`, and the tab before it a tab. The first
/// place, as a byte range; `None` when `typed` holds no escape (or more
/// than 12), or occurs nowhere so read.
pub fn find_shown(src: &str, typed: &str) -> Option<(usize, usize)> {
    enum Part<'a> {
        Text(&'a str),
        Escape(char, &'a str),
    }
    let mut parts = Vec::new();
    let mut rest = typed;
    let mut text_from = 0;
    let mut at = 0;
    while let Some(i) = rest.find('\\') {
        let after = &rest[i + 1..];
        let escape = if after.starts_with('t') {
            Some(('\t', 2))
        } else {
            after
                .strip_prefix("u{")
                .and_then(|a| a.split_once('}'))
                .and_then(|(hex, _)| {
                    let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
                    (hex.len() <= 6 && needs_escape(c)).then_some((c, 4 + hex.len()))
                })
        };
        match escape {
            Some((c, len)) => {
                let start = at + i;
                parts.push(Part::Text(&typed[text_from..start]));
                parts.push(Part::Escape(c, &typed[start..start + len]));
                text_from = start + len;
                at = start + len;
                rest = &typed[at..];
            }
            None => {
                at += i + 1;
                rest = &typed[at..];
            }
        }
    }
    parts.push(Part::Text(&typed[text_from..]));
    let escapes = parts
        .iter()
        .filter(|p| matches!(p, Part::Escape(..)))
        .count();
    if escapes == 0 || escapes > 12 || typed.len() > 4096 {
        return None;
    }
    fn from<'a>(src: &str, at: usize, parts: &[Part<'a>]) -> Option<usize> {
        let Some((first, rest)) = parts.split_first() else {
            return Some(at);
        };
        let here = &src[at..];
        match first {
            Part::Text(t) => here
                .starts_with(t)
                .then(|| from(src, at + t.len(), rest))
                .flatten(),
            Part::Escape(c, lit) => {
                let mut buf = [0u8; 4];
                let ch: &str = c.encode_utf8(&mut buf);
                [ch, *lit].iter().find_map(|form| {
                    here.starts_with(form)
                        .then(|| from(src, at + form.len(), rest))
                        .flatten()
                })
            }
        }
    }
    // Where it may start: where its first part does, found by `find` (it
    // was tried at every byte of a source of megabytes).
    let firsts: Vec<String> = match (&parts[0], parts.get(1)) {
        (Part::Text(t), _) if !t.is_empty() => vec![t.to_string()],
        (_, Some(Part::Escape(c, lit))) => vec![c.to_string(), lit.to_string()],
        _ => return None,
    };
    // The first place for either form of the first part; at most 10,000
    // places tried for each (a hint, not a search of every repetition).
    let mut best: Option<(usize, usize)> = None;
    for f in &firsts {
        let mut at = 0;
        for _ in 0..10_000 {
            let Some(i) = src[at..].find(f.as_str()) else {
                break;
            };
            let start = at + i;
            if best.is_some_and(|(b, _)| b <= start) {
                break;
            }
            if let Some(end) = from(src, start, &parts) {
                best = Some((start, end));
                break;
            }
            at = start + f.chars().next().map_or(1, char::len_utf8);
        }
    }
    best.filter(|&(i, end)| end > i && src[i..end] != *typed)
}

pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
        || invisible(c)
}

/// Characters that draw nothing and have no part in writing any language,
/// so that two names that differ only by them (`Joe Bi<U+2060>den`) look
/// the same: word joiners and invisible operators, deprecated format
/// controls, the byte order mark inside text, Hangul and Mongolian
/// fillers, the combining grapheme joiner, interlinear annotation marks
/// and the invisible tag characters (which can carry hidden ASCII); the
/// braille blank U+2800 (a character that draws nothing and reads as a
/// space: `White⠀Helmets` was a speaker apart from `White Helmets` that
/// looked the same) and the shorthand format controls.
/// Left out on purpose, because scripts need them: zero-width space
/// (word breaks in Thai, Khmer, Burmese), zero-width (non-)joiner (Persian,
/// Indic scripts, emoji), soft hyphen and variation selectors (emoji).
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{034f}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}' | '\u{180b}'..='\u{180f}'
        | '\u{2060}'..='\u{2064}' | '\u{206a}'..='\u{206f}' | '\u{3164}' | '\u{feff}' | '\u{ffa0}'
        | '\u{fff0}'..='\u{fffb}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e007f}'
        | '\u{2800}' | '\u{1bca0}'..='\u{1bca3}')
}

/// What bytes that are not UTF-8 most likely are: the encoding, as
/// `iconv` names it, and the line that holds the first byte that is not
/// UTF-8 (`bad_at`), read in that encoding, for the user to judge before
/// they convert. A hint that always said `iconv -f WINDOWS-1252` made an
/// Arabic (WINDOWS-1256) or Ukrainian (WINDOWS-1251) file into Latin
/// letters no one wrote, which `source add` then signed for good. The
/// guess is Firefox's detector (`chardetng`), which tells the legacy
/// encodings of the world's scripts apart by their letter statistics; on a
/// few bytes it can be wrong, which is why the line is shown.
pub struct LegacyText {
    pub encoding: String,
    pub line: String,
}

/// How many bytes of `data` are not UTF-8, when the rest is UTF-8 text
/// that uses it (letters beyond ASCII, well formed) and those bytes are
/// few (at most 16, and no more than its letters beyond ASCII): such a
/// text is UTF-8 with stray bytes, not text in a legacy encoding. (`café
/// and caf\xe9`, one of each, was read as ISO-8859-2, and the hint's
/// `iconv` made the UTF-8 `café` into `cafĂŠ`.)
pub fn stray_bytes(data: &[u8]) -> Option<usize> {
    let (mut stray, mut wide) = (0usize, 0usize);
    for chunk in data.utf8_chunks() {
        wide += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        stray += chunk.invalid().len();
    }
    (stray > 0 && stray <= 16 && wide >= stray).then_some(stray)
}

/// Where the line of `data` that holds byte `at` begins and ends (its
/// line break left out).
fn line_at(data: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(data.len());
    let start = data[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = data[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| at + i);
    (start, end)
}

/// The likely encoding of `data`, which is not UTF-8 from byte `bad_at`
/// on, and its line there (see [`LegacyText`]).
pub fn legacy_text(data: &[u8], bad_at: usize) -> LegacyText {
    use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(data, true);
    let encoding = detector.guess(None, Utf8Detection::Deny);
    LegacyText {
        encoding: encoding.name().to_ascii_uppercase(),
        line: line_shown(data, bad_at, |b| encoding.decode_without_bom_handling(b).0),
    }
}

/// The line of `data` that holds byte `at`, as `decode` reads it, to show
/// in a message: up to 60 characters, from 20 before that byte (a long
/// line is cut, and the cuts marked), escaped.
pub fn line_shown<'a>(
    data: &'a [u8],
    at: usize,
    decode: impl Fn(&'a [u8]) -> Cow<'a, str>,
) -> String {
    let at = at.min(data.len());
    let (start, end) = line_at(data, at);
    let decoded = decode(&data[start..end]);
    let from = decode(&data[start..at]).chars().count().saturating_sub(20);
    let total = decoded.chars().count();
    let mut line: String = decoded.chars().skip(from).take(60).collect();
    if from > 0 {
        line.insert(0, '…');
    }
    if from + 60 < total {
        line.push('…');
    }
    escape(line.trim()).into_owned()
}

/// Whether `bytes` start with a UTF-16 byte order mark (`FF FE` or
/// `FE FF`): what Windows editors write when told "Unicode". Such a file is
/// not UTF-8 from its first byte, and saying which encoding it is tells the
/// user what to convert from.
pub fn utf16_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// What kind of file `bytes` are when they begin as a document or binary
/// format that people send instead of its text (a PDF, a Word or
/// OpenDocument file, an image, an archive, a database), named for a
/// message: "a PDF document". Such a file read as text in a legacy
/// encoding gave a hint to convert it with `iconv`, which makes a "UTF-8"
/// file of garbage that `source add` then signs for good. Judged by the
/// format's magic bytes only: it does not tell what any other bytes are.
pub fn document_format(bytes: &[u8]) -> Option<&'static str> {
    const FORMATS: &[(&[u8], &str)] = &[
        (b"%PDF-", "a PDF document"),
        (
            b"PK\x03\x04",
            "a ZIP archive (a Word .docx, OpenDocument .odt or EPUB file is one)",
        ),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an old Microsoft Office document (.doc, .xls, .ppt)",
        ),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"\x1F\x8B", "a gzip-compressed file"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
    ];
    FORMATS
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, name)| *name)
}

/// The UTF-16 encoding of `bytes` without a byte order mark ("UTF-16LE" or
/// "UTF-16BE"), judged by their first 512 pairs of bytes: in text of the
/// scripts below U+0900 (Latin, Greek, Cyrillic, Hebrew, Arabic…) the high
/// byte of nearly every pair is 0 to 8, always in the same place. Such a
/// file can be valid UTF-8 (NUL and the controls are characters, and
/// Arabic's high byte 06 is one), and was stored as a source with a
/// control character beside each letter. UTF-8 text has bytes 0 to 8
/// nowhere (tab and line breaks are 9, 10 and 13).
pub fn utf16_without_bom(bytes: &[u8]) -> Option<&'static str> {
    let pairs: Vec<&[u8]> = bytes.chunks_exact(2).take(512).collect();
    if pairs.len() < 2 {
        return None;
    }
    let most =
        |f: &dyn Fn(&[u8]) -> bool| pairs.iter().filter(|p| f(p)).count() * 10 >= pairs.len() * 9;
    if most(&|p| p[1] <= 8 && p[0] > 8) {
        Some("UTF-16LE")
    } else if most(&|p| p[0] <= 8 && p[1] > 8) {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// `n` and the noun, singular for one: "1 source", "3 sources"; `noun` is
/// the singular, and the plural adds an s unless the noun is in the list.
/// Digits are grouped from 1,000 up ("119,000 entries"), as an import's or
/// verify's counts are read at a glance; `--json` gives the bare numbers.
pub fn count(n: u64, noun: &str) -> String {
    let n = grouped(n);
    match (n.as_str(), noun) {
        ("1", _) => format!("1 {noun}"),
        (_, "entry") => format!("{n} entries"),
        (_, "batch") => format!("{n} batches"),
        (_, "hash") => format!("{n} hashes"),
        (_, "directory") => format!("{n} directories"),
        _ => format!("{n} {noun}s"),
    }
}

/// Pretty JSON of `value`, with every character that [`escape`] makes
/// visible written as a `\uXXXX` escape: serde_json escapes only U+0000 to
/// U+001F, so C1 controls (U+009B is a terminal's CSI, as ESC [ is), bidi
/// overrides and invisible characters went to the terminal raw from
/// `--json` and `log --seq`. The JSON means the same (a parser gets the
/// exact text back); only how it is spelled changes.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    write_json_pretty(&mut out, value, false)?;
    // The formatter writes only what serde_json gives it and ASCII escapes.
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// [`to_json_pretty`] written to `w` as it is made, so that a document of
/// a whole large log (a JSON report: about 4.5 KB an entry) is never held
/// in memory whole. With `markup`, `<`, `>` and `&` in strings are escaped
/// too (`\u003c`, `\u003e`, `\u0026`), so that the JSON can be pasted
/// into an HTML `<script>` element, which no string can then close; a
/// parser reads the same text either way.
pub fn write_json_pretty<W: std::io::Write, T: serde::Serialize + ?Sized>(
    w: W,
    value: &T,
    markup: bool,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        w,
        VisibleJson {
            pretty: serde_json::ser::PrettyFormatter::default(),
            markup,
        },
    );
    value.serialize(&mut ser)
}

/// serde_json's pretty formatter, but for the characters it writes in
/// strings (see [`to_json_pretty`] and [`write_json_pretty`]).
struct VisibleJson {
    pretty: serde_json::ser::PrettyFormatter<'static>,
    /// Escape `<`, `>` and `&` as well.
    markup: bool,
}

impl serde_json::ser::Formatter for VisibleJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut plain = 0;
        for (i, c) in fragment.char_indices() {
            if needs_escape(c) || (self.markup && matches!(c, '<' | '>' | '&')) {
                w.write_all(&fragment.as_bytes()[plain..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{:04x}", u)?;
                }
                plain = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[plain..])
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

/// `n` with its digits in groups of three from 1,000 up ("119,000").
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate or count people read: whole numbers with thousands separators
/// from 100 up ("182,863"), two decimals below ("0.51").
pub fn thousands(x: f64) -> String {
    if x >= 100.0 {
        grouped(x.round() as u64)
    } else {
        format!("{x:.2}")
    }
}

/// `path` as one word of a POSIX shell, quoted when it must be: the hints
/// that suggest a command are meant to be pasted, and `cp 1.txt` or
/// `$(id).db` unquoted broke the command or ran another.
pub fn shell_word(path: &std::path::Path) -> String {
    // A relative name that begins with `-` would be read as an option:
    // `./-cp.txt` is the same file.
    let dashed;
    let path = if path.as_os_str().as_encoded_bytes().starts_with(b"-") {
        dashed = std::path::Path::new(".").join(path);
        dashed.as_path()
    } else {
        path
    };
    quoted_word(path.as_os_str().as_encoded_bytes())
}

/// A text (a name, not a path) as one shell word: quoted as
/// [`shell_word`] quotes, without its `./` before a leading dash, so
/// give it after `=` (`--name=-Dash`) where it could be read as an option.
pub fn shell_text(text: &str) -> String {
    quoted_word(text.as_bytes())
}

fn quoted_word(bytes: &[u8]) -> String {
    // A name with a control, bidi or invisible character in it, or bytes
    // that are not UTF-8: quoted as bash and zsh read `$'…'`, each such
    // character as its bytes in `\xHH`, so that the command is still one
    // to paste and names that very file (a name that is not UTF-8 was
    // quoted with U+FFFD, another name), and the terminal never gets the
    // raw character (an escape sequence in a file name could set the
    // window's title, or clear the screen).
    let s = match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(needs_escape) => s,
        _ => {
            let mut out = String::from("$'");
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    match c {
                        '\\' | '\'' => {
                            out.push('\\');
                            out.push(c);
                        }
                        c if needs_escape(c) => {
                            let mut buf = [0u8; 4];
                            for b in c.encode_utf8(&mut buf).bytes() {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                        }
                        c => out.push(c),
                    }
                }
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out.push('\'');
            return out;
        }
    };
    match shlex::try_quote(s) {
        Ok(q) => q.into_owned(),
        // (Only a NUL is refused, which no path holds.)
        Err(_) => escape(s).into_owned(),
    }
}

/// The quotation marks to show around a quoted text: `“` and `”`, or none
/// when the text carries its own pair (a claim recorded with the speaker's
/// marks, `“This cruel war on children needs to stop.”`, or a title in
/// «guillemets»), which were shown doubled (`““…””`; red team N, 7).
pub fn marks_for(t: &str) -> (&'static str, &'static str) {
    const PAIRS: &[(char, char)] = &[
        ('“', '”'),
        ('"', '"'),
        ('„', '“'),
        ('„', '”'),
        ('«', '»'),
        ('»', '«'),
        ('‹', '›'),
        ('‘', '’'),
        ('\'', '\''),
        ('「', '」'),
        ('『', '』'),
    ];
    let mut chars = t.chars();
    match (chars.next(), chars.next_back()) {
        (Some(open), Some(close)) if PAIRS.contains(&(open, close)) => ("", ""),
        _ => ("“", "”"),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_text_with_its_own_marks_gets_no_second_pair() {
        assert_eq!(marks_for("Stop the war."), ("“", "”"));
        assert_eq!(marks_for("“Stop the war.”"), ("", ""));
        assert_eq!(marks_for("\"we will rebuild\""), ("", ""));
        assert_eq!(marks_for("«Non à la guerre»"), ("", ""));
        // One mark alone, or a pair that does not match, is part of the words.
        assert_eq!(marks_for("“"), ("“", "”"));
        assert_eq!(marks_for("“Stop” the war"), ("“", "”"));
        assert_eq!(marks_for("«Stop”"), ("“", "”"));
    }
    #[test]
    fn latin_lookalikes_are_names_in_letters_that_print_as_latin_ones() {
        assert_eq!(
            latin_lookalike("\u{412}\u{412}\u{421}").as_deref(),
            Some("BBC")
        );
        assert_eq!(latin_lookalike("\u{410}FP").as_deref(), Some("AFP"));
        assert_eq!(
            latin_lookalike("\u{39a}\u{391}\u{39d}").as_deref(),
            Some("KAN")
        );
        // A capital I stays one (its skeleton is `l`), in Cyrillic and Greek.
        assert_eq!(
            latin_lookalike("\u{406}\u{412}\u{41c}").as_deref(),
            Some("IBM")
        );
        assert_eq!(
            latin_lookalike("\u{399}\u{391}\u{395}\u{391}").as_deref(),
            Some("IAEA")
        );
        assert_eq!(
            latin_lookalike("\u{406}\u{410}\u{415}\u{410}").as_deref(),
            Some("IAEA")
        );
        assert_eq!(latin_lookalike("\u{410}\u{406}").as_deref(), Some("AI"));
        assert_eq!(
            latin_lookalike("\u{412}\u{412}\u{441}").as_deref(),
            Some("BBc")
        );
        for other in [
            "BBC",
            "Путин",
            "Café",
            "Mehmet Aydın",
            "Sarı",
            "Łodz",
            "白头盔",
            "محمد",
            "Al-Monitor",
            "",
        ] {
            assert_eq!(latin_lookalike(other), None, "{other}");
        }
    }

    #[test]
    fn names_and_searches_read_punctuation_as_breaks_and_arabic_variants_as_one() {
        // One speaker typed three ways was three speakers, and one quote
        // was recorded once for each.
        for (a, b) in [
            ("Dr. Hassan al-Ahmad", "Dr Hassan al-Ahmad"),
            ("Dr. Hassan al-Ahmad", "dr hassan al ahmad"),
            ("White Helmets", "white-helmets"),
            ("UNICEF (Syria)", "UNICEF Syria"),
            (
                "\u{645}\u{635}\u{637}\u{641}\u{649}",
                "\u{645}\u{635}\u{637}\u{641}\u{64a}",
            ),
            (
                "\u{645}\u{635}\u{637}\u{641}\u{649}",
                "\u{645}\u{635}\u{637}\u{641}\u{6cc}",
            ),
            (
                "\u{627}\u{644}\u{623}\u{646}\u{627}\u{636}\u{648}\u{644}",
                "\u{627}\u{644}\u{627}\u{646}\u{627}\u{636}\u{648}\u{644}",
            ),
        ] {
            assert_eq!(speaker_key(a), speaker_key(b), "{a} / {b}");
            assert!(speaker_holds(a, b) && speaker_holds(b, a), "{a} / {b}");
        }
        // Letters still differ, symbols that say something stay, and a
        // mark inside a word or a number is part of it.
        for (a, b) in [
            ("Hassan al-Ahmad", "Hassan al-Ahmed"),
            ("AlAhmad", "Al Ahmad"),
            ("5% of them", "5 of them"),
            ("@WhiteHelmets", "WhiteHelmets"),
            ("O'Neil", "O. Neil"),
            ("D'Souza", "D. Souza"),
            ("Witness 1-2", "Witness 1.2"),
            ("Unit 8,200", "Unit 8.200"),
            ("U.N.", "Lieu Nguyen"),
        ] {
            assert_ne!(speaker_key(a), speaker_key(b), "{a} / {b}");
        }
        assert!(!speaker_holds("Lieu Nguyen", "U.N."));
        assert!(speaker_holds("U.N.", "u.n"));
        assert!(!holds(Some("1,500 people had fled"), "1.5"));
        assert!(!holds(Some("the S.A.M. battery"), "A.I."));
        assert!(holds(Some("at 7 a.m. local time"), "a.m."));
        // Searches: a hyphen for a space, a dropped hamza, teh marbuta
        // typed as heh.
        let t = "\u{642}\u{627}\u{644} \u{645}\u{62f}\u{64a}\u{631} \u{627}\u{644}\u{623}\u{646}\u{627}\u{636}\u{648}\u{644} \u{641}\u{64a} \u{631}\u{633}\u{627}\u{644}\u{629} \u{625}\u{644}\u{649} Jisr al-Shughur";
        assert!(holds(Some(t), "jisr al shughur"));
        assert!(holds(
            Some(t),
            "\u{627}\u{644}\u{627}\u{646}\u{627}\u{636}\u{648}\u{644}"
        ));
        assert!(holds(
            Some(t),
            "\u{631}\u{633}\u{627}\u{644}\u{647} \u{627}\u{644}\u{64a}"
        ));
        assert!(!holds(Some(t), "jisr alshughur"));
        // A search of marks alone looks for the marks.
        assert!(holds(Some("Why? Because."), "?"));
        assert!(!holds(Some("Why not"), "?"));
    }

    #[test]
    fn names_are_compared_case_folded_not_only_lowered() {
        // Lower case alone keeps Greek's final sigma and German's sharp s.
        for (a, b) in [
            ("ΚΩΣΤΑΣ ΠΑΠΑΣ", "Κωστας Παπας"),
            ("Κωστας", "ΚΩΣΤΑΣ"),
            ("STRASSE", "Straße"),
            ("Straße", "STRAẞE"),
            ("İsmail", "ismail"),
        ] {
            assert_eq!(speaker_key(a), speaker_key(b), "{a} / {b}");
            assert!(same_name(a, b), "{a} / {b}");
            assert!(speaker_holds(a, b) && speaker_holds(b, a), "{a} / {b}");
        }
        // What stays apart.
        for (a, b) in [
            ("Straße", "Strase"),
            ("Κωστας", "Κωστα"),
            ("Aydın", "Aydan"),
        ] {
            assert!(!same_name(a, b), "{a} / {b}");
        }
        // A quote is found across the same difference, and named as case.
        let found = near_matches("die Straße war leer", "STRASSE");
        assert_eq!(found, [NearMatch { start: 4, end: 11 }]);
    }

    #[test]
    fn a_speaker_in_look_alike_letters_is_grouped_with_the_latin_name() {
        // Capital or small, and with typography around the letters.
        for (lookalike, latin) in [
            ("\u{412}\u{412}\u{421}", "bbc"),
            ("\u{412}\u{412}\u{441}", "BBC"),
            ("\u{412}\u{412}\u{421}\u{2019}s office", "BBC's office"),
            ("\u{406}\u{410}\u{415}\u{410}", "IAEA"),
        ] {
            assert_eq!(speaker_key(lookalike), speaker_key(latin), "{lookalike}");
            assert!(prints_as_latin(lookalike), "{lookalike}");
            assert!(!prints_as_latin(latin), "{latin}");
            assert!(speaker_holds(lookalike, "bbc") || speaker_holds(lookalike, "iaea"));
        }
        // Names of their own stay apart from any Latin one.
        for (name, other) in [
            ("\u{412}\u{412}\u{421} Россия", "BBC Rossiya"),
            ("Путин", "Putin"),
        ] {
            assert_ne!(speaker_key(name), speaker_key(other), "{name}");
            assert!(!prints_as_latin(name), "{name}");
            assert!(!speaker_holds(name, other), "{name}");
        }
        assert!(speaker_holds(
            "\u{412}\u{412}\u{421} Россия",
            "\u{412}\u{412}\u{421}"
        ));
        assert_eq!(speaker_key("white  HELMETS"), name_key("White Helmets"));
    }

    #[test]
    fn utf16_without_a_mark_is_told_from_utf8() {
        let le = |t: &str| {
            t.encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>()
        };
        let be = |t: &str| {
            t.encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect::<Vec<u8>>()
        };
        assert_eq!(utf16_without_bom(&le("Seven killed")), Some("UTF-16LE"));
        assert_eq!(utf16_without_bom(&be("Seven killed")), Some("UTF-16BE"));
        assert_eq!(utf16_without_bom(&le("سبعة قتلى")), Some("UTF-16LE"));
        assert_eq!(utf16_without_bom(&le("Семь убитых")), Some("UTF-16LE"));
        // UTF-8 in any script, line breaks and all, and zeros alone, are not.
        let fixture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/idlib-2022-07-22.txt"
        ))
        .unwrap();
        for t in [
            &fixture[..],
            "سبعة قتلى\n\n".as_bytes(),
            "七人死亡".as_bytes(),
            &[0u8; 64],
            &[1u8; 64],
            b"ab",
        ] {
            assert_eq!(
                utf16_without_bom(t),
                None,
                "{:?}",
                String::from_utf8_lossy(t)
            );
        }
    }

    #[test]
    fn a_windows_line_end_is_kept_and_a_lone_carriage_return_escaped() {
        assert_eq!(escape_keep_newlines("a\r\nb\r"), "a\r\nb\\u{d}");
        assert_eq!(escape_keep_newlines("a\rb\n"), "a\\u{d}b\n");
        assert_eq!(escape_keep_newlines("\r\n\r\n"), "\r\n\r\n");
    }

    #[test]
    fn a_turkish_dotted_capital_i_is_an_i_whatever_the_case() {
        assert!(same_name("İsmail Şahin", "ismail şahin"));
        assert!(same_name("İSMAİL ŞAHİN", "İsmail Şahin"));
        assert!(!same_name("İsmail", "Ismael"));
        assert!(same_name("Işık Ay", "IŞIK AY"));
        assert!(same_name("ışık ay", "IŞIK AY"));
    }

    use super::*;

    /// Two origins that differ only by a zero-width space, which `escape`
    /// leaves alone, are shown apart; names that escape apart already, or
    /// are equal, are shown as `escape` shows them.
    #[test]
    fn names_said_to_differ_are_shown_to() {
        assert_eq!(
            escape_apart("news.example/log\u{200b}", "news.example/log"),
            (
                "news.example/log\\u{200b}".to_string(),
                "news.example/log".to_string()
            )
        );
        assert_eq!(
            escape_apart("n\u{e9}ws\u{1b}", "news"),
            ("n\u{e9}ws\\u{1b}".to_string(), "news".to_string())
        );
        assert_eq!(
            escape_apart("news.ex\u{430}mple", "news.example"),
            (
                "news.ex\\u{430}mple".to_string(),
                "news.example".to_string()
            )
        );
        assert_eq!(
            escape_apart("другой.example", "news.example"),
            ("другой.example".to_string(), "news.example".to_string())
        );
        assert_eq!(
            escape_apart("other.example", "news.example"),
            ("other.example".to_string(), "news.example".to_string())
        );
    }

    /// A name with an escape sequence is quoted for bash with the
    /// sequence's bytes spelled out; bash reads the same name back.
    #[test]
    fn a_span_that_cuts_a_word_is_told_from_one_that_does_not() {
        let t = "Shelling of ALEPPO killed 7; skill 東京都庁";
        let at = |w: &str| t.find(w).unwrap();
        let aleppo = at("ALEPPO");
        let whole = Some(("ALEPPO".to_string(), (aleppo, aleppo + 6)));
        assert_eq!(word_cut(t, aleppo + 2), whole);
        assert_eq!(word_cut(t, aleppo + 5), whole);
        assert_eq!(word_cut(t, aleppo), None);
        assert_eq!(word_cut(t, aleppo + 6), None);
        let skill = at("skill");
        assert_eq!(
            word_cut(t, skill + 1).map(|(w, _)| w),
            Some("skill".to_string())
        );
        // Between digits and punctuation, and between Han characters: no
        // word is cut.
        assert_eq!(word_cut(t, at("7")), None);
        assert_eq!(word_cut(t, at(";")), None);
        let han = at("京");
        assert_eq!(word_cut(t, han), None);
        assert_eq!(word_cut(t, t.len()), None);
        // A word longer than the window read around `at`: not named.
        let long = format!("a {} b", "x".repeat(1000));
        assert_eq!(word_cut(&long, 500), None);
        assert_eq!(word_cut(&long, 600), None);
    }

    #[test]
    fn shell_words_spell_out_hidden_characters() {
        let p = std::path::Path::new("cp\u{1b}]0;ok\u{7} it's\u{202e}.txt");
        let w = shell_word(p);
        assert_eq!(w, r"$'cp\x1b]0;ok\x07 it\'s\xe2\x80\xae.txt'");
        assert!(!w.chars().any(needs_escape));
        assert_eq!(shell_word(std::path::Path::new("a b.txt")), "'a b.txt'");
        assert_eq!(shell_word(std::path::Path::new("-cp.txt")), "./-cp.txt");
        use std::os::unix::ffi::OsStrExt;
        let odd = std::path::Path::new(std::ffi::OsStr::from_bytes(b"cp\xff.txt"));
        assert_eq!(shell_word(odd), r"$'cp\xff.txt'");
        assert_eq!(shell_text("-Dash"), "-Dash");
        assert_eq!(shell_text("Rana Haddad"), "'Rana Haddad'");
    }

    #[test]
    fn thousands_groups_digits_and_keeps_small_rates_readable() {
        assert_eq!(thousands(182_863.4), "182,863");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(thousands(100.0), "100");
        assert_eq!(thousands(999.6), "1,000");
        assert_eq!(thousands(0.513), "0.51");
    }

    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(count(1, "entry"), "1 entry");
        assert_eq!(count(2, "entry"), "2 entries");
        assert_eq!(count(0, "claim"), "0 claims");
        assert_eq!(count(3, "batch"), "3 batches");
        assert_eq!(count(0, "hash"), "0 hashes");
        assert_eq!(count(999, "line"), "999 lines");
        assert_eq!(count(119_000, "entry"), "119,000 entries");
        assert_eq!(count(1_000_000, "source"), "1,000,000 sources");
        let one = crate::checkpoint::NoteError::NoKnownSignature {
            signers: vec!["a.example+0badcafe".into()],
        };
        assert_eq!(
            one.to_string(),
            "the note's one signature line (a.example+0badcafe) is not from a known key"
        );
        let two = crate::checkpoint::NoteError::NoKnownSignature {
            signers: vec!["a.example+0badcafe".into(), "auditor+12345678".into()],
        };
        assert_eq!(
            two.to_string(),
            "none of the note's 2 signature lines (a.example+0badcafe, auditor+12345678) is from a known key"
        );
    }

    #[test]
    fn spans_are_written_in_digits_only() {
        assert_eq!(parse_span("0..5"), Ok((0, 5)));
        assert_eq!(parse_span("120..187"), Ok((120, 187)));
        for bad in [
            "+0..+6",
            " 0..5 ",
            "5 ..9",
            "..5",
            "5..",
            "0x10..0x20",
            "\u{ff11}..\u{ff12}",
            "1...5",
            "99999999999999999999999..1",
        ] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
    }

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
    fn a_quote_copied_from_show_is_found_whatever_its_backslashes_stand_for() {
        let src = "Minister said:\tthe files are in C:\\temp\\new today.";
        let shown = escape(src);
        assert_eq!(
            shown,
            "Minister said:\\tthe files are in C:\\temp\\new today."
        );
        let typed = "said:\\tthe files are in C:\\temp";
        let (a, b) = find_shown(src, typed).unwrap();
        assert_eq!(&src[a..b], "said:\tthe files are in C:\\temp");
        // No escape at all, or the text as it is: nothing to say.
        assert_eq!(find_shown(src, "C:\\new"), None);
        assert_eq!(find_shown("a\\tb", "a\\tb"), None);
        assert_eq!(find_shown(src, "said:\\tnothing"), None);
    }

    #[test]
    fn a_quote_may_end_in_an_emoji_with_its_selector_but_not_in_a_blank() {
        assert_eq!(quote_edges("Stay safe \u{270c}\u{fe0f}"), (0, 0));
        let scotland = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";
        assert_eq!(quote_edges(&format!("Go {scotland}")), (0, 0));
        assert_eq!(quote_edges(" x \u{200b}"), (1, 4));
        assert_eq!(quote_edges("\u{feff}x"), (3, 0));
        assert_eq!(quote_edges("  "), (2, 0));
    }

    /// A context cut inside a character as the reader sees it is shown
    /// without the piece: a flag's second letter (which paired with the
    /// next flag's first: 🇸🇾 for the ends of 🇺🇸 and 🇾🇪), a mark or a
    /// joiner of the character before.
    #[test]
    fn a_context_cut_inside_a_character_is_shown_without_the_piece() {
        let (us, sy, ye) = (
            "\u{1f1fa}\u{1f1f8}",
            "\u{1f1f8}\u{1f1fe}",
            "\u{1f1fe}\u{1f1ea}",
        );
        let cut = &format!("{us}{ye}x")["\u{1f1fa}".len()..];
        assert!(cut.starts_with(sy), "the cut context reads as Syria's flag");
        assert_eq!(whole_start(cut), format!("{ye}x"));
        assert_eq!(whole_start(&format!("{us}{ye}x")), format!("{us}{ye}x"));
        assert_eq!(whole_start("\u{301}\u{301}ab"), "ab");
        // A joined sequence cut at its start or end is left out whole.
        assert_eq!(whole_start("\u{200d}\u{1f467}\u{200d}\u{1f466} x"), " x");
        assert_eq!(
            whole_start("\u{1f469}\u{200d}\u{1f467}\u{200d}\u{1f466} x"),
            " x"
        );
        assert_eq!(whole_end("x \u{1f468}\u{200d}\u{1f469}"), "x ");
        assert_eq!(whole_end("x \u{1f3f3}\u{fe0f}"), "x \u{1f3f3}\u{fe0f}");
        assert_eq!(whole_start("\u{1f3fd} hands"), " hands");
        assert_eq!(whole_end(&format!("x {us}\u{1f1fe}")), format!("x {us}"));
        assert_eq!(whole_end(&format!("x {us}{ye}")), format!("x {us}{ye}"));
        assert_eq!(whole_end("x \u{1f468}\u{200d}"), "x ");
    }

    /// The context walks out from the quote; it must be the same as taking
    /// the last (first) 32 characters of everything before (after) it, at
    /// every boundary of a text of mixed widths, short and long.
    #[test]
    fn context_is_the_nearest_characters_at_every_boundary() {
        let t = "a “Seven” é 𝄞 civilians’ x".repeat(3);
        for at in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
            let before: Vec<char> = t[..at].chars().collect();
            let want: String = before[before.len().saturating_sub(CONTEXT_CHARS)..]
                .iter()
                .collect();
            assert_eq!(prefix(&t, at), want, "prefix at {at}");
            let want: String = t[at..].chars().take(CONTEXT_CHARS).collect();
            assert_eq!(suffix(&t, at), want, "suffix at {at}");
        }
    }

    #[test]
    fn a_source_text_keeps_its_bytes_either_way() {
        let t = SourceText::new("Idlib’s".as_bytes().to_vec());
        assert_eq!(t.text(), Some("Idlib’s"));
        assert_eq!(t.bytes(), "Idlib’s".as_bytes());
        assert_eq!(SourceText::from_string("Idlib’s".into()), t);
        let t = SourceText::new(vec![b'a', 0xff, b'b']);
        assert_eq!(t.text(), None);
        assert_eq!(t.bytes(), &[b'a', 0xff, b'b']);
    }

    #[test]
    fn finds_overlapping_occurrences() {
        // Past the first 64, found in one pass: the same places.
        let text = "ab ".repeat(300) + "aab aab";
        let naive: Vec<usize> = (0..text.len())
            .filter(|&i| text[i..].starts_with("ab"))
            .collect();
        assert_eq!(occurrences(&text, "ab"), naive);
        let naive: Vec<usize> = (0..700)
            .filter(|&i| "a".repeat(700)[i..].starts_with("aaa"))
            .collect();
        assert_eq!(occurrences(&"a".repeat(700), "aaa"), naive);
        assert_eq!(occurrences("aaa", "aa"), vec![0, 1]);
        assert_eq!(occurrences("x “Seven” y “Seven”", "Seven").len(), 2);
        assert!(occurrences("abc", "").is_empty());
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn near_matches_set_typography_and_case_aside() {
        let t = "ALEPPO — Russia has resumed airstrikes in Syria’s\nnorthwestern  province. “Seven civilians…”";
        let m = near_matches(t, "Syria's northwestern province");
        assert_eq!(m.len(), 1);
        assert_eq!(&t[m[0].start..m[0].end], "Syria’s\nnorthwestern  province");
        let diff = |m: &NearMatch, q| Difference::between(&t[m.start..m.end], q);
        assert_eq!(
            diff(&m[0], "Syria's northwestern province"),
            [Difference::QuoteMarks, Difference::Spacing]
        );
        let m = near_matches(t, "aleppo - russia");
        assert_eq!(&t[m[0].start..m[0].end], "ALEPPO — Russia");
        assert_eq!(
            diff(&m[0], "aleppo - russia"),
            [Difference::Dashes, Difference::Case]
        );
        // A dash typed as two or three hyphens is one dash.
        for typed in ["ALEPPO -- Russia", "ALEPPO --- Russia"] {
            let m = near_matches(t, typed);
            assert_eq!(&t[m[0].start..m[0].end], "ALEPPO — Russia", "{typed}");
            assert_eq!(diff(&m[0], typed), [Difference::Dashes]);
        }
        let m = near_matches(t, "\"Seven civilians...\"");
        assert_eq!(&t[m[0].start..m[0].end], "“Seven civilians…”");
        assert_eq!(
            diff(&m[0], "\"Seven civilians...\""),
            [Difference::QuoteMarks, Difference::Ellipsis]
        );
        // An exact occurrence is a near match with no differences.
        let m = near_matches(t, "Russia");
        assert_eq!((m.len(), diff(&m[0], "Russia").len()), (1, 0));
        // Letters are never set aside, and an empty quote matches nothing.
        assert!(near_matches(t, "Syria’z").is_empty());
        assert!(near_matches(t, "").is_empty());
        // White space alone would match every gap between two words.
        assert!(near_matches(t, " \n ").is_empty());
    }

    #[test]
    fn near_matches_join_words_a_pdf_broke_across_lines() {
        let t = "Officials said the evacu-\n  ation was ordered at dawn from Jisr al-\r\nShughur and from well-\nknown  villages; a -\nb, x-\n\ny.";
        let found = |q: &str| -> Vec<&str> {
            near_matches(t, q)
                .iter()
                .map(|m| &t[m.start..m.end])
                .collect()
        };
        // A small letter goes on the word: the hyphen only broke it.
        assert_eq!(found("the evacuation was"), ["the evacu-\n  ation was"]);
        assert_eq!(
            Difference::between("the evacu-\n  ation was", "the evacuation was"),
            [Difference::LineBreakHyphen]
        );
        // A capital: the hyphen is the name's own.
        assert_eq!(found("Jisr al-Shughur"), ["Jisr al-\r\nShughur"]);
        assert!(found("Jisr alShughur").is_empty());
        // A compound of small letters reads as one word, and no hyphen
        // after a space or before a blank line joins anything.
        assert_eq!(found("wellknown villages"), ["well-\nknown  villages"]);
        assert!(found("a b").is_empty() && found("ab").is_empty());
        assert!(found("xy").is_empty());
        // A soft hyphen at the line's end breaks the word the same way.
        let soft = "the evacu\u{ad}\nation";
        assert_eq!(near_matches(soft, "the evacuation").len(), 1);
    }

    #[test]
    fn a_word_a_pdf_broke_is_found_as_a_pdf_viewer_copies_it() {
        let t = "Officials said the evacu-\n  ation was ordered at dawn from Jisr al-\r\nShughur and from well-\nknown  villages; a well-known rule.";
        let found = |q: &str| -> Vec<&str> {
            near_matches(t, q)
                .iter()
                .map(|m| &t[m.start..m.end])
                .collect()
        };
        // The break copied as a space, or gone: the hyphen stays.
        for q in [
            "the evacu- ation was",
            "the evacu-ation was",
            "the evacu-  ation was",
        ] {
            assert_eq!(found(q), ["the evacu-\n  ation was"], "{q}");
            assert_eq!(
                Difference::between("the evacu-\n  ation was", q),
                [Difference::LineBreakHyphen],
                "{q}"
            );
        }
        // A compound typed as it reads, or as a viewer copies it.
        for q in ["from well-known villages", "from well- known villages"] {
            assert_eq!(found(q), ["from well-\nknown  villages"], "{q}");
        }
        // A name's hyphen before a capital, the break a space.
        assert_eq!(found("Jisr al- Shughur"), ["Jisr al-\r\nShughur"]);
        assert_eq!(found("Jisr al-Shughur and"), ["Jisr al-\r\nShughur and"]);
        // Only where the source breaks a word at a line's end: its own
        // `well-known` is not found by `well- known`, nor by `wellknown`,
        // nor a word with no hyphen by one typed with it.
        assert!(found("a well- known rule").is_empty());
        assert!(found("a wellknown rule").is_empty());
        assert!(found("Offi-cials said").is_empty());
        assert!(near_matches("a wellknown rule", "a well-known rule").is_empty());
        // Names are read as before: a hyphen and a space are a break.
        assert_ne!(name_key("Abu- bakr"), name_key("Abubakr"));
    }

    #[test]
    fn each_hyphen_read_as_a_line_end_is_one_in_the_source() {
        let found = |t: &str, q: &str| -> Vec<String> {
            near_matches(t, q)
                .iter()
                .map(|m| t[m.start..m.end].to_string())
                .collect()
        };
        // A hyphen where the source has no break is not read as one
        // because the source breaks another word elsewhere in the span:
        // `re-creation` is not `recreation`, `well-known` not `wellknown`.
        let t = "He said the recreation of the well-\nknown park was a wellknown figure's idea and the evacu-\nation followed.";
        assert!(found(t, "the re-creation of the well-known park").is_empty());
        assert!(found(t, "a well-known figure's idea and the evacuation").is_empty());
        assert!(found(t, "a well-known figure's idea and the evacu-ation").is_empty());
        // Each on its own line end, still found.
        assert_eq!(
            found(t, "the recreation of the well-known park"),
            ["the recreation of the well-\nknown park"]
        );
        assert_eq!(
            found(t, "a wellknown figure's idea and the evacu- ation"),
            ["a wellknown figure's idea and the evacu-\nation"]
        );
        // After a digit the hyphen is the word's own, whatever follows:
        // `12-` then `year-old` is `12-year-old`, never `12year-old`.
        let t = "A 12-\nyear-old girl and the COVID-\n19 ward.";
        assert_eq!(found(t, "A 12-year-old girl"), ["A 12-\nyear-old girl"]);
        assert!(found(t, "A 12year-old girl").is_empty());
        assert_eq!(found(t, "the COVID-19 ward"), ["the COVID-\n19 ward"]);
        assert!(found(t, "the COVID19 ward").is_empty());
        // A real compound and one broken at a line's end, in one quote:
        // each hyphen is read on its own.
        let t = "The cease-fire line, drawn by the well-\nknown monitor, held.";
        let q = "The cease-fire line, drawn by the well-known monitor";
        assert_eq!(
            found(t, q),
            ["The cease-fire line, drawn by the well-\nknown monitor"]
        );
        assert_eq!(
            Difference::between("The cease-fire line, drawn by the well-\nknown monitor", q),
            [Difference::LineBreakHyphen]
        );
        assert_eq!(
            found(t, "cease-fire line, drawn by the well- known"),
            ["cease-fire line, drawn by the well-\nknown"]
        );
        // The real hyphen is not set aside for it.
        assert!(found(t, "The ceasefire line, drawn by the well-known monitor").is_empty());
        assert!(found(t, "The cease- fire line, drawn by the well-known").is_empty());
        // A source's own noncharacters are not its marks.
        assert!(near_matches("well\u{fdd0}known and a-\nb", "well-known").is_empty());
    }

    #[test]
    fn a_quote_found_without_an_emoji_selector_and_names_keep_it() {
        let t = "A U.N. spokesperson said: \u{201c}We \u{2764}\u{fe0f} Idlib.\u{201d}";
        let m = near_matches(t, "We \u{2764} Idlib.");
        assert_eq!(m.len(), 1);
        assert_eq!(&t[m[0].start..m[0].end], "We \u{2764}\u{fe0f} Idlib.");
        assert_eq!(
            Difference::between(&t[m[0].start..m[0].end], "We \u{2764} Idlib."),
            [Difference::Invisible]
        );
        // The other way round, and the text selector U+FE0E.
        assert_eq!(
            near_matches("We \u{2764} Idlib.", "We \u{2764}\u{fe0f} Idlib.").len(),
            1
        );
        assert_eq!(
            near_matches("x \u{2764}\u{fe0e} y", "x \u{2764} y").len(),
            1
        );
        // Not set aside where the other users of what draws nothing look.
        assert!(!is_invisible_in_copy('\u{fe0f}') && is_variation_selector('\u{fe0f}'));
        assert_eq!(quote_edges("Stay safe \u{270c}\u{fe0f}"), (0, 0));
        // Names keep it: grouping is not changed.
        assert_ne!(name_key("Team \u{2764}\u{fe0f}"), name_key("Team \u{2764}"));
    }

    #[test]
    fn a_quote_typed_with_latin_digits_and_punctuation_is_found_in_arabic() {
        let t = "قال رائد الصالح: «قُتل سبعة مدنيين، وأُصيب ١٢ آخرون؛ هل من مجيب؟». و۳۴ طفلا.";
        let found = |q: &str| -> Vec<&str> {
            near_matches(t, q)
                .iter()
                .map(|m| &t[m.start..m.end])
                .collect()
        };
        assert_eq!(
            found("قتل سبعة مدنيين، وأصيب 12 آخرون"),
            ["قُتل سبعة مدنيين، وأُصيب ١٢ آخرون"]
        );
        assert_eq!(found("مدنيين, وأصيب"), ["مدنيين، وأُصيب"]);
        assert_eq!(found("آخرون; هل من مجيب?"), ["آخرون؛ هل من مجيب؟"]);
        assert_eq!(found("و34 طفلا"), ["و۳۴ طفلا"]);
        // The decimal and thousands separators too.
        let t2 = "نزح ١٬٢٠٠ شخص خلال ٣٫٥ أيام";
        let m = near_matches(t2, "نزح 1,200 شخص خلال 3.5 أيام");
        assert_eq!(
            m.iter().map(|m| &t2[m.start..m.end]).collect::<Vec<_>>(),
            [t2]
        );
        assert_eq!(
            Difference::between("وأصيب ١٢ آخرون", "وأصيب 12 آخرون"),
            [Difference::ArabicDigits]
        );
        // Another number is another number.
        assert!(found("وأصيب 13 آخرون").is_empty());
        // Names are compared as before.
        assert_ne!(name_key("فرقة ١٢"), name_key("فرقة 12"));
    }

    #[test]
    fn searches_take_latin_accents_off_and_names_keep_them() {
        for (text, part) in [
            ("Stéphane Dujarric", "Stephane"),
            ("Stephane Dujarric", "Stéphane"),
            ("Ste\u{301}phane", "stephane"),
            ("Łódź", "lodz"),
            ("Sørensen", "sorensen"),
            ("Straße", "strasse"),
            ("Işık", "isik"),
            ("Nguyễn", "nguyen"),
        ] {
            assert!(holds(Some(text), part), "{text} / {part}");
            assert!(speaker_holds(text, part), "{text} / {part}");
        }
        // Other scripts keep their marks.
        assert!(!holds(Some("й"), "и"));
        assert!(!holds(Some("ά"), "α"));
        // Speakers are grouped as before: two names, not one.
        for (a, b) in [
            ("Stéphane Dujarric", "Stephane Dujarric"),
            ("Łódź", "Lodz"),
            ("Sørensen", "Sorensen"),
        ] {
            assert_ne!(speaker_key(a), speaker_key(b), "{a} / {b}");
            assert!(!same_name(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn names_are_the_same_up_to_typography_and_case() {
        assert!(same_name("White Helmets", " white  helmets"));
        assert!(same_name("UNICEF’s office", "Unicef's office"));
        assert!(same_name("Jean-Luc Brémond", "JEAN–LUC BRÉMOND"));
        assert!(!same_name("White Helmets", "White Helmet"));
        assert!(!same_name("Brémond", "Bremond"));
    }

    #[test]
    fn near_matches_set_unicode_forms_aside_but_not_letters() {
        let diff = |t: &str, m: &NearMatch, q| Difference::between(&t[m.start..m.end], q);
        // An accent typed as a combining mark (macOS, some PDFs) against a
        // composed one, both ways; the match covers the whole character.
        let t = "The mayor said the caf\u{e9} will reopen.";
        let m = near_matches(t, "the cafe\u{301} will");
        assert_eq!(&t[m[0].start..m[0].end], "the caf\u{e9} will");
        assert_eq!(
            diff(t, &m[0], "the cafe\u{301} will"),
            [Difference::UnicodeForm]
        );
        let nfd = "the cafe\u{301} will";
        let m = near_matches(nfd, "THE CAF\u{c9}");
        assert_eq!(&nfd[m[0].start..m[0].end], "the cafe\u{301}");
        // Ligatures and full-width letters from a PDF.
        let t = "signi\u{fb01}cant \u{fb02}aws, \u{ff21}\u{ff22}";
        let m = near_matches(t, "significant flaws, AB");
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].start, m[0].end), (0, t.len()));
        // Arabic presentation forms (as PDFs draw them) and the letters.
        let m = near_matches(
            "\u{fee1}\u{fef3}\u{fe8e}\u{fe97}",
            "\u{645}\u{64a}\u{627}\u{62a}",
        );
        assert_eq!(m.len(), 1);
        // Letters that differ still differ, and an ellipsis is still named
        // as one (NFKC would make it three dots too).
        assert!(near_matches("the caf\u{e9}", "the cafe").is_empty());
        assert!(near_matches("the cafe", "the caf\u{e9}").is_empty());
        assert!(near_matches("na\u{ef}ve", "nai\u{308}ve").len() == 1);
        let t = "wait\u{2026}";
        let m = near_matches(t, "wait...");
        assert_eq!(diff(t, &m[0], "wait..."), [Difference::Ellipsis]);
        // Speakers' names typed either way are one name.
        assert!(same_name("Caf\u{e9} Owner", "cafe\u{301} owner"));
    }

    #[test]
    fn near_matches_set_persian_half_spaces_aside() {
        let diff = |t: &str, m: &NearMatch, q| Difference::between(&t[m.start..m.end], q);
        // `می‌خواهیم` ("we want") with its zero-width non-joiner, typed
        // without it: found, and the difference named.
        let t = "\u{627}\u{648} \u{6af}\u{641}\u{62a}: \u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{6cc}\u{645}";
        let typed = "\u{645}\u{6cc}\u{62e}\u{648}\u{627}\u{647}\u{6cc}\u{645}";
        let m = near_matches(t, typed);
        assert_eq!(m.len(), 1);
        assert_eq!(&t[m[0].start..m[0].end], &t[t.find('\u{645}').unwrap()..]);
        assert_eq!(diff(t, &m[0], typed), [Difference::Joiners]);
        // The other way round: a joiner typed where the source has none.
        let m = near_matches(typed, &t[t.find('\u{645}').unwrap()..]);
        assert_eq!((m[0].start, m[0].end), (0, typed.len()));
        // A space typed for the half-space is a word break: not the same
        // text.
        let spaced = "\u{645}\u{6cc} \u{62e}\u{648}\u{627}\u{647}\u{6cc}\u{645}";
        assert!(near_matches(t, spaced).is_empty());
    }

    #[test]
    fn near_matches_are_on_character_boundaries() {
        // Lower case may be longer than upper case (İ → i̇), and a match may
        // begin inside a folded `…`: the span still covers whole characters.
        let t = "İstanbul… x…y";
        for q in ["i̇stanbul", "..", ". x", "x..", "İSTANBUL..."] {
            for m in near_matches(t, q) {
                assert!(
                    t.is_char_boundary(m.start) && t.is_char_boundary(m.end),
                    "{q}"
                );
                assert!(m.start < m.end);
            }
        }
        assert_eq!(near_matches(t, "x...y")[0].start, t.find('x').unwrap());
    }

    #[test]
    fn an_elided_quote_is_found_in_parts_in_order() {
        let t = "Seven civilians, including four children, were killed. Seven more were hurt.";
        let at = |q: &str| {
            elided_parts(t, q).map(|ms| ms.iter().map(|m| &t[m.start..m.end]).collect::<Vec<_>>())
        };
        let want = Some(vec!["Seven civilians", "were killed"]);
        assert_eq!(at("Seven civilians … were killed"), want);
        assert_eq!(at("Seven civilians [...] were killed"), want);
        assert_eq!(at("seven civilians (…) WERE KILLED"), want);
        // In order: "were killed" before "more" is found; "Seven" after it
        // is the second one.
        let ms = elided_parts(t, "were killed ... Seven").unwrap();
        assert_eq!(ms[1].start, t.rfind("Seven").unwrap());
        assert_eq!(at("were hurt … Seven civilians"), None);
        // No mark, or a part not in the text: nothing to say.
        assert_eq!(at("Seven civilians were killed"), None);
        assert_eq!(at("Seven civilians … were shot"), None);
        assert_eq!(at("… were killed"), Some(vec!["were killed"]));
        // Past the most parts worked out, none are (each is a search of
        // the whole text).
        let many = vec!["Seven"; ELIDED_PARTS_MAX + 1].join(" … ");
        assert_eq!(at(&many), None);
    }

    #[test]
    fn a_quote_that_parts_from_the_text_is_found_up_to_where_it_does() {
        let t = "Seven civilians, including four children, were killed, and 12 injured.";
        let m =
            partial_match(t, "Seven civilians, including four children were killed", 0).unwrap();
        assert_eq!(
            &t[m.found.start..m.found.end],
            "Seven civilians, including four children"
        );
        assert_eq!(m.quote, 0.."Seven civilians, including four children".len());
        assert_eq!(m.others, 0);
        // The beginning, unless the end is more than twice as long.
        let q = "Seven civilians, including 4 children, were killed, and 12 injured.";
        let m = partial_match(t, q, 0).unwrap();
        assert_eq!(&q[m.quote.clone()], "Seven civilians, including ");
        let q = "Seven people, including four children, were killed, and 12 injured.";
        let m = partial_match(t, q, 0).unwrap();
        assert_eq!(
            &t[m.found.start..m.found.end],
            ", including four children, were killed, and 12 injured."
        );
        assert_eq!(
            &q[m.quote.clone()],
            ", including four children, were killed, and 12 injured."
        );
        let m = partial_match(
            "a “quoted” word, twice: a “quoted” thing",
            "A \"QUOTED\" WORD!",
            0,
        )
        .unwrap();
        assert_eq!(
            m.found,
            NearMatch {
                start: 0,
                end: "a “quoted” word".len()
            }
        );
        assert_eq!(m.others, 0);
        let m = partial_match("wait… wait… wait", "wait... no", 0).unwrap();
        assert_eq!((m.found.start, m.others), (0, 1));
        // A beginning too short to show gives way to an end that is not
        // (`the well` to `known shelter.`), which was left unshown.
        let (t2, q2) = ("we said the well known shelter.", "the well-known shelter.");
        assert_eq!(partial_match(t2, q2, 0).unwrap().quote, 0..8);
        let m = partial_match(t2, q2, 12).unwrap();
        assert_eq!(
            (&q2[m.quote.clone()], &t2[m.found.start..m.found.end]),
            ("known shelter.", "known shelter.")
        );
        // The whole quote occurs, or nothing of it: none.
        assert_eq!(partial_match(t, "were killed", 0), None);
        assert_eq!(partial_match(t, "xyz", 0), None);
        assert_eq!(partial_match(t, "", 0), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// A partial match covers whole characters of the text and of the
        /// quote, and what it covers folds to what the quote's part folds to.
        #[test]
        fn partial_matches_are_on_character_boundaries(
            t in "[aİ…’ x.\u{301}-]{0,24}",
            q in "[aİ…’ x.\u{301}-]{1,12}",
        ) {
            if let Some(m) = partial_match(&t, &q, 0) {
                proptest::prop_assert!(t.is_char_boundary(m.found.start) && t.is_char_boundary(m.found.end));
                proptest::prop_assert!(m.found.start < m.found.end);
                proptest::prop_assert!(q.is_char_boundary(m.quote.start) && q.is_char_boundary(m.quote.end));
                proptest::prop_assert!(m.quote.start == 0 || m.quote.end == q.len());
                proptest::prop_assert!(m.quote.start < m.quote.end && m.quote.end - m.quote.start < q.len());
            }
            if let Some(ms) = elided_parts(&t, &q) {
                for w in ms.windows(2) {
                    proptest::prop_assert!(w[0].end <= w[1].start);
                }
            }
        }


        /// Words of a text, retyped as a browser's copy or a keyboard
        /// would give them, are found exactly where they were.
        #[test]
        fn a_retyped_quote_is_found_where_it_was(
            words in proptest::collection::vec(proptest::prop_oneof![
                "[a-zA-Zé0-9]{1,6}",
                proptest::strategy::Just("Syria’s".to_string()),
                proptest::strategy::Just("“Seven”".to_string()),
                proptest::strategy::Just("wait…".to_string()),
                proptest::strategy::Just("İstanbul".to_string()),
            ], 1..10),
            seps in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(" "),
                proptest::strategy::Just("\n"),
                proptest::strategy::Just(" — "),
                proptest::strategy::Just("  "),
                proptest::strategy::Just("\u{a0}"),
            ], 10),
            pick in (0usize..10, 1usize..10),
        ) {
            let mut t = String::new();
            let mut bounds = Vec::new();
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    t.push_str(seps[i]);
                }
                bounds.push((t.len(), t.len() + w.len()));
                t.push_str(w);
            }
            let first = pick.0 % words.len();
            let last = (first + pick.1).min(words.len()) - 1;
            let (s, e) = (bounds[first].0, bounds[last].1);
            let retyped: String = t[s..e]
                .chars()
                .map(|c| match c {
                    '’' => "'".to_string(),
                    '“' | '”' => "\"".to_string(),
                    '—' => "-".to_string(),
                    '…' => "...".to_string(),
                    c if c.is_whitespace() => " ".to_string(),
                    c => c.to_ascii_lowercase().to_string(),
                })
                .collect();
            let found = near_matches(&t, &retyped);
            proptest::prop_assert!(
                found.iter().any(|m| (m.start, m.end) == (s, e)),
                "{:?} in {:?}: {:?}", retyped, t, found
            );
            for m in &found {
                proptest::prop_assert!(t.is_char_boundary(m.start) && t.is_char_boundary(m.end));
            }
            // `holds` finds what `near_matches` finds.
            proptest::prop_assert!(holds(Some(&t), &retyped));
            if !near_matches(&retyped, &t).is_empty() {
                proptest::prop_assert!(holds(Some(&retyped), &t));
            }
        }

        /// `holds` finds whatever `near_matches` finds, for any text, and
        /// more only where punctuation stands for a break between words
        /// (`al-Ahmad`, `al Ahmad`): with the marks read as spaces, the
        /// two agree.
        #[test]
        fn holds_is_a_near_match_with_punctuation_as_spaces(
            text in r#"[a-zA-Z ’'“"—\-….\nİı]{0,30}"#,
            part in r#"[a-zA-Z ’'“"—\-….\nİı]{0,6}"#,
        ) {
            let held = holds(Some(&text), &part);
            if !near_matches(&text, &part).is_empty() {
                proptest::prop_assert!(held, "{:?} in {:?}", part, text);
            }
            // And with the marks between words read as spaces, where no
            // mark stands inside a word, the two agree.
            let spaced = |s: &str| -> String {
                s.chars().map(|c| if is_word_break(c) || c == '…' { ' ' } else { c }).collect()
            };
            let no_inner = |s: &str| {
                let c: Vec<char> = s.chars().collect();
                !c.windows(3).any(|w| w[0].is_alphanumeric() && !w[1].is_alphanumeric() && !w[1].is_whitespace() && w[2].is_alphanumeric())
            };
            if part.chars().any(char::is_alphanumeric) && no_inner(&text) && no_inner(&part) {
                proptest::prop_assert_eq!(
                    held,
                    !near_matches(&spaced(&text), spaced(&part).trim()).is_empty(),
                    "{:?} in {:?}", part, text
                );
            }
        }
    }

    #[test]
    fn reader_character_boundaries_keep_marks_and_sequences_whole() {
        let t = "a=\u{338}b e\u{301} \u{1f469}\u{200d}\u{1f4bb} \u{1f1eb}\u{1f1f7}\u{1f1e9}\u{1f1ea} \u{1100}\u{1161}";
        let cuts: Vec<usize> = (0..=t.len())
            .filter(|&i| is_grapheme_boundary(t, i))
            .collect();
        // Not before U+0338 or U+0301, nor inside the woman-technologist
        // sequence, the two flags or the Hangul syllable in parts.
        let shown: Vec<&str> = cuts.windows(2).map(|w| &t[w[0]..w[1]]).collect();
        assert_eq!(
            shown,
            [
                "a",
                "=\u{338}",
                "b",
                " ",
                "e\u{301}",
                " ",
                "\u{1f469}\u{200d}\u{1f4bb}",
                " ",
                "\u{1f1eb}\u{1f1f7}",
                "\u{1f1e9}\u{1f1ea}",
                " ",
                "\u{1100}\u{1161}"
            ]
        );
        assert!(!is_grapheme_boundary(t, t.len() + 1));
        assert_eq!(grapheme_boundaries_around(t, 2), (1, 4));
    }

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(escape("plain ‘text’"), "plain ‘text’");
        assert_eq!(escape("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("a\u{2028}b\u{2029}"), "a\\u{2028}b\\u{2029}");
        // Invisible characters that no script needs are shown; those that
        // scripts need (ZWNJ in Persian, ZWSP in Burmese) are not.
        assert_eq!(escape("Joe Bi\u{2060}den"), "Joe Bi\\u{2060}den");
        assert_eq!(escape("x\u{e0041}\u{feff}"), "x\\u{e0041}\\u{feff}");
        assert_eq!(escape("\u{645}\u{200c}\u{647}"), "\u{645}\u{200c}\u{647}");
        assert_eq!(
            escape("\u{1000}\u{200b}\u{1001}"),
            "\u{1000}\u{200b}\u{1001}"
        );
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape_keep_newlines("a\nb\u{7}"), "a\nb\\u{7}");
    }
    /// Characters that draw nothing and pass for a space are shown.
    #[test]
    fn the_braille_blank_is_shown_as_an_escape() {
        assert_eq!(escape("White\u{2800}Helmets"), "White\\u{2800}Helmets");
        assert_eq!(escape("a\u{1bca0}b"), "a\\u{1bca0}b");
        assert_eq!(escape("\u{2801}"), "\u{2801}");
    }

    /// C1 controls, bidi overrides and tag characters are escaped, the
    /// rest left as it is, and the JSON reads back as the exact text.
    #[test]
    fn json_escapes_what_a_terminal_would_act_on() {
        let text = "a\u{9b}2J b\u{202e}c \u{e0041} é 日本 \u{1b}[m \u{200b}";
        let v = serde_json::json!({"t": text, "l": [1, "x"]});
        let s = to_json_pretty(&v).unwrap();
        assert!(
            s.contains("a\\u009b2J b\\u202ec \\udb40\\udc41 é 日本 \\u001b[m \u{200b}"),
            "{s}"
        );
        assert!(!s.chars().any(needs_escape_in_json), "{s}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
        assert_eq!(
            s.lines().count(),
            serde_json::to_string_pretty(&v).unwrap().lines().count()
        );
    }

    fn needs_escape_in_json(c: char) -> bool {
        needs_escape(c) && c != '\n'
    }
}
