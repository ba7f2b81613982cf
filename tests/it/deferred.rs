//! Deferred rendering: the classic envs' snapshots, drawn on the encoder
//! side, give frames byte-identical to `render_into` on the env thread
//! (PNG sequences, every frame), through every wrapper and the vector
//! recorder; the snapshot queue is bounded by bytes and drops nothing; and
//! stopped videos encode in parallel while the report keeps start order.
#![cfg(feature = "png")]

use crate::common::temp_dir;
use gymrec::env::wrappers::EpisodeStatistics;
use gymrec::env::{DynEnv, Env, Info, Metadata, RenderMode, Space, Step};
use gymrec::policy::{Policy, Random};
use gymrec::record::{Overlay, RecordingConfig, RecordingObserver, Trigger, VectorFrames};
use gymrec::video::probe::decode_rgb;
use gymrec::video::{FrameTap, VideoFacts, VideoFormat, VideoSpec};
use gymrec::{Frame, FrameRenderer, Snapshot};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const CLASSIC: [&str; 4] = ["CartPole-v1", "MountainCar-v0", "Pendulum-v1", "Acrobot-v1"];

/// Every decoded frame of every video in `videos`, as raw RGB bytes.
fn decoded(videos: &[gymrec::record::RecordedVideo]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    for video in videos {
        decode_rgb(&video.facts.path, |_, img| {
            frames.push(img.as_raw().clone());
            true
        })
        .unwrap();
    }
    frames
}

fn config(dir: &Path, deferred: bool) -> RecordingConfig {
    RecordingConfig::new(dir)
        .format(VideoFormat::Png)
        .episode_trigger(Trigger::always())
        .step_trigger(Trigger::new(|step| step == 30))
        .video_length(25)
        .overlay(Overlay::new().text(|_, out| out.push_str("deferred?")))
        .deferred_rendering(deferred)
}

/// Records two seeded episodes of `id` (at most 60 steps each) with random
/// actions, through `make`'s TimeLimit, `EpisodeStatistics` and a
/// `Box<dyn Env>`: the frames written, and whether snapshots were used.
fn record(id: &str, dir: &Path, deferred: bool) -> (Vec<Vec<u8>>, bool) {
    let env: DynEnv = gymrec::make(id, RenderMode::RgbArray).unwrap();
    let env: Box<dyn Env<Obs = Vec<f32>, Action = gymrec::env::SpaceValue> + Send> =
        Box::new(EpisodeStatistics::new(env));
    let mut env = config(dir, deferred).wrap(env).unwrap();
    let snapshots = env.recorder().renders_snapshots();
    let mut policy = Random::new(env.action_space().clone(), 7);
    for episode in 0..2 {
        let (mut obs, _) = env.reset(Some(episode)).unwrap();
        for _ in 0..60 {
            let step = env.step(policy.act(&obs)).unwrap();
            if step.done() {
                break;
            }
            obs = step.obs;
        }
    }
    let videos = env.finish().into_result().unwrap();
    assert_eq!(videos.len(), 3, "{id}: two episode videos and a step video");
    (decoded(&videos), snapshots)
}

#[test]
fn snapshots_drawn_on_the_encoder_side_are_the_frames_render_into_draws() {
    for id in CLASSIC {
        let (a, b) = (temp_dir("deferred-on"), temp_dir("deferred-off"));
        let (deferred, used_snapshots) = record(id, &a, true);
        let (direct, used_frames) = record(id, &b, false);
        assert!(used_snapshots && !used_frames, "{id}");
        assert!(deferred.len() >= 30, "{id}: {} frames", deferred.len());
        assert_eq!(deferred.len(), direct.len(), "{id}");
        for (i, (x, y)) in deferred.iter().zip(&direct).enumerate() {
            assert!(x == y, "{id}: frame {i} differs");
        }
        // Not all one picture: the env moved.
        assert_ne!(deferred[0], deferred[9], "{id}");
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}

#[test]
fn the_vector_recorder_draws_every_cell_from_snapshots_as_from_frames() {
    for frames in [VectorFrames::Tiled, VectorFrames::FirstOnly] {
        let mut outputs = Vec::new();
        for deferred in [true, false] {
            let dir = temp_dir("deferred-vector");
            let envs = gymrec::env::SyncVectorEnv::from_fn(3, |_| {
                gymrec::make("Pendulum-v1", RenderMode::RgbArray)
            })
            .unwrap();
            let mut envs = config(&dir, deferred)
                .step_trigger(Trigger::never())
                .wrap_vector(envs, frames)
                .unwrap();
            assert_eq!(envs.recorder().renders_snapshots(), deferred);
            let mut policies: Vec<Random> = (0..3)
                .map(|i| Random::new(envs.inner().envs()[0].action_space().clone(), i))
                .collect();
            let (mut obs, _) = envs.reset(Some(3)).unwrap();
            for _ in 0..30 {
                let actions = policies
                    .iter_mut()
                    .zip(&obs)
                    .map(|(p, o)| p.act(o))
                    .collect();
                obs = envs.step(actions).unwrap().obs;
            }
            let videos = envs.finish().into_result().unwrap();
            outputs.push(decoded(&videos));
            std::fs::remove_dir_all(&dir).unwrap();
        }
        assert_eq!(outputs[0].len(), 25, "{frames:?}");
        assert!(
            outputs[0] == outputs[1],
            "{frames:?}: deferred frames differ"
        );
    }
}

/// A gate the test opens: renderers wait at it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// An env whose picture is its episode and step as grey levels, drawn by a
/// renderer that waits at a gate before drawing episode `gated_episode`.
struct Gated {
    space: Space,
    metadata: Metadata,
    episode: u64,
    t: u64,
    gate: Arc<Gate>,
    gated_episode: u64,
}

impl Gated {
    fn new(gate: Arc<Gate>, gated_episode: u64) -> Self {
        Gated {
            space: Space::Discrete(gymrec::env::Discrete::new(2)),
            metadata: Metadata::rgb_array(30),
            episode: 0,
            t: 0,
            gate,
            gated_episode,
        }
    }
}

#[derive(Clone)]
struct GatedRenderer {
    gate: Arc<Gate>,
    gated_episode: u64,
}

impl FrameRenderer for GatedRenderer {
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> gymrec::Result<()> {
        let mut reader = snapshot.reader();
        let (episode, t) = (reader.u64()?, reader.u64()?);
        if episode == self.gated_episode {
            self.gate.wait();
        }
        frame.fill(0);
        for (x, _, p) in frame.enumerate_pixels_mut() {
            let v = if x < 16 {
                40 * episode as u8
            } else {
                5 * t as u8
            };
            p.0 = [v, v, v];
        }
        Ok(())
    }
}

impl Env for Gated {
    type Obs = u64;
    type Action = i64;
    fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.t = 0;
        Ok((0, Info::new()))
    }
    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u64>> {
        self.t += 1;
        let done = self.t == 5;
        let step = Step::from((self.t, 1.0, done, false, Info::new()));
        if done {
            self.episode += 1;
        }
        Ok(step)
    }
    fn action_space(&self) -> &Space {
        &self.space
    }
    fn observation_space(&self) -> &Space {
        &self.space
    }
    fn render_mode(&self) -> RenderMode {
        RenderMode::RgbArray
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((32, 16))
    }
    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        Some(Box::new(GatedRenderer {
            gate: self.gate.clone(),
            gated_episode: self.gated_episode,
        }))
    }
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> gymrec::Result<()> {
        // The episode ends at t = 5 and counts on: the last frame is that
        // episode's.
        let episode = if self.t == 5 {
            self.episode - 1
        } else {
            self.episode
        };
        snapshot.push_u64(episode);
        snapshot.push_u64(self.t);
        Ok(())
    }
}

#[test]
fn a_whole_episode_of_snapshots_is_queued_while_the_encoder_waits() {
    let dir = temp_dir("deferred-queue");
    let gate = Arc::new(Gate::default());
    let mut env = RecordingConfig::new(&dir)
        .format(VideoFormat::Png)
        .episode_trigger(Trigger::always())
        .wrap(Gated::new(gate.clone(), 0))
        .unwrap();
    env.reset(None).unwrap();
    // The renderer is stuck on the first snapshot, and every step still
    // returns: the snapshots wait in the queue.
    for _ in 0..5 {
        env.step(0).unwrap();
    }
    gate.open();
    let videos = env.finish().into_result().unwrap();
    assert_eq!(videos[0].facts.frames, 6);
    assert_eq!(decoded(&videos).len(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn beyond_its_byte_limit_the_snapshot_queue_makes_the_step_wait_and_drops_nothing() {
    let dir = temp_dir("deferred-bound");
    let gate = Arc::new(Gate::default());
    // A snapshot counts its capacity and a 64-byte overhead: a 1-byte
    // limit lets one snapshot wait at a time.
    let config = RecordingConfig::new(&dir)
        .format(VideoFormat::Png)
        .episode_trigger(Trigger::always())
        .snapshot_queue_bytes(1);
    let mut env = config.wrap(Gated::new(gate.clone(), 0)).unwrap();
    let steps = Arc::new(AtomicU64::new(0));
    let counted = steps.clone();
    let stepper = std::thread::spawn(move || {
        env.reset(None).unwrap();
        for _ in 0..5 {
            env.step(0).unwrap();
            counted.fetch_add(1, Ordering::SeqCst);
        }
        env.finish().into_result().unwrap()
    });
    // The worker holds the reset's snapshot (stuck at the gate), one more
    // waits in the queue; the step after that must wait.
    std::thread::sleep(Duration::from_millis(300));
    let before = steps.load(Ordering::SeqCst);
    assert!(before <= 1, "{before} steps returned past the limit");
    gate.open();
    let videos = stepper.join().unwrap();
    assert_eq!(steps.load(Ordering::SeqCst), 5);
    assert_eq!(videos[0].facts.frames, 6);
    let levels: Vec<u8> = decoded(&videos).iter().map(|f| f[16 * 3]).collect();
    assert_eq!(levels, [0, 5, 10, 15, 20, 25], "every frame, in order");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Notes the order in which videos finish encoding (by their taps) and
/// the order the recorder judges them in.
#[derive(Default)]
struct Order {
    encoded: Arc<Mutex<Vec<PathBuf>>>,
    judged: Arc<Mutex<Vec<PathBuf>>>,
}

struct NoteFinish(Arc<Mutex<Vec<PathBuf>>>, PathBuf);

impl FrameTap for NoteFinish {
    fn frame(&mut self, _index: u64, _frame: &Frame) {}
    fn finish(self, _facts: Option<&VideoFacts>) {
        self.0.lock().unwrap().push(self.1.clone());
    }
}

impl RecordingObserver for Order {
    fn frame_tap(&mut self, path: &Path, _spec: &VideoSpec) -> Option<Box<dyn FrameTap>> {
        Some(Box::new(NoteFinish(
            self.encoded.clone(),
            path.to_path_buf(),
        )))
    }
    fn keep(&mut self, video: &gymrec::record::RecordedVideo) -> bool {
        self.judged.lock().unwrap().push(video.facts.path.clone());
        true
    }
}

#[test]
fn stopped_videos_encode_in_parallel_and_are_reported_in_start_order() {
    let dir = temp_dir("deferred-parallel");
    let gate = Arc::new(Gate::default());
    let order = Order::default();
    let (encoded, judged) = (order.encoded.clone(), order.judged.clone());
    let mut env = RecordingConfig::new(&dir)
        .format(VideoFormat::Png)
        .episode_trigger(Trigger::always())
        .video_length(6) // a whole episode: each video stops by itself
        .parallel_videos(2)
        .observer(order)
        .wrap(Gated::new(gate.clone(), 0))
        .unwrap();
    for _ in 0..2 {
        env.reset(None).unwrap();
        for _ in 0..5 {
            env.step(0).unwrap();
        }
    }
    // Episode 0's video is stuck at the gate; episode 1's encodes beside it.
    let started = Instant::now();
    while encoded.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "video 1 never finished"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        judged.lock().unwrap().is_empty(),
        "judged before video 0 was done"
    );
    gate.open();
    let videos = env.finish().into_result().unwrap();
    let names = |paths: &[PathBuf]| -> Vec<String> {
        paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    let (v0, v1) = ("rl-video-episode-0", "rl-video-episode-1");
    assert_eq!(names(&encoded.lock().unwrap()), [v1, v0]);
    assert_eq!(names(&judged.lock().unwrap()), [v0, v1]);
    let reported: Vec<PathBuf> = videos.iter().map(|v| v.facts.path.clone()).collect();
    assert_eq!(names(&reported), [v0, v1]);
    assert!(videos.iter().all(|v| v.facts.frames == 6));
    std::fs::remove_dir_all(&dir).unwrap();
}
