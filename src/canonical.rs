//! RFC 8785 (JSON Canonicalization Scheme, "JCS") serialisation of entry
//! payloads.
//!
//! # Why JCS
//!
//! A payload is signed and hashed as *bytes*, but it is produced and checked
//! as *JSON*. For a signature or an entry hash to be re-checkable by anyone
//! (another implementation, another language, `ssh-keygen -Y verify`, a
//! verifier in ten years) the mapping from JSON value to bytes must be fixed
//! and public. RFC 8785 is that mapping: no insignificant whitespace, object
//! members sorted by the UTF-16 code units of their names, strings escaped
//! exactly as ECMAScript's `JSON.stringify` does, numbers written as
//! ECMAScript writes IEEE-754 doubles. It also lets a verifier *refuse* a
//! stored payload that is valid JSON but not canonical ([`is_canonical`]), so
//! that each payload value has exactly one accepted byte string.
//!
//! # The claimtrail subset
//!
//! claimtrail payloads contain only strings, integers, booleans, null, arrays
//! and objects. This module therefore refuses:
//!
//! * every number that `serde_json` parses as a floating-point value: `1.5`,
//!   but also `56.0`, `1e3` and `-0` (JCS would rewrite those as `56`,
//!   `1000` and `0`; we want the integer written as an integer in the first
//!   place, and never want to depend on float formatting);
//! * integers outside ±(2^53−1): JCS treats every number as an IEEE-754
//!   double, and larger integers do not all survive that round trip;
//! * (in [`canonicalize`]) objects with duplicate member names, which
//!   `serde_json::Value` would otherwise silently collapse to the last one;
//! * nesting deeper than [`MAX_DEPTH`] arrays/objects. When parsing, this bound
//!   is `serde_json`'s own recursion limit (128, i.e. at most 127 nested
//!   containers); [`to_canonical`] applies the same bound to values built in
//!   memory, so everything it emits can be parsed back.
//!
//! With integers only, the JCS number serialisation reduces to the decimal
//! integer, so no float formatting code is needed.
//!
//! # What canonical form does NOT guarantee
//!
//! Canonical form is about bytes, not meaning. Two payloads that are equal as
//! canonical JSON are the same payload; but canonical form says nothing about
//! whether the fields are the right ones, whether their values are
//! well-formed (a `time` that is not RFC 3339, a `prev` that is not 64 hex
//! digits), or whether two *different* byte strings mean the same thing to a
//! human (`"2026-11-24T19:13:28Z"` vs `"2026-11-24T19:13:28+00:00"`). Nor does
//! it normalise Unicode: `"A\u030a"` and `"Å"` are different strings and stay
//! different bytes (RFC 8785 §3.2.2.2 leaves strings as they are). Checking
//! the meaning of a payload is the job of the entry/body validation, not of
//! this module.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Largest integer magnitude a payload may contain: 2^53 − 1, the largest
/// integer `n` such that every integer in `-n..=n` is exactly representable
/// as an IEEE-754 double (`Number.MAX_SAFE_INTEGER` in ECMAScript).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Deepest nesting of arrays/objects accepted: a top-level `[]` or `{}` has
/// depth 1. This equals what `serde_json`'s fixed recursion limit (128)
/// lets through when parsing, so [`to_canonical`] and [`canonicalize`] agree.
pub const MAX_DEPTH: usize = 127;

/// Why a value or a byte string cannot be put in claimtrail canonical form.
#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    /// The input bytes are not a single well-formed UTF-8 JSON text.
    #[error("input is not valid JSON: {0}")]
    Parse(serde_json::Error),

    /// Arrays/objects nested deeper than [`MAX_DEPTH`].
    #[error("JSON is nested more than {limit} arrays/objects deep")]
    TooDeep {
        /// The bound that was exceeded ([`MAX_DEPTH`]).
        limit: usize,
    },

    /// An object has two members with the same name.
    #[error(
        "duplicate key {key:?} in the object at JSON Pointer \"{object}\" \
         (line {line}, column {column}): each member name may occur only once"
    )]
    DuplicateKey {
        /// The repeated member name.
        key: String,
        /// RFC 6901 JSON Pointer of the object containing it ("" = top level).
        object: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based column of the closing quote of the second occurrence.
        column: usize,
    },

    /// A number with a fraction or exponent, or `-0` (any number `serde_json`
    /// holds as a float).
    #[error(
        "number {number} at JSON Pointer \"{pointer}\" is not an integer: \
         claimtrail payloads contain integers only, written without fraction or exponent"
    )]
    NotInteger {
        /// The number as `serde_json` prints it.
        number: String,
        /// RFC 6901 JSON Pointer of the number.
        pointer: String,
    },

    /// An integer outside ±(2^53−1).
    #[error(
        "integer {number} at JSON Pointer \"{pointer}\" is outside ±(2^53−1): \
         it would not survive the IEEE-754 double round trip that RFC 8785 requires"
    )]
    IntegerOutOfRange {
        /// The integer, in decimal.
        number: String,
        /// RFC 6901 JSON Pointer of the integer.
        pointer: String,
    },
}

/// Serialises `value` in RFC 8785 canonical form (UTF-8, no trailing newline).
///
/// Refuses floats, integers outside ±(2^53−1) and nesting deeper than
/// [`MAX_DEPTH`]; see the module documentation. A `Value` cannot hold
/// duplicate keys, so that check lives in [`canonicalize`].
pub fn to_canonical(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(128);
    let mut path = Vec::new();
    write_value(value, &mut out, &mut path)?;
    Ok(out)
}

/// Parses `bytes` as JSON and returns its RFC 8785 canonical form.
///
/// In addition to what [`to_canonical`] refuses, this refuses input that is
/// not valid UTF-8 JSON (including trailing garbage and lone surrogate
/// escapes), objects with duplicate member names, and nesting deeper than
/// [`MAX_DEPTH`] (enforced by `serde_json`'s built-in recursion limit of
/// 128, which also keeps hostile input from overflowing the stack).
pub fn canonicalize(bytes: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    let value: Value = serde_json::from_slice(bytes).map_err(from_serde)?;
    check_duplicate_keys(bytes)?;
    to_canonical(&value)
}

/// True iff `bytes` is valid claimtrail JSON already in canonical form, i.e.
/// `canonicalize(bytes)` succeeds and returns `bytes` unchanged.
pub fn is_canonical(bytes: &[u8]) -> bool {
    canonicalize(bytes).is_ok_and(|c| c == bytes)
}

fn from_serde(err: serde_json::Error) -> CanonicalError {
    // serde_json exposes no error code; its message for this case is fixed
    // ("recursion limit exceeded at line L column C") and pinned by a test.
    if err.is_syntax() && err.to_string().starts_with("recursion limit exceeded") {
        CanonicalError::TooDeep { limit: MAX_DEPTH }
    } else {
        CanonicalError::Parse(err)
    }
}

// ---------------------------------------------------------------------------
// Paths (for error messages)

/// One step of a path from the root to a value.
enum Step<K> {
    Key(K),
    Index(usize),
}

/// RFC 6901 JSON Pointer for `path` ("" is the whole document).
fn pointer<K: AsRef<str>>(path: &[Step<K>]) -> String {
    let mut s = String::new();
    for step in path {
        s.push('/');
        match step {
            Step::Key(k) => {
                for c in k.as_ref().chars() {
                    match c {
                        '~' => s.push_str("~0"),
                        '/' => s.push_str("~1"),
                        c => s.push(c),
                    }
                }
            }
            Step::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

// ---------------------------------------------------------------------------
// Serialisation

fn write_value<'a>(
    value: &'a Value,
    out: &mut Vec<u8>,
    path: &mut Vec<Step<&'a str>>,
) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_integer(n, out, path)?,
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            enter(path)?;
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push(Step::Index(i));
                write_value(item, out, path)?;
                path.pop();
            }
            out.push(b']');
        }
        Value::Object(map) => {
            enter(path)?;
            out.push(b'{');
            for (i, (key, item)) in sorted_members(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                path.push(Step::Key(key.as_str()));
                write_value(item, out, path)?;
                path.pop();
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Refuses to open a container deeper than [`MAX_DEPTH`]. `path` holds one
/// step per enclosing container, so its length is the current depth.
fn enter<K>(path: &[Step<K>]) -> Result<(), CanonicalError> {
    if path.len() >= MAX_DEPTH {
        Err(CanonicalError::TooDeep { limit: MAX_DEPTH })
    } else {
        Ok(())
    }
}

fn write_integer(n: &Number, out: &mut Vec<u8>, path: &[Step<&str>]) -> Result<(), CanonicalError> {
    if let Some(i) = n.as_i64() {
        if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) {
            // JCS writes numbers as ECMAScript's Number::toString; for a safe
            // integer that is exactly its decimal digits ("-" if negative).
            out.extend_from_slice(i.to_string().as_bytes());
            return Ok(());
        }
    }
    if n.is_i64() || n.is_u64() {
        Err(CanonicalError::IntegerOutOfRange {
            number: n.to_string(),
            pointer: pointer(path),
        })
    } else {
        Err(CanonicalError::NotInteger {
            number: n.to_string(),
            pointer: pointer(path),
        })
    }
}

/// Members in RFC 8785 order: by the UTF-16 code units of the names (which
/// differs from Rust's UTF-8/code point order only when characters outside
/// the BMP, encoded as surrogates 0xD800..0xDFFF, meet characters in
/// 0xE000..0xFFFF).
fn sorted_members(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<_> = map.iter().collect();
    members.sort_by(|(a, _), (b, _)| utf16_cmp(a, b));
    members
}

fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Writes `s` as a JSON string the way ECMAScript's `JSON.stringify` does
/// (RFC 8785 §3.2.2.2): `"` and `\` escaped, the controls U+0008, U+0009,
/// U+000A, U+000C, U+000D as `\b \t \n \f \r`, other controls below U+0020
/// as `\u00xx` with lowercase hex, and everything else (DEL, U+2028/U+2029,
/// all non-ASCII) as raw UTF-8.
fn write_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push(b'"');
    // Bytes >= 0x80 only occur inside multi-byte UTF-8 sequences, none of
    // which needs escaping, so working byte by byte is exact.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

// ---------------------------------------------------------------------------
// Duplicate key detection
//
// A second pass over the input with a visitor that builds nothing and keeps a
// set of the member names of each object. It runs only on input that already
// parsed as a `Value`, so any error it raises is the duplicate it recorded.

#[derive(Default)]
struct DupState {
    path: Vec<Step<String>>,
    /// (key, JSON Pointer of its object), set just before erroring out.
    duplicate: Option<(String, String)>,
}

fn check_duplicate_keys(bytes: &[u8]) -> Result<(), CanonicalError> {
    let mut state = DupState::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match (DupCheck { state: &mut state }).deserialize(&mut de) {
        Ok(()) => de.end().map_err(from_serde),
        Err(err) => match state.duplicate.take() {
            Some((key, object)) => Err(CanonicalError::DuplicateKey {
                key,
                object,
                line: err.line(),
                column: err.column(),
            }),
            None => Err(from_serde(err)),
        },
    }
}

struct DupCheck<'s> {
    state: &'s mut DupState,
}

impl<'de> DeserializeSeed<'de> for DupCheck<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DupCheck<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.state.path.push(Step::Index(i));
            let more = seq.next_element_seed(DupCheck {
                state: &mut *self.state,
            })?;
            self.state.path.pop();
            if more.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                let object = pointer(&self.state.path);
                self.state.duplicate = Some((key, object));
                return Err(de::Error::custom("duplicate object key"));
            }
            self.state.path.push(Step::Key(key.clone()));
            map.next_value_seed(DupCheck {
                state: &mut *self.state,
            })?;
            self.state.path.pop();
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn canon(s: &str) -> String {
        String::from_utf8(canonicalize(s.as_bytes()).unwrap()).unwrap()
    }

    fn canon_err(s: &str) -> CanonicalError {
        match canonicalize(s.as_bytes()) {
            Ok(out) => panic!("{s:?} was accepted as {:?}", String::from_utf8_lossy(&out)),
            Err(e) => e,
        }
    }

    // --- RFC 8785 test vectors ---------------------------------------------
    //
    // tests/vectors/jcs/ is the testdata directory of
    // https://github.com/cyberphone/json-canonicalization (Anders Rundgren,
    // Apache-2.0, see tests/vectors/jcs/LICENSE): input/X.json, the expected
    // canonical bytes output/X.json, and the same bytes in hex outhex/X.txt.

    const VECTOR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/jcs");

    /// Vectors without floating-point numbers: must reproduce output/ exactly.
    const VECTORS_MATCH: &[&str] = &["arrays", "french", "unicode", "weird"];

    /// Vectors containing floating-point numbers, which claimtrail refuses:
    /// values.json (333333333.33333329, 1E30, 4.50, 2e-3, 1e-27) and
    /// structures.json (`"\n": 56.0`, a float literal even though integral).
    const VECTORS_REFUSED: &[&str] = &["structures", "values"];

    fn read_vector(sub: &str, name: &str, ext: &str) -> Vec<u8> {
        let path = format!("{VECTOR_DIR}/{sub}/{name}.{ext}");
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    #[test]
    fn vector_list_is_complete() {
        let mut on_disk: Vec<String> = std::fs::read_dir(format!("{VECTOR_DIR}/input"))
            .expect("vector directory")
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        on_disk.sort();
        let mut named: Vec<String> = VECTORS_MATCH
            .iter()
            .chain(VECTORS_REFUSED)
            .map(|n| format!("{n}.json"))
            .collect();
        named.sort();
        assert_eq!(on_disk, named, "every input vector must be classified");
    }

    #[test]
    fn vector_outputs_agree_with_outhex() {
        for name in VECTORS_MATCH.iter().chain(VECTORS_REFUSED) {
            let hex = String::from_utf8(read_vector("outhex", name, "txt")).unwrap();
            let bytes: Vec<u8> = hex
                .split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).unwrap())
                .collect();
            assert_eq!(bytes, read_vector("output", name, "json"), "{name}");
        }
    }

    #[test]
    fn vectors_without_floats_match_exactly() {
        for name in VECTORS_MATCH {
            let input = read_vector("input", name, "json");
            let expected = read_vector("output", name, "json");
            let got = canonicalize(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
                "{name}"
            );
            assert_eq!(got, expected, "{name}");
            assert!(is_canonical(&expected), "{name}");
            assert!(!is_canonical(&input), "{name}");
        }
    }

    #[test]
    fn vectors_with_floats_are_refused() {
        for name in VECTORS_REFUSED {
            let input = read_vector("input", name, "json");
            match canonicalize(&input) {
                Err(CanonicalError::NotInteger { .. }) => {}
                other => panic!("{name}: expected NotInteger, got {other:?}"),
            }
        }
        // values' expected output still holds floats; structures' does not,
        // since the JCS form of 56.0 is the integer 56.
        assert!(!is_canonical(&read_vector("output", "values", "json")));
        assert!(is_canonical(&read_vector("output", "structures", "json")));
    }

    /// The refused vectors still check everything except the numbers: drop
    /// the float-valued members from input and expected output alike.
    #[test]
    fn refused_vectors_match_once_floats_removed() {
        fn splice_out(bytes: Vec<u8>, cut: &str) -> String {
            let s = String::from_utf8(bytes).unwrap();
            assert_eq!(s.matches(cut).count(), 1, "{cut:?} in {s}");
            s.replacen(cut, "", 1)
        }

        let mut values: Value =
            serde_json::from_slice(&read_vector("input", "values", "json")).unwrap();
        values.as_object_mut().unwrap().remove("numbers").unwrap();
        let expected = splice_out(
            read_vector("output", "values", "json"),
            r#""numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"#,
        );
        assert_eq!(to_canonical(&values).unwrap(), expected.as_bytes());

        let mut structures: Value =
            serde_json::from_slice(&read_vector("input", "structures", "json")).unwrap();
        structures["1"]
            .as_object_mut()
            .unwrap()
            .remove("\n")
            .unwrap();
        let expected = splice_out(read_vector("output", "structures", "json"), r#""\n":56,"#);
        assert_eq!(to_canonical(&structures).unwrap(), expected.as_bytes());
    }

    // --- Pinned cases ---------------------------------------------------------

    #[test]
    fn non_ascii_is_raw_utf8() {
        assert_eq!(canon(r#""\u00e9""#), "\"é\"");
        assert_eq!(canon("\"é\""), "\"é\"");
        assert_eq!(canon(r#""\ud83d\ude00""#), "\"😀\"");
        assert_eq!(canon("\"😀\"").as_bytes(), b"\"\xf0\x9f\x98\x80\"");
        assert_eq!(canon(r#""\u007f""#), "\"\u{7f}\"");
        assert_eq!(canon(r#""\u0080""#), "\"\u{80}\"");
    }

    #[test]
    fn keys_sorted_by_utf16_code_units() {
        // UTF-16: € = 20AC, U+10000 = D800 DC00, 😀 = D83D DE00.
        let v = json!({"😀": 1, "\u{10000}": 2, "€": 3});
        assert_eq!(
            String::from_utf8(to_canonical(&v).unwrap()).unwrap(),
            "{\"€\":3,\"\u{10000}\":2,\"😀\":1}"
        );
        // Where UTF-16 and code point order differ: U+FFFD (a BMP char above
        // the surrogate range) sorts AFTER 😀 in UTF-16, before it in Rust.
        let v = json!({"\u{fffd}": 1, "😀": 2, "\u{e000}": 3});
        assert!("\u{fffd}" < "😀");
        assert_eq!(
            String::from_utf8(to_canonical(&v).unwrap()).unwrap(),
            "{\"😀\":2,\"\u{e000}\":3,\"\u{fffd}\":1}"
        );
        // Prefixes first, then byte/unit order; digits are not numbers.
        assert_eq!(
            canon(r#"{"b":1,"a":2,"aa":3,"A":4,"10":5,"9":6,"":7}"#),
            r#"{"":7,"10":5,"9":6,"A":4,"a":2,"aa":3,"b":1}"#
        );
    }

    #[test]
    fn every_control_char_is_escaped() {
        let expected = [
            "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
            "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010",
            "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018",
            "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
        ];
        for (c, esc) in (0u8..0x20).zip(expected) {
            let v = Value::String(char::from(c).to_string());
            assert_eq!(to_canonical(&v).unwrap(), format!("\"{esc}\"").as_bytes());
            // Whatever escape the input used, the output is the same.
            assert_eq!(canon(&format!("\"\\u{:04X}\"", c)), format!("\"{esc}\""));
        }
        assert_eq!(canon(r#""\"\\\/""#), r#""\"\\/""#);
        assert_eq!(canon(r#""a\u0022b\u005Cc""#), r#""a\"b\\c""#);
        // Escapes inside keys too.
        assert_eq!(canon(r#"{"\u0001\n":"\t"}"#), r#"{"\u0001\n":"\t"}"#);
    }

    #[test]
    fn line_and_paragraph_separators_are_raw() {
        assert_eq!(canon(r#""\u2028\u2029""#), "\"\u{2028}\u{2029}\"");
        assert_eq!(
            to_canonical(&json!("\u{2028}")).unwrap(),
            b"\"\xe2\x80\xa8\""
        );
    }

    #[test]
    fn nested_structures() {
        assert_eq!(
            canon(r#" { "z" : [ 1 , { "b" : [ ] , "a" : { } } , [ [ null ] ] ] , "a" : false } "#),
            r#"{"a":false,"z":[1,{"a":{},"b":[]},[[null]]]}"#
        );
        assert_eq!(canon("[]"), "[]");
        assert_eq!(canon("{}"), "{}");
        assert_eq!(canon(" \t\r\n\"x\" \n"), "\"x\"");
        assert_eq!(canon("0"), "0");
        assert_eq!(canon("-1"), "-1");
        assert_eq!(canon("true"), "true");
        assert_eq!(canon("null"), "null");
    }

    #[test]
    fn integers_up_to_2_pow_53_minus_1() {
        assert_eq!(canon("9007199254740991"), "9007199254740991");
        assert_eq!(canon("-9007199254740991"), "-9007199254740991");
        assert_eq!(
            to_canonical(&json!([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])).unwrap(),
            b"[9007199254740991,-9007199254740991]"
        );
        for s in [
            "9007199254740992",
            "-9007199254740992",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
        ] {
            match canon_err(s) {
                CanonicalError::IntegerOutOfRange { number, pointer } => {
                    assert_eq!(number, s);
                    assert_eq!(pointer, "");
                }
                e => panic!("{s}: {e:?}"),
            }
        }
        let e = to_canonical(&json!({"a": {"b/c": [0, 1u64 << 53]}})).unwrap_err();
        assert!(matches!(
            &e,
            CanonicalError::IntegerOutOfRange { pointer, .. } if pointer == "/a/b~1c/1"
        ));
        assert_eq!(
            e.to_string(),
            "integer 9007199254740992 at JSON Pointer \"/a/b~1c/1\" is outside ±(2^53−1): \
             it would not survive the IEEE-754 double round trip that RFC 8785 requires"
        );
        // Beyond u64 serde_json itself falls back to a float.
        assert!(matches!(
            canon_err("18446744073709551616"),
            CanonicalError::NotInteger { .. }
        ));
    }

    #[test]
    fn floats_are_refused() {
        for s in [
            "1.5", "1.0", "56.0", "1e3", "1E30", "-0", "-0.0", "2e-3", "0.1",
        ] {
            assert!(
                matches!(canon_err(s), CanonicalError::NotInteger { .. }),
                "{s}"
            );
        }
        let e = canon_err(r#"{"body":{"n":[1,1.5]}}"#);
        assert_eq!(
            e.to_string(),
            "number 1.5 at JSON Pointer \"/body/n/1\" is not an integer: claimtrail \
             payloads contain integers only, written without fraction or exponent"
        );
        assert!(matches!(
            to_canonical(&json!({"x": 0.5})),
            Err(CanonicalError::NotInteger { .. })
        ));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        match canon_err(r#"{"a":1,"b":2,"a":1}"#) {
            CanonicalError::DuplicateKey {
                key,
                object,
                line,
                column,
            } => {
                assert_eq!((key.as_str(), object.as_str()), ("a", ""));
                assert_eq!((line, column), (1, 16));
            }
            e => panic!("{e:?}"),
        }
        // Nested, and spelled differently (escapes decode to the same key).
        match canon_err(r#"[0,{"x":{"k":1,"\u006b":2}}]"#) {
            CanonicalError::DuplicateKey { key, object, .. } => {
                assert_eq!((key.as_str(), object.as_str()), ("k", "/1/x"));
            }
            e => panic!("{e:?}"),
        }
        // Same key in sibling objects is fine.
        assert_eq!(canon(r#"[{"a":1},{"a":2}]"#), r#"[{"a":1},{"a":2}]"#);
        assert_eq!(canon(r#"{"a":{"a":{"a":0}}}"#), r#"{"a":{"a":{"a":0}}}"#);
        let msg = canon_err("{\"a\":1,\n\"a\":2}").to_string();
        assert_eq!(
            msg,
            "duplicate key \"a\" in the object at JSON Pointer \"\" (line 2, column 3): \
             each member name may occur only once"
        );
    }

    #[test]
    fn depth_is_bounded() {
        fn nested(depth: usize) -> String {
            "[".repeat(depth) + &"]".repeat(depth)
        }
        fn nested_value(depth: usize) -> Value {
            (0..depth).fold(json!(1), |v, _| json!([v]))
        }
        assert_eq!(canon(&nested(MAX_DEPTH)), nested(MAX_DEPTH));
        assert!(matches!(
            canon_err(&nested(MAX_DEPTH + 1)),
            CanonicalError::TooDeep { limit: MAX_DEPTH }
        ));
        assert!(matches!(
            canon_err(&"{\"a\":".repeat(200)),
            CanonicalError::TooDeep { .. }
        ));
        assert!(to_canonical(&nested_value(MAX_DEPTH)).is_ok());
        assert!(matches!(
            to_canonical(&nested_value(MAX_DEPTH + 1)),
            Err(CanonicalError::TooDeep { limit: MAX_DEPTH })
        ));
    }

    #[test]
    fn malformed_input_is_refused() {
        for bad in [
            &b""[..],
            b"{",
            b"[1,]",
            b"{\"a\":1,}",
            b"1 2",
            b"\"\\ud800\"",
            b"\"\xff\"",
            b"\xef\xbb\xbf{}",
            b"NaN",
            b"'a'",
            b"\"\x01\"",
        ] {
            assert!(
                matches!(canonicalize(bad), Err(CanonicalError::Parse(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
            assert!(!is_canonical(bad));
        }
    }

    #[test]
    fn idempotent_and_is_canonical() {
        let input = r#" { "time" : "2026-11-24T19:13:28Z", "v" : 1, "seq" : 0,
            "body" : { "text" : "caf\u00e9 \ud83d\ude00 \u2028 \u001f" , "ok" : [ true, null ] },
            "\u20ac" : -42 } "#;
        let once = canonicalize(input.as_bytes()).unwrap();
        let twice = canonicalize(&once).unwrap();
        assert_eq!(once, twice);
        assert!(is_canonical(&once));
        assert!(!is_canonical(input.as_bytes()));
        assert!(!is_canonical(b"{\"b\":1,\"a\":2}"));
        assert!(!is_canonical(b"{\"a\":2} "));
        assert!(!is_canonical(b"\"\\u00e9\""));
        assert!(!is_canonical(b"\"\\u001F\""));
        assert!(is_canonical(b"\"\\u001f\""));
    }

    // --- Properties -----------------------------------------------------------

    fn arb_char() -> impl Strategy<Value = char> {
        prop_oneof![
            any::<char>(),
            prop::char::range('\0', '\u{7f}'),
            Just('\u{2028}'),
            Just('\u{2029}'),
            prop::char::range('\u{e000}', '\u{ffff}'),
            prop::char::range('\u{10000}', '\u{10ffff}'),
        ]
    }

    fn arb_string() -> impl Strategy<Value = String> {
        prop::collection::vec(arb_char(), 0..12).prop_map(String::from_iter)
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Value::from),
            prop_oneof![
                Just(MAX_SAFE_INTEGER),
                Just(-MAX_SAFE_INTEGER),
                -1000i64..1000
            ]
            .prop_map(Value::from),
            arb_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 96, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((arb_string(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonicalize_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = canonicalize(&bytes);
            let _ = is_canonical(&bytes);
        }

        #[test]
        fn canonicalize_never_panics_on_jsonish_bytes(
            bytes in prop::collection::vec(
                prop::sample::select(b"{}[]:,\"\\ u0123456789abcdefE.+-truefalsnl\n\x01\xc3\xa9".to_vec()),
                0..128,
            )
        ) {
            let _ = canonicalize(&bytes);
        }

        #[test]
        fn canonical_output_is_a_fixed_point_and_round_trips(v in arb_value()) {
            let out = to_canonical(&v).unwrap();
            prop_assert_eq!(canonicalize(&out).unwrap(), out.clone());
            prop_assert!(is_canonical(&out));
            let back: Value = serde_json::from_slice(&out).unwrap();
            prop_assert_eq!(back, v);
        }
    }
}
