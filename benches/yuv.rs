//! RGB24 → YUV420P of one 600×400 frame (CartPole's size), BT.601 limited
//! range, by each converter the video layer has used: swscale (what the
//! FFmpeg sink used before, `SWS_AREA`), yuvutils-rs in its `Professional`
//! mode (what the sinks use now) and `Balanced` mode (faster, up to about
//! 1 code value too light in Y), and, with feature `openh264`, OpenH264's
//! own `YUVBuffer::read_rgb8` (what the OpenH264 sink used before).
//!
//! Run with `cargo bench --bench yuv` (add `--features openh264` for the
//! fourth).

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use ffmpeg_next as ff;
use yuvutils_rs::{
    BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange, YuvStandardMatrix,
};

const WIDTH: usize = 600;
const HEIGHT: usize = 400;

/// A CartPole-like frame: white, a black track line, a dark cart and a tan
/// pole, plus a strip of mixed colours so that no converter sees only flat
/// white.
fn frame() -> Vec<u8> {
    let mut rgb = vec![255u8; WIDTH * HEIGHT * 3];
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let px = match (x, y) {
                (_, 300) => [0, 0, 0],
                (250..=300, 270..=299) => [0, 0, 0],
                (272..=278, 170..=269) => [202, 152, 101],
                (_, 0..=15) => [(x % 256) as u8, (y * 16) as u8, 255 - (x % 256) as u8],
                _ => continue,
            };
            rgb[(y * WIDTH + x) * 3..][..3].copy_from_slice(&px);
        }
    }
    rgb
}

fn yuvutils(c: &mut BenchmarkGroup<WallTime>, rgb: &[u8]) {
    let mut y = vec![0u8; WIDTH * HEIGHT];
    let mut u = vec![0u8; WIDTH * HEIGHT / 4];
    let mut v = vec![0u8; WIDTH * HEIGHT / 4];
    for (name, mode) in [
        ("yuvutils_professional", YuvConversionMode::Professional),
        ("yuvutils_balanced", YuvConversionMode::Balanced),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let mut image = YuvPlanarImageMut {
                    y_plane: BufferStoreMut::Borrowed(&mut y),
                    y_stride: WIDTH as u32,
                    u_plane: BufferStoreMut::Borrowed(&mut u),
                    u_stride: (WIDTH / 2) as u32,
                    v_plane: BufferStoreMut::Borrowed(&mut v),
                    v_stride: (WIDTH / 2) as u32,
                    width: WIDTH as u32,
                    height: HEIGHT as u32,
                };
                yuvutils_rs::rgb_to_yuv420(
                    &mut image,
                    black_box(rgb),
                    (WIDTH * 3) as u32,
                    YuvRange::Limited,
                    YuvStandardMatrix::Bt601,
                    mode,
                )
                .expect("convert");
            });
        });
    }
}

fn swscale(c: &mut BenchmarkGroup<WallTime>, rgb: &[u8]) {
    ff::init().expect("FFmpeg");
    let (w, h) = (WIDTH as u32, HEIGHT as u32);
    let mut scaler = ff::software::scaling::Context::get(
        ff::format::Pixel::RGB24,
        w,
        h,
        ff::format::Pixel::YUV420P,
        w,
        h,
        ff::software::scaling::Flags::AREA,
    )
    .expect("swscale");
    let mut src = ff::frame::Video::new(ff::format::Pixel::RGB24, w, h);
    let stride = src.stride(0);
    for row in 0..HEIGHT {
        src.data_mut(0)[row * stride..][..WIDTH * 3]
            .copy_from_slice(&rgb[row * WIDTH * 3..][..WIDTH * 3]);
    }
    let mut dst = ff::frame::Video::new(ff::format::Pixel::YUV420P, w, h);
    c.bench_function("swscale_area", |b| {
        b.iter(|| scaler.run(black_box(&src), &mut dst).expect("convert"));
    });
}

#[cfg(feature = "openh264")]
fn openh264(c: &mut BenchmarkGroup<WallTime>, rgb: &[u8]) {
    use openh264::formats::{RgbSliceU8, YUVBuffer};
    let mut yuv = YUVBuffer::new(WIDTH, HEIGHT);
    c.bench_function("openh264_read_rgb8", |b| {
        b.iter(|| yuv.read_rgb8(RgbSliceU8::new(black_box(rgb), (WIDTH, HEIGHT))));
    });
}

#[cfg(not(feature = "openh264"))]
fn openh264(_: &mut BenchmarkGroup<WallTime>, _: &[u8]) {}

fn bench(c: &mut Criterion) {
    let rgb = frame();
    let mut group = c.benchmark_group("rgb_to_yuv420_600x400");
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    yuvutils(&mut group, &rgb);
    swscale(&mut group, &rgb);
    openh264(&mut group, &rgb);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
