//! `publish`: the log as a C2SP tlog-tiles directory, read back by an
//! independent implementation (the `tlog_tiles` crate, cloudflare/azul's
//! port of golang.org/x/mod/sumdb/tlog): its tree hash, inclusion and
//! consistency proofs computed from the published tiles must match the
//! checkpoints, and its record hashes the entries.

use crate::common::*;
use std::path::{Path, PathBuf};
use tlog_tiles::{Hash, HashReader, Tile, TileHashReader, TileReader};

/// Reads published tiles from a directory, as a tlog-tiles client reads
/// them from a web server. `tlog_tiles` names tiles as the Go checksum
/// database does (`tile/8/<L>/…`, `tile/8/data/…`); C2SP drops the height
/// and calls data tiles `entries`.
struct Dir(PathBuf);

impl Dir {
    fn file(&self, tile: &Tile) -> PathBuf {
        let go = tile.path();
        let c2sp = go
            .replacen("tile/8/data/", "tile/entries/", 1)
            .replacen("tile/8/", "tile/", 1);
        self.0.join(c2sp)
    }

    /// The published checkpoint's size and root, as tlog_tiles parses it.
    fn checkpoint(&self) -> (u64, Hash) {
        let note = std::fs::read(self.0.join("checkpoint")).unwrap();
        let text_end = note.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
        let cp = tlog_tiles::Checkpoint::from_bytes(&note[..text_end]).unwrap();
        (cp.size(), *cp.hash())
    }

    /// The leaves of entries `0..size`, from the entry bundles.
    fn leaves(&self, size: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for n in 0..size.div_ceil(256) {
            let w = (size - n * 256).min(256) as u32;
            let bundle = std::fs::read(self.file(&Tile::new(8, 0, n, w, true))).unwrap();
            let mut rest = bundle.as_slice();
            while let Some((len, tail)) = rest.split_first_chunk::<2>() {
                let len = u16::from_be_bytes(*len) as usize;
                out.push(tail[..len].to_vec());
                rest = &tail[len..];
            }
        }
        out
    }
}

impl TileReader for Dir {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| std::fs::read(self.file(t)).map_err(|_| tlog_tiles::Error::InvalidTile))
            .collect()
    }
    fn save_tiles(&self, _: &[Tile], _: &[Vec<u8>]) {}
}

/// Checks the directory with tlog_tiles: the tree hash from the tiles is
/// the checkpoint's; every entry's record hash is the tiles' leaf, with an
/// inclusion proof to the root; and each leaf is claimtrail's entry `n`:
/// its payload's seq and kind, and its hash as `log --json` gives it.
#[track_caller]
fn check_published(w: &Work, dir: &Path) -> (u64, Hash) {
    let d = Dir(dir.to_path_buf());
    let (size, root) = d.checkpoint();
    let hr = TileHashReader::new(size, root, &d);
    assert_eq!(tlog_tiles::tree_hash(size, &hr).unwrap(), root);
    let leaves = d.leaves(size);
    assert_eq!(leaves.len() as u64, size);
    let log: serde_json::Value =
        serde_json::from_str(w.run(None, &["log", "--json"]).ok()).unwrap();
    for (n, leaf) in leaves.iter().enumerate() {
        let n = n as u64;
        let record = tlog_tiles::record_hash(leaf);
        let stored = hr
            .read_hashes(&[tlog_tiles::stored_hash_index(0, n)])
            .unwrap();
        assert_eq!(stored[0], record, "leaf {n}");
        let proof = tlog_tiles::prove_record(size, n, &hr).unwrap();
        tlog_tiles::check_record(&proof, size, root, n, record).unwrap();
        // The leaf is string(payload) || string(sig), payload first.
        let len = u32::from_be_bytes(leaf[..4].try_into().unwrap()) as usize;
        let payload: serde_json::Value = serde_json::from_slice(&leaf[4..4 + len]).unwrap();
        assert_eq!(payload["seq"], n);
        let entry = &log[n as usize];
        assert_eq!(payload["kind"], entry["kind"], "entry {n}");
        let hex: String = record.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(entry["hash"], hex, "entry {n}");
    }
    (size, root)
}

/// `publish` into `site`, which must succeed; its stdout.
fn publish(w: &Work, site: &Path) -> String {
    w.run(None, &["publish", site.to_str().unwrap()])
        .ok()
        .to_string()
}

fn files(dir: &Path) -> Vec<String> {
    dir_files(dir).into_iter().map(|(path, _)| path).collect()
}

#[test]
fn a_published_log_reads_as_a_tlog_tiles_log() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp1.txt"])
        .ok();
    let site = w.path("site");
    let text = publish(&w, &site);
    assert!(
        text.starts_with("published the tree of 7 entries (the checkpoint at entry 7, signed by "),
        "{text}"
    );
    assert!(
        text.contains("wrote 1 hash tile and 1 entry bundle"),
        "{text}"
    );
    assert_eq!(
        files(&site),
        ["checkpoint", "tile/0/000.p/7", "tile/entries/000.p/7"]
    );
    // The published checkpoint is the one the log stored and `checkpoint`
    // wrote, and verifies under the log's verifier key.
    assert_eq!(
        std::fs::read(site.join("checkpoint")).unwrap(),
        std::fs::read(w.path("cp1.txt")).unwrap()
    );
    let vkey = w.vkey();
    w.run(
        None,
        &[
            "checkpoint",
            "verify",
            site.join("checkpoint").to_str().unwrap(),
            "--vkey",
            &vkey,
        ],
    )
    .ok();
    let (old_size, old_root) = check_published(&w, &site);
    assert_eq!(old_size, 7);

    // The log grows past a full tile; published again into the same
    // directory, only the new tiles are written, the old partial ones
    // stay (a client of the old checkpoint may still ask for them), and the
    // new tree is consistent with the old one, by tlog_tiles' proof.
    w.annotations(300);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let text = publish(&w, &site);
    assert!(text.contains("published the tree of 308 entries"), "{text}");
    assert!(
        text.contains("wrote 3 hash tiles and 2 entry bundles"),
        "{text}"
    );
    assert!(
        text.contains("the directory held the tree of 7 entries (a prefix of this one): 0 tiles of these were there already"),
        "{text}"
    );
    assert_eq!(
        files(&site),
        [
            "checkpoint",
            "tile/0/000",
            "tile/0/000.p/7",
            "tile/0/001.p/52",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/000.p/7",
            "tile/entries/001.p/52",
        ]
    );
    let d = Dir(site.clone());
    let (size, root) = check_published(&w, &site);
    assert_eq!(size, 308);
    let hr = TileHashReader::new(size, root, &d);
    let proof = tlog_tiles::prove_tree(size, old_size, &hr).unwrap();
    tlog_tiles::check_tree(&proof, size, root, old_size, old_root).unwrap();
    // And claimtrail agrees that the old checkpoint is a prefix.
    w.run(None, &["verify", "--checkpoint", "cp1.txt"]).ok();

    // Again at the same size: nothing new to write.
    let text = publish(&w, &site);
    assert!(
        text.contains("wrote 0 hash tiles and 0 entry bundles"),
        "{text}"
    );
    assert!(
        text.contains("the directory held this tree already: 5 tiles left as they were"),
        "{text}"
    );
    // Once more after a few entries: the full tiles are kept, and so are
    // the partial ones of the checkpoint of 308 (its readers still fetch
    // tile/0/001.p/52, which the tree of 310 has not filled).
    w.annotations(1);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let text = publish(&w, &site);
    assert!(
        text.contains("the directory held the tree of 308 entries (a prefix of this one): 5 tiles of these were there already"),
        "{text}"
    );
    assert!(
        text.contains("\n  with the partial tiles that readers of 1 earlier checkpoint of this log still fetch (tlog-tiles serves them until their full tiles exist)\n"),
        "{text}"
    );
    check_published(&w, &site);
    // No staging directory is left behind.
    assert!(!files(&site).iter().any(|f| f.contains(".claimtrail")));

    // Files damaged since (a bundle emptied, a bit flipped in a tile): kept
    // unread, every monitor failed the site and no publish mended it. Now
    // they are written again, and said so.
    std::fs::write(site.join("tile/entries/000"), b"").unwrap();
    let tile = site.join("tile/0/000");
    let mut b = std::fs::read(&tile).unwrap();
    b[7] ^= 1;
    std::fs::write(&tile, b).unwrap();
    let r = w.run(None, &["publish", site.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "warning: 2 files in {} no longer held what an earlier publish wrote, and were written again: tile/entries/000, tile/0/000\n",
            site.display()
        )
    );
    assert!(
        r.stdout.contains("wrote 1 hash tile and 1 entry bundle"),
        "{}",
        r.stdout
    );
    check_published(&w, &site);

    // The partial tiles of the 7-entry checkpoint, kept beside their full
    // tiles, damaged since: publish said nothing and every monitor failed
    // the site. They are removed (tlog-tiles lets a log delete a partial
    // tile once its full tile is served), and said so.
    let partial = site.join("tile/0/000.p/7");
    let mut b = std::fs::read(&partial).unwrap();
    b[3] ^= 1;
    std::fs::write(&partial, b).unwrap();
    std::fs::write(site.join("tile/entries/000.p/7"), b"cut").unwrap();
    let r = w.run(None, &["publish", site.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!(
            "warning: 2 partial tiles in {} no longer held the start of their full tile, and were removed (a reader of an earlier checkpoint takes the full tile): ",
            site.display()
        )) && r.stderr.contains("tile/0/000.p/7")
            && r.stderr.contains("tile/entries/000.p/7"),
        "{}",
        r.stderr
    );
    assert!(!partial.exists() && !site.join("tile/entries/000.p/7").exists());
    check_published(&w, &site);
    // Whole, they are left as they are.
    let r = w.run(None, &["publish", site.to_str().unwrap()]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));

    // A link inside the directory (someone else's write access to a web
    // root): every tile was written where it led, outside the directory.
    let elsewhere = w.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let linked = w.path("linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(&elsewhere, linked.join("tile")).unwrap();
    w.run(None, &["publish", linked.to_str().unwrap()]).error(&format!(
        "{}/tile is a symbolic link: publish and mirror write only files and directories of their own in {} (hint: remove it",
        linked.display(),
        linked.display()
    ));
    assert!(files(&elsewhere).is_empty() && !linked.join("checkpoint").exists());
}

#[test]
fn publish_refuses_what_it_cannot_publish_and_writes_nothing() {
    let w = Work::with_claims();
    let site = w.path("site");
    let s = site.to_str().unwrap();
    // No checkpoint yet.
    w.run(None, &["publish", s])
        .error("the log has no checkpoint yet: there is no signed tree to publish");
    assert!(!site.exists());
    w.run(Some("admin"), &["checkpoint"]).ok();

    // A file, not a directory.
    std::fs::write(w.path("afile"), "x").unwrap();
    w.run(None, &["publish", w.path("afile").to_str().unwrap()])
        .error("afile is a file, not a directory");

    // A directory that holds something else.
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "hello").unwrap();
    w.run(None, &["publish", s])
        .error("is not empty and holds no published checkpoint");
    assert_eq!(files(&site), ["index.html"]);
    std::fs::remove_file(site.join("index.html")).unwrap();

    // Tiles with no checkpoint (a publish interrupted before its
    // checkpoint, or another log's tiles with theirs deleted: a full tile
    // of a larger tree among them, which the tree of 7 entries does not
    // write, was kept, and every monitor failed the site): moved aside,
    // said so, and the tree written.
    std::fs::create_dir_all(site.join("tile/0/000.p")).unwrap();
    std::fs::write(site.join("tile/0/000.p/7"), "garbage").unwrap();
    std::fs::write(site.join("tile/0/001"), [0u8; 32 * 256]).unwrap();
    let r = w.run(None, &["publish", s]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "note: {site} held tile/ but no checkpoint, so no publish of this log: its files were moved aside to {site}/.claimtrail-publish-stray (look, then delete it)\n",
            site = site.display()
        )
    );
    assert!(site.join(".claimtrail-publish-stray/0/001").is_file());
    check_published(&w, &site);
    // Its checkpoint damaged: the hint says how to go on in it (it said
    // to publish into "the one this log was published to", which it is).
    std::fs::write(site.join("checkpoint"), "test.example/idlib\n7\n").unwrap();
    w.run(None, &["publish", s]).error(&format!(
        "error: {s}/checkpoint: signed note has no blank line separating its text from the signature lines (hint: if it is damaged, move it out of the directory (`mv {s}/checkpoint {s}.checkpoint.damaged`) and run the command again: the tiles beside it are then set aside and written anew; or publish into a new or empty directory, or the one this log was published to)"
    ));
    std::fs::rename(site.join("checkpoint"), format!("{s}.checkpoint.damaged")).unwrap();
    let r = w.run(None, &["publish", s]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(".claimtrail-publish-stray-2"),
        "{}",
        r.stderr
    );
    check_published(&w, &site);
    std::fs::remove_dir_all(&site).unwrap();

    // Another log's directory; another log of the same origin (another
    // admin key).
    let other = another_log("other.example/log");
    other.run(None, &["publish", s]).ok();
    let before = files(&site);
    w.run(None, &["publish", s])
        .error("a checkpoint of another log (`other.example/log`, not `test.example/idlib`)");
    assert_eq!(files(&site), before);
    std::fs::remove_dir_all(&site).unwrap();
    let namesake = Work::with_team();
    namesake.run(Some("admin"), &["checkpoint"]).ok();
    namesake.run(None, &["publish", s]).ok();
    w.run(None, &["publish", s])
        .error("checkpoint: not signed by an admin of this log");
    std::fs::remove_dir_all(&site).unwrap();

    // A published tree that this log does not extend: a copy of the log
    // that went another way (same origin, same admin) published first.
    let fork = w.path("fork.db");
    let f = fork.to_str().unwrap();
    w.run(None, &["backup", f]).ok();
    for verdict in ["false", "misleading", "disputed"] {
        w.run(
            Some("analyst"),
            &["--db", f, "annotate", "C1", "--verdict", verdict],
        )
        .ok();
    }
    w.run(Some("admin"), &["--db", f, "checkpoint"]).ok();
    w.run(None, &["--db", f, "publish", s]).ok();
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "confirmed"],
    )
    .ok();
    for _ in 0..3 {
        w.run(
            Some("analyst"),
            &["annotate", "C1", "--verdict", "unverified"],
        )
        .ok();
    }
    w.run(Some("admin"), &["checkpoint"]).ok();
    let before: Vec<Vec<u8>> = files(&site)
        .iter()
        .map(|f| std::fs::read(site.join(f)).unwrap())
        .collect();
    w.run(None, &["publish", s])
        .error("holds a tree of 11 entries that is not this log's first 11");
    let after: Vec<Vec<u8>> = files(&site)
        .iter()
        .map(|f| std::fs::read(site.join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
    // The fork's directory is ahead of an older copy of the log too.
    std::fs::remove_dir_all(&site).unwrap();
    w.run(None, &["publish", s]).ok();
    w.run(None, &["--db", f, "publish", s])
        .error("holds a tree of 12 entries, more than this log's latest checkpoint (11)");

    // An entry too long for an entry bundle: named, and --no-entries
    // publishes the hash tiles.
    let long = "x".repeat(70_000);
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "disputed", "--note", &long],
    )
    .ok();
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", s]).error("entry 13 is 70,");
    let text = w
        .run(None, &["publish", s, "--no-entries"])
        .ok()
        .to_string();
    assert!(text.contains("(no entries: --no-entries)"), "{text}");
    // The same for scripts: `with_entries`, as verify-published names it,
    // and the log's origin.
    let j: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "publish", s, "--no-entries"]).ok()).unwrap();
    assert_eq!(
        (&j["with_entries"], &j["size"], j["origin"].is_string()),
        (&serde_json::json!(false), &serde_json::json!(14), true),
        "{j}"
    );
    assert!(files(&site).contains(&"tile/0/000.p/14".to_string()));
    assert!(!files(&site)
        .iter()
        .any(|f| f.starts_with("tile/entries/000.p/14")));
}

/// Publish checks what it publishes: a stored hash that is not its
/// entry's, or a checkpoint row edited in the file, is refused, naming
/// the entry, and nothing is written.
#[test]
fn publish_refuses_a_tampered_log() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    let s = site.to_str().unwrap();
    let clean = w.db_bytes();

    w.sql("UPDATE entries SET hash = randomblob(32) WHERE seq = 3");
    w.run(None, &["publish", s])
        .error("entry 3: its stored hash is not the hash of its payload and signature");
    assert!(!site.exists());

    w.restore(&clean);
    w.sql(
        "UPDATE checkpoints SET note = replace(note, 'test.example/idlib', 'test.example/idlic')",
    );
    w.run(None, &["publish", s])
        .error("the checkpoint stored at entry 7 does not verify as this log's");
    assert!(!site.exists());

    w.restore(&clean);
    w.sql("DELETE FROM entries WHERE seq = 2");
    w.run(None, &["publish", s]).error("entry 2 is missing");
    assert!(!site.exists());

    w.restore(&clean);
    w.run(None, &["publish", s]).ok();
}

/// An auditor's cosigned copy of a checkpoint is published as it is, its
/// cosignature checked first; a copy that is not one of the log's
/// checkpoints, or whose cosignature does not verify, is refused.
#[test]
fn a_cosigned_checkpoint_is_published_with_its_cosignature() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.run(
        Some("auditor"),
        &["checkpoint", "cosign", "cp.txt", "--out", "cosigned.txt"],
    )
    .ok();
    let site = w.path("site");
    let s = site.to_str().unwrap();
    let cosigned = w.path("cosigned.txt");
    let c = cosigned.to_str().unwrap();

    // Tampered cosignature: the auditor is enrolled, so it must verify.
    let good = std::fs::read(&cosigned).unwrap();
    let mut bad = good.clone();
    let at = bad.len() - 6;
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(w.path("bad.txt"), &bad).unwrap();
    w.run(None, &["publish", s, "--checkpoint", "bad.txt"])
        .error("the checkpoint given does not verify");
    assert!(!site.exists());
    std::fs::write(w.path("junk.txt"), "not a note\n").unwrap();
    w.run(None, &["publish", s, "--checkpoint", "junk.txt"])
        .error("the checkpoint given is not a signed note");
    // The auditor revoked since it cosigned: its key is still one the log
    // had at the checkpoint's size, so its failing line is still refused
    // (verify-published judges it so; it was taken for a witness's).
    w.run(None, &["backup", "revoked.db"]).ok();
    let auditor = w.path("auditor.pub");
    w.run(
        Some("admin"),
        &[
            "--db",
            "revoked.db",
            "key",
            "revoke",
            auditor.to_str().unwrap(),
            "--reason",
            "left the desk",
        ],
    )
    .ok();
    w.run(
        None,
        &[
            "--db",
            "revoked.db",
            "publish",
            "site2",
            "--checkpoint",
            "bad.txt",
        ],
    )
    .error("the checkpoint given does not verify (signature by auditor+");
    assert!(!w.path("site2").exists());

    let text = w
        .run(None, &["publish", s, "--checkpoint", c])
        .ok()
        .to_string();
    assert!(
        text.contains("(the checkpoint at entry 7, signed by admin at ")
            && text.contains(", with 1 cosignature) to "),
        "{text}"
    );
    assert_eq!(std::fs::read(site.join("checkpoint")).unwrap(), good);
    let vkeys: Vec<String> = w
        .run(None, &["key", "vkey"])
        .ok()
        .lines()
        .map(str::to_string)
        .collect();
    let mut args = vec!["checkpoint", "verify", "site/checkpoint"];
    for k in &vkeys {
        args.extend(["--vkey", k]);
    }
    let verified = w.run(None, &args).ok().to_string();
    assert_eq!(vkeys.len(), 2, "{vkeys:?}");
    assert!(verified.contains("auditor"), "{verified}");
    check_published(&w, &site);

    // A checkpoint of a tree this log did not store one of: a copy of the
    // log that went on, with the same admin.
    let fork = w.path("fork.db");
    let f = fork.to_str().unwrap();
    w.run(None, &["backup", f]).ok();
    w.run(
        Some("analyst"),
        &["--db", f, "annotate", "C1", "--verdict", "false"],
    )
    .ok();
    w.run(
        Some("admin"),
        &["--db", f, "checkpoint", "--out", "fork.txt"],
    )
    .ok();
    w.run(None, &["publish", s, "--checkpoint", "fork.txt"])
        .error("commits to 9 entries, a tree this log stored no checkpoint of");
    // Of a tree of the same size as one this log stored, but another one.
    w.run(Some("analyst"), &["annotate", "C2", "--verdict", "false"])
        .ok();
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", s, "--checkpoint", "fork.txt"])
        .error("has another root than the one this log stored for its first 9 entries");
    assert_eq!(std::fs::read(site.join("checkpoint")).unwrap(), good);
    // The latest published, then an older one given: the site would go
    // back, and the log is fine (it said "the log may have been rolled back").
    w.run(None, &["publish", s]).ok();
    w.run(None, &["publish", s, "--checkpoint", c]).error(&format!(
        "{}/checkpoint holds a tree of 9 entries, newer than the checkpoint given (7): publishing it would roll the directory back (hint: give the log's latest checkpoint (or none, which publishes it), or publish into a new directory)",
        s
    ));
}

/// What the checkpoint does not cover is not published, and publish says
/// so: a desk must not take its latest entries (a redaction, a retraction)
/// as public. The checkpoint's own entry is not counted, as in `status`.
#[test]
fn publish_names_the_entries_it_leaves_out() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp1.txt"])
        .ok();
    let site = w.path("site");
    let text = publish(&w, &site);
    assert!(!text.contains("not published"), "{text}");
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "unverified"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "unverified"],
    )
    .ok();
    let text = publish(&w, &site);
    assert!(
        text.starts_with("published the tree of 7 entries (the checkpoint at entry 7, "),
        "{text}"
    );
    assert!(
        text.contains("\n  not published: the 2 entries after the checkpoint (an admin's `claimtrail checkpoint` signs a checkpoint of them; then publish again)\n"),
        "{text}"
    );
    w.run(Some("admin"), &["checkpoint"]).ok();
    let text = publish(&w, &site);
    assert!(text.contains("published the tree of 10 entries"), "{text}");
    assert!(!text.contains("not published"), "{text}");
    // An older checkpoint given: the log's latest covers the rest, and
    // that is what is said (it said to sign one).
    let older = w.path("site2");
    let r = w.run(
        None,
        &[
            "publish",
            older.to_str().unwrap(),
            "--checkpoint",
            "cp1.txt",
        ],
    );
    assert!(
        r.ok().contains("\n  not published: the 3 entries after the checkpoint given (the log's latest checkpoint, at entry 10, covers 10 entries: publish without --checkpoint, or with its cosigned file)\n"),
        "{}",
        r.stdout
    );
}

/// Two publishes into one directory: the second stops at once and says
/// so. (Both ran to the end before, and a slower publish of an older tree
/// could put its checkpoint back over a newer one: a rollback for every
/// monitor.) The lock is an `flock` on the directory itself, held here as
/// a running publish holds it.
#[test]
fn a_second_publish_into_one_directory_stops() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    publish(&w, &site);
    let held = std::fs::File::open(&site).unwrap();
    held.lock().unwrap();
    let before = dir_files(&site);
    w.run(None, &["publish", site.to_str().unwrap()]).error(&format!(
        "another claimtrail publish or mirror is writing into {} (hint: run this one again once it has finished (readers of the directory see the old tree or the new one meanwhile, and `verify-published` waits for it))",
        site.display()
    ));
    assert_eq!(dir_files(&site), before);
    drop(held);
    publish(&w, &site);
}

/// A checkpoint whose signer's key was revoked since is published with a
/// warning: `key vkey` no longer lists the key, so a monitor given the
/// log's current keys refuses the directory (it was published silently).
#[test]
fn publishing_a_checkpoint_of_a_revoked_admin_warns() {
    let w = Work::with_claims();
    w.second_admin("Night editor");
    w.run(Some("admin2"), &["checkpoint"]).ok();
    w.run(
        Some("admin"),
        &["key", "revoke", "admin2.pub", "--reason", "left the desk"],
    )
    .ok();
    let site = w.path("site");
    let r = w.run(None, &["publish", site.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("signed by Night editor at "),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.starts_with(
            "warning: Night editor's key, which signed this checkpoint, was revoked at entry "
        ),
        "{}",
        r.stderr
    );
}

/// A line of an auditor enrolled after a checkpoint's size (which
/// `cosign` no longer writes, but another tool, or claimtrail before
/// 2026-12-05, did) that does not verify is refused by publish as a line
/// of any key the log holds: judged only by the keys live at the size, it
/// was kept as a witness's and published.
#[test]
fn a_failing_line_of_an_auditor_enrolled_since_is_not_published() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    w.key("wit");
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "wit.pub",
            "--role",
            "auditor",
            "--name",
            "Witness desk",
        ],
    )
    .ok();
    w.run(Some("wit"), &["checkpoint", "cosign", "cp.txt"])
        .error("error: your key was enrolled at entry 8, after this checkpoint's 7 entries");
    // The line written as such a tool writes it: a C2SP cosignature.
    let wit = claimtrail::keys::Signer::load(&w.path("wit")).unwrap();
    let text = std::fs::read(w.path("cp.txt")).unwrap();
    let mut note = claimtrail::checkpoint::SignedNote::parse(&text).unwrap();
    let now = 1_780_000_000;
    let message = claimtrail::checkpoint::cosignature_message(note.text(), now);
    note.add_cosigned(
        "Witness_desk",
        &wit.verifying_key(),
        now,
        &wit.sign_raw(&message).unwrap(),
    )
    .unwrap();
    std::fs::write(w.path("cp.txt"), note.to_string()).unwrap();
    let good = std::fs::read_to_string(w.path("cp.txt")).unwrap();
    let last = good.trim_end().lines().last().unwrap().to_string();
    assert!(last.starts_with("\u{2014} Witness_desk "), "{good}");
    let at = last.len() - 10;
    let swap = if &last[at..at + 1] == "A" { "B" } else { "A" };
    let bad = good.replace(&last, &format!("{}{swap}{}", &last[..at], &last[at + 1..]));
    std::fs::write(w.path("bad.txt"), bad).unwrap();
    w.run(None, &["publish", "site", "--checkpoint", "bad.txt"])
        .error("the checkpoint given does not verify (signature by Witness_desk+");
    assert!(!w.path("site").exists());
    let text = w
        .run(None, &["publish", "site", "--checkpoint", "cp.txt"])
        .ok()
        .to_string();
    assert!(text.contains(", with 1 cosignature) to "), "{text}");
}

/// Checkpoints signed between two publishes, across a tile's edge (254 to
/// 259 entries, each `checkpoint --out` handed to an auditor): tlog-tiles
/// says a log MUST serve the partial tiles of every tree size it produced
/// a checkpoint for, until the full tile exists. Publish wrote only the
/// latest tree's, and a client holding the checkpoint of 257 entries got
/// a 404 on `tile/0/001.p/1`. Now each is there, byte for byte what a
/// publish at that checkpoint writes, and a tlog client holding any of
/// them reads its tree from the directory.
#[test]
fn the_partial_tiles_of_earlier_checkpoints_are_published() {
    let w = Work::with_claims();
    w.annotations(247);
    let sizes = 254..=259u64;
    for n in sizes.clone() {
        w.run(
            Some("admin"),
            &["checkpoint", "--out", &format!("cp{n}.txt")],
        )
        .ok();
    }
    let site = w.path("site");
    let text = publish(&w, &site);
    assert!(
        text.starts_with("published the tree of 259 entries (the checkpoint at entry 259, "),
        "{text}"
    );
    // Those of 254 and 255 were in tile/0/000.p/…: the full tile is
    // there, which the spec lets a log serve instead. 256 needs the
    // level-1 tile the tree has too.
    assert!(
        text.contains("\n  with the partial tiles that readers of 3 earlier checkpoints of this log still fetch (tlog-tiles serves them until their full tiles exist)\n"),
        "{text}"
    );
    assert!(
        text.contains("wrote 5 hash tiles and 4 entry bundles"),
        "{text}"
    );
    assert_eq!(
        files(&site),
        [
            "checkpoint",
            "tile/0/000",
            "tile/0/001.p/1",
            "tile/0/001.p/2",
            "tile/0/001.p/3",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/001.p/1",
            "tile/entries/001.p/2",
            "tile/entries/001.p/3",
        ]
    );
    let d = Dir(site.clone());
    for n in sizes.clone() {
        let cp = w.path(&format!("cp{n}.txt"));
        // What a publish at that checkpoint writes is there, but for the
        // partial tiles whose full tile is.
        let alone = w.path(&format!("site{n}"));
        w.run(
            None,
            &[
                "publish",
                alone.to_str().unwrap(),
                "--checkpoint",
                cp.to_str().unwrap(),
            ],
        )
        .ok();
        let here: std::collections::BTreeMap<String, Vec<u8>> =
            dir_files(&site).into_iter().collect();
        for (path, bytes) in dir_files(&alone) {
            if path == "checkpoint" {
                continue;
            }
            match here.get(&path) {
                Some(b) => assert_eq!(b, &bytes, "{path} of {n}"),
                None => {
                    let full = path.split(".p/").next().unwrap();
                    assert!(
                        path.contains(".p/") && here.contains_key(full),
                        "{path}, which readers of {n} need, is not in site"
                    );
                }
            }
        }
        // A tlog client holding it reads its tree from the directory
        // (one of 254 or 255 entries reads the full tile instead, as the
        // spec has it; tlog_tiles asks for the partial one).
        let note = std::fs::read(&cp).unwrap();
        let text_end = note.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
        let c = tlog_tiles::Checkpoint::from_bytes(&note[..text_end]).unwrap();
        if n > 256 {
            let hr = TileHashReader::new(c.size(), *c.hash(), &d);
            assert_eq!(tlog_tiles::tree_hash(c.size(), &hr).unwrap(), *c.hash());
            assert_eq!(d.leaves(n).len() as u64, n);
        }
        w.run(
            None,
            &[
                "--db",
                "no-such.db",
                "verify-published",
                site.to_str().unwrap(),
                "--checkpoint",
                cp.to_str().unwrap(),
            ],
        )
        .ok();
    }
    check_published(&w, &site);

    // A directory published before publish wrote them gets them from the
    // next publish, of the same tree.
    for gone in ["tile/0/001.p/1", "tile/entries/001.p/2"] {
        std::fs::remove_file(site.join(gone)).unwrap();
    }
    let text = publish(&w, &site);
    assert!(
        text.contains("wrote 1 hash tile and 1 entry bundle"),
        "{text}"
    );
    assert!(
        text.contains("the directory held this tree already: 7 tiles left as they were"),
        "{text}"
    );
    assert_eq!(files(&site).len(), 10);
}

/// A directory where a tile file goes (made by hand, or by another tool):
/// said to be in the way, to be moved aside, not "check that the
/// directory exists".
#[test]
fn a_directory_in_place_of_a_tile_is_said_to_be_in_the_way() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    publish(&w, &site);
    let tiles: Vec<String> = files(&site)
        .into_iter()
        .filter(|f| f.starts_with("tile/0/"))
        .collect();
    let tile = site.join(&tiles[0]);
    std::fs::remove_file(&tile).unwrap();
    std::fs::create_dir(&tile).unwrap();
    let r = w.run(None, &["publish", site.to_str().unwrap()]);
    r.error(&format!(
        "error: cannot write {}: it is a directory (hint: a directory stands where the file goes: move {} aside (keep it if it may be evidence), then run the command again)",
        tile.display(),
        tile.display()
    ));
    assert!(tile.is_dir());
    // A move refused halfway leaves a mark, which `verify-published`
    // reads as a publish stopped there ("run it again"); the publish that
    // gets through removes it.
    let mark = site.join(".claimtrail-publish-placing");
    assert!(mark.is_file());
    std::fs::remove_dir(&tile).unwrap();
    publish(&w, &site);
    assert!(!mark.exists());
}
