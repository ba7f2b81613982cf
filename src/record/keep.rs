//! Keep rules: which videos are kept, decided once their episodes end
//! ([`RecordingConfig::keep`](super::RecordingConfig::keep)); see [`Keep`].

use crate::env::Info;
use std::collections::BTreeMap;
use std::fmt;

/// A finished episode, as keep rules and name suffixes see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeEnd {
    /// The episode id (counting resets from 0).
    pub id: u64,
    /// The sum of its rewards.
    pub ret: f64,
    /// Its steps.
    pub length: u64,
    /// It reached a terminal state.
    pub terminated: bool,
    /// It was cut short (a time limit).
    pub truncated: bool,
    /// The info of its last step (empty when the source gave none, as
    /// [`Recorder::step`](super::Recorder::step) does).
    pub info: Info,
}

/// What counts as a success, for [`Keep::failures`] and
/// [`Keep::successes`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Success {
    /// The last info's `is_success` is `true` or a non-zero number
    /// (Gymnasium-Robotics', Stable-Baselines3's convention).
    InfoFlag,
    /// The return is at least this.
    ReturnAtLeast(f64),
    /// The episode reached a terminal state (a goal: MountainCar).
    Terminated,
    /// The episode was cut short by a time limit without terminating
    /// (it survived: CartPole).
    Truncated,
}

impl Success {
    /// Whether `end` is a success.
    pub fn of(&self, end: &EpisodeEnd) -> bool {
        match self {
            Success::InfoFlag => match end.info.get("is_success") {
                Some(serde_json::Value::Bool(b)) => *b,
                Some(serde_json::Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0),
                _ => false,
            },
            Success::ReturnAtLeast(bar) => end.ret >= *bar,
            Success::Terminated => end.terminated,
            Success::Truncated => end.truncated && !end.terminated,
        }
    }
}

/// A rule's judgement of an episode or a video.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Kept, with the rule's label (`failure`, `best`, …) when it has one.
    Keep(Option<String>),
    Drop,
    /// Not decided until the episode's window is over.
    Wait,
}

/// A predicate on finished episodes.
type Predicate = Box<dyn FnMut(&EpisodeEnd) -> bool + Send>;

enum Rule {
    When(Predicate),
    Outcome { success: Success, want: bool },
    Rank(Rank),
    Any(Vec<Keep>),
    All(Vec<Keep>),
}

/// The best or worst `n` returns of each window of `every` episodes.
struct Rank {
    best: bool,
    n: usize,
    every: u64,
    /// Finished episodes (id, return) by window.
    windows: BTreeMap<u64, Vec<(u64, f64)>>,
    /// Windows below this are over.
    over_below: u64,
}

impl Rank {
    fn window(&self, id: u64) -> u64 {
        id / self.every
    }

    fn verdict(&self, end: &EpisodeEnd) -> Verdict {
        let w = self.window(end.id);
        if w >= self.over_below {
            return Verdict::Wait;
        }
        let mut ranked = self.windows.get(&w).cloned().unwrap_or_default();
        ranked.sort_by(|a, b| {
            let order = a.1.total_cmp(&b.1);
            let order = if self.best { order.reverse() } else { order };
            order.then(a.0.cmp(&b.0))
        });
        if ranked.iter().take(self.n).any(|(id, _)| *id == end.id) {
            Verdict::Keep(Some(if self.best { "best" } else { "worst" }.into()))
        } else {
            Verdict::Drop
        }
    }
}

/// A keep rule ([`RecordingConfig::keep`](super::RecordingConfig::keep)):
/// built-ins, a predicate of your own, and their combinations.
///
/// A rule judges each episode that ends at a step ([`EpisodeEnd`]): keep
/// it, drop it, or, for [`Keep::best`] and [`Keep::worst`], wait until its
/// window of episodes is over. A video is kept when any episode that ends
/// in it is kept, and dropped when every such episode is dropped (a video
/// in which no episode ends is dropped). The decision is made before the
/// video gets its final name, and nothing (sidecar, index, gallery,
/// TensorBoard, trackers, the report) hears of a dropped one. A video of
/// snapshots is held as snapshots and drawn and encoded only when kept; a
/// video of frames is encoded as it records, then deleted under its working
/// name when dropped (see [`RecordingConfig::keep`](super::RecordingConfig::keep)).
/// Videos waiting for their window wait as held snapshots, or on disk
/// under their working names.
///
/// ```
/// use gymrec::record::{Keep, RecordingConfig, Success};
/// // CartPole: an episode truncated by the time limit balanced the pole.
/// let config = RecordingConfig::new("videos")
///     .keep(Keep::any([Keep::failures(Success::Truncated), Keep::best(1, 100)]))
///     .outcome_in_name(true); // rl-video-episode-7-failure.mp4, rl-video-episode-42-best.mp4
/// ```
pub struct Keep {
    rule: Rule,
    label: Option<String>,
}

impl fmt::Debug for Keep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = match &self.rule {
            Rule::When(_) => "when".to_string(),
            Rule::Outcome { success, want } => {
                format!(
                    "{}({success:?})",
                    if *want { "successes" } else { "failures" }
                )
            }
            Rule::Rank(r) => format!(
                "{}({}, every {})",
                if r.best { "best" } else { "worst" },
                r.n,
                r.every
            ),
            Rule::Any(rules) => format!("any{rules:?}"),
            Rule::All(rules) => format!("all{rules:?}"),
        };
        f.debug_struct("Keep")
            .field("rule", &rule)
            .field("label", &self.label)
            .finish()
    }
}

impl Keep {
    fn new(rule: Rule) -> Self {
        Keep { rule, label: None }
    }

    /// Keeps the episodes `keep` accepts (no label unless
    /// [`named`](Self::named)).
    ///
    /// ```
    /// use gymrec::record::Keep;
    /// let long = Keep::when(|end| end.length >= 500).named("long");
    /// ```
    pub fn when(keep: impl FnMut(&EpisodeEnd) -> bool + Send + 'static) -> Self {
        Keep::new(Rule::When(Box::new(keep)))
    }

    /// Keeps the episodes that are not a success; label `failure`.
    pub fn failures(success: Success) -> Self {
        Keep::new(Rule::Outcome {
            success,
            want: false,
        })
    }

    /// Keeps the episodes that are a success; label `success`.
    pub fn successes(success: Success) -> Self {
        Keep::new(Rule::Outcome {
            success,
            want: true,
        })
    }

    /// Keeps the `n` episodes with the highest returns of each window of
    /// `every` episodes (ids `0..every`, `every..2 * every`, …; earlier ids
    /// first on a tie), ranked among the window's episodes that ended at a
    /// step, recorded or not; label `best`. The window is over when an
    /// episode of a later one begins, or at the report
    /// ([`Recorder::take_report`](super::Recorder::take_report)); its
    /// videos wait until then as held snapshots (bounded by
    /// [`held_snapshot_bytes`](super::RecordingConfig::held_snapshot_bytes),
    /// spilled beyond), or, for videos of frames, on disk, each holding its
    /// open, locked working file (so a window of thousands of recorded
    /// episodes needs as many file descriptors). `every` 0 counts as 1.
    pub fn best(n: usize, every: u64) -> Self {
        Keep::rank(true, n, every)
    }

    /// [`best`](Self::best) with the lowest returns; label `worst`.
    pub fn worst(n: usize, every: u64) -> Self {
        Keep::rank(false, n, every)
    }

    fn rank(best: bool, n: usize, every: u64) -> Self {
        Keep::new(Rule::Rank(Rank {
            best,
            n,
            every: every.max(1),
            windows: BTreeMap::new(),
            over_below: 0,
        }))
    }

    /// Keeps an episode any of `rules` keeps (the first keeping rule's
    /// label).
    pub fn any(rules: impl IntoIterator<Item = Keep>) -> Self {
        Keep::new(Rule::Any(rules.into_iter().collect()))
    }

    /// Keeps an episode every one of `rules` keeps (the first rule's
    /// label).
    pub fn all(rules: impl IntoIterator<Item = Keep>) -> Self {
        Keep::new(Rule::All(rules.into_iter().collect()))
    }

    /// This rule with `label` as its label (what
    /// [`RecordingConfig::outcome_in_name`](super::RecordingConfig::outcome_in_name)
    /// puts in names).
    pub fn named(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    fn children(&mut self) -> &mut [Keep] {
        match &mut self.rule {
            Rule::Any(rules) | Rule::All(rules) => rules,
            _ => &mut [],
        }
    }

    /// Hears of every episode that ends at a step.
    pub(crate) fn episode_ended(&mut self, end: &EpisodeEnd) {
        if let Rule::Rank(rank) = &mut self.rule {
            let w = rank.window(end.id);
            rank.windows.entry(w).or_default().push((end.id, end.ret));
        }
        self.children()
            .iter_mut()
            .for_each(|k| k.episode_ended(end));
    }

    /// Episode `id` began: the windows before its own are over; windows
    /// older than `oldest_needed`'s are forgotten.
    pub(crate) fn episode_began(&mut self, id: u64, oldest_needed: u64) {
        if let Rule::Rank(rank) = &mut self.rule {
            rank.over_below = rank.over_below.max(rank.window(id));
            let keep_from = rank.window(oldest_needed);
            rank.windows.retain(|w, _| *w >= keep_from);
        }
        self.children()
            .iter_mut()
            .for_each(|k| k.episode_began(id, oldest_needed));
    }

    /// Ends every window so far (the report is taken).
    pub(crate) fn end_windows(&mut self) {
        if let Rule::Rank(rank) = &mut self.rule {
            if let Some(last) = rank.windows.keys().next_back() {
                rank.over_below = rank.over_below.max(last + 1);
            }
        }
        self.children().iter_mut().for_each(Keep::end_windows);
    }

    /// The judgement of one finished episode.
    pub(crate) fn verdict(&mut self, end: &EpisodeEnd) -> Verdict {
        let verdict = match &mut self.rule {
            Rule::When(keep) => keep_or_drop(keep(end), None),
            Rule::Outcome { success, want } => {
                let label = if *want { "success" } else { "failure" };
                keep_or_drop(success.of(end) == *want, Some(label))
            }
            Rule::Rank(rank) => rank.verdict(end),
            Rule::Any(rules) => any(rules.iter_mut().map(|k| k.verdict(end))),
            Rule::All(rules) => {
                let verdicts: Vec<Verdict> = rules.iter_mut().map(|k| k.verdict(end)).collect();
                if verdicts.contains(&Verdict::Drop) {
                    Verdict::Drop
                } else if verdicts.contains(&Verdict::Wait) {
                    Verdict::Wait
                } else {
                    any(verdicts)
                }
            }
        };
        match (verdict, &self.label) {
            (Verdict::Keep(_), Some(label)) => Verdict::Keep(Some(label.clone())),
            (verdict, _) => verdict,
        }
    }

    /// The judgement of a video from its finished episodes: kept when any
    /// is kept, waiting while any waits, else dropped.
    pub(crate) fn video_verdict(&mut self, ends: &[EpisodeEnd]) -> Verdict {
        any(ends.iter().map(|end| self.verdict(end)))
    }
}

fn keep_or_drop(keep: bool, label: Option<&str>) -> Verdict {
    if keep {
        Verdict::Keep(label.map(str::to_string))
    } else {
        Verdict::Drop
    }
}

/// Kept when any is (the first keeping label), waiting while any waits,
/// else dropped (also for none).
fn any(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
    let mut waiting = false;
    for verdict in verdicts {
        match verdict {
            Verdict::Keep(label) => return Verdict::Keep(label),
            Verdict::Wait => waiting = true,
            Verdict::Drop => {}
        }
    }
    if waiting {
        Verdict::Wait
    } else {
        Verdict::Drop
    }
}

/// Whether `suffix` may go into a file name: ASCII letters, digits and
/// `_`, at most 64.
pub(crate) fn is_valid_suffix(suffix: &str) -> bool {
    !suffix.is_empty()
        && suffix.len() <= 64
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(id: u64, ret: f64) -> EpisodeEnd {
        EpisodeEnd {
            id,
            ret,
            length: 1,
            terminated: true,
            truncated: false,
            info: Info::new(),
        }
    }

    #[test]
    fn best_waits_for_its_window_then_ranks() {
        let mut keep = Keep::best(1, 3);
        for (id, ret) in [(0, 5.0), (1, 9.0), (2, 9.0)] {
            keep.episode_began(id, 0);
            keep.episode_ended(&end(id, ret));
        }
        assert_eq!(keep.verdict(&end(1, 9.0)), Verdict::Wait);
        keep.episode_began(3, 0);
        assert_eq!(
            keep.verdict(&end(1, 9.0)),
            Verdict::Keep(Some("best".into()))
        );
        assert_eq!(keep.verdict(&end(2, 9.0)), Verdict::Drop);
        assert_eq!(keep.verdict(&end(0, 5.0)), Verdict::Drop);
    }

    #[test]
    fn any_and_all_are_three_valued() {
        let mut keep = Keep::all([Keep::worst(1, 2), Keep::when(|e| e.ret < 3.0)]);
        keep.episode_ended(&end(0, 1.0));
        assert_eq!(keep.verdict(&end(0, 1.0)), Verdict::Wait);
        assert_eq!(keep.verdict(&end(0, 4.0)), Verdict::Drop);
        let mut keep = Keep::any([Keep::worst(1, 2), Keep::failures(Success::Truncated)]);
        assert_eq!(
            keep.verdict(&end(0, 1.0)),
            Verdict::Keep(Some("failure".into()))
        );
        assert!(is_valid_suffix("ok_1") && !is_valid_suffix("a-b") && !is_valid_suffix(""));
    }
}
