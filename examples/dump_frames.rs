//! Writes the raw RGB24 frames that `gymrec record --trigger all` would
//! capture (each reset frame and one per step) to standard output, so that
//! other encoders (the `ffmpeg` command-line tool) can be given exactly the
//! same frames. Used by `benches/record_vs_ffmpeg.sh`.
//!
//! `cargo run --release --example dump_frames -- CartPole-v1 10 [max_steps] > frames.rgb`

use gymrec::env::{Env, Frame, Registry, RenderMode};
use gymrec::policy::PolicyKind;
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let id = args.first().map_or("CartPole-v1", String::as_str);
    let episodes: u64 = args.get(1).map_or(Ok(10), |s| s.parse())?;
    let max_steps: Option<u64> = args.get(2).map(|s| s.parse()).transpose()?;
    let mut env = Registry::classic().make_with_limit(id, RenderMode::RgbArray, max_steps)?;
    let mut policy = PolicyKind::Heuristic.build(id, env.action_space(), 0)?;
    let (w, h) = env.frame_size().ok_or("env renders no frames")?;
    let mut frame = Frame::new(w, h);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut frames = 0u64;
    for episode in 0..episodes {
        let (mut obs, _) = env.reset((episode == 0).then_some(0))?;
        env.render_into(&mut frame)?;
        out.write_all(&frame)?;
        frames += 1;
        loop {
            let step = env.step(policy.act(&obs))?;
            env.render_into(&mut frame)?;
            out.write_all(&frame)?;
            frames += 1;
            let done = step.done();
            obs = step.obs;
            if done {
                break;
            }
        }
    }
    out.flush()?;
    eprintln!("{frames} frames of {w}x{h}");
    Ok(())
}
