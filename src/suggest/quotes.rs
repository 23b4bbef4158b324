//! Pass 1: find the quotations of one paragraph.
//!
//! Every quotation mark is classified by its glyph (opening, closing, or
//! either for the straight `"` and `'`) and by its context, the way a human
//! reader does: a mark after a space and before a letter opens, a mark after
//! a letter and before a space or punctuation closes. A stack of open marks
//! handles nesting (‘single’ inside “double”, “double” inside ‘single’,
//! “curly” inside «guillemets»); only outermost quotations are returned.
//!
//! Real copy is repaired as follows:
//! - mixed pairs (“…" or "…”) close each other: a closing mark of the same
//!   family closes the most recent compatible opening mark;
//! - «French spacing» and »reversed« or „German“ marks are accepted;
//! - a quotation still open at the end of the paragraph runs to the end of the
//!   paragraph (the multi-paragraph convention: the next paragraph reopens);
//! - a second opening mark of the same style while one is open closes the
//!   first one there (a closing mark was forgotten); if the text just before
//!   it ends in an attribution (`…, she said.`), the quotation is cut at that
//!   comma instead;
//! - a double closing mark with nothing open starts the quotation after the
//!   last colon of the paragraph, or at the paragraph start.
//!
//! Apostrophes: `’` and `'` close a single quotation only when one is open
//! and the mark is not between letters (`can’t`, `Syria’s`); `'90s` never
//! opens one; `farmers’ union` (after an `s`, before a lowercase word) is
//! taken as a possessive unless the paragraph offers no other closing mark.
//! Not caught: a possessive like `the Joneses’.` at the very end of a single
//! quotation still closes it; same-style nesting ("…"…"…") is read as two
//! quotations.

use super::text::{slice, trim_range};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Family {
    Double,
    Single,
    Corner,
    WhiteCorner,
}

/// Glyph style within a family, so that “curly” can nest inside «guillemets».
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Curly,
    Straight,
    Angle,
    Cjk,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Open,
    Close,
    Either,
}

fn classify(c: char) -> Option<(Family, Style, Dir)> {
    use Dir::*;
    use Family::*;
    use Style::*;
    Some(match c {
        '“' | '„' | '‟' => (Double, Curly, Open),
        '”' => (Double, Curly, Close),
        '«' => (Double, Angle, Open),
        '»' => (Double, Angle, Close),
        '"' => (Double, Straight, Either),
        '‘' | '‚' | '‛' => (Single, Curly, Open),
        '’' => (Single, Curly, Close),
        '‹' => (Single, Angle, Open),
        '›' => (Single, Angle, Close),
        '\'' => (Single, Straight, Either),
        '「' => (Corner, Cjk, Open),
        '」' => (Corner, Cjk, Close),
        '『' => (WhiteCorner, Cjk, Open),
        '』' => (WhiteCorner, Cjk, Close),
        _ => return None,
    })
}

/// True for every character this module treats as a quotation mark.
pub(super) fn is_quote_mark(c: char) -> bool {
    classify(c).is_some()
}

/// Opening quotation marks only (used to spot sentence starts).
pub(super) fn is_opening_glyph(c: char) -> bool {
    matches!(classify(c), Some((_, _, Dir::Open | Dir::Either)))
}

/// How a quotation ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ending {
    /// A closing mark was found.
    Closed,
    /// Still open at the end of the paragraph.
    Unclosed,
    /// Closed by the next opening mark of the same style.
    Implicit,
    /// A closing mark without an opening one.
    Orphan,
}

/// One outermost quotation.
#[derive(Clone, Debug)]
pub(super) struct Quote {
    /// Byte range covering the marks and the content; the text inside is
    /// opaque to the sentence and attribution passes.
    pub region_start: usize,
    pub region_end: usize,
    /// The content without marks, surrounding whitespace or a trailing comma.
    pub start: usize,
    pub end: usize,
    pub ending: Ending,
    /// The last non-space character before the closing mark (to tell whether
    /// the quotation ends a sentence).
    pub last_char: Option<char>,
}

#[derive(Clone, Copy, Debug)]
struct OpenMark {
    family: Family,
    style: Style,
    pos: usize,
    len: usize,
}

fn opener_context(prev: Option<char>, next: Option<char>) -> bool {
    let prev_ok = match prev {
        None => true,
        Some(c) => c.is_whitespace() || is_quote_mark(c) || "([{<—–-/:;".contains(c),
    };
    prev_ok && next.is_some_and(|c| !c.is_whitespace())
}

fn closer_context(prev: Option<char>, next: Option<char>) -> bool {
    let next_ok = match next {
        None => true,
        Some(c) => c.is_whitespace() || is_quote_mark(c) || ".,;:!?)]}>—–-…/".contains(c),
    };
    prev.is_some_and(|c| !c.is_whitespace()) && next_ok
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Open,
    Close,
    Ignore,
}

/// Finds the quotations of the paragraph `text[pstart..pend]`.
pub(super) fn scan(text: &str, pstart: usize, pend: usize) -> Vec<Quote> {
    let chars: Vec<(usize, char)> = slice(text, pstart, pend)
        .char_indices()
        .map(|(i, c)| (i + pstart, c))
        .collect();
    let mut out: Vec<Quote> = Vec::new();
    let mut stack: Vec<OpenMark> = Vec::new();
    // Possessive-looking single closing marks seen while a single quotation
    // is the outermost one: the last one is used if nothing better closes it.
    let mut single_fallback: Option<(usize, usize)> = None;

    for idx in 0..chars.len() {
        let Some(&(pos, c)) = chars.get(idx) else {
            continue;
        };
        let Some((family, style, dir)) = classify(c) else {
            continue;
        };
        let prev = idx.checked_sub(1).and_then(|k| chars.get(k)).map(|x| x.1);
        let next = chars.get(idx + 1).map(|x| x.1);
        let next2 = chars.get(idx + 2).map(|x| x.1);
        let oc = opener_context(prev, next);
        let cc = closer_context(prev, next);
        let family_open = stack.iter().any(|o| o.family == family);

        let mut action = match dir {
            Dir::Either => {
                if cc && !oc {
                    Action::Close
                } else if oc && !cc {
                    Action::Open
                } else if family == Family::Single {
                    Action::Ignore
                } else if family_open {
                    Action::Close
                } else {
                    Action::Open
                }
            }
            Dir::Open => {
                if cc && !oc && family_open {
                    Action::Close
                } else {
                    Action::Open
                }
            }
            Dir::Close => {
                if oc && !cc && !family_open && family != Family::Single {
                    Action::Open
                } else {
                    Action::Close
                }
            }
        };

        if family == Family::Single {
            match action {
                Action::Open => {
                    let digits_then_s = next.is_some_and(|c| c.is_ascii_digit())
                        && next2.is_some_and(|c| c.is_ascii_digit());
                    if !oc || digits_then_s {
                        action = Action::Ignore;
                    }
                }
                Action::Close => {
                    if !family_open || !cc {
                        action = Action::Ignore;
                    } else if prev.is_some_and(|c| c == 's' || c == 'S')
                        && next.is_some_and(char::is_whitespace)
                        && next2.is_some_and(char::is_lowercase)
                    {
                        if stack.first().is_some_and(|o| o.family == Family::Single) {
                            single_fallback = Some((pos, c.len_utf8()));
                        }
                        action = Action::Ignore;
                    }
                }
                Action::Ignore => {}
            }
        }

        match action {
            Action::Ignore => {}
            Action::Open => {
                // The same style already open means a closing mark was left
                // out: close it here (nesting uses a different style).
                if let Some(j) = stack
                    .iter()
                    .position(|o| o.family == family && o.style == style)
                {
                    if j == 0 {
                        if let Some(o) = stack.first().copied() {
                            finish_implicit(text, o, pos, &mut out);
                        }
                        stack.clear();
                    } else {
                        stack.truncate(j);
                    }
                }
                if stack.is_empty() {
                    single_fallback = None;
                }
                stack.push(OpenMark {
                    family,
                    style,
                    pos,
                    len: c.len_utf8(),
                });
            }
            Action::Close => {
                let j = stack
                    .iter()
                    .rposition(|o| o.family == family && o.style == style)
                    .or_else(|| stack.iter().rposition(|o| o.family == family));
                if let Some(j) = j {
                    let o = stack.get(j).copied();
                    stack.truncate(j);
                    if let (0, Some(o)) = (j, o) {
                        push_quote(
                            text,
                            o.pos,
                            o.len,
                            pos,
                            c.len_utf8(),
                            Ending::Closed,
                            &mut out,
                        );
                    }
                } else if stack.is_empty() && family != Family::Single {
                    finish_orphan(text, pstart, pos, c.len_utf8(), &mut out);
                }
            }
        }
    }

    if let Some(o) = stack.first().copied() {
        match single_fallback {
            Some((f, flen)) if o.family == Family::Single && f > o.pos => {
                push_quote(text, o.pos, o.len, f, flen, Ending::Closed, &mut out);
            }
            _ => push_quote(text, o.pos, o.len, pend, 0, Ending::Unclosed, &mut out),
        }
    }
    out
}

/// Records a quotation from the opening mark at `open` to the closing mark
/// at `close` (of length `close_len`, 0 when there is none).
fn push_quote(
    text: &str,
    open: usize,
    open_len: usize,
    close: usize,
    close_len: usize,
    ending: Ending,
    out: &mut Vec<Quote>,
) {
    let (mut a, mut b) = trim_range(text, open + open_len, close);
    if slice(text, a, b).ends_with(',') {
        (a, b) = trim_range(text, a, b - 1);
    }
    if b <= a {
        return;
    }
    let last_char = slice(text, open + open_len, close)
        .trim_end()
        .chars()
        .next_back();
    out.push(Quote {
        region_start: open,
        region_end: close + close_len,
        start: a,
        end: b,
        ending,
        last_char,
    });
}

/// A quotation closed by the next opening mark. If its text ends in an
/// attribution such as `…school, she said.` the quotation ends at that comma
/// and the attribution is left outside, where the attribution pass finds it.
fn finish_implicit(text: &str, o: OpenMark, next_open: usize, out: &mut Vec<Quote>) {
    let content_start = o.pos + o.len;
    let content = slice(text, content_start, next_open);
    let trimmed = content.trim_end();
    if trimmed.ends_with('.') || trimmed.ends_with(',') {
        if let Some(comma) = content.rfind(", ") {
            let tail = content.get(comma + 1..).unwrap_or("");
            let words: Vec<&str> = tail
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let has_verb = words.iter().any(|w| {
                matches!(
                    w.to_lowercase().as_str(),
                    "said" | "says" | "added" | "told" | "asked" | "wrote" | "continued"
                )
            });
            if has_verb && words.len() <= 6 {
                let cut = content_start + comma;
                push_quote(text, o.pos, o.len, cut, 1, Ending::Implicit, out);
                return;
            }
        }
    }
    push_quote(text, o.pos, o.len, next_open, 0, Ending::Implicit, out);
}

/// A closing mark with nothing open: the quotation starts after the last
/// colon before it, else after the previous quotation, else at the start of
/// the paragraph.
fn finish_orphan(text: &str, pstart: usize, close: usize, close_len: usize, out: &mut Vec<Quote>) {
    let floor = out.last().map_or(pstart, |q| q.region_end);
    let before = slice(text, floor, close);
    let start = match before.rfind(':') {
        Some(i) => floor + i + 1,
        None => floor,
    };
    let (a, b) = trim_range(text, start, close);
    if b <= a {
        return;
    }
    out.push(Quote {
        region_start: a,
        region_end: close + close_len,
        start: a,
        end: b,
        ending: Ending::Orphan,
        last_char: slice(text, a, b).chars().next_back(),
    });
}
