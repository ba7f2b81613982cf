//! A run: [`SharedWriter`], one writer for the parts of a program that log
//! to it, and [`free_run_dir`], a run folder of its own.

use super::writer::{EVENT_FILE_PREFIX, SummaryWriter};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A [`SummaryWriter`] shared by the parts of a program that log to one
/// run (a training callback and the recorders of its clips), possibly not
/// open yet. Clones share one writer.
///
/// ```
/// use gymrec::tensorboard::{SharedWriter, SummaryWriter};
///
/// # fn main() -> gymrec::Result<()> {
/// let shared = SharedWriter::empty();
/// assert!(shared.with(|w| w.add_scalar("x", 0, 1.0)).is_none()); // not open: nothing written
/// let run = std::env::temp_dir().join(format!("gymrec-doc-shared-{}", std::process::id()));
/// shared.clone().set(SummaryWriter::create(&run)?);
/// shared.with(|w| w.add_scalar("x", 0, 1.0)).transpose()?;
/// assert_eq!(shared.with(|w| Ok(w.events())).transpose()?, Some(2));
/// # std::fs::remove_dir_all(&run).ok();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedWriter(std::sync::Arc<std::sync::Mutex<Option<SummaryWriter>>>);

impl SharedWriter {
    /// A handle with no writer yet.
    pub fn empty() -> Self {
        SharedWriter::default()
    }

    /// A handle on `writer`.
    pub fn new(writer: SummaryWriter) -> Self {
        let shared = SharedWriter::empty();
        shared.set(writer);
        shared
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<SummaryWriter>> {
        // A panic while writing leaves at worst unflushed events behind.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts `writer` in (for every clone); returns the one it replaces.
    pub fn set(&self, writer: SummaryWriter) -> Option<SummaryWriter> {
        self.lock().replace(writer)
    }

    /// Takes the writer out (dropping it flushes it).
    pub fn take(&self) -> Option<SummaryWriter> {
        self.lock().take()
    }

    /// Whether a writer is in.
    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    /// Calls `f` with the writer; `None` when there is none.
    pub fn with<T>(&self, f: impl FnOnce(&mut SummaryWriter) -> Result<T>) -> Option<Result<T>> {
        self.lock().as_mut().map(f)
    }
}

/// Whether `dir` holds an event file.
fn has_event_files(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(dir, e))?;
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(EVENT_FILE_PREFIX)
                {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// `dir`, or `dir_2`, `dir_3`, …: the first that holds no event file, so
/// that a new run is never merged into an earlier one of the same name.
/// Errors with [`Error::Io`] when a folder cannot be listed.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("gymrec-doc-free-run-{}", std::process::id()));
/// assert_eq!(gymrec::tensorboard::free_run_dir(&dir)?, dir);
/// let writer = gymrec::tensorboard::SummaryWriter::create(&dir)?;
/// let next = gymrec::tensorboard::free_run_dir(&dir)?;
/// assert_eq!(next.file_name().unwrap().to_string_lossy(), format!("{}_2", dir.file_name().unwrap().to_string_lossy()));
/// # drop(writer);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), gymrec::Error>(())
/// ```
pub fn free_run_dir(dir: &Path) -> Result<PathBuf> {
    if !has_event_files(dir)? {
        return Ok(dir.to_path_buf());
    }
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for n in 2..10_000u32 {
        let candidate = dir.with_file_name(format!("{name}_{n}"));
        if !has_event_files(&candidate)? {
            return Ok(candidate);
        }
    }
    Err(Error::AlreadyExists {
        path: dir.to_path_buf(),
        advice: "every numbered variant of this run folder holds event files; choose another \
                 experiment name or logdir"
            .into(),
    })
}
