//! Publishing: what a video folder says about its videos, for people and
//! for tools. This layer builds on [`record`](crate::record) (it describes
//! [`RecordedVideo`](crate::record::RecordedVideo)s); nothing below it
//! imports it.
//!
//! With feature `tensorboard`, the [`TensorBoard`] observer
//! ([`RecordingConfig::tensorboard`](crate::record::RecordingConfig::tensorboard))
//! logs a recording's episode returns and clip previews to a TensorBoard run.
//!
//! A video folder says what it holds: a JSON sidecar and a poster frame
//! beside each video, an `index.jsonl` with one line per finished video,
//! and an `index.html` gallery that plays them all from `file://`, below a
//! plot of return per episode.
//!
//! [`Manifest`] is the [`RecordingObserver`](crate::record::RecordingObserver) that writes them; add it with
//! [`RecordingConfig::gallery`](crate::record::RecordingConfig::gallery) or
//! [`RecordingConfig::observer`](crate::record::RecordingConfig::observer). For each
//! finished and kept video it
//!
//! 1. writes `<name>.poster.png` beside `<name>.mp4` ([`poster_path`]: a
//!    frame from the middle third of the video, at most
//!    [`POSTER_MAX_WIDTH`] wide, made on the encoder thread while the video
//!    was written) and `<name>.json` (a [`ManifestEntry`] naming the poster,
//!    pretty printed); each written to a temporary file and renamed into
//!    place;
//! 2. appends the same entry as one line to `index.jsonl`, in a single
//!    `write` on a file opened for appending, so wrappers in several threads
//!    or processes sharing a folder never interleave or lose lines;
//! 3. rewrites `index.html` from the whole index (again through a temporary
//!    file and a rename, so a browser never sees half a page; a writer whose
//!    index grew meanwhile rewrites it again, so the last page is complete):
//!    an inline SVG plot of return per episode whose points play their
//!    episode's video, then a card per video showing its poster.
//!
//! Videos that a keep filter ([`RecordingConfig::keep_if`](crate::record::RecordingConfig::keep_if))
//! rejects are deleted before any of this, so they never enter the index or
//! the gallery, and get no poster. Videos listed in the index but no longer on disk are left out
//! of the gallery.
//!
//! ```
//! use gymrec::env::{Env, RenderMode, SpaceValue};
//! use gymrec::catalog::{self, Manifest};
//! use gymrec::record::{RecordingConfig, Trigger};
//!
//! # fn main() -> gymrec::Result<()> {
//! let dir = std::env::temp_dir().join(format!("gymrec-doc-manifest-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut env = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .video_length(20)
//!     .observer(Manifest::new())
//!     .overwrite(true)
//!     .wrap(env)?;
//! env.reset(Some(0))?;
//! for _ in 0..5 {
//!     env.step(SpaceValue::Discrete(1))?;
//! }
//! env.finish().into_result()?;
//!
//! let sidecar = catalog::read_sidecar(&dir.join("rl-video-episode-0.mp4"))?;
//! assert_eq!(sidecar.env_id.as_deref(), Some("CartPole-v1"));
//! assert_eq!(sidecar.facts.frames, 6);
//! assert_eq!(sidecar.episodes[0].length, 5);
//! assert_eq!(sidecar.poster.as_deref(), Some("rl-video-episode-0.poster.png"));
//! assert!(catalog::poster_path(&dir.join("rl-video-episode-0.mp4")).is_file());
//! assert_eq!(catalog::read_index(&dir)?, [sidecar]);
//! assert!(dir.join("index.html").is_file());
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

mod entry;
mod gallery;
mod html;
mod index;
mod index_lock;
mod manifest;
mod plot;
mod poster;
mod template;
#[cfg(feature = "tensorboard")]
mod tensorboard;

pub use entry::{ManifestEntry, StepRange};
pub use gallery::{GALLERY_FILE, write_gallery};
pub use index::{INDEX_FILE, listed_videos, read_index, read_sidecar, sidecar_path};
pub use manifest::Manifest;
pub use poster::{POSTER_MAX_HEIGHT, POSTER_MAX_WIDTH, poster_path, poster_size};
#[cfg(feature = "tensorboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "tensorboard")))]
pub use tensorboard::TensorBoard;
