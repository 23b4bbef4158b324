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
    }
}
