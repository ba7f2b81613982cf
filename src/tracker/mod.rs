//! Experiment trackers: sending what a recording (or a training run) did to
//! the tracking servers people look at. This layer builds on
//! [`record`](crate::record) and [`catalog`](crate::catalog) (its
//! observers read the videos, posters and sidecars they wrote); nothing
//! below it imports it. All network I/O happens on threads of its own, so
//! the env loop never waits on a server, and local files are only read.
//!
//! - [`mlflow`] (feature `mlflow`): an MLflow tracking server over its REST
//!   API.

#[cfg(feature = "mlflow")]
pub mod mlflow;
