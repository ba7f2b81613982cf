//! `gymrec frame`: render the frame of an explicit state to a PNG.

use clap::Args;
use gymrec::Error;
use gymrec::env::classic::render_state;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct FrameArgs {
    /// Environment id, as listed by `gymrec envs`.
    #[arg(long)]
    env: String,
    /// The state, comma-separated, in the order of Gymnasium's
    /// `env.unwrapped.state`: CartPole x,x_dot,theta,theta_dot;
    /// MountainCar position,velocity; Pendulum theta,theta_dot;
    /// Acrobot theta1,theta2,dtheta1,dtheta2.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        required = true
    )]
    state: Vec<String>,
    /// Pendulum only: the torque shown by the arrow.
    #[arg(long, allow_negative_numbers = true)]
    last_u: Option<f64>,
    /// Where to write the PNG.
    #[arg(long)]
    out: PathBuf,
}

/// The PNG could not be encoded: the command line's own error, since the
/// library writes no images (an I/O failure is gymrec's [`Error::Io`]).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
struct PngError {
    /// The PNG file.
    path: PathBuf,
    /// `image`'s error.
    #[source]
    source: image::ImageError,
}

/// Renders and writes the frame; a `--state` value that is not a number is
/// the command line's own error, the rest are gymrec's.
pub fn run(args: &FrameArgs) -> Result<(), Box<dyn std::error::Error>> {
    let state = args
        .state
        .iter()
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("--state value {v:?} is not a number"))
        })
        .collect::<Result<Vec<f64>, String>>()?;
    let frame = render_state(&args.env, &state, args.last_u)?;
    frame
        .save_with_format(&args.out, image::ImageFormat::Png)
        .map_err(|source| -> Box<dyn std::error::Error> {
            match source {
                image::ImageError::IoError(io) => Box::new(Error::io(&args.out, io)),
                other => Box::new(PngError {
                    path: args.out.clone(),
                    source: other,
                }),
            }
        })?;
    println!(
        "{}: {}x{} frame written to {}",
        args.env,
        frame.width(),
        frame.height(),
        args.out.display()
    );
    Ok(())
}
