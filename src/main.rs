//! The `claimtrail` binary: parse, run, and map the outcome to the exit
//! code in one place: 0 success, 1 verification found problems, 2 error.

#[macro_use]
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`claimtrail log | head`), as Unix tools do,
    // instead of failing on the next write.
    #[cfg(unix)]
    // SAFETY: resetting a signal disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // A write past a file size limit (`ulimit -f`) fails with EFBIG, which
    // is reported as such (exit 2, what was committed said), instead of
    // the signal killing the process without a word (exit 153), leaving
    // its lock file behind.
    #[cfg(unix)]
    // SAFETY: as above.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // Ctrl-C and the like undo what the command leaves half-done (a prompt's
    // terminal settings, temporary files) before it dies. Without the
    // thread (no pipe could be made) signals keep their default action.
    let _ = claimtrail::interrupt::install();
    let args = match cli::parse() {
        Ok(a) => a,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `claimtrail` or `claimtrail key` alone: the help, on stderr, exit 2.
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) if e.use_stderr() => {
            say(&usage_error(&e));
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version print and succeed, if they can print.
            return match e.print() {
                Ok(()) => ExitCode::SUCCESS,
                Err(io) => fail(&cli::output::stdout_error(io)),
            };
        }
    };
    // Output a full disk or a closed file refused at the very end is an
    // error too, not lost without a word (and never a panic).
    match cli::run(args).and_then(|o| cli::output::flush().map(|()| o)) {
        Ok(cli::Outcome::Done) => ExitCode::SUCCESS,
        Ok(cli::Outcome::ProblemsFound) => ExitCode::from(1),
        Err(e) => fail(&e),
    }
}

/// The one error line, and exit 2.
fn fail(e: &claimtrail::error::Error) -> ExitCode {
    // An error that an interrupt caused (a prompt or a child cut short) is
    // not reported: the process is about to die of the signal.
    claimtrail::interrupt::wait_if_stopping();
    let msg = claimtrail::text::escape(&e.to_string()).into_owned();
    let hint = with_db(&e.hint(), &std::env::args_os().collect::<Vec<_>>());
    say(&format!("error: {} (hint: {hint})", shortened(&msg)));
    ExitCode::from(2)
}

/// A hint's commands as the user must type them: with `--db PATH` when
/// the log was named with `--db` on the command line (a command pasted
/// without it reads `./claimtrail.db`, another log or none). Commands that
/// name a database already are left as they are.
fn with_db(hint: &str, args: &[std::ffi::OsString]) -> String {
    with_option(hint, args, "--db")
}

/// The commands of `text` with the global option `name` as this command
/// line gave it (`given_option`). A command that gives the option already
/// is left as it is (a file name that merely contains "--db" is not one).
///
/// `--db` is not added to the commands that read no log (`key new`,
/// `verify-bundle`, …): "make one with `claimtrail --db i3.db key new
/// PATH`" read as if the key went into that log.
fn with_option(text: &str, args: &[std::ffi::OsString], name: &str) -> String {
    const NO_LOG: &[&str] = &[
        "key new",
        "key vkey --origin",
        "verify-bundle",
        "verify-published",
        "mirror",
        "completions",
        "demo",
        "bench",
    ];
    match given_option(args, name) {
        Some(value) if !text.contains(&format!("claimtrail {name} ")) => {
            let with = format!(
                "`claimtrail {name} {} ",
                claimtrail::text::shell_word(std::path::Path::new(&value))
            );
            let mut parts = text.split("`claimtrail ");
            let mut out = parts.next().unwrap_or_default().to_string();
            for part in parts {
                let reads_no_log = name == "--db" && NO_LOG.iter().any(|c| part.starts_with(c));
                out.push_str(if reads_no_log { "`claimtrail " } else { &with });
                out.push_str(part);
            }
            out
        }
        _ => text.to_string(),
    }
}

/// The value of a global option (`--db`, `--key`) as the command line gave
/// it, `--name VALUE` or `--name=VALUE` (the last one wins, as clap has it);
/// none from the environment.
pub(crate) fn given_option(args: &[std::ffi::OsString], name: &str) -> Option<std::ffi::OsString> {
    let mut value = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.as_encoded_bytes();
        if a == b"--" {
            break;
        }
        if a == name.as_bytes() {
            value = it.next().cloned();
        } else if let Some(v) = a
            .strip_prefix(name.as_bytes())
            .and_then(|v| v.strip_prefix(b"="))
        {
            use std::os::unix::ffi::OsStrExt;
            value = Some(std::ffi::OsStr::from_bytes(v).to_owned());
        }
    }
    value
}

/// An error's words, cut in the middle when they run past [`MAX_SHOWN`]
/// characters: a value quoted whole (a 100,000-character `--url`) would
/// bury the line's start and its hint.
fn shortened(msg: &str) -> std::borrow::Cow<'_, str> {
    let n = msg.chars().count();
    if n <= MAX_SHOWN {
        return std::borrow::Cow::Borrowed(msg);
    }
    let (head, tail) = (MAX_SHOWN * 3 / 4, MAX_SHOWN / 4);
    let start: String = msg.chars().take(head).collect();
    let end: String = msg.chars().skip(n - tail).collect();
    std::borrow::Cow::Owned(format!(
        "{start}…[{} characters left out]…{end}",
        n - head - tail
    ))
}

/// The most characters of an error's words shown whole.
const MAX_SHOWN: usize = 2000;

/// Writes the one error line to stderr, in one write ([`errln!`]). A
/// stderr that cannot be written (`2>/dev/full`) loses the line but not
/// the exit code: `eprintln!` would panic and exit 101.
fn say(line: &str) {
    errln!("{line}");
}

/// A usage error as the one line every other error is, `error: what (hint:
/// what to do)`, instead of clap's block (message, possible values, tip,
/// usage, "For more information…"): what clap says is wrong, its lines
/// joined, then its tip or the usage.
fn usage_error(e: &clap::Error) -> String {
    if let Some(line) = unseen_in_value(e) {
        return line;
    }
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim);
    let what: Vec<&str> = lines.by_ref().take_while(|l| !l.is_empty()).collect();
    let what = what.join(" ");
    let what = what.strip_prefix("error: ").unwrap_or(&what);
    let rest: Vec<&str> = lines.collect();
    // Not clap's "to pass '--opt' as a value, use '-- --opt'": no value
    // of claimtrail's is taken after `--`, and the command then fails again.
    let tip = rest
        .iter()
        .find_map(|l| l.strip_prefix("tip: "))
        .filter(|t| !t.starts_with("to pass '"));
    // The usage of the (sub)command given: not clap's usage line, which
    // lists the options given as if they were required, --db and --key
    // among them when they come from the environment.
    let mut cmd = <cli::Cli as clap::CommandFactory>::command();
    cmd.build();
    let mut path = Vec::new();
    for arg in args_lossy().into_iter().skip(1) {
        if let Some(sub) = cmd.find_subcommand_mut(&arg) {
            path.push(arg);
            cmd = sub.clone();
        }
    }
    let usage = rest
        .iter()
        .any(|l| l.starts_with("Usage: "))
        .then(|| cmd.render_usage().to_string())
        .map(|u| {
            // A usage of several lines (`annotate` and `annotate retract`)
            // as one: its line break was escaped into the hint as `\n`.
            u.trim()
                .trim_start_matches("Usage: ")
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(", or ")
        });
    // `claimtrail CMD --help` for the subcommand given, if any.
    let help = match path.is_empty() {
        false => format!("`claimtrail {} --help`", path.join(" ")),
        true => "`claimtrail --help`".to_string(),
    };
    let hint = match (
        repeated_value(e)
            .or_else(|| dash_value(e))
            .or_else(|| typographic(&args_lossy())),
        tip,
        usage,
    ) {
        (Some(hint), _, _) => hint,
        (None, Some(tip), _) => tip.to_string(),
        (None, None, Some(usage)) => format!("usage: {usage}; more in {help}"),
        (None, None, None) => format!("{help} lists what it takes"),
    };
    let what = claimtrail::text::escape(what);
    let (what, hint) = (shortened(&what), claimtrail::text::escape(&hint));
    format!("error: {what} (hint: {hint})")
}

/// What an argument typed with a word processor's or chat app's marks
/// did, when one was (the words of a value in `“…”` taken as more
/// arguments, `—db` for `--db`): clap's own error named the word after it,
/// or the usage of the command, and never the mark.
fn typographic(args: &[String]) -> Option<String> {
    let args = args.iter().skip(1);
    let mut quoted = None;
    for a in args {
        if let Some(dash) = a.chars().next().filter(|c| matches!(c, '—' | '–' | '−')) {
            let rest = a.trim_start_matches(['—', '–', '−', '-']);
            return Some(format!(
                "`{}` begins with a long dash ({dash}), not two hyphens: type --{} (a word processor or chat app may have turned -- into {dash})",
                claimtrail::text::escape(a),
                claimtrail::text::escape(rest)
            ));
        }
        if quoted.is_none() && a.starts_with(['“', '”', '„', '‘', '’', '«', '»']) {
            quoted = Some(a);
        }
    }
    quoted.map(|a| {
        format!(
            "`{}` begins with a typographic quotation mark, which the shell does not read as a quote, so the words after it were taken as more arguments: type the quotes as \"…\"",
            claimtrail::text::escape(a)
        )
    })
}

/// A value refused by clap that holds a character a reader does not see:
/// said as such, the value escaped. clap's own line drops escape sequences
/// from the value it quotes, and prints an invisible one as it is, so
/// `--verdict $'\e[31mfalse'` or `false` with a zero-width space pasted
/// from a web page read "invalid value 'false' … `false` is not a verdict".
fn unseen_in_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(raw)) = e.get(ContextKind::InvalidValue) else {
        return None;
    };
    // And the no-break spaces, which a closed set's value never holds
    // and which print as a space.
    let unseen = |c: char| {
        c.is_control() || claimtrail::text::draws_nothing(c) || matches!(c, '\u{a0}' | '\u{202f}')
    };
    let first = raw.chars().find(|&c| unseen(c))?;
    let shown = claimtrail::text::escape_each(raw, unseen);
    let option = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => format!(" for {}", claimtrail::text::escape(arg)),
        _ => String::new(),
    };
    Some(format!(
        "error: invalid value `{}`{option}: it holds U+{:04X}, a control or invisible character (hint: type the value again without it; one copied from a web page or a document can carry such characters)",
        shortened(&shown),
        first as u32
    ))
}

/// The hint for a second value given to an option that takes one per use
/// (`--vkey K1 K2`, `--derived-from S1 S2`: the form claimtrail once
/// accepted, before such options stopped swallowing the file named after
/// them): say how to give several.
fn repeated_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let args = args_lossy();
    // The last one: the value may also stand earlier (`annotate C3
    // --contradicts C2 C3`).
    let at = args.iter().rposition(|a| a == bad)?;
    let option = args.get(at.checked_sub(2)?)?;
    let ids = ["--derived-from", "--corroborates", "--contradicts"];
    if option == "--vkey" {
        Some("give each key with its own --vkey: --vkey K1 --vkey K2".into())
    } else if ids.contains(&option.as_str()) {
        Some(format!(
            "give several ids separated by commas ({option} X1,X2), or repeat {option}"
        ))
    } else {
        None
    }
}

/// The hint for a value that begins with `-` given after an option that
/// takes one (`--db -d.db`, `--reason -`): clap read it as an option and
/// said only "unexpected argument '-d'" (red team S, 4).
fn dash_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let args = args_lossy();
    let at = args
        .iter()
        .rposition(|a| a.starts_with(bad.as_str()) && !a.starts_with("--"))?;
    let option = args.get(at.checked_sub(1)?)?;
    if !option.starts_with("--") || option.contains('=') || option.len() < 3 {
        return None;
    }
    // Only an option that takes a value (`--json -d` is a flag and a
    // mistyped option).
    fn takes_value(cmd: &clap::Command, long: &str) -> bool {
        cmd.get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
            || cmd.get_subcommands().any(|s| takes_value(s, long))
    }
    let cmd = <cli::Cli as clap::CommandFactory>::command();
    if !takes_value(&cmd, &option[2..]) {
        return None;
    }
    let value = claimtrail::text::escape(&args[at]).into_owned();
    Some(format!(
        "`{value}` begins with '-', so it was read as an option, not as the value of {option}: give it as {option}={value} (or ./{value} for a file)"
    ))
}

/// The command line as text, for the usage error's hint. An argument that
/// is not UTF-8 (a file name in another encoding) is read lossily:
/// `std::env::args` would panic on it, and the error being explained may
/// be about a different argument altogether.
fn args_lossy() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_database_given_with_db() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        let hint = "see `claimtrail list claims` for the claim ids in this log";
        assert_eq!(
            with_db(
                hint,
                &args(&["claimtrail", "--db", "my desk.db", "show", "C9"])
            ),
            "see `claimtrail --db 'my desk.db' list claims` for the claim ids in this log"
        );
        assert_eq!(
            with_db(hint, &args(&["claimtrail", "show", "--db=d.db", "C9"])),
            "see `claimtrail --db d.db list claims` for the claim ids in this log"
        );
        assert_eq!(with_db(hint, &args(&["claimtrail", "show", "C9"])), hint);
        assert_eq!(
            with_db(hint, &args(&["claimtrail", "show", "--", "--db"])),
            hint
        );
        let named = "run `claimtrail --db copy.db verify`";
        assert_eq!(
            with_db(named, &args(&["claimtrail", "--db", "x.db", "backup"])),
            named
        );
        // Commands that read no log are left without it.
        assert_eq!(
            with_db(
                "make one with `claimtrail key new PATH`, then `claimtrail key add`",
                &args(&["claimtrail", "--db", "x.db", "init"])
            ),
            "make one with `claimtrail key new PATH`, then `claimtrail --db x.db key add`"
        );
        // A file name with "--db" in it does not count as naming one.
        assert_eq!(
            with_db(
                "run `claimtrail verify --checkpoint cp--db.txt`",
                &args(&["claimtrail", "--db", "x.db", "checkpoint"])
            ),
            "run `claimtrail --db x.db verify --checkpoint cp--db.txt`"
        );
        // Other options: the last one given, either spelling; none after --.
        let given = |a: &[&str]| given_option(&args(a), "--key");
        assert_eq!(
            given(&["claimtrail", "--key", "a", "--key=b", "annotate"]),
            Some("b".into())
        );
        assert_eq!(given(&["claimtrail", "--keys", "a"]), None);
        assert_eq!(given(&["claimtrail", "show", "--", "--key", "a"]), None);
    }

    #[test]
    fn long_error_words_are_cut_in_the_middle() {
        assert_eq!(shortened("short"), "short");
        let long = format!("`{}` is not a URL", "é".repeat(5000));
        let cut = shortened(&long);
        assert!(cut.chars().count() < MAX_SHOWN + 50, "{}", cut.len());
        assert!(cut.starts_with("`éé") && cut.ends_with("éé` is not a URL"));
        assert!(cut.contains("…[3015 characters left out]…"), "{cut}");
    }
}
