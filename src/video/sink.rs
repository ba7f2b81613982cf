//! [`VideoSink`]: the trait every format's writer implements.

use super::VideoFacts;
use crate::Result;
use crate::frame::Frame;

/// A backend that encodes frames into one video file.
///
/// A sink is made for one file (each backend has its own constructor taking
/// a [`VideoSpec`](super::VideoSpec) and [`EncoderSettings`](super::EncoderSettings)), written frame by frame, and
/// closed with [`finish`](VideoSink::finish). A sink dropped without
/// `finish` may leave an incomplete file.
pub trait VideoSink: Send {
    /// Encodes one frame. The frame must have the spec's size; a frame of
    /// another size is an [`Error::FrameSize`](crate::Error::FrameSize) (and the frame is not written).
    fn write(&mut self, frame: &Frame) -> Result<()>;

    /// Flushes the encoder, closes the file and reports what was written.
    fn finish(self: Box<Self>) -> Result<VideoFacts>;
}
