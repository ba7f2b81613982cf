//! gymrec's errors as Python exceptions, with the same messages.

use gymrec::Error;
use pyo3::PyErr;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyOSError, PyPermissionError, PyValueError,
};
use std::io::ErrorKind;

/// The Python exception for `err`: a trigger's own exception as it was
/// raised (kept as the source of an [`Error::Env`]); `FileExistsError` for
/// an existing video; `OSError` (or its `FileNotFoundError` and
/// `PermissionError` subclasses) for what failed on disk or in the encoder;
/// `ValueError` for everything else, which is a setting or a frame the
/// caller gave.
pub fn to_pyerr(err: Error) -> PyErr {
    let err = match err {
        Error::Env { env, source } => match source.downcast::<PyErr>() {
            Ok(raised) => return *raised,
            Err(source) => Error::Env { env, source },
        },
        other => other,
    };
    let message = err.to_string();
    match &err {
        Error::AlreadyExists { .. } => PyFileExistsError::new_err(message),
        Error::Io { .. }
        | Error::Encode { .. }
        | Error::WriterStopped { .. }
        | Error::Manifest { .. }
        | Error::Image { .. }
        | Error::Json { .. }
        | Error::Decode { .. } => match err.io_kind() {
            Some(ErrorKind::NotFound) => PyFileNotFoundError::new_err(message),
            Some(ErrorKind::PermissionDenied) => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        _ => PyValueError::new_err(message),
    }
}
