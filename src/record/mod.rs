//! The recording pipeline: [`RecordState`] and [`RecordingConfig`] say what
//! to record and where, [`RecordingWrapper`] captures frames, a
//! [`writer::VideoWriter`] streams them to an encoder thread, and
//! [`probe`] reads written videos back.

mod observer;
pub mod probe;
pub mod sink;
mod state;
pub mod trigger;
mod video;
mod wrapper;
pub mod writer;

pub use observer::RecordingObserver;
pub use state::{RecordMethod, RecordState, RecordingConfig};
pub use trigger::{Trigger, TriggerSpec, TriggerTarget};
pub use video::{EpisodeInVideo, RecordedVideo, VideoStart};
pub use wrapper::{RecordingReport, RecordingWrapper};
