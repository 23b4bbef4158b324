use super::output;
use super::{values, Ctx, Outcome};
use claimtrail::error::{Error, Result};
use claimtrail::keys::{self, PublicKey, Signer};
use claimtrail::log::{append, NewEntry};
use claimtrail::model::{Body, Fingerprint, KeyAdd, KeyRevoke, Role};
use claimtrail::text::escape;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Make a new OpenSSH ed25519 key: PATH (mode 0600) and PATH.pub.
    New {
        /// Where to write the private key (PATH.pub gets the public key).
        path: PathBuf,
        /// Comment stored in the key (default: the file name): the name
        /// `init` and `key add` enroll the key under unless given --name,
        /// signed into the log for good, so a person's or desk's name.
        #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
        comment: Option<String>,
        /// Write the private key unencrypted (otherwise it is protected by
        /// the passphrase from CLAIMTRAIL_PASSPHRASE or a prompt).
        #[arg(long)]
        no_passphrase: bool,
    },
    /// Enroll a public key (admin only).
    Add {
        /// The .pub file (OpenSSH `ssh-ed25519 AAAA… comment`); `-` reads
        /// it from standard input, and the key's line itself, quoted, is
        /// taken too.
        pubkey_file: PathBuf,
        /// What the key may sign.
        #[arg(long, value_parser = values::one_of::<Role>(Role::NAMES))]
        role: Role,
        /// Name shown in reports (default: the key's comment).
        #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
        name: Option<String>,
    },
    /// Revoke a key from now on (admin only); what it signed before stays valid.
    Revoke {
        /// The key: its fingerprint (`SHA256:…`), its .pub file (or private
        /// key file), its public key line itself or `-` to read that from
        /// standard input (as `key add` takes them), or the whole name it
        /// was enrolled with, as `claimtrail key list` shows.
        #[arg(value_name = "KEY")]
        which: String,
        /// Why (a lost laptop, someone leaving): signed with the revocation,
        /// and shown by `key list`.
        #[arg(long, allow_hyphen_values = true, value_parser = values::text())]
        reason: String,
    },
    /// List enrolled keys.
    List,
    /// Print an OpenSSH allowed_signers file for `ssh-keygen -Y verify`.
    AllowedSigners,
    /// Print the log's C2SP verifier keys (admins: checkpoint signers under
    /// the origin; auditors: cosigners), for `checkpoint verify` and tlog tools.
    ///
    /// With `--origin` and `--pub`, no database is read: the verifier key of
    /// that admin's public key for that log is made from the two, for an
    /// auditor who was given only the admin's .pub file and a published
    /// directory or bundle (whose checkpoint's first line is the origin).
    /// Nothing vouches that the .pub file is the admin's: get it from the
    /// desk by a channel you trust.
    Vkey {
        /// The log's origin: the first line of its checkpoint, as `status`
        /// or a published `checkpoint` file shows it.
        #[arg(long, requires = "pub_file", value_parser = values::text())]
        origin: Option<String>,
        /// An admin's OpenSSH public key (.pub file, or `-` for standard
        /// input) to make the verifier key of, without the database.
        #[arg(long = "pub", value_name = "FILE", requires = "origin")]
        pub_file: Option<PathBuf>,
    },
}

pub fn run(ctx: &Ctx, c: KeyCommand) -> Result<Outcome> {
    // A quoted `"~/.ssh/desk"` reaches us with its `~`, as `--key` and
    // CLAIMTRAIL_KEY may (see [`super::home`]): a key's path means the same
    // to every key command.
    use super::home;
    match c {
        KeyCommand::New {
            path,
            comment,
            no_passphrase,
        } => new(ctx, home(path), comment, no_passphrase),
        KeyCommand::Add {
            pubkey_file,
            role,
            name,
        } => add(ctx, home(pubkey_file), role, name),
        KeyCommand::Revoke { which, reason } => {
            // (A name or a fingerprint is no `~` path: it is kept as given.)
            let which = home(PathBuf::from(which)).to_string_lossy().into_owned();
            revoke(ctx, which, reason)
        }
        KeyCommand::List => list(ctx),
        KeyCommand::AllowedSigners => allowed_signers(ctx),
        KeyCommand::Vkey {
            origin: Some(origin),
            pub_file: Some(file),
        } => offline_vkey(ctx, &origin, home(file)),
        KeyCommand::Vkey { .. } => super::checkpoint::vkeys(ctx),
    }
}

fn new(ctx: &Ctx, path: PathBuf, comment: Option<String>, no_passphrase: bool) -> Result<Outcome> {
    output::refuse_dash(&path, "the new key")?;
    output::refuse_slash(&path, "the new key")?;
    if path.exists() {
        return Err(Error::exists(path));
    }
    // A link that leads nowhere: `exists` says no, and the key is not
    // written through it (its file is made with O_EXCL), which said "File
    // exists (os error 17)" with a hint about the directory.
    if let Ok(to) = std::fs::read_link(&path) {
        return Err(Error::invalid(
            format!(
                "{} is a symbolic link (to {}, which does not exist)",
                output::shown(&path),
                output::shown(&to)
            ),
            "remove the link, or choose another path for the key",
        ));
    }
    // `key new rana.pub` wrote the private key into rana.pub (and the
    // public one into rana.pub.pub): the file one mails to the admin.
    if path.extension().is_some_and(|e| e == "pub") {
        return Err(Error::invalid(
            format!("{} would be the private key, under a public key's name", path.display()),
            format!(
                "name the private key without .pub, e.g. `claimtrail key new {}`: its public key is written beside it as {}",
                claimtrail::text::shell_word(&path.with_extension("")),
                path.display()
            ),
        ));
    }
    // Its public half is written beside it, with O_EXCL too: a dangling
    // link there was "already exists" (red team L #5), said after the
    // passphrase was asked for.
    let public = {
        let mut p = path.clone().into_os_string();
        p.push(".pub");
        PathBuf::from(p)
    };
    if let (Ok(to), false) = (std::fs::read_link(&public), public.exists()) {
        return Err(Error::invalid(
            format!(
                "{} is a symbolic link (to {}, which does not exist), where the public key would be written",
                output::shown(&public),
                output::shown(&to)
            ),
            "remove the link, or choose another path for the key",
        ));
    }
    if public.exists() {
        return Err(Error::exists(public));
    }
    // The .pub file is one line, `ssh-ed25519 AAAA… comment`, and `key
    // add` takes its comment as the name: a line break would cut it.
    if let Some(c) = comment
        .as_deref()
        .and_then(|c| c.chars().find(|c| c.is_control()))
    {
        return Err(Error::invalid(
            format!(
                "the comment holds the control character U+{:04X}, and a public key file is one line",
                c as u32
            ),
            "give the comment on one line, e.g. --comment \"Rana Haddad, desk\"",
        ));
    }
    // `key add` takes the comment as the key's name, by its rules: a
    // comment it refuses made a key whose printed next step failed.
    if let Some(c) = comment.as_deref() {
        if c.trim().is_empty() {
            return Err(Error::invalid(
                "the comment is empty, and `key add` takes it as the key's name",
                "give the person's or desk's name, e.g. --comment \"Rana Haddad\", or leave --comment out",
            ));
        }
        if reads_as_account(c) {
            return Err(Error::invalid(
                format!(
                    "the comment `{}` reads as an account on a machine or a mail address: `key add` takes the comment as the key's name, signed into the log for good, and would refuse it",
                    escape(c)
                ),
                "give the person's or desk's name as it should appear in lists and reports, e.g. --comment \"Rana Haddad\"",
            ));
        }
        if let Some((what, hint)) = keys::name_problem(c) {
            return Err(Error::invalid(
                format!(
                    "{what}: `key add` takes the comment as the key's name, and would refuse it"
                ),
                hint.replace("--name", "--comment"),
            ));
        }
    }
    let passphrase = if no_passphrase {
        None
    } else {
        let p = keys::read_passphrase("New passphrase: ")?.ok_or_else(|| {
            Error::invalid(
                "no passphrase for the new key",
                "set CLAIMTRAIL_PASSPHRASE, run from a terminal, or pass --no-passphrase",
            )
        })?;
        if std::env::var(keys::PASSPHRASE_ENV).is_err() {
            let again = keys::read_passphrase("Same passphrase again: ")?.unwrap_or_default();
            if *again != *p {
                return Err(Error::invalid(
                    "the passphrases differ",
                    "run the command again",
                ));
            }
        }
        if p.is_empty() {
            return Err(Error::invalid(
                "the passphrase is empty",
                "choose a passphrase, or pass --no-passphrase",
            ));
        }
        Some(p)
    };
    let named_by_file = comment.is_none();
    let comment = comment.unwrap_or_else(|| {
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let signer = Signer::generate(&comment)?;
    let pub_path = signer.write(&path, passphrase.as_ref().map(|p| p.as_str()))?;
    if ctx.json {
        output::json(&serde_json::json!({
            "private_key_file": output::json_path(&path), "public_key_file": output::json_path(&pub_path),
            "fingerprint": signer.fingerprint().as_str(), "encrypted": passphrase.is_some(),
        }))?;
    } else {
        outln!(
            "wrote {} and {}",
            output::shown(&path),
            output::shown(&pub_path)
        )?;
        outln!("fingerprint: {}", signer.fingerprint())?;
        if passphrase.is_none() {
            outln!("note: the private key is not passphrase-protected")?;
        }
        // The comment becomes the name a log enrolls the key under, signed
        // for good: a file name (`me`, `id_ed25519`) chosen for it without
        // a word was the admin's name in every list and report.
        if named_by_file {
            outln!(
                "note: the key's comment, the name `init` and `key add` enroll it under unless given --name, is its file name `{}`; `key new PATH --comment \"Your Name\"` gives another",
                claimtrail::text::escape(&comment)
            )?;
        }
        // Where no log is yet, the first key starts one; where one is, an
        // admin enrolls the new key (the same line suggested enrolling a
        // key named `admin` as an analyst before any log existed, and
        // `init` on a file that already held a log). A log named by --db
        // or CLAIMTRAIL_DB is named in the commands, which otherwise
        // worked on ./claimtrail.db.
        let db = ctx.db().ok();
        let log_here = db.is_some_and(|db| db.exists());
        let with_db = match db {
            Some(db) if db != std::path::Path::new("claimtrail.db") => {
                format!(" --db {}", claimtrail::text::shell_word(db))
            }
            _ => String::new(),
        };
        let public = claimtrail::text::shell_word(&pub_path);
        match log_here {
            true => outln!(
                "next: an admin enrolls it with `claimtrail{with_db} --key ADMIN_KEY key add {public} --role analyst` (or auditor, or admin)"
            )?,
            false => outln!(
                "next: `claimtrail{with_db} --key {} init --origin NAME` starts a log with it as the first admin, or an admin enrolls it in theirs with `claimtrail --db LOG --key ADMIN_KEY key add {public} --role analyst` (or auditor, or admin)",
                claimtrail::text::shell_word(&path)
            )?,
        }
        if passphrase.is_some() {
            outln!(
                "      `ssh-add {}` unlocks it once for the day (claimtrail signs through ssh-agent)",
                output::shown(&path)
            )?;
        }
    }
    Ok(Outcome::Done)
}

/// A name refused ([`keys::name_problem`]); when it was the key's comment,
/// which no one typed, the message says so and the hint names `--name`.
pub(super) fn name_refused(from_comment: bool, what: String, hint: &str) -> Error {
    match from_comment {
        false => Error::invalid(what, hint),
        true => Error::invalid(
            format!("{what} (the name was taken from the key's comment)"),
            "give the name with --name \"…\" (or change the comment with `ssh-keygen -c -f KEY`)",
        ),
    }
}

/// Refuses, as a name taken from a key's comment, one that reads as
/// ssh-keygen's default comment (`root@vm`, `rana@laptop.local`: the
/// account and machine it ran on) or a mail address: the name is signed
/// into the log for good, shown in every list and report and on the
/// checkpoints it cosigns, and no command renames it. Given with --name,
/// it is taken as chosen.
pub(super) fn refuse_account_as_name(name: &str) -> Result<()> {
    if !reads_as_account(name) {
        return Ok(());
    }
    let shown = claimtrail::text::escape(name);
    Err(Error::invalid(
        format!(
            "the key's comment `{shown}` reads as an account on a machine (ssh-keygen's default, user@host) or a mail address, not as a person's name, and the name is signed into the log for good"
        ),
        format!(
            "give the name with --name \"…\" (as it should appear in lists and reports); to keep `{shown}`, give it so: --name '{shown}'"
        ),
    ))
}

/// Whether a key's comment reads as an account on a machine or a mail
/// address ([`refuse_account_as_name`]): the account and host as the
/// first word of the comment (`root@localhost (work)`), a Windows domain
/// account (`CORP\jdoe@LAPTOP-1`), a host that is an address
/// (`user@[::1]`).
fn reads_as_account(name: &str) -> bool {
    let first = name.split_whitespace().next().unwrap_or_default();
    let Some((user, host)) = first.split_once('@') else {
        return false;
    };
    let word = |s: &str, extra: &[char]| {
        !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || extra.contains(&c))
    };
    word(user, &['_', '-', '.', '+', '\'', '\u{2019}', '\\', '$'])
        && word(host, &['-', '.', '[', ']', ':'])
}

/// What to give when `key add`'s file is not a public key.
const PUBKEY_HINT: &str =
    "give the .pub file of an ed25519 key (ssh-keygen -t ed25519, or claimtrail key new)";

/// The public key in `text`, read from `path`, as `parse` reads it.
pub(super) fn parse_key(
    path: &std::path::Path,
    text: &str,
    parse: fn(&str) -> std::result::Result<PublicKey, String>,
    hint: &str,
) -> Result<PublicKey> {
    // The library names the file it was not given `FILE` in the commands
    // it suggests (`ssh-keygen -i -f FILE`): here it is known.
    parse(text).map_err(|e| {
        let file = claimtrail::text::shell_word(path);
        // The converted key beside it, never over it (`r.pub > r.pub`
        // would empty the file before ssh-keygen reads it).
        let converted = match path.extension().is_some_and(|x| x == "pub") {
            true => path.with_extension("openssh.pub"),
            false => path.with_extension("pub"),
        };
        // One pass, so that a path holding `FILE` is not filled in again.
        let converted = claimtrail::text::shell_word(&converted);
        let e = e
            .split("FILE > FILE.pub")
            .map(|part| part.replace("FILE.ppk", "\u{0}").replace("FILE", "\u{0}"))
            .collect::<Vec<_>>()
            .join(&format!("\u{0} > {converted}"))
            .replace('\u{0}', &file);
        Error::invalid(format!("{}: {e}", path.display()), hint)
    })
}

/// The text of a public key file, refused past [`keys::MAX_KEY_FILE`]
/// (a key line is about a hundred bytes and its comment) or when not UTF-8.
fn read_key_text(path: &std::path::Path, hint: &str) -> Result<String> {
    let bytes = claimtrail::files::read_capped(path, keys::MAX_KEY_FILE)?;
    key_text(path, &bytes, hint)
}

/// [`read_key_text`] of bytes already read.
pub(super) fn key_text(path: &std::path::Path, bytes: &[u8], hint: &str) -> Result<String> {
    if bytes.trim_ascii().is_empty() {
        return Err(Error::invalid(
            format!("{} is empty", output::shown(path)),
            hint,
        ));
    }
    if bytes.len() as u64 > keys::MAX_KEY_FILE {
        return Err(Error::invalid(
            format!(
                "{} is larger than {} KiB, too large for a public key file",
                output::shown(path),
                keys::MAX_KEY_FILE >> 10
            ),
            hint,
        ));
    }
    if claimtrail::text::utf16_bom(bytes) {
        return Err(Error::invalid(
            format!(
                "{} is UTF-16 text (as Windows PowerShell writes files)",
                output::shown(path)
            ),
            format!(
                "convert it: `iconv -f UTF-16 -t UTF-8 {} > key.pub`",
                claimtrail::text::shell_word(path)
            ),
        ));
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::invalid(format!("{} is not a text file", path.display()), hint))
}

/// `key vkey --origin ORIGIN --pub FILE`: the verifier key (C2SP signed
/// note, Ed25519) of an admin's public key for the log `origin`, made with
/// no database, as `key vkey` makes the admins' lines from the log.
fn offline_vkey(ctx: &Ctx, origin: &str, file: PathBuf) -> Result<Outcome> {
    let (_, _, pk) = one_public_key(ctx, file, "give the admin's one key: its own .pub file")?;
    let vkey = claimtrail::checkpoint::VerifierKey::new(
        origin,
        claimtrail::checkpoint::KeyType::Ed25519,
        pk.verifying_key(),
    )
    .map_err(|e| {
        Error::invalid(
            format!("`{}` is not a log's origin: {e}", escape(origin)),
            "give the first line of the log's checkpoint (a published directory's `checkpoint` file, or a bundle's checkpoint)",
        )
    })?;
    if ctx.json {
        output::json(&serde_json::json!({
            "vkey": vkey.to_string(),
            "origin": origin,
            "fingerprint": pk.fingerprint(),
        }))?;
    } else {
        outln!("{vkey}")?;
    }
    Ok(Outcome::Done)
}

/// The one public key given as a file, `-` or the key's line itself
/// ([`public_key_text`]): the name to call it by, its text without the
/// comment lines above it (read past, as OpenSSH reads them), and the key.
/// An authorized_keys-like file of several keys is refused (`several`
/// says what to do): it enrolled its first, or made the first one's
/// verifier key, and said nothing of the others. (Lines that begin as a
/// public key does: a private key file given by mistake is said to be one
/// by [`parse_key`].)
fn one_public_key(ctx: &Ctx, file: PathBuf, several: &str) -> Result<(PathBuf, String, PublicKey)> {
    let (file, raw) = public_key_text(ctx, file)?;
    let text = keys::without_comment_lines(&raw);
    let keys = text
        .lines()
        .map(str::trim_start)
        .filter(|l| keys::begins_as_public_key(l.as_bytes()))
        .count();
    if keys > 1 {
        return Err(Error::invalid(
            format!("{} holds {keys} keys, one a line", file.display()),
            several,
        ));
    }
    let pk = parse_key(&file, &text, PublicKey::from_openssh, PUBKEY_HINT)?;
    Ok((file, text, pk))
}

/// The text of a public key given as a file, `-` (standard input), or the
/// key's line itself, and the name to call it by.
fn public_key_text(ctx: &Ctx, file: PathBuf) -> Result<(PathBuf, String)> {
    let given = file.to_str().map(str::trim).unwrap_or_default();
    Ok(if given == "-" {
        ctx.reading_stdin("the public key")?;
        let bytes = claimtrail::files::read_capped(Path::new("/dev/stdin"), keys::MAX_KEY_FILE)?;
        let shown = PathBuf::from("standard input");
        let text = key_text(&shown, &bytes, PUBKEY_HINT)?;
        (shown, text)
    } else if !file.exists()
        && (keys::begins_as_public_key(given.as_bytes())
            // An authorized_keys line, options first (`from="…" ssh-ed25519
            // AAAA…`): read as the key given, whose parse says to give the
            // key alone; as a file's name it was "no such file".
            || given
                .split_whitespace()
                .skip(1)
                .any(|w| keys::begins_as_public_key(w.as_bytes())))
    {
        (PathBuf::from("the key given"), given.to_string())
    } else {
        let text = read_key_text(&file, PUBKEY_HINT)?;
        (file, text)
    })
}

fn add(ctx: &Ctx, file: PathBuf, role: Role, name: Option<String>) -> Result<Outcome> {
    // An admin is sent a new member's key as a line in a mail or a chat:
    // `-` reads it from standard input, and the line itself is taken
    // where no file has that name (both were "cannot read").
    // Read once: the key, then its comment as the default name.
    let (_, text, pk) = one_public_key(
        ctx,
        file,
        "enroll one key at a time: give each its own .pub file",
    )?;
    // The comment as the key's parser reads it: split at the first blank
    // and again, a line whose fields were two spaces or tabs apart gave
    // the key's own base64 as the name, signed into the log for good.
    // The line that holds the key: a key pasted from a mail with a blank
    // line above it was said to have "no comment" (red team L #1).
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let comment = Some(keys::comment_of(line).trim().to_string()).filter(|c| !c.is_empty());
    let explicit = name.is_some();
    let name = name.or(comment).ok_or_else(|| {
        Error::invalid(
            "the key has no comment to use as a name",
            "pass --name NAME",
        )
    })?;
    if let Some((what, hint)) = keys::name_problem(&name) {
        return Err(name_refused(!explicit, what, &hint));
    }
    if !explicit {
        refuse_account_as_name(&name)?;
    }
    let mut store = ctx.open()?;
    let wanted = claimtrail::log::Enrolment {
        name: &name,
        fingerprint: pk.fingerprint(),
        role,
        explicit,
    };
    claimtrail::log::check_enrolment_name(store.conn(), &wanted)?;
    let body = Body::KeyAdd(KeyAdd {
        key: pk.to_openssh(),
        name: name.clone(),
        role,
    });
    let entry = NewEntry::new(body);
    let signer = ctx.signer_for(store.conn(), &entry)?;
    // Again inside the write transaction: two admins enrolling two people
    // as "Sam" at once both passed the check above.
    let e = claimtrail::log::append_with(&mut store, &signer, |conn, _| {
        claimtrail::log::check_enrolment_name(conn, &wanted)?;
        Ok(entry)
    })?;
    if ctx.json {
        output::json(
            &serde_json::json!({"fingerprint": pk.fingerprint().as_str(), "name": name, "role": role.as_str(), "entry": e}),
        )?;
    } else {
        outln!(
            "enrolled {} ({}) as {role} at entry {}",
            escape(&name),
            pk.fingerprint(),
            e.seq
        )?;
    }
    Ok(Outcome::Done)
}

fn revoke(ctx: &Ctx, key: String, reason: String) -> Result<Outcome> {
    let mut store = ctx.open()?;
    let fp = key_to_revoke(ctx, store.conn(), &key)?;
    let body = Body::KeyRevoke(KeyRevoke {
        fingerprint: fp.clone(),
        reason,
    });
    let entry = NewEntry::new(body);
    let signer = ctx.signer_for(store.conn(), &entry)?;
    let e = append(&mut store, &signer, entry)?;
    let name = claimtrail::query::key_name(store.conn(), fp.as_str())?;
    if ctx.json {
        output::json(&serde_json::json!({"fingerprint": fp.as_str(), "name": name, "entry": e}))?;
    } else {
        outln!(
            "revoked {} ({fp}) at entry {}; what it signed before stays valid",
            escape(&name),
            e.seq
        )?;
    }
    Ok(Outcome::Done)
}

/// The fingerprint of the key `key revoke` is given: a fingerprint, a
/// key file (public, or private: its public half), or a key's whole
/// enrolled name ([`claimtrail::query::key_with_whole_name`]).
fn key_to_revoke(ctx: &Ctx, conn: &rusqlite::Connection, key: &str) -> Result<Fingerprint> {
    if let Some(fp) = Fingerprint::as_given(key) {
        return fp
            .map_err(|e| Error::invalid(e, "copy the fingerprint from `claimtrail key list`"));
    }
    let path = PathBuf::from(key);
    // `-` and a pasted key line, as `key add` takes them: both were read
    // as a person's name ("no key in this log is named `-`").
    let given = key.trim();
    if given == "-" || (!path.exists() && keys::begins_as_public_key(given.as_bytes())) {
        let (shown, text) = public_key_text(ctx, path)?;
        let pk = parse_key(&shown, &text, PublicKey::from_openssh, PUBKEY_HINT)?;
        return Ok(pk.fingerprint().clone());
    }
    // A file, or a pipe (`<(cat rana.pub)`, as --key and `key add` read
    // one): not only a regular file, which sent a pipe's name to the
    // enrolled names.
    if std::fs::metadata(&path).is_ok_and(|m| !m.is_dir()) {
        const HINT: &str =
            "give the key's .pub file or private key file, its fingerprint, or its name";
        let bytes = claimtrail::files::read_capped(&path, keys::MAX_KEY_FILE)?;
        let file = match key_text(&path, &bytes, HINT)
            .and_then(|text| parse_key(&path, &text, PublicKey::from_key_file, HINT))
        {
            Ok(file) => file,
            // No key at all (meeting notes named `Rana Haddad`): the
            // enrolled name it also is, if it is one. A key in a format
            // claimtrail does not read is a key, and says so: its name
            // must not be guessed at (an RFC 4716 copy of the auditor's
            // key named `Rana Haddad` revoked Rana's).
            Err(e) if !looks_like_a_key(&bytes) => {
                return claimtrail::query::key_with_whole_name(conn, key).map_err(|_| e)
            }
            Err(e) => return Err(e),
        };
        // A revocation cannot be undone: `admin` that is both a key file
        // here and another key's enrolled name must not be guessed at.
        if let Ok(named) = claimtrail::query::key_with_whole_name(conn, key) {
            if named != *file.fingerprint() {
                return Err(Error::invalid(
                    format!(
                        "`{}` is both a key file here ({}) and the name of another enrolled key ({named})",
                        escape(key),
                        file.fingerprint()
                    ),
                    "give the fingerprint of the key to revoke, from `claimtrail key list`",
                ));
            }
        }
        return Ok(file.fingerprint().clone());
    }
    claimtrail::query::key_with_whole_name(conn, key).map_err(|e| {
        // A path to a key file that is not there reads as a file meant,
        // not a name: say the file is missing.
        let file_meant = key.ends_with(".pub") || key.contains('/');
        match e {
            Error::Invalid { .. } if file_meant && !path.exists() => Error::invalid(
                format!(
                    "{} does not exist, and no key in this log is named so",
                    output::shown(&path)
                ),
                "check the path of the key's .pub file, or give its fingerprint or name, as `claimtrail key list` shows them",
            ),
            e => e,
        }
    })
}

/// Whether `bytes` begin as a key file of some format: OpenSSH's, PEM,
/// RFC 4716, PuTTY's (after a byte order mark or white space).
fn looks_like_a_key(bytes: &[u8]) -> bool {
    let t = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(bytes)
        .trim_ascii_start();
    [
        "ssh-",
        "ecdsa-",
        "sk-",
        "---- BEGIN SSH2",
        "-----BEGIN",
        "PuTTY-User-Key-File-",
    ]
    .iter()
    .any(|p| t.starts_with(p.as_bytes()))
}

pub fn list(ctx: &Ctx) -> Result<Outcome> {
    let store = ctx.read()?;
    let keys = claimtrail::query::keys(store.conn())?;
    if ctx.json {
        output::json(&keys)?;
        return Ok(Outcome::Done);
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.name.clone(),
                k.role.to_string(),
                k.fingerprint.to_string(),
                // Entry numbers, said so (a bare 0 read as a count), and an
                // active key said to be one (it was "-").
                format!("entry {}", k.enrolled_seq),
                k.revoked_seq.map_or("active".into(), |s| {
                    format!(
                        "revoked at entry {s}: {}",
                        k.revoke_reason.clone().unwrap_or_default()
                    )
                }),
            ]
        })
        .collect();
    output::table(
        &["NAME", "ROLE", "FINGERPRINT", "ENROLLED", "STATUS"],
        &rows,
        "no keys are enrolled",
    )?;
    Ok(Outcome::Done)
}

fn allowed_signers(ctx: &Ctx) -> Result<Outcome> {
    let store = ctx.read()?;
    let keys = claimtrail::query::keys_as_signed(store.conn())?;
    claimtrail::query::revocations_complete(store.conn(), &keys)?;
    let origin = claimtrail::query::origin_as_signed(store.conn())?;
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let principals = keys::allowed_signers_principals(&names);
    if ctx.json {
        let v: Vec<_> = keys
            .iter()
            .zip(&principals)
            .map(|(k, p)| serde_json::json!({"principal": p, "public_key": k.public_key, "fingerprint": k.fingerprint, "revoked_seq": k.revoked_seq}))
            .collect();
        output::json(&v)?;
        return Ok(Outcome::Done);
    }
    outln!(
        "# allowed_signers for claimtrail log {} (ssh-keygen -Y verify -n {})",
        origin,
        keys::NAMESPACE
    )?;
    for (k, principal) in keys.iter().zip(&principals) {
        let status = match k.revoked_seq {
            Some(s) => format!("revoked at entry {s}: entries it signed before {s} remain valid"),
            None => "active".into(),
        };
        outln!(
            "# {} {} {}: {}",
            escape(&k.name),
            k.role,
            k.fingerprint,
            status
        )?;
        outln!(
            "{} namespaces=\"{}\" {}",
            principal,
            keys::NAMESPACE,
            k.public_key
        )?;
    }
    Ok(Outcome::Done)
}
