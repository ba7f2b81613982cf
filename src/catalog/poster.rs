//! Poster frames: a small PNG beside each video (`<name>.poster.png`),
//! made on the encoder thread by a [`FrameTap`], so the gallery's cards show
//! a picture before anything is played.
//!
//! The frame chosen is one from the middle third of the video, kept
//! cheaply: the tap keeps frames 0, 1, 2, 4, 8, … (the powers of two)
//! only, already scaled down to the poster's size, in two buffers it reuses
//! (the last two such frames), and at the end picks whichever of the two is
//! nearer the middle. With `n` frames the
//! last power of two below `n` lies in the second half and the one before
//! it in the first, so the nearer lies between a third and two thirds of
//! the way in. A middle frame shows the episode under way; the first frame
//! is a reset, which looks the same in every video of an env.
//!
//! So a video costs its tap about `log2(n)` downscales, two poster-sized
//! buffers (two 480 × 320 images, 0.9 MB, where two whole 600 × 400 frames
//! would hold 1.4 MB), and, once at the end, one PNG encoding. The
//! downscale is the box filter the TensorBoard previews use too (each
//! poster pixel the mean of the frame pixels it covers), as
//! [`image::imageops::thumbnail`] computes (the two agree where the scale
//! is a whole number), but on the raw rows: a 600 × 400 frame to 480 × 320
//! took 1.1 ms in a release build before it shared the previews' faster
//! one, `thumbnail` 10 to 14 ms, on the encoder thread (the PNG encoding
//! 0.3 ms).

use crate::frame::{BoxScaler, Frame};
use crate::video::{FrameTap, VideoFacts};
use image::{ImageEncoder as _, RgbImage};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The widest a poster is, in pixels: a gallery card's width (cards are
/// 320 to about 640 CSS pixels wide), so a poster is sharp on most screens
/// and a few kilobytes in size. Narrower frames are kept at their size.
pub const POSTER_MAX_WIDTH: u32 = 480;

/// The tallest a poster is, in pixels (for frames much taller than wide).
pub const POSTER_MAX_HEIGHT: u32 = 720;

/// The poster of the video at `video`: `<name>.poster.png` beside a video
/// file `<name>.mp4` (`.webm`, `.gif`, …) or a PNG-sequence folder
/// `<name>`, named as its [sidecar](super::sidecar_path) is.
///
/// ```
/// use std::path::Path;
/// use gymrec::catalog::poster_path;
/// let png = poster_path(Path::new("videos/rl-video-episode-0.mp4"));
/// assert_eq!(png, Path::new("videos/rl-video-episode-0.poster.png"));
/// let png = poster_path(Path::new("videos/eval.v2-episode-0"));
/// assert_eq!(png, Path::new("videos/eval.v2-episode-0.poster.png"));
/// ```
pub fn poster_path(video: &Path) -> PathBuf {
    let sidecar = super::sidecar_path(video);
    sidecar.with_extension("poster.png")
}

/// The size of the poster of frames `width` × `height`: scaled down to fit
/// [`POSTER_MAX_WIDTH`] × [`POSTER_MAX_HEIGHT`], never up, at least 1 × 1.
///
/// ```
/// use gymrec::catalog::poster_size;
/// assert_eq!(poster_size(600, 400), (480, 320));
/// assert_eq!(poster_size(64, 48), (64, 48));
/// ```
pub fn poster_size(width: u32, height: u32) -> (u32, u32) {
    let scale = (f64::from(POSTER_MAX_WIDTH) / f64::from(width.max(1)))
        .min(f64::from(POSTER_MAX_HEIGHT) / f64::from(height.max(1)))
        .min(1.0);
    let side = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// Encoded posters by video path, filled by the taps when their video is
/// finished and taken by the [`Manifest`](super::Manifest) when it is kept.
pub(super) type PosterSlots = Arc<Mutex<HashMap<PathBuf, Vec<u8>>>>;

/// Takes the encoded poster of the video at `path`, if its tap made one.
pub(super) fn take(slots: &PosterSlots, path: &Path) -> Option<Vec<u8>> {
    slots
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(path)
}

/// Forgets the posters of videos that are no longer on disk under their
/// final or working names (not kept, so deleted by the recorder, or
/// failed), so unkept videos hold no memory.
pub(super) fn forget_removed(slots: &PosterSlots) {
    slots
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|path, _| path.exists() || crate::record::working_path(path).exists());
}

/// The tap that makes the poster of one video (see the [module docs](self)).
pub(super) struct PosterTap {
    path: PathBuf,
    slots: PosterSlots,
    /// The last two frames kept (scaled down to their poster size), older
    /// first, and their indices.
    kept: [Option<(u64, RgbImage)>; 2],
    frames: u64,
    scaler: BoxScaler,
}

impl PosterTap {
    /// The tap of the video at `path`.
    pub(super) fn new(path: &Path, slots: PosterSlots) -> Self {
        PosterTap {
            path: path.to_path_buf(),
            slots,
            kept: [None, None],
            frames: 0,
            scaler: BoxScaler::default(),
        }
    }

    /// The kept frame nearest the middle of the `frames` seen (the later on
    /// a tie: it shows more of the episode).
    fn chosen(&self) -> Option<&RgbImage> {
        let middle = (self.frames.saturating_sub(1)) as f64 / 2.0;
        let distance =
            |k: &Option<(u64, RgbImage)>| k.as_ref().map(|(i, _)| (*i as f64 - middle).abs());
        let [older, newer] = &self.kept;
        let pick = match (distance(older), distance(newer)) {
            (Some(a), Some(b)) if a < b => older,
            _ => newer,
        };
        pick.as_ref().map(|(_, frame)| frame)
    }

    /// The chosen frame (at [`poster_size`]), PNG-encoded.
    fn poster(&self) -> Option<Result<Vec<u8>, image::ImageError>> {
        let poster = self.chosen()?;
        let (w, h) = poster.dimensions();
        let mut png = Vec::new();
        let encoded = image::codecs::png::PngEncoder::new(&mut png).write_image(
            poster.as_raw(),
            w,
            h,
            image::ExtendedColorType::Rgb8,
        );
        Some(encoded.map(|()| png))
    }
}

impl FrameTap for PosterTap {
    fn frame(&mut self, index: u64, frame: &Frame) {
        self.frames = index + 1;
        if index != 0 && !index.is_power_of_two() {
            return;
        }
        // The older buffer takes the new frame and becomes the newer one.
        self.kept.swap(0, 1);
        let (w, h) = poster_size(frame.width(), frame.height());
        let mut buffer = match self.kept[1].take() {
            Some((_, buffer)) => buffer.into_raw(),
            None => Vec::new(),
        };
        if frame.dimensions() == (w, h) {
            buffer.clear();
            buffer.extend_from_slice(frame.as_raw());
        } else {
            self.scaler.scale_into(frame, w, h, &mut buffer);
        }
        self.kept[1] = RgbImage::from_raw(w, h, buffer).map(|image| (index, image));
    }

    fn finish(self, facts: Option<&VideoFacts>) {
        let poster = facts.and_then(|_| self.poster());
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        match poster {
            Some(Ok(png)) => {
                slots.insert(self.path.clone(), png);
            }
            Some(Err(err)) => {
                slots.remove(&self.path);
                log::warn!(
                    "{}: cannot encode the poster frame, the video gets none: {err}",
                    self.path.display()
                );
            }
            None => {
                slots.remove(&self.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(level: u8) -> Frame {
        Frame::from_pixel(8, 6, image::Rgb([level, level, level]))
    }

    /// The index of the frame the tap picks out of `n` frames numbered by
    /// their grey level.
    fn chosen_of(n: u64) -> Option<u64> {
        let slots = PosterSlots::default();
        let mut tap = PosterTap::new(Path::new("v.mp4"), slots);
        for i in 0..n {
            tap.frame(i, &frame(i as u8));
        }
        tap.chosen().map(|p| u64::from(p.get_pixel(0, 0).0[0]))
    }

    #[test]
    fn the_poster_is_from_the_middle_third() {
        assert_eq!(chosen_of(0), None);
        for n in 1..=250 {
            let k = chosen_of(n).unwrap();
            let (third, two_thirds) = ((n - 1) as f64 / 3.0, 2.0 * (n - 1) as f64 / 3.0);
            assert!(
                (k as f64) >= third.floor() && (k as f64) <= two_thirds.ceil(),
                "{k} of {n} frames"
            );
            assert!(k == 0 || k.is_power_of_two());
        }
    }

    /// `frame` scaled down to `width` × `height` as the tap does.
    fn downscale(frame: &Frame, width: u32, height: u32) -> RgbImage {
        let mut out = vec![1; 5];
        BoxScaler::default().scale_into(frame, width, height, &mut out);
        RgbImage::from_raw(width, height, out).unwrap()
    }

    #[test]
    fn downscaling_averages_the_pixels_covered() {
        // 4 × 2 to 2 × 1: each poster pixel the mean of a 2 × 2 block.
        let frame = Frame::from_raw(
            4,
            2,
            [[0, 10, 20], [2, 12, 22], [100, 0, 255], [100, 0, 255]]
                .iter()
                .chain(&[[4, 14, 24], [6, 16, 26], [101, 1, 254], [100, 0, 255]])
                .flatten()
                .copied()
                .collect(),
        )
        .unwrap();
        let small = downscale(&frame, 2, 1);
        assert_eq!(small.get_pixel(0, 0).0, [3, 13, 23]);
        assert_eq!(small.get_pixel(1, 0).0, [100, 0, 255]);
        // A uniform frame stays uniform at any size; a rounded mean.
        let grey = Frame::from_pixel(601, 401, image::Rgb([7, 130, 250]));
        let (w, h) = poster_size(601, 401);
        let small = downscale(&grey, w, h);
        assert_eq!(small.dimensions(), (480, 320));
        assert!(small.pixels().all(|p| p.0 == [7, 130, 250]));
        // It agrees with image's own box filter where both cover whole pixels.
        let mut pattern = Frame::new(960, 640);
        for (x, y, p) in pattern.enumerate_pixels_mut() {
            p.0 = [
                (x % 7 * 30) as u8,
                (y % 5 * 50) as u8,
                ((x + y) % 3 * 100) as u8,
            ];
        }
        assert_eq!(
            downscale(&pattern, 480, 320),
            image::imageops::thumbnail(&pattern, 480, 320)
        );
    }

    #[test]
    fn buffers_are_reused() {
        let mut tap = PosterTap::new(Path::new("v.mp4"), PosterSlots::default());
        for i in 0..3 {
            tap.frame(i, &frame(i as u8));
        }
        let addresses =
            |tap: &PosterTap| tap.kept.each_ref().map(|k| k.as_ref().unwrap().1.as_ptr());
        let before = addresses(&tap);
        for i in 3..100 {
            tap.frame(i, &frame(i as u8));
        }
        let after = addresses(&tap);
        assert!(after == before || after == [before[1], before[0]]);
        assert_eq!(tap.chosen().unwrap().get_pixel(0, 0).0[0], 64);
    }

    #[test]
    fn sizes_fit_a_card_and_never_grow() {
        assert_eq!(poster_size(600, 400), (480, 320));
        assert_eq!(poster_size(500, 500), (480, 480));
        assert_eq!(poster_size(480, 1440), (240, 720));
        assert_eq!(poster_size(4096, 1), (480, 1));
        assert_eq!(poster_size(1, 1), (1, 1));
    }
}
