//! What rendering a frame allocates once the env's canvas and the caller's
//! frame exist.
//!
//! The envs' own drawing code allocates nothing per frame (points live in
//! fixed-size arrays, the canvas and frame are reused). tiny-skia, which
//! rasterizes the shapes, builds a small edge list per filled path, so a frame
//! costs a few dozen small temporary allocations: this test bounds them
//! (no frame-sized buffer, nothing that grows from frame to frame).

use gymrec::env::classic::{Acrobot, CartPole, MountainCar, Pendulum};
use gymrec::env::{Env, Frame, RenderMode};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LARGEST: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
            LARGEST.fetch_max(layout.size() as u64, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations, bytes and the largest allocation while rendering `frames`
/// frames (stepping between them outside the count).
fn measure<E: Env>(mut env: E, action: impl Fn(u64) -> E::Action, frames: u64) -> (u64, u64, u64) {
    env.reset(Some(0)).unwrap();
    let (w, h) = env.frame_size().unwrap();
    let mut frame = Frame::new(w, h);
    env.render_into(&mut frame).unwrap(); // first frame: the canvas is made
    ALLOCS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    LARGEST.store(0, Ordering::SeqCst);
    for i in 0..frames {
        if env.step(action(i)).unwrap().done() {
            env.reset(None).unwrap();
        }
        COUNTING.store(true, Ordering::SeqCst);
        env.render_into(&mut frame).unwrap();
        COUNTING.store(false, Ordering::SeqCst);
    }
    (
        ALLOCS.load(Ordering::SeqCst),
        BYTES.load(Ordering::SeqCst),
        LARGEST.load(Ordering::SeqCst),
    )
}

#[test]
fn rendering_allocates_only_small_rasterizer_temporaries() {
    const FRAMES: u64 = 100;
    let results = [
        (
            "CartPole-v1",
            measure(
                CartPole::new(RenderMode::RgbArray),
                |i| (i % 2) as i64,
                FRAMES,
            ),
        ),
        (
            "MountainCar-v0",
            measure(
                MountainCar::new(RenderMode::RgbArray),
                |i| (i % 3) as i64,
                FRAMES,
            ),
        ),
        (
            "Pendulum-v1",
            measure(
                Pendulum::new(RenderMode::RgbArray),
                |i| [(i % 5) as f32 - 2.0],
                FRAMES,
            ),
        ),
        (
            "Acrobot-v1",
            measure(
                Acrobot::new(RenderMode::RgbArray),
                |i| (i % 3) as i64,
                FRAMES,
            ),
        ),
    ];
    for (id, (allocs, bytes, largest)) in results {
        let per_frame = allocs as f64 / FRAMES as f64;
        let bytes_per_frame = bytes as f64 / FRAMES as f64;
        eprintln!(
            "{id}: {per_frame:.1} allocations, {bytes_per_frame:.0} bytes per frame, largest {largest} bytes"
        );
        assert!(per_frame <= 64.0, "{id}: {per_frame} allocations per frame");
        // A frame is 720,000 (600x400) or 750,000 (500x500) bytes: nothing
        // near that size may be allocated per frame.
        assert!(
            largest <= 16 * 1024,
            "{id}: a {largest}-byte allocation per frame"
        );
        assert!(
            bytes_per_frame <= 64.0 * 1024.0,
            "{id}: {bytes_per_frame} bytes per frame"
        );
    }
}
