"""The one estimation pipeline: the evidence of a snapshot, and the estimators run on it.

Everything that computes an estimate goes through here: ``costboard estimate`` and
``costboard plugins`` in the CLI, and the dashboard's overview (through the stored estimates
``estimate`` writes), market, what-if and plugins pages (through :func:`run`). So a number is
computed in one place, and a page's number is either a stored estimate or a live run of this
same code.

- :func:`evidence_snapshot` decides which snapshot's evidence an estimate at a snapshot uses:
  the latest snapshot at or before it that changed evidence (writing estimates or tags is not
  new evidence), with "today" the day that snapshot was written, so the estimates are a
  function of the snapshot alone. ``None`` when there is no evidence yet (only the empty
  warehouse's first snapshot).
- :func:`read_evidence` reads that evidence through a connection pinned to it.
- :func:`run` runs every estimator, or some, with overrides and market windows. Given a
  :class:`Breaker` (the dashboard's live runs), an estimator that failed or timed out on this
  evidence snapshot in this process is skipped, not re-run, until the snapshot changes or the
  process restarts: a hanging plugin costs one time limit per snapshot, and abandoned threads
  stay bounded by the number of estimators.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import polars as pl

from costboard.plugins.evidence import (
    CLAIM_COLUMNS,
    PRICE_COLUMNS,
    SUBJECT_COLUMNS,
    Evidence,
    build_evidence,
)
from costboard.plugins.manager import PluginManager, get_manager
from costboard.plugins.run import EstimatorStatus, Window, run_estimators
from costboard.warehouse import estimates as stored
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig

#: Statuses that mean an estimator did not give its estimates.
FAILED = frozenset({"error", "timeout"})


@dataclass(frozen=True)
class EvidenceSnapshot:
    """The snapshot whose evidence estimates use, and the day it was written ("today")."""

    snapshot_id: int
    written_on: dt.date


def evidence_snapshot(
    connection: duckdb.DuckDBPyConnection, at: int | None = None
) -> EvidenceSnapshot | None:
    """The evidence snapshot for estimates at snapshot ``at`` (default: the newest)."""
    source = stored.input_snapshot_id(connection, at=at)
    if source is None:
        return None
    written_on = stored.snapshot_date(connection, source)
    assert isinstance(written_on, dt.date)
    return EvidenceSnapshot(source, written_on)


def read_evidence(connection: duckdb.DuckDBPyConnection, source: EvidenceSnapshot) -> Evidence:
    """The evidence frame from a connection whose current database is the lake pinned at
    ``source.snapshot_id`` (``lake.connect(config, snapshot_id=...)`` or a dashboard cursor
    after ``USE``)."""

    def read(table: str, columns: Sequence[str], order: str) -> pl.DataFrame:
        return connection.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").pl()

    return build_evidence(
        read("claims", CLAIM_COLUMNS, "claim_id"),
        read("subjects", SUBJECT_COLUMNS, "subject"),
        read("prices", PRICE_COLUMNS, "ticker, date"),
        today=source.written_on,
        snapshot_id=source.snapshot_id,
    )


def load_evidence(config: WarehouseConfig, at: int | None = None) -> Evidence | None:
    """The evidence estimates at snapshot ``at`` (default: the newest) use; None if none yet."""
    with lake.connect(config, snapshot_id=at) as connection:
        source = evidence_snapshot(connection, at)
    if source is None:
        return None
    with lake.connect(config, snapshot_id=source.snapshot_id) as connection:
        return read_evidence(connection, source)


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


@dataclass(frozen=True)
class PipelineRun:
    """What one run computed: the estimates and one status per estimator (or plugin)."""

    estimates: pl.DataFrame
    statuses: list[EstimatorStatus]
    snapshot_id: int | None

    @property
    def failed(self) -> list[EstimatorStatus]:
        return [s for s in self.statuses if s.status in FAILED]

    @property
    def complete(self) -> list[str]:
        """The estimators that ran without error (their rows supersede what they stored)."""
        return [s.estimator for s in self.statuses if s.status == "ok" and s.estimator]


def run(
    evidence: Evidence,
    overrides: Mapping[str, float] | None = None,
    *,
    windows: Iterable[Window] = (),
    only: Sequence[str] | None = None,
    timeout: float | None = None,
    manager: PluginManager | None = None,
    breaker: Breaker | None = None,
) -> PipelineRun:
    """Every estimator (or ``only`` these) on ``evidence``; writes nothing.

    Args:
        evidence: from :func:`read_evidence` (or ``costboard.testing.make_evidence``).
        overrides: parameter values to pin by name (the what-if page); unknown: ValueError.
        windows: (start, end) market windows for ``market_cap_move``.
        only: estimator names to run (default: all).
        timeout: seconds per estimator (default ``COSTBOARD_ESTIMATOR_TIMEOUT`` or 10).
        manager: the plugin manager (default: the process-wide one).
        breaker: skip estimators that already failed on this evidence snapshot.
    """
    manager = manager or get_manager()
    skipped = breaker.skipped(evidence.snapshot_id) if breaker else {}
    frame, statuses = run_estimators(
        evidence,
        overrides,
        timeout=timeout,
        windows=windows,
        manager=manager,
        only=only,
        skip=frozenset(skipped),
    )
    if breaker:
        breaker.record(evidence.snapshot_id, statuses)
    for name, status in sorted(skipped.items()):
        if only is None or name in only:
            statuses.append(
                EstimatorStatus(
                    estimator=name,
                    version=status.version,
                    plugin=status.plugin,
                    distribution=status.distribution,
                    hooks=status.hooks,
                    status="skipped",
                    error=f"not re-run on evidence snapshot {evidence.snapshot_id} after "
                    f"{status.status}: {status.error}",
                )
            )
    return PipelineRun(frame, statuses, evidence.snapshot_id)
