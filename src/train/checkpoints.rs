//! [`SaveCheckpoints`]: the agent's state saved every so many episodes and
//! at the end of training (velora's `SaveCheckpoints`).
//!
//! ```
//! use gymrec::train::{SaveCheckpoints, TrainCallback};
//!
//! # fn main() -> gymrec::Result<()> {
//! let root = std::env::temp_dir().join(format!("gymrec-doc-saves-{}", std::process::id()));
//! let saves = SaveCheckpoints::builder("cartpole").root(&root).frequency(50).build()?;
//! assert_eq!(saves.dirpath(), root.join("cartpole").join("saves"));
//! assert_eq!(saves.config().1["frequency"], 50);
//! # std::fs::remove_dir_all(&root).ok();
//! # Ok(())
//! # }
//! ```

use super::callback::TrainCallback;
use super::state::{Status, TrainState};
use crate::{Error, Result, Setting};
use std::path::{Path, PathBuf};

/// The folder under which velora's callbacks write, relative to the
/// working directory: `checkpoints/<dirname>/saves` and
/// `checkpoints/<dirname>/videos`.
pub const DEFAULT_ROOT: &str = "checkpoints";

/// `root/dirname/sub`, after checking that `dirname` is a plain folder name.
pub(crate) fn callback_folder(root: &Path, dirname: &str, sub: &str) -> Result<PathBuf> {
    if dirname.is_empty()
        || dirname.contains(['/', '\\', '\0'])
        || dirname == "."
        || dirname == ".."
    {
        return Err(Error::InvalidDirname {
            dirname: dirname.to_string(),
            root: root.to_path_buf(),
            sub: sub.to_string(),
        });
    }
    Ok(root.join(dirname).join(sub))
}

/// Saves the agent's state ([`Agent::state`](super::Agent::state), JSON)
/// during training.
///
/// The rules are velora's:
/// - The folder is `checkpoints/<dirname>/saves` (`root/<dirname>/saves`
///   with [`SaveCheckpointsBuilder::root`]); when it exists already,
///   [`SaveCheckpointsBuilder::build`] fails, so that no earlier run is
///   overwritten.
/// - At [`Status::Start`] it sets [`TrainState::saving_enabled`] and
///   [`TrainState::checkpoint_dir`] (the trainer then writes
///   `completed.json` there at the end).
/// - At [`Status::Episode`] of episode `ep`, when `ep % frequency == 0` and
///   `ep` is not the last planned episode, it saves `<EnvName>_<ep>`.
/// - At [`Status::Complete`] it saves `<EnvName>_final`.
///
/// Each checkpoint is a folder holding `agent.json` (the agent's state) and
/// `metadata.json` (agent, env, episode, steps, experiment). It is written
/// under a temporary name and renamed when complete, so a killed process
/// never leaves half a checkpoint. (velora names episode checkpoints with
/// short numbers such as `CartPole_1K`; here they carry the plain episode
/// number, `CartPole_1000`.)
#[derive(Debug)]
pub struct SaveCheckpoints {
    dirname: String,
    frequency: u64,
    filepath: PathBuf,
    saved: Vec<PathBuf>,
}

/// Settings of [`SaveCheckpoints`]; [`SaveCheckpointsBuilder::build`] checks
/// them and the folder.
#[derive(Debug, Clone)]
pub struct SaveCheckpointsBuilder {
    dirname: String,
    root: PathBuf,
    frequency: u64,
}

impl SaveCheckpointsBuilder {
    /// The folder holding `<dirname>/saves` (default `checkpoints`).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// Save every `episodes` episodes (default 100, as velora). At least 1.
    pub fn frequency(mut self, episodes: u64) -> Self {
        self.frequency = episodes;
        self
    }

    /// The callback; errors when `dirname` is not a plain folder name, the
    /// frequency is 0, or the saves folder already exists.
    pub fn build(self) -> Result<SaveCheckpoints> {
        let filepath = callback_folder(&self.root, &self.dirname, "saves")?;
        if self.frequency == 0 {
            return Err(Error::OutOfRange {
                setting: Setting::SaveCheckpointsFrequency,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        if filepath.exists() {
            return Err(Error::AlreadyExists {
                path: filepath,
                advice: "checkpoints of an earlier run are there; choose another dirname, \
                         or move or delete that folder"
                    .into(),
            });
        }
        Ok(SaveCheckpoints {
            dirname: self.dirname,
            frequency: self.frequency,
            filepath,
            saved: Vec::new(),
        })
    }
}

impl SaveCheckpoints {
    /// Settings for checkpoints in `checkpoints/<dirname>/saves`, every 100
    /// episodes.
    pub fn builder(dirname: impl Into<String>) -> SaveCheckpointsBuilder {
        SaveCheckpointsBuilder {
            dirname: dirname.into(),
            root: PathBuf::from(DEFAULT_ROOT),
            frequency: 100,
        }
    }

    /// The folder checkpoints are saved into.
    pub fn dirpath(&self) -> &Path {
        &self.filepath
    }

    /// The checkpoints saved so far, in order.
    pub fn saved(&self) -> &[PathBuf] {
        &self.saved
    }

    fn save(&mut self, state: &TrainState<'_>, name: &str) -> Result<()> {
        let target = self.filepath.join(name);
        let partial = self
            .filepath
            .join(format!(".{name}.partial-{}", std::process::id()));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        let metadata = serde_json::json!({
            "agent": state.agent.name(),
            "env": state.env.spec().map(|s| s.id.clone()),
            "episode": state.current_ep,
            "total_steps": state.total_steps,
            "experiment_id": state.experiment_id,
            "metrics": state.metrics.path(),
        });
        write_json(&partial.join("agent.json"), &state.agent.state()?)?;
        write_json(&partial.join("metadata.json"), &metadata)?;
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(|e| Error::io(&target, e))?;
        }
        std::fs::rename(&partial, &target).map_err(|e| Error::io(&target, e))?;
        log::info!(
            "checkpoint saved at episode {}: {}",
            state.current_ep,
            target.display()
        );
        self.saved.push(target);
        Ok(())
    }
}

/// Writes `value` as pretty JSON to `path`.
pub(crate) fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
}

impl TrainCallback for SaveCheckpoints {
    fn call(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        if state.status == Status::Start {
            state.saving_enabled = true;
            state.checkpoint_dir = Some(self.filepath.clone());
        }
        if state.status != Status::Episode && state.status != Status::Complete {
            return Ok(());
        }
        std::fs::create_dir_all(&self.filepath).map_err(|e| Error::io(&self.filepath, e))?;
        let env_name = state.env_name()?;
        let ep = state.current_ep;
        match state.status {
            Status::Episode if ep != state.total_episodes && ep % self.frequency == 0 => {
                self.save(state, &format!("{env_name}_{ep}"))
            }
            Status::Complete => self.save(state, &format!("{env_name}_final")),
            _ => Ok(()),
        }
    }

    fn config(&self) -> (String, serde_json::Value) {
        (
            "SaveCheckpoints".into(),
            serde_json::json!({"dirname": self.dirname, "frequency": self.frequency}),
        )
    }

    fn info(&self) -> String {
        format!(
            "'SaveCheckpoints' enabled with 'frequency={}'. Files will be saved in the '{}' \
             directory.",
            self.frequency,
            self.filepath.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_dirnames_and_frequencies_are_typed() {
        for bad in ["", "a/b", "..", "."] {
            let err = callback_folder(Path::new("root"), bad, "saves").unwrap_err();
            assert!(
                matches!(&err, Error::InvalidDirname { dirname, root, sub }
                    if dirname == bad && root == Path::new("root") && sub == "saves"),
                "{err:?}"
            );
            assert!(err.to_string().contains("plain folder name"), "{err}");
        }
        let root = std::env::temp_dir().join(format!("gymrec-saves-typed-{}", std::process::id()));
        let err = SaveCheckpoints::builder("x")
            .root(&root)
            .frequency(0)
            .build()
            .err()
            .unwrap();
        assert!(
            matches!(&err, Error::OutOfRange { setting: Setting::SaveCheckpointsFrequency, value: 0, allowed, .. }
                if *allowed.start() == 1),
            "{err:?}"
        );
        assert!(err.to_string().contains("frequency is 0"), "{err}");
    }
}
