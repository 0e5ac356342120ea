"""CSV a spreadsheet opens as data, never as a formula (OWASP's "CSV injection" rule).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(...)`` becomes a live link, ``+cmd|...`` a DDE call), and a
leading tab or carriage return can hide one. Every CSV the dashboard writes therefore prefixes
such a text cell with a single quote, which spreadsheets show as text. A cell that is a plain
number (``-5.2``, ``-1e6``) is left alone: it reads as that number, not a formula. Numeric
columns are never touched: they stay numbers, unquoted.

The same rule runs in the browser for AG Grid's own CSV export
(``costboardCsvText`` in ``assets/dashAgGridFunctions.js``); ``tests/browser`` checks that the
two agree on a shared corpus of cells. ``costboard sql --format csv`` is for programs and
keeps the raw text.
"""

from __future__ import annotations

import polars as pl

#: What a text cell may start with for a spreadsheet to run it (OWASP).
TRIGGER = r"^[=+\-@\t\r]"
#: A plain decimal number, optionally signed, with an optional exponent: a spreadsheet reads
#: it as that number. ASCII digits only ([0-9], not \d: polars' regex \d is Unicode).
PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
#: What a spreadsheet shows as text, whatever follows.
PREFIX = "'"
#: Column types that hold text (categoricals are written as their text).
_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def safe_text(column: pl.Expr) -> pl.Expr:
    """``column`` (text) with every cell a spreadsheet would run prefixed by ``'``."""
    text = column.cast(pl.String)
    runs = text.str.contains(TRIGGER) & ~text.str.contains(PLAIN_NUMBER)
    # Named as the column itself (a when/then takes the name of its first branch, a literal).
    return pl.when(runs).then(pl.lit(PREFIX) + text).otherwise(text).name.keep()


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with :func:`safe_text` applied to each text column; other columns as they are."""
    text = [n for n, t in frame.schema.items() if isinstance(t, _TEXT_TYPES)]
    return frame.with_columns(safe_text(pl.col(n)).alias(n) for n in text)


def write_csv(frame: pl.DataFrame) -> str:
    """``frame`` as CSV text for people to open: its header and text cells guarded
    (:func:`safe_frame`), then polars' writer."""
    # The header is a row a spreadsheet reads too; written apart, so that a guarded name can
    # never collide with another column's name.
    names = pl.Series(frame.columns, dtype=pl.String).to_frame("name")
    safe_names = names.select(safe_text(pl.col("name")))["name"].to_list()
    header = pl.DataFrame([pl.Series(f"c{i}", [n]) for i, n in enumerate(safe_names)])
    body = safe_frame(frame).write_csv(include_header=False)
    return header.write_csv(include_header=False) + body
