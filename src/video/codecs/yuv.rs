//! RGB24 → YUV420P for the H.264 and VP9 sinks: BT.601 matrix, limited
//! ("TV", "MPEG") range, through `yuvutils-rs` (AVX2/SSE4.1 where the CPU
//! has them, plain Rust otherwise).
//!
//! This is what the streams are tagged with (matrix SMPTE 170M, i.e.
//! BT.601 525, limited range), so players show the colours rendered.
//!
//! The conversion uses yuvutils' `Professional` mode (Cargo feature
//! `professional_mode`): 15-bit coefficients, every value within half a
//! code value of the exact BT.601 formula, i.e. correctly rounded, as
//! swscale's was. Measured on 600×400 frames of random colours (see
//! `benches/yuv.rs` for the times): `Balanced`, the default mode, is about
//! 25 % faster but its AVX2 path scales 8-bit values by 257/16 instead of 16,
//! so bright colours come out up to 1.04 code values too light (Y) and
//! chroma 0.12 low on average; `Fast` (libyuv's 7-bit coefficients) is off by
//! up to 2.5 in Y with a +1.06 mean. Both shifts would sit on every flat
//! area of a rendered frame, where x264 spends few bits and keeps values
//! as they come, so exact rounding is worth its ~40 µs a frame (against
//! ~1 ms of encoding). Chroma is the mean of each 2×2 block of pixels, as
//! swscale's area filter gives.
//!
//! Odd frame sizes are padded to even first: the frame is copied into a
//! buffer of the encoded size with the last column and row repeated into
//! the padding, exactly as the sinks did before this converter, so the
//! chroma of the last column/row averages the pixel with its copy.

use yuvutils_rs::{
    BufferStoreMut, YuvConversionMode, YuvError, YuvPlanarImageMut, YuvRange, YuvStandardMatrix,
};

use crate::frame::Frame;

/// One YUV420P picture to write into: three planes with their strides (in
/// bytes per row). The luma plane holds at least `stride * height` bytes
/// of the encoded size, each chroma plane `stride * height / 2`.
pub(crate) struct Planes<'a> {
    /// The Y plane.
    pub(crate) y: &'a mut [u8],
    /// Bytes per row of `y`.
    pub(crate) y_stride: usize,
    /// The U (Cb) plane.
    pub(crate) u: &'a mut [u8],
    /// Bytes per row of `u`.
    pub(crate) u_stride: usize,
    /// The V (Cr) plane.
    pub(crate) v: &'a mut [u8],
    /// Bytes per row of `v`.
    pub(crate) v_stride: usize,
}

/// Converts frames of one size to YUV420P at the even encoded size,
/// keeping the padding buffer between frames.
pub(crate) struct RgbToYuv {
    /// The frames' size.
    size: (u32, u32),
    /// The encoded size: `size` rounded up to even.
    encoded: (u32, u32),
    /// The frame padded to `encoded` (empty while the sizes agree).
    padded: Vec<u8>,
}

impl RgbToYuv {
    /// A converter for frames of `size`, encoded at `encoded` (`size`
    /// rounded up to even, [`VideoSpec::encoded_size`](crate::video::VideoSpec::encoded_size)).
    pub(crate) fn new(size: (u32, u32), encoded: (u32, u32)) -> Self {
        RgbToYuv {
            size,
            encoded,
            padded: Vec::new(),
        }
    }

    /// Writes `frame` (of the converter's size) into `planes` as BT.601
    /// limited-range YUV420P at the encoded size.
    ///
    /// Errors with yuvutils' error when a plane or a stride is too small for
    /// the encoded size.
    pub(crate) fn convert(&mut self, frame: &Frame, planes: Planes<'_>) -> Result<(), YuvError> {
        let (ew, eh) = self.encoded;
        let rgb: &[u8] = if frame.dimensions() == self.encoded {
            frame.as_raw()
        } else {
            self.pad(frame);
            &self.padded
        };
        let stride = |s: usize| u32::try_from(s).unwrap_or(u32::MAX);
        let mut image = YuvPlanarImageMut {
            y_plane: BufferStoreMut::Borrowed(planes.y),
            y_stride: stride(planes.y_stride),
            u_plane: BufferStoreMut::Borrowed(planes.u),
            u_stride: stride(planes.u_stride),
            v_plane: BufferStoreMut::Borrowed(planes.v),
            v_stride: stride(planes.v_stride),
            width: ew,
            height: eh,
        };
        yuvutils_rs::rgb_to_yuv420(
            &mut image,
            rgb,
            ew * 3,
            YuvRange::Limited,
            YuvStandardMatrix::Bt601,
            YuvConversionMode::Professional,
        )
    }

    /// Copies `frame` into `padded` at the encoded size, repeating the last
    /// column and row into the padding.
    fn pad(&mut self, frame: &Frame) {
        let (w, h) = (self.size.0 as usize, self.size.1 as usize);
        let (ew, eh) = (self.encoded.0 as usize, self.encoded.1 as usize);
        let src = frame.as_raw();
        self.padded.resize(ew * eh * 3, 0);
        for y in 0..eh {
            let sy = y.min(h.saturating_sub(1));
            let row = &mut self.padded[y * ew * 3..(y + 1) * ew * 3];
            let Some(src_row) = src.get(sy * w * 3..(sy + 1) * w * 3) else {
                return;
            };
            row[..w * 3].copy_from_slice(src_row);
            if ew > w && w > 0 {
                row.copy_within((w - 1) * 3..w * 3, w * 3);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BT.601 limited range, exactly: Y = 16 + 219 Y', Cb/Cr = 128 + 224 (…).
    fn exact(rgb: [u8; 3]) -> [f64; 3] {
        let [r, g, b] = rgb.map(|c| f64::from(c) / 255.0);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        [
            16.0 + 219.0 * y,
            128.0 + 224.0 * (b - y) / 1.772,
            128.0 + 224.0 * (r - y) / 1.402,
        ]
    }

    /// Converts one `w` × `h` frame into packed planes.
    fn convert(frame: &Frame) -> (Vec<u8>, Vec<u8>, Vec<u8>, (usize, usize)) {
        let (w, h) = frame.dimensions();
        let (ew, eh) = ((w + (w & 1)) as usize, (h + (h & 1)) as usize);
        let (mut y, mut u, mut v) = (vec![0; ew * eh], vec![0; ew * eh / 4], vec![0; ew * eh / 4]);
        RgbToYuv::new((w, h), (ew as u32, eh as u32))
            .convert(
                frame,
                Planes {
                    y: &mut y,
                    y_stride: ew,
                    u: &mut u,
                    u_stride: ew / 2,
                    v: &mut v,
                    v_stride: ew / 2,
                },
            )
            .unwrap();
        (y, u, v, (ew, eh))
    }

    #[test]
    fn colours_are_correctly_rounded_bt601_limited() {
        // Every colour of a grid (R, G, B in steps of 15, and the primaries'
        // neighbours) as a 2×2 block, so chroma averages one colour.
        let levels: Vec<u8> = (0..=255).step_by(15).chain([1, 128, 254]).collect();
        let mut colours = Vec::new();
        for &r in &levels {
            for &g in &levels {
                for &b in &levels {
                    colours.push([r, g, b]);
                }
            }
        }
        let blocks_x = 64u32;
        let blocks_y = (colours.len() as u32).div_ceil(blocks_x);
        let frame = Frame::from_fn(blocks_x * 2, blocks_y * 2, |x, y| {
            let i = ((y / 2) * blocks_x + x / 2) as usize;
            image::Rgb(colours.get(i).copied().unwrap_or([0, 0, 0]))
        });
        let (y, u, v, (ew, _)) = convert(&frame);
        let mut worst = 0.0f64;
        for (i, &rgb) in colours.iter().enumerate() {
            let (bx, by) = (i % blocks_x as usize, i / blocks_x as usize);
            let want = exact(rgb);
            let got = [
                y[by * 2 * ew + bx * 2],
                u[by * ew / 2 + bx],
                v[by * ew / 2 + bx],
            ];
            for (c, name) in ["Y", "U", "V"].iter().enumerate() {
                let err = (f64::from(got[c]) - want[c]).abs();
                worst = worst.max(err);
                assert!(
                    err <= 0.52,
                    "{rgb:?}: {name} {}, exact {:.3}",
                    got[c],
                    want[c]
                );
            }
        }
        assert!(worst <= 0.52, "worst error {worst:.3}");
    }

    #[test]
    fn odd_sizes_repeat_the_last_column_and_row() {
        // 5 × 3: a gradient, so every column and row differs.
        let frame = Frame::from_fn(5, 3, |x, y| image::Rgb([x as u8 * 50, y as u8 * 100, 77]));
        let (y, _, _, (ew, eh)) = convert(&frame);
        assert_eq!((ew, eh), (6, 4));
        for row in 0..eh {
            assert_eq!(y[row * ew + 5], y[row * ew + 4], "row {row}");
        }
        assert_eq!(y[3 * ew..4 * ew], y[2 * ew..3 * ew]);
        // The padded conversion equals converting the padded frame itself.
        let padded = Frame::from_fn(6, 4, |x, y| *frame.get_pixel(x.min(4), y.min(2)));
        assert_eq!(convert(&padded), convert(&frame));
    }

    #[test]
    fn strides_wider_than_the_picture_are_respected() {
        let frame = Frame::from_pixel(4, 2, image::Rgb([255, 0, 0]));
        let (mut y, mut u, mut v) = (vec![7u8; 32 * 2], vec![7u8; 32], vec![7u8; 32]);
        RgbToYuv::new((4, 2), (4, 2))
            .convert(
                &frame,
                Planes {
                    y: &mut y,
                    y_stride: 32,
                    u: &mut u,
                    u_stride: 32,
                    v: &mut v,
                    v_stride: 32,
                },
            )
            .unwrap();
        assert_eq!(&y[..4], &[81; 4]);
        assert_eq!(&y[32..36], &[81; 4]);
        assert_eq!(&y[4..32], &[7; 28][..], "padding bytes untouched");
        assert_eq!((u[0], u[1], u[2]), (90, 90, 7));
        assert_eq!((v[0], v[1], v[2]), (240, 240, 7));
    }

    #[test]
    fn too_small_planes_are_an_error_not_a_panic() {
        let frame = Frame::from_pixel(4, 2, image::Rgb([1, 2, 3]));
        let (mut y, mut u, mut v) = (vec![0u8; 3], vec![0u8; 2], vec![0u8; 2]);
        let res = RgbToYuv::new((4, 2), (4, 2)).convert(
            &frame,
            Planes {
                y: &mut y,
                y_stride: 4,
                u: &mut u,
                u_stride: 2,
                v: &mut v,
                v_stride: 2,
            },
        );
        assert!(res.is_err());
    }
}
