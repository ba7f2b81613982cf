//! Keep rules for Python: [`PyKeep`] describes a gymrec [`Keep`] and
//! builds a fresh one for each recorder; [`PyEpisodeEnd`] is what a
//! Python `when` predicate and `name_suffix` see; [`info_of`] converts a
//! Python info dict into gymrec's JSON [`Info`].

use gymrec::env::Info;
use gymrec::record::{EpisodeEnd, Keep, Success};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// The first exception a Python keep predicate or name suffix raised,
/// shared by the closures given to the recorder and the recorder that
/// raises it from its next call.
pub type Raised = Arc<Mutex<Option<PyErr>>>;

/// Keeps the first exception of a callable the recorder called.
fn raise_later(raised: &Raised, err: PyErr) {
    let mut slot = raised.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_none() {
        *slot = Some(err);
    }
}

/// What a rule is, kept so that every recorder (and a copy's) gets a
/// fresh [`Keep`] with its own windows.
enum Spec {
    When(Py<PyAny>),
    Outcome { success: Success, want: bool },
    Rank { best: bool, n: usize, every: u64 },
    Any(Vec<Py<PyKeep>>),
    All(Vec<Py<PyKeep>>),
}

/// A keep rule (`gymrec.keep`): which recorded videos are kept, decided
/// as their episodes end by gymrec's Rust recorder. Made by the functions
/// of `gymrec.keep`; `named(label)` gives the label kept names end with.
#[pyclass(module = "gymrec._native", name = "Keep", frozen)]
pub struct PyKeep {
    spec: Spec,
    label: Option<String>,
}

impl PyKeep {
    /// A fresh gymrec rule; a `when` predicate's exception goes to
    /// `raised` (and the episode is kept).
    pub fn build(&self, py: Python<'_>, raised: &Raised) -> Keep {
        let keep = match &self.spec {
            Spec::When(callable) => {
                let callable = callable.clone_ref(py);
                let raised = Arc::clone(raised);
                Keep::when(move |end| {
                    Python::attach(|py| {
                        let called = Py::new(py, PyEpisodeEnd::from(end))
                            .and_then(|end| callable.bind(py).call1((end,)))
                            .and_then(|kept| kept.is_truthy());
                        called.unwrap_or_else(|err| {
                            raise_later(&raised, err);
                            true
                        })
                    })
                })
            }
            Spec::Outcome { success, want } => {
                if *want {
                    Keep::successes(success.clone())
                } else {
                    Keep::failures(success.clone())
                }
            }
            Spec::Rank { best, n, every } => {
                if *best {
                    Keep::best(*n, *every)
                } else {
                    Keep::worst(*n, *every)
                }
            }
            Spec::Any(rules) => Keep::any(rules.iter().map(|r| r.get().build(py, raised))),
            Spec::All(rules) => Keep::all(rules.iter().map(|r| r.get().build(py, raised))),
        };
        match &self.label {
            Some(label) => keep.named(label),
            None => keep,
        }
    }

    fn new(spec: Spec) -> Self {
        PyKeep { spec, label: None }
    }

    fn describe(&self, py: Python<'_>) -> String {
        let list = |rules: &[Py<PyKeep>]| {
            rules
                .iter()
                .map(|r| r.get().describe(py))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let rule = match &self.spec {
            Spec::When(callable) => format!(
                "when({})",
                callable
                    .bind(py)
                    .repr()
                    .map_or_else(|_| "?".to_string(), |r| r.to_string())
            ),
            Spec::Outcome { success, want } => format!(
                "{}(success={})",
                if *want { "successes" } else { "failures" },
                success_repr(success)
            ),
            Spec::Rank { best, n, every } => format!(
                "{}({n}, every={every})",
                if *best { "best" } else { "worst" }
            ),
            Spec::Any(rules) => format!("any_of({})", list(rules)),
            Spec::All(rules) => format!("all_of({})", list(rules)),
        };
        match &self.label {
            Some(label) => format!("{rule}.named({label:?})"),
            None => rule,
        }
    }
}

/// How `success=` reads back.
fn success_repr(success: &Success) -> String {
    match success {
        Success::ReturnAtLeast(bar) => format!("{bar:?}"),
        Success::Terminated => "\"terminated\"".into(),
        Success::Truncated => "\"truncated\"".into(),
        _ => "\"is_success\"".into(),
    }
}

/// `success=` as gymrec's [`Success`]: `"is_success"`, `"terminated"`,
/// `"truncated"` or a number (a return threshold).
fn success_of(success: &Bound<'_, PyAny>) -> PyResult<Success> {
    if let Ok(name) = success.cast::<PyString>() {
        return match &*name.to_cow()? {
            "is_success" => Ok(Success::InfoFlag),
            "terminated" => Ok(Success::Terminated),
            "truncated" => Ok(Success::Truncated),
            _ => Err(PyValueError::new_err(format!(
                "gymrec: success={}; use \"is_success\" (the last info's flag), \
                 \"terminated\", \"truncated\" or a number (a return of at least it)",
                repr(success)
            ))),
        };
    }
    if !success.is_instance_of::<PyBool>()
        && (success.is_instance_of::<PyInt>() || success.is_instance_of::<PyFloat>())
    {
        let bar: f64 = success.extract()?;
        if bar.is_nan() {
            return Err(PyValueError::new_err(
                "gymrec: success=nan; a return threshold must be a number",
            ));
        }
        return Ok(Success::ReturnAtLeast(bar));
    }
    Err(PyTypeError::new_err(format!(
        "gymrec: success={} ({}); use \"is_success\", \"terminated\", \"truncated\" or a \
         number (a return of at least it)",
        repr(success),
        type_name(success)
    )))
}

/// A count argument at least 1, or a `ValueError` naming it.
fn positive(what: &str, value: i64) -> PyResult<u64> {
    u64::try_from(value)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| {
            PyValueError::new_err(format!("gymrec: {what}={value}; it must be at least 1"))
        })
}

/// `repr(value)`, or `?` when it raises.
pub fn repr(value: &Bound<'_, PyAny>) -> String {
    value
        .repr()
        .map_or_else(|_| "?".to_string(), |r| r.to_string())
}

/// The name of `value`'s type.
pub fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// The rules of `any_of` / `all_of`, each a `Keep`.
fn rules_of(which: &str, rules: &Bound<'_, PyTuple>) -> PyResult<Vec<Py<PyKeep>>> {
    if rules.is_empty() {
        return Err(PyValueError::new_err(format!(
            "gymrec: {which}() needs at least one rule, such as gymrec.keep.failures()"
        )));
    }
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            rule.cast_into::<PyKeep>()
                .map(Bound::unbind)
                .map_err(|err| {
                    let rule = err.into_inner();
                    PyTypeError::new_err(format!(
                        "gymrec: {which}()'s rule {i} is {} ({}); use the rules of gymrec.keep",
                        repr(&rule),
                        type_name(&rule)
                    ))
                })
        })
        .collect()
}

#[pymethods]
impl PyKeep {
    /// Keeps the episodes that are not a success (`success`: see
    /// `gymrec.keep.failures`; `None` is `"is_success"`); label `failure`.
    #[staticmethod]
    #[pyo3(signature = (success=None))]
    fn failures(success: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        Self::outcome(success, false)
    }

    /// Keeps the episodes that are a success; label `success`.
    #[staticmethod]
    #[pyo3(signature = (success=None))]
    fn successes(success: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        Self::outcome(success, true)
    }

    /// Keeps the `n` highest returns of each window of `every` episodes;
    /// label `best`.
    #[staticmethod]
    fn best(n: i64, every: i64) -> PyResult<Self> {
        Self::rank(true, n, every)
    }

    /// Keeps the `n` lowest returns of each window of `every` episodes;
    /// label `worst`.
    #[staticmethod]
    fn worst(n: i64, every: i64) -> PyResult<Self> {
        Self::rank(false, n, every)
    }

    /// Keeps an episode any of `rules` keeps.
    #[staticmethod]
    #[pyo3(signature = (*rules))]
    fn any_of(rules: &Bound<'_, PyTuple>) -> PyResult<Self> {
        Ok(PyKeep::new(Spec::Any(rules_of("any_of", rules)?)))
    }

    /// Keeps an episode every one of `rules` keeps.
    #[staticmethod]
    #[pyo3(signature = (*rules))]
    fn all_of(rules: &Bound<'_, PyTuple>) -> PyResult<Self> {
        Ok(PyKeep::new(Spec::All(rules_of("all_of", rules)?)))
    }

    /// Keeps the episodes `predicate(end)` is true for (an `EpisodeEnd`).
    #[staticmethod]
    fn when(predicate: Bound<'_, PyAny>) -> PyResult<Self> {
        if !predicate.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "gymrec: when() takes a callable, f(end) -> bool, not {} ({})",
                repr(&predicate),
                type_name(&predicate)
            )));
        }
        Ok(PyKeep::new(Spec::When(predicate.unbind())))
    }

    /// This rule with `label` as the label kept names end with (ASCII
    /// letters, digits and `_`, at most 64).
    fn named(&self, py: Python<'_>, label: String) -> PyResult<Self> {
        if !is_valid_label(&label) {
            return Err(PyValueError::new_err(format!(
                "gymrec: named({}): a label goes into file names; use ASCII letters, digits \
                 and _ (at most 64)",
                repr(PyString::new(py, &label).as_any())
            )));
        }
        let mut copy = self.named_none(py)?;
        copy.label = Some(label);
        Ok(copy)
    }

    /// The label given by `named`, else `None` (the built-ins' own labels
    /// are `failure`, `success`, `best` and `worst`).
    #[getter]
    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("gymrec.keep.{}", self.describe(py))
    }

    /// Pickles (and copies) as the calls that made it.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let success = |success: &Success| -> PyResult<Bound<'py, PyAny>> {
            Ok(match success {
                Success::ReturnAtLeast(bar) => bar.into_pyobject(py)?.into_any(),
                Success::Terminated => PyString::new(py, "terminated").into_any(),
                Success::Truncated => PyString::new(py, "truncated").into_any(),
                _ => PyString::new(py, "is_success").into_any(),
            })
        };
        let (kind, args) = match &self.spec {
            Spec::When(callable) => ("when", PyTuple::new(py, [callable.bind(py)])?),
            Spec::Outcome { success: s, want } => (
                if *want { "successes" } else { "failures" },
                PyTuple::new(py, [success(s)?])?,
            ),
            Spec::Rank { best, n, every } => (
                if *best { "best" } else { "worst" },
                (*n, *every).into_pyobject(py)?,
            ),
            Spec::Any(rules) => ("any_of", PyTuple::new(py, rules)?),
            Spec::All(rules) => ("all_of", PyTuple::new(py, rules)?),
        };
        let restore = py.get_type::<PyKeep>().getattr("_restore")?;
        Ok((restore, (kind, args, self.label.clone()).into_pyobject(py)?))
    }

    /// The rule `__reduce__` described: `kind` is the name of the
    /// staticmethod that made it, `args` its arguments, `label` its label.
    #[staticmethod]
    fn _restore(
        py: Python<'_>,
        kind: &str,
        args: &Bound<'_, PyTuple>,
        label: Option<String>,
    ) -> PyResult<Self> {
        let made = py
            .get_type::<PyKeep>()
            .getattr(kind)?
            .call1(args)?
            .cast_into::<PyKeep>()?;
        let made = made.get();
        match label {
            Some(label) => made.named(py, label),
            None => made.named_none(py),
        }
    }
}

impl PyKeep {
    /// A copy of this rule without a label.
    fn named_none(&self, py: Python<'_>) -> PyResult<Self> {
        let spec = match &self.spec {
            Spec::When(callable) => Spec::When(callable.clone_ref(py)),
            Spec::Outcome { success, want } => Spec::Outcome {
                success: success.clone(),
                want: *want,
            },
            Spec::Rank { best, n, every } => Spec::Rank {
                best: *best,
                n: *n,
                every: *every,
            },
            Spec::Any(rules) => Spec::Any(rules.iter().map(|r| r.clone_ref(py)).collect()),
            Spec::All(rules) => Spec::All(rules.iter().map(|r| r.clone_ref(py)).collect()),
        };
        Ok(PyKeep { spec, label: None })
    }

    fn outcome(success: Option<Bound<'_, PyAny>>, want: bool) -> PyResult<Self> {
        let success = match success {
            None => Success::InfoFlag,
            Some(success) => success_of(&success)?,
        };
        Ok(PyKeep::new(Spec::Outcome { success, want }))
    }

    fn rank(best: bool, n: i64, every: i64) -> PyResult<Self> {
        let n = usize::try_from(positive("n", n)?).unwrap_or(usize::MAX);
        let every = positive("every", every)?;
        Ok(PyKeep::new(Spec::Rank { best, n, every }))
    }
}

/// Whether `label` may go into a file name (gymrec's rule for suffixes).
fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 64
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A finished episode, as a `when` predicate and `name_suffix` see it.
#[pyclass(module = "gymrec._native", name = "EpisodeEnd", frozen)]
pub struct PyEpisodeEnd {
    end: EpisodeEnd,
}

impl From<&EpisodeEnd> for PyEpisodeEnd {
    fn from(end: &EpisodeEnd) -> Self {
        PyEpisodeEnd { end: end.clone() }
    }
}

#[pymethods]
impl PyEpisodeEnd {
    /// The episode id (counting resets from 0).
    #[getter]
    fn id(&self) -> u64 {
        self.end.id
    }

    /// The sum of its rewards (its return).
    #[getter]
    fn ret(&self) -> f64 {
        self.end.ret
    }

    /// Its steps.
    #[getter]
    fn length(&self) -> u64 {
        self.end.length
    }

    /// It reached a terminal state.
    #[getter]
    fn terminated(&self) -> bool {
        self.end.terminated
    }

    /// It was cut short (a time limit).
    #[getter]
    fn truncated(&self) -> bool {
        self.end.truncated
    }

    /// The JSON-able part of its last step's info (a new dict each read).
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in &self.end.info {
            dict.set_item(key, python_of(py, value)?)?;
        }
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let e = &self.end;
        format!(
            "EpisodeEnd(id={}, ret={:?}, length={}, terminated={}, truncated={}, info={})",
            e.id,
            e.ret,
            e.length,
            if e.terminated { "True" } else { "False" },
            if e.truncated { "True" } else { "False" },
            Value::Object(e.info.clone())
        )
    }
}

/// A JSON value as a Python object.
fn python_of<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => PyList::new(
            py,
            items
                .iter()
                .map(|v| python_of(py, v))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any(),
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, value) in map {
                dict.set_item(key, python_of(py, value)?)?;
            }
            dict.into_any()
        }
    })
}

/// How deep nested dicts and lists of an info are read.
const MAX_DEPTH: usize = 16;

/// The JSON-able part of a Python info dict: `None`, bools, ints, finite
/// floats, strings, lists and tuples of them, dicts with string keys, and
/// whatever has a `tolist()` giving them (numpy scalars and arrays);
/// other entries are skipped (a list is skipped whole when an item is
/// not JSON-able). Not a dict: an empty info.
pub fn info_of(info: &Bound<'_, PyAny>) -> Info {
    let Ok(dict) = info.cast::<PyDict>() else {
        return Info::new();
    };
    object_of(dict, 0)
}

fn object_of(dict: &Bound<'_, PyDict>, depth: usize) -> Info {
    dict.iter()
        .filter_map(|(key, value)| {
            let key = key.cast::<PyString>().ok()?.to_cow().ok()?.into_owned();
            Some((key, json_of(&value, depth + 1)?))
        })
        .collect()
}

fn json_of(value: &Bound<'_, PyAny>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if value.is_none() {
        return Some(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Some(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = value.extract::<u64>() {
            return Some(u.into());
        }
        return value
            .extract::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value()).map(Value::Number);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return s.to_cow().ok().map(|s| Value::String(s.into_owned()));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        return Some(Value::Object(object_of(dict, depth)));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        return value
            .try_iter()
            .ok()?
            .map(|item| json_of(&item.ok()?, depth + 1))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array);
    }
    // numpy scalars and arrays (and tensors): their Python values.
    let plain = value.call_method0("tolist").ok()?;
    let builtin = plain.is_none()
        || plain.is_instance_of::<PyBool>()
        || plain.is_instance_of::<PyInt>()
        || plain.is_instance_of::<PyFloat>()
        || plain.is_instance_of::<PyString>()
        || plain.is_instance_of::<PyList>();
    if builtin {
        json_of(&plain, depth + 1)
    } else {
        None
    }
}

/// A Python `name_suffix(ends) -> str | None` as gymrec's name suffix; its
/// exception goes to `raised` (and the video keeps its plain name).
pub fn name_suffix(
    callable: Py<PyAny>,
    raised: Raised,
) -> impl FnMut(&[EpisodeEnd]) -> Option<String> + Send + 'static {
    move |ends| {
        Python::attach(|py| {
            let called = ends
                .iter()
                .map(|end| Py::new(py, PyEpisodeEnd::from(end)))
                .collect::<PyResult<Vec<_>>>()
                .and_then(|ends| callable.bind(py).call1((ends,)))
                .and_then(|suffix| suffix.extract::<Option<String>>());
            called.unwrap_or_else(|err| {
                raise_later(&raised, err);
                None
            })
        })
    }
}
