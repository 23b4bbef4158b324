//! Scoring suggestions against a hand-written gold file.
//!
//! Matching rule (documented here because every reported figure depends on it):
//! - **Span**: a found candidate matches a gold claim when their byte ranges
//!   overlap by at least 80 % of their union (intersection / union ≥ 0.8), so
//!   a trailing full stop or comma does not matter but half a quotation does.
//!   Pairs are made one-to-one, best overlap first.
//! - **Speaker** (scored on span-matched pairs): both speakers are lowercased
//!   and cut into words (punctuation ignored). The *name* of a speaker is the
//!   part before its first comma. They match when the gold name appears as a
//!   run of whole words anywhere in the found speaker (`Dmitri Lazko` in `the
//!   head of the regional emergency service, Dmitri Lazko`), or the found name
//!   appears in the gold name (`Sukari` in `Muhammad al-Sukari`). A name made
//!   only of function words (`the`, `of`, …) never matches.
//! - **Kind** (scored on span-matched pairs): exact string equality.
//!
//! Precision = correct / found and recall = correct / gold, where "correct"
//! is a span match for spans, and a span match whose speaker (or kind) also
//! matches for speakers (or kinds). With nothing found, precision is 1 when
//! the gold is empty too and 0 otherwise; with an empty gold, recall is 1.

use super::Candidate;
use serde::{Deserialize, Serialize};

/// One hand-annotated claim of a gold file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldClaim {
    pub start: usize,
    pub end: usize,
    /// `text[start..end]`, so that a human can read the file.
    pub quote: String,
    pub speaker: String,
    pub provenance: String,
}

/// Precision and recall of spans, speakers and kinds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub gold: usize,
    pub found: usize,
    pub span_matches: usize,
    pub speaker_matches: usize,
    pub kind_matches: usize,
    pub span_precision: f64,
    pub span_recall: f64,
    pub speaker_precision: f64,
    pub speaker_recall: f64,
    pub kind_precision: f64,
    pub kind_recall: f64,
}

impl std::fmt::Display for Scores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gold {} found {} | spans P {:.2} R {:.2} | speakers P {:.2} R {:.2} | kinds P {:.2} R {:.2}",
            self.gold,
            self.found,
            self.span_precision,
            self.span_recall,
            self.speaker_precision,
            self.speaker_recall,
            self.kind_precision,
            self.kind_recall
        )
    }
}

/// Intersection over union of two byte ranges.
pub fn span_overlap(a: (usize, usize), b: (usize, usize)) -> f64 {
    let inter = a.1.min(b.1).saturating_sub(a.0.max(b.0));
    let union = a.1.max(b.1).saturating_sub(a.0.min(b.0));
    if union == 0 {
        return 0.0;
    }
    inter as f64 / union as f64
}

const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "an", "of", "for", "in", "on", "at", "to", "by", "and", "s", "from",
];

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn name(s: &str) -> Vec<String> {
    words(s.split(',').next().unwrap_or(""))
}

fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty()
        && needle.iter().any(|w| !FUNCTION_WORDS.contains(&w.as_str()))
        && hay.windows(needle.len()).any(|w| w == needle)
}

/// The speaker rule described in the module documentation.
pub fn speaker_matches(found: &str, gold: &str) -> bool {
    contains_run(&words(found), &name(gold)) || contains_run(&name(gold), &name(found))
}

/// Scores `found` against `gold` with the rule in the module documentation.
pub fn evaluate(found: &[Candidate], gold: &[GoldClaim]) -> Scores {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (fi, f) in found.iter().enumerate() {
        for (gi, g) in gold.iter().enumerate() {
            let o = span_overlap((f.start, f.end), (g.start, g.end));
            if o >= 0.8 {
                pairs.push((o, fi, gi));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut f_used = vec![false; found.len()];
    let mut g_used = vec![false; gold.len()];
    let (mut spans, mut speakers, mut kinds) = (0, 0, 0);
    for (_, fi, gi) in pairs {
        if f_used.get(fi).copied().unwrap_or(true) || g_used.get(gi).copied().unwrap_or(true) {
            continue;
        }
        if let (Some(fu), Some(gu)) = (f_used.get_mut(fi), g_used.get_mut(gi)) {
            *fu = true;
            *gu = true;
        }
        let (Some(f), Some(g)) = (found.get(fi), gold.get(gi)) else {
            continue;
        };
        spans += 1;
        if speaker_matches(&f.speaker, &g.speaker) {
            speakers += 1;
        }
        if f.provenance == g.provenance {
            kinds += 1;
        }
    }
    let p = |n: usize| match (found.len(), gold.len()) {
        (0, 0) => 1.0,
        (0, _) => 0.0,
        (f, _) => n as f64 / f as f64,
    };
    let r = |n: usize| match gold.len() {
        0 => 1.0,
        g => n as f64 / g as f64,
    };
    Scores {
        gold: gold.len(),
        found: found.len(),
        span_matches: spans,
        speaker_matches: speakers,
        kind_matches: kinds,
        span_precision: p(spans),
        span_recall: r(spans),
        speaker_precision: p(speakers),
        speaker_recall: r(speakers),
        kind_precision: p(kinds),
        kind_recall: r(kinds),
    }
}
