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
key or its person's rotated key), key enrolments and revocations, key
rotations (below),
checkpoints, and ids, dates, kinds and reasons that do not exist or are
blank.

A key rotation (docs/AUDIT.md, "Checking signatures
with OpenSSH": a person's new key) gives one of the
desk's four people (the admin, the analyst, the second analyst once
enrolled, the auditor) a new key made with `key new`: an analyst's or
auditor's (or an admin's while another admin is live) is revoked by an
admin, then the new key is enrolled under the old one's name, given with
--name, for its role, and signs for the same person (FORMAT §3.2: a name a
live key holds is refused, so the old key is revoked first, not after);
the log's only admin, who cannot be revoked first, enrolls the new key as
admin under a new name, which then revokes the old one (another person to
the log). From then on careful commands sign with the new key, and a
sixth of them, where the person has a key rotated out, sign with that
revoked key instead and must be refused. A careless rotation adds a
misstep that must be refused: the new key enrolled under the name while
the old one is live, a key enrolled before, a revocation whose reason says
nothing, an analyst or auditor signing, the name taken from the .pub's
comment, another role, the name in other capitals or spacing, the old key
signing after its revocation; or it stops half way (revoked, nothing
enrolled). Every `key add` and `key revoke` is held to the session's
model of the keys (each key's name and role, the revoked ones, and the
person each key signs for: the keys enrolled under one name for one role),
and that model to `key list --json`.

It checks the contract of every command:

- exit 0 appends exactly one entry;
- exit 2 leaves the entries exactly as they were, with one line on stderr
  (`error: ...`, its hint on the same line) and no panic;
- no other exit code;
- `annotate retract` (and an annotation's `--supersedes`) does what the
  session's model of the annotations says (FORMAT §3.7a): a retraction by
  an enrolled, unrevoked key of an annotation not yet retracted, with a
  reason that says something, by an admin or the annotation's own signer
  (any key of the same person: a rotated key), is appended; one of
  another person's annotation by an analyst or auditor, of one already
  retracted, with a blank or placeholder reason, by a key the log does
  not know or has revoked, or of an id that is no annotation's, is refused
  (as one import line, a retraction the log already holds, by the same
  key, not another of the person's, with the same reason, is skipped
  instead); an annotation that supersedes a retracted one, or one of
  another claim or another person, is never appended; and one by the
  same person (under any live key of theirs) of the same claim, of an
  annotation not superseded yet, with no links and right values, is;
- `key add` and `key revoke` do what the model of the keys says (FORMAT
  §3.2, §3.3, docs/AUDIT.md "a person's new key"): signed by an enrolled,
  unrevoked admin, an enrolment of a key never enrolled, under a name no
  live key holds or reads as, and, when a revoked key holds it, given with
  --name exactly as before and for its role, is appended, as is a
  revocation of a live key, not the last admin, with a reason that says
  something; anything else is refused;
- a command signed with a key its person rotated out is refused;
- `source amend` does what the session's model of the sources says (FORMAT
  §3.5a, and the command's own refusals): an amendment by an enrolled,
  unrevoked admin of any source (a redacted one too), or analyst of a
  source that key or another key of the same person added, with at least
  one field, each a value the source
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
it, under any of their keys, that is not retracted, as if retracted
annotations were absent), after
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
--json`) counts as many amendments. At the same times `key list --json`
is held to the model of the keys, and `--mine` with one key enrolled (in
`list sources`, `list claims`, `list annotations` and `log`) gives what
the model says that key's person signed, under any of their keys; `log
--by FINGERPRINT` likewise gives the entries of that key's person.

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
        # Refusals the model foresaw, by what it judged: "annotation"
        # (retractions and supersessions), "amend", "key" (enrolments and
        # revocations), "old key" (a key rotated out, FORMAT §3.3).
        self.refused_as_expected = collections.Counter()
        self.expect_what = None
        # The model of the keys (FORMAT §3.2, §3.3, §3.7 rule 5): each
        # enrolled key's (name, role), the keys revoked, the person each
        # key signs for (the key that first held its name and role: a key
        # enrolled under a revoked key's name, byte for byte, for the same
        # role, is that person's rotated key), each .pub's comment (the
        # name `key add` takes without --name), and who each of the desk's
        # four people (admin, analyst, analyst2, auditor) signs with now
        # and signed with before: careful commands sign with `now`.
        self.enrolled, self.revoked, self.person, self.comment = {}, set(), {}, {}
        self.now = {p: p for p in ("admin", "analyst", "analyst2", "auditor")}
        self.history = {p: [p] for p in self.now}
        self.rotations = collections.Counter()  # appended, by "same name" or "new name"
        self.rotated_keys = set()  # keys a rotation enrolled
        self.rotated_signed = 0  # entries appended by them (commands and import lines)
        # of those, what acted on an earlier key's item of the same person
        self.rotated_across = collections.Counter()
        self.rot_n = 0
        self.views_checked = 0
        self.careful = False
        self.want_key = None
        self.bundles_verified = 0
        self.published_checked = 0
        self.mirrored, self.mirrored_tls = 0, 0
        self.texts = {}
        self.breaches = []
        self.fp = {}
        for k in ("admin", "analyst", "auditor", "admin2", "analyst2", "intruder"):
            self.new_key(k, k)
        for key, args in [("admin", ["init", "--origin", "t.example/random"]),
                          ("admin", ["key", "add", self.key("analyst") + ".pub", "--role",
                                     "analyst"]),
                          ("admin", ["key", "add", self.key("auditor") + ".pub", "--role",
                                     "auditor"])]:
            if self.run(key, args).returncode != 0:
                raise RuntimeError(f"claimtrail {' '.join(args)} failed")
            self.keys_changed(key, args)

    def key(self, name):
        return os.path.join(self.dir, name)

    def new_key(self, label, comment):
        """A key made by `key new` (the file `label`, its .pub's comment
        `comment`), not enrolled yet."""
        subprocess.run([self.ct, "key", "new", self.key(label), "--no-passphrase",
                        "--comment", comment], check=True, capture_output=True)
        self.fp[label] = fingerprint(self.key(label) + ".pub")
        self.comment[label] = comment
        self.person[label] = label

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
                        + ["amend"] * 2 + ["rotate"])
        if op == "rotate":
            return "rotate", None, None
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
                self.want_key = self.signing_key(self.signers[a])
            elif self.careful and self.claim_of and rng.random() < 0.6:
                # The next link of a chain, by the superseded annotation's
                # signer: mostly the newest chain's head, so that chains grow
                # long; sometimes any head, or one already superseded; and
                # now and then a head signed by a key its person has
                # rotated out since (superseded by their new key).
                heads = sorted(self.heads, key=lambda i: int(i[1:])) or sorted(self.claim_of)
                rotated = [a for a in heads if self.signing_key(self.signers[a]) != self.signers[a]]
                r = rng.random()
                a = rng.choice(rotated) if rotated and r < 0.25 else heads[-1] if r < 0.8 \
                    else rng.choice(heads) if r < 0.9 else rng.choice(sorted(self.claim_of))
                args[1] = self.claim_of[a]
                args += ["--supersedes", a]
                self.want_key = self.signing_key(self.signers[a])
            elif not self.careful and rng.random() < 0.3:
                args += ["--supersedes", self.some_id("A")]
            if rng.random() < 0.2:
                args += ["--note", pick(["n", "line\nline"], [""])]
            return "A", args, None
        if op == "retract":
            claim = self.some_id("C")
            args = ["claim", "retract", claim, "--reason", pick(["wrong"], ["", " "])]
            if self.careful and claim in self.signers and rng.random() < 0.7:
                self.want_key = self.signing_key(self.signers[claim])
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
                rotated = [a for a in live if self.signing_key(self.signers[a]) != self.signers[a]]
                a = rng.choice(rotated) if rotated and rng.random() < 0.25 \
                    else live[-1] if rng.random() < 0.5 else rng.choice(live)
                self.want_key = self.signing_key(self.signers[a]) if rng.random() < 0.75 \
                    else self.now["admin"]
            elif self.retracted_by and rng.random() < 0.3:
                a = rng.choice(sorted(self.retracted_by))
                if rng.random() < 0.5:
                    # The same key and reason again: refused as a command,
                    # skipped as an import line; or the same person's
                    # rotated key (refused both ways: docs/IMPORT.md's
                    # re-run rule asks for the same key).
                    self.want_key = self.retracted_by[a][0] if rng.random() < 0.6 \
                        else self.signing_key(self.retracted_by[a][0])
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
            # Careless ones may revoke the first admin or the analyst, by
            # the key they began with or the one they sign with now (a
            # person left with no live key until a rotation enrolls one).
            return None, ["key", "revoke", self.key(pick(
                ["admin2", self.now["analyst2"], "intruder"],
                ["admin", "analyst", self.now["admin"], self.now["analyst"]])) + ".pub",
                          "--reason", pick(["left"], [""])], None
        return None, ["checkpoint"], None

    def step(self, refusals):
        # Half the commands careful (the key whose role may sign it, values
        # that could be right), so that sessions reach deeper states.
        self.careful = self.rng.random() < 0.5
        self.want_key = None
        adds, args, stdin = self.command()
        if adds == "rotate":
            self.rotate(refusals)
            if self.rng.random() < 0.05:
                self.model_views()
            return
        # Careful commands sign with the key each person signs with now
        # (a rotated key after a rotation); careless ones with any key,
        # a person's first key (revoked, once rotated) or the one now.
        if self.want_key:
            key = self.want_key
        elif self.careful:
            analyst = self.now[self.rng.choice(["analyst"] * 3 + ["analyst2"])]
            key = {"S": analyst, "C": analyst,
                   "A": self.rng.choice([analyst, self.now["auditor"]]),
                   None: self.now["admin"]}[adds]
            if args[:2] == ["claim", "retract"]:
                key = self.rng.choice([analyst, self.now["admin"]])
        else:
            key = self.rng.choice(["admin"] + ["analyst"] * 5
                                  + ["auditor", "admin2", "analyst2", "intruder"])
            if key in self.now and self.rng.random() < 0.7:
                key = self.now[key]
        imported = (adds or args[:2] in (["claim", "retract"], ["annotate", "retract"],
                                         ["source", "amend"])) \
            and self.rng.random() < 0.25
        self.expect = self.expectation(key, args, imported)
        # Now and then a careful command signed with a key its person
        # rotated out (revoked: FORMAT §3.3, nothing newer is accepted).
        olds = self.rotated_out(key)
        if self.careful and olds and self.rng.random() < 0.15:
            key = self.rng.choice(olds)
            self.expect, self.expect_what = "refused", "old key"
            self.why = f"{key} was rotated out (revoked)"
        if imported:
            self.step_import(key, args, stdin, refusals)
        else:
            self.step_command(key, args, adds, stdin, refusals)
        if self.rng.random() < 0.05:
            self.model_views()

    def signed_by_rotated(self, key, args):
        """Counts an entry appended: signed by a key a rotation enrolled,
        and acting on what another key of the same person signed (a
        supersession, a retraction of a claim or annotation, an amendment
        of a source)."""
        if key not in self.rotated_keys:
            return
        self.rotated_signed += 1
        if args[:1] == ["annotate"] and "--supersedes" in args:
            item = args[args.index("--supersedes") + 1]
        elif args[:2] in (["annotate", "retract"], ["claim", "retract"], ["source", "amend"]):
            item = args[2].upper()
        else:
            return
        by = self.source_by.get(item) if item[:1] == "S" else self.signers.get(item)
        if by and by != key and self.same_person(by, key):
            self.rotated_across[args[0] + (" " + args[1] if args[1] in (
                "retract", "amend") else " --supersedes")] += 1

    def rotated_out(self, key):
        """The keys revoked that the person signing with `key` signed with
        before (their earlier keys under one name, or, for one of the
        desk's four people, the keys they rotated from, an admin's under
        another name included)."""
        before = [k for k in self.keys_of(key)]
        for keys in self.history.values():
            if key in keys:
                before += keys
        return sorted({k for k in before if k != key and k in self.revoked})

    def rotate(self, refusals):
        """A key rotation of one of the desk's people (docs/AUDIT.md, "Checking
        signatures with OpenSSH": a person's new key): a new key made with `key new`, then, for an
        analyst or auditor (or an admin while another admin is live), the
        old key revoked by an admin and the new one enrolled under the old
        one's name, given with --name, for its role, so that it signs for
        the same person; for an admin who is the only one, the new key
        enrolled as admin under a new name by the old, which the new one
        then revokes (another person to the log: the only way, as the
        last admin cannot be revoked). A careless rotation adds one
        misstep, each refused, before or after the careful commands: the
        new key enrolled under the name while the old key is live, a key
        enrolled before (the old one too), a revocation with a reason
        that says nothing, an analyst or auditor signing the enrolment
        or revocation, the name taken from the .pub's comment (no
        --name), another role, the name in another case; or the old key
        signing after it is revoked; or the rotation is left half done
        (revoked, nothing enrolled: the person signs nothing until a later
        rotation enrolls a key). Every command is held to the key model
        (key_expectation) and to the contract; the model follows what
        each command did."""
        rng = self.rng
        slot = rng.choice(["analyst"] * 3 + ["analyst2", "admin", "admin", "auditor"])
        old = self.now[slot]
        if old not in self.enrolled:
            return  # analyst2 is not enrolled yet
        name, role = self.enrolled[old]
        live = old not in self.revoked
        admins = [k for k in self.enrolled if self.role_now(k) == "admin"]
        others = [k for k in admins if k != old]
        self.rot_n += 1
        new = f"{slot}.r{self.rot_n}"
        pub = lambda k: self.key(k) + ".pub"
        if role != "admin" or (others and (not live or rng.random() < 0.6)):
            kind, new_name = "same name", name
            # Signed by the admin who signs careful commands, or another
            # live admin when that is the key rotated out or was revoked.
            by = self.now["admin"]
            if by == old or by not in admins:
                by = rng.choice(others) if others else by
            plan = [(by, ["key", "revoke", pub(old), "--reason", "rotated"])] if live else []
            plan.append((by, ["key", "add", pub(new), "--role", role, "--name", name]))
        else:
            kind = "new name"
            new_name = f"{self.enrolled[slot][0]} ({2026 + self.rot_n})"
            plan = [(old, ["key", "add", pub(new), "--role", "admin", "--name", new_name]),
                    (new, ["key", "revoke", pub(old), "--reason", "rotated"])]
        self.new_key(new, new_name)
        if not self.careful:
            by = plan[0][0]
            fault = rng.choice(["add first", "enrolled", "blank reason", "not admin", "comment",
                                "role", "case", "old signs", "half"])
            add = [c for c in plan if c[1][1] == "add"][0]
            if fault == "add first" and live:
                plan.insert(0, (by, ["key", "add", pub(new), "--role", role, "--name", name]))
            elif fault == "enrolled":
                again = rng.choice(sorted(self.enrolled))
                plan.insert(len(plan) - 1 if kind == "same name" else 0,
                            (by, ["key", "add", pub(again), "--role", role, "--name", new_name]))
            elif fault == "blank reason" and live:
                plan.insert(0, (by, ["key", "revoke", pub(old), "--reason",
                                     rng.choice(BAD_REASONS)]))
            elif fault == "not admin":
                plan.insert(0, (rng.choice([self.now["analyst"], self.now["auditor"]]),
                                rng.choice(plan)[1]))
            elif fault in ("comment", "role", "case"):
                wrong = {"comment": add[1][:5],
                         "role": add[1][:4] + [rng.choice([r for r in ("admin", "analyst",
                                                                        "auditor") if r != role]),
                                               "--name", new_name],
                         "case": add[1][:6] + [rng.choice([new_name.upper(), new_name.title(),
                                                           new_name.replace(" ", "  ")])]}[fault]
                plan.insert(plan.index(add), (add[0], wrong))
            elif fault == "old signs":
                plan.append((old, rng.choice([["key", "revoke", pub(new), "--reason", "rotated"],
                                              ["checkpoint"]])))
            elif fault == "half" and kind == "same name" and live:
                plan = plan[:1]
        for key, args in plan:
            self.expect = self.expectation(key, args, False)
            if args == ["checkpoint"]:
                self.expect, self.expect_what = ("refused", "old key") \
                    if self.role_now(key) != "admin" else (None, None)
                self.why = f"{key} was rotated out (revoked)"
            self.step_command(key, args, None, None, refusals)
        # Enrolled for another role (a careless `--role`, under a name of
        # its own), the new key is no rotation: the person keeps the old.
        if self.enrolled.get(new, (None, None))[1] == role:
            self.now[slot] = new
            self.history[slot].append(new)
            self.rotated_keys.add(new)
            if old in self.revoked:
                self.rotations[kind] += 1

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
            self.refused_as_expected[self.expect_what] += 1
            if args[:2] == ["source", "amend"] and self.expect_what == "amend":
                self.amend_counts["refused"] += 1
                self.amend_counts["refused: " + self.amend_why] += 1
        if r.returncode == 0 and args[:2] == ["annotate", "retract"]:
            self.retracted(args[2], key, args[4])
        if r.returncode == 0 and args[:2] == ["source", "amend"]:
            self.amended(key, args)
        if r.returncode == 0 and args[0] == "key":
            self.keys_changed(key, args)
        if r.returncode == 0 and after[0] == before[0] + 1:
            self.signed_by_rotated(key, args)
        if r.returncode == 0:
            # A redaction run again on a source already redacted signs
            # nothing and rebuilds the file (docs/GUIDE.md, "Redaction"): asked
            # again with --json, it says it appended no entry.
            again = False
            if after[0] == before[0] and args[:2] == ["source", "redact"]:
                again = '"entry": null' in self.run(key, args + ["--json"], stdin).stdout
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
            if appended:
                self.signed_by_rotated(key, args)
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
                self.refused_as_expected[self.expect_what] += 1
                if args[:2] == ["source", "amend"] and self.expect_what == "amend":
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

    def role_now(self, key):
        """The role the key signs with now, or None when the log does not
        know it or has revoked it (the model's keys, held to `key list`
        in model_views)."""
        if key in self.revoked or key not in self.enrolled:
            return None
        return self.enrolled[key][1]

    def same_person(self, a, b):
        """Whether keys a and b sign for one person (FORMAT §3.7 rule 5,
        `rules::same_person`): the same key, or keys enrolled under one
        name, byte for byte, for one role, the earlier revoked before the
        later was enrolled (which `key add` makes the only way for two
        keys to share a name)."""
        return self.person.get(a, a) == self.person.get(b, b)

    def keys_of(self, key):
        """Every key of the person that key signs for, in enrolment order."""
        return [k for k in self.enrolled if self.same_person(k, key)]

    def signing_key(self, key):
        """The key a careful command of the person who signed with `key`
        signs with now: that person's live key, if any; else the key itself
        (a person whose key was revoked and not replaced is refused)."""
        live = [k for k in self.keys_of(key) if k not in self.revoked]
        return live[-1] if live else key

    def name_of(self, key):
        """The name the key was enrolled under (views print it)."""
        return self.enrolled[key][0] if key in self.enrolled else None

    @staticmethod
    def label(path):
        """The session's name for the key file at path (its .pub, or the
        private key)."""
        base = os.path.basename(path)
        return base[:-4] if base.endswith(".pub") else base

    def keys_changed(self, key, args):
        """Remembers what an `init`, `key add` or `key revoke` that exited 0
        did: the key enrolled (its name the --name given, else its .pub's
        comment; the person it signs for, a revoked key's of the same name
        and role if there is one), or the key revoked."""
        if args[0] == "init":
            self.enrolled[key] = (self.comment[key], "admin")
        elif args[:2] == ["key", "add"]:
            new = self.label(args[2])
            name = args[args.index("--name") + 1] if "--name" in args else self.comment[new]
            role = args[args.index("--role") + 1]
            before = [k for k, nr in self.enrolled.items() if nr == (name, role)]
            self.enrolled[new] = (name, role)
            self.person[new] = self.person[before[0]] if before else new
        elif args[:2] == ["key", "revoke"]:
            self.revoked.add(self.label(args[2]))

    @staticmethod
    def reads_as(a, b):
        """Whether two names read alike as `key add` judges them, as far as
        the names this tool gives go (case and spacing aside: docs/AUDIT.md,
        "`key add` refuses a name that an enrolled key holds, or that reads
        as it")."""
        return " ".join(a.casefold().split()) == " ".join(b.casefold().split())

    def key_expectation(self, key, args):
        """What `key add` or `key revoke` must do (FORMAT §3.2, §3.3, and
        the command's own refusals, docs/AUDIT.md "a person's new key"): signed
        by an enrolled, unrevoked admin; an enrolment of a key never
        enrolled, under a name no live key holds (or reads as) and, when a
        revoked key holds it, given with --name exactly as that key's and
        for its role (a rotation); a revocation of a key enrolled and not
        revoked, not the last live admin, with a reason that says
        something."""
        self.expect_what = "key"
        if self.role_now(key) != "admin":
            self.why = f"{key} is not an enrolled, unrevoked admin"
            return "refused"
        target = self.label(args[2])
        if args[1] == "revoke":
            if target not in self.enrolled:
                self.why = f"{target} is not enrolled"
                return "refused"
            if target in self.revoked:
                self.why = f"{target} was revoked already"
                return "refused"
            if self.enrolled[target][1] == "admin" and not [
                    k for k in self.enrolled if k != target and self.role_now(k) == "admin"]:
                self.why = f"{target} is the last live admin"
                return "refused"
            reason = args[args.index("--reason") + 1]
            if says_nothing(reason):
                self.why = f"the reason {reason!r} says nothing"
                return "refused"
            self.why = "an enrolled key revoked by an admin, with a reason"
            return "appended"
        if target in self.enrolled:
            self.why = f"{target} was enrolled before (a key is enrolled at most once)"
            return "refused"
        given = "--name" in args
        name = args[args.index("--name") + 1] if given else self.comment[target]
        role = args[args.index("--role") + 1]
        if name != name.strip():
            self.why = f"the name {name!r} has white space at an end"
            return "refused"
        for k, (n, r) in self.enrolled.items():
            if not self.reads_as(n, name):
                continue
            if k not in self.revoked:
                self.why = f"the name {name!r} is held by {k}, live"
                return "refused"
            if n != name or r != role or not given:
                self.why = (f"the name {name!r} is held by {k} ({n!r}, {r}, revoked): only that "
                            f"person's new key, given --name exactly and for its role")
                return "refused"
        self.why = "a key never enrolled, under a name free or of a revoked key of its role"
        return "appended"

    def expectation(self, key, args, imported):
        """What the model says the command must do: "appended",
        "refused", "skipped" (an import line the log holds already), "not
        appended" (refused, or an import line skipped), or None (the model
        does not say); self.why says why."""
        self.why = None
        self.expect_what = "annotation"
        if args[:2] == ["source", "amend"]:
            self.expect_what = "amend"
            return self.amend_expectation(key, args, imported)
        if args[:1] == ["key"] and args[1] in ("add", "revoke"):
            return self.key_expectation(key, args)
        if args[:1] == ["annotate"] and "--supersedes" in args:
            return self.supersede_expectation(key, args, imported)
        if args[:2] != ["annotate", "retract"]:
            return None
        a, reason = args[2], args[4]
        role = self.role_now(key)
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
        if role != "admin" and not self.same_person(self.signers[a], key):
            self.why = f"{key}, an {role}, did not sign {a} ({self.signers[a]} did, another person)"
            return "refused"
        if says_nothing(reason):
            self.why = f"the reason {reason!r} says nothing"
            return "refused"
        self.why = ("an annotation not retracted, its own signer's (or a rotated key's of the "
                    "same person) or an admin's, a reason")
        return "appended"

    def supersede_expectation(self, key, args, imported):
        """What an annotation with --supersedes must do (FORMAT §3.7 rule
        5): one that supersedes a retracted annotation, or one of another
        claim or of another person (a rotated key of the same person is
        that person), is never appended; one by an enrolled, unrevoked key
        of the same person, of the same claim, not retracted, of an
        annotation nothing has superseded yet, with no links and values
        each right, is appended. Else the model does not say."""
        old = args[args.index("--supersedes") + 1]
        if old in self.retracted_by:
            self.why = f"{old} is retracted: nothing supersedes it"
            # An import line identical to an annotation of the log
            # that superseded it before its retraction is skipped.
            return "not appended" if imported else "refused"
        if old not in self.claim_of:
            return None
        if self.claim_of[old] != args[1].upper() or not self.same_person(self.signers[old], key):
            self.why = (f"{old} is {self.signers[old]}'s annotation of {self.claim_of[old]}: "
                        f"{key} on {args[1]} is not its claim and person")
            return "refused"
        c = sqlite3.connect(self.db)
        retracted = {f"C{n}" for (n,) in c.execute("SELECT claim_id FROM retractions")}
        c.close()
        value = lambda o: args[args.index(o) + 1] if o in args else None
        if self.role_now(key) is None or args[1].upper() in retracted \
                or old in self.supersedes_of.values() \
                or "--corroborates" in args or "--contradicts" in args \
                or value("--verdict") not in ("confirmed", "false", "disputed", "unverified") \
                or value("--reliability") not in (None, "A", "F") \
                or value("--credibility") not in (None, "1", "6") or value("--note") == "":
            return None
        self.why = (f"{old}'s own person ({self.signers[old]}, now {key}) on its claim, not "
                    f"superseded nor retracted")
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
            self.want_key = self.now["admin"] if rng.random() < 0.25 \
                else self.signing_key(self.source_by[s])
            given = {}
            for f in rng.sample(AMEND_FIELDS, rng.choice([1, 1, 1, 2, 2, 3])):
                given[f] = rng.choice([v for v in AMEND_GOOD[f] if v != self.meta[s][f]])
            reason = rng.choice(AMEND_REASONS)
        elif not self.careful and earlier and rng.random() < 0.25:
            s, a = rng.choice(earlier)
            self.want_key, given, reason = a[0], dict(a[1]), a[2]
            if rng.random() < 0.4:
                # By the same person's rotated key: not the re-run of an
                # entry of that key, so judged as a new amendment.
                self.want_key = self.signing_key(a[0])
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
                self.want_key = self.now["analyst2"] \
                    if not self.same_person(self.source_by[s], self.now["analyst2"]) \
                    else self.now["analyst"]
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
        role = self.role_now(key)
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
        if role == "analyst" and not self.same_person(self.source_by[s], key):
            self.why = (f"{key}, an analyst, did not add {s} ({self.source_by[s]}, another "
                        f"person, did)")
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
            mine = [(self.fp[k], self.name_of(k), r, sorted(c))
                    for k, _, r, c in self.amends.get(s, [])]
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
        """{claim: [its current annotations]}: each person's latest
        annotation of the claim that is not retracted, as if retracted
        annotations were absent; a person is every key enrolled under one
        name for one role (a rotated key: docs/AUDIT.md, "a claim shows one
        current verdict of that person's (the latest of either key's)")."""
        latest = {}
        for a in sorted(self.claim_of, key=lambda i: int(i[1:])):
            if a not in self.retracted_by:
                latest[(self.claim_of[a], self.person[self.signers[a]])] = a
        out = collections.defaultdict(list)
        for (c, _), a in latest.items():
            out[c].append(a)
        return out

    def model_keys(self):
        """The keys against the model: `key list --json` gives each key the
        model enrolled, with its name, role and whether it is revoked; and
        `--mine` of one of them (docs/GUIDE.md: "your own key, earlier keys of
        yours included") gives, in `list sources|claims|annotations` and
        `log`, exactly what the model says that person signed, under any
        of their keys."""
        def view(key, *args):
            r = subprocess.run([self.ct, "--db", self.db, "--json"]
                               + (["--key", self.key(key)] if key else []) + list(args),
                               capture_output=True, text=True)
            if r.returncode != 0:
                self.breaches.append(f"{' '.join(args)} (key {key}) exits {r.returncode}: "
                                     f"{r.stderr}")
                return None
            return json.loads(r.stdout)
        listed = view(None, "key", "list")
        if listed is None:
            return
        label = {self.fp[k]: k for k in self.fp}
        got = {label.get(k["fingerprint"], k["fingerprint"]):
               (k["name"], k["role"], k["revoked_seq"] is not None) for k in listed}
        want = {k: (n, r, k in self.revoked) for k, (n, r) in self.enrolled.items()}
        if got != want:
            self.breaches.append(f"key list: {diff(got, want)} (as (claimtrail, model))")
            return
        key = self.rng.choice(sorted(self.enrolled))
        fps = {self.fp[k] for k in self.keys_of(key)}
        order = lambda ids: sorted(ids, key=lambda i: int(i[1:]))
        for kind, made in (("sources", self.source_by), ("claims", self.signers),
                           ("annotations", self.signers)):
            mine = order(i for i, k in made.items() if i[0] == kind[0].upper()
                         and self.same_person(k, key))
            theirs = view(key, "list", kind, "--mine")
            if theirs is not None and order(v["id"] for v in theirs) != mine:
                self.breaches.append(f"list {kind} --mine with {key} (keys {self.keys_of(key)}) "
                                     f"gives {order(v['id'] for v in theirs)}, the model {mine}")
        whole = view(None, "log")
        theirs = view(key, "log", "--mine")
        if whole is not None and theirs is not None:
            mine = [l["seq"] for l in whole if l["signer"] in fps]
            if [l["seq"] for l in theirs] != mine:
                self.breaches.append(f"log --mine with {key} (keys {self.keys_of(key)}) gives "
                                     f"seqs {[l['seq'] for l in theirs]}, the model {mine}")

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
        self.model_keys()
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
                                          and got["signer_name"] == self.name_of(key)):
                self.breaches.append(f"show {a} --json: retraction {got}, the model "
                                     f"{self.retracted_by[a]}")
        status = view("status")
        if status is not None and status["status"]["annotations"]["retracted"] != \
                len(self.retracted_by):
            self.breaches.append(f"status says {status['status']['annotations']['retracted']} "
                                 f"retracted annotations, the model {len(self.retracted_by)}")

    def keep(self, where):
        """The session's directory copied to `where`, with a checkpoint kept
        in `kept.txt` (and cosigned) when the admin and auditor still may."""
        shutil.copytree(self.dir, where)
        kept = os.path.join(where, "kept.txt")
        for key, args in [(self.now["admin"], ["checkpoint", "--out", kept]),
                          (self.now["auditor"], ["checkpoint", "cosign", kept])]:
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
            r = subprocess.run([self.ct, "--db", self.db, "--key", self.key(self.now["admin"]),
                                "export",
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
        r = subprocess.run([self.ct, "--db", self.db, "--key", self.key(self.now["admin"]),
                            "checkpoint"],
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
        site's, and `verify-published` of it the report of the site (but for
        the tiles kept for earlier checkpoints: no more than the site's)."""
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
        for k in ("entries", "counts", "checkpoint_root", "problems"):
            if mine[k] != report[k]:
                self.breaches.append(f"verify-published of the mirror: {k} {mine[k]}, "
                                     f"of the site {report[k]}")
        # The site serves the partial tiles of every checkpoint the log
        # signed until their full tiles exist, those signed between two
        # publishes too; the mirror holds those of the trees it mirrored,
        # each one of the site's files (above): no more than the site.
        if mine["earlier_tiles"] > report["earlier_tiles"]:
            self.breaches.append(f"verify-published of the mirror: earlier_tiles "
                                 f"{mine['earlier_tiles']}, of the site "
                                 f"{report['earlier_tiles']}")
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
        label = {self.fp[k]: k for k in self.fp}
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
                # A key's fingerprint selects what its person signed, under
                # any of their keys (docs/GUIDE.md, `--by`: "with the other keys
                # enrolled under the same name (a rotated key's: one
                # person's work)").
                fp = self.rng.choice(signers)
                args += ["--by", fp]
                fps = {self.fp[k] for k in self.keys_of(label[fp])}
                conds.append(lambda l, f=fps: l["signer"] in f)
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
            "annotations": {"total": kinds["annotation.add"],
                            "retracted": kinds["annotation.retract"]},
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
    views = 0
    amend, foreseen, rotations = collections.Counter(), collections.Counter(), collections.Counter()
    rotated_signed, across = 0, collections.Counter()
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
        views = views + s.views_checked
        amend += s.amend_counts
        foreseen += s.refused_as_expected
        rotations += s.rotations
        rotated_signed += s.rotated_signed
        across += s.rotated_across
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
          f"{unannotated} annotations retracted, {foreseen['annotation']} annotation retractions "
          f"and supersessions (of retracted annotations, of another person's) refused as the "
          f"model expected, "
          f"views held to the model {views} times")
    print(f"source amendments: {amend['appended']} appended ({amend['imported']} as import "
          f"lines, {amend['redacted']} of a redacted source), {amend['refused']} refused and "
          f"{amend['skipped']} import lines skipped as the model expected; the sources' "
          f"metadata held to the model after each session")
    print("source amendments refused, by the model's first reason: " + ", ".join(
        f"{k[len('refused: '):]} {v}" for k, v in sorted(amend.items())
        if k.startswith("refused: ")))
    print(f"key rotations: {sum(rotations.values())} appended ({rotations['same name']} under "
          f"the same name, one person's keys; {rotations['new name']} of the only admin under "
          f"a new name), {rotated_signed} entries signed by a rotated key appended (of an "
          f"earlier key's item of the same person: "
          f"{', '.join(f'{k} {v}' for k, v in sorted(across.items())) or 'none'}), "
          f"{foreseen['old key']} commands signed by a key rotated out refused and "
          f"{foreseen['key']} key enrolments and revocations refused as the model expected")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
