#!/usr/bin/env python3
"""Differential test of `claimtrail verify` against tools/independent_verify.py.

Builds a log with every kind of entry (the demo, then a second admin, a
source given on standard input, a retraction with its replacement, an
auditor's annotation, a superseding annotation, two annotation retractions, a redaction, a checkpoint
and a revocation, and a checkpoint kept in a file, cosigned by the auditor),
then runs random cases on copies of it, half of each, half of them with the
kept checkpoint (`--checkpoint`):

- damage: a bit flipped in a payload, a signature or an entry hash; a row
  deleted; two rows swapped; a kind column rewritten; a source text changed;
  the tail cut; sometimes also the kept checkpoint file, a character of it
  changed;
- signed entries: a body taken from the log and mutated (a member's value
  changed to another of its type or to anything at all, removed, or one
  added), signed with one of the log's own keys or a key it never enrolled
  by `ssh-keygen -Y sign`,
  and appended, or inserted with every later entry re-chained and re-signed
  by its own signer.

Each case is verified by both; they must fail or pass together and name the
same (entry, check) pairs, projection problems aside (the independent
verifier does not read the projection tables). For damage the independent
verifier may name fewer: it stops where FORMAT says to, while claimtrail
also reports the projection rows and tree nodes that no longer match.

    python3 tools/compare_verifiers.py [--claimtrail target/release/claimtrail]
                                       [--cases 200] [--seed 1]

Exit 0 when every case agreed, 1 when one did not (each difference printed),
2 when the log could not be built. It is run by hand (400 cases take about
2.5 minutes on two cores); the test suite keeps a fixed few of each kind
(tests/cli/independent.rs). docs/AUDIT.md, "Checking a log without
claimtrail",
says what the comparison found.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
INDEPENDENT = os.path.join(HERE, "independent_verify.py")
# The keys of the log it builds (the last never enrolled); with --log, every
# key pair in the directory (random_sessions.py also keeps "analyst2").
KEYS = ("admin", "analyst", "auditor", "admin2", "intruder")


def string(b):
    return len(b).to_bytes(4, "big") + b


def entry_hash(payload, sig):
    return hashlib.sha256(b"\x00" + string(payload) + string(sig)).digest()


def canonical(value):
    """RFC 8785 for what these bodies hold (strings, integers, null)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Workspace:
    def __init__(self, claimtrail, tmp, log=None):
        """The log to build in `tmp`, or an existing one: `log`, a directory
        with the log (its one `.db` file) and key pairs (at least those of
        KEYS), as
        tools/random_sessions.py --keep leaves them (with `kept.txt`, a
        kept checkpoint, when there is one)."""
        self.ct = claimtrail
        self.dir = log or os.path.join(tmp, "log")
        self.db = os.path.join(self.dir, "claimtrail.db")
        self.kept = None
        if log:
            dbs = [f for f in os.listdir(log) if f.endswith(".db")]
            if len(dbs) != 1:
                raise RuntimeError(f"{log} does not hold one .db file")
            self.db = os.path.join(log, dbs[0])
            if os.path.exists(os.path.join(log, "kept.txt")):
                self.kept = os.path.join(log, "kept.txt")

    def run(self, key, *args, stdin=None):
        cmd = [self.ct, "--db", self.db] + (["--key", os.path.join(self.dir, key)] if key else [])
        r = subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"claimtrail {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout.strip()

    def build(self):
        subprocess.run([self.ct, "demo", "--dir", self.dir], check=True, capture_output=True)
        for name in ("admin2", "intruder"):
            subprocess.run([self.ct, "key", "new", os.path.join(self.dir, name),
                            "--no-passphrase", "--comment", name], check=True, capture_output=True)
        a2 = os.path.join(self.dir, "admin2")
        self.run("admin", "key", "add", a2 + ".pub", "--role", "admin", "--name", "Second admin")
        s2 = self.run("analyst", "source", "add", "-", "--kind", "tweet",
                      stdin="Seven civilians were killed, the White Helmets said.")
        c = self.run("analyst", "claim", "add", "--source", s2, "--quote",
                     "Seven civilians were killed", "--speaker", "White Helmets",
                     "--provenance", "tweet")
        self.run("analyst", "claim", "retract", "C1", "--reason", "wrong speaker",
                 "--replaced-by", c)
        self.run("auditor", "annotate", "C2", "--verdict", "confirmed", "--reliability", "A",
                 "--credibility", "2")
        self.run("analyst", "annotate", "C3", "--verdict", "false", "--supersedes", "A5")
        # Source amendments: the analyst's own source, and another's by an admin.
        self.run("analyst", "source", "amend", "S1", "--title", "A corrected title",
                 "--reason", "a typo in the title")
        self.run("admin", "source", "amend", s2, "--url", "https://example.org/status/7",
                 "--kind", "statement", "--reason", "the wrong URL and kind")
        # One that clears a field recorded in error (a body with `clear`).
        self.run("analyst", "source", "amend", "S1", "--clear", "publisher",
                 "--reason", "the publisher was another site's")
        # Annotation retractions: the analyst's own, and the auditor's by an admin.
        a = self.run("analyst", "annotate", "C3", "--verdict", "disputed")
        self.run("analyst", "annotate", "retract", a, "--reason", "the wrong claim")
        a = self.run("auditor", "annotate", "C4", "--verdict", "unverified")
        self.run("admin", "annotate", "retract", a, "--reason", "recorded in error")
        self.run("admin", "source", "redact", s2, "--reason", "the author asked")
        self.run("admin", "checkpoint")
        self.run("admin", "key", "revoke", self.fingerprint("admin2"), "--reason", "left")
        self.run("analyst", "annotate", "C4", "--verdict", "corroborated")
        self.kept = os.path.join(self.dir, "kept.txt")  # a checkpoint kept outside, cosigned
        self.run("admin", "checkpoint", "--out", self.kept)
        self.run("auditor", "checkpoint", "cosign", self.kept)
        self.run("analyst", "annotate", "C5", "--verdict", "unverified")
        c = sqlite3.connect(self.db)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # so that copying the file copies the log
        c.close()

    def fingerprint(self, key):
        out = subprocess.run(["ssh-keygen", "-lf", os.path.join(self.dir, key + ".pub")],
                             capture_output=True, text=True, check=True).stdout
        return out.split()[1]

    def sign(self, key, payload, tmp):
        path = os.path.join(tmp, "payload")
        with open(path, "wb") as f:
            f.write(payload)
        if os.path.exists(path + ".sig"):
            os.remove(path + ".sig")
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "claimtrail", "-f",
                        os.path.join(self.dir, key), path], check=True, capture_output=True)
        with open(path + ".sig") as f:
            return base64.b64decode("".join(f.read().splitlines()[1:-1]))


class Cases:
    def __init__(self, ws, tmp, rng):
        self.ws, self.tmp, self.rng = ws, tmp, rng
        db = sqlite3.connect(ws.db)
        self.rows = db.execute("SELECT seq, kind, payload, hash FROM entries ORDER BY seq").fetchall()
        db.close()
        self.keys = sorted(set(KEYS) | {f[:-4] for f in os.listdir(ws.dir) if f.endswith(".pub")
                                        and os.path.exists(os.path.join(ws.dir, f[:-4]))})
        self.fps = {k: ws.fingerprint(k) for k in self.keys}
        self.by_fp = {v: k for k, v in self.fps.items()}
        self.pubs = {k: " ".join(open(os.path.join(ws.dir, k + ".pub")).read().split()[:2])
                     for k in self.keys}
        self.hashes = [r[3].hex() for r in self.rows]
        self.refs, counters = [], {"source.add": 0, "claim.add": 0, "annotation.add": 0}
        for _, kind, _, h in self.rows:
            if kind in counters:
                counters[kind] += 1
                self.refs.append({"id": {"source.add": "S", "claim.add": "C",
                                         "annotation.add": "A"}[kind] + str(counters[kind]),
                                  "hash": h.hex()})

    # -- damage -----------------------------------------------------------

    def damage(self, db):
        rng, c = self.rng, sqlite3.connect(db)
        n = len(self.rows)
        op = rng.choice(["flip", "flip", "flip", "delete", "swap", "blob", "kind", "cut"])
        seq = rng.randrange(n)
        if op == "flip":
            col = rng.choice(["payload", "sig", "hash"])
            v = bytearray(c.execute(f"SELECT {col} FROM entries WHERE seq = ?", (seq,)).fetchone()[0])
            i = rng.randrange(len(v))
            v[i] ^= 1 << rng.randrange(8)
            c.execute(f"UPDATE entries SET {col} = ? WHERE seq = ?", (bytes(v), seq))
            what = f"bit flipped in the {col} of entry {seq}, byte {i}"
        elif op == "delete":
            c.execute("DELETE FROM entries WHERE seq = ?", (seq,))
            what = f"entry {seq} deleted"
        elif op == "swap":
            other = rng.randrange(n)
            c.executescript(f"UPDATE entries SET seq = -5 WHERE seq = {seq};"
                            f"UPDATE entries SET seq = {seq} WHERE seq = {other};"
                            f"UPDATE entries SET seq = {other} WHERE seq = -5;")
            what = f"entries {seq} and {other} swapped"
        elif op == "blob":
            rowid, v = rng.choice(c.execute("SELECT rowid, data FROM blobs").fetchall())
            v = bytearray(v)
            i = rng.randrange(len(v))
            v[i] ^= 1 << rng.randrange(8)
            c.execute("UPDATE blobs SET data = ? WHERE rowid = ?", (bytes(v), rowid))
            what = f"bit flipped in a source text, byte {i}"
        elif op == "kind":
            kind = rng.choice(["claim.add", "source.add", "annotation.add", "key.add",
                               "claim.retract", "annotation.retract"])
            c.execute("UPDATE entries SET kind = ? WHERE seq = ?", (kind, seq))
            what = f"the kind column of entry {seq} set to {kind}"
        else:
            seq = max(seq, 1)
            c.execute("DELETE FROM entries WHERE seq >= ?", (seq,))
            what = f"entries from {seq} on deleted"
        c.commit()
        c.close()
        return what

    def damaged_kept(self, path):
        """A copy of the kept checkpoint with one character changed, or
        (one time in four) with its first signature line, the admin's,
        removed: an auditor's cosignature alone (FORMAT §9.6 step 2)."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        signed = [i for i, l in enumerate(lines) if l.startswith("\u2014 ")]
        if len(signed) > 1 and self.rng.random() < 0.25:
            del lines[signed[0]]
            damaged = "\n".join(lines)
        else:
            i = self.rng.randrange(len(text) - 1)
            c = self.rng.choice("AB0+/= \n\u2014x")
            damaged = text[:i] + c + text[i + 1:]
        out = os.path.join(self.tmp, "kept-damaged.txt")
        with open(out, "w", encoding="utf-8") as f:
            f.write(damaged)
        return out

    # -- signed entries ---------------------------------------------------

    def ref(self):
        r = dict(self.rng.choice(self.refs))
        m = self.rng.random()
        if m < 0.2:
            r["hash"] = self.rng.choice(self.hashes)
        elif m < 0.3:
            r["id"] = r["id"][0] + str(self.rng.choice([0, 9, 99]))
        return r

    def typed(self, member, v):
        """Another value of the member's type."""
        rng = self.rng
        choices = {
            "role": ["admin", "analyst", "auditor"], "verdict": ["confirmed", "false", "disputed"],
            "reliability": [None, "A", "F"], "credibility": [None, 1, 6],
            "kind": ["tweet", "article"], "provenance": ["tweet", "statement"],
            "reason": ["r", " "], "name": ["n", ""], "speaker": ["UNICEF", ""],
            "published": [None, "2022-07-22", "2022-02-30", "2022-07-22T09:30:00+03:00"],
            # FORMAT §3.5a: only a non-empty, sorted list of distinct
            # clearable fields, none of them also given, is read.
            "clear": [["author"], ["publisher", "url"], ["url", "author"], [], ["kind"],
                      ["title"], ["author", "author"], "author", None],
        }
        if member == "fingerprint":
            return self.fps[rng.choice(self.keys)]
        if member == "key":
            return self.pubs[rng.choice(self.keys)]
        if member in ("supersedes", "replaced_by"):
            return rng.choice([None, self.ref()])
        if member in choices:
            return rng.choice(choices[member])
        if isinstance(v, dict):
            return self.ref()
        if isinstance(v, list):
            return rng.choice([[], [self.ref()], [self.ref(), self.ref()]])
        if isinstance(v, int) and not isinstance(v, bool):
            return max(0, v + rng.choice([-2, -1, 1, 2, 100]))
        return v

    def anything(self, v):
        """Any value at all, of any type."""
        rng = self.rng
        if isinstance(v, dict) and set(v) == {"hash", "id"}:
            return self.ref()
        if isinstance(v, bool):
            return not v
        if isinstance(v, int):
            return rng.choice([v + 1, v - 1, 0, -1, 2**53, v * 2, 10**20])
        if isinstance(v, str):
            return rng.choice(["", "x", v + "x", v[:-1], "\u00e9" + v, rng.choice(self.hashes),
                               "A", "confirmed", "admin", "tweet", "S1", "2026-12-01",
                               self.fps[rng.choice(self.keys)], "ssh-ed25519 AAAA"])
        if isinstance(v, list):
            return rng.choice([[], v + v, v + [self.ref()], [self.ref()], v[:1]])
        return rng.choice([self.ref(), "x", 1, "A", [], rng.choice(self.hashes)])

    def mutate(self, body):
        rng, body = self.rng, copy.deepcopy(body)
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            if not body:  # a small body (a retraction's two members) can lose them all
                break
            member, r = rng.choice(list(body)), rng.random()
            if r < 0.6:
                body[member] = self.typed(member, body[member])
            elif r < 0.68:
                del body[member]
            elif r < 0.72:
                # An unknown member, or `clear` where it may or may not be.
                body[rng.choice(["extra", "clear"])] = self.typed("clear", None)
            else:
                body[member] = self.anything(body[member])
        return body

    def signed(self, db):
        rng, rows = self.rng, self.rows
        template = json.loads(rng.choice(rows[1:])[2])
        last = json.loads(rows[-1][2])
        key = rng.choice(self.keys)
        body = self.mutate(template["body"])
        kind = template["kind"] if rng.random() < 0.9 else rng.choice(
            ["claim.add", "annotation.add", "key.add", "source.redact", "claim.retract",
             "annotation.retract", "source.amend", "key.revoke", "checkpoint.add"])
        time = last["time"] if rng.random() < 0.9 else rng.choice(
            ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"])
        at = len(rows) if rng.random() < 0.5 else rng.randrange(1, len(rows))
        payload = canonical({"body": body, "kind": kind, "log": last["log"],
                             "prev": self.hashes[at - 1], "seq": at, "signer": self.fps[key],
                             "time": time, "v": 1})
        sig = self.ws.sign(key, payload, self.tmp)
        prev = entry_hash(payload, sig)
        c = sqlite3.connect(db)
        c.execute("DELETE FROM entries WHERE seq >= ?", (at,))
        c.execute("INSERT INTO entries (seq, kind, payload, sig, hash) VALUES (?, ?, ?, ?, ?)",
                  (at, kind, payload, sig, prev))
        for _, row_kind, old, _ in rows[at:]:  # re-chained, re-signed by their own signers
            p = json.loads(old)
            p["seq"], p["prev"] = p["seq"] + 1, prev.hex()
            payload = canonical(p)
            sig = self.ws.sign(self.by_fp[p["signer"]], payload, self.tmp)
            prev = entry_hash(payload, sig)
            c.execute("INSERT INTO entries (seq, kind, payload, sig, hash) VALUES (?, ?, ?, ?, ?)",
                      (p["seq"], row_kind, payload, sig, prev))
        c.commit()
        c.close()
        return f"entry {at} signed by {key}: {kind} {json.dumps(body, ensure_ascii=False)[:200]}"


def named(report):
    return {(p["seq"], p["check"]) for p in report["problems"] if p["check"] != "projection"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claimtrail", default=os.path.join(HERE, "..", "target", "release",
                                                         "claimtrail"))
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log", metavar="DIR",
                    help="start from this log instead of building one (random_sessions.py --keep)")
    ap.add_argument("--save", metavar="DIR",
                    help="copy each case that differs to DIR/case-N.db (DIR is made)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            ws = Workspace(os.path.abspath(args.claimtrail), tmp, args.log)
            if args.log:
                c = sqlite3.connect(ws.db)
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                c.close()
            else:
                ws.build()
            cases = Cases(ws, tmp, rng)
        except (OSError, RuntimeError, sqlite3.Error, subprocess.CalledProcessError) as e:
            print(f"error: could not build or read the log (and its keys {', '.join(KEYS)}): "
                  f"{e}", file=sys.stderr)
            return 2
        copy_db, differ = os.path.join(tmp, "case.db"), 0
        for n in range(args.cases):
            shutil.copy(ws.db, copy_db)
            signed = n % 2 == 1
            what = cases.signed(copy_db) if signed else cases.damage(copy_db)
            kept = ["--checkpoint", ws.kept] if ws.kept and rng.random() < 0.5 else []
            if kept and not signed and rng.random() < 0.3:
                kept = ["--checkpoint", cases.damaged_kept(ws.kept)]
                what = f"the kept checkpoint damaged ({what})"
            # Every problem listed: with the default 1,000 a badly damaged
            # log's list stops short of some the independent verifier names.
            ours = subprocess.run([ws.ct, "--db", copy_db, "--json", "verify", "--max-problems",
                                   "0"] + kept,
                                  capture_output=True, text=True)
            theirs = subprocess.run([sys.executable, INDEPENDENT, copy_db, "--json"] + kept,
                                    capture_output=True, text=True)
            if ours.returncode == theirs.returncode == 2:
                continue  # both refuse the kept file (or the log) as unreadable
            try:
                o, t = json.loads(ours.stdout), json.loads(theirs.stdout)
            except ValueError:
                print(f"case {n}, {what}: no JSON report\n{ours.stderr}{theirs.stderr}")
                differ += 1
                continue
            only_tables = all(p["check"] == "projection" for p in o["problems"])
            agree = named(t) == named(o) if signed else named(t) <= named(o)
            if not agree or (ours.returncode != theirs.returncode and not only_tables):
                differ += 1
                print(f"case {n}, {what}: exit {ours.returncode} and {theirs.returncode}")
                print(f"  only claimtrail: {sorted(named(o) - named(t), key=str)}")
                print(f"  only independent: {sorted(named(t) - named(o), key=str)}")
                if args.save:
                    os.makedirs(args.save, exist_ok=True)
                    shutil.copy(copy_db, os.path.join(args.save, f"case-{n}.db"))
        print(f"{args.cases} cases (seed {args.seed}): {differ} differed")
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
