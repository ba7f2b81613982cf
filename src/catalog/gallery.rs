//! The `index.html` gallery of a video folder: one self-contained page
//! (inline CSS and script, no external resources) that plays from
//! `file://`. The template is `assets/gallery.html`.

use super::entry::{ManifestEntry, rfc3339};
use super::index::{INDEX_FILE, listed, parse_index, read_index_text, write_atomically};
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
        let videos: Vec<(ManifestEntry, Media)> = listed(folder, parse_index(folder, &text))
            .into_iter()
            .map(|e| {
                let media = media(folder, &e);
                (e, media)
            })
            .collect();
        let html = render(&title, &videos, SystemTime::now());
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
/// its first frame, a GIF as an image, anything else as a `<video>`.
fn media(folder: &Path, entry: &ManifestEntry) -> Media {
    let path = folder.join(&entry.file);
    if path.is_dir() {
        let first = std::fs::read_dir(&path).ok().and_then(|files| {
            files
                .filter_map(|f| f.ok()?.file_name().into_string().ok())
                .filter(|n| n.to_ascii_lowercase().ends_with(".png"))
                .min()
        });
        return Media::Frames(first);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("gif") => Media::Image,
        _ => Media::Video,
    }
}

/// The gallery's title: the folder's name.
fn folder_title(folder: &Path) -> String {
    std::fs::canonicalize(folder)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| folder.display().to_string())
}

/// How a card shows its video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Media {
    /// A file a `<video>` element plays (MP4, WebM).
    Video,
    /// An animated image (GIF).
    Image,
    /// A folder of frames (PNG sequence), shown by its first frame (the
    /// file name inside the folder), when it has one.
    Frames(Option<String>),
}

/// The gallery page of `videos` (already in display order), titled after
/// the folder, stamped with `now`.
pub(crate) fn render(folder: &str, videos: &[(ManifestEntry, Media)], now: SystemTime) -> String {
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
    for (v, media) in videos {
        card(&mut cards, v, media);
    }
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
            ("cards", &cards),
            ("updated", &time_element(now)),
            ("version", env!("CARGO_PKG_VERSION")),
        ],
    )
}

/// Appends the `<figure>` of one video.
fn card(out: &mut String, v: &ManifestEntry, media: &Media) {
    let env = escape(env_label(v));
    let src = escape(&percent_encode(&v.file));
    let (w, h) = (v.facts.encoded_width, v.facts.encoded_height);
    let _ = write!(
        out,
        "\n    <figure class=\"card\" data-env=\"{env}\" style=\"--hue: {hue}\">\n      ",
        hue = hue(env_label(v)),
    );
    match media {
        Media::Video => {
            let _ = write!(
                out,
                "<video class=\"media\" src=\"{src}\" width=\"{w}\" height=\"{h}\" controls muted loop \
                 playsinline preload=\"metadata\" data-frames=\"{}\" data-fps=\"{}\"></video>",
                v.facts.frames, v.facts.fps
            );
        }
        Media::Image => {
            let _ = write!(
                out,
                "<img class=\"media\" src=\"{src}\" width=\"{w}\" height=\"{h}\" alt=\"{}\">",
                escape(&v.file)
            );
        }
        Media::Frames(Some(first)) => {
            let _ = write!(
                out,
                "<a href=\"{src}/\" title=\"PNG frames: open the folder\"><img class=\"media\" \
                 src=\"{src}/{}\" width=\"{w}\" height=\"{h}\" alt=\"first frame of {}\"></a>",
                escape(&percent_encode(first)),
                escape(&v.file)
            );
        }
        Media::Frames(None) => {
            let _ = write!(
                out,
                "<div class=\"media none\" style=\"aspect-ratio: {w} / {h}\">no frames</div>"
            );
        }
    }
    let kind = match media {
        Media::Frames(_) => "<span class=\"kind\">PNG frames</span>",
        Media::Image => "<span class=\"kind\">GIF</span>",
        Media::Video => "",
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

/// A return as a caption shows it: whole numbers without decimals.
fn number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.is_finite() {
        format!("{x:.2}")
    } else {
        x.to_string()
    }
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

/// Escapes text for HTML content and double- or single-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A file name as a relative URL: every byte but the unreserved ones
/// percent-encoded, so `#`, `?`, `%` and spaces stay part of the name.
pub(crate) fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
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
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("CartPole-v1"), "CartPole-v1");
    }

    #[test]
    fn percent_encoding_keeps_names_whole() {
        assert_eq!(
            percent_encode("rl-video-episode-0.mp4"),
            "rl-video-episode-0.mp4"
        );
        assert_eq!(
            percent_encode("a b#c?d%e&é.mp4"),
            "a%20b%23c%3Fd%25e%26%C3%A9.mp4"
        );
    }

    #[test]
    fn fill_is_one_pass() {
        let t = "<{{a}}|{{b}}|{{c}}|{{ x";
        assert_eq!(
            fill(t, &[("a", "{{b}}"), ("b", "B")]),
            "<{{b}}|B|{{c}}|{{ x"
        );
    }

    #[test]
    fn numbers_drop_needless_decimals() {
        assert_eq!(number(500.0), "500");
        assert_eq!(number(-1234.5678), "-1234.57");
        assert_eq!(number(f64::NAN), "NaN");
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
        for name in ["title", "summary", "options", "cards", "updated", "version"] {
            assert!(TEMPLATE.contains(&format!("{{{{{name}}}}}")), "{name}");
        }
    }
}
