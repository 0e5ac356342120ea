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

from costboard.warehouse import writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.lake import LAKE
from costboard.warehouse.schema import NATURAL_KEYS
from costboard.warehouse.writer import TableChanges, WriteResult

TABLE: Final = "estimate_records"
#: The stored columns, in table order.
COLUMNS: Final = (
    "input_snapshot_id",
    "estimator",
    "estimator_version",
    "params_hash",
    "subject",
    "as_of",
    "metric",
    "scope",
    "value",
    "low",
    "high",
    "unit",
    "inputs",
    "parameters",
    "note",
)
_KEY: Final = NATURAL_KEYS[TABLE]
_COMPARED: Final = tuple(c for c in COLUMNS if c not in _KEY)
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


def _stored_frame(estimates: pl.DataFrame, input_snapshot: int) -> pl.DataFrame:
    missing = [c for c in COLUMNS if c not in estimates.columns and c != "input_snapshot_id"]
    if missing:
        raise ValueError(f"estimates lack column(s): {', '.join(missing)}")
    return estimates.with_columns(
        pl.lit(input_snapshot, dtype=pl.Int64).alias("input_snapshot_id")
    ).select(COLUMNS)


def write_body(
    connection: duckdb.DuckDBPyConnection,
    estimates: pl.DataFrame,
    input_snapshot: int,
    complete: Sequence[str] = (),
) -> dict[str, TableChanges]:
    """The body of an estimate write: add new keys, replace rows whose values changed, and
    remove the ``complete`` estimators' rows of this input snapshot that this run superseded
    (the same estimator, subject, date, metric and scope under another version or other
    parameters)."""
    frame = _stored_frame(estimates, input_snapshot)
    connection.register("_estimates", frame.to_arrow())
    removed = 0
    try:
        if complete:
            # Only estimators that ran without error supersede what they stored before.
            names = pl.DataFrame({"estimator": list(complete)}, schema={"estimator": pl.String})
            connection.register("_complete", names.to_arrow())
            same = " AND ".join(f"n.{k} = {LAKE}.{TABLE}.{k}" for k in _SUPERSEDES)
            exact = " AND ".join(f"n.{k} = {LAKE}.{TABLE}.{k}" for k in _KEY)
            stale = f"""
                input_snapshot_id = ? AND estimator IN (SELECT estimator FROM _complete)
                AND EXISTS (SELECT 1 FROM _estimates AS n WHERE {same})
                AND NOT EXISTS (SELECT 1 FROM _estimates AS n WHERE {exact})
            """
            removed = connection.execute(
                f"SELECT count(*) FROM {LAKE}.{TABLE} WHERE {stale}", [input_snapshot]
            ).fetchone()[0]  # type: ignore[index]
            if removed:
                connection.execute(f"DELETE FROM {LAKE}.{TABLE} WHERE {stale}", [input_snapshot])
            connection.unregister("_complete")
        on = " AND ".join(f"i.{k} = t.{k}" for k in _KEY)
        differs = " OR ".join(f"i.{c} IS DISTINCT FROM t.{c}" for c in _COMPARED)
        connection.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _estimate_plan AS
            SELECT i.*, t.subject IS NULL AS _is_new
            FROM _estimates AS i
            LEFT JOIN {LAKE}.{TABLE} AS t ON {on}
            WHERE t.subject IS NULL OR ({differs})
            """
        )
        added, changed = connection.execute(
            "SELECT count(*) FILTER (WHERE _is_new), count(*) FILTER (WHERE NOT _is_new) "
            "FROM _estimate_plan"
        ).fetchone()  # type: ignore[misc]
        if changed:
            # The same key with other numbers: the estimator changed without a version bump.
            match = " AND ".join(f"{LAKE}.{TABLE}.{k} = p.{k}" for k in _KEY)
            connection.execute(
                f"DELETE FROM {LAKE}.{TABLE} USING _estimate_plan AS p WHERE NOT p._is_new AND {match}"
            )
        if added or changed:
            columns = ", ".join(COLUMNS)
            connection.execute(
                f"INSERT INTO {LAKE}.{TABLE} ({columns}) SELECT {columns} FROM _estimate_plan"
            )
        connection.execute("DROP TABLE _estimate_plan")
    finally:
        connection.unregister("_estimates")
    return {TABLE: TableChanges(added=int(added), changed=int(changed), removed=int(removed))}


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


def stored(connection: duckdb.DuckDBPyConnection, subject: str | None = None) -> pl.DataFrame:
    """The ``estimates`` view (optionally one subject's), newest evidence date first."""
    return connection.execute(
        f"""
        SELECT subject, as_of, estimator, estimator_version, metric, scope, value, low, high,
               unit, snapshot_id, inputs, note
        FROM {LAKE}.estimates
        WHERE ? IS NULL OR subject = ?
        ORDER BY subject, as_of DESC, metric, scope, estimator
        """,
        [subject, subject],
    ).pl()


def reconciliation(connection: duckdb.DuckDBPyConnection, subject: str) -> pl.DataFrame:
    """The ``reconciliation`` view for one subject: each claim against each estimate."""
    return connection.execute(
        f"""
        SELECT claim_id, claimant, stated_on, metric, scope, estimator, claim_value,
               value, low, high, unit, ratio, inside_range
        FROM {LAKE}.reconciliation
        WHERE subject = ?
        ORDER BY stated_on, metric, scope, claim_id, estimator
        """,
        [subject],
    ).pl()
