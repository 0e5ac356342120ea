"""A FRED series CSV (``observation_date,<SERIES>``, or ``DATE,<SERIES>``) as an importer.

Each observation becomes a row of the ``prices`` table with ticker ``<SERIES>`` (or
``--ticker``) and the
value as ``close`` (Epoch AI deflates costs with the producer price index
``PCU518210518210``); the series also becomes a ``ticker`` subject, so it is named beside
the market data. FRED writes "." for a missing observation: such a row is reported and
skipped.
"""

from __future__ import annotations

import polars as pl

from costboard.warehouse.errors import IngestError, InputError
from costboard.warehouse.importers import Imported, ImportedTable, Importer, ImportOptions
from costboard.warehouse.readers import RawTable

DATE = "observation_date"
#: FRED's older downloads name the date column DATE.
DATE_NAMES = (DATE, "DATE")
SERIES_PAGE = "https://fred.stlouisfed.org/series/{}"


def _recognises(table: RawTable) -> bool:
    return table.format == "csv" and len(table.header) == 2 and table.header[0] in DATE_NAMES


def convert(table: RawTable, options: ImportOptions) -> Imported:
    if not _recognises(table):
        raise IngestError(
            [InputError(table.path, 1, 1, f"not a FRED series: expected '{DATE},<SERIES>'")]
        )
    date, series = table.header
    ticker = options.ticker or series
    value = pl.col(series)
    # A blank line (FRED's files end with one) is no observation.
    rows = table.frame.with_row_index("_row").filter(
        pl.col(date).is_not_null() | value.is_not_null()
    )
    missing = rows.filter(value == ".")
    skipped = [
        table.error(row, series, "FRED marks this observation missing ('.'); skipped")
        for row in missing["_row"].to_list()
    ]
    kept = rows.filter((value != ".") | value.is_null())
    frame = kept.select(
        pl.col(date).alias("date"),
        pl.lit(ticker).alias("ticker"),
        value.alias("close"),
        pl.lit("false").alias("adjusted"),
        pl.lit(SERIES_PAGE.format(series)).alias("source_url"),
    )
    rows = kept["_row"]
    lines = (
        table.line_of_row.gather(rows)
        if table.line_of_row is not None
        else (rows.cast(pl.Int64) + 2).alias("line")
    )
    column_of = {
        "date": pl.repeat(1, frame.height, dtype=pl.Int32, eager=True),
        "close": pl.repeat(2, frame.height, dtype=pl.Int32, eager=True),
    }
    prices = RawTable(
        table.path, frame, frame.columns, "csv", line_of_row=lines, column_of=column_of
    )
    subject = pl.DataFrame(
        {
            "subject": [ticker],
            "name": [f"FRED series {series}"],
            "kind": ["ticker"],
            "note": [f"From FRED ({SERIES_PAGE.format(series)}); values as 'close'"],
        }
    )
    subjects = RawTable(
        table.path,
        subject,
        subject.columns,
        "csv",
        line_of_row=pl.Series([1]),
        column_of={"subject": pl.Series([2], dtype=pl.Int32)},
    )
    return Imported(
        [ImportedTable("subjects", subjects), ImportedTable("prices", prices)], skipped=skipped
    )


IMPORTER = Importer("fred", "a FRED series (observation_date,<SERIES>)", _recognises, convert)
