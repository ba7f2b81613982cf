//! [`SummaryWriter`]: one TensorBoard event file, appended as it goes.

use super::hparams::{HParamValue, SessionStatus};
use super::proto::google::protobuf as pb;
use super::proto::tensorboard::hparams as hp;
use super::proto::tensorboard::{
    DataType, Event, SourceMetadata, Summary, SummaryMetadata, TensorProto, TensorShapeProto,
    TextPluginData, event, summary, summary_metadata, tensor_shape_proto,
};
use super::record::append_record;
use crate::{Error, Result};
use prost::Message;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The start of every event file's name, as TensorBoard looks for them.
pub const EVENT_FILE_PREFIX: &str = "events.out.tfevents.";

/// Bytes of events held before they are written even without a
/// [`SummaryWriter::flush`].
const PENDING_LIMIT: usize = 1 << 20;

/// A clock giving the wall time of each event, in seconds since the Unix
/// epoch.
pub type Clock = Box<dyn FnMut() -> f64 + Send>;

/// An animated GIF to show in TensorBoard's Images dashboard (which
/// animates it), as `torch.utils.tensorboard`'s `add_video` writes clips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GifImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The GIF file's bytes.
    pub bytes: Vec<u8>,
}

/// Writes one TensorBoard event file, `events.out.tfevents.<secs>.<host>`,
/// in a run folder: scalars, text (markdown), animated GIFs and hparams.
///
/// Events are framed as TFRecords (see [`encode_record`](super::encode_record))
/// and kept in memory until [`flush`](Self::flush) (or 1 MiB of them), which
/// appends them all in one `write`: a process killed at any point leaves a
/// file that ends after a whole record, which TensorBoard's strict reader
/// accepts. The first record is the `file_version` event `brain.Event:2`,
/// written as the file is created. Dropping the writer flushes it (an error
/// then is logged).
///
/// ```
/// use gymrec::tensorboard::{SummaryWriter, read_records};
///
/// # fn main() -> gymrec::Result<()> {
/// let run = std::env::temp_dir().join(format!("gymrec-doc-tb-{}", std::process::id()));
/// let mut writer = SummaryWriter::create(&run)?;
/// writer.add_scalar("episode/return", 1, 21.0)?;
/// writer.add_text("notes", 1, "**first** episode")?;
/// writer.flush()?;
/// let records = read_records(writer.path())?;
/// assert_eq!(records.len(), 3); // file_version, scalar, text
/// # std::fs::remove_dir_all(&run).ok();
/// # Ok(())
/// # }
/// ```
pub struct SummaryWriter {
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    clock: Clock,
    events: u64,
    failed: bool,
}

impl std::fmt::Debug for SummaryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryWriter")
            .field("path", &self.path)
            .field("events", &self.events)
            .field("pending_bytes", &self.pending.len())
            .finish_non_exhaustive()
    }
}

/// Seconds since the Unix epoch, now.
fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// This machine's name for event file names (`localhost` when unknown),
/// with nothing in it that a file name cannot hold.
fn host_name() -> String {
    let name = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl SummaryWriter {
    /// Creates the run folder `run_dir` (and its parents) when missing and
    /// a new event file in it, stamped by the system clock.
    ///
    /// Errors with [`Error::EventFile`] (an [`std::io::Error`] as its
    /// source) when the folder or the file cannot be made or written.
    pub fn create(run_dir: impl AsRef<Path>) -> Result<Self> {
        Self::create_with_clock(run_dir, Box::new(now_secs))
    }

    /// [`create`](Self::create) with `clock` giving each event's wall time
    /// (for reproducible files).
    pub fn create_with_clock(run_dir: impl AsRef<Path>, mut clock: Clock) -> Result<Self> {
        let dir = run_dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::event_file(dir, "cannot create the run folder", e))?;
        let stem = format!(
            "{EVENT_FILE_PREFIX}{:010}.{}",
            clock().max(0.0) as u64,
            host_name()
        );
        let (path, file) = create_new(dir, &stem)?;
        log::debug!("{}: TensorBoard event file created", path.display());
        let mut writer = SummaryWriter {
            path,
            file,
            pending: Vec::new(),
            clock,
            events: 0,
            failed: false,
        };
        let wall_time = (writer.clock)();
        writer.push(Event {
            wall_time,
            step: 0,
            source_metadata: Some(SourceMetadata {
                writer: "gymrec".into(),
            }),
            what: Some(event::What::FileVersion("brain.Event:2".into())),
        })?;
        writer.flush()?;
        Ok(writer)
    }

    /// The event file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events written (or pending) so far, the file_version event included.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// A scalar at `step`, under `tag` (`/` groups tags into sections), as
    /// TensorBoard's Scalars dashboard reads them (`simple_value`, a 32-bit
    /// float).
    pub fn add_scalar(&mut self, tag: &str, step: u64, value: f64) -> Result<()> {
        self.add_value(
            step,
            summary::Value {
                tag: tag.into(),
                value: Some(summary::value::Value::SimpleValue(value as f32)),
                ..Default::default()
            },
        )
    }

    /// Markdown text at `step`, for TensorBoard's Text dashboard (tables,
    /// links and emphasis are rendered).
    pub fn add_text(&mut self, tag: &str, step: u64, markdown: &str) -> Result<()> {
        let tensor = TensorProto {
            dtype: DataType::DtString as i32,
            tensor_shape: Some(TensorShapeProto {
                dim: vec![tensor_shape_proto::Dim {
                    size: 1,
                    ..Default::default()
                }],
                ..Default::default()
            }),
            string_val: vec![markdown.as_bytes().to_vec()],
            ..Default::default()
        };
        let content = TextPluginData { version: 0 }.encode_to_vec();
        self.add_value(
            step,
            summary::Value {
                tag: tag.into(),
                metadata: Some(plugin_metadata("text", content)),
                value: Some(summary::value::Value::Tensor(tensor)),
                ..Default::default()
            },
        )
    }

    /// An animated GIF at `step`, for the Images dashboard (a
    /// `Summary.Image` whose `colorspace` is 3, RGB).
    pub fn add_gif(&mut self, tag: &str, step: u64, gif: &GifImage) -> Result<()> {
        let image = summary::Image {
            height: i32::try_from(gif.height).unwrap_or(i32::MAX),
            width: i32::try_from(gif.width).unwrap_or(i32::MAX),
            colorspace: 3,
            encoded_image_string: gif.bytes.clone(),
        };
        self.add_value(
            step,
            summary::Value {
                tag: tag.into(),
                value: Some(summary::value::Value::Image(image)),
                ..Default::default()
            },
        )
    }

    /// The hparams of this run, for TensorBoard's HParams dashboard: the
    /// experiment (every hparam's name and type, and the scalar tags in
    /// `metrics` as its metrics) and this run's session start with the
    /// values, as the hparams plugin's `experiment_pb` and
    /// `session_start_pb` write them. Call it once, before
    /// [`end_session`](Self::end_session).
    ///
    /// TensorBoard takes the experiment from one run of a logdir; runs of
    /// the same kind list the same hparams and metrics, so any one serves.
    pub fn add_hparams(
        &mut self,
        hparams: &BTreeMap<String, HParamValue>,
        metrics: &[&str],
    ) -> Result<()> {
        let now = (self.clock)();
        let experiment = hp::Experiment {
            time_created_secs: now,
            hparam_infos: hparams
                .iter()
                .map(|(name, value)| hp::HParamInfo {
                    name: name.clone(),
                    r#type: value.data_type() as i32,
                    ..Default::default()
                })
                .collect(),
            metric_infos: metrics
                .iter()
                .map(|tag| hp::MetricInfo {
                    name: Some(hp::MetricName {
                        group: String::new(),
                        tag: (*tag).into(),
                    }),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        self.add_hparams_data(hp::h_params_plugin_data::Data::Experiment(experiment))?;
        let start = hp::SessionStartInfo {
            hparams: hparams
                .iter()
                .map(|(name, value)| (name.clone(), value.to_proto()))
                .collect(),
            start_time_secs: now,
            ..Default::default()
        };
        self.add_hparams_data(hp::h_params_plugin_data::Data::SessionStartInfo(start))
    }

    /// The end of this run's hparams session, with its status.
    pub fn end_session(&mut self, status: SessionStatus) -> Result<()> {
        let end = hp::SessionEndInfo {
            status: status.to_proto() as i32,
            end_time_secs: (self.clock)(),
        };
        self.add_hparams_data(hp::h_params_plugin_data::Data::SessionEndInfo(end))
    }

    fn add_hparams_data(&mut self, data: hp::h_params_plugin_data::Data) -> Result<()> {
        let tag = match &data {
            hp::h_params_plugin_data::Data::Experiment(_) => "_hparams_/experiment",
            hp::h_params_plugin_data::Data::SessionStartInfo(_) => "_hparams_/session_start_info",
            hp::h_params_plugin_data::Data::SessionEndInfo(_) => "_hparams_/session_end_info",
        };
        let content = hp::HParamsPluginData {
            version: 0,
            data: Some(data),
        }
        .encode_to_vec();
        // The plugin's NULL_TENSOR: an empty float vector.
        let null = TensorProto {
            dtype: DataType::DtFloat as i32,
            tensor_shape: Some(TensorShapeProto {
                dim: vec![tensor_shape_proto::Dim::default()],
                ..Default::default()
            }),
            ..Default::default()
        };
        self.add_value(
            0,
            summary::Value {
                tag: tag.into(),
                metadata: Some(plugin_metadata("hparams", content)),
                value: Some(summary::value::Value::Tensor(null)),
                ..Default::default()
            },
        )
    }

    fn add_value(&mut self, step: u64, value: summary::Value) -> Result<()> {
        let wall_time = (self.clock)();
        self.push(Event {
            wall_time,
            step: i64::try_from(step).unwrap_or(i64::MAX),
            what: Some(event::What::Summary(Summary { value: vec![value] })),
            ..Default::default()
        })
    }

    fn push(&mut self, event: Event) -> Result<()> {
        append_record(&mut self.pending, &event.encode_to_vec());
        self.events += 1;
        if self.pending.len() >= PENDING_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends the pending events to the file in one `write` and flushes
    /// it to the operating system (not to the disk: no fsync).
    ///
    /// Errors with [`Error::EventFile`]; the events that could not be
    /// written are dropped, and later events are still written after the
    /// last whole record, so the file stays readable.
    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let written = self.file.write_all(&self.pending);
        self.pending.clear();
        if let Err(e) = written {
            self.failed = true;
            return Err(Error::event_file(&self.path, "cannot append events", e));
        }
        if self.failed {
            log::warn!(
                "{}: events written again after a failed write",
                self.path.display()
            );
            self.failed = false;
        }
        Ok(())
    }
}

impl Drop for SummaryWriter {
    fn drop(&mut self) {
        if let Err(err) = self.flush() {
            log::warn!("{err}");
        }
    }
}

/// `SummaryMetadata` naming a plugin and its content.
fn plugin_metadata(plugin: &str, content: Vec<u8>) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(summary_metadata::PluginData {
            plugin_name: plugin.into(),
            content,
        }),
        ..Default::default()
    }
}

/// Creates `dir/stem`, or `dir/stem.1`, `.2`, … when it exists (two
/// writers started in the same second on the same host).
fn create_new(dir: &Path, stem: &str) -> Result<(PathBuf, File)> {
    for n in 0..MAX_SAME_NAME {
        let name = if n == 0 {
            stem.to_string()
        } else {
            format!("{stem}.{n}")
        };
        let path = dir.join(name);
        match OpenOptions::new().append(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::event_file(&path, "cannot create the event file", e)),
        }
    }
    Err(Error::event_file(
        dir.join(stem),
        "cannot create the event file: that name and its numbered variants exist",
        std::io::Error::from(std::io::ErrorKind::AlreadyExists),
    ))
}

/// How many event files of one name (a second, a host) may be numbered.
const MAX_SAME_NAME: u32 = 10_000;

impl HParamValue {
    fn data_type(&self) -> hp::DataType {
        match self {
            HParamValue::Bool(_) => hp::DataType::Bool,
            HParamValue::Number(_) => hp::DataType::Float64,
            HParamValue::Text(_) => hp::DataType::String,
        }
    }

    fn to_proto(&self) -> pb::Value {
        let kind = match self {
            HParamValue::Bool(b) => pb::value::Kind::BoolValue(*b),
            HParamValue::Number(n) => pb::value::Kind::NumberValue(*n),
            HParamValue::Text(s) => pb::value::Kind::StringValue(s.clone()),
        };
        pb::Value { kind: Some(kind) }
    }
}

impl SessionStatus {
    fn to_proto(self) -> hp::Status {
        match self {
            SessionStatus::Success => hp::Status::Success,
            SessionStatus::Failure => hp::Status::Failure,
            SessionStatus::Running => hp::Status::Running,
        }
    }
}
