"""Validate raw tables and turn them into typed, normalised frames.

Checks are polars expressions evaluated over the whole frame at once (a 5M-row price file
is checked without a Python loop over rows); only the failing rows, capped per file, are
turned into messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from costboard.warehouse import date_range, validate_text
from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, IngestError, InputError, did_you_mean
from costboard.warehouse.readers import RawTable
from costboard.warehouse.tables import PRICES, SUBJECTS, Table
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary

SUBJECT_COLUMNS = SUBJECTS.columns
SUBJECT_REQUIRED = ("subject", "kind")
#: A price file in costboard's layout has the stored price columns (adj_close is optional).
PRICE_COLUMNS = PRICES.columns
PRICE_REQUIRED = ("date", "ticker", "close")

URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")


@dataclass(frozen=True)
class Check:
    """Rows where ``failing`` is true get ``message`` (an expression or text) at ``field``."""

    failing: pl.Expr
    field: str | None
    message: pl.Expr | str


def run_checks(table: RawTable, typed: pl.DataFrame, checks: Sequence[Check]) -> None:
    """Evaluate every check over the whole frame; raise one IngestError for all failures.

    At most MAX_ERRORS_PER_FILE messages are built; the rest are only counted.
    """
    errors: list[InputError] = []
    failing_total = 0
    indexed = typed.with_row_index("_row")
    for check in checks:
        failing = indexed.filter(check.failing.fill_null(False))
        failing_total += failing.height
        room = MAX_ERRORS_PER_FILE - len(errors)
        if room <= 0 or failing.is_empty():
            continue
        message = pl.lit(check.message) if isinstance(check.message, str) else check.message
        bad = failing.head(room).select("_row", message.alias("_message"))
        errors.extend(table.error(row, check.field, text) for row, text in bad.iter_rows())
    if errors:
        raise IngestError(errors, omitted=failing_total - len(errors))


def raise_if(errors: list[InputError]) -> None:
    if errors:
        omitted = max(0, len(errors) - MAX_ERRORS_PER_FILE)
        raise IngestError(errors[:MAX_ERRORS_PER_FILE], omitted=omitted)


def column_errors(
    table: RawTable, known: Sequence[str], required: Sequence[str]
) -> list[InputError]:
    errors = []
    for index, column in enumerate(table.header, start=1):
        if column not in known:
            errors.append(
                InputError(
                    table.path, 1, index, f"unknown column '{column}'" + did_you_mean(column, known)
                )
            )
    for column in required:
        if column not in table.header:
            errors.append(InputError(table.path, 1, 1, f"missing required column '{column}'"))
    return errors


def with_missing(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def as_stored(
    table: Table, frame: pl.DataFrame, derived: dict[str, pl.Expr], *extra: str | pl.Expr
) -> pl.DataFrame:
    """``frame`` in ``table``'s stored columns and order: each from ``derived`` where given,
    else as read; ``extra`` columns (not stored in ``table``) follow."""
    return frame.select(*(derived.get(c, pl.col(c)).alias(c) for c in table.columns), *extra)


def typed(frame: pl.DataFrame, numbers: Sequence[str], dates: Sequence[str]) -> pl.DataFrame:
    """Parse each number and date column once; checks and the output read the parsed copies."""
    return frame.with_columns(
        *(pl.col(c).cast(pl.Float64, strict=False).alias(f"__number_{c}") for c in numbers),
        *(
            pl.col(c).str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias(f"__date_{c}")
            for c in dates
        ),
    )


def number(column: str) -> pl.Expr:
    """The parsed number of ``column`` (null where the text is not a number); see typed."""
    return pl.col(f"__number_{column}")


def not_a_number(column: str, *, among: pl.Expr | None = None) -> Check:
    """Rows (of ``among``, default all) whose ``column`` has text that is not a number."""
    failing = pl.col(column).is_not_null() & number(column).is_null()
    return Check(
        failing if among is None else among & failing,
        column,
        pl.format("'{}' is not a number", pl.col(column)),
    )


def not_a_date_value(column: str, among: pl.Expr) -> Check:
    """Rows of ``among`` (claims in a date unit) whose ``column`` is not an ISO date."""
    return Check(
        among & pl.col(column).is_not_null() & number(column).is_null(),
        column,
        pl.format("'{}' is not a real date in the form YYYY-MM-DD", pl.col(column)),
    )


def dates_as_days(frame: pl.DataFrame, columns: Sequence[str], among: pl.Expr) -> pl.DataFrame:
    """In rows of ``among``, the parsed number of each column is its ISO date as days since
    1970-01-01 (a float, so it normalises and compares like any other figure)."""
    return frame.with_columns(
        pl.when(among)
        .then(
            pl.col(c)
            .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            .cast(pl.Int32)
            .cast(pl.Float64)
        )
        .otherwise(number(c))
        .alias(f"__number_{c}")
        for c in columns
    )


def not_finite(column: str) -> Check:
    return Check(
        number(column).is_nan() | number(column).is_infinite(),
        column,
        pl.format("'{}' is not a finite number (NaN and infinity are not allowed)", pl.col(column)),
    )


def parsed_date(column: str) -> pl.Expr:
    """The parsed date of ``column`` (null where the text is not a real date); see typed."""
    return pl.col(f"__date_{column}")


def date_checks(column: str, *, required: bool, today: dt.date) -> list[Check]:
    checks = [
        Check(
            pl.col(column).is_not_null() & parsed_date(column).is_null(),
            column,
            pl.format("'{}' is not a real date in the form YYYY-MM-DD", pl.col(column)),
        ),
        Check(
            date_range.too_early(parsed_date(column)),
            column,
            date_range.early_message(pl.col(column)),
        ),
        Check(
            date_range.too_late(parsed_date(column), today),
            column,
            date_range.late_message(pl.col(column)),
        ),
    ]
    if required:
        checks.insert(0, Check(pl.col(column).is_null(), column, "a date is required"))
    return checks


def text_checks(columns: Sequence[str]) -> list[Check]:
    """The character allow-lists of the ids and names among ``columns`` (validate_text.py)."""
    return [Check(*rule) for rule in validate_text.rules(columns)]


def split_list(column: str) -> pl.Expr:
    """A ';'-separated text column as a list of its stripped, non-empty items."""
    return (
        pl.col(column)
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.len_chars() > 0))
    )


def required_values(columns: Sequence[str]) -> list[Check]:
    return [Check(pl.col(c).is_null(), c, "a value is required") for c in columns]


def in_vocabulary(column: str, known: Sequence[str], what: str) -> Check:
    """One check whose message suggests close matches; suggestions are built per distinct value."""
    known_list = list(known)
    return Check(
        pl.col(column).is_not_null() & ~pl.col(column).is_in(known_list),
        column,
        pl.col(column).map_elements(
            lambda value: f"unknown {what} '{value}'" + did_you_mean(value, known_list),
            return_dtype=pl.String,
        ),
    )


def url_check(column: str) -> Check:
    return Check(
        pl.col(column).is_not_null() & ~pl.col(column).str.contains(URL_PATTERN),
        column,
        pl.format("'{}' is not an http(s) URL", pl.col(column)),
    )


def conflicting_duplicates(
    table: RawTable, frame: pl.DataFrame, key: Sequence[str]
) -> list[InputError]:
    """Rows that share a natural key but differ elsewhere; identical repeats are harmless."""
    if not frame.select(pl.struct(key).is_duplicated().any()).item():
        return []  # the common case, checked cheaply before any full-row comparison
    indexed = frame.with_row_index("_row")
    distinct = indexed.unique(subset=[c for c in frame.columns], keep="first", maintain_order=True)
    clash = distinct.filter(pl.len().over(key) > 1)
    if clash.is_empty():
        return []
    first = clash.group_by(key, maintain_order=True).agg(pl.col("_row").first().alias("_first"))
    later = clash.join(first, on=key).filter(pl.col("_row") != pl.col("_first"))
    errors = []
    for row, first_row in later.select("_row", "_first").head(MAX_ERRORS_PER_FILE).iter_rows():
        names = ", ".join(f"{k}={frame[k][row]}" for k in key)
        errors.append(
            table.error(
                row,
                key[0],
                f"conflicting duplicate: {names} also on line {table.line(first_row)} with other values",
            )
        )
    return errors


# --- subjects ---------------------------------------------------------------------------------


def subjects(table: RawTable, *, today: dt.date, vocabulary: Vocabulary = BUILT_IN) -> pl.DataFrame:
    raise_if(column_errors(table, SUBJECT_COLUMNS, SUBJECT_REQUIRED))
    raw = typed(with_missing(table.frame, SUBJECT_COLUMNS), (), ("released_on",))
    checks = [
        *required_values(SUBJECT_REQUIRED),
        in_vocabulary("kind", vocabulary.subject_kinds, "subject kind"),
        Check(
            (pl.col("kind") == "group") & pl.col("members").is_null(),
            "members",
            "a group subject needs members (';'-separated tickers)",
        ),
        Check(
            (pl.col("kind") != "group") & pl.col("members").is_not_null(),
            "members",
            pl.format("only group subjects have members; this one is a {}", pl.col("kind")),
        ),
        *text_checks(SUBJECT_COLUMNS),
        *date_checks("released_on", required=False, today=today),
    ]
    run_checks(table, raw, checks)
    normalised = as_stored(
        SUBJECTS,
        raw,
        {
            **{c: split_list(c) for c in ("members", "related")},
            "released_on": parsed_date("released_on"),
        },
    )
    raise_if(conflicting_duplicates(table, normalised, SUBJECTS.key))
    return normalised


# --- prices -----------------------------------------------------------------------------------


def prices(table: RawTable, *, today: dt.date, vocabulary: Vocabulary = BUILT_IN) -> pl.DataFrame:
    """Validate a price table already mapped to costboard's layout (see formats.py).

    ``vocabulary`` is unused (prices name no metric); it keeps the validators' signatures alike.
    """
    raise_if(column_errors(table, PRICE_COLUMNS, PRICE_REQUIRED))
    raw = typed(
        with_missing(table.frame, PRICE_COLUMNS),
        ("open", "high", "low", "close", "adj_close", "volume"),
        ("date",),
    )
    numbers = ("open", "high", "low", "close", "adj_close", "volume")
    adjusted = pl.col("adjusted").str.to_lowercase()
    checks = [
        *required_values(PRICE_REQUIRED),
        *date_checks("date", required=False, today=today),
        *(not_a_number(c) for c in numbers),
        *(not_finite(c) for c in numbers),
        Check(number("volume") < 0, "volume", pl.format("volume {} is negative", pl.col("volume"))),
        Check(
            number("volume").is_not_null() & (number("volume") != number("volume").floor()),
            "volume",
            pl.format("volume {} is not a whole number", pl.col("volume")),
        ),
        *(
            Check(number(c) <= 0, c, pl.format("{} price {} is not positive", pl.lit(c), pl.col(c)))
            for c in ("open", "high", "low", "close")
        ),
        Check(
            number("low") > number("high"),
            "low",
            pl.format("low {} is above high {}", pl.col("low"), pl.col("high")),
        ),
        Check(
            number("low") > number("open"),
            "open",
            pl.format("open {} is below low {}", pl.col("open"), pl.col("low")),
        ),
        Check(
            number("open") > number("high"),
            "open",
            pl.format("open {} is above high {}", pl.col("open"), pl.col("high")),
        ),
        Check(
            number("low") > number("close"),
            "close",
            pl.format("close {} is below low {}", pl.col("close"), pl.col("low")),
        ),
        Check(
            number("close") > number("high"),
            "close",
            pl.format("close {} is above high {}", pl.col("close"), pl.col("high")),
        ),
        Check(
            pl.col("adjusted").is_not_null() & ~adjusted.is_in([*TRUE_WORDS, *FALSE_WORDS]),
            "adjusted",
            pl.format("'{}' is not true or false", pl.col("adjusted")),
        ),
        url_check("source_url"),
        *text_checks(PRICE_COLUMNS),
    ]
    run_checks(table, raw, checks)
    normalised = as_stored(
        PRICES,
        raw,
        {
            "date": parsed_date("date"),
            **{c: number(c) for c in ("open", "high", "low", "close", "adj_close")},
            "volume": number("volume").cast(pl.Int64),
            "adjusted": pl.when(adjusted.is_in(TRUE_WORDS))
            .then(True)
            .when(adjusted.is_in(FALSE_WORDS))
            .then(False)
            .otherwise(None),
        },
    )
    raise_if(conflicting_duplicates(table, normalised, PRICES.key))
    return normalised
