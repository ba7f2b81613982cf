//! Built-in policies for driving envs without an agent: uniformly random
//! actions, and a simple hand-written controller per classic env that does
//! well, so that demo videos are worth watching.
//!
//! [`run_episode`] plays one episode with any policy (or agent) and
//! returns its return and length.
//!
//! ```
//! use gymrec::env::RenderMode;
//! use gymrec::policy::{Heuristic, Policy, run_episode};
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut env = gymrec::make("CartPole-v1", RenderMode::None)?;
//! let mut policy = Heuristic::for_env("CartPole-v1")?;
//! let episode = run_episode(&mut env, Some(0), |obs| Ok(policy.act(obs)))?;
//! assert_eq!(episode.ret, 500.0); // balanced until the time limit
//! assert_eq!(episode.length, 500);
//! # Ok(())
//! # }
//! ```

use crate::env::space::SpaceRng;
use crate::env::{Env, Space, SpaceValue};
use crate::{Error, Result};
use rand::SeedableRng;
use std::str::FromStr;

/// Chooses actions from observations.
pub trait Policy {
    /// The action for observation `obs`.
    fn act(&mut self, obs: &[f32]) -> SpaceValue;
}

/// Uniformly random actions from an action space, seeded.
#[derive(Debug, Clone)]
pub struct Random {
    space: Space,
    rng: SpaceRng,
}

impl Random {
    /// Samples `space` with a generator seeded by `seed`.
    pub fn new(space: Space, seed: u64) -> Self {
        Random {
            space,
            rng: SpaceRng::seed_from_u64(seed),
        }
    }
}

impl Policy for Random {
    fn act(&mut self, _obs: &[f32]) -> SpaceValue {
        self.space.sample(&mut self.rng)
    }
}

/// A hand-written controller for one of the classic-control envs.
///
/// | env | controller | outcome |
/// |---|---|---|
/// | CartPole-v1 | push towards where the pole is falling (angle and angular velocity, with a little position feedback) | balances for all 500 steps |
/// | MountainCar-v0 | push in the direction the car moves | reaches the flag in about 120 steps |
/// | Pendulum-v1 | pump energy towards the upright energy, then hold with a PD controller near the top | swings up and holds |
/// | Acrobot-v1 | torque in the direction of the second joint's velocity (energy pumping) | swings up in about 80–120 steps |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Heuristic {
    /// CartPole-v1.
    CartPole,
    /// MountainCar-v0.
    MountainCar,
    /// Pendulum-v1.
    Pendulum,
    /// Acrobot-v1.
    Acrobot,
}

impl Heuristic {
    /// The controller for env `id`; an error names the envs that have one.
    pub fn for_env(id: &str) -> Result<Self> {
        Ok(match id {
            "CartPole-v1" => Heuristic::CartPole,
            "MountainCar-v0" => Heuristic::MountainCar,
            "Pendulum-v1" => Heuristic::Pendulum,
            "Acrobot-v1" => Heuristic::Acrobot,
            _ => {
                return Err(Error::NoHeuristic {
                    env: id.to_string(),
                });
            }
        })
    }
}

impl Policy for Heuristic {
    fn act(&mut self, obs: &[f32]) -> SpaceValue {
        let o = |i: usize| obs.get(i).copied().unwrap_or(0.0);
        match self {
            Heuristic::CartPole => {
                let (x, x_dot, theta, theta_dot) = (o(0), o(1), o(2), o(3));
                let push = theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot;
                SpaceValue::Discrete(i64::from(push > 0.0))
            }
            Heuristic::MountainCar => SpaceValue::Discrete(if o(1) >= 0.0 { 2 } else { 0 }),
            Heuristic::Pendulum => {
                let (cos, sin, theta_dot) = (o(0), o(1), o(2));
                let theta = sin.atan2(cos);
                let u = if cos > 0.85 {
                    -(10.0 * theta + 2.0 * theta_dot)
                } else {
                    // Energy relative to upright at rest (g = 10, m = l = 1):
                    // E = ½·(ml²/3)·θ̇² + ½·m·g·l·(cos θ − 1) in Gymnasium's units.
                    let energy = theta_dot * theta_dot / 6.0 + 5.0 * (cos - 1.0);
                    // dE/dt = u·θ̇: push along θ̇ while short of upright energy.
                    let along = if theta_dot >= 0.0 { 1.0 } else { -1.0 };
                    -2.0 * energy.signum() * along
                };
                SpaceValue::Box(vec![u.clamp(-2.0, 2.0)])
            }
            Heuristic::Acrobot => {
                let dtheta2 = o(5);
                SpaceValue::Discrete(if dtheta2 >= 0.0 { 2 } else { 0 })
            }
        }
    }
}

/// The policies the command line offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyKind {
    /// Uniformly random actions.
    #[default]
    Random,
    /// The env's built-in controller ([`Heuristic`]).
    Heuristic,
}

impl FromStr for PolicyKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "random" => Ok(PolicyKind::Random),
            "heuristic" => Ok(PolicyKind::Heuristic),
            other => Err(Error::UnknownPolicy {
                name: other.to_string(),
            }),
        }
    }
}

impl PolicyKind {
    /// A boxed policy of this kind for env `id` with action space `space`.
    pub fn build(self, id: &str, space: &Space, seed: u64) -> Result<Box<dyn Policy + Send>> {
        Ok(match self {
            PolicyKind::Random => Box::new(Random::new(space.clone(), seed)),
            PolicyKind::Heuristic => Box::new(Heuristic::for_env(id)?),
        })
    }
}

/// The return and length of an episode played by [`run_episode`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpisodeRun {
    /// The sum of the episode's rewards.
    pub ret: f64,
    /// The number of steps it took.
    pub length: u64,
}

/// Plays one episode: resets `env` with `seed`, then steps it with the
/// action `act` chooses for each observation until the episode ends. The
/// env must end its episodes (envs from [`make`](crate::make) have a time
/// limit). Errors with the first error of `reset`, `step` or `act`.
pub fn run_episode<E>(
    env: &mut E,
    seed: Option<u64>,
    mut act: impl FnMut(&[f32]) -> Result<SpaceValue>,
) -> Result<EpisodeRun>
where
    E: Env<Obs = Vec<f32>, Action = SpaceValue> + ?Sized,
{
    let (mut obs, _) = env.reset(seed)?;
    let mut run = EpisodeRun {
        ret: 0.0,
        length: 0,
    };
    loop {
        let step = env.step(act(&obs)?)?;
        run.ret += step.reward;
        run.length += 1;
        if step.done() {
            return Ok(run);
        }
        obs = step.obs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_policies_and_envs_without_a_heuristic_are_typed() {
        let err = Heuristic::for_env("Pong-v5").unwrap_err();
        assert!(
            matches!(&err, Error::NoHeuristic { env } if env == "Pong-v5"),
            "{err:?}"
        );
        assert!(err.to_string().contains("CartPole-v1"), "{err}");
        let err = "greedy".parse::<PolicyKind>().unwrap_err();
        assert!(
            matches!(&err, Error::UnknownPolicy { name } if name == "greedy"),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("expected random or heuristic"),
            "{err}"
        );
    }
}
