"""Constant dollars: estimates and claims in dollars of a chosen month.

The rule lives in SQL, once (sql/27 and sql/30-34: the ``price_index`` view, ``price_index_at``,
``constant_usd``, the core ``usd_conversion`` and the ``estimates_in_usd_of`` and
``claims_in_usd_of`` macros over it), so ``costboard
sql``, any DuckDB client, the API and the overview cannot disagree. This module only calls
those macros for the dashboard's reads and turns their failures into one error type.

DuckDB binds the names inside a macro's body in the caller's current database, not the
macro's own, so a macro of a lake attached as ``s12`` must be called after ``USE s12``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import duckdb
import polars as pl

from costboard.warehouse.estimates import VIEW_COLUMNS
from costboard.warehouse.lake import LAKE

#: The FRED series the index is (Epoch AI's choice; see docs/epoch.md).
SERIES = "PCU518210518210"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class NoConstantDollars(ValueError):
    """Constant dollars of this month cannot be given; the message says why."""


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` as the month's first day; :class:`NoConstantDollars` for anything else."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise NoConstantDollars(
            f"usd_of must be a month written YYYY-MM (e.g. 2025-01), not {text!r}"
        )
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def month_text(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def _use(connection: duckdb.DuckDBPyConnection, database: str) -> None:
    # The macros bind price_index, estimates and subjects in the current database.
    found = connection.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE database_name = ? "
        "AND function_name = 'estimates_in_usd_of'",
        [database],
    ).fetchone()
    if not found or not found[0]:
        raise NoConstantDollars(
            "this snapshot predates constant dollars (no estimates_in_usd_of macro): pick a "
            "newer snapshot, or run `costboard estimate` to upgrade the warehouse"
        )
    connection.execute(f"USE {database}")


def index_span(
    connection: duckdb.DuckDBPyConnection, *, database: str = LAKE
) -> tuple[dt.date, dt.date] | None:
    """The first and last month of the price index at this snapshot; None when it has none."""
    row = connection.execute(
        f"SELECT min(date), max(date) FROM {database}.price_records WHERE ticker = ?", [SERIES]
    ).fetchone()
    if not row or row[0] is None:
        return None
    return row[0].replace(day=1), row[1].replace(day=1)


def _macro_frame(
    connection: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object], database: str
) -> pl.DataFrame:
    _use(connection, database)
    try:
        return connection.execute(sql, list(params)).pl()
    except duckdb.InvalidInputException as error:
        # The macros' own error() for a target month the index does not cover.
        message = str(error).removeprefix("Invalid Input Error: ")
        raise NoConstantDollars(message) from None


def estimates(
    connection: duckdb.DuckDBPyConnection,
    subject: str | None,
    month: dt.date,
    *,
    database: str = LAKE,
) -> pl.DataFrame:
    """One subject's (or every) estimate in constant dollars of ``month``: the columns of
    :func:`costboard.warehouse.estimates.stored`, then ``usd_of`` and ``priced_in``."""
    frame = _macro_frame(
        connection,
        """
        SELECT * FROM estimates_in_usd_of(?)
        WHERE ? IS NULL OR subject = ?
        ORDER BY subject, as_of DESC, metric, scope, estimator
        """,
        [month, subject, subject],
        database,
    )
    return frame.select(*VIEW_COLUMNS, "usd_of", "priced_in")


#: What a comparable claim shows (the overview's claim markers and table).
COMPARABLE_COLUMNS = (
    "claim_id", "subject", "metric", "scope", "qualifier", "value", "low", "high", "unit",
    "value_as_written", "unit_as_written", "claimant", "stated_on", "quote", "source_url",
    "source_title",
)  # fmt: skip


def comparable_sql(claims: str, estimates: str, extra: Sequence[str] = ()) -> str:
    """The one rule for comparable claims: the claims of ``claims`` (a relation; its
    parameters come first) about the subjects of the next parameter that some estimate of
    ``estimates`` also answers (same subject, metric and scope), oldest first."""
    columns = ", ".join(f"c.{c}" for c in (*COMPARABLE_COLUMNS, *extra))
    return f"""
        SELECT {columns}
        FROM {claims} AS c
        WHERE list_contains(?::VARCHAR[], c.subject)
          AND (c.subject, c.metric, c.scope) IN
              (SELECT DISTINCT subject, metric, scope FROM {estimates})
        ORDER BY c.stated_on, c.claim_id
        """


def comparable_claims(
    connection: duckdb.DuckDBPyConnection, subjects: Sequence[str], *, database: str = LAKE
) -> pl.DataFrame:
    """The subjects' claims that some estimator also answers, in the dollars they were given."""
    sql = comparable_sql(f"{database}.claims", f"{database}.estimates")
    return connection.execute(sql, [list(subjects)]).pl()


def claims(
    connection: duckdb.DuckDBPyConnection,
    subjects: Sequence[str],
    month: dt.date,
    *,
    database: str = LAKE,
) -> pl.DataFrame:
    """The subjects' claims that some estimator also answers (same metric and scope), in
    constant dollars of ``month``: the overview's comparable claims, converted."""
    return _macro_frame(
        connection,
        # Unqualified: the macro binds in the current database (see _use).
        comparable_sql("claims_in_usd_of(?)", "estimates", ("usd_of", "priced_in")),
        [month, list(subjects)],
        database,
    )
