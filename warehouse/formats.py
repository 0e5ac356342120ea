"""costboard's own file kinds and the market-data exports, as built-in importers.

Kinds: ``claims`` (CSV, JSON, JSON Lines), ``subjects`` (CSV), ``prices`` (costboard's own
layout), ``yahoo`` (a Yahoo Finance export) and ``stooq`` (a Stooq export). The two foreign
price layouts are renamed onto costboard's; the ticker comes from ``--ticker`` or the file name.
Epoch AI's files and FRED series are in epoch_models.py, epoch_hardware.py and fred.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from costboard.warehouse.errors import IngestError, InputError
from costboard.warehouse.importers import (
    Imported,
    ImportedTable,
    Importer,
    ImportOptions,
    same_layout,
)
from costboard.warehouse.readers import RawTable

YAHOO_COLUMNS = {
    "Date": "date",
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}
STOOQ_COLUMNS = {
    "Date": "date",
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Volume": "volume",
}


def ticker_from_name(path: str) -> str:
    """NVDA.csv -> NVDA; nvda.us.txt (Stooq) -> NVDA; ^IXIC.csv -> ^IXIC."""
    stem = Path(path).name.split(".")[0]
    return stem.upper()


def to_price_layout(table: RawTable, kind: str, ticker: str | None) -> RawTable:
    """Rename a Yahoo or Stooq export onto costboard's price layout."""
    mapping = YAHOO_COLUMNS if kind == "yahoo" else STOOQ_COLUMNS
    unknown = [c for c in table.header if c not in mapping]
    if unknown:
        column = table.header.index(unknown[0]) + 1
        raise IngestError(
            [
                InputError(
                    table.path,
                    1,
                    column,
                    f"unexpected column '{unknown[0]}' in a {kind} export "
                    f"(expected {', '.join(mapping)})",
                )
            ]
        )
    frame = table.frame.rename({c: mapping[c] for c in table.header}).with_columns(
        pl.lit(ticker or ticker_from_name(table.path)).alias("ticker"),
        # Yahoo's Close is split- but not dividend-adjusted (Adj Close is kept beside it);
        # Stooq's daily data is split- and dividend-adjusted.
        pl.lit("false" if kind == "yahoo" else "true").alias("adjusted"),
    )
    header = [mapping[c] for c in table.header] + ["ticker", "adjusted"]
    return RawTable(table.path, frame, header, table.format, line_of_row=table.line_of_row)


def _is_claims(table: RawTable) -> bool:
    # Claims are the only kind costboard reads from JSON.
    return table.format != "csv" or "metric" in table.header


def _header_has(*columns: str) -> Callable[[RawTable], bool]:
    return lambda table: table.format == "csv" and set(columns) <= set(table.header)


def _prices(table: RawTable, options: ImportOptions) -> Imported:
    if options.ticker and "ticker" not in table.header:
        frame = table.frame.with_columns(pl.lit(options.ticker).alias("ticker"))
        table = RawTable(
            table.path,
            frame,
            [*table.header, "ticker"],
            table.format,
            line_of_row=table.line_of_row,
        )
    return Imported([ImportedTable("prices", table)])


def _export(kind: str) -> Callable[[RawTable, ImportOptions], Imported]:
    def convert(table: RawTable, options: ImportOptions) -> Imported:
        return Imported([ImportedTable("prices", to_price_layout(table, kind, options.ticker))])

    return convert


#: In the order their headers are tried (a Yahoo header also has Stooq's columns).
IMPORTERS = (
    Importer(
        "claims", "costboard claims (CSV, JSON, JSON Lines)", _is_claims, same_layout("claims")
    ),
    Importer("prices", "costboard daily prices (CSV)", _header_has("ticker", "close"), _prices),
    Importer(
        "yahoo", "a Yahoo Finance daily export", _header_has("Adj Close", "Date"), _export("yahoo")
    ),
    Importer("stooq", "a Stooq daily export", _header_has("Date", "Close"), _export("stooq")),
    Importer(
        "subjects",
        "costboard subjects (CSV)",
        _header_has("kind", "subject"),
        same_layout("subjects"),
    ),
)
