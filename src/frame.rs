//! [`Frame`], the one picture type: what envs render and videos are made of.
//!
//! A frame is an [`image::RgbImage`]: height × width × 3 bytes, row-major.
//! The `image` crate's pixel type [`Rgb`] is re-exported here, so drawing
//! into a frame needs no dependency of your own.

pub use image::Rgb;

/// One RGB frame: height × width × 3 bytes, row-major.
pub type Frame = image::RgbImage;
