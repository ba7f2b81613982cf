//! The messages and sources of [`Error`]'s variants.

use super::*;
use std::io::ErrorKind;
use std::ops::RangeInclusive;

fn out_of_range(setting: Setting, value: u64, allowed: RangeInclusive<u64>) -> Error {
    Error::OutOfRange {
        setting,
        value,
        allowed,
        context: None,
    }
}

/// Each numeric rule's message is the text `InvalidConfig` carried.
#[test]
fn out_of_range_keeps_each_settings_message() {
    let at_least_1 = 1..=u64::MAX;
    let cases = [
        (
            out_of_range(Setting::VideoWidth, 0, 1..=16384),
            "video width = 0 is out of range; it must be in 1..=16384 pixels",
        ),
        (
            out_of_range(Setting::VideoHeight, 20000, 1..=16384),
            "video height = 20000 is out of range; it must be in 1..=16384 pixels",
        ),
        (
            out_of_range(Setting::Fps, 0, at_least_1.clone()),
            "video fps = 0 is out of range; it must be at least 1 frame per second",
        ),
        (
            out_of_range(Setting::GifFps, 60, 1..=50),
            "video fps = 60 is too high for GIF, which plays at most 50 fps (frame delays are \
             whole hundredths of a second and browsers slow shorter ones down); set fps to 50 \
             or less, or pick mp4 or webm",
        ),
        (
            out_of_range(Setting::Fps, 1 << 40, 1..=i32::MAX as u64),
            "video fps = 1099511627776 is out of range; it must be at most 2147483647",
        ),
        (
            out_of_range(Setting::Crf, 52, 0..=51),
            "encoder crf = 52 is out of range; it must be in 0..=51 (lower is better quality)",
        ),
        (
            out_of_range(Setting::Threads, 0, at_least_1.clone()),
            "encoder threads = 0 is out of range; it must be at least 1",
        ),
        (
            out_of_range(Setting::KeyframeInterval, 0, at_least_1.clone()),
            "encoder keyframe_interval = 0 is out of range; it must be at least 1 frame, or \
             None for one keyframe a second",
        ),
        (
            out_of_range(Setting::QueueCapacity, 0, at_least_1.clone()),
            "queue_capacity is 0; the encoder queue needs room for at least 1 frame",
        ),
        (
            out_of_range(Setting::TriggerEvery, 0, at_least_1.clone()),
            "every(n) needs n >= 1 (every 0th id means nothing; use Trigger::never())",
        ),
        (
            Error::OutOfRange {
                setting: Setting::MaxEpisodeSteps,
                value: 0,
                allowed: at_least_1,
                context: Some("CartPole-v1".into()),
            },
            "CartPole-v1: max_episode_steps must be at least 1",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), format!("invalid configuration: {text}"));
    }
}

/// The training settings' messages (feature `train`).
#[cfg(feature = "train")]
#[test]
fn out_of_range_keeps_each_training_settings_message() {
    let at_least_1 = 1..=u64::MAX;
    let cases = [
        (
            out_of_range(Setting::RecordVideosFrequency, 0, at_least_1.clone()),
            "RecordVideos frequency is 0; record every 1 or more episodes or steps",
        ),
        (
            out_of_range(Setting::SaveCheckpointsFrequency, 0, at_least_1.clone()),
            "SaveCheckpoints frequency is 0; save every 1 or more episodes",
        ),
        (
            out_of_range(Setting::TrainerEpisodes, 0, at_least_1.clone()),
            "Trainer episodes is 0; it must be at least 1",
        ),
        (
            out_of_range(Setting::TrainerLogFreq, 0, at_least_1.clone()),
            "Trainer log_freq is 0; it must be at least 1",
        ),
        (
            out_of_range(Setting::TrainerWindow, 0, at_least_1.clone()),
            "Trainer window is 0; it must be at least 1",
        ),
        (
            out_of_range(Setting::TrainerMaxSteps, 0, at_least_1.clone()),
            "Trainer max_steps is 0; it must be at least 1",
        ),
        (
            out_of_range(Setting::RewardWindow, 0, at_least_1),
            "reward_window is 0; the moving statistics need at least 1 episode",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), format!("invalid configuration: {text}"));
    }
}

/// The other configuration rules keep their texts too.
#[test]
fn specific_config_variants_keep_their_messages() {
    let cases = [
        (
            Error::InvalidNamePrefix { prefix: "".into() },
            "invalid configuration: name_prefix is empty; give a file-name prefix such as \
             \"rl-video\"",
        ),
        (
            Error::InvalidNamePrefix {
                prefix: "a/b".into(),
            },
            "invalid configuration: name_prefix \"a/b\" contains a path separator or \"..\"; \
             it must be a plain file-name prefix (choose the folder with the video folder)",
        ),
        (
            Error::NoStepTrigger {
                dirpath: "v".into(),
            },
            "invalid configuration: RecordState for v: method is step but no step_trigger is \
             set; set one (for example Trigger::every(1000)) or use RecordMethod::Episode",
        ),
        (
            Error::OnlyStepTrigger {
                dirpath: "v".into(),
            },
            "invalid configuration: RecordState for v: method is episode but only a \
             step_trigger is set; set an episode_trigger or use RecordMethod::Step",
        ),
        (
            Error::GridLayout {
                cells: 3,
                cols: 4,
                cell_size: (8, 8),
            },
            "invalid configuration: a grid of 3 cells in 4 columns: there must be at least \
             one cell and between 1 and 3 columns",
        ),
        (
            Error::GridLayout {
                cells: 3,
                cols: 2,
                cell_size: (0, 8),
            },
            "invalid configuration: grid cells of 0x8 pixels: frames must be at least 1x1",
        ),
        (
            Error::GridLayout {
                cells: 3,
                cols: 2,
                cell_size: (u32::MAX, 8),
            },
            "invalid configuration: a grid of 2x2 cells of 4294967295x8 pixels is too large \
             for a frame; tile fewer or smaller frames",
        ),
        (
            Error::GridFrameSize {
                expected: (16, 8),
                got: (10, 10),
                rows: 1,
                cols: 2,
                cell_size: (8, 8),
            },
            "invalid configuration: grid frame is 10x10 but a 1x2 grid of 8x8 cells is 16x8; \
             make the grid frame with TileLayout::size",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
}

#[cfg(feature = "train")]
#[test]
fn no_env_spec_keeps_its_message() {
    let err = Error::NoEnvSpec {
        needed_for: "take its name from",
        advice: "make it with gymrec::make or a Registry, or give it an EnvSpec",
    };
    assert_eq!(
        err.to_string(),
        "invalid configuration: the training env has no spec to take its name from; make it \
         with gymrec::make or a Registry, or give it an EnvSpec"
    );
}

#[test]
fn errors_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Error>();
}

#[test]
fn encode_and_decode_show_what_source_and_hint() {
    let err = Error::Encode {
        path: "v.mp4".into(),
        what: "cannot write a packet".into(),
        hint: "check that the disk is not full",
        source: Some(Box::new(std::io::Error::from(ErrorKind::StorageFull))),
    };
    assert_eq!(
        err.to_string(),
        format!(
            "v.mp4: cannot write the video: cannot write a packet ({}); check that the disk \
             is not full",
            std::io::Error::from(ErrorKind::StorageFull)
        )
    );
    assert_eq!(err.io_kind(), Some(ErrorKind::StorageFull));
    let err = Error::Decode {
        path: "v.png".into(),
        what: "frame-000001.png is missing".into(),
        hint: "",
        source: None,
    };
    assert_eq!(
        err.to_string(),
        "v.png: cannot read the video: frame-000001.png is missing"
    );
    assert!(std::error::Error::source(&err).is_none());
    assert_eq!(err.io_kind(), None);
}

#[test]
fn io_kind_finds_an_io_error_wrapped_in_another_crates_error() {
    // A `gif` encoding error whose source is the failed write.
    #[derive(Debug, thiserror::Error)]
    #[error("encoding failed")]
    struct Wrapper(#[source] std::io::Error);
    let err = Error::Encode {
        path: "v.gif".into(),
        what: "cannot write a frame".into(),
        hint: "",
        source: Some(Box::new(Wrapper(ErrorKind::NotFound.into()))),
    };
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound));
    let stopped = Error::WriterStopped {
        path: "v.gif".into(),
        reason: err.to_string(),
        source: err.io_kind().map(std::io::Error::from),
    };
    assert_eq!(stopped.io_kind(), Some(ErrorKind::NotFound));
    assert_eq!(Error::NoSubEnvs.io_kind(), None);
    #[cfg(feature = "train")]
    assert_eq!(Error::NoEpisodes.io_kind(), None);
}
