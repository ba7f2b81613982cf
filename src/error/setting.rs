//! [`Setting`]: the numeric settings [`Error::OutOfRange`] names, and that
//! variant's message.

#[cfg(doc)]
use super::Error;
use std::fmt;
use std::ops::RangeInclusive;

/// A numeric setting, as [`Error::OutOfRange`] names it.
///
/// Its `Display` is the setting's name in messages (`video fps`,
/// `encoder crf`, `Trainer log_freq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// A video's frame width in pixels ([`VideoSpec::width`](crate::video::VideoSpec::width)),
    /// also a tiled video's.
    VideoWidth,
    /// A video's frame height in pixels ([`VideoSpec::height`](crate::video::VideoSpec::height)).
    VideoHeight,
    /// A video's frames per second, wherever it is set
    /// ([`RecordingConfig::fps`](crate::record::RecordingConfig::fps),
    /// [`VideoSpec::fps`](crate::video::VideoSpec::fps)).
    Fps,
    /// A GIF's frame rate, which is at most
    /// [`GIF_MAX_FPS`](crate::video::GIF_MAX_FPS) (frame delays are whole
    /// hundredths of a second).
    GifFps,
    /// [`EncoderSettings::crf`](crate::video::EncoderSettings::crf).
    Crf,
    /// [`EncoderSettings::threads`](crate::video::EncoderSettings::threads).
    Threads,
    /// [`EncoderSettings::keyframe_interval`](crate::video::EncoderSettings::keyframe_interval).
    KeyframeInterval,
    /// The frames that may wait for the encoder
    /// ([`RecordingConfig::queue_capacity`](crate::record::RecordingConfig::queue_capacity)).
    QueueCapacity,
    /// The videos that may encode at once
    /// ([`RecordingConfig::parallel_videos`](crate::record::RecordingConfig::parallel_videos)).
    ParallelVideos,
    /// The `n` of [`Trigger::every`](crate::record::Trigger::every).
    TriggerEvery,
    /// The step limit of [`Registry::make_with_limit`](crate::env::registry::Registry::make_with_limit).
    MaxEpisodeSteps,
    /// The frequency of [`RecordVideos`](crate::train::RecordVideos)
    /// (feature `train`).
    #[cfg(feature = "train")]
    RecordVideosFrequency,
    /// The frequency of [`SaveCheckpoints`](crate::train::SaveCheckpoints)
    /// (feature `train`).
    #[cfg(feature = "train")]
    SaveCheckpointsFrequency,
    /// The episodes a [`Trainer`](crate::train::Trainer) runs (feature `train`).
    #[cfg(feature = "train")]
    TrainerEpisodes,
    /// [`Trainer::log_freq`](crate::train::Trainer::log_freq) (feature `train`).
    #[cfg(feature = "train")]
    TrainerLogFreq,
    /// [`Trainer::window`](crate::train::Trainer::window) (feature `train`).
    #[cfg(feature = "train")]
    TrainerWindow,
    /// [`Trainer::max_steps`](crate::train::Trainer::max_steps) (feature `train`).
    #[cfg(feature = "train")]
    TrainerMaxSteps,
    /// The `reward_window` of
    /// [`MetricsStore::start_experiment`](crate::train::MetricsStore::start_experiment)
    /// (feature `train`).
    #[cfg(feature = "train")]
    RewardWindow,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::VideoWidth => "video width",
            Setting::VideoHeight => "video height",
            Setting::Fps | Setting::GifFps => "video fps",
            Setting::Crf => "encoder crf",
            Setting::Threads => "encoder threads",
            Setting::KeyframeInterval => "encoder keyframe_interval",
            Setting::QueueCapacity => "queue_capacity",
            Setting::ParallelVideos => "parallel_videos",
            Setting::TriggerEvery => "every(n)",
            Setting::MaxEpisodeSteps => "max_episode_steps",
            #[cfg(feature = "train")]
            Setting::RecordVideosFrequency => "RecordVideos frequency",
            #[cfg(feature = "train")]
            Setting::SaveCheckpointsFrequency => "SaveCheckpoints frequency",
            #[cfg(feature = "train")]
            Setting::TrainerEpisodes => "Trainer episodes",
            #[cfg(feature = "train")]
            Setting::TrainerLogFreq => "Trainer log_freq",
            #[cfg(feature = "train")]
            Setting::TrainerWindow => "Trainer window",
            #[cfg(feature = "train")]
            Setting::TrainerMaxSteps => "Trainer max_steps",
            #[cfg(feature = "train")]
            Setting::RewardWindow => "reward_window",
        })
    }
}

/// The message of [`Error::OutOfRange`] (after `invalid configuration: `).
pub(super) fn out_of_range(
    setting: Setting,
    value: u64,
    allowed: &RangeInclusive<u64>,
    context: Option<&str>,
) -> String {
    let (lo, hi) = (*allowed.start(), *allowed.end());
    // "in 1..=51", or "at least 1" for an open range.
    let range = if hi == u64::MAX {
        format!("at least {lo}")
    } else {
        format!("in {lo}..={hi}")
    };
    let message = match setting {
        Setting::VideoWidth | Setting::VideoHeight => {
            format!("{setting} = {value} is out of range; it must be {range} pixels")
        }
        Setting::Fps if value < lo => format!(
            "{setting} = {value} is out of range; it must be at least {lo} frame per second"
        ),
        Setting::GifFps => format!(
            "{setting} = {value} is too high for GIF, which plays at most {hi} fps (frame delays \
             are whole hundredths of a second and browsers slow shorter ones down); set fps to \
             {hi} or less, or pick mp4 or webm"
        ),
        Setting::Fps if value > hi => {
            format!("{setting} = {value} is out of range; it must be at most {hi}")
        }
        Setting::Crf => format!(
            "{setting} = {value} is out of range; it must be {range} (lower is better quality)"
        ),
        Setting::KeyframeInterval => format!(
            "{setting} = {value} is out of range; it must be at least {lo} frame, or None for one \
             keyframe a second"
        ),
        Setting::QueueCapacity => {
            format!("{setting} is {value}; the encoder queue needs room for at least {lo} frame")
        }
        Setting::ParallelVideos => format!(
            "{setting} is {value}; at least {lo} video must be able to encode (1 encodes one \
             video at a time)"
        ),
        Setting::TriggerEvery => format!(
            "{setting} needs n >= {lo} (every {value}th id means nothing; use Trigger::never())"
        ),
        Setting::MaxEpisodeSteps => format!("{setting} must be {range}"),
        #[cfg(feature = "train")]
        Setting::RecordVideosFrequency => {
            format!("{setting} is {value}; record every {lo} or more episodes or steps")
        }
        #[cfg(feature = "train")]
        Setting::SaveCheckpointsFrequency => {
            format!("{setting} is {value}; save every {lo} or more episodes")
        }
        #[cfg(feature = "train")]
        Setting::TrainerEpisodes
        | Setting::TrainerLogFreq
        | Setting::TrainerWindow
        | Setting::TrainerMaxSteps => format!("{setting} is {value}; it must be {range}"),
        #[cfg(feature = "train")]
        Setting::RewardWindow => {
            format!("{setting} is {value}; the moving statistics need at least {lo} episode")
        }
        Setting::Fps | Setting::Threads => {
            format!("{setting} = {value} is out of range; it must be {range}")
        }
    };
    match context {
        Some(context) => format!("{context}: {message}"),
        None => message,
    }
}
