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

pub use crate::frame::Frame;

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
/// The trait is object safe: `Box<dyn Env<Obs = O, Action = A>>` is itself an
/// `Env`, so wrappers and callbacks can hold and replace envs of any type.
/// An env is `Send` when its parts are, so it can live on its own thread.
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
    /// no episode running; never panics on user input.
    fn step(&mut self, action: Self::Action) -> Result<Step<Self::Obs>>;

    /// The space actions are drawn from.
    fn action_space(&self) -> &Space;

    /// The space observations lie in.
    fn observation_space(&self) -> &Space;

    /// The render mode the env was made with.
    fn render_mode(&self) -> RenderMode;

    /// Rendering facts: supported modes and frames per second.
    fn metadata(&self) -> &Metadata;

    /// The registration facts, when the env came from a registry.
    fn spec(&self) -> Option<&EnvSpec> {
        None
    }

    /// `(width, height)` of the frames [`Env::render_into`] produces, or
    /// `None` when the render mode yields no frames.
    fn frame_size(&self) -> Option<(u32, u32)>;

    /// Renders the current state into `frame`, resizing it first when its
    /// size differs from [`Env::frame_size`]. Once `frame` has the right size
    /// this should not allocate.
    ///
    /// Errors with [`crate::Error::NoFrames`] when the render mode yields
    /// no frames.
    fn render_into(&mut self, frame: &mut Frame) -> Result<()>;

    /// Renders the current state into a new frame; `None` when the render
    /// mode yields no frames (Gymnasium's `render()`).
    fn render(&mut self) -> Result<Option<Frame>> {
        let Some((width, height)) = self.frame_size() else {
            return Ok(None);
        };
        let mut frame = Frame::new(width, height);
        self.render_into(&mut frame)?;
        Ok(Some(frame))
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
    fn close(&mut self) -> Result<()> {
        (**self).close()
    }
}

/// Makes `frame` `width` × `height`, reallocating only when the size differs.
pub fn ensure_frame_size(frame: &mut Frame, width: u32, height: u32) {
    if frame.dimensions() != (width, height) {
        *frame = Frame::new(width, height);
    }
}
