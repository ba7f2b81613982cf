//! The index's lock, so that a rewrite (retention removing a video's
//! lines) never loses a line another writer appends meanwhile: appenders
//! hold a shared `flock` on `index.jsonl` while they write, a rewrite an
//! exclusive one while it reads, writes a new file and renames it over the
//! old; an appender or rewriter that got the old file after the rename
//! opens the new one again (so neither a line appended nor a line removed
//! is undone). Advisory, on Unix; elsewhere a plain open.

use crate::{Error, Result};
use std::fs::File;
use std::path::Path;

/// The index at `path` opened for appending (created when missing) and
/// locked shared; the lock goes when the file is closed.
pub(super) fn open_for_append(path: &Path) -> Result<File> {
    loop {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        #[cfg(unix)]
        {
            fs4::FileExt::lock_shared(&file).map_err(|e| Error::io(path, e))?;
            if !is_current(&file, path) {
                continue; // a rewrite replaced it meanwhile
            }
        }
        return Ok(file);
    }
}

/// Whether `file` is still the one at `path`.
#[cfg(unix)]
fn is_current(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.ino() == named.ino() && open.dev() == named.dev(),
        _ => false,
    }
}

/// The index at `path` opened for reading and writing and locked
/// exclusively (held until the file is closed: rename the rewritten index
/// over it first); `None` when there is no index.
pub(super) fn open_exclusive(path: &Path) -> Result<Option<File>> {
    loop {
        let index = match File::options().read(true).write(true).open(path) {
            Ok(index) => index,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        #[cfg(unix)]
        {
            fs4::FileExt::lock(&index).map_err(|e| Error::io(path, e))?;
            if !is_current(&index, path) {
                continue; // another rewrite replaced it meanwhile
            }
        }
        return Ok(Some(index));
    }
}
