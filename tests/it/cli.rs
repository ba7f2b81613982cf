//! The `gymrec` binary: listing, frames, recording, and its one-line errors.

use gymrec::video::probe::{decode_rgb, probe};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn gymrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gymrec"))
        .args(args)
        .output()
        .unwrap()
}

pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gymrec-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts a failed run with a single `gymrec: error:` line containing `needle`.
pub(crate) fn assert_one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("gymrec: error:"), "{stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
}

#[test]
fn envs_lists_ids_sizes_fps_and_spaces() {
    let out = gymrec(&["envs"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for (id, size, fps) in [
        ("CartPole-v1", "600x400", "50"),
        ("MountainCar-v0", "600x400", "30"),
        ("Pendulum-v1", "500x500", "30"),
        ("Acrobot-v1", "500x500", "15"),
    ] {
        let line = text.lines().find(|l| l.starts_with(id)).expect(id);
        assert!(
            line.contains(size) && line.contains(&format!(" {fps} ")),
            "{line}"
        );
    }
    assert!(text.contains("Discrete(2)") && text.contains("Box(-2, 2, (1,))"));
}

#[test]
fn frame_writes_the_png_of_the_given_state() {
    let dir = temp_dir("frame");
    let out_path = dir.join("pendulum.png");
    let out = gymrec(&[
        "frame",
        "--env",
        "Pendulum-v1",
        "--state",
        "-0.7,1.5",
        "--last-u",
        "-1.2",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = image::open(&out_path).unwrap().to_rgb8();
    let expected =
        gymrec::env::classic::render_state("Pendulum-v1", &[-0.7, 1.5], Some(-1.2)).unwrap();
    assert_eq!(png, expected);
}

#[test]
fn frame_errors_are_one_line_and_name_the_problem() {
    let dir = temp_dir("frame-errors");
    let png = dir.join("x.png");
    let png = png.to_str().unwrap();
    let out = gymrec(&["frame", "--env", "Pong-v5", "--state", "0", "--out", png]);
    assert_one_line_error(&out, "Pong-v5");
    let out = gymrec(&[
        "frame",
        "--env",
        "CartPole-v1",
        "--state",
        "0,0,0",
        "--out",
        png,
    ]);
    assert_one_line_error(&out, "3 values but needs 4");
    let out = gymrec(&[
        "frame",
        "--env",
        "CartPole-v1",
        "--state",
        "0,nan,0,0",
        "--out",
        png,
    ]);
    assert_one_line_error(&out, "x_dot");
    let out = gymrec(&[
        "frame",
        "--env",
        "CartPole-v1",
        "--state",
        "0,inf,0,0",
        "--out",
        png,
    ]);
    assert_one_line_error(&out, "not a finite number");
    let out = gymrec(&[
        "frame",
        "--env",
        "CartPole-v1",
        "--state",
        "0,zero,0,0",
        "--out",
        png,
    ]);
    assert_one_line_error(&out, "\"zero\"");
    let bad_out = dir.join("missing-folder/x.png");
    let out = gymrec(&[
        "frame",
        "--env",
        "CartPole-v1",
        "--state",
        "0,0,0,0",
        "--out",
        bad_out.to_str().unwrap(),
    ]);
    assert_one_line_error(&out, "missing-folder");
}

#[test]
fn record_writes_videos_and_a_table() {
    let dir = temp_dir("record");
    let out = gymrec(&[
        "record",
        "--env",
        "Pendulum-v1",
        "--episodes",
        "3",
        "--policy",
        "heuristic",
        "--max-episode-steps",
        "20",
        "--trigger",
        "every:2",
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for episode in [0, 2] {
        let path = dir.join(format!("rl-video-episode-{episode}.mp4"));
        assert!(stdout.contains(path.to_str().unwrap()), "{stdout}");
        let p = probe(&path).unwrap();
        assert_eq!((p.frames, p.width, p.height), (21, 500, 500));
    }
    assert!(!dir.join("rl-video-episode-1.mp4").exists());

    // Run again: the existing videos are not overwritten without --overwrite.
    let again = gymrec(&[
        "record",
        "--env",
        "Pendulum-v1",
        "--episodes",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_one_line_error(&again, "rl-video-episode-0.mp4");
}

#[test]
fn record_rejects_bad_options_with_clear_errors() {
    let dir = temp_dir("record-bad");
    let d = dir.to_str().unwrap();
    let out = gymrec(&[
        "record",
        "--env",
        "CartPole-v1",
        "--trigger",
        "every:0",
        "--out",
        d,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("every:N"));
    let out = gymrec(&["record", "--env", "CartPole-v1", "--crf", "60", "--out", d]);
    assert_one_line_error(&out, "crf");
    let out = gymrec(&[
        "record",
        "--env",
        "CartPole-v1",
        "--preset",
        "warp",
        "--out",
        d,
    ]);
    assert_one_line_error(&out, "warp");
    let out = gymrec(&[
        "record",
        "--env",
        "CartPole-v1",
        "--name-prefix",
        "../x",
        "--out",
        d,
    ]);
    assert_one_line_error(&out, "name_prefix");
}

/// `gymrec record` killed with SIGKILL in the middle of a long video leaves a
/// file that decodes, every frame of it.
#[test]
fn a_killed_recording_leaves_a_playable_video() {
    let dir = temp_dir("kill");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gymrec"))
        .args([
            "record",
            "--env",
            "CartPole-v1",
            "--episodes",
            "1",
            "--policy",
            "heuristic",
            "--max-episode-steps",
            "1000000",
            "--trigger",
            "all",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Written under its working name until it is complete.
    let path = dir.join("rl-video-episode-0.mp4.part");
    let started = Instant::now();
    // Wait until a few fragments (one a second of video) are on disk.
    while std::fs::metadata(&path).map_or(0, |m| m.len()) < 40_000 {
        assert!(started.elapsed() < Duration::from_secs(60), "no video grew");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let p = probe(&path).unwrap();
    assert!(p.frames >= 50, "{} frames", p.frames);
    assert_eq!(
        (p.width, p.height, p.pixel_format.as_str()),
        (600, 400, "yuv420p")
    );
    let decoded = decode_rgb(&path, |_, _| true).unwrap();
    assert_eq!(decoded, p.frames);
    assert!(!dir.join("rl-video-episode-0.mp4").exists());
    // A second run into the folder gives it its final name, marked
    // incomplete in its sidecar and the table.
    let second = [
        "record",
        "--env",
        "CartPole-v1",
        "--episodes",
        "1",
        "--quiet",
        "--max-episode-steps",
        "5",
        "--name-prefix",
        "second",
        "--out",
    ];
    let out = gymrec(&[&second[..], &[dir.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("rl-video-episode-0.mp4 (incomplete)"),
        "{stdout}"
    );
    let recovered = dir.join("rl-video-episode-0.mp4");
    assert_eq!(decode_rgb(&recovered, |_, _| true).unwrap(), p.frames);
    let sidecar = gymrec::catalog::read_sidecar(&recovered).unwrap();
    assert!(sidecar.incomplete);
    assert_eq!(sidecar.facts.frames, p.frames);
    assert!(!path.exists());
}
