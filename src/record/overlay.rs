//! Overlays: text burned into recorded frames — the episode, the step, the
//! return so far, and text of your own — off by default.
//!
//! The work is split so that the env thread stays cheap. For each captured
//! frame the [`RecordingWrapper`](super::RecordingWrapper) fills a small
//! [`FrameLabel`] (three numbers, and your closure's text written into a
//! reused `String`) and sends it with the frame; the encoder thread formats
//! the numbers and draws the text with an [`OverlayPainter`] just before
//! encoding.
//!
//! The text is drawn white on a darkened box in the top-left corner, in the
//! X11 "fixed" bitmap fonts of `embedded-graphics` chosen by frame height:
//! 6×10 below 200 pixels, 8×13 below 360, else 10×20 (scaled ×2 from 1080
//! pixels up), so that it is legible at Gymnasium's 600×400 and small on
//! small frames. Pixels outside the box are never touched.
//!
//! ```
//! use gymrec::record::overlay::Overlay;
//! use gymrec::record::{RecordingConfig, Trigger};
//! use gymrec::env::{Env, RenderMode, SpaceValue};
//! use std::fmt::Write;
//!
//! # fn main() -> gymrec::Result<()> {
//! let dir = std::env::temp_dir().join(format!("gymrec-doc-overlay-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut env = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .overlay(Overlay::new().text(|frame, out| {
//!         // Runs on the env thread: write into `out`, which is reused.
//!         let _ = write!(out, "reward {:.1}", frame.reward.unwrap_or(0.0));
//!     }))
//!     .overwrite(true)
//!     .wrap(env)?;
//! env.reset(Some(0))?;
//! for _ in 0..5 {
//!     env.step(SpaceValue::Discrete(1))?;
//! }
//! let videos = env.finish().into_result()?;
//! assert_eq!(videos[0].facts.frames, 6);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::fmt::{self, Write as _};

use embedded_graphics::Drawable;
use embedded_graphics::mono_font::{MonoFont, MonoTextStyle, ascii};
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::{DrawTarget, OriginDimensions, Point, Size};
use embedded_graphics::text::{Baseline, Text};

use crate::env::{Frame, Info};

/// The text function's type: writes the text for one frame into the
/// `String` (which arrives empty).
type TextFn = dyn FnMut(&OverlayContext<'_>, &mut String) + Send;

/// What a frame's overlay shows; set on a
/// [`RecordingConfig`](super::RecordingConfig) with
/// [`overlay`](super::RecordingConfig::overlay).
///
/// [`Overlay::new`] shows the episode, the step within the episode and the
/// return so far, on one line (`episode 3  step 57  return 57.00`); each can
/// be turned off, and [`text`](Overlay::text) adds lines of your own below.
pub struct Overlay {
    pub(crate) style: OverlayStyle,
    pub(crate) text: Option<Box<TextFn>>,
}

impl Overlay {
    /// An overlay showing the episode, the step and the return.
    pub fn new() -> Self {
        Overlay {
            style: OverlayStyle::default(),
            text: None,
        }
    }

    /// Whether to show the episode id.
    pub fn episode(mut self, show: bool) -> Self {
        self.style.episode = show;
        self
    }

    /// Whether to show the step within the episode (0 on the reset frame).
    pub fn step(mut self, show: bool) -> Self {
        self.style.step = show;
        self
    }

    /// Whether to show the return: the sum of the episode's rewards so far.
    pub fn ret(mut self, show: bool) -> Self {
        self.style.ret = show;
        self
    }

    /// Integer scale of the font, instead of the one chosen by frame height.
    /// 0 is taken as 1.
    pub fn scale(mut self, scale: u32) -> Self {
        self.style.scale = Some(scale.max(1));
        self
    }

    /// Adds text of your own, below the numbers: `text` is called on the
    /// env thread for every frame recorded, with the frame's
    /// [`OverlayContext`], and writes into the `String` it is given (empty,
    /// reused between frames, so writing allocates nothing in the steady
    /// state). A `'\n'` starts a new line. Keep it quick: it runs inside
    /// `step`.
    pub fn text(
        mut self,
        text: impl FnMut(&OverlayContext<'_>, &mut String) + Send + 'static,
    ) -> Self {
        self.text = Some(Box::new(text));
        self
    }

    /// The part of the overlay that the encoder thread uses.
    pub fn style(&self) -> &OverlayStyle {
        &self.style
    }

    /// Fills `label` for the frame `context` describes: the numbers, and the
    /// text function's output in `label.text`.
    pub fn fill(&mut self, context: &OverlayContext<'_>, label: &mut FrameLabel) {
        label.episode = context.episode;
        label.step = context.episode_step;
        label.ret = context.ret;
        label.text.clear();
        if let Some(text) = self.text.as_mut() {
            text(context, &mut label.text);
        }
    }
}

impl Default for Overlay {
    fn default() -> Self {
        Overlay::new()
    }
}

impl fmt::Debug for Overlay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overlay")
            .field("style", &self.style)
            .field("text", &self.text.as_ref().map(|_| "FnMut"))
            .finish()
    }
}

/// What the encoder thread draws: which numbers, at which scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OverlayStyle {
    /// Show the episode id.
    pub episode: bool,
    /// Show the step within the episode.
    pub step: bool,
    /// Show the return so far.
    pub ret: bool,
    /// Integer font scale; `None` chooses by frame height.
    pub scale: Option<u32>,
}

impl Default for OverlayStyle {
    /// Episode, step and return, scaled by frame height.
    fn default() -> Self {
        OverlayStyle {
            episode: true,
            step: true,
            ret: true,
            scale: None,
        }
    }
}

/// What the text function of an [`Overlay`] knows about the frame.
#[derive(Debug, Clone, Copy)]
pub struct OverlayContext<'a> {
    /// The episode id (counting resets from 0); `None` before the first
    /// reset.
    pub episode: Option<u64>,
    /// Steps taken in the episode: 0 on the reset frame.
    pub episode_step: u64,
    /// The wrapper's step id (counting every step from 0); `None` on a
    /// reset frame.
    pub step_id: Option<u64>,
    /// The sum of the episode's rewards so far.
    pub ret: f64,
    /// The reward of the step just taken; `None` on a reset frame.
    pub reward: Option<f64>,
    /// The `info` that `reset` or `step` returned with this frame.
    pub info: &'a Info,
}

/// The per-frame record that travels with a frame to the encoder thread:
/// the numbers to show and the user's text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameLabel {
    /// The episode id, if any.
    pub episode: Option<u64>,
    /// Steps taken in the episode.
    pub step: u64,
    /// The return so far.
    pub ret: f64,
    /// Extra text, drawn below the numbers; `'\n'` starts a new line.
    pub text: String,
}

/// Draws [`FrameLabel`]s into frames of one size; made on the encoder
/// thread for each video.
///
/// ```
/// use gymrec::record::overlay::{FrameLabel, OverlayPainter, OverlayStyle};
///
/// let mut painter = OverlayPainter::new(&OverlayStyle::default(), 600, 400);
/// let mut frame = image::RgbImage::from_pixel(600, 400, image::Rgb([255, 255, 255]));
/// let label = FrameLabel { episode: Some(3), step: 57, ret: 57.0, text: String::new() };
/// let (x, y, w, h) = painter.area(&label).unwrap();
/// painter.draw(&mut frame, &label);
/// assert_eq!(frame.get_pixel(x + w, y + h), &image::Rgb([255, 255, 255])); // outside: untouched
/// assert_ne!(frame.get_pixel(x, y), &image::Rgb([255, 255, 255])); // the box is darkened
/// ```
pub struct OverlayPainter {
    style: OverlayStyle,
    frame_size: (u32, u32),
    font: Glyphs,
    scale: u32,
    /// The text of the current label, formatted (reused).
    text: String,
}

impl fmt::Debug for OverlayPainter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OverlayPainter")
            .field("style", &self.style)
            .field("frame_size", &self.frame_size)
            .field("glyph", &(self.font.width, self.font.height))
            .field("scale", &self.scale)
            .finish_non_exhaustive()
    }
}

/// First and last printable ASCII characters; others are drawn as `?`.
const FIRST_CHAR: u8 = b' ';
const LAST_CHAR: u8 = b'~';

impl OverlayPainter {
    /// A painter for `width` × `height` frames, with the font chosen by
    /// height (or the style's scale).
    pub fn new(style: &OverlayStyle, width: u32, height: u32) -> Self {
        let font: &MonoFont<'static> = if height < 200 {
            &ascii::FONT_6X10
        } else if height < 360 {
            &ascii::FONT_8X13
        } else {
            &ascii::FONT_10X20
        };
        let scale = style.scale.unwrap_or(if height >= 1080 { 2 } else { 1 });
        OverlayPainter {
            style: *style,
            frame_size: (width, height),
            font: Glyphs::rasterize(font),
            scale: scale.max(1),
            text: String::new(),
        }
    }

    /// Formats `label` into `self.text`: the numbers line, then the user's
    /// text.
    fn format(&mut self, label: &FrameLabel) {
        self.text.clear();
        let mut sep = "";
        if self.style.episode {
            if let Some(episode) = label.episode {
                let _ = write!(self.text, "episode {episode}");
                sep = "  ";
            }
        }
        if self.style.step {
            let _ = write!(self.text, "{sep}step {}", label.step);
            sep = "  ";
        }
        if self.style.ret {
            let _ = write!(self.text, "{sep}return {:.2}", label.ret);
        }
        if !label.text.is_empty() {
            if !self.text.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(&label.text);
        }
    }

    /// Margin around the box and padding inside it, in pixels.
    fn margin(&self) -> u32 {
        3 * self.scale
    }

    /// The box for the formatted text, clipped to the frame: `(x, y, width,
    /// height)`, or `None` when there is nothing to draw.
    fn text_box(&self) -> Option<(u32, u32, u32, u32)> {
        let lines = self.text.lines().count() as u32;
        let longest = self
            .text
            .lines()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0) as u32;
        if lines == 0 || longest == 0 {
            return None;
        }
        let (fw, fh) = self.frame_size;
        let m = self.margin();
        let advance = (self.font.width + self.font.spacing) * self.scale;
        let w = 2 * m + longest * advance - self.font.spacing * self.scale;
        let h = 2 * m + lines * self.font.height * self.scale + (lines - 1) * self.scale;
        if m >= fw || m >= fh {
            return None;
        }
        Some((m, m, w.min(fw - m), h.min(fh - m)))
    }

    /// Where [`draw`](Self::draw) would draw `label`: the box `(x, y,
    /// width, height)` holding the text (clipped to the frame); `None` when
    /// there is nothing to show. Pixels outside it are never changed.
    pub fn area(&mut self, label: &FrameLabel) -> Option<(u32, u32, u32, u32)> {
        self.format(label);
        self.text_box()
    }

    /// Draws `label` into `frame`: darkens the box and writes the text in
    /// white. A frame of another size than the painter's is left as it is.
    pub fn draw(&mut self, frame: &mut Frame, label: &FrameLabel) {
        if frame.dimensions() != self.frame_size {
            return;
        }
        self.format(label);
        let Some((bx, by, bw, bh)) = self.text_box() else {
            return;
        };
        let stride = self.frame_size.0 as usize * 3;
        let pixels: &mut [u8] = frame;
        // Darken the box to 3/8 of its brightness: the scene stays visible
        // and white text stands out on any background.
        for y in by..by + bh {
            let row = &mut pixels[y as usize * stride..][bx as usize * 3..(bx + bw) as usize * 3];
            for v in row.iter_mut() {
                *v = ((u16::from(*v) * 3) >> 3) as u8;
            }
        }
        let s = self.scale;
        let m = self.margin();
        let advance = (self.font.width + self.font.spacing) * s;
        let line_height = (self.font.height + 1) * s;
        let (x_end, y_end) = (bx + bw, by + bh);
        for (line_no, line) in self.text.lines().enumerate() {
            let top = by + m + line_no as u32 * line_height;
            for (col, c) in line.chars().enumerate() {
                let left = bx + m + col as u32 * advance;
                if left >= x_end || top >= y_end {
                    break;
                }
                let glyph = self.font.glyph(c);
                for gy in 0..self.font.height {
                    for gx in 0..self.font.width {
                        if !glyph[(gy * self.font.width + gx) as usize] {
                            continue;
                        }
                        for dy in 0..s {
                            let y = top + gy * s + dy;
                            if y >= y_end {
                                break;
                            }
                            for dx in 0..s {
                                let x = left + gx * s + dx;
                                if x >= x_end {
                                    break;
                                }
                                let i = y as usize * stride + x as usize * 3;
                                pixels[i..i + 3].fill(255);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A font's printable ASCII glyphs as on/off masks.
struct Glyphs {
    width: u32,
    height: u32,
    spacing: u32,
    /// `(LAST_CHAR - FIRST_CHAR + 1)` masks of `width × height`, row-major.
    masks: Vec<bool>,
}

impl Glyphs {
    fn rasterize(font: &MonoFont<'static>) -> Glyphs {
        let (width, height) = (font.character_size.width, font.character_size.height);
        let per_glyph = (width * height) as usize;
        let count = usize::from(LAST_CHAR - FIRST_CHAR) + 1;
        let mut target = Mask {
            width,
            height,
            bits: vec![false; per_glyph],
        };
        let style = MonoTextStyle::new(font, BinaryColor::On);
        let mut masks = Vec::with_capacity(per_glyph * count);
        let mut utf8 = [0u8; 4];
        for c in FIRST_CHAR..=LAST_CHAR {
            target.bits.fill(false);
            let text = char::from(c).encode_utf8(&mut utf8);
            let _ =
                Text::with_baseline(text, Point::zero(), style, Baseline::Top).draw(&mut target);
            masks.extend_from_slice(&target.bits);
        }
        Glyphs {
            width,
            height,
            spacing: font.character_spacing,
            masks,
        }
    }

    fn glyph(&self, c: char) -> &[bool] {
        let code = u8::try_from(c)
            .ok()
            .filter(|b| (FIRST_CHAR..=LAST_CHAR).contains(b))
            .unwrap_or(b'?');
        let per_glyph = (self.width * self.height) as usize;
        let start = usize::from(code - FIRST_CHAR) * per_glyph;
        &self.masks[start..start + per_glyph]
    }
}

/// A one-glyph drawing target for embedded-graphics.
struct Mask {
    width: u32,
    height: u32,
    bits: Vec<bool>,
}

impl OriginDimensions for Mask {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Mask {
    type Color = BinaryColor;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Infallible>
    where
        I: IntoIterator<Item = embedded_graphics::Pixel<BinaryColor>>,
    {
        for embedded_graphics::Pixel(point, color) in pixels {
            let (Ok(x), Ok(y)) = (u32::try_from(point.x), u32::try_from(point.y)) else {
                continue;
            };
            if x < self.width && y < self.height && color == BinaryColor::On {
                self.bits[(y * self.width + x) as usize] = true;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_have_ink_and_space_has_none() {
        let glyphs = Glyphs::rasterize(&ascii::FONT_10X20);
        assert!(glyphs.glyph(' ').iter().all(|b| !b));
        assert!(glyphs.glyph('A').iter().any(|b| *b));
        assert_eq!(glyphs.glyph('é'), glyphs.glyph('?'));
    }

    #[test]
    fn labels_format_what_the_style_shows() {
        let mut painter = OverlayPainter::new(&OverlayStyle::default(), 600, 400);
        let label = FrameLabel {
            episode: Some(3),
            step: 57,
            ret: 57.0,
            text: "seed 1".into(),
        };
        painter.format(&label);
        assert_eq!(painter.text, "episode 3  step 57  return 57.00\nseed 1");
        let style = OverlayStyle {
            episode: false,
            ret: false,
            ..OverlayStyle::default()
        };
        let mut painter = OverlayPainter::new(&style, 600, 400);
        painter.format(&label);
        assert_eq!(painter.text, "step 57\nseed 1");
        let style = OverlayStyle {
            episode: false,
            step: false,
            ret: false,
            scale: None,
        };
        let mut painter = OverlayPainter::new(&style, 600, 400);
        assert_eq!(painter.area(&FrameLabel::default()), None);
    }

    #[test]
    fn tiny_frames_clip_without_panicking() {
        for (w, h) in [(1, 1), (2, 3), (7, 7), (64, 48)] {
            let mut painter = OverlayPainter::new(&OverlayStyle::default(), w, h);
            let mut frame = Frame::new(w, h);
            let label = FrameLabel {
                episode: Some(u64::MAX),
                step: u64::MAX,
                ret: -1e300,
                text: "x\ny\nz".into(),
            };
            painter.draw(&mut frame, &label);
            if let Some((x, y, bw, bh)) = painter.area(&label) {
                assert!(x + bw <= w && y + bh <= h);
            }
        }
    }
}
