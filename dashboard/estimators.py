"""The dashboard's side of the plugin layer: live runs (what-if), plugin status, parameters.

Estimators run in this process on the evidence of the pinned snapshot, with the overrides
the what-if page passes; nothing is written. The evidence is the one ``costboard estimate``
would use for that snapshot: read from the latest snapshot at or before it that changed
evidence, with "today" the day that snapshot was written, so a run with no overrides gives
the stored numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from costboard.dashboard.data import Reader
from costboard.plugins.evidence import (
    CLAIM_COLUMNS,
    PRICE_COLUMNS,
    SUBJECT_COLUMNS,
    Evidence,
    build_evidence,
)
from costboard.plugins.manager import PluginManager, get_manager
from costboard.plugins.parameters import Parameter
from costboard.plugins.run import EstimatorStatus, run_estimators

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

_evidence: OrderedDict[int, Evidence] = OrderedDict()
_evidence_lock = threading.Lock()


@dataclass(frozen=True)
class LiveRun:
    estimates: pl.DataFrame
    statuses: list[EstimatorStatus]
    evidence_snapshot: int


def manager() -> PluginManager:
    return get_manager()


def evidence_source(reader: Reader, snapshot_id: int) -> tuple[int, Any]:
    """The snapshot whose evidence estimates at ``snapshot_id`` use, and the day it was written."""
    frame = reader.frame(
        snapshot_id,
        """
        SELECT snapshot_id, CAST(timezone('UTC', snapshot_time) AS DATE) AS day
        FROM {db}.snapshots
        WHERE coalesce(changes_evidence, true)
        ORDER BY snapshot_id DESC LIMIT 1
        """,
    )
    if frame.is_empty():
        return snapshot_id, None
    return int(frame["snapshot_id"][0]), frame["day"][0]


def evidence(reader: Reader, snapshot_id: int) -> Evidence:
    """The evidence at ``snapshot_id`` (kept in this process: building it takes a moment)."""
    source, today = evidence_source(reader, snapshot_id)
    with _evidence_lock:
        if source in _evidence:
            _evidence.move_to_end(source)
            return _evidence[source]
    claims = reader.frame(
        source, f"SELECT {', '.join(CLAIM_COLUMNS)} FROM {{db}}.claims ORDER BY claim_id"
    )
    subjects = reader.frame(
        source, f"SELECT {', '.join(SUBJECT_COLUMNS)} FROM {{db}}.subjects ORDER BY subject"
    )
    prices = reader.frame(
        source, f"SELECT {', '.join(PRICE_COLUMNS)} FROM {{db}}.prices ORDER BY ticker, date"
    )
    built = build_evidence(claims, subjects, prices, today=today, snapshot_id=source)
    with _evidence_lock:
        _evidence[source] = built
        while len(_evidence) > EVIDENCE_KEPT:
            _evidence.popitem(last=False)
    return built


def installed() -> list[tuple[str, str]]:
    """(name, version) of every loaded estimator: part of every live run's cache key."""
    return [(e.estimator.name, e.estimator.version) for e in manager().estimators()]


def run_live(reader: Reader, snapshot_id: int, overrides: Mapping[str, float]) -> LiveRun:
    """Every estimator on the snapshot's evidence with ``overrides``; nothing is written.

    Raises ValueError for an unknown parameter or a value that is not a finite number.
    """
    pinned = {k: float(v) for k, v in sorted(overrides.items())}

    def compute() -> LiveRun:
        found = evidence(reader, snapshot_id)
        frame, statuses = run_estimators(found, pinned, manager=manager())
        return LiveRun(frame, statuses, found.snapshot_id or snapshot_id)

    return reader.cached(("live", snapshot_id, pinned, installed()), compute)


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
