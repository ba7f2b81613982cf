//! [`Submission`]: what [`VideoWriter::submit`](super::VideoWriter::submit)
//! takes: a frame or a snapshot, with or without overlay text. It moves
//! the caller's buffers as they are (no pixel is copied, nothing is
//! allocated) and is what travels to the encoder thread.

use crate::frame::{Frame, Snapshot};

/// What goes to the encoder thread: a frame to encode, or a snapshot to
/// render first.
pub(super) enum Picture {
    Frame(Frame),
    Snapshot(Snapshot),
}

/// A picture for a [`VideoWriter`](super::VideoWriter): a [`Frame`] to
/// encode, or a [`Snapshot`] for the writer's renderer to draw first, with
/// the overlay text to draw into it, if any.
///
/// Made by `From`: a `Frame`, a `Snapshot`, or either paired with its text
/// as `(picture, text)`; [`labelled`](Self::labelled) adds text to any.
///
/// ```
/// use gymrec::video::{Submission, VideoSpec, WriterOptions};
/// use gymrec::video::overlay::OverlayStyle;
///
/// # fn main() -> gymrec::Result<()> {
/// let path = std::env::temp_dir().join(format!("gymrec-doc-submission-{}.gif", std::process::id()));
/// let mut writer = WriterOptions::new()
///     .overlay(OverlayStyle::default())
///     .create(&path, VideoSpec::new(64, 32, 10))?;
/// let frame = writer.buffer();
/// writer.submit(frame)?; // no text
/// let (frame, mut text) = (writer.buffer(), writer.label()); // both pooled
/// text.clear();
/// text.push_str("step 1");
/// writer.submit((frame, text))?;
/// let frame = writer.buffer();
/// writer.submit(Submission::from(frame).labelled("step 2".to_string()))?;
/// assert_eq!(writer.finish()?.frames, 3);
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub struct Submission {
    pub(super) picture: Picture,
    pub(super) label: Option<String>,
}

impl Submission {
    /// The same picture with `text` to draw into it on the encoder thread
    /// when the writer has an overlay (else the text is ignored); `'\n'`
    /// starts a new line. Replaces any text it had.
    pub fn labelled(mut self, text: String) -> Self {
        self.label = Some(text);
        self
    }

    fn unlabelled(picture: Picture) -> Self {
        Submission {
            picture,
            label: None,
        }
    }
}

impl From<Frame> for Submission {
    /// A frame to encode, with no text.
    fn from(frame: Frame) -> Self {
        Submission::unlabelled(Picture::Frame(frame))
    }
}

impl From<Snapshot> for Submission {
    /// A snapshot for the writer's renderer, with no text.
    fn from(snapshot: Snapshot) -> Self {
        Submission::unlabelled(Picture::Snapshot(snapshot))
    }
}

impl From<(Frame, String)> for Submission {
    /// A frame to encode, with its overlay text.
    fn from((frame, text): (Frame, String)) -> Self {
        Submission::from(frame).labelled(text)
    }
}

impl From<(Snapshot, String)> for Submission {
    /// A snapshot for the writer's renderer, with its overlay text.
    fn from((snapshot, text): (Snapshot, String)) -> Self {
        Submission::from(snapshot).labelled(text)
    }
}

impl std::fmt::Debug for Submission {
    /// The picture's kind and size, and the text (not the pixels).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Submission");
        match &self.picture {
            Picture::Frame(frame) => out.field("frame", &frame.dimensions()),
            Picture::Snapshot(snapshot) => out.field("snapshot_bytes", &snapshot.len()),
        };
        out.field("label", &self.label).finish()
    }
}
