"""Money written in another currency, converted to US dollars at the claim's date.

The shape of an exchange rate (README "Metrics and units"): a claim of metric
``exchange_rate`` whose subject is the currency's code (``krw``, a subject of kind
``currency``), scope ``market``, in unit ``usd_per_unit``: US dollars for one unit of that
currency. A rate is evidence like any other claim, with its source and its date.

The rate in force at a date is the latest exchange_rate claim for the currency stated on or
before it (the rule the evidence uses: the latest stated by then); among rates stated the same
day, the greatest claim_id (one rate per currency and day is the way to avoid choosing).
``misattributed`` and ``retracted`` rates are never in force. A claim whose ``stated_on`` is a
month or a year counts from the period's last day, and converts at the rate in force then.

Validation (validate_claims.py) scales a currency unit to that currency (``krw_billion`` x 1e9
won), stores the metric's base unit (``usd``) and marks the row with the currency it was
written in (:data:`WRITTEN_IN`). :func:`apply` then multiplies value, low and high by the rate
in force, inside the ingest's transaction (ingest.write_batch), because the rate may come from
the warehouse or from the same ingest. ``value_as_written`` / ``unit_as_written`` keep what was
written, and the note says which rate converted it ("converted from 1,900 krw_billion at
0.000687 usd per krw (claim fx-krw-2025-01)"). A claim with no rate in force is an error at
its ``unit`` cell, and nothing is written.

A claim is converted when it is ingested: a rate ingested later, dated before a stored claim,
does not re-convert it (ingest the claim again to convert it at that rate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import duckdb
import polars as pl

from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, IngestError, InputError
from costboard.warehouse.lake import LAKE
from costboard.warehouse.tables import CLAIMS
from costboard.warehouse.validate import Check, number
from costboard.warehouse.vocabulary import EXCHANGE_RATE, Vocabulary

if TYPE_CHECKING:
    from costboard.warehouse.ingest import Batch

#: The column validation adds to a claims frame: the currency its unit was written in (null
#: for US dollars and every other unit). Not stored: it only tells :func:`apply` what to convert.
WRITTEN_IN: Final = "_currency"
#: The scope every exchange_rate claim has.
RATE_SCOPE: Final = "market"

_FIGURES: Final = ("value", "low", "high")


def written_in(vocabulary: Vocabulary) -> pl.Expr:
    """The :data:`WRITTEN_IN` column of a claims frame, from its ``unit`` as written."""
    return pl.col("unit").replace_strict(vocabulary.unit_currencies, default=None).alias(WRITTEN_IN)


def checks(vocabulary: Vocabulary) -> list[Check]:
    """The shape of an exchange_rate claim: about a known currency, scope market, a positive value."""
    is_rate = pl.col("metric") == EXCHANGE_RATE
    known = vocabulary.currencies
    return [
        Check(
            is_rate & pl.col("subject").is_not_null() & ~pl.col("subject").is_in(known),
            "subject",
            pl.format(
                "an exchange_rate claim is about a currency: its subject is the currency's "
                "code ({}), not '{}'",
                pl.lit(", ".join(known)),
                pl.col("subject"),
            ),
        ),
        Check(
            is_rate & pl.col("scope").is_not_null() & (pl.col("scope") != RATE_SCOPE),
            "scope",
            pl.format(
                f"an exchange_rate claim's scope is {RATE_SCOPE}, not '{{}}'", pl.col("scope")
            ),
        ),
        Check(
            is_rate & (pl.col("value").is_null() | (number("value") <= 0)),
            "value",
            "an exchange_rate claim needs a value above 0: US dollars for one unit of the currency",
        ),
    ]


def rates(connection: duckdb.DuckDBPyConnection, incoming: pl.DataFrame) -> pl.DataFrame:
    """Every rate that can be in force: the warehouse's and the ingest's (which replace the
    stored versions of the same claim ids), one per currency and day, sorted by day.

    Columns: ``currency``, ``rate_on`` (its stated_on), ``rate``, ``rate_claim_id``.
    """
    # Imported here: validate_claims imports this module for its checks.
    from costboard.warehouse.validate_claims import NOT_EVIDENCE_STATUSES

    columns = ["claim_id", "subject", "stated_on", "value", "status"]
    stored = connection.execute(
        f"SELECT {', '.join(columns)} FROM {LAKE}.{CLAIMS.name} WHERE metric = ?", [EXCHANGE_RATE]
    ).pl()
    return (
        pl.concat(
            [
                stored.filter(~pl.col("claim_id").is_in(incoming["claim_id"].implode())),
                incoming.filter(pl.col("metric") == EXCHANGE_RATE).select(columns),
            ],
            how="vertical_relaxed",
        )
        # A row written before claims had a status is current.
        .filter(~pl.col("status").fill_null("current").is_in(NOT_EVIDENCE_STATUSES))
        .select(
            pl.col("subject").alias("currency"),
            pl.col("stated_on").alias("rate_on"),
            pl.col("value").alias("rate"),
            pl.col("claim_id").alias("rate_claim_id"),
        )
        .sort("rate_on", "currency", "rate_claim_id")
        .unique(["currency", "rate_on"], keep="last", maintain_order=True)
    )


def _as_written(figure: pl.Expr) -> pl.Expr:
    """A figure as text with thousands separated: 1900.0 -> '1,900', 0.000687 -> '0.000687'."""
    text = figure.cast(pl.String).str.replace(r"\.0$", "")
    whole = text.str.extract(r"(\d+)", 1)
    grouped = (
        whole.str.reverse().str.replace_all(r"(\d{3})", "${1},").str.strip_chars_end(",")
    ).str.reverse()
    return text.str.replace(r"\d+", grouped)


def _conversion_note() -> pl.Expr:
    """What converted a claim: the figures as written, the rate and the rate's claim id."""
    written = {c: _as_written(pl.col(f"{c}_as_written")) for c in _FIGURES}
    ranged = pl.col("low_as_written").is_not_null() | pl.col("high_as_written").is_not_null()
    figures = (
        pl.when(ranged)
        .then(
            pl.concat_str(
                [pl.lit(f"{c} ") + text for c, text in written.items()],
                separator=", ",
                ignore_nulls=True,
            )
        )
        .otherwise(written["value"])
    )
    return pl.format(
        "converted from {} {} at {} usd per {} (claim {})",
        figures,
        pl.col("unit_as_written"),
        _as_written(pl.col("_rate")),
        pl.col(WRITTEN_IN),
        pl.col("_rate_claim_id"),
    )


def _converted(frame: pl.DataFrame, in_force: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``_rate`` / ``_rate_claim_id`` (the rate in force at each claim's
    stated_on; null when none is) and its currency claims' figures and notes converted."""
    joined = frame.sort("stated_on").join_asof(
        in_force.rename({"rate": "_rate", "rate_claim_id": "_rate_claim_id"}),
        left_on="stated_on",
        right_on="rate_on",
        by_left=WRITTEN_IN,
        by_right="currency",
        strategy="backward",
        # Both sides are sorted by date above; polars cannot check that within groups.
        check_sortedness=False,
    )
    converting = pl.col(WRITTEN_IN).is_not_null()
    return joined.with_columns(
        *(
            pl.when(converting).then(pl.col(c) * pl.col("_rate")).otherwise(c).alias(c)
            for c in _FIGURES
        ),
        pl.when(converting)
        .then(pl.concat_str(["note", _conversion_note()], separator="; ", ignore_nulls=True))
        .otherwise("note")
        .alias("note"),
    ).select(*frame.columns, "_rate")


def apply(connection: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Convert the batch's claims written in another currency to US dollars, in place; raise
    one IngestError naming every claim with no rate in force (file, line, ``unit`` column)."""
    frames = batch.claims
    if not any(WRITTEN_IN in f.columns and f[WRITTEN_IN].is_not_null().any() for f in frames):
        return
    in_force = rates(connection, pl.concat(frames, how="vertical_relaxed"))
    errors: list[InputError] = []
    for position, frame in enumerate(frames):
        if WRITTEN_IN not in frame.columns or frame[WRITTEN_IN].is_null().all():
            continue
        converted = _converted(frame, in_force)
        missing = converted.filter(pl.col(WRITTEN_IN).is_not_null() & pl.col("_rate").is_null())
        errors += [
            batch.error(
                row["_table"],
                row["_row"],
                "unit",
                f"no exchange rate for {row[WRITTEN_IN]} in force on {row['stated_on']}: ingest "
                f"an {EXCHANGE_RATE} claim for {row[WRITTEN_IN]} stated on or before it",
            )
            for row in missing.head(MAX_ERRORS_PER_FILE).iter_rows(named=True)
        ]
        frames[position] = converted.drop("_rate")
    if errors:
        raise IngestError(errors)
