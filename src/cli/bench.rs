use super::{Ctx, Outcome};
use claimtrail::error::{Error, Result};

/// Placeholder until the bench work lands.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_ctx: &Ctx, _a: Args) -> Result<Outcome> {
    Err(Error::invalid("`bench` is not available in this build yet", "see README"))
}
