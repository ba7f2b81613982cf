//! [`TimeLimit`]: truncates episodes after a number of steps.

use crate::Result;
use crate::env::{Env, EnvSpec, Info, Step};

/// Truncates each episode after `max_episode_steps` steps (Gymnasium's
/// `TimeLimit`): the step that reaches the limit returns `truncated = true`.
///
/// ```
/// use gymrec::env::{Env, RenderMode, wrappers::TimeLimit};
/// use gymrec::env::classic::Pendulum;
///
/// # fn main() -> gymrec::Result<()> {
/// let mut env = TimeLimit::new(Pendulum::new(RenderMode::None), 3);
/// env.reset(Some(1))?;
/// assert!(!env.step([0.0])?.truncated);
/// assert!(!env.step([0.0])?.truncated);
/// assert!(env.step([0.0])?.truncated);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TimeLimit<E> {
    inner: E,
    max_episode_steps: u64,
    elapsed_steps: u64,
    spec: Option<EnvSpec>,
}

impl<E: Env> TimeLimit<E> {
    /// Wraps `env`, truncating after `max_episode_steps` steps (at least 1).
    pub fn new(env: E, max_episode_steps: u64) -> Self {
        let max_episode_steps = max_episode_steps.max(1);
        let spec = env
            .spec()
            .cloned()
            .map(|s| s.with_max_episode_steps(Some(max_episode_steps)));
        TimeLimit {
            inner: env,
            max_episode_steps,
            elapsed_steps: 0,
            spec,
        }
    }
}

impl<E> TimeLimit<E> {
    /// The step limit.
    pub fn max_episode_steps(&self) -> u64 {
        self.max_episode_steps
    }

    /// Steps taken in the current episode.
    pub fn elapsed_steps(&self) -> u64 {
        self.elapsed_steps
    }

    /// The wrapped env.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The wrapped env, mutably.
    pub fn inner_mut(&mut self) -> &mut E {
        &mut self.inner
    }

    /// Unwraps the env.
    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: Env> Env for TimeLimit<E> {
    type Obs = E::Obs;
    type Action = E::Action;

    fn reset(&mut self, seed: Option<u64>) -> Result<(E::Obs, Info)> {
        self.elapsed_steps = 0;
        self.inner.reset(seed)
    }

    fn step(&mut self, action: E::Action) -> Result<Step<E::Obs>> {
        let mut step = self.inner.step(action)?;
        self.elapsed_steps += 1;
        if self.elapsed_steps >= self.max_episode_steps {
            step.truncated = true;
        }
        Ok(step)
    }

    fn spec(&self) -> Option<&EnvSpec> {
        self.spec.as_ref()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }

    crate::env::wrappers::forward_env_rendering!(inner);
}
