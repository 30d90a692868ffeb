"""Benchmark: the national baseline, the naive papermill loop, the rerun and a Dask cluster.

In a scratch folder (.bench/) with the bundled data prepared, from one run:
(a) the baseline of every mainland municipality (`research new-region --country`) with
    `research run -p baseline -j JOBS`: wall time, seconds per report, peak memory of the
    process tree, the largest report;
(b) on the first N of them (default 10): the naive loop a researcher would script (one
    `papermill` CLI call and one `jupyter nbconvert --no-input` call per municipality) and
    `research run -j JOBS` on the same subset, alternated REPEAT times (default 3), with the
    ratio of their medians (single runs on a shared 2-core machine vary by 10-20 %);
(c) the national `research run` again with nothing changed;
(d) the subset with `research run --cluster local -j JOBS` (a Dask LocalCluster of JOBS
    worker processes), REPEAT times, its median against the process pool's of (b).
Usage: python benchmarks/bench_run.py [--n 10] [--jobs 2] [--repeat 3] [--skip-national]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOALS = {"national_s": 300.0, "report_mb": 1.5, "peak_mb": 2048.0, "rerun_s": 3.0,
         "speedup": 8.0, "cluster_ratio": 1.2}


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


def cpu_times():
    """The machine's CPU times since boot (psutil: user, system, idle, steal, ...)."""
    return psutil.cpu_times()


def steal_share(start, end) -> float:
    """The share of the machine's CPU time between two `cpu_times` that the hypervisor gave
    to other guests (0 on bare metal): a benchmark on a shared host is slower by about it."""
    total = sum(end) - sum(start)
    return (getattr(end, "steal", 0.0) - getattr(start, "steal", 0.0)) / total if total else 0.0


def scratch() -> Path:
    work = ROOT / ".bench"
    shutil.rmtree(work, ignore_errors=True)
    for name in ("notebooks", "templates", "config"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("*.ipynb"))
    (work / "data").mkdir(parents=True)
    (work / "data" / "raw").symlink_to(ROOT / "data" / "raw")
    subprocess.run([str(BIN / "research"), "prepare"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([str(BIN / "research"), "new-region", "--country", "--out",
                    "config/country.yml"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    return work


def subset_config(work: Path, n: int) -> tuple[Path, list[str]]:
    """The national config cut to its first n municipalities (the same reports as (a))."""
    data = yaml.safe_load((work / "config" / "country.yml").read_text(encoding="utf-8"))
    data["municipalities"] = data["municipalities"][:n]
    path = work / "config" / "subset.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path, data["municipalities"]


def naive_loop(work: Path, codes: list[str]) -> Path:
    (work / "naive").mkdir()
    subprocess.run([str(BIN / "jupytext"), "--to", "notebook", "-o", "naive/baseline.ipynb",
                    "notebooks/baseline.py"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = ["set -e", "cd naive"]
    for code in codes:
        lines.append(f"{BIN}/papermill -k python3 baseline.ipynb out_{code}.ipynb -r unit {code}"
                     " -p config ../config/subset.yml -p processed ../data/processed"
                     " -p raw ../data/raw --log-level ERROR")
        lines.append(f"{BIN}/jupyter nbconvert --to html --no-input out_{code}.ipynb "
                     "--log-level ERROR")
    script = work / "naive" / "loop.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script


def research(config: str, reports: str, jobs: int, *extra: str) -> list[str]:
    return [str(BIN / "research"), "run", "--config", config, "-p", "baseline", "-j", str(jobs),
            "--reports", reports, *extra]


def largest_report(reports: Path) -> float:
    sizes = [p.stat().st_size for p in (reports / "html" / "baseline").glob("*.html")]
    return max(sizes) / 1e6 if sizes else float("nan")


def median(runs: list[tuple[float, float]]) -> float:
    """The median wall time of repeated runs ((wall, peak) pairs)."""
    return statistics.median(wall for wall, _ in runs)


def spread(runs: list[tuple[float, float]]) -> str:
    """The range of the wall times of repeated runs, for the report line."""
    if len(runs) < 2:
        return ""
    walls = sorted(wall for wall, _ in runs)
    return f"  (median of {len(runs)}: {walls[0]:.1f}-{walls[-1]:.1f} s)"


def verdict(ok: bool) -> str:
    return "goal met" if ok else "GOAL MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3,
                        help="Runs of (b) and (d), alternated; their medians are compared.")
    parser.add_argument("--skip-national", action="store_true",
                        help="Only (b) and (d), for a quick check.")
    args = parser.parse_args()
    work = scratch()
    _, codes = subset_config(work, args.n)
    load = os.getloadavg()[0]
    cpu_start = cpu_times()
    print(f"{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GB, load average {load:.2f} at start; "
          f"-j {args.jobs}")
    if not args.skip_national:
        n_all = len(yaml.safe_load((work / "config" / "country.yml").read_text(
            encoding="utf-8"))["municipalities"])
        nat_s, nat_mb = timed(research("config/country.yml", "reports-national", args.jobs), work)
        size = largest_report(work / "reports-national")
        print(f"(a) national baseline, {n_all} reports:  {nat_s:8.1f} s wall  "
              f"{nat_s / n_all:5.2f} s/report  peak {nat_mb:6.0f} MB  largest report "
              f"{size:.2f} MB  [{verdict(nat_s <= GOALS['national_s'])} <= 300 s; "
              f"{verdict(nat_mb <= GOALS['peak_mb'])} <= 2 GB; "
              f"{verdict(size < GOALS['report_mb'])} < 1.5 MB]")
    loop = naive_loop(work, codes)
    naive, kit = [], []
    for _ in range(args.repeat):   # alternated, so that a drift of the machine hits both
        naive.append(timed(["bash", str(loop)], work))
        shutil.rmtree(work / "reports-subset", ignore_errors=True)
        kit.append(timed(research("config/subset.yml", "reports-subset", args.jobs), work))
    naive_s, kit_s = median(naive), median(kit)
    ratio = naive_s / kit_s
    print(f"(b) naive papermill + nbconvert loop, {len(codes)} reports: {naive_s:8.1f} s  "
          f"peak {max(m for _, m in naive):6.0f} MB{spread(naive)}")
    print(f"    research run -j {args.jobs}, same {len(codes)} reports:     {kit_s:8.1f} s  "
          f"peak {max(m for _, m in kit):6.0f} MB{spread(kit)}  -> {ratio:.1f}x faster  "
          f"[{verdict(ratio >= GOALS['speedup'])} >= 8x]")
    if not args.skip_national:
        again_s, again_mb = timed(research("config/country.yml", "reports-national",
                                           args.jobs), work)
        print(f"(c) national run again, nothing changed: {again_s:8.2f} s  "
              f"peak {again_mb:6.0f} MB  [{verdict(again_s < GOALS['rerun_s'])} < 3 s]")
    dask = []
    for _ in range(args.repeat):
        shutil.rmtree(work / "reports-dask", ignore_errors=True)
        dask.append(timed(research("config/subset.yml", "reports-dask", args.jobs,
                                   "--cluster", "local"), work))
    dask_s = median(dask)
    print(f"(d) research run --cluster local, {len(codes)} reports: {dask_s:8.1f} s  "
          f"peak {max(m for _, m in dask):6.0f} MB{spread(dask)}  -> {dask_s / kit_s:.2f}x "
          f"the process pool  [{verdict(dask_s <= GOALS['cluster_ratio'] * kit_s)} within 20 %]")
    print(f"load average at the end {os.getloadavg()[0]:.2f}; CPU stolen by other guests of "
          f"the host during the benchmark: {100 * steal_share(cpu_start, cpu_times()):.1f} %")


if __name__ == "__main__":
    main()
