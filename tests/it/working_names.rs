//! Final names only for complete videos: a video is written under a
//! working name (`….mp4.part`) and renamed when complete; a killed
//! recorder's partial file plays, and the next recorder on the folder, or
//! `gymrec recover`, gives it its final name, marked incomplete, with the
//! frames it holds; a live recorder's working file is left alone. Every
//! video is decoded back.

use crate::common::{file_name, files, journal, kill_after_journal, temp_dir};
use gymrec::catalog::{ManifestEntry, read_sidecar};
use gymrec::env::Info;
use gymrec::record::{
    Recorder, RecordingConfig, RecordingSource, Trigger, VideoStart, recover, working_path,
};
use gymrec::video::decode_rgb;
use gymrec::video::probe::probe;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The env var that points the killed child at its folder.
const CHILD_DIR: &str = "GYMREC_WORKING_NAMES_CHILD";

/// An env-less recorder of 64×48 frames at 25 fps into `dir`, one video
/// per episode.
fn recorder(dir: &Path, prefix: &str) -> Recorder {
    let mut source = RecordingSource::new("painted frames");
    source.render_fps = Some(25);
    let config = RecordingConfig::new(dir)
        .name_prefix(prefix)
        .episode_trigger(Trigger::always())
        .gallery();
    Recorder::new(config, source).unwrap()
}

/// Records an episode of `len` steps (so `len + 1` frames), each frame a
/// different grey; `each(t)` runs after step `t`.
fn episode(recorder: &mut Recorder, len: u64, mut each: impl FnMut(u64)) {
    recorder.begin_episode().unwrap();
    let info = Info::new();
    for t in 0..=len {
        if t > 0 {
            recorder.step(1.0, t == len).unwrap();
        }
        if let Some(mut frame) = recorder.frame_buffer(64, 48) {
            frame.fill((t * 7 % 256) as u8);
            recorder.submit_frame(frame, &info);
        }
        each(t);
    }
}

/// The frames a file decodes to, counted one by one.
fn decoded(path: &Path) -> u64 {
    decode_rgb(path, |_, _| true).unwrap()
}

#[test]
fn a_reader_polling_the_folder_never_sees_a_video_that_is_not_whole() {
    let dir = temp_dir("working-poll");
    let done = AtomicBool::new(false);
    let (seen, working_seen, report) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            // Every *.mp4 the reader finds, with the frames it decoded then
            // (`None`: it did not decode).
            let mut seen: Vec<(String, Option<u64>)> = Vec::new();
            let mut working_seen = false;
            while !done.load(Ordering::Acquire) {
                for name in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let name = name.file_name().to_string_lossy().into_owned();
                    working_seen |= name.ends_with(".mp4.part");
                    if name.ends_with(".mp4") {
                        let frames = decode_rgb(&dir.join(&name), |_, _| true).ok();
                        seen.push((name, frames));
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (seen, working_seen)
        });
        let mut recorder = recorder(&dir, "rl-video");
        for _ in 0..12 {
            episode(&mut recorder, 120, |_| {
                std::thread::sleep(Duration::from_micros(300))
            });
        }
        let report = recorder.finish();
        done.store(true, Ordering::Release);
        let (seen, working_seen) = reader.join().unwrap();
        (seen, working_seen, report)
    });
    let videos = report.into_result().unwrap();
    assert_eq!(videos.len(), 12);
    let finals: BTreeMap<String, Option<u64>> = videos
        .iter()
        .map(|v| {
            let name = file_name(&v.facts.path);
            assert_eq!(decoded(&v.facts.path), 121, "{name}");
            (name, Some(v.facts.frames))
        })
        .collect();
    assert!(working_seen, "the reader never saw a video being written");
    assert!(!seen.is_empty(), "the reader never saw a finished video");
    for (name, frames) in &seen {
        assert_eq!(
            Some(frames),
            finals.get(name),
            "{name} was seen before it was whole"
        );
    }
    assert!(!files(&dir).iter().any(|n| n.ends_with(".part")));
}

/// In the child process of the kill tests: records two whole episodes of
/// 31 frames, then a long one in about real time, writing to the journal
/// the frames of the long one every 25, until it is killed. Does nothing
/// in a normal test run.
#[test]
#[ignore = "run by the kill tests in a child process"]
fn child_records_until_killed() {
    let dir = PathBuf::from(std::env::var(CHILD_DIR).expect("run by a kill test"));
    let mut recorder = recorder(&dir, "rl-video");
    episode(&mut recorder, 30, |_| {});
    episode(&mut recorder, 30, |_| {});
    let mut journal = std::fs::File::create(dir.join("journal.txt")).unwrap();
    episode(&mut recorder, u64::MAX / 2, |t| {
        if t % 25 == 0 {
            writeln!(journal, "{t}").unwrap();
        }
        std::thread::sleep(Duration::from_millis(4));
    });
}

/// Runs `child_records_until_killed` until its long video has over 200
/// frames, kills it, and checks what it left: two whole videos and the
/// long one's working file, which plays. Returns the working file and its
/// decoded frames.
fn kill_mid_video(dir: &Path) -> (PathBuf, u64) {
    std::fs::create_dir_all(dir).unwrap();
    kill_after_journal(
        module_path!(),
        "child_records_until_killed",
        CHILD_DIR,
        dir,
        10,
        Duration::from_secs(120),
    );
    assert!(journal(dir).len() >= 10);
    for episode in 0..2 {
        let path = dir.join(format!("rl-video-episode-{episode}.mp4"));
        assert_eq!(decoded(&path), 31, "{}", path.display());
    }
    let final_path = dir.join("rl-video-episode-2.mp4");
    assert!(!final_path.exists(), "a partial video got its final name");
    let part = working_path(&final_path);
    let frames = decoded(&part);
    assert!(frames >= 25, "the partial file holds {frames} frames");
    assert_eq!(probe(&part).unwrap().frames, frames);
    (part, frames)
}

/// The bytes of every file in `dir` whose name ends with `suffix`.
fn contents(dir: &Path, suffix: &str) -> BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|n| n.ends_with(suffix))
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
        .collect()
}

/// The recovered video's sidecar and index line say it is incomplete and
/// hold the frames its file decodes to.
fn assert_recovered_entry(dir: &Path, video: &Path, frames: u64) {
    let entry: ManifestEntry = read_sidecar(video).unwrap();
    assert!(entry.incomplete, "{entry:?}");
    assert_eq!(entry.facts.frames, frames);
    assert_eq!(entry.started_by, VideoStart::Episode(2));
    let name = video.file_name().unwrap().to_str().unwrap();
    let index = std::fs::read_to_string(dir.join("index.jsonl")).unwrap();
    let line: ManifestEntry = index
        .lines()
        .map(|l| serde_json::from_str::<ManifestEntry>(l).unwrap())
        .find(|e| e.file == name)
        .unwrap_or_else(|| panic!("no index line for {name}: {index}"));
    assert!(line.incomplete);
    assert_eq!(line.facts.frames, frames);
}

#[test]
fn the_next_recorder_on_the_folder_recovers_a_killed_recorders_video() {
    let dir = temp_dir("working-next");
    let (part, frames) = kill_mid_video(&dir);
    let before = contents(&dir, ".mp4");
    let part_bytes = std::fs::read(&part).unwrap();
    // Another prefix, so that the folder is not refused as holding videos.
    let mut next = recorder(&dir, "second");
    let report = next.take_report();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.videos.len(), 1, "{:?}", report.videos);
    let video = &report.videos[0];
    let final_path = dir.join("rl-video-episode-2.mp4");
    assert_eq!(video.facts.path, final_path);
    assert!(video.incomplete);
    assert_eq!((video.facts.frames, decoded(&final_path)), (frames, frames));
    assert_eq!(
        std::fs::read(&final_path).unwrap(),
        part_bytes,
        "renamed, not rewritten"
    );
    assert!(!part.exists());
    assert_recovered_entry(&dir, &final_path, frames);
    // The earlier videos are untouched, and the recorder records on.
    for (name, bytes) in before {
        assert_eq!(std::fs::read(dir.join(&name)).unwrap(), bytes, "{name}");
    }
    episode(&mut next, 10, |_| {});
    let videos = next.finish().into_result().unwrap();
    assert_eq!(decoded(&videos[0].facts.path), 11);
    assert!(!videos[0].incomplete);
}

#[cfg(feature = "cli")]
#[test]
fn gymrec_recover_names_a_killed_recorders_video_and_overwrites_nothing() {
    let dir = temp_dir("working-cli");
    let (part, frames) = kill_mid_video(&dir);
    // The final name is taken meanwhile: the recovered video gets another.
    let final_path = dir.join("rl-video-episode-2.mp4");
    std::fs::write(&final_path, b"someone else's").unwrap();
    let part_bytes = std::fs::read(&part).unwrap();
    let before = contents(&dir, ".mp4");
    let recover_cli = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gymrec"))
            .arg("recover")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let stdout = recover_cli();
    let recovered = dir.join("rl-video-episode-2~1.mp4");
    assert!(
        stdout.contains("rl-video-episode-2~1.mp4 (incomplete)"),
        "{stdout}"
    );
    assert_eq!(std::fs::read(&recovered).unwrap(), part_bytes);
    assert_eq!(decoded(&recovered), frames);
    assert!(!part.exists());
    for (name, bytes) in &before {
        assert_eq!(
            &std::fs::read(dir.join(name)).unwrap(),
            bytes,
            "{name} was overwritten"
        );
    }
    assert_recovered_entry(&dir, &recovered, frames);
    // Again: nothing left to do, nothing changed.
    let index = std::fs::read_to_string(dir.join("index.jsonl")).unwrap();
    assert!(recover_cli().contains("no partial video"));
    assert_eq!(
        std::fs::read_to_string(dir.join("index.jsonl")).unwrap(),
        index
    );
}

#[test]
fn a_live_recorders_working_file_is_left_alone() {
    let dir = temp_dir("working-live");
    let mut live = recorder(&dir, "live");
    episode(&mut live, 40, |_| {});
    // Its second video runs: frames handed over, not finished.
    live.begin_episode().unwrap();
    for _ in 0..30 {
        let frame = live.frame_buffer(64, 48).unwrap();
        live.submit_frame(frame, &Info::new());
        live.step(0.0, false).unwrap();
    }
    let part = working_path(&dir.join("live-episode-1.mp4"));
    assert!(part.exists(), "{:?}", files(&dir));
    // Another recorder on the folder, and recovery, leave it alone.
    let other = recorder(&dir, "other");
    assert!(recover(&dir).unwrap().is_empty());
    assert!(other.finish().videos.is_empty());
    assert!(part.exists());
    assert!(!dir.join("live-episode-1.mp4").exists());
    let frame = live.frame_buffer(64, 48).unwrap();
    live.submit_frame(frame, &Info::new());
    let videos = live.finish().into_result().unwrap();
    assert_eq!(videos.len(), 2);
    assert_eq!(decoded(&dir.join("live-episode-1.mp4")), 31);
    assert!(!videos[1].incomplete);
    assert!(!part.exists());
}

#[test]
fn a_partial_file_without_frames_is_left_and_not_deleted() {
    let dir = temp_dir("working-empty");
    std::fs::create_dir_all(&dir).unwrap();
    let part = dir.join("rl-video-episode-0.mp4.part");
    std::fs::write(&part, b"").unwrap();
    // Not a gymrec name: never looked at.
    let other = dir.join("download.mp4.part");
    std::fs::write(&other, b"x").unwrap();
    assert!(recover(&dir).unwrap().is_empty());
    assert!(part.exists() && other.exists());
    assert!(!dir.join("rl-video-episode-0.mp4").exists());
}
