//! Frames in, files out: the video layer. It knows nothing of envs,
//! episodes or triggers.
//!
//! A [`VideoWriter`] streams RGB [`Frame`]s to an encoder thread that writes
//! one file: [`VideoSpec`] says the frames' size and rate,
//! [`EncoderSettings`] how to encode, [`VideoFormat`] which kind of file, and
//! [`VideoFacts`] what was written; [`WriterOptions`] opens a writer with
//! more (a renderer, taps, a sink of your own), and a [`Submission`] is
//! what the writer takes: a frame or a snapshot, with or without text. The
//! writer drives a [`VideoSink`], the
//! trait each format's backend implements; [`probe`] reads written files
//! back, and [`overlay`] draws text into frames on the encoder thread;
//! a [`FrameTap`] sees every frame there beside the sink (poster frames,
//! previews).
//!
//! Backends live in [`codecs`], one module per format family holding its
//! writer and its reader, each behind its own Cargo feature (as `image`
//! does with its codecs):
//! - `codecs::ffmpeg` (feature `ffmpeg`, on by default): H.264 through
//!   libx264 in fragmented MP4, and VP9 through libvpx in WebM; yuv420p.
//!   Needs the system FFmpeg libraries.
//! - `codecs::gif` (feature `gif`, on by default): animated GIF, pure
//!   Rust (image-rs's `gif` crate).
//! - `codecs::png` (feature `png`, on by default): a folder of numbered
//!   PNG frames, pure Rust (image-rs's `png` crate).
//! - `codecs::openh264` (feature `openh264`, off by default): H.264
//!   Constrained Baseline through Cisco's OpenH264 (built from source by the
//!   `openh264` crate) in MP4, with no FFmpeg. Writes MP4 when `ffmpeg` is
//!   not enabled.

mod backend;
pub mod codecs;
mod color;
mod facts;
mod format;
mod options;
pub mod overlay;
pub mod probe;
mod queue;
mod sink;
mod spec;
mod submission;
mod tap;
mod worker;
mod writer;

pub use crate::frame::Frame;
pub use backend::{check, open};
pub use color::ColorTags;
pub use facts::{VideoFacts, VideoProbe};
pub use format::{GIF_MAX_FPS, VideoFormat};
pub use options::{DEFAULT_QUEUE_CAPACITY, DEFAULT_SNAPSHOT_QUEUE_BYTES, WriterOptions};
pub use probe::decode_rgb;
pub use sink::VideoSink;
pub use spec::{EncoderSettings, MAX_DIMENSION, VideoSpec, X264_PRESETS};
pub use submission::Submission;
pub use tap::FrameTap;
pub use writer::{FinishingVideo, VideoWriter};
