//! One module per format family, each holding its writer (a
//! [`VideoSink`](super::VideoSink)) and its reader, each behind its own
//! Cargo feature.

#[cfg(feature = "ffmpeg")]
#[cfg_attr(docsrs, doc(cfg(feature = "ffmpeg")))]
pub mod ffmpeg;
#[cfg(feature = "gif")]
#[cfg_attr(docsrs, doc(cfg(feature = "gif")))]
pub mod gif;
#[cfg(feature = "openh264")]
#[cfg_attr(docsrs, doc(cfg(feature = "openh264")))]
pub mod openh264;
#[cfg(feature = "png")]
#[cfg_attr(docsrs, doc(cfg(feature = "png")))]
pub mod png;
#[cfg(any(feature = "ffmpeg", feature = "openh264"))]
mod yuv;
