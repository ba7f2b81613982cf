//! Changed rectangles and what a GIF frame over one draws.
//!
//! Every GIF frame but the first is the rectangle where the frame differs
//! from the one before ([`changed_rect`]), drawn over the picture so far
//! (disposal `Keep`). Inside it each pixel is a *code*: its palette index,
//! with [`UNCHANGED`] set where the frame before already shows that colour
//! there. [`local_palette`] turns codes into the frame's own small palette
//! with a transparent slot for the unchanged pixels (long runs of one
//! index, which LZW packs tightly).

use std::borrow::Cow;

/// A rectangle of a frame `(left, top, width, height)`, in pixels.
pub(super) type Rect = (usize, usize, usize, usize);

/// Marks a code whose pixel the frame before already shows in that colour;
/// the low byte is still the pixel's palette index.
pub(super) const UNCHANGED: u16 = 0x100;

/// No index: a colour not (yet) in the palette being built.
pub(super) const NONE: u16 = u16::MAX;

/// The smallest rectangle holding every pixel where two frames of `height`
/// rows differ; `row_span(y)` gives the first and last column where row
/// `y` differs (`None` where it does not). `None` where no row differs.
pub(super) fn changed_rect(
    height: usize,
    mut row_span: impl FnMut(usize) -> Option<(usize, usize)>,
) -> Option<Rect> {
    let mut found: Option<(usize, usize, usize, usize)> = None;
    for y in 0..height {
        if let Some((first, last)) = row_span(y) {
            found = Some(match found {
                None => (first, y, last, y),
                Some((l, t, r, _)) => (l.min(first), t, r.max(last), y),
            });
        }
    }
    found.map(|(l, t, r, b)| (l, t, r - l + 1, b - t + 1))
}

/// Row `y` of a frame whose rows are `len` bytes long.
pub(super) fn row(frame: &[u8], y: usize, len: usize) -> &[u8] {
    &frame[y * len..(y + 1) * len]
}

/// The first and last pixel (of `bpp` bytes) where rows `a` and `b`
/// differ, comparing bytes; `None` where the rows are the same.
pub(super) fn byte_span(a: &[u8], b: &[u8], bpp: usize) -> Option<(usize, usize)> {
    if a == b {
        return None;
    }
    let first = a.iter().zip(b).position(|(p, q)| p != q)?;
    let last = a.iter().zip(b).rposition(|(p, q)| p != q).unwrap_or(first);
    Some((first / bpp, last / bpp))
}

/// A local palette of just the colours `codes` changes to (`rgb` holds the
/// palette their indices point into), with a transparent slot for
/// unchanged pixels (if there is room: else they are drawn again in their
/// colour); appends the frame's indices to `indices`.
pub(super) fn local_palette(
    codes: &[u16],
    rgb: &[u8],
    indices: &mut Vec<u8>,
) -> (Vec<u8>, Option<u8>) {
    let mut slots = [NONE; 256];
    let mut local = Vec::new();
    let mut add = |i: usize, local: &mut Vec<u8>| {
        if slots[i] == NONE {
            slots[i] = (local.len() / 3) as u16;
            local.extend_from_slice(rgb.get(i * 3..i * 3 + 3).unwrap_or(&[0; 3]));
        }
    };
    for &c in codes.iter().filter(|&&c| c & UNCHANGED == 0) {
        add(usize::from(c), &mut local);
    }
    let transparent = match local.len() / 3 {
        n if n < 256 && codes.iter().any(|&c| c & UNCHANGED != 0) => {
            local.extend_from_slice(&[0, 0, 0]);
            Some(n as u8)
        }
        _ => None,
    };
    for &c in codes.iter().filter(|&&c| c & UNCHANGED != 0) {
        if transparent.is_none() {
            add(usize::from(c & 0xff), &mut local);
        }
    }
    indices.extend(codes.iter().map(|&c| match (c & UNCHANGED, transparent) {
        (0, _) | (_, None) => slots[usize::from(c & 0xff)] as u8,
        (_, Some(t)) => t,
    }));
    (local, transparent)
}

/// A GIF frame over `rect`, drawn over the picture so far, shown for
/// `delay` hundredths of a second: `indices` into `palette` (the global one
/// when `None`), `transparent` the index of unchanged pixels.
pub(super) fn gif_frame(
    rect: Rect,
    delay: u16,
    palette: Option<Vec<u8>>,
    transparent: Option<u8>,
    indices: &[u8],
) -> ::gif::Frame<'_> {
    let (left, top, width, height) = rect;
    // Frame sizes are checked against GIF's 16-bit limit upstream.
    ::gif::Frame {
        left: left as u16,
        top: top as u16,
        width: width as u16,
        height: height as u16,
        delay,
        dispose: ::gif::DisposalMethod::Keep,
        transparent,
        palette,
        buffer: Cow::Borrowed(indices),
        ..::gif::Frame::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rectangle_spans_the_rows_and_columns_that_differ() {
        let before = [0u8; 4 * 3];
        let mut now = before;
        now[5] = 1; // row 1, column 1
        now[10] = 1; // row 2, column 2
        let rect = changed_rect(3, |y| byte_span(row(&before, y, 4), row(&now, y, 4), 1));
        assert_eq!(rect, Some((1, 1, 2, 2)));
        assert_eq!(changed_rect(3, |_| None), None);
        // Three bytes a pixel: the byte's pixel.
        assert_eq!(
            byte_span(&[0; 9], &[0, 0, 0, 0, 0, 7, 0, 0, 0], 3),
            Some((1, 1))
        );
    }

    #[test]
    fn unchanged_pixels_share_a_transparent_slot_after_the_colours_used() {
        let rgb = [10, 10, 10, 20, 20, 20, 30, 30, 30];
        let mut indices = Vec::new();
        let codes = [2, UNCHANGED | 1, 0, 2];
        let (local, transparent) = local_palette(&codes, &rgb, &mut indices);
        assert_eq!(local, [30, 30, 30, 10, 10, 10, 0, 0, 0]);
        assert_eq!(transparent, Some(2));
        assert_eq!(indices, [0, 2, 1, 0]);
    }
}
