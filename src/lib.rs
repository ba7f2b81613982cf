//! # gymrec
//!
//! Record videos of reinforcement-learning environments.
//!
//! gymrec has a Gymnasium-style [`Env`](env::Env) trait, a registry that
//! makes envs by id ([`make`]), Gymnasium's classic-control envs with
//! software rendering that matches Gymnasium's pictures, and wrappers such
//! as [`TimeLimit`](env::wrappers::TimeLimit) and
//! [`EpisodeStatistics`](env::wrappers::EpisodeStatistics).
//!
//! ```
//! use gymrec::env::{RenderMode, SpaceValue, space::SpaceRng};
//! use rand::SeedableRng;
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut rng = SpaceRng::seed_from_u64(0);
//! env.reset(Some(0))?;
//! let mut steps = 0;
//! loop {
//!     let action = env.action_space().sample(&mut rng);
//!     let step = env.step(action)?;
//!     steps += 1;
//!     if step.done() {
//!         break;
//!     }
//! }
//! let frame = env.render()?.expect("rgb_array");
//! assert_eq!(frame.dimensions(), (600, 400));
//! assert!(steps <= 500);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod env;
mod error;
pub mod policy;
pub mod record;

pub use env::{Env, RenderMode, make};
pub use error::{Error, Result};
