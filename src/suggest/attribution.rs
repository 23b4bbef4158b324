//! Pass 3: find attribution cues in each sentence, work out who they name
//! and how the words reached the source, and turn quotations and reported
//! clauses into candidates.
//!
//! Cues (outside quotations only):
//! - a speech verb (`said`, `told`, `tweeted`, `announced`, `added`, `went
//!   on`, … see `lexicon::verb_class`) with its subject before it
//!   (`Adele Khodr said`) or, right after a quotation, after it (`…,” said
//!   Tomas Brezan`);
//! - `<outlet> quoted <speaker> as saying …`;
//! - `<outlet>, citing <speaker>, reported/said …` and `…, citing <speaker>`;
//! - `according to <X>, <claim>` and `<claim>, according to <X>`.
//!
//! What a cue attributes:
//! - **direct**: the quotation right after `said in a statement,` / `told
//!   Al-Monitor:` / `promised «…»`, or right before `…,” Vidak said`;
//! - **clause**: `said (that) <clause>` up to the end of the sentence, or to
//!   `, citing` / `, according to` / `, but he …` / `;`; quotations of four
//!   words or more inside the clause are proposed as well;
//! - **trailing**: `<clause>, officials said Wednesday.`
//!
//! Quotations with no cue in their sentence continue the previous speaker of
//! the paragraph (or of the previous paragraph, for a paragraph that opens
//! with a quotation) when nothing else stands in their sentence, take a cue
//! from a short following sentence (`“…stop.” Kirolos said.`), or, if long
//! (8+ words), are proposed with no speaker: words beside them that no cue
//! explained (`His lawyer, Jane Roe, countered: “…”`) may name another
//! speaker.
//! Short quotations (under four words) without a direct cue are taken for
//! scare quotes or titles and dropped.
//!
//! Channels: `according to a statement`, `according to reports`, `A
//! statement said` name how words came out, not who said them
//! (`lexicon::names_no_one`): with a speech verb in the sentence the
//! speaker is its subject (see `merge_according`), else no one; a channel
//! with an author (`a report by Reuters`, `the ministry's statement`)
//! gives the author (`lexicon::channel_author`).
//!
//! Speakers: the subject as written, with its apposition (`Tamer Kirolos,
//! director of Save the Children in Syria`), without introductory phrases
//! (`On July 20,`, `In a statement,`, `Speaking for X, which …,`) or asides
//! (`speaking in a televised address`), a clause before them (`while`,
//! `adding that`, see `opens_clause`), an auxiliary (`had said`), an aside
//! that reports another speech act (`, who told reporter Amy Fox`), or the
//! listener of `told` (`told reporter Amy Fox “…”`). Terminal escape
//! sequences are read as spaces (`text::blank_escapes`), a word broken by
//! a hyphen at a line's end is made whole (`text::join_line_hyphens`), and
//! symbols at a speaker's ends (`Abu Ahmad 🙏`) are left out
//! (`text::trim_symbols`). `Speaking for X`
//! is kept as the role. Pronouns (`He went on`) resolve to the latest
//! speaker, or to a person just named as the subject of a sentence without
//! a cue (`Marsh disagreed. “…,” she said`), or, with neither, to no one
//! (no speaker); a bare surname (`Sukari added`) to the latest
//! speaker whose name ends with it; `the agency`, `the ministry` … to the
//! latest speaker naming that organisation, or any organisation for a
//! generic noun (`the agency`), never a person of one (`Police spokesman
//! Tom Lee` is not `the army`).
//!
//! Provenance: see `decide_kind`. When the sentence names no channel, the
//! kind of the same speaker's previous claim is reused (a second quotation
//! from an interview is still from the interview), else `other`.
//!
//! Not caught (each seen or checked on the fixtures):
//! - the reused kind can be wrong when a later quotation came through another
//!   channel the text does not name;
//! - group references (`One of them said`) get no kind from the group's cue;
//! - `it` / `they` resolve to the latest speaker, right or wrong;
//! - nested reported speech (`X said Y told him that …`) gives one claim for X;
//! - the listener of `told` named with a role before a clause without `that`
//!   or a quotation (`told reporter Amy Fox the dam held`) stays in the claim;
//! - a quotation after a verb outside the lexicon (`Roe countered: “…”`) is
//!   proposed with no speaker (if 8+ words), not with its speaker;
//! - claims introduced by verbs outside the lexicon (`condemned`, `blamed`,
//!   `called on`), beliefs (`fear that`), and reported speech that goes on over
//!   several sentences (only the first is taken);
//! - cues in languages other than English (the quotation marks of other
//!   languages are found, their verbs are not);
//! - a quotation interrupted by its cue (`"We will rebuild," Mayor Ann Smith
//!   said, "but we need help."`) gives one of its halves only (red team A,
//!   F4).

use super::lexicon::{self, VerbClass};
use super::quotes::Ending;
use super::sentence::{self, Item, Kind, Para};
use super::text::{
    collapse_ws, has_phrase, is_capitalised, join_line_hyphens, paragraphs, slice, trim_symbols,
    word_count,
};
use super::Candidate;
use std::collections::HashMap;

/// What a cue attributes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    /// The quotation at this item index.
    Direct(usize),
    /// The quotation at this item index, which comes before the cue.
    TailQuote(usize),
    /// A reported clause: item index range (exclusive end).
    Clause(usize, usize),
    /// Nothing in this sentence; may attribute the previous sentence's last
    /// quotation.
    Nothing,
}

#[derive(Clone, Debug)]
struct Cue {
    verb_item: usize,
    speaker: String,
    kind: Option<&'static str>,
    cue_text: String,
    target: Target,
    /// The sentence has at most ten words: a short `X said.` may attribute
    /// the quotation just before it.
    short_sentence: bool,
    /// For an `according to <X>` cue: X as written, and the kind X names
    /// (`a statement`: `statement`; `Interfax`: `news_agency`), if any.
    according: Option<(String, Option<&'static str>)>,
}

/// The subject of a cue.
#[derive(Clone, Debug, Default)]
struct Subject {
    speaker: String,
    /// Introductory and descriptive text around the speaker, used to decide
    /// the kind ("In a statement posted to its website, …").
    context: String,
    /// The outlet or agency that relayed the words (`citing`).
    via: Option<String>,
    report: bool,
    /// For `<clause>, officials said`: the item index of the comma before the
    /// subject.
    trailing_comma: Option<usize>,
    words: usize,
}

/// How far back speaker and kind look-ups search, so that a source with
/// thousands of quotations stays linear.
const LOOKBACK: usize = 200;
/// At most this many items before a verb are read as its subject, and this
/// many after it as its channel phrase.
const WINDOW: usize = 60;

struct Builder<'t> {
    text: &'t str,
    out: Vec<Candidate>,
    /// A person named at the start of a sentence without a cue ("Marsh
    /// disagreed."), with the number of candidates at that point: "he" or
    /// "she" right after refers to them rather than to the last speaker.
    mention: Option<(usize, String)>,
}

/// Entry point used by `suggest`.
pub(super) fn run(text: &str) -> Vec<Candidate> {
    let mut b = Builder {
        text,
        out: Vec::new(),
        mention: None,
    };
    // The last candidate of the previous paragraph, if it was a quotation.
    let mut prev_para_quote: Option<usize> = None;
    for (ps, pe) in paragraphs(text) {
        let para = sentence::build(text, ps, pe);
        prev_para_quote = b.paragraph(&para, prev_para_quote);
    }
    let mut out = b.out;
    out.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end);
    out
}

/// How a quotation got its speaker; decides the minimum length kept.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Direct,
    Inside,
    Other,
}

#[derive(Clone, Debug)]
enum Draft {
    Quote {
        start: usize,
        end: usize,
        cue: Option<(String, Option<&'static str>, String)>,
        mode: Mode,
        first_in_para: bool,
        /// No word of its sentence stands outside quotations (a leading
        /// `And` or `But` aside): only then may it continue the previous
        /// speaker.
        alone: bool,
        note: &'static str,
    },
    Clause {
        start: usize,
        end: usize,
        speaker: String,
        kind: Option<&'static str>,
        cue: String,
    },
}

impl Draft {
    fn start(&self) -> usize {
        match self {
            Draft::Quote { start, .. } | Draft::Clause { start, .. } => *start,
        }
    }
}

impl<'t> Builder<'t> {
    fn word(&self, it: &Item) -> &'t str {
        slice(self.text, it.s, it.e)
    }

    fn lower(&self, items: &[Item], k: usize) -> Option<String> {
        items
            .get(k)
            .filter(|it| it.kind == Kind::Word)
            .map(|it| self.word(it).to_lowercase())
    }

    fn is_word(&self, items: &[Item], k: usize, w: &str) -> bool {
        items
            .get(k)
            .is_some_and(|it| it.kind == Kind::Word && self.word(it).eq_ignore_ascii_case(w))
    }

    /// Collapsed text from the start of item `a` to the end of item `b - 1`.
    fn span_text(&self, items: &[Item], a: usize, b: usize) -> String {
        match (items.get(a), b.checked_sub(1).and_then(|l| items.get(l))) {
            (Some(x), Some(y)) if b > a && y.e > x.s => {
                collapse_ws(&join_line_hyphens(slice(self.text, x.s, y.e)))
            }
            _ => String::new(),
        }
    }

    /// True when `items[a..b]` holds at least `n` words (stops early).
    fn has_words(items: &[Item], a: usize, b: usize, n: usize) -> bool {
        items
            .get(a..b.max(a).min(items.len()))
            .is_some_and(|s| s.iter().filter(|i| i.kind == Kind::Word).take(n).count() >= n)
    }

    /// Whether `[a, b)` holds a word that is not a time word.
    fn count_words_from(&self, items: &[Item], a: usize, b: usize) -> bool {
        (a..b).any(|j| {
            self.lower(items, j)
                .is_some_and(|w| !lexicon::is_time_word(&w))
        })
    }

    fn count_words(items: &[Item], a: usize, b: usize) -> usize {
        items
            .get(a..b.max(a).min(items.len()))
            .map_or(0, |s| s.iter().filter(|i| i.kind == Kind::Word).count())
    }

    /// Processes one paragraph; returns the index of its last candidate if
    /// that was a quotation.
    fn paragraph(&mut self, p: &Para, prev_para_quote: Option<usize>) -> Option<usize> {
        let cues: Vec<Vec<Cue>> = p
            .sentences
            .iter()
            .map(|&(s0, s1)| self.analyse(p, s0, s1))
            .collect();
        let para_start_out = self.out.len();
        let mut last_was_quote: Option<usize> = None;
        for (si, &(s0, s1)) in p.sentences.iter().enumerate() {
            let Some(sent_cues) = cues.get(si) else {
                continue;
            };
            if sent_cues.is_empty() {
                if let Some(m) = self.sentence_mention(&p.items, s0, s1) {
                    self.mention = Some((self.out.len(), m));
                }
            }
            let last_content = (s0..s1)
                .rev()
                .find(|&k| !matches!(p.items.get(k).map(|i| i.kind), Some(Kind::Punct(_))))
                .unwrap_or(s0);
            // Words beside the quotations that no cue explained (`His
            // lawyer, Jane Roe, countered: "…"`, `"…," Roe retorted.`) may
            // name another speaker, through a verb the lexicon lacks: the
            // quotation is not then the previous speaker's.
            let alone = (s0..s1).all(|k| {
                self.lower(&p.items, k)
                    .is_none_or(|w| lexicon::LEAD_STRIP.contains(&w.as_str()))
            });
            let mut drafts: Vec<Draft> = Vec::new();
            // quote item -> (cue index, mode)
            let mut assigned: HashMap<usize, (usize, Mode)> = HashMap::new();
            for (ci, cue) in sent_cues.iter().enumerate() {
                match cue.target {
                    Target::Direct(q) | Target::TailQuote(q) => {
                        assigned.entry(q).or_insert((ci, Mode::Direct));
                    }
                    Target::Clause(a, b) => {
                        if let (Some(x), Some(y)) = (
                            p.items.get(a),
                            b.checked_sub(1).and_then(|l| p.items.get(l)),
                        ) {
                            drafts.push(Draft::Clause {
                                start: x.s,
                                end: y.e,
                                speaker: cue.speaker.clone(),
                                kind: cue.kind,
                                cue: cue.cue_text.clone(),
                            });
                        }
                        for q in a..b {
                            if matches!(p.items.get(q).map(|i| i.kind), Some(Kind::Quote(_))) {
                                assigned.entry(q).or_insert((ci, Mode::Inside));
                            }
                        }
                    }
                    Target::Nothing => {}
                }
            }
            for q in s0..s1 {
                let Some(item) = p.items.get(q) else { continue };
                let Kind::Quote(qi) = item.kind else { continue };
                let Some(quote) = p.quotes.get(qi) else {
                    continue;
                };
                let first_in_para = q == 0;
                let (cue, mode) = match assigned.get(&q).copied() {
                    Some((ci, mode)) => (sent_cues.get(ci), mode),
                    None => {
                        // Any cue of the sentence: the nearest one before, else after.
                        let split = sent_cues.partition_point(|c| c.verb_item < q);
                        let before = split.checked_sub(1).and_then(|i| sent_cues.get(i));
                        let after = sent_cues.get(split);
                        match before.or(after) {
                            Some(c) => (Some(c), Mode::Other),
                            None => {
                                // "“…stop.” Kirolos said." : a short next sentence.
                                let last_item = q == last_content;
                                let next = cues.get(si + 1).and_then(|cs| {
                                    cs.iter()
                                        .find(|c| c.short_sentence && c.target == Target::Nothing)
                                });
                                match next {
                                    Some(c) if last_item => (Some(c), Mode::Direct),
                                    _ => (None, Mode::Other),
                                }
                            }
                        }
                    }
                };
                let note = match quote.ending {
                    Ending::Closed => "",
                    Ending::Unclosed => " (no closing quotation mark)",
                    Ending::Implicit => " (closing quotation mark missing)",
                    Ending::Orphan => " (no opening quotation mark)",
                };
                drafts.push(Draft::Quote {
                    start: quote.start,
                    end: quote.end,
                    cue: cue.map(|c| (c.speaker.clone(), c.kind, c.cue_text.clone())),
                    mode,
                    first_in_para,
                    alone,
                    note,
                });
            }
            drafts.sort_by_key(Draft::start);
            for d in drafts {
                match d {
                    Draft::Clause {
                        start,
                        end,
                        speaker,
                        kind,
                        cue,
                    } => {
                        if word_count(slice(self.text, start, end)) >= 3
                            && self.add(start, end, &speaker, kind, cue)
                        {
                            last_was_quote = None;
                        }
                    }
                    Draft::Quote {
                        start,
                        end,
                        cue,
                        mode,
                        first_in_para,
                        alone,
                        note,
                    } => {
                        let words = word_count(slice(self.text, start, end));
                        let before = self.out.len();
                        let added = match cue {
                            Some((speaker, kind, cue_text)) => {
                                let min = if mode == Mode::Direct { 1 } else { 4 };
                                words >= min && self.add(start, end, &speaker, kind, cue_text)
                            }
                            None => self.continuation(
                                start,
                                end,
                                words,
                                alone,
                                para_start_out,
                                last_was_quote,
                                if first_in_para { prev_para_quote } else { None },
                            ),
                        };
                        if added && self.out.len() > before {
                            if let Some(c) = self.out.last_mut() {
                                c.cue.push_str(note);
                            }
                            last_was_quote = Some(self.out.len() - 1);
                        }
                    }
                }
            }
        }
        last_was_quote
    }

    /// A quotation without a cue. When it stands `alone` in its sentence,
    /// it continues the speaker of the paragraph's last candidate (4+ words
    /// if that was a quotation, 6+ if a reported clause), or, when it opens
    /// the paragraph, the previous paragraph's closing quotation (4+ words).
    /// Otherwise quotations of 8+ words are kept with no speaker and shorter
    /// ones (scare quotes, titles) are dropped: `The mayor said: "…" His
    /// lawyer, Jane Roe, countered: "…"` gave the lawyer's words to the
    /// mayor, and `--add all` signed them.
    #[allow(clippy::too_many_arguments)]
    fn continuation(
        &mut self,
        start: usize,
        end: usize,
        words: usize,
        alone: bool,
        para_start_out: usize,
        last_quote_in_para: Option<usize>,
        prev_para_quote: Option<usize>,
    ) -> bool {
        let last = self
            .out
            .len()
            .checked_sub(1)
            .filter(|&i| i >= para_start_out);
        let source = match (last, prev_para_quote) {
            _ if !alone => None,
            (Some(i), _) if last_quote_in_para == Some(i) && words >= 4 => Some(i),
            (Some(i), _) if words >= 6 => Some(i),
            (None, Some(i)) if words >= 4 => Some(i),
            _ => None,
        };
        if let Some(prev) = source.and_then(|i| self.out.get(i)).cloned() {
            if !prev.speaker.is_empty() {
                let cue = format!("continues the quotation of {}", prev.speaker);
                return self.add(start, end, &prev.speaker, Some(prev.provenance), cue);
            }
            // The words of someone the rules could not name (`"…," she
            // said` opening the text): listed, with no speaker either.
            if !prev.cue.starts_with("quotation without") {
                let cue = "continues the quotation before it".to_string();
                return self.add(start, end, "", Some(prev.provenance), cue);
            }
        }
        if words >= 8 {
            return self.add(
                start,
                end,
                "",
                Some("other"),
                "quotation without attribution".into(),
            );
        }
        false
    }

    /// Appends a candidate, resolving the speaker and the kind. Returns false
    /// when nothing was added.
    fn add(
        &mut self,
        start: usize,
        end: usize,
        raw_speaker: &str,
        kind: Option<&'static str>,
        cue: String,
    ) -> bool {
        if end <= start || slice(self.text, start, end).is_empty() {
            return false;
        }
        // Nor a passage longer than any quotation or sentence a news text
        // gives: text without full stops or closing marks ran from a
        // `said` to its end (a 15 MB candidate, signed by `--add 1`; red
        // team Y, F6).
        if end - start > super::CANDIDATE_BYTES_MAX
            || word_count(slice(self.text, start, end)) > super::CANDIDATE_WORDS_MAX
        {
            return false;
        }
        if self
            .out
            .iter()
            .rev()
            .take(16)
            .any(|c| c.start == start && c.end == end)
        {
            return false;
        }
        // An emoji or a symbol after a name is none of it (`volunteer Abu
        // Ahmad 🙏` was signed so).
        let speaker = self.resolve(trim_symbols(raw_speaker));
        let provenance = kind
            .or_else(|| {
                self.out
                    .iter()
                    .rev()
                    .take(LOOKBACK)
                    .find(|c| !speaker.is_empty() && c.speaker == speaker)
                    .map(|c| c.provenance)
            })
            .unwrap_or("other");
        self.out.push(Candidate {
            start,
            end,
            speaker,
            provenance,
            cue,
            speaker_hyphenated: None,
        });
        true
    }

    /// A person named as the subject of a sentence without a cue: a known
    /// surname or a short `First Last <verb>` sentence (`Marsh disagreed.`),
    /// or `The <role>, <First Last>, …`.
    fn sentence_mention(&self, items: &[Item], s0: usize, s1: usize) -> Option<String> {
        let word = |j: usize| {
            items
                .get(j)
                .filter(|i| i.kind == Kind::Word)
                .map(|i| self.word(i))
        };
        let caps_run = |from: usize| {
            let mut j = from;
            while j < s1 && word(j).is_some_and(is_capitalised) {
                j += 1;
            }
            j - from
        };
        let first = word(s0)?;
        if matches!(first.to_lowercase().as_str(), "the" | "a" | "an") {
            // "The school's principal, Jennifer Albers, did not respond."
            let comma = (s0..(s0 + 8).min(s1))
                .find(|&j| items.get(j).is_some_and(|i| i.kind == Kind::Punct(',')))?;
            let n = caps_run(comma + 1);
            let closes = items
                .get(comma + 1 + n)
                .is_some_and(|i| i.kind == Kind::Punct(','));
            if (2..=3).contains(&n) && closes {
                return Some(self.span_text(items, s0, comma + 1 + n));
            }
            return None;
        }
        let n = caps_run(s0);
        let next_lower = word(s0 + n).is_some_and(|w| !is_capitalised(w));
        if !next_lower || n == 0 || n > 3 {
            return None;
        }
        let name = self.span_text(items, s0, s0 + n);
        let resolved = self.resolve(&name);
        // (A pronoun that stands for nobody resolves to no one.)
        if !resolved.is_empty() && resolved != name {
            return Some(resolved);
        }
        (n >= 2 && Self::count_words(items, s0, s1) <= 8).then_some(name)
    }

    /// Pronouns become the latest named speaker (or a person just named, see
    /// `sentence_mention`); a bare surname becomes the latest speaker with a
    /// name part ending in it; `the agency`, `the ministry` … become the
    /// latest speaker that names an organisation of that sort.
    fn resolve(&self, raw: &str) -> String {
        let raw = collapse_ws(raw);
        let lower = raw.to_lowercase();
        // `no one would say more` after a quotation named no one: it was
        // the speaker `no one`. No speaker leaves it to the hand.
        if matches!(
            lower.as_str(),
            "no one" | "nobody" | "none" | "neither" | "anyone" | "anybody"
        ) {
            return String::new();
        }
        if matches!(lower.as_str(), "he" | "she") {
            if let Some((at, m)) = &self.mention {
                if *at == self.out.len() {
                    return m.clone();
                }
            }
        }
        if let Some(noun) = lower
            .strip_prefix("the ")
            .filter(|n| lexicon::ORG_NOUNS.contains(n))
        {
            // The same noun (`the ministry`: `Russian Defence Ministry`), or,
            // for a generic one, a speaker that is itself an organisation
            // (`the agency`: `the State Health Authority`, its last word an
            // organisation's). Not a person of one: `The army said` after
            // `Police spokesman Tom Lee said` gave the army's words to him.
            let generic = !lexicon::BODY_NOUNS.contains(&noun);
            let found = self.out.iter().rev().take(6).map(|c| &c.speaker).find(|s| {
                let l = s.to_lowercase();
                let head = s
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .split(|c: char| !c.is_alphanumeric())
                    .rfind(|w| !w.is_empty())
                    .unwrap_or_default();
                has_phrase(&l, noun)
                    || (generic
                        && is_capitalised(head)
                        && lexicon::ORG_NOUNS.contains(&head.to_lowercase().as_str()))
            });
            if let Some(s) = found {
                return s.clone();
            }
        }
        // A pronoun with no one before it to stand for (`"It was chaos,"
        // she said.` opening the text) names nobody: it was the speaker
        // `she`, which `--add all` signed. No speaker leaves it to the hand.
        if lexicon::PRONOUNS.contains(&lower.as_str()) {
            return self
                .out
                .iter()
                .rev()
                .take(LOOKBACK)
                .map(|c| &c.speaker)
                .find(|s| !s.is_empty() && !lexicon::PRONOUNS.contains(&s.to_lowercase().as_str()))
                .cloned()
                .unwrap_or_default();
        }
        let tokens: Vec<&str> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        let name_like = (1..=3).contains(&tokens.len()) && tokens.iter().all(|t| is_capitalised(t));
        if let (true, Some(last)) = (name_like, tokens.last()) {
            for c in self.out.iter().rev().take(LOOKBACK) {
                for seg in c.speaker.split(',') {
                    let toks: Vec<&str> = seg
                        .split(|ch: char| !ch.is_alphanumeric())
                        .filter(|t| !t.is_empty())
                        .collect();
                    let n = toks.len();
                    if n >= 2
                        && toks.get(n - 1) == Some(last)
                        && (toks.first().is_some_and(|t| is_capitalised(t))
                            || toks.get(n - 2).is_some_and(|t| is_capitalised(t)))
                        && c.speaker != raw
                    {
                        return c.speaker.clone();
                    }
                }
            }
        }
        raw
    }

    // ---------------------------------------------------------------- cues

    /// Finds and interprets the cues of the sentence `items[s0..s1]`.
    fn analyse(&self, p: &Para, s0: usize, s1: usize) -> Vec<Cue> {
        let items = &p.items;
        let mut cues: Vec<Cue> = Vec::new();
        let sentence_words = Self::count_words(items, s0, s1);
        // The subject window starts after the last quotation or `;`.
        let mut ws_floor = s0;
        let mut claimed = (0, 0);
        let mut k = s0;
        while k < s1 {
            if matches!(
                items.get(k).map(|i| i.kind),
                Some(Kind::Quote(_) | Kind::Punct(';'))
            ) {
                ws_floor = k + 1;
            }
            let Some(lw) = self.lower(items, k) else {
                k += 1;
                continue;
            };
            // A cue inside a clause already claimed is nested reported speech.
            if (claimed.0..claimed.1).contains(&k) {
                k += 1;
                continue;
            }
            if lw == "according" && self.is_word(items, k + 1, "to") {
                if let Some(c) = self.according(p, s0, s1, k) {
                    // `According to X, Y said …`: a speech verb after it
                    // is a cue of its own, its subject read from after the
                    // comma (see `merge_according`).
                    match c.target {
                        Target::Clause(a, _) | Target::Direct(a) if a > k => ws_floor = a,
                        _ => {}
                    }
                    cues.push(c);
                }
                k += 2;
                continue;
            }
            let (class, verb_len) = if lw == "went" && self.is_word(items, k + 1, "on") {
                (Some(VerbClass::DirectOnly), 2)
            } else {
                (lexicon::verb_class(&lw), 1)
            };
            let Some(class) = class else {
                k += 1;
                continue;
            };
            // "the journal Child Health Reports": a capitalised verb after the
            // first word is part of a name.
            let capital = items.get(k).is_some_and(|i| is_capitalised(self.word(i)));
            let sentence_initial = k == s0
                || matches!(
                    items.get(k - 1).map(|i| i.kind),
                    Some(Kind::Quote(_) | Kind::Punct(_))
                );
            if capital && !sentence_initial {
                k += 1;
                continue;
            }
            let blocked = k > s0
                && self
                    .lower(items, k - 1)
                    .is_some_and(|w| lexicon::VERB_BLOCKERS.contains(&w.as_str()));
            if blocked {
                k += 1;
                continue;
            }
            let ws = ws_floor.max(k.saturating_sub(WINDOW));
            if let Some(c) = self.verb_cue(
                p,
                (s0, ws, s1),
                k,
                verb_len,
                class,
                &lw,
                &cues,
                sentence_words,
            ) {
                if let Target::Clause(a, b) = c.target {
                    claimed = (a, b);
                }
                cues.push(c);
            }
            k += verb_len;
        }
        Self::merge_according(cues)
    }

    /// An `according to X` whose clause holds a speech verb with its own
    /// cue (`The rebels said they had "pushed back the assault", according
    /// to a statement`; `According to Interfax, the ministry said …`) is
    /// not a claim of its own: it says how the verb's words came out (a
    /// statement) or who relayed them (Interfax). The speaker is the verb's
    /// subject, the kind the one X names, if any; the `according to` cue
    /// is dropped. It made a second candidate over the first, whose speaker
    /// was `a statement`, and `--add all` signed that one.
    fn merge_according(mut cues: Vec<Cue>) -> Vec<Cue> {
        let mut i = 0;
        while i < cues.len() {
            let info = cues.get(i).and_then(|c| match (&c.according, c.target) {
                (Some((source, kind)), Target::Clause(a, b)) => Some((source.clone(), *kind, a, b)),
                _ => None,
            });
            let merged = info.is_some_and(|(source, kind, a, b)| {
                cues.iter_mut()
                    .find(|v| v.according.is_none() && (a..b).contains(&v.verb_item))
                    .map(|v| {
                        if kind.is_some() {
                            v.kind = kind;
                        }
                        v.cue_text = format!("{}, according to {source}", v.cue_text);
                    })
                    .is_some()
            });
            if merged {
                cues.remove(i);
            } else {
                i += 1;
            }
        }
        cues
    }

    /// Interprets the speech verb at `items[k..k + verb_len]`.
    #[allow(clippy::too_many_arguments)]
    fn verb_cue(
        &self,
        p: &Para,
        (s0, ws, s1): (usize, usize, usize),
        k: usize,
        verb_len: usize,
        class: VerbClass,
        verb: &str,
        earlier: &[Cue],
        sentence_words: usize,
    ) -> Option<Cue> {
        let items = &p.items;
        let after_quote =
            ws > s0 && matches!(items.get(ws - 1).map(|i| i.kind), Some(Kind::Quote(_)));
        let window_words = Self::count_words(items, ws, k);
        let mut after = k + verb_len;

        let mut subject;
        let mut inverted = false;
        if window_words == 0 {
            if !after_quote {
                return None;
            }
            subject = self.inverted_subject(items, after, s1);
            inverted = true;
        } else if after_quote
            && window_words <= 2
            && (ws..k).all(|j| {
                self.lower(items, j)
                    .is_none_or(|w| matches!(w.as_str(), "and" | "but" | "then" | "also"))
            })
        {
            // "promised «…» and said …": the subject of the previous verb.
            let prev = earlier.last()?;
            subject = Subject {
                speaker: prev.speaker.clone(),
                ..Subject::default()
            };
            subject.context = prev.cue_text.clone();
            if let Some(kind) = prev.kind {
                subject.context.push(' ');
                subject.context.push_str(kind);
            }
        } else {
            subject = self.subject(items, ws, k);
        }
        let first = subject.speaker.split_whitespace().next().unwrap_or("");
        let relative = matches!(
            subject.speaker.to_lowercase().as_str(),
            "who" | "which" | "that" | "whom" | "whose"
        ) || lexicon::verb_class(first).is_some();
        if subject.speaker.is_empty() || subject.words > 25 || relative {
            return None;
        }

        // "<outlet> quoted <speaker> as saying (that) …"
        if class == VerbClass::Quoted {
            let limit = (after + 30).min(s1);
            let as_at = (after..limit)
                .find(|&j| self.is_word(items, j, "as") && self.is_word(items, j + 1, "saying"))?;
            let quoted = self.span_text(items, after, as_at);
            let quoted = quoted.trim_matches(|c: char| c == ',' || c.is_whitespace());
            subject.via = Some(subject.speaker.clone());
            subject.speaker = quoted.to_string();
            after = as_at + 2;
        }
        // "told <object>"
        if matches!(verb, "told" | "tells") {
            after = self.skip_object(items, after, s1);
        }

        // Scan the channel phrase after the verb.
        let mut target = Target::Nothing;
        let mut channel_end = after;
        let mut words = 0;
        let mut crossed_comma = false;
        let mut j = after;
        while j < s1.min(after + WINDOW) {
            let Some(it) = items.get(j) else { break };
            match it.kind {
                Kind::Word => {
                    if self.word(it).eq_ignore_ascii_case("that") {
                        if matches!(items.get(j + 1).map(|i| i.kind), Some(Kind::Quote(_))) {
                            target = Target::Direct(j + 1);
                        } else if class != VerbClass::DirectOnly {
                            target = Target::Clause(j + 1, s1);
                        }
                        channel_end = j + 1;
                        break;
                    }
                    // Another speech verb after a comma starts its own cue
                    // ("…, who asked not to be named, said: …"); before one it
                    // is a participle ("a statement posted on its website").
                    if crossed_comma && lexicon::verb_class(&self.word(it).to_lowercase()).is_some()
                    {
                        break;
                    }
                    words += 1;
                    if words > 14 {
                        break;
                    }
                }
                Kind::Quote(_) => {
                    if words == 0 {
                        target = Target::Direct(j);
                        channel_end = j;
                    }
                    break;
                }
                Kind::Punct(c) => {
                    if (c == ',' || c == ':')
                        && matches!(items.get(j + 1).map(|i| i.kind), Some(Kind::Quote(_)))
                    {
                        target = Target::Direct(j + 1);
                        channel_end = j;
                        break;
                    }
                    if matches!(c, '.' | '!' | '?' | ';' | ':' | '(') {
                        break;
                    }
                    crossed_comma |= c == ',';
                }
            }
            j += 1;
        }

        // "said <clause>" without "that".
        if target == Target::Nothing
            && (class == VerbClass::SayLike || class == VerbClass::Quoted)
            && !inverted
        {
            let c = self.skip_time(items, after);
            let starts_clause = self.lower(items, c).is_some_and(|w| {
                !lexicon::is_preposition(&w) && !matches!(w.as_str(), "and" | "but" | "or" | "so")
            }) || (class == VerbClass::Quoted
                && matches!(items.get(c).map(|i| i.kind), Some(Kind::Quote(_))));
            if starts_clause {
                if matches!(items.get(c).map(|i| i.kind), Some(Kind::Quote(_))) {
                    target = Target::Direct(c);
                } else {
                    target = Target::Clause(c, s1);
                }
                channel_end = c;
            }
        }

        // Clause end and "…, citing <speaker>".
        if let Target::Clause(a, _) = target {
            let (end, citing) = self.clause_end(items, a, s1);
            if end <= a {
                target = Target::Nothing;
            } else {
                target = Target::Clause(a, end);
                if let Some((ca, cb)) = citing {
                    let cited = self.span_text(items, ca, cb);
                    if !cited.is_empty() {
                        subject.via = Some(subject.speaker.clone());
                        subject.speaker = cited;
                    }
                }
            }
            // A clause that is only a quotation is that quotation.
            if let Target::Clause(a, b) = target {
                if b == a + 1 && matches!(items.get(a).map(|i| i.kind), Some(Kind::Quote(_))) {
                    target = Target::Direct(a);
                }
            }
        }

        // Nothing after the verb: the quotation before it, or the clause
        // before "…, officials said."
        // "…, officials said Tuesday, making it …": count up to a comma.
        let tail_stop = (after..s1.min(after + WINDOW))
            .find(|&j| items.get(j).is_some_and(|i| i.kind == Kind::Punct(',')))
            .unwrap_or(s1);
        let tail_words = Self::count_words(items, after, tail_stop);
        if target == Target::Nothing {
            if after_quote && (inverted || window_words <= 8) {
                target = Target::TailQuote(ws - 1);
            } else if let Some(comma) = subject.trailing_comma {
                let trailing_ok = matches!(class, VerbClass::SayLike | VerbClass::ThatTrailing)
                    && !earlier
                        .iter()
                        .any(|c| matches!(c.target, Target::Clause(..)))
                    && tail_words <= 6
                    && subject.words <= 8
                    && Self::has_words(items, s0, comma, 4)
                    && !matches!(items.get(s0).map(|i| i.kind), Some(Kind::Quote(_)));
                if trailing_ok {
                    target = Target::Clause(s0, comma);
                }
            }
            channel_end = tail_stop;
        }

        let channel = if inverted {
            format!(
                "{} {}",
                self.span_text(items, k, k + verb_len),
                subject.context
            )
        } else {
            self.span_text(items, k, channel_end.min(s1))
        };
        let channel = channel
            .trim_end_matches(|c: char| matches!(c, ',' | ':' | '.' | ';') || c.is_whitespace())
            .to_string();
        let channel_only = if inverted {
            String::new()
        } else {
            self.span_text(items, k + verb_len, channel_end.min(s1))
        };
        let context = format!("{} {}", subject.context, channel_only);
        let kind = decide_kind(verb, &context, subject.via.as_deref(), subject.report);
        // `A statement from the army said`: the army; `A statement said`,
        // `Reports said`: a channel, and no one named (no speaker).
        if let Some(author) = lexicon::channel_author(&subject.speaker) {
            subject.speaker = author;
        } else if lexicon::names_no_one(&subject.speaker) {
            subject.speaker.clear();
        }
        let cue_text = match &subject.via {
            Some(via) if class != VerbClass::Quoted => format!("{via}, citing: {channel}"),
            Some(via) => format!("{via} {channel}"),
            None => channel,
        };
        Some(Cue {
            verb_item: k,
            speaker: subject.speaker,
            kind,
            cue_text,
            target,
            short_sentence: sentence_words <= 10,
            according: None,
        })
    }

    /// `according to <X>, <clause>` and `<clause>, according to <X>`.
    fn according(&self, p: &Para, s0: usize, s1: usize, k: usize) -> Option<Cue> {
        let items = &p.items;
        let x_start = k + 2;
        let lead = (s0..k).all(|j| {
            self.lower(items, j)
                .is_some_and(|w| lexicon::LEAD_STRIP.contains(&w.as_str()))
        });
        let (x_end, target) = if lead {
            let comma = (x_start..s1.min(x_start + WINDOW))
                .find(|&j| items.get(j).is_some_and(|i| i.kind == Kind::Punct(',')))?;
            let (end, _) = self.clause_end(items, comma + 1, s1);
            let t = if end == comma + 2
                && matches!(items.get(comma + 1).map(|i| i.kind), Some(Kind::Quote(_)))
            {
                Target::Direct(comma + 1)
            } else {
                Target::Clause(comma + 1, end)
            };
            (comma, t)
        } else if k > s0
            && items.get(k - 1).is_some_and(|i| {
                // `“…,” according to X`: the comma is inside the marks.
                i.kind == Kind::Punct(',') || (k - 1 == s0 && matches!(i.kind, Kind::Quote(_)))
            })
        {
            let mut x_end = s1.min(x_start + WINDOW);
            while x_end > x_start
                && matches!(
                    items.get(x_end - 1).map(|i| i.kind),
                    Some(Kind::Punct('.' | '!' | '?' | ','))
                )
            {
                x_end -= 1;
            }
            // "…, according to Reuters, which cited …": stop at the aside;
            // and at what goes on past the source's name: a quotation
            // (`according to the hospital, "and ten were injured."`), a
            // semicolon or a colon (`according to the hospital; ten more
            // …`), which the speaker ran on to.
            if let Some(c) = (x_start..x_end).find(|&j| match items.get(j).map(|i| i.kind) {
                Some(Kind::Punct(',')) => {
                    self.lower(items, j + 1)
                        .is_some_and(|w| matches!(w.as_str(), "which" | "who" | "whose"))
                        || matches!(items.get(j + 1).map(|i| i.kind), Some(Kind::Quote(_)))
                }
                Some(Kind::Punct(';' | ':') | Kind::Quote(_)) => true,
                _ => false,
            }) {
                x_end = c;
            }
            let claim_start = s0;
            if matches!(items.get(claim_start).map(|i| i.kind), Some(Kind::Quote(_)))
                && (k - 1 == claim_start + 1 || k - 1 == claim_start)
            {
                (x_end, Target::TailQuote(claim_start))
            } else {
                (x_end, Target::Clause(claim_start, k - 1))
            }
        } else {
            return None;
        };
        let source = self.span_text(items, x_start, x_end);
        if source.is_empty() || word_count(&source) > 20 {
            return None;
        }
        let lower = source.to_lowercase();
        let report = lexicon::REPORT_NOUNS.iter().any(|n| has_phrase(&lower, n));
        let named_kind = if lexicon::is_agency(&source) {
            Some("news_agency")
        } else {
            decide_kind("according to", &source, None, report)
        };
        // `according to a statement`, `according to reports` name a
        // channel, not a speaker: no one (the speaker was `a statement`);
        // `according to a report by Reuters` names its author.
        let (speaker, cue_text) = match lexicon::channel_author(&source) {
            Some(author) => (author, format!("according to {source}")),
            None if lexicon::names_no_one(&source) => {
                (String::new(), format!("according to {source}"))
            }
            None => (source.clone(), "according to".to_string()),
        };
        Some(Cue {
            verb_item: k,
            speaker,
            kind: named_kind.or(Some("other")),
            cue_text,
            target,
            short_sentence: false,
            according: Some((source, named_kind)),
        })
    }

    /// Skips time words after a verb: `Wednesday`, `on Monday`, `July 22`,
    /// `late Tuesday`.
    fn skip_time(&self, items: &[Item], mut c: usize) -> usize {
        let mut prev_month = false;
        while let Some(w) = self.lower(items, c) {
            let digits = !w.is_empty() && w.chars().all(|ch| ch.is_ascii_digit());
            let timeish = lexicon::is_time_word(&w)
                || (digits && prev_month)
                || (w == "on"
                    && self
                        .lower(items, c + 1)
                        .is_some_and(|n| lexicon::is_time_word(&n)));
            if !timeish {
                break;
            }
            prev_month = lexicon::is_month(&w);
            c += 1;
        }
        c
    }

    /// Skips the object of "told": `Al-Monitor`, `the Ledger`, `reporters`,
    /// `the newspaper Vecernji Glas`, and a listener named with a role
    /// (`reporter Amy Fox`, `BBC reporter Amy Fox`, `the court clerk Ann
    /// Lee`) when a quotation follows it: `Bob Smith told reporter Amy Fox
    /// "the dam held."` took `reporter Amy Fox "the dam held."` for the
    /// claim.
    fn skip_object(&self, items: &[Item], j: usize, s1: usize) -> usize {
        let j = self.skip_plain_object(items, j, s1);
        self.skip_named_listener(items, j, s1).unwrap_or(j)
    }

    /// The end of `<role words> <Name>` at `j` (at most three lower-case
    /// words, then one to four capitalised ones) when a quotation follows
    /// it, or a comma or colon and a quotation; else `None`.
    fn skip_named_listener(&self, items: &[Item], j: usize, s1: usize) -> Option<usize> {
        let mut k = j;
        while k < j + 3
            && k < s1
            && self.lower(items, k).is_some_and(|w| {
                !items.get(k).is_some_and(|i| is_capitalised(self.word(i)))
                    && !lexicon::PRONOUNS.contains(&w.as_str())
                    && !matches!(w.as_str(), "that" | "and" | "but" | "or" | "if")
            })
        {
            k += 1;
        }
        let name = k;
        while k < name + 4
            && k < s1
            && items
                .get(k)
                .is_some_and(|i| i.kind == Kind::Word && is_capitalised(self.word(i)))
        {
            k += 1;
        }
        if k == name {
            return None;
        }
        let quote_at = |m: usize| matches!(items.get(m).map(|i| i.kind), Some(Kind::Quote(_)));
        let follows = quote_at(k)
            || (matches!(items.get(k).map(|i| i.kind), Some(Kind::Punct(',' | ':')))
                && quote_at(k + 1));
        follows.then_some(k)
    }

    /// [`Self::skip_object`] without a named listener.
    fn skip_plain_object(&self, items: &[Item], mut j: usize, s1: usize) -> usize {
        let Some(w) = items
            .get(j)
            .filter(|i| i.kind == Kind::Word)
            .map(|i| self.word(i))
        else {
            return j;
        };
        let lw = w.to_lowercase();
        if matches!(lw.as_str(), "the" | "a" | "an") {
            j += 1;
            if self.lower(items, j).is_some_and(|w| !is_capitalised(&w)) {
                // "the newspaper Vecernji Glas", "a reporter"
                if items.get(j).is_some_and(|i| !is_capitalised(self.word(i))) {
                    j += 1;
                }
            }
            while j < s1
                && items
                    .get(j)
                    .is_some_and(|i| i.kind == Kind::Word && is_capitalised(self.word(i)))
            {
                j += 1;
            }
            return j;
        }
        if is_capitalised(w) {
            while j < s1
                && items
                    .get(j)
                    .is_some_and(|i| i.kind == Kind::Word && is_capitalised(self.word(i)))
            {
                j += 1;
            }
            return j;
        }
        if lexicon::TOLD_OBJECTS.contains(&lw.as_str()) {
            return j + 1;
        }
        j
    }

    /// End (exclusive item index) of a reported clause starting at `a`, and
    /// the item range of a `…, citing <speaker>` that cut it.
    fn clause_end(&self, items: &[Item], a: usize, s1: usize) -> (usize, Option<(usize, usize)>) {
        let mut end = s1;
        let mut citing = None;
        for j in a..s1 {
            match items.get(j).map(|i| i.kind) {
                Some(Kind::Punct(';')) => {
                    end = j;
                    break;
                }
                Some(Kind::Punct(',')) => {
                    let next = self.lower(items, j + 1);
                    let next2 = self.lower(items, j + 2);
                    match next.as_deref() {
                        Some("citing" | "quoting") => {
                            let mut ce = s1;
                            while ce > j + 2
                                && matches!(
                                    items.get(ce - 1).map(|i| i.kind),
                                    Some(Kind::Punct('.' | '!' | '?' | ','))
                                )
                            {
                                ce -= 1;
                            }
                            if let Some(c) = (j + 2..ce)
                                .find(|&m| items.get(m).is_some_and(|i| i.kind == Kind::Punct(',')))
                            {
                                ce = c;
                            }
                            citing = Some((j + 2, ce));
                            end = j;
                            break;
                        }
                        Some("according") if next2.as_deref() == Some("to") => {
                            end = j;
                            break;
                        }
                        Some("but")
                            if next2
                                .as_deref()
                                .is_some_and(|w| lexicon::PRONOUNS.contains(&w)) =>
                        {
                            end = j;
                            break;
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        while end > a
            && matches!(
                items.get(end - 1).map(|i| i.kind),
                Some(Kind::Punct(
                    '.' | '!' | '?' | ',' | ':' | '…' | '—' | '–' | '-'
                ))
            )
        {
            end -= 1;
        }
        (end, citing)
    }

    /// Splits `items[a..b]` at commas outside parentheses.
    fn segments(items: &[Item], a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut depth = 0i32;
        let mut seg_start = a;
        for j in a..b {
            match items.get(j).map(|i| i.kind) {
                Some(Kind::Punct('(' | '[')) => depth += 1,
                Some(Kind::Punct(')' | ']')) => depth -= 1,
                Some(Kind::Punct(',')) if depth <= 0 => {
                    out.push((seg_start, j));
                    seg_start = j + 1;
                }
                _ => {}
            }
        }
        out.push((seg_start, b));
        out
    }

    fn first_word(&self, items: &[Item], a: usize, b: usize) -> Option<String> {
        (a..b).find_map(|j| self.lower(items, j))
    }

    /// When `segs[idx]` begins with `of`, the index of the segment before
    /// it that names whom it belongs to, past an age of two digits (`Ahmad
    /// Hassan, 41, of the White Helmets`): a segment of at most five words,
    /// no digits, not an introduction, that begins with a capital.
    fn name_before_of(&self, items: &[Item], segs: &[(usize, usize)], idx: usize) -> Option<usize> {
        let &(x, y) = segs.get(idx)?;
        // `of` and a word (`of the White Helmets`), not a number (`Smith,
        // 2, of 3`).
        let mut words = (x..y).filter_map(|k| self.lower(items, k));
        if words.next().as_deref() != Some("of")
            || !words
                .next()
                .is_some_and(|w| w.chars().any(char::is_alphabetic))
        {
            return None;
        }
        let mut j = idx.checked_sub(1)?;
        loop {
            let (x, y) = *segs.get(j)?;
            let words: Vec<String> = (x..y).filter_map(|k| self.lower(items, k)).collect();
            // An age: a number of two digits (`Reuters, 2022, of the
            // agency's reporters` is a year, not an age; red team D, D5).
            let age = words.len() == 1
                && words[0].len() == 2
                && words[0].chars().all(|c| c.is_ascii_digit());
            if !age {
                let capital = (x..y)
                    .filter_map(|k| items.get(k))
                    .find(|it| it.kind == Kind::Word)
                    .map(|it| self.word(it))
                    .and_then(|w| w.chars().next())
                    .is_some_and(char::is_uppercase);
                let intro = words
                    .first()
                    .is_some_and(|w| lexicon::INTRO_WORDS.contains(&w.as_str()));
                let digits = words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
                return (capital && !intro && !digits && (1..=5).contains(&words.len()))
                    .then_some(j);
            }
            j = j.checked_sub(1)?;
        }
    }

    /// The subject in `items[a..b]` (the words before a speech verb).
    fn subject(&self, items: &[Item], a: usize, b: usize) -> Subject {
        let segs = Self::segments(items, a, b);
        let n = segs.len();
        let nonempty = |&(x, y): &(usize, usize)| {
            Self::count_words(items, x, y) > 0
                || (x..y).any(|j| matches!(items.get(j).map(|i| i.kind), Some(Kind::Quote(_))))
        };
        let ends_with_comma = n >= 2 && segs.last().is_some_and(|s| !nonempty(s));
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut context: Vec<String> = Vec::new();
        let mut role: Option<String> = None;
        let mut trailing_comma = None;
        let is_intro_seg = |x: usize, y: usize| {
            let fw = self.first_word(items, x, y).unwrap_or_default();
            let second = (x..y).filter_map(|j| self.lower(items, j)).nth(1);
            lexicon::INTRO_WORDS.contains(&fw.as_str())
                && Self::count_words(items, x, y) <= 12
                && !(fw == "at" && matches!(second.as_deref(), Some("least" | "most")))
        };
        if ends_with_comma {
            let mut leading = true;
            let mut after_intro = false;
            for &(x, y) in segs.iter().take(n - 1) {
                let fw = self.first_word(items, x, y).unwrap_or_default();
                let text = self.span_text(items, x, y);
                if leading
                    && (is_intro_seg(x, y)
                        || (after_intro && matches!(fw.as_str(), "which" | "who" | "whose")))
                {
                    if text.to_lowercase().starts_with("speaking for")
                        || text.to_lowercase().starts_with("speaking on behalf of")
                    {
                        role = Some(lowercase_first(&text));
                    }
                    context.push(text);
                    after_intro = true;
                    continue;
                }
                leading = false;
                if lexicon::PARTICIPLES.contains(&fw.as_str()) {
                    context.push(text);
                    continue;
                }
                if nonempty(&(x, y)) {
                    kept.push((x, y));
                }
            }
        }
        if kept.is_empty() {
            // "<intro>, <speaker> said" or "<clause>, <speaker> said".
            let Some(&last) = segs.iter().rev().find(|s| nonempty(s)) else {
                return Subject::default();
            };
            let idx = segs.iter().position(|s| *s == last).unwrap_or(0);
            if idx > 0 {
                let (fx, fy) = segs.first().copied().unwrap_or(last);
                if is_intro_seg(fx, fy) {
                    for &(x, y) in segs.iter().take(idx) {
                        let text = self.span_text(items, x, y);
                        let l = text.to_lowercase();
                        if l.starts_with("speaking for") || l.starts_with("speaking on behalf of") {
                            role = Some(lowercase_first(&text));
                        }
                        context.push(text);
                    }
                } else if let Some(name) = self.name_before_of(items, &segs, idx) {
                    // `Ahmad Hassan, 41, of the White Helmets said`: the
                    // phrase that begins with `of` belongs to the name
                    // before it (and its age), as with a comma after it.
                    // The speaker was `of the White Helmets`, which
                    // `--add all` signed (red team A, F3).
                    kept.extend_from_slice(&segs[name..idx]);
                } else {
                    trailing_comma = Some(last.0 - 1);
                }
            }
            kept.push(last);
        }

        // A clause before the speaker is none of it: `The vote was delayed
        // while the opposition leader Jane Roe said`, `Bob Smith, adding
        // that Alice Jones had said` gave speakers that began with the
        // clause, which `--add all` signed. The speaker starts after the
        // last word that opens a clause in its head.
        if let Some(first) = kept.first_mut() {
            if let Some(m) = (first.0..first.1)
                .rev()
                .find(|&j| self.opens_clause(items, j))
            {
                context.push(self.span_text(items, first.0, m + 1));
                first.0 = m + 1;
            }
        }
        // An aside that reports another speech act (`, who told reporter
        // Amy Fox,`) is no part of who speaks here, and it names others.
        self.drop_speech_asides(items, &mut kept);

        // Strip leading "And", "Also", … and trailing "also", "later",
        // "on Monday" from the speaker.
        if let Some(first) = kept.first_mut() {
            while first.0 < first.1
                && self
                    .lower(items, first.0)
                    .is_some_and(|w| lexicon::LEAD_STRIP.contains(&w.as_str()))
            {
                first.0 += 1;
            }
            // And a leading time phrase: `Yesterday the UN said`, `On
            // Tuesday the mayor said`, `Later that day the army said` gave
            // "Yesterday the UN", which `--add all` signed.
            let mut k = first.0;
            let mut when = false;
            while k + 1 < first.1 {
                let Some(w) = self.lower(items, k) else { break };
                let digits = !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
                let month_day = lexicon::is_month(&w)
                    && self
                        .lower(items, k + 1)
                        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
                if lexicon::is_lead_time(&w) || month_day {
                    when = true;
                } else if !(digits
                    || matches!(
                        w.as_str(),
                        "on" | "this" | "last" | "that" | "next" | "late" | "early" | "of"
                    ))
                {
                    break;
                }
                k += 1;
            }
            // Only before a word in lower case (`the UN`, `officials`): a
            // capital after it may be the name's own (`Today FM`, `Sunday
            // Times reporter Ali Khan`, `Monday Okello`).
            let lower_next = items
                .get(k)
                .map(|it| self.word(it))
                .and_then(|w| w.chars().next())
                .is_some_and(char::is_lowercase);
            if when
                && k > first.0
                && k < first.1
                && lower_next
                && self.count_words_from(items, k, first.1)
            {
                first.0 = k;
            }
        }
        if let Some(last) = kept.last_mut() {
            while last.1 > last.0 + 1
                && self.lower(items, last.1 - 1).is_some_and(|w| {
                    lexicon::is_time_word(&w)
                        || lexicon::AUXILIARIES.contains(&w.as_str())
                        || matches!(w.as_str(), "on" | "last" | "this" | "also" | "later")
                })
            {
                last.1 -= 1;
            }
        }

        let mut via = None;
        let mut speaker_parts: Vec<String> = Vec::new();
        let mut report = false;
        for &(x, y) in &kept {
            let fw = self.first_word(items, x, y).unwrap_or_default();
            if matches!(fw.as_str(), "citing" | "quoting") {
                let cited = self.span_text(items, x + 1, y);
                via = Some(speaker_parts.join(", "));
                speaker_parts = vec![cited];
                continue;
            }
            speaker_parts.push(self.span_text(items, x, y));
        }
        if via.as_deref() == Some("") {
            via = None;
        }
        // "A 2019 report by the national audit office, seen by AFP" → the office.
        if let Some(&(x, y)) = kept.first() {
            let head: Vec<String> = (x..y.min(x + 4))
                .filter_map(|j| self.lower(items, j))
                .collect();
            if head
                .iter()
                .any(|w| lexicon::REPORT_NOUNS.contains(&w.as_str()))
            {
                report = true;
                if via.is_none() {
                    if let Some(by) = (x..y).find(|&j| self.is_word(items, j, "by")) {
                        let author = self.span_text(items, by + 1, y);
                        speaker_parts = vec![lexicon::author_only(&author).to_string()];
                        context.push(self.span_text(items, x, y));
                    }
                }
            }
        }
        let mut speaker = speaker_parts
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(r) = role {
            if !speaker.is_empty() {
                speaker.push_str(", ");
                speaker.push_str(&r);
            }
        }
        let words = word_count(&speaker);
        context.push(speaker.clone());
        Subject {
            speaker,
            context: context.join(" "),
            via,
            report,
            trailing_comma,
            words,
        }
    }

    /// Whether the word at `j` opens a clause, so that a speaker can only
    /// start after it: `while`, `because`, `when` …, or a `that` after a
    /// verb (`adding that`, `noted that`), not after a noun (`the report
    /// that the ministry published`).
    fn opens_clause(&self, items: &[Item], j: usize) -> bool {
        let Some(w) = self.lower(items, j) else {
            return false;
        };
        if lexicon::CLAUSE_OPENERS.contains(&w.as_str()) {
            return true;
        }
        if w != "that" {
            return false;
        }
        let Some(prev) = j.checked_sub(1).and_then(|p| self.lower(items, p)) else {
            return false;
        };
        let before_prev = j.checked_sub(2).and_then(|p| self.lower(items, p));
        let determined = before_prev.is_some_and(|d| {
            matches!(
                d.as_str(),
                "the" | "a" | "an" | "this" | "its" | "their" | "his" | "her" | "our"
            )
        });
        lexicon::verb_class(&prev).is_some()
            || (prev.len() > 4 && prev.ends_with("ing") && !determined)
    }

    /// Drops, from the second segment on, the first segment holding a
    /// speech verb and all after it: `said Bob Smith, who told reporter Amy
    /// Fox` is Bob Smith's, and the listener is not the speaker.
    fn drop_speech_asides(&self, items: &[Item], segs: &mut Vec<(usize, usize)>) {
        let cut = segs.iter().skip(1).position(|&(x, y)| {
            (x..y).any(|j| {
                items
                    .get(j)
                    .is_some_and(|i| i.kind == Kind::Word && !is_capitalised(self.word(i)))
                    && self
                        .lower(items, j)
                        .is_some_and(|w| lexicon::verb_class(&w).is_some())
            })
        });
        if let Some(c) = cut {
            segs.truncate(c + 1);
        }
    }

    /// The subject after the verb: `…,” said Tomas Brezan, a 37-year-old
    /// mechanic.` A prepositional phrase after the name (`at a news
    /// conference`) is channel, not speaker.
    fn inverted_subject(&self, items: &[Item], a: usize, s1: usize) -> Subject {
        let mut b = a;
        while b < s1 {
            match items.get(b).map(|i| i.kind) {
                // The full stop of a title before the name (`said Col.
                // Mustafa Bakour`, `said Dr. Sarah O'Neil`) goes on: it
                // ended the speaker at "Col".
                Some(Kind::Punct('.'))
                    if b > a
                        && items.get(b - 1).is_some_and(|w| {
                            w.kind == Kind::Word
                                && is_capitalised(self.word(w))
                                && lexicon::is_abbreviation(self.word(w))
                        }) =>
                {
                    b += 1
                }
                Some(Kind::Quote(_)) | Some(Kind::Punct(';' | '.' | '!' | '?')) => break,
                _ => b += 1,
            }
        }
        let mut segs = Self::segments(items, a, b);
        self.drop_speech_asides(items, &mut segs);
        let mut context = String::new();
        let mut parts: Vec<String> = Vec::new();
        for (i, &(x, mut y)) in segs.iter().enumerate() {
            if i == 0 {
                let mut saw_cap = false;
                for j in x..y {
                    let Some(w) = items
                        .get(j)
                        .filter(|it| it.kind == Kind::Word)
                        .map(|it| self.word(it))
                    else {
                        continue;
                    };
                    if is_capitalised(w) {
                        saw_cap = true;
                    } else if saw_cap && lexicon::is_preposition(&w.to_lowercase()) {
                        context = self.span_text(items, j, b);
                        y = j;
                        break;
                    }
                }
            }
            let t = self.span_text(items, x, y);
            if !t.is_empty() {
                parts.push(t);
            }
        }
        let speaker = parts.join(", ");
        Subject {
            words: word_count(&speaker),
            speaker,
            context,
            ..Subject::default()
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The provenance kind named by the words around a cue, or `None` when they
/// name no channel.
///
/// In order: relayed by a news agency (`Sputnik quoted`, `Interfax, citing`)
/// → `news_agency`, by another outlet → `article`; `tweeted`, `Twitter`,
/// `on X` → `tweet`; `video`, `televised`, `broadcast` → `video`;
/// `statement`, `press release`, `news conference`, `briefing`, `letter`,
/// `conference call`, `speech`, `testimony`, `announced`
/// → `statement`; `told`, `interview` → `interview`; a report, study,
/// survey, audit, records or court filing (lawsuit, complaint) → `report`; a newspaper, op-ed, column → `article`;
/// `<agency> reported` → `news_agency`, `<outlet> reported` → `article`.
/// Not caught: "told Reuters" is an `interview` even when the source is not
/// Reuters's own copy; posts on Facebook or Telegram have no kind of their
/// own and fall back to the speaker's previous kind or `other`.
fn decide_kind(verb: &str, context: &str, via: Option<&str>, report: bool) -> Option<&'static str> {
    if let Some(v) = via {
        if lexicon::is_agency(v) {
            return Some("news_agency");
        }
        if lexicon::is_outlet(v) || verb == "reported" || verb == "quoted" {
            return Some("article");
        }
    }
    let lower = context.to_lowercase();
    let any = |ws: &[&str]| ws.iter().any(|w| has_phrase(&lower, w));
    let on_x = context.contains(" on X") && has_phrase(context, "on X");
    if matches!(verb, "tweeted" | "tweets") || any(&["tweet", "tweeted", "twitter"]) || on_x {
        return Some("tweet");
    }
    if any(&[
        "video",
        "televised",
        "youtube",
        "tiktok",
        "broadcast",
        "livestream",
        "footage",
        "television",
        "tv",
        "videotaped",
    ]) {
        return Some("video");
    }
    if matches!(verb, "announced" | "announces" | "declared")
        || any(&[
            "statement",
            "press release",
            "news release",
            "communiqué",
            "communique",
            "news conference",
            "press conference",
            "briefing",
            "announcement",
            "letter",
            "conference call",
            "earnings call",
            "call with analysts",
            "speech",
            "remarks",
            "testimony",
            "testified",
            "address",
        ])
    {
        return Some("statement");
    }
    if matches!(verb, "told" | "tells")
        || any(&[
            "interview",
            "speaking to",
            "in comments to",
            "spoke to",
            "talking to",
        ])
    {
        return Some("interview");
    }
    if report || lexicon::REPORT_NOUNS.iter().any(|w| has_phrase(&lower, w)) {
        return Some("report");
    }
    if any(&[
        "newspaper",
        "op-ed",
        "column",
        "editorial",
        "article",
        "magazine",
    ]) {
        return Some("article");
    }
    if matches!(verb, "reported" | "reports") {
        if lexicon::is_agency(context) {
            return Some("news_agency");
        }
        return Some("article");
    }
    None
}
