use super::{output, Ctx, Outcome};
use claimtrail::error::Result;
use claimtrail::mirror::{self, Mirrored, Refused};
use claimtrail::text::escape;
use std::path::PathBuf;

/// Fetch a log published over HTTP(S) into a directory, for verify-published
///
/// Reads the checkpoint at URL (where `claimtrail publish`'s directory is
/// served) and fetches every hash tile and entry bundle its tree needs into
/// DIR, then the checkpoint. Tiles never change once written, so run it
/// again into the same DIR to follow the log: only the tiles the tree grew
/// by are fetched, and those kept from before are compared with the tree
/// now when you check DIR with `claimtrail verify-published DIR`.
///
/// It checks no signature unless given --vkey, and no hash of the files
/// it keeps, but refuses a checkpoint of a smaller tree than DIR's (a
/// rollback or a fork), of the same size with another root (a fork), or
/// of a larger tree whose hash tiles do not show that it extends DIR's (a
/// fork, or a tile not served): DIR left as it was, the served checkpoint
/// saved under DIR/.claimtrail-served, exit 1. Files the server does not have are
/// named: exit 1. Exit 2: it could not run (an address that is not
/// http(s), no server or no checkpoint there, an https server whose
/// certificate is not trusted, a DIR that holds something else or another
/// log).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The address the log is published under: https://log.example/ serves
    /// https://log.example/checkpoint and https://log.example/tile/….
    pub url: String,
    /// The directory to fetch into: new, empty, or an earlier mirror (or
    /// publish) of the same log.
    pub dir: PathBuf,
    /// Hash tiles and the checkpoint only, no entry bundles (a log
    /// published --no-entries, or a witness that needs the tree alone).
    #[arg(long)]
    pub no_entries: bool,
    /// Trust only the certificate authorities in FILE (PEM, as curl
    /// --cacert takes them) for an https:// address, instead of the Mozilla
    /// roots built in: a log served under a newsroom's own CA.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The log's verifier key (from `claimtrail key vkey`), obtained
    /// independently: the served checkpoint must be signed by it before
    /// anything is fetched, so a made-up one neither replaces the signed
    /// checkpoint DIR holds nor sends the mirror after any tree it names.
    /// Repeat --vkey for each key, or give a file of keys, one a line
    /// (`claimtrail key vkey > desk.vkey`).
    #[arg(long, value_name = "KEY|FILE")]
    pub vkey: Vec<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    let vkeys = super::values::verifier_keys(&a.vkey)?;
    let authorities = a
        .ca_file
        .as_deref()
        .map(mirror::Authorities::read)
        .transpose()?;
    let signed = !vkeys.is_empty();
    let outcome = output::while_counting("fetching", "files", |progress| {
        mirror::mirror(
            &a.url,
            &a.dir,
            !a.no_entries,
            authorities.as_ref(),
            &vkeys,
            progress,
        )
    })?;
    if let mirror::Outcome::Mirrored(m) = &outcome {
        output::leftovers_removed(
            &m.leftovers_removed,
            "staging directory",
            "staging directories",
        );
        if let Some(kept) = &m.replaced_note {
            errln!(
                "note: the server signs this tree otherwise than {}'s checkpoint did, and no --vkey judged either: the one held is kept as {} (`claimtrail checkpoint verify FILE --vkey KEY` checks each)",
                output::shown(&m.dir),
                output::shown(kept)
            );
        }
        if let Some(to) = &m.set_aside {
            errln!(
                "note: {} held tile/ but no checkpoint, so no mirror's: its files were moved aside to {}",
                output::shown(&m.dir),
                output::shown(to)
            );
        }
    }
    let ok = match &outcome {
        mirror::Outcome::Mirrored(m) => {
            m.missing.is_empty() && m.damaged.is_empty() && m.undecoded.is_empty()
        }
        mirror::Outcome::Refused(_) => false,
    };
    if ctx.json {
        output::json(&outcome)?;
    } else {
        match &outcome {
            mirror::Outcome::Mirrored(m) => mirrored(m)?,
            mirror::Outcome::Refused(r) => refused(r, signed)?,
        }
    }
    Ok(if ok {
        Outcome::Done
    } else {
        Outcome::ProblemsFound
    })
}

/// Files not served listed one a line; `--json` has them all.
const LISTED: usize = 20;

fn mirrored(m: &Mirrored) -> Result<()> {
    let dir = escape(&m.dir.display().to_string()).to_string();
    // In a command to paste, the directory is quoted for the shell.
    let word = claimtrail::text::shell_word(&m.dir);
    outln!(
        "{} log {} from {} into {dir}: checkpoint of {}, root {}",
        match m.gave_up {
            false => "mirrored",
            true => "did not mirror",
        },
        escape(&m.origin),
        escape(&m.url),
        output::count(m.size.0, "entry"),
        m.root
    )?;
    let fetched = if m.with_entries {
        format!(
            "{} and {}",
            output::count(m.tiles_fetched, "hash tile"),
            output::count(m.bundles_fetched, "entry bundle")
        )
    } else {
        format!(
            "{} (no entries: --no-entries)",
            output::count(m.tiles_fetched, "hash tile")
        )
    };
    outln!(
        "  fetched {fetched}, {} with the checkpoint; {} of the tree already there",
        output::count(m.bytes_fetched, "byte"),
        output::count(m.kept, "file")
    )?;
    match m.previous {
        Some(old) if old == m.size => {
            outln!("  the directory held this tree already")?;
        }
        Some(old) => outln!(
            "  the directory held the tree of {}: its tiles stay, for the check to compare with the tree now",
            output::count(old.0, "entry")
        )?,
        None => {}
    }
    for path in m.missing.iter().take(LISTED) {
        outln!(
            "PROBLEM {}: tile: the server does not serve it (404)",
            escape(path)
        )?;
    }
    for (path, why) in m.damaged.iter().take(LISTED) {
        outln!(
            "PROBLEM {}: tile: the server serves it damaged ({}), so it was not written",
            escape(path),
            escape(why)
        )?;
    }
    for (path, coding) in m.undecoded.iter().take(LISTED) {
        outln!(
            "PROBLEM {}: tile: the server sends it with Content-Encoding {}, which claimtrail does not decode, so it was not written (ask the host to serve it plain or gzip)",
            escape(path),
            escape(coding)
        )?;
    }
    if m.undecoded.len() > LISTED {
        outln!(
            "… and {} sent with a Content-Encoding claimtrail does not decode (`--json` lists them)",
            output::count((m.undecoded.len() - LISTED) as u64, "more file")
        )?;
    }
    if m.damaged.len() > LISTED {
        outln!(
            "… and {} served damaged (`--json` lists them)",
            output::count((m.damaged.len() - LISTED) as u64, "more file")
        )?;
    }
    if m.missing.len() > LISTED {
        outln!(
            "… and {} not served (`--json` lists them)",
            output::count((m.missing.len() - LISTED) as u64, "more file")
        )?;
    }
    if m.gave_up {
        outln!(
            "stopped after {} not served or served damaged: the server does not hold the tree its checkpoint names, and its checkpoint was not written ({} holds what it held; the files fetched wait there for a later run)",
            output::count(mirror::GIVE_UP, "file"),
            escape(&m.dir.display().to_string())
        )?;
    }
    let unserved = m.missing.len() + m.damaged.len() + m.undecoded.len();
    // Said alike whatever came of each file: the PROBLEM lines tell a 404
    // from a damaged answer (every file served damaged was "not served").
    let files = format!(
        "{} of the tree not served, or served damaged",
        output::count(unserved as u64, "file")
    );
    if unserved == 0 {
        let tree_only = if m.with_entries { "" } else { " --tree-only" };
        outln!(
            "check it with no database: claimtrail verify-published {word}{tree_only} --vkey KEY (the log's verifier key, from the desk), with --checkpoint FILE for each checkpoint you kept from earlier checks"
        )?;
    } else if m.previous.is_none() && (m.gave_up || !m.dir.join("tile/0").is_dir()) {
        // Nothing to check: no checkpoint written (given up on), or no
        // hash tile (verify-published found the one it named missing).
        outln!(
            "FAILED: {files}; {dir} holds no tree yet: run the same command again once the server serves the tree its checkpoint names"
        )?;
    } else if m.gave_up {
        outln!("FAILED: {files}; `claimtrail verify-published {word}` checks the tree {dir} held")?;
    } else if m.with_entries && m.size.0 > 0 && !m.dir.join("tile/entries").is_dir() {
        // No entry bundle at all: verify-published would refuse the
        // directory as one without entries rather than list what is left.
        outln!(
            "FAILED: {files}, every entry bundle among them; `claimtrail verify-published {word} --tree-only --vkey KEY` checks what tree there is, without the entries"
        )?;
    } else {
        outln!(
            "FAILED: {files}; `claimtrail verify-published {word}` shows what is left unchecked"
        )?;
    }
    Ok(())
}

/// `signed`: the served checkpoint verified under `--vkey`. The one the
/// directory holds was checked when it was fetched only if that run had
/// the key too, so the advice says how to check it.
fn refused(r: &Refused, signed: bool) -> Result<()> {
    use mirror::Reason;
    let dir = escape(&r.dir.display().to_string()).to_string();
    let word = claimtrail::text::shell_word(&r.dir);
    let (served, held) = (
        output::count(r.served.0, "entry"),
        output::count(r.held.0, "entry"),
    );
    // Two histories signed by the log only when the keys given signed
    // both checkpoints; else what the trees alone show.
    let signers = match signed && r.held_unsigned.is_none() {
        true => "a fork: the log's signer signed two histories",
        false => "a fork, if the log's key signed both checkpoints",
    };
    let what = match &r.reason {
        Reason::Older => format!(
            "the held tree has that root at {served}: the log was rolled back, or the server serves an older copy"
        ),
        Reason::Fork if r.served == r.held => {
            format!("two histories of one log under one size: {signers}")
        }
        Reason::Fork if r.served < r.held => format!(
            "the held tree's first {served} hash to another root: {signers}"
        ),
        Reason::Fork => format!(
            "the served tree of {served} does not extend the held tree of {held} (its first {held} hash to another root): {signers}"
        ),
        Reason::OlderOrFork(why) => format!(
            "the log was rolled back, the server serves an older copy, or the log forked ({why}, so which cannot be told)"
        ),
        Reason::Unchecked(why) => format!(
            "whether the served tree extends the held one cannot be checked, so it was not taken: {}",
            escape(why)
        ),
    };
    outln!(
        "PROBLEM checkpoint: checkpoint: {} serves the tree of {served} (root {}), and {dir} holds the tree of {held} (root {}): {what}",
        escape(&r.url),
        r.served_root,
        r.held_root
    )?;
    let saved = escape(&r.saved_as.display().to_string()).to_string();
    let saved_word = claimtrail::text::shell_word(&r.saved_as);
    let evidence = if let Some(h) = r.held_unsigned.as_ref().filter(|h| h.altered) {
        format!("the served one, signed by the verifier key given, is saved as {saved}; but {dir}'s own checkpoint does not verify under that key ({}): it was altered or damaged since it was signed; move {}/checkpoint aside (keep it if you need to know how) and run again", escape(&h.why), word)
    } else if let Some(h) = &r.held_unsigned {
        format!("the served one, signed by the verifier key given, is saved as {saved}; but {dir}'s own checkpoint is not ({}): if an earlier key of the log signed it (give that one too, with another --vkey), the two are evidence to keep; if {dir} was mirrored without --vkey from a server you do not trust, move {}/checkpoint aside and run again", escape(&h.why), word)
    } else if signed && matches!(r.reason, Reason::Older) {
        // An older tree of the same history is no second history: a stale
        // server or a rolled-back log (it said "keep both as evidence").
        format!("the served one is saved as {saved}; both are signed by the verifier key given and of one history: the server is stale, or the log was rolled back (ask its desk which)")
    } else if signed && matches!(r.reason, Reason::Unchecked(_)) {
        // Not evidence of two histories: the tiles that would tell were
        // not served whole.
        format!("the served one is saved as {saved}; both are signed by the verifier key given, and whether they are of one history is known only from the served tree's tiles")
    } else if signed {
        format!("the served one is saved as {saved}; both it and the held one are signed by the verifier key given: keep both as evidence")
    } else {
        format!("the served one is saved as {saved}; no signature was checked (no --vkey): check both with `claimtrail checkpoint verify FILE --vkey KEY`, and if the log's key signed both, keep them as evidence")
    };
    // How to see the fork again from what is kept: a kept checkpoint of a
    // size the directory's tree reaches is judged against that tree; a
    // larger one only against the served tree, while it is served.
    let next = match &r.reason {
        Reason::Fork if r.served <= r.held => format!(
            "`claimtrail verify-published {word} --checkpoint {saved_word}` shows the fork"
        ),
        Reason::Fork => format!(
            "mirror the address into a new directory NEW and `claimtrail verify-published NEW --checkpoint {}` shows the fork, while the server serves it",
            claimtrail::text::shell_word(&r.dir.join("checkpoint"))
        ),
        Reason::Unchecked(_) => {
            "run the same command again once the server serves the tree whole (the files fetched wait for it), or mirror into a new directory to see what is served now".to_string()
        }
        Reason::Older | Reason::OlderOrFork(_) => {
            "mirror into a new directory to see what is served now".to_string()
        }
    };
    outln!("FAILED: {dir} holds the tree it held; {evidence}; {next}")?;
    Ok(())
}
