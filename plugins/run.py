"""Run every estimator on the evidence: each on its own, with a time limit, output validated.

:func:`run_estimators` is what ``costboard estimate`` and the dashboard's live what-if call.
A failure of one estimator (exception, hang, wrong type or schema, NaN, negative cost, a
range that does not hold its value, an input that is not a claim of the evidence) is
recorded in its status, and its rows are dropped; the other estimators' results are exactly
what they would have been without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
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
    using_vocabulary,
)
from costboard.plugins.evidence import Evidence
from costboard.plugins.manager import (
    ESTIMATOR_TIMEOUT,
    ESTIMATOR_TIMEOUT_ENV,
    LoadedEstimator,
    PluginManager,
    PluginRecord,
    PluginTimeout,
    call_with_timeout,
    describe,
    get_manager,
    time_limit,
)
from costboard.plugins.parameters import Parameters, check_overrides

#: Seconds one estimator may take on one run when neither the caller nor
#: ``COSTBOARD_ESTIMATOR_TIMEOUT`` says otherwise.
DEFAULT_TIMEOUT: Final = ESTIMATOR_TIMEOUT

Window = tuple[dt.date, dt.date]


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
    status: str  # ok | error | timeout | disabled
    error: str | None = None
    rows: int = 0
    seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        values = asdict(self)
        values["hooks"] = list(self.hooks)
        return values


def _status(
    plugin: PluginRecord, estimator: Estimator | None = None, **values: object
) -> EstimatorStatus:
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
        return _empty(), _status(
            loaded.plugin, estimator, status="timeout", error=str(error), seconds=seconds
        )
    except Exception as error:
        seconds = time.perf_counter() - started
        return _empty(), _status(
            loaded.plugin, estimator, status="error", error=describe(error), seconds=seconds
        )
    seconds = time.perf_counter() - started
    frame = frame.with_columns(
        pl.lit(estimator.name).alias("estimator"),
        pl.lit(estimator.version).alias("estimator_version"),
        params_hash(frame["parameters"]).alias("params_hash"),
    ).select(list(ESTIMATES_SCHEMA))
    return frame, _status(
        loaded.plugin, estimator, status="ok", error=None, rows=frame.height, seconds=seconds
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ESTIMATES_SCHEMA)


def run_estimators(
    evidence: Evidence,
    overrides: Mapping[str, float] | None = None,
    *,
    timeout: float | None = None,
    windows: Iterable[Window] = (),
    manager: PluginManager | None = None,
    only: Sequence[str] | None = None,
    skip: Collection[str] = (),
) -> tuple[pl.DataFrame, list[EstimatorStatus]]:
    """Every estimator on ``evidence``; returns (estimates, statuses). Writes nothing.

    Args:
        evidence: from :func:`costboard.plugins.evidence.load_evidence` or ``build_evidence``.
        overrides: parameter values to pin, by name (the dashboard's what-if), e.g.
            ``{"rental_price": 2.5, "utilization": 0.4}``. Each applies to every estimator
            that has the parameter; an unknown name is a ValueError.
        timeout: seconds each estimator may take (a slower one is abandoned, status timeout);
            default ``COSTBOARD_ESTIMATOR_TIMEOUT`` or 10.
        windows: (start, end) date windows for market-move estimators.
        manager: the plugin manager (default: the process-wide one).
        only: run only these estimators (by name).
        skip: do not run these estimators (by name); they get no status here.

    Returns:
        The estimates of every estimator that succeeded (``ESTIMATES_SCHEMA``, sorted by
        estimator, subject, as_of, metric, scope) and one status per estimator, plus one per
        plugin that failed to load or provides no estimator.
    """
    manager = manager or get_manager()
    if timeout is None:
        timeout = time_limit(ESTIMATOR_TIMEOUT_ENV, ESTIMATOR_TIMEOUT)
    loaded = manager.estimators()
    if only is not None:
        loaded = [item for item in loaded if item.estimator.name in set(only)]
    known = sorted({p.name for item in loaded for p in item.estimator.parameters})
    checked = check_overrides(overrides or {}, known)
    loaded = [item for item in loaded if item.estimator.name not in skip]
    window_list = tuple((start, end) for start, end in windows)
    for start, end in window_list:
        if start > end:
            raise ValueError(f"window start {start} is after its end {end}")

    frames: list[pl.DataFrame] = []
    statuses: list[EstimatorStatus] = []
    # Estimators and their validation see the manager's merged vocabulary (plugin metrics).
    with using_vocabulary(manager.vocabulary()):
        for item in loaded:
            table = item.estimator.parameter_table
            params = Parameters(
                table=table,
                overrides={k: v for k, v in checked.items() if k in table},
                windows=window_list,
            )
            frame, status = run_one(item, evidence, params, timeout)
            frames.append(frame)
            statuses.append(status)
    providing = {item.plugin.name for item in manager.estimators()}
    if only is None:
        for record in manager.plugins():
            if record.name not in providing:
                statuses.append(_status(record))
    estimates = pl.concat(frames) if frames else _empty()
    estimates = estimates.sort("estimator", "subject", "as_of", "metric", "scope")
    manager.last_statuses = {s.estimator or s.plugin: s for s in statuses}
    return estimates, statuses
