//! CartPole-v1: balance a pole on a cart (Barto, Sutton & Anderson 1983),
//! with Gymnasium's dynamics and picture.

use super::canvas::Canvas;
use super::{
    ClassicRenderer, PhysicalState, Picture, frame_size, invalid_action, new_rng, render_on_canvas,
    reseed, snapshot_in_mode, validate_state,
};
use crate::env::space::SpaceRng;
use crate::env::{
    BoxSpace, Discrete, Env, EnvSpec, Frame, Info, Metadata, RenderMode, Space, Step,
};
use crate::frame::{FrameRenderer, Snapshot};
use crate::{Error, Result};
use rand::Rng;

const ID: &str = "CartPole-v1";
const GRAVITY: f64 = 9.8;
const MASS_CART: f64 = 1.0;
const MASS_POLE: f64 = 0.1;
const TOTAL_MASS: f64 = MASS_POLE + MASS_CART;
/// Half the pole's length.
const LENGTH: f64 = 0.5;
const POLE_MASS_LENGTH: f64 = MASS_POLE * LENGTH;
const FORCE_MAG: f64 = 10.0;
/// Seconds between state updates.
const TAU: f64 = 0.02;
const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
const X_THRESHOLD: f64 = 2.4;
const WIDTH: u32 = 600;
const HEIGHT: u32 = 400;

/// CartPole-v1 (Gymnasium's `CartPoleEnv`, Euler integration).
///
/// Actions: 0 pushes the cart left, 1 right. Observation: cart position and
/// velocity, pole angle and angular velocity. Reward 1 per step, including
/// the terminating one; the episode terminates when |x| > 2.4 or
/// |θ| > 12°. Reset draws every state value from U(-0.05, 0.05).
#[derive(Debug, Clone)]
pub struct CartPole {
    render_mode: RenderMode,
    state: Option<[f64; 4]>,
    steps_beyond_terminated: Option<u64>,
    rng: SpaceRng,
    action_space: Space,
    observation_space: Space,
    metadata: Metadata,
    spec: EnvSpec,
    canvas: Option<Canvas>,
}

impl CartPole {
    /// A new env rendering in `render_mode`; call `reset` before `step`.
    pub fn new(render_mode: RenderMode) -> Self {
        let high = [
            (X_THRESHOLD * 2.0) as f32,
            f32::INFINITY,
            (THETA_THRESHOLD * 2.0) as f32,
            f32::INFINITY,
        ];
        CartPole {
            render_mode,
            state: None,
            steps_beyond_terminated: None,
            rng: new_rng(),
            action_space: Discrete::new(2).into(),
            observation_space: BoxSpace::new(high.map(|h| -h).to_vec(), high.to_vec()).into(),
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(50),
            },
            spec: EnvSpec::new(ID)
                .with_max_episode_steps(Some(500))
                .with_reward_threshold(Some(475.0)),
            canvas: None,
        }
    }

    fn obs(state: [f64; 4]) -> [f32; 4] {
        state.map(|v| v as f32)
    }

    fn draw(canvas: &mut Canvas, state: [f64; 4]) {
        let scale = WIDTH as f64 / (X_THRESHOLD * 2.0);
        let pole_width = 10.0;
        let pole_len = scale * (2.0 * LENGTH);
        let (cart_width, cart_height) = (50.0, 30.0);
        let axle_offset = cart_height / 4.0;
        let cart_x = state[0] * scale + WIDTH as f64 / 2.0;
        let cart_y = 100.0;

        canvas.fill([255, 255, 255]);
        let (l, r, t, b) = (
            -cart_width / 2.0,
            cart_width / 2.0,
            cart_height / 2.0,
            -cart_height / 2.0,
        );
        let cart = [(l, b), (l, t), (r, t), (r, b)]
            .map(|(x, y)| ((x + cart_x) as f32, (y + cart_y) as f32));
        canvas.polygon(&cart, [0, 0, 0]);

        let (l, r, t, b) = (
            -pole_width / 2.0,
            pole_width / 2.0,
            pole_len - pole_width / 2.0,
            -pole_width / 2.0,
        );
        // pygame's Vector2.rotate_rad(-theta).
        let (sin, cos) = (-state[2]).sin_cos();
        let pole = [(l, b), (l, t), (r, t), (r, b)].map(|(x, y)| {
            (
                (x * cos - y * sin + cart_x) as f32,
                (x * sin + y * cos + cart_y + axle_offset) as f32,
            )
        });
        canvas.polygon(&pole, [202, 152, 101]);

        // gfxdraw circles take integer centres and radii.
        canvas.circle(
            cart_x.trunc() as f32 + 0.5,
            (cart_y + axle_offset).trunc() as f32 + 0.5,
            (pole_width / 2.0).trunc() as f32 + 0.5,
            [129, 132, 203],
        );
        canvas.hline(0, WIDTH as i32, cart_y as i32, [0, 0, 0]);
    }
}

impl Env for CartPole {
    type Obs = [f32; 4];
    type Action = i64;

    fn reset(&mut self, seed: Option<u64>) -> Result<([f32; 4], Info)> {
        reseed(&mut self.rng, seed);
        let state = [(); 4].map(|_| self.rng.random_range(-0.05..0.05));
        self.state = Some(state);
        self.steps_beyond_terminated = None;
        Ok((Self::obs(state), Info::new()))
    }

    fn step(&mut self, action: i64) -> Result<Step<[f32; 4]>> {
        if !(0..2).contains(&action) {
            return Err(invalid_action(ID, action, &self.action_space));
        }
        let [x, x_dot, theta, theta_dot] = self.state.ok_or_else(|| Error::reset_needed(ID))?;
        let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
        let (sin, cos) = theta.sin_cos();
        let temp = (force + POLE_MASS_LENGTH * theta_dot * theta_dot * sin) / TOTAL_MASS;
        let theta_acc = (GRAVITY * sin - cos * temp)
            / (LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
        let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS;
        let state = [
            x + TAU * x_dot,
            x_dot + TAU * x_acc,
            theta + TAU * theta_dot,
            theta_dot + TAU * theta_acc,
        ];
        self.state = Some(state);
        let terminated = !(-X_THRESHOLD..=X_THRESHOLD).contains(&state[0])
            || !(-THETA_THRESHOLD..=THETA_THRESHOLD).contains(&state[2]);
        let reward = if !terminated {
            1.0
        } else if let Some(beyond) = self.steps_beyond_terminated.as_mut() {
            if *beyond == 0 {
                log::warn!(
                    "{ID}: step() called after the episode terminated; call reset() \
                     once a step returns terminated = true"
                );
            }
            *beyond += 1;
            0.0
        } else {
            self.steps_beyond_terminated = Some(0);
            1.0
        };
        Ok(Step {
            obs: Self::obs(state),
            reward,
            terminated,
            truncated: false,
            info: Info::new(),
        })
    }

    fn action_space(&self) -> &Space {
        &self.action_space
    }

    fn observation_space(&self) -> &Space {
        &self.observation_space
    }

    fn render_mode(&self) -> RenderMode {
        self.render_mode
    }

    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn spec(&self) -> Option<&EnvSpec> {
        Some(&self.spec)
    }

    fn frame_size(&self) -> Option<(u32, u32)> {
        frame_size(self.render_mode, (WIDTH, HEIGHT))
    }

    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        // Before the first reset Gymnasium has no state to draw; we draw the
        // upright pole at the centre.
        let state = self.state.unwrap_or([0.0; 4]);
        render_on_canvas(
            ID,
            self.render_mode,
            &mut self.canvas,
            (WIDTH, HEIGHT),
            frame,
            |canvas| Self::draw(canvas, state),
        )
    }

    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        ClassicRenderer::<CartPolePicture>::for_mode(self.render_mode)
    }

    /// The four state values `render_into` draws.
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        snapshot_in_mode(ID, self.render_mode, snapshot, |s| {
            s.push_f64s(&self.state.unwrap_or([0.0; 4]));
        })
    }
}

/// CartPole's picture from a snapshot of its four state values.
#[derive(Debug, Clone, Copy, Default)]
struct CartPolePicture;

impl Picture for CartPolePicture {
    const ID: &'static str = ID;
    const SIZE: (u32, u32) = (WIDTH, HEIGHT);

    fn draw(&mut self, canvas: &mut Canvas, snapshot: &Snapshot) -> Result<()> {
        CartPole::draw(canvas, snapshot.reader().f64s()?);
        Ok(())
    }
}

impl PhysicalState for CartPole {
    fn state_names(&self) -> &'static [&'static str] {
        &["x", "x_dot", "theta", "theta_dot"]
    }
    fn state(&self) -> Option<Vec<f64>> {
        self.state.map(|s| s.to_vec())
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        validate_state(ID, self.state_names(), state)?;
        self.state = Some([state[0], state[1], state[2], state[3]]);
        self.steps_beyond_terminated = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn reset_is_seeded_and_in_range() {
        let mut a = CartPole::new(RenderMode::None);
        let mut b = CartPole::new(RenderMode::None);
        let (oa, _) = a.reset(Some(5)).unwrap();
        let (ob, _) = b.reset(Some(5)).unwrap();
        assert_eq!(oa, ob);
        assert!(oa.iter().all(|v| v.abs() < 0.05));
    }

    #[test]
    fn dynamics_match_gymnasium() {
        // From Gymnasium 1.4.0: state (0, 0, 0.1, 0), action 1.
        let mut env = CartPole::new(RenderMode::None);
        env.set_state(&[0.0, 0.0, 0.1, 0.0]).unwrap();
        let s = env.step(1).unwrap();
        let st = env.state().unwrap();
        assert_eq!(st[0], 0.0);
        assert!((st[1] - 0.19355619).abs() < 1e-6, "{st:?}");
        assert!((st[2] - 0.1).abs() < 1e-12);
        assert!((st[3] - (-0.2595328)).abs() < 1e-6, "{st:?}");
        assert_eq!(s.reward, 1.0);
        assert!(!s.terminated);
    }

    #[test]
    fn terminates_past_threshold_and_warns_once() {
        let mut env = CartPole::new(RenderMode::None);
        env.set_state(&[2.39, 5.0, 0.0, 0.0]).unwrap();
        let s = env.step(1).unwrap();
        assert!(s.terminated);
        assert_eq!(s.reward, 1.0);
        let s = env.step(1).unwrap();
        assert_eq!(s.reward, 0.0);
    }

    #[test]
    fn rejects_bad_actions_and_step_before_reset() {
        let mut env = CartPole::new(RenderMode::None);
        assert!(matches!(env.step(0), Err(Error::ResetNeeded { .. })));
        env.reset(Some(0)).unwrap();
        assert!(matches!(env.step(2), Err(Error::InvalidAction { .. })));
        assert!(matches!(env.step(-1), Err(Error::InvalidAction { .. })));
    }
}
