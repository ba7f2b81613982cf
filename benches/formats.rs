//! Output formats and overlays, end to end.
//!
//! `cargo bench --bench formats` (add `--features openh264` for the
//! OpenH264 backend):
//! - `record_episode/{format}/{plain,overlay,overlay_text}`: a 200-step
//!   CartPole-v1 episode (201 frames of 600×400) recorded end to end —
//!   render, hand-off, encode on the encoder thread, finalize — in each
//!   format this build has: without overlay, with the default overlay
//!   (episode, step, return), and with a line of user text added. The
//!   overlay's cost is the difference (goal: at most 10%; see also
//!   `benches/overlay_cli.sh` for the `gymrec record` command itself).
//! - `encode_600x400/{format}`: 100 pre-rendered CartPole frames through a
//!   `VideoWriter` in each format (encoder throughput alone).
//! - `gif_600x400/{shaded,cartpole}` (feature `gif`): 100 frames through a
//!   GIF `VideoWriter`: a shaded, many-coloured clip (three shaded balls
//!   moving over a gradient, tens of thousands of colours a frame;
//!   `tests/common/shaded.rs`) and CartPole. Before measuring it prints
//!   each GIF's size and its decoded error against the frames (the mean
//!   and the largest per-channel difference).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gymrec::env::{Env, Frame, RenderMode};
use gymrec::policy::{Heuristic, Policy};
use gymrec::record::overlay::Overlay;
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::video::WriterOptions;
use gymrec::video::{VideoFormat, VideoSpec};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

#[cfg(feature = "gif")]
#[path = "../tests/common/shaded.rs"]
mod shaded;

/// Which overlay a benchmark records with.
#[derive(Clone, Copy)]
enum Variant {
    Plain,
    Overlay,
    OverlayText,
}

fn record_once(dir: &Path, format: VideoFormat, variant: Variant) {
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut config = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .video_length(201)
        .format(format)
        .overwrite(true);
    match variant {
        Variant::Plain => {}
        Variant::Overlay => config = config.overlay(Overlay::new()),
        Variant::OverlayText => {
            config = config.overlay(Overlay::new().text(|frame, out| {
                let _ = write!(out, "reward {:.1}", frame.reward.unwrap_or(0.0));
            }));
        }
    }
    let mut env = config.wrap(env).unwrap();
    // The heuristic balances for 500 steps: one video of 201 frames.
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(0)).unwrap();
    for _ in 0..200 {
        obs = env.step(policy.act(&obs)).unwrap().obs;
    }
    let videos = env.finish().into_result().unwrap();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0].facts.frames, 201);
}

fn record_episode(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gymrec-bench-formats-{}", std::process::id()));
    let mut group = c.benchmark_group("record_episode");
    group.sample_size(15);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(201));
    for format in VideoFormat::available() {
        for (name, variant) in [
            ("plain", Variant::Plain),
            ("overlay", Variant::Overlay),
            ("overlay_text", Variant::OverlayText),
        ] {
            group.bench_function(BenchmarkId::new(format.name(), name), |b| {
                b.iter(|| record_once(&dir, format, variant))
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// 100 CartPole frames rendered once.
fn cartpole_frames() -> Vec<Frame> {
    let mut env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(0)).unwrap();
    (0..100)
        .map(|_| {
            let frame = env.render().unwrap().unwrap();
            obs = env.step(policy.act(&obs)).unwrap().obs;
            frame
        })
        .collect()
}

fn encode(c: &mut Criterion) {
    let frames = cartpole_frames();
    let dir = std::env::temp_dir().join(format!("gymrec-bench-encode-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = VideoSpec::new(600, 400, 50);
    let mut group = c.benchmark_group("encode_600x400");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(frames.len() as u64));
    for format in VideoFormat::available() {
        let path = dir.join(format.file_name("clip"));
        group.bench_function(BenchmarkId::from_parameter(format.name()), |b| {
            b.iter(|| {
                let mut writer = WriterOptions::new()
                    .format(format)
                    .create(&path, spec)
                    .unwrap();
                for frame in &frames {
                    let mut buffer = writer.recycled_buffer();
                    buffer.copy_from_slice(frame);
                    writer.submit(buffer).unwrap();
                }
                writer.finish().unwrap()
            })
        });
    }
    #[cfg(feature = "openh264")]
    {
        use gymrec::video::EncoderSettings;
        use gymrec::video::codecs::openh264::OpenH264Sink;
        let path = dir.join("openh264.mp4");
        group.bench_function(BenchmarkId::from_parameter("mp4-openh264"), |b| {
            b.iter(|| {
                let sink = OpenH264Sink::create(&path, &spec, &EncoderSettings::default()).unwrap();
                let mut writer = WriterOptions::new()
                    .queue_capacity(16)
                    .sink(sink)
                    .create(&path, spec)
                    .unwrap();
                for frame in &frames {
                    let mut buffer = writer.recycled_buffer();
                    buffer.copy_from_slice(frame);
                    writer.submit(buffer).unwrap();
                }
                writer.finish().unwrap()
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The mean and the largest per-channel difference between the GIF at
/// `path` decoded and `frames`.
#[cfg(feature = "gif")]
fn decoded_error(path: &Path, frames: &[Frame]) -> (f64, u8) {
    let (mut sum, mut max, mut n) = (0u64, 0u8, 0u64);
    let count = gymrec::video::probe::decode_rgb(path, |i, got| {
        for (a, b) in got.as_raw().iter().zip(frames[i as usize].as_raw()) {
            let d = a.abs_diff(*b);
            sum += u64::from(d);
            max = max.max(d);
            n += 1;
        }
        true
    })
    .unwrap();
    assert_eq!(count, frames.len() as u64);
    (sum as f64 / n as f64, max)
}

#[cfg(feature = "gif")]
fn gif(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gymrec-bench-gif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shaded: Vec<Frame> = (0..100)
        .map(|i| shaded::shaded_frame(600, 400, i))
        .collect();
    let clips = [("shaded", shaded), ("cartpole", cartpole_frames())];
    let mut group = c.benchmark_group("gif_600x400");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    for (name, frames) in &clips {
        let path = dir.join(format!("{name}.gif"));
        let facts = shaded::write_gif(&path, frames, 50);
        let (mean, max) = decoded_error(&path, frames);
        eprintln!(
            "gif_600x400/{name}: {} frames, {} bytes, decoded error mean {mean:.3} max {max}",
            facts.frames, facts.bytes
        );
        group.throughput(Throughput::Elements(frames.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| shaded::write_gif(&path, frames, 50))
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(not(feature = "gif"))]
fn gif(_: &mut Criterion) {}

criterion_group!(formats, record_episode, encode, gif);
criterion_main!(formats);
