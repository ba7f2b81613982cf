//! Trains the cross-entropy learner on CartPole-v1 and records clips of it
//! learning: every `--frequency`th episode while it trains, then one
//! episode of the trained policy. Every episode and clip goes into the
//! SQLite metrics store, each clip linked to the episode it shows.
//!
//! ```sh
//! cargo run --release --example train_clips
//! cargo run --release --example train_clips -- --seed 3 --frequency 20 --db runs.db
//! tensorboard --logdir runs --samples_per_plugin images=100
//! cargo run --release --example train_clips -- --mlflow http://127.0.0.1:5000
//! ```
//!
//! Writes `checkpoints/cartpole-runN/videos/*.mp4` (with an `index.html`
//! gallery), `checkpoints/cartpole-runN/saves/` and `metrics.db`, where N
//! is the first free run number, so that runs never overwrite each other,
//! and a TensorBoard run `runs/gymrec-examples/CEM_CartPole_<N>ep/` (the
//! episode metrics, the settings, and each clip as a GIF). With `--mlflow URI`
//! (or `MLFLOW_TRACKING_URI`), the same run goes to an MLflow server too:
//! experiment `gymrec-examples`, run `CEM_CartPole_<N>ep`, the settings as
//! params, the episode metrics, and each clip, its poster and sidecar as
//! artifacts under `videos/`.

use clap::Parser;
use gymrec::env::RenderMode;
use gymrec::train::{
    AnalyticsState, Cem, CemConfig, EarlyStopping, LogToMlflow, LogToTensorBoard, MetricsStore,
    RecordVideos, SaveCheckpoints, Trainer, VideoKind, evaluate,
};
use gymrec::video::EncoderSettings;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(about = "Train CEM on CartPole-v1 and record clips of it learning")]
struct Args {
    /// Seed of the learner and of the first reset (10 learns gradually, so
    /// that the clips show it).
    #[arg(long, default_value_t = 10)]
    seed: u64,
    /// At most this many training episodes.
    #[arg(long, default_value_t = 1000)]
    episodes: u64,
    /// Record every Nth training episode (never the first). With a multiple
    /// of the learner's population (20), each clip shows the policy itself
    /// rather than a noisy variant of it.
    #[arg(long, default_value_t = 40)]
    frequency: u64,
    /// Stop once this many consecutive episodes return 500.
    #[arg(long, default_value_t = 40)]
    patience: u64,
    /// The folder for checkpoints and videos.
    #[arg(long, default_value = gymrec::train::DEFAULT_ROOT)]
    root: PathBuf,
    /// The run's folder under the root (default: the first free cartpole-runN).
    #[arg(long)]
    dirname: Option<String>,
    /// The metrics database.
    #[arg(long, default_value = MetricsStore::DEFAULT_PATH)]
    db: PathBuf,
    /// The TensorBoard logdir: the run goes into
    /// `<logdir>/gymrec-examples/<experiment>/` (`tensorboard --logdir runs`).
    #[arg(long, default_value = "runs")]
    logdir: PathBuf,
    /// Also write the trained weights to this JSON file (as assets/cartpole-cem.json).
    #[arg(long)]
    save_weights: Option<PathBuf>,
    /// The clips' x264 preset (`ultrafast` … `veryslow`): faster presets
    /// take less CPU from the training and write larger files.
    #[arg(long, default_value = "veryfast")]
    preset: String,
    /// Also log the run (metrics, settings, clips) to the MLflow tracking
    /// server at URI (http://HOST:PORT). Default: $MLFLOW_TRACKING_URI when
    /// set to an http:// URI.
    #[arg(long, value_name = "URI")]
    mlflow: Option<String>,
    /// Don't log to MLflow even when MLFLOW_TRACKING_URI is set.
    #[arg(long, conflicts_with = "mlflow")]
    no_mlflow: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    if let Err(err) = run(&Args::parse()) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> gymrec::Result<()> {
    let dirname = match &args.dirname {
        Some(name) => name.clone(),
        None => (1..)
            .map(|n| format!("cartpole-run{n}"))
            .find(|name| !args.root.join(name).exists())
            .unwrap_or_else(|| "cartpole-run".into()),
    };

    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
    let mut agent = Cem::for_env(
        &env,
        CemConfig {
            seed: args.seed,
            ..CemConfig::default()
        },
    )?;
    let metrics = MetricsStore::open(&args.db)?;

    // ---- TENSORBOARD -----------------------------------------------------
    // Episode metrics, settings and a GIF of each clip, where RL users look.
    let tensorboard = LogToTensorBoard::new(&args.logdir);
    let run = tensorboard.run_handle();
    // ---------------------------------------------------------------------
    // ---- MLFLOW ----------------------------------------------------------
    // The same run on an MLflow server: params, episode metrics, the clips.
    let mlflow = mlflow_uri(args).map(LogToMlflow::new);
    let mlflow_summary = mlflow.as_ref().map(LogToMlflow::summary);
    // ---------------------------------------------------------------------
    let encoder = EncoderSettings {
        preset: args.preset.clone(),
        ..EncoderSettings::default()
    };
    encoder.validate()?;
    let videos = RecordVideos::builder(&dirname)
        .root(&args.root)
        .frequency(args.frequency)
        .final_seed(Some(args.seed))
        // ---- GALLERY ----------------------------------------------------
        // The recorder's manifest observer writes a JSON sidecar per clip,
        // `index.jsonl` and the `index.html` gallery of the videos folder.
        // Remove `.gallery()` to record the clips alone.
        .configure(move |config| config.gallery().encoder(encoder.clone()))
        // -----------------------------------------------------------------
        .tensorboard(tensorboard.clips());
    let videos = match &mlflow {
        Some(mlflow) => videos.mlflow(mlflow.clips()),
        None => videos,
    }
    .build()?;
    let videos_dir = videos.dirpath().to_path_buf();
    let saves = SaveCheckpoints::builder(&dirname)
        .root(&args.root)
        .frequency(200)
        .build()?;

    let trainer = Trainer::new(env)
        .episodes(args.episodes)
        .seed(args.seed)
        .log_freq(50)
        .window(100)
        .analytics(AnalyticsState::new("gymrec-examples"))
        .callback(videos)
        .callback(tensorboard);
    // After RecordVideos, whose complete callback records the final clip.
    let trainer = match mlflow {
        Some(mlflow) => trainer.callback(mlflow),
        None => trainer,
    }
    .callback(EarlyStopping::new(500.0, args.patience))
    .callback(saves)
    .progress(!args.quiet);
    for line in trainer.callback_info() {
        println!("{line}");
    }
    let started = Instant::now();
    let summary = trainer.run(&mut agent, &metrics)?;
    println!("{summary}");

    println!("\nclips (training episode, its return; recorder ids count from 0):");
    let episodes = metrics.episodes(summary.experiment_id)?;
    for video in &summary.videos {
        let name = video.path.file_name().map_or_else(
            || video.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let shown = video.episodes.first();
        match (video.kind, video.episode) {
            (VideoKind::Training, Some(ep)) => {
                let ret = episodes
                    .get(ep as usize - 1)
                    .map_or(f64::NAN, |row| row.reward);
                println!(
                    "  {name:<34} episode {ep:>4}  return {ret:>5.0}  {:>3} frames",
                    video.frames
                );
            }
            _ => println!(
                "  {name:<34} evaluation    return {:>5.0}  {:>3} frames",
                shown.map_or(f64::NAN, |e| e.reward),
                video.frames
            ),
        }
    }

    let mut eval_env = gymrec::make("CartPole-v1", RenderMode::None)?;
    let returns = evaluate(&mut agent, &mut eval_env, 20, 10_000)?;
    let mean = returns.iter().sum::<f64>() / returns.len() as f64;
    println!(
        "\ngreedy policy: average return {mean:.1} over 20 evaluation episodes (bar: 475); \
         {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.save_weights {
        let mut policy = agent.policy();
        policy.env_id = Some("CartPole-v1".into());
        policy.save(path)?;
        println!("weights: {}", path.display());
    }
    let gallery = videos_dir.join("index.html");
    if gallery.is_file() {
        println!("gallery: {}", gallery.display());
    }
    if let Some(dir) = run.run_dir() {
        println!(
            "tensorboard: {} (tensorboard --logdir {} --samples_per_plugin images=100)",
            dir.display(),
            args.logdir.display()
        );
    }
    println!(
        "metrics: {} (experiment {})",
        metrics.path().display(),
        summary.experiment_id
    );
    if let Some(mlflow) = mlflow_summary {
        let text = mlflow
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .to_string();
        println!("mlflow: {}", text.replace('\n', "\nmlflow: "));
    }
    Ok(())
}

/// `--mlflow`, else `MLFLOW_TRACKING_URI` when it is an http:// URI, unless
/// `--no-mlflow`.
fn mlflow_uri(args: &Args) -> Option<String> {
    if args.no_mlflow {
        return None;
    }
    args.mlflow.clone().or_else(|| {
        std::env::var("MLFLOW_TRACKING_URI")
            .ok()
            .filter(|uri| uri.starts_with("http://"))
    })
}
