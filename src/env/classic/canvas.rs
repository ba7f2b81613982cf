//! A small drawing surface over tiny-skia with the primitives Gymnasium's
//! classic-control renderers use (pygame's `gfxdraw`): filled anti-aliased
//! polygons and circles, lines, and a vertical flip on output.
//!
//! Coordinates are pygame's before its final `flip`: x to the right, y up
//! from the bottom row once [`Canvas::write_flipped`] has run, which is how
//! Gymnasium's render code is written.

use crate::env::{Frame, ensure_frame_size};
use tiny_skia::{FillRule, LineCap, Paint, PathBuilder, Pixmap, Rect, Shader, Stroke, Transform};

/// An RGB colour.
pub type Rgb = [u8; 3];

/// A reusable RGBA drawing surface. Drawing allocates only to build paths,
/// which tiny-skia keeps small; the pixel buffer is allocated once.
#[derive(Debug, Clone)]
pub struct Canvas {
    pixmap: Pixmap,
}

impl Canvas {
    /// A canvas of `width` × `height` pixels. Both must be non-zero.
    pub fn new(width: u32, height: u32) -> Self {
        Canvas {
            pixmap: Pixmap::new(width.max(1), height.max(1)).expect("non-zero canvas size"),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.pixmap.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.pixmap.height()
    }

    /// Fills the whole canvas with `color`.
    pub fn fill(&mut self, color: Rgb) {
        self.pixmap.fill(tiny_skia::Color::from_rgba8(
            color[0], color[1], color[2], 255,
        ));
    }

    fn paint(color: Rgb, anti_alias: bool) -> Paint<'static> {
        Paint {
            shader: Shader::SolidColor(tiny_skia::Color::from_rgba8(
                color[0], color[1], color[2], 255,
            )),
            anti_alias,
            ..Paint::default()
        }
    }

    /// A filled, anti-aliased polygon (gfxdraw's `aapolygon` + `filled_polygon`).
    pub fn polygon(&mut self, points: &[(f32, f32)], color: Rgb) {
        let mut pb = PathBuilder::with_capacity(points.len() + 1, points.len());
        let Some(&(x0, y0)) = points.first() else {
            return;
        };
        pb.move_to(x0, y0);
        for &(x, y) in &points[1..] {
            pb.line_to(x, y);
        }
        pb.close();
        if let Some(path) = pb.finish() {
            self.pixmap.fill_path(
                &path,
                &Self::paint(color, true),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }

    /// A filled, anti-aliased circle (gfxdraw's `aacircle` + `filled_circle`).
    pub fn circle(&mut self, cx: f32, cy: f32, radius: f32, color: Rgb) {
        if let Some(path) = PathBuilder::from_circle(cx, cy, radius.max(0.01)) {
            self.pixmap.fill_path(
                &path,
                &Self::paint(color, true),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }

    /// An axis-aligned filled rectangle without anti-aliasing, covering the
    /// pixels `x0..x1` × `y0..y1`.
    pub fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, color: Rgb) {
        if let Some(rect) = Rect::from_ltrb(x0, y0, x1, y1) {
            self.pixmap.fill_rect(
                rect,
                &Self::paint(color, false),
                Transform::identity(),
                None,
            );
        }
    }

    /// A one-pixel horizontal line on row `y` from column `x0` to `x1`
    /// inclusive (gfxdraw's `hline`).
    pub fn hline(&mut self, x0: i32, x1: i32, y: i32, color: Rgb) {
        let (lo, hi) = (x0.min(x1), x0.max(x1));
        self.rect(lo as f32, y as f32, hi as f32 + 1.0, y as f32 + 1.0, color);
    }

    /// An anti-aliased polyline of the given width (gfxdraw's `aalines`
    /// with width 1), closed when `closed` is set.
    pub fn polyline(&mut self, points: &[(f32, f32)], closed: bool, width: f32, color: Rgb) {
        let Some(&(x0, y0)) = points.first() else {
            return;
        };
        let mut pb = PathBuilder::with_capacity(points.len() + 1, points.len());
        pb.move_to(x0, y0);
        for &(x, y) in &points[1..] {
            pb.line_to(x, y);
        }
        if closed {
            pb.close();
        }
        if let Some(path) = pb.finish() {
            let stroke = Stroke {
                width,
                line_cap: LineCap::Butt,
                ..Stroke::default()
            };
            self.pixmap.stroke_path(
                &path,
                &Self::paint(color, true),
                &stroke,
                Transform::identity(),
                None,
            );
        }
    }

    /// The RGBA pixels (premultiplied; opaque wherever the canvas was filled).
    pub fn pixmap(&self) -> &Pixmap {
        &self.pixmap
    }

    /// The RGBA pixels, mutably, for drawing that the primitives above do
    /// not cover (sprites, for example).
    pub fn pixmap_mut(&mut self) -> &mut Pixmap {
        &mut self.pixmap
    }

    /// Copies the canvas into `frame` upside down (pygame's
    /// `transform.flip(surf, False, True)`), dropping alpha. Resizes `frame`
    /// only when its size differs.
    pub fn write_flipped(&self, frame: &mut Frame) {
        let (w, h) = (self.width(), self.height());
        ensure_frame_size(frame, w, h);
        let src = self.pixmap.data();
        let row_in = w as usize * 4;
        let row_out = w as usize * 3;
        let dst: &mut [u8] = frame;
        for (y, out) in dst.chunks_exact_mut(row_out).enumerate() {
            let src_row = &src[(h as usize - 1 - y) * row_in..][..row_in];
            rgba_row_to_rgb(src_row, out);
        }
    }
}

/// Copies a row of RGBA pixels into a row of RGB pixels, dropping alpha.
///
/// Each pixel but the last is copied as one 4-byte word to `3·i`, its alpha
/// byte then overwritten by the next pixel: a load and a store a pixel,
/// about twice as fast as copying three bytes each.
fn rgba_row_to_rgb(src: &[u8], out: &mut [u8]) {
    let n = (src.len() / 4).min(out.len() / 3);
    let Some(last) = n.checked_sub(1) else {
        return;
    };
    for (i, px) in src.chunks_exact(4).take(last).enumerate() {
        out[3 * i..3 * i + 4].copy_from_slice(px);
    }
    out[3 * last..3 * last + 3].copy_from_slice(&src[4 * last..4 * last + 3]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_rows_become_rgb_rows_at_every_width() {
        for width in 0..11usize {
            let src: Vec<u8> = (0..width * 4).map(|i| (i * 37 % 251) as u8).collect();
            let mut out = vec![0u8; width * 3];
            rgba_row_to_rgb(&src, &mut out);
            let want: Vec<u8> = src
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            assert_eq!(out, want, "width {width}");
        }
    }

    #[test]
    fn flip_puts_row_zero_at_the_bottom() {
        let mut c = Canvas::new(4, 3);
        c.fill([255, 255, 255]);
        c.hline(0, 3, 0, [0, 0, 0]);
        let mut frame = Frame::new(1, 1);
        c.write_flipped(&mut frame);
        assert_eq!(frame.dimensions(), (4, 3));
        assert_eq!(frame.get_pixel(2, 2).0, [0, 0, 0]);
        assert_eq!(frame.get_pixel(2, 0).0, [255, 255, 255]);
    }

    #[test]
    fn polygon_and_circle_cover_their_centres() {
        let mut c = Canvas::new(20, 20);
        c.fill([255, 255, 255]);
        c.polygon(
            &[(2.0, 2.0), (8.0, 2.0), (8.0, 8.0), (2.0, 8.0)],
            [10, 20, 30],
        );
        c.circle(15.0, 15.0, 3.0, [200, 100, 50]);
        let mut frame = Frame::new(20, 20);
        c.write_flipped(&mut frame);
        assert_eq!(frame.get_pixel(5, 19 - 5).0, [10, 20, 30]);
        assert_eq!(frame.get_pixel(15, 19 - 15).0, [200, 100, 50]);
        assert_eq!(frame.get_pixel(15, 19 - 5).0, [255, 255, 255]);
    }
}
