//! The `index.html` gallery of a video folder: one self-contained page
//! (inline CSS, SVG and script, no external resources) that plays from
//! `file://`: a plot of return per episode over the index, then a card
//! per video showing its poster frame. The template is
//! `assets/gallery.html`.

use super::entry::{ManifestEntry, rfc3339};
use super::html::{escape, number, percent_encode};
use super::index::{
    INDEX_FILE, is_plain_file_name, latest, parse_index, read_index_text, write_atomically,
};
use super::plot;
use crate::Result;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The page, with `{{name}}` placeholders filled by [`render`].
const TEMPLATE: &str = include_str!("../../assets/gallery.html");

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
/// Errors with [`Error::Io`](crate::Error::Io) when the index cannot be read or the page
/// cannot be written.
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
        let html = render(&title, &videos, &all, SystemTime::now());
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

/// The gallery page of `videos` (already in display order; the cards) and
/// the plot of `all` the index's last entries (those whose file is gone
/// too, unlinked), titled after the folder, stamped with `now`.
pub(crate) fn render(
    folder: &str,
    videos: &[(ManifestEntry, Media)],
    all: &[ManifestEntry],
    now: SystemTime,
) -> String {
    let mut envs: BTreeMap<&str, usize> = BTreeMap::new();
    for (v, _) in videos {
        *envs.entry(env_label(v)).or_default() += 1;
    }
    let mut options = format!("<option value=\"\">all envs ({})</option>", videos.len());
    for (env, n) in &envs {
        let _ = write!(
            options,
            "\n        <option value=\"{0}\">{0} ({n})</option>",
            escape(env)
        );
    }
    let mut cards = String::new();
    for (i, (v, media)) in videos.iter().enumerate() {
        card(&mut cards, i, v, media);
    }
    let plot = plot_section(videos, all);
    if videos.is_empty() {
        cards.push_str("<p class=\"empty\">No videos yet.</p>");
    }
    let summary = format!(
        "{} video{} of {} env{}",
        videos.len(),
        plural(videos.len()),
        envs.len(),
        plural(envs.len())
    );
    fill(
        TEMPLATE,
        &[
            ("title", &escape(folder)),
            ("summary", &escape(&summary)),
            ("options", &options),
            ("plot", &plot),
            ("cards", &cards),
            ("updated", &time_element(now)),
            ("version", env!("CARGO_PKG_VERSION")),
        ],
    )
}

/// The `id` of the `i`th card.
fn card_id(i: usize) -> String {
    format!("card-{i}")
}

/// The plot of return per episode over `all` entries, each point linked
/// to its video's card (the cards are `videos`), or nothing when no episode
/// has a finite return.
fn plot_section(videos: &[(ManifestEntry, Media)], all: &[ManifestEntry]) -> String {
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
    let Some(svg) = plot::svg(&points) else {
        return String::new();
    };
    let episodes = points.len();
    let skipped = match skipped {
        0 => String::new(),
        n => format!(" · {n} without a finite return not shown"),
    };
    // A key of the envs' colours when there is more than one.
    let envs = plot::envs(&points);
    let mut key = String::new();
    if envs.len() > 1 {
        key.push_str("<span class=\"key\">");
        for (env, hue) in envs {
            let _ = write!(
                key,
                "<span><i style=\"background: {}\"></i>{}</span>",
                plot::colour(hue),
                escape(env)
            );
        }
        key.push_str("</span>");
    }
    format!(
        "\n<section class=\"plot-box\" aria-label=\"return per episode\">\
         \n  <h2>Return per episode <small>{episodes} episode{} · click a point to play its \
         video{skipped}</small>{key}</h2>\
         \n  {svg}\
         \n</section>",
        plural(episodes)
    )
}

/// Appends the `<figure>` of one video, the `i`th card.
fn card(out: &mut String, i: usize, v: &ManifestEntry, media: &Media) {
    let env = escape(env_label(v));
    let src = escape(&percent_encode(&v.file));
    let (w, h) = (v.facts.encoded_width, v.facts.encoded_height);
    let _ = write!(
        out,
        "\n    <figure class=\"card\" id=\"{id}\" data-env=\"{env}\" style=\"--hue: {hue}\">\n      ",
        id = card_id(i),
        hue = hue(env_label(v)),
    );
    let poster = media.poster.as_deref().map(|p| escape(&percent_encode(p)));
    match (&media.kind, &poster) {
        (MediaKind::Video, _) => {
            let poster = poster
                .as_ref()
                .map_or_else(String::new, |p| format!(" poster=\"{p}\""));
            let _ = write!(
                out,
                "<video class=\"media\" src=\"{src}\"{poster} width=\"{w}\" height=\"{h}\" controls \
                 muted loop playsinline preload=\"metadata\" data-frames=\"{}\" data-fps=\"{}\"></video>",
                v.facts.frames, v.facts.fps
            );
        }
        // A GIF shows its poster, and plays where a video would (the
        // script swaps `src` for `data-src`).
        (MediaKind::Image, Some(poster)) => {
            let _ = write!(
                out,
                "<img class=\"media\" src=\"{poster}\" data-src=\"{src}\" data-poster=\"{poster}\" \
                 width=\"{w}\" height=\"{h}\" alt=\"{}\">",
                escape(&v.file)
            );
        }
        (MediaKind::Image, None) => {
            let _ = write!(
                out,
                "<img class=\"media\" src=\"{src}\" width=\"{w}\" height=\"{h}\" alt=\"{}\">",
                escape(&v.file)
            );
        }
        (MediaKind::Frames(_), Some(poster)) => {
            let _ = write!(
                out,
                "<a href=\"{src}/\" title=\"PNG frames: open the folder\"><img class=\"media\" \
                 src=\"{poster}\" width=\"{w}\" height=\"{h}\" alt=\"a frame of {}\"></a>",
                escape(&v.file)
            );
        }
        (MediaKind::Frames(Some(first)), None) => {
            let _ = write!(
                out,
                "<a href=\"{src}/\" title=\"PNG frames: open the folder\"><img class=\"media\" \
                 src=\"{src}/{}\" width=\"{w}\" height=\"{h}\" alt=\"first frame of {}\"></a>",
                escape(&percent_encode(first)),
                escape(&v.file)
            );
        }
        (MediaKind::Frames(None), None) => {
            let _ = write!(
                out,
                "<div class=\"media none\" style=\"aspect-ratio: {w} / {h}\">no frames</div>"
            );
        }
    }
    let kind = match media.kind {
        MediaKind::Frames(_) => "<span class=\"kind\">PNG frames</span>",
        MediaKind::Image => "<span class=\"kind\">GIF</span>",
        MediaKind::Video => "",
    };
    let _ = write!(
        out,
        "\n      <figcaption>\
         \n        <div class=\"head\"><span class=\"env\">{env}</span>\
         <a class=\"file\" href=\"{src}\">{file}</a>{kind}</div>",
        file = escape(&v.file),
    );
    out.push_str("\n        <ul class=\"episodes\">");
    for e in v.episodes.iter().take(CAPTION_EPISODES) {
        let _ = write!(
            out,
            "\n          <li>episode <b>{}</b><span class=\"ret\">return <b>{}</b></span>\
             <span>length <b>{}</b></span>{}</li>",
            e.episode,
            number(e.ret),
            e.length,
            if e.complete {
                ""
            } else {
                "<span class=\"partial\" title=\"the episode goes on after the video ends\">partial</span>"
            }
        );
    }
    if v.episodes.len() > CAPTION_EPISODES {
        let rest = &v.episodes[CAPTION_EPISODES..];
        let _ = write!(
            out,
            "\n          <li class=\"more\">… {} more (episodes {}–{})</li>",
            rest.len(),
            rest[0].episode,
            rest[rest.len() - 1].episode
        );
    }
    if v.episodes.is_empty() {
        out.push_str("\n          <li>no episode</li>");
    }
    out.push_str("\n        </ul>");
    let steps = v.steps.map_or_else(String::new, |s| {
        if s.first == s.last {
            format!(" · step&nbsp;{}", s.first)
        } else {
            format!(" · steps&nbsp;{}–{}", s.first, s.last)
        }
    });
    let _ = write!(
        out,
        "\n        <div class=\"meta\">{time} · {secs:.1}&nbsp;s · {frames}&nbsp;frames · \
         {w}×{h} · {kib}&nbsp;KiB · trigger&nbsp;{trigger}{steps}</div>\
         \n      </figcaption>\
         \n    </figure>",
        time = time_element(v.started_at),
        secs = v.facts.duration_secs,
        frames = v.facts.frames,
        w = v.facts.width,
        h = v.facts.height,
        kib = v.facts.bytes.div_ceil(1024),
        trigger = escape(&v.trigger),
    );
}

fn env_label(v: &ManifestEntry) -> &str {
    v.env_id.as_deref().unwrap_or("unknown env")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A `<time>` element: UTC text, the script shows it in local time.
fn time_element(t: SystemTime) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        rfc3339::format(t),
        rfc3339::timestamp(t).strftime("%Y-%m-%d %H:%M UTC")
    )
}

/// A hue for an env's badge, the same on every page.
fn hue(env: &str) -> u32 {
    // FNV-1a: stable across releases, unlike std's hasher.
    let hash = env.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % 360
}

/// Replaces each `{{name}}` of `template` by its value, in one pass (values
/// are never searched for placeholders). Unknown placeholders stay as they
/// are.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v, end))
        }) {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_is_one_pass() {
        let t = "<{{a}}|{{b}}|{{c}}|{{ x";
        assert_eq!(
            fill(t, &[("a", "{{b}}"), ("b", "B")]),
            "<{{b}}|B|{{c}}|{{ x"
        );
    }

    #[test]
    fn times_show_utc_to_the_minute_and_keep_the_millisecond_for_the_script() {
        use std::time::{Duration, UNIX_EPOCH};
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
    fn the_template_has_every_placeholder() {
        for name in [
            "title", "summary", "options", "plot", "cards", "updated", "version",
        ] {
            assert!(TEMPLATE.contains(&format!("{{{{{name}}}}}")), "{name}");
        }
    }
}
