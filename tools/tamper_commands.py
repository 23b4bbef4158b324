#!/usr/bin/env python3
"""Every command, on a log whose file was altered one cell at a time.

verify's tamper tests (tests/cli/tamper.rs) check that verify names what was
changed. This checks the other side of the contract: that every *other*
command, reading or signing, meets the altered file with a clean outcome,
whatever it finds there. It builds the demo log once, then for every column
of every table sets the first row's cell to each of a set of hostile values
(NULL, -1, the largest integer, text, a blob, the empty string, a real, an
id, 0, a large number) and runs each command on a fresh copy:

- read commands: list, show, log, report in every format, prove, key list,
  allowed-signers, verify, status;
- signing commands: annotate, claim add, source add, checkpoint, export,
  claim retract, annotate retract, source amend, key revoke, claim suggest, backup; publish (which writes
  files, not entries).

A run passes when it exits 0, 1 or 2, does not panic, does not call itself
an internal error (a bug), and, when it exits 2, says so in one line. It
fails the script (exit 1) and prints the cell, the value, the command and
its stderr otherwise. What the commands answer is not judged here: that is
what the CLI tests do.

    cargo build --release
    python3 tools/tamper_commands.py [--claimtrail target/release/claimtrail]

About 21,000 runs, in about 5 minutes on two cores. Its first run (on
2026-12-02) found 64 failures: an altered tree node, stored key's role,
origin or checkpoint note was "internal error … a bug in claimtrail" to
prove, the signing commands and export, and `report` stopped instead of
reporting a log that fails verify. None since.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

VALUES = ["NULL", "-1", "9223372036854775807", "'abc'", "x'00ff'", "''", "1.5", "'C1'", "0", "100000"]

READS = [
    ["list", "sources"], ["list", "claims"], ["list", "annotations"], ["list", "speakers"],
    ["list", "claims", "--unannotated"],
    ["show", "S1"], ["show", "C1"], ["show", "C2"], ["show", "C9"], ["show", "A1"],
    ["log"], ["log", "--json"],
    ["log", "--kind", "claim", "-n", "2"], ["log", "--by", "admin"], ["log", "--uncovered"],
    ["log", "--json", "--kind", "annotation", "--since", "2020-01-01"],
    ["report", "--format", "json"], ["report", "--format", "html"],
    ["report", "C1", "--format", "csv"], ["report", "--format", "wa"],
    ["report", "--format", "prov"], ["report", "--format", "claimreview"],
    ["prove", "C1"], ["key", "list"], ["key", "allowed-signers"], ["verify"],
    ["status"], ["status", "--json"],
]


def writes(keys, work):
    analyst, admin = os.path.join(keys, "analyst"), os.path.join(keys, "admin")
    return [
        ["--key", analyst, "annotate", "C1", "--verdict", "false", "--supersedes", "A1"],
        ["--key", analyst, "claim", "add", "--source", "S1", "--quote", "Tehran summit",
         "--occurrence", "2", "--speaker", "X", "--provenance", "interview"],
        ["--key", analyst, "source", "add", os.path.join(ROOT, "fixtures", "idlib-2022-07-22.txt"),
         "--kind", "article", "--derived-from", "S1"],
        ["--key", admin, "checkpoint"],
        ["--key", admin, "export", "C1", "C2", "--out", os.path.join(work, "b.json")],
        ["--key", analyst, "annotate", "retract", "A1", "--reason", "x"],
        ["--key", analyst, "source", "amend", "S1", "--title", "A corrected title", "--reason", "x"],
        ["--key", analyst, "claim", "retract", "C1", "--reason", "x", "--replaced-by", "C2"],
        ["--key", admin, "key", "revoke", os.path.join(keys, "auditor.pub"), "--reason", "x"],
        ["--key", analyst, "claim", "suggest", "S1"],
        ["--key", admin, "backup", os.path.join(work, "bk.db")],
        ["publish", os.path.join(work, "site")],
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claimtrail", default=os.path.join(ROOT, "target", "release", "claimtrail"))
    args = ap.parse_args()
    ct = args.claimtrail
    tmp = tempfile.mkdtemp(prefix="claimtrail-tamper-")
    env = {**os.environ, "CLAIMTRAIL_NOW": "2026-12-01T00:00:00Z"}
    for k in ("CLAIMTRAIL_DB", "CLAIMTRAIL_KEY", "SSH_AUTH_SOCK", "CLAIMTRAIL_PASSPHRASE"):
        env.pop(k, None)
    try:
        demo = os.path.join(tmp, "demo")
        subprocess.run([ct, "demo", "--dir", demo], check=True, capture_output=True, env=env)
        base = os.path.join(demo, "claimtrail.db")
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        con = sqlite3.connect(base)
        tables = {}
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            tables[t] = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
        con.close()
        altered = os.path.join(work, "altered.db")
        db = os.path.join(work, "x.db")
        runs = bad = 0
        for table, cols in tables.items():
            for col in cols:
                for value in VALUES:
                    shutil.copy(base, altered)
                    con = sqlite3.connect(altered)
                    try:
                        con.execute(f'UPDATE "{table}" SET "{col}" = {value} '
                                    f'WHERE rowid IN (SELECT rowid FROM "{table}" LIMIT 1)')
                    except sqlite3.Error:
                        try:  # WITHOUT ROWID tables
                            con.execute(f'UPDATE "{table}" SET "{col}" = {value}')
                        except sqlite3.Error:
                            con.close()
                            continue  # a constraint refused the value
                    con.commit()
                    con.close()
                    for cmd in READS + writes(demo, work):
                        shutil.copy(altered, db)
                        for f in ("b.json", "bk.db"):
                            p = os.path.join(work, f)
                            if os.path.exists(p):
                                os.remove(p)
                        shutil.rmtree(os.path.join(work, "site"), ignore_errors=True)
                        r = subprocess.run([ct, "--db", db] + cmd, capture_output=True,
                                           timeout=120, env=env)
                        runs += 1
                        err = r.stderr.decode("utf-8", "replace")
                        if (r.returncode not in (0, 1, 2) or "panicked" in err
                                or "internal error" in err
                                or (r.returncode == 2 and len(err.strip().splitlines()) != 1)):
                            bad += 1
                            print(f"{table}.{col} = {value}: {' '.join(cmd)}: exit {r.returncode}: "
                                  f"{err.strip()[:400]}")
        print(f"{runs} runs, {bad} failed the contract")
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
