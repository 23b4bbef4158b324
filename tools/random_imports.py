#!/usr/bin/env python3
"""Random multi-line imports: claims, annotations and retractions in one file.

`import` reorders lines that wait for the open batch, except around a
retraction line, which changes how the lines after it are checked
(docs/IMPORT.md). This tool writes random JSON Lines files that interleave
claims, annotations of them (some citing other claims) and retractions of
them (some with a replacement), by `@label`, on the fixture article, and
imports each in batches of a random size (1, 2, 3, 7 or 100000) into a log
that grows over four files a session. Almost every line is one that the
single commands would accept in file order; one in two hundred is careless
(an annotation or retraction of a claim already retracted). It checks:

- exit 0, or exit 2 with one `error: line N: ...` line on stderr;
- after every import, `claimtrail verify` passes (whatever the batches
  accepted, in whatever order, is a valid log);
- a file imported without error, imported again, appends nothing and exits 0
  (the re-run rule, retraction lines included);
- after each session, tools/independent_verify.py accepts the log;
- each file is first imported with `--dry-run`, which must leave the log's
  files byte for byte as they were and say what the import then does: the
  same exit code, the same counts appended and skipped in as many batches,
  or the same error line (its hint aside);
- each file, written as a spreadsheet's CSV export too (a header row of the
  fields, lists joined by commas) and imported into a twin log with the same
  key, time (`CLAIMTRAIL_NOW`) and batch size, gives the same exit code and
  the very same entries, signatures included, or the same error with its
  line N named as row N + 1 (the header is row 1).

    python3 tools/random_imports.py [--claimtrail target/release/claimtrail]
                                    [--sessions 20] [--seed 1]

Exit 0 when every import kept the contract, 1 otherwise (the first breach is
printed). Run by hand; 40 sessions take about two minutes on two cores.
"""

import argparse
import csv
import json
import re
import sqlite3
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ARTICLE = os.path.join(HERE, "..", "fixtures", "idlib-2022-07-22.txt")
INDEPENDENT = os.path.join(HERE, "independent_verify.py")
QUOTES = ["Tehran summit", "Idlib", "children", "Russian"]


def session_file(rng, rnd, retracted):
    """The lines of round `rnd` of a session: claims by label, annotations and
    retractions of them; `retracted` (labels) carries over between rounds."""
    lines, claims = [], []
    if rnd == 0:
        lines.append({"type": "source", "label": "s", "file": "article.txt", "kind": "article"})
    for i in range(rng.randint(5, 60)):
        r = rng.random()
        if r < 0.4 or not claims:
            label = f"r{rnd}x{i}"
            # A speaker of its own: a claim line identical to an earlier
            # one would name that claim (the re-run rule), retracted or not.
            lines.append({"type": "claim", "label": label, "source": "@s" if rnd == 0 else "S1",
                          "quote": rng.choice(QUOTES), "occurrence": 1,
                          "speaker": f"Speaker {rnd}-{i}", "provenance": "interview"})
            claims.append("@" + label)
            continue
        careful = rng.random() < 0.995
        open_claims = [c for c in claims if c not in retracted] if careful else claims
        if not open_claims:
            continue
        claim = rng.choice(open_claims)
        others = [c for c in open_claims if c != claim]
        if r < 0.8:
            line = {"type": "annotation", "claim": claim, "verdict": "disputed"}
            if others and rng.random() < 0.3:
                line["corroborates"] = [rng.choice(others)]
        else:
            line = {"type": "retraction", "claim": claim, "reason": "the wrong speaker"}
            if others and rng.random() < 0.4:
                line["replaced_by"] = rng.choice(others)
            retracted.add(claim)
        lines.append(line)
    return lines


def as_csv(lines, path):
    """`lines` as a spreadsheet's CSV export: a column per field, in a
    fixed order (type first), lists joined by commas."""
    fields = sorted({k for line in lines for k in line}, key=lambda k: (k != "type", k))
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for line in lines:
            w.writerow([", ".join(v) if isinstance(v, list) else "" if v is None else str(v)
                        for v in (line.get(k) for k in fields)])


def as_rows(message):
    """A JSON Lines error as the same CSV input's: line N is row N + 1."""
    def row(m):
        first = f"{m.group(1).replace('line', 'row')} {int(m.group(2)) + 1}"
        return first + (f" to {int(m.group(3)) + 1}" if m.group(3) else "")
    return re.sub(r"\b(lines?) (\d+)(?: to (\d+))?", row, message.split(" (hint:")[0])


def files_of(db):
    """The bytes of the log's file and of its WAL and journal, if any."""
    out = []
    for suffix in ("", "-wal", "-journal"):
        try:
            with open(db + suffix, "rb") as f:
                out.append((suffix, f.read()))
        except FileNotFoundError:
            pass
    return out


def signed_entries(db):
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT seq, payload, sig FROM entries ORDER BY seq").fetchall()
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claimtrail", default=os.path.join(HERE, "..", "target", "release",
                                                         "claimtrail"))
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    ct = os.path.abspath(args.claimtrail)
    rng = random.Random(args.seed)
    imported, refused, entries, dry_runs = 0, 0, 0, 0

    def breach(msg):
        print(f"breach: {msg}")
        return 1

    for _ in range(args.sessions):
        d = tempfile.mkdtemp(prefix="claimtrail-imports-")
        try:
            def run(key, cmd, db="log.db"):
                env = dict(os.environ, CLAIMTRAIL_NOW="2026-12-03T12:00:00Z")
                return subprocess.run([ct, "--db", os.path.join(d, db), "--key",
                                       os.path.join(d, key)] + cmd, capture_output=True,
                                      text=True, env=env)
            for key in ("admin", "analyst"):
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f",
                                os.path.join(d, key)], check=True)
            shutil.copy(ARTICLE, os.path.join(d, "article.txt"))
            for cmd in (["init", "--origin", "test.example/imports"],
                        ["key", "add", os.path.join(d, "analyst.pub"), "--role", "analyst"]):
                r = run("admin", cmd)
                if r.returncode != 0:
                    print(f"error: could not start a session: {r.stderr}", file=sys.stderr)
                    return 2
            shutil.copy(os.path.join(d, "log.db"), os.path.join(d, "csv.db"))
            retracted = set()
            for rnd in range(4):
                path = os.path.join(d, f"round{rnd}.jsonl")
                lines = session_file(rng, rnd, retracted)
                with open(path, "w", encoding="utf-8") as f:
                    for line in lines:
                        f.write(json.dumps(line) + "\n")
                as_csv(lines, path[:-len("jsonl")] + "csv")
                batch = str(rng.choice([1, 2, 3, 7, 100000]))
                what = f"import of {path} --batch-size {batch} (seed {args.seed})"
                before = files_of(os.path.join(d, "log.db"))
                dry = run("analyst", ["--json", "import", path, "--batch-size", batch,
                                      "--dry-run"])
                if files_of(os.path.join(d, "log.db")) != before:
                    return breach(f"the dry run of the {what} changed the log's files")
                r = run("analyst", ["--json", "import", path, "--batch-size", batch])
                if dry.returncode != r.returncode:
                    return breach(f"{what}: exit {r.returncode}, dry run {dry.returncode}: "
                                  f"{r.stderr}{dry.stderr}")
                if r.returncode == 0:
                    said, did = json.loads(dry.stdout), json.loads(r.stdout)
                    for field in ("appended", "skipped", "batches", "lines"):
                        if said[field] != did[field]:
                            return breach(f"{what}: the dry run said {field} {said[field]}, "
                                          f"the import did {did[field]}")
                    dry_runs += 1
                elif dry.stderr.split(" (hint:")[0] != r.stderr.split(" (hint:")[0]:
                    return breach(f"{what}: the dry run said {dry.stderr!r} where {r.stderr!r}")
                rc = run("analyst", ["--json", "import", path[:-len("jsonl")] + "csv",
                                     "--batch-size", batch], db="csv.db")
                if rc.returncode != r.returncode:
                    return breach(f"{what}: exit {r.returncode}, as CSV {rc.returncode}: "
                                  f"{r.stderr}{rc.stderr}")
                if r.returncode == 0 and signed_entries(os.path.join(d, "log.db")) != \
                        signed_entries(os.path.join(d, "csv.db")):
                    return breach(f"{what}: the CSV import made other entries")
                if r.returncode == 2 and as_rows(r.stderr) != rc.stderr.split(" (hint:")[0]:
                    return breach(f"{what}: as CSV, {rc.stderr!r} where {r.stderr!r}")
                v = run("admin", ["verify"])
                if v.returncode != 0:
                    return breach(f"verify fails after the {what}:\n{v.stdout[:2000]}")
                if r.returncode == 2:
                    refused += 1
                    if r.stderr.count("\n") != 1 or not r.stderr.startswith("error: line "):
                        return breach(f"{what}: stderr is not one error line: {r.stderr!r}")
                    break  # the rest of the session would refer to what was refused
                if r.returncode != 0:
                    return breach(f"{what}: exit {r.returncode}: {r.stderr[:300]}")
                imported += 1
                entries += sum(json.loads(r.stdout)["appended"].values())
                again = run("analyst", ["--json", "import", path, "--batch-size", batch])
                if again.returncode != 0 or sum(json.loads(again.stdout)["appended"].values()):
                    return breach(f"{what}, again: exit {again.returncode}: "
                                  f"{again.stdout}{again.stderr}")
            ind = subprocess.run([sys.executable, INDEPENDENT, os.path.join(d, "log.db")],
                                 capture_output=True, text=True)
            if ind.returncode != 0:
                return breach(f"the independent verifier exits {ind.returncode}:\n"
                              f"{ind.stdout[:2000]}{ind.stderr}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print(f"{args.sessions} sessions (seed {args.seed}): {imported} files imported "
          f"({entries} entries), {refused} refused, each verified, re-run, imported as CSV "
          f"into a twin log with the same outcome, {dry_runs} dry runs that said what the "
          f"import then did and left the log as it was, and checked "
          f"independently; 0 breaches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
