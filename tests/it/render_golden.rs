//! Renders every state listed in tests/golden/<EnvId>/states.json and
//! compares the frame with the PNG that Gymnasium rendered for the same state
//! (tests/golden/generate.py, Gymnasium 1.4.0 with pygame-ce).
//!
//! Tolerance: pygame's gfxdraw and tiny-skia anti-alias edges differently, so
//! edge pixels may differ. A frame passes when
//! - at most 0.3% of its pixels differ by more than 64 in any channel
//!   (a misplaced or mis-coloured shape moves far more pixels than that), and
//! - the mean absolute difference over all channels is at most 0.5 (of 255).

use gymrec::env::classic::render_state;
use std::path::Path;

/// Largest share of pixels allowed to differ by more than `BIG_DIFF`.
const MAX_BIG_DIFF_SHARE: f64 = 0.003;
/// A channel difference above this counts as a different pixel.
const BIG_DIFF: u8 = 64;
/// Largest mean absolute channel difference allowed.
const MAX_MEAN_ABS_DIFF: f64 = 0.5;

#[derive(serde::Deserialize)]
struct Entry {
    name: String,
    state: Vec<f64>,
    #[serde(default)]
    last_u: Option<f64>,
}

struct Comparison {
    big_diff_share: f64,
    mean_abs_diff: f64,
}

fn compare(ours: &image::RgbImage, theirs: &image::RgbImage) -> Comparison {
    assert_eq!(ours.dimensions(), theirs.dimensions(), "frame sizes differ");
    let mut big = 0usize;
    let mut sum = 0u64;
    for (a, b) in ours.pixels().zip(theirs.pixels()) {
        let d = a.0.iter().zip(b.0.iter()).map(|(x, y)| x.abs_diff(*y));
        let mut max = 0;
        for v in d {
            sum += v as u64;
            max = max.max(v);
        }
        if max > BIG_DIFF {
            big += 1;
        }
    }
    let pixels = (ours.width() * ours.height()) as f64;
    Comparison {
        big_diff_share: big as f64 / pixels,
        mean_abs_diff: sum as f64 / (pixels * 3.0),
    }
}

fn check_env(id: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(id);
    let entries: Vec<Entry> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("states.json")).unwrap()).unwrap();
    assert!(entries.len() >= 4, "{id}: want several varied states");
    let mut failures = Vec::new();
    for e in &entries {
        let theirs = image::open(dir.join(format!("{}.png", e.name)))
            .unwrap_or_else(|err| panic!("{id}/{}.png: {err}", e.name))
            .to_rgb8();
        let ours = render_state(id, &e.state, e.last_u).unwrap();
        let c = compare(&ours, &theirs);
        eprintln!(
            "{id}/{}: {:.4}% pixels differ by >{BIG_DIFF}, mean abs diff {:.3}",
            e.name,
            c.big_diff_share * 100.0,
            c.mean_abs_diff
        );
        if c.big_diff_share > MAX_BIG_DIFF_SHARE || c.mean_abs_diff > MAX_MEAN_ABS_DIFF {
            if let Ok(out) = std::env::var("GYMREC_GOLDEN_OUT") {
                let _ = ours.save(Path::new(&out).join(format!("{id}-{}.png", e.name)));
            }
            failures.push(e.name.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "{id}: frames differ from Gymnasium's beyond tolerance: {failures:?} \
         (set GYMREC_GOLDEN_OUT=<dir> to save ours)"
    );
}

#[test]
fn cartpole_matches_gymnasium() {
    check_env("CartPole-v1");
}

#[test]
fn mountain_car_matches_gymnasium() {
    check_env("MountainCar-v0");
}

#[test]
fn acrobot_matches_gymnasium() {
    check_env("Acrobot-v1");
}

#[test]
fn pendulum_matches_gymnasium() {
    check_env("Pendulum-v1");
}
