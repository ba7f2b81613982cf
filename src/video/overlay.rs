//! Text burned into frames on the encoder thread: an [`OverlayPainter`]
//! draws lines of text, white on a darkened box in the top-left corner, into
//! frames of one size. What the text says is the caller's business (the
//! recorder's [`Overlay`](crate::record::Overlay) writes the episode, step
//! and return); this module only draws.
//!
//! The fonts are the X11 "fixed" bitmap fonts of `embedded-graphics`,
//! rasterized once per painter and chosen by frame height: 6×10 below 200
//! pixels, 8×13 below 360, else 10×20 (scaled ×2 from 1080 pixels up), so
//! that text is legible at Gymnasium's 600×400 and small on small frames.
//! Pixels outside the box are never touched.

use std::convert::Infallible;
use std::fmt;

use embedded_graphics::Drawable;
use embedded_graphics::mono_font::{MonoFont, MonoTextStyle, ascii};
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::{DrawTarget, OriginDimensions, Point, Size};
use embedded_graphics::text::{Baseline, Text};

use crate::frame::Frame;

/// How an [`OverlayPainter`] draws: the font scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OverlayStyle {
    /// Integer font scale; `None` chooses by frame height.
    pub scale: Option<u32>,
}

/// Draws text into frames of one size; made on the encoder thread for
/// each video.
///
/// ```
/// use gymrec::video::overlay::{OverlayPainter, OverlayStyle};
///
/// let mut painter = OverlayPainter::new(&OverlayStyle::default(), 600, 400);
/// let mut frame = image::RgbImage::from_pixel(600, 400, image::Rgb([255, 255, 255]));
/// let text = "episode 3  step 57  return 57.00";
/// let (x, y, w, h) = painter.area(text).unwrap();
/// painter.draw(&mut frame, text);
/// assert_eq!(frame.get_pixel(x + w, y + h), &image::Rgb([255, 255, 255])); // outside: untouched
/// assert_ne!(frame.get_pixel(x, y), &image::Rgb([255, 255, 255])); // the box is darkened
/// ```
pub struct OverlayPainter {
    frame_size: (u32, u32),
    font: Glyphs,
    scale: u32,
}

impl fmt::Debug for OverlayPainter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OverlayPainter")
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
            frame_size: (width, height),
            font: Glyphs::rasterize(font),
            scale: scale.max(1),
        }
    }

    /// Margin around the box and padding inside it, in pixels.
    fn margin(&self) -> u32 {
        3 * self.scale
    }

    /// The box for the formatted text, clipped to the frame: `(x, y, width,
    /// height)`, or `None` when there is nothing to draw.
    fn text_box(&self, text: &str) -> Option<(u32, u32, u32, u32)> {
        let lines = text.lines().count() as u32;
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
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

    /// Where [`draw`](Self::draw) would draw `text`: the box `(x, y,
    /// width, height)` holding the text (clipped to the frame); `None` when
    /// there is nothing to show. Pixels outside it are never changed.
    pub fn area(&self, text: &str) -> Option<(u32, u32, u32, u32)> {
        self.text_box(text)
    }

    /// Draws `text` (`'\n'` starts a new line) into `frame`: darkens the box and writes the text in
    /// white. A frame of another size than the painter's is left as it is.
    pub fn draw(&self, frame: &mut Frame, text: &str) {
        if frame.dimensions() != self.frame_size {
            return;
        }
        let Some((bx, by, bw, bh)) = self.text_box(text) else {
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
        for (line_no, line) in text.lines().enumerate() {
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
    fn empty_text_draws_nothing() {
        let painter = OverlayPainter::new(&OverlayStyle::default(), 600, 400);
        assert_eq!(painter.area(""), None);
    }

    #[test]
    fn tiny_frames_clip_without_panicking() {
        for (w, h) in [(1, 1), (2, 3), (7, 7), (64, 48)] {
            let painter = OverlayPainter::new(&OverlayStyle::default(), w, h);
            let mut frame = Frame::new(w, h);
            let text = format!(
                "episode {}  step {}  return {:.2}\nx\ny\nz",
                u64::MAX,
                u64::MAX,
                -1e300
            );
            painter.draw(&mut frame, &text);
            if let Some((x, y, bw, bh)) = painter.area(&text) {
                assert!(x + bw <= w && y + bh <= h);
            }
        }
    }
}
