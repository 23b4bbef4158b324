//! The `claimtrail` binary: parse, run, and map the outcome to the exit
//! code in one place: 0 success, 1 verification found problems, 2 error.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`claimtrail log | head`), as Unix tools do,
    // instead of failing on the next write.
    #[cfg(unix)]
    // SAFETY: resetting a signal disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // --help and --version print and succeed; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli::run(args) {
        Ok(cli::Outcome::Done) => ExitCode::SUCCESS,
        Ok(cli::Outcome::ProblemsFound) => ExitCode::from(1),
        Err(e) => {
            let msg = claimtrail::text::escape(&e.to_string()).into_owned();
            eprintln!("error: {msg} (hint: {})", e.hint());
            ExitCode::from(2)
        }
    }
}
