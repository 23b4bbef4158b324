//! Files named on the command line, read with a bound. A path given by
//! mistake (a video, a disk image, `/dev/zero`, a FIFO that never ends) is
//! read no further than one byte past the largest file the command takes,
//! and refused then, instead of being loaded whole or read forever.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The file at `path`, opened to be read: its metadata, and a reader of
/// its bytes.
///
/// A pipe is read as a file is (`<(curl …)`, which the shell gives as
/// `/dev/fd/63`), but a pipe that no program is writing to is refused at
/// once: opening a named pipe (FIFO) waited for a writer that never came
/// (one unpacked from an archive of evidence, given as a bundle, a key or
/// an import file). A directory is not refused here: each caller says why
/// it wants a file.
pub fn open(path: &Path) -> Result<Input> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    use std::os::unix::io::AsRawFd;
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        reason: crate::keys::io_reason(&e),
    };
    // Opened without waiting for a writer, then made to wait for data again.
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    // Zeroized: a key given through a pipe (`<(pass show key)`) passes here.
    let mut first = zeroize::Zeroizing::new(Vec::new());
    if meta.file_type().is_fifo() {
        // With O_NONBLOCK, a pipe with no writer reads as its end; one
        // whose writer has not written yet, as "would block".
        first.resize(64 * 1024, 0);
        match f.read(&mut first) {
            // `<(grep nothing)` or `… | claimtrail import /dev/stdin`: a
            // pipe whose program has written nothing and ended is empty
            // input, as `-` and an empty file are.
            Ok(0) if anonymous_pipe(path) => first.clear(),
            Ok(0) => {
                return Err(Error::invalid(
                    format!(
                        "{} is a pipe (a FIFO) that no program is writing to",
                        path.display()
                    ),
                    "give the file itself (a pipe is read only while a program writes into it)",
                ))
            }
            Ok(n) => first.truncate(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => first.clear(),
            Err(e) => return Err(io(e)),
        }
    }
    // SAFETY: fcntl on a descriptor this function owns, with flags it read.
    let blocking = unsafe {
        let fd = f.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) == 0
    };
    if !blocking {
        return Err(io(std::io::Error::last_os_error()));
    }
    Ok(Input {
        meta,
        reader: Box::new(std::io::Cursor::new(first).chain(f)),
    })
}

/// Whether `path` leads, through links, to a pipe that has no name in the
/// file system (`/dev/fd/63`, `/dev/stdin`: Linux shows its target as
/// `pipe:[…]`), which its program made and may already have closed; a
/// named pipe (FIFO) on the disk waits for a program to open it.
fn anonymous_pipe(path: &Path) -> bool {
    let mut p = path.to_path_buf();
    for _ in 0..8 {
        match std::fs::read_link(&p) {
            Ok(t) if t.as_os_str().as_encoded_bytes().starts_with(b"pipe:[") => return true,
            Ok(t) => p = p.parent().map_or(t.clone(), |d| d.join(&t)),
            Err(_) => return false,
        }
    }
    false
}

/// A file opened by [`open`].
pub struct Input {
    pub meta: std::fs::Metadata,
    pub reader: Box<dyn Read + Send>,
}

/// The file at `path`, but no more than `cap + 1` bytes of it: a result
/// longer than `cap` means the file is, and the caller refuses it in its
/// own terms. A directory is refused as one; a pipe as [`open`] says.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let input = open(path)?;
    if input.meta.is_dir() {
        return Err(Error::IsDirectory(path.to_path_buf()));
    }
    let mut data = Vec::with_capacity(input.meta.len().min(cap + 1) as usize);
    input
        .reader
        .take(cap + 1)
        .read_to_end(&mut data)
        .map_err(|e| Error::Io {
            path: path.to_path_buf(),
            reason: crate::keys::io_reason(&e),
        })?;
    Ok(data)
}

/// How much a [`read_capped`] read holds, said of the file: `N bytes`, or
/// `more than CAP bytes` when the read stopped past the cap (the count
/// read, one more than the cap, was given as the file's size).
pub fn size_read(read: usize, cap: usize) -> String {
    match read > cap {
        true => format!("more than {cap} bytes"),
        false => format!("{read} bytes"),
    }
}

/// [`read_capped`] for a file of a directory that someone else made (a
/// published log, a mirror): it must be a regular file, as everything
/// claimtrail writes there is. A FIFO there would block the read until
/// a writer came (opening it blocks already), and a device could be read
/// for ever, so anything else is refused before it is opened.
pub fn read_regular_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: crate::keys::io_reason(&e),
    })?;
    if !meta.is_file() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            reason: "not a regular file (a pipe, a device or a directory)".into(),
        });
    }
    read_capped(path, cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_files_and_one_byte_past_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_capped(&p, 10).unwrap(), b"0123456789");
        assert_eq!(read_capped(&p, 4).unwrap(), b"01234");
        assert!(matches!(
            read_capped(dir.path(), 4),
            Err(Error::IsDirectory(_))
        ));
        assert!(matches!(
            read_capped(&dir.path().join("none"), 4),
            Err(Error::Io { .. })
        ));
        // A file without end stops at the cap.
        #[cfg(unix)]
        assert_eq!(
            read_capped(Path::new("/dev/zero"), 1 << 20).unwrap().len(),
            (1 << 20) + 1
        );
        // Where only a regular file belongs, nothing else is opened: a
        // FIFO with no writer would block, /dev/zero never end.
        assert_eq!(read_regular_capped(&p, 10).unwrap(), b"0123456789");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a NUL-terminated path, and a mode.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            for special in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
                assert!(
                    matches!(read_regular_capped(special, 4), Err(Error::Io { ref reason, .. }) if reason.starts_with("not a regular file")),
                    "{special:?}"
                );
            }
            // Given as the file itself, a FIFO no program writes to is
            // refused at once (opening it waited for ever), and one that a
            // program writes into is read to its end, as `<(command)` is.
            assert!(matches!(
                read_capped(&fifo, 4),
                Err(Error::Invalid { ref what, .. }) if what.ends_with("is a pipe (a FIFO) that no program is writing to")
            ));
            let writer = {
                let fifo = fifo.clone();
                // A reader that probed before this open, and closed the
                // pipe, leaves the write a broken pipe (on a busy machine):
                // open again for the reader's next try.
                std::thread::spawn(move || loop {
                    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    use std::io::Write;
                    match w.write_all(b"0123456789") {
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => continue,
                        done => break done.unwrap(),
                    }
                })
            };
            // Until the writer has it open, the pipe has none: wait for it.
            let data = loop {
                match read_capped(&fifo, 100) {
                    Err(Error::Invalid { .. }) => std::thread::yield_now(),
                    other => break other.unwrap(),
                }
            };
            writer.join().unwrap();
            assert_eq!(data, b"0123456789");
        }
    }
}
