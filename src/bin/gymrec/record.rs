//! `gymrec record`: run episodes of an env with a built-in policy and record
//! videos of them.

use crate::envs::table;
use crate::keep::{KeepArgs, Tally};
use clap::Args;
use gymrec::env::{Env, Registry, RenderMode};
use gymrec::policy::{EpisodeRun, PolicyKind, run_episode};
use gymrec::record::{
    Overlay, RecordMethod, RecordState, RecordedVideo, RecordingReport, TriggerSpec, TriggerTarget,
};
use gymrec::video::{EncoderSettings, VideoFormat};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Environment id, as listed by `gymrec envs`.
    #[arg(long)]
    env: String,
    /// How many episodes to run.
    #[arg(long, default_value_t = 10)]
    episodes: u64,
    /// Who acts: `random` actions or the env's `heuristic` controller.
    #[arg(long, default_value = "random")]
    policy: PolicyKind,
    /// Seed of the first reset and of the random policy.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Truncate episodes after this many steps (default: the env's limit).
    #[arg(long)]
    max_episode_steps: Option<u64>,
    /// Which episodes or steps start a video: cubic, all, none, every:N,
    /// steps:N. Default: cubic, or all with --keep (every episode is
    /// recorded, the rule keeps the ones that matter).
    #[arg(long)]
    trigger: Option<TriggerSpec>,
    /// Frames per video; 0 records whole episodes.
    #[arg(long, default_value_t = 0)]
    video_length: u64,
    /// Frames per second (default: the env's render_fps).
    #[arg(long)]
    fps: Option<u32>,
    /// File names start with this: PREFIX-episode-N.mp4.
    #[arg(long, default_value = "rl-video")]
    name_prefix: String,
    /// The folder to write videos into (created when missing).
    #[arg(long, default_value = "videos")]
    out: PathBuf,
    /// x264 preset: ultrafast … placebo.
    #[arg(long, default_value = "veryfast")]
    preset: String,
    /// x264 constant rate factor, 0 (lossless) to 51; lower is better.
    #[arg(long, default_value_t = 23)]
    crf: u8,
    /// Encoder threads (default: picked for the machine, one fewer than
    /// the cores but at least 2 on a multi-core machine).
    #[arg(long)]
    threads: Option<usize>,
    /// Replace videos already in the folder instead of refusing to start.
    #[arg(long)]
    overwrite: bool,
    /// Video format: mp4 (H.264), webm (VP9), gif, or png (a folder of
    /// numbered frames). Default: mp4 when this build has an MP4 backend.
    #[arg(long)]
    format: Option<VideoFormat>,
    /// Burn the episode, step and return into the frames (top left).
    #[arg(long)]
    overlay: bool,
    /// A line of text to burn in below the numbers (implies --overlay).
    #[arg(long, value_name = "TEXT")]
    overlay_text: Option<String>,
    /// Write only the videos: no JSON sidecars, no index.jsonl, no
    /// index.html gallery (written by default).
    #[arg(long)]
    no_gallery: bool,
    /// Also log every episode's return and length, and a GIF preview of
    /// each video, to a TensorBoard run in DIR/<env id> (DIR/<env id>_2, …
    /// when that run exists): `tensorboard --logdir DIR`.
    #[cfg(feature = "tensorboard")]
    #[arg(long, value_name = "DIR")]
    tensorboard: Option<PathBuf>,
    /// Also log every episode's return and length, and upload each video
    /// (with its poster and sidecar), to an MLflow run on the tracking
    /// server at URI (http://HOST:PORT). Default: $MLFLOW_TRACKING_URI
    /// when set to an http:// URI.
    #[cfg(feature = "mlflow")]
    #[arg(long, value_name = "URI")]
    mlflow: Option<String>,
    /// Don't log to MLflow even when MLFLOW_TRACKING_URI is set.
    #[cfg(feature = "mlflow")]
    #[arg(long, conflicts_with = "mlflow")]
    no_mlflow: bool,
    /// The MLflow experiment (created when missing).
    #[cfg(feature = "mlflow")]
    #[arg(long, value_name = "NAME", default_value = gymrec::tracker::mlflow::DEFAULT_EXPERIMENT)]
    mlflow_experiment: String,
    /// The MLflow run's name (default: the env id, then the name prefix
    /// when it is not rl-video).
    #[cfg(feature = "mlflow")]
    #[arg(long, value_name = "NAME")]
    mlflow_run: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Step N copies of the env in lockstep (a SyncVectorEnv with
    /// Gymnasium's next-step autoreset) and record them tiled in one grid
    /// video; --episodes then counts sub-env 0's episodes.
    #[arg(long, value_name = "N", default_value_t = 1)]
    num_envs: usize,
    /// With --num-envs: record only sub-env 0 instead of the grid.
    #[arg(long)]
    first_env_only: bool,
    #[command(flatten)]
    keep: KeepArgs,
}

impl RecordArgs {
    /// The trigger asked for, else cubic (all with --keep).
    fn trigger(&self) -> TriggerSpec {
        self.trigger.unwrap_or(if self.keep.keeps() {
            TriggerSpec::All
        } else {
            TriggerSpec::Cubic
        })
    }
}

pub fn run(args: &RecordArgs) -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::classic();
    let env = registry.make_with_limit(&args.env, RenderMode::RgbArray, args.max_episode_steps)?;
    let mut policy = args
        .policy
        .build(&args.env, env.action_space(), args.seed)?;

    let trigger = args.trigger().to_trigger()?;
    let state = match args.trigger().target() {
        TriggerTarget::Episode => {
            RecordState::new(&args.out, RecordMethod::Episode).with_episode_trigger(trigger)
        }
        TriggerTarget::Step => {
            RecordState::new(&args.out, RecordMethod::Step).with_step_trigger(trigger)
        }
    };
    let mut config = state
        .to_wrapper()?
        .name_prefix(&args.name_prefix)
        .video_length(args.video_length)
        .encoder(EncoderSettings {
            preset: args.preset.clone(),
            crf: args.crf,
            threads: args.threads,
            ..EncoderSettings::default()
        })
        .overwrite(args.overwrite);
    if let Some(fps) = args.fps {
        config = config.fps(fps);
    }
    if let Some(format) = args.format {
        config = config.format(format);
    }
    if args.overlay || args.overlay_text.is_some() {
        let mut overlay = Overlay::new();
        if let Some(text) = args.overlay_text.clone() {
            overlay = overlay.text(move |_, out| out.push_str(&text));
        }
        config = config.overlay(overlay);
    }
    if !args.no_gallery {
        config = config.gallery();
    }
    #[cfg(feature = "tensorboard")]
    if let Some(logdir) = &args.tensorboard {
        let run = gymrec::tensorboard::free_run_dir(&logdir.join(&args.env))?;
        println!("tensorboard: {}", run.display());
        config = config.tensorboard(run);
    }
    #[cfg(feature = "mlflow")]
    let (config, mlflow) = mlflow_observer(args, config);
    #[cfg(not(feature = "mlflow"))]
    let mlflow = ();
    let tally = Tally::default();
    let config = args.keep.apply(&args.env, config, &tally)?;
    if args.num_envs != 1 {
        return Ok(run_vector(args, &registry, config, mlflow, &tally)?);
    }
    let mut env = config.wrap(env)?;

    let progress = episode_bar(args, args.env.clone(), "episodes");

    let started = Instant::now();
    let mut total_steps = 0u64;
    let mut returns = Vec::with_capacity(args.episodes as usize);
    for episode in 0..args.episodes {
        let seed = (episode == 0).then_some(args.seed);
        let EpisodeRun { ret, length } = run_episode(&mut env, seed, |obs| Ok(policy.act(obs)))?;
        total_steps += length;
        returns.push(ret);
        progress.set_message(format!("return {ret:.1}"));
        progress.inc(1);
    }
    let report = env.take_report();
    env.close()?;
    progress.finish_and_clear();
    let run = Totals {
        episodes: format!("{} episodes", args.episodes),
        returns,
        steps: total_steps,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(print_report(args, report, &run, mlflow, &tally)?)
}

/// What the MLflow observer sent, shared with it; `()` without the feature.
#[cfg(feature = "mlflow")]
type MlflowSummary =
    Option<std::sync::Arc<std::sync::Mutex<gymrec::tracker::mlflow::UploadSummary>>>;
#[cfg(not(feature = "mlflow"))]
type MlflowSummary = ();

/// Adds the MLflow observer when `--mlflow` or `MLFLOW_TRACKING_URI` asks
/// for it (after the gallery, so posters and sidecars go too).
#[cfg(feature = "mlflow")]
fn mlflow_observer(
    args: &RecordArgs,
    config: gymrec::record::RecordingConfig,
) -> (gymrec::record::RecordingConfig, MlflowSummary) {
    let from_env = || {
        std::env::var("MLFLOW_TRACKING_URI")
            .ok()
            .filter(|uri| uri.starts_with("http://"))
    };
    let uri = if args.no_mlflow {
        None
    } else {
        args.mlflow.clone().or_else(from_env)
    };
    let Some(uri) = uri else {
        return (config, None);
    };
    let run_name = args.mlflow_run.clone().unwrap_or_else(|| {
        if args.name_prefix == "rl-video" {
            args.env.clone()
        } else {
            format!("{}-{}", args.env, args.name_prefix)
        }
    });
    let mut observer = gymrec::tracker::mlflow::Mlflow::new(&uri)
        .experiment(&args.mlflow_experiment)
        .run_name(run_name)
        .tag("gymrec.env", &args.env)
        .param("env", &args.env)
        .param("episodes", args.episodes)
        .param("policy", format!("{:?}", args.policy).to_lowercase())
        .param("seed", args.seed)
        .param("trigger", args.trigger().to_string())
        .param("video_length", args.video_length)
        .param("name_prefix", &args.name_prefix)
        .param("num_envs", args.num_envs);
    if let Some(format) = args.format {
        observer = observer.param("format", format);
    }
    if let Some(rules) = args.keep.rules() {
        observer = observer.param("keep", rules);
    }
    println!("mlflow: {uri} (experiment {:?})", args.mlflow_experiment);
    let summary = observer.summary();
    (config.observer(observer), Some(summary))
}

/// Prints what reached MLflow: the run, the artifacts, what was retried and
/// what was not sent, each line after `mlflow: `.
#[cfg(feature = "mlflow")]
fn print_mlflow(summary: &MlflowSummary) {
    let Some(summary) = summary else { return };
    let text = summary
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .to_string();
    println!("mlflow: {}", text.replace('\n', "\nmlflow: "));
}

/// A progress bar over `--episodes` episodes (hidden with `--quiet`);
/// `episodes` names what is counted.
fn episode_bar(args: &RecordArgs, prefix: String, episodes: &str) -> ProgressBar {
    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.episodes)
    };
    progress.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {{prefix}} [{{bar:30}}] {{pos}}/{{len}} {episodes} {{msg}} ({{elapsed}})"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    progress.set_prefix(prefix);
    progress
}

/// What a `gymrec record` run did, for its closing line.
struct Totals {
    /// The episodes counted, as said in the closing line ("10 episodes").
    episodes: String,
    /// The return of each counted episode.
    returns: Vec<f64>,
    /// Env steps taken (every sub-env's).
    steps: u64,
    /// Wall time of the loop.
    seconds: f64,
}

/// Prints the table of videos, the gallery's path and the closing line;
/// errors with the recording's first error, if any.
fn print_report(
    args: &RecordArgs,
    report: RecordingReport,
    run: &Totals,
    mlflow: MlflowSummary,
    tally: &Tally,
) -> gymrec::Result<()> {
    if report.videos.is_empty() && args.keep.keeps() {
        println!("no videos kept (--keep kept none of the recorded episodes)");
    } else {
        print_summary(&report.videos, &tally.counts().removed);
    }
    #[cfg(feature = "mlflow")]
    print_mlflow(&mlflow);
    #[cfg(not(feature = "mlflow"))]
    let () = mlflow;
    if !args.no_gallery && !report.videos.is_empty() {
        let page = args.out.join(gymrec::catalog::GALLERY_FILE);
        println!("gallery: {}", page.display());
    }
    if let Some(line) = args.keep.summary(tally, report.videos.len()) {
        println!("{line}");
    }
    let frames: u64 = report.videos.iter().map(|v| v.facts.frames).sum();
    let mean = run.returns.iter().sum::<f64>() / run.returns.len().max(1) as f64;
    println!(
        "{}, {} steps, mean return {mean:.1}; {} videos, {frames} frames in {:.1} s ({:.0} steps/s)",
        run.episodes,
        run.steps,
        report.videos.len(),
        run.seconds,
        run.steps as f64 / run.seconds.max(1e-9),
    );
    report.into_result().map(|_| ())
}

/// Prints a table of `videos` (incomplete ones marked so, and those
/// retention has `removed` since).
pub(crate) fn print_summary(videos: &[RecordedVideo], removed: &[PathBuf]) {
    if videos.is_empty() {
        println!("no videos written (the trigger fired on no episode or step)");
        return;
    }
    let mut rows = vec![[
        "file".to_string(),
        "episodes".to_string(),
        "return".to_string(),
        "frames".to_string(),
        "seconds".to_string(),
        "size".to_string(),
        "KiB".to_string(),
    ]];
    for video in videos {
        let v = &video.facts;
        let episodes = match (video.episodes.first(), video.episodes.last()) {
            (Some(a), Some(b)) if a.episode != b.episode => format!("{}-{}", a.episode, b.episode),
            (Some(a), _) => a.episode.to_string(),
            _ => "-".to_string(),
        };
        let returns: Vec<String> = video
            .episodes
            .iter()
            .map(|e| format!("{:.1}", e.ret))
            .collect();
        let incomplete = if video.incomplete {
            " (incomplete)"
        } else {
            ""
        };
        let removed = if removed.contains(&v.path) {
            " (removed by retention)"
        } else {
            ""
        };
        rows.push([
            format!("{}{incomplete}{removed}", v.path.display()),
            episodes,
            returns.join(" "),
            v.frames.to_string(),
            format!("{:.2}", v.duration_secs),
            format!("{}x{}", v.width, v.height),
            format!("{:.0}", v.bytes as f64 / 1024.0),
        ]);
    }
    print!("{}", table(&rows));
}

/// `gymrec record --num-envs N`: N sub-envs in a `SyncVectorEnv`, one policy
/// each (seeded `seed + i`), recorded as one grid video (or sub-env 0 with
/// `--first-env-only`) until sub-env 0 has run `--episodes` episodes.
fn run_vector(
    args: &RecordArgs,
    registry: &Registry,
    config: gymrec::record::RecordingConfig,
    mlflow: MlflowSummary,
    tally: &Tally,
) -> gymrec::Result<()> {
    use gymrec::env::vector::SyncVectorEnv;
    use gymrec::record::VectorFrames;

    let n = args.num_envs;
    let envs = SyncVectorEnv::from_fn(n, |_| {
        registry.make_with_limit(&args.env, RenderMode::RgbArray, args.max_episode_steps)
    })?;
    let mut policies = (0..n)
        .map(|i| {
            let seed = args.seed.wrapping_add(i as u64);
            args.policy
                .build(&args.env, envs.single_action_space(), seed)
        })
        .collect::<gymrec::Result<Vec<_>>>()?;
    let frames = if args.first_env_only {
        VectorFrames::FirstOnly
    } else {
        VectorFrames::Tiled
    };
    let mut envs = config.wrap_vector(envs, frames)?;

    let progress = episode_bar(args, format!("{} x{n}", args.env), "episodes of sub-env 0");

    let started = Instant::now();
    let mut total_steps = 0u64;
    let mut returns = Vec::with_capacity(args.episodes as usize);
    let mut ret = 0.0;
    let (mut obs, _) = envs.reset(Some(args.seed))?;
    while (returns.len() as u64) < args.episodes {
        let actions = policies
            .iter_mut()
            .zip(&obs)
            .map(|(policy, o)| policy.act(o))
            .collect();
        let step = envs.step(actions)?;
        total_steps += n as u64;
        if !step.autoreset[0] {
            ret += step.rewards[0];
        }
        if step.done(0) {
            returns.push(ret);
            progress.set_message(format!("return {ret:.1}"));
            progress.inc(1);
            ret = 0.0;
        }
        obs = step.obs;
    }
    let report = envs.take_report();
    envs.close()?;
    progress.finish_and_clear();
    let run = Totals {
        episodes: format!("{n} sub-envs, {} episodes of sub-env 0", args.episodes),
        returns,
        steps: total_steps,
        seconds: started.elapsed().as_secs_f64(),
    };
    print_report(args, report, &run, mlflow, tally)
}
