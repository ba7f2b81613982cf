//! What a `RecordingWrapper` costs while no video is running: nothing is
//! rendered and nothing is allocated, at steps or at resets. (Its time cost
//! is measured by `benches/wrapper_overhead.sh`, not here: timings on a
//! shared machine are too noisy for a test.)

use gymrec::env::classic::CartPole;
use gymrec::env::{Env, RenderMode};
use gymrec::record::{RecordingConfig, Trigger};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

mod common;

/// Counts the allocations of the current thread only, so that tests
/// running in parallel do not disturb each other's counts.
struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: the thread-local may be gone while a thread exits.
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCS.with(Cell::get)
}

/// Steps `env` `steps` times (resetting when an episode ends) and returns
/// the allocations made meanwhile and the episodes finished.
fn count_allocations<E: Env<Action = i64>>(env: &mut E, steps: u64) -> (u64, u64) {
    let before = allocations();
    let mut episodes = 0;
    for i in 0..steps {
        // Pushes right, then left, then right, …: episodes of ~10 steps.
        let action = ((i / 8) % 2) as i64;
        if env.step(action).unwrap().done() {
            episodes += 1;
            env.reset(None).unwrap();
        }
    }
    (allocations() - before, episodes)
}

#[test]
fn stepping_without_a_video_allocates_and_renders_nothing() {
    let dir = common::temp_dir("not-recording");
    let mut bare = CartPole::new(RenderMode::RgbArray);
    bare.reset(Some(0)).unwrap();
    let (bare_allocs, bare_episodes) = count_allocations(&mut bare, 2_000);

    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::never())
        .step_trigger(Trigger::never())
        .wrap(CartPole::new(RenderMode::RgbArray))
        .unwrap();
    env.reset(Some(0)).unwrap();
    let (wrapped_allocs, wrapped_episodes) = count_allocations(&mut env, 2_000);

    assert!(
        wrapped_episodes > 10,
        "{wrapped_episodes} episodes: the resets are exercised"
    );
    assert_eq!(wrapped_episodes, bare_episodes);
    assert_eq!(bare_allocs, 0, "a bare CartPole step allocates nothing");
    // Rendering a frame allocates (tiny-skia's edge lists), so zero also
    // proves no frame was rendered.
    assert_eq!(
        wrapped_allocs, 0,
        "the wrapper allocated while not recording"
    );
    assert!(!env.recorder().is_recording());
    assert_eq!(env.recorder().step_id(), Some(1_999));
    let report = env.take_report();
    assert!(report.videos.is_empty() && report.errors.is_empty());
    assert!(common::files(&dir).is_empty(), "{:?}", common::files(&dir));
}
