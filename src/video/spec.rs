//! What a video is made of ([`VideoSpec`]) and how it is encoded
//! ([`EncoderSettings`]), with the checks that name a bad value.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::frame::Frame;
use crate::{Error, Result, Setting};

/// The largest frame width or height a video may have.
pub const MAX_DIMENSION: u32 = 16384;

/// The x264 presets, fastest first.
pub const X264_PRESETS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

/// What a video is made of: the size of the frames given to the sink and the
/// frame rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VideoSpec {
    /// Width of the frames given, in pixels.
    pub width: u32,
    /// Height of the frames given, in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl VideoSpec {
    /// A spec for `width` × `height` frames shown at `fps` frames per second.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        VideoSpec { width, height, fps }
    }

    /// Checks that the sizes are in `1..=`[`MAX_DIMENSION`] and the frame
    /// rate is at least 1.
    ///
    /// Errors with [`Error::OutOfRange`] naming the setting at fault
    /// ([`Setting::VideoWidth`], [`Setting::VideoHeight`], [`Setting::Fps`]),
    /// its value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        for (setting, value) in [
            (Setting::VideoWidth, self.width),
            (Setting::VideoHeight, self.height),
        ] {
            if !(1..=MAX_DIMENSION).contains(&value) {
                return Err(Error::OutOfRange {
                    setting,
                    value: value.into(),
                    allowed: 1..=MAX_DIMENSION.into(),
                    context: None,
                });
            }
        }
        if self.fps == 0 {
            return Err(Error::OutOfRange {
                setting: Setting::Fps,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        Ok(())
    }

    /// Checks that `frame` has this spec's size; errors with
    /// [`Error::FrameSize`] naming `path`, the video it was meant for.
    pub fn check_frame(&self, frame: &Frame, path: &Path) -> Result<()> {
        let expected = (self.width, self.height);
        let got = frame.dimensions();
        if got != expected {
            return Err(Error::FrameSize {
                path: path.to_path_buf(),
                expected,
                got,
            });
        }
        Ok(())
    }

    /// The size of the encoded picture: the frame size rounded up to even,
    /// as yuv420p needs (the last column/row is repeated into the padding).
    pub fn encoded_size(&self) -> (u32, u32) {
        (
            self.width + (self.width & 1),
            self.height + (self.height & 1),
        )
    }
}

/// How to encode: x264 preset, quality, threads and keyframe spacing.
///
/// The defaults are what a user would pick for RL videos: preset
/// `"veryfast"`, CRF 23, encoder threads picked for the machine
/// ([`EncoderSettings::auto_threads`]) and one keyframe a second.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EncoderSettings {
    /// The x264 preset, one of [`X264_PRESETS`]; slower presets compress
    /// better.
    pub preset: String,
    /// Constant rate factor, `0..=51`: lower is better quality and larger
    /// files; 23 is x264's default, 18 looks visually lossless.
    pub crf: u8,
    /// Encoder threads: `None` (the default) picks
    /// [`EncoderSettings::auto_threads`] for the machine when the encoder
    /// starts; `Some(n)` uses `n`, at least 1.
    pub threads: Option<usize>,
    /// Frames between keyframes; `None` means one keyframe a second (the
    /// frame rate). Keyframes are where a fragment of the MP4 ends, so this is
    /// also about how much a killed process loses.
    pub keyframe_interval: Option<u32>,
}

impl Default for EncoderSettings {
    fn default() -> Self {
        EncoderSettings {
            preset: "veryfast".into(),
            crf: 23,
            threads: None,
            keyframe_interval: None,
        }
    }
}

impl EncoderSettings {
    /// Checks the preset name, `crf` in `0..=51`, threads (when set) at
    /// least 1 and a keyframe interval of at least 1.
    ///
    /// Errors with [`Error::UnknownPreset`] for a preset not in
    /// [`X264_PRESETS`], else with [`Error::OutOfRange`] naming the setting
    /// at fault ([`Setting::Crf`], [`Setting::Threads`],
    /// [`Setting::KeyframeInterval`]), its value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        if !X264_PRESETS.contains(&self.preset.as_str()) {
            return Err(Error::UnknownPreset {
                known: &X264_PRESETS,
                preset: self.preset.clone(),
            });
        }
        let out_of_range = |setting, value: u64, allowed| Error::OutOfRange {
            setting,
            value,
            allowed,
            context: None,
        };
        if self.crf > 51 {
            return Err(out_of_range(Setting::Crf, self.crf.into(), 0..=51));
        }
        if self.threads == Some(0) {
            return Err(out_of_range(Setting::Threads, 0, 1..=u64::MAX));
        }
        if self.keyframe_interval == Some(0) {
            return Err(out_of_range(Setting::KeyframeInterval, 0, 1..=u64::MAX));
        }
        Ok(())
    }

    /// The encoder threads to use: the ones set, else
    /// [`auto_threads`](Self::auto_threads).
    pub fn threads_or_auto(&self) -> usize {
        self.threads.unwrap_or_else(Self::auto_threads).max(1)
    }

    /// The encoder threads picked when none are set: one fewer than the
    /// cores this process may use ([`std::thread::available_parallelism`]),
    /// leaving one for the env loop, but at least 2 on a machine of 2 or
    /// more cores, and 1 where the count is unknown.
    ///
    /// On 2 cores 2 threads is best: the env loop (rendering a classic-control
    /// frame takes 0.25 ms) keeps its core busy a quarter of the time while
    /// the encoder (about 1 ms a 600×400 frame) is the bottleneck, and a
    /// second x264 thread fills the idle time (`docs/BENCHMARKS.md`).
    pub fn auto_threads() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.saturating_sub(1).max(cores.min(2))
    }

    /// The keyframe interval in frames for a video at `fps`: the one set,
    /// else `fps` (one keyframe a second).
    pub fn keyframe_interval_for(&self, fps: u32) -> u32 {
        self.keyframe_interval.unwrap_or(fps).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        let s = EncoderSettings::default();
        assert_eq!(s.preset, "veryfast");
        assert_eq!(s.crf, 23);
        assert_eq!(s.threads, None);
        let auto = EncoderSettings::auto_threads();
        assert!(auto >= 1);
        assert_eq!(s.threads_or_auto(), auto);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(auto <= cores, "{auto} threads on {cores} cores");
        let set = EncoderSettings {
            threads: Some(3),
            ..EncoderSettings::default()
        };
        assert_eq!(set.threads_or_auto(), 3);
        assert_eq!(s.keyframe_interval_for(30), 30);
        s.validate().unwrap();
    }

    #[test]
    fn encoded_size_pads_to_even() {
        assert_eq!(VideoSpec::new(601, 401, 30).encoded_size(), (602, 402));
        assert_eq!(VideoSpec::new(600, 400, 30).encoded_size(), (600, 400));
        assert_eq!(VideoSpec::new(1, 1, 30).encoded_size(), (2, 2));
    }

    #[test]
    fn spec_validation_names_the_value() {
        let err = VideoSpec::new(0, 10, 30)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("width = 0"), "{err}");
        let err = VideoSpec::new(10, 10, 0)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("fps = 0"), "{err}");
        let err = VideoSpec::new(10, 20000, 1)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("height = 20000"), "{err}");
    }

    #[test]
    fn validation_errors_are_typed_with_the_value_and_range() {
        let err = VideoSpec::new(0, 10, 30).validate().unwrap_err();
        assert!(
            matches!(&err, Error::OutOfRange { setting: Setting::VideoWidth, value: 0, allowed, .. }
                if *allowed == (1..=u64::from(MAX_DIMENSION))),
            "{err:?}"
        );
        let err = VideoSpec::new(10, 20000, 30).validate().unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    setting: Setting::VideoHeight,
                    value: 20000,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = VideoSpec::new(10, 10, 0).validate().unwrap_err();
        assert!(
            matches!(&err, Error::OutOfRange { setting: Setting::Fps, value: 0, allowed, .. }
                if *allowed.start() == 1),
            "{err:?}"
        );

        let settings = |f: fn(&mut EncoderSettings)| {
            let mut s = EncoderSettings::default();
            f(&mut s);
            s.validate().unwrap_err()
        };
        let err = settings(|s| s.crf = 52);
        assert!(
            matches!(&err, Error::OutOfRange { setting: Setting::Crf, value: 52, allowed, .. }
                if *allowed == (0..=51)),
            "{err:?}"
        );
        assert!(err.to_string().contains("crf = 52"), "{err}");
        let err = settings(|s| s.threads = Some(0));
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    setting: Setting::Threads,
                    value: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = settings(|s| s.keyframe_interval = Some(0));
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    setting: Setting::KeyframeInterval,
                    value: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = settings(|s| s.preset = "warp".into());
        assert!(
            matches!(&err, Error::UnknownPreset { preset, .. } if preset == "warp"),
            "{err:?}"
        );
        assert!(err.to_string().contains("not an x264 preset"), "{err}");
    }
}
