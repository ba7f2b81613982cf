//! The recording pipeline: [`RecordState`] and [`RecordingConfig`] say what
//! to record and where, [`RecordingWrapper`] captures frames, a
//! [`writer::VideoWriter`] streams them to an encoder thread, and
//! [`probe`] reads written videos back; a [`Manifest`] describes a folder's
//! videos (JSON sidecars, `index.jsonl`, an `index.html` gallery).

mod gallery;
pub mod manifest;
mod observer;
pub mod overlay;
pub mod probe;
mod recorder;
pub mod sink;
mod state;
pub mod tile;
pub mod trigger;
pub mod vector;
mod video;
mod wrapper;
pub mod writer;

pub use manifest::{Manifest, ManifestEntry};
pub use observer::RecordingObserver;
pub use overlay::Overlay;
pub use recorder::RecordingReport;
pub use sink::VideoFormat;
pub use state::{RecordMethod, RecordState, RecordingConfig};
pub use trigger::{Trigger, TriggerSpec, TriggerTarget};
pub use vector::{VectorFrames, VectorRecordingWrapper};
pub use video::{EpisodeInVideo, RecordedVideo, VideoStart};
pub use wrapper::RecordingWrapper;
