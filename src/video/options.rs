//! [`WriterOptions`]: the one way to open a [`VideoWriter`] with more than
//! a path and a spec: the format, encoder settings, queue limits, overlay,
//! a renderer for snapshots, frame taps, or a sink of your own.

use std::path::Path;

use super::overlay::OverlayStyle;
use super::queue::Limits;
use super::worker::Worker;
use super::{EncoderSettings, FrameTap, VideoFormat, VideoSink, VideoSpec, VideoWriter};
use crate::Result;
use crate::frame::FrameRenderer;

/// Frames that may wait for the encoder by default. The encoder is the
/// slow side, so a longer queue only holds more memory: 4 frames keep the
/// env and encoder threads both busy (`benches/compare.sh`: a 16-frame
/// queue held ~9 MiB more at the same throughput).
pub const DEFAULT_QUEUE_CAPACITY: usize = 4;

/// The default byte limit of a writer's snapshot queue: 64 MiB, about a
/// million CartPole snapshots; a frame would need 0.7 MiB.
pub const DEFAULT_SNAPSHOT_QUEUE_BYTES: usize = 64 << 20;

/// How a [`VideoWriter`] writes: the format, the encoder settings, the
/// queue's limits, the overlay, a renderer for snapshots, frame taps, or a
/// sink of your own. Chain the setters, then open the writer with
/// [`create`](Self::create); [`VideoWriter::create`] is the shorthand for
/// the defaults.
///
/// ```
/// use gymrec::video::{EncoderSettings, VideoFormat, VideoSpec, WriterOptions};
///
/// # fn main() -> gymrec::Result<()> {
/// let path = std::env::temp_dir().join(format!("gymrec-doc-options-{}.clip", std::process::id()));
/// let mut writer = WriterOptions::new()
///     .format(VideoFormat::Gif) // whatever the extension says
///     .encoder(EncoderSettings { crf: 18, ..EncoderSettings::default() })
///     .queue_capacity(8)
///     .create(&path, VideoSpec::new(32, 32, 10))?;
/// let frame = writer.buffer();
/// writer.submit(frame)?;
/// assert_eq!(writer.finish()?.codec, "gif");
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub struct WriterOptions {
    format: Option<VideoFormat>,
    encoder: EncoderSettings,
    queue_capacity: usize,
    overlay: Option<OverlayStyle>,
    snapshot_queue_bytes: usize,
    renderer: Option<Box<dyn FrameRenderer>>,
    taps: Vec<Box<dyn FrameTap>>,
    sink: Option<Box<dyn VideoSink>>,
}

impl Default for WriterOptions {
    /// The format from the extension, the default encoder settings,
    /// [`DEFAULT_QUEUE_CAPACITY`] queued frames,
    /// [`DEFAULT_SNAPSHOT_QUEUE_BYTES`] of queued snapshots; no overlay,
    /// renderer, tap or sink of your own.
    fn default() -> Self {
        WriterOptions {
            format: None,
            encoder: EncoderSettings::default(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            overlay: None,
            snapshot_queue_bytes: DEFAULT_SNAPSHOT_QUEUE_BYTES,
            renderer: None,
            taps: Vec::new(),
            sink: None,
        }
    }
}

impl WriterOptions {
    /// The defaults (see [`Default`](#impl-Default-for-WriterOptions)).
    pub fn new() -> Self {
        WriterOptions::default()
    }

    /// Writes `format` whatever the path's extension (by default the
    /// extension decides, see [`VideoFormat::from_path`]).
    pub fn format(mut self, format: VideoFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Encoder settings (preset, CRF, threads, keyframe interval), used by
    /// MP4 and WebM.
    pub fn encoder(mut self, settings: EncoderSettings) -> Self {
        self.encoder = settings;
        self
    }

    /// Frames that may wait for the encoder before
    /// [`submit`](VideoWriter::submit) blocks; 0 makes every `submit` of a
    /// frame wait until the encoder thread takes it.
    pub fn queue_capacity(mut self, frames: usize) -> Self {
        self.queue_capacity = frames;
        self
    }

    /// Draws the text submitted with a picture (see
    /// [`Submission::labelled`](super::Submission::labelled)) in `style`;
    /// without an overlay the text is ignored.
    pub fn overlay(mut self, style: OverlayStyle) -> Self {
        self.overlay = Some(style);
        self
    }

    /// Bytes of snapshots that may wait for the encoder before
    /// [`submit`](VideoWriter::submit) of a snapshot blocks (at least one
    /// snapshot always fits). Used by writers with a renderer.
    pub fn snapshot_queue_bytes(mut self, bytes: usize) -> Self {
        self.snapshot_queue_bytes = bytes;
        self
    }

    /// Deferred rendering: `renderer` draws, on the encoder thread, the
    /// snapshots submitted to the writer into frames of the spec's size.
    /// Frames can be submitted too.
    ///
    /// ```
    /// use gymrec::env::{Env, RenderMode};
    /// use gymrec::env::classic::CartPole;
    /// use gymrec::video::{VideoSpec, WriterOptions};
    ///
    /// # fn main() -> gymrec::Result<()> {
    /// let path = std::env::temp_dir().join(format!("gymrec-doc-deferred-{}.mp4", std::process::id()));
    /// let mut env = CartPole::new(RenderMode::RgbArray);
    /// env.reset(Some(1))?;
    /// let renderer = env.frame_renderer().expect("CartPole offers deferred rendering");
    /// let mut writer = WriterOptions::new()
    ///     .renderer(renderer)
    ///     .create(&path, VideoSpec::new(600, 400, 50))?;
    /// for _ in 0..20 {
    ///     let mut snapshot = writer.snapshot_buffer(); // empty, pooled
    ///     env.snapshot_into(&mut snapshot)?; // 32 bytes, not a 720 kB frame
    ///     writer.submit(snapshot)?;
    ///     env.step(1)?;
    /// }
    /// assert_eq!(writer.finish()?.frames, 20);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn renderer(mut self, renderer: impl FrameRenderer + 'static) -> Self {
        self.renderer = Some(Box::new(renderer));
        self
    }

    /// Adds `tap`, which sees every frame on the encoder thread as it is
    /// encoded (see [`FrameTap`]); call again for more taps.
    pub fn tap(mut self, tap: impl FrameTap + 'static) -> Self {
        self.taps.push(Box::new(tap));
        self
    }

    /// Writes through `sink`, a [`VideoSink`] of your own, instead of the
    /// format's backend: the format and encoder settings are then unused,
    /// and the path and spec given to [`create`](Self::create) only
    /// describe what the sink writes (for error messages, frame-size checks
    /// and new buffers). The sink moves to the encoder thread, where it is
    /// written and finished.
    ///
    /// ```
    /// use gymrec::video::{VideoFacts, VideoSink, VideoSpec, WriterOptions};
    /// use gymrec::Frame;
    ///
    /// /// Counts frames, writes nothing.
    /// struct Count(u64);
    ///
    /// impl VideoSink for Count {
    ///     fn write(&mut self, _frame: &Frame) -> gymrec::Result<()> {
    ///         self.0 += 1;
    ///         Ok(())
    ///     }
    ///     fn finish(self) -> gymrec::Result<VideoFacts> {
    ///         let (path, codec, pixel_format) = ("counted".into(), "none".into(), "rgb24".into());
    ///         let (width, height, fps) = (8, 8, 10);
    ///         Ok(VideoFacts {
    ///             path, frames: self.0, fps, duration_secs: self.0 as f64 / 10.0, width, height,
    ///             encoded_width: width, encoded_height: height, codec, pixel_format, bytes: 0,
    ///         })
    ///     }
    /// }
    ///
    /// # fn main() -> gymrec::Result<()> {
    /// let mut writer = WriterOptions::new().sink(Count(0)).create("counted", VideoSpec::new(8, 8, 10))?;
    /// for _ in 0..3 {
    ///     let frame = writer.buffer();
    ///     writer.submit(frame)?;
    /// }
    /// assert_eq!(writer.finish()?.frames, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sink(mut self, sink: impl VideoSink + 'static) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }

    /// Starts an encoder thread writing `path` (for a PNG sequence, a
    /// folder), in the format set or else the one its extension names, or
    /// through the sink set.
    ///
    /// Waits until the file is open: an unknown extension, a format this
    /// build lacks, an invalid spec or settings, an unwritable path or an
    /// encoder that cannot be opened is an error here.
    pub fn create(self, path: impl AsRef<Path>, spec: VideoSpec) -> Result<VideoWriter> {
        let path = path.as_ref().to_path_buf();
        let limits = Limits {
            frames: self.queue_capacity,
            bytes: self.snapshot_queue_bytes,
        };
        let worker = Worker {
            overlay: self.overlay,
            renderer: self.renderer,
            taps: self.taps,
        };
        if let Some(sink) = self.sink {
            return VideoWriter::start(path, spec, limits, worker, move || Ok(sink));
        }
        let format = match self.format {
            Some(format) => format,
            None => VideoFormat::from_path(&path)?,
        };
        let encoder = self.encoder;
        super::check(format, &spec, &encoder)?;
        let sink_path = path.clone();
        VideoWriter::start(path, spec, limits, worker, move || {
            super::open(format, &sink_path, &spec, &encoder)
        })
    }
}

/// The shorthand for the defaults lives beside the builder it uses.
impl VideoWriter {
    /// Starts an encoder thread writing `path` in the format its extension
    /// names: `.mp4`, `.webm`, `.gif`, or none for a PNG sequence (a folder
    /// of frames), with the default [`WriterOptions`]. Use
    /// [`WriterOptions::create`] for another format, encoder settings,
    /// queue, overlay, renderer, taps or a sink of your own.
    ///
    /// Waits until the file is open: an unknown extension (the error names
    /// the formats this build has), an invalid spec, an unwritable path or
    /// an encoder that cannot be opened is an error here.
    ///
    /// ```
    /// use gymrec::video::{VideoSpec, VideoWriter};
    ///
    /// # fn main() -> gymrec::Result<()> {
    /// let path = std::env::temp_dir().join(format!("gymrec-doc-writer-{}.gif", std::process::id()));
    /// let mut writer = VideoWriter::create(&path, VideoSpec::new(32, 32, 10))?;
    /// for _ in 0..10 {
    ///     let frame = writer.buffer(); // black
    ///     writer.submit(frame)?;
    /// }
    /// let facts = writer.finish()?;
    /// assert_eq!((facts.frames, facts.duration_secs, facts.codec.as_str()), (10, 1.0, "gif"));
    /// assert!(VideoWriter::create("clip.avi", VideoSpec::new(32, 32, 10)).is_err());
    /// # std::fs::remove_file(&path).ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(path: impl AsRef<Path>, spec: VideoSpec) -> Result<Self> {
        WriterOptions::default().create(path, spec)
    }
}

impl std::fmt::Debug for WriterOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterOptions")
            .field("format", &self.format)
            .field("encoder", &self.encoder)
            .field("queue_capacity", &self.queue_capacity)
            .field("overlay", &self.overlay)
            .field("snapshot_queue_bytes", &self.snapshot_queue_bytes)
            .field("renderer", &self.renderer.is_some())
            .field("taps", &self.taps.len())
            .field("sink", &self.sink.is_some())
            .finish()
    }
}
