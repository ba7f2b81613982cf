//! The `index.html` gallery in a real browser: headless Chromium (Debian's
//! `chromium` package, installed by `scripts/deps.sh --test` when missing)
//! loads the page from `file://`; every `<video>` must reach a playable
//! state with the duration its index entry gives, the env filter must hide
//! the other envs, and a screenshot must show a page, not a blank.
//!
//! Set `GYMREC_CHROMIUM` to use another Chromium binary.

use gymrec::catalog::{GALLERY_FILE, ManifestEntry, listed_videos};
use gymrec::env::{Env, RenderMode, SpaceValue};
use gymrec::record::{RecordingConfig, Trigger, VideoStart};
use gymrec::video::VideoFormat;
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
    static REMAINING: AtomicUsize = AtomicUsize::new(3);
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

#[test]
fn every_video_plays_in_chromium_with_its_duration() {
    let expected = expected_videos();
    let dom = run_chromium(&page_url(""), &["--dump-dom"]);
    let cards = elements(&dom, "figure");
    let media: Vec<(&str, HashMap<String, String>)> = dom
        .split("<figure ")
        .skip(1)
        .map(|card| {
            let tag = if card.contains("<video ") {
                "video"
            } else {
                "img"
            };
            (tag, elements(card, tag).remove(0))
        })
        .collect();
    assert_eq!(cards.len(), expected.len(), "one card per listed video");
    let files: Vec<String> = media
        .iter()
        .map(|(_, m)| {
            let src = percent_decode(&m["src"]);
            // A PNG sequence shows its first frame, inside its folder.
            src.strip_suffix("/frame-000000.png")
                .map_or(src.clone(), str::to_string)
        })
        .collect();
    let want: Vec<&str> = expected.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files, want, "every listed video, newest first");
    let mut videos = 0;
    for ((tag, element), entry) in media.iter().zip(&expected) {
        assert!(
            !element.contains_key("data-error"),
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
            assert_eq!(
                width,
                Some(&entry.facts.width.to_string()),
                "{}: {element:?}",
                entry.file
            );
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
