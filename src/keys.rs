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
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// SSHSIG namespace of every entry signature (DESIGN).
pub const NAMESPACE: &str = "claimtrail";

/// Environment variable holding the passphrase of a protected key.
pub const PASSPHRASE_ENV: &str = "CLAIMTRAIL_PASSPHRASE";

/// An enrolled ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    ssh: SshPublicKey,
    fingerprint: Fingerprint,
}

impl PublicKey {
    /// Parses an OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`).
    /// Only ed25519 is accepted: the format signs with Ed25519 alone.
    /// Small-order ("weak") points are refused, because the answer of a
    /// signature check on them depends on which Ed25519 rule is applied.
    pub fn from_openssh(line: &str) -> Result<PublicKey, String> {
        let ssh = SshPublicKey::from_openssh(line.trim())
            .map_err(|e| format!("not an OpenSSH public key ({e})"))?;
        PublicKey::from_ssh(ssh)
    }

    /// The public key of an OpenSSH key file, public (`.pub`) or private:
    /// a private key file holds its public half in clear, so this asks for
    /// no passphrase and reads nothing secret.
    pub fn from_key_file(text: &str) -> Result<PublicKey, String> {
        match PrivateKey::from_openssh(text.trim().as_bytes()) {
            Ok(private) => PublicKey::from_ssh(private.public_key().clone()),
            Err(_) => PublicKey::from_openssh(text),
        }
    }

    fn from_ssh(mut ssh: SshPublicKey) -> Result<PublicKey, String> {
        if ssh.algorithm() != Algorithm::Ed25519 {
            return Err(format!(
                "{} keys are not supported: claimtrail signs with ssh-ed25519 only",
                ssh.algorithm()
            ));
        }
        ssh.set_comment("");
        let pk = PublicKey {
            fingerprint: fingerprint_of(&ssh),
            ssh,
        };
        if pk.verifying_key()?.is_weak() {
            return Err(
                "the key is a small-order (weak) Ed25519 point and cannot be enrolled".into(),
            );
        }
        Ok(pk)
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

    pub fn verifying_key(&self) -> Result<VerifyingKey, String> {
        let ed = self
            .ssh
            .key_data()
            .ed25519()
            .ok_or_else(|| "not an ed25519 key".to_string())?;
        VerifyingKey::from_bytes(&ed.0).map_err(|_| "not a valid Ed25519 point".to_string())
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
    .map_err(|e| format!("Ed25519 signature does not verify ({e})"))
}

/// A principal (allowed_signers) and signed-note key name for a key's
/// enrolled name: anything but `[A-Za-z0-9._@-]` becomes `_` (principals
/// are comma-separated patterns; note key names exclude spaces and `+`).
pub fn principal(name: &str) -> String {
    let p: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@-".contains(c) {
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

/// Armors a binary SSHSIG blob as the PEM text `ssh-keygen -Y` reads
/// (`-----BEGIN SSH SIGNATURE-----`, base64 in lines of 70).
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

/// A private key ready to sign.
pub struct Signer {
    private: PrivateKey,
    public: PublicKey,
    /// The expanded Ed25519 key, derived once (deriving it costs a scalar
    /// multiplication, as much as a signature).
    signing: Option<ed25519_dalek::SigningKey>,
}

impl Signer {
    /// Loads an OpenSSH private key, refusing files that others can read
    /// (as ssh does), and decrypting it with the passphrase from
    /// `CLAIMTRAIL_PASSPHRASE` or a terminal prompt.
    pub fn load(path: &Path) -> Result<Signer, Error> {
        let key_err = |reason: String| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| key_err(io_reason(&e)))?;
        if meta.is_file() && meta.len() < 16 << 10 {
            // A public key given by mistake: say so before any permission check.
            if let Ok(t) = std::fs::read_to_string(path) {
                if t.starts_with("ssh-") {
                    return Err(key_err(
                        "this is a public key; give the private key file (without .pub)".into(),
                    ));
                }
            }
        }
        #[cfg(unix)]
        {
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
        let text = Zeroizing::new(std::fs::read(path).map_err(|e| key_err(io_reason(&e)))?);
        Signer::parse(&text, path)
    }

    /// Parses an OpenSSH private key file's bytes (`path` only names it in
    /// errors), decrypting it if needed. Never panics on arbitrary input.
    pub fn parse(text: &[u8], path: &Path) -> Result<Signer, Error> {
        let key_err = |reason: String| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        if text.len() > 64 << 10 {
            return Err(key_err("the file is too large to be a private key".into()));
        }
        let key = PrivateKey::from_openssh(text).map_err(|e| {
            key_err(format!(
                "not an OpenSSH private key ({e}); is this the .pub file?"
            ))
        })?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(key_err(format!(
                "{} keys are not supported; make one with `claimtrail key new` or `ssh-keygen -t ed25519`",
                key.algorithm()
            )));
        }
        let key = if key.is_encrypted() {
            let pass = read_passphrase(&format!("Passphrase for {}: ", path.display()))
                .ok_or_else(|| Error::PassphraseNeeded(path.to_path_buf()))?;
            key.decrypt(pass.as_bytes())
                .map_err(|_| Error::WrongPassphrase(path.to_path_buf()))?
        } else {
            key
        };
        let public = PublicKey::from_ssh(key.public_key().clone()).map_err(key_err)?;
        let signing = key
            .key_data()
            .ed25519()
            .map(|kp| ed25519_dalek::SigningKey::from_bytes(&kp.private.to_bytes()));
        Ok(Signer {
            private: key,
            public,
            signing,
        })
    }

    /// Generates a new ed25519 key (not written anywhere).
    pub fn generate(comment: &str) -> Result<Signer, Error> {
        let mut key = PrivateKey::random(&mut rand_core::OsRng, Algorithm::Ed25519)
            .map_err(|e| Error::Internal(format!("key generation failed: {e}")))?;
        key.set_comment(comment);
        let public = PublicKey::from_ssh(key.public_key().clone()).map_err(Error::Internal)?;
        let signing = key
            .key_data()
            .ed25519()
            .map(|kp| ed25519_dalek::SigningKey::from_bytes(&kp.private.to_bytes()));
        Ok(Signer {
            private: key,
            public,
            signing,
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
        self.private.comment()
    }

    /// Signs `msg` and returns the binary SSHSIG blob stored in `entries.sig`.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let signing = self
            .signing
            .as_ref()
            .ok_or_else(|| Error::Internal("not an ed25519 key".into()))?;
        let raw = ed25519_dalek::Signer::sign(signing, &signed_data(msg));
        let raw = ssh_key::Signature::new(Algorithm::Ed25519, raw.to_bytes().to_vec())
            .map_err(|e| Error::Internal(format!("signing failed: {e}")))?;
        let sig = SshSig::new(
            self.private.public_key().key_data().clone(),
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

    /// The Ed25519 signing key, for C2SP signed notes (checkpoints).
    pub fn ed25519(&self) -> Option<ed25519_dalek::SigningKey> {
        self.signing.clone()
    }

    /// Writes the key as an OpenSSH private key file (mode 0600, never
    /// replacing an existing file) and `PATH.pub`, encrypted with
    /// `passphrase` when one is given.
    pub fn write(&self, path: &Path, passphrase: Option<&str>) -> Result<PathBuf, Error> {
        let pub_path = PathBuf::from(format!("{}.pub", path.display()));
        for p in [path, pub_path.as_path()] {
            if p.exists() {
                return Err(Error::Exists(p.to_path_buf()));
            }
        }
        let key = match passphrase {
            Some(p) => self
                .private
                .encrypt(&mut rand_core::OsRng, p.as_bytes())
                .map_err(|e| Error::Internal(format!("encrypting the key failed: {e}")))?,
            None => self.private.clone(),
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
        write_new(path, text.as_bytes(), 0o600)?;
        if let Err(e) = write_new(&pub_path, public_line.as_bytes(), 0o644) {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(pub_path)
    }
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
    f.write_all(data).map_err(io)?;
    f.sync_all().map_err(io)
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The passphrase from `CLAIMTRAIL_PASSPHRASE`, else a prompt on a terminal,
/// else `None`.
pub fn read_passphrase(prompt: &str) -> Option<Zeroizing<String>> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Some(Zeroizing::new(p));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).ok().map(Zeroizing::new);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_reject_changes() {
        let s = Signer::generate("t").unwrap();
        let sig = s.sign(b"payload").unwrap();
        let parsed = parse_sig(&sig).unwrap();
        let vk = s.public().verifying_key().unwrap();
        verify(&vk, b"payload", &parsed).unwrap();
        assert!(verify(&vk, b"payloaD", &parsed).is_err());
        let other = Signer::generate("o").unwrap();
        assert!(verify(
            &other.public().verifying_key().unwrap(),
            b"payload",
            &parsed
        )
        .is_err());
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
        assert_eq!(back.fingerprint(), s.fingerprint());
        assert!(s.fingerprint().as_str().starts_with("SHA256:"));
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
    }
}
