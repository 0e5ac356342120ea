"""Made-up evidence for testing estimators: a few claims in, an ``Evidence`` out, no warehouse.

Public through ``costboard.testing`` (docs/plugins.md, "The plugin authors' kit").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from costboard.plugins.estimator import active_vocabulary
from costboard.plugins.evidence import Evidence, build_evidence

#: Subjects every made-up evidence knows, with their kind (more can be passed).
KNOWN_SUBJECTS: dict[str, str] = {
    "ml-hardware": "chip",
    "h100": "chip",
    "h800": "chip",
    "a100": "chip",
    "hopper": "chip",
    "NVDA": "ticker",
    "AVGO": "ticker",
}
#: The date of a claim made up without one.
DEFAULT_STATED_ON = dt.date(2025, 1, 1)


def claim(
    subject: str,
    metric: str,
    scope: str,
    value: float | None,
    stated_on: dt.date | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One claim for :func:`make_evidence` (``extra``: qualifier, low, high, claim_id, ...)."""
    row: dict[str, Any] = {"subject": subject, "metric": metric, "scope": scope, "value": value}
    if stated_on is not None:
        row["stated_on"] = stated_on
    return {**row, **extra}


def make_evidence(
    claims: Iterable[Mapping[str, Any]] | pl.DataFrame,
    *,
    subjects: Mapping[str, str] | Iterable[Mapping[str, Any]] | pl.DataFrame | None = None,
    prices: Iterable[Mapping[str, Any]] | pl.DataFrame | None = None,
    today: dt.date | None = None,
) -> Evidence:
    """Evidence from a few claims, in base units, as the warehouse would give them.

    Args:
        claims: dicts (or a frame) with at least subject, metric, scope and value (or
            low/high). Optional: qualifier, low, high, stated_on (default 2025-01-01),
            claim_id (default: built from the other fields), claimant, unit (default: the
            metric's base unit).
        subjects: {subject: kind}, subject dicts (subject, kind, developer, members,
            released_on), or a frame. Subjects not given are chips if listed in
            KNOWN_SUBJECTS, else models.
        prices: dicts (or a frame) with ticker, date, close.
        today: the last evidence date (default: the latest stated_on).
    """
    frame = claims if isinstance(claims, pl.DataFrame) else pl.DataFrame(list(claims))
    defaults: dict[str, pl.Expr] = {
        "qualifier": pl.lit(None, dtype=pl.String),
        "value": pl.lit(None, dtype=pl.Float64),
        "low": pl.lit(None, dtype=pl.Float64),
        "high": pl.lit(None, dtype=pl.Float64),
        "stated_on": pl.lit(DEFAULT_STATED_ON),
        "claimant": pl.lit("test"),
    }
    frame = frame.with_columns(
        expression.alias(name) for name, expression in defaults.items() if name not in frame.columns
    ).with_columns(
        # Some claims dated and some not: the undated ones take the default too.
        pl.col("stated_on").cast(pl.Date).fill_null(DEFAULT_STATED_ON),
        pl.col("value", "low", "high").cast(pl.Float64),
        pl.col("qualifier").cast(pl.String),
    )
    if "unit" not in frame.columns:
        # the active vocabulary: a plugin's own metrics inside using_vocabulary(...)
        units = {name: m.base_unit for name, m in active_vocabulary().metric_table.items()}
        frame = frame.with_columns(
            pl.col("metric").replace_strict(units, default="ratio").alias("unit")
        )
    if "claim_id" not in frame.columns:
        frame = frame.with_columns(
            pl.concat_str(
                "subject",
                "metric",
                "scope",
                pl.col("qualifier").fill_null("-"),
                pl.col("stated_on").cast(pl.String),
                separator=":",
            ).alias("claim_id")
        )
    if isinstance(subjects, pl.DataFrame):
        subject_frame = subjects
    else:
        if subjects is None:
            listed: list[dict[str, Any]] = []
        elif isinstance(subjects, Mapping):
            listed = [{"subject": s, "kind": k} for s, k in subjects.items()]
        else:
            listed = [dict(s) for s in subjects]
        named = {s["subject"] for s in listed}
        mentioned = set(frame["subject"].to_list()) | {
            q for q in frame["qualifier"].drop_nulls().to_list() if q in KNOWN_SUBJECTS
        }
        listed += [
            {"subject": s, "kind": KNOWN_SUBJECTS.get(s, "model")}
            for s in sorted(mentioned - named)
        ]
        subject_frame = pl.DataFrame(
            listed,
            schema_overrides={"members": pl.List(pl.String), "released_on": pl.Date},
            infer_schema_length=None,
        )
    price_frame = (
        prices if isinstance(prices, pl.DataFrame) or prices is None else pl.DataFrame(list(prices))
    )
    today = today or max(frame["stated_on"].to_list())
    return build_evidence(frame, subject_frame, price_frame, today=today)


def many_models_evidence(models: int = 40) -> Evidence:
    """The sample's shapes for many models, chips and dates: a team's warehouse, not a toy.

    Each model gets GPU-hours, a chip count, parameters, tokens and a claimed cost a week after
    the previous one; its chip a new rental and purchase price; one of four labs a fleet size.
    """
    claims, first_day = [], dt.date(2023, 1, 1)
    for i in range(models):
        on = first_day + dt.timedelta(days=7 * i)
        chip = ("h100", "h800", "a100")[i % 3]
        model, lab = f"model-{i}", f"lab-{i % 4}"
        claims += [
            claim(model, "gpu_hours", "final_run", 1e6 * (i + 1), on),
            claim(model, "gpu_count", "final_run", 1024, on, qualifier=chip),
            claim(model, "active_params", "spec", 1e10 * (i + 1), on),
            claim(model, "training_tokens", "final_run", 1e13, on),
            claim(model, "training_cost", "final_run", 2e6 * (i + 1), on),
            claim(chip, "rental_price", "market", 2 + i / 10, on, qualifier=f"vendor-{i % 5}"),
            claim(chip, "purchase_price", "market", 30_000 + 100 * i, on, qualifier="dgx_per_gpu"),
            claim(lab, "gpu_count", "fleet_capex", 1000 * (i + 1), on, qualifier=chip),
        ]
    return make_evidence(claims, subjects={f"lab-{k}": "company" for k in range(4)})


def sample_evidence() -> Evidence:
    """A small, realistic evidence set: DeepSeek-V3's run, H800 prices, Epoch's method, NVDA."""
    d = dt.date
    return make_evidence(
        [
            {
                "subject": "deepseek-v3",
                "metric": "gpu_hours",
                "scope": "final_run",
                "value": 2.788e6,
                "stated_on": d(2024, 12, 27),
            },
            {
                "subject": "deepseek-v3",
                "metric": "gpu_count",
                "scope": "final_run",
                "qualifier": "h800",
                "value": 2048,
                "stated_on": d(2024, 12, 27),
            },
            {
                "subject": "deepseek-v3",
                "metric": "rental_price",
                "scope": "final_run",
                "qualifier": "h800",
                "value": 2.0,
                "stated_on": d(2024, 12, 27),
            },
            {
                "subject": "deepseek-v3",
                "metric": "active_params",
                "scope": "spec",
                "value": 37e9,
                "stated_on": d(2024, 12, 27),
            },
            {
                "subject": "deepseek-v3",
                "metric": "training_tokens",
                "scope": "final_run",
                "value": 14.8e12,
                "stated_on": d(2024, 12, 27),
            },
            {
                "subject": "deepseek-v3",
                "metric": "training_cost",
                "scope": "final_run",
                "value": 5.576e6,
                "stated_on": d(2024, 12, 27),
            },
            {
                "subject": "deepseek-v3",
                "metric": "utilization",
                "scope": "final_run",
                "qualifier": "bf16_causal",
                "value": 0.3894,
                "stated_on": d(2025, 5, 14),
            },
            {
                "subject": "h800",
                "metric": "rental_price",
                "scope": "market",
                "qualifier": "cr8dl",
                "value": 3.42,
                "stated_on": d(2024, 8, 31),
            },
            {
                "subject": "h800",
                "metric": "purchase_price",
                "scope": "market",
                "qualifier": "dgx_per_gpu",
                "value": 44750,
                "stated_on": d(2025, 2, 21),
            },
            {
                "subject": "h800",
                "metric": "power",
                "scope": "spec",
                "value": 0.7,
                "stated_on": d(2024, 5, 31),
            },
            {
                "subject": "ml-hardware",
                "metric": "depreciation_rate",
                "scope": "method",
                "value": 0.14,
                "low": 0.1,
                "high": 0.18,
                "stated_on": d(2024, 5, 31),
            },
            {
                "subject": "deepseek",
                "metric": "gpu_count",
                "scope": "fleet_capex",
                "qualifier": "h800",
                "value": 10000,
                "stated_on": d(2025, 1, 31),
            },
            {
                "subject": "NVDA",
                "metric": "shares_outstanding",
                "scope": "market",
                "value": 24.804e9,
                "stated_on": d(2025, 1, 26),
            },
            {
                "subject": "NVDA",
                "metric": "market_cap_change",
                "scope": "one_day",
                "value": -589e9,
                "stated_on": d(2025, 1, 27),
            },
        ],
        subjects=[
            {"subject": "deepseek-v3", "kind": "model", "released_on": d(2024, 12, 27)},
            {"subject": "deepseek", "kind": "company"},
        ],
        prices=[
            {"ticker": "NVDA", "date": d(2025, 1, 24), "close": 142.6069},
            {"ticker": "NVDA", "date": d(2025, 1, 27), "close": 118.4091},
        ],
        today=d(2025, 6, 1),
    )
