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
/// police` refer back to only by the same word: the army is not the police.
pub(super) const BODY_NOUNS: &[&str] = &[
    "army", "police", "military", "embassy", "party", "union", "charity", "company", "firm",
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
