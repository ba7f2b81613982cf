//! Loads trained weights and records evaluation videos of them.
//!
//! ```sh
//! cargo run --release --example eval_video
//! cargo run --release --example eval_video -- --episodes 5 --out videos/eval --overwrite
//! cargo run --release --example eval_video -- --weights checkpoints/cartpole-run1/saves/CartPole_final/agent.json
//! ```
//!
//! The weights default to `assets/cartpole-cem.json`, a linear policy that
//! `examples/train_clips.rs` trained (`--save-weights`); when that file is
//! not found from the working directory, the copy built into this example
//! is used. A checkpoint's `agent.json` works too.

use clap::Parser;
use gymrec::env::{Env, RenderMode};
use gymrec::policy::{Policy, run_episode};
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::train::LinearPolicy;
use std::path::PathBuf;

/// The shipped weights, for when the file is not found at run time.
const EMBEDDED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/cartpole-cem.json"
));
const DEFAULT_WEIGHTS: &str = "assets/cartpole-cem.json";

#[derive(Debug, Parser)]
#[command(about = "Record evaluation videos of trained weights")]
struct Args {
    /// The weights (a LinearPolicy JSON, or a CEM checkpoint's agent.json).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// The env (default: the one the weights were trained on).
    #[arg(long)]
    env: Option<String>,
    /// Evaluation episodes, each recorded.
    #[arg(long, default_value_t = 3)]
    episodes: u64,
    /// Episode i is reset with seed + i.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// The folder for the videos.
    #[arg(long, default_value = "videos/eval")]
    out: PathBuf,
    /// Replace videos of an earlier run in the folder.
    #[arg(long)]
    overwrite: bool,
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    if let Err(err) = run(&Args::parse()) {
        eprintln!("error: {err}");
        if matches!(err, gymrec::Error::AlreadyExists { .. }) {
            eprintln!("hint: pass --overwrite to replace them, or --out DIR for another folder");
        }
        std::process::exit(1);
    }
}

fn run(args: &Args) -> gymrec::Result<()> {
    let (mut policy, source) = match &args.weights {
        Some(path) => (LinearPolicy::load(path)?, path.display().to_string()),
        None if std::path::Path::new(DEFAULT_WEIGHTS).is_file() => (
            LinearPolicy::load(DEFAULT_WEIGHTS)?,
            DEFAULT_WEIGHTS.to_string(),
        ),
        None => (
            LinearPolicy::from_json(EMBEDDED, DEFAULT_WEIGHTS)?,
            format!("{DEFAULT_WEIGHTS} (built in)"),
        ),
    };
    let env_id = args
        .env
        .clone()
        .or_else(|| policy.env_id.clone())
        .unwrap_or_else(|| "CartPole-v1".to_string());
    println!("weights: {source} ({env_id})");

    let env = gymrec::make(&env_id, RenderMode::RgbArray)?;
    let mut env = RecordingConfig::new(&args.out)
        .episode_trigger(Trigger::always())
        .name_prefix(format!(
            "{}-eval",
            env.spec().map_or("env", |s| s.name.as_str())
        ))
        .overwrite(args.overwrite)
        .gallery()
        .wrap(env)?;
    let mut returns = Vec::new();
    for i in 0..args.episodes {
        let seed = Some(args.seed.wrapping_add(i));
        returns.push(run_episode(&mut env, seed, |obs| Ok(policy.act(obs)))?.ret);
    }
    let videos = env.take_report().into_result()?;
    env.close()?;
    for (video, ret) in videos.iter().zip(&returns) {
        println!(
            "  {:<40} return {ret:>5.0}  {:>3} frames",
            video.facts.path.display(),
            video.facts.frames
        );
    }
    let mean = returns.iter().sum::<f64>() / returns.len().max(1) as f64;
    println!("average return {mean:.1} over {} episodes", returns.len());
    let gallery = args.out.join("index.html");
    if gallery.is_file() {
        println!("gallery: {}", gallery.display());
    }
    Ok(())
}
