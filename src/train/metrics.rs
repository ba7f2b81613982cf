//! [`MetricsStore`]: training metrics in an embedded SQLite file (velora's
//! `metrics.db`), with the videos recorded during training linked to the
//! episodes they show.
//!
//! Tables (schema version 1, in `PRAGMA user_version`):
//!
//! | table | one row per | columns |
//! |---|---|---|
//! | `experiments` | training run | `id`, `agent`, `env`, `config` (JSON), `reward_window`, `name`, `tags` (JSON list), `created_at` |
//! | `episodes` | training episode | `experiment_id`, `episode_num` (from 1), `reward` (the return), `length`, `reward_moving_avg`, `reward_moving_std`, `losses` (JSON object, `NULL` when the agent has none), `created_at` |
//! | `videos` | video file | `experiment_id`, `path`, `frames`, `kind` (`training`/`evaluation`), `started_by` (`episode`/`step`) and `start_id` (the id in the file name), `episode_num` (the training episode it starts in), `trigger`, `created_at` |
//! | `video_episodes` | episode shown in a video | `video_id`, `episode_num`, `reward`, `length`, `complete` |
//!
//! Times are UTC, ISO 8601 (`2025-01-31T12:00:00.000Z`). Every write is one
//! transaction, and the file is in WAL mode: a process killed at any point
//! loses nothing that was already written.
//!
//! ```
//! use gymrec::train::MetricsStore;
//!
//! # fn main() -> gymrec::Result<()> {
//! let store = MetricsStore::in_memory()?;
//! let id = store.start_experiment("CEM", "CartPole-v1", &serde_json::json!({"population": 20}), 3)?;
//! for (episode, ret) in [(1, 10.0), (2, 20.0), (3, 30.0), (4, 40.0)] {
//!     store.add_episode(id, episode, ret, ret as u64, &Default::default())?;
//! }
//! let episodes = store.episodes(id)?;
//! assert_eq!(episodes[3].reward_moving_avg, 30.0); // the mean of the last 3 returns
//! assert_eq!(episodes[3].reward_moving_std, 10.0);
//! # Ok(())
//! # }
//! ```

use super::agent::Losses;
use crate::record::{RecordedVideo, VideoStart};
use crate::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The scalars of each episode that the logging callbacks (TensorBoard,
/// MLflow) log, at the episode's number (from 1) as the step: the return,
/// the length and the moving mean and standard deviation of the return, as
/// the store has them ([`EpisodeRow::scalars`]); the agent's losses follow
/// as `losses/<name>`.
pub const EPISODE_SCALARS: [&str; 4] = [
    "episode/return",
    "episode/length",
    "episode/return_moving_mean",
    "episode/return_moving_std",
];

/// The schema version this code writes and reads.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS experiments (
    id            INTEGER PRIMARY KEY,
    agent         TEXT    NOT NULL,
    env           TEXT    NOT NULL,
    config        TEXT    NOT NULL CHECK (json_valid(config)),
    reward_window INTEGER NOT NULL CHECK (reward_window >= 1),
    name          TEXT,
    tags          TEXT    CHECK (tags IS NULL OR json_valid(tags)),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS episodes (
    id                INTEGER PRIMARY KEY,
    experiment_id     INTEGER NOT NULL REFERENCES experiments(id),
    episode_num       INTEGER NOT NULL,
    reward            REAL    NOT NULL,
    length            INTEGER NOT NULL,
    reward_moving_avg REAL    NOT NULL,
    reward_moving_std REAL    NOT NULL,
    losses            TEXT    CHECK (losses IS NULL OR json_valid(losses)),
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (experiment_id, episode_num)
);
CREATE TABLE IF NOT EXISTS videos (
    id            INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    path          TEXT    NOT NULL,
    frames        INTEGER NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('training', 'evaluation')),
    started_by    TEXT    NOT NULL CHECK (started_by IN ('episode', 'step')),
    start_id      INTEGER NOT NULL,
    episode_num   INTEGER,
    trigger       TEXT    NOT NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS videos_by_experiment ON videos (experiment_id, episode_num);
CREATE TABLE IF NOT EXISTS video_episodes (
    video_id    INTEGER NOT NULL REFERENCES videos(id),
    episode_num INTEGER NOT NULL,
    reward      REAL    NOT NULL,
    length      INTEGER NOT NULL,
    complete    INTEGER NOT NULL CHECK (complete IN (0, 1)),
    PRIMARY KEY (video_id, episode_num)
);
CREATE INDEX IF NOT EXISTS video_episodes_by_episode ON video_episodes (episode_num);
";

/// A handle on a metrics database. Clones share one connection, so a
/// clone can be moved into a recorder's `on_video` hook while the trainer
/// keeps writing episodes.
#[derive(Clone)]
pub struct MetricsStore {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
}

impl fmt::Debug for MetricsStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// One training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRow {
    /// The experiment's id.
    pub id: i64,
    /// The agent's type name.
    pub agent: String,
    /// The env id.
    pub env: String,
    /// The agent's and the trainer's settings.
    pub config: serde_json::Value,
    /// How many episodes the moving statistics of the return cover.
    pub reward_window: u64,
    /// The experiment's name, when one was given (see
    /// [`AnalyticsState`](super::AnalyticsState)).
    pub name: Option<String>,
    /// The experiment's tags.
    pub tags: Vec<String>,
    /// When the experiment started (UTC, ISO 8601).
    pub created_at: String,
}

/// One training episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRow {
    /// The experiment it belongs to.
    pub experiment_id: i64,
    /// The episode number, from 1.
    pub episode: u64,
    /// The return: the sum of the episode's rewards.
    pub reward: f64,
    /// The number of steps.
    pub length: u64,
    /// The mean return of the last `reward_window` episodes up to this one.
    pub reward_moving_avg: f64,
    /// Their sample standard deviation (0 for a single episode).
    pub reward_moving_std: f64,
    /// The agent's losses for the episode; empty when it has none.
    pub losses: Losses,
    /// When it was stored (UTC, ISO 8601).
    pub created_at: String,
}

/// Whether a video shows training or an evaluation of the trained agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoKind {
    /// A clip of training episodes.
    Training,
    /// An evaluation episode after training (the final episode video).
    Evaluation,
}

impl VideoKind {
    fn as_str(self) -> &'static str {
        match self {
            VideoKind::Training => "training",
            VideoKind::Evaluation => "evaluation",
        }
    }
}

/// How the episodes of a recorded video relate to the training episodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoLink {
    /// A clip recorded during training: the recorder's episode id `k` is
    /// training episode `episode_base + k` (`episode_base` is 1 when the
    /// recorder wraps the env before the first episode, as velora's
    /// trainer counts episodes from 1).
    Training {
        /// The training episode of the recorder's episode id 0.
        episode_base: u64,
    },
    /// An evaluation video: its episodes are evaluation episodes, linked to
    /// no training episode.
    Evaluation,
}

/// One episode shown in a video.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VideoEpisode {
    /// The training episode number (for evaluation videos, the evaluation
    /// episode's id, from 0).
    pub episode: u64,
    /// The return up to the video's last frame.
    pub reward: f64,
    /// The steps up to the video's last frame.
    pub length: u64,
    /// Whether the episode ended within the video.
    pub complete: bool,
}

/// One video file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoRow {
    /// The video's id.
    pub id: i64,
    /// The experiment it belongs to.
    pub experiment_id: i64,
    /// The file, as the recorder wrote it.
    pub path: PathBuf,
    /// The number of frames in the file.
    pub frames: u64,
    /// Training clip or evaluation video.
    pub kind: VideoKind,
    /// What started it, with the recorder's id (as in the file name).
    pub started_by: VideoStart,
    /// The training episode the video starts in (`None` for evaluation
    /// videos and for step videos that hold no episode).
    pub episode: Option<u64>,
    /// The kind of trigger that started it.
    pub trigger: String,
    /// The episodes it shows, in order.
    pub episodes: Vec<VideoEpisode>,
    /// When it was stored (UTC, ISO 8601).
    pub created_at: String,
}

impl EpisodeRow {
    /// The episode's [`EPISODE_SCALARS`], then its losses as
    /// `losses/<name>`: what the logging callbacks log at step
    /// [`episode`](Self::episode).
    pub fn scalars(&self) -> Vec<(String, f64)> {
        let values = [
            self.reward,
            self.length as f64,
            self.reward_moving_avg,
            self.reward_moving_std,
        ];
        let episode = EPISODE_SCALARS
            .iter()
            .zip(values)
            .map(|(tag, value)| (tag.to_string(), value));
        let losses = self
            .losses
            .iter()
            .map(|(name, value)| (format!("losses/{name}"), *value));
        episode.chain(losses).collect()
    }
}

impl MetricsStore {
    /// The file velora writes, and the default of the examples.
    pub const DEFAULT_PATH: &'static str = "metrics.db";

    /// Opens the database at `path`, creating the file and the tables when
    /// missing. Errors when the file is not a SQLite database, or was made
    /// by a newer gymrec.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let err = |what: &str| {
            let path = path.to_path_buf();
            let what = what.to_string();
            move |source: rusqlite::Error| Error::Metrics {
                path,
                what,
                source: Box::new(source),
            }
        };
        let conn = Connection::open(path).map_err(err("cannot open"))?;
        // WAL keeps committed transactions through a killed process without
        // an fsync per episode; `synchronous = NORMAL` is safe with WAL.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(err("cannot switch to WAL mode (is it a SQLite database?)"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err("cannot set synchronous = NORMAL"))?;
        Self::setup(conn, path.to_path_buf())
    }

    /// A database in memory, gone when the last clone is dropped (for
    /// tests and throwaway runs).
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|source| Error::Metrics {
            path: ":memory:".into(),
            what: "cannot open".into(),
            source: Box::new(source),
        })?;
        Self::setup(conn, PathBuf::from(":memory:"))
    }

    fn setup(conn: Connection, path: PathBuf) -> Result<Self> {
        let err = |what: &str| {
            let path = path.clone();
            let what = what.to_string();
            move |source: rusqlite::Error| Error::Metrics {
                path,
                what,
                source: Box::new(source),
            }
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err("cannot set a busy timeout"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err("cannot enable foreign keys"))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(err(
                "cannot read the schema version (is it a SQLite database?)",
            ))?;
        if version > SCHEMA_VERSION {
            return Err(Error::MetricsSchemaTooNew {
                path,
                version,
                supported: SCHEMA_VERSION,
            });
        }
        conn.execute_batch(&format!(
            "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        ))
        .map_err(err("cannot create the tables"))?;
        Ok(MetricsStore {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path),
        })
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock cannot leave a half
        // transaction behind (SQLite rolls it back), so the connection is
        // still good.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn err<S: Into<String>>(&self, what: S) -> impl FnOnce(rusqlite::Error) -> Error + use<S> {
        let path = self.path.to_path_buf();
        let what = what.into();
        move |source: rusqlite::Error| Error::Metrics {
            path,
            what,
            source: Box::new(source),
        }
    }

    /// Records the start of a training run of `agent` on `env` with
    /// `config` (any JSON), whose moving statistics of the return cover
    /// `reward_window` episodes; returns the experiment's id.
    pub fn start_experiment(
        &self,
        agent: &str,
        env: &str,
        config: &serde_json::Value,
        reward_window: u64,
    ) -> Result<i64> {
        if reward_window == 0 {
            return Err(Error::OutOfRange {
                setting: crate::Setting::RewardWindow,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        let conn = self.lock();
        conn.execute(
            "INSERT INTO experiments (agent, env, config, reward_window) VALUES (?1, ?2, ?3, ?4)",
            params![agent, env, config.to_string(), reward_window],
        )
        .map_err(self.err(format!("cannot record an experiment of {agent} on {env}")))?;
        Ok(conn.last_insert_rowid())
    }

    /// Sets an experiment's name and tags (from an
    /// [`AnalyticsState`](super::AnalyticsState)).
    pub fn set_experiment_name(
        &self,
        experiment_id: i64,
        name: &str,
        tags: &[String],
    ) -> Result<()> {
        let tags = serde_json::to_string(tags).map_err(|source| Error::Json {
            path: self.path.to_path_buf(),
            source: Box::new(source),
        })?;
        let changed = self
            .lock()
            .execute(
                "UPDATE experiments SET name = ?2, tags = ?3 WHERE id = ?1",
                params![experiment_id, name, tags],
            )
            .map_err(self.err(format!("cannot name experiment {experiment_id}")))?;
        if changed == 0 {
            return Err(self.no_experiment(experiment_id));
        }
        Ok(())
    }

    fn no_experiment(&self, experiment_id: i64) -> Error {
        Error::UnknownExperiment {
            path: self.path.to_path_buf(),
            experiment_id,
        }
    }

    /// Stores training episode `episode` (from 1) of an experiment, with
    /// the moving mean and sample standard deviation of the return over the
    /// experiment's window, in one transaction; returns the stored row.
    ///
    /// Errors when the experiment does not exist or the episode is already
    /// stored.
    pub fn add_episode(
        &self,
        experiment_id: i64,
        episode: u64,
        reward: f64,
        length: u64,
        losses: &Losses,
    ) -> Result<EpisodeRow> {
        if !reward.is_finite() {
            return Err(Error::NotFinite {
                what: format!("the return of episode {episode}"),
                value: reward,
            });
        }
        let losses_json = if losses.is_empty() {
            None
        } else {
            // Non-finite losses become JSON null.
            Some(serde_json::to_string(losses).map_err(|source| Error::Json {
                path: self.path.to_path_buf(),
                source: Box::new(source),
            })?)
        };
        let what = format!("cannot store episode {episode} of experiment {experiment_id}");
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(self.err(what.clone()))?;
        let window: Option<u64> = tx
            .query_row(
                "SELECT reward_window FROM experiments WHERE id = ?1",
                [experiment_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.err(what.clone()))?;
        let Some(window) = window else {
            return Err(self.no_experiment(experiment_id));
        };
        let mut returns: Vec<f64> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT reward FROM episodes WHERE experiment_id = ?1 AND episode_num < ?2 \
                     ORDER BY episode_num DESC LIMIT ?3",
                )
                .map_err(self.err(what.clone()))?;
            stmt.query_map(params![experiment_id, episode, window - 1], |row| {
                row.get(0)
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(self.err(what.clone()))?
        };
        returns.push(reward);
        let (avg, std) = mean_and_sample_std(&returns);
        tx.execute(
            "INSERT INTO episodes (experiment_id, episode_num, reward, length, \
             reward_moving_avg, reward_moving_std, losses) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                experiment_id,
                episode,
                reward,
                length,
                avg,
                std,
                losses_json
            ],
        )
        .map_err(self.err(what.clone()))?;
        let created_at: String = tx
            .query_row(
                "SELECT created_at FROM episodes WHERE id = last_insert_rowid()",
                [],
                |row| row.get(0),
            )
            .map_err(self.err(what.clone()))?;
        tx.commit().map_err(self.err(what))?;
        Ok(EpisodeRow {
            experiment_id,
            episode,
            reward,
            length,
            reward_moving_avg: avg,
            reward_moving_std: std,
            losses: losses.clone(),
            created_at,
        })
    }

    /// Stores a finished video and the episodes it shows, in one
    /// transaction; returns the video's id.
    pub fn add_video(
        &self,
        experiment_id: i64,
        video: &RecordedVideo,
        link: VideoLink,
    ) -> Result<i64> {
        let (kind, base) = match link {
            VideoLink::Training { episode_base } => (VideoKind::Training, Some(episode_base)),
            VideoLink::Evaluation => (VideoKind::Evaluation, None),
        };
        let (started_by, start_id) = match video.started_by {
            VideoStart::Episode(id) => ("episode", id),
            VideoStart::Step(id) => ("step", id),
        };
        let episode_of = |id: u64| base.map_or(id, |b| b.saturating_add(id));
        let first_episode = match (base, video.started_by) {
            (None, _) => None,
            (Some(_), VideoStart::Episode(id)) => Some(episode_of(id)),
            (Some(_), VideoStart::Step(_)) => video.episodes.first().map(|e| episode_of(e.episode)),
        };
        let what = format!(
            "cannot store video {} of experiment {experiment_id}",
            video.facts.path.display()
        );
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(self.err(what.clone()))?;
        tx.execute(
            "INSERT INTO videos (experiment_id, path, frames, kind, started_by, start_id, \
             episode_num, trigger) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                experiment_id,
                video.facts.path.to_string_lossy(),
                video.facts.frames,
                kind.as_str(),
                started_by,
                start_id,
                first_episode,
                video.trigger,
            ],
        )
        .map_err(self.err(what.clone()))?;
        let video_id = tx.last_insert_rowid();
        for e in &video.episodes {
            tx.execute(
                "INSERT INTO video_episodes (video_id, episode_num, reward, length, complete) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![video_id, episode_of(e.episode), e.ret, e.length, e.complete],
            )
            .map_err(self.err(what.clone()))?;
        }
        tx.commit().map_err(self.err(what))?;
        Ok(video_id)
    }

    /// Every experiment, oldest first.
    pub fn experiments(&self) -> Result<Vec<ExperimentRow>> {
        self.query_experiments("SELECT id, agent, env, config, reward_window, name, tags, created_at FROM experiments ORDER BY id", [])
    }

    /// One experiment.
    pub fn experiment(&self, experiment_id: i64) -> Result<ExperimentRow> {
        self.query_experiments(
            "SELECT id, agent, env, config, reward_window, name, tags, created_at FROM experiments WHERE id = ?1",
            [experiment_id],
        )?
        .pop()
        .ok_or_else(|| self.no_experiment(experiment_id))
    }

    fn query_experiments(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<ExperimentRow>> {
        let conn = self.lock();
        let what = "cannot read the experiments";
        let mut stmt = conn.prepare_cached(sql).map_err(self.err(what))?;
        let rows = stmt
            .query_map(params, |row| {
                let config: String = row.get(3)?;
                let tags: Option<String> = row.get(6)?;
                Ok(ExperimentRow {
                    id: row.get(0)?,
                    agent: row.get(1)?,
                    env: row.get(2)?,
                    config: parse_json(&config, 3)?,
                    reward_window: row.get(4)?,
                    name: row.get(5)?,
                    tags: tags
                        .map(|t| parse_json(&t, 6))
                        .transpose()?
                        .unwrap_or_default(),
                    created_at: row.get(7)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.err(what))?;
        Ok(rows)
    }

    /// The episodes of an experiment, in order.
    pub fn episodes(&self, experiment_id: i64) -> Result<Vec<EpisodeRow>> {
        self.query_episodes(
            "WHERE experiment_id = ?1 ORDER BY episode_num",
            params![experiment_id],
            experiment_id,
            format!("cannot read the episodes of experiment {experiment_id}"),
        )
    }

    /// Episode `episode` (from 1) of an experiment, as stored; `None`
    /// when it is not stored.
    pub fn episode(&self, experiment_id: i64, episode: u64) -> Result<Option<EpisodeRow>> {
        Ok(self
            .query_episodes(
                "WHERE experiment_id = ?1 AND episode_num = ?2",
                params![experiment_id, episode],
                experiment_id,
                format!("cannot read episode {episode} of experiment {experiment_id}"),
            )?
            .pop())
    }

    fn query_episodes(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
        experiment_id: i64,
        what: String,
    ) -> Result<Vec<EpisodeRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT episode_num, reward, length, reward_moving_avg, reward_moving_std, \
                 losses, created_at FROM episodes {filter}"
            ))
            .map_err(self.err(what.clone()))?;
        let rows = stmt
            .query_map(params, |row| {
                let losses: Option<String> = row.get(5)?;
                Ok(EpisodeRow {
                    experiment_id,
                    episode: row.get(0)?,
                    reward: row.get(1)?,
                    length: row.get(2)?,
                    reward_moving_avg: row.get(3)?,
                    reward_moving_std: row.get(4)?,
                    losses: losses
                        .map(|l| parse_losses(&l))
                        .transpose()?
                        .unwrap_or_default(),
                    created_at: row.get(6)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.err(what))?;
        Ok(rows)
    }

    /// The videos of an experiment, in the order they were stored.
    pub fn videos(&self, experiment_id: i64) -> Result<Vec<VideoRow>> {
        self.query_videos(
            "SELECT id, path, frames, kind, started_by, start_id, episode_num, trigger, created_at \
             FROM videos WHERE experiment_id = ?1 ORDER BY id",
            params![experiment_id],
            experiment_id,
        )
    }

    /// The training clips that show training episode `episode`.
    pub fn videos_of_episode(&self, experiment_id: i64, episode: u64) -> Result<Vec<VideoRow>> {
        self.query_videos(
            "SELECT v.id, v.path, v.frames, v.kind, v.started_by, v.start_id, v.episode_num, \
             v.trigger, v.created_at FROM videos v JOIN video_episodes e ON e.video_id = v.id \
             WHERE v.experiment_id = ?1 AND v.kind = 'training' AND e.episode_num = ?2 \
             ORDER BY v.id",
            params![experiment_id, episode],
            experiment_id,
        )
    }

    fn query_videos(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        experiment_id: i64,
    ) -> Result<Vec<VideoRow>> {
        let conn = self.lock();
        let what = format!("cannot read the videos of experiment {experiment_id}");
        let mut stmt = conn.prepare_cached(sql).map_err(self.err(what.clone()))?;
        let mut videos = stmt
            .query_map(params, |row| {
                let kind: String = row.get(3)?;
                let started_by: String = row.get(4)?;
                let start_id: u64 = row.get(5)?;
                let path: String = row.get(1)?;
                Ok(VideoRow {
                    id: row.get(0)?,
                    experiment_id,
                    path: PathBuf::from(path),
                    frames: row.get(2)?,
                    kind: if kind == "evaluation" {
                        VideoKind::Evaluation
                    } else {
                        VideoKind::Training
                    },
                    started_by: if started_by == "step" {
                        VideoStart::Step(start_id)
                    } else {
                        VideoStart::Episode(start_id)
                    },
                    episode: row.get(6)?,
                    trigger: row.get(7)?,
                    episodes: Vec::new(),
                    created_at: row.get(8)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.err(what.clone()))?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT episode_num, reward, length, complete FROM video_episodes \
                 WHERE video_id = ?1 ORDER BY episode_num",
            )
            .map_err(self.err(what.clone()))?;
        for video in &mut videos {
            video.episodes = stmt
                .query_map([video.id], |row| {
                    Ok(VideoEpisode {
                        episode: row.get(0)?,
                        reward: row.get(1)?,
                        length: row.get(2)?,
                        complete: row.get(3)?,
                    })
                })
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(self.err(what.clone()))?;
        }
        Ok(videos)
    }
}

/// A JSON column's value, or a conversion error naming the column.
fn parse_json<T: serde::de::DeserializeOwned>(text: &str, column: usize) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Losses as stored: non-finite values were written as JSON null.
fn parse_losses(text: &str) -> rusqlite::Result<Losses> {
    let raw: std::collections::BTreeMap<String, Option<f64>> = parse_json(text, 5)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

/// The mean and the sample standard deviation (0 for fewer than 2 values).
fn mean_and_sample_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_window_and_a_missing_experiment_are_typed() {
        let store = MetricsStore::in_memory().unwrap();
        let err = store
            .start_experiment("CEM", "CartPole-v1", &serde_json::json!({}), 0)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    setting: crate::Setting::RewardWindow,
                    value: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("reward_window is 0"), "{err}");
        let err = store.set_experiment_name(7, "x", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownExperiment { path, experiment_id: 7 }
                if path == Path::new(":memory:")),
            "{err:?}"
        );
        assert!(err.to_string().contains("no experiment 7"), "{err}");
    }
}
