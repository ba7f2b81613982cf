//! The gallery's plot of return per episode: inline SVG (no script, no
//! library, no network), one series per env, each point a link to the card
//! of the video that shows the episode. This module computes the plot
//! ([`Svg`]); `assets/gallery/svg.html` writes it.

use super::entry::ManifestEntry;
use super::html::number;
use serde::Serialize;
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
/// The plotting area's size.
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;

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

/// The plot as `assets/gallery/svg.html` draws it: the frame, the grid and
/// ticks, a line per run and a mark per point, with every coordinate
/// already written as the SVG shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Svg {
    /// The view box's size.
    width: String,
    height: String,
    /// The plotting area's edges.
    left: String,
    right: String,
    top: String,
    bottom: String,
    /// The y of each horizontal grid line (one per y tick).
    grid: Vec<String>,
    /// The y ticks' labels, right-aligned at `y_tick_x`.
    y_tick_x: String,
    y_ticks: Vec<Tick>,
    /// The x ticks: marks from `bottom` to `x_tick_end`, labels at `x_label_y`.
    x_ticks: Vec<Tick>,
    x_tick_end: String,
    x_label_y: String,
    /// Where the axis titles go.
    episode_label_x: String,
    episode_label_y: String,
    return_label_y: String,
    /// A line per env and run, then the points on top.
    series: Vec<Series>,
    marks: Vec<Mark>,
    /// The marks' radius (smaller when there are many).
    radius: String,
}

/// A tick: where it is along its axis and its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Tick {
    at: String,
    label: String,
}

/// The line of one run through its episodes.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Series {
    colour: String,
    /// `x,y` pairs separated by spaces.
    points: String,
}

/// One point: a link to its card (or a faded mark when the video is gone),
/// filled when the video shows the episode's end, with a tooltip.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Mark {
    card: Option<String>,
    episode: u64,
    x: String,
    y: String,
    fill: String,
    colour: String,
    title: String,
}

/// The plot of `points` (in env, run, then episode order, as [`points`] gives
/// them), or `None` when there is nothing to plot.
pub(crate) fn svg(points: &[Point<'_>]) -> Option<Svg> {
    if points.is_empty() {
        return None;
    }
    let scale = Scale::of(points);
    // The x axis.
    let bottom = TOP + PLOT_H;
    Some(Svg {
        width: WIDTH.to_string(),
        height: HEIGHT.to_string(),
        left: LEFT.to_string(),
        right: at(LEFT + PLOT_W),
        top: TOP.to_string(),
        bottom: at(bottom),
        grid: scale.y.ticks.iter().map(|&t| at(scale.y(t))).collect(),
        y_tick_x: at(LEFT - 8.0),
        y_ticks: scale.y_ticks(),
        x_ticks: scale.x_ticks(),
        x_tick_end: at(bottom + 5.0),
        x_label_y: at(bottom + 19.0),
        episode_label_x: at(LEFT + PLOT_W / 2.0),
        episode_label_y: at(HEIGHT - 8.0),
        return_label_y: at(TOP + PLOT_H / 2.0),
        series: series(points, &scale),
        marks: points.iter().map(|p| mark(p, &scale)).collect(),
        radius: (if points.len() > 300 { 3.0_f64 } else { 5.0 }).to_string(),
    })
}

/// A coordinate as the SVG writes it: to a tenth of a unit.
fn at(v: f64) -> String {
    format!("{v:.1}")
}

/// The axes of a plot and where their values land in the view box.
struct Scale {
    x: Axis,
    y: Axis,
}

impl Scale {
    /// Axes that hold every point.
    fn of(points: &[Point<'_>]) -> Scale {
        let (x_min, x_max) = bounds(points.iter().map(|p| p.episode as f64));
        let (y_min, y_max) = bounds(points.iter().map(|p| p.ret));
        Scale {
            x: Axis::episodes(x_min, x_max),
            y: Axis::values(y_min, y_max),
        }
    }

    /// Where episode `v` lands across.
    fn x(&self, v: f64) -> f64 {
        LEFT + (v - self.x.lo) / (self.x.hi - self.x.lo) * PLOT_W
    }

    /// Where return `v` lands down.
    fn y(&self, v: f64) -> f64 {
        TOP + PLOT_H - (v - self.y.lo) / (self.y.hi - self.y.lo) * PLOT_H
    }

    /// The y ticks, each at its label's baseline.
    fn y_ticks(&self) -> Vec<Tick> {
        self.y
            .ticks
            .iter()
            .map(|&t| Tick {
                at: at(self.y(t) + 4.0),
                label: self.y.label(t),
            })
            .collect()
    }

    /// The x ticks.
    fn x_ticks(&self) -> Vec<Tick> {
        self.x
            .ticks
            .iter()
            .map(|&t| Tick {
                at: at(self.x(t)),
                label: self.x.label(t),
            })
            .collect()
    }
}

/// A line per env and run through its episodes.
fn series(points: &[Point<'_>], scale: &Scale) -> Vec<Series> {
    points
        .chunk_by(|a, b| (a.env, a.run) == (b.env, b.run))
        .map(|run| {
            let mut line = String::new();
            for p in run {
                let _ = write!(
                    line,
                    "{:.1},{:.1} ",
                    scale.x(p.episode as f64),
                    scale.y(p.ret)
                );
            }
            Series {
                colour: colour(run[0].hue),
                points: line.trim_end().to_string(),
            }
        })
        .collect()
}

/// The mark of point `p`, with its tooltip.
fn mark(p: &Point<'_>, scale: &Scale) -> Mark {
    let title = format!(
        "{}: episode {}, return {}{} ({}{})",
        p.env,
        p.episode,
        number(p.ret),
        if p.complete {
            ""
        } else {
            " so far: the video ends before the episode"
        },
        p.file,
        if p.card.is_some() {
            ": click to play"
        } else {
            ", no longer on disk"
        }
    );
    let colour = colour(p.hue);
    Mark {
        card: p.card.clone(),
        episode: p.episode,
        x: at(scale.x(p.episode as f64)),
        y: at(scale.y(p.ret)),
        fill: if p.complete {
            colour.clone()
        } else {
            "#ffffff".to_string()
        },
        colour,
        title,
    }
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
        assert_eq!(run_of("rl-video-episode-7-failure.mp4"), "rl-video");
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
