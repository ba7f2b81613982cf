//! [`ManifestEntry`]: what a video folder's sidecars and index lines say
//! about one video, and how it is written as JSON.

use crate::record::{EpisodeInVideo, RecordedVideo, VideoStart};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Everything the sidecar and the index say about one video (a file, or
/// the folder of a PNG sequence).
///
/// It is what [`Manifest`] writes as `<name>.json` and as one line of
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
    /// Frames in the file.
    pub frames: u64,
    /// Frames per second.
    pub fps: u32,
    /// Play time in seconds: `frames / fps`.
    pub duration_secs: f64,
    /// Width of the frames recorded.
    pub width: u32,
    /// Height of the frames recorded.
    pub height: u32,
    /// Width of the encoded picture (padded to even).
    pub encoded_width: u32,
    /// Height of the encoded picture (padded to even).
    pub encoded_height: u32,
    /// The codec's short name, e.g. `"h264"`.
    pub codec: String,
    /// The encoded pixel format, e.g. `"yuv420p"`.
    pub pixel_format: String,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Wall-clock time of the first frame, to the millisecond.
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    /// Wall-clock time the video was finalized, to the millisecond.
    #[serde(with = "rfc3339")]
    pub finished_at: SystemTime,
}

/// The ids of the first and last steps a video holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRange {
    /// The first step id.
    pub first: u64,
    /// The last step id.
    pub last: u64,
}

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
            frames: facts.frames,
            fps: facts.fps,
            duration_secs: facts.duration_secs,
            width: facts.width,
            height: facts.height,
            encoded_width: facts.encoded_width,
            encoded_height: facts.encoded_height,
            codec: facts.codec.clone(),
            pixel_format: facts.pixel_format.clone(),
            bytes: facts.bytes,
            started_at: rfc3339::to_millis(video.started_at),
            finished_at: rfc3339::to_millis(video.finished_at),
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
/// (`2025-11-25T16:25:51.013Z`), formatted and parsed here.
pub(crate) mod rfc3339 {
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

    /// The UTC date and time of `t`: `(year, month, day, hour, minute,
    /// second, millisecond)`; times before 1970 count as 1970.
    pub fn parts(t: SystemTime) -> (i64, u32, u32, u32, u32, u32, u32) {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = since.as_secs() as i64;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let day = secs.rem_euclid(86_400) as u32;
        (
            y,
            m,
            d,
            day / 3600,
            day / 60 % 60,
            day % 60,
            since.subsec_millis(),
        )
    }

    /// `t` cut to whole milliseconds, as written (before 1970: 1970).
    pub fn to_millis(t: SystemTime) -> SystemTime {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        UNIX_EPOCH + Duration::new(since.as_secs(), since.subsec_millis() * 1_000_000)
    }

    /// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn format(t: SystemTime) -> String {
        let (y, mo, d, h, mi, s, ms) = parts(t);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (`t` or a space may stand
    /// for `T`, `z` for `Z`).
    pub fn parse(text: &str) -> Option<SystemTime> {
        let b = text.as_bytes();
        if b.len() < 20 || !b.is_ascii() {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u64> {
            let s = &text[range];
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' || !matches!(b[b.len() - 1], b'Z' | b'z') {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let fraction = &text[19..text.len() - 1];
        let nanos = match fraction.strip_prefix('.') {
            None if fraction.is_empty() => 0,
            Some(digits) if (1..=9).contains(&digits.len()) => {
                num(20..20 + digits.len())? * 10u64.pow(9 - digits.len() as u32)
            }
            _ => return None,
        };
        if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let (year, month, day) = (year as i64, month as u32, day as u32);
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64;
        let secs = u64::try_from(secs).ok()?;
        Some(UNIX_EPOCH + Duration::new(secs, nanos as u32))
    }

    fn days_in_month(year: i64, month: u32) -> u32 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01
    /// (Howard Hinnant's `civil_from_days`).
    fn civil_from_days(z: i64) -> (i64, u32, u32) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date
    /// (Howard Hinnant's `days_from_civil`).
    fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = i64::from((month + 9) % 12);
        let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
}
