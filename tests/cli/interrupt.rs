//! Commands stopped part-way, as users stop them: Ctrl-C typed on the
//! terminal (a pseudo-terminal the command controls, as in a shell), or a
//! SIGTERM sent to claimtrail alone. What must hold: the terminal is as it
//! was, no temporary file stays behind, the log is unchanged, and the
//! process dies of the signal (what a shell or a script checks).

use crate::common::Work;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A command on a terminal of its own: the slave side of a pseudo-terminal
/// is its controlling terminal, so `^C` typed on the master side sends it
/// SIGINT, and its prompts read `/dev/tty` as they do in a shell.
struct Terminal {
    master: std::fs::File,
    /// Kept open: the terminal's settings are read after the command ends.
    slave: OwnedFd,
    child: Child,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    fn run(c: Command) -> Terminal {
        Terminal::run_reading(c, None)
    }

    /// [`Terminal::run`] with the terminal's output stopped, as Ctrl-S
    /// stops it: the command's first write to the terminal waits until
    /// [`Terminal::start_output`]. So the test can look at the terminal's
    /// settings at the very moment a prompt is being written.
    fn run_stopped(c: Command) -> Terminal {
        Terminal::open(c, None, true)
    }

    /// Lets the output of [`Terminal::run_stopped`] through (Ctrl-Q).
    fn start_output(&self) {
        use std::os::fd::AsRawFd;
        // SAFETY: tcflow on the open terminal.
        assert_eq!(
            unsafe { libc::tcflow(self.slave.as_raw_fd(), libc::TCOON) },
            0
        );
    }

    /// [`Terminal::run`] with `input` on standard input, a pipe, as in
    /// `cat tweet.txt | claimtrail source add -` typed in a shell.
    fn run_reading(c: Command, input: Option<&[u8]>) -> Terminal {
        Terminal::open(c, input, false)
    }

    fn open(mut c: Command, input: Option<&[u8]>, stopped: bool) -> Terminal {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty fills two descriptors; no name, default settings.
        let made = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(made, 0, "openpty: {}", std::io::Error::last_os_error());
        if stopped {
            // SAFETY: tcflow on the terminal just opened.
            assert_eq!(unsafe { libc::tcflow(slave, libc::TCOOFF) }, 0);
        }
        // SAFETY: both descriptors were just opened and are owned here.
        let (master, slave) = unsafe {
            (
                std::fs::File::from_raw_fd(master),
                OwnedFd::from_raw_fd(slave),
            )
        };
        let io = || Stdio::from(slave.try_clone().unwrap());
        c.stdin(io()).stdout(io()).stderr(io());
        if input.is_some() {
            c.stdin(Stdio::piped());
        }
        // SAFETY: only async-signal-safe calls between fork and exec: a new
        // session whose controlling terminal is the pseudo-terminal, and
        // Ctrl-C and Ctrl-\ as a terminal's shell leaves them (a test run
        // in the background, `cargo test &`, has them ignored, and an
        // ignored SIGINT stays ignored in claimtrail, as it should).
        unsafe {
            c.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                if libc::setsid() < 0 || libc::ioctl(1, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = c.spawn().unwrap();
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(input).unwrap();
        }
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let shown = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Terminal {
            master,
            slave,
            child,
            screen,
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    #[track_caller]
    fn wait_for(&self, text: &str) {
        let until = Instant::now() + Duration::from_secs(60);
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < until,
                "never showed {text:?}: {:?}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a passphrase prompt and for the terminal to stop
    /// echoing. Since 2026-12-06 echo goes off before the prompt is
    /// written (`echo_is_off_before_a_passphrase_prompt_is_written`); until
    /// then keys typed in the moment between were shown, and under load
    /// the tests looked at the terminal's setting too early.
    #[track_caller]
    fn wait_for_hidden_prompt(&self, text: &str) {
        self.wait_for(text);
        let until = Instant::now() + Duration::from_secs(60);
        while self.echoes() {
            assert!(
                Instant::now() < until,
                "the prompt {text:?} never hid what is typed: {:?}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
    }

    /// Waits for the command to end (a minute at most).
    fn end(&mut self) -> ExitStatus {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // What it wrote last reaches the screen.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("did not end: {:?}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether what is typed is shown: the setting a passphrase prompt
    /// turns off while it reads.
    fn echoes(&self) -> bool {
        use std::os::fd::AsRawFd;
        // SAFETY: tcgetattr on an open terminal into a zeroed termios.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(self.slave.as_raw_fd(), &mut t), 0);
            t.c_lflag & libc::ECHO != 0
        }
    }
}

/// Files in `dir` whose names start with `.claimtrail-` or `claimtrail-`:
/// the temporary files and directories claimtrail makes.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".claimtrail-") || n.starts_with("claimtrail-"))
        .collect()
}

fn entries(w: &Work) -> usize {
    w.run(None, &["log"]).ok().lines().count()
}

/// A log whose admin key, `admin`, is protected by the passphrase
/// "correct horse".
fn protected_log() -> Work {
    let w = Work::new();
    let pass = [("CLAIMTRAIL_PASSPHRASE", "correct horse")];
    let key = w.path("admin");
    w.run_with(None, &pass, &["key", "new", key.to_str().unwrap()], None)
        .ok();
    w.run_with(
        Some("admin"),
        &pass,
        &["init", "--origin", "desk.example/log"],
        None,
    )
    .ok();
    w
}

#[test]
fn ctrl_c_at_a_passphrase_prompt_gives_the_terminal_back_and_leaves_nothing() {
    let w = protected_log();
    let before = entries(&w);

    // The admin starts a checkpoint, then thinks better of it at the prompt.
    let mut t =
        Terminal::run(w.std_command(Some("admin"), &[], &["checkpoint", "--out", "cp.txt"]));
    t.wait_for_hidden_prompt("Passphrase for ");
    // (The wait above also waits for the prompt to hide what is typed.)
    t.type_keys("\x03");
    let status = t.end();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{:?}", t.screen());
    assert!(t.echoes(), "the terminal shows what is typed again");
    assert!(!t.screen().contains("error"), "{:?}", t.screen());
    assert!(!w.path("cp.txt").exists());
    assert_eq!(leftovers(w.dir.path()), Vec::<String>::new());
    assert_eq!(entries(&w), before);

    // A new log given up at the prompt is not created, not even hidden.
    let other = w.path("other.db");
    let mut t = Terminal::run(w.std_command(
        Some("admin"),
        &[("CLAIMTRAIL_DB", other.to_str().unwrap())],
        &["init", "--origin", "desk.example/other"],
    ));
    t.wait_for_hidden_prompt("Passphrase for ");
    t.type_keys("\x03");
    assert_eq!(t.end().signal(), Some(libc::SIGINT), "{:?}", t.screen());
    assert!(t.echoes());
    assert!(!other.exists());
    assert_eq!(leftovers(w.dir.path()), Vec::<String>::new());

    // Typed on the terminal, the passphrase signs as it does from the
    // environment.
    let mut t =
        Terminal::run(w.std_command(Some("admin"), &[], &["checkpoint", "--out", "cp.txt"]));
    t.wait_for_hidden_prompt("Passphrase for ");
    t.type_keys("correct horse\n");
    assert_eq!(t.end().code(), Some(0), "{:?}", t.screen());
    assert!(t.screen().contains("written to cp.txt"), "{:?}", t.screen());
    assert!(t.echoes());
    assert_eq!(entries(&w), before + 1);
    w.run(None, &["verify", "--checkpoint", "cp.txt"]).ok();

    // With standard input a pipe (`cat tweet.txt | claimtrail source add
    // -`), the passphrase is still asked on the terminal: it was refused
    // for want of one, where ssh-keygen asks.
    let mut t = Terminal::run_reading(
        w.std_command(
            Some("admin"),
            &[],
            &["source", "add", "-", "--kind", "tweet"],
        ),
        Some(b"Seven civilians killed, says the White Helmets."),
    );
    t.wait_for_hidden_prompt("Passphrase for ");
    t.type_keys("correct horse\n");
    assert_eq!(t.end().code(), Some(0), "{:?}", t.screen());
    assert!(t.screen().contains("S1"), "{:?}", t.screen());
    assert_eq!(entries(&w), before + 2);
}

/// Echo goes off before a passphrase prompt is written, as OpenSSH does
/// it: a passphrase that arrived the moment the prompt showed (pasted,
/// typed by a password manager or an `expect` script) was shown in clear,
/// 12 times in 20 runs of `key new` in a red-team harness, because the
/// prompt was written first. Checked at that very moment: the terminal's
/// output is stopped, so the prompt's write waits, and echo must already
/// be off while it does.
#[test]
fn echo_is_off_before_a_passphrase_prompt_is_written() {
    let w = protected_log();
    for (key, args, prompt) in [
        (None, vec!["key", "new", "fresh"], "New passphrase: "),
        (Some("admin"), vec!["checkpoint"], "Passphrase for "),
    ] {
        let mut t = Terminal::run_stopped(w.std_command(key, &[], &args));
        let until = Instant::now() + Duration::from_secs(30);
        while t.echoes() {
            assert!(
                Instant::now() < until,
                "{args:?}: echo still on while its first output waits: {:?}",
                t.screen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // Nothing of it has reached the screen yet: it was the prompt that
        // waited.
        assert_eq!(t.screen(), "", "{args:?}");
        t.start_output();
        t.wait_for(prompt);
        t.type_keys("correct horse\n");
        if key.is_none() {
            t.wait_for("Same passphrase again: ");
            t.type_keys("correct horse\n");
        }
        assert_eq!(t.end().code(), Some(0), "{:?}", t.screen());
        assert!(!t.screen().contains("horse"), "{:?}", t.screen());
        assert!(t.echoes(), "the terminal shows what is typed again");
    }
}

#[test]
fn ctrl_d_or_enter_alone_at_a_passphrase_prompt_says_nothing_was_typed() {
    let w = protected_log();
    let before = std::fs::read(&w.db).unwrap();

    // Ctrl-D was answered "no passphrase was given: run the command from a
    // terminal", at a terminal; Enter alone, "wrong passphrase".
    for (keys, how) in [
        ("\x04", "(Ctrl-D ended it)"),
        ("\n", "(only Enter was pressed)"),
    ] {
        let mut t =
            Terminal::run(w.std_command(Some("admin"), &[], &["checkpoint", "--out", "cp.txt"]));
        t.wait_for_hidden_prompt("Passphrase for ");
        t.type_keys(keys);
        assert_eq!(t.end().code(), Some(2), "{:?}", t.screen());
        let screen = t.screen();
        assert!(
            screen.contains(&format!(
                "\r\nerror: no passphrase was typed at the prompt {how}"
            )),
            "the error on a line of its own: {screen:?}"
        );
        assert!(
            screen.contains("hint: run the command again and type the passphrase; Ctrl-C gives up"),
            "{screen:?}"
        );
        assert!(t.echoes());
        assert!(!w.path("cp.txt").exists());
        assert_eq!(std::fs::read(&w.db).unwrap(), before);
    }

    // `key new`: Ctrl-D at the first prompt writes no key.
    let mut t = Terminal::run(w.std_command(None, &[], &["key", "new", "fresh"]));
    t.wait_for_hidden_prompt("New passphrase: ");
    t.type_keys("\x04");
    assert_eq!(t.end().code(), Some(2), "{:?}", t.screen());
    assert!(t.screen().contains("(Ctrl-D ended it)"), "{:?}", t.screen());
    assert!(!w.path("fresh").exists() && !w.path("fresh.pub").exists());
}

#[test]
fn ctrl_c_in_the_editor_is_the_editors() {
    let w = Work::with_claims();
    let tmp = w.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // An editor that, like vi, takes Ctrl-C itself and carries on: it says
    // when it has started, and saves the note when the test says so.
    let editor = w.path("editor");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\ntrap 'echo \"editor: interrupted, carrying on\"' INT\n: > '{started}'\nwhile [ ! -e '{save}' ]; do sleep 0.05; done\nprintf 'Counted again after the call.\\n' > \"$1\"\n",
            started = w.path("started").display(),
            save = w.path("save").display(),
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut t = Terminal::run(w.std_command(
        Some("analyst"),
        &[
            ("EDITOR", editor.to_str().unwrap()),
            ("TMPDIR", tmp.to_str().unwrap()),
        ],
        &["annotate", "C1", "--verdict", "disputed", "--edit"],
    ));
    let until = Instant::now() + Duration::from_secs(60);
    while !w.path("started").exists() {
        assert!(
            Instant::now() < until,
            "the editor never started: {:?}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    t.type_keys("\x03");
    t.wait_for("editor: interrupted, carrying on");
    std::fs::write(w.path("save"), "").unwrap();
    let status = t.end();
    assert_eq!(status.code(), Some(0), "{:?}", t.screen());
    let screen = t.screen();
    let id = screen.lines().last().unwrap().trim();
    assert!(id.starts_with('A'), "{screen:?}");
    let shown = w.run(None, &["show", id]);
    assert!(
        shown.ok().contains("Counted again after the call."),
        "{}",
        shown.stdout
    );
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

#[test]
fn a_bench_stopped_by_sigterm_removes_its_log_and_stops_its_child() {
    let w = Work::new();
    let tmp = w.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut c = w.std_command(
        None,
        &[("TMPDIR", tmp.to_str().unwrap())],
        &["bench", "--entries", "20000"],
    );
    let mut bench = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stopped once the child building the log has written to the bench's
    // directory.
    let until = Instant::now() + Duration::from_secs(120);
    let building = loop {
        let dirs = leftovers(&tmp);
        if let Some(d) = dirs.iter().find(|d| d.starts_with("claimtrail-bench-")) {
            if std::fs::read_dir(tmp.join(d)).unwrap().next().is_some() {
                break tmp.join(d);
            }
        }
        assert!(Instant::now() < until, "the bench never built a log");
        assert!(bench.try_wait().unwrap().is_none(), "the bench ended first");
        std::thread::sleep(Duration::from_millis(10));
    };
    // SAFETY: kill(2) on the child this test spawned and has not reaped.
    unsafe { libc::kill(bench.id() as libc::pid_t, libc::SIGTERM) };
    let status = bench.wait().unwrap();
    let mut stderr = String::new();
    bench
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(!building.exists(), "{} is left", building.display());
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

/// Lines typed (or pasted) into `import -` on a terminal, then Ctrl-C: the
/// progress bar is erased rather than left half-drawn above the prompt,
/// and the one line left says what the log kept.
#[test]
fn ctrl_c_in_an_import_on_a_terminal_erases_its_bar_and_says_what_it_kept() {
    let w = Work::with_claims();
    let before = entries(&w);
    let mut t =
        Terminal::run(w.std_command(Some("analyst"), &[], &["import", "-", "--batch-size", "1"]));
    let line = serde_json::json!({
        "type": "source",
        "label": "d1",
        "text": "Dispatch 1. The Tehran summit ended without a statement.\n",
        "kind": "article",
    });
    t.type_keys(&format!("{line}\n"));
    t.wait_for(" lines 1 appended");
    assert_eq!(entries(&w), before + 1);
    t.type_keys("\x03");
    let status = t.end();
    let screen = t.screen();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{screen:?}");
    let last = screen.rsplit("\r\x1b[2K").next().unwrap();
    assert_eq!(
        last,
        "import interrupted: 1 entry was appended in 1 batch, and the lines read after them \
         were not (hint: run the same import again: it skips what is already in the log and \
         appends the rest)\r\n",
        "{screen:?}"
    );
    assert_eq!(entries(&w), before + 1);
}

/// A command interrupted after its commit and before its output says what
/// it appended: `annotate` died without a word, and a script that ran it
/// again until it succeeded appended the annotation twice. Its output is
/// held up by a pipe that is full and that no one reads, so that the
/// interrupt comes between the two.
#[test]
fn a_command_interrupted_after_its_commit_says_what_it_appended() {
    let w = Work::with_claims();
    let mut fds = [0; 2];
    // SAFETY: pipe(2) into a live array; the descriptors are owned below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fresh descriptors from pipe(2), owned once each.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // Fill the pipe: the command's first write then waits.
    {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&write_end);
        // SAFETY: fcntl and write(2) on the pipe's own descriptor.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
            let block = [b'x'; 4096];
            while libc::write(fd, block.as_ptr().cast(), block.len()) > 0 {}
            libc::fcntl(fd, libc::F_SETFL, flags);
        }
    }
    let mut c = w.std_command(
        Some("analyst"),
        &[],
        &["annotate", "C2", "--verdict", "false"],
    );
    // SAFETY: only signal(2) between fork and exec (SIGINT as a terminal's
    // shell leaves it: `cargo test &` has it ignored).
    unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let annotations = || -> i64 {
        rusqlite::Connection::open(&w.db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM annotations", [], |r| r.get(0))
            .unwrap()
    };
    let before = annotations();
    let mut child = c
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while annotations() == before {
        assert!(Instant::now() < until, "the annotation was never committed");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill(2) on the child this test spawned and has not reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    drop(read_end);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{stderr}");
    assert_eq!(
        stderr,
        "interrupted: A2 (entry 7) was appended before the interrupt, and is in the log (`claimtrail log -n 1` shows it: run the command again only for what is not there)\n"
    );
    assert_eq!(annotations(), before + 1);
}

/// A terminal that cannot redraw a line (`TERM=dumb`: Emacs' shell, some
/// CI consoles) gets no progress bar, which it showed as escape codes;
/// any other terminal gets it.
#[test]
fn no_progress_bar_on_a_dumb_terminal() {
    let w = Work::with_claims();
    let run = |term: &str| {
        let mut t = Terminal::run(w.std_command(None, &[("TERM", term)], &["verify"]));
        assert!(t.end().success(), "{}", t.screen());
        t.screen()
    };
    let dumb = run("dumb");
    assert!(dumb.contains("OK: no problems found"), "{dumb}");
    assert!(!dumb.contains('\u{1b}'), "{dumb:?}");
    let xterm = run("xterm");
    assert!(xterm.contains('\u{1b}'), "{xterm:?}");
}

/// `show S<n> --raw` does not send a text's escape sequences to a
/// terminal (piped, it writes them as they are: `session.rs`).
#[test]
fn show_raw_keeps_a_sources_control_characters_off_the_terminal() {
    let w = Work::with_team();
    std::fs::write(w.path("t.txt"), "a \u{1b}]0;pwned\u{7} title").unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "t.txt", "--kind", "other"],
    )
    .ok();
    let mut t = Terminal::run(w.std_command(None, &[], &["show", "S1", "--raw"]));
    assert_eq!(t.end().code(), Some(2), "{:?}", t.screen());
    assert!(
        t.screen().contains("error: S1's text holds control or invisible characters, which --raw would send to your terminal (hint: send it to a file or a program: `claimtrail show S1 --raw > S1.txt`, or use --text to read it here)"),
        "{:?}",
        t.screen()
    );
    assert!(!t.screen().contains('\u{1b}'));
    // Tabs and CRLF line ends are no risk: a table's text goes out as is.
    std::fs::write(w.path("tsv.txt"), "name\tcount\r\nkilled\t7\r\n").unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "tsv.txt", "--kind", "other"],
    )
    .ok();
    let mut t = Terminal::run(w.std_command(None, &[], &["show", "S2", "--raw"]));
    assert_eq!(t.end().code(), Some(0), "{:?}", t.screen());
    assert!(t.screen().contains("killed"), "{:?}", t.screen());

    // A claim's signed payload quotes its source around the quote, where
    // canonical JSON leaves a C1 control (U+009B is CSI) or a bidi override
    // as it is: `log --payload` wrote them to the terminal.
    std::fs::write(
        w.path("c1.txt"),
        "Intro \u{9b}2J \u{202e}fdp.exe the toll was 12.\n",
    )
    .unwrap();
    w.run(
        Some("analyst"),
        &["source", "add", "c1.txt", "--kind", "article"],
    )
    .ok();
    w.run(
        Some("analyst"),
        &[
            "claim",
            "add",
            "--source",
            "S3",
            "--quote",
            "the toll was 12",
            "--speaker",
            "Minister",
            "--provenance",
            "statement",
        ],
    )
    .ok();
    let seq = w.run(None, &["--json", "show", "C1"]).ok().to_string();
    let seq: serde_json::Value = serde_json::from_str(&seq).unwrap();
    let seq = seq["claim"]["signed"]["seq"].to_string();
    let mut t = Terminal::run(w.std_command(None, &[], &["log", "--seq", &seq, "--payload"]));
    assert_eq!(t.end().code(), Some(2), "{:?}", t.screen());
    assert!(
        t.screen().contains(&format!("error: entry {seq}'s payload holds control or invisible characters (from the text it quotes, or bytes that are not UTF-8), which --payload would send to your terminal (hint: send it to a file or a program: `claimtrail log --seq {seq} --payload > entry-{seq}.json`, or read it here, escaped, with `claimtrail log --seq {seq}`)")),
        "{:?}",
        t.screen()
    );
    assert!(!t.screen().contains('\u{9b}') && !t.screen().contains('\u{202e}'));
    // Piped, the bytes are exact (what `ssh-keygen -Y verify` reads).
    let piped = w.run(None, &["log", "--seq", &seq, "--payload"]);
    assert!(
        piped.ok().contains("Intro \u{9b}2J \u{202e}fdp.exe "),
        "{}",
        piped.stdout
    );
    // A payload edited in the file to hold a byte that is not UTF-8 (0x9B
    // alone is CSI to an 8-bit terminal) is kept from the terminal too: it
    // was read leniently, as U+FFFD, and passed.
    let conn = rusqlite::Connection::open(&w.db).unwrap();
    let payload: Vec<u8> = conn
        .query_row("SELECT payload FROM entries WHERE seq = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut edited = payload.clone();
    edited.insert(1, 0x9b);
    conn.execute(
        "UPDATE entries SET payload = ? WHERE seq = 1",
        rusqlite::params![edited],
    )
    .unwrap();
    drop(conn);
    let mut t = Terminal::run(w.std_command(None, &[], &["log", "--seq", "1", "--payload"]));
    assert_eq!(t.end().code(), Some(2), "{:?}", t.screen());
    assert!(
        t.screen().contains("error: entry 1's payload holds control or invisible characters (from the text it quotes, or bytes that are not UTF-8), which --payload would send to your terminal"),
        "{:?}",
        t.screen()
    );
}

/// What SIGKILL leaves, no handler can remove: a backup's partial copy (a
/// whole copy of the log as it was, a source's text that a redaction has
/// removed since among it), a publish's staging directory in the web root,
/// a report's or checkpoint's temporary file. The next run that makes one
/// of them in the same directory removes those no process holds and that
/// were left more than two seconds ago, and says so; one held by a run
/// still going, one just made, and names not of claimtrail's making stay.
#[test]
fn a_later_run_removes_what_killed_runs_left() {
    let w = Work::with_claims();
    let bk = w.path("bk");
    std::fs::create_dir(&bk).unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let left = |name: &str, old: bool| {
        let p = bk.join(name);
        std::fs::write(&p, b"SQLite format 3\0 a witness's name").unwrap();
        if old {
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(an_hour_ago).unwrap();
        }
        p
    };
    let killed = left(".claimtrail-backup-Ab12Cd.db", true);
    let journal = left(".claimtrail-backup-Ab12Cd.db-journal", true);
    let running = left(".claimtrail-backup-Ef34Gh.db", true);
    let fresh = left(".claimtrail-backup-Ij56Kl.db", false);
    let not_ours = left(".claimtrail-backup-mine.db", true);
    // A backup still running holds its copy locked.
    let held = std::fs::File::open(&running).unwrap();
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor `held` owns.
        assert_eq!(
            unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
            0
        );
    }
    let r = w.run(None, &["backup", "bk/copy.db"]);
    assert!(
        r.code == 0 && r.stdout.starts_with("backed up "),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "note: removed 1 partial copy of the log that a killed run left (no signal it could catch, as kill -9 sends): bk/.claimtrail-backup-Ab12Cd.db\n"
    );
    assert!(!killed.exists() && !journal.exists());
    assert!(running.exists() && fresh.exists() && not_ours.exists());
    drop(held);
    w.run(None, &["--db", "bk/copy.db", "verify"]).ok();
    // A journal whose copy is gone (a backup whose write failed removed
    // its copy and not the journal) is taken too; one beside its copy
    // (a backup running) is not.
    let orphan = left(".claimtrail-backup-Qr90St.db-journal", true);
    let beside = left(".claimtrail-backup-Ij56Kl.db-journal", true);
    let r = w.run(None, &["backup", "bk/copy2.db"]);
    assert!(
        r.stderr.contains("bk/.claimtrail-backup-Qr90St.db-journal"),
        "{}",
        r.stderr
    );
    assert!(!orphan.exists() && beside.exists());

    // A publish's staging directory, in the directory it publishes to.
    w.run(Some("admin"), &["checkpoint"]).ok();
    w.run(None, &["publish", "site"]).ok();
    let staging = w.path("site/.claimtrail-publish-Mn78Op");
    std::fs::create_dir_all(staging.join("tile/0")).unwrap();
    std::fs::write(staging.join("tile/0/000"), b"half a tile").unwrap();
    std::fs::File::open(&staging)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let r = w.run(None, &["publish", "site"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "note: removed 1 staging directory that a killed run left (no signal it could catch, as kill -9 sends): site/.claimtrail-publish-Mn78Op\n"
    );
    assert!(!staging.exists());
    w.run(None, &["verify-published", "site"]).ok();

    // A checkpoint's temporary file beside the file it was to become.
    let tmp = left(".claimtrail-Qr90St.tmp", true);
    let r = w.run(Some("admin"), &["checkpoint", "--out", "bk/cp.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "note: removed 1 temporary file that a killed run left (no signal it could catch, as kill -9 sends): bk/.claimtrail-Qr90St.tmp\n"
    );
    assert!(!tmp.exists());
}

/// `claimtrail ARGS` under strace, which sends the command SIGTERM at the
/// `when`-th call of `syscall`: a signal at an exact point, where a timed
/// kill hits the window it aims at once in many runs.
fn signalled_at(w: &Work, syscall: &str, when: u32, args: &[&str]) -> crate::common::Run {
    let c = w.std_command(Some("admin"), &[], args);
    let mut s = Command::new("strace");
    s.args(["-f", "-o", "/dev/null", "-e"])
        .arg(format!("trace={syscall}"))
        .arg("-e")
        .arg(format!("inject={syscall}:signal=SIGTERM:when={when}"))
        .arg(c.get_program())
        .args(c.get_args())
        .current_dir(c.get_current_dir().unwrap());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => s.env(k, v),
            None => s.env_remove(k),
        };
    }
    // strace dies of the signal its command died of.
    let o = s.output().unwrap();
    let mut r = crate::common::Run::from(o.clone());
    if let Some(sig) = o.status.signal() {
        r.code = 128 + sig;
    }
    r
}

/// SIGTERM just as `publish` renames its checkpoint into place: the
/// directory is published whole, and the command says so as it dies (it
/// died with no word, and a script took the publish for failed); its
/// staging directory is gone (one left in the served directory was
/// dropped after its removal on an interrupt was unregistered). And
/// SIGTERM while `init` builds its log: nothing says that entry 0 is in a
/// log the same interrupt removes. Found by a red-team helper.
#[test]
fn a_signal_at_the_last_step_says_what_was_done() {
    let w = Work::with_claims();
    w.run(Some("admin"), &["checkpoint"]).ok();
    // Two tiles, then the checkpoint: the third rename.
    let r = signalled_at(&w, "rename", 3, &["publish", "site"]);
    assert_eq!(r.code, 128 + 15, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with(
            "interrupted: site was published whole before the interrupt (its checkpoint of "
        ),
        "{}",
        r.stderr
    );
    let mut left: Vec<String> = std::fs::read_dir(w.path("site"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["checkpoint", "tile"]);
    w.run(None, &["verify-published", "site"]).ok();

    // init: the third unlink is in the middle of making the new log.
    let r = signalled_at(
        &w,
        "unlink",
        3,
        &["--db", "new.db", "init", "--origin", "x.example/new"],
    );
    // (On a loaded machine init may make fewer unlinks and finish: then
    // it made its log, whole.)
    assert!(
        r.code == 128 + 15 || (r.code == 0 && w.path("new.db").exists()),
        "{}{}",
        r.stdout,
        r.stderr
    );
    // (Where the third unlink falls varies with the load on the machine:
    // what must hold either way is that no log said to hold entry 0 is
    // gone.)
    assert!(
        !r.stderr.contains("appended") || w.path("new.db").exists(),
        "{}",
        r.stderr
    );
}
