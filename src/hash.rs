//! SHA-256 digests as a type, so that entry hashes, source hashes and tree
//! nodes are never confused with loose strings or byte vectors.

use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest. Displayed and parsed as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero hash: `prev` of the entry at `seq` 0.
    pub const ZERO: Hash = Hash([0u8; 32]);

    /// SHA-256 of `data`.
    pub fn sha256(data: &[u8]) -> Hash {
        Hash(Sha256::digest(data).into())
    }

    /// Lowercase hex, as written in payloads (`prev`, `sha256`, references).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The 64 lowercase hex digits as bytes, on the stack (payloads write
    /// several hashes each, verify writes every payload back).
    pub fn hex_digits(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        // Cannot fail: 32 bytes make exactly 64 digits.
        let _ = hex::encode_to_slice(self.0, &mut out);
        out
    }

    /// Parses exactly 64 lowercase hex digits; anything else is `None`
    /// (uppercase is refused so that a hash has one spelling only).
    pub fn from_hex(s: &str) -> Option<Hash> {
        if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Hash(out))
    }

    /// Takes a 32-byte slice (e.g. a BLOB column); `None` for any other length.
    pub fn from_slice(b: &[u8]) -> Option<Hash> {
        <[u8; 32]>::try_from(b).ok().map(Hash)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_string_digest_is_the_known_answer() {
        assert_eq!(
            Hash::sha256(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_round_trip_and_one_spelling() {
        let h = Hash::sha256(b"abc");
        assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()), None);
        assert_eq!(Hash::from_hex("00"), None);
    }

    /// The stack digits spell a hash exactly as `to_hex` does, and
    /// `from_hex` reads it back.
    #[test]
    fn hex_digits_match_the_hex_crate() {
        for seed in [&b""[..], b"a", b"claimtrail", &[0xff; 40]] {
            let h = Hash::sha256(seed);
            assert_eq!(&h.hex_digits()[..], hex::encode(h.0).as_bytes());
            assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        }
        assert_eq!(&Hash::ZERO.hex_digits()[..], "0".repeat(64).as_bytes());
    }
}
