//! Hyperparameter values and session statuses for TensorBoard's HParams
//! dashboard ([`SummaryWriter::add_hparams`](super::SummaryWriter::add_hparams)).

use std::collections::BTreeMap;
use std::fmt;

/// One hyperparameter's value: the hparams plugin's three types.
#[derive(Debug, Clone, PartialEq)]
pub enum HParamValue {
    /// A flag (`DATA_TYPE_BOOL`).
    Bool(bool),
    /// A number (`DATA_TYPE_FLOAT64`).
    Number(f64),
    /// Text (`DATA_TYPE_STRING`).
    Text(String),
}

impl fmt::Display for HParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HParamValue::Bool(b) => write!(f, "{b}"),
            HParamValue::Number(n) => write!(f, "{n}"),
            HParamValue::Text(s) => f.write_str(s),
        }
    }
}

/// How a run's hparams session ended
/// ([`SummaryWriter::end_session`](super::SummaryWriter::end_session)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionStatus {
    /// It finished.
    Success,
    /// It stopped with an error.
    Failure,
    /// It is still going (a run that ended without saying).
    Running,
}

/// The scalars of a JSON settings object as hparams, keyed by their path
/// (`train.episodes`, `agent.population`): booleans, numbers and strings
/// as themselves, lists as their JSON text; nulls are left out.
///
/// ```
/// use gymrec::tensorboard::{HParamValue, hparams_from_json};
///
/// let settings = serde_json::json!({"train": {"episodes": 40, "seed": null}, "tags": ["a", "b"]});
/// let hparams = hparams_from_json(&settings);
/// assert_eq!(hparams["train.episodes"], HParamValue::Number(40.0));
/// assert_eq!(hparams["tags"], HParamValue::Text(r#"["a","b"]"#.into()));
/// assert!(!hparams.contains_key("train.seed"));
/// ```
pub fn hparams_from_json(settings: &serde_json::Value) -> BTreeMap<String, HParamValue> {
    let mut out = BTreeMap::new();
    flatten(settings, String::new(), &mut out);
    out
}

fn flatten(value: &serde_json::Value, path: String, out: &mut BTreeMap<String, HParamValue>) {
    use serde_json::Value;
    let value = match value {
        Value::Null => return,
        Value::Bool(b) => HParamValue::Bool(*b),
        Value::Number(n) => match n.as_f64() {
            Some(n) => HParamValue::Number(n),
            None => HParamValue::Text(n.to_string()),
        },
        Value::String(s) => HParamValue::Text(s.clone()),
        Value::Array(_) => HParamValue::Text(value.to_string()),
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(inner, path, out);
            }
            return;
        }
    };
    let path = if path.is_empty() {
        "value".into()
    } else {
        path
    };
    out.insert(path, value);
}
