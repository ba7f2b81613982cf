//! [`ManifestEntry`]: what a video folder's sidecars and index lines say
//! about one video, and how it is written as JSON.

use crate::record::{EpisodeInVideo, RecordedVideo, VideoStart};
use crate::video::VideoFacts;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::SystemTime;

/// Everything the sidecar and the index say about one video (a file, or
/// the folder of a PNG sequence).
///
/// It is what [`Manifest`](super::Manifest) writes as `<name>.json` and as one line of
/// `index.jsonl`; times are RFC 3339 in UTC with milliseconds, returns that
/// are not finite numbers are written as `null` and read back as NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The video's file name, relative to its folder.
    pub file: String,
    /// The id of the env recorded, when it has one.
    pub env_id: Option<String>,
    /// The version of gymrec that wrote the video.
    pub gymrec_version: String,
    /// The kind of trigger that started the video (`cubic`, `every:N`, …).
    pub trigger: String,
    /// What started the video: `{"kind": "episode"|"step", "id": N}`.
    pub started_by: VideoStart,
    /// The episodes the video shows, in order, with their return and length
    /// up to the video's last frame.
    #[serde(deserialize_with = "lenient::episodes")]
    pub episodes: Vec<EpisodeInVideo>,
    /// The first and last steps whose frames the video holds (`None` when it
    /// holds only a reset frame).
    pub steps: Option<StepRange>,
    /// What the file holds: frames, fps, duration, sizes, codec, pixel
    /// format, bytes (flattened: the JSON has these keys at the top level).
    /// Its `path` is empty, and not written: the entry names its file by
    /// [`file`](Self::file), relative to the folder, which can move.
    #[serde(flatten)]
    pub facts: VideoFacts,
    /// Wall-clock time of the first frame, to the millisecond.
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    /// Wall-clock time the video was finalized, to the millisecond.
    #[serde(with = "rfc3339")]
    pub finished_at: SystemTime,
    /// The file name of the video's poster frame beside it
    /// (`<name>.poster.png`, see [`poster_path`](super::poster_path)), when
    /// one was written; not written when `None` (entries of gymrec 0.1.0
    /// have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
    /// Whether the video was cut short by a write error, or left by a
    /// recorder that died and recovered: `frames` then counts what the
    /// file really holds
    /// ([`RecordedVideo::incomplete`]). Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// The outcome in the video's name ([`RecordedVideo::outcome`]:
    /// `failure`, `best`, …). Written only when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// The ids of the first and last steps a video holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRange {
    /// The first step id.
    pub first: u64,
    /// The last step id.
    pub last: u64,
}

/// The entry of a finished video, with no poster: the
/// [`Manifest`](super::Manifest) names the poster it writes.
impl From<&RecordedVideo> for ManifestEntry {
    fn from(video: &RecordedVideo) -> Self {
        let facts = &video.facts;
        ManifestEntry {
            file: facts
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            env_id: video.env_id.clone(),
            gymrec_version: env!("CARGO_PKG_VERSION").to_string(),
            trigger: video.trigger.clone(),
            started_by: video.started_by,
            episodes: video.episodes.clone(),
            steps: video.steps.map(|(first, last)| StepRange { first, last }),
            facts: VideoFacts {
                path: PathBuf::new(),
                ..facts.clone()
            },
            started_at: rfc3339::to_millis(video.started_at),
            finished_at: rfc3339::to_millis(video.finished_at),
            poster: None,
            incomplete: video.incomplete,
            outcome: video.outcome.clone(),
        }
    }
}

/// Deserializes what [`ManifestEntry`] serializes, reading back as NaN the
/// returns serde_json wrote as `null` because they were not finite.
mod lenient {
    use super::EpisodeInVideo;
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    struct Episode {
        episode: u64,
        #[serde(rename = "return")]
        ret: Option<f64>,
        length: u64,
        complete: bool,
    }

    pub fn episodes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EpisodeInVideo>, D::Error> {
        let episodes = Vec::<Episode>::deserialize(d)?;
        Ok(episodes
            .into_iter()
            .map(|e| EpisodeInVideo {
                episode: e.episode,
                ret: e.ret.unwrap_or(f64::NAN),
                length: e.length,
                complete: e.complete,
            })
            .collect())
    }
}

/// `SystemTime` as RFC 3339 in UTC with milliseconds
/// (`2025-11-25T16:25:51.013Z`), through jiff's [`Timestamp`].
pub(crate) mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "{text:?} is not an RFC 3339 UTC time like 2025-11-25T16:25:51.013Z"
            ))
        })
    }

    /// `t` as a timestamp cut to whole milliseconds, as written: times
    /// before 1970 count as 1970, times after jiff's last (the end of year
    /// 9999) as that.
    pub fn timestamp(t: SystemTime) -> Timestamp {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since.as_millis())
            .ok()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
            .unwrap_or(Timestamp::MAX)
    }

    /// `t` cut to whole milliseconds, as written (before 1970: 1970).
    pub fn to_millis(t: SystemTime) -> SystemTime {
        let ms = u64::try_from(timestamp(t).as_millisecond()).unwrap_or(0);
        UNIX_EPOCH
            .checked_add(Duration::from_millis(ms))
            .unwrap_or(t)
    }

    /// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn format(t: SystemTime) -> String {
        format!("{:.3}", timestamp(t))
    }

    /// Parses an RFC 3339 time in UTC, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`
    /// (`t` or a space may stand for `T`, `z` for `Z`), or whatever else
    /// jiff reads as a timestamp (ISO 8601's other forms) as long as it ends
    /// in `Z`: what gymrec writes is UTC, so a time with an offset is not
    /// its. A leap second (`:60`) reads as `:59`, as jiff does; times before
    /// 1970 are refused, as they are never written.
    pub fn parse(text: &str) -> Option<SystemTime> {
        if !text.ends_with(['Z', 'z']) {
            return None;
        }
        let t: Timestamp = text.parse().ok()?;
        if t < Timestamp::UNIX_EPOCH {
            return None;
        }
        SystemTime::try_from(t).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::time::{Duration, UNIX_EPOCH};

    /// An index line as gymrec 0.1.0 wrote it before the entry embedded
    /// [`VideoFacts`] (the same text, key for key and byte for byte).
    const LINE: &str = concat!(
        r#"{"file":"rl-video-episode-2.mp4","env_id":"CartPole-v1","gymrec_version":"0.1.0","#,
        r#""trigger":"cubic","started_by":{"kind":"episode","id":2},"#,
        r#""episodes":[{"episode":2,"return":null,"length":9,"complete":false}],"#,
        r#""steps":{"first":40,"last":48},"frames":10,"fps":50,"duration_secs":0.2,"#,
        r#""width":601,"height":401,"encoded_width":602,"encoded_height":402,"#,
        r#""codec":"h264","pixel_format":"yuv420p","bytes":12345,"#,
        r#""started_at":"2025-11-25T16:25:51.013Z","finished_at":"2025-11-25T16:25:52.500Z"}"#
    );

    /// The keys of an entry's JSON, as they have always been (in `LINE`'s order).
    const KEYS: [&str; 19] = [
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
    ];

    fn video() -> RecordedVideo {
        RecordedVideo {
            facts: VideoFacts {
                path: PathBuf::from("videos/run/rl-video-episode-2.mp4"),
                frames: 10,
                fps: 50,
                duration_secs: 0.2,
                width: 601,
                height: 401,
                encoded_width: 602,
                encoded_height: 402,
                codec: "h264".into(),
                pixel_format: "yuv420p".into(),
                bytes: 12345,
            },
            env_id: Some("CartPole-v1".into()),
            trigger: "cubic".into(),
            started_by: VideoStart::Episode(2),
            episodes: vec![EpisodeInVideo {
                episode: 2,
                ret: f64::NAN,
                length: 9,
                complete: false,
            }],
            steps: Some((40, 48)),
            // Cut to the millisecond in the entry.
            started_at: at(1_764_087_951, 13) + Duration::from_micros(700),
            finished_at: at(1_764_087_952, 500),
            incomplete: false,
            outcome: None,
            recorded_as: None,
        }
    }

    #[test]
    fn a_video_cut_short_is_marked_incomplete_and_others_are_not() {
        let whole = serde_json::to_value(ManifestEntry::from(&video())).unwrap();
        assert!(whole.get("incomplete").is_none(), "{whole}");
        let mut cut = video();
        cut.incomplete = true;
        let entry = ManifestEntry::from(&cut);
        let json = serde_json::to_string(&entry).unwrap();
        assert!(json.contains(r#""frames":10"#) && json.contains(r#""incomplete":true"#));
        let back: ManifestEntry = serde_json::from_str(&json).unwrap();
        assert!(back.incomplete);
    }

    #[test]
    fn an_entry_is_written_as_before_and_reads_back() {
        let mut entry = ManifestEntry::from(&video());
        assert_eq!(entry.file, "rl-video-episode-2.mp4");
        assert_eq!(
            entry.facts.path,
            PathBuf::new(),
            "the entry names its file by `file`"
        );
        assert_eq!(entry.facts.frames, 10);
        entry.gymrec_version = "0.1.0".into();
        let line = serde_json::to_string(&entry).unwrap();
        assert_eq!(line, LINE);
        // The same keys (their order is the line's, checked above).
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        let keys: BTreeSet<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys, BTreeSet::from(KEYS));
        // The sidecar's pretty form has the same keys and values.
        let pretty = serde_json::to_string_pretty(&entry).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
            value
        );

        // Round trip; NaN returns compared by hand, as NaN != NaN.
        let back: ManifestEntry = serde_json::from_str(LINE).unwrap();
        assert!(back.episodes[0].ret.is_nan());
        let (mut back, mut entry) = (back, entry);
        back.episodes[0].ret = 0.0;
        entry.episodes[0].ret = 0.0;
        assert_eq!(back, entry);
        let again: ManifestEntry = serde_json::from_str(&pretty).unwrap();
        assert_eq!(serde_json::to_string(&again).unwrap(), LINE);
    }

    #[test]
    fn a_recorded_video_still_writes_its_path() {
        let mut video = video();
        // (A RecordedVideo reads no NaN back from null; the entry does.)
        video.episodes[0].ret = 1.5;
        let json = serde_json::to_value(&video).unwrap();
        assert_eq!(json["path"], "videos/run/rl-video-episode-2.mp4");
        assert_eq!(json["frames"], 10);
        let back: RecordedVideo = serde_json::from_value(json).unwrap();
        // (Its times are float seconds, which need not round-trip exactly.)
        assert_eq!(back.facts, video.facts);
    }

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(secs * 1000 + millis)
    }

    #[test]
    fn times_format_as_rfc3339_utc_and_parse_back() {
        for (secs, ms, text) in [
            (0, 0, "1970-01-01T00:00:00.000Z"),
            (951_782_400, 5, "2000-02-29T00:00:00.005Z"),
            (951_868_799, 999, "2000-02-29T23:59:59.999Z"),
            (1_709_251_199, 0, "2024-02-29T23:59:59.000Z"),
            (4_107_542_400, 120, "2100-03-01T00:00:00.120Z"),
            (1_764_087_951, 13, "2025-11-25T16:25:51.013Z"),
        ] {
            assert_eq!(rfc3339::format(at(secs, ms)), text);
            assert_eq!(rfc3339::parse(text), Some(at(secs, ms)), "{text}");
        }
        assert_eq!(
            rfc3339::parse("2025-11-25T16:25:51Z"),
            Some(at(1_764_087_951, 0))
        );
        assert_eq!(
            rfc3339::parse("2025-11-25 16:25:51.5z"),
            Some(at(1_764_087_951, 500))
        );
        for bad in [
            "",
            "2025-11-25T16:25:51.013",
            "2025-11-25T16:25:51.013+01:00",
            "2025-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2025-11-25T24:00:00Z",
            "2025-11-25T16:25:51.Z",
            "2025-11-25T16:25:51.0123456789Z",
            "+025-11-25T16:25:51Z",
            "2025-11-25T16:2a:51Z",
        ] {
            assert_eq!(rfc3339::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_are_cut_to_the_millisecond_and_never_before_1970() {
        let t = at(1_764_087_951, 13) + Duration::from_nanos(999_999);
        assert_eq!(rfc3339::format(t), "2025-11-25T16:25:51.013Z");
        assert_eq!(rfc3339::to_millis(t), at(1_764_087_951, 13));
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(rfc3339::format(before), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339::to_millis(before), UNIX_EPOCH);
        // Never written, so never read.
        assert_eq!(rfc3339::parse("1969-12-31T23:59:59.999Z"), None);
        // Nine fractional digits still read, to the nanosecond.
        assert_eq!(
            rfc3339::parse("2025-11-25T16:25:51.013000001Z"),
            Some(at(1_764_087_951, 13) + Duration::from_nanos(1))
        );
    }
}
