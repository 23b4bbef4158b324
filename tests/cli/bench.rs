//! `claimtrail bench`, as a smoke test: a tiny run completes and its JSON
//! has every step and limit (the figures themselves are for people).

use crate::common::*;

#[test]
fn bench_json_has_every_step() {
    // The CPU time the hypervisor stole (`bench::Steal`): a share on Linux,
    // where /proc/stat counts it; null elsewhere.
    let share = |x: &serde_json::Value| {
        if std::path::Path::new("/proc/stat").exists() {
            assert!(x.as_f64().is_some_and(|s| (0.0..=1.0).contains(&s)), "{x}");
        } else {
            assert!(x.is_null(), "{x}");
        }
    };
    let w = Work::new();
    let r = w.run(None, &["bench", "--entries", "300", "--json"]);
    let v: serde_json::Value = serde_json::from_str(r.ok()).expect("bench prints JSON");
    assert_eq!(v["entries"], 300);
    assert!(v["counts"]["annotations"].as_u64().unwrap() > v["counts"]["claims"].as_u64().unwrap());
    // The entry named `name` of the array `list` ("steps" or "limits").
    let named = |list: &str, name: &str| {
        let names: Vec<&str> = v[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap())
            .collect();
        let at = names.iter().position(|n| *n == name);
        &v[list][at.unwrap_or_else(|| panic!("no {list} entry {name:?} in {names:?}"))]
    };
    let step = |name: &str| named("steps", name);
    let rate = |name: &str| named("limits", name)["rate"].as_f64().unwrap();
    for name in [
        "import (JSONL, transactions of up to 100000 entries)",
        "verify",
        "inclusion proof",
        "consistency proof + old root",
        "publish (a new directory)",
        "verify-published (the directory, no database)",
    ] {
        step(name);
    }
    for s in v["steps"].as_array().unwrap() {
        assert!(s["seconds"].as_f64().unwrap() > 0.0, "{s}");
        // Peak memory is sampled every 2 ms: a step of a tiny log can end
        // before the first sample, and then says so with null, never 0.
        assert!(
            s["peak_rss"].is_null() || s["peak_rss"].as_u64().unwrap() > 0,
            "{s}"
        );
        share(&s["stolen"]);
        // CPU time, for the steps that ran in a process of their own (the
        // proofs share one; the signature path runs in the bench's).
        let name = s["name"].as_str().unwrap();
        let own = !name.contains("proof") && !name.starts_with("verify's signature path");
        assert_eq!(
            s["cpu_seconds"].as_f64().is_some_and(|c| c >= 0.0),
            own,
            "{s}"
        );
    }
    // A step's limit is `mean`, the mean of the limits measured `before`
    // and `after` it, and both measures are listed.
    let measured_around = |s: &serde_json::Value, mean: &str, before: &str, after: &str| {
        assert_eq!(s["limit"], mean, "{s}");
        let (before, after) = (rate(before), rate(after));
        let got = s["limit_rate"].as_f64().unwrap();
        assert!((got - (before + after) / 2.0).abs() < 1e-6 * got, "{s}");
    };
    let verify = step("verify");
    assert!(verify["ratio"].as_f64().unwrap() > 0.0);
    measured_around(
        verify,
        "Ed25519 verify, batch, all cores, mean before and after",
        "Ed25519 verify, batch, all cores",
        "Ed25519 verify, batch, all cores, after verify",
    );
    // A monitor's check of the published tree, against verify's limit: the
    // tree of the log's last checkpoint, all of the log but that entry.
    let monitor = step("verify-published (the directory, no database)");
    assert_eq!(monitor["limit"], verify["limit"]);
    assert_eq!(monitor["count"], 299, "{monitor}");
    // Verify's signature path alone, against the same limit, with no
    // target. (It does a part of what verify does, but on 300 entries in a
    // debug build beside the other tests, which of the two goes faster is
    // the machine's noise: this test asserts no timing.)
    let path = step("verify's signature path alone (300 entries)");
    assert_eq!(path["count"], 300);
    assert_eq!(path["limit"], verify["limit"]);
    assert!(path["target"].is_null(), "{path}");
    assert!(path["ratio"].as_f64().unwrap() > 0.0, "{path}");
    // And verify over its signature path, which no limit enters.
    let over_path = verify["rate"].as_f64().unwrap() / path["rate"].as_f64().unwrap();
    const NOTE: &str = "verify ÷ its signature path alone: ";
    let noted = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|n| n.as_str().unwrap().strip_prefix(NOTE))
        .unwrap_or_else(|| panic!("no {NOTE:?} in {}", v["notes"]));
    let noted: f64 = noted.split(' ').next().unwrap().parse().unwrap();
    assert!((noted - over_path).abs() < 0.011, "{noted} {over_path}");
    // So is import's: one core's signing rate.
    measured_around(
        step("import (JSONL, transactions of up to 100000 entries)"),
        "Ed25519 sign, 1 core, mean before and after import",
        "Ed25519 sign, 1 core, before import",
        "Ed25519 sign, 1 core",
    );
    for name in [
        "Ed25519 sign, 1 core",
        "Ed25519 verify, single, all cores",
        "Ed25519 verify, batch, all cores",
        "SHA-256, 1 core",
        "SQLite bulk insert, 1 core",
        "SQLite point read, 1 core",
    ] {
        assert!(rate(name) > 0.0, "{name}");
    }
    assert_eq!(v["annotate"]["runs"], 20);
    share(&v["annotate"]["stolen"]);
    share(&v["stolen"]);
    assert!(v["database"]["ratio"].as_f64().unwrap() > 0.0);
    assert!(v["machine"]["cores"].as_u64().unwrap() >= 1);
}

/// A bench larger than the temporary directory's disk holds is refused
/// before it writes anything, with a count that fits (`--entries
/// 99999999999` filled a 27 GB disk, then ended as "internal error").
#[test]
fn a_bench_the_disk_cannot_hold_is_refused_first() {
    let w = Work::new();
    let tmp = w.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let r = w.run_with(
        None,
        &[("TMPDIR", tmp.to_str().unwrap())],
        &["bench", "--entries", "99999999999"],
        None,
    );
    r.error(&format!(
        "error: a bench of 99,999,999,999 entries needs about 330000.2 GB of disk in {}, which has ",
        tmp.display()
    ));
    r.error(" GB free (hint: give --entries ");
    r.error(" or fewer, make room there, or set TMPDIR to a directory on a larger disk)");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}
