use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn dump() {
    for name in ["idlib-2022-07-22", "velna-dam-wire", "millbrook-fire-local"] {
        let text = fixture(&format!("{name}.txt"));
        eprintln!("== {name}");
        for c in suggest(&text) {
            eprintln!("{}..{} [{}] <{}> ({}) {:?}", c.start, c.end, c.provenance, c.speaker, c.cue, c.quote(&text));
        }
    }
}
