"""Background warming: one job at a time, the newest snapshot first, inside a memory budget."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from costboard.dashboard import data, snapshots, warming
from costboard.dashboard.warming import Warming
from costboard.warehouse.config import WarehouseConfig

WAIT = 60  # seconds a test waits for a thread before it fails (never a sleep)


class Recorder:
    """Warmers that record who ran, how many at once, and that can hold a job in place."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.ran: list[tuple[str, int]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def _enter(self, name: str, snapshot_id: int) -> None:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.ran.append((name, snapshot_id))

    def _leave(self) -> None:
        with self.lock:
            self.running -= 1

    def holding(self, reader: Any, snapshot_id: int) -> None:
        self._enter("holding", snapshot_id)
        self.started.set()
        try:
            assert self.release.wait(WAIT)
        finally:
            self._leave()

    def quick(self, reader: Any, snapshot_id: int) -> None:
        self._enter("quick", snapshot_id)
        self._leave()

    def warmers(self) -> list[Any]:
        return [self.holding, self.quick]


def warming_for(recorder: Recorder, folder: Path) -> Warming:
    return Warming(object(), recorder.warmers, folder, lambda: "a warehouse")


def test_one_job_at_a_time_and_a_newer_snapshot_supersedes_a_queued_one(tmp_path: Path) -> None:
    recorder = Recorder()
    worker = warming_for(recorder, tmp_path)
    worker.request(1)
    assert recorder.started.wait(WAIT)
    recorder.started.clear()
    worker.request(2)
    worker.request(3)  # 2 never runs: 3 replaced it in the queue
    worker.request(2)  # an older one asked again after a newer one changes nothing
    recorder.release.set()
    assert worker.wait_idle(WAIT)
    assert recorder.most_at_once == 1
    assert [(job.snapshot_id, job.stopped) for job in worker.jobs] == [
        (1, "superseded"),  # stopped between its warmers once 3 was waiting
        (3, None),
    ]
    assert recorder.ran == [("holding", 1), ("holding", 3), ("quick", 3)]


def test_two_workers_never_warm_at_once_and_a_snapshot_is_warmed_once(tmp_path: Path) -> None:
    recorder = Recorder()
    first, second = warming_for(recorder, tmp_path), warming_for(recorder, tmp_path)
    first.request(5)
    assert recorder.started.wait(WAIT)
    second.request(5)
    assert second.waiting.wait(WAIT)  # on the file lock the first worker holds
    assert second.jobs == [] and recorder.most_at_once == 1
    recorder.release.set()
    assert first.wait_idle(WAIT) and second.wait_idle(WAIT)
    assert recorder.most_at_once == 1
    assert recorder.ran == [("holding", 5), ("quick", 5)]
    assert [(job.snapshot_id, job.already_warm, job.ran) for job in second.jobs] == [(5, True, [])]
    # A newer snapshot is that worker's to warm, if it sees it first.
    second.request(6)
    assert second.wait_idle(WAIT)
    assert second.jobs[-1].ran == ["holding", "quick"]


def test_warming_stops_at_its_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    held: list[bytes] = []
    ran: list[str] = []

    def hungry(reader: Any, snapshot_id: int) -> None:
        ran.append("hungry")
        if len(ran) == 1:
            held.append(b"x" * (256 << 20))  # written, so resident

    def next_one(reader: Any, snapshot_id: int) -> None:
        ran.append("next_one")

    budget = (warming.resident_bytes() >> 20) + 128
    monkeypatch.setenv("COSTBOARD_WARM_MEMORY_MB", str(budget))
    worker = Warming(object(), lambda: [hungry, next_one], tmp_path, lambda: "a warehouse")
    worker.request(1)
    assert worker.wait_idle(WAIT)
    assert ran == ["hungry"]
    assert (worker.jobs[0].ran, worker.jobs[0].stopped) == (["hungry"], "memory")
    assert f"over its budget of {budget} MiB (COSTBOARD_WARM_MEMORY_MB)" in caplog.text
    held.clear()  # 256 MiB handed back to the system (one allocation: unmapped)
    # Not marked warm: a worker with room left warms it.
    worker.request(1)
    assert worker.wait_idle(WAIT)
    assert ran == ["hungry", "hungry", "next_one"]
    assert worker.jobs[1].ran == ["hungry", "next_one"] and not worker.jobs[1].already_warm


def test_a_budget_of_zero_turns_warming_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setenv("COSTBOARD_WARM_MEMORY_MB", "0")
    worker = warming_for(recorder, tmp_path)
    worker.request(1)
    assert worker.wait_idle(WAIT)
    assert recorder.ran == [] and worker.jobs[0].stopped == "off"


def test_a_new_snapshot_warms_the_pages_defaults_in_one_worker(
    demo_config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_DUCKDB_MEMORY_MB", "768")
    readers = [data.Reader(demo_config, snapshots.file_cache(demo_config)) for _ in range(2)]
    try:
        newest = readers[0].latest_id()
        assert readers[0].warming.wait_idle(WAIT)
        assert readers[1].latest_id() == newest
        assert readers[1].warming.wait_idle(WAIT)
        names = [warmer.__name__ for warmer in data.WARMERS]
        assert [(j.snapshot_id, j.ran, j.stopped) for j in readers[0].warming.jobs] == [
            (newest, names, None)
        ]
        assert readers[1].warming.jobs[0].already_warm
        # What the pages read first is in the shared cache: reading it again stores nothing.
        stored = len(readers[1].cache._cache)  # type: ignore[attr-defined]
        assert stored > 0
        data.default_views(readers[1], newest)
        assert len(readers[1].cache._cache) == stored  # type: ignore[attr-defined]
        # The dashboard's DuckDB instance has its memory limit.
        with readers[1].databases.cursor(newest) as cursor:
            limit = cursor.execute("SELECT current_setting('memory_limit')").fetchone()
        assert limit == ("768.0 MiB",)
    finally:
        for reader in readers:
            reader.close()
