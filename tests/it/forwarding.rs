//! Every wrapper forwards every `Env` method, defaulted or not, to the env it
//! wraps: an env whose every method answers something no default would is
//! wrapped in each wrapper and in stacks of them, and each method must give
//! the inner env's answer.

use gymrec::env::wrappers::{EpisodeStatistics, TimeLimit};
use gymrec::env::{
    BoxSpace, Discrete, DynEnv, Env, EnvSpec, Erased, Frame, Info, Metadata, RenderMode, Space,
    SpaceValue, Step,
};
use gymrec::image::Rgb;
use gymrec::record::{RecordingConfig, RecordingWrapper, Trigger};
use gymrec::{Error, FrameRenderer, Result, Snapshot};
use std::sync::{Arc, Mutex};

/// Which of the marked env's `render_into`, `render` and `close` ran.
type Log = Arc<Mutex<Vec<&'static str>>>;

/// An env whose every method answers something distinguishable from the
/// defaults (and from what a default built on the other methods would give).
struct Marked {
    log: Log,
    actions: Space,
    observations: Space,
    metadata: Metadata,
    spec: EnvSpec,
}

const FRAME_SIZE: (u32, u32) = (14, 6);
const RENDER_INTO_PIXEL: [u8; 3] = [1, 2, 3];
/// `render` is overridden to give a frame the default `render` (a
/// `frame_size` frame drawn by `render_into`) never would.
const RENDER_SIZE: (u32, u32) = (4, 2);
const RENDER_PIXEL: [u8; 3] = [9, 8, 7];
/// What the marked env's snapshots hold, and its renderer draws.
const SNAPSHOT: [u8; 2] = [4, 2];
const RENDERER_PIXEL: [u8; 3] = [5, 6, 7];

/// The marked env's renderer: paints its pixel where the snapshot is the
/// marked one.
#[derive(Clone)]
struct MarkedRenderer;

impl FrameRenderer for MarkedRenderer {
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> Result<()> {
        assert_eq!(snapshot.as_bytes(), SNAPSHOT);
        frame.pixels_mut().for_each(|p| p.0 = RENDERER_PIXEL);
        Ok(())
    }
}

fn marked_spec() -> EnvSpec {
    EnvSpec::new("Marked-v3").with_reward_threshold(Some(42.0))
}

fn marked_metadata() -> Metadata {
    Metadata {
        render_modes: vec![RenderMode::None, RenderMode::RgbArray],
        render_fps: Some(17),
    }
}

impl Marked {
    fn new(log: &Log) -> Self {
        Marked {
            log: log.clone(),
            actions: Discrete::new(7).into(),
            observations: BoxSpace::uniform(3, -2.0, 5.0).into(),
            metadata: marked_metadata(),
            spec: marked_spec(),
        }
    }

    fn note(&self, what: &'static str) {
        self.log.lock().unwrap().push(what);
    }
}

impl Env for Marked {
    type Obs = Vec<f32>;
    type Action = i64;

    fn reset(&mut self, _seed: Option<u64>) -> Result<(Vec<f32>, Info)> {
        let mut info = Info::new();
        info.insert("marked".into(), "reset".into());
        Ok((vec![0.5, 1.5, 2.5], info))
    }
    fn step(&mut self, action: i64) -> Result<Step<Vec<f32>>> {
        Ok((vec![action as f32; 3], 0.25, false, false, Info::new()).into())
    }
    fn action_space(&self) -> &Space {
        &self.actions
    }
    fn observation_space(&self) -> &Space {
        &self.observations
    }
    fn render_mode(&self) -> RenderMode {
        RenderMode::RgbArray
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn spec(&self) -> Option<&EnvSpec> {
        Some(&self.spec)
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        Some(FRAME_SIZE)
    }
    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        self.note("render_into");
        for p in frame.pixels_mut() {
            p.0 = RENDER_INTO_PIXEL;
        }
        Ok(())
    }
    fn render(&mut self) -> Result<Option<Frame>> {
        self.note("render");
        let (w, h) = RENDER_SIZE;
        Ok(Some(Frame::from_pixel(w, h, Rgb(RENDER_PIXEL))))
    }
    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        self.note("frame_renderer");
        Some(Box::new(MarkedRenderer))
    }
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        self.note("snapshot_into");
        snapshot.push_bytes(&SNAPSHOT);
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        self.note("close");
        Err(Error::env("Marked-v3", "closed by the marked env"))
    }
}

/// Checks that every method of `env` gives the marked env's answer (its spec
/// as `spec`, which a `TimeLimit` changes), and that `render_into`, `render`
/// and `close` ran the marked env's own methods and nothing else.
fn check<E: Env<Obs = Vec<f32>>>(
    what: &str,
    env: &mut E,
    log: &Log,
    action: E::Action,
    spec: EnvSpec,
) {
    let take = || std::mem::take(&mut *log.lock().unwrap());
    take();
    let (obs, info) = env.reset(Some(1)).unwrap();
    assert_eq!(obs, [0.5, 1.5, 2.5], "{what}: reset");
    assert_eq!(info["marked"], "reset", "{what}: reset info");
    let step = env.step(action).unwrap();
    assert_eq!(
        (step.obs, step.reward),
        (vec![3.0; 3], 0.25),
        "{what}: step"
    );

    assert_eq!(
        env.action_space(),
        &Space::from(Discrete::new(7)),
        "{what}: action_space"
    );
    assert_eq!(
        env.observation_space(),
        &Space::from(BoxSpace::uniform(3, -2.0, 5.0)),
        "{what}: observation_space"
    );
    assert_eq!(
        env.render_mode(),
        RenderMode::RgbArray,
        "{what}: render_mode"
    );
    assert_eq!(env.metadata(), &marked_metadata(), "{what}: metadata");
    assert_eq!(env.spec(), Some(&spec), "{what}: spec");
    assert_eq!(env.frame_size(), Some(FRAME_SIZE), "{what}: frame_size");

    let mut frame = Frame::new(FRAME_SIZE.0, FRAME_SIZE.1);
    env.render_into(&mut frame).unwrap();
    assert!(
        frame.pixels().all(|p| p.0 == RENDER_INTO_PIXEL),
        "{what}: render_into"
    );
    assert_eq!(take(), ["render_into"], "{what}: render_into ran");

    let frame = env.render().unwrap().expect("the marked env renders");
    assert_eq!(frame.dimensions(), RENDER_SIZE, "{what}: render");
    assert!(
        frame.pixels().all(|p| p.0 == RENDER_PIXEL),
        "{what}: render"
    );
    assert_eq!(take(), ["render"], "{what}: render ran the inner render");

    let mut snapshot = Snapshot::new();
    env.snapshot_into(&mut snapshot).unwrap();
    assert_eq!(snapshot.as_bytes(), SNAPSHOT, "{what}: snapshot_into");
    let mut renderer = env
        .frame_renderer()
        .expect("the marked env renders snapshots");
    assert_eq!(
        take(),
        ["snapshot_into", "frame_renderer"],
        "{what}: snapshot_into and frame_renderer ran"
    );
    let mut frame = Frame::new(FRAME_SIZE.0, FRAME_SIZE.1);
    renderer.render(&snapshot, &mut frame).unwrap();
    assert!(
        frame.pixels().all(|p| p.0 == RENDERER_PIXEL),
        "{what}: frame_renderer"
    );

    let err = env.close().unwrap_err();
    assert_eq!(
        err.to_string(),
        "Marked-v3: closed by the marked env",
        "{what}: close"
    );
    assert_eq!(take(), ["close"], "{what}: close ran");
}

fn limited(steps: u64) -> EnvSpec {
    marked_spec().with_max_episode_steps(Some(steps))
}

/// The (empty) video folder of the recording wrapper test `name`.
fn folder(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("gymrec-forwarding-{name}-{}", std::process::id()))
}

/// `env` in a recording wrapper that records nothing, into [`folder`]`(name)`.
fn recording<E: Env>(env: E, name: &str) -> RecordingWrapper<E> {
    let _ = std::fs::remove_dir_all(folder(name));
    RecordingConfig::new(folder(name))
        .episode_trigger(Trigger::never())
        .wrap(env)
        .unwrap()
}

#[test]
fn the_marked_env_itself_answers_as_checked() {
    let log = Log::default();
    check("Marked", &mut Marked::new(&log), &log, 3, marked_spec());
}

#[test]
fn time_limit_forwards_everything_but_its_spec() {
    let log = Log::default();
    let mut env = TimeLimit::new(Marked::new(&log), 9);
    check("TimeLimit", &mut env, &log, 3, limited(9));
}

#[test]
fn episode_statistics_forwards_everything() {
    let log = Log::default();
    let mut env = EpisodeStatistics::new(Marked::new(&log));
    check("EpisodeStatistics", &mut env, &log, 3, marked_spec());
}

#[test]
fn erased_and_dyn_env_forward_everything() {
    let log = Log::default();
    let mut env = Erased::new(Marked::new(&log));
    check(
        "Erased",
        &mut env,
        &log,
        SpaceValue::Discrete(3),
        marked_spec(),
    );
    let mut env: DynEnv = Box::new(Erased::new(Marked::new(&log)));
    check(
        "DynEnv",
        &mut env,
        &log,
        SpaceValue::Discrete(3),
        marked_spec(),
    );
}

#[test]
fn box_forwards_everything() {
    let log = Log::default();
    let mut env = Box::new(Marked::new(&log));
    check("Box<Marked>", &mut env, &log, 3, marked_spec());
    let mut env: Box<dyn Env<Obs = Vec<f32>, Action = i64> + Send> = Box::new(Marked::new(&log));
    check("Box<dyn Env>", &mut env, &log, 3, marked_spec());
}

#[test]
fn recording_wrapper_forwards_everything() {
    let log = Log::default();
    let mut env = recording(Marked::new(&log), "recording");
    check("RecordingWrapper", &mut env, &log, 3, marked_spec());
    assert_eq!(
        env.recorder().fps(),
        17,
        "the video fps comes from the forwarded metadata"
    );
    drop(env);
    std::fs::remove_dir_all(folder("recording")).unwrap();
}

#[test]
fn stacks_of_wrappers_forward_everything() {
    let log = Log::default();
    let mut env = EpisodeStatistics::new(TimeLimit::new(Marked::new(&log), 9));
    check(
        "EpisodeStatistics<TimeLimit>",
        &mut env,
        &log,
        3,
        limited(9),
    );

    let mut env = recording(
        TimeLimit::new(EpisodeStatistics::new(Box::new(Marked::new(&log))), 5),
        "stack-typed",
    );
    check(
        "RecordingWrapper<TimeLimit<EpisodeStatistics<Box>>>",
        &mut env,
        &log,
        3,
        limited(5),
    );

    // What the registry and the training callbacks hold: a DynEnv, wrapped
    // for recording, boxed again.
    let inner: DynEnv = Box::new(EpisodeStatistics::new(TimeLimit::new(
        Erased::new(Marked::new(&log)),
        7,
    )));
    let mut env: DynEnv = Box::new(recording(inner, "stack-dyn"));
    check(
        "DynEnv<RecordingWrapper<DynEnv<...>>>",
        &mut env,
        &log,
        SpaceValue::Discrete(3),
        limited(7),
    );
    drop(env);
    for name in ["stack-typed", "stack-dyn"] {
        std::fs::remove_dir_all(folder(name)).unwrap();
    }
}
