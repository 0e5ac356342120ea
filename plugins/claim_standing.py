"""Every claim of a subject with its standing: whether it is evidence (and why not), what the
claim_checks view found, and its figure and date as the source gave them.

``costboard estimate --explain``, the overview page and ``/api/claims`` all show this one
frame, so a claim that no estimator models, or that the provenance rule leaves out, is listed
with its reason in every place a subject is explained.
"""

from __future__ import annotations

from typing import Final

import duckdb
import polars as pl

from costboard.plugins.provenance import evidence_exclusions

#: The columns of :func:`subject_claims`, in order.
COLUMNS: Final = (
    "claim_id",
    "subject",
    "metric",
    "scope",
    "qualifier",
    "value",
    "low",
    "high",
    "unit",
    "bound",
    "claimant",
    "outlet",
    "source_kind",
    "cites",
    "status",
    "status_note",
    "stated_on",
    "stated_on_precision",
    "source_url",
    "source_title",
    "quote",
    "in_evidence",
    "excluded_because",
    "checks",
)


def subject_claims(
    connection: duckdb.DuckDBPyConnection, subject: str, *, database: str | None = None
) -> pl.DataFrame:
    """Every claim about ``subject`` in the connection's current snapshot (and evidence time,
    when ``evidence_until`` is set), oldest first, with :data:`COLUMNS`.

    ``database``: the name the lake is attached under, when it is not the current database
    (the dashboard pins one per snapshot).
    """
    prefix = f"{database}." if database else ""
    claims = connection.execute(
        f"SELECT * FROM {prefix}claims WHERE subject = ? ORDER BY stated_on, claim_id", [subject]
    ).pl()
    checks = connection.execute(
        f"""
        SELECT k.claim_id, string_agg(k."check" || ': ' || k.detail, '; '
                                      ORDER BY k."check", k.detail) AS checks
        FROM {prefix}claim_checks AS k JOIN {prefix}claims AS c USING (claim_id)
        WHERE c.subject = ?
        GROUP BY k.claim_id
        """,
        [subject],
    ).pl()
    excluded = evidence_exclusions(claims).rename({"reason": "excluded_because"})
    return (
        claims.join(excluded, on="claim_id", how="left")
        .join(checks, on="claim_id", how="left")
        .with_columns(pl.col("excluded_because").is_null().alias("in_evidence"))
        .select(COLUMNS)
    )
