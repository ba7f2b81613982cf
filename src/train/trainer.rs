//! [`Trainer`]: the training loop, calling the callbacks where velora's
//! `TrainHandler` does (see [`Trainer::run`] for the order of events), with
//! a progress bar and a closing [`TrainSummary`]; and [`evaluate`], greedy
//! evaluation episodes.

use super::agent::{Agent, Transition};
use super::callback::TrainCallback;
use super::checkpoints::write_json;
use super::metrics::{EpisodeRow, MetricsStore, VideoRow};
use super::state::{AnalyticsState, LoggingType, StateUpdate, Status, TrainState};
use crate::env::{DynEnv, Env, SpaceValue};
use crate::policy::run_episode;
use crate::{Error, Result, Setting};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt;
use std::time::{Duration, Instant};

/// Trains an [`Agent`] on an env, driving [`TrainCallback`]s and storing
/// every episode in a [`MetricsStore`].
///
/// ```
/// use gymrec::env::RenderMode;
/// use gymrec::train::{Cem, CemConfig, EarlyStopping, MetricsStore, Trainer};
///
/// # fn main() -> gymrec::Result<()> {
/// let env = gymrec::make("CartPole-v1", RenderMode::None)?;
/// let mut agent = Cem::for_env(&env, CemConfig::default())?;
/// let metrics = MetricsStore::in_memory()?;
/// let summary = Trainer::new(env)
///     .episodes(60)
///     .seed(0)
///     .callback(EarlyStopping::new(500.0, 1000))
///     .run(&mut agent, &metrics)?;
/// assert_eq!(summary.episodes, 60);
/// assert_eq!(metrics.episodes(summary.experiment_id)?.len(), 60);
/// assert_eq!(agent.generation(), 3); // 20 episodes per generation
/// # Ok(())
/// # }
/// ```
pub struct Trainer {
    env: DynEnv,
    episodes: u64,
    max_steps: Option<u64>,
    seed: Option<u64>,
    log_freq: u64,
    window: u64,
    callbacks: Vec<Box<dyn TrainCallback>>,
    analytics: Option<AnalyticsState>,
    progress: bool,
}

impl fmt::Debug for Trainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trainer")
            .field("env", &self.env.spec().map(|s| s.id.as_str()))
            .field("episodes", &self.episodes)
            .field("max_steps", &self.max_steps)
            .field("seed", &self.seed)
            .field("log_freq", &self.log_freq)
            .field("window", &self.window)
            .field("callbacks", &self.callback_info())
            .field("analytics", &self.analytics)
            .field("progress", &self.progress)
            .finish()
    }
}

/// What a training run did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// The experiment's id in the metrics store.
    pub experiment_id: i64,
    /// Episodes played.
    pub episodes: u64,
    /// Steps taken.
    pub steps: u64,
    /// Wall-clock time of the run, from the start callbacks to the end of
    /// the complete callbacks.
    pub elapsed: Duration,
    /// Whether a callback stopped training before the planned episodes.
    pub early_stopped: bool,
    /// The last episode's return.
    pub last_return: f64,
    /// The best episode return.
    pub best_return: f64,
    /// The moving mean of the return at the last episode.
    pub reward_moving_avg: f64,
    /// The moving standard deviation of the return at the last episode.
    pub reward_moving_std: f64,
    /// The window of the moving statistics, in episodes.
    pub window: u64,
    /// The experiment's name, when an analytics state gave it one.
    pub experiment_name: Option<String>,
    /// The videos stored for the experiment.
    pub videos: Vec<VideoRow>,
}

impl fmt::Display for TrainSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "---------------------------------")?;
        if self.early_stopped {
            writeln!(f, "Early stopping target reached!")?;
        }
        writeln!(
            f,
            "Training completed in: {} episodes, {} steps, and {:.2} s.",
            self.episodes,
            self.steps,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "Return: last {:.1}, best {:.1}, moving average {:.1} ± {:.1} over {} episodes.",
            self.last_return,
            self.best_return,
            self.reward_moving_avg,
            self.reward_moving_std,
            self.window
        )?;
        match &self.experiment_name {
            Some(name) => write!(f, "Experiment {} ({name})", self.experiment_id)?,
            None => write!(f, "Experiment {}", self.experiment_id)?,
        }
        write!(f, ": {} videos.", self.videos.len())
    }
}

impl Trainer {
    /// A trainer on `env` with velora's defaults: 10,000 episodes, episodes
    /// run until the env ends them, logging every 10 episodes, moving
    /// statistics over 100 episodes, no callbacks, no progress bar, no
    /// seed.
    pub fn new(env: DynEnv) -> Self {
        Trainer {
            env,
            episodes: 10_000,
            max_steps: None,
            seed: None,
            log_freq: 10,
            window: 100,
            callbacks: Vec::new(),
            analytics: None,
            progress: false,
        }
    }

    /// The number of episodes to train for (at least 1).
    pub fn episodes(mut self, n: u64) -> Self {
        self.episodes = n;
        self
    }

    /// Ends an episode after this many steps even when the env does not.
    pub fn max_steps(mut self, steps: u64) -> Self {
        self.max_steps = Some(steps);
        self
    }

    /// The seed of the first reset (later resets continue the env's
    /// randomness).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Logging happens every `episodes` episodes and after the last one.
    pub fn log_freq(mut self, episodes: u64) -> Self {
        self.log_freq = episodes;
        self
    }

    /// The moving statistics of the return cover this many episodes.
    pub fn window(mut self, episodes: u64) -> Self {
        self.window = episodes;
        self
    }

    /// Adds a callback; callbacks are called in the order they were added.
    pub fn callback(mut self, callback: impl TrainCallback + 'static) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// Names the experiment: the missing name and tags are filled in by
    /// [`TrainState::analytics_update`] after the start callbacks, and
    /// stored with the experiment.
    pub fn analytics(mut self, analytics: AnalyticsState) -> Self {
        self.analytics = Some(analytics);
        self
    }

    /// Shows a progress bar on the terminal (standard error) while
    /// training (default off).
    pub fn progress(mut self, show: bool) -> Self {
        self.progress = show;
        self
    }

    /// Each callback's [`TrainCallback::info`] line, in order.
    pub fn callback_info(&self) -> Vec<String> {
        self.callbacks.iter().map(|c| c.info()).collect()
    }

    fn validate(&self) -> Result<()> {
        for (setting, value) in [
            (Setting::TrainerEpisodes, self.episodes),
            (Setting::TrainerLogFreq, self.log_freq),
            (Setting::TrainerWindow, self.window),
            (Setting::TrainerMaxSteps, self.max_steps.unwrap_or(1)),
        ] {
            if value == 0 {
                return Err(Error::OutOfRange {
                    setting,
                    value,
                    allowed: 1..=u64::MAX,
                    context: None,
                });
            }
        }
        Ok(())
    }

    fn experiment_config(&self, agent: &dyn Agent) -> serde_json::Value {
        let callbacks: serde_json::Map<String, serde_json::Value> =
            self.callbacks.iter().map(|c| c.config()).collect();
        serde_json::json!({
            "agent": agent.config(),
            "train": {
                "env": self.env.spec().map(|s| s.id.clone()),
                "episodes": self.episodes,
                "max_steps": self.max_steps,
                "seed": self.seed,
                "log_freq": self.log_freq,
                "window": self.window,
            },
            "callbacks": callbacks,
        })
    }

    /// Trains `agent`, storing the experiment and its episodes in
    /// `metrics`.
    ///
    /// Per run, in order:
    /// 1. the experiment is stored in the [`MetricsStore`];
    /// 2. [`Status::Start`] (callbacks may wrap the env); the analytics
    ///    state, when there is one, is completed and names the experiment;
    /// 3. for each episode `ep` from 1: reset (seeded for the first
    ///    episode), then per step [`Agent::act`], the env step,
    ///    [`Agent::observe`] and [`Status::Step`] with `current_step`
    ///    counting from 1; at the end [`Agent::end_episode`], the episode
    ///    stored in one transaction, [`Status::Logging`] when
    ///    `ep % log_freq == 0` or it is the last episode, then
    ///    [`Status::Episode`] with the return; training stops early once a
    ///    callback sets [`TrainState::stop_training`];
    /// 4. [`Status::Complete`], the env closed, `completed.json` written
    ///    into the checkpoint folder when saving is enabled.
    ///
    /// Errors on invalid settings, and stops training at the first error of
    /// the env, the agent, a callback or the store. Videos finalized
    /// before then are kept.
    pub fn run(self, agent: &mut dyn Agent, metrics: &MetricsStore) -> Result<TrainSummary> {
        self.validate()?;
        let env_id = self
            .env
            .spec()
            .map_or_else(|| "unknown".to_string(), |s| s.id.clone());
        let config = self.experiment_config(agent);
        let experiment_id =
            metrics.start_experiment(agent.name(), &env_id, &config, self.window)?;
        for line in self.callback_info() {
            log::info!("{line}");
        }
        let Trainer {
            env,
            episodes,
            max_steps,
            seed,
            log_freq,
            window,
            callbacks,
            analytics,
            progress,
        } = self;

        let started = Instant::now();
        let mut state = TrainState::new(agent, env, metrics.clone(), experiment_id);
        state.total_episodes = episodes;
        state.analytics_state = analytics;
        let mut run = Run {
            state,
            callbacks,
            metrics,
            experiment_id,
            episodes,
            max_steps,
            log_freq,
            bar: progress_bar(progress, episodes, &env_id),
            best: f64::NEG_INFINITY,
            last: None,
        };
        run.start()?;
        for ep in 1..=episodes {
            run.episode(ep, if ep == 1 { seed } else { None })?;
            if run.state.stop_training {
                break;
            }
        }
        run.bar.finish_and_clear();
        run.complete()?;
        run.summary(started.elapsed(), window)
    }
}

/// A training run under way: what [`Trainer::run`] does, step by step.
struct Run<'a> {
    state: TrainState<'a>,
    callbacks: Vec<Box<dyn TrainCallback>>,
    metrics: &'a MetricsStore,
    experiment_id: i64,
    episodes: u64,
    max_steps: Option<u64>,
    log_freq: u64,
    bar: ProgressBar,
    /// The best return so far.
    best: f64,
    /// The last episode's row in the store.
    last: Option<EpisodeRow>,
}

impl Run<'_> {
    /// Calls the callbacks with the state as it is.
    fn callbacks(&mut self) -> Result<()> {
        run_callbacks(&mut self.callbacks, &mut self.state)
    }

    /// The start callbacks (which may wrap the env); then the analytics
    /// state, when there is one, is completed and names the experiment.
    fn start(&mut self) -> Result<()> {
        self.callbacks()?;
        if self.state.analytics_state.is_none() {
            return Ok(());
        }
        self.state.analytics_update()?;
        if let Some(a) = &self.state.analytics_state {
            let name = a.experiment_name.as_deref().unwrap_or_default();
            let tags = a.tags.as_deref().unwrap_or(&[]);
            self.metrics
                .set_experiment_name(self.experiment_id, name, tags)?;
        }
        Ok(())
    }

    /// Episode `ep`: played, then stored, logged and reported.
    fn episode(&mut self, ep: u64, seed: Option<u64>) -> Result<()> {
        let (ret, length) = self.play(seed)?;
        let losses = self.state.agent.end_episode(ret, length)?;
        let row = self
            .metrics
            .add_episode(self.experiment_id, ep, ret, length, &losses)?;
        self.best = self.best.max(ret);
        if ep % self.log_freq == 0 || ep == self.episodes {
            self.log(ep, ret, length, &row)?;
        }
        self.bar.set_message(format!(
            "return {ret:.0}, average {:.1}",
            row.reward_moving_avg
        ));
        self.bar.inc(1);
        self.state.update(StateUpdate {
            status: Some(Status::Episode),
            current_ep: Some(ep),
            ep_reward: Some(ret),
            ..StateUpdate::default()
        });
        self.callbacks()?;
        self.last = Some(row);
        Ok(())
    }

    /// Plays one episode from a reset (with `seed`): per step the agent
    /// acts, the env steps, the agent observes and the step callbacks run.
    /// Returns the episode's return and length.
    fn play(&mut self, seed: Option<u64>) -> Result<(f64, u64)> {
        self.state.agent.begin_episode()?;
        let (mut obs, _) = self.state.env.reset(seed)?;
        let (mut ret, mut length) = (0.0, 0u64);
        loop {
            let action = self.state.agent.act(&obs)?;
            let step = self.state.env.step(action.clone())?;
            ret += step.reward;
            length += 1;
            self.state.total_steps += 1;
            self.state.agent.observe(&Transition {
                obs: &obs,
                action: &action,
                reward: step.reward,
                next_obs: &step.obs,
                terminated: step.terminated,
                truncated: step.truncated,
            })?;
            self.state.update(StateUpdate {
                status: Some(Status::Step),
                current_step: Some(length),
                ..StateUpdate::default()
            });
            self.callbacks()?;
            let done = step.done() || self.max_steps.is_some_and(|m| length >= m);
            obs = step.obs;
            if done {
                return Ok((ret, length));
            }
        }
    }

    /// The logging callbacks after episode `ep`, and a log line.
    fn log(&mut self, ep: u64, ret: f64, length: u64, row: &EpisodeRow) -> Result<()> {
        self.state.update(StateUpdate {
            status: Some(Status::Logging),
            current_ep: Some(ep),
            logging_type: Some(LoggingType::Episode),
            ..StateUpdate::default()
        });
        self.callbacks()?;
        log::info!(
            "episode {ep}/{}: return {ret:.1}, length {length}, moving average \
             {:.1} ± {:.1}, {} steps in total",
            self.episodes,
            row.reward_moving_avg,
            row.reward_moving_std,
            self.state.total_steps
        );
        Ok(())
    }

    /// The complete callbacks, then the env closed.
    fn complete(&mut self) -> Result<()> {
        self.state.update(StateUpdate {
            status: Some(Status::Complete),
            ..StateUpdate::default()
        });
        self.callbacks()?;
        self.state.env.close()
    }

    /// What the run did, written to `completed.json` when saving is
    /// enabled.
    fn summary(self, elapsed: Duration, window: u64) -> Result<TrainSummary> {
        let last = self.last.ok_or(Error::NoEpisodes)?;
        let summary = TrainSummary {
            experiment_id: self.experiment_id,
            episodes: last.episode,
            steps: self.state.total_steps,
            elapsed,
            early_stopped: self.state.stop_training,
            last_return: last.reward,
            best_return: self.best,
            reward_moving_avg: last.reward_moving_avg,
            reward_moving_std: last.reward_moving_std,
            window,
            experiment_name: self
                .state
                .analytics_state
                .as_ref()
                .and_then(|a| a.experiment_name.clone()),
            videos: self.metrics.videos(self.experiment_id)?,
        };
        if self.state.saving_enabled {
            if let Some(dir) = &self.state.checkpoint_dir {
                save_completed(dir, &summary, self.metrics)?;
            }
        }
        Ok(summary)
    }
}

fn run_callbacks(
    callbacks: &mut [Box<dyn TrainCallback>],
    state: &mut TrainState<'_>,
) -> Result<()> {
    for callback in callbacks {
        callback.call(state)?;
    }
    Ok(())
}

fn progress_bar(show: bool, episodes: u64, env_id: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(episodes);
    let style = ProgressStyle::with_template(
        "{spinner} {prefix} [{bar:30}] {pos}/{len} episodes {msg} ({elapsed})",
    )
    .map_or_else(
        |_| ProgressStyle::default_bar(),
        |s| s.progress_chars("=> "),
    );
    bar.set_style(style);
    bar.set_prefix(env_id.to_string());
    bar
}

/// velora's `completed.json`: what the run did, beside its checkpoints.
fn save_completed(
    dir: &std::path::Path,
    summary: &TrainSummary,
    metrics: &MetricsStore,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let data = serde_json::json!({
        "experiment_id": summary.experiment_id,
        "metrics": metrics.path(),
        "episodes": summary.episodes,
        "steps": summary.steps,
        "seconds": summary.elapsed.as_secs_f64(),
        "early_stopped": summary.early_stopped,
        "reward": {
            "last": summary.last_return,
            "best": summary.best_return,
            "moving_avg": summary.reward_moving_avg,
            "moving_std": summary.reward_moving_std,
            "window": summary.window,
        },
        "videos": summary.videos.iter().map(|v| v.path.clone()).collect::<Vec<_>>(),
    });
    write_json(&dir.join("completed.json"), &data)
}

/// Plays `episodes` greedy episodes of `agent` ([`Agent::predict`]) and
/// returns their returns. Episode `i` is reset with seed `seed + i`, so the
/// same seed gives the same starting states. The env must end its episodes
/// (envs from [`make`](crate::make) have a time limit).
///
/// ```
/// use gymrec::env::RenderMode;
/// use gymrec::train::{Cem, CemConfig, evaluate};
///
/// # fn main() -> gymrec::Result<()> {
/// let mut env = gymrec::make("CartPole-v1", RenderMode::None)?;
/// let mut agent = Cem::for_env(&env, CemConfig::default())?;
/// let returns = evaluate(&mut agent, &mut env, 3, 100)?;
/// assert_eq!(returns.len(), 3);
/// # Ok(())
/// # }
/// ```
pub fn evaluate<E>(agent: &mut dyn Agent, env: &mut E, episodes: u64, seed: u64) -> Result<Vec<f64>>
where
    E: Env<Obs = Vec<f32>, Action = SpaceValue> + ?Sized,
{
    let mut returns = Vec::with_capacity(usize::try_from(episodes).unwrap_or(0).min(1 << 16));
    for i in 0..episodes {
        let seed = Some(seed.wrapping_add(i));
        returns.push(run_episode(env, seed, |obs| agent.predict(obs))?.ret);
    }
    Ok(returns)
}
