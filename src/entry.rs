//! The entry of format v1 (DESIGN "The entry"): the canonical payload that
//! is signed, the leaf framing, and the entry hash. Append and verify both
//! go through here, so there is one definition of the bytes.

use crate::canonical;
use crate::hash::Hash;
use crate::model::{Body, Fingerprint, Kind, Seq};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `payload.v` of this format.
pub const FORMAT_VERSION: u64 = 1;

/// Largest payload accepted (a bound for hostile input, far above any real
/// entry: source texts are not in payloads, only their hashes).
pub const MAX_PAYLOAD: usize = 1 << 20;

/// The header fields of a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub log: String,
    pub seq: Seq,
    pub prev: Hash,
    pub time: String,
    pub signer: Fingerprint,
    pub kind: Kind,
}

/// A payload: header and typed body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub header: Header,
    pub body: Body,
}

/// Which part of a payload failed to parse, so verify can name the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// Not the RFC 8785 canonical form of a JSON object (or not JSON).
    Canonical(String),
    /// A header field is missing, extra or malformed.
    Header(String),
    /// The body does not match its kind's schema.
    Body(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPayload {
    v: u64,
    log: String,
    seq: u64,
    prev: String,
    time: String,
    signer: String,
    kind: String,
    body: serde_json::Value,
}

impl Payload {
    /// The canonical JSON bytes that are signed.
    pub fn to_bytes(&self) -> Result<Vec<u8>, canonical::CanonicalError> {
        let h = &self.header;
        let v = serde_json::json!({
            "v": FORMAT_VERSION,
            "log": h.log,
            "seq": h.seq.0,
            "prev": h.prev.to_hex(),
            "time": h.time,
            "signer": h.signer.as_str(),
            "kind": h.kind.as_str(),
            "body": self.body.to_value(),
        });
        canonical::to_canonical(&v)
    }

    /// Parses payload bytes, checking in order: size and canonical form,
    /// header fields, body schema. It does not check anything that needs the
    /// rest of the log (seq, prev, signer's enrolment, references).
    pub fn parse(bytes: &[u8]) -> Result<Payload, PayloadError> {
        if bytes.len() > MAX_PAYLOAD {
            return Err(PayloadError::Canonical(format!(
                "payload is {} bytes, more than the {MAX_PAYLOAD} allowed",
                bytes.len()
            )));
        }
        // Fast path (verify parses every entry): read the typed payload
        // once, write it back, and require the very same bytes. Equality
        // proves the bytes are canonical JSON *and* the one written form
        // of their meaning (no omitted null, no other spelling). Only when
        // something is wrong is the slower diagnosis run, so that the
        // reported check is the first that fails.
        match Payload::parse_typed(bytes) {
            Ok(p) => match p.to_bytes() {
                Ok(written) if written == bytes => Ok(p),
                _ => Err(diagnose(bytes, None)),
            },
            Err(e) => Err(diagnose(bytes, Some(e))),
        }
    }

    fn parse_typed(bytes: &[u8]) -> Result<Payload, PayloadError> {
        let raw: RawPayload =
            serde_json::from_slice(bytes).map_err(|e| PayloadError::Header(e.to_string()))?;
        if raw.v != FORMAT_VERSION {
            return Err(PayloadError::Header(format!(
                "format version {} is not {FORMAT_VERSION}",
                raw.v
            )));
        }
        let prev = Hash::from_hex(&raw.prev)
            .ok_or_else(|| PayloadError::Header("prev is not 64 lowercase hex digits".into()))?;
        crate::clock::check_utc(&raw.time)
            .map_err(|e| PayloadError::Header(format!("time: {e}")))?;
        let signer: Fingerprint = raw
            .signer
            .parse()
            .map_err(|e: crate::model::BadFingerprint| PayloadError::Header(e.to_string()))?;
        let kind: Kind = raw.kind.parse().map_err(PayloadError::Header)?;
        let body =
            Body::from_value(kind, raw.body).map_err(|e| PayloadError::Body(e.to_string()))?;
        Ok(Payload {
            header: Header {
                log: raw.log,
                seq: Seq(raw.seq),
                prev,
                time: raw.time,
                signer,
                kind,
            },
            body,
        })
    }
}

/// Why bytes that did not round-trip were refused: not canonical JSON
/// first; else the typed parse's own error; else a body that is not in its
/// one written form.
fn diagnose(bytes: &[u8], typed: Option<PayloadError>) -> PayloadError {
    match canonical::canonicalize(bytes) {
        Ok(c) if c == bytes => {}
        Ok(_) => {
            return PayloadError::Canonical("payload is not in RFC 8785 canonical form".into())
        }
        Err(e) => return PayloadError::Canonical(e.to_string()),
    }
    typed.unwrap_or_else(|| {
        PayloadError::Body(
            "the body is not in its one written form (a field is missing or spelled differently)"
                .into(),
        )
    })
}

/// `string(payload) || string(sig)`: SSH wire framing, a big-endian u32
/// length before each part.
pub fn leaf(payload: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len() + sig.len());
    for part in [payload, sig] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The entry hash: `SHA-256(0x00 || leaf)`, the RFC 6962 leaf hash, computed
/// without building the leaf.
pub fn entry_hash(payload: &[u8], sig: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    for part in [payload, sig] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part);
    }
    Hash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KeyRevoke;

    #[test]
    fn leaf_framing_is_pinned() {
        assert_eq!(
            leaf(b"ab", b"c"),
            [0, 0, 0, 2, b'a', b'b', 0, 0, 0, 1, b'c'].to_vec()
        );
        // SHA-256(00 00000002 6162 00000001 63), computed independently with
        // `printf '\x00\x00\x00\x00\x02ab\x00\x00\x00\x01c' | sha256sum`.
        assert_eq!(
            entry_hash(b"ab", b"c").to_hex(),
            "cc081c7b9d033c13d080d085f55e83ea76aadd31559dbcc0dad27c11dac1f7c2"
        );
    }

    #[test]
    fn payload_round_trip_and_canonical_bytes() {
        let p = Payload {
            header: Header {
                log: "newsroom.example/idlib-2022".into(),
                seq: Seq(3),
                prev: Hash::ZERO,
                time: "2026-11-24T19:13:28Z".into(),
                signer: "SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .parse()
                    .unwrap(),
                kind: Kind::KeyRevoke,
            },
            body: Body::KeyRevoke(KeyRevoke {
                fingerprint: "SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                    .parse()
                    .unwrap(),
                reason: "laptop lost — «urgent»\n".into(),
            }),
        };
        let bytes = p.to_bytes().unwrap();
        let expected = concat!(
            r#"{"body":{"fingerprint":"SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","reason":"laptop lost — «urgent»\n"},"#,
            r#""kind":"key.revoke","log":"newsroom.example/idlib-2022","prev":"0000000000000000000000000000000000000000000000000000000000000000","#,
            r#""seq":3,"signer":"SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","time":"2026-11-24T19:13:28Z","v":1}"#
        );
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
        assert_eq!(Payload::parse(&bytes).unwrap(), p);

        let spaced = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("\"v\":1", "\"v\": 1");
        assert!(matches!(
            Payload::parse(spaced.as_bytes()),
            Err(PayloadError::Canonical(_))
        ));
        let extra = String::from_utf8(bytes)
            .unwrap()
            .replace("\"v\":1", "\"v\":1,\"w\":2");
        assert!(matches!(
            Payload::parse(extra.as_bytes()),
            Err(PayloadError::Header(_))
        ));
    }

    #[test]
    fn one_written_form_per_meaning() {
        use crate::model::{AnnotationAdd, ItemId, Ref, Verdict};
        let ann = Payload {
            header: Header {
                log: "newsroom.example/idlib-2022".into(),
                seq: Seq(9),
                prev: Hash::ZERO,
                time: "2026-11-24T19:13:28Z".into(),
                signer: "SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .parse()
                    .unwrap(),
                kind: Kind::AnnotationAdd,
            },
            body: Body::AnnotationAdd(AnnotationAdd {
                claim: Ref {
                    id: ItemId::claim(1),
                    hash: Hash::ZERO,
                },
                verdict: Verdict::Disputed,
                reliability: None,
                credibility: None,
                note: None,
                corroborates: vec![],
                contradicts: vec![],
                supersedes: None,
            }),
        };
        let good = ann.to_bytes().unwrap();
        assert_eq!(Payload::parse(&good).unwrap(), ann);
        // The same meaning with an optional member left out instead of null.
        let omitted = String::from_utf8(good)
            .unwrap()
            .replace("\"note\":null,", "");
        assert!(
            matches!(
                Payload::parse(omitted.as_bytes()),
                Err(PayloadError::Body(_))
            ),
            "{omitted}"
        );
    }
}
