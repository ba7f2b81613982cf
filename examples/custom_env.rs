//! Your own env, recorded: a point walks a 10×10 grid. `cargo run --example custom_env`
use gymrec::env::{Discrete, Env, Info, Space, Step};
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::{Error, Frame, image::Rgb};

struct GridWalk {
    xy: [u32; 2],       // the walker's cell, [x, y]
    spaces: [Space; 2], // the action and observation spaces
}

impl Env for GridWalk {
    type Obs = u32; // the walker's cell, 10 y + x (as in Gymnasium's FrozenLake)
    type Action = i64; // 0 right, 1 down, 2 left, 3 up
    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u32, Info)> {
        self.xy = [seed.unwrap_or(0) as u32 % 10, 0];
        Ok((self.xy[0], Info::new()))
    }
    fn step(&mut self, action: i64) -> gymrec::Result<Step<u32>> {
        let d = [[1, 0], [0, 1], [-1, 0], [0, -1]].get(action as usize);
        let d = d.ok_or_else(|| Error::env("GridWalk", format!("action {action} is not 0..=3")))?;
        self.xy = [0, 1].map(|i| self.xy[i].saturating_add_signed(d[i]).min(9));
        let obs = 10 * self.xy[1] + self.xy[0];
        Ok((obs, -1.0, obs == 99, false, Info::new()).into()) // Gymnasium's 5-tuple
    }
    fn action_space(&self) -> &Space {
        &self.spaces[0]
    }
    fn observation_space(&self) -> &Space {
        &self.spaces[1]
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((160, 160)) // 16 pixels a cell
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        for (x, y, pixel) in frame.enumerate_pixels_mut() {
            let grey = 230 + 20 * ((x / 16 + y / 16) % 2) as u8; // a checkerboard
            let walker = [x / 16, y / 16] == self.xy;
            *pixel = Rgb(if walker { [220, 40, 40] } else { [grey; 3] });
        }
        Ok(())
    }
}

fn main() -> gymrec::Result<()> {
    let spaces = [Discrete::new(4).into(), Discrete::new(100).into()];
    let env = GridWalk { xy: [0, 0], spaces };
    let dir = std::env::temp_dir().join("gymrec-custom-env");
    let config = RecordingConfig::new(&dir).episode_trigger(Trigger::always());
    let mut env = config.fps(8).overwrite(true).wrap(env)?;
    for seed in [0, 5] {
        let (mut obs, _) = env.reset(Some(seed))?;
        while obs != 99 {
            obs = env.step(i64::from(obs % 10 > obs / 10))?.obs; // down if right of the diagonal
        }
    }
    env.finish().into_result()?;
    println!("videos in {}", dir.display());
    Ok(())
}
