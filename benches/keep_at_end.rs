//! Pay only for what is kept (issue 22): CartPole with a noisy heuristic
//! (a few percent of the episodes fail), every episode triggered, keeping
//! the failures, three ways, in alternating rounds (medians printed side by
//! side):
//!
//! - `held`: a keep rule; snapshots are held and only failures are drawn
//!   and encoded;
//! - `advance`: only the failing episodes are recorded, by a trigger that
//!   knows them in advance (the floor; the goal is held <= 1.2x this);
//! - `all`: every episode is drawn and encoded, then deleted unless it
//!   failed (`keep_if`: what a keep decision cost before held snapshots).
//!
//! Then peak RSS while 5,000-step episodes' snapshots are held, with the
//! default byte bound and a small one, and what was spilled.
//!
//! `cargo bench --bench keep_at_end -- [rounds] [episodes] [noise]` (default 3, 200, 0.3).

use gymrec::env::classic::CartPole;
use gymrec::env::wrappers::TimeLimit;
use gymrec::env::{Env, Info, RenderMode, SpaceValue};
use gymrec::policy::{Heuristic, Policy};
use gymrec::record::{Keep, Recorder, RecordingConfig, RecordingSource, Success, Trigger};
use gymrec::{Frame, FrameRenderer, Snapshot};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Steps after which an episode is truncated (it survived).
const LIMIT: u64 = 200;
/// How often the noisy heuristic acts at random, by default (about 7 %
/// of the episodes fail).
const NOISE: f64 = 0.3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    Held,
    Advance,
    All,
}

/// The noisy heuristic's action: the heuristic's, or a coin's with
/// probability [`NOISE`].
fn act(policy: &mut Heuristic, rng: &mut ChaCha8Rng, obs: &[f32], noise: f64) -> SpaceValue {
    let action = policy.act(obs);
    if rng.random_bool(noise) {
        SpaceValue::Discrete(i64::from(rng.random_bool(0.5)))
    } else {
        action
    }
}

/// Plays `episodes` episodes (seeded by their id) through `env` with
/// `noise`; the ids of those that failed.
fn play<E: Env<Obs = Vec<f32>, Action = SpaceValue>>(
    env: &mut E,
    episodes: u64,
    noise: f64,
) -> BTreeSet<u64> {
    let mut policy = Heuristic::for_env("CartPole-v1").unwrap();
    let mut failed = BTreeSet::new();
    for id in 0..episodes {
        let mut rng = ChaCha8Rng::seed_from_u64(id);
        let (mut obs, _) = env.reset(Some(id)).unwrap();
        loop {
            let step = env.step(act(&mut policy, &mut rng, &obs, noise)).unwrap();
            if step.done() {
                if step.terminated {
                    failed.insert(id);
                }
                break;
            }
            obs = step.obs;
        }
    }
    failed
}

fn cartpole() -> gymrec::env::Erased<TimeLimit<CartPole>> {
    gymrec::env::Erased::new(TimeLimit::new(CartPole::new(RenderMode::RgbArray), LIMIT))
}

/// Process CPU time (user + system, every thread) from /proc/self/stat.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    // Clock ticks of 1/100 s (USER_HZ on Linux).
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// One recording of `episodes` the `way` says; wall and CPU time, and the
/// videos kept.
fn round(
    way: Way,
    dir: &Path,
    episodes: u64,
    failing: &BTreeSet<u64>,
) -> (Duration, Duration, usize) {
    let _ = std::fs::remove_dir_all(dir);
    let config = RecordingConfig::new(dir).overwrite(true);
    let config = match way {
        Way::Held => config
            .episode_trigger(Trigger::always())
            .keep(Keep::failures(Success::Truncated)),
        Way::Advance => {
            let failing = failing.clone();
            config.episode_trigger(Trigger::new(move |id| failing.contains(&id)))
        }
        Way::All => config.episode_trigger(Trigger::always()).keep_if(|video| {
            video
                .episodes
                .iter()
                .any(|e| e.complete && e.length < LIMIT)
        }),
    };
    let (wall, cpu0) = (Instant::now(), cpu());
    let mut env = config.wrap(cartpole()).unwrap();
    let failed = play(&mut env, episodes, noise);
    let videos = env.finish().into_result().unwrap();
    let times = (wall.elapsed(), cpu() - cpu0);
    assert_eq!(&failed, failing);
    assert_eq!(videos.len(), failing.len(), "{way:?}");
    (times.0, times.1, videos.len())
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn cost(rounds: usize, episodes: u64, noise: f64, root: &Path) {
    let failing = play(&mut cartpole(), episodes, noise);
    println!(
        "CartPole, noisy heuristic ({:.0} % random actions), {episodes} episodes of at most {LIMIT} \
         steps: {} fail ({:.1} %), every episode triggered, failures kept (MP4, default encoder)",
        noise * 100.0,
        failing.len(),
        100.0 * failing.len() as f64 / episodes as f64
    );
    let ways = [Way::Held, Way::Advance, Way::All];
    let mut times: Vec<(Vec<Duration>, Vec<Duration>)> = vec![(Vec::new(), Vec::new()); 3];
    for r in 0..rounds {
        for (i, way) in ways.iter().enumerate() {
            let dir = root.join(format!("{way:?}"));
            let (wall, cpu, _) = round(*way, &dir, (episodes, noise), &failing);
            eprintln!("round {r} {way:?}: wall {} cpu {}", secs(wall), secs(cpu));
            times[i].0.push(wall);
            times[i].1.push(cpu);
        }
    }
    let medians: Vec<(Duration, Duration)> = times
        .into_iter()
        .map(|(w, c)| (median(w), median(c)))
        .collect();
    let (floor_wall, floor_cpu) = medians[1];
    println!(
        "{:<46} {:>9} {:>7} {:>9} {:>7}",
        "medians of alternating rounds", "wall", "x", "CPU", "x"
    );
    let names = [
        "held snapshots, keep failures",
        "trigger knowing the failures (floor)",
        "encode every episode, delete (keep_if)",
    ];
    for (name, (wall, cpu)) in names.iter().zip(&medians) {
        println!(
            "{name:<46} {:>9} {:>6.2}x {:>9} {:>6.2}x",
            secs(*wall),
            wall.as_secs_f64() / floor_wall.as_secs_f64(),
            secs(*cpu),
            cpu.as_secs_f64() / floor_cpu.as_secs_f64()
        );
    }
}

/// Draws nothing of note: the RSS runs keep no video.
#[derive(Clone)]
struct Blank;

impl FrameRenderer for Blank {
    fn render(&mut self, _: &Snapshot, frame: &mut Frame) -> gymrec::Result<()> {
        frame.fill(0);
        Ok(())
    }
}

/// The process's peak RSS, from /proc/self/status, in MiB.
fn peak_rss() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak RSS (Linux: `5` to clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Bytes of the spill files this process has open in `dir`.
fn spilled(dir: &Path) -> u64 {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    fds.filter_map(|fd| {
        let fd = fd.ok()?.path();
        let target = std::fs::read_link(&fd).ok()?;
        (target.starts_with(dir) && target.to_string_lossy().contains(".held"))
            .then(|| std::fs::metadata(&fd).map_or(0, |m| m.len()))
    })
    .sum()
}

/// Three 5,000-step episodes of `state` bytes a snapshot, held (a keep
/// rule that keeps nothing, so nothing is drawn), with `bound`: peak RSS
/// above the start, and the most spilled at once.
fn held_rss(root: &Path, state: usize, bound: Option<usize>) -> (f64, f64, u64) {
    let dir = root.join(format!("rss-{}", bound.unwrap_or(0)));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = RecordingConfig::new(&dir)
        .overwrite(true)
        .episode_trigger(Trigger::always())
        .keep(Keep::when(|_| false));
    if let Some(bound) = bound {
        config = config.held_snapshot_bytes(bound);
    }
    let mut recorder = Recorder::new(config, RecordingSource::new("states")).unwrap();
    recorder.set_renderer(Some(Box::new(Blank)));
    let state_bytes = vec![7u8; state];
    reset_peak();
    let base = peak_rss();
    let mut most_spilled = 0;
    for _ in 0..3 {
        recorder.begin_episode().unwrap();
        for t in 0..=5_000u64 {
            if t > 0 {
                recorder
                    .step_ended(1.0, false, t == 5_000, &Info::new())
                    .unwrap();
            }
            if let Some(mut snapshot) = recorder.snapshot_buffer(64, 64) {
                snapshot.push_bytes(&state_bytes);
                recorder.submit_snapshot(snapshot, &Info::new());
            }
        }
        most_spilled = most_spilled.max(spilled(&dir));
    }
    let report = recorder.finish();
    assert!(report.videos.is_empty() && report.errors.is_empty());
    (base, peak_rss() - base, most_spilled)
}

fn rss(root: &Path) {
    let state = 4096;
    let held = 5_001.0 * state as f64 / (1 << 20) as f64;
    println!(
        "\npeak RSS, 5,000-step episodes (one video each), {state}-byte snapshots ({held:.1} MiB \
         an episode), held while the episode runs and dropped at its end:"
    );
    println!(
        "{:<34} {:>14} {:>16}",
        "bound", "peak RSS above", "spilled (most)"
    );
    for (name, bound) in [
        ("default (64 MiB)", None),
        ("held_snapshot_bytes(8 MiB)", Some(8 << 20)),
        ("held_snapshot_bytes(0)", Some(0)),
    ] {
        let (_, above, spilled) = held_rss(root, state, bound);
        println!(
            "{name:<34} {:>10.1} MiB {:>12.1} MiB",
            above,
            spilled as f64 / (1 << 20) as f64
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rounds = args.first().and_then(|a| a.parse().ok()).unwrap_or(3);
    let episodes = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let noise = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(NOISE);
    let root: PathBuf =
        std::env::temp_dir().join(format!("gymrec-keep-at-end-{}", std::process::id()));
    cost(rounds, episodes, noise, &root);
    rss(&root);
    let _ = std::fs::remove_dir_all(&root);
}
