//! A user's own env, written with only what `Env` requires plus its picture
//! (`frame_size`, `render_into`) and frame rate (`metadata`), recorded
//! through `RecordingWrapper` and decoded back; an env's own error
//! (`Error::Env`) reaching the caller through wrappers with its source
//! intact; and what an env that overrides nothing gives.

use crate::common::temp_dir;
use gymrec::env::wrappers::{EpisodeStatistics, TimeLimit};
use gymrec::env::{Discrete, Env, Frame, Info, Metadata, RenderMode, Space, Step};
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::{Error, image::Rgb};

const COLS: u32 = 8;
const ROWS: u32 = 6;
const CELL: u32 = 8;

/// A dot walking right along row `seed % ROWS`, one cell a step, the
/// episode ending in the last column; its steps fail with [`Stuck`] from
/// column `stuck_at` on.
struct Walk {
    x: u32,
    row: u32,
    stuck_at: Option<u32>,
    actions: Space,
    observations: Space,
    metadata: Metadata,
}

impl Walk {
    fn new(stuck_at: Option<u32>) -> Self {
        Walk {
            x: 0,
            row: 0,
            stuck_at,
            actions: Discrete::new(1).into(),
            observations: Discrete::new(u64::from(COLS)).into(),
            metadata: Metadata::rgb_array(10),
        }
    }
}

/// The walk's own failure.
#[derive(Debug, PartialEq)]
struct Stuck {
    x: u32,
}

impl std::fmt::Display for Stuck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stuck in column {}", self.x)
    }
}

impl std::error::Error for Stuck {}

impl Env for Walk {
    type Obs = u32;
    type Action = i64;

    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u32, Info)> {
        self.x = 0;
        self.row = (seed.unwrap_or(0) % u64::from(ROWS)) as u32;
        Ok((0, Info::new()))
    }
    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u32>> {
        if self.stuck_at.is_some_and(|at| self.x >= at) {
            return Err(Error::env("Walk", Stuck { x: self.x }));
        }
        self.x += 1;
        Ok((self.x, 1.0, self.x == COLS - 1, false, Info::new()).into())
    }
    fn action_space(&self) -> &Space {
        &self.actions
    }
    fn observation_space(&self) -> &Space {
        &self.observations
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((COLS * CELL, ROWS * CELL))
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        for (x, y, p) in frame.enumerate_pixels_mut() {
            let dot = (x / CELL, y / CELL) == (self.x, self.row);
            *p = Rgb(if dot { [250; 3] } else { [10; 3] });
        }
        Ok(())
    }
}

#[cfg(feature = "ffmpeg")]
#[test]
fn a_minimal_env_records_mp4_videos_that_decode_back() {
    use gymrec::video::probe::{decode_rgb, probe};
    let dir = temp_dir("custom-env");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Walk::new(None))
        .unwrap();
    // What the env does not override keeps its default through the wrapper.
    assert_eq!(env.render_mode(), RenderMode::None);
    assert!(env.spec().is_none());
    assert_eq!(
        env.recorder().fps(),
        10,
        "the fps comes from the env's metadata"
    );
    let rows = [1, 4];
    for row in rows {
        env.reset(Some(row)).unwrap();
        while !env.step(0).unwrap().done() {}
    }
    let videos = env.finish().into_result().unwrap();
    assert_eq!(videos.len(), 2);
    for (video, row) in videos.iter().zip(rows) {
        let path = &video.facts.path;
        let name = format!("rl-video-episode-{}.mp4", video.episodes[0].episode);
        assert!(path.ends_with(&name), "{}", path.display());
        let p = probe(path).unwrap();
        // The reset frame and one per step.
        assert_eq!(p.frames, u64::from(COLS), "{}", path.display());
        assert_eq!((p.width, p.height), (COLS * CELL, ROWS * CELL));
        assert_eq!(p.pixel_format, "yuv420p");
        assert_eq!(p.codec, "h264");
        assert!((p.fps - 10.0).abs() < 1e-6, "fps {}", p.fps);
        // Frame k shows the dot in column k of the episode's row.
        let centre = |col: u32, r: u32| (col * CELL + CELL / 2, r * CELL + CELL / 2);
        let decoded = decode_rgb(path, |k, frame| {
            let k = k as u32;
            let (x, y) = centre(k, row as u32);
            assert!(
                frame.get_pixel(x, y).0[0] > 200,
                "frame {k}: no dot at ({x}, {y})"
            );
            let (x, y) = centre((k + 4) % COLS, (row as u32 + 2) % ROWS);
            assert!(
                frame.get_pixel(x, y).0[0] < 60,
                "frame {k}: ({x}, {y}) is lit"
            );
            true
        })
        .unwrap();
        assert_eq!(decoded, u64::from(COLS));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Checks that `err` is the walk's `Error::Env` for column `x`, its source
/// reachable both through `std::error::Error::source` and the variant.
fn assert_stuck(err: &Error, x: u32) {
    assert_eq!(err.to_string(), format!("Walk: stuck in column {x}"));
    let source = std::error::Error::source(err).expect("Error::Env has a source");
    assert_eq!(source.downcast_ref::<Stuck>(), Some(&Stuck { x }));
    match err {
        Error::Env { env, source } => {
            assert_eq!(env, "Walk");
            assert_eq!(source.downcast_ref::<Stuck>(), Some(&Stuck { x }));
        }
        other => panic!("not Error::Env: {other:?}"),
    }
}

#[test]
fn an_env_error_comes_through_wrappers_with_its_source() {
    let mut env = TimeLimit::new(Walk::new(Some(2)), 100);
    env.reset(None).unwrap();
    env.step(0).unwrap();
    env.step(0).unwrap();
    assert_stuck(&env.step(0).unwrap_err(), 2);

    // Recording (boxed, with episode statistics and a time limit): the error
    // reaches the caller untouched and the video keeps what came before it.
    let dir = temp_dir("custom-env-error");
    let inner: Box<dyn Env<Obs = u32, Action = i64> + Send> = Box::new(Walk::new(Some(3)));
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(EpisodeStatistics::new(TimeLimit::new(inner, 100)))
        .unwrap();
    env.reset(None).unwrap();
    for _ in 0..3 {
        env.step(0).unwrap();
    }
    assert_stuck(&env.step(0).unwrap_err(), 3);
    assert_stuck(&env.step(0).unwrap_err(), 3);
    let videos = env.finish().into_result().unwrap();
    assert_eq!(videos[0].facts.frames, 4, "the reset frame and three steps");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An env that overrides nothing but the four required methods.
struct Bare(Space);

impl Env for Bare {
    type Obs = u32;
    type Action = i64;
    fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u32, Info)> {
        Ok((0, Info::new()))
    }
    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u32>> {
        Err(Error::step_after_end("Bare"))
    }
    fn action_space(&self) -> &Space {
        &self.0
    }
    fn observation_space(&self) -> &Space {
        &self.0
    }
}

#[test]
fn an_env_with_only_the_required_methods_has_the_defaults() {
    let mut env = TimeLimit::new(Bare(Discrete::new(2).into()), 10);
    assert_eq!(env.render_mode(), RenderMode::None);
    assert_eq!(env.metadata(), &Metadata::EMPTY);
    assert_eq!(env.metadata().render_fps, None);
    assert!(env.metadata().render_modes.is_empty());
    assert!(env.spec().is_none());
    assert_eq!(env.frame_size(), None);
    assert!(env.render().unwrap().is_none());
    let err = env.render_into(&mut Frame::new(1, 1)).unwrap_err();
    assert!(matches!(err, Error::NoFrames { .. }), "{err}");
    assert!(err.to_string().contains("Bare"), "{err}");
    env.close().unwrap();
    env.reset(None).unwrap();
    let err = env.step(0).unwrap_err();
    assert!(matches!(err, Error::ResetNeeded { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "Bare: step() called after the episode ended; call reset() first"
    );
    // Nothing to record.
    let dir = temp_dir("custom-env-bare");
    let err = RecordingConfig::new(&dir).wrap(Bare(Discrete::new(2).into()));
    assert!(matches!(err, Err(Error::NoFrames { .. })));
    let _ = std::fs::remove_dir_all(&dir);
}
