//! gymrec's log warnings re-issued as Python `UserWarning`s.
//!
//! gymrec logs through `log` (an fps fallback, a video stopped by a full
//! disk), from the env thread and from its encoder threads. The logger
//! installed here only queues the messages, without touching Python, so an
//! encoder thread never waits for the GIL while the env thread waits for
//! it; [`flush`] issues them with `warnings.warn` at the end of each call
//! from Python, in Python's words
//! ([`python_wording`](crate::errors::python_wording)).
//!
//! After `os.fork()` the queue's lock may have been held by a thread of the
//! parent, which does not exist in the child: there the lock is only tried
//! for a while ([`queue`]), so a forked child never hangs on it (it loses
//! the warnings instead).

use crate::errors::python_wording;
use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

/// Messages logged since the last [`flush`].
static QUEUE: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Whether [`QUEUE`] may hold messages (so that [`flush`] costs a load).
static PENDING: AtomicBool = AtomicBool::new(false);
/// The process the module was loaded in; another one is a forked child.
static LOADED_IN: AtomicU32 = AtomicU32::new(0);

struct Forward;

impl log::Log for Forward {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
            && (metadata.target().starts_with("gymrec") || metadata.target().starts_with("_native"))
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            if let Some(mut queue) = queue() {
                queue.push(format!("gymrec: {}", record.args()));
                PENDING.store(true, Ordering::Release);
            }
        }
    }

    fn flush(&self) {}
}

/// Installs the queueing logger, unless the process has a logger already.
pub fn install() {
    static LOGGER: Forward = Forward;
    LOADED_IN.store(std::process::id(), Ordering::Relaxed);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

/// The locked queue. In a forked child, `None` when the lock stays taken
/// for a second: by a parent's thread caught holding it at the fork, which
/// will never release it.
fn queue() -> Option<MutexGuard<'static, Vec<String>>> {
    if std::process::id() == LOADED_IN.load(Ordering::Relaxed) {
        return Some(
            QUEUE
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match QUEUE.try_lock() {
            Ok(queue) => return Some(queue),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// How many messages are queued (to [`discard_after`] them).
pub fn mark() -> usize {
    queue().map_or(0, |queue| queue.len())
}

/// Drops the messages queued after `mark`: those of an attempt that is
/// made again.
pub fn discard_after(mark: usize) {
    if let Some(mut queue) = queue() {
        queue.truncate(mark);
    }
}

/// Issues the queued messages as `UserWarning`s, attributed to the
/// caller of the wrapper's method (stack level 2). A warning filter that
/// turns them into errors makes this return the error.
pub fn flush(py: Python<'_>) -> PyResult<()> {
    if !PENDING.swap(false, Ordering::Acquire) {
        return Ok(());
    }
    let messages = queue().map(|mut queue| std::mem::take(&mut *queue));
    let category = py.get_type::<PyUserWarning>();
    for message in messages.unwrap_or_default() {
        let text = std::ffi::CString::new(python_wording(&message).replace('\0', " "))
            .unwrap_or_else(|_| c"gymrec: a warning".to_owned());
        PyErr::warn(py, &category, &text, 2)?;
    }
    Ok(())
}
