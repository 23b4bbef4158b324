//! The options that narrow `list` and `log` down by who signed and when,
//! declared once so that both say the same and read them alike.

use super::Ctx;
use claimtrail::error::{Error, Result};
use claimtrail::query::{self, Period};

/// Who signed, and when.
#[derive(clap::Args, Debug, Default)]
pub struct Signed {
    /// Only what this key signed: its enrolled name, part of it (case and
    /// accents aside), or its fingerprint; with the keys enrolled under the
    /// same name (a rotated key's, the same person's).
    #[arg(long, value_name = "KEY")]
    pub by: Option<String>,
    /// Only what your key signed (--key or CLAIMTRAIL_KEY; read without
    /// its passphrase), and earlier keys of yours under the same name.
    #[arg(long, conflicts_with = "by")]
    pub mine: bool,
    /// Only what was signed on or after this date (YYYY-MM-DD, today or
    /// yesterday: from the start of the day in UTC), RFC 3339 time, or
    /// time ago (7d, 36h, 2w), by the time its entry states.
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only what was signed on or before this date (YYYY-MM-DD, today or
    /// yesterday: to the end of the day in UTC), RFC 3339 time, or time
    /// ago (7d, 36h, 2w).
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub until: Option<String>,
}

impl Signed {
    /// The period of `--since` and `--until`, as entry times: `what`
    /// names what would be in it, for the message when it is empty.
    pub fn period(&self, what: &str) -> Result<Period> {
        let end = |given: &Option<String>, name: &str, end_of_day: bool| {
            given
                .as_deref()
                .map(|s| {
                    claimtrail::clock::period_end(s, end_of_day).map_err(|e| {
                        Error::invalid(
                            format!("{name}: {e}"),
                            format!("give {name} as {}", claimtrail::clock::PERIOD_FORMS),
                        )
                    })
                })
                .transpose()
        };
        let p = Period {
            since: end(&self.since, "--since", false)?,
            until: end(&self.until, "--until", true)?,
        };
        if let (Some(s), Some(u)) = (&p.since, &p.until) {
            if s > u {
                return Err(Error::invalid(
                    format!("--since {s} is after --until {u}: no {what} can be in that period"),
                    "swap them, or widen the period",
                ));
            }
        }
        Ok(p)
    }

    /// The keys of `--by` or `--mine` (which must be enrolled in the log):
    /// the person's, rotated keys included ([`query::KeysOf`]).
    pub fn signer(&self, ctx: &Ctx, conn: &rusqlite::Connection) -> Result<Option<query::KeysOf>> {
        let key = match (&self.by, self.mine) {
            // Said as `--speaker ""` is ("no key … has a name with `` in
            // it" showed empty backticks).
            (Some(k), _) if k.trim().is_empty() => {
                return Err(Error::invalid(
                    "--by is empty",
                    "give part of a key's name or its fingerprint, e.g. --by \"rana\" (`claimtrail list keys` shows them)",
                ))
            }
            (Some(k), _) => query::key_named(conn, k)?,
            (None, true) => query::enrolled(conn, &ctx.public_key()?)?,
            (None, false) => return Ok(None),
        };
        Ok(Some(query::keys_of(conn, &key)?))
    }
}
