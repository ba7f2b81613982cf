//! # gymrec
//!
//! Record videos of reinforcement-learning environments.
//!
//! gymrec has a Gymnasium-style [`Env`] trait, a registry that makes envs by
//! id ([`make`]), Gymnasium's four classic-control envs with software
//! rendering that matches Gymnasium's pictures ([`env::classic`]), and a
//! [`RecordingWrapper`](record::RecordingWrapper) that streams rendered
//! frames to an FFmpeg encoder thread, writing browser-playable H.264 MP4
//! files with the file names and counting rules of Gymnasium's
//! `RecordVideo`.
//!
//! ```
//! use gymrec::env::{Env, RenderMode};
//! use gymrec::policy::{Heuristic, Policy};
//! use gymrec::record::{RecordingConfig, Trigger};
//!
//! # fn main() -> gymrec::Result<()> {
//! # let videos_dir = std::env::temp_dir().join(format!("gymrec-doc-lib-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut env = RecordingConfig::new(&videos_dir)
//!     .episode_trigger(Trigger::every(2)?)
//!     .video_length(100)
//!     .overwrite(true)
//!     .wrap(env)?;
//! let mut policy = Heuristic::for_env("CartPole-v1")?;
//! for episode in 0..3 {
//!     let (mut obs, _) = env.reset(Some(episode))?;
//!     loop {
//!         let step = env.step(policy.act(&obs))?;
//!         let done = step.done();
//!         obs = step.obs;
//!         if done {
//!             break;
//!         }
//!     }
//! }
//! let videos = env.finish().into_result()?;
//! let names: Vec<_> = videos.iter().map(|v| v.facts.path.file_name().unwrap().to_owned()).collect();
//! assert_eq!(names, ["rl-video-episode-0.mp4", "rl-video-episode-2.mp4"]);
//! assert!(videos.iter().all(|v| v.facts.frames == 100));
//! # std::fs::remove_dir_all(&videos_dir).ok();
//! # Ok(())
//! # }
//! ```
//!
//! The layers, lowest first (a layer never imports one above it):
//! - [`frame`]: [`Frame`], the picture type envs render and videos are made of.
//! - [`video`]: frames in, files out. [`VideoWriter`](video::VideoWriter)
//!   streams frames to an encoder thread; one backend per format in
//!   [`video::codecs`], each with its reader; [`video::probe`] reads videos
//!   back. It knows nothing of envs.
//! - [`env`](mod@env): the [`Env`] trait, spaces, the registry, wrappers
//!   ([`TimeLimit`](env::wrappers::TimeLimit),
//!   [`EpisodeStatistics`](env::wrappers::EpisodeStatistics)) and the
//!   classic-control envs.
//! - [`record`]: Gymnasium `RecordVideo`'s semantics over the video layer:
//!   [`RecordState`](record::RecordState),
//!   [`RecordingConfig`](record::RecordingConfig), triggers, the wrappers,
//!   observers and the report.
#![cfg_attr(
    feature = "tensorboard",
    doc = "- [`tensorboard`] (feature `tensorboard`): TensorBoard event files \
           (scalars, text, hparams, GIF clip previews) written and read back; like \
           [`video`], it knows frames but not envs or recording."
)]
#![cfg_attr(
    not(feature = "tensorboard"),
    doc = "- `tensorboard` (feature `tensorboard`, off in this build): TensorBoard \
           event files."
)]
//! - [`catalog`]: what a folder says about its videos: JSON sidecars,
//!   `index.jsonl`, the `index.html` gallery and, with feature
//!   `tensorboard`, the TensorBoard observer.
//! - [`policy`]: random and heuristic policies for demos.
#![cfg_attr(
    feature = "mlflow",
    doc = "- [`tracker`] (feature `mlflow`): experiment trackers; \
           [`tracker::mlflow`] logs episodes and uploads videos to an MLflow server \
           on a thread of its own."
)]
#![cfg_attr(
    feature = "train",
    doc = "- [`train`] (feature `train`): velora's training side \
           ([`TrainState`](train::TrainState), callbacks that record videos, stop early \
           and save checkpoints), a SQLite metrics store, an [`Agent`](train::Agent) \
           trait, a cross-entropy learner and the [`Trainer`](train::Trainer) loop."
)]
#![cfg_attr(
    not(feature = "train"),
    doc = "- `train` (feature `train`, off in this build): velora's training side."
)]
//!
//! Cargo features: `ffmpeg`, `gif`, `png` (the video backends, see
//! [`video`]), `openh264`, `train`, `tensorboard`, `mlflow` and `cli` (the
//! `gymrec` command line); all but `openh264` are on by default. A program
//! that only records needs `default-features = false, features = ["ffmpeg"]`.

#![warn(missing_docs)]
// All of the crate's unsafe code is FFmpeg's frame buffers, in
// video/codecs/ffmpeg.rs (which allows it), each block with its SAFETY note.
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]
// docs.rs (package.metadata.docs.rs) builds with every feature and
// `--cfg docsrs`: items behind a feature say which.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod catalog;
pub mod env;
mod error;
pub mod frame;
pub mod policy;
pub mod record;
#[cfg(feature = "tensorboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "tensorboard")))]
pub mod tensorboard;
#[cfg(feature = "mlflow")]
pub mod tracker;
#[cfg(feature = "train")]
#[cfg_attr(docsrs, doc(cfg(feature = "train")))]
pub mod train;
pub mod video;

pub use env::{Env, RenderMode, make};
pub use error::{Error, ErrorKind, Result, Setting};
pub use frame::{Frame, FrameRenderer, Rgb, Snapshot, SnapshotReader};
/// The `image` crate gymrec's frames come from, so that `gymrec::image::Rgb`
/// and friends work without a dependency of your own.
pub use image;

/// The README's Rust examples, compiled with the doctests so that they
/// cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
