//! Values the command line takes from a closed set (verdicts, grades,
//! kinds, roles): parsed by the library's own `FromStr`, so the error names
//! the set as everywhere else, and listed to clap, so `--help` and the
//! shell completions (`claimtrail completions`) offer them.

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use std::ffi::OsStr;
use std::marker::PhantomData;
use std::str::FromStr;

/// A clap value parser for one of `names`, read with `T`'s `FromStr`.
pub fn one_of<T>(names: &'static [&'static str]) -> OneOf<T> {
    OneOf {
        names,
        value: PhantomData,
    }
}

/// See [`one_of`].
pub struct OneOf<T> {
    names: &'static [&'static str],
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for OneOf<T> {
    fn clone(&self) -> Self {
        one_of(self.names)
    }
}

impl<T> TypedValueParser for OneOf<T>
where
    T: FromStr<Err = String> + Clone + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        // The same parse (and so the same message) as a `FromStr` field,
        // of the name as typed or else of the one name it spells with
        // other capitals or `-` for `_` (`--reliability b`, `--verdict
        // False`, `--kind news-agency`): a person types these, and the
        // entry records the name itself. (An import line is read strictly:
        // it is written by a program.)
        let names = self.names;
        StringValueParser::new()
            .try_map(move |s| {
                s.parse::<T>().or_else(|e| {
                    match names.iter().find(|n| claimtrail::text::spells(n, &s, b"-")) {
                        Some(name) => name.parse::<T>(),
                        None => Err(match (meant(names, &s), closest(names, &s)) {
                            (Some(said), _) => format!("{e}; {said}"),
                            (None, Some(n)) => format!("{e}; did you mean `{n}`?"),
                            (None, None) => e,
                        }),
                    }
                })
            })
            .parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names.iter().map(PossibleValue::new)))
    }
}

/// What a word people use for a value, and that no spelling distance
/// finds, means here: a news agency's copy is a "wire" (README: "agency
/// wire"), and the VERDICT column of `list claims` shows `retracted`,
/// which is no verdict to give or filter by.
fn meant(names: &[&'static str], typed: &str) -> Option<&'static str> {
    let typed = typed.trim().to_lowercase().replace(['-', ' '], "_");
    match typed.as_str() {
        "wire" | "newswire" | "news_wire" | "wire_copy" | "agency" | "agency_wire" | "wire_service"
            if names.contains(&"news_agency") =>
        {
            Some("did you mean `news_agency` (a news agency's wire copy)?")
        }
        "retracted" | "retract" | "retraction" | "withdrawn" if names.contains(&"confirmed") => {
            Some("a retraction is no verdict: `claimtrail claim retract` or `claimtrail annotate retract` withdraws what was recorded in error, and `claimtrail list claims --retracted` lists the retracted claims")
        }
        _ => None,
    }
}

/// The name of `names` that `typed` most likely misspells (`artcle`,
/// `fals`), as clap finds the command or option meant: Jaro-Winkler
/// similarity above 0.8, in lower case.
fn closest(names: &[&'static str], typed: &str) -> Option<&'static str> {
    let typed = typed.trim().to_lowercase();
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(&n.to_lowercase(), &typed), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// A clap value parser for free text (a reason, a speaker, a quote, a
/// note). Those arguments accept a leading `-`, so that a quote or a reason
/// may start with a dash; but then `--reason --help` took `--help` for the
/// reason and signed a redaction for good, where the user asked for help.
/// A value that is exactly one of the command's own options (`--help`,
/// `--json`, `-h`, `--verdict=false`) is refused: it was meant as an
/// option, and the value before it is missing.
pub fn text() -> FreeText {
    FreeText
}

/// See [`text`].
#[derive(Clone, Copy)]
pub struct FreeText;

impl TypedValueParser for FreeText {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let s = StringValueParser::new().parse_ref(cmd, arg, value)?;
        let word = s.split('=').next().unwrap_or_default();
        let is_option = matches!(word, "-h" | "--help" | "-V" | "--version")
            || cmd.get_arguments().any(|a| {
                a.get_long()
                    .is_some_and(|l| word.strip_prefix("--") == Some(l))
                    || a.get_short().is_some_and(|c| s == format!("-{c}"))
            });
        if !is_option {
            return Ok(s);
        }
        let name = arg
            .and_then(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .unwrap_or_else(|| "the option".into());
        // clap's raw error, with its `tip:` line, which `usage_error` in
        // main.rs makes the hint.
        Err(clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!(
                "{name} needs a text, and `{s}` is one of this command's options, not a text: nothing was done\n\n\
                 tip: write the text right after {name} (in quotes if it has spaces), or run `{} --help`\n",
                cmd.get_bin_name().unwrap_or(cmd.get_name())
            ),
        ))
    }
}

/// A whole number of 0 or more (`--last`, `-n`, `--seq`, `--max-problems`).
/// Those arguments accept a leading `-`, so that `--last -2` reaches this
/// parser and is refused for what it is, rather than taken for an unknown
/// option with clap's advice to write `-- -2`.
pub fn whole<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    let t = s.trim();
    t.parse::<T>().map_err(|_| {
        // Digits that do not fit (`--seq 99999999999999999999`) are a
        // whole number all the same: say what is wrong with it.
        match !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            true => format!("`{s}` is too large"),
            false => format!("`{s}` is not a whole number of 0 or more"),
        }
    })
}

/// A whole number of 1 or more (`--occurrence`, which counts from 1), as
/// [`whole`] takes it.
pub fn counted(s: &str) -> Result<usize, String> {
    match whole::<usize>(s) {
        Ok(n) if n > 0 => Ok(n),
        Err(e) if e.ends_with("too large") => Err(e),
        _ => Err(format!("`{s}` is not a whole number of 1 or more")),
    }
}

/// A whole number from 1 to `max` (`--batch-size`), as [`whole`] takes it;
/// clap's own range parser said "invalid digit found in string" of `-1`.
pub fn from_one_to(max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |s| match whole::<u64>(s) {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a whole number from 1 to {}",
            claimtrail::text::grouped(max)
        )),
    }
}

/// The `--vkey` values given, read as C2SP verifier keys: each is a key,
/// or a file of keys, one a line, as `claimtrail key vkey > desk.vkey`
/// writes them (or a pipe: `--vkey <(curl …)`); a value that reads as a
/// key is a key, whatever files exist. The first that is neither stops
/// the command (exit 2), naming it, and the line for a file. In a file,
/// blank lines and lines that start with `#` are set aside. A leading
/// `~/` that names no file as written is the home directory.
pub fn verifier_keys(
    given: &[String],
) -> claimtrail::error::Result<Vec<claimtrail::checkpoint::VerifierKey>> {
    use claimtrail::error::Error;
    let mut keys = Vec::new();
    for v in given {
        // `"$(cat desk.vkey)"` of a one-key file keeps no newline, but a
        // key pasted with one should not read as two keys.
        let err = match v.trim_end().parse() {
            Ok(key) => {
                keys.push(key);
                continue;
            }
            Err(e) => e,
        };
        // `--vkey=~/desk.vkey` reaches us with its `~`: the shell expands
        // it only after a space (see [`super::home`]).
        let path = super::home(std::path::PathBuf::from(v));
        let path = path.as_path();
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(Error::invalid(
                    format!("`{}` is a directory, not a verifier key or a file of them", claimtrail::text::escape(v)),
                    "give the key as `claimtrail key vkey` prints it, or the file `claimtrail key vkey > FILE` wrote",
                ))
            }
            Ok(_) => {
                keys.extend(verifier_key_file(path)?);
                continue;
            }
            Err(_) => {}
        }
        let shown = claimtrail::text::escape(v);
        if claimtrail::keys::begins_as_public_key(v.trim().as_bytes()) {
            return Err(Error::invalid(
                "that is an OpenSSH public key, not a verifier key (a verifier key names the log as well as the key)",
                "make the verifier key from it and the log's origin, with no database: `claimtrail key vkey --origin ORIGIN --pub admin.pub` (ORIGIN: the first line of the log's checkpoint)",
            ));
        }
        return Err(if v.trim_end().contains('\n') {
            Error::invalid(
                format!("`{shown}` is not a verifier key: {err}"),
                "give one key per --vkey (`claimtrail key vkey` prints a line for each: the log's first, named by its origin, then the auditors'; repeat --vkey for several), or the file `claimtrail key vkey > FILE` wrote",
            )
        } else if v.contains('+') {
            Error::invalid(
                format!("`{shown}` is not a verifier key ({err}), nor a file"),
                "verifier keys look like name+1a2b3c4d+AbC…= (see `claimtrail key vkey`)",
            )
        } else {
            Error::invalid(
                format!("`{shown}` is neither a verifier key nor a file"),
                "give the key as `claimtrail key vkey` prints it (name+1a2b3c4d+AbC…=), or the path of a file that holds such keys, one a line",
            )
        });
    }
    Ok(keys)
}

/// The keys of a `--vkey` file (or pipe): at least one, each line a key.
/// A line that is not one is named by its number, not shown: a file given
/// by mistake may hold what should not be printed.
fn verifier_key_file(
    path: &std::path::Path,
) -> claimtrail::error::Result<Vec<claimtrail::checkpoint::VerifierKey>> {
    use claimtrail::error::Error;
    // Far more than any desk's keys: a file this large was given by mistake.
    const MAX: u64 = 1 << 20;
    let shown = claimtrail::text::shell_word(path);
    let hint = "a --vkey file holds verifier keys, one a line, as `claimtrail key vkey > FILE` writes them";
    let bytes = claimtrail::files::read_capped(path, MAX)?;
    if bytes.len() as u64 > MAX {
        return Err(Error::invalid(
            format!("the --vkey file {shown} is larger than 1 MiB"),
            hint,
        ));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Error::invalid(
            format!("the --vkey file {shown} is UTF-16 text (as PowerShell's `>` writes it)"),
            "save it as UTF-8 (`Out-File -Encoding utf8`, or `claimtrail key vkey` run where it writes UTF-8)",
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::invalid(format!("the --vkey file {shown} is not UTF-8 text"), hint))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if claimtrail::keys::begins_as_public_key(line.as_bytes()) {
            return Err(Error::invalid(
                format!(
                    "the --vkey file {shown}, line {}, is an OpenSSH public key, not a verifier key (a verifier key names the log as well as the key)",
                    n + 1
                ),
                format!("make the verifier key from it and the log's origin, with no database: `claimtrail key vkey --origin ORIGIN --pub {shown}` (ORIGIN: the first line of the log's checkpoint)"),
            ));
        }
        let key = line.parse().map_err(|e| {
            Error::invalid(
                format!(
                    "the --vkey file {shown}, line {}, is not a verifier key: {e}",
                    n + 1
                ),
                hint,
            )
        })?;
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(Error::invalid(
            format!("the --vkey file {shown} holds no verifier key"),
            hint,
        ));
    }
    Ok(keys)
}

/// The ids of an argument that takes several (`report`, `export`,
/// `--corroborates`, `--contradicts`, `--derived-from`): clap splits at
/// commas, and this at spaces too, so that `'C1 C2'` quoted as one word
/// (or `C1, C2`, as `show` prints links) is the two ids it plainly is, not
/// "a list where one id is taken". An empty value (`C1,,C2`) stays, for
/// the id parser to name.
pub fn id_words(values: &[String]) -> impl Iterator<Item = &str> {
    values.iter().flat_map(|v| {
        let mut words: Vec<&str> = v.split_whitespace().collect();
        if words.is_empty() {
            words.push("");
        }
        words
    })
}
