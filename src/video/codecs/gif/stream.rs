//! [`Stream`]: frames turned into GIF frames one by one, as they come, for
//! the GIF writer ([`GifSink`](super::GifSink)): memory stays at one frame
//! however long the video.
//!
//! Each frame becomes one GIF frame: the first whole, each later one the
//! rectangle where its pixels differ from the frame before (a one-pixel
//! frame when none do, as GIF frames cannot be empty), with the pixels in
//! it that did not change transparent. The rectangle's pixels are mapped
//! to the palette the frames of the scene share ([`Palettes`]: exact
//! colours while frames have at most 256, else a NeuQuant palette trained
//! on the whole frame and reused), and the GIF frame carries a local
//! palette of just the colours it draws.

use super::palette::{Palettes, Serial};
use super::rect::{Rect, UNCHANGED, byte_span, changed_rect, gif_frame, local_palette, row};

/// The state between frames of one GIF; see the [module docs](self).
pub(super) struct Stream {
    width: usize,
    height: usize,
    /// The previous frame (RGB), to find what changed; empty before the
    /// first.
    previous: Vec<u8>,
    palettes: Palettes,
    /// The rectangle's pixels (RGB, reused).
    rect_rgb: Vec<u8>,
    /// Their palette indices (reused).
    mapped: Vec<u8>,
    /// Their codes: index, | `UNCHANGED` (reused).
    codes: Vec<u16>,
    /// The GIF frame's indices into its local palette (reused).
    indices: Vec<u8>,
}

impl Stream {
    /// A GIF of `width` × `height` frames, before its first frame.
    pub(super) fn new(width: usize, height: usize) -> Self {
        Stream {
            width,
            height,
            previous: Vec::new(),
            palettes: Palettes::new(),
            rect_rgb: Vec::new(),
            mapped: Vec::new(),
            codes: Vec::new(),
            indices: Vec::new(),
        }
    }

    /// The GIF frame showing `pixels` (RGB, the GIF's size) for `delay`
    /// hundredths of a second, after the frames before.
    pub(super) fn next(&mut self, pixels: &[u8], delay: u16) -> ::gif::Frame<'_> {
        let rect = self.changed_rect(pixels);
        let mut serial = self.code_rect(pixels, rect, false);
        self.indices.clear();
        let (mut palette, mut transparent) =
            local_palette(&self.codes, self.palettes.rgb(serial), &mut self.indices);
        if transparent.is_none() && self.codes.iter().any(|&c| c & UNCHANGED != 0) {
            // 256 colours changed, no slot left for unchanged pixels: they
            // are drawn again, in their colours.
            serial = self.code_rect(pixels, rect, true);
            self.indices.clear();
            (palette, transparent) =
                local_palette(&self.codes, self.palettes.rgb(serial), &mut self.indices);
        }
        // Only the current palette is used from now on.
        self.palettes.retain(|_| false);
        self.previous.clear();
        self.previous.extend_from_slice(pixels);
        gif_frame(rect, delay, Some(palette), transparent, &self.indices)
    }

    /// How many quantized palettes were trained (NeuQuant runs).
    pub(super) fn trained(&self) -> u32 {
        self.palettes.trained()
    }

    /// Where `pixels` differ from the previous frame: all of the first
    /// frame; the top-left pixel when nothing changed.
    fn changed_rect(&self, pixels: &[u8]) -> Rect {
        if self.previous.len() != pixels.len() {
            return (0, 0, self.width, self.height);
        }
        let len = self.width * 3;
        changed_rect(self.height, |y| {
            byte_span(row(&self.previous, y, len), row(pixels, y, len), 3)
        })
        .unwrap_or((0, 0, 1, 1))
    }

    /// Fills `codes` for the pixels of `rect`: the changed ones (and with
    /// `all`, the unchanged ones too) mapped to the shared palette, the
    /// unchanged ones marked; returns the palette's serial.
    fn code_rect(&mut self, pixels: &[u8], rect: Rect, all: bool) -> Serial {
        let (left, top, width, height) = rect;
        let row = self.width * 3;
        let first = self.previous.len() != pixels.len();
        self.rect_rgb.clear();
        self.codes.clear();
        for y in top..top + height {
            let span = y * row + left * 3..y * row + (left + width) * 3;
            let now = &pixels[span.clone()];
            if first {
                self.rect_rgb.extend_from_slice(now);
                self.codes.resize(self.codes.len() + width, 0);
                continue;
            }
            for (px, was) in now.chunks_exact(3).zip(self.previous[span].chunks_exact(3)) {
                let unchanged = px == was;
                self.codes.push(if unchanged { UNCHANGED } else { 0 });
                if all || !unchanged {
                    self.rect_rgb.extend_from_slice(px);
                }
            }
        }
        let serial = self.palettes.map(&self.rect_rgb, pixels, &mut self.mapped);
        let mut mapped = self.mapped.iter();
        for code in self.codes.iter_mut().filter(|c| all || **c == 0) {
            *code |= mapped.next().map_or(0, |&i| u16::from(i));
        }
        serial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Composes the GIF frames `stream` makes of `frames` (`width` wide)
    /// as a viewer does: each drawn over the picture so far.
    fn shown(width: usize, height: usize, frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut stream = Stream::new(width, height);
        let mut canvas = vec![0u8; width * height * 3];
        let mut out = Vec::new();
        for frame in frames {
            let f = stream.next(frame, 4);
            let palette = f.palette.as_deref().unwrap_or_default();
            let (left, top, w) = (
                usize::from(f.left),
                usize::from(f.top),
                usize::from(f.width),
            );
            for (k, &i) in f.buffer.iter().enumerate() {
                if Some(i) == f.transparent {
                    continue;
                }
                let at = ((top + k / w) * width + left + k % w) * 3;
                canvas[at..at + 3].copy_from_slice(&palette[usize::from(i) * 3..][..3]);
            }
            out.push(canvas.clone());
        }
        out
    }

    /// 32 × 16 frames: black; then `n` of the pixels of a chequer
    /// pattern in distinct colours; then the other pixels white too.
    fn chequered(n: usize) -> [Vec<u8>; 3] {
        let (w, h) = (32, 16);
        let black = vec![0u8; w * h * 3];
        let (mut coloured, mut whites) = (black.clone(), black.clone());
        let even = (0..w * h).filter(|k| (k % w + k / w) % 2 == 0);
        for (i, k) in even.enumerate().take(n) {
            let colour = [i as u8, 255 - i as u8, 7];
            coloured[k * 3..k * 3 + 3].copy_from_slice(&colour);
            whites[k * 3..k * 3 + 3].copy_from_slice(&colour);
        }
        for k in (0..w * h).filter(|k| (k % w + k / w) % 2 == 1) {
            whites[k * 3..k * 3 + 3].copy_from_slice(&[255; 3]);
        }
        [black, coloured, whites]
    }

    #[test]
    fn unchanged_pixels_keep_their_colours_when_255_or_256_colours_change() {
        // 255 colours and a transparent slot: exact.
        let frames = chequered(255);
        assert_eq!(shown(32, 16, &frames), frames);
        // 256: no slot left, so unchanged pixels are drawn again, and 257
        // colours are quantized (closely: a few colours).
        let frames = chequered(256);
        for (got, want) in shown(32, 16, &frames).iter().zip(&frames) {
            let max = got.iter().zip(want).map(|(a, b)| a.abs_diff(*b)).max();
            assert!(max <= Some(16), "{max:?}");
        }
    }
}
