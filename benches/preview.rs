//! TensorBoard GIF previews of CartPole clips.
//!
//! `cargo bench --bench preview`:
//! - `gif_preview/clip_500`: a 500-frame CartPole-v1 clip (600×400 at 50 fps,
//!   rendered once with the heuristic policy) through a fresh `GifPreview`:
//!   every frame pushed (scaled to 240×160, one in two kept, quantized), then
//!   `finish` (the GIF encoded). Throughput is per clip frame pushed.
//! - `gif_preview/finish_500`: `finish` alone on a preview of the same clip.
//!
//! Before measuring it prints the GIF's size in bytes.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gymrec::env::{Env, Frame, RenderMode};
use gymrec::policy::{Heuristic, Policy};
use gymrec::tensorboard::{GifPreview, PreviewSettings};
use std::time::Duration;

const FRAMES: usize = 500;
const FPS: u32 = 50;

/// The reset frame and the first 499 steps of a heuristic CartPole episode
/// (it balances for all 500).
fn cartpole_frames() -> Vec<Frame> {
    let mut env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(0)).unwrap();
    (0..FRAMES)
        .map(|_| {
            let frame = env.render().unwrap().unwrap();
            obs = env.step(policy.act(&obs)).unwrap().obs;
            frame
        })
        .collect()
}

fn pushed(frames: &[Frame]) -> GifPreview {
    let mut preview = GifPreview::new(
        "clip.mp4".as_ref(),
        600,
        400,
        FPS,
        PreviewSettings::default(),
    );
    for frame in frames {
        preview.push(frame);
    }
    preview
}

fn bench(c: &mut Criterion) {
    let frames = cartpole_frames();
    let gif = pushed(&frames).finish().unwrap();
    eprintln!(
        "gif_preview: a {FRAMES}-frame CartPole clip makes a {}x{} GIF of {} bytes",
        gif.width,
        gif.height,
        gif.bytes.len()
    );
    let mut group = c.benchmark_group("gif_preview");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function("clip_500", |b| b.iter(|| pushed(&frames).finish().unwrap()));
    group.bench_function("finish_500", |b| {
        b.iter_batched(
            || pushed(&frames),
            |preview| preview.finish().unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
