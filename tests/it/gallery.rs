//! The `index.html` gallery in a real browser: headless Chromium (Debian's
//! `chromium` package, installed by `scripts/deps.sh --test` when missing)
//! loads the page from `file://`; every `<video>` must reach a playable
//! state with the duration its index entry gives, the env filter must hide
//! the other envs, a screenshot must show a page, not a blank, with a
//! picture in every card before anything is played and the plot of return
//! per episode drawn, and clicking a point must play its episode's video;
//! in a folder recorded with a keep rule, the outcome filter (from the
//! address or chosen in its list) must hide the other outcomes.
//!
//! Where things are on the page is read from the DOM of an instrumented
//! copy of the page (the same page with a script that writes element boxes
//! and colours into attributes) at the screenshot's window size.
//!
//! Set `GYMREC_CHROMIUM` to use another Chromium binary.

use gymrec::catalog::{GALLERY_FILE, ManifestEntry, listed_videos, poster_size, read_index};
use gymrec::env::{Env, RenderMode, SpaceValue};
use gymrec::record::{Keep, RecordingConfig, Success, Trigger, VideoStart};
use gymrec::video::VideoFormat;
use gymrec::video::probe::decode_rgb;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long one Chromium run may take before the test fails.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// HTMLMediaElement.HAVE_FUTURE_DATA: enough data to start playing.
const HAVE_FUTURE_DATA: u32 = 3;

/// The folder shared by the tests: videos of the four classic envs in
/// every format (MP4, WebM, GIF, PNG frames), one MP4 with a file-name
/// prefix full of characters that need escaping, two videos rejected by a
/// keep filter, and one deleted by hand.
fn gallery_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gymrec-gallery-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (id, format, prefix, episodes, length) in [
            ("CartPole-v1", VideoFormat::Mp4, "cart", 3, 40),
            ("Pendulum-v1", VideoFormat::Mp4, "pendulum #1 & <2>", 2, 45),
            ("MountainCar-v0", VideoFormat::WebM, "car", 2, 33),
            ("Acrobot-v1", VideoFormat::Gif, "acrobot", 1, 30),
            ("CartPole-v1", VideoFormat::Png, "frames", 1, 20),
        ] {
            let env = gymrec::make(id, RenderMode::RgbArray).unwrap();
            let mut env = RecordingConfig::new(&dir)
                .episode_trigger(Trigger::always())
                .format(format)
                .video_length(length)
                .name_prefix(prefix)
                // Not kept: episode 1 of the 30 fps envs (Pendulum, MountainCar).
                .keep_if(|v| v.started_by != VideoStart::Episode(1) || v.facts.fps != 30)
                .gallery()
                .wrap(env)
                .unwrap();
            for episode in 0..episodes {
                env.reset(Some(episode)).unwrap();
                for t in 0..length {
                    let action = match id {
                        "Pendulum-v1" => {
                            SpaceValue::Box(vec![if t % 20 < 10 { 2.0 } else { -2.0 }])
                        }
                        _ => SpaceValue::Discrete((t / 5 % 2) as i64),
                    };
                    if env.step(action).unwrap().done() {
                        break;
                    }
                }
            }
            env.take_report().into_result().unwrap();
        }
        std::fs::remove_file(dir.join("cart-episode-2.mp4")).unwrap();
        gymrec::catalog::write_gallery(&dir).unwrap();
        dir
    })
}

/// Removes the shared folder once every test that uses it has passed.
fn done_with_gallery_dir() {
    static REMAINING: AtomicUsize = AtomicUsize::new(5);
    if REMAINING.fetch_sub(1, Ordering::SeqCst) == 1 {
        std::fs::remove_dir_all(gallery_dir()).ok();
    }
}

/// The videos the gallery should show, newest first.
fn expected_videos() -> Vec<ManifestEntry> {
    let listed = listed_videos(gallery_dir()).unwrap();
    let mut names: Vec<&str> = listed.iter().map(|e| e.file.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "acrobot-episode-0.gif",
            "car-episode-0.webm",
            "cart-episode-0.mp4",
            "cart-episode-1.mp4",
            "frames-episode-0",
            "pendulum #1 & <2>-episode-0.mp4",
        ]
    );
    listed
}

/// The Chromium binary: `GYMREC_CHROMIUM`, else `chromium` on the PATH,
/// installed with `scripts/deps.sh --test` when missing. Fails the test
/// with what to do when there is none and it cannot be installed.
fn chromium() -> &'static Path {
    static CHROMIUM: OnceLock<PathBuf> = OnceLock::new();
    CHROMIUM.get_or_init(|| {
        if let Some(path) = std::env::var_os("GYMREC_CHROMIUM") {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "GYMREC_CHROMIUM={} is not a file; point it at a Chromium binary or unset it",
                path.display()
            );
            return path;
        }
        if let Some(path) = find_on_path("chromium") {
            return path;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/deps.sh");
        eprintln!(
            "chromium not found; installing it with {} --test",
            script.display()
        );
        let out = Command::new("bash")
            .arg(&script)
            .arg("--test")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        find_on_path("chromium").unwrap_or_else(|| {
            panic!(
                "the gallery test needs headless Chromium, which is not installed, and \
                 `{} --test` could not install it ({}{}). Install Debian's `chromium` \
                 package (sudo apt-get install chromium) or set GYMREC_CHROMIUM to a Chromium \
                 binary.",
                script.display(),
                out.status,
                match String::from_utf8_lossy(&out.stderr).trim() {
                    "" => String::new(),
                    err => format!(": {err}"),
                }
            )
        })
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `args` and a fresh profile, and
/// returns its standard output. Fails the test if it fails or hangs.
fn run_chromium(url: &str, args: &[&str]) -> String {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "gymrec-chromium-profile-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--hide-scrollbars",
            "--mute-audio",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
    // Drain the pipes on threads so a chatty Chromium never blocks.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish {url} within {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap().unwrap();
    let err = err.join().unwrap().unwrap_or_default();
    std::fs::remove_dir_all(&profile).ok();
    assert!(
        status.success(),
        "chromium failed on {url} ({status}):\n{err}"
    );
    out
}

fn page_url(fragment: &str) -> String {
    let page = gallery_dir().join(GALLERY_FILE);
    format!("file://{}{fragment}", page.display())
}

/// The attributes of every `<tag ...>` in `html` (a serialized DOM, where
/// attribute values are double-quoted and escaped).
fn elements(html: &str, tag: &str) -> Vec<HashMap<String, String>> {
    html.split(&format!("<{tag} "))
        .skip(1)
        .map(|rest| {
            let mut attrs = HashMap::new();
            let mut s = &rest[..rest.find('>').unwrap()];
            loop {
                s = s.trim_start();
                if s.is_empty() {
                    break;
                }
                let name_end = s.find(['=', ' ']).unwrap_or(s.len());
                let name = s[..name_end].to_string();
                if s[name_end..].starts_with("=\"") {
                    let value = &s[name_end + 2..];
                    let end = value.find('"').unwrap();
                    attrs.insert(name, unescape(&value[..end]));
                    s = &value[end + 1..];
                } else {
                    attrs.insert(name, String::new());
                    s = &s[name_end..];
                }
            }
            attrs
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The picture of each card of `dom`: its tag (`video` or `img`) and
/// attributes.
fn card_media(dom: &str) -> Vec<(&'static str, HashMap<String, String>)> {
    dom.split("<figure ")
        .skip(1)
        .map(|card| {
            let tag = if card.contains("<video ") {
                "video"
            } else {
                "img"
            };
            (tag, elements(card, tag).remove(0))
        })
        .collect()
}

/// The `id` of each card of `html` and the file its caption links.
fn cards_of(html: &str) -> Vec<(String, String)> {
    html.split("<figure ")
        .skip(1)
        .map(|card| {
            let id = elements(&format!("<figure {card}"), "figure")[0]["id"].clone();
            let link = elements(card, "a")
                .into_iter()
                .find(|a| a.get("class").is_some_and(|c| c == "file"))
                .unwrap();
            (id, percent_decode(&link["href"]))
        })
        .collect()
}

#[test]
fn every_video_plays_in_chromium_with_its_duration() {
    let expected = expected_videos();
    let dom = run_chromium(&page_url(""), &["--dump-dom"]);
    let cards = elements(&dom, "figure");
    let media = card_media(&dom);
    assert_eq!(cards.len(), expected.len(), "one card per listed video");
    let files: Vec<String> = cards_of(&dom).into_iter().map(|(_, file)| file).collect();
    let want: Vec<&str> = expected.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files, want, "every listed video, newest first");
    let mut videos = 0;
    for ((tag, element), entry) in media.iter().zip(&expected) {
        assert!(
            !element.contains_key("data-error"),
            "{}: {element:?}",
            entry.file
        );
        // Every card shows its poster: a video as its poster, an image
        // (a GIF, a PNG sequence) as its source until played.
        let poster = entry
            .poster
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no poster in the index", entry.file));
        let shown = element.get(if *tag == "img" { "src" } else { "poster" });
        assert_eq!(
            shown.map(|s| percent_decode(s)).as_deref(),
            Some(poster),
            "{}: {element:?}",
            entry.file
        );
        if *tag == "img" {
            assert!(
                entry.file.ends_with(".gif") || entry.facts.codec == "png",
                "{} is shown as an image",
                entry.file
            );
            let width = element.get("data-natural-width");
            let (poster_width, _) = poster_size(entry.facts.width, entry.facts.height);
            assert_eq!(
                width,
                Some(&poster_width.to_string()),
                "{}: the poster loaded: {element:?}",
                entry.file
            );
            if entry.file.ends_with(".gif") {
                assert_eq!(
                    element
                        .get("data-src")
                        .map(|s| percent_decode(s))
                        .as_deref(),
                    Some(entry.file.as_str()),
                    "a GIF plays from its file"
                );
            }
            continue;
        }
        videos += 1;
        let ready: u32 = element
            .get("data-ready-state")
            .unwrap_or_else(|| panic!("{}: no readyState recorded: {element:?}", entry.file))
            .parse()
            .unwrap();
        assert!(
            ready >= HAVE_FUTURE_DATA,
            "{}: readyState {ready}",
            entry.file
        );
        let duration: f64 = element["data-duration"].parse().unwrap();
        let want = entry.facts.frames as f64 / entry.facts.fps as f64;
        assert!(
            (duration - want).abs() <= 0.5 / entry.facts.fps as f64 + 1e-3,
            "{}: the browser says {duration} s, the index {want} s",
            entry.file
        );
    }
    assert_eq!(
        videos, 4,
        "the MP4 and WebM videos play in <video> elements"
    );
    done_with_gallery_dir();
}

#[test]
fn the_env_filter_hides_the_other_envs() {
    expected_videos();
    let dom = run_chromium(&page_url("#env=CartPole-v1"), &["--dump-dom"]);
    let cards = elements(&dom, "figure");
    assert_eq!(cards.len(), 6);
    let shown: Vec<&str> = cards
        .iter()
        .filter(|c| !c.contains_key("hidden"))
        .map(|c| c["data-env"].as_str())
        .collect();
    assert_eq!(shown, ["CartPole-v1"; 3]);
    let select = elements(&dom, "select");
    assert_eq!(select.len(), 1);
    let options: HashSet<String> = elements(&dom, "option")
        .into_iter()
        .map(|o| o["value"].clone())
        .collect();
    let want: HashSet<String> = [
        "",
        "Acrobot-v1",
        "CartPole-v1",
        "MountainCar-v0",
        "Pendulum-v1",
    ]
    .map(String::from)
    .into();
    assert_eq!(options, want);
    assert!(
        dom.contains("3 of 6 videos"),
        "the summary counts what is shown"
    );

    // Without a filter every card shows.
    let dom = run_chromium(&page_url(""), &["--dump-dom"]);
    assert!(
        elements(&dom, "figure")
            .iter()
            .all(|c| !c.contains_key("hidden"))
    );
    done_with_gallery_dir();
}

#[test]
fn a_screenshot_of_the_gallery_is_not_blank() {
    expected_videos();
    let shot = std::env::temp_dir().join(format!("gymrec-gallery-{}.png", std::process::id()));
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &page_url(""),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,900",
        ],
    );
    let image = image::open(&shot)
        .unwrap_or_else(|e| panic!("{}: {e}", shot.display()))
        .to_rgb8();
    assert_eq!(image.dimensions(), (1200, 900));
    let mut counts: HashMap<[u8; 3], u64> = HashMap::new();
    for p in image.pixels() {
        *counts.entry(p.0).or_default() += 1;
    }
    let total = u64::from(image.width() * image.height());
    let share = |colour: [u8; 3]| counts.get(&colour).copied().unwrap_or(0) as f64 / total as f64;
    let most = counts.values().max().copied().unwrap_or(0) as f64 / total as f64;
    assert!(
        counts.len() >= 500,
        "only {} distinct colours",
        counts.len()
    );
    // The env frames are mostly white, as are the cards, so white may cover
    // most of the page, but not all of it.
    assert!(
        most < 0.9,
        "one colour covers {:.0}% of the page",
        100.0 * most
    );
    // The page's own style is drawn: the header bar (#1f2937) across the
    // top, the page background (#f3f4f6) between the cards.
    assert_eq!(image.get_pixel(600, 5).0, [0x1f, 0x29, 0x37]);
    assert!(share([0x1f, 0x29, 0x37]) > 0.03, "no header bar");
    assert!(share([0xf3, 0xf4, 0xf6]) > 0.03, "no page background");
    // Keep the screenshot to look at when GYMREC_KEEP_SCREENSHOT is set.
    if let Some(path) = std::env::var_os("GYMREC_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, path).unwrap();
    }
    std::fs::remove_file(&shot).ok();
    done_with_gallery_dir();
}

/// The window of the screenshot and of the instrumented page whose DOM
/// says where things are: tall enough for the whole gallery.
const WINDOW: (u32, u32) = (1200, 2000);

/// Writes a copy of the gallery page, named `name`, that runs `script`
/// after the page's own, and returns its URL with `fragment`.
fn instrumented_page(name: &str, script: &str, fragment: &str) -> String {
    let dir = gallery_dir();
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    assert!(html.contains("</body>"));
    let html = html.replacen("</body>", &format!("<script>{script}</script>\n</body>"), 1);
    std::fs::write(dir.join(name), html).unwrap();
    format!("file://{}{fragment}", dir.join(name).display())
}

/// Writes into each card's picture, each circle of the plot and its axes
/// their box on the page (`data-box`: left, top, width, height in CSS
/// pixels, from the page's top left), their stroke colour (`data-stroke`)
/// and the opacity of the point they draw (`data-opacity`), and the page's
/// height into `<body data-height>`.
const BOXES: &str = r#"
window.addEventListener("load", function () {
  setTimeout(function () {
    function box(e) {
      var r = e.getBoundingClientRect();
      return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height].join(",");
    }
    document.querySelectorAll(".card .media, svg.plot circle, svg.plot .axes").forEach(function (e) {
      e.setAttribute("data-box", box(e));
      e.setAttribute("data-stroke", getComputedStyle(e).stroke);
      var point = e.closest(".pt");
      e.setAttribute("data-opacity", point ? getComputedStyle(point).opacity : "1");
    });
    document.body.setAttribute("data-height", String(document.documentElement.scrollHeight));
  }, 1000);
});
"#;

/// A box written by [`BOXES`]: left, top, width, height.
fn bounds(element: &HashMap<String, String>) -> [f64; 4] {
    let values: Vec<f64> = element["data-box"]
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    [values[0], values[1], values[2], values[3]]
}

/// `rgb(r, g, b)` as CSS writes a computed colour.
fn css_rgb(text: &str) -> [u8; 3] {
    let inner = text
        .strip_prefix("rgb(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not an rgb() colour: {text}"));
    let v: Vec<u8> = inner
        .split(',')
        .map(|c| c.trim().parse().unwrap())
        .collect();
    [v[0], v[1], v[2]]
}

fn near(a: [u8; 3], b: [u8; 3], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
}

/// The pixels of `image` inside `b` (a CSS-pixel box, at a device pixel
/// ratio of 1), `inset` pixels in from each side.
fn pixels_in(image: &image::RgbImage, b: [f64; 4], inset: f64) -> Vec<(u32, u32, [u8; 3])> {
    let x0 = (b[0] + inset).ceil().max(0.0) as u32;
    let y0 = (b[1] + inset).ceil().max(0.0) as u32;
    let x1 = ((b[0] + b[2] - inset).floor() as u32).min(image.width());
    let y1 = ((b[1] + b[3] - inset).floor() as u32).min(image.height());
    let mut out = Vec::new();
    for y in y0..y1 {
        for x in x0..x1 {
            out.push((x, y, image.get_pixel(x, y).0));
        }
    }
    out
}

/// The mean difference per channel between `shown` and `picture` scaled
/// to its size.
fn mean_difference(shown: &image::RgbImage, picture: &image::RgbImage) -> f64 {
    let scaled = image::imageops::resize(
        picture,
        shown.width(),
        shown.height(),
        image::imageops::FilterType::Triangle,
    );
    shown
        .as_raw()
        .iter()
        .zip(scaled.as_raw())
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / shown.as_raw().len() as f64
}

/// A screenshot of the page at [`WINDOW`], taken before anything plays.
fn screenshot() -> image::RgbImage {
    let shot =
        std::env::temp_dir().join(format!("gymrec-gallery-tiles-{}.png", std::process::id()));
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &page_url(""),
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        ],
    );
    let image = image::open(&shot)
        .unwrap_or_else(|e| panic!("{}: {e}", shot.display()))
        .to_rgb8();
    if let Some(path) = std::env::var_os("GYMREC_KEEP_TILES_SCREENSHOT") {
        std::fs::copy(&shot, path).unwrap();
    }
    std::fs::remove_file(&shot).ok();
    assert_eq!(image.dimensions(), WINDOW);
    image
}

#[test]
fn every_card_shows_its_poster_and_the_plot_is_drawn_before_anything_plays() {
    let expected = expected_videos();
    let dom = run_chromium(
        &instrumented_page("boxes.html", BOXES, ""),
        &[
            "--dump-dom",
            &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        ],
    );
    let height: f64 = elements(&dom, "body")[0]["data-height"].parse().unwrap();
    assert!(
        height <= f64::from(WINDOW.1),
        "the page ({height} px) is taller than the screenshot"
    );
    let image = screenshot();

    // Every card's picture: not black, and the poster, scaled to the card.
    let tiles: Vec<HashMap<String, String>> =
        card_media(&dom).into_iter().map(|(_, m)| m).collect();
    assert_eq!(tiles.len(), expected.len());
    for (tile, entry) in tiles.iter().zip(&expected) {
        let b = bounds(tile);
        assert!(b[2] >= 300.0 && b[3] >= 150.0, "{}: box {b:?}", entry.file);
        let pixels = pixels_in(&image, b, 2.0);
        let lit = pixels
            .iter()
            .filter(|(_, _, p)| p.iter().any(|&c| c > 48))
            .count();
        let share = lit as f64 / pixels.len() as f64;
        assert!(
            share > 0.5,
            "{}: only {:.0}% of its tile is not black",
            entry.file,
            100.0 * share
        );
        // The picture is the poster, not the video's first frame (which
        // Chromium may show by itself once it has loaded the video).
        let (x0, y0) = (pixels[0].0, pixels[0].1);
        let (x1, y1) = (pixels[pixels.len() - 1].0, pixels[pixels.len() - 1].1);
        let crop = image::imageops::crop_imm(&image, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
        let poster = image::open(gallery_dir().join(entry.poster.as_ref().unwrap()))
            .unwrap()
            .to_rgb8();
        let mut first = None;
        decode_rgb(&gallery_dir().join(&entry.file), |_, frame| {
            first = Some(frame.clone());
            false
        })
        .unwrap();
        let to_poster = mean_difference(&crop, &poster);
        let to_first = mean_difference(&crop, &first.unwrap());
        assert!(
            to_poster < 12.0 && to_poster < to_first,
            "{}: the tile differs from its poster by {to_poster:.2} per channel on average, \
             from the video's first frame by {to_first:.2}",
            entry.file
        );
    }

    // The plot: a point per episode of each run in the index, videos
    // deleted since included, each drawn in its colour.
    let mut last: HashMap<&str, &ManifestEntry> = HashMap::new();
    let index = read_index(gallery_dir()).unwrap();
    for entry in &index {
        last.insert(entry.file.as_str(), entry);
    }
    let episodes: HashSet<(&str, u64)> = last
        .values()
        .flat_map(|e| {
            let run = e.file.split("-episode-").next().unwrap();
            e.episodes.iter().map(move |ep| (run, ep.episode))
        })
        .collect();
    let circles = elements(&dom, "circle");
    assert_eq!(circles.len(), episodes.len(), "one point per episode");
    assert_eq!(episodes.len(), 7);
    for circle in &circles {
        let b = bounds(circle);
        // A faded point (its video was deleted) blends into the white plot.
        let opacity: f64 = circle["data-opacity"].parse().unwrap();
        let colour = css_rgb(&circle["data-stroke"])
            .map(|c| (opacity * f64::from(c) + (1.0 - opacity) * 255.0).round() as u8);
        let drawn = pixels_in(&image, b, 0.0)
            .into_iter()
            .filter(|(_, _, p)| near(*p, colour, 40))
            .count();
        assert!(
            drawn >= 8,
            "the point at {b:?} has {drawn} pixels of its colour {colour:?}"
        );
    }
    let axes = elements(&dom, "path")
        .into_iter()
        .find(|p| p.get("class").is_some_and(|c| c == "axes"))
        .expect("the plot's axes");
    let b = bounds(&axes);
    let colour = css_rgb(&axes["data-stroke"]);
    let bottom = (b[1] + b[3]).round() as u32;
    let columns = (b[0].ceil() as u32 + 2..(b[0] + b[2]).floor() as u32 - 2).collect::<Vec<_>>();
    let on_axis = columns
        .iter()
        .filter(|&&x| (bottom - 1..=bottom + 1).any(|y| near(image.get_pixel(x, y).0, colour, 60)))
        .count();
    assert!(
        on_axis as f64 >= 0.95 * columns.len() as f64,
        "the x axis is drawn in {on_axis} of {} columns",
        columns.len()
    );
    // The points link to the cards of their videos; a deleted video's
    // point links nowhere.
    let links: Vec<HashMap<String, String>> = elements(&dom, "a")
        .into_iter()
        .filter(|a| {
            a.get("class")
                .is_some_and(|c| c.split(' ').any(|c| c == "pt"))
        })
        .collect();
    assert_eq!(links.len(), 6, "every episode but the deleted video's");
    let cards: HashMap<String, String> = cards_of(&dom).into_iter().collect();
    for link in &links {
        let file = &cards[&link["data-card"]];
        let episode: u64 = link["data-episode"].parse().unwrap();
        assert!(
            last[file.as_str()]
                .episodes
                .iter()
                .any(|e| e.episode == episode),
            "{link:?} leads to {file}"
        );
    }
    done_with_gallery_dir();
}

/// Clicks the plot's point of the GIF's card, then of an MP4's card, with
/// the env filter hiding the MP4, and writes what happened into `<body>`.
const CLICKS: &str = r##"
window.addEventListener("load", function () {
  document.querySelectorAll("video").forEach(function (v) {
    v.addEventListener("playing", function () { v.setAttribute("data-played", "yes"); });
  });
  function click(card) {
    var point = document.querySelector('a.pt[data-card="' + card + '"]');
    point.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
  }
  setTimeout(function () {
    var gif = document.querySelector("#GIF_CARD img");
    click("GIF_CARD");
    document.body.setAttribute("data-gif-playing", gif.getAttribute("src"));
    click("MP4_CARD");
    document.body.setAttribute("data-gif-after", gif.getAttribute("src"));
    document.body.setAttribute("data-filter", document.getElementById("env-filter").value);
  }, 500);
  setTimeout(function () {
    var video = document.querySelector("#MP4_CARD video");
    document.body.setAttribute("data-paused", String(video.paused));
  }, 3000);
});
"##;

#[test]
fn clicking_a_point_plays_its_episodes_video() {
    expected_videos();
    // The card ids, from the page as written.
    let html = std::fs::read_to_string(gallery_dir().join(GALLERY_FILE)).unwrap();
    let cards = cards_of(&html);
    let card_of = |file: &str| -> String {
        cards
            .iter()
            .find(|(_, f)| f == file)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no card for {file}"))
    };
    let (gif, mp4) = (
        card_of("acrobot-episode-0.gif"),
        card_of("cart-episode-1.mp4"),
    );
    let script = CLICKS.replace("GIF_CARD", &gif).replace("MP4_CARD", &mp4);
    let dom = run_chromium(
        &instrumented_page("clicks.html", &script, "#env=Acrobot-v1"),
        &["--dump-dom", "--autoplay-policy=no-user-gesture-required"],
    );
    let body = &elements(&dom, "body")[0];
    assert_eq!(
        body.get("data-gif-playing")
            .map(|s| percent_decode(s))
            .as_deref(),
        Some("acrobot-episode-0.gif"),
        "the GIF's point plays the GIF"
    );
    assert_eq!(
        body.get("data-gif-after")
            .map(|s| percent_decode(s))
            .as_deref(),
        Some("acrobot-episode-0.poster.png"),
        "the GIF stops when another point is clicked"
    );
    assert_eq!(
        body.get("data-filter").map(String::as_str),
        Some(""),
        "the filter that hid the MP4 is cleared"
    );
    let card = elements(&dom, "figure")
        .into_iter()
        .find(|f| f["id"] == mp4)
        .unwrap();
    assert!(!card.contains_key("hidden"), "{card:?}");
    assert!(card["class"].split(' ').any(|c| c == "picked"), "{card:?}");
    let video = dom
        .split("<figure ")
        .skip(1)
        .find(|c| c.contains(&format!("id=\"{mp4}\"")))
        .map(|c| elements(c, "video").remove(0))
        .unwrap();
    assert_eq!(
        video.get("data-played").map(String::as_str),
        Some("yes"),
        "{video:?}"
    );
    assert_eq!(body.get("data-paused").map(String::as_str), Some("false"));
    done_with_gallery_dir();
}

/// A folder of CartPole GIFs kept as failures or successes (surviving to
/// a limit of 15 steps): even episodes push one way and fall, odd ones
/// alternate.
fn outcome_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-gallery-outcomes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let env = gymrec::env::Registry::classic()
        .make_with_limit("CartPole-v1", RenderMode::RgbArray, Some(15))
        .unwrap();
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::always())
        .format(VideoFormat::Gif)
        .keep(Keep::any([
            Keep::failures(Success::Truncated),
            Keep::successes(Success::Truncated),
        ]))
        .outcome_in_name(true)
        .gallery()
        .wrap(env)
        .unwrap();
    for episode in 0..4u64 {
        env.reset(Some(episode)).unwrap();
        for t in 0.. {
            let action = if episode % 2 == 0 { 0 } else { t % 2 };
            if env.step(SpaceValue::Discrete(action)).unwrap().done() {
                break;
            }
        }
    }
    env.take_report().into_result().unwrap();
    dir
}

#[test]
fn the_outcome_filter_hides_the_other_outcomes() {
    let dir = outcome_dir();
    let outcomes: Vec<String> = listed_videos(&dir)
        .unwrap()
        .into_iter()
        .map(|e| e.outcome.unwrap())
        .collect();
    let count = |outcome: &str| outcomes.iter().filter(|o| *o == outcome).count();
    assert!(count("failure") > 0 && count("success") > 0, "{outcomes:?}");
    let shown = |dom: &str| -> Vec<String> {
        elements(dom, "figure")
            .into_iter()
            .filter(|c| !c.contains_key("hidden"))
            .map(|c| c["data-outcome"].clone())
            .collect()
    };
    let page = dir.join(GALLERY_FILE);

    // From the address, alone and with the env filter.
    let dom = run_chromium(
        &format!("file://{}#outcome=failure", page.display()),
        &["--dump-dom"],
    );
    assert_eq!(shown(&dom), vec!["failure"; count("failure")]);
    assert!(
        dom.contains(&format!(
            "{} of {} videos",
            count("failure"),
            outcomes.len()
        )),
        "the summary counts what is shown"
    );
    let both = format!("file://{}#env=CartPole-v1&outcome=success", page.display());
    let dom = run_chromium(&both, &["--dump-dom"]);
    assert_eq!(shown(&dom), vec!["success"; count("success")]);

    // Chosen in the list, as a reader does.
    let choose = r#"<script>
var s = document.getElementById("outcome-filter");
s.value = "success";
s.dispatchEvent(new Event("change"));
</script>
</body>"#;
    let html = std::fs::read_to_string(&page)
        .unwrap()
        .replacen("</body>", choose, 1);
    std::fs::write(dir.join("choose.html"), html).unwrap();
    let dom = run_chromium(
        &format!("file://{}", dir.join("choose.html").display()),
        &["--dump-dom"],
    );
    assert_eq!(shown(&dom), vec!["success"; count("success")]);
    std::fs::remove_dir_all(&dir).ok();
}
