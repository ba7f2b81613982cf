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
//! frame's text (submitted with it, see [`Submission`]) into the frame on
//! the encoder thread, just before encoding it.
//!
//! A writer made with a [`FrameRenderer`](crate::FrameRenderer)
//! ([`WriterOptions::renderer`]) also takes [`Snapshot`]s: the renderer
//! draws each into a frame on the encoder thread. Snapshots are small, so
//! their queue is bounded by bytes ([`WriterOptions::snapshot_queue_bytes`],
//! 64 MiB by default) instead of by count: a whole episode's snapshots
//! fit, and the caller waits only beyond the limit.
//!
//! [`WriterOptions::overlay`]: super::WriterOptions::overlay
//! [`WriterOptions::renderer`]: super::WriterOptions::renderer
//! [`WriterOptions::snapshot_queue_bytes`]: super::WriterOptions::snapshot_queue_bytes

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;

use super::queue::{CloseOnDrop, Limits, Queue};
use super::submission::{Picture, Submission};
use super::worker::{Pools, Worker};
use super::{VideoFacts, VideoSink, VideoSpec};
use crate::frame::{Frame, Snapshot};
use crate::{Error, Result};

/// Extra returned buffers the pool keeps beyond the frames that can be in
/// flight (queued, being encoded, being filled).
const POOL_SLACK: usize = 2;

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
    /// Starts the encoder thread: `make_sink` runs there, and so do the
    /// overlay painter, the renderer and the taps of `worker`.
    pub(super) fn start<F>(
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

    /// An empty [`Snapshot`] to fill and [`submit`](Self::submit): one the worker has
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

    /// A `String` to write overlay text into and [`submit`](Self::submit)
    /// with a picture: one the worker has
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

    /// Hands a picture to the encoder thread: a [`Frame`], a [`Snapshot`]
    /// for the writer's renderer to draw there, or either with overlay text
    /// (`(frame, text)`, `(snapshot, text)`, or any [`Submission`]).
    /// Blocks while the queue is full (for snapshots: while those waiting
    /// hold more than the byte limit); pictures are never dropped, and the
    /// buffers move as they are (no pixel is copied).
    ///
    /// Errors with [`Error::FrameSize`] when a frame's size is not the
    /// spec's, and with [`Error::NoRenderer`] for a snapshot when the
    /// writer has no renderer ([`WriterOptions::renderer`]): the picture is
    /// not written, the writer goes on. When the worker has failed, returns
    /// its error; the writer has then stopped and every later `submit` and
    /// `finish` errors with [`Error::WriterStopped`].
    ///
    /// [`WriterOptions::renderer`]: super::WriterOptions::renderer
    pub fn submit(&mut self, picture: impl Into<Submission>) -> Result<()> {
        self.send(picture.into())
    }

    /// Whether the writer has a renderer for snapshots.
    pub fn renders_snapshots(&self) -> bool {
        self.renders
    }

    fn send(&mut self, job: Submission) -> Result<()> {
        if let Some(stopped) = &self.stopped {
            return Err(stopped.error(&self.path));
        }
        match &job.picture {
            Picture::Frame(frame) => self.spec.check_frame(frame, &self.path)?,
            Picture::Snapshot(_) if !self.renders => {
                return Err(Error::NoRenderer {
                    path: self.path.clone(),
                });
            }
            Picture::Snapshot(_) => {}
        }
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
