//! [`VectorRecordingWrapper`]: records videos of a [`SyncVectorEnv`], every
//! sub-env tiled into one grid video, or sub-env 0 alone.
//!
//! Episodes and steps are counted as Gymnasium's vector `RecordVideo`
//! (`gymnasium.wrappers.vector.RecordVideo`) counts them with next-step
//! autoreset:
//!
//! - `step_id` counts vector steps from 0.
//! - `episode_id` counts **sub-env 0's** episodes from 0: it grows at
//!   [`reset`](VectorRecordingWrapper::reset), and at the step that
//!   autoresets sub-env 0 (the step after the one where its episode ended).
//!   The other sub-envs' episodes do not count.
//! - An episode trigger starts `{prefix}-episode-{id}.mp4` there; with
//!   `video_length` 0 the video stops at sub-env 0's next reset, after its
//!   final frame. A step trigger starts `{prefix}-step-{id}.mp4` after the
//!   triggering step; with `video_length` 0 it too stops at sub-env 0's next
//!   reset, with `video_length` N > 0 it runs on for exactly N frames
//!   (Gymnasium writes N + 1).
//! - One frame is captured at each reset and after each step, showing every
//!   sub-env as it is then. With next-step autoreset a sub-env whose episode
//!   ends at a step still shows its final state after that step (it is reset
//!   only by the next step), so **the last frame of every episode, of every
//!   sub-env, is in the video**. (Gymnasium's same-step autoreset mode would
//!   lose it; [`SyncVectorEnv`] does not use that mode.)
//!
//! Everything else (file names, formats, fps, the encoder thread,
//! observers, overwrite rules, errors) is as for the single-env
//! [`RecordingWrapper`](super::RecordingWrapper). An
//! [overlay](RecordingConfig::overlay) describes sub-env 0 (its episode,
//! step, return, reward and info; the reward is `None` on the frame of
//! the step that autoreset it) and is drawn in the picture's top-left
//! corner, over sub-env 0's cell when that is wider than the text.
//!
//! ```
//! use gymrec::env::RenderMode;
//! use gymrec::env::vector::SyncVectorEnv;
//! use gymrec::policy::{Heuristic, Policy};
//! use gymrec::record::{RecordingConfig, Trigger, VectorFrames};
//!
//! # fn main() -> gymrec::Result<()> {
//! # let dir = std::env::temp_dir().join(format!("gymrec-doc-vector-{}", std::process::id()));
//! let envs = SyncVectorEnv::from_fn(3, |_| gymrec::make("CartPole-v1", RenderMode::RgbArray))?;
//! let mut envs = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .video_length(20)
//!     .overwrite(true)
//!     .wrap_vector(envs, VectorFrames::Tiled)?;
//! assert_eq!((envs.layout().rows(), envs.layout().cols()), (2, 2)); // one padding cell
//! let mut policies = [Heuristic::CartPole; 3];
//! let (mut obs, _) = envs.reset(Some(0))?;
//! for _ in 0..30 {
//!     let actions = policies.iter_mut().zip(&obs).map(|(p, o)| p.act(o)).collect();
//!     obs = envs.step(actions)?.obs;
//! }
//! let videos = envs.finish().into_result()?;
//! assert!(videos[0].facts.path.ends_with("rl-video-episode-0.mp4"));
//! assert_eq!((videos[0].facts.width, videos[0].facts.height), (1200, 800));
//! assert_eq!(videos[0].facts.frames, 20);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use super::config::RecordingConfig;
use super::recorder::Recorder;
use super::report::{RecordingReport, RecordingSource};
use super::tile::TileLayout;
use super::video::RecordedVideo;
use super::wrapper::{close_recorder, with_closed};
use crate::env::vector::{SyncVectorEnv, VectorStep};
use crate::env::{Env, Frame, Info};
use crate::frame::{FrameRenderer, Snapshot};
use crate::video::MAX_DIMENSION;
use crate::{Error, Result};

/// What the frames of a vector env's videos show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum VectorFrames {
    /// Every sub-env, tiled into one near-square grid with black padding
    /// (see [`tile`](super::tile) for the layout). Every sub-env must render
    /// frames of one size.
    #[default]
    Tiled,
    /// Sub-env 0 alone, at its own frame size (Gymnasium's
    /// `record_first_only=True`).
    FirstOnly,
}

/// Records videos of a [`SyncVectorEnv`] with Gymnasium's vector
/// `RecordVideo` counting rules; see the [module docs](self).
///
/// Made by [`RecordingConfig::wrap_vector`]. Step it with
/// [`reset`](Self::reset) and [`step`](Self::step), which take and return
/// what [`SyncVectorEnv::reset`] and [`SyncVectorEnv::step`] do.
///
/// When every sub-env offers deferred rendering
/// ([`Env::frame_renderer`]; the classic envs do) and
/// [`RecordingConfig::deferred_rendering`] is on, the env thread hands
/// over the sub-envs' snapshots and the encoder thread draws every cell.
/// Otherwise the env thread renders each sub-env into one reused cell
/// buffer and copies it into the grid frame taken from the writer's pool.
/// Either way, in the steady state no frame is allocated. Errors while recording stop that
/// video and are logged; the env keeps stepping, and
/// [`finish`](Self::finish) reports every error.
pub struct VectorRecordingWrapper<E: Env> {
    // First, so that dropping the wrapper finalizes the video before the
    // envs go.
    recorder: Recorder,
    /// Videos reported by [`close`](Self::close), kept for the next report.
    closed: Vec<RecordedVideo>,
    envs: SyncVectorEnv<E>,
    frames: VectorFrames,
    layout: TileLayout,
    /// Each sub-env renders here before its cell is copied into the grid
    /// (unused when the video shows one frame per picture).
    scratch: Frame,
    /// Each sub-env's snapshot is written here before it is appended to
    /// the picture's (deferred rendering of a grid).
    cell_snapshot: Snapshot,
}

impl RecordingConfig {
    /// Wraps the vector env `envs` in a [`VectorRecordingWrapper`] with this
    /// configuration; `frames` chooses between a grid of every sub-env and
    /// sub-env 0 alone.
    ///
    /// Errors as [`RecordingConfig::wrap`] does, and also when the sub-envs
    /// render frames of different sizes ([`Error::TileSize`], with
    /// [`VectorFrames::Tiled`]) or the grid would exceed the largest video
    /// side.
    pub fn wrap_vector<E: Env>(
        self,
        envs: SyncVectorEnv<E>,
        frames: VectorFrames,
    ) -> Result<VectorRecordingWrapper<E>> {
        VectorRecordingWrapper::new(envs, self, frames)
    }
}

impl<E: Env> VectorRecordingWrapper<E> {
    /// Wraps `envs`; see [`RecordingConfig::wrap_vector`].
    pub fn new(
        envs: SyncVectorEnv<E>,
        config: RecordingConfig,
        frames: VectorFrames,
    ) -> Result<Self> {
        let name = envs.name();
        let Some(sizes) = envs.frame_sizes() else {
            return Err(Error::NoFrames {
                env: name,
                mode: envs.render_mode().to_string(),
            });
        };
        let layout = grid_layout(&name, &sizes, frames, envs.num_envs())?;
        let source = RecordingSource {
            env_id: envs.spec().map(|s| s.id.clone()),
            frame_size: Some(layout.size()),
            render_fps: envs.metadata().render_fps,
            name,
        };
        let deferred = config.deferred_rendering;
        let mut recorder = Recorder::new(config, source)?;
        if deferred {
            recorder.set_renderer(picture_renderer(&envs, &layout));
        }
        let scratch = if layout.cells() > 1 {
            let (width, height) = layout.cell_size();
            Frame::new(width, height)
        } else {
            Frame::new(0, 0)
        };
        Ok(VectorRecordingWrapper {
            closed: Vec::new(),
            recorder,
            envs,
            frames,
            layout,
            scratch,
            cell_snapshot: Snapshot::new(),
        })
    }

    /// Resets every sub-env as [`SyncVectorEnv::reset`] does (sub-env `i`
    /// seeded `seed + i`), counts a new episode of sub-env 0, and captures
    /// the reset frame when a video is running or the episode trigger
    /// starts one.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(Vec<E::Obs>, Vec<Info>)> {
        let out = self.envs.reset(seed)?;
        if let Err(err) = self.recorder.begin_episode() {
            self.recorder.report_error(err);
        }
        let empty = Info::new();
        self.capture_frame(out.1.first().unwrap_or(&empty));
        Ok(out)
    }

    /// Steps every sub-env as [`SyncVectorEnv::step`] does (with next-step
    /// autoreset), counts the step, counts a new episode when the step
    /// autoreset sub-env 0, and captures the frame after the step when a
    /// video is running or a trigger starts one.
    pub fn step(&mut self, actions: Vec<E::Action>) -> Result<VectorStep<E::Obs>> {
        let mut step = self.envs.step(actions)?;
        let reward_0 = step.rewards.first().copied().unwrap_or(0.0);
        // Gymnasium's `has_autoreset`: sub-env 0 ended at the previous step
        // and this step reset it.
        let autoreset_0 = step.autoreset.first().copied().unwrap_or(false);
        if autoreset_0 {
            if let Err(err) = self.recorder.autoreset_step() {
                self.recorder.report_error(err);
            }
        } else {
            let ended = (
                step.terminations.first().copied().unwrap_or(false),
                step.truncations.first().copied().unwrap_or(false),
            );
            let booked = self.recorder.step_reporting_errors(reward_0, ended);
            if let (true, Some(info)) = (booked, step.infos.first_mut()) {
                *info = self.recorder.end_info(std::mem::take(info));
            }
        }
        let empty = Info::new();
        self.capture_frame(step.infos.first().unwrap_or(&empty));
        Ok(step)
    }

    /// Renders what a video frame shows now (the grid of every sub-env, or
    /// sub-env 0) into `frame`, resizing it first when its size is not
    /// [`frame_size`](Self::frame_size).
    pub fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        let (width, height) = self.layout.size();
        crate::env::ensure_frame_size(frame, width, height);
        render_picture(&mut self.envs, &self.layout, &mut self.scratch, frame)
    }

    /// `(width, height)` of the video frames: the grid's size, or sub-env
    /// 0's frame size with [`VectorFrames::FirstOnly`].
    pub fn frame_size(&self) -> (u32, u32) {
        self.layout.size()
    }

    /// The grid the video frames are made of (1 × 1 with
    /// [`VectorFrames::FirstOnly`]).
    pub fn layout(&self) -> &TileLayout {
        &self.layout
    }

    /// What the video frames show.
    pub fn frames(&self) -> VectorFrames {
        self.frames
    }

    /// The number of sub-envs.
    pub fn num_envs(&self) -> usize {
        self.envs.num_envs()
    }

    /// The recording: whether a video runs, sub-env 0's episode id and the
    /// vector step id, the folder, the fps, the videos and errors so far.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Finalizes the running video, if any, and takes every video written
    /// and every error met since the wrapper was made or its report last
    /// taken. The wrapper goes on recording.
    pub fn take_report(&mut self) -> RecordingReport {
        with_closed(&mut self.closed, self.recorder.take_report())
    }

    /// Finalizes the running video and returns every video written and
    /// every error met that no [`take_report`](Self::take_report) took.
    pub fn finish(self) -> RecordingReport {
        let VectorRecordingWrapper {
            recorder,
            mut closed,
            envs,
            ..
        } = self;
        let report = with_closed(&mut closed, recorder.finish());
        drop(envs);
        report
    }

    /// Finalizes the running video and gives the vector env back. Errors
    /// not taken by [`take_report`](Self::take_report) are logged.
    pub fn into_inner(self) -> SyncVectorEnv<E> {
        let VectorRecordingWrapper { recorder, envs, .. } = self;
        drop(recorder);
        envs
    }

    /// The wrapped vector env.
    pub fn inner(&self) -> &SyncVectorEnv<E> {
        &self.envs
    }

    /// Closes every sub-env and finalizes the running video. Errors with
    /// the sub-envs' first error, else the first recording error not yet
    /// taken by [`take_report`](Self::take_report) (the others are logged);
    /// the videos stay for the next report.
    pub fn close(&mut self) -> Result<()> {
        let closed = self.envs.close();
        let recorded = close_recorder(&mut self.recorder, &mut self.closed);
        closed.and(recorded)
    }

    /// Captures the picture for the running video, if any, with the info
    /// sub-env 0 returned: the sub-envs' snapshots when the recorder draws
    /// them, else their frames.
    fn capture_frame(&mut self, info: &Info) {
        let (envs, layout, scratch) = (&mut self.envs, &self.layout, &mut self.scratch);
        if self.recorder.renders_snapshots() {
            let cell_snapshot = &mut self.cell_snapshot;
            self.recorder.capture_snapshot(
                layout.size(),
                |snapshot| picture_snapshot(envs, layout, cell_snapshot, snapshot),
                info,
            );
        } else {
            self.recorder.capture(
                layout.size(),
                |frame| render_picture(envs, layout, scratch, frame),
                info,
            );
        }
    }
}

/// The renderer of the video's picture, when every sub-env shown offers
/// deferred rendering: sub-env 0's own for one cell, else a
/// [`GridRenderer`].
fn picture_renderer<E: Env>(
    envs: &SyncVectorEnv<E>,
    layout: &TileLayout,
) -> Option<Box<dyn FrameRenderer>> {
    let cells = envs.envs()[..layout.cells()]
        .iter()
        .map(Env::frame_renderer)
        .collect::<Option<Vec<_>>>()?;
    if layout.cells() == 1 {
        return cells.into_iter().next();
    }
    Some(Box::new(GridRenderer {
        cells,
        layout: *layout,
        scratch: None,
        cell_snapshot: Snapshot::new(),
    }))
}

/// Writes the picture's snapshot: sub-env 0's own for one cell; for a
/// grid, each sub-env's in turn, each preceded by its length.
fn picture_snapshot<E: Env>(
    envs: &SyncVectorEnv<E>,
    layout: &TileLayout,
    cell_snapshot: &mut Snapshot,
    snapshot: &mut Snapshot,
) -> Result<()> {
    let envs = envs.envs();
    if layout.cells() == 1 {
        return envs[0].snapshot_into(snapshot);
    }
    for env in &envs[..layout.cells()] {
        cell_snapshot.clear();
        env.snapshot_into(cell_snapshot)?;
        snapshot.push_u64(cell_snapshot.len() as u64);
        snapshot.push_bytes(cell_snapshot.as_bytes());
    }
    Ok(())
}

/// Draws a grid picture's snapshot on the encoder side: each sub-env's
/// snapshot by its own renderer into one reused cell frame, copied into
/// its cell; the padding black. The scratch frame is made at the first
/// picture: the recorder clones a renderer that has drawn none.
#[derive(Clone)]
struct GridRenderer {
    cells: Vec<Box<dyn FrameRenderer>>,
    layout: TileLayout,
    /// Made at the first picture.
    scratch: Option<Frame>,
    cell_snapshot: Snapshot,
}

impl FrameRenderer for GridRenderer {
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> Result<()> {
        let (width, height) = self.layout.cell_size();
        let scratch = self
            .scratch
            .get_or_insert_with(|| Frame::new(width, height));
        let mut reader = snapshot.reader();
        for (i, renderer) in self.cells.iter_mut().enumerate() {
            let len = reader.u64()? as usize;
            self.cell_snapshot.clear();
            self.cell_snapshot.push_bytes(reader.bytes(len)?);
            renderer.render(&self.cell_snapshot, scratch)?;
            self.layout.copy_cell(i, scratch, frame)?;
        }
        self.layout.clear_padding(frame)
    }
}

/// The grid of the video frames for sub-envs rendering `sizes`: every
/// sub-env with [`VectorFrames::Tiled`] (all of one size), sub-env 0 alone
/// with [`VectorFrames::FirstOnly`]; no larger than the largest video side.
fn grid_layout(
    name: &str,
    sizes: &[(u32, u32)],
    frames: VectorFrames,
    num_envs: usize,
) -> Result<TileLayout> {
    let cell = sizes[0];
    let layout = match frames {
        VectorFrames::FirstOnly => TileLayout::near_square(1, cell)?,
        VectorFrames::Tiled => {
            if let Some((i, &got)) = sizes.iter().enumerate().find(|(_, s)| **s != cell) {
                return Err(Error::TileSize {
                    what: format!("{name} sub-env {i}"),
                    expected: cell,
                    got,
                });
            }
            TileLayout::near_square(num_envs, cell)?
        }
    };
    let (width, height) = layout.size();
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(Error::TiledVideoTooLarge {
            env: name.to_string(),
            cells: layout.cells(),
            cell_size: cell,
            size: (width, height),
            max: MAX_DIMENSION,
        });
    }
    Ok(layout)
}

/// Renders one video picture into `frame`, which has the layout's size:
/// sub-env 0 straight into it when the layout has one cell, else each
/// sub-env into `scratch` and from there into its cell, then the padding.
fn render_picture<E: Env>(
    envs: &mut SyncVectorEnv<E>,
    layout: &TileLayout,
    scratch: &mut Frame,
    frame: &mut Frame,
) -> Result<()> {
    if layout.cells() == 1 {
        return envs.render_into(0, frame);
    }
    for i in 0..layout.cells() {
        envs.render_into(i, scratch)?;
        if scratch.dimensions() != layout.cell_size() {
            return Err(Error::TileSize {
                what: format!("{} sub-env {i}", envs.name()),
                expected: layout.cell_size(),
                got: scratch.dimensions(),
            });
        }
        layout.copy_cell(i, scratch, frame)?;
    }
    layout.clear_padding(frame)
}

impl<E: Env + std::fmt::Debug> std::fmt::Debug for VectorRecordingWrapper<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorRecordingWrapper")
            .field("envs", &self.envs)
            .field("frames", &self.frames)
            .field("layout", &self.layout)
            .field("recorder", &self.recorder)
            .finish()
    }
}
