"""Side-by-side: gymrec against Gymnasium's RecordVideo and the ffmpeg
command-line tool, on the same workloads, in one run. Started by
benches/compare.sh, which builds gymrec and the pinned Python venv.

For each workload the runs alternate gymrec, Gymnasium, ffmpeg, gymrec, ...
and the table gives medians. Frames per second count frames captured (one
per reset and per step) over the wall-clock time of the whole process;
peak RSS is the process's own (os.wait4); frames in files are counted by
decoding every file with ffprobe.
"""

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
GYMREC = ROOT / "target/release/gymrec"
DUMP = ROOT / "target/release/examples/dump_frames"
SIZES = {"CartPole-v1": (600, 400, 50), "Pendulum-v1": (500, 500, 30)}
WORKLOADS = [
    ("CartPole-v1", 10, 500, "CartPole 10 x 500 steps"),
    ("Pendulum-v1", 10, 200, "Pendulum 10 x 200 steps"),
    ("CartPole-v1", 1, 5000, "CartPole 1 x 5,000 steps"),
]




def run_measured(cmd, stdin_path=None):
    """Runs cmd with os.wait4 for its own peak RSS; returns (seconds, MiB, stdout)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=out_file, stderr=err_file)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_file.seek(0)
    err_file.seek(0)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed: {err_file.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024.0, out_file.read().decode()


def frames_in(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return int(out)


def folder_facts(folder):
    files = sorted(pathlib.Path(folder).glob("*.mp4"))
    return sum(f.stat().st_size for f in files), sum(frames_in(f) for f in files), len(files)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    python = sys.executable
    gym_side = ROOT / "benches/gymnasium_side.py"
    work = pathlib.Path(tempfile.mkdtemp(prefix="gymrec-compare-", dir="/dev/shm"))
    rows = []
    try:
        for env_id, episodes, steps, label in WORKLOADS:
            captured = episodes * (steps + 1)
            w, h, fps = SIZES[env_id]
            raw = work / "frames.rgb"
            with open(raw, "wb") as f:
                subprocess.run([str(DUMP), env_id, str(episodes), str(steps)], stdout=f,
                               stderr=subprocess.DEVNULL, check=True)
            results = {"gymrec": [], "Gymnasium RecordVideo": [], "ffmpeg CLI (raw frames)": []}
            facts = {}
            for r in range(rounds):
                out = work / "gymrec"
                shutil.rmtree(out, ignore_errors=True)
                results["gymrec"].append(run_measured([
                    str(GYMREC), "record", "--env", env_id, "--episodes", str(episodes),
                    "--policy", "heuristic", "--trigger", "all", "--max-episode-steps", str(steps),
                    "--threads", "1", "--out", str(out), "--quiet"]))
                facts["gymrec"] = folder_facts(out)

                out = work / "gymnasium"
                shutil.rmtree(out, ignore_errors=True)
                t, rss, stdout = run_measured([python, str(gym_side), env_id, str(episodes), str(steps), str(out)])
                gym_captured = json.loads(stdout.strip().splitlines()[-1])["frames"]
                results["Gymnasium RecordVideo"].append((t, rss, stdout))
                facts["Gymnasium RecordVideo"] = folder_facts(out)
                if gym_captured != captured:
                    print(f"note: Gymnasium captured {gym_captured} frames, gymrec {captured}")

                out = work / "ffmpeg"
                out.mkdir(exist_ok=True)
                results["ffmpeg CLI (raw frames)"].append(run_measured([
                    "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo",
                    "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", str(raw),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", "1",
                    "-pix_fmt", "yuv420p", "-g", str(fps),
                    "-movflags", "frag_keyframe+empty_moov+default_base_moof",
                    "-flush_packets", "1", str(out / "all.mp4")]))
                facts["ffmpeg CLI (raw frames)"] = folder_facts(out)
            for tool, runs in results.items():
                t = statistics.median(r[0] for r in runs)
                rss = statistics.median(r[1] for r in runs)
                size, in_files, files = facts[tool]
                rows.append((label, tool, captured / t, rss, size, in_files, captured, files))
            raw.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"median of {rounds} alternating rounds; {os.cpu_count()} cores; "
          f"libx264 veryfast crf 23, 1 thread, yuv420p, keyframe every second for gymrec and ffmpeg; "
          f"Gymnasium's RecordVideo encodes through moviepy with its defaults")
    print()
    print("| workload | tool | frames/s | peak RSS MiB | MiB written | frames in files / captured |")
    print("|---|---|---:|---:|---:|---|")
    for label, tool, speed, rss, size, in_files, captured, files in rows:
        print(f"| {label} | {tool} | {speed:.0f} | {rss:.1f} | {size / 2**20:.2f} | {in_files} / {captured} ({files} files) |")
    print()
    print("| workload | gymrec / Gymnasium speed | gymrec / ffmpeg speed | Gymnasium / gymrec peak RSS |")
    print("|---|---:|---:|---:|")
    for label in dict.fromkeys(r[0] for r in rows):
        by_tool = {r[1]: r for r in rows if r[0] == label}
        g, p, f = by_tool["gymrec"], by_tool["Gymnasium RecordVideo"], by_tool["ffmpeg CLI (raw frames)"]
        print(f"| {label} | {g[2] / p[2]:.2f} | {g[2] / f[2]:.2f} | {p[3] / g[3]:.1f} |")


if __name__ == "__main__":
    main()
