"""How long the overview page's reads take, idle and while a writer ingests.

    python benchmarks/dashboard_reads.py [--home HOME] [--seconds 8]

Builds the demo warehouse with estimates in a temporary folder (or copies --home there: the
writer must not touch a real warehouse), then times the reads behind one overview page load
(subjects, estimates, claims, reconciliation for deepseek-v3 and deepseek) pinned to one
snapshot, three ways:

- ``uncached``: every load asks DuckDB (what the first visitor of a snapshot pays), reading
  the dashboard's private copy of the SQLite catalog (data.CatalogCopies);
- ``live``: the same, reading the live catalog the writer commits to (for comparison: what
  the dashboard would inherit without the copy);
- ``cached``: through the dashboard's results cache (every later load, in any worker);
- ``newest id``: the newest snapshot id, which every page load without ?snapshot= asks for.

Each is measured idle, then while a subprocess commits a small ingest in a loop (the writer
the design says readers must never wait on). With two CPUs or more the reader and the writer
each get their own (``sched_setaffinity``), so the figures show waiting on locks rather than
sharing a core. Prints p50, p95 and max in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from flask_caching.backends import NullCache

from costboard.cli import main as cli
from costboard.dashboard import data
from costboard.warehouse.config import WarehouseConfig

SUBJECTS = ["deepseek-v3", "deepseek"]

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from costboard.warehouse import ingest
    from costboard.warehouse.config import WarehouseConfig
    config = WarehouseConfig.resolve(sys.argv[1])
    folder, stop_at = Path(sys.argv[2]), time.time() + float(sys.argv[3])
    header = ("claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\\n")
    commits = 0
    while time.time() < stop_at:
        path = folder / f"bench-{commits}.csv"
        path.write_text(header + f"bench-{commits},deepseek-v3,training_cost,final_run,"
                        f"{5 + commits % 7},usd_million,Bench,2025-02-01,https://example.org/b\\n")
        ingest.ingest(config, [path], message=f"benchmark write {commits}", author="bench")
        commits += 1
    print(commits)
    """
)


def build(home: Path, source: Path | None) -> WarehouseConfig:
    if source is not None:
        shutil.copytree(source, home)
    else:
        for args in (["init", "--demo"], ["estimate"]):
            result = CliRunner().invoke(cli, ["--home", str(home), *args])
            if result.exit_code != 0:
                raise SystemExit(result.output)
    return WarehouseConfig.resolve(home)


def page_load(reader: data.Reader, snapshot_id: int) -> None:
    """The reads behind one overview page (data.py's queries, as the callbacks make them)."""
    reader.subjects(snapshot_id)
    reader.estimators(snapshot_id)
    reader.estimates(snapshot_id, SUBJECTS)
    reader.comparable_claims(snapshot_id, SUBJECTS)
    reader.reconciliation(snapshot_id, SUBJECTS)


def sample(action: Callable[[], object], seconds: float) -> list[float]:
    timings = []
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    return timings


def cpus() -> tuple[set[int], set[int]] | None:
    """(reader's CPUs, writer's CPUs), or None when there are too few to split."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(available) < 2:
        return None
    return set(available[:-1]), {available[-1]}


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"p50 {statistics.median(ordered):7.1f}  p95 {p95:7.1f}  max {ordered[-1]:7.1f}"
        f"  (n={len(ordered)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="copy this warehouse instead of the demo")
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    args = parser.parse_args()
    split = cpus()
    if split:
        os.sched_setaffinity(0, split[0])
    with tempfile.TemporaryDirectory(prefix="costboard-bench-") as folder:
        root = Path(folder)
        config = build(root / "home", args.home)
        uncached = data.Reader(config, NullCache(), warm_in_background=False)
        live = data.Reader(config, NullCache(), warm_in_background=False, copy_catalog=False)
        cached = data.Reader(config, data.file_cache(config), warm_in_background=False)
        pinned = uncached.latest_id()
        modes: dict[str, Callable[[], object]] = {
            "uncached": lambda: page_load(uncached, pinned),
            "live": lambda: page_load(live, pinned),
            "cached": lambda: page_load(cached, pinned),
            "newest id": uncached._read_latest,
        }
        for action in modes.values():
            action()  # attach the snapshot, fill the cache
        where = f"reader on CPUs {sorted(split[0])}, writer on {sorted(split[1])}" if split else ""
        print(
            f"overview page reads at snapshot {pinned}, {config.catalog_type} catalog (ms) {where}"
        )
        for name, action in modes.items():
            print(f"  {name:<10} idle  {summary(sample(action, args.seconds / 2))}")
        for name, action in modes.items():
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(config.home), str(root), str(args.seconds)],
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, split[1])) if split else None,
            )
            time.sleep(1.0)  # let the writer get past its imports and into its commits
            timings = sample(action, args.seconds - 1.0)
            commits = writer.communicate()[0].strip()
            print(f"  {name:<10} write {summary(timings)}  [{commits} commits meanwhile]")


if __name__ == "__main__":
    main()
