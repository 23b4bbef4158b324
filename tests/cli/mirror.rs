//! `mirror URL DIR`: a monitor at a distance fetches a published log over
//! HTTP into a directory of its own, then checks that with
//! `verify-published`, run after run as the log grows. The server is a
//! small static file server on 127.0.0.1 (`serve`), as any web host serves
//! `publish`'s directory: no listing, a 404 for what is not there.

use crate::common::*;
use crate::verify_published::check;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A static file server of `root` on a free port of 127.0.0.1, for the
/// rest of the test run; it records the paths asked for.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// The paths asked for since the last call, sorted.
    fn requests(&self) -> Vec<String> {
        let mut r = std::mem::take(&mut *self.requests.lock().unwrap());
        r.sort();
        r
    }
}

fn serve(root: PathBuf) -> Server {
    serve_with(root, None)
}

/// [`serve`] over TLS, with a server certificate for 127.0.0.1 that
/// `tls` issued.
fn serve_tls(root: PathBuf, tls: &Tls) -> Server {
    serve_with(root, Some(tls.config.clone()))
}

fn serve_with(root: PathBuf, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (root, seen, tls) = (root.clone(), seen.clone(), tls.clone());
            std::thread::spawn(move || match tls {
                None => answer(stream, &root, &seen),
                Some(config) => {
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    answer(&mut tls, &root, &seen);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            });
        }
    });
    Server { url, requests }
}

/// One request on `stream`: the file under `root`, a 404, or a 500 where
/// a `FILE.500` marker says so.
fn answer(stream: impl Read + Write, root: &Path, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    // The headers, up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = first.split(' ').nth(1).unwrap_or("/").to_string();
    seen.lock().unwrap().push(path.clone());
    let file = root.join(path.trim_start_matches('/'));
    let body = (!path.contains("..")).then(|| std::fs::read(&file).ok());
    // `FILE.500` beside a file: the server fails on it.
    let broken = file.with_extension("500").is_file();
    // `FILE.302` beside a file: the server redirects it where that says.
    let moved = std::fs::read_to_string(file.with_extension("302")).ok();
    // `FILE.gz` beside a file: the server sends that, gzip-compressed at
    // the HTTP layer, unasked, as C2SP tlog-tiles lets a log send entry
    // bundles.
    let gzipped = std::fs::read(file.with_extension("gz")).ok();
    // `FILE.encoding` beside a file: the Content-Encoding the server names
    // for what it sends (`FILE.gz`, or the file as it is), as a host
    // configured so labels it.
    let coding = std::fs::read_to_string(file.with_extension("encoding")).ok();
    // `FILE.status` beside a file: the server answers with the status its
    // first line gives, and the header lines after it.
    let refused = std::fs::read_to_string(file.with_extension("status")).ok();
    let (refused, headers) = match &refused {
        Some(r) => {
            let (status, headers) = r.split_once('\n').unwrap_or((r, ""));
            let headers: String = headers.lines().map(|h| format!("{h}\r\n")).collect();
            (Some(status.trim().to_string()), headers)
        }
        None => (None, String::new()),
    };
    let (status, body) = match body.flatten() {
        _ if broken => ("500 Internal Server Error", b"oops\n".to_vec()),
        _ if refused.is_some() => (refused.as_deref().unwrap_or_default(), b"no\n".to_vec()),
        _ if moved.is_some() => ("302 Found", Vec::new()),
        Some(_) if gzipped.is_some() => ("200 OK", gzipped.clone().unwrap_or_default()),
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found\n".to_vec()),
    };
    let location = moved.map_or(String::new(), |to| format!("Location: {}\r\n", to.trim()));
    let encoding = match (status, coding, gzipped) {
        ("200 OK", Some(c), _) => format!("Content-Encoding: {}\r\n", c.trim()),
        ("200 OK", None, Some(_)) => "Content-Encoding: gzip\r\n".to_string(),
        _ => String::new(),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\n{location}{encoding}{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let stream = reader.get_mut();
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// A certificate authority made for the test (rcgen), the PEM of its
/// certificate as `--ca-file` reads it, and a rustls server configuration
/// with a certificate it issued for 127.0.0.1.
struct Tls {
    ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

fn tls(name: &str) -> Tls {
    tls_for(
        name,
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap(),
    )
}

/// [`tls`], with the server's certificate made from `server`: another
/// name, other dates.
fn tls_for(name: &str, server: rcgen::CertificateParams) -> Tls {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} test CA"));
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(ca, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = server.signed_by(&server_key, &ca).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![server.der().clone()], key)
    .unwrap();
    Tls {
        ca_pem: ca.pem(),
        config: Arc::new(config),
    }
}

/// `claimtrail mirror ARGS…`, with no database (the `--db` names no file):
/// a monitor has none. No proxy, and killed (the test failing) if it has
/// not finished within two minutes: a mirror that kept asking would
/// otherwise hang the suite.
fn mirror(w: &Work, args: &[&str]) -> Run {
    let mut all = vec!["--db", "no-such.db", "mirror"];
    all.extend_from_slice(args);
    w.run_within(
        std::time::Duration::from_secs(120),
        None,
        &[
            ("http_proxy", ""),
            ("HTTP_PROXY", ""),
            ("https_proxy", ""),
            ("HTTPS_PROXY", ""),
            ("ALL_PROXY", ""),
        ],
        &all,
    )
}

/// 300 more annotations, noted `round` (import skips lines already in
/// the log), and a checkpoint over them.
fn grow(w: &Work, round: &str) {
    w.annotations_noted(300, Some(round));
    w.run(Some("admin"), &["checkpoint"]).ok();
}

/// A log of 307 entries with a checkpoint, published into `site`.
fn published() -> (Work, PathBuf) {
    let w = Work::with_claims();
    w.annotations(300);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    (w, site)
}

/// A log that sends its entry bundles gzip-compressed at the HTTP layer,
/// as C2SP tlog-tiles says it SHOULD (and MAY without being asked), is
/// mirrored: each bundle was "served damaged", and the monitor was told
/// to check the tree alone.
#[test]
fn entry_bundles_sent_gzip_compressed_are_read() {
    let (w, site) = published();
    let mut bundles = 0;
    let mut todo = vec![site.join("tile/entries")];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let ok = std::process::Command::new("gzip")
                    .args(["-kn", path.to_str().unwrap()])
                    .status()
                    .unwrap()
                    .success();
                assert!(ok);
                bundles += 1;
            }
        }
    }
    assert!(bundles >= 2, "{bundles}");
    let server = serve(site.clone());
    let dir = w.path("m");
    let r = mirror(
        &w,
        &[&server.url, dir.to_str().unwrap(), "--vkey", &w.vkey()],
    );
    assert!(r.ok().contains("mirrored log"), "{}", r.stdout);
    check(&w, &dir, &["--vkey", &w.vkey()]).ok();
    // What was written is the bundles themselves, not their compression.
    assert_eq!(
        std::fs::read(dir.join("tile/entries/001.p/51")).unwrap(),
        std::fs::read(site.join("tile/entries/001.p/51")).unwrap()
    );
    // One whose compression is damaged (its checksum) is a file served
    // damaged, named, the rest put in place: it stopped the mirror with
    // exit 2 and the advice to check the connection, run after run.
    let gz = site.join("tile/entries/001.p/51.gz");
    let mut bytes = std::fs::read(&gz).unwrap();
    let at = bytes.len() - 6;
    bytes[at] ^= 0xff;
    std::fs::write(&gz, bytes).unwrap();
    let fresh = w.path("m2");
    let r = mirror(
        &w,
        &[&server.url, fresh.to_str().unwrap(), "--vkey", &w.vkey()],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("PROBLEM tile/entries/001.p/51: tile: the server serves it damaged (sent gzip-compressed, and it does not decompress ("),
        "{}",
        r.stdout
    );
    assert!(fresh.join("tile/entries/000").is_file());
}

/// Every file under `dir` (not one made here), also as `FILE.gz`
/// (`gzip -kn`) and labelled `coding` (`FILE.encoding`): the server sends
/// each compressed under that name.
fn gzip_all(dir: &Path, coding: &str) {
    for (name, _) in dir_files(dir) {
        let path = dir.join(&name);
        let ok = std::process::Command::new("gzip")
            .args(["-kn", path.to_str().unwrap()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "{name}");
        std::fs::write(path.with_extension("encoding"), coding).unwrap();
    }
}

/// A host that labels gzip by its old name, `Content-Encoding: x-gzip`
/// (which RFC 9110 §8.4.1.3 says a recipient SHOULD take as gzip), is read
/// as gzip: ureq decodes `gzip` spelt so only, and the rest came as it was
/// sent, the checkpoint "not valid UTF-8", each tile "served damaged". A
/// coding claimtrail does not decode is named as what it is, not blamed
/// on the file.
#[test]
fn files_sent_x_gzip_are_read_and_other_codings_are_named() {
    let (w, site) = published();
    gzip_all(&site, "x-gzip");
    let server = serve(site.clone());
    let dir = w.path("m");
    let r = mirror(
        &w,
        &[&server.url, dir.to_str().unwrap(), "--vkey", &w.vkey()],
    );
    assert!(r.ok().contains("mirrored log"), "{}", r.stdout);
    // What was written is the files themselves, not their compression.
    let written: Vec<_> = dir_files(&dir)
        .into_iter()
        .filter(|(name, _)| !name.starts_with(".claimtrail-"))
        .collect();
    let served: Vec<_> = dir_files(&site)
        .into_iter()
        .filter(|(name, _)| !name.ends_with(".gz") && !name.ends_with(".encoding"))
        .collect();
    assert_eq!(written, served);
    check(&w, &dir, &["--vkey", &w.vkey()]).ok();

    // An entry bundle sent under a coding claimtrail does not decode (here
    // the bundle as it is, labelled br): named with the coding and the
    // remedy, not written, the rest put in place.
    let bundle = site.join("tile/entries/000");
    std::fs::remove_file(bundle.with_extension("gz")).unwrap();
    std::fs::write(bundle.with_extension("encoding"), "br").unwrap();
    let fresh = w.path("m2");
    let r = mirror(&w, &[&server.url, fresh.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("\nPROBLEM tile/entries/000: tile: the server sends it with Content-Encoding br, which claimtrail does not decode, so it was not written (ask the host to serve it plain or gzip)\n"),
        "{}",
        r.stdout
    );
    assert!(!fresh.join("tile/entries/000").exists());
    assert!(fresh.join("tile/0/000").is_file());
    let json: serde_json::Value = serde_json::from_str(
        &mirror(&w, &[&server.url, w.path("m3").to_str().unwrap(), "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(
        json["undecoded"],
        serde_json::json!([["tile/entries/000", "br"]])
    );
    assert_eq!(json["damaged"], serde_json::json!([]));

    // The checkpoint so: exit 2, the coding named, nothing written.
    let checkpoint = site.join("checkpoint");
    std::fs::remove_file(checkpoint.with_extension("gz")).unwrap();
    std::fs::write(checkpoint.with_extension("encoding"), "br").unwrap();
    let none = w.path("m4");
    let r = mirror(&w, &[&server.url, none.to_str().unwrap()]);
    r.error(&format!(
        "cannot read {}/checkpoint: it is sent with Content-Encoding br, which claimtrail does not decode (hint: ask the host to serve it plain or gzip)",
        server.url.trim_end_matches('/')
    ));
    assert!(!none.exists());
}

/// A mirror cut short by the server leaves the directory as the last whole
/// mirror made it: the files it fetched wait aside for the next run. They
/// were put in place beside the old checkpoint, and `verify-published`
/// called the honest directory rolled back.
#[test]
fn a_mirror_cut_short_leaves_the_last_whole_mirror() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let m_arg = m.to_str().unwrap();
    mirror(&w, &[&server.url, m_arg]).ok();
    let before = dir_files(&m);
    grow(&w, "two");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let broken = site.join("tile/entries/002.p/96.500");
    std::fs::write(&broken, "").unwrap();
    mirror(&w, &[&server.url, m_arg]).error("the server answered 500 Internal Server Error");
    let now: Vec<_> = dir_files(&m)
        .into_iter()
        .filter(|(name, _)| !name.starts_with(".claimtrail-"))
        .collect();
    assert_eq!(now, before, "nothing new in place");
    crate::verify_published::check(&w, &m, &[]).ok();
    // The next run takes what waits, fetches the rest, and is whole.
    std::fs::remove_file(&broken).unwrap();
    server.requests();
    mirror(&w, &[&server.url, m_arg]).ok();
    assert_eq!(server.requests(), ["/checkpoint", "/tile/entries/002.p/96"]);
    assert!(!m.join(".claimtrail-mirror-fetched").exists());
    crate::verify_published::check(&w, &m, &[]).ok();
}

/// A first mirror cut short leaves tiles and no checkpoint: verify-published
/// says to run the mirror again (it said to give "the directory
/// `claimtrail publish` wrote", which it is a copy of).
#[test]
fn a_first_mirror_cut_short_is_told_to_run_again() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let m_arg = m.to_str().unwrap();
    // The last entry bundle, a partial one, answered with an error.
    let partial = std::fs::read_dir(site.join("tile/entries/001.p"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let broken = partial.with_extension("500");
    std::fs::write(&broken, "").unwrap();
    mirror(&w, &[&server.url, m_arg]).error("the server answered 500 Internal Server Error");
    assert!(!m.join("checkpoint").exists());
    crate::verify_published::check(&w, &m, &[]).error(&format!(
        "error: {} holds no checkpoint: a first `claimtrail mirror` into it was cut short, or is still running (hint: run the mirror again, with the same URL and DIR (it goes on from what it fetched), then check the directory)",
        m.display()
    ));
    std::fs::remove_file(&broken).unwrap();
    mirror(&w, &[&server.url, m_arg]).ok();
    crate::verify_published::check(&w, &m, &[]).ok();
}

/// A first mirror killed (`kill -9`) while it moved the files it fetched
/// into their places: the next run takes the files under `tile/` as its
/// own, not as strays to set aside and fetch again (hundreds were). The
/// state is made as the kill leaves it: some files in place, the rest
/// waiting, no checkpoint, the run's markers.
#[test]
fn a_first_mirror_killed_while_placing_its_files_goes_on() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let m_arg = m.to_str().unwrap();
    mirror(&w, &[&server.url, m_arg]).ok();
    let note = std::fs::read(m.join("checkpoint")).unwrap();
    std::fs::remove_file(m.join("checkpoint")).unwrap();
    let waiting = m.join(".claimtrail-mirror-fetched/tile/entries");
    std::fs::create_dir_all(&waiting).unwrap();
    std::fs::rename(m.join("tile/entries/000"), waiting.join("000")).unwrap();
    std::fs::write(m.join(".claimtrail-mirror-fetched-for"), &note).unwrap();
    std::fs::write(m.join(".claimtrail-mirror-placing"), b"").unwrap();
    server.requests();
    let r = mirror(&w, &[&server.url, m_arg]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        !r.stdout.contains("stray") && !r.stderr.contains("stray"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    assert!(!m.join(".claimtrail-mirror-stray").exists());
    assert_eq!(server.requests(), ["/checkpoint"]);
    assert_eq!(std::fs::read(m.join("checkpoint")).unwrap(), note);
    assert!(!m.join(".claimtrail-mirror-placing").exists());
    crate::verify_published::check(&w, &m, &[]).ok();
}

/// A directory with no checkpoint mirrors no tree yet: a tile file in it
/// (a copy, another log's) is not taken for the server's. It was kept run
/// after run, and the mirror failed `verify-published` for good.
#[test]
fn a_stray_tile_in_a_directory_with_no_checkpoint_is_replaced() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let stray = m.join("tile/0/000");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, vec![7u8; 32 * 256]).unwrap();
    // And at paths the tree does not fetch: an earlier size's partial
    // tile (judged against the tree now, and failing for ever), a name
    // that is no tile's.
    std::fs::create_dir_all(m.join("tile/1/000.p")).unwrap();
    std::fs::write(m.join("tile/1/000.p/1"), [9u8; 32]).unwrap();
    std::fs::write(m.join("tile/0/x999"), b"j").unwrap();
    let r = mirror(&w, &[&server.url, m.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with("note: ")
            && r.stderr.contains(
                "held tile/ but no checkpoint, so no mirror's: its files were moved aside to "
            ),
        "{}",
        r.stderr
    );
    assert!(server.requests().contains(&"/tile/0/000".to_string()));
    assert_eq!(
        std::fs::read(&stray).unwrap(),
        std::fs::read(site.join("tile/0/000")).unwrap()
    );
    assert!(m.join(".claimtrail-mirror-stray/0/x999").exists());
    let checked = crate::verify_published::check(&w, &m, &[]);
    assert!(!checked.ok().contains("tile/"), "{}", checked.stdout);
}

/// Files a mirror cut short fetched wait for the tree they belong to: when
/// the server shows another checkpoint on the next run, they are fetched
/// again (a resumed mirror put the tiles of two trees side by side, exited
/// 0, and the directory failed `verify-published`).
#[test]
fn files_fetched_for_one_tree_are_not_kept_for_another() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let m_arg = m.to_str().unwrap();
    mirror(&w, &[&server.url, m_arg]).ok();
    grow(&w, "two");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let broken = site.join("tile/entries/002.p/96.500");
    std::fs::write(&broken, "").unwrap();
    mirror(&w, &[&server.url, m_arg]).error("the server answered 500 Internal Server Error");
    let waiting: Vec<String> = dir_files(&m.join(".claimtrail-mirror-fetched"))
        .into_iter()
        .map(|(name, _)| format!("/{name}"))
        .collect();
    assert!(!waiting.is_empty());
    // Another checkpoint is served now.
    std::fs::remove_file(&broken).unwrap();
    grow(&w, "three");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    server.requests();
    mirror(&w, &[&server.url, m_arg]).ok();
    let asked = server.requests();
    // (The full tiles: the earlier tree's partial ones are not the new
    // tree's.)
    for path in waiting.iter().filter(|p| !p.contains(".p/")) {
        {
            assert!(
                asked.contains(path),
                "{path} was not fetched again: {asked:?}"
            );
        }
    }
    assert!(!m.join(".claimtrail-mirror-fetched-for").exists());
    crate::verify_published::check(&w, &m, &[]).ok();
}

/// A hash tile served damaged once (the right length, the wrong bytes)
/// while the log grew: the mirror is refused, as it must be, and the next
/// run against an honest server takes the tree. The damaged tile was kept
/// waiting and never asked for again: every later run was refused, saying
/// the honest server's tiles did not make its root, and "keep both as
/// evidence" of what was no second history.
#[test]
fn a_tile_served_damaged_once_is_fetched_again() {
    let (w, site) = published();
    let v = w.vkey();
    let m = w.path("mirror");
    let d = m.to_str().unwrap();
    let honest = serve(site.clone());
    mirror(&w, &[&honest.url, d, "--vkey", &v]).ok();
    grow(&w, "two");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let bad = crate::verify_published::copy_site(&w, &site, "bad");
    let top = bad.join("tile/1/000.p/2");
    let mut b = std::fs::read(&top).unwrap();
    b[40] ^= 1;
    std::fs::write(&top, b).unwrap();
    let damaging = serve(bad);
    let r = mirror(&w, &[&damaging.url, d, "--vkey", &v]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("the hash tiles served do not make the served root at 608 entries\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("both are signed by the verifier key given, and whether they are of one history is known only from the served tree's tiles; run the same command again once the server serves the tree whole"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("keep both as evidence"), "{}", r.stdout);
    honest.requests();
    let out = mirror(&w, &[&honest.url, d, "--vkey", &v]).ok().to_string();
    assert!(out.contains("checkpoint of 608 entries"), "{out}");
    assert!(
        honest.requests().contains(&"/tile/1/000.p/2".to_string()),
        "the damaged tile was not fetched again"
    );
    check(&w, &m, &["--vkey", &v]).ok();
}

#[test]
fn a_monitor_follows_the_log_over_http() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let mirror_dir = m.to_str().unwrap();

    let out = mirror(&w, &[&server.url, mirror_dir]).ok().to_string();
    let lines: Vec<&str> = out.lines().collect();
    let url = server.url.trim_end_matches('/');
    assert_eq!(
        lines[0],
        format!(
            "mirrored log test.example/idlib from {url} into {mirror_dir}: checkpoint of 307 entries, root {}",
            root_of(&site)
        )
    );
    assert!(
        lines[1].starts_with("  fetched 3 hash tiles and 2 entry bundles, ")
            && lines[1].ends_with(" bytes with the checkpoint; 0 files of the tree already there"),
        "{out}"
    );
    assert!(
        lines[2].starts_with(&format!(
            "check it with no database: claimtrail verify-published {mirror_dir} --vkey KEY"
        )),
        "{out}"
    );
    assert_eq!(lines.len(), 3, "{out}");
    // Byte for byte what was published, and no more than the tree needs.
    assert_eq!(dir_files(&m), dir_files(&site));
    assert_eq!(
        server.requests(),
        [
            "/checkpoint",
            "/tile/0/000",
            "/tile/0/001.p/51",
            "/tile/1/000.p/1",
            "/tile/entries/000",
            "/tile/entries/001.p/51"
        ]
    );
    let v = w.vkey();
    let ok = check(&w, &m, &["--vkey", &v]).ok().to_string();
    assert!(
        ok.contains("read 307 entries in 2 bundles and 3 hash tiles"),
        "{ok}"
    );
    let seen = w.path("seen.txt");
    std::fs::copy(m.join("checkpoint"), &seen).unwrap();

    // The log grows; the monitor's next run fetches only the new tiles.
    grow(&w, "second round");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let out = mirror(&w, &[&server.url, mirror_dir]).ok().to_string();
    assert!(
        out.contains("checkpoint of 608 entries")
            && out.contains("  fetched 3 hash tiles and 2 entry bundles, ")
            && out.contains("; 2 files of the tree already there\n")
            && out.contains("  the directory held the tree of 307 entries: its tiles stay, for the check to compare with the tree now\n"),
        "{out}"
    );
    assert_eq!(
        server.requests(),
        [
            "/checkpoint",
            "/tile/0/001",
            "/tile/0/002.p/96",
            "/tile/1/000.p/2",
            "/tile/entries/001",
            "/tile/entries/002.p/96"
        ]
    );
    // The partial tiles of 307 stay beside the tree of 608, as in `site`.
    assert_eq!(dir_files(&m), dir_files(&site));
    let ok = check(
        &w,
        &m,
        &["--vkey", &v, "--checkpoint", seen.to_str().unwrap()],
    )
    .ok()
    .to_string();
    assert!(ok.contains("(size 307): consistent"), "{ok}");
    assert!(
        ok.contains("and 3 tiles kept for readers of earlier checkpoints"),
        "{ok}"
    );

    // Nothing new: the checkpoint alone is asked for.
    let out = mirror(&w, &[&server.url, mirror_dir, "--json"])
        .ok()
        .to_string();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["outcome"], "mirrored");
    assert_eq!(json["size"], 608);
    assert_eq!(json["previous"], 608);
    assert_eq!(json["tiles_fetched"], 0);
    assert_eq!(json["kept"], 7);
    assert_eq!(json["missing"], serde_json::json!([]));
    assert_eq!(server.requests(), ["/checkpoint"]);

    // Mirroring checks nothing: a byte changed on the server is fetched,
    // and the check names it.
    let m2 = w.path("mirror2");
    let bundle = site.join("tile/entries/000");
    let mut b = std::fs::read(&bundle).unwrap();
    b[1000] ^= 1;
    std::fs::write(&bundle, b).unwrap();
    mirror(&w, &[&server.url, m2.to_str().unwrap()]).ok();
    let r = check(&w, &m2, &["--vkey", &v]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains(": signature: "), "{}", r.stdout);
}

/// The root of the checkpoint in `dir`, in hex: its third line is the
/// root in base64.
/// A desk serves its log over HTTPS under its own certificate authority, as
/// newsrooms' internal hosts often are: the Mozilla roots built in do not
/// trust it, and the hint says what to do; `--ca-file` with the desk's CA
/// certificate mirrors it byte for byte; another CA's certificate, or a
/// file that holds none, does not.
#[test]
fn a_log_served_under_a_desks_own_ca_is_mirrored_with_ca_file() {
    let (w, site) = published();
    let desk = tls("desk");
    let server = serve_tls(site.clone(), &desk);
    assert!(server.url.starts_with("https://127.0.0.1:"));
    let ca = w.path("desk-ca.pem");
    std::fs::write(&ca, &desk.ca_pem).unwrap();
    let ca_arg = ca.to_str().unwrap();
    let m = w.path("mirror");
    let m_arg = m.to_str().unwrap();

    // The error names the address and rustls's reason, the hint the way out.
    mirror(&w, &[&server.url, m_arg]).error(&format!(
        "error: cannot fetch {}checkpoint: the server's certificate is not trusted (invalid peer certificate: UnknownIssuer) (hint: if the log is served under your organisation's own certificate authority, give its certificate: --ca-file CA.pem)",
        server.url
    ));
    assert!(!m.exists(), "an untrusted server made the mirror");

    let out = mirror(&w, &[&server.url, m_arg, "--ca-file", ca_arg])
        .ok()
        .to_string();
    assert!(
        out.starts_with(&format!(
            "mirrored log test.example/idlib from {} into {m_arg}: checkpoint of 307 entries, root {}\n",
            server.url.trim_end_matches('/'),
            root_of(&site)
        )),
        "{out}"
    );
    assert_eq!(dir_files(&m), dir_files(&site));
    let checked = check(&w, &m, &["--vkey", &w.vkey()]).ok().to_string();
    assert!(
        checked.contains("read 307 entries in 2 bundles and 3 hash tiles"),
        "{checked}"
    );

    // The next run over TLS fetches nothing new.
    server.requests();
    mirror(&w, &[&server.url, m_arg, "--ca-file", ca_arg]).ok();
    assert_eq!(server.requests(), ["/checkpoint"]);

    // Redirected off TLS, to the same files over plain http: refused,
    // where it was followed (and the output still named the https server).
    let plain = serve(site.clone());
    let to = format!("{}checkpoint", plain.url);
    std::fs::write(site.join("checkpoint.302"), &to).unwrap();
    let m2 = w.path("mirror2");
    mirror(&w, &[&server.url, m2.to_str().unwrap(), "--ca-file", ca_arg]).error(&format!(
        "error: cannot fetch {}checkpoint: the server redirects it to {to}, off TLS (hint: an https:// log is fetched over TLS only",
        server.url
    ));
    assert!(plain.requests().is_empty() && !m2.exists());
    std::fs::remove_file(site.join("checkpoint.302")).unwrap();

    // Another authority's certificate: the desk's server does not chain
    // to it.
    let other = w.path("other-ca.pem");
    std::fs::write(&other, tls("other").ca_pem).unwrap();
    mirror(
        &w,
        &[&server.url, m_arg, "--ca-file", other.to_str().unwrap()],
    )
    .error(&format!(
        "(invalid peer certificate: UnknownIssuer) (hint: the server's certificate must chain to a certificate in {}: check the file)",
        other.display()
    ));

    // The desk's CA, but a certificate for another name, or out of its
    // dates: --ca-file is not the way out, and the hint says what is.
    let mut expired = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    expired.not_before = rcgen::date_time_ymd(2019, 1, 1);
    expired.not_after = rcgen::date_time_ymd(2020, 1, 1);
    for (server, says, hint) in [
        (
            rcgen::CertificateParams::new(vec!["log.desk.example".to_string()]).unwrap(),
            "not valid for name",
            "(hint: the certificate was issued for another name: give the log's address under that name)",
        ),
        (
            expired,
            "expired",
            "(hint: the certificate is outside its dates: check this machine's clock, or ask the log's host to renew it)",
        ),
    ] {
        let desk = tls_for("desk", server);
        let ca = w.path("desk2-ca.pem");
        std::fs::write(&ca, &desk.ca_pem).unwrap();
        let r = mirror(
            &w,
            &[
                &serve_tls(site.clone(), &desk).url,
                m_arg,
                "--ca-file",
                ca.to_str().unwrap(),
            ],
        );
        r.error(says);
        r.error(hint);
    }

    // Files that are not a CA's certificate, refused before any request.
    server.requests();
    let key_only = w.path("key.pem");
    std::fs::write(
        &key_only,
        rcgen::KeyPair::generate().unwrap().serialize_pem(),
    )
    .unwrap();
    let not_der = w.path("not-der.pem");
    std::fs::write(
        &not_der,
        "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    for (file, says) in [
        (
            key_only.to_str().unwrap(),
            "key.pem: it holds no certificate",
        ),
        (
            not_der.to_str().unwrap(),
            "not-der.pem: its certificate 1 of 1 cannot be a certificate authority (",
        ),
        ("no-such-ca.pem", "cannot read no-such-ca.pem"),
    ] {
        mirror(&w, &[&server.url, m_arg, "--ca-file", file]).error(says);
    }
    assert_eq!(server.requests(), Vec::<String>::new());
    // --ca-file is for https: a plain http address with it is refused.
    let plain = serve(site.clone());
    mirror(&w, &[&plain.url, m_arg, "--ca-file", ca_arg]).error(&format!(
        "--ca-file {ca_arg} is for an https:// address, and {} is not one",
        plain.url.trim_end_matches('/')
    ));
    assert_eq!(plain.requests(), Vec::<String>::new());
    assert_eq!(dir_files(&m), dir_files(&site));
}

fn root_of(dir: &Path) -> String {
    let note = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
    let root_b64 = note.lines().nth(2).unwrap();
    use base64::Engine;
    hex::encode(
        base64::engine::general_purpose::STANDARD
            .decode(root_b64)
            .unwrap(),
    )
}

#[test]
fn what_the_server_gets_wrong_is_named() {
    let (w, site) = published();
    let old = w.path("old-site");
    std::fs::create_dir(&old).unwrap();
    for (rel, bytes) in dir_files(&site) {
        let p = old.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    grow(&w, "second round");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let server = serve(site.clone());
    let m = w.path("mirror");
    mirror(&w, &[&server.url, m.to_str().unwrap()]).ok();
    let before = dir_files(&m);

    // The same address serving the log of 307 entries again: a rollback.
    let rolled_back = serve(old.clone());
    let r = mirror(&w, &[&rolled_back.url, m.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("PROBLEM checkpoint: checkpoint: http://127.0.0.1:")
            && lines[0].contains(" serves the tree of 307 entries (root ")
            && lines[0].contains(" holds the tree of 608 entries (root ")
            && lines[0].ends_with(": the log was rolled back, or the server serves an older copy"),
        "{}",
        r.stdout
    );
    // The served checkpoint is saved beside the tree: with the held one,
    // signed by the log, it proves the log went back on its word, and a
    // server may never serve it again.
    let saved = m.join(format!(".claimtrail-served/307-{}", root_of(&old)));
    assert_eq!(
        lines[1],
        format!(
            "FAILED: {} holds the tree it held; the served one is saved as {}; no signature was checked (no --vkey): check both with `claimtrail checkpoint verify FILE --vkey KEY`, and if the log's key signed both, keep them as evidence; mirror into a new directory to see what is served now",
            m.display(),
            saved.display(),
        )
    );
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read(old.join("checkpoint")).unwrap()
    );
    let now: Vec<_> = dir_files(&m)
        .into_iter()
        .filter(|(name, _)| !name.starts_with(".claimtrail-served/"))
        .collect();
    assert_eq!(now, before, "the mirror was changed");
    check(&w, &m, &[]).ok();
    let json: serde_json::Value = serde_json::from_str(
        mirror(&w, &[&rolled_back.url, m.to_str().unwrap(), "--json"])
            .stdout
            .as_str(),
    )
    .unwrap();
    assert_eq!(json["outcome"], "refused");
    assert_eq!(json["held"], 608);
    assert_eq!(json["served"], 307);
    assert_eq!(
        json["served_note"].as_str().unwrap().as_bytes(),
        std::fs::read(old.join("checkpoint")).unwrap()
    );
    assert_eq!(json["file"].as_str().unwrap(), saved.to_str().unwrap());
    // With the log's key: one history, an older tree of it, not two
    // histories (it said "keep both as evidence").
    let r = mirror(
        &w,
        &[&rolled_back.url, m.to_str().unwrap(), "--vkey", &w.vkey()],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("both are signed by the verifier key given and of one history: the server is stale, or the log was rolled back (ask its desk which)"),
        "{}",
        r.stdout
    );

    // A file the tree needs is not served: named, the rest fetched, and
    // the check says what it leaves unchecked.
    std::fs::remove_file(site.join("tile/entries/001")).unwrap();
    let m2 = w.path("mirror2");
    let r = mirror(&w, &[&server.url, m2.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("\nPROBLEM tile/entries/001: tile: the server does not serve it (404)\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with(&format!(
            "FAILED: 1 file of the tree not served, or served damaged; `claimtrail verify-published {}` shows what is left unchecked\n",
            m2.display()
        )),
        "{}",
        r.stdout
    );
    assert!(m2.join("checkpoint").is_file() && m2.join("tile/entries/000").is_file());
    check(&w, &m2, &[]).problem("tile/entries/001", "tile");

    // Every entry bundle withheld: the mirror says so, and the check of
    // the copy does not narrow itself to the tree (it said OK under the
    // log's key before --tree-only existed).
    let held = w.path("held-back");
    std::fs::rename(site.join("tile/entries"), &held).unwrap();
    let withheld = w.path("mirror-withheld");
    let r = mirror(&w, &[&server.url, withheld.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.ends_with(&format!(
            " of the tree not served, or served damaged, every entry bundle among them; `claimtrail verify-published {} --tree-only --vkey KEY` checks what tree there is, without the entries\n",
            withheld.display()
        )),
        "{}",
        r.stdout
    );
    check(&w, &withheld, &["--vkey", &w.vkey()])
        .error("holds no entries (tile/entries/): they were left out");
    std::fs::rename(&held, site.join("tile/entries")).unwrap();

    // Files served in a shape no tile of their width has: named, and not
    // written (a server cannot fill the directory with anything it likes).
    let (tile, bundle) = (site.join("tile/0/000"), site.join("tile/entries/000"));
    let (tile_bytes, bundle_bytes) = (
        std::fs::read(&tile).unwrap(),
        std::fs::read(&bundle).unwrap(),
    );
    std::fs::write(&tile, b"junk\n").unwrap();
    std::fs::write(&bundle, [0u8, 9, 1, 2]).unwrap();
    let shaped = w.path("mirror-misshapen");
    let r = mirror(&w, &[&server.url, shaped.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for line in [
        "PROBLEM tile/0/000: tile: the server serves it damaged (5 bytes where a hash tile of width 256 has 8192), so it was not written",
        "PROBLEM tile/entries/000: tile: the server serves it damaged (not an entry bundle of width 256: it ends inside entry 1 of the bundle), so it was not written",
    ] {
        assert!(r.stdout.contains(&format!("\n{line}\n")), "{}", r.stdout);
    }
    assert!(!shaped.join("tile/0/000").exists() && !shaped.join("tile/entries/000").exists());
    // Said as what they are (files served damaged were "not served").
    assert!(
        r.stdout.ends_with(&format!(
            " files of the tree not served, or served damaged; `claimtrail verify-published {}` shows what is left unchecked\n",
            shaped.display()
        )),
        "{}",
        r.stdout
    );
    std::fs::write(&tile, tile_bytes).unwrap();
    std::fs::write(&bundle, bundle_bytes).unwrap();

    // A checkpoint whose size no server holds (its signature no longer
    // verifies, which the mirror does not check): the mirror gives up
    // after 1,000 files not served (and the few already asked for), naming
    // 20 of them.
    let note = std::fs::read_to_string(site.join("checkpoint")).unwrap();
    let mut lines: Vec<&str> = note.split('\n').collect();
    lines[1] = "1000000000000000";
    std::fs::write(site.join("checkpoint"), lines.join("\n")).unwrap();
    let m3 = w.path("mirror3");
    let r = mirror(&w, &[&server.url, m3.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("checkpoint of 1,000,000,000,000,000 entries")
            && r.stdout.contains(" more files not served (`--json` lists them)\n")
            && r.stdout.contains(&format!("\nstopped after 1,000 files not served or served damaged: the server does not hold the tree its checkpoint names, and its checkpoint was not written ({} holds what it held; the files fetched wait there for a later run)\n", m3.display())),
        "{}",
        r.stdout
    );
    assert!(!m3.join("checkpoint").exists());
    // Nothing to check there: no verify-published sent to a directory
    // with no checkpoint (it exits 2).
    assert!(
        r.stdout.ends_with(&format!(" of the tree not served, or served damaged; {} holds no tree yet: run the same command again once the server serves the tree its checkpoint names\n", m3.display())),
        "{}",
        r.stdout
    );
    // Counted with the few that the other fetchers had asked for already:
    // at most one each of the seven others.
    let failed = r
        .stdout
        .lines()
        .find(|l| l.starts_with("FAILED: "))
        .unwrap();
    let not_served: u64 = failed["FAILED: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!((1000..1008).contains(&not_served), "{failed}");
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.starts_with("PROBLEM "))
            .count(),
        20
    );
    // Given the log's key, the mirror checks the served checkpoint first:
    // the made-up one is refused before a file is fetched, and neither
    // replaces the signed checkpoint a mirror holds nor makes a new one.
    let v = w.vkey();
    let held = std::fs::read(m2.join("checkpoint")).unwrap();
    for dir in [&m2, &w.path("mirror4")] {
        server.requests();
        mirror(&w, &[&server.url, dir.to_str().unwrap(), "--vkey", &v]).error(&format!(
            "{} serves a checkpoint that the verifier key given did not sign: signature by test.example/idlib+",
            server.url.trim_end_matches('/')
        ));
        assert_eq!(server.requests(), ["/checkpoint"]);
    }
    assert_eq!(std::fs::read(m2.join("checkpoint")).unwrap(), held);
    assert!(!w.path("mirror4").exists());
}

#[test]
fn what_cannot_be_mirrored_is_refused_with_exit_2() {
    let (w, site) = published();
    let m = w.path("mirror");
    let m_arg = m.to_str().unwrap();

    // A directory is not an address.
    mirror(&w, &[site.to_str().unwrap(), m_arg])
        .error("is not the http(s) address of a published log");
    // A directory given as the address: the hint checks it as it is.
    std::fs::create_dir(w.path("my site")).unwrap();
    w.run(None, &["mirror", "my site", "copy"])
        .error("(a directory on this machine is checked as it is: `claimtrail verify-published 'my site'`)");
    // The same as a file:// address: the hint gives the path, which
    // verify-published takes (it gave the address, which it refuses).
    w.run(None, &["mirror", "file:///srv/log", "copy"]).error(
        "(a directory on this machine is checked as it is: `claimtrail verify-published /srv/log`)",
    );
    // An address without its scheme, which names no directory here.
    w.run(None, &["mirror", "log.example/", "copy"])
        .error("error: `log.example/` is not the http(s) address of a published log (hint: give the address with its scheme, e.g. https://log.example/)");
    // A file:// address's %20 is a space in the path given.
    w.run(None, &["mirror", "file:///srv/pub%20dir", "copy"])
        .error("`claimtrail verify-published '/srv/pub dir'`)");
    // No scheme guessed where the address has a colon; `//` kept.
    for (url, hint) in [
        ("http:/log.example/", "(hint: give the address under which `checkpoint` and `tile/` are served, e.g. https://log.example/)"),
        ("file:relative", "(hint: give the address under which `checkpoint` and `tile/` are served, e.g. https://log.example/)"),
        ("//log.example/", "(hint: give the address with its scheme, e.g. https://log.example/)"),
    ] {
        w.run(None, &["mirror", url, "copy"]).error(hint);
    }
    // An address with a query or a fragment says so, and its password is
    // not printed (it was, in full).
    w.run(None, &["mirror", "https://desk:s3cret@log.example/?v=1", "copy"])
        .error("error: `https://desk:***@log.example/?v=1` is not the http(s) address of a published log: it has a query (`?…`), and the log's files are served under a plain path (hint: ");
    w.run(None, &["mirror", "https://desk:s3cret@log.example/#top", "copy"])
        .error("error: `https://desk:***@log.example/#top` is not the http(s) address of a published log: it has a fragment (`#…`), ");
    let r = w.run(None, &["mirror", "http://u:secret pw@127.0.0.1/", "copy"]);
    r.error("error: `http://u:***@127.0.0.1/` is not the http(s) address of a published log: it holds a space or a control character (hint: ");
    // Another scheme is no directory: no such hint.
    let r = w.run(None, &["mirror", "ftp://example.org/log", "copy"]);
    r.error("error: `ftp://example.org/log` is not the http(s) address of a published log (hint: give the address under which `checkpoint` and `tile/` are served, e.g. https://log.example/)");
    // Nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = mirror(&w, &[&format!("http://127.0.0.1:{port}/"), m_arg]);
    r.error(&format!(
        "cannot fetch http://127.0.0.1:{port}/checkpoint: the server refused the connection (nothing listens there) (hint: "
    ));
    assert!(
        r.stderr.contains("(hint: check the address"),
        "{}",
        r.stderr
    );
    // A server that accepts the connection and then says nothing: given
    // up after 20 s without a byte, not after the request's 300 s.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let at = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(4).collect();
        std::thread::sleep(std::time::Duration::from_secs(120));
        drop(held);
    });
    let started = std::time::Instant::now();
    let r = mirror(&w, &[&format!("http://{at}/"), m_arg]);
    // Said in words, not as the HTTP library's `timeout: per read`.
    r.error(&format!(
        "cannot fetch http://{at}/checkpoint: the server sent nothing for 20 seconds (hint: "
    ));
    let waited = started.elapsed().as_secs();
    assert!(
        (20..60).contains(&waited),
        "gave up after {waited} s: {}",
        r.stderr
    );
    // A server that accepts the connection and hangs up at once: not
    // `io: Peer disconnected`.
    let rude = TcpListener::bind("127.0.0.1:0").unwrap();
    let at = rude.local_addr().unwrap();
    std::thread::spawn(move || {
        // The request read first: closed with it unread, the connection
        // was reset, not closed (the two are said apart).
        for mut stream in rude.incoming().take(4).flatten() {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
        }
    });
    let r = mirror(&w, &[&format!("http://{at}/"), m_arg]);
    let closed = format!("error: cannot fetch http://{at}/checkpoint: the server closed the connection before its answer was complete (hint: ");
    let reset = format!(
        "error: cannot fetch http://{at}/checkpoint: the server cut the connection (reset) (hint: "
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&closed) || r.stderr.starts_with(&reset),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("Peer disconnected"), "{}", r.stderr);
    // A server, but no log at that address.
    let empty = w.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let nothing = serve(empty.clone());
    mirror(&w, &[&nothing.url, m_arg])
        .error("does not serve a published log: it serves no `checkpoint` (404)");
    // The checkpoint's own address, pasted: the log is the one above it.
    let above = nothing.url.trim_end_matches('/');
    mirror(&w, &[&format!("{above}/checkpoint"), m_arg]).error(&format!(
        "(hint: give the address of the directory that holds `checkpoint` and `tile/`, without `/checkpoint`: {above}/)"
    ));
    std::fs::write(empty.join("checkpoint"), "<html>hello</html>\n").unwrap();
    mirror(&w, &[&nothing.url, m_arg]).error("its `checkpoint` is not one (");
    assert!(!m.exists(), "a refused mirror made its directory");

    // A directory holding something else.
    let server = serve(site.clone());
    let notes = w.path("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("todo.txt"), "call UNICEF\n").unwrap();
    mirror(&w, &[&server.url, notes.to_str().unwrap()])
        .error("is not empty and holds no published checkpoint");
    assert_eq!(dir_files(&notes).len(), 1);

    // The server fails half-way: what was fetched is kept, the checkpoint
    // is not, and the same command goes on from there.
    // A server that asks for credentials, or to wait: said so, not "run
    // the same command again later" (which cannot help a 401).
    for (status, said, hint) in [
        (
            "401 Unauthorized",
            "the server answered 401 Unauthorized",
            "(hint: the server asks who you are: give the user and password in the address, https://USER:PASSWORD@HOST/…, as the log's host gave them)",
        ),
        (
            "403 Forbidden",
            "the server answered 403 Forbidden",
            "(hint: the server refuses it to you: ask the log's host for access)",
        ),
        (
            "429 Too Many Requests\nRetry-After: 120",
            "the server answered 429 Too Many Requests, and asks to wait 120 seconds (Retry-After)",
            "(hint: run the same command again after that: the files fetched so far are kept)",
        ),
    ] {
        let marker = site.join("tile/entries/001.p/51.status");
        std::fs::write(&marker, status).unwrap();
        let r = mirror(&w, &[&server.url, w.path("m-status").to_str().unwrap()]);
        r.error(&format!(
            "cannot fetch {}tile/entries/001.p/51: {said} {hint}",
            server.url
        ));
        std::fs::remove_file(&marker).unwrap();
    }
    // A 401 to credentials given: they were not accepted. A Retry-After
    // that is neither seconds nor a date is not repeated.
    let marker = site.join("tile/entries/001.p/51.status");
    std::fs::write(&marker, "401 Unauthorized").unwrap();
    let with_user = server.url.replacen("http://", "http://desk:s3cret@", 1);
    mirror(&w, &[&with_user, w.path("m-user").to_str().unwrap()]).error(&format!(
        "cannot fetch {}tile/entries/001.p/51: the server answered 401 Unauthorized (hint: the server did not accept the user and password in the address: check them with the log's host)",
        server.url.replacen("http://", "http://desk:***@", 1)
    ));
    std::fs::write(&marker, "429 Too Many Requests\nRetry-After: -5").unwrap();
    mirror(&w, &[&server.url, w.path("m-junk").to_str().unwrap()]).error(&format!(
        "cannot fetch {}tile/entries/001.p/51: the server answered 429 Too Many Requests (hint: run the same command again later: the files fetched so far are kept)",
        server.url
    ));
    std::fs::remove_file(&marker).unwrap();
    let broken = site.join("tile/entries/001.p/51.500");
    std::fs::write(&broken, "").unwrap();
    mirror(&w, &[&server.url, m_arg]).error(&format!(
        "cannot fetch {}tile/entries/001.p/51: the server answered 500 Internal Server Error",
        server.url
    ));
    assert!(!m.join("checkpoint").exists());
    std::fs::remove_file(&broken).unwrap();
    server.requests();
    let out = mirror(&w, &[&server.url, m_arg]).ok().to_string();
    assert!(
        out.contains("; 4 files of the tree already there\n"),
        "{out}"
    );
    assert_eq!(server.requests(), ["/checkpoint", "/tile/entries/001.p/51"]);

    // A mirror of this log, and the address of another log.
    let other = another_log("other.example/log");
    let other_site = other.path("site");
    other
        .run(None, &["publish", other_site.to_str().unwrap()])
        .ok();
    let before = dir_files(&m);
    mirror(&w, &[&serve(other_site).url, m_arg]).error(&format!(
        "{m_arg} mirrors the log `test.example/idlib`, and http://127.0.0.1:"
    ));
    assert_eq!(dir_files(&m), before);
}

/// A mirror takes the directory's lock as `publish` does: a publish that
/// advanced the directory while a mirror fetched had its checkpoint put
/// back by the mirror's older one. Here the lock is held as a running
/// publish holds it; the mirror stops, and the directory is as it was.
#[test]
fn a_mirror_into_a_directory_being_written_stops() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    mirror(&w, &[&server.url, m.to_str().unwrap()]).ok();
    let before = dir_files(&m);
    let held = std::fs::File::open(&m).unwrap();
    held.lock().unwrap();
    mirror(&w, &[&server.url, m.to_str().unwrap()]).error(&format!(
        "another claimtrail publish or mirror is writing into {}",
        m.display()
    ));
    assert_eq!(dir_files(&m), before);
    drop(held);
    mirror(&w, &[&server.url, m.to_str().unwrap()]).ok();
}

/// One log signed two ways: `a` and `b` share their first entries and
/// keys, then `a` adds one annotation and `b` two others, each with a
/// checkpoint, published into `site-a` and `site-b`. The desk's signer
/// signed both histories; only a reader who saw both can tell.
fn forked() -> (Work, PathBuf, PathBuf) {
    forked_by(1, 2)
}

/// [`forked`], with `a` and `b` grown by `more_a` and `more_b` annotations.
fn forked_by(more_a: usize, more_b: usize) -> (Work, PathBuf, PathBuf) {
    let a = Work::with_claims();
    let b = a.copy();
    a.annotations_noted(more_a, Some("fork A"));
    a.run(Some("admin"), &["checkpoint"]).ok();
    b.annotations_noted(more_b, Some("fork B"));
    b.run(Some("admin"), &["checkpoint"]).ok();
    let (site_a, site_b) = (a.path("site-a"), a.path("site-b"));
    a.run(None, &["publish", site_a.to_str().unwrap()]).ok();
    b.run(None, &["publish", site_b.to_str().unwrap()]).ok();
    (a, site_a, site_b)
}

/// The size a directory's checkpoint names.
fn size_of(dir: &Path) -> u64 {
    let note = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
    note.lines().nth(1).unwrap().parse().unwrap()
}

/// An auditor follows a log; the server then shows a history that forked
/// from the one mirrored and grew past it. Mirror took it (exit 0), put
/// its checkpoint over the one held, and the signed evidence of the fork
/// was gone; only verify-published said, later, that a kept tile differed.
/// Now the served tree must extend the held one before it is taken.
#[test]
fn a_fork_that_grew_is_refused_and_the_evidence_kept() {
    let (w, site_a, site_b) = forked();
    let v = w.vkey();
    let (m, n) = (size_of(&site_a), size_of(&site_b));
    assert!(0 < m && m < n, "{m} {n}");
    let (honest, forked) = (serve(site_a.clone()), serve(site_b.clone()));
    let dir = w.path("mirror");
    let d = dir.to_str().unwrap();
    mirror(&w, &[&honest.url, d, "--vkey", &v]).ok();
    let before = dir_files(&dir);
    let held = std::fs::read(dir.join("checkpoint")).unwrap();

    let r = mirror(&w, &[&forked.url, d, "--vkey", &v]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert_eq!(
        lines[0],
        format!(
            "PROBLEM checkpoint: checkpoint: {} serves the tree of {n} entries (root {}), and {d} holds the tree of {m} entries (root {}): the served tree of {n} entries does not extend the held tree of {m} entries (its first {m} entries hash to another root): a fork: the log's signer signed two histories",
            forked.url.trim_end_matches('/'),
            root_of(&site_b),
            root_of(&site_a)
        )
    );
    let saved = dir.join(format!(".claimtrail-served/{n}-{}", root_of(&site_b)));
    assert_eq!(
        lines[1],
        format!(
            "FAILED: {d} holds the tree it held; the served one is saved as {}; both it and the held one are signed by the verifier key given: keep both as evidence; mirror the address into a new directory NEW and `claimtrail verify-published NEW --checkpoint {d}/checkpoint` shows the fork, while the server serves it",
            saved.display()
        )
    );
    // Nothing installed: the held checkpoint byte for byte, the tree as
    // it was; the served note saved as the server sent it.
    assert_eq!(std::fs::read(dir.join("checkpoint")).unwrap(), held);
    let now: Vec<_> = dir_files(&dir)
        .into_iter()
        .filter(|(name, _)| !name.starts_with(".claimtrail-"))
        .collect();
    assert_eq!(now, before, "the mirror was changed");
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read(site_b.join("checkpoint")).unwrap()
    );
    check(&w, &dir, &["--vkey", &v]).ok();
    // A server that showed the fork cannot take the evidence back: the
    // same body under a signature that does not verify, served next (to a
    // mirror without --vkey), is kept beside the saved note, not over it.
    let signed = std::fs::read(site_b.join("checkpoint")).unwrap();
    let mut forged = signed.clone();
    let at = forged.len() - 12;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(site_b.join("checkpoint"), &forged).unwrap();
    let r = mirror(&w, &[&forked.url, d]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        signed,
        "the evidence was replaced"
    );
    let beside = dir.join(format!(".claimtrail-served/{n}-{}.2", root_of(&site_b)));
    assert_eq!(std::fs::read(&beside).unwrap(), forged);
    assert!(
        r.stdout.contains(&beside.display().to_string()),
        "{}",
        r.stdout
    );
    std::fs::write(site_b.join("checkpoint"), &signed).unwrap();
    let json: serde_json::Value = serde_json::from_str(
        mirror(&w, &[&forked.url, d, "--vkey", &v, "--json"])
            .stdout
            .as_str(),
    )
    .unwrap();
    assert_eq!(
        (&json["outcome"], &json["with_entries"]),
        (&serde_json::json!("refused"), &serde_json::json!(true)),
        "{json}"
    );
    assert_eq!(
        json["reason"],
        serde_json::json!({"kind": "fork", "why": null}),
        "{json}"
    );
    assert_eq!(
        (json["held"].as_u64(), json["served"].as_u64()),
        (Some(m), Some(n))
    );

    // What the advice says: the served tree, checked with the held
    // checkpoint kept, names the fork.
    let kept = w.path("held.txt");
    std::fs::write(&kept, &held).unwrap();
    let fresh = w.path("served-now");
    mirror(&w, &[&forked.url, fresh.to_str().unwrap(), "--vkey", &v]).ok();
    let c = check(
        &w,
        &fresh,
        &["--vkey", &v, "--checkpoint", kept.to_str().unwrap()],
    );
    c.problem("held.txt", "checkpoint");
    assert!(
        c.stdout.contains(&format!(
            "forked: the log's first {m} entries no longer hash to this checkpoint's root"
        )),
        "{}",
        c.stdout
    );

    // A tile the comparison needs, not served: nothing taken, the tile
    // named (the rest of the tree waits for the next run).
    let partial = format!("tile/0/000.p/{n}");
    let served_tile = site_b.join(&partial);
    std::fs::rename(&served_tile, w.path("aside")).unwrap();
    std::fs::remove_dir_all(dir.join(".claimtrail-mirror-fetched")).unwrap();
    let r = mirror(&w, &[&forked.url, d, "--vkey", &v]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(
        r.stdout.lines().next().unwrap().ends_with(&format!(
            ": whether the served tree extends the held one cannot be checked, so it was not taken: {partial}: the server does not serve it (404)"
        )),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read(dir.join("checkpoint")).unwrap(), held);
    std::fs::rename(w.path("aside"), &served_tile).unwrap();

    // The log that grew from the held tree is taken, as before.
    let (grown, site) = (&w, w.path("site-a"));
    grown.annotations_noted(1, Some("grows"));
    grown.run(Some("admin"), &["checkpoint"]).ok();
    grown.run(None, &["publish", site.to_str().unwrap()]).ok();
    let out = mirror(&w, &[&honest.url, d, "--vkey", &v]).ok().to_string();
    assert!(
        out.contains(&format!("checkpoint of {} entries", size_of(&site))),
        "{out}"
    );
    check(
        &w,
        &dir,
        &["--vkey", &v, "--checkpoint", kept.to_str().unwrap()],
    )
    .ok();
}

/// A fork that grew, whose tree has its top tile at the same path as the
/// held one's (`tile/1/000.p/1` at both sizes, each history's own): the
/// held tile was read in place of the served one, the fork's root could
/// not be made of them, and it was refused as "unchecked", run after run,
/// not as the fork it is (one grown past the next level-1 node was told).
#[test]
fn a_fork_whose_top_tile_has_the_held_ones_path_is_told_a_fork() {
    let (w, site_a, site_b) = forked_by(260, 280);
    let v = w.vkey();
    let (m, n) = (size_of(&site_a), size_of(&site_b));
    assert!(256 <= m && m < n && n < 512, "{m} {n}");
    let top = "tile/1/000.p/1";
    assert_ne!(
        std::fs::read(site_a.join(top)).unwrap(),
        std::fs::read(site_b.join(top)).unwrap()
    );
    let (honest, forked) = (serve(site_a.clone()), serve(site_b.clone()));
    let dir = w.path("mirror");
    let d = dir.to_str().unwrap();
    mirror(&w, &[&honest.url, d, "--vkey", &v]).ok();
    let before = dir_files(&dir);
    let saved = dir.join(format!(".claimtrail-served/{n}-{}", root_of(&site_b)));
    // The next run is told the same: the tiles fetched wait for it, and
    // the held ones are not read in their place then either.
    for run in ["first", "next"] {
        let r = mirror(&w, &[&forked.url, d, "--vkey", &v, "--json"]);
        assert_eq!(r.code, 1, "{run}: {}{}", r.stdout, r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(json["outcome"], "refused", "{run}");
        assert_eq!(json["reason"]["kind"], "fork", "{run}: {}", r.stdout);
        assert_eq!(json["file"], saved.to_str().unwrap());
        let now: Vec<_> = dir_files(&dir)
            .into_iter()
            .filter(|(name, _)| !name.starts_with(".claimtrail-"))
            .collect();
        assert_eq!(now, before, "{run}: the mirror was changed");
    }
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read(site_b.join("checkpoint")).unwrap()
    );
    check(&w, &dir, &["--vkey", &v]).ok();

    // The log grown from the held tree, still under the same top tile's
    // path: taken, that tile asked for again with what the tree grew by.
    w.annotations_noted(20, Some("grows"));
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", site_a.to_str().unwrap()]).ok();
    let grown = size_of(&site_a);
    assert!(grown < 512, "{grown}");
    honest.requests();
    let out = mirror(&w, &[&honest.url, d, "--vkey", &v]).ok().to_string();
    assert!(
        out.contains(&format!("checkpoint of {grown} entries")),
        "{out}"
    );
    let partial = grown - 256;
    assert_eq!(
        honest.requests(),
        [
            "/checkpoint".to_string(),
            format!("/tile/0/001.p/{partial}"),
            format!("/{top}"),
            format!("/tile/entries/001.p/{partial}"),
        ]
    );
    check(&w, &dir, &["--vkey", &v]).ok();
}

/// A server that shows a smaller tree than the one held: the held tiles
/// say whether it is an older copy of the same history or a fork (they
/// called every one "rolled back, or an older copy"), and, when they
/// cannot, that both are possible.
#[test]
fn a_smaller_tree_is_told_from_a_fork_by_the_held_tiles() {
    let (w, site_a, site_b) = forked();
    let v = w.vkey();
    let (m, n) = (size_of(&site_a), size_of(&site_b));
    let (smaller, larger) = (serve(site_a.clone()), serve(site_b.clone()));
    let dir = w.path("mirror");
    let d = dir.to_str().unwrap();
    mirror(&w, &[&larger.url, d, "--vkey", &v]).ok();
    let held = std::fs::read(dir.join("checkpoint")).unwrap();

    let r = mirror(&w, &[&smaller.url, d, "--vkey", &v]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].contains(&format!(" serves the tree of {m} entries (root "))
            && lines[0].contains(&format!(" holds the tree of {n} entries (root "))
            && lines[0].ends_with(&format!(
                ": the held tree's first {m} entries hash to another root: a fork: the log's signer signed two histories"
            )),
        "{}",
        r.stdout
    );
    let saved = dir.join(format!(".claimtrail-served/{m}-{}", root_of(&site_a)));
    assert!(
        lines[1].ends_with(&format!(
            "; `claimtrail verify-published {d} --checkpoint {}` shows the fork",
            saved.display()
        )),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read(dir.join("checkpoint")).unwrap(), held);
    let c = check(
        &w,
        &dir,
        &["--vkey", &v, "--checkpoint", saved.to_str().unwrap()],
    );
    c.problem(saved.to_str().unwrap(), "checkpoint");
    assert!(c.stdout.contains("forked: "), "{}", c.stdout);

    // Held tiles that cannot say: both are possible.
    std::fs::remove_file(dir.join(format!("tile/0/000.p/{n}"))).unwrap();
    let r = mirror(&w, &[&smaller.url, d, "--vkey", &v]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.lines().next().unwrap().ends_with(&format!(
            ": the log was rolled back, the server serves an older copy, or the log forked ({d}/tile/0/000.p/{n} is missing, so which cannot be told)"
        )),
        "{}",
        r.stdout
    );
}

/// A checkpoint no key checked neither sticks nor blocks. A spoofing
/// server's checkpoint of a trillion entries, mirrored without --vkey into
/// a new directory, was written there after the mirror gave up on its
/// tiles; and every later run, the right --vkey and an honest server
/// given, was refused as a rollback of that "held" tree, with no word of
/// why. Now a run that gives up writes no checkpoint, and a refusal says
/// when the verifier key given does not sign the held one. Found by a
/// red-team helper.
#[test]
fn a_checkpoint_no_key_signed_neither_sticks_nor_blocks() {
    let (w, site) = published();
    let vkey = w.vkey();
    let honest = std::fs::read_to_string(site.join("checkpoint")).unwrap();
    let (_, signatures) = honest.split_once("\n\n").unwrap();
    let forged = |size: u64| {
        format!(
            "test.example/idlib\n{size}\n{}\n\n{signatures}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [0x11u8; 32])
        )
    };
    let evil = w.path("evil");
    std::fs::create_dir(&evil).unwrap();
    std::fs::write(evil.join("checkpoint"), forged(1_000_000_000_000)).unwrap();
    let spoofing = serve(evil);
    let m = w.path("mirror");
    let r = mirror(&w, &[&spoofing.url, m.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "its checkpoint was not written ({} holds what it held; the files fetched wait there for a later run)",
            m.display()
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.starts_with("did not mirror log "), "{}", r.stdout);
    assert!(!m.join("checkpoint").exists());

    // A forged checkpoint held all the same (left by an older claimtrail):
    // with --vkey, the refusal says that the key given does not sign the
    // held one, and both ways out. It is not moved aside: an earlier admin
    // key may have signed it (a monitor given only the rotated key let a
    // rewritten history through when it was).
    let server = serve(site.clone());
    mirror(&w, &[&server.url, m.to_str().unwrap()]).ok();
    std::fs::write(m.join("checkpoint"), forged(400)).unwrap();
    let r = mirror(&w, &[&server.url, m.to_str().unwrap(), "--vkey", &vkey]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // Its signature line is the key given's and does not verify: no
    // earlier key explains that, so it is said to be altered.
    assert!(
        r.stdout.contains(&format!(
            "but {}'s own checkpoint does not verify under that key (signature by test.example/idlib+",
            m.display()
        )) && r.stdout.contains(&format!(
            "): it was altered or damaged since it was signed; move {}/checkpoint aside (keep it if you need to know how) and run again",
            m.display()
        )),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(m.join("checkpoint")).unwrap(),
        forged(400)
    );
    // Moved aside by hand, as the refusal says: the honest tree is mirrored.
    std::fs::rename(m.join("checkpoint"), w.path("forged.txt")).unwrap();
    let r = mirror(&w, &[&server.url, m.to_str().unwrap(), "--vkey", &vkey]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read_to_string(m.join("checkpoint")).unwrap(),
        honest
    );
    crate::verify_published::check(&w, &m, &["--vkey", &vkey]).ok();
}

/// A bundle of another history beside a tree the log signed: its entries
/// are well formed and signed, so they are a fork's, not damage to delete
/// (the hint said to delete the file and mirror again, which threw the
/// evidence away). Here fork B's directory with fork A's entry bundle,
/// each of the same size. Found by a red-team helper.
#[test]
fn another_historys_entry_bundle_is_told_from_damage() {
    let (w, site_a, site_b) = forked_by(3, 3);
    let n = size_of(&site_a);
    assert_eq!(n, size_of(&site_b));
    let bundle = format!("tile/entries/000.p/{n}");
    std::fs::copy(site_a.join(&bundle), site_b.join(&bundle)).unwrap();
    let r = crate::verify_published::check(&w, &site_b, &["--vkey", &w.vkey()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "PROBLEM directory: tile: {bundle}: entry {} does not hash to leaf {} of the signed tree (in tile/0/000.p/{n}, whose hash tiles make the checkpoint's root), yet it is a well-formed entry of this log whose signature verifies: another history of the log at that entry (a fork, or a copy of another log under this one's name), not damage; keep the file as evidence\n",
            n - 3,
            n - 3
        )),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("delete the file"), "{}", r.stdout);
}

/// TLS mistakes a desk makes setting up its host, each told what it is:
/// an https:// address of a server that speaks plain HTTP ("io: unexpected
/// end of file" and the usual hint), and a self-signed certificate given
/// as its own CA (rustls's "Other(OtherError(CaUsedAsEndEntity))" and "ask
/// the log's host").
#[test]
fn tls_set_up_wrong_is_named() {
    let (w, site) = published();
    let plain = serve(site.clone());
    let https = plain.url.replacen("http://", "https://", 1);
    let r = mirror(&w, &[&https, w.path("m1").to_str().unwrap()]);
    r.error(&format!("error: cannot fetch {https}checkpoint: "));
    assert!(
        r.stderr.contains("(hint: the server ended the connection at the TLS handshake: if it does not serve TLS at that address, give it as http:// (and check the log with --vkey), else check the address and the connection)"),
        "{}",
        r.stderr
    );

    // A certificate that is its own CA, for 127.0.0.1.
    let mut own = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    own.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = own.self_signed(&key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let server = serve_with(site, Some(Arc::new(config)));
    let pem = w.path("self-signed.pem");
    std::fs::write(&pem, cert.pem()).unwrap();
    let r = mirror(
        &w,
        &[
            &server.url,
            w.path("m2").to_str().unwrap(),
            "--ca-file",
            pem.to_str().unwrap(),
        ],
    );
    r.error(&format!(
        "error: cannot fetch {}checkpoint: the server's certificate is not trusted (",
        server.url
    ));
    assert!(
        r.stderr.contains("(hint: the server presents a certificate authority's certificate (CA:TRUE, as `openssl req -x509` makes by default) as its own, which TLS does not accept: give the server a certificate a CA issued (and that CA's with --ca-file), or a self-signed one with basicConstraints CA:FALSE)"),
        "{}",
        r.stderr
    );
}

/// Without --vkey, a server that serves the tree held under other
/// signature lines (one that no longer verifies): the mirror takes it, as
/// an unchecked mirror does, but keeps the note it held, and says so. The
/// one the log's key signed was replaced unseen and kept nowhere.
#[test]
fn the_same_tree_signed_otherwise_keeps_the_note_held() {
    let (w, site) = published();
    let server = serve(site.clone());
    let m = w.path("mirror");
    let d = m.to_str().unwrap();
    mirror(&w, &[&server.url, d]).ok();
    let signed = std::fs::read_to_string(site.join("checkpoint")).unwrap();
    // A character of the signature changed: the same tree, signed badly.
    let at = signed.rfind(' ').unwrap() + 10;
    let mut bad = signed.clone().into_bytes();
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(site.join("checkpoint"), &bad).unwrap();
    let r = mirror(&w, &[&server.url, d]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let kept = m.join(format!(
        ".claimtrail-served/replaced-307-{}",
        root_of(&site)
    ));
    assert_eq!(
        r.stderr,
        format!(
            "note: the server signs this tree otherwise than {d}'s checkpoint did, and no --vkey judged either: the one held is kept as {} (`claimtrail checkpoint verify FILE --vkey KEY` checks each)\n",
            kept.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), signed);
    assert_eq!(std::fs::read(m.join("checkpoint")).unwrap(), bad);
    // The same note again: nothing more is kept or said.
    let r = mirror(&w, &[&server.url, d]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // Other junk lines again: the first note held is what is kept, and no
    // more (a server that changed them each time made each run keep one).
    let mut worse = bad.clone();
    worse[at] = if worse[at] == b'C' { b'D' } else { b'C' };
    std::fs::write(site.join("checkpoint"), &worse).unwrap();
    let r = mirror(&w, &[&server.url, d]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_eq!(
        std::fs::read_dir(m.join(".claimtrail-served"))
            .unwrap()
            .count(),
        1
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), signed);
}

/// A full hash tile served damaged once, read for the held root only (the
/// served root reads its node in the tile above): the tiles served
/// disagree with each other, which is damage, not a fork the log's key
/// signed. It was "a fork … keep both as evidence", run after run, for a
/// tree the honest server's tiles showed extends the held one.
#[test]
fn a_damaged_tile_below_the_served_root_is_not_a_fork() {
    let w = Work::with_claims();
    w.annotations(190);
    w.run(Some("admin"), &["checkpoint"]).ok();
    let site = w.path("site");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let v = w.vkey();
    let honest = serve(site.clone());
    let m = w.path("mirror");
    let d = m.to_str().unwrap();
    mirror(&w, &[&honest.url, d, "--vkey", &v]).ok();
    let held = size_of(&m);
    assert!(held < 256, "{held}");
    grow(&w, "two");
    w.run(None, &["publish", site.to_str().unwrap()]).ok();
    let bad = crate::verify_published::copy_site(&w, &site, "bad");
    let tile = bad.join("tile/0/000");
    let mut b = std::fs::read(&tile).unwrap();
    b[100] ^= 1;
    std::fs::write(&tile, b).unwrap();
    let damaging = serve(bad);
    let r = mirror(&w, &[&damaging.url, d, "--vkey", &v, "--json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["outcome"], "refused");
    assert_eq!(json["reason"]["kind"], "unchecked", "{}", r.stdout);
    assert!(
        json["reason"]["why"]
            .as_str()
            .is_some_and(|why| why.contains("tile/0/000 does not hash to its node")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("the hash tiles served disagree with each other: tile/0/000 does not hash to its node in tile/1/000.p/"),
        "{}",
        r.stdout
    );
    let out = mirror(&w, &[&honest.url, d, "--vkey", &v]).ok().to_string();
    assert!(
        out.contains(&format!("checkpoint of {} entries", size_of(&site))),
        "{out}"
    );
    check(&w, &m, &["--vkey", &v]).ok();
}

/// A fork whose server puts the held tree's leaf hashes into the served
/// tree's full tile read for the held root only (tile/0/001, where the
/// served root reads its node in tile/1): the held root came out right
/// from the tiles, and the fork was taken as an extension, exit 0, the
/// signed evidence replaced (red team). A consistency proof from the
/// served tiles must verify against both signed roots.
#[test]
fn a_fork_dressed_as_an_extension_is_refused() {
    // Forked past the first 256 entries, which both histories share.
    let w = Work::with_claims();
    w.annotations(260);
    let other = w.copy();
    w.annotations_noted(30, Some("fork A"));
    w.run(Some("admin"), &["checkpoint"]).ok();
    other.annotations_noted(330, Some("fork B"));
    other.run(Some("admin"), &["checkpoint"]).ok();
    let (site_a, site_b) = (w.path("site-a"), w.path("site-b"));
    w.run(None, &["publish", site_a.to_str().unwrap()]).ok();
    other.run(None, &["publish", site_b.to_str().unwrap()]).ok();
    let v = w.vkey();
    let (a, b) = (size_of(&site_a), size_of(&site_b));
    assert!(256 < a && a < 512 && 512 <= b, "{a} {b}");
    let dressed = crate::verify_published::copy_site(&w, &site_b, "dressed");
    let held_hashes = std::fs::read(site_a.join(format!("tile/0/001.p/{}", a - 256))).unwrap();
    let tile = dressed.join("tile/0/001");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[..held_hashes.len()].copy_from_slice(&held_hashes);
    std::fs::write(&tile, bytes).unwrap();
    let (honest, forking) = (serve(site_a.clone()), serve(dressed));
    let dir = w.path("mirror");
    let d = dir.to_str().unwrap();
    mirror(&w, &[&honest.url, d, "--vkey", &v]).ok();
    let held = std::fs::read(dir.join("checkpoint")).unwrap();
    let r = mirror(&w, &[&forking.url, d, "--vkey", &v, "--json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["outcome"], "refused", "{}", r.stdout);
    assert_eq!(std::fs::read(dir.join("checkpoint")).unwrap(), held);
    let saved = dir.join(format!(".claimtrail-served/{b}-{}", root_of(&site_b)));
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read(site_b.join("checkpoint")).unwrap()
    );
    // Served as it is, the fork is named one.
    let plain = serve(site_b.clone());
    let r = mirror(&w, &[&plain.url, d, "--vkey", &v, "--json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["reason"]["kind"], "fork", "{}", r.stdout);
}
