//! Typed errors through the public API: each configuration rule is its own
//! variant carrying the value and the allowed range, I/O failures keep their
//! `io::ErrorKind` along the source chain, and an existing video is
//! `Error::AlreadyExists` in recording as in training.

use crate::common::{Painted, run, temp_dir};
use gymrec::env::{Discrete, RenderMode, SyncVectorEnv};
use gymrec::record::{RecordingConfig, Trigger, VectorFrames};
use gymrec::video::{MAX_DIMENSION, VideoFacts, VideoFormat, VideoSink, VideoSpec, WriterOptions};
use gymrec::{Error, Frame, Setting};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The kinds of the `io::Error`s along `err`'s source chain, `err` first.
fn io_kinds(err: &(dyn std::error::Error + 'static)) -> Vec<ErrorKind> {
    let mut kinds = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        next = e.source();
    }
    kinds
}

#[test]
fn a_video_in_a_missing_folder_fails_with_io_not_found_in_every_format() {
    let dir = temp_dir("errors-missing");
    let missing = dir.join("no-such-folder");
    for format in VideoFormat::available() {
        if format == VideoFormat::Png {
            // A PNG sequence is a folder, made with its parents.
            continue;
        }
        let path = missing.join(format.file_name("clip"));
        let err = WriterOptions::new()
            .format(format)
            .create(&path, VideoSpec::new(32, 32, 10))
            .unwrap_err();
        assert!(
            io_kinds(&err).contains(&ErrorKind::NotFound),
            "{format}: {err:?}"
        );
        assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{format}");
        assert!(err.to_string().contains("no-such-folder"), "{err}");
        match format {
            // FFmpeg's error is the source: an io::Error of the errno's kind
            // that wraps it; the message is as before.
            #[cfg(feature = "ffmpeg")]
            VideoFormat::Mp4 | VideoFormat::WebM => {
                assert!(matches!(err, Error::Encode { .. }), "{format}: {err:?}");
                let source = std::error::Error::source(&err).unwrap();
                let io = source.downcast_ref::<std::io::Error>().unwrap();
                assert!(io.get_ref().is_some(), "{io:?}");
                assert!(err.to_string().contains("cannot create the file"), "{err}");
            }
            _ => assert!(
                matches!(&err, Error::Io { path: p, .. } if *p == path),
                "{format}: {err:?}"
            ),
        }
        assert!(!path.exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "ffmpeg")]
#[test]
fn a_video_under_a_file_and_a_missing_video_keep_their_io_kinds() {
    let dir = temp_dir("errors-not-a-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let err =
        gymrec::video::VideoWriter::create(file.join("video.mp4"), VideoSpec::new(64, 48, 30))
            .unwrap_err();
    assert!(matches!(err, Error::Encode { .. }), "{err:?}");
    assert_eq!(err.io_kind(), Some(ErrorKind::NotADirectory), "{err:?}");

    let err = gymrec::video::probe::probe(&dir.join("missing.mp4")).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sink whose disk fills up at its second frame.
struct FullDisk {
    frames: u64,
}

impl VideoSink for FullDisk {
    fn write(&mut self, _frame: &Frame) -> gymrec::Result<()> {
        self.frames += 1;
        if self.frames == 2 {
            return Err(Error::io(
                "full.mp4",
                std::io::Error::from(ErrorKind::StorageFull),
            ));
        }
        Ok(())
    }

    fn finish(self) -> gymrec::Result<VideoFacts> {
        Err(Error::io(
            "full.mp4",
            std::io::Error::from(ErrorKind::StorageFull),
        ))
    }
}

#[test]
fn a_stopped_writer_keeps_the_io_kind_of_the_error_that_stopped_it() {
    let mut writer = WriterOptions::new()
        .queue_capacity(0)
        .sink(FullDisk { frames: 0 })
        .create("full.mp4", VideoSpec::new(8, 8, 10))
        .unwrap();
    let first = (0..10)
        .find_map(|_| {
            let frame = writer.buffer();
            writer.submit(frame).err()
        })
        .expect("the sink's error reaches submit");
    assert!(matches!(first, Error::Io { .. }), "{first:?}");
    assert_eq!(first.io_kind(), Some(ErrorKind::StorageFull));

    let again = writer.submit(Frame::new(8, 8)).unwrap_err();
    assert!(
        matches!(&again, Error::WriterStopped { reason, .. } if reason.contains("full.mp4")),
        "{again:?}"
    );
    assert_eq!(again.io_kind(), Some(ErrorKind::StorageFull));
    assert_eq!(io_kinds(&again), [ErrorKind::StorageFull]);
    let fin = writer.finish().unwrap_err();
    assert!(matches!(fin, Error::WriterStopped { .. }), "{fin:?}");
    assert_eq!(fin.io_kind(), Some(ErrorKind::StorageFull));
}

/// Creates what `format` writes for a video named `stem` in `dir`.
fn plant_video(dir: &Path, stem: &str) -> PathBuf {
    let format = VideoFormat::default();
    let path = dir.join(format.file_name(stem));
    match format.extension() {
        Some(_) => std::fs::write(&path, b"not a video").unwrap(),
        None => std::fs::create_dir_all(&path).unwrap(),
    }
    path
}

#[test]
fn the_recorder_refuses_an_existing_video_with_already_exists() {
    let dir = temp_dir("errors-exists");
    std::fs::create_dir_all(&dir).unwrap();
    let existing = plant_video(&dir, "rl-video-episode-3");
    let err = RecordingConfig::new(&dir)
        .wrap(Painted::new(2))
        .unwrap_err();
    assert!(
        matches!(&err, Error::AlreadyExists { path, advice }
            if *path == existing && advice.contains("overwrite(true)")),
        "{err:?}"
    );
    assert!(err.to_string().contains("already exists"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();

    // A video written by someone else after the wrapper was made is not
    // replaced either: the recorder reports AlreadyExists and goes on.
    std::fs::create_dir_all(&dir).unwrap();
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .wrap(Painted::new(2))
        .unwrap();
    let planted = plant_video(&dir, "rl-video-episode-0");
    run(&mut env, 2);
    let report = env.finish();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        matches!(&report.errors[0], Error::AlreadyExists { path, .. } if *path == planted),
        "{:?}",
        report.errors[0]
    );
    assert!(
        report.errors[0]
            .to_string()
            .contains("written by someone else"),
        "{}",
        report.errors[0]
    );
    assert_eq!(report.videos.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recording_config_errors_are_typed() {
    let dir = temp_dir("errors-config");
    let err = RecordingConfig::new(&dir)
        .name_prefix("../up")
        .wrap(Painted::new(2))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidNamePrefix { prefix } if prefix == "../up"),
        "{err:?}"
    );
    let err = RecordingConfig::new(&dir)
        .fps(0)
        .wrap(Painted::new(2))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutOfRange {
                setting: Setting::Fps,
                value: 0,
                ..
            }
        ),
        "{err:?}"
    );

    // An env that declares 0 fps, with no fps set.
    let err = RecordingConfig::new(&dir)
        .wrap(Painted::sized(2, 64, 48, Some(0)))
        .unwrap_err();
    assert!(matches!(err, Error::ZeroRenderFps { .. }), "{err:?}");
    assert!(err.to_string().contains("declares render_fps 0"), "{err}");

    #[cfg(feature = "gif")]
    {
        let err = RecordingConfig::new(&dir)
            .format(VideoFormat::Gif)
            .fps(60)
            .wrap(Painted::new(2))
            .unwrap_err();
        assert!(
            matches!(&err, Error::OutOfRange { setting: Setting::GifFps, value: 60, allowed, .. }
                if *allowed.end() == u64::from(gymrec::video::GIF_MAX_FPS)),
            "{err:?}"
        );
        assert!(err.to_string().contains("too high for GIF"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vector_env_errors_are_typed() {
    let err = SyncVectorEnv::<Painted>::new(Vec::new()).unwrap_err();
    assert!(matches!(err, Error::NoSubEnvs), "{err:?}");
    assert!(err.to_string().contains("at least one sub-env"), "{err}");

    let mut other = Painted::new(2);
    other.actions = Discrete::new(3).into();
    let err = SyncVectorEnv::new(vec![Painted::new(2), other]).unwrap_err();
    assert!(
        matches!(&err, Error::SubEnvSpaces { index: 1, space: "action", got, expected }
            if got == "Discrete(3)" && expected == "Discrete(1)"),
        "{err:?}"
    );

    let dir = temp_dir("errors-tiles");
    let big = SyncVectorEnv::from_fn(30, |_| Ok(Painted::sized(3, 3000, 240, Some(25)))).unwrap();
    let err = RecordingConfig::new(&dir)
        .wrap_vector(big, VectorFrames::Tiled)
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::TiledVideoTooLarge { cells: 30, cell_size: (3000, 240), size: (18000, 1200), max, .. }
                if *max == MAX_DIMENSION
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("tile into a 18000x1200 video"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_zero_step_limit_is_out_of_range_naming_the_env() {
    let err = gymrec::env::Registry::classic()
        .make_with_limit("CartPole-v1", RenderMode::None, Some(0))
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::OutOfRange { setting: Setting::MaxEpisodeSteps, value: 0, allowed, context: Some(env) }
            if *allowed.start() == 1 && env == "CartPole-v1"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("CartPole-v1: max_episode_steps must be at least 1"),
        "{err}"
    );
}

/// Every kind is reachable through the public API and classifies its
/// errors: a setting -> Config, an unknown env id -> Env, a video that
/// cannot be read -> Video, a missing folder -> Io, an existing video ->
/// AlreadyExists, a sidecar that is not JSON -> Catalog (keeping the JSON
/// error as its source); with their features, TensorBoard, Train and Tracker.
#[test]
fn every_error_kind_is_reachable_and_classified() {
    use gymrec::ErrorKind as Kind;
    let dir = temp_dir("errors-kinds");
    std::fs::create_dir_all(&dir).unwrap();

    let err = VideoSpec::new(64, 48, 0).validate().unwrap_err();
    assert_eq!(err.kind(), Kind::Config, "{err:?}");
    let err = RecordingConfig::new(&dir)
        .name_prefix("../up")
        .wrap(Painted::new(2))
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Config, "{err:?}");

    let err = gymrec::make("NoSuchEnv-v0", RenderMode::RgbArray)
        .err()
        .unwrap();
    assert!(matches!(err, Error::UnknownEnv { .. }), "{err:?}");
    assert_eq!(err.kind(), Kind::Env);
    assert_eq!(Error::env("GridWalk", "crashed").kind(), Kind::Env);

    // FFmpeg's reader, or the error of a build without it.
    let err = gymrec::video::probe::probe(&dir.join("missing.mp4")).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.kind(), Kind::Video);

    let in_missing = dir.join("no-such-folder").join("clip.mp4");
    let err = gymrec::catalog::read_sidecar(&in_missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(err.kind(), Kind::Io);
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound));

    let existing = plant_video(&dir, "rl-video-episode-0");
    let err = RecordingConfig::new(&dir)
        .wrap(Painted::new(2))
        .unwrap_err();
    assert!(matches!(&err, Error::AlreadyExists { path, .. } if *path == existing));
    assert_eq!(err.kind(), Kind::AlreadyExists);

    let sidecar = gymrec::catalog::sidecar_path(&existing);
    std::fs::write(&sidecar, "not json").unwrap();
    let err = gymrec::catalog::read_sidecar(&existing).unwrap_err();
    assert!(matches!(err, Error::Manifest { .. }), "{err:?}");
    assert_eq!(err.kind(), Kind::Catalog);
    let json = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<serde_json::Error>())
        .expect("the JSON error is the source");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a gymrec sidecar ({json}); delete it or write it again",
            sidecar.display()
        )
    );

    #[cfg(feature = "tensorboard")]
    {
        let file = dir.join("a-file");
        std::fs::write(&file, b"").unwrap();
        let err = gymrec::tensorboard::SummaryWriter::create(file.join("run")).unwrap_err();
        assert!(matches!(err, Error::EventFile { .. }), "{err:?}");
        assert_eq!(err.kind(), Kind::TensorBoard);
    }

    #[cfg(feature = "train")]
    {
        use gymrec::train::LinearPolicy;
        let err = LinearPolicy::from_json("not json", "policy.json").unwrap_err();
        assert!(matches!(err, Error::Json { .. }), "{err:?}");
        assert_eq!(err.kind(), Kind::Train);
        // A policy that fails its checks keeps the check's error as source.
        let text = r#"{"obs_dim": 1, "n_actions": 0, "weights": []}"#;
        let err = LinearPolicy::from_json(text, "policy.json").unwrap_err();
        assert!(matches!(err, Error::Agent { .. }), "{err:?}");
        assert_eq!(err.kind(), Kind::Train);
        let check = std::error::Error::source(&err)
            .and_then(|s| s.downcast_ref::<Error>())
            .expect("the check's error is the source");
        assert_eq!(
            err.to_string(),
            format!("LinearPolicy: policy.json: {check}")
        );
        assert!(check.to_string().contains("n_actions is 0"), "{check}");
    }

    #[cfg(feature = "mlflow")]
    {
        let err = gymrec::tracker::mlflow::MlflowClient::new("https://mlflow.example")
            .err()
            .unwrap();
        assert!(matches!(err, Error::Tracker { .. }), "{err:?}");
        assert_eq!(err.kind(), Kind::Tracker);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
