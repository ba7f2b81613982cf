//! Reliability: what happens when things go wrong. Every case ends with a
//! clear error or a documented outcome, never a panic or a corrupt file.

mod common;

use common::{Painted, file_name, files, run, temp_dir};
use gymrec::env::wrappers::EpisodeStatistics;
use gymrec::env::{Env, Frame, Info, Step};
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::video::probe::probe;
// What the tests that run the `gymrec` binary use.
#[cfg(feature = "cli")]
use std::path::Path;
#[cfg(feature = "cli")]
use std::process::{Command, Stdio};
#[cfg(feature = "cli")]
use std::time::{Duration, Instant};

/// Open file descriptors and threads of this process.
fn fds_and_threads() -> (usize, usize) {
    let count = |dir: &str| std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    (count("/proc/self/fd"), count("/proc/self/task"))
}

/// Resident memory of this process in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

#[test]
fn ten_thousand_episodes_leak_no_threads_files_or_memory() {
    let dir = temp_dir("soak");
    let mut env = RecordingConfig::new(&dir).wrap(Painted::new(1)).unwrap(); // cubic schedule
    run(&mut env, 200); // warm up: a few videos, pools and allocator settled
    let (fds0, threads0) = fds_and_threads();
    let rss0 = rss_kib();
    run(&mut env, 9_800);
    let report = env.take_report();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let (fds1, threads1) = fds_and_threads();
    let rss1 = rss_kib();
    // Episodes 0, 1, 8, 27, ..., 729 and 1000, 2000, ..., 9000.
    assert_eq!(files(&dir).len(), 10 + 9);
    assert_eq!(report.videos.len(), 19);
    assert!(fds1 <= fds0, "file descriptors {fds0} -> {fds1}");
    assert!(threads1 <= threads0, "threads {threads0} -> {threads1}");
    assert!(rss1 <= rss0 + 8 * 1024, "RSS {rss0} KiB -> {rss1} KiB");
}

/// An env whose rendering fails from a given step of episode 1 on.
#[derive(Debug)]
struct FailingRender(Painted);

impl Env for FailingRender {
    type Obs = u64;
    type Action = i64;
    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.0.reset(seed)
    }
    fn step(&mut self, a: i64) -> gymrec::Result<Step<u64>> {
        self.0.step(a)
    }
    forward_to_painted!();
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        if self.0.episode == 1 && self.0.t >= 2 {
            return Err(gymrec::Error::NoFrames {
                env: "FailingRender".into(),
                mode: "broken".into(),
            });
        }
        self.0.render_into(frame)
    }
}

#[test]
fn a_render_failure_stops_that_video_only() {
    let dir = temp_dir("render-fail");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(FailingRender(Painted::new(4)))
        .unwrap();
    run(&mut env, 3);
    let report = env.take_report();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].to_string().contains("FailingRender"));
    // Episode 1's video holds the frames rendered before the failure.
    let frames: Vec<(String, u64)> = report
        .videos
        .iter()
        .map(|v| {
            let name = file_name(&v.facts.path);
            (name, probe(&v.facts.path).unwrap().frames)
        })
        .collect();
    assert_eq!(
        frames,
        [
            ("rl-video-episode-0.mp4".to_string(), 5),
            ("rl-video-episode-1.mp4".to_string(), 2),
            ("rl-video-episode-2.mp4".to_string(), 5)
        ]
    );
}

#[test]
fn a_vanished_folder_is_an_error_for_the_next_video_and_the_loop_goes_on() {
    let dir = temp_dir("vanish");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Painted::new(3))
        .unwrap();
    run(&mut env, 1);
    // Episode 0's video is finalized and reported (take_report waits for
    // its encoder); then the folder vanishes.
    let first = env.take_report();
    assert_eq!(first.videos.len(), 1, "{:?}", first.errors);
    std::fs::remove_dir_all(&dir).unwrap();
    run(&mut env, 3); // episodes 1 to 3 cannot open their files
    let report = env.take_report();
    assert!(report.videos.is_empty(), "{:?}", report.videos);
    // Each error names the path.
    assert!(report.errors.len() >= 2, "{:?}", report.errors);
    for err in &report.errors {
        assert!(err.to_string().contains(&*dir.to_string_lossy()), "{err}");
    }
}

#[test]
fn non_finite_rewards_are_reported_not_fatal() {
    /// Rewards NaN at step 2, +inf at step 3.
    #[derive(Debug)]
    struct Weird(Painted);
    impl Env for Weird {
        type Obs = u64;
        type Action = i64;
        fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
            self.0.reset(seed)
        }
        fn step(&mut self, a: i64) -> gymrec::Result<Step<u64>> {
            let mut step = self.0.step(a)?;
            step.reward = match self.0.t {
                2 => f64::NAN,
                3 => f64::INFINITY,
                _ => step.reward,
            };
            Ok(step)
        }
        forward_to_painted!();
        fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
            self.0.render_into(frame)
        }
    }
    let dir = temp_dir("nan");
    let env = EpisodeStatistics::new(Weird(Painted::new(4)));
    // The overlay prints the NaN and infinite returns as text.
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .overlay(gymrec::record::Overlay::new())
        .wrap(env)
        .unwrap();
    env.reset(None).unwrap();
    let mut last = env.step(0).unwrap();
    while !last.done() {
        last = env.step(0).unwrap();
    }
    // Gymnasium puts the return into info; a NaN return becomes JSON null.
    assert!(last.info["episode"]["r"].is_null());
    assert_eq!(last.info["episode"]["l"], 4);
    let videos = env.take_report().into_result().unwrap();
    assert!(videos[0].episodes[0].ret.is_nan());
    assert_eq!(probe(&videos[0].facts.path).unwrap().frames, 5);
    // The metadata still serializes (non-finite numbers as null).
    let json = serde_json::to_string(&videos[0]).unwrap();
    assert!(json.contains("\"return\":null"), "{json}");
}

#[test]
fn several_recorders_in_several_threads_share_one_folder() {
    let dir = temp_dir("threads");
    std::thread::scope(|s| {
        for t in 0..4 {
            let dir = dir.clone();
            s.spawn(move || {
                let mut env = RecordingConfig::new(&dir)
                    .name_prefix(format!("worker{t}"))
                    .episode_trigger(Trigger::always())
                    .wrap(Painted::new(6))
                    .unwrap();
                run(&mut env, 3);
                env.take_report().into_result().unwrap()
            });
        }
    });
    let names = files(&dir);
    assert_eq!(names.len(), 12, "{names:?}");
    for name in names {
        assert_eq!(probe(&dir.join(&name)).unwrap().frames, 7, "{name}");
    }
}

#[cfg(feature = "cli")]
/// The `gymrec` binary, recording CartPole episodes of 101 frames each.
fn record_cartpole(dir: &Path, episodes: u64) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gymrec"));
    cmd.args([
        "record",
        "--env",
        "CartPole-v1",
        "--episodes",
        &episodes.to_string(),
        "--policy",
        "heuristic",
        "--max-episode-steps",
        "100",
        "--trigger",
        "all",
        "--quiet",
        "--out",
    ])
    .arg(dir)
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    cmd
}

#[cfg(feature = "cli")]
#[test]
fn killed_at_random_points_every_file_decodes_and_earlier_videos_are_whole() {
    // Kill points spread over the first few videos, fixed for repeatability.
    let kill_after_ms = [150, 400, 650, 900, 1300, 1700, 2200, 2900];
    for (round, ms) in kill_after_ms.into_iter().enumerate() {
        let dir = temp_dir(&format!("kill-{round}"));
        let mut child = record_cartpole(&dir, 1000).spawn().unwrap();
        // Time from the first file on, so that start-up does not count.
        let started = Instant::now();
        while !files_if_any(&dir).iter().any(|n| n.ends_with(".mp4.part")) {
            assert!(started.elapsed() < Duration::from_secs(60));
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // Whole videos have their final names; the ones being written when
        // the process died, their working names (`….mp4.part`).
        let names: Vec<String> = files(&dir)
            .into_iter()
            .filter(|n| n.ends_with(".mp4") || n.ends_with(".mp4.part"))
            .collect();
        // Up to one video per core encodes at once: a video starts only
        // when the one `cores` before it is finished, so only the newest
        // `cores` videos may be cut short.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let newest = names.iter().map(|n| episode_of(n)).max().unwrap();
        for name in &names {
            let p = match probe(&dir.join(name)) {
                Ok(p) => p,
                // A writer killed between making its working file and
                // writing the container's header leaves nothing to play
                // (recovery leaves such a file in place, warned): only the
                // newest videos' working files may be so.
                Err(_) if name.ends_with(".part") && episode_of(name) + cores > newest => continue,
                Err(e) => panic!("round {round}: {name} does not decode: {e}"),
            };
            if name.ends_with(".mp4") {
                assert_eq!(
                    p.frames, 101,
                    "round {round}: {name} has its final name but is not whole"
                );
            }
            if episode_of(name) + cores <= newest {
                assert_eq!(p.frames, 101, "round {round}: earlier video {name} damaged");
            } else {
                assert!(p.frames <= 101, "round {round}: {name}");
            }
        }
        // Every video the index lists as finished is whole.
        let index = std::fs::read_to_string(dir.join("index.jsonl")).unwrap_or_default();
        for line in index.lines() {
            let entry: serde_json::Value = serde_json::from_str(line).unwrap();
            let file = entry["file"].as_str().unwrap();
            let p = probe(&dir.join(file)).unwrap();
            assert_eq!(
                p.frames, 101,
                "round {round}: {file} is indexed but not whole"
            );
        }
    }
}

#[cfg(feature = "cli")]
fn files_if_any(dir: &Path) -> Vec<String> {
    if dir.exists() { files(dir) } else { Vec::new() }
}

#[cfg(feature = "cli")]
fn episode_of(name: &str) -> u64 {
    name.trim_start_matches("rl-video-episode-")
        .trim_end_matches(".part")
        .trim_end_matches(".mp4")
        .parse()
        .unwrap()
}

/// A small tmpfs mounted for the test and unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// A 512 KiB tmpfs; the test fails where it cannot be mounted.
    #[cfg(feature = "cli")]
    fn mount(name: &str) -> SmallDisk {
        SmallDisk::try_mount(name, 512).expect(
            "this test mounts a 512 KiB tmpfs as a full disk and needs root (CI runs as root)",
        )
    }

    /// A tmpfs of `kib` KiB, or `None` where it cannot be mounted (not
    /// root, no `mount`).
    fn try_mount(name: &str, kib: u64) -> Option<SmallDisk> {
        let dir = temp_dir(name);
        std::fs::create_dir_all(&dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status();
        if status.is_ok_and(|s| s.success()) {
            Some(SmallDisk(dir))
        } else {
            let _ = std::fs::remove_dir_all(&dir);
            None
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Records `episodes` episodes of 41 frames of noise (the same in every
/// episode, so every video has about the same size) into `dir`, every one
/// a video.
fn record_noise(dir: &std::path::Path, episodes: u64) -> gymrec::record::RecordingReport {
    use gymrec::record::{Recorder, RecordingSource};
    let config = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .fps(30)
        .overwrite(true);
    let mut recorder = Recorder::new(config, RecordingSource::new("noise")).unwrap();
    for _ in 0..episodes {
        recorder.begin_episode().unwrap();
        let mut seed = 1u64;
        for t in 0..=40 {
            if t > 0 {
                recorder.step(1.0, t == 40).unwrap();
            }
            if let Some(mut frame) = recorder.frame_buffer(200, 200) {
                for p in frame.iter_mut() {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    *p = (seed >> 56) as u8;
                }
                recorder.submit_frame(frame, &Info::new());
            }
        }
    }
    recorder.finish()
}

/// Free bytes on the file system of `dir`.
fn free_bytes(dir: &std::path::Path) -> u64 {
    let out = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().nth(1).unwrap().trim().parse().unwrap()
}

#[test]
fn a_disk_filling_while_a_video_finishes_in_the_background_names_that_video() {
    // One video's size, written where there is room.
    let scratch = temp_dir("noise-size");
    let whole = record_noise(&scratch, 1).into_result().unwrap();
    let size = whole[0].facts.bytes;
    let _ = std::fs::remove_dir_all(&scratch);
    let Some(disk) = SmallDisk::try_mount("full-background", 4096) else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    // Room for episode 0 and for most of episode 1: its first fragment (30
    // of 41 frames, written while it records) fits, its last one (written
    // as it finishes in the background, while episode 2 records) does not.
    let room = size + size * 87 / 100;
    let filler = free_bytes(&disk.0) - room;
    std::fs::write(disk.0.join("filler"), vec![0u8; filler as usize]).unwrap();
    let report = record_noise(&disk.0, 3);
    let named = |name: &str| report.errors.iter().any(|e| e.to_string().contains(name));
    assert!(named("rl-video-episode-1.mp4"), "{:?}", report.errors);
    // No video is reported with more frames than its file holds; a video
    // cut short is reported incomplete.
    for video in &report.videos {
        let decoded = probe(&video.facts.path).unwrap().frames;
        assert_eq!(video.facts.frames, decoded, "{video:?}");
        assert_eq!(video.incomplete, decoded < 41, "{video:?}");
    }
    let first = &report.videos[0];
    assert!(first.facts.path.ends_with("rl-video-episode-0.mp4"));
    assert_eq!((first.facts.frames, first.incomplete), (41, false));
    // Every other file is named by an error, or reported.
    for name in files(&disk.0).iter().filter(|n| n.ends_with(".mp4")) {
        let reported = report.videos.iter().any(|v| v.facts.path.ends_with(name));
        assert!(reported || named(name), "{name}: {:?}", report.errors);
    }
}

#[cfg(feature = "cli")]
#[test]
fn a_full_disk_is_reported_the_loop_runs_on_and_earlier_videos_are_intact() {
    let disk = SmallDisk::mount("full");
    let out = record_cartpole(&disk.0, 60)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a full disk must fail the run: {stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("No space left on device") || stderr.contains("space"),
        "{stderr}"
    );
    // Every episode still ran: the closing line counts them.
    assert!(stdout.contains("60 episodes, 6000 steps"), "{stdout}");
    // The videos finished before the disk filled are whole; the rest either
    // decode (cut short) or were never written.
    let names = files(&disk.0);
    let mut whole = 0;
    for name in names.iter().filter(|n| n.ends_with(".mp4")) {
        if let Ok(p) = probe(&disk.0.join(name)) {
            assert!(p.frames <= 101, "{name}");
            if p.frames == 101 {
                whole += 1;
            }
        }
    }
    assert!(whole >= 3, "{whole} whole videos among {names:?}");
    let first = probe(&disk.0.join("rl-video-episode-0.mp4")).unwrap();
    assert_eq!(first.frames, 101);
}
