//! Vector envs and their recorder, through the public API.
//!
//! `SyncVectorEnv`'s next-step autoreset and the recorder's file names and
//! frame counts are checked against what Gymnasium 1.4.0 does with the same
//! sub-envs (its `SyncVectorEnv` and `gymnasium.wrappers.vector.RecordVideo`;
//! the reference values below were printed by the script at the end of this
//! file). Videos are decoded back: each sub-env paints its frame so that its
//! index, step and episode can be read off the decoded picture.

use gymrec::Error;
use gymrec::env::Step;
use gymrec::env::vector::SyncVectorEnv;
use gymrec::env::{BoxSpace, Discrete, Env, Frame, Info, Metadata, RenderMode, Space, SpaceValue};
use gymrec::record::tile::TileLayout;
use gymrec::record::{Overlay, RecordedVideo, RecordingConfig, Trigger, VectorFrames};
use gymrec::video::VideoFormat;
use gymrec::video::probe::{decode_rgb, probe};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell as StdCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------
// The painted sub-env.

/// What a sub-env was asked to do, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    Reset(Option<u64>),
    Step(i64),
}

/// Sub-env `index` ends each episode after `len` steps (terminated, or
/// truncated when `truncates`). Observation `100·episode + t`, reward
/// `1 + index`. Its `w`×`h` frame has three flat grey regions: the top-left
/// quarter encodes the index, the top-right quarter the step `t`, the bottom
/// half the episode.
#[derive(Debug)]
struct Painted {
    index: u8,
    len: u64,
    truncates: bool,
    w: u32,
    h: u32,
    episode: i64,
    t: u64,
    calls: Vec<Call>,
    metadata: Metadata,
    actions: Space,
    observations: Space,
    mode: RenderMode,
}

const W: u32 = 64;
const H: u32 = 48;

impl Painted {
    fn new(index: usize, len: u64) -> Self {
        Painted {
            index: index as u8,
            len,
            truncates: false,
            w: W,
            h: H,
            episode: -1,
            t: 0,
            calls: Vec::new(),
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(25),
            },
            actions: Discrete::new(3).into(),
            observations: BoxSpace::uniform(1, 0.0, 1e9).into(),
            mode: RenderMode::RgbArray,
        }
    }
}

fn index_level(index: usize) -> u8 {
    (40 + 25 * index) as u8
}

fn step_level(t: u64) -> u8 {
    (20 + 12 * t).min(250) as u8
}

fn episode_level(episode: u64) -> u8 {
    (30 + 50 * (episode % 4)) as u8
}

impl Env for Painted {
    type Obs = f64;
    type Action = i64;

    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(f64, Info)> {
        self.calls.push(Call::Reset(seed));
        self.episode += 1;
        self.t = 0;
        Ok((100.0 * self.episode as f64, Info::new()))
    }

    fn step(&mut self, action: i64) -> gymrec::Result<Step<f64>> {
        self.calls.push(Call::Step(action));
        self.t += 1;
        let end = self.t >= self.len;
        Ok(Step {
            obs: 100.0 * self.episode as f64 + self.t as f64,
            reward: 1.0 + f64::from(self.index),
            terminated: end && !self.truncates,
            truncated: end && self.truncates,
            info: Info::new(),
        })
    }

    fn action_space(&self) -> &Space {
        &self.actions
    }
    fn observation_space(&self) -> &Space {
        &self.observations
    }
    fn render_mode(&self) -> RenderMode {
        self.mode
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        (self.mode == RenderMode::RgbArray).then_some((self.w, self.h))
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        if self.mode != RenderMode::RgbArray {
            return Err(Error::NoFrames {
                env: "Painted".into(),
                mode: self.mode.to_string(),
            });
        }
        let (i, s, e) = (
            index_level(self.index.into()),
            step_level(self.t),
            episode_level(self.episode.max(0) as u64),
        );
        let (half_w, half_h) = (self.w / 2, self.h / 2);
        for (x, y, p) in frame.enumerate_pixels_mut() {
            let v = match (x < half_w, y < half_h) {
                (true, true) => i,
                (false, true) => s,
                _ => e,
            };
            p.0 = [v, v, v];
        }
        Ok(())
    }
}

/// `n` painted sub-envs, sub-env `i` with episodes of `lens[i]` steps.
fn painted(lens: &[u64]) -> SyncVectorEnv<Painted> {
    SyncVectorEnv::from_fn(lens.len(), |i| Ok(Painted::new(i, lens[i]))).unwrap()
}

/// The sub-envs of Gymnasium's reference runs: episodes of 3, 2 and 4
/// steps; sub-env 2 is truncated rather than terminated.
fn gymnasium_trio() -> SyncVectorEnv<Painted> {
    SyncVectorEnv::from_fn(3, |i| {
        let mut env = Painted::new(i, [3, 2, 4][i]);
        env.truncates = i == 2;
        Ok(env)
    })
    .unwrap()
}

// ---------------------------------------------------------------------------
// Helpers.

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-vector-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn decode_all(path: &Path) -> Vec<Frame> {
    let mut frames = Vec::new();
    decode_rgb(path, |_, f| {
        frames.push(f.clone());
        true
    })
    .unwrap();
    frames
}

/// The grey level around `(x, y)`: the mean of a 5×5 patch.
fn level(frame: &Frame, x: u32, y: u32) -> f64 {
    let mut sum = 0.0;
    for dy in 0..5 {
        for dx in 0..5 {
            let p = frame.get_pixel(x + dx - 2, y + dy - 2).0;
            sum += p.iter().map(|&c| f64::from(c)).sum::<f64>() / 3.0;
        }
    }
    sum / 25.0
}

fn assert_level(frame: &Frame, x: u32, y: u32, expected: u8, what: &str) {
    let got = level(frame, x, y);
    assert!(
        (got - f64::from(expected)).abs() <= 5.0,
        "{what}: level {got:.1} at ({x}, {y}), expected {expected}"
    );
}

/// Checks that the cell at `origin` shows sub-env `index` at step `t` of
/// `episode`.
fn assert_cell(frame: &Frame, origin: (u32, u32), index: usize, episode: u64, t: u64, what: &str) {
    let (x, y) = origin;
    let what = format!("{what}, sub-env {index} (episode {episode}, t {t})");
    assert_level(frame, x + W / 4, y + H / 4, index_level(index), &what);
    assert_level(frame, x + 3 * W / 4, y + H / 4, step_level(t), &what);
    assert_level(
        frame,
        x + W / 2,
        y + 3 * H / 4,
        episode_level(episode),
        &what,
    );
}

/// `(episode, t)` from a painted sub-env's observation.
fn state(obs: f64) -> (u64, u64) {
    let obs = obs as u64;
    (obs / 100, obs % 100)
}

fn names(videos: &[RecordedVideo]) -> Vec<String> {
    videos
        .iter()
        .map(|v| crate::common::file_name(&v.facts.path))
        .collect()
}

// ---------------------------------------------------------------------------
// SyncVectorEnv.

/// Gymnasium 1.4.0, `SyncVectorEnv` of the trio, `reset(seed=10)`, then 9
/// steps with actions `[k % 3, (k + 1) % 3, (k + 2) % 3]`.
#[test]
fn next_step_autoreset_matches_gymnasium() {
    let expected_obs = [
        [1.0, 1.0, 1.0],
        [2.0, 2.0, 2.0],
        [3.0, 100.0, 3.0],
        [100.0, 101.0, 4.0],
        [101.0, 102.0, 100.0],
        [102.0, 200.0, 101.0],
        [103.0, 201.0, 102.0],
        [200.0, 202.0, 103.0],
        [201.0, 300.0, 104.0],
    ];
    let expected_rewards = [
        [1.0, 2.0, 3.0],
        [1.0, 2.0, 3.0],
        [1.0, 0.0, 3.0],
        [0.0, 2.0, 3.0],
        [1.0, 2.0, 0.0],
        [1.0, 0.0, 3.0],
        [1.0, 2.0, 3.0],
        [0.0, 2.0, 3.0],
        [1.0, 0.0, 3.0],
    ];
    let (f, t) = (false, true);
    let expected_terminations = [
        [f, f, f],
        [f, t, f],
        [t, f, f],
        [f, f, f],
        [f, t, f],
        [f, f, f],
        [t, f, f],
        [f, t, f],
        [f, f, f],
    ];
    let expected_truncations = [
        [f, f, f],
        [f, f, f],
        [f, f, f],
        [f, f, t],
        [f, f, f],
        [f, f, f],
        [f, f, f],
        [f, f, f],
        [f, f, t],
    ];
    use Call::{Reset as R, Step as S};
    let expected_calls = [
        vec![
            R(Some(10)),
            S(0),
            S(1),
            S(2),
            R(None),
            S(1),
            S(2),
            S(0),
            R(None),
            S(2),
        ],
        vec![
            R(Some(11)),
            S(1),
            S(2),
            R(None),
            S(1),
            S(2),
            R(None),
            S(1),
            S(2),
            R(None),
        ],
        vec![
            R(Some(12)),
            S(2),
            S(0),
            S(1),
            S(2),
            R(None),
            S(1),
            S(2),
            S(0),
            S(1),
        ],
    ];

    let mut envs = gymnasium_trio();
    let (obs, infos) = envs.reset(Some(10)).unwrap();
    assert_eq!(obs, [0.0, 0.0, 0.0]);
    assert_eq!(infos.len(), 3);
    let mut previous_done = [false; 3];
    for k in 0..9 {
        let actions = vec![k % 3, (k + 1) % 3, (k + 2) % 3];
        let step = envs.step(actions).unwrap();
        let k = k as usize;
        assert_eq!(step.obs, expected_obs[k], "obs at step {k}");
        assert_eq!(step.rewards, expected_rewards[k], "rewards at step {k}");
        assert_eq!(
            step.terminations, expected_terminations[k],
            "terminations at step {k}"
        );
        assert_eq!(
            step.truncations, expected_truncations[k],
            "truncations at step {k}"
        );
        assert_eq!(step.autoreset, previous_done, "autoreset at step {k}");
        previous_done = [step.done(0), step.done(1), step.done(2)];
        assert_eq!(envs.autoreset_pending(), previous_done);
    }
    for (i, env) in envs.envs().iter().enumerate() {
        assert_eq!(env.calls, expected_calls[i], "calls of sub-env {i}");
    }

    // A new reset clears pending autoresets: the next step steps everyone.
    envs.reset(None).unwrap();
    let step = envs.step(vec![0, 0, 0]).unwrap();
    assert_eq!(step.autoreset, [false; 3]);
    assert!(step.rewards.iter().all(|&r| r > 0.0));
    assert_eq!(envs.env(1).unwrap().calls.last(), Some(&Call::Step(0)));
}

#[test]
fn reset_seeds_each_sub_env_and_takes_a_list_of_seeds() {
    let mut envs = painted(&[5, 5, 5, 5]);
    envs.reset(Some(u64::MAX - 1)).unwrap();
    let first: Vec<Call> = envs.envs().iter().map(|e| e.calls[0]).collect();
    // seed + i, wrapping like a u64.
    assert_eq!(
        first,
        [
            Call::Reset(Some(u64::MAX - 1)),
            Call::Reset(Some(u64::MAX)),
            Call::Reset(Some(0)),
            Call::Reset(Some(1))
        ]
    );
    envs.reset_with_seeds(&[Some(7), None, Some(9), None])
        .unwrap();
    let second: Vec<Call> = envs.envs().iter().map(|e| e.calls[1]).collect();
    assert_eq!(
        second,
        [
            Call::Reset(Some(7)),
            Call::Reset(None),
            Call::Reset(Some(9)),
            Call::Reset(None)
        ]
    );
    let err = envs.reset_with_seeds(&[Some(1)]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchLength {
                got: 1,
                expected: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        envs.envs().iter().all(|e| e.calls.len() == 2),
        "nothing was reset"
    );
}

#[test]
fn vector_env_errors_name_the_problem_and_never_half_step() {
    // No sub-envs.
    let err = SyncVectorEnv::<Painted>::new(Vec::new()).unwrap_err();
    assert!(err.to_string().contains("at least one sub-env"), "{err}");

    // Different action spaces.
    let mut odd = Painted::new(1, 3);
    odd.actions = Discrete::new(5).into();
    let err = SyncVectorEnv::new(vec![Painted::new(0, 3), odd]).unwrap_err();
    assert!(
        err.to_string()
            .contains("sub-env 1 has the action space Discrete(5)"),
        "{err}"
    );

    let mut envs = gymrec::env::vector::SyncVectorEnv::from_fn(2, |_| {
        gymrec::make("CartPole-v1", RenderMode::None)
    })
    .unwrap();
    assert_eq!(envs.name(), "SyncVectorEnv(CartPole-v1, num_envs=2)");

    // Before reset.
    let err = envs.step(vec![SpaceValue::Discrete(0); 2]).unwrap_err();
    assert!(err.to_string().contains("before reset()"), "{err}");

    // Wrong number of actions: nothing is stepped.
    envs.reset(Some(0)).unwrap();
    let err = envs.step(vec![SpaceValue::Discrete(0); 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "SyncVectorEnv(CartPole-v1, num_envs=2): 3 actions given for 2 sub-envs; give exactly \
         one per sub-env"
    );

    // A sub-env rejects its action after sub-env 0 stepped: the vector env
    // refuses to step until it is reset.
    let err = envs
        .step(vec![SpaceValue::Discrete(0), SpaceValue::Discrete(7)])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidAction { .. }), "{err}");
    let err = envs.step(vec![SpaceValue::Discrete(0); 2]).unwrap_err();
    assert!(
        err.to_string()
            .contains("after a sub-env failed; call reset() first"),
        "{err}"
    );
    envs.reset(None).unwrap();
    envs.step(vec![SpaceValue::Discrete(0); 2]).unwrap();

    // Rendering a sub-env that is not there, or an env that renders nothing.
    let mut frame = Frame::new(1, 1);
    let err = envs.render_into(2, &mut frame).unwrap_err();
    assert!(
        matches!(
            err,
            Error::SubEnvIndex {
                index: 2,
                num_envs: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("numbered 0 to 1"), "{err}");
    assert_eq!(envs.render().unwrap(), None);
}

#[test]
fn render_gives_each_sub_env_its_own_frame() {
    let mut envs = painted(&[4, 4, 4]);
    envs.reset(None).unwrap();
    envs.step(vec![0; 3]).unwrap();
    let frames = envs.render().unwrap().unwrap();
    assert_eq!(frames.len(), 3);
    for (i, frame) in frames.iter().enumerate() {
        assert_eq!(frame.dimensions(), (W, H));
        assert_eq!(frame.get_pixel(2, 2).0, [index_level(i); 3]);
        assert_eq!(frame.get_pixel(W - 2, 2).0, [step_level(1); 3]);
    }
}

// ---------------------------------------------------------------------------
// Tiling.

/// The expected grid and cell origins (in cells) for each N, written out.
fn expected_grid(n: usize) -> ((u32, u32), Vec<(u32, u32)>) {
    match n {
        1 => ((1, 1), vec![(0, 0)]),
        3 => ((2, 2), vec![(0, 0), (1, 0), (0, 1)]),
        4 => ((2, 2), vec![(0, 0), (1, 0), (0, 1), (1, 1)]),
        7 => (
            (3, 3),
            vec![(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1), (0, 2)],
        ),
        _ => unreachable!(),
    }
}

#[test]
fn layout_is_near_square_and_row_major_for_1_3_4_7() {
    for n in [1, 3, 4, 7] {
        let layout = TileLayout::near_square(n, (W, H)).unwrap();
        let ((rows, cols), cells) = expected_grid(n);
        assert_eq!((layout.rows(), layout.cols()), (rows, cols), "N = {n}");
        assert_eq!(layout.size(), (cols * W, rows * H), "N = {n}");
        assert_eq!(
            layout.padding_cells(),
            (rows * cols) as usize - n,
            "N = {n}"
        );
        for (i, (cx, cy)) in cells.into_iter().enumerate() {
            assert_eq!(
                layout.cell_origin(i),
                Some((cx * W, cy * H)),
                "N = {n}, cell {i}"
            );
        }
        assert_eq!(layout.cell_origin(n), None);
    }
    assert!(TileLayout::near_square(0, (W, H)).is_err());
    assert!(TileLayout::near_square(2, (0, H)).is_err());
    assert!(TileLayout::near_square(2, (u32::MAX, 1)).is_err());
}

#[test]
fn compose_copies_cells_exactly_and_blackens_padding() {
    let layout = TileLayout::near_square(3, (5, 3)).unwrap();
    let cells: Vec<Frame> = (0..3u32)
        .map(|i| Frame::from_fn(5, 3, |x, y| image::Rgb([i as u8, x as u8, y as u8])))
        .collect();
    // A grid full of garbage: every pixel must be overwritten.
    let mut grid = Frame::from_pixel(10, 6, image::Rgb([255, 255, 255]));
    layout.compose(&cells, &mut grid).unwrap();
    for (x, y, p) in grid.enumerate_pixels() {
        let cell = (y / 3) * 2 + x / 5;
        let expected = if cell < 3 {
            [cell as u8, (x % 5) as u8, (y % 3) as u8]
        } else {
            [0, 0, 0]
        };
        assert_eq!(p.0, expected, "pixel ({x}, {y})");
    }
    let err = layout.compose(&cells[..2], &mut grid).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchLength {
                got: 2,
                expected: 3,
                ..
            }
        ),
        "{err}"
    );
    let err = layout
        .copy_cell(1, &Frame::new(4, 3), &mut grid)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TileSize {
                got: (4, 3),
                expected: (5, 3),
                ..
            }
        ),
        "{err}"
    );
}

/// For each N: record every sub-env-0 episode while stepping, decode every
/// video and check each frame's cells against the observations the steps
/// returned (frame k shows the state after step k - 1, the first frame the
/// reset state), and that padding cells are black.
#[test]
fn tiled_video_shows_each_sub_env_in_its_cell_for_1_3_4_7() {
    for n in [1usize, 3, 4, 7] {
        let dir = temp_dir(&format!("tiled-{n}"));
        let lens: Vec<u64> = (0..n as u64).map(|i| 3 + i).collect();
        let mut envs = RecordingConfig::new(&dir)
            .episode_trigger(Trigger::always())
            .wrap_vector(painted(&lens), VectorFrames::Tiled)
            .unwrap();
        let ((rows, cols), cells) = expected_grid(n);
        assert_eq!(envs.frame_size(), (cols * W, rows * H));

        let mut states = vec![envs.reset(Some(0)).unwrap().0];
        for _ in 0..10 {
            states.push(envs.step(vec![0; n]).unwrap().obs);
        }
        let videos = envs.take_report().into_result().unwrap();
        // Sub-env 0's episodes last 3 steps: videos of 4, 4, 3 frames.
        assert_eq!(
            names(&videos),
            [
                "rl-video-episode-0.mp4",
                "rl-video-episode-1.mp4",
                "rl-video-episode-2.mp4"
            ]
        );
        let mut frames = Vec::new();
        for video in &videos {
            let probed = probe(&video.facts.path).unwrap();
            assert_eq!(
                (probed.width, probed.height),
                (cols * W, rows * H),
                "N = {n}"
            );
            frames.extend(decode_all(&video.facts.path));
        }
        assert_eq!(
            frames.len(),
            states.len(),
            "N = {n}: one frame per reset and step"
        );
        for (k, (frame, obs)) in frames.iter().zip(&states).enumerate() {
            for (i, &(cx, cy)) in cells.iter().enumerate() {
                let (episode, t) = state(obs[i]);
                let what = format!("N = {n}, frame {k}");
                assert_cell(frame, (cx * W, cy * H), i, episode, t, &what);
            }
            for pad in n..(rows * cols) as usize {
                let (cx, cy) = (pad as u32 % cols, pad as u32 / cols);
                for (x, y) in [(W / 4, H / 4), (3 * W / 4, H / 4), (W / 2, 3 * H / 4)] {
                    let what = format!("N = {n}, frame {k}, padding cell {pad}");
                    assert_level(frame, cx * W + x, cy * H + y, 0, &what);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

// ---------------------------------------------------------------------------
// Recording: Gymnasium's vector RecordVideo counts, file names, last frames.

/// Gymnasium 1.4.0: vector `RecordVideo(SyncVectorEnv(trio), episode_trigger=
/// lambda e: True)`, `reset(seed=0)`, 20 steps, `close()`: episodes 0 to 4
/// of 4 frames, episode 5 of 1 frame (sub-env 0's episodes last 3 steps).
#[test]
fn every_episode_video_ends_with_its_last_frame() {
    let dir = temp_dir("last-frame");
    let mut envs = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap_vector(gymnasium_trio(), VectorFrames::Tiled)
        .unwrap();
    let mut states = vec![envs.reset(Some(0)).unwrap().0];
    for _ in 0..20 {
        states.push(envs.step(vec![0; 3]).unwrap().obs);
    }
    assert_eq!(envs.recorder().episode_id(), Some(5));
    assert_eq!(envs.recorder().step_id(), Some(19));
    envs.close().unwrap();
    let videos = envs.take_report().into_result().unwrap();
    let expected: Vec<String> = (0..6)
        .map(|e| format!("rl-video-episode-{e}.mp4"))
        .collect();
    assert_eq!(names(&videos), expected);
    let counts: Vec<u64> = videos.iter().map(|v| v.facts.frames).collect();
    assert_eq!(counts, [4, 4, 4, 4, 4, 1]);

    let mut all = Vec::new();
    for (e, video) in videos.iter().enumerate() {
        let frames = decode_all(&video.facts.path);
        assert_eq!(frames.len() as u64, video.facts.frames);
        // Sub-env 0: the reset frame first, the final state (t = 3) last.
        assert_cell(
            &frames[0],
            (0, 0),
            0,
            e as u64,
            0,
            &format!("episode {e}, first"),
        );
        if e < 5 {
            let last = frames.last().unwrap();
            assert_cell(last, (0, 0), 0, e as u64, 3, &format!("episode {e}, last"));
            let info = video.episodes.as_slice();
            assert_eq!(info.len(), 1, "{info:?}");
            assert_eq!(
                (info[0].episode, info[0].length, info[0].ret),
                (e as u64, 3, 3.0)
            );
            assert!(info[0].complete);
        }
        all.extend(frames);
    }
    // Every episode of every sub-env shows its final state before its reset
    // state: each sub-env's t runs 0, 1, …, len, 0, 1, … frame by frame.
    assert_eq!(all.len(), states.len());
    for (i, len) in [3u64, 2, 4].into_iter().enumerate() {
        let origin = [(0, 0), (W, 0), (0, H)][i];
        for (k, frame) in all.iter().enumerate() {
            let (episode, t) = (k as u64 / (len + 1), k as u64 % (len + 1));
            assert_eq!(state(states[k][i]), (episode, t), "sub-env {i} frame {k}");
            assert_cell(frame, origin, i, episode, t, &format!("frame {k}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the trio as Gymnasium's reference runs do (`reset(seed=0)`, 20
/// steps, finish) and returns the videos' names and frame counts.
fn record_trio(
    name: &str,
    config: impl FnOnce(RecordingConfig) -> RecordingConfig,
    frames: VectorFrames,
) -> (Vec<String>, Vec<u64>, Vec<RecordedVideo>) {
    let dir = temp_dir(name);
    let mut envs = config(RecordingConfig::new(&dir))
        .wrap_vector(gymnasium_trio(), frames)
        .unwrap();
    envs.reset(Some(0)).unwrap();
    for _ in 0..20 {
        envs.step(vec![0; 3]).unwrap();
    }
    let videos = envs.take_report().into_result().unwrap();
    let counts = videos.iter().map(|v| v.facts.frames).collect();
    (names(&videos), counts, videos)
}

#[test]
fn names_and_counts_follow_gymnasium_vector_record_video() {
    // episode_trigger=lambda e: e % 2 == 0, video_length=2: Gymnasium writes
    // episodes 0, 2, 4 with 3 frames each; gymrec writes exactly 2.
    let (names, counts, videos) = record_trio(
        "every2",
        |c| {
            c.episode_trigger(Trigger::every(2).unwrap())
                .video_length(2)
        },
        VectorFrames::Tiled,
    );
    assert_eq!(
        names,
        [
            "rl-video-episode-0.mp4",
            "rl-video-episode-2.mp4",
            "rl-video-episode-4.mp4"
        ]
    );
    assert_eq!(counts, [2, 2, 2]);
    assert_eq!(videos[1].trigger, "every:2");

    // step_trigger=lambda s: s % 7 == 0: a step video stops when sub-env 0
    // is next reset. Gymnasium: step-0 has 3 frames, step-7 4, step-14 1.
    let (names, counts, videos) = record_trio(
        "steps7",
        |c| {
            c.step_trigger(Trigger::every(7).unwrap())
                .name_prefix("vec")
        },
        VectorFrames::Tiled,
    );
    assert_eq!(
        names,
        ["vec-step-0.mp4", "vec-step-7.mp4", "vec-step-14.mp4"]
    );
    assert_eq!(counts, [3, 4, 1]);
    assert_eq!(videos[1].steps, Some((7, 10)));

    // With video_length=3 step videos run across resets. Gymnasium: 4
    // frames each; gymrec: exactly 3.
    let (names, counts, _) = record_trio(
        "steps7-len3",
        |c| c.step_trigger(Trigger::every(7).unwrap()).video_length(3),
        VectorFrames::Tiled,
    );
    assert_eq!(
        names,
        [
            "rl-video-step-0.mp4",
            "rl-video-step-7.mp4",
            "rl-video-step-14.mp4"
        ]
    );
    assert_eq!(counts, [3, 3, 3]);

    // The default trigger is the capped cubic schedule: episodes 0 and 1.
    let (names, counts, _) = record_trio("cubic", |c| c, VectorFrames::Tiled);
    assert_eq!(names, ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]);
    assert_eq!(counts, [4, 4]);
}

/// Gymnasium: `record_first_only=True, episode_trigger=lambda e: e == 1`
/// writes episode 1 with 4 frames of sub-env 0 alone.
#[test]
fn first_only_records_sub_env_0_at_its_own_size() {
    let (names, counts, videos) = record_trio(
        "first-only",
        |c| c.episode_trigger(Trigger::new(|e| e == 1)),
        VectorFrames::FirstOnly,
    );
    assert_eq!(names, ["rl-video-episode-1.mp4"]);
    assert_eq!(counts, [4]);
    assert_eq!((videos[0].facts.width, videos[0].facts.height), (W, H));
    let frames = decode_all(&videos[0].facts.path);
    assert_eq!(frames[0].dimensions(), (W, H));
    for (t, frame) in frames.iter().enumerate() {
        assert_cell(frame, (0, 0), 0, 1, t as u64, &format!("frame {t}"));
    }
}

/// The value sub-env `index` paints at `(x, y)` of its frame at step `t`
/// of `episode`.
fn painted_value(index: usize, episode: u64, t: u64, x: u32, y: u32) -> u8 {
    match (x < W / 2, y < H / 2) {
        (true, true) => index_level(index),
        (false, true) => step_level(t),
        _ => episode_level(episode),
    }
}

/// A PNG sequence is lossless: every pixel of every grid frame is exactly
/// its sub-env's pixel, or black padding.
#[test]
fn png_sequence_grid_is_exact() {
    let dir = temp_dir("png");
    let mut envs = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Png)
        .wrap_vector(gymnasium_trio(), VectorFrames::Tiled)
        .unwrap();
    let mut states = vec![envs.reset(Some(0)).unwrap().0];
    for _ in 0..6 {
        states.push(envs.step(vec![0; 3]).unwrap().obs);
    }
    let videos = envs.take_report().into_result().unwrap();
    assert_eq!(names(&videos), ["rl-video-episode-0", "rl-video-episode-1"]);
    assert!(videos[0].facts.path.is_dir());
    let mut k = 0;
    for video in &videos {
        for frame in decode_all(&video.facts.path) {
            assert_eq!(frame.dimensions(), (2 * W, 2 * H));
            for (x, y, p) in frame.enumerate_pixels() {
                let cell = (y / H * 2 + x / W) as usize;
                let expected = if cell < 3 {
                    let (episode, t) = state(states[k][cell]);
                    painted_value(cell, episode, t, x % W, y % H)
                } else {
                    0
                };
                assert_eq!(p.0, [expected; 3], "frame {k}, pixel ({x}, {y})");
            }
            k += 1;
        }
    }
    assert_eq!(k, states.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// An overlay describes sub-env 0 (its step within the episode, its reward,
/// none on reset frames) and is drawn in the top-left corner only.
#[test]
fn overlay_describes_sub_env_0_and_stays_in_the_corner() {
    let dir = temp_dir("overlay");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let overlay = Overlay::new().text(move |frame, out| {
        log.lock().unwrap().push((
            frame.episode,
            frame.episode_step,
            frame.step_id,
            frame.reward,
        ));
        out.push_str("sub-env 0");
    });
    let mut envs = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Png)
        .overlay(overlay)
        .wrap_vector(painted(&[3, 5, 5, 5]), VectorFrames::Tiled)
        .unwrap();
    let mut states = vec![envs.reset(Some(0)).unwrap().0];
    for _ in 0..5 {
        states.push(envs.step(vec![0; 4]).unwrap().obs);
    }
    let videos = envs.take_report().into_result().unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            (Some(0), 0, None, None),
            (Some(0), 1, Some(0), Some(1.0)),
            (Some(0), 2, Some(1), Some(1.0)),
            (Some(0), 3, Some(2), Some(1.0)),
            (Some(1), 0, Some(3), None), // the autoreset of sub-env 0
            (Some(1), 1, Some(4), Some(1.0)),
        ]
    );
    let mut k = 0;
    for video in &videos {
        for frame in decode_all(&video.facts.path) {
            let (episode, t) = state(states[k][0]);
            let changed = (0..H / 2)
                .flat_map(|y| (0..W).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    frame.get_pixel(x, y).0 != [painted_value(0, episode, t, x, y); 3]
                })
                .count();
            assert!(
                changed > 50,
                "frame {k}: the overlay changed only {changed} pixels"
            );
            // The bottom row of cells is untouched.
            for (x, y, p) in frame.enumerate_pixels().filter(|(_, y, _)| *y >= H) {
                let cell = 2 + (x / W) as usize;
                let (episode, t) = state(states[k][cell]);
                let expected = painted_value(cell, episode, t, x % W, y % H);
                assert_eq!(p.0, [expected; 3], "frame {k}, pixel ({x}, {y})");
            }
            k += 1;
        }
    }
    assert_eq!(k, states.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recorder_rejects_what_it_cannot_tile() {
    let dir = temp_dir("reject");
    // Sub-envs of different frame sizes cannot be tiled, but sub-env 0 can
    // be recorded alone.
    let mixed = || {
        SyncVectorEnv::from_fn(3, |i| {
            let mut env = Painted::new(i, 3);
            if i == 2 {
                env.w = 32;
            }
            Ok(env)
        })
        .unwrap()
    };
    let err = RecordingConfig::new(&dir)
        .wrap_vector(mixed(), VectorFrames::Tiled)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TileSize {
                got: (32, 48),
                expected: (64, 48),
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("sub-env 2: frame is 32x48"),
        "{err}"
    );
    let envs = RecordingConfig::new(&dir)
        .wrap_vector(mixed(), VectorFrames::FirstOnly)
        .unwrap();
    assert_eq!(envs.frame_size(), (W, H));
    drop(envs);

    // Envs that render nothing.
    let none =
        SyncVectorEnv::from_fn(2, |_| gymrec::make("CartPole-v1", RenderMode::None)).unwrap();
    let err = RecordingConfig::new(&dir)
        .wrap_vector(none, VectorFrames::Tiled)
        .err()
        .expect("envs that render nothing cannot be recorded");
    assert!(matches!(err, Error::NoFrames { .. }), "{err}");

    // A grid larger than a video may be.
    let big = SyncVectorEnv::from_fn(30, |i| {
        let mut env = Painted::new(i, 3);
        env.w = 3000;
        Ok(env)
    })
    .unwrap();
    let err = RecordingConfig::new(&dir)
        .wrap_vector(big, VectorFrames::Tiled)
        .unwrap_err();
    assert!(
        err.to_string().contains("tile into a 18000x240 video"),
        "{err}"
    );
    assert!(err.to_string().contains("VectorFrames::FirstOnly"), "{err}");

    // Existing videos are not overwritten unless asked.
    std::fs::write(dir.join("rl-video-episode-0.mp4"), b"x").unwrap();
    let err = RecordingConfig::new(&dir)
        .wrap_vector(painted(&[3]), VectorFrames::Tiled)
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Buffers: composing a grid allocates nothing once the buffers exist, and a
// long video allocates a bounded number of frames, not one per frame.

struct Counting;

thread_local! {
    /// Allocations of at least `MIN_BYTES` bytes are counted on this thread
    /// while set.
    static COUNTING: StdCell<bool> = const { StdCell::new(false) };
    static ALLOCS: StdCell<u64> = const { StdCell::new(0) };
    static LARGE: StdCell<u64> = const { StdCell::new(0) };
}

/// A painted cell's bytes: anything this large is a frame buffer.
const MIN_BYTES: usize = (W * H * 3) as usize;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNTING.try_with(|on| {
            if on.get() {
                let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
                if layout.size() >= MIN_BYTES {
                    let _ = LARGE.try_with(|n| n.set(n.get() + 1));
                }
            }
        });
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<T>(f: impl FnOnce() -> T) -> (T, u64, u64) {
    ALLOCS.with(|n| n.set(0));
    LARGE.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    let out = f();
    COUNTING.with(|on| on.set(false));
    (out, ALLOCS.with(StdCell::get), LARGE.with(StdCell::get))
}

#[test]
fn tiling_reuses_buffers() {
    let dir = temp_dir("buffers");
    let queue = 4;
    let mut envs = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .queue_capacity(queue)
        .wrap_vector(painted(&[1000; 7]), VectorFrames::Tiled)
        .unwrap();
    envs.reset(Some(0)).unwrap();

    // Composing the grid into an existing frame allocates nothing at all.
    let mut grid = Frame::new(0, 0);
    envs.render_into(&mut grid).unwrap();
    let ((), allocs, _) = counted(|| {
        for _ in 0..50 {
            envs.render_into(&mut grid).unwrap();
        }
    });
    assert_eq!(allocs, 0, "allocations while composing 50 grids");

    // Recording 300 grid frames allocates at most the writer's pool of
    // frame buffers (the queue, the one being encoded, one being filled,
    // and slack), not one per frame.
    let ((), _, large) = counted(|| {
        for _ in 0..300 {
            envs.step(vec![0; 7]).unwrap();
        }
    });
    assert!(
        large <= queue as u64 + 4,
        "{large} frame-sized allocations for 300 frames"
    );
    let videos = envs.take_report().into_result().unwrap();
    assert_eq!(videos[0].facts.frames, 301);
    let _ = std::fs::remove_dir_all(&dir);
}

// The Gymnasium reference values above were printed by this script
// (Gymnasium 1.4.0, moviepy 2.1.2):
//
// import json, numpy as np, gymnasium as gym
// from gymnasium.vector import SyncVectorEnv
// from gymnasium.wrappers.vector import RecordVideo
// class Painted(gym.Env):
//     metadata = {"render_modes": ["rgb_array"], "render_fps": 25}
//     def __init__(self, index, length):
//         self.index, self.length = index, length
//         self.action_space = gym.spaces.Discrete(3)
//         self.observation_space = gym.spaces.Box(0, 1e9, (1,), np.float64)
//         self.render_mode = "rgb_array"; self.t = 0; self.episode = -1; self.log = []
//     def reset(self, *, seed=None, options=None):
//         super().reset(seed=seed); self.log.append(("reset", seed))
//         self.t = 0; self.episode += 1
//         return np.array([100.0 * self.episode]), {}
//     def step(self, a):
//         self.log.append(("step", int(a))); self.t += 1; end = self.t >= self.length
//         return (np.array([100.0 * self.episode + self.t]), 1.0 + self.index,
//                 end and self.index != 2, end and self.index == 2, {})
//     def render(self): return np.full((4, 6, 3), 10 * self.index + self.t, np.uint8)
// make = lambda i: (lambda: Painted(i, [3, 2, 4][i]))
// env = SyncVectorEnv([make(i) for i in range(3)])
// obs, _ = env.reset(seed=10)
// for k in range(9):
//     print(env.step(np.array([k % 3, (k + 1) % 3, (k + 2) % 3]))[:4])
// print([e.log for e in env.envs])
// def run(**kw):  # frames per video, counted before RecordVideo writes them
//     rv = RecordVideo(SyncVectorEnv([make(i) for i in range(3)]), "out", **kw)
//     counts, stop = {}, rv.stop_recording
//     def counting_stop():
//         counts[rv._video_name] = len(rv.recorded_frames); stop()
//     rv.stop_recording = counting_stop
//     rv.reset(seed=0)
//     for _ in range(20): rv.step(np.array([0, 0, 0]))
//     rv.close(); print(counts)
// run(episode_trigger=lambda e: True)
// run(episode_trigger=lambda e: e % 2 == 0, video_length=2)
// run(step_trigger=lambda s: s % 7 == 0)
// run(step_trigger=lambda s: s % 7 == 0, video_length=3)
// run(episode_trigger=lambda e: e == 1, record_first_only=True)

// ---------------------------------------------------------------------------
// The command line.

#[cfg(feature = "cli")]
#[test]
fn cli_records_a_grid_of_sub_envs() {
    let dir = temp_dir("cli");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gymrec"))
            .args([
                "record",
                "--env",
                "CartPole-v1",
                "--episodes",
                "2",
                "--trigger",
                "all",
            ])
            .args([
                "--max-episode-steps",
                "5",
                "--policy",
                "heuristic",
                "--quiet",
            ])
            .args(["--no-gallery", "--overwrite", "--out"])
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--num-envs", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 sub-envs, 2 episodes of sub-env 0"),
        "{stdout}"
    );
    for episode in 0..2 {
        let video = probe(&dir.join(format!("rl-video-episode-{episode}.mp4"))).unwrap();
        // The reset frame and 5 steps, of a 2 × 2 grid of 600×400 frames.
        assert_eq!((video.frames, video.width, video.height), (6, 1200, 800));
    }

    let out = run(&["--num-envs", "3", "--first-env-only"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let video = probe(&dir.join("rl-video-episode-1.mp4")).unwrap();
    assert_eq!((video.frames, video.width, video.height), (6, 600, 400));

    let out = run(&["--num-envs", "0"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at least one sub-env"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
