//! The encoder thread's loop: renders snapshots, draws overlays, writes
//! frames to the sink, shows them to the taps, and gives buffers back.

use std::sync::mpsc::SyncSender;

use super::overlay::{OverlayPainter, OverlayStyle};
use super::queue::{Job, Queue};
use super::submission::Picture;
use super::{FrameTap, VideoFacts, VideoSink, VideoSpec};
use crate::frame::{Frame, FrameRenderer};
use crate::{Error, Result};
use std::path::Path;

/// Where the worker returns frames: a bounded pool (a caller that brings
/// its own frames takes none back). Snapshots go back into the queue's.
pub(super) struct Pools {
    pub(super) frames: SyncSender<(Frame, Option<String>)>,
}

/// What the encoder thread runs beside the sink: the overlay, the renderer
/// of snapshots and the taps.
#[derive(Default)]
pub(super) struct Worker {
    pub(super) overlay: Option<OverlayStyle>,
    pub(super) renderer: Option<Box<dyn FrameRenderer>>,
    pub(super) taps: Vec<Box<dyn FrameTap>>,
}

impl Worker {
    /// The worker's loop: renders every snapshot received into its own
    /// frame, draws the overlay into every frame that has a label, writes
    /// it, shows it to the taps, returns buffers to the pools, and finishes
    /// the sink (then the taps) when the channel closes. On an error the
    /// sink is still finished (so the file holds the frames written so
    /// far) and the error is returned, which closes the queue.
    pub(super) fn run(
        mut self,
        mut sink: Box<dyn VideoSink>,
        path: &Path,
        spec: VideoSpec,
        queue: &Queue,
        pools: Pools,
    ) -> Result<VideoFacts> {
        let painter = self
            .overlay
            .map(|style| OverlayPainter::new(&style, spec.width, spec.height));
        // Snapshots are rendered into this one frame, made at the first.
        let mut rendered: Option<Frame> = None;
        for index in 0u64.. {
            let Some(mut job) = queue.pop() else {
                break;
            };
            let frame = match &mut job.picture {
                Picture::Frame(frame) => frame,
                Picture::Snapshot(snapshot) => {
                    let frame = rendered.get_or_insert_with(|| Frame::new(spec.width, spec.height));
                    // The writer sends snapshots only when it has a renderer.
                    let rendered = match self.renderer.as_mut() {
                        Some(renderer) => renderer.render(snapshot, frame),
                        None => Err(Error::NoRenderer {
                            path: path.to_path_buf(),
                        }),
                    };
                    if let Err(e) = rendered {
                        return Err(abandon(sink, self.taps, queue, e));
                    }
                    frame
                }
            };
            if let (Some(painter), Some(text)) = (painter.as_ref(), job.label.as_deref()) {
                painter.draw(frame, text);
            }
            if let Err(e) = sink.write(frame) {
                return Err(abandon(sink, self.taps, queue, e));
            }
            for tap in &mut self.taps {
                tap.frame(index, frame);
            }
            give_back(job, queue, &pools);
        }
        let facts = sink.finish();
        for tap in self.taps {
            tap.finish(facts.as_ref().ok());
        }
        facts
    }
}

/// Returns a job's buffers to the pools; a full pool (or a gone writer)
/// just drops them.
fn give_back(job: Job, queue: &Queue, pools: &Pools) {
    let Job { picture, label } = job;
    match picture {
        Picture::Frame(frame) => {
            let _ = pools.frames.try_send((frame, label));
        }
        Picture::Snapshot(snapshot) => queue.recycle(snapshot, label),
    }
}

/// After a render or write error: stops taking jobs (a waiting caller
/// wakes and collects the error), finishes the sink so the file keeps the
/// frames written, tells the taps, and returns `error`.
fn abandon(
    sink: Box<dyn VideoSink>,
    taps: Vec<Box<dyn FrameTap>>,
    queue: &Queue,
    error: Error,
) -> Error {
    queue.close();
    if let Err(finish_err) = sink.finish() {
        log::debug!("after an error, finishing the video failed too: {finish_err}");
    }
    taps.into_iter().for_each(|tap| tap.finish(None));
    error
}
