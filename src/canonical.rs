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
//! # Two ways in
//!
//! [`to_canonical`] writes a `serde_json::Value` and is the reference.
//! [`to_vec`] / [`write_into`] write any `serde::Serialize` value directly,
//! without building a `Value` (appending and verifying an entry do it once
//! per entry), and give exactly what [`to_canonical`] gives for
//! `serde_json::to_value` of the same value, errors included: whatever the
//! direct writer does not handle itself, it hands to the reference.
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
use serde::ser::{self, Serialize};
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

    /// The value has no JSON form at all: `serde_json::to_value` refused it
    /// (e.g. a map whose keys are not strings). Only [`to_vec`] and
    /// [`write_into`] can return this; claimtrail's own types never cause it.
    #[error("value cannot be written as JSON: {0}")]
    NotJson(serde_json::Error),
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
    out.push(b'"');
    write_string_contents(s, out);
    out.push(b'"');
}

/// The inside of [`write_string`], without the quotes. Escaping is decided
/// byte by byte with no context, so a string may be written in pieces (as
/// [`EscapeInto`] does for `Display` output) and give the same bytes.
fn write_string_contents(s: &str, out: &mut Vec<u8>) {
    // Most text needs no escape at all: test 16 bytes at a time (a test the
    // compiler turns into a few vector instructions; the last, partial
    // block is tested as the overlapping last 16 bytes), and go byte by
    // byte only through a block that has something to escape.
    let bytes = s.as_bytes();
    let n = bytes.len();
    let mut start = 0; // first byte not yet copied to `out`
    if n >= 16 {
        let mut at = 0;
        while let Some(block) = bytes.get(at..at + 16) {
            if block_needs_escape(block) {
                escape_bytes(bytes, at..at + 16, &mut start, out);
            }
            at += 16;
        }
        if at < n && block_needs_escape(&bytes[n - 16..]) {
            escape_bytes(bytes, at..n, &mut start, out);
        }
    } else if bytes.iter().any(|&b| byte_needs_escape(b)) {
        escape_bytes(bytes, 0..n, &mut start, out);
    }
    out.extend_from_slice(&bytes[start..]);
}

/// True iff a byte needs escaping in a JSON string: a control below
/// U+0020, `"` or `\`. Bytes >= 0x80 only occur inside multi-byte UTF-8
/// sequences, none of which needs escaping, so working byte by byte is
/// exact.
fn byte_needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// [`byte_needs_escape`] for any of 16 bytes.
fn block_needs_escape(block: &[u8]) -> bool {
    let block: &[u8; 16] = block.try_into().expect("16 bytes");
    block.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// Escapes the bytes of `range` that need it: copies `bytes[*start..]` up
/// to each of them to `out`, then its escape, and moves `*start` past it.
fn escape_bytes(bytes: &[u8], range: std::ops::Range<usize>, start: &mut usize, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in range {
        let b = bytes[i];
        if !byte_needs_escape(b) {
            continue;
        }
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
        out.extend_from_slice(&bytes[*start..i]);
        out.extend_from_slice(escape);
        *start = i + 1;
    }
}

// ---------------------------------------------------------------------------
// Direct serialisation of typed values
//
// `to_canonical(&serde_json::to_value(x)?)` builds a `Value` tree (a
// `BTreeMap` and a `String` per object and string), then walks it again,
// sorting members and allocating as it goes. Appending and verifying do that
// for every entry. `Writer` is a `serde::Serializer` that produces the same
// bytes straight from the `Serialize` implementation: members are written as
// they come; an object whose members did not come in RFC 8785 order is put
// in order once it is complete (each member's bytes are a contiguous range,
// so that is one copy of the object and a permutation of a few ranges; the
// permutation of a struct's members is worked out once and kept). Scratch
// space is reused between calls.
//
// It handles exactly what claimtrail values need and treats everything else
// (floats, integers outside ±(2^53−1), duplicate member names, too deep
// nesting, non-string map keys it does not know, serde_json's private
// raw/number tokens) as a reason to hand the value to the reference path.
// So the reference stays the one definition of the output and of every
// error, and the fast path only has to be right when it succeeds (which the
// tests check against the reference on random values).

/// Serialises any `serde::Serialize` value in RFC 8785 canonical form.
///
/// The result is exactly `to_canonical(&serde_json::to_value(value)?)` —
/// the same bytes and, on refusal, the same [`CanonicalError`] (JSON Pointer
/// included) — without building the intermediate `serde_json::Value` in the
/// common case: see [`write_into`].
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_into(value, &mut out)?;
    Ok(out)
}

/// Appends the RFC 8785 canonical form of `value` to `out` (see [`to_vec`]).
/// On error `out` is left as it was.
///
/// The direct writer produces the bytes when it can; whenever it meets
/// something that the reference path refuses or treats specially (a float,
/// an integer outside ±(2^53−1), duplicate member names, nesting deeper than
/// [`MAX_DEPTH`], an unusual map key), it gives up and the value goes through
/// `serde_json::to_value` and [`to_canonical`] instead. Refusals are thereby
/// reported exactly as [`to_canonical`] reports them, at the cost of the
/// slower path only for values that are refused, or that claimtrail never
/// writes.
pub fn write_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), CanonicalError> {
    let start = out.len();
    let direct = with_scratch(|scratch| {
        let mut writer = Writer {
            out: &mut *out,
            scratch,
            depth: 0,
            failed: false,
        };
        value.serialize(&mut writer).is_ok() && !writer.failed
    });
    if direct {
        return Ok(());
    }
    out.truncate(start);
    let value = serde_json::to_value(value).map_err(CanonicalError::NotJson)?;
    let written = write_value(&value, out, &mut Vec::new());
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// [`utf16_cmp`] without re-encoding. UTF-8 byte order is code point order,
/// and code point order differs from UTF-16 order only where a character
/// outside the BMP (UTF-8 lead byte F0..F4, UTF-16 surrogates D800..DFFF)
/// meets one in U+E000..U+FFFF (lead byte EE or EF). Two strings first
/// differ either at a lead byte or inside a character whose (shared) lead
/// byte puts both characters in the same range, so only the first differing
/// bytes need a look.
fn utf16_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some(i) => match (a[i], b[i]) {
            (0xee..=0xef, 0xf0..) => Ordering::Greater,
            (0xf0.., 0xee..=0xef) => Ordering::Less,
            (x, y) => x.cmp(&y),
        },
    }
}

/// Writes a safe integer as JCS does (its decimal digits); false, writing
/// nothing, for any other.
fn write_safe_integer(n: i64, out: &mut Vec<u8>) -> bool {
    if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&n) {
        return false;
    }
    if n < 0 {
        out.push(b'-');
    }
    let mut n = n.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    true
}

/// The direct writer gave up: the value goes to the reference path. Carries
/// nothing, since the reference path works out the real error, if any.
#[derive(Debug)]
struct Fallback;

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("value left to the reference serialisation")
    }
}

impl std::error::Error for Fallback {}

impl ser::Error for Fallback {
    fn custom<T: fmt::Display>(_: T) -> Fallback {
        Fallback
    }
}

/// Reusable buffers of the direct writer. Every object pushes its members
/// (and map keys) on top and pops them when it is complete, so one stack
/// serves all nesting levels.
#[derive(Default)]
struct Scratch {
    /// Members of the objects being written, innermost object last.
    members: Vec<Member>,
    /// Map keys of the objects being written (struct field names are
    /// `&'static str` and are not copied).
    keys: String,
    /// An object's members while they are written back in order.
    buf: Vec<u8>,
    /// The order to write an object's members in, while it is worked out.
    order: Vec<usize>,
    /// Member orders of structs already written, kept across calls.
    orders: Vec<FieldOrder>,
}

/// The order in which to write the members of a struct whose fields do not
/// come in RFC 8785 order, worked out for one value of the struct and kept
/// for the next ones. A struct is recognised by the addresses of its field
/// names (`&'static str`s: the same address and length are the same name),
/// so a cached order is only ever applied to the very names it was worked
/// out for.
struct FieldOrder {
    names: Vec<&'static str>,
    order: Vec<usize>,
}

impl Scratch {
    /// Capacity kept between calls; a rare huge value does not pin memory.
    const KEEP_BYTES: usize = 1 << 16;

    /// How many struct member orders are kept (claimtrail has a dozen
    /// structs; a program with more just sorts the others each time).
    const KEEP_ORDERS: usize = 64;

    fn reset(&mut self) {
        if self.buf.capacity() > Self::KEEP_BYTES {
            self.buf = Vec::new();
        }
        if self.keys.capacity() > Self::KEEP_BYTES {
            self.keys = String::new();
        }
        if self.members.capacity() > Self::KEEP_BYTES / std::mem::size_of::<Member>() {
            self.members = Vec::new();
        }
        if self.order.capacity() > Self::KEEP_BYTES / std::mem::size_of::<usize>() {
            self.order = Vec::new();
        }
        // After a `Fallback` the stacks may hold leftovers.
        self.members.clear();
        self.keys.clear();
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch space, or with fresh space if that is
/// in use further up the stack (a `Serialize` implementation that itself
/// writes canonical JSON) or already gone (thread exit).
fn with_scratch<R>(mut f: impl FnMut(&mut Scratch) -> R) -> R {
    let reused = SCRATCH.try_with(|cell| {
        let mut scratch = cell.try_borrow_mut().ok()?;
        scratch.reset();
        Some(f(&mut scratch))
    });
    match reused {
        Ok(Some(r)) => r,
        _ => f(&mut Scratch::default()),
    }
}

/// One member of an object being written: its name and the range of `out`
/// holding `"name":value`.
struct Member {
    key: Key,
    start: usize,
    end: usize,
}

#[derive(Clone, Copy)]
enum Key {
    Field(&'static str),
    /// A range of [`Scratch::keys`].
    Map(usize, usize),
}

impl Key {
    fn get(self, keys: &str) -> &str {
        match self {
            Key::Field(name) => name,
            Key::Map(start, end) => &keys[start..end],
        }
    }
}

/// `fmt::Write` into `out` with [`write_string`]'s escaping, for
/// `collect_str` (the `Display` output is escaped piece by piece).
struct EscapeInto<'o>(&'o mut Vec<u8>);

impl fmt::Write for EscapeInto<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_string_contents(s, self.0);
        Ok(())
    }
}

/// The direct canonical writer: a `serde::Serializer` that appends to `out`
/// what [`to_canonical`] would write for `serde_json::to_value` of the same
/// value, or returns [`Fallback`].
struct Writer<'w> {
    out: &'w mut Vec<u8>,
    scratch: &'w mut Scratch,
    /// Arrays/objects open around the current value.
    depth: usize,
    /// The writer gave up somewhere. Set wherever it does, so that a
    /// `Serialize` implementation that ignores an error and carries on
    /// cannot make it return wrong bytes as a success.
    failed: bool,
}

impl Writer<'_> {
    /// Gives up: the value goes to the reference path.
    fn refuse(&mut self) -> Fallback {
        self.failed = true;
        Fallback
    }

    /// Writes an integer, if it is one of the safe ones.
    fn integer(&mut self, n: Option<i64>) -> Result<(), Fallback> {
        match n {
            Some(n) if write_safe_integer(n, self.out) => Ok(()),
            _ => Err(self.refuse()),
        }
    }

    /// Opens an array or object, within [`MAX_DEPTH`] as [`to_canonical`].
    fn open(&mut self, bracket: u8) -> Result<(), Fallback> {
        if self.depth >= MAX_DEPTH {
            return Err(self.refuse());
        }
        self.depth += 1;
        self.out.push(bracket);
        Ok(())
    }

    fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        self.out.push(bracket);
    }

    /// `{"variant":` — how `serde_json::to_value` wraps enum variants that
    /// carry data.
    fn open_variant(&mut self, variant: &str) -> Result<(), Fallback> {
        self.open(b'{')?;
        write_string(variant, self.out);
        self.out.push(b':');
        Ok(())
    }
}

impl<'a, 'w> ser::Serializer for &'a mut Writer<'w> {
    type Ok = ();
    type Error = Fallback;
    type SerializeSeq = Array<'a, 'w>;
    type SerializeTuple = Array<'a, 'w>;
    type SerializeTupleStruct = Array<'a, 'w>;
    type SerializeTupleVariant = Array<'a, 'w>;
    type SerializeMap = Object<'a, 'w>;
    type SerializeStruct = Object<'a, 'w>;
    type SerializeStructVariant = Object<'a, 'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Fallback> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Fallback> {
        self.integer(Some(v.into()))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Fallback> {
        self.integer(Some(v.into()))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Fallback> {
        self.integer(Some(v.into()))
    }

    fn serialize_i64(self, v: i64) -> Result<(), Fallback> {
        self.integer(Some(v))
    }

    fn serialize_i128(self, v: i128) -> Result<(), Fallback> {
        self.integer(i64::try_from(v).ok())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Fallback> {
        self.integer(Some(v.into()))
    }

    fn serialize_u16(self, v: u16) -> Result<(), Fallback> {
        self.integer(Some(v.into()))
    }

    fn serialize_u32(self, v: u32) -> Result<(), Fallback> {
        self.integer(Some(v.into()))
    }

    fn serialize_u64(self, v: u64) -> Result<(), Fallback> {
        self.integer(i64::try_from(v).ok())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Fallback> {
        self.integer(i64::try_from(v).ok())
    }

    fn serialize_f32(self, _: f32) -> Result<(), Fallback> {
        Err(self.refuse())
    }

    fn serialize_f64(self, _: f64) -> Result<(), Fallback> {
        Err(self.refuse())
    }

    fn serialize_char(self, v: char) -> Result<(), Fallback> {
        write_string(v.encode_utf8(&mut [0; 4]), self.out);
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Fallback> {
        write_string(v, self.out);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Fallback> {
        // serde_json::to_value makes bytes an array of numbers.
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }

    fn serialize_none(self) -> Result<(), Fallback> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Fallback> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Fallback> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Fallback> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Fallback> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.close(b'}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a, 'w>, Fallback> {
        Array::open(self, false)
    }

    fn serialize_tuple(self, _: usize) -> Result<Array<'a, 'w>, Fallback> {
        Array::open(self, false)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Array<'a, 'w>, Fallback> {
        Array::open(self, false)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Array<'a, 'w>, Fallback> {
        self.open_variant(variant)?;
        Array::open(self, true)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a, 'w>, Fallback> {
        Object::open(self, false)
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Object<'a, 'w>, Fallback> {
        // serde_json::RawValue (and Number with arbitrary_precision) travel
        // as structs with these private names; to_value parses them.
        if name.starts_with("$serde_json::private::") {
            return Err(self.refuse());
        }
        Object::open(self, false)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Object<'a, 'w>, Fallback> {
        self.open_variant(variant)?;
        Object::open(self, true)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Fallback> {
        self.out.push(b'"');
        fmt::Write::write_fmt(&mut EscapeInto(self.out), format_args!("{value}"))
            .map_err(|_| self.refuse())?;
        self.out.push(b'"');
        Ok(())
    }
}

/// An array being written; `variant`: it is the value of a one-member
/// object `{"variant":[...]}` that closes with it.
struct Array<'a, 'w> {
    w: &'a mut Writer<'w>,
    first: bool,
    variant: bool,
}

impl<'a, 'w> Array<'a, 'w> {
    fn open(w: &'a mut Writer<'w>, variant: bool) -> Result<Self, Fallback> {
        w.open(b'[')?;
        Ok(Array {
            w,
            first: true,
            variant,
        })
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
        value.serialize(&mut *self.w)
    }

    fn close(self) -> Result<(), Fallback> {
        self.w.close(b']');
        if self.variant {
            self.w.close(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Array<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Array<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

/// An object being written. Members are written in the order they come,
/// each `"name":value` recorded as a [`Member`]; if the names did not come
/// in RFC 8785 order, [`Object::close`] rewrites them sorted.
struct Object<'a, 'w> {
    w: &'a mut Writer<'w>,
    /// Where this object's members start in `Scratch::members` / `keys`.
    members: usize,
    keys: usize,
    /// Where the first member starts in `out` (just after `{`).
    start: usize,
    /// The names so far came in strictly increasing order.
    sorted: bool,
    /// Map key given to `serialize_key`, waiting for its value.
    pending: Option<Key>,
    /// It is the value of a one-member object `{"variant":{...}}`.
    variant: bool,
}

impl<'a, 'w> Object<'a, 'w> {
    fn open(w: &'a mut Writer<'w>, variant: bool) -> Result<Self, Fallback> {
        w.open(b'{')?;
        Ok(Object {
            members: w.scratch.members.len(),
            keys: w.scratch.keys.len(),
            start: w.out.len(),
            sorted: true,
            pending: None,
            variant,
            w,
        })
    }

    fn member<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), Fallback> {
        let w = &mut *self.w;
        if let Some(last) = w.scratch.members[self.members..].last() {
            if utf16_order(last.key.get(&w.scratch.keys), key.get(&w.scratch.keys))
                != Ordering::Less
            {
                self.sorted = false;
            }
            w.out.push(b',');
        }
        let start = w.out.len();
        write_string(key.get(&w.scratch.keys), w.out);
        w.out.push(b':');
        value.serialize(&mut *w)?;
        let end = w.out.len();
        w.scratch.members.push(Member { key, start, end });
        Ok(())
    }

    fn close(self) -> Result<(), Fallback> {
        let w = self.w;
        if !self.sorted {
            let Scratch {
                members,
                keys,
                buf,
                order,
                orders,
            } = &mut *w.scratch;
            let members = &members[self.members..];
            let known = orders.iter().position(|o| {
                o.names.len() == members.len()
                    && o.names
                        .iter()
                        .zip(members)
                        .all(|(&name, m)| matches!(m.key, Key::Field(f) if std::ptr::eq(f, name)))
            });
            let order: &[usize] = match known {
                Some(i) => &orders[i].order,
                None => {
                    order.clear();
                    order.extend(0..members.len());
                    let name = |i: usize| members[i].key.get(keys);
                    order.sort_unstable_by(|&a, &b| utf16_order(name(a), name(b)));
                    // serde_json::Value keeps the last of duplicate names:
                    // leave that to the reference path.
                    if order.windows(2).any(|pair| name(pair[0]) == name(pair[1])) {
                        return Err(w.refuse());
                    }
                    let names: Option<Vec<&'static str>> = members
                        .iter()
                        .map(|m| match m.key {
                            Key::Field(name) => Some(name),
                            Key::Map(..) => None,
                        })
                        .collect();
                    if let Some(names) = names {
                        if orders.len() < Scratch::KEEP_ORDERS {
                            orders.push(FieldOrder {
                                names,
                                order: order.clone(),
                            });
                        }
                    }
                    order
                }
            };
            buf.clear();
            buf.extend_from_slice(&w.out[self.start..]);
            w.out.truncate(self.start);
            for (i, &j) in order.iter().enumerate() {
                if i > 0 {
                    w.out.push(b',');
                }
                let m = &members[j];
                w.out
                    .extend_from_slice(&buf[m.start - self.start..m.end - self.start]);
            }
        }
        w.scratch.members.truncate(self.members);
        w.scratch.keys.truncate(self.keys);
        w.close(b'}');
        if self.variant {
            w.close(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeStruct for Object<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        self.member(Key::Field(key), value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Object<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        self.member(Key::Field(key), value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

impl ser::SerializeMap for Object<'_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Fallback> {
        let start = self.w.scratch.keys.len();
        if key.serialize(KeyWriter(&mut self.w.scratch.keys)).is_err() {
            return Err(self.w.refuse());
        }
        self.pending = Some(Key::Map(start, self.w.scratch.keys.len()));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        let Some(key) = self.pending.take() else {
            return Err(self.w.refuse());
        };
        self.member(key, value)
    }

    fn end(self) -> Result<(), Fallback> {
        self.close()
    }
}

/// Writes a map key as the string serde_json makes of it: strings and
/// chars as they are, unit variants by name, integers and booleans in
/// decimal/`true`/`false`. Anything else goes to the reference path.
struct KeyWriter<'k>(&'k mut String);

impl KeyWriter<'_> {
    fn display(self, v: impl fmt::Display) -> Result<(), Fallback> {
        fmt::Write::write_fmt(self.0, format_args!("{v}")).map_err(|_| Fallback)
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Fallback;
    type SerializeSeq = ser::Impossible<(), Fallback>;
    type SerializeTuple = ser::Impossible<(), Fallback>;
    type SerializeTupleStruct = ser::Impossible<(), Fallback>;
    type SerializeTupleVariant = ser::Impossible<(), Fallback>;
    type SerializeMap = ser::Impossible<(), Fallback>;
    type SerializeStruct = ser::Impossible<(), Fallback>;
    type SerializeStructVariant = ser::Impossible<(), Fallback>;

    fn serialize_bool(self, v: bool) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_i8(self, v: i8) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_i16(self, v: i16) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_i32(self, v: i32) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_i64(self, v: i64) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_i128(self, v: i128) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_u8(self, v: u8) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_u16(self, v: u16) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_u32(self, v: u32) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_u64(self, v: u64) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_u128(self, v: u128) -> Result<(), Fallback> {
        self.display(v)
    }

    fn serialize_f32(self, _: f32) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_f64(self, _: f64) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_char(self, v: char) -> Result<(), Fallback> {
        self.0.push(v);
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Fallback> {
        self.0.push_str(v);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_none(self) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_unit(self) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Fallback> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Fallback> {
        Err(Fallback)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Fallback> {
        Err(Fallback)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Fallback> {
        Err(Fallback)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Fallback> {
        Err(Fallback)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Fallback> {
        Err(Fallback)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Fallback> {
        Err(Fallback)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Fallback> {
        Err(Fallback)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Fallback> {
        Err(Fallback)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Fallback> {
        self.display(value)
    }
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
    use serde::Serialize;
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

    // --- The direct writer ------------------------------------------------------
    //
    // `to_vec`/`write_into` must give exactly what the reference path gives,
    // `to_canonical(&serde_json::to_value(x)?)`: the same bytes, or the same
    // error.

    /// The reference: what `to_vec` must return, as comparable strings.
    fn reference<T: Serialize + ?Sized>(x: &T) -> Result<Vec<u8>, String> {
        let v = serde_json::to_value(x).map_err(|e| format!("{:?}", CanonicalError::NotJson(e)))?;
        to_canonical(&v).map_err(|e| format!("{e:?}"))
    }

    fn direct<T: Serialize + ?Sized>(x: &T) -> Result<Vec<u8>, String> {
        let out = to_vec(x).map_err(|e| format!("{e:?}"));
        // Appending to a non-empty buffer gives the same bytes after it, and
        // leaves the buffer as it was on error.
        let mut buf = b"prefix".to_vec();
        match (&out, write_into(x, &mut buf)) {
            (Ok(bytes), Ok(())) => assert_eq!(&buf[6..], &bytes[..]),
            (Err(_), Err(_)) => assert_eq!(buf, b"prefix"),
            (a, b) => panic!("to_vec {a:?} but write_into {b:?}"),
        }
        out
    }

    /// The direct writer alone, without the reference fallback: whether it
    /// handled `x` itself.
    fn handled_directly<T: Serialize + ?Sized>(x: &T) -> bool {
        let mut out = Vec::new();
        let mut scratch = Scratch::default();
        let mut writer = Writer {
            out: &mut out,
            scratch: &mut scratch,
            depth: 0,
            failed: false,
        };
        x.serialize(&mut writer).is_ok() && !writer.failed
    }

    /// The escaping of the first version of `write_string`, byte by byte.
    fn escaped_slowly(s: &str) -> Vec<u8> {
        let mut out = vec![b'"'];
        for &b in s.as_bytes() {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x09 => out.extend_from_slice(b"\\t"),
                0x0a => out.extend_from_slice(b"\\n"),
                0x0c => out.extend_from_slice(b"\\f"),
                0x0d => out.extend_from_slice(b"\\r"),
                0x00..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
                _ => out.push(b),
            }
        }
        out.push(b'"');
        out
    }

    #[test]
    fn every_escape_at_every_position_of_every_length() {
        // Each length exercises a different split into 16-byte blocks, words
        // and the overlapping tail.
        let specials: Vec<char> = (0u8..0x20)
            .map(char::from)
            .chain(['"', '\\', '/', ' ', '\u{7f}', 'é', '€', '\u{2028}', '😀'])
            .collect();
        for filler in ['a', 'é', '😀'] {
            for len in 0..40 {
                for at in 0..len {
                    for &c in &specials {
                        let s: String =
                            (0..len).map(|i| if i == at { c } else { filler }).collect();
                        let mut out = Vec::new();
                        write_string(&s, &mut out);
                        assert_eq!(out, escaped_slowly(&s), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn escape_tests_are_exact() {
        for b in 0..=255u8 {
            let expected = b < 0x20 || b == b'"' || b == b'\\';
            assert_eq!(byte_needs_escape(b), expected, "{b:#x}");
            let mut block = [b'x'; 16];
            block[b as usize % 16] = b;
            assert_eq!(block_needs_escape(&block), expected, "{b:#x}");
        }
    }

    #[test]
    fn utf16_order_pinned() {
        let cases = [
            ("", "", Ordering::Equal),
            ("", "a", Ordering::Less),
            ("a", "aa", Ordering::Less),
            ("b", "aa", Ordering::Greater),
            ("\u{e000}", "😀", Ordering::Greater),
            ("\u{ffff}", "\u{10000}", Ordering::Greater),
            ("\u{d7ff}", "\u{10000}", Ordering::Less),
            ("\u{fffd}", "😀", Ordering::Greater),
            ("😀", "\u{10000}", Ordering::Greater),
            ("é", "€", Ordering::Less),
            ("x\u{e000}", "x😀y", Ordering::Greater),
        ];
        for (a, b, expected) in cases {
            assert_eq!(utf16_order(a, b), expected, "{a:?} {b:?}");
            assert_eq!(utf16_cmp(a, b), expected, "{a:?} {b:?}");
            assert_eq!(utf16_order(b, a), expected.reverse(), "{b:?} {a:?}");
        }
    }

    #[derive(Serialize)]
    struct Unsorted<'a> {
        z: u8,
        é: Option<&'a str>,
        a: Vec<i32>,
        #[serde(rename = "\u{e000}")]
        private_use: (),
        #[serde(rename = "😀")]
        emoji: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(rename = "\u{1}\"\\")]
        escaped: char,
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(i8, String),
        Struct { b: bool, a: Option<u64> },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Wrapper(Vec<Shape>);

    #[derive(Serialize)]
    struct Flat {
        a: u8,
        #[serde(flatten)]
        more: std::collections::BTreeMap<String, u8>,
    }

    struct Bytes<'a>(&'a [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    struct Shown(&'static str);

    impl Serialize for Shown {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&format_args!("<{}>", self.0))
        }
    }

    /// Ignores the errors of some of its parts and carries on.
    struct Stubborn;

    impl Serialize for Stubborn {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeSeq;
            let mut seq = s.serialize_seq(None)?;
            let _ = seq.serialize_element(&f64::NAN);
            seq.serialize_element(&1u8)?;
            let _ = seq.serialize_element(&std::collections::HashMap::from([((1, 2), 3)]));
            seq.serialize_element(&Shown("x"))?;
            seq.end()
        }
    }

    struct StubbornMap;

    impl Serialize for StubbornMap {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = s.serialize_map(None)?;
            let _ = map.serialize_key(&(1, 2));
            map.serialize_entry("b", &1)?;
            map.serialize_entry("a", &2)?;
            map.end()
        }
    }

    fn assert_same<T: Serialize + ?Sized>(x: &T, direct_path: bool) {
        assert_eq!(direct(x), reference(x));
        assert_eq!(handled_directly(x), direct_path, "{:?}", reference(x));
    }

    #[test]
    fn direct_writer_matches_reference_on_serde_shapes() {
        use std::collections::{BTreeMap, HashMap};
        let unsorted = Unsorted {
            z: 1,
            é: Some("x"),
            a: vec![-1, 0, 1],
            private_use: (),
            emoji: true,
            skipped: None,
            escaped: '\n',
        };
        assert_same(&unsorted, true);
        assert_eq!(
            String::from_utf8(to_vec(&unsorted).unwrap()).unwrap(),
            "{\"\\u0001\\\"\\\\\":\"\\n\",\"a\":[-1,0,1],\"z\":1,\"é\":\"x\",\"😀\":true,\"\u{e000}\":null}"
        );
        assert_same(
            &Unsorted {
                é: None,
                ..unsorted
            },
            true,
        );
        assert_same(
            &Wrapper(vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-3, "t".into()),
                Shape::Struct {
                    b: false,
                    a: Some(3),
                },
                Shape::Struct { b: true, a: None },
            ]),
            true,
        );
        assert_same(&Unit, true);
        assert_same(&(), true);
        assert_same(&(1u8, "two", [3i64], Some(Some(4u16))), true);
        assert_same(&Bytes(b"\x00\xff"), true);
        assert_same(&Shown("a\"b"), true);
        assert_same(&'\u{1f}', true);
        assert_same(
            &[i128::from(MAX_SAFE_INTEGER), -i128::from(MAX_SAFE_INTEGER)],
            true,
        );
        assert_same(&[u128::from(MAX_SAFE_INTEGER as u64)], true);
        let map: BTreeMap<String, u8> = [("b", 1), ("a", 2), ("\u{e000}", 3), ("😀", 4)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_same(&map, true);
        assert_same(&HashMap::from([(10u32, 'a'), (9, 'b'), (100, 'c')]), true);
        assert_same(&HashMap::from([(true, 1), (false, 2)]), true);
        assert_same(&HashMap::from([('b', 1), ('a', 2)]), true);
        assert_same(&HashMap::from([(i64::MIN, 1), (0, 2)]), true);
        assert_same(
            &Flat {
                a: 1,
                more: BTreeMap::from([("b".to_string(), 2)]),
            },
            true,
        );
        assert_same(
            &json!({"x": [{"b": null, "a": {}}, []], "": "\u{2028}"}),
            true,
        );

        // What the direct writer leaves to the reference path; refused or
        // not, the result must be the same.
        assert_same(&1.5f64, false); // NotInteger
        assert_same(&f64::NAN, false); // serde_json::to_value makes it null
        assert_same(&f32::INFINITY, false);
        assert_same(&json!({"a": {"b": [1, 1u64 << 53]}}), false); // IntegerOutOfRange
        assert_same(&[u64::MAX], false);
        assert_same(&[i64::MIN], false);
        assert_same(&[i128::MAX], false); // to_value: NotJson
        assert_same(&HashMap::from([((1, 2), 3)]), false); // key must be a string
        assert_same(&HashMap::from([(Some(1), 3)]), false);
        assert_same(
            &std::collections::BTreeMap::from([(1.5f64.to_bits(), 1)]),
            true,
        );
        assert_same(
            &Flat {
                a: 1,
                more: BTreeMap::from([("a".to_string(), 2)]),
            },
            false,
        ); // duplicate "a": the last wins
        assert_same(&Stubborn, false);
        assert_same(&StubbornMap, false);
        assert_eq!(to_vec(&StubbornMap).unwrap(), b"{\"a\":2,\"b\":1}");
        let raw =
            serde_json::value::RawValue::from_string("{\"b\": 1, \"a\": [ 2 ]}".into()).unwrap();
        assert_same(&raw, false);
        assert_eq!(to_vec(&raw).unwrap(), b"{\"a\":[2],\"b\":1}");

        // Depth: MAX_DEPTH containers fit, one more does not (however they
        // are made: arrays, objects, enum variants wrapping their data).
        fn nested(depth: usize) -> Value {
            (0..depth).fold(json!(1), |v, i| {
                if i % 2 == 0 {
                    json!([v])
                } else {
                    json!({"k": v})
                }
            })
        }
        assert_same(&nested(MAX_DEPTH), true);
        assert_same(&nested(MAX_DEPTH + 1), false);
        fn nested_shapes(depth: usize) -> Tree {
            (0..depth).fold(Tree::Int(0), |t, i| match i % 3 {
                0 => Tree::Maybe(Some(Box::new(t))), // no container
                1 => Tree::Pair(Box::new(t), Box::new(Tree::Nothing)), // {"Pair":[..]}: two
                _ => Tree::Node {
                    zeta: vec![t],
                    alpha: None,
                    private_use: false,
                    emoji: None,
                }, // {"Node":{"zeta":[..]}}: three
            })
        }
        for depth in 70..90 {
            assert_eq!(
                direct(&nested_shapes(depth)),
                reference(&nested_shapes(depth)),
                "{depth}"
            );
        }
    }

    /// Emits the same field names in an order that depends on the value.
    struct Fickle(bool);

    impl Serialize for Fickle {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeStruct;
            let mut st = s.serialize_struct("Fickle", 3)?;
            let (first, second) = if self.0 { ("b", "a") } else { ("a", "b") };
            st.serialize_field("c", &0)?;
            st.serialize_field(first, &1)?;
            st.serialize_field(second, &2)?;
            st.end()
        }
    }

    #[test]
    fn member_orders_are_reused_only_for_the_same_names() {
        // Struct member orders are kept between calls: alternate between
        // values of one struct whose members (and their order) vary.
        for round in 0..3 {
            for skipped in [None, Some(1), None] {
                let x = Unsorted {
                    z: round,
                    é: None,
                    a: vec![],
                    private_use: (),
                    emoji: false,
                    skipped,
                    escaped: 'x',
                };
                assert_same(&x, true);
                assert_same(&[Fickle(round % 2 == 0), Fickle(round % 2 == 1)], true);
            }
        }
        assert_eq!(
            to_vec(&[Fickle(true), Fickle(false)]).unwrap(),
            b"[{\"a\":2,\"b\":1,\"c\":0},{\"a\":1,\"b\":2,\"c\":0}]"
        );
    }

    #[test]
    fn direct_writer_errors_match_reference() {
        let e = to_vec(&json!({"z": 1, "a": {"b/c": [0, 1u64 << 53]}, "m": 2.5})).unwrap_err();
        assert!(
            matches!(&e, CanonicalError::IntegerOutOfRange { pointer, .. } if pointer == "/a/b~1c/1"),
            "{e:?}"
        );
        assert!(matches!(
            to_vec(&0.5),
            Err(CanonicalError::NotInteger { .. })
        ));
        assert!(matches!(
            to_vec(&std::collections::HashMap::from([((), 1)])),
            Err(CanonicalError::NotJson(_))
        ));
    }

    /// A recursive type that reaches every `Serializer` method the writer
    /// implements, with values that are sometimes refused.
    #[derive(Debug, Clone, Serialize)]
    enum Tree {
        Int(i64),
        Big(u64),
        Float(f64),
        Text(String),
        Letter(char),
        Nothing,
        Maybe(Option<Box<Tree>>),
        Pair(Box<Tree>, Box<Tree>),
        Node {
            zeta: Vec<Tree>,
            alpha: Option<String>,
            #[serde(rename = "\u{e000}")]
            private_use: bool,
            #[serde(rename = "😀")]
            emoji: Option<Box<Tree>>,
        },
        Map(std::collections::BTreeMap<String, Tree>),
        Keys(std::collections::BTreeMap<i32, String>),
    }

    fn arb_tree() -> impl Strategy<Value = Tree> {
        let leaf = prop_oneof![
            (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Tree::Int),
            prop_oneof![
                Just(MAX_SAFE_INTEGER as u64),
                Just(1u64 << 53),
                any::<u64>()
            ]
            .prop_map(Tree::Big),
            prop_oneof![Just(0.5), Just(f64::NAN), Just(-0.0)].prop_map(Tree::Float),
            arb_string().prop_map(Tree::Text),
            arb_char().prop_map(Tree::Letter),
            Just(Tree::Nothing),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::option::of(inner.clone().prop_map(Box::new)).prop_map(Tree::Maybe),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Tree::Pair(Box::new(a), Box::new(b))),
                (
                    prop::collection::vec(inner.clone(), 0..4),
                    prop::option::of(arb_string()),
                    any::<bool>(),
                    prop::option::of(inner.clone().prop_map(Box::new))
                )
                    .prop_map(|(zeta, alpha, private_use, emoji)| Tree::Node {
                        zeta,
                        alpha,
                        private_use,
                        emoji
                    }),
                prop::collection::btree_map(arb_string(), inner, 0..5).prop_map(Tree::Map),
                prop::collection::btree_map(any::<i32>(), arb_string(), 0..4).prop_map(Tree::Keys),
            ]
        })
    }

    proptest! {
        #[test]
        fn direct_writer_matches_reference_on_values(v in arb_value()) {
            prop_assert_eq!(direct(&v), reference(&v));
            prop_assert!(handled_directly(&v));
        }

        #[test]
        fn direct_writer_matches_reference_on_typed_values(t in arb_tree()) {
            prop_assert_eq!(direct(&t), reference(&t));
        }

        #[test]
        fn strings_are_escaped_as_before(s in prop::collection::vec(arb_char(), 0..70).prop_map(String::from_iter)) {
            let mut out = Vec::new();
            write_string(&s, &mut out);
            prop_assert_eq!(out, escaped_slowly(&s));
        }

        #[test]
        fn utf16_order_is_utf16_cmp(a in arb_string(), b in arb_string(), common in arb_string()) {
            prop_assert_eq!(utf16_order(&a, &b), utf16_cmp(&a, &b));
            let (a, b) = (format!("{common}{a}"), format!("{common}{b}"));
            prop_assert_eq!(utf16_order(&a, &b), utf16_cmp(&a, &b));
        }
    }
}
