//! Test helpers shared by the integration tests: an env that paints each
//! frame with its (episode, step), temp folders, episode loops.
#![allow(dead_code)]

use gymrec::env::{BoxSpace, Discrete, Env, Frame, Info, Metadata, RenderMode, Space, Step};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Painted {
    pub width: u32,
    pub height: u32,
    pub episode_len: u64,
    pub episode: i64,
    pub t: u64,
    pub metadata: Metadata,
    pub actions: Space,
    pub observations: Space,
    pub mode: RenderMode,
}

impl Painted {
    pub fn new(episode_len: u64) -> Self {
        Painted::sized(episode_len, 64, 48, Some(25))
    }

    pub fn sized(episode_len: u64, width: u32, height: u32, fps: Option<u32>) -> Self {
        Painted {
            width,
            height,
            episode_len,
            episode: -1,
            t: 0,
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: fps,
            },
            actions: Discrete::new(1).into(),
            observations: BoxSpace::uniform(1, 0.0, 1e9).into(),
            mode: RenderMode::RgbArray,
        }
    }
}

pub fn left_level(step: u64) -> u8 {
    (20 + 12 * step).min(250) as u8
}

pub fn right_level(episode: u64) -> u8 {
    (30 + 50 * (episode % 4)) as u8
}

impl Env for Painted {
    type Obs = u64;
    type Action = i64;

    fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.episode += 1;
        self.t = 0;
        Ok((0, Info::new()))
    }

    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u64>> {
        self.t += 1;
        Ok(Step {
            obs: self.t,
            reward: 1.0,
            terminated: self.t >= self.episode_len,
            truncated: false,
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
        (self.mode == RenderMode::RgbArray).then_some((self.width, self.height))
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        let (l, r) = (left_level(self.t), right_level(self.episode as u64));
        for (x, _, p) in frame.enumerate_pixels_mut() {
            let v = if x < self.width / 2 { l } else { r };
            p.0 = [v, v, v];
        }
        Ok(())
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-rec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `episodes` full episodes.
pub fn run<E: Env<Action = i64>>(env: &mut E, episodes: u64) {
    for _ in 0..episodes {
        env.reset(None).unwrap();
        while !env.step(0).unwrap().done() {}
    }
}

/// The last part of `path`, as text (a video's file name).
pub fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// File names in `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Forwards the spaces (required), the metadata (its fps) and the frame
/// size of a test env wrapping a [`Painted`] in its field `0`; the render
/// mode keeps its default.
#[macro_export]
macro_rules! forward_to_painted {
    () => {
        fn action_space(&self) -> &gymrec::env::Space {
            self.0.action_space()
        }
        fn observation_space(&self) -> &gymrec::env::Space {
            self.0.observation_space()
        }
        fn metadata(&self) -> &gymrec::env::Metadata {
            self.0.metadata()
        }
        fn frame_size(&self) -> Option<(u32, u32)> {
            self.0.frame_size()
        }
    };
}

/// The name libtest gives the test function `name` of the module at
/// `module_path` (`module_path!()`): `file::name` inside the one test
/// binary, for running a test as a child process with `--exact`.
pub fn test_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    }
}

/// CartPole without a spec, as a user's own env might be.
pub struct NoSpec(pub gymrec::env::Erased<gymrec::env::classic::CartPole>);

impl NoSpec {
    /// A CartPole that renders nothing, without a spec.
    pub fn cartpole() -> Self {
        NoSpec(gymrec::env::Erased::new(
            gymrec::env::classic::CartPole::new(RenderMode::None),
        ))
    }
}

impl Env for NoSpec {
    type Obs = Vec<f32>;
    type Action = gymrec::env::SpaceValue;
    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(Vec<f32>, Info)> {
        self.0.reset(seed)
    }
    fn step(&mut self, a: Self::Action) -> gymrec::Result<Step<Vec<f32>>> {
        self.0.step(a)
    }
    fn action_space(&self) -> &Space {
        self.0.action_space()
    }
    fn observation_space(&self) -> &Space {
        self.0.observation_space()
    }
    fn render_mode(&self) -> RenderMode {
        self.0.render_mode()
    }
    fn metadata(&self) -> &Metadata {
        self.0.metadata()
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        self.0.frame_size()
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        self.0.render_into(frame)
    }
}

/// The numbers a child process wrote to `dir/journal.txt`, one a line.
pub fn journal(dir: &Path) -> Vec<u64> {
    std::fs::read_to_string(dir.join("journal.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect()
}

/// Runs the ignored test `name` of the module at `module_path` as a child
/// process with `env_key` set to `dir`, waits until it has written `lines`
/// lines to `dir/journal.txt` (panicking if it stops by itself or takes
/// over `limit`), kills it with SIGKILL (no destructor, no flush, wherever
/// it was) and returns the journal.
pub fn kill_after_journal(
    module_path: &str,
    name: &str,
    env_key: &str,
    dir: &Path,
    lines: usize,
    limit: std::time::Duration,
) -> Vec<u64> {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            test_name(module_path, name).as_str(),
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(env_key, dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while journal(dir).len() < lines {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child stopped by itself: {status}");
        }
        assert!(started.elapsed() < limit, "the child reported too little");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    journal(dir)
}

/// The video file names `dir`'s index.jsonl lists, in order.
pub fn index_files(dir: &Path) -> Vec<String> {
    gymrec::catalog::read_index(dir)
        .unwrap()
        .into_iter()
        .map(|e| e.file)
        .collect()
}
