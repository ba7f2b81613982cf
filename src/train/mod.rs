//! The training side, ported from velora: [`TrainState`] and
//! [`AnalyticsState`] (velora's `state` module), [`TrainCallback`]s
//! ([`RecordVideos`], [`EarlyStopping`], [`SaveCheckpoints`]), a
//! [`MetricsStore`] in an embedded SQLite file, the [`Agent`] trait with
//! one learner ([`Cem`], the cross-entropy method over a [`LinearPolicy`]),
//! and the [`Trainer`] loop that ties them together. With feature
//! `tensorboard`, `LogToTensorBoard` logs a run where RL users look; with
//! feature `mlflow`, `LogToMlflow` logs it (clips too) to an MLflow server.
//!
//! ```
//! use gymrec::env::RenderMode;
//! use gymrec::record::RecordMethod;
//! use gymrec::train::{
//!     AnalyticsState, Cem, CemConfig, EarlyStopping, MetricsStore, RecordVideos, Trainer, evaluate,
//! };
//!
//! # fn main() -> gymrec::Result<()> {
//! # let root = std::env::temp_dir().join(format!("gymrec-doc-train-{}", std::process::id()));
//! # std::fs::remove_dir_all(&root).ok();
//! // Videos need an env that renders.
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut agent = Cem::for_env(&env, CemConfig::default())?;
//! let metrics = MetricsStore::in_memory()?; // MetricsStore::open("metrics.db") keeps it
//! let summary = Trainer::new(env)
//!     .episodes(40)
//!     .seed(0)
//!     .analytics(AnalyticsState::new("docs"))
//!     .callback(
//!         RecordVideos::builder("cartpole")
//!             .root(&root) // default: ./checkpoints
//!             .frequency(20)
//!             .configure(|config| config.video_length(30))
//!             .build()?,
//!     )
//!     .callback(EarlyStopping::new(500.0, 100))
//!     .run(&mut agent, &metrics)?;
//!
//! // Recorder episode 20 is training episode 21; then the final evaluation episode.
//! let names: Vec<String> = summary.videos.iter()
//!     .map(|v| v.path.file_name().unwrap().to_string_lossy().into_owned())
//!     .collect();
//! # #[cfg(feature = "ffmpeg")]
//! assert_eq!(names, ["CartPole-episode-20.mp4", "CartPole_final-episode-0.mp4"]);
//! assert_eq!(metrics.videos_of_episode(summary.experiment_id, 21)?.len(), 1);
//! assert_eq!(summary.experiment_name.as_deref(), Some("CEM_CartPole_40ep"));
//!
//! let mut eval_env = gymrec::make("CartPole-v1", RenderMode::None)?;
//! let returns = evaluate(&mut agent, &mut eval_env, 5, 1000)?;
//! assert_eq!(returns.len(), 5);
//! # std::fs::remove_dir_all(&root).ok();
//! # Ok(())
//! # }
//! ```

mod agent;
mod callback;
mod cem;
mod checkpoints;
mod metrics;
#[cfg(feature = "mlflow")]
mod mlflow;
mod state;
#[cfg(feature = "tensorboard")]
mod tensorboard;
mod trainer;
mod videos;

pub use agent::{Agent, Losses, Transition};
pub use callback::{EarlyStopping, TrainCallback};
pub use cem::{Cem, CemConfig, CemState, LinearPolicy};
pub use checkpoints::{DEFAULT_ROOT, SaveCheckpoints, SaveCheckpointsBuilder};
pub use metrics::{
    EPISODE_SCALARS, EpisodeRow, ExperimentRow, MetricsStore, VideoEpisode, VideoKind, VideoLink,
    VideoRow,
};
#[cfg(feature = "mlflow")]
#[cfg_attr(docsrs, doc(cfg(feature = "mlflow")))]
pub use mlflow::{LogToMlflow, MlflowClips};
pub use state::{AnalyticsState, DEFAULT_PROJECT, LoggingType, StateUpdate, Status, TrainState};
#[cfg(feature = "tensorboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "tensorboard")))]
pub use tensorboard::{LogToTensorBoard, RunHandle, TensorBoardClips};
pub use trainer::{TrainSummary, Trainer, evaluate};
pub use videos::{RecordVideos, RecordVideosBuilder};
