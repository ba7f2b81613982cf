//! The PNG-sequence backend: a folder of numbered, lossless PNG frames, pure
//! Rust, through image-rs's `png` crate.
//!
//! Layout: a video named `rl-video-episode-0` is the folder
//! `rl-video-episode-0/` holding `frame-000000.png`, `frame-000001.png`, …
//! (six digits, more past a million frames), RGB, 8 bits a channel. The
//! frame rate is in each file's `fps` text chunk (`tEXt`), which
//! [`probe`](crate::video::probe::probe) reads back; other tools take it
//! as an argument, e.g. `ffmpeg -framerate 50 -i frame-%06d.png`.
//!
//! Each frame is written to `frame-N.png.part` and renamed when complete,
//! so a killed process leaves only whole frames. Creating a sink over an
//! existing folder removes the `frame-N.png` files in it first (and nothing
//! else), so that no stale frame of an older video stays behind.

use std::path::{Path, PathBuf};

use crate::frame::Frame;
use crate::video::{VideoFacts, VideoFormat, VideoSink, VideoSpec};
use crate::{Error, Result};

/// The text-chunk keyword holding the frame rate.
pub const FPS_KEYWORD: &str = "fps";

/// The file name of frame `index` (from 0) of a PNG sequence.
///
/// ```
/// assert_eq!(gymrec::video::codecs::png::frame_file_name(7), "frame-000007.png");
/// ```
pub fn frame_file_name(index: u64) -> String {
    format!("frame-{index:06}.png")
}

/// The index of a frame file named by [`frame_file_name`], else `None`.
pub fn frame_index(file_name: &str) -> Option<u64> {
    let digits = file_name.strip_prefix("frame-")?.strip_suffix(".png")?;
    if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A [`VideoSink`] writing a folder of numbered PNG frames.
///
/// ```
/// use gymrec::video::codecs::png::PngSequenceSink;
/// use gymrec::video::{VideoSink, VideoSpec};
///
/// # fn main() -> gymrec::Result<()> {
/// let folder = std::env::temp_dir().join(format!("gymrec-doc-png-{}", std::process::id()));
/// let mut sink = PngSequenceSink::create(&folder, &VideoSpec::new(64, 48, 25))?;
/// let frame = image::RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 30]));
/// for _ in 0..3 {
///     sink.write(&frame)?;
/// }
/// let facts = sink.finish()?;
/// assert_eq!(facts.frames, 3);
/// let back = image::open(folder.join("frame-000002.png")).unwrap().to_rgb8();
/// assert_eq!(back, frame); // lossless
/// # std::fs::remove_dir_all(&folder).ok();
/// # Ok(())
/// # }
/// ```
pub struct PngSequenceSink {
    folder: PathBuf,
    spec: VideoSpec,
    fps_text: String,
    /// The encoded file (reused).
    encoded: Vec<u8>,
    frames: u64,
    bytes: u64,
}

impl PngSequenceSink {
    /// Creates the folder `folder` when missing, removes the frame files of
    /// an older video from it, and readies frames of `spec`'s size.
    ///
    /// Errors as [`VideoSpec::validate`] does for an invalid spec and with
    /// [`Error::Io`] naming the folder when it cannot be created or
    /// cleared, or when `folder` is a file.
    pub fn create(folder: &Path, spec: &VideoSpec) -> Result<Self> {
        spec.validate()?;
        std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(folder, e))?;
            let name = entry.file_name();
            let stale = name.to_str().is_some_and(|n| {
                frame_index(n).is_some() || n.strip_suffix(".part").and_then(frame_index).is_some()
            });
            if stale {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        log::debug!(
            "{}: writing {}x{} PNG frames at {} fps",
            folder.display(),
            spec.width,
            spec.height,
            spec.fps
        );
        Ok(PngSequenceSink {
            folder: folder.to_path_buf(),
            spec: *spec,
            fps_text: spec.fps.to_string(),
            encoded: Vec::new(),
            frames: 0,
            bytes: 0,
        })
    }

    /// The folder being written.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Encodes `frame` into `self.encoded`.
    fn encode(&mut self, frame: &Frame, path: &Path) -> Result<()> {
        let fail =
            |e: ::png::EncodingError| Error::encode(path, "cannot encode the PNG frame", "", e);
        self.encoded.clear();
        let mut encoder = ::png::Encoder::new(&mut self.encoded, self.spec.width, self.spec.height);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        encoder.set_compression(::png::Compression::Fast);
        encoder
            .add_text_chunk(FPS_KEYWORD.to_string(), self.fps_text.clone())
            .map_err(fail)?;
        encoder
            .add_text_chunk("Software".to_string(), "gymrec".to_string())
            .map_err(fail)?;
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(frame.as_raw()).map_err(fail)?;
        writer.finish().map_err(fail)
    }
}

impl VideoSink for PngSequenceSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        self.spec.check_frame(frame, &self.folder)?;
        let path = self.folder.join(frame_file_name(self.frames));
        self.encode(frame, &path)?;
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        std::fs::write(&part, &self.encoded).map_err(|e| Error::io(&part, e))?;
        std::fs::rename(&part, &path).map_err(|e| Error::io(&path, e))?;
        self.frames += 1;
        self.bytes += self.encoded.len() as u64;
        Ok(())
    }

    fn finish(self) -> Result<VideoFacts> {
        let PngSequenceSink {
            folder,
            spec,
            frames,
            bytes,
            ..
        } = self;
        Ok(VideoFacts::new(
            VideoFormat::Png,
            folder,
            spec,
            frames,
            bytes,
        ))
    }
}

/// Reading files of this format back.
pub(crate) mod read {
    use std::path::{Path, PathBuf};

    use super::{FPS_KEYWORD, frame_file_name, frame_index};
    use crate::video::VideoFormat;
    use crate::video::VideoProbe;
    use crate::{Error, Result};

    /// An [`Error::Decode`] for `path`: `what` failed, with `source` when a
    /// decoder's error is behind it.
    fn err(
        path: &Path,
        what: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            what,
            hint: "",
            source,
        }
    }

    /// The frame files of the sequence in `folder`, in order; errors when
    /// one is missing.
    fn frame_files(folder: &Path) -> Result<Vec<PathBuf>> {
        let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
        let mut indexed = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(folder, e))?;
            if let Some(index) = entry.file_name().to_str().and_then(frame_index) {
                indexed.push((index, entry.path()));
            }
        }
        indexed.sort();
        for (expected, (index, _)) in indexed.iter().enumerate() {
            if *index != expected as u64 {
                return Err(err(
                    folder,
                    format!(
                        "frame {} is missing (the next file is {}); a PNG sequence holds \
                         frame-000000.png, frame-000001.png, … with no gaps",
                        frame_file_name(expected as u64),
                        frame_file_name(*index)
                    ),
                    None,
                ));
            }
        }
        Ok(indexed.into_iter().map(|(_, path)| path).collect())
    }

    /// The frame rate in `file`'s `fps` text chunk, if any.
    fn fps_of(file: &Path) -> Result<Option<f64>> {
        let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        let mut decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_ignore_text_chunk(false);
        let reader = decoder
            .read_info()
            .map_err(|e| err(file, "cannot read the PNG header".into(), Some(Box::new(e))))?;
        Ok(reader
            .info()
            .uncompressed_latin1_text
            .iter()
            .find(|chunk| chunk.keyword == FPS_KEYWORD)
            .and_then(|chunk| chunk.text.trim().parse::<f64>().ok())
            .filter(|fps| *fps > 0.0))
    }

    /// Decodes every frame in order, calling `each(index, rgb)`; stops when
    /// `each` returns false. Returns the frames decoded and the first
    /// frame's size.
    fn frames(
        folder: &Path,
        mut each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<(u64, Option<(u32, u32)>)> {
        let mut size = None;
        let mut count = 0u64;
        for file in frame_files(folder)? {
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
                .map_err(|e| {
                    err(
                        &file,
                        "cannot decode the PNG frame".into(),
                        Some(Box::new(e)),
                    )
                })?
                .into_rgb8();
            match size {
                None => size = Some(image.dimensions()),
                Some(s) if s != image.dimensions() => {
                    return Err(err(
                        &file,
                        format!(
                            "the frame is {}x{} but the first frame is {}x{}; every frame of \
                             a video has the same size",
                            image.width(),
                            image.height(),
                            s.0,
                            s.1
                        ),
                        None,
                    ));
                }
                Some(_) => {}
            }
            let go_on = each(count, &image);
            count += 1;
            if !go_on {
                break;
            }
        }
        Ok((count, size))
    }

    pub(crate) fn probe(folder: &Path) -> Result<VideoProbe> {
        let (frames, size) = frames(folder, |_, _| true)?;
        let Some((width, height)) = size else {
            return Err(err(
                folder,
                "the folder holds no frame-000000.png; is it a PNG sequence written by gymrec?"
                    .into(),
                None,
            ));
        };
        let fps = fps_of(&folder.join(frame_file_name(0)))?.unwrap_or(0.0);
        Ok(VideoProbe {
            frames,
            width,
            height,
            pixel_format: VideoFormat::Png.pixel_format().into(),
            codec: VideoFormat::Png.codec().into(),
            fps,
            duration_secs: if fps > 0.0 { frames as f64 / fps } else { 0.0 },
            color: VideoFormat::Png.color_tags(),
        })
    }

    pub(crate) fn decode_rgb(
        folder: &Path,
        each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        frames(folder, each).map(|(count, _)| count)
    }
}
