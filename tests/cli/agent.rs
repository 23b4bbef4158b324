//! Signing through an ssh-agent: a passphrase-protected key unlocked once
//! with `ssh-add` signs entries, checkpoints and cosignatures without its
//! passphrase, and what it signs verifies with claimtrail and OpenSSH. An
//! agent that is missing, lacks the key, refuses or lies gives one clear
//! error and changes nothing.

use crate::common::*;
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// OpenSSH's `ssh-agent`, in the foreground on a socket of the workspace,
/// killed when dropped.
struct SshAgent {
    child: Child,
    sock: PathBuf,
}

impl SshAgent {
    fn start(w: &Work) -> SshAgent {
        let sock = w.path("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent (Debian's openssh-client)");
        let agent = SshAgent { child, sock };
        agent.wait_until_listening();
        agent
    }

    /// Waits until the agent accepts a connection: its socket file
    /// appears when it binds, a moment before it listens, and an `ssh-add`
    /// in that moment was refused (seen once on a loaded machine).
    fn wait_until_listening(&self) {
        for _ in 0..1000 {
            if std::os::unix::net::UnixStream::connect(&self.sock).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("ssh-agent did not listen on {}", self.sock.display());
    }

    fn sock(&self) -> &str {
        self.sock.to_str().unwrap()
    }

    /// `ssh-add FILE`.
    fn add(&self, key: &Path) {
        let out = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.sock)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A key added with `ssh-add -c`: the agent asks its user to confirm each
/// signature (here a program that takes two seconds). claimtrail asks the
/// agent before it takes the log's write lock, so another analyst's
/// command goes through meanwhile instead of failing as busy; the entry
/// is then signed again under the lock (the log moved: the agent asks
/// once more) and both entries are in a log that verifies.
#[test]
fn an_agent_waiting_for_its_user_does_not_hold_the_log() {
    let w = Work::with_claims();
    let confirm = w.path("slow-confirm");
    std::fs::write(&confirm, "#!/bin/sh\nsleep 2\nexit 0\n").unwrap();
    std::fs::set_permissions(
        &confirm,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let sock = w.path("confirm.sock");
    let child = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .env("SSH_ASKPASS", &confirm)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("DISPLAY", ":0")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ssh-agent (Debian's openssh-client)");
    // Killed when dropped, should an assertion fail first.
    let _agent = SshAgent {
        child,
        sock: sock.clone(),
    };
    _agent.wait_until_listening();
    let added = Command::new("ssh-add")
        .arg("-c")
        .arg(w.path("analyst"))
        .env("SSH_AUTH_SOCK", &sock)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let confirming = w
        .std_command(
            Some("analyst.pub"),
            &[("SSH_AUTH_SOCK", sock.to_str().unwrap())],
            &["annotate", "C1", "--verdict", "disputed"],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // The admin writes meanwhile, with a one-second patience for the lock.
    let other = w.run_with(
        Some("admin"),
        &[("CLAIMTRAIL_BUSY_TIMEOUT", "1")],
        &["annotate", "C2", "--verdict", "false"],
        None,
    );
    assert_eq!(other.ok(), "A2\n");
    let first = Run::from(confirming.wait_with_output().unwrap());
    assert_eq!(first.ok(), "A3\n");
    assert!(w
        .run(None, &["verify"])
        .ok()
        .ends_with("OK: no problems found\n"));
}

/// Encrypts a key file in place with `ssh-keygen -p`.
fn protect(key: &Path, passphrase: &str) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-p", "-N", passphrase, "-f"])
        .arg(key)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
}

/// The `seq` of the last entry.
fn last_seq(w: &Work) -> String {
    let log: serde_json::Value =
        serde_json::from_str(w.run(None, &["log", "--json", "-n", "1"]).ok()).unwrap();
    log[0]["seq"].to_string()
}

#[test]
fn a_key_in_ssh_agent_signs_without_its_passphrase() {
    let w = Work::with_claims();
    let agent = SshAgent::start(&w);
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "Lena Okafor", "-f"])
        .arg(w.path("lena"))
        .status()
        .unwrap();
    assert!(st.success());
    // Unlocked once in the morning; the file on disk stays protected.
    agent.add(&w.path("lena"));
    protect(&w.path("lena"), "open sesame");
    w.run(
        Some("admin"),
        &["key", "add", "lena.pub", "--role", "analyst"],
    )
    .ok();
    let env = [("SSH_AUTH_SOCK", agent.sock())];

    // Without the agent, the protected key needs its passphrase; the hint
    // names the agent.
    let no_agent = w.run(Some("lena"), &["annotate", "C2", "--verdict", "false"]);
    no_agent.error("key ");
    assert!(no_agent.stderr.contains("passphrase-protected"));
    assert!(no_agent.stderr.contains("ssh-add"), "{}", no_agent.stderr);

    // With it, the private key file or the .pub file signs, no passphrase.
    let a2 = w.run_with(
        Some("lena"),
        &env,
        &["annotate", "C2", "--verdict", "corroborated"],
        None,
    );
    assert_eq!(a2.ok().trim(), "A2");
    let a3 = w.run_with(
        Some("lena.pub"),
        &env,
        &[
            "annotate",
            "C1",
            "--verdict",
            "disputed",
            "--supersedes",
            "A1",
        ],
        None,
    );
    // A1 is the analyst's: the rules still apply to an agent's key.
    a3.error("A1");
    let a3 = w.run_with(
        Some("lena.pub"),
        &env,
        &["annotate", "C1", "--verdict", "disputed"],
        None,
    );
    assert_eq!(a3.ok().trim(), "A3");
    let show = w.run(None, &["show", "A3"]);
    assert!(show.ok().contains("Lena Okafor"), "{}", show.stdout);
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));

    // OpenSSH accepts what the agent signed.
    w.ssh_keygen_accepts(&last_seq(&w), "Lena_Okafor");

    // The admin's and the auditor's keys in the agent sign a checkpoint and
    // a cosignature, which verify with the log's verifier keys.
    agent.add(&w.path("admin"));
    agent.add(&w.path("auditor"));
    protect(&w.path("admin"), "admin pass");
    protect(&w.path("auditor"), "auditor pass");
    let cp = w.run_with(
        Some("admin.pub"),
        &env,
        &["checkpoint", "--out", "cp.txt"],
        None,
    );
    assert!(cp.ok().contains("written to cp.txt"), "{}", cp.stdout);
    w.run_with(
        Some("auditor"),
        &env,
        &["checkpoint", "cosign", "cp.txt"],
        None,
    )
    .ok();
    let vkeys = w.run(None, &["key", "vkey"]);
    let vkeys: Vec<&str> = vkeys
        .ok()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(vkeys.len(), 2, "{vkeys:?}");
    let checked = w.run(
        None,
        &[
            "checkpoint",
            "verify",
            "cp.txt",
            "--vkey",
            vkeys[0],
            "--vkey",
            vkeys[1],
        ],
    );
    // The admin's signature and the auditor's cosignature, both made
    // through the agent.
    let ok = checked.ok();
    for vkey in vkeys {
        let name_and_id = vkey.splitn(3, '+').take(2).collect::<Vec<_>>().join("+");
        assert!(
            ok.contains("OK: signed by") && ok.contains(&name_and_id),
            "{ok}"
        );
    }
    let v = w.run(None, &["verify", "--checkpoint", "cp.txt"]);
    assert!(v.ok().contains("OK: no problems found"), "{}", v.stdout);
}

/// What a stand-in agent does when asked to sign.
#[derive(Clone, Copy)]
enum Answer {
    Refuse,
    WrongSignature,
    /// Signs the first n requests with the private key beside `pub_file`,
    /// then refuses: an agent that dies or is locked mid-import.
    SignThenRefuse(usize),
}

/// A stand-in agent on `sock` that holds the key of `pub_file` and answers
/// every signing request as `answer` says, until its client goes away.
fn stand_in(sock: &Path, pub_file: &Path, answer: Answer) -> std::thread::JoinHandle<()> {
    use base64::Engine as _;
    let line = std::fs::read_to_string(pub_file).unwrap();
    let blob = base64::engine::general_purpose::STANDARD
        .decode(line.split_whitespace().nth(1).unwrap())
        .unwrap();
    let listener = UnixListener::bind(sock).unwrap();
    let string = |b: &[u8]| [(b.len() as u32).to_be_bytes().as_slice(), b].concat();
    let private = pub_file.with_extension("");
    std::thread::spawn(move || {
        let signer = {
            let file = claimtrail::keys::KeyFile::read(&private).unwrap();
            claimtrail::keys::Signer::from_key_file(&private, &file).unwrap()
        };
        let mut signed = 0;
        let (mut s, _) = listener.accept().unwrap();
        loop {
            let mut len = [0u8; 4];
            if s.read_exact(&mut len).is_err() {
                return;
            }
            let mut msg = vec![0u8; u32::from_be_bytes(len) as usize];
            s.read_exact(&mut msg).unwrap();
            let reply = match (msg[0], answer) {
                (11, _) => [vec![12, 0, 0, 0, 1], string(&blob), string(b"stand-in")].concat(),
                (13, Answer::Refuse) => vec![5],
                (13, Answer::WrongSignature) => [
                    vec![14],
                    string(&[string(b"ssh-ed25519"), string(&[7; 64])].concat()),
                ]
                .concat(),
                (13, Answer::SignThenRefuse(n)) if signed < n => {
                    signed += 1;
                    // string(key blob), string(data), flags
                    let at =
                        |i: usize| u32::from_be_bytes(msg[i..i + 4].try_into().unwrap()) as usize;
                    let key_len = at(1);
                    let data_at = 1 + 4 + key_len;
                    let data = &msg[data_at + 4..data_at + 4 + at(data_at)];
                    let sig = signer.sign_raw(data).unwrap().to_bytes();
                    [
                        vec![14],
                        string(&[string(b"ssh-ed25519"), string(&sig)].concat()),
                    ]
                    .concat()
                }
                _ => vec![5],
            };
            s.write_all(&(reply.len() as u32).to_be_bytes()).unwrap();
            s.write_all(&reply).unwrap();
        }
    })
}

#[test]
fn agent_errors_are_clear_and_change_nothing() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    let annotate = ["annotate", "C2", "--verdict", "false"];

    let r = w.run(Some("analyst.pub"), &annotate);
    r.error("it is a public key, and no ssh-agent is running to sign with it");
    assert!(
        r.stderr.contains("give the private key file"),
        "{}",
        r.stderr
    );

    let gone = w.path("gone.sock");
    let r = w.run_with(
        Some("analyst.pub"),
        &[("SSH_AUTH_SOCK", gone.to_str().unwrap())],
        &annotate,
        None,
    );
    r.error("cannot use the ssh-agent at");
    assert!(r.stderr.contains("cannot reach it"), "{}", r.stderr);
    // A path that is no socket, and a socket no agent listens on: said
    // apart, not both as the system's "Connection refused (os error 111)".
    let file = w.path("file.sock");
    std::fs::write(&file, "").unwrap();
    let dead = w.path("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&dead).unwrap());
    for (sock, why) in [
        (&file, "it is a file, not a socket"),
        (
            &dead,
            "no agent listens on the socket: the agent has exited",
        ),
    ] {
        let r = w.run_with(
            Some("analyst.pub"),
            &[("SSH_AUTH_SOCK", sock.to_str().unwrap())],
            &annotate,
            None,
        );
        r.error(&format!(
            "error: cannot use the ssh-agent at {}: cannot reach it ({why}) (hint: ",
            sock.display()
        ));
        assert!(!r.stderr.contains("os error"), "{}", r.stderr);
    }

    let agent = SshAgent::start(&w);
    let r = w.run_with(
        Some("analyst.pub"),
        &[("SSH_AUTH_SOCK", agent.sock())],
        &annotate,
        None,
    );
    r.error("does not hold key SHA256:");
    assert!(r.stderr.contains("ssh-add"), "{}", r.stderr);
    drop(agent);

    for (answer, says) in [
        (Answer::Refuse, "it refused the request"),
        (
            Answer::WrongSignature,
            "it returned a signature that does not verify",
        ),
    ] {
        let sock = w.path("stand-in.sock");
        let _ = std::fs::remove_file(&sock);
        let h = stand_in(&sock, &w.path("analyst.pub"), answer);
        let r = w.run_with(
            Some("analyst.pub"),
            &[("SSH_AUTH_SOCK", sock.to_str().unwrap())],
            &annotate,
            None,
        );
        r.error(says);
        assert!(
            r.stderr.contains("did not sign with SHA256:"),
            "{}",
            r.stderr
        );
        h.join().unwrap();
    }
    // A key that may not sign checkpoints is refused before its agent is
    // asked for anything: its .pub says whose it is (the agent's socket
    // here is gone, which would be the error had it been reached).
    w.run_with(
        Some("analyst.pub"),
        &[("SSH_AUTH_SOCK", gone.to_str().unwrap())],
        &["checkpoint"],
        None,
    )
    .error("may not sign checkpoint.add entries");
    assert!(before == w.db_bytes(), "an agent's failure changed the log");
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

/// An agent that stops signing part-way through an import (killed,
/// locked): nothing is wrong with any line, so the error does not say to
/// fix one; it says what stays committed, and the import run again with
/// the key's file appends the rest.
#[test]
fn an_agent_that_stops_signing_mid_import_is_not_blamed_on_a_line() {
    let w = Work::with_claims();
    let lines: String = (0..5)
        .map(|i| format!("{{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"unverified\",\"note\":\"call {i}\"}}\n"))
        .collect();
    std::fs::write(w.path("calls.jsonl"), &lines).unwrap();
    let entries = |w: &Work| {
        w.run(None, &["--json", "log"])
            .ok()
            .matches("\"seq\"")
            .count()
    };
    let before = entries(&w);
    let sock = w.path("stand-in.sock");
    let h = stand_in(&sock, &w.path("analyst.pub"), Answer::SignThenRefuse(3));
    let r = w.run_with(
        Some("analyst.pub"),
        &[("SSH_AUTH_SOCK", sock.to_str().unwrap())],
        &["import", "calls.jsonl", "--batch-size", "2"],
        None,
    );
    h.join().unwrap();
    r.error("did not sign with SHA256:");
    assert!(
        r.stderr.starts_with("error: the ssh-agent at ")
            && r.stderr
                .contains(": it refused the request (hint: check the agent"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("fix the line"), "{}", r.stderr);
    let appended = entries(&w) - before;
    assert!(appended <= 3, "{appended}");
    let said = match appended {
        0 => "nothing was imported".to_string(),
        n => format!(
            "{n} {} appended in 1 batch before the error was found: once that is fixed, run the same import again",
            if n == 1 { "entry was" } else { "entries were" }
        ),
    };
    assert!(r.stderr.contains(&said), "{appended}: {}", r.stderr);
    // With the key's file, the same import appends the rest, once each.
    let again = w.run(Some("analyst"), &["import", "calls.jsonl"]);
    again.ok();
    assert_eq!(entries(&w) - before, 5, "{}", again.stdout);
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}
