use super::{output, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::status::{Status, You};
use claimtrail::text::{count, escape, grouped};

/// Where the log stands: what it holds, the claims awaiting review, how far
/// its latest checkpoint reaches, and who your key is in it.
///
/// Read from the log's tables: about 0.1 s at a million entries.
/// It checks nothing: `claimtrail verify` is what proves the tables match
/// the signed entries. With --key (or CLAIMTRAIL_KEY), it also says whom
/// that key is enrolled as (read without its passphrase). Exit 1 when the
/// latest checkpoint reaches past the log's end (cut short, or altered).
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Ctx, _: Args) -> Result<Outcome> {
    let store = ctx.read()?;
    let conn = store.conn();
    // A key that cannot be read (a CLAIMTRAIL_KEY left from another
    // machine, a file moved) is said on the `you` line: the rest of the
    // status is the log's, and was refused with it.
    let (you, unreadable) = match ctx.key {
        Some(_) => match ctx.public_key() {
            Ok(pk) => (Some(claimtrail::status::you(conn, &pk)?), None),
            Err(e) => (None, Some(e)),
        },
        None => (None, None),
    };
    let s = claimtrail::status::status(conn)?;
    if ctx.json {
        output::json(&serde_json::json!({
            "db": output::json_path(ctx.db()?),
            "status": s,
            "you": you,
            "key_error": unreadable.as_ref().map(|e| format!("{e} ({})", e.hint())),
        }))?;
    } else {
        print(ctx, &s, you.as_ref(), unreadable.as_ref())?;
    }
    Ok(match s.checkpoint_beyond_log {
        true => Outcome::ProblemsFound,
        false => Outcome::Done,
    })
}

fn print(ctx: &Ctx, s: &Status, you: Option<&You>, unreadable: Option<&Error>) -> Result<()> {
    // The commands a row suggests, as they must be typed (with --db).
    let row = |name: &str, value: &str| outln!("{name:<12} {}", super::pasteable(value));
    row(
        "log",
        &format!(
            "{} (origin {})",
            output::shown(ctx.db()?),
            escape(&s.origin)
        ),
    )?;
    row(
        "entries",
        &match &s.last {
            None => "none".to_string(),
            Some(l) => format!(
                "{}; the last, entry {}, {}{} by {} at {}",
                grouped(s.entries),
                l.seq,
                l.kind,
                l.id.map(|id| format!(" {id}")).unwrap_or_default(),
                escape(l.signer_name.as_deref().unwrap_or("?")),
                l.time.as_deref().unwrap_or("?")
            ),
        },
    )?;
    let mut sources = grouped(s.sources.total);
    match (s.sources.redacted, s.sources.amendments) {
        (0, 0) => {}
        (r, 0) => sources += &format!(" ({} redacted)", grouped(r)),
        (0, a) => sources += &format!(" ({})", output::count(a, "amendment")),
        (r, a) => {
            sources += &format!(
                " ({} redacted, {})",
                grouped(r),
                output::count(a, "amendment")
            )
        }
    }
    row("sources", &sources)?;
    let mut claims = grouped(s.claims.total);
    if s.claims.retracted > 0 {
        claims += &format!(" ({} retracted)", grouped(s.claims.retracted));
    }
    match s.claims.unannotated {
        0 if s.claims.total > 0 => claims += "; every standing claim has an annotation",
        0 => {}
        n => {
            claims += &format!(
                "; {} awaiting review (`claimtrail list claims --unannotated`)",
                grouped(n)
            )
        }
    }
    row("claims", &claims)?;
    let mut annotations = grouped(s.annotations.total);
    if s.annotations.retracted > 0 {
        annotations += &format!(" ({} retracted)", grouped(s.annotations.retracted));
    }
    row("annotations", &annotations)?;
    let k = &s.keys;
    let mut keys = format!(
        "{}, {}, {}",
        count(k.admin, "admin"),
        count(k.analyst, "analyst"),
        count(k.auditor, "auditor")
    );
    if k.revoked > 0 {
        keys += &format!("; {} revoked", grouped(k.revoked));
    }
    row("keys", &keys)?;
    row(
        "checkpoint",
        &match &s.checkpoint {
            None => format!(
                "none yet: no signed checkpoint covers the {} (an admin's `claimtrail checkpoint` signs one)",
                count(s.entries, "entry")
            ),
            Some(c) => {
                let signed = format!(
                    "entry {}, of tree size {}, signed by {} at {}",
                    c.seq,
                    grouped(c.size.0),
                    escape(&c.signer_name),
                    c.time
                );
                match s.uncovered {
                    _ if s.checkpoint_beyond_log => format!(
                        "{signed}; but the log has only {}: it was cut short or its file altered (`claimtrail verify` says what differs)",
                        count(s.entries, "entry")
                    ),
                    0 => format!("{signed}; it covers every entry before it"),
                    n => format!(
                        "{signed}; {} after it not covered yet (`claimtrail log --uncovered` lists them; an admin's `claimtrail checkpoint` signs a new one)",
                        count(n, "entry")
                    ),
                }
            }
        },
    )?;
    if let Some(e) = unreadable {
        row("you", &format!("cannot tell: {e} ({})", e.hint()))?;
    }
    if let Some(you) = you {
        row(
            "you",
            &match you {
                You::Yes {
                    fingerprint,
                    name,
                    role,
                    revoked_seq: None,
                } => format!("{}, {role} ({fingerprint})", escape(name)),
                You::Yes {
                    fingerprint,
                    name,
                    role,
                    revoked_seq: Some(at),
                } => format!(
                    "{}, {role} ({fingerprint}), revoked at entry {at}: it can no longer sign",
                    escape(name)
                ),
                You::No { fingerprint } => format!(
                    "{fingerprint} is not enrolled in this log (an admin enrolls it with `claimtrail --key ADMIN_KEY key add YOUR_KEY.pub --role analyst`)"
                ),
            },
        )?;
    }
    row(
        "verified",
        "not by this command: `claimtrail verify` checks every entry against these tables",
    )
}
