//! Entry kinds, bodies and the small value types they are made of.
//!
//! Everything here is part of the signed format (DESIGN "The entry (format
//! v1)"): renaming a field or a variant changes the bytes that analysts
//! signed, so such a change needs a new format version, not an edit.

use crate::hash::Hash;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Position of an entry in the log (`payload.seq`, `entries.seq`), 0-based.
#[derive(
    Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The three kinds of item that get a friendly id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum IdKind {
    Source,
    Claim,
    Annotation,
}

impl IdKind {
    /// Every kind, in the order of [`IdKind::index`].
    pub const ALL: [IdKind; 3] = [IdKind::Source, IdKind::Claim, IdKind::Annotation];

    /// 0, 1, 2: where this kind's counter sits in a `[_; 3]`.
    pub fn index(self) -> usize {
        match self {
            IdKind::Source => 0,
            IdKind::Claim => 1,
            IdKind::Annotation => 2,
        }
    }

    pub fn letter(self) -> char {
        match self {
            IdKind::Source => 'S',
            IdKind::Claim => 'C',
            IdKind::Annotation => 'A',
        }
    }
    /// The entry kind that creates items of this kind.
    pub fn entry_kind(self) -> Kind {
        match self {
            IdKind::Source => Kind::SourceAdd,
            IdKind::Claim => Kind::ClaimAdd,
            IdKind::Annotation => Kind::AnnotationAdd,
        }
    }
    pub fn noun(self) -> &'static str {
        match self {
            IdKind::Source => "source",
            IdKind::Claim => "claim",
            IdKind::Annotation => "annotation",
        }
    }
    /// The noun with its article: "a source", "an annotation".
    pub fn a_noun(self) -> &'static str {
        match self {
            IdKind::Source => "a source",
            IdKind::Claim => "a claim",
            IdKind::Annotation => "an annotation",
        }
    }
}

/// A friendly id: `S3` is the third `source.add` entry of the log, `C12`
/// the twelfth `claim.add`, `A7` the seventh `annotation.add` (1-based, in
/// `seq` order). The numbering is a function of the log, so every copy of
/// the log gives the same item the same id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ItemId {
    pub kind: IdKind,
    pub n: u64,
}

impl ItemId {
    pub fn new(kind: IdKind, n: u64) -> ItemId {
        ItemId { kind, n }
    }
    pub fn source(n: u64) -> ItemId {
        ItemId::new(IdKind::Source, n)
    }
    pub fn claim(n: u64) -> ItemId {
        ItemId::new(IdKind::Claim, n)
    }
    pub fn annotation(n: u64) -> ItemId {
        ItemId::new(IdKind::Annotation, n)
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.letter(), self.n)
    }
}

/// Items (ids, verdicts…) written out with `sep` between them.
pub fn join<T: fmt::Display>(items: impl IntoIterator<Item = T>, sep: &str) -> String {
    let mut out = String::new();
    for (i, t) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&t.to_string());
    }
    out
}

/// Error for an id that is not `S<n>`, `C<n>` or `A<n>` with n ≥ 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation){}", match .0.as_str() { "" => "an empty value (in a list: two commas in a row, or one at the end?)".to_string(), s => format!("`{s}`") }, match self.is_list() { true => "; it is a list of ids, and one is taken here".to_string(), false => self.meant().map(|id| format!("; without its leading zeros it is {id}")).or_else(|| self.is_zero().then(|| "; ids start at 1 (S1, C1, A1)".to_string())).or_else(|| self.is_too_large().then(|| "; its number is larger than any log can hold (at most 18 digits)".to_string())).unwrap_or_default() })]
pub struct BadId(pub String);

impl BadId {
    /// Whether the word is ids with commas between them (`C1,C2`, as
    /// `show` prints links), given where one id goes (`show`, `prove`):
    /// it was "not an id", as if it held no id.
    pub fn is_list(&self) -> bool {
        let parts: Vec<&str> = self
            .0
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        parts.len() > 1 && parts.iter().all(|p| p.parse::<ItemId>().is_ok())
    }

    /// What follows a kind's letter (`S`, `C`, `A`, in either case), when
    /// the word begins with one.
    fn after_kind(&self) -> Option<&str> {
        let s = self.0.as_str();
        s.starts_with(['S', 'C', 'A', 's', 'c', 'a'])
            .then(|| &s[1..])
    }

    /// Whether it is a kind's letter and more digits than an id has
    /// (`C9223372036854775807`): the form the message shows, so it says
    /// why that is not one.
    fn is_too_large(&self) -> bool {
        self.after_kind().is_some_and(|d| {
            d.len() > 18 && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit())
        })
    }

    /// Whether it is a kind's letter and zeros (`S0`): ids start at 1.
    fn is_zero(&self) -> bool {
        self.after_kind()
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b == b'0'))
    }

    /// The id a word with leading zeros was meant as (`C01`, `a007`): an id
    /// has one spelling, and the message says which.
    pub fn meant(&self) -> Option<ItemId> {
        let s = self.0.as_str();
        let digits = s.get(1..)?;
        if !digits.starts_with('0') {
            return None;
        }
        let trimmed = digits.trim_start_matches('0');
        let canonical = format!("{}{trimmed}", s.get(..1)?);
        canonical.parse().ok()
    }
}

impl FromStr for ItemId {
    type Err = BadId;
    fn from_str(s: &str) -> Result<ItemId, BadId> {
        let bad = || BadId(s.to_string());
        let mut chars = s.chars();
        let kind = match chars.next().map(|c| c.to_ascii_uppercase()) {
            Some('S') => IdKind::Source,
            Some('C') => IdKind::Claim,
            Some('A') => IdKind::Annotation,
            _ => return Err(bad()),
        };
        let digits = chars.as_str();
        if digits.is_empty()
            || digits.len() > 18
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(bad());
        }
        let n = digits.parse().map_err(|_| bad())?;
        Ok(ItemId { kind, n })
    }
}

impl Serialize for ItemId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl ItemId {
    /// True iff `s`, which parses as this id, is its one canonical spelling
    /// (`id.to_string()`). Parsing already refuses leading zeros, so the
    /// digits are canonical and only the letter's case can differ; this
    /// says so without writing the id out (verify reads ids in every entry).
    fn spelled_canonically(&self, s: &str) -> bool {
        s.as_bytes().first() == Some(&(self.kind.letter() as u8))
    }
}

impl<'de> Deserialize<'de> for ItemId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ItemId, D::Error> {
        struct Spelling;
        impl de::Visitor<'_> for Spelling {
            type Value = ItemId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ItemId, E> {
                // In a signed body the id must have its one canonical spelling.
                let id: ItemId = s.parse().map_err(E::custom)?;
                if !id.spelled_canonically(s) {
                    return Err(E::custom(format!("id `{s}` is not in canonical form")));
                }
                Ok(id)
            }
        }
        d.deserialize_str(Spelling)
    }
}

/// Serde for [`struct@Hash`] as 64 lowercase hex digits.
pub mod hex_hash {
    use super::*;
    pub fn serialize<S: Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
        let digits = h.hex_digits();
        s.serialize_str(std::str::from_utf8(&digits).map_err(serde::ser::Error::custom)?)
    }
    /// Reads the hex digits where they are (no `String` per hash).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        struct Digits;
        impl de::Visitor<'_> for Digits {
            type Value = Hash;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Hash, E> {
                Hash::from_hex(s).ok_or_else(|| E::custom("expected 64 lowercase hex digits"))
            }
        }
        d.deserialize_str(Digits)
    }
}

/// An OpenSSH SHA-256 key fingerprint, `SHA256:` + 43 unpadded base64
/// characters, exactly as `ssh-keygen -l` prints it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fingerprint as a person may type or paste it where a key is asked
    /// for (`key revoke`, `--by`): `sha256:` in any case, white space
    /// around it, base64 padding (`=`), or the 43 characters without their
    /// `SHA256:`. `None` when `s` does not read as a fingerprint at all (a
    /// name; no name can be spelled as one: `key add` refuses them);
    /// `Some(Err)` when it reads as one but is not a SHA256 fingerprint
    /// (an MD5 one, `ssh-keygen -E md5`), or is cut short. Those spellings
    /// were taken for names ("no key … is named `sha256:…`").
    pub fn as_given(s: &str) -> Option<Result<Fingerprint, String>> {
        let t = s.trim();
        let b64 = |r: &str| {
            r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        };
        let lower = t.get(..7).map(str::to_ascii_lowercase);
        if lower.as_deref() == Some("sha256:") {
            let rest = t[7..].trim_end_matches('=');
            return Some(
                format!("SHA256:{rest}")
                    .parse()
                    .map_err(|e: BadFingerprint| e.to_string()),
            );
        }
        if t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("md5:")) {
            return Some(Err(format!(
                "`{t}` is an MD5 fingerprint; claimtrail names keys by their SHA256 fingerprint (`ssh-keygen -lf KEY.pub` prints it)"
            )));
        }
        let rest = t.trim_end_matches('=');
        if rest.len() == 43
            && b64(rest)
            && rest
                .bytes()
                .any(|b| b.is_ascii_digit() || b == b'+' || b == b'/')
        {
            return Some(
                format!("SHA256:{rest}")
                    .parse()
                    .map_err(|e: BadFingerprint| e.to_string()),
            );
        }
        None
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("`{0}` is not an OpenSSH SHA256 fingerprint (expected SHA256: followed by 43 base64 characters, as `claimtrail key list` shows)")]
pub struct BadFingerprint(pub String);

impl FromStr for Fingerprint {
    type Err = BadFingerprint;
    fn from_str(s: &str) -> Result<Fingerprint, BadFingerprint> {
        let rest = s
            .strip_prefix("SHA256:")
            .ok_or_else(|| BadFingerprint(s.to_string()))?;
        let ok = rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
        if !ok {
            return Err(BadFingerprint(s.to_string()));
        }
        Ok(Fingerprint(s.to_string()))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fingerprint, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

/// Declares a closed string enum with its wire names, `FromStr` that lists the
/// allowed values in its error, and serde through the same names.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum $name { $($var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The wire names, in the order of [`Self::ALL`].
            pub const NAMES: &'static [&'static str] = &[$($s),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $s),+ } }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$var),)+
                    _ => Err(format!("`{}` is not a {}: use one of {}", s, $what,
                        [$($s),+].join(", "))),
                }
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(de::Error::custom)
            }
        }
    };
}

wire_enum!(
    /// Entry kinds of format v1.
    Kind, "entry kind" {
        LogInit = "log.init",
        KeyAdd = "key.add",
        KeyRevoke = "key.revoke",
        SourceAdd = "source.add",
        SourceRedact = "source.redact",
        SourceAmend = "source.amend",
        ClaimAdd = "claim.add",
        ClaimRetract = "claim.retract",
        AnnotationAdd = "annotation.add",
        AnnotationRetract = "annotation.retract",
        CheckpointAdd = "checkpoint.add",
    }
);

wire_enum!(
    /// What a source is, and how a claim reached its source (the same closed set).
    SourceKind, "source or provenance kind" {
        Tweet = "tweet",
        Statement = "statement",
        Interview = "interview",
        NewsAgency = "news_agency",
        Article = "article",
        Report = "report",
        Video = "video",
        Other = "other",
    }
);

wire_enum!(
    /// The fields of a source that `source.add` may leave null, and so the
    /// fields a `source.amend` may clear (its `clear` member). Declared in
    /// canonical (sorted) order: the derived order is the order a `clear`
    /// list is written in. `kind`, the text's hash and length, and the
    /// other members every source has are not among them.
    SourceField, "field of a source that can be cleared" {
        Author = "author",
        Published = "published",
        Publisher = "publisher",
        Title = "title",
        Url = "url",
    }
);

wire_enum!(
    /// An analyst's judgment of a claim. See docs/REPORTS.md for the ClaimReview mapping.
    Verdict, "verdict" {
        Confirmed = "confirmed",
        Corroborated = "corroborated",
        Unverified = "unverified",
        Disputed = "disputed",
        Misleading = "misleading",
        False = "false",
    }
);

wire_enum!(
    /// Roles of enrolled keys (DESIGN "Trust and authorization").
    Role, "role" {
        Admin = "admin",
        Analyst = "analyst",
        Auditor = "auditor",
    }
);

wire_enum!(
    /// Admiralty code: reliability of whoever the claim comes from. `F` is
    /// "reliability cannot be judged", not "worst".
    Reliability, "reliability grade (Admiralty A-F)" {
        A = "A", B = "B", C = "C", D = "D", E = "E", F = "F",
    }
);

impl Reliability {
    pub fn meaning(self) -> &'static str {
        match self {
            Reliability::A => "completely reliable",
            Reliability::B => "usually reliable",
            Reliability::C => "fairly reliable",
            Reliability::D => "not usually reliable",
            Reliability::E => "unreliable",
            Reliability::F => "reliability cannot be judged",
        }
    }
}

/// Admiralty code: credibility of one piece of information, 1–6. `6` is
/// "truth cannot be judged", not "worst".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct Credibility(u8);

impl Credibility {
    pub fn new(n: u8) -> Option<Credibility> {
        (1..=6).contains(&n).then_some(Credibility(n))
    }
    pub fn get(self) -> u8 {
        self.0
    }
    pub fn meaning(self) -> &'static str {
        match self.0 {
            1 => "confirmed by other sources",
            2 => "probably true",
            3 => "possibly true",
            4 => "doubtful",
            5 => "improbable",
            _ => "truth cannot be judged",
        }
    }
}

impl Credibility {
    /// The grades as typed: `1` to `6`.
    pub const NAMES: &'static [&'static str] = &["1", "2", "3", "4", "5", "6"];
}

impl FromStr for Credibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Credibility, String> {
        s.parse::<u8>()
            .ok()
            .and_then(Credibility::new)
            .ok_or_else(|| format!("`{s}` is not a credibility grade: use 1 to 6 (Admiralty code)"))
    }
}

impl<'de> Deserialize<'de> for Credibility {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Credibility, D::Error> {
        let n = u8::deserialize(d)?;
        Credibility::new(n).ok_or_else(|| de::Error::custom("credibility must be 1 to 6"))
    }
}

impl fmt::Display for Credibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

// The structs written into signed bodies (`Ref` and the bodies below)
// declare their fields in canonical order (RFC 8785: by UTF-16 code units),
// so that the canonical writer writes their members as they come instead
// of sorting them afterwards. The signed bytes are the same either way;
// verify, which writes every payload back to check its form, took about
// 6 % less CPU (the bench's million-entry log, four alternated runs).
// Serde reads the fields in any order; the test
// `body_fields_are_declared_in_canonical_order` (in `entry.rs`) keeps the
// declarations sorted. (Serde names the first missing field in declaration
// order, so a body that lacks several is reported by the first of them in
// canonical order, as it is written.)

/// A reference from one entry's body to an earlier entry: its friendly id
/// and its entry hash. The hash binds the reference to the exact signed
/// entry, so a bundle holding both can check the link without the rest of
/// the log.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ref {
    #[serde(with = "hex_hash")]
    pub hash: Hash,
    pub id: ItemId,
}

/// `log.init`: names the origin and enrolls the creator's key as admin.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogInit {
    /// OpenSSH public key line without comment (`ssh-ed25519 AAAA…`).
    pub key: String,
    pub name: String,
    pub origin: String,
}

/// `key.add`: enrolls a public key with a role.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAdd {
    pub key: String,
    pub name: String,
    pub role: Role,
}

/// `key.revoke`: the key signs nothing valid from this entry on.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoke {
    pub fingerprint: Fingerprint,
    pub reason: String,
}

/// `source.add`: the exact bytes are committed to by hash and length only,
/// so the text itself can later be redacted without breaking the chain.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceAdd {
    pub author: Option<String>,
    pub derived_from: Vec<Ref>,
    pub kind: SourceKind,
    pub length: u64,
    pub media_type: String,
    /// `YYYY-MM-DD` or RFC 3339, as the source states it.
    pub published: Option<String>,
    pub publisher: Option<String>,
    /// When the analyst retrieved the text (RFC 3339 UTC).
    pub retrieved: String,
    #[serde(with = "hex_hash")]
    pub sha256: Hash,
    pub title: Option<String>,
    pub url: Option<String>,
}

/// `source.redact`: the stored text is removed; hash and length stay signed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRedact {
    pub reason: String,
    pub source: Ref,
}

/// `source.amend`: corrects a source's metadata (a mistyped title, the
/// wrong address), signed by the analyst who added the source (a rotated
/// key of theirs included) or an admin. The fields it corrects are given,
/// and the fields it clears (a wrongly recorded author: there is none)
/// are listed in `clear`, at least one field in all; the others are null
/// and keep their value. The `source.add` entry stays as it was signed:
/// the source's current metadata is its fields overlaid by its
/// amendments, in log order. Its text cannot be amended (that is another
/// source).
///
/// `clear` is the one member of a body that is left out rather than
/// written empty: absent when nothing is cleared, so that every
/// `source.amend` signed before it existed reads and writes back as it
/// was signed. A body that gives a field and clears it too does not
/// parse (it has no one meaning), nor does an empty, unsorted or
/// repeating `clear` ([`Cleared`]): each amendment has one written form.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "SourceAmendRead")]
pub struct SourceAmend {
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Cleared::is_empty")]
    pub clear: Cleared,
    pub kind: Option<SourceKind>,
    /// `YYYY-MM-DD` or RFC 3339, as the source states it.
    pub published: Option<String>,
    pub publisher: Option<String>,
    pub reason: String,
    pub source: Ref,
    pub title: Option<String>,
    pub url: Option<String>,
}

/// [`SourceAmend`] as read, before [`SourceAmend::conflict`] is asked.
/// Renamed so that serde's messages name the body's struct, as before.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "SourceAmend")]
struct SourceAmendRead {
    author: Option<String>,
    #[serde(default)]
    clear: Cleared,
    kind: Option<SourceKind>,
    published: Option<String>,
    publisher: Option<String>,
    reason: String,
    source: Ref,
    title: Option<String>,
    url: Option<String>,
}

impl TryFrom<SourceAmendRead> for SourceAmend {
    type Error = String;
    fn try_from(r: SourceAmendRead) -> Result<SourceAmend, String> {
        let b = SourceAmend {
            author: r.author,
            clear: r.clear,
            kind: r.kind,
            published: r.published,
            publisher: r.publisher,
            reason: r.reason,
            source: r.source,
            title: r.title,
            url: r.url,
        };
        match b.conflict() {
            Some(f) => Err(format!(
                "`{f}` is both given and cleared: an amendment sets a field or clears it"
            )),
            None => Ok(b),
        }
    }
}

impl SourceAmend {
    /// The value it gives a field that can be cleared (`None`: not given).
    pub fn value_of(&self, field: SourceField) -> Option<&str> {
        match field {
            SourceField::Author => self.author.as_deref(),
            SourceField::Published => self.published.as_deref(),
            SourceField::Publisher => self.publisher.as_deref(),
            SourceField::Title => self.title.as_deref(),
            SourceField::Url => self.url.as_deref(),
        }
    }

    /// A field it both gives and clears, which no amendment may do (such a
    /// body does not parse, and the append path refuses to write one).
    pub fn conflict(&self) -> Option<SourceField> {
        self.clear.iter().find(|&f| self.value_of(f).is_some())
    }

    /// The fields it changes, in the order `show` lists a source's fields,
    /// each with its new value as text, or `None` for a field it clears.
    pub fn changes(&self) -> Vec<(&'static str, Option<String>)> {
        let mut out = Vec::new();
        if let Some(k) = self.kind {
            out.push(("kind", Some(k.as_str().to_string())));
        }
        for f in [
            SourceField::Title,
            SourceField::Publisher,
            SourceField::Author,
            SourceField::Url,
            SourceField::Published,
        ] {
            match self.value_of(f) {
                Some(v) => out.push((f.as_str(), Some(v.to_string()))),
                None if self.clear.contains(f) => out.push((f.as_str(), None)),
                None => {}
            }
        }
        out
    }

    /// What it changes, in a few words: `title, url` (corrected),
    /// `author cleared`, `title; author, url cleared`.
    pub fn summary(&self) -> String {
        let changes = self.changes();
        let list = |cleared: bool| {
            changes
                .iter()
                .filter(|(_, v)| v.is_none() == cleared)
                .map(|(f, _)| *f)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (list(false), list(true)) {
            (given, cleared) if cleared.is_empty() => given,
            (given, cleared) if given.is_empty() => format!("{cleared} cleared"),
            (given, cleared) => format!("{given}; {cleared} cleared"),
        }
    }
}

/// The fields a `source.amend` clears (its `clear` member): each once, in
/// canonical (sorted) order, which is the only order read. An empty list
/// is never written (the member is left out) and never read: `"clear":[]`
/// does not parse, so a body that clears nothing has one written form.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Cleared(Vec<SourceField>);

impl Cleared {
    /// The list of `fields`, sorted, each once.
    pub fn of(fields: impl IntoIterator<Item = SourceField>) -> Cleared {
        let mut v: Vec<SourceField> = fields.into_iter().collect();
        v.sort();
        v.dedup();
        Cleared(v)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn contains(&self, f: SourceField) -> bool {
        self.0.contains(&f)
    }
    pub fn iter(&self) -> impl Iterator<Item = SourceField> + '_ {
        self.0.iter().copied()
    }
    /// The list as the body writes it (`["author","url"]`), as the
    /// `source_amendments` table holds it; `None` when it is empty (the
    /// member is absent, the column NULL).
    pub fn to_json(&self) -> Option<String> {
        (!self.is_empty()).then(|| serde_json::to_string(self).unwrap_or_default())
    }
    /// Reads the list from its JSON text, with the body's rules.
    pub fn from_json(s: &str) -> Result<Cleared, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }
}

impl Serialize for Cleared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Cleared {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cleared, D::Error> {
        let fields = Vec::<SourceField>::deserialize(d)?;
        if fields.is_empty() {
            return Err(de::Error::custom(
                "clear is empty: an amendment that clears no field leaves the member out",
            ));
        }
        for pair in fields.windows(2) {
            if pair[0] == pair[1] {
                return Err(de::Error::custom(format!(
                    "clear lists `{}` twice",
                    pair[0]
                )));
            }
            if pair[0] > pair[1] {
                return Err(de::Error::custom(format!(
                    "clear lists `{}` before `{}`: its fields are written in sorted order",
                    pair[0], pair[1]
                )));
            }
        }
        Ok(Cleared(fields))
    }
}

/// `claim.add`: an exact span `[start, end)` of the source's bytes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimAdd {
    pub end: u64,
    /// Up to [`crate::text::CONTEXT_CHARS`] characters before the quote
    /// (W3C TextQuoteSelector `prefix`).
    pub prefix: String,
    pub provenance: SourceKind,
    #[serde(with = "hex_hash")]
    pub quote_sha256: Hash,
    pub source: Ref,
    pub speaker: String,
    pub start: u64,
    /// Up to that many characters after it (`suffix`).
    pub suffix: String,
    /// The analyst's paraphrase, if any.
    pub text: Option<String>,
}

/// `claim.retract`: a claim recorded in error (the wrong speaker or
/// provenance, a span that is not a claim) is withdrawn. Its entry stays in
/// the log, signed and verified like any other: a retraction takes the
/// claim out of the current view (lists, verdicts, reports mark it) and
/// stops new annotations of it, never out of the history.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRetract {
    pub claim: Ref,
    pub reason: String,
    /// The claim that records it correctly, if there is one (added before
    /// the retraction, so its hash can be signed here).
    pub replaced_by: Option<Ref>,
}

/// `annotation.add`: an analyst's signed judgment of a claim.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationAdd {
    pub claim: Ref,
    pub contradicts: Vec<Ref>,
    pub corroborates: Vec<Ref>,
    pub credibility: Option<Credibility>,
    pub note: Option<String>,
    pub reliability: Option<Reliability>,
    /// An earlier annotation by the same signer on the same claim that this
    /// one replaces (the earlier one is never edited).
    pub supersedes: Option<Ref>,
    pub verdict: Verdict,
}

/// `annotation.retract`: an annotation made in error (the wrong claim, a
/// judgment recorded by mistake) is withdrawn. Its entry stays in the log,
/// signed and verified like any other; the retraction takes it out of the
/// current view: it gives its claim no verdict, its links are no longer
/// live, and an annotation it had replaced is current again.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationRetract {
    pub annotation: Ref,
    pub reason: String,
}

/// `checkpoint.add`: an admin's signed C2SP checkpoint of the log as it
/// stood before this entry (`size` = this entry's `seq`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointAdd {
    /// The whole signed note (C2SP signed-note text and signature lines).
    pub note: String,
    #[serde(with = "hex_hash")]
    pub root: Hash,
    pub size: u64,
}

/// A typed entry body.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Body {
    LogInit(LogInit),
    KeyAdd(KeyAdd),
    KeyRevoke(KeyRevoke),
    SourceAdd(SourceAdd),
    SourceRedact(SourceRedact),
    SourceAmend(SourceAmend),
    ClaimAdd(ClaimAdd),
    ClaimRetract(ClaimRetract),
    AnnotationAdd(AnnotationAdd),
    AnnotationRetract(AnnotationRetract),
    CheckpointAdd(CheckpointAdd),
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::LogInit(_) => Kind::LogInit,
            Body::KeyAdd(_) => Kind::KeyAdd,
            Body::KeyRevoke(_) => Kind::KeyRevoke,
            Body::SourceAdd(_) => Kind::SourceAdd,
            Body::SourceRedact(_) => Kind::SourceRedact,
            Body::SourceAmend(_) => Kind::SourceAmend,
            Body::ClaimAdd(_) => Kind::ClaimAdd,
            Body::ClaimRetract(_) => Kind::ClaimRetract,
            Body::AnnotationAdd(_) => Kind::AnnotationAdd,
            Body::AnnotationRetract(_) => Kind::AnnotationRetract,
            Body::CheckpointAdd(_) => Kind::CheckpointAdd,
        }
    }

    /// The reason a revocation, redaction or retraction gives; `None` for
    /// the kinds that carry none.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Body::KeyRevoke(b) => Some(&b.reason),
            Body::SourceRedact(b) => Some(&b.reason),
            Body::SourceAmend(b) => Some(&b.reason),
            Body::ClaimRetract(b) => Some(&b.reason),
            Body::AnnotationRetract(b) => Some(&b.reason),
            _ => None,
        }
    }

    pub fn to_value(&self) -> serde_json::Value {
        let v = match self {
            Body::LogInit(b) => serde_json::to_value(b),
            Body::KeyAdd(b) => serde_json::to_value(b),
            Body::KeyRevoke(b) => serde_json::to_value(b),
            Body::SourceAdd(b) => serde_json::to_value(b),
            Body::SourceRedact(b) => serde_json::to_value(b),
            Body::SourceAmend(b) => serde_json::to_value(b),
            Body::ClaimAdd(b) => serde_json::to_value(b),
            Body::ClaimRetract(b) => serde_json::to_value(b),
            Body::AnnotationAdd(b) => serde_json::to_value(b),
            Body::AnnotationRetract(b) => serde_json::to_value(b),
            Body::CheckpointAdd(b) => serde_json::to_value(b),
        };
        // Serialising these plain structs cannot fail (no maps with non-string keys).
        v.unwrap_or(serde_json::Value::Null)
    }

    pub fn from_value(kind: Kind, v: serde_json::Value) -> Result<Body, serde_json::Error> {
        Body::deserialize_kind(kind, v)
    }

    /// Reads the body of an entry of `kind` from any deserializer: a
    /// `serde_json::Value`, or the body's JSON text as verify reads it.
    pub fn deserialize_kind<'de, D: Deserializer<'de>>(kind: Kind, d: D) -> Result<Body, D::Error> {
        Ok(match kind {
            Kind::LogInit => Body::LogInit(Deserialize::deserialize(d)?),
            Kind::KeyAdd => Body::KeyAdd(Deserialize::deserialize(d)?),
            Kind::KeyRevoke => Body::KeyRevoke(Deserialize::deserialize(d)?),
            Kind::SourceAdd => Body::SourceAdd(Deserialize::deserialize(d)?),
            Kind::SourceRedact => Body::SourceRedact(Deserialize::deserialize(d)?),
            Kind::SourceAmend => Body::SourceAmend(Deserialize::deserialize(d)?),
            Kind::ClaimAdd => Body::ClaimAdd(Deserialize::deserialize(d)?),
            Kind::ClaimRetract => Body::ClaimRetract(Deserialize::deserialize(d)?),
            Kind::AnnotationAdd => Body::AnnotationAdd(Deserialize::deserialize(d)?),
            Kind::AnnotationRetract => Body::AnnotationRetract(Deserialize::deserialize(d)?),
            Kind::CheckpointAdd => Body::CheckpointAdd(Deserialize::deserialize(d)?),
        })
    }

    /// Every reference this body makes to earlier entries, with the role it
    /// plays, so append and verify check them the same way.
    pub fn refs(&self) -> Vec<(&'static str, Ref)> {
        let mut out = Vec::new();
        match self {
            Body::SourceAdd(b) => out.extend(b.derived_from.iter().map(|r| ("derived_from", *r))),
            Body::SourceRedact(b) => out.push(("source", b.source)),
            Body::SourceAmend(b) => out.push(("source", b.source)),
            Body::ClaimAdd(b) => out.push(("source", b.source)),
            Body::ClaimRetract(b) => {
                out.push(("claim", b.claim));
                out.extend(b.replaced_by.iter().map(|r| ("replaced_by", *r)));
            }
            Body::AnnotationAdd(b) => {
                out.push(("claim", b.claim));
                out.extend(b.corroborates.iter().map(|r| ("corroborates", *r)));
                out.extend(b.contradicts.iter().map(|r| ("contradicts", *r)));
                out.extend(b.supersedes.iter().map(|r| ("supersedes", *r)));
            }
            Body::AnnotationRetract(b) => out.push(("annotation", b.annotation)),
            _ => {}
        }
        out
    }

    /// The kind of friendly id this entry creates, if any.
    pub fn creates(&self) -> Option<IdKind> {
        self.kind().creates()
    }
}

impl Kind {
    /// The kind of friendly id an entry of this kind creates, if any.
    pub fn creates(self) -> Option<IdKind> {
        match self {
            Kind::SourceAdd => Some(IdKind::Source),
            Kind::ClaimAdd => Some(IdKind::Claim),
            Kind::AnnotationAdd => Some(IdKind::Annotation),
            _ => None,
        }
    }

    /// Roles allowed to sign entries of this kind. Admins may also do an
    /// analyst's work; auditors may annotate (audit notes) but not add
    /// sources or claims.
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            Kind::LogInit
            | Kind::KeyAdd
            | Kind::KeyRevoke
            | Kind::SourceRedact
            | Kind::CheckpointAdd => &[Role::Admin],
            // An analyst retracts only their own claims, and amends only
            // their own sources (`rules::check_body`).
            Kind::SourceAdd | Kind::SourceAmend | Kind::ClaimAdd | Kind::ClaimRetract => {
                &[Role::Admin, Role::Analyst]
            }
            // An analyst or auditor retracts only their own annotations
            // (`rules::check_body`).
            Kind::AnnotationAdd | Kind::AnnotationRetract => {
                &[Role::Admin, Role::Analyst, Role::Auditor]
            }
        }
    }
}

/// The projection tables hold these types as their text (or, for a
/// credibility, as its number); reading a column back checks it, so a
/// damaged table gives a database error rather than a view of a value the
/// log cannot hold (`verify` says which row).
mod sql {
    use super::*;
    use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

    /// Parses a stored value; the error names the value and what it should
    /// be (the `FromStr` messages are for people typing, with choices).
    fn parsed<T: FromStr>(v: ValueRef<'_>, what: &str) -> FromSqlResult<T> {
        let s = v.as_str()?;
        s.parse().map_err(|_| {
            let head: String = s.chars().take(80).collect();
            let shown = crate::text::escape(&head);
            FromSqlError::Other(format!("the stored value `{shown}` is not {what}").into())
        })
    }

    macro_rules! from_text {
        ($($t:ty => $what:literal),+ $(,)?) => {$(
            impl FromSql for $t {
                fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                    parsed(v, $what)
                }
            }
        )+};
    }
    from_text!(
        Fingerprint => "a key fingerprint",
        Kind => "an entry kind",
        SourceKind => "a source or provenance kind",
        Verdict => "a verdict",
        Role => "a role",
        Reliability => "a reliability grade",
    );

    /// The `clear` column of `source_amendments`: the body's list as
    /// JSON text, read with the body's rules.
    impl FromSql for Cleared {
        fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
            let s = v.as_str()?;
            Cleared::from_json(s).map_err(|_| {
                let head: String = s.chars().take(80).collect();
                let shown = crate::text::escape(&head);
                FromSqlError::Other(
                    format!("the stored value `{shown}` is not a list of cleared fields").into(),
                )
            })
        }
    }

    impl FromSql for Credibility {
        fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
            let n = v.as_i64()?;
            u8::try_from(n)
                .ok()
                .and_then(Credibility::new)
                .ok_or(FromSqlError::OutOfRange(n))
        }
    }

    impl FromSql for Seq {
        fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
            let n = v.as_i64()?;
            u64::try_from(n)
                .map(Seq)
                .map_err(|_| FromSqlError::OutOfRange(n))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_print_one_way() {
        assert_eq!("S3".parse::<ItemId>().unwrap(), ItemId::source(3));
        assert_eq!("c12".parse::<ItemId>().unwrap().to_string(), "C12");
        for bad in [
            "",
            "S",
            "S0",
            "S03",
            "X1",
            "S-1",
            "S1x",
            "S99999999999999999999",
        ] {
            assert!(bad.parse::<ItemId>().is_err(), "{bad}");
        }
        // Lowercase is accepted on the command line but not inside a signed body.
        assert!(serde_json::from_str::<ItemId>("\"c1\"").is_err());
        // A body takes exactly the spellings `to_string` writes.
        for s in [
            "S3",
            "s3",
            "C12",
            "c12",
            "A7",
            "a7",
            "A1234567890",
            "a1234567890",
        ] {
            let id: ItemId = s.parse().unwrap();
            assert_eq!(id.spelled_canonically(s), id.to_string() == s, "{s}");
            let json = serde_json::to_string(s).unwrap();
            let read = serde_json::from_str::<ItemId>(&json).ok();
            assert_eq!(read, (id.to_string() == s).then_some(id), "{s}");
        }
        // Escaped, the same spelling is the same id.
        assert_eq!(
            serde_json::from_str::<ItemId>("\"\\u0043\\u0031\"").unwrap(),
            ItemId::claim(1)
        );
    }

    #[test]
    fn enums_list_allowed_values_in_errors() {
        let e = "maybe".parse::<Verdict>().unwrap_err();
        assert!(e.contains("confirmed") && e.contains("false"), "{e}");
        assert!("7".parse::<Credibility>().is_err());
        assert_eq!("6".parse::<Credibility>().unwrap().get(), 6);
    }

    /// A `clear` list is written in the derived order of [`SourceField`],
    /// which must be the canonical (sorted) order of the names.
    #[test]
    fn clearable_fields_are_declared_in_sorted_order() {
        // As `--clear`'s hint lists them (`sources::cleared`).
        assert_eq!(
            SourceField::NAMES,
            ["author", "published", "publisher", "title", "url"]
        );
        let mut sorted = SourceField::NAMES.to_vec();
        sorted.sort();
        assert_eq!(sorted, SourceField::NAMES);
        assert!(SourceField::ALL.windows(2).all(|w| w[0] < w[1]));
        let c = Cleared::of([SourceField::Url, SourceField::Author, SourceField::Url]);
        assert_eq!(c.to_json().as_deref(), Some(r#"["author","url"]"#));
        assert_eq!(Cleared::from_json(r#"["author","url"]"#), Ok(c));
        assert_eq!(Cleared::default().to_json(), None);
        for bad in [
            "[]",
            r#"["url","author"]"#,
            r#"["url","url"]"#,
            r#"["kind"]"#,
            "null",
        ] {
            assert!(Cleared::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprints_are_checked() {
        assert!("SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            .parse::<Fingerprint>()
            .is_ok());
        assert!("MD5:aa".parse::<Fingerprint>().is_err());
        assert!("SHA256:short".parse::<Fingerprint>().is_err());
    }
}
