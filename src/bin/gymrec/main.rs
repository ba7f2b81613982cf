//! The `gymrec` command line: list envs, render frames of explicit states,
//! record videos, recover the partial videos of recorders that died.

mod envs;
mod frame;
mod keep;
mod record;
mod recover;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Record videos of reinforcement-learning environments.
#[derive(Debug, Parser)]
#[command(name = "gymrec", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the registered environments with frame size, fps and spaces.
    Envs,
    /// Render the frame of an explicit state to a PNG file.
    Frame(frame::FrameArgs),
    /// Run episodes with a built-in policy and record videos of them.
    /// (Boxed: its many options would make every Command that large.)
    Record(Box<record::RecordArgs>),
    /// Give the partial videos recorders that died left in a folder their
    /// final names, sidecars and index lines, marked incomplete.
    Recover(recover::RecoverArgs),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Envs => envs::run().map_err(Into::into),
        Command::Frame(args) => frame::run(&args),
        Command::Record(args) => record::run(&args),
        Command::Recover(args) => recover::run(&args).map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gymrec: error: {err}");
            ExitCode::FAILURE
        }
    }
}
