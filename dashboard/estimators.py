"""The dashboard's side of the plugin layer: live runs (what-if, market windows, plugin
status) through the one pipeline (:mod:`costboard.plugins.pipeline`), and parameters.

Estimators run in this process on the evidence of the pinned snapshot, exactly as
``costboard estimate`` would for that snapshot (the pipeline decides which evidence and which
"today"), so a run with no overrides gives the stored numbers. Nothing is written.

A plugin that fails or times out is not re-run on the same evidence snapshot in this process
(:data:`BREAKER`): it shows as skipped with its error until the snapshot changes or the
server restarts, so a hanging plugin costs one time limit per snapshot, not one per click.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import polars as pl

from costboard.dashboard.data import Reader, alias
from costboard.plugins import pipeline
from costboard.plugins.estimator import ESTIMATES_SCHEMA
from costboard.plugins.evidence import Evidence
from costboard.plugins.manager import PluginManager, get_manager
from costboard.plugins.parameters import Parameter
from costboard.plugins.run import EstimatorStatus

#: The what-if page's main controls (design.md: rental price, chip price, utilization,
#: depreciation, server overhead, power, electricity price, PUE); every other parameter of
#: the installed estimators is offered below them.
WHAT_IF_PARAMETERS = (
    "rental_price",
    "purchase_price",
    "utilization",
    "depreciation_rate",
    "server_overhead",
    "power",
    "electricity_price",
    "pue",
)
#: Evidence objects kept per process (each is the whole evidence of one snapshot).
EVIDENCE_KEPT = 4
#: The estimator whose window moves the market page shows.
MARKET_ESTIMATOR = "market_cap_move"
#: Estimators that failed on the current evidence snapshot in this process.
BREAKER = pipeline.Breaker()

_evidence: OrderedDict[int, Evidence] = OrderedDict()
_evidence_lock = threading.Lock()


@dataclass(frozen=True)
class LiveRun:
    estimates: pl.DataFrame
    statuses: list[EstimatorStatus]
    evidence_snapshot: int | None


def manager() -> PluginManager:
    return get_manager()


def evidence_source(reader: Reader, snapshot_id: int) -> pipeline.EvidenceSnapshot | None:
    """The evidence snapshot that estimates at ``snapshot_id`` use (the pipeline's rule)."""

    def compute() -> pipeline.EvidenceSnapshot | None:
        with closing(reader.databases.cursor(snapshot_id)) as cursor:
            return pipeline.evidence_snapshot(cursor, at=snapshot_id)

    return reader.cached(("evidence-source", snapshot_id), compute)


def evidence(reader: Reader, snapshot_id: int) -> Evidence | None:
    """The evidence at ``snapshot_id`` (kept in this process: building it takes a moment)."""
    source = evidence_source(reader, snapshot_id)
    if source is None:
        return None
    with _evidence_lock:
        if source.snapshot_id in _evidence:
            _evidence.move_to_end(source.snapshot_id)
            return _evidence[source.snapshot_id]
    with closing(reader.databases.cursor(source.snapshot_id)) as cursor:
        cursor.execute(f"USE {alias(source.snapshot_id)}")
        built = pipeline.read_evidence(cursor, source)
    with _evidence_lock:
        _evidence[source.snapshot_id] = built
        while len(_evidence) > EVIDENCE_KEPT:
            _evidence.popitem(last=False)
    return built


def installed() -> list[tuple[str, str]]:
    """(name, version) of every loaded estimator: part of every live run's cache key."""
    return [(e.estimator.name, e.estimator.version) for e in manager().estimators()]


def run_live(
    reader: Reader,
    snapshot_id: int,
    overrides: Mapping[str, float],
    *,
    only: Sequence[str] | None = None,
    windows: Sequence[tuple[dt.date, dt.date]] = (),
) -> LiveRun:
    """The estimators on the snapshot's evidence with ``overrides``; nothing is written.

    Raises ValueError for an unknown parameter or a value that is not a finite number.
    """
    pinned = {k: float(v) for k, v in sorted(overrides.items())}
    asked = [(start, end) for start, end in windows]

    def compute() -> LiveRun:
        found = evidence(reader, snapshot_id)
        if found is None:
            return LiveRun(pl.DataFrame(schema=ESTIMATES_SCHEMA), [], None)
        run = pipeline.run_estimators(
            found, pinned, only=only, windows=asked, manager=manager(), breaker=BREAKER
        )
        return LiveRun(run.estimates, run.statuses, found.snapshot_id)

    skipped = sorted(BREAKER.tripped)
    key = ("live", snapshot_id, pinned, only, asked, installed(), skipped)
    return reader.cached(key, compute)


def window_moves(
    reader: Reader, snapshot_id: int, window: tuple[dt.date, dt.date]
) -> tuple[pl.DataFrame, list[EstimatorStatus]]:
    """``market_cap_move``'s estimates over ``window`` for every ticker and group (the same
    numbers ``costboard estimate --window START:END`` stores), and its status."""
    run = run_live(reader, snapshot_id, {}, only=[MARKET_ESTIMATOR], windows=[window])
    return run.estimates.filter(pl.col("scope") == "window"), run.statuses


def parameters() -> dict[str, Parameter]:
    """Every parameter of the installed estimators by name (the first definition wins)."""
    found: dict[str, Parameter] = {}
    for loaded in manager().estimators():
        for parameter in loaded.estimator.parameters:
            found.setdefault(parameter.name, parameter)
    return found


def parse_overrides(params: Mapping[str, Any], known: Mapping[str, Parameter]) -> dict[str, float]:
    """The overrides named in a query string: known parameter names with number values."""
    chosen: dict[str, float] = {}
    for name in known:
        raw = params.get(name)
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if raw is None or str(raw).strip() == "":
            continue
        try:
            chosen[name] = float(raw)
        except ValueError:
            continue  # a mangled number in a URL is ignored (the control shows it empty)
    return chosen


def plugin_rows(statuses: list[EstimatorStatus]) -> list[dict[str, Any]]:
    """One row per estimator (and per plugin that provides none): who, what version, how it fared."""
    estimators = {e.estimator.name: e for e in manager().estimators()}
    rows = []
    for status in statuses:
        loaded = estimators.get(status.estimator or "")
        rows.append(
            {
                "estimator": status.estimator or "",
                "version": status.version or "",
                "plugin": status.plugin,
                "distribution": status.distribution or "",
                "status": status.status,
                "error": status.error or "",
                "rows": status.rows,
                "seconds": round(status.seconds, 3) if status.seconds is not None else None,
                "outputs": ", ".join(f"{m}/{s}" for m, s in loaded.estimator.outputs)
                if loaded
                else "",
                "description": loaded.estimator.description if loaded else "",
            }
        )
    return rows


def parameter_rows(estimator_name: str) -> list[dict[str, Any]]:
    """An estimator's parameter table: default, range, unit, the source of the default, and
    which claims can replace it."""
    loaded = next((e for e in manager().estimators() if e.estimator.name == estimator_name), None)
    if loaded is None:
        return []
    rows = []
    for p in loaded.estimator.parameters:
        replaced_by = []
        if p.metric:
            if p.own_scopes:
                replaced_by.append(f"the subject's {p.metric} claims ({', '.join(p.own_scopes)})")
            if p.chip_scopes:
                replaced_by.append(f"its chip's {p.metric} claims ({', '.join(p.chip_scopes)})")
            if p.method:
                replaced_by.append(f"method claims on ml-hardware ({p.metric})")
        rows.append(
            {
                "parameter": p.name,
                "value": p.value,
                "low": p.low,
                "high": p.high,
                "unit": p.unit,
                "source": p.citation,
                "replaced_by": "; ".join(replaced_by) or "a what-if override only",
                "description": p.description,
            }
        )
    return rows
