//! The entry of format v1 (DESIGN "The entry"): the canonical payload that
//! is signed, the leaf framing, and the entry hash. Append and verify both
//! go through here, so there is one definition of the bytes.

use crate::canonical;
use crate::hash::Hash;
use crate::model::{Body, Fingerprint, Kind, Seq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;

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

impl PayloadError {
    /// The check of verify's report that the failure falls under.
    pub fn check(&self) -> crate::rules::Check {
        use crate::rules::Check;
        match self {
            PayloadError::Canonical(_) => Check::Canonical,
            PayloadError::Header(_) => Check::Header,
            PayloadError::Body(_) => Check::Body,
        }
    }

    /// What is wrong, in words.
    pub fn detail(&self) -> &str {
        match self {
            PayloadError::Canonical(d) | PayloadError::Header(d) | PayloadError::Body(d) => d,
        }
    }
}

/// A payload as read, before its header fields are checked, with its body
/// read as `B`. Fields that are only checked, not kept, are borrowed from
/// the input. (The fields' order is the order in which serde reports a
/// missing one, and serde's messages name the struct: verify reports them
/// word for word.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPayload<'a, B> {
    v: u64,
    log: String,
    seq: u64,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    time: String,
    #[serde(borrow)]
    signer: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    body: B,
}

impl<B> RawPayload<'_, B> {
    /// The checked header, and the body as read.
    fn checked(self) -> Result<(Header, B), PayloadError> {
        let header = check_header(
            self.v,
            self.log,
            self.seq,
            &self.prev,
            self.time,
            &self.signer,
            &self.kind,
        )?;
        Ok((header, self.body))
    }
}

/// The general read: the body kept as raw JSON text and deserialised once,
/// straight into the struct of its kind, when the kind is known (it comes
/// after `body` in canonical order).
type RawBodyPayload<'a> = RawPayload<'a, &'a RawValue>;

/// The payload as written: the members in RFC 8785 order (so the canonical
/// writer never has to reorder them), borrowing everything from a [`Payload`].
#[derive(Serialize)]
struct WirePayload<'a> {
    body: WireBody<'a>,
    kind: &'static str,
    log: &'a str,
    #[serde(with = "crate::model::hex_hash")]
    prev: Hash,
    seq: u64,
    signer: &'a str,
    time: &'a str,
    v: u64,
}

/// A body serialised as its kind's struct, i.e. as [`Body::to_value`] does.
struct WireBody<'a>(&'a Body);

impl Serialize for WireBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Body::LogInit(b) => b.serialize(s),
            Body::KeyAdd(b) => b.serialize(s),
            Body::KeyRevoke(b) => b.serialize(s),
            Body::SourceAdd(b) => b.serialize(s),
            Body::SourceRedact(b) => b.serialize(s),
            Body::SourceAmend(b) => b.serialize(s),
            Body::ClaimAdd(b) => b.serialize(s),
            Body::ClaimRetract(b) => b.serialize(s),
            Body::AnnotationAdd(b) => b.serialize(s),
            Body::AnnotationRetract(b) => b.serialize(s),
            Body::CheckpointAdd(b) => b.serialize(s),
        }
    }
}

/// Appends the canonical bytes of the payload of `header` and `body` to `out`.
fn write_parts(
    h: &Header,
    body: &Body,
    out: &mut Vec<u8>,
) -> Result<(), canonical::CanonicalError> {
    let wire = WirePayload {
        body: WireBody(body),
        kind: h.kind.as_str(),
        log: &h.log,
        prev: h.prev,
        seq: h.seq.0,
        signer: h.signer.as_str(),
        time: &h.time,
        v: FORMAT_VERSION,
    };
    canonical::write_into(&wire, out)
}

thread_local! {
    /// [`Payload::parse`]'s write-back buffer, reused across calls (and
    /// [`Payload::encoded_len`]'s).
    static WRITE_BACK: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's write buffer, emptied first (on a new one when
/// that is in use or gone). A buffer that a rare huge payload grew past
/// 64 KiB is then dropped rather than kept for the thread's life.
fn with_write_buffer<R>(f: impl Fn(&mut Vec<u8>) -> R) -> R {
    let run = |buf: &mut Vec<u8>| {
        buf.clear();
        let out = f(buf);
        if buf.capacity() > 1 << 16 {
            *buf = Vec::new();
        }
        out
    };
    WRITE_BACK
        .try_with(|cell| cell.try_borrow_mut().ok().map(|mut buf| run(&mut buf)))
        .ok()
        .flatten()
        .unwrap_or_else(|| run(&mut Vec::new()))
}

impl Payload {
    /// The canonical JSON bytes that are signed: the RFC 8785 form of
    /// `{"body": <body>, "kind", "log", "prev", "seq", "signer", "time",
    /// "v": 1}`, written directly by [`canonical::write_into`] (the same
    /// bytes and errors as [`canonical::to_canonical`] of that object built
    /// as a `serde_json::Value`, without building it).
    pub fn to_bytes(&self) -> Result<Vec<u8>, canonical::CanonicalError> {
        let mut out = Vec::with_capacity(1024);
        self.write_into(&mut out)?;
        Ok(out)
    }

    /// Appends [`Payload::to_bytes`] to `out` (left as it was on error).
    fn write_into(&self, out: &mut Vec<u8>) -> Result<(), canonical::CanonicalError> {
        write_parts(&self.header, &self.body, out)
    }

    /// The length of [`Payload::to_bytes`] for this header and body, without
    /// owning them: what the append path checks against [`MAX_PAYLOAD`]
    /// before it signs, because verify refuses a longer payload (its first
    /// check, `canonical`) and an entry once appended stays in the log.
    /// Writes into a reused per-thread buffer.
    pub fn encoded_len(header: &Header, body: &Body) -> Result<usize, canonical::CanonicalError> {
        with_write_buffer(|buf| write_parts(header, body, buf).map(|()| buf.len()))
    }

    /// True iff this payload is written as exactly `bytes`. Writes into a
    /// reused per-thread buffer rather than a new one per entry.
    fn writes_back_as(&self, bytes: &[u8]) -> bool {
        with_write_buffer(|buf| self.write_into(buf).is_ok() && buf[..] == *bytes)
    }

    /// The signer and time that a payload in canonical form ends with
    /// (`…,"signer":"SHA256:…","time":"…","v":1}`: the header's last
    /// fields in key order), read from its end without parsing it, so
    /// that `log --by` or `--since` can pass over a million entries
    /// without parsing each. `None` for bytes that do not end so. It
    /// proves nothing: a payload that [`Payload::parse`] refuses may end
    /// so too, which is why it only decides what to leave out, and what
    /// it keeps is parsed.
    pub fn signer_and_time(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
        fn before_last<'a>(hay: &'a [u8], needle: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
            let i = hay.windows(needle.len()).rposition(|w| w == needle)?;
            Some((&hay[..i], &hay[i + needle.len()..]))
        }
        let end = format!("\",\"v\":{FORMAT_VERSION}}}");
        let rest = bytes.strip_suffix(end.as_bytes())?;
        let (rest, time) = before_last(rest, b",\"time\":\"")?;
        let (_, signer) = before_last(rest.strip_suffix(b"\"")?, b",\"signer\":\"")?;
        Some((signer, time))
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
        // proves the bytes are canonical JSON (the writer writes nothing
        // else) *and* the one written form of their meaning (no omitted
        // null, no other spelling, no array in place of an object); and as
        // different payloads are written differently, it also proves that
        // the payload read is the one the bytes mean.
        //
        // What the fast path does not do is explain a refusal: whenever it
        // fails, the general typed parse runs, and then the diagnosis, so
        // that the reported check is the first that fails (canonical form
        // before header before body), exactly as without the fast path.
        //
        // Before it, a faster way to the same typed payload: the kind the
        // bytes seem to have (see `kind_guess`) lets the body be read
        // straight into its struct in the one pass over the bytes, instead
        // of being scanned once as raw JSON and then read. What it returns
        // passes the same write-back test, so it is the payload the general
        // parse would return; when it returns nothing, the general parse
        // decides.
        if let Some(p) = kind_guess(bytes).and_then(|kind| parse_known(bytes, kind)) {
            if p.writes_back_as(bytes) {
                return Ok(p);
            }
        }
        match Payload::parse_typed(bytes) {
            Ok(p) if p.writes_back_as(bytes) => Ok(p),
            Ok(_) => Err(diagnose(bytes, None)),
            Err(e) => Err(diagnose(bytes, Some(e))),
        }
    }

    /// The general typed parse: any JSON layout, with serde_json's own
    /// errors (the first check that fails is reported).
    fn parse_typed(bytes: &[u8]) -> Result<Payload, PayloadError> {
        let raw: RawBodyPayload =
            serde_json::from_slice(bytes).map_err(|e| PayloadError::Header(e.to_string()))?;
        let (header, body) = raw.checked()?;
        let body = parse_body(header.kind, body)?;
        Ok(Payload { header, body })
    }
}

/// The kind a canonical payload's bytes name. In canonical order `kind` is
/// the member after `body`, and no member after it holds an object, so the
/// last `,"kind":"` is the payload's own (a `"` inside a JSON string is
/// escaped, so these bytes cannot be inside one). Only a guess: any bytes
/// may come in, and `parse_known` checks it. A reader with no `kind`
/// column (published entries) also numbers the items of a payload that
/// does not parse by it, as verify numbers them by the column.
pub fn kind_guess(bytes: &[u8]) -> Option<Kind> {
    const KEY: &[u8] = b",\"kind\":\"";
    // Searched from the end (the kind is a few hundred bytes before it),
    // the key's rarest byte tested before the whole key.
    let at = bytes
        .windows(KEY.len())
        .rposition(|w| w[2] == KEY[2] && w == KEY)?
        + KEY.len();
    let len = bytes[at..].iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&bytes[at..at + len]).ok()?.parse().ok()
}

/// The payload read in one pass with its body as `kind`'s struct, and its
/// header checked; `None` on any failure or if the payload's kind is not
/// `kind` (the general parse then decides, and says why).
fn parse_known(bytes: &[u8], kind: Kind) -> Option<Payload> {
    fn read<'a, B: Deserialize<'a>>(bytes: &'a [u8], wrap: fn(B) -> Body) -> Option<Payload> {
        // One UTF-8 check of the whole payload, then serde_json's `str`
        // reader, which does not check each string again: a parse took
        // about 2.2 µs instead of 3.2 (the bench's payloads, one thread).
        let raw: RawPayload<'a, B> = serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()?;
        let (header, body) = raw.checked().ok()?;
        Some(Payload {
            header,
            body: wrap(body),
        })
    }
    let p = match kind {
        Kind::LogInit => read(bytes, Body::LogInit),
        Kind::KeyAdd => read(bytes, Body::KeyAdd),
        Kind::KeyRevoke => read(bytes, Body::KeyRevoke),
        Kind::SourceAdd => read(bytes, Body::SourceAdd),
        Kind::SourceRedact => read(bytes, Body::SourceRedact),
        Kind::SourceAmend => read(bytes, Body::SourceAmend),
        Kind::ClaimAdd => read(bytes, Body::ClaimAdd),
        Kind::ClaimRetract => read(bytes, Body::ClaimRetract),
        Kind::AnnotationAdd => read(bytes, Body::AnnotationAdd),
        Kind::AnnotationRetract => read(bytes, Body::AnnotationRetract),
        Kind::CheckpointAdd => read(bytes, Body::CheckpointAdd),
    }?;
    (p.header.kind == kind).then_some(p)
}

/// Checks the header fields, in this order: format version, prev, time,
/// signer, kind.
fn check_header(
    v: u64,
    log: String,
    seq: u64,
    prev: &str,
    time: String,
    signer: &str,
    kind: &str,
) -> Result<Header, PayloadError> {
    if v != FORMAT_VERSION {
        return Err(PayloadError::Header(format!(
            "format version {v} is not {FORMAT_VERSION}"
        )));
    }
    let prev = Hash::from_hex(prev)
        .ok_or_else(|| PayloadError::Header("prev is not 64 lowercase hex digits".into()))?;
    crate::clock::check_utc(&time).map_err(|e| PayloadError::Header(format!("time: {e}")))?;
    let signer: Fingerprint = signer
        .parse()
        .map_err(|e: crate::model::BadFingerprint| PayloadError::Header(e.to_string()))?;
    let kind: Kind = kind.parse().map_err(PayloadError::Header)?;
    Ok(Header {
        log,
        seq: Seq(seq),
        prev,
        time,
        signer,
        kind,
    })
}

/// Deserialises a body of `kind` from its JSON text.
fn parse_body_str(kind: Kind, json: &str) -> Result<Body, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let body = Body::deserialize_kind(kind, &mut de)?;
    de.end()?;
    Ok(body)
}

/// Deserialises a body straight into its kind's struct. Only if that fails
/// is it read as a `serde_json::Value` and converted with
/// [`Body::from_value`], as before this fast path existed: whichever result
/// that gives (the value or the error, with its message) is the one
/// returned, so the slow conversion stays the definition and rejected
/// bodies are reported word for word as before.
fn parse_body(kind: Kind, raw: &RawValue) -> Result<Body, PayloadError> {
    let json = raw.get();
    parse_body_str(kind, json).or_else(|_| {
        let value = serde_json::from_str(json).map_err(|e| PayloadError::Body(e.to_string()))?;
        Body::from_value(kind, value).map_err(|e| PayloadError::Body(e.to_string()))
    })
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

/// The payload and signature of a leaf, if it is exactly
/// `string(payload) || string(sig)`: what a reader of published entries
/// (which are leaves) gets back. `None` for any other bytes.
pub fn split_leaf(leaf: &[u8]) -> Option<(&[u8], &[u8])> {
    fn string(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let (len, rest) = b.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        (rest.len() >= len).then(|| rest.split_at(len))
    }
    let (payload, rest) = string(leaf)?;
    let (sig, rest) = string(rest)?;
    rest.is_empty().then_some((payload, sig))
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
    use crate::model::*;

    #[test]
    fn body_fields_are_declared_in_canonical_order() {
        // serde_json writes fields in declaration order (through the
        // same `WireBody` the signed payload is written with); the
        // canonical writer sorts them. With every optional field present and plain
        // ASCII strings, the two agree only if the declarations are sorted.
        let h = Hash::sha256(b"x");
        let r = Ref {
            hash: h,
            id: ItemId::claim(2),
        };
        let fp: Fingerprint = "SHA256:p12oj3OJ4yvV34fzwsM/l32UQOWeaoKfhr3ZmRmHNlU"
            .parse()
            .unwrap();
        let bodies = [
            Body::LogInit(LogInit {
                key: "ssh-ed25519 AAAA".into(),
                name: "n".into(),
                origin: "o".into(),
            }),
            Body::KeyAdd(KeyAdd {
                key: "ssh-ed25519 AAAA".into(),
                name: "n".into(),
                role: Role::Analyst,
            }),
            Body::KeyRevoke(KeyRevoke {
                fingerprint: fp,
                reason: "r".into(),
            }),
            Body::SourceAdd(SourceAdd {
                author: Some("a".into()),
                derived_from: vec![r],
                kind: SourceKind::Tweet,
                length: 1,
                media_type: "text/plain".into(),
                published: Some("2022-07-22".into()),
                publisher: Some("p".into()),
                retrieved: "2026-12-02T00:00:00Z".into(),
                sha256: h,
                title: Some("t".into()),
                url: Some("https://example.org/".into()),
            }),
            Body::SourceRedact(SourceRedact {
                reason: "r".into(),
                source: r,
            }),
            Body::SourceAmend(SourceAmend {
                author: Some("a".into()),
                clear: Cleared::default(),
                kind: Some(SourceKind::Article),
                published: Some("2022-07-22".into()),
                publisher: Some("p".into()),
                reason: "r".into(),
                source: r,
                title: Some("t".into()),
                url: Some("https://example.org/".into()),
            }),
            // `clear`, written only when it lists a field, among the
            // others (null when cleared).
            Body::SourceAmend(SourceAmend {
                author: None,
                clear: Cleared::of(SourceField::ALL.iter().copied()),
                kind: Some(SourceKind::Article),
                published: None,
                publisher: None,
                reason: "r".into(),
                source: r,
                title: None,
                url: None,
            }),
            Body::ClaimAdd(ClaimAdd {
                end: 2,
                prefix: "p".into(),
                provenance: SourceKind::Statement,
                quote_sha256: h,
                source: r,
                speaker: "s".into(),
                start: 1,
                suffix: "s".into(),
                text: Some("t".into()),
            }),
            Body::ClaimRetract(ClaimRetract {
                claim: r,
                reason: "r".into(),
                replaced_by: Some(r),
            }),
            Body::AnnotationAdd(AnnotationAdd {
                claim: r,
                contradicts: vec![r],
                corroborates: vec![r],
                credibility: Credibility::new(3),
                note: Some("n".into()),
                reliability: Some(Reliability::B),
                supersedes: Some(r),
                verdict: Verdict::Disputed,
            }),
            Body::AnnotationRetract(AnnotationRetract {
                annotation: r,
                reason: "r".into(),
            }),
            Body::CheckpointAdd(CheckpointAdd {
                note: "n".into(),
                root: h,
                size: 1,
            }),
        ];
        for body in &bodies {
            let declared = serde_json::to_vec(&WireBody(body)).unwrap();
            let canonical = crate::canonical::to_vec(&body.to_value()).unwrap();
            assert_eq!(
                String::from_utf8(declared).unwrap(),
                String::from_utf8(canonical).unwrap(),
                "{:?}",
                body.kind()
            );
        }
    }

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

    /// A leaf splits back into exactly what made it; any other framing
    /// (short, long, trailing bytes, a length past the end) is refused.
    #[test]
    fn split_leaf_inverts_leaf_and_nothing_else() {
        for (p, s) in [
            (&b"ab"[..], &b"c"[..]),
            (b"", b""),
            (b"{}", &[7u8; 300][..]),
        ] {
            assert_eq!(split_leaf(&leaf(p, s)), Some((p, s)));
        }
        let good = leaf(b"ab", b"c");
        assert_eq!(split_leaf(&good[..good.len() - 1]), None);
        assert_eq!(split_leaf(&[good.as_slice(), b"x"].concat()), None);
        assert_eq!(split_leaf(&[0, 0, 0, 9, b'a']), None);
        assert_eq!(split_leaf(&[0, 0, 0]), None);
        assert_eq!(split_leaf(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), None);
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
        let extra = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("\"v\":1", "\"v\":1,\"w\":2");
        assert!(matches!(
            Payload::parse(extra.as_bytes()),
            Err(PayloadError::Header(_))
        ));

        // The one-pass read: it finds the payload's own kind, and reads the
        // payload only as that kind (the proptests below hold `parse` equal
        // to the parse it speeds up on any bytes).
        assert_eq!(kind_guess(&bytes), Some(Kind::KeyRevoke));
        assert_eq!(parse_known(&bytes, Kind::KeyRevoke), Some(p));
        assert_eq!(parse_known(&bytes, Kind::KeyAdd), None);
        let source = br#"{"body":{"kind":"interview"},"kind":"source.add","log":"x"}"#;
        assert_eq!(kind_guess(source), Some(Kind::SourceAdd));
        for odd in [
            &b""[..],
            b",\"kind\":\"",
            b",\"kind\":\"tweet\"",
            b"{\"kind\":\"key.add\"}",
        ] {
            assert_eq!(kind_guess(odd), None, "{}", String::from_utf8_lossy(odd));
        }
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

    /// `source.amend`'s `clear`: absent when nothing is cleared (an
    /// amendment signed before the member existed reads and writes back
    /// byte for byte), present only as a non-empty, sorted list of
    /// distinct fields a source may lack, none of them also given. Every
    /// other spelling is refused (check `body`), so each amendment has one
    /// written form.
    #[test]
    fn a_source_amendment_clears_fields_in_one_written_form() {
        let header = |seq| Header {
            log: "newsroom.example/idlib-2022".into(),
            seq: Seq(seq),
            prev: Hash::ZERO,
            time: "2026-11-24T19:13:28Z".into(),
            signer: "SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                .parse()
                .unwrap(),
            kind: Kind::SourceAmend,
        };
        // An amendment as schema version 7 wrote it (no `clear`).
        let old = concat!(
            r#"{"body":{"author":null,"kind":null,"published":null,"publisher":null,"reason":"typo in the title","#,
            r#""source":{"hash":"0000000000000000000000000000000000000000000000000000000000000000","id":"S1"},"#,
            r#""title":"Dam to be finished by May","url":null},"kind":"source.amend","log":"newsroom.example/idlib-2022","#,
            r#""prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":6,"#,
            r#""signer":"SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","time":"2026-11-24T19:13:28Z","v":1}"#
        );
        let p = Payload::parse(old.as_bytes()).unwrap();
        let Body::SourceAmend(b) = &p.body else {
            panic!("{p:?}")
        };
        assert!(b.clear.is_empty());
        assert_eq!(b.summary(), "title");
        assert_eq!(p.to_bytes().unwrap(), old.as_bytes());

        // One that clears the author and the URL and corrects the title.
        let amend = Payload {
            header: header(7),
            body: Body::SourceAmend(SourceAmend {
                author: None,
                clear: Cleared::of([SourceField::Url, SourceField::Author]),
                kind: None,
                published: None,
                publisher: None,
                reason: "no byline; the URL was another article's".into(),
                source: Ref {
                    hash: Hash::ZERO,
                    id: ItemId::source(1),
                },
                title: Some("Dam to be finished by May".into()),
                url: None,
            }),
        };
        let good = String::from_utf8(amend.to_bytes().unwrap()).unwrap();
        assert!(
            good.starts_with(r#"{"body":{"author":null,"clear":["author","url"],"kind":null,"#),
            "{good}"
        );
        assert_eq!(Payload::parse(good.as_bytes()), Ok(amend.clone()));
        let Body::SourceAmend(b) = &amend.body else {
            unreachable!()
        };
        assert_eq!(b.summary(), "title; author, url cleared");
        assert_eq!(
            b.changes(),
            [
                ("title", Some("Dam to be finished by May".to_string())),
                ("author", None),
                ("url", None),
            ]
        );
        let cleared_only = SourceAmend {
            title: None,
            ..b.clone()
        };
        assert_eq!(cleared_only.summary(), "author, url cleared");

        let edited = |from: &str, to: &str| {
            assert!(good.contains(from), "{from}");
            good.replacen(from, to, 1)
        };
        let clear = r#""clear":["author","url"],"#;
        for (bytes, said) in [
            (edited(clear, r#""clear":[],"#), "clear is empty"),
            (
                edited(clear, r#""clear":["url","author"],"#),
                "clear lists `url` before `author`",
            ),
            (
                edited(clear, r#""clear":["author","author","url"],"#),
                "clear lists `author` twice",
            ),
            (
                edited(clear, r#""clear":["author","kind"],"#),
                "`kind` is not",
            ),
            (edited(clear, r#""clear":["sha256"],"#), "`sha256` is not"),
            (edited(clear, r#""clear":["Author"],"#), "`Author` is not"),
            (edited(clear, r#""clear":null,"#), "invalid type: null"),
            (
                edited(clear, r#""clear":"author","#),
                "invalid type: string",
            ),
            (
                edited(clear, r#""clear":["author","title","url"],"#),
                "`title` is both given and cleared",
            ),
            (
                edited(r#""author":null"#, r#""author":"Jane Roe""#),
                "`author` is both given and cleared",
            ),
        ] {
            match Payload::parse(bytes.as_bytes()) {
                Err(PayloadError::Body(e)) => assert!(e.contains(said), "{e}\n{bytes}"),
                other => panic!("{other:?}\n{bytes}"),
            }
            assert_eq!(
                before::parse(bytes.as_bytes()),
                Payload::parse(bytes.as_bytes())
            );
        }
        // What the append path asks before it writes a body (it refuses
        // one that would not parse).
        let mut both = amend;
        if let Body::SourceAmend(b) = &mut both.body {
            b.author = Some("Jane Roe".into());
            assert_eq!(b.conflict(), Some(SourceField::Author));
        }
    }

    // --- The fast paths against the implementation they replaced -------------

    /// `to_bytes`, `parse_typed` and `parse` as they were before the direct
    /// writer and the single typed parse: the reference for what is accepted,
    /// what is refused, with which error, and which bytes are written.
    mod before {
        use super::super::*;

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

        pub fn to_bytes(p: &Payload) -> Result<Vec<u8>, canonical::CanonicalError> {
            let h = &p.header;
            let v = serde_json::json!({
                "v": FORMAT_VERSION,
                "log": h.log,
                "seq": h.seq.0,
                "prev": h.prev.to_hex(),
                "time": h.time,
                "signer": h.signer.as_str(),
                "kind": h.kind.as_str(),
                "body": p.body.to_value(),
            });
            canonical::to_canonical(&v)
        }

        pub fn parse(bytes: &[u8]) -> Result<Payload, PayloadError> {
            if bytes.len() > MAX_PAYLOAD {
                return Err(PayloadError::Canonical(format!(
                    "payload is {} bytes, more than the {MAX_PAYLOAD} allowed",
                    bytes.len()
                )));
            }
            match parse_typed(bytes) {
                Ok(p) => match to_bytes(&p) {
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
            let prev = Hash::from_hex(&raw.prev).ok_or_else(|| {
                PayloadError::Header("prev is not 64 lowercase hex digits".into())
            })?;
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

    mod arb {
        use super::super::*;
        use crate::model::*;
        use proptest::prelude::*;

        /// Characters that stress escaping and key order: controls, quotes,
        /// backslashes, the BMP above the surrogates, outside the BMP.
        pub fn char_() -> impl Strategy<Value = char> {
            prop_oneof![
                3 => prop::char::range('a', 'z'),
                1 => prop::char::range('\0', '\u{7f}'),
                1 => prop::sample::select(vec!['"', '\\', '/', '\n', '\u{1f}', '\u{7f}', '\u{2028}', 'é', '—', '«']),
                1 => prop::char::range('\u{e000}', '\u{ffff}'),
                1 => prop::char::range('\u{10000}', '\u{10ffff}'),
                1 => any::<char>(),
            ]
        }

        pub fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::collection::vec(char_(), 0..12).prop_map(String::from_iter),
                1 => prop::collection::vec(char_(), 12..80).prop_map(String::from_iter),
                1 => Just(",\"kind\":\"annotation.add\",\"log\":\"x".to_string()),
            ]
        }

        pub fn number() -> impl Strategy<Value = u64> {
            prop_oneof![
                40 => 0..100_000u64,
                2 => Just(canonical::MAX_SAFE_INTEGER as u64),
                1 => Just(canonical::MAX_SAFE_INTEGER as u64 + 1),
                1 => any::<u64>(),
            ]
        }

        pub fn hash() -> impl Strategy<Value = Hash> {
            any::<[u8; 32]>().prop_map(Hash)
        }

        pub fn fingerprint() -> impl Strategy<Value = Fingerprint> {
            "SHA256:[A-Za-z0-9+/]{43}".prop_map(|s| s.parse().unwrap())
        }

        pub fn id() -> impl Strategy<Value = ItemId> {
            (
                prop::sample::select(vec![IdKind::Source, IdKind::Claim, IdKind::Annotation]),
                prop_oneof![1..100u64, 1..1_000_000_000_000_000_000u64],
            )
                .prop_map(|(k, n)| ItemId::new(k, n))
        }

        pub fn ref_() -> impl Strategy<Value = Ref> {
            (id(), hash()).prop_map(|(id, hash)| Ref { id, hash })
        }

        fn refs() -> impl Strategy<Value = Vec<Ref>> {
            prop::collection::vec(ref_(), 0..3)
        }

        pub fn time() -> impl Strategy<Value = String> {
            prop_oneof![
                8 => (1970..2100u32, 1..=12u32, 1..=28u32, 0..24u32, 0..60u32, 0..60u32).prop_map(
                    |(y, mo, d, h, mi, s)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
                ),
                1 => Just("2026-11-24T19:13:28+00:00".to_string()),
                1 => text(),
            ]
        }

        pub fn body() -> BoxedStrategy<Body> {
            let opt = || prop::option::of(text());
            prop_oneof![
                (text(), text(), text()).prop_map(|(origin, key, name)| Body::LogInit(LogInit {
                    origin,
                    key,
                    name
                })),
                (text(), text(), prop::sample::select(Role::ALL))
                    .prop_map(|(key, name, role)| Body::KeyAdd(KeyAdd { key, name, role })),
                (fingerprint(), text()).prop_map(|(fingerprint, reason)| {
                    Body::KeyRevoke(KeyRevoke {
                        fingerprint,
                        reason,
                    })
                }),
                (
                    prop::sample::select(SourceKind::ALL),
                    (opt(), opt(), opt(), opt(), opt()),
                    text(),
                    hash(),
                    number(),
                    text(),
                    refs()
                )
                    .prop_map(
                        |(
                            kind,
                            (title, publisher, author, url, published),
                            retrieved,
                            sha256,
                            length,
                            media_type,
                            derived_from,
                        )| {
                            Body::SourceAdd(SourceAdd {
                                kind,
                                title,
                                publisher,
                                author,
                                url,
                                published,
                                retrieved,
                                sha256,
                                length,
                                media_type,
                                derived_from,
                            })
                        }
                    ),
                (ref_(), text()).prop_map(|(source, reason)| Body::SourceRedact(SourceRedact {
                    source,
                    reason
                })),
                (
                    ref_(),
                    text(),
                    prop::option::of(prop::sample::select(SourceKind::ALL)),
                    (opt(), opt(), opt(), opt(), opt()),
                    prop::collection::vec(prop::sample::select(SourceField::ALL), 0..3),
                )
                    .prop_map(
                        |(
                            source,
                            reason,
                            kind,
                            (title, publisher, author, url, published),
                            clear,
                        )| {
                            Body::SourceAmend(SourceAmend {
                                author,
                                clear: Cleared::of(clear),
                                kind,
                                published,
                                publisher,
                                reason,
                                source,
                                title,
                                url,
                            })
                        }
                    ),
                (ref_(), text()).prop_map(|(annotation, reason)| Body::AnnotationRetract(
                    AnnotationRetract { annotation, reason }
                )),
                (ref_(), text(), prop::option::of(ref_())).prop_map(
                    |(claim, reason, replaced_by)| Body::ClaimRetract(ClaimRetract {
                        claim,
                        reason,
                        replaced_by
                    })
                ),
                (
                    ref_(),
                    number(),
                    number(),
                    hash(),
                    (text(), text(), text()),
                    prop::sample::select(SourceKind::ALL),
                    opt()
                )
                    .prop_map(
                        |(
                            source,
                            start,
                            end,
                            quote_sha256,
                            (prefix, suffix, speaker),
                            provenance,
                            text,
                        )| {
                            Body::ClaimAdd(ClaimAdd {
                                source,
                                start,
                                end,
                                quote_sha256,
                                prefix,
                                suffix,
                                speaker,
                                provenance,
                                text,
                            })
                        }
                    ),
                (
                    ref_(),
                    prop::sample::select(Verdict::ALL),
                    prop::option::of(prop::sample::select(Reliability::ALL)),
                    prop::option::of(1..=6u8),
                    opt(),
                    refs(),
                    refs(),
                    prop::option::of(ref_())
                )
                    .prop_map(
                        |(
                            claim,
                            verdict,
                            reliability,
                            credibility,
                            note,
                            corroborates,
                            contradicts,
                            supersedes,
                        )| {
                            Body::AnnotationAdd(AnnotationAdd {
                                claim,
                                verdict,
                                reliability,
                                credibility: credibility.and_then(Credibility::new),
                                note,
                                corroborates,
                                contradicts,
                                supersedes,
                            })
                        }
                    ),
                (number(), hash(), text()).prop_map(|(size, root, note)| Body::CheckpointAdd(
                    CheckpointAdd { size, root, note }
                )),
            ]
            .boxed()
        }

        pub fn payload() -> BoxedStrategy<Payload> {
            (
                prop_oneof![3 => Just("newsroom.example/idlib-2022".to_string()), 1 => text()],
                number(),
                hash(),
                time(),
                fingerprint(),
                prop::option::weighted(0.1, prop::sample::select(Kind::ALL)),
                body(),
            )
                .prop_map(|(log, seq, prev, time, signer, other_kind, body)| Payload {
                    header: Header {
                        log,
                        seq: Seq(seq),
                        prev,
                        time,
                        signer,
                        // Mostly the body's kind; sometimes another one.
                        kind: other_kind.unwrap_or(body.kind()),
                    },
                    body,
                })
                .boxed()
        }

        /// A JSON value to put somewhere it may or may not belong.
        pub fn stray() -> impl Strategy<Value = serde_json::Value> {
            use serde_json::json;
            prop_oneof![
                Just(json!(null)),
                Just(json!(true)),
                Just(json!(0)),
                Just(json!(-1)),
                Just(json!(7)),
                Just(json!(1u64 << 53)),
                Just(json!(u64::MAX)),
                Just(json!(1.5)),
                Just(json!("")),
                Just(json!("C1")),
                Just(json!("c1")),
                Just(json!("annotation.add")),
                Just(json!("SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")),
                Just(json!(
                    "0000000000000000000000000000000000000000000000000000000000000000"
                )),
                Just(json!("2026-11-24T19:13:28Z")),
                Just(json!({})),
                Just(json!([])),
                Just(
                    json!({"id": "C1", "hash": "0000000000000000000000000000000000000000000000000000000000000000"})
                ),
                text().prop_map(serde_json::Value::String),
            ]
        }
    }

    /// Applies one edit to the `pick`-th node (in pre-order) of `v`.
    fn mutate(
        v: &mut serde_json::Value,
        pick: &mut usize,
        op: u8,
        stray: &serde_json::Value,
    ) -> bool {
        use serde_json::Value;
        if *pick == 0 {
            match (op % 5, &mut *v) {
                (0, _) => *v = stray.clone(),
                (1, Value::Object(m)) if !m.is_empty() => {
                    let key = m.keys().nth(usize::from(op) % m.len()).unwrap().clone();
                    m.remove(&key);
                }
                (1, Value::Array(a)) if !a.is_empty() => {
                    a.remove(usize::from(op) % a.len());
                }
                (2, Value::Object(m)) => {
                    let key = ["zz", "kind", "v", "note", "body", ""][usize::from(op) % 6];
                    m.insert(key.into(), stray.clone());
                }
                (2, Value::Array(a)) => a.push(stray.clone()),
                (3, Value::Object(m)) if !m.is_empty() => {
                    let key = m.keys().nth(usize::from(op) % m.len()).unwrap().clone();
                    let item = m.remove(&key).unwrap();
                    m.insert(format!("{key}x"), item);
                }
                (4, _) => *v = Value::Array(vec![v.take()]),
                _ => *v = stray.clone(),
            }
            return true;
        }
        *pick -= 1;
        match v {
            Value::Object(m) => m.values_mut().any(|item| mutate(item, pick, op, stray)),
            Value::Array(a) => a.iter_mut().any(|item| mutate(item, pick, op, stray)),
            _ => false,
        }
    }

    fn same_outcome(bytes: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
        let new = Payload::parse(bytes);
        let old = before::parse(bytes);
        proptest::prop_assert_eq!(&new, &old, "{}", String::from_utf8_lossy(bytes));
        Ok(())
    }

    fn same_bytes(p: &Payload) -> Result<Option<Vec<u8>>, proptest::test_runner::TestCaseError> {
        let new = p.to_bytes().map_err(|e| format!("{e:?}"));
        let old = before::to_bytes(p).map_err(|e| format!("{e:?}"));
        proptest::prop_assert_eq!(&new, &old);
        Ok(new.ok())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn to_bytes_and_parse_agree_with_before(p in arb::payload()) {
            if let Some(bytes) = same_bytes(&p)? {
                same_outcome(&bytes)?;
                let valid = crate::clock::check_utc(&p.header.time).is_ok()
                    && p.header.kind == p.body.kind()
                    && !matches!(&p.body, Body::SourceAmend(b) if b.conflict().is_some());
                if valid {
                    proptest::prop_assert_eq!(Payload::parse(&bytes), Ok(p));
                }
                // The writer appends, and the write-back buffer is reused.
                let mut out = b"x".to_vec();
                Payload::parse(&bytes).map(|q| q.write_into(&mut out).unwrap()).ok();
                if valid {
                    proptest::prop_assert_eq!(&out[1..], &bytes[..]);
                }
            }
        }

        /// What `log --by` and `--since` read from a payload's end is
        /// what the parse reads, for every payload that parses, even
        /// with `,"signer":"` or `,"time":"` in a note or a log's name.
        #[test]
        fn the_end_of_a_payload_names_its_signer_and_time(
            p in arb::payload(),
            cut in 0..7usize,
        ) {
            let Some(bytes) = p.to_bytes().ok() else { return Ok(()) };
            if let Ok(q) = Payload::parse(&bytes) {
                proptest::prop_assert_eq!(
                    Payload::signer_and_time(&bytes),
                    Some((q.header.signer.as_str().as_bytes(), q.header.time.as_bytes()))
                );
            }
            // Cut short (the `}` gone), it ends with neither.
            let short = &bytes[..bytes.len().saturating_sub(cut + 1)];
            proptest::prop_assert_eq!(Payload::signer_and_time(short), None);
        }

        #[test]
        fn edited_bytes_are_judged_as_before(
            p in arb::payload(),
            edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0..5u8, proptest::prelude::any::<u8>()), 1..4),
        ) {
            let Some(mut bytes) = p.to_bytes().ok() else { return Ok(()) };
            for (at, op, byte) in edits {
                let byte = match byte % 4 {
                    0 => byte,
                    _ => b"\"\\,:{}[] 0123456789anlu-e\n"[usize::from(byte) % 26],
                };
                let i = at.index(bytes.len() + 1);
                match op {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 if i < bytes.len() => { bytes.remove(i); }
                    2 => bytes.insert(i, byte),
                    3 if i < bytes.len() => { let tail = bytes.split_off(i); bytes.extend_from_slice(&tail[tail.len() / 2..]); }
                    _ => bytes.truncate(i),
                }
                same_outcome(&bytes)?;
            }
        }

        #[test]
        fn edited_json_is_judged_as_before(
            p in arb::payload(),
            pick in proptest::prop_oneof![0..3usize, 0..64usize],
            op in proptest::prelude::any::<u8>(),
            stray in arb::stray(),
            layout in 0..4u8,
        ) {
            let Some(bytes) = p.to_bytes().ok() else { return Ok(()) };
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let mut at = pick;
            mutate(&mut v, &mut at, op, &stray);
            let edited = match layout {
                0 => serde_json::to_vec_pretty(&v).unwrap(),
                1 => serde_json::to_vec(&v).unwrap(),
                _ => match canonical::to_canonical(&v) {
                    Ok(c) => c,
                    Err(_) => serde_json::to_vec(&v).unwrap(),
                },
            };
            same_outcome(&edited)?;
        }
    }

    /// Whether byte `i` of canonical JSON `bytes` is inside a string.
    fn in_string(bytes: &[u8], i: usize) -> bool {
        let (mut inside, mut escaped) = (false, false);
        for &b in &bytes[..i] {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => inside = !inside,
                _ => {}
            }
        }
        inside && !escaped
    }

    /// Spells canonical payload bytes differently: the same JSON meaning,
    /// or nearly (`how` 4, 5), in another form.
    fn respell(bytes: &[u8], at: proptest::sample::Index, how: u8) -> Option<Vec<u8>> {
        let positions = |f: &dyn Fn(usize) -> bool| -> Vec<usize> {
            (0..bytes.len()).filter(|&i| f(i)).collect()
        };
        let pick = |candidates: Vec<usize>| -> Option<usize> {
            (!candidates.is_empty()).then(|| candidates[at.index(candidates.len())])
        };
        let mut out = bytes.to_vec();
        match how {
            // Whitespace after a member name.
            0 => {
                let i = pick(positions(&|i| {
                    bytes[i..].starts_with(b"\":") && !in_string(bytes, i + 1)
                }))?;
                out.insert(i + 2, b' ');
            }
            // A letter as a \u escape.
            1 => {
                let i = pick(positions(&|i| {
                    bytes[i].is_ascii_alphabetic() && in_string(bytes, i)
                }))?;
                out.splice(i..i + 1, format!("\\u{:04x}", bytes[i]).bytes());
            }
            // "/" as "\/".
            2 => {
                let i = pick(positions(&|i| bytes[i] == b'/' && in_string(bytes, i)))?;
                out.insert(i, b'\\');
            }
            // A null member left out.
            3 => {
                let i = pick(positions(&|i| {
                    bytes[i..].starts_with(b":null") && !in_string(bytes, i)
                }))?;
                let start = bytes[..i - 1].iter().rposition(|&b| b == b'"')?;
                let end = i + ":null".len();
                if bytes[end] == b',' {
                    out.drain(start..end + 1);
                } else {
                    out.drain(start - 1..end);
                }
            }
            // An integer as a float.
            4 => {
                let i = pick(positions(&|i| {
                    bytes[i] == b':' && bytes[i + 1].is_ascii_digit() && !in_string(bytes, i)
                }))?;
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                out.splice(i + 1 + digits..i + 1 + digits, *b".0");
            }
            // A hex digit in upper case.
            _ => {
                let i = pick(positions(&|i| {
                    matches!(bytes[i], b'a'..=b'f') && in_string(bytes, i)
                }))?;
                out[i] = bytes[i].to_ascii_uppercase();
            }
        }
        Some(out)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn respelled_bytes_are_judged_as_before(
            p in arb::payload(),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            how in 0..6u8,
        ) {
            let Some(bytes) = p.to_bytes().ok() else { return Ok(()) };
            let Some(respelled) = respell(&bytes, at, how) else { return Ok(()) };
            same_outcome(&respelled)?;
            if how < 5 {
                proptest::prop_assert!(Payload::parse(&respelled).is_err());
            }
        }
    }

    #[test]
    fn odd_but_valid_layouts_are_judged_as_before() {
        use crate::model::*;
        let source = Payload {
            header: Header {
                log: "a \"quoted\" \\ log, with ,\"kind\":\"x\" in it\n".into(),
                seq: Seq(0),
                prev: Hash::ZERO,
                time: "2026-11-24T19:13:28Z".into(),
                signer: "SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .parse()
                    .unwrap(),
                kind: Kind::SourceAdd,
            },
            // A body with a member named "kind" of its own.
            body: Body::SourceAdd(SourceAdd {
                kind: SourceKind::Tweet,
                title: Some(",\"kind\":\"annotation.add\"".into()),
                publisher: None,
                author: None,
                url: None,
                published: None,
                retrieved: "2026-11-24T19:13:28Z".into(),
                sha256: Hash::ZERO,
                length: 3,
                media_type: "text/plain".into(),
                derived_from: vec![],
            }),
        };
        let bytes = source.to_bytes().unwrap();
        assert_eq!(before::to_bytes(&source).unwrap(), bytes);
        assert_eq!(Payload::parse(&bytes), Ok(source.clone()));
        assert!(source.writes_back_as(&bytes));

        // The same payload as a JSON array (serde accepts a struct as an
        // array: canonical JSON, read, then refused as not the one written
        // form) and with its members in another order (not canonical).
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let m = v.as_object().unwrap();
        let array = canonical::to_canonical(&serde_json::Value::Array(
            ["v", "log", "seq", "prev", "time", "signer", "kind", "body"]
                .map(|k| m[k].clone())
                .to_vec(),
        ))
        .unwrap();
        let got = Payload::parse(&array);
        assert!(matches!(got, Err(PayloadError::Body(_))), "{got:?}");
        assert_eq!(got, before::parse(&array));
        let reordered = format!(
            "{{\"v\":1,{}",
            std::str::from_utf8(&bytes[1..])
                .unwrap()
                .replace(",\"v\":1}", "}")
        );
        let got = Payload::parse(reordered.as_bytes());
        assert!(matches!(got, Err(PayloadError::Canonical(_))), "{got:?}");
        assert_eq!(got, before::parse(reordered.as_bytes()));

        // Too big a seq cannot be written, with the same error as before.
        let mut big = source;
        big.header.seq = Seq(1 << 53);
        let e = big.to_bytes().unwrap_err().to_string();
        assert_eq!(e, before::to_bytes(&big).unwrap_err().to_string());
        assert!(e.contains("\"/seq\""), "{e}");
        if let Body::SourceAdd(b) = &mut big.body {
            b.length = u64::MAX;
        }
        let e = big.to_bytes().unwrap_err().to_string();
        assert_eq!(e, before::to_bytes(&big).unwrap_err().to_string());
        assert!(e.contains("\"/body/length\""), "{e}");
    }
}
