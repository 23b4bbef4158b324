//! Files named on the command line, read with a bound. A path given by
//! mistake (a video, a disk image, `/dev/zero`, a FIFO that never ends) is
//! read no further than one byte past the largest file the command takes,
//! and refused then, instead of being loaded whole or read forever.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The file at `path`, but no more than `cap + 1` bytes of it: a result
/// longer than `cap` means the file is, and the caller refuses it in its
/// own terms. A directory is refused as one.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        reason: crate::keys::io_reason(&e),
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(Error::IsDirectory(path.to_path_buf()));
    }
    let mut data = Vec::with_capacity(meta.len().min(cap + 1) as usize);
    f.take(cap + 1).read_to_end(&mut data).map_err(io)?;
    Ok(data)
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
        }
    }
}
