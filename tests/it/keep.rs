//! Keep rules decided at episode end, outcomes in names, and retention,
//! through the public API: only kept videos exist, under their outcome
//! names, decoded back to the episodes they should show; best/worst per
//! window keep exactly the right episodes and wait on disk under working
//! names; retention deletes exactly the oldest with their side files.

use crate::common::{files, index_files, temp_dir};
use gymrec::catalog::{INDEX_FILE, Manifest, read_index};
use gymrec::env::{Info, RenderMode};
use gymrec::record::{
    Keep, RecordedVideo, Recorder, RecordingConfig, RecordingSource, RecordingWrapper, Success,
    Trigger,
};
use gymrec::video::VideoFormat;
use gymrec::video::probe::decode_rgb;
use std::path::Path;

/// The grey level every frame of episode `id` is painted with.
fn level(id: u64) -> u8 {
    (20 + id * 23 % 220) as u8
}

/// One scripted episode: its length, its reward per step, and how it ends.
#[derive(Clone, Copy)]
struct Episode {
    length: u64,
    reward: f64,
    terminated: bool,
}

/// `n` episodes of 3 steps worth 1 each, truncated (survived).
fn survived(n: usize) -> Vec<Episode> {
    let ep = Episode {
        length: 3,
        reward: 1.0,
        terminated: false,
    };
    vec![ep; n]
}

/// Records every episode of `episodes` (GIF, every episode triggered)
/// through the env-less Recorder with `config`, and returns the report's
/// videos; `between` is called after each episode's reset with its id.
fn record(
    config: RecordingConfig,
    episodes: &[Episode],
    mut between: impl FnMut(u64),
) -> Vec<RecordedVideo> {
    let config = config
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Gif)
        .fps(10);
    let mut recorder = Recorder::new(config, RecordingSource::new("scripted")).unwrap();
    for (id, ep) in episodes.iter().enumerate() {
        recorder.begin_episode().unwrap();
        between(id as u64);
        for t in 0..=ep.length {
            if t > 0 {
                let end = t == ep.length;
                let (terminated, truncated) = (end && ep.terminated, end && !ep.terminated);
                recorder
                    .step_ended(ep.reward, terminated, truncated, &Info::new())
                    .unwrap();
            }
            if let Some(mut frame) = recorder.frame_buffer(16, 8) {
                frame.fill(level(id as u64));
                recorder.submit_frame(frame, &Info::new());
            }
        }
    }
    recorder.finish().into_result().unwrap()
}

/// The episode a GIF shows (every frame one grey level) and its frames.
fn decoded(path: &Path) -> (u64, u64) {
    let mut levels = Vec::new();
    let frames = decode_rgb(path, |_, frame| {
        levels.push(frame.get_pixel(3, 3).0[0]);
        true
    })
    .unwrap();
    let id = (0..64).find(|&id| level(id) == levels[0]).unwrap();
    assert!(levels.iter().all(|&l| l == levels[0]), "{}", path.display());
    (id, frames)
}

/// Video file names in `dir` (`.gif`), sorted.
fn gifs(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|f| f.ends_with(".gif"))
        .collect()
}

#[test]
fn only_failures_are_kept_under_their_outcome_names() {
    let dir = temp_dir("keep-failures");
    // Episodes 0, 3 and 6 fall (terminated); the others last to the limit.
    let episodes: Vec<Episode> = (0..8)
        .map(|i| Episode {
            length: 3 + i % 3,
            reward: 1.0,
            terminated: i % 3 == 0,
        })
        .collect();
    let config = RecordingConfig::new(&dir)
        .keep(Keep::failures(Success::Truncated))
        .outcome_in_name(true)
        .observer(Manifest::new());
    let videos = record(config, &episodes, |_| {});
    let kept = ["0", "3", "6"].map(|i| format!("rl-video-episode-{i}-failure.gif"));
    assert_eq!(gifs(&dir), kept);
    assert!(
        !files(&dir).iter().any(|f| f.ends_with(".part")),
        "{:?}",
        files(&dir)
    );
    assert_eq!(videos.len(), 3);
    for (video, id) in videos.iter().zip([0, 3, 6]) {
        assert_eq!(video.outcome.as_deref(), Some("failure"));
        assert_eq!(
            decoded(&video.facts.path),
            (id, episodes[id as usize].length + 1)
        );
        assert!(gymrec::catalog::poster_path(&video.facts.path).is_file());
        assert!(gymrec::catalog::sidecar_path(&video.facts.path).is_file());
    }
    let index = index_files(&dir);
    assert_eq!(index, kept);
    assert_eq!(
        read_index(&dir).unwrap()[0].outcome.as_deref(),
        Some("failure")
    );
    // A new recorder refuses the folder, outcome names and all.
    let err = Recorder::new(
        RecordingConfig::new(&dir).format(VideoFormat::Gif),
        RecordingSource::new("again"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), gymrec::ErrorKind::AlreadyExists, "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn best_and_worst_per_window_keep_exactly_their_episodes_and_wait_on_disk() {
    let dir = temp_dir("keep-best-worst");
    let returns = [
        5.0, 9.0, 1.0, 9.0, 4.0, /* window 2 */ 2.0, 3.0, 8.0, 0.5, 7.0, /* 3 */ 6.0, 1.5,
    ];
    let episodes: Vec<Episode> = returns
        .iter()
        .map(|&r| Episode {
            length: 2,
            reward: r / 2.0,
            terminated: true,
        })
        .collect();
    let config = RecordingConfig::new(&dir)
        .keep(Keep::any([Keep::best(1, 5), Keep::worst(1, 5)]))
        .outcome_in_name(true);
    let mut waiting_seen = false;
    let videos = record(config, &episodes, |id| {
        if id == 4 {
            // Episodes 0..3 are done and wait for their window, on disk
            // under working names; nothing is published yet.
            let names = files(&dir);
            assert!(gifs(&dir).is_empty(), "{names:?}");
            for i in 0..4 {
                assert!(
                    names.contains(&format!("rl-video-episode-{i}.gif.part")),
                    "{names:?}"
                );
            }
            waiting_seen = true;
        }
    });
    assert!(waiting_seen);
    // Window 0: best 1 (9.0, the earlier on a tie), worst 2; window 1:
    // best 7, worst 8; window 2 (ended by the report): best 10, worst 11.
    let want = [
        (1, "best"),
        (2, "worst"),
        (7, "best"),
        (8, "worst"),
        (10, "best"),
        (11, "worst"),
    ];
    let mut names: Vec<String> = want
        .iter()
        .map(|(id, label)| format!("rl-video-episode-{id}-{label}.gif"))
        .collect();
    names.sort();
    assert_eq!(gifs(&dir), names);
    assert!(!files(&dir).iter().any(|f| f.ends_with(".part")));
    assert_eq!(videos.len(), want.len());
    for (video, (id, label)) in videos.iter().zip(want) {
        assert_eq!(video.outcome.as_deref(), Some(label));
        assert_eq!(decoded(&video.facts.path), (id, 3));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_video_of_several_episodes_is_kept_when_any_of_them_is() {
    let dir = temp_dir("keep-spanning");
    let episodes: Vec<Episode> = (0..6)
        .map(|i| Episode {
            length: 2,
            reward: 1.0,
            terminated: i == 3,
        })
        .collect();
    // Step videos of 6 frames: steps 0-5 (episodes 0, 1, 2, all truncated),
    // 6-11 (episodes 3, 4, 5, of which 3 fails).
    let config = RecordingConfig::new(&dir)
        .step_trigger(Trigger::new(|step| step % 6 == 0))
        .video_length(6)
        .keep(Keep::failures(Success::Truncated))
        .name_suffix(|ends| Some(format!("ep{}", ends.iter().find(|e| e.terminated)?.id)))
        .format(VideoFormat::Gif)
        .fps(10);
    let mut recorder = Recorder::new(config, RecordingSource::new("spanning")).unwrap();
    for (id, ep) in episodes.iter().enumerate() {
        recorder.begin_episode().unwrap();
        for t in 1..=ep.length {
            let end = t == ep.length;
            recorder
                .step_ended(
                    1.0,
                    end && ep.terminated,
                    end && !ep.terminated,
                    &Info::new(),
                )
                .unwrap();
            if let Some(mut frame) = recorder.frame_buffer(16, 8) {
                frame.fill(level(id as u64));
                recorder.submit_frame(frame, &Info::new());
            }
        }
    }
    let videos = recorder.finish().into_result().unwrap();
    assert_eq!(gifs(&dir), ["rl-video-step-6-ep3.gif"]);
    let episodes_shown: Vec<u64> = videos[0].episodes.iter().map(|e| e.episode).collect();
    assert_eq!(episodes_shown, [3, 4, 5]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn retention_deletes_exactly_the_oldest_with_their_side_files() {
    let dir = temp_dir("keep-last");
    let episodes = survived(6);
    let config = RecordingConfig::new(&dir)
        .keep_last(3)
        .observer(Manifest::new());
    let videos = record(config, &episodes, |_| {
        // Modification times in order even on a coarse clock.
        std::thread::sleep(std::time::Duration::from_millis(20));
    });
    assert_eq!(
        videos.len(),
        6,
        "every video was kept, then the oldest removed"
    );
    let kept: Vec<String> = (3..6).map(|i| format!("rl-video-episode-{i}")).collect();
    let mut want: Vec<String> = kept
        .iter()
        .flat_map(|k| {
            [
                format!("{k}.gif"),
                format!("{k}.json"),
                format!("{k}.poster.png"),
            ]
        })
        .chain([INDEX_FILE.to_string(), "index.html".to_string()])
        .collect();
    want.sort();
    assert_eq!(files(&dir), want);
    let index = index_files(&dir);
    assert_eq!(
        index,
        kept.iter().map(|k| format!("{k}.gif")).collect::<Vec<_>>()
    );
    let gallery = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(!gallery.contains("rl-video-episode-2.gif"));
    assert!(gallery.contains("rl-video-episode-5.gif"));
    for (i, name) in kept.iter().enumerate() {
        assert_eq!(decoded(&dir.join(format!("{name}.gif"))).0, 3 + i as u64);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_byte_budget_keeps_the_newest_that_fit() {
    let dir = temp_dir("keep-bytes");
    let episodes = survived(5);
    // Every video is the same size: a budget of two and a half keeps two.
    let probe = temp_dir("keep-bytes-probe");
    let one = record(RecordingConfig::new(&probe), &episodes[..1], |_| {})[0]
        .facts
        .bytes;
    std::fs::remove_dir_all(&probe).ok();
    let config = RecordingConfig::new(&dir).max_bytes(one * 5 / 2);
    record(config, &episodes, |_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
    });
    assert_eq!(
        gifs(&dir),
        ["rl-video-episode-3.gif", "rl-video-episode-4.gif"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_wrapper_keeps_cartpole_failures_only() {
    let dir = temp_dir("keep-wrapper");
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut env: RecordingWrapper<_> = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .keep(Keep::failures(Success::Truncated))
        .outcome_in_name(true)
        .format(VideoFormat::Gif)
        .wrap(env)
        .unwrap();
    use gymrec::env::{Env, SpaceValue};
    // Pushing one way topples the pole: every episode fails.
    for seed in 0..3 {
        env.reset(Some(seed)).unwrap();
        while !env.step(SpaceValue::Discrete(1)).unwrap().done() {}
    }
    let videos = env.finish().into_result().unwrap();
    assert_eq!(
        gifs(&dir),
        (0..3)
            .map(|i| format!("rl-video-episode-{i}-failure.gif"))
            .collect::<Vec<_>>()
    );
    for video in &videos {
        let frames = decode_rgb(&video.facts.path, |_, _| true).unwrap();
        assert_eq!(frames, video.episodes[0].length + 1);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn recorders_in_two_threads_share_one_retained_folder_and_lose_no_index_line() {
    let dir = temp_dir("keep-shared");
    std::fs::create_dir_all(&dir).unwrap();
    let threads: Vec<_> = (0..2u64)
        .map(|worker| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let config = RecordingConfig::new(&dir)
                    .worker(worker)
                    .overwrite(true)
                    .keep_last(4)
                    .observer(Manifest::new());
                record(config, &survived(8), |_| {}).len()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 8);
    }
    let videos = gifs(&dir);
    assert_eq!(videos.len(), 4, "{videos:?}");
    // Every video left has its sidecar, poster and index line: no line
    // appended by one recorder was lost to the other's index rewrite.
    let mut index = index_files(&dir);
    index.sort();
    assert_eq!(index, videos);
    for video in &videos {
        let path = dir.join(video);
        assert!(gymrec::catalog::sidecar_path(&path).is_file(), "{video}");
        assert!(gymrec::catalog::poster_path(&path).is_file(), "{video}");
    }
    let jsons = files(&dir).iter().filter(|f| f.ends_with(".json")).count();
    assert_eq!(jsons, 4, "{:?}", files(&dir));
    std::fs::remove_dir_all(&dir).ok();
}

/// Painted, whose last step's info says `is_success` for odd episodes.
#[derive(Debug)]
struct Flagged(crate::common::Painted);

impl gymrec::env::Env for Flagged {
    type Obs = u64;
    type Action = i64;

    fn reset(&mut self, seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.0.reset(seed)
    }
    fn step(&mut self, action: i64) -> gymrec::Result<gymrec::env::Step<u64>> {
        let mut step = self.0.step(action)?;
        if step.terminated {
            let success = self.0.episode % 2 == 1;
            step.info.insert("is_success".into(), success.into());
        }
        Ok(step)
    }
    fn action_space(&self) -> &gymrec::env::Space {
        self.0.action_space()
    }
    fn observation_space(&self) -> &gymrec::env::Space {
        self.0.observation_space()
    }
    fn render_mode(&self) -> RenderMode {
        self.0.render_mode()
    }
    fn metadata(&self) -> &gymrec::env::Metadata {
        self.0.metadata()
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        self.0.frame_size()
    }
    fn render_into(&mut self, frame: &mut gymrec::env::Frame) -> gymrec::Result<()> {
        self.0.render_into(frame)
    }
}

#[test]
fn the_wrapper_hands_the_last_info_to_the_rule_and_back_to_the_caller() {
    use gymrec::env::Env;
    let dir = temp_dir("keep-info");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .keep(Keep::successes(Success::InfoFlag))
        .outcome_in_name(true)
        .format(VideoFormat::Gif)
        .wrap(Flagged(crate::common::Painted::new(3)))
        .unwrap();
    for _ in 0..4 {
        env.reset(None).unwrap();
        loop {
            let step = env.step(0).unwrap();
            if step.done() {
                assert!(step.info.contains_key("is_success"), "{:?}", step.info);
                break;
            }
        }
    }
    let videos = env.finish().into_result().unwrap();
    assert_eq!(
        gifs(&dir),
        [
            "rl-video-episode-1-success.gif",
            "rl-video-episode-3-success.gif"
        ]
    );
    assert_eq!(videos.len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "tensorboard")]
#[test]
fn tensorboard_gets_a_preview_of_each_kept_video_only() {
    use gymrec::tensorboard::{Logged, read_events};
    let dir = temp_dir("keep-tensorboard");
    let run = dir.join("run");
    let episodes: Vec<Episode> = (0..4)
        .map(|i| Episode {
            length: 3,
            reward: 1.0,
            terminated: i == 2,
        })
        .collect();
    let config = RecordingConfig::new(dir.join("videos"))
        .keep(Keep::failures(Success::Truncated))
        .outcome_in_name(true)
        .tensorboard(&run);
    let videos = record(config, &episodes, |_| {});
    assert_eq!(videos.len(), 1);
    let event_file = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("tfevents"))
        .unwrap();
    let events = read_events(&event_file).unwrap();
    let gifs: Vec<i64> = events
        .iter()
        .filter(|e| matches!(e.value, Logged::Image { .. }))
        .map(|e| e.step)
        .collect();
    assert_eq!(gifs.len(), 1, "one preview, of the kept video: {gifs:?}");
    let texts: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.value {
            Logged::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 1);
    assert!(
        texts[0].contains("rl-video-episode-2-failure.gif"),
        "{}",
        texts[0]
    );
    std::fs::remove_dir_all(&dir).ok();
}
