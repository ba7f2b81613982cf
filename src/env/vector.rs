//! Vector envs: [`SyncVectorEnv`] steps N sub-envs in lockstep on the
//! caller's thread, with Gymnasium 1.x's default (next-step) autoreset.
//!
//! Gymnasium's `SyncVectorEnv` semantics, mirrored exactly:
//!
//! - [`SyncVectorEnv::reset`] resets every sub-env; `Some(seed)` seeds
//!   sub-env `i` with `seed + i`, `None` continues each sub-env's random
//!   source.
//! - [`SyncVectorEnv::step`] takes one action per sub-env. A sub-env whose
//!   episode ended (terminated or truncated) at the previous step is not
//!   stepped: it is reset (with no seed, so its random source continues), its
//!   action is ignored, and it reports the reset observation, the reset info,
//!   reward 0 and `terminated = truncated = false`. This is Gymnasium's
//!   `AutoresetMode.NEXT_STEP`, the default of Gymnasium 1.x.
//! - So the step that ends an episode returns that episode's final
//!   observation, and between that step and the next one the sub-env still
//!   shows its final state: rendering it then gives the episode's last frame.
//!
//! ```
//! use gymrec::env::vector::SyncVectorEnv;
//! use gymrec::env::{RenderMode, SpaceValue};
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut envs = SyncVectorEnv::from_fn(3, |_| gymrec::make("CartPole-v1", RenderMode::None))?;
//! let (obs, _infos) = envs.reset(Some(42))?; // sub-envs seeded 42, 43, 44
//! assert_eq!(obs.len(), 3);
//! let mut ended = false;
//! for _ in 0..200 {
//!     let step = envs.step(vec![SpaceValue::Discrete(1); 3])?;
//!     if ended {
//!         // The step after an episode ended reset that sub-env instead.
//!         assert!(step.autoreset[0] && step.rewards[0] == 0.0);
//!         break;
//!     }
//!     ended = step.done(0);
//! }
//! assert!(ended, "always pushing right topples the pole");
//! # Ok(())
//! # }
//! ```

use super::{Env, EnvSpec, Frame, Info, Metadata, RenderMode, Space};
use crate::{Error, Result};

/// What [`SyncVectorEnv::step`] returns: Gymnasium's batched `(obs, rewards,
/// terminations, truncations, infos)`, one entry per sub-env, plus which
/// sub-envs the step reset instead of stepping.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorStep<O> {
    /// The observation of each sub-env after the step (the reset
    /// observation for sub-envs in [`VectorStep::autoreset`]).
    pub obs: Vec<O>,
    /// The reward of each sub-env; 0 for sub-envs that were reset.
    pub rewards: Vec<f64>,
    /// Whether each sub-env reached a terminal state at this step.
    pub terminations: Vec<bool>,
    /// Whether each sub-env's episode was cut short at this step.
    pub truncations: Vec<bool>,
    /// The info of each sub-env's step (or reset, for reset sub-envs).
    ///
    /// Gymnasium batches infos into one dict of arrays with `_key` masks;
    /// here each sub-env keeps its own map.
    pub infos: Vec<Info>,
    /// Sub-envs that this step reset instead of stepping, because their
    /// episode ended at the previous step; their action was ignored.
    /// Gymnasium does not return this (callers track it from the previous
    /// step's terminations and truncations).
    pub autoreset: Vec<bool>,
}

impl<O> VectorStep<O> {
    /// The number of sub-envs.
    pub fn len(&self) -> usize {
        self.obs.len()
    }

    /// Whether there are no sub-envs (never, for a step of a
    /// [`SyncVectorEnv`]).
    pub fn is_empty(&self) -> bool {
        self.obs.is_empty()
    }

    /// Whether sub-env `index`'s episode ended at this step (terminated or
    /// truncated); `false` for an index out of range.
    pub fn done(&self, index: usize) -> bool {
        self.terminations.get(index).copied().unwrap_or(false)
            || self.truncations.get(index).copied().unwrap_or(false)
    }
}

/// Where a [`SyncVectorEnv`] is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No reset yet.
    NotReset,
    /// Stepping.
    Running,
    /// A sub-env failed during `reset` or `step`: the sub-envs are out of
    /// lockstep until the next reset.
    Failed,
}

/// N envs of one type stepped in lockstep, one after the other on the
/// caller's thread (Gymnasium's `SyncVectorEnv` with its default next-step
/// autoreset; see the [module docs](self) for the exact rules).
///
/// Every sub-env must have the same action and observation spaces, as with
/// Gymnasium's default `observation_mode="same"`. The render mode, metadata
/// and spec are sub-env 0's.
///
/// An error from a sub-env's `reset` or `step` is returned as is; the
/// sub-envs before it have then already moved, so the vector env refuses to
/// step until it is reset again. It never panics on user input.
#[derive(Debug)]
pub struct SyncVectorEnv<E> {
    envs: Vec<E>,
    /// Sub-envs whose episode ended at the last step: the next step resets
    /// them (Gymnasium's `_autoreset_envs`).
    autoreset: Vec<bool>,
    phase: Phase,
}

impl<E: Env> SyncVectorEnv<E> {
    /// A vector env of `envs`.
    ///
    /// Errors with [`Error::NoSubEnvs`] when `envs` is empty and with
    /// [`Error::SubEnvSpaces`] when a sub-env's action or observation space
    /// differs from sub-env 0's.
    pub fn new(envs: Vec<E>) -> Result<Self> {
        let Some(first) = envs.first() else {
            return Err(Error::NoSubEnvs);
        };
        for (i, env) in envs.iter().enumerate().skip(1) {
            for (what, mine, first) in [
                ("action", env.action_space(), first.action_space()),
                (
                    "observation",
                    env.observation_space(),
                    first.observation_space(),
                ),
            ] {
                if mine != first {
                    return Err(Error::SubEnvSpaces {
                        index: i,
                        space: what,
                        got: mine.to_string(),
                        expected: first.to_string(),
                    });
                }
            }
        }
        let n = envs.len();
        Ok(SyncVectorEnv {
            envs,
            autoreset: vec![false; n],
            phase: Phase::NotReset,
        })
    }

    /// A vector env of `num_envs` envs made by `make(index)` (Gymnasium's
    /// list of `env_fns`), for example
    /// `SyncVectorEnv::from_fn(4, |_| gymrec::make("CartPole-v1", RenderMode::RgbArray))`.
    ///
    /// Errors with the first error `make` returns, and as
    /// [`SyncVectorEnv::new`] does.
    pub fn from_fn(num_envs: usize, mut make: impl FnMut(usize) -> Result<E>) -> Result<Self> {
        let envs = (0..num_envs).map(&mut make).collect::<Result<Vec<E>>>()?;
        SyncVectorEnv::new(envs)
    }

    /// The number of sub-envs.
    pub fn num_envs(&self) -> usize {
        self.envs.len()
    }

    /// A name for messages, as Gymnasium prints it:
    /// `SyncVectorEnv(CartPole-v1, num_envs=4)`.
    pub fn name(&self) -> String {
        match self.spec() {
            Some(spec) => format!("SyncVectorEnv({}, num_envs={})", spec.id, self.num_envs()),
            None => format!("SyncVectorEnv(num_envs={})", self.num_envs()),
        }
    }

    /// Resets every sub-env: with `Some(seed)`, sub-env `i` is reset with
    /// seed `seed + i` (wrapping at `u64::MAX`); with `None`, each continues
    /// its random source. Returns each sub-env's observation and info.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(Vec<E::Obs>, Vec<Info>)> {
        let n = self.num_envs();
        self.reset_each(|i| seed.map(|s| s.wrapping_add(i as u64)), n)
    }

    /// Resets every sub-env, sub-env `i` with `seeds[i]` (Gymnasium's list
    /// of seeds).
    ///
    /// Errors with [`Error::BatchLength`] when `seeds` does not have one
    /// entry per sub-env (nothing is reset then).
    pub fn reset_with_seeds(&mut self, seeds: &[Option<u64>]) -> Result<(Vec<E::Obs>, Vec<Info>)> {
        if seeds.len() != self.num_envs() {
            return Err(Error::BatchLength {
                env: self.name(),
                what: "seeds",
                got: seeds.len(),
                expected: self.num_envs(),
            });
        }
        self.reset_each(|i| seeds[i], seeds.len())
    }

    fn reset_each(
        &mut self,
        seed: impl Fn(usize) -> Option<u64>,
        n: usize,
    ) -> Result<(Vec<E::Obs>, Vec<Info>)> {
        self.phase = Phase::Failed;
        let mut obs = Vec::with_capacity(n);
        let mut infos = Vec::with_capacity(n);
        for (i, env) in self.envs.iter_mut().enumerate() {
            let (o, info) = env.reset(seed(i))?;
            obs.push(o);
            infos.push(info);
        }
        self.autoreset.fill(false);
        self.phase = Phase::Running;
        Ok((obs, infos))
    }

    /// Steps every sub-env with its action, `actions[i]` for sub-env `i`,
    /// resetting instead the sub-envs whose episode ended at the previous
    /// step (see the [module docs](self)).
    ///
    /// Errors with [`Error::BatchLength`] when `actions` does not have one
    /// action per sub-env, and with [`Error::ResetNeeded`] before the first
    /// reset or after a sub-env failed (in both cases nothing is stepped);
    /// otherwise with the first sub-env error.
    pub fn step(&mut self, actions: Vec<E::Action>) -> Result<VectorStep<E::Obs>> {
        let n = self.num_envs();
        if actions.len() != n {
            return Err(Error::BatchLength {
                env: self.name(),
                what: "actions",
                got: actions.len(),
                expected: n,
            });
        }
        match self.phase {
            Phase::Running => {}
            Phase::NotReset => {
                return Err(Error::reset_needed(self.name()));
            }
            Phase::Failed => {
                return Err(Error::ResetNeeded {
                    env: self.name(),
                    when: "after a sub-env failed",
                });
            }
        }
        self.phase = Phase::Failed;
        let mut out = VectorStep {
            obs: Vec::with_capacity(n),
            rewards: Vec::with_capacity(n),
            terminations: Vec::with_capacity(n),
            truncations: Vec::with_capacity(n),
            infos: Vec::with_capacity(n),
            autoreset: std::mem::replace(&mut self.autoreset, vec![false; n]),
        };
        for ((env, action), &reset) in self.envs.iter_mut().zip(actions).zip(&out.autoreset) {
            if reset {
                let (obs, info) = env.reset(None)?;
                out.obs.push(obs);
                out.rewards.push(0.0);
                out.terminations.push(false);
                out.truncations.push(false);
                out.infos.push(info);
            } else {
                let step = env.step(action)?;
                out.obs.push(step.obs);
                out.rewards.push(step.reward);
                out.terminations.push(step.terminated);
                out.truncations.push(step.truncated);
                out.infos.push(step.info);
            }
        }
        for (pending, (term, trunc)) in self
            .autoreset
            .iter_mut()
            .zip(out.terminations.iter().zip(&out.truncations))
        {
            *pending = *term || *trunc;
        }
        self.phase = Phase::Running;
        Ok(out)
    }

    /// Which sub-envs the next [`step`](Self::step) will reset instead of
    /// stepping (their episode ended at the last step).
    pub fn autoreset_pending(&self) -> &[bool] {
        &self.autoreset
    }

    /// Renders sub-env `index`'s current state into `frame` (see
    /// [`Env::render_into`]); between the step that ends an episode and the
    /// next step this is the episode's last frame.
    ///
    /// `frame` is first made the sub-env's [`Env::frame_size`] when it is
    /// not (reallocating only then), so the sub-env is always handed a frame
    /// of its size; pass a frame of that size to render without allocating.
    ///
    /// Errors with [`Error::SubEnvIndex`] when there is no such sub-env, and
    /// as the sub-env's `render_into` does.
    pub fn render_into(&mut self, index: usize, frame: &mut Frame) -> Result<()> {
        let num_envs = self.num_envs();
        match self.envs.get_mut(index) {
            Some(env) => super::render_resized(env, frame),
            None => Err(Error::SubEnvIndex {
                env: self.name(),
                index,
                num_envs,
            }),
        }
    }

    /// Renders every sub-env into a new frame (Gymnasium's `render()`);
    /// `None` when the render mode yields no frames.
    pub fn render(&mut self) -> Result<Option<Vec<Frame>>> {
        let mut frames = Vec::with_capacity(self.num_envs());
        for env in &mut self.envs {
            match env.render()? {
                Some(frame) => frames.push(frame),
                None => return Ok(None),
            }
        }
        Ok(Some(frames))
    }

    /// The sub-envs, in order.
    pub fn envs(&self) -> &[E] {
        &self.envs
    }

    /// Sub-env `index`, if there is one.
    pub fn env(&self, index: usize) -> Option<&E> {
        self.envs.get(index)
    }

    /// Gives the sub-envs back.
    pub fn into_envs(self) -> Vec<E> {
        self.envs
    }

    /// The action space of one sub-env (Gymnasium's `single_action_space`).
    pub fn single_action_space(&self) -> &Space {
        self.envs[0].action_space()
    }

    /// The observation space of one sub-env (Gymnasium's
    /// `single_observation_space`).
    pub fn single_observation_space(&self) -> &Space {
        self.envs[0].observation_space()
    }

    /// Sub-env 0's render mode.
    pub fn render_mode(&self) -> RenderMode {
        self.envs[0].render_mode()
    }

    /// Sub-env 0's metadata.
    pub fn metadata(&self) -> &Metadata {
        self.envs[0].metadata()
    }

    /// Sub-env 0's spec, if it has one.
    pub fn spec(&self) -> Option<&EnvSpec> {
        self.envs[0].spec()
    }

    /// `(width, height)` of each sub-env's frames, or `None` when a sub-env
    /// renders no frames.
    pub fn frame_sizes(&self) -> Option<Vec<(u32, u32)>> {
        self.envs.iter().map(Env::frame_size).collect()
    }

    /// Closes every sub-env (all of them, even after an error), returning
    /// the first error.
    pub fn close(&mut self) -> Result<()> {
        let mut first = Ok(());
        for env in &mut self.envs {
            if let Err(err) = env.close() {
                if first.is_ok() {
                    first = Err(err);
                } else {
                    log::warn!("closing a sub-env failed too: {err}");
                }
            }
        }
        first
    }
}
