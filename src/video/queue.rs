//! The queue between a [`VideoWriter`](super::VideoWriter) and its encoder
//! thread: jobs (a frame, or a snapshot to render) counted against two
//! limits, frames waiting and bytes of snapshots waiting; and the pool
//! snapshots come back through. A `VecDeque` under a mutex whose capacity
//! is kept, so that in the steady state handing a job over allocates
//! nothing (std's unbounded channel allocates a block every 31 messages).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::submission::{Picture, Submission};
use crate::frame::Snapshot;

/// What a queued snapshot costs beyond its bytes and its label's: the job
/// itself and the channel's slot, counted against the byte limit.
const SNAPSHOT_OVERHEAD: usize = 64;

/// A job for the encoder thread: a picture with its overlay text; its
/// buffers come back the same way.
pub(super) type Job = Submission;

impl Job {
    /// What the job counts for against the queue's limits.
    pub(super) fn cost(&self) -> Cost {
        match &self.picture {
            Picture::Frame(_) => Cost::Frame,
            Picture::Snapshot(snapshot) => Cost::Bytes(snapshot_cost(snapshot, &self.label)),
        }
    }
}

/// The bytes a queued or pooled snapshot holds, with its label.
pub(super) fn snapshot_cost(snapshot: &Snapshot, label: &Option<String>) -> usize {
    snapshot.capacity() + label.as_ref().map_or(0, String::capacity) + SNAPSHOT_OVERHEAD
}

/// The queue's limits: frames waiting, and bytes of snapshots waiting.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) frames: usize,
    pub(super) bytes: usize,
}

/// What a job counts for against the limits.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cost {
    Frame,
    Bytes(usize),
}

/// The jobs between the caller and the worker: a queue whose buffer keeps
/// its capacity (so that in the steady state handing a job over allocates
/// nothing), counted against the limits. `push` makes the caller wait
/// while the frames or the snapshot bytes waiting are at their limit.
pub(super) struct Queue {
    pub(super) limits: Limits,
    state: Mutex<State>,
    /// The worker waits here for a job.
    job_ready: Condvar,
    /// The caller waits here for room, or for its frame to be taken.
    room: Condvar,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Snapshots (with their labels) the worker is done with, handed out
    /// again by `snapshot_buffer`; no more than the byte limit.
    pool: Vec<(Snapshot, Option<String>)>,
    pooled_bytes: usize,
    /// Frames waiting (taken off when the worker takes them).
    frames: usize,
    /// Bytes of snapshots waiting or being drawn (taken off once the
    /// snapshot is back in the pool).
    bytes: usize,
    worker_waiting: bool,
    caller_waiting: bool,
    /// The writer sends no more jobs.
    ended: bool,
    /// The worker has stopped: nothing more is taken.
    closed: bool,
}

impl Queue {
    pub(super) fn new(limits: Limits) -> Self {
        Queue {
            limits,
            state: Mutex::new(State::default()),
            job_ready: Condvar::new(),
            room: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock guards a queue and counters, left consistent at every
        // unlock: a panic elsewhere while holding it leaves them usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait_for_room<'a>(&self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        state.caller_waiting = true;
        self.room.wait(state).unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `job` fits, then queues it; `false` (the job dropped)
    /// when the worker has stopped. With a frame limit of 0 a frame fits
    /// when none is waiting, and `push` returns once the worker took it.
    pub(super) fn push(&self, job: Job) -> bool {
        let cost = job.cost();
        let mut state = self.lock();
        loop {
            if state.closed {
                return false;
            }
            let fits = match cost {
                Cost::Frame => state.frames < self.limits.frames.max(1),
                Cost::Bytes(bytes) => state.bytes == 0 || state.bytes + bytes <= self.limits.bytes,
            };
            if fits {
                break;
            }
            state = self.wait_for_room(state);
        }
        match cost {
            Cost::Frame => state.frames += 1,
            Cost::Bytes(bytes) => state.bytes += bytes,
        }
        state.jobs.push_back(job);
        if std::mem::take(&mut state.worker_waiting) {
            self.job_ready.notify_one();
        }
        if matches!(cost, Cost::Frame) && self.limits.frames == 0 {
            while state.frames > 0 && !state.closed {
                state = self.wait_for_room(state);
            }
        }
        true
    }

    /// The worker takes the next job, waiting for one; `None` once the
    /// writer has ended and every job was taken.
    pub(super) fn pop(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                if matches!(job.picture, Picture::Frame(_)) {
                    state.frames -= 1;
                    self.wake_caller(&mut state);
                }
                return Some(job);
            }
            if state.ended {
                return None;
            }
            state.worker_waiting = true;
            state = self
                .job_ready
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The worker is done with `snapshot`: back into the pool when there
    /// is room, and its bytes off the limit. Released once in the pool, so
    /// that a caller let in finds a buffer there.
    pub(super) fn recycle(&self, snapshot: Snapshot, label: Option<String>) {
        let cost = snapshot_cost(&snapshot, &label);
        let mut state = self.lock();
        if state.pooled_bytes + cost <= self.limits.bytes {
            state.pooled_bytes += cost;
            state.pool.push((snapshot, label));
        }
        state.bytes -= cost;
        self.wake_caller(&mut state);
    }

    /// A snapshot from the pool, with its label, if there is one.
    pub(super) fn pooled(&self) -> Option<(Snapshot, Option<String>)> {
        let mut state = self.lock();
        let (snapshot, label) = state.pool.pop()?;
        state.pooled_bytes -= snapshot_cost(&snapshot, &label);
        Some((snapshot, label))
    }

    fn wake_caller(&self, state: &mut State) {
        if std::mem::take(&mut state.caller_waiting) {
            self.room.notify_all();
        }
    }

    /// The writer sends no more jobs: the worker ends once it took them.
    pub(super) fn end(&self) {
        let mut state = self.lock();
        state.ended = true;
        if std::mem::take(&mut state.worker_waiting) {
            self.job_ready.notify_one();
        }
    }

    /// The worker has stopped: drops what waits and wakes a waiting caller.
    pub(super) fn close(&self) {
        let dropped = {
            let mut state = self.lock();
            state.closed = true;
            std::mem::take(&mut state.jobs)
        };
        drop(dropped);
        self.room.notify_all();
    }
}

/// Closes the queue when the worker ends, however it ends.
pub(super) struct CloseOnDrop(pub(super) Arc<Queue>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}
