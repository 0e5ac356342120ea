"""Ingest of Epoch AI's three published files (models, chips, hardware prices) as one snapshot.

- costboard: ``ingest`` end to end (recognise, map, validate, resolve names against the seed's
  subjects, compare by claim id, write one DuckLake snapshot); the seed's subjects are
  ingested first, untimed, as in the demo.
- again: the same files into that warehouse: everything compared, nothing written.
- polars read: polars ``read_csv`` of the three files, nothing else (the floor for reading).

The files are looked for in the package's seed (``warehouse/seed/epoch/``) and then beside
the checkout (``../shared/reference/epoch/``); without them the benchmark says so and stops.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import polars as pl

from benchmarks.common import interleaved, report
from costboard.warehouse import demo, ingest, schema
from costboard.warehouse.config import WarehouseConfig

FILES = ("All ML Systems - full view.csv", "Chip dataset-Grid view.csv", "Hardware prices.csv")
PLACES = (
    Path(__file__).resolve().parents[1] / "warehouse" / "seed" / "epoch",
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "epoch",
)


def epoch_files() -> list[Path] | None:
    for place in PLACES:
        if all((place / name).is_file() for name in FILES):
            return [place / name for name in FILES]
    return None


def main(runs: int = 3) -> None:
    files = epoch_files()
    if files is None:
        print(f"  Epoch AI's files are not in {' or '.join(map(str, PLACES))}: skipped")
        return
    folder = Path(tempfile.mkdtemp(prefix="costboard-bench-epoch-"))
    config = WarehouseConfig.resolve(folder / "home")
    try:

        def fresh() -> None:
            shutil.rmtree(config.home, ignore_errors=True)
            schema.create(config, author="bench")
            ingest.ingest(config, [demo.seed_file("subjects.csv")], message="seed subjects")

        def costboard_ingest() -> None:
            ingest.ingest(config, files, message="Epoch AI")

        def prepared() -> None:
            fresh()
            costboard_ingest()

        def read_only() -> None:
            for path in files:
                pl.read_csv(path, infer_schema=False)

        timings = interleaved(
            runs,
            {
                "costboard ingest (one snapshot)": (fresh, costboard_ingest),
                "costboard ingest again (nothing new)": (prepared, costboard_ingest),
                "polars read_csv only": (lambda: None, read_only),
            },
        )
        report("ingest Epoch AI's three files", timings, "polars read_csv only")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
