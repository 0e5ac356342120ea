"""Estimate on Epoch AI's whole snapshot (time, peak memory) and the overview's first chart.

The warehouse holds the seed's subjects and Epoch AI's files as the demo ships them
(``warehouse/seed/epoch/``: 1,892 models, the ML hardware and price databases, the price
index, the fixed training starts), ingested once, untimed.

- estimate: ``costboard estimate`` in a fresh process on a fresh copy of that warehouse (read
  the evidence, run the six estimators, store the estimates as one snapshot); peak RSS is that
  process's own (``os.wait4``'s ``ru_maxrss``). Baseline: a fresh process that only reads
  the same evidence (``pipeline.load_evidence``).
- overview: what the overview's callback does for GPT-4 (the stored estimates and comparable
  claims at the pinned snapshot through the dashboard's reader, one Plotly figure per metric
  and scope, serialised), warm (the reader's cache filled by a first call). Baseline: raw
  DuckDB reading the same estimates on a connection kept open.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask_caching.backends import SimpleCache

from benchmarks.common import Timing, interleaved, report
from costboard.warehouse import demo, ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig

SUBJECT = "gpt-4"


READ_EVIDENCE = (
    "import sys; from costboard.plugins.pipeline import load_evidence; "
    "from costboard.warehouse.config import WarehouseConfig; "
    "load_evidence(WarehouseConfig.resolve(sys.argv[1]))"
)


def _process(*argv: str) -> tuple[float, float]:
    """Seconds and peak RSS (GB) of ``python ARGV`` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):  # 3: a plugin failed, which the run reports; anything else is wrong
        raise RuntimeError(f"{' '.join(argv)} exited {code}")
    return seconds, usage.ru_maxrss * 1024 / 2**30


def main(runs: int = 3) -> None:
    folder = Path(tempfile.mkdtemp(prefix="costboard-bench-epoch-estimate-"))
    template = folder / "template"
    try:
        config = WarehouseConfig.resolve(template)
        schema.create(config, author="bench")
        ingest.ingest(
            config,
            [demo.seed_file("subjects.csv"), *demo.epoch_files()],
            message="Epoch AI",
        )
        estimate, read_only = Timing("costboard estimate", []), Timing("read evidence only", [])
        peaks: list[float] = []
        for run in range(runs):
            copy = folder / f"run-{run}"
            shutil.copytree(template, copy)
            seconds, _ = _process("-c", READ_EVIDENCE, str(copy))
            read_only.seconds.append(seconds)
            seconds, peak = _process("-m", "costboard.cli", "--home", str(copy), "estimate")
            estimate.seconds.append(seconds)
            peaks.append(peak)
            if run < runs - 1:
                shutil.rmtree(copy)
        report("costboard estimate on Epoch AI's snapshot", [estimate, read_only], read_only.name)
        print(f"  peak RSS of `costboard estimate`: {max(peaks):.2f} GB (max of {runs} runs)")
        overview(WarehouseConfig.resolve(folder / f"run-{runs - 1}"), runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def overview(config: WarehouseConfig, runs: int) -> None:
    from costboard.dashboard import data, views

    reader = data.Reader(config, SimpleCache(), warm_in_background=False)
    snapshot = reader.latest_id()

    def charts() -> None:
        estimates = reader.estimates(snapshot, [SUBJECT])
        claims = reader.comparable_claims(snapshot, [SUBJECT])
        palette = views.colours(reader.estimators(snapshot))
        for panel in views.panels(estimates, [SUBJECT], claims):
            views.estimate_figure(panel, estimates, claims, palette).to_json()

    charts()  # warm: the first call fills the reader's cache

    connection = lake.connect(config)

    def raw() -> None:
        connection.execute("SELECT * FROM estimates WHERE subject = ?", [SUBJECT]).fetchall()

    timings = interleaved(
        max(runs, 5),
        {
            f"overview charts for {SUBJECT} (warm)": (lambda: None, charts),
            "raw DuckDB: its estimates": (lambda: None, raw),
        },
    )
    connection.close()
    report("the overview's first chart for a frontier model", timings, "raw DuckDB: its estimates")


if __name__ == "__main__":
    main()
