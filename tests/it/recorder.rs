//! The env-less `Recorder`: the same files as a `RecordingWrapper` on the
//! same episodes, each video's size from its first frame, failing triggers
//! reported; and the `VideoWriter` front door (format from the extension,
//! black buffers).
#![cfg(feature = "ffmpeg")]

use crate::common::{Painted, file_name, files, left_level, right_level, run, temp_dir};
use gymrec::Error;
use gymrec::env::{Env, Info};
use gymrec::record::{Recorder, RecordingConfig, RecordingSource, Trigger};
use gymrec::video::probe::{decode_rgb, probe};
use std::path::Path;

/// The (left, right) grey levels of every decoded frame.
fn levels(path: &Path) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    decode_rgb(path, |_, img| {
        let w = img.width();
        out.push((img.get_pixel(w / 4, 10)[0], img.get_pixel(3 * w / 4, 10)[0]));
        true
    })
    .unwrap();
    out
}

/// Draws what `Painted` draws for `(episode, t)` into a `width`-wide frame.
fn paint(frame: &mut gymrec::Frame, episode: u64, t: u64) {
    let width = frame.width();
    let (l, r) = (left_level(t), right_level(episode));
    for (x, _, p) in frame.enumerate_pixels_mut() {
        let v = if x < width / 2 { l } else { r };
        p.0 = [v, v, v];
    }
}

fn config(dir: &Path) -> RecordingConfig {
    RecordingConfig::new(dir)
        .episode_trigger(Trigger::every(2).unwrap())
        .step_trigger(Trigger::new(|step| step == 7))
        .video_length(0)
        .fps(25)
}

#[test]
fn an_env_less_recorder_writes_what_the_wrapper_writes() {
    let (a, b) = (temp_dir("recorder-wrapper"), temp_dir("recorder-events"));
    let episode_len = 5;

    let mut env = config(&a).wrap(Painted::new(episode_len)).unwrap();
    run(&mut env, 5);
    let wrapped = env.finish().into_result().unwrap();

    // The same episodes, told as events; no frame size declared.
    let mut recorder = Recorder::new(config(&b), RecordingSource::new("painted")).unwrap();
    let info = Info::new();
    for episode in 0..5 {
        recorder.begin_episode().unwrap();
        let mut t = 0;
        loop {
            if let Some(mut frame) = recorder.frame_buffer(64, 48) {
                paint(&mut frame, episode, t);
                recorder.submit_frame(frame, &info);
            }
            if t == episode_len {
                break;
            }
            t += 1;
            recorder.step(1.0, t == episode_len).unwrap();
        }
    }
    assert_eq!(recorder.episode_id(), Some(4));
    assert_eq!(recorder.step_id(), Some(24));
    let told = recorder.finish().into_result().unwrap();

    assert_eq!(files(&a), files(&b));
    assert_eq!(wrapped.len(), told.len());
    assert!(told.len() >= 3, "{told:?}");
    for (w, t) in wrapped.iter().zip(&told) {
        assert_eq!(w.facts.path.file_name(), t.facts.path.file_name());
        assert_eq!(w.facts.frames, t.facts.frames);
        assert_eq!(w.episodes, t.episodes);
        assert_eq!(w.steps, t.steps);
        assert_eq!(w.started_by, t.started_by);
        let (pw, pt) = (probe(&w.facts.path).unwrap(), probe(&t.facts.path).unwrap());
        assert_eq!(pt.frames, t.facts.frames);
        assert_eq!(
            (pt.width, pt.height, pt.pixel_format.as_str()),
            (64, 48, "yuv420p")
        );
        assert_eq!(pw.fps, pt.fps);
        assert_eq!(levels(&w.facts.path), levels(&t.facts.path));
    }
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

#[test]
fn each_video_takes_its_size_from_its_first_frame() {
    let dir = temp_dir("recorder-sizes");
    let config = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .fps(10);
    let mut recorder = Recorder::new(config, RecordingSource::new("resizing")).unwrap();
    let info = Info::new();
    for (episode, size) in [(32u32, 24u32), (50, 30)].into_iter().enumerate() {
        recorder.begin_episode().unwrap();
        for t in 0..4 {
            if t > 0 {
                recorder.step(0.0, false).unwrap();
            }
            let mut frame = recorder
                .frame_buffer(size.0, size.1)
                .expect("a frame is wanted");
            paint(&mut frame, episode as u64, t);
            recorder.submit_frame(frame, &info);
        }
    }
    // A frame of another size than the running video's stops it.
    assert!(recorder.frame_buffer(64, 64).is_none());
    assert!(!recorder.is_recording());
    let report = recorder.finish();
    assert!(
        matches!(
            report.errors.as_slice(),
            [Error::FrameSize {
                expected: (50, 30),
                got: (64, 64),
                ..
            }]
        ),
        "{:?}",
        report.errors
    );
    let sizes: Vec<_> = report
        .videos
        .iter()
        .map(|v| {
            let p = probe(&v.facts.path).unwrap();
            (p.width, p.height, p.frames)
        })
        .collect();
    assert_eq!(sizes, [(32, 24, 4), (50, 30, 4)]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failing_trigger_is_returned_by_the_recorder_and_reported_by_the_wrapper() {
    let failing = || {
        Trigger::try_new(|episode| {
            if episode == 1 {
                return Err(Error::io(
                    "schedule.txt",
                    std::io::ErrorKind::NotFound.into(),
                ));
            }
            Ok(true)
        })
    };
    let dir = temp_dir("recorder-trigger");
    let config = RecordingConfig::new(dir.join("events")).episode_trigger(failing());
    let mut recorder = Recorder::new(config, RecordingSource::new("events")).unwrap();
    recorder.begin_episode().unwrap();
    assert!(recorder.is_recording());
    let err = recorder.begin_episode().unwrap_err();
    assert!(
        matches!(&err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    assert_eq!(
        recorder.episode_id(),
        Some(1),
        "the episode is counted all the same"
    );
    assert!(!recorder.is_recording(), "a failing trigger does not fire");
    recorder.begin_episode().unwrap();
    assert!(recorder.is_recording());

    let mut env = RecordingConfig::new(dir.join("wrapper"))
        .episode_trigger(failing())
        .wrap(Painted::new(3))
        .unwrap();
    run(&mut env, 3);
    let report = env.finish();
    assert_eq!(report.videos.len(), 2, "episodes 0 and 2");
    assert!(
        matches!(report.errors.as_slice(), [Error::Io { path, .. }] if path.ends_with("schedule.txt")),
        "{:?}",
        report.errors
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_wrapper_shows_its_recorder_and_gives_its_env_back() {
    let dir = temp_dir("recorder-into-inner");
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Painted::new(4))
        .unwrap();
    env.reset(None).unwrap();
    env.step(0).unwrap();
    assert!(env.recorder().is_recording());
    assert_eq!(env.recorder().episode_id(), Some(0));
    assert_eq!(env.recorder().step_id(), Some(0));
    assert_eq!(env.recorder().fps(), 25);
    let first = env.take_report().into_result().unwrap();
    assert_eq!(first[0].facts.frames, 2);
    env.reset(None).unwrap();
    let painted = env.into_inner();
    assert_eq!(painted.episode, 1);
    assert_eq!(
        probe(&dir.join("rl-video-episode-1.mp4")).unwrap().frames,
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(all(feature = "ffmpeg", feature = "gif", feature = "png"))]
fn the_writer_takes_the_format_from_the_extension() {
    use gymrec::video::{VideoFormat, VideoSpec, VideoWriter, WriterOptions};
    let dir = temp_dir("writer-extension");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = VideoSpec::new(16, 12, 10);
    for (name, codec) in [
        ("a.mp4", "h264"),
        ("b.WEBM", "vp9"),
        ("c.gif", "gif"),
        ("d", "png"),
    ] {
        let mut writer = VideoWriter::create(dir.join(name), spec).unwrap();
        for _ in 0..3 {
            let frame = writer.buffer();
            writer.submit(frame).unwrap();
        }
        let facts = writer.finish().unwrap();
        assert_eq!(facts.codec, codec, "{name}");
        let p = probe(&dir.join(name)).unwrap();
        assert_eq!((p.codec.as_str(), p.frames), (codec, 3), "{name}");
    }
    // The override wins over the extension.
    let path = dir.join("e.mp4");
    let writer = WriterOptions::new()
        .format(VideoFormat::Gif)
        .create(&path, spec)
        .unwrap();
    assert_eq!(writer.finish().unwrap().codec, "gif");

    let err = VideoWriter::create(dir.join("ball.avi"), spec).unwrap_err();
    match &err {
        Error::UnknownExtension {
            extension,
            available,
            ..
        } => {
            assert_eq!(extension, "avi");
            assert_eq!(available, &[".mp4", ".webm", ".gif", "a folder (png)"]);
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("ball.avi") && text.contains(".mp4, .webm, .gif"),
        "{text}"
    );
    assert!(!dir.join("ball.avi").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(feature = "png")]
fn buffers_are_black_unless_recycled_as_they_are_is_asked_for() {
    use gymrec::video::{VideoSpec, VideoWriter};
    use std::collections::HashSet;
    use std::time::{Duration, Instant};
    let dir = temp_dir("writer-buffers");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clip");
    let mut writer = VideoWriter::create(&path, VideoSpec::new(8, 8, 10)).unwrap();
    let mut used = HashSet::new();
    for _ in 0..4 {
        let mut frame = writer.buffer();
        assert!(frame.iter().all(|&v| v == 0), "a new buffer is black");
        frame.fill(255);
        used.insert(frame.as_raw().as_ptr() as usize);
        writer.submit(frame).unwrap();
    }
    // Buffers come back once the encoder thread is done with them; until
    // then the pool hands out new ones.
    let deadline = Instant::now() + Duration::from_secs(10);
    let until = |writer: &mut VideoWriter, recycled: bool| loop {
        let frame = if recycled {
            writer.recycled_buffer()
        } else {
            writer.buffer()
        };
        if used.contains(&(frame.as_raw().as_ptr() as usize)) {
            return frame;
        }
        assert!(Instant::now() < deadline, "no buffer came back");
        std::thread::sleep(Duration::from_millis(5));
    };
    let old = until(&mut writer, true);
    assert!(
        old.iter().all(|&v| v == 255),
        "recycled_buffer() keeps the old picture"
    );
    writer.submit(old).unwrap();
    let cleared = until(&mut writer, false);
    assert!(
        cleared.iter().all(|&v| v == 0),
        "buffer() clears a recycled frame"
    );
    writer.submit(cleared).unwrap();
    writer.finish().unwrap();
    let mut whites = Vec::new();
    decode_rgb(&path, |_, img| {
        whites.push(img.iter().filter(|&&v| v == 255).count());
        true
    })
    .unwrap();
    assert_eq!(whites, [192, 192, 192, 192, 192, 0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What a tap saw of one video: its spec, the (left, right) levels of each
/// frame, and the frame count its `finish` was told.
#[derive(Debug, Default, Clone, PartialEq)]
struct Seen {
    spec: Option<(u32, u32, u32)>,
    levels: Vec<(u8, u8)>,
    finished_with: Option<u64>,
}

struct LevelTap(std::sync::Arc<std::sync::Mutex<Seen>>, Seen);

impl gymrec::video::FrameTap for LevelTap {
    fn frame(&mut self, index: u64, frame: &gymrec::Frame) {
        assert_eq!(index as usize, self.1.levels.len());
        let w = frame.width();
        self.1.levels.push((
            frame.get_pixel(w / 4, 10)[0],
            frame.get_pixel(3 * w / 4, 10)[0],
        ));
    }
    fn finish(mut self, facts: Option<&gymrec::video::VideoFacts>) {
        self.1.finished_with = facts.map(|f| f.frames);
        *self.0.lock().unwrap() = self.1.clone();
    }
}

/// Gives every video a `LevelTap`, and checks in `keep` that the tap has
/// finished before the video is judged (videos encode in parallel, so each
/// has its own slot).
#[derive(Default)]
struct Tapping {
    taps: std::collections::HashMap<std::path::PathBuf, std::sync::Arc<std::sync::Mutex<Seen>>>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl gymrec::record::RecordingObserver for Tapping {
    fn frame_tap(
        &mut self,
        path: &Path,
        spec: &gymrec::video::VideoSpec,
    ) -> Option<Box<dyn gymrec::video::FrameTap>> {
        let slot = self.taps.entry(path.to_path_buf()).or_default();
        let seen = Seen {
            spec: Some((spec.width, spec.height, spec.fps)),
            ..Seen::default()
        };
        Some(Box::new(LevelTap(slot.clone(), seen)))
    }
    fn keep(&mut self, video: &gymrec::record::RecordedVideo) -> bool {
        let seen = self.taps[&video.facts.path].lock().unwrap().clone();
        assert_eq!(seen.finished_with, Some(video.facts.frames));
        self.seen.lock().unwrap().push(seen);
        true
    }
}

#[test]
fn an_observers_frame_tap_sees_every_frame_on_the_encoder_side() {
    let dir = temp_dir("recorder-taps");
    let observer = Tapping::default();
    let seen = observer.seen.clone();
    let config = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::every(2).unwrap())
        .fps(25)
        .observer(observer);
    let mut env = config.wrap(Painted::new(4)).unwrap();
    run(&mut env, 3);
    let videos = env.finish().into_result().unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for (video, seen) in videos.iter().zip(&seen) {
        assert_eq!(seen.spec, Some((64, 48, 25)));
        // The tap saw the frames in the file, in order (H.264 is lossy).
        let decoded = levels(&video.facts.path);
        assert_eq!(seen.levels.len(), decoded.len());
        for (a, b) in seen.levels.iter().zip(&decoded) {
            assert!(
                a.0.abs_diff(b.0) <= 3 && a.1.abs_diff(b.1) <= 3,
                "{a:?} {b:?}"
            );
        }
    }
    let episodes: Vec<u64> = [0, 2].into();
    for (seen, episode) in seen.iter().zip(episodes) {
        let expected: Vec<(u8, u8)> = (0..=4)
            .map(|t| (left_level(t), right_level(episode)))
            .collect();
        assert_eq!(seen.levels, expected);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Records `episodes` episodes of `Painted` frames (5 steps) with an
/// episode video each into `recorder`, and finishes it.
fn record_painted(mut recorder: Recorder, episodes: u64) -> Vec<gymrec::record::RecordedVideo> {
    let info = Info::new();
    for episode in 0..episodes {
        recorder.begin_episode().unwrap();
        for t in 0..=5 {
            if t > 0 {
                recorder.step(1.0, t == 5).unwrap();
            }
            if let Some(mut frame) = recorder.frame_buffer(64, 48) {
                paint(&mut frame, episode, t);
                recorder.submit_frame(frame, &info);
            }
        }
    }
    recorder.finish().into_result().unwrap()
}

/// A recorder writing every episode into `dir`, overwriting (Gymnasium's
/// default).
fn overwriting(dir: &Path) -> Recorder {
    let config = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .fps(25)
        .overwrite(true);
    Recorder::new(config, RecordingSource::new("painted")).unwrap()
}

/// Every `.mp4` in `dir` decodes with 6 frames; their names.
fn whole_videos(dir: &Path) -> Vec<String> {
    let names: Vec<String> = files(dir)
        .into_iter()
        .filter(|n| n.ends_with(".mp4"))
        .collect();
    for name in &names {
        assert_eq!(probe(&dir.join(name)).unwrap().frames, 6, "{name}");
    }
    names
}

#[test]
fn two_recorders_in_threads_on_one_folder_keep_every_video() {
    let dir = temp_dir("recorder-siblings");
    let (a, b) = (overwriting(&dir), overwriting(&dir));
    let reports = std::thread::scope(|s| {
        let a = s.spawn(|| record_painted(a, 3));
        let b = s.spawn(|| record_painted(b, 3));
        [a.join().unwrap(), b.join().unwrap()]
    });
    let names = whole_videos(&dir);
    assert_eq!(names.len(), 6, "{names:?}");
    // Each is named with its recorder's worker part.
    let pid = std::process::id();
    for report in &reports {
        assert_eq!(report.len(), 3);
        let name = report[0].facts.path.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with(&format!("rl-video-w{pid}")), "{name}");
    }
    // Nothing but the videos is in the folder.
    assert_eq!(files(&dir), names);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The child of `two_processes_on_one_folder_keep_every_video`: records
/// into the folder its parent names.
#[test]
#[ignore = "run by two_processes_on_one_folder_keep_every_video as a child process"]
fn records_into_a_parents_folder() {
    let dir = std::env::var_os("GYMREC_SIBLING_DIR").expect("run by its parent");
    let videos = record_painted(overwriting(Path::new(&dir)), 3);
    assert_eq!(videos.len(), 3);
}

#[test]
fn two_processes_on_one_folder_keep_every_video() {
    let dir = temp_dir("recorder-processes");
    let parent = overwriting(&dir);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            crate::common::test_name(module_path!(), "records_into_a_parents_folder").as_str(),
            "--exact",
            "--ignored",
        ])
        .env("GYMREC_SIBLING_DIR", &dir)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    // The child saw this recorder live: its names carry its process id.
    let names = whole_videos(&dir);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("rl-video-w")),
        "{names:?}"
    );
    // Alone again, this one names its videos as Gymnasium does.
    let videos = record_painted(parent, 3);
    assert!(videos[2].facts.path.ends_with("rl-video-episode-2.mp4"));
    assert_eq!(whole_videos(&dir).len(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn existing_videos_are_found_without_a_recorder() {
    let dir = temp_dir("recorder-existing");
    let config = || RecordingConfig::new(&dir).fps(25);
    assert_eq!(Recorder::existing_video(&config()).unwrap(), None); // no folder yet
    let videos = record_painted(overwriting(&dir), 2);
    assert_eq!(
        Recorder::existing_video(&config()).unwrap().as_deref(),
        Some(videos[0].facts.path.as_path())
    );
    let other = config().name_prefix("other");
    assert_eq!(Recorder::existing_video(&other).unwrap(), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_video_folder_that_is_a_file_is_already_exists() {
    let dir = temp_dir("recorder-folder-file");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("videos");
    std::fs::write(&file, b"not a folder").unwrap();
    let err = Recorder::new(RecordingConfig::new(&file), RecordingSource::new("x")).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&*file.to_string_lossy()) && text.contains("is a file"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Stable-Baselines3's `VecVideoRecorder` counting, as the Python drop-in
/// uses it: the trigger asked with the count of steps taken at a reset and
/// after steps while no video runs or rests (through `s + video_length`),
/// `{prefix}-step-{s}-to-step-{s + L}` names, exactly L frames from the one
/// at count `s`; a reset whose trigger fires restarts the running video.
#[test]
fn stable_baselines3_step_videos_count_ask_and_name_as_sb3() {
    use gymrec::record::StepVideos;
    use std::sync::{Arc, Mutex};
    let dir = temp_dir("recorder-sb3-steps");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&asked);
    let config = RecordingConfig::new(&dir)
        .step_trigger(Trigger::new(move |count| {
            seen.lock().unwrap().push(count);
            count % 65 == 0 || count == 141 || count == 143
        }))
        .video_length(10)
        .name_prefix("agent")
        .step_videos(StepVideos::StableBaselines3)
        .fps(30)
        .overwrite(true);
    let mut recorder = Recorder::new(config, RecordingSource::new("painted")).unwrap();
    let info = Info::new();
    let submit = |recorder: &mut Recorder, count: u64| {
        if let Some(mut frame) = recorder.frame_buffer(64, 48) {
            paint(&mut frame, 0, count);
            recorder.submit_frame(frame, &info);
        }
    };
    recorder.begin_episode().unwrap();
    submit(&mut recorder, 0);
    for count in 1..=145 {
        recorder.step(1.0, count % 50 == 0).unwrap();
        if count % 50 == 0 {
            recorder.begin_episode_at_step().unwrap();
        }
        submit(&mut recorder, count);
        if count == 143 {
            // A reset whose trigger fires restarts the video of 141.
            recorder.begin_episode().unwrap();
            submit(&mut recorder, count);
        }
    }
    assert_eq!(recorder.episode_id(), Some(3));
    let videos = recorder.finish().into_result().unwrap();
    let names: Vec<String> = videos.iter().map(|v| file_name(&v.facts.path)).collect();
    assert_eq!(
        names,
        [
            "agent-step-0-to-step-10.mp4",
            "agent-step-65-to-step-75.mp4",
            "agent-step-130-to-step-140.mp4",
            "agent-step-141-to-step-151.mp4",
            "agent-step-143-to-step-153.mp4",
        ]
    );
    let frames: Vec<u64> = videos.iter().map(|v| v.facts.frames).collect();
    assert_eq!(frames, [10, 10, 10, 3, 3]);
    // The frames of counts 65 to 74, decoded.
    let shown: Vec<u8> = levels(&videos[1].facts.path).iter().map(|l| l.0).collect();
    let expected: Vec<u8> = (65..75).map(left_level).collect();
    assert_eq!(shown, expected);
    // Never asked within a video's span (0..=10, 65..=75, 130..=140,
    // 141..=151 but at the reset at 143, which restarts it).
    let asked = asked.lock().unwrap().clone();
    let expected: Vec<u64> = std::iter::once(0)
        .chain(11..=65)
        .chain(76..=130)
        .chain([141, 143])
        .collect();
    assert_eq!(asked, expected);
    std::fs::remove_dir_all(&dir).ok();
}
