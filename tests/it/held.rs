//! Pay only for what is kept: with a keep rule, snapshots are held, not
//! drawn nor encoded, until the rule decides. Kept videos decode to frames
//! byte-identical to live rendering (PNG, same seeds), through the wrapper
//! and the env-less Recorder; discarded episodes are never drawn and leave
//! no file; a small byte bound spills to a file that is gone afterwards;
//! a replay draws on the calling thread; best/worst windows wait with
//! their snapshots held; a killed process loses no kept video that was
//! finished.
#![cfg(all(feature = "png", feature = "gif"))]

use crate::common::{files, journal, kill_after_journal, temp_dir};
use gymrec::env::{Env, Info, RenderMode, SpaceValue};
use gymrec::policy::{Policy, Random};
use gymrec::record::{
    Keep, Overlay, RecordedVideo, Recorder, RecordingConfig, RecordingSource, Success, Trigger,
};
use gymrec::video::VideoFormat;
use gymrec::video::probe::decode_rgb;
use gymrec::{Frame, FrameRenderer, Snapshot};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every decoded frame of every video, as raw RGB bytes, by video.
fn decoded(videos: &[RecordedVideo]) -> Vec<Vec<Vec<u8>>> {
    videos
        .iter()
        .map(|video| {
            let mut frames = Vec::new();
            decode_rgb(&video.facts.path, |_, img| {
                frames.push(img.as_raw().clone());
                true
            })
            .unwrap();
            frames
        })
        .collect()
}

/// Episode ids shown by each video.
fn episodes(videos: &[RecordedVideo]) -> Vec<u64> {
    videos.iter().map(|v| v.episodes[0].episode).collect()
}

/// Records six seeded CartPole episodes (random actions, to the end)
/// through the wrapper into PNG sequences, every episode triggered, with
/// an overlay; `keep` odd episodes (held snapshots) or every one, and
/// `deferred` snapshots or frames rendered on the env thread.
fn wrapped_cartpole(dir: &Path, keep: bool, deferred: bool) -> Vec<RecordedVideo> {
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut config = RecordingConfig::new(dir)
        .format(VideoFormat::Png)
        .episode_trigger(Trigger::always())
        .overlay(Overlay::new())
        .deferred_rendering(deferred);
    if keep {
        config = config.keep(Keep::when(|end| end.id % 2 == 1));
    }
    let mut env = config.wrap(env).unwrap();
    assert_eq!(env.recorder().renders_snapshots(), deferred);
    let mut policy = Random::new(env.action_space().clone(), 11);
    for seed in 0..6 {
        let (mut obs, _) = env.reset(Some(seed)).unwrap();
        loop {
            let step = env.step(policy.act(&obs)).unwrap();
            if step.done() {
                break;
            }
            obs = step.obs;
        }
    }
    env.finish().into_result().unwrap()
}

#[test]
fn held_snapshots_give_the_frames_live_rendering_gives_through_the_wrapper() {
    let (held_dir, live_dir) = (temp_dir("held-wrapper"), temp_dir("held-wrapper-live"));
    let held = wrapped_cartpole(&held_dir, true, true);
    let live = wrapped_cartpole(&live_dir, false, false);
    assert_eq!(episodes(&held), [1, 3, 5]);
    let live_odd: Vec<RecordedVideo> = live
        .into_iter()
        .filter(|v| v.episodes[0].episode % 2 == 1)
        .collect();
    let (held_frames, live_frames) = (decoded(&held), decoded(&live_odd));
    assert!(
        held_frames.iter().all(|v| v.len() > 5),
        "{:?}",
        held_frames.iter().map(Vec::len).collect::<Vec<_>>()
    );
    assert_eq!(
        held_frames, live_frames,
        "held frames differ from live ones"
    );
    for (video, frames) in held.iter().zip(&held_frames) {
        assert_eq!(video.facts.frames, frames.len() as u64);
    }
    for dir in [held_dir, live_dir] {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// Draws a snapshot's first byte as a grey level, counting calls.
#[derive(Clone)]
struct Grey(Arc<AtomicU64>);

impl FrameRenderer for Grey {
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> gymrec::Result<()> {
        self.0.fetch_add(1, Ordering::Relaxed);
        let level = snapshot.reader().bytes(1)?[0];
        frame.fill(level);
        Ok(())
    }
}

/// The grey level of step `t` of episode `id`.
fn level(id: u64, t: u64) -> u8 {
    (10 + id * 37 + t * 5) as u8
}

/// How the env-less recorders draw snapshots in these tests.
#[derive(Clone, Copy, PartialEq)]
enum Drawing {
    Renderer,
    Replay,
}

/// Records `lengths.len()` scripted episodes through the env-less Recorder
/// (every one triggered, GIF 16×8) with snapshots drawn by `drawing`,
/// counting draws in `draws`; an episode of even length terminates (a
/// failure), an odd one is truncated. `each(id, t, recorder)` runs after
/// each captured snapshot.
fn scripted(
    config: RecordingConfig,
    lengths: &[u64],
    drawing: Drawing,
    draws: &Arc<AtomicU64>,
    mut each: impl FnMut(u64, u64, &Recorder),
) -> Vec<RecordedVideo> {
    let config = config
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Gif)
        .fps(10);
    let mut recorder = Recorder::new(config, RecordingSource::new("scripted")).unwrap();
    match drawing {
        Drawing::Renderer => recorder.set_renderer(Some(Box::new(Grey(Arc::clone(draws))))),
        Drawing::Replay => {
            let mut grey = Grey(Arc::clone(draws));
            let thread = std::thread::current().id();
            recorder.set_snapshot_replay(Some(Box::new(move |snapshot, frame| {
                assert_eq!(
                    std::thread::current().id(),
                    thread,
                    "replayed on another thread"
                );
                grey.render(snapshot, frame)
            })));
        }
    }
    for (id, &length) in lengths.iter().enumerate() {
        let id = id as u64;
        recorder.begin_episode().unwrap();
        for t in 0..=length {
            if t > 0 {
                let end = t == length;
                let failed = length % 2 == 0;
                recorder
                    .step_ended(1.0, end && failed, end && !failed, &Info::new())
                    .unwrap();
            }
            if let Some(mut snapshot) = recorder.snapshot_buffer(16, 8) {
                snapshot.push_bytes(&[level(id, t)]);
                recorder.submit_snapshot(snapshot, &Info::new());
            }
            each(id, t, &recorder);
        }
    }
    recorder.finish().into_result().unwrap()
}

/// The grey levels of a GIF's frames (every pixel of a frame one level).
fn levels(path: &Path) -> Vec<u8> {
    let mut levels = Vec::new();
    decode_rgb(path, |_, frame| {
        let first = frame.get_pixel(0, 0).0[0];
        assert!(frame.pixels().all(|p| p.0[0] == first));
        levels.push(first);
        true
    })
    .unwrap();
    levels
}

/// Each kept video shows its episode's levels, every step.
fn assert_shows(videos: &[RecordedVideo], lengths: &[u64]) {
    for video in videos {
        let id = video.episodes[0].episode;
        let want: Vec<u8> = (0..=lengths[id as usize]).map(|t| level(id, t)).collect();
        assert_eq!(
            levels(&video.facts.path),
            want,
            "{}",
            video.facts.path.display()
        );
    }
}

#[test]
fn discarded_episodes_are_never_drawn_nor_written() {
    for drawing in [Drawing::Renderer, Drawing::Replay] {
        let dir = temp_dir(&format!("held-never-drawn-{}", drawing as u8));
        let lengths = [3, 5, 4, 7, 9, 6, 3];
        let draws = Arc::new(AtomicU64::new(0));
        let mut files_while_recording = Vec::new();
        let config = RecordingConfig::new(&dir)
            .keep(Keep::failures(Success::Truncated))
            .outcome_in_name(true);
        let videos = scripted(config, &lengths, drawing, &draws, |id, t, _| {
            if t == 2 {
                files_while_recording.push((id, files(&dir)));
            }
        });
        assert_eq!(episodes(&videos), [2, 5]);
        assert_eq!(
            gifs(&dir),
            [
                "rl-video-episode-2-failure.gif",
                "rl-video-episode-5-failure.gif"
            ]
        );
        // Only the kept episodes' snapshots were drawn: 5 + 7 frames.
        assert_eq!(draws.load(Ordering::Relaxed), 5 + 7);
        assert_shows(&videos, &lengths);
        // While an episode records nothing of it is on disk.
        for (id, names) in files_while_recording {
            assert!(
                !names.iter().any(|n| n.contains(&format!("episode-{id}"))),
                "episode {id}: {names:?}"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// Video file names in `dir` (`.gif`), sorted.
fn gifs(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|f| f.ends_with(".gif"))
        .collect()
}

/// The spill files this process has open (unlinked) in `dir`.
fn open_spills(dir: &Path) -> Vec<PathBuf> {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| {
            let text = target.to_string_lossy();
            target.starts_with(dir) && text.contains(".held")
        })
        .collect()
}

#[test]
fn a_small_byte_bound_spills_to_a_file_and_the_frames_are_exact() {
    for drawing in [Drawing::Renderer, Drawing::Replay] {
        let dir = temp_dir(&format!("held-spill-{}", drawing as u8));
        let lengths = [40, 41, 60, 3];
        let draws = Arc::new(AtomicU64::new(0));
        let mut spilling_seen = false;
        // Room for a few snapshots: the rest of each episode spills.
        let config = RecordingConfig::new(&dir)
            .keep(Keep::failures(Success::Truncated))
            .held_snapshot_bytes(500);
        let videos = scripted(config, &lengths, drawing, &draws, |id, t, _| {
            if (id, t) == (0, 30) {
                let spills = open_spills(&dir);
                assert_eq!(spills.len(), 1, "{spills:?}");
                // Unlinked at once: nothing of it in the folder.
                assert!(!files(&dir).iter().any(|f| f.contains(".held")));
                spilling_seen = true;
            }
        });
        assert!(spilling_seen);
        assert_eq!(episodes(&videos), [0, 2]);
        assert_shows(&videos, &lengths);
        assert_eq!(draws.load(Ordering::Relaxed), 41 + 61);
        assert!(open_spills(&dir).is_empty(), "{:?}", open_spills(&dir));
        assert_eq!(
            gifs(&dir),
            ["rl-video-episode-0.gif", "rl-video-episode-2.gif"]
        );
        assert_eq!(files(&dir).len(), 2, "{:?}", files(&dir));
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn best_and_worst_windows_wait_with_their_snapshots_held() {
    let dir = temp_dir("held-best-worst");
    // Returns are the lengths: window 0 (episodes 0-4) best 1, worst 3;
    // window 1 (5-9) best 6, worst 5; window 2 (10, ended by the report).
    let lengths = [5, 9, 4, 2, 7, 1, 12, 3, 5, 6, 4];
    let draws = Arc::new(AtomicU64::new(0));
    let mut waiting_seen = false;
    let config = RecordingConfig::new(&dir)
        .keep(Keep::any([Keep::best(1, 5), Keep::worst(1, 5)]))
        .outcome_in_name(true);
    let videos = scripted(config, &lengths, Drawing::Renderer, &draws, |id, t, _| {
        if (id, t) == (4, 0) {
            // Episodes 0-3 are over and wait for their window: nothing is
            // drawn nor on disk, not even under a working name.
            assert_eq!(draws.load(Ordering::Relaxed), 0);
            assert!(files(&dir).is_empty(), "{:?}", files(&dir));
            waiting_seen = true;
        }
    });
    assert!(waiting_seen);
    let want = [
        (1, "best"),
        (3, "worst"),
        (5, "worst"),
        (6, "best"),
        (10, "best"),
    ];
    assert_eq!(episodes(&videos), want.map(|(id, _)| id));
    for (video, (id, label)) in videos.iter().zip(want) {
        assert_eq!(video.outcome.as_deref(), Some(label));
        assert!(
            video
                .facts
                .path
                .ends_with(format!("rl-video-episode-{id}-{label}.gif"))
        );
    }
    assert_shows(&videos, &lengths);
    let drawn: u64 = want.iter().map(|(id, _)| lengths[*id as usize] + 1).sum();
    assert_eq!(draws.load(Ordering::Relaxed), drawn);
    assert_eq!(files(&dir).len(), want.len(), "{:?}", files(&dir));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_env_less_recorder_holds_cartpole_snapshots_and_draws_them_exactly() {
    let (held_dir, live_dir) = (temp_dir("held-cartpole"), temp_dir("held-cartpole-live"));
    let record = |dir: &Path, hold: bool| {
        let mut env = gymrec::env::classic::CartPole::new(RenderMode::RgbArray);
        let mut config = RecordingConfig::new(dir)
            .format(VideoFormat::Png)
            .episode_trigger(Trigger::always());
        if hold {
            config = config
                .keep(Keep::failures(Success::Truncated))
                .held_snapshot_bytes(2_000);
        }
        let mut recorder = Recorder::new(config, RecordingSource::of_env(&env)).unwrap();
        if hold {
            recorder.set_renderer(env.frame_renderer());
        }
        let size = env.frame_size().unwrap();
        let mut policy = Random::new(env.action_space().clone(), 5);
        let mut fell = Vec::new();
        for seed in 0..8 {
            let (mut obs, _) = env.reset(Some(seed)).unwrap();
            recorder.begin_episode().unwrap();
            for t in 0..=25 {
                let mut done = false;
                if t > 0 {
                    let step = env.step(action(&mut policy, &obs)).unwrap();
                    // Truncated at 25 steps unless it fell.
                    let truncated = t == 25 && !step.terminated;
                    recorder
                        .step_ended(step.reward, step.terminated, truncated, &Info::new())
                        .unwrap();
                    if step.terminated {
                        fell.push(seed);
                    }
                    done = step.terminated || truncated;
                    obs = step.obs;
                }
                if hold {
                    recorder.capture_snapshot(size, |s| env.snapshot_into(s), &Info::new());
                } else {
                    recorder.capture(size, |f| env.render_into(f), &Info::new());
                }
                if done {
                    break;
                }
            }
        }
        (recorder.finish().into_result().unwrap(), fell)
    };
    let (held, fell) = record(&held_dir, true);
    let (live, _) = record(&live_dir, false);
    let kept = episodes(&held);
    assert_eq!(kept, fell);
    assert!(!kept.is_empty() && kept.len() < 8, "{kept:?}");
    let live: Vec<RecordedVideo> = live
        .into_iter()
        .filter(|v| kept.contains(&v.episodes[0].episode))
        .collect();
    assert_eq!(decoded(&held), decoded(&live));
    for dir in [held_dir, live_dir] {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// The env var that points the killed child at its folder.
const CHILD_DIR: &str = "GYMREC_HELD_CHILD";

/// In the child process of the kill test: records CartPole episodes with
/// held snapshots, keeping failures, and writes each kept video's frames
/// to the journal once it is reported, until it is killed. Does nothing in
/// a normal test run.
#[test]
#[ignore = "run by the kill test in a child process"]
fn child_keeps_failures_until_killed() {
    let dir = PathBuf::from(std::env::var(CHILD_DIR).expect("run by the kill test"));
    let names = Arc::new(std::sync::Mutex::new(
        std::fs::File::create(dir.join("names.txt")).unwrap(),
    ));
    let journal = Arc::new(std::sync::Mutex::new(
        std::fs::File::create(dir.join("journal.txt")).unwrap(),
    ));
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut env = RecordingConfig::new(&dir)
        .format(VideoFormat::Gif)
        .episode_trigger(Trigger::always())
        .keep(Keep::failures(Success::Truncated))
        .outcome_in_name(true)
        .on_video(move |video| {
            let name = video
                .facts
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            writeln!(names.lock().unwrap(), "{name} {}", video.facts.frames).unwrap();
            writeln!(journal.lock().unwrap(), "{}", video.facts.frames).unwrap();
            Ok(())
        })
        .wrap(env)
        .unwrap();
    let mut policy = Random::new(env.action_space().clone(), 3);
    for seed in 0.. {
        let (mut obs, _) = env.reset(Some(seed)).unwrap();
        // Random actions topple the pole within a few dozen steps (a
        // failure, kept); every third episode is left at 8 steps (no end:
        // dropped).
        for t in 1.. {
            let step = env.step(policy.act(&obs)).unwrap();
            if step.done() || (seed % 3 == 0 && t == 8) {
                break;
            }
            obs = step.obs;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_killed_process_loses_no_kept_video_that_was_finished() {
    let dir = temp_dir("held-killed");
    std::fs::create_dir_all(&dir).unwrap();
    kill_after_journal(
        module_path!(),
        "child_keeps_failures_until_killed",
        CHILD_DIR,
        &dir,
        6,
        Duration::from_secs(120),
    );
    let listed = std::fs::read_to_string(dir.join("names.txt")).unwrap();
    let reported: Vec<(String, u64)> = listed
        .lines()
        .map(|l| {
            let (name, frames) = l.split_once(' ').unwrap();
            (name.to_string(), frames.parse().unwrap())
        })
        .collect();
    assert!(reported.len() >= journal(&dir).len().min(6));
    for (name, frames) in &reported {
        let path = dir.join(name);
        assert!(name.ends_with("-failure.gif"), "{name}");
        assert_eq!(decode_rgb(&path, |_, _| true).unwrap(), *frames, "{name}");
    }
    // Nothing but kept videos and the journals: no spill file, no working
    // file of a held video.
    for name in files(&dir) {
        assert!(
            name.ends_with("-failure.gif") || name.ends_with(".txt") || name.ends_with(".gif.part"),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// CartPole's action from a policy's.
fn action(policy: &mut Random, obs: &[f32]) -> i64 {
    match policy.act(obs) {
        SpaceValue::Discrete(a) => a,
        other => panic!("CartPole takes a discrete action, not {other:?}"),
    }
}
