//! The encoder thread: a [`VideoWriter`] hands frames to a [`VideoSink`]
//! running on its own thread, through a bounded channel.
//!
//! The caller's thread only fills a pooled frame buffer and hands it off;
//! conversion, encoding and muxing happen on the worker. When the channel is
//! full, [`VideoWriter::submit`] blocks (backpressure): frames are never
//! dropped, and memory stays bounded by the channel's capacity whatever the
//! video's length. Buffers the worker has finished with come back through a
//! second channel and are handed out again by [`VideoWriter::buffer`], so
//! that in the steady state no frame is allocated.
//!
//! A writer made with an overlay ([`WriterOptions::overlay`]) draws each
//! frame's text (sent with [`submit_labelled`](VideoWriter::submit_labelled))
//! into the frame on the encoder thread, just before encoding it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;

use super::overlay::{OverlayPainter, OverlayStyle};
use super::{EncoderSettings, FrameTap, VideoFacts, VideoFormat, VideoSink, VideoSpec};
use crate::frame::Frame;
use crate::{Error, Result};

/// Extra returned buffers the pool keeps beyond the frames that can be in
/// flight (queued, being encoded, being filled).
const POOL_SLACK: usize = 2;

/// A frame on its way to the encoder thread, with the overlay text to draw
/// into it, if any; buffers come back the same way.
type Job = (Frame, Option<String>);

/// How a [`VideoWriter`] writes: the format, the encoder settings, the
/// queue's capacity and the overlay. Build it with the chained setters and
/// open a writer with [`create`](Self::create).
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
#[derive(Debug, Clone, PartialEq)]
pub struct WriterOptions {
    /// The format; `None` (the default) takes it from the path's extension
    /// (see [`VideoFormat::from_path`]).
    pub format: Option<VideoFormat>,
    /// Encoder settings (used by MP4 and WebM).
    pub encoder: EncoderSettings,
    /// Frames that may wait for the encoder before `submit` blocks; 0 makes
    /// every `submit` wait until the worker takes the frame.
    pub queue_capacity: usize,
    /// How to draw the text of frames submitted with
    /// [`submit_labelled`](VideoWriter::submit_labelled); `None` draws
    /// nothing.
    pub overlay: Option<OverlayStyle>,
}

/// Frames that may wait for the encoder by default. The encoder is the
/// slow side, so a longer queue only holds more memory: 4 frames keep the
/// env and encoder threads both busy (`benches/compare.sh`: a 16-frame
/// queue held ~9 MiB more at the same throughput).
pub const DEFAULT_QUEUE_CAPACITY: usize = 4;

impl Default for WriterOptions {
    /// The format from the extension, the default encoder settings,
    /// [`DEFAULT_QUEUE_CAPACITY`] queued frames, no overlay.
    fn default() -> Self {
        WriterOptions {
            format: None,
            encoder: EncoderSettings::default(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            overlay: None,
        }
    }
}

impl WriterOptions {
    /// The defaults (see [`Default`](#impl-Default-for-WriterOptions)).
    pub fn new() -> Self {
        WriterOptions::default()
    }

    /// Writes `format` whatever the path's extension.
    pub fn format(mut self, format: VideoFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Encoder settings (preset, CRF, threads, keyframe interval).
    pub fn encoder(mut self, settings: EncoderSettings) -> Self {
        self.encoder = settings;
        self
    }

    /// Frames that may wait for the encoder before `submit` blocks.
    pub fn queue_capacity(mut self, frames: usize) -> Self {
        self.queue_capacity = frames;
        self
    }

    /// Draws the text sent with
    /// [`submit_labelled`](VideoWriter::submit_labelled) in `style`.
    pub fn overlay(mut self, style: OverlayStyle) -> Self {
        self.overlay = Some(style);
        self
    }

    /// Starts an encoder thread writing `path` (for a PNG sequence, a
    /// folder), in the format set or else the one its extension names.
    ///
    /// Waits until the file is open: an unknown extension, a format this
    /// build lacks, an invalid spec or settings, an unwritable path or an
    /// encoder that cannot be opened is an error here.
    pub fn create(&self, path: impl AsRef<Path>, spec: VideoSpec) -> Result<VideoWriter> {
        self.create_tapped(path, spec, Vec::new())
    }

    /// [`create`](Self::create), with `taps` that see every frame on the
    /// encoder thread as it is encoded (see [`FrameTap`]).
    pub fn create_tapped(
        &self,
        path: impl AsRef<Path>,
        spec: VideoSpec,
        taps: Vec<Box<dyn FrameTap>>,
    ) -> Result<VideoWriter> {
        let path = path.as_ref().to_path_buf();
        let format = match self.format {
            Some(format) => format,
            None => VideoFormat::from_path(&path)?,
        };
        let encoder = self.encoder.clone();
        super::check(format, &spec, &encoder)?;
        let sink_path = path.clone();
        let worker = Worker {
            overlay: self.overlay,
            taps,
        };
        VideoWriter::start(path, spec, self.queue_capacity, worker, move || {
            super::open(format, &sink_path, &spec, &encoder)
        })
    }
}

/// Streams frames to a video file through an encoder thread.
///
/// [`create`](Self::create) opens the file on a new thread (reporting an
/// open error at once), [`submit`](Self::submit) sends frames in order,
/// [`finish`](Self::finish) closes the file and returns [`VideoFacts`]. A
/// writer dropped without `finish` finishes the file on drop and logs any
/// error with `log::warn!`.
///
/// ```
/// use gymrec::video::{VideoSpec, VideoWriter};
/// use gymrec::image::Rgb;
///
/// # fn main() -> gymrec::Result<()> {
/// let path = std::env::temp_dir().join(format!("gymrec-doc-video-writer-{}.mp4", std::process::id()));
/// let mut writer = VideoWriter::create(&path, VideoSpec::new(64, 48, 30))?;
/// for i in 0..30u32 {
///     let mut frame = writer.buffer(); // a black 64×48 frame
///     for (x, _y, pixel) in frame.enumerate_pixels_mut() {
///         *pixel = Rgb([(x * 4) as u8, (i * 8) as u8, 128]);
///     }
///     writer.submit(frame)?;
/// }
/// let facts = writer.finish()?;
/// assert_eq!(facts.frames, 30);
/// assert_eq!((facts.encoded_width, facts.encoded_height), (64, 48));
/// assert_eq!(facts.pixel_format, "yuv420p");
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub struct VideoWriter {
    path: PathBuf,
    spec: VideoSpec,
    frames_tx: Option<SyncSender<Job>>,
    pool_rx: Receiver<Job>,
    /// Overlay texts back from the worker, handed out again by `label`.
    spare_labels: Vec<String>,
    worker: Option<JoinHandle<Result<VideoFacts>>>,
    submitted: u64,
    /// Why the writer stopped, once it has; later calls report it.
    stopped: Option<Stopped>,
}

/// Why a [`VideoWriter`] stopped: the earlier error as text, and its I/O
/// kind when it was an I/O failure.
#[derive(Debug, Clone)]
struct Stopped {
    reason: String,
    kind: Option<std::io::ErrorKind>,
}

impl Stopped {
    /// A stop for a reason that is no I/O failure.
    fn because(reason: impl Into<String>) -> Self {
        Stopped {
            reason: reason.into(),
            kind: None,
        }
    }

    /// A stop after `error`, which was reported.
    fn after(error: &Error) -> Self {
        Stopped {
            reason: error.to_string(),
            kind: error.io_kind(),
        }
    }

    /// The [`Error::WriterStopped`] of the writer of `path`.
    fn error(&self, path: &Path) -> Error {
        Error::WriterStopped {
            path: path.to_path_buf(),
            reason: self.reason.clone(),
            source: self.kind.map(std::io::Error::from),
        }
    }
}

impl VideoWriter {
    /// Starts an encoder thread writing `path` in the format its extension
    /// names: `.mp4`, `.webm`, `.gif`, or none for a PNG sequence (a folder
    /// of frames), with the default [`WriterOptions`]. Use
    /// [`WriterOptions::create`] for another format, encoder settings or
    /// queue.
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

    /// Starts an encoder thread with a sink of your own: `make_sink` runs
    /// on that thread and returns it (so the sink is made where it runs).
    ///
    /// `path` and `spec` describe what the sink writes; the writer uses them
    /// for error messages, frame-size checks and new buffers. Waits until
    /// `make_sink` has returned and passes on its error.
    pub fn with_sink<F>(
        path: impl AsRef<Path>,
        spec: VideoSpec,
        queue_capacity: usize,
        make_sink: F,
    ) -> Result<Self>
    where
        F: FnOnce() -> Result<Box<dyn VideoSink>> + Send + 'static,
    {
        Self::start(
            path.as_ref().to_path_buf(),
            spec,
            queue_capacity,
            Worker::default(),
            make_sink,
        )
    }

    /// Starts the encoder thread: `make_sink` runs there, and so does the
    /// overlay painter made from `worker.overlay`.
    fn start<F>(
        path: PathBuf,
        spec: VideoSpec,
        queue_capacity: usize,
        worker: Worker,
        make_sink: F,
    ) -> Result<Self>
    where
        F: FnOnce() -> Result<Box<dyn VideoSink>> + Send + 'static,
    {
        spec.validate()?;
        let (frames_tx, frames_rx) = mpsc::sync_channel::<Job>(queue_capacity);
        let (pool_tx, pool_rx) = mpsc::sync_channel::<Job>(queue_capacity + POOL_SLACK);
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<()>>(1);
        let worker_path = path.clone();
        let Worker { overlay, taps } = worker;
        let worker = std::thread::Builder::new()
            .name("gymrec-encoder".into())
            .spawn(move || -> Result<VideoFacts> {
                let sink = match make_sink() {
                    Ok(sink) => {
                        let _ = ready_tx.send(Ok(()));
                        sink
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Err(
                            Stopped::because("the video could not be opened").error(&worker_path)
                        );
                    }
                };
                let painter =
                    overlay.map(|style| OverlayPainter::new(&style, spec.width, spec.height));
                run_worker(sink, painter, taps, frames_rx, pool_tx)
            })
            .map_err(|e| Error::io(&path, e))?;

        match ready_rx.recv() {
            Ok(Ok(())) => Ok(VideoWriter {
                path,
                spec,
                frames_tx: Some(frames_tx),
                pool_rx,
                spare_labels: Vec::new(),
                worker: Some(worker),
                submitted: 0,
                stopped: None,
            }),
            Ok(Err(e)) => {
                let _ = worker.join();
                Err(e)
            }
            Err(_) => {
                // The worker ended without reporting: it panicked.
                let reason = match worker.join() {
                    Err(panic) => panic_message(&panic),
                    Ok(_) => "the encoder thread ended while opening the video".into(),
                };
                Err(Stopped::because(reason).error(&path))
            }
        }
    }

    /// A black frame of the spec's size to draw into: one the worker has
    /// finished with when there is one (cleared), else a new one.
    pub fn buffer(&mut self) -> Frame {
        let mut frame = self.recycled_buffer();
        frame.fill(0);
        frame
    }

    /// A frame of the spec's size to draw into, as it comes back from the
    /// worker: it holds an earlier frame's picture. The fast path for
    /// callers that overwrite every pixel (an env's `render_into`, a copy
    /// of a whole picture); a new buffer is black.
    pub fn recycled_buffer(&mut self) -> Frame {
        let size = (self.spec.width, self.spec.height);
        loop {
            match self.pool_rx.try_recv() {
                Ok((frame, label)) => {
                    if let Some(label) = label {
                        self.spare_labels.push(label);
                    }
                    if frame.dimensions() == size {
                        return frame;
                    }
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                    return Frame::new(size.0, size.1);
                }
            }
        }
    }

    /// A `String` to write overlay text into and send with
    /// [`submit_labelled`](Self::submit_labelled): one the worker has
    /// finished with when there is one (it keeps its capacity, so filling
    /// it allocates nothing in the steady state), else a new one. It holds
    /// whatever it held before.
    ///
    /// Texts come back with their frames: call [`buffer`](Self::buffer) or
    /// [`recycled_buffer`](Self::recycled_buffer) first, as the recorder
    /// does for each frame.
    pub fn label(&mut self) -> String {
        self.spare_labels.pop().unwrap_or_default()
    }

    /// Hands `frame` to the encoder thread, blocking while the queue is full;
    /// frames are never dropped.
    ///
    /// Errors with [`Error::FrameSize`] when the frame's size is not the
    /// spec's (the frame is not written, the writer goes on). When the worker
    /// has failed, returns its error; the writer has then stopped and every
    /// later `submit` and `finish` errors with [`Error::WriterStopped`].
    pub fn submit(&mut self, frame: Frame) -> Result<()> {
        self.send((frame, None))
    }

    /// Hands `frame` to the encoder thread like [`submit`](Self::submit),
    /// with `text` to draw into it there when the writer has an overlay
    /// (else the text is ignored); `'\n'` starts a new line.
    pub fn submit_labelled(&mut self, frame: Frame, text: String) -> Result<()> {
        self.send((frame, Some(text)))
    }

    fn send(&mut self, job: Job) -> Result<()> {
        let frame = &job.0;
        if let Some(stopped) = &self.stopped {
            return Err(stopped.error(&self.path));
        }
        self.spec.check_frame(frame, &self.path)?;
        let Some(tx) = &self.frames_tx else {
            return Err(self.stop_with("the writer was already finished".into()));
        };
        match tx.send(job) {
            Ok(()) => {
                self.submitted += 1;
                Ok(())
            }
            // The worker has hung up: it failed. Collect its error.
            Err(_) => Err(self.collect_failure()),
        }
    }

    /// Frames accepted by [`submit`](Self::submit) so far.
    pub fn frames_submitted(&self) -> u64 {
        self.submitted
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The spec the writer was made with.
    pub fn spec(&self) -> &VideoSpec {
        &self.spec
    }

    /// Closes the queue, waits until the worker has encoded every frame and
    /// closed the file, and returns what was written, or the first error.
    pub fn finish(mut self) -> Result<VideoFacts> {
        self.close()
    }

    /// Ends the writer: drops the sender and joins the worker.
    fn close(&mut self) -> Result<VideoFacts> {
        if let Some(stopped) = &self.stopped {
            return Err(stopped.error(&self.path));
        }
        self.frames_tx = None;
        let Some(worker) = self.worker.take() else {
            return Err(self.stop_with("the writer was already finished".into()));
        };
        let result = match worker.join() {
            Ok(result) => result,
            Err(panic) => Err(Stopped::because(panic_message(&panic)).error(&self.path)),
        };
        self.stopped = Some(match &result {
            Ok(_) => Stopped::because("the writer was already finished"),
            Err(e) => Stopped::after(e),
        });
        result
    }

    /// Joins the failed worker and returns its error, marking the writer
    /// stopped.
    fn collect_failure(&mut self) -> Error {
        self.frames_tx = None;
        let error = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Ok(Ok(_))) => Stopped::because("the encoder thread ended early").error(&self.path),
            Some(Err(panic)) => Stopped::because(panic_message(&panic)).error(&self.path),
            None => Stopped::because("the encoder thread is gone").error(&self.path),
        };
        self.stopped = Some(Stopped::after(&error));
        error
    }

    fn stop_with(&mut self, reason: String) -> Error {
        let stopped = Stopped::because(reason);
        let error = stopped.error(&self.path);
        self.stopped = Some(stopped);
        error
    }
}

impl Drop for VideoWriter {
    /// Finishes the file if [`finish`](VideoWriter::finish) was not called;
    /// an error is logged with `log::warn!`.
    fn drop(&mut self) {
        if self.worker.is_none() {
            return;
        }
        match self.close() {
            Ok(facts) => log::debug!(
                "{}: finished on drop, {} frames",
                self.path.display(),
                facts.frames
            ),
            Err(e) => log::warn!("video writer dropped without finish(): {e}"),
        }
    }
}

impl std::fmt::Debug for VideoWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("path", &self.path)
            .field("spec", &self.spec)
            .field("submitted", &self.submitted)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

/// What the encoder thread runs beside the sink: the overlay and the taps.
#[derive(Default)]
struct Worker {
    overlay: Option<OverlayStyle>,
    taps: Vec<Box<dyn FrameTap>>,
}

/// The worker's loop: draws the overlay into every frame received that has
/// a label, writes it, shows it to the taps, returns buffers to the pool,
/// finishes the sink (then the taps) when the channel closes. On a write
/// error the sink is still finished (so the file holds the frames written
/// so far) and the write error is returned, which hangs up the channel.
fn run_worker(
    mut sink: Box<dyn VideoSink>,
    painter: Option<OverlayPainter>,
    mut taps: Vec<Box<dyn FrameTap>>,
    frames_rx: Receiver<Job>,
    pool_tx: SyncSender<Job>,
) -> Result<VideoFacts> {
    for (index, (mut frame, label)) in (0u64..).zip(frames_rx.iter()) {
        if let (Some(painter), Some(text)) = (painter.as_ref(), label.as_deref()) {
            painter.draw(&mut frame, text);
        }
        if let Err(e) = sink.write(&frame) {
            drop(frames_rx);
            if let Err(finish_err) = sink.finish() {
                log::debug!("after a write error, finishing the video failed too: {finish_err}");
            }
            taps.into_iter().for_each(|tap| tap.finish(None));
            return Err(e);
        }
        for tap in &mut taps {
            tap.frame(index, &frame);
        }
        // A full pool (the caller brings its own frames) or a gone writer
        // just drops the spare buffer.
        let _ = pool_tx.try_send((frame, label));
    }
    let facts = sink.finish();
    for tap in taps {
        tap.finish(facts.as_ref().ok());
    }
    facts
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the encoder thread panicked: {msg}")
}
