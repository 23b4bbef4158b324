//! Checkpoints: the log's signed statement "the tree of my first N entries
//! has root R", as C2SP signed notes, plus auditors' cosignatures.
//!
//! Formats (all public specifications, so an auditor can check them without
//! claimtrail, e.g. with golang.org/x/mod/sumdb/note or transparency-dev
//! tooling):
//!
//! * **c2sp.org/tlog-checkpoint** — the note text: origin line, tree size in
//!   decimal, base64 root hash, optional extension lines, each ending in
//!   `\n`. See [`Checkpoint`].
//! * **c2sp.org/signed-note** — text, a blank line, then one line per
//!   signature: `— <key name> <base64(key ID[4] || signature)>\n` (U+2014 em
//!   dash). Ed25519 signatures (type `0x01`) are over the note text; the key ID
//!   is `SHA-256(name || "\n" || 0x01 || public key)[:4]`. See [`SignedNote`],
//!   [`VerifierKey`], [`verify_note`].
//! * **c2sp.org/tlog-cosignature** — an Ed25519 cosignature (type `0x04`) is a
//!   note signature whose bytes are an 8-byte big-endian POSIX timestamp then
//!   an Ed25519 signature over `cosignature/v1\ntime <timestamp>\n<note text>`.
//!   See [`SignedNote::add_cosignature`], [`verify_cosignature`].
//!
//! **Cosigner keys.** A cosigner (an auditor) is identified, as the
//! cosignature spec allows, by a signed-note verifier key of signature type
//! `0x04`: `<name>+<hex key ID>+<base64(0x04 || 32-byte Ed25519 public key)>`,
//! whose key ID is `SHA-256(name || "\n" || 0x04 || public key)[:4]`. It is a
//! [`VerifierKey`] with [`KeyType::CosignatureV1`]; the log's own key is a
//! [`VerifierKey`] with [`KeyType::Ed25519`] (`0x01`). Both kinds can be passed
//! to [`verify_note`] together.
//!
//! Untrusted input: [`SignedNote::parse`], [`Checkpoint::parse`] and
//! [`VerifierKey::parse`] accept arbitrary bytes and return an error, never
//! panic; notes over [`MAX_NOTE_BYTES`] or with more than [`MAX_SIGNATURES`]
//! signature lines are refused before any signature is checked.

use crate::hash::Hash;
use crate::merkle::TreeSize;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Largest signed note accepted (1 MiB). The signed-note spec asks verifiers
/// to bound notes; a checkpoint with a few signatures is well under 1 KiB.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// Most signature lines accepted in one note. The spec requires accepting at
/// least 16; golang.org/x/mod/sumdb/note also stops at 100.
pub const MAX_SIGNATURES: usize = 100;

/// Signed-note signature type of plain Ed25519 note signatures.
pub const SIG_TYPE_ED25519: u8 = 0x01;

/// Signed-note signature type of Ed25519 `cosignature/v1` cosignatures.
pub const SIG_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// First line of the message a `cosignature/v1` signs (domain separation).
pub const COSIGNATURE_V1_HEADER: &str = "cosignature/v1";

/// Prefix of every signature line: U+2014 em dash and a space.
const SIG_LINE_PREFIX: &str = "\u{2014} ";

/// Length of a `cosignature/v1` signature: timestamp and Ed25519 signature.
const COSIG_LEN: usize = 8 + 64;

/// Longest piece of offending input quoted in an error message.
const SNIPPET: usize = 80;

fn snippet(s: &str) -> String {
    if s.chars().count() <= SNIPPET {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(SNIPPET).collect();
        t.push('…');
        t
    }
}

/// Why a checkpoint's text is not a valid c2sp.org/tlog-checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Every line, the last included, must end with `\n`.
    #[error("checkpoint text does not end with a newline")]
    MissingFinalNewline,
    /// Origin, tree size and root hash are mandatory.
    #[error("checkpoint text has {}; it needs at least 3 (origin, tree size, root hash)", crate::text::count(*.0 as u64, "line"))]
    TooFewLines(usize),
    /// The origin (line 1) is empty.
    #[error("checkpoint origin (line 1) is empty")]
    EmptyOrigin,
    /// Line 2 is not a canonical decimal `u64`.
    #[error("checkpoint tree size (line 2) {0:?} is not a decimal number without leading zeros that fits in 64 bits")]
    BadSize(String),
    /// Line 3 is not base64 of 32 bytes.
    #[error("checkpoint root hash (line 3) {0:?} is not the standard base64 encoding of 32 bytes")]
    BadRoot(String),
    /// Extension lines, when present, must be non-empty.
    #[error("checkpoint line {0} (an extension line) is empty")]
    EmptyExtension(usize),
    /// A character below U+0020 (such as `\r`, a tab, or a newline inside a
    /// field) would make the text ambiguous or not a valid signed note.
    #[error("checkpoint line {line} contains control character U+{code:04X}")]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
        /// The character's code point.
        code: u32,
    },
}

/// A c2sp.org/tlog-checkpoint: the tree head a log signs.
///
/// What a valid signature on it proves: the key holder asserted that the log
/// named `origin` had `size` entries whose Merkle root is `root`. It does
/// *not* prove that the log is consistent with earlier checkpoints (use
/// [`crate::merkle::verify_consistency`]) or that any entry is in it (use
/// [`crate::merkle::verify_inclusion`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity (claimtrail: the origin fixed at `init`).
    pub origin: String,
    /// Number of entries committed to.
    pub size: TreeSize,
    /// RFC 6962 root of the first `size` entries.
    pub root: Hash,
    /// Opaque extension lines (not recommended by the spec; kept verbatim).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: TreeSize, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: `origin\nsize\nbase64(root)\n` then each extension line
    /// and `\n`. Only meaningful if [`Checkpoint::validate`] passes.
    pub fn to_note_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root.0)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Checks that [`Checkpoint::to_note_text`] gives text that
    /// [`Checkpoint::parse`] reads back as this checkpoint: non-empty origin,
    /// non-empty extension lines, no character below U+0020 (so no newline)
    /// in either.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        no_control(&self.origin, 1)?;
        for (i, e) in self.extensions.iter().enumerate() {
            if e.is_empty() {
                return Err(CheckpointError::EmptyExtension(i + 4));
            }
            no_control(e, i + 4)?;
        }
        Ok(())
    }

    /// Parses a checkpoint note text strictly per c2sp.org/tlog-checkpoint:
    /// at least three lines, each ending in `\n`; non-empty origin; tree size
    /// in decimal without leading zeros; root hash the standard (padded,
    /// canonical) base64 of exactly 32 bytes; extension lines non-empty; no
    /// character below U+0020 (as in any signed note).
    ///
    /// Parse the text only *after* its signature verified (see
    /// [`open_checkpoint`]): the spec says unverified text must be ignored.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        for (i, l) in lines.iter().enumerate() {
            no_control(l, i + 1)?;
        }
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines(lines.len()));
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_tree_size(size).ok_or_else(|| CheckpointError::BadSize(snippet(size)))?;
        let root = STANDARD
            .decode(root)
            .ok()
            .and_then(|b| Hash::from_slice(&b))
            .ok_or_else(|| CheckpointError::BadRoot(snippet(root)))?;
        let mut ext = Vec::with_capacity(extensions.len());
        for (i, e) in extensions.iter().enumerate() {
            if e.is_empty() {
                return Err(CheckpointError::EmptyExtension(i + 4));
            }
            ext.push((*e).to_string());
        }
        Ok(Checkpoint {
            origin: (*origin).to_string(),
            size,
            root,
            extensions: ext,
        })
    }
}

fn no_control(s: &str, line: usize) -> Result<(), CheckpointError> {
    match s.chars().find(|&c| c < ' ') {
        Some(c) => Err(CheckpointError::ControlCharacter {
            line,
            code: c as u32,
        }),
        None => Ok(()),
    }
}

/// ASCII decimal, no sign, no leading zeros (except `0` itself), fits `u64`.
fn parse_tree_size(s: &str) -> Option<TreeSize> {
    let b = s.as_bytes();
    let canonical = !b.is_empty()
        && b.iter().all(u8::is_ascii_digit)
        && (b.len() == 1 || b.first() != Some(&b'0'));
    if !canonical {
        return None;
    }
    s.parse::<u64>().ok().map(TreeSize)
}

/// A signed-note key ID: the first four bytes, big-endian, of
/// `SHA-256(name || "\n" || signature type || public key)`. Displayed as 8
/// lowercase hex digits.
///
/// It identifies a key; it is far too short to authenticate one, which is why
/// a verifier must already hold the full public key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// The key ID of `name` with `sig_type_and_pubkey` = signature type byte
/// followed by the public key (`0x01 || key` for note signatures,
/// `0x04 || key` for cosignatures).
pub fn key_id(name: &str, sig_type_and_pubkey: &[u8]) -> KeyId {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(sig_type_and_pubkey);
    let digest: [u8; 32] = h.finalize().into();
    let [a, b, c, d, ..] = digest;
    KeyId(u32::from_be_bytes([a, b, c, d]))
}

/// What a key signs, i.e. its signed-note signature type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum KeyType {
    /// `0x01`: Ed25519 signature over the note text (the log's checkpoints).
    Ed25519,
    /// `0x04`: timestamped Ed25519 `cosignature/v1` (auditors' cosignatures).
    CosignatureV1,
}

impl KeyType {
    /// The signature type byte.
    pub fn type_byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => SIG_TYPE_ED25519,
            KeyType::CosignatureV1 => SIG_TYPE_COSIGNATURE_V1,
        }
    }

    /// A short, stable name for scripts (`--json`): `ed25519` or
    /// `cosignature/v1`, as C2SP's signed-note and tlog-cosignature specs
    /// call the two algorithms.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Ed25519 => "ed25519",
            KeyType::CosignatureV1 => "cosignature/v1",
        }
    }

    fn from_type_byte(b: u8) -> Option<KeyType> {
        match b {
            SIG_TYPE_ED25519 => Some(KeyType::Ed25519),
            SIG_TYPE_COSIGNATURE_V1 => Some(KeyType::CosignatureV1),
            _ => None,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Ed25519 => f.write_str("Ed25519 note signature (type 0x01)"),
            KeyType::CosignatureV1 => f.write_str("Ed25519 cosignature/v1 (type 0x04)"),
        }
    }
}

/// Why a note, key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Lines of a note of another text cannot be added to this one.
    #[error("the file now holds another note than the one read")]
    OtherText,
    /// The note exceeds [`MAX_NOTE_BYTES`].
    #[error("signed note is larger than the {max} bytes accepted")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Signed notes must be UTF-8.
    #[error("signed note is not valid UTF-8 (at byte {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// Signed notes must not contain control characters other than `\n`.
    #[error("signed note contains control character U+{code:04X} at byte {offset} (only newline is allowed)")]
    ControlCharacter {
        /// Byte offset.
        offset: usize,
        /// The character's code point.
        code: u32,
    },
    /// A carriage return: the note was saved with Windows line endings
    /// (a mail client, an editor), which change the signed text.
    #[error("signed note has Windows line endings (a carriage return, U+000D, at byte {offset}): convert it back with `dos2unix FILE` (or `sed -i 's/\\r$//' FILE`); the signature covers the text with newlines alone")]
    CarriageReturn {
        /// Byte offset of the first one.
        offset: usize,
    },
    /// A blank line after the last signature line, as a note pasted from
    /// a mail gets: the note ends with its last signature line.
    #[error("signed note has a blank line after its signature lines: remove the empty line at its end (a note ends with its last signature line's newline)")]
    BlankLineAtEnd,
    /// The note begins with U+FEFF, which editors on some systems add.
    #[error("signed note begins with a byte order mark (U+FEFF), which an editor added: remove it (the signed text begins with the origin)")]
    ByteOrderMark,
    /// No `\n\n` separates text and signatures.
    #[error("signed note has no blank line separating its text from the signature lines")]
    MissingSignatureBlock,
    /// Nothing at all, or white space only (an empty download, a file
    /// truncated to nothing): said as such, not as a missing blank line.
    #[error("the file is empty{}", if *.0 == 0 { String::new() } else { format!(" (only white space, {} bytes)", .0) })]
    Empty(usize),
    /// Nothing after the blank line, or the last line lacks its `\n`.
    #[error("signed note's signature block is empty or does not end with a newline")]
    UnterminatedSignatureBlock,
    /// A signature line is not `— <name> <base64>`.
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignatureLine {
        /// 1-based number among the signature lines.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("signed note has more than {max} signature lines")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// Text to sign must be non-empty and end with `\n`.
    #[error("note text must be non-empty and end with a newline")]
    TextNotNewlineTerminated,
    /// A key name must be non-empty, without Unicode spaces, `+` or control
    /// characters.
    #[error("key name {0:?} is invalid: it must be non-empty and contain no spaces, '+' or control characters")]
    InvalidKeyName(String),
    /// A verifier key string is not `name+keyid+base64`.
    #[error("verifier key is malformed: {0} (expected <name>+<8 hex digits>+<base64 of type byte and public key>)")]
    MalformedVerifierKey(&'static str),
    /// A verifier key of a signature type this module does not implement.
    #[error("verifier key has signature type 0x{0:02x}; only 0x01 (Ed25519) and 0x04 (Ed25519 cosignature/v1) are supported")]
    UnsupportedKeyType(u8),
    /// The 32 bytes are not a valid Ed25519 public key.
    #[error("verifier key's public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    /// The key ID in a verifier key does not match its name and key.
    #[error("verifier key states key ID {stated} but its name and public key give {computed}")]
    KeyIdMismatch {
        /// The ID written in the key.
        stated: KeyId,
        /// The ID computed from name, type and key.
        computed: KeyId,
    },
    /// Two different keys with the same name and key ID were given.
    #[error("two different verifier keys share the name {name:?} and key ID {key_id}")]
    AmbiguousKey {
        /// The shared name.
        name: String,
        /// The shared key ID.
        key_id: KeyId,
    },
    /// A signature line from a known key failed to verify: the note was
    /// altered, or signed by someone else under that name and key ID.
    #[error("signature by {name}+{key_id} does not verify: {reason}")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
        /// What failed.
        reason: &'static str,
    },
    /// None of the signature lines is from a known key. Each line is
    /// named (`name+keyid`), as `key vkey` names the keys: after a
    /// rotation, a genuine old file, another log of the same name and a
    /// forgery read alike, and the key ID is what tells them apart.
    #[error("{}", match signers.as_slice() {
        [one] => format!("the note's one signature line ({one}) is not from a known key"),
        all => format!("none of the note's {} signature lines ({}) is from a known key", all.len(), all.join(", ")),
    })]
    NoKnownSignature {
        /// The lines, as `name+keyid`.
        signers: Vec<String>,
    },
    /// The note carries no signature line of the given key.
    #[error("the note has no signature line from {name}+{key_id}")]
    MissingSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// A key of the wrong type was used.
    #[error("key {name}+{key_id} is not an {expected} key")]
    WrongKeyType {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
        /// The type needed.
        expected: KeyType,
    },
    /// Cosignature timestamps must not exceed 2^63 - 1.
    #[error("cosignature timestamp {0} exceeds 2^63 - 1")]
    TimestampTooLarge(u64),
    /// The note text is not a valid checkpoint.
    #[error("note text is not a valid checkpoint: {0}")]
    NotACheckpoint(#[from] CheckpointError),
    /// Signatures verified, but none is the log's own (an Ed25519
    /// signature under the log's origin): a cosigner, or a key given under
    /// another name, signed this text alone.
    #[error("it is signed by {} but not by the log `{origin}` itself: the log signs under its origin, and a signature under another name, a cosigner's or another key's, counts beside it, never instead of it", names.join(", "))]
    NotSignedByLog {
        /// The log's origin, the name its own signature must carry.
        origin: String,
        /// The names whose signatures did verify.
        names: Vec<String>,
    },
    /// The note's lines under the log's origin are by other keys of the
    /// log than those given under that name: after an admin's key is
    /// rotated, an auditor's file holds the old admin's line, and the
    /// advice "give the log's verifier key too" told them to give what
    /// they had given. But a log made up under the same origin (a forged
    /// bundle or checkpoint) reads the same, so the message says that
    /// first, and sends the reader to the publisher for the current keys,
    /// never to the key ID the note carries (which anyone can make a
    /// key for). (It said "give the verifier key of the admin who signed
    /// it … the new one starts with `ORIGIN+<the note's key ID>`", which
    /// pointed a reader of a forged bundle at the forger's key. Red team.)
    #[error("its signature by the log `{origin}` (key ID {}) is by a key you did not give (the log's key you gave has key ID {}){}: this may be another log under the same name, or a forgery; only if you know that the log's admin key was rotated, get the verifier key of the admin who signed it from the log's publisher through your own channel (`claimtrail key vkey` prints the current admins' keys; an admin revoked since, who signed before the rotation, is made with `claimtrail key vkey --origin ORIGIN --pub THEIR.pub`) and check again, never with a key taken from what you are checking", key_ids.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "), given.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "), if names.is_empty() { String::new() } else { format!(", and only {} verified", names.join(", ")) })]
    OtherAdminsKey {
        /// The log's origin.
        origin: String,
        /// The key IDs of the note's lines under that name.
        key_ids: Vec<KeyId>,
        /// The key IDs given under that name.
        given: Vec<KeyId>,
        /// The names whose signatures did verify.
        names: Vec<String>,
    },
    /// Signatures verified, none of them the log's own, and the note does
    /// carry a line under the log's origin that no key given could check:
    /// the log's own verifier key was not among those given (an auditor
    /// passed only their own line of `key vkey`). Not a finding about the
    /// note: the same note may well verify with the log's key.
    #[error("its signature by the log `{origin}` (key ID {}) was not checked: no key given is the log's own{}; give the log's verifier key too (the line of `claimtrail key vkey` that starts with `{origin}+`)", key_ids.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "), if names.is_empty() { String::new() } else { format!(", and only {} verified", names.join(", ")) })]
    LogKeyNotGiven {
        /// The log's origin, the name its own signature carries.
        origin: String,
        /// The key IDs of the note's lines under that name.
        key_ids: Vec<KeyId>,
        /// The names whose signatures did verify.
        names: Vec<String>,
    },
    /// No signature verified, and the log keys given (Ed25519, type 0x01)
    /// are all under other origins: the note is another log's than the
    /// one the caller trusts. [`NoteError::LogKeyNotGiven`]'s advice, to
    /// give the note's own log key, would make another log's bundle or
    /// directory pass where this log's was expected.
    #[error("it names the log `{origin}`, and the log key given is of {}: another log than the one you trust, and no signature in it is by a key given", logs.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", "))]
    OtherLog {
        /// The note's origin.
        origin: String,
        /// The origins of the log keys given.
        logs: Vec<String>,
    },
}

/// Key names: non-empty, no Unicode white space, no `+`, no control
/// characters (signed-note, plus the note-wide control-character rule).
fn check_key_name(name: &str) -> Result<(), NoteError> {
    let ok = !name.is_empty()
        && !name
            .chars()
            .any(|c| c == '+' || c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName(snippet(name)))
    }
}

/// A public key trusted to sign notes, in signed-note "verifier key" form:
/// `<name>+<hex key ID>+<base64(signature type || public key)>`.
///
/// [`KeyType::Ed25519`] keys verify plain note signatures (the log's
/// checkpoints), [`KeyType::CosignatureV1`] keys verify auditors'
/// cosignatures. The key ID is always recomputed, never trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_type: KeyType,
    key: VerifyingKey,
    key_id: KeyId,
}

impl VerifierKey {
    /// A verifier key for `key` under `name`.
    pub fn new(name: &str, key_type: KeyType, key: VerifyingKey) -> Result<VerifierKey, NoteError> {
        check_key_name(name)?;
        let key_id = key_id(name, &type_and_key(key_type, &key));
        Ok(VerifierKey {
            name: name.to_string(),
            key_type,
            key,
            key_id,
        })
    }

    /// Parses `<name>+<8 hex digits>+<base64>`, checking the name, the
    /// signature type (0x01 or 0x04), the public key, and that the stated key
    /// ID is the one computed from them.
    pub fn parse(s: &str) -> Result<VerifierKey, NoteError> {
        let (name, rest) = s
            .split_once('+')
            .ok_or(NoteError::MalformedVerifierKey("no '+' after the name"))?;
        let (id_hex, key64) = rest
            .split_once('+')
            .ok_or(NoteError::MalformedVerifierKey("no '+' after the key ID"))?;
        check_key_name(name)?;
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NoteError::MalformedVerifierKey(
                "the key ID is not 8 hex digits",
            ));
        }
        let stated = u32::from_str_radix(id_hex, 16)
            .map(KeyId)
            .map_err(|_| NoteError::MalformedVerifierKey("the key ID is not 8 hex digits"))?;
        // `name+id+key  # the desk's key`: a comment pasted after the key.
        // Several lines: `VKEY=$(claimtrail key vkey)` of a log with an
        // auditor enrolled holds two keys, said as "after a space".
        if key64.contains(['\n', '\r']) {
            return Err(NoteError::MalformedVerifierKey(
                "it holds several lines, one key each, where a --vkey value is one key",
            ));
        }
        if key64.contains(char::is_whitespace) {
            return Err(NoteError::MalformedVerifierKey(
                "text follows the key after a space (a key is one word; a comment goes on a line of its own, after #)",
            ));
        }
        let bytes = STANDARD
            .decode(key64)
            .map_err(|_| NoteError::MalformedVerifierKey("the key is not valid base64"))?;
        let (type_byte, public) = bytes
            .split_first()
            .ok_or(NoteError::MalformedVerifierKey("the key is empty"))?;
        let key_type =
            KeyType::from_type_byte(*type_byte).ok_or(NoteError::UnsupportedKeyType(*type_byte))?;
        let public: [u8; 32] = public.try_into().map_err(|_| {
            NoteError::MalformedVerifierKey("an Ed25519 public key must be 32 bytes")
        })?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::InvalidPublicKey)?;
        let computed = key_id(name, &bytes);
        if computed != stated {
            return Err(NoteError::KeyIdMismatch { stated, computed });
        }
        Ok(VerifierKey {
            name: name.to_string(),
            key_type,
            key,
            key_id: computed,
        })
    }

    /// The key name (for a log: its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What this key verifies.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The signed-note key ID.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    fn matches(&self, sig: &NoteSignature) -> bool {
        self.name == sig.name && self.key_id == sig.key_id
    }

    /// Verifies one signature line against `text`; for a cosignature returns
    /// its timestamp.
    fn verify_signature(&self, text: &str, sig: &NoteSignature) -> Result<Option<u64>, NoteError> {
        let bad = |reason| NoteError::BadSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            reason,
        };
        match self.key_type {
            KeyType::Ed25519 => {
                let s = Signature::from_slice(&sig.signature)
                    .map_err(|_| bad("an Ed25519 signature is 64 bytes"))?;
                self.key
                    .verify_strict(text.as_bytes(), &s)
                    .map_err(|_| bad("Ed25519 verification failed (altered text or wrong key)"))?;
                Ok(None)
            }
            KeyType::CosignatureV1 => {
                let (ts, s) = split_cosignature(&sig.signature).ok_or_else(|| {
                    bad("a cosignature is an 8-byte timestamp and a 64-byte signature")
                })?;
                if ts > i64::MAX as u64 {
                    return Err(bad("cosignature timestamp exceeds 2^63 - 1"));
                }
                self.key
                    .verify_strict(&cosignature_message(text, ts), &s)
                    .map_err(|_| {
                        bad("Ed25519 verification failed (altered text or timestamp, or wrong key)")
                    })?;
                Ok(Some(ts))
            }
        }
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}+{}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(type_and_key(self.key_type, &self.key))
        )
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;
    fn from_str(s: &str) -> Result<VerifierKey, NoteError> {
        VerifierKey::parse(s)
    }
}

/// A signature made elsewhere that does not verify with the key it is to be
/// added under.
fn unverified(name: &str, key_id: KeyId) -> NoteError {
    NoteError::BadSignature {
        name: name.to_string(),
        key_id,
        reason: "the signature to be added does not verify",
    }
}

fn type_and_key(t: KeyType, key: &VerifyingKey) -> Vec<u8> {
    let mut v = Vec::with_capacity(33);
    v.push(t.type_byte());
    v.extend_from_slice(key.as_bytes());
    v
}

fn split_cosignature(b: &[u8]) -> Option<(u64, Signature)> {
    if b.len() != COSIG_LEN {
        return None;
    }
    let (ts, sig) = b.split_at(8);
    let ts = u64::from_be_bytes(ts.try_into().ok()?);
    Some((ts, Signature::from_slice(sig).ok()?))
}

/// The exact message an Ed25519 `cosignature/v1` signs
/// (c2sp.org/tlog-cosignature): `cosignature/v1\n`, `time <timestamp>\n`
/// (decimal, no leading zeros), then the whole note text.
pub fn cosignature_message(note_text: &str, timestamp: u64) -> Vec<u8> {
    format!("{COSIGNATURE_V1_HEADER}\ntime {timestamp}\n{note_text}").into_bytes()
}

/// One signature line of a note: key name, key ID, and the signature bytes
/// that follow the key ID (64 for Ed25519, 72 for a cosignature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    name: String,
    key_id: KeyId,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// The key name on the line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID (first four bytes of the base64 payload).
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The signature bytes after the key ID.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The line, `— <name> <base64(key ID || signature)>\n`.
    pub fn to_line(&self) -> String {
        let mut payload = Vec::with_capacity(4 + self.signature.len());
        payload.extend_from_slice(&self.key_id.0.to_be_bytes());
        payload.extend_from_slice(&self.signature);
        format!(
            "{SIG_LINE_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(payload)
        )
    }

    fn parse(line: &str, number: usize) -> Result<NoteSignature, NoteError> {
        let bad = |reason| NoteError::MalformedSignatureLine {
            line: number,
            reason,
        };
        let rest = line
            .strip_prefix(SIG_LINE_PREFIX)
            .ok_or_else(|| bad("it does not start with an em dash (U+2014) and a space"))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| bad("no space between the key name and the signature"))?;
        if check_key_name(name).is_err() {
            return Err(bad(
                "the key name is empty or contains a space, '+' or control character",
            ));
        }
        let raw = STANDARD
            .decode(b64)
            .map_err(|_| bad("the signature is not canonical standard base64"))?;
        let (id, sig) = raw
            .split_first_chunk::<4>()
            .filter(|(_, sig)| !sig.is_empty())
            .ok_or_else(|| bad("the signature is shorter than a key ID and one byte"))?;
        Ok(NoteSignature {
            name: name.to_string(),
            key_id: KeyId(u32::from_be_bytes(*id)),
            signature: sig.to_vec(),
        })
    }
}

/// A c2sp.org/signed-note: text (ending in `\n`) and at least one signature
/// line.
///
/// The fields are private so that a `SignedNote` always serializes to a note
/// that [`SignedNote::parse`] reads back identically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Parses a signed note from untrusted bytes. Checks the format only;
    /// signatures are checked by [`verify_note`].
    ///
    /// Rules (signed-note spec, as golang.org/x/mod/sumdb/note applies them):
    /// at most [`MAX_NOTE_BYTES`]; UTF-8; no control characters but `\n`;
    /// the text ends at the *last* blank line; after it, 1 to
    /// [`MAX_SIGNATURES`] lines `— <name> <base64>\n` with a valid key name
    /// and at least 5 decoded bytes.
    pub fn parse(msg: &[u8]) -> Result<SignedNote, NoteError> {
        if msg.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge {
                size: msg.len(),
                max: MAX_NOTE_BYTES,
            });
        }
        if msg.trim_ascii().is_empty() {
            return Err(NoteError::Empty(msg.len()));
        }
        let s = std::str::from_utf8(msg).map_err(|e| NoteError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        // An editor's byte order mark: said as such, as a CRLF is, not
        // read into the origin (which then named "another log", and made
        // the signature fail as if the text had been altered).
        if s.starts_with('\u{feff}') {
            return Err(NoteError::ByteOrderMark);
        }
        if let Some((offset, c)) = s.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
            if c == '\r' {
                return Err(NoteError::CarriageReturn { offset });
            }
            return Err(NoteError::ControlCharacter {
                offset,
                code: c as u32,
            });
        }
        // A note whose signatures are followed by blank lines: what the
        // rule below reads as an empty signature block after the last
        // blank line is said as what it is. Still refused: the signed-note
        // format ends with the last signature line.
        let trimmed = s.trim_end_matches('\n');
        if s.len() > trimmed.len() + 1 && trimmed.contains("\n\n") {
            return Err(NoteError::BlankLineAtEnd);
        }
        let split = s.rfind("\n\n").ok_or(NoteError::MissingSignatureBlock)?;
        let (text, sigs) = match (s.get(..split + 1), s.get(split + 2..)) {
            (Some(t), Some(g)) => (t, g),
            _ => return Err(NoteError::MissingSignatureBlock),
        };
        let lines = sigs
            .strip_suffix('\n')
            .filter(|b| !b.is_empty())
            .ok_or(NoteError::UnterminatedSignatureBlock)?;
        let mut signatures = Vec::new();
        for (i, line) in lines.split('\n').enumerate() {
            if i >= MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures {
                    max: MAX_SIGNATURES,
                });
            }
            signatures.push(NoteSignature::parse(line, i + 1)?);
        }
        Ok(SignedNote {
            text: text.to_string(),
            signatures,
        })
    }

    /// Signs `text` with an Ed25519 key (signature type `0x01`) under `name`.
    ///
    /// `text` must be non-empty, end with `\n` and contain no control
    /// character but `\n`.
    pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<SignedNote, NoteError> {
        let mut note = SignedNote::unsigned(text)?;
        note.add_signature(name, key)?;
        Ok(note)
    }

    /// A note of `text` with no signature yet, to be signed elsewhere and
    /// given its line with [`SignedNote::add_signed`]. Same rules for `text`
    /// as [`SignedNote::sign`].
    pub fn unsigned(text: &str) -> Result<SignedNote, NoteError> {
        check_note_text(text)?;
        Ok(SignedNote {
            text: text.to_string(),
            signatures: Vec::new(),
        })
    }

    /// Adds an Ed25519 (`0x01`) signature of the text by `key` under `name`,
    /// replacing an earlier signature line with the same name and key ID.
    pub fn add_signature(&mut self, name: &str, key: &SigningKey) -> Result<(), NoteError> {
        let sig = key.sign(self.text.as_bytes());
        self.add_signed(name, &key.verifying_key(), &sig)
    }

    /// Adds an Ed25519 (`0x01`) signature of the text made elsewhere (by an
    /// ssh-agent) by `key` under `name`. The signature is checked first, so
    /// a note never carries a line that does not verify.
    pub fn add_signed(
        &mut self,
        name: &str,
        key: &VerifyingKey,
        sig: &Signature,
    ) -> Result<(), NoteError> {
        check_key_name(name)?;
        let key_id = key_id(name, &type_and_key(KeyType::Ed25519, key));
        key.verify_strict(self.text.as_bytes(), sig)
            .map_err(|_| unverified(name, key_id))?;
        self.put(NoteSignature {
            name: name.to_string(),
            key_id,
            signature: sig.to_bytes().to_vec(),
        })
    }

    /// Adds a c2sp.org/tlog-cosignature `cosignature/v1` by `key` under
    /// `name` (signature type `0x04`), made at `timestamp` (POSIX seconds),
    /// replacing an earlier line with the same name and key ID.
    ///
    /// Refuses a note whose text is not a checkpoint. The cosigner asserts,
    /// by this signature, that this is the largest consistent tree head it
    /// has seen for the origin as of `timestamp`: check consistency *before*
    /// cosigning. Use a key that signs nothing but cosignatures: the message
    /// does not commit to `name`.
    pub fn add_cosignature(
        &mut self,
        name: &str,
        key: &SigningKey,
        timestamp: u64,
    ) -> Result<(), NoteError> {
        let sig = key.sign(&cosignature_message(&self.text, timestamp));
        self.add_cosigned(name, &key.verifying_key(), timestamp, &sig)
    }

    /// Adds a cosignature made elsewhere: `sig` signs
    /// [`cosignature_message`] of this note at `timestamp`. Checked as
    /// [`SignedNote::add_signed`] is.
    pub fn add_cosigned(
        &mut self,
        name: &str,
        key: &VerifyingKey,
        timestamp: u64,
        sig: &Signature,
    ) -> Result<(), NoteError> {
        check_key_name(name)?;
        Checkpoint::parse(&self.text)?;
        if timestamp > i64::MAX as u64 {
            return Err(NoteError::TimestampTooLarge(timestamp));
        }
        let key_id = key_id(name, &type_and_key(KeyType::CosignatureV1, key));
        key.verify_strict(&cosignature_message(&self.text, timestamp), sig)
            .map_err(|_| unverified(name, key_id))?;
        let mut bytes = Vec::with_capacity(COSIG_LEN);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&sig.to_bytes());
        self.put(NoteSignature {
            name: name.to_string(),
            key_id,
            signature: bytes,
        })
    }

    /// Adds the lines of `other`, a note of the same text, that this one
    /// lacks (by name and key ID): two cosigners writing one file at once
    /// each add their line to what the file holds when they write, not to
    /// what it held when they read it. Refuses a note of another text.
    pub fn add_lines_of(&mut self, other: &SignedNote) -> Result<(), NoteError> {
        if other.text != self.text {
            return Err(NoteError::OtherText);
        }
        for sig in &other.signatures {
            let held = self
                .signatures
                .iter()
                .any(|s| s.name == sig.name && s.key_id == sig.key_id);
            if !held {
                self.put(sig.clone())?;
            }
        }
        Ok(())
    }

    fn put(&mut self, sig: NoteSignature) -> Result<(), NoteError> {
        let mut sigs: Vec<NoteSignature> = self
            .signatures
            .iter()
            .filter(|s| !(s.name == sig.name && s.key_id == sig.key_id))
            .cloned()
            .collect();
        sigs.push(sig);
        if sigs.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        let size = self.text.len() + 1 + sigs.iter().map(|s| s.to_line().len()).sum::<usize>();
        if size > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge {
                size,
                max: MAX_NOTE_BYTES,
            });
        }
        self.signatures = sigs;
        Ok(())
    }

    /// The note text (what the signatures sign), final newline included.
    /// Do not act on it before [`verify_note`] succeeded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// [`NoteError::NoKnownSignature`] of this note.
    pub fn no_known_signature(&self) -> NoteError {
        NoteError::NoKnownSignature {
            signers: self
                .signatures
                .iter()
                .map(|l| format!("{}+{}", l.name, l.key_id))
                .collect(),
        }
    }

    /// The signature lines by none of `keys` (matched by name and key ID),
    /// as `name+keyid`: lines a check by those keys leaves unread, as C2SP
    /// signed notes ask, and which every check names, since a reader of
    /// the file sees what looks like a cosignature.
    pub fn lines_unchecked_by<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k VerifierKey> + Clone,
    ) -> Vec<String> {
        self.signatures
            .iter()
            .filter(|l| {
                !keys
                    .clone()
                    .into_iter()
                    .any(|k| k.name() == l.name() && k.key_id() == l.key_id())
            })
            .map(|l| format!("{}+{}", l.name(), l.key_id()))
            .collect()
    }

    /// The serialized note: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for SignedNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.signatures {
            f.write_str(&s.to_line())?;
        }
        Ok(())
    }
}

fn check_note_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextNotNewlineTerminated);
    }
    if text.len() >= MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge {
            size: text.len(),
            max: MAX_NOTE_BYTES,
        });
    }
    if let Some((offset, c)) = text.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
        return Err(NoteError::ControlCharacter {
            offset,
            code: c as u32,
        });
    }
    Ok(())
}

/// One signature that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// Key name.
    pub name: String,
    /// Key ID.
    pub key_id: KeyId,
    /// Plain signature or cosignature.
    pub key_type: KeyType,
    /// For a cosignature, its timestamp (POSIX seconds).
    pub timestamp: Option<u64>,
}

/// The outcome of [`verify_note`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// One entry per known key whose signature verified, in note order.
    pub signatures: Vec<VerifiedSignature>,
    /// Signature lines from keys not given to [`verify_note`] (name, key ID),
    /// ignored as the spec requires: they were *not* checked.
    pub unknown: Vec<(String, KeyId)>,
}

impl Verified {
    /// Whether `key` is among the keys whose signature verified.
    pub fn verified_by(&self, key: &VerifierKey) -> bool {
        self.signatures
            .iter()
            .any(|s| s.name == key.name && s.key_id == key.key_id && s.key_type == key.key_type)
    }
}

/// Verifies a note's signatures against known keys, per c2sp.org/signed-note:
/// lines whose (name, key ID) match no known key are ignored (listed in
/// [`Verified::unknown`]); every line that matches a known key must verify,
/// else the whole note is refused; at least one must match and verify.
///
/// Success means "at least one of `keys` signed this text", not "all of them"
/// and not "the log's key": a note signed only by a cosigner passes if that
/// cosigner's key is given. A checkpoint is judged with [`verify_log_note`],
/// which requires the log's own signature; check [`Verified::verified_by`]
/// for any further key you require.
pub fn verify_note(note: &SignedNote, keys: &[VerifierKey]) -> Result<Verified, NoteError> {
    for (i, k) in keys.iter().enumerate() {
        let clash = keys.iter().take(i).any(|o| {
            o.name == k.name && o.key_id == k.key_id && (o.key != k.key || o.key_type != k.key_type)
        });
        if clash {
            return Err(NoteError::AmbiguousKey {
                name: k.name.clone(),
                key_id: k.key_id,
            });
        }
    }
    let mut out = Verified {
        signatures: Vec::new(),
        unknown: Vec::new(),
    };
    for sig in &note.signatures {
        match keys.iter().find(|k| k.matches(sig)) {
            None => {
                let id = (sig.name.clone(), sig.key_id);
                if !out.unknown.contains(&id) {
                    out.unknown.push(id);
                }
            }
            Some(k) => {
                let timestamp = k.verify_signature(&note.text, sig)?;
                if !out.verified_by(k) {
                    out.signatures.push(VerifiedSignature {
                        name: k.name.clone(),
                        key_id: k.key_id,
                        key_type: k.key_type,
                        timestamp,
                    });
                }
            }
        }
    }
    if out.signatures.is_empty() {
        return Err(note.no_known_signature());
    }
    Ok(out)
}

/// [`verify_note`], and then what makes a checkpoint the log's: among the
/// signatures that verified is an Ed25519 one (type 0x01) under the log's
/// origin. A cosignature (c2sp.org/tlog-cosignature) says that its
/// cosigner saw this checkpoint; it does not replace the log's signature,
/// so a note that verifies only under cosigners' keys, or only under keys
/// of other names (another log's, given by mistake), is refused here
/// with [`NoteError::NotSignedByLog`], whichever keys the caller trusts.
///
/// It does not prove that the keys given are the log's: that is the
/// caller's trust (an admin key the log enrolled, or a `--vkey` obtained
/// independently).
pub fn verify_log_note(
    note: &SignedNote,
    origin: &str,
    keys: &[VerifierKey],
) -> Result<Verified, NoteError> {
    let verified = match verify_note(note, keys) {
        // Only a cosigner's key given, and a note the log alone signed
        // (as the log stores them): the log's key is what is missing,
        // not a known line. It said "not from a known key", where
        // `checkpoint verify` of a cosigned note names the key to give.
        // And no signature line under a log key's name given: a note of
        // this log whose origin line alone was edited is not another log's.
        Err(NoteError::NoKnownSignature { .. })
            if !keys.iter().any(|k| k.name == origin)
                && keys.iter().any(|k| k.key_type == KeyType::Ed25519)
                && !note
                    .signatures
                    .iter()
                    .any(|l| keys.iter().any(|k| k.name == l.name)) =>
        {
            let mut logs: Vec<String> = keys
                .iter()
                .filter(|k| k.key_type == KeyType::Ed25519)
                .map(|k| k.name.clone())
                .collect();
            logs.dedup();
            return Err(NoteError::OtherLog {
                origin: origin.to_string(),
                logs,
            });
        }
        // The log's name given, with another key ID than the note's
        // lines under it: another admin's key (a rotation).
        Err(NoteError::NoKnownSignature { .. })
            if keys
                .iter()
                .any(|k| k.name == origin && k.key_type == KeyType::Ed25519)
                && note.signatures.iter().any(|l| l.name == origin) =>
        {
            return Err(other_admins_key(note, origin, keys, Vec::new()));
        }
        Err(NoteError::NoKnownSignature { .. })
            if !keys.iter().any(|k| k.name == origin)
                && note.signatures.iter().any(|l| l.name == origin) =>
        {
            return Err(NoteError::LogKeyNotGiven {
                origin: origin.to_string(),
                key_ids: note
                    .signatures
                    .iter()
                    .filter(|l| l.name == origin)
                    .map(|l| l.key_id)
                    .collect(),
                names: Vec::new(),
            });
        }
        v => v?,
    };
    let by_log = verified
        .signatures
        .iter()
        .any(|s| s.key_type == KeyType::Ed25519 && s.name == origin);
    let given = |l: &&NoteSignature| {
        keys.iter()
            .any(|k| k.name == l.name && k.key_id == l.key_id)
    };
    let unchecked: Vec<KeyId> = note
        .signatures
        .iter()
        .filter(|l| l.name == origin && !given(l))
        .map(|l| l.key_id)
        .collect();
    let named: Vec<String> = verified.signatures.iter().map(|s| s.name.clone()).collect();
    if !by_log
        && !unchecked.is_empty()
        && keys
            .iter()
            .any(|k| k.name == origin && k.key_type == KeyType::Ed25519)
    {
        return Err(other_admins_key(note, origin, keys, named));
    }
    if !by_log && !unchecked.is_empty() {
        return Err(NoteError::LogKeyNotGiven {
            origin: origin.to_string(),
            key_ids: unchecked,
            names: verified.signatures.iter().map(|s| s.name.clone()).collect(),
        });
    }
    if !by_log {
        return Err(NoteError::NotSignedByLog {
            origin: origin.to_string(),
            names: verified.signatures.iter().map(|s| s.name.clone()).collect(),
        });
    }
    Ok(verified)
}

impl NoteError {
    /// The error as said where the keys judged by are those a log's entries
    /// enroll, not keys a user gave: [`NoteError::OtherAdminsKey`]'s "the
    /// log's key given" is then no key given (`verify` and a bundle say
    /// what the entries hold, from [`NoteError::LogKeyNotGiven`]).
    pub fn as_enrolled(self) -> NoteError {
        match self {
            NoteError::OtherAdminsKey {
                origin,
                key_ids,
                names,
                ..
            } => NoteError::LogKeyNotGiven {
                origin,
                key_ids,
                names,
            },
            e => e,
        }
    }
}

/// [`NoteError::OtherAdminsKey`] of `note`, whose lines under `origin`
/// none of the log keys given (under that name) signed.
fn other_admins_key(
    note: &SignedNote,
    origin: &str,
    keys: &[VerifierKey],
    names: Vec<String>,
) -> NoteError {
    let given: Vec<KeyId> = keys
        .iter()
        .filter(|k| k.name == origin && k.key_type == KeyType::Ed25519)
        .map(|k| k.key_id)
        .collect();
    NoteError::OtherAdminsKey {
        origin: origin.to_string(),
        key_ids: note
            .signatures
            .iter()
            .filter(|l| l.name == origin && !given.contains(&l.key_id))
            .map(|l| l.key_id)
            .collect(),
        given,
        names,
    }
}

/// Verifies the cosignature of one cosigner (a [`KeyType::CosignatureV1`]
/// key) and returns its timestamp. Every line of that key must verify.
///
/// It proves the cosigner signed this exact text at that time; it does not
/// prove the log signed it (verify the log's key too) or that the timestamp
/// is not in the future (compare with your clock if that matters).
pub fn verify_cosignature(note: &SignedNote, cosigner: &VerifierKey) -> Result<u64, NoteError> {
    if cosigner.key_type != KeyType::CosignatureV1 {
        return Err(NoteError::WrongKeyType {
            name: cosigner.name.clone(),
            key_id: cosigner.key_id,
            expected: KeyType::CosignatureV1,
        });
    }
    let mut first = None;
    for sig in note.signatures.iter().filter(|s| cosigner.matches(s)) {
        let ts = cosigner.verify_signature(&note.text, sig)?;
        first = first.or(ts);
    }
    first.ok_or_else(|| NoteError::MissingSignature {
        name: cosigner.name.clone(),
        key_id: cosigner.key_id,
    })
}

/// Signs a checkpoint with the log's Ed25519 key under `name` (claimtrail:
/// the origin). Refuses a checkpoint that would not parse back.
pub fn sign_checkpoint(
    checkpoint: &Checkpoint,
    name: &str,
    key: &SigningKey,
) -> Result<SignedNote, NoteError> {
    checkpoint.validate()?;
    SignedNote::sign(&checkpoint.to_note_text(), name, key)
}

/// Why bytes handed over as a checkpoint (a file, a server's answer) are
/// not one: the signed note's error, or its text's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

impl ReadError {
    /// The hint for a file that did not read as a checkpoint: `default`
    /// (give a checkpoint file…), but for a checkpoint whose file was
    /// changed in a way the message itself says how to undo (Windows line
    /// endings, a byte order mark, a blank line at its end), where
    /// "give a checkpoint file" contradicted the advice before it.
    pub fn hint(&self, default: &str) -> String {
        match self {
            ReadError::Note(
                NoteError::CarriageReturn { .. } | NoteError::BlankLineAtEnd | NoteError::ByteOrderMark,
            ) => "undo what the editor or mail did, as said; the signatures cover the note as the log wrote it".into(),
            _ => default.into(),
        }
    }
}

/// Reads a signed note whose text is a checkpoint, verifying no signature:
/// what a file or a server hands over, parsed before it is judged. The
/// caller verifies it with [`verify_note`] under the keys it trusts (or
/// leaves that to a later check, as `mirror` leaves it to
/// `verify-published`).
pub fn read_signed_checkpoint(bytes: &[u8]) -> Result<(SignedNote, Checkpoint), ReadError> {
    let note = SignedNote::parse(bytes)?;
    let checkpoint = Checkpoint::parse(note.text())?;
    Ok((note, checkpoint))
}

/// Parses a signed checkpoint from untrusted bytes, verifies it with
/// [`verify_note`], and only then parses its text as a [`Checkpoint`].
///
/// The same caveat as [`verify_note`] applies: check
/// [`Verified::verified_by`] for the log's key (or use
/// [`verify_log_note`]), and compare the origin with the log you expect.
pub fn open_checkpoint(
    msg: &[u8],
    keys: &[VerifierKey],
) -> Result<(Checkpoint, Verified), NoteError> {
    let note = SignedNote::parse(msg)?;
    let verified = verify_note(&note, keys)?;
    let checkpoint = Checkpoint::parse(note.text())?;
    Ok((checkpoint, verified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{leaf_hash, root, MemTree};
    use proptest::prelude::*;

    /// Verifier key of the tessera test log (transparency-dev/tessera,
    /// testdata/log, via tests/vectors/README.md).
    const TESSERA_VKEY: &str =
        "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

    /// The 15 leaves of that log, one word per entry.
    const TESSERA_WORDS: [&str; 15] = [
        "one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven",
        "twelf", "threeten", "fourten", "fivten",
    ];

    /// The signed-note example of golang.org/x/mod sumdb/note/note_test.go.
    const PN_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PN_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PN_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const PN_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    /// Reads the golang.org/x/mod signer-key form
    /// `PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)`; test-only, so that
    /// the library has no private-key text format.
    fn parse_signer_key(s: &str) -> (String, SigningKey) {
        let rest = s.strip_prefix("PRIVATE+KEY+").unwrap();
        let (name, rest) = rest.split_once('+').unwrap();
        let (id, b64) = rest.split_once('+').unwrap();
        let raw = STANDARD.decode(b64).unwrap();
        assert_eq!(raw[0], SIG_TYPE_ED25519);
        let key = SigningKey::from_bytes(&raw[1..].try_into().unwrap());
        let want = key_id(name, &type_and_key(KeyType::Ed25519, &key.verifying_key()));
        assert_eq!(format!("{want}"), id);
        (name.to_string(), key)
    }

    fn vector(path: &str) -> Vec<u8> {
        let p = format!(
            "{}/tests/vectors/tessera-log/{path}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn tessera_key() -> VerifierKey {
        VerifierKey::parse(TESSERA_VKEY).unwrap()
    }

    fn cosigner() -> (SigningKey, VerifierKey) {
        let sk = SigningKey::from_bytes(&[7u8; 32]);
        let vk = VerifierKey::new(
            "auditor.example/w1",
            KeyType::CosignatureV1,
            sk.verifying_key(),
        )
        .unwrap();
        (sk, vk)
    }

    /// Every single-byte change of `msg` must make parsing or verification
    /// fail. Returns how many variants were tried.
    fn assert_every_byte_flip_fails(msg: &[u8], keys: &[VerifierKey]) -> usize {
        let mut n = 0;
        for i in 0..msg.len() {
            for mask in [0x01u8, 0x80] {
                let mut m = msg.to_vec();
                m[i] ^= mask;
                let ok = SignedNote::parse(&m)
                    .and_then(|note| verify_note(&note, keys))
                    .is_ok();
                assert!(!ok, "flipping byte {i} with {mask:#04x} still verifies");
                n += 1;
            }
        }
        n
    }

    #[test]
    fn peter_neumann_vector_signs_and_verifies() {
        let (name, sk) = parse_signer_key(PN_SKEY);
        let note = SignedNote::sign(PN_TEXT, &name, &sk).unwrap();
        assert_eq!(note.signatures().len(), 1);
        assert_eq!(note.signatures()[0].to_line(), PN_LINE);
        let msg = format!("{PN_TEXT}\n{PN_LINE}");
        assert_eq!(note.to_bytes(), msg.as_bytes());

        let vk = VerifierKey::parse(PN_VKEY).unwrap();
        assert_eq!(vk.to_string(), PN_VKEY);
        assert_eq!(vk.key_id(), KeyId(0xc74f20a3));
        assert_eq!(vk.public_key(), &sk.verifying_key());
        let parsed = SignedNote::parse(msg.as_bytes()).unwrap();
        assert_eq!(parsed, note);
        let v = verify_note(&parsed, std::slice::from_ref(&vk)).unwrap();
        assert!(v.verified_by(&vk));
        assert_eq!(v.signatures[0].timestamp, None);
        assert!(v.unknown.is_empty());

        assert!(assert_every_byte_flip_fails(msg.as_bytes(), &[vk]) > 200);
    }

    #[test]
    fn tessera_checkpoints_verify_and_match_the_merkle_roots() {
        let key = tessera_key();
        assert_eq!(key.to_string(), TESSERA_VKEY);
        let tree: MemTree = TESSERA_WORDS
            .iter()
            .map(|w| leaf_hash(w.as_bytes()))
            .collect();
        let mut checked = 0;
        for n in 0..=15u64 {
            let msg = vector(&format!("checkpoint.{n}"));
            let (cp, v) = open_checkpoint(&msg, std::slice::from_ref(&key))
                .unwrap_or_else(|e| panic!("checkpoint.{n}: {e}"));
            assert!(v.verified_by(&key));
            assert_eq!(cp.origin, "example.com/log/testdata");
            assert!(cp.extensions.is_empty());
            assert_eq!(cp.size, TreeSize(n));
            assert_eq!(
                cp.root,
                root(&tree, TreeSize(n)).unwrap(),
                "root at size {n}"
            );
            // Parsing and re-serializing is the identity.
            let note = SignedNote::parse(&msg).unwrap();
            assert_eq!(note.to_bytes(), msg);
            assert_eq!(cp.to_note_text(), note.text());
            checked += 1;
        }
        let latest = vector("checkpoint");
        let (cp, _) = open_checkpoint(&latest, &[key]).unwrap();
        assert_eq!(cp.size, TreeSize(15));
        assert_eq!(cp.root, tree.root());
        assert_eq!(checked + 1, 17);
    }

    #[test]
    fn tessera_tiles_hold_the_same_leaves() {
        // tile/0/000.p/15: the 15 leaf hashes; tile/entries/000.p/15: the
        // entries, each a big-endian u16 length and the bytes.
        let hashes = vector("tile/0/000.p/15");
        let want: Vec<u8> = TESSERA_WORDS
            .iter()
            .flat_map(|w| leaf_hash(w.as_bytes()).0)
            .collect();
        assert_eq!(hashes, want);
        let bundle = vector("tile/entries/000.p/15");
        let mut rest = bundle.as_slice();
        let mut words = vec![];
        while let Some((len, tail)) = rest.split_first_chunk::<2>() {
            let len = u16::from_be_bytes(*len) as usize;
            words.push(String::from_utf8(tail[..len].to_vec()).unwrap());
            rest = &tail[len..];
        }
        assert_eq!(words, TESSERA_WORDS);
    }

    #[test]
    fn every_byte_of_a_tessera_checkpoint_is_protected() {
        let msg = vector("checkpoint.15");
        assert!(assert_every_byte_flip_fails(&msg, &[tessera_key()]) > 300);
    }

    #[test]
    fn cosignature_round_trip_and_tampered_timestamp() {
        let log_key = tessera_key();
        let (sk, cosigner_key) = cosigner();
        assert!(cosigner_key.to_string().starts_with("auditor.example/w1+"));
        assert_eq!(
            VerifierKey::parse(&cosigner_key.to_string()).unwrap(),
            cosigner_key
        );
        let mut note = SignedNote::parse(&vector("checkpoint.15")).unwrap();
        let ts = 1_700_000_000u64;
        note.add_cosignature("auditor.example/w1", &sk, ts).unwrap();
        let msg = note.to_bytes();
        let reparsed = SignedNote::parse(&msg).unwrap();
        assert_eq!(reparsed, note);
        assert_eq!(reparsed.signatures().len(), 2);
        assert_eq!(reparsed.signatures()[1].signature().len(), 72);
        assert_eq!(reparsed.signatures()[1].signature()[..8], ts.to_be_bytes());

        let keys = [log_key.clone(), cosigner_key.clone()];
        let v = verify_note(&reparsed, &keys).unwrap();
        assert_eq!(v.signatures.len(), 2);
        assert!(v.verified_by(&log_key) && v.verified_by(&cosigner_key));
        assert_eq!(v.signatures[1].timestamp, Some(ts));
        assert_eq!(verify_cosignature(&reparsed, &cosigner_key), Ok(ts));
        // The cosignature alone satisfies a verifier that only knows the
        // cosigner; the log's line is then "unknown".
        let only = verify_note(&reparsed, std::slice::from_ref(&cosigner_key)).unwrap();
        assert_eq!(
            only.unknown,
            vec![(log_key.name().to_string(), log_key.key_id())]
        );

        // Change the timestamp inside the signature line: refused.
        let line = reparsed.signatures()[1].clone();
        let mut bytes = line.signature().to_vec();
        bytes[7] ^= 1;
        let tampered = SignedNote {
            text: reparsed.text().to_string(),
            signatures: vec![
                reparsed.signatures()[0].clone(),
                NoteSignature {
                    signature: bytes,
                    ..line
                },
            ],
        };
        let again = SignedNote::parse(&tampered.to_bytes()).unwrap();
        assert!(matches!(
            verify_cosignature(&again, &cosigner_key),
            Err(NoteError::BadSignature { .. })
        ));
        assert!(matches!(
            verify_note(&again, &keys),
            Err(NoteError::BadSignature { .. })
        ));
        // Timestamps above 2^63 - 1 are refused on both sides.
        assert_eq!(
            note.clone()
                .add_cosignature("auditor.example/w1", &sk, 1 << 63),
            Err(NoteError::TimestampTooLarge(1 << 63))
        );
        // The same Ed25519 key as a type-0x01 key does not verify it (other
        // key ID, so the line is unknown to it).
        let as_plain =
            VerifierKey::new("auditor.example/w1", KeyType::Ed25519, sk.verifying_key()).unwrap();
        assert_ne!(as_plain.key_id(), cosigner_key.key_id());
        assert!(matches!(
            verify_note(&reparsed, std::slice::from_ref(&as_plain)),
            Err(NoteError::NoKnownSignature { .. })
        ));
        assert!(matches!(
            verify_cosignature(&reparsed, &as_plain),
            Err(NoteError::WrongKeyType { .. })
        ));
        // Re-cosigning replaces the earlier line of the same key.
        let mut twice = reparsed.clone();
        twice
            .add_cosignature("auditor.example/w1", &sk, ts + 60)
            .unwrap();
        assert_eq!(twice.signatures().len(), 2);
        assert_eq!(verify_cosignature(&twice, &cosigner_key), Ok(ts + 60));
        // Only checkpoints are cosigned.
        let (name, pn) = parse_signer_key(PN_SKEY);
        let mut pn_note = SignedNote::sign(PN_TEXT, &name, &pn).unwrap();
        assert!(matches!(
            pn_note.add_cosignature("auditor.example/w1", &sk, ts),
            Err(NoteError::NotACheckpoint(_))
        ));
    }

    #[test]
    fn cosignature_message_is_the_spec_format() {
        // Example of c2sp.org/tlog-cosignature.
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            cosignature_message(text, 1679315147),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        assert_eq!(
            cosignature_message(text, 0)[..22],
            *b"cosignature/v1\ntime 0\n"
        );
        // The spec's example cosigned checkpoint parses, and its cosignature
        // carries that timestamp (its public key is not published, so it
        // cannot be verified here).
        let msg = format!(
            "{text}\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
        );
        let note = SignedNote::parse(msg.as_bytes()).unwrap();
        assert_eq!(note.text(), text);
        let (ts, _) = split_cosignature(note.signatures()[1].signature()).unwrap();
        assert_eq!(ts, 1679315147);
        let cp = Checkpoint::parse(note.text()).unwrap();
        assert_eq!(cp.size, TreeSize(20852163));
    }

    #[test]
    fn verify_note_policy() {
        let a = SigningKey::from_bytes(&[1u8; 32]);
        let b = SigningKey::from_bytes(&[2u8; 32]);
        let ka = VerifierKey::new("a.example", KeyType::Ed25519, a.verifying_key()).unwrap();
        let kb = VerifierKey::new("b.example", KeyType::Ed25519, b.verifying_key()).unwrap();
        let cp = Checkpoint::new("a.example", TreeSize(3), Hash::sha256(b"x"));
        let mut note = sign_checkpoint(&cp, "a.example", &a).unwrap();
        note.add_signature("b.example", &b).unwrap();
        // Unknown signers are ignored.
        let v = verify_note(&note, std::slice::from_ref(&ka)).unwrap();
        assert_eq!(v.unknown, vec![("b.example".to_string(), kb.key_id())]);
        assert!(v.verified_by(&ka) && !v.verified_by(&kb));
        // No known signer: refused.
        let c = SigningKey::from_bytes(&[3u8; 32]);
        let kc = VerifierKey::new("c.example", KeyType::Ed25519, c.verifying_key()).unwrap();
        assert_eq!(
            verify_note(&note, std::slice::from_ref(&kc)),
            Err(note.no_known_signature())
        );
        assert!(verify_note(&note, &[]).is_err());
        // Same name, other key: a different key ID, so ignored, not an error.
        let ka2 = VerifierKey::new("a.example", KeyType::Ed25519, c.verifying_key()).unwrap();
        assert!(matches!(
            verify_note(&note, std::slice::from_ref(&ka2)),
            Err(NoteError::NoKnownSignature { .. })
        ));
        // As the log's note, that is another admin's key of the log (a
        // rotation, or a forgery under the same origin): said so, not
        // "give the log's verifier key too", which was given.
        assert_eq!(
            verify_log_note(&note, "a.example", std::slice::from_ref(&ka2)),
            Err(NoteError::OtherAdminsKey {
                origin: "a.example".into(),
                key_ids: vec![ka.key_id()],
                given: vec![ka2.key_id()],
                names: vec![],
            })
        );
        // A known key whose signature fails rejects the note, even though
        // another known signature verifies.
        let forged = SignedNote::sign(note.text(), "b.example", &c).unwrap();
        let mut lines = note.signatures().to_vec();
        lines[1] = NoteSignature {
            key_id: kb.key_id(),
            ..forged.signatures()[0].clone()
        };
        let bad = SignedNote {
            text: note.text().to_string(),
            signatures: lines,
        };
        assert!(matches!(
            verify_note(&bad, &[ka.clone(), kb.clone()]),
            Err(NoteError::BadSignature { ref name, .. }) if name == "b.example"
        ));
        // Two different keys under one (name, ID) are a configuration error.
        let clash = VerifierKey {
            key: c.verifying_key(),
            ..ka.clone()
        };
        assert!(matches!(
            verify_note(&note, &[ka.clone(), clash]),
            Err(NoteError::AmbiguousKey { .. })
        ));
        // The same key twice is harmless.
        assert!(verify_note(&note, &[ka.clone(), ka.clone()]).is_ok());
        // open_checkpoint returns the checkpoint.
        let (got, _) = open_checkpoint(&note.to_bytes(), std::slice::from_ref(&ka)).unwrap();
        assert_eq!(got, cp);

        // The log's note: the log's own signature must be among those
        // that verified. Another log's key (b.example signed a.example's
        // text) or a cosigner alone is not enough, whatever keys are given.
        assert!(verify_log_note(&note, "a.example", std::slice::from_ref(&ka)).is_ok());
        // The note does carry a.example's line: only its key was not given.
        assert_eq!(
            verify_log_note(&note, "a.example", std::slice::from_ref(&kb)),
            Err(NoteError::LogKeyNotGiven {
                origin: "a.example".into(),
                key_ids: vec![ka.key_id],
                names: vec!["b.example".into()],
            })
        );
        let (w, kw) = cosigner();
        let mut cosigned_only = SignedNote::sign(note.text(), "b.example", &b).unwrap();
        cosigned_only
            .add_cosignature(&kw.name, &w, 1_700_000_000)
            .unwrap();
        let err = verify_log_note(&cosigned_only, "a.example", &[kb.clone(), kw.clone()]);
        assert_eq!(
            err,
            Err(NoteError::NotSignedByLog {
                origin: "a.example".into(),
                names: vec!["b.example".into(), "auditor.example/w1".into()],
            })
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "it is signed by b.example, auditor.example/w1 but not by the log `a.example` itself: \
             the log signs under its origin, and a signature under another name, a cosigner's or another key's, counts beside it, never instead of it"
        );
        // A cosignature beside the log's signature is fine, and is listed.
        let mut both = note.clone();
        both.add_cosignature(&kw.name, &w, 1_700_000_000).unwrap();
        let v = verify_log_note(&both, "a.example", &[ka, kw.clone()]).unwrap();
        assert!(v.verified_by(&kw));
    }

    #[test]
    fn checkpoint_text_is_parsed_strictly() {
        let root = STANDARD.encode([0u8; 32]);
        let ok = |t: &str| Checkpoint::parse(t);
        let cp = ok(&format!("o\n0\n{root}\n")).unwrap();
        assert_eq!((cp.origin.as_str(), cp.size), ("o", TreeSize(0)));
        let cp = ok(&format!("o\n18446744073709551615\n{root}\nx y\nz\n")).unwrap();
        assert_eq!(cp.size, TreeSize(u64::MAX));
        assert_eq!(cp.extensions, ["x y", "z"]);
        assert_eq!(
            cp.to_note_text(),
            format!("o\n18446744073709551615\n{root}\nx y\nz\n")
        );
        use CheckpointError::*;
        let bad_root_31 = STANDARD.encode([0u8; 31]);
        let cases: Vec<(String, CheckpointError)> = vec![
            (format!("o\n1\n{root}"), MissingFinalNewline),
            ("o\n1\n".to_string(), TooFewLines(2)),
            ("\n".to_string(), TooFewLines(1)),
            (format!("\n1\n{root}\n"), EmptyOrigin),
            (format!("o\n01\n{root}\n"), BadSize("01".into())),
            (format!("o\n+1\n{root}\n"), BadSize("+1".into())),
            (format!("o\n-1\n{root}\n"), BadSize("-1".into())),
            (format!("o\n 1\n{root}\n"), BadSize(" 1".into())),
            (format!("o\n\n{root}\n"), BadSize("".into())),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                BadSize("18446744073709551616".into()),
            ),
            (
                format!("o\n1\n{bad_root_31}\n"),
                BadRoot(bad_root_31.clone()),
            ),
            // Non-canonical: a set trailing bit, and missing padding.
            (
                "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n".to_string(),
                BadRoot("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=".into()),
            ),
            (
                "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n".to_string(),
                BadRoot("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
            ),
            (format!("o\n1\n{root}\n\n"), EmptyExtension(4)),
            (
                format!("o\r\n1\n{root}\n"),
                ControlCharacter { line: 1, code: 13 },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
        }
        // validate() guards serialization.
        let mut cp = Checkpoint::new("o", TreeSize(1), Hash::ZERO);
        cp.extensions.push("a\nb".into());
        assert!(cp.validate().is_err());
        let k = SigningKey::from_bytes(&[9u8; 32]);
        assert!(matches!(
            sign_checkpoint(&cp, "o", &k),
            Err(NoteError::NotACheckpoint(ControlCharacter {
                line: 4,
                code: 10
            }))
        ));
        assert!(matches!(
            sign_checkpoint(&Checkpoint::new("", TreeSize(1), Hash::ZERO), "o", &k),
            Err(NoteError::NotACheckpoint(EmptyOrigin))
        ));
    }

    #[test]
    fn malformed_notes_and_keys_are_refused_with_reasons() {
        let line = PN_LINE;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (format!("{PN_TEXT}{line}").into_bytes(), "no blank line"),
            (format!("{PN_TEXT}\n").into_bytes(), "empty or does not end"),
            (
                format!("{PN_TEXT}\n{}", line.trim_end()).into_bytes(),
                "empty or does not end",
            ),
            (
                format!("{PN_TEXT}\n- PeterNeumann AAAA\n").into_bytes(),
                "em dash",
            ),
            (
                format!("{PN_TEXT}\n\u{2014} PeterNeumann\n").into_bytes(),
                "no space",
            ),
            (
                format!("{PN_TEXT}\n\u{2014}  x08go/ZJ\n").into_bytes(),
                "key name",
            ),
            (
                format!("{PN_TEXT}\n\u{2014} a+b x08go/ZJ\n").into_bytes(),
                "key name",
            ),
            (
                format!("{PN_TEXT}\n\u{2014} a x08go/Z\n").into_bytes(),
                "base64",
            ),
            (
                format!("{PN_TEXT}\n\u{2014} a AAAA\n").into_bytes(),
                "shorter",
            ),
            (
                format!("{PN_TEXT}\n\u{2014} a AAAAAA==\n").into_bytes(),
                "shorter",
            ),
            (format!("{PN_TEXT}\r\n{line}").into_bytes(), "U+000D"),
            (b"a\n\n\xe2\x80\n".to_vec(), "UTF-8"),
        ];
        for (msg, want) in cases {
            let e = SignedNote::parse(&msg).unwrap_err().to_string();
            assert!(e.contains(want), "{:?}: {e}", String::from_utf8_lossy(&msg));
        }
        let keys = [
            (
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "give c74f20a3",
            ),
            (
                "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "8 hex",
            ),
            (
                "PeterNeumann+-74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "8 hex",
            ),
            (
                "PeterNeumann+c74f20a3+AhpczQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "type 0x02",
            ),
            (
                "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=",
                "32 bytes",
            ),
            ("PeterNeumann+c74f20a3+", "empty"),
            ("PeterNeumann+c74f20a3+!!", "base64"),
            (
                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "invalid",
            ),
            ("PeterNeumann", "no '+'"),
            ("PeterNeumann+c74f20a3", "no '+'"),
        ];
        for (k, want) in keys {
            let e = VerifierKey::parse(k).unwrap_err().to_string();
            assert!(e.contains(want), "{k}: {e}");
        }
        let k = SigningKey::from_bytes(&[4u8; 32]);
        assert_eq!(
            SignedNote::sign("no newline", "n", &k),
            Err(NoteError::TextNotNewlineTerminated)
        );
        assert_eq!(
            SignedNote::sign("", "n", &k),
            Err(NoteError::TextNotNewlineTerminated)
        );
        assert!(matches!(
            SignedNote::sign("tab\there\n", "n", &k),
            Err(NoteError::ControlCharacter { offset: 3, code: 9 })
        ));
        assert!(matches!(
            SignedNote::sign("x\n", "bad name", &k),
            Err(NoteError::InvalidKeyName(_))
        ));
        // Text with blank lines round-trips: the last blank line separates.
        let note = SignedNote::sign("a\n\nb\n\n", "n", &k).unwrap();
        assert_eq!(SignedNote::parse(&note.to_bytes()).unwrap(), note);
    }

    #[test]
    fn size_and_signature_count_limits() {
        let k = SigningKey::from_bytes(&[5u8; 32]);
        let note = SignedNote::sign(PN_TEXT, "n", &k).unwrap();
        let line = note.signatures()[0].to_line();
        let with = |count: usize| format!("{PN_TEXT}\n{}", line.repeat(count));
        assert_eq!(
            SignedNote::parse(with(MAX_SIGNATURES).as_bytes())
                .unwrap()
                .signatures()
                .len(),
            100
        );
        assert_eq!(
            SignedNote::parse(with(MAX_SIGNATURES + 1).as_bytes()),
            Err(NoteError::TooManySignatures { max: 100 })
        );
        let big = format!("{}\n\n{line}", "x".repeat(MAX_NOTE_BYTES));
        assert!(matches!(
            SignedNote::parse(big.as_bytes()),
            Err(NoteError::TooLarge { .. })
        ));
        assert!(matches!(
            SignedNote::sign(&format!("{}\n", "x".repeat(MAX_NOTE_BYTES)), "n", &k),
            Err(NoteError::TooLarge { .. })
        ));
        let mut full = SignedNote::sign(PN_TEXT, "n0", &k).unwrap();
        for i in 1..MAX_SIGNATURES {
            full.add_signature(&format!("n{i}"), &k).unwrap();
        }
        assert_eq!(
            full.add_signature("one-too-many", &k),
            Err(NoteError::TooManySignatures { max: 100 })
        );
        assert_eq!(full.signatures().len(), 100);
        // Re-signing with an existing (name, key) replaces, so still fits.
        full.add_signature("n7", &k).unwrap();
        assert_eq!(full.signatures().len(), 100);
    }

    /// Note-shaped strings, to reach the deeper parse paths.
    fn notey() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("\u{2014} ".to_string()),
            Just(" ".to_string()),
            Just("+".to_string()),
            Just("=".to_string()),
            "[A-Za-z0-9/]{1,12}",
            "\\PC{0,4}",
            Just("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=".to_string()),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn parsers_never_panic_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(note) = SignedNote::parse(&b) {
                // Whatever parses re-serializes to the same bytes.
                prop_assert_eq!(note.to_bytes(), b.clone());
                let _ = verify_note(&note, &[tessera_key()]);
            }
            let s = String::from_utf8_lossy(&b);
            let _ = Checkpoint::parse(&s);
            let _ = VerifierKey::parse(&s);
        }

        #[test]
        fn parsers_never_panic_on_note_shaped_text(s in notey()) {
            if let Ok(note) = SignedNote::parse(s.as_bytes()) {
                prop_assert_eq!(note.to_bytes(), s.as_bytes().to_vec());
                let vk = VerifierKey::parse(PN_VKEY).unwrap();
                let _ = verify_note(&note, &[vk]);
            }
            let _ = Checkpoint::parse(&s);
            let _ = VerifierKey::parse(&s);
            let _ = VerifierKey::parse(&format!("PeterNeumann+c74f20a3+{s}"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn random_edits_of_a_checkpoint_never_verify(
            pos in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            op in 0..3u8,
        ) {
            let orig = vector("checkpoint.7");
            let i = pos.index(orig.len());
            let mut m = orig.clone();
            match op {
                0 => m[i] = byte,
                1 => m.insert(i, byte),
                _ => { m.remove(i); }
            }
            let ok = open_checkpoint(&m, &[tessera_key()]).is_ok();
            prop_assert_eq!(ok, m == orig);
        }
    }
}
