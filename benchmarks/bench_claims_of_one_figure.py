"""`costboard estimate --dry-run` on 10 to 100,000 claims of one figure: peak RSS and time.

One model's final_run GPU-hours, claimed again and again: source kinds cycle secondary,
analysis, primary, unclassified (so the provenance rule has a better claim to look for at
almost every claim), stated one day apart from 2000-01-01, wrapping after 9,000 days (so
100,000 claims share about 9,000 evidence dates). Each size gets its own warehouse, built once
from a generated claims CSV through ``costboard ingest`` in a fresh process (its time and peak
RSS are printed too: ingesting 100,000 claims must itself be feasible). Then ``costboard
estimate --dry-run`` runs ``runs`` times, each in a fresh process; peak RSS is that process's
own (``os.wait4``'s ``ru_maxrss``).

The growth lines compare each size with the one before: claims x10 should give at most x10
in time and in memory above the 10-claim run (the process's fixed cost, Python, polars and
DuckDB loaded). Nothing is asserted on the figures; tests/plugins/test_provenance.py holds the
memory bound a test can hold deterministically.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SIZES = (10, 1_000, 10_000, 100_000)
KINDS = ("secondary", "analysis", "primary", "")  # "": unclassified
WRAP_DAYS = 9_000
#: Estimators get this long: the default 10 s would cut a large run short and time nothing.
ESTIMATOR_TIMEOUT = "1800"


@dataclass
class Run:
    seconds: float
    peak_gb: float


def write_files(folder: Path, claims: int) -> list[Path]:
    """A subjects CSV (the model and its chip) and ``claims`` claims of one figure."""
    subjects = folder / "subjects.csv"
    subjects.write_text("subject,name,kind\nbench-model,Bench model,model\nh800,H800,chip\n")
    path = folder / "claims.csv"
    start = dt.date(2000, 1, 1)
    with path.open("w") as out:
        out.write(
            "claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,"
            "source_url,source_kind\n"
        )
        for i in range(claims):
            day = start + dt.timedelta(days=i % WRAP_DAYS)
            out.write(
                f"bench-{i:06d},bench-model,gpu_hours,final_run,,{1000 + i % 97},"
                f"gpu_hours_thousand,Bench,{day},https://example.org/report/{i},"
                f"{KINDS[i % len(KINDS)]}\n"
            )
    return [subjects, path]


def _costboard(home: Path, *argv: str) -> Run:
    """``costboard --home HOME ARGV`` in a fresh process: seconds and peak RSS."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "costboard.cli", "--home", str(home), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"costboard {' '.join(argv)} exited {code}: {errors[-500:]}")
    return Run(seconds, usage.ru_maxrss * 1024 / 2**30)


def measure(claims: int, runs: int, folder: Path) -> tuple[Run, list[Run]]:
    """(the ingest, each dry run) for a warehouse of ``claims`` claims of one figure."""
    home = folder / f"claims-{claims}"
    home.mkdir()
    files = write_files(home, claims)
    _costboard(home, "init")
    ingested = _costboard(home, "ingest", *map(str, files), "-m", f"{claims} claims of one figure")
    dry = [
        _costboard(home, "estimate", "--dry-run", "--timeout", ESTIMATOR_TIMEOUT)
        for _ in range(runs)
    ]
    shutil.rmtree(home)
    return ingested, dry


def main(runs: int = 3, sizes: tuple[int, ...] = SIZES) -> None:
    print(f"medians of {runs} dry runs per size, each a fresh process; RSS = its ru_maxrss")
    with open("/proc/loadavg") as load:
        print(f"load average at start: {' '.join(load.read().split()[:3])}")
    folder = Path(tempfile.mkdtemp(prefix="costboard-bench-one-figure-"))
    rows: list[tuple[int, float, float]] = []
    try:
        for claims in sizes:
            ingested, dry = measure(claims, runs, folder)
            seconds = statistics.median(r.seconds for r in dry)
            peak = statistics.median(r.peak_gb for r in dry)
            rows.append((claims, seconds, peak))
            print(
                f"  {claims:>8,} claims  ingest {ingested.seconds:6.2f} s "
                f"{ingested.peak_gb:5.2f} GB  estimate --dry-run {seconds:7.2f} s "
                f"peak RSS {peak:5.2f} GB  ({', '.join(f'{r.seconds:.2f}' for r in dry)} s)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base_peak = rows[0][2]
    print("  growth from each size to the next (linear: time and RSS above the first <= claims)")
    for (n0, s0, p0), (n1, s1, p1) in itertools.pairwise(rows):
        above0, above1 = p0 - base_peak, p1 - base_peak
        extra = f"x{above1 / above0:.1f}" if above0 > 0.005 else f"+{above1:.2f} GB"
        print(
            f"  {n0:>8,} -> {n1:>8,}: claims x{n1 / n0:.0f}  time x{s1 / s0:.2f}  "
            f"peak RSS x{p1 / p0:.2f}  RSS above the {rows[0][0]}-claim run {extra}"
        )


if __name__ == "__main__":
    main(runs=int(sys.argv[1]) if len(sys.argv) > 1 else 3)
