#!/usr/bin/env python3
"""Random command-line sessions against claimtrail's one append path.

Each session makes a log (an admin, an analyst and an auditor enrolled, and
three keys the log does not know yet), then runs random commands through the
binary, half of them careless (signed by random keys, with arguments that
are often wrong) and half careful (the key whose role may sign it, values
that could be right; a careful annotation mostly supersedes the newest
annotation not yet superseded, by its own signer, and a careful retraction
is mostly signed by the claim's own signer; a second analyst signs some
careful commands and careful revocations may revoke it), so that sessions
reach deep states, and it prints how deep (the longest supersession chain,
revoked keys that had signed, retractions, redactions): sources
of random text (real article text, words, nothing), claims by quote or span,
annotations with verdicts, grades and links, retractions of claims and of
annotations (`annotate retract`: a careful one mostly by the annotation's
own signer, sometimes by an admin; a careless one of another's annotation,
one already retracted, with a blank or placeholder reason; and careful
annotations that now and then supersede a retracted annotation), redactions,
amendments of sources (`source amend`: a careful one by the analyst who
added the source or, a quarter, an admin, one to three fields each given a
value it does not read yet; a careless one by any key (or by the analyst
who did not add the source), spoilt by up to two faults: an id that is no
source's, no field, a value no source takes, a field as it already reads,
a reason that says nothing; or an amendment appended before, again, by its
key), key enrolments and revocations,
checkpoints, and ids, dates, kinds and reasons that do not exist or are
blank. It checks the contract of every command:

- exit 0 appends exactly one entry;
- exit 2 leaves the entries exactly as they were, with one line on stderr
  (`error: ...`, its hint on the same line) and no panic;
- no other exit code;
- `annotate retract` (and an annotation's `--supersedes`) does what the
  session's model of the annotations says (FORMAT §3.7a): a retraction by
  an enrolled, unrevoked key of an annotation not yet retracted, with a
  reason that says something, by an admin or the annotation's own signer,
  is appended; one of another's annotation by an analyst or auditor, of one
  already retracted, with a blank or placeholder reason, by a key the log
  does not know or has revoked, or of an id that is no annotation's, is
  refused (as one import line, a retraction the log already holds, by the
  same key with the same reason, is skipped instead); and an annotation
  that supersedes a retracted one is never appended;
- `source amend` does what the session's model of the sources says (FORMAT
  §3.5a, and the command's own refusals): an amendment by an enrolled,
  unrevoked admin of any source (a redacted one too), or analyst of a
  source that key added, with at least one field, each a value the source
  does not read yet and one `source add` would take, and a reason that says
  something, is appended; one by an auditor, by an analyst of another's
  source, by a key the log does not know or has revoked, of an id that is
  no source's, with no field, a field as it already reads, a value refused
  (a blank title, a line break in one, a name with spaces around it, an
  address without a scheme, a date after the retrieval) or a blank or
  placeholder reason, is refused; as one import line, an amendment the log
  already holds, by the same key with the same fields and reason, is
  skipped instead (docs/IMPORT.md's re-run rule), whatever the source now
  reads;

a quarter of the sources, claims, annotations, retractions and amendments
go through `import -` as one JSON line instead, with import's own contract (exit 0
appends what its summary says; exit 2 changes nothing and names line 1,
unless the key is what is wrong);

and, after each session, that `claimtrail verify` and
tools/independent_verify.py both find no problem (whatever the append path
accepts, both verifiers accept), and that bundles of a random source, claim
and annotation, written by `export`, pass `verify-bundle`, with the log's
verifier keys and without, and that what `verify-bundle --show` says each
bundle holds is what `show --json` says of the same items; that the log,
published after a checkpoint the admin signs then, passes
`verify-published` with no database, with the counts `verify --json` gives,
and, served on 127.0.0.1 over HTTP and (every other time, when `openssl`
is there to make a CA and a server certificate) over HTTPS with
`mirror --ca-file`, is fetched by `mirror` byte for byte into a mirror
kept for the session, which `verify-published` reports alike;
and that
`status --json` counts what the log
holds (entries, sources, claims, annotations, retractions, redactions, the
claims awaiting review, the entries no checkpoint covers) as the entries
and tables do; and that `log` narrowed down (`--kind`, `--by`, `--since`,
`--until`, `--uncovered`, `-n`) gives the lines of the whole `log --json`
that meet the same conditions, items numbered alike.

The views are also held to the session's own model of the annotations
(each person's current judgment of a claim is their latest annotation of
it that is not retracted, as if retracted annotations were absent), after
every session and after a random twentieth of the commands: `list claims
--json` gives each claim the verdicts of its current annotations (each
once, in their order), `list claims --unannotated` is the standing claims no
current annotation of an analyst or admin judges, `list speakers` sums the
grades of the current annotations of each speaker's standing claims, `list
annotations` marks exactly the retracted annotations (with the model's
reason and signer; `--retracted` lists exactly them), `show A<n> --json`
of a retracted one carries its retraction, and `status` counts them. The
sources are held to the model's metadata at the same times: `list sources
--json` (and, after each session, `show S<n> --json` of every source; in
between, of one at random) gives each source's current metadata, its
source.add fields overlaid in log order by the amendments the model
appended, and those amendments (signer, reason, and each field as it was
and is now); and `status --json` (and, after each session, `verify
--json`) counts as many amendments.

    python3 tools/random_sessions.py [--claimtrail target/release/claimtrail]
                                     [--sessions 25] [--steps 150] [--seed 1]

Exit 0 when every command and session kept the contract, 1 otherwise (each
breach printed). Run by hand; 100 sessions of 300 commands take about four
minutes on two cores.
"""

import argparse
import base64
import collections
import functools
import http.server
import ssl
import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import threading
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
INDEPENDENT = os.path.join(HERE, "independent_verify.py")
ARTICLE = os.path.join(HERE, "..", "fixtures", "idlib-2022-07-22.txt")
# Reasons for `annotate retract`: careful ones, and careless ones that
# must be refused (blank, or a placeholder: FORMAT §3.7a, log::precheck).
REASONS = ["judged the wrong claim", "meant for another claim: C2"]
BAD_REASONS = ["", " ", "reason", "?", "(what was wrong.)"]
# `source amend` (FORMAT §3.5a): values each field may take, and values it
# refuses whatever the source (blank, a line break in a title, a name with
# spaces around it, an address without a scheme or of code, a date that is
# not one or is after the source was retrieved, a kind that is none).
AMEND_FIELDS = ["title", "publisher", "author", "url", "published", "kind"]
AMEND_GOOD = {
    "title": ["Russia resumes bombing of northwest Syria", "Dam to be finished by May", "t",
              "Idlib: \u201cseven killed\u201d"],
    "publisher": ["Al-Monitor", "Reuters", "UNICEF"],
    "author": ["Syrian Civil Defense", "@valley_water", "Adele Khodr"],
    "url": ["https://valley.example/news/dam-may", "https://al-monitor.example/2022/07/idlib",
            "urn:isbn:0451450523"],
    "published": ["2022-07-22", "2022-07-21", "2022-07-22T09:30:00+03:00",
                  "2022-07-22 09:30:00Z"],
    "kind": ["tweet", "article", "statement", "report", "news_agency"],
}
AMEND_BAD = {
    "title": [" ", "line\nline", "\u200b"],
    "publisher": [" ", " Reuters"],
    "author": [" ", "Bob ", "two\nlines"],
    "url": ["valley.example/news", "javascript:alert(1)", "https://a b.example/", ""],
    "published": ["2062-01-01", "22/07/2022", "2022-07-22X09:30:00Z", ""],
    "kind": ["bogus", ""],
}
AMEND_REASONS = ["typo in the title", "the wrong page", "handle misspelt",
                 "the publisher's own correction"]
WORDS = ["Seven civilians", "killed", "UNICEF", "children", "\u201cwe\u201d", "Idlib", "five", " ",
         "", "\u00e9"]


def states(db):
    """How deep a session's log went: (the longest supersession chain,
    revoked keys that had signed entries, retracted claims, redacted
    sources, retracted annotations), read from the projection tables of a
    log that verifies."""
    c = sqlite3.connect(db)
    sup = dict(c.execute("SELECT id, supersedes FROM annotations WHERE supersedes IS NOT NULL"))
    longest = 0
    for a in sup:
        n = 1
        while sup.get(a) is not None and n <= len(sup):
            a, n = sup[a], n + 1
        longest = max(longest, n)
    q = lambda sql: c.execute(sql).fetchone()[0]
    revoked = q("SELECT COUNT(*) FROM revocations r WHERE EXISTS (SELECT 1 FROM (SELECT seq, "
                "signer FROM sources UNION ALL SELECT seq, signer FROM claims UNION ALL SELECT "
                "seq, signer FROM annotations) e WHERE e.signer = r.fingerprint AND e.seq < r.seq)")
    counts = (longest, revoked, q("SELECT COUNT(*) FROM retractions"),
              q("SELECT COUNT(*) FROM entries WHERE kind = 'source.redact'"),
              q("SELECT COUNT(*) FROM annotation_retractions"))
    c.close()
    return counts


def fingerprint(pub):
    """The OpenSSH SHA-256 fingerprint of a .pub file's key (FORMAT §2.1)."""
    with open(pub) as f:
        blob = base64.b64decode(f.read().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def says_nothing(reason):
    """A reason the append path refuses: blank, or a placeholder."""
    said = reason.strip()
    while said and not said[0].isalnum():
        said = said[1:]
    while said and not said[-1].isalnum():
        said = said[:-1]
    return said.lower() in ("", "reason", "text", "what was wrong")


def entries(db):
    """(count, a digest of every entry hash in order): what a refusal must not change."""
    c = sqlite3.connect(db)
    count = c.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    digest = hashlib.sha256(b"".join(h for (h,) in c.execute(
        "SELECT hash FROM entries ORDER BY seq"))).hexdigest()
    c.close()
    return count, digest


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not log each request."""

    def log_message(self, *args):
        pass


def make_tls(d):
    """(the CA's PEM file, a server context with a certificate it issued for
    127.0.0.1), made with openssl in d; None when openssl is missing."""
    if not shutil.which("openssl"):
        return None
    def sh(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
       "-subj", "/CN=random sessions CA", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=keyCertSign")
    sh("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    sh("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "30",
       "-out", "srv.pem", "-extfile", "ext")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "srv.pem"), os.path.join(d, "srv.key"))
    return os.path.join(d, "ca.pem"), ctx


def tree_files(root):
    """(path inside root, bytes) of every file under root."""
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out.append((os.path.relpath(p, root), f.read()))
    return sorted(out)


class Session:
    def __init__(self, claimtrail, rng, article, tls=None):
        self.ct, self.rng, self.article, self.tls = claimtrail, rng, article, tls
        self.dir = tempfile.mkdtemp()
        self.db = os.path.join(self.dir, "log.db")
        self.n = {"S": 0, "C": 0, "A": 0}
        # Who signed each claim and annotation, and each annotation's claim:
        # careful commands supersede an annotation by its own signer, and
        # retract a claim by its own, so that supersession chains, and
        # revoked keys that have signed, are common rather than rare.
        self.signers = {}
        self.claim_of = {}
        self.heads = set()  # annotations not yet superseded
        # The model of the annotations: each one's verdict, grade and what
        # it supersedes, the retracted ones (by whom, why), and each
        # claim's speaker; the views are held to it (model_views).
        self.verdict_of, self.grade_of, self.supersedes_of = {}, {}, {}
        self.retracted_by = {}  # A<n>: (key, reason)
        self.speaker_of = {}
        # The model of the sources' metadata (FORMAT §3.5a): each source's
        # current fields (its source.add's, overlaid by the amendments
        # appended), who added it, and each amendment appended: (key,
        # fields given, reason, [(field, was, now)]).
        self.meta, self.source_by = {}, {}
        self.amends = collections.defaultdict(list)
        self.amend_counts = collections.Counter()  # appended, imported, refused, skipped, redacted
        self.expect = None  # what the step's command must do, if the model knows
        self.ann_retractions = 0  # appended by the command or by an import line
        self.refused_as_expected = 0
        self.views_checked = 0
        self.careful = False
        self.want_key = None
        self.bundles_verified = 0
        self.published_checked = 0
        self.mirrored, self.mirrored_tls = 0, 0
        self.texts = {}
        self.breaches = []
        for k in ("admin", "analyst", "auditor", "admin2", "analyst2", "intruder"):
            subprocess.run([self.ct, "key", "new", self.key(k), "--no-passphrase",
                            "--comment", k], check=True, capture_output=True)
        for key, args in [("admin", ["init", "--origin", "t.example/random"]),
                          ("admin", ["key", "add", self.key("analyst") + ".pub", "--role",
                                     "analyst"]),
                          ("admin", ["key", "add", self.key("auditor") + ".pub", "--role",
                                     "auditor"])]:
            if self.run(key, args).returncode != 0:
                raise RuntimeError(f"claimtrail {' '.join(args)} failed")
        self.fp = {k: fingerprint(self.key(k) + ".pub")
                   for k in ("admin", "analyst", "auditor", "admin2", "analyst2", "intruder")}

    def key(self, name):
        return os.path.join(self.dir, name)

    def run(self, key, args, stdin=None):
        return subprocess.run([self.ct, "--db", self.db, "--key", self.key(key)] + args,
                              input=stdin, capture_output=True, text=True)

    def pick(self, good, bad=()):
        """One of `good`, or in a careless command one of `good` and `bad`."""
        return self.rng.choice(list(good) + ([] if self.careful else list(bad)))

    def some_id(self, kind):
        """Mostly an id that exists, sometimes one that does not or is misspelt."""
        r, n = self.rng.random(), self.n[kind]
        if (r < 0.8 or self.careful) and n:
            return f"{kind}{self.rng.randint(1, n)}"
        if r < 0.9:
            return f"{kind}{self.rng.randint(0, n + 1)}"
        return self.rng.choice(["S1", "c1", "A01", "X", ""])

    def command(self):
        """A random command: (what it adds, its arguments, its standard input)."""
        rng, pick = self.rng, self.pick
        op = rng.choice(["source"] * 2 + ["claim"] * 3 + ["annotate"] * 3
                        + ["retract", "unannotate", "redact", "keyadd", "revoke", "checkpoint"]
                        + ["amend"] * 2)
        if op == "amend":
            return None, self.amend_args(), None
        if op == "source":
            text = pick([self.article[rng.randint(0, 3000):], self.article[:rng.randint(1, 400)],
                         " ".join(rng.choices(WORDS[:6], k=rng.randint(1, 12)))],
                        [" ".join(rng.choices(WORDS, k=rng.randint(0, 12))),
                         "x" * rng.randint(0, 3)])
            args = ["source", "add", "-", "--kind", pick(["tweet", "article", "statement"],
                                                         ["bogus"])]
            if rng.random() < 0.3:
                args += ["--published", pick(
                    ["2022-07-22", "2022-07-22T09:30:00+03:00", "2022-07-22 09:30:00Z"],
                    ["2062-01-01", "22/07/2022", "2022-07-22X09:30:00Z", "+2022-07-22"])]
            if rng.random() < 0.3:
                args += ["--title", pick(["t"], ["", " "])]
            if rng.random() < 0.15:
                args += ["--author", pick(["Syrian Civil Defense", "@valley_wtr"], [" Bob"])]
            if rng.random() < 0.15:
                args += ["--url", pick(["https://valley.example/news/dam"], ["valley.example"])]
            if rng.random() < 0.3 and self.n["S"]:
                args += ["--derived-from", ",".join(self.some_id("S") for _ in range(rng.randint(1, 2)))]
            return "S", args, text
        if op == "claim":
            source = self.some_id("S")
            args = ["claim", "add", "--source", source,
                    "--speaker", pick(["White Helmets", "UNICEF"], ["", " "]),
                    "--provenance", rng.choice(["tweet", "statement", "interview"])]
            text = self.texts.get(source, self.article)
            if rng.random() < 0.7 and text:
                i = rng.randrange(len(text))
                args += ["--quote", text[i:i + rng.randint(0 if not self.careful else 8, 40)]]
            else:
                a = rng.randint(0, 60)
                args += ["--span", f"{a}..{a + rng.randint(-2, 30)}"]
            if rng.random() < 0.2:
                args += ["--occurrence", str(rng.randint(0, 3))]
            return "C", args, None
        if op == "annotate":
            args = ["annotate", self.some_id("C"), "--verdict",
                    pick(["confirmed", "false", "disputed", "unverified"], ["nope"])]
            if rng.random() < 0.3:
                args += ["--reliability", pick(["A", "F"], ["G"])]
            if rng.random() < 0.3:
                args += ["--credibility", pick(["1", "6"], ["7", "0"])]
            for links in ("--corroborates", "--contradicts"):
                if rng.random() < (0.3 if not self.careful else 0.15):
                    args += [links, ",".join(self.some_id("C") for _ in range(rng.randint(1, 3)))]
            if self.careful and self.retracted_by and rng.random() < 0.06:
                # A retracted annotation, superseded by its own signer on its
                # own claim: closed, so it must be refused.
                a = rng.choice(sorted(self.retracted_by))
                args[1] = self.claim_of[a]
                args += ["--supersedes", a]
                self.want_key = self.signers[a]
            elif self.careful and self.claim_of and rng.random() < 0.6:
                # The next link of a chain, by the superseded annotation's
                # signer: mostly the newest chain's head, so that chains grow
                # long; sometimes any head, or one already superseded.
                heads = sorted(self.heads, key=lambda i: int(i[1:])) or sorted(self.claim_of)
                r = rng.random()
                a = heads[-1] if r < 0.8 else rng.choice(heads) if r < 0.9 \
                    else rng.choice(sorted(self.claim_of))
                args[1] = self.claim_of[a]
                args += ["--supersedes", a]
                self.want_key = self.signers[a]
            elif not self.careful and rng.random() < 0.3:
                args += ["--supersedes", self.some_id("A")]
            if rng.random() < 0.2:
                args += ["--note", pick(["n", "line\nline"], [""])]
            return "A", args, None
        if op == "retract":
            claim = self.some_id("C")
            args = ["claim", "retract", claim, "--reason", pick(["wrong"], ["", " "])]
            if self.careful and claim in self.signers and rng.random() < 0.7:
                self.want_key = self.signers[claim]
            if rng.random() < 0.5:
                args += ["--replaced-by", self.some_id("C")]
            return None, args, None
        if op == "unannotate":
            # annotate retract: a careful one of an annotation not yet
            # retracted, by its signer or (a quarter) an admin; a careless one
            # of any id, often one already retracted, by any key, with a
            # reason that may be blank or a placeholder.
            live = sorted(set(self.claim_of) - set(self.retracted_by), key=lambda i: int(i[1:]))
            if self.careful and live:
                a = live[-1] if rng.random() < 0.5 else rng.choice(live)
                self.want_key = self.signers[a] if rng.random() < 0.75 else "admin"
            elif self.retracted_by and rng.random() < 0.3:
                a = rng.choice(sorted(self.retracted_by))
                if rng.random() < 0.5:
                    # The same key and reason again: refused as a command,
                    # skipped as an import line.
                    self.want_key = self.retracted_by[a][0]
                    return None, ["annotate", "retract", a, "--reason",
                                  self.retracted_by[a][1]], None
            else:
                a = self.some_id("A")
            return None, ["annotate", "retract", a, "--reason", pick(REASONS, BAD_REASONS)], None
        if op == "redact" and (not self.careful or rng.random() < 0.3):
            return None, ["source", "redact", self.some_id("S"), "--reason",
                          pick(["court order"], [""])], None
        if op == "keyadd":
            if self.careful:
                key, role = rng.choice([("admin2", "admin"), ("analyst2", "analyst"),
                                        ("analyst2", "analyst"), ("intruder", "auditor")])
            else:
                key = rng.choice(["admin2", "analyst2", "intruder", "analyst"])
                role = rng.choice(["admin", "analyst", "auditor"])
            return None, ["key", "add", self.key(key) + ".pub", "--role", role], None
        if op == "revoke":
            # A careful revocation spares the analyst and the first admin,
            # whom most careful commands sign with; it may revoke the second
            # analyst, who has signed claims and annotations that stay valid.
            return None, ["key", "revoke", self.key(pick(["admin2", "analyst2", "intruder"],
                                                         ["admin", "analyst"])) + ".pub",
                          "--reason", pick(["left"], [""])], None
        return None, ["checkpoint"], None

    def step(self, refusals):
        # Half the commands careful (the key whose role may sign it, values
        # that could be right), so that sessions reach deeper states.
        self.careful = self.rng.random() < 0.5
        self.want_key = None
        adds, args, stdin = self.command()
        if self.want_key:
            key = self.want_key
        elif self.careful:
            analyst = self.rng.choice(["analyst"] * 3 + ["analyst2"])
            key = {"S": analyst, "C": analyst, "A": self.rng.choice([analyst, "auditor"]),
                   None: "admin"}[adds]
            if args[:2] == ["claim", "retract"]:
                key = self.rng.choice([analyst, "admin"])
        else:
            key = self.rng.choice(["admin"] + ["analyst"] * 5
                                  + ["auditor", "admin2", "analyst2", "intruder"])
        imported = (adds or args[:2] in (["claim", "retract"], ["annotate", "retract"],
                                         ["source", "amend"])) \
            and self.rng.random() < 0.25
        self.expect = self.expectation(key, args, imported)
        if imported:
            self.step_import(key, args, stdin, refusals)
        else:
            self.step_command(key, args, adds, stdin, refusals)
        if self.rng.random() < 0.05:
            self.model_views()

    def step_command(self, key, args, adds, stdin, refusals):
        before = entries(self.db)
        r = self.run(key, args, stdin)
        after = entries(self.db)
        what = f"{key}: claimtrail {' '.join(repr(a) if ' ' in a or not a else a for a in args)}"
        if self.expect == "appended" and r.returncode != 0:
            self.breaches.append(f"{what}: the model expects it appended; exit {r.returncode}: "
                                 f"{r.stderr.strip()}")
        elif self.expect in ("refused", "not appended") and r.returncode == 0:
            self.breaches.append(f"{what}: the model expects it refused ({self.why}); exit 0: "
                                 f"{r.stdout.strip()}")
        elif self.expect in ("refused", "not appended") and r.returncode == 2:
            self.refused_as_expected += 1
            if args[:2] == ["source", "amend"]:
                self.amend_counts["refused"] += 1
                self.amend_counts["refused: " + self.amend_why] += 1
        if r.returncode == 0 and args[:2] == ["annotate", "retract"]:
            self.retracted(args[2], key, args[4])
        if r.returncode == 0 and args[:2] == ["source", "amend"]:
            self.amended(key, args)
        if r.returncode == 0:
            # A redaction run again on a source already redacted signs
            # nothing and rebuilds the file (README, "Redacting"): asked
            # again with --json, it says it appended no entry.
            again = False
            if after[0] == before[0] and args[:2] == ["source", "redact"]:
                again = '"entry": null' in self.run("admin", args + ["--json"], stdin).stdout
            if after[0] != before[0] + 1 and not again:
                self.breaches.append(f"{what}: exit 0 appended {after[0] - before[0]} entries")
            out = r.stdout.strip()
            if adds and out.startswith(adds):
                self.n[adds] += 1
                self.created(out, key, args, stdin)
        elif r.returncode == 2:
            refusals[r.stderr.split(":")[0] + ": " + r.stderr[7:50]] += 1
            if after != before:
                self.breaches.append(f"{what}: refused, but the entries changed")
            if not r.stderr.startswith("error: ") or r.stderr.count("\n") != 1 \
                    or "panicked" in r.stderr:
                self.breaches.append(f"{what}: stderr is not one error line: {r.stderr!r}")
        else:
            self.breaches.append(f"{what}: exit {r.returncode}: {r.stderr[:300]}")

    def step_import(self, key, args, stdin, refusals):
        """The same source, claim or annotation as one line of `import -`
        (docs/IMPORT.md): exit 0 appends what its summary says (a line
        already in the log is skipped), exit 2 changes nothing and names
        line 1 (or the key, when it is the key that may not sign)."""
        line = as_import_line(args, stdin)
        before = entries(self.db)
        r = self.run(key, ["--json", "import", "-"], line + "\n")
        after = entries(self.db)
        what = f"{key}: claimtrail import of {line}"
        if r.returncode == 0:
            summary = json.loads(r.stdout)
            appended = sum(summary["appended"].values())
            skipped = sum(summary["skipped"].values())
            if self.expect in ("appended", "refused", "skipped") and (appended, skipped) != \
                    {"appended": (1, 0), "refused": None, "skipped": (0, 1)}[self.expect]:
                self.breaches.append(f"{what}: the model expects it {self.expect} "
                                     f"({self.why}); exit 0, summary {summary['appended']} "
                                     f"{summary['skipped']}")
            elif self.expect == "not appended" and appended:
                self.breaches.append(f"{what}: the model expects it refused or skipped "
                                     f"({self.why}); exit 0, appended {summary['appended']}")
            if appended and args[:2] == ["annotate", "retract"]:
                self.retracted(args[2], key, args[4])
            if appended and args[:2] == ["source", "amend"]:
                self.amended(key, args)
                self.amend_counts["imported"] += 1
            if skipped and args[:2] == ["source", "amend"] and self.expect == "skipped":
                self.amend_counts["skipped"] += 1
            if after[0] != before[0] + appended or appended + sum(summary["skipped"].values()) != 1:
                self.breaches.append(f"{what}: exit 0, {after[0] - before[0]} entries appended, "
                                     f"summary {summary['appended']} {summary['skipped']}")
            kind = {"source": "S", "claim": "C", "annotation": "A"}.get(json.loads(line)["type"])
            if appended and kind:
                self.n[kind] += 1
                self.created(f"{kind}{self.n[kind]}", key, args, stdin)
        elif r.returncode == 2:
            if self.expect in ("appended", "skipped"):
                self.breaches.append(f"{what}: the model expects it {self.expect} ({self.why}); "
                                     f"exit 2: {r.stderr.strip()}")
            elif self.expect in ("refused", "not appended"):
                self.refused_as_expected += 1
                if args[:2] == ["source", "amend"]:
                    self.amend_counts["refused"] += 1
                    self.amend_counts["refused: " + self.amend_why] += 1
            refusals["import: " + r.stderr[7:50]] += 1
            if after != before:
                self.breaches.append(f"{what}: refused, but the entries changed")
            # The line's own faults name it; the key's (not enrolled, not
            # allowed) are said before any line is read.
            if not r.stderr.startswith(("error: line 1: ", "error: key ")) \
                    or r.stderr.count("\n") != 1:
                self.breaches.append(f"{what}: stderr is not one error line naming line 1: "
                                     f"{r.stderr!r}")
        else:
            self.breaches.append(f"{what}: exit {r.returncode}: {r.stderr[:300]}")

    def created(self, item, key, args, stdin):
        """Remembers what a command that appended made, and who signed it."""
        if item.startswith("S"):
            self.texts[item] = stdin
            self.source_by[item] = key
            self.meta[item] = {f: args[args.index("--" + f) + 1] if "--" + f in args else None
                               for f in AMEND_FIELDS}
        else:
            self.signers[item] = key
        if item.startswith("C"):
            self.speaker_of[item] = args[args.index("--speaker") + 1]
        if item.startswith("A"):
            self.claim_of[item] = args[1].upper()  # `c1` is taken for C1
            self.verdict_of[item] = args[args.index("--verdict") + 1]
            self.grade_of[item] = args[args.index("--reliability") + 1] \
                if "--reliability" in args else None
            self.heads.add(item)
            if "--supersedes" in args:
                self.supersedes_of[item] = args[args.index("--supersedes") + 1]
                self.heads.discard(self.supersedes_of[item])

    def retracted(self, a, key, reason):
        """Remembers an annotation retracted: it is no head any more, and
        the one it superseded, if not retracted, is one again."""
        self.retracted_by[a] = (key, reason)
        self.ann_retractions += 1
        self.heads.discard(a)
        old = self.supersedes_of.get(a)
        if old in self.claim_of and old not in self.retracted_by:
            self.heads.add(old)

    def keys_now(self):
        """{fingerprint: role} of the keys enrolled and not revoked, as the
        log holds them now (the model keeps no key state of its own)."""
        c = sqlite3.connect(self.db)
        revoked = {f for (f,) in c.execute("SELECT fingerprint FROM revocations")}
        live = {f: r for f, r in c.execute("SELECT fingerprint, role FROM keys")
                if f not in revoked}
        c.close()
        return live

    def expectation(self, key, args, imported):
        """What the model says the command must do: "appended",
        "refused", "skipped" (an import line the log holds already), "not
        appended" (refused, or an import line skipped), or None (the model
        does not say); self.why says why."""
        self.why = None
        if args[:2] == ["source", "amend"]:
            return self.amend_expectation(key, args, imported)
        if args[:1] == ["annotate"] and "--supersedes" in args:
            old = args[args.index("--supersedes") + 1]
            if old in self.retracted_by:
                self.why = f"{old} is retracted: nothing supersedes it"
                # An import line identical to an annotation of the log
                # that superseded it before its retraction is skipped.
                return "not appended" if imported else "refused"
            return None
        if args[:2] != ["annotate", "retract"]:
            return None
        a, reason = args[2], args[4]
        role = self.keys_now().get(self.fp[key])
        if a not in self.claim_of:
            self.why = f"{a!r} is no annotation of the log"
            return "refused"
        if role is None:
            self.why = f"{key} is not enrolled, or revoked"
            return "refused"
        if a in self.retracted_by:
            self.why = f"{a} was retracted already"
            return "skipped" if imported and self.retracted_by[a] == (key, reason) \
                else "refused"
        if role != "admin" and self.signers[a] != key:
            self.why = f"{key}, an {role}, did not sign {a}"
            return "refused"
        if says_nothing(reason):
            self.why = f"the reason {reason!r} says nothing"
            return "refused"
        self.why = "an annotation not retracted, its own signer's or an admin's, a reason"
        return "appended"

    def amend_args(self):
        """`source amend`: a careful one of a source the model knows, by
        the key that added it or (a quarter) an admin, one to three fields
        each given a value it does not read yet, a reason; a careless one
        is such an amendment by any key (half of those with no fault by the
        analyst who did not add the source), spoilt by up to two faults (an
        id that is no source's, no field, a value no source takes, a field
        as it already reads, a reason that says nothing), or, one in four, an
        amendment appended before, again, same key, fields and reason
        (refused as a command when a field already reads so; skipped as
        an import line)."""
        rng = self.rng
        known = sorted(self.meta, key=lambda i: int(i[1:]))
        earlier = [(s, a) for s in sorted(self.amends, key=lambda i: int(i[1:]))
                   for a in self.amends[s]]
        if self.careful and known:
            s = rng.choice(known)
            self.want_key = "admin" if rng.random() < 0.25 else self.source_by[s]
            given = {}
            for f in rng.sample(AMEND_FIELDS, rng.choice([1, 1, 1, 2, 2, 3])):
                given[f] = rng.choice([v for v in AMEND_GOOD[f] if v != self.meta[s][f]])
            reason = rng.choice(AMEND_REASONS)
        elif not self.careful and earlier and rng.random() < 0.25:
            s, a = rng.choice(earlier)
            self.want_key, given, reason = a[0], dict(a[1]), a[2]
        else:
            # A careful one spoilt by one fault or two (or none: then only
            # the key, any key, may be wrong): an id that is no source's,
            # no field, a value no source takes, a field as it already
            # reads, a reason that says nothing.
            s = rng.choice(known) if known and rng.random() < 0.8 else self.some_id("S")
            now = self.meta.get(s, {})
            given = {f: rng.choice([v for v in AMEND_GOOD[f] if v != now.get(f)])
                     for f in rng.sample(AMEND_FIELDS, rng.choice([1, 1, 2, 3]))}
            reason = rng.choice(AMEND_REASONS)
            faults = [] if self.careful else rng.sample(
                ["id", "none", "bad", "same", "reason"], rng.choice([0, 1, 1, 1, 1, 2]))
            if "id" in faults:
                s = rng.choice([f"S{self.n['S'] + 1}", "S0", "S01", "C1", "A1", "X", ""])
            if "none" in faults:
                given = {}
            if "bad" in faults and given:
                f = rng.choice(sorted(given))
                given[f] = rng.choice(AMEND_BAD[f])
            if "same" in faults and given:
                f = rng.choice(sorted(given))
                given[f] = now.get(f) or given[f]
            if "reason" in faults:
                reason = rng.choice(BAD_REASONS)
            if not self.careful and not faults and s in self.source_by and rng.random() < 0.5:
                # By the other analyst: another's source (unless that
                # key is not enrolled, or was revoked).
                self.want_key = "analyst2" if self.source_by[s] != "analyst2" else "analyst"
        args = ["source", "amend", s]
        for f in AMEND_FIELDS:
            if f in given:
                args += ["--" + f, given[f]]
        return args + ["--reason", reason]

    @staticmethod
    def amend_parts(args):
        """(source id as given, {field: value}, reason) of a `source amend`."""
        given = {f: args[args.index("--" + f) + 1] for f in AMEND_FIELDS if "--" + f in args}
        return args[2], given, args[args.index("--reason") + 1]

    def amend_expectation(self, key, args, imported):
        """What `source amend` must do (FORMAT §3.5a, `source amend`'s own
        refusals, docs/IMPORT.md's re-run rule), from the model."""
        given_id, given, reason = self.amend_parts(args)
        m = re.fullmatch(r"[Ss]([1-9][0-9]*)", given_id)
        role = self.keys_now().get(self.fp[key])
        if not m or int(m.group(1)) > self.n["S"]:
            self.why = f"{given_id!r} is no source of the log"
            self.amend_why = "no such source"
            return "refused"
        s = f"S{m.group(1)}"
        if not given:
            self.why = "no field given"
            self.amend_why = "no field"
            return "refused"
        bad = [f for f, v in given.items() if v in AMEND_BAD[f]]
        if bad:
            self.why = f"{bad[0]} {given[bad[0]]!r} is refused whatever the source"
            self.amend_why = "a value refused"
            return "refused"
        if role is None:
            self.why = f"{key} is not enrolled, or revoked"
            self.amend_why = "key unknown or revoked"
            return "refused"
        if imported and any(a[:3] == (key, given, reason) for a in self.amends[s]):
            self.why = f"the log holds {s}'s amendment by {key} with these fields and reason"
            return "skipped"
        same = [f for f, v in given.items() if self.meta[s][f] == v]
        if same:
            self.why = f"{s}'s {same[0]} already reads {given[same[0]]!r}"
            self.amend_why = "a field unchanged"
            return "refused"
        if role == "auditor":
            self.why = f"{key} is an auditor"
            self.amend_why = "an auditor"
            return "refused"
        if role == "analyst" and self.source_by[s] != key:
            self.why = f"{key}, an analyst, did not add {s} ({self.source_by[s]} did)"
            self.amend_why = "another's source"
            return "refused"
        if says_nothing(reason):
            self.why = f"the reason {reason!r} says nothing"
            self.amend_why = "a blank reason"
            return "refused"
        self.why = "an admin's, or the analyst's own source; fields that change; a reason"
        return "appended"

    def amended(self, key, args):
        """Remembers an amendment appended: the source's fields now, and
        what each given field was."""
        given_id, given, reason = self.amend_parts(args)
        s = "S" + given_id[1:]
        changes = []
        for f in AMEND_FIELDS:
            if f in given:
                changes.append((f, self.meta[s][f], given[f]))
                self.meta[s][f] = given[f]
        self.amends[s].append((key, given, reason, changes))
        self.amend_counts["appended"] += 1
        c = sqlite3.connect(self.db)
        if c.execute("SELECT 1 FROM redactions WHERE source_id = ?", (int(s[1:]),)).fetchone():
            self.amend_counts["redacted"] += 1
        c.close()

    def model_sources(self, every):
        """The sources' current metadata and amendments against the model:
        `list sources --json`, and `show S<n> --json` of every source
        (`every`) or of one at random; `status --json` and `verify --json`
        count the amendments the model holds."""
        def view(*args):
            r = subprocess.run([self.ct, "--db", self.db, "--json", *args],
                               capture_output=True, text=True)
            if r.returncode != 0:
                self.breaches.append(f"{' '.join(args)} exits {r.returncode}: {r.stderr}")
                return None
            return json.loads(r.stdout)

        def held(where, v):
            s = v["id"]
            if s not in self.meta:
                self.breaches.append(f"{where}: {s} is no source of the model")
                return
            got = {f: v[f] for f in AMEND_FIELDS}
            if got != self.meta[s]:
                self.breaches.append(f"{where}: {s}'s metadata {diff(got, self.meta[s])} "
                                     f"(as (claimtrail, model)); amendments in the model: "
                                     f"{self.amends.get(s, [])}")
            mine = [(self.fp[k], k, r, sorted(c)) for k, _, r, c in self.amends.get(s, [])]
            theirs = [(a["signer"], a["signer_name"], a["reason"],
                       sorted((c["field"], c["was"], c["now"]) for c in a["changes"]))
                      for a in v.get("amendments", [])]
            if mine != theirs:
                self.breaches.append(f"{where}: {s}'s amendments {theirs}, the model {mine}")

        listed = view("list", "sources")
        if listed is not None:
            if sorted(v["id"] for v in listed) != sorted(self.meta):
                self.breaches.append(f"list sources gives {[v['id'] for v in listed]}, the "
                                     f"model {sorted(self.meta)}")
            for v in listed:
                held("list sources --json", v)
        known = sorted(self.meta, key=lambda i: int(i[1:]))
        for s in known if every else self.rng.sample(known, min(1, len(known))):
            shown = view("show", s)
            if shown is not None:
                held(f"show {s} --json", shown["source"])
        n = sum(len(a) for a in self.amends.values())
        status = view("status")
        if status is not None and status["status"]["sources"]["amendments"] != n:
            self.breaches.append(f"status says {status['status']['sources']['amendments']} "
                                 f"source amendments, the model {n}")
        if every:
            v = view("verify")
            if v is not None and v["counts"]["source_amendments"] != n:
                self.breaches.append(f"verify --json counts {v['counts']['source_amendments']} "
                                     f"source amendments, the model {n}")

    def current(self):
        """{claim: [its current annotations]}: each person's (key's: this
        tool rotates no key) latest annotation of the claim that is not
        retracted, as if retracted annotations were absent."""
        latest = {}
        for a in sorted(self.claim_of, key=lambda i: int(i[1:])):
            if a not in self.retracted_by:
                latest[(self.claim_of[a], self.signers[a])] = a
        out = collections.defaultdict(list)
        for (c, _), a in latest.items():
            out[c].append(a)
        return out

    def model_views(self):
        """The views against the model: verdicts, the review queue, the
        speakers' grades, the retracted annotations and their counts."""
        def view(*args):
            r = subprocess.run([self.ct, "--db", self.db, "--json", *args],
                               capture_output=True, text=True)
            if r.returncode != 0:
                self.breaches.append(f"{' '.join(args)} exits {r.returncode}: {r.stderr}")
                return None
            return json.loads(r.stdout)
        self.views_checked += 1
        self.model_sources(False)
        current = self.current()
        c = sqlite3.connect(self.db)
        retracted_claims = {f"C{n}" for (n,) in c.execute("SELECT claim_id FROM retractions")}
        role = dict(c.execute("SELECT fingerprint, role FROM keys"))
        n_ann = c.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
        c.close()
        if n_ann != len(self.claim_of):
            self.breaches.append(f"the model holds {len(self.claim_of)} annotations, the log "
                                 f"{n_ann}")
            return
        claims = view("list", "claims")
        if claims is None:
            return
        for cl in claims:
            # Each verdict once, in the order of the current annotations
            # that give it; a retracted claim's JSON keeps them (its VERDICT
            # column says `retracted`).
            want = []
            for a in sorted(current.get(cl["id"], []), key=lambda i: int(i[1:])):
                if self.verdict_of[a] not in want:
                    want.append(self.verdict_of[a])
            if cl["verdicts"] != want:
                self.breaches.append(
                    f"list claims: {cl['id']} has verdicts {cl['verdicts']}, the model {want} "
                    f"(current {sorted(current.get(cl['id'], []))}; its annotations in the "
                    f"model: {[(a, self.signers[a], self.verdict_of[a], self.supersedes_of.get(a), 'retracted' if a in self.retracted_by else '') for a in sorted(self.claim_of, key=lambda i: int(i[1:])) if self.claim_of[a] == cl['id']]})")
        queue = view("list", "claims", "--unannotated")
        if queue is not None:
            want = sorted((cl["id"] for cl in claims if cl["id"] not in retracted_claims
                           and not any(role.get(self.fp[self.signers[a]]) != "auditor"
                                       for a in current.get(cl["id"], []))),
                          key=lambda i: int(i[1:]))
            got = [cl["id"] for cl in queue]
            if sorted(got, key=lambda i: int(i[1:])) != want:
                self.breaches.append(f"list claims --unannotated gives {got}, the model {want}")
        speakers = view("list", "speakers")
        if speakers is not None:
            grades = collections.defaultdict(collections.Counter)
            for cl, anns in current.items():
                if cl in retracted_claims:
                    continue
                for a in anns:
                    if self.grade_of[a]:
                        grades[self.speaker_of[cl]][self.grade_of[a]] += 1
            for sp in speakers:
                if dict(grades.get(sp["speaker"], {})) != sp["reliability"]:
                    self.breaches.append(f"list speakers: {sp['speaker']!r} has grades "
                                         f"{sp['reliability']}, the model "
                                         f"{dict(grades.get(sp['speaker'], {}))}")
        anns = view("list", "annotations")
        if anns is not None:
            for an in anns:
                mine = self.retracted_by.get(an["id"])
                theirs = an["retraction"]
                if (mine is None) != (theirs is None) or mine and (
                        theirs["reason"] != mine[1] or theirs["signer"] != self.fp[mine[0]]):
                    self.breaches.append(f"list annotations: {an['id']} has retraction {theirs}, "
                                         f"the model {mine}")
        listed = view("list", "annotations", "--retracted")
        if listed is not None and sorted(a["id"] for a in listed) != sorted(self.retracted_by):
            self.breaches.append(f"list annotations --retracted gives "
                                 f"{sorted(a['id'] for a in listed)}, the model "
                                 f"{sorted(self.retracted_by)}")
        if self.retracted_by:
            a = self.rng.choice(sorted(self.retracted_by))
            shown = view("show", a)
            key, reason = self.retracted_by[a]
            got = shown and shown.get("retraction")
            if shown is not None and not (got and got["reason"] == reason
                                          and got["signer"] == self.fp[key]
                                          and got["signer_name"] == key):
                self.breaches.append(f"show {a} --json: retraction {got}, the model "
                                     f"{self.retracted_by[a]}")
        status = view("status")
        if status is not None and status["status"]["retracted_annotations"] != \
                len(self.retracted_by):
            self.breaches.append(f"status says {status['status']['retracted_annotations']} "
                                 f"retracted annotations, the model {len(self.retracted_by)}")

    def keep(self, where):
        """The session's directory copied to `where`, with a checkpoint kept
        in `kept.txt` (and cosigned) when the admin and auditor still may."""
        shutil.copytree(self.dir, where)
        kept = os.path.join(where, "kept.txt")
        for key, args in [("admin", ["checkpoint", "--out", kept]),
                          ("auditor", ["checkpoint", "cosign", kept])]:
            r = subprocess.run([self.ct, "--db", os.path.join(where, "log.db"), "--key",
                                os.path.join(where, key)] + args, capture_output=True, text=True)
            if r.returncode != 0:
                break

    def bundles(self):
        """Bundles of a few random items: `export` writes them and `verify-bundle`
        accepts them, with and without the log's verifier keys."""
        vkeys = subprocess.run([self.ct, "--db", self.db, "key", "vkey"], capture_output=True,
                               text=True).stdout.split()
        for kind in ("S", "C", "A"):
            if not self.n[kind]:
                continue
            item = f"{kind}{self.rng.randint(1, self.n[kind])}"
            out = os.path.join(self.dir, f"{item}.bundle")
            # The admin's key, for the checkpoint that export makes when
            # none covers the item yet.
            r = subprocess.run([self.ct, "--db", self.db, "--key", self.key("admin"), "export",
                                item, "--out", out], capture_output=True, text=True)
            if r.returncode == 2 and "revoked" in r.stderr:
                continue  # a careless command revoked the admin, who may no longer checkpoint
            if r.returncode != 0:
                self.breaches.append(f"claimtrail export {item}: exit {r.returncode}: {r.stderr}")
                continue
            # export notes a checkpoint whose signer was revoked since,
            # which the current verifier keys must then refuse.
            stale = "note: its checkpoint was signed by" in r.stdout
            for vkey in ([], [a for k in vkeys for a in ("--vkey", k)]):
                r = subprocess.run([self.ct, "verify-bundle", out] + vkey, capture_output=True,
                                   text=True)
                if vkey and stale:
                    if r.returncode != 1 or ": checkpoint: " not in r.stdout:
                        self.breaches.append(f"claimtrail verify-bundle of {item} with the current "
                                             f"keys, after export's note: exit {r.returncode}: "
                                             f"{r.stdout[-600:]}{r.stderr}")
                    else:
                        self.bundles_verified += 1
                elif r.returncode != 0:
                    self.breaches.append(f"claimtrail verify-bundle of {item} {' '.join(vkey)}: "
                                         f"exit {r.returncode}: {r.stdout[-600:]}{r.stderr}")
                else:
                    self.bundles_verified += 1
            self.bundle_contents(item, out)

    def bundle_contents(self, item, out):
        """What `verify-bundle --show --json` says the bundle holds is what
        the log's `show --json` says of the same items: each claim and
        annotation whole, each source but for its claim counts (the
        bundle's), and a signer's revocation only where the bundle holds it."""
        r = subprocess.run([self.ct, "--json", "verify-bundle", out, "--show"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return  # reported above
        contents = json.loads(r.stdout)["contents"]

        def log_view(id_, key):
            v = subprocess.run([self.ct, "--db", self.db, "--json", "show", id_],
                               capture_output=True, text=True)
            view = json.loads(v.stdout)
            return view[key] if key else view

        def same(mine, theirs):
            for d in (mine, theirs):
                d.get("signed", {}).pop("signer_revoked_at", None)
            return mine == theirs

        for c in contents["claims"]:
            if not same(dict(c), log_view(c["id"], "claim")):
                self.breaches.append(f"bundle of {item}: {c['id']} differs from show --json: "
                                     f"{diff(c, log_view(c['id'], 'claim'))}")
        for a in contents["annotations"]:
            theirs = log_view(a["id"], None)
            theirs.pop("checkpoint", None)
            theirs.pop("revoked_signers", None)
            if not same(dict(a), theirs):
                self.breaches.append(f"bundle of {item}: {a['id']} differs from show --json: "
                                     f"{diff(a, theirs)}")
        for s in contents["sources"]:
            theirs = log_view(s["id"], "source")
            for k in ("claims", "retracted_claims"):
                theirs[k] = s[k]
            if not same(dict(s), theirs):
                self.breaches.append(f"bundle of {item}: {s['id']} differs from show --json: "
                                     f"{diff(s, theirs)}")

    def published(self):
        """The log published (`publish`, after a checkpoint the admin signs
        now) and checked by `verify-published` with no database: exit 0,
        and, when the new checkpoint is the one published, the same counts
        as `verify --json` but for the checkpoint entries (the published
        tree ends before the last one)."""
        r = subprocess.run([self.ct, "--db", self.db, "--key", self.key("admin"), "checkpoint"],
                           capture_output=True, text=True)
        fresh = r.returncode == 0
        if not fresh and "revoked" not in r.stderr:
            self.breaches.append(f"claimtrail checkpoint: exit {r.returncode}: {r.stderr}")
            return
        site = os.path.join(self.dir, "site")
        r = subprocess.run([self.ct, "--db", self.db, "publish", site], capture_output=True,
                           text=True)
        if r.returncode == 2 and not fresh and "has no checkpoint yet" in r.stderr:
            return  # the admin was revoked before any checkpoint was signed
        if r.returncode != 0:
            self.breaches.append(f"claimtrail publish: exit {r.returncode}: {r.stderr}")
            return
        p = subprocess.run([self.ct, "--db", os.path.join(self.dir, "none.db"), "--json",
                            "verify-published", site], capture_output=True, text=True)
        if p.returncode != 0:
            self.breaches.append(f"claimtrail verify-published: exit {p.returncode}: "
                                 f"{p.stdout[-1500:]}{p.stderr}")
            return
        self.published_checked += 1
        self.mirror(site, json.loads(p.stdout))
        if not fresh:
            return
        v = subprocess.run([self.ct, "--db", self.db, "--json", "verify"], capture_output=True,
                           text=True)
        mine, theirs = json.loads(p.stdout), json.loads(v.stdout)
        for d in (mine["counts"], theirs["counts"]):
            d.pop("checkpoints", None)
            d.pop("latest_checkpoint", None)
        if mine["counts"] != theirs["counts"] or mine["entries"] != theirs["entries"] - 1:
            self.breaches.append(f"verify-published counts {mine['entries']} entries, "
                                 f"{mine['counts']}; verify {theirs['entries']}, "
                                 f"{theirs['counts']}")

    def mirror(self, site, report):
        """The published directory served over HTTP (HTTPS, with --ca-file,
        when the session has a certificate) on 127.0.0.1 and fetched
        by `mirror` into the session's mirror (kept between calls, as a
        monitor keeps it): exit 0, every file it holds byte for byte the
        site's, and `verify-published` of it the report of the site."""
        srv = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(QuietFiles, directory=site))
        tls = self.tls
        if tls:
            srv.socket = tls[1].wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            scheme = "https" if tls else "http"
            url = f"{scheme}://127.0.0.1:{srv.server_address[1]}/"
            mdir = os.path.join(self.dir, "mirror")
            none = os.path.join(self.dir, "none.db")
            env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
            ca = ["--ca-file", tls[0]] if tls else []
            m = subprocess.run([self.ct, "--db", none, "mirror", url, mdir, *ca],
                               capture_output=True, text=True, env=env)
        finally:
            srv.shutdown()
            srv.server_close()
        if m.returncode != 0:
            self.breaches.append(f"claimtrail mirror: exit {m.returncode}: "
                                 f"{m.stdout[-1500:]}{m.stderr}")
            return
        theirs = dict(tree_files(site))
        for rel, data in tree_files(mdir):
            if theirs.get(rel) != data:
                self.breaches.append(f"mirror: {rel} is not the site's")
                return
        q = subprocess.run([self.ct, "--db", none, "--json", "verify-published", mdir],
                           capture_output=True, text=True)
        if q.returncode != 0:
            self.breaches.append(f"verify-published of the mirror: exit {q.returncode}: "
                                 f"{q.stdout[-1500:]}{q.stderr}")
            return
        mine = json.loads(q.stdout)
        for k in ("entries", "counts", "checkpoint_root", "earlier_tiles", "problems"):
            if mine[k] != report[k]:
                self.breaches.append(f"verify-published of the mirror: {k} {mine[k]}, "
                                     f"of the site {report[k]}")
        if tls:
            self.mirrored_tls += 1
        else:
            self.mirrored += 1

    def verify(self):
        self.bundles()
        self.published()
        ours = subprocess.run([self.ct, "--db", self.db, "verify"], capture_output=True, text=True)
        theirs = subprocess.run([sys.executable, INDEPENDENT, self.db], capture_output=True,
                                text=True)
        if ours.returncode != 0:
            self.breaches.append(f"claimtrail verify exits {ours.returncode}:\n{ours.stdout}")
        if theirs.returncode != 0:
            self.breaches.append(f"the independent verifier exits {theirs.returncode}:\n"
                                 f"{theirs.stdout}{theirs.stderr}")
        self.status()
        self.log_filters()
        self.model_views()
        self.model_sources(True)

    def log_filters(self):
        """`log --json` with filters, against the whole log filtered here."""
        def log(*args):
            r = subprocess.run([self.ct, "--db", self.db, "--json", "log", *args],
                               capture_output=True, text=True)
            if r.returncode != 0:
                self.breaches.append(f"log {' '.join(args)} exits {r.returncode}: {r.stderr}")
                return None
            return json.loads(r.stdout)
        whole = log()
        if not whole:
            return
        c = sqlite3.connect(self.db)
        last = c.execute("SELECT seq, size FROM checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
        c.close()
        signers = sorted({l["signer"] for l in whole})
        times = sorted({l["time"] for l in whole})
        families = ["log", "key", "source", "claim", "annotation", "checkpoint"]
        cases = []
        for _ in range(6):
            args, conds = [], []
            if self.rng.random() < 0.5:
                kinds = self.rng.sample(families + sorted({l["kind"] for l in whole}),
                                      self.rng.randint(1, 3))
                args += ["--kind", ",".join(kinds)]
                # The family `key` is every entry that changed the keys,
                # log.init (the first admin's enrolment) included.
                conds.append(lambda l, k=kinds: any(l["kind"] == x or l["kind"].split(".")[0] == x
                                                    or (x == "key" and l["kind"] == "log.init")
                                                    for x in k))
            if self.rng.random() < 0.4:
                fp = self.rng.choice(signers)
                args += ["--by", fp]
                conds.append(lambda l, f=fp: l["signer"] == f)
            since, until = sorted(self.rng.choice(times) for _ in range(2))
            if self.rng.random() < 0.3:
                args += ["--since", since]
                conds.append(lambda l, t=since: l["time"] >= t)
            if self.rng.random() < 0.3:
                args += ["--until", until]
                conds.append(lambda l, t=until: l["time"] <= t)
            if self.rng.random() < 0.3:
                args.append("--uncovered")
                conds.append(lambda l: last is None or (l["seq"] >= last[1] and l["seq"] != last[0]))
            want = [l for l in whole if all(f(l) for f in conds)]
            if self.rng.random() < 0.4:
                n = self.rng.choice([0, 1, 2, 5, 50])
                args += ["-n", str(n)]
                want = want[max(len(want) - n, 0):] if n else []
            cases.append((args, want))
        for args, want in cases:
            got = log(*args)
            if got is not None and got != want:
                self.breaches.append(f"log {' '.join(args)} gives seqs {[l['seq'] for l in got]}, "
                                     f"the whole log {[l['seq'] for l in want]}")

    def status(self):
        """`status --json` against the log's entries, counted here: entries
        by kind, the review queue (standing claims that no analyst or admin
        has annotated), and
        the entries after the latest checkpoint but its own."""
        r = subprocess.run([self.ct, "--db", self.db, "--json", "status"], capture_output=True,
                           text=True)
        if r.returncode != 0:
            self.breaches.append(f"status exits {r.returncode}: {r.stderr}")
            return
        got = json.loads(r.stdout)["status"]
        c = sqlite3.connect(self.db)
        q = lambda sql: c.execute(sql).fetchone()[0]
        kinds = collections.Counter(k for (k,) in c.execute("SELECT kind FROM entries"))
        claims = {n for (n,) in c.execute("SELECT id FROM claims")}
        # The desk's queue: an auditor's audit note leaves a claim on it.
        # A retracted annotation judges nothing (FORMAT §3.7a).
        judged = {n for (n,) in c.execute(
            "SELECT a.claim_id FROM annotations a JOIN keys k ON k.fingerprint = a.signer"
            " WHERE k.role <> 'auditor' AND a.id NOT IN"
            " (SELECT annotation_id FROM annotation_retractions)")}
        retracted = {n for (n,) in c.execute("SELECT claim_id FROM retractions")}
        last = c.execute("SELECT seq, size FROM checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
        total = q("SELECT COUNT(*) FROM entries")
        c.close()
        want = {
            "entries": total,
            "sources": {"total": kinds["source.add"], "redacted": kinds["source.redact"],
                        "amendments": kinds["source.amend"]},
            "claims": {"total": kinds["claim.add"], "retracted": kinds["claim.retract"],
                       "unannotated": len(claims - judged - retracted)},
            "annotations": kinds["annotation.add"],
            "retracted_annotations": kinds["annotation.retract"],
            "uncovered": total if last is None else max(total - last[1] - 1, 0),
        }
        for k, v in want.items():
            if got[k] != v:
                self.breaches.append(f"status says {k} {got[k]}, the log has {v}")


def diff(mine, theirs):
    """The fields of two views that differ, as (bundle, log)."""
    return {k: (mine.get(k), theirs.get(k)) for k in sorted(set(mine) | set(theirs))
            if mine.get(k) != theirs.get(k)}


def as_import_line(args, stdin):
    """The JSON Lines form (docs/IMPORT.md) of a `source add`, `claim add`,
    `annotate`, `claim retract`, `annotate retract` or `source amend`
    command line."""
    if args[:2] == ["source", "amend"]:
        source, given, reason = Session.amend_parts(args)
        return json.dumps({"type": "source_amendment", "source": source, **given,
                           "reason": reason}, ensure_ascii=False)
    if args[:2] == ["annotate", "retract"]:
        return json.dumps({"type": "annotation_retraction", "annotation": args[2],
                           "reason": args[args.index("--reason") + 1]}, ensure_ascii=False)
    kind = {"source": "source", "claim": "claim", "annotate": "annotation"}[args[0]]
    if args[:2] == ["claim", "retract"]:
        kind = "retraction"
    line, rest = {"type": kind}, args[2:] if kind != "retraction" else args[3:]
    if kind == "source":
        line["text"] = stdin
    elif kind == "annotation":
        line["claim"] = args[1]
    elif kind == "retraction":
        line["claim"] = args[2]
    lists = {"--derived-from", "--corroborates", "--contradicts"}
    i = 0
    while i < len(rest):
        name, values = rest[i], []
        i += 1
        while i < len(rest) and not (rest[i].startswith("--") and len(rest[i]) > 2):
            values.append(rest[i])
            i += 1
        field = name[2:].replace("-", "_")
        if name in lists:
            line[field] = [v for value in values for v in value.split(",")]
        elif name in ("--occurrence", "--credibility"):
            line[field] = int(values[0])
        elif name == "-":
            continue
        else:
            line[field] = values[0]
    return json.dumps(line, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claimtrail", default=os.path.join(HERE, "..", "target", "release",
                                                         "claimtrail"))
    ap.add_argument("--sessions", type=int, default=25)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the last session's log and keys in DIR (new), with a kept "
                         "checkpoint when the log verifies; compare_verifiers.py --log DIR")
    ap.add_argument("--keep-failing", metavar="DIR",
                    help="copy the log and keys of each session with a breach into DIR/session<N>")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(ARTICLE, encoding="utf-8") as f:
        article = f.read()
    breaches, appended, bundles, refusals = 0, 0, 0, collections.Counter()
    published, mirrored, mirrored_tls = 0, 0, 0
    tls_dir = tempfile.mkdtemp()
    tls = make_tls(tls_dir)
    deepest, revoked, retracted, redacted, unannotated = 0, 0, 0, 0, 0
    ann_refused, views = 0, 0
    amend = collections.Counter()
    for n in range(args.sessions):
        try:
            # Every other session's mirror over HTTPS (the choice takes
            # nothing from rng: a seed's sessions are the same either way).
            s = Session(os.path.abspath(args.claimtrail), rng, article, tls if n % 2 else None)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            print(f"error: could not start a session: {e}", file=sys.stderr)
            return 2
        for _ in range(args.steps):
            s.step(refusals)
        s.verify()
        appended += entries(s.db)[0]
        chain, rev, ret, red, unann = states(s.db)
        deepest, revoked, retracted, redacted = (max(deepest, chain), revoked + rev,
                                                 retracted + ret, redacted + red)
        unannotated += unann
        ann_refused, views = ann_refused + s.refused_as_expected, views + s.views_checked
        amend += s.amend_counts
        if unann != s.ann_retractions:
            s.breaches.append(f"the log holds {unann} annotation retractions, the session "
                              f"appended {s.ann_retractions}")
        bundles += s.bundles_verified
        published += s.published_checked
        mirrored, mirrored_tls = mirrored + s.mirrored, mirrored_tls + s.mirrored_tls
        for b in s.breaches:
            print(f"session {n}: {b}")
        breaches += len(s.breaches)
        if args.keep_failing and s.breaches:
            shutil.copytree(s.dir, os.path.join(args.keep_failing, f"session{n}"))
        if args.keep and n == args.sessions - 1:
            s.keep(args.keep)
        shutil.rmtree(s.dir)
    shutil.rmtree(tls_dir)
    print(f"{args.sessions} sessions of {args.steps} commands (seed {args.seed}): "
          f"{appended} entries appended and verified, "
          f"{sum(refusals.values())} commands refused, {bundles} bundle checks passed, "
          f"{published} published directories checked, {mirrored} mirrored over HTTP "
          f"and {mirrored_tls} over HTTPS{'' if tls else ' (no openssl)'}; "
          f"{breaches} breaches")
    print(f"states reached: {revoked} revoked keys that had signed, {retracted} claims retracted, "
          f"{redacted} sources redacted, supersession chains up to {deepest} annotations, "
          f"{unannotated} annotations retracted, {ann_refused} annotation retractions and "
          f"supersessions of retracted annotations refused as the model expected, "
          f"views held to the model {views} times")
    print(f"source amendments: {amend['appended']} appended ({amend['imported']} as import "
          f"lines, {amend['redacted']} of a redacted source), {amend['refused']} refused and "
          f"{amend['skipped']} import lines skipped as the model expected; the sources' "
          f"metadata held to the model after each session")
    print("source amendments refused, by the model's first reason: " + ", ".join(
        f"{k[len('refused: '):]} {v}" for k, v in sorted(amend.items())
        if k.startswith("refused: ")))
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
