//! The recording wrapper, through the public API: one test per rule of
//! Gymnasium's RecordVideo that gymrec keeps, and per defect it fixes (the
//! README's "Deliberate differences from Gymnasium"). Every video is
//! decoded back and checked.
//!
//! The test env ends each episode after a fixed number of steps and paints
//! each frame with its (episode, step) so that decoded frames can be matched
//! to the frames captured: the left half's grey level is 20 + 12·step, the
//! right half's 30 + 50·(episode mod 4).

use crate::common::{Painted, files, left_level, right_level, run, temp_dir};
use gymrec::env::{Env, Frame, Info, RenderMode, Step};
use gymrec::record::RecordedVideo;
use gymrec::record::{RecordMethod, RecordState, RecordingConfig, Trigger};
use gymrec::video::VideoFacts;
use gymrec::video::probe::{decode_rgb, probe};
use std::path::Path;

/// The (step, episode) painted into each decoded frame of `path`.
fn decoded_labels(path: &Path) -> Vec<(u64, u64)> {
    let mut labels = Vec::new();
    decode_rgb(path, |_, img| {
        let h = img.height() / 2;
        let left = img.get_pixel(img.width() / 4, h).0[0];
        let right = img.get_pixel(img.width() * 3 / 4, h).0[0];
        let step = (0..=19)
            .min_by_key(|&s| left_level(s).abs_diff(left))
            .unwrap();
        let episode = (0..4)
            .min_by_key(|&e| right_level(e).abs_diff(right))
            .unwrap();
        labels.push((step, episode));
        true
    })
    .unwrap();
    labels
}

/// Checks a written video against what the wrapper reported and against
/// the file itself.
fn check_video(facts: &VideoFacts, frames: u64, fps: u32) {
    assert_eq!(facts.frames, frames, "{}", facts.path.display());
    let p = probe(&facts.path).unwrap();
    assert_eq!(p.frames, frames, "{} decoded", facts.path.display());
    assert_eq!(
        (p.width, p.height),
        (facts.encoded_width, facts.encoded_height)
    );
    assert_eq!(p.pixel_format, "yuv420p");
    assert_eq!(p.codec, "h264");
    assert!((p.fps - fps as f64).abs() < 1e-6, "fps {}", p.fps);
    let expected = frames as f64 / fps as f64;
    assert!(
        (p.duration_secs - expected).abs() <= 1.0 / fps as f64,
        "duration {} vs {expected}",
        p.duration_secs
    );
}

#[test]
fn episode_trigger_records_reset_frame_plus_one_per_step() {
    let dir = temp_dir("episode");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 3);
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(
        files(&dir),
        [
            "rl-video-episode-0.mp4",
            "rl-video-episode-1.mp4",
            "rl-video-episode-2.mp4"
        ]
    );
    for (episode, v) in videos.iter().enumerate() {
        check_video(&v.facts, 6, 25);
        let labels = decoded_labels(&v.facts.path);
        let expected: Vec<(u64, u64)> = (0..6).map(|s| (s, episode as u64)).collect();
        assert_eq!(labels, expected, "{}", v.facts.path.display());
    }
}

#[test]
fn default_trigger_is_capped_cubic_over_30_episodes() {
    let dir = temp_dir("cubic");
    let mut env = RecordState::new(&dir, RecordMethod::Episode)
        .to_wrapper()
        .unwrap()
        .wrap(Painted::new(2))
        .unwrap();
    run(&mut env, 30);
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(
        files(&dir),
        [
            "rl-video-episode-0.mp4",
            "rl-video-episode-1.mp4",
            "rl-video-episode-27.mp4",
            "rl-video-episode-8.mp4"
        ]
    );
    assert!(videos.iter().all(|v| v.facts.frames == 3));
}

#[test]
fn step_trigger_without_length_stops_at_reset() {
    let dir = temp_dir("step0");
    let mut env = RecordingConfig::new(&dir)
        .step_trigger(Trigger::every(10).unwrap())
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 4); // steps 0..19, episodes of 5 steps
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(files(&dir), ["rl-video-step-0.mp4", "rl-video-step-10.mp4"]);
    // Starts after step 0 (its frame shows step 1 of episode 0) and runs to
    // the end of the episode: steps 1..=5.
    check_video(&videos[0].facts, 5, 25);
    assert_eq!(
        decoded_labels(&videos[0].facts.path),
        (1..=5).map(|s| (s, 0)).collect::<Vec<_>>()
    );
    // Step 10 is the first step of episode 2.
    assert_eq!(
        decoded_labels(&videos[1].facts.path),
        (1..=5).map(|s| (s, 2)).collect::<Vec<_>>()
    );
}

#[test]
fn step_trigger_with_length_runs_across_resets_and_has_exactly_n_frames() {
    let dir = temp_dir("step7");
    let mut env = RecordingConfig::new(&dir)
        .step_trigger(Trigger::every(100).unwrap())
        .video_length(7)
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 3);
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(files(&dir), ["rl-video-step-0.mp4"]);
    check_video(&videos[0].facts, 7, 25);
    // Steps 1..=5 of episode 0, then episode 1's reset frame and its first step.
    assert_eq!(
        decoded_labels(&videos[0].facts.path),
        [(1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (0, 1), (1, 1)]
    );
}

#[test]
fn video_length_gives_exactly_n_frames_for_episode_videos() {
    let dir = temp_dir("len3");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .video_length(3)
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 2);
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), 2);
    for v in &videos {
        check_video(&v.facts, 3, 25);
    }
    assert_eq!(
        decoded_labels(&videos[1].facts.path),
        [(0, 1), (1, 1), (2, 1)]
    );
}

#[test]
fn a_trigger_firing_while_recording_stops_the_running_video_first() {
    // Episode videos asked for 100 frames, but each reset starts a new one.
    let dir = temp_dir("refire-episode");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .video_length(100)
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 3);
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), 3);
    assert_eq!(
        videos.iter().map(|v| v.facts.frames).collect::<Vec<_>>(),
        [6, 6, 6]
    );

    // A step trigger every 3 steps with whole-episode length: each new
    // trigger cuts the running video.
    let dir = temp_dir("refire-step");
    let mut env = RecordingConfig::new(&dir)
        .step_trigger(Trigger::every(3).unwrap())
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 1);
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(files(&dir), ["rl-video-step-0.mp4", "rl-video-step-3.mp4"]);
    assert_eq!(
        decoded_labels(&videos[0].facts.path),
        [(1, 0), (2, 0), (3, 0)]
    );
    assert_eq!(decoded_labels(&videos[1].facts.path), [(4, 0), (5, 0)]);
}

#[test]
fn fps_comes_from_the_setting_then_metadata_then_30() {
    let dir = temp_dir("fps");
    let env = RecordingConfig::new(dir.join("a"))
        .fps(12)
        .wrap(Painted::new(2))
        .unwrap();
    assert_eq!(env.recorder().fps(), 12);
    let env = RecordingConfig::new(dir.join("b"))
        .wrap(Painted::new(2))
        .unwrap();
    assert_eq!(env.recorder().fps(), 25);
    let mut env = RecordingConfig::new(dir.join("c"))
        .episode_trigger(Trigger::always())
        .wrap(Painted::sized(2, 64, 48, None))
        .unwrap();
    assert_eq!(env.recorder().fps(), 30);
    run(&mut env, 1);
    let videos = env.take_report().into_result().unwrap();
    check_video(&videos[0].facts, 3, 30);
}

#[test]
fn odd_frame_sizes_are_padded_to_even_yuv420p() {
    let dir = temp_dir("odd");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Painted::sized(4, 63, 47, Some(25)))
        .unwrap();
    run(&mut env, 1);
    let videos = env.take_report().into_result().unwrap();
    let v = &videos[0].facts;
    assert_eq!((v.width, v.height), (63, 47));
    assert_eq!((v.encoded_width, v.encoded_height), (64, 48));
    check_video(v, 5, 25);
}

#[test]
fn the_last_video_is_finalized_when_the_wrapper_is_dropped() {
    let dir = temp_dir("drop");
    {
        let mut env = RecordingConfig::new(&dir)
            .episode_trigger(Trigger::always())
            .wrap(Painted::new(8))
            .unwrap();
        run(&mut env, 2);
        // No finish(), no close(): dropped here.
    }
    let last = dir.join("rl-video-episode-1.mp4");
    let p = probe(&last).unwrap();
    assert_eq!(p.frames, 9);
    assert_eq!(decoded_labels(&last).last(), Some(&(8, 1)));
}

#[test]
fn existing_videos_are_never_overwritten_unless_asked() {
    let dir = temp_dir("exists");
    std::fs::create_dir_all(&dir).unwrap();
    let existing = dir.join("rl-video-episode-3.mp4");
    std::fs::write(&existing, b"precious").unwrap();
    let err = RecordingConfig::new(&dir)
        .wrap(Painted::new(2))
        .unwrap_err()
        .to_string();
    assert!(err.contains("rl-video-episode-3.mp4"), "{err}");
    assert!(err.contains("overwrite"), "{err}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");

    // Another prefix in the same folder is fine; overwrite(true) is too.
    assert!(
        RecordingConfig::new(&dir)
            .name_prefix("eval")
            .wrap(Painted::new(2))
            .is_ok()
    );
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::every(3).unwrap())
        .overwrite(true)
        .wrap(Painted::new(2))
        .unwrap();
    run(&mut env, 4);
    env.take_report().into_result().unwrap();
    assert_eq!(probe(&existing).unwrap().frames, 3);
}

#[test]
fn bad_configurations_are_errors_at_construction() {
    let dir = temp_dir("bad");
    for prefix in ["a/b", "../up", ""] {
        let err = RecordingConfig::new(&dir)
            .name_prefix(prefix)
            .wrap(Painted::new(2))
            .unwrap_err()
            .to_string();
        assert!(err.contains("name_prefix"), "{prefix}: {err}");
    }
    let err = RecordingConfig::new(&dir)
        .fps(0)
        .wrap(Painted::new(2))
        .unwrap_err();
    assert!(err.to_string().contains("fps"), "{err}");

    let mut silent = Painted::new(2);
    silent.mode = RenderMode::None;
    let err = RecordingConfig::new(&dir)
        .wrap(silent)
        .unwrap_err()
        .to_string();
    assert!(err.contains("RgbArray"), "{err}");

    // A folder that cannot be created: its parent is a file.
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let err = RecordingConfig::new(file.join("videos"))
        .wrap(Painted::new(2))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not-a-folder"), "{err}");
}

#[test]
fn the_folder_is_created_when_missing() {
    let dir = temp_dir("nested").join("a/b/c");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Painted::new(1))
        .unwrap();
    run(&mut env, 1);
    env.take_report().into_result().unwrap();
    assert_eq!(files(&dir), ["rl-video-episode-0.mp4"]);
}

/// An env whose frames change size in its second episode.
#[derive(Debug)]
struct Resizing(Painted);

impl Env for Resizing {
    type Obs = u64;
    type Action = i64;
    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        let out = self.0.reset(seed)?;
        if self.0.episode == 1 {
            self.0.width = 80;
        }
        Ok(out)
    }
    fn step(&mut self, a: i64) -> gymrec::Result<Step<u64>> {
        if self.0.episode == 1 && self.0.t == 2 {
            self.0.width = 64;
        }
        self.0.step(a)
    }
    forward_to_painted!();
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        self.0.render_into(frame)
    }
}

#[test]
fn a_frame_whose_size_changed_stops_that_video_and_is_reported() {
    let dir = temp_dir("resize");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Resizing(Painted::new(4)))
        .unwrap();
    run(&mut env, 3); // the loop keeps running
    let report = env.take_report();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let err = report.errors[0].to_string();
    assert!(err.contains("80") && err.contains("64"), "{err}");
    assert!(err.contains("rl-video-episode-1.mp4"), "{err}");
    // Episodes 0 and 2 are complete and intact.
    let good: Vec<&RecordedVideo> = report
        .videos
        .iter()
        .filter(|v| !v.facts.path.ends_with("rl-video-episode-1.mp4"))
        .collect();
    assert_eq!(good.len(), 2);
    for v in good {
        check_video(&v.facts, 5, 25);
    }
}

#[test]
fn decoded_frames_of_a_classic_env_match_the_rendered_ones() {
    use gymrec::env::SpaceValue;
    let dir = temp_dir("psnr");
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .video_length(40)
        .wrap(env)
        .unwrap();
    let mut rendered = Vec::new();
    env.reset(Some(3)).unwrap();
    rendered.push(env.render().unwrap().unwrap());
    for i in 0..39 {
        env.step(SpaceValue::Discrete(i % 2)).unwrap();
        rendered.push(env.render().unwrap().unwrap());
    }
    let videos = env.take_report().into_result().unwrap();
    check_video(&videos[0].facts, 40, 50);
    let mut worst = f64::INFINITY;
    decode_rgb(&videos[0].facts.path, |i, img| {
        let ours = &rendered[i as usize];
        let mse = ours
            .as_raw()
            .iter()
            .zip(img.as_raw())
            .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
            .sum::<f64>()
            / ours.as_raw().len() as f64;
        worst = worst.min(10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10());
        true
    })
    .unwrap();
    eprintln!("CartPole: worst frame PSNR {worst:.2} dB");
    // CRF 23 on flat-coloured frames: every frame at least 35 dB.
    assert!(worst >= 35.0, "worst PSNR {worst:.1} dB");
}

#[test]
fn each_video_says_what_it_shows() {
    use gymrec::record::{EpisodeInVideo, VideoStart};
    let dir = temp_dir("meta");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::every(2).unwrap())
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 1);
    let videos = env.take_report().into_result().unwrap();
    let v = &videos[0];
    assert_eq!(v.started_by, VideoStart::Episode(0));
    assert_eq!(v.trigger, "every:2");
    assert_eq!(v.steps, Some((0, 4)));
    assert_eq!(
        v.episodes,
        [EpisodeInVideo {
            episode: 0,
            ret: 5.0,
            length: 5,
            complete: true
        }]
    );
    assert!(v.started_at <= v.finished_at);

    let dir = temp_dir("meta-step");
    let mut env = RecordingConfig::new(&dir)
        .step_trigger(Trigger::every(100).unwrap())
        .video_length(7)
        .wrap(Painted::new(5))
        .unwrap();
    run(&mut env, 2);
    let videos = env.take_report().into_result().unwrap();
    let v = &videos[0];
    assert_eq!(v.started_by, VideoStart::Step(0));
    assert_eq!(v.steps, Some((0, 5)));
    let summary: Vec<(u64, f64, u64, bool)> = v
        .episodes
        .iter()
        .map(|e| (e.episode, e.ret, e.length, e.complete))
        .collect();
    assert_eq!(summary, [(0, 5.0, 5, true), (1, 1.0, 1, false)]);
    // Serialized for sidecars and metrics.
    let json = serde_json::to_value(v).unwrap();
    assert_eq!(
        json["started_by"],
        serde_json::json!({"kind": "step", "id": 0})
    );
    assert_eq!(json["frames"], 7);
    assert_eq!(json["episodes"][0]["return"], 5.0);
}

#[test]
fn keep_filters_delete_videos_not_kept_and_observers_see_the_rest() {
    use gymrec::record::{RecordingObserver, VideoStart};
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Log(Arc<Mutex<Vec<String>>>);
    impl RecordingObserver for Log {
        fn video_started(&mut self, path: &Path, started_by: VideoStart) {
            let name = path.file_name().unwrap().to_string_lossy();
            self.0
                .lock()
                .unwrap()
                .push(format!("start {name} {started_by:?}"));
        }
        fn video_finished(&mut self, video: &RecordedVideo) -> gymrec::Result<()> {
            let name = video.facts.path.file_name().unwrap().to_string_lossy();
            self.0.lock().unwrap().push(format!("done {name}"));
            Ok(())
        }
    }

    let dir = temp_dir("keep");
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .keep_if(|v| v.episodes.iter().all(|e| e.episode % 2 == 0))
        .observer(Log(log.clone()))
        .on_video(|v| {
            if v.episodes[0].episode == 2 {
                Err(gymrec::Error::io(
                    "observer",
                    std::io::Error::other("observer failed on episode 2"),
                ))
            } else {
                Ok(())
            }
        })
        .wrap(Painted::new(2))
        .unwrap();
    run(&mut env, 4);
    let report = env.take_report();
    assert_eq!(
        files(&dir),
        ["rl-video-episode-0.mp4", "rl-video-episode-2.mp4"]
    );
    let kept: Vec<u64> = report
        .videos
        .iter()
        .map(|v| v.episodes[0].episode)
        .collect();
    assert_eq!(kept, [0, 2]);
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].to_string().contains("episode 2"));
    let log = log.lock().unwrap();
    assert_eq!(log[0], "start rl-video-episode-0.mp4 Episode(0)");
    assert!(log.contains(&"done rl-video-episode-2.mp4".to_string()));
    assert!(!log.contains(&"done rl-video-episode-1.mp4".to_string()));
    assert_eq!(log.len(), 6); // 4 starts, 2 kept
}

#[test]
fn steps_and_resets_come_back_unchanged_recording_or_not() {
    use gymrec::env::SpaceValue;
    use gymrec::env::wrappers::EpisodeStatistics;
    let dir = temp_dir("pass-through");
    // EpisodeStatistics puts info["episode"] on each episode's last step.
    let make =
        || EpisodeStatistics::new(gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap());
    let mut bare = make();
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::new(|episode| episode % 2 == 1))
        .wrap(make())
        .unwrap();
    assert_eq!(env.reset(Some(7)).unwrap(), bare.reset(Some(7)).unwrap());
    let (mut episodes, mut infos_seen) = (0, 0);
    for i in 0..400 {
        let action = SpaceValue::Discrete((i / 3) % 2);
        // info["episode"]["t"] is the wall time the episode took: it differs.
        let untimed = |mut step: Step<Vec<f32>>| {
            if let Some(episode) = step.info.get_mut("episode").and_then(|e| e.as_object_mut()) {
                assert!(episode.remove("t").is_some());
            }
            step
        };
        let ours = untimed(env.step(action.clone()).unwrap());
        let theirs = untimed(bare.step(action).unwrap());
        assert_eq!(
            ours,
            theirs,
            "step {i} (recording: {})",
            env.recorder().is_recording()
        );
        infos_seen += usize::from(ours.info.contains_key("episode"));
        if ours.done() {
            episodes += 1;
            assert_eq!(env.reset(None).unwrap(), bare.reset(None).unwrap());
        }
    }
    assert!(episodes >= 4, "{episodes} episodes");
    assert_eq!(infos_seen, episodes, "info[\"episode\"] on every last step");
    let videos = env.take_report().into_result().unwrap();
    assert_eq!(videos.len(), episodes / 2 + episodes % 2);
}
