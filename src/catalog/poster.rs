//! Poster frames: a small PNG beside each video (`<name>.poster.png`),
//! made on the encoder thread by a [`FrameTap`], so the gallery's cards show
//! a picture before anything is played.
//!
//! The frame chosen is one from the middle third of the video, kept
//! cheaply: the tap keeps downscaled copies of frames 0, 1, 2, 4, 8, … (the
//! powers of two) only, the last two of them at a time, and at the end
//! picks whichever of the two is nearer the middle. With `n` frames the last
//! power of two below `n` lies in the second half and the one before it in
//! the first, so the nearer lies between a third and two thirds of the way
//! in. A middle frame shows the episode under way; the first frame is a
//! reset, which looks the same in every video of an env.
//!
//! Frames are downscaled (with [`image::imageops::thumbnail`]) only when
//! kept, about `log2(n)` times per video; other frames cost one comparison.

use crate::frame::Frame;
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

/// Forgets the posters of videos that are no longer on disk (not kept, so
/// deleted by the recorder, or failed), so unkept videos hold no memory.
pub(super) fn forget_removed(slots: &PosterSlots) {
    slots
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|path, _| path.exists());
}

/// The tap that makes the poster of one video (see the [module docs](self)).
pub(super) struct PosterTap {
    path: PathBuf,
    size: (u32, u32),
    slots: PosterSlots,
    /// The last two frames kept, older first: (frame index, downscaled).
    kept: [Option<(u64, RgbImage)>; 2],
    frames: u64,
}

impl PosterTap {
    /// The tap of the video at `path`, of frames `width` × `height`.
    pub(super) fn new(path: &Path, width: u32, height: u32, slots: PosterSlots) -> Self {
        PosterTap {
            path: path.to_path_buf(),
            size: poster_size(width, height),
            slots,
            kept: [None, None],
            frames: 0,
        }
    }

    /// The kept frame nearest the middle of the `frames` seen (the later on
    /// a tie: it shows more of the episode).
    fn chosen(&mut self) -> Option<RgbImage> {
        let middle = (self.frames.saturating_sub(1)) as f64 / 2.0;
        let distance =
            |k: &Option<(u64, RgbImage)>| k.as_ref().map(|(i, _)| (*i as f64 - middle).abs());
        let [older, newer] = &mut self.kept;
        let pick = match (distance(older), distance(newer)) {
            (Some(a), Some(b)) if a < b => older,
            _ => newer,
        };
        pick.take().map(|(_, image)| image)
    }
}

impl FrameTap for PosterTap {
    fn frame(&mut self, index: u64, frame: &Frame) {
        self.frames = index + 1;
        if index != 0 && !index.is_power_of_two() {
            return;
        }
        let (w, h) = self.size;
        let small = if frame.dimensions() == (w, h) {
            frame.clone()
        } else {
            image::imageops::thumbnail(frame, w, h)
        };
        self.kept.swap(0, 1);
        self.kept[1] = Some((index, small));
    }

    fn finish(mut self: Box<Self>, facts: Option<&VideoFacts>) {
        let poster = facts.and_then(|_| self.chosen());
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(poster) = poster else {
            slots.remove(&self.path);
            return;
        };
        let mut png = Vec::new();
        let encoded = image::codecs::png::PngEncoder::new(&mut png).write_image(
            poster.as_raw(),
            poster.width(),
            poster.height(),
            image::ExtendedColorType::Rgb8,
        );
        match encoded {
            Ok(()) => {
                slots.insert(self.path.clone(), png);
            }
            Err(err) => {
                slots.remove(&self.path);
                log::warn!(
                    "{}: cannot encode the poster frame, the video gets none: {err}",
                    self.path.display()
                );
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
        let mut tap = PosterTap::new(Path::new("v.mp4"), 8, 6, slots);
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

    #[test]
    fn sizes_fit_a_card_and_never_grow() {
        assert_eq!(poster_size(600, 400), (480, 320));
        assert_eq!(poster_size(500, 500), (480, 480));
        assert_eq!(poster_size(480, 1440), (240, 720));
        assert_eq!(poster_size(4096, 1), (480, 1));
        assert_eq!(poster_size(1, 1), (1, 1));
    }
}
