//! Pass 2: split one paragraph into words, punctuation and (opaque)
//! quotations, then into sentences.
//!
//! A sentence ends at `.`, `!`, `?` or `…` outside quotations when the next
//! item starts with a capital, a digit or a quotation, and after a quotation
//! whose text ends in such a mark under the same condition. A full stop after
//! a known abbreviation (`Capt.`, `Col.`, `Aug.`), a single capital (`J.`)
//! or a dotted word (`a.m.`) does not end a sentence. Not caught: a sentence
//! that really ends with a dotted word (`… in the U.S. The …`) is merged with
//! the next one.
//!
//! A dateline (`ALEPPO —`, `KHERVANE, Aug 14 (AFP) —`, `MILLBROOK --`,
//! `CHICAGO, March 4 (Reuters) -`) is
//! skipped at the start of a paragraph so that it is not read as a speaker or
//! as part of a claim.

use super::lexicon::is_abbreviation;
use super::quotes::{self, Quote};
use super::text::slice;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Word,
    /// Index into `Para::quotes`.
    Quote(usize),
    Punct(char),
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Item {
    pub kind: Kind,
    /// Byte range in the source text (for a quotation: marks included).
    pub s: usize,
    pub e: usize,
}

pub(super) struct Para {
    pub items: Vec<Item>,
    /// Item index ranges, in order.
    pub sentences: Vec<(usize, usize)>,
    pub quotes: Vec<Quote>,
}

fn is_connector(c: char) -> bool {
    matches!(c, '-' | '\'' | '’' | '.' | '&' | '_' | '/' | '@' | '‑')
}

/// Splits `text[pstart..pend]` into items and sentences.
pub(super) fn build(text: &str, pstart: usize, pend: usize) -> Para {
    let mut quotes = quotes::scan(text, pstart, pend);
    quotes.sort_by_key(|q| q.region_start);
    let chars: Vec<(usize, char)> = slice(text, pstart, pend)
        .char_indices()
        .map(|(i, c)| (i + pstart, c))
        .collect();
    let mut items = Vec::new();
    let mut qi = 0;
    let mut k = 0;
    while let Some(&(pos, c)) = chars.get(k) {
        // Quotations that start at or before this character become one item.
        while quotes.get(qi).is_some_and(|q| q.region_end <= pos) {
            qi += 1;
        }
        if let Some(q) = quotes.get(qi).filter(|q| q.region_start <= pos) {
            items.push(Item {
                kind: Kind::Quote(qi),
                s: q.region_start,
                e: q.region_end,
            });
            let end = q.region_end;
            while chars.get(k).is_some_and(|x| x.0 < end) {
                k += 1;
            }
            qi += 1;
            continue;
        }
        let next_region = quotes.get(qi).map(|q| q.region_start);
        if c.is_alphanumeric() {
            let mut j = k;
            while let Some(&(p1, c1)) = chars.get(j + 1) {
                if Some(p1) == next_region {
                    break;
                }
                if c1.is_alphanumeric() {
                    j += 1;
                    continue;
                }
                let after = chars.get(j + 2);
                let after_ok =
                    after.is_some_and(|&(p2, c2)| c2.is_alphanumeric() && Some(p2) != next_region);
                let digits_comma = c1 == ','
                    && chars.get(j).is_some_and(|x| x.1.is_ascii_digit())
                    && after.is_some_and(|x| x.1.is_ascii_digit());
                if after_ok && (is_connector(c1) || digits_comma) {
                    j += 2;
                    continue;
                }
                break;
            }
            let e = chars.get(j).map_or(pend, |&(p, cj)| p + cj.len_utf8());
            items.push(Item {
                kind: Kind::Word,
                s: pos,
                e,
            });
            k = j + 1;
        } else if c.is_whitespace() {
            k += 1;
        } else {
            items.push(Item {
                kind: Kind::Punct(c),
                s: pos,
                e: pos + c.len_utf8(),
            });
            k += 1;
        }
    }

    let mut sentences = Vec::new();
    let first = skip_dateline(text, &items);
    let mut start = first;
    for k in first..items.len() {
        let Some(item) = items.get(k) else { continue };
        let ends = match item.kind {
            Kind::Punct(c) if matches!(c, '.' | '!' | '?' | '…') => {
                let abbrev = c == '.'
                    && k.checked_sub(1)
                        .and_then(|p| items.get(p))
                        .is_some_and(|w| {
                            w.kind == Kind::Word
                                && w.e == item.s
                                && is_abbreviation(slice(text, w.s, w.e))
                        });
                !abbrev
            }
            Kind::Quote(q) => quotes
                .get(q)
                .and_then(|q| q.last_char)
                .is_some_and(|c| matches!(c, '.' | '!' | '?' | '…')),
            _ => false,
        };
        if ends && starts_sentence(text, &items, k + 1) {
            sentences.push((start, k + 1));
            start = k + 1;
        }
    }
    if start < items.len() {
        sentences.push((start, items.len()));
    }
    Para {
        items,
        sentences,
        quotes,
    }
}

fn starts_sentence(text: &str, items: &[Item], k: usize) -> bool {
    match items.get(k) {
        None => false,
        Some(it) => match it.kind {
            Kind::Quote(_) => true,
            Kind::Word => slice(text, it.s, it.e)
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()),
            Kind::Punct(c) => quotes::is_opening_glyph(c) || c == '(',
        },
    }
}

/// Index of the first item after a dateline, or 0.
fn skip_dateline(text: &str, items: &[Item]) -> usize {
    let Some(first) = items.first() else { return 0 };
    let w = slice(text, first.s, first.e);
    let caps = w.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && w.chars().all(|c| !c.is_lowercase());
    if first.kind != Kind::Word || !caps {
        return 0;
    }
    for k in 1..items.len().min(14) {
        let Some(it) = items.get(k) else { break };
        if let Kind::Punct(c) = it.kind {
            // "—", "–", "--", or a lone "-" with spaces around it (Reuters).
            let spaced = items.get(k - 1).is_some_and(|p| p.e < it.s)
                && items.get(k + 1).is_some_and(|n| n.s > it.e);
            let double = items.get(k + 1).is_some_and(|n| n.kind == Kind::Punct('-'));
            let dash = matches!(c, '—' | '–') || (c == '-' && (spaced || double));
            if dash {
                let mut j = k + 1;
                while items.get(j).is_some_and(|n| n.kind == Kind::Punct('-')) {
                    j += 1;
                }
                return j;
            }
            if matches!(c, '.' | '!' | '?') {
                break;
            }
        }
    }
    0
}
