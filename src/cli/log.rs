use super::{output, values, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::model::Kind;
use claimtrail::query::{self, LogFilter};
use std::str::FromStr;

/// The entries of the log, oldest first.
///
/// The entries can be narrowed down: every condition given must hold, and
/// -n keeps the last N of those.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only the last N entries (of those the other options let through).
    /// `--last N` says the same, as in `list`.
    #[arg(long, short = 'n', alias = "last", value_name = "N", allow_negative_numbers = true, value_parser = values::whole::<u64>)]
    pub limit: Option<u64>,
    /// Entries of this kind (claim.retract), or of this family (key:
    /// log.init, which enrolls the first key, key.add and key.revoke);
    /// several separated by commas, or repeated.
    #[arg(long, value_name = "KIND", value_delimiter = ',', value_parser = values::one_of::<Kinds>(Kinds::NAMES))]
    pub kind: Vec<Kinds>,
    #[command(flatten)]
    pub signed: super::signed::Signed,
    /// Entries that the latest checkpoint does not cover yet (all of them
    /// when there is none): what `claimtrail status` counts.
    #[arg(long)]
    pub uncovered: bool,
    /// Entries appended after the tree of a checkpoint you kept (`claimtrail
    /// checkpoint --out`, or one an auditor cosigned): what was added since
    /// you last checked. It reads the file's size only: `claimtrail verify
    /// --checkpoint FILE` checks that the log still holds that tree.
    #[arg(long, value_name = "CHECKPOINT")]
    pub after: Option<std::path::PathBuf>,
    /// One entry: with --payload, print its exact signed payload bytes;
    /// with --signature, its SSHSIG signature armored for `ssh-keygen -Y verify`.
    #[arg(long, allow_negative_numbers = true, value_parser = values::whole::<u64>,
          conflicts_with_all = ["limit", "kind", "by", "mine", "since", "until", "uncovered", "after"])]
    pub seq: Option<u64>,
    /// Print the entry's exact signed payload bytes (with --seq).
    #[arg(long, requires = "seq", conflicts_with = "signature")]
    pub payload: bool,
    /// Print the entry's SSHSIG signature, armored (with --seq).
    #[arg(long, requires = "seq")]
    pub signature: bool,
}

/// An entry kind, or all the kinds of a family (`key`: `log.init`,
/// `key.add` and `key.revoke`), as `--kind` takes them.
#[derive(Clone, Debug)]
pub struct Kinds(Vec<Kind>);

impl Kinds {
    /// The kinds, then the families (the part of a kind before its dot).
    const NAMES: &'static [&'static str] = &[
        "log.init",
        "key.add",
        "key.revoke",
        "source.add",
        "source.redact",
        "source.amend",
        "claim.add",
        "claim.retract",
        "annotation.add",
        "annotation.retract",
        "checkpoint.add",
        "log",
        "key",
        "source",
        "claim",
        "annotation",
        "checkpoint",
    ];
}

impl FromStr for Kinds {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Kinds, String> {
        let t = s.trim();
        if let Ok(k) = t.parse::<Kind>() {
            return Ok(Kinds(vec![k]));
        }
        // `key` is every entry that changed the keys: `log.init` enrolls
        // the first admin's, and "what changed the keys" left it out.
        let family: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| {
                k.as_str().split('.').next() == Some(t) || (t == "key" && *k == Kind::LogInit)
            })
            .collect();
        match family.is_empty() {
            false => Ok(Kinds(family)),
            true => Err(format!(
                "`{s}` is not an entry kind: use one of {}, or a family: {}",
                Kind::NAMES.join(", "),
                Kinds::NAMES[Kind::NAMES.len()..].join(", ")
            )),
        }
    }
}

pub fn run(ctx: &Ctx, a: Args) -> Result<Outcome> {
    // The exact bytes, or the armored signature, are not JSON: `--json`
    // beside them was ignored, and the script that asked for JSON failed.
    if ctx.json && (a.payload || a.signature) {
        let what = if a.payload {
            "--payload"
        } else {
            "--signature"
        };
        return Err(Error::invalid(
            format!("--json asks for JSON, and {what} prints the entry's exact bytes"),
            format!(
                "drop --json for the bytes (as ssh-keygen -Y verify reads them), or drop {what}: `claimtrail log --seq {}` gives the payload and the signature inside its JSON",
                a.seq.unwrap_or_default()
            ),
        ));
    }
    let period = a.signed.period("entry")?;
    let store = ctx.read()?;
    if let Some(seq) = a.seq {
        return one(&store, seq, &a);
    }
    let signer = a.signed.signer(ctx, store.conn())?;
    let mut kinds: Vec<Kind> = a.kind.iter().flat_map(|k| k.0.iter().copied()).collect();
    kinds.sort();
    kinds.dedup();
    let from = match &a.after {
        Some(path) => after(&store, path)?,
        None => claimtrail::model::Seq(0),
    };
    let filter = LogFilter {
        kinds,
        signer,
        period,
        uncovered: a.uncovered,
        from,
    };
    // Widths for a table printed as it is read; JSON needs none.
    let e = if ctx.json {
        query::Extent::default()
    } else {
        query::extent(store.conn())?
    };
    let hints = [
        output::widest(e.last_seq.map(|s| s.to_string())),
        0,
        output::widest(claimtrail::model::Kind::NAMES),
        output::widest(e.last_items.iter().flatten().map(|i| i.to_string())),
        output::widest(e.key_names.iter().chain([&"?".to_string()])),
    ];
    // Nothing listed says why on standard error (stdout stays empty).
    let empty = match e.last_seq {
        // `-n 0` asks for none: no condition left them out.
        Some(_) if a.limit == Some(0) => "no entries listed: -n 0 asks for none".to_string(),
        Some(last) => format!(
            "no entry matches these conditions, of the log's {}",
            last.0 + 1
        ),
        None => "the log has no entries".to_string(),
    };
    output::listing(
        ctx.json,
        &["SEQ", "TIME", "KIND", "ID", "SIGNER", "HASH", "SUMMARY"],
        &hints,
        &empty,
        |l: &query::LogLine| {
            vec![
                l.seq.to_string(),
                l.time.clone().unwrap_or_default(),
                l.kind.clone(),
                l.id.map(|i| i.to_string()).unwrap_or_default(),
                l.signer_name.clone().unwrap_or_else(|| "?".into()),
                l.hash.to_hex()[..12].to_string(),
                l.summary.clone(),
            ]
        },
        |each| query::for_each_log_line(store.conn(), &filter, a.limit, each),
    )?;
    // A latest checkpoint past the log's end: nothing is "uncovered", and
    // the log was cut short or its file altered, which `status` says (exit
    // 1); `log --uncovered` listed nothing, exit 0, as if all were well.
    if a.uncovered {
        let entries = store.head()?.map_or(0, |(last, _)| last.0 + 1);
        if let Some(c) = query::latest_checkpoint(store.conn())?.filter(|c| c.beyond(entries)) {
            errln!(
                "{}",
                super::pasteable(&format!(
                    "warning: the latest checkpoint (entry {}) commits to {} but the log has only {}: it was cut short or its file altered (`claimtrail verify` says what differs)",
                    c.seq,
                    claimtrail::text::count(c.size.0, "entry"),
                    claimtrail::text::count(entries, "entry")
                ))
            );
            return Ok(Outcome::ProblemsFound);
        }
    }
    Ok(Outcome::Done)
}

/// The first entry after the tree of the checkpoint file at `path`: one of
/// this log, of no more entries than it holds.
fn after(
    store: &claimtrail::store::Store,
    path: &std::path::Path,
) -> Result<claimtrail::model::Seq> {
    let cp = claimtrail::verify::KeptCheckpoint::read(path)?.checkpoint()?;
    let shown = claimtrail::text::shell_word(path);
    let origin = store.origin()?;
    if cp.origin != origin {
        let (theirs, ours) = claimtrail::text::escape_apart(&cp.origin, &origin);
        return Err(Error::invalid(
            format!("{shown} is a checkpoint of `{theirs}`, not of this log `{ours}`"),
            "give a checkpoint of this log, as `claimtrail checkpoint --out` writes it",
        ));
    }
    let entries = store.head()?.map_or(0, |(last, _)| last.0 + 1);
    if cp.size.0 > entries {
        return Err(Error::invalid(
            format!(
                "{shown} covers {}, and the log holds {}",
                output::count(cp.size.0, "entry"),
                output::count(entries, "entry")
            ),
            format!("entries were removed since, or the file is another log's of the same name: `claimtrail verify --checkpoint {shown}` says which"),
        ));
    }
    Ok(claimtrail::model::Seq(cp.size.0))
}

fn one(store: &claimtrail::store::Store, seq: u64, a: &Args) -> Result<Outcome> {
    use std::io::Write;
    let (payload, sig) = claimtrail::query::entry_bytes(store.conn(), seq)?;
    let mut out = std::io::stdout().lock();
    let io = output::stdout_error;
    if a.signature {
        out.write_all(claimtrail::keys::armor(&sig).as_bytes())
            .map_err(io)?;
    } else if a.payload {
        // The payload quotes its source's text (a claim's context, a
        // source's title), in which canonical JSON leaves a C1 control or
        // a bidi override as it is: such bytes are not sent to a terminal,
        // as `show --raw` keeps them from one. A file or a program (what
        // `ssh-keygen -Y verify` reads) gets them exact.
        // Bytes that are not UTF-8 (a tampered file: 0x9B alone is CSI to
        // an 8-bit terminal) are kept from it too.
        if std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::str::from_utf8(&payload).map_or(true, output::acts_on_a_terminal)
        {
            return Err(Error::invalid(
                format!("entry {seq}'s payload holds control or invisible characters (from the text it quotes, or bytes that are not UTF-8), which --payload would send to your terminal"),
                format!("send it to a file or a program: `claimtrail log --seq {seq} --payload > entry-{seq}.json`, or read it here, escaped, with `claimtrail log --seq {seq}`"),
            ));
        }
        out.write_all(&payload).map_err(io)?;
    } else {
        let line = claimtrail::query::log_line(store.conn(), claimtrail::model::Seq(seq))?;
        output::json(&serde_json::json!({
            "entry": line,
            "payload": String::from_utf8_lossy(&payload),
            "signature": claimtrail::keys::armor(&sig),
        }))?;
    }
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--kind` offers every kind and every family, and only those.
    #[test]
    fn kinds_are_the_entry_kinds_then_their_families() {
        let n = Kind::NAMES.len();
        assert_eq!(&Kinds::NAMES[..n], Kind::NAMES);
        let mut families: Vec<&str> = Kind::NAMES
            .iter()
            .map(|k| k.split('.').next().unwrap())
            .collect();
        families.dedup();
        assert_eq!(&Kinds::NAMES[n..], families.as_slice());
        for name in Kinds::NAMES {
            assert!(!name.parse::<Kinds>().unwrap().0.is_empty(), "{name}");
        }
        assert_eq!(
            "key".parse::<Kinds>().unwrap().0,
            vec![Kind::LogInit, Kind::KeyAdd, Kind::KeyRevoke]
        );
        let e = "keys".parse::<Kinds>().unwrap_err();
        assert!(
            e.starts_with("`keys` is not an entry kind: use one of log.init, "),
            "{e}"
        );
        assert!(
            e.ends_with("or a family: log, key, source, claim, annotation, checkpoint"),
            "{e}"
        );
        assert!("key.".parse::<Kinds>().is_err());
        assert!("".parse::<Kinds>().is_err());
    }
}
