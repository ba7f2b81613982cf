//! [`FrameTap`]: something that sees every frame a [`VideoWriter`]
//! encodes, on the encoder thread, beside the video's own sink: a poster
//! frame, a small preview, a checksum.
//!
//! Taps are given to [`WriterOptions::tap`]. Each sees the frames
//! as they are encoded (after the overlay is drawn), in order, and is told
//! when the video is finished. A tap never holds the video up and never
//! fails it: what it makes, and any error it meets, it hands to its owner
//! itself (through a channel or a shared slot).
//!
//! ```
//! use gymrec::video::{FrameTap, VideoFacts, VideoSpec, WriterOptions};
//! use gymrec::Frame;
//! use std::sync::{Arc, Mutex};
//!
//! /// Keeps the brightest pixel's value of the whole video.
//! struct Brightest(Arc<Mutex<u8>>, u8);
//!
//! impl FrameTap for Brightest {
//!     fn frame(&mut self, _index: u64, frame: &Frame) {
//!         self.1 = self.1.max(frame.as_raw().iter().copied().max().unwrap_or(0));
//!     }
//!     fn finish(self, _facts: Option<&VideoFacts>) {
//!         *self.0.lock().unwrap() = self.1;
//!     }
//! }
//!
//! # fn main() -> gymrec::Result<()> {
//! let path = std::env::temp_dir().join(format!("gymrec-doc-tap-{}.gif", std::process::id()));
//! let brightest = Arc::new(Mutex::new(0));
//! let tap = Brightest(brightest.clone(), 0);
//! let mut writer = WriterOptions::new().tap(tap).create(&path, VideoSpec::new(8, 8, 10))?;
//! let mut frame = writer.buffer();
//! frame.put_pixel(3, 3, gymrec::image::Rgb([0, 200, 0]));
//! writer.submit(frame)?;
//! writer.finish()?; // the taps have finished when `finish` returns
//! assert_eq!(*brightest.lock().unwrap(), 200);
//! # std::fs::remove_file(&path).ok();
//! # Ok(())
//! # }
//! ```
//!
//! [`VideoWriter`]: super::VideoWriter
//! [`WriterOptions::tap`]: super::WriterOptions::tap

use super::VideoFacts;
use crate::frame::Frame;

/// Sees every frame a writer encodes, on its encoder thread; told when the
/// video is finished. See the [`video`](crate::video) docs. `Box<dyn FrameTap>` is
/// a tap too.
pub trait FrameTap: Send + boxed::FinishBoxed {
    /// Frame `index` (from 0) of the video, as encoded: after the overlay,
    /// at the spec's size. Called after the frame was written.
    fn frame(&mut self, index: u64, frame: &Frame);

    /// The video is finished: `facts` says what was written, `None` when
    /// writing it failed. Called on the encoder thread before the writer's
    /// `finish` returns. The default does nothing.
    fn finish(self, facts: Option<&VideoFacts>)
    where
        Self: Sized,
    {
        let _ = facts;
    }
}

impl<T: FrameTap + ?Sized> FrameTap for Box<T> {
    fn frame(&mut self, index: u64, frame: &Frame) {
        (**self).frame(index, frame);
    }

    fn finish(self, facts: Option<&VideoFacts>) {
        self.finish_boxed(facts);
    }
}

/// `finish` through a box: how a `Box<dyn FrameTap>` finishes. Every tap
/// has it; nothing outside the crate can name it.
mod boxed {
    use super::{FrameTap, VideoFacts};

    #[doc(hidden)]
    pub trait FinishBoxed {
        /// [`FrameTap::finish`] of the boxed tap.
        fn finish_boxed(self: Box<Self>, facts: Option<&VideoFacts>);
    }

    impl<T: FrameTap> FinishBoxed for T {
        fn finish_boxed(self: Box<Self>, facts: Option<&VideoFacts>) {
            (*self).finish(facts);
        }
    }
}
