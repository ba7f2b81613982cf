//! The recording layer: Gymnasium `RecordVideo`'s semantics on top of the
//! [`video`](crate::video) layer. [`RecordState`] and [`RecordingConfig`]
//! say what to record and where, triggers say when, [`RecordingWrapper`]
//! (one env) and [`VectorRecordingWrapper`] (a vector env) capture frames
//! and hand them to a [`VideoWriter`](crate::video::VideoWriter);
//! [`RecordingObserver`]s hear of every video, and a [`RecordingReport`]
//! lists what was written. A video is written under a working name
//! ([`working_path`]) and gets its final name once complete; [`recover`]
//! names what a recorder that died left. Publishing a folder's videos (sidecars, index,
//! gallery) is the [`catalog`](crate::catalog) layer's job.

mod config;
mod finishing;
mod folder;
mod held;
mod judging;
mod keep;
mod observer;
pub mod overlay;
mod recorder;
mod recover;
mod report;
mod retention;
mod running;
mod state;
pub mod tile;
pub mod trigger;
pub mod vector;
mod video;
mod working;
mod wrapper;

pub use config::{RecordingConfig, StepVideos};
pub use held::{DEFAULT_HELD_SNAPSHOT_BYTES, SnapshotReplay};
pub use keep::{EpisodeEnd, Keep, Success};
pub use observer::RecordingObserver;
pub use overlay::{Overlay, OverlayContext};
pub use recorder::Recorder;
pub use recover::{RECOVERED_TRIGGER, recover};
pub use report::{RecordingReport, RecordingSource};
pub use state::{RecordMethod, RecordState};
pub use trigger::{Trigger, TriggerSpec, TriggerTarget};
pub use vector::{VectorFrames, VectorRecordingWrapper};
pub use video::{EpisodeInVideo, RecordedVideo, VideoStart};
pub use working::{WORKING_SUFFIX, working_path};
pub use wrapper::RecordingWrapper;
