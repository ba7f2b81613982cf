//! [`EpisodeStatistics`]: the return, length and duration of each episode.

use crate::Result;
use crate::env::{Env, EnvSpec, Info, Step};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Instant;

/// The statistics of one finished episode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpisodeStats {
    /// Which episode, counting from 0 at the first reset.
    pub episode: u64,
    /// The sum of the episode's rewards.
    #[serde(rename = "r")]
    pub ret: f64,
    /// The number of steps.
    #[serde(rename = "l")]
    pub length: u64,
    /// Wall-clock seconds from reset to the last step.
    #[serde(rename = "t")]
    pub seconds: f64,
}

/// Records each episode's return, length and wall-clock time (Gymnasium's
/// `RecordEpisodeStatistics`).
///
/// When an episode ends, the final step's info gets an `"episode"` entry
/// `{"r": return, "l": length, "t": seconds}`, as in Gymnasium, and the
/// statistics join a queue of the last `buffer_length` episodes.
///
/// ```
/// use gymrec::env::{Env, RenderMode, wrappers::{EpisodeStatistics, TimeLimit}};
/// use gymrec::env::classic::Pendulum;
///
/// # fn main() -> gymrec::Result<()> {
/// let mut env = EpisodeStatistics::new(TimeLimit::new(Pendulum::new(RenderMode::None), 5));
/// env.reset(Some(0))?;
/// let mut step = env.step([0.0])?;
/// while !step.done() {
///     step = env.step([0.0])?;
/// }
/// assert_eq!(step.info["episode"]["l"], 5);
/// assert_eq!(env.last_episode().unwrap().length, 5);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EpisodeStatistics<E> {
    inner: E,
    buffer_length: usize,
    episodes: VecDeque<EpisodeStats>,
    episodes_started: u64,
    running: Option<Running>,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    ret: f64,
    length: u64,
    start: Instant,
}

impl<E> EpisodeStatistics<E> {
    /// Wraps `env`, keeping the statistics of the last 100 episodes.
    pub fn new(env: E) -> Self {
        Self::with_buffer_length(env, 100)
    }

    /// Wraps `env`, keeping the statistics of the last `buffer_length` episodes.
    pub fn with_buffer_length(env: E, buffer_length: usize) -> Self {
        EpisodeStatistics {
            inner: env,
            buffer_length: buffer_length.max(1),
            episodes: VecDeque::with_capacity(buffer_length.clamp(1, 4096)),
            episodes_started: 0,
            running: None,
        }
    }

    /// The statistics of the most recently finished episode.
    pub fn last_episode(&self) -> Option<&EpisodeStats> {
        self.episodes.back()
    }

    /// The statistics of the last finished episodes, oldest first.
    pub fn episodes(&self) -> impl ExactSizeIterator<Item = &EpisodeStats> {
        self.episodes.iter()
    }

    /// The return and length of the episode running now, if any.
    pub fn current(&self) -> Option<(f64, u64)> {
        self.running.map(|r| (r.ret, r.length))
    }

    /// The wrapped env.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The wrapped env, mutably.
    pub fn inner_mut(&mut self) -> &mut E {
        &mut self.inner
    }

    /// Unwraps the env.
    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: Env> Env for EpisodeStatistics<E> {
    type Obs = E::Obs;
    type Action = E::Action;

    fn reset(&mut self, seed: Option<u64>) -> Result<(E::Obs, Info)> {
        let out = self.inner.reset(seed)?;
        self.episodes_started += 1;
        self.running = Some(Running {
            ret: 0.0,
            length: 0,
            start: Instant::now(),
        });
        Ok(out)
    }

    fn step(&mut self, action: E::Action) -> Result<Step<E::Obs>> {
        let mut step = self.inner.step(action)?;
        let Some(running) = self.running.as_mut() else {
            return Ok(step);
        };
        running.ret += step.reward;
        running.length += 1;
        if step.done() {
            let stats = EpisodeStats {
                episode: self.episodes_started - 1,
                ret: running.ret,
                length: running.length,
                seconds: (running.start.elapsed().as_secs_f64() * 1e6).round() / 1e6,
            };
            self.running = None;
            if self.episodes.len() == self.buffer_length {
                self.episodes.pop_front();
            }
            self.episodes.push_back(stats);
            step.info.insert(
                "episode".to_string(),
                serde_json::json!({"r": stats.ret, "l": stats.length, "t": stats.seconds}),
            );
        }
        Ok(step)
    }

    fn spec(&self) -> Option<&EnvSpec> {
        self.inner.spec()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }

    crate::env::wrappers::forward_env_rendering!(inner);
}
