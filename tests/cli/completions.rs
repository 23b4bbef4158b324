//! Shell completions: the script that `claimtrail completions SHELL` prints
//! is loaded into a real bash and asked what it would complete.

use crate::common::*;
use std::process::Command;

/// What bash completes after `words` (the last one being typed), with the
/// script `claimtrail completions bash` printed loaded.
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claimtrail.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
         _claimtrail claimtrail \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_commands_options_and_closed_values() {
    let w = Work::new();
    let script = w.run(None, &["completions", "bash"]).ok().to_string();
    assert!(script.contains("complete -F _claimtrail"), "{script}");

    // Commands, then a command's options.
    let commands = bash_completes(&script, &["claimtrail", "ann"]);
    assert_eq!(commands, ["annotate"]);
    let options = bash_completes(&script, &["claimtrail", "annotate", "C1", "--v"]);
    assert!(options.contains(&"--verdict".to_string()), "{options:?}");

    // The closed sets: the same names the commands accept.
    let verdicts = bash_completes(&script, &["claimtrail", "annotate", "C1", "--verdict", "d"]);
    assert_eq!(verdicts, ["disputed"]);
    let grades = bash_completes(
        &script,
        &["claimtrail", "annotate", "C1", "--credibility", ""],
    );
    assert_eq!(grades, ["1", "2", "3", "4", "5", "6"]);
    let kinds = bash_completes(
        &script,
        &["claimtrail", "claim", "add", "--provenance", "n"],
    );
    assert_eq!(kinds, ["news_agency"]);
    let roles = bash_completes(
        &script,
        &["claimtrail", "key", "add", "r.pub", "--role", "a"],
    );
    assert_eq!(roles, ["admin", "analyst", "auditor"]);
    let mut formats = bash_completes(&script, &["claimtrail", "report", "--format", "c"]);
    formats.sort();
    assert_eq!(formats, ["claimreview", "csv"]);

    // Nothing internal is offered: bench tells its children their step
    // through the environment, not through options.
    let bench = bash_completes(&script, &["claimtrail", "bench", "--"]);
    assert!(bench.contains(&"--entries".to_string()), "{bench:?}");
    assert!(!script.contains("--child"), "an internal option is offered");
    // What the completions offer is what the command takes.
    for verdict in [
        "confirmed",
        "corroborated",
        "unverified",
        "misleading",
        "false",
    ] {
        assert!(
            script.contains(verdict),
            "{verdict} missing from the script"
        );
    }
}

#[test]
fn zsh_and_fish_scripts_name_the_commands() {
    let w = Work::new();
    let zsh = w.run(None, &["completions", "zsh"]).ok().to_string();
    assert!(zsh.starts_with("#compdef claimtrail"), "{zsh}");
    let fish = w.run(None, &["completions", "fish"]).ok().to_string();
    for cmd in ["annotate", "verify-bundle", "completions"] {
        assert!(zsh.contains(cmd), "zsh lacks {cmd}");
        assert!(fish.contains(&format!("-a \"{cmd}\"")), "fish lacks {cmd}");
    }
    assert!(fish.contains("disputed"), "fish lacks the verdicts");
}

#[test]
fn an_unknown_shell_or_json_is_refused() {
    let w = Work::new();
    w.run(None, &["completions", "nushell"])
        .error("invalid value 'nushell'");
    w.run(None, &["completions"]).error("<SHELL>");
    w.run(None, &["--json", "completions", "bash"])
        .error("completions writes a shell script, not JSON");
}
