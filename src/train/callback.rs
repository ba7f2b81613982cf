//! [`TrainCallback`]: code the trainer calls with the [`TrainState`] at each
//! [`Status`], and [`EarlyStopping`].
//!
//! ```
//! use gymrec::train::{EarlyStopping, Status, TrainCallback, TrainState};
//!
//! /// Counts the steps of each episode (a callback of one's own).
//! #[derive(Default)]
//! struct CountSteps {
//!     steps: u64,
//!     lengths: Vec<u64>,
//! }
//!
//! impl TrainCallback for CountSteps {
//!     fn call(&mut self, state: &mut TrainState<'_>) -> gymrec::Result<()> {
//!         match state.status {
//!             Status::Step => self.steps += 1,
//!             Status::Episode => self.lengths.push(std::mem::take(&mut self.steps)),
//!             _ => {}
//!         }
//!         Ok(())
//!     }
//!     fn config(&self) -> (String, serde_json::Value) {
//!         ("CountSteps".into(), serde_json::json!({}))
//!     }
//!     fn info(&self) -> String {
//!         "'CountSteps' enabled.".into()
//!     }
//! }
//!
//! let stopping = EarlyStopping::new(475.0, 3);
//! assert_eq!(stopping.config().1, serde_json::json!({"target": 475.0, "patience": 3}));
//! assert_eq!(stopping.info(), "'EarlyStopping' enabled with 'target=475' and 'patience=3'.");
//! ```

use super::state::{Status, TrainState};
use crate::Result;

/// Code called during training with the [`TrainState`] (velora's
/// `TrainCallback`).
///
/// The [`Trainer`](super::Trainer) calls every callback, in the order they
/// were added, at [`Status::Start`], after each step ([`Status::Step`]), at
/// each [`Status::Logging`] point, at the end of each episode
/// ([`Status::Episode`]) and once training is over ([`Status::Complete`]).
pub trait TrainCallback {
    /// Called at each stage of training; may change the state. An error
    /// stops training and is returned by the trainer.
    fn call(&mut self, state: &mut TrainState<'_>) -> Result<()>;

    /// The callback's name and settings, stored with the experiment.
    fn config(&self) -> (String, serde_json::Value);

    /// One line for the console saying what the callback does.
    fn info(&self) -> String;
}

/// Stops training once the episode return reaches `target` in `patience`
/// consecutive episodes (velora's `EarlyStopping`).
///
/// At each [`Status::Episode`], a return of at least `target` counts one,
/// anything less starts the count again; when the count reaches `patience`,
/// [`TrainState::stop_training`] is set and training ends after that
/// episode. Other statuses, and calls once training is stopping, change
/// nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStopping {
    /// The episode return to reach.
    pub target: f64,
    /// How many consecutive episodes must reach it.
    pub patience: u64,
    count: u64,
}

impl EarlyStopping {
    /// Stops when `patience` consecutive episodes return at least `target`
    /// (velora's default patience is 3).
    pub fn new(target: f64, patience: u64) -> Self {
        EarlyStopping {
            target,
            patience,
            count: 0,
        }
    }

    /// Consecutive episodes that have reached the target so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}

impl TrainCallback for EarlyStopping {
    fn call(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        if state.stop_training || state.status != Status::Episode {
            return Ok(());
        }
        if state.ep_reward >= self.target {
            self.count += 1;
            if self.count >= self.patience {
                log::info!(
                    "early stopping target reached in {} episodes: {} consecutive returns >= {}",
                    state.current_ep,
                    self.count,
                    self.target
                );
                state.stop_training = true;
            }
        } else {
            self.count = 0;
        }
        Ok(())
    }

    fn config(&self) -> (String, serde_json::Value) {
        (
            "EarlyStopping".into(),
            serde_json::json!({"target": self.target, "patience": self.patience}),
        )
    }

    fn info(&self) -> String {
        format!(
            "'EarlyStopping' enabled with 'target={}' and 'patience={}'.",
            self.target, self.patience
        )
    }
}
