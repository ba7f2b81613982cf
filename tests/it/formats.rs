//! Output formats, through the public API: each format this build has is
//! recorded, decoded back and checked for frames, size, timing and content;
//! file names and the existing-video check follow the format.
//!
//! The test env paints each frame with its step and episode (left half grey
//! 20 + 12·step, right half 30 + 50·(episode mod 4)) so that decoded frames
//! can be matched to the frames captured. Lossless formats (PNG, and GIF
//! when a frame has at most 256 colours) must give the frames back exactly.

use gymrec::env::{BoxSpace, Discrete, Env, Frame, Info, Metadata, RenderMode, Space, Step};
use gymrec::record::{RecordedVideo, RecordingConfig, Trigger};
use gymrec::video::probe::{decode_rgb, probe};
use gymrec::video::{VideoFacts, VideoFormat};
use std::path::{Path, PathBuf};

#[derive(Debug)]
struct Painted {
    width: u32,
    height: u32,
    episode_len: u64,
    episode: i64,
    t: u64,
    /// Paint a gradient with thousands of colours instead of two greys.
    gradient: bool,
    metadata: Metadata,
    actions: Space,
    observations: Space,
    mode: RenderMode,
}

impl Painted {
    fn new(episode_len: u64, width: u32, height: u32, fps: u32) -> Self {
        Painted {
            width,
            height,
            episode_len,
            episode: -1,
            t: 0,
            gradient: false,
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(fps),
            },
            actions: Discrete::new(1).into(),
            observations: BoxSpace::uniform(1, 0.0, 1e9).into(),
            mode: RenderMode::RgbArray,
        }
    }
}

fn left_level(step: u64) -> u8 {
    (20 + 12 * step).min(250) as u8
}

fn right_level(episode: u64) -> u8 {
    (30 + 50 * (episode % 4)) as u8
}

/// The frame the env renders at `step` of `episode`.
fn painted(width: u32, height: u32, episode: u64, step: u64, gradient: bool) -> Frame {
    Frame::from_fn(width, height, |x, y| {
        if gradient {
            image::Rgb([
                (x * 4) as u8,
                (y * 5) as u8,
                (step * 16 + u64::from(x / 8)) as u8,
            ])
        } else if x < width / 2 {
            image::Rgb([left_level(step); 3])
        } else {
            image::Rgb([right_level(episode); 3])
        }
    })
}

impl Env for Painted {
    type Obs = u64;
    type Action = i64;

    fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.episode += 1;
        self.t = 0;
        Ok((0, Info::new()))
    }

    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u64>> {
        self.t += 1;
        Ok(Step {
            obs: self.t,
            reward: 1.0,
            terminated: self.t >= self.episode_len,
            truncated: false,
            info: Info::new(),
        })
    }

    fn action_space(&self) -> &Space {
        &self.actions
    }

    fn observation_space(&self) -> &Space {
        &self.observations
    }

    fn render_mode(&self) -> RenderMode {
        self.mode
    }

    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((self.width, self.height))
    }

    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        *frame = painted(
            self.width,
            self.height,
            self.episode.max(0) as u64,
            self.t,
            self.gradient,
        );
        Ok(())
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-formats-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Records `episodes` whole episodes of `env` in `format`, one video each.
fn record(
    dir: &Path,
    env: Painted,
    format: VideoFormat,
    episodes: u64,
) -> gymrec::Result<Vec<RecordedVideo>> {
    let mut env = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .format(format)
        .wrap(env)?;
    for _ in 0..episodes {
        env.reset(None)?;
        while !env.step(0)?.done() {}
    }
    env.take_report().into_result()
}

/// Decodes `path` and returns every frame.
fn frames_of(path: &Path) -> Vec<Frame> {
    let mut frames = Vec::new();
    decode_rgb(path, |_, f| {
        frames.push(f.clone());
        true
    })
    .unwrap();
    frames
}

fn mean_abs_diff(a: &Frame, b: &Frame) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Checks what a video holds, as read back, against what was captured:
/// frame count, size, codec, pixel format, frame rate, play time, and each
/// frame's picture (exactly when `lossless`, else within `tolerance` mean
/// absolute difference and matched to the right step).
fn check_video(
    facts: &VideoFacts,
    format: VideoFormat,
    episode: u64,
    steps: u64,
    (width, height, fps): (u32, u32, u32),
    lossless: bool,
) {
    let n = steps + 1; // the reset frame and one per step
    assert_eq!(facts.frames, n, "{facts:?}");
    assert_eq!((facts.width, facts.height, facts.fps), (width, height, fps));
    assert_eq!(facts.codec, format.codec());
    assert_eq!(facts.pixel_format, format.pixel_format());
    let probed = probe(&facts.path).unwrap();
    assert_eq!(probed.frames, n, "{probed:?}");
    assert_eq!(
        (probed.width, probed.height),
        (facts.encoded_width, facts.encoded_height)
    );
    assert_eq!(probed.codec, format.codec());
    assert_eq!(probed.pixel_format, format.pixel_format());
    assert!(
        (probed.fps - f64::from(fps)).abs() < 0.05,
        "fps {} vs {fps}",
        probed.fps
    );
    assert!(
        (probed.duration_secs - facts.duration_secs).abs() < 1e-6,
        "duration {} vs facts {}",
        probed.duration_secs,
        facts.duration_secs
    );
    assert!(
        (facts.duration_secs - n as f64 / f64::from(fps)).abs() <= 0.005 + 1e-9,
        "duration {} for {n} frames at {fps} fps",
        facts.duration_secs
    );
    let decoded = frames_of(&facts.path);
    assert_eq!(decoded.len() as u64, n);
    for (step, frame) in decoded.iter().enumerate() {
        let step = step as u64;
        let expected = painted(width, height, episode, step, false);
        let frame = image::imageops::crop_imm(frame, 0, 0, width, height).to_image();
        if lossless {
            assert!(frame == expected, "{format}: frame {step} differs");
        } else {
            let d = mean_abs_diff(&frame, &expected);
            assert!(d < 3.0, "{format}: frame {step} differs by {d}");
            // It is this step's frame, not a neighbour's.
            let x = width / 4;
            let got = frame.get_pixel(x, height / 2)[0];
            assert!(
                got.abs_diff(left_level(step)) < 6,
                "{format}: frame {step} has grey {got}, expected {}",
                left_level(step)
            );
        }
    }
}

#[cfg(feature = "png")]
#[test]
fn png_sequence_is_a_folder_of_lossless_frames_with_the_frame_rate() {
    let dir = temp_dir("png");
    let videos = record(&dir, Painted::new(7, 64, 48, 25), VideoFormat::Png, 2).unwrap();
    assert_eq!(videos.len(), 2);
    for (episode, video) in videos.iter().enumerate() {
        let name = format!("rl-video-episode-{episode}");
        assert_eq!(video.facts.path, dir.join(&name));
        assert!(video.facts.path.is_dir());
        check_video(
            &video.facts,
            VideoFormat::Png,
            episode as u64,
            7,
            (64, 48, 25),
            true,
        );
        let mut names: Vec<String> = std::fs::read_dir(&video.facts.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let expected: Vec<String> = (0..8).map(|i| format!("frame-{i:06}.png")).collect();
        assert_eq!(names, expected);
        let bytes: u64 = names
            .iter()
            .map(|n| std::fs::metadata(video.facts.path.join(n)).unwrap().len())
            .sum();
        assert_eq!(video.facts.bytes, bytes);
        // Each frame carries the frame rate, readable by any PNG reader.
        let file = std::fs::File::open(video.facts.path.join(&names[3])).unwrap();
        let reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .unwrap();
        let fps = reader
            .info()
            .uncompressed_latin1_text
            .iter()
            .find(|t| t.keyword == "fps")
            .map(|t| t.text.clone());
        assert_eq!(fps.as_deref(), Some("25"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "png")]
#[test]
fn png_sequence_of_odd_size_is_exact_and_overwriting_removes_stale_frames() {
    let dir = temp_dir("png-odd");
    let videos = record(&dir, Painted::new(9, 65, 49, 30), VideoFormat::Png, 1).unwrap();
    check_video(&videos[0].facts, VideoFormat::Png, 0, 9, (65, 49, 30), true);
    // An unrelated file in the folder survives; old frames past the new
    // video's end do not.
    let folder = &videos[0].facts.path;
    std::fs::write(folder.join("notes.txt"), "mine").unwrap();
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Png)
        .overwrite(true)
        .wrap(Painted::new(3, 65, 49, 30))
        .unwrap();
    env.reset(None).unwrap();
    while !env.step(0).unwrap().done() {}
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(videos[0].facts.frames, 4);
    assert_eq!(probe(folder).unwrap().frames, 4);
    assert!(!folder.join("frame-000004.png").exists());
    assert!(folder.join("notes.txt").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "png")]
#[test]
fn a_png_sequence_with_a_gap_is_an_error_naming_the_missing_frame() {
    let dir = temp_dir("png-gap");
    let videos = record(&dir, Painted::new(4, 16, 16, 10), VideoFormat::Png, 1).unwrap();
    let folder = &videos[0].facts.path;
    std::fs::remove_file(folder.join("frame-000002.png")).unwrap();
    let err = probe(folder).unwrap_err().to_string();
    assert!(err.contains("frame-000002.png is missing"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[test]
fn gif_decodes_back_exactly_with_its_timing() {
    let dir = temp_dir("gif");
    let videos = record(&dir, Painted::new(11, 64, 48, 25), VideoFormat::Gif, 2).unwrap();
    for (episode, video) in videos.iter().enumerate() {
        assert_eq!(
            video.facts.path,
            dir.join(format!("rl-video-episode-{episode}.gif"))
        );
        // Two greys a frame: the palette is exact and the GIF lossless.
        check_video(
            &video.facts,
            VideoFormat::Gif,
            episode as u64,
            11,
            (64, 48, 25),
            true,
        );
        assert_eq!(video.facts.duration_secs, 12.0 / 25.0);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[test]
fn gif_delays_add_up_without_drift_at_30_fps() {
    use image::AnimationDecoder;
    let dir = temp_dir("gif-30");
    let videos = record(&dir, Painted::new(29, 32, 32, 30), VideoFormat::Gif, 1).unwrap();
    let facts = &videos[0].facts;
    assert_eq!(facts.frames, 30);
    assert_eq!(facts.duration_secs, 1.0);
    // Read the delays with `image` directly.
    let file = std::io::BufReader::new(std::fs::File::open(&facts.path).unwrap());
    let frames = image::codecs::gif::GifDecoder::new(file)
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap();
    let delays_cs: Vec<u32> = frames
        .iter()
        .map(|f| {
            let (n, d) = f.delay().numer_denom_ms();
            n / d / 10
        })
        .collect();
    assert_eq!(delays_cs.len(), 30);
    assert!(
        delays_cs.iter().all(|d| *d == 3 || *d == 4),
        "{delays_cs:?}"
    );
    assert_eq!(delays_cs.iter().sum::<u32>(), 100);
    // Frame i ends at round(100 (i + 1) / 30) hundredths.
    let mut end = 0;
    for (i, d) in delays_cs.iter().enumerate() {
        end += d;
        assert_eq!(end, ((i as u32 + 1) * 100 + 15) / 30);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[test]
fn gif_with_more_than_256_colours_is_quantized_but_complete() {
    let dir = temp_dir("gif-colours");
    let mut env = Painted::new(5, 64, 48, 20);
    env.gradient = true;
    let videos = record(&dir, env, VideoFormat::Gif, 1).unwrap();
    let facts = &videos[0].facts;
    assert_eq!(probe(&facts.path).unwrap().frames, 6);
    for (step, frame) in frames_of(&facts.path).iter().enumerate() {
        let expected = painted(64, 48, 0, step as u64, true);
        let d = mean_abs_diff(frame, &expected);
        assert!(d > 0.0 && d < 12.0, "frame {step}: mean difference {d}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[path = "../common/shaded.rs"]
mod shaded;

/// The frames of the GIF at `path` (composed, as viewers show them) and
/// their delays in hundredths of a second.
#[cfg(feature = "gif")]
fn gif_frames(path: &Path) -> Vec<(Frame, u32)> {
    use image::AnimationDecoder;
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    image::codecs::gif::GifDecoder::new(file)
        .unwrap()
        .into_frames()
        .map(|f| {
            let f = f.unwrap();
            let (n, d) = f.delay().numer_denom_ms();
            let rgb = image::DynamicImage::ImageRgba8(f.into_buffer()).to_rgb8();
            (rgb, n / d.max(1) / 10)
        })
        .collect()
}

/// Checks a GIF written at 30 fps: one GIF frame a frame, each shown from
/// `round(100·i/30)` to `round(100·(i+1)/30)` hundredths, and the facts
/// and the probe agreeing.
#[cfg(feature = "gif")]
fn check_gif_timing(facts: &VideoFacts, decoded: &[(Frame, u32)], n: usize) {
    assert_eq!(decoded.len(), n);
    assert_eq!(facts.frames, n as u64);
    let mut end = 0;
    for (i, (_, delay)) in decoded.iter().enumerate() {
        end += delay;
        assert_eq!(end, ((i as u32 + 1) * 100 + 15) / 30, "frame {i}");
    }
    assert_eq!(facts.duration_secs, f64::from(end) / 100.0);
    let probed = probe(&facts.path).unwrap();
    assert_eq!(probed.frames, n as u64);
    assert_eq!(probed.duration_secs, facts.duration_secs);
}

#[cfg(feature = "gif")]
#[test]
fn a_many_coloured_gif_decodes_close_to_its_frames_with_exact_timing() {
    let dir = temp_dir("gif-shaded");
    std::fs::create_dir_all(&dir).unwrap();
    let frames: Vec<Frame> = (0..24)
        .map(|i| shaded::shaded_frame(600, 400, 3 * i))
        .collect();
    let facts = shaded::write_gif(&dir.join("shaded.gif"), &frames, 30);
    let decoded = gif_frames(&facts.path);
    check_gif_timing(&facts, &decoded, frames.len());
    // The previews' bound (tests/it/tensorboard.rs): a mean per-channel
    // error of at most 4 levels and none beyond 40.
    for (i, ((got, _), want)) in decoded.iter().zip(&frames).enumerate() {
        let colours: std::collections::HashSet<_> = want.pixels().collect();
        assert!(
            colours.len() > 256 * 16,
            "frame {i}: {} colours",
            colours.len()
        );
        let d = mean_abs_diff(got, want);
        let max = got
            .as_raw()
            .iter()
            .zip(want.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(d <= 4.0 && max <= 40, "frame {i}: mean {d:.2}, max {max}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[test]
fn a_cartpole_gif_decodes_back_exactly() {
    use gymrec::policy::{Heuristic, Policy};
    let dir = temp_dir("gif-cartpole");
    std::fs::create_dir_all(&dir).unwrap();
    let mut env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(1)).unwrap();
    let frames: Vec<Frame> = (0..40)
        .map(|_| {
            let frame = env.render().unwrap().unwrap();
            obs = env.step(policy.act(&obs)).unwrap().obs;
            frame
        })
        .collect();
    let facts = shaded::write_gif(&dir.join("cartpole.gif"), &frames, 30);
    let decoded = gif_frames(&facts.path);
    check_gif_timing(&facts, &decoded, frames.len());
    for (i, ((got, _), want)) in decoded.iter().zip(&frames).enumerate() {
        let colours: std::collections::HashSet<_> = want.pixels().collect();
        assert!(colours.len() <= 256, "frame {i}: {} colours", colours.len());
        assert!(got == want, "frame {i} differs");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "gif")]
#[test]
fn gif_above_50_fps_is_refused_at_construction() {
    let dir = temp_dir("gif-fps");
    let err = RecordingConfig::new(&dir)
        .format(VideoFormat::Gif)
        .fps(60)
        .wrap(Painted::new(3, 16, 16, 30))
        .unwrap_err()
        .to_string();
    assert!(err.contains("fps = 60") && err.contains("GIF"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "ffmpeg")]
#[test]
fn mp4_and_webm_decode_back_with_their_codecs() {
    let dir = temp_dir("ffmpeg");
    for (format, ext) in [(VideoFormat::Mp4, "mp4"), (VideoFormat::WebM, "webm")] {
        let videos = record(&dir, Painted::new(12, 64, 48, 25), format, 1).unwrap();
        let facts = &videos[0].facts;
        assert_eq!(facts.path, dir.join(format!("rl-video-episode-0.{ext}")));
        check_video(facts, format, 0, 12, (64, 48, 25), false);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(all(feature = "ffmpeg", feature = "gif", feature = "png"))]
#[test]
fn the_existing_video_check_follows_the_format() {
    let dir = temp_dir("existing");
    record(&dir, Painted::new(2, 16, 16, 10), VideoFormat::Gif, 1).unwrap();
    // A GIF of this prefix blocks GIF recording ...
    let err = RecordingConfig::new(&dir)
        .format(VideoFormat::Gif)
        .wrap(Painted::new(2, 16, 16, 10))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rl-video-episode-0.gif already exists"),
        "{err}"
    );
    // ... but not MP4 or PNG recording, whose names differ.
    record(&dir, Painted::new(2, 16, 16, 10), VideoFormat::Mp4, 1).unwrap();
    record(&dir, Painted::new(2, 16, 16, 10), VideoFormat::Png, 1).unwrap();
    let err = RecordingConfig::new(&dir)
        .format(VideoFormat::Png)
        .wrap(Painted::new(2, 16, 16, 10))
        .unwrap_err()
        .to_string();
    assert!(err.contains("rl-video-episode-0 already exists"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "png")]
#[test]
fn a_png_sequence_that_is_not_kept_is_removed_whole() {
    let dir = temp_dir("png-keep");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Png)
        .keep_if(|video| video.started_by == gymrec::record::VideoStart::Episode(1))
        .wrap(Painted::new(3, 16, 16, 10))
        .unwrap();
    for _ in 0..2 {
        env.reset(None).unwrap();
        while !env.step(0).unwrap().done() {}
    }
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), 1);
    assert!(!dir.join("rl-video-episode-0").exists());
    assert!(dir.join("rl-video-episode-1").is_dir());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn formats_parse_print_and_name_files() {
    for format in VideoFormat::ALL {
        let parsed: VideoFormat = format.to_string().parse().unwrap();
        assert_eq!(parsed, format);
        let upper: VideoFormat = format.name().to_uppercase().parse().unwrap();
        assert_eq!(upper, format);
    }
    assert_eq!(".gif".parse::<VideoFormat>().unwrap(), VideoFormat::Gif);
    let err = "avi".parse::<VideoFormat>().unwrap_err().to_string();
    assert!(
        err.contains("\"avi\"") && err.contains("mp4, webm, gif, png"),
        "{err}"
    );
    assert_eq!(VideoFormat::Mp4.file_name("a"), "a.mp4");
    assert_eq!(VideoFormat::WebM.file_name("a"), "a.webm");
    assert_eq!(VideoFormat::Gif.file_name("a"), "a.gif");
    assert_eq!(VideoFormat::Png.file_name("a"), "a");
    assert!(VideoFormat::default().is_available());
    assert_eq!(
        VideoFormat::available(),
        VideoFormat::ALL
            .into_iter()
            .filter(|f| f.is_available())
            .collect::<Vec<_>>()
    );
}

/// Without FFmpeg, asking for WebM is a clear error at construction, and
/// the default format records anyway.
#[cfg(not(feature = "ffmpeg"))]
#[test]
fn without_ffmpeg_webm_is_unavailable_and_the_default_still_records() {
    let dir = temp_dir("no-ffmpeg");
    let err = RecordingConfig::new(&dir)
        .format(VideoFormat::WebM)
        .wrap(Painted::new(2, 16, 16, 10))
        .unwrap_err();
    assert!(
        matches!(err, gymrec::Error::FormatUnavailable { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("`ffmpeg` feature") && text.contains("webm"),
        "{text}"
    );
    let videos = record(&dir, Painted::new(5, 16, 16, 10), VideoFormat::default(), 1).unwrap();
    assert_eq!(videos[0].facts.frames, 6);
    // Reading MP4 back needs FFmpeg; GIF and PNG are read in pure Rust.
    if VideoFormat::default() != VideoFormat::Mp4 {
        assert_eq!(probe(&videos[0].facts.path).unwrap().frames, 6);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// OpenH264 in fragmented MP4, decoded back through FFmpeg: every frame,
/// Constrained Baseline, and a file cut short still plays its whole
/// fragments.
#[cfg(all(feature = "openh264", feature = "ffmpeg"))]
#[test]
fn openh264_writes_constrained_baseline_fragmented_mp4() {
    use gymrec::video::WriterOptions;
    use gymrec::video::codecs::openh264::OpenH264Sink;
    use gymrec::video::{EncoderSettings, VideoSpec};

    let dir = temp_dir("openh264");
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height) in [(64u32, 48u32), (65, 49)] {
        let path = dir.join(format!("clip-{width}x{height}.mp4"));
        let spec = VideoSpec::new(width, height, 25);
        let sink = OpenH264Sink::create(&path, &spec, &EncoderSettings::default()).unwrap();
        let mut writer = WriterOptions::new().sink(sink).create(&path, spec).unwrap();
        for step in 0..60 {
            writer
                .submit(painted(width, height, 0, step % 20, false))
                .unwrap();
        }
        let facts = writer.finish().unwrap();
        assert_eq!(facts.frames, 60);
        assert_eq!(
            (facts.encoded_width, facts.encoded_height),
            spec.encoded_size()
        );
        let probed = probe(&path).unwrap();
        assert_eq!(probed.frames, 60, "{probed:?}");
        assert_eq!(probed.codec, "h264");
        assert_eq!(probed.pixel_format, "yuv420p");
        assert!((probed.fps - 25.0).abs() < 0.01, "{probed:?}");
        assert!((probed.duration_secs - 2.4).abs() < 1e-6, "{probed:?}");
        for (i, frame) in frames_of(&path).iter().enumerate() {
            let frame = image::imageops::crop_imm(frame, 0, 0, width, height).to_image();
            let expected = painted(width, height, 0, i as u64 % 20, false);
            let d = mean_abs_diff(&frame, &expected);
            assert!(d < 3.0, "frame {i} differs by {d}");
        }
        // avcC: profile 66 (Baseline) with constraint_set1 (Constrained
        // Baseline).
        let bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(4).position(|w| w == b"avcC").unwrap();
        assert_eq!(bytes[at + 5], 66, "profile_idc");
        assert_ne!(bytes[at + 6] & 0x40, 0, "constraint_set1_flag");
        // One fragment per second (a keyframe each): a copy cut where the
        // last fragment starts plays the two before it.
        let moofs: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"moof")
            .map(|(i, _)| i - 4)
            .collect();
        assert_eq!(moofs.len(), 3);
        let cut = dir.join("cut.mp4");
        std::fs::write(&cut, &bytes[..moofs[2]]).unwrap();
        assert_eq!(probe(&cut).unwrap().frames, 50);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
