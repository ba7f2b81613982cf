//! [`BoxScaler`]: frames scaled down by area averaging, for the small
//! pictures made of a video's frames (gallery posters, TensorBoard GIF
//! previews).

use super::Frame;

/// Scales frames down by area averaging (a box filter), keeping its
/// buffers: each output pixel is the rounded mean of the source pixels its
/// area covers (at least one). Where the scale is a whole number it agrees
/// with [`image::imageops::thumbnail`], at a tenth of the time.
#[derive(Debug, Default)]
pub(crate) struct BoxScaler {
    /// Each output column's source columns `x0..x1`.
    columns: Vec<(usize, usize)>,
    /// The channel sums of the source rows one output row covers.
    rows: Vec<u32>,
    /// `RECIPROCAL_ONE / n` rounded up, for `n` up to 256 pixels a block.
    reciprocals: Vec<u64>,
}

/// `2^48`: `(v · ceil(2^48 / n)) >> 48` is `v / n` exactly for `v < 2^16`
/// (the error `v / 2^48` stays below `1 / n`).
const RECIPROCAL_ONE: u64 = 1 << 48;

impl BoxScaler {
    /// Scales `frame` down to `width` × `height` (not larger than it) into
    /// `out` (RGB rows, resized to fit); a frame with no pixels gives black.
    pub(crate) fn scale_into(&mut self, frame: &Frame, width: u32, height: u32, out: &mut Vec<u8>) {
        let (sw, sh) = (frame.width() as usize, frame.height() as usize);
        let (w, h) = (width as usize, height as usize);
        let span = |i: usize, n: usize, of: usize| {
            let start = i * of / n;
            (start, ((i + 1) * of / n).max(start + 1).min(of))
        };
        self.columns.clear();
        self.columns.extend((0..w).map(|x| span(x, w, sw)));
        // Block sizes: a block's mean by one multiplication when they stay
        // small enough for RECIPROCAL_ONE (a 240-wide preview of frames up
        // to about 3800 pixels wide and tall); else by division.
        let most = sw.div_ceil(w) * sh.div_ceil(h);
        self.reciprocals.clear();
        if most <= 256 {
            self.reciprocals
                .extend((0..=most as u64).map(|n| RECIPROCAL_ONE.div_ceil(n.max(1))));
        }
        let src = frame.as_raw();
        out.clear();
        out.resize(w * h * 3, 0);
        if sw == 0 || sh == 0 {
            // No pixels to average: black.
            return;
        }
        for (y, out_row) in out.chunks_exact_mut(w * 3).enumerate() {
            let (y0, y1) = span(y, h, sh);
            // Down the rows first: one long, branch-free sum.
            let mut rows = src[y0 * sw * 3..y1 * sw * 3].chunks_exact(sw * 3);
            self.rows.clear();
            self.rows.extend(
                rows.next()
                    .unwrap_or_default()
                    .iter()
                    .map(|&v| u32::from(v)),
            );
            for row in rows {
                for (sum, &v) in self.rows.iter_mut().zip(row) {
                    *sum += u32::from(v);
                }
            }
            let height = (y1 - y0) as u32;
            for (&(x0, x1), px) in self.columns.iter().zip(out_row.chunks_exact_mut(3)) {
                let sum = match self.rows[x0 * 3..x1 * 3] {
                    // The usual blocks, 1 to 3 columns wide, unrolled.
                    [a, b, c] => [a, b, c],
                    [a, b, c, d, e, f] => [a + d, b + e, c + f],
                    [a, b, c, d, e, f, g, h, i] => [a + d + g, b + e + h, c + f + i],
                    ref columns => {
                        let mut sum = [0u32; 3];
                        for column in columns.chunks_exact(3) {
                            sum[0] += column[0];
                            sum[1] += column[1];
                            sum[2] += column[2];
                        }
                        sum
                    }
                };
                let n = height * (x1 - x0) as u32;
                match self.reciprocals.get(n as usize) {
                    Some(&r) => {
                        for (p, v) in px.iter_mut().zip(sum) {
                            *p = ((u64::from(v + n / 2) * r) >> 48) as u8;
                        }
                    }
                    None => {
                        for (p, v) in px.iter_mut().zip(sum) {
                            *p = ((v + n / 2) / n) as u8;
                        }
                    }
                }
            }
        }
    }
}
