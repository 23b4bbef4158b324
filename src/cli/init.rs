use super::{output, values, Ctx, Outcome};
use claimtrail::error::{Error, Result};

/// Create a new log, with your key as its first admin.
///
/// The log is created at --db; its first entry, signed by --key, enrolls
/// that key as the log's first admin.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The log's name, fixed for ever: the first line of every checkpoint
    /// (e.g. newsroom.example/idlib-2022).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub origin: String,
    /// Your name as the admin, signed for good (default: the key's
    /// comment, or `admin` when the key has none).
    #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
    pub name: Option<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let db = ctx.db()?;
    // What can be refused without the key is refused before it is
    // unlocked: a passphrase typed for a log that could not be made.
    claimtrail::store::dir_for_new_database(db).map_err(|e| match e {
        // A log there already: which one it is, or how to make another.
        Error::Exists(path) => Error::invalid(
            format!("{} already exists", path.display()),
            "`claimtrail status` shows the log it holds; for a new log, give another path with --db PATH",
        ),
        e => e,
    })?;
    claimtrail::log::check_new_origin(&a.origin)?;
    let from_comment = a.name.is_none();
    let refuse = |name: &str| match claimtrail::keys::name_problem(name) {
        Some((what, hint)) => Err(super::key::name_refused(from_comment, what, &hint)),
        None => Ok(()),
    };
    if let Some(name) = &a.name {
        refuse(name)?;
    }
    let signer = ctx.signer().map_err(|e| match e {
        // A first-time user has no key yet.
        Error::NoKey => Error::invalid(
            "no signing key given: the log's first admin signs its first entry",
            "pass --key PATH (or set CLAIMTRAIL_KEY) to your OpenSSH ed25519 private key; `claimtrail key new PATH --comment \"Your Name\"` makes one",
        ),
        e => e,
    })?;
    let name = a.name.unwrap_or_else(|| default_name(signer.comment()));
    refuse(&name)?;
    if from_comment {
        super::key::refuse_account_as_name(&name)?;
    }
    let e = claimtrail::log::init(db, &signer, &a.origin, &name)?;
    if ctx.json {
        super::output::json(&serde_json::json!({
            "db": super::output::json_path(db), "origin": a.origin, "name": name,
            "fingerprint": signer.fingerprint().as_str(), "entry": e,
        }))?;
    } else {
        outln!(
            "created log {} at {}\nadmin: {} ({})",
            a.origin,
            output::shown(db),
            claimtrail::text::escape(&name),
            signer.fingerprint()
        )?;
    }
    Ok(Outcome::Done)
}

/// A key comment as a default name; `admin` if there is none.
pub fn default_name(comment: &str) -> String {
    let c = comment.trim();
    if c.is_empty() {
        "admin".into()
    } else {
        c.to_string()
    }
}
