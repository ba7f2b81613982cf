//! The `index.html` gallery of a video folder: one self-contained page
//! (inline CSS, SVG and script, no external resources) that plays from
//! `file://`: a plot of return per episode over the index, then a card
//! per video showing its poster frame. This module gathers what the page
//! shows; the templates in `assets/gallery/` write it (see
//! [`template`](super::template)).

use super::entry::{ManifestEntry, rfc3339};
use super::html::{number, percent_encode};
use super::index::{
    INDEX_FILE, is_plain_file_name, latest, parse_index, read_index_text, write_atomically,
};
use super::plot;
use super::template::{self, TemplateError};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How many episodes a caption lists before summing up the rest.
const CAPTION_EPISODES: usize = 4;

/// The gallery page of a video folder.
pub const GALLERY_FILE: &str = "index.html";

/// How often [`write_gallery`] rewrites the page when the index keeps
/// growing while it writes (other writers then rewrite it themselves).
const GALLERY_ROUNDS: usize = 8;

/// Rewrites the folder's `index.html` from its `index.jsonl` and returns
/// its path. [`Manifest`](super::Manifest) calls it after each video; call
/// it yourself after deleting videos by hand.
///
/// Errors with [`Error::Io`](crate::Error::Io) naming the page when the
/// index cannot be read or the page cannot be written, or (a bug in gymrec,
/// its source the template's error) when the page cannot be rendered.
pub fn write_gallery(folder: &Path) -> Result<PathBuf> {
    let page = folder.join(GALLERY_FILE);
    let index = folder.join(INDEX_FILE);
    let title = folder_title(folder);
    for _ in 0..GALLERY_ROUNDS {
        let text = read_index_text(folder)?.unwrap_or_default();
        let all = latest(folder, parse_index(folder, &text));
        let videos: Vec<(ManifestEntry, Media)> = all
            .iter()
            .filter(|e| folder.join(&e.file).exists())
            .map(|e| (e.clone(), media(folder, e)))
            .collect();
        let html = render(&title, &videos, &all, SystemTime::now()).map_err(|e| Error::Io {
            path: page.clone(),
            source: std::io::Error::other(e),
        })?;
        write_atomically(&page, html.as_bytes())?;
        // Another writer may have appended after our read and renamed its
        // page before ours: then ours is stale, so write it again.
        let len = std::fs::metadata(&index).map_or(0, |m| m.len());
        if len <= text.len() as u64 {
            return Ok(page);
        }
    }
    log::debug!(
        "{}: the index kept growing while the gallery was written; its writers rewrite it",
        index.display()
    );
    Ok(page)
}

/// How the gallery shows the video of `entry`: a PNG-sequence folder by
/// its poster (or else its first frame), a GIF as an image, anything else
/// as a `<video>`; with the poster's file name when it is on disk.
fn media(folder: &Path, entry: &ManifestEntry) -> Media {
    let path = folder.join(&entry.file);
    let poster = entry
        .poster
        .clone()
        .filter(|p| is_plain_file_name(p) && folder.join(p).is_file());
    let kind = media_kind(&path);
    Media { kind, poster }
}

/// What kind of video is at `path`.
fn media_kind(path: &Path) -> MediaKind {
    if path.is_dir() {
        let first = std::fs::read_dir(path).ok().and_then(|files| {
            files
                .filter_map(|f| f.ok()?.file_name().into_string().ok())
                .filter(|n| n.to_ascii_lowercase().ends_with(".png"))
                .min()
        });
        return MediaKind::Frames(first);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("gif") => MediaKind::Image,
        _ => MediaKind::Video,
    }
}

/// The gallery's title: the folder's name.
fn folder_title(folder: &Path) -> String {
    std::fs::canonicalize(folder)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| folder.display().to_string())
}

/// How a card shows its video: what it is, and its poster frame's file
/// name, when it has one on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Media {
    pub kind: MediaKind,
    pub poster: Option<String>,
}

/// What a card's video is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaKind {
    /// A file a `<video>` element plays (MP4, WebM).
    Video,
    /// An animated image (GIF).
    Image,
    /// A folder of frames (PNG sequence), shown by its first frame (the
    /// file name inside the folder), when it has one.
    Frames(Option<String>),
}

/// The page as `assets/gallery/page.html` shows it.
#[derive(Serialize)]
struct Page<'a> {
    version: &'static str,
    title: &'a str,
    summary: String,
    /// The filter by env.
    env_filter: Filter<'a>,
    /// The filter by outcome, when some video has one.
    outcome_filter: Option<Filter<'a>>,
    plot: Option<PlotSection<'a>>,
    cards: Vec<Card<'a>>,
    updated: Time,
    style: &'static str,
    script: &'static str,
}

/// A list filtering the cards by one of their attributes (`filter.html`):
/// the script shows the cards whose `data-{key}` is the value chosen.
#[derive(Serialize)]
struct Filter<'a> {
    /// The label before the list.
    label: &'static str,
    /// The list's id: `{key}-filter`.
    id: &'static str,
    /// The choice of every card.
    all: &'static str,
    /// How many videos have a card.
    videos: usize,
    choices: Vec<Choice<'a>>,
}

/// A choice of a filter (an env, an outcome), with its number of videos.
#[derive(Serialize)]
struct Choice<'a> {
    name: &'a str,
    videos: usize,
}

/// The plot of return per episode with its heading (`plot.html`).
#[derive(Serialize)]
struct PlotSection<'a> {
    /// How many episodes it shows, as text.
    episodes: String,
    /// How many it leaves out for a return that is not finite.
    skipped: usize,
    /// The envs' colours, when there is more than one env.
    key: Vec<KeyEntry<'a>>,
    svg: plot::Svg,
}

/// An env in the plot's key.
#[derive(Serialize)]
struct KeyEntry<'a> {
    name: &'a str,
    colour: String,
}

/// One video's card (`card.html`).
#[derive(Serialize)]
struct Card<'a> {
    id: String,
    env: &'a str,
    hue: u32,
    file: &'a str,
    /// A badge naming a format that is not a video (GIF, PNG frames).
    kind: Option<&'static str>,
    /// A badge with the video's outcome ([`ManifestEntry::outcome`]), the
    /// outcome filter's value.
    outcome: Option<&'a str>,
    media: MediaView,
    /// The first [`CAPTION_EPISODES`] episodes, then what `more` sums up.
    episodes: Vec<CaptionEpisode>,
    more: Option<MoreEpisodes>,
    started: Time,
    seconds: String,
    frames: u64,
    width: u32,
    height: u32,
    kib: u64,
    trigger: &'a str,
    steps: Option<Steps>,
}

/// How a card shows its video (`media.html`): exactly one of `video`,
/// `image` and `missing`.
#[derive(Serialize)]
struct MediaView {
    /// The video's URL, relative to the page.
    src: String,
    /// Its encoded size.
    width: u32,
    height: u32,
    video: Option<VideoElement>,
    image: Option<ImageElement>,
    /// A PNG-sequence folder with no frame to show.
    missing: bool,
}

/// A `<video>` element.
#[derive(Serialize)]
struct VideoElement {
    poster: Option<String>,
    frames: u64,
    fps: u32,
}

/// An `<img>` element: a GIF or its poster, or a picture of a PNG
/// sequence (then linking to its folder).
#[derive(Serialize)]
struct ImageElement {
    src: String,
    /// The picture is a GIF's poster: the script swaps in the animation.
    animation: bool,
    /// The picture stands for a PNG-sequence folder.
    folder: bool,
    alt: String,
}

/// An episode line of a card's caption.
#[derive(Serialize)]
struct CaptionEpisode {
    episode: u64,
    ret: String,
    length: u64,
    complete: bool,
}

/// The episodes a caption sums up in one line.
#[derive(Serialize)]
struct MoreEpisodes {
    count: usize,
    first: u64,
    last: u64,
}

/// The steps a video holds: one, or a range.
#[derive(Serialize)]
struct Steps {
    first: u64,
    last: u64,
    range: bool,
}

/// A `<time>` element (`time.html`): UTC text, the script shows it in
/// local time.
#[derive(Debug, Serialize)]
struct Time {
    datetime: String,
    text: String,
}

impl Time {
    fn of(t: SystemTime) -> Time {
        Time {
            datetime: rfc3339::format(t),
            text: rfc3339::timestamp(t)
                .strftime("%Y-%m-%d %H:%M UTC")
                .to_string(),
        }
    }
}

/// The gallery page of `videos` (already in display order; the cards) and
/// the plot of `all` the index's last entries (those whose file is gone
/// too, unlinked), titled after the folder, stamped with `now`.
pub(crate) fn render(
    folder: &str,
    videos: &[(ManifestEntry, Media)],
    all: &[ManifestEntry],
    now: SystemTime,
) -> Result<String, TemplateError> {
    let mut envs: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for (v, _) in videos {
        *envs.entry(env_label(v)).or_default() += 1;
        if let Some(outcome) = v.outcome.as_deref() {
            *outcomes.entry(outcome).or_default() += 1;
        }
    }

    let summary = format!(
        "{} video{} of {} env{}",
        videos.len(),
        plural(videos.len()),
        envs.len(),
        plural(envs.len())
    );
    let page = Page {
        version: env!("CARGO_PKG_VERSION"),
        title: folder,
        summary,
        env_filter: Filter {
            label: "env",
            id: "env-filter",
            all: "all envs",
            videos: videos.len(),
            choices: choices(envs),
        },
        outcome_filter: (!outcomes.is_empty()).then(|| Filter {
            label: "outcome",
            id: "outcome-filter",
            all: "all outcomes",
            videos: videos.len(),
            choices: choices(outcomes),
        }),
        plot: plot_section(videos, all),
        cards: videos
            .iter()
            .enumerate()
            .map(|(i, (v, media))| card(i, v, media))
            .collect(),
        updated: Time::of(now),
        style: template::STYLE,
        script: template::SCRIPT,
    };
    template::render("page", &page)
}

/// A filter's choices from their counts of videos, in name order.
fn choices(counts: BTreeMap<&str, usize>) -> Vec<Choice<'_>> {
    counts
        .into_iter()
        .map(|(name, videos)| Choice { name, videos })
        .collect()
}

/// The `id` of the `i`th card.
fn card_id(i: usize) -> String {
    format!("card-{i}")
}

/// The plot of return per episode over `all` entries, each point linked
/// to its video's card (the cards are `videos`), or nothing when no episode
/// has a finite return.
fn plot_section<'a>(
    videos: &[(ManifestEntry, Media)],
    all: &'a [ManifestEntry],
) -> Option<PlotSection<'a>> {
    let cards: std::collections::HashMap<&str, usize> = videos
        .iter()
        .enumerate()
        .map(|(i, (v, _))| (v.file.as_str(), i))
        .collect();
    let (points, skipped) = plot::points(
        all,
        env_label,
        |e| cards.get(e.file.as_str()).map(|&i| card_id(i)),
        hue,
    );
    let svg = plot::svg(&points)?;
    let envs = plot::envs(&points);
    let key = if envs.len() > 1 {
        envs.into_iter()
            .map(|(name, hue)| KeyEntry {
                name,
                colour: plot::colour(hue),
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(PlotSection {
        episodes: format!("{} episode{}", points.len(), plural(points.len())),
        skipped,
        key,
        svg,
    })
}

/// The card of `v`, the `i`th.
fn card<'a>(i: usize, v: &'a ManifestEntry, media: &Media) -> Card<'a> {
    let (episodes, more) = caption_episodes(v);
    Card {
        id: card_id(i),
        env: env_label(v),
        hue: hue(env_label(v)),
        file: &v.file,
        kind: match media.kind {
            MediaKind::Frames(_) => Some("PNG frames"),
            MediaKind::Image => Some("GIF"),
            MediaKind::Video => None,
        },
        outcome: v.outcome.as_deref(),
        media: media_view(v, media),
        episodes,
        more,
        started: Time::of(v.started_at),
        seconds: format!("{:.1}", v.facts.duration_secs),
        frames: v.facts.frames,
        width: v.facts.width,
        height: v.facts.height,
        kib: v.facts.bytes.div_ceil(1024),
        trigger: &v.trigger,
        steps: v.steps.map(|s| Steps {
            first: s.first,
            last: s.last,
            range: s.first != s.last,
        }),
    }
}

/// The element showing `v`'s video: a `<video>`; a GIF's poster that
/// plays the animation, or the GIF itself; a PNG sequence's poster, else
/// its first frame, linking to its folder; else a placeholder.
fn media_view(v: &ManifestEntry, media: &Media) -> MediaView {
    let src = percent_encode(&v.file);
    let poster = media.poster.as_deref().map(percent_encode);
    let image = |src: String, animation: bool, folder: bool, alt: String| ImageElement {
        src,
        animation,
        folder,
        alt,
    };
    let (video, image) = match (&media.kind, poster) {
        (MediaKind::Video, poster) => {
            let (frames, fps) = (v.facts.frames, v.facts.fps);
            let video = VideoElement {
                poster,
                frames,
                fps,
            };
            (Some(video), None)
        }
        (MediaKind::Image, Some(poster)) => {
            (None, Some(image(poster, true, false, v.file.clone())))
        }
        (MediaKind::Image, None) => (None, Some(image(src.clone(), false, false, v.file.clone()))),
        (MediaKind::Frames(_), Some(poster)) => {
            let alt = format!("a frame of {}", v.file);
            (None, Some(image(poster, false, true, alt)))
        }
        (MediaKind::Frames(Some(first)), None) => {
            let first = format!("{src}/{}", percent_encode(first));
            let alt = format!("first frame of {}", v.file);
            (None, Some(image(first, false, true, alt)))
        }
        (MediaKind::Frames(None), None) => (None, None),
    };
    MediaView {
        src,
        width: v.facts.encoded_width,
        height: v.facts.encoded_height,
        missing: video.is_none() && image.is_none(),
        video,
        image,
    }
}

/// The episodes a caption lists, and the rest summed up when there are
/// more than [`CAPTION_EPISODES`].
fn caption_episodes(v: &ManifestEntry) -> (Vec<CaptionEpisode>, Option<MoreEpisodes>) {
    let listed = v
        .episodes
        .iter()
        .take(CAPTION_EPISODES)
        .map(|e| CaptionEpisode {
            episode: e.episode,
            ret: number(e.ret),
            length: e.length,
            complete: e.complete,
        });
    let rest = v.episodes.get(CAPTION_EPISODES..).unwrap_or_default();
    let more = match (rest.first(), rest.last()) {
        (Some(first), Some(last)) => Some(MoreEpisodes {
            count: rest.len(),
            first: first.episode,
            last: last.episode,
        }),
        _ => None,
    };
    (listed.collect(), more)
}

fn env_label(v: &ManifestEntry) -> &str {
    v.env_id.as_deref().unwrap_or("unknown env")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A hue for an env's badge, the same on every page.
fn hue(env: &str) -> u32 {
    // FNV-1a: stable across releases, unlike std's hasher.
    let hash = env.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % 360
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn time_element(t: SystemTime) -> String {
        template::render("time", &Time::of(t)).unwrap()
    }

    /// An entry of `file` showing episodes 0..`episodes` of CartPole.
    fn entry(file: &str, env: &str, episodes: u64) -> ManifestEntry {
        let episodes: Vec<String> = (0..episodes)
            .map(|i| format!(r#"{{"episode":{i},"return":{i}.5,"length":9,"complete":true}}"#))
            .collect();
        let json = format!(
            r#"{{"file":{file:?},"env_id":{env:?},"gymrec_version":"0.1.0","trigger":"cubic",
            "started_by":{{"kind":"episode","id":0}},"episodes":[{}],"steps":{{"first":3,"last":9}},
            "frames":10,"fps":50,"duration_secs":0.2,"width":601,"height":401,"encoded_width":602,
            "encoded_height":402,"codec":"h264","pixel_format":"yuv420p","bytes":12345,
            "started_at":"2025-11-25T16:25:51.013Z","finished_at":"2025-11-25T16:25:52.500Z"}}"#,
            episodes.join(",")
        );
        serde_json::from_str(&json).unwrap()
    }

    fn page(videos: &[(ManifestEntry, Media)]) -> String {
        let all: Vec<ManifestEntry> = videos.iter().map(|(v, _)| v.clone()).collect();
        render("videos", videos, &all, UNIX_EPOCH).unwrap()
    }

    fn media(kind: MediaKind, poster: Option<&str>) -> Media {
        let poster = poster.map(str::to_string);
        Media { kind, poster }
    }

    #[test]
    fn values_are_inserted_once_never_read_as_template_text() {
        let html = render("{{b}} {version} {{ if x }}", &[], &[], UNIX_EPOCH).unwrap();
        assert!(
            html.contains("<h1>{{b}} {version} {{ if x }} <small>"),
            "{html}"
        );
    }

    #[test]
    fn times_show_utc_to_the_minute_and_keep_the_millisecond_for_the_script() {
        let t = UNIX_EPOCH + Duration::from_millis(1_764_087_951_013);
        assert_eq!(
            time_element(t),
            "<time datetime=\"2025-11-25T16:25:51.013Z\">2025-11-25 16:25 UTC</time>"
        );
        assert_eq!(
            time_element(UNIX_EPOCH - Duration::from_secs(1)),
            "<time datetime=\"1970-01-01T00:00:00.000Z\">1970-01-01 00:00 UTC</time>"
        );
    }

    #[test]
    fn an_empty_folder_has_every_part_of_the_page() {
        let html = render("a & b", &[], &[], UNIX_EPOCH).unwrap();
        for part in [
            "<title>a &amp; b · gymrec videos</title>",
            "<span class=\"summary\" id=\"summary\">0 videos of 0 envs</span>",
            "<option value=\"\">all envs (0)</option>\n    </select>",
            "<main id=\"videos\"><p class=\"empty\">No videos yet.</p>\n</main>",
            "updated <time datetime=\"1970-01-01T00:00:00.000Z\">",
            concat!("written by gymrec ", env!("CARGO_PKG_VERSION")),
            template::STYLE,
            template::SCRIPT,
        ] {
            assert!(html.contains(part), "{part}");
        }
        assert!(!html.contains("<svg"), "no plot without episodes");
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn names_are_escaped_in_text_attributes_and_urls() {
        let file = "a \"b\" <c> & 'd'-episode-0.mp4";
        let html = page(&[(
            entry(file, "<x>", 1),
            media(MediaKind::Video, Some("p #1.png")),
        )]);
        assert!(!html.contains("<c>") && !html.contains("<x>"), "{html}");
        for part in [
            "data-env=\"&lt;x&gt;\"",
            "<option value=\"&lt;x&gt;\">&lt;x&gt; (1)</option>",
            "src=\"a%20%22b%22%20%3Cc%3E%20%26%20%27d%27-episode-0.mp4\" poster=\"p%20%231.png\"",
            ">a &quot;b&quot; &lt;c&gt; &amp; &#39;d&#39;-episode-0.mp4</a>",
            "<title>&lt;x&gt;: episode 0, return 0.50 (a &quot;b&quot;",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
    }

    #[test]
    fn each_kind_of_video_has_its_element() {
        let cases = [
            (
                media(MediaKind::Video, None),
                "<video class=\"media\" src=\"v.mp4\" width=\"602\" height=\"402\" controls muted loop playsinline preload=\"metadata\" data-frames=\"10\" data-fps=\"50\"></video>",
            ),
            (
                media(MediaKind::Image, Some("p.png")),
                "<img class=\"media\" src=\"p.png\" data-src=\"v.mp4\" data-poster=\"p.png\" width=\"602\" height=\"402\" alt=\"v.mp4\">",
            ),
            (
                media(MediaKind::Image, None),
                "<img class=\"media\" src=\"v.mp4\" width=\"602\" height=\"402\" alt=\"v.mp4\">",
            ),
            (
                media(MediaKind::Frames(None), Some("p.png")),
                "<a href=\"v.mp4/\" title=\"PNG frames: open the folder\"><img class=\"media\" src=\"p.png\" width=\"602\" height=\"402\" alt=\"a frame of v.mp4\"></a>",
            ),
            (
                media(MediaKind::Frames(Some("0 1.png".into())), None),
                "<a href=\"v.mp4/\" title=\"PNG frames: open the folder\"><img class=\"media\" src=\"v.mp4/0%201.png\" width=\"602\" height=\"402\" alt=\"first frame of v.mp4\"></a>",
            ),
            (
                media(MediaKind::Frames(None), None),
                "<div class=\"media none\" style=\"aspect-ratio: 602 / 402\">no frames</div>",
            ),
        ];
        for (media, element) in cases {
            let html = page(&[(entry("v.mp4", "E", 6), media)]);
            assert!(
                html.contains(&format!(
                    "style=\"--hue: {}\">\n      {element}\n      <figcaption>",
                    hue("E")
                )),
                "{element}\n{html}"
            );
        }
    }

    #[test]
    fn outcomes_are_badges_and_a_filter_only_when_videos_have_them() {
        let plain = page(&[(entry("v.mp4", "E", 1), media(MediaKind::Video, None))]);
        assert!(
            !plain.contains("<select id=\"outcome-filter\"") && !plain.contains(" data-outcome=\"")
        );
        let with = |file: &str, outcome: Option<&str>| {
            let mut e = entry(file, "E", 1);
            e.outcome = outcome.map(str::to_string);
            (e, media(MediaKind::Video, None))
        };
        let html = page(&[
            with("a-failure.mp4", Some("failure")),
            with("b-best.mp4", Some("best")),
            with("c-failure.mp4", Some("failure")),
            with("d.mp4", None),
        ]);
        for part in [
            "<select id=\"outcome-filter\">\n        <option value=\"\">all outcomes (4)</option>\n        <option value=\"best\">best (1)</option>\n        <option value=\"failure\">failure (2)</option>\n    </select>",
            "id=\"card-0\" data-env=\"E\" data-outcome=\"failure\" style=",
            ">a-failure.mp4</a><span class=\"outcome\" data-outcome=\"failure\" title=\"kept as failure\">failure</span></div>",
            "id=\"card-3\" data-env=\"E\" style=",
            ">d.mp4</a></div>",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        assert_eq!(html.matches("<span class=\"outcome\"").count(), 3);
    }

    #[test]
    fn captions_list_four_episodes_and_sum_up_the_rest() {
        let html = page(&[(entry("v.mp4", "E", 6), media(MediaKind::Video, None))]);
        assert_eq!(html.matches("<li>episode <b>").count(), 4);
        assert!(html.contains("<li class=\"more\">… 2 more (episodes 4–5)</li>\n        </ul>"));
        assert!(html.contains("trigger&nbsp;cubic · steps&nbsp;3–9</div>"));
        let html = page(&[(entry("v.mp4", "E", 0), media(MediaKind::Video, None))]);
        assert!(
            html.contains("<ul class=\"episodes\">\n          <li>no episode</li>\n        </ul>")
        );
    }
}
