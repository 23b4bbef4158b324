//! Source texts and claim locations as users give them, checked the same
//! way by the single commands (`source add`, `claim add`) and by `import`;
//! and the other texts users give with them (URLs, optional fields, notes
//! read from a file).

use crate::error::{Error, Result};
use crate::model::{Cleared, SourceAmend, SourceField, SourceKind};
use crate::text;
use std::path::Path;

/// Largest source text accepted (bytes): a source is one article, tweet,
/// statement or transcript; 16 MiB is far beyond any of them, and it keeps
/// a mistaken `source add` of a video or a disk image from being loaded
/// whole.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// Reads standard input as a source text, with the same checks.
pub fn read_source_stdin() -> Result<Vec<u8>> {
    use std::io::Read;
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| Error::Io {
            path: "standard input".into(),
            reason: crate::keys::io_reason(&e),
        })?;
    check_source_text("standard input", None, &data)?;
    Ok(data)
}

/// Checks a source text as `source add` does: at most [`MAX_SOURCE_BYTES`],
/// not empty, UTF-8. `name` says where it came from, for the message.
pub fn check_source_text(name: &str, file: Option<&Path>, data: &[u8]) -> Result<()> {
    check_source_text_then(name, file, data, &|copy| format!("give {copy}"))
}

/// [`check_source_text`], its hints saying `then(COPY)` of the UTF-8 copy
/// they make of `file` (COPY as words to type in the shell).
fn check_source_text_then(
    name: &str,
    file: Option<&Path>,
    data: &[u8],
    then: &dyn Fn(&str) -> String,
) -> Result<()> {
    if data.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Error::invalid(
            format!("{name} is larger than {} MiB", MAX_SOURCE_BYTES >> 20),
            "a source is one text (article, statement, transcript); split it or store a document's extracted text",
        ));
    }
    if data.is_empty() {
        return Err(Error::invalid(
            format!("{name} is empty"),
            "give the source's text",
        ));
    }
    // A private key is never a source: named by a slip, piped in
    // (`source add - < key`), or inline in an import file someone else
    // wrote, it would be signed into an append-only log that is published.
    // Judged by its first line, as OpenSSH and PEM write it (after a byte
    // order mark or blank lines).
    let start = data.strip_prefix("\u{feff}".as_bytes()).unwrap_or(data);
    let first = start
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if (first.starts_with(b"-----BEGIN ") && first.ends_with(b"PRIVATE KEY-----"))
        || first.starts_with(b"PuTTY-User-Key-File-")
    {
        return Err(Error::invalid(
            format!("{name} holds a private key, not a source's text"),
            "give the text of the article, statement or transcript",
        ));
    }
    // A whole key after other lines (`notes from the desk:` and a key
    // pasted below) is refused too; a story about a leak that quotes a
    // key's first line, or a key cut short, is a text.
    if let Some((from, to)) = private_key_block(start) {
        return Err(Error::invalid(
            format!("{name} holds a private key, on lines {from} to {to}"),
            "take the key out of the text (a key signed into the log is published with it), and give the text again",
        ));
    }
    let text = utf8(name, file, then, data)?;
    // A text of only white space (or of characters that draw nothing)
    // quotes no one: it would be signed for good as a source, where the
    // commands refuse such a speaker or note.
    if crate::text::says_nothing(text) {
        return Err(Error::invalid(
            format!(
                "{name} holds nothing to read (only white space or characters that draw nothing)"
            ),
            "give the source's text",
        ));
    }
    Ok(())
}

/// The lines (from 1) of the first whole private key in `data`: a
/// `-----BEGIN … PRIVATE KEY-----` or `-----BEGIN PGP PRIVATE KEY
/// BLOCK-----` marker, anywhere in a line (a key pasted as one line, or
/// quoted in a forwarded mail with `> ` before each line), the first
/// `-----END` marker after it, of the same label, and between them a key's
/// body: runs of base64 without spaces, one of at least 40 characters and
/// 64 in all (prose between the markers, a court report's `[Contents
/// withheld by order of the court …]` or a story explaining the format, is
/// no key). Or a PuTTY key file's first line and its `Private-Lines:`.
fn private_key_block(data: &[u8]) -> Option<(usize, usize)> {
    let text = String::from_utf8_lossy(data);
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    // Each END marker is found once (a text of many BEGIN lines and no END
    // took minutes, every BEGIN searching the rest of the text).
    let ends: Vec<usize> = text.match_indices("-----END ").map(|(i, _)| i).collect();
    for (begin, _) in text.match_indices("-----BEGIN ") {
        let after = begin + "-----BEGIN ".len();
        let Some(close) = text[after..].find("-----") else {
            break;
        };
        let label = &text[after..after + close];
        if !(label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK")) {
            continue;
        }
        let body_start = after + close + 5;
        let Some(&end) = ends.get(ends.partition_point(|&e| e < body_start)) else {
            continue;
        };
        if !text[end + "-----END ".len()..].starts_with(&format!("{label}-----")) {
            continue;
        }
        // The body, but for its header lines (`Proc-Type: 4,ENCRYPTED`,
        // PGP's `Version: …`) and a mail's quotation marks, must be base64
        // and nothing else, in long runs: prose between the markers (a
        // threat report naming them around hashes and addresses, a court
        // report's redaction) has words with punctuation, or short runs.
        let runs: Vec<&str> = text[body_start..end]
            .lines()
            .filter(|l| !l.contains(": "))
            .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == '>' || c == '|'))
            .filter(|w| !w.is_empty())
            .collect();
        let base64 = |w: &&str| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        };
        let total: usize = runs.iter().map(|w| w.len()).sum();
        if !runs.is_empty()
            && runs.iter().all(base64)
            && runs.iter().any(|w| w.len() >= 40)
            && total >= 64
            && total >= 20 * runs.len()
        {
            return Some((line_of(begin), line_of(end)));
        }
    }
    let mut putty: Option<usize> = None;
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        match putty {
            None if line.starts_with(b"PuTTY-User-Key-File-") => putty = Some(i + 1),
            Some(from) if line.starts_with(b"Private-Lines:") => return Some((from, i + 1)),
            _ => {}
        }
    }
    None
}

/// `data` as text, or why it is not UTF-8: `what` names it in the message.
/// A UTF-16 file (Windows editors' "Unicode") is said to be one, so that
/// the hint converts from the right encoding. With the `file` it was read
/// from, the hint is the command to run on it, and `then(COPY)` what to do
/// with the copy ("give COPY", "give --note-file COPY", an import line's
/// `"file"`); it said `FILE` where the name was known.
fn utf8<'a>(
    what: &str,
    file: Option<&Path>,
    then: &dyn Fn(&str) -> String,
    data: &'a [u8],
) -> Result<&'a str> {
    // The file and the copy a hint's command writes (`FILE.utf8` by
    // `iconv`, `FILE.txt` by a text extractor), as words to type.
    let named = |f: &Path, ext: &str| {
        let mut copy = f.as_os_str().to_owned();
        copy.push(ext);
        (
            crate::text::shell_word(f),
            crate::text::shell_word(Path::new(&copy)),
        )
    };
    let words = |f: &Path| named(f, ".utf8");
    let hint = |from: &str| match file {
        Some(f) => {
            let (f, copy) = words(f);
            format!(
                "convert it first: `iconv -f {from} -t UTF-8 {f} > {copy}`, then {}",
                then(&copy)
            )
        }
        None => format!("convert it to UTF-8 first (`iconv -f {from} -t UTF-8` does)"),
    };
    if let Some(format) = crate::text::document_format(data) {
        let pdf = format.contains("PDF");
        let extract = match file {
            Some(f) => {
                let (f, text) = named(f, ".txt");
                match pdf {
                    true => format!(
                        "extract its text first (`pdftotext -enc UTF-8 {f} {text}`), check the text against the original, then {}",
                        then(&text)
                    ),
                    false => format!(
                        "save its text from the program that opens it as plain text, UTF-8 (as {text}), check it against the original, then {}",
                        then(&text)
                    ),
                }
            }
            None => match pdf {
                true => "extract its text first (`pdftotext -enc UTF-8 FILE -`) and check it against the original".to_string(),
                false => "save its text from the program that opens it as plain text, UTF-8, and check it against the original".to_string(),
            },
        };
        return Err(Error::invalid(
            format!("{what} is {format}, not text"),
            extract,
        ));
    }
    if crate::text::utf16_bom(data) {
        return Err(Error::invalid(
            format!("{what} is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8"),
            hint("UTF-16"),
        ));
    }
    if let Some(from) = crate::text::utf16_without_bom(data) {
        return Err(Error::invalid(
            format!("{what} is {from} text without a byte order mark (a byte 00 to 08 beside each letter), not UTF-8"),
            hint(from),
        ));
    }
    // A NUL is in no text a desk quotes: it marks binary or broken input
    // (a file half converted from UTF-16, a word processor's format the
    // sniffing above does not know), and a claim could hold it unseen.
    if let Some(at) = data.iter().position(|&b| b == 0) {
        let line = crate::text::line_shown(data, at, String::from_utf8_lossy);
        let fix = match file {
            Some(f) => {
                let (f, copy) = named(f, ".clean");
                format!(
                    "if the text is otherwise right, `tr -d '\\000' < {f} > {copy}` removes them; check the copy against the original, then {}",
                    then(&copy)
                )
            }
            // An import line's "text" holds it as the escape `\u0000`.
            None if what == "\"text\"" => "remove each \\u0000 from the line's \"text\" if the text is otherwise right, and check it against the original".to_string(),
            None => "if the text is otherwise right, `tr -d '\\000'` removes them; check the result against the original".to_string(),
        };
        return Err(Error::invalid(
            format!(
                "{what} holds a NUL byte (U+0000) at offset {at}, in `{}`: text holds none, and it marks binary or broken input",
                crate::text::escape(&line)
            ),
            fix,
        ));
    }
    std::str::from_utf8(data).map_err(|e| {
        // UTF-8 text with a few stray bytes (two files put together, a
        // character cut by a copy): converting all of it from a legacy
        // encoding would garble every letter beyond ASCII.
        if let Some(stray) = crate::text::stray_bytes(data) {
            let line = crate::text::line_shown(data, e.valid_up_to(), String::from_utf8_lossy);
            let fix = match file {
                Some(f) => {
                    let (f, copy) = words(f);
                    format!(
                        "`iconv -f UTF-8 -t UTF-8 -c {f} > {copy}` drops them; check that the copy reads right, then {}",
                        then(&copy)
                    )
                }
                None => "`iconv -f UTF-8 -t UTF-8 -c` drops them; check that the result reads right".to_string(),
            };
            return Error::invalid(
                format!(
                    "{what} is UTF-8 text but for {} that {} not (the first at offset {}, shown as � in `{}`)",
                    crate::text::count(stray as u64, "byte"),
                    if stray == 1 { "is" } else { "are" },
                    e.valid_up_to(),
                    line
                ),
                format!("fix them where they came from, or {fix}"),
            );
        }
        let legacy = crate::text::legacy_text(data, e.valid_up_to());
        Error::invalid(
            format!(
                "{what} is not UTF-8 text (invalid byte at offset {}); read as {}, that line says `{}`",
                e.valid_up_to(),
                legacy.encoding,
                legacy.line
            ),
            format!(
                "if that reads right, {}; if not, ask whoever sent it which encoding it is in",
                hint(&legacy.encoding)
            ),
        )
    })
}

/// Reads a source file, refusing a directory and anything
/// [`check_source_text`] refuses, without reading more than the limit.
pub fn read_source_file(path: &Path) -> Result<Vec<u8>> {
    read_source_file_then(path, &|copy| format!("give {copy}"))
}

/// [`read_source_file`], its hints saying `then(COPY)` of the UTF-8 copy
/// they make: an import line names its `"file"` from the import file's
/// directory, not from where the command runs, so "then give
/// imp/latin1.txt.utf8" was the wrong value to put there.
pub fn read_source_file_then(path: &Path, then: &dyn Fn(&str) -> String) -> Result<Vec<u8>> {
    let data = match crate::files::read_capped(path, MAX_SOURCE_BYTES) {
        Err(Error::IsDirectory(_)) => {
            return Err(Error::invalid(
                format!("{} is a directory", path.display()),
                "give a text file",
            ))
        }
        read => read?,
    };
    check_source_text_then(&path.display().to_string(), Some(path), &data, then)?;
    Ok(data)
}

/// The path of an import line's `"file"`, which must name a regular file
/// in `base` (the import file's directory) or below it: an import file
/// comes from a scraper or a partner desk, and a `"file"` of
/// `../.ssh/id_ed25519`, `/etc/passwd` or a FIFO would copy whatever it
/// names into the log, or wait for ever. A link is followed, and must end
/// inside `base` too. What this does *not* stop: a text inside `base` that
/// was never meant to be a source.
pub fn file_within(base: &Path, file: &str) -> Result<std::path::PathBuf> {
    use std::path::Component;
    let hint = "copy the text into the import file's directory and give its path from there, or import with --files-anywhere if you wrote the import file yourself";
    let rel = Path::new(file);
    if file.is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::invalid(
            format!(
                "\"file\" `{}` leaves the import file's directory",
                crate::text::escape(file)
            ),
            hint,
        ));
    }
    let path = base.join(rel);
    let io = |e: std::io::Error| Error::Io {
        path: path.clone(),
        reason: crate::keys::io_reason(&e),
    };
    let (inside, base) = (
        path.canonicalize().map_err(io)?,
        base.canonicalize().map_err(io)?,
    );
    if !inside.starts_with(&base) {
        return Err(Error::invalid(
            format!(
                "\"file\" `{}` is a link to {}, outside the import file's directory",
                crate::text::escape(file),
                inside.display()
            ),
            hint,
        ));
    }
    if !inside.is_file() {
        return Err(Error::invalid(
            format!(
                "\"file\" `{}` is not a regular file (a directory, a pipe or a device)",
                crate::text::escape(file)
            ),
            "give a text file",
        ));
    }
    Ok(path)
}

/// The bytes of a note read from a file (`what` names it for the user):
/// refused when they cannot fit in an entry or are not UTF-8. `data` may
/// hold one byte past the limit, as [`crate::files::read_capped`] reads it.
pub fn note_text<'a>(what: &str, file: Option<&Path>, data: &'a [u8]) -> Result<&'a str> {
    if data.len() > crate::entry::MAX_PAYLOAD {
        return Err(Error::invalid(
            format!("{what} is larger than 1 MiB, more than an entry holds"),
            "keep the note to the judgment; store a long analysis as a source (`claimtrail source add`)",
        ));
    }
    utf8(what, file, &|copy| format!("give --note-file {copy}"), data)
}

/// A note as a file holds it (`--note-file`, the file `--edit` opens):
/// without a leading byte order mark, as Notepad saves UTF-8 (import drops
/// it; `--note-file` signed it), with CRLF line ends made LF (a file's way
/// of ending lines is the file's, not the note's: `--edit` made them LF and
/// `--note-file` kept them, so one note saved by one editor was signed as
/// two texts; a CR before a CRLF, `a\r\r\nb`, is made LF too, as `--edit`
/// read it), and without white space at either end. A lone CR is left.
pub fn file_note(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut text = text.to_string();
    while text.contains("\r\n") {
        text = text.replace("\r\n", "\n");
    }
    text.trim().to_string()
}

/// The note of `annotate --note-file`: a file's text, or standard input's for `-`,
/// without white space at either end (its trailing newline, a first line's
/// indentation). Refused when it cannot fit in
/// an entry, is not UTF-8 or is empty, before the log is opened.
pub fn read_note(path: &Path) -> Result<String> {
    use std::io::Read;
    let limit = crate::entry::MAX_PAYLOAD as u64;
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let io = |e: std::io::Error| Error::Io {
        path: name.clone().into(),
        reason: crate::keys::io_reason(&e),
    };
    let data = if stdin {
        let mut data = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut data)
            .map_err(io)?;
        data
    } else {
        crate::files::read_capped(path, limit)?
    };
    let file = (!stdin).then_some(path);
    let note = file_note(note_text(&format!("the note in {name}"), file, &data)?);
    if note.trim().is_empty() {
        return Err(Error::invalid(
            format!("the note in {name} is empty"),
            "write the note there, or leave out --note-file",
        ));
    }
    Ok(note)
}

/// Checks a source's URL as given on input (`--url`, an import line's
/// `url`): an absolute URI (RFC 3986: a scheme, then `:`), without spaces or
/// control characters, and with a host after `http://` or `https://`. It is
/// a check of input, not a rule of the log: it catches a title or a note
/// pasted into the wrong field, and an address without its scheme, which the
/// HTML report could not link; and `javascript:`, `vbscript:`, `data:`,
/// `blob:`, `file:` addresses and their kin (a browser's own schemes,
/// archives read in place), which are code, data or a file on one machine
/// rather than where a source was published, and which reports would
/// carry into markup that web pages embed; any scheme but a few of the web
/// and of documents' names (a program's own, `steam:`, opens it); and an
/// http(s) host that a browser reads as another host than the one written.
/// It does not say the address exists.
pub fn check_url(url: &str) -> Result<(), String> {
    let not = |why: &str| Err(format!("`{url}` is not a URL: {why}"));
    // Bidirectional and invisible characters too: a browser shows them
    // percent-encoded, and in a report `…/<U+202E>fdp.exe` reads as
    // `…/exe.pdf`, `reuters<U+200B>.com` as reuters.com.
    if let Some(c) = url.chars().find(|&c| {
        c.is_whitespace()
            || c.is_control()
            || crate::text::is_hidden(c)
            || crate::text::is_invisible_in_copy(c)
            || matches!(c, '\u{200c}' | '\u{200d}')
    }) {
        return not(&if c == ' ' {
            "it contains a space (a browser writes %20)".to_string()
        } else {
            // The escape itself, to type in its place (a Persian path's
            // zero-width non-joiner is `%E2%80%8C`).
            let mut utf8 = [0u8; 4];
            let escaped: String = c
                .encode_utf8(&mut utf8)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect();
            format!(
                "it contains the character U+{:04X} (a browser writes it percent-encoded: {escaped})",
                c as u32
            )
        });
    }
    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
        let mut c = s.chars();
        c.next().is_some_and(|f| f.is_ascii_alphabetic())
            && c.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let Some(scheme) = scheme else {
        return not("it does not start with a scheme such as https://");
    };
    // Code, not a place: reports carry the address into ClaimReview, Web
    // Annotation and PROV, which web pages and aggregators may link.
    if [
        "javascript",
        "vbscript",
        "livescript",
        "data",
        "blob",
        "file",
        "filesystem",
        "view-source",
        "mhtml",
        "jar",
        "ms-its",
        "mk",
        "res",
        "about",
        "chrome",
        "resource",
        // A file on a network share (Windows sends the user's
        // credentials to open one), and handlers of the operating system
        // that phishing uses: search windows, settings, app installers.
        "smb",
        "cifs",
        "search-ms",
        "search",
        "intent",
        "itms-services",
        "shell",
        // Windows help and the handlers of installed programs, the same
        // kind as `ms-its:` and `mk:`.
        "its",
        "hcp",
        "microsoft-edge",
        "vscode",
        "vscode-insiders",
    ]
    .iter()
    .any(|s| scheme.eq_ignore_ascii_case(s))
        || ["ms-", "vnd.ms-"].iter().any(|p| {
            scheme
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        })
    {
        return not(&format!(
            "a {}: address is not where a source was published (it is code, data or a file on one machine)",
            scheme.to_ascii_lowercase()
        ));
    }
    // Anything else that is not an address of the web, a name of a
    // document (urn:, doi:, hdl:, ark:, info:, tag:), content by its hash
    // (ipfs:, ipns:), a Bluesky post (at:), a file server, a mailbox or a
    // newsgroup opens a program on the reader's machine (`steam:`,
    // `zoommtg:`, `chrome-extension:`, `ssh:`), which ClaimReview and the
    // other reports would hand to web pages: taken by name, not refused by
    // name, since programs register new ones every year.
    const TAKEN: [&str; 16] = [
        "http", "https", "urn", "doi", "hdl", "ark", "info", "tag", "ipfs", "ipns", "at", "ftp",
        "ftps", "mailto", "news", "magnet",
    ];
    if !TAKEN.iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        let scheme = scheme.to_ascii_lowercase();
        let a = match scheme.starts_with(['a', 'e', 'i', 'o', 'u']) {
            true => "an",
            false => "a",
        };
        return not(&format!(
            "{a} {scheme}: address opens a program on the reader's machine, or is no address of where a source was published (give its web address; the schemes taken are {})",
            TAKEN.join(", ")
        ));
    }
    if url[scheme.len() + 1..].is_empty() {
        return not(&format!("nothing follows its scheme {scheme}:"));
    }
    // Characters that no URI holds unescaped (RFC 3986 §2; RFC 3987 §2.2
    // for IRIs): the linked-data reports write the address as an IRI, and
    // one `<` or `"` there made an RDF reader refuse the whole export.
    if let Some(c) = url.chars().find(|c| "<>\"{}|\\^`".contains(*c)) {
        let shown = match c {
            '`' => "a backquote".to_string(),
            c => format!("`{c}`"),
        };
        return not(&format!(
            "it contains {shown}, which no URL holds as it is (a browser writes it %{:02X})",
            c as u32
        ));
    }
    let bytes = url.as_bytes();
    if let Some(at) = (0..bytes.len()).find(|&i| {
        bytes[i] == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    }) {
        let shown: String = url[at..].chars().take(3).collect();
        return not(&format!(
            "`{shown}` is no percent escape: a `%` is followed by two hexadecimal digits (a `%` itself is written %25)"
        ));
    }
    // A bidirectional control written percent-encoded: Markdown renderers
    // (markdown-it, so VS Code and many sites) decode a link's text, and
    // `…/%E2%80%AE%3Cscript%3E` showed the reordering character itself.
    // Other hidden characters stay taken encoded (a Persian path's
    // zero-width non-joiner is `%E2%80%8C`).
    // The embeddings, overrides and isolates, which reorder a run of
    // text; not the marks (U+200E, U+200F, U+061C), which right-to-left
    // sites' addresses hold encoded and which reorder nothing around them
    // on their own.
    if let Some(c) = percent_encoding::percent_decode_str(url)
        .decode_utf8_lossy()
        .chars()
        .find(|&c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    {
        return not(&format!(
            "it holds the bidirectional control U+{:04X} percent-encoded, which pages that decode addresses show as the character, reordering the text around it",
            c as u32
        ));
    }
    // A server's host, as the browser reads it (ftp: is one of its
    // "special" schemes, read as http's are).
    if ["http", "https", "ftp", "ftps"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
    {
        // As a browser parses it (WHATWG): an unclosed `[` of an IPv6
        // host, a port that is no number, a host with a forbidden
        // character.
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return not(&format!("a browser would not open it ({e})")),
        };
        let host = web_authority(url);
        if host.is_none_or(|h| h.is_empty()) {
            return not(&format!("{scheme}: must be followed by // and a host"));
        }
        // `https://www.reuters.com%2Fworld@evil.example/` goes to
        // evil.example, and shows reuters.com first.
        // An old archive's `ftp://anonymous@…`: the log-in an ftp client
        // makes by itself, said so.
        if scheme.to_ascii_lowercase().starts_with("ftp")
            && host.is_some_and(|h| {
                let user = h.split_once('@').map_or("", |(u, _)| u);
                user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp")
            })
        {
            return not("it names the anonymous log-in before an @, which an ftp client makes by itself (give the address without it: a user name before the host can show one site and go to another)");
        }
        if host.is_some_and(|h| h.contains('@')) {
            return not("it has a user name before an @ in its host, so it shows one site and goes to another (a published source's address has none)");
        }
        // `https://0x7f.1/` goes to 127.0.0.1: a browser reads a host that
        // ends in a number as an IPv4 address, in hex, octal or fewer
        // parts too, so the address shown is not the one linked. An IPv4
        // host is taken only as it is written out (`127.0.0.1`).
        if let Some(url::Host::Ipv4(ip)) = parsed.host() {
            let written = written_host(host.unwrap_or_default());
            if written != ip.to_string() {
                return not(&format!(
                    "its host `{}` is the address {ip} written another way, which a reader does not recognise (give it as {ip})",
                    crate::text::escape(written)
                ));
            }
        }
        // `www.аl-monitor.com` with a Cyrillic `а`: shown in reports as
        // the site it imitates, and a link to another. A name in one
        // script (`пример.рф`, `例え.jp`) is any site's right. Judged as
        // the browser shows the host, percent-escapes decoded and
        // punycode (`xn--`) as its letters: the same look-alike came
        // through written so.
        let shown_host = parsed.host_str().map(|h| idna::domain_to_unicode(h).0);
        // Latin beside Han, kana or Hangul (`nttドコモ.jp`, `bbc中文.com`)
        // is how Japanese, Chinese and Korean names are written: UTS #39's
        // "highly restrictive" level, as browsers show such hosts.
        if let Some(label) = shown_host.as_deref().and_then(|h| {
            use unicode_security::{MixedScript, RestrictionLevel, RestrictionLevelDetection};
            h.split('.').find(|label| {
                !label.is_single_script()
                    && label.detect_restriction_level() != RestrictionLevel::HighlyRestrictive
            })
        }) {
            return not(&format!(
                "its host name part `{}` mixes letters of different scripts, so it looks like another site (such as a Cyrillic а among Latin letters)",
                crate::text::escape(label)
            ));
        }
        // The host as the browser goes to it must be the host as written
        // (but for case, and punycode written as letters or letters as
        // punycode): `https://www.reuters.com%2E%65%76%69%6C…/` shows
        // reuters.com and goes to www.reuters.com.evil.example, as do an
        // ideographic full stop (`bbc.co.uk。evil.example`), full-width
        // letters, and an IPv6 address written another way
        // (`[::ffff:127.0.0.1]`).
        if let (Some(written), Some(goes)) = (host, parsed.host_str()) {
            let written = written_host(written);
            // (In Unicode's composed form, as the browser reads a name:
            // `café` typed with its accent apart is the same host.)
            let written: String =
                unicode_normalization::UnicodeNormalization::nfc(written.to_lowercase().as_str())
                    .collect();
            let shown = idna::domain_to_unicode(goes).0;
            if written != goes && written != shown {
                return not(&format!(
                    "its host is written `{}`, which a browser reads as `{}`, so it shows one site and goes to another (give the host as {})",
                    crate::text::escape(&written),
                    crate::text::escape(&shown),
                    crate::text::escape(&shown)
                ));
            }
        }
    }
    Ok(())
}

/// The host of an authority as written (`user@host:port` → `host`, an
/// IPv6 address with its brackets).
fn written_host(authority: &str) -> &str {
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host.rsplit_once(':') {
        Some((h, port))
            if !h.is_empty()
                && (!h.starts_with('[') || h.ends_with(']'))
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            h
        }
        _ => host,
    }
}

/// The authority (`user@host:port`) of an `http://`, `https://`, `ftp://`
/// or `ftps://` URL, in
/// any case: what comes between `//` and the first `/`, `?` or `#`. `None`
/// for any other scheme, or an http(s) URL without `//`. An `@` in it means
/// a user name before the host, which a reader takes for the site.
pub fn web_authority(url: &str) -> Option<&str> {
    let rest = ["http:", "https:", "ftp:", "ftps:"].iter().find_map(|p| {
        url.get(..p.len())
            .filter(|h| h.eq_ignore_ascii_case(p))
            .map(|_| &url[p.len()..])
    })?;
    rest.strip_prefix("//")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""))
}

/// Where a claim lies in its source: an exact quote (and which occurrence),
/// or a byte span `START..END`.
#[derive(Clone, Copy, Debug)]
pub enum Where<'a> {
    Quote {
        quote: &'a str,
        occurrence: Option<usize>,
    },
    Span(&'a str),
}

/// How the fields are called in messages: `--quote` on the command line,
/// `quote` in an import file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    Cli,
    Import,
    /// A CSV import: a field is a column, its value a cell (the JSON
    /// form, `"span": "75..97"`, cannot be typed in a spreadsheet).
    Csv,
}

impl Spelling {
    /// How a message gives `field` the value `value`: `--occurrence 2`,
    /// `"occurrence": 2`, `2 in the occurrence column` (it said "the
    /// occurrence column 2").
    pub fn value(self, field: &str, value: &str) -> String {
        match self {
            Spelling::Cli => format!("--{field} {value}"),
            Spelling::Import => format!("\"{field}\": {value}"),
            Spelling::Csv => format!("{value} in the {field} column"),
        }
    }

    /// The span `start..end` as a value to give: `--span 0..6`, `"span":
    /// "0..6"` (a string in JSON), `0..6 in the span column`.
    pub fn span(self, start: usize, end: usize) -> String {
        match self {
            Spelling::Import => self.value("span", &format!("\"{start}..{end}\"")),
            _ => self.value("span", &format!("{start}..{end}")),
        }
    }

    /// How a message names `field`: `--field`, `"field"`, "the field column".
    pub fn name(self, field: &str) -> String {
        match self {
            Spelling::Cli => format!("--{field}"),
            Spelling::Import => format!("\"{field}\""),
            Spelling::Csv => format!("the {field} column"),
        }
    }
}

/// Checks an optional text as given (a title, publisher, author,
/// paraphrase or note): when given, it must say something. An empty or
/// blank value is almost always a script's unset variable; a field left out
/// is recorded as absent, and lists show `-` for it. A check of input, not
/// a rule of the log: verify accepts entries signed with one.
pub fn check_given(field: &str, value: Option<&str>, spelling: Spelling) -> Result<()> {
    if value.is_some_and(|v| v.trim().is_empty()) {
        let f = spelling.name(field);
        // An empty value given to empty the field: `source amend` does
        // that with --clear (`--url ""` was "`` is not a URL").
        let source_field = matches!(field, "title" | "publisher" | "author" | "url");
        let clear = match spelling {
            Spelling::Cli if source_field => {
                format!(" (`claimtrail source amend` empties a field with --clear {field})")
            }
            _ => String::new(),
        };
        return Err(Error::invalid(
            format!("{f} is empty"),
            format!("leave {f} out, or give its value{clear}"),
        ));
    }
    // A title, publisher or author that is a placeholder (`…`, `...`,
    // `?`, `-`): a hint's `--title "…"`, pasted as shown, was signed as
    // the source's title. (A note has its own rules.) A value of
    // signs alone that are no ASCII punctuation (an emoji) is taken.
    let placeholder = |v: &str| {
        v.chars()
            .all(|c| c.is_whitespace() || c.is_ascii_punctuation() || "…‥–—".contains(c))
    };
    let names = matches!(field, "title" | "publisher" | "author");
    if let Some(v) = value.filter(|v| names && placeholder(v)) {
        let f = spelling.name(field);
        return Err(Error::invalid(
            format!(
                "{f} \"{}\" has no letter or digit: a placeholder, not a value",
                text::escape(v.trim())
            ),
            format!("give the {field} in words, or leave {f} out"),
        ));
    }
    Ok(())
}

/// The fields an amendment is to clear, as given (`--clear author,url`,
/// an import line's `"clear": ["author"]`): each a field a source may lack
/// (author, published, publisher, title, url), each once, listed as the
/// body lists them (sorted). A kind (every source has one) and what is
/// not such a field are refused in their own words. The command line and
/// a spreadsheet take other capitals too; an import line, written by a
/// program, the names themselves.
pub fn cleared(given: &[String], spelling: Spelling) -> Result<Cleared> {
    let clear = spelling.name("clear");
    let mut fields = Vec::new();
    for typed in given {
        let field = match spelling {
            Spelling::Import => typed.parse::<SourceField>().ok(),
            Spelling::Cli | Spelling::Csv => SourceField::NAMES
                .iter()
                .find(|n| text::spells(n, typed.trim(), b"-"))
                .and_then(|n| n.parse().ok()),
        };
        let Some(field) = field else {
            return Err(if text::spells("kind", typed.trim(), b"") {
                Error::invalid(
                    "a source's kind cannot be cleared: every source has one",
                    format!(
                        "correct it with {} instead, one of {}",
                        spelling.name("kind"),
                        SourceKind::NAMES.join(", ")
                    ),
                )
            } else {
                Error::invalid(
                    format!(
                        "`{}` is not a field that can be cleared",
                        text::escape(typed)
                    ),
                    format!("{clear} takes author, published, publisher, title or url"),
                )
            });
        };
        if fields.contains(&field) {
            return Err(Error::invalid(
                format!("{clear} names {field} twice"),
                "name each field to clear once",
            ));
        }
        fields.push(field);
    }
    Ok(Cleared::of(fields))
}

/// Refuses a list that names one item twice, in the terms it was given
/// in: `--derived-from S1,S2,S1` is "S1 is listed twice in
/// --derived-from", an import line's `"derived_from": ["@a", "@a"]` "@a is
/// listed twice in derived_from" (the append path's rule, which sees the
/// ids, said "derived_from lists S1 twice": an option the command does not
/// have, and of an import an id its file never wrote, after the lines
/// before it were committed). `each` is what the hint asks to list once.
pub fn listed_once<'a>(
    field: &str,
    list: impl IntoIterator<Item = &'a str>,
    each: &str,
    spelling: Spelling,
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for item in list {
        if !seen.insert(item) {
            let field = match spelling {
                Spelling::Cli => format!("--{}", field.replace('_', "-")),
                Spelling::Import | Spelling::Csv => field.to_string(),
            };
            return Err(Error::invalid(
                format!("{} is listed twice in {field}", text::escape(item)),
                format!("list each {each} once"),
            ));
        }
    }
    Ok(())
}

/// Refuses an amendment that corrects a field and clears it too (a body
/// that does not parse: it has no one meaning).
pub fn check_not_both(body: &SourceAmend, spelling: Spelling) -> Result<()> {
    match body.conflict() {
        None => Ok(()),
        Some(f) => {
            let (given, clear) = (spelling.name(f.as_str()), spelling.name("clear"));
            let (what, hint) = match spelling {
                Spelling::Cli => (
                    format!("{given} and {clear} {f} were both given"),
                    format!("give {given} to correct the {f}, or {clear} {f} to empty it"),
                ),
                Spelling::Import | Spelling::Csv => (
                    format!("{given} is given and {clear} lists {f} too"),
                    format!("give {given} to correct the {f}, or list it in {clear} to empty it"),
                ),
            };
            Err(Error::invalid(
                format!("{what}: an amendment corrects a field or clears it"),
                hint,
            ))
        }
    }
}

/// Finds the claim's `[start, end)` in the source text `src` of `id`, as
/// `claim add` does: a span must lie on character boundaries; a quote must
/// occur, and when it occurs more than once the occurrence must be chosen
/// (the error lists where each one is).
pub fn locate(src: &str, at: Where<'_>, id: &str, spelling: Spelling) -> Result<(usize, usize)> {
    let quote = match at {
        Where::Span(span) => {
            let (s, e) = text::parse_span(span).map_err(|e| {
                Error::invalid(
                    e,
                    match spelling {
                        Spelling::Cli => "write --span START..END, e.g. --span 120..187",
                        Spelling::Import => {
                            "write \"span\": \"START..END\", e.g. \"span\": \"120..187\""
                        }
                        Spelling::Csv => "write START..END in the span column, e.g. 120..187",
                    },
                )
            })?;
            let hint = || {
                if id.starts_with('@') {
                    "count byte offsets in the source's UTF-8 text".to_string()
                } else {
                    format!(
                        "see `claimtrail show {id} --text` for the text, or give the passage with {} and claimtrail finds its span (`claimtrail show` gives it back)",
                        spelling.name("quote")
                    )
                }
            };
            // Inside a character's bytes: the nearest boundaries given are
            // those of characters as they are shown, which the check below
            // asks for (the UTF-8 ones given first could be refused next).
            for (what, at) in [("start", s), ("end", e)] {
                if at <= src.len() && !src.is_char_boundary(at) {
                    let (before, after) = text::grapheme_boundaries_around(src, at);
                    return Err(Error::invalid(
                        format!("span {what} {at} falls inside a multi-byte UTF-8 character (nearest boundaries: {before} and {after})"),
                        hint(),
                    ));
                }
            }
            text::span(src, s, e).map_err(|e| Error::invalid(e, hint()))?;
            for (what, at) in [("start", s), ("end", e)] {
                if !text::is_grapheme_boundary(src, at) {
                    let (before, after) = text::grapheme_boundaries_around(src, at);
                    // Between the CR and the LF of a Windows line break:
                    // the one boundary a span takes there is named (the
                    // other would hold the break, white space a quote
                    // may not end or begin with, and was refused next).
                    if src.as_bytes().get(at.wrapping_sub(1)..=at) == Some(b"\r\n") {
                        let (place, take) = match what {
                            "end" => ("end it before the break, at", before),
                            _ => ("start it after the break, at", after),
                        };
                        return Err(Error::invalid(
                            format!("span {what} {at} falls inside a line break (a CR and an LF, which are one break): {place} {take}"),
                            hint(),
                        ));
                    }
                    return Err(Error::invalid(
                        format!(
                            "span {what} {at} falls inside a character as it is shown: U+{:04X} there is drawn as one with the character before it (nearest boundaries: {before} and {after})",
                            src[at..].chars().next().map_or(0, u32::from)
                        ),
                        hint(),
                    ));
                }
            }
            return Ok((s, e));
        }
        Where::Quote { quote, .. } => quote,
    };
    let occurrence = match at {
        Where::Quote { occurrence, .. } => occurrence,
        Where::Span(_) => None,
    };
    if quote.is_empty() {
        return Err(Error::invalid(
            format!("{} is empty", spelling.name("quote")),
            "give the exact text of the claim",
        ));
    }
    // Before it is looked for: a quote of a space "occurred 789 times",
    // and the `--occurrence` its hint offered was then refused.
    if text::says_nothing(quote) {
        return Err(Error::invalid(
            format!(
                "the quote holds only white space or characters that draw nothing ({})",
                crate::log::code_points(quote)
            ),
            format!(
                "choose the claim's words with {} (or {})",
                spelling.name("quote"),
                spelling.name("span")
            ),
        ));
    }
    let mut found = text::occurrences(src, quote);
    // Only where it begins and ends between characters as the reader sees
    // them: `turnout =` is not in `turnout ≠` (= and U+0338).
    let first_anywhere = found.first().copied();
    found.retain(|&at| {
        text::is_grapheme_boundary(src, at) && text::is_grapheme_boundary(src, at + quote.len())
    });
    if found.is_empty() {
        if let Some(at) = first_anywhere {
            let (before_start, after_start) = text::grapheme_boundaries_around(src, at);
            let (before_end, after_end) = text::grapheme_boundaries_around(src, at + quote.len());
            // A character cut in two that is white space (`\r` of a CRLF
            // line end) is left out, not taken whole: the span given
            // would end on white space, which a claim may not.
            let blank = |a: usize, b: usize| src[a..b].chars().all(char::is_whitespace);
            let start = match blank(before_start, after_start) {
                true => after_start,
                false => before_start,
            };
            let end = match blank(before_end, after_end) {
                true => before_end,
                false => after_end,
            };
            let (start, end) = match start < end {
                true => (start, end),
                false => (before_start, after_end),
            };
            let (l, c) = text::line_col(src, at);
            return Err(Error::invalid(
                format!(
                    "the quote occurs in {id} only as part of characters as they are shown: at line {l} col {c} the source shows `{}`",
                    text::escape(&src[before_start..after_end])
                ),
                format!(
                    "quote whole characters, marks included: {} {start}..{end} takes them",
                    spelling.name("span")
                ),
            ));
        }
    }
    let occ = spelling.name("occurrence");
    if found.is_empty() {
        return Err(not_found(src, quote, id, spelling, occurrence));
    }
    // The same words, read the same elsewhere (a no-break space, a soft
    // hyphen, an accent typed apart): the places the analyst sees are not
    // those `--occurrence` counts, so only a span says which is meant. The
    // copy typed was taken without a word, over another speaker's sentence
    // (red team A, F1), and `--occurrence 2` of three lines alike took the
    // third (red team D, D1).
    let alikes = text::look_alikes(src, quote, &found);
    if !alikes.is_empty() {
        return Err(read_alike(src, quote, id, &found, &alikes, spelling));
    }
    let pick = match (found.len(), occurrence) {
        (n, Some(k)) if k == 0 || k > n => {
            // 0 is refused before this by both commands and import.
            return Err(match n {
                1 => Error::invalid(
                    format!(
                        "{}: the quote occurs only once in {id}",
                        spelling.value("occurrence", &k.to_string())
                    ),
                    format!("leave out {occ}, or give 1"),
                ),
                _ => Error::invalid(
                    format!(
                        "{}: the quote occurs {} times in {id}",
                        spelling.value("occurrence", &k.to_string()),
                        text::grouped(n as u64)
                    ),
                    format!("use {}", spelling.value("occurrence", &format!("1 to {n}"))),
                ),
            });
        }
        (_, Some(k)) => found.get(k - 1).copied().unwrap_or_default(),
        (1, None) => found.first().copied().unwrap_or_default(),
        (n, None) => {
            // The first few places, then a count: a quote of one common
            // word or a space occurs thousands of times, and each place
            // costs a walk from the text's start to find its line.
            let mut list: Vec<String> = found
                .iter()
                .take(PLACES_SHOWN)
                .enumerate()
                .map(|(i, &at)| {
                    let (l, c) = text::line_col(src, at);
                    format!(
                        "{}: line {l} col {c} (bytes {at}..{})",
                        i + 1,
                        at + quote.len()
                    )
                })
                .collect();
            if n > PLACES_SHOWN {
                list.push(format!(
                    "and {} more",
                    text::grouped((n - PLACES_SHOWN) as u64)
                ));
            }
            return Err(Error::invalid(
                format!(
                    "the quote occurs {} times in {id}: {}",
                    text::grouped(n as u64),
                    list.join("; ")
                ),
                format!(
                    "choose one with {} (1 to {n}), or use {}",
                    spelling.value("occurrence", "K"),
                    spelling.name("span")
                ),
            ));
        }
    };
    Ok((pick, pick + quote.len()))
}

/// The error for a quote that occurs byte for byte at `found` and reads
/// the same at `alikes` ([`text::look_alikes`]): every place, in the text's
/// order, what differs at each, and the span of each to choose from.
fn read_alike(
    src: &str,
    quote: &str,
    id: &str,
    found: &[usize],
    alikes: &[text::NearMatch],
    spelling: Spelling,
) -> Error {
    let mut places: Vec<text::NearMatch> = found
        .iter()
        .map(|&at| text::NearMatch {
            start: at,
            end: at + quote.len(),
        })
        .chain(alikes.iter().copied())
        .collect();
    places.sort_by_key(|m| m.start);
    let total = places.len();
    let mut list: Vec<String> = places
        .iter()
        .take(PLACES_SHOWN)
        .enumerate()
        .map(|(i, m)| {
            let exact = found.contains(&m.start) && m.end - m.start == quote.len();
            format!(
                "{}: {}{}",
                i + 1,
                place(src, m),
                match exact {
                    true => ", as typed".to_string(),
                    false => format!(", with other {}", differences(src, m, quote)),
                }
            )
        })
        .collect();
    if total > PLACES_SHOWN {
        list.push(format!(
            "and {} more",
            text::grouped((total - PLACES_SHOWN) as u64)
        ));
    }
    let spans: Vec<String> = places
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{} for {}",
                whole_span(src, m.start, m.end, spelling),
                i + 1
            )
        })
        .collect();
    Error::invalid(
        format!(
            "the quote reads the same at {total} places in {id}, which differ only in what a reader does not see: {}",
            list.join("; ")
        ),
        format!(
            "claim the one you mean by its span ({}{}); {} counts copies byte for byte only",
            spans.join(", "),
            if total > 3 { ", …" } else { "" },
            spelling.name("occurrence")
        ),
    )
}

/// Places shown in an "occurs n times" error; the rest are counted.
const PLACES_SHOWN: usize = 10;

/// Near matches shown in a "does not occur" error; the rest are counted.
const NEAR_MATCHES_SHOWN: usize = 3;

/// Longest piece of the source's text quoted in that error (characters).
const NEAR_MATCH_CHARS: usize = 80;

/// The error for a quote that does not occur in the source. When it occurs
/// once typography and case are set aside ([`text::near_matches`]: text
/// copied from a browser or a PDF often has straight quotes for curly ones,
/// a hyphen for a dash, other line breaks), the error says where and in
/// what it differs, and the hint gives the span of the source's own text:
/// the claim is still only ever the exact bytes, chosen by the analyst.
fn not_found(
    src: &str,
    quote: &str,
    id: &str,
    spelling: Spelling,
    occurrence: Option<usize>,
) -> Error {
    let span = spelling.name("span");
    // A spreadsheet saved again with other line ends (Notepad, git's
    // `core.autocrlf`) since its quotes were taken from the source: a
    // multi-line quote then differs from the source in its line ends
    // alone. Said so, with the command that gives the file its line ends
    // back, as a source text cell in that state is told (it was "other
    // spacing" and a span to use instead).
    // (Only that way round: a sheet with LF line ends against a source
    // with CRLF ones was never saved otherwise, and `sed` adding CRs
    // doubles those a partly converted file has; its quote takes the
    // near-match error and a span.)
    if spelling == Spelling::Csv && quote.contains("\r\n") {
        let lf = quote.replace("\r\n", "\n");
        if src.contains(lf.as_str()) {
            return Error::invalid(
                format!(
                    "the quote does not occur in {id} as given: its line ends are CRLF, and {id}'s LF (the file was saved with Windows line ends since the quote was copied: Notepad, git's core.autocrlf)"
                ),
                "give the file its LF line ends again (`sed -i 's/\\r$//' FILE` does) and import it",
            );
        }
    }
    // Copied from `show S --text`, which prints a tab as `\t` and an
    // invisible character as `\u{200f}`: the quote holds the escapes as
    // typed, the source the characters. Said so, with the span (a shell
    // does not type a tab or a right-to-left mark).
    if let Some((at, end)) = text::find_shown(src, quote) {
        let (l, c) = text::line_col(src, at);
        return Error::invalid(
            format!(
                "the quote does not occur in {id} as typed: it holds escapes as `show` prints them (`\\t`, `\\u{{…}}`), where the source has the characters themselves, at line {l} col {c} (bytes {at}..{end})"
            ),
            format!("to claim the source's own text, use {}", use_span(src, at, end, spelling)),
        );
    }
    // Copied with a space or a line break at an end, where the source has
    // a comma or a closing quotation mark: the words alone are looked for
    // (a claim neither begins nor ends with white space).
    if let Some(e) = blank_edged(src, quote, id, spelling, occurrence) {
        return e;
    }
    let near = text::near_matches(src, quote);
    let Some(first) = near.first() else {
        // Parts of a word or two are found almost anywhere, and parts far
        // apart are not one passage quoted with words left out: the
        // passage between them would mean nothing.
        if let Some(parts) = text::elided_parts(src, quote).filter(|parts| {
            let chars: usize = parts
                .iter()
                .map(|m| text::weight(&src[m.start..m.end]))
                .sum();
            let passage = parts[parts.len() - 1].end - parts[0].start;
            chars >= PARTIAL_MIN_CHARS && passage <= ELIDED_PASSAGE_MAX.max(4 * quote.len())
        }) {
            return elided(src, id, &parts, spelling);
        }
        if let Some(e) = text::partial_match(src, quote, PARTIAL_MIN_CHARS)
            .and_then(|m| parted(src, quote, id, &m, spelling))
        {
            return e;
        }
        return Error::invalid(
            format!("the quote does not occur in {id}"),
            format!(
                "copy the text exactly (quotes, apostrophes and dashes included), or use {span}"
            ),
        );
    };
    let shown = |m: &text::NearMatch| shown(src, m, quote);
    let use_span = |m: &text::NearMatch| use_span(src, m.start, m.end, spelling);
    if let [only] = &near[..] {
        return Error::invalid(
            format!(
                "the quote does not occur in {id} as given, but with other {} it does, at {}",
                differences(src, only, quote),
                shown(only)
            ),
            format!("to claim the source's own text, use {}", use_span(only)),
        );
    }
    let mut list: Vec<String> = near
        .iter()
        .take(NEAR_MATCHES_SHOWN)
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{}: other {}, {}",
                i + 1,
                differences(src, m, quote),
                shown(m)
            )
        })
        .collect();
    if near.len() > NEAR_MATCHES_SHOWN {
        list.push(format!(
            "and {} more",
            text::grouped((near.len() - NEAR_MATCHES_SHOWN) as u64)
        ));
    }
    Error::invalid(
        format!(
            "the quote does not occur in {id} as given, but {} near matches do: {}",
            near.len(),
            list.join("; ")
        ),
        // The occurrence asked for, when there is one: the hint's example
        // was the first, which claimed another place than the one meant.
        match occurrence.and_then(|k| near.get(k.wrapping_sub(1))) {
            Some(meant) => format!(
                "to claim the source's own text at occurrence {}, use {}",
                occurrence.unwrap_or(1),
                use_span(meant)
            ),
            None => format!(
                "to claim the source's own text, use the span of the one you mean, e.g. {}",
                use_span(first)
            ),
        },
    )
}

/// The error for a quote that begins or ends with white space (or a
/// character that draws nothing, [`text::quote_edges`]) and does not occur
/// as given, when its words alone occur, exactly or as a near match: that
/// it begins or ends so, and where the words are, with their span. `None`
/// when the quote has no such edge, or its words do not occur either.
fn blank_edged(
    src: &str,
    quote: &str,
    id: &str,
    spelling: Spelling,
    occurrence: Option<usize>,
) -> Option<Error> {
    let (lead, trail) = text::quote_edges(quote);
    let words = quote.get(lead..quote.len().checked_sub(trail)?)?;
    if lead + trail == 0 || words.is_empty() {
        return None;
    }
    let said = crate::log::blank_edges(quote, lead, trail);
    let mut found = text::occurrences(src, words);
    found.retain(|&at| {
        text::is_grapheme_boundary(src, at) && text::is_grapheme_boundary(src, at + words.len())
    });
    let pick = match (found.len(), occurrence) {
        (0, _) => None,
        (1, None) => found.first(),
        (_, Some(k)) => found.get(k.wrapping_sub(1)),
        (_, None) => None,
    };
    if let Some(&at) = pick {
        let m = text::NearMatch {
            start: at,
            end: at + words.len(),
        };
        return Some(Error::invalid(
            format!(
                "{said}, and without it the quote occurs in {id} at {}",
                place(src, &m)
            ),
            format!("give the words alone: {}", spelling.span(m.start, m.end)),
        ));
    }
    if !found.is_empty() {
        return Some(Error::invalid(
            format!(
                "{said}, and without it the quote occurs {} times in {id}",
                text::grouped(found.len() as u64)
            ),
            format!(
                "give the words alone with {}, and choose one with {} (1 to {})",
                spelling.name("quote"),
                spelling.value("occurrence", "K"),
                found.len()
            ),
        ));
    }
    if text::near_matches(src, words).is_empty() {
        return None;
    }
    match not_found(src, words, id, spelling, occurrence) {
        Error::Invalid { what, hint } => Some(Error::invalid(
            format!("{said}, and without it {what}"),
            hint,
        )),
        other => Some(other),
    }
}

/// Where `m` is and the text it covers, for a message: "line 5 col 78
/// (bytes 442..567): `Seven civilians…`".
fn shown(src: &str, m: &text::NearMatch, quote: &str) -> String {
    let found = cut(&src[m.start..m.end]);
    // Where the difference is a character that draws nothing or a space
    // of another width, the source's own text is shown with it escaped:
    // shown as it is, `Web\u{200b}copy` looked just like the `Webcopy`
    // typed. (Elsewhere these stay, as scripts need them: a zero-width
    // non-joiner in Persian.)
    let ds = text::Difference::between(&src[m.start..m.end], quote);
    let joiners = ds.contains(&text::Difference::Joiners);
    let found = if ds.contains(&text::Difference::Invisible)
        || ds.contains(&text::Difference::Spacing)
        || joiners
    {
        found
            .chars()
            .map(|c| match c {
                ' ' | '\n' | '\t' => c.to_string(),
                c if c.is_whitespace()
                    || text::is_invisible_in_copy(c)
                    || text::is_variation_selector(c)
                    || (joiners && matches!(c, '\u{200c}' | '\u{200d}')) =>
                {
                    format!("\\u{{{:x}}}", c as u32)
                }
                c => c.to_string(),
            })
            .collect()
    } else {
        found
    };
    format!("{}: `{}`", place(src, m), text::escape(&found))
}

/// "line 5 col 78 (bytes 442..567)".
fn place(src: &str, m: &text::NearMatch) -> String {
    let (l, c) = text::line_col(src, m.start);
    format!("line {l} col {c} (bytes {}..{})", m.start, m.end)
}

/// `piece` cut to [`NEAR_MATCH_CHARS`] characters, `…` marking the cut.
fn cut(piece: &str) -> String {
    if piece.chars().count() > NEAR_MATCH_CHARS {
        let head: String = piece.chars().take(NEAR_MATCH_CHARS - 1).collect();
        format!("{head}…")
    } else {
        piece.to_string()
    }
}

/// How to give the span `start..end` instead of the quote, as the command
/// line or an import line says it.
fn use_span(src: &str, start: usize, end: usize, spelling: Spelling) -> String {
    let quote = match spelling {
        Spelling::Csv => "the quote".to_string(),
        _ => spelling.name("quote"),
    };
    format!(
        "{} instead of {quote}",
        whole_span(src, start, end, spelling)
    )
}

/// `--span A..B` of `[start, end)` widened to whole characters as the
/// reader sees them: a near match found with typography set aside may end
/// inside an emoji sequence or before a combining mark, and such a span is
/// refused.
fn whole_span(src: &str, start: usize, end: usize, spelling: Spelling) -> String {
    let (start, _) = text::grapheme_boundaries_around(src, start);
    let (_, end) = text::grapheme_boundaries_around(src, end);
    spelling.span(start, end)
}

/// The error for a quote that leaves text out ("A … B"), whose parts were
/// found in order: a claim is one exact span, so the hint offers the span
/// from the first part's start to the last one's end, which holds the
/// words left out too.
fn elided(src: &str, id: &str, parts: &[text::NearMatch], spelling: Spelling) -> Error {
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let places: Vec<String> = parts.iter().map(|m| place(src, m)).collect();
    let found = match places.as_slice() {
        [one] => format!("without the ellipsis it occurs at {one}"),
        [rest @ .., last] => format!(
            "its {} parts occur in order at {} and {last}",
            parts.len(),
            rest.join(", ")
        ),
        [] => String::new(),
    };
    let span = use_span(src, first.start, last.end, spelling);
    Error::invalid(
        format!(
            "the quote leaves text out (an ellipsis), and a claim is one exact span of {id}: {found}"
        ),
        match parts.len() {
            1 => format!("to claim that text, use {span}"),
            _ => format!(
                "claim the whole passage, the words left out included, with {span}, or each part as a claim of its own"
            ),
        },
    )
}

/// Longest passage (bytes) offered for a quote with words left out, unless
/// the quote itself is long: about a paragraph.
const ELIDED_PASSAGE_MAX: usize = 1000;

/// Shortest beginning or end of a quote worth showing where the rest
/// parts from the source: shorter ones (a word or two) are found almost
/// anywhere and say nothing about what the analyst meant.
const PARTIAL_MIN_CHARS: usize = 12;

/// The error for a quote whose beginning or end occurs in the source but
/// not the whole: where the part is, and what the source and the quote
/// each have where they part ways. `None` when the part is too short to
/// tell anything.
fn parted(
    src: &str,
    quote: &str,
    id: &str,
    m: &text::PartialMatch,
    spelling: Spelling,
) -> Option<Error> {
    let chars = quote[m.quote.clone()].chars().count();
    let weight = text::weight(&quote[m.quote.clone()]);
    if weight < PARTIAL_MIN_CHARS || weight * 4 < text::weight(quote) {
        return None;
    }
    let others = match m.others {
        0 => String::new(),
        n => format!(" (and at {})", text::count(n as u64, "other place")),
    };
    let found = place(src, &m.found);
    let (what, diverge) = if m.quote.start == 0 {
        (
            format!("its first {chars} characters do, at {found}{others}"),
            format!(
                "then the source has {} where the quote has {}",
                excerpt(&src[m.found.end..], false),
                excerpt(&quote[m.quote.end..], false)
            ),
        )
    } else {
        (
            format!("its last {chars} characters do, at {found}{others}"),
            format!(
                "before them the source has {} where the quote has {}",
                excerpt(&src[..m.found.start], true),
                excerpt(&quote[..m.quote.start], true)
            ),
        )
    };
    // An import's source labelled `@name` is not in the log yet: `show`
    // cannot print it.
    let from = match id.starts_with('@') {
        true => "the source's text".to_string(),
        false => format!("`claimtrail show {id} --text`"),
    };
    Some(Error::invalid(
        format!("the quote does not occur in {id}; {what}, and {diverge}"),
        format!(
            "copy the passage exactly from {from}, or use {}",
            spelling.name("span")
        ),
    ))
}

/// Up to 24 characters of `s` for a message, its first or (`last`) its
/// last ones, `…` marking what is cut; "nothing" for empty text.
fn excerpt(s: &str, last: bool) -> String {
    const SHOWN: usize = 24;
    let n = s.chars().count();
    if n == 0 {
        return "nothing".into();
    }
    let cut = if n <= SHOWN {
        s.to_string()
    } else if last {
        format!("…{}", s.chars().skip(n - SHOWN).collect::<String>())
    } else {
        format!("{}…", s.chars().take(SHOWN).collect::<String>())
    };
    let shown = text::escape(&cut).into_owned();
    // The character where the texts part is the difference: one that
    // draws nothing there (a Persian non-joiner, a joiner, a variation
    // selector) is written as its code point, or the two sides looked the
    // same (`‌کنیم».` where the quote has `کنیم`).
    let hidden = |c: char| matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ad}');
    let shown = match last {
        false => match shown.chars().next() {
            Some(c) if hidden(c) => format!("\\u{{{:x}}}{}", c as u32, &shown[c.len_utf8()..]),
            _ => shown,
        },
        true => match shown.chars().next_back() {
            Some(c) if hidden(c) => format!(
                "{}\\u{{{:x}}}",
                &shown[..shown.len() - c.len_utf8()],
                c as u32
            ),
            _ => shown,
        },
    };
    format!("`{shown}`")
}

/// What `m` differs in from the quote: "quotation marks or apostrophes,
/// dashes and letter case".
fn differences(src: &str, m: &text::NearMatch, quote: &str) -> String {
    let ds = text::Difference::between(&src[m.start..m.end], quote);
    let names: Vec<&str> = ds.iter().map(|d| d.name()).collect();
    match names.as_slice() {
        [] => "typography".into(),
        [one] => (*one).into(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_people_paste_are_accepted_and_other_text_is_not() {
        for ok in [
            "https://www.al-monitor.com/originals/2022/07/five-children-dead-russia-resumes-bombing-northwest-syria",
            "http://example.org",
            "HTTPS://example.org/a?b=c#d",
            "https://web.archive.org/web/20220722/https://twitter.com/SyriaCivilDef/status/1",
            "https://example.org/%20spaced",
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
            "mailto:desk@example.org",
            "doi:10.1000/182",
            "https://EXAMPLE.org:8443/x",
            "https://xn--e1afmkfd.xn--p1ai/",
            "https://\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}/",
            // A host typed in decomposed form (an accent apart).
            "https://cafe\u{301}.fr/",
            // Latin with Japanese or Chinese, as those names are written.
            "https://ntt\u{30c9}\u{30b3}\u{30e2}.jp/",
            "https://bbc\u{4e2d}\u{6587}.com/news",
            "https://xn--bbc-x68do18h.com/",
            "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a",
            "http://[::1]:8080/",
            "http://127.0.0.1:8000/",
            "at://did:plc:abc/app.bsky.feed.post/3k",
            "hdl:10.1000/1",
            "ftp://ftp.example.org/pub/statement.txt",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("not a url", "it contains a space"),
            ("www.al-monitor.com/x", "does not start with a scheme"),
            ("al-monitor.com", "does not start with a scheme"),
            ("", "does not start with a scheme"),
            (
                "https:/example.org",
                "https: must be followed by // and a host",
            ),
            ("https:///path", "must be followed by // and a host"),
            ("https://example.org/\nx", "U+000A"),
            ("1http://x", "does not start with a scheme"),
            ("javascript:alert(1)", "a javascript: address is not where"),
            ("JavaScript:alert(1)", "a javascript: address"),
            ("data:text/html;base64,PHNjcmlwdD4=", "a data: address"),
            ("vbscript:x", "a vbscript: address"),
            ("file:///etc/passwd", "a file: address"),
            ("view-source:https://x.example/", "a view-source: address"),
            ("smb://evil.example/share/report.pdf", "a smb: address"),
            (
                "search-ms:query=report&crumb=location:x",
                "a search-ms: address",
            ),
            ("ms-settings:privacy", "a ms-settings: address"),
            ("its:c:\\x.chm::/a.htm", "a its: address"),
            ("vscode://file/etc/passwd", "a vscode: address"),
            (
                "itms-services://?action=download-manifest",
                "a itms-services: address",
            ),
            (
                "https://www.reuters.com%2Fworld@evil.example/a",
                "a user name before an @",
            ),
            ("https://www.reuters.com/world/\u{202e}fdp.exe", "U+202E"),
            ("https://www.reuters\u{200b}.com/", "U+200B"),
            (
                "https://fa.wikipedia.org/wiki/\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}",
                "the character U+200C (a browser writes it percent-encoded: %E2%80%8C)",
            ),
            ("LiveScript:x", "a livescript: address"),
            // Nothing after the scheme; what a browser would not open.
            ("urn:", "nothing follows its scheme urn:"),
            ("doi:", "nothing follows its scheme doi:"),
            (
                "http://[::1",
                "a browser would not open it (invalid IPv6 address)",
            ),
            ("https://example.com:99999/", "(invalid port number)"),
            // A host that a browser reads as another.
            (
                "https://www.reuters.com%2E%65%76%69%6C%2E%65%78%61%6D%70%6C%65/world/",
                "which a browser reads as `www.reuters.com.evil.example`, so it shows one site and goes to another",
            ),
            (
                "https://www.bbc.co.uk\u{3002}evil.example/",
                "reads as `www.bbc.co.uk.evil.example`",
            ),
            ("https://ex%61mple.com/", "reads as `example.com`"),
            ("http://[::ffff:127.0.0.1]/admin", "reads as `[::ffff:7f00:1]`"),
            // Programs of the reader's machine, by whatever name.
            ("steam://run/1", "a steam: address opens a program"),
            ("zoommtg://zoom.us/join?confno=1", "a zoommtg: address"),
            ("chrome-extension://abcdefghijklmnop/x.html", "a chrome-extension: address"),
            ("ssh://evil.example", "a ssh: address"),
            (
                "ftp://www.reuters.com%2E%65vil.example/x",
                "reads as `www.reuters.com.evil.example`",
            ),
            ("gopher://reuters.com/", "a gopher: address"),
            ("irc://irc.example/desk", "an irc: address"),
            (
                "ftp://anonymous@ftp.example.org/pub/report.pdf",
                "it names the anonymous log-in before an @",
            ),
            ("x-apple.systempreferences:com.apple.preference.security", "a x-apple.systempreferences: address"),
            // What no IRI holds: an RDF reader refused a whole report.
            ("https://a.example/<x>", "it contains `<`, which no URL holds as it is (a browser writes it %3C)"),
            ("https://a.example/q?\"x\"", "it contains `\"`"),
            ("https://a.example/{a}", "it contains `{`"),
            ("https://a.example/a|b", "it contains `|`"),
            ("https://a.example/a\\b", "it contains `\\`"),
            ("https://a.example/a^b", "it contains `^`"),
            ("https://a.example/a`b", "it contains a backquote"),
            ("https://a.example/100%zz", "`%zz` is no percent escape"),
            ("https://a.example/100%", "`%` is no percent escape"),
        ] {
            let e = check_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
