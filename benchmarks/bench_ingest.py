"""Ingest of a large price file: costboard against raw DuckDB and polars doing the same work.

- costboard: ``ingest`` end to end (read, validate every row, compare with the table by
  natural key, write one DuckLake snapshot).
- duckdb raw: ``INSERT INTO lake.price_records SELECT ... FROM read_csv(...)`` into the
  same DuckLake catalog, with no validation and no comparison.
- polars read: polars ``read_csv`` of the same file, nothing else (the floor for reading).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from benchmarks.common import interleaved, report
from costboard.warehouse import ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig


def make_price_file(path: Path, rows: int) -> None:
    """``rows`` distinct (ticker, date) rows: 2,000 tickers over rows / 2,000 days."""
    duckdb.sql(
        f"""COPY (SELECT DATE '1990-01-01' + CAST(i // 2000 AS INTEGER) AS date,
                        'T' || lpad(CAST(i % 2000 AS VARCHAR), 4, '0') AS ticker,
                        100 + i % 97 AS open, 101 + i % 97 AS high, 99 + i % 97 AS low,
                        100.5 + i % 97 AS close, i AS volume
                 FROM range({rows}) AS t(i)) TO '{path}' (HEADER)"""
    )


def main(rows: int = 1_000_000, runs: int = 3) -> None:
    folder = Path(tempfile.mkdtemp(prefix="costboard-bench-"))
    try:
        prices = folder / "prices.csv"
        make_price_file(prices, rows)
        config = WarehouseConfig.resolve(folder / "home")

        def fresh() -> None:
            shutil.rmtree(config.home, ignore_errors=True)
            schema.create(config, author="bench")

        def costboard_ingest() -> None:
            ingest.ingest(config, [prices], message="bench")

        def duckdb_raw() -> None:
            connection = lake.connect(config, read_only=False)
            connection.execute("BEGIN")
            connection.execute(
                f"INSERT INTO price_records (date, ticker, open, high, low, close, volume) "
                f"SELECT * FROM read_csv('{prices}', header = true)"
            )
            connection.execute("CALL lake.set_commit_message('bench', 'raw')")
            connection.execute("COMMIT")
            connection.close()

        timings = interleaved(
            runs,
            {
                "costboard ingest (validate+diff+write)": (fresh, costboard_ingest),
                "duckdb raw INSERT ... read_csv": (fresh, duckdb_raw),
                "polars read_csv only": (lambda: None, lambda: pl.read_csv(prices)),
            },
        )
        report(
            f"ingest {rows:,} price rows into a fresh warehouse",
            timings,
            "duckdb raw INSERT ... read_csv",
        )

        # A second ingest of the same file: everything is compared, nothing is written.
        def prepared() -> None:
            fresh()
            costboard_ingest()

        again = interleaved(
            runs,
            {
                "costboard re-ingest (no change)": (prepared, costboard_ingest),
                "duckdb raw INSERT ... read_csv": (fresh, duckdb_raw),
            },
        )
        report(
            f"re-ingest of the same {rows:,} rows (no snapshot made)",
            again,
            "duckdb raw INSERT ... read_csv",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
