//! Acrobot-v1: swing the tip of a two-link chain above a line (Sutton 1996),
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
use std::f64::consts::{FRAC_PI_2, PI};

const ID: &str = "Acrobot-v1";
/// Seconds integrated by one step.
const DT: f64 = 0.2;
const LINK_LENGTH_1: f64 = 1.0;
const LINK_LENGTH_2: f64 = 1.0;
const LINK_MASS_1: f64 = 1.0;
const LINK_MASS_2: f64 = 1.0;
/// Position of each link's centre of mass along it.
const LINK_COM_POS_1: f64 = 0.5;
const LINK_COM_POS_2: f64 = 0.5;
/// Moment of inertia of both links.
const LINK_MOI: f64 = 1.0;
const GRAVITY: f64 = 9.8;
const MAX_VEL_1: f64 = 4.0 * PI;
const MAX_VEL_2: f64 = 9.0 * PI;
/// The torque of actions 0, 1 and 2.
const AVAIL_TORQUE: [f64; 3] = [-1.0, 0.0, 1.0];
const SCREEN_DIM: u32 = 500;
const LINK_COLOR: [u8; 3] = [0, 204, 204];
const JOINT_COLOR: [u8; 3] = [204, 204, 0];

/// Acrobot-v1 (Gymnasium's `AcrobotEnv`: the book's dynamics, RK4
/// integration over `dt = 0.2`, no torque noise).
///
/// State: θ1 (the first link's angle from hanging straight down), θ2 (the
/// second link's angle relative to the first) and their angular velocities.
/// Actions 0, 1 and 2 apply torque -1, 0 and +1 to the joint between the
/// links. Observation: cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2. After each
/// step the angles are wrapped into [-π, π] and the velocities clipped to
/// ±4π and ±9π. The episode terminates when the free end is more than one
/// link length above the fixed joint (`-cos θ1 - cos(θ1 + θ2) > 1`); the
/// reward is -1 per step, 0 on the terminating one. Reset draws every state
/// value from U(-0.1, 0.1), rounded to `f32` as Gymnasium does.
#[derive(Debug, Clone)]
pub struct Acrobot {
    render_mode: RenderMode,
    state: Option<[f64; 4]>,
    rng: SpaceRng,
    action_space: Space,
    observation_space: Space,
    metadata: Metadata,
    spec: EnvSpec,
    canvas: Option<Canvas>,
}

impl Acrobot {
    /// A new env rendering in `render_mode`; call `reset` before `step`.
    pub fn new(render_mode: RenderMode) -> Self {
        let high = [1.0, 1.0, 1.0, 1.0, MAX_VEL_1 as f32, MAX_VEL_2 as f32];
        Acrobot {
            render_mode,
            state: None,
            rng: new_rng(),
            action_space: Discrete::new(3).into(),
            observation_space: BoxSpace::new(high.map(|h| -h).to_vec(), high.to_vec()).into(),
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(15),
            },
            spec: EnvSpec::new(ID)
                .with_max_episode_steps(Some(500))
                .with_reward_threshold(Some(-100.0)),
            canvas: None,
        }
    }

    fn obs(s: [f64; 4]) -> [f32; 6] {
        let (sin1, cos1) = s[0].sin_cos();
        let (sin2, cos2) = s[1].sin_cos();
        [cos1, sin1, cos2, sin2, s[2], s[3]].map(|v| v as f32)
    }

    /// Gymnasium's `_terminal`: the free end is above the line.
    fn terminal(s: [f64; 4]) -> bool {
        -s[0].cos() - (s[1] + s[0]).cos() > 1.0
    }

    /// Gymnasium's `_dsdt` with the book's equations: the time derivative of
    /// `(θ1, θ2, θ̇1, θ̇2, torque)`, the torque staying constant. The
    /// operations are in Gymnasium's order so results agree to the last bit
    /// wherever `sin` and `cos` do.
    fn dsdt(s: [f64; 5]) -> [f64; 5] {
        let (m1, m2) = (LINK_MASS_1, LINK_MASS_2);
        let l1 = LINK_LENGTH_1;
        let (lc1, lc2) = (LINK_COM_POS_1, LINK_COM_POS_2);
        let (i1, i2) = (LINK_MOI, LINK_MOI);
        let g = GRAVITY;
        let [theta1, theta2, dtheta1, dtheta2, a] = s;
        let d1 =
            m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * theta2.cos()) + i1 + i2;
        let d2 = m2 * (lc2 * lc2 + l1 * lc2 * theta2.cos()) + i2;
        let phi2 = m2 * lc2 * g * (theta1 + theta2 - PI / 2.0).cos();
        let phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * theta2.sin()
            - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * theta2.sin()
            + (m1 * lc1 + m2 * l1) * g * (theta1 - PI / 2.0).cos()
            + phi2;
        let ddtheta2 =
            (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * theta2.sin() - phi2)
                / (m2 * (lc2 * lc2) + i2 - (d2 * d2) / d1);
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
        [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]
    }

    /// Gymnasium's `rk4` over the times `[0, DT]`: one classic Runge-Kutta
    /// step, returning the four state values.
    fn rk4(y0: [f64; 5]) -> [f64; 4] {
        fn add(y: [f64; 5], h: f64, k: [f64; 5]) -> [f64; 5] {
            std::array::from_fn(|i| y[i] + h * k[i])
        }
        let dt = DT - 0.0;
        let dt2 = dt / 2.0;
        let k1 = Self::dsdt(y0);
        let k2 = Self::dsdt(add(y0, dt2, k1));
        let k3 = Self::dsdt(add(y0, dt2, k2));
        let k4 = Self::dsdt(add(y0, dt, k3));
        std::array::from_fn(|i| y0[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
    }

    /// pygame's `Vector2(x, y).rotate_rad(angle)`, including its exact
    /// handling of multiples of 90° (which decides how axis-aligned links
    /// are truncated to pixels).
    fn rotate(x: f64, y: f64, angle: f64) -> (f64, f64) {
        const TWO_PI: f64 = 2.0 * PI;
        const EPSILON: f64 = 1e-6;
        let mut angle = angle % TWO_PI;
        if angle < 0.0 {
            angle += TWO_PI;
        }
        if (angle + EPSILON) % FRAC_PI_2 < 2.0 * EPSILON {
            match ((angle + EPSILON) / FRAC_PI_2) as i32 {
                1 => (-y, x),
                2 => (-x, -y),
                3 => (y, -x),
                _ => (x, y),
            }
        } else {
            let (sin, cos) = angle.sin_cos();
            (cos * x - sin * y, sin * x + cos * y)
        }
    }

    fn draw(canvas: &mut Canvas, s: [f64; 4]) {
        let dim = SCREEN_DIM as f64;
        let bound = LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2;
        let scale = dim / (bound * 2.0);
        let offset = dim / 2.0;

        canvas.fill([255, 255, 255]);
        // pygame.draw.line truncates its float end points to pixels.
        let line_y = (scale + offset) as i32;
        canvas.hline(
            (-2.2 * scale + offset) as i32,
            (2.2 * scale + offset) as i32,
            line_y,
            [0, 0, 0],
        );

        // The links start at the fixed joint and at the end of link 1.
        let starts = [
            (0.0, 0.0),
            (
                LINK_LENGTH_1 * s[0].sin() * scale,
                -LINK_LENGTH_1 * s[0].cos() * scale,
            ),
        ];
        let thetas = [s[0] - PI / 2.0, s[0] + s[1] - PI / 2.0];
        let link_lengths = [LINK_LENGTH_1 * scale, LINK_LENGTH_2 * scale];
        let radius = (0.1 * scale) as i32;
        for i in 0..2 {
            let (x, y) = (starts[i].0 + offset, starts[i].1 + offset);
            let (l, r, t, b) = (0.0, link_lengths[i], 0.1 * scale, -0.1 * scale);
            // gfxdraw truncates the vertices to pixels, whose centres are at +0.5.
            let link = [(l, b), (l, t), (r, t), (r, b)].map(|(cx, cy)| {
                let (rx, ry) = Self::rotate(cx, cy, thetas[i]);
                ((rx + x).trunc() as f32 + 0.5, (ry + y).trunc() as f32 + 0.5)
            });
            canvas.polyline(&link, true, 1.0, LINK_COLOR);
            canvas.polygon(&link, LINK_COLOR);
            // gfxdraw circles take integer centres and radii.
            canvas.circle(
                x.trunc() as f32 + 0.5,
                y.trunc() as f32 + 0.5,
                radius as f32 + 0.5,
                JOINT_COLOR,
            );
        }
    }
}

/// Gymnasium's `wrap`: shifts `x` by whole periods `max - min` into
/// `[min, max]`. Gymnasium subtracts one period at a time; so do we for any
/// state a step can reach, and we jump for far-out values (which Gymnasium
/// would loop over for ages) so that a step always ends.
fn wrap(x: f64, min: f64, max: f64) -> f64 {
    let diff = max - min;
    let mut x = x;
    if !x.is_finite() {
        return x;
    }
    if x > max + 64.0 * diff || x < min - 64.0 * diff {
        x = min + (x - min).rem_euclid(diff);
    }
    while x > max {
        x -= diff;
    }
    while x < min {
        x += diff;
    }
    x
}

/// Gymnasium's `bound`: `x` clipped to `[min, max]`.
fn bound(x: f64, min: f64, max: f64) -> f64 {
    x.max(min).min(max)
}

impl Env for Acrobot {
    type Obs = [f32; 6];
    type Action = i64;

    fn reset(&mut self, seed: Option<u64>) -> Result<([f32; 6], Info)> {
        reseed(&mut self.rng, seed);
        // Gymnasium stores the drawn state as float32.
        let state = [(); 4].map(|_| self.rng.random_range(-0.1..0.1) as f32 as f64);
        self.state = Some(state);
        Ok((Self::obs(state), Info::new()))
    }

    fn step(&mut self, action: i64) -> Result<Step<[f32; 6]>> {
        let Some(torque) = usize::try_from(action)
            .ok()
            .and_then(|a| AVAIL_TORQUE.get(a))
        else {
            return Err(invalid_action(ID, action, &self.action_space));
        };
        let [theta1, theta2, dtheta1, dtheta2] =
            self.state.ok_or_else(|| Error::reset_needed(ID))?;
        let ns = Self::rk4([theta1, theta2, dtheta1, dtheta2, *torque]);
        // Only absurd velocities put in with `set_state` get here; Gymnasium
        // would loop forever in `wrap` or go on with NaN.
        if let Some((name, value)) = self
            .state_names()
            .iter()
            .zip(ns)
            .find(|(_, v)| !v.is_finite())
        {
            return Err(Error::NotFinite {
                what: format!("{ID} state {name} after step"),
                value,
            });
        }
        let state = [
            wrap(ns[0], -PI, PI),
            wrap(ns[1], -PI, PI),
            bound(ns[2], -MAX_VEL_1, MAX_VEL_1),
            bound(ns[3], -MAX_VEL_2, MAX_VEL_2),
        ];
        self.state = Some(state);
        let terminated = Self::terminal(state);
        Ok(Step {
            obs: Self::obs(state),
            reward: if terminated { 0.0 } else { -1.0 },
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
        frame_size(self.render_mode, (SCREEN_DIM, SCREEN_DIM))
    }

    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        // Before the first reset Gymnasium has no state to draw; we draw the
        // links hanging straight down.
        let state = self.state.unwrap_or([0.0; 4]);
        let size = (SCREEN_DIM, SCREEN_DIM);
        render_on_canvas(
            ID,
            self.render_mode,
            &mut self.canvas,
            size,
            frame,
            |canvas| Self::draw(canvas, state),
        )
    }

    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        ClassicRenderer::<AcrobotPicture>::for_mode(self.render_mode)
    }

    /// The four state values `render_into` draws.
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        snapshot_in_mode(ID, self.render_mode, snapshot, |s| {
            s.push_f64s(&self.state.unwrap_or([0.0; 4]));
        })
    }
}

/// Acrobot's picture from a snapshot of its four state values.
#[derive(Debug, Clone, Copy, Default)]
struct AcrobotPicture;

impl Picture for AcrobotPicture {
    const ID: &'static str = ID;
    const SIZE: (u32, u32) = (SCREEN_DIM, SCREEN_DIM);

    fn draw(&mut self, canvas: &mut Canvas, snapshot: &Snapshot) -> Result<()> {
        Acrobot::draw(canvas, snapshot.reader().f64s()?);
        Ok(())
    }
}

impl PhysicalState for Acrobot {
    fn state_names(&self) -> &'static [&'static str] {
        &["theta1", "theta2", "dtheta1", "dtheta2"]
    }
    fn state(&self) -> Option<Vec<f64>> {
        self.state.map(|s| s.to_vec())
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        validate_state(ID, self.state_names(), state)?;
        self.state = Some([state[0], state[1], state[2], state[3]]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_is_seeded_and_in_range() {
        let mut a = Acrobot::new(RenderMode::None);
        let mut b = Acrobot::new(RenderMode::None);
        let (oa, _) = a.reset(Some(5)).unwrap();
        let (ob, _) = b.reset(Some(5)).unwrap();
        assert_eq!(oa, ob);
        assert_eq!(a.state(), b.state());
        let s = a.state().unwrap();
        assert!(s.iter().all(|v| v.abs() <= f64::from(0.1_f32)), "{s:?}");
        assert!(
            s.iter().all(|&v| v == v as f32 as f64),
            "stored as f32: {s:?}"
        );
        assert!(
            a.observation_space()
                .contains(&crate::env::SpaceValue::Box(oa.to_vec()))
        );
        let (oc, _) = a.reset(Some(6)).unwrap();
        assert_ne!(oa, oc);
    }

    fn step_from(state: [f64; 4], action: i64) -> (Step<[f32; 6]>, Vec<f64>) {
        let mut env = Acrobot::new(RenderMode::None);
        env.set_state(&state).unwrap();
        let step = env.step(action).unwrap();
        (step, env.state().unwrap())
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn dynamics_match_gymnasium() {
        // From Gymnasium 1.4.0: env.unwrapped.state = state; env.step(action).
        let (s, st) = step_from([0.05, -0.03, 0.02, 0.01], 2);
        assert_close(
            &st,
            &[
                0.03396426807716706,
                0.014028356136744108,
                -0.175464650251537,
                0.4197156022652691,
            ],
        );
        assert_eq!(s.reward, -1.0);
        assert!(!s.terminated && !s.truncated);
        let want_obs = [
            0.9994232654571533,
            0.03395773842930794,
            0.9999015927314758,
            0.014027896337211132,
            -0.17546464502811432,
            0.41971561312675476,
        ];
        for (g, w) in s.obs.iter().zip(want_obs) {
            assert!((*g as f64 - w).abs() < 1e-6, "{:?}", s.obs);
        }

        let (s, st) = step_from([1.0, -0.5, 2.0, -3.0], 0);
        assert_close(
            &st,
            &[
                1.2894397753482252,
                -0.9914713039163976,
                0.8666983673209543,
                -1.8961094578076934,
            ],
        );
        assert_eq!(s.reward, -1.0);
    }

    #[test]
    fn angles_wrap_and_velocities_are_bounded() {
        // From Gymnasium 1.4.0: θ1 passes π and wraps, θ̇1 is clipped to 4π.
        let (_, st) = step_from([0.0, 0.0, 12.5, 28.2], 2);
        assert_close(
            &st,
            &[
                -2.2459740171063274,
                -2.129059936743312,
                12.566370614359172,
                27.952375002631516,
            ],
        );
        assert_eq!(st[2], MAX_VEL_1);
        // θ̇2 clipped to -9π.
        let (_, st) = step_from([0.0, 3.0, 0.0, -28.2], 0);
        assert_close(
            &st,
            &[
                0.3991628755022561,
                -3.0866597511804557,
                5.8629973486681415,
                -28.274333882308138,
            ],
        );
        assert_eq!(st[3], -MAX_VEL_2);

        assert_eq!(wrap(4.0, -PI, PI), 4.0 - 2.0 * PI);
        assert_eq!(wrap(-10.0, -PI, PI), -10.0 + 2.0 * PI + 2.0 * PI);
        assert_eq!(wrap(PI, -PI, PI), PI);
        let far = wrap(1e12, -PI, PI);
        assert!((-PI..=PI).contains(&far), "{far}");
        assert_eq!(bound(30.0, -MAX_VEL_2, MAX_VEL_2), MAX_VEL_2);
        assert_eq!(bound(-1.0, -MAX_VEL_2, MAX_VEL_2), -1.0);
    }

    #[test]
    fn terminates_above_the_line() {
        // From Gymnasium 1.4.0: the tip rises above the line, reward 0.
        let (s, st) = step_from([2.9, 0.35, 1.0, -2.0], 1);
        assert_close(
            &st,
            &[
                3.0750188668654515,
                -0.013435608612939631,
                0.7940053300155714,
                -1.7146896478051334,
            ],
        );
        assert!(s.terminated);
        assert!(!s.truncated);
        assert_eq!(s.reward, 0.0);
        assert!(!Acrobot::terminal([0.0; 4]));
        assert!(Acrobot::terminal([PI, 0.0, 0.0, 0.0]));
    }

    #[test]
    fn rejects_bad_actions_step_before_reset_and_bad_states() {
        let mut env = Acrobot::new(RenderMode::None);
        assert!(matches!(env.step(0), Err(Error::ResetNeeded { .. })));
        env.reset(Some(0)).unwrap();
        for bad in [3, -1, i64::MIN, i64::MAX] {
            assert!(matches!(env.step(bad), Err(Error::InvalidAction { .. })));
        }
        assert!(matches!(
            env.set_state(&[0.0; 3]),
            Err(Error::StateLength { .. })
        ));
        assert!(matches!(
            env.set_state(&[0.0, f64::NAN, 0.0, 0.0]),
            Err(Error::NotFinite { .. })
        ));
        // Absurd velocities overflow the dynamics: an error, not a hang.
        env.set_state(&[0.0, 0.0, 1e300, 1e300]).unwrap();
        assert!(matches!(env.step(1), Err(Error::NotFinite { .. })));
        assert_eq!(env.state(), Some(vec![0.0, 0.0, 1e300, 1e300]));
    }

    #[test]
    fn renders_500_by_500_before_and_after_reset() {
        let mut env = Acrobot::new(RenderMode::RgbArray);
        let frame = env.render().unwrap().unwrap();
        assert_eq!(frame.dimensions(), (500, 500));
        env.reset(Some(1)).unwrap();
        // A frame of another size is refused, not resized.
        let mut frame = Frame::new(1, 1);
        let err = env.render_into(&mut frame).unwrap_err();
        assert!(
            matches!(
                err,
                Error::RenderSize {
                    expected: (500, 500),
                    got: (1, 1),
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "Acrobot-v1: render_into was handed a 1x1 frame but the env renders 500x500 frames; \
             hand it a frame of the size Env::frame_size() gives"
        );
        let mut frame = Frame::new(500, 500);
        env.render_into(&mut frame).unwrap();
        assert_eq!(frame.dimensions(), (500, 500));
        // The fixed joint sits at the centre.
        assert_eq!(frame.get_pixel(250, 249).0, JOINT_COLOR);
    }
}
