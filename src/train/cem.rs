//! [`Cem`]: the cross-entropy method over a [`LinearPolicy`], a learner with
//! no dependencies that balances CartPole-v1 in a few hundred episodes.
//!
//! Each generation plays `population` weight vectors, one training episode
//! each: first the Gaussian's mean (the policy evaluation plays, so
//! training episode `1 + k·population` shows the current policy), then
//! draws from the Gaussian. The best `elite_frac` of them (by return)
//! give the next Gaussian's mean and spread, plus extra noise that fades
//! over the first generations to a small floor, so that the search does not
//! collapse early (Szita & Lőrincz's noisy cross-entropy method). Since the
//! policy's choice does not change when all weights are scaled alike, the
//! mean is kept at unit length. Evaluation plays the mean.
//!
//! ```
//! use gymrec::env::{Env, RenderMode};
//! use gymrec::train::{Agent, Cem, CemConfig};
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut env = gymrec::make("CartPole-v1", RenderMode::None)?;
//! let mut agent = Cem::for_env(&env, CemConfig { seed: 7, ..CemConfig::default() })?;
//! for episode in 0..400 {
//!     agent.begin_episode()?;
//!     let (mut obs, _) = env.reset(Some(episode))?;
//!     let (mut ret, mut length) = (0.0, 0);
//!     loop {
//!         let step = env.step(agent.act(&obs)?)?;
//!         ret += step.reward;
//!         length += 1;
//!         obs = step.obs;
//!         if step.terminated || step.truncated {
//!             break;
//!         }
//!     }
//!     agent.end_episode(ret, length)?;
//! }
//! assert_eq!(agent.generation(), 20);
//! let policy = agent.policy(); // the mean weights, ready to save as JSON
//! assert_eq!(policy.weights.len(), 2 * (4 + 1));
//! # Ok(())
//! # }
//! ```

use super::agent::{Agent, Losses};
use crate::env::space::SpaceRng;
use crate::env::{Env, Space, SpaceValue};
use crate::policy::Policy;
use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A linear policy over a discrete action space: the action is
/// `start + argmax_a (W[a] · obs + b[a])`.
///
/// Saved as JSON, it is the weights file that
/// `examples/eval_video.rs` loads (`assets/cartpole-cem.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearPolicy {
    /// The env the policy was trained on, when known.
    #[serde(default)]
    pub env_id: Option<String>,
    /// The length of the observations.
    pub obs_dim: usize,
    /// The number of actions.
    pub n_actions: usize,
    /// The smallest action (the action space's `start`, usually 0).
    #[serde(default)]
    pub action_start: i64,
    /// Row-major `n_actions × (obs_dim + 1)`: each action's weights, then
    /// its bias.
    pub weights: Vec<f64>,
}

impl LinearPolicy {
    /// A policy from its weights; errors when their number is not
    /// `n_actions × (obs_dim + 1)` or one is not finite.
    pub fn new(obs_dim: usize, n_actions: usize, weights: Vec<f64>) -> Result<Self> {
        let policy = LinearPolicy {
            env_id: None,
            obs_dim,
            n_actions,
            action_start: 0,
            weights,
        };
        policy.validate()?;
        Ok(policy)
    }

    fn validate(&self) -> Result<()> {
        let bad = |message: String| Error::agent("LinearPolicy", message);
        if self.n_actions == 0 {
            return Err(bad(
                "n_actions is 0; a policy needs at least 1 action".into()
            ));
        }
        let expected = self.n_actions * (self.obs_dim + 1);
        if self.weights.len() != expected {
            return Err(bad(format!(
                "{} weights, but {} actions × ({} observation values + 1 bias) need {expected}",
                self.weights.len(),
                self.n_actions,
                self.obs_dim
            )));
        }
        if let Some(i) = self.weights.iter().position(|w| !w.is_finite()) {
            return Err(bad(format!(
                "weight {i} is {}; every weight must be finite",
                self.weights[i]
            )));
        }
        Ok(())
    }

    /// The action for `obs`; errors when `obs` has the wrong length.
    pub fn action(&self, obs: &[f32]) -> Result<i64> {
        if obs.len() != self.obs_dim {
            return Err(Error::agent(
                "LinearPolicy",
                format!(
                    "observation of {} values, but the policy was made for {} (env {})",
                    obs.len(),
                    self.obs_dim,
                    self.env_id.as_deref().unwrap_or("unknown")
                ),
            ));
        }
        Ok(self.action_start + linear_argmax(&self.weights, self.n_actions, obs) as i64)
    }

    /// Reads a policy from a JSON file: either a policy as
    /// [`LinearPolicy::save`] writes it, or a [`Cem`] checkpoint
    /// (`agent.json` written by [`SaveCheckpoints`](super::SaveCheckpoints)),
    /// whose mean policy is taken.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text, path)
    }

    /// Parses a policy from JSON text (see [`LinearPolicy::load`]); `origin`
    /// names where the text came from, for errors.
    pub fn from_json(text: &str, origin: impl AsRef<Path>) -> Result<Self> {
        let origin = origin.as_ref();
        let json_err = |source: serde_json::Error| Error::Json {
            path: origin.to_path_buf(),
            source: Box::new(source),
        };
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(json_err)?;
        if let Some(inner) = value.get_mut("policy") {
            value = inner.take();
        }
        let policy: LinearPolicy = serde_json::from_value(value).map_err(json_err)?;
        policy.validate().map_err(|e| Error::Agent {
            agent: "LinearPolicy".into(),
            message: format!("{}: {e}", origin.display()),
            source: Some(Box::new(e)),
        })?;
        Ok(policy)
    }

    /// Writes the policy as pretty JSON.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = serde_json::to_string_pretty(self).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
    }
}

/// Plays the policy greedily. An observation of the wrong length is padded
/// with zeros or cut, as the [`Heuristic`](crate::policy::Heuristic)
/// policies do; use [`LinearPolicy::action`] to have it checked.
impl Policy for LinearPolicy {
    fn act(&mut self, obs: &[f32]) -> SpaceValue {
        let mut padded;
        let obs = if obs.len() == self.obs_dim {
            obs
        } else {
            padded = obs.to_vec();
            padded.resize(self.obs_dim, 0.0);
            &padded
        };
        let best = linear_argmax(&self.weights, self.n_actions, obs);
        SpaceValue::Discrete(self.action_start + best as i64)
    }
}

/// `argmax_a (W[a] · obs + b[a])` over row-major weights with the bias
/// last; the first action wins ties. `obs` must have `row length - 1`
/// values.
fn linear_argmax(weights: &[f64], n_actions: usize, obs: &[f32]) -> usize {
    let row = obs.len() + 1;
    let mut best = (0, f64::NEG_INFINITY);
    for a in 0..n_actions {
        let w = &weights[a * row..(a + 1) * row];
        let score = w[obs.len()]
            + w.iter()
                .zip(obs)
                .map(|(w, &o)| w * f64::from(o))
                .sum::<f64>();
        if score > best.1 {
            best = (a, score);
        }
    }
    best.0
}

/// The settings of [`Cem`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CemConfig {
    /// Candidate weight vectors per generation; each plays one training
    /// episode. At least 2.
    pub population: usize,
    /// The fraction of each generation kept as elites, in (0, 1].
    pub elite_frac: f64,
    /// The spread of the first generation's weights around 0.
    pub init_std: f64,
    /// Extra spread added to the elites' at generation 0, fading linearly
    /// to [`CemConfig::extra_std_end`] at
    /// [`CemConfig::extra_std_generations`].
    pub extra_std: f64,
    /// The extra spread kept after the fade, so that the search never
    /// collapses onto one policy.
    pub extra_std_end: f64,
    /// Generations over which the extra spread fades.
    pub extra_std_generations: u64,
    /// Seed of the weight draws.
    pub seed: u64,
}

impl Default for CemConfig {
    fn default() -> Self {
        CemConfig {
            population: 20,
            elite_frac: 0.2,
            init_std: 1.0,
            extra_std: 0.3,
            extra_std_end: 0.02,
            extra_std_generations: 20,
            seed: 0,
        }
    }
}

impl CemConfig {
    fn validate(&self) -> Result<()> {
        let bad = |message: String| Error::agent(Cem::NAME, message);
        if self.population < 2 {
            return Err(bad(format!(
                "population {} is too small; use at least 2 (20 is a good start)",
                self.population
            )));
        }
        if !(self.elite_frac > 0.0 && self.elite_frac <= 1.0) {
            return Err(bad(format!(
                "elite_frac {} must be in (0, 1] (0.2 keeps the best fifth)",
                self.elite_frac
            )));
        }
        for (name, value) in [
            ("init_std", self.init_std),
            ("extra_std", self.extra_std),
            ("extra_std_end", self.extra_std_end),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(bad(format!("{name} {value} must be finite and >= 0")));
            }
        }
        Ok(())
    }

    /// How many elites a generation keeps: at least 1.
    fn elites(&self) -> usize {
        ((self.population as f64 * self.elite_frac).round() as usize).clamp(1, self.population)
    }
}

/// Everything [`Cem::state`] saves, and [`Cem::from_state`] restores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CemState {
    /// The settings.
    pub config: CemConfig,
    /// The mean of the weight distribution, as a policy.
    pub policy: LinearPolicy,
    /// The spread of each weight.
    pub std: Vec<f64>,
    /// Generations completed.
    pub generation: u64,
    /// Training episodes played.
    pub episodes: u64,
}

/// The cross-entropy method over a [`LinearPolicy`], for envs with a
/// discrete action space and vector observations.
#[derive(Debug, Clone)]
pub struct Cem {
    config: CemConfig,
    mean: LinearPolicy,
    std: Vec<f64>,
    rng: SpaceRng,
    /// This generation's candidates, drawn when it starts.
    candidates: Vec<Vec<f64>>,
    /// The returns of the candidates played so far this generation.
    returns: Vec<f64>,
    generation: u64,
    episodes: u64,
}

impl Cem {
    /// The agent's type name, used in experiment names and tags.
    pub const NAME: &'static str = "CEM";

    /// A learner for observations of `obs_dim` values and `n_actions`
    /// actions (numbered from 0).
    pub fn new(obs_dim: usize, n_actions: usize, config: CemConfig) -> Result<Self> {
        config.validate()?;
        let params = n_actions * (obs_dim + 1);
        let mean = LinearPolicy::new(obs_dim, n_actions, vec![0.0; params])?;
        Ok(Cem {
            std: vec![config.init_std; params],
            rng: SpaceRng::seed_from_u64(config.seed),
            config,
            mean,
            candidates: Vec::new(),
            returns: Vec::new(),
            generation: 0,
            episodes: 0,
        })
    }

    /// A learner for `env`'s spaces; errors unless its actions are
    /// discrete and its observations a vector.
    pub fn for_env<E: Env + ?Sized>(env: &E, config: CemConfig) -> Result<Self> {
        let env_id = env.spec().map(|s| s.id.clone());
        let name = env_id.as_deref().unwrap_or("the env");
        let bad = |message: String| Error::agent(Cem::NAME, message);
        let (n, start) = match env.action_space() {
            Space::Discrete(d) => (d.n, d.start),
            other => {
                return Err(bad(format!(
                    "{name} has action space {other}; CEM's linear policy needs a discrete one"
                )));
            }
        };
        let obs_dim = match env.observation_space() {
            Space::Box(b) => b.dims(),
            other => {
                return Err(bad(format!(
                    "{name} has observation space {other}; CEM needs vector observations"
                )));
            }
        };
        let n = usize::try_from(n).map_err(|_| bad(format!("{name} has {n} actions")))?;
        let mut agent = Cem::new(obs_dim, n, config)?;
        agent.mean.env_id = env_id;
        agent.mean.action_start = start;
        Ok(agent)
    }

    /// Restores a learner from its saved state (the `agent.json` of a
    /// checkpoint). The draws go on from a generator reseeded with the
    /// config's seed and the generation, so a restored run is reproducible
    /// but not the same as one never stopped.
    pub fn from_state(state: CemState) -> Result<Self> {
        state.config.validate()?;
        state.policy.validate()?;
        if state.std.len() != state.policy.weights.len()
            || state.std.iter().any(|s| !(s.is_finite() && *s >= 0.0))
        {
            return Err(Error::agent(
                Cem::NAME,
                format!(
                    "the saved state has {} spreads for {} weights (or one is negative or not \
                     finite); it is not a CEM state",
                    state.std.len(),
                    state.policy.weights.len()
                ),
            ));
        }
        let seed = state.config.seed ^ state.generation.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Ok(Cem {
            rng: SpaceRng::seed_from_u64(seed),
            config: state.config,
            mean: state.policy,
            std: state.std,
            candidates: Vec::new(),
            returns: Vec::new(),
            generation: state.generation,
            episodes: state.episodes,
        })
    }

    /// The settings.
    pub fn config(&self) -> &CemConfig {
        &self.config
    }

    /// The mean of the weight distribution: the policy evaluation plays.
    pub fn policy(&self) -> LinearPolicy {
        self.mean.clone()
    }

    /// Generations completed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The spread of each weight (shrinks as the search settles).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// Everything needed to restore the learner.
    pub fn to_state(&self) -> CemState {
        CemState {
            config: self.config.clone(),
            policy: self.mean.clone(),
            std: self.std.clone(),
            generation: self.generation,
            episodes: self.episodes,
        }
    }

    /// Draws the generation's candidates when it starts.
    fn ensure_candidates(&mut self) {
        if !self.candidates.is_empty() {
            return;
        }
        let pop = self.config.population;
        // The first candidate is the mean itself: the policy as evaluation
        // plays it gets one episode per generation, and competes.
        self.candidates = std::iter::once(self.mean.weights.clone())
            .chain((1..pop).map(|_| {
                self.mean
                    .weights
                    .iter()
                    .zip(&self.std)
                    .map(|(m, s)| m + s * standard_normal(&mut self.rng))
                    .collect()
            }))
            .collect();
    }

    /// The candidate playing the current episode.
    fn current(&mut self) -> &[f64] {
        self.ensure_candidates();
        let i = self.returns.len().min(self.candidates.len() - 1);
        &self.candidates[i]
    }

    fn check_obs(&self, obs: &[f32]) -> Result<()> {
        if obs.len() == self.mean.obs_dim {
            Ok(())
        } else {
            Err(Error::agent(
                Cem::NAME,
                format!(
                    "observation of {} values, but the agent was made for {}",
                    obs.len(),
                    self.mean.obs_dim
                ),
            ))
        }
    }

    /// Ends a generation: the elites give the new mean and spread.
    fn update(&mut self) {
        let mut order: Vec<usize> = (0..self.returns.len()).collect();
        order.sort_by(|&a, &b| self.returns[b].total_cmp(&self.returns[a]));
        let elites: Vec<&Vec<f64>> = order
            .iter()
            .take(self.config.elites())
            .map(|&i| &self.candidates[i])
            .collect();
        let k = elites.len() as f64;
        let fade = if self.config.extra_std_generations == 0 {
            1.0
        } else {
            (self.generation as f64 / self.config.extra_std_generations as f64).min(1.0)
        };
        let extra =
            self.config.extra_std + (self.config.extra_std_end - self.config.extra_std) * fade;
        let mut spread = vec![0.0; self.std.len()];
        for j in 0..self.mean.weights.len() {
            let mean = elites.iter().map(|c| c[j]).sum::<f64>() / k;
            let var = elites.iter().map(|c| (c[j] - mean).powi(2)).sum::<f64>() / k;
            self.mean.weights[j] = mean;
            spread[j] = var.sqrt();
        }
        // The argmax does not change when every weight is scaled by the same
        // positive factor, so the mean is kept at unit length (the spread
        // with it): the noise then stays in proportion to the weights,
        // instead of shrinking relative to a growing mean.
        let norm = self.mean.weights.iter().map(|w| w * w).sum::<f64>().sqrt();
        let scale = if norm > 0.0 { 1.0 / norm } else { 1.0 };
        for ((w, std), spread) in self.mean.weights.iter_mut().zip(&mut self.std).zip(&spread) {
            *w *= scale;
            let s = spread * scale;
            *std = (s * s + extra * extra).sqrt();
        }
        log::debug!(
            "CEM generation {}: best return {:.1}, elite mean {:.1}",
            self.generation,
            self.returns[order[0]],
            order
                .iter()
                .take(self.config.elites())
                .map(|&i| self.returns[i])
                .sum::<f64>()
                / k
        );
        self.generation += 1;
        self.candidates.clear();
        self.returns.clear();
    }
}

impl Agent for Cem {
    fn name(&self) -> &str {
        Cem::NAME
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "agent": Cem::NAME,
            "policy": "linear",
            "obs_dim": self.mean.obs_dim,
            "n_actions": self.mean.n_actions,
            "settings": self.config,
        })
    }

    fn begin_episode(&mut self) -> Result<()> {
        self.ensure_candidates();
        Ok(())
    }

    fn act(&mut self, obs: &[f32]) -> Result<SpaceValue> {
        self.check_obs(obs)?;
        let n = self.mean.n_actions;
        let start = self.mean.action_start;
        let best = linear_argmax(self.current(), n, obs);
        Ok(SpaceValue::Discrete(start + best as i64))
    }

    fn end_episode(&mut self, ret: f64, _length: u64) -> Result<Losses> {
        self.ensure_candidates();
        self.returns
            .push(if ret.is_nan() { f64::NEG_INFINITY } else { ret });
        self.episodes += 1;
        if self.returns.len() >= self.candidates.len() {
            self.update();
        }
        Ok(Losses::new())
    }

    fn predict(&mut self, obs: &[f32]) -> Result<SpaceValue> {
        Ok(SpaceValue::Discrete(self.mean.action(obs)?))
    }

    fn state(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self.to_state()).map_err(|source| Error::Json {
            path: "CEM state".into(),
            source: Box::new(source),
        })
    }
}

/// One draw of N(0, 1) (Box–Muller).
fn standard_normal(rng: &mut SpaceRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_policy_picks_the_best_scoring_action() {
        // Action 0 scores -obs[0], action 1 scores obs[0] + 0.5.
        let p = LinearPolicy::new(1, 2, vec![-1.0, 0.0, 1.0, 0.5]).unwrap();
        assert_eq!(p.action(&[1.0]).unwrap(), 1);
        assert_eq!(p.action(&[-1.0]).unwrap(), 0);
        assert_eq!(p.action(&[-0.25]).unwrap(), 0); // a tie goes to the first action
        assert!(p.action(&[1.0, 2.0]).is_err());
        assert!(LinearPolicy::new(1, 2, vec![0.0; 3]).is_err());
        assert!(LinearPolicy::new(1, 2, vec![f64::NAN, 0.0, 0.0, 0.0]).is_err());
    }

    #[test]
    fn a_generation_moves_the_mean_to_its_elites() {
        let config = CemConfig {
            population: 4,
            elite_frac: 0.25,
            extra_std: 0.0,
            extra_std_end: 0.0,
            ..CemConfig::default()
        };
        let mut cem = Cem::new(1, 2, config).unwrap();
        cem.begin_episode().unwrap();
        let candidates = cem.candidates.clone();
        for ret in [1.0, 9.0, 3.0, 2.0] {
            cem.end_episode(ret, 1).unwrap();
        }
        assert_eq!(cem.generation(), 1);
        // The best candidate, scaled to unit length.
        let norm = candidates[1].iter().map(|w| w * w).sum::<f64>().sqrt();
        let expected: Vec<f64> = candidates[1].iter().map(|w| w / norm).collect();
        let got = cem.policy().weights;
        assert!(
            got.iter()
                .zip(&expected)
                .all(|(a, b)| (a - b).abs() < 1e-12),
            "{got:?}"
        );
        assert!(cem.std().iter().all(|&s| s == 0.0)); // one elite, no extra noise
    }
}
