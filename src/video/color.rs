//! [`ColorTags`]: how a video stream says its colours are to be read, what
//! the formats write and the probes read back.

use serde::{Deserialize, Serialize};

/// The colour description a YUV video stream carries (H.264's VUI, VP9's
/// header, MP4's `colr` box), with FFmpeg's names for the values (those of
/// ITU-T H.273); `None` where the stream leaves a value unspecified.
///
/// What gymrec writes for a format is
/// [`VideoFormat::color_tags`](super::VideoFormat::color_tags); what a file
/// says is [`VideoProbe::color`](super::VideoProbe::color).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColorTags {
    /// The matrix from RGB to Y′CbCr, e.g. `"smpte170m"` (BT.601) or
    /// `"bt709"`.
    pub matrix: Option<String>,
    /// The value range: `"tv"` (limited: Y in 16..=235, chroma in 16..=240)
    /// or `"pc"` (full, 0..=255).
    pub range: Option<String>,
    /// The colour primaries, e.g. `"smpte170m"` or `"bt709"`.
    pub primaries: Option<String>,
    /// The transfer characteristics, e.g. `"smpte170m"` or `"bt709"`.
    pub transfer: Option<String>,
}

impl ColorTags {
    /// BT.601 (525 lines, SMPTE 170M) matrix, primaries and transfer, in
    /// limited range: what gymrec's MP4 and WebM writers convert to and
    /// tag.
    pub fn bt601_limited() -> Self {
        let smpte170m = || Some("smpte170m".to_string());
        ColorTags {
            matrix: smpte170m(),
            range: Some("tv".to_string()),
            primaries: smpte170m(),
            transfer: smpte170m(),
        }
    }
}
