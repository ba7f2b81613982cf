//! A shaded, many-coloured clip: three shaded balls moving over a fixed
//! two-way gradient, tens of thousands of colours a frame, and
//! [`write_gif`]. Used by the GIF tests (tests/it/formats.rs) and the GIF
//! benchmark (benches/formats.rs, which includes this file by path).

use gymrec::Frame;
use gymrec::video::{VideoFacts, VideoSpec, VideoWriter};
use std::path::Path;

/// Writes `frames` at `fps` to `path` (a `.gif`) through a `VideoWriter`.
pub fn write_gif(path: &Path, frames: &[Frame], fps: u32) -> VideoFacts {
    let (width, height) = frames[0].dimensions();
    let mut writer = VideoWriter::create(path, VideoSpec::new(width, height, fps)).unwrap();
    for frame in frames {
        let mut buffer = writer.recycled_buffer();
        buffer.copy_from_slice(frame);
        writer.submit(buffer).unwrap();
    }
    writer.finish().unwrap()
}

/// The balls: radius, colour, and the speeds and phases of their paths.
const BALLS: [(f32, [f32; 3], [f32; 4]); 3] = [
    (48.0, [230.0, 70.0, 50.0], [0.071, 0.053, 0.0, 1.1]),
    (36.0, [60.0, 200.0, 90.0], [0.047, 0.083, 2.0, 0.3]),
    (56.0, [70.0, 90.0, 240.0], [0.061, 0.037, 4.1, 2.5]),
];

/// Frame `i` of the clip at `width` × `height`: a gradient (red across,
/// green down, blue along the diagonal) and the balls, each lit from the
/// top left (diffuse shading and a highlight), on Lissajous paths that
/// cross most of the frame.
pub fn shaded_frame(width: u32, height: u32, i: u32) -> Frame {
    let (w, h) = (width as f32, height as f32);
    let t = i as f32;
    let balls: Vec<(f32, f32, f32, [f32; 3])> = BALLS
        .iter()
        .map(|&(r, colour, [fx, fy, px, py])| {
            let cx = w / 2.0 + (w / 2.0 - r) * (fx * t + px).sin();
            let cy = h / 2.0 + (h / 2.0 - r) * (fy * t + py).sin();
            (cx, cy, r, colour)
        })
        .collect();
    Frame::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        for &(cx, cy, r, colour) in &balls {
            let (dx, dy) = ((fx - cx) / r, (fy - cy) / r);
            let d2 = dx * dx + dy * dy;
            if d2 < 1.0 {
                let nz = (1.0 - d2).sqrt();
                // Light from (-0.5, -0.5, 0.7), normalised.
                let diffuse = ((-0.5 * dx - 0.5 * dy + 0.7 * nz) / 0.995).max(0.0);
                let highlight = diffuse.powi(24) * 200.0;
                return image::Rgb(
                    colour
                        .map(|c| (c * (0.25 + 0.75 * diffuse) + highlight).clamp(0.0, 255.0) as u8),
                );
            }
        }
        image::Rgb([
            (255.0 * fx / w) as u8,
            (255.0 * fy / h) as u8,
            (64.0 + 128.0 * (fx + fy) / (w + h)) as u8,
        ])
    })
}
