//! [`RecordVideos`]: videos of the agent while it trains, and one of the
//! trained agent at the end (velora's `RecordVideos` and
//! `record_last_episode`), each linked to its episodes in the metrics store.
//!
//! ```
//! use gymrec::record::RecordMethod;
//! use gymrec::train::RecordVideos;
//!
//! # fn main() -> gymrec::Result<()> {
//! let root = std::env::temp_dir().join(format!("gymrec-doc-videos-{}", std::process::id()));
//! let videos = RecordVideos::builder("cartpole").root(&root).frequency(25).build()?;
//! assert_eq!(videos.dirpath(), root.join("cartpole").join("videos"));
//! let mut trigger = videos.record_state().episode_trigger.unwrap();
//! let fired: Vec<u64> = (0..80).filter(|&t| trigger.fires(t)).collect();
//! assert_eq!(fired, [25, 50, 75]); // never the first episode, as in velora
//! # Ok(())
//! # }
//! ```

use super::callback::TrainCallback;
use super::checkpoints::{DEFAULT_ROOT, callback_folder};
use super::metrics::VideoLink;
use super::state::{Status, TrainState};
use crate::env::{DynEnv, Env, EnvSpec, Registry, RenderMode};
use crate::record::{RecordMethod, RecordState, RecordingConfig, Trigger};
use crate::{Error, Result};
use std::fmt;
use std::path::{Path, PathBuf};

type Configure = Box<dyn FnMut(RecordingConfig) -> RecordingConfig + Send>;
type FinalEnv = Box<dyn FnMut(&EnvSpec) -> Result<DynEnv> + Send>;

/// Records videos of training episodes or steps, then one evaluation
/// episode of the trained agent.
///
/// The rules are velora's:
/// - Videos go into `checkpoints/<dirname>/videos` (`root/<dirname>/videos`
///   with [`RecordVideosBuilder::root`]); when that folder exists already,
///   [`RecordVideosBuilder::build`] fails unless [`RecordVideosBuilder::force`]
///   is set, which also lets videos be overwritten.
/// - The trigger fires at `t` when `t != 0 && t % frequency == 0`, where
///   `t` is the recorder's episode id ([`RecordMethod::Episode`]) or step
///   id ([`RecordMethod::Step`]), both counting from 0 as in Gymnasium.
///   Recorder episode id `k` is training episode `k + 1`.
/// - At [`Status::Start`] it sets [`TrainState::record_state`] and replaces
///   [`TrainState::env`] with a [`RecordingWrapper`](crate::record::RecordingWrapper)
///   whose `name_prefix` is the env's name: `CartPole-episode-100.mp4`.
/// - At [`Status::Complete`] it closes the training env, which finalizes
///   the last training clip, then plays one episode of the agent's greedy
///   policy ([`Agent::predict`](super::Agent::predict)) in a new env and
///   records it as `<EnvName>_final-episode-0.mp4` (unless
///   [`RecordVideosBuilder::final_episode`] turned that off).
///
/// Every video is stored in the run's [`MetricsStore`](super::MetricsStore) as soon as it is
/// finalized, with the training episodes it shows (see
/// [`MetricsStore::videos_of_episode`](super::MetricsStore::videos_of_episode)).
pub struct RecordVideos {
    dirname: String,
    method: RecordMethod,
    frequency: u64,
    force: bool,
    dirpath: PathBuf,
    configure: Option<Configure>,
    final_env: Option<FinalEnv>,
    final_episode: bool,
    final_seed: Option<u64>,
    #[cfg(feature = "tensorboard")]
    tensorboard: Option<super::tensorboard::TensorBoardClips>,
    #[cfg(feature = "mlflow")]
    mlflow: Option<super::mlflow::MlflowClips>,
    installed: bool,
    final_video: Option<PathBuf>,
}

impl fmt::Debug for RecordVideos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordVideos")
            .field("dirname", &self.dirname)
            .field("method", &self.method)
            .field("frequency", &self.frequency)
            .field("force", &self.force)
            .field("dirpath", &self.dirpath)
            .field("final_episode", &self.final_episode)
            .field("final_seed", &self.final_seed)
            .finish_non_exhaustive()
    }
}

/// Settings of [`RecordVideos`]; [`RecordVideosBuilder::build`] checks them
/// and the folder.
pub struct RecordVideosBuilder {
    dirname: String,
    root: PathBuf,
    method: RecordMethod,
    frequency: u64,
    force: bool,
    configure: Option<Configure>,
    final_env: Option<FinalEnv>,
    final_episode: bool,
    final_seed: Option<u64>,
    #[cfg(feature = "tensorboard")]
    tensorboard: Option<super::tensorboard::TensorBoardClips>,
    #[cfg(feature = "mlflow")]
    mlflow: Option<super::mlflow::MlflowClips>,
}

impl fmt::Debug for RecordVideosBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordVideosBuilder")
            .field("dirname", &self.dirname)
            .field("root", &self.root)
            .field("method", &self.method)
            .field("frequency", &self.frequency)
            .field("force", &self.force)
            .finish_non_exhaustive()
    }
}

impl RecordVideosBuilder {
    /// The folder holding `<dirname>/videos` (default `checkpoints`).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// Whether the trigger counts episodes (the default) or steps.
    pub fn method(mut self, method: RecordMethod) -> Self {
        self.method = method;
        self
    }

    /// Record every `n`th episode or step, never the 0th (default 100, as
    /// velora). At least 1.
    pub fn frequency(mut self, n: u64) -> Self {
        self.frequency = n;
        self
    }

    /// Accept an existing videos folder and overwrite videos in it, for
    /// example to continue training (default false).
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Changes the recorder's settings before it wraps an env: video
    /// length, fps, encoder, observers such as a gallery. Called once for
    /// the training recorder and once for the final episode's, so that an
    /// observer can be made for each.
    pub fn configure(
        mut self,
        f: impl FnMut(RecordingConfig) -> RecordingConfig + Send + 'static,
    ) -> Self {
        self.configure = Some(Box::new(f));
        self
    }

    /// Makes the env the final episode is played in, from the training
    /// env's spec. The default makes `spec.id` from
    /// [`Registry::classic`] with rendering and the spec's step limit.
    pub fn final_env(mut self, f: impl FnMut(&EnvSpec) -> Result<DynEnv> + Send + 'static) -> Self {
        self.final_env = Some(Box::new(f));
        self
    }

    /// Whether to record the final evaluation episode (default true).
    pub fn final_episode(mut self, record: bool) -> Self {
        self.final_episode = record;
        self
    }

    /// The seed of the final episode's reset (default none: the new env's
    /// own randomness).
    pub fn final_seed(mut self, seed: Option<u64>) -> Self {
        self.final_seed = seed;
        self
    }

    /// Logs each kept clip into a [`LogToTensorBoard`](super::LogToTensorBoard)'s
    /// run (from its [`clips`](super::LogToTensorBoard::clips)): a GIF
    /// preview under `videos/training` at the clip's first training
    /// episode, or `videos/evaluation` at the last one, and a text entry
    /// naming the file (feature `tensorboard`).
    #[cfg(feature = "tensorboard")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tensorboard")))]
    pub fn tensorboard(mut self, clips: super::tensorboard::TensorBoardClips) -> Self {
        self.tensorboard = Some(clips);
        self
    }

    /// Uploads each kept clip (with its poster and sidecar, when the
    /// gallery wrote them) into a [`LogToMlflow`](super::LogToMlflow)'s run
    /// (from its [`clips`](super::LogToMlflow::clips)) as the artifact
    /// `videos/<file>`, as it is finalized (feature `mlflow`).
    #[cfg(feature = "mlflow")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mlflow")))]
    pub fn mlflow(mut self, clips: super::mlflow::MlflowClips) -> Self {
        self.mlflow = Some(clips);
        self
    }

    /// The callback; errors when `dirname` is not a plain folder name, the
    /// frequency is 0, or the videos folder exists and `force` is not set.
    pub fn build(self) -> Result<RecordVideos> {
        let dirpath = callback_folder(&self.root, &self.dirname, "videos")?;
        if self.frequency == 0 {
            return Err(Error::OutOfRange {
                setting: crate::Setting::RecordVideosFrequency,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        if !self.force && dirpath.exists() {
            return Err(Error::AlreadyExists {
                path: dirpath,
                advice: "videos of an earlier run are there; choose another dirname, move or \
                         delete that folder, or set force(true) to overwrite"
                    .into(),
            });
        }
        Ok(RecordVideos {
            dirname: self.dirname,
            method: self.method,
            frequency: self.frequency,
            force: self.force,
            dirpath,
            configure: self.configure,
            final_env: self.final_env,
            final_episode: self.final_episode,
            final_seed: self.final_seed,
            #[cfg(feature = "tensorboard")]
            tensorboard: self.tensorboard,
            #[cfg(feature = "mlflow")]
            mlflow: self.mlflow,
            installed: false,
            final_video: None,
        })
    }
}

impl RecordVideos {
    /// Settings for videos in `checkpoints/<dirname>/videos`, of every
    /// 100th episode.
    pub fn builder(dirname: impl Into<String>) -> RecordVideosBuilder {
        RecordVideosBuilder {
            dirname: dirname.into(),
            root: PathBuf::from(DEFAULT_ROOT),
            method: RecordMethod::Episode,
            frequency: 100,
            force: false,
            configure: None,
            final_env: None,
            final_episode: true,
            final_seed: None,
            #[cfg(feature = "tensorboard")]
            tensorboard: None,
            #[cfg(feature = "mlflow")]
            mlflow: None,
        }
    }

    /// The folder videos are written into.
    pub fn dirpath(&self) -> &Path {
        &self.dirpath
    }

    /// The final evaluation episode's video, once recorded.
    pub fn final_video(&self) -> Option<&Path> {
        self.final_video.as_deref()
    }

    /// The trigger: `t != 0 && t % frequency == 0`.
    fn trigger(&self) -> Trigger {
        let n = self.frequency;
        Trigger::new(move |t| t != 0 && t % n == 0).named(format!("every:{n} (not 0)"))
    }

    /// The recording state this callback puts into the training state: the
    /// folder, the method, and the trigger for that method.
    pub fn record_state(&self) -> RecordState {
        let state = RecordState::new(&self.dirpath, self.method);
        match self.method {
            RecordMethod::Episode => state.with_episode_trigger(self.trigger()),
            RecordMethod::Step => state.with_step_trigger(self.trigger()),
        }
    }

    /// Applies the user's settings, then stores each finished video in
    /// `metrics` as part of the experiment.
    fn finish_config(
        &mut self,
        config: RecordingConfig,
        state: &TrainState<'_>,
        link: VideoLink,
    ) -> RecordingConfig {
        let config = config.overwrite(self.force);
        let config = match self.configure.as_mut() {
            Some(f) => f(config),
            None => config,
        };
        #[cfg(feature = "tensorboard")]
        let config = match &self.tensorboard {
            Some(clips) => config.observer(clips.observer(link, state.current_ep)),
            None => config,
        };
        // After the user's settings, so that the gallery's posters and
        // sidecars exist when a clip is uploaded.
        #[cfg(feature = "mlflow")]
        let config = match &self.mlflow {
            Some(clips) => config.observer(clips.observer()),
            None => config,
        };
        let (metrics, experiment_id) = (&state.metrics, state.experiment_id);
        let metrics = metrics.clone();
        config.on_video(move |video| metrics.add_video(experiment_id, video, link).map(|_| ()))
    }

    fn start(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        let env_name = state.env_name()?;
        if state.env.frame_size().is_none() {
            return Err(Error::NoFrames {
                env: state.env.spec().map_or(env_name.clone(), |s| s.id.clone()),
                mode: state.env.render_mode().to_string(),
            });
        }
        state.record_state = Some(self.record_state());
        let config = self.record_state().to_wrapper()?.name_prefix(env_name);
        let link = VideoLink::Training {
            episode_base: state.current_ep + 1,
        };
        let config = self.finish_config(config, state, link);
        state.map_env(|env| Ok(Box::new(config.wrap(env)?)))?;
        self.installed = true;
        log::info!(
            "recording every {} {} (not the first) into {}",
            self.frequency,
            self.method,
            self.dirpath.display()
        );
        Ok(())
    }

    /// Finalizes the last training clip (closing the training env), then
    /// plays and records one greedy episode: `<EnvName>_final-episode-0.mp4`.
    fn complete(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        state.env.close()?;
        if self.final_episode {
            self.record_final(state)?;
        }
        Ok(())
    }

    /// Plays and records one greedy episode: `<EnvName>_final-episode-0.mp4`.
    fn record_final(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        let Some(spec) = state.env.spec().cloned() else {
            return Err(Error::NoEnvSpec {
                needed_for: "make the final episode's env from",
                advice: "give a maker of that env with RecordVideos::builder(..).final_env(..)",
            });
        };
        let env = match self.final_env.as_mut() {
            Some(make) => make(&spec)?,
            None => Registry::classic().make_with_limit(
                &spec.id,
                RenderMode::RgbArray,
                spec.max_episode_steps,
            )?,
        };
        let config = RecordingConfig::new(&self.dirpath)
            .episode_trigger(Trigger::always())
            .name_prefix(format!("{}_final", spec.name));
        let config = self.finish_config(config, state, VideoLink::Evaluation);
        let mut env = config.wrap(env)?;
        // A guard for envs without a time limit.
        let limit = spec.max_episode_steps.unwrap_or(100_000);
        let (mut obs, _) = env.reset(self.final_seed)?;
        let mut ret = 0.0;
        for _ in 0..limit {
            let step = env.step(state.agent.predict(&obs)?)?;
            ret += step.reward;
            let done = step.done();
            obs = step.obs;
            if done {
                break;
            }
        }
        let videos = env.take_report().into_result()?;
        env.close()?;
        self.final_video = videos.first().map(|v| v.facts.path.clone());
        log::info!(
            "final episode: return {ret:.1}, video {}",
            self.final_video
                .as_deref()
                .map_or("(not kept)".into(), |p| p.display().to_string())
        );
        Ok(())
    }
}

impl TrainCallback for RecordVideos {
    fn call(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        match state.status {
            Status::Start => self.start(state),
            Status::Complete if self.installed => self.complete(state),
            _ => Ok(()),
        }
    }

    fn config(&self) -> (String, serde_json::Value) {
        (
            "RecordVideos".into(),
            serde_json::json!({
                "dirname": self.dirname,
                "method": self.method,
                "frequency": self.frequency,
                "force": self.force,
            }),
        )
    }

    fn info(&self) -> String {
        format!(
            "'RecordVideos' enabled with 'method={}' and 'frequency={}'. Files will be saved in \
             the '{}' directory.",
            self.method,
            self.frequency,
            self.dirpath.display()
        )
    }
}
