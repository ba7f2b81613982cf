//! The [`Agent`] trait: what the [`Trainer`](super::Trainer) needs of a
//! learner.
//!
//! An agent acts (exploring) while it trains, learns from each
//! [`Transition`] and from each finished episode, acts greedily when it is
//! evaluated, and gives its state as JSON for checkpoints.
//!
//! ```
//! use gymrec::env::SpaceValue;
//! use gymrec::train::{Agent, Losses};
//!
//! /// Pushes right when the pole leans right. Learns nothing.
//! struct Lean;
//!
//! impl Agent for Lean {
//!     fn name(&self) -> &str {
//!         "Lean"
//!     }
//!     fn config(&self) -> serde_json::Value {
//!         serde_json::json!({})
//!     }
//!     fn act(&mut self, obs: &[f32]) -> gymrec::Result<SpaceValue> {
//!         self.predict(obs)
//!     }
//!     fn predict(&mut self, obs: &[f32]) -> gymrec::Result<SpaceValue> {
//!         Ok(SpaceValue::Discrete(i64::from(obs.get(2).copied().unwrap_or(0.0) > 0.0)))
//!     }
//!     fn state(&self) -> gymrec::Result<serde_json::Value> {
//!         Ok(serde_json::Value::Null)
//!     }
//! }
//!
//! let mut agent = Lean;
//! assert_eq!(agent.act(&[0.0, 0.0, 0.1, 0.0]).unwrap(), SpaceValue::Discrete(1));
//! assert!(agent.end_episode(10.0, 10).unwrap().is_empty());
//! ```

use crate::Result;
use crate::env::SpaceValue;
use std::collections::BTreeMap;

/// Named losses of one episode (for example `actor` and `critic`, each
/// averaged over the episode's steps); empty when the agent has none.
pub type Losses = BTreeMap<String, f64>;

/// One environment step, as the agent sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition<'a> {
    /// The observation the action was chosen from.
    pub obs: &'a [f32],
    /// The action taken.
    pub action: &'a SpaceValue,
    /// The reward received.
    pub reward: f64,
    /// The observation after the step.
    pub next_obs: &'a [f32],
    /// The episode reached a terminal state.
    pub terminated: bool,
    /// The episode was cut short (a time limit).
    pub truncated: bool,
}

/// A learner the [`Trainer`](super::Trainer) can train (velora's
/// `RLModuleAgent`).
///
/// Per episode the trainer calls [`Agent::begin_episode`], then for each
/// step [`Agent::act`] and [`Agent::observe`], then
/// [`Agent::end_episode`] with the episode's return and length. Evaluation
/// calls only [`Agent::predict`].
pub trait Agent {
    /// The agent's type name (velora's class name), used in experiment
    /// names and tags: `CEM`, `DQN`, ….
    fn name(&self) -> &str;

    /// The agent's settings, stored with the experiment in the metrics
    /// store.
    fn config(&self) -> serde_json::Value;

    /// Prepares for a new training episode. The default does nothing.
    fn begin_episode(&mut self) -> Result<()> {
        Ok(())
    }

    /// The action to take while training (it may explore).
    fn act(&mut self, obs: &[f32]) -> Result<SpaceValue>;

    /// Learns from one step. The default does nothing.
    fn observe(&mut self, transition: &Transition<'_>) -> Result<()> {
        let _ = transition;
        Ok(())
    }

    /// Learns from a finished training episode with return `ret` over
    /// `length` steps, and reports the episode's losses (none by default).
    fn end_episode(&mut self, ret: f64, length: u64) -> Result<Losses> {
        let _ = (ret, length);
        Ok(Losses::new())
    }

    /// The greedy action, for evaluation (no exploration, no learning).
    fn predict(&mut self, obs: &[f32]) -> Result<SpaceValue>;

    /// Everything needed to restore the agent, as JSON (saved by
    /// [`SaveCheckpoints`](super::SaveCheckpoints)).
    fn state(&self) -> Result<serde_json::Value>;
}

impl<A: Agent + ?Sized> Agent for Box<A> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn config(&self) -> serde_json::Value {
        (**self).config()
    }
    fn begin_episode(&mut self) -> Result<()> {
        (**self).begin_episode()
    }
    fn act(&mut self, obs: &[f32]) -> Result<SpaceValue> {
        (**self).act(obs)
    }
    fn observe(&mut self, transition: &Transition<'_>) -> Result<()> {
        (**self).observe(transition)
    }
    fn end_episode(&mut self, ret: f64, length: u64) -> Result<Losses> {
        (**self).end_episode(ret, length)
    }
    fn predict(&mut self, obs: &[f32]) -> Result<SpaceValue> {
        (**self).predict(obs)
    }
    fn state(&self) -> Result<serde_json::Value> {
        (**self).state()
    }
}
