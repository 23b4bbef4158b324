//! What an interrupted command leaves behind, undone.
//!
//! A command stopped by Ctrl-C (SIGINT), SIGTERM, SIGHUP (its terminal
//! closed) or SIGQUIT used to die where it stood. The log never depended on
//! it: SQLite rolls back a transaction that was not committed, and an import
//! keeps the batches it committed. But the rest did: stopped at a passphrase
//! prompt, a command left the terminal without echo (the user's typing went
//! invisible until `reset`); stopped while writing, it left its hidden
//! temporary file (`.claimtrail-….tmp` beside a report or a checkpoint, a
//! backup's partial copy, a whole million-entry bench log in `/tmp`); and
//! Ctrl-C in the editor of `annotate --edit` killed claimtrail under the
//! editor, which went on fighting the shell for the terminal.
//!
//! [`install`] starts a thread that waits for those signals. On one, it stops
//! the child processes registered with [`stop_on_interrupt`], removes the
//! files registered with [`remove_on_interrupt`], puts back the terminal
//! that [`with_echo_off`] saved, and then dies of the signal, as the
//! shell expects (exit status 128 + n). Before it dies it erases a progress
//! bar registered with [`erase_line_on_interrupt`] and writes what
//! [`say_on_interrupt`] was given (an import says how much it kept); work
//! run through [`hold_off`] (an import's commit) is finished first, so what
//! it says is exact. While [`while_editing`] runs, SIGINT
//! and SIGQUIT are the editor's and ignored here. A signal that was ignored
//! when claimtrail started (`nohup`, a script's background job) stays
//! ignored.
//!
//! What it cannot do: SIGKILL, a crash or a power cut leave the temporary
//! files (hidden, named `.claimtrail-…`, safe to delete); and a command
//! interrupted after it committed an entry has still appended that entry.

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The signals that stop a command and are caught to clean up first.
const CAUGHT: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// What is left to undo, should a signal come now.
static STATE: Mutex<State> = Mutex::new(State {
    next: 0,
    undo: Vec::new(),
    terminal: None,
    committed: None,
});

/// Whether [`commit_then_say`] tells an interrupt what was committed: not
/// for a log of the command's own making that an interrupt removes
/// (`demo`, `bench`), which call [`quiet_commits`].
static TELL_COMMITS: AtomicBool = AtomicBool::new(true);

/// How many editors run now: while one does, SIGINT and SIGQUIT are its own.
static EDITING: AtomicUsize = AtomicUsize::new(0);

/// Set in the signal handler itself, before the interrupted call returns
/// to the command: a prompt cut short returns an error that the command
/// must not go on to report while the clean-up thread ends the process.
static STOPPING: AtomicBool = AtomicBool::new(false);

struct State {
    next: u64,
    undo: Vec<(u64, Undo)>,
    /// `/dev/tty` and its settings before a prompt changed them.
    terminal: Option<(libc::c_int, libc::termios)>,
    /// What the command's last commit appended, said on an interrupt.
    committed: Option<String>,
}

/// What a registration undoes.
enum Undo {
    Remove(PathBuf, Leftover),
    Stop(u32),
    /// A progress bar on standard error's last line, to erase.
    Erase,
    /// A line to write on standard error, made when the signal comes.
    Say(Box<dyn Fn() -> String + Send>),
}

/// What kind of thing a temporary path is, which says how to remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leftover {
    /// A file.
    File,
    /// An SQLite database: the file and its `-journal`, `-wal` and `-shm`.
    Database,
    /// A directory and all it holds.
    Directory,
}

fn state() -> MutexGuard<'static, State> {
    // A panic elsewhere must not keep the clean-up from running.
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the thread that waits for the signals and cleans up. Called once,
/// by the binary, before anything is registered; a library user that does
/// not call it keeps the default dispositions, and registrations do nothing.
pub fn install() -> std::io::Result<()> {
    let caught: Vec<i32> = CAUGHT.into_iter().filter(|&s| !ignored(s)).collect();
    let mut signals = signal_hook::iterator::Signals::new(&caught)?;
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            for signal in signals.forever() {
                if is_editors(signal) {
                    // An editor started between the handler and here.
                    STOPPING.store(false, Ordering::SeqCst);
                    continue;
                }
                let mut state = state();
                state.undo_all();
                // Held until the process ends: nothing registers or gives a
                // temporary file its name after this.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                // Not reached: the default action ends the process.
                std::process::exit(128 + signal);
            }
        })?;
    // Only once the thread runs: a flag that no thread acts on would keep
    // [`wait_if_stopping`] waiting for ever.
    for &signal in &caught {
        // SAFETY: the action only loads and stores atomics, which is
        // async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if !is_editors(signal) {
                    STOPPING.store(true, Ordering::SeqCst);
                }
            })?;
        }
    }
    Ok(())
}

/// Whether `signal` is the editor's to take ([`while_editing`]).
fn is_editors(signal: i32) -> bool {
    (signal == SIGINT || signal == SIGQUIT) && EDITING.load(Ordering::SeqCst) > 0
}

/// When the command is being stopped by a signal, waits for the clean-up
/// to end the process: what the signal cut short (a prompt) is no error to
/// report. Otherwise returns at once.
pub fn wait_if_stopping() {
    while STOPPING.load(Ordering::SeqCst) {
        std::thread::park_timeout(Duration::from_secs(1));
    }
}

/// Whether `signal` was set to be ignored when this process started.
fn ignored(signal: i32) -> bool {
    // SAFETY: a query (null new action) into a zeroed sigaction.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

impl State {
    /// Adds `undo` and returns its id.
    fn register(&mut self, undo: Undo) -> u64 {
        self.next += 1;
        self.undo.push((self.next, undo));
        self.next
    }

    fn undo_all(&mut self) {
        let stopped: Vec<u32> = self
            .undo
            .iter()
            .filter_map(|(_, u)| match u {
                Undo::Stop(pid) => Some(*pid),
                _ => None,
            })
            .collect();
        for &pid in &stopped {
            // SAFETY: kill(2) on a pid this process spawned and still waits for.
            unsafe { libc::kill(pid as libc::pid_t, SIGTERM) };
        }
        for (_, undo) in &self.undo {
            if let Undo::Remove(path, what) = undo {
                // A child being stopped may still write into a directory.
                let patience = match (what, stopped.is_empty()) {
                    (Leftover::Directory, false) => Duration::from_secs(2),
                    _ => Duration::ZERO,
                };
                remove(path, *what, patience);
            }
        }
        if let Some((fd, saved)) = self.terminal.take() {
            // SAFETY: fd is the open /dev/tty, `saved` its own earlier settings.
            unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
        }
        let mut said = String::new();
        if self.undo.iter().any(|(_, u)| matches!(u, Undo::Erase)) {
            // Back to the start of the bar's line, and clear it.
            said.push_str("\r\x1b[2K");
        }
        for (_, undo) in &self.undo {
            if let Undo::Say(say) = undo {
                said.push_str(&say());
                said.push('\n');
            }
        }
        if let Some(committed) = &self.committed {
            said.push_str(committed);
            said.push('\n');
        }
        write_stderr(said.as_bytes());
    }
}

/// Writes `bytes` on standard error as they are, whatever they cost: with
/// write(2) itself, not through the lock of Rust's `Stderr`, which the
/// interrupted thread may hold; a stderr that is closed or full loses them.
fn write_stderr(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: write(2) of a live buffer's bytes to descriptor 2.
        let n = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        match n {
            1.. => bytes = &bytes[n as usize..],
            _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}

fn remove(path: &Path, what: Leftover, patience: Duration) {
    match what {
        Leftover::File => {
            let _ = std::fs::remove_file(path);
        }
        Leftover::Database => {
            let _ = std::fs::remove_file(path);
            for side in ["-journal", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(side);
                let _ = std::fs::remove_file(p);
            }
        }
        Leftover::Directory => {
            let until = Instant::now() + patience;
            while std::fs::remove_dir_all(path).is_err() && path.exists() && Instant::now() < until
            {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Marks a temporary file as in use, for as long as `file` stays open: an
/// exclusive `flock` on it, which is how [`sweep`] tells the temporary file
/// of a command still running from one that a killed command left. Takes
/// the descriptor the file was made with (a `NamedTempFile`'s), never a new
/// one: closing a second descriptor of an SQLite file would drop the POSIX
/// locks SQLite holds on it in this process. Best effort: a file system
/// without `flock` marks nothing, and [`sweep`] then takes the file as
/// left behind only by its age.
pub fn hold(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor that `file` owns and keeps open.
    unsafe {
        libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB);
    }
}

/// A temporary directory marked as in use ([`hold`]) while this value
/// lives: its own descriptor (a directory has no SQLite locks to lose).
#[must_use = "the directory is marked in use as long as this value lives"]
pub struct HeldDir(#[allow(dead_code)] Option<std::fs::File>);

/// Marks directory `path` as in use until the value returned is dropped.
pub fn hold_dir(path: &Path) -> HeldDir {
    let dir = std::fs::File::open(path).ok();
    if let Some(d) = &dir {
        hold(d);
    }
    HeldDir(dir)
}

/// What no signal can undo (SIGKILL, a crash, a power cut) a later run
/// removes: in `dir`, each `prefix` + six letters or digits (`tempfile`'s
/// random part) + `suffix` of kind `what` that no process holds ([`hold`])
/// and that was last changed more than [`LEFT_FOR`] ago (a file is held a
/// moment after it is made, not before). Returns the paths removed, for
/// the command to say so: a backup's partial copy is a whole copy of the
/// log, and it keeps a source's text after a redaction removed it from the
/// log. Errors reading the directory remove nothing.
pub fn sweep(dir: &Path, prefix: &str, suffix: &str, what: Leftover) -> Vec<PathBuf> {
    use std::os::fd::AsRawFd;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name
            .to_str()
            .is_some_and(|n| temporary_name(n, prefix, suffix))
        {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let kind_matches = match what {
            Leftover::Directory => meta.is_dir(),
            Leftover::File | Leftover::Database => meta.is_file(),
        };
        if !kind_matches || !left_alone(&meta) {
            continue;
        }
        let Ok(probe) = std::fs::File::open(&path) else {
            continue;
        };
        // SAFETY: flock on a descriptor `probe` owns.
        let free = unsafe { libc::flock(probe.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if free {
            remove(&path, what, Duration::from_secs(2));
            if !path.exists() {
                removed.push(path);
            }
        }
    }
    removed.sort();
    removed
}

/// How long a temporary path must have been left unchanged before
/// [`sweep`] takes it, unheld, as a leftover.
pub const LEFT_FOR: Duration = Duration::from_secs(2);

/// Whether `name` is `prefix`, six letters or digits (as `tempfile` makes
/// them), then `suffix`: the name of one of claimtrail's temporary paths,
/// never a name a user chose.
pub fn temporary_name(name: &str, prefix: &str, suffix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|random| {
            random.len() == 6 && random.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Whether a path was left unchanged for at least [`LEFT_FOR`].
pub fn left_alone(meta: &std::fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age >= LEFT_FOR)
}

/// A registration; dropped, it is forgotten (the command got past the point
/// where an interrupt would have to undo it).
#[must_use = "the registration lasts as long as this value"]
#[derive(Debug)]
pub struct Registration {
    id: u64,
}

impl Registration {
    /// Runs `f` — what gives a temporary file its name, say — with the
    /// clean-up held off, then forgets the registration: an interrupt comes
    /// before `f` (and removes the file) or after it (and finds nothing to
    /// remove), never half-way.
    pub fn disarm<T>(self, f: impl FnOnce() -> T) -> T {
        let value = hold_off(f);
        // `self` is dropped on return, which forgets it; should an interrupt
        // come first, what it removes is no longer there.
        value
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        state().undo.retain(|(id, _)| *id != self.id);
    }
}

/// Removes `path` if the command is interrupted before the registration is
/// dropped or disarmed.
pub fn remove_on_interrupt(path: &Path, what: Leftover) -> Registration {
    Registration {
        id: state().register(Undo::Remove(path.to_path_buf(), what)),
    }
}

/// Stops (SIGTERM) child process `pid` if the command is interrupted before
/// the registration is dropped. A child in the same process group as a
/// terminal gets the terminal's Ctrl-C itself; this is for a SIGTERM or
/// SIGHUP sent to claimtrail alone.
pub fn stop_on_interrupt(pid: u32) -> Registration {
    Registration {
        id: state().register(Undo::Stop(pid)),
    }
}

/// Erases the last line of standard error, which a progress bar is drawn
/// on, if the command is interrupted before the registration is dropped:
/// the shell's prompt then starts on a clean line. Registered only while a
/// bar is drawn, which is only on a terminal.
pub fn erase_line_on_interrupt() -> Registration {
    Registration {
        id: state().register(Undo::Erase),
    }
}

/// Writes the line `say()` makes on standard error if the command is
/// interrupted before the registration is dropped: what a user needs to
/// know to carry on (how much an import kept). `say` runs on the clean-up
/// thread while the command's own thread is stopped at no known point, so it
/// must only read what [`hold_off`] keeps consistent (atomics updated in it).
pub fn say_on_interrupt(say: impl Fn() -> String + Send + 'static) -> Registration {
    Registration {
        id: state().register(Undo::Say(Box::new(say))),
    }
}

/// Runs `commit` with the clean-up held off and, once it has succeeded,
/// has an interrupt say `said` (what it appended, in place of what an
/// earlier commit of the command said): a command interrupted between its
/// commit and its output (`annotate` printing its id) died without a word,
/// and a script that ran it again until it succeeded appended the
/// annotation twice.
pub fn commit_then_say<T, E>(commit: impl FnOnce() -> Result<T, E>, said: String) -> Result<T, E> {
    let mut held = state();
    let done = commit();
    if done.is_ok() && TELL_COMMITS.load(Ordering::SeqCst) {
        held.committed = Some(said);
    }
    done
}

/// [`commit_then_say`] says nothing from now on: the command appends to a
/// log of its own making, which an interrupt removes.
pub fn quiet_commits() {
    TELL_COMMITS.store(false, Ordering::SeqCst);
}

/// Runs `f`, which appends to a log of its own making that an interrupt
/// removes (a new log, until it takes its name), with [`commit_then_say`]
/// saying nothing meanwhile: `init` stopped by SIGTERM said "entry 0
/// (log.init) was appended before the interrupt, and is in the log: run
/// the command again only for what is not there" of a log that the same
/// interrupt then removed.
pub fn quiet_commits_during<T>(f: impl FnOnce() -> T) -> T {
    let was = TELL_COMMITS.swap(false, Ordering::SeqCst);
    let value = f();
    TELL_COMMITS.store(was, Ordering::SeqCst);
    value
}

/// Runs `f` with the clean-up held off: a signal that comes meanwhile is
/// acted on once `f` returns, so `f` is done whole before the process dies
/// (an import's commit and the count of what it committed, which an
/// interrupted import then reports exactly). For work of a fraction of a
/// second: it delays Ctrl-C by as long.
pub fn hold_off<T>(f: impl FnOnce() -> T) -> T {
    let held = state();
    let value = f();
    drop(held);
    value
}

/// Runs `f`, a prompt for a secret, with the terminal's echo off, and puts
/// the terminal's settings back afterwards, or if the command is
/// interrupted meanwhile. Without a terminal, runs `f` alone.
///
/// Echo goes off here, before `f` writes its prompt: rpassword writes the
/// prompt and only then turns echo off, so a passphrase that arrived as
/// soon as the prompt showed (a paste, a password manager typing it, an
/// `expect` script) was shown in clear, into the scrollback and any
/// recording of the session (12 of 20 runs of `key new` in a red-team
/// harness). OpenSSH turns echo off before it writes its prompt. What was
/// typed before the prompt appeared was echoed as it arrived, which
/// nothing can take back.
pub fn with_echo_off<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: open/tcgetattr/close on a path and a zeroed termios.
    let saved = unsafe {
        let fd = libc::open(
            c"/dev/tty".as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        let mut t: libc::termios = std::mem::zeroed();
        match fd >= 0 && libc::tcgetattr(fd, &mut t) == 0 {
            true => Some((fd, t)),
            false => {
                if fd >= 0 {
                    libc::close(fd);
                }
                None
            }
        }
    };
    let Some(saved) = saved else { return f() };
    state().terminal = Some(saved);
    let mut quiet = saved.1;
    quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
    // SAFETY: tcsetattr on the terminal opened above, with its own settings
    // but for echo.
    unsafe { libc::tcsetattr(saved.0, libc::TCSANOW, &quiet) };
    let value = f();
    wait_if_stopping();
    state().terminal = None;
    // SAFETY: the settings read above put back, and the descriptor closed.
    unsafe {
        libc::tcsetattr(saved.0, libc::TCSANOW, &saved.1);
        libc::close(saved.0)
    };
    value
}

/// Runs `f`, which runs the user's editor on the terminal: Ctrl-C and
/// Ctrl-\ there are the editor's (vi cancels a command with them), so they
/// do not stop claimtrail, as git does with its editor. SIGTERM and SIGHUP
/// still do.
pub fn while_editing<T>(f: impl FnOnce() -> T) -> T {
    struct Editing;
    impl Drop for Editing {
        fn drop(&mut self) {
            EDITING.fetch_sub(1, Ordering::SeqCst);
        }
    }
    EDITING.fetch_add(1, Ordering::SeqCst);
    let _editing = Editing;
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn undoing_removes_files_databases_with_their_journals_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["a.tmp", "b.db", "b.db-journal", "b.db-wal", "kept"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::create_dir_all(d.join("c/d")).unwrap();
        std::fs::write(d.join("c/d/e"), "x").unwrap();
        let mut state = State {
            next: 0,
            undo: Vec::new(),
            terminal: None,
            committed: None,
        };
        state.register(Undo::Remove(d.join("a.tmp"), Leftover::File));
        state.register(Undo::Remove(d.join("b.db"), Leftover::Database));
        state.register(Undo::Remove(d.join("c"), Leftover::Directory));
        state.register(Undo::Remove(d.join("gone"), Leftover::File));
        state.undo_all();
        assert_eq!(names(d), ["kept"]);
    }

    #[test]
    fn a_registration_lasts_until_it_is_dropped_or_disarmed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let registered = |p: &Path| {
            state()
                .undo
                .iter()
                .any(|(_, u)| matches!(u, Undo::Remove(q, _) if q == p))
        };
        let ra = remove_on_interrupt(&a, Leftover::File);
        let rb = remove_on_interrupt(&b, Leftover::File);
        assert!(registered(&a) && registered(&b));
        drop(ra);
        assert!(!registered(&a) && registered(&b));
        assert_eq!(rb.disarm(|| 7), 7);
        assert!(!registered(&b));
    }
}
