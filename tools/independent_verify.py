#!/usr/bin/env python3
"""Check a claimtrail log without claimtrail.

A second implementation of the checks in docs/FORMAT.md, written from that
document alone, for an auditor who will not take claimtrail's word for its
own log. It needs Python 3 (standard library only) and, for the entries'
signatures, OpenSSH's `ssh-keygen -Y verify`: the SSHSIG signatures are
checked by OpenSSH's code, the rest by this file, and nothing by
claimtrail's.

    python3 tools/independent_verify.py LOG.db [--checkpoint FILE ...]
                                               [--no-signatures] [--json]
    python3 tools/independent_verify.py --self-test

Exit 0: no problems; 1: problems (each printed as "entry SEQ (KIND ID):
CHECK: detail"); 2: the file could not be read as a claimtrail log.

What it checks (FORMAT §7.2): sequence, canonical (RFC 8785), header, chain,
hash, signature (the 180-byte SSHSIG layout, the key binding, strict S, no
small-order A or R, then OpenSSH), authorization (§4), every body rule of
§3 in FORMAT's order (the body's members and their types, names, reasons,
the origin, dates, references and their hashes, duplicates, redactions,
retractions, supersession, the last admin), blob (§5), quote (§3.6),
checkpoint entries (size, root, the note's text and its Ed25519 signature
by the entry's signer), kept checkpoint files (foreign, unsigned,
truncated or forked, §9.6, cosignatures included), and the Merkle root
(§9.1).

The signature lines of checkpoint notes are bare Ed25519 signatures, which
OpenSSH cannot check, so this file has the curve's arithmetic as RFC 8032
§5.1 states it (slow and plain: a log has few checkpoints); `--self-test`
checks it on two real signed notes, and that it refuses them changed.

What it does not check, and why: the projection tables (§6.3). They are
claimtrail's derived copies of the entries; this script reads only
`entries` and `blobs`, so an edited projection misleads claimtrail's lists,
never this script.

Every rule that decides whether an entry is valid is checked: an invalid
entry changes no state, so leaving a rule out would change the verdicts on
the entries after it. Where OpenSSH's Ed25519 and claimtrail's rule could
differ (edge cases no honest signer produces), this script applies the
byte checks of FORMAT §2.3 by itself (S < L; A and R canonical, not of small
order) before calling OpenSSH. One difference is left, on purpose: an R
with a small-order component that satisfies the cofactored equation, which
claimtrail accepts and this script (as OpenSSH) refuses; only the key's
holder can build one (FORMAT §2.3, "Where other verifiers differ").
"""

import argparse
import base64
import collections
import datetime
import functools
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata

APPLICATION_ID = 0x436C6D54
KINDS = {
    "log.init", "key.add", "key.revoke", "source.add", "source.redact", "source.amend",
    "claim.add", "claim.retract", "annotation.add", "annotation.retract", "checkpoint.add",
}
ID_KIND = {"source.add": "S", "claim.add": "C", "annotation.add": "A"}
MAY_SIGN = {  # FORMAT §4: which roles may sign each kind
    "key.add": {"admin"}, "key.revoke": {"admin"}, "source.redact": {"admin"},
    "checkpoint.add": {"admin"}, "source.add": {"admin", "analyst"},
    "source.amend": {"admin", "analyst"},
    "claim.add": {"admin", "analyst"}, "claim.retract": {"admin", "analyst"},
    "annotation.add": {"admin", "analyst", "auditor"},
    "annotation.retract": {"admin", "analyst", "auditor"},
}
HEADER = {"body", "kind", "log", "prev", "seq", "signer", "time", "v"}
BODY = {  # FORMAT §3: exactly these members, for each kind
    "log.init": {"key", "name", "origin"},
    "key.add": {"key", "name", "role"},
    "key.revoke": {"fingerprint", "reason"},
    "source.add": {"author", "derived_from", "kind", "length", "media_type", "published",
                   "publisher", "retrieved", "sha256", "title", "url"},
    "source.redact": {"reason", "source"},
    "source.amend": {"author", "kind", "published", "publisher", "reason", "source", "title",
                     "url"},
    "claim.add": {"end", "prefix", "provenance", "quote_sha256", "source", "speaker", "start",
                  "suffix", "text"},
    "claim.retract": {"claim", "reason", "replaced_by"},
    "annotation.add": {"claim", "contradicts", "corroborates", "credibility", "note",
                       "reliability", "supersedes", "verdict"},
    "annotation.retract": {"annotation", "reason"},
    "checkpoint.add": {"note", "root", "size"},
}
# FORMAT §3.5a: the one member a body may leave out: `clear` of a
# source.amend, present only when it lists a field.
OPTIONAL = {"source.amend": {"clear"}}
# FORMAT §3.5a: the fields a source.amend may clear (those source.add may
# leave null), in the order a `clear` list is written.
CLEARABLE = ["author", "published", "publisher", "title", "url"]
# FORMAT §3: each member's JSON type. "?" after a type: or null. "int" is a
# non-negative integer (claimtrail reads them as unsigned 64-bit integers),
# "ref" a Ref of §3.0 (its id spelled as §3.0 says: which kind of item it
# must name is a `reference` rule), "refs" an array of them, "fp" an OpenSSH
# fingerprint. A member of the wrong type means the body does not parse.
TYPES = {
    "log.init": {"key": "str", "name": "str", "origin": "str"},
    "key.add": {"key": "str", "name": "str", "role": "str"},
    "key.revoke": {"fingerprint": "fp", "reason": "str"},
    "source.add": {"author": "str?", "derived_from": "refs", "kind": "str", "length": "int",
                   "media_type": "str", "published": "str?", "publisher": "str?",
                   "retrieved": "str", "sha256": "str", "title": "str?", "url": "str?"},
    "source.redact": {"reason": "str", "source": "ref"},
    "source.amend": {"author": "str?", "kind": "str?", "published": "str?", "publisher": "str?",
                     "reason": "str", "source": "ref", "title": "str?", "url": "str?"},
    "claim.add": {"end": "int", "prefix": "str", "provenance": "str", "quote_sha256": "str",
                  "source": "ref", "speaker": "str", "start": "int", "suffix": "str",
                  "text": "str?"},
    "claim.retract": {"claim": "ref", "reason": "str", "replaced_by": "ref?"},
    "annotation.add": {"claim": "ref", "contradicts": "refs", "corroborates": "refs",
                       "credibility": "int?", "note": "str?", "reliability": "str?",
                       "supersedes": "ref?", "verdict": "str"},
    "annotation.retract": {"annotation": "ref", "reason": "str"},
    "checkpoint.add": {"note": "str", "root": "str", "size": "int"},
}
SOURCE_KINDS = {"tweet", "statement", "interview", "news_agency", "article", "report", "video",
                "other"}
HASHES = [("source.add", "sha256"), ("claim.add", "quote_sha256"), ("checkpoint.add", "root")]
ENUMS = {  # FORMAT §3.0: (kind, member) -> the values it may take
    ("key.add", "role"): {"admin", "analyst", "auditor"},
    ("source.add", "kind"): SOURCE_KINDS,
    ("source.amend", "kind"): SOURCE_KINDS | {None},
    ("claim.add", "provenance"): SOURCE_KINDS,
    ("annotation.add", "verdict"): {"confirmed", "corroborated", "unverified", "disputed",
                                    "misleading", "false"},
    ("annotation.add", "reliability"): {None, "A", "B", "C", "D", "E", "F"},
    ("annotation.add", "credibility"): {None, 1, 2, 3, 4, 5, 6},
}
MAX_INT = 2**53 - 1
P = 2**255 - 19  # the field of Curve25519: an encoding's y must be below it
L = 2**252 + 27742317777372353535851937790883648493  # the group order: S < L
# The encodings of the eight points of small order (the points whose order
# divides 8), as listed in "Taming the many EdDSAs" (Chalkias et al., 2020),
# table 6: an A or R among them is refused (FORMAT §2.3).
SMALL_ORDER = {bytes.fromhex(h) for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
)}
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}\Z")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
ITEM_ID = re.compile(r"([SCA])([1-9][0-9]{0,17})\Z")
PUBLIC_KEY = re.compile(r"ssh-ed25519 (AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43})\Z")


def has_type(v, t):
    """Whether a body member's value `v` has the type `t` of TYPES."""
    if t.endswith("?"):
        return v is None or has_type(v, t[:-1])
    if t == "str":
        return isinstance(v, str)
    if t == "int":
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**64
    if t == "fp":
        return isinstance(v, str) and FINGERPRINT.match(v) is not None
    if t == "refs":
        return isinstance(v, list) and all(has_type(r, "ref") for r in v)
    return (isinstance(v, dict) and set(v) == {"hash", "id"}  # "ref"
            and isinstance(v["hash"], str) and HEX64.match(v["hash"]) is not None
            and isinstance(v["id"], str) and ITEM_ID.match(v["id"]) is not None)


# Unicode's White_Space property, which Rust's `char::is_whitespace` and
# `str::trim` use (Python's `str.isspace` also takes U+001C..U+001F).
WHITE_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}
MEDIA_TYPE = "text/plain; charset=utf-8"
DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)\Z")
# RFC 3339 §5.6 date-time; its note allows "t", "z" and a space for the "T".
DATE_TIME = re.compile(r"(\d{4}-\d\d-\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?"
                       r"(?:[Zz]|([+-])(\d\d):(\d\d))\Z")


def nonempty(text):
    """FORMAT §3.0 "non-empty": a character that is not white space."""
    return any(c not in WHITE_SPACE for c in text)


def month_days(year, month):
    """Days in a month of the proleptic Gregorian calendar (year 0000 too)."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def calendar_day(text):
    """(year, month, day) of a real `YYYY-MM-DD`, or None."""
    m = DAY.match(text)
    y, mo, d = (int(g) for g in m.groups()) if m else (0, 0, 0)
    return (y, mo, d) if m and 1 <= mo <= 12 and 1 <= d <= month_days(y, mo) else None


def published_date(text):
    """FORMAT §3.4: `YYYY-MM-DD`, or an RFC 3339 date-time with any offset.
    A leap second (:60) is read as RFC 3339 §5.7 allows it: 23:59:60 UTC,
    on the last day of a month."""
    if DAY.match(text):
        return calendar_day(text) is not None
    m = DATE_TIME.match(text)
    day = calendar_day(m.group(1)) if m else None
    if day is None:
        return False
    hour, minute, second = int(m.group(2)), int(m.group(3)), int(m.group(4))
    off_h, off_m = int(m.group(7) or 0), int(m.group(8) or 0)
    if hour > 23 or minute > 59 or second > 60 or off_h > 23 or off_m > 59:
        return False
    if second == 60:
        sign = -1 if m.group(6) == "-" else 1
        utc = (hour * 60 + minute - sign * (off_h * 60 + off_m)) % (24 * 60)
        shift = (hour * 60 + minute - sign * (off_h * 60 + off_m)) // (24 * 60)
        y, mo, d = day
        d += shift  # the UTC day is the day before, the same or the day after
        if d < 1:
            mo, y = (mo - 1, y) if mo > 1 else (12, y - 1)
            d = month_days(y, mo)
        elif d > month_days(y, mo):
            d = 1
            mo, y = (mo + 1, y) if mo < 12 else (1, y + 1)
        return utc == 23 * 60 + 59 and d == month_days(y, mo)
    return True


def utc_time(text):
    """The entry time's form (FORMAT §2.1): `YYYY-MM-DDTHH:MM:SSZ`, a real instant."""
    if not TIME.match(text):
        return False
    try:
        datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
        return True
    except ValueError:
        return False


def origin_problem(origin):
    """Why `origin` cannot name a log (FORMAT §3.1), or None."""
    if not 1 <= len(origin.encode()) <= 256:
        return "the origin is not 1 to 256 bytes"
    if any(c in WHITE_SPACE or c == "+" or unicodedata.category(c) == "Cc" for c in origin):
        return "the origin contains white space, a control character or +"
    if origin.startswith("cosignature/"):
        return "the origin starts with cosignature/"
    return None


# What later entries need of an item (a source, claim or annotation): its
# entry's seq and hash (the leaf's bytes, shared with the tree), its signer
# (interned: one string per key), a source's length and text hash, an
# annotation's claim. A tuple, not a dict: a million items fit in about a
# quarter of the memory.
Item = collections.namedtuple("Item", "seq hash signer length sha256 claim")


class Rejected(Exception):
    """One failed check of one entry."""

    def __init__(self, check, detail):
        super().__init__(detail)
        self.check = check
        self.detail = detail


def string(b):
    """SSH wire `string`: a big-endian uint32 length, then the bytes."""
    return len(b).to_bytes(4, "big") + b


def column_bytes(v):
    """A column's bytes whatever its storage class (FORMAT §6.2)."""
    if v is None:
        return b""
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8", "surrogatepass")
    return str(v).encode()


# --- canonical JSON (FORMAT §2.2) -------------------------------------------

def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"member {k!r} given twice")
        obj[k] = v
    return obj


def refuse_float(s):
    raise ValueError(f"number {s} is not an integer")


def refuse_constant(s):
    raise ValueError(f"{s} is not JSON")


def jcs_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(o, "\\u%04x" % o))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jcs(v, depth=0):
    if depth > 127:
        raise ValueError("nested more than 127 deep")
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        if abs(v) > MAX_INT:
            raise ValueError(f"integer {v} is beyond 2^53 - 1")
        return str(v)
    if isinstance(v, str):
        return jcs_string(v)
    if isinstance(v, list):
        return "[" + ",".join(jcs(x, depth + 1) for x in v) + "]"
    keys = sorted(v, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    return "{" + ",".join(jcs_string(k) + ":" + jcs(v[k], depth + 1) for k in keys) + "}"


def parse_canonical(payload):
    if len(payload) > 1 << 20:
        raise Rejected("canonical", "payload larger than 1 MiB")
    try:
        value = json.loads(payload.decode("utf-8"), object_pairs_hook=no_duplicates,
                           parse_float=refuse_float, parse_constant=refuse_constant)
        again = jcs(value).encode("utf-8")
    except (UnicodeError, ValueError) as e:
        raise Rejected("canonical", f"not canonical JSON: {e}")
    if again != payload:
        raise Rejected("canonical", "payload bytes are not the RFC 8785 form of their value")
    return value


# --- keys and SSHSIG (FORMAT §2.3, §3.0) -------------------------------------

def key_blob(a):
    """K, the wire encoding of an Ed25519 public key A."""
    return string(b"ssh-ed25519") + string(a)


def fingerprint(a):
    return "SHA256:" + base64.b64encode(hashlib.sha256(key_blob(a)).digest()).decode().rstrip("=")


def key_from_text(text):
    """The 32 bytes A of `ssh-ed25519 BASE64`, written exactly so."""
    m = PUBLIC_KEY.match(text) if isinstance(text, str) else None
    if not m:
        raise Rejected("body", "key is not written exactly as `ssh-ed25519 <base64>`")
    k = base64.b64decode(m.group(1))
    if len(k) != 51 or k[:19] != key_blob(b"\0" * 32)[:19]:
        raise Rejected("body", "key is not an Ed25519 key")
    a = k[19:]
    if not good_point(a):
        raise Rejected("body", "key is a small-order or non-canonical point")
    if not torsion_free(a):
        raise Rejected("body", "key is a point with a small-order component")
    return a


@functools.lru_cache(maxsize=64)
def torsion_free(enc):
    """[L]A is the neutral element: A is in the prime-order subgroup, as
    every key ssh-keygen makes is (FORMAT §3.0)."""
    return ed_encode(ed_mul(L, ed_decode(enc))) == (1).to_bytes(32, "little")


D = -121665 * pow(121666, P - 2, P) % P  # the curve's d


def canonical_not_small(enc):
    """y < p, and not one of the eight small-order points (FORMAT §2.3)."""
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    return y < P and enc not in SMALL_ORDER


@functools.lru_cache(maxsize=64)  # a log has a handful of keys
def good_point(enc):
    """A canonical encoding (y < p) of a point on the curve, not of small
    order. On the curve (RFC 8032 §5.1.3): x² = u / v with u = y² − 1 and
    v = d·y² + 1 must be a square mod p, which it is when u·v is (Euler's
    criterion; v is never 0), and x = 0 must not carry the sign bit."""
    if not canonical_not_small(enc):
        return False
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    uv = (y * y - 1) * (D * y * y + 1) % P
    if uv == 0:
        return enc[31] >> 7 == 0
    return pow(uv, (P - 1) // 2, P) == 1


def sshsig_template(a, s):
    return (b"SSHSIG" + (1).to_bytes(4, "big") + string(key_blob(a)) + string(b"claimtrail")
            + string(b"") + string(b"sha512") + string(string(b"ssh-ed25519") + string(s)))


def split_sshsig(sig):
    """(A, S) of the one 180-byte layout claimtrail writes (FORMAT §2.3)."""
    if len(sig) != 180 or sshsig_template(sig[33:65], sig[116:180]) != sig:
        raise Rejected("signature", "the signature is not the 180-byte SSHSIG layout of FORMAT §2.3")
    return sig[33:65], sig[116:180]


class OpenSsh:
    """Ed25519 checks by `ssh-keygen -Y verify`, one entry at a time."""

    def __init__(self, tmp):
        self.tmp = tmp

    def verify(self, a, payload, sig):
        signers = os.path.join(self.tmp, "allowed_signers")
        with open(signers, "w") as f:
            f.write('signer namespaces="claimtrail" ssh-ed25519 '
                    + base64.b64encode(key_blob(a)).decode() + "\n")
        armored = os.path.join(self.tmp, "entry.sig")
        b64 = base64.b64encode(sig).decode()
        with open(armored, "w") as f:
            f.write("-----BEGIN SSH SIGNATURE-----\n")
            f.write("".join(b64[i:i + 70] + "\n" for i in range(0, len(b64), 70)))
            f.write("-----END SSH SIGNATURE-----\n")
        try:
            run = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", signers, "-I", "signer",
                                  "-n", "claimtrail", "-s", armored],
                                 input=payload, capture_output=True)
        except FileNotFoundError:
            raise OSError("ssh-keygen is not installed (hint: install OpenSSH's client, "
                          "or give --no-signatures to leave the Ed25519 checks out)")
        return run.returncode == 0


# --- the Merkle tree (FORMAT §9.1) -------------------------------------------

def tree_root(leaves):
    """MTH of RFC 6962 over leaf hashes (entry hashes are leaf hashes)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + tree_root(leaves[:k]) + tree_root(leaves[k:])).digest()


# --- Ed25519 (RFC 8032 §5.1), for the signature lines of checkpoint notes ------
# OpenSSH checks every entry's SSHSIG, but it cannot check a bare Ed25519
# signature, which is what a C2SP note carries; so this is the curve's
# arithmetic as RFC 8032 §5.1 states it, in extended coordinates
# (x, y, z, t) with x·y = t/z, slow and plain. Known answers: --self-test.

def ed_add(p1, p2):
    """RFC 8032 §5.1.4: the sum of two points (the formula is complete)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a, b = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    c, d = 2 * D * t1 * t2 % P, 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % P, g * h % P, f * g % P, e * h % P


def ed_mul(n, point):
    result = (0, 1, 1, 0)  # the neutral element
    while n:
        if n & 1:
            result = ed_add(result, point)
        point = ed_add(point, point)
        n >>= 1
    return result


def ed_decode(enc):
    """RFC 8032 §5.1.3: the point a 32-byte encoding names, or None."""
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    sign = enc[31] >> 7
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == (-u) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    if v * x * x % P != u:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y, 1, x * y % P


def ed_encode(point):
    x, y, z, _ = point
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


ED_B = ed_decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))  # the base point, x even


def ed25519_verify(a, msg, sig):
    """The byte checks of FORMAT §2.3 (S < L; A and R canonical, on the
    curve and not of small order) and the cofactorless equation
    [S]B = R + [k]A, with R compared as encoded bytes: stricter than
    claimtrail's cofactored equation only for an R with a small-order
    component, which no honest signer makes."""
    if len(sig) != 64 or int.from_bytes(sig[32:], "little") >= L:
        return False
    r_enc, s = sig[:32], int.from_bytes(sig[32:], "little")
    point_a = ed_decode(a)
    if point_a is None or ed_decode(r_enc) is None:
        return False
    if not canonical_not_small(a) or not canonical_not_small(r_enc):
        return False
    k = int.from_bytes(hashlib.sha512(r_enc + a + msg).digest(), "little") % L
    x, y, z, t = ed_mul(k, point_a)
    return ed_encode(ed_add(ed_mul(s, ED_B), ((-x) % P, y, z, (-t) % P))) == r_enc


# --- C2SP signed notes and checkpoints (FORMAT §9.2-9.3) ----------------------

NOTE_NAME = re.compile(r"[^\s+\x00-\x1f\x7f]+\Z")


def signed_note(note):
    """(text, [(name, key ID, signature bytes)]) of a C2SP signed note,
    parsed as FORMAT §9.3 says; ValueError when it is not one."""
    if not isinstance(note, str) or len(note.encode()) > 1 << 20:
        raise ValueError("not a signed note of at most 1 MiB")
    if any(unicodedata.category(c) == "Cc" and c != "\n" for c in note):
        raise ValueError("a control character other than a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise ValueError("no blank line before the signatures")
    text, block = note[:cut + 1], note[cut + 2:]
    if not block.endswith("\n"):
        raise ValueError("a signature line does not end in a newline")
    lines = block[:-1].split("\n")
    if not 1 <= len(lines) <= 100:
        raise ValueError("not 1 to 100 signature lines")
    signatures = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or not NOTE_NAME.match(parts[1]) or any(
                c in WHITE_SPACE for c in parts[1]):
            raise ValueError("a signature line is not `\u2014 NAME BASE64`")
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise ValueError("a signature line's base64 is malformed")
        if base64.b64encode(raw).decode() != parts[2] or len(raw) < 5:
            raise ValueError("a signature line's base64 is not canonical, or under 5 bytes")
        signatures.append((parts[1], raw[:4], raw[4:]))
    return text, signatures


def note_key_id(name, key_type, key):
    """FORMAT §9.3: the first 4 bytes of SHA-256(name || "\n" || type || key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + key).digest()[:4]


def line_verifies(text, key_type, a, payload):
    """A signature line's payload (after its key ID) under key `a`: a note
    signature (type 0x01, §9.3) or a cosignature (type 0x04, §9.5)."""
    if key_type == 0x01:
        return ed25519_verify(a, text.encode(), payload)
    stamp = int.from_bytes(payload[:8], "big")
    message = f"cosignature/v1\ntime {stamp}\n{text}".encode()
    return len(payload) == 72 and stamp <= 2**63 - 1 and ed25519_verify(a, message, payload[8:])


def note_verdict(text, signatures, known):
    """FORMAT §9.3 "Acceptance" of a parsed note (`signed_note`) against the
    `known` keys, {(name, key ID): (type, key)}: None when a line of a known
    key verifies and none fails; "unsigned" when no line is of a known key;
    "bad" when one of them does not verify."""
    verified = 0
    for name, key_id, payload in signatures:
        if (name, key_id) not in known:
            continue  # a line of a key it does not know: ignored
        if not line_verifies(text, *known[(name, key_id)], payload):
            return "bad"
        verified += 1
    return None if verified else "unsigned"


def log_key(origin, a):
    """An admin key as the log's checkpoints name it (§9.3): {(origin, key ID): (0x01, a)}."""
    return {(origin, note_key_id(origin, 0x01, a)): (0x01, a)}


def checkpoint_text(text):
    """(origin, size, root) of a note's checkpoint text (§9.2)."""
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise ValueError("its text is not a checkpoint")
    if "" in lines[3:]:
        raise ValueError("an empty extension line")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise ValueError("its root is not base64")
    if len(root) != 32 or base64.b64encode(root).decode() != lines[2]:
        raise ValueError("its root is not the canonical base64 of 32 bytes")
    return lines[0], int(lines[1]), root


# Known answers for --self-test: real signed notes and their verifier keys
# (C2SP signed-note verifier key: name + hex key ID + base64(0x01 || key)).
NOTE_VECTORS = [
    # golang.org/x/mod, sumdb/note/note_test.go
    ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
     "If you think cryptography is the answer to your problem,\n"
     "then you don't know what your problem is.\n\n"
     "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
     "RZb6KE6RyyBwJnAM=\n"),
    # transparency-dev/tessera, testdata/log/checkpoint (size 15)
    ("example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",
     "example.com/log/testdata\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n\n"
     "\u2014 example.com/log/testdata M9e0luh4jTG+UMBqOUo9/q+yAEvx1ilBEniMvjf1zfcBOhg+CKubMt53MvIt/"
     "uEWP6zdkdIQzd/fmwlM/dlPWF74ewI=\n"),
]


def self_test():
    """Checks the note verification above on NOTE_VECTORS, and that it
    refuses each of them changed: a flipped bit in the text, in R, in S, or
    S + L (the same signature with a non-canonical S). Returns the failures."""
    failures = []
    for vkey, note in NOTE_VECTORS:
        name, key_id, key = vkey.split("+", 2)
        raw = base64.b64decode(key)
        a = raw[1:]
        if note_key_id(name, raw[0], a).hex() != key_id:
            failures.append(f"{name}: key ID")
        text, signatures = signed_note(note)
        if note_verdict(text, signatures, log_key(name, a)) is not None:
            failures.append(f"{name}: the signature does not verify")
        [(_, _, sig)] = signatures
        r, s_int = sig[:32], int.from_bytes(sig[32:], "little")
        changed = {
            "text": (text.replace("\n", " \n", 1), sig),
            "R": (text, bytes([r[0] ^ 1]) + r[1:] + sig[32:]),
            "S": (text, r + (s_int ^ 1).to_bytes(32, "little")),
            "S + L": (text, r + (s_int + L).to_bytes(32, "little")),
        }
        for what, (t, bad) in changed.items():
            if ed25519_verify(a, t.encode(), bad):
                failures.append(f"{name}: accepted with {what} changed")
    return failures


# --- the log -----------------------------------------------------------------

class Log:
    def __init__(self, db, openssh):
        self.db = db
        self.openssh = openssh
        self.problems = []
        self.leaves = []
        self.origin = None
        self.keys = {}  # fingerprint -> {"a": key bytes, "role", "revoked": seq or None}
        self.items = {}  # "C3" -> Item
        self.counters = {"S": 0, "C": 0, "A": 0}
        self.sha256s = set()  # source texts' hashes signed so far
        self.redacted = {}  # "S2" -> seq of its valid redaction
        self.retracted = {}  # "C2" -> seq of its valid retraction
        self.retracted_annotations = {}  # "A2" -> seq of its valid retraction
        self.missing = {}  # "S2" -> seq of a source.add whose text is absent

    def problem(self, seq, kind, item, check, detail):
        self.problems.append({"seq": seq, "kind": kind, "id": item, "check": check, "detail": detail})

    def run(self):
        expected = 0
        prev = bytes(32)
        rows = self.db.execute("SELECT seq, kind, payload, sig, hash FROM entries ORDER BY seq")
        for row_seq, row_kind, payload, sig, stored in rows:
            row_kind = column_bytes(row_kind).decode("utf-8", "replace")
            payload, sig, stored = column_bytes(payload), column_bytes(sig), column_bytes(stored)
            if row_seq != expected:
                what = f"entries {expected}..{row_seq - 1} are missing" if row_seq > expected else "out of order"
                self.problem(row_seq, row_kind, None, "sequence", what)
            expected = row_seq + 1
            h = hashlib.sha256(b"\x00" + string(payload) + string(sig)).digest()
            self.entry(row_seq, row_kind, payload, sig, stored, h, prev)
            prev = h
            self.leaves.append(h)
        if not self.leaves:
            self.problem(None, None, None, "sequence", "the log has no entries (no log.init)")
        for item, seq in self.missing.items():
            self.problem(seq, "source.add", item, "blob",
                         "the source's text is missing and no source.redact entry removed it")
        live = self.counters["S"] - len(self.redacted)  # every source.add counts (FORMAT §5)
        (blobs,) = self.db.execute("SELECT COUNT(*) FROM blobs").fetchone()
        if blobs > live:
            self.problem(None, None, None, "blob", f"table blobs holds {blobs - live} "
                         f"text{'' if blobs - live == 1 else 's'} more than the sources not redacted "
                         "have: a text of no source, or a redacted source's text put back")

    def entry(self, seq, row_kind, payload, sig, stored, h, prev):
        item = None
        try:
            p = parse_canonical(payload)
            self.header(p)
            self.shape(p)
        except Rejected as e:
            if row_kind in ID_KIND:  # ids still line up (FORMAT §3.0)
                self.counters[ID_KIND[row_kind]] += 1
            self.problem(seq, row_kind, None, e.check, e.detail)
            if stored != h:
                self.problem(seq, row_kind, None, "hash", "entries.hash is not the hash of payload and sig")
            try:  # the signer is unknown, but not whether the bytes are those signed
                self.ed25519(*split_sshsig(sig), payload, sig)
            except Rejected as e:
                self.problem(seq, row_kind, None, "signature", e.detail)
            return
        kind, body = p["kind"], p["body"]
        if kind in ID_KIND:
            self.counters[ID_KIND[kind]] += 1
            item = f"{ID_KIND[kind]}{self.counters[ID_KIND[kind]]}"

        def report(check, detail):  # named by its row, as the auditor finds it
            self.problem(seq, row_kind, item, check, detail)

        if stored != h:
            report("hash", "entries.hash is not the hash of payload and sig")
        if p["seq"] != seq:
            report("sequence", f"payload seq {p['seq']} in row {seq}")
        if kind != row_kind:
            report("header", f"the kind column says {row_kind}")
        if seq == 0 and kind == "log.init" and isinstance(body, dict):
            self.origin = body.get("origin")
        # Only an authentic entry (its signature good under the key it
        # names, of this log) changes the state later entries are judged by
        # (FORMAT §7.2 step 16, since 2026-12-06); a broken chain or
        # sequence does not make it any less its signer's.
        valid = True
        if self.origin is not None and p["log"] != self.origin:
            report("header", "log is not the log's origin")
            valid = False
        if p["prev"] != prev.hex():
            report("chain", "prev is not the hash of the entry before")
        try:
            self.signature(p, payload, sig)
        except Rejected as e:
            report(e.check, e.detail)
            valid = False
        # Authorization (step 11) and the body rules (step 12) are both
        # checked: an entry from the wrong key is also judged on what it says.
        for check in (self.authorize, self.rules):
            try:
                check(seq, p)
            except Rejected as e:
                report(e.check, e.detail)
                valid = False
        if item:  # later entries may refer to it, whether or not it is valid
            claim = body.get("claim")
            self.items[item] = Item(seq, h, sys.intern(p["signer"]), body.get("length"),
                                    body.get("sha256"),
                                    claim.get("id") if isinstance(claim, dict) else None)
        try:
            if kind == "source.add":
                self.blob(seq, item, body)
            if valid:
                self.apply(seq, p)
        except Rejected as e:
            report(e.check, e.detail)

    def header(self, p):
        if not isinstance(p, dict) or set(p) != HEADER:
            raise Rejected("header", "the payload does not have exactly the eight members")
        if p["v"] != 1 or isinstance(p["v"], bool):
            raise Rejected("header", "v is not 1")
        if p["kind"] not in KINDS:
            raise Rejected("header", f"unknown kind {p['kind']!r}")
        ok = (isinstance(p["prev"], str) and HEX64.match(p["prev"])
              and isinstance(p["signer"], str) and FINGERPRINT.match(p["signer"])
              and isinstance(p["time"], str) and TIME.match(p["time"])
              and isinstance(p["log"], str) and type(p["seq"]) is int and p["seq"] >= 0
              and isinstance(p["body"], dict))
        if not ok:
            raise Rejected("header", "a header member is malformed")
        if not utc_time(p["time"]):
            raise Rejected("header", "time is not a real instant")

    def shape(self, p):
        """The body's members and closed sets (FORMAT §3): an entry whose
        body does not parse is checked no further (FORMAT §7.2 step 3)."""
        kind, b = p["kind"], p["body"]
        if set(b) - OPTIONAL.get(kind, set()) != BODY[kind]:
            raise Rejected("body", f"the body of a {kind} does not have exactly its members")
        for member, t in TYPES[kind].items():
            if not has_type(b[member], t):
                raise Rejected("body", f"{member} is not of its type ({t})")
        if "clear" in b:  # FORMAT §3.5a: one written form
            clear = b["clear"]
            if not isinstance(clear, list) or not all(isinstance(f, str) for f in clear):
                raise Rejected("body", "clear is not a list of field names")
            if not clear:
                raise Rejected("body", "clear is empty (a body that clears nothing leaves it out)")
            if any(f not in CLEARABLE for f in clear):
                raise Rejected("body", "clear names a field that cannot be cleared")
            if clear != sorted(set(clear)):
                raise Rejected("body", "clear is not sorted, or names a field twice")
            if any(b[f] is not None for f in clear):
                raise Rejected("body", "a field is both given and cleared")
        for k, member in HASHES:
            if k == kind and not (isinstance(b[member], str) and HEX64.match(b[member])):
                raise Rejected("body", f"{member} is not 64 lowercase hex digits")
        for (k, member), allowed in ENUMS.items():
            v = b[member] if k == kind else None
            if k == kind and not (isinstance(v, (str, int, type(None)))
                                  and not isinstance(v, bool) and v in allowed):
                raise Rejected("body", f"{member} {v!r} is not one of its values")

    def signature(self, p, payload, sig):
        a, s = split_sshsig(sig)
        if p["kind"] == "log.init":
            want = key_from_text(p["body"].get("key"))
        elif p["signer"] in self.keys:
            want = self.keys[p["signer"]]["a"]
        else:
            want = a  # an unknown signer fails authorization; say whether its signature holds
        if a != want:
            raise Rejected("signature", "the SSHSIG's key is not the signer's enrolled key")
        self.ed25519(a, s, payload, sig)

    def ed25519(self, a, s, payload, sig):
        """FORMAT §2.3 condition 5, under the key `a` in the blob."""
        if int.from_bytes(s[32:], "little") >= L:
            raise Rejected("signature", "S is not below the group order")
        # A once per key (cached); R on the curve is left to OpenSSH's check,
        # 0.13 ms a point in Python being most of a large log's time.
        if not good_point(a) or not canonical_not_small(s[:32]):
            raise Rejected("signature", "A or R is a small-order or non-canonical point")
        if self.openssh and not self.openssh.verify(a, payload, sig):
            raise Rejected("signature", "ssh-keygen -Y verify rejects the signature")

    def authorize(self, seq, p):
        kind, signer = p["kind"], p["signer"]
        # "An entry is log.init if and only if its payload seq is 0" (FORMAT
        # §3): the payload's seq, whose difference from the row's is a
        # `sequence` problem of its own.
        if kind == "log.init":
            if p["seq"] != 0:
                raise Rejected("body", "log.init is not entry 0")
            if fingerprint(key_from_text(p["body"].get("key"))) != signer:
                raise Rejected("authorization", "log.init is not signed by the key it enrolls")
            return None
        if p["seq"] == 0:
            raise Rejected("body", "entry 0 is not a log.init")
        key = self.keys.get(signer)
        if key is None:
            raise Rejected("authorization", f"{signer} is not enrolled")
        if key["revoked"] is not None:
            raise Rejected("authorization", f"{signer} was revoked at entry {key['revoked']}")
        if key["role"] not in MAY_SIGN[kind]:
            raise Rejected("authorization", f"a key with role {key['role']} may not sign {kind}")

    @staticmethod
    def reason(b):
        if not nonempty(b["reason"]):
            raise Rejected("body", "the reason is empty")

    def ref(self, r, want):
        """The item a Ref names, after checking it names an earlier item of
        the kind `want` with that item's hash (FORMAT §3.0; its shape was
        checked with the body's)."""
        if r["id"][0] != want:
            raise Rejected("reference", f"{r['id']} is not a {want} id")
        item = self.items.get(r["id"])
        if item is None:
            raise Rejected("reference", f"{r['id']} does not exist before this entry")
        if item.hash.hex() != r["hash"]:
            raise Rejected("reference", f"{r['id']}'s hash is not the hash of its entry")
        return item

    def not_retracted(self, r):
        if r["id"] in self.retracted:
            raise Rejected("reference", f"{r['id']} was retracted at entry {self.retracted[r['id']]}")

    def rules(self, seq, p):
        kind, b = p["kind"], p["body"]
        if kind == "log.init":
            if b["origin"] != p["log"]:
                raise Rejected("body", "origin is not the payload's log")
            if origin_problem(b["origin"]):
                raise Rejected("body", origin_problem(b["origin"]))
            if not nonempty(b["name"]):
                raise Rejected("body", "the name is empty")
        elif kind == "key.add":
            a = key_from_text(b["key"])
            if not nonempty(b["name"]):
                raise Rejected("body", "the name is empty")
            if fingerprint(a) in self.keys:
                raise Rejected("body", "the key was enrolled before")
            # Keys under one name sign for one person: a live key's name
            # is no other key's (FORMAT §3.2).
            if any(k["name"] == b["name"] and k["revoked"] is None for k in self.keys.values()):
                raise Rejected("body", "a live key holds the name")
        elif kind == "key.revoke":
            target = self.keys.get(b.get("fingerprint"))
            if target is None:
                raise Rejected("reference", "the revoked key is not enrolled")
            if target["revoked"] is not None:
                raise Rejected("body", "the key is already revoked")
            admins = [k for k in self.keys.values() if k["role"] == "admin" and k["revoked"] is None]
            if target["role"] == "admin" and len(admins) < 2:
                raise Rejected("body", "the last admin key cannot be revoked")
            self.reason(b)
        elif kind == "source.add":
            if b["length"] < 1:
                raise Rejected("body", "length is 0")
            if b["media_type"] != MEDIA_TYPE:
                raise Rejected("body", f"media_type is not {MEDIA_TYPE}")
            if not utc_time(b["retrieved"]):
                raise Rejected("body", "retrieved is not a UTC time YYYY-MM-DDTHH:MM:SSZ")
            if b["published"] is not None and not published_date(b["published"]):
                raise Rejected("body", "published is not YYYY-MM-DD or an RFC 3339 date-time")
            if b["sha256"] in self.sha256s:
                raise Rejected("body", "an earlier source has the same text")
            derived = [r.get("id") for r in b.get("derived_from", []) if isinstance(r, dict)]
            for r in b.get("derived_from", []):
                self.ref(r, "S")
            if len(set(derived)) != len(derived):
                raise Rejected("body", "derived_from lists a source twice")
        elif kind == "source.redact":
            self.ref(b.get("source"), "S")
            if b["source"]["id"] in self.redacted:
                raise Rejected("body", "the source is already redacted")
            self.reason(b)
        elif kind == "source.amend":  # FORMAT §3.5a
            source = self.ref(b.get("source"), "S")
            if (all(b[f] is None for f in ("author", "kind", "published", "publisher", "title", "url"))
                    and not b.get("clear")):
                raise Rejected("body", "the amendment corrects and clears no field")
            if b["published"] is not None and not published_date(b["published"]):
                raise Rejected("body", "published is not YYYY-MM-DD or an RFC 3339 date-time")
            signer = self.keys.get(p["signer"])  # enrolled, revoked or not (FORMAT §4)
            if signer and signer["role"] == "analyst" and not self.same_person(source.signer, p["signer"]):
                raise Rejected("authorization", "an analyst may amend only the sources they added")
            self.reason(b)
        elif kind == "claim.add":
            source = self.ref(b.get("source"), "S")
            sid = b["source"]["id"]
            if sid in self.redacted:
                raise Rejected("reference", f"{sid} was redacted at entry {self.redacted[sid]}")
            start, end = b.get("start"), b.get("end")
            length = source.length if type(source.length) is int else 0
            if type(start) is not int or type(end) is not int or not 0 <= start < end <= length:
                raise Rejected("body", "the span is not within the source")
            if not nonempty(b["speaker"]):
                raise Rejected("body", "the speaker is empty")
            self.quote(b, source)
        elif kind == "claim.retract":
            claim = self.ref(b.get("claim"), "C")
            if b["claim"]["id"] in self.retracted:
                raise Rejected("body", "the claim is already retracted")
            signer = self.keys.get(p["signer"])  # enrolled, revoked or not (FORMAT §4)
            if signer and signer["role"] == "analyst" and not self.same_person(claim.signer, p["signer"]):
                raise Rejected("authorization", "an analyst may retract only their own claims")
            self.reason(b)
            if b.get("replaced_by") is not None:
                self.ref(b["replaced_by"], "C")
                if b["replaced_by"]["id"] == b["claim"]["id"]:
                    raise Rejected("body", "a claim cannot replace itself")
                self.not_retracted(b["replaced_by"])
        elif kind == "annotation.add":
            self.ref(b.get("claim"), "C")
            claim_id = b["claim"]["id"]
            self.not_retracted(b["claim"])
            linked = []
            for field in ("corroborates", "contradicts"):
                for r in b.get(field, []):
                    self.ref(r, "C")
                    self.not_retracted(r)
                    if r["id"] == claim_id:
                        raise Rejected("body", f"{field} names the annotated claim itself")
                    linked.append(r["id"])
            if len(set(linked)) != len(linked):
                raise Rejected("body", "a claim is linked twice")
            if b.get("supersedes") is not None:
                old = self.ref(b["supersedes"], "A")
                sid = b["supersedes"]["id"]
                if sid in self.retracted_annotations:  # FORMAT §3.7a
                    raise Rejected("reference",
                                   f"{sid} was retracted at entry {self.retracted_annotations[sid]}")
                if old.claim != claim_id or not self.same_person(old.signer, p["signer"]):
                    raise Rejected("body", "it supersedes an annotation of another claim or signer")
        elif kind == "annotation.retract":  # FORMAT §3.7a
            old = self.ref(b.get("annotation"), "A")
            if b["annotation"]["id"] in self.retracted_annotations:
                raise Rejected("body", "the annotation is already retracted")
            signer = self.keys.get(p["signer"])  # enrolled, revoked or not (FORMAT §4)
            if signer and signer["role"] != "admin" and not self.same_person(old.signer, p["signer"]):
                raise Rejected("authorization",
                               "an analyst or auditor may retract only their own annotations")
            self.reason(b)
        elif kind == "checkpoint.add":
            if b.get("size") != seq:
                raise Rejected("checkpoint", "size is not the entry's seq")
            root = tree_root(self.leaves)
            if b.get("root") != root.hex():
                raise Rejected("checkpoint", "root is not the tree root of the entries before it")
            try:
                text, signatures = signed_note(b.get("note"))
                origin, size, note_root = checkpoint_text(text)
            except ValueError as e:
                raise Rejected("checkpoint", f"note: {e}")
            if (origin, size, note_root) != (p["log"], seq, root):
                raise Rejected("checkpoint", "the note's text is not this log's checkpoint")
            signer = self.keys.get(p["signer"])  # enrolled, revoked or not
            if signer is None:
                raise Rejected("checkpoint", "the signer is not enrolled")
            why = note_verdict(text, signatures, log_key(p["log"], signer["a"]))
            if why == "unsigned":
                raise Rejected("checkpoint", "note: no signature line of the entry's signer "
                                             "under the origin")
            if why == "bad":
                raise Rejected("checkpoint", "note: a signature line of the entry's signer does "
                                             "not verify")

    def blob(self, seq, item, b):
        """The stored text of a source.add (FORMAT §5); its absence is settled at the end."""
        if not isinstance(b.get("sha256"), str) or not HEX64.match(b["sha256"]):
            return  # a body problem, reported by the rules
        row = self.db.execute("SELECT data FROM blobs WHERE sha256 = ?",
                              (bytes.fromhex(b["sha256"]),)).fetchone()
        if row is None:
            self.missing[item] = seq
            return
        data = column_bytes(row[0])
        if hashlib.sha256(data).hexdigest() != b["sha256"] or len(data) != b["length"]:
            raise Rejected("blob", "the stored text does not match its signed hash and length")

    def quote(self, b, source):
        if not isinstance(source.sha256, str) or not HEX64.match(source.sha256):
            return
        row = self.db.execute("SELECT data FROM blobs WHERE sha256 = ?",
                              (bytes.fromhex(source.sha256),)).fetchone()
        if row is None:
            return  # the text is absent: quotes cannot be checked (FORMAT §5)
        data = column_bytes(row[0])
        try:
            before, quoted, after = (data[:b["start"]].decode(), data[b["start"]:b["end"]].decode(),
                                     data[b["end"]:].decode())
        except UnicodeError:
            raise Rejected("quote", "the span does not fall on character boundaries of UTF-8 text")
        if hashlib.sha256(quoted.encode()).hexdigest() != b.get("quote_sha256"):
            raise Rejected("quote", "quote_sha256 is not the hash of the span")
        if b.get("prefix") != before[-32:] or b.get("suffix") != after[:32]:
            raise Rejected("quote", "prefix or suffix is not the text around the span")

    def same_person(self, a, b):
        """Whether keys a and b sign for one person (FORMAT §3.7): the same
        key, or a rotated one: the same name and role, the earlier of the
        two revoked before the later was enrolled."""
        if a == b:
            return True
        ka, kb = self.keys.get(a), self.keys.get(b)
        if ka is None or kb is None:
            return False
        old, new = (ka, kb) if ka["seq"] < kb["seq"] else (kb, ka)
        return (ka["name"] == kb["name"] and ka["role"] == kb["role"]
                and old["revoked"] is not None and old["revoked"] < new["seq"])

    def apply(self, seq, p):
        """The effects of a valid entry (FORMAT §7.2 step 16)."""
        kind, b = p["kind"], p["body"]
        if kind == "log.init":
            self.keys[p["signer"]] = {"a": key_from_text(b["key"]), "role": "admin",
                                      "revoked": None, "seq": seq, "name": b["name"]}
        elif kind == "key.add":
            a = key_from_text(b["key"])
            self.keys[fingerprint(a)] = {"a": a, "role": b["role"], "revoked": None,
                                         "seq": seq, "name": b["name"]}
        elif kind == "key.revoke":
            self.keys[b["fingerprint"]]["revoked"] = seq
        elif kind == "source.add":
            self.sha256s.add(b["sha256"])
        elif kind == "source.redact":
            sid = b["source"]["id"]
            self.redacted[sid] = seq
            self.missing.pop(sid, None)
            sha = self.items[sid].sha256
            if isinstance(sha, str) and HEX64.match(sha) and self.db.execute(
                    "SELECT 1 FROM blobs WHERE sha256 = ?", (bytes.fromhex(sha),)).fetchone():
                raise Rejected("blob", "the redacted text is still stored")
        elif kind == "claim.retract":
            self.retracted[b["claim"]["id"]] = seq
        elif kind == "annotation.retract":
            self.retracted_annotations[b["annotation"]["id"]] = seq


def principal(name):
    """FORMAT §8: principal(name), the name an auditor cosigns under (§9)."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", name) or "_"


def kept_signers(log, size):
    """The keys that may sign a kept checkpoint of `size` (FORMAT §9.6 step
    2), as `note_verdict` takes them: those live at that size, an admin's as
    a type 0x01 line under the origin, an auditor's as a cosignature (type
    0x04, §9.5) under its principal."""
    known = {}
    for key in log.keys.values():
        if not (key["seq"] < max(size, 1) and (key["revoked"] is None or key["revoked"] >= size)):
            continue
        if key["role"] == "admin":
            known.update(log_key(log.origin, key["a"]))
        elif key["role"] == "auditor":
            name = principal(key["name"])
            known[(name, note_key_id(name, 0x04, key["a"]))] = (0x04, key["a"])
    return known


def kept(log, path):
    """A kept checkpoint file against the log's tree (FORMAT §9.6). A file
    that is no checkpoint is an error naming the file (with several, the
    reader could not tell which), read as it is: Python's universal
    newlines would make a copy saved with Windows line endings LF again,
    which claimtrail refuses (the signature covers LF alone)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            note = f.read()
        if "\r" in note:
            raise ValueError("it has Windows line endings (a carriage return at character "
                             f"{note.index(chr(13))}): convert it back with `dos2unix FILE`; "
                             "the signature covers the text with newlines alone")
        text, signatures = signed_note(note)
        origin, size, root = checkpoint_text(text)
    except ValueError as e:  # UnicodeDecodeError too
        raise ValueError(f"checkpoint {path}: {e}") from None
    n = len(log.leaves)
    if origin != log.origin:
        return "foreign", f"of log {origin}"
    known = kept_signers(log, size)
    if note_verdict(text, signatures, known) is not None:
        return "unsigned", "no key of the log that was live at that size signed it"
    # §9.6 step 2 (since 2026-12-04): an admin's line must be among those
    # that verified; an auditor's cosignature is never the log's signature.
    if not any(name == log.origin and known.get((name, key_id), (None,))[0] == 0x01
               for name, key_id, _ in signatures):
        return "unsigned", "only an auditor's cosignature, not an admin's signature"
    if size > n:
        return "truncated", (f"entries {n}..{size - 1} were removed, or the history was "
                             "rewritten before that (a shorter log cannot show which)")
    if tree_root(log.leaves[:size]) != root:
        return "forked", f"the log's first {size} entries no longer hash to its root"
    return "consistent", f"size {size}"


def main():
    ap = argparse.ArgumentParser(description="Check a claimtrail log without claimtrail (docs/FORMAT.md).")
    ap.add_argument("db", nargs="?")
    ap.add_argument("--self-test", action="store_true",
                    help="check the Ed25519 and signed-note code on known answers, and exit")
    ap.add_argument("--checkpoint", action="extend", nargs="+", default=[], metavar="FILE",
                    help="checkpoints kept outside the log (one or more; may be repeated)")
    ap.add_argument("--no-signatures", action="store_true",
                    help="skip the ssh-keygen call per entry (every other signature check stays)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        failures = self_test()
        for f in failures:
            print(f"self-test: {f}")
        print(f"self-test: {len(NOTE_VECTORS)} signed notes, "
              + ("FAILED" if failures else "each verified, and refused when changed"))
        return 1 if failures else 0
    if args.db is None:
        ap.error("the log's file is required")
    try:
        if not os.path.isfile(args.db):
            raise sqlite3.Error(f"no such file: {args.db}")
        db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        db.text_factory = bytes  # a tampered TEXT cell is read as its bytes, not decoded
        (app,) = db.execute("PRAGMA application_id").fetchone()
        if app != APPLICATION_ID:
            raise sqlite3.Error("not a claimtrail log (application_id)")
        with tempfile.TemporaryDirectory() as tmp:
            log = Log(db, None if args.no_signatures else OpenSsh(tmp))
            log.run()
        judged = []
        for path in args.checkpoint:
            status, detail = kept(log, path)
            judged.append({"file": path, "status": status, "detail": detail})
            if status != "consistent":
                log.problem(None, None, None, "checkpoint", f"{path}: {status}: {detail}")
    except (sqlite3.Error, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    root = tree_root(log.leaves).hex()
    if args.json:
        print(json.dumps({"origin": log.origin, "entries": len(log.leaves), "tree_root": root,
                          "checkpoints": judged, "ok": not log.problems,
                          "problems": log.problems}, indent=2))
    else:
        print(f"log {log.origin}: {len(log.leaves)} entries, tree root {root}")
        for j in judged:
            if j["status"] == "consistent":
                print(f"checkpoint {j['file']} ({j['detail']}): consistent")
        for pr in log.problems:
            where = "log" if pr["seq"] is None else f"entry {pr['seq']} ({pr['kind']}" + (
                f" {pr['id']})" if pr["id"] else ")")
            print(f"{where}: {pr['check']}: {pr['detail']}")
        print("OK: no problems found" if not log.problems else f"FAILED: {len(log.problems)} problem(s)")
    return 0 if not log.problems else 1


if __name__ == "__main__":
    sys.exit(main())
