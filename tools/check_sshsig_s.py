#!/usr/bin/env python3
"""Refuse an Ed25519 SSHSIG whose S is not below the group order.

`ssh-keygen -Y verify` checks an Ed25519 signature's S only against 2^253,
not against the group order L (FORMAT.md §2.3). So from any valid entry
signature (R, S) anyone, without the key, can write (R, S + L): OpenSSH
still says "Good signature", the blob's bytes (and so the entry's hash, and
for the last entry the tree root) differ, and claimtrail's verify refuses
it. An auditor who checks entry signatures with OpenSSH runs this beside
it, on the same armored signature file:

    claimtrail log --seq 4 --signature > entry4.sig
    python3 tools/check_sshsig_s.py entry4.sig && ssh-keygen -Y verify ...

Standard library only. It reads the SSHSIG as PROTOCOL.sshsig lays it out
and looks at the Ed25519 signature's last 32 bytes (S, little-endian); it
checks nothing else (ssh-keygen does the rest).

Exit 0: every file's S is below L; 1: one is not (said on stderr); 2: a file
that is not an armored Ed25519 SSHSIG.
"""

import base64
import struct
import sys

L = 2**252 + 27742317777372353535851937790883648493


def strings(blob, at):
    """The SSH `string` at `at` and the offset after it."""
    (n,) = struct.unpack(">I", blob[at : at + 4])
    return blob[at + 4 : at + 4 + n], at + 4 + n


def signature_s(path):
    lines = open(path, encoding="ascii").read().split()
    if lines[:3] != ["-----BEGIN", "SSH", "SIGNATURE-----"] or lines[-3:] != ["-----END", "SSH", "SIGNATURE-----"]:
        raise ValueError("not an armored SSH signature")
    blob = base64.b64decode("".join(lines[3:-3]), validate=True)
    if blob[:6] != b"SSHSIG":
        raise ValueError("not an SSHSIG")
    at = 10  # magic and version
    for _ in range(4):  # public key, namespace, reserved, hash algorithm
        _, at = strings(blob, at)
    sig, at = strings(blob, at)
    kind, rest = strings(sig, 0)
    raw, _ = strings(sig, rest)
    if kind != b"ssh-ed25519" or len(raw) != 64 or at != len(blob):
        raise ValueError("not an Ed25519 SSHSIG")
    return int.from_bytes(raw[32:], "little")


def main(paths):
    if not paths:
        print("usage: check_sshsig_s.py SIGNATURE_FILE...", file=sys.stderr)
        return 2
    bad = 0
    for path in paths:
        try:
            s = signature_s(path)
        except (OSError, ValueError, struct.error, UnicodeDecodeError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        if s >= L:
            print(f"{path}: S is not below the group order: a signature rewritten without the key (S + L); refuse it", file=sys.stderr)
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
