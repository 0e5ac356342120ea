"""Checks of an ingest's claims against the warehouse, made inside the write transaction.

- Every id a claim ``cites`` exists, in this ingest or an earlier one.
- A ``claim_id`` that exists under another claimant is an error naming both: a new version of
  a claim keeps its claimant, so the same id from someone else is a different claim.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import polars as pl

from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, InputError, did_you_mean
from costboard.warehouse.lake import LAKE
from costboard.warehouse.tables import CLAIMS

if TYPE_CHECKING:
    from costboard.warehouse.ingest import Batch


def _stored(connection: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return connection.execute(f"SELECT claim_id, claimant FROM {LAKE}.{CLAIMS.name}").pl()


def errors(connection: duckdb.DuckDBPyConnection, batch: Batch) -> list[InputError]:
    """The errors of the batch's claims that only the warehouse can tell (see the module doc)."""
    incoming = batch.frame(CLAIMS.label)
    if incoming is None:
        return []
    stored = _stored(connection)
    found: list[InputError] = []
    known = pl.concat([stored["claim_id"], incoming["claim_id"]]).unique()
    cited = (
        incoming.select("_table", "_row", pl.col("cites").alias("cited"))
        .explode("cited")
        .drop_nulls("cited")
        .filter(~pl.col("cited").is_in(known.implode()))
    )
    if not cited.is_empty():
        names = known.to_list()
        for row in cited.head(MAX_ERRORS_PER_FILE).iter_rows(named=True):
            found.append(
                batch.error(
                    row["_table"],
                    row["_row"],
                    "cites",
                    f"cites unknown claim '{row['cited']}': ingest the claim it restates "
                    "first, or in the same ingest" + did_you_mean(row["cited"], names),
                )
            )
    clash = incoming.join(stored, on="claim_id", suffix="_stored").filter(
        pl.col("claimant") != pl.col("claimant_stored")
    )
    for row in clash.head(MAX_ERRORS_PER_FILE).iter_rows(named=True):
        found.append(
            batch.error(
                row["_table"],
                row["_row"],
                "claim_id",
                f"claim_id '{row['claim_id']}' already belongs to a claim by "
                f"'{row['claimant_stored']}'; this one is by '{row['claimant']}': give it "
                "its own claim_id (a new version of a claim keeps its claimant)",
            )
        )
    return found
