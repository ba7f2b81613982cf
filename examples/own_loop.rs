//! Frames from a loop that is not an `Env` (a simulation, a game), written to
//! MP4 and GIF: the format comes from the file name.
use gymrec::image::Rgb;
use gymrec::video::{VideoSpec, VideoWriter};

fn main() -> gymrec::Result<()> {
    for path in ["ball.mp4", "ball.gif"] {
        let mut video = VideoWriter::create(path, VideoSpec::new(160, 120, 30))?;
        for i in 0..90 {
            let x = (80.0 + 70.0 * (i as f32 / 9.0).sin()) as u32; // a swinging ball
            let mut frame = video.buffer(); // black, 160 x 120
            for (px, py) in (x - 5..x + 5).flat_map(|px| (55..65).map(move |py| (px, py))) {
                frame.put_pixel(px, py, Rgb([255, 200, 0]));
            }
            video.submit(frame)?;
        }
        let facts = video.finish()?;
        println!(
            "{path}: {} frames, {:.1} s",
            facts.frames, facts.duration_secs
        );
    }
    Ok(())
}
