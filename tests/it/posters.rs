//! Poster frames, decoded: the `Manifest` writes `<name>.poster.png` beside
//! each kept video of every format, names it in the sidecar and the index,
//! and the gallery shows it; the poster is the video's frame from the
//! middle third, downscaled to a card's width. Frames of the `Painted` env
//! carry their step (left half) and episode (right half), so a poster says
//! which frame it is.

use crate::common::{Painted, left_level, right_level, temp_dir};
use gymrec::catalog::{
    GALLERY_FILE, Manifest, POSTER_MAX_WIDTH, poster_path, poster_size, read_index, read_sidecar,
};
use gymrec::env::Env;
use gymrec::record::{RecordedVideo, RecordingConfig, Trigger};
use gymrec::video::VideoFormat;
use gymrec::video::probe::decode_rgb;
use image::RgbImage;
use std::path::Path;

/// Steps per episode: 30 frames, whose middle third (frames 10 to 19)
/// have distinct left levels (`left_level` stops growing at step 20).
const STEPS: u64 = 29;

/// The step whose left level `level` is, among the first `frames`.
fn step_of(level: u8, frames: u64) -> Option<u64> {
    (0..frames).find(|&s| left_level(s) == level)
}

#[test]
fn every_format_gets_a_poster_of_a_middle_frame_at_a_cards_width() {
    let (width, height) = (960, 640);
    let size = poster_size(width, height);
    assert_eq!(size.0, POSTER_MAX_WIDTH);
    assert_eq!(size.1, height * POSTER_MAX_WIDTH / width);
    for format in VideoFormat::available() {
        let dir = temp_dir(&format!("poster-{}", format.name()));
        let env = Painted::sized(STEPS, width, height, Some(25));
        let mut env = RecordingConfig::new(&dir)
            .episode_trigger(Trigger::always())
            .format(format)
            .gallery()
            .wrap(env)
            .unwrap();
        for _ in 0..2 {
            env.reset(None).unwrap();
            while !env.step(0).unwrap().done() {}
        }
        let videos = env.take_report().into_result().unwrap();
        drop(env);
        assert_eq!(videos.len(), 2, "{format}");
        for (episode, video) in videos.iter().enumerate() {
            let path = &video.facts.path;
            let frames = video.facts.frames;
            assert_eq!(frames, STEPS + 1);
            let poster_file = poster_path(path);
            let entry = read_sidecar(path).unwrap();
            assert_eq!(
                entry.poster.as_deref(),
                poster_file.file_name().and_then(|n| n.to_str()),
                "{format}: the sidecar names the poster"
            );
            assert_eq!(read_index(&dir).unwrap()[episode], entry);

            let poster = image::open(&poster_file)
                .unwrap_or_else(|e| panic!("{}: {e}", poster_file.display()))
                .to_rgb8();
            assert_eq!(poster.dimensions(), size, "{format}");
            // Which frame: the left half's level is its step.
            let left = poster.get_pixel(size.0 / 4, size.1 / 2).0;
            let k = step_of(left[0], frames)
                .unwrap_or_else(|| panic!("{format}: left level {left:?} is no frame's"));
            let third = (frames - 1) as f64 / 3.0;
            assert!(
                k as f64 >= third && k as f64 <= 2.0 * third,
                "{format}: frame {k} of {frames} is not from the middle third"
            );
            // The whole poster is that frame, downscaled: the two halves
            // exactly (the tap sees the frames before they are encoded),
            // the column where they meet averaged.
            let right = right_level(episode as u64);
            for (x, _, p) in poster.enumerate_pixels() {
                if x + 1 < size.0 / 2 {
                    assert_eq!(p.0, [left_level(k); 3], "{format} at x={x}");
                } else if x > size.0 / 2 {
                    assert_eq!(p.0, [right; 3], "{format} at x={x}");
                }
            }
            // And the video holds that frame, as decoded back.
            let mut decoded: Option<RgbImage> = None;
            decode_rgb(path, |i, frame| {
                if i == k {
                    decoded = Some(frame.clone());
                }
                i < k
            })
            .unwrap();
            let decoded = decoded.unwrap_or_else(|| panic!("{format}: no frame {k}"));
            let small = image::imageops::thumbnail(&decoded, size.0, size.1);
            let diff: f64 = small
                .as_raw()
                .iter()
                .zip(poster.as_raw())
                .map(|(a, b)| f64::from(a.abs_diff(*b)))
                .sum::<f64>()
                / poster.as_raw().len() as f64;
            assert!(
                diff < 3.0,
                "{format}: the poster differs from frame {k} by {diff:.2} on average"
            );
        }
        // The gallery shows the posters.
        let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
        for video in &videos {
            let name = poster_path(&video.facts.path);
            let name = name.file_name().unwrap().to_str().unwrap();
            let shown = match format {
                VideoFormat::Mp4 | VideoFormat::WebM => format!(" poster=\"{name}\""),
                _ => format!(" src=\"{name}\""),
            };
            assert!(html.contains(&shown), "{format}: {shown} not in the page");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// Records one 4-step episode of a 64 × 48 `Painted` into `dir` with
/// `manifest`.
fn record_one(dir: &Path, manifest: Manifest) -> RecordedVideo {
    let env = Painted::sized(4, 64, 48, Some(25));
    let mut env = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .observer(manifest)
        .wrap(env)
        .unwrap();
    env.reset(None).unwrap();
    while !env.step(0).unwrap().done() {}
    let mut videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), 1, "one video expected");
    videos.remove(0)
}

#[test]
fn small_frames_keep_their_size_and_posters_can_be_turned_off() {
    let small = temp_dir("poster-small");
    let video = record_one(&small, Manifest::new());
    let poster = image::open(poster_path(&video.facts.path))
        .unwrap()
        .to_rgb8();
    assert_eq!(poster.dimensions(), (64, 48), "never scaled up");

    let dir = temp_dir("poster-off");
    let video = record_one(&dir, Manifest::new().posters(false));
    assert!(!poster_path(&video.facts.path).exists());
    assert_eq!(read_sidecar(&video.facts.path).unwrap().poster, None);
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    assert!(
        html.contains("<figure ") && !html.contains(".poster.png"),
        "no poster shown"
    );
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&small).ok();
}
