"""The demo warehouse: the seed data, loaded as the evidence appeared, then Epoch AI's databases.

The seed files in ``seed/`` are built from ``shared/reference`` (every figure keeps its
source). ``costboard init --demo`` loads them through the ordinary ingest path, one
snapshot per evidence date (oldest first), so the history has the shape a team's would:
the subjects first, then each date's claims with the market prices up to that date. Last
comes one snapshot of Epoch AI's databases as published (``seed/epoch/``, see its
SOURCES.md), so the dashboard opens with frontier models beside DeepSeek.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import polars as pl

from costboard.warehouse import ingest
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.writer import WriteResult

DEMO_AUTHOR = "costboard demo"


def seed_file(name: str) -> Path:
    return Path(str(resources.files("costboard.warehouse.seed") / name))


#: Epoch AI's files as published, and Epoch's fixed training starts (seed/epoch/SOURCES.md).
EPOCH_FILES = (
    "All ML Systems - full view.csv",
    "Chip dataset-Grid view.csv",
    "Hardware prices.csv",
    "PCU518210518210.csv",
    "epoch_training_starts.csv",
)
EPOCH_MESSAGE = (
    "demo: Epoch AI's models, ML hardware and hardware price databases (training-cost-trends "
    "commit 263c40a, 2026-04-01), its price index and its fixed training starts"
)


def epoch_files() -> list[Path]:
    """The Epoch AI snapshot shipped with the package, in the order it is ingested."""
    return [seed_file(f"epoch/{name}") for name in EPOCH_FILES]


def _write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path)
    return path


def load(
    config: WarehouseConfig, *, progress: Callable[[str], None] | None = None
) -> list[WriteResult]:
    """Ingest the seed data as a sequence of snapshots; returns one result per snapshot."""
    claims = pl.read_csv(seed_file("claims.csv"), infer_schema=False)
    prices = pl.read_csv(seed_file("prices.csv"), infer_schema=False)
    dates = sorted(claims["stated_on"].unique().to_list())
    results = []
    with tempfile.TemporaryDirectory(prefix="costboard-demo-") as folder:
        tmp = Path(folder)
        results.append(
            ingest.ingest(
                config,
                [seed_file("subjects.csv")],
                message="demo: define the subjects",
                author=DEMO_AUTHOR,
                kind="subjects",
            )
        )
        previous = None
        for index, date in enumerate(dates):
            last = index == len(dates) - 1
            day = claims.filter(pl.col("stated_on") == date)
            in_window = pl.col("date") <= date if not last else pl.lit(True)
            if previous is not None:
                in_window = in_window & (pl.col("date") > previous)
            day_prices = prices.filter(in_window)
            files = [_write(day, tmp / f"claims-{date}.csv")]
            if not day_prices.is_empty():
                files.append(_write(day_prices, tmp / f"prices-{date}.csv"))
            titles = sorted({t for t in day["source_title"].to_list() if t})
            message = f"demo: evidence of {date}: " + "; ".join(titles)[:200]
            if not day_prices.is_empty():
                message += f" (+{day_prices.height} daily prices)"
            if progress:
                progress(message)
            results.append(ingest.ingest(config, files, message=message, author=DEMO_AUTHOR))
            previous = date
    if progress:
        progress(EPOCH_MESSAGE)
    results.append(ingest.ingest(config, epoch_files(), message=EPOCH_MESSAGE, author=DEMO_AUTHOR))
    return results
