#!/usr/bin/env python3
"""Random multi-line imports: claims, annotations, retractions and source amendments in one file.

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
earlier file's line, same key and reason, which the import skips. Files
also add sources of their own text (by label, with some of their metadata;
in half the sessions the admin adds one with `source add` first), and
`source_amendment` lines correct them (of the file's sources by @label, of
earlier files' by id): by a key that may amend the source (the admin any;
the analyst its own), each field given a value the source does not read
yet (publication dates up to a day after the retrieval), and now and then
an earlier file's amendment line again, same key, fields and reason, which
the import skips (docs/IMPORT.md: each entry from before the run matches
one line). A third of the sessions rotate the analyst's key before the
third file (revoked, and a new key enrolled under the same name and role):
the new key may amend the old one's sources and withdraw its annotations,
but matches none of its entries on a re-run. Almost every line is one that
the single commands would accept in file order; one in two hundred is
careless (an annotation or retraction of a claim already retracted), and
one file in five holds one careless line of the newer kinds (an annotation
already retracted, another's, a blank or placeholder reason, a claim named
as the annotation, a label; an annotation superseding a retracted one; a
source amendment of another's source, with a field as it already reads, a
value refused whatever the source, no field, a blank or placeholder
reason, a source that is none or a claim, a label, or a line this file
appended again while it still reads so). It checks:

- a file without careless lines is imported whole (exit 0), one with a
  careless line is refused (exit 2), naming that line when it has one;
- the annotation retraction lines appended and skipped are the ones the
  file meant, and after each import `list annotations --retracted --json`
  gives exactly the annotations the files retracted, with the key that
  signed the file and its reason;
- the source amendment lines appended and skipped are the ones the file
  meant, and after each import `list sources --json` and `show S<n>
  --json` of every source give its current metadata as the model has it
  (its line's fields overlaid, in file order, by the amendments appended)
  and those amendments (signer, reason, each field as it was and is), and
  `status --json` and `verify --json` count as many;

- exit 0, or exit 2 with one `error: line N: ...` line on stderr;
- after every import, `claimtrail verify` passes (whatever the batches
  accepted, in whatever order, is a valid log);
- a file imported without error, imported again, appends nothing and exits 0
  (the re-run rule, retraction lines included), skipping each of its
  annotation retraction and source amendment lines;
- after each session, tools/independent_verify.py accepts the log;
- each file is first imported with `--dry-run`, which must leave the log's
  files byte for byte as they were and say what the import then does: the
  same exit code, the same counts appended and skipped in as many batches,
  or the same error line (its hint aside);
- each file, written as a spreadsheet's CSV export too (a header row of the
  fields, lists joined by commas) and imported into a twin log with the same
  key, time (`CLAIMTRAIL_NOW`) and batch size, gives the same exit code and
  the very same entries, signatures included, or the same error with its
  line N named as row N + 1 (the header is row 1; a field the line's type
  does not take is said of the row's cell, as spreadsheet.rs words it).

    python3 tools/random_imports.py [--claimtrail target/release/claimtrail]
                                    [--sessions 20] [--seed 1] [--no-resupersede]

Exit 0 when every import kept the contract, 1 otherwise (the first breach is
printed). Run by hand; 40 sessions take about two minutes on two cores.
"""

import argparse
import base64
import collections
import csv
import hashlib
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
# Source amendment lines (FORMAT §3.5a, docs/IMPORT.md): values each field
# may take (the publication dates up to the last second a day after the
# retrieval, CLAIMTRAIL_NOW), and values refused whatever the source.
NOW = "2026-12-03T12:00:00Z"
AMEND_FIELDS = ["title", "publisher", "author", "url", "published", "kind"]
AMEND_GOOD = {
    "title": ["Russia resumes bombing of northwest Syria", "Dam to be finished by May",
              "Idlib: \u201cseven killed\u201d"],
    "publisher": ["Al-Monitor", "Reuters", "Valley Water"],
    "author": ["Syrian Civil Defense", "@valley_water", "Adele Khodr"],
    "url": ["https://valley.example/news/dam-may", "urn:isbn:0451450523",
            "https://al-monitor.example/2022/07/idlib?page=2"],
    "published": ["2022-07-22", "2022-07-22T09:30:00+03:00", "2026-12-04",
                  "2026-12-04T12:00:00Z"],
    "kind": ["tweet", "article", "statement", "report", "news_agency"],
}
AMEND_BAD = {
    "title": [" ", "two\nlines", "\u200b"],
    "publisher": [" Reuters"],
    "author": ["Bob ", "\t"],
    "url": ["valley.example/news", "javascript:alert(1)", "https://a b.example/"],
    "published": ["2026-12-05", "2026-12-04T12:00:01Z", "2022-13-01", "22/07/2022"],
    "kind": ["bogus"],
}
AMEND_REASONS = ["typo in the title", "the wrong page", "handle misspelt",
                 "the publisher's own correction, \"May\" not \"March\""]


def person(key):
    """Whose key it is: `analyst-new` is the analyst's rotated key."""
    return "analyst" if key.startswith("analyst") else key


def fingerprint(pub):
    """The OpenSSH SHA-256 fingerprint of a .pub file's key (FORMAT §2.1)."""
    with open(pub) as f:
        blob = base64.b64decode(f.read().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


class Sources:
    """The session's model of its sources, by label: the SHA-256 of the
    text, the key that added it, the round, the id the log gave it (read
    back by its hash after the import), its current metadata (its line's
    fields overlaid by the amendments appended, in order) and those
    amendments: (key, fields given, reason, [(field, was, now)])."""

    def __init__(self):
        self.of = {}

    def add(self, tag, data, key, rnd, meta):
        self.of[tag] = {"sha": hashlib.sha256(data).hexdigest(), "key": key, "round": rnd,
                        "id": None, "meta": {f: meta.get(f) for f in AMEND_FIELDS},
                        "amends": []}

    def ref(self, tag, rnd):
        """How a line of round `rnd` names the source: its @label in its
        own file, its id in a later one."""
        a = self.of[tag]
        return "@" + tag if a["round"] == rnd else a["id"]

    def reachable(self, rnd):
        return [t for t, a in self.of.items() if a["round"] == rnd or a["id"]]

    def mine(self, rnd, key):
        """Sources `key` may amend: any, for the admin; else its person's."""
        return [t for t in self.reachable(rnd)
                if key == "admin" or person(self.of[t]["key"]) == person(key)]

    def amend(self, tag, key, fields, reason):
        changes = []
        for f in AMEND_FIELDS:
            if f in fields:
                changes.append((f, self.of[tag]["meta"][f], fields[f]))
                self.of[tag]["meta"][f] = fields[f]
        self.of[tag]["amends"].append((key, dict(fields), reason, changes))

    def held(self):
        """[tag, key, fields, reason] of every amendment appended so far:
        what a file's lines match (docs/IMPORT.md, "already imported")."""
        return [[t, a[0], a[1], a[2]] for t, s in self.of.items() for a in s["amends"]]


class FileAmendments:
    """The source amendment lines of one file: each line is skipped when it
    matches an amendment the log held before the run, by the same key,
    with the same source, fields and reason, that no earlier line of the
    file matched; else it is appended (when it is careful)."""

    def __init__(self, srcs, rnd, key):
        self.srcs, self.rnd, self.key = srcs, rnd, key
        self.pre = [h + [False] for h in srcs.held()]
        self.appended, self.skipped, self.lines = 0, 0, []

    def line(self, tag, fields, reason, **extra):
        return {"type": "source_amendment", "source": self.srcs.ref(tag, self.rnd),
                **fields, "reason": reason, **extra}

    def unmatched(self):
        return [h for h in self.pre if h[1] == self.key and not h[4]]

    def careful(self, tag, fields, reason):
        """The careful line, and what the import must do with it."""
        for h in self.unmatched():
            if h[0] == tag and h[2] == fields and h[3] == reason:
                h[4] = True
                self.skipped += 1
                break
        else:
            self.srcs.amend(tag, self.key, fields, reason)
            self.appended += 1
            self.lines.append((tag, dict(fields), reason))
        return self.line(tag, fields, reason)


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


def session_file(rng, rnd, retracted, anns, srcs, article, key, resupersede=True):
    """The lines of round `rnd` of a session, signed by `key`: claims by
    label, annotations (labelled, each with a note of its own, some
    superseding an earlier one of the file) and retractions of claims and
    of annotations (of this file's by @label, of earlier files' by id);
    `retracted` (claim labels) and `anns` carry over between rounds; so
    does `srcs`: sources added by label, and source amendment lines (of
    this file's sources by @label, of earlier files' by id) by a key that
    may amend the source (the admin any; the analyst, by either of its
    keys, the analyst's), each field given a value it does not read yet,
    and now and then an earlier file's amendment again, same key, fields
    and reason, which the import skips.

    Returns (lines, careless, annotation retractions the import must
    append, ones it must skip, the file's FileAmendments): `careless`
    holds the indexes of the lines the import must refuse. One file in
    five gets one careless line (careless_line) of an annotation
    retraction (one already retracted, another's, a blank or placeholder
    reason, a claim named as the annotation, a label), of an annotation
    superseding a retracted one, or of a source amendment (another's
    source, a field as it reads, a value refused, no field, a blank or
    placeholder reason, no such source, a label, a line of this file
    again); one line in two hundred otherwise is careless too (an
    annotation or retraction of a claim already retracted)."""
    lines, claims, careless, repeated = [], [], [], set()
    appended, skipped = 0, 0
    amends = FileAmendments(srcs, rnd, key)
    if rnd == 0:
        lines.append({"type": "source", "label": "s", "file": "article.txt", "kind": "article"})
        srcs.add("s", article, key, rnd, {"kind": "article"})
    bad_at = rng.randint(5, 60) if rng.random() < 0.2 else None
    for i in range(rng.randint(5, 60)):
        if i == bad_at:
            line = careless_line(rng, rnd, retracted, anns, key, claims, amends)
            if line:
                careless.append(len(lines))
                lines.append(line)
                continue
        u, p_source = rng.random(), 0.07 if key != "admin" else 0.14
        if u < p_source:
            # A source of its own text, with some of its metadata (more
            # in the admin's files, whose sources the analyst may not
            # amend: a careless line).
            tag, text = f"r{rnd}s{i}", f"Dispatch {rnd}.{i}: the dam is to be finished by May."
            line = {"type": "source", "label": tag, "text": text,
                    "kind": rng.choice(AMEND_GOOD["kind"])}
            for f in AMEND_FIELDS[:5]:
                if rng.random() < 0.3:
                    line[f] = rng.choice(AMEND_GOOD[f])
            srcs.add(tag, text.encode(), key, rnd, line)
            lines.append(line)
            continue
        if u < p_source + 0.13:
            again = amends.unmatched()
            mine = srcs.mine(rnd, key)
            if again and rng.random() < 0.2:
                # An earlier file's amendment again: skipped.
                h = rng.choice(again)
                lines.append(amends.careful(h[0], dict(h[2]), h[3]))
                continue
            if mine:
                tag = rng.choice(mine)
                now = srcs.of[tag]["meta"]
                fields = {f: rng.choice([v for v in AMEND_GOOD[f] if v != now[f]])
                          for f in rng.sample(AMEND_FIELDS, rng.choice([1, 1, 2, 3]))}
                lines.append(amends.careful(tag, fields, rng.choice(AMEND_REASONS)))
                continue
        r = rng.random()
        if r < 0.4 or not claims:
            label = f"r{rnd}x{i}"
            # A speaker of its own: a claim line identical to an earlier
            # one would name that claim (the re-run rule), retracted or not.
            lines.append({"type": "claim", "label": label, "source": srcs.ref("s", rnd),
                          "quote": rng.choice(QUOTES), "occurrence": 1,
                          "speaker": f"Speaker {rnd}-{i}", "provenance": "interview"})
            claims.append("@" + label)
            continue
        if r < 0.55:
            # Retract an annotation: one of the signer's own (an admin's
            # file: anyone's) not yet retracted; now and then the line of
            # an earlier file again, same key and reason (skipped).
            mine = [t for t in anns.reachable(rnd) if (key == "admin"
                    or person(anns.of[t]["key"]) == person(key)) and not anns.of[t]["retracted"]]
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
    return lines, careless, appended, skipped, amends


def careless_amendment(rng, kind, key, claims, amends):
    """A source amendment line the import must refuse, or None."""
    srcs, rnd = amends.srcs, amends.rnd
    mine = srcs.mine(rnd, key)
    reason = rng.choice(AMEND_REASONS)

    def changing(tag, n=None):
        now = srcs.of[tag]["meta"]
        return {f: rng.choice([v for v in AMEND_GOOD[f] if v != now[f]])
                for f in rng.sample(AMEND_FIELDS, n or rng.choice([1, 2]))}
    if kind == "a-others":
        theirs = [t for t in srcs.reachable(rnd) if person(srcs.of[t]["key"]) != person(key)]
        if key == "admin" or not theirs:
            return None
        t = rng.choice(theirs)
        return amends.line(t, changing(t), reason)
    if kind == "a-dup":
        # A line this file appended, again, while each field still reads
        # so: no entry from before the run is left for it to match.
        dup = [(t, f, r) for t, f, r in amends.lines
               if all(srcs.of[t]["meta"][k] == v for k, v in f.items())]
        if not dup:
            return None
        return amends.line(*rng.choice(dup))
    if not mine:
        return None
    t = rng.choice(mine)
    if kind == "a-same":
        # A field as it reads (the kind always reads something), with a
        # reason no earlier amendment has, so that nothing matches it.
        now = srcs.of[t]["meta"]
        f = rng.choice([f for f in AMEND_FIELDS if now[f] is not None])
        fields = changing(t, 1) if rng.random() < 0.5 else {}
        fields[f] = now[f]
        return amends.line(t, fields, f"{reason} ({rnd})")
    if kind == "a-bad":
        fields = changing(t)
        f = rng.choice(sorted(fields))
        fields[f] = rng.choice(AMEND_BAD[f])
        return amends.line(t, fields, reason)
    if kind == "a-none":
        return amends.line(t, {}, reason)
    if kind == "a-blank":
        return amends.line(t, changing(t), rng.choice([" ", "reason", "?", "(What was wrong.)"]))
    if kind == "a-unknown":
        line = amends.line(t, changing(t), reason)
        line["source"] = rng.choice(["S99", "C1", "A1", "@nowhere"] + claims)
        return line
    if kind == "a-label":
        return amends.line(t, changing(t), reason, label=f"x{rnd}")
    return None


# The careless lines written, by kind (printed at the end).
CARELESS = collections.Counter()


def careless_line(rng, rnd, retracted, anns, key, claims, amends):
    """A line the import must refuse: of the first kind, in a random
    order, the session has something for; or None. (An amendment of
    another's source is drawn four times as often: it needs an analyst's
    file and a source of the admin's, which few sessions have when one of
    their first files gets its careless line.)"""
    kinds = ["again", "blank", "others", "supersede", "claim", "label", "a-dup", "a-same",
             "a-bad", "a-none", "a-blank", "a-unknown", "a-label"] + ["a-others"] * 4
    for kind in rng.sample(kinds, len(kinds)):
        line = careless_kind(rng, kind, rnd, retracted, anns, key, claims, amends)
        if line:
            CARELESS[kind] += 1
            return line
    return None


def careless_kind(rng, kind, rnd, retracted, anns, key, claims, amends):
    """careless_line's line of the kind drawn, or None."""
    if kind.startswith("a-"):
        return careless_amendment(rng, kind, key, claims, amends)
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
    theirs = [t for t in live if person(anns.of[t]["key"]) != person(key)]
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


def as_rows(message, lines):
    """A JSON Lines error as the same CSV input's: line N is row N + 1,
    an earlier line an earlier row, and a field the line's type does not
    take is said of the row's cell (src/import/spreadsheet.rs, `in_cells`:
    "a source_amendment row leaves its label cell empty: it takes source,
    kind, …")."""
    def row(m):
        first = f"{m.group(1).replace('line', 'row')} {int(m.group(2)) + 1}"
        return first + (f" to {int(m.group(3)) + 1}" if m.group(3) else "")
    message = message.split(" (hint:")[0]
    unknown = re.fullmatch(r"error: line (\d+): unknown field `([^`]*)`, expected one of (.*)",
                           message)
    if unknown and 0 < int(unknown.group(1)) <= len(lines):
        kind = lines[int(unknown.group(1)) - 1]["type"]
        return (f"error: row {int(unknown.group(1)) + 1}: "
                f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} row leaves its "
                f"{unknown.group(2)} cell empty: it takes {unknown.group(3).replace('`', '')}")
    # "label @x is not defined by an earlier line" (of an earlier row).
    message = message.replace(" an earlier line", " an earlier row")
    return re.sub(r"\b(lines?) (\d+)(?: to (\d+))?", row, message)


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


def key_files(d):
    """{fingerprint: key file name} of the session's keys."""
    return {fingerprint(os.path.join(d, k + ".pub")): k
            for k in ("admin", "analyst", "analyst-new") if os.path.exists(os.path.join(d, k))}


def check_sources(d, run, srcs):
    """Reads back the id the log gave each source (by its hash), and holds
    the log to the model: `list sources --json` and `show S<n> --json` of
    each give its current metadata (its line's fields overlaid by the
    amendments appended, in order) and those amendments (signer, reason,
    each field as it was and is); `status --json` and `verify --json`
    count as many. None, or what differs."""
    r = run("admin", ["--json", "list", "sources"])
    if r.returncode != 0:
        return f"list sources: exit {r.returncode}: {r.stderr}"
    listed = {v["sha256"]: v for v in json.loads(r.stdout)}
    if len(listed) != len(srcs.of):
        return f"list sources gives {len(listed)} sources, the files added {len(srcs.of)}"
    keys = key_files(d)
    for tag, src in srcs.of.items():
        v = listed.get(src["sha"])
        if v is None:
            return f"no source of the log has the text of {tag}"
        src["id"] = v["id"]
        shown = run("admin", ["--json", "show", v["id"]])
        if shown.returncode != 0:
            return f"show {v['id']}: exit {shown.returncode}: {shown.stderr}"
        want = [(k, reason, sorted(c)) for k, _, reason, c in src["amends"]]
        for where, view in (("list sources", v),
                            (f"show {v['id']}", json.loads(shown.stdout)["source"])):
            got = {f: view[f] for f in AMEND_FIELDS}
            if got != src["meta"]:
                return (f"{where} --json: {v['id']} (@{tag}) reads {got}, the model "
                        f"{src['meta']} (amendments {src['amends']})")
            theirs = [(keys.get(a["signer"]), a["reason"],
                       sorted((c["field"], c["was"], c["now"]) for c in a["changes"]))
                      for a in view["amendments"]]
            if theirs != want:
                return f"{where} --json: {v['id']} (@{tag}) amendments {theirs}, the model {want}"
    n = len(srcs.held())
    st = run("admin", ["--json", "status"])
    if st.returncode != 0 or json.loads(st.stdout)["status"]["sources"]["amendments"] != n:
        return (f"status --json: exit {st.returncode}: {st.stdout[-800:]}{st.stderr}; the model "
                f"{n} amendments")
    return None


def check_annotations(d, run, anns):
    """Reads back the id the log gave each annotation (by its note), and
    holds the log to the model: the retracted annotations are the ones the
    files retracted, by the key that signed the file and with its reason
    (`list annotations --retracted --json`). None, or what differs."""
    c = sqlite3.connect(os.path.join(d, "log.db"))
    try:
        ids = {note: f"A{n}" for n, note in c.execute("SELECT id, note FROM annotations")}
    finally:
        c.close()
    keys = key_files(d)
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
    amend_appended, amend_skipped, rotations = 0, 0, 0
    with open(ARTICLE, "rb") as f:
        article = f.read()

    def breach(msg):
        print(f"breach: {msg}")
        return 1

    for _ in range(args.sessions):
        d = tempfile.mkdtemp(prefix="claimtrail-imports-")
        try:
            def run(key, cmd, db="log.db"):
                env = dict(os.environ, CLAIMTRAIL_NOW=NOW)
                return subprocess.run([ct, "--db", os.path.join(d, db), "--key",
                                       os.path.join(d, key)] + cmd, capture_output=True,
                                      text=True, env=env)
            for who in ("admin", "analyst", "analyst-new"):
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                                person(who), "-f", os.path.join(d, who)], check=True)
            shutil.copy(ARTICLE, os.path.join(d, "article.txt"))
            for cmd in (["init", "--origin", "test.example/imports"],
                        ["key", "add", os.path.join(d, "analyst.pub"), "--role", "analyst"]):
                r = run("admin", cmd)
                if r.returncode != 0:
                    print(f"error: could not start a session: {r.stderr}", file=sys.stderr)
                    return 2
            shutil.copy(os.path.join(d, "log.db"), os.path.join(d, "csv.db"))
            retracted, anns, srcs = set(), Annotations(), Sources()
            # A third of the sessions rotate the analyst's key before the
            # third file: revoked, and a new one enrolled under its name,
            # which may amend (and withdraw annotations of) what the old
            # one added, but matches none of its entries on a re-run.
            rotate = rng.random() < 0.35
            analyst = "analyst"
            for rnd in range(4):
                if rotate and rnd == 2:
                    for db in ("log.db", "csv.db"):
                        for cmd in (["key", "revoke", os.path.join(d, "analyst.pub"), "--reason",
                                     "laptop lost"],
                                    ["key", "add", os.path.join(d, "analyst-new.pub"), "--role",
                                     "analyst", "--name", "analyst"]):
                            r = run("admin", cmd, db=db)
                            if r.returncode != 0:
                                return breach(f"{' '.join(cmd)} on {db}: exit {r.returncode}: "
                                              f"{r.stderr}")
                    analyst = "analyst-new"
                    rotations += 1
                if rnd == 0 and rng.random() < 0.5:
                    # Half the sessions: a source the admin adds with
                    # `source add` (in both logs: the same entry), which
                    # the analyst's lines may not amend.
                    desk = os.path.join(d, "desk.txt")
                    with open(desk, "w", encoding="utf-8") as f:
                        f.write("Desk note: the ministry confirmed the figures by phone.\n")
                    for db in ("log.db", "csv.db"):
                        r = run("admin", ["source", "add", desk, "--kind", "statement",
                                          "--title", "Desk note"], db=db)
                        if r.returncode != 0:
                            return breach(f"source add on {db}: exit {r.returncode}: {r.stderr}")
                    with open(desk, "rb") as f:
                        srcs.add("desk", f.read(), "admin", -1,
                                 {"kind": "statement", "title": "Desk note"})
                    srcs.of["desk"]["id"] = r.stdout.strip()
                path = os.path.join(d, f"round{rnd}.jsonl")
                # A quarter of the files signed by the admin, who may
                # retract the analyst's annotations (and whose annotations
                # the analyst may not).
                key = "admin" if rnd and rng.random() < 0.25 else analyst
                lines, careless, will_append, will_skip, amends = session_file(
                    rng, rnd, retracted, anns, srcs, article, key, not args.no_resupersede)
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
                if r.returncode == 2 and as_rows(r.stderr, lines) != rc.stderr.split(" (hint:")[0]:
                    return breach(f"{what}: as CSV, {rc.stderr!r} where {r.stderr!r}")
                v = run("admin", ["--json", "verify"])
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
                got = (did["appended"].get("source_amendments", 0),
                       did["skipped"].get("source_amendments", 0))
                if got != (amends.appended, amends.skipped):
                    return breach(f"{what}: source amendments appended and skipped {got}, "
                                  f"the file's lines {(amends.appended, amends.skipped)}")
                amend_appended, amend_skipped = amend_appended + got[0], amend_skipped + got[1]
                problem = check_annotations(d, run, anns) or check_sources(d, run, srcs)
                if problem:
                    return breach(f"after the {what}: {problem}")
                counted = json.loads(v.stdout)["counts"]["source_amendments"]
                if counted != len(srcs.held()):
                    return breach(f"after the {what}: verify --json counts {counted} source "
                                  f"amendments, the model {len(srcs.held())}")
                again = run(key, ["--json", "import", path, "--batch-size", batch])
                if again.returncode != 0 or sum(json.loads(again.stdout)["appended"].values()):
                    return breach(f"{what}, again: exit {again.returncode}: "
                                  f"{again.stdout}{again.stderr}")
                for kind, field in (("annotation_retraction", "annotation_retractions"),
                                    ("source_amendment", "source_amendments")):
                    n_lines = sum(1 for line in lines if line["type"] == kind)
                    if json.loads(again.stdout)["skipped"].get(field, 0) != n_lines:
                        return breach(f"{what}, again: skipped "
                                      f"{json.loads(again.stdout)['skipped']}, the file has "
                                      f"{n_lines} {kind} lines")
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
          f"{ann_skipped} skipped on a first run, as the files said; {amend_appended} source "
          f"amendment lines appended and {amend_skipped} skipped on a first run, as the files "
          f"said, each source's metadata as the model says after each import; "
          f"{rotations} sessions rotated the analyst's key; 0 breaches")
    if CARELESS:
        print("careless lines written (each refused, naming its line), by kind: "
              + ", ".join(f"{k} {v}" for k, v in sorted(CARELESS.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
