//! The gallery's plot of return per episode: inline SVG (no script, no
//! library, no network), one series per env, each point a link to the card
//! of the video that shows the episode.

use super::entry::ManifestEntry;
use super::html::{escape, number};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The plot's size in SVG units (it scales to the page's width).
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 280.0;
/// The margins around the plotting area: room for the tick labels and the
/// axis labels.
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

/// About how many ticks an axis gets.
const TICKS: f64 = 6.0;

/// One episode of one video, as the plot shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point<'a> {
    /// The run it belongs to: the video's name prefix (see [`run_of`]).
    pub run: &'a str,
    /// The episode id (x).
    pub episode: u64,
    /// Its return (y), finite.
    pub ret: f64,
    /// Whether the video shows the episode's end (else the return is what
    /// it had reached when the video ended).
    pub complete: bool,
    /// The env's label and badge hue.
    pub env: &'a str,
    pub hue: u32,
    /// The file of the video that shows it.
    pub file: &'a str,
    /// The `id` of that video's card, when it still has one.
    pub card: Option<String>,
}

/// The points of `entries` (each file's last entry, newest first): one per
/// env, run and episode, taken from the video that shows most of it (a kept
/// video first, then a complete episode, then the longer, then the newer),
/// and how many were left out because their return is not a finite number.
/// `card` gives the card id of an entry's video, when it has a card; `hue`
/// an env's colour.
pub(crate) fn points<'a>(
    entries: &'a [ManifestEntry],
    label: impl Fn(&'a ManifestEntry) -> &'a str,
    card: impl Fn(&ManifestEntry) -> Option<String>,
    hue: impl Fn(&str) -> u32,
) -> (Vec<Point<'a>>, usize) {
    let mut best: BTreeMap<(&str, &str, u64), (Point<'a>, u64)> = BTreeMap::new();
    let mut not_finite = BTreeMap::new();
    for entry in entries {
        let env = label(entry);
        let run = run_of(&entry.file);
        let card = card(entry);
        for e in &entry.episodes {
            if !e.ret.is_finite() {
                not_finite.insert((env, run, e.episode), ());
                continue;
            }
            let point = Point {
                run,
                episode: e.episode,
                ret: e.ret,
                complete: e.complete,
                env,
                hue: hue(env),
                file: &entry.file,
                card: card.clone(),
            };
            let rank = |p: &Point<'_>, length: u64| (p.card.is_some(), p.complete, length);
            match best.get(&(env, run, e.episode)) {
                // Newest first: an older video replaces a point only when it
                // shows more of the episode.
                Some((old, old_length)) if rank(old, *old_length) >= rank(&point, e.length) => {}
                _ => {
                    best.insert((env, run, e.episode), (point, e.length));
                }
            }
        }
    }
    let skipped = not_finite
        .keys()
        .filter(|key| !best.contains_key(*key))
        .count();
    (best.into_values().map(|(p, _)| p).collect(), skipped)
}

/// The run a video belongs to: its file name up to `-episode-N` or
/// `-step-N` (the recorder's name prefix), so that runs of one env sharing
/// a folder under different prefixes (training and evaluation, say) are
/// lines of their own; the whole name when it has neither.
pub(crate) fn run_of(file: &str) -> &str {
    let numbered = |marker: &str| {
        file.rmatch_indices(marker).find(|(i, _)| {
            file[i + marker.len()..]
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit())
        })
    };
    match (numbered("-episode-"), numbered("-step-")) {
        (Some((a, _)), Some((b, _))) => &file[..a.max(b)],
        (Some((i, _)), None) | (None, Some((i, _))) => &file[..i],
        (None, None) => file,
    }
}

/// The plot of `points` (in env, run, then episode order, as [`points`] gives
/// them) as an `<svg>` element, or `None` when there is nothing to plot.
pub(crate) fn svg(points: &[Point<'_>]) -> Option<String> {
    if points.is_empty() {
        return None;
    }
    let (x_min, x_max) = bounds(points.iter().map(|p| p.episode as f64));
    let (y_min, y_max) = bounds(points.iter().map(|p| p.ret));
    let x_axis = Axis::episodes(x_min, x_max);
    let y_axis = Axis::values(y_min, y_max);
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |v: f64| LEFT + (v - x_axis.lo) / (x_axis.hi - x_axis.lo) * plot_w;
    let y = |v: f64| TOP + plot_h - (v - y_axis.lo) / (y_axis.hi - y_axis.lo) * plot_h;
    let bottom = TOP + plot_h;

    let mut out = format!(
        "<svg class=\"plot\" id=\"plot\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"plot-title\" xmlns=\"http://www.w3.org/2000/svg\">\
         \n      <title id=\"plot-title\">Return per episode</title>"
    );
    // Grid and y ticks.
    out.push_str("\n      <g class=\"grid\">");
    for &t in &y_axis.ticks {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yt:.1}\" y2=\"{yt:.1}\"/>",
            LEFT + plot_w,
            yt = y(t)
        );
    }
    out.push_str("</g>\n      <g class=\"ticks y\">");
    for &t in &y_axis.ticks {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LEFT - 8.0,
            y(t) + 4.0,
            y_axis.label(t)
        );
    }
    out.push_str("</g>\n      <g class=\"ticks x\">");
    for &t in &x_axis.ticks {
        let _ = write!(
            out,
            "<line x1=\"{xt:.1}\" x2=\"{xt:.1}\" y1=\"{bottom:.1}\" y2=\"{:.1}\"/>\
             <text x=\"{xt:.1}\" y=\"{:.1}\">{}</text>",
            bottom + 5.0,
            bottom + 19.0,
            x_axis.label(t),
            xt = x(t)
        );
    }
    let _ = write!(
        out,
        "</g>\n      <path class=\"axes\" d=\"M{LEFT} {TOP}V{bottom:.1}H{:.1}\"/>\
         \n      <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\">episode</text>\
         \n      <text class=\"label\" transform=\"translate(16 {:.1}) rotate(-90)\">return</text>",
        LEFT + plot_w,
        LEFT + plot_w / 2.0,
        HEIGHT - 8.0,
        TOP + plot_h / 2.0,
    );
    // A line per run through its episodes, then the points on top.
    for run in points.chunk_by(|a, b| (a.env, a.run) == (b.env, b.run)) {
        let mut line = String::new();
        for p in run {
            let _ = write!(line, "{:.1},{:.1} ", x(p.episode as f64), y(p.ret));
        }
        let _ = write!(
            out,
            "\n      <polyline class=\"series\" stroke=\"{}\" points=\"{}\"/>",
            colour(run[0].hue),
            line.trim_end()
        );
    }
    let radius = if points.len() > 300 { 3.0 } else { 5.0 };
    for p in points {
        let title = format!(
            "{}: episode {}, return {}{} ({}{})",
            escape(p.env),
            p.episode,
            number(p.ret),
            if p.complete {
                ""
            } else {
                " so far: the video ends before the episode"
            },
            escape(p.file),
            if p.card.is_some() {
                ": click to play"
            } else {
                ", no longer on disk"
            }
        );
        let c = colour(p.hue);
        let fill = if p.complete { c.as_str() } else { "#ffffff" };
        let circle = format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\" fill=\"{fill}\" stroke=\"{c}\">\
             <title>{title}</title></circle>",
            x(p.episode as f64),
            y(p.ret),
        );
        match &p.card {
            Some(card) => {
                let _ = write!(
                    out,
                    "\n      <a class=\"pt\" href=\"#{card}\" data-card=\"{card}\" \
                     data-episode=\"{}\">{circle}</a>",
                    p.episode
                );
            }
            None => {
                let _ = write!(
                    out,
                    "\n      <g class=\"pt gone\" data-episode=\"{}\">{circle}</g>",
                    p.episode
                );
            }
        }
    }
    out.push_str("\n    </svg>");
    Some(out)
}

/// The envs of `points` (in env order, as [`points`] gives them), with
/// their hues.
pub(crate) fn envs<'a>(points: &[Point<'a>]) -> Vec<(&'a str, u32)> {
    let mut envs: Vec<(&str, u32)> = Vec::new();
    for p in points {
        if envs.last().is_none_or(|(env, _)| *env != p.env) {
            envs.push((p.env, p.hue));
        }
    }
    envs
}

/// An env's colour in the plot: its badge hue.
pub(crate) fn colour(hue: u32) -> String {
    format!("hsl({hue}, 65%, 42%)")
}

/// The smallest and largest of `values` (not empty).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// An axis: the range shown and where its ticks are.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
    ticks: Vec<f64>,
}

impl Axis {
    /// Episode ids from `min` to `max`: whole-number ticks, half a step of
    /// room on each side so no point sits on an axis.
    fn episodes(min: f64, max: f64) -> Axis {
        let step = nice_step(max - min).max(1.0);
        let pad = (step / 2.0).min(((max - min) * 0.04).max(0.5));
        let (lo, hi) = (min - pad, max + pad);
        Axis {
            lo,
            hi,
            step,
            ticks: ticks(lo, hi, step),
        }
    }

    /// Returns from `min` to `max`: the range widened to whole ticks (one
    /// unit either side of a single value).
    fn values(min: f64, max: f64) -> Axis {
        let (min, max) = if max - min > f64::EPSILON * max.abs().max(1.0) {
            (min, max)
        } else {
            let d = (min.abs() * 0.1).max(1.0);
            (min - d, max + d)
        };
        let step = nice_step(max - min);
        let (lo, hi) = ((min / step).floor() * step, (max / step).ceil() * step);
        Axis {
            lo,
            hi,
            step,
            ticks: ticks(lo, hi, step),
        }
    }

    /// A tick's label, with as many decimals as the step needs.
    fn label(&self, t: f64) -> String {
        let decimals = (-self.step.log10().floor()).max(0.0) as usize;
        let t = if t.abs() < self.step * 1e-9 { 0.0 } else { t };
        format!("{t:.decimals$}")
    }
}

/// A step of 1, 2 or 5 times a power of ten giving about [`TICKS`] intervals
/// over `span`.
fn nice_step(span: f64) -> f64 {
    let raw = (span / TICKS).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    // The nearest of 1, 2, 5 and 10 (on a log scale).
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The multiples of `step` from `lo` to `hi`.
fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_the_name_prefixes() {
        assert_eq!(run_of("rl-video-episode-12.mp4"), "rl-video");
        assert_eq!(run_of("eval-step-300.webm"), "eval");
        assert_eq!(run_of("a-episode-x-episode-3"), "a-episode-x");
        assert_eq!(run_of("my-step-episode-1.gif"), "my-step");
        assert_eq!(run_of("video.mp4"), "video.mp4");
    }

    #[test]
    fn steps_are_one_two_five() {
        for (span, step) in [
            (6.0, 1.0),
            (10.0, 2.0),
            (500.0, 100.0),
            (0.3, 0.05),
            (25.0, 5.0),
        ] {
            assert_eq!(nice_step(span), step, "{span}");
        }
    }

    #[test]
    fn returns_get_whole_ticks_around_them() {
        let axis = Axis::values(-1234.5, 17.0);
        assert_eq!((axis.lo, axis.hi, axis.step), (-1400.0, 200.0, 200.0));
        assert_eq!(axis.ticks.len(), 9);
        assert_eq!(axis.label(-1400.0), "-1400");
        // One value: a unit either side.
        let axis = Axis::values(500.0, 500.0);
        assert!(axis.lo < 500.0 && axis.hi > 500.0);
        let axis = Axis::values(0.1, 0.4);
        assert_eq!(axis.label(axis.ticks[1]), "0.15");
    }

    #[test]
    fn episode_ticks_are_whole_and_inside() {
        let axis = Axis::episodes(0.0, 2.0);
        assert_eq!(axis.ticks, [0.0, 1.0, 2.0]);
        assert!(axis.lo < 0.0 && axis.hi > 2.0);
        let axis = Axis::episodes(7.0, 7.0);
        assert_eq!(axis.ticks, [7.0]);
        let axis = Axis::episodes(0.0, 999.0);
        assert_eq!(axis.step, 200.0);
        assert!(
            axis.ticks
                .iter()
                .all(|t| t.fract() == 0.0 && *t >= axis.lo && *t <= axis.hi)
        );
    }
}
