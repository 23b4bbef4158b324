//! OpenSSH ed25519 keys, fingerprints and SSHSIG signatures.
//!
//! Keys are the files `ssh-keygen -t ed25519` writes, so analysts can use keys
//! they already have, and every entry signature is an SSHSIG blob that
//! `ssh-keygen -Y verify -n claimtrail` accepts (PROTOCOL.sshsig).

use crate::error::Error;
use crate::model::Fingerprint;
use ed25519_dalek::{Signature, VerifyingKey};
use ssh_encoding::Encode;
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey as SshPublicKey, SshSig};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// SSHSIG namespace of every entry signature (DESIGN).
pub const NAMESPACE: &str = "claimtrail";

/// The largest key file read: an OpenSSH ed25519 key file is a few hundred
/// bytes.
pub const MAX_KEY_FILE: u64 = 64 << 10;

/// Environment variable holding the passphrase of a protected key.
pub const PASSPHRASE_ENV: &str = "CLAIMTRAIL_PASSPHRASE";

/// An enrolled ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    ssh: SshPublicKey,
    fingerprint: Fingerprint,
    /// The point, decoded once when the key is read: decoding is a square
    /// root in the field, and the checks of [`PublicKey::from_ssh`] cost
    /// about as much as a signature check.
    verifying: VerifyingKey,
}

/// A private key file's text as OpenSSH reads it: a byte order mark
/// before it (Notepad's) and whatever follows its END line (its .pub
/// appended, a note) are not part of the key. `ssh-key`'s parser refused
/// both, in words about a NUL byte and a PEM boundary.
fn private_key_text(text: &[u8]) -> &[u8] {
    let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
    const END: &[u8] = b"-----END OPENSSH PRIVATE KEY-----";
    match text.windows(END.len()).position(|w| w == END) {
        Some(at) => &text[..at + END.len()],
        None => text,
    }
}

/// What a public key file that is not an OpenSSH key line is, and how to
/// make one of it, for the formats admins are sent: an OpenSSH
/// certificate, an RFC 4716 ("SSH2") key as PuTTY and `ssh-keygen -e`
/// write it, an `authorized_keys` line with options before the key.
/// `None` for anything else (the parser's own words then say what).
fn other_key_format(text: &str) -> Option<String> {
    let t = text.trim_start();
    let first = t.split_whitespace().next().unwrap_or("");
    if first.ends_with("-cert-v01@openssh.com") {
        return Some(
            "this is an OpenSSH certificate, not a key: give the key's own .pub (`ssh-keygen -y -f PRIVATE_KEY` prints it)"
                .into(),
        );
    }
    // PuTTY's own key file holds a private key (and its public half).
    if t.starts_with("PuTTY-User-Key-File-") {
        return Some(
            "this is a PuTTY private key (.ppk): give its OpenSSH public key, which `puttygen FILE.ppk -L` prints"
                .into(),
        );
    }
    // openssl's SubjectPublicKeyInfo, which `openssl pkey -pubout` writes.
    if t.starts_with("-----BEGIN PUBLIC KEY-----") {
        return Some(
            // `ssh-keygen -i -m PKCS8` converts RSA and ECDSA keys, which
            // claimtrail does not take, and refuses Ed25519 ones
            // ("unsupported pubkey type"): the hint sent people to it.
            "this is a PEM public key, as openssl writes it, which OpenSSH cannot convert to an ed25519 key line: its owner makes an OpenSSH key (`ssh-keygen -t ed25519`, or `claimtrail key new PATH`) and gives its .pub"
                .into(),
        );
    }
    if t.starts_with("---- BEGIN SSH2 PUBLIC KEY ----") {
        return Some(
            "this is an RFC 4716 (SSH2) public key, as PuTTY writes it: convert it with `ssh-keygen -i -f FILE > FILE.pub`"
                .into(),
        );
    }
    let words: Vec<&str> = t.lines().next().unwrap_or("").split_whitespace().collect();
    if words
        .iter()
        .skip(1)
        .any(|w| w.starts_with("ssh-") || w.starts_with("ecdsa-"))
    {
        return Some(
            "this line has options before the key, as in authorized_keys: give the key alone, from its type (`ssh-ed25519 AAAA…`) on"
                .into(),
        );
    }
    None
}

/// A public key file's text without its comment lines (`#` first, after
/// any white space) and byte order mark, as OpenSSH reads a .pub or an
/// `authorized_keys` file: `ssh-keygen -l` took a .pub with a comment line
/// above the key, and claimtrail said it was "not an OpenSSH public key".
pub fn without_comment_lines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    lines.join("\n")
}

impl PublicKey {
    /// Parses an OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`).
    /// Only ed25519 is accepted: the format signs with Ed25519 alone.
    /// Small-order ("weak") points are refused, because the answer of a
    /// signature check on them depends on which Ed25519 rule is applied.
    ///
    /// Each distinct line is decoded and checked once a process: the
    /// commands check what they append against the enrolment entries of
    /// its signer and of the items it refers to, and an import of
    /// annotations of 50,000 claims already in the log spent a fifth of
    /// its time decoding the same key again for each (docs/PERFORMANCE.md,
    /// 2026-12-06 05:30).
    pub fn from_openssh(line: &str) -> Result<PublicKey, String> {
        use std::sync::{Mutex, OnceLock};
        static DECODED: OnceLock<Mutex<std::collections::HashMap<String, PublicKey>>> =
            OnceLock::new();
        let decoded = DECODED.get_or_init(Default::default);
        if let Some(k) = decoded.lock().ok().and_then(|m| m.get(line).cloned()) {
            return Ok(k);
        }
        let k = Self::decode_openssh(line)?;
        if let Ok(mut m) = decoded.lock() {
            // Enrolled keys are few; a process handed many lines (a
            // directory of .pub files) keeps only the first ones.
            if m.len() < 1024 {
                m.insert(line.to_string(), k.clone());
            }
        }
        Ok(k)
    }

    fn decode_openssh(line: &str) -> Result<PublicKey, String> {
        if line.trim_start().starts_with("-----BEGIN") && line.contains("PRIVATE KEY-----") {
            return Err(
                "this is a private key file, which stays with its owner: give its .pub".into(),
            );
        }
        // A byte order mark, as Notepad writes it, is not part of the key.
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let line = fields_one_space_apart(line);
        let ssh = SshPublicKey::from_openssh(&line).map_err(|e| {
            other_key_format(&line).unwrap_or_else(|| format!("not an OpenSSH public key ({e})"))
        })?;
        PublicKey::from_ssh(ssh)
    }

    /// The public key of an OpenSSH key file, public (`.pub`) or private:
    /// a private key file holds its public half in clear, so this asks for
    /// no passphrase and reads nothing secret.
    pub fn from_key_file(text: &str) -> Result<PublicKey, String> {
        match PrivateKey::from_openssh(private_key_text(text.trim().as_bytes())) {
            Ok(private) => PublicKey::from_ssh(private.public_key().clone()),
            // Its parts name two keys: which one it stands for is not known.
            Err(e) => match parts_disagree(&e) {
                Some(why) => Err(why.into()),
                // A private key that does not read: damaged, or of another
                // type, said as signing says it (it was "a private key
                // file, which stays with its owner: give its .pub", where a
                // private key file is what was asked for).
                None if text.trim_start().starts_with(OPENSSH_PRIVATE) => {
                    Err(unreadable_private_key(text.trim().as_bytes(), &e))
                }
                // Lines starting with `#` are comments, as OpenSSH reads
                // an `authorized_keys` or a .pub file (`ssh-keygen -l` took
                // a .pub with a comment line above the key; claimtrail
                // said it was "not an OpenSSH public key").
                None => PublicKey::from_openssh(&without_comment_lines(text)),
            },
        }
    }

    fn from_ssh(mut ssh: SshPublicKey) -> Result<PublicKey, String> {
        if ssh.algorithm() != Algorithm::Ed25519 {
            return Err(format!("{} {NOT_ED25519}", ssh.algorithm()));
        }
        ssh.set_comment("");
        let ed = ssh
            .key_data()
            .ed25519()
            .ok_or_else(|| "not an ed25519 key".to_string())?;
        let vk =
            VerifyingKey::from_bytes(&ed.0).map_err(|_| "not a valid Ed25519 point".to_string())?;
        if vk.is_weak() {
            return Err(
                "the key is a small-order (weak) Ed25519 point and cannot be enrolled".into(),
            );
        }
        // A point with y < 19 has a second, non-canonical encoding (y + p).
        // Both decode to the same point, so one signer could hold two
        // fingerprints; and some verifiers refuse the second. No key pair
        // made by ssh-keygen or claimtrail has such a point.
        if vk.to_edwards().compress().to_bytes() != *vk.as_bytes() {
            return Err(
                "the key's 32 bytes are a non-canonical encoding of an Ed25519 point and cannot be enrolled".into(),
            );
        }
        // A point with a small-order component (A + T, T of order 8, not
        // itself of small order): its holder's signatures satisfy verify's
        // cofactored equation, but OpenSSH's cofactorless check, and so
        // `ssh-keygen -Y verify` of the entries, refuses about seven in
        // eight of them (a key made that way was enrolled, and verify said
        // OK of entries that OpenSSH refused). No key pair made by
        // ssh-keygen or claimtrail has one: its public key is [s]B.
        if !vk.to_edwards().is_torsion_free() {
            return Err(
                "the key is an Ed25519 point with a small-order component (outside the prime-order subgroup that every ssh-keygen key is in), whose signatures OpenSSH refuses, and cannot be enrolled".into(),
            );
        }
        Ok(PublicKey {
            fingerprint: fingerprint_of(&ssh),
            ssh,
            verifying: vk,
        })
    }

    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// `ssh-ed25519 AAAA…` without a comment: the form written into entries.
    pub fn to_openssh(&self) -> String {
        // Encoding an ed25519 key we parsed cannot fail.
        self.ssh.to_openssh().unwrap_or_default()
    }

    pub fn ssh(&self) -> &SshPublicKey {
        &self.ssh
    }

    /// The key's 32 bytes, as entries' SSHSIGs carry it. Every
    /// `PublicKey` was checked to be a valid, not weak, Ed25519 point when
    /// it was made, so this is always `Some`.
    pub fn ed25519_bytes(&self) -> Option<[u8; 32]> {
        self.ssh.key_data().ed25519().map(|k| k.0)
    }

    /// The decoded point (decoded once, when the key was read: per
    /// entry, decoding it was 15 % of `verify-published`'s CPU).
    pub fn verifying_key(&self) -> VerifyingKey {
        self.verifying
    }
}

fn fingerprint_of(ssh: &SshPublicKey) -> Fingerprint {
    let s = ssh.fingerprint(HashAlg::Sha256).to_string();
    // ssh-key prints exactly `SHA256:` + 43 base64 chars for a SHA-256 fingerprint.
    s.parse().unwrap_or_else(|_| unreachable_fingerprint(&s))
}

#[cold]
fn unreachable_fingerprint(s: &str) -> Fingerprint {
    // Keep the type's invariant even if ssh-key ever changed its format.
    format!("SHA256:{:A<43}", s.len())
        .parse()
        .unwrap_or_else(|_| std::process::abort())
}

/// A decoded SSHSIG blob whose fixed fields were checked: ed25519, namespace
/// `claimtrail`, hash `sha512`, no reserved data, nothing after the blob.
/// It does *not* say that the signature is valid: see [`verify`].
pub struct ParsedSig {
    pub key: VerifyingKey,
    pub key_bytes: [u8; 32],
    pub signature: Signature,
}

/// Decodes and checks the fixed fields of a binary SSHSIG blob.
pub fn parse_sig(blob: &[u8]) -> Result<ParsedSig, String> {
    let parts = crate::sigcheck::parse_sshsig(blob)?;
    let key =
        VerifyingKey::from_bytes(&parts.key_bytes).map_err(|_| "invalid Ed25519 key in SSHSIG")?;
    Ok(ParsedSig {
        key,
        key_bytes: parts.key_bytes,
        signature: parts.signature,
    })
}

/// The bytes Ed25519 actually signs for an SSHSIG over `msg`
/// (the "SSHSIG" preamble, namespace, reserved, hash algorithm, SHA-512(msg)).
pub fn signed_data(msg: &[u8]) -> Vec<u8> {
    // Only fails on an empty namespace, which NAMESPACE is not.
    SshSig::signed_data(NAMESPACE, HashAlg::Sha512, msg).unwrap_or_default()
}

/// Checks an SSHSIG signature over `msg` by `expected` under claimtrail's
/// one Ed25519 rule (see [`crate::sigcheck`]: canonical S, R and A not of
/// small order, the cofactored equation), the same rule `verify` applies in
/// its batches. This proves the holder of that key signed these bytes; it
/// does not say whether the key was allowed to (that is the log's
/// authorization check).
pub fn verify(expected: &VerifyingKey, msg: &[u8], sig: &ParsedSig) -> Result<(), String> {
    if sig.key_bytes != expected.to_bytes() {
        return Err("signed by a different key than the entry's signer".into());
    }
    let data = signed_data(msg);
    crate::sigcheck::verify_one(&crate::sigcheck::Item {
        key: expected,
        signature: &sig.signature,
        msg: &data,
    })
    .map_err(|e| e.to_string())
}

/// The signed-note key name of an auditor's cosignatures and verifier key
/// (FORMAT §8): anything but `[A-Za-z0-9._@-]` in the enrolled name becomes
/// `_` (note key names exclude spaces and `+`). Part of the format: the
/// key ID of a cosignature hashes it, so it cannot change without old
/// cosignatures going unrecognised. The allowed_signers file, which is
/// derived and never stored, uses [`allowed_signers_principals`].
pub fn principal(name: &str) -> String {
    name_with_only(name, |c| c.is_ascii_alphanumeric())
}

/// `name` with every character but those `keep` accepts and `._@-` made
/// `_`; `_` for an empty name.
fn name_with_only(name: &str, keep: fn(char) -> bool) -> String {
    let p: String = name
        .chars()
        .map(|c| {
            if keep(c) || "._@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if p.is_empty() {
        "_".into()
    } else {
        p
    }
}

/// The longest name a key is given, in bytes: OpenSSH matches a principal
/// of at most about 1,020 bytes, and a longer name (up to the 1 MiB of an
/// entry, by default the .pub's comment) made `ssh-keygen -Y verify` fail
/// on every entry of the key.
pub const MAX_NAME_BYTES: usize = 256;

/// What is wrong with `name` as the name of a key, with what to do: the
/// rule of `init` and `key add`. A name tells people apart in `log`, `show`
/// and `key allowed-signers`, so one that can pass for another is refused:
/// spelled as a fingerprint; with white space at either end; with a
/// control, bidirectional or invisible character (see `text::escape`:
/// `Ra\u{2060}na` looks like `Rana`); or with a word that mixes Latin
/// letters with Cyrillic or Greek ones (`Аdmin` with a Cyrillic `А`).
/// A name wholly in one script passes, whatever the script. This does not
/// catch every look-alike (a whole word in Cyrillic letters that look
/// Latin, `асе`), and `verify` does not judge names: an entry written by
/// other software is not a finding.
pub fn name_problem(name: &str) -> Option<(String, String)> {
    let shown = crate::text::escape(name);
    if name.is_empty() {
        return Some((
            "the name is empty".into(),
            "give the person's or desk's name with --name".into(),
        ));
    }
    // A name is read to tell people apart: `!!!` and `???` are two names
    // that say nobody (they even share the principal `___` in
    // `key allowed-signers`), and `-` reads as an empty cell in a table.
    // A letter that stands on its own: marks alone (`\u{5b0}`, a vowel
    // sign) draw nothing, or a dotted circle (red team R, R3).
    if !name
        .chars()
        .any(|c| c.is_alphanumeric() && !unicode_normalization::char::is_combining_mark(c))
    {
        return Some((
            format!("the name {shown} holds no letter or digit"),
            "give the person's or desk's name with --name".into(),
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Some((
            format!(
                "the name is {} bytes long; a key's name has at most {MAX_NAME_BYTES}",
                name.len()
            ),
            "give a shorter --name (OpenSSH's allowed_signers takes no longer principal)".into(),
        ));
    }
    let spelled: String = {
        use unicode_normalization::UnicodeNormalization;
        name.nfkc().collect::<String>().to_ascii_lowercase()
    };
    if spelled.trim_start().starts_with("sha256:")
        || crate::model::Fingerprint::as_given(&spelled).is_some()
    {
        return Some((
            format!("the name {shown} is spelled as a key's fingerprint"),
            "give the person's or desk's name with --name".into(),
        ));
    }
    // Views print a name beside a fingerprint, a role or claimtrail's own
    // mark `(key revoked)`: a name holding any of them (`Desk admin
    // (SHA256:zyv0…) admin`, `Rana Haddad (key revoked)`) read as another
    // key's signature in `list annotations` and `show`, or as a live key
    // marked revoked.
    // Read as a reader sees it: UTS #39 skeletons (`∶` is `:`, `ɑ` is
    // `a`; and `m` is `rn`, so words are compared skeleton to skeleton).
    let skeleton = |s: &str| {
        unicode_security::skeleton(s)
            .collect::<String>()
            .to_lowercase()
    };
    let seen = skeleton(&spelled);
    if seen.contains(&skeleton("sha256")) {
        return Some((
            format!("the name {shown} holds a key's fingerprint"),
            "give the person's or desk's name alone with --name (views print the fingerprint beside it)".into(),
        ));
    }
    let bracketed = seen
        .split(['(', '[', '{', '<'])
        .skip(1)
        .filter_map(|after| after.split([')', ']', '}', '>']).next())
        .map(str::trim)
        .find_map(|inside| {
            ["admin", "analyst", "auditor"]
                .into_iter()
                .find(|role| skeleton(role) == inside)
        });
    if let Some(mark) =
        bracketed.or_else(|| seen.contains(&skeleton("revoked")).then_some("revoked"))
    {
        return Some((
            format!(
                "the name {shown} holds \"{}\", which reads as claimtrail's own mark of a key",
                crate::text::escape(mark)
            ),
            "give the person's or desk's name alone with --name (views mark a revoked key and a role themselves)".into(),
        ));
    }
    if name.trim() != name {
        return Some((
            format!("the name \"{shown}\" begins or ends with white space"),
            "give the name without it (a name that differs by a space reads as the same person's)"
                .into(),
        ));
    }
    // Two spellings that print alike are two names to the rules that keep
    // names apart (`names_alike`), and the principal `allowed-signers`
    // writes for ssh-keygen is made of the name's letters: an accent typed
    // apart (`Ra\u{301}na`) became `Ra_na_Haddad`, which the name people
    // type does not match. So a name is given as speakers are: in
    // Unicode's compatibility form (NFKC: accents composed, other spaces
    // plain, styled and full-width letters plain), one space between
    // words, and the refusal says that spelling.
    {
        let plain = crate::text::plain_spelling(name);
        if plain != name && hidden_in_name(name, false).is_none() {
            return Some((
                format!("the name \"{shown}\" has characters that print like others (accents typed apart, no-break or thin spaces, two spaces in a row, full-width or styled letters, ligatures)"),
                format!(
                    "give it as {} with --name (two spellings that print alike would be two people)",
                    crate::text::shell_text(&plain)
                ),
            ));
        }
    }
    // Persian writes a zero-width non-joiner inside a name (`محمد‌رضا`),
    // and Sinhala and the Indic scripts a joiner or non-joiner after a
    // virama (`ශ්‍රී`, Sri): inside a word of a script that uses them they
    // belong to the name (and `names_alike` sets them aside, so that they
    // tell no two names apart).
    if let Some(c) = hidden_in_name(name, false) {
        return Some((
            format!(
                "the name {shown} holds U+{:04X}, a control or invisible character",
                c as u32
            ),
            "type the name again without it (such a character makes one name look like another)"
                .into(),
        ));
    }
    if let Some(word) = name.split_whitespace().find(|w| mixes_scripts(w)) {
        return Some((
            format!(
                "the word {} of the name mixes letters of different scripts",
                crate::text::escape(word)
            ),
            "type the name again in one script (mixed letters make one name look like another, e.g. a Cyrillic А in Admin)".into(),
        ));
    }
    None
}

/// The first character of `name` that is a control or draws nothing
/// (`invisible_in_name`), but for one that a script or an emoji writes
/// there (`written_there`) and, where `marks` allows them, a
/// bidirectional mark (U+200E, U+200F, U+061C) in a name written in two
/// directions, which orders it. The rule of key names (no marks) and of
/// speakers, authors and publishers (marks).
pub fn hidden_in_name(name: &str, marks: bool) -> Option<char> {
    hidden_in_name_at(name, marks).map(|(_, c)| c)
}

/// [`hidden_in_name`], with the character's byte offset in `name`.
pub fn hidden_in_name_at(name: &str, marks: bool) -> Option<(usize, char)> {
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    let two_ways = marks && {
        let rtl = |c: char| {
            matches!(c, '\u{0590}'..='\u{08ff}' | '\u{fb1d}'..='\u{fdff}' | '\u{fe70}'..='\u{feff}')
                && c.is_alphabetic()
        };
        name.chars().any(rtl) && name.chars().any(|c| c.is_alphabetic() && !rtl(c))
    };
    chars.iter().enumerate().find_map(|(i, &(at, c))| {
        let before = i.checked_sub(1).map(|b| chars[b].1);
        let after = chars.get(i + 1).map(|&(_, a)| a);
        let allowed = written_there(c, before, after)
            || (two_ways && matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}'));
        (crate::text::draws_nothing(c) && !allowed).then_some((at, c))
    })
}

/// Whether `c`, a format character or selector between `before` and
/// `after`, is one that writing puts there and that changes what is drawn:
///
/// - Persian's zero-width non-joiner between two Arabic letters
///   (`محمد‌رضا`);
/// - a joiner or non-joiner right after the virama of Sinhala or an Indic
///   script (Devanagari to Malayalam): Sri `ශ්‍රී`, Devanagari's half forms,
///   Malayalam's chillu at a word's end (`രാജന്‍`);
/// - a joiner between two emoji (`👨‍👩‍👧`), and the emoji presentation
///   selector U+FE0F (or the text one, U+FE0E) after a symbol or a keycap's
///   digit (`I ❤️ NY`, `1️⃣`);
/// - a Mongolian free variation selector after a Mongolian letter;
/// - the tags of a subdivision flag after the black flag (`🏴󠁧󠁢󠁳󠁣󠁴󠁿`).
///
/// Anywhere else (`Ra<ZWJ>na`, `भा<ZWJ>रत`, at a word's edge, between two
/// scripts) it draws nothing, and is refused.
fn written_there(c: char, before: Option<char>, after: Option<char>) -> bool {
    let Some(before) = before else {
        return false;
    };
    let pictograph = |c: char| matches!(c, '\u{00a9}' | '\u{00ae}' | '\u{203c}' | '\u{2049}' | '\u{2122}' | '\u{2139}' | '\u{2194}'..='\u{2bff}' | '\u{3030}' | '\u{303d}' | '\u{3297}' | '\u{3299}' | '\u{1f000}'..='\u{1faff}');
    match c {
        // (Also after a letter that joins nothing, as `محمد‌رضا` is
        // written: there it draws nothing, but Persian writes it.)
        '\u{200c}' if arabic_letter(before) => after.is_some_and(arabic_letter),
        '\u{200c}' | '\u{200d}' if is_virama(before) => true,
        '\u{200d}' => {
            (pictograph(before) || matches!(before, '\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}'))
                && after.is_some_and(pictograph)
        }
        '\u{fe0e}' | '\u{fe0f}' => pictograph(before) || matches!(before, '0'..='9' | '#' | '*'),
        '\u{180b}'..='\u{180d}' | '\u{180f}' => matches!(before, '\u{1820}'..='\u{18aa}'),
        // A subdivision flag's tags (🏴 then `gbsct`, then the cancel tag:
        // Scotland's, England's, Wales's flags), which a title from a
        // British page carries; it was refused as drawing nothing.
        '\u{e0020}'..='\u{e007f}' => matches!(before, '\u{1f3f4}' | '\u{e0020}'..='\u{e007e}'),
        _ => false,
    }
}

/// The virama (halant, al-lakuna) of Sinhala and the Indic scripts: the
/// sign after which they write a joiner or non-joiner.
fn is_virama(c: char) -> bool {
    matches!(
        c,
        '\u{094d}'
            | '\u{09cd}'
            | '\u{0a4d}'
            | '\u{0acd}'
            | '\u{0b4d}'
            | '\u{0bcd}'
            | '\u{0c4d}'
            | '\u{0ccd}'
            | '\u{0d4d}'
            | '\u{0dca}'
    )
}

/// A letter of the Arabic script (Arabic, Persian, Urdu…), in the blocks
/// where names are written.
fn arabic_letter(c: char) -> bool {
    c.is_alphabetic()
        && matches!(c, '\u{0600}'..='\u{06ff}' | '\u{0750}'..='\u{077f}' | '\u{08a0}'..='\u{08ff}' | '\u{fb50}'..='\u{fdff}' | '\u{fe70}'..='\u{feff}')
}

/// Whether `word` mixes scripts (UAX #24, as UTS #39's mixed-script
/// detection augments them: Han with Hiragana and Katakana is Japanese, one
/// script): `Аdmin` with a Cyrillic `А`, `admiո` with an Armenian `ո`,
/// `Ꭰesk` with a Cherokee `Ꭰ`. Punctuation and digits belong to every
/// script, so `O'Brien-Smith` and `Desk-2` are single-script words.
///
/// Latin letters beside Han, kana or Hangul are how Japanese, Chinese and
/// Korean write names (`JR東日本`, `NTTドコモ`, `KBS뉴스`), which no one
/// could type in one script: UTS #39 calls that "highly restrictive", and
/// it passes. Any other mix (Latin with Cyrillic, Greek or Arabic) does
/// not.
pub(crate) fn mixes_scripts(word: &str) -> bool {
    use unicode_security::{MixedScript, RestrictionLevel, RestrictionLevelDetection};
    if word.is_single_script() {
        return false;
    }
    // Its letters and digits only: UTS #39 leaves punctuation out of
    // identifiers, and would call `JR東日本.` unrestricted for its dot.
    let letters: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    letters.as_str().detect_restriction_level() > RestrictionLevel::HighlyRestrictive
}

/// Characters a name may not hold though they are no control: format
/// characters (general category Cf: zero-width space, joiner and
/// non-joiner, soft hyphen, bidirectional marks, the invisible tag
/// characters…), variation selectors, the combining grapheme joiner, the
/// Hangul and Mongolian fillers and the braille blank, which draw nothing
/// (or nothing visible next to a letter) and so make two names look the
/// same. A name in any script is written without them.
pub(crate) fn invisible_in_name(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
        | '\u{890}' | '\u{891}' | '\u{8e2}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{2800}' | '\u{3164}'
        | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}'
        | '\u{16fe4}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}'
        | '\u{e0100}'..='\u{e01ef}')
}

/// Whether two names would pass for one another: the same once case,
/// spacing and typography are set aside ([`crate::text::same_name`]), or
/// the same words (punctuation, symbols and `_` set aside) with the same
/// UTS #39 skeleton (letters of other scripts that look
/// alike, such as Cyrillic `а` and Latin `a`, dotless `ı` and `i`, mapped
/// to one), compared without case. What this does not catch: look-alikes
/// that Unicode's confusables data does not list.
pub fn names_alike(a: &str, b: &str) -> bool {
    if crate::text::same_name(a, b) {
        return true;
    }
    let key = |s: &str| -> [String; 4] {
        // Joiners and non-joiners change how letters join, not which
        // letters a name has: `محمد‌رضا` and `محمدرضا` are one name.
        let s: String = s
            .chars()
            .filter(|c| !matches!(c, '\u{200c}' | '\u{200d}'))
            .collect();
        let s = s.as_str();
        // Punctuation and symbols are set aside with white space: `_` is
        // a space in the principal `allowed-signers` writes (so
        // `Rana_Haddad` took the principal an auditor types for `Rana
        // Haddad`), and a trailing `'` or `.` (`Rana Haddad'`) is not
        // seen in a list. Marks stay: they are part of letters.
        let spaced = |s: String| {
            let words: Vec<&str> = s
                .split(|c: char| {
                    !(c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c))
                })
                .filter(|w| !w.is_empty())
                .collect();
            if words.is_empty() {
                s.split_whitespace().collect::<Vec<_>>().join(" ")
            } else {
                words.join(" ")
            }
        };
        // Both before the skeleton and after it: the skeleton maps some
        // dashes (an em dash, a horizontal bar) to `ー`, a letter, so
        // `Rana—Haddad` passed unless they were set aside first; and it
        // maps some marks to letters (`|` and `¡` to `l` and `i`), so
        // `Khaled A|i` passes if they are.
        let skeletons = |s: &str| {
            let lower_first: String = unicode_security::skeleton(&s.to_lowercase()).collect();
            let skeleton_first: String = unicode_security::skeleton(s).collect();
            [spaced(lower_first), spaced(skeleton_first.to_lowercase())]
        };
        let [a, b] = skeletons(s);
        let [c, d] = skeletons(&spaced(s.to_string()));
        [a, b, c, d]
    };
    let (ka, kb) = (key(a), key(b));
    ka.iter().zip(&kb).any(|(x, y)| x == y)
}

/// The allowed_signers principal of each of `names` (the enrolled names,
/// in enrolment order). Letters and digits of every script are kept, as
/// OpenSSH matches UTF-8 principals byte for byte (an Arabic or Cyrillic
/// name stays readable, where [`principal`] leaves only `_`); anything else
/// becomes `_`, since principals are comma-separated patterns with `*`,
/// `?` and `!`. Keys enrolled under the same name (a rotated key) share a
/// principal; a different name that would map to a principal already
/// taken gets `-2`, `-3`…, so `ssh-keygen -I` never accepts one person's
/// signature as another's.
pub fn allowed_signers_principals(names: &[&str]) -> Vec<String> {
    let mut taken: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(names.len());
    for &name in names {
        let base = name_with_only(name, char::is_alphanumeric);
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.get(&candidate).is_some_and(|&other| other != name) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(candidate.clone(), name);
        out.push(candidate);
    }
    out
}

/// Whether `line` begins as an OpenSSH public key line does: `ssh-…`, and
/// also `ecdsa-sha2-…` and `sk-ssh-ed25519@openssh.com` (such keys given as
/// `--key` were taken for private key files and told to `chmod 600`).
pub fn begins_as_public_key(line: &[u8]) -> bool {
    [&b"ssh-"[..], b"ecdsa-", b"sk-"]
        .iter()
        .any(|p| line.starts_with(p))
}

/// Armors a binary SSHSIG blob as the PEM text `ssh-keygen -Y` reads
/// (`-----BEGIN SSH SIGNATURE-----`, base64 in lines of 70).
/// What a key of another type than Ed25519 is told, after its type's
/// name; the error's hint recognises it by these words (`error.rs`).
pub const NOT_ED25519: &str = "keys are not supported: claimtrail signs with ssh-ed25519 only";

/// How an OpenSSH private key file begins.
const OPENSSH_PRIVATE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";

/// Why a file that begins as an OpenSSH private key does not read: a key
/// of another type that the parser cannot read (an ECDSA key whose scalar
/// is shorter than 32 bytes: 3 of 400 that ssh-keygen made here) is named
/// by the type the file states before its secret; anything else is damage.
/// A stated type that is no SSH algorithm is damage too: one changed byte
/// of an ed25519 key read as "s\u{3}h-ed25519 keys are not supported".
fn unreadable_private_key(text: &[u8], e: &ssh_key::Error) -> String {
    match stated_algorithm(text) {
        Some(alg)
            if alg != "ssh-ed25519"
                && Algorithm::new(&alg).is_ok_and(|a| !matches!(a, Algorithm::Other(_))) =>
        {
            format!("{alg} {NOT_ED25519}")
        }
        // The parser's words, when they are plain: it quotes what it read
        // with Rust's escapes (`invalid label: 's\u{3}h-ed25519'`).
        _ => match e.to_string() {
            why if why.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !why.contains('\\') => {
                format!("a damaged or cut-short OpenSSH private key ({why})")
            }
            _ => "a damaged or cut-short OpenSSH private key".into(),
        },
    }
}

pub fn armor(blob: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(blob);
    let mut out = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in b64.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END SSH SIGNATURE-----\n");
    out
}

/// A key ready to sign: its private half read from its file, or held by an
/// ssh-agent ([`crate::agent`]). Both sign the same bytes the same way
/// (Ed25519 is deterministic), so an entry does not record which was used.
pub struct Signer {
    public: PublicKey,
    /// The key's comment, the default enrolment name.
    comment: String,
    how: How,
}

enum How {
    File {
        private: Box<PrivateKey>,
        /// The expanded Ed25519 key, derived once (deriving it costs a
        /// scalar multiplication, as much as a signature).
        signing: ed25519_dalek::SigningKey,
    },
    Agent {
        agent: crate::agent::Agent,
        /// The key's wire encoding, as the agent names it.
        blob: Vec<u8>,
        /// The last data the agent signed, and its signature: the append
        /// path asks the agent before it takes the log's write lock, then
        /// signs the same bytes again under the lock, which this answers
        /// (Ed25519 is deterministic: the agent would give the same).
        memo: std::sync::Mutex<Option<(Vec<u8>, Signature)>>,
    },
}

/// What is wrong with an OpenSSH private key file that ssh-key refused
/// because its parts disagree: it derives the public key from the private
/// one and compares it with the copies the file holds (and, unencrypted,
/// compares the two check numbers). A file altered, or put together from
/// two keys: OpenSSH signs with such a file, and its signatures do not
/// verify under the public key it names. `None` for any other refusal.
fn parts_disagree(e: &ssh_key::Error) -> Option<&'static str> {
    matches!(e, ssh_key::Error::Crypto | ssh_key::Error::PublicKey).then_some(
        "an OpenSSH private key whose parts do not agree: the public key it names is not that of its private key, or its check bytes differ (the file was altered or put together from two keys)",
    )
}

/// A key file's bytes, read once (see [`Signer::from_key_file`]), and
/// what the file is.
pub struct KeyFile {
    meta: std::fs::Metadata,
    text: Zeroizing<Vec<u8>>,
}

impl KeyFile {
    /// Reads the key file at `path`: a regular file, or a pipe (`<(pass
    /// show key)`, `/dev/stdin`); never more than a key file can be. A
    /// directory or a device is refused as what it is: `/dev/null` given
    /// as the key (an empty variable in a script) was told to `chmod 600
    /// /dev/null`, which breaks the system when run as root.
    pub fn read(path: &Path) -> Result<KeyFile, Error> {
        let key_err = |reason: String| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| key_err(io_reason(&e)))?;
        if meta.is_dir() {
            return Err(key_err("it is a directory".into()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let t = meta.file_type();
            if t.is_char_device() || t.is_block_device() || t.is_socket() {
                return Err(key_err("it is a device, not a key file".into()));
            }
        }
        // No more than a key file can be: the public key given by mistake,
        // or meant for an agent, is told apart by its text before any
        // permission check (a .pub file is readable by all). Sized up
        // front, so that no copy of the key's bytes is left behind in a
        // buffer that grew (only this one is zeroized).
        let mut text = Zeroizing::new(Vec::with_capacity(
            meta.len().min(MAX_KEY_FILE) as usize + 1,
        ));
        // A pipe that no program writes to is refused, not waited on.
        let input = crate::files::open(path).map_err(|e| match e {
            Error::Invalid { .. } => {
                key_err("it is a pipe (a FIFO) that no program is writing to".into())
            }
            e => e,
        })?;
        {
            use std::io::Read;
            input
                .reader
                .take(MAX_KEY_FILE + 1)
                .read_to_end(&mut text)
                .map_err(|e| key_err(io_reason(&e)))?;
        }
        Ok(KeyFile { meta, text })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.text
    }
}

impl Signer {
    /// The key at `path` (the `--key` given): through the ssh-agent of
    /// `SSH_AUTH_SOCK` when it holds that key, else from the file, which is
    /// refused when others can read it (as ssh does) and decrypted with the
    /// passphrase from `CLAIMTRAIL_PASSPHRASE` or a terminal prompt.
    ///
    /// `path` may be the `.pub` file when the agent holds the key, as with
    /// `ssh-keygen -Y sign -f KEY.pub`. For a passphrase-protected private
    /// key file, the agent is asked first; an agent that cannot be reached,
    /// or does not hold the key, is passed over for the passphrase. An
    /// unprotected file signs by itself, without the agent's round trips.
    pub fn load(path: &Path) -> Result<Signer, Error> {
        Signer::from_key_file(path, &KeyFile::read(path)?)
    }

    /// [`Signer::load`] of a key file already read: a command reads its
    /// `--key` once, for the public half it checks first and then to sign
    /// (read twice, a key given as `<(pass show key)` or `/dev/stdin` was
    /// "empty" the second time).
    pub fn from_key_file(path: &Path, file: &KeyFile) -> Result<Signer, Error> {
        // Blank lines or spaces around the key, as `echo "$KEY" > key`
        // leaves them, are not part of it: OpenSSH reads such a file, and
        // it was refused here as "damaged or cut-short".
        let text = file.text.trim_ascii();
        let meta = &file.meta;
        if begins_as_public_key(text) {
            return Signer::for_public_key(path, &String::from_utf8_lossy(text));
        }
        // The permissions of a file that is no key at all are not the
        // problem: `--key article.txt` was told to `chmod 600` it, and then
        // that it is no key.
        #[cfg(unix)]
        if meta.is_file() && private_key_text(text).starts_with(b"-----BEGIN ") {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(Error::KeyPermissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        let _ = meta;
        if let Some(agent) = crate::agent::Agent::from_env() {
            // Only an encrypted key is worth an agent's round trips: the
            // public half is in clear in the file, and the agent spares the
            // passphrase.
            let held = PrivateKey::from_openssh(text)
                .ok()
                .filter(|k| k.is_encrypted())
                .and_then(|k| PublicKey::from_ssh(k.public_key().clone()).ok())
                .filter(|public| agent.holds(&key_blob(public)) == Ok(true));
            if let Some(public) = held {
                return Signer::through(agent, public, sibling_comment(path));
            }
        }
        Signer::parse(text, path)
    }

    /// The signer for a public key file (`text` is its line): only an agent
    /// that holds the key can sign with it.
    fn for_public_key(path: &Path, text: &str) -> Result<Signer, Error> {
        let public = PublicKey::from_openssh(text).map_err(|reason| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        })?;
        let Some(agent) = crate::agent::Agent::from_env() else {
            let why = match std::env::var_os("SSH_AUTH_SOCK") {
                Some(_) => "SSH_AUTH_SOCK is empty",
                None => "SSH_AUTH_SOCK is not set",
            };
            return Err(Error::Invalid {
                what: format!(
                    "cannot use key {}: it is a public key, and no ssh-agent is running to sign with it ({why})",
                    path.display()
                ),
                hint: "give the private key file (without .pub), or start `ssh-agent` and `ssh-add` the key".into(),
            });
        };
        match agent.holds(&key_blob(&public)) {
            Ok(true) => Signer::through(agent, public, comment_of(text)),
            Ok(false) => Err(Error::Invalid {
                what: format!(
                    "the ssh-agent at {} does not hold key {} ({})",
                    agent.path().display(),
                    public.fingerprint(),
                    path.display()
                ),
                hint: "add it with `ssh-add PRIVATE_KEY_FILE` (`ssh-add -l` lists what the agent holds), or give the private key file".into(),
            }),
            Err(e) => Err(Error::Invalid {
                what: format!("cannot use the ssh-agent at {}: {e}", agent.path().display()),
                hint: "start one and `ssh-add` the key, set SSH_AUTH_SOCK to its socket, or give the private key file".into(),
            }),
        }
    }

    /// Parses an OpenSSH private key file's bytes (`path` only names it in
    /// errors), decrypting it if needed. Never panics on arbitrary input.
    pub fn parse(text: &[u8], path: &Path) -> Result<Signer, Error> {
        let key_err = |reason: String| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        if text.len() > MAX_KEY_FILE as usize {
            return Err(key_err("the file is too large to be a private key".into()));
        }
        let text = private_key_text(text);
        let key = PrivateKey::from_openssh(text).map_err(|e| {
            // Say what the file looks like, not only where the parser
            // stopped: an empty file, a key cut short, a .pub file.
            let start = String::from_utf8_lossy(&text[..text.len().min(64)]).into_owned();
            let start = start.trim_start();
            key_err(if start.trim().is_empty() {
                "the file is empty".into()
            } else if start.starts_with(OPENSSH_PRIVATE) {
                match parts_disagree(&e) {
                    Some(why) => why.to_string(),
                    None => unreadable_private_key(text, &e),
                }
            } else if start.starts_with("ssh-") {
                "it is a public key (a .pub file), not the private key".into()
            } else if start.starts_with("PuTTY-User-Key-File-") {
                let to = path.with_extension("");
                format!(
                    "it is a PuTTY key (.ppk): convert it with `puttygen {} -O private-openssh -o {}`, and give that",
                    crate::text::shell_word(path),
                    crate::text::shell_word(if to == path { Path::new("key") } else { &to })
                )
            } else if start.starts_with("-----BEGIN ") {
                let line = start.lines().next().unwrap_or(start);
                format!("`{line}` is a key format claimtrail does not read (it reads OpenSSH ed25519 private keys)")
            } else {
                // The parser's words ("PEM preamble contains invalid data
                // (NUL byte)") describe its state, not the file.
                "not an OpenSSH private key: it does not begin with -----BEGIN OPENSSH PRIVATE KEY-----".into()
            })
        })?;
        if key.algorithm() != Algorithm::Ed25519 {
            // The hint says how to make one (it was said twice).
            return Err(key_err(format!("{} {NOT_ED25519}", key.algorithm())));
        }
        let key = if key.is_encrypted() {
            let pass = read_passphrase(&format!("Passphrase for {}: ", path.display()))?
                .ok_or_else(|| Error::PassphraseNeeded(path.to_path_buf()))?;
            // No passphrase-protected key has an empty passphrase (`key
            // new` refuses one): tried as one, Enter alone was answered
            // "wrong passphrase".
            if pass.is_empty() {
                return Err(no_passphrase_typed("only Enter was pressed"));
            }
            key.decrypt(pass.as_bytes())
                .map_err(|_| Error::WrongPassphrase(path.to_path_buf()))?
        } else {
            key
        };
        Signer::from_private(key).map_err(key_err)
    }

    /// Generates a new ed25519 key (not written anywhere).
    pub fn generate(comment: &str) -> Result<Signer, Error> {
        let mut key = PrivateKey::random(&mut rand_core::OsRng, Algorithm::Ed25519)
            .map_err(|e| Error::Internal(format!("key generation failed: {e}")))?;
        key.set_comment(comment);
        Signer::from_private(key).map_err(Error::Internal)
    }

    fn from_private(key: PrivateKey) -> Result<Signer, String> {
        let public = PublicKey::from_ssh(key.public_key().clone())?;
        let signing = key
            .key_data()
            .ed25519()
            .map(|kp| ed25519_dalek::SigningKey::from_bytes(&kp.private.to_bytes()))
            .ok_or("not an ed25519 key")?;
        Ok(Signer {
            public,
            comment: key.comment().to_string(),
            how: How::File {
                private: Box::new(key),
                signing,
            },
        })
    }

    fn through(
        agent: crate::agent::Agent,
        public: PublicKey,
        comment: String,
    ) -> Result<Signer, Error> {
        let blob = key_blob(&public);
        Ok(Signer {
            public,
            comment,
            how: How::Agent {
                agent,
                blob,
                memo: std::sync::Mutex::new(None),
            },
        })
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    pub fn fingerprint(&self) -> &Fingerprint {
        self.public.fingerprint()
    }

    /// The key's comment (used as the default enrolment name).
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// Whether an ssh-agent signs for this key.
    pub fn is_agent(&self) -> bool {
        matches!(self.how, How::Agent { .. })
    }

    /// Signs `msg` and returns the binary SSHSIG blob stored in `entries.sig`.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let raw = self.sign_raw(&signed_data(msg))?;
        let raw = ssh_key::Signature::new(Algorithm::Ed25519, raw.to_bytes().to_vec())
            .map_err(|e| Error::Internal(format!("signing failed: {e}")))?;
        let sig = SshSig::new(
            self.public.ssh().key_data().clone(),
            NAMESPACE,
            HashAlg::Sha512,
            raw,
        )
        .map_err(|e| Error::Internal(format!("signing failed: {e}")))?;
        let mut out = Vec::with_capacity(128);
        sig.encode(&mut out)
            .map_err(|e| Error::Internal(format!("encoding SSHSIG failed: {e}")))?;
        Ok(out)
    }

    /// A plain Ed25519 signature of `data` (C2SP signed notes sign the note
    /// text itself). A signature from an agent is checked under verify's
    /// rule before it is returned, so what is stored always verifies.
    pub fn sign_raw(&self, data: &[u8]) -> Result<Signature, Error> {
        match &self.how {
            How::File { signing, .. } => Ok(ed25519_dalek::Signer::sign(signing, data)),
            How::Agent { agent, blob, memo } => {
                let mut memo = memo.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((signed, sig)) = memo.as_ref() {
                    if signed.as_slice() == data {
                        return Ok(*sig);
                    }
                }
                let failed = |e: String| {
                    Error::Agent {
                    what: format!(
                        "the ssh-agent at {} did not sign with {}: {e}",
                        agent.path().display(),
                        self.fingerprint()
                    ),
                    hint: "check the agent (`ssh-add -l`; a key added with `ssh-add -c` needs each use confirmed), or set SSH_AUTH_SOCK= to sign with the private key file".into(),
                }
                };
                let bytes = agent
                    .sign_ed25519(blob, data)
                    .map_err(|e| failed(e.to_string()))?;
                let sig = Signature::from_bytes(&bytes);
                crate::sigcheck::verify_one(&crate::sigcheck::Item {
                    key: &self.public.verifying_key(),
                    signature: &sig,
                    msg: data,
                })
                .map_err(|_| failed("it returned a signature that does not verify".into()))?;
                *memo = Some((data.to_vec(), sig));
                Ok(sig)
            }
        }
    }

    /// The Ed25519 public key, for C2SP signed notes (checkpoints).
    pub fn verifying_key(&self) -> VerifyingKey {
        match &self.how {
            How::File { signing, .. } => signing.verifying_key(),
            How::Agent { .. } => self.public.verifying_key(),
        }
    }

    /// Writes the key as an OpenSSH private key file (mode 0600, never
    /// replacing an existing file) and `PATH.pub`, encrypted with
    /// `passphrase` when one is given.
    pub fn write(&self, path: &Path, passphrase: Option<&str>) -> Result<PathBuf, Error> {
        let How::File { private, .. } = &self.how else {
            return Err(Error::Internal(
                "a key held by an ssh-agent cannot be written".into(),
            ));
        };
        let pub_path = with_pub(path);
        for p in [path, pub_path.as_path()] {
            if p.exists() {
                return Err(Error::exists(p.to_path_buf()));
            }
        }
        let key = match passphrase {
            Some(p) => private
                .encrypt(&mut rand_core::OsRng, p.as_bytes())
                .map_err(|e| Error::Internal(format!("encrypting the key failed: {e}")))?,
            None => PrivateKey::clone(private),
        };
        let text = key
            .to_openssh(LineEnding::LF)
            .map_err(|e| Error::Internal(format!("encoding the key failed: {e}")))?;
        let mut public_line = self.public.to_openssh();
        if !self.comment().is_empty() {
            public_line.push(' ');
            public_line.push_str(self.comment());
        }
        public_line.push('\n');
        // Ctrl-C between the two files left the private key alone, and a
        // second `key new` refused to replace it: the pair is made whole
        // or not at all. Registered before the file is made (neither path
        // existed just above), so that a signal during the write counts too.
        let _half = crate::interrupt::remove_on_interrupt(path, crate::interrupt::Leftover::File);
        write_new(path, text.as_bytes(), 0o600)?;
        if let Err(e) = write_new(&pub_path, public_line.as_bytes(), 0o644) {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        let _whole =
            crate::interrupt::remove_on_interrupt(&pub_path, crate::interrupt::Leftover::File);
        Ok(pub_path)
    }
}

/// A public key's wire encoding (`string "ssh-ed25519" ‖ string key`), the
/// form the agent protocol names keys in.
fn key_blob(public: &PublicKey) -> Vec<u8> {
    let mut blob = Vec::with_capacity(51);
    // Encoding an ed25519 key into a Vec cannot fail.
    let _ = public.ssh().key_data().encode(&mut blob);
    blob
}

/// A public key line (`ssh-ed25519 AAAA… comment`) with its fields one
/// space apart, the comment as it was: OpenSSH reads any run of spaces and
/// tabs between them (a line pasted from a mail or a chat often has a tab
/// or two spaces), where the `ssh-key` crate refused such a line as
/// "character encoding invalid".
fn fields_one_space_apart(line: &str) -> String {
    let blank = |c: char| c == ' ' || c == '\t';
    let line = line.trim();
    let mut rest = line;
    let mut fields = Vec::with_capacity(3);
    for _ in 0..2 {
        let end = rest.find(blank).unwrap_or(rest.len());
        fields.push(&rest[..end]);
        rest = rest[end..].trim_start_matches(blank);
        if rest.is_empty() {
            break;
        }
    }
    if !rest.is_empty() {
        fields.push(rest);
    }
    fields.join(" ")
}

/// The comment of a public key line (`ssh-ed25519 AAAA… comment`), its
/// fields apart by any run of spaces and tabs, as OpenSSH reads them.
pub fn comment_of(line: &str) -> String {
    SshPublicKey::from_openssh(&fields_one_space_apart(line))
        .map(|k| k.comment().to_string())
        .unwrap_or_default()
}

/// The comment of `PATH.pub` beside a private key file: an encrypted
/// private key keeps its comment inside the encrypted part.
fn sibling_comment(path: &Path) -> String {
    crate::files::read_capped(&with_pub(path), MAX_KEY_FILE)
        .ok()
        .filter(|t| t.len() as u64 <= MAX_KEY_FILE)
        .map(|t| comment_of(&String::from_utf8_lossy(&t)))
        .unwrap_or_default()
}

fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), Error> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let _ = mode;
    let io = |e: std::io::Error| Error::write(path.to_path_buf(), &e);
    let mut f = opts.open(path).map_err(io)?;
    // A file this call made and could not fill (a full disk) is removed:
    // left empty, it would make the next `key new PATH` say it exists.
    f.write_all(data).and_then(|()| f.sync_all()).map_err(|e| {
        let _ = std::fs::remove_file(path);
        io(e)
    })
}

/// `path` with `.pub` after it, byte for byte: made through a string, a
/// name that is not UTF-8 had its `.pub` written under another name.
pub fn with_pub(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// An I/O error as the one-line messages say it: the common kinds in
/// words, the rest as the system says them.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::StorageFull => "no space left on the device".into(),
        // Said in words, not as the system's "(os error 30) at path
        // …/.claimtrail-Ujnph0.tmp", which named a temporary file.
        std::io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        std::io::ErrorKind::NotADirectory => "a part of the path is a file, not a directory".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        // EFBIG: `ulimit -f` or a quota (with SIGXFSZ ignored, see main).
        std::io::ErrorKind::FileTooLarge => "the file would pass a file size limit".into(),
        // The system's words without Rust's "(os error N)" after them.
        _ => {
            let said = e.to_string();
            match said.rfind(" (os error ") {
                Some(at) if said.ends_with(')') => said[..at].to_string(),
                _ => said,
            }
        }
    }
}

/// The passphrase from `CLAIMTRAIL_PASSPHRASE`, else a prompt on a terminal,
/// else `None`. A `CLAIMTRAIL_PASSPHRASE` that is not UTF-8 is an error:
/// read as unset, it was reported as no passphrase given at all.
///
/// An empty `CLAIMTRAIL_PASSPHRASE` counts as unset, as an empty
/// `CLAIMTRAIL_KEY` does: no encrypted key has an empty passphrase, and it
/// was tried as one, with the advice to check what was typed.
pub fn read_passphrase(prompt: &str) -> Result<Option<Zeroizing<String>>, Error> {
    match std::env::var(PASSPHRASE_ENV) {
        Ok(p) if !p.is_empty() => return Ok(Some(Zeroizing::new(p))),
        Ok(_) => {}
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Error::Invalid {
                what: format!("{PASSPHRASE_ENV} is not UTF-8 text"),
                hint: "set it in UTF-8, as the passphrase was typed when the key was made, or unset it to be asked on a terminal".into(),
            })
        }
        Err(std::env::VarError::NotPresent) => {}
    }
    // Asked on the controlling terminal, as ssh-keygen asks, whatever
    // standard input is: `cat tweet.txt | claimtrail source add -` at a
    // terminal was refused for want of one (a job with no terminal, cron's
    // or `setsid`'s, cannot open /dev/tty, and is not asked).
    let has_terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok();
    if has_terminal {
        // Echo is off while the user types: Ctrl-C there must not leave it off.
        return match crate::interrupt::with_echo_off(|| rpassword::prompt_password(prompt)) {
            Ok(p) => Ok(Some(Zeroizing::new(p))),
            // Ctrl-D: end of input at the prompt. It was reported as "no
            // passphrase was given", with the advice to run the command
            // from a terminal, which is where the user was.
            Err(_) => {
                if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
                    let _ = std::io::Write::write_all(&mut tty, b"\n");
                }
                Err(no_passphrase_typed("Ctrl-D ended it"))
            }
        };
    }
    Ok(None)
}

/// The prompt was answered with nothing.
fn no_passphrase_typed(how: &str) -> Error {
    Error::Invalid {
        what: format!("no passphrase was typed at the prompt ({how})"),
        hint: "run the command again and type the passphrase; Ctrl-C gives up".into(),
    }
}

/// The key type an OpenSSH private key file states in its public part
/// (`openssh-key-v1`: magic, cipher, KDF, KDF options, the number of keys,
/// then the first public key, whose first string is its type), read
/// without the parser that reads the rest; `None` if it does not say.
fn stated_algorithm(text: &[u8]) -> Option<String> {
    use ssh_encoding::{Decode, Reader};
    // Read as ssh-key reads the file (ssh-encoding's PEM decoder, lines of
    // 70), up to the public key.
    let mut pem = ssh_encoding::pem::Decoder::new_wrapped(text, 70).ok()?;
    let mut magic = [0u8; 15];
    if pem.type_label() != "OPENSSH PRIVATE KEY"
        || pem.read(&mut magic).ok()? != b"openssh-key-v1\0"
    {
        return None;
    }
    // Cipher, KDF, its options; the number of keys; the first public key.
    for _ in 0..3 {
        Vec::<u8>::decode(&mut pem).ok()?;
    }
    u32::decode(&mut pem).ok()?;
    let public = Vec::<u8>::decode(&mut pem).ok()?;
    String::decode(&mut public.as_slice()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ECDSA key that `ssh-key` cannot read (here cut short after its
    /// public part; in the wild, one whose scalar is shorter than 32
    /// bytes, which made the suite's OpenSSH test fail once in a while) is
    /// refused by its type, as the file states it, not as "damaged". Made
    /// by `ssh-keygen -t ecdsa -N ""` (OpenSSH 9), cut after the public key.
    #[test]
    fn an_unreadable_key_of_another_type_is_named_by_its_type() {
        const CUT_ECDSA: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS\n1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQT6BBOcu6QfkwlJqIYuNegu3mn6fGsW\nifqi2E4kfz20FBkYNDp8G2QYJucRiLdIx9qrvvcS6ygIEJN24ic6HQIzAAAAoB4Uilo=\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(
            stated_algorithm(CUT_ECDSA.as_bytes()).as_deref(),
            Some("ecdsa-sha2-nistp256")
        );
        let Err(e) = Signer::parse(CUT_ECDSA.as_bytes(), Path::new("ec")) else {
            panic!("a cut ECDSA key was taken");
        };
        assert!(
            e.to_string().contains(
                "ecdsa-sha2-nistp256 keys are not supported: claimtrail signs with ssh-ed25519 only"
            ),
            "{e}"
        );
        // Cut inside its public part, it states nothing, and is damaged.
        let cut = &CUT_ECDSA[..120];
        assert_eq!(stated_algorithm(cut.as_bytes()), None);
        assert_eq!(stated_algorithm(b"garbage"), None);
    }

    #[test]
    fn allowed_signers_principals_keep_letters_and_part_different_names() {
        let names = [
            "Rana Haddad",
            "رنا حداد",
            "Rana_Haddad",
            "Rana Haddad",
            "a*b,c!d?",
            "",
            "x\u{202e}y",
            "Rana_Haddad-2",
        ];
        assert_eq!(
            allowed_signers_principals(&names),
            [
                "Rana_Haddad",
                "رنا_حداد",
                "Rana_Haddad-2",
                "Rana_Haddad",
                "a_b_c_d_",
                "_",
                "x_y",
                "Rana_Haddad-2-2",
            ]
        );
        // The cosigner name of the format is unchanged.
        assert_eq!(principal("رنا حداد"), "________");
    }

    #[test]
    fn sign_then_verify_and_reject_changes() {
        let s = Signer::generate("t").unwrap();
        let sig = s.sign(b"payload").unwrap();
        let parsed = parse_sig(&sig).unwrap();
        let vk = s.public().verifying_key();
        verify(&vk, b"payload", &parsed).unwrap();
        assert!(verify(&vk, b"payloaD", &parsed).is_err());
        let other = Signer::generate("o").unwrap();
        assert!(verify(&other.public().verifying_key(), b"payload", &parsed).is_err());
        let mut trailing = sig.clone();
        trailing.push(0);
        assert!(parse_sig(&trailing).is_err());
        // Version 0 (not covered by the Ed25519 signature) is refused.
        let mut v0 = sig.clone();
        v0[9] = 0;
        assert!(parse_sig(&v0).is_err());
    }

    #[test]
    fn public_key_round_trip_and_fingerprint_shape() {
        let s = Signer::generate("c").unwrap();
        let line = s.public().to_openssh();
        assert!(line.starts_with("ssh-ed25519 "));
        let back = PublicKey::from_openssh(&format!("{line} some comment")).unwrap();
        // A .pub file with comment lines above the key, as OpenSSH allows.
        let commented = format!("# Lina's laptop key\n\n  # another\n{line} lina\n");
        assert_eq!(
            PublicKey::from_key_file(&commented).unwrap().fingerprint(),
            back.fingerprint()
        );
        assert_eq!(back.fingerprint(), s.fingerprint());
        assert!(s.fingerprint().as_str().starts_with("SHA256:"));
        // Fields apart by a tab or several spaces, as OpenSSH reads them;
        // the comment keeps its own spacing.
        let (kind, b64) = line.split_once(' ').unwrap();
        for spaced in [
            format!("{kind}\t{b64}\tRana  Haddad"),
            format!("{kind}  {b64} \t Rana  Haddad\t"),
        ] {
            let k = PublicKey::from_openssh(&spaced).unwrap();
            assert_eq!(k.fingerprint(), s.fingerprint(), "{spaced:?}");
            assert_eq!(comment_of(&spaced), "Rana  Haddad", "{spaced:?}");
        }
    }

    #[test]
    fn weak_keys_are_refused() {
        // The identity point (small order), encoded as an OpenSSH key line.
        let mut blob = Vec::new();
        for part in [
            &b"ssh-ed25519"[..],
            &{
                let mut p = [0u8; 32];
                p[0] = 1;
                p
            }[..],
        ] {
            blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
            blob.extend_from_slice(part);
        }
        use base64::Engine;
        let line = format!(
            "ssh-ed25519 {}",
            base64::engine::general_purpose::STANDARD.encode(blob)
        );
        let err = PublicKey::from_openssh(&line).unwrap_err();
        assert!(err.contains("weak"), "{err}");
        // Refused every time: only keys that pass are kept decoded.
        let again = PublicKey::from_openssh(&line).unwrap_err();
        assert_eq!(again, err);
    }

    /// A line decoded again (from the process's memo) is the same key,
    /// with the same point; a comment is part of the line, not the key.
    #[test]
    fn a_key_read_twice_is_the_same_key() {
        let signer = Signer::generate("rana").unwrap();
        let line = signer.public().to_openssh();
        let first = PublicKey::from_openssh(&line).unwrap();
        let second = PublicKey::from_openssh(&line).unwrap();
        assert_eq!(first, second);
        assert_eq!(second.verifying_key(), signer.verifying_key());
        let commented = PublicKey::from_openssh(&format!("{line} rana@desk")).unwrap();
        assert_eq!(commented, first);
        assert_eq!(commented.fingerprint(), signer.public().fingerprint());
    }

    /// The line of an ssh-ed25519 key with these 32 bytes, unchecked.
    fn ed25519_line(point: [u8; 32]) -> String {
        let mut blob = Vec::new();
        for part in [&b"ssh-ed25519"[..], &point[..]] {
            blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
            blob.extend_from_slice(part);
        }
        use base64::Engine;
        format!(
            "ssh-ed25519 {}",
            base64::engine::general_purpose::STANDARD.encode(blob)
        )
    }

    #[test]
    fn names_that_pass_for_others_are_refused_and_names_in_any_one_script_pass() {
        for ok in [
            "Rana Haddad",
            "رنا حداد",
            "Иван Петров",
            "Ζωή",
            "José Núñez",
            "desk@example.org",
            "O'Brien-Smith",
        ] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        for (bad, says) in [
            ("", "empty"),
            ("-", "no letter or digit"),
            ("!!!", "no letter or digit"),
            ("\u{2014}", "no letter or digit"),
            ("\u{5b0}", "no letter or digit"),
            ("\u{93e}", "no letter or digit"),
            ("Rana ", "white space"),
            (" Rana", "white space"),
            ("Ra\u{2060}na", "U+2060"),
            ("Rana\u{202e}dadd", "U+202E"),
            ("Ra\tna", "U+0009"),
            ("\u{410}dmin", "mixes letters of different scripts"),
            ("Rana H\u{3b1}ddad", "mixes letters"),
            ("Desk admi\u{578}", "mixes letters"),
            ("\u{13a0}esk admin", "mixes letters"),
            ("Ra\u{200d}na", "U+200D"),
            ("Rana\u{fe0f}", "U+FE0F"),
            ("Rana\u{2800}Haddad", "U+2800"),
            ("sha256:abc", "fingerprint"),
            ("\u{ff33}\u{ff28}\u{ff21}256:abc", "fingerprint"),
            ("SHA256:abc", "fingerprint"),
            // Spellings that print like another, refused as speakers are,
            // with the spelling to give.
            ("Ra\u{301}na Haddad", "print like others"),
            ("Sami  Nour", "print like others"),
            ("Sami\u{a0}Nour", "print like others"),
            ("\u{ff22}\u{ff22}\u{ff23} desk", "print like others"),
            ("\u{fb01}rst desk", "print like others"),
        ] {
            let (what, _) = name_problem(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(what.contains(says), "{bad:?}: {what}");
        }
        let (_, hint) = name_problem("Ra\u{301}na  Haddad").unwrap();
        assert_eq!(
            hint,
            "give it as 'R\u{e1}na Haddad' with --name (two spellings that print alike would be two people)"
        );
        assert!(name_problem(&"q".repeat(MAX_NAME_BYTES + 1)).is_some());
        // Japanese mixes Han and kana in one word, as it is written.
        assert_eq!(name_problem("山田はなこ"), None);
        // A subdivision flag's tags are written after the black flag, and
        // nowhere else.
        let scotland = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";
        assert_eq!(hidden_in_name(&format!("Rangers {scotland}"), true), None);
        assert_eq!(
            hidden_in_name("Rangers \u{e0067}\u{e007f}", true),
            Some('\u{e0067}')
        );
        for (a, b) in [
            ("Desk admin", "desk  ADMIN"),
            ("Desk admin", "Desk adm\u{131}n"),
            ("Οδυσσέας Παπαδόπουλος", "ΟΔΥΣΣΈΑΣ ΠΑΠΑΔΌΠΟΥΛΟΣ"),
            ("Desk admin", "D\u{435}sk admin"),
            ("Rana Haddad", "Rana_Haddad"),
            ("Rana Haddad", "Rana Haddad'"),
            ("Rana Haddad", "Rana Haddad."),
            ("Rana Haddad", "*Rana* Haddad"),
            ("Rana Haddad", "Rana\u{2014}Haddad"),
            ("Rana Haddad", "\u{2014}Rana Haddad\u{2014}"),
            ("Rana Haddad", "Rana \u{2015} Haddad"),
            ("Rana Haddad", "Rana Haddad \u{2500}"),
            ("Khaled Ali", "Khaled A|i"),
            ("Khaled Ali", "Kha|ed A|i"),
            ("Khaled Ali", "Khaled Al\u{a1}"),
        ] {
            assert!(names_alike(a, b), "{a} / {b}");
        }
        assert!(!names_alike("Rana Haddad", "Rana Hadad"));
        assert!(!names_alike("Rana Haddad", "Rana Haddad 2"));
        assert!(!names_alike("Иван", "Ivan"));
        assert!(name_problem(&"q".repeat(MAX_NAME_BYTES)).is_none());
        // Persian's zero-width non-joiner between two Arabic letters is
        // part of a name, and tells no two names apart; elsewhere it is
        // refused as before.
        let persian = "\u{645}\u{62d}\u{645}\u{62f}\u{200c}\u{631}\u{636}\u{627}";
        assert!(
            name_problem(persian).is_none(),
            "{:?}",
            name_problem(persian)
        );
        assert!(names_alike(persian, &persian.replace('\u{200c}', "")));
        // Sinhala's Sri (ශ්‍රී: sha, al-lakuna, joiner, ra, ii) and
        // Devanagari's half forms write a joiner after the virama; a
        // non-joiner there shows the virama. Part of the name, as above.
        let sri = "\u{0dc1}\u{0dca}\u{200d}\u{0dbb}\u{0dd3} \u{0dbd}\u{0d82}\u{0d9a}\u{0dcf}";
        let hindi = "\u{0932}\u{0915}\u{094d}\u{200d}\u{0937}\u{094d}\u{092e}\u{0940}";
        let marathi = "\u{0915}\u{094d}\u{200c}\u{0937}";
        // Malayalam's older chillu: a joiner after the virama at the end.
        let malayalam = "\u{0d30}\u{0d3e}\u{0d1c}\u{0d28}\u{0d4d}\u{200d}";
        for good in [sri, hindi, marathi, malayalam] {
            assert_eq!(name_problem(good), None, "{good:?}");
        }
        assert!(names_alike(sri, &sri.replace('\u{200d}', "")));
        for bad in [
            "Ra\u{200c}na",
            "\u{200c}\u{645}\u{62d}",
            "\u{645}\u{62d}\u{200c}",
            // At a word's start, not after a virama (`भा<ZWJ>रत` draws as
            // `भारत`), between two scripts.
            "\u{200d}\u{0dbb}",
            "\u{092d}\u{093e}\u{200d}\u{0930}\u{0924}",
            "Ra\u{200d}\u{0915}",
            "Rana\u{fe0f}",
            "Ra\u{2065}na",
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn non_canonical_point_encodings_are_refused() {
        // For y < 19, y + p (p = 2^255 - 19) fits in 255 bits too: a second
        // encoding of the same point. Try each such y that is on the curve
        // and not of small order.
        let mut tried = 0;
        for small in 0u8..19 {
            let mut canonical = [0u8; 32];
            canonical[0] = small;
            let mut other = [0xffu8; 32];
            other[0] = 0xed + small;
            other[31] = 0x7f;
            let (Ok(c), Ok(o)) = (
                VerifyingKey::from_bytes(&canonical),
                VerifyingKey::from_bytes(&other),
            ) else {
                continue;
            };
            if c.is_weak() {
                continue;
            }
            assert_eq!(
                c.to_edwards(),
                o.to_edwards(),
                "y = {small}: the same point"
            );
            // The canonical one is refused only for a small-order
            // component (most points of the curve have one: see the next
            // test).
            let err = PublicKey::from_openssh(&ed25519_line(other)).unwrap_err();
            assert!(err.contains("non-canonical"), "{err}");
            let canonical = PublicKey::from_openssh(&ed25519_line(canonical));
            if c.to_edwards().is_torsion_free() {
                assert!(canonical.is_ok());
            } else {
                assert!(canonical.unwrap_err().contains("small-order component"));
            }
            tried += 1;
        }
        assert!(tried > 0, "some y < 19 is a point of large order");
    }

    /// A real key plus each point of small order but the identity: the
    /// sum is of large order (not weak), but OpenSSH refuses most of its
    /// holder's signatures; refused at enrolment. The real key passes.
    #[test]
    fn a_key_with_a_small_order_component_is_refused() {
        let signer = Signer::generate("rana").unwrap();
        let real = signer.verifying_key();
        assert!(PublicKey::from_openssh(&ed25519_line(*real.as_bytes())).is_ok());
        let mut refused = 0;
        for t in crate::sigcheck::small_order_encodings() {
            let Ok(t) = VerifyingKey::from_bytes(t) else {
                continue;
            };
            let mixed = (real.to_edwards() + t.to_edwards()).compress().to_bytes();
            if mixed == *real.as_bytes() {
                continue; // the identity
            }
            assert!(!VerifyingKey::from_bytes(&mixed).unwrap().is_weak());
            let err = PublicKey::from_openssh(&ed25519_line(mixed)).unwrap_err();
            assert!(err.contains("small-order component"), "{err}");
            refused += 1;
        }
        assert_eq!(refused, 7, "every point of small order but the identity");
    }
}
