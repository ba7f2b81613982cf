//! [`read_events`]: what an event file holds, read back (for checks and
//! tools; TensorBoard itself is the viewer).

use super::proto::tensorboard::{Event, event, summary};
use super::record::read_records;
use crate::{Error, Result};
use prost::Message;
use std::path::Path;

/// One value of an event file, as [`read_events`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedValue {
    /// The event's wall time, seconds since the Unix epoch.
    pub wall_time: f64,
    /// The event's step.
    pub step: i64,
    /// The value's tag.
    pub tag: String,
    /// The value.
    pub value: Logged,
}

/// The kinds of value [`SummaryWriter`](super::SummaryWriter) writes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Logged {
    /// A scalar (`simple_value`).
    Scalar(f32),
    /// An encoded image: its size, channels and bytes (a GIF for clips).
    Image {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Channels (`colorspace`).
        channels: u32,
        /// The encoded file.
        bytes: Vec<u8>,
    },
    /// Text of the text plugin.
    Text(String),
    /// Data of another plugin (`hparams`), by plugin name.
    Plugin(String),
    /// Anything else.
    Other,
}

/// Every summary value of the event file at `path`, in order, after
/// checking every record as [`read_records`] does; the `file_version`
/// event is checked (`brain.Event:2`) and not returned.
///
/// Errors with [`Error::EventRecord`] for a corrupt record or an event
/// that does not decode, and when the first event is not `brain.Event:2`.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<LoggedValue>> {
    let path = path.as_ref();
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (i, record) in read_records(path)?.into_iter().enumerate() {
        let at = offset;
        offset += record.len() as u64 + 16;
        let bad = |what| Error::EventRecord {
            path: path.to_path_buf(),
            offset: at,
            what,
        };
        let event = Event::decode(record.as_slice()).map_err(|_| bad("not an Event message"))?;
        match event.what {
            Some(event::What::FileVersion(v)) if i == 0 && v == "brain.Event:2" => {}
            _ if i == 0 => return Err(bad("the first event is not file_version brain.Event:2")),
            Some(event::What::Summary(s)) => {
                for v in s.value {
                    out.push(LoggedValue {
                        wall_time: event.wall_time,
                        step: event.step,
                        value: logged(&v),
                        tag: v.tag,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn logged(v: &summary::Value) -> Logged {
    use summary::value::Value;
    let plugin = v
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .map(|p| p.plugin_name.clone());
    match (&v.value, plugin.as_deref()) {
        (Some(Value::SimpleValue(x)), _) => Logged::Scalar(*x),
        (Some(Value::Image(image)), _) => Logged::Image {
            width: u32::try_from(image.width).unwrap_or(0),
            height: u32::try_from(image.height).unwrap_or(0),
            channels: u32::try_from(image.colorspace).unwrap_or(0),
            bytes: image.encoded_image_string.clone(),
        },
        (Some(Value::Tensor(t)), Some("text")) => Logged::Text(
            t.string_val
                .first()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default(),
        ),
        (_, Some(name)) => Logged::Plugin(name.to_string()),
        _ => Logged::Other,
    }
}
