//! Recording costs.
//!
//! `cargo bench --bench record`:
//! - `wrapper_overhead/*`: 1,000 CartPole steps through `make()`, bare and
//!   inside a `RecordingWrapper` that is not recording (goal: at most 5% more),
//!   and the same for the typed `CartPole` (no `make()` layers).
//!   `benches/wrapper_overhead.sh` alternates these over several runs.
//! - `record_episode/CartPole-v1`: a 200-step episode recorded end to end
//!   (render, hand-off, encode on the encoder thread, finalize).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gymrec::env::classic::CartPole;
use gymrec::env::{DynEnv, Env, RenderMode, SpaceValue};
use gymrec::policy::{Heuristic, Policy};
use gymrec::record::{RecordingConfig, RecordingWrapper, Trigger};
use std::hint::black_box;

const STEPS: u64 = 1000;

fn run<E: Env<Action = SpaceValue>>(env: &mut E, steps: u64) {
    for i in 0..steps {
        let step = env.step(SpaceValue::Discrete((i % 2) as i64)).unwrap();
        if black_box(step).done() {
            env.reset(None).unwrap();
        }
    }
}

fn run_typed<E: Env<Action = i64>>(env: &mut E, steps: u64) {
    for i in 0..steps {
        let step = env.step((i % 2) as i64).unwrap();
        if black_box(step).done() {
            env.reset(None).unwrap();
        }
    }
}

fn cartpole() -> DynEnv {
    gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap()
}

/// `env` in a RecordingWrapper whose trigger never fires.
fn not_recording<E: Env>(env: E, dir: &std::path::Path) -> RecordingWrapper<E> {
    RecordingConfig::new(dir)
        .episode_trigger(Trigger::never())
        .overwrite(true)
        .wrap(env)
        .unwrap()
}

fn wrapper_overhead(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gymrec-bench-overhead-{}", std::process::id()));
    let mut group = c.benchmark_group("wrapper_overhead");
    group.throughput(Throughput::Elements(STEPS));

    let mut bare = cartpole();
    bare.reset(Some(0)).unwrap();
    group.bench_function(BenchmarkId::from_parameter("bare"), |b| {
        b.iter(|| run(&mut bare, STEPS))
    });

    let mut wrapped = not_recording(cartpole(), &dir);
    wrapped.reset(Some(0)).unwrap();
    group.bench_function(BenchmarkId::from_parameter("wrapped_not_recording"), |b| {
        b.iter(|| run(&mut wrapped, STEPS))
    });

    let mut typed = CartPole::new(RenderMode::RgbArray);
    typed.reset(Some(0)).unwrap();
    group.bench_function(BenchmarkId::from_parameter("typed_bare"), |b| {
        b.iter(|| run_typed(&mut typed, STEPS))
    });
    let mut typed_wrapped = not_recording(CartPole::new(RenderMode::RgbArray), &dir);
    typed_wrapped.reset(Some(0)).unwrap();
    group.bench_function(
        BenchmarkId::from_parameter("typed_wrapped_not_recording"),
        |b| b.iter(|| run_typed(&mut typed_wrapped, STEPS)),
    );
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn record_episode(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gymrec-bench-record-{}", std::process::id()));
    let mut group = c.benchmark_group("record_episode");
    group.sample_size(10);
    group.throughput(Throughput::Elements(201));
    group.bench_function(BenchmarkId::from_parameter("CartPole-v1"), |b| {
        b.iter(|| {
            let mut env = RecordingConfig::new(&dir)
                .episode_trigger(Trigger::always())
                .video_length(201)
                .overwrite(true)
                .wrap(cartpole())
                .unwrap();
            // The heuristic balances for 500 steps: one video of 201 frames.
            let mut policy = Heuristic::CartPole;
            let (mut obs, _) = env.reset(Some(0)).unwrap();
            for _ in 0..200 {
                obs = env.step(policy.act(&obs)).unwrap().obs;
            }
            let videos = env.finish().into_result().unwrap();
            assert_eq!(videos.len(), 1);
            videos
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = record;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = wrapper_overhead, record_episode
}
criterion_main!(record);
