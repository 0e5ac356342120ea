"""The evidence frame: what was public at each of a subject's evidence dates, as estimators see it.

For every subject and each of *its* evidence dates, the frame holds the latest claim of each
(metric, scope, qualifier) stated on or before that date, read from one warehouse snapshot,
among the claims the provenance rule lets in (:mod:`costboard.plugins.provenance`: never a
misattributed or retracted claim, never a restatement in place of its source, a primary
claim before an analysis before a secondary report).
Values are in the metric's base unit and every row names its claim, so an estimate can say
exactly which claims it used.

A subject's evidence dates are where something its estimates use can change
(:mod:`costboard.plugins.evidence_dates` has the rule): its own claims' dates, the own claims'
dates of the subjects it depends on (a chip its claims' qualifiers name, a group's members,
the method subject ``ml-hardware``), and ``today``; a subject others depend on also gets
their dates, so an exact join on (chip, as_of) finds the chip's row. Why not every subject at
every evidence date, as before: on Epoch AI's databases (thousands of subjects, ~1,200 dates)
that is tens of millions of rows, nearly all repeats, and every estimator answered for each.
An estimate at one of a subject's dates holds until its next date; every value at a date a
subject still has rows for is what the dense frame gave (``dense=True`` builds that shape, to
compare). docs/decisions.md, "The evidence frame".

Why long (one row per subject, date, metric, scope and qualifier) and not one wide row per
subject and date: the (metric, scope, qualifier) keys are open-ended. A new claim kind, or a
new qualifier such as a vendor's rental price, needs no schema change, and every figure keeps
its own range and claim id. :func:`pick` turns the part an estimator needs into a wide frame,
one row per subject and evidence date.

The frame is built with polars joins and an as-of join (no Python loop over rows), so it
stays fast for the dashboard's live what-if.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import polars as pl

from costboard.plugins import evidence_dates, provenance
from costboard.warehouse import point_value
from costboard.warehouse.tables import CLAIMS, PRICES, SUBJECTS

#: The subject that holds the cost methods' parameters (Epoch AI's depreciation rate, PUE, ...).
METHOD_SUBJECT: Final = "ml-hardware"

#: Every column of the evidence frame: (polars type, meaning). docs/plugins.md repeats this.
EVIDENCE_COLUMNS: Final[dict[str, tuple[pl.DataType, str]]] = {
    "subject": (pl.String(), "what the claim is about (deepseek-v3, h800, NVDA, ...)"),
    "subject_kind": (pl.String(), "model | company | chip | ticker | group (null if unknown)"),
    "chip": (
        pl.String(),
        "the subject's training chip: for a model, the qualifier of its latest final_run "
        "gpu_count (else gpu_hours, rental_price, training_flop) claim that names a chip subject; "
        "for a chip, itself; else null",
    ),
    "members": (pl.List(pl.String()), "the tickers of a group subject (null otherwise)"),
    "as_of": (pl.Date(), "one of the subject's evidence dates: the date this row describes"),
    "metric": (pl.String(), "what the claim measures (vocabulary.METRICS)"),
    "scope": (pl.String(), "what the claim covers (vocabulary.SCOPES)"),
    "qualifier": (
        pl.String(),
        "the claim's qualifier (a stage, a chip, a vendor, a year); null if none",
    ),
    "value": (pl.Float64(), "the claim's value in the metric's base unit (null if only a range)"),
    "low": (pl.Float64(), "the low end of the claim's range, base unit (null if none)"),
    "high": (pl.Float64(), "the high end of the claim's range, base unit (null if none)"),
    "unit": (pl.String(), "the metric's base unit"),
    "claim_id": (pl.String(), "the claim this row comes from (lineage)"),
    "claimant": (pl.String(), "who made the claim"),
    "stated_on": (pl.Date(), "when the claim was made public (always <= as_of)"),
}

# Estimators work from normalised figures: what a source wrote, where, and the free text of a
# claim or subject are not evidence.
_NOT_EVIDENCE: Final = frozenset(
    {
        "value_as_written",
        "low_as_written",
        "high_as_written",
        "unit_as_written",
        "source_url",
        "quote",
        "note",
    }
)

#: Columns of the claims an evidence frame is built from (the ``claims`` view has these),
#: typed as the warehouse stores them.
CLAIM_COLUMNS: Final[dict[str, pl.DataType]] = CLAIMS.dtypes(
    [c for c in CLAIMS.columns if c not in _NOT_EVIDENCE]
)
SUBJECT_COLUMNS: Final[dict[str, pl.DataType]] = SUBJECTS.dtypes(
    [c for c in SUBJECTS.columns if c not in _NOT_EVIDENCE]
)
#: Daily closes, and whether they are dividend-adjusted.
PRICE_COLUMNS: Final[dict[str, pl.DataType]] = PRICES.dtypes(
    ("ticker", "date", "close", "adjusted")
)

_KEY: Final = ("subject", "metric", "scope", "qualifier")

# A model's chip is read from these final_run claims, in this order of preference.
_CHIP_METRICS: Final = {"gpu_count": 0, "gpu_hours": 1, "rental_price": 2, "training_flop": 3}


class _Any:
    """Matches every value of a column (the default of :func:`pick`'s filters)."""

    def __repr__(self) -> str:
        return "ANY"


#: Pass as a filter to :func:`pick` to accept every value (``qualifier=None`` means "no qualifier").
ANY: Final = _Any()

Filter = str | Sequence[str] | None | _Any


def _conform(frame: pl.DataFrame | None, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with exactly ``columns`` (missing ones null), cast to their types."""
    if frame is None:
        return pl.DataFrame(schema=columns)
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in columns.items()
    )


def middle(value: str = "value", low: str = "low", high: str = "high") -> pl.Expr:
    """A claim's point value: its value, else the geometric middle of its range, else either end.

    The warehouse's rule (:func:`costboard.warehouse.point_value.claim_point`, the SQL
    ``claim_point`` macro's polars form), under the name the estimators know it by.
    """
    return point_value.claim_point(value, low, high)


def point_and_range() -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """A claim's (point value, low, high): see :func:`middle`; a missing end is the point."""
    point = middle()
    return point, pl.coalesce("low", point), pl.coalesce("high", point)


def chosen_claim(name: str) -> list[pl.Expr]:
    """The columns a chosen claim becomes as the figure ``name``: its point and range
    (``name``, ``name_low``, ``name_high``) and where it came from (``name_claim_id``,
    ``name_qualifier``, ``name_stated_on``)."""
    point, low, high = point_and_range()
    return [
        point.alias(name),
        low.alias(f"{name}_low"),
        high.alias(f"{name}_high"),
        pl.col("claim_id").alias(f"{name}_claim_id"),
        pl.col("qualifier").alias(f"{name}_qualifier"),
        pl.col("stated_on").alias(f"{name}_stated_on"),
    ]


def _matches(column: str, wanted: Filter) -> pl.Expr:
    if isinstance(wanted, _Any):
        return pl.lit(True)
    if wanted is None:
        return pl.col(column).is_null()
    if isinstance(wanted, str):
        return pl.col(column) == wanted
    return pl.col(column).is_in(list(wanted))


def pick(
    frame: pl.DataFrame,
    metric: str,
    *,
    scope: Filter = ANY,
    qualifier: Filter = ANY,
    subject: Filter = ANY,
    name: str | None = None,
) -> pl.DataFrame:
    """One row per (subject, as_of): the latest matching claim, as a wide frame.

    Args:
        frame: an evidence frame (``Evidence.frame``).
        metric: the metric to pick.
        scope: a scope, a list of scopes, or ``ANY``.
        qualifier: a qualifier, a list, ``None`` (only claims without one) or ``ANY``.
        subject: a subject, a list, or ``ANY``.
        name: the output column's name (default: ``metric``).

    Returns:
        Columns ``subject``, ``as_of``, ``{name}`` (the value, or the geometric middle of the
        claim's range when it gave only a range), ``{name}_low`` and ``{name}_high`` (the
        claim's range, else its value), ``{name}_claim_id``, ``{name}_qualifier`` and
        ``{name}_stated_on``. When several claims match at one date (other scopes or
        qualifiers), the most recently stated wins; ties go to the greater claim id.
    """
    name = name or metric
    chosen = (
        frame.filter(
            (pl.col("metric") == metric)
            & _matches("scope", scope)
            & _matches("qualifier", qualifier)
            & _matches("subject", subject)
        )
        .sort("subject", "as_of", "stated_on", "claim_id")
        .unique(["subject", "as_of"], keep="last", maintain_order=True)
    )
    return chosen.select("subject", "as_of", *chosen_claim(name))


def spread(
    frame: pl.DataFrame,
    metric: str,
    *,
    scope: Filter = ANY,
    qualifier: Filter = ANY,
    subject: Filter = ANY,
    name: str | None = None,
) -> pl.DataFrame:
    """One row per (subject, as_of) summarising every matching claim (one per qualifier).

    Use it where several claims are alternatives, such as the rental prices of several vendors.

    Returns:
        Columns ``subject``, ``as_of``, ``{name}_median`` (median of the claims' point values),
        ``{name}_min`` and ``{name}_max`` (the lowest low and highest high), ``{name}_count``
        (distinct point values) and ``{name}_claim_ids`` (list of the claims summarised).
    """
    name = name or metric
    matching = frame.filter(
        (pl.col("metric") == metric)
        & _matches("scope", scope)
        & _matches("qualifier", qualifier)
        & _matches("subject", subject)
    ).with_columns(middle().alias("_point"))
    return (
        matching.group_by("subject", "as_of")
        .agg(
            pl.col("_point").median().alias(f"{name}_median"),
            pl.min_horizontal("low", "_point").min().alias(f"{name}_min"),
            pl.max_horizontal("high", "_point").max().alias(f"{name}_max"),
            pl.col("_point").n_unique().alias(f"{name}_count"),
            pl.col("claim_id").sort().alias(f"{name}_claim_ids"),
        )
        .sort("subject", "as_of")
    )


@dataclass(frozen=True, eq=False)
class Evidence:
    """Everything an estimator may use, read from one snapshot.

    Attributes:
        frame: the evidence frame (see ``EVIDENCE_COLUMNS``).
        subjects: one row per subject: subject, name, kind, developer, members, released_on.
        prices: daily closes: ticker, date, close, adjusted.
        today: the last evidence date (every subject with claims has rows at it).
            Other dates are the subject's own (see the module docstring).
        snapshot_id: the warehouse snapshot read (None when built in memory).
    """

    frame: pl.DataFrame
    subjects: pl.DataFrame
    prices: pl.DataFrame
    today: dt.date
    snapshot_id: int | None = None
    claims: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CLAIM_COLUMNS))

    def pick(self, metric: str, **filters: Filter | str | None) -> pl.DataFrame:
        """:func:`pick` on this evidence's frame."""
        return pick(self.frame, metric, **filters)  # type: ignore[arg-type]

    def spread(self, metric: str, **filters: Filter | str | None) -> pl.DataFrame:
        """:func:`spread` on this evidence's frame."""
        return spread(self.frame, metric, **filters)  # type: ignore[arg-type]

    @cached_property
    def rows(self) -> pl.DataFrame:
        """One row per (subject, as_of) with subject_kind, chip and members: the grid to fill."""
        return (
            self.frame.select("subject", "as_of", "subject_kind", "chip", "members")
            .unique(["subject", "as_of"], keep="first", maintain_order=True)
            .sort("subject", "as_of")
        )

    @cached_property
    def claim_ids(self) -> frozenset[str]:
        """Every claim id an estimate may name as an input: the frame's, and every claim of the
        snapshot (the hardware catalog reads a chip family's whole price history, not only
        each key's latest claim)."""
        return frozenset(self.frame["claim_id"].to_list()) | frozenset(
            self.claims["claim_id"].drop_nulls().to_list()
        )

    @property
    def dates(self) -> list[dt.date]:
        """The evidence dates, oldest first."""
        return sorted(self.frame["as_of"].unique().to_list())


def build_evidence(
    claims: pl.DataFrame,
    subjects: pl.DataFrame | None = None,
    prices: pl.DataFrame | None = None,
    *,
    today: dt.date | None = None,
    snapshot_id: int | None = None,
    dense: bool = False,
) -> Evidence:
    """Build the evidence from claims, subjects and prices frames (as the warehouse's views give them).

    ``dense=True`` builds the old shape, every key at every evidence date from its first claim
    on: only to compare against (tests, ``benchmarks/bench_evidence.py``); it does not scale.
    """
    today = today or dt.date.today()
    # Only the claims the provenance rule lets in (misattributed, retracted, restating and
    # outranked claims are left out): they alone make evidence dates and rows.
    claims = provenance.evidence_claims(_conform(claims, CLAIM_COLUMNS))
    subjects = _conform(subjects, SUBJECT_COLUMNS)
    prices = (
        _conform(prices, PRICE_COLUMNS)
        .drop_nulls(["ticker", "date", "close"])
        .sort("ticker", "date")
    )
    # One claim per key and day (ties go to the greater claim id, so the choice is stable).
    per_day = claims.sort(*_KEY, "stated_on", "claim_id", nulls_last=False).unique(
        [*_KEY, "stated_on"], keep="last", maintain_order=True
    )
    keys = (
        per_day.group_by(_KEY)
        .agg(pl.col("stated_on").min().alias("_first"))
        .sort(_KEY, nulls_last=False)
        .with_row_index("_key")
    )
    keyed = per_day.join(keys.select("_key", *_KEY), on=list(_KEY), nulls_equal=True)
    dates = (
        evidence_dates.all_dates(claims, today)
        if dense
        else evidence_dates.subject_dates(claims, subjects, today, METHOD_SUBJECT)
    )
    # Each key at its subject's dates from its first claim on; the as-of join then finds the
    # latest claim of that key stated on or before the date.
    grid = keys.join(dates, on="subject").filter(pl.col("as_of") >= pl.col("_first"))
    frame = (
        grid.select("_key", *_KEY, "as_of")
        .sort("as_of")
        .join_asof(
            keyed.select(
                "_key", "stated_on", "value", "low", "high", "unit", "claim_id", "claimant"
            ).sort("stated_on"),
            left_on="as_of",
            right_on="stated_on",
            by="_key",
            strategy="backward",
            check_sortedness=False,
        )
    )
    kinds = subjects.select("subject", pl.col("kind").alias("subject_kind"), "members")
    frame = frame.join(kinds, on="subject", how="left")
    chips = subjects.filter(pl.col("kind") == "chip")["subject"].to_list()
    model_chip = (
        frame.filter(
            pl.col("metric").is_in(list(_CHIP_METRICS))
            & (pl.col("scope") == "final_run")
            & pl.col("qualifier").is_in(chips)
        )
        .with_columns(pl.col("metric").replace_strict(_CHIP_METRICS).alias("_rank"))
        .sort(
            "subject", "as_of", "_rank", pl.col("stated_on"), descending=[False, False, False, True]
        )
        .unique(["subject", "as_of"], keep="first", maintain_order=True)
        .select("subject", "as_of", pl.col("qualifier").alias("chip"))
    )
    frame = (
        frame.join(model_chip, on=["subject", "as_of"], how="left")
        .with_columns(
            pl.when(pl.col("subject_kind") == "chip")
            .then(pl.col("subject"))
            .otherwise(pl.col("chip"))
            .alias("chip")
        )
        .select(list(EVIDENCE_COLUMNS))
        .sort("subject", "as_of", "metric", "scope", "qualifier", nulls_last=False)
    )
    return Evidence(
        frame=frame,
        subjects=subjects,
        prices=prices,
        today=today,
        snapshot_id=snapshot_id,
        claims=claims,
    )
