//! Word lists the attribution rules rely on. Kept in one place so that a
//! reader can see exactly what the suggester knows about news English.

/// How a speech verb may introduce a claim.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum VerbClass {
    /// "said", "told": a reported clause may follow with or without "that",
    /// and "`<claim>`, officials said." works.
    SayLike,
    /// "announced", "tweeted": a reported clause needs "that"; may also end a
    /// sentence ("…, the ministry announced.").
    ThatTrailing,
    /// "insisted", "found": only "`<verb> that <clause>`" or a quotation.
    ThatOnly,
    /// "went on", "asked": only attributes an adjacent quotation.
    DirectOnly,
    /// "quoted `<speaker>` as saying".
    Quoted,
}

pub(super) fn verb_class(lower: &str) -> Option<VerbClass> {
    use VerbClass::*;
    Some(match lower {
        "said" | "says" | "say" | "told" | "tells" | "added" | "adds" => SayLike,
        "reported" | "reports" | "announced" | "announces" | "confirmed" | "confirms" | "noted"
        | "notes" | "warned" | "warns" | "tweeted" | "tweets" | "wrote" | "writes" | "stated"
        | "states" | "claimed" | "claims" | "posted" => ThatTrailing,
        "declared" | "insisted" | "insists" | "explained" | "argued" | "argues" | "stressed"
        | "emphasised" | "emphasized" | "acknowledged" | "acknowledges" | "denied" | "denies"
        | "alleged" | "alleges" | "recalled" | "predicted" | "estimated" | "found" | "finds"
        | "concluded" | "concludes" | "promised" | "pledged" | "vowed" | "urged" | "admitted"
        | "revealed" | "disclosed" => ThatOnly,
        "continued" | "asked" | "replied" | "quipped" | "shouted" | "wondered" | "joked" => {
            DirectOnly
        }
        "quoted" => Quoted,
        _ => return None,
    })
}

/// Words before a verb that mean it is not a speech act by the subject
/// ("was reported", "the reported attack", "declined to say").
pub(super) const VERB_BLOCKERS: &[&str] = &[
    "is", "was", "were", "are", "be", "been", "being", "the", "a", "an", "to", "not", "never",
    "its", "their", "his", "her",
];

/// Subject pronouns resolved to the most recent speaker.
pub(super) const PRONOUNS: &[&str] = &["he", "she", "they", "it", "we", "i"];

/// Words that start an introductory phrase, not a speaker ("On July 20, …").
pub(super) const INTRO_WORDS: &[&str] = &[
    "on",
    "in",
    "at",
    "after",
    "before",
    "during",
    "since",
    "while",
    "when",
    "following",
    "hours",
    "days",
    "weeks",
    "months",
    "earlier",
    "later",
    "meanwhile",
    "however",
    "separately",
    "last",
    "this",
    "today",
    "yesterday",
    "also",
    "and",
    "but",
    "so",
    "then",
    "still",
    "yet",
    "moreover",
    "furthermore",
    "speaking",
    "writing",
    "asked",
    "responding",
    "addressing",
    "talking",
    "reacting",
    "echoing",
    "appearing",
    "instead",
    "overnight",
];

/// Words that open a clause: a speaker begins after them (`The vote was
/// delayed while the opposition leader Jane Roe said`). Not `as`, `after`,
/// `since`, which are also prepositions in a speaker (`Officials as well
/// as residents`, `Survivors after the flood`).
pub(super) const CLAUSE_OPENERS: &[&str] = &[
    "while", "whereas", "because", "although", "though", "but", "when",
];

/// Auxiliaries before a speech verb (`Alice Jones had said`, `The mayor
/// has said`): not part of the speaker. Not `may` or `will`, which are
/// names (`May said`).
pub(super) const AUXILIARIES: &[&str] = &[
    "had", "has", "have", "would", "could", "should", "might", "must", "did", "does",
];

/// Participles that open a descriptive aside about how someone spoke.
pub(super) const PARTICIPLES: &[&str] = &[
    "speaking",
    "writing",
    "addressing",
    "appearing",
    "talking",
    "responding",
    "asked",
    "reacting",
    "echoing",
    "posting",
];

/// Leading words stripped from a speaker.
pub(super) const LEAD_STRIP: &[&str] = &[
    "and",
    "but",
    "so",
    "also",
    "however",
    "meanwhile",
    "later",
    "earlier",
    "then",
    "yet",
    "still",
    "separately",
    "now",
    "instead",
];

/// Words that make a phrase before a speaker one of time (`Yesterday`,
/// `On Tuesday`, `This morning`, `Later that day`): not `first`, `once`
/// or `then`, which begin names and titles (`First Minister …`).
pub(super) fn is_lead_time(lower: &str) -> bool {
    is_day_word(lower)
        || matches!(
            lower,
            "morning"
                | "afternoon"
                | "evening"
                | "night"
                | "overnight"
                | "week"
                | "weekend"
                | "day"
        )
}

/// The days, and the words that name one from today: what both time
/// phrases (before a speaker, after a verb) begin with.
fn is_day_word(lower: &str) -> bool {
    matches!(
        lower,
        "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "today"
            | "tonight"
            | "yesterday"
            | "earlier"
            | "later"
    )
}

/// Words after a verb or a name that say when, not what.
pub(super) fn is_time_word(lower: &str) -> bool {
    is_day_word(lower)
        || is_month(lower)
        || matches!(
            lower,
            "late"
                | "early"
                | "morning"
                | "afternoon"
                | "evening"
                | "night"
                | "again"
                | "also"
                | "previously"
                | "recently"
                | "ago"
                | "week"
                | "month"
                | "year"
                | "weekend"
                | "overnight"
                | "separately"
                | "then"
                | "once"
                | "first"
        )
}

/// Month names: a number after one of these is a date ("July 22"), not the
/// start of a clause ("said 61 people").
pub(super) fn is_month(lower: &str) -> bool {
    matches!(
        lower,
        "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "jan"
            | "feb"
            | "mar"
            | "apr"
            | "jun"
            | "jul"
            | "aug"
            | "sep"
            | "sept"
            | "oct"
            | "nov"
            | "dec"
    )
}

/// Prepositions: after "said", one of these starts a channel phrase ("said in
/// a statement"), not a reported clause.
pub(super) fn is_preposition(lower: &str) -> bool {
    matches!(
        lower,
        "in" | "at"
            | "on"
            | "to"
            | "during"
            | "with"
            | "via"
            | "through"
            | "from"
            | "after"
            | "before"
            | "about"
            | "for"
            | "by"
            | "while"
            | "as"
            | "of"
            | "into"
            | "over"
            | "under"
            | "when"
            | "since"
            | "outside"
            | "inside"
            | "near"
            | "without"
            | "against"
            | "among"
            | "amid"
            | "upon"
            | "following"
            | "per"
            | "late"
    )
}

/// Objects of "told" that are not capitalised ("told reporters").
pub(super) const TOLD_OBJECTS: &[&str] = &[
    "reporters",
    "journalists",
    "me",
    "us",
    "him",
    "her",
    "them",
    "you",
    "lawmakers",
    "parliament",
    "legislators",
    "senators",
    "colleagues",
    "supporters",
    "residents",
    "investigators",
    "police",
    "officials",
    "listeners",
    "viewers",
    "readers",
    "delegates",
    "students",
    "workers",
    "the",
    "a",
    "an",
];

/// Abbreviations after which a full stop does not end a sentence.
pub(super) fn is_abbreviation(w: &str) -> bool {
    let one_letter = w.chars().count() == 1 && w.chars().all(char::is_uppercase);
    one_letter
        || w.contains('.')
        || matches!(
            w,
            "Mr" | "Mrs"
                | "Ms"
                | "Dr"
                | "Prof"
                | "Gen"
                | "Col"
                | "Capt"
                | "Lt"
                | "Sgt"
                | "Maj"
                | "Cpl"
                | "Adm"
                | "Gov"
                | "Sen"
                | "Rep"
                | "Rev"
                | "St"
                | "Mt"
                | "Jr"
                | "Sr"
                | "Inc"
                | "Corp"
                | "Co"
                | "Ltd"
                | "No"
                | "Jan"
                | "Feb"
                | "Mar"
                | "Apr"
                | "Aug"
                | "Sept"
                | "Sep"
                | "Oct"
                | "Nov"
                | "Dec"
                | "vs"
                | "etc"
                | "Brig"
                | "Cmdr"
                | "Pres"
                | "Gens"
                | "Fr"
                | "Hon"
                | "Pvt"
                | "Ave"
                | "approx"
        )
}

/// News agencies. A claim that reached the source through one of these is of
/// kind `news_agency`.
const AGENCIES: &[&str] = &[
    "AFP",
    "Reuters",
    "AP",
    "Sputnik",
    "TASS",
    "Tass",
    "RIA",
    "Interfax",
    "Xinhua",
    "Anadolu",
    "SANA",
    "dpa",
    "DPA",
    "EFE",
    "ANSA",
    "Kyodo",
    "Yonhap",
    "IRNA",
    "BTA",
    "PAP",
    "UNIAN",
    "Ukrinform",
    "Bernama",
    "Antara",
    "PTI",
    "ANI",
    "Tasnim",
    "WAFA",
    "QNA",
    "KCNA",
    "BelTA",
    "Novosti",
    "France-Presse",
];

/// True when `s` names a news agency: one of the known agencies as a word,
/// or the words "news agency" / "wire service" / "Associated Press".
pub(super) fn is_agency(s: &str) -> bool {
    let lower = s.to_lowercase();
    if super::text::has_phrase(&lower, "news agency")
        || super::text::has_phrase(&lower, "wire service")
        || super::text::has_phrase(&lower, "associated press")
        || super::text::has_phrase(&lower, "press agency")
    {
        return true;
    }
    // Egypt's MENA is left out on purpose: "UNICEF's MENA representative"
    // means Middle East and North Africa. It is still caught as "news agency".
    s.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .any(|w| AGENCIES.contains(&w))
}

/// True when `s` names a newspaper or other outlet that publishes articles.
pub(super) fn is_outlet(s: &str) -> bool {
    let lower = s.to_lowercase();
    [
        "newspaper",
        "daily",
        "weekly",
        "magazine",
        "times",
        "post",
        "journal",
        "gazette",
        "courier",
        "herald",
        "tribune",
        "guardian",
        "telegraph",
        "independent",
        "ledger",
        "chronicle",
        "observer",
        "monitor",
        "news site",
        "website",
        "outlet",
        "tabloid",
        "broadsheet",
        "blog",
        "al-monitor",
    ]
    .iter()
    .any(|w| super::text::has_phrase(&lower, w))
}

/// Nouns for documents whose findings are claims of kind `report`.
pub(super) const REPORT_NOUNS: &[&str] = &[
    "report",
    "study",
    "survey",
    "audit",
    "analysis",
    "review",
    "assessment",
    "records",
    "findings",
    "data",
    "figures",
    "document",
    "documents",
    "census",
    "inquiry",
    "paper",
    "lawsuit",
    "filing",
    "complaint",
    "indictment",
    "ruling",
    "judgment",
    "affidavit",
];

/// Organisation nouns that name one kind of body, which `the army` or `the
/// police` refer back to only by the same word: the army is not the police,
/// and a group (armed, rights, industry) is no ministry.
pub(super) const BODY_NOUNS: &[&str] = &[
    "army", "police", "military", "embassy", "party", "union", "charity", "company", "firm",
    "group",
];

/// Nouns that name an organisation: `the agency said` refers back to the
/// latest speaker such as `the State Health Authority`.
pub(super) const ORG_NOUNS: &[&str] = &[
    "agency",
    "authority",
    "ministry",
    "department",
    "office",
    "service",
    "company",
    "group",
    "council",
    "commission",
    "committee",
    "government",
    "organization",
    "organisation",
    "institute",
    "army",
    "police",
    "administration",
    "firm",
    "operator",
    "board",
    "bureau",
    "foundation",
    "charity",
    "union",
    "party",
    "military",
    "embassy",
];

/// Nouns for the form words came out in, never for who said them:
/// `according to a statement`, `in a statement`, `according to reports`.
/// A phrase made of these and words that name no one (see
/// [`names_no_one`]) is a channel, not a speaker. Not `lawsuit`, `study`,
/// `records`: a document named as the subject of what it found (`The
/// lawsuit alleges`) is how the gold files give its claims.
pub(super) const CHANNEL_NOUNS: &[&str] = &[
    "statement",
    "statements",
    "release",
    "communique",
    "communiqué",
    "announcement",
    "report",
    "reports",
    "reporting",
    "post",
    "posts",
    "tweet",
    "tweets",
    "message",
    "letter",
    "video",
    "footage",
    "transcript",
    "bulletin",
];

/// Words before a channel noun that name no one: determiners and the like,
/// which a sentence may capitalise (`A statement said`).
pub(super) const DETERMINERS: &[&str] = &[
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "its",
    "their",
    "his",
    "her",
    "our",
    "one",
    "another",
    "some",
    "several",
    "earlier",
    "later",
    "recent",
    "local",
    "media",
    "unconfirmed",
];

/// Nouns for people or bodies left unnamed (`witnesses`, `a source`, `a
/// spokesperson`, `officials`): the source attributes words to them, and a
/// claim may say so, but they name no one in particular
/// ([`super::SpeakerRank::Generic`]).
pub(super) const GENERIC_SPEAKERS: &[&str] = &[
    "witnesses",
    "witness",
    "sources",
    "source",
    "officials",
    "official",
    "residents",
    "resident",
    "activists",
    "activist",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "people",
    "police",
    "authorities",
    "analysts",
    "experts",
    "observers",
    "medics",
    "doctors",
    "rescuers",
    "survivors",
    "locals",
    "diplomats",
    "aides",
    "monitors",
    "others",
    "someone",
    "everyone",
];

/// Whether `word` (as written) names someone: capitalised, and not only
/// because a sentence starts with it (a determiner), nor a month or a day.
pub(super) fn names_someone(word: &str) -> bool {
    let lower = word.to_lowercase();
    super::text::is_capitalised(word)
        && !DETERMINERS.contains(&lower.as_str())
        && !is_month(&lower)
        && !is_day_word(&lower)
}

/// The words of a phrase, without the punctuation around them.
fn phrase_words(phrase: &str) -> Vec<&str> {
    phrase
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':' | ';'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `phrase` is a channel that names no one: its head is a channel
/// noun ([`CHANNEL_NOUNS`]) and no word before it names someone (`a
/// statement`, `A July 22 statement`, `local media reports`), whatever
/// follows it but an author (`a statement posted on Telegram` names no
/// one; `a report by Reuters`, `the ministry's statement` do, see
/// [`channel_author`]).
pub(super) fn names_no_one(phrase: &str) -> bool {
    let words = phrase_words(phrase);
    let Some(head) = words.iter().position(|w| {
        CHANNEL_NOUNS.contains(
            &w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
                .as_str(),
        ) && !w.contains(['\'', '’'])
    }) else {
        return false;
    };
    let before_ok = words
        .iter()
        .take(head)
        .all(|w| !names_someone(w) && !w.contains(['\'', '’']));
    // An author (`by Reuters`), or a clause that tells which one it is
    // (`A report that the ministry published`), is no bare channel.
    let told_apart = words.get(head + 1).is_some_and(|w| {
        matches!(
            w.to_lowercase().as_str(),
            "by" | "from" | "of" | "that" | "which" | "who" | "whose"
        )
    });
    before_ok && !told_apart
}

/// Words between a channel noun and `by`/`from` that keep the author the
/// channel's (`a statement issued by the army`); not `seen`, `obtained`,
/// `cited`: `a report seen by Reuters` is not Reuters's.
const AUTHORED: &[&str] = &[
    "issued",
    "released",
    "published",
    "posted",
    "signed",
    "sent",
    "written",
    "put",
    "out",
];

/// The author a channel phrase names: `a report by Reuters` → `Reuters`,
/// `a statement from the Interior Ministry` → `the Interior Ministry`,
/// `the ministry's statement` → `the ministry`. `None` when the phrase is
/// not a channel with an author (`An FDA report from 2022`: a year is no
/// author; `a report seen by Reuters`: Reuters read it).
pub(super) fn channel_author(phrase: &str) -> Option<String> {
    let phrase = phrase.trim();
    // `<channel> by|from|of <author>`
    for prep in [" by ", " from ", " of "] {
        let Some(at) = phrase.find(prep) else {
            continue;
        };
        let (head, author) = (&phrase[..at], phrase[at + prep.len()..].trim());
        let head_words = phrase_words(head);
        let joined = head_words.last().is_some_and(|w| {
            let l = w.to_lowercase();
            CHANNEL_NOUNS.contains(&l.as_str()) || AUTHORED.contains(&l.as_str())
        });
        let first = author.split_whitespace().next().unwrap_or("");
        let authorlike = names_someone(first)
            || (DETERMINERS.contains(&first.to_lowercase().as_str())
                && author.split_whitespace().count() > 1);
        if joined && names_no_one(head) && authorlike && !names_no_one(author) {
            return Some(author_only(author).to_string());
        }
    }
    // `<author>'s <channel>`
    for mark in ["'s ", "’s ", "s' ", "s’ "] {
        if let Some(at) = phrase.rfind(mark) {
            let owner_end = at + usize::from(mark.starts_with('s'));
            let (owner, rest) = (&phrase[..owner_end], &phrase[at + mark.len()..]);
            if !owner.trim().is_empty() && names_no_one(rest) {
                return Some(owner.trim().to_string());
            }
        }
    }
    None
}

/// The author named after a channel's `by`, without what follows it: when
/// or where the channel came out (`a report by Reuters published on
/// Monday`: Reuters, not `Reuters published`).
pub(super) fn author_only(author: &str) -> &str {
    without_time(without_when_out(author))
}

fn without_when_out(author: &str) -> &str {
    let mut at = 0;
    for (i, w) in author.split(' ').enumerate() {
        if i > 0 && (AUTHORED.contains(&w) || matches!(w, "dated" | "seen" | "obtained")) {
            return author[..at].trim_end();
        }
        at += w.len() + 1;
    }
    author
}

/// `author` without a time phrase at its end (`the army on Tuesday`, `the
/// ministry late Monday`, `the UN on July 22`), which says when the
/// channel came out, not who wrote it.
fn without_time(author: &str) -> &str {
    let mut end = author.len();
    let mut rest = author;
    while let Some((head, last)) = rest.trim_end().rsplit_once(' ') {
        let l = last.to_lowercase();
        let digits = !l.is_empty() && l.chars().all(|c| c.is_ascii_digit() || c == ',');
        if is_time_word(&l)
            || digits
            || matches!(l.as_str(), "on" | "last" | "this" | "late" | "early")
        {
            rest = head;
            end = head.len();
        } else {
            break;
        }
    }
    author.get(..end).unwrap_or(author).trim_end()
}
