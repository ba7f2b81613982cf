//! Overlays: text burned into recorded frames — the episode, the step, the
//! return so far, and text of your own — off by default.
//!
//! The work is split so that the env thread stays cheap. For each captured
//! frame the recorder writes the frame's text (the numbers, then your
//! closure's text) into a reused `String` and sends it with the frame; the
//! encoder thread draws it with the video layer's
//! [`OverlayPainter`](crate::video::overlay::OverlayPainter) just before
//! encoding: white on a darkened box in the top-left corner, in a bitmap
//! font chosen by frame height. Pixels outside the box are never touched.
//!
//! ```
//! use gymrec::record::overlay::Overlay;
//! use gymrec::record::{RecordingConfig, Trigger};
//! use gymrec::env::{Env, RenderMode, SpaceValue};
//! use std::fmt::Write;
//!
//! # fn main() -> gymrec::Result<()> {
//! let dir = std::env::temp_dir().join(format!("gymrec-doc-overlay-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut env = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .overlay(Overlay::new().text(|frame, out| {
//!         // Runs on the env thread: write into `out`, which is reused.
//!         let _ = write!(out, "reward {:.1}", frame.reward.unwrap_or(0.0));
//!     }))
//!     .overwrite(true)
//!     .wrap(env)?;
//! env.reset(Some(0))?;
//! for _ in 0..5 {
//!     env.step(SpaceValue::Discrete(1))?;
//! }
//! let videos = env.finish().into_result()?;
//! assert_eq!(videos[0].facts.frames, 6);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use std::fmt::{self, Write as _};

use crate::env::Info;
use crate::video::overlay::OverlayStyle;

/// The text function's type: writes the text for one frame into the
/// `String` (which arrives empty).
type TextFn = dyn FnMut(&OverlayContext<'_>, &mut String) + Send;

/// What a frame's overlay shows; set on a
/// [`RecordingConfig`](super::RecordingConfig) with
/// [`overlay`](super::RecordingConfig::overlay).
///
/// [`Overlay::new`] shows the episode, the step within the episode and the
/// return so far, on one line (`episode 3  step 57  return 57.00`); each can
/// be turned off, and [`text`](Overlay::text) adds lines of your own below.
pub struct Overlay {
    shown: Shown,
    style: OverlayStyle,
    text: Option<Box<TextFn>>,
    /// The text function's output for the current frame (reused).
    user_text: String,
}

/// Which numbers the first line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shown {
    episode: bool,
    step: bool,
    ret: bool,
}

impl Overlay {
    /// An overlay showing the episode, the step and the return.
    pub fn new() -> Self {
        Overlay {
            shown: Shown {
                episode: true,
                step: true,
                ret: true,
            },
            style: OverlayStyle::default(),
            text: None,
            user_text: String::new(),
        }
    }

    /// Whether to show the episode id.
    pub fn episode(mut self, show: bool) -> Self {
        self.shown.episode = show;
        self
    }

    /// Whether to show the step within the episode (0 on the reset frame).
    pub fn step(mut self, show: bool) -> Self {
        self.shown.step = show;
        self
    }

    /// Whether to show the return: the sum of the episode's rewards so far.
    pub fn ret(mut self, show: bool) -> Self {
        self.shown.ret = show;
        self
    }

    /// Integer scale of the font, instead of the one chosen by frame height.
    /// 0 is taken as 1.
    pub fn scale(mut self, scale: u32) -> Self {
        self.style.scale = Some(scale.max(1));
        self
    }

    /// Adds text of your own, below the numbers: `text` is called on the
    /// env thread for every frame recorded, with the frame's
    /// [`OverlayContext`], and writes into the `String` it is given (empty,
    /// reused between frames, so writing allocates nothing in the steady
    /// state). A `'\n'` starts a new line. Keep it quick: it runs inside
    /// `step`.
    pub fn text(
        mut self,
        text: impl FnMut(&OverlayContext<'_>, &mut String) + Send + 'static,
    ) -> Self {
        self.text = Some(Box::new(text));
        self
    }

    /// How the encoder thread draws the text (the font scale).
    pub fn style(&self) -> &OverlayStyle {
        &self.style
    }

    /// Writes the text of the frame `context` describes into `out`
    /// (cleared first): the numbers line (`episode 3  step 57  return
    /// 57.00`, as far as they are shown), then the text function's output.
    /// Allocates nothing once `out` has grown to the text's length.
    pub fn fill(&mut self, context: &OverlayContext<'_>, out: &mut String) {
        out.clear();
        let mut sep = "";
        if self.shown.episode {
            if let Some(episode) = context.episode {
                let _ = write!(out, "episode {episode}");
                sep = "  ";
            }
        }
        if self.shown.step {
            let _ = write!(out, "{sep}step {}", context.episode_step);
            sep = "  ";
        }
        if self.shown.ret {
            let _ = write!(out, "{sep}return {:.2}", context.ret);
        }
        if let Some(text) = self.text.as_mut() {
            self.user_text.clear();
            text(context, &mut self.user_text);
            if !self.user_text.is_empty() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&self.user_text);
            }
        }
    }
}

impl Default for Overlay {
    fn default() -> Self {
        Overlay::new()
    }
}

impl fmt::Debug for Overlay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overlay")
            .field("shown", &self.shown)
            .field("style", &self.style)
            .field("text", &self.text.as_ref().map(|_| "FnMut"))
            .finish()
    }
}

/// What the text function of an [`Overlay`] knows about the frame.
#[derive(Debug, Clone, Copy)]
pub struct OverlayContext<'a> {
    /// The episode id (counting resets from 0); `None` before the first
    /// reset.
    pub episode: Option<u64>,
    /// Steps taken in the episode: 0 on the reset frame.
    pub episode_step: u64,
    /// The wrapper's step id (counting every step from 0); `None` on a
    /// reset frame.
    pub step_id: Option<u64>,
    /// The sum of the episode's rewards so far.
    pub ret: f64,
    /// The reward of the step just taken; `None` on a reset frame.
    pub reward: Option<f64>,
    /// The `info` that `reset` or `step` returned with this frame.
    pub info: &'a Info,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shows_what_the_overlay_shows() {
        let info = Info::new();
        let context = OverlayContext {
            episode: Some(3),
            episode_step: 57,
            step_id: Some(99),
            ret: 57.0,
            reward: Some(1.0),
            info: &info,
        };
        let mut out = String::new();
        Overlay::new()
            .text(|_, out| out.push_str("seed 1"))
            .fill(&context, &mut out);
        assert_eq!(out, "episode 3  step 57  return 57.00\nseed 1");
        Overlay::new()
            .episode(false)
            .ret(false)
            .text(|_, out| out.push_str("seed 1"))
            .fill(&context, &mut out);
        assert_eq!(out, "step 57\nseed 1");
        Overlay::new()
            .episode(false)
            .step(false)
            .ret(false)
            .fill(&context, &mut out);
        assert_eq!(out, "");
    }
}
