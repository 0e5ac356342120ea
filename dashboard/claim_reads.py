"""The claims page's reads: one filtered, sorted page of the claims grid, and one claim's
versions across snapshots (from DuckLake's change feed). A part of the dashboard's
:class:`costboard.dashboard.data.Reader`, kept apart so each module holds one job.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from costboard.dashboard.snapshots import SnapshotReader, alias

#: The most rows a claims-grid page or a CSV export asks for.
MAX_EXPORT_ROWS = 100_000
#: What reading a view or column that a snapshot does not have raises (a snapshot written
#: by an older costboard, before its warehouse was upgraded).
MISSING_IN_SNAPSHOT = (duckdb.CatalogException, duckdb.BinderException)
#: The claims grid's rows: the claims view with its cites as text and its claim_checks
#: findings joined, so the grid filters and sorts on both like any other text column.
CLAIMS_GRID = """
    (SELECT c.* REPLACE (array_to_string(c.cites, '; ') AS cites), k.checks
     FROM {db}.claims AS c
     LEFT JOIN (SELECT claim_id, string_agg("check" || ': ' || detail, '; '
                                            ORDER BY "check", detail) AS checks
                FROM {db}.claim_checks GROUP BY claim_id) AS k USING (claim_id))
"""


class ClaimsPageReads(SnapshotReader):
    """The claims page's reads (``data.Reader`` inherits them)."""

    def claims_page(
        self,
        snapshot_id: int,
        *,
        where: str,
        params: Sequence[object],
        order_by: str,
        offset: int,
        limit: int,
    ) -> tuple[pl.DataFrame, int]:
        """One page of the claims grid and the number of rows matching the filter.

        ``where`` and ``order_by`` come from :mod:`costboard.dashboard.grid_sql`, which
        builds them from column names it knows and passes every value as a parameter.
        """
        source = CLAIMS_GRID
        try:
            rows = self.frame(
                snapshot_id,
                f"SELECT * FROM {source} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
                [*params, min(limit, MAX_EXPORT_ROWS), offset],
            )
        except MISSING_IN_SNAPSHOT:
            # A snapshot from before the claim fields: its claims as they were then.
            source = "{db}.claims"
            rows = self.frame(
                snapshot_id,
                f"SELECT * FROM {source} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
                [*params, min(limit, MAX_EXPORT_ROWS), offset],
            )
        total = self.frame(
            snapshot_id, f"SELECT count(*) AS n FROM {source} WHERE {where}", list(params)
        )
        return rows, int(total["n"][0])

    def claim_versions(self, snapshot_id: int, claim_id: str) -> pl.DataFrame:
        """Every version of one claim up to this snapshot, from DuckLake's change feed.

        One row per version: the snapshot that wrote it and the one that replaced it (null
        while it is current). An ingest replaces a changed claim by a delete and an insert.
        """
        db = alias(snapshot_id)
        return self.frame(
            snapshot_id,
            f"""
            WITH changes AS (
                SELECT * FROM ducklake_table_changes('{db}', 'main', 'claim_records', 0, ?)
                WHERE claim_id = ?
            ),
            ends AS (
                SELECT snapshot_id FROM changes
                WHERE change_type IN ('delete', 'update_preimage')
            )
            SELECT v.snapshot_id AS from_snapshot,
                   (SELECT min(e.snapshot_id) FROM ends AS e WHERE e.snapshot_id > v.snapshot_id)
                       AS until_snapshot,
                   s.snapshot_time, s.author, s.message,
                   v.value, v.low, v.high, v.unit, v.value_as_written, v.unit_as_written,
                   v.claimant, v.stated_on, v.source_url, v.quote, v.note
            FROM changes AS v LEFT JOIN {{db}}.snapshots AS s USING (snapshot_id)
            WHERE v.change_type IN ('insert', 'update_postimage')
            ORDER BY v.snapshot_id
            """,
            [snapshot_id, claim_id],
        )
