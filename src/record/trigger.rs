//! Triggers: the closures that decide which episodes or steps start a video.
//!
//! A [`Trigger`] is a boxed `FnMut(u64) -> bool + Send` called with an
//! episode id (episode triggers) or a step id (step triggers), both counting
//! from 0 as in Gymnasium. [`TriggerSpec`] parses the command line's
//! `--trigger` values.
//!
//! ```
//! use gymrec::record::Trigger;
//!
//! let mut cubic = Trigger::capped_cubic();
//! let fired: Vec<u64> = (0..30).filter(|&e| cubic.fires(e)).collect();
//! assert_eq!(fired, [0, 1, 8, 27]);
//!
//! let mut custom = Trigger::new(|episode| episode % 10 == 3);
//! assert!(custom.fires(13));
//! ```

use crate::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// Decides, from an episode or step id, whether a video starts there.
pub struct Trigger {
    f: Box<dyn FnMut(u64) -> Result<bool> + Send>,
    kind: String,
}

impl Trigger {
    /// A trigger from any closure.
    pub fn new(mut f: impl FnMut(u64) -> bool + Send + 'static) -> Self {
        Trigger::try_new(move |id| Ok(f(id)))
    }

    /// A trigger from a closure that can fail (a binding calling into
    /// another language, a schedule read from a file). Its error is
    /// returned by the recorder's event that asked it
    /// ([`Recorder::begin_episode`](super::Recorder::begin_episode),
    /// [`Recorder::step`](super::Recorder::step)); the wrappers put it in
    /// their report. A failing trigger counts as not firing.
    ///
    /// ```
    /// use gymrec::record::Trigger;
    ///
    /// let mut trigger = Trigger::try_new(|episode| {
    ///     if episode > 2 {
    ///         return Err(gymrec::Error::io("schedule.txt", std::io::ErrorKind::NotFound.into()));
    ///     }
    ///     Ok(episode % 2 == 0)
    /// });
    /// assert!(trigger.try_fires(0)?);
    /// assert!(trigger.try_fires(3).is_err());
    /// # Ok::<(), gymrec::Error>(())
    /// ```
    pub fn try_new(f: impl FnMut(u64) -> Result<bool> + Send + 'static) -> Self {
        Trigger {
            f: Box::new(f),
            kind: "custom".to_string(),
        }
    }

    /// Gymnasium's default `capped_cubic_video_schedule`: the perfect cubes
    /// 0, 1, 8, 27, …, 729 below 1000, then every 1000th id.
    pub fn capped_cubic() -> Self {
        Trigger::new(capped_cubic_video_schedule).named("cubic")
    }

    /// Fires on every `n`th id: 0, n, 2n, …. `n` must be at least 1.
    pub fn every(n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::OutOfRange {
                setting: crate::Setting::TriggerEvery,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        Ok(Trigger::new(move |id| id % n == 0).named(format!("every:{n}")))
    }

    /// Fires on every id.
    pub fn always() -> Self {
        Trigger::new(|_| true).named("all")
    }

    /// Never fires.
    pub fn never() -> Self {
        Trigger::new(|_| false).named("none")
    }

    /// Gives the trigger a short description, shown in logs and metadata.
    pub fn named(mut self, kind: impl Into<String>) -> Self {
        self.kind = kind.into();
        self
    }

    /// The description: `cubic`, `all`, `none`, `every:N`, `steps:N`, or
    /// `custom` for closures that were not named.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Asks the trigger about `id`; a failing trigger (see
    /// [`try_new`](Self::try_new)) logs its error and does not fire.
    pub fn fires(&mut self, id: u64) -> bool {
        self.try_fires(id).unwrap_or_else(|err| {
            log::warn!("trigger {} failed at id {id}: {err}", self.kind);
            false
        })
    }

    /// Asks the trigger about `id`, passing on its error.
    pub fn try_fires(&mut self, id: u64) -> Result<bool> {
        (self.f)(id)
    }
}

impl fmt::Debug for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Trigger").field(&self.kind).finish()
    }
}

/// Gymnasium's `capped_cubic_video_schedule`: true for the perfect cubes
/// below 1000 and for every multiple of 1000.
///
/// ```
/// use gymrec::record::trigger::capped_cubic_video_schedule as cubic;
/// assert!(cubic(0) && cubic(1) && cubic(8) && cubic(729) && cubic(1000) && cubic(2000));
/// assert!(!cubic(2) && !cubic(999) && !cubic(1001));
/// ```
pub fn capped_cubic_video_schedule(id: u64) -> bool {
    if id < 1000 {
        (0..10u64).any(|k| k * k * k == id)
    } else {
        id % 1000 == 0
    }
}

/// Which ids a trigger counts, and so which trigger of the wrapper it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerTarget {
    /// Called with episode ids at each reset.
    Episode,
    /// Called with step ids at each step.
    Step,
}

/// A trigger described in text, as the command line's `--trigger` takes it.
///
/// | text | meaning |
/// |---|---|
/// | `cubic` | episodes 0, 1, 8, 27, …, 729, 1000, 2000, … (the default) |
/// | `all` | every episode |
/// | `none` | no episode |
/// | `every:N` | every Nth episode: 0, N, 2N, … |
/// | `steps:N` | a video starting every N steps: steps 0, N, 2N, … |
///
/// ```
/// use gymrec::record::{TriggerSpec, TriggerTarget};
///
/// let spec: TriggerSpec = "every:5".parse().unwrap();
/// assert_eq!(spec, TriggerSpec::Every(5));
/// assert_eq!(spec.target(), TriggerTarget::Episode);
/// assert!("every:0".parse::<TriggerSpec>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TriggerSpec {
    /// Gymnasium's capped cubic schedule over episodes.
    #[default]
    Cubic,
    /// Every episode.
    All,
    /// No episode.
    None,
    /// Every Nth episode.
    Every(u64),
    /// A video starting every N steps.
    Steps(u64),
}

impl TriggerSpec {
    /// Whether the trigger counts episodes or steps.
    pub fn target(self) -> TriggerTarget {
        match self {
            TriggerSpec::Steps(_) => TriggerTarget::Step,
            _ => TriggerTarget::Episode,
        }
    }

    /// The trigger this text describes.
    pub fn to_trigger(self) -> Result<Trigger> {
        Ok(match self {
            TriggerSpec::Cubic => Trigger::capped_cubic(),
            TriggerSpec::All => Trigger::always(),
            TriggerSpec::None => Trigger::never(),
            TriggerSpec::Every(n) => Trigger::every(n)?,
            TriggerSpec::Steps(n) => Trigger::every(n)?.named(format!("steps:{n}")),
        })
    }
}

impl fmt::Display for TriggerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriggerSpec::Cubic => f.write_str("cubic"),
            TriggerSpec::All => f.write_str("all"),
            TriggerSpec::None => f.write_str("none"),
            TriggerSpec::Every(n) => write!(f, "every:{n}"),
            TriggerSpec::Steps(n) => write!(f, "steps:{n}"),
        }
    }
}

impl FromStr for TriggerSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = |problem: &'static str| Error::InvalidTrigger {
            text: text.to_string(),
            problem,
        };
        let text_lc = text.trim().to_ascii_lowercase();
        let count = |n: &str| -> Result<u64> {
            match n.trim().parse::<u64>() {
                Ok(0) => Err(bad("N must be at least 1")),
                Ok(n) => Ok(n),
                Err(_) => Err(bad("N is not a whole number")),
            }
        };
        match text_lc.split_once(':') {
            None => match text_lc.as_str() {
                "cubic" => Ok(TriggerSpec::Cubic),
                "all" => Ok(TriggerSpec::All),
                "none" => Ok(TriggerSpec::None),
                _ => Err(bad("unknown trigger")),
            },
            Some(("every", n)) => Ok(TriggerSpec::Every(count(n)?)),
            Some(("steps", n)) => Ok(TriggerSpec::Steps(count(n)?)),
            Some(_) => Err(bad("unknown trigger")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_matches_gymnasium_schedule() {
        let fired: Vec<u64> = (0..3001)
            .filter(|&e| capped_cubic_video_schedule(e))
            .collect();
        assert_eq!(
            fired,
            [0, 1, 8, 27, 64, 125, 216, 343, 512, 729, 1000, 2000, 3000]
        );
    }

    #[test]
    fn parser_accepts_every_form_and_round_trips() {
        for (text, spec) in [
            ("cubic", TriggerSpec::Cubic),
            ("ALL", TriggerSpec::All),
            ("none", TriggerSpec::None),
            ("every:3", TriggerSpec::Every(3)),
            ("steps:250", TriggerSpec::Steps(250)),
            (" every: 7 ", TriggerSpec::Every(7)),
        ] {
            assert_eq!(text.parse::<TriggerSpec>().unwrap(), spec, "{text}");
            assert_eq!(spec.to_string().parse::<TriggerSpec>().unwrap(), spec);
        }
    }

    #[test]
    fn parser_errors_name_the_input_and_the_forms() {
        for text in [
            "",
            "cube",
            "every",
            "every:",
            "every:0",
            "every:-1",
            "steps:x",
            "all:2",
            "every:1.5",
        ] {
            let err = text.parse::<TriggerSpec>().unwrap_err().to_string();
            assert!(err.contains(&format!("{text:?}")), "{err}");
            assert!(err.contains("every:N"), "{err}");
        }
    }

    #[test]
    fn built_in_triggers_fire_where_documented() {
        let mut every = TriggerSpec::Every(4).to_trigger().unwrap();
        let fired: Vec<u64> = (0..13).filter(|&e| every.fires(e)).collect();
        assert_eq!(fired, [0, 4, 8, 12]);
        assert_eq!(every.kind(), "every:4");
        assert!((0..100).all(|e| Trigger::always().fires(e)));
        assert!((0..100).all(|e| !Trigger::never().fires(e)));
        assert_eq!(
            TriggerSpec::Steps(5).to_trigger().unwrap().kind(),
            "steps:5"
        );
        assert!(Trigger::every(0).is_err());
    }

    #[test]
    fn errors_are_typed() {
        let err = Trigger::every(0).err().unwrap();
        assert!(
            matches!(&err, Error::OutOfRange { setting: crate::Setting::TriggerEvery, value: 0, allowed, .. }
                if *allowed.start() == 1),
            "{err:?}"
        );
        assert!(err.to_string().contains("every(n) needs n >= 1"), "{err}");
        for (text, expected) in [
            ("cube", "unknown trigger"),
            ("all:2", "unknown trigger"),
            ("every:0", "N must be at least 1"),
            ("steps:x", "N is not a whole number"),
        ] {
            let err = text.parse::<TriggerSpec>().unwrap_err();
            assert!(
                matches!(&err, Error::InvalidTrigger { text: t, problem } if t == text && *problem == expected),
                "{err:?}"
            );
            assert!(err.to_string().contains("every:N"), "{err}");
        }
    }
}
