//! Python callables as gymrec [`Trigger`]s.

use gymrec::Error;
use gymrec::record::Trigger;
use pyo3::prelude::*;

/// A trigger calling `callable(id)` and taking the truth of its result, as
/// Gymnasium does. The GIL is taken for the call (the recorder's events run
/// with it released). An exception raised by the callable is kept whole as
/// the source of an [`Error::Env`] named after `which` (`"episode_trigger"`),
/// so that [`to_pyerr`](crate::errors::to_pyerr) raises the very same
/// exception object in the caller.
pub fn from_callable(which: &'static str, callable: Py<PyAny>) -> Trigger {
    Trigger::try_new(move |id| {
        Python::attach(|py| {
            callable
                .bind(py)
                .call1((id,))
                .and_then(|fired| fired.is_truthy())
                .map_err(|raised| Error::env(which, raised))
        })
    })
}
