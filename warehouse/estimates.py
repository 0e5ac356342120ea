"""Stored estimates: keyed by the evidence snapshot they were computed from.

Estimates are written through the one writer (kind ``estimate``) into ``estimate_records``,
keyed by (input snapshot, estimator, estimator version, params hash, subject, as_of, metric,
scope). The input snapshot is the latest snapshot that changed evidence (subjects, sources,
claims or prices): writing estimates, tags or anything else is not new evidence, so running
the estimators again on the same evidence finds every key stored and writes nothing.

This module knows nothing of plugins: it stores any frame with the estimate columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import duckdb
import polars as pl

from costboard.warehouse import schema, tables, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.lake import LAKE
from costboard.warehouse.tables import ESTIMATES, matching
from costboard.warehouse.writer import TableChanges, WriteResult

#: The stored table and its columns, in table order (from the table registry).
TABLE: Final = ESTIMATES.name
COLUMNS: Final = ESTIMATES.columns
#: A new run's row supersedes a stored row of the same input snapshot with these in common.
_SUPERSEDES: Final = ("input_snapshot_id", "estimator", "subject", "as_of", "metric", "scope")


def input_snapshot_id(connection: duckdb.DuckDBPyConnection, at: int | None = None) -> int | None:
    """The latest snapshot (at or before ``at``) that changed evidence; None if there is none.

    A snapshot written after the warehouse's creation by a client other than costboard
    carries no extra info; it may have changed anything, so it counts as evidence.
    """
    row = connection.execute(
        f"""
        SELECT max(snapshot_id) FROM {LAKE}.snapshots
        WHERE coalesce(changes_evidence, true) AND (? IS NULL OR snapshot_id <= ?)
          AND snapshot_id > coalesce(
              (SELECT min(snapshot_id) FROM {LAKE}.snapshots WHERE kind = 'init'), -1)
        """,
        [at, at],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def snapshot_date(connection: duckdb.DuckDBPyConnection, snapshot_id: int) -> object:
    """The day a snapshot was written (UTC)."""
    row = connection.execute(
        f"SELECT CAST(timezone('UTC', snapshot_time) AS DATE) FROM {LAKE}.snapshots "
        "WHERE snapshot_id = ?",
        [snapshot_id],
    ).fetchone()
    if row is None:
        raise ValueError(f"no snapshot {snapshot_id}")
    return row[0]


#: Columns added after the first release: a frame without one stores it empty.
_OPTIONAL: Final = {"assumed": pl.List(pl.String), "methods": pl.List(pl.String)}


def _stored_frame(estimates: pl.DataFrame, input_snapshot: int) -> pl.DataFrame:
    estimates = estimates.with_columns(
        pl.lit([], dtype=dtype).alias(c) for c, dtype in _OPTIONAL.items() if c not in estimates
    )
    missing = [c for c in COLUMNS if c not in estimates.columns and c != "input_snapshot_id"]
    if missing:
        raise ValueError(f"estimates lack column(s): {', '.join(missing)}")
    return estimates.with_columns(
        pl.lit(input_snapshot, dtype=pl.Int64).alias("input_snapshot_id")
    ).select(COLUMNS)


def _remove_superseded(
    connection: duckdb.DuckDBPyConnection, frame: pl.DataFrame, complete: Sequence[str]
) -> int:
    """Remove the stored rows of the ``complete`` estimators that a row of ``frame`` supersedes
    (the same input snapshot, estimator, subject, date, metric and scope under another key:
    another version or other parameters); returns how many."""
    if not complete:
        return 0
    # Only estimators that ran without error supersede what they stored before.
    newer = frame.filter(pl.col("estimator").is_in(list(complete)))
    stored = f"{LAKE}.{ESTIMATES.name}"
    connection.register("_superseding", newer.to_arrow())
    try:
        stale = f"""
            EXISTS (SELECT 1 FROM _superseding AS n WHERE {matching("n", stored, _SUPERSEDES)})
            AND NOT EXISTS (SELECT 1 FROM _superseding AS n WHERE {matching("n", stored, ESTIMATES.key)})
        """
        row = connection.execute(f"SELECT count(*) FROM {stored} WHERE {stale}").fetchone()
        removed = int(row[0]) if row else 0
        if removed:
            connection.execute(f"DELETE FROM {stored} WHERE {stale}")
    finally:
        connection.unregister("_superseding")
    return removed


def write_body(
    connection: duckdb.DuckDBPyConnection,
    estimates: pl.DataFrame,
    input_snapshot: int,
    complete: Sequence[str] = (),
) -> dict[str, TableChanges]:
    """The body of an estimate write: remove the ``complete`` estimators' rows of this input
    snapshot that this run superseded, then merge (add new keys, replace rows whose values
    changed: the same key with other numbers means an estimator changed without a version
    bump)."""
    # A warehouse made by an older costboard gains the estimate columns added since.
    schema.upgrade(connection)
    frame = _stored_frame(estimates, input_snapshot)
    removed = _remove_superseded(connection, frame, complete)
    changes = tables.merge(connection, ESTIMATES, frame)
    changes.removed = removed
    return {TABLE: changes}


def store(
    config: WarehouseConfig,
    estimates: pl.DataFrame,
    input_snapshot: int,
    *,
    message: str,
    author: str | None = None,
    complete: Sequence[str] = (),
    dry_run: bool = False,
) -> WriteResult:
    """Write ``estimates`` (estimator, estimator_version, params_hash and the estimate columns)
    keyed by ``input_snapshot``; what is already stored is skipped, so a repeat writes nothing.

    ``complete`` names the estimators that ran without error: their stored rows for this
    input snapshot that a row of ``estimates`` supersedes (same subject, date, metric and
    scope; another version or other parameters) are removed, so the ``estimates`` view shows
    each estimator's latest numbers (earlier runs stay readable through time travel).
    """
    return writer.write(
        config,
        lambda connection: write_body(connection, estimates, input_snapshot, complete),
        message=message,
        author=author,
        kind="estimate",
        dry_run=dry_run,
    )


#: The DuckDB variable that makes the ``estimates`` view read one evidence snapshot's
#: estimates in place of the latest evidence snapshot's.
INPUT_SNAPSHOT_VARIABLE: Final = "estimates_input_snapshot"


def pin_input_snapshot(connection: duckdb.DuckDBPyConnection, input_snapshot: int | None) -> None:
    """Make ``connection``'s ``estimates`` view (and the views on it) read the estimates
    computed from ``input_snapshot``'s evidence, wherever they were stored since (None: the
    latest evidence snapshot with estimates, the view's default)."""
    if input_snapshot is None:
        connection.execute(f"RESET VARIABLE {INPUT_SNAPSHOT_VARIABLE}")
    else:
        connection.execute(
            f"SET VARIABLE {INPUT_SNAPSHOT_VARIABLE} = ?::BIGINT", [int(input_snapshot)]
        )


#: The columns :func:`stored` gives, in order (the ``estimates`` view's, less the JSON).
VIEW_COLUMNS: Final = (
    "subject",
    "as_of",
    "estimator",
    "estimator_version",
    "metric",
    "scope",
    "value",
    "low",
    "high",
    "unit",
    "snapshot_id",
    "inputs",
    "note",
    "assumed",
)


def stored(
    connection: duckdb.DuckDBPyConnection, subject: str | None = None, *, database: str = LAKE
) -> pl.DataFrame:
    """The ``estimates`` view (optionally one subject's), newest evidence date first.

    ``database``: the name the lake is attached under (the dashboard pins one per snapshot).
    """
    frame = connection.execute(
        f"""
        SELECT * FROM {database}.estimates
        WHERE ? IS NULL OR subject = ?
        ORDER BY subject, as_of DESC, metric, scope, estimator
        """,
        [subject, subject],
    ).pl()
    if "assumed" not in frame.columns:  # a snapshot written before assumptions were recorded
        frame = frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("assumed"))
    return frame.select(VIEW_COLUMNS)


#: The reconciliation view's two frames: the estimate in force at the claim's date, and the
#: newest one.
FRAMES: Final = ("at_claim_date", "latest")


def reconciliation(
    connection: duckdb.DuckDBPyConnection,
    subject: str,
    *,
    frame: str | None = None,
    database: str = LAKE,
) -> pl.DataFrame:
    """The ``reconciliation`` view for one subject: each claim against each estimate of its
    metric, scope and method, in ``frame`` (one of :data:`FRAMES`; None: both). A claim with
    nothing to compare with in a frame has one row with no estimator and a ``reason``."""
    if frame is not None and frame not in FRAMES:
        raise ValueError(f"unknown frame {frame!r}: expected one of {', '.join(FRAMES)}")
    rows = connection.execute(
        f"""
        SELECT * FROM {database}.reconciliation
        WHERE subject = ? AND (? IS NULL OR frame = ?)
        ORDER BY stated_on, metric, scope, claim_id, frame, estimator NULLS FIRST
        """,
        [subject, frame, frame],
    ).pl()
    assumed = (
        pl.col("assumed").list.join("; ")
        if "assumed" in rows.columns  # absent in snapshots from before assumptions
        else pl.lit(None, dtype=pl.String)
    )
    # A snapshot written before the frames had only today's at_claim_date rows.
    older = {
        "frame": pl.lit("at_claim_date"),
        "method": pl.lit(None, dtype=pl.String),
        "reason": pl.lit(None, dtype=pl.String),
    }
    rows = rows.with_columns(v.alias(k) for k, v in older.items() if k not in rows.columns)
    return rows.select(
        "frame",
        "claim_id",
        "claimant",
        "stated_on",
        "metric",
        "scope",
        "method",
        "estimator",
        "claim_value",
        "value",
        "low",
        "high",
        "unit",
        "ratio",
        "inside_range",
        assumed.alias("assumed"),
        "reason",
    )
