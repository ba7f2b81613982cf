//! Wrappers that change one aspect of an env and forward the rest, as
//! Gymnasium's wrappers do.
//!
//! Each wrapper owns its env and gives it back with `inner`, `inner_mut` and
//! `into_inner`.

mod episode_statistics;
mod time_limit;

pub use episode_statistics::{EpisodeStatistics, EpisodeStats};
pub use time_limit::TimeLimit;

/// Implements the [`crate::env::Env`] methods a wrapper passes through
/// unchanged (spaces, render mode, metadata, frame size, rendering), by
/// forwarding them to the field `$inner`. Each wrapper spells out `spec`
/// and `close` itself, as most change or extend them; the test
/// `tests/it/forwarding.rs` checks that every wrapper forwards every method.
macro_rules! forward_env_rendering {
    ($inner:tt) => {
        fn action_space(&self) -> &$crate::env::Space {
            self.$inner.action_space()
        }
        fn observation_space(&self) -> &$crate::env::Space {
            self.$inner.observation_space()
        }
        fn render_mode(&self) -> $crate::env::RenderMode {
            self.$inner.render_mode()
        }
        fn metadata(&self) -> &$crate::env::Metadata {
            self.$inner.metadata()
        }
        fn frame_size(&self) -> Option<(u32, u32)> {
            self.$inner.frame_size()
        }
        fn render_into(&mut self, frame: &mut $crate::env::Frame) -> $crate::Result<()> {
            self.$inner.render_into(frame)
        }
        fn render(&mut self) -> $crate::Result<Option<$crate::env::Frame>> {
            self.$inner.render()
        }
        fn frame_renderer(&self) -> Option<Box<dyn $crate::frame::FrameRenderer>> {
            self.$inner.frame_renderer()
        }
        fn snapshot_into(&self, snapshot: &mut $crate::frame::Snapshot) -> $crate::Result<()> {
            self.$inner.snapshot_into(snapshot)
        }
    };
}
pub(crate) use forward_env_rendering;
