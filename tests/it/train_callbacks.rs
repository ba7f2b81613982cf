//! The training callbacks' rules (velora's `RecordVideos`, `EarlyStopping`,
//! `SaveCheckpoints`) and where the trainer calls them.

use gymrec::Error;
use gymrec::env::{DynEnv, RenderMode, SpaceValue};
use gymrec::record::{RecordMethod, VideoStart};
use gymrec::train::{
    Agent, Cem, CemConfig, CemState, EarlyStopping, LinearPolicy, MetricsStore, RecordVideos,
    SaveCheckpoints, Status, TrainCallback, TrainState, Trainer, VideoKind,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn temp_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-train-cb-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

fn cartpole(mode: RenderMode) -> DynEnv {
    gymrec::make("CartPole-v1", mode).unwrap()
}

/// Always pushes right: CartPole episodes of about ten steps.
struct PushRight;

impl Agent for PushRight {
    fn name(&self) -> &str {
        "PushRight"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    fn act(&mut self, _obs: &[f32]) -> gymrec::Result<SpaceValue> {
        Ok(SpaceValue::Discrete(1))
    }
    fn predict(&mut self, _obs: &[f32]) -> gymrec::Result<SpaceValue> {
        Ok(SpaceValue::Discrete(1))
    }
    fn state(&self) -> gymrec::Result<serde_json::Value> {
        Ok(serde_json::json!({"push": "right"}))
    }
}

/// What a callback saw at one call.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    status: Status,
    ep: u64,
    step: u64,
    reward: f64,
    stop: bool,
    saving: bool,
    recording: bool,
}

/// Records every call.
#[derive(Clone, Default)]
struct Spy(Arc<Mutex<Vec<Seen>>>);

impl Spy {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

impl TrainCallback for Spy {
    fn call(&mut self, state: &mut TrainState<'_>) -> gymrec::Result<()> {
        self.0.lock().unwrap().push(Seen {
            status: state.status,
            ep: state.current_ep,
            step: state.current_step,
            reward: state.ep_reward,
            stop: state.stop_training,
            saving: state.saving_enabled,
            recording: state.record_state.is_some(),
        });
        Ok(())
    }
    fn config(&self) -> (String, serde_json::Value) {
        ("Spy".into(), serde_json::json!({}))
    }
    fn info(&self) -> String {
        "'Spy' enabled.".into()
    }
}

/// The statuses seen, with runs of steps folded into one `Step(n)` entry.
fn outline(seen: &[Seen]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in seen {
        match s.status {
            Status::Step => {
                if out.last().is_some_and(|l| l.starts_with("step")) {
                    out.pop();
                }
                out.push(format!("step..{}", s.step));
            }
            other => out.push(format!("{other} {}", s.ep)),
        }
    }
    out
}

#[test]
fn the_trainer_calls_callbacks_where_velora_does() {
    let spy = Spy::default();
    let metrics = MetricsStore::in_memory().unwrap();
    let summary = Trainer::new(cartpole(RenderMode::None))
        .episodes(3)
        .seed(1)
        .log_freq(2)
        .callback(spy.clone())
        .run(&mut PushRight, &metrics)
        .unwrap();
    let seen = spy.seen();
    let episodes = metrics.episodes(summary.experiment_id).unwrap();
    let len = |i: usize| episodes[i].length;
    assert_eq!(
        outline(&seen),
        [
            "start 0".to_string(),
            format!("step..{}", len(0)),
            "episode 1".into(),
            format!("step..{}", len(1)),
            "logging 2".into(),
            "episode 2".into(),
            format!("step..{}", len(2)),
            "logging 3".into(), // the last episode always logs
            "episode 3".into(),
            "complete 3".into(),
        ]
    );
    // Steps count from 1 within each episode, as velora's current_step.
    let first_steps: Vec<u64> = seen
        .iter()
        .filter(|s| s.status == Status::Step && s.ep == 0)
        .map(|s| s.step)
        .collect();
    assert_eq!(first_steps, (1..=len(0)).collect::<Vec<_>>());
    // At Episode, ep_reward is that episode's return, as stored.
    for s in seen.iter().filter(|s| s.status == Status::Episode) {
        assert_eq!(s.reward, episodes[s.ep as usize - 1].reward);
    }
    assert_eq!(
        summary.steps,
        episodes.iter().map(|e| e.length).sum::<u64>()
    );
    assert!(!summary.early_stopped);
}

fn state_for<'a>(agent: &'a mut dyn Agent, mode: RenderMode) -> TrainState<'a> {
    let metrics = MetricsStore::in_memory().unwrap();
    let id = metrics
        .start_experiment(agent.name(), "CartPole-v1", &serde_json::json!({}), 100)
        .unwrap();
    TrainState::new(agent, cartpole(mode), metrics, id)
}

#[test]
fn early_stopping_needs_patience_consecutive_returns_at_the_target() {
    let mut agent = PushRight;
    let mut state = state_for(&mut agent, RenderMode::None);
    let mut stop = EarlyStopping::new(100.0, 3);
    state.status = Status::Episode;
    for (reward, count, stopped) in [
        (100.0, 1, false), // at the target counts
        (150.0, 2, false),
        (99.9, 0, false), // below starts again
        (120.0, 1, false),
        (100.0, 2, false),
        (500.0, 3, true),
    ] {
        state.ep_reward = reward;
        stop.call(&mut state).unwrap();
        assert_eq!(
            (stop.count(), state.stop_training),
            (count, stopped),
            "{reward}"
        );
    }
    // Once stopping, nothing more is counted.
    stop.call(&mut state).unwrap();
    assert_eq!(stop.count(), 3);
}

#[test]
fn early_stopping_looks_only_at_episode_calls() {
    let mut agent = PushRight;
    let mut state = state_for(&mut agent, RenderMode::None);
    let mut stop = EarlyStopping::new(10.0, 1);
    state.ep_reward = 50.0;
    for status in [
        Status::Start,
        Status::Step,
        Status::Logging,
        Status::Complete,
    ] {
        state.status = status;
        stop.call(&mut state).unwrap();
        assert_eq!(stop.count(), 0, "{status}");
        assert!(!state.stop_training, "{status}");
    }
    // A run already stopping is left alone.
    state.status = Status::Episode;
    state.stop_training = true;
    stop.call(&mut state).unwrap();
    assert_eq!(stop.count(), 0);
    assert_eq!(stop.config().0, "EarlyStopping");
    assert!(stop.info().contains("target=10"), "{}", stop.info());
}

#[test]
fn early_stopping_ends_training_after_that_episode_and_completes() {
    let spy = Spy::default();
    let metrics = MetricsStore::in_memory().unwrap();
    let summary = Trainer::new(cartpole(RenderMode::None))
        .episodes(50)
        .callback(EarlyStopping::new(1.0, 2))
        .callback(spy.clone())
        .run(&mut PushRight, &metrics)
        .unwrap();
    assert!(summary.early_stopped);
    assert_eq!(summary.episodes, 2);
    assert_eq!(metrics.episodes(summary.experiment_id).unwrap().len(), 2);
    let seen = spy.seen();
    let last_two: Vec<(Status, bool)> = seen[seen.len() - 2..]
        .iter()
        .map(|s| (s.status, s.stop))
        .collect();
    assert_eq!(
        last_two,
        [(Status::Episode, true), (Status::Complete, true)]
    );
}

fn saved_names(saves: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(saves)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn save_checkpoints_saves_every_frequency_episodes_and_at_the_end() {
    let root = temp_root("saves");
    let env = cartpole(RenderMode::None);
    let mut agent = Cem::for_env(&env, CemConfig::default()).unwrap();
    let spy = Spy::default();
    let saves = SaveCheckpoints::builder("run")
        .root(&root)
        .frequency(2)
        .build()
        .unwrap();
    let metrics = MetricsStore::in_memory().unwrap();
    let summary = Trainer::new(env)
        .episodes(5)
        .seed(3)
        .callback(saves)
        .callback(spy.clone())
        .run(&mut agent, &metrics)
        .unwrap();
    let dir = root.join("run").join("saves");
    assert_eq!(
        saved_names(&dir),
        [
            "CartPole_2",
            "CartPole_4",
            "CartPole_final",
            "completed.json"
        ]
    );
    // Start enabled saving for the callbacks after it.
    assert!(spy.seen()[0].saving);

    let final_dir = dir.join("CartPole_final");
    let state: CemState =
        serde_json::from_str(&std::fs::read_to_string(final_dir.join("agent.json")).unwrap())
            .unwrap();
    assert_eq!(state.policy, agent.policy());
    assert_eq!(state.episodes, 5);
    let restored = Cem::from_state(state).unwrap();
    assert_eq!(restored.policy(), agent.policy());
    assert_eq!(
        LinearPolicy::load(final_dir.join("agent.json")).unwrap(),
        agent.policy()
    );
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("CartPole_4").join("metadata.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["episode"], 4);
    assert_eq!(meta["env"], "CartPole-v1");
    assert_eq!(meta["agent"], "CEM");

    let completed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("completed.json")).unwrap())
            .unwrap();
    assert_eq!(completed["episodes"], 5);
    assert_eq!(completed["experiment_id"], summary.experiment_id);
    assert_eq!(completed["early_stopped"], false);
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn save_checkpoints_leaves_the_last_planned_episode_to_final() {
    let root = temp_root("saves-last");
    let saves = SaveCheckpoints::builder("run")
        .root(&root)
        .frequency(2)
        .build()
        .unwrap();
    Trainer::new(cartpole(RenderMode::None))
        .episodes(4)
        .callback(saves)
        .run(&mut PushRight, &MetricsStore::in_memory().unwrap())
        .unwrap();
    let dir = root.join("run").join("saves");
    assert_eq!(
        saved_names(&dir),
        ["CartPole_2", "CartPole_final", "completed.json"]
    );
    let agent: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("CartPole_2/agent.json")).unwrap())
            .unwrap();
    assert_eq!(agent, serde_json::json!({"push": "right"}));
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn save_checkpoints_writes_nothing_outside_episode_and_complete() {
    let root = temp_root("saves-quiet");
    let mut saves = SaveCheckpoints::builder("run")
        .root(&root)
        .frequency(1)
        .build()
        .unwrap();
    let mut agent = PushRight;
    let mut state = state_for(&mut agent, RenderMode::None);
    state.current_ep = 1;
    for status in [Status::Step, Status::Logging] {
        state.status = status;
        saves.call(&mut state).unwrap();
    }
    assert!(!root.exists());
    assert!(!state.saving_enabled);
    state.status = Status::Start;
    saves.call(&mut state).unwrap();
    assert!(state.saving_enabled);
    assert_eq!(state.checkpoint_dir.as_deref(), Some(saves.dirpath()));
    assert!(!root.exists(), "the folder is made at the first save point");
    state.status = Status::Episode;
    saves.call(&mut state).unwrap();
    assert_eq!(saves.saved(), [root.join("run/saves/CartPole_1")]);
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn save_checkpoints_refuses_an_existing_folder_and_bad_settings() {
    let root = temp_root("saves-exists");
    std::fs::create_dir_all(root.join("run").join("saves")).unwrap();
    let err = SaveCheckpoints::builder("run")
        .root(&root)
        .build()
        .unwrap_err();
    match &err {
        Error::AlreadyExists { path, .. } => assert_eq!(path, &root.join("run").join("saves")),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("another dirname"), "{err}");
    // A videos folder of the same dirname does not matter.
    std::fs::create_dir_all(root.join("other").join("videos")).unwrap();
    assert!(
        SaveCheckpoints::builder("other")
            .root(&root)
            .build()
            .is_ok()
    );
    assert!(
        SaveCheckpoints::builder("x")
            .root(&root)
            .frequency(0)
            .build()
            .is_err()
    );
    for bad in ["", "a/b", "..", "."] {
        let err = SaveCheckpoints::builder(bad)
            .root(&root)
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("plain folder name"),
            "{bad:?}: {err}"
        );
    }
    let saves = SaveCheckpoints::builder("new")
        .root(&root)
        .frequency(7)
        .build()
        .unwrap();
    assert_eq!(
        saves.config(),
        (
            "SaveCheckpoints".to_string(),
            serde_json::json!({"dirname": "new", "frequency": 7})
        )
    );
    assert!(saves.info().contains("frequency=7"), "{}", saves.info());
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn record_videos_triggers_skip_zero_and_follow_the_method() {
    let root = temp_root("trigger");
    let episodes = RecordVideos::builder("run")
        .root(&root)
        .frequency(5)
        .build()
        .unwrap();
    let state = episodes.record_state();
    assert_eq!(state.method, RecordMethod::Episode);
    assert!(state.step_trigger.is_none());
    assert_eq!(state.dirpath, root.join("run").join("videos"));
    let mut trigger = state.episode_trigger.unwrap();
    let fired: Vec<u64> = (0..21).filter(|&t| trigger.fires(t)).collect();
    assert_eq!(fired, [5, 10, 15, 20]);

    let steps = RecordVideos::builder("run")
        .root(&root)
        .method(RecordMethod::Step)
        .frequency(1)
        .build()
        .unwrap();
    let state = steps.record_state();
    assert_eq!(state.method, RecordMethod::Step);
    assert!(state.episode_trigger.is_none());
    let mut trigger = state.step_trigger.unwrap();
    assert!(!trigger.fires(0));
    assert!((1..50).all(|t| trigger.fires(t)));
    assert_eq!(
        steps.config().1,
        serde_json::json!({"dirname": "run", "method": "step", "frequency": 1, "force": false})
    );
    assert!(!root.exists(), "building a callback writes nothing");
}

#[test]
fn record_videos_refuses_an_existing_folder_unless_forced() {
    let root = temp_root("exists");
    std::fs::create_dir_all(root.join("run").join("videos")).unwrap();
    let err = RecordVideos::builder("run")
        .root(&root)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert!(err.to_string().contains("force(true)"), "{err}");
    assert!(
        RecordVideos::builder("run")
            .root(&root)
            .force(true)
            .build()
            .is_ok()
    );
    assert!(
        RecordVideos::builder("run2")
            .root(&root)
            .frequency(0)
            .build()
            .is_err()
    );
    assert!(RecordVideos::builder("a\\b").root(&root).build().is_err());
    std::fs::remove_dir_all(&root).ok();
}

/// The videos' names without the extension, which depends on the format
/// the build records by default (MP4 with FFmpeg).
fn file_names(videos: &[gymrec::train::VideoRow]) -> Vec<String> {
    videos
        .iter()
        .map(|v| v.path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn record_videos_records_training_episodes_and_a_final_one_linked_in_the_store() {
    let root = temp_root("episodes");
    let spy = Spy::default();
    let metrics = MetricsStore::in_memory().unwrap();
    let videos = RecordVideos::builder("run")
        .root(&root)
        .frequency(3)
        .final_seed(Some(9))
        .build()
        .unwrap();
    let summary = Trainer::new(cartpole(RenderMode::RgbArray))
        .episodes(7)
        .seed(0)
        .callback(videos)
        .callback(spy.clone())
        .run(&mut PushRight, &metrics)
        .unwrap();
    // The env was wrapped at start, before the callbacks after this one ran.
    assert!(spy.seen()[0].recording);

    let dir = root.join("run").join("videos");
    let stored = metrics.videos(summary.experiment_id).unwrap();
    assert_eq!(
        file_names(&stored),
        [
            "CartPole-episode-3",
            "CartPole-episode-6",
            "CartPole_final-episode-0"
        ]
    );
    assert_eq!(summary.videos, stored);
    let episodes = metrics.episodes(summary.experiment_id).unwrap();
    for (video, (start_id, episode)) in stored.iter().zip([(3, 4), (6, 7)]) {
        assert!(video.path.starts_with(&dir), "{}", video.path.display());
        assert!(video.path.exists());
        assert_eq!(video.kind, VideoKind::Training);
        assert_eq!(video.started_by, VideoStart::Episode(start_id));
        // Recorder episode k is training episode k + 1.
        assert_eq!(video.episode, Some(episode));
        assert_eq!(video.episodes.len(), 1);
        let shown = video.episodes[0];
        let row = &episodes[episode as usize - 1];
        assert_eq!(
            (shown.episode, shown.reward, shown.length),
            (episode, row.reward, row.length)
        );
        assert!(shown.complete);
        assert_eq!(video.frames, row.length + 1); // the reset frame, then one per step
        let linked = metrics
            .videos_of_episode(summary.experiment_id, episode)
            .unwrap();
        assert_eq!(linked, std::slice::from_ref(video));
    }
    assert!(
        metrics
            .videos_of_episode(summary.experiment_id, 3)
            .unwrap()
            .is_empty()
    );

    let last = &stored[2];
    assert_eq!(last.kind, VideoKind::Evaluation);
    assert_eq!(last.episode, None);
    assert_eq!(last.started_by, VideoStart::Episode(0));
    assert!(last.episodes[0].complete);
    assert!(last.path.starts_with(&dir) && last.path.exists());
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn record_videos_by_step_links_each_clip_to_the_episodes_it_spans() {
    let root = temp_root("steps");
    let metrics = MetricsStore::in_memory().unwrap();
    let videos = RecordVideos::builder("run")
        .root(&root)
        .method(RecordMethod::Step)
        .frequency(25)
        .final_episode(false)
        .configure(|config| config.video_length(15))
        .build()
        .unwrap();
    let summary = Trainer::new(cartpole(RenderMode::RgbArray))
        .episodes(8)
        .seed(2)
        .callback(videos)
        .run(&mut PushRight, &metrics)
        .unwrap();
    let stored = metrics.videos(summary.experiment_id).unwrap();
    // Step ids run from 0 to steps - 1; the trigger fires at 25, 50, ….
    let expected: Vec<String> = (1..)
        .map(|k| 25 * k)
        .take_while(|&s| s < summary.steps)
        .map(|s| format!("CartPole-step-{s}"))
        .collect();
    assert!(expected.len() >= 2, "{} steps", summary.steps);
    assert_eq!(file_names(&stored), expected);
    // Every clip has 15 frames, except one cut short by the end of training.
    let (last, full) = stored.split_last().unwrap();
    assert!(full.iter().all(|v| v.frames == 15), "{stored:?}");
    assert!((1..=15).contains(&last.frames));
    let episodes = metrics.episodes(summary.experiment_id).unwrap();
    // The training episode that holds global step s (counting from 0).
    let episode_of_step = |s: u64| {
        let mut end = 0;
        for e in &episodes {
            end += e.length;
            if s < end {
                return e.episode;
            }
        }
        panic!("step {s} beyond training");
    };
    for video in &stored {
        let VideoStart::Step(s) = video.started_by else {
            panic!("{video:?}")
        };
        assert_eq!(video.kind, VideoKind::Training);
        // The first frame shows the state after step s, in its episode
        // (or at the next episode's reset when s ended an episode).
        let first = video.episodes[0].episode;
        assert!(
            first == episode_of_step(s) || first == episode_of_step(s) + 1,
            "{video:?}"
        );
        assert_eq!(video.episode, Some(first));
        for shown in &video.episodes {
            let linked = metrics
                .videos_of_episode(summary.experiment_id, shown.episode)
                .unwrap();
            assert!(linked.iter().any(|v| v.id == video.id));
            if shown.complete {
                assert_eq!(shown.reward, episodes[shown.episode as usize - 1].reward);
            }
        }
    }
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn record_videos_needs_an_env_that_renders() {
    let root = temp_root("norender");
    let videos = RecordVideos::builder("run").root(&root).build().unwrap();
    let err = Trainer::new(cartpole(RenderMode::None))
        .episodes(2)
        .callback(videos)
        .run(&mut PushRight, &MetricsStore::in_memory().unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::NoFrames { .. }), "{err}");
    assert!(err.to_string().contains("RenderMode::RgbArray"), "{err}");
    assert!(!root.exists());
}

#[test]
fn record_videos_with_force_records_again_over_an_earlier_run() {
    let root = temp_root("force");
    for _ in 0..2 {
        let videos = RecordVideos::builder("run")
            .root(&root)
            .frequency(1)
            .force(true)
            .configure(|config| config.video_length(5))
            .build()
            .unwrap();
        let metrics = MetricsStore::in_memory().unwrap();
        let summary = Trainer::new(cartpole(RenderMode::RgbArray))
            .episodes(2)
            .callback(videos)
            .run(&mut PushRight, &metrics)
            .unwrap();
        assert_eq!(
            file_names(&summary.videos),
            ["CartPole-episode-1", "CartPole_final-episode-0"]
        );
    }
    // Without force the second run is refused before it starts.
    assert!(RecordVideos::builder("run").root(&root).build().is_err());
    std::fs::remove_dir_all(&root).ok();
}
