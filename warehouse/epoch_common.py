"""What Epoch AI's three importers share: ids from names, parsing Epoch's values, building claims.

Epoch's CSVs are exports of its Airtable bases: dates come in two formats, money as
"$44489.88", several URLs can share a cell (line breaks inside quoted fields), names can repeat.
Everything here is vectorized over the whole file; only failing rows become messages, and
only rows whose error has to name its line are visited one by one. docs/epoch.md is the
contract these functions implement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, IngestError, InputError
from costboard.warehouse.readers import RawTable
from costboard.warehouse.resolve import subject_id  # resolution owns the id rule (ec.subject_id)
from costboard.warehouse.validate_claims import CLAIM_COLUMNS

CLAIMANT = "Epoch AI"
#: Epoch AI's databases compile figures from papers and add Epoch's own estimates: costboard
#: counts their claims as an analysis, so a developer's own (primary) claim of the same figure
#: is preferred as evidence (plugins/provenance.py), whichever was stated later.
SOURCE_KIND = "analysis"
MODELS_PAGE = "https://epoch.ai/data/ai-models"
HARDWARE_PAGE = "https://epoch.ai/data/machine-learning-hardware"
#: The first http(s) URL of a cell (a cell can hold several, separated by line breaks or commas).
FIRST_URL = r"(https?://[^\s,]+)"


def first_url(cell: pl.Expr) -> pl.Expr:
    return cell.str.extract(FIRST_URL, 1)


def recognises(*columns: str) -> Callable[[RawTable], bool]:
    """A header test: every one of ``columns`` is in the file's header."""
    return lambda table: table.format == "csv" and set(columns) <= set(table.header)


def column_number(table: RawTable, column: str) -> int:
    return table.header.index(column) + 1 if column in table.header else 1


def missing_columns(table: RawTable, columns: Sequence[str], what: str) -> None:
    """Refuse a file that lacks a column the mapping reads (a changed export, a wrong --kind)."""
    absent = [c for c in columns if c not in table.header]
    if absent:
        raise IngestError(
            [
                InputError(table.path, 1, 1, f"not {what}: missing column '{c}'")
                for c in absent[:MAX_ERRORS_PER_FILE]
            ]
        )


class Problems:
    """Errors (refuse the file) and skipped rows (report, import the rest) of one file."""

    def __init__(self, table: RawTable) -> None:
        self.table = table
        self.errors: list[InputError] = []
        self.skipped: list[InputError] = []
        self.omitted = 0

    def add(self, failing: pl.DataFrame, column: str, message: pl.Expr, *, skip: bool) -> None:
        """One message per row of ``failing`` (which has ``_row``), at ``column``."""
        target = self.skipped if skip else self.errors
        if failing.is_empty():
            return
        room = max(0, MAX_ERRORS_PER_FILE - len(target)) if not skip else failing.height
        if not skip:
            self.omitted += max(0, failing.height - room)
        for row, text in failing.head(room).select("_row", message).iter_rows():
            target.append(self.table.error(row, column, text))

    def raise_errors(self) -> None:
        if self.errors:
            raise IngestError(self.errors, omitted=self.omitted)


def text(*parts: str | pl.Expr) -> pl.Expr:
    """Literal text and columns joined (an empty cell as "(empty)").

    Not ``pl.format``: polars 2.1 panics formatting some frames of this width.
    """
    return pl.concat_str(
        [pl.lit(p) if isinstance(p, str) else p.cast(pl.String).fill_null("(empty)") for p in parts]
    )


def parse_numbers(
    frame: pl.DataFrame, columns: Sequence[str], problems: Problems, *, money: bool = False
) -> pl.DataFrame:
    """Add ``__n_<column>``: the number in each cell ('$1,234.5' too when ``money``).

    A cell with text that is not a number is an error at its line and column.
    """
    parsed = frame.with_columns(
        (pl.col(c).str.replace_all(r"^\$|,", "") if money else pl.col(c).str.replace_all(",", ""))
        .cast(pl.Float64, strict=False)
        .alias(f"__n_{c}")
        for c in columns
    )
    for c in columns:
        bad = parsed.filter(
            (pl.col(c).is_not_null() & pl.col(f"__n_{c}").is_null())
            | pl.col(f"__n_{c}").is_nan()
            | pl.col(f"__n_{c}").is_infinite()
        )
        problems.add(bad, c, text("'", pl.col(c), "' is not a number"), skip=False)
    return parsed


def parse_date(
    frame: pl.DataFrame, column: str, formats: Sequence[str], problems: Problems
) -> pl.DataFrame:
    """Add ``__t_<column>`` (the time in each cell, read with the first format that fits)
    and ``__d_<column>`` (its date)."""
    cell = pl.col(column)
    parsed = frame.with_columns(
        pl.coalesce(*(cell.str.strptime(pl.Datetime, f, strict=False) for f in formats)).alias(
            f"__t_{column}"
        )
    ).with_columns(pl.col(f"__t_{column}").dt.date().alias(f"__d_{column}"))
    bad = parsed.filter(cell.is_not_null() & pl.col(f"__d_{column}").is_null())
    message = text("'", pl.col(column), f"' is not a date ({' or '.join(formats)})")
    problems.add(bad, column, message, skip=False)
    return parsed


def keep_latest(
    frame: pl.DataFrame, name: str, modified: str, problems: Problems, what: str
) -> pl.DataFrame:
    """Of rows sharing a ``name`` (up to spacing), keep the most recently modified (the first on a tie);
    every other is reported and skipped (two rows cannot both be one subject)."""
    at = pl.col(f"__t_{modified}")
    # Grouped by the id the name makes: names that differ only in spacing are one subject.
    ranked = frame.with_columns(
        pl.col("_row")
        .sort_by([at.is_null(), at, pl.col("_row")], descending=[False, True, False])
        .first()
        .over(subject_id(pl.col(name)))
        .alias("_kept")
    )
    dropped = ranked.filter(pl.col("_row") != pl.col("_kept"))
    if not dropped.is_empty():
        dropped = dropped.with_columns(
            lines_of(problems.table, dropped["_kept"]).cast(pl.String).alias("_kept_line")
        )
        message = text(
            f"{what} '",
            pl.col(name),
            "' appears again on line ",
            pl.col("_kept_line"),
            " (modified later): that row is kept",
        )
        problems.add(dropped, name, message, skip=True)
    return ranked.filter(pl.col("_row") == pl.col("_kept")).drop("_kept")


def lines_of(table: RawTable, rows: pl.Series) -> pl.Series:
    """The original file's line of each row number in ``rows``."""
    if table.format == "csv" and table.line_of_row is not None:
        return table.line_of_row.gather(rows).alias("line")
    if table.format == "csv":
        return (rows.cast(pl.Int64) + 2).alias("line")
    return pl.Series("line", [table.line(r) for r in rows.to_list()], dtype=pl.Int64)


def stable_ids(prefix: str, key: pl.Series) -> pl.Series:
    """A claim id from a key text: the same Epoch row and figure keep it across snapshots.

    A loop, but over distinct claims only (sha256 is not vectorized in polars, whose own
    hash is not stable across versions).
    """
    return pl.Series(
        [f"{prefix}-{hashlib.sha256(k.encode()).hexdigest()[:16]}" for k in key.to_list()],
        dtype=pl.String,
    )


@dataclass(frozen=True)
class ClaimColumn:
    """One Epoch column that becomes one claim per row where it has a value."""

    column: str
    metric: str
    unit: str
    scope: pl.Expr
    qualifier: pl.Expr
    quote: pl.Expr | None = None
    low: str | None = None
    high: str | None = None


def claims_table(
    table: RawTable,
    rows: pl.DataFrame,
    specs: Sequence[ClaimColumn],
    *,
    key: pl.Expr,
    prefix: str,
    located: dict[str, str],
) -> RawTable:
    """The claims (costboard's layout, as text) of ``rows``: one per spec and row with a figure.

    ``rows`` carries ``_row`` (the original row), ``subject``, ``stated_on``, ``source_url``,
    ``source_title`` and ``note``, and ``__n_<column>`` numbers; ``key`` is the text the
    claim id is made from (the spec's metric and qualifier are added to it). ``located``
    points each claim field at the Epoch column it came from, for error positions.
    """
    parts = []
    for spec in specs:
        figures = [c for c in (spec.column, spec.low, spec.high) if c]
        has_figure = pl.any_horizontal(pl.col(f"__n_{c}").is_not_null() for c in figures)
        parts.append(
            rows.filter(has_figure).select(
                "_row",
                "subject",
                pl.lit(spec.metric).alias("metric"),
                spec.scope.alias("scope"),
                spec.qualifier.cast(pl.String).alias("qualifier"),
                *(
                    (pl.col(f"__n_{c}").cast(pl.String) if c else pl.lit(None, pl.String)).alias(f)
                    for f, c in (("value", spec.column), ("low", spec.low), ("high", spec.high))
                ),
                pl.lit(spec.unit).alias("unit"),
                pl.lit(CLAIMANT).alias("claimant"),
                pl.lit(SOURCE_KIND).alias("source_kind"),
                pl.col("stated_on").cast(pl.String),
                "source_url",
                "source_title",
                (spec.quote if spec.quote is not None else pl.lit(None, pl.String)).alias("quote"),
                "note",
                pl.concat_str(
                    key, pl.lit(spec.metric), spec.qualifier.fill_null(""), separator="\x1f"
                ).alias("_key"),
                pl.lit(column_number(table, spec.column), pl.Int32).alias("_value_column"),
                pl.lit(column_number(table, spec.low or spec.column), pl.Int32).alias("_low"),
                pl.lit(column_number(table, spec.high or spec.column), pl.Int32).alias("_high"),
            )
        )
    claims = pl.concat(parts) if parts else pl.DataFrame()
    claims = claims.with_columns(stable_ids(prefix, claims["_key"]).alias("claim_id"))
    header = [c for c in CLAIM_COLUMNS if c in claims.columns]
    lines = lines_of(table, claims["_row"])
    column_of = {
        field: pl.repeat(column_number(table, column), claims.height, dtype=pl.Int32, eager=True)
        for field, column in located.items()
    }
    column_of |= {"value": claims["_value_column"], "low": claims["_low"], "high": claims["_high"]}
    return RawTable(
        table.path, claims.select(header), header, "csv", line_of_row=lines, column_of=column_of
    )


def subjects_table(table: RawTable, subjects: pl.DataFrame, located: dict[str, str]) -> RawTable:
    """Subjects (costboard's layout, as text) of rows carrying ``_row``."""
    header = ["subject", "name", "kind", "developer", "released_on"]
    lines = lines_of(table, subjects["_row"])
    column_of = {
        field: pl.repeat(column_number(table, column), subjects.height, dtype=pl.Int32, eager=True)
        for field, column in located.items()
    }
    return RawTable(
        table.path,
        subjects.select(header).with_columns(pl.col("released_on").cast(pl.String)),
        header,
        "csv",
        line_of_row=lines,
        column_of=column_of,
    )
