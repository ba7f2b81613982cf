//! Gymnasium's classic-control environments, with the same dynamics and
//! software rendering that matches Gymnasium's pictures.
//!
//! | id | frame | fps | actions | observation |
//! |---|---|---|---|---|
//! | `CartPole-v1` | 600×400 | 50 | `Discrete(2)` | x, x_dot, theta, theta_dot |
//! | `MountainCar-v0` | 600×400 | 30 | `Discrete(3)` | position, velocity |
//! | `Pendulum-v1` | 500×500 | 30 | `Box(-2, 2, (1,))` | cos θ, sin θ, θ̇ |
//! | `Acrobot-v1` | 500×500 | 15 | `Discrete(3)` | cos/sin of both joints, both velocities |
//!
//! Each env can be put into an explicit physical state with
//! [`PhysicalState::set_state`], in the order of Gymnasium's
//! `env.unwrapped.state`, to render a chosen picture.

mod acrobot;
pub mod canvas;
mod cartpole;
mod mountain_car;
mod pendulum;

pub use acrobot::Acrobot;
pub use cartpole::CartPole;
pub use mountain_car::MountainCar;
pub use pendulum::Pendulum;

use crate::env::space::SpaceRng;
use crate::env::{Env, Frame, RenderMode, Space};
use crate::frame::{FrameRenderer, Snapshot};
use crate::{Error, Result};
use canvas::Canvas;
use rand::SeedableRng;

/// Access to an env's physical state, the vector Gymnasium keeps in
/// `env.unwrapped.state`.
pub trait PhysicalState {
    /// The names of the state's values, in order.
    fn state_names(&self) -> &'static [&'static str];

    /// The current state, or `None` before the first reset.
    fn state(&self) -> Option<Vec<f64>>;

    /// Puts the env into `state` (an episode is then running from it).
    ///
    /// Errors with [`Error::StateLength`] on a vector of the wrong length and
    /// [`Error::NotFinite`] on NaN or infinite values; the env is unchanged then.
    fn set_state(&mut self, state: &[f64]) -> Result<()>;
}

/// Checks an explicit state vector's length and finiteness for env `id`.
pub(crate) fn validate_state(id: &str, names: &[&str], state: &[f64]) -> Result<()> {
    if state.len() != names.len() {
        return Err(Error::StateLength {
            env: id.to_string(),
            got: state.len(),
            expected: names.len(),
            names: names.join(", "),
        });
    }
    if let Some((name, value)) = names.iter().zip(state).find(|(_, v)| !v.is_finite()) {
        return Err(Error::NotFinite {
            what: format!("{id} state {name}"),
            value: *value,
        });
    }
    Ok(())
}

/// The error for an action outside the action `space` of env `id`.
pub(crate) fn invalid_action(id: &str, action: impl std::fmt::Debug, space: &Space) -> Error {
    Error::InvalidAction {
        env: id.to_string(),
        action: format!("{action:?}"),
        space: space.to_string(),
    }
}

/// The error for rendering an env whose render mode yields no frames.
pub(crate) fn no_frames(id: &str, mode: RenderMode) -> Error {
    Error::NoFrames {
        env: id.to_string(),
        mode: mode.to_string(),
    }
}

/// The frame size of a classic env drawing `size` (width, height)
/// pictures in `mode`: `size` when it renders RGB frames, else `None`.
pub(crate) fn frame_size(mode: RenderMode, size: (u32, u32)) -> Option<(u32, u32)> {
    (mode == RenderMode::RgbArray).then_some(size)
}

/// Renders a classic env's picture into `frame`: errors unless `mode`
/// renders RGB frames and `frame` is `size` (width, height), makes the
/// canvas on first use, lets `draw` paint it, and copies it into `frame`
/// upside down, as Gymnasium's pygame code flips its surface.
pub(crate) fn render_on_canvas(
    id: &str,
    mode: RenderMode,
    canvas: &mut Option<Canvas>,
    size: (u32, u32),
    frame: &mut Frame,
    draw: impl FnOnce(&mut Canvas),
) -> Result<()> {
    if mode != RenderMode::RgbArray {
        return Err(no_frames(id, mode));
    }
    if frame.dimensions() != size {
        return Err(Error::RenderSize {
            env: id.to_string(),
            expected: size,
            got: frame.dimensions(),
        });
    }
    let canvas = canvas.get_or_insert_with(|| Canvas::new(size.0, size.1));
    draw(canvas);
    canvas.write_flipped(frame);
    Ok(())
}

/// What a classic env's picture is drawn from, as its deferred renderer
/// sees it: the same drawing code `render_into` runs, fed from a snapshot.
pub(crate) trait Picture: Clone + Default + Send + 'static {
    /// The env id, for errors.
    const ID: &'static str;
    /// `(width, height)` of the picture.
    const SIZE: (u32, u32);

    /// Draws the picture `snapshot` describes (written by the env's
    /// `snapshot_into`) on `canvas`.
    fn draw(&mut self, canvas: &mut Canvas, snapshot: &Snapshot) -> Result<()>;
}

/// A classic env's [`FrameRenderer`]: a canvas of its own and the env's
/// drawing code, so its frames are byte-identical to `render_into`'s.
/// Its canvas is made at the first picture: the env's renderer, which the
/// recorder only clones, has none to copy.
#[derive(Clone, Default)]
pub(crate) struct ClassicRenderer<P: Picture> {
    picture: P,
    canvas: Option<Canvas>,
}

impl<P: Picture> ClassicRenderer<P> {
    /// The renderer of an env in `mode`: `None` unless it renders frames.
    pub(crate) fn for_mode(mode: RenderMode) -> Option<Box<dyn FrameRenderer>> {
        (mode == RenderMode::RgbArray).then(|| Box::new(Self::default()) as Box<dyn FrameRenderer>)
    }
}

impl<P: Picture> FrameRenderer for ClassicRenderer<P> {
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> Result<()> {
        if frame.dimensions() != P::SIZE {
            return Err(Error::RenderSize {
                env: P::ID.to_string(),
                expected: P::SIZE,
                got: frame.dimensions(),
            });
        }
        let canvas = self
            .canvas
            .get_or_insert_with(|| Canvas::new(P::SIZE.0, P::SIZE.1));
        self.picture.draw(canvas, snapshot)?;
        canvas.write_flipped(frame);
        Ok(())
    }
}

/// Writes a classic env's snapshot with `fill`, unless `mode` renders no
/// frames (then [`Error::NoFrames`], as `render_into`).
pub(crate) fn snapshot_in_mode(
    id: &str,
    mode: RenderMode,
    snapshot: &mut Snapshot,
    fill: impl FnOnce(&mut Snapshot),
) -> Result<()> {
    if mode != RenderMode::RgbArray {
        return Err(no_frames(id, mode));
    }
    fill(snapshot);
    Ok(())
}

/// An env's random source: seeded from the OS until `reset(Some(seed))`.
pub(crate) fn new_rng() -> SpaceRng {
    SpaceRng::from_os_rng()
}

/// Reseeds `rng` when `seed` is given, as Gymnasium's `reset(seed=...)` does.
pub(crate) fn reseed(rng: &mut SpaceRng, seed: Option<u64>) {
    if let Some(seed) = seed {
        *rng = SpaceRng::seed_from_u64(seed);
    }
}

/// Renders the frame of an explicit state of the classic env `id`.
///
/// `state` is in the order of Gymnasium's `env.unwrapped.state`; `last_u` is
/// Pendulum's last torque, drawn as its arrow (ignored by the other envs).
///
/// ```
/// # fn main() -> gymrec::Result<()> {
/// let frame = gymrec::env::classic::render_state("CartPole-v1", &[0.0, 0.0, 0.1, 0.0], None)?;
/// assert_eq!(frame.dimensions(), (600, 400));
/// assert!(gymrec::env::classic::render_state("CartPole-v1", &[0.0], None).is_err());
/// # Ok(())
/// # }
/// ```
pub fn render_state(id: &str, state: &[f64], last_u: Option<f64>) -> Result<Frame> {
    fn render<E: Env + PhysicalState>(mut env: E, state: &[f64]) -> Result<Frame> {
        env.set_state(state)?;
        let (w, h) = env.frame_size().expect("made with RgbArray");
        let mut frame = Frame::new(w, h);
        env.render_into(&mut frame)?;
        Ok(frame)
    }
    if let Some(u) = last_u.filter(|u| !u.is_finite()) {
        return Err(Error::NotFinite {
            what: format!("{id} last_u"),
            value: u,
        });
    }
    let mode = RenderMode::RgbArray;
    match id {
        "CartPole-v1" => render(CartPole::new(mode), state),
        "MountainCar-v0" => render(MountainCar::new(mode), state),
        "Pendulum-v1" => {
            let mut env = Pendulum::new(mode);
            env.set_last_u(last_u);
            render(env, state)
        }
        "Acrobot-v1" => render(Acrobot::new(mode), state),
        _ => Err(Error::UnknownEnv {
            id: id.to_string(),
            known: ["CartPole-v1", "MountainCar-v0", "Pendulum-v1", "Acrobot-v1"]
                .map(String::from)
                .to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every classic env made with `RenderMode::None` renders no frame and
    /// refuses `render_into`.
    #[test]
    fn render_mode_none_yields_no_frames() {
        fn check<E: Env>(mut env: E) {
            assert!(env.render().unwrap().is_none());
            let mut frame = Frame::new(1, 1);
            assert!(matches!(
                env.render_into(&mut frame),
                Err(Error::NoFrames { .. })
            ));
        }
        check(Acrobot::new(RenderMode::None));
        check(CartPole::new(RenderMode::None));
        check(MountainCar::new(RenderMode::None));
        check(Pendulum::new(RenderMode::None));
    }
}
