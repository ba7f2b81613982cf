//! Making envs by id, as Gymnasium's `gym.make` does.
//!
//! ```
//! use gymrec::env::{RenderMode, make};
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut env = make("CartPole-v1", RenderMode::None)?;
//! assert_eq!(env.spec().unwrap().max_episode_steps, Some(500));
//! assert!(make("CartPole-v9", RenderMode::None).is_err());
//! # Ok(())
//! # }
//! ```

use super::classic::{Acrobot, CartPole, MountainCar, Pendulum};
use super::wrappers::TimeLimit;
use super::{DynEnv, Env, EnvSpec, Erased, RenderMode};
use crate::{Error, Result};

/// A constructor of an env by render mode, stored in a [`Registry`].
pub type EnvConstructor = fn(RenderMode) -> DynEnv;

/// One registered env: its spec and how to make it.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The spec that `make` attaches (id, name, step limit, reward threshold).
    pub spec: EnvSpec,
    /// Makes the bare env (without the time limit).
    pub constructor: EnvConstructor,
}

/// A set of envs that can be made by id.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    entries: Vec<Registration>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// The four classic-control envs: CartPole-v1, MountainCar-v0,
    /// Pendulum-v1 and Acrobot-v1, with Gymnasium's step limits and reward
    /// thresholds.
    pub fn classic() -> Self {
        fn erased<E>(env: E) -> DynEnv
        where
            E: Env + Send + 'static,
            E::Obs: Into<Vec<f32>>,
            E::Action: super::FromSpaceValue,
        {
            Box::new(Erased::new(env))
        }
        let mut registry = Registry::new();
        registry.register(
            EnvSpec::new("CartPole-v1")
                .with_max_episode_steps(Some(500))
                .with_reward_threshold(Some(475.0)),
            |mode| erased(CartPole::new(mode)),
        );
        registry.register(
            EnvSpec::new("MountainCar-v0")
                .with_max_episode_steps(Some(200))
                .with_reward_threshold(Some(-110.0)),
            |mode| erased(MountainCar::new(mode)),
        );
        registry.register(
            EnvSpec::new("Pendulum-v1").with_max_episode_steps(Some(200)),
            |mode| erased(Pendulum::new(mode)),
        );
        registry.register(
            EnvSpec::new("Acrobot-v1")
                .with_max_episode_steps(Some(500))
                .with_reward_threshold(Some(-100.0)),
            |mode| erased(Acrobot::new(mode)),
        );
        registry
    }

    /// Adds an env, replacing any registered under the same id.
    pub fn register(&mut self, spec: EnvSpec, constructor: EnvConstructor) -> &mut Self {
        self.entries.retain(|e| e.spec.id != spec.id);
        self.entries.push(Registration { spec, constructor });
        self
    }

    /// Every registration, in the order they were added.
    pub fn registrations(&self) -> &[Registration] {
        &self.entries
    }

    /// Every registered id, in the order they were added.
    pub fn ids(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.spec.id.as_str()).collect()
    }

    /// The registration of `id`, or [`Error::UnknownEnv`] listing the known ids.
    pub fn get(&self, id: &str) -> Result<&Registration> {
        self.entries
            .iter()
            .find(|e| e.spec.id == id)
            .ok_or_else(|| Error::UnknownEnv {
                id: id.to_string(),
                known: self.ids().into_iter().map(str::to_string).collect(),
            })
    }

    /// Makes `id` wrapped in [`TimeLimit`] from its spec, as `gym.make` does.
    pub fn make(&self, id: &str, render_mode: RenderMode) -> Result<DynEnv> {
        self.make_with_limit(id, render_mode, None)
    }

    /// Like [`Registry::make`], with `max_episode_steps` overriding the
    /// spec's step limit when given (Gymnasium's `max_episode_steps=`).
    pub fn make_with_limit(
        &self,
        id: &str,
        render_mode: RenderMode,
        max_episode_steps: Option<u64>,
    ) -> Result<DynEnv> {
        let entry = self.get(id)?;
        if max_episode_steps == Some(0) {
            return Err(Error::OutOfRange {
                setting: crate::Setting::MaxEpisodeSteps,
                value: 0,
                allowed: 1..=u64::MAX,
                context: Some(id.to_string()),
            });
        }
        let env = (entry.constructor)(render_mode);
        let env = WithSpec {
            inner: env,
            spec: entry.spec.clone(),
        };
        Ok(match max_episode_steps.or(entry.spec.max_episode_steps) {
            Some(limit) => Box::new(TimeLimit::new(env, limit)),
            None => Box::new(env),
        })
    }
}

/// Makes `id` from the classic-control registry, wrapped in [`TimeLimit`]
/// (Gymnasium's `gym.make(id, render_mode=...)`).
pub fn make(id: &str, render_mode: RenderMode) -> Result<DynEnv> {
    Registry::classic().make(id, render_mode)
}

/// Attaches a registration's spec to an env made by its constructor.
struct WithSpec {
    inner: DynEnv,
    spec: EnvSpec,
}

impl Env for WithSpec {
    type Obs = Vec<f32>;
    type Action = super::SpaceValue;

    fn reset(&mut self, seed: Option<u64>) -> Result<(Vec<f32>, super::Info)> {
        self.inner.reset(seed)
    }
    fn step(&mut self, action: super::SpaceValue) -> Result<super::Step<Vec<f32>>> {
        self.inner.step(action)
    }
    fn spec(&self) -> Option<&EnvSpec> {
        Some(&self.spec)
    }
    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
    crate::env::wrappers::forward_env_rendering!(inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_id_lists_known_ids() {
        let err = make("Pong-v5", RenderMode::None).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("Pong-v5"), "{msg}");
        for id in ["CartPole-v1", "MountainCar-v0", "Pendulum-v1", "Acrobot-v1"] {
            assert!(msg.contains(id), "{msg}");
        }
    }

    #[test]
    fn make_applies_time_limit_and_override() {
        let mut env = Registry::classic()
            .make_with_limit("Pendulum-v1", RenderMode::None, Some(7))
            .unwrap();
        assert_eq!(env.spec().unwrap().max_episode_steps, Some(7));
        env.reset(Some(0)).unwrap();
        let mut n = 0;
        loop {
            n += 1;
            if env
                .step(super::super::SpaceValue::Box(vec![0.0]))
                .unwrap()
                .truncated
            {
                break;
            }
        }
        assert_eq!(n, 7);
        assert!(
            Registry::classic()
                .make_with_limit("Pendulum-v1", RenderMode::None, Some(0))
                .is_err()
        );
    }
}
