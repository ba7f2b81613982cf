//! The time inside `RecordingWrapper::step` on a recorded CartPole step:
//! with deferred rendering (a snapshot handed to the encoder side) and with
//! the frame rendered on the env thread (`deferred_rendering(false)`).
//!
//! An iteration records one 500-step CartPole-v1 episode (through
//! `make()`: a `TimeLimit` around a boxed env) with a balancing policy,
//! timing every `step` call; the reset and the wait for the encoder at the
//! end are not timed. Criterion's estimate is per episode (500 steps);
//! besides it, the median and the 99th percentile of every step timed are
//! printed. With `GYMREC_BENCH_MLFLOW_URI` set to an MLflow server (and
//! feature `mlflow`), a third variant adds the MLflow observer to the
//! deferred one (a run per episode, the video uploaded as it ends):
//!
//! ```text
//! cargo bench --bench recorded_step
//! GYMREC_BENCH_MLFLOW_URI=http://127.0.0.1:5000 cargo bench --bench recorded_step
//! ```

use criterion::{Criterion, criterion_group, criterion_main};
use gymrec::env::{Env, RenderMode, SpaceValue};
use gymrec::policy::{Heuristic, Policy};
use gymrec::record::{RecordingConfig, Trigger};
use std::time::{Duration, Instant};

/// Steps in a recorded episode.
const STEPS: u64 = 500;

/// Records `episodes` episodes of [`STEPS`] steps, timing each step into
/// `times`; the time of all steps.
fn recorded_episodes(
    dir: &std::path::Path,
    deferred: bool,
    mlflow: Option<&str>,
    episodes: u64,
    times: &mut Vec<Duration>,
) -> Duration {
    (0..episodes)
        .map(|_| recorded_episode(dir, deferred, mlflow, times))
        .sum()
}

/// Records one episode of [`STEPS`] steps, timing each step into `times`.
fn recorded_episode(
    dir: &std::path::Path,
    deferred: bool,
    mlflow: Option<&str>,
    times: &mut Vec<Duration>,
) -> Duration {
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).expect("CartPole");
    let config = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .deferred_rendering(deferred)
        .overwrite(true);
    #[cfg(feature = "mlflow")]
    let config = match mlflow {
        Some(uri) => config.observer(
            gymrec::tracker::mlflow::Mlflow::new(uri)
                .experiment("gymrec-bench")
                .run_name("recorded_step"),
        ),
        None => config,
    };
    #[cfg(not(feature = "mlflow"))]
    let _ = mlflow;
    let mut env = config.wrap(env).expect("wrap");
    let mut policy = Heuristic::CartPole;
    let (mut obs, _) = env.reset(Some(0)).expect("reset");
    let mut total = Duration::ZERO;
    for _ in 0..STEPS {
        let action: SpaceValue = policy.act(&obs);
        let started = Instant::now();
        let step = env.step(action).expect("step");
        let took = started.elapsed();
        total += took;
        times.push(took);
        obs = step.obs;
    }
    env.finish().into_result().expect("the video");
    total
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn bench(c: &mut Criterion) {
    let dir =
        std::env::temp_dir().join(format!("gymrec-bench-recorded-step-{}", std::process::id()));
    let mut group = c.benchmark_group("recorded_step");
    group
        .sample_size(10)
        .sampling_mode(criterion::SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1));
    group.throughput(criterion::Throughput::Elements(STEPS));
    // Deferred steps take microseconds, rendered ones milliseconds: each
    // gets a measuring time worth about ten episodes.
    let mlflow = std::env::var("GYMREC_BENCH_MLFLOW_URI").ok();
    let mut variants = vec![
        ("deferred", true, None, 30),
        ("render_into", false, None, 5_000),
    ];
    if cfg!(feature = "mlflow") && mlflow.is_some() {
        variants.push(("deferred_mlflow", true, mlflow.as_deref(), 30));
    }
    for (name, deferred, mlflow, measure) in variants {
        let mut times = Vec::new();
        group.measurement_time(Duration::from_millis(measure));
        group.bench_function(name, |b| {
            b.iter_custom(|episodes| {
                recorded_episodes(&dir, deferred, mlflow, episodes, &mut times)
            })
        });
        times.sort();
        if !times.is_empty() {
            eprintln!(
                "recorded_step/{name}: {} steps timed, median {:.2} µs, p99 {:.2} µs",
                times.len(),
                percentile(&times, 0.5).as_secs_f64() * 1e6,
                percentile(&times, 0.99).as_secs_f64() * 1e6,
            );
        }
    }
    group.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, bench);
criterion_main!(benches);
