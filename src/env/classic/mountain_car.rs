//! MountainCar-v0: drive an underpowered car up a hill (Moore 1990), with
//! Gymnasium's dynamics and picture.

use super::canvas::{Canvas, Rgb};
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

const ID: &str = "MountainCar-v0";
const MIN_POSITION: f64 = -1.2;
const MAX_POSITION: f64 = 0.6;
const MAX_SPEED: f64 = 0.07;
const GOAL_POSITION: f64 = 0.5;
/// Gymnasium's default `goal_velocity`.
const GOAL_VELOCITY: f64 = 0.0;
const FORCE: f64 = 0.001;
const GRAVITY: f64 = 0.0025;
const WIDTH: u32 = 600;
const HEIGHT: u32 = 400;
/// Points on the drawn hill curve, as in Gymnasium's `np.linspace(..., 100)`.
const HILL_POINTS: usize = 100;

/// The hill's height at `x` (Gymnasium's `_height`).
fn height(x: f64) -> f64 {
    (3.0 * x).sin() * 0.45 + 0.55
}

/// MountainCar-v0 (Gymnasium's `MountainCarEnv`).
///
/// Actions: 0 accelerates left, 1 does nothing, 2 accelerates right.
/// Observation: the car's position in [-1.2, 0.6] and velocity in
/// [-0.07, 0.07]. Reward -1 per step; the episode terminates once the car
/// reaches the flag (position ≥ 0.5 with velocity ≥ 0). Hitting the left wall
/// stops the car. Reset draws the position from U(-0.6, -0.4) with velocity 0.
#[derive(Debug, Clone)]
pub struct MountainCar {
    render_mode: RenderMode,
    state: Option<[f64; 2]>,
    rng: SpaceRng,
    action_space: Space,
    observation_space: Space,
    metadata: Metadata,
    spec: EnvSpec,
    canvas: Option<Canvas>,
}

impl MountainCar {
    /// A new env rendering in `render_mode`; call `reset` before `step`.
    pub fn new(render_mode: RenderMode) -> Self {
        let low = [MIN_POSITION as f32, -MAX_SPEED as f32];
        let high = [MAX_POSITION as f32, MAX_SPEED as f32];
        MountainCar {
            render_mode,
            state: None,
            rng: new_rng(),
            action_space: Discrete::new(3).into(),
            observation_space: BoxSpace::new(low.to_vec(), high.to_vec()).into(),
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(30),
            },
            spec: EnvSpec::new(ID)
                .with_max_episode_steps(Some(200))
                .with_reward_threshold(Some(-110.0)),
            canvas: None,
        }
    }

    fn obs(state: [f64; 2]) -> [f32; 2] {
        state.map(|v| v as f32)
    }

    fn draw(canvas: &mut Canvas, pos: f64) {
        let scale = WIDTH as f64 / (MAX_POSITION - MIN_POSITION);
        let (car_width, car_height) = (40.0, 20.0);
        let clearance = 10.0;

        canvas.fill([255, 255, 255]);

        // np.linspace(min_position, max_position, 100), drawn with aalines.
        let step = (MAX_POSITION - MIN_POSITION) / (HILL_POINTS - 1) as f64;
        let mut hill = [(0.0f32, 0.0f32); HILL_POINTS];
        for (i, p) in hill.iter_mut().enumerate() {
            let x = if i == HILL_POINTS - 1 {
                MAX_POSITION
            } else {
                i as f64 * step + MIN_POSITION
            };
            *p = (
                ((x - MIN_POSITION) * scale) as f32,
                (height(x) * scale) as f32,
            );
        }
        // pygame puts pixel centres at integer coordinates, tiny-skia at
        // half-integers.
        for p in hill.iter_mut() {
            *p = (p.0 + 0.5, p.1 + 0.5);
        }
        canvas.polyline(&hill, false, 1.0, [0, 0, 0]);

        // pygame's Vector2.rotate_rad(cos(3 * pos)).
        let (sin, cos) = (3.0 * pos).cos().sin_cos();
        let rotate = |(x, y): (f64, f64)| {
            (
                x * cos - y * sin + (pos - MIN_POSITION) * scale,
                x * sin + y * cos + clearance + height(pos) * scale,
            )
        };
        let (l, r, t, b) = (-car_width / 2.0, car_width / 2.0, car_height, 0.0);
        let car = [(l, b), (l, t), (r, t), (r, b)].map(|c| {
            let (x, y) = rotate(c);
            (x.trunc() as f32 + 0.5, y.trunc() as f32 + 0.5)
        });
        gfx_polygon(canvas, &car, [0, 0, 0]);

        // gfxdraw circles take integer centres and radii.
        let radius = (car_height / 2.5f64).trunc() as f32 + 0.5;
        for c in [(car_width / 4.0, 0.0), (-car_width / 4.0, 0.0)] {
            let (x, y) = rotate(c);
            canvas.circle(
                x.trunc() as f32 + 0.5,
                y.trunc() as f32 + 0.5,
                radius,
                [128, 128, 128],
            );
        }

        let flag_x = ((GOAL_POSITION - MIN_POSITION) * scale).trunc() as f32;
        let flag_y1 = (height(GOAL_POSITION) * scale).trunc() as f32;
        let flag_y2 = flag_y1 + 50.0;
        // gfxdraw's vline covers rows flag_y1..=flag_y2.
        canvas.rect(flag_x, flag_y1, flag_x + 1.0, flag_y2 + 1.0, [0, 0, 0]);
        let flag = [
            (flag_x, flag_y2),
            (flag_x, flag_y2 - 10.0),
            (flag_x + 25.0, flag_y2 - 5.0),
        ]
        .map(|(x, y)| (x + 0.5, y + 0.5));
        gfx_polygon(canvas, &flag, [204, 204, 0]);
    }
}

impl Env for MountainCar {
    type Obs = [f32; 2];
    type Action = i64;

    fn reset(&mut self, seed: Option<u64>) -> Result<([f32; 2], Info)> {
        reseed(&mut self.rng, seed);
        let state = [self.rng.random_range(-0.6..-0.4), 0.0];
        self.state = Some(state);
        Ok((Self::obs(state), Info::new()))
    }

    fn step(&mut self, action: i64) -> Result<Step<[f32; 2]>> {
        if !(0..3).contains(&action) {
            return Err(invalid_action(ID, action, &self.action_space));
        }
        let [position, velocity] = self.state.ok_or_else(|| Error::reset_needed(ID))?;
        let velocity =
            (velocity + (action - 1) as f64 * FORCE + (3.0 * position).cos() * (-GRAVITY))
                .clamp(-MAX_SPEED, MAX_SPEED);
        let position = (position + velocity).clamp(MIN_POSITION, MAX_POSITION);
        // The left wall is inelastic: the car stops against it.
        let velocity = if position == MIN_POSITION && velocity < 0.0 {
            0.0
        } else {
            velocity
        };
        let terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
        let state = [position, velocity];
        self.state = Some(state);
        Ok(Step {
            obs: Self::obs(state),
            reward: -1.0,
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
        let pos = self.position_drawn();
        render_on_canvas(
            ID,
            self.render_mode,
            &mut self.canvas,
            (WIDTH, HEIGHT),
            frame,
            |canvas| Self::draw(canvas, pos),
        )
    }

    fn frame_renderer(&self) -> Option<Box<dyn FrameRenderer>> {
        ClassicRenderer::<MountainCarPicture>::for_mode(self.render_mode)
    }

    /// The position `render_into` draws.
    fn snapshot_into(&self, snapshot: &mut Snapshot) -> Result<()> {
        snapshot_in_mode(ID, self.render_mode, snapshot, |s| {
            s.push_f64(self.position_drawn());
        })
    }
}

impl MountainCar {
    /// The car's position as drawn: before the first reset Gymnasium has no
    /// state to draw; we draw the car at the bottom of the valley.
    fn position_drawn(&self) -> f64 {
        self.state.map_or(-std::f64::consts::FRAC_PI_6, |s| s[0])
    }
}

/// MountainCar's picture from a snapshot of the car's position.
#[derive(Debug, Clone, Copy, Default)]
struct MountainCarPicture;

impl Picture for MountainCarPicture {
    const ID: &'static str = ID;
    const SIZE: (u32, u32) = (WIDTH, HEIGHT);

    fn draw(&mut self, canvas: &mut Canvas, snapshot: &Snapshot) -> Result<()> {
        MountainCar::draw(canvas, snapshot.reader().f64()?);
        Ok(())
    }
}

impl PhysicalState for MountainCar {
    fn state_names(&self) -> &'static [&'static str] {
        &["position", "velocity"]
    }
    fn state(&self) -> Option<Vec<f64>> {
        self.state.map(|s| s.to_vec())
    }
    fn set_state(&mut self, state: &[f64]) -> Result<()> {
        validate_state(ID, self.state_names(), state)?;
        self.state = Some([state[0], state[1]]);
        Ok(())
    }
}

/// gfxdraw's `aapolygon` + `filled_polygon` for `points` already truncated
/// to pixel indices and moved to pixel centres: the fill covers the pixels
/// whose centres are inside, the anti-aliased outline half a pixel more.
fn gfx_polygon(canvas: &mut Canvas, points: &[(f32, f32)], color: Rgb) {
    canvas.polygon(points, color);
    canvas.polyline(points, true, 1.0, color);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn step_from(state: [f64; 2], action: i64) -> (Vec<f64>, Step<[f32; 2]>) {
        let mut env = MountainCar::new(RenderMode::None);
        env.set_state(&state).unwrap();
        let s = env.step(action).unwrap();
        (env.state().unwrap(), s)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn reset_is_seeded_and_in_range() {
        let mut a = MountainCar::new(RenderMode::None);
        let mut b = MountainCar::new(RenderMode::None);
        let (oa, _) = a.reset(Some(5)).unwrap();
        let (ob, _) = b.reset(Some(5)).unwrap();
        assert_eq!(oa, ob);
        assert!((-0.6..=-0.4).contains(&oa[0]), "{oa:?}");
        assert_eq!(oa[1], 0.0);
        assert_eq!(a.state().unwrap()[1], 0.0);
        let (oc, _) = a.reset(Some(6)).unwrap();
        assert_ne!(oa, oc);
    }

    #[test]
    fn dynamics_match_gymnasium() {
        // From Gymnasium 1.4.0: env.unwrapped.state = (p, v); env.step(a).
        let (st, s) = step_from([-0.5, 0.0], 2);
        assert!(close(st[0], -0.49917684300416926), "{st:?}");
        assert!(close(st[1], 0.0008231569958307428), "{st:?}");
        assert_eq!(
            s.obs,
            [
                -0.49917684300416926f64 as f32,
                0.0008231569958307428f64 as f32
            ]
        );
        assert_eq!(s.reward, -1.0);
        assert!(!s.terminated && !s.truncated);

        let (st, _) = step_from([-0.3, 0.02], 0);
        assert!(close(st[0], -0.28255402492067666), "{st:?}");
        assert!(close(st[1], 0.01744597507932334), "{st:?}");

        let (st, _) = step_from([0.1, -0.01], 1);
        assert!(close(st[0], 0.08761165877718599), "{st:?}");
        assert!(close(st[1], -0.012388341222814014), "{st:?}");

        // Velocity clipped to max_speed: Gymnasium gives (-0.73, 0.07).
        let (st, _) = step_from([-0.8, 0.069], 2);
        assert!(close(st[0], -0.73), "{st:?}");
        assert_eq!(st[1], MAX_SPEED);
    }

    #[test]
    fn left_wall_stops_the_car() {
        // Gymnasium 1.4.0: (-1.19, -0.02) with action 0 gives (-1.2, 0).
        let (st, s) = step_from([-1.19, -0.02], 0);
        assert_eq!(st, vec![MIN_POSITION, 0.0]);
        assert_eq!(s.obs, [-1.2, 0.0]);
        assert!(!s.terminated);
        // Moving right off the wall keeps its velocity.
        let (st, _) = step_from([-1.2, 0.0], 2);
        assert!(st[1] > 0.0 && st[0] > MIN_POSITION, "{st:?}");
    }

    #[test]
    fn terminates_at_the_goal_moving_right() {
        // Gymnasium 1.4.0: (0.49, 0.02) with action 2 gives
        // (0.5107484356665326, 0.020748435666532672), terminated.
        let (st, s) = step_from([0.49, 0.02], 2);
        assert!(close(st[0], 0.5107484356665326), "{st:?}");
        assert!(close(st[1], 0.020748435666532672), "{st:?}");
        assert!(s.terminated);
        assert_eq!(s.reward, -1.0);
        // Past the goal but rolling back: not terminated (Gymnasium agrees).
        let (st, s) = step_from([0.55, -0.0005], 0);
        assert!(close(st[0], 0.5486978022220169), "{st:?}");
        assert!(!s.terminated);
        // Position is clipped at the right edge.
        let (st, s) = step_from([0.6, 0.07], 2);
        assert_eq!(st, vec![MAX_POSITION, MAX_SPEED]);
        assert!(s.terminated);
    }

    #[test]
    fn rejects_bad_actions_and_step_before_reset() {
        let mut env = MountainCar::new(RenderMode::None);
        assert!(matches!(env.step(1), Err(Error::ResetNeeded { .. })));
        env.reset(Some(0)).unwrap();
        assert!(matches!(env.step(3), Err(Error::InvalidAction { .. })));
        assert!(matches!(env.step(-1), Err(Error::InvalidAction { .. })));
        assert!(env.step(2).is_ok());
    }

    #[test]
    fn rejects_bad_states() {
        let mut env = MountainCar::new(RenderMode::None);
        assert!(matches!(
            env.set_state(&[0.0]),
            Err(Error::StateLength { .. })
        ));
        assert!(matches!(
            env.set_state(&[f64::NAN, 0.0]),
            Err(Error::NotFinite { .. })
        ));
        assert!(env.state().is_none());
    }

    #[test]
    fn renders_any_finite_state() {
        let mut env = MountainCar::new(RenderMode::RgbArray);
        let frame = env.render().unwrap().unwrap();
        assert_eq!(frame.dimensions(), (WIDTH, HEIGHT));
        for state in [[-1.2, 0.0], [0.6, 0.07], [-1e6, 0.0], [1e300, -1e300]] {
            env.set_state(&state).unwrap();
            let frame = env.render().unwrap().unwrap();
            assert_eq!(frame.dimensions(), (WIDTH, HEIGHT));
        }
    }

    #[test]
    fn spaces_and_spec_match_gymnasium() {
        let env = MountainCar::new(RenderMode::RgbArray);
        assert_eq!(env.action_space().to_string(), "Discrete(3)");
        assert_eq!(
            env.observation_space(),
            &Space::from(BoxSpace::new(vec![-1.2, -0.07], vec![0.6, 0.07]))
        );
        let spec = env.spec().unwrap();
        assert_eq!(spec.max_episode_steps, Some(200));
        assert_eq!(spec.reward_threshold, Some(-110.0));
        assert_eq!(env.metadata().render_fps, Some(30));
        assert_eq!(env.frame_size(), Some((600, 400)));
    }
}
