//! gymrec's log warnings re-issued as Python `UserWarning`s.
//!
//! gymrec logs through `log` (an fps fallback, a video stopped by a full
//! disk), from the env thread and from its encoder threads. The logger
//! installed here only queues the messages, without touching Python, so an
//! encoder thread never waits for the GIL while the env thread waits for
//! it; [`flush`] issues them with `warnings.warn` at the end of each call
//! from Python.

use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Messages logged since the last [`flush`].
static QUEUE: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Whether [`QUEUE`] may hold messages (so that [`flush`] costs a load).
static PENDING: AtomicBool = AtomicBool::new(false);

struct Forward;

impl log::Log for Forward {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
            && (metadata.target().starts_with("gymrec") || metadata.target().starts_with("_native"))
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut queue = QUEUE
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            queue.push(format!("gymrec: {}", record.args()));
            PENDING.store(true, Ordering::Release);
        }
    }

    fn flush(&self) {}
}

/// Installs the queueing logger, unless the process has a logger already.
pub fn install() {
    static LOGGER: Forward = Forward;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

/// How many messages are queued (to [`discard_after`] them).
pub fn mark() -> usize {
    QUEUE.lock().map_or(0, |queue| queue.len())
}

/// Drops the messages queued after `mark`: those of an attempt that is
/// made again.
pub fn discard_after(mark: usize) {
    if let Ok(mut queue) = QUEUE.lock() {
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
    let messages = std::mem::take(&mut *QUEUE.lock().unwrap_or_else(|p| p.into_inner()));
    let category = py.get_type::<PyUserWarning>();
    for message in messages {
        let text = std::ffi::CString::new(message.replace('\0', " "))
            .unwrap_or_else(|_| c"gymrec: a warning".to_owned());
        PyErr::warn(py, &category, &text, 2)?;
    }
    Ok(())
}
