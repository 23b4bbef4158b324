#!/usr/bin/env python3
"""Flips bytes of a published directory, one at a time, and runs
`claimtrail verify-published` on each altered copy. The contract: a changed
byte is never accepted (exit 0), and the check never crashes: exit 1 with a
PROBLEM line naming the check, or exit 2 with one `error:` line on stderr
(only for the checkpoint file, which may stop being a note at all). One
exception, which C2SP's signed notes make: a byte changed in a cosigner's
name or key ID turns the line into one by a key nobody knows, which a
verifier must ignore (anyone may strip or add such lines; the log's own
signature still holds). Exit 0 is then accepted only when the output names
the line as not checked.

usage: tools/tamper_published.py CLAIMTRAIL DIR [--flips N] [--seed S]
DIR is a directory `claimtrail publish` wrote; it is copied, never changed.
"""
import argparse, os, random, shutil, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("claimtrail")
ap.add_argument("dir")
ap.add_argument("--flips", type=int, default=40, help="flips per file")
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
rng = random.Random(a.seed)

files = []
for root, _, names in os.walk(a.dir):
    for n in names:
        files.append(os.path.relpath(os.path.join(root, n), a.dir))
files.sort()
runs = failed = 0
with tempfile.TemporaryDirectory() as tmp:
    work = os.path.join(tmp, "site")
    shutil.copytree(a.dir, work)
    for f in files:
        path = os.path.join(work, f)
        orig = open(path, "rb").read()
        for _ in range(a.flips):
            b = bytearray(orig)
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
            open(path, "wb").write(bytes(b))
            r = subprocess.run([a.claimtrail, "--db", os.path.join(tmp, "none.db"),
                                "verify-published", work], capture_output=True, text=True)
            runs += 1
            bad = None
            unknown = "by a key the log did not have at its size and no --vkey gives, not checked"
            if r.returncode == 0:
                if not (f == "checkpoint" and unknown in r.stdout):
                    bad = "accepted"
            elif "panicked" in r.stderr or r.returncode not in (1, 2):
                bad = f"exit {r.returncode}"
            elif r.returncode == 1 and "PROBLEM " not in r.stdout:
                bad = "exit 1 without a PROBLEM line"
            elif r.returncode == 2 and (f != "checkpoint" or len(r.stderr.splitlines()) != 1
                                        or not r.stderr.startswith("error: ")):
                bad = "exit 2 for a tile, or not one error line"
            if bad:
                failed += 1
                print(f"FAIL {f} byte {i}: {bad}\n{r.stdout}{r.stderr}", file=sys.stderr)
        open(path, "wb").write(orig)
print(f"{runs} runs over {len(files)} files, {failed} failed the contract")
sys.exit(1 if failed else 0)
