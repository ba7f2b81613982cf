//! The Gymnasium-style [`Env`] trait and the types every env shares.
//!
//! An env is stepped with [`Env::reset`] and [`Env::step`] exactly as in
//! Gymnasium, and renders RGB frames into a caller-owned [`Frame`] with
//! [`Env::render_into`], so that a recorder can reuse its buffers.
//!
//! ```
//! use gymrec::env::{Env, RenderMode};
//! use gymrec::env::classic::CartPole;
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut env = CartPole::new(RenderMode::RgbArray);
//! let (obs, _info) = env.reset(Some(42))?;
//! assert_eq!(obs.len(), 4);
//! let step = env.step(1)?;
//! assert_eq!(step.reward, 1.0);
//! let frame = env.render()?.expect("rgb_array envs render frames");
//! assert_eq!(frame.dimensions(), (600, 400));
//! # Ok(())
//! # }
//! ```

pub mod classic;
mod dynamic;
pub mod registry;
pub mod space;
pub mod vector;
pub mod wrappers;

pub use dynamic::{DynEnv, Erased, FromSpaceValue};
pub use registry::{Registration, Registry, make};
pub use space::{BoxSpace, Discrete, Space, SpaceValue};
pub use vector::{SyncVectorEnv, VectorStep};

use crate::Result;
use std::fmt;

pub use crate::frame::{Frame, FrameRenderer, Snapshot};

/// Extra information returned by `reset` and `step`, like Gymnasium's `info`
/// dict. Empty maps do not allocate.
pub type Info = serde_json::Map<String, serde_json::Value>;

/// What [`Env::step`] returns: Gymnasium's `(obs, reward, terminated,
/// truncated, info)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<O> {
    /// The observation after the step.
    pub obs: O,
    /// The reward for the step.
    pub reward: f64,
    /// The episode reached a terminal state of the MDP.
    pub terminated: bool,
    /// The episode was cut short (for example by a time limit).
    pub truncated: bool,
    /// Extra information.
    pub info: Info,
}

impl<O> Step<O> {
    /// `terminated || truncated`: the episode is over and the env needs a reset.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }

    /// The same step with its observation mapped through `f`.
    pub fn map_obs<P>(self, f: impl FnOnce(O) -> P) -> Step<P> {
        Step {
            obs: f(self.obs),
            reward: self.reward,
            terminated: self.terminated,
            truncated: self.truncated,
            info: self.info,
        }
    }
}

/// Gymnasium's `(obs, reward, terminated, truncated, info)` tuple, in that
/// order, as a [`Step`]: what an [`Env::step`] written like Gymnasium's
/// returns.
///
/// ```
/// use gymrec::env::{Info, Step};
///
/// let step: Step<u32> = (7, -1.0, true, false, Info::new()).into();
/// assert!(step.terminated && !step.truncated);
/// assert_eq!((step.obs, step.reward), (7, -1.0));
/// ```
impl<O> From<(O, f64, bool, bool, Info)> for Step<O> {
    fn from((obs, reward, terminated, truncated, info): (O, f64, bool, bool, Info)) -> Self {
        Step {
            obs,
            reward,
            terminated,
            truncated,
            info,
        }
    }
}

/// How an env renders, chosen when it is made (Gymnasium's `render_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RenderMode {
    /// No rendering: `render` returns `None` (Gymnasium's `render_mode=None`).
    #[default]
    None,
    /// `render` returns RGB frames (Gymnasium's `"rgb_array"`).
    RgbArray,
}

impl RenderMode {
    /// Gymnasium's name for the mode: `"None"` or `"rgb_array"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RenderMode::None => "None",
            RenderMode::RgbArray => "rgb_array",
        }
    }
}

impl fmt::Display for RenderMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts about an env's rendering (Gymnasium's `metadata` dict).
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// The render modes the env supports.
    pub render_modes: Vec<RenderMode>,
    /// Frames per second at which rendered frames are meant to be shown.
    pub render_fps: Option<u32>,
}

impl Metadata {
    /// No render modes and no `render_fps`: what [`Env::metadata`] gives by
    /// default.
    pub const EMPTY: Metadata = Metadata {
        render_modes: Vec::new(),
        render_fps: None,
    };

    /// The metadata of an env rendering RGB frames shown at `fps` frames
    /// per second: `render_modes` [`RenderMode::RgbArray`], `render_fps`
    /// `Some(fps)`.
    ///
    /// ```
    /// let meta = gymrec::env::Metadata::rgb_array(50);
    /// assert_eq!(meta.render_modes, [gymrec::RenderMode::RgbArray]);
    /// assert_eq!(meta.render_fps, Some(50));
    /// ```
    pub fn rgb_array(fps: u32) -> Self {
        Metadata {
            render_modes: vec![RenderMode::RgbArray],
            render_fps: Some(fps),
        }
    }
}

impl Default for Metadata {
    /// [`Metadata::EMPTY`].
    fn default() -> Self {
        Metadata::EMPTY
    }
}

/// An env's registration facts (Gymnasium's `EnvSpec`).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// The full id, such as `"CartPole-v1"`.
    pub id: String,
    /// The id without its version, such as `"CartPole"`.
    pub name: String,
    /// The version, such as `Some(1)` for `"CartPole-v1"`.
    pub version: Option<u32>,
    /// Steps after which [`wrappers::TimeLimit`] truncates an episode.
    pub max_episode_steps: Option<u64>,
    /// The average return above which the task counts as solved.
    pub reward_threshold: Option<f64>,
}

impl EnvSpec {
    /// A spec for `id`, splitting off a trailing `-vN` version as Gymnasium does.
    ///
    /// ```
    /// let spec = gymrec::env::EnvSpec::new("CartPole-v1");
    /// assert_eq!(spec.name, "CartPole");
    /// assert_eq!(spec.version, Some(1));
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        let (name, version) = match id.rsplit_once("-v") {
            Some((name, v)) if !name.is_empty() && v.parse::<u32>().is_ok() => {
                (name.to_string(), v.parse().ok())
            }
            _ => (id.clone(), None),
        };
        EnvSpec {
            id,
            name,
            version,
            max_episode_steps: None,
            reward_threshold: None,
        }
    }

    /// Sets [`EnvSpec::max_episode_steps`].
    pub fn with_max_episode_steps(mut self, steps: Option<u64>) -> Self {
        self.max_episode_steps = steps;
        self
    }

    /// Sets [`EnvSpec::reward_threshold`].
    pub fn with_reward_threshold(mut self, threshold: Option<f64>) -> Self {
        self.reward_threshold = threshold;
        self
    }
}

/// A Gymnasium-style environment.
///
/// Four methods are required: [`reset`](Env::reset), [`step`](Env::step),
/// [`action_space`](Env::action_space) and
/// [`observation_space`](Env::observation_space). Everything else has a
/// default for an env that renders nothing; an env that renders overrides
/// [`frame_size`](Env::frame_size) and [`render_into`](Env::render_into),
/// and usually [`render_mode`](Env::render_mode) and
/// [`metadata`](Env::metadata) (whose `render_fps` sets a recording's frame
/// rate).
///
/// ```
/// use gymrec::env::{Discrete, Env, Frame, Info, Space, Step};
///
/// /// Counts up to 3.
/// struct Counter { n: u32, space: Space }
///
/// impl Env for Counter {
///     type Obs = u32;
///     type Action = i64;
///     fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u32, Info)> {
///         self.n = 0;
///         Ok((0, Info::new()))
///     }
///     fn step(&mut self, _action: i64) -> gymrec::Result<Step<u32>> {
///         self.n += 1;
///         let terminated = self.n == 3;
///         Ok(Step { obs: self.n, reward: 1.0, terminated, truncated: false, info: Info::new() })
///     }
///     fn action_space(&self) -> &Space { &self.space }
///     fn observation_space(&self) -> &Space { &self.space }
///     // A picture: 4×4, one grey level per count.
///     fn frame_size(&self) -> Option<(u32, u32)> { Some((4, 4)) }
///     fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
///         frame.fill(60 * self.n as u8);
///         Ok(())
///     }
/// }
///
/// # fn main() -> gymrec::Result<()> {
/// let mut env = Counter { n: 0, space: Discrete::new(1).into() };
/// env.reset(None)?;
/// env.step(0)?;
/// assert_eq!(env.render()?.unwrap().get_pixel(0, 0).0, [60; 3]);
/// assert_eq!(env.metadata().render_fps, None); // the defaults
/// assert!(env.spec().is_none());
/// # Ok(())
/// # }
/// ```
///
/// The trait is object safe: `Box<dyn Env<Obs = O, Action = A>>` is itself an
/// `Env`, so wrappers and callbacks can hold and replace envs of any type.
/// An env is `Send` when its parts are, so it can live on its own thread.
///
/// Wrappers ([`wrappers::TimeLimit`], [`wrappers::EpisodeStatistics`],
/// [`Erased`], `Box<E>`, [`crate::record::RecordingWrapper`]) forward every
/// method, defaulted or not, to the env they wrap, so overriding a default
/// in an env is never hidden by wrapping it.
pub trait Env {
    /// What the env observes.
    type Obs;
    /// What the agent does.
    type Action;

    /// Starts a new episode. `Some(seed)` reseeds the env's random source,
    /// `None` continues it.
    fn reset(&mut self, seed: Option<u64>) -> Result<(Self::Obs, Info)>;

    /// Advances the env by one action.
    ///
    /// Errors on an action outside [`Env::action_space`] and on a step with
    /// no episode running ([`crate::Error::reset_needed`],
    /// [`crate::Error::step_after_end`]); never panics on user input. An
    /// env's own failures are [`crate::Error::Env`] ([`crate::Error::env`]).
    fn step(&mut self, action: Self::Action) -> Result<Step<Self::Obs>>;

    /// The space actions are drawn from.
    fn action_space(&self) -> &Space;

    /// The space observations lie in.
    fn observation_space(&self) -> &Space;

    /// The render mode the env was made with. The default is
    /// [`RenderMode::None`]; an env that renders frames says
    /// [`RenderMode::RgbArray`].
    fn render_mode(&self) -> RenderMode {
        RenderMode::None
    }

    /// Rendering facts: supported modes and frames per second. The default
    /// is an empty [`Metadata`]: no render modes, no `render_fps` (a
    /// recording then needs its fps set, or uses 30).
    fn metadata(&self) -> &Metadata {
        static EMPTY: Metadata = Metadata::EMPTY;
        &EMPTY
    }

    /// The registration facts, when the env came from a registry. The
    /// default is `None`.
    fn spec(&self) -> Option<&EnvSpec> {
        None
    }

    /// `(width, height)` of the frames [`Env::render_into`] produces, or
    /// `None` when the render mode yields no frames. The default is `None`.
    fn frame_size(&self) -> Option<(u32, u32)> {
        None
    }

    /// Renders the current state into `frame`, which should not allocate.
    ///
    /// The caller hands it a frame of [`Env::frame_size`]: implementors may
    /// draw into `frame` as it is, with no resizing. Every caller in gymrec
    /// does so ([`Env::render`], the recorders, [`SyncVectorEnv`]); the
    /// classic envs refuse a frame of another size with
    /// [`crate::Error::RenderSize`], and other envs may do the same.
    ///
    /// Errors with [`crate::Error::NoFrames`] when the render mode yields
    /// no frames, which is what the default does.
    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        let _ = frame;
        Err(crate::Error::NoFrames {
            env: self.spec().map_or_else(
                || std::any::type_name::<Self>().to_string(),
                |s| s.id.clone(),
            ),
            mode: self.render_mode().to_string(),
        })
    }

    /// Renders the current state into a new frame of [`Env::frame_size`];
    /// `None` when the render mode yields no frames (Gymnasium's
    /// `render()`).
    fn render(&mut self) -> Result<Option<Frame>> {
        let Some((width, height)) = self.frame_size() else {
            return Ok(None);
        };
        let mut frame = Frame::new(width, height);
        self.render_into(&mut frame)?;
        Ok(Some(frame))
    }

    /// Deferred rendering, opt-in: a [`FrameRenderer`] that draws this env's
    /// snapshots ([`Env::snapshot_into`]) into frames of
    /// [`Env::frame_size`] on another thread, exactly as
    /// [`Env::render_into`] would have drawn the same state. A recorder
    /// then captures a snapshot on the env thread and renders it on the
    /// encoder side (see [`crate::frame`]).
    ///
    /// Asked once, when a recorder wraps the env; the renderer must draw
    /// any snapshot this env writes. The default is `None`: the env is
    /// rendered with `render_into` on the env thread.
    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        None
    }

    /// Appends what the picture of the current state is drawn from to
    /// `snapshot` (empty, from the recorder's pool, unless a vector
    /// recorder is putting several sub-envs' snapshots together), for the
    /// renderer [`Env::frame_renderer`] gave. Should not allocate beyond
    /// the snapshot's capacity.
    ///
    /// Called only when `frame_renderer` is `Some`. The default errors with
    /// [`crate::Error::NoSnapshot`].
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        let _ = snapshot;
        Err(crate::Error::NoSnapshot {
            env: self.spec().map_or_else(
                || std::any::type_name::<Self>().to_string(),
                |s| s.id.clone(),
            ),
        })
    }

    /// Releases whatever the env holds. The default does nothing.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<E: Env + ?Sized> Env for Box<E> {
    type Obs = E::Obs;
    type Action = E::Action;

    fn reset(&mut self, seed: Option<u64>) -> Result<(Self::Obs, Info)> {
        (**self).reset(seed)
    }
    fn step(&mut self, action: Self::Action) -> Result<Step<Self::Obs>> {
        (**self).step(action)
    }
    fn action_space(&self) -> &Space {
        (**self).action_space()
    }
    fn observation_space(&self) -> &Space {
        (**self).observation_space()
    }
    fn render_mode(&self) -> RenderMode {
        (**self).render_mode()
    }
    fn metadata(&self) -> &Metadata {
        (**self).metadata()
    }
    fn spec(&self) -> Option<&EnvSpec> {
        (**self).spec()
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        (**self).frame_size()
    }
    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        (**self).render_into(frame)
    }
    fn render(&mut self) -> Result<Option<Frame>> {
        (**self).render()
    }
    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        (**self).frame_renderer()
    }
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        (**self).snapshot_into(snapshot)
    }
    fn close(&mut self) -> Result<()> {
        (**self).close()
    }
}

/// Makes `frame` `width` × `height`, reallocating only when the size
/// differs: for callers of [`Env::render_into`] that are handed frames of
/// any size (and for composing tiled frames).
pub(crate) fn ensure_frame_size(frame: &mut Frame, width: u32, height: u32) {
    if frame.dimensions() != (width, height) {
        *frame = Frame::new(width, height);
    }
}

/// Renders `env` into `frame`, first making `frame` the env's
/// [`Env::frame_size`] when it is not (reallocating only then), as the
/// contract of [`Env::render_into`] asks of its callers.
///
/// The recorders hand frames of the video's size; an env whose frame size
/// has changed since then renders at its own size here, and the video
/// writer then refuses the frame with an [`crate::Error::FrameSize`] naming
/// the video.
pub(crate) fn render_resized<E: Env + ?Sized>(env: &mut E, frame: &mut Frame) -> Result<()> {
    if let Some((width, height)) = env.frame_size() {
        ensure_frame_size(frame, width, height);
    }
    env.render_into(frame)
}
