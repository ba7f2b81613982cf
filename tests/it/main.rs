//! The integration tests, as one test binary: each file is a module, so
//! the crate and its dependencies (FFmpeg's among them) are linked once
//! rather than once per file. Three stay binaries of their own, because
//! they measure the whole process: `not_recording.rs` and
//! `render_alloc.rs` install counting global allocators, and
//! `reliability.rs` counts the process's threads, files and memory.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "ffmpeg")]
mod colours;
mod custom_env;
mod deferred;
mod encode_pipeline;
mod errors;
mod formats;
mod forwarding;
mod gallery;
mod held;
#[cfg(feature = "gif")]
mod keep;
mod layers;
mod manifest;
#[cfg(feature = "mlflow")]
mod mlflow;
mod overlay;
mod policies;
mod posters;
mod properties;
mod recorder;
mod recording;
mod render_golden;
#[cfg(feature = "tensorboard")]
mod tensorboard;
#[cfg(feature = "train")]
mod train_callbacks;
#[cfg(feature = "train")]
mod train_errors;
#[cfg(feature = "train")]
mod train_learner;
#[cfg(feature = "train")]
mod train_metrics;
#[cfg(all(feature = "train", feature = "mlflow"))]
mod train_mlflow;
#[cfg(feature = "train")]
mod train_state;
mod vector;
mod working_names;
