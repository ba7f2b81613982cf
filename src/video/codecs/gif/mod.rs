//! The GIF core: animated GIF, pure Rust, through image-rs's `gif` crate;
//! the GIF video format's writer ([`GifSink`]) and reader, and the clip
//! assembly the TensorBoard previews use (`Clip`, crate-private).
//!
//! Both write frames the same way (`rect.rs`, `palette.rs`):
//!
//! - **Changed rectangles.** The first frame is stored whole; each later
//!   one as the rectangle that changed since the frame before, in which the
//!   pixels that did not change are transparent (long runs of one index,
//!   which LZW packs tightly). Files of mostly static scenes stay small.
//! - **One palette a scene.** Pixels map to a palette the frames of a scene
//!   share: the exact colours while frames have at most 256 (rendered RL
//!   scenes usually do, so the GIF is then lossless), else 255 colours
//!   NeuQuant trains on one frame, reused by the later ones through a
//!   colour → nearest-entry cache and trained again only when a frame maps
//!   badly (its colours changed). A frame is not quantized on its own.
//!
//! The writer streams (`stream.rs`): each frame is written as it comes,
//! with a local palette of the colours it draws, and memory stays at one
//! frame. The previews' `Clip` (`clip.rs`) keeps its frames as indices
//! and assembles the GIF at the end: identical frames merged, a global
//! palette chosen to serve most frames.
//!
//! Timing: GIF frame delays are whole hundredths of a second. Frame `i`
//! (from 0) is shown from `round(100·i/fps)` to `round(100·(i+1)/fps)`
//! hundredths (`centiseconds`), so the delays add up to the video's
//! length with no drift (30 fps alternates 3, 3 and 4 hundredths).
//! Browsers slow delays under 2/100 s down, so GIFs are limited to
//! [`GIF_MAX_FPS`] fps.
//!
//! The writer flushes the file after every frame: a process killed
//! mid-video leaves a GIF (without its trailer) that viewers show up to the
//! last frame.

// The previews' assembly: only TensorBoard uses it.
#[cfg(feature = "tensorboard")]
mod clip;
mod nearest;
mod palette;
pub(crate) mod read;
mod rect;
mod stream;

#[cfg(feature = "tensorboard")]
pub(crate) use clip::Clip;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::frame::Frame;
use crate::video::facts::file_bytes;
use crate::video::{GIF_MAX_FPS, VideoFacts, VideoFormat, VideoSink, VideoSpec};
use crate::{Error, Result};
use stream::Stream;

/// Hundredths of a second from the start to the end of `frames` frames at
/// `fps`, rounded to the nearest.
pub(crate) fn centiseconds(frames: u64, fps: u32) -> u64 {
    let fps = u64::from(fps.max(1));
    (frames * 100 + fps / 2) / fps
}

/// A [`VideoSink`] writing an animated GIF that loops forever.
///
/// ```
/// use gymrec::video::codecs::gif::GifSink;
/// use gymrec::video::{VideoSink, VideoSpec};
///
/// # fn main() -> gymrec::Result<()> {
/// let path = std::env::temp_dir().join(format!("gymrec-doc-gif-{}.gif", std::process::id()));
/// let mut sink = GifSink::create(&path, &VideoSpec::new(64, 48, 25))?;
/// let mut frame = image::RgbImage::new(64, 48);
/// for i in 0..25u8 {
///     frame.put_pixel(u32::from(i), 10, image::Rgb([255, i * 10, 0]));
///     sink.write(&frame)?;
/// }
/// let facts = sink.finish()?;
/// assert_eq!((facts.frames, facts.duration_secs), (25, 1.0));
/// assert_eq!((facts.codec.as_str(), facts.pixel_format.as_str()), ("gif", "pal8"));
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub struct GifSink {
    path: PathBuf,
    spec: VideoSpec,
    encoder: ::gif::Encoder<BufWriter<File>>,
    stream: Stream,
    frames: u64,
    /// Hundredths of a second shown so far.
    elapsed_cs: u64,
}

impl GifSink {
    /// Creates `path` (replacing an existing file) and writes the GIF
    /// header for frames of `spec`'s size.
    ///
    /// Errors as [`VideoSpec::validate`] does for an invalid spec, with
    /// [`Error::OutOfRange`] ([`Setting::GifFps`](crate::Setting::GifFps)) for a
    /// frame rate above [`GIF_MAX_FPS`], with [`Error::Io`] when the file
    /// cannot be created, and with [`Error::Encode`] (its source the `gif`
    /// encoder's error) when the header cannot be written.
    pub fn create(path: &Path, spec: &VideoSpec) -> Result<Self> {
        spec.validate()?;
        if spec.fps > GIF_MAX_FPS {
            return Err(crate::video::format::gif_fps_error(
                spec.fps,
                Some(path.display().to_string()),
            ));
        }
        // validate() caps sizes at MAX_DIMENSION, below u16::MAX.
        let (w, h) = (spec.width as u16, spec.height as u16);
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut encoder = ::gif::Encoder::new(BufWriter::new(file), w, h, &[])
            .map_err(|e| encode_error(path, "cannot write the GIF header", e))?;
        encoder
            .set_repeat(::gif::Repeat::Infinite)
            .map_err(|e| encode_error(path, "cannot write the GIF header", e))?;
        log::debug!(
            "{}: writing a {}x{} GIF at {} fps",
            path.display(),
            spec.width,
            spec.height,
            spec.fps
        );
        Ok(GifSink {
            path: path.to_path_buf(),
            spec: *spec,
            encoder,
            stream: Stream::new(usize::from(w), usize::from(h)),
            frames: 0,
            elapsed_cs: 0,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Writes `frame` as the next GIF frame and flushes the file.
    fn write_frame(&mut self, frame: &Frame) -> Result<()> {
        self.spec.check_frame(frame, &self.path)?;
        let delay = centiseconds(self.frames + 1, self.spec.fps) - self.elapsed_cs;
        // At most 50 fps: a frame's delay is a few hundredths.
        let gif_frame = self.stream.next(frame.as_raw(), delay as u16);
        self.encoder
            .write_frame(&gif_frame)
            .map_err(|e| encode_error(&self.path, "cannot write a frame", e))?;
        self.encoder
            .get_mut()
            .flush()
            .map_err(|e| Error::io(&self.path, e))?;
        self.frames += 1;
        self.elapsed_cs += delay;
        Ok(())
    }

    /// Writes the GIF trailer, closes the file and reports what was written.
    fn close(self) -> Result<VideoFacts> {
        let GifSink {
            path,
            spec,
            encoder,
            stream,
            frames,
            elapsed_cs,
        } = self;
        log::debug!(
            "{}: {frames} GIF frames, {} palettes trained",
            path.display(),
            stream.trained()
        );
        let writer = encoder
            .into_inner()
            .map_err(|e| encode_error(&path, "cannot finish the GIF file", e))?;
        let file = writer
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        drop(file);
        let bytes = file_bytes(&path)?;
        Ok(VideoFacts {
            // Delays are whole hundredths of a second.
            duration_secs: elapsed_cs as f64 / 100.0,
            ..VideoFacts::new(VideoFormat::Gif, path, spec, frames, bytes)
        })
    }
}

impl VideoSink for GifSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        self.write_frame(frame)
    }

    fn finish(self) -> Result<VideoFacts> {
        self.close()
    }
}

/// An [`Error::Encode`] for `path`: `what` failed with `e` (a
/// `gif::EncodingError`, whose source is the `io::Error` of a failed write,
/// or an `io::Error`).
fn encode_error(
    path: &Path,
    what: &str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::encode(
        path,
        what,
        "check that the disk is not full and the file was not removed",
        Box::new(e),
    )
}
