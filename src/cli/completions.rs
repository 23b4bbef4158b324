use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use clap::CommandFactory;

/// Print a completion script for bash, zsh, fish, elvish or PowerShell.
///
/// The script completes commands, options, and the values of verdicts,
/// grades, kinds, roles and formats.
///
/// bash: `claimtrail completions bash > ~/.local/share/bash-completion/completions/claimtrail`
///
/// zsh: `claimtrail completions zsh > "${fpath[1]}/_claimtrail"`
///
/// fish: `claimtrail completions fish > ~/.config/fish/completions/claimtrail.fish`
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell to complete in.
    #[arg(ignore_case = true)]
    pub shell: clap_complete::Shell,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    if ctx.json {
        return Err(Error::invalid(
            "completions writes a shell script, not JSON",
            "drop --json",
        ));
    }
    // Made in memory, then written: clap_complete's own writer panics on a
    // failed write, where claimtrail says what failed and exits 2.
    let mut script = Vec::new();
    clap_complete::generate(
        a.shell,
        &mut super::Cli::command(),
        "claimtrail",
        &mut script,
    );
    output::raw(&script)?;
    Ok(Outcome::Done)
}
