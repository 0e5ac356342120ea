"""One estimator's run on the evidence: on its own, with a time limit, its output validated.

The pipeline (:func:`costboard.plugins.pipeline.run_estimators`, the one run every caller
goes through) calls :func:`run_one` for each estimator in turn. A failure of one estimator
(exception, hang, wrong type or schema, NaN, negative cost, a range that does not hold its
value, an input that is not a claim of the evidence) is recorded in its status, and its rows
are dropped; the other estimators' results are exactly what they would have been without it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Final

import polars as pl

from costboard.plugins.estimator import (
    EMPTY_IDS,
    ESTIMATE_SCHEMA,
    ESTIMATES_SCHEMA,
    REQUIRED_COLUMNS,
    Estimator,
    active_vocabulary,
)
from costboard.plugins.evidence import Evidence
from costboard.plugins.manager import (
    ESTIMATOR_TIMEOUT,
    LoadedEstimator,
    PluginRecord,
    PluginTimeout,
    call_with_timeout,
    describe,
)
from costboard.plugins.parameters import Parameters

#: Seconds one estimator may take on one run when neither the caller nor
#: ``COSTBOARD_ESTIMATOR_TIMEOUT`` says otherwise.
DEFAULT_TIMEOUT: Final = ESTIMATOR_TIMEOUT


class EstimateError(ValueError):
    """What an estimator returned breaks the estimate contract."""


@dataclass
class EstimatorStatus:
    """How one estimator (or a plugin that provides none) fared on the last run."""

    estimator: str | None
    version: str | None
    plugin: str
    distribution: str | None
    hooks: tuple[str, ...]
    status: str  # ok | error | timeout | disabled | skipped (the pipeline's breaker)
    error: str | None = None
    rows: int = 0
    seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        values = asdict(self)
        values["hooks"] = list(self.hooks)
        return values


def plugin_status(
    plugin: PluginRecord, estimator: Estimator | None = None, **values: object
) -> EstimatorStatus:
    """The status of ``estimator`` of ``plugin`` (None: of a plugin that provides none)."""
    return EstimatorStatus(
        estimator=estimator.name if estimator else None,
        version=estimator.version if estimator else plugin.version,
        plugin=plugin.name,
        distribution=plugin.distribution,
        hooks=plugin.hooks,
        status=str(values.pop("status", plugin.status)),
        error=values.pop("error", plugin.error),  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )


def validate_estimates(returned: object, estimator: Estimator, evidence: Evidence) -> pl.DataFrame:
    """``returned`` conformed to ESTIMATE_SCHEMA, or EstimateError saying what is wrong.

    Costs and base units come from the active vocabulary (the manager's merged one in a run).
    """
    metrics = active_vocabulary().metric_table
    if not isinstance(returned, pl.DataFrame):
        raise EstimateError(f"returned {type(returned).__name__}, not a polars DataFrame")
    missing = [c for c in REQUIRED_COLUMNS if c not in returned.columns]
    if missing:
        raise EstimateError(f"missing column(s): {', '.join(missing)}")
    extra = sorted(set(returned.columns) - set(ESTIMATE_SCHEMA))
    if extra:
        raise EstimateError(f"unknown column(s): {', '.join(extra)}")
    filled = returned.with_columns(
        *(
            pl.lit(None, dtype=ESTIMATE_SCHEMA[c]).alias(c)
            for c in ("inputs", "parameters", "note", "assumed")
            if c not in returned.columns
        )
    )
    try:
        frame = filled.select(pl.col(c).cast(t, strict=True) for c, t in ESTIMATE_SCHEMA.items())
    except Exception as error:
        raise EstimateError(f"wrong column type: {describe(error)}") from None
    frame = frame.with_columns(
        pl.col("inputs").fill_null(EMPTY_IDS),
        pl.col("parameters").fill_null("{}"),
        pl.col("assumed").fill_null(EMPTY_IDS),
    )

    def first(condition: pl.Expr) -> dict[str, object] | None:
        bad = frame.filter(condition.fill_null(False))
        return bad.row(0, named=True) if bad.height else None

    def where(row: Mapping[str, object]) -> str:
        return f"{row['subject']} {row['metric']}/{row['scope']} at {row['as_of']}"

    for column in ("subject", "as_of", "metric", "scope", "value", "low", "high", "unit"):
        row = first(pl.col(column).is_null())
        if row:
            raise EstimateError(f"null {column} ({where(row)})")
    row = first(
        pl.any_horizontal(
            pl.col(c).is_nan() | pl.col(c).is_infinite() for c in ("value", "low", "high")
        )
    )
    if row:
        raise EstimateError(f"NaN or infinite value/low/high ({where(row)})")
    declared = set(estimator.outputs)
    row = first(
        ~pl.concat_str("metric", "scope", separator="/").is_in([f"{m}/{s}" for m, s in declared])
    )
    if row:
        raise EstimateError(f"undeclared output {row['metric']}/{row['scope']} ({where(row)})")
    costs = [name for name, metric in metrics.items() if metric.is_cost]
    row = first(pl.col("metric").is_in(costs) & (pl.min_horizontal("value", "low", "high") < 0))
    if row:
        raise EstimateError(f"negative cost {row['value']} ({where(row)})")
    row = first(pl.col("low") > pl.col("value"))
    if row:
        raise EstimateError(f"low {row['low']} > value {row['value']} ({where(row)})")
    row = first(pl.col("value") > pl.col("high"))
    if row:
        raise EstimateError(f"value {row['value']} > high {row['high']} ({where(row)})")
    units = {name: metric.base_unit for name, metric in metrics.items()}
    row = first(pl.col("unit") != pl.col("metric").replace_strict(units, default=None))
    if row:
        raise EstimateError(
            f"unit '{row['unit']}' is not {row['metric']}'s base unit {units.get(str(row['metric']))}"
        )
    duplicated = frame.filter(
        pl.len().over("subject", "as_of", "metric", "scope", "parameters") > 1
    )
    if duplicated.height:
        raise EstimateError(f"more than one estimate for {where(duplicated.row(0, named=True))}")
    used = frame.select(pl.col("inputs").explode().drop_nulls().unique())["inputs"].to_list()
    unknown = sorted(set(used) - evidence.claim_ids)
    if unknown:
        raise EstimateError(f"inputs name claims not in the evidence: {', '.join(unknown[:5])}")
    return frame


def params_hash(parameters: pl.Series) -> pl.Series:
    """A stable hash (sha256, 16 hex digits) of each estimate's parameters JSON."""
    unique = parameters.unique().to_list()
    hashes = {p: hashlib.sha256(p.encode()).hexdigest()[:16] for p in unique}
    return parameters.replace_strict(hashes, return_dtype=pl.String)


def run_one(
    loaded: LoadedEstimator,
    evidence: Evidence,
    params: Parameters,
    timeout: float,
) -> tuple[pl.DataFrame, EstimatorStatus]:
    """Run one estimator with a time limit; returns its estimates (maybe empty) and status."""
    estimator = loaded.estimator
    started = time.perf_counter()
    try:
        returned = call_with_timeout(estimator.estimate, timeout, evidence, params)
        frame = validate_estimates(returned, estimator, evidence)
    except PluginTimeout as error:
        seconds = time.perf_counter() - started
        return _empty(), plugin_status(
            loaded.plugin, estimator, status="timeout", error=str(error), seconds=seconds
        )
    except Exception as error:
        seconds = time.perf_counter() - started
        return _empty(), plugin_status(
            loaded.plugin, estimator, status="error", error=describe(error), seconds=seconds
        )
    seconds = time.perf_counter() - started
    frame = frame.with_columns(
        pl.lit(estimator.name).alias("estimator"),
        pl.lit(estimator.version).alias("estimator_version"),
        params_hash(frame["parameters"]).alias("params_hash"),
        pl.lit(list(estimator.methods), dtype=pl.List(pl.String)).alias("methods"),
    ).select(list(ESTIMATES_SCHEMA))
    return frame, plugin_status(
        loaded.plugin, estimator, status="ok", error=None, rows=frame.height, seconds=seconds
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ESTIMATES_SCHEMA)
