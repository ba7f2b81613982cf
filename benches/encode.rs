//! Encoder throughput per x264 preset: 100 frames of 600×400 (CartPole's
//! size) through `VideoWriter` (RGB → YUV, libx264 on one thread, MP4) per
//! iteration, reported in frames per second.
//!
//! Run with `cargo bench --bench encode`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gymrec::video::{EncoderSettings, VideoSpec};
use gymrec::video::{VideoFormat, WriterOptions};
use image::RgbImage;

const WIDTH: u32 = 600;
const HEIGHT: u32 = 400;
const FPS: u32 = 50;
const FRAMES: u32 = 100;

/// A CartPole-like picture: white background, a black cart and a brown pole
/// that move a little each frame.
fn frames() -> Vec<RgbImage> {
    (0..FRAMES)
        .map(|i| {
            let mut frame = RgbImage::from_pixel(WIDTH, HEIGHT, image::Rgb([255, 255, 255]));
            let cart_x = 200 + (i * 3) % 150;
            let tilt = (i as f32 * 0.05).sin() * 0.4;
            for y in 0..HEIGHT {
                for x in 0..WIDTH {
                    let in_cart = x >= cart_x && x < cart_x + 50 && (250..280).contains(&y);
                    let fy = 250.0 - y as f32;
                    let fx = x as f32 - (cart_x as f32 + 25.0);
                    let along = fy * tilt.cos() + fx * tilt.sin();
                    let across = fx * tilt.cos() - fy * tilt.sin();
                    let in_pole = (0.0..100.0).contains(&along) && across.abs() < 5.0;
                    if y == 280 {
                        frame.put_pixel(x, y, image::Rgb([0, 0, 0]));
                    } else if in_pole {
                        frame.put_pixel(x, y, image::Rgb([202, 152, 101]));
                    } else if in_cart {
                        frame.put_pixel(x, y, image::Rgb([0, 0, 0]));
                    }
                }
            }
            frame
        })
        .collect()
}

fn encode(c: &mut Criterion) {
    let source = frames();
    let dir = std::env::temp_dir().join(format!("gymrec-bench-encode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut group = c.benchmark_group("encode_600x400");
    group.throughput(Throughput::Elements(u64::from(FRAMES)));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for preset in ["ultrafast", "veryfast", "medium"] {
        let path: PathBuf = dir.join(format!("{preset}.mp4"));
        group.bench_function(preset, |b| {
            b.iter(|| {
                let settings = EncoderSettings {
                    preset: preset.into(),
                    threads: Some(1),
                    ..EncoderSettings::default()
                };
                let spec = VideoSpec::new(WIDTH, HEIGHT, FPS);
                let mut writer = WriterOptions::new()
                    .format(VideoFormat::Mp4)
                    .encoder(settings)
                    .queue_capacity(8)
                    .create(path.clone(), spec)
                    .expect("spawn");
                for frame in &source {
                    let mut buffer = writer.recycled_buffer();
                    buffer.copy_from_slice(frame);
                    writer.submit(buffer).expect("submit");
                }
                black_box(writer.finish().expect("finish"))
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, encode);
criterion_main!(benches);
