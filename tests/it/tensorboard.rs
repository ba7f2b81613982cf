//! TensorBoard event files: the masked CRC against known vectors, a scalar
//! event's bytes against TensorBoard's own writer, strict reading, GIF
//! previews decoded back, and a writer killed mid-run.

use gymrec::Error;
use gymrec::tensorboard::{
    GifPreview, Logged, LoggedValue, PreviewSettings, SummaryWriter, encode_record, masked_crc32c,
    parse_records, read_events, read_records,
};
use image::AnimationDecoder;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-tb-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/tensorboard")
        .join(name)
}

/// The event files of a run folder.
fn event_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("events.out.tfevents.")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_masked_crc_matches_tensorflows_known_values() {
    // CRC-32C check values (RFC 3720 B.4 and the "123456789" check), masked
    // as TensorFlow's crc32c::Mask does; the masked values are those of
    // tensorboard 2.21.0's own masked_crc32c (pywrap_tensorflow.py).
    let vectors: [(&[u8], u32, u32); 7] = [
        (b"", 0x0000_0000, 0xa282_ead8),
        (b"a", 0xc1d0_4330, 0x28e4_6e78),
        (b"123456789", 0xe306_9283, 0xc78a_b0e5),
        (&[0u8; 32], 0x8a91_36aa, 0x0fd7_fffa),
        (&[0xffu8; 32], 0x62a8_ab43, 0xf909_b029),
        (
            &[
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27, 28, 29, 30, 31,
            ],
            0x46dd_794e,
            0x951f_7892,
        ),
        (
            &[
                31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
                10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
            ],
            0x113f_db5c,
            0x593b_0d57,
        ),
    ];
    for (data, crc, masked) in vectors {
        // The mask is a rotation and an addition of the plain CRC.
        assert_eq!(
            crc.rotate_right(15).wrapping_add(0xa282_ead8),
            masked,
            "{data:?}"
        );
        assert_eq!(masked_crc32c(data), masked, "{data:?}");
    }
}

#[test]
fn a_scalar_event_has_the_bytes_tensorboards_writer_writes() {
    // tests/golden/tensorboard/generate.py: TensorBoard's EventFileWriter,
    // wall time 1700000000.25, the scalar episode/return = 21.5 at step 7.
    let theirs = read_records(golden("scalar.tfevents")).unwrap();
    assert_eq!(theirs.len(), 2);
    let dir = temp_dir("golden");
    let mut writer = SummaryWriter::create_with_clock(&dir, Box::new(|| 1_700_000_000.25)).unwrap();
    writer.add_scalar("episode/return", 7, 21.5).unwrap();
    writer.flush().unwrap();
    let path = writer.path().to_path_buf();
    assert!(
        path.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("events.out.tfevents.1700000000."),
        "{}",
        path.display()
    );
    let ours = read_records(&path).unwrap();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[1], theirs[1], "the scalar event");
    // The file_version event: the same wall time (field 1) and version
    // (field 3); the writer's name (source_metadata) is ours.
    assert_eq!(ours[0][..9], theirs[0][..9]);
    let version = b"\x1a\x0dbrain.Event:2";
    assert_eq!(ours[0][9..9 + version.len()], version[..]);
    assert_eq!(theirs[0][9..9 + version.len()], version[..]);
    // And the framing: the whole file is the two framed records.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        bytes,
        [encode_record(&ours[0]), encode_record(&ours[1])].concat()
    );
    let golden_bytes = std::fs::read(golden("scalar.tfevents")).unwrap();
    assert_eq!(
        bytes[bytes.len() - ours[1].len() - 16..],
        golden_bytes[golden_bytes.len() - theirs[1].len() - 16..]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_corrupt_or_cut_record_is_rejected_where_it_starts() {
    let good = std::fs::read(golden("scalar.tfevents")).unwrap();
    let first = read_records(golden("scalar.tfevents")).unwrap()[0].len() + 16;
    let path = Path::new("scalar.tfevents");
    // A flipped data byte in the second record.
    let mut bad = good.clone();
    bad[first + 20] ^= 1;
    let err = parse_records(path, &bad).unwrap_err();
    assert!(
        matches!(err, Error::EventRecord { offset, what, .. } if offset == first as u64 && what.contains("data's CRC")),
        "{err:?}"
    );
    // A flipped length byte.
    let mut bad = good.clone();
    bad[first] ^= 4;
    let err = parse_records(path, &bad).unwrap_err();
    assert!(
        matches!(err, Error::EventRecord { what, .. } if what.contains("length's CRC")),
        "{err:?}"
    );
    // Cut anywhere inside the second record.
    for cut in [first + 1, first + 12, good.len() - 1] {
        let err = parse_records(path, &good[..cut]).unwrap_err();
        assert!(
            matches!(err, Error::EventRecord { offset, .. } if offset == first as u64),
            "cut at {cut}: {err:?}"
        );
        assert!(err.to_string().contains("scalar.tfevents"), "{err}");
    }
    assert_eq!(parse_records(path, &good[..first]).unwrap().len(), 1);
}

#[test]
fn an_unwritable_run_folder_is_a_typed_error() {
    let dir = temp_dir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a-file");
    std::fs::write(&file, b"").unwrap();
    let err = SummaryWriter::create(file.join("run")).unwrap_err();
    assert!(
        matches!(&err, Error::EventFile { path, .. } if path == &file.join("run")),
        "{err:?}"
    );
    assert!(err.io_kind().is_some(), "{err:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn two_writers_in_one_folder_make_two_files() {
    let dir = temp_dir("two");
    let a = SummaryWriter::create_with_clock(&dir, Box::new(|| 5.0)).unwrap();
    let b = SummaryWriter::create_with_clock(&dir, Box::new(|| 5.0)).unwrap();
    assert_ne!(a.path(), b.path());
    drop((a, b));
    assert_eq!(event_files(&dir).len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// A frame whose left half is `level(i)` and right half its complement.
fn test_frame(width: u32, height: u32, i: u64) -> gymrec::Frame {
    let v = (i * 7 % 200 + 20) as u8;
    gymrec::Frame::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([v, 0, 255 - v])
        } else {
            image::Rgb([255 - v, v, 40])
        }
    })
}

/// The frames and delays (hundredths) of a GIF.
fn decode_gif(bytes: &[u8]) -> Vec<(image::RgbaImage, u64)> {
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes)).unwrap();
    decoder
        .into_frames()
        .map(|f| {
            let f = f.unwrap();
            let (n, d) = f.delay().numer_denom_ms();
            (f.into_buffer(), u64::from(n / d.max(1)) / 10)
        })
        .collect()
}

#[test]
fn a_preview_keeps_real_time_with_fewer_smaller_frames() {
    let settings = PreviewSettings {
        max_frames: 40,
        ..PreviewSettings::default()
    };
    // (frames, fps): short, at the cap, past the cap (stride doubles), 30 fps.
    for (n, fps) in [
        (7u64, 50u32),
        (80, 50),
        (81, 50),
        (333, 50),
        (95, 30),
        (10, 10),
    ] {
        let (w, h) = (600, 400);
        let mut preview = GifPreview::new("clip.mp4".as_ref(), w, h, fps, settings);
        for i in 0..n {
            preview.push(&test_frame(w, h, i));
        }
        let base = settings.base_stride(fps);
        let mut stride = base;
        while n.div_ceil(stride) > settings.max_frames as u64 {
            stride *= 2;
        }
        assert_eq!(preview.stride(), stride, "{n} frames at {fps} fps");
        let gif = preview.finish().unwrap();
        assert_eq!((gif.width, gif.height), (240, 160));
        let frames = decode_gif(&gif.bytes);
        assert_eq!(frames.len() as u64, n.div_ceil(stride), "{n} at {fps}");
        // Real time: the delays add up to the clip's length, to the hundredth.
        let total: u64 = frames.iter().map(|(_, d)| d).sum();
        assert_eq!(
            total,
            (n * 100 + u64::from(fps) / 2) / u64::from(fps),
            "{n} at {fps}"
        );
        // Content: kept frame k is clip frame k·stride, scaled down.
        for (k, (frame, _)) in (0u64..).zip(&frames) {
            let source = test_frame(w, h, k * stride);
            for (x, y) in [(30, 80), (200, 20), (60, 150), (230, 100)] {
                let want = source.get_pixel(x * 600 / 240, y * 400 / 160).0;
                let got = frame.get_pixel(x, y).0;
                for c in 0..3 {
                    assert!(
                        want[c].abs_diff(got[c]) <= 12,
                        "{n} at {fps}, frame {k} ({x}, {y}): {got:?} for {want:?}"
                    );
                }
            }
        }
    }
    let err = GifPreview::new("empty.mp4".as_ref(), 8, 8, 10, settings)
        .finish()
        .unwrap_err();
    assert!(err.to_string().contains("empty.mp4"), "{err}");
    // A frame with no pixels (not the clip's size) is a black one.
    let mut preview = GifPreview::new("odd.mp4".as_ref(), 8, 8, 10, settings);
    preview.push(&gymrec::Frame::new(0, 0));
    let frames = decode_gif(&preview.finish().unwrap().bytes);
    assert_eq!(frames.len(), 1);
    assert!(frames[0].0.pixels().all(|p| p.0 == [0, 0, 0, 255]));
}

/// `frame` scaled down to `width` × `height` as the preview's docs say:
/// each pixel the rounded mean of the source pixels its area covers.
fn area_average(frame: &gymrec::Frame, width: u32, height: u32) -> image::RgbImage {
    let (sw, sh) = (frame.width(), frame.height());
    let span = |i: u32, n: u32, of: u32| {
        let start = i * of / n;
        start..((i + 1) * of / n).max(start + 1).min(of)
    };
    image::RgbImage::from_fn(width, height, |x, y| {
        let (mut sum, mut n) = ([0u32; 3], 0);
        for sy in span(y, height, sh) {
            for sx in span(x, width, sw) {
                let p = frame.get_pixel(sx, sy).0;
                (0..3).for_each(|c| sum[c] += u32::from(p[c]));
                n += 1;
            }
        }
        image::Rgb(sum.map(|v| ((v + n / 2) / n) as u8))
    })
}

/// The mean and the largest per-channel difference of two pictures.
fn channel_error(got: &image::RgbaImage, want: &image::RgbImage) -> (f64, u8) {
    assert_eq!(got.dimensions(), want.dimensions());
    let (mut sum, mut max) = (0u64, 0u8);
    for (a, b) in got.pixels().zip(want.pixels()) {
        for c in 0..3 {
            let d = a.0[c].abs_diff(b.0[c]);
            sum += u64::from(d);
            max = max.max(d);
        }
    }
    (sum as f64 / (want.len() as f64), max)
}

/// Whether two pictures have the same colours.
fn same_picture(got: &image::RgbaImage, want: &image::RgbImage) -> bool {
    got.dimensions() == want.dimensions()
        && got
            .pixels()
            .zip(want.pixels())
            .all(|(a, b)| a.0[..3] == b.0)
}

/// A GIF frame as stored (not composed): its rectangle, delay (hundredths)
/// and whether it has a palette of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StoredFrame {
    rect: (u16, u16, u16, u16),
    delay: u16,
    local_palette: bool,
}

/// The frames a GIF stores, read with the `gif` crate, and whether it has
/// a global palette.
fn stored_frames(bytes: &[u8]) -> (bool, Vec<StoredFrame>) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options.read_info(std::io::Cursor::new(bytes)).unwrap();
    let global = decoder.global_palette().is_some();
    let mut frames = Vec::new();
    while let Some(f) = decoder.read_next_frame().unwrap() {
        frames.push(StoredFrame {
            rect: (f.left, f.top, f.width, f.height),
            delay: f.delay,
            local_palette: f.palette.is_some(),
        });
    }
    (global, frames)
}

/// A many-coloured scene: a two-way gradient (`corner` colours at the
/// top-left, top-right and bottom-left), with a `side`-pixel square of
/// `ink` whose top-left corner is at `square`.
fn gradient_scene(
    (width, height): (u32, u32),
    corners: [[f64; 3]; 3],
    square: (u32, u32),
    side: u32,
    ink: [u8; 3],
) -> gymrec::Frame {
    let [origin, right, down] = corners;
    gymrec::Frame::from_fn(width, height, |x, y| {
        let inside =
            (square.0..square.0 + side).contains(&x) && (square.1..square.1 + side).contains(&y);
        if inside {
            return image::Rgb(ink);
        }
        let (u, v) = (
            f64::from(x) / f64::from(width),
            f64::from(y) / f64::from(height),
        );
        image::Rgb(std::array::from_fn(|c| {
            (origin[c] + (right[c] - origin[c]) * u + (down[c] - origin[c]) * v).clamp(0.0, 255.0)
                as u8
        }))
    })
}

const RED_GREEN: [[f64; 3]; 3] = [[40.0, 40.0, 30.0], [250.0, 60.0, 30.0], [40.0, 240.0, 60.0]];
const BLUE_YELLOW: [[f64; 3]; 3] = [
    [20.0, 20.0, 120.0],
    [240.0, 230.0, 40.0],
    [60.0, 90.0, 255.0],
];

/// How close a quantized preview frame must be to the scaled clip frame:
/// a mean per-channel error of at most 4 levels and none beyond 40. The
/// previews quantize to 255 colours chosen for the scene; over 43,000
/// colours of a two-way gradient that leaves about 2–3 levels on average
/// and under 30 at worst. A palette made for another scene's colours is
/// off by tens of levels on average.
const MEAN_TOLERANCE: f64 = 4.0;
const MAX_TOLERANCE: u8 = 40;

#[test]
fn a_preview_of_frames_with_few_colours_decodes_to_them_exactly() {
    use gymrec::env::{Env, RenderMode};
    use gymrec::policy::{Heuristic, Policy};
    // CartPole scaled 600x400 -> 240x160: blended edges, under 256 colours
    // a frame (but more over the clip).
    let mut env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(3)).unwrap();
    let mut preview = GifPreview::new(
        "cartpole.mp4".as_ref(),
        600,
        400,
        25,
        PreviewSettings::default(),
    );
    let mut scaled = Vec::new();
    for _ in 0..40 {
        let frame = env.render().unwrap().unwrap();
        preview.push(&frame);
        scaled.push(area_average(&frame, 240, 160));
        obs = env.step(policy.act(&obs)).unwrap().obs;
    }
    let gif = preview.finish().unwrap();
    let decoded = decode_gif(&gif.bytes);
    // Frames the same after scaling are merged, so match by time.
    let mut at = 0;
    for (k, (frame, delay)) in decoded.iter().enumerate() {
        // 25 fps: 4 hundredths a clip frame.
        let shown = (*delay / 4) as usize;
        assert!(shown >= 1, "GIF frame {k}: {delay}");
        for (i, want) in scaled.iter().enumerate().skip(at).take(shown) {
            assert!(
                same_picture(frame, want),
                "GIF frame {k} shown for clip frame {i}"
            );
        }
        at += shown;
    }
    assert_eq!(at, 40);
    let (_, stored) = stored_frames(&gif.bytes);
    assert_eq!(stored[0].rect, (0, 0, 240, 160));
    // The cart and pole move, the track and the sky do not.
    for f in &stored[1..] {
        assert!(
            u32::from(f.rect.2) * u32::from(f.rect.3) < 240 * 160 / 4,
            "{f:?}"
        );
    }
}

#[test]
fn a_preview_of_frames_with_many_colours_shares_one_palette_and_stays_close() {
    let (w, h) = (320, 240); // previewed at 240x180
    let frames: Vec<_> = (0..30)
        .map(|i| gradient_scene((w, h), RED_GREEN, (20 + 8 * i, 100), 24, [250, 250, 250]))
        .collect();
    let mut preview = GifPreview::new(
        "gradient.mp4".as_ref(),
        w,
        h,
        25,
        PreviewSettings::default(),
    );
    for frame in &frames {
        preview.push(frame);
    }
    let gif = preview.finish().unwrap();
    assert_eq!((gif.width, gif.height), (240, 180));
    let decoded = decode_gif(&gif.bytes);
    assert_eq!(decoded.len(), 30);
    for (i, ((got, _), frame)) in decoded.iter().zip(&frames).enumerate() {
        let want = area_average(frame, 240, 180);
        let colours: std::collections::HashSet<_> = want.pixels().collect();
        assert!(colours.len() > 256, "{} colours", colours.len());
        let (mean, max) = channel_error(got, &want);
        assert!(
            mean <= MEAN_TOLERANCE && max <= MAX_TOLERANCE,
            "frame {i}: mean {mean:.2}, max {max}"
        );
    }
    // One palette for the clip: the global one, no frame has its own; and
    // after the first, each frame is the strip the square moved along.
    let (global, stored) = stored_frames(&gif.bytes);
    assert!(global);
    assert!(stored.iter().all(|f| !f.local_palette), "{stored:?}");
    for (i, f) in stored.iter().enumerate().skip(1) {
        let (left, top, width, height) = f.rect;
        assert!(
            u32::from(width) * u32::from(height) < 240 * 180 / 8,
            "frame {i}: {f:?}"
        );
        // The square (at 3/4 scale) moved 6 preview pixels right.
        let square_left = (20 + 8 * i as u32) * 3 / 4;
        assert!(
            u32::from(left) <= square_left - 6 && u32::from(left + width) >= square_left + 18,
            "frame {i}: {f:?}"
        );
        assert!(top <= 75 && top + height >= 93, "frame {i}: {f:?}");
    }
}

#[test]
fn a_clip_whose_colours_change_gets_a_palette_for_its_new_colours() {
    let (w, h) = (320, 240);
    let frames: Vec<_> = (0..40)
        .map(|i| {
            let scene = if i < 20 { RED_GREEN } else { BLUE_YELLOW };
            gradient_scene((w, h), scene, (20 + 6 * i, 60), 30, [10, 10, 10])
        })
        .collect();
    let mut preview = GifPreview::new("change.mp4".as_ref(), w, h, 25, PreviewSettings::default());
    for frame in &frames {
        preview.push(frame);
    }
    let decoded = decode_gif(&preview.finish().unwrap().bytes);
    assert_eq!(decoded.len(), 40);
    for (i, ((got, _), frame)) in decoded.iter().zip(&frames).enumerate() {
        let (mean, max) = channel_error(got, &area_average(frame, 240, 180));
        assert!(
            mean <= MEAN_TOLERANCE && max <= MAX_TOLERANCE,
            "frame {i}: mean {mean:.2}, max {max}"
        );
    }
}

/// A 64x48 grey frame with a 6x6 red square at `x`, 20.
fn square_at(x: u32) -> gymrec::Frame {
    gymrec::Frame::from_fn(64, 48, |px, py| {
        if (x..x + 6).contains(&px) && (20..26).contains(&py) {
            image::Rgb([220, 30, 30])
        } else {
            image::Rgb([90, 90, 90])
        }
    })
}

#[test]
fn only_what_changed_is_written_and_a_repeated_frame_lengthens_the_one_before() {
    // The square moves 3 pixels a frame, but stays put for frames 4 to 7.
    let xs = [0u32, 3, 6, 9, 12, 12, 12, 12, 15, 18];
    let mut preview = GifPreview::new(
        "square.mp4".as_ref(),
        64,
        48,
        20,
        PreviewSettings::default(),
    );
    for &x in &xs {
        preview.push(&square_at(x));
    }
    assert_eq!(preview.frames(), 10);
    let gif = preview.finish().unwrap();
    let decoded = decode_gif(&gif.bytes);
    let shown: Vec<u32> = vec![0, 3, 6, 9, 12, 15, 18];
    assert_eq!(decoded.len(), shown.len());
    for ((frame, _), &x) in decoded.iter().zip(&shown) {
        assert!(same_picture(frame, &square_at(x)), "square at {x}");
    }
    // At 20 fps each clip frame is 5 hundredths; the paused square 4 frames.
    let delays: Vec<u64> = decoded.iter().map(|(_, d)| *d).collect();
    assert_eq!(delays, [5, 5, 5, 5, 20, 5, 5]);
    let (global, stored) = stored_frames(&gif.bytes);
    assert!(global);
    assert_eq!(stored[0].rect, (0, 0, 64, 48));
    // Each later frame: the square's old and new places, 9x6.
    for (f, &x) in stored[1..].iter().zip(&shown) {
        assert_eq!(f.rect, (x as u16, 20, 9, 6), "{f:?}");
        assert!(!f.local_palette);
    }
}

#[test]
fn stride_doubling_keeps_the_frames_that_survive_right() {
    let settings = PreviewSettings {
        max_frames: 8,
        ..PreviewSettings::default()
    };
    // 50 frames: the stride doubles 1 -> 2 -> 4 -> 8 (7 frames kept).
    let mut preview = GifPreview::new("square.mp4".as_ref(), 64, 48, 25, settings);
    for i in 0..50 {
        preview.push(&square_at(i));
    }
    assert_eq!((preview.stride(), preview.frames()), (8, 7));
    let decoded = decode_gif(&preview.finish().unwrap().bytes);
    assert_eq!(decoded.len(), 7);
    for (k, (frame, delay)) in (0u32..).zip(&decoded) {
        assert!(same_picture(frame, &square_at(8 * k)), "kept frame {k}");
        // 25 fps: 4 hundredths a clip frame; the last shows frame 48 and 49.
        assert_eq!(*delay, if k == 6 { 8 } else { 32 });
    }
    // Many colours: the frames that survive decode close to theirs too.
    let mut preview = GifPreview::new("gradient.mp4".as_ref(), 320, 240, 25, settings);
    let scene = |i: u32| gradient_scene((320, 240), RED_GREEN, (4 * i, 100), 24, [250, 250, 250]);
    for i in 0..50 {
        preview.push(&scene(i));
    }
    let decoded = decode_gif(&preview.finish().unwrap().bytes);
    assert_eq!(decoded.len(), 7);
    for (k, (frame, _)) in (0u32..).zip(&decoded) {
        let (mean, max) = channel_error(frame, &area_average(&scene(8 * k), 240, 180));
        assert!(
            mean <= MEAN_TOLERANCE && max <= MAX_TOLERANCE,
            "kept frame {k}: mean {mean:.2}, max {max}"
        );
    }
}

const CHILD_DIR: &str = "GYMREC_TB_KILL_DIR";

/// The child of `a_writer_killed_mid_run_leaves_a_file_read_to_its_last_flush`:
/// an episode's scalars, a text and now and then a GIF, a flush, and a
/// journal line with the events written so far, until it is killed.
#[test]
#[ignore = "run by a_writer_killed_mid_run_leaves_a_file_read_to_its_last_flush"]
fn child_writes_events_until_killed() {
    use std::io::Write;
    let dir = PathBuf::from(std::env::var(CHILD_DIR).expect("run by the kill test"));
    let mut journal = std::fs::File::create(dir.join("journal.txt")).unwrap();
    let mut writer = SummaryWriter::create(dir.join("run")).unwrap();
    for episode in 1u64.. {
        writer
            .add_scalar("episode/return", episode, episode as f64)
            .unwrap();
        writer.add_scalar("episode/length", episode, 10.0).unwrap();
        writer
            .add_text("notes", episode, &"text ".repeat(episode as usize % 500))
            .unwrap();
        if episode % 10 == 0 {
            let mut preview = GifPreview::new("c".as_ref(), 64, 48, 25, PreviewSettings::default());
            for i in 0..25 {
                preview.push(&test_frame(64, 48, i + episode));
            }
            writer
                .add_gif("videos/training", episode, &preview.finish().unwrap())
                .unwrap();
        }
        writer.flush().unwrap();
        writeln!(journal, "{}", writer.events()).unwrap();
    }
}

#[test]
fn a_writer_killed_mid_run_leaves_a_file_read_to_its_last_flush() {
    let dir = temp_dir("kill");
    std::fs::create_dir_all(&dir).unwrap();
    let journal = crate::common::kill_after_journal(
        module_path!(),
        "child_writes_events_until_killed",
        CHILD_DIR,
        &dir,
        400,
        Duration::from_secs(120),
    );
    let flushed = *journal.last().unwrap();
    let files = event_files(&dir.join("run"));
    assert_eq!(files.len(), 1);
    // Everything flushed before the last journal line is there, whole.
    // The kill may tear the record being written after it (a GIF record
    // goes out in more than one write): TensorBoard reads up to such a
    // tail, and so does this test, but only at the end of the file.
    let bytes = std::fs::read(&files[0]).unwrap();
    let records = match gymrec::tensorboard::parse_records(&files[0], &bytes) {
        Err(Error::EventRecord { offset, what, .. }) if what.starts_with("the file ends") => {
            gymrec::tensorboard::parse_records(&files[0], &bytes[..offset as usize]).unwrap()
        }
        other => other.unwrap(),
    };
    assert!(
        records.len() as u64 >= flushed,
        "{} records, {flushed} flushed",
        records.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The values of `tag`, by step.
fn values_of(events: &[LoggedValue], tag: &str) -> Vec<(i64, Logged)> {
    events
        .iter()
        .filter(|e| e.tag == tag)
        .map(|e| (e.step, e.value.clone()))
        .collect()
}

/// The one event file of a run folder, read back.
fn read_run(dir: &Path) -> Vec<LoggedValue> {
    let files = event_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    read_events(&files[0]).unwrap()
}

#[test]
fn a_recording_logs_every_episode_and_the_preview_of_each_kept_clip() {
    use gymrec::env::Env;
    use gymrec::record::{RecordingConfig, Trigger};
    let dir = temp_dir("observer");
    let run = dir.join("runs").join("painted");
    let env = crate::common::Painted::new(10);
    let mut env = RecordingConfig::new(dir.join("videos"))
        .format(gymrec::video::VideoFormat::Gif)
        .episode_trigger(Trigger::new(|e| e % 2 == 0))
        // Episode 2's clip is recorded, then not kept.
        .keep_if(|v| v.episodes[0].episode != 2)
        .tensorboard(&run)
        .wrap(env)
        .unwrap();
    for _ in 0..5 {
        env.reset(None).unwrap();
        while !env.step(0).unwrap().done() {}
    }
    let videos = env.finish().into_result().unwrap();
    assert_eq!(videos.len(), 2);

    let events = read_run(&run);
    for (tag, value) in [("episode/return", 10.0), ("episode/length", 10.0)] {
        assert_eq!(
            values_of(&events, tag),
            (0..5)
                .map(|s| (s, Logged::Scalar(value)))
                .collect::<Vec<_>>(),
            "{tag}"
        );
    }
    let images = values_of(&events, "videos");
    assert_eq!(images.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [0, 4]);
    for ((_, image), video) in images.iter().zip(&videos) {
        let Logged::Image {
            width,
            height,
            channels,
            bytes,
        } = image
        else {
            panic!("{image:?}");
        };
        assert_eq!((*width, *height, *channels), (64, 48, 3));
        // The clip's own frames (64x48 fits the preview: no scaling, and
        // a few grey levels: an exact palette).
        let gif = decode_gif(bytes);
        assert_eq!(gif.len() as u64, video.facts.frames);
        assert_eq!(gif.len(), 11); // the reset frame and ten steps
        let total: u64 = gif.iter().map(|(_, d)| d).sum();
        assert_eq!(total, 44); // 11 frames at 25 fps
        gymrec::video::decode_rgb(&video.facts.path, |i, frame| {
            let preview = &gif[i as usize].0;
            for (a, b) in frame.pixels().zip(preview.pixels()) {
                assert_eq!(a.0, [b.0[0], b.0[1], b.0[2]], "frame {i}");
            }
            true
        })
        .unwrap();
    }
    let texts = values_of(&events, "videos/file");
    assert_eq!(texts.len(), 2);
    for ((step, text), video) in texts.iter().zip(&videos) {
        let Logged::Text(text) = text else {
            panic!("{text:?}")
        };
        assert!(
            text.contains(&video.facts.path.display().to_string()),
            "{step}: {text}"
        );
        assert!(text.contains("| 10.00 | 10 | yes |"), "{text}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "train")]
#[test]
fn a_training_run_logs_the_metrics_stores_numbers_hparams_and_clips() {
    use gymrec::env::RenderMode;
    use gymrec::train::{
        AnalyticsState, Cem, CemConfig, EPISODE_SCALARS, LogToTensorBoard, MetricsStore,
        RecordVideos, Trainer, VideoKind,
    };
    let dir = temp_dir("train");
    let train = |metrics: &MetricsStore, name: &str| {
        let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
        let mut agent = Cem::for_env(&env, CemConfig::default()).unwrap();
        let tensorboard = LogToTensorBoard::new(dir.join("runs"));
        let run = tensorboard.run_handle();
        let videos = RecordVideos::builder(name)
            .root(dir.join("checkpoints"))
            .frequency(20)
            .configure(|c| c.format(gymrec::video::VideoFormat::Gif).video_length(30))
            .tensorboard(tensorboard.clips())
            .final_seed(Some(0))
            .build()
            .unwrap();
        let summary = Trainer::new(env)
            .episodes(45)
            .seed(0)
            .analytics(AnalyticsState::new("tests").with_tags(["cem", "smoke"]))
            .callback(videos)
            .callback(tensorboard)
            .run(&mut agent, metrics)
            .unwrap();
        (summary, run.run_dir().unwrap())
    };
    let metrics = MetricsStore::in_memory().unwrap();
    let (summary, run_dir) = train(&metrics, "first");
    assert_eq!(run_dir, dir.join("runs/tests/CEM_CartPole_45ep"));
    let events = read_run(&run_dir);

    // Every scalar is the metrics store's number for that episode.
    let rows = metrics.episodes(summary.experiment_id).unwrap();
    assert_eq!(rows.len(), 45);
    for (tag, value_of) in EPISODE_SCALARS.iter().zip([
        (|r: &gymrec::train::EpisodeRow| r.reward) as fn(&gymrec::train::EpisodeRow) -> f64,
        |r| r.length as f64,
        |r| r.reward_moving_avg,
        |r| r.reward_moving_std,
    ]) {
        let logged = values_of(&events, tag);
        let expected: Vec<(i64, Logged)> = rows
            .iter()
            .map(|r| (r.episode as i64, Logged::Scalar(value_of(r) as f32)))
            .collect();
        assert_eq!(logged, expected, "{tag}");
    }
    let losses: Vec<&String> = rows[0].losses.keys().collect();
    for name in losses {
        let logged = values_of(&events, &format!("losses/{name}"));
        assert_eq!(logged.len(), 45, "{name}");
    }

    // The clips: training ones at their episode, the evaluation at the last.
    let videos = metrics.videos(summary.experiment_id).unwrap();
    let mut expected_steps = Vec::new();
    for video in &videos {
        let (tag, step) = match video.kind {
            VideoKind::Training => ("videos/training", video.episode.unwrap() as i64),
            VideoKind::Evaluation => ("videos/evaluation", 45),
        };
        expected_steps.push((tag, step));
        let images = values_of(&events, tag);
        let (_, image) = images.iter().find(|(s, _)| *s == step).unwrap();
        let Logged::Image {
            bytes,
            width,
            height,
            ..
        } = image
        else {
            panic!("{image:?}")
        };
        assert_eq!((*width, *height), (240, 160));
        let gif = decode_gif(bytes);
        // 50 fps: one frame in two, at real speed.
        // (Consecutive frames that look the same would be one GIF frame.)
        assert!(gif.len() as u64 <= video.frames.div_ceil(2), "{tag} {step}");
        let total: u64 = gif.iter().map(|(_, d)| d).sum();
        assert_eq!(total, video.frames * 2, "{tag} {step}");
        let texts = values_of(&events, &format!("{tag}/file"));
        let (_, Logged::Text(text)) = texts.iter().find(|(s, _)| *s == step).unwrap() else {
            panic!("{texts:?}")
        };
        assert!(text.contains(&video.path.display().to_string()), "{text}");
    }
    assert_eq!(
        expected_steps,
        [
            ("videos/training", 21),
            ("videos/training", 41),
            ("videos/evaluation", 45)
        ]
    );

    // Hparams: the experiment, the session's start and end; the config table.
    let plugins: Vec<&str> = events
        .iter()
        .filter(|e| e.value == Logged::Plugin("hparams".into()))
        .map(|e| e.tag.as_str())
        .collect();
    assert_eq!(
        plugins,
        [
            "_hparams_/experiment",
            "_hparams_/session_start_info",
            "_hparams_/session_end_info"
        ]
    );
    let [(_, Logged::Text(config))] = &values_of(&events, "config")[..] else {
        panic!("no config table")
    };
    for row in [
        "| train.episodes | 45 |",
        "| tags | cem, smoke |",
        "| train.env | CartPole-v1 |",
    ] {
        assert!(config.contains(row), "{row} in {config}");
    }

    // The same experiment again: a run of its own, not merged.
    let (_, second) = train(&metrics, "second");
    assert_eq!(second, dir.join("runs/tests/CEM_CartPole_45ep_2"));
    assert_eq!(event_files(&run_dir).len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}
