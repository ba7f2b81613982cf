//! Type erasure: any env whose observations are real vectors and whose
//! actions come from a [`Space`] becomes a [`DynEnv`], the one type the
//! registry and the CLI drive.

use super::{Env, EnvSpec, Frame, Info, Metadata, RenderMode, Space, SpaceValue, Step};
use crate::{Error, Result};

/// A boxed env of any type, with `Vec<f32>` observations and [`SpaceValue`]
/// actions: what [`crate::make`] returns.
pub type DynEnv = Box<dyn Env<Obs = Vec<f32>, Action = SpaceValue> + Send>;

/// Conversion from a [`SpaceValue`] into an env's own action type.
pub trait FromSpaceValue: Sized {
    /// The action, or `None` when the value is of the wrong kind or shape.
    fn from_space_value(value: &SpaceValue) -> Option<Self>;
}

impl FromSpaceValue for i64 {
    fn from_space_value(value: &SpaceValue) -> Option<Self> {
        match value {
            SpaceValue::Discrete(v) => Some(*v),
            SpaceValue::Box(_) => None,
        }
    }
}

impl<const N: usize> FromSpaceValue for [f32; N] {
    fn from_space_value(value: &SpaceValue) -> Option<Self> {
        match value {
            SpaceValue::Box(v) => v.as_slice().try_into().ok(),
            SpaceValue::Discrete(_) => None,
        }
    }
}

impl FromSpaceValue for Vec<f32> {
    fn from_space_value(value: &SpaceValue) -> Option<Self> {
        match value {
            SpaceValue::Box(v) => Some(v.clone()),
            SpaceValue::Discrete(_) => None,
        }
    }
}

impl FromSpaceValue for SpaceValue {
    fn from_space_value(value: &SpaceValue) -> Option<Self> {
        Some(value.clone())
    }
}

/// Adapts an env with typed observations and actions into one with
/// `Vec<f32>` observations and [`SpaceValue`] actions.
///
/// ```
/// use gymrec::env::{Env, Erased, RenderMode, SpaceValue};
/// use gymrec::env::classic::CartPole;
///
/// # fn main() -> gymrec::Result<()> {
/// let mut env = Erased::new(CartPole::new(RenderMode::None));
/// env.reset(Some(0))?;
/// let step = env.step(SpaceValue::Discrete(0))?;
/// assert_eq!(step.obs.len(), 4);
/// assert!(env.step(SpaceValue::Box(vec![0.5])).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Erased<E>(E);

impl<E> Erased<E> {
    /// Wraps `env`.
    pub fn new(env: E) -> Self {
        Erased(env)
    }

    /// The wrapped env.
    pub fn inner(&self) -> &E {
        &self.0
    }

    /// The wrapped env, mutably.
    pub fn inner_mut(&mut self) -> &mut E {
        &mut self.0
    }

    /// Unwraps the env.
    pub fn into_inner(self) -> E {
        self.0
    }
}

impl<E> Env for Erased<E>
where
    E: Env,
    E::Obs: Into<Vec<f32>>,
    E::Action: FromSpaceValue,
{
    type Obs = Vec<f32>;
    type Action = SpaceValue;

    fn reset(&mut self, seed: Option<u64>) -> Result<(Vec<f32>, Info)> {
        let (obs, info) = self.0.reset(seed)?;
        Ok((obs.into(), info))
    }

    fn step(&mut self, action: SpaceValue) -> Result<Step<Vec<f32>>> {
        let Some(typed) = E::Action::from_space_value(&action) else {
            return Err(Error::InvalidAction {
                env: self
                    .0
                    .spec()
                    .map_or_else(|| "env".to_string(), |s| s.id.clone()),
                action: action.to_string(),
                space: self.0.action_space().to_string(),
            });
        };
        Ok(self.0.step(typed)?.map_obs(Into::into))
    }

    fn action_space(&self) -> &Space {
        self.0.action_space()
    }
    fn observation_space(&self) -> &Space {
        self.0.observation_space()
    }
    fn render_mode(&self) -> RenderMode {
        self.0.render_mode()
    }
    fn metadata(&self) -> &Metadata {
        self.0.metadata()
    }
    fn spec(&self) -> Option<&EnvSpec> {
        self.0.spec()
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        self.0.frame_size()
    }
    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        self.0.render_into(frame)
    }
    fn frame_renderer(&self) -> Option<Box<dyn crate::frame::FrameRenderer>> {
        self.0.frame_renderer()
    }
    fn snapshot_into(&self, snapshot: &mut crate::frame::Snapshot) -> Result<()> {
        self.0.snapshot_into(snapshot)
    }
    fn render(&mut self) -> Result<Option<Frame>> {
        self.0.render()
    }
    fn close(&mut self) -> Result<()> {
        self.0.close()
    }
}
