//! `claimtrail bench`: the cost of claimtrail, measured on this machine
//! against this machine's own limits.
//!
//! It builds a realistic log in a temporary directory (sources with their
//! texts, claims quoting them, and mostly annotations, some linking or
//! superseding), then times each step a user runs — verify, inclusion and
//! consistency proofs, a report and a bundle when the build has them, one
//! `annotate` — and, in the same run, the raw rates the steps are bounded
//! by: Ed25519 signing on one core, single and batch verification on all
//! cores, SHA-256, SQLite bulk inserts and point reads. Each step's rate is
//! given as a ratio of its limit, so a figure means the same on a faster
//! machine. Heavy steps run as child processes of the current executable,
//! so their peak memory (max RSS) is theirs alone.
//!
//! What it does not measure: cold-cache disk reads (the log was just
//! written, so it is in the page cache), or logs with many keys or large
//! source texts (the bench has two keys and texts of a few KB).

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::keys::Signer;
use crate::log::{self, NewEntry};
use crate::model::*;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The log's origin in the bench.
pub const ORIGIN: &str = "bench.example/log";
/// The database's file name inside the bench directory.
pub const DB_FILE: &str = "bench.db";
/// Entries appended per transaction when building the log.
pub const BATCH: usize = crate::import::DEFAULT_BATCH_SIZE;
/// Runs of the interactive commands (median taken).
pub const RUNS: usize = 20;
/// Proofs made per kind.
pub const PROOFS: usize = 1000;
/// Report, bundle and annotate runs are stopped after this long (they are
/// other features' code; a slow one must not hold the bench up forever).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// Everything one bench run measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bench {
    /// The command that produced these figures.
    pub command: String,
    pub machine: Machine,
    /// Entries in the built log (before the annotate runs).
    pub entries: u64,
    pub counts: Counts,
    /// Raw rates of this machine, measured in this run.
    pub limits: Vec<Limit>,
    pub steps: Vec<Step>,
    pub database: DbSize,
    /// Wall time of one `claimtrail annotate` (spawn to exit).
    pub annotate: Timing,
    /// Wall time of one `git commit -S` with an SSH key, for comparison.
    pub git_commit: Option<Timing>,
    /// Why something was not measured.
    pub notes: Vec<String>,
    /// The share of the machine's CPU time stolen by the hypervisor over
    /// the whole run ([`Steal`]); `None` where it cannot be read.
    #[serde(default)]
    pub stolen: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
}

/// What the built log holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Counts {
    pub keys: u64,
    pub sources: u64,
    pub claims: u64,
    pub annotations: u64,
    pub checkpoints: u64,
}

/// A raw rate: `rate` `unit`s per second.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Limit {
    pub name: String,
    pub rate: f64,
    pub unit: String,
}

impl Limit {
    /// The same limit measured again as `rate`, named `name`.
    fn again(&self, name: String, rate: f64) -> Limit {
        Limit {
            name,
            rate,
            unit: self.unit.clone(),
        }
    }

    /// The mean of this measure and `other`, taken on the other side of a
    /// step: on this shared machine one measure moved by 10–16 % from run
    /// to run, and the step's ratio with it.
    fn mean_with(&self, other: &Limit, name: String) -> Limit {
        self.again(name, (self.rate + other.rate) / 2.0)
    }

    /// A note when this measure and `other` (on either side of `step`,
    /// whose rate is `rate`) differ by more than [`LIMIT_DRIFT`] of their
    /// mean: the step's ratio against the mean is then only one point of
    /// the range it spans against either measure, and the reader should
    /// know how wide that range is. `None` when they agree that closely.
    fn drift_note(&self, other: &Limit, step: &str, rate: f64) -> Option<String> {
        if !(self.rate > 0.0 && other.rate > 0.0) {
            return None;
        }
        let mean = (self.rate + other.rate) / 2.0;
        let drift = (self.rate - other.rate).abs() / mean;
        if drift <= LIMIT_DRIFT {
            return None;
        }
        let (low, high) = (self.rate.min(other.rate), self.rate.max(other.rate));
        Some(format!(
            "{step}'s limit moved {:.0} % during the run ({} and {} {}/s): its ratio is {:.2} against their mean, {:.2}–{:.2} against either",
            drift * 100.0,
            crate::text::thousands(self.rate),
            crate::text::thousands(other.rate),
            self.unit,
            rate / mean,
            rate / high,
            rate / low,
        ))
    }
}

/// How far apart (as a share of their mean) the two measures of a limit
/// taken on either side of a step may be before the bench says so: runs on
/// these shared machines have seen them 13–24 % apart.
const LIMIT_DRIFT: f64 = 0.10;

/// One step: `count` `unit`s in `seconds`, and how that compares with the
/// raw limit named `limit` (`ratio` = rate ÷ limit rate).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub count: u64,
    pub unit: String,
    pub seconds: f64,
    pub rate: f64,
    /// Peak resident memory of the child process that ran the step
    /// (bytes; see `wait_child` for how it is measured).
    pub peak_rss: Option<u64>,
    pub limit: Option<String>,
    pub limit_rate: Option<f64>,
    pub ratio: Option<f64>,
    pub target: Option<String>,
    /// The share of the machine's CPU time stolen by the hypervisor while
    /// the step ran ([`Steal`]); `None` where it was not measured.
    #[serde(default)]
    pub stolen: Option<f64>,
    /// CPU time (user and system, all threads) the step took, where it ran
    /// in a process of its own: over `seconds`, how many cores it kept
    /// busy. A step that cannot keep every core busy has idle time to
    /// gain; one that does is bound by its CPU work. `None` where it was
    /// not measured apart (steps run inside the bench's own process).
    #[serde(default)]
    pub cpu_seconds: Option<f64>,
}

/// The database's size against the bytes it must hold.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DbSize {
    /// The SQLite file (after a WAL checkpoint).
    pub file_bytes: u64,
    /// Sum of `length(payload) + length(sig)` over the entries.
    pub payload_sig_bytes: u64,
    /// Sum of the stored source texts.
    pub text_bytes: u64,
    pub file_per_entry: f64,
    pub payload_sig_per_entry: f64,
    /// (file − texts) ÷ (payload + signature): the overhead of the tables,
    /// indexes and tree on top of the entries themselves. Target ≤ 2.
    pub ratio: f64,
}

/// Wall times of repeated runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timing {
    pub runs: usize,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub target_ms: Option<f64>,
    /// CPU time stolen by the hypervisor during the runs ([`Steal`]).
    #[serde(default)]
    pub stolen: Option<f64>,
}

impl Timing {
    fn of(mut ms: Vec<f64>, target_ms: Option<f64>) -> Timing {
        ms.sort_by(f64::total_cmp);
        let median = if ms.is_empty() {
            0.0
        } else if ms.len() % 2 == 1 {
            ms[ms.len() / 2]
        } else {
            (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
        };
        Timing {
            runs: ms.len(),
            median_ms: median,
            min_ms: ms.first().copied().unwrap_or(0.0),
            max_ms: ms.last().copied().unwrap_or(0.0),
            target_ms,
            stolen: None,
        }
    }
}

/// What building the log produced (printed as JSON by the child process).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Built {
    pub db: PathBuf,
    pub admin_key: PathBuf,
    pub analyst_key: PathBuf,
    pub entries: u64,
    pub counts: Counts,
    pub seconds: f64,
    /// The build process's CPU time (user and system) during the import.
    #[serde(default)]
    pub cpu_seconds: Option<f64>,
}

/// Times of the proof step (printed as JSON by the child process).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofTimes {
    pub size: u64,
    pub inclusion: u64,
    pub inclusion_seconds: f64,
    pub consistency: u64,
    pub consistency_seconds: f64,
    /// Node reads of the largest proof at this size (⌈log₂ size⌉).
    pub reads_per_proof: u64,
}

// ---------------------------------------------------------------------------
// Synthetic but realistic content.

/// SplitMix64: the bench's data only need to be varied and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &[
    "the",
    "council",
    "said",
    "on",
    "Tuesday",
    "that",
    "water",
    "supplies",
    "in",
    "the",
    "district",
    "had",
    "been",
    "restored",
    "after",
    "three",
    "days",
    "of",
    "outages",
    "residents",
    "reported",
    "long",
    "queues",
    "at",
    "distribution",
    "points",
    "while",
    "officials",
    "blamed",
    "a",
    "damaged",
    "pipeline",
    "near",
    "the",
    "river",
    "crossing",
    "hospital",
    "staff",
    "described",
    "conditions",
    "as",
    "difficult",
    "but",
    "stable",
    "according",
    "to",
    "figures",
    "released",
    "by",
    "the",
    "ministry",
    "at",
    "least",
    "forty",
    "families",
    "were",
    "moved",
    "to",
    "temporary",
    "shelters",
    "aid",
    "agencies",
    "warned",
    "that",
    "prices",
    "for",
    "fuel",
    "and",
    "bread",
    "rose",
    "sharply",
    "last",
    "week",
    "the",
    "mayor's",
    "office",
    "denied",
    "any",
    "delay",
    "café",
    "owners",
    "near",
    "the",
    "square",
    "closed",
    "early",
    "witnesses",
    "said",
    "—",
    "a",
    "claim",
    "that",
    "could",
    "not",
    "be",
    "independently",
    "verified",
];

const SPEAKERS: &[&str] = &[
    "the health ministry",
    "Dr Amira Saleh, director of the regional hospital",
    "a police spokesperson",
    "UNICEF's regional office",
    "Mayor Tomás Ibáñez",
    "a resident who asked not to be named",
    "the water authority",
    "Jean-Luc Brémond, an aid coordinator",
    "the interior ministry",
    "a local council member",
];

/// A sentence of `n` words from `rng`, capitalised, without the stop.
fn sentence(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        let word: &&str = rng.pick(WORDS);
        s.push_str(word);
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

/// A quoted statement in an article: its byte span and who said it.
type Quote = (usize, usize, &'static str);

/// An article of a few KB, unique by `n`, and its quoted statements (at
/// least four).
fn article(rng: &mut Rng, n: u64) -> (String, Vec<Quote>) {
    let words = 6 + rng.below(5) as usize;
    let mut text = format!("Report {n}: {}\n\n", sentence(rng, words));
    let mut quotes = Vec::new();
    let paragraphs = 4 + rng.below(3);
    for p in 0..paragraphs {
        let sentences = 3 + rng.below(4);
        for s in 0..sentences {
            let words = 10 + rng.below(16) as usize;
            if s == 1 || (p == 0 && s == 2) || rng.chance(15) {
                let speaker = *rng.pick(SPEAKERS);
                text.push('“');
                let start = text.len();
                text.push_str(&sentence(rng, words));
                quotes.push((start, text.len(), speaker));
                text.push_str(",” said ");
                text.push_str(speaker);
                text.push_str(". ");
            } else {
                text.push_str(&sentence(rng, words));
                text.push_str(". ");
            }
        }
        text.push_str("\n\n");
    }
    (text, quotes)
}

fn note(rng: &mut Rng) -> Option<String> {
    if !rng.chance(50) {
        return None;
    }
    let words = 6 + rng.below(30) as usize;
    Some(format!("{}.", sentence(rng, words)))
}

// ---------------------------------------------------------------------------
// Building the log.

/// Builds a log of exactly `entries` entries (at least 4) in `dir` the way
/// a documentation project would: an admin and an analyst key
/// (unencrypted files `admin`, `analyst`), then a JSON Lines file of
/// stories -- one source, four claims quoting it and twenty annotations
/// (four on each claim, one on an older claim, sometimes superseding the
/// analyst's earlier annotation; one in ten links another claim) -- fed to
/// [`crate::import::import`] in transactions of [`BATCH`] entries, and a
/// final admin checkpoint. `progress(done, total)` follows the import.
pub fn build_log(dir: &Path, entries: u64, progress: &mut dyn FnMut(u64, u64)) -> Result<Built> {
    use std::io::Write;
    let entries = entries.max(4);
    let db = dir.join(DB_FILE);
    let admin = Signer::generate("bench-admin")?;
    let analyst = Signer::generate("bench-analyst")?;
    let admin_key = dir.join("admin");
    let analyst_key = dir.join("analyst");
    admin.write(&admin_key, None)?;
    analyst.write(&analyst_key, None)?;
    log::init(&db, &admin, ORIGIN, "Bench Admin")?;
    let mut store = Store::open(&db)?;
    log::append(
        &mut store,
        &admin,
        NewEntry::new(Body::KeyAdd(KeyAdd {
            key: analyst.public().to_openssh(),
            name: "Bench Analyst".into(),
            role: Role::Analyst,
        })),
    )?;
    // The lines: everything but log.init, key.add and the final checkpoint.
    let lines = entries - 3;
    let jsonl = dir.join("bench.jsonl");
    let io = |e: std::io::Error| Error::Io {
        path: jsonl.clone(),
        reason: crate::keys::io_reason(&e),
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&jsonl).map_err(io)?);
    let mut rng = Rng(0x636c_6169_6d74_7261);
    let mut written = 0u64;
    let mut claims: Vec<String> = Vec::new();
    let mut last_annotation: std::collections::HashMap<String, String> = Default::default();
    let mut n = 0u64;
    let mut emit = |line: serde_json::Value, written: &mut u64| -> Result<bool> {
        if *written >= lines {
            return Ok(false);
        }
        serde_json::to_writer(&mut out, &line).map_err(|e| Error::Internal(e.to_string()))?;
        out.write_all(b"\n").map_err(io)?;
        *written += 1;
        Ok(true)
    };
    'stories: while written < lines {
        n += 1;
        let (text, quotes) = article(&mut rng, n);
        let source = serde_json::json!({
            "type": "source", "label": format!("s{n}"), "text": text,
            "kind": rng.pick(SourceKind::ALL).as_str(),
            "title": format!("Report {n}"),
            "publisher": *rng.pick(&["Reuters", "AFP", "Al-Monitor", "local radio"]),
            "url": format!("https://news.example/report/{n}"),
            "published": "2026-11-20",
        });
        if !emit(source, &mut written)? {
            break;
        }
        let mut story = Vec::new();
        for (j, &(start, end, speaker)) in quotes.iter().take(4).enumerate() {
            let label = format!("c{n}_{j}");
            let claim = serde_json::json!({
                "type": "claim", "label": label, "source": format!("@s{n}"),
                "span": format!("{start}..{end}"), "speaker": speaker,
                "provenance": rng.pick(SourceKind::ALL).as_str(),
                "text": rng.chance(30).then(|| format!("{}.", sentence(&mut rng, 8))),
            });
            if !emit(claim, &mut written)? {
                break 'stories;
            }
            story.push(label);
        }
        claims.extend(story.iter().cloned());
        for (i, target) in story
            .iter()
            .flat_map(|c| std::iter::repeat_n(c.clone(), 4))
            .chain(std::iter::once(rng.pick(&claims).clone()))
            .enumerate()
        {
            let label = format!("a{n}_{i}");
            let mut links = Vec::new();
            if rng.chance(10) && claims.len() > 1 {
                let other = rng.pick(&claims).clone();
                if other != target {
                    links.push(format!("@{other}"));
                }
            }
            let contradict = rng.chance(40);
            let supersedes = (i == 16 && rng.chance(50))
                .then(|| last_annotation.get(&target).map(|a| format!("@{a}")))
                .flatten();
            let annotation = serde_json::json!({
                "type": "annotation", "label": label, "claim": format!("@{target}"),
                "verdict": rng.pick(Verdict::ALL).as_str(),
                "reliability": rng.chance(70).then(|| rng.pick(Reliability::ALL).as_str()),
                "credibility": rng.chance(70).then(|| 1 + rng.below(6)),
                "note": note(&mut rng),
                "corroborates": if contradict { vec![] } else { links.clone() },
                "contradicts": if contradict { links } else { vec![] },
                "supersedes": supersedes,
            });
            if !emit(annotation, &mut written)? {
                break 'stories;
            }
            last_annotation.insert(target, label);
        }
    }
    // Written to disk before the clock starts: otherwise the kernel flushes
    // the 360 MB of a 1,000,000-entry input while the import runs, and the
    // import step pays for the bench's own file (about 3 s measured).
    out.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    let start = Instant::now();
    let cpu_before = process_cpu_seconds();
    let file = std::fs::File::open(&jsonl).map_err(io)?;
    let opts = crate::import::Options {
        batch_size: BATCH,
        base_dir: dir.to_path_buf(),
        input_bytes: Some(file.metadata().map_err(io)?.len()),
        ..Default::default()
    };
    let total = entries;
    let summary = crate::import::import(&mut store, &analyst, Box::new(file), &opts, &mut |p| {
        progress(2 + p.appended, total)
    })?;
    log::checkpoint(&mut store, &admin, |_, _| Ok(()))?;
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    drop(store);
    let a = summary.appended;
    Ok(Built {
        db,
        admin_key,
        analyst_key,
        entries: 3 + a.total(),
        counts: Counts {
            keys: 2,
            sources: a.sources,
            claims: a.claims,
            annotations: a.annotations,
            checkpoints: 1,
        },
        seconds,
        cpu_seconds,
    })
}

/// This process's CPU time so far, user and system, all its threads.
fn process_cpu_seconds() -> Option<f64> {
    // SAFETY: rusage is plain old data; getrusage writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes only into `usage`, valid for the call.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    (r == 0).then(|| rusage_seconds(&usage))
}

fn rusage_seconds(u: &libc::rusage) -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

// ---------------------------------------------------------------------------
// Proofs.

/// Makes [`PROOFS`] inclusion proofs (random leaves) and as many
/// consistency proofs (random older sizes) at the log's current size, and
/// checks each against the root, timing only the making.
pub fn proofs(db: &Path) -> Result<ProofTimes> {
    use crate::merkle::{verify_consistency, verify_inclusion, LeafIndex, TreeSize};
    let store = Store::open(db)?;
    let conn = store.conn();
    let size = crate::tree::size(conn)?;
    let root = crate::tree::root(conn, size)?;
    let mut rng = Rng(7);
    let bad = |what: &str| Error::Internal(format!("bench: a {what} proof did not verify"));
    let mut inclusion = Duration::ZERO;
    let mut consistency = Duration::ZERO;
    let (mut n_inc, mut n_con) = (0u64, 0u64);
    for _ in 0..PROOFS {
        if size.0 == 0 {
            break;
        }
        let index = LeafIndex(rng.below(size.0));
        let t = Instant::now();
        let proof = crate::tree::inclusion_proof(conn, index, size)?;
        inclusion += t.elapsed();
        n_inc += 1;
        let (payload, sig) = crate::query::entry_bytes(conn, index.0)?;
        let leaf = crate::entry::entry_hash(&payload, &sig);
        verify_inclusion(&leaf, index, size, &proof, &root).map_err(|_| bad("inclusion"))?;
        let old = TreeSize(1 + rng.below(size.0));
        let t = Instant::now();
        let proof = crate::tree::consistency_proof(conn, old, size)?;
        let old_root = crate::tree::root(conn, old)?;
        consistency += t.elapsed();
        n_con += 1;
        verify_consistency(old, size, &old_root, &root, &proof).map_err(|_| bad("consistency"))?;
    }
    Ok(ProofTimes {
        size: size.0,
        inclusion: n_inc,
        inclusion_seconds: inclusion.as_secs_f64(),
        consistency: n_con,
        consistency_seconds: consistency.as_secs_f64(),
        reads_per_proof: 64 - size.0.saturating_sub(1).leading_zeros() as u64,
    })
}

// ---------------------------------------------------------------------------
// Raw limits.

/// Runs `f` (which does `n` units of work) until `min` has passed; returns
/// units per second.
fn rate(min: Duration, mut f: impl FnMut() -> u64) -> f64 {
    let start = Instant::now();
    let mut units = 0u64;
    loop {
        units += f();
        let t = start.elapsed();
        if t >= min {
            return units as f64 / t.as_secs_f64();
        }
    }
}

/// Signatures over SSHSIG signed data of a typical payload, by a few keys.
fn signatures(
    n: usize,
) -> (
    Vec<ed25519_dalek::VerifyingKey>,
    Vec<ed25519_dalek::Signature>,
    Vec<Vec<u8>>,
) {
    use ed25519_dalek::Signer as _;
    let keys: Vec<ed25519_dalek::SigningKey> = (1..=4u8)
        .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i; 32]))
        .collect();
    let msgs: Vec<Vec<u8>> = (0..n)
        .map(|i| crate::keys::signed_data(format!("{{\"payload\":{i}}}").as_bytes()))
        .collect();
    let sigs = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| keys[i % keys.len()].sign(m))
        .collect();
    let vks = (0..n)
        .map(|i| keys[i % keys.len()].verifying_key())
        .collect();
    (vks, sigs, msgs)
}

/// The name of the limit that verify is measured against.
const BATCH_VERIFY: &str = "Ed25519 verify, batch, all cores";

/// The name of the limit that import is measured against.
const SIGN: &str = "Ed25519 sign, 1 core";

/// Ed25519 signatures per second on one core, over the signed data of an
/// SSHSIG (what the import's signing thread signs).
fn sign_rate(min: Duration) -> f64 {
    use ed25519_dalek::Signer as _;
    let sk = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let msg = crate::keys::signed_data(b"{\"a typical payload\":1}");
    rate(min, || {
        for _ in 0..256 {
            std::hint::black_box(sk.sign(std::hint::black_box(&msg)));
        }
        256
    })
}

/// Signatures per second through `verify_batch` in groups of
/// [`crate::sigcheck::GROUP`], the groups spread over all cores.
fn batch_verify_rate(min: Duration) -> f64 {
    use rayon::prelude::*;
    let (vks, sigs, msgs) = signatures(8 * crate::sigcheck::GROUP);
    let n = msgs.len() as u64;
    let refs: Vec<&[u8]> = msgs.iter().map(|m| m.as_slice()).collect();
    let g = crate::sigcheck::GROUP;
    rate(min, || {
        let ok = (0..msgs.len().div_ceil(g)).into_par_iter().all(|c| {
            let r = c * g..((c + 1) * g).min(msgs.len());
            ed25519_dalek::verify_batch(&refs[r.clone()], &sigs[r.clone()], &vks[r]).is_ok()
        });
        std::hint::black_box(ok);
        n
    })
}

/// The raw limits that do not need the built log.
pub fn raw_limits(dir: &Path, min: Duration) -> Result<Vec<Limit>> {
    use rayon::prelude::*;
    let mut out = Vec::new();
    let mut push = |name: &str, rate: f64, unit: &str| {
        out.push(Limit {
            name: name.into(),
            rate,
            unit: unit.into(),
        })
    };
    push(SIGN, sign_rate(min), "signatures");
    let (vks, sigs, msgs) = signatures(8 * crate::sigcheck::GROUP);
    let n = msgs.len() as u64;
    push(
        "Ed25519 verify, single, all cores",
        rate(min, || {
            let ok = (0..msgs.len())
                .into_par_iter()
                .all(|i| vks[i].verify_strict(&msgs[i], &sigs[i]).is_ok());
            std::hint::black_box(ok);
            n
        }),
        "signatures",
    );
    push(BATCH_VERIFY, batch_verify_rate(min), "signatures");
    let data = vec![0x5au8; 1 << 20];
    push(
        "SHA-256, 1 core",
        rate(min, || {
            for piece in data.chunks(4096) {
                std::hint::black_box(Hash::sha256(piece));
            }
            1
        }),
        "MiB",
    );
    push(
        "SQLite bulk insert, 1 core",
        sqlite_insert_rate(dir, min)?,
        "rows",
    );
    Ok(out)
}

/// Rows of entry size (a 700-byte payload, a 150-byte signature and a
/// unique 32-byte hash) inserted per second in large transactions, with
/// the store's settings (page size, WAL, synchronous=FULL).
fn sqlite_insert_rate(dir: &Path, min: Duration) -> Result<f64> {
    let path = dir.join("raw-insert.db");
    let conn = rusqlite::Connection::open(&path)?;
    conn.execute_batch(&format!(
        "PRAGMA page_size = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL, sig BLOB NOT NULL, hash BLOB NOT NULL UNIQUE);",
        crate::store::PAGE_SIZE
    ))?;
    let payload = vec![b'x'; 700];
    let sig = vec![7u8; 150];
    let mut seq = 0i64;
    let r = rate(min, || {
        let mut run = || -> rusqlite::Result<()> {
            let tx = conn.unchecked_transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO t (seq, payload, sig, hash) VALUES (?, ?, ?, ?)",
                )?;
                for _ in 0..10_000 {
                    let hash = Hash::sha256(&seq.to_le_bytes());
                    stmt.execute(rusqlite::params![seq, payload, sig, &hash.0[..]])?;
                    seq += 1;
                }
            }
            tx.commit()
        };
        if run().is_ok() {
            10_000
        } else {
            0
        }
    });
    drop(conn);
    for p in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{p}", path.display()));
    }
    if seq == 0 {
        return Err(Error::Internal("bench: SQLite inserts failed".into()));
    }
    Ok(r)
}

/// Entries of the built log that [`signature_path_rate`] checks.
pub const SIGNATURE_PATH_ENTRIES: u64 = 200_000;

/// Entries per second through the part of verify that no entry can skip
/// and that comes before any other check: reading its payload and
/// signature from SQLite, decoding the SSHSIG, hashing the payload (the
/// SSHSIG signed data holds its SHA-512) and the batch check under
/// [`crate::sigcheck`]'s rule, on all cores, with the reading overlapped
/// as verify overlaps it; over the first `max` entries of the log at `db`.
///
/// Verify does all of this and everything else DESIGN asks of an entry
/// (canonical form, chain, entry hash, authorization, rules, references,
/// projections, tree). So this rate ÷ the batch rate is as far as verify
/// could get with every other check free, and verify's rate ÷ this one is
/// what those checks cost. It is not a faster verify: it proves only that
/// the signatures are valid for *some* key, not the enrolled one.
pub fn signature_path_rate(db: &Path, max: u64) -> Result<f64> {
    use crate::sigcheck::{self, Item, KeyCache};
    use rayon::prelude::*;
    type Chunk = Vec<(Vec<u8>, Vec<u8>)>;
    let check = |group: &[(Vec<u8>, Vec<u8>)]| -> usize {
        let mut keys = KeyCache::default();
        let parsed: Vec<_> = group
            .iter()
            .filter_map(|(payload, sig)| {
                let parts = sigcheck::parse_sshsig(sig).ok()?;
                let key = keys.get(&parts.key_bytes)?;
                Some((key, parts.signature, sigcheck::signed_data(payload)))
            })
            .collect();
        let items: Vec<Item> = parsed
            .iter()
            .map(|(key, signature, msg)| Item {
                key,
                signature,
                msg,
            })
            .collect();
        let bad = sigcheck::verify_many(&items);
        group.len() - parsed.len() + bad.iter().filter(|r| r.is_err()).count()
    };
    let start = Instant::now();
    let (entries, bad) = std::thread::scope(|scope| -> Result<(u64, usize)> {
        let (tx, chunks) = std::sync::mpsc::sync_channel::<Chunk>(4);
        let reader = scope.spawn(move || -> Result<()> {
            let store = Store::open(db)?;
            let mut stmt = store
                .conn()
                .prepare("SELECT payload, sig FROM entries ORDER BY seq LIMIT ?")?;
            let mut rows = stmt.query([max.min(i64::MAX as u64) as i64])?;
            let mut chunk = Chunk::with_capacity(crate::verify::CHUNK);
            while let Some(row) = rows.next()? {
                chunk.push((row.get(0)?, row.get(1)?));
                if chunk.len() == crate::verify::CHUNK {
                    let full =
                        std::mem::replace(&mut chunk, Chunk::with_capacity(crate::verify::CHUNK));
                    if tx.send(full).is_err() {
                        return Ok(());
                    }
                }
            }
            let _ = tx.send(chunk);
            Ok(())
        });
        // Chunks are taken by whichever core is free (`par_bridge`), as
        // verify keeps several chunks in flight: waiting for each chunk's
        // last group before starting the next left a core idle.
        let (entries, bad) = chunks
            .into_iter()
            .par_bridge()
            .map(|chunk| {
                let bad = chunk
                    .par_chunks(crate::sigcheck::GROUP)
                    .map(check)
                    .sum::<usize>();
                (chunk.len() as u64, bad)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        reader
            .join()
            .map_err(|_| Error::Internal("bench: the reading thread panicked".into()))??;
        Ok((entries, bad))
    })?;
    let seconds = start.elapsed().as_secs_f64();
    if bad > 0 || entries == 0 {
        return Err(Error::Internal(format!(
            "bench: {bad} of the built log's first {entries} signatures do not verify"
        )));
    }
    Ok(entries as f64 / seconds)
}

/// Random tree-node reads by primary key from the built log, per second:
/// the operation proofs are made of.
pub fn sqlite_read_rate(db: &Path, min: Duration) -> Result<f64> {
    let store = Store::open(db)?;
    let conn = store.conn();
    let size = crate::tree::size(conn)?.0.max(2);
    let mut rng = Rng(11);
    let mut stmt = conn.prepare("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")?;
    Ok(rate(min, || {
        for _ in 0..1000 {
            let level = 1 + rng.below(8) as u32;
            let idx = rng.below((size >> level).max(1)) as i64;
            let _ = std::hint::black_box(
                stmt.query_row(rusqlite::params![level, idx], |r| r.get::<_, Vec<u8>>(0)),
            );
        }
        1000
    }))
}

// ---------------------------------------------------------------------------
// Child processes.

/// A finished child process.
pub struct ChildRun {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub seconds: f64,
    /// Peak resident memory (bytes), if it could be sampled.
    pub max_rss: Option<u64>,
    /// CPU time stolen by the hypervisor while it ran ([`Steal`]).
    pub stolen: Option<f64>,
    /// The child's CPU time, user and system (`wait4`'s usage: unlike its
    /// peak memory, not carried over from before `exec`).
    pub cpu_seconds: f64,
}

/// The hypervisor's "steal" counter (`/proc/stat`, all CPUs): time this
/// virtual machine's CPUs were ready to run but the host ran something
/// else. A step that ran under steal is slower for reasons that are not
/// claimtrail's, and its ratio to a limit measured at another moment is
/// off by as much, so the bench reports the share of CPU time stolen during
/// each step and the whole run, to tell such a run from a regression. On
/// 2026-12-01, 20 `annotate` runs took a median 13.2 ms and then 26.5 ms
/// on a million-entry log, with 30 % and 42 % of the CPU time stolen,
/// where runs of that day without steal took 4.6–8.1 ms. It does not
/// measure other contention (a noisy neighbour's cache or memory traffic).
#[derive(Clone, Copy, Debug)]
pub struct Steal {
    ticks: u64,
    at: Instant,
}

impl Steal {
    /// The counter now; `None` where there is no `/proc/stat` (not Linux).
    pub fn now() -> Option<Steal> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        // cpu user nice system idle iowait irq softirq steal …
        let all = stat.lines().next()?.strip_prefix("cpu ")?;
        let ticks = all.split_whitespace().nth(7)?.parse().ok()?;
        Some(Steal {
            ticks,
            at: Instant::now(),
        })
    }

    /// The share of all cores' time since `self` that was stolen (0 to 1).
    pub fn share_since(self) -> Option<f64> {
        let now = Steal::now()?;
        // SAFETY: sysconf reads a constant of the system; no memory is touched.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let seconds = now.at.duration_since(self.at).as_secs_f64() * cores() as f64;
        (hz > 0 && seconds > 0.0).then(|| {
            let stolen = now.ticks.saturating_sub(self.ticks) as f64 / hz as f64;
            (stolen / seconds).min(1.0)
        })
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `cmd` to completion, capturing stdout (and stderr unless
/// `show_stderr`), and returns its wall time and peak memory. A child
/// still running after `timeout` is killed (exit code -1).
pub fn run_child(
    cmd: &mut Command,
    show_stderr: bool,
    timeout: Option<Duration>,
) -> Result<ChildRun> {
    use std::io::Read;
    let what = format!("{:?}", cmd.get_program());
    let io = |e: std::io::Error| Error::Io {
        path: PathBuf::from(&what),
        reason: e.to_string(),
    };
    let steal = Steal::now();
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if show_stderr {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .spawn()
        .map_err(io)?;
    let _interrupted = crate::interrupt::stop_on_interrupt(child.id());
    let readers = [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .map(|pipe| {
        pipe.map(|mut p| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = p.read_to_end(&mut buf);
                buf
            })
        })
    });
    let (code, max_rss, cpu_seconds) = wait_child(child.id(), timeout).map_err(io)?;
    let seconds = start.elapsed().as_secs_f64();
    let stolen = steal.and_then(Steal::share_since);
    let [stdout, stderr] = readers.map(|r| r.and_then(|h| h.join().ok()).unwrap_or_default());
    Ok(ChildRun {
        code,
        stdout,
        stderr,
        seconds,
        max_rss,
        stolen,
        cpu_seconds,
    })
}

/// Waits for child `pid` and returns its exit code (-1 if killed by a
/// signal), its peak resident memory in bytes and its CPU time.
///
/// The peak is the child's `VmHWM` (/proc/PID/status), sampled while it
/// runs: `wait4`'s `ru_maxrss` would not do, because Linux carries the RSS
/// high-water mark of the pre-`exec` process — a copy of this one — into
/// the child's. `VmHWM` never decreases, so the figure is the peak unless
/// memory grew in the last sample period of the child's life. Samples come
/// every 2 ms for the first second (steps of a few milliseconds), then
/// every 20 ms: each read of the file costs about 20 µs of CPU,
/// taken from the two cores the step being measured runs on.
///
/// With a timeout, a watchdog kills the child when it expires. The exit is
/// first observed without reaping (`waitid` with `WNOWAIT`), so the pid is
/// still this child's whenever the watchdog or the sampler use it.
fn wait_child(pid: u32, timeout: Option<Duration>) -> std::io::Result<(i32, Option<u64>, f64)> {
    use std::sync::{Arc, Condvar, Mutex};
    let pid = pid as libc::pid_t;
    let exited = Arc::new((Mutex::new(false), Condvar::new()));
    let watchdog = timeout.map(|limit| {
        let exited = exited.clone();
        std::thread::spawn(move || {
            let (lock, cvar) = &*exited;
            let Ok(guard) = lock.lock() else { return };
            let Ok((guard, _)) = cvar.wait_timeout_while(guard, limit, |done| !*done) else {
                return;
            };
            if !*guard {
                // SAFETY: a plain syscall; `pid` is our child, not yet
                // reaped (the waiter takes this lock before reaping).
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        })
    });
    let sampler = {
        let exited = exited.clone();
        std::thread::spawn(move || {
            let status = format!("/proc/{pid}/status");
            let started = std::time::Instant::now();
            let mut peak: Option<u64> = None;
            let (lock, cvar) = &*exited;
            loop {
                if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("VmHWM:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                }) {
                    peak = Some(peak.unwrap_or(0).max(kb * 1024));
                }
                let Ok(guard) = lock.lock() else { break };
                let period = if started.elapsed() < Duration::from_secs(1) {
                    Duration::from_millis(2)
                } else {
                    Duration::from_millis(20)
                };
                match cvar.wait_timeout(guard, period) {
                    Ok((done, _)) if !*done => {}
                    _ => break,
                }
            }
            peak
        })
    };
    loop {
        // SAFETY: siginfo_t is plain old data; waitid writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer for the call; WNOWAIT leaves the child
        // waitable (a zombie), so its pid stays ours.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    {
        let (lock, cvar) = &*exited;
        if let Ok(mut done) = lock.lock() {
            *done = true;
        }
        cvar.notify_all();
    }
    if let Some(w) = watchdog {
        let _ = w.join();
    }
    let peak = sampler.join().ok().flatten();
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 writes only to `status` and `usage`, valid for the
        // call; `pid` is our own unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r >= 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((code, peak, rusage_seconds(&usage)))
}

/// The current executable, with the environment a bench child needs.
fn exe_command(exe: &Path, db: &Path) -> Command {
    let mut c = Command::new(exe);
    c.env("CLAIMTRAIL_DB", db)
        .env_remove("CLAIMTRAIL_KEY")
        .env_remove("CLAIMTRAIL_PASSPHRASE")
        .env_remove("CLAIMTRAIL_NOW")
        .env("NO_COLOR", "1");
    c
}

/// A step run in a child process that failed. A full disk is the
/// machine's, not a bug (it said "internal error", and carried the child's
/// hint to run an import again that the user never ran); anything else is
/// the bench's own failure, said with the child's error and not its hint,
/// which was for a user's own command.
fn child_failed(what: &str, run: &ChildRun) -> Error {
    let stderr = String::from_utf8_lossy(&run.stderr);
    let said = stderr.trim();
    if [
        "database or disk is full",
        "No space left on device",
        "disk is full",
    ]
    .iter()
    .any(|full| said.contains(full))
    {
        return Error::invalid(
            format!(
                "bench: {what} stopped: the disk that holds {} is full",
                std::env::temp_dir().display()
            ),
            "make room there, give fewer --entries, or set TMPDIR to a directory on a larger disk (the bench removed its files)",
        );
    }
    let said = said.strip_prefix("error: ").unwrap_or(said);
    let said = said.rfind(" (hint: ").map_or(said, |at| &said[..at]);
    Error::Internal(format!("bench: {what} exited with {}: {said}", run.code))
}

/// Whether the executable knows `command` (features land at different
/// times; the bench measures what this build has).
fn has_command(exe: &Path, command: &str) -> bool {
    Command::new(exe)
        .args(["help", command])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------
// The whole bench.

/// What to run.
pub struct Options {
    pub entries: u64,
    /// The claimtrail executable to run steps with (the current one).
    pub exe: PathBuf,
    /// Let children draw their progress on this terminal.
    pub show_progress: bool,
    /// Minimum time of each raw-limit measurement.
    pub min_time: Duration,
}

fn step(name: &str, count: u64, unit: &str, seconds: f64, peak_rss: Option<u64>) -> Step {
    Step {
        name: name.into(),
        count,
        unit: unit.into(),
        seconds,
        rate: if seconds > 0.0 {
            count as f64 / seconds
        } else {
            0.0
        },
        peak_rss,
        limit: None,
        limit_rate: None,
        ratio: None,
        target: None,
        stolen: None,
        cpu_seconds: None,
    }
}

impl Step {
    /// With the share of CPU time stolen while it ran ([`Steal`]).
    fn under(mut self, stolen: Option<f64>) -> Step {
        self.stolen = stolen;
        self
    }

    /// With the CPU time its process took.
    fn cpu(mut self, seconds: Option<f64>) -> Step {
        self.cpu_seconds = seconds;
        self
    }

    fn against(mut self, limit: &Limit, per_unit: f64, target: Option<&str>) -> Step {
        let limit_rate = limit.rate / per_unit;
        self.limit = Some(if per_unit == 1.0 {
            limit.name.clone()
        } else {
            format!("{} ÷ {per_unit}", limit.name)
        });
        self.limit_rate = Some(limit_rate);
        self.ratio = (limit_rate > 0.0).then(|| self.rate / limit_rate);
        self.target = target.map(str::to_string);
        self
    }
}

/// The step a child `claimtrail bench` runs in its own process (`build`,
/// `proofs`), so that its memory is measured apart from the parent's.
pub const CHILD_STEP_ENV: &str = "CLAIMTRAIL_BENCH_STEP";
/// The bench directory of a child step.
pub const CHILD_DIR_ENV: &str = "CLAIMTRAIL_BENCH_DIR";

/// The disk a bench of `entries` entries takes at its peak: the log, its
/// -wal, the JSON Lines it imports, the published tiles and the limits'
/// scratch files. Measured (2026-12-07, `du -sb` every half second of a
/// run): 204 MB at 20,000 entries, 322 MB at 60,000, so about 3 KB an
/// entry and 145 MB besides; with a margin.
fn bench_bytes(entries: u64) -> u64 {
    BENCH_FIXED_BYTES + entries.saturating_mul(BENCH_ENTRY_BYTES)
}

/// [`bench_bytes`]'s two figures: besides the entries, and an entry.
const BENCH_FIXED_BYTES: u64 = 200_000_000;
const BENCH_ENTRY_BYTES: u64 = 3_300;

/// Refuses a bench the temporary directory's disk cannot hold, before it
/// writes anything: `--entries 99999999999` filled a 27 GB disk and then
/// ended as "internal error … a bug".
fn room_for(dir: &Path, entries: u64) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return Ok(());
    };
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: statvfs(3) fills the struct this function owns.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Ok(());
    }
    let free = (st.f_bavail as u64).saturating_mul(st.f_frsize as u64);
    let need = bench_bytes(entries);
    if need <= free {
        return Ok(());
    }
    let gb = |b: u64| format!("{:.1} GB", b as f64 / 1e9);
    let fits = free.saturating_sub(BENCH_FIXED_BYTES) / BENCH_ENTRY_BYTES;
    Err(Error::invalid(
        format!(
            "a bench of {} needs about {} of disk in {}, which has {} free",
            crate::text::count(entries, "entry"),
            gb(need),
            dir.parent().unwrap_or(dir).display(),
            gb(free)
        ),
        match fits {
            0..=2 => "make room there, or set TMPDIR to a directory on a larger disk".to_string(),
            n => format!(
                "give --entries {n} or fewer, make room there, or set TMPDIR to a directory on a larger disk"
            ),
        },
    ))
}

/// Runs the whole bench in a fresh temporary directory (removed after).
/// `say` gets a line before each step, for a progress display.
pub fn run(opts: &Options, say: &mut dyn FnMut(&str)) -> Result<Bench> {
    let tmp = tempfile::Builder::new()
        .prefix("claimtrail-bench-")
        .tempdir()
        .map_err(|e| Error::Io {
            path: std::env::temp_dir(),
            reason: e.to_string(),
        })?;
    let dir = tmp.path();
    room_for(dir, opts.entries)?;
    // Ctrl-C part-way would leave a log of up to a few GB in the
    // temporary directory.
    let _interrupted =
        crate::interrupt::remove_on_interrupt(dir, crate::interrupt::Leftover::Directory);
    let _held = crate::interrupt::hold_dir(dir);
    let mut notes = Vec::new();
    // What a bench killed (kill -9) left there: a log of a few GB each.
    let left = crate::interrupt::sweep(
        &std::env::temp_dir(),
        "claimtrail-bench-",
        "",
        crate::interrupt::Leftover::Directory,
    );
    if !left.is_empty() {
        let names: Vec<String> = left.iter().map(|p| p.display().to_string()).collect();
        notes.push(format!(
            "removed {} that a killed bench left: {}",
            crate::text::count(left.len() as u64, "directory"),
            names.join(", ")
        ));
    }
    let whole_run = Steal::now();

    // One core's signing rate on either side of the import, as verify's
    // batch rate on either side of verify (see `Limit::mean_with`).
    say("raw limits (signing, before the import)");
    let sign_before = sign_rate(opts.min_time);
    say(&format!("building a log of {} entries", opts.entries));
    let run = run_child(
        Command::new(&opts.exe)
            .args(["bench", "--entries"])
            .arg(opts.entries.to_string())
            .env(CHILD_STEP_ENV, "build")
            .env(CHILD_DIR_ENV, dir),
        opts.show_progress,
        None,
    )?;
    if run.code != 0 {
        return Err(child_failed("building the log", &run));
    }
    let built: Built = serde_json::from_slice(&run.stdout)
        .map_err(|e| Error::Internal(format!("bench: the build step's output: {e}")))?;
    // The raw limits, measured now, just before the steps they bound (the
    // machine may be shared: measuring them next to verify keeps the ratio
    // honest if the load changes during the build).
    say("raw limits");
    let mut limits = raw_limits(dir, opts.min_time)?;
    let find = |limits: &[Limit], name: &str| limits.iter().find(|l| l.name == name).cloned();

    let mut steps = Vec::new();
    if let Some(i) = limits.iter().position(|l| l.name == SIGN) {
        let before = limits[i].again(format!("{SIGN}, before import"), sign_before);
        let sign = limits[i].mean_with(&before, format!("{SIGN}, mean before and after import"));
        let import = step(
            &format!("import (JSONL, transactions of up to {BATCH} entries)"),
            built.entries,
            "entries",
            built.seconds,
            run.max_rss,
        )
        .against(&sign, 1.0, Some("≥ 0.5 and ≥ 20,000 entries/s"))
        .under(run.stolen)
        .cpu(built.cpu_seconds);
        notes.extend(before.drift_note(&limits[i], "import", import.rate));
        limits.insert(i + 1, before);
        steps.push(import);
    }

    // The batch rate around verify, the limit of verify-published too.
    let mut batch_around = None;
    say("verify");
    let run = run_child(
        exe_command(&opts.exe, &built.db).args(["verify", "--json"]),
        false,
        None,
    )?;
    let report: serde_json::Value =
        serde_json::from_slice(&run.stdout).map_err(|_| child_failed("verify", &run))?;
    if run.code != 0 || report["ok"] != true {
        return Err(Error::Internal(format!(
            "bench: the built log does not verify: {}",
            report["problems"]
        )));
    }
    // The batch rate again, right after verify: verify is measured against
    // the mean of the measures on either side of it; both are listed.
    if let Some(before) = find(&limits, BATCH_VERIFY) {
        let after = before.again(
            format!("{BATCH_VERIFY}, after verify"),
            batch_verify_rate(opts.min_time),
        );
        let around = before.mean_with(&after, format!("{BATCH_VERIFY}, mean before and after"));
        let verify = step("verify", built.entries, "entries", run.seconds, run.max_rss)
            .against(&around, 1.0, Some("≥ 0.70 of the batch rate, < 150 MB"))
            .under(run.stolen)
            .cpu(Some(run.cpu_seconds));
        let verify_rate = verify.rate;
        batch_around = Some(around.clone());
        notes.extend(before.drift_note(&after, "verify", verify_rate));
        limits.push(after);
        steps.push(verify);
        say("verify's signature path alone");
        let n = built.entries.min(SIGNATURE_PATH_ENTRIES);
        let steal = Steal::now();
        let rate = signature_path_rate(&built.db, n)?;
        let stolen = steal.and_then(Steal::share_since);
        steps.push(
            step(
                &format!("verify's signature path alone ({n} entries)"),
                n,
                "entries",
                n as f64 / rate,
                None,
            )
            .against(&around, 1.0, None)
            .under(stolen),
        );
        // The checks besides the signatures, as a ratio that does not
        // depend on the limit measured: verify's rate over that of its own
        // signature path (docs/PERFORMANCE.md, "Where verify's time goes").
        notes.push(format!(
            "verify ÷ its signature path alone: {:.2} (what every check besides the signatures costs)",
            verify_rate / rate
        ));
    }

    say("proofs");
    let read_rate = sqlite_read_rate(&built.db, opts.min_time)?;
    limits.push(Limit {
        name: "SQLite point read, 1 core".into(),
        rate: read_rate,
        unit: "reads".into(),
    });
    let run = run_child(
        Command::new(&opts.exe)
            .arg("bench")
            .env(CHILD_STEP_ENV, "proofs")
            .env(CHILD_DIR_ENV, dir),
        false,
        None,
    )?;
    if run.code != 0 {
        return Err(child_failed("the proofs", &run));
    }
    let p: ProofTimes = serde_json::from_slice(&run.stdout)
        .map_err(|e| Error::Internal(format!("bench: the proof step's output: {e}")))?;
    if let Some(reads) = find(&limits, "SQLite point read, 1 core") {
        let per = p.reads_per_proof.max(1) as f64;
        steps.push(
            step(
                "inclusion proof",
                p.inclusion,
                "proofs",
                p.inclusion_seconds,
                run.max_rss,
            )
            .against(&reads, per, None)
            .under(run.stolen),
        );
        // A consistency proof and the old root: up to twice the reads.
        steps.push(
            step(
                "consistency proof + old root",
                p.consistency,
                "proofs",
                p.consistency_seconds,
                run.max_rss,
            )
            .against(&reads, 2.0 * per, None)
            .under(run.stolen),
        );
    }

    // Reports and bundles, if this build has them.
    let first_claim = "C1";
    let mut optional = |name: &str, cmd: &mut Command, notes: &mut Vec<String>| -> Result<bool> {
        let run = run_child(cmd, false, Some(STEP_TIMEOUT))?;
        if run.code == 0 {
            steps.push(
                step(name, 1, "runs", run.seconds, run.max_rss)
                    .under(run.stolen)
                    .cpu(Some(run.cpu_seconds)),
            );
            return Ok(true);
        }
        let why = if run.code == -1 {
            format!("stopped after {} s", STEP_TIMEOUT.as_secs())
        } else {
            String::from_utf8_lossy(&run.stderr).trim().to_string()
        };
        notes.push(format!("{name}: not measured ({why})"));
        Ok(false)
    };
    if has_command(&opts.exe, "report") {
        say("report");
        optional(
            "report (one claim, html)",
            exe_command(&opts.exe, &built.db)
                .args(["report", first_claim, "--format", "html", "--out"])
                .arg(dir.join("report.html")),
            &mut notes,
        )?;
    } else {
        notes.push("report: not in this build".into());
    }
    if has_command(&opts.exe, "export") && has_command(&opts.exe, "verify-bundle") {
        say("bundle");
        let bundle = dir.join("bundle.json");
        let exported = optional(
            "export bundle (one claim)",
            exe_command(&opts.exe, &built.db)
                .env("CLAIMTRAIL_KEY", &built.admin_key)
                .args(["export", first_claim, "--out"])
                .arg(&bundle),
            &mut notes,
        )?;
        if exported {
            optional(
                "verify-bundle",
                exe_command(&opts.exe, &built.db)
                    .arg("verify-bundle")
                    .arg(&bundle),
                &mut notes,
            )?;
        }
    } else {
        notes.push("bundle: not in this build".into());
    }
    // What a monitor outside the desk runs: the log published as tiles,
    // then checked from the files alone. The directory is as large as the
    // entries (780 MB at a million), so it goes once checked.
    if has_command(&opts.exe, "publish") && has_command(&opts.exe, "verify-published") {
        say("publish");
        let site = dir.join("site");
        let published = optional(
            "publish (a new directory)",
            exe_command(&opts.exe, &built.db).arg("publish").arg(&site),
            &mut notes,
        )?;
        if published {
            say("verify-published");
            let run = run_child(
                exe_command(&opts.exe, &built.db)
                    .args(["verify-published", "--json"])
                    .arg(&site),
                false,
                Some(STEP_TIMEOUT),
            )?;
            let report: Option<serde_json::Value> = serde_json::from_slice(&run.stdout).ok();
            match report {
                Some(r) if run.code == 0 && r["ok"] == true => {
                    let n = r["entries"].as_u64().unwrap_or(0);
                    let mut s = step(
                        "verify-published (the directory, no database)",
                        n,
                        "entries",
                        run.seconds,
                        run.max_rss,
                    );
                    if let Some(limit) = &batch_around {
                        s = s.against(limit, 1.0, None);
                    }
                    steps.push(s.under(run.stolen).cpu(Some(run.cpu_seconds)));
                }
                _ => notes.push(format!(
                    "verify-published: not measured (exit {}: {})",
                    run.code,
                    String::from_utf8_lossy(&run.stderr).trim()
                )),
            }
        }
        let _ = std::fs::remove_dir_all(&site);
    } else {
        notes.push("publish: not in this build".into());
    }

    say("database size");
    let database = db_size(&built.db, built.entries)?;

    say("annotate");
    let steal = Steal::now();
    let mut ms = Vec::new();
    for i in 0..RUNS {
        let claim = format!("C{}", 1 + (i as u64 * 7919) % built.counts.claims.max(1));
        let run = run_child(
            exe_command(&opts.exe, &built.db)
                .env("CLAIMTRAIL_KEY", &built.analyst_key)
                .args([
                    "annotate",
                    &claim,
                    "--verdict",
                    "unverified",
                    "--note",
                    "bench",
                ]),
            false,
            Some(STEP_TIMEOUT),
        )?;
        if run.code != 0 {
            return Err(child_failed("annotate", &run));
        }
        ms.push(run.seconds * 1e3);
    }
    let mut annotate = Timing::of(ms, Some(10.0));
    annotate.stolen = steal.and_then(Steal::share_since);

    say("git commit -S");
    let steal = Steal::now();
    let git_commit = match git_commit_times(dir) {
        Ok(mut t) => {
            t.stolen = steal.and_then(Steal::share_since);
            Some(t)
        }
        Err(why) => {
            notes.push(format!("git commit -S: not measured ({why})"));
            None
        }
    };

    Ok(Bench {
        command: format!("claimtrail bench --entries {}", opts.entries),
        machine: machine(),
        entries: built.entries,
        counts: built.counts,
        limits,
        steps,
        database,
        annotate,
        git_commit,
        notes,
        stolen: whole_run.and_then(Steal::share_since),
    })
}

/// The database file against its contents (after folding in the WAL).
pub fn db_size(db: &Path, entries: u64) -> Result<DbSize> {
    let store = Store::open(db)?;
    let conn = store.conn();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let (payload_sig, texts): (i64, i64) = conn.query_row(
        "SELECT (SELECT COALESCE(SUM(length(payload) + length(sig)), 0) FROM entries),
                (SELECT COALESCE(SUM(length(data)), 0) FROM blobs)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let page_count: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let file = (page_count * page_size).max(0) as u64;
    let (payload_sig, texts) = (payload_sig.max(0) as u64, texts.max(0) as u64);
    let n = entries.max(1) as f64;
    Ok(DbSize {
        file_bytes: file,
        payload_sig_bytes: payload_sig,
        text_bytes: texts,
        file_per_entry: file as f64 / n,
        payload_sig_per_entry: payload_sig as f64 / n,
        ratio: file.saturating_sub(texts) as f64 / payload_sig.max(1) as f64,
    })
}

/// Median wall time of `git commit -S` signing with an SSH key, in a
/// scratch repository under `dir`, isolated from the user's git config.
fn git_commit_times(dir: &Path) -> std::result::Result<Timing, String> {
    let repo = dir.join("git");
    std::fs::create_dir_all(&repo).map_err(|e| e.to_string())?;
    let key = dir.join("git-key");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
        .arg(&key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("ssh-keygen: {e}"))?;
    if !keygen.success() {
        return Err("ssh-keygen failed".into());
    }
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.current_dir(&repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args([
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.invalid",
                "-c",
                "gpg.format=ssh",
            ])
            .arg("-c")
            .arg(format!("user.signingkey={}", key.display()))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let ok = |mut c: Command| -> std::result::Result<(), String> {
        let s = c.status().map_err(|e| format!("git: {e}"))?;
        if s.success() {
            Ok(())
        } else {
            Err(format!("git exited with {s}"))
        }
    };
    ok(git(&["init", "-q"]))?;
    let mut ms = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        ok(git(&["commit", "-q", "-S", "--allow-empty", "-m", "x"]))?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Timing::of(ms, None))
}

/// Cores and CPU model of this machine.
pub fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    Machine {
        cores: cores(),
        cpu,
    }
}

#[cfg(test)]
mod tests {
    /// A child's full disk is the machine's, said with what to do; any
    /// other failure is the bench's, with the child's error and not its
    /// hint (which told the user to run an import again).
    #[test]
    fn a_childs_full_disk_is_not_a_bug() {
        let run = |stderr: &str| super::ChildRun {
            code: 2,
            stdout: Vec::new(),
            stderr: stderr.as_bytes().to_vec(),
            seconds: 0.0,
            max_rss: None,
            stolen: None,
            cpu_seconds: 0.0,
        };
        let full = super::child_failed("building the log", &run("error: database error: database or disk is full (hint: the disk that holds the log is full: make room there, or move the log to a larger disk, and run the command again; what failed was not written to the log, and an import keeps the batches it committed and skips them when run again)\n"));
        assert!(
            matches!(&full, crate::error::Error::Invalid { what, hint } if what.starts_with("bench: building the log stopped: the disk that holds ") && what.ends_with(" is full") && hint.starts_with("make room there, give fewer --entries")),
            "{full:?}"
        );
        let other = super::child_failed(
            "building the log",
            &run("error: something odd (hint: run it again)\n"),
        );
        assert_eq!(
            other.to_string(),
            "internal error: bench: building the log exited with 2: something odd"
        );
    }

    use super::*;

    #[test]
    fn a_limit_that_moved_during_its_step_is_noted_with_the_ratios_range() {
        let limit = |rate| Limit {
            name: BATCH_VERIFY.into(),
            rate,
            unit: "signatures".into(),
        };
        // The second run of 2026-12-02 14:01–14:33 UTC (docs/PERFORMANCE.md).
        let (before, after) = (limit(180_737.0), limit(142_823.0));
        assert_eq!(
            before.drift_note(&after, "verify", 96_640.0).as_deref(),
            Some(
                "verify's limit moved 23 % during the run (180,737 and 142,823 signatures/s): \
                 its ratio is 0.60 against their mean, 0.53–0.68 against either"
            )
        );
        // 10 % apart or less: no note (182,145 and 183,581 in the first run).
        assert_eq!(
            limit(182_145.0).drift_note(&limit(183_581.0), "verify", 92_818.0),
            None
        );
        assert_eq!(limit(100.0).drift_note(&limit(110.0), "verify", 50.0), None);
        assert!(limit(100.0)
            .drift_note(&limit(111.0), "verify", 50.0)
            .is_some());
        // A limit that could not be measured says nothing about drift.
        assert_eq!(limit(0.0).drift_note(&limit(100.0), "verify", 50.0), None);
    }

    #[test]
    fn a_small_built_log_verifies_and_has_every_kind() {
        let dir = tempfile::tempdir().unwrap();
        let built = build_log(dir.path(), 200, &mut |_, _| {}).unwrap();
        assert_eq!(built.entries, 200);
        let c = &built.counts;
        assert!(
            c.sources > 0 && c.claims > c.sources && c.annotations > c.claims,
            "{c:?}"
        );
        let store = Store::open(&built.db).unwrap();
        let report = crate::verify::verify(&store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.entries, 200);
        assert_eq!(report.counts.annotations, c.annotations);
        let p = proofs(&built.db).unwrap();
        assert_eq!(p.inclusion, PROOFS as u64);
    }

    /// The signature path checks every signature it reads: one changed
    /// byte of one signature (entry 1057, in the second batch group of the
    /// first chunk) and it refuses to give a rate.
    #[test]
    fn the_signature_path_checks_the_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let built = build_log(dir.path(), 3000, &mut |_, _| {}).unwrap();
        assert!(signature_path_rate(&built.db, 3000).unwrap() > 0.0);
        let conn = rusqlite::Connection::open(&built.db).unwrap();
        let sig: Vec<u8> = conn
            .query_row("SELECT sig FROM entries WHERE seq = 1057", [], |r| r.get(0))
            .unwrap();
        let mut bad = sig.clone();
        let last = bad.len() - 1; // inside S
        bad[last] ^= 1;
        conn.execute("UPDATE entries SET sig = ? WHERE seq = 1057", [&bad])
            .unwrap();
        let err = signature_path_rate(&built.db, 3000).unwrap_err();
        assert!(
            err.to_string()
                .contains("1 of the built log's first 3000 signatures do not verify"),
            "{err}"
        );
        // Entries after `max` are not read.
        assert!(signature_path_rate(&built.db, 1000).unwrap() > 0.0);
    }

    #[test]
    fn articles_quote_on_char_boundaries() {
        let mut rng = Rng(1);
        for n in 0..50 {
            let (text, quotes) = article(&mut rng, n);
            assert!(quotes.len() >= 4, "{n}");
            for (s, e, _) in quotes {
                assert!(crate::text::span(&text, s, e).is_ok());
            }
        }
    }

    #[test]
    fn timing_median() {
        let t = Timing::of(vec![3.0, 1.0, 2.0, 10.0], None);
        assert_eq!(t.median_ms, 2.5);
        assert_eq!((t.min_ms, t.max_ms), (1.0, 10.0));
    }
}
