//! `gymrec record`'s keep options: which videos are kept once their
//! episodes end (`--keep`, `--success`), their outcome in names, and
//! retention (`--keep-last`, `--max-bytes`); and the tally the closing
//! line reports.

use clap::Args;
use gymrec::record::{
    Keep, RecordedVideo, RecordingConfig, RecordingObserver, Success, VideoStart,
};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

/// The keep and retention options of `gymrec record`.
#[derive(Debug, Args)]
pub struct KeepArgs {
    /// Keep only the videos of these episodes, decided as each episode
    /// ends (the others are deleted): failures, successes, best:N/K (the
    /// N highest returns of each window of K episodes), worst:N/K.
    /// Repeat it or separate rules by commas to keep what any of them
    /// keeps. Names then end with the outcome (rl-video-episode-7-failure.mp4).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    keep: Vec<KeepRule>,
    /// What a success is, for --keep failures and successes: terminated
    /// (reached a terminal state), truncated (survived to the time limit),
    /// return:X (a return of at least X) or info (the last info's
    /// is_success). Default: truncated for CartPole, terminated for
    /// MountainCar and Acrobot; Pendulum has none.
    #[arg(long, value_name = "WHAT", requires = "keep")]
    success: Option<SuccessSpec>,
    /// With --keep: leave the outcome out of the names (and so out of the
    /// sidecars and the gallery's badges).
    #[arg(long, requires = "keep")]
    no_outcome_in_name: bool,
    /// Keep only the N newest videos of the name prefix in the folder,
    /// deleting the oldest (with their posters, sidecars, index lines and
    /// gallery cards) after each new one.
    #[arg(long, value_name = "N", value_parser = parse_keep_last)]
    keep_last: Option<usize>,
    /// Keep the folder's videos of the name prefix within SIZE bytes in
    /// all, deleting the oldest first: 500M, 2G (K, M, G, T are powers of
    /// 1024; KB, MB, GB, TB of 1000); the newest video is always kept.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_bytes: Option<u64>,
}

impl KeepArgs {
    /// Whether a keep rule was given.
    pub fn keeps(&self) -> bool {
        !self.keep.is_empty()
    }

    /// The rules as given (`failures,best:1/10`), when there are any.
    pub fn rules(&self) -> Option<String> {
        let rules: Vec<String> = self.keep.iter().map(ToString::to_string).collect();
        self.keeps().then(|| rules.join(","))
    }

    /// `config` with the keep rule, outcome names and retention asked for,
    /// and an observer counting what was kept and removed (`tally`).
    /// Errors when a rule needs a success `env` has no default for.
    pub fn apply(
        &self,
        env: &str,
        mut config: RecordingConfig,
        tally: &Tally,
    ) -> Result<RecordingConfig, KeepError> {
        if self.keeps() {
            let success = match &self.success {
                Some(spec) => Some(spec.to_success()),
                None => default_success(env),
            };
            let mut rules = Vec::with_capacity(self.keep.len());
            for rule in &self.keep {
                rules.push(rule.to_keep(env, success.as_ref())?);
            }
            let keep = if rules.len() == 1 {
                rules.remove(0)
            } else {
                Keep::any(rules)
            };
            config = config.keep(keep).outcome_in_name(!self.no_outcome_in_name);
        }
        if let Some(n) = self.keep_last {
            config = config.keep_last(n);
        }
        if let Some(bytes) = self.max_bytes {
            config = config.max_bytes(bytes);
        }
        Ok(config.observer(tally.observer()))
    }

    /// The closing report's words for what the rules and retention did
    /// (`None` when neither was asked for).
    pub fn summary(&self, tally: &Tally, kept: usize) -> Option<String> {
        let counts = tally.counts();
        let mut parts = Vec::new();
        if let Some(rules) = self.rules() {
            let not_kept = counts.started.saturating_sub(counts.judged_kept);
            parts.push(format!(
                "--keep {rules}: {kept} video{} kept, {not_kept} not kept",
                plural(kept),
            ));
        }
        if self.keep_last.is_some() || self.max_bytes.is_some() {
            let removed = counts.removed.len();
            parts.push(format!(
                "retention: {removed} older video{} removed",
                plural(removed)
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What a built-in env's success is: CartPole survives to the time limit
/// (truncated), MountainCar and Acrobot reach their goal (terminated).
/// Pendulum never terminates and has no reward threshold, so none.
fn default_success(env: &str) -> Option<Success> {
    match env.split('-').next().unwrap_or(env) {
        "CartPole" => Some(Success::Truncated),
        "MountainCar" | "Acrobot" => Some(Success::Terminated),
        _ => None,
    }
}

/// A `--keep` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepRule {
    /// Episodes that are not a success.
    Failures,
    /// Episodes that are a success.
    Successes,
    /// The `n` highest returns of each window of `every` episodes.
    Best { n: usize, every: u64 },
    /// The `n` lowest returns of each window of `every` episodes.
    Worst { n: usize, every: u64 },
}

impl KeepRule {
    /// The library's rule; `success` is what a success is, when known.
    fn to_keep(self, env: &str, success: Option<&Success>) -> Result<Keep, KeepError> {
        let needs_success = || KeepError::NoSuccess {
            env: env.to_string(),
            rule: self,
        };
        Ok(match self {
            KeepRule::Failures => Keep::failures(success.ok_or_else(needs_success)?.clone()),
            KeepRule::Successes => Keep::successes(success.ok_or_else(needs_success)?.clone()),
            KeepRule::Best { n, every } => Keep::best(n, every),
            KeepRule::Worst { n, every } => Keep::worst(n, every),
        })
    }
}

impl fmt::Display for KeepRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepRule::Failures => f.write_str("failures"),
            KeepRule::Successes => f.write_str("successes"),
            KeepRule::Best { n, every } => write!(f, "best:{n}/{every}"),
            KeepRule::Worst { n, every } => write!(f, "worst:{n}/{every}"),
        }
    }
}

impl FromStr for KeepRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let rule = s.trim();
        match rule {
            "failures" | "failure" => return Ok(KeepRule::Failures),
            "successes" | "success" => return Ok(KeepRule::Successes),
            _ => {}
        }
        let Some((word, counts)) = rule.split_once(':') else {
            return Err(match rule {
                "best" | "worst" => format!(
                    "`{rule}` needs how many of how many episodes: {rule}:N/K, for example {rule}:1/10"
                ),
                _ => format!(
                    "unknown keep rule `{rule}`: write failures, successes, best:N/K or worst:N/K"
                ),
            });
        };
        let best = match word {
            "best" => true,
            "worst" => false,
            _ => {
                return Err(format!(
                    "unknown keep rule `{rule}`: write failures, successes, best:N/K or worst:N/K"
                ));
            }
        };
        let (n, every) = parse_window(word, counts)?;
        Ok(if best {
            KeepRule::Best { n, every }
        } else {
            KeepRule::Worst { n, every }
        })
    }
}

/// `N/K` of `best:N/K`: N kept of each window of K episodes, 1 <= N <= K.
fn parse_window(word: &str, counts: &str) -> Result<(usize, u64), String> {
    let example = format!("{word}:1/10 keeps the {word} episode of every 10");
    let Some((n, k)) = counts.split_once('/') else {
        return Err(format!(
            "`{word}:{counts}` needs a window: {word}:N/K (N of each K episodes), for example {example}"
        ));
    };
    let number = |text: &str, what: &str| {
        text.trim().parse::<u64>().map_err(|_| {
            format!(
                "`{word}:{counts}`: {what} `{text}` is not a whole number; for example {example}"
            )
        })
    };
    let (n, k) = (number(n, "N")?, number(k, "K")?);
    if n == 0 || k == 0 {
        return Err(format!(
            "`{word}:{counts}` keeps nothing: N and K must be at least 1; for example {example}"
        ));
    }
    if n > k {
        return Err(format!(
            "`{word}:{counts}` keeps {n} of every {k} episodes: N must be at most K \
             (write {word}:{k}/{k} to keep them all, or a larger window: {word}:{n}/{})",
            n * 10
        ));
    }
    let n = usize::try_from(n).map_err(|_| format!("`{word}:{counts}`: N is too large"))?;
    Ok((n, k))
}

/// A `--success` choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SuccessSpec {
    /// The episode reached a terminal state.
    Terminated,
    /// The episode was cut short by the time limit.
    Truncated,
    /// A return of at least this.
    Return(f64),
    /// The last info's `is_success`.
    Info,
}

impl SuccessSpec {
    fn to_success(self) -> Success {
        match self {
            SuccessSpec::Terminated => Success::Terminated,
            SuccessSpec::Truncated => Success::Truncated,
            SuccessSpec::Return(bar) => Success::ReturnAtLeast(bar),
            SuccessSpec::Info => Success::InfoFlag,
        }
    }
}

impl FromStr for SuccessSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let what = s.trim();
        match what {
            "terminated" => return Ok(SuccessSpec::Terminated),
            "truncated" => return Ok(SuccessSpec::Truncated),
            "info" => return Ok(SuccessSpec::Info),
            _ => {}
        }
        if let Some(bar) = what.strip_prefix("return:") {
            return match bar.trim().parse::<f64>() {
                Ok(bar) if bar.is_finite() => Ok(SuccessSpec::Return(bar)),
                _ => Err(format!(
                    "`{what}`: `{bar}` is not a finite number; for example return:-200"
                )),
            };
        }
        Err(format!(
            "unknown success `{what}`: write terminated, truncated, return:X (for example \
             return:-200) or info"
        ))
    }
}

/// `--keep-last N`: at least 1.
fn parse_keep_last(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("0 would keep no video: keep at least 1 (the newest is always kept)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{s}` is not a whole number of videos; for example --keep-last 20"
        )),
    }
}

/// `--max-bytes SIZE`: bytes, or a number with K, M, G, T (powers of
/// 1024, also written KiB, MiB, …) or KB, MB, GB, TB (powers of 1000).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let text = s.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim();
    let value = number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            format!("`{s}` does not start with a number; write a size such as 500M or 2G")
        })?;
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KIB" => 1 << 10,
        "M" | "MIB" => 1 << 20,
        "G" | "GIB" => 1 << 30,
        "T" | "TIB" => 1 << 40,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}`; write bytes or a size such as 500M or 2G \
                 (K, M, G, T: powers of 1024; KB, MB, GB, TB: of 1000)"
            ));
        }
    };
    let bytes = (value * scale as f64).round();
    if bytes < 1.0 {
        return Err(format!(
            "`{s}` is no room at all: give a size of at least one byte, such as 500M"
        ));
    }
    if bytes >= u64::MAX as f64 {
        return Err(format!(
            "`{s}` is too large; write a size such as 500M or 2G"
        ));
    }
    Ok(bytes as u64)
}

/// A rule that needs a success the env has no default for.
#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    /// `--keep failures|successes` on an env without a default success and
    /// no `--success`.
    #[error(
        "--keep {rule}: {env} has no success of its own (it never reaches a goal and has no \
         reward threshold); say what a success is with --success return:X (for Pendulum, \
         return:-200 separates swinging up and holding from not), --success terminated, \
         truncated or info"
    )]
    NoSuccess {
        /// The env id.
        env: String,
        /// The rule that needs it.
        rule: KeepRule,
    },
}

/// What was kept and removed during a run, counted by an observer the
/// config holds; read at the end.
#[derive(Debug, Default, Clone)]
pub struct Tally(Arc<Mutex<Counts>>);

/// The counts of a [`Tally`].
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Videos started.
    pub started: usize,
    /// Videos the keep rule kept (asked for the observers' `keep`).
    pub judged_kept: usize,
    /// Videos retention deleted.
    pub removed: Vec<PathBuf>,
}

impl Tally {
    fn observer(&self) -> TallyObserver {
        TallyObserver(self.clone())
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut Counts)) {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// The observer counting into a [`Tally`].
struct TallyObserver(Tally);

impl RecordingObserver for TallyObserver {
    fn video_started(&mut self, _: &Path, _: VideoStart) {
        self.0.update(|c| c.started += 1);
    }

    fn keep(&mut self, _: &RecordedVideo) -> bool {
        self.0.update(|c| c.judged_kept += 1);
        true
    }

    fn video_removed(&mut self, path: &Path) -> gymrec::Result<()> {
        self.0.update(|c| c.removed.push(path.to_path_buf()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print_back() {
        for text in ["failures", "successes", "best:2/10", "worst:1/1"] {
            assert_eq!(text.parse::<KeepRule>().unwrap().to_string(), text);
        }
        assert_eq!(
            " best:3/5 ".parse::<KeepRule>(),
            Ok(KeepRule::Best { n: 3, every: 5 })
        );
    }

    #[test]
    fn bad_rules_say_what_to_write() {
        for (text, needle) in [
            ("best:0/10", "at least 1"),
            ("best:3", "best:N/K"),
            ("best", "best:1/10"),
            ("worst:5/2", "N must be at most K"),
            ("worst:x/2", "`x` is not a whole number"),
            ("lucky", "unknown keep rule `lucky`"),
            ("top:1/2", "unknown keep rule `top:1/2`"),
        ] {
            let err = text.parse::<KeepRule>().unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn successes_parse() {
        assert_eq!("return:-200".parse(), Ok(SuccessSpec::Return(-200.0)));
        assert_eq!("truncated".parse(), Ok(SuccessSpec::Truncated));
        assert!("return:nan".parse::<SuccessSpec>().is_err());
        assert!(
            "goal"
                .parse::<SuccessSpec>()
                .unwrap_err()
                .contains("`goal`")
        );
    }

    #[test]
    fn sizes_parse_in_both_units() {
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2gib"), Ok(2 << 30));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("3MB"), Ok(3_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        for (bad, needle) in [
            ("500Q", "unknown unit `Q`"),
            ("M", "does not start with a number"),
            ("0", "at least one byte"),
            ("-5M", "does not start with a number"),
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains(needle) && err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn default_successes_follow_each_envs_goal() {
        assert_eq!(default_success("CartPole-v1"), Some(Success::Truncated));
        assert_eq!(default_success("MountainCar-v0"), Some(Success::Terminated));
        assert_eq!(default_success("Acrobot-v1"), Some(Success::Terminated));
        assert_eq!(default_success("Pendulum-v1"), None);
    }
}
