//! Rendering and stepping speed of the classic-control envs.
//!
//! `cargo bench --bench envs`. Goal (issue 2): CartPole `render_into` at most
//! 0.3 ms per 600×400 frame (Gymnasium's pygame render: about 2.5 ms).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gymrec::env::classic::{Acrobot, CartPole, MountainCar, Pendulum};
use gymrec::env::{Env, Frame, RenderMode, SpaceValue};
use std::hint::black_box;

const STEPS: u64 = 1000;

fn render<E: Env>(c: &mut Criterion, name: &str, mut env: E, action: impl Fn(u64) -> E::Action) {
    env.reset(Some(0)).unwrap();
    for i in 0..5 {
        env.step(action(i)).unwrap();
    }
    let (w, h) = env.frame_size().unwrap();
    let mut frame = Frame::new(w, h);
    let mut group = c.benchmark_group("render_into");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| env.render_into(black_box(&mut frame)).unwrap())
    });
    group.finish();
}

fn steps<E: Env>(env: &mut E, action: impl Fn(u64) -> E::Action) {
    for i in 0..STEPS {
        if env.step(action(i)).unwrap().done() {
            env.reset(None).unwrap();
        }
    }
}

fn step<E: Env>(c: &mut Criterion, name: &str, mut env: E, action: impl Fn(u64) -> E::Action) {
    env.reset(Some(0)).unwrap();
    let mut group = c.benchmark_group("step_bare");
    group.throughput(Throughput::Elements(STEPS));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| steps(&mut env, &action))
    });
    group.finish();
}

fn step_made(c: &mut Criterion, id: &str, action: impl Fn(u64) -> SpaceValue) {
    let mut env = gymrec::make(id, RenderMode::None).unwrap();
    env.reset(Some(0)).unwrap();
    let mut group = c.benchmark_group("step_make");
    group.throughput(Throughput::Elements(STEPS));
    group.bench_function(BenchmarkId::from_parameter(id), |b| {
        b.iter(|| steps(&mut env, &action))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let alternate = |i: u64| (i % 2) as i64;
    let three = |i: u64| (i % 3) as i64;
    let torque = |i: u64| [((i % 5) as f32 - 2.0) * 0.9];

    render(
        c,
        "CartPole-v1",
        CartPole::new(RenderMode::RgbArray),
        alternate,
    );
    render(
        c,
        "MountainCar-v0",
        MountainCar::new(RenderMode::RgbArray),
        three,
    );
    render(
        c,
        "Pendulum-v1",
        Pendulum::new(RenderMode::RgbArray),
        torque,
    );
    render(c, "Acrobot-v1", Acrobot::new(RenderMode::RgbArray), three);

    step(c, "CartPole-v1", CartPole::new(RenderMode::None), alternate);
    step(
        c,
        "MountainCar-v0",
        MountainCar::new(RenderMode::None),
        three,
    );
    step(c, "Pendulum-v1", Pendulum::new(RenderMode::None), torque);
    step(c, "Acrobot-v1", Acrobot::new(RenderMode::None), three);

    step_made(c, "CartPole-v1", |i| SpaceValue::Discrete((i % 2) as i64));
    step_made(c, "MountainCar-v0", |i| {
        SpaceValue::Discrete((i % 3) as i64)
    });
    step_made(c, "Pendulum-v1", |i| {
        SpaceValue::Box(vec![((i % 5) as f32 - 2.0) * 0.9])
    });
    step_made(c, "Acrobot-v1", |i| SpaceValue::Discrete((i % 3) as i64));
}

criterion_group! {
    name = envs;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(envs);
