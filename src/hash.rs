//! SHA-256 digests as a type, so that entry hashes, source hashes and tree
//! nodes are never confused with loose strings or byte vectors.

use sha2::{Digest, Sha256};
use std::fmt;

/// The value of each lowercase hex digit, 0xff for every other byte: one
/// lookup a digit (verify reads several hashes in every payload).
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

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
        let digits: &[u8; 64] = s.as_bytes().try_into().ok()?;
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let (hi, lo) = (HEX_VALUE[pair[0] as usize], HEX_VALUE[pair[1] as usize]);
            if (hi | lo) > 0xf {
                return None;
            }
            *byte = hi << 4 | lo;
        }
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

/// The tables hold hashes as 32-byte blobs; another length is a damaged row.
impl rusqlite::types::FromSql for Hash {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let b = v.as_blob()?;
        Hash::from_slice(b).ok_or(rusqlite::types::FromSqlError::InvalidBlobSize {
            expected_size: 32,
            blob_size: b.len(),
        })
    }
}

/// In every JSON claimtrail writes, a hash is its 64 lowercase hex digits.
impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::model::hex_hash::serialize(self, s)
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

    /// `from_hex` takes exactly the 64-character strings of lowercase
    /// digits that the hex crate decodes, every other byte in any place
    /// refused.
    #[test]
    fn from_hex_takes_lowercase_digits_only() {
        let good = Hash::sha256(b"claimtrail").to_hex();
        for at in [0, 1, 31, 62, 63] {
            for b in 0..=255u8 {
                let mut s = good.clone().into_bytes();
                s[at] = b;
                let Ok(s) = String::from_utf8(s) else {
                    continue;
                };
                let mut want = [0u8; 32];
                let want = (b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    .then(|| hex::decode_to_slice(&s, &mut want).map(|_| Hash(want)).ok())
                    .flatten();
                assert_eq!(Hash::from_hex(&s), want, "byte {b:#x} at {at}");
            }
        }
        assert_eq!(Hash::from_hex(&good[..62]), None);
        assert_eq!(Hash::from_hex(&format!("{good}0")), None);
        assert_eq!(Hash::from_hex(&format!("é{}", &good[2..])), None);
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
