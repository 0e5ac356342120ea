"""Input file kinds: which kind a file is (from its header) and how foreign layouts map in.

Kinds: ``claims`` (CSV, JSON, JSON Lines), ``subjects`` (CSV), ``prices`` (costboard's own
layout), ``yahoo`` (a Yahoo Finance export) and ``stooq`` (a Stooq export). The two foreign
price layouts are renamed onto costboard's; the ticker comes from ``--ticker`` or the file name.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from costboard.warehouse.errors import IngestError, InputError
from costboard.warehouse.readers import RawTable

KINDS = ("claims", "subjects", "prices", "yahoo", "stooq")

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


def detect(table: RawTable) -> str:
    """The kind of a file, read from its header."""
    header = set(table.header)
    if table.format != "csv" or "metric" in header:
        return "claims"
    if "ticker" in header and "close" in header:
        return "prices"
    if "Adj Close" in header and "Date" in header:
        return "yahoo"
    if {"Date", "Close"} <= header:
        return "stooq"
    if "kind" in header and "subject" in header:
        return "subjects"
    raise IngestError(
        [
            InputError(
                table.path,
                1,
                1,
                "cannot tell what kind of file this is from its header; "
                f"pass --kind ({'|'.join(KINDS)})",
            )
        ]
    )


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
