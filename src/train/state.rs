//! velora's training state: [`TrainState`], [`AnalyticsState`], [`Status`]
//! and [`LoggingType`], ported from `velora.state`.
//!
//! ```
//! use gymrec::env::RenderMode;
//! use gymrec::train::{AnalyticsState, Cem, CemConfig, MetricsStore, StateUpdate, Status, TrainState};
//!
//! # fn main() -> gymrec::Result<()> {
//! let env = gymrec::make("CartPole-v1", RenderMode::None)?;
//! let mut agent = Cem::for_env(&env, CemConfig::default())?;
//! let metrics = MetricsStore::in_memory()?;
//! let id = metrics.start_experiment("CEM", "CartPole-v1", &serde_json::json!({}), 100)?;
//! let mut state = TrainState::new(&mut agent, env, metrics, id);
//! state.total_episodes = 500;
//!
//! state.update(StateUpdate { status: Some(Status::Episode), current_ep: Some(3), ..StateUpdate::default() });
//! state.update(StateUpdate { current_ep: None, ep_reward: Some(0.0), ..StateUpdate::default() });
//! assert_eq!((state.status, state.current_ep, state.ep_reward), (Status::Episode, 3, 0.0));
//!
//! state.analytics_state = Some(AnalyticsState::new("demos"));
//! state.analytics_update()?;
//! let analytics = state.analytics_state.as_ref().unwrap();
//! assert_eq!(analytics.experiment_name.as_deref(), Some("CEM_CartPole_500ep"));
//! assert_eq!(analytics.tags.as_deref(), Some(&["CEM".to_string(), "CartPole".to_string()][..]));
//! # Ok(())
//! # }
//! ```

use super::agent::Agent;
use super::metrics::{EpisodeRow, MetricsStore};
use crate::env::{Discrete, DynEnv, Env, Frame, Info, Space, SpaceValue, Step};
use crate::record::RecordState;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// The project of a run whose trainer was given no [`AnalyticsState`],
/// for the callbacks that log runs (TensorBoard, MLflow).
pub const DEFAULT_PROJECT: &str = "gymrec";

/// The stage of training a callback is called at (velora's
/// `Literal["start", "episode", "logging", "step", "complete"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Before training starts.
    #[default]
    Start,
    /// At the end of each episode, after its metrics are stored.
    Episode,
    /// Metric logging, every `log_freq` episodes and after the last one.
    Logging,
    /// After each environment step.
    Step,
    /// Training has finished (all episodes run, or stopped early).
    Complete,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Start => "start",
            Status::Episode => "episode",
            Status::Logging => "logging",
            Status::Step => "step",
            Status::Complete => "complete",
        })
    }
}

/// What a [`Status::Logging`] call reports (velora's `Literal["episode", "step"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoggingType {
    /// Episode metrics ([`TrainState::current_ep`] names the episode).
    #[default]
    Episode,
    /// Step metrics ([`TrainState::current_step`] names the step).
    Step,
}

impl fmt::Display for LoggingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoggingType::Episode => "episode",
            LoggingType::Step => "step",
        })
    }
}

/// The details of an analytics experiment (velora's `AnalyticsState`, made
/// for Comet or Weights & Biases, neither reachable offline): here they
/// name the experiment in the metrics store and, with `LogToTensorBoard`
/// (feature `tensorboard`), its TensorBoard run
/// `<logdir>/<project_name>/<experiment_name>/`, the tags among its hparams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsState {
    /// The project the experiment belongs to.
    pub project_name: String,
    /// The experiment's name; [`TrainState::analytics_update`] fills in
    /// `{AgentType}_{EnvName}_{total_episodes}ep` when it is `None`.
    pub experiment_name: Option<String>,
    /// Tags; [`TrainState::analytics_update`] fills in `[AgentType, EnvName]`
    /// when they are `None`.
    pub tags: Option<Vec<String>>,
}

impl AnalyticsState {
    /// A state for `project_name`, with the name and tags left to
    /// [`TrainState::analytics_update`].
    pub fn new(project_name: impl Into<String>) -> Self {
        AnalyticsState {
            project_name: project_name.into(),
            experiment_name: None,
            tags: None,
        }
    }

    /// Sets the experiment name.
    pub fn with_experiment_name(mut self, name: impl Into<String>) -> Self {
        self.experiment_name = Some(name.into());
        self
    }

    /// Sets the tags.
    pub fn with_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }
}

/// The values [`TrainState::update`] changes; `None` keeps the old value.
///
/// Unlike velora, where `update(current_ep=0)` keeps the old value because
/// `0` is falsy in Python, `Some(0)` (and `Some(0.0)`) does set the value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StateUpdate {
    /// The new [`TrainState::status`].
    pub status: Option<Status>,
    /// The new [`TrainState::current_ep`].
    pub current_ep: Option<u64>,
    /// The new [`TrainState::current_step`].
    pub current_step: Option<u64>,
    /// The new [`TrainState::ep_reward`].
    pub ep_reward: Option<f64>,
    /// The new [`TrainState::logging_type`].
    pub logging_type: Option<LoggingType>,
}

/// The current state of a training run, handed to every callback (velora's
/// `TrainState`).
///
/// Callbacks may change any field: [`RecordVideos`](super::RecordVideos)
/// replaces [`TrainState::env`] with a recording wrapper at
/// [`Status::Start`], [`EarlyStopping`](super::EarlyStopping) sets
/// [`TrainState::stop_training`], [`SaveCheckpoints`](super::SaveCheckpoints)
/// sets [`TrainState::saving_enabled`] and [`TrainState::checkpoint_dir`].
pub struct TrainState<'a> {
    /// The agent being trained.
    pub agent: &'a mut dyn Agent,
    /// The training environment.
    pub env: DynEnv,
    /// The metrics store of this run (velora's database `session`); a handle
    /// that can be cloned and moved to other threads.
    pub metrics: MetricsStore,
    /// The experiment's id in [`TrainState::metrics`].
    pub experiment_id: i64,
    /// The number of training episodes planned.
    pub total_episodes: u64,
    /// The number of training steps taken so far, across episodes. (velora
    /// declares the field, "total number of training steps", and leaves it
    /// at 0 in episode-based training; here the trainer keeps it current.)
    pub total_steps: u64,
    /// The current stage of training.
    pub status: Status,
    /// What the last [`Status::Logging`] call reported.
    pub logging_type: LoggingType,
    /// The current episode, counting from 1 as velora's trainer does (0
    /// before the first episode).
    pub current_ep: u64,
    /// The current step within the episode, counting from 1 (velora's
    /// `current_step`).
    pub current_step: u64,
    /// The return of the episode that just ended (at [`Status::Episode`]).
    pub ep_reward: f64,
    /// Set to stop training after the current episode.
    pub stop_training: bool,
    /// Whether checkpoints are being saved.
    pub saving_enabled: bool,
    /// The folder checkpoints are saved into, when saving is enabled.
    pub checkpoint_dir: Option<PathBuf>,
    /// The video recording state, when videos are recorded.
    pub record_state: Option<RecordState>,
    /// The analytics experiment's details, when there is one.
    pub analytics_state: Option<AnalyticsState>,
}

impl fmt::Debug for TrainState<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrainState")
            .field("agent", &self.agent.name())
            .field("env", &self.env.spec().map(|s| s.id.as_str()))
            .field("metrics", &self.metrics)
            .field("experiment_id", &self.experiment_id)
            .field("total_episodes", &self.total_episodes)
            .field("total_steps", &self.total_steps)
            .field("status", &self.status)
            .field("logging_type", &self.logging_type)
            .field("current_ep", &self.current_ep)
            .field("current_step", &self.current_step)
            .field("ep_reward", &self.ep_reward)
            .field("stop_training", &self.stop_training)
            .field("saving_enabled", &self.saving_enabled)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("record_state", &self.record_state)
            .field("analytics_state", &self.analytics_state)
            .finish()
    }
}

impl<'a> TrainState<'a> {
    /// A state at [`Status::Start`] with velora's defaults: no episodes or
    /// steps yet, episode logging, saving and recording off.
    pub fn new(
        agent: &'a mut dyn Agent,
        env: DynEnv,
        metrics: MetricsStore,
        experiment_id: i64,
    ) -> Self {
        TrainState {
            agent,
            env,
            metrics,
            experiment_id,
            total_episodes: 0,
            total_steps: 0,
            status: Status::Start,
            logging_type: LoggingType::Episode,
            current_ep: 0,
            current_step: 0,
            ep_reward: 0.0,
            stop_training: false,
            saving_enabled: false,
            checkpoint_dir: None,
            record_state: None,
            analytics_state: None,
        }
    }

    /// Changes the values given as `Some`; `None` keeps the old value.
    ///
    /// Unlike velora's `update`, which keeps the old value for anything
    /// falsy, `Some(0)` sets 0 and `Some(0.0)` sets 0.0: an episode with a
    /// return of 0 reports 0, not the previous episode's return.
    pub fn update(&mut self, update: StateUpdate) {
        let StateUpdate {
            status,
            current_ep,
            current_step,
            ep_reward,
            logging_type,
        } = update;
        if let Some(status) = status {
            self.status = status;
        }
        if let Some(ep) = current_ep {
            self.current_ep = ep;
        }
        if let Some(step) = current_step {
            self.current_step = step;
        }
        if let Some(reward) = ep_reward {
            self.ep_reward = reward;
        }
        if let Some(logging_type) = logging_type {
            self.logging_type = logging_type;
        }
    }

    /// Fills in the analytics details that are missing, from the training
    /// state (velora's `analytics_update`): the experiment name
    /// `{AgentType}_{EnvName}_{total_episodes}ep` and the tags
    /// `[AgentType, EnvName]`, where `AgentType` is [`Agent::name`] and
    /// `EnvName` the env spec's name (`CartPole` for `CartPole-v1`).
    ///
    /// Values already given are kept. As in velora, an empty name or an empty
    /// tag list counts as missing.
    ///
    /// Errors with [`Error::NoAnalyticsState`] when
    /// [`TrainState::analytics_state`] is `None` (velora fails there too) and
    /// with [`Error::NoEnvSpec`] when the env has no spec to take the name
    /// from.
    pub fn analytics_update(&mut self) -> Result<()> {
        let env_name = self.env_name()?;
        let agent_name = self.agent.name().to_string();
        let total_episodes = self.total_episodes;
        let Some(analytics) = self.analytics_state.as_mut() else {
            return Err(Error::NoAnalyticsState);
        };
        if analytics
            .experiment_name
            .as_deref()
            .is_none_or(str::is_empty)
        {
            analytics.experiment_name = Some(format!("{agent_name}_{env_name}_{total_episodes}ep"));
        }
        if analytics.tags.as_ref().is_none_or(Vec::is_empty) {
            analytics.tags = Some(vec![agent_name, env_name]);
        }
        Ok(())
    }

    /// The analytics state as the logging callbacks name their runs: made
    /// for project [`DEFAULT_PROJECT`] when there is none, completed by
    /// [`analytics_update`](Self::analytics_update) (which the trainer does
    /// after the start callbacks, too).
    pub fn completed_analytics(&mut self) -> Result<AnalyticsState> {
        if self.analytics_state.is_none() {
            self.analytics_state = Some(AnalyticsState::new(DEFAULT_PROJECT));
        }
        self.analytics_update()?;
        self.analytics_state.clone().ok_or(Error::NoAnalyticsState)
    }

    /// The metrics store's row of the current episode, which the logging
    /// callbacks log; `None`, with a warning naming `logger`, when the
    /// store does not have it.
    pub fn stored_episode(&self, logger: &str) -> Result<Option<EpisodeRow>> {
        let row = self.metrics.episode(self.experiment_id, self.current_ep)?;
        if row.is_none() {
            log::warn!(
                "{logger}: episode {} is not in the metrics store",
                self.current_ep
            );
        }
        Ok(row)
    }

    /// The env's name from its spec (`CartPole` for `CartPole-v1`), which
    /// names videos and checkpoints; an error when the env has no spec.
    pub fn env_name(&self) -> Result<String> {
        self.env
            .spec()
            .map(|s| s.name.clone())
            .ok_or(Error::NoEnvSpec {
                needed_for: "take its name from",
                advice: "make it with gymrec::make or a Registry, or give it an EnvSpec",
            })
    }

    /// Replaces [`TrainState::env`] with `f(env)`, as callbacks that wrap
    /// the env do. When `f` fails the env is gone: the state holds an env
    /// whose every call errors, and the error is returned.
    pub fn map_env(&mut self, f: impl FnOnce(DynEnv) -> Result<DynEnv>) -> Result<()> {
        let env = std::mem::replace(&mut self.env, Box::new(Taken::new()));
        self.env = f(env)?;
        Ok(())
    }
}

/// The env left in a [`TrainState`] whose env was taken by a wrapper that
/// failed: every call errors.
struct Taken {
    space: Space,
}

impl Taken {
    fn new() -> Self {
        Taken {
            space: Space::Discrete(Discrete::new(1)),
        }
    }

    fn error() -> Error {
        Error::EnvLost
    }
}

impl Env for Taken {
    type Obs = Vec<f32>;
    type Action = SpaceValue;

    fn reset(&mut self, _seed: Option<u64>) -> Result<(Vec<f32>, Info)> {
        Err(Taken::error())
    }
    fn step(&mut self, _action: SpaceValue) -> Result<Step<Vec<f32>>> {
        Err(Taken::error())
    }
    fn action_space(&self) -> &Space {
        &self.space
    }
    fn observation_space(&self) -> &Space {
        &self.space
    }
    fn render_into(&mut self, _frame: &mut Frame) -> Result<()> {
        Err(Taken::error())
    }
}
