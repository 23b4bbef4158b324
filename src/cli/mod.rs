//! The command line: clap definitions and printing only. Every command is a
//! module with its `Args` and a `run()`; the work is done by the library.

/// `println!` that returns the write's error instead of panicking: standard
/// output may be a full disk or a closed file, and that is an error
/// message and exit 2, not a panic with a backtrace. Use with `?`.
macro_rules! outln {
    () => {
        $crate::cli::output::write_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` in one write, newline included: stderr is unbuffered, and
/// `eprintln!` wrote a line and its newline apart, so that two commands
/// sharing one log file (`2>>errors.log`) ran their notes together. A
/// stderr that cannot be written loses the line, not the command.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = std::io::stderr()
            .write_all(format!("{}\n", format_args!($($arg)*)).as_bytes());
    }};
}

/// `print!` as [`outln!`] makes `println!`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_fmt(format_args!($($arg)*))
    };
}

pub mod annotate;
pub mod backup;
pub mod bench;
pub mod checkpoint;
pub mod claim;
pub mod completions;
pub mod demo;
pub mod export;
pub mod import;
pub mod init;
pub mod key;
pub mod list;
pub mod log;
pub mod mirror;
pub mod output;
pub mod prove;
pub mod publish;
pub mod report;
pub mod show;
pub mod signed;
pub mod source;
pub mod status;
pub mod values;
pub mod verify;
pub mod verify_bundle;
pub mod verify_published;

use claimtrail::error::{Error, Result};
use claimtrail::keys::Signer;
use claimtrail::store::Store;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::{Path, PathBuf};

/// The heading of the options every command takes, so that a command's
/// `--help` lists its own options apart from them (as jj does): `--db` and
/// `--key` are there for every command, whether it opens a log or signs.
const GLOBAL: &str = "Global Options";

/// claimtrail: a tamper-evident audit trail of claims taken from news sources.
#[derive(Parser, Debug)]
#[command(name = "claimtrail", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The log's SQLite file.
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "CLAIMTRAIL_DB",
        default_value = "claimtrail.db"
    )]
    pub db: PathBuf,
    /// Your OpenSSH ed25519 private key (for commands that sign); its .pub
    /// file when your ssh-agent (SSH_AUTH_SOCK) holds the key.
    #[arg(long, global = true, help_heading = GLOBAL, env = "CLAIMTRAIL_KEY")]
    pub key: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
    /// CLAIMTRAIL_DB was set but empty and --db not given (see [`parse`]).
    #[arg(skip)]
    pub db_env_empty: bool,
}

/// Parses the command line. A variable of the environment set but empty
/// (`CLAIMTRAIL_KEY=`, which a script leaves for an unset variable) counts
/// as unset: clap took it as an empty value and refused every command,
/// even `verify`, which signs nothing, and `--db x.db verify`. An empty
/// CLAIMTRAIL_DB is not taken to mean `claimtrail.db`: the commands that
/// open a log refuse it ([`Ctx::db`]).
pub fn parse() -> std::result::Result<Cli, clap::Error> {
    let empty = |var: &str| std::env::var_os(var).is_some_and(|v| v.is_empty());
    let mut cmd = Cli::command();
    for (arg, var) in [("db", "CLAIMTRAIL_DB"), ("key", "CLAIMTRAIL_KEY")] {
        if empty(var) {
            cmd = cmd.mut_arg(arg, |a| a.env(None));
        }
    }
    let matches = cmd.try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    cli.db_env_empty = empty("CLAIMTRAIL_DB")
        && matches.value_source("db") == Some(clap::parser::ValueSource::DefaultValue);
    Ok(cli)
}

/// The commands. One that takes `Args` is described by the doc comment of
/// its `Args` struct: the first paragraph is its line in `claimtrail --help`
/// (and all of `-h`), the rest is for its own `--help`. A doc comment on the
/// variant would replace that whole text with the variant's line, as it did
/// until 2026-12-01, so those variants have none. The groups of subcommands
/// (key, source, claim) keep theirs: clap takes a group's line from there.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Make, enroll, revoke and list keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    Init(init::Args),
    /// Add, amend or redact sources.
    #[command(subcommand)]
    Source(source::SourceCommand),
    /// Add, suggest or retract claims (exact quotes of a source).
    #[command(subcommand)]
    Claim(claim::ClaimCommand),
    Annotate(annotate::Args),
    List(list::Args),
    Show(show::Args),
    Log(log::Args),
    Status(status::Args),
    Report(report::Args),
    Verify(verify::Args),
    Checkpoint(checkpoint::Args),
    Prove(prove::Args),
    Export(export::Args),
    VerifyBundle(verify_bundle::Args),
    Demo(demo::Args),
    Import(import::Args),
    Bench(bench::Args),
    Backup(backup::Args),
    Publish(publish::Args),
    VerifyPublished(verify_published::Args),
    Mirror(mirror::Args),
    Completions(completions::Args),
}

/// What a successful command found: verify's "problems" exit with 1.
pub enum Outcome {
    Done,
    ProblemsFound,
}

/// A path from the environment as a user writes it in a shell profile:
/// `export CLAIMTRAIL_KEY="~/.ssh/id_ed25519"` keeps the `~` (the shell does
/// not expand it inside quotes), so a leading `~/` is your home directory,
/// as ssh reads `IdentityFile ~/.ssh/…`. A path that exists as written is
/// left as it is. So is a file option's value: `--vkey=~/desk.vkey` keeps
/// its `~` too (bash expands it after `--vkey `, not after `--vkey=`).
pub(crate) fn home(path: PathBuf) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) if !path.exists() && !home.is_empty() => {
            PathBuf::from(home).join(rest)
        }
        _ => path,
    }
}

/// Global options every command can use.
pub struct Ctx {
    /// `None` when CLAIMTRAIL_DB is set but empty and --db is not given.
    db: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub json: bool,
    /// The `--key` file, read once (see [`Ctx::key_file`]).
    key_file: std::cell::OnceCell<claimtrail::keys::KeyFile>,
}

impl Ctx {
    /// The log's file, from --db, CLAIMTRAIL_DB or the default.
    pub fn db(&self) -> Result<&Path> {
        let db = self.db.as_deref().ok_or_else(|| {
            Error::invalid(
                "CLAIMTRAIL_DB is set but empty",
                "set it to the log's file, give --db, or unset it to use claimtrail.db here",
            )
        })?;
        output::refuse_dash(db, "the log")?;
        // `x.db/`: status said there was no log there and to run init,
        // and init that the path existed (or, for a new directory, that a
        // part of it was a file).
        output::refuse_slash(db, "the log")?;
        Ok(db)
    }

    /// The log, for a command that may append to it; a file that holds
    /// no log is refused ([`Store::require_log`]).
    pub fn open(&self) -> Result<Store> {
        let store = Store::open(self.db()?)?;
        store.require_log()?;
        Ok(store)
    }

    /// The log, for a command that only reads it ([`Store::open_to_read`]:
    /// an older log's file is not migrated); a file that holds no log is
    /// refused ([`Store::require_log`]). `verify` opens it itself, and
    /// reports such a file as findings.
    pub fn read(&self) -> Result<Store> {
        let store = Store::open_to_read(self.db()?)?;
        store.require_log()?;
        Ok(store)
    }

    /// [`output::Staged::new`] for a file that commands write beside the
    /// log (--out): never the log's database or its SQLite files
    /// ([`output::refuse_log_files`]), and not `-` ([`output::refuse_dash`]).
    pub fn staged(&self, path: &Path, what: &str) -> Result<output::Staged> {
        self.beside_log(path, what)?;
        output::Staged::new(path, what)
    }

    /// [`Ctx::staged`] for a file that must be new ([`output::Staged::new_file`]).
    pub fn staged_new_file(&self, path: &Path, what: &str) -> Result<output::Staged> {
        self.beside_log(path, what)?;
        output::Staged::new_file(path, what)
    }

    /// What [`Ctx::staged`] refuses before the file is made.
    fn beside_log(&self, path: &Path, what: &str) -> Result<()> {
        output::refuse_dash(path, what)?;
        output::refuse_log_files(path, self.db()?, what)
    }

    pub fn signer(&self) -> Result<Signer> {
        let path = self.key.as_ref().ok_or(Error::NoKey)?;
        Signer::from_key_file(path, self.key_file(path)?)
    }

    /// The `--key` file's bytes, read the first time a command asks and
    /// kept: a command reads its key's public half first and unlocks it
    /// later, and a key given through a pipe (`<(pass show key)`,
    /// `/dev/stdin`) can be read only once. A read that fails is not kept.
    fn key_file(&self, path: &Path) -> Result<&claimtrail::keys::KeyFile> {
        if let Some(f) = self.key_file.get() {
            return Ok(f);
        }
        if output::is_stdin(path) {
            output::take_stdin(&format!("--key {}", output::shown(path)))?;
        }
        let read = claimtrail::keys::KeyFile::read(path)?;
        Ok(self.key_file.get_or_init(|| read))
    }

    /// Before `what` is read from standard input (`-`, or a path that is
    /// it, `/dev/stdin`): refused when the key is read from there too,
    /// whichever is read first (the source's text took the key, and was
    /// refused as "a private key, not a source's text").
    pub fn reading_stdin(&self, what: &str) -> Result<()> {
        if let Some(k) = self.key.as_deref().filter(|k| output::is_stdin(k)) {
            output::take_stdin(&format!("--key {}", output::shown(k)))?;
        }
        output::reading_stdin(what)
    }

    /// Your key, unlocked to sign `entry` once the log would take it from
    /// you: its public half, read without a passphrase, is checked first
    /// ([`claimtrail::log::check_before_unlocking`]), so a key the log
    /// refuses (revoked, of another role, someone else's claim to retract)
    /// is refused before its passphrase is asked for.
    pub fn signer_for(
        &self,
        conn: &rusqlite::Connection,
        entry: &claimtrail::log::NewEntry,
    ) -> Result<Signer> {
        self.check_for(conn, entry)?;
        self.signer()
    }

    /// The first half of [`Ctx::signer_for`]: the entry's input rules
    /// (`log::precheck`), and the entry checked against the log as your
    /// key's, without unlocking it.
    pub fn check_for(
        &self,
        conn: &rusqlite::Connection,
        entry: &claimtrail::log::NewEntry,
    ) -> Result<()> {
        claimtrail::log::precheck(&entry.body)?;
        match self.public_fingerprint() {
            Some(fp) => claimtrail::log::check_before_unlocking(conn, &fp, entry),
            None => Ok(()),
        }
    }

    /// [`Ctx::signer_for`] for an entry of `kind` not yet made: the key's
    /// enrolment, revocation and role are checked first.
    pub fn signer_for_kind(
        &self,
        conn: &rusqlite::Connection,
        kind: claimtrail::model::Kind,
    ) -> Result<Signer> {
        self.check_kind(conn, kind)?;
        self.signer()
    }

    /// Whether your key may sign an entry of `kind` (enrolled, not
    /// revoked, of a role that signs it), without unlocking it: asked
    /// first, so that a key that may not sign is told so rather than what
    /// its entry would have met in the log (an auditor's `source add` of a
    /// text the log holds was told to "use S1").
    pub fn check_kind(
        &self,
        conn: &rusqlite::Connection,
        kind: claimtrail::model::Kind,
    ) -> Result<()> {
        if let Some(fp) = self.public_fingerprint() {
            if let Some(e) = claimtrail::log::key_refusal(conn, &fp, kind)? {
                return Err(e);
            }
        }
        Ok(())
    }

    /// The fingerprint of your key's public half, when it can be read
    /// without a passphrase (else the key's own loading says why not).
    fn public_fingerprint(&self) -> Option<claimtrail::model::Fingerprint> {
        self.public_key().ok().map(|k| k.fingerprint().clone())
    }

    /// The public half of your key (`--key`, its `.pub` or the private key
    /// file), read without a passphrase: for commands that ask who you are
    /// without signing.
    pub fn public_key(&self) -> Result<claimtrail::keys::PublicKey> {
        let path = self.key.as_ref().ok_or_else(|| {
            Error::invalid(
                "no key given to say who you are",
                "pass --key PATH or set CLAIMTRAIL_KEY (your key, or its .pub)",
            )
        })?;
        let hint = "give your OpenSSH ed25519 key (or its .pub) with --key or CLAIMTRAIL_KEY";
        // The private key's text, when --key is the private key file.
        let text =
            zeroize::Zeroizing::new(key::key_text(path, self.key_file(path)?.bytes(), hint)?);
        key::parse_key(
            path,
            &text,
            claimtrail::keys::PublicKey::from_key_file,
            hint,
        )
    }
}

/// A command printed for the user to run next (a warning's, a result's
/// follow-up) as they must type it: with `--db PATH` when this command
/// named the log with `--db`, as errors' hints have it.
pub fn pasteable(text: &str) -> String {
    crate::with_db(text, &std::env::args_os().collect::<Vec<_>>())
}

/// [`pasteable`] for a command that signs: with `--key PATH` too when this
/// command was given its key with `--key` (pasted without it, it asks for
/// a key the shell does not hold).
pub fn pasteable_signed(text: &str) -> String {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    crate::with_db(&crate::with_option(text, &args, "--key"), &args)
}

pub fn run(cli: Cli) -> Result<Outcome> {
    // Settings from the environment that would otherwise be ignored when
    // mistyped, before any work is done.
    claimtrail::clock::check_env()?;
    claimtrail::store::check_env()?;
    let ctx = Ctx {
        db: (!cli.db_env_empty).then(|| home(cli.db)),
        key: cli.key.map(home),
        json: cli.json,
        key_file: std::cell::OnceCell::new(),
    };
    // Commands that make their own log take no --db: `--db mine.db demo`
    // built the demo elsewhere without a word, and mine.db was never made.
    // (CLAIMTRAIL_DB, set for the desk's own log, is left unread.)
    let own_log = match &cli.command {
        Command::Demo(_) => Some("demo builds its log in its own directory (DIR/claimtrail.db)"),
        Command::Bench(_) => Some("bench builds its log in a temporary directory"),
        _ => None,
    };
    // Nor a --key: the demo makes its own three keys, and `demo --key me`
    // went on without a word. (CLAIMTRAIL_KEY is left unread.)
    if matches!(cli.command, Command::Demo(_))
        && crate::given_option(&std::env::args_os().collect::<Vec<_>>(), "--key").is_some()
    {
        return Err(Error::invalid(
            "demo makes its own keys (DIR/admin, DIR/analyst, DIR/auditor) and takes no --key",
            "leave --key out; the demo prints the commands to try with its keys",
        ));
    }
    if let Some(own) = own_log {
        if crate::given_option(&std::env::args_os().collect::<Vec<_>>(), "--db").is_some() {
            return Err(Error::invalid(
                format!("{own} and takes no --db"),
                match matches!(cli.command, Command::Demo(_)) {
                    true => "leave --db out: `--dir DIR` chooses where the demo goes, and its log is DIR/claimtrail.db",
                    false => "leave --db out: TMPDIR chooses where the bench's log goes",
                },
            ));
        }
    }
    let db = ctx.db.clone();
    let done = run_command(&ctx, cli.command);
    // A command that waited out the busy timeout behind an import: said
    // to be one (it holds the write lock while it stores and commits each
    // batch), not "another process".
    match (done, db) {
        (Err(Error::Busy(waited)), Some(db)) => match claimtrail::import::lock::running(&db)
            // An import that met another writer's lock holds its own.
            .filter(|pid| *pid != Some(std::process::id()))
        {
            Some(pid) => Err(Error::invalid(
                format!(
                    "the database is busy: an import{} {} (it holds it while it stores and commits each batch)",
                    pid.map(|p| format!(" (process {p})")).unwrap_or_default(),
                    match waited {
                        0 => "held its write lock, and CLAIMTRAIL_BUSY_TIMEOUT=0 waits for none".to_string(),
                        s => format!("held its write lock for more than {s} s"),
                    }
                ),
                "run the command again between its batches or once it has ended (CLAIMTRAIL_BUSY_TIMEOUT sets how many seconds to wait; a smaller --batch-size makes an import's commits shorter)",
            )),
            None => Err(Error::Busy(waited)),
        },
        (done, _) => done,
    }
}

fn run_command(ctx: &Ctx, command: Command) -> Result<Outcome> {
    match command {
        Command::Key(c) => key::run(ctx, c),
        Command::Init(a) => init::run(ctx, a),
        Command::Source(c) => source::run(ctx, c),
        Command::Claim(c) => claim::run(ctx, c),
        Command::Annotate(a) => annotate::run(ctx, a),
        Command::List(a) => list::run(ctx, a),
        Command::Show(a) => show::run(ctx, a),
        Command::Log(a) => log::run(ctx, a),
        Command::Status(a) => status::run(ctx, a),
        Command::Report(a) => report::run(ctx, a),
        Command::Verify(a) => verify::run(ctx, a),
        Command::Checkpoint(a) => checkpoint::run(ctx, a),
        Command::Prove(a) => prove::run(ctx, a),
        Command::Export(a) => export::run(ctx, a),
        Command::VerifyBundle(a) => verify_bundle::run(ctx, a),
        Command::Demo(a) => demo::run(ctx, a),
        Command::Import(a) => import::run(ctx, a),
        Command::Bench(a) => bench::run(ctx, a),
        Command::Backup(a) => backup::run(ctx, a),
        Command::Publish(a) => publish::run(ctx, a),
        Command::VerifyPublished(a) => verify_published::run(ctx, a),
        Command::Mirror(a) => mirror::run(ctx, a),
        Command::Completions(a) => completions::run(ctx, a),
    }
}

/// Parses an id of the expected kind from the command line; the spaces a
/// list typed as `S7, S1` puts around it are set aside.
pub fn parse_id(s: &str, want: claimtrail::model::IdKind) -> Result<claimtrail::model::ItemId> {
    // A list where one id goes (`claim retract C18,C19`): said as such,
    // not as "not an id".
    if claimtrail::model::BadId(s.to_string()).is_list() {
        return Err(Error::invalid(
            format!(
                "`{}` is a list of ids, and this takes one {} id",
                claimtrail::text::escape(s),
                want.noun()
            ),
            format!(
                "give one id per command; in a shell, `for id in {}; do claimtrail … $id …; done`",
                s.split([',', ' '])
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ));
    }
    let id: claimtrail::model::ItemId =
        s.trim().parse().map_err(|e: claimtrail::model::BadId| {
            Error::invalid(
                e.to_string(),
                format!(
                    "see `claimtrail list {}s` for the {} ids in this log",
                    want.noun(),
                    want.noun()
                ),
            )
        })?;
    if id.kind != want {
        return Err(Error::invalid(
            format!("{id} is not {} id", want.a_noun()),
            format!(
                "{} ids start with {}: `claimtrail list {}s` shows them",
                want.noun(),
                want.letter(),
                want.noun()
            ),
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    /// `--help` is the manual a desk reads first: every command and every
    /// argument of it says what it is (clap's own --help and --version
    /// aside), and clap's checks of the definitions pass.
    #[test]
    fn every_command_and_argument_says_what_it_is() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_about().is_none() {
                missing.push(path.clone());
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &path, missing);
            }
        }
        let cmd = <super::Cli as clap::CommandFactory>::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    /// The doc comments clap turns into `--help` are written for users:
    /// a note for the code's readers (an intra-doc link, a name of clap's
    /// own) once reached `checkpoint --help`.
    #[test]
    fn help_texts_hold_no_notes_for_the_code() {
        fn walk(cmd: &mut clap::Command, path: &str, found: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            let help = cmd.render_long_help().to_string();
            for line in help.lines() {
                if ["[`", "clap", "rustdoc", "Args", "fn "]
                    .iter()
                    .any(|n| line.contains(n))
                {
                    found.push(format!("{path}: {line}"));
                }
            }
            for sub in cmd.get_subcommands_mut() {
                walk(sub, &path, found);
            }
        }
        let mut cmd = <super::Cli as clap::CommandFactory>::command();
        cmd.build();
        let mut found = Vec::new();
        walk(&mut cmd, "", &mut found);
        assert!(found.is_empty(), "notes for the code in --help: {found:#?}");
    }
}
