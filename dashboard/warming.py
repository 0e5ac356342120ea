"""Background warming: one job at a time, the newest snapshot first, inside a memory budget.

When a worker first sees a new snapshot it fills the results cache with what the pages show
first (the warmers, data.py), so the first visitor after an ingest reads from the cache. On a
served warehouse, two ingests of 51,829 claims once set this off until the kernel killed the
worker at 22.7 GB. So warming is bounded three ways:

- **One job at a time in a process**: one thread, one queued snapshot. A newer snapshot
  replaces a queued older one, and a job in progress stops between warmers once a newer one
  waits: nobody will open the older snapshot's default views first.
- **One worker at a time on a machine**: a job runs holding a file lock beside the results
  cache (``<home>/cache/warming.lock``), and a worker that gets the lock after another has
  warmed the same snapshot finds it marked done and skips it (the cache is shared).
- **A memory budget**: before each warmer the process's resident memory is compared with
  ``COSTBOARD_WARM_MEMORY_MB`` (budgets.py); over it, the rest of the job is skipped and the
  log says so. The budget is checked between warmers, not inside one: what bounds a single
  read is DuckDB's ``memory_limit`` on the dashboard's instance (``COSTBOARD_DUCKDB_MEMORY_MB``)
  and the reads themselves (the provenance rule is linear in the claims).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
import psutil

from costboard.dashboard import budgets

log = logging.getLogger(__name__)

Warmer = Callable[[Any, int], object]


def resident_bytes() -> int:
    """This process's resident memory (RSS)."""
    return int(psutil.Process().memory_info().rss)


@dataclass
class Job:
    """What one warming job did."""

    snapshot_id: int
    ran: list[str] = field(default_factory=list)
    #: Why the job ended before its last warmer: "superseded", "memory", or None.
    stopped: str | None = None
    #: The job found the snapshot already warmed by another worker.
    already_warm: bool = False


def _name(warmer: Warmer) -> str:
    return getattr(warmer, "__name__", repr(warmer))


class Warming:
    """Runs ``warmers(reader, snapshot_id)`` for the newest snapshot requested, in one thread.

    ``folder`` holds the file lock and the marker of the last snapshot warmed; ``identity``
    names the warehouse in the marker (a rebuilt warehouse restarts its snapshot ids).
    """

    def __init__(
        self,
        reader: Any,
        warmers: Callable[[], Sequence[Warmer]],
        folder: Path,
        identity: Callable[[], str],
    ) -> None:
        self.reader = reader
        self.warmers = warmers
        self.folder = folder
        self.identity = identity
        self.jobs: list[Job] = []
        #: Set while this process waits for another worker's job to finish.
        self.waiting = threading.Event()
        self._condition = threading.Condition()
        self._pending: int | None = None
        self._thread: threading.Thread | None = None
        #: Set when the worker closes its reader: a read cut short then is no failure.
        self.closing = threading.Event()

    def request(self, snapshot_id: int) -> None:
        """Warm ``snapshot_id`` when the thread is free, unless a newer one is asked first."""
        with self._condition:
            if self._pending is None or snapshot_id > self._pending:
                self._pending = snapshot_id
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="warming", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or running; False when ``timeout`` passed first."""
        with self._condition:
            return self._condition.wait_for(lambda: self._thread is None, timeout)

    def _superseded(self, snapshot_id: int) -> bool:
        with self._condition:
            return self._pending is not None and self._pending > snapshot_id

    def _work(self) -> None:
        while True:
            lock = self._lock()
            try:
                with self._condition:
                    if self._pending is None:
                        self._thread = None
                        self._condition.notify_all()
                        return
                try:
                    lock.acquire(timeout=0)
                except filelock.Timeout:
                    self.waiting.set()
                    lock.acquire()
                self.waiting.clear()
                with self._condition:
                    # The newest asked for while this process waited for the lock.
                    snapshot_id, self._pending = self._pending, None
                if snapshot_id is not None:
                    self._run(snapshot_id)
            except Exception:  # warming is an optimisation: never let it end the thread
                if self.closing.is_set():
                    # The worker closed its DuckDB instance under a running read; it is exiting.
                    log.info("warming stopped: the worker is closing")
                    return
                log.exception("warming failed")
            finally:
                if lock.is_locked:
                    lock.release()

    def _lock(self) -> filelock.FileLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        return filelock.FileLock(self.folder / "warming.lock")

    def _marker(self) -> Path:
        return self.folder / "warmed.json"

    def _already_warm(self, snapshot_id: int) -> bool:
        try:
            done = json.loads(self._marker().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return done.get("identity") == self.identity() and done.get("snapshot_id", -1) >= (
            snapshot_id
        )

    def _run(self, snapshot_id: int) -> None:
        job = Job(snapshot_id)
        self.jobs.append(job)
        if self._already_warm(snapshot_id):
            job.already_warm = True
            return
        budget = budgets.warm_memory_mb() << 20
        if budget == 0:  # COSTBOARD_WARM_MEMORY_MB=0 turns warming off
            job.stopped = "off"
            return
        for warmer in self.warmers():
            if self._superseded(snapshot_id):
                job.stopped = "superseded"
                return
            used = resident_bytes()
            if used > budget:
                job.stopped = "memory"
                log.warning(
                    "warming snapshot %s stopped before %s: this process holds %d MiB, over "
                    "its budget of %d MiB (%s)",
                    snapshot_id,
                    _name(warmer),
                    used >> 20,
                    budget >> 20,
                    budgets.WARM_MEMORY_MB_ENV,
                )
                return
            # A read that fails here fails on its page too, where it is reported.
            with contextlib.suppress(Exception):
                warmer(self.reader, snapshot_id)
            job.ran.append(_name(warmer))
        with contextlib.suppress(OSError):
            marker = {"identity": self.identity(), "snapshot_id": snapshot_id}
            self._marker().write_text(json.dumps(marker), encoding="utf-8")
