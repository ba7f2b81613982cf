//! Your own env, recorded: a point walks a 10×10 grid. `cargo run --example custom_env`
use gymrec::env::{Discrete, Env, Info, Space, Step};
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::{Error, Frame, image::Rgb};

/// The walker's cell `[x, y]`, and the action and observation spaces.
struct GridWalk([u32; 2], [Space; 2]);

impl Env for GridWalk {
    type Obs = u32; // the walker's cell, 10 y + x (as in Gymnasium's FrozenLake)
    type Action = i64; // 0 right, 1 down, 2 left, 3 up
    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u32, Info)> {
        self.0 = [seed.unwrap_or(0) as u32 % 10, 0];
        Ok((self.0[0], Info::new()))
    }
    fn step(&mut self, action: i64) -> gymrec::Result<Step<u32>> {
        let Some(d) = [[1, 0], [0, 1], [-1, 0], [0, -1]].get(action as usize) else {
            return Err(Error::env(
                "GridWalk",
                format!("no action {action}; use 0 to 3"),
            ));
        };
        self.0 = [0, 1].map(|i| self.0[i].saturating_add_signed(d[i]).min(9));
        let obs = 10 * self.0[1] + self.0[0];
        Ok((obs, -1.0, obs == 99, false, Info::new()).into()) // Gymnasium's 5-tuple
    }
    fn action_space(&self) -> &Space {
        &self.1[0]
    }
    fn observation_space(&self) -> &Space {
        &self.1[1]
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((160, 160)) // 16 pixels a cell
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        for (x, y, pixel) in frame.enumerate_pixels_mut() {
            let grey = 230 + 20 * ((x / 16 + y / 16) % 2) as u8; // a checkerboard
            let walker = [x / 16, y / 16] == self.0;
            *pixel = Rgb(if walker { [220, 40, 40] } else { [grey; 3] });
        }
        Ok(())
    }
}

fn main() -> gymrec::Result<()> {
    let env = GridWalk([0, 0], [Discrete::new(4).into(), Discrete::new(100).into()]);
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
