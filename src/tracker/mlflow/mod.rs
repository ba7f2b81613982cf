//! MLflow (feature `mlflow`): a REST client of a tracking server
//! ([`MlflowClient`]), an [`Uploader`] thread that sends a run's metrics,
//! params, tags and artifacts with retries, and the [`Mlflow`] recording
//! observer ([`RecordingConfig::mlflow`](crate::record::RecordingConfig::mlflow)).
//!
//! The calls are MLflow's REST API 2.0: `experiments/get-by-name` and
//! `experiments/create`, `runs/create`, `runs/log-batch` (at most 1,000
//! metrics, 100 params and 100 tags a call, 1,000 in all), `runs/update`, and the
//! artifact proxy's `PUT mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>`
//! (a server started with `--artifacts-destination`, the default of
//! `mlflow server`). Plain HTTP only.
//!
//! ```no_run
//! use gymrec::env::RenderMode;
//! use gymrec::record::{RecordingConfig, Trigger};
//! use gymrec::tracker::mlflow::Mlflow;
//!
//! # fn main() -> gymrec::Result<()> {
//! let mlflow = Mlflow::new("http://127.0.0.1:5000").experiment("cartpole").run_name("random");
//! let summary = mlflow.summary();
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let env = RecordingConfig::new("videos")
//!     .episode_trigger(Trigger::every(10)?)
//!     .gallery()
//!     .observer(mlflow)
//!     .wrap(env)?;
//! // ... run episodes ...
//! env.finish().into_result()?; // waits for the uploads, ends the run
//! println!("{:?}", summary.lock().unwrap().run);
//! # Ok(())
//! # }
//! ```

mod client;
mod observer;
mod run;
mod uploader;

pub use client::{
    HttpStatus, MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_PER_BATCH,
    MAX_TAGS_PER_BATCH, Metric, MlflowClient, RunInfo, RunStatus, is_retryable, log_batch_bodies,
};
pub use observer::{DEFAULT_EXPERIMENT, Mlflow};
pub use run::SharedRun;
pub use uploader::{Retry, RunTarget, UploadSummary, Uploader};
