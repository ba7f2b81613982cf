//! The recording pipeline: [`RecordState`] and [`RecordingConfig`] say what
//! to record and where, [`RecordingWrapper`] captures frames, a
//! [`writer::VideoWriter`] streams them to an encoder thread, and
//! [`probe`] reads written videos back.

pub mod probe;
pub mod sink;
mod state;
pub mod trigger;
mod wrapper;
pub mod writer;

pub use state::{RecordMethod, RecordState, RecordingConfig};
pub use trigger::{Trigger, TriggerSpec, TriggerTarget};
pub use wrapper::{RecordingReport, RecordingWrapper};
