"""Snapshot infrastructure behind the dashboard's reads: where they run and how they are cached.

Knowledge time first: a snapshot never changes once committed, so whatever a query returned
for snapshot N is its answer for ever. Each query runs against the lake pinned to a concrete
snapshot id and its result is cached under (warehouse, snapshot id, query, parameters) in a
disk cache under the warehouse's home that every worker process shares; pinned results never
go stale, so nothing expires, and the cache's size is bounded instead (results_cache.py:
least recently used first, ``COSTBOARD_CACHE_MAX_MB``).

Reading is kept off the writer's path (benchmarks/dashboard_reads.py measures it):

- One DuckDB instance per process, with the extensions loaded once (loading them costs
  ~0.4 s) and each snapshot attached read-only under its own alias (``s12``: ~7 ms to attach).
- With a SQLite catalog, DuckDB reads a private copy of it that no writer ever opens
  (:class:`CatalogCopies`): reading the live catalog stalls about a second now and then
  while a writer commits.
- The newest snapshot id, asked for on every page load, is read straight from the SQLite
  catalog's ``ducklake_snapshot`` table (the DuckLake catalog spec) with a plain read-only
  SQLite connection, which never waits on a committing writer; other catalogs ask DuckDB.
- When a new snapshot appears, the functions in :attr:`SnapshotReader.warmers` fill the cache
  in the background, so the first visitor after an ingest reads from the cache: one job at a
  time, inside a memory budget (warming.py).

The page queries themselves live in data.py, on a subclass of :class:`SnapshotReader`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl
from flask_caching.backends import NullCache
from flask_caching.backends.base import BaseCache

from costboard.dashboard import budgets
from costboard.dashboard.catalog_copies import CatalogCopies, read_sqlite_latest
from costboard.dashboard.results_cache import ResultsCache
from costboard.dashboard.warming import Warming
from costboard.warehouse import evidence_time, history, lake
from costboard.warehouse.config import WarehouseConfig

T = TypeVar("T")

#: How long the newest snapshot id is trusted before asking the catalog again.
LATEST_TTL_SECONDS = 1.0
#: Snapshots attached in one DuckDB instance before it is replaced by a fresh one.
MAX_ATTACHED = 48

try:
    _VERSION = version("costboard")
except PackageNotFoundError:  # running from a source tree that was never installed
    _VERSION = "dev"


def cache_dir(config: WarehouseConfig) -> Path:
    """The results cache's folder (diskcache wants a folder of its own)."""
    return config.home / "cache" / "dashboard"


def copies_dir(config: WarehouseConfig) -> Path:
    """Where the private copies of a SQLite catalog live."""
    return config.home / "cache" / "catalogs"


def file_cache(config: WarehouseConfig) -> BaseCache:
    """The results cache shared by every worker: files under the warehouse's home, at most
    ``COSTBOARD_CACHE_MAX_MB`` MiB, least recently used first out (0: no cache)."""
    limit = budgets.cache_max_mb()
    return ResultsCache(cache_dir(config), limit << 20) if limit else NullCache()


@dataclass
class Generation:
    """One DuckDB instance and the catalog it reads, good for snapshots up to ``newest``."""

    config: WarehouseConfig
    newest: int | None  # None: the live catalog, always current
    root: duckdb.DuckDBPyConnection
    attached: set[int] = field(default_factory=set)
    touched: float = field(default_factory=time.monotonic)

    def holds(self, snapshot_id: int | None) -> bool:
        return snapshot_id is None or self.newest is None or snapshot_id <= self.newest

    def copy_deleted(self) -> bool:
        """True when the catalog copy this instance reads was deleted (the cache is safe to
        delete: DuckDB's SQLite scanner reopens the file per transaction, so a new copy is
        needed)."""
        return self.newest is not None and not Path(self.config.catalog.partition(":")[2]).exists()


class SnapshotDatabases:
    """This process's DuckDB instance, each snapshot attached read-only as ``s<id>``.

    The lake is also attached unpinned as ``lake`` (what :mod:`costboard.warehouse.history`
    expects), for references and time-travel diffs. With a SQLite catalog everything reads a
    private copy (:class:`CatalogCopies`); a snapshot newer than the copy brings a new copy
    and a new instance. Queries run on a cursor of their own, so threads never share one.
    """

    def __init__(self, config: WarehouseConfig, copies: CatalogCopies | None) -> None:
        self.config = config
        self.copies = copies
        self._lock = threading.Lock()
        self._current: Generation | None = None

    def _fresh(self) -> Generation:
        reading, newest = self.copies.make() if self.copies else (self.config, None)
        root = lake.connect(reading, read_only=True, use=False)
        # Parquet files never change under a snapshot: their footers can be cached.
        root.execute("SET parquet_metadata_cache = true")
        # Every page read and warmer of this process shares this instance: one budget.
        root.execute(f"SET memory_limit = '{budgets.duckdb_memory_mb()}MiB'")
        return Generation(reading, newest, root)

    def generation(self, snapshot_id: int | None = None) -> Generation:
        """The current instance, replaced when it cannot read ``snapshot_id`` or is full."""
        with self._lock:
            current = self._current
            if (
                current is None
                or not current.holds(snapshot_id)
                or (snapshot_id not in current.attached and len(current.attached) >= MAX_ATTACHED)
                or current.copy_deleted()
            ):
                # A new instance rather than detaching: a query still running on a cursor
                # of the old one keeps it alive and finishes.
                current = self._current = self._fresh()
            elif self.copies and time.monotonic() - current.touched > 60:
                CatalogCopies.touch(current.config)
                current.touched = time.monotonic()
            return current

    def cursor(
        self, snapshot_id: int | None = None, *, at_least: int | None = None
    ) -> duckdb.DuckDBPyConnection:
        """A new cursor with ``s<snapshot_id>`` attached, on an instance that reads at least
        up to ``at_least`` (or ``snapshot_id``)."""
        current = self.generation(max(x for x in (snapshot_id, at_least, -1) if x is not None))
        with self._lock:
            if snapshot_id is not None and snapshot_id not in current.attached:
                lake.attach(
                    current.root,
                    current.config,
                    alias=alias(snapshot_id),
                    read_only=True,
                    snapshot_id=snapshot_id,
                )
                current.attached.add(snapshot_id)
            return current.root.cursor()

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.root.close()
            self._current = None


def alias(snapshot_id: int) -> str:
    """The name snapshot ``snapshot_id`` is attached under (what ``{db}`` stands for)."""
    return f"s{int(snapshot_id)}"


@cache
def code_key(function: Callable[..., Any]) -> str:
    """Names a function and its source in cache keys: results are kept with no expiry, so,
    as a :meth:`SnapshotReader.frame` key holds its SQL text, an edited function never reads
    what the old one cached."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):  # no source to read: the version in the identity still counts
        source = ""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    return f"{function.__module__}.{function.__qualname__}:{digest}"


class SnapshotReader:
    """Cached reads pinned to snapshots: the mechanics under the dashboard's page queries.

    One per app; safe to share between threads. :meth:`frame` runs SQL naming the snapshot's
    database as ``{db}``; :meth:`read` runs a warehouse read function there instead, so a
    page asks the warehouse for what it already knows how to read.
    """

    def __init__(
        self,
        config: WarehouseConfig,
        cache: BaseCache | None = None,
        *,
        warm_in_background: bool = True,
        copy_catalog: bool = True,
    ) -> None:
        self.config = config
        self.cache = cache if cache is not None else NullCache()
        copies = None
        if config.catalog_type == "sqlite" and copy_catalog:
            copies = CatalogCopies(config, copies_dir(config))
        self.databases = SnapshotDatabases(config, copies)
        self._latest: tuple[float, int] | None = None
        self._latest_lock = threading.Lock()
        self._identity: str | None = None
        self._warmed: set[int] = set()
        self._warm_in_background = warm_in_background
        #: Functions run for each new snapshot to fill the cache for the pages' default views.
        self.warmers = self.default_warmers()
        self.warming = Warming(self, lambda: self.warmers, cache_dir(config).parent, self.identity)

    def default_warmers(self) -> list[Callable[[Any, int], object]]:
        """What fills the cache for each new snapshot: the page queries (a subclass) know."""
        return []

    def catalog_for(self, snapshot_id: int) -> WarehouseConfig:
        """A configuration whose catalog holds ``snapshot_id`` (a private copy for SQLite)."""
        return self.databases.generation(snapshot_id).config

    def close(self) -> None:
        """Close this process's DuckDB instance and cache (a worker closes them before it exits)."""
        self.warming.closing.set()
        self.databases.close()
        close = getattr(self.cache, "close", None)
        if callable(close):
            close()

    def identity(self) -> str:
        """Names this warehouse in cache keys: its catalog and its creation time.

        A warehouse rebuilt at the same catalog restarts its snapshot ids at 0; its creation
        time (snapshot 0) differs, so a rebuilt warehouse never reads an old one's results.
        """
        if self._identity is None:
            with closing(self.databases.cursor()) as cursor:
                row = cursor.execute(
                    f"SELECT min(snapshot_time) FROM {lake.LAKE}.snapshots()"
                ).fetchone()
            self._identity = f"{self.config.catalog}|{row[0] if row else ''}|{_VERSION}"
        return self._identity

    def _key(self, *parts: object) -> str:
        text = json.dumps([self.identity(), *parts], default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def cached(self, key_parts: Sequence[object], compute: Callable[[], Any]) -> Any:
        """``compute()``'s result, from the cache when these key parts were seen before."""
        key = self._key(*key_parts)
        found = self.cache.get(key)
        if found is not None:
            return found
        value = compute()
        self.cache.set(key, value)
        return value

    def frame(self, snapshot_id: int, sql: str, params: Sequence[object] = ()) -> pl.DataFrame:
        """Run ``sql`` (``{db}`` names the snapshot's database) pinned to ``snapshot_id``, cached."""

        def compute() -> pl.DataFrame:
            with closing(self.databases.cursor(snapshot_id)) as cursor:
                return cursor.execute(sql.format(db=alias(snapshot_id)), list(params)).pl()

        return self.cached(("frame", int(snapshot_id), sql, list(params)), compute)

    def read(
        self,
        snapshot_id: int,
        function: Callable[..., T],
        *args: object,
        evidence_until: dt.date | None = None,
    ) -> T:
        """``function(cursor, *args, database=<the snapshot's alias>)``, pinned and cached.

        ``function`` is a warehouse read function (history, estimates) that takes the name of
        the database to read: the page reads through the warehouse's own query. With
        ``evidence_until``, the cursor's views show only evidence dated on or before it
        (:mod:`costboard.warehouse.evidence_time`; the cursor is the query's own).
        """

        def compute() -> T:
            with closing(self.databases.cursor(snapshot_id)) as cursor:
                if evidence_until is not None:
                    evidence_time.pin(cursor, evidence_until)
                return function(cursor, *args, database=alias(snapshot_id))

        until = evidence_until.isoformat() if evidence_until is not None else None
        key = ("read", code_key(function), int(snapshot_id), list(args), until)
        return self.cached(key, compute)

    def latest_id(self) -> int:
        """The newest snapshot id (trusted for :data:`LATEST_TTL_SECONDS`)."""
        with self._latest_lock:
            now = time.monotonic()
            if self._latest and now - self._latest[0] < LATEST_TTL_SECONDS:
                return self._latest[1]
            newest = self._read_latest()
            self._latest = (now, newest)
        if newest not in self._warmed:
            self._warmed.add(newest)
            self._warm(newest)
        return newest

    def _read_latest(self) -> int:
        if self.config.catalog_type == "sqlite":
            found = read_sqlite_latest(self.config.catalog.partition(":")[2])
            if found is not None:
                return found
        # Another catalog (or an unexpected SQLite layout): ask DuckDB, which knows it.
        with closing(self.databases.cursor()) as cursor:
            return history.latest_snapshot(cursor)

    def _warm(self, snapshot_id: int) -> None:
        if self._warm_in_background:
            self.warming.request(snapshot_id)

    def resolve(self, ref: str | int | None) -> int:
        """The snapshot id a REF names: an id, a tag, a date or timestamp, or latest (None)."""
        text = "" if ref is None else str(ref).strip()
        if text.lower() in ("", "latest", "head"):
            return self.latest_id()
        newest = self.latest_id()

        def compute() -> int:
            with closing(self.databases.cursor(at_least=newest)) as cursor:
                return history.resolve_ref(cursor, text)

        # A tag can move, so a name's meaning is cached per newest snapshot.
        return int(self.cached(("resolve", newest, text), compute))
