//! Reading GIF files back, through `image`'s GIF decoder.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;

use crate::video::VideoFormat;
use crate::video::VideoProbe;
use crate::{Error, Result};

fn err(path: &Path, what: &str, e: image::ImageError) -> Error {
    Error::Decode {
        path: path.to_path_buf(),
        what: what.to_string(),
        hint: "is it a complete GIF file?",
        source: Some(Box::new(e)),
    }
}

/// Decodes every frame (composed onto the full canvas, as viewers show
/// it) and calls `each(rgba, delay_secs)`; stops when `each` returns
/// false. Returns the canvas size.
fn frames(path: &Path, mut each: impl FnMut(&image::RgbaImage, f64) -> bool) -> Result<(u32, u32)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let decoder = GifDecoder::new(BufReader::new(file)).map_err(|e| err(path, "cannot open", e))?;
    let size = image::ImageDecoder::dimensions(&decoder);
    for frame in decoder.into_frames() {
        let frame = frame.map_err(|e| err(path, "cannot decode a frame", e))?;
        let (numer, denom) = frame.delay().numer_denom_ms();
        let delay = f64::from(numer) / f64::from(denom.max(1)) / 1000.0;
        if !each(frame.buffer(), delay) {
            break;
        }
    }
    Ok(size)
}

pub(crate) fn probe(path: &Path) -> Result<VideoProbe> {
    let mut count = 0u64;
    let mut duration = 0.0f64;
    let (width, height) = frames(path, |_, delay| {
        count += 1;
        duration += delay;
        true
    })?;
    // Delays are whole hundredths of a second: round off float noise.
    let duration_secs = (duration * 100.0).round() / 100.0;
    Ok(VideoProbe {
        frames: count,
        width,
        height,
        pixel_format: VideoFormat::Gif.pixel_format().into(),
        codec: VideoFormat::Gif.codec().into(),
        fps: if duration_secs > 0.0 {
            count as f64 / duration_secs
        } else {
            0.0
        },
        duration_secs,
        color: VideoFormat::Gif.color_tags(),
    })
}

pub(crate) fn decode_rgb(
    path: &Path,
    mut each: impl FnMut(u64, &image::RgbImage) -> bool,
) -> Result<u64> {
    let mut count = 0u64;
    let mut rgb = image::RgbImage::new(0, 0);
    frames(path, |rgba, _| {
        if rgb.dimensions() != rgba.dimensions() {
            rgb = image::RgbImage::new(rgba.width(), rgba.height());
        }
        for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
            *dst = image::Rgb([src[0], src[1], src[2]]);
        }
        let go_on = each(count, &rgb);
        count += 1;
        go_on
    })?;
    Ok(count)
}
