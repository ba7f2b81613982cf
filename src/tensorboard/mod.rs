//! TensorBoard event files (feature `tensorboard`): scalars, markdown
//! text, animated GIFs and hparams, in the format TensorBoard reads,
//! written by [`SummaryWriter`]. This layer knows nothing of envs or
//! recording; [`catalog`](crate::catalog)'s
//! [`TensorBoard`](crate::catalog::TensorBoard) observer and the training
//! side's `LogToTensorBoard` build on it.
//!
//! An event file is a sequence of TFRecords ([`encode_record`],
//! [`read_records`]), each a serialized `Event` message of TensorBoard's
//! `tensorboard/compat/proto/event.proto`. The message types are generated
//! by prost-build from the pinned tensorboard wheel's descriptors and
//! checked in (`tools/tbproto` regenerates them); they are private, the
//! writer's methods are the API.
//!
//! Clips are shown as animated GIFs in the Images dashboard, as
//! `torch.utils.tensorboard`'s `add_video` does: TensorBoard cannot play
//! MP4. [`GifPreview`] makes a small one from a clip's frames.
//!
//! ```
//! use gymrec::tensorboard::{GifPreview, HParamValue, PreviewSettings, SessionStatus, SummaryWriter};
//! use std::collections::BTreeMap;
//!
//! # fn main() -> gymrec::Result<()> {
//! let run = std::env::temp_dir().join(format!("gymrec-doc-tensorboard-{}", std::process::id()));
//! let mut writer = SummaryWriter::create(&run)?;
//! let hparams = BTreeMap::from([("lr".to_string(), HParamValue::Number(0.01))]);
//! writer.add_hparams(&hparams, &["episode/return"])?;
//! let mut preview = GifPreview::new("clip".as_ref(), 64, 48, 30, PreviewSettings::default());
//! for episode in 1..=3u64 {
//!     writer.add_scalar("episode/return", episode, 10.0 * episode as f64)?;
//!     preview.push(&gymrec::Frame::new(64, 48));
//!     writer.flush()?; // once an episode: a killed process loses at most one
//! }
//! writer.add_gif("videos/training", 3, &preview.finish()?)?;
//! writer.end_session(SessionStatus::Success)?;
//! drop(writer);
//! # std::fs::remove_dir_all(&run).ok();
//! # Ok(())
//! # }
//! ```

mod hparams;
mod preview;
#[allow(unreachable_pub)]
mod proto;
mod read;
mod record;
mod run;
mod writer;

pub use hparams::{HParamValue, SessionStatus, hparams_from_json};
pub use preview::{GifPreview, PreviewSettings};
pub use read::{Logged, LoggedValue, read_events};
pub use record::{encode_record, masked_crc32c, parse_records, read_records};
pub use run::{SharedWriter, free_run_dir};
pub use writer::{Clock, EVENT_FILE_PREFIX, GifImage, SummaryWriter};
