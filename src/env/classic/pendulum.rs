//! Pendulum-v1: swing a pendulum up and keep it upright with a limited
//! torque, with Gymnasium's dynamics and picture.

use super::canvas::{Canvas, Rgb};
use super::{
    ClassicRenderer, PhysicalState, Picture, frame_size, invalid_action, new_rng, render_on_canvas,
    reseed, snapshot_in_mode, validate_state,
};
use crate::env::space::SpaceRng;
use crate::env::{BoxSpace, Env, EnvSpec, Frame, Info, Metadata, RenderMode, Space, Step};
use crate::frame::{FrameRenderer, Snapshot};
use crate::{Error, Result};
use rand::Rng;
use std::f64::consts::{FRAC_PI_2, PI, TAU};
use tiny_skia::{FillRule, Paint, Path, Shader, Transform};

const ID: &str = "Pendulum-v1";
const GRAVITY: f64 = 10.0;
const MASS: f64 = 1.0;
const LENGTH: f64 = 1.0;
const MAX_SPEED: f64 = 8.0;
const MAX_TORQUE: f64 = 2.0;
/// Seconds between state updates.
const DT: f64 = 0.05;
/// Reset draws θ from U(-DEFAULT_X, DEFAULT_X)...
const DEFAULT_X: f64 = PI;
/// ...and θ̇ from U(-DEFAULT_Y, DEFAULT_Y).
const DEFAULT_Y: f64 = 1.0;
/// The frame is `SCREEN_DIM` × `SCREEN_DIM`.
const SCREEN_DIM: u32 = 500;
const ROD_COLOR: Rgb = [204, 77, 77];

/// Pendulum-v1 (Gymnasium's `PendulumEnv`).
///
/// θ = 0 is upright and positive torque turns counter-clockwise. The action
/// is the torque, clipped to [-2, 2] as Gymnasium clips it (NaN or infinite
/// torques are rejected). Observation: cos θ, sin θ and θ̇, with θ̇ clipped
/// to [-8, 8]. The reward is -(θ² + 0.1 θ̇² + 0.001 u²) with θ normalised
/// to [-π, π), so it lies in [-16.27, 0]. The env never terminates; the
/// registry's time limit truncates episodes after 200 steps. Reset draws θ
/// from U(-π, π) and θ̇ from U(-1, 1).
///
/// The picture shows the rod, the axle and, once a torque has been applied,
/// an arrow whose size is proportional to it, turning the way it pushes.
#[derive(Debug, Clone)]
pub struct Pendulum {
    render_mode: RenderMode,
    /// θ and θ̇.
    state: Option<[f64; 2]>,
    last_u: Option<f64>,
    rng: SpaceRng,
    action_space: Space,
    observation_space: Space,
    metadata: Metadata,
    spec: EnvSpec,
    /// Made on the first render and kept between frames.
    canvas: Option<Canvas>,
    /// The arrow's outline, made on the first render with a torque.
    arrow: Option<Path>,
}

impl Pendulum {
    /// A new env rendering in `render_mode`; call `reset` before `step`.
    pub fn new(render_mode: RenderMode) -> Self {
        let high = [1.0, 1.0, MAX_SPEED as f32];
        Pendulum {
            render_mode,
            state: None,
            last_u: None,
            rng: new_rng(),
            action_space: BoxSpace::uniform(1, -MAX_TORQUE as f32, MAX_TORQUE as f32).into(),
            observation_space: BoxSpace::new(high.map(|h| -h).to_vec(), high.to_vec()).into(),
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(30),
            },
            spec: EnvSpec::new(ID).with_max_episode_steps(Some(200)),
            canvas: None,
            arrow: None,
        }
    }

    /// The torque the rendered arrow shows (Gymnasium's `last_u`): the
    /// clipped torque of the last step, `None` after a reset.
    pub fn last_u(&self) -> Option<f64> {
        self.last_u
    }

    /// Sets the torque the rendered arrow shows, as assigning Gymnasium's
    /// `env.unwrapped.last_u` does; use it with [`PhysicalState::set_state`]
    /// to render a chosen picture.
    ///
    /// The arrow's size is proportional to |u| and it turns counter-clockwise
    /// for u > 0, clockwise for u < 0; `None` draws no arrow. [`Env::step`]
    /// sets it to the clipped torque and [`Env::reset`] to `None`. Values
    /// outside the action range are clipped to [-2, 2] as `step` clips
    /// torques, and NaN or infinite values draw no arrow.
    pub fn set_last_u(&mut self, u: Option<f64>) {
        self.last_u = u
            .filter(|u| u.is_finite())
            .map(|u| u.clamp(-MAX_TORQUE, MAX_TORQUE));
    }

    fn obs([theta, theta_dot]: [f64; 2]) -> [f32; 3] {
        [theta.cos() as f32, theta.sin() as f32, theta_dot as f32]
    }

    /// Draws the state the way Gymnasium's `render` does, in pygame's
    /// coordinates before its final vertical flip.
    fn draw(canvas: &mut Canvas, arrow: &Path, theta: f64, last_u: Option<f64>) {
        let bound = 2.2;
        let scale = SCREEN_DIM as f64 / (bound * 2.0);
        let offset = (SCREEN_DIM / 2) as f64;
        let rod_length = LENGTH * scale;
        let rod_width = 0.2 * scale;

        canvas.fill([255, 255, 255]);
        let (l, r, t, b) = (0.0, rod_length, rod_width / 2.0, -rod_width / 2.0);
        let angle = theta + PI / 2.0;
        let place = |p| {
            let (x, y) = rotate_rad(p, angle);
            (x + offset, y + offset)
        };
        let rod = [(l, b), (l, t), (r, t), (r, b)].map(place);
        canvas.polygon(&gfx_polygon(rod), ROD_COLOR);

        // gfxdraw circles take integer centres and radii.
        let radius = (rod_width / 2.0).trunc() as f32 + 0.5;
        canvas.circle(offset as f32 + 0.5, offset as f32 + 0.5, radius, ROD_COLOR);
        let (end_x, end_y) = place((rod_length, 0.0));
        canvas.circle(
            end_x.trunc() as f32 + 0.5,
            end_y.trunc() as f32 + 0.5,
            radius,
            ROD_COLOR,
        );

        if let Some(u) = last_u {
            Self::draw_arrow(canvas, arrow, scale, offset, u);
        }

        let axle = (0.05 * scale).trunc() as f32 + 0.5;
        canvas.circle(offset as f32 + 0.5, offset as f32 + 0.5, axle, [0, 0, 0]);
    }

    /// Draws the torque arrow where Gymnasium blits its sprite: scaled to a
    /// square of `trunc(scale * |u| / 2)` pixels, flipped vertically and, for
    /// u > 0, horizontally, centred on the axle.
    fn draw_arrow(canvas: &mut Canvas, arrow: &Path, scale: f64, offset: f64, u: f64) {
        // The clamp only guards the cast: set_last_u keeps |u| <= 2.
        let size = (scale * u.abs() / 2.0)
            .clamp(0.0, SCREEN_DIM as f64)
            .trunc();
        if size < 1.0 {
            return;
        }
        // pygame's Rect.centerx is left + width // 2.
        let left = offset - (size / 2.0).trunc();
        let (sx, sy) = (size / arrow::WIDTH, size / arrow::HEIGHT);
        let (sx, tx) = if u > 0.0 {
            (-sx, left + size)
        } else {
            (sx, left)
        };
        let transform = Transform::from_row(
            sx as f32,
            0.0,
            0.0,
            -sy as f32,
            tx as f32,
            (left + size) as f32,
        );
        let paint = Paint {
            shader: Shader::SolidColor(tiny_skia::Color::BLACK),
            anti_alias: true,
            ..Paint::default()
        };
        canvas
            .pixmap_mut()
            .fill_path(arrow, &paint, FillRule::Winding, transform, None);
    }
}

/// The torque arrow: our own outline of the shape of Gymnasium's
/// `assets/clockwise.png` sprite, in that sprite's pixel coordinates (y
/// down): a clockwise arc of about 275° from the top round to the left,
/// ending in an arrowhead that points up.
mod arrow {
    use std::f64::consts::PI;
    use tiny_skia::{Path, PathBuilder};

    /// The sprite's size: the arrow is scaled from it to a square.
    pub const WIDTH: f64 = 329.0;
    pub const HEIGHT: f64 = 312.0;
    const CENTRE: (f64, f64) = (173.05, 156.0);
    const INNER: f64 = 146.25;
    const OUTER: f64 = 156.15;
    /// The arc starts just left of the top...
    const START: f64 = -PI / 2.0 - 0.017;
    /// ...and ends under the arrowhead.
    const END: f64 = PI + 5.0 * PI / 180.0;
    /// Tip, right barb, notch, and the left barb as the sprite's left edge
    /// cuts it off.
    const HEAD: [(f64, f64); 5] = [
        (21.37, 110.54),
        (45.19, 170.18),
        (22.10, 153.31),
        (0.0, 170.18),
        (0.0, 169.45),
    ];

    /// Appends a circular arc from angle `from` to `to` (radians, y down),
    /// as cubic Béziers of at most 90° each, continuing the current contour.
    fn arc(pb: &mut PathBuilder, radius: f64, from: f64, to: f64) {
        let (cx, cy) = CENTRE;
        let point = |a: f64| (cx + radius * a.cos(), cy + radius * a.sin());
        let (x0, y0) = point(from);
        pb.line_to(x0 as f32, y0 as f32);
        let segments = ((to - from).abs() / (PI / 2.0)).ceil().max(1.0);
        let step = (to - from) / segments;
        // Control points lie along the tangents, k × radius from the ends.
        let k = 4.0 / 3.0 * (step / 4.0).tan() * radius;
        for i in 0..segments as usize {
            let a0 = from + step * i as f64;
            let a1 = a0 + step;
            let (p0, p1) = (point(a0), point(a1));
            let c0 = (p0.0 - k * a0.sin(), p0.1 + k * a0.cos());
            let c1 = (p1.0 + k * a1.sin(), p1.1 - k * a1.cos());
            pb.cubic_to(
                c0.0 as f32,
                c0.1 as f32,
                c1.0 as f32,
                c1.1 as f32,
                p1.0 as f32,
                p1.1 as f32,
            );
        }
    }

    /// The arrow's outline: the stroked arc and the arrowhead as two
    /// contours of the same orientation, to fill with the non-zero rule so
    /// that they merge where they overlap.
    pub fn path() -> Path {
        let mut pb = PathBuilder::new();
        let (cx, cy) = CENTRE;
        pb.move_to(
            (cx + OUTER * START.cos()) as f32,
            (cy + OUTER * START.sin()) as f32,
        );
        arc(&mut pb, OUTER, START, END);
        arc(&mut pb, INNER, END, START);
        pb.close();
        let (x, y) = HEAD[0];
        pb.move_to(x as f32, y as f32);
        for (x, y) in &HEAD[1..] {
            pb.line_to(*x as f32, *y as f32);
        }
        pb.close();
        pb.finish().expect("the arrow outline is a valid path")
    }
}

/// pygame's `Vector2.rotate_rad`: `p` turned by `angle`, exactly when the
/// angle is within pygame's epsilon of a quarter turn (so an upright or
/// level rod lands on whole pixels as in Gymnasium's pictures).
fn rotate_rad((x, y): (f64, f64), angle: f64) -> (f64, f64) {
    const EPSILON: f64 = 1e-6;
    let mut angle = angle % TAU;
    if angle < 0.0 {
        angle += TAU;
    }
    if (angle + EPSILON) % FRAC_PI_2 < 2.0 * EPSILON {
        return match ((angle + EPSILON) / FRAC_PI_2) as u32 {
            1 => (-y, x),
            2 => (-x, -y),
            3 => (y, -x),
            _ => (x, y),
        };
    }
    let (sin, cos) = angle.sin_cos();
    (x * cos - y * sin, x * sin + y * cos)
}

/// The shape gfxdraw's `filled_polygon` and `aapolygon` paint for the
/// convex polygon `points`, as a polygon for tiny-skia to fill: gfxdraw
/// truncates the vertices to whole pixels and paints every pixel whose centre
/// lies on or inside the outline, which is the polygon through those pixel
/// centres grown by half a pixel on every side.
fn gfx_polygon<const N: usize>(points: [(f64, f64); N]) -> [(f32, f32); N] {
    let centres = points.map(|(x, y)| (x.trunc() + 0.5, y.trunc() + 0.5));
    let twice_area: f64 = (0..N)
        .map(|i| {
            let (a, b) = (centres[i], centres[(i + 1) % N]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    let outward = twice_area.signum();
    // The outward unit normal of the edge from a to b (zero if they coincide).
    let normal = |a: (f64, f64), b: (f64, f64)| {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = dx.hypot(dy);
        if len > 0.0 {
            (outward * dy / len, -outward * dx / len)
        } else {
            (0.0, 0.0)
        }
    };
    let mut grown = [(0.0f32, 0.0f32); N];
    for i in 0..N {
        let (prev, cur, next) = (centres[(i + N - 1) % N], centres[i], centres[(i + 1) % N]);
        let (n1, n2) = (normal(prev, cur), normal(cur, next));
        // Moving the vertex by k (n1 + n2) moves both edges out by half a pixel.
        let k = 0.5 / (1.0 + n1.0 * n2.0 + n1.1 * n2.1).max(0.1);
        grown[i] = (
            (cur.0 + k * (n1.0 + n2.0)) as f32,
            (cur.1 + k * (n1.1 + n2.1)) as f32,
        );
    }
    grown
}

/// Gymnasium's `angle_normalize`: `x` wrapped into [-π, π).
fn angle_normalize(x: f64) -> f64 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}

impl Env for Pendulum {
    type Obs = [f32; 3];
    type Action = [f32; 1];

    fn reset(&mut self, seed: Option<u64>) -> Result<([f32; 3], Info)> {
        reseed(&mut self.rng, seed);
        let theta = self.rng.random_range(-DEFAULT_X..DEFAULT_X);
        let theta_dot = self.rng.random_range(-DEFAULT_Y..DEFAULT_Y);
        let state = [theta, theta_dot];
        self.state = Some(state);
        self.last_u = None;
        Ok((Self::obs(state), Info::new()))
    }

    fn step(&mut self, action: [f32; 1]) -> Result<Step<[f32; 3]>> {
        if !action[0].is_finite() {
            return Err(invalid_action(ID, action, &self.action_space));
        }
        let [theta, theta_dot] = self.state.ok_or_else(|| Error::reset_needed(ID))?;
        // Gymnasium's torque is a float32 and NumPy keeps the terms it
        // enters in float32; so do we, to follow its trajectories closely.
        let u = action[0].clamp(-MAX_TORQUE as f32, MAX_TORQUE as f32);
        self.last_u = Some(f64::from(u));
        let torque_cost = f64::from(0.001 * (u * u));
        let torque_acc = f64::from(3.0 / (MASS * LENGTH * LENGTH) as f32 * u);
        let cost = angle_normalize(theta).powi(2) + 0.1 * theta_dot.powi(2) + torque_cost;
        let theta_dot =
            theta_dot + (3.0 * GRAVITY / (2.0 * LENGTH) * theta.sin() + torque_acc) * DT;
        let theta_dot = theta_dot.clamp(-MAX_SPEED, MAX_SPEED);
        let state = [theta + theta_dot * DT, theta_dot];
        self.state = Some(state);
        Ok(Step {
            obs: Self::obs(state),
            reward: -cost,
            terminated: false,
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
        // upright pendulum.
        let [theta, _] = self.state.unwrap_or([0.0; 2]);
        let (arrow, last_u) = (&mut self.arrow, self.last_u);
        let size = (SCREEN_DIM, SCREEN_DIM);
        render_on_canvas(
            ID,
            self.render_mode,
            &mut self.canvas,
            size,
            frame,
            |canvas| Self::draw(canvas, arrow.get_or_insert_with(arrow::path), theta, last_u),
        )
    }

    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        ClassicRenderer::<PendulumPicture>::for_mode(self.render_mode)
    }

    /// The angle and the last torque `render_into` draws: θ, then 1 and
    /// the torque, or 0 and 0 when there is none (no arrow).
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        snapshot_in_mode(ID, self.render_mode, snapshot, |s| {
            let [theta, _] = self.state.unwrap_or([0.0; 2]);
            s.push_f64(theta);
            match self.last_u {
                Some(u) => s.push_f64s(&[1.0, u]),
                None => s.push_f64s(&[0.0, 0.0]),
            }
        })
    }
}

/// Pendulum's picture from a snapshot of its angle and last torque; keeps
/// the arrow's path, made on first use.
#[derive(Debug, Clone, Default)]
struct PendulumPicture {
    arrow: Option<Path>,
}

impl Picture for PendulumPicture {
    const ID: &'static str = ID;
    const SIZE: (u32, u32) = (SCREEN_DIM, SCREEN_DIM);

    fn draw(&mut self, canvas: &mut Canvas, snapshot: &Snapshot) -> Result<()> {
        let [theta, has_u, u] = snapshot.reader().f64s()?;
        let last_u = (has_u != 0.0).then_some(u);
        let arrow = self.arrow.get_or_insert_with(arrow::path);
        Pendulum::draw(canvas, arrow, theta, last_u);
        Ok(())
    }
}

impl PhysicalState for Pendulum {
    fn state_names(&self) -> &'static [&'static str] {
        &["theta", "theta_dot"]
    }
    fn state(&self) -> Option<Vec<f64>> {
        self.state.map(|s| s.to_vec())
    }
    /// Sets θ and θ̇; the arrow's torque ([`Pendulum::set_last_u`]) is kept.
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        validate_state(ID, self.state_names(), state)?;
        self.state = Some([state[0], state[1]]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn reset_is_seeded_and_in_range() {
        let mut a = Pendulum::new(RenderMode::None);
        let mut b = Pendulum::new(RenderMode::None);
        let (oa, _) = a.reset(Some(5)).unwrap();
        let (ob, _) = b.reset(Some(5)).unwrap();
        assert_eq!(oa, ob);
        assert_eq!(a.state(), b.state());
        for seed in 0..50 {
            let (obs, _) = a.reset(Some(seed)).unwrap();
            let st = a.state().unwrap();
            assert!((-PI..PI).contains(&st[0]), "{st:?}");
            assert!((-1.0..1.0).contains(&st[1]), "{st:?}");
            assert_eq!(obs, [st[0].cos() as f32, st[0].sin() as f32, st[1] as f32]);
            let Space::Box(space) = a.observation_space() else {
                panic!("box observations")
            };
            assert!(space.contains(&obs));
        }
        // Without a seed the random source continues.
        let (o1, _) = a.reset(Some(7)).unwrap();
        let (o2, _) = a.reset(None).unwrap();
        assert_ne!(o1, o2);
    }

    /// Steps from `state` with torque `u` and checks the new state and the
    /// reward against Gymnasium's.
    fn check_step(state: [f64; 2], u: f32, want_state: [f64; 2], want_reward: f64) {
        let mut env = Pendulum::new(RenderMode::None);
        env.set_state(&state).unwrap();
        let s = env.step([u]).unwrap();
        let st = env.state().unwrap();
        for (got, want) in st.iter().zip(want_state) {
            assert!(
                (got - want).abs() < 1e-9,
                "{state:?} {u}: {st:?} != {want_state:?}"
            );
        }
        assert!(
            (s.reward - want_reward).abs() < 1e-12,
            "{state:?} {u}: reward {} != {want_reward}",
            s.reward
        );
        assert_eq!(s.obs, Pendulum::obs([st[0], st[1]]));
        assert!(!s.terminated && !s.truncated);
    }

    #[test]
    fn dynamics_match_gymnasium() {
        // From Gymnasium 1.4.0 (gym.make("Pendulum-v1").unwrapped): set
        // env.state = np.array(state), call env.step(np.array([u], np.float32)).
        check_step(
            [1.0, 0.5],
            1.5,
            [1.0678051619302962, 1.3561032386059226],
            -1.027250000135973,
        );
        check_step(
            [3.0, 7.5],
            -0.7,
            [3.3750420005406636, 7.500840010813272],
            -14.625490000005811,
        );
        // θ beyond ±π is normalised in the cost but not in the state.
        check_step(
            [7.5, 0.0],
            0.0,
            [7.535174999129053, 0.7034999825810542],
            -1.4806379966636378,
        );
        check_step(
            [-4.0, 2.0],
            -1.0,
            [-3.8791199064259527, 2.4176018714809464],
            -5.613935146968239,
        );
    }

    #[test]
    fn torque_and_speed_are_clipped() {
        // From Gymnasium 1.4.0, as above: u = 5 acts as 2 and θ̇ stops at -8;
        // u = -3 acts as -2.
        check_step([-2.5, -7.9], 5.0, [-2.9, -8.0], -12.49500000018999);
        check_step(
            [0.2, -1.0],
            -3.0,
            [0.1424500999048148, -1.150998001903704],
            -0.14400000018998987,
        );
        let mut env = Pendulum::new(RenderMode::None);
        env.set_state(&[0.0, 0.0]).unwrap();
        env.step([100.0]).unwrap();
        assert_eq!(env.last_u(), Some(2.0));
        env.step([-1e30]).unwrap();
        assert_eq!(env.last_u(), Some(-2.0));
    }

    #[test]
    fn non_finite_torque_is_rejected_and_changes_nothing() {
        let mut env = Pendulum::new(RenderMode::None);
        env.reset(Some(3)).unwrap();
        env.step([0.5]).unwrap();
        let before = env.state();
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let err = env.step([bad]).unwrap_err();
            assert!(matches!(err, Error::InvalidAction { .. }), "{err}");
            assert_eq!(env.state(), before);
            assert_eq!(env.last_u(), Some(0.5));
        }
        assert!(env.step([0.0]).is_ok());
    }

    #[test]
    fn last_u_is_set_by_step_and_cleared_by_reset() {
        let mut env = Pendulum::new(RenderMode::None);
        assert_eq!(env.last_u(), None);
        env.reset(Some(0)).unwrap();
        assert_eq!(env.last_u(), None);
        env.step([-0.25]).unwrap();
        assert_eq!(env.last_u(), Some(-0.25));
        env.reset(None).unwrap();
        assert_eq!(env.last_u(), None);
        // set_state keeps it, set_last_u clips it and drops non-finite values.
        env.set_last_u(Some(1.0));
        env.set_state(&[0.3, 0.0]).unwrap();
        assert_eq!(env.last_u(), Some(1.0));
        env.set_last_u(Some(-9.0));
        assert_eq!(env.last_u(), Some(-2.0));
        env.set_last_u(Some(f64::NAN));
        assert_eq!(env.last_u(), None);
    }

    #[test]
    fn step_before_reset_and_bad_states_are_errors() {
        let mut env = Pendulum::new(RenderMode::None);
        assert!(matches!(env.step([0.0]), Err(Error::ResetNeeded { .. })));
        assert!(matches!(
            env.set_state(&[0.0]),
            Err(Error::StateLength { .. })
        ));
        assert!(matches!(
            env.set_state(&[f64::NAN, 0.0]),
            Err(Error::NotFinite { .. })
        ));
        assert_eq!(env.state(), None);
    }

    #[test]
    fn renders_the_arrow_only_with_a_torque() {
        let mut env = Pendulum::new(RenderMode::RgbArray);
        // Before any reset the upright pendulum is drawn.
        let upright = env.render().unwrap().unwrap();
        assert_eq!(upright.dimensions(), (SCREEN_DIM, SCREEN_DIM));
        env.reset(Some(1)).unwrap();
        env.set_state(&[0.0, 0.0]).unwrap();
        assert_eq!(env.render().unwrap().unwrap(), upright);
        let changed =
            |a: &Frame, b: &Frame| a.pixels().zip(b.pixels()).filter(|(p, q)| p != q).count();
        let mut frame = Frame::new(SCREEN_DIM, SCREEN_DIM);
        for u in [-2.0, -0.5, 0.5, 2.0] {
            env.step([u]).unwrap();
            env.set_state(&[0.0, 0.0]).unwrap();
            env.render_into(&mut frame).unwrap();
            assert!(changed(&frame, &upright) > 50, "u = {u}");
        }
        // A torque too small for a one-pixel sprite draws nothing, as in Gymnasium.
        env.set_last_u(Some(0.01));
        assert_eq!(env.render().unwrap().unwrap(), upright);
        // The arrow turns the other way for the opposite torque.
        env.set_last_u(Some(-2.0));
        let cw = env.render().unwrap().unwrap();
        env.set_last_u(Some(2.0));
        let ccw = env.render().unwrap().unwrap();
        assert!(changed(&cw, &ccw) > 100);
    }

    #[test]
    fn rotation_is_exact_at_quarter_turns_like_pygame() {
        assert_eq!(rotate_rad((3.0, 1.0), 3.0 * PI / 2.0), (1.0, -3.0));
        assert_eq!(rotate_rad((3.0, 1.0), -PI / 2.0 + 1e-7), (1.0, -3.0));
        assert_eq!(rotate_rad((3.0, 1.0), PI), (-3.0, -1.0));
        assert_eq!(rotate_rad((3.0, 1.0), TAU), (3.0, 1.0));
        let (x, y) = rotate_rad((1.0, 0.0), 0.5);
        assert!((x - 0.5f64.cos()).abs() < 1e-15 && (y - 0.5f64.sin()).abs() < 1e-15);
    }

    #[test]
    fn gfx_polygon_covers_whole_pixels_of_an_axis_aligned_rod() {
        // gfxdraw paints columns 238..=261 for a rod from x = 238.6 to 261.4.
        let p = gfx_polygon([(238.6, 10.2), (238.6, 30.9), (261.4, 30.9), (261.4, 10.2)]);
        assert_eq!(
            p,
            [(238.0, 10.0), (238.0, 31.0), (262.0, 31.0), (262.0, 10.0)]
        );
    }

    #[test]
    fn angle_normalize_matches_python_modulo() {
        assert_eq!(angle_normalize(0.0), 0.0);
        assert!((angle_normalize(3.0 * PI / 2.0) - (-PI / 2.0)).abs() < 1e-12);
        assert!((angle_normalize(-3.0 * PI / 2.0) - PI / 2.0).abs() < 1e-12);
        assert_eq!(angle_normalize(PI), -PI);
    }
}
