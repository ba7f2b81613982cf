//! gymrec's errors as Python exceptions, with the same messages in
//! Python's words.

use gymrec::{Error, ErrorKind};
use pyo3::PyErr;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyNotADirectoryError, PyOSError,
    PyPermissionError, PyRuntimeError, PyValueError,
};
use std::io;

/// The Python exception for `err`, chosen by its [`ErrorKind`], with
/// gymrec's message in Python's words ([`python_wording`]):
///
/// - a trigger's own exception as it was raised (kept as the source of an
///   [`Error::Env`]);
/// - `ValueError` for a setting, argument or frame the caller gave
///   (`Config`) and for what an env refused (`Env`);
/// - `FileExistsError` for an existing video or a folder path taken by a
///   file (`AlreadyExists`);
/// - `OSError`, or its `FileNotFoundError`, `PermissionError`,
///   `FileExistsError`, `NotADirectoryError` and `IsADirectoryError`
///   subclasses by the I/O failure behind it, for what failed on disk
///   (`Io`), in the encoder (`Video`), in a folder's sidecars (`Catalog`) or
///   in a TensorBoard event file (`TensorBoard`) or for an experiment
///   tracker (`Tracker`);
/// - `RuntimeError` for a training failure (`Train`, not in this build).
pub fn to_pyerr(err: Error) -> PyErr {
    let err = match err {
        Error::Env { env, source } => match source.downcast::<PyErr>() {
            Ok(raised) => return *raised,
            Err(source) => Error::Env { env, source },
        },
        Error::FormatUnavailable {
            format,
            feature,
            available,
            ..
        } => return PyValueError::new_err(format_unavailable(&format, feature, &available)),
        other => other,
    };
    let message = python_wording(&err.to_string());
    match err.kind() {
        ErrorKind::Config | ErrorKind::Env => PyValueError::new_err(message),
        ErrorKind::AlreadyExists => PyFileExistsError::new_err(message),
        ErrorKind::Io
        | ErrorKind::Video
        | ErrorKind::Catalog
        | ErrorKind::TensorBoard
        | ErrorKind::Tracker => os_error(err.io_kind(), message),
        ErrorKind::Train => PyRuntimeError::new_err(message),
        // `ErrorKind` is `#[non_exhaustive]`, so Rust requires this arm
        // outside gymrec; it is never taken: every kind is named above, and
        // `MAPPED_KINDS` stops the build when gymrec adds one.
        _ => PyRuntimeError::new_err(message),
    }
}

/// How many kinds the match in [`to_pyerr`] names: a kind added to gymrec
/// fails this build until it has its arm there and this count follows.
const MAPPED_KINDS: usize = 9;
const _: () = assert!(
    ErrorKind::ALL.len() == MAPPED_KINDS,
    "gymrec has a new ErrorKind: give it its Python exception in to_pyerr"
);

/// `OSError`, or its subclass for `kind`.
fn os_error(kind: Option<io::ErrorKind>, message: String) -> PyErr {
    match kind {
        Some(io::ErrorKind::NotFound) => PyFileNotFoundError::new_err(message),
        Some(io::ErrorKind::PermissionDenied) => PyPermissionError::new_err(message),
        Some(io::ErrorKind::AlreadyExists) => PyFileExistsError::new_err(message),
        Some(io::ErrorKind::NotADirectory) => PyNotADirectoryError::new_err(message),
        Some(io::ErrorKind::IsADirectory) => PyIsADirectoryError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

/// What a build of the package without `feature` says when asked for
/// `format`: the formats it writes and what to install for the rest. The
/// Rust message names a Cargo feature; a Python user installed a wheel or
/// ran `pip install`, so this names those.
fn format_unavailable(format: &str, feature: &str, available: &[String]) -> String {
    let writes = if available.is_empty() {
        "none".to_string()
    } else {
        available.join(", ")
    };
    if feature == "ffmpeg" {
        format!(
            "gymrec: this build of the gymrec package links no FFmpeg (the wheel: MP4 through \
             OpenH264, GIF and PNG), so it cannot write {format} videos; pick a format it \
             writes ({writes}), or install gymrec built against the system FFmpeg, which \
             writes {format} and x264 MP4: FFmpeg's development packages, pkg-config and clang \
             (Debian/Ubuntu: `apt install pkg-config clang libavcodec-dev libavformat-dev \
             libavutil-dev libswscale-dev`) and a Rust toolchain, then `pip install ./python` \
             in gymrec's source tree (its README, \"Python\")"
        )
    } else {
        format!(
            "gymrec: this build of the gymrec package was built without the `{feature}` \
             feature, so it cannot write {format} videos; pick a format it writes ({writes}), \
             or install a build with it: `pip install ./python` in gymrec's source tree (its \
             default features) or `maturin build --features {feature}` in python/"
        )
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
