//! The rules an entry must satisfy given the log before it: authorization
//! (DESIGN "Trust and authorization") and the meaning of each body.
//!
//! The append path and verify apply the same functions, each through its own
//! [`History`]: append reads the projection tables; verify replays the
//! entries themselves, so a tampered projection cannot make verify accept
//! an entry that append would have refused.

use crate::entry::Header;
use crate::error::Result;
use crate::hash::Hash;
use crate::keys::PublicKey;
use crate::model::*;
use crate::text::{self, SourceText};
use std::rc::Rc;

/// A named check of verify; append errors map to the same names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Check {
    /// The file holds claimtrail's tables and indexes as its migrations
    /// made them, and nothing else (no trigger, no view).
    Schema,
    /// SQLite reads the file to its end without finding a damaged page
    /// (a damaged page stops verify, which then says after which entry).
    File,
    /// The payload is RFC 8785 canonical JSON.
    Canonical,
    /// Header fields: version, origin, kind column, time, signer.
    Header,
    /// `seq` is contiguous from 0 and equals the row's seq.
    Sequence,
    /// `prev` is the previous entry's hash.
    Chain,
    /// The stored hash is the entry hash of payload and signature.
    Hash,
    /// The SSHSIG signature verifies with the signer's key.
    Signature,
    /// The signer is enrolled, not revoked, and holds a role for the kind.
    Authorization,
    /// The body follows its kind's schema and rules.
    Body,
    /// References point at earlier entries of the right kind and hash.
    Reference,
    /// Source texts are present (unless redacted) and match hash and length.
    Blob,
    /// Quotes equal the source bytes at their span, with their context.
    Quote,
    /// Projection tables equal what the entries imply.
    Projection,
    /// Checkpoints stored in the database are consistent with the log.
    Checkpoint,
    /// A bundle's entry is in its checkpoint's tree (inclusion proof).
    Inclusion,
    /// A published directory's tiles and entry bundles are present, well
    /// formed, and hold the hashes of the tree its entries make.
    Tile,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Schema => "schema",
            Check::File => "file",
            Check::Canonical => "canonical",
            Check::Header => "header",
            Check::Sequence => "sequence",
            Check::Chain => "chain",
            Check::Hash => "hash",
            Check::Signature => "signature",
            Check::Authorization => "authorization",
            Check::Body => "body",
            Check::Reference => "reference",
            Check::Blob => "blob",
            Check::Quote => "quote",
            Check::Projection => "projection",
            Check::Checkpoint => "checkpoint",
            Check::Inclusion => "inclusion",
            Check::Tile => "tile",
        }
    }
}

/// JSON names a check as text does: [`Check::as_str`] is the one list.
impl serde::Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A broken rule: which check, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub check: Check,
    pub detail: String,
    /// What the person appending the entry can do about it, where the rule
    /// knows better than the check's general advice (the append path says
    /// it; verify and verify-bundle, which report entries already signed,
    /// do not).
    pub hint: Option<String>,
}

fn v(check: Check, detail: impl Into<String>) -> Violation {
    Violation {
        check,
        detail: detail.into(),
        hint: None,
    }
}

impl Violation {
    fn hint(mut self, hint: impl Into<String>) -> Violation {
        self.hint = Some(hint.into());
        self
    }
}

/// What the rules need to know about an enrolled key.
#[derive(Clone, Debug)]
pub struct KeyInfo {
    pub public: PublicKey,
    pub name: String,
    pub role: Role,
    pub enrolled: Seq,
    pub revoked: Option<Seq>,
}

/// The key that took the place of `revoked`, a key enrolled under `name`:
/// the newest key of the same name that is not revoked (a person's new key
/// is enrolled under the name of the old one). Only a hint: names are not
/// unique, and nothing in the log links the two keys.
pub fn successor<'a>(
    keys: impl IntoIterator<Item = (&'a Fingerprint, &'a str, Seq, Option<Seq>)>,
    name: &str,
    revoked: &Fingerprint,
) -> Option<Fingerprint> {
    keys.into_iter()
        .filter(|(fp, n, _, gone)| *n == name && gone.is_none() && *fp != revoked)
        .max_by_key(|(_, _, enrolled, _)| *enrolled)
        .map(|(fp, ..)| fp.clone())
}

/// Whether a key enrolled at entry `enrolled` and revoked at `revoked`
/// could sign a checkpoint of a tree of `size` entries: enrolled within
/// it (the log's first key, enrolled by entry 0, also for the empty tree),
/// and not revoked within it. Verify, bundles and `prove` judge
/// checkpoints' signers by this one rule.
pub fn live_at(enrolled: Seq, revoked: Option<Seq>, size: u64) -> bool {
    enrolled.0 < size.max(1) && revoked.is_none_or(|r| r.0 >= size)
}

/// What the rules need to know about an earlier source.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub sha256: Hash,
    pub length: u64,
    pub redacted: bool,
}

/// The log before the entry being checked.
pub trait History {
    /// An enrolled key (shared, not copied: it is asked for every entry).
    fn key(&self, fp: &Fingerprint) -> Result<Option<Rc<KeyInfo>>>;
    /// Admin keys enrolled and not revoked.
    fn active_admins(&self) -> Result<u64>;
    /// Seq and entry hash of an earlier item.
    fn item(&self, id: ItemId) -> Result<Option<(Seq, Hash)>>;
    fn source(&self, n: u64) -> Result<Option<SourceInfo>>;
    /// An earlier source with these exact bytes, added by an entry that
    /// passed (on the append path every entry did).
    fn source_with_sha(&self, sha: &Hash) -> Result<Option<u64>>;
    /// Claim number and signer of an earlier annotation.
    fn annotation(&self, n: u64) -> Result<Option<(u64, Fingerprint)>>;
    /// Who signed the entry that made source or claim `id` (asked only of
    /// a claim's retraction or a source's amendment, so it may be slow);
    /// `None` for an item not made, or of another kind.
    fn item_signer(&self, id: ItemId) -> Result<Option<Fingerprint>>;
    /// The entry that retracted claim `n`, if one did.
    fn retraction(&self, n: u64) -> Result<Option<Seq>>;
    /// The entry that retracted annotation `n`, if one did.
    fn annotation_retraction(&self, n: u64) -> Result<Option<Seq>>;
    /// Stored text of a source, if present (shared: verify reads a text
    /// once for all the claims that quote it).
    fn blob(&self, sha: &Hash) -> Result<Option<std::rc::Rc<SourceText>>>;
    /// Root of the tree over the first `size` entries, if `size` is at most
    /// the number of entries before the one being checked.
    fn tree_root(&self, size: u64) -> Result<Option<Hash>>;
    /// Every key enrolled before the entry being checked, revoked ones
    /// included (asked only of a checkpoint, so it may be slow).
    fn keys(&self) -> Result<Vec<Rc<KeyInfo>>>;
}

/// The signed-note verifier keys of `keys` that could sign a checkpoint of
/// `size` entries ([`live_at`]), each with its key: an admin's under the
/// origin (type 0x01, the log's signature), an auditor's under its
/// principal (type 0x04, a cosignature). These are the keys whose lines in
/// a note must verify (C2SP signed notes); verify, bundles and
/// `verify-published` judge a checkpoint by them, stored in the log or
/// kept beside it. Keys that cannot be read as Ed25519 give none.
pub fn note_verifiers(
    keys: &[Rc<KeyInfo>],
    origin: &str,
    size: u64,
) -> Vec<(crate::checkpoint::VerifierKey, Rc<KeyInfo>)> {
    let mut out: Vec<_> = keys
        .iter()
        .filter(|k| live_at(k.enrolled, k.revoked, size))
        .filter_map(|k| {
            let vk = k.public.verifying_key();
            note_vkey(origin, k.role, &k.name, vk).map(|v| (v, k.clone()))
        })
        .collect();
    out.sort_by_key(|(_, k)| k.enrolled); // names in enrolment order
    out
}

/// The signed-note verifier key of an enrolled key of `role` and `name`:
/// an admin's under the origin (type 0x01, the log's signature), an
/// auditor's under its principal (type 0x04, a cosignature); none for an
/// analyst, who signs no note.
pub fn note_vkey(
    origin: &str,
    role: Role,
    name: &str,
    vk: ed25519_dalek::VerifyingKey,
) -> Option<crate::checkpoint::VerifierKey> {
    use crate::checkpoint::{KeyType, VerifierKey};
    match role {
        Role::Admin => VerifierKey::new(origin, KeyType::Ed25519, vk).ok(),
        Role::Auditor => {
            VerifierKey::new(&crate::keys::principal(name), KeyType::CosignatureV1, vk).ok()
        }
        _ => None,
    }
}

/// Whether an item signed by `owner` is not `signer`'s own ([`same_person`]):
/// `None` when it is, else who signed it, for the message (" (Rana
/// Haddad, SHA256:…)", or nothing for an item not found).
fn not_own(
    h: &dyn History,
    owner: Option<Fingerprint>,
    signer: &Fingerprint,
) -> Result<Option<String>> {
    let Some(fp) = owner else {
        return Ok(Some(String::new()));
    };
    if same_person(h, &fp, signer)? {
        return Ok(None);
    }
    // A key revoked since is said to be: its person may sign with a new
    // key under the same name, which the refusal named only by the old.
    Ok(Some(match h.key(&fp)? {
        Some(k) => match k.revoked {
            Some(r) => format!(
                " ({}, {fp}, a key revoked at entry {r})",
                crate::text::escape(&k.name)
            ),
            None => format!(" ({}, {fp})", crate::text::escape(&k.name)),
        },
        None => format!(" ({fp})"),
    }))
}

/// Whether keys `a` and `b` sign for one person: the same key, or two keys
/// enrolled under the same name (byte for byte) with the same role. That
/// is a rotated key: `key add` gives a name that an unrevoked key holds to
/// no other key, and a revoked key's name only when asked with `--name`
/// and for the same role (`log::check_enrolment_name`), so a person whose
/// laptop was stolen is enrolled again under their name once the old key
/// is revoked, and goes on superseding their annotations and retracting
/// their claims. The role must match so that a name alone never lends an
/// analyst's key what a former admin signed. What this does not prove is
/// that a name is a person: the admins who enroll keys vouch for that.
///
/// The earlier of the two keys must have been revoked before the later one
/// was enrolled, as `key add` requires: a second key enrolled under a name
/// whose key is still live (signed outside claimtrail) is not that person,
/// and what it signs cannot supersede or retract theirs.
pub fn same_person(h: &dyn History, a: &Fingerprint, b: &Fingerprint) -> Result<bool> {
    if a == b {
        return Ok(true);
    }
    Ok(match (h.key(a)?, h.key(b)?) {
        (Some(a), Some(b)) => {
            let (old, new) = if a.enrolled < b.enrolled {
                (&a, &b)
            } else {
                (&b, &a)
            };
            a.name == b.name && a.role == b.role && old.revoked.is_some_and(|r| r < new.enrolled)
        }
        _ => false,
    })
}

/// The admins of a replayed key set that are not revoked: what
/// [`History::active_admins`] answers for verify and `verify-published`,
/// which replay the keys with [`apply_key_change`].
pub fn active_admins(keys: &std::collections::HashMap<Fingerprint, Rc<KeyInfo>>) -> u64 {
    keys.values()
        .filter(|k| k.role == Role::Admin && k.revoked.is_none())
        .count() as u64
}

/// What an entry that passed its checks does to the set of enrolled keys:
/// `log.init` and `key.add` enroll, `key.revoke` ends a key from that entry
/// on. Verify, bundle verification and verify-published replay keys with
/// this one function.
pub fn apply_key_change(
    keys: &mut std::collections::HashMap<Fingerprint, Rc<KeyInfo>>,
    header: &Header,
    body: &Body,
) {
    match body {
        Body::LogInit(b) => {
            if let Ok(public) = PublicKey::from_openssh(&b.key) {
                keys.insert(
                    header.signer.clone(),
                    Rc::new(KeyInfo {
                        public,
                        name: b.name.clone(),
                        role: Role::Admin,
                        enrolled: header.seq,
                        revoked: None,
                    }),
                );
            }
        }
        Body::KeyAdd(b) => {
            if let Ok(public) = PublicKey::from_openssh(&b.key) {
                keys.insert(
                    public.fingerprint().clone(),
                    Rc::new(KeyInfo {
                        public,
                        name: b.name.clone(),
                        role: b.role,
                        enrolled: header.seq,
                        revoked: None,
                    }),
                );
            }
        }
        Body::KeyRevoke(b) => {
            if let Some(k) = keys.get_mut(&b.fingerprint) {
                Rc::make_mut(k).revoked = Some(header.seq);
            }
        }
        _ => {}
    }
}

/// The media type of every source text (claimtrail stores UTF-8 text).
pub const MEDIA_TYPE: &str = "text/plain; charset=utf-8";

/// Checks that the signer may sign this entry at this point of the log.
pub fn authorize(
    h: &dyn History,
    header: &Header,
    body: &Body,
) -> Result<Result<Rc<KeyInfo>, Violation>> {
    if let Body::LogInit(b) = body {
        let key = match PublicKey::from_openssh(&b.key) {
            Ok(k) => k,
            Err(e) => return Ok(Err(v(Check::Body, format!("log.init key: {e}")))),
        };
        if key.fingerprint() != &header.signer {
            return Ok(Err(v(
                Check::Authorization,
                "log.init is not signed by the key it enrolls",
            )));
        }
        return Ok(Ok(Rc::new(KeyInfo {
            public: key,
            name: b.name.clone(),
            role: Role::Admin,
            enrolled: header.seq,
            revoked: None,
        })));
    }
    let Some(key) = h.key(&header.signer)? else {
        return Ok(Err(v(
            Check::Authorization,
            format!("signer {} is not enrolled", header.signer),
        )));
    };
    if let Some(r) = key.revoked {
        return Ok(Err(v(
            Check::Authorization,
            format!("signer {} was revoked at entry {r}", header.signer),
        )));
    }
    let kind = body.kind();
    if !kind.allowed_roles().contains(&key.role) {
        return Ok(Err(v(
            Check::Authorization,
            format!(
                "signer {} has role {}, which may not sign {kind}",
                header.signer, key.role
            ),
        )));
    }
    Ok(Ok(key))
}

/// A claim an annotation names (as its subject, or as evidence in the
/// list `link`) must not have been retracted: a retracted claim is out of
/// the current view. A link says which list names it, so that the
/// annotation's own claim is not taken for the one refused.
fn not_retracted(
    h: &dyn History,
    claim: &Ref,
    link: Option<&str>,
) -> Result<Result<(), Violation>> {
    Ok(match (h.retraction(claim.id.n)?, link) {
        (None, _) => Ok(()),
        (Some(at), None) => Err(v(
            Check::Reference,
            format!("{} was retracted at entry {at}", claim.id),
        )
        .hint(format!(
            "`claimtrail show {}` says why, and which claim replaces it",
            claim.id
        ))),
        (Some(at), Some(list)) => Err(v(
            Check::Reference,
            format!("{list} refers to {}, which was retracted at entry {at}", claim.id),
        )
        .hint(format!(
            "link the claim that replaces it, if one does (`claimtrail show {}` says), or leave it out",
            claim.id
        ))),
    })
}

fn check_ref(h: &dyn History, what: &str, r: &Ref, want: IdKind) -> Result<Result<Seq, Violation>> {
    if r.id.kind != want {
        return Ok(Err(v(
            Check::Reference,
            format!("{what} refers to {}, which is not {}", r.id, want.a_noun()),
        )));
    }
    Ok(match h.item(r.id)? {
        None => Err(v(
            Check::Reference,
            format!(
                "{what} refers to {}, which does not exist before this entry",
                r.id
            ),
        )),
        Some((_, hash)) if hash != r.hash => Err(v(
            Check::Reference,
            format!(
                "{what} refers to {} with hash {}, but that entry's hash is {}",
                r.id, r.hash, hash
            ),
        )),
        Some((seq, _)) => Ok(seq),
    })
}

fn short(h: &Hash) -> String {
    h.to_hex()[..12].to_string()
}

/// Checks a body's meaning against the history. Authorization is separate
/// ([`authorize`]); blob contents are checked here only where a claim needs
/// the source's text (`quote`), and only if the text is still stored.
pub fn check_body(h: &dyn History, header: &Header, body: &Body) -> Result<Result<(), Violation>> {
    if (header.seq.0 == 0) != matches!(body, Body::LogInit(_)) {
        return Ok(Err(v(
            Check::Body,
            "log.init must be the first entry, and only the first",
        )));
    }
    match body {
        Body::LogInit(b) => {
            if PublicKey::from_openssh(&b.key)
                .map(|k| k.to_openssh())
                .ok()
                .as_deref()
                != Some(b.key.as_str())
            {
                return Ok(Err(v(
                    Check::Body,
                    "log.init key is not written as `ssh-ed25519 BASE64` without comment",
                )));
            }
            if b.origin != header.log {
                return Ok(Err(v(
                    Check::Body,
                    "log.init origin differs from the header's log",
                )));
            }
            if let Err(e) = check_origin(&b.origin) {
                return Ok(Err(v(Check::Body, e)));
            }
            if b.name.trim().is_empty() {
                return Ok(Err(v(Check::Body, "key name is empty")));
            }
        }
        Body::KeyAdd(b) => {
            let key = match PublicKey::from_openssh(&b.key) {
                Ok(k) => k,
                Err(e) => return Ok(Err(v(Check::Body, format!("key.add key: {e}")))),
            };
            if key.to_openssh() != b.key {
                return Ok(Err(v(
                    Check::Body,
                    "key.add key is not written as `ssh-ed25519 BASE64` without comment",
                )));
            }
            if b.name.trim().is_empty() {
                return Ok(Err(v(Check::Body, "key name is empty")));
            }
            if let Some(k) = h.key(key.fingerprint())? {
                if let Some(r) = k.revoked {
                    return Ok(Err(v(
                        Check::Body,
                        format!(
                            "key {} was enrolled (entry {}) as {} and revoked at entry {r}",
                            key.fingerprint(),
                            k.enrolled,
                            k.name
                        ),
                    )
                    .hint(
                        "a revoked key never signs again: make a new key with \
                         `claimtrail key new PATH` and enroll that",
                    )));
                }
                let hint = match k.role == b.role {
                    // Enrolled again as it is: nothing to do.
                    true => {
                        "a key is enrolled once, and this one already has that role, as \
                             `claimtrail key list` shows: nothing to do"
                    }
                    false => {
                        "a key is enrolled once, as `claimtrail key list` shows; for \
                              another role, make a new key and enroll that"
                    }
                };
                return Ok(Err(v(
                    Check::Body,
                    format!(
                        "key {} is already enrolled (entry {}) as {}",
                        key.fingerprint(),
                        k.enrolled,
                        k.name
                    ),
                )
                .hint(hint)));
            }
            // Keys under one name sign for one person (`same_person`): a
            // second key under a live key's name would be taken for that
            // person by every view. `key add` refuses it; verify does too,
            // so that a log signed otherwise cannot hold it.
            if let Some(k) = h
                .keys()?
                .into_iter()
                .find(|k| k.name == b.name && k.revoked.is_none())
            {
                return Ok(Err(v(
                    Check::Body,
                    format!(
                        "the name {} is held by the live key {} (enrolled at entry {})",
                        text::escape(&b.name),
                        k.public.fingerprint(),
                        k.enrolled
                    ),
                )
                .hint(
                    "a person's new key is enrolled under their name once the old one is \
                     revoked (`claimtrail key revoke`); any other key gets a name of its own",
                )));
            }
        }
        Body::KeyRevoke(b) => {
            let Some(k) = h.key(&b.fingerprint)? else {
                return Ok(Err(v(
                    Check::Reference,
                    format!("key {} is not enrolled", b.fingerprint),
                )
                .hint("see `claimtrail key list` for the enrolled keys")));
            };
            if let Some(r) = k.revoked {
                return Ok(Err(v(
                    Check::Body,
                    format!("key {} was already revoked at entry {r}", b.fingerprint),
                )
                .hint("nothing to do: see `claimtrail key list`")));
            }
            if k.role == Role::Admin && h.active_admins()? <= 1 {
                return Ok(Err(v(
                    Check::Body,
                    format!("key {} ({}) is the last admin key; revoking it would leave nobody able to enroll keys", crate::text::escape(&k.name), b.fingerprint),
                )
                .hint("enroll another admin first with `claimtrail key add KEY.pub --role admin --name \"NAME\"` (a name no enrolled key holds: the new key of the same person takes one of its own, such as \"Desk admin 2027\"), then revoke this key")));
            }
            if let Err(e) = reason_given(body) {
                return Ok(Err(e));
            }
        }
        Body::SourceAdd(b) => {
            if b.length == 0 {
                return Ok(Err(v(Check::Body, "source length is 0")));
            }
            if b.media_type != MEDIA_TYPE {
                return Ok(Err(v(
                    Check::Body,
                    format!("media type `{}` is not `{MEDIA_TYPE}`", b.media_type),
                )));
            }
            if let Err(e) = crate::clock::check_utc(&b.retrieved) {
                return Ok(Err(v(Check::Body, format!("retrieved: {e}"))));
            }
            if let Some(p) = &b.published {
                if let Err(e) = crate::clock::check_published(p) {
                    return Ok(Err(v(Check::Body, format!("published: {e}"))));
                }
            }
            if let Some(n) = h.source_with_sha(&b.sha256)? {
                // The hint `source add` gives before the lock (a second
                // `source add` of the same file at once gets it here).
                return Ok(Err(v(
                    Check::Body,
                    format!("S{n} already has these exact bytes"),
                )
                .hint(format!("use S{n}; see `claimtrail show S{n}`"))));
            }
            for r in &b.derived_from {
                if let Err(e) = check_ref(h, "derived_from", r, IdKind::Source)? {
                    return Ok(Err(e));
                }
            }
            if let Some(twice) = listed_twice(&b.derived_from) {
                return Ok(Err(v(
                    Check::Body,
                    format!("derived_from lists {twice} twice"),
                )
                .hint("list each source once")));
            }
        }
        Body::SourceRedact(b) => {
            if let Err(e) = check_ref(h, "source", &b.source, IdKind::Source)? {
                return Ok(Err(e));
            }
            if h.source(b.source.id.n)?.is_some_and(|s| s.redacted) {
                return Ok(Err(v(
                    Check::Body,
                    format!("{} is already redacted", b.source.id),
                )
                .hint("nothing to do: its text is already gone")));
            }
            if let Err(e) = reason_given(body) {
                return Ok(Err(e));
            }
        }
        Body::SourceAmend(b) => {
            let id = b.source.id;
            if let Err(e) = check_ref(h, "source", &b.source, IdKind::Source)? {
                return Ok(Err(e));
            }
            if b.changes().is_empty() {
                return Ok(Err(v(
                    Check::Body,
                    format!("the amendment of {id} corrects no field"),
                )
                .hint("give at least one of --title, --publisher, --author, --url, --published, --kind, or --clear a field")));
            }
            if let Some(p) = &b.published {
                if let Err(e) = crate::clock::check_published(p) {
                    return Ok(Err(v(Check::Body, format!("published: {e}"))));
                }
            }
            // The analyst who added the source (a rotated key of theirs
            // included: `same_person`), or an admin. An unenrolled signer
            // is refused by `authorize` already.
            let analyst = h
                .key(&header.signer)?
                .is_some_and(|k| k.role == Role::Analyst);
            if analyst {
                if let Some(by) = not_own(h, h.item_signer(id)?, &header.signer)? {
                    return Ok(Err(v(
                        Check::Authorization,
                        format!(
                            "{id} was added by another key{by}; an analyst amends only the sources they added",
                        ),
                    )
                    .hint(format!(
                        "ask the analyst who added {id}, or an admin, to amend it"
                    ))));
                }
            }
            if let Err(e) = reason_given(body) {
                return Ok(Err(e));
            }
        }
        Body::ClaimAdd(b) => {
            if let Err(e) = check_ref(h, "source", &b.source, IdKind::Source)? {
                return Ok(Err(e));
            }
            let Some(src) = h.source(b.source.id.n)? else {
                return Ok(Err(v(
                    Check::Reference,
                    format!("{} is unknown", b.source.id),
                )));
            };
            if src.redacted {
                return Ok(Err(v(
                    Check::Reference,
                    format!("{} was redacted before this claim", b.source.id),
                )
                .hint("its text is gone and cannot be quoted: quote another source")));
            }
            if b.start >= b.end || b.end > src.length {
                return Ok(Err(v(
                    Check::Body,
                    format!(
                        "span {}..{} is empty or outside the source's {} bytes",
                        b.start, b.end, src.length
                    ),
                )));
            }
            if b.speaker.trim().is_empty() {
                return Ok(Err(v(Check::Body, "speaker is empty")));
            }
            if let Some(text) = h.blob(&src.sha256)? {
                if let Err(e) = check_quote(&text, b) {
                    return Ok(Err(v(Check::Quote, e)));
                }
            }
        }
        Body::ClaimRetract(b) => {
            if let Err(e) = check_ref(h, "claim", &b.claim, IdKind::Claim)? {
                return Ok(Err(e));
            }
            if let Some(at) = h.retraction(b.claim.id.n)? {
                return Ok(Err(v(
                    Check::Body,
                    format!("{} was already retracted at entry {at}", b.claim.id),
                )
                .hint(format!(
                    "nothing to do: `claimtrail show {}` shows the retraction",
                    b.claim.id
                ))));
            }
            let analyst = h
                .key(&header.signer)?
                .is_some_and(|k| k.role == Role::Analyst);
            if analyst {
                let added_by = h.item_signer(b.claim.id)?;
                if let Some(by) = not_own(h, added_by, &header.signer)? {
                    return Ok(Err(v(
                        Check::Authorization,
                        format!(
                            "{} was added by another key{by}; an analyst retracts only their own claims",
                            b.claim.id,
                        ),
                    )
                    .hint("ask an admin to retract it, or annotate it with your judgment")));
                }
            }
            if let Err(e) = reason_given(body) {
                return Ok(Err(e));
            }
            if let Some(r) = &b.replaced_by {
                if let Err(e) = check_ref(h, "replaced_by", r, IdKind::Claim)? {
                    return Ok(Err(e));
                }
                if r.id == b.claim.id {
                    return Ok(Err(v(
                        Check::Body,
                        format!("{} cannot replace itself", r.id),
                    )
                    .hint(
                        "name the claim that records it correctly, or leave --replaced-by out",
                    )));
                }
                if let Some(at) = h.retraction(r.id.n)? {
                    return Ok(Err(v(
                        Check::Reference,
                        format!(
                            "replaced_by refers to {}, which was retracted at entry {at}",
                            r.id
                        ),
                    )
                    .hint("name a claim that stands")));
                }
            }
        }
        Body::AnnotationRetract(b) => {
            let a = b.annotation.id;
            if let Err(e) = check_ref(h, "annotation", &b.annotation, IdKind::Annotation)? {
                return Ok(Err(e));
            }
            if let Some(at) = h.annotation_retraction(a.n)? {
                return Ok(Err(v(
                    Check::Body,
                    format!("{a} was already retracted at entry {at}"),
                )
                .hint(format!(
                    "nothing to do: `claimtrail show {a}` shows the retraction"
                ))));
            }
            // An unenrolled signer is refused by `authorize` already.
            let not_admin = h
                .key(&header.signer)?
                .is_some_and(|k| k.role != Role::Admin);
            if not_admin {
                let signed_by = h.annotation(a.n)?.map(|(_, fp)| fp);
                if let Some(by) = not_own(h, signed_by, &header.signer)? {
                    return Ok(Err(v(
                        Check::Authorization,
                        format!(
                            "{a} was signed by another key{by}; an analyst or auditor retracts only their own annotations",
                        ),
                    )
                    .hint("ask an admin to retract it, or annotate the claim with your own judgment beside it")));
                }
            }
            if let Err(e) = reason_given(body) {
                return Ok(Err(e));
            }
        }
        Body::AnnotationAdd(b) => {
            if let Err(e) = check_ref(h, "claim", &b.claim, IdKind::Claim)? {
                return Ok(Err(e));
            }
            if let Err(e) = not_retracted(h, &b.claim, None)? {
                return Ok(Err(e));
            }
            for (what, refs) in [
                ("corroborates", &b.corroborates),
                ("contradicts", &b.contradicts),
            ] {
                for r in refs {
                    if let Err(e) = check_ref(h, what, r, IdKind::Claim)? {
                        return Ok(Err(e));
                    }
                    if let Err(e) = not_retracted(h, r, Some(what))? {
                        return Ok(Err(e));
                    }
                    if r.id == b.claim.id {
                        return Ok(Err(v(
                            Check::Body,
                            format!("{what} links {} to itself", r.id),
                        )
                        .hint(
                            "a claim corroborates or contradicts other claims: name another one",
                        )));
                    }
                }
            }
            let mut all: Vec<Ref> = b.corroborates.clone();
            all.extend(&b.contradicts);
            if let Some(twice) = listed_twice(&all) {
                return Ok(Err(v(
                    Check::Body,
                    format!("{twice} is listed twice in corroborates/contradicts"),
                )
                .hint("list each claim once, as corroborated or as contradicted")));
            }
            if let Some(s) = &b.supersedes {
                if let Err(e) = check_ref(h, "supersedes", s, IdKind::Annotation)? {
                    return Ok(Err(e));
                }
                if let Some(at) = h.annotation_retraction(s.id.n)? {
                    return Ok(Err(v(
                        Check::Reference,
                        format!("{} was retracted at entry {at}", s.id),
                    )
                    .hint(format!(
                        "a retracted annotation is superseded by nothing: `claimtrail show {}` says why; annotate without --supersedes",
                        s.id
                    ))));
                }
                match h.annotation(s.id.n)? {
                    Some((claim, signer))
                        if claim == b.claim.id.n && same_person(h, &signer, &header.signer)? => {}
                    // Which of the two does not hold, said apart: an
                    // analyst's own annotation of another claim was told
                    // it was not "by the same signer".
                    Some((claim, _)) if claim != b.claim.id.n => {
                        let other = ItemId::claim(claim);
                        return Ok(Err(v(
                            Check::Body,
                            format!("{} is an annotation of {other}, not of {}, so it cannot be superseded by this one", s.id, b.claim.id),
                        )
                        .hint(format!("to replace it, annotate {other} with --supersedes {}; to judge {} beside it, leave --supersedes out", s.id, b.claim.id))));
                    }
                    // Whose it is, named: "not an annotation of C1 by the
                    // same signer" read as if A1 were of another claim.
                    Some((_, signer)) => {
                        let whose = match h.key(&signer)? {
                            Some(k) => format!("{}'s", crate::text::escape(&k.name)),
                            None => format!("{signer}'s"),
                        };
                        return Ok(Err(v(
                            Check::Body,
                            format!("{} is {whose} annotation of {}, not the signer's own, so it cannot be superseded by this one", s.id, b.claim.id),
                        )
                        .hint(format!("supersede one of your own annotations of {0}, which `claimtrail list annotations --claim {0}` lists, or none, to annotate beside the others", b.claim.id))));
                    }
                    None => return Ok(Err(v(Check::Reference, format!("{} is unknown", s.id)))),
                }
            }
        }
        Body::CheckpointAdd(b) => {
            if b.size != header.seq.0 {
                return Ok(Err(v(
                    Check::Checkpoint,
                    format!(
                        "checkpoint size {} is not the number of entries before it ({})",
                        b.size, header.seq
                    ),
                )));
            }
            match h.tree_root(b.size)? {
                Some(root) if root == b.root => {}
                Some(root) => {
                    return Ok(Err(v(
                        Check::Checkpoint,
                        format!(
                            "checkpoint root {} is not the tree root {} of the first {}",
                            short(&b.root),
                            short(&root),
                            crate::text::count(b.size, "entry")
                        ),
                    )))
                }
                None => return Ok(Err(v(Check::Checkpoint, "no tree of that size"))),
            }
            if let Err(e) = check_note(h, header, b)? {
                return Ok(Err(v(Check::Checkpoint, e)));
            }
        }
    }
    Ok(Ok(()))
}

/// The reason that a revocation, redaction or retraction must give. It is
/// checked by [`check_body`] in its place among the body rules, and by
/// the commands before the signer's key is unlocked
/// ([`crate::log::precheck`]), so that nobody types a passphrase for a
/// refusal.
pub fn reason_given(body: &Body) -> std::result::Result<(), Violation> {
    if !body.reason().is_some_and(|r| r.trim().is_empty()) {
        return Ok(());
    }
    let (what, shown_by) = match body {
        Body::KeyRevoke(_) => ("revocation", "`claimtrail key list`".to_string()),
        Body::SourceRedact(b) => ("redaction", format!("`claimtrail show {}`", b.source.id)),
        Body::SourceAmend(b) => ("amendment", format!("`claimtrail show {}`", b.source.id)),
        Body::ClaimRetract(b) => ("retraction", format!("`claimtrail show {}`", b.claim.id)),
        Body::AnnotationRetract(b) => (
            "retraction",
            format!("`claimtrail show {}`", b.annotation.id),
        ),
        _ => return Ok(()),
    };
    Err(v(
        Check::Body,
        format!(
            "{} {what} needs a reason",
            if what.starts_with('a') { "an" } else { "a" }
        ),
    )
    .hint(format!(
        "say why with --reason: it is signed, and {shown_by} shows it"
    )))
}

/// The stored note must be a checkpoint of this log, size and root, signed
/// under the origin by the entry's own signer; and, as for any note, every
/// line of a key the log had at that size must verify ([`note_verifiers`]).
/// A line of any other key is ignored: it proves nothing either way.
fn check_note(
    h: &dyn History,
    header: &Header,
    b: &CheckpointAdd,
) -> Result<std::result::Result<(), String>> {
    use crate::checkpoint::{verify_note, Checkpoint, SignedNote};
    let note = match SignedNote::parse(b.note.as_bytes()) {
        Ok(n) => n,
        Err(e) => return Ok(Err(format!("stored note: {e}"))),
    };
    let cp = match Checkpoint::parse(note.text()) {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("stored note: {e}"))),
    };
    if cp.origin != header.log || cp.size.0 != b.size || cp.root != b.root {
        return Ok(Err(
            "stored note's origin, size or root differs from the entry".into(),
        ));
    }
    let Some(key) = h.key(&header.signer)? else {
        return Ok(Err("the signer is not enrolled".into()));
    };
    let vkey = crate::tree::log_vkey(&header.log, &key.public)?;
    let mut known: Vec<_> = note_verifiers(&h.keys()?, &header.log, b.size)
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    if !known.contains(&vkey) {
        known.push(vkey.clone());
    }
    match verify_note(&note, &known) {
        Ok(v) if v.verified_by(&vkey) => Ok(Ok(())),
        Ok(_) => Ok(Err(
            "the note is not signed by the entry's signer under the origin".into(),
        )),
        Err(e @ crate::checkpoint::NoteError::BadSignature { .. }) => Ok(Err(format!(
            "stored note: {e} (every line of a key the log had at size {} must verify)",
            b.size
        ))),
        Err(e) => Ok(Err(format!("note signature: {e}"))),
    }
}

/// The first id listed twice in `refs`, by its number, if any: named in
/// the message (`--corroborates C3 --contradicts C3` was "a claim is
/// listed twice", which left the analyst to find which).
fn listed_twice(refs: &[Ref]) -> Option<ItemId> {
    let mut ids: Vec<ItemId> = refs.iter().map(|r| r.id).collect();
    ids.sort_by_key(|i| i.n);
    ids.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

/// Checks that the claim's span, quote hash and context match the source text.
pub fn check_quote(source: &SourceText, b: &ClaimAdd) -> std::result::Result<(), String> {
    let text = source
        .text()
        .ok_or_else(|| "source text is not UTF-8".to_string())?;
    let (start, end) = (b.start as usize, b.end as usize);
    let quote = text::span(text, start, end)?;
    if Hash::sha256(quote.as_bytes()) != b.quote_sha256 {
        return Err(format!(
            "the text at {start}..{end} does not match quote_sha256"
        ));
    }
    if text::prefix(text, start) != b.prefix {
        return Err(format!("prefix does not match the text before {start}"));
    }
    if text::suffix(text, end) != b.suffix {
        return Err(format!("suffix does not match the text after {end}"));
    }
    Ok(())
}

/// An origin is one line of printable text: it is the first line of every
/// checkpoint (C2SP tlog-checkpoint).
pub fn check_origin(origin: &str) -> std::result::Result<(), String> {
    if origin.is_empty() || origin.len() > 256 {
        return Err("the origin must be 1 to 256 bytes, e.g. newsroom.example/idlib-2022".into());
    }
    if origin
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '+')
    {
        return Err(format!("the origin `{}` must not contain spaces, `+` or control characters (it names the log's checkpoint key); use e.g. newsroom.example/idlib-2022", text::escape(origin)));
    }
    if origin.starts_with("cosignature/") {
        return Err(
            "the origin must not start with `cosignature/` (reserved by C2SP cosignatures)".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers for the one rule of checkpoint signers: the log's first
    /// key signs every tree, the empty one included; a key enrolled at entry
    /// 5 signs trees of 6 entries and more; one revoked at entry 9 signs
    /// trees of up to 9 entries (entries 0–8), not 10.
    #[test]
    fn a_key_is_live_at_the_sizes_it_was_enrolled_for() {
        assert!(live_at(Seq(0), None, 0));
        assert!(live_at(Seq(0), None, 1));
        assert!(!live_at(Seq(5), None, 5));
        assert!(live_at(Seq(5), None, 6));
        assert!(live_at(Seq(5), Some(Seq(9)), 9));
        assert!(!live_at(Seq(5), Some(Seq(9)), 10));
    }
}
