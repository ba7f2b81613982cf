//! A plain loop of CartPole steps, bare or inside a `RecordingWrapper` that
//! is not recording, for measurements criterion cannot make: instruction
//! counts under `valgrind --tool=callgrind` (exact, where timings on a
//! shared machine drift) and whole-process timings.
//! `benches/wrapper_overhead.sh` runs it; by hand:
//!
//! ```text
//! cargo bench --bench step_loop -- wrapped 1000000
//! ```
//!
//! Arguments: `bare|wrapped` (CartPole-v1 through `make()`, as
//! `benches/record.rs` does), or `typed-bare|typed-wrapped` (the typed
//! `CartPole`, no `make()` layers), then the number of steps.

use gymrec::env::classic::CartPole;
use gymrec::env::{Env, RenderMode, SpaceValue};
use gymrec::record::{RecordingConfig, Trigger};
use std::hint::black_box;

fn run<E: Env>(env: &mut E, steps: u64, action: impl Fn(u64) -> E::Action) {
    env.reset(Some(0)).expect("reset");
    for i in 0..steps {
        let step = env.step(action(i)).expect("step");
        if black_box(step).done() {
            env.reset(None).expect("reset");
        }
    }
}

fn not_recording<E: Env>(env: E, dir: &std::path::Path) -> gymrec::record::RecordingWrapper<E> {
    RecordingConfig::new(dir)
        .episode_trigger(Trigger::never())
        .overwrite(true)
        .wrap(env)
        .expect("wrap")
}

fn main() {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let usage = "usage: step_loop bare|wrapped|typed-bare|typed-wrapped STEPS";
    let [what, steps] = args.as_slice() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Ok(steps) = steps.parse::<u64>() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let dir = std::env::temp_dir().join(format!("gymrec-step-loop-{}", std::process::id()));
    let dynamic = |i: u64| SpaceValue::Discrete((i % 2) as i64);
    let typed = |i: u64| (i % 2) as i64;
    let make = || gymrec::make("CartPole-v1", RenderMode::RgbArray).expect("make");
    match what.as_str() {
        "bare" => run(&mut make(), steps, dynamic),
        "wrapped" => run(&mut not_recording(make(), &dir), steps, dynamic),
        "typed-bare" => run(&mut CartPole::new(RenderMode::RgbArray), steps, typed),
        "typed-wrapped" => run(
            &mut not_recording(CartPole::new(RenderMode::RgbArray), &dir),
            steps,
            typed,
        ),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
