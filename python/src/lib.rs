//! `gymrec._native`: the Rust half of the `gymrec` Python package.
//!
//! The Python wrappers (`gymrec.RecordVideo`, `gymrec.vector.RecordVideo`)
//! translate an env's resets, steps and renders into the events of
//! [`gymrec::record::Recorder`], held here by [`recorder::PyRecorder`];
//! every rule of recording (counters, triggers, `video_length`, names, the
//! encoder, overlays, the manifest) is the Recorder's. This crate only
//! converts: Python callables into triggers ([`triggers`]), keep rules
//! and episode infos into gymrec's ([`keep`]), arrays into
//! pooled frames ([`frames`]), gymrec's errors into Python exceptions
//! ([`errors`]) and its log warnings into Python warnings ([`warnings`]).

mod errors;
mod frames;
mod keep;
mod recorder;
mod triggers;
mod warnings;

use gymrec::video::VideoFormat;
use pyo3::prelude::*;

/// Gymnasium's `capped_cubic_video_schedule`, as gymrec's default episode
/// trigger computes it: true for the perfect cubes below 1000 (0, 1, 8, …,
/// 729) and every multiple of 1000.
#[pyfunction]
fn capped_cubic_video_schedule(episode_id: u64) -> bool {
    gymrec::record::trigger::capped_cubic_video_schedule(episode_id)
}

/// Checks a velora `RecordState` the way gymrec's Rust `RecordState::to_wrapper`
/// does: a `"step"` method needs a step trigger, and an `"episode"` method
/// with only a step trigger is a contradiction. Raises `ValueError`.
#[pyfunction]
fn check_record_state(
    dirpath: std::path::PathBuf,
    method: &str,
    has_episode_trigger: bool,
    has_step_trigger: bool,
) -> PyResult<()> {
    use gymrec::record::{RecordMethod, RecordState, Trigger};
    let method = match method {
        "episode" => RecordMethod::Episode,
        "step" => RecordMethod::Step,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "RecordState.method is {other:?}; use \"episode\" or \"step\""
            )));
        }
    };
    let mut state = RecordState::new(dirpath, method);
    if has_episode_trigger {
        state = state.with_episode_trigger(Trigger::never());
    }
    if has_step_trigger {
        state = state.with_step_trigger(Trigger::never());
    }
    state.to_wrapper().map(|_| ()).map_err(errors::to_pyerr)
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    warnings::install();
    // Recorders tell a forked child from their own process by this count.
    if let Ok(register) = m.py().import("os")?.getattr("register_at_fork") {
        let hook = wrap_pyfunction!(recorder::forked, m)?;
        let kwargs = pyo3::types::PyDict::new(m.py());
        kwargs.set_item("after_in_child", hook)?;
        register.call((), Some(&kwargs))?;
    }
    m.add_class::<recorder::PyRecorder>()?;
    m.add_class::<keep::PyKeep>()?;
    m.add_class::<keep::PyEpisodeEnd>()?;
    m.add_function(wrap_pyfunction!(capped_cubic_video_schedule, m)?)?;
    m.add_function(wrap_pyfunction!(check_record_state, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let formats: Vec<&str> = VideoFormat::available()
        .into_iter()
        .map(VideoFormat::name)
        .collect();
    m.add("FORMATS", pyo3::types::PyTuple::new(m.py(), formats)?)?;
    let mp4 = VideoFormat::Mp4;
    m.add("MP4_BACKEND", mp4.is_available().then(|| mp4.feature()))?;
    Ok(())
}
