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
//!
//! A writer made with a [`FrameRenderer`] ([`WriterOptions::create_deferred`])
//! also takes [`Snapshot`]s ([`VideoWriter::submit_snapshot`]): the
//! renderer draws each into a frame on the encoder thread. Snapshots are
//! small, so their queue is bounded by bytes
//! ([`WriterOptions::snapshot_queue_bytes`], 64 MiB by default) instead of
//! by count: a whole episode's snapshots fit, and the caller waits only
//! beyond the limit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;

use super::overlay::OverlayStyle;
use super::queue::{CloseOnDrop, Job, Limits, Picture, Queue};
use super::worker::{Pools, Worker};
use super::{EncoderSettings, FrameTap, VideoFacts, VideoFormat, VideoSink, VideoSpec};
use crate::frame::{Frame, FrameRenderer, Snapshot};
use crate::{Error, Result};

/// Extra returned buffers the pool keeps beyond the frames that can be in
/// flight (queued, being encoded, being filled).
const POOL_SLACK: usize = 2;

/// The default byte limit of a writer's snapshot queue: 64 MiB, about a
/// million CartPole snapshots; a frame would need 0.7 MiB.
pub const DEFAULT_SNAPSHOT_QUEUE_BYTES: usize = 64 << 20;

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
    /// Bytes of snapshots that may wait for the encoder before
    /// [`submit_snapshot`](VideoWriter::submit_snapshot) blocks (at least
    /// one snapshot always fits). Used by writers with a renderer.
    pub snapshot_queue_bytes: usize,
}

/// Frames that may wait for the encoder by default. The encoder is the
/// slow side, so a longer queue only holds more memory: 4 frames keep the
/// env and encoder threads both busy (`benches/compare.sh`: a 16-frame
/// queue held ~9 MiB more at the same throughput).
pub const DEFAULT_QUEUE_CAPACITY: usize = 4;

impl Default for WriterOptions {
    /// The format from the extension, the default encoder settings,
    /// [`DEFAULT_QUEUE_CAPACITY`] queued frames,
    /// [`DEFAULT_SNAPSHOT_QUEUE_BYTES`] of queued snapshots, no overlay.
    fn default() -> Self {
        WriterOptions {
            format: None,
            encoder: EncoderSettings::default(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            overlay: None,
            snapshot_queue_bytes: DEFAULT_SNAPSHOT_QUEUE_BYTES,
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

    /// Bytes of snapshots that may wait for the encoder before
    /// [`submit_snapshot`](VideoWriter::submit_snapshot) blocks.
    pub fn snapshot_queue_bytes(mut self, bytes: usize) -> Self {
        self.snapshot_queue_bytes = bytes;
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
        self.open(path.as_ref(), spec, None, taps)
    }

    /// [`create_tapped`](Self::create_tapped), with `renderer` on the
    /// encoder thread to draw the snapshots sent with
    /// [`submit_snapshot`](VideoWriter::submit_snapshot) into frames of the
    /// spec's size. Frames can be submitted too.
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
    /// let mut writer =
    ///     WriterOptions::new().create_deferred(&path, VideoSpec::new(600, 400, 50), renderer, Vec::new())?;
    /// for _ in 0..20 {
    ///     let mut snapshot = writer.snapshot_buffer(); // empty, pooled
    ///     env.snapshot_into(&mut snapshot)?; // 32 bytes, not a 720 kB frame
    ///     writer.submit_snapshot(snapshot)?;
    ///     env.step(1)?;
    /// }
    /// assert_eq!(writer.finish()?.frames, 20);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_deferred(
        &self,
        path: impl AsRef<Path>,
        spec: VideoSpec,
        renderer: Box<dyn FrameRenderer>,
        taps: Vec<Box<dyn FrameTap>>,
    ) -> Result<VideoWriter> {
        self.open(path.as_ref(), spec, Some(renderer), taps)
    }

    fn open(
        &self,
        path: &Path,
        spec: VideoSpec,
        renderer: Option<Box<dyn FrameRenderer>>,
        taps: Vec<Box<dyn FrameTap>>,
    ) -> Result<VideoWriter> {
        let path = path.to_path_buf();
        let format = match self.format {
            Some(format) => format,
            None => VideoFormat::from_path(&path)?,
        };
        let encoder = self.encoder.clone();
        super::check(format, &spec, &encoder)?;
        let sink_path = path.clone();
        let worker = Worker {
            overlay: self.overlay,
            renderer,
            taps,
        };
        let limits = Limits {
            frames: self.queue_capacity,
            bytes: self.snapshot_queue_bytes,
        };
        VideoWriter::start(path, spec, limits, worker, move || {
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
    /// Whether jobs may still be sent (the queue was not ended).
    open: bool,
    queue: Arc<Queue>,
    frames_rx: Receiver<(Frame, Option<String>)>,
    /// Overlay texts back from the worker, handed out again by `label`.
    spare_labels: Vec<String>,
    /// Whether the worker has a renderer for snapshots.
    renders: bool,
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
        let limits = Limits {
            frames: queue_capacity,
            bytes: DEFAULT_SNAPSHOT_QUEUE_BYTES,
        };
        Self::start(
            path.as_ref().to_path_buf(),
            spec,
            limits,
            Worker::default(),
            make_sink,
        )
    }

    /// Starts the encoder thread: `make_sink` runs there, and so do the
    /// overlay painter, the renderer and the taps of `worker`.
    fn start<F>(
        path: PathBuf,
        spec: VideoSpec,
        limits: Limits,
        worker: Worker,
        make_sink: F,
    ) -> Result<Self>
    where
        F: FnOnce() -> Result<Box<dyn VideoSink>> + Send + 'static,
    {
        spec.validate()?;
        let (frames_tx, frames_rx) = mpsc::sync_channel(limits.frames + POOL_SLACK);
        let queue = Arc::new(Queue::new(limits));
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<()>>(1);
        let renders = worker.renderer.is_some();
        let worker_path = path.clone();
        let worker_queue = queue.clone();
        let worker = std::thread::Builder::new()
            .name("gymrec-encoder".into())
            .spawn(move || -> Result<VideoFacts> {
                let _close = CloseOnDrop(worker_queue.clone());
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
                let pools = Pools { frames: frames_tx };
                worker.run(sink, &worker_path, spec, &worker_queue, pools)
            })
            .map_err(|e| Error::io(&path, e))?;

        match ready_rx.recv() {
            Ok(Ok(())) => Ok(VideoWriter {
                path,
                spec,
                open: true,
                queue,
                frames_rx,
                spare_labels: Vec::new(),
                renders,
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
            match self.frames_rx.try_recv() {
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

    /// An empty [`Snapshot`] to fill and send with
    /// [`submit_snapshot`](Self::submit_snapshot): one the worker has
    /// finished with when there is one (cleared; it keeps its capacity, so
    /// filling it allocates nothing in the steady state), else a new one.
    pub fn snapshot_buffer(&mut self) -> Snapshot {
        match self.queue.pooled() {
            Some((mut snapshot, label)) => {
                if let Some(label) = label {
                    self.spare_labels.push(label);
                }
                snapshot.clear();
                snapshot
            }
            None => Snapshot::new(),
        }
    }

    /// A `String` to write overlay text into and send with
    /// [`submit_labelled`](Self::submit_labelled): one the worker has
    /// finished with when there is one (it keeps its capacity, so filling
    /// it allocates nothing in the steady state), else a new one. It holds
    /// whatever it held before.
    ///
    /// Texts come back with their frames: call [`buffer`](Self::buffer),
    /// [`recycled_buffer`](Self::recycled_buffer) or
    /// [`snapshot_buffer`](Self::snapshot_buffer) first, as the recorder
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
        self.send_frame(frame, None)
    }

    /// Hands `frame` to the encoder thread like [`submit`](Self::submit),
    /// with `text` to draw into it there when the writer has an overlay
    /// (else the text is ignored); `'\n'` starts a new line.
    pub fn submit_labelled(&mut self, frame: Frame, text: String) -> Result<()> {
        self.send_frame(frame, Some(text))
    }

    /// Hands `snapshot` to the encoder thread, where the writer's renderer
    /// draws it into the next frame; blocks while the snapshots waiting
    /// hold more than the byte limit. Snapshots are never dropped.
    ///
    /// Errors with [`Error::NoRenderer`] when the writer was made without a
    /// renderer ([`WriterOptions::create_deferred`]); after a failure, as
    /// [`submit`](Self::submit).
    pub fn submit_snapshot(&mut self, snapshot: Snapshot) -> Result<()> {
        self.send_snapshot(snapshot, None)
    }

    /// [`submit_snapshot`](Self::submit_snapshot), with `text` to draw into
    /// the rendered frame, as [`submit_labelled`](Self::submit_labelled).
    pub fn submit_snapshot_labelled(&mut self, snapshot: Snapshot, text: String) -> Result<()> {
        self.send_snapshot(snapshot, Some(text))
    }

    /// Whether the writer has a renderer for snapshots.
    pub fn renders_snapshots(&self) -> bool {
        self.renders
    }

    fn send_frame(&mut self, frame: Frame, label: Option<String>) -> Result<()> {
        if let Some(stopped) = &self.stopped {
            return Err(stopped.error(&self.path));
        }
        self.spec.check_frame(&frame, &self.path)?;
        self.send(Job {
            picture: Picture::Frame(frame),
            label,
        })
    }

    fn send_snapshot(&mut self, snapshot: Snapshot, label: Option<String>) -> Result<()> {
        if let Some(stopped) = &self.stopped {
            return Err(stopped.error(&self.path));
        }
        if !self.renders {
            return Err(Error::NoRenderer {
                path: self.path.clone(),
            });
        }
        self.send(Job {
            picture: Picture::Snapshot(snapshot),
            label,
        })
    }

    fn send(&mut self, job: Job) -> Result<()> {
        if !self.open {
            return Err(self.stop_with("the writer was already finished".into()));
        }
        // A closed queue: the worker has failed.
        if !self.queue.push(job) {
            return Err(self.collect_failure());
        }
        self.submitted += 1;
        Ok(())
    }

    /// Frames and snapshots accepted so far.
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

    /// Closes the queue and returns at once: the worker encodes what is
    /// queued and closes the file on its own; the [`FinishingVideo`] says
    /// when it is done and gives what [`finish`](Self::finish) would have.
    /// Several videos can so be encoded at once.
    pub fn finish_in_background(mut self) -> FinishingVideo {
        self.end_jobs();
        let outcome = match (self.stopped.take(), self.worker.take()) {
            (Some(stopped), _) => Outcome::Done(Err(stopped.error(&self.path))),
            (None, Some(worker)) => Outcome::Running(worker),
            (None, None) => Outcome::Done(Err(
                Stopped::because("the writer was already finished").error(&self.path)
            )),
        };
        FinishingVideo {
            path: std::mem::take(&mut self.path),
            outcome: Some(outcome),
        }
    }

    /// Ends the writer: drops the sender and joins the worker.
    fn close(&mut self) -> Result<VideoFacts> {
        if let Some(stopped) = &self.stopped {
            return Err(stopped.error(&self.path));
        }
        self.end_jobs();
        let Some(worker) = self.worker.take() else {
            return Err(self.stop_with("the writer was already finished".into()));
        };
        let result = join_worker(worker, &self.path);
        self.stopped = Some(match &result {
            Ok(_) => Stopped::because("the writer was already finished"),
            Err(e) => Stopped::after(e),
        });
        result
    }

    /// Joins the failed worker and returns its error, marking the writer
    /// stopped.
    fn collect_failure(&mut self) -> Error {
        self.end_jobs();
        let error = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Ok(Ok(_))) => Stopped::because("the encoder thread ended early").error(&self.path),
            Some(Err(panic)) => Stopped::because(panic_message(&panic)).error(&self.path),
            None => Stopped::because("the encoder thread is gone").error(&self.path),
        };
        self.stopped = Some(Stopped::after(&error));
        error
    }

    /// Tells the worker no more jobs come.
    fn end_jobs(&mut self) {
        if std::mem::take(&mut self.open) {
            self.queue.end();
        }
    }

    fn stop_with(&mut self, reason: String) -> Error {
        let stopped = Stopped::because(reason);
        let error = stopped.error(&self.path);
        self.stopped = Some(stopped);
        error
    }
}

/// Joins a worker: its result, or its panic as an error.
fn join_worker(worker: JoinHandle<Result<VideoFacts>>, path: &Path) -> Result<VideoFacts> {
    match worker.join() {
        Ok(result) => result,
        Err(panic) => Err(Stopped::because(panic_message(&panic)).error(path)),
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
            .field("renders", &self.renders)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

/// A video whose writer has closed its queue
/// ([`VideoWriter::finish_in_background`]) while its worker finishes
/// encoding. Dropping it waits for the worker and logs an error.
#[derive(Debug)]
pub struct FinishingVideo {
    path: PathBuf,
    outcome: Option<Outcome>,
}

#[derive(Debug)]
enum Outcome {
    Running(JoinHandle<Result<VideoFacts>>),
    Done(Result<VideoFacts>),
}

impl FinishingVideo {
    /// The file being finished.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the worker is done: [`wait`](Self::wait) then returns at once.
    pub fn is_done(&self) -> bool {
        match &self.outcome {
            Some(Outcome::Running(worker)) => worker.is_finished(),
            _ => true,
        }
    }

    /// Waits until the worker is done and returns what was written, or the
    /// first error (as [`VideoWriter::finish`]).
    pub fn wait(mut self) -> Result<VideoFacts> {
        self.take_result()
    }

    fn take_result(&mut self) -> Result<VideoFacts> {
        match self.outcome.take() {
            Some(Outcome::Running(worker)) => join_worker(worker, &self.path),
            Some(Outcome::Done(result)) => result,
            None => Err(Stopped::because("the writer was already finished").error(&self.path)),
        }
    }
}

impl Drop for FinishingVideo {
    fn drop(&mut self) {
        if self.outcome.is_some() {
            if let Err(e) = self.take_result() {
                log::warn!("video finished in the background failed: {e}");
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the encoder thread panicked: {msg}")
}
