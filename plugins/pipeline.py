"""The one estimation pipeline: estimate as of a snapshot and an evidence date.

Everything that computes an estimate goes through here: ``costboard estimate`` (storing, dry
run) and ``costboard plugins`` in the CLI, and the dashboard's what-if, market and plugins
pages. So a number is computed in one place, and a page's number is either a stored estimate
or a live run of this same code. The CLI and the dashboard print or draw what it returns;
neither opens a connection, picks evidence or pins evidence time for an estimate.

- :func:`evidence_snapshot` decides which snapshot's evidence an estimate at a snapshot uses:
  the latest snapshot at or before it that changed evidence (writing estimates or tags is not
  new evidence), with "today" the day that snapshot was written (or the evidence date, when
  one is asked for and is earlier), so the estimates are a function of the snapshot and the
  evidence date alone. ``None`` when there is no evidence yet.
- :func:`read_evidence` reads that evidence through a connection pinned to it (the dashboard
  hands its own cached cursors); :func:`load_evidence` opens the connections itself.
- :func:`run_estimators` is the one run: every estimator, or some, with overrides and market
  windows. Given a :class:`Breaker` (the dashboard's live runs), an estimator that failed or
  timed out on this evidence snapshot in this process is skipped, not re-run, until the
  snapshot changes or the process restarts: a hanging plugin costs one time limit per
  snapshot, and abandoned threads stay bounded by the number of estimators.
- :func:`estimate` is load + run for an :class:`EstimateRequest`; :func:`store` writes what
  it computed. One estimator's own run (time limit, output contract) is :mod:`.run`'s.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import duckdb
import polars as pl

from costboard.plugins.estimator import ESTIMATES_SCHEMA, using_vocabulary
from costboard.plugins.evidence import (
    CLAIM_COLUMNS,
    PRICE_COLUMNS,
    SUBJECT_COLUMNS,
    Evidence,
    build_evidence,
)
from costboard.plugins.isolation import ESTIMATOR_TIMEOUT, ESTIMATOR_TIMEOUT_ENV, time_limit
from costboard.plugins.manager import PluginManager, get_manager
from costboard.plugins.parameters import Parameters, check_overrides
from costboard.plugins.run import EstimatorStatus, plugin_status, run_one
from costboard.plugins.windows import Window, checked
from costboard.warehouse import estimates as stored
from costboard.warehouse import evidence_time, history, lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.writer import WriteResult

#: Statuses that mean an estimator did not give its estimates.
FAILED = frozenset({"error", "timeout"})


# ------------------------------------------------------------------ which evidence


@dataclass(frozen=True)
class EvidenceSnapshot:
    """The snapshot whose evidence estimates use, the estimators' "today", and the evidence
    date the evidence is cut at (None: all of it)."""

    snapshot_id: int
    today: dt.date
    evidence_until: dt.date | None = None


def evidence_snapshot(
    connection: duckdb.DuckDBPyConnection, at: int | None = None, until: dt.date | None = None
) -> EvidenceSnapshot | None:
    """The evidence snapshot for estimates at snapshot ``at`` (default: the newest), cut at
    evidence date ``until``: nothing after it is known, so it is "today" when earlier than
    the day the snapshot was written."""
    source = stored.input_snapshot_id(connection, at=at)
    if source is None:
        return None
    written_on = stored.snapshot_date(connection, source)
    assert isinstance(written_on, dt.date)
    today = until if until is not None and until < written_on else written_on
    return EvidenceSnapshot(source, today, until)


def read_evidence(connection: duckdb.DuckDBPyConnection, source: EvidenceSnapshot) -> Evidence:
    """The evidence frame from a connection whose current database is the lake pinned at
    ``source.snapshot_id`` (``lake.connect(config, snapshot_id=...)`` or a dashboard cursor
    after ``USE``). Pins the connection's evidence time to ``source.evidence_until``."""
    evidence_time.pin(connection, source.evidence_until)

    def read(table: str, columns: Sequence[str], order: str) -> pl.DataFrame:
        return connection.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").pl()

    return build_evidence(
        read("claims", CLAIM_COLUMNS, "claim_id"),
        read("subjects", SUBJECT_COLUMNS, "subject"),
        read("prices", PRICE_COLUMNS, "ticker, date"),
        today=source.today,
        snapshot_id=source.snapshot_id,
    )


def load_evidence(
    config: WarehouseConfig, at: str | int | None = None, *, until: dt.date | None = None
) -> Evidence | None:
    """The evidence estimates at snapshot ``at`` use (a snapshot id, tag or date; default:
    the newest), stated on or before ``until`` when given; None if there is none yet."""
    with lake.connect(config) as connection:
        snapshot = history.resolve_ref(connection, at)
        source = evidence_snapshot(connection, snapshot, until)
    if source is None:
        return None
    with lake.connect(config, snapshot_id=source.snapshot_id) as connection:
        return read_evidence(connection, source)


# ------------------------------------------------------------------ the run


@dataclass
class Breaker:
    """Estimators that failed on one evidence snapshot in this process, skipped until it changes."""

    snapshot_id: int | None = None
    tripped: dict[str, EstimatorStatus] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def skipped(self, snapshot_id: int | None) -> dict[str, EstimatorStatus]:
        """The tripped estimators for this snapshot (a new snapshot resets them)."""
        with self._lock:
            if snapshot_id != self.snapshot_id:
                self.snapshot_id, self.tripped = snapshot_id, {}
            return dict(self.tripped)

    def record(self, snapshot_id: int | None, statuses: Iterable[EstimatorStatus]) -> None:
        with self._lock:
            if snapshot_id != self.snapshot_id:
                return
            for status in statuses:
                if status.status in FAILED and status.estimator:
                    self.tripped[status.estimator] = status


class EstimatorRun(NamedTuple):
    """What one run computed: the estimates and one status per estimator (or plugin).

    A tuple, so ``estimates, statuses = run_estimators(...)`` reads as it always has."""

    estimates: pl.DataFrame
    statuses: list[EstimatorStatus]

    @property
    def failed(self) -> list[EstimatorStatus]:
        return [s for s in self.statuses if s.status in FAILED]

    @property
    def complete(self) -> list[str]:
        """The estimators that ran without error (their rows supersede what they stored)."""
        return [s.estimator for s in self.statuses if s.status == "ok" and s.estimator]


def run_estimators(
    evidence: Evidence,
    overrides: Mapping[str, float] | None = None,
    *,
    timeout: float | None = None,
    windows: Iterable[tuple[dt.date, dt.date]] = (),
    manager: PluginManager | None = None,
    only: Sequence[str] | None = None,
    breaker: Breaker | None = None,
) -> EstimatorRun:
    """Every estimator (or ``only`` these) on ``evidence``; writes nothing.

    Args:
        evidence: from :func:`load_evidence` (or ``build_evidence``, ``costboard.testing``).
        overrides: parameter values to pin, by name (the dashboard's what-if), e.g.
            ``{"rental_price": 2.5, "utilization": 0.4}``. Each applies to every estimator
            that has the parameter; an unknown name is a ValueError.
        timeout: seconds each estimator may take (a slower one is abandoned, status timeout);
            default ``COSTBOARD_ESTIMATOR_TIMEOUT`` or 10.
        windows: (start, end) market windows for market-move estimators (:class:`Window`).
        manager: the plugin manager (default: the process-wide one).
        only: run only these estimators (by name).
        breaker: skip estimators that already failed on this evidence snapshot (status
            skipped, with the error they failed with).

    Returns:
        The estimates of every estimator that succeeded (``ESTIMATES_SCHEMA``, sorted by
        estimator, subject, as_of, metric, scope) and one status per estimator, plus one per
        plugin that failed to load or provides no estimator.
    """
    manager = manager or get_manager()
    skipped = breaker.skipped(evidence.snapshot_id) if breaker else {}
    if timeout is None:
        timeout = time_limit(ESTIMATOR_TIMEOUT_ENV, ESTIMATOR_TIMEOUT)
    loaded = manager.estimators()
    if only is not None:
        loaded = [item for item in loaded if item.estimator.name in set(only)]
    # Overrides are checked against every asked estimator, skipped ones too: a what-if
    # setting does not turn into an error because a plugin happens to be tripped.
    known = sorted({p.name for item in loaded for p in item.estimator.parameters})
    pinned = check_overrides(overrides or {}, known)
    loaded = [item for item in loaded if item.estimator.name not in skipped]
    asked = checked(windows)

    frames: list[pl.DataFrame] = []
    statuses: list[EstimatorStatus] = []
    # Estimators and their validation see the manager's merged vocabulary (plugin metrics).
    with using_vocabulary(manager.vocabulary()):
        for item in loaded:
            table = item.estimator.parameter_table
            params = Parameters(
                table=table,
                overrides={k: v for k, v in pinned.items() if k in table},
                windows=asked,
            )
            frame, status = run_one(item, evidence, params, timeout)
            frames.append(frame)
            statuses.append(status)
    if only is None:
        providing = {item.plugin.name for item in manager.estimators()}
        statuses += [plugin_status(r) for r in manager.plugins() if r.name not in providing]
    if breaker:
        breaker.record(evidence.snapshot_id, statuses)
    for name, status in sorted(skipped.items()):
        if only is None or name in only:
            statuses.append(_skipped(status, evidence.snapshot_id))
    estimates = pl.concat(frames) if frames else pl.DataFrame(schema=ESTIMATES_SCHEMA)
    return EstimatorRun(
        estimates.sort("estimator", "subject", "as_of", "metric", "scope"), statuses
    )


def _skipped(status: EstimatorStatus, snapshot_id: int | None) -> EstimatorStatus:
    return EstimatorStatus(
        estimator=status.estimator,
        version=status.version,
        plugin=status.plugin,
        distribution=status.distribution,
        hooks=status.hooks,
        status="skipped",
        error=f"not re-run on evidence snapshot {snapshot_id} after "
        f"{status.status}: {status.error}",
    )


# ------------------------------------------------------------------ estimate and store


@dataclass(frozen=True)
class EstimateRequest:
    """What to estimate.

    Attributes:
        at: knowledge time: a snapshot id, tag or date (None: the newest snapshot).
        evidence_until: evidence time: only what was stated on or before this day, which is
            the estimators' "today" (None: all the snapshot's evidence).
        windows: market windows for market-move estimators.
        timeout: seconds each estimator may take (None: the configured limit).
    """

    at: str | int | None = None
    evidence_until: dt.date | None = None
    windows: tuple[Window, ...] = ()
    timeout: float | None = None


@dataclass(frozen=True)
class Estimated:
    """What :func:`estimate` computed: the request, the evidence it read, and the run."""

    request: EstimateRequest
    evidence: Evidence
    run: EstimatorRun

    @property
    def snapshot_id(self) -> int:
        """The evidence snapshot the estimates were computed from (what they are keyed by)."""
        assert self.evidence.snapshot_id is not None  # read from the warehouse, never None
        return self.evidence.snapshot_id


def estimate(
    config: WarehouseConfig, request: EstimateRequest, *, manager: PluginManager | None = None
) -> Estimated | None:
    """Every estimator on the evidence ``request`` names; None when there is no evidence yet.
    Writes nothing (:func:`store` does)."""
    evidence = load_evidence(config, request.at, until=request.evidence_until)
    if evidence is None:
        return None
    run = run_estimators(
        evidence, windows=request.windows, timeout=request.timeout, manager=manager
    )
    return Estimated(request, evidence, run)


def store(
    config: WarehouseConfig,
    estimated: Estimated,
    *,
    message: str | None = None,
    author: str | None = None,
    dry_run: bool = False,
) -> WriteResult:
    """Write ``estimated``'s estimates keyed by their evidence snapshot; what is stored
    already is skipped, so a repeat writes nothing. The estimators that ran without error
    supersede their own stored rows of that snapshot.

    Estimates cut at an evidence date are not stored (ValueError): they would differ from a
    plain run's on the same snapshot, and both would claim its key.
    """
    if estimated.request.evidence_until is not None:
        raise ValueError(
            f"estimates from the evidence until {estimated.request.evidence_until} are not "
            "stored: they would differ from a plain run's on the same snapshot"
        )
    frame = estimated.run.estimates
    message = message or (
        f"estimate: {frame.height} estimates by {frame['estimator'].n_unique()} estimators "
        f"from evidence snapshot {estimated.snapshot_id}"
    )
    return stored.store(
        config,
        frame,
        estimated.snapshot_id,
        message=message,
        author=author,
        complete=estimated.run.complete,
        dry_run=dry_run,
    )
