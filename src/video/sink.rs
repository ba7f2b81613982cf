//! [`VideoSink`]: the trait every format's writer implements.

use super::VideoFacts;
use crate::Result;
use crate::frame::Frame;

/// A backend that encodes frames into one video file.
///
/// A sink is made for one file (each backend has its own constructor taking
/// a [`VideoSpec`](super::VideoSpec) and [`EncoderSettings`](super::EncoderSettings)), written frame by frame, and
/// closed with [`finish`](VideoSink::finish). A sink dropped without
/// `finish` may leave an incomplete file. A sink of your own goes to a
/// writer through [`WriterOptions::sink`](super::WriterOptions::sink);
/// `Box<dyn VideoSink>` is a sink too.
pub trait VideoSink: Send + boxed::FinishBoxed {
    /// Encodes one frame. The frame must have the spec's size; a frame of
    /// another size is an [`Error::FrameSize`](crate::Error::FrameSize) (and the frame is not written).
    fn write(&mut self, frame: &Frame) -> Result<()>;

    /// Flushes the encoder, closes the file and reports what was written.
    fn finish(self) -> Result<VideoFacts>
    where
        Self: Sized;
}

impl<S: VideoSink + ?Sized> VideoSink for Box<S> {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        (**self).write(frame)
    }

    fn finish(self) -> Result<VideoFacts> {
        self.finish_boxed()
    }
}

/// `finish` through a box: how a `Box<dyn VideoSink>` finishes. Every
/// sink has it; nothing outside the crate can name it.
mod boxed {
    use super::{Result, VideoFacts, VideoSink};

    #[doc(hidden)]
    pub trait FinishBoxed {
        /// [`VideoSink::finish`] of the boxed sink.
        fn finish_boxed(self: Box<Self>) -> Result<VideoFacts>;
    }

    impl<S: VideoSink> FinishBoxed for S {
        fn finish_boxed(self: Box<Self>) -> Result<VideoFacts> {
            (*self).finish()
        }
    }
}
