use super::*;

const ARTICLES: [&str; 3] = ["idlib-2022-07-22", "velna-dam-wire", "millbrook-fire-local"];

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gold(name: &str) -> Vec<GoldClaim> {
    let json = fixture(&format!("gold/{name}.json"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("gold/{name}.json: {e}"))
}

#[test]
fn gold_files_are_sane() {
    for name in ARTICLES {
        let text = fixture(&format!("{name}.txt"));
        let gold = gold(name);
        assert!(!gold.is_empty(), "{name}: empty gold");
        for g in &gold {
            assert_eq!(text.get(g.start..g.end), Some(g.quote.as_str()), "{name}: span of {:?}", g.quote);
            assert!(PROVENANCE_KINDS.contains(&g.provenance.as_str()), "{name}: kind {}", g.provenance);
            assert!(!g.speaker.trim().is_empty(), "{name}: no speaker for {:?}", g.quote);
        }
        assert!(gold.windows(2).all(|w| w[0].start <= w[1].start), "{name}: gold not sorted");
    }
}

#[test]
fn gold_evaluation_meets_targets() {
    let mut failures = Vec::new();
    for name in ARTICLES {
        let text = fixture(&format!("{name}.txt"));
        let found = suggest(&text);
        let gold = gold(name);
        let s = evaluate(&found, &gold);
        eprintln!("{name:22} {s}");
        for g in &gold {
            let hit = found.iter().find(|f| span_overlap((f.start, f.end), (g.start, g.end)) >= 0.8);
            match hit {
                None => eprintln!("    missed: {:?} ({})", g.quote, g.speaker),
                Some(f) if !speaker_matches(&f.speaker, &g.speaker) => {
                    eprintln!("    speaker: {:?} for {:?} (gold {:?})", f.speaker, g.quote, g.speaker)
                }
                Some(f) if f.provenance != g.provenance => {
                    eprintln!("    kind: {} for {:?} (gold {})", f.provenance, g.quote, g.provenance)
                }
                _ => {}
            }
        }
        for f in &found {
            if !gold.iter().any(|g| span_overlap((f.start, f.end), (g.start, g.end)) >= 0.8) {
                eprintln!("    extra: {:?} ({}, {})", f.quote(&text), f.speaker, f.cue);
            }
        }
        let checks = [
            ("span recall", s.span_recall, 0.9),
            ("span precision", s.span_precision, 0.8),
            ("speaker precision", s.speaker_precision, 0.8),
            ("speaker recall", s.speaker_recall, 0.8),
            ("kind precision", s.kind_precision, 0.8),
            ("kind recall", s.kind_recall, 0.8),
        ];
        for (what, got, min) in checks {
            if got < min {
                failures.push(format!("{name}: {what} {got:.2} < {min}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
