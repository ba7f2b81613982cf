//! [`Frame`], the one picture type: what envs render and videos are made of;
//! and [`Snapshot`] with [`FrameRenderer`], a picture deferred: what an env
//! captures of its state on its own thread, drawn into a frame on another.
//!
//! A frame is an [`image::RgbImage`]: height × width × 3 bytes, row-major.
//! The `image` crate's pixel type [`Rgb`] is re-exported here, so drawing
//! into a frame needs no dependency of your own.
//!
//! Deferred rendering: rendering a picture costs far more than copying the
//! few numbers it is drawn from (CartPole: 0.25 ms against four `f64`s).
//! An env that offers it writes those numbers into a [`Snapshot`] on the
//! env thread, and a [`FrameRenderer`] draws them into a frame on the
//! encoder thread, so a recorded step costs the hand-off only.
//!
//! ```
//! use gymrec::{Frame, FrameRenderer, Snapshot};
//!
//! /// Draws a white column at the x a snapshot holds.
//! #[derive(Clone)]
//! struct Column;
//!
//! impl FrameRenderer for Column {
//!     fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> gymrec::Result<()> {
//!         let x = snapshot.reader().f64()? as u32;
//!         frame.fill(0);
//!         for y in 0..frame.height() {
//!             frame.put_pixel(x, y, gymrec::Rgb([255, 255, 255]));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn main() -> gymrec::Result<()> {
//! let mut snapshot = Snapshot::new();
//! snapshot.push_f64(3.0); // on the env thread: the state
//! let mut frame = Frame::new(8, 4); // on the encoder thread: the picture
//! Column.render(&snapshot, &mut frame)?;
//! assert_eq!(frame.get_pixel(3, 2).0, [255, 255, 255]);
//! assert!(Column.render(&Snapshot::new(), &mut frame).is_err()); // too short
//! # Ok(())
//! # }
//! ```

use crate::{Error, Result};

mod scale;
pub(crate) use scale::BoxScaler;

pub use image::Rgb;

/// One RGB frame: height × width × 3 bytes, row-major.
pub type Frame = image::RgbImage;

/// What an env's picture is drawn from, captured on the env thread: a few
/// numbers as bytes (little-endian), written with the `push_*` methods and
/// read back in the same order through [`reader`](Self::reader).
///
/// Recorders hand out pooled snapshots, cleared, that keep their capacity,
/// so that capturing one allocates nothing in the steady state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    bytes: Vec<u8>,
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Snapshot::default()
    }

    /// Empties the snapshot, keeping its capacity.
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// Appends `value`.
    pub fn push_f64(&mut self, value: f64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Appends every value of `values`, in order.
    pub fn push_f64s(&mut self, values: &[f64]) {
        for &value in values {
            self.push_f64(value);
        }
    }

    /// Appends `value`.
    pub fn push_u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Appends raw bytes (an encoding of your own).
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes of memory the snapshot holds (its capacity): what it counts
    /// for against a queue's byte limit.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Reads the values back from the start, in the order they were pushed.
    pub fn reader(&self) -> SnapshotReader<'_> {
        SnapshotReader {
            rest: &self.bytes,
            read: 0,
        }
    }
}

/// Reads a [`Snapshot`]'s values in the order they were pushed; reading
/// past the end is an [`Error::SnapshotTooShort`].
#[derive(Debug, Clone)]
pub struct SnapshotReader<'a> {
    rest: &'a [u8],
    read: usize,
}

impl SnapshotReader<'_> {
    /// The next `f64`.
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// The next `N` `f64`s.
    pub fn f64s<const N: usize>(&mut self) -> Result<[f64; N]> {
        let mut out = [0.0; N];
        for value in &mut out {
            *value = self.f64()?;
        }
        Ok(out)
    }

    /// The next `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// The next `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&[u8]> {
        if self.rest.len() < n {
            return Err(Error::SnapshotTooShort {
                needed: self.read + n,
                len: self.read + self.rest.len(),
            });
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        self.read += n;
        Ok(head)
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.bytes(N)?;
        Ok(bytes.try_into().expect("bytes(N) returns N bytes"))
    }
}

/// Draws [`Snapshot`]s into frames on another thread than the env's: the
/// encoder side of deferred rendering (see the [module docs](self)).
///
/// A renderer is `Clone` (and `'static`): a recorder asks an env for one
/// renderer, then clones it for each video, so each video's encoder thread
/// has its own (with its own canvas). `Box<dyn FrameRenderer>` is `Clone`
/// and a renderer too.
pub trait FrameRenderer: Send + clone::CloneRenderer {
    /// Draws `snapshot` into `frame`, overwriting every pixel (the frame
    /// holds an earlier picture). `frame` has the env's `frame_size()`.
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> Result<()>;
}

impl dyn FrameRenderer + '_ {
    /// A clone of the renderer, boxed, for another video's thread.
    pub(crate) fn boxed_clone(&self) -> Box<dyn FrameRenderer> {
        self.clone_boxed()
    }
}

impl Clone for Box<dyn FrameRenderer> {
    fn clone(&self) -> Self {
        // The renderer inside, not the box (whose clone is this one).
        (**self).boxed_clone()
    }
}

impl FrameRenderer for Box<dyn FrameRenderer> {
    fn render(&mut self, snapshot: &Snapshot, frame: &mut Frame) -> Result<()> {
        (**self).render(snapshot, frame)
    }
}

/// A renderer cloned into a box: what makes `Box<dyn FrameRenderer>`
/// `Clone`. Every `Clone` renderer has it; nothing outside the crate can
/// name it.
mod clone {
    use super::FrameRenderer;

    #[doc(hidden)]
    pub trait CloneRenderer {
        /// A clone of the renderer, boxed.
        fn clone_boxed(&self) -> Box<dyn FrameRenderer>;
    }

    impl<R: FrameRenderer + Clone + 'static> CloneRenderer for R {
        fn clone_boxed(&self) -> Box<dyn FrameRenderer> {
            Box::new(self.clone())
        }
    }
}
