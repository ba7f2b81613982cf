//! Overlays, through the public API: a recording with an overlay is decoded
//! and compared with the same recording without one. Pixels differ where
//! the text is (the painter's box, with exactly the glyphs' pixels white)
//! and only there; the text function sees each frame's episode, step,
//! return, reward and info.

use gymrec::env::{BoxSpace, Discrete, Env, Frame, Info, Metadata, RenderMode, Space, Step};
use gymrec::record::overlay::Overlay;
use gymrec::record::{RecordedVideo, RecordingConfig, Trigger};
use gymrec::video::VideoFormat;
use gymrec::video::overlay::{OverlayPainter, OverlayStyle};
use gymrec::video::probe::decode_rgb;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A 600×400 env (Gymnasium's classic-control size) whose frames show a
/// diagonal gradient of greys that moves with the step, so that darkening
/// and text are visible anywhere. Reward 0.5 a step; `info["t"]` is the
/// step within the episode.
#[derive(Debug)]
struct Scene {
    width: u32,
    height: u32,
    episode_len: u64,
    t: u64,
    metadata: Metadata,
    actions: Space,
    observations: Space,
}

impl Scene {
    fn new(episode_len: u64, width: u32, height: u32) -> Self {
        Scene {
            width,
            height,
            episode_len,
            t: 0,
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(50),
            },
            actions: Discrete::new(1).into(),
            observations: BoxSpace::uniform(1, 0.0, 1e9).into(),
        }
    }
}

fn scene_frame(width: u32, height: u32, t: u64) -> Frame {
    Frame::from_fn(width, height, |x, y| {
        // Few distinct greys (GIF stays exact), changing with t.
        let band = ((x + y) / 40 + t as u32) % 5;
        image::Rgb([60 + 40 * band as u8; 3])
    })
}

impl Env for Scene {
    type Obs = u64;
    type Action = i64;

    fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.t = 0;
        let mut info = Info::new();
        info.insert("t".into(), 0.into());
        Ok((0, info))
    }

    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u64>> {
        self.t += 1;
        let mut info = Info::new();
        info.insert("t".into(), self.t.into());
        Ok(Step {
            obs: self.t,
            reward: 0.5,
            terminated: self.t >= self.episode_len,
            truncated: false,
            info,
        })
    }

    fn action_space(&self) -> &Space {
        &self.actions
    }

    fn observation_space(&self) -> &Space {
        &self.observations
    }

    fn render_mode(&self) -> RenderMode {
        RenderMode::RgbArray
    }

    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((self.width, self.height))
    }

    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        *frame = scene_frame(self.width, self.height, self.t);
        Ok(())
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-overlay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The user text the tests burn in: the step from `info`.
fn user_text(info_t: u64) -> String {
    format!("info t={info_t}")
}

fn overlay() -> Overlay {
    Overlay::new().text(|frame, out| {
        let t = frame.info.get("t").and_then(|v| v.as_u64()).unwrap_or(999);
        let _ = write!(out, "info t={t}");
    })
}

/// Records one episode of `steps` steps in `format`, with or without the
/// test overlay.
fn record(
    dir: &Path,
    format: VideoFormat,
    steps: u64,
    size: (u32, u32),
    with_overlay: bool,
) -> RecordedVideo {
    let mut config = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .format(format);
    if with_overlay {
        config = config.overlay(overlay());
    }
    let mut env = config.wrap(Scene::new(steps, size.0, size.1)).unwrap();
    env.reset(None).unwrap();
    while !env.step(0).unwrap().done() {}
    let mut videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), 1);
    videos.remove(0)
}

fn frames_of(path: &Path) -> Vec<Frame> {
    let mut frames = Vec::new();
    decode_rgb(path, |_, f| {
        frames.push(f.clone());
        true
    })
    .unwrap();
    frames
}

/// The text the recorder sends with frame `step` of episode 0.
fn label(step: u64) -> String {
    format!(
        "episode 0  step {step}  return {:.2}\n{}",
        0.5 * step as f64,
        user_text(step)
    )
}

fn inside((x0, y0, w, h): (u32, u32, u32, u32), x: u32, y: u32) -> bool {
    x >= x0 && x < x0 + w && y >= y0 && y < y0 + h
}

/// Compares frames recorded with and without the overlay, pixel by pixel:
/// every difference lies in the painter's box; in the box the background
/// is darkened and the white pixels are exactly the glyphs'. (The lossless
/// formats only: a build with FFmpeg alone has none.)
#[cfg(any(feature = "png", feature = "gif"))]
fn check_exact(plain: &[Frame], with: &[Frame], size: (u32, u32)) {
    assert_eq!(plain.len(), with.len());
    let painter = OverlayPainter::new(&OverlayStyle::default(), size.0, size.1);
    for (step, (a, b)) in plain.iter().zip(with).enumerate() {
        let label = label(step as u64);
        let area = painter.area(&label).expect("something to draw");
        // The glyphs alone: drawn on black, the text is what is white.
        let mut glyphs = Frame::new(size.0, size.1);
        painter.draw(&mut glyphs, &label);
        let mut changed = 0u64;
        let mut white = 0u64;
        for (x, y, pa) in a.enumerate_pixels() {
            let pb = b.get_pixel(x, y);
            if !inside(area, x, y) {
                assert_eq!(
                    pa, pb,
                    "frame {step}: pixel ({x}, {y}) outside the box changed"
                );
                continue;
            }
            let is_glyph = glyphs.get_pixel(x, y)[0] == 255;
            if is_glyph {
                assert_eq!(pb.0, [255; 3], "frame {step}: glyph pixel ({x}, {y})");
                white += 1;
            } else {
                let darkened = ((u16::from(pa[0]) * 3) >> 3) as u8;
                assert_eq!(pb.0, [darkened; 3], "frame {step}: box pixel ({x}, {y})");
            }
            changed += u64::from(pa != pb);
        }
        let (_, _, w, h) = area;
        assert!(
            changed * 10 > u64::from(w * h) * 9,
            "frame {step}: the box is not drawn"
        );
        assert!(white > 300, "frame {step}: only {white} text pixels");
    }
}

#[cfg(feature = "png")]
#[test]
fn overlay_changes_only_the_text_box_in_a_lossless_png_sequence() {
    let dir = temp_dir("png");
    let plain = record(&dir.join("plain"), VideoFormat::Png, 12, (600, 400), false);
    let with = record(&dir.join("with"), VideoFormat::Png, 12, (600, 400), true);
    assert_eq!(with.facts.frames, 13);
    check_exact(
        &frames_of(&plain.facts.path),
        &frames_of(&with.facts.path),
        (600, 400),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[test]
fn overlay_changes_only_the_text_box_in_a_gif() {
    let dir = temp_dir("gif");
    let plain = record(&dir.join("plain"), VideoFormat::Gif, 8, (600, 400), false);
    let with = record(&dir.join("with"), VideoFormat::Gif, 8, (600, 400), true);
    check_exact(
        &frames_of(&plain.facts.path),
        &frames_of(&with.facts.path),
        (600, 400),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Lossy H.264: the box changes a lot, the rest of the picture hardly.
#[cfg(feature = "ffmpeg")]
#[test]
fn overlay_changes_little_outside_the_text_box_in_mp4() {
    let dir = temp_dir("mp4");
    let plain = record(&dir.join("plain"), VideoFormat::Mp4, 25, (600, 400), false);
    let with = record(&dir.join("with"), VideoFormat::Mp4, 25, (600, 400), true);
    let (plain, with) = (frames_of(&plain.facts.path), frames_of(&with.facts.path));
    assert_eq!((plain.len(), with.len()), (26, 26));
    let painter = OverlayPainter::new(&OverlayStyle::default(), 600, 400);
    for (step, (a, b)) in plain.iter().zip(&with).enumerate() {
        let (x0, y0, w, h) = painter.area(&label(step as u64)).unwrap();
        // Compression blurs edges by up to a macroblock.
        let near = (x0.saturating_sub(16), y0.saturating_sub(16), w + 32, h + 32);
        let (mut inside_sum, mut inside_n, mut outside_sum, mut outside_n) =
            (0u64, 0u64, 0u64, 0u64);
        for (x, y, pa) in a.enumerate_pixels() {
            let d = u64::from(pa[0].abs_diff(b.get_pixel(x, y)[0]));
            if inside((x0, y0, w, h), x, y) {
                inside_sum += d;
                inside_n += 1;
            } else if !inside(near, x, y) {
                outside_sum += d;
                outside_n += 1;
            }
        }
        let inside_mean = inside_sum as f64 / inside_n as f64;
        let outside_mean = outside_sum as f64 / outside_n as f64;
        assert!(
            inside_mean > 30.0,
            "frame {step}: box differs by only {inside_mean}"
        );
        assert!(
            outside_mean < 1.0,
            "frame {step}: outside differs by {outside_mean}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_text_function_sees_each_frames_context() {
    let dir = temp_dir("context");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .overlay(Overlay::new().text(move |frame, out| {
            let t = frame.info.get("t").and_then(|v| v.as_u64());
            log.lock().unwrap().push((
                frame.episode,
                frame.episode_step,
                frame.step_id,
                frame.ret,
                frame.reward,
                t,
                out.is_empty(),
            ));
            out.push('x');
        }))
        .wrap(Scene::new(2, 32, 32))
        .unwrap();
    for _ in 0..2 {
        env.reset(None).unwrap();
        while !env.step(0).unwrap().done() {}
    }
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), 2);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            (Some(0), 0, None, 0.0, None, Some(0), true),
            (Some(0), 1, Some(0), 0.5, Some(0.5), Some(1), true),
            (Some(0), 2, Some(1), 1.0, Some(0.5), Some(2), true),
            (Some(1), 0, None, 0.0, None, Some(0), true),
            (Some(1), 1, Some(2), 0.5, Some(0.5), Some(1), true),
            (Some(1), 2, Some(3), 1.0, Some(0.5), Some(2), true),
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_is_legible_at_600x400_and_small_on_small_frames() {
    let label = label(123);
    let big = OverlayPainter::new(&OverlayStyle::default(), 600, 400);
    let (_, _, w, h) = big.area(&label).unwrap();
    // Two lines of 20-pixel glyphs, 10 pixels apart.
    assert!((40..60).contains(&h), "box height {h}");
    assert!(w > 300 && w < 420, "box width {w}");
    let small = OverlayPainter::new(&OverlayStyle::default(), 160, 120);
    let (_, _, w, h) = small.area(&label).unwrap();
    assert!(h < 30 && w <= 160 - 3, "box {w}x{h}");
    let style = OverlayStyle { scale: Some(2) };
    let (_, _, _, h2) = OverlayPainter::new(&style, 1200, 800).area(&label).unwrap();
    assert!(h2 >= 80, "scaled box height {h2}");
}
