//! `gymrec record --keep`, `--keep-last`, `--max-bytes`: only the videos the
//! rules keep are left, under their outcome names, with sidecars and index
//! lines that say so, decoded back to their episodes' frames; the rules'
//! choice is checked against every episode's return from a run that kept
//! everything; bad values fail naming the value and what to write.

use super::cli::{assert_one_line_error, gymrec, temp_dir};
use gymrec::catalog::{GALLERY_FILE, ManifestEntry, read_index, read_sidecar};
use gymrec::video::probe::decode_rgb;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

/// CartPole's limit in these runs: random episodes last 8 to 40 steps, so
/// some fall before it (failures) and some reach it (successes).
const LIMIT: &str = "15";

/// Runs `gymrec record` of random CartPole into `dir` with `extra`
/// options and returns its standard output; fails the test if it fails.
fn record(dir: &Path, episodes: u64, extra: &[&str]) -> String {
    let episodes = episodes.to_string();
    let mut args = vec![
        "record",
        "--env",
        "CartPole-v1",
        "--episodes",
        &episodes,
        "--seed",
        "3",
        "--max-episode-steps",
        LIMIT,
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = gymrec(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every episode's (return, length) of the run `record` makes with
/// `episodes`, from the index of a run with `--trigger all` and no rule.
fn every_episode(name: &str, episodes: u64) -> BTreeMap<u64, (f64, u64)> {
    let dir = temp_dir(name);
    record(&dir, episodes, &["--trigger", "all"]);
    let all: BTreeMap<u64, (f64, u64)> = read_index(&dir)
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.episodes.len(), 1);
            let ep = &e.episodes[0];
            assert!(ep.complete);
            (ep.episode, (ep.ret, ep.length))
        })
        .collect();
    assert_eq!(all.len() as u64, episodes);
    std::fs::remove_dir_all(&dir).ok();
    all
}

/// The videos files of `dir` (`.mp4`), sorted.
fn mp4s(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".mp4") || n.ends_with(".part"))
        .collect();
    names.sort();
    names
}

/// The one episode `entry` shows, checked whole and decoded back: the
/// video holds its reset frame and a frame per step.
fn decoded_episode(dir: &Path, entry: &ManifestEntry) -> u64 {
    assert_eq!(entry.episodes.len(), 1, "{}", entry.file);
    let ep = &entry.episodes[0];
    assert!(ep.complete);
    let frames = decode_rgb(&dir.join(&entry.file), |_, _| true).unwrap();
    assert_eq!(frames, ep.length + 1, "{}", entry.file);
    assert_eq!(entry.facts.frames, frames);
    ep.episode
}

#[test]
fn keep_failures_leaves_only_failures_under_failure_names() {
    let every = every_episode("keep-failures-all", 12);
    // CartPole's success is surviving to the limit: a failure falls before.
    let limit: u64 = LIMIT.parse().unwrap();
    let failures: Vec<u64> = every
        .iter()
        .filter(|(_, (_, length))| *length < limit)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        !failures.is_empty() && failures.len() < every.len(),
        "the seed gives both outcomes: {every:?}"
    );

    let dir = temp_dir("keep-failures");
    let stdout = record(&dir, 12, &["--keep", "failures"]);
    let mut names: Vec<String> = failures
        .iter()
        .map(|id| format!("rl-video-episode-{id}-failure.mp4"))
        .collect();
    names.sort();
    assert_eq!(mp4s(&dir), names, "{stdout}");
    let index = read_index(&dir).unwrap();
    assert_eq!(index.len(), failures.len());
    for entry in &index {
        assert_eq!(entry.outcome.as_deref(), Some("failure"));
        let id = decoded_episode(&dir, entry);
        assert_eq!(entry.episodes[0].ret, every[&id].0);
        let sidecar = read_sidecar(&dir.join(&entry.file)).unwrap();
        assert_eq!(sidecar.outcome.as_deref(), Some("failure"));
    }
    let not_kept = every.len() - failures.len();
    assert!(
        stdout.contains(&format!(
            "--keep failures: {} videos kept, {not_kept} not kept",
            failures.len()
        )),
        "{stdout}"
    );
    // The gallery badges each card and filters by outcome.
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    assert!(html.contains("<select id=\"outcome-filter\">"), "{html}");
    assert!(html.contains(&format!(
        "<option value=\"failure\">failure ({})</option>",
        failures.len()
    )));
    assert_eq!(
        html.matches("<span class=\"outcome\" data-outcome=\"failure\"")
            .count(),
        failures.len()
    );
}

#[test]
fn best_and_worst_keep_n_of_each_window_by_return() {
    let every = every_episode("keep-best-all", 10);
    // The ids ranked within each window of 5 (earlier ids first on a tie).
    let ranked = |best: bool, window: u64| -> Vec<u64> {
        let mut ids: Vec<u64> = (window * 5..window * 5 + 5).collect();
        ids.sort_by(|a, b| {
            let order = every[a].0.total_cmp(&every[b].0);
            if best { order.reverse() } else { order }.then(a.cmp(b))
        });
        ids
    };

    let dir = temp_dir("keep-best");
    let stdout = record(&dir, 10, &["--keep", "best:2/5"]);
    let mut want: Vec<String> = (0..2)
        .flat_map(|w| ranked(true, w).into_iter().take(2))
        .map(|id| format!("rl-video-episode-{id}-best.mp4"))
        .collect();
    want.sort();
    assert_eq!(mp4s(&dir), want, "{stdout}");
    for entry in read_index(&dir).unwrap() {
        assert_eq!(entry.outcome.as_deref(), Some("best"));
        decoded_episode(&dir, &entry);
    }
    assert!(stdout.contains("4 videos kept, 6 not kept"), "{stdout}");

    // Comma-separated rules keep what any keeps, each named by its own.
    let dir = temp_dir("keep-best-worst");
    record(&dir, 10, &["--keep", "best:1/5,worst:1/5"]);
    let mut want = Vec::new();
    for w in 0..2 {
        let best = ranked(true, w)[0];
        let worst = ranked(false, w)[0];
        want.push(format!("rl-video-episode-{best}-best.mp4"));
        if worst != best {
            want.push(format!("rl-video-episode-{worst}-worst.mp4"));
        }
    }
    want.sort();
    assert_eq!(mp4s(&dir), want);
}

#[test]
fn keep_last_and_max_bytes_leave_the_newest() {
    let dir = temp_dir("keep-last");
    let stdout = record(&dir, 6, &["--trigger", "all", "--keep-last", "3"]);
    let left = mp4s(&dir);
    assert_eq!(left.len(), 3, "{stdout}");
    assert!(left.contains(&"rl-video-episode-5.mp4".to_string()));
    let index: Vec<String> = read_index(&dir)
        .unwrap()
        .into_iter()
        .map(|e| e.file)
        .collect();
    let mut sorted = index.clone();
    sorted.sort();
    assert_eq!(sorted, left, "the index lists what is left");
    assert!(
        stdout.contains("retention: 3 older videos removed"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(dir.join(GALLERY_FILE)).unwrap();
    for id in 0..6 {
        let name = format!("rl-video-episode-{id}.mp4");
        let removed = !left.contains(&name);
        assert_eq!(
            stdout.contains(&format!("{name} (removed by retention)")),
            removed,
            "{stdout}"
        );
        assert_eq!(html.contains(&format!("{name}\"")), !removed, "{name}");
        assert_eq!(
            dir.join(&name).with_extension("poster.png").exists(),
            !removed
        );
    }

    // One byte holds no video: only the newest, always kept, is left.
    let dir = temp_dir("max-bytes");
    record(&dir, 4, &["--trigger", "all", "--max-bytes", "1"]);
    assert_eq!(mp4s(&dir), ["rl-video-episode-3.mp4"]);
}

#[test]
fn keep_works_on_vector_envs() {
    let dir = temp_dir("keep-vector");
    let stdout = record(&dir, 8, &["--num-envs", "2", "--keep", "failures"]);
    let index = read_index(&dir).unwrap();
    assert!(!index.is_empty(), "{stdout}");
    let limit: u64 = LIMIT.parse().unwrap();
    for entry in &index {
        assert!(entry.file.ends_with("-failure.mp4"), "{}", entry.file);
        assert_eq!(entry.outcome.as_deref(), Some("failure"));
        let ep = entry.episodes.last().unwrap();
        assert!(ep.complete && ep.length < limit, "{entry:?}");
        assert!(decode_rgb(&dir.join(&entry.file), |_, _| true).unwrap() > 0);
    }
    assert_eq!(mp4s(&dir).len(), index.len());
}

#[test]
fn bad_keep_options_fail_naming_the_value_and_what_to_write() {
    let dir = temp_dir("keep-bad");
    let d = dir.to_str().unwrap();
    for (option, value, needles) in [
        ("--keep", "best:0/10", &["best:0/10", "at least 1"][..]),
        ("--keep", "best:3", &["best:3", "best:N/K"]),
        (
            "--keep",
            "worst:5/2",
            &["worst:5/2", "at most K", "worst:2/2"],
        ),
        (
            "--keep",
            "lucky",
            &["lucky", "failures, successes, best:N/K"],
        ),
        ("--keep", "failures,top:1/2", &["top:1/2"]),
        ("--success", "goal", &["goal", "return:X"]),
        ("--keep-last", "0", &["0", "at least 1"]),
        ("--keep-last", "few", &["few", "--keep-last 20"]),
        ("--max-bytes", "5Q", &["5Q", "500M"]),
        ("--max-bytes", "lots", &["lots", "500M"]),
    ] {
        let mut args = vec!["record", "--env", "CartPole-v1", "--out", d, option, value];
        if option == "--success" {
            args.extend(["--keep", "failures"]);
        }
        let out = gymrec(&args);
        assert!(!out.status.success(), "{option} {value}");
        let err = stderr(&out);
        for needle in needles {
            assert!(
                err.contains(needle),
                "{option} {value}: {needle:?} not in {err}"
            );
        }
    }
    // Pendulum has no success of its own: the rule asks for --success.
    let out = gymrec(&[
        "record",
        "--env",
        "Pendulum-v1",
        "--out",
        d,
        "--keep",
        "failures",
    ]);
    assert_one_line_error(&out, "--success return:X");
    assert!(stderr(&out).contains("Pendulum-v1"));
    assert!(mp4s(&dir).is_empty());
}

/// `--keep-last` removes the oldest videos, by start: the videos of
/// episodes 0-2 of 6. Videos encode in parallel, so an earlier episode's
/// file can be written last (it was, 3 runs of 3, before publishing set
/// the modification time).
#[test]
fn keep_last_removes_the_earliest_episodes() {
    let dir = temp_dir("keep-last-order");
    let stdout = record(&dir, 6, &["--trigger", "all", "--keep-last", "3"]);
    let names = ["3", "4", "5"].map(|id| format!("rl-video-episode-{id}.mp4"));
    assert_eq!(mp4s(&dir), names, "{stdout}");
}
