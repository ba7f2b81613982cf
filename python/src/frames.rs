//! `env.render()`'s arrays copied into gymrec frames.

use gymrec::Frame;
use numpy::ndarray::{ArrayView3, Axis};
use numpy::{PyReadonlyArray3, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A rendered frame: an `HxWx3` `uint8` array, C-contiguous or strided.
pub struct RgbArray<'py> {
    array: PyReadonlyArray3<'py, u8>,
}

impl<'py> RgbArray<'py> {
    /// `frame` as an RGB array, or a `ValueError` saying what it is instead.
    pub fn from_object(frame: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(array) = frame.extract::<PyReadonlyArray3<'py, u8>>() {
            if array.shape()[2] == 3 && array.shape()[0] > 0 && array.shape()[1] > 0 {
                return Ok(RgbArray { array });
            }
        }
        let shape = frame
            .getattr("shape")
            .and_then(|s| s.str())
            .map_or_else(|_| "no shape".to_string(), |s| s.to_string());
        let dtype = frame
            .getattr("dtype")
            .and_then(|d| d.str())
            .map_or_else(|_| type_name(frame), |d| d.to_string());
        Err(PyValueError::new_err(format!(
            "gymrec records frames that are numpy arrays of shape (height, width, 3) and dtype \
             uint8 (what render_mode=\"rgb_array\" returns); got {dtype} of shape {shape}"
        )))
    }

    /// `(width, height)`.
    pub fn size(&self) -> (u32, u32) {
        let shape = self.array.shape();
        (clamp(shape[1]), clamp(shape[0]))
    }

    /// Copies the picture into `frame` with its top-left corner at `origin`
    /// (the whole frame for one env, a cell of the grid for a vector env);
    /// the picture must fit (the caller took `frame` of a size that holds
    /// it). Rows are copied whole when they are contiguous in memory, which
    /// they are for every array an env renders; other strides go pixel by
    /// pixel.
    pub fn copy_into(&self, frame: &mut Frame, origin: (u32, u32)) {
        let view: ArrayView3<'_, u8> = self.array.as_array();
        let (width, height) = self.size();
        let (frame_width, frame_height) = frame.dimensions();
        let (x0, y0) = origin;
        let fits = |origin: u32, side: u32, room: u32| {
            u64::from(origin) + u64::from(side) <= u64::from(room)
        };
        if !fits(x0, width, frame_width) || !fits(y0, height, frame_height) {
            return;
        }
        let stride = frame_width as usize * 3;
        let row_bytes = width as usize * 3;
        let dst: &mut [u8] = frame;
        if let (Some(src), (0, 0), true) = (view.as_slice(), origin, frame_width == width) {
            dst[..src.len()].copy_from_slice(src);
            return;
        }
        let start = y0 as usize * stride + x0 as usize * 3;
        for (row, dst_row) in view.axis_iter(Axis(0)).zip(dst[start..].chunks_mut(stride)) {
            let dst_row = &mut dst_row[..row_bytes];
            match row.as_slice() {
                Some(src) => dst_row.copy_from_slice(src),
                None => {
                    for (pixel, dst_pixel) in
                        row.axis_iter(Axis(0)).zip(dst_row.chunks_exact_mut(3))
                    {
                        for (c, value) in pixel.iter().enumerate() {
                            dst_pixel[c] = *value;
                        }
                    }
                }
            }
        }
    }
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
