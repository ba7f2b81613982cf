//! Colours survive the YUV round trip: a test pattern of flat blocks (the
//! primaries, white, black, mid-grey and mixed colours) encoded to MP4
//! (libx264; OpenH264 with feature `openh264`) and WebM, decoded back
//! through `gymrec::video::probe::decode_rgb`, lands within a stated
//! tolerance of the input colours, and each file's colour tags, read back
//! by the crate's own FFmpeg reader, are those the writers say
//! ([`VideoFormat::color_tags`]: BT.601 matrix, primaries and transfer,
//! limited range).
//!
//! The blocks are 32×32 pixels on a 32-pixel grid, so every 16×16
//! macroblock and every 2×2 chroma sample lies inside one colour; only the
//! 4 pixels next to a block edge are left out, where the deblocking filter
//! and chroma upsampling mix neighbours.
//!
//! Tolerance, per channel, in 8-bit RGB code values:
//! - [`LOW_CRF_TOLERANCE`] = 4 for libx264 at CRF 10 and libvpx at CRF 0
//!   (lossless): rounding Y, Cb and Cr to whole limited-range values (±0.5
//!   each, which YUV→RGB turns into up to ±1.6 in RGB: 255/219 and 255/224
//!   scale the steps, and Cr, Cb add in with factors up to 2.0), plus the
//!   reader's own rounding (swscale's fast YUV→RGB path, ±1–2); measured
//!   at most 3 (the tan block's green), the same for both, so flat blocks
//!   at CRF 10 lose nothing to quantisation.
//! - [`DEFAULT_TOLERANCE`] = 6 for libx264 at the default CRF 23 and for
//!   OpenH264 at its fixed quantiser: quantisation of flat blocks adds a
//!   few code values (measured at most 3 and 5).

#![cfg(feature = "ffmpeg")]

use gymrec::video::codecs::ffmpeg::FfmpegSink;
use gymrec::video::probe::{decode_rgb, probe};
use gymrec::video::{ColorTags, EncoderSettings, VideoFormat, VideoSink, VideoSpec};
use image::{Rgb, RgbImage};
use std::path::{Path, PathBuf};

/// Largest per-channel error at libx264 CRF 10 and libvpx CRF 0.
const LOW_CRF_TOLERANCE: u8 = 4;
/// Largest per-channel error at libx264 CRF 23 and for OpenH264.
const DEFAULT_TOLERANCE: u8 = 6;

/// The pattern's colours, row by row, 4 a row.
const COLOURS: [[u8; 3]; 12] = [
    [255, 0, 0],     // red
    [0, 255, 0],     // green
    [0, 0, 255],     // blue
    [255, 255, 255], // white
    [0, 0, 0],       // black
    [128, 128, 128], // mid-grey
    [255, 255, 0],   // yellow
    [0, 255, 255],   // cyan
    [255, 0, 255],   // magenta
    [255, 128, 0],   // orange
    [202, 152, 101], // CartPole's cart-ish tan
    [30, 90, 160],   // a dark blue
];

/// Side of a block in pixels.
const BLOCK: u32 = 32;
/// Pixels next to a block's edge left out of the comparison.
const INSET: u32 = 4;

/// The test pattern: `COLOURS` as 32×32 blocks, 4 across, 3 down.
fn pattern() -> RgbImage {
    RgbImage::from_fn(4 * BLOCK, 3 * BLOCK, |x, y| {
        Rgb(COLOURS[((y / BLOCK) * 4 + x / BLOCK) as usize])
    })
}

/// A folder of its own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("gymrec-colours-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes 10 frames of the pattern through `sink`.
fn write_pattern(mut sink: impl VideoSink) {
    let frame = pattern();
    for _ in 0..10 {
        sink.write(&frame).unwrap();
    }
    sink.finish().unwrap();
}

/// Decodes `path` and returns the largest per-channel difference from the
/// pattern over every frame, inside the blocks, with the colour it was
/// found in.
fn worst_error(path: &Path) -> (u8, [u8; 3], [u8; 3]) {
    let mut worst = (0u8, [0; 3], [0; 3]);
    let frames = decode_rgb(path, |_, decoded| {
        for (x, y, want) in pattern().enumerate_pixels() {
            let (bx, by) = (x % BLOCK, y % BLOCK);
            if bx < INSET || by < INSET || bx >= BLOCK - INSET || by >= BLOCK - INSET {
                continue;
            }
            let got = decoded.get_pixel(x, y).0;
            for c in 0..3 {
                let d = got[c].abs_diff(want.0[c]);
                if d > worst.0 {
                    worst = (d, want.0, got);
                }
            }
        }
        true
    })
    .unwrap();
    assert_eq!(frames, 10, "{}", path.display());
    worst
}

/// Checks `path` against the pattern within `tolerance` and its colour
/// tags against the MP4/WebM writers' ones.
fn check(path: &Path, format: VideoFormat, tolerance: u8) {
    let (err, want, got) = worst_error(path);
    eprintln!(
        "{}: worst channel error {err} (colour {want:?} decoded as {got:?})",
        path.display()
    );
    assert!(
        err <= tolerance,
        "{}: colour {want:?} decoded as {got:?}, off by {err} > {tolerance}",
        path.display()
    );
    let tags = probe(path).unwrap().color;
    assert_eq!(tags, format.color_tags(), "{}", path.display());
    assert_eq!(tags, ColorTags::bt601_limited());
}

fn settings(crf: u8) -> EncoderSettings {
    EncoderSettings {
        crf,
        ..EncoderSettings::default()
    }
}

#[test]
fn libx264_mp4_keeps_the_pattern_colours_and_says_bt601_limited() {
    let dir = TempDir::new("x264");
    let spec = VideoSpec::new(4 * BLOCK, 3 * BLOCK, 25);
    for (crf, tolerance) in [(10, LOW_CRF_TOLERANCE), (23, DEFAULT_TOLERANCE)] {
        let path = dir.0.join(format!("crf{crf}.mp4"));
        write_pattern(FfmpegSink::create(&path, &spec, &settings(crf)).unwrap());
        check(&path, VideoFormat::Mp4, tolerance);
    }
}

#[test]
fn vp9_webm_keeps_the_pattern_colours_and_says_bt601_limited() {
    let dir = TempDir::new("vp9");
    let spec = VideoSpec::new(4 * BLOCK, 3 * BLOCK, 25);
    // CRF 0 is libvpx's lossless mode: only the conversion and the
    // decoder's rounding are left (at the default CRF 23, libvpx's 28,
    // flat blocks come back up to 11 off, VP9's quantisation).
    let path = dir.0.join("clip.webm");
    write_pattern(FfmpegSink::create_webm(&path, &spec, &settings(0)).unwrap());
    check(&path, VideoFormat::WebM, LOW_CRF_TOLERANCE);
}

#[cfg(feature = "openh264")]
#[test]
fn openh264_mp4_keeps_the_pattern_colours_and_says_bt601_limited() {
    use gymrec::video::codecs::openh264::OpenH264Sink;
    let dir = TempDir::new("openh264");
    let spec = VideoSpec::new(4 * BLOCK, 3 * BLOCK, 25);
    let path = dir.0.join("clip.mp4");
    write_pattern(OpenH264Sink::create(&path, &spec, &EncoderSettings::default()).unwrap());
    check(&path, VideoFormat::Mp4, DEFAULT_TOLERANCE);
}

/// Colours also survive odd frame sizes, whose last column and row are
/// repeated into the padding: the last column and row of the decoded
/// picture's visible part are the frame's.
#[test]
fn odd_sizes_keep_the_last_column_and_row() {
    let dir = TempDir::new("odd");
    let (w, h) = (4 * BLOCK - 1, 3 * BLOCK - 1);
    let spec = VideoSpec::new(w, h, 25);
    let path = dir.0.join("odd.mp4");
    let frame = image::imageops::crop_imm(&pattern(), 0, 0, w, h).to_image();
    let mut sink = FfmpegSink::create(&path, &spec, &settings(10)).unwrap();
    for _ in 0..3 {
        sink.write(&frame).unwrap();
    }
    sink.finish().unwrap();
    let mut checked = 0;
    decode_rgb(&path, |_, decoded| {
        assert_eq!(decoded.dimensions(), (w + 1, h + 1));
        for (x, y) in [(w - 1, 10), (w, 10), (10, h - 1), (10, h), (w, h)] {
            let want = frame.get_pixel(x.min(w - 1), y.min(h - 1)).0;
            let got = decoded.get_pixel(x, y).0;
            for c in 0..3 {
                assert!(
                    got[c].abs_diff(want[c]) <= LOW_CRF_TOLERANCE,
                    "({x}, {y}): {got:?}, frame {want:?}"
                );
            }
        }
        checked += 1;
        true
    })
    .unwrap();
    assert_eq!(checked, 3);
}
