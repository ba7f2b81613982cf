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

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;

use super::sink::{EncoderSettings, VideoFacts, VideoSink, VideoSpec};
use crate::env::Frame;
use crate::{Error, Result};

/// Extra returned buffers the pool keeps beyond the frames that can be in
/// flight (queued, being encoded, being filled).
const POOL_SLACK: usize = 2;

/// Streams frames to a video file through an encoder thread.
///
/// `spawn` opens the file on a new thread (reporting an open error at once),
/// `submit` sends frames in order, `finish` closes the file and returns
/// [`VideoFacts`]. A writer dropped without `finish` finishes the file on
/// drop and logs any error with `log::warn!`.
///
/// ```
/// use gymrec::record::sink::{EncoderSettings, VideoSpec};
/// use gymrec::record::writer::VideoWriter;
///
/// # fn main() -> gymrec::Result<()> {
/// let path = std::env::temp_dir().join("gymrec-doc-video-writer.mp4");
/// let spec = VideoSpec::new(64, 48, 30);
/// let mut writer = VideoWriter::spawn(path.clone(), spec, EncoderSettings::default(), 4)?;
/// for i in 0..30u32 {
///     let mut frame = writer.buffer(); // a recycled 64×48 buffer
///     for (x, _y, pixel) in frame.enumerate_pixels_mut() {
///         *pixel = image::Rgb([(x * 4) as u8, (i * 8) as u8, 128]);
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
    frames_tx: Option<SyncSender<Frame>>,
    pool_rx: Receiver<Frame>,
    worker: Option<JoinHandle<Result<VideoFacts>>>,
    submitted: u64,
    /// Why the writer stopped, once it has; later calls report it.
    stopped: Option<String>,
}

impl VideoWriter {
    /// Starts an encoder thread writing an H.264 MP4 to `path` through
    /// [`FfmpegSink`](crate::record::sink::ffmpeg::FfmpegSink), fed by a
    /// channel of `queue_capacity` frames (0 makes every `submit` wait until
    /// the worker takes the frame).
    ///
    /// Waits until the file is open: an invalid spec or settings, an
    /// unwritable path or an encoder that cannot be opened is an error here.
    /// Without the `ffmpeg` feature this always errors; use
    /// [`spawn_with`](Self::spawn_with) with another sink.
    pub fn spawn(
        path: PathBuf,
        spec: VideoSpec,
        settings: EncoderSettings,
        queue_capacity: usize,
    ) -> Result<Self> {
        spec.validate()?;
        settings.validate()?;
        #[cfg(feature = "ffmpeg")]
        {
            let sink_path = path.clone();
            Self::spawn_with(path, spec, queue_capacity, move || {
                let sink = super::sink::ffmpeg::FfmpegSink::create(&sink_path, &spec, &settings)?;
                Ok(Box::new(sink) as Box<dyn VideoSink>)
            })
        }
        #[cfg(not(feature = "ffmpeg"))]
        {
            let _ = queue_capacity;
            Err(Error::InvalidConfig(format!(
                "{}: gymrec was built without the `ffmpeg` feature, so it cannot write MP4 \
                 videos; enable the feature or use VideoWriter::spawn_with with another sink",
                path.display()
            )))
        }
    }

    /// Starts an encoder thread with the sink that `make_sink` creates on
    /// that thread (so the sink itself is made where it runs).
    ///
    /// `path` and `spec` describe what the sink writes; the writer uses them
    /// for error messages, frame-size checks and new buffers. Waits until
    /// `make_sink` has returned and passes on its error.
    pub fn spawn_with<F>(
        path: PathBuf,
        spec: VideoSpec,
        queue_capacity: usize,
        make_sink: F,
    ) -> Result<Self>
    where
        F: FnOnce() -> Result<Box<dyn VideoSink>> + Send + 'static,
    {
        spec.validate()?;
        let (frames_tx, frames_rx) = mpsc::sync_channel::<Frame>(queue_capacity);
        let (pool_tx, pool_rx) = mpsc::sync_channel::<Frame>(queue_capacity + POOL_SLACK);
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<()>>(1);
        let worker_path = path.clone();
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
                        return Err(Error::WriterStopped {
                            path: worker_path,
                            reason: "the video could not be opened".into(),
                        });
                    }
                };
                run_worker(sink, frames_rx, pool_tx)
            })
            .map_err(|e| Error::io(&path, e))?;

        match ready_rx.recv() {
            Ok(Ok(())) => Ok(VideoWriter {
                path,
                spec,
                frames_tx: Some(frames_tx),
                pool_rx,
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
                Err(Error::WriterStopped { path, reason })
            }
        }
    }

    /// A frame buffer of the spec's size to render into: one the worker has
    /// finished with when there is one, else a new one. Its content is
    /// whatever it held before.
    pub fn buffer(&mut self) -> Frame {
        let size = (self.spec.width, self.spec.height);
        loop {
            match self.pool_rx.try_recv() {
                Ok(frame) if frame.dimensions() == size => return frame,
                Ok(_) => continue,
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                    return Frame::new(size.0, size.1);
                }
            }
        }
    }

    /// Hands `frame` to the encoder thread, blocking while the queue is full;
    /// frames are never dropped.
    ///
    /// Errors with [`Error::FrameSize`] when the frame's size is not the
    /// spec's (the frame is not written, the writer goes on). When the worker
    /// has failed, returns its error; the writer has then stopped and every
    /// later `submit` and `finish` errors with [`Error::WriterStopped`].
    pub fn submit(&mut self, frame: Frame) -> Result<()> {
        if let Some(reason) = &self.stopped {
            return Err(Error::WriterStopped {
                path: self.path.clone(),
                reason: reason.clone(),
            });
        }
        let expected = (self.spec.width, self.spec.height);
        if frame.dimensions() != expected {
            return Err(Error::FrameSize {
                path: self.path.clone(),
                expected,
                got: frame.dimensions(),
            });
        }
        let Some(tx) = &self.frames_tx else {
            return Err(self.stop_with("the writer was already finished".into()));
        };
        match tx.send(frame) {
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
        if let Some(reason) = &self.stopped {
            return Err(Error::WriterStopped {
                path: self.path.clone(),
                reason: reason.clone(),
            });
        }
        self.frames_tx = None;
        let Some(worker) = self.worker.take() else {
            return Err(self.stop_with("the writer was already finished".into()));
        };
        let result = match worker.join() {
            Ok(result) => result,
            Err(panic) => Err(Error::WriterStopped {
                path: self.path.clone(),
                reason: panic_message(&panic),
            }),
        };
        self.stopped = Some(match &result {
            Ok(_) => "the writer was already finished".into(),
            Err(e) => e.to_string(),
        });
        result
    }

    /// Joins the failed worker and returns its error, marking the writer
    /// stopped.
    fn collect_failure(&mut self) -> Error {
        self.frames_tx = None;
        let error = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Ok(Ok(_))) => Error::WriterStopped {
                path: self.path.clone(),
                reason: "the encoder thread ended early".into(),
            },
            Some(Err(panic)) => Error::WriterStopped {
                path: self.path.clone(),
                reason: panic_message(&panic),
            },
            None => Error::WriterStopped {
                path: self.path.clone(),
                reason: "the encoder thread is gone".into(),
            },
        };
        self.stopped = Some(error.to_string());
        error
    }

    fn stop_with(&mut self, reason: String) -> Error {
        self.stopped = Some(reason.clone());
        Error::WriterStopped {
            path: self.path.clone(),
            reason,
        }
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

/// The worker's loop: writes every frame received, returns buffers to the
/// pool, finishes the sink when the channel closes. On a write error the
/// sink is still finished (so the file holds the frames written so far) and
/// the write error is returned, which hangs up the channel.
fn run_worker(
    mut sink: Box<dyn VideoSink>,
    frames_rx: Receiver<Frame>,
    pool_tx: SyncSender<Frame>,
) -> Result<VideoFacts> {
    for frame in frames_rx.iter() {
        if let Err(e) = sink.write(&frame) {
            drop(frames_rx);
            if let Err(finish_err) = sink.finish() {
                log::debug!("after a write error, finishing the video failed too: {finish_err}");
            }
            return Err(e);
        }
        // A full pool (the caller brings its own frames) or a gone writer
        // just drops the spare buffer.
        let _ = pool_tx.try_send(frame);
    }
    sink.finish()
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the encoder thread panicked: {msg}")
}
