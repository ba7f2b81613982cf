//! [`RecordedVideo`]: a finished video with what it shows: which trigger
//! started it, the episodes and steps it covers, and when it was recorded.

use crate::video::VideoFacts;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::SystemTime;

/// What started a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum VideoStart {
    /// The episode trigger, at the reset of this episode id.
    Episode(u64),
    /// The step trigger, after this step id.
    Step(u64),
}

/// One episode's part in a video.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpisodeInVideo {
    /// The episode id (counting resets from 0).
    pub episode: u64,
    /// The sum of the episode's rewards up to the video's last frame.
    #[serde(rename = "return")]
    pub ret: f64,
    /// The episode's steps up to the video's last frame.
    pub length: u64,
    /// Whether the episode ended (terminated or truncated) within the video,
    /// so that `ret` and `length` are the whole episode's.
    pub complete: bool,
}

/// A finished video: the file's facts and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedVideo {
    /// The file and what it holds.
    #[serde(flatten)]
    pub facts: VideoFacts,
    /// The id of the env recorded, when it has a spec.
    pub env_id: Option<String>,
    /// The kind of trigger that started the video (`cubic`, `every:N`, …).
    pub trigger: String,
    /// What started the video.
    pub started_by: VideoStart,
    /// The episodes the video shows, in order.
    pub episodes: Vec<EpisodeInVideo>,
    /// The ids of the first and last steps whose frames the video holds
    /// (`None` when it holds only a reset frame).
    pub steps: Option<(u64, u64)>,
    /// Wall-clock time of the first frame.
    #[serde(with = "unix_seconds")]
    pub started_at: SystemTime,
    /// Wall-clock time the video was finalized.
    #[serde(with = "unix_seconds")]
    pub finished_at: SystemTime,
    /// Whether the file was cut short by a write error (a full disk, a
    /// vanished folder) while it was finished, the error then in the
    /// report's errors, or was left by a recorder that died and recovered
    /// ([`recover`](super::recover): its trigger is
    /// [`RECOVERED_TRIGGER`](super::RECOVERED_TRIGGER), its episodes not
    /// known). It plays up to its last complete fragment, and
    /// [`facts`](Self::facts) says what it really holds (its frames decoded
    /// and counted). Left out of the JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// The outcome in its name: the label of the keep rule that kept it
    /// (`failure`, `success`, `best`, `worst`, a [`Keep::named`](super::Keep::named)
    /// label) when [`RecordingConfig::outcome_in_name`](super::RecordingConfig::outcome_in_name)
    /// is on, or what [`RecordingConfig::name_suffix`](super::RecordingConfig::name_suffix)
    /// gave. Left out of the JSON when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The name observers were told of at
    /// [`video_started`](super::RecordingObserver::video_started) and
    /// [`frame_tap`](super::RecordingObserver::frame_tap), when the video
    /// was published under another (an outcome suffix, or `name~N` when its
    /// name was taken); `None` when it is `facts.path`. Not serialized.
    #[serde(skip)]
    pub recorded_as: Option<PathBuf>,
}

/// `SystemTime` as fractional seconds since the Unix epoch.
mod unix_seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let secs = t
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        s.serialize_f64(secs)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let secs = f64::deserialize(d)?;
        Ok(UNIX_EPOCH + Duration::from_secs_f64(secs.max(0.0)))
    }
}
