//! What tiling costs in a vector env's recording.
//!
//! `cargo bench --bench vector`:
//! - `vector_tiling/compose/N`: copying N rendered 600×400 CartPole frames
//!   into their cells of the grid frame and blackening the padding: the
//!   work tiling adds to each recorded picture (rendering the sub-envs is
//!   needed whatever the layout).
//! - `vector_tiling/render/N`: rendering the N sub-envs into the reused
//!   cell buffer, for scale.
//! - `vector_record/{tiled,first_only}/N`: 100 vector steps of N CartPoles
//!   recorded end to end (step, render, tile, hand-off, encode on the
//!   encoder thread, finalize), as `gymrec record` does.
//!
//! Tiling's share of end-to-end recording is `compose / (tiled / 101)`
//! (101 pictures per run: the reset and 100 steps). Goal (issue 4): at most
//! 10%.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gymrec::env::vector::SyncVectorEnv;
use gymrec::env::{DynEnv, Frame, RenderMode, SpaceValue};
use gymrec::policy::{Heuristic, Policy};
use gymrec::record::tile::TileLayout;
use gymrec::record::{RecordingConfig, Trigger, VectorFrames};
use std::hint::black_box;

const STEPS: u64 = 100;

fn cartpoles(n: usize) -> SyncVectorEnv<DynEnv> {
    SyncVectorEnv::from_fn(n, |_| gymrec::make("CartPole-v1", RenderMode::RgbArray)).unwrap()
}

fn tiling(c: &mut Criterion) {
    let mut group = c.benchmark_group("vector_tiling");
    group.throughput(Throughput::Elements(1));
    for n in [4usize, 7] {
        let mut envs = cartpoles(n);
        envs.reset(Some(0)).unwrap();
        for _ in 0..5 {
            envs.step(vec![SpaceValue::Discrete(1); n]).unwrap();
        }
        let cells = envs.render().unwrap().unwrap();
        let layout = TileLayout::near_square(n, cells[0].dimensions()).unwrap();
        let (w, h) = layout.size();
        let mut grid = Frame::new(w, h);
        group.bench_function(BenchmarkId::new("compose", n), |b| {
            b.iter(|| layout.compose(black_box(&cells), &mut grid).unwrap())
        });
        let mut scratch = cells[0].clone();
        group.bench_function(BenchmarkId::new("render", n), |b| {
            b.iter(|| {
                for i in 0..n {
                    envs.render_into(i, black_box(&mut scratch)).unwrap();
                }
            })
        });
    }
    group.finish();
}

fn record(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gymrec-bench-vector-{}", std::process::id()));
    let mut group = c.benchmark_group("vector_record");
    group.sample_size(10);
    group.throughput(Throughput::Elements(STEPS + 1));
    for n in [4usize, 7] {
        for (name, frames) in [
            ("tiled", VectorFrames::Tiled),
            ("first_only", VectorFrames::FirstOnly),
        ] {
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| {
                    let mut envs = RecordingConfig::new(&dir)
                        .episode_trigger(Trigger::always())
                        .overwrite(true)
                        .wrap_vector(cartpoles(n), frames)
                        .unwrap();
                    // The heuristic balances every pole for 500 steps: one
                    // video of 101 pictures.
                    let mut policies = vec![Heuristic::CartPole; n];
                    let (mut obs, _) = envs.reset(Some(0)).unwrap();
                    for _ in 0..STEPS {
                        let actions = policies
                            .iter_mut()
                            .zip(&obs)
                            .map(|(p, o)| p.act(o))
                            .collect();
                        obs = envs.step(actions).unwrap().obs;
                    }
                    let videos = envs.finish().into_result().unwrap();
                    assert_eq!(videos.len(), 1);
                    assert_eq!(videos[0].facts.frames, STEPS + 1);
                    videos
                })
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = vector;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = tiling, record
}
criterion_main!(vector);
