//! gymrec's errors as Python exceptions, with the same messages in
//! Python's words.

use gymrec::Error;
use pyo3::PyErr;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyNotADirectoryError, PyOSError,
    PyPermissionError, PyValueError,
};
use std::io::ErrorKind;

/// The Python exception for `err`: a trigger's own exception as it was
/// raised (kept as the source of an [`Error::Env`]); `FileExistsError` for
/// an existing video or a folder path taken by a file; `OSError` (or its
/// `FileNotFoundError`, `PermissionError`, `NotADirectoryError` and
/// `IsADirectoryError` subclasses, by io kind) for what failed on disk or in
/// the encoder; `ValueError` for everything else, which is a setting or a
/// frame the caller gave. The message is gymrec's, in Python's words
/// ([`python_wording`]).
pub fn to_pyerr(err: Error) -> PyErr {
    let err = match err {
        Error::Env { env, source } => match source.downcast::<PyErr>() {
            Ok(raised) => return *raised,
            Err(source) => Error::Env { env, source },
        },
        other => other,
    };
    let message = python_wording(&err.to_string());
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
            Some(ErrorKind::AlreadyExists) => PyFileExistsError::new_err(message),
            Some(ErrorKind::NotADirectory) => PyNotADirectoryError::new_err(message),
            Some(ErrorKind::IsADirectory) => PyIsADirectoryError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        _ => PyValueError::new_err(message),
    }
}

/// The Rust API's words in gymrec's messages (`overwrite(true)`, a
/// builder call) replaced by the Python keywords the wrappers take.
pub fn python_wording(message: &str) -> String {
    const WORDS: [(&str, &str); 2] = [
        ("overwrite(true)", "overwrite=True"),
        ("overwrite(false)", "overwrite=False"),
    ];
    WORDS
        .iter()
        .fold(message.to_string(), |text, (rust, python)| {
            text.replace(rust, python)
        })
}
