//! gymrec's errors as Python exceptions, with the same messages.

use gymrec::{Error, ErrorKind};
use pyo3::PyErr;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyOSError, PyPermissionError, PyRuntimeError,
    PyValueError,
};
use std::io;

/// The Python exception for `err`, chosen by its [`ErrorKind`]:
///
/// - a trigger's own exception as it was raised (kept as the source of an
///   [`Error::Env`]);
/// - `ValueError` for a setting, argument or frame the caller gave
///   (`Config`) and for what an env refused (`Env`);
/// - `FileExistsError` for an existing video (`AlreadyExists`);
/// - `OSError`, or its `FileNotFoundError` and `PermissionError` subclasses
///   by the I/O failure behind it, for what failed on disk (`Io`), in the
///   encoder (`Video`), in a folder's sidecars (`Catalog`) or in a
///   TensorBoard event file (`TensorBoard`);
/// - `RuntimeError` for a training failure (`Train`, not in this build).
pub fn to_pyerr(err: Error) -> PyErr {
    let err = match err {
        Error::Env { env, source } => match source.downcast::<PyErr>() {
            Ok(raised) => return *raised,
            Err(source) => Error::Env { env, source },
        },
        other => other,
    };
    let message = err.to_string();
    match err.kind() {
        ErrorKind::Config | ErrorKind::Env => PyValueError::new_err(message),
        ErrorKind::AlreadyExists => PyFileExistsError::new_err(message),
        ErrorKind::Io | ErrorKind::Video | ErrorKind::Catalog | ErrorKind::TensorBoard => {
            os_error(err.io_kind(), message)
        }
        ErrorKind::Train => PyRuntimeError::new_err(message),
        // `ErrorKind` is `#[non_exhaustive]`, so Rust requires this arm
        // outside gymrec. Every kind gymrec has today is named above; a
        // kind added later is a `RuntimeError` (never a `ValueError`) until
        // it gets its own arm.
        _ => PyRuntimeError::new_err(message),
    }
}

/// `OSError`, or its subclass for `kind`: `FileNotFoundError` for a missing
/// file or folder, `PermissionError` for one the process may not write.
fn os_error(kind: Option<io::ErrorKind>, message: String) -> PyErr {
    match kind {
        Some(io::ErrorKind::NotFound) => PyFileNotFoundError::new_err(message),
        Some(io::ErrorKind::PermissionDenied) => PyPermissionError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}
