//! The manifest of a video folder, through the public API: JSON sidecars,
//! `index.jsonl`, the `index.html` gallery, the keep-only filter, videos
//! deleted or replaced afterwards, and wrappers (threads and processes)
//! sharing one folder. The gallery is played in a browser by
//! `tests/it/gallery.rs`.

use gymrec::catalog::Manifest;
use gymrec::catalog::{
    GALLERY_FILE, INDEX_FILE, ManifestEntry, StepRange, listed_videos, poster_path, read_index,
    read_sidecar, sidecar_path, write_gallery,
};
use gymrec::env::{
    BoxSpace, Discrete, Env, EnvSpec, Frame, Info, Metadata, RenderMode, Space, Step,
};
use gymrec::record::{RecordingConfig, Trigger, VideoStart};
use gymrec::video::probe::probe;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
#[cfg(feature = "cli")]
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

/// An env whose episode `i` lasts `lengths[i % n]` steps, each worth
/// `rewards[i % n]`, and whose frames are one grey level per episode.
#[derive(Debug)]
struct Scripted {
    spec: EnvSpec,
    lengths: Vec<u64>,
    rewards: Vec<f64>,
    episode: Option<usize>,
    t: u64,
    metadata: Metadata,
    actions: Space,
    observations: Space,
}

impl Scripted {
    fn new(id: &str, lengths: &[u64], rewards: &[f64]) -> Self {
        Scripted {
            spec: EnvSpec::new(id),
            lengths: lengths.to_vec(),
            rewards: rewards.to_vec(),
            episode: None,
            t: 0,
            metadata: Metadata {
                render_modes: vec![RenderMode::RgbArray],
                render_fps: Some(25),
            },
            actions: Discrete::new(1).into(),
            observations: BoxSpace::uniform(1, 0.0, 1e9).into(),
        }
    }

    fn current(&self) -> usize {
        self.episode.unwrap_or(0)
    }
}

impl Env for Scripted {
    type Obs = u64;
    type Action = i64;

    fn reset(&mut self, _seed: Option<u64>) -> gymrec::Result<(u64, Info)> {
        self.episode = Some(self.episode.map_or(0, |e| e + 1));
        self.t = 0;
        Ok((0, Info::new()))
    }

    fn step(&mut self, _action: i64) -> gymrec::Result<Step<u64>> {
        let i = self.current();
        self.t += 1;
        Ok(Step {
            obs: self.t,
            reward: self.rewards[i % self.rewards.len()],
            terminated: self.t >= self.lengths[i % self.lengths.len()],
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
        RenderMode::RgbArray
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn spec(&self) -> Option<&EnvSpec> {
        Some(&self.spec)
    }
    fn frame_size(&self) -> Option<(u32, u32)> {
        Some((64, 48))
    }
    fn render_into(&mut self, frame: &mut Frame) -> gymrec::Result<()> {
        let level = (40 + 30 * (self.current() % 7)) as u8;
        for p in frame.pixels_mut() {
            p.0 = [level, 255 - level, (self.t * 9 % 256) as u8];
        }
        Ok(())
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-manifest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `episodes` whole episodes.
fn run<E: Env<Action = i64>>(env: &mut E, episodes: u64) {
    for _ in 0..episodes {
        env.reset(None).unwrap();
        while !env.step(0).unwrap().done() {}
    }
}

/// The sorted file names in `dir`.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Decodes the `%XX` escapes of a URL path.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Reverses the gallery's HTML escaping.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The file names the gallery page plays, in page order (from the `src`
/// of each `<video>`).
fn gallery_videos(dir: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    html.split("<video ")
        .skip(1)
        .map(|tag| {
            let src = tag.split("src=\"").nth(1).unwrap();
            percent_decode(&unescape(&src[..src.find('"').unwrap()]))
        })
        .collect()
}

fn names(entries: &[ManifestEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.file.as_str()).collect()
}

#[test]
fn sidecar_and_index_line_describe_each_kept_video() {
    let dir = temp_dir("describe");
    let env = Scripted::new("Scripted-v3", &[4, 7, 2], &[1.5, -1.0, 10.0]);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .gallery()
        .wrap(env)
        .unwrap();
    run(&mut env, 3);
    let videos = env.take_report().into_result().unwrap();
    drop(env);
    assert_eq!(videos.len(), 3);

    let index = read_index(&dir).unwrap();
    assert_eq!(index.len(), 3);
    let mut first_step = 0;
    for (i, (video, line)) in videos.iter().zip(&index).enumerate() {
        let sidecar = read_sidecar(&video.facts.path).unwrap();
        assert_eq!(&sidecar, line, "the sidecar and the index line agree");
        // The entry of the video, naming the poster written beside it.
        let poster = poster_path(&video.facts.path);
        assert!(poster.is_file(), "{}", poster.display());
        assert_eq!(
            sidecar,
            ManifestEntry {
                poster: Some(format!("rl-video-episode-{i}.poster.png")),
                ..ManifestEntry::from(video)
            }
        );

        let length = [4, 7, 2][i];
        let ret = [1.5, -1.0, 10.0][i] * length as f64;
        assert_eq!(sidecar.file, format!("rl-video-episode-{i}.mp4"));
        assert_eq!(sidecar.env_id.as_deref(), Some("Scripted-v3"));
        assert_eq!(sidecar.gymrec_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(sidecar.trigger, "all");
        assert_eq!(sidecar.started_by, VideoStart::Episode(i as u64));
        assert_eq!(sidecar.episodes.len(), 1);
        let e = &sidecar.episodes[0];
        assert_eq!(
            (e.episode, e.ret, e.length, e.complete),
            (i as u64, ret, length, true)
        );
        let steps = StepRange {
            first: first_step,
            last: first_step + length - 1,
        };
        assert_eq!(sidecar.steps, Some(steps));
        first_step += length;

        let probed = probe(&video.facts.path).unwrap();
        assert_eq!(sidecar.facts.frames, length + 1);
        assert_eq!(probed.frames, sidecar.facts.frames);
        assert_eq!(
            (sidecar.facts.fps, sidecar.facts.duration_secs),
            (25, (length + 1) as f64 / 25.0)
        );
        assert_eq!((sidecar.facts.width, sidecar.facts.height), (64, 48));
        assert_eq!(
            (sidecar.facts.encoded_width, sidecar.facts.encoded_height),
            (64, 48)
        );
        assert_eq!(
            (sidecar.facts.codec.as_str(), probed.codec.as_str()),
            ("h264", "h264")
        );
        assert_eq!(sidecar.facts.pixel_format, "yuv420p");
        assert_eq!(
            sidecar.facts.bytes,
            std::fs::metadata(&video.facts.path).unwrap().len()
        );
        assert!(sidecar.started_at <= sidecar.finished_at);
        let age = sidecar.finished_at.elapsed().unwrap_or_default();
        assert!(age < Duration::from_secs(120), "finished {age:?} ago");
    }

    // The files, as written: one JSON document per sidecar, one line per video.
    let raw = std::fs::read_to_string(dir.join("rl-video-episode-1.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&raw).unwrap();
    // The keys a sidecar has always had: the video's facts at the top level,
    // with its file name and no full path.
    let keys: BTreeSet<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "file",
            "env_id",
            "gymrec_version",
            "trigger",
            "started_by",
            "episodes",
            "steps",
            "frames",
            "fps",
            "duration_secs",
            "width",
            "height",
            "encoded_width",
            "encoded_height",
            "codec",
            "pixel_format",
            "bytes",
            "started_at",
            "finished_at",
            "poster",
        ])
    );
    assert_eq!(json["episodes"][0]["return"], -7.0);
    assert_eq!(json["started_by"]["kind"], "episode");
    assert_eq!(json["steps"]["first"], 4);
    let started = json["started_at"].as_str().unwrap();
    assert!(
        started.len() == 24 && started.ends_with('Z') && started.as_bytes()[10] == b'T',
        "{started}"
    );
    let lines = std::fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(lines.ends_with('\n'));
    assert_eq!(lines.lines().count(), 3);
    for line in lines.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }

    assert_eq!(
        files(&dir),
        [
            "index.html",
            "index.jsonl",
            "rl-video-episode-0.json",
            "rl-video-episode-0.mp4",
            "rl-video-episode-0.poster.png",
            "rl-video-episode-1.json",
            "rl-video-episode-1.mp4",
            "rl-video-episode-1.poster.png",
            "rl-video-episode-2.json",
            "rl-video-episode-2.mp4",
            "rl-video-episode-2.poster.png",
        ]
    );
    // Newest first.
    assert_eq!(
        gallery_videos(&dir),
        [
            "rl-video-episode-2.mp4",
            "rl-video-episode-1.mp4",
            "rl-video-episode-0.mp4"
        ]
    );
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    assert!(html.contains("return <b>-7</b>") && html.contains("length <b>7</b>"));
    assert!(html.contains("<option value=\"Scripted-v3\">Scripted-v3 (3)</option>"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn step_videos_over_several_episodes_list_each_episode() {
    let dir = temp_dir("steps");
    let env = Scripted::new("Scripted-v0", &[3], &[2.0]);
    let mut env = RecordingConfig::new(&dir)
        .step_trigger(Trigger::every(100).unwrap())
        .video_length(8)
        .observer(Manifest::new())
        .wrap(env)
        .unwrap();
    run(&mut env, 4);
    env.take_report().into_result().unwrap();
    let [entry] = &read_index(&dir).unwrap()[..] else {
        panic!("one video expected")
    };
    assert_eq!(entry.file, "rl-video-step-0.mp4");
    assert_eq!(entry.trigger, "every:100");
    assert_eq!(entry.started_by, VideoStart::Step(0));
    assert_eq!(entry.facts.frames, 8);
    let episodes: Vec<_> = entry
        .episodes
        .iter()
        .map(|e| (e.episode, e.ret, e.length, e.complete))
        .collect();
    // 8 frames: after steps 0, 1, 2 (episode 0 ends), the reset of episode
    // 1, after steps 3, 4, 5 (episode 1 ends), the reset of episode 2.
    assert_eq!(
        episodes,
        [(0, 6.0, 3, true), (1, 6.0, 3, true), (2, 0.0, 0, false)]
    );
    assert_eq!(entry.steps, Some(StepRange { first: 0, last: 5 }));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn videos_not_kept_never_enter_the_index_or_the_gallery() {
    let dir = temp_dir("keep");
    // Returns 3, 8, 3, 8, 3, 8: keep only the failures (return below 5).
    let env = Scripted::new("Scripted-v1", &[3, 8], &[1.0]);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .gallery()
        .keep_if(|video| video.episodes.iter().any(|e| e.complete && e.ret < 5.0))
        .wrap(env)
        .unwrap();
    run(&mut env, 6);
    let videos = env.take_report().into_result().unwrap();
    drop(env);

    let kept = [
        "rl-video-episode-0.mp4",
        "rl-video-episode-2.mp4",
        "rl-video-episode-4.mp4",
    ];
    let reported: Vec<_> = videos
        .iter()
        .map(|v| v.facts.path.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(reported, kept);
    assert_eq!(names(&read_index(&dir).unwrap()), kept);
    let mut newest_first = kept;
    newest_first.reverse();
    assert_eq!(gallery_videos(&dir), newest_first);
    assert_eq!(names(&listed_videos(&dir).unwrap()), newest_first);
    assert!(
        read_index(&dir)
            .unwrap()
            .iter()
            .all(|e| e.episodes[0].ret == 3.0)
    );
    assert_eq!(
        files(&dir),
        [
            "index.html",
            "index.jsonl",
            "rl-video-episode-0.json",
            "rl-video-episode-0.mp4",
            "rl-video-episode-0.poster.png",
            "rl-video-episode-2.json",
            "rl-video-episode-2.mp4",
            "rl-video-episode-2.poster.png",
            "rl-video-episode-4.json",
            "rl-video-episode-4.mp4",
            "rl-video-episode-4.poster.png",
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn videos_deleted_by_hand_leave_the_gallery_but_stay_in_the_index() {
    let dir = temp_dir("deleted");
    let env = Scripted::new("Scripted-v1", &[2], &[1.0]);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .gallery()
        .wrap(env)
        .unwrap();
    run(&mut env, 3);
    env.take_report().into_result().unwrap();
    std::fs::remove_file(dir.join("rl-video-episode-1.mp4")).unwrap();

    // The next video's gallery leaves it out; so does a rewrite by hand.
    run(&mut env, 1);
    env.take_report().into_result().unwrap();
    let shown = [
        "rl-video-episode-3.mp4",
        "rl-video-episode-2.mp4",
        "rl-video-episode-0.mp4",
    ];
    assert_eq!(gallery_videos(&dir), shown);
    std::fs::remove_file(dir.join("rl-video-episode-2.mp4")).unwrap();
    assert_eq!(write_gallery(&dir).unwrap(), dir.join(GALLERY_FILE));
    assert_eq!(
        gallery_videos(&dir),
        ["rl-video-episode-3.mp4", "rl-video-episode-0.mp4"]
    );
    assert_eq!(read_index(&dir).unwrap().len(), 4);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_replaced_video_that_is_not_kept_leaves_no_trace() {
    let dir = temp_dir("replaced");
    let record = |keep_episode_1: bool| {
        let env = Scripted::new("Scripted-v1", &[2, 3, 4], &[1.0]);
        let mut env = RecordingConfig::new(&dir)
            .episode_trigger(Trigger::always())
            .overwrite(true)
            .gallery()
            .keep_if(move |v| keep_episode_1 || v.started_by != VideoStart::Episode(1))
            .wrap(env)
            .unwrap();
        run(&mut env, 3);
        env.take_report().into_result().unwrap()
    };
    assert_eq!(record(true).len(), 3);
    assert_eq!(gallery_videos(&dir).len(), 3);

    // The second run replaces every video but does not keep episode 1's.
    assert_eq!(record(false).len(), 2);
    assert!(!dir.join("rl-video-episode-1.mp4").exists());
    assert!(!sidecar_path(&dir.join("rl-video-episode-1.mp4")).exists());
    assert!(
        !poster_path(&dir.join("rl-video-episode-1.mp4")).exists(),
        "the replaced video's poster goes with it"
    );
    for kept in ["rl-video-episode-0.mp4", "rl-video-episode-2.mp4"] {
        assert!(poster_path(&dir.join(kept)).is_file(), "{kept}");
    }
    assert_eq!(
        gallery_videos(&dir),
        ["rl-video-episode-2.mp4", "rl-video-episode-0.mp4"]
    );
    // The index is a log: it keeps every line; the last one per file counts.
    let index = read_index(&dir).unwrap();
    assert_eq!(index.len(), 5);
    let listed = listed_videos(&dir).unwrap();
    assert_eq!(
        names(&listed),
        ["rl-video-episode-2.mp4", "rl-video-episode-0.mp4"]
    );
    assert_eq!(listed[0], index[4]);
    assert_eq!(listed[1], index[3]);
    assert_eq!(
        read_sidecar(&dir.join("rl-video-episode-0.mp4")).unwrap(),
        index[3]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn everything_from_data_is_escaped_in_the_gallery() {
    let dir = temp_dir("escape");
    let id = "<img src=x onerror=alert(1)>\"'&";
    let prefix = "a <b>&'\"#%?é";
    let env = Scripted::new(id, &[2], &[1.0]);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .name_prefix(prefix)
        .gallery()
        .wrap(env)
        .unwrap();
    run(&mut env, 2);
    env.take_report().into_result().unwrap();
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    assert!(
        !html.contains("<img") && !html.contains("<b>&"),
        "raw markup from data"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"));
    assert!(html.contains("a &lt;b&gt;&amp;&#39;&quot;#%?é-episode-1.mp4"));
    // Each src is the file name, percent-encoded, and names a file that exists.
    let played = gallery_videos(&dir);
    assert_eq!(
        played,
        [
            format!("{prefix}-episode-1.mp4"),
            format!("{prefix}-episode-0.mp4")
        ]
    );
    assert!(played.iter().all(|f| dir.join(f).is_file()));
    assert!(html.contains("src=\"a%20%3Cb%3E%26%27%22%23%25%3F%C3%A9-episode-1.mp4\""));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn non_finite_returns_are_written_as_null_and_read_back_as_nan() {
    let dir = temp_dir("nan");
    let env = Scripted::new("Scripted-v1", &[2], &[f64::NAN]);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .gallery()
        .wrap(env)
        .unwrap();
    run(&mut env, 1);
    env.take_report().into_result().unwrap();
    let raw = std::fs::read_to_string(dir.join("rl-video-episode-0.json")).unwrap();
    assert!(raw.contains("\"return\": null"), "{raw}");
    let entry = read_sidecar(&dir.join("rl-video-episode-0.mp4")).unwrap();
    assert!(entry.episodes[0].ret.is_nan());
    assert_eq!(gallery_videos(&dir), ["rl-video-episode-0.mp4"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn damaged_index_lines_are_skipped_and_later_lines_start_fresh() {
    let dir = temp_dir("damaged");
    let env = Scripted::new("Scripted-v1", &[2], &[1.0]);
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .gallery()
        .wrap(env)
        .unwrap();
    run(&mut env, 1);
    env.take_report().into_result().unwrap();
    // A line cut short by a crash, with no newline.
    let index = dir.join(INDEX_FILE);
    let mut text = std::fs::read_to_string(&index).unwrap();
    text.push_str("{\"file\":\"rl-video-epis");
    std::fs::write(&index, text).unwrap();
    assert_eq!(read_index(&dir).unwrap().len(), 1);

    run(&mut env, 1);
    env.take_report().into_result().unwrap();
    assert_eq!(
        names(&read_index(&dir).unwrap()),
        ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]
    );
    assert_eq!(std::fs::read_to_string(&index).unwrap().lines().count(), 3);
    assert_eq!(
        gallery_videos(&dir),
        ["rl-video-episode-1.mp4", "rl-video-episode-0.mp4"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_sidecar_is_an_error_naming_the_file() {
    let dir = temp_dir("bad-sidecar");
    std::fs::create_dir_all(&dir).unwrap();
    let video = dir.join("x.mp4");
    std::fs::write(sidecar_path(&video), "{\"file\": 3}").unwrap();
    let err = read_sidecar(&video).unwrap_err().to_string();
    assert!(
        err.contains("x.json") && err.contains("not a gymrec sidecar"),
        "{err}"
    );
    let err = read_sidecar(&dir.join("missing.mp4"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.json"), "{err}");
    // No index yet: nothing listed, and an empty gallery.
    assert!(read_index(&dir).unwrap().is_empty());
    write_gallery(&dir).unwrap();
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    assert!(html.contains("No videos yet.") && !html.contains("<video"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Wrappers in 8 threads each record 6 videos into one folder.
#[test]
fn wrappers_in_threads_sharing_a_folder_lose_no_lines() {
    let dir = temp_dir("threads");
    std::fs::create_dir_all(&dir).unwrap();
    let (threads, per_thread) = (8, 6);
    // Made one after another: wrappers made at the same instant in one
    // process race on the folder's write check (wrapper.rs names its probe
    // file by process id only). They record, and write the index, at once.
    let wrappers: Vec<_> = (0..threads)
        .map(|t| {
            let env = Scripted::new(&format!("Scripted{t}-v0"), &[1, 2], &[1.0]);
            RecordingConfig::new(&dir)
                .episode_trigger(Trigger::always())
                .name_prefix(format!("t{t}"))
                .gallery()
                .wrap(env)
                .unwrap()
        })
        .collect();
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for mut env in wrappers {
            let start = &start;
            s.spawn(move || {
                start.wait();
                run(&mut env, per_thread);
                let videos = env.take_report().into_result().unwrap();
                assert_eq!(videos.len(), per_thread as usize);
            });
        }
    });
    check_shared_folder(&dir, threads * per_thread as usize);
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "cli")]
/// Four `gymrec record` processes write into one folder at once.
#[test]
fn processes_sharing_a_folder_lose_no_lines() {
    let dir = temp_dir("processes");
    let children: Vec<_> = (0..4)
        .map(|p| {
            let env = ["CartPole-v1", "Acrobot-v1"][p % 2];
            Command::new(env!("CARGO_BIN_EXE_gymrec"))
                .args([
                    "record",
                    "--env",
                    env,
                    "--episodes",
                    "3",
                    "--trigger",
                    "all",
                ])
                .args(["--video-length", "12", "--quiet", "--seed", &p.to_string()])
                .args(["--name-prefix", &format!("p{p}")])
                .arg("--out")
                .arg(&dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("gallery: "), "{stdout}");
    }
    let listed = check_shared_folder(&dir, 12);
    let envs: BTreeSet<_> = listed.iter().filter_map(|e| e.env_id.as_deref()).collect();
    assert_eq!(envs, BTreeSet::from(["Acrobot-v1", "CartPole-v1"]));
    std::fs::remove_dir_all(&dir).ok();
}

/// Checks a folder written by several wrappers at once: every line of the
/// index whole, every video in it once with its sidecar, all of them in the
/// gallery, no temporary files left. Returns the listed videos.
fn check_shared_folder(dir: &Path, videos: usize) -> Vec<ManifestEntry> {
    let text = std::fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(text.ends_with('\n'));
    // A writer that reads the index mid-append of another may start its
    // line on a fresh one; blank lines mean nothing.
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), videos, "{text}");
    let index: Vec<ManifestEntry> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let unique: BTreeSet<&str> = index.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(unique.len(), videos);
    for entry in &index {
        assert_eq!(&read_sidecar(&dir.join(&entry.file)).unwrap(), entry);
    }
    let shown: BTreeSet<String> = gallery_videos(dir).into_iter().collect();
    assert_eq!(shown, unique.iter().map(|s| s.to_string()).collect());
    let listed = listed_videos(dir).unwrap();
    assert_eq!(listed.len(), videos);
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].finished_at >= w[1].finished_at),
        "newest first"
    );
    let leftovers: Vec<_> = files(dir)
        .into_iter()
        .filter(|f| f.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(
        listed
            .iter()
            .all(|e| e.started_at > UNIX_EPOCH + Duration::from_secs(1_600_000_000))
    );
    listed
}

#[cfg(feature = "cli")]
#[test]
fn the_cli_writes_the_gallery_unless_told_not_to() {
    let dir = temp_dir("cli");
    let record = |out: &Path, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_gymrec"))
            .args([
                "record",
                "--env",
                "CartPole-v1",
                "--episodes",
                "2",
                "--trigger",
                "all",
            ])
            .args(["--video-length", "5", "--quiet"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let stdout = record(&dir.join("on"), &[]);
    let page = dir.join("on").join(GALLERY_FILE);
    assert!(
        stdout.contains(&format!("gallery: {}", page.display())),
        "{stdout}"
    );
    assert_eq!(
        files(&dir.join("on")),
        [
            "index.html",
            "index.jsonl",
            "rl-video-episode-0.json",
            "rl-video-episode-0.mp4",
            "rl-video-episode-0.poster.png",
            "rl-video-episode-1.json",
            "rl-video-episode-1.mp4",
            "rl-video-episode-1.poster.png",
        ]
    );
    assert_eq!(read_index(&dir.join("on")).unwrap().len(), 2);

    let stdout = record(&dir.join("off"), &["--no-gallery"]);
    assert!(!stdout.contains("gallery"), "{stdout}");
    assert_eq!(
        files(&dir.join("off")),
        ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]
    );
    std::fs::remove_dir_all(&dir).ok();
}
