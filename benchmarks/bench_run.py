"""Benchmark: `research run` against the naive papermill + nbconvert CLI loop.

Runs the baseline phase for 40 municipalities of the national data (a generated config) in a
scratch folder (.bench/), first as a researcher would script it (one `papermill` CLI call and
one `jupyter nbconvert --no-input` call per municipality, in a loop), then with
`research run`, then `research run` again with nothing changed. Prints the wall time of
each, their ratio and the peak memory of each run's process tree.
Usage: python benchmarks/bench_run.py [--n 40] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of a command and all its children."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]

    def sample():
        while proc.poll() is None:
            try:
                procs = [proc, *proc.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs
                                           if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    thread.join()
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return time.perf_counter() - start, peak[0] / 2**20


def bench_config(work: Path, n: int) -> Path:
    """A config whose programme is the first n mainland municipalities by code."""
    from research.geo.classification import municipalities_table
    table = municipalities_table(ROOT / "data" / "raw")
    latest = table[table["year"] == table["year"].max()]["municipality_code"]
    codes = table[(table["year"] == 2017) & (table["region_code"] != "21")
                  & table["municipality_code"].isin(latest)]
    codes = sorted(codes["municipality_code"])[:n]
    data = yaml.safe_load((ROOT / "config" / "suupohja.yml").read_text(encoding="utf-8"))
    data["municipalities"] = codes
    data["peers"] = [c for c in data["peers"] if c not in codes]
    data["phases"]["evaluation"]["comparison"] = []
    path = work / "config" / "bench.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    work = ROOT / ".bench"
    shutil.rmtree(work, ignore_errors=True)
    for name in ("notebooks", "templates", "config"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("*.ipynb"))
    (work / "data").mkdir(parents=True)
    (work / "data" / "raw").symlink_to(ROOT / "data" / "raw")
    subprocess.run([str(BIN / "research"), "prepare"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    config = bench_config(work, args.n)
    codes = yaml.safe_load(config.read_text(encoding="utf-8"))["municipalities"]

    (work / "naive").mkdir()
    subprocess.run([str(BIN / "jupytext"), "--to", "notebook", "-o",
                    "naive/baseline.ipynb", "notebooks/baseline.py"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    script = work / "naive" / "loop.sh"
    lines = ["set -e", "cd naive"]
    for code in codes:
        lines.append(f"{BIN}/papermill -k python3 baseline.ipynb out_{code}.ipynb -r unit {code}"
                     " -p config ../config/bench.yml -p processed ../data/processed"
                     " -p raw ../data/raw --log-level ERROR")
        lines.append(f"{BIN}/jupyter nbconvert --to html --no-input out_{code}.ipynb "
                     "--log-level ERROR")
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    naive_s, naive_mb = timed(["bash", str(script)], work)
    run = [str(BIN / "research"), "run", "--config", "config/bench.yml", "-p", "baseline",
           "-j", str(args.jobs)]
    kit_s, kit_mb = timed(run, work)
    again_s, again_mb = timed(run, work)
    print(f"baseline phase, {len(codes)} municipalities, {args.jobs} workers, "
          f"{os.cpu_count()} cores")
    print(f"naive papermill + nbconvert CLI loop: {naive_s:8.1f} s  peak {naive_mb:6.0f} MB")
    print(f"research run:                        {kit_s:8.1f} s  peak {kit_mb:6.0f} MB")
    print(f"speed-up:                            {naive_s / kit_s:8.1f} x")
    print(f"research run, nothing changed:       {again_s:8.2f} s  peak {again_mb:6.0f} MB")


if __name__ == "__main__":
    main()
