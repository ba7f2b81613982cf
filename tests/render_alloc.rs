//! What rendering a frame allocates once the env's canvas and the caller's
//! frame exist.
//!
//! The envs' own drawing code allocates nothing per frame (points live in
//! fixed-size arrays, the canvas and frame are reused). tiny-skia, which
//! rasterizes the shapes, builds a small edge list per filled path, so a frame
//! costs a few dozen small temporary allocations: this test bounds them
//! (no frame-sized buffer, nothing that grows from frame to frame).
//!
//! A recorded step with deferred rendering allocates nothing at all on the
//! env thread once the snapshot queue is in its steady state: snapshots,
//! their queue and the overlay text are all reused.
//!
//! Only the allocations of the thread being measured count (the encoder
//! threads allocate as they please).

use gymrec::env::classic::{Acrobot, CartPole, MountainCar, Pendulum};
use gymrec::env::{Env, Frame, RenderMode};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

thread_local! {
    /// Whether this thread's allocations are counted now.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

fn count(on: bool) {
    COUNTING.with(|c| c.set(on));
}

// One measurement at a time: the counters are shared.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LARGEST: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
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
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
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
        count(true);
        env.render_into(&mut frame).unwrap();
        count(false);
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

/// Allocations on this thread while stepping a wrapped CartPole (balanced
/// by its heuristic) `steps` times after `warm_up` steps.
fn step_allocations(config: gymrec::record::RecordingConfig, warm_up: u64, steps: u64) -> u64 {
    use gymrec::policy::{Heuristic, Policy};
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let mut env = config.wrap(CartPole::new(RenderMode::RgbArray)).unwrap();
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(0)).unwrap();
    ALLOCS.store(0, Ordering::SeqCst);
    for i in 0..warm_up + steps {
        let gymrec::env::SpaceValue::Discrete(action) = policy.act(&obs) else {
            unreachable!("CartPole's actions are discrete")
        };
        count(i >= warm_up);
        let step = env.step(action).unwrap();
        count(false);
        assert!(!step.done(), "the heuristic balances CartPole");
        obs = step.obs;
    }
    let allocations = ALLOCS.load(Ordering::SeqCst);
    env.finish().into_result().unwrap();
    allocations
}

#[test]
fn a_recorded_step_with_deferred_rendering_allocates_nothing_on_the_env_thread() {
    use gymrec::record::{Overlay, RecordingConfig, Trigger};
    let dir = std::env::temp_dir().join(format!("gymrec-alloc-deferred-{}", std::process::id()));
    // A small queue reaches its steady state (full, every snapshot one the
    // encoder gave back) within the warm-up.
    let config = || {
        RecordingConfig::new(&dir)
            .overwrite(true)
            .episode_trigger(Trigger::always())
            .snapshot_queue_bytes(16 * 1024)
    };
    let unrecorded = step_allocations(config().episode_trigger(Trigger::never()), 50, 200);
    let recorded = step_allocations(config(), 300, 200);
    let with_overlay = step_allocations(config().overlay(Overlay::new()), 300, 200);
    eprintln!(
        "allocations in 200 steps: {unrecorded} unrecorded, {recorded} recorded, \
         {with_overlay} recorded with an overlay"
    );
    assert_eq!(recorded, unrecorded, "a recorded step allocated");
    assert_eq!(
        with_overlay, unrecorded,
        "a recorded step with an overlay allocated"
    );
    std::fs::remove_dir_all(&dir).ok();
}
