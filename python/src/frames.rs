//! `env.render()`'s arrays copied into gymrec frames, converted as
//! Gymnasium's writer converts them.
//!
//! Gymnasium's `RecordVideo` hands its frames to moviepy's
//! `ImageSequenceClip`, which keeps channels `[:3]` (an alpha channel
//! becomes a mask the MP4 encoder drops) and casts with numpy's
//! `astype("uint8")`: values truncated toward zero and kept modulo 256
//! (integers keep their low 8 bits; on x86-64 a float goes through a 32-bit
//! integer, so NaN, the infinities and values beyond ±2³¹ give 0). gymrec
//! does the same here, in one pass into the pooled frame; `uint8` RGB arrays
//! are copied as they are.

use gymrec::Frame;
use numpy::ndarray::{ArrayView3, Axis};
use numpy::{PyArrayDescrMethods, PyReadonlyArray3, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A rendered frame: an `HxWx3` (RGB) or `HxWx4` (RGBA) array of a numeric
/// dtype, C-contiguous or strided.
pub struct RgbArray<'py> {
    pixels: Pixels<'py>,
    /// The dtype cast to `uint8` (its name, and whether it is a float
    /// type), `None` for a `uint8` array.
    cast: Option<(String, bool)>,
}

/// The array, typed.
enum Pixels<'py> {
    Bool(PyReadonlyArray3<'py, bool>),
    U8(PyReadonlyArray3<'py, u8>),
    U16(PyReadonlyArray3<'py, u16>),
    U32(PyReadonlyArray3<'py, u32>),
    U64(PyReadonlyArray3<'py, u64>),
    I8(PyReadonlyArray3<'py, i8>),
    I16(PyReadonlyArray3<'py, i16>),
    I32(PyReadonlyArray3<'py, i32>),
    I64(PyReadonlyArray3<'py, i64>),
    F32(PyReadonlyArray3<'py, f32>),
    F64(PyReadonlyArray3<'py, f64>),
}

/// Runs `$body` with `$view` bound to the array's `ArrayView3` of its own
/// element type.
macro_rules! with_view {
    ($pixels:expr, |$view:ident| $body:expr) => {
        match $pixels {
            Pixels::Bool(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::U8(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::U16(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::U32(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::U64(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::I8(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::I16(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::I32(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::I64(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::F32(a) => {
                let $view = a.as_array();
                $body
            }
            Pixels::F64(a) => {
                let $view = a.as_array();
                $body
            }
        }
    };
}

impl<'py> RgbArray<'py> {
    /// `frame` as a picture to record, or a `ValueError` saying what it is
    /// instead. A numeric dtype numpy's own types do not cover here (float16,
    /// a byte order not the machine's) is first cast by numpy itself.
    pub fn from_object(frame: &Bound<'py, PyAny>) -> PyResult<Self> {
        // The common case first, at the cost of one type check.
        if let Ok(array) = frame.extract::<PyReadonlyArray3<'py, u8>>() {
            if is_picture(array.shape()) {
                return Ok(RgbArray {
                    pixels: Pixels::U8(array),
                    cast: None,
                });
            }
        }
        if let Ok(array) = frame.cast::<PyUntypedArray>() {
            let dtype = array.dtype();
            let kind = dtype.kind();
            if is_picture(array.shape()) && b"biuf".contains(&kind) {
                let cast = Some((dtype.str()?.to_string(), kind == b'f'));
                if let Some(pixels) = typed(frame, kind, dtype.itemsize()) {
                    return Ok(RgbArray { pixels, cast });
                }
                let converted = frame.call_method1("astype", ("uint8",))?;
                if let Ok(array) = converted.extract::<PyReadonlyArray3<'py, u8>>() {
                    return Ok(RgbArray {
                        pixels: Pixels::U8(array),
                        cast,
                    });
                }
            }
        }
        Err(refusal(frame))
    }

    /// `(width, height)`.
    pub fn size(&self) -> (u32, u32) {
        let shape = with_view!(&self.pixels, |view| view.raw_dim());
        (clamp(shape[1]), clamp(shape[0]))
    }

    /// What recording this array changes, as gymrec's per-video warning
    /// says it; `None` for a `uint8` RGB array, recorded as it is.
    pub fn conversion(&self) -> Option<String> {
        let channels = with_view!(&self.pixels, |view| view.shape()[2]);
        let mut parts = Vec::new();
        if channels == 4 {
            parts.push("RGBA frames lose their alpha channel".to_string());
        }
        if let Some((dtype, float)) = &self.cast {
            parts.push(format!(
                "{dtype} frames are cast to uint8 by numpy's astype(\"uint8\"): truncated \
                 toward zero, modulo 256{}",
                if *float {
                    ", NaN and infinities 0, so a picture in [0, 1] comes out black \
                     (multiply it by 255)"
                } else {
                    ""
                }
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Copies the picture into `frame` with its top-left corner at `origin`
    /// (the whole frame for one env, a cell of the grid for a vector env);
    /// the picture must fit (the caller took `frame` of a size that holds
    /// it). A `uint8` RGB array's rows are copied whole when they are
    /// contiguous in memory, which they are for every array an env renders;
    /// other strides, the alpha channel and other dtypes go pixel by pixel.
    pub fn copy_into(&self, frame: &mut Frame, origin: (u32, u32)) {
        let (width, height) = self.size();
        let (frame_width, frame_height) = frame.dimensions();
        let (x0, y0) = origin;
        let fits = |origin: u32, side: u32, room: u32| {
            u64::from(origin) + u64::from(side) <= u64::from(room)
        };
        if !fits(x0, width, frame_width) || !fits(y0, height, frame_height) {
            return;
        }
        let place = Place {
            stride: frame_width as usize * 3,
            start: y0 as usize * frame_width as usize * 3 + x0 as usize * 3,
            row_bytes: width as usize * 3,
        };
        let dst: &mut [u8] = frame;
        if let Pixels::U8(array) = &self.pixels {
            let view = array.as_array();
            if view.shape()[2] == 3 {
                let whole = (origin, frame_width == width);
                if let (Some(src), ((0, 0), true)) = (view.as_slice(), whole) {
                    dst[..src.len()].copy_from_slice(src);
                } else {
                    copy_rgb(view, dst, &place);
                }
                return;
            }
        }
        with_view!(&self.pixels, |view| copy_converted(view, dst, &place));
    }
}

/// Where a picture goes in a frame's bytes.
struct Place {
    /// Bytes per frame row.
    stride: usize,
    /// The picture's first byte.
    start: usize,
    /// Bytes per picture row.
    row_bytes: usize,
}

/// A `uint8` RGB picture copied as it is, a row at a time where rows are
/// contiguous.
fn copy_rgb(view: ArrayView3<'_, u8>, dst: &mut [u8], place: &Place) {
    let rows = dst[place.start..].chunks_mut(place.stride);
    for (row, dst_row) in view.axis_iter(Axis(0)).zip(rows) {
        let dst_row = &mut dst_row[..place.row_bytes];
        match row.as_slice() {
            Some(src) => dst_row.copy_from_slice(src),
            None => {
                for (pixel, dst_pixel) in row.axis_iter(Axis(0)).zip(dst_row.chunks_exact_mut(3)) {
                    for (c, value) in pixel.iter().enumerate() {
                        dst_pixel[c] = *value;
                    }
                }
            }
        }
    }
}

/// Any picture, its first three channels cast to `u8` by [`ToU8`].
fn copy_converted<T: ToU8>(view: ArrayView3<'_, T>, dst: &mut [u8], place: &Place) {
    let channels = view.shape()[2];
    let rows = dst[place.start..].chunks_mut(place.stride);
    for (row, dst_row) in view.axis_iter(Axis(0)).zip(rows) {
        let dst_row = &mut dst_row[..place.row_bytes];
        match row.as_slice() {
            Some(src) => {
                for (pixel, out) in src.chunks_exact(channels).zip(dst_row.chunks_exact_mut(3)) {
                    out[0] = pixel[0].to_u8();
                    out[1] = pixel[1].to_u8();
                    out[2] = pixel[2].to_u8();
                }
            }
            None => {
                for (pixel, out) in row.axis_iter(Axis(0)).zip(dst_row.chunks_exact_mut(3)) {
                    out[0] = pixel[0].to_u8();
                    out[1] = pixel[1].to_u8();
                    out[2] = pixel[2].to_u8();
                }
            }
        }
    }
}

/// numpy's `astype("uint8")` of one value, as x86-64 computes it.
trait ToU8: Copy {
    fn to_u8(self) -> u8;
}

macro_rules! low_byte {
    ($($ty:ty),*) => {$(
        impl ToU8 for $ty {
            /// The low 8 bits (two's complement), as C casts integers.
            #[inline]
            fn to_u8(self) -> u8 {
                self as u8
            }
        }
    )*};
}
low_byte!(u8, u16, u32, u64, i8, i16, i32, i64);

impl ToU8 for bool {
    #[inline]
    fn to_u8(self) -> u8 {
        u8::from(self)
    }
}

impl ToU8 for f64 {
    /// Truncated toward zero into a 32-bit integer, then its low 8 bits;
    /// NaN and values out of the 32-bit range give the integer `i32::MIN`,
    /// whose low byte is 0 (x86-64's `cvttsd2si`, which numpy's C cast
    /// compiles to).
    #[inline]
    fn to_u8(self) -> u8 {
        if self > -2_147_483_649.0 && self < 2_147_483_648.0 {
            (self as i32) as u8
        } else {
            0
        }
    }
}

impl ToU8 for f32 {
    #[inline]
    fn to_u8(self) -> u8 {
        f64::from(self).to_u8()
    }
}

/// The typed array for numpy's `kind` and `itemsize`, when this module
/// converts such values itself and the byte order is the machine's.
fn typed<'py>(frame: &Bound<'py, PyAny>, kind: u8, size: usize) -> Option<Pixels<'py>> {
    Some(match (kind, size) {
        (b'b', 1) => Pixels::Bool(frame.extract().ok()?),
        (b'u', 2) => Pixels::U16(frame.extract().ok()?),
        (b'u', 4) => Pixels::U32(frame.extract().ok()?),
        (b'u', 8) => Pixels::U64(frame.extract().ok()?),
        (b'i', 1) => Pixels::I8(frame.extract().ok()?),
        (b'i', 2) => Pixels::I16(frame.extract().ok()?),
        (b'i', 4) => Pixels::I32(frame.extract().ok()?),
        (b'i', 8) => Pixels::I64(frame.extract().ok()?),
        (b'f', 4) => Pixels::F32(frame.extract().ok()?),
        (b'f', 8) => Pixels::F64(frame.extract().ok()?),
        _ => return None,
    })
}

/// Whether `shape` is `(height, width, 3 or 4)` with a pixel in it.
fn is_picture(shape: &[usize]) -> bool {
    matches!(shape, [h, w, 3 | 4] if *h > 0 && *w > 0)
}

/// The `ValueError` for a frame gymrec cannot record, saying what it is.
fn refusal(frame: &Bound<'_, PyAny>) -> PyErr {
    let shape: Option<Vec<usize>> = frame.getattr("shape").and_then(|s| s.extract()).ok();
    let shape_text = frame
        .getattr("shape")
        .and_then(|s| s.str())
        .map_or_else(|_| "no shape".to_string(), |s| s.to_string());
    let dtype = frame
        .getattr("dtype")
        .and_then(|d| d.str())
        .map_or_else(|_| type_name(frame), |d| d.to_string());
    let why = match shape.as_deref() {
        Some([h, w] | [h, w, 1]) if *h > 0 && *w > 0 => {
            ": a grayscale picture, which Gymnasium's RecordVideo cannot record either (it \
             fails at the end of the video, or writes a third of the frames, scrambled); \
             render RGB, or stack the picture thrice: np.dstack([frame] * 3)"
        }
        Some(s) if s.contains(&0) => ": an empty picture",
        _ => "",
    };
    PyValueError::new_err(format!(
        "gymrec records frames that are numpy arrays of shape (height, width, 3), or \
         (height, width, 4) whose alpha is dropped, of a numeric dtype (uint8 as \
         render_mode=\"rgb_array\" gives; others are cast as Gymnasium's writer casts them); \
         got {dtype} of shape {shape_text}{why}"
    ))
}

/// A side in pixels, saturated to `u32` (gymrec then refuses it as too large).
fn clamp(side: usize) -> u32 {
    u32::try_from(side).unwrap_or(u32::MAX)
}

fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map_or_else(|_| "an object".to_string(), |n| n.to_string())
}
