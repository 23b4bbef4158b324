use super::{Ctx, Outcome};
use claimtrail::error::{Error, Result};

/// Provenance reports: md, html, json, csv, claimreview, prov, wa.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Ids to report on (default: everything).
    pub ids: Vec<String>,
}

pub fn run(_ctx: &Ctx, _a: Args) -> Result<Outcome> {
    Err(Error::invalid(
        "reports are not available in this build yet",
        "use `claimtrail show` and `list --json`",
    ))
}
