#!/usr/bin/env python3
"""Random multi-line imports: claims, annotations and retractions in one file.

`import` reorders lines that wait for the open batch, except around a
retraction line, which changes how the lines after it are checked
(docs/IMPORT.md). This tool writes random JSON Lines files that interleave
claims, annotations of them (some citing other claims) and retractions of
them (some with a replacement), by `@label`, on the fixture article, and
imports each in batches of a random size (1, 2, 3, 7 or 100000) into a log
that grows over four files a session. Annotations carry labels and notes
of their own (the note finds the id the log gave each, for later files),
some supersede an earlier one of the file (one a retracted line superseded
included: as if retracted annotations were absent), and
`annotation_retraction` lines withdraw annotations (of the file by @label,
of earlier files by id; by the analyst, or in a quarter of the files by
the admin, who may withdraw the analyst's), now and then repeating an
earlier file's line, same key and reason, which the import skips. Almost
every line is one that the single commands would accept in file order; one
in two hundred is careless (an annotation or retraction of a claim already
retracted), and one file in five holds one careless line of the new kind
(an annotation already retracted, another's, a blank or placeholder reason,
a claim named as the annotation, a label; or an annotation superseding a
retracted one). It checks:

- a file without careless lines is imported whole (exit 0), one with a
  careless line is refused (exit 2), naming that line when it has one;
- the annotation retraction lines appended and skipped are the ones the
  file meant, and after each import `list annotations --retracted --json`
  gives exactly the annotations the files retracted, with the key that
  signed the file and its reason;

- exit 0, or exit 2 with one `error: line N: ...` line on stderr;
- after every import, `claimtrail verify` passes (whatever the batches
  accepted, in whatever order, is a valid log);
- a file imported without error, imported again, appends nothing and exits 0
  (the re-run rule, retraction lines included), skipping each of its
  annotation retraction lines;
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
                                    [--sessions 20] [--seed 1] [--no-resupersede]

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


REASONS = ["meant for another claim", 'judged the wrong claim, "disputed" was for the next one',
           "a slip:\nthe verdict of another claim"]


class Annotations:
    """The session's model of its annotations, by tag (the unique note each
    line carries): the claim label, the key that signs the file, the round,
    the retraction (key, reason) the files make of it, the id the log gave
    it (read back by its note after the import) and what it supersedes."""

    def __init__(self):
        self.of = {}

    def add(self, tag, claim, key, rnd, supersedes=None):
        self.of[tag] = {"claim": claim, "key": key, "round": rnd, "retracted": None,
                        "id": None, "supersedes": supersedes}

    def ref(self, tag, rnd):
        """How a line of round `rnd` names the annotation: its @label in
        its own file, its id in a later one."""
        a = self.of[tag]
        return "@" + tag if a["round"] == rnd else a["id"]

    def reachable(self, rnd):
        """Tags a line of round `rnd` can name."""
        return [t for t, a in self.of.items() if a["round"] == rnd or a["id"]]


def session_file(rng, rnd, retracted, anns, key, resupersede=True):
    """The lines of round `rnd` of a session, signed by `key`: claims by
    label, annotations (labelled, each with a note of its own, some
    superseding an earlier one of the file) and retractions of claims and
    of annotations (of this file's by @label, of earlier files' by id);
    `retracted` (claim labels) and `anns` carry over between rounds.

    Returns (lines, careless, annotation retractions the import must
    append, ones it must skip): `careless` holds the indexes of the lines
    the import must refuse. One file in five gets one careless line of an
    annotation retraction (one already retracted, another's, a blank or
    placeholder reason, a claim named as the annotation, a label) or of an
    annotation superseding a retracted one; one line in two hundred
    otherwise is careless too (an annotation or retraction of a claim
    already retracted)."""
    lines, claims, careless, repeated = [], [], [], set()
    appended, skipped = 0, 0
    if rnd == 0:
        lines.append({"type": "source", "label": "s", "file": "article.txt", "kind": "article"})
    bad_at = rng.randint(5, 60) if rng.random() < 0.2 else None
    for i in range(rng.randint(5, 60)):
        if i == bad_at:
            line = careless_line(rng, rnd, retracted, anns, key, claims)
            if line:
                careless.append(len(lines))
                lines.append(line)
                continue
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
        if r < 0.55:
            # Retract an annotation: one of the signer's own (an admin's
            # file: anyone's) not yet retracted; now and then the line of
            # an earlier file again, same key and reason (skipped).
            mine = [t for t in anns.reachable(rnd) if (key == "admin"
                    or anns.of[t]["key"] == key) and not anns.of[t]["retracted"]]
            # (Once a file: the log's entry matches one line, and a
            # second identical line is refused.)
            again = [t for t in anns.reachable(rnd) if anns.of[t]["retracted"]
                     and anns.of[t]["retracted"][0] == key and anns.of[t]["round"] < rnd
                     and anns.of[t]["retracted"][2] < rnd and t not in repeated]
            if again and rng.random() < 0.15:
                t = rng.choice(again)
                repeated.add(t)
                lines.append({"type": "annotation_retraction", "annotation": anns.ref(t, rnd),
                              "reason": anns.of[t]["retracted"][1]})
                skipped += 1
                continue
            if mine:
                t = rng.choice(mine)
                reason = rng.choice(REASONS)
                lines.append({"type": "annotation_retraction", "annotation": anns.ref(t, rnd),
                              "reason": reason})
                anns.of[t]["retracted"] = (key, reason, rnd)
                appended += 1
                continue
        careful = rng.random() < 0.995
        open_claims = [c for c in claims if c not in retracted] if careful else claims
        if not open_claims:
            continue
        claim = rng.choice(open_claims)
        others = [c for c in open_claims if c != claim]
        bad = claim in retracted  # only when careless
        if r < 0.8:
            tag = f"r{rnd}a{i}"
            line = {"type": "annotation", "label": tag, "claim": claim, "verdict": "disputed",
                    "note": f"note {tag}"}
            if others and rng.random() < 0.3:
                line["corroborates"] = [rng.choice(others)]
            # Supersede one of the file's annotations by the same key, not
            # retracted, of a claim not retracted, that no annotation
            # supersedes but a retracted one (as if retracted annotations
            # were absent: `annotate` takes it): the same claim.
            # `resupersede` False leaves out those a retracted one
            # superseded (the import refuses them: see main's --help).
            older = [t for t, a in anns.of.items() if a["round"] == rnd and a["key"] == key
                     and not a["retracted"] and a["claim"] not in retracted
                     and not any(b["supersedes"] == "@" + t and (not b["retracted"]
                                                                  or not resupersede)
                                 for b in anns.of.values())]
            if careful and older and rng.random() < 0.3:
                old = rng.choice(older)
                line["supersedes"] = "@" + old
                line["claim"] = anns.of[old]["claim"]
                line.pop("corroborates", None)
            anns.add(tag, line["claim"], key, rnd, line.get("supersedes"))
        else:
            line = {"type": "retraction", "claim": claim, "reason": "the wrong speaker"}
            if others and rng.random() < 0.4:
                line["replaced_by"] = rng.choice(others)
            retracted.add(claim)
        if bad or any(c in retracted and c != claim for c in
                      line.get("corroborates", []) + [line.get("replaced_by")]):
            careless.append(len(lines))
        lines.append(line)
    return lines, careless, appended, skipped


def careless_line(rng, rnd, retracted, anns, key, claims):
    """A line the import must refuse, or None when the session has
    nothing for the kind drawn."""
    kind = rng.choice(["again", "blank", "others", "supersede", "claim", "label"])
    reach = anns.reachable(rnd)
    done = [t for t in reach if anns.of[t]["retracted"]]
    live = [t for t in reach if not anns.of[t]["retracted"]]
    if kind == "again" and done:
        # Retracted already (by another key, or with another reason, or by
        # an earlier line of this very file: never skipped).
        t = rng.choice(done)
        by, reason, when = anns.of[t]["retracted"]
        if by == key and when < rnd:
            reason = reason + " (again)"
        return {"type": "annotation_retraction", "annotation": anns.ref(t, rnd),
                "reason": rng.choice([reason, reason + " (again)"])}
    if kind == "blank" and live:
        return {"type": "annotation_retraction", "annotation": anns.ref(rng.choice(live), rnd),
                "reason": rng.choice([" ", "reason", "?", "(What was wrong.)"])}
    theirs = [t for t in live if anns.of[t]["key"] != key]
    if kind == "others" and key != "admin" and theirs:
        return {"type": "annotation_retraction", "annotation": anns.ref(rng.choice(theirs), rnd),
                "reason": REASONS[0]}
    closed = [t for t in done if anns.of[t]["round"] == rnd and anns.of[t]["key"] == key
              and anns.of[t]["claim"] not in retracted]
    if kind == "supersede" and closed:
        t = rng.choice(closed)
        return {"type": "annotation", "claim": anns.of[t]["claim"], "verdict": "false",
                "supersedes": "@" + t, "note": f"supersedes a retracted one, {rnd}"}
    if kind == "claim" and claims:
        return {"type": "annotation_retraction", "annotation": rng.choice(claims + ["C1"]),
                "reason": REASONS[0]}
    if kind == "label" and live:
        return {"type": "annotation_retraction", "annotation": anns.ref(rng.choice(live), rnd),
                "reason": REASONS[0], "label": f"x{rnd}"}
    return None


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


def check_annotations(d, run, anns):
    """Reads back the id the log gave each annotation (by its note), and
    holds the log to the model: the retracted annotations are the ones the
    files retracted, by the key that signed the file and with its reason
    (`list annotations --retracted --json`). None, or what differs."""
    c = sqlite3.connect(os.path.join(d, "log.db"))
    try:
        ids = {note: f"A{n}" for n, note in c.execute("SELECT id, note FROM annotations")}
        keys = {fp: name for fp, name in c.execute("SELECT fingerprint, name FROM keys")}
    finally:
        c.close()
    for tag, a in anns.of.items():
        a["id"] = ids.get(f"note {tag}")
        if a["id"] is None:
            return f"no annotation in the log has the note of {tag}"
    r = run("admin", ["--json", "list", "annotations", "--retracted"])
    if r.returncode != 0:
        return f"list annotations --retracted: exit {r.returncode}: {r.stderr}"
    got = {x["id"]: (keys.get(x["retraction"]["signer"]), x["retraction"]["reason"])
           for x in json.loads(r.stdout)}
    want = {a["id"]: a["retracted"][:2] for a in anns.of.values() if a["retracted"]}
    if got != want:
        return f"list annotations --retracted gives {got}, the files retracted {want}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claimtrail", default=os.path.join(HERE, "..", "target", "release",
                                                         "claimtrail"))
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-resupersede", action="store_true",
                    help="never supersede, in one file, an annotation that an earlier line "
                         "superseded and a later line retracted (which `annotate` accepts "
                         "and the import, at claimtrail 1dc632b, refuses: 'A9 is superseded "
                         "by an earlier line of this import'), to exercise the rest while "
                         "that stands")
    args = ap.parse_args()
    ct = os.path.abspath(args.claimtrail)
    rng = random.Random(args.seed)
    imported, refused, entries, dry_runs = 0, 0, 0, 0
    ann_appended, ann_skipped = 0, 0

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
            for who in ("admin", "analyst"):
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f",
                                os.path.join(d, who)], check=True)
            shutil.copy(ARTICLE, os.path.join(d, "article.txt"))
            for cmd in (["init", "--origin", "test.example/imports"],
                        ["key", "add", os.path.join(d, "analyst.pub"), "--role", "analyst"]):
                r = run("admin", cmd)
                if r.returncode != 0:
                    print(f"error: could not start a session: {r.stderr}", file=sys.stderr)
                    return 2
            shutil.copy(os.path.join(d, "log.db"), os.path.join(d, "csv.db"))
            retracted, anns = set(), Annotations()
            for rnd in range(4):
                path = os.path.join(d, f"round{rnd}.jsonl")
                # A quarter of the files signed by the admin, who may
                # retract the analyst's annotations (and whose annotations
                # the analyst may not).
                key = "admin" if rnd and rng.random() < 0.25 else "analyst"
                lines, careless, will_append, will_skip = session_file(
                    rng, rnd, retracted, anns, key, not args.no_resupersede)
                with open(path, "w", encoding="utf-8") as f:
                    for line in lines:
                        f.write(json.dumps(line) + "\n")
                as_csv(lines, path[:-len("jsonl")] + "csv")
                batch = str(rng.choice([1, 2, 3, 7, 100000]))
                what = f"import of {path} --batch-size {batch} by {key} (seed {args.seed})"
                before = files_of(os.path.join(d, "log.db"))
                dry = run(key, ["--json", "import", path, "--batch-size", batch,
                                      "--dry-run"])
                if files_of(os.path.join(d, "log.db")) != before:
                    return breach(f"the dry run of the {what} changed the log's files")
                r = run(key, ["--json", "import", path, "--batch-size", batch])
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
                rc = run(key, ["--json", "import", path[:-len("jsonl")] + "csv",
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
                # Every line but the careless ones is one the commands
                # would take in file order: the import refuses a file with
                # a careless line (naming it when it has one) and takes
                # every other whole.
                if careless and r.returncode != 2:
                    return breach(f"{what}: exit {r.returncode} with careless lines "
                                  f"{[lines[i] for i in careless]} at lines "
                                  f"{[i + 1 for i in careless]}: {r.stdout}{r.stderr}")
                if not careless and r.returncode != 0:
                    return breach(f"{what}: a file of careful lines, exit {r.returncode}: "
                                  f"{r.stderr.strip()}")
                if len(careless) == 1 and not r.stderr.startswith(
                        f"error: line {careless[0] + 1}: "):
                    return breach(f"{what}: refused for {r.stderr.strip()!r}, not for its "
                                  f"careless line {careless[0] + 1}: {lines[careless[0]]}")
                if r.returncode == 2:
                    refused += 1
                    if r.stderr.count("\n") != 1 or not r.stderr.startswith("error: line "):
                        return breach(f"{what}: stderr is not one error line: {r.stderr!r}")
                    break  # the rest of the session would refer to what was refused
                if r.returncode != 0:
                    return breach(f"{what}: exit {r.returncode}: {r.stderr[:300]}")
                imported += 1
                did = json.loads(r.stdout)
                entries += sum(did["appended"].values())
                got = (did["appended"].get("annotation_retractions", 0),
                       did["skipped"].get("annotation_retractions", 0))
                if got != (will_append, will_skip):
                    return breach(f"{what}: annotation retractions appended and skipped {got}, "
                                  f"the file's lines {(will_append, will_skip)}")
                ann_appended, ann_skipped = ann_appended + got[0], ann_skipped + got[1]
                problem = check_annotations(d, run, anns)
                if problem:
                    return breach(f"after the {what}: {problem}")
                again = run(key, ["--json", "import", path, "--batch-size", batch])
                if again.returncode != 0 or sum(json.loads(again.stdout)["appended"].values()):
                    return breach(f"{what}, again: exit {again.returncode}: "
                                  f"{again.stdout}{again.stderr}")
                n_lines = sum(1 for line in lines if line["type"] == "annotation_retraction")
                if json.loads(again.stdout)["skipped"].get("annotation_retractions", 0) != n_lines:
                    return breach(f"{what}, again: skipped {json.loads(again.stdout)['skipped']}, "
                                  f"the file has {n_lines} annotation retraction lines")
            ind = subprocess.run([sys.executable, INDEPENDENT, os.path.join(d, "log.db")],
                                 capture_output=True, text=True)
            if ind.returncode != 0:
                return breach(f"the independent verifier exits {ind.returncode}:\n"
                              f"{ind.stdout[:2000]}{ind.stderr}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print(f"{args.sessions} sessions (seed {args.seed}): {imported} files imported "
          f"({entries} entries), {refused} refused for a careless line they hold, each verified, re-run, imported as CSV "
          f"into a twin log with the same outcome, {dry_runs} dry runs that said what the "
          f"import then did and left the log as it was, and checked "
          f"independently; {ann_appended} annotation retraction lines appended and "
          f"{ann_skipped} skipped on a first run, as the files said; 0 breaches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
