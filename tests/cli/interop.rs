//! Interoperability with OpenSSH: ssh-keygen verifies claimtrail's entry
//! signatures, and keys made by ssh-keygen work in claimtrail.

use crate::common::*;
use std::process::Command;

fn ssh_keygen() -> Command {
    Command::new("ssh-keygen")
}

#[test]
fn ssh_keygen_verifies_every_entry_signature() {
    let w = Work::with_claims();
    let signers = w.run(None, &["key", "allowed-signers"]);
    std::fs::write(w.path("allowed_signers"), signers.ok()).unwrap();
    let log: serde_json::Value =
        serde_json::from_str(w.run(None, &["log", "--json"]).ok()).unwrap();
    let names = [("Desk", "admin"), ("Rana", "Rana_Haddad")];
    for entry in log.as_array().unwrap() {
        let seq = entry["seq"].to_string();
        let payload = w.run(None, &["log", "--seq", &seq, "--payload"]);
        std::fs::write(w.path("payload"), payload.ok()).unwrap();
        let sig = w.run(None, &["log", "--seq", &seq, "--signature"]);
        std::fs::write(w.path("payload.sig"), sig.ok()).unwrap();
        let name = entry["signer_name"].as_str().unwrap();
        let principal = names
            .iter()
            .find(|(n, _)| name.starts_with(n))
            .map(|(_, p)| *p)
            .unwrap_or(name);
        let out = ssh_keygen_verify(
            &w.path("allowed_signers"),
            principal,
            &w.path("payload.sig"),
            &w.path("payload"),
        );
        assert!(
            out.status.success(),
            "ssh-keygen rejected entry {seq}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Good \"claimtrail\" signature"));
        // And rejects the same signature over a changed payload.
        let mut changed = std::fs::read(w.path("payload")).unwrap();
        changed[10] ^= 1;
        std::fs::write(w.path("changed"), changed).unwrap();
        let bad = ssh_keygen_verify(
            &w.path("allowed_signers"),
            principal,
            &w.path("payload.sig"),
            &w.path("changed"),
        );
        assert!(!bad.status.success());
    }
}

#[test]
fn keys_made_by_ssh_keygen_work_unchanged() {
    let w = Work::with_claims();
    let st = ssh_keygen()
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "Samir Aziz", "-f"])
        .arg(w.path("samir"))
        .status()
        .unwrap();
    assert!(st.success());
    let st = ssh_keygen()
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "open sesame",
            "-C",
            "Lena",
            "-f",
        ])
        .arg(w.path("lena"))
        .status()
        .unwrap();
    assert!(st.success());
    let added = w.run(
        Some("admin"),
        &["key", "add", "samir.pub", "--role", "analyst"],
    );
    assert!(added.ok().contains("enrolled Samir Aziz (SHA256:"));
    // Same fingerprint as ssh-keygen -l prints.
    let l = ssh_keygen()
        .arg("-lf")
        .arg(w.path("samir.pub"))
        .output()
        .unwrap();
    let fp = String::from_utf8_lossy(&l.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(added.stdout.contains(&fp), "{} vs {fp}", added.stdout);
    assert_eq!(
        w.run(
            Some("samir"),
            &["annotate", "C2", "--verdict", "corroborated"]
        )
        .ok()
        .trim(),
        "A2"
    );
    w.run(
        Some("admin"),
        &["key", "add", "lena.pub", "--role", "analyst"],
    )
    .ok();
    w.run_with(
        Some("lena"),
        &[("CLAIMTRAIL_PASSPHRASE", "nope")],
        &["annotate", "C2", "--verdict", "false"],
        None,
    )
    .error("wrong passphrase");
    let a3 = w.run_with(
        Some("lena"),
        &[("CLAIMTRAIL_PASSPHRASE", "open sesame")],
        &["annotate", "C2", "--verdict", "disputed"],
        None,
    );
    assert_eq!(a3.ok().trim(), "A3");
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // ssh-keygen can read claimtrail's own keys too.
    let st = ssh_keygen()
        .arg("-yf")
        .arg(w.path("analyst"))
        .output()
        .unwrap();
    assert!(st.status.success());
    assert_eq!(
        String::from_utf8_lossy(&st.stdout)
            .split_whitespace()
            .nth(1),
        std::fs::read_to_string(w.path("analyst.pub"))
            .unwrap()
            .split_whitespace()
            .nth(1)
    );
}

/// Names in any script keep their letters as allowed_signers principals
/// (OpenSSH matches UTF-8 principals byte for byte), so `ssh-keygen -I`
/// names the analyst; and two different names that map to one principal
/// (`Rana Haddad`, `Rana_Haddad`) get distinct ones, so ssh-keygen never
/// takes one's signature for the other's.
/// A key as people hand keys around: written with `echo "$KEY" > key`
/// (a blank line after the END line, which OpenSSH reads and claimtrail
/// called "damaged"), or never written to disk at all (`--key
/// <(pass show key)`, a pipe on /dev/stdin: read twice, the second read
/// found it "empty"). A device is refused as one (`/dev/null` was told to
/// `chmod 600 /dev/null`).
#[test]
fn a_key_with_a_trailing_blank_line_or_through_a_pipe_signs() {
    let w = Work::with_claims();
    let key = std::fs::read_to_string(w.path("analyst")).unwrap();
    let padded = w.path("padded");
    std::fs::write(&padded, format!("{key}\n \n")).unwrap();
    std::fs::set_permissions(&padded, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let keygen = ssh_keygen()
        .arg("-y")
        .arg("-f")
        .arg(&padded)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "ssh-keygen refuses it too");
    assert_eq!(
        w.run(Some("padded"), &["annotate", "C1", "--verdict", "false"])
            .ok(),
        "A2\n"
    );
    let piped = w.run_with(
        None,
        &[("CLAIMTRAIL_KEY", "/dev/stdin")],
        &["annotate", "C2", "--verdict", "false"],
        Some(key.as_bytes()),
    );
    assert_eq!(piped.ok(), "A3\n");
    let through = Command::new("bash")
        .arg("-c")
        .arg(r#""$0" --key <(cat analyst) annotate C1 --verdict unverified"#)
        .arg(assert_cmd::cargo::cargo_bin("claimtrail"))
        .current_dir(w.dir.path())
        .env("CLAIMTRAIL_DB", &w.db)
        .env_remove("CLAIMTRAIL_KEY")
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(Run::from(through).ok(), "A4\n");
    let before = w.db_bytes();
    w.run_with(
        None,
        &[("CLAIMTRAIL_KEY", "/dev/null")],
        &["annotate", "C1", "--verdict", "false"],
        None,
    )
    .error("cannot use key /dev/null: it is a device, not a key file");
    w.run(
        Some("admin"),
        &["key", "add", "/dev/null", "--role", "analyst"],
    )
    .error("/dev/null is empty");
    assert!(w.db_bytes() == before);
    assert!(w
        .run(None, &["verify"])
        .ok()
        .ends_with("OK: no problems found\n"));
}

/// A key that `ssh-keygen -Z` encrypted with each cipher OpenSSH offers
/// for keys opens with its passphrase: one with 3des-cbc was "wrong
/// passphrase" (ssh-key reads it only with its `tdes` feature).
#[test]
fn keys_encrypted_with_every_openssh_cipher_open() {
    let w = Work::with_claims();
    let ciphers = [
        "3des-cbc",
        "aes128-cbc",
        "aes256-ctr",
        "aes256-gcm@openssh.com",
        "chacha20-poly1305@openssh.com",
    ];
    for (n, cipher) in ciphers.into_iter().enumerate() {
        let name = format!("k-{}", cipher.replace(['@', '.'], "-"));
        let st = ssh_keygen()
            .args([
                "-q", "-t", "ed25519", "-N", "pw", "-Z", cipher, "-C", "Analyst", "-f",
            ])
            .arg(w.path(&name))
            .status()
            .unwrap();
        assert!(st.success(), "{cipher}");
        let pubfile = format!("{name}.pub");
        let who = format!("Analyst {n}");
        w.run(
            Some("admin"),
            &["key", "add", &pubfile, "--role", "analyst", "--name", &who],
        )
        .ok();
        let r = w.run_with(
            Some(&name),
            &[("CLAIMTRAIL_PASSPHRASE", "pw")],
            &["annotate", "C1", "--verdict", "unverified"],
            None,
        );
        assert!(r.ok().starts_with('A'), "{cipher}: {}", r.stderr);
        w.run_with(
            Some(&name),
            &[("CLAIMTRAIL_PASSPHRASE", "not it")],
            &["annotate", "C1", "--verdict", "unverified"],
            None,
        )
        .error("wrong passphrase");
    }
}

/// Public keys as admins are sent them, in formats other than an OpenSSH
/// key line: each is named, with the command that converts it (they got
/// the parser's words, "Base64 encoding error"); a byte order mark, as
/// Notepad writes one, is set aside.
#[test]
fn public_keys_in_other_formats_are_named_with_how_to_convert_them() {
    let w = Work::with_claims();
    let st = ssh_keygen()
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "Cert User", "-f"])
        .arg(w.path("cu"))
        .status()
        .unwrap();
    assert!(st.success());
    let line = std::fs::read_to_string(w.path("cu.pub")).unwrap();
    // A certificate, signed by a CA key made for it.
    ssh_keygen()
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(w.path("ca"))
        .status()
        .unwrap();
    let signed = ssh_keygen()
        .args(["-q", "-s"])
        .arg(w.path("ca"))
        .args(["-I", "cu", "-n", "cu"])
        .arg(w.path("cu.pub"))
        .status()
        .unwrap();
    assert!(signed.success());
    let rfc4716 = ssh_keygen()
        .arg("-e")
        .arg("-f")
        .arg(w.path("cu.pub"))
        .output()
        .unwrap();
    std::fs::write(w.path("cu.rfc4716"), &rfc4716.stdout).unwrap();
    std::fs::write(w.path("opts.pub"), format!("restrict,command=\"x\" {line}")).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(line.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(w.path("utf16.pub"), utf16).unwrap();
    std::fs::write(
        w.path("k.ppk"),
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n",
    )
    .unwrap();
    std::fs::copy(w.path("k.ppk"), w.path("PROFILE.ppk")).unwrap();
    // openssl's PEM form of an Ed25519 public key (`openssl pkey -pubout`),
    // which `ssh-keygen -i -m PKCS8`, the command the hint gave, refuses.
    std::fs::write(
        w.path("k.pub.pem"),
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAdzdHwOaWtuyu2xvhwOk3N/qoAUWy+5zdClosPsJa7pk=\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let before = w.db_bytes();
    for (file, says) in [
        ("cu-cert.pub", "cu-cert.pub: this is an OpenSSH certificate, not a key: give the key's own .pub (`ssh-keygen -y -f PRIVATE_KEY` prints it)"),
        ("cu.rfc4716", "cu.rfc4716: this is an RFC 4716 (SSH2) public key, as PuTTY writes it: convert it with `ssh-keygen -i -f cu.rfc4716 > cu.pub`"),
        ("k.ppk", "k.ppk: this is a PuTTY private key (.ppk): give its OpenSSH public key, which `puttygen k.ppk -L` prints"),
        // A name holding FILE is filled in once (it became PROPROFILE.ppk.ppk).
        ("PROFILE.ppk", "PROFILE.ppk: this is a PuTTY private key (.ppk): give its OpenSSH public key, which `puttygen PROFILE.ppk -L` prints"),
        ("opts.pub", "opts.pub: this line has options before the key, as in authorized_keys: give the key alone"),
        ("k.pub.pem", "k.pub.pem: this is a PEM public key, as openssl writes it, which OpenSSH cannot convert to an ed25519 key line: its owner makes an OpenSSH key (`ssh-keygen -t ed25519`, or `claimtrail key new PATH`) and gives its .pub"),
        ("utf16.pub", "utf16.pub is UTF-16 text (as Windows PowerShell writes files) (hint: convert it: `iconv -f UTF-16 -t UTF-8 utf16.pub > key.pub`)"),
    ] {
        w.run(Some("admin"), &["key", "add", file, "--role", "analyst"]).error(says);
    }
    // The same line pasted from authorized_keys, not a file: named as the
    // key given (it was "cannot read from=…: no such file").
    let pasted = format!("from=\"10.0.0.1\" {line}");
    w.run(Some("admin"), &["key", "add", &pasted, "--role", "analyst"])
        .error("the key given: this line has options before the key, as in authorized_keys: give the key alone");
    assert!(w.db_bytes() == before);
    std::fs::write(w.path("bom.pub"), format!("\u{feff}{line}")).unwrap();
    assert!(w
        .run(
            Some("admin"),
            &["key", "add", "bom.pub", "--role", "analyst"]
        )
        .ok()
        .starts_with("enrolled Cert User (SHA256:"));
    // A comment line above the key, as OpenSSH reads a .pub file
    // (`ssh-keygen -l` takes it): read past, as OpenSSH does.
    std::fs::write(
        w.path("commented.pub"),
        format!("# Cert User's laptop key\n{line}"),
    )
    .unwrap();
    w.run(
        Some("admin"),
        &["key", "add", "commented.pub", "--role", "analyst"],
    )
    .error("is already enrolled");
    // A private key as OpenSSH reads it: after a byte order mark, and with
    // its .pub appended after the END line (the parser refused both, in
    // words about a NUL byte and a PEM boundary); a PuTTY key is named.
    use std::os::unix::fs::PermissionsExt;
    let private = std::fs::read(w.path("analyst")).unwrap();
    let public = std::fs::read(w.path("analyst.pub")).unwrap();
    for (name, bytes) in [
        ("bom-key", [&b"\xef\xbb\xbf"[..], &private].concat()),
        ("both-key", [&private[..], &public].concat()),
        ("k.ppk", std::fs::read(w.path("k.ppk")).unwrap()),
    ] {
        std::fs::write(w.path(name), bytes).unwrap();
        std::fs::set_permissions(w.path(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    for key in ["bom-key", "both-key"] {
        let r = w.run(Some(key), &["annotate", "C1", "--verdict", "false"]);
        assert!(r.ok().starts_with('A'), "{key}: {}", r.stderr);
    }
    let r = w.run(Some("k.ppk"), &["annotate", "C1", "--verdict", "false"]);
    r.error("k.ppk: it is a PuTTY key (.ppk): convert it with `puttygen ");
    assert!(
        r.stderr.contains("/k.ppk -O private-openssh -o ")
            && r.stderr.contains("/k`, and give that"),
        "{}",
        r.stderr
    );
}

#[test]
fn allowed_signers_principals_keep_arabic_names_and_never_merge_two_people() {
    let w = Work::with_claims(); // "Rana Haddad" is the analyst
    w.key("rana2");
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "rana2.pub",
            "--role",
            "analyst",
            "--name",
            "رنا حداد",
        ],
    )
    .ok();
    // `key add` refuses `Rana_Haddad` beside `Rana Haddad` (it reads as
    // her name); a log written otherwise (another tool, an older
    // claimtrail) may hold both, and its principals must still differ.
    w.key("impostor");
    let public = std::fs::read_to_string(w.path("impostor.pub")).unwrap();
    let line: Vec<&str> = public.split_whitespace().take(2).collect();
    let admin = claimtrail::keys::Signer::load(&w.path("admin")).unwrap();
    let mut store = claimtrail::store::Store::open(&w.db).unwrap();
    let body = claimtrail::model::Body::KeyAdd(claimtrail::model::KeyAdd {
        key: line.join(" "),
        name: "Rana_Haddad".into(),
        role: claimtrail::model::Role::Analyst,
    });
    let entry = claimtrail::log::NewEntry { body, blob: None };
    claimtrail::log::append(&mut store, &admin, entry).unwrap();
    drop(store);
    let a = w.run(Some("rana2"), &["annotate", "C1", "--verdict", "disputed"]);
    a.ok();
    let b = w.run(Some("impostor"), &["annotate", "C2", "--verdict", "false"]);
    b.ok();
    let signers = w.run(None, &["key", "allowed-signers"]);
    let text = signers.ok();
    assert!(
        text.contains("\nرنا_حداد namespaces=\"claimtrail\" ssh-ed25519 "),
        "{text}"
    );
    assert!(
        text.contains("\nRana_Haddad namespaces=\"claimtrail\" ssh-ed25519 "),
        "{text}"
    );
    assert!(
        text.contains("\nRana_Haddad-2 namespaces=\"claimtrail\" ssh-ed25519 "),
        "{text}"
    );
    let seqs: Vec<String> = w
        .run(None, &["log", "--json"])
        .ok()
        .parse::<serde_json::Value>()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .take(2)
        .map(|e| e["seq"].to_string())
        .collect();
    let (impostor_seq, rana2_seq) = (&seqs[0], &seqs[1]);
    w.ssh_keygen_accepts(rana2_seq, "رنا_حداد");
    w.ssh_keygen_accepts(impostor_seq, "Rana_Haddad-2");
    // The impostor's signature is not Rana Haddad's.
    let out = ssh_keygen_verify(
        &w.path("allowed_signers"),
        "Rana_Haddad",
        &w.path("entry.sig"),
        &w.path("entry.payload"),
    );
    assert!(
        !out.status.success(),
        "ssh-keygen took the impostor's signature for Rana Haddad's"
    );
    // In --json, a key's line is `public_key`, as in `key list`, and each
    // principal is there with its fingerprint; `key revoke` names the key
    // revoked by its `fingerprint`, as `key add` names the key enrolled.
    let listed: serde_json::Value = w
        .run(None, &["--json", "key", "allowed-signers"])
        .ok()
        .parse()
        .unwrap();
    let impostor = claimtrail::keys::PublicKey::from_openssh(&public).unwrap();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["principal"] == "Rana_Haddad-2")
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(
        (
            &entry["public_key"],
            &entry["fingerprint"],
            &entry["revoked_seq"]
        ),
        (
            &serde_json::json!(line.join(" ")),
            &serde_json::json!(impostor.fingerprint().as_str()),
            &serde_json::Value::Null
        ),
        "{entry}"
    );
    let revoked: serde_json::Value = w
        .run(
            Some("admin"),
            &[
                "--json",
                "key",
                "revoke",
                "impostor.pub",
                "--reason",
                "not hers",
            ],
        )
        .ok()
        .parse()
        .unwrap();
    assert_eq!(
        (&revoked["fingerprint"], &revoked["name"]),
        (
            &serde_json::json!(impostor.fingerprint().as_str()),
            &serde_json::json!("Rana_Haddad")
        ),
        "{revoked}"
    );
}

#[test]
fn keys_of_other_types_made_by_ssh_keygen_are_refused_by_type() {
    // An ECDSA .pub given as --key was taken for a private key file and
    // the user told to `chmod 600` it.
    let w = Work::with_claims();
    for (t, name) in [("ecdsa", "ec"), ("rsa", "rsa")] {
        let made = ssh_keygen()
            .args(["-q", "-t", t, "-N", "", "-f"])
            .arg(w.path(name))
            .status()
            .unwrap();
        assert!(made.success());
        let public = format!("{name}.pub");
        let r = w.run(
            None,
            &["--key", &public, "annotate", "C1", "--verdict", "false"],
        );
        r.error(&format!("cannot use key {public}: "));
        assert!(
            r.stderr
                .contains(" keys are not supported: claimtrail signs with ssh-ed25519 only"),
            "{}",
            r.stderr
        );
        // Its private key says so once, and the hint how to make one.
        let r = w.run(
            None,
            &["--key", name, "annotate", "C1", "--verdict", "false"],
        );
        r.error(" keys are not supported: claimtrail signs with ssh-ed25519 only (hint: give an ed25519 key with --key");
        assert_eq!(r.stderr.matches("key new").count(), 1, "{}", r.stderr);
        // Nor does `key add` take them, or two keys in one file.
        w.run(Some("admin"), &["key", "add", &public, "--role", "analyst"])
            .error("keys are not supported");
    }
    let two = format!(
        "{}{}",
        std::fs::read_to_string(w.path("ec.pub")).unwrap(),
        std::fs::read_to_string(w.path("analyst.pub")).unwrap()
    );
    std::fs::write(w.path("two.pub"), two).unwrap();
    w.run(Some("admin"), &["key", "add", "two.pub", "--role", "analyst"])
        .error("two.pub holds 2 keys, one a line (hint: enroll one key at a time: give each its own .pub file)");
}

/// `ssh-keygen -Y verify` checks an Ed25519 signature's S against 2²⁵³
/// only, so anyone can turn an entry's signature (R, S) into (R, S + ℓ)
/// without its key: OpenSSH still calls it good, while the entry's bytes,
/// and so its hash and the tree root, change. verify refuses it, and so
/// does `tools/check_sshsig_s.py`, which AUDIT.md has an auditor who
/// checks signatures with OpenSSH run beside it (red team C, 1).
#[test]
fn a_signature_rewritten_to_s_plus_l_passes_openssh_alone_but_not_verify() {
    const L: &str = "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed";
    let w = Work::with_claims();
    let log: serde_json::Value =
        serde_json::from_str(w.run(None, &["log", "--json"]).ok()).unwrap();
    let last = log.as_array().unwrap().last().unwrap();
    let seq = last["seq"].to_string();
    assert_eq!(last["signer_name"], "Rana Haddad", "the last entry is hers");
    let principal = "Rana_Haddad";
    w.ssh_keygen_accepts(&seq, principal);
    let check = |sig: &std::path::Path| {
        Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tools/check_sshsig_s.py"
            ))
            .arg(sig)
            .output()
            .expect("python3 runs (the CI installs it)")
    };
    assert!(check(&w.path("entry.sig")).status.success());

    // S + ℓ, little-endian, in the blob's last 32 bytes; the hash column
    // recomputed, as a forger would.
    let c = rusqlite::Connection::open(&w.db).unwrap();
    let (payload, mut sig): (Vec<u8>, Vec<u8>) = c
        .query_row(
            "SELECT payload, sig FROM entries WHERE seq = ?",
            [&seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let n = sig.len();
    let l: Vec<u8> = (0..32)
        .rev()
        .map(|i| u8::from_str_radix(&L[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut carry = 0u16;
    for (s, l) in sig[n - 32..].iter_mut().zip(&l) {
        let t = *s as u16 + *l as u16 + carry;
        *s = t as u8;
        carry = t >> 8;
    }
    assert_eq!(carry, 0);
    assert!(
        sig[n - 1] < 0x20,
        "S + ℓ is below 2²⁵³, as OpenSSH requires"
    );
    let hash = claimtrail::entry::entry_hash(&payload, &sig);
    c.execute(
        "UPDATE entries SET sig = ?, hash = ? WHERE seq = ?",
        rusqlite::params![sig, &hash.0[..], seq],
    )
    .unwrap();
    drop(c);

    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &sig);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let armored = format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        lines.join("\n")
    );
    std::fs::write(w.path("forged.sig"), armored).unwrap();
    let openssh = ssh_keygen_verify(
        &w.path("allowed_signers"),
        principal,
        &w.path("forged.sig"),
        &w.path("entry.payload"),
    );
    assert!(
        openssh.status.success(),
        "OpenSSH took S + ℓ before; if it refuses it now, AUDIT.md can say so: {}",
        String::from_utf8_lossy(&openssh.stderr)
    );
    let refused = check(&w.path("forged.sig"));
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("forged.sig: S is not below the group order"));
    let v = w.run(None, &["verify"]);
    v.problem(&seq, "signature");
    assert!(v.stdout.contains("not reduced modulo ℓ"), "{}", v.stdout);
}
