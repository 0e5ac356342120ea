"""Every read the dashboard makes, in one place, through one cache.

Knowledge time first: a snapshot never changes once committed, so whatever a query returned
for snapshot N is its answer for ever. Each query runs against the lake pinned to a concrete
snapshot id and its result is cached under (warehouse, snapshot id, query, parameters) in a
file-system cache under the warehouse's home that every worker process shares; pinned results
never go stale, so they are kept with no expiry.

Reading is kept off the writer's path (benchmarks/dashboard_reads.py measures it):

- One DuckDB instance per process, with the extensions loaded once (loading them costs
  ~0.4 s) and each snapshot attached read-only under its own alias (``s12``: ~7 ms to attach).
- With a SQLite catalog, DuckDB reads a private copy of it that no writer ever opens
  (:class:`CatalogCopies`): reading the live catalog stalls about a second now and then
  while a writer commits.
- The newest snapshot id, asked for on every page load, is read straight from the SQLite
  catalog's ``ducklake_snapshot`` table (the DuckLake catalog spec) with a plain read-only
  SQLite connection, which never waits on a committing writer; other catalogs ask DuckDB.
- When a new snapshot appears, the queries behind each page's default view are warmed in the
  background, so the first visitor after an ingest reads from the cache.

Queries name the snapshot's database as ``{db}``; callers pass parameters, never text, into
the SQL. Results are polars frames: callbacks ask for just what they draw, nothing here loads
a whole table into Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from flask_caching.backends import NullCache
from flask_caching.backends.base import BaseCache
from flask_caching.backends.filesystemcache import FileSystemCache

from costboard.warehouse import history, lake
from costboard.warehouse.config import WarehouseConfig

#: How long the newest snapshot id is trusted before asking the catalog again.
LATEST_TTL_SECONDS = 1.0
#: Snapshots attached in one DuckDB instance before it is replaced by a fresh one.
MAX_ATTACHED = 48
#: How many snapshots the selector lists (tagged snapshots are always listed).
SNAPSHOT_CHOICES = 500
#: The most rows a claims-grid page or a CSV export asks for.
MAX_EXPORT_ROWS = 100_000

try:
    _VERSION = version("costboard")
except PackageNotFoundError:  # running from a source tree that was never installed
    _VERSION = "dev"


def cache_dir(config: WarehouseConfig) -> Path:
    """The results cache's folder (FileSystemCache wants a folder of its own)."""
    return config.home / "cache" / "dashboard"


def copies_dir(config: WarehouseConfig) -> Path:
    """Where the private copies of a SQLite catalog live."""
    return config.home / "cache" / "catalogs"


def file_cache(config: WarehouseConfig) -> BaseCache:
    """The results cache shared by every worker: files under the warehouse's home, no expiry."""
    folder = cache_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemCache(str(folder), threshold=20_000, default_timeout=0)


def read_sqlite_latest(path: str) -> int | None:
    """The newest snapshot id in a DuckLake SQLite catalog (DuckLake's ``ducklake_snapshot``).

    A plain SQLite read in WAL mode: it never waits for, nor blocks, a committing writer.
    """
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            row = db.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and row[0] is not None else None


class CatalogCopies:
    """Private copies of a SQLite catalog, one per newest snapshot, for the readers to use.

    Measured (benchmarks/dashboard_reads.py): a DuckLake read through the SQLite catalog
    stalls about a second, now and then, while a writer commits, even in WAL mode, where a
    plain SQLite reader never waits. DuckDB's SQLite scanner opens the catalog anew on each
    transaction and sometimes lands on a moment the writer holds a lock it needs. So the
    dashboard reads a copy no writer ever opens: SQLite's backup API takes one in a few
    milliseconds (a consistent read of the catalog), and since a snapshot never changes, a
    copy holding snapshots up to N answers every query pinned at or before N exactly as the
    live catalog would. Copies live beside the results cache, shared by the workers.
    """

    KEEP = 3
    KEEP_SECONDS = 600

    def __init__(self, config: WarehouseConfig, folder: Path) -> None:
        self.source = config.catalog.partition(":")[2]
        self.config = config
        self.folder = folder

    def make(self) -> tuple[WarehouseConfig, int]:
        """A fresh copy: the configuration that reads it, and the newest snapshot it holds."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"copying-{os.getpid()}-{threading.get_ident()}.sqlite"
        with (
            closing(sqlite3.connect(f"file:{self.source}?mode=ro", uri=True, timeout=5)) as src,
            closing(sqlite3.connect(partial)) as copy,
        ):
            src.backup(copy)  # one step: a consistent read of the whole catalog
            newest = int(
                copy.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()[0]
            )
        final = self.folder / f"catalog-{newest}.sqlite"
        os.replace(partial, final)
        self._prune(newest)
        return replace(self.config, catalog=f"sqlite:{final}"), newest

    @staticmethod
    def touch(config: WarehouseConfig) -> None:
        """Mark a copy as in use, so that no worker prunes it from under this one."""
        with contextlib.suppress(OSError):
            os.utime(config.catalog.partition(":")[2])

    def _prune(self, newest: int) -> None:
        # Old copies go once they are neither among the newest few nor recently used: a
        # worker still reading one touches it (see SnapshotDatabases.generation).
        copies = sorted(
            self.folder.glob("catalog-*.sqlite"),
            key=lambda p: int(p.stem.removeprefix("catalog-")),
            reverse=True,
        )
        now = time.time()
        for old in copies[self.KEEP :]:
            if now - old.stat().st_mtime > self.KEEP_SECONDS:
                for path in (old, *old.parent.glob(old.name + "-*")):
                    path.unlink(missing_ok=True)


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
                current.root.execute(
                    lake.attach_sql(
                        current.config,
                        alias=alias(snapshot_id),
                        read_only=True,
                        snapshot_id=snapshot_id,
                    )
                )
                current.attached.add(snapshot_id)
            return current.root.cursor()

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.root.close()
            self._current = None


def alias(snapshot_id: int) -> str:
    return f"s{int(snapshot_id)}"


@dataclass(frozen=True)
class Window:
    """An event window: from the last close before ``start`` to the last close on or before ``end``."""

    start: dt.date
    end: dt.date


class Reader:
    """The dashboard's reads. One per app; safe to share between threads."""

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
        self.warmers: list[Callable[[Reader, int], object]] = [default_views]

    def catalog_for(self, snapshot_id: int) -> WarehouseConfig:
        """A configuration whose catalog holds ``snapshot_id`` (a private copy for SQLite)."""
        return self.databases.generation(snapshot_id).config

    def close(self) -> None:
        """Close this process's DuckDB instance (a worker closes it before it exits)."""
        self.databases.close()

    # ------------------------------------------------------------------ plumbing

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
        if isinstance(self.cache, FileSystemCache):
            # The folder is safe to delete while serving: FileSystemCache never recreates it.
            Path(self.cache._path).mkdir(parents=True, exist_ok=True)
        self.cache.set(key, value)
        return value

    def frame(self, snapshot_id: int, sql: str, params: Sequence[object] = ()) -> pl.DataFrame:
        """Run ``sql`` (``{db}`` names the snapshot's database) pinned to ``snapshot_id``, cached."""

        def compute() -> pl.DataFrame:
            with closing(self.databases.cursor(snapshot_id)) as cursor:
                return cursor.execute(sql.format(db=alias(snapshot_id)), list(params)).pl()

        return self.cached(("frame", int(snapshot_id), sql, list(params)), compute)

    # ------------------------------------------------------------- knowledge time

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
        def run() -> None:
            for warmer in self.warmers:
                # Warming is an optimisation: a query that fails here fails on the page too,
                # where it is reported.
                with contextlib.suppress(Exception):
                    warmer(self, snapshot_id)

        if self._warm_in_background:
            threading.Thread(target=run, name=f"warm-{snapshot_id}", daemon=True).start()

    def resolve(self, ref: str | int | None) -> int:
        """The snapshot id a REF names: an id, a tag, a date or timestamp, or latest (None)."""
        text = "" if ref is None else str(ref).strip()
        if text.lower() in ("", "latest", "head"):
            return self.latest_id()
        newest = self.latest_id()
        if text.isdigit():
            if int(text) > newest or int(text) not in self.snapshot_ids(newest):
                raise history.RefError(f"no snapshot {text}; the newest is {newest}")
            return int(text)

        def compute() -> int:
            with closing(self.databases.cursor(at_least=newest)) as cursor:
                return history.resolve_ref(cursor, text)

        # A tag can move, so a name's meaning is cached per newest snapshot, like the tags.
        return int(self.cached(("resolve", newest, text), compute))

    def snapshot_ids(self, latest: int) -> set[int]:
        frame = self.frame(latest, "SELECT snapshot_id FROM {db}.snapshots")
        return set(frame["snapshot_id"].to_list())

    def snapshot_choices(self, latest: int) -> pl.DataFrame:
        """The snapshots the selector offers, newest first: the recent ones and every tagged one."""
        return self.frame(
            latest,
            """
            WITH tagged AS (
                SELECT snapshot_id, string_agg(tag, ', ' ORDER BY tag) AS tags
                FROM {db}.tags GROUP BY snapshot_id
            )
            SELECT s.snapshot_id, s.snapshot_time, s.author, s.message, s.kind, t.tags
            FROM {db}.snapshots AS s LEFT JOIN tagged AS t USING (snapshot_id)
            QUALIFY row_number() OVER (ORDER BY s.snapshot_id DESC) <= ? OR t.tags IS NOT NULL
            ORDER BY s.snapshot_id DESC
            """,
            [SNAPSHOT_CHOICES],
        )

    def snapshot_log(self, latest: int, limit: int = SNAPSHOT_CHOICES) -> pl.DataFrame:
        """The history as of ``latest``, newest first, with row counts and tags."""
        return self.frame(
            latest,
            """
            WITH tagged AS (
                SELECT snapshot_id, string_agg(tag, ', ' ORDER BY tag) AS tags
                FROM {db}.tags GROUP BY snapshot_id
            )
            SELECT s.snapshot_id, s.snapshot_time, s.author, s.message, s.kind,
                   s.rows_added, s.rows_changed, s.rows_removed, s.changes_evidence, t.tags
            FROM {db}.snapshots AS s LEFT JOIN tagged AS t USING (snapshot_id)
            ORDER BY s.snapshot_id DESC
            LIMIT ?
            """,
            [limit],
        )

    def snapshot_changes(self, latest: int, snapshot_id: int) -> pl.DataFrame:
        return self.frame(
            latest,
            "SELECT table_name, added, changed, removed FROM {db}.snapshot_changes "
            "WHERE snapshot_id = ? ORDER BY table_name",
            [snapshot_id],
        )

    def tags(self, latest: int) -> pl.DataFrame:
        return self.frame(
            latest,
            "SELECT tag, snapshot_id, created_at, author, message FROM {db}.tags ORDER BY tag",
        )

    def diff(self, old: int, new: int) -> dict[str, pl.DataFrame]:
        """Rows added, removed and changed between two snapshots (see history.diff)."""

        def compute() -> dict[str, pl.DataFrame]:
            with closing(self.databases.cursor(at_least=max(old, new))) as cursor:
                return history.diff(cursor, old, new)

        return self.cached(("diff", int(old), int(new)), compute)

    def estimate_moves(self, old: int, new: int) -> pl.DataFrame:
        """How each estimate series moved: its newest value in ``old`` against ``new``.

        One row per (subject, estimator, metric, scope) present in either snapshot.
        """

        def side(snapshot_id: int) -> pl.DataFrame:
            return self.frame(
                snapshot_id,
                """
                SELECT subject, estimator, metric, scope, unit,
                       arg_max(value, as_of) AS value, arg_max(low, as_of) AS low,
                       arg_max(high, as_of) AS high, max(as_of) AS as_of,
                       arg_max(estimator_version, as_of) AS version
                FROM {db}.estimates
                GROUP BY subject, estimator, metric, scope, unit
                """,
            )

        keys = ["subject", "estimator", "metric", "scope", "unit"]
        before, after = side(old), side(new)
        moved = before.join(after, on=keys, how="full", coalesce=True, suffix="_new")
        return (
            moved.rename({"value": "old_value", "value_new": "new_value"})
            .with_columns(
                change=pl.when(pl.col("old_value").is_null())
                .then(pl.lit("added"))
                .when(pl.col("new_value").is_null())
                .then(pl.lit("removed"))
                .when(pl.col("old_value") != pl.col("new_value"))
                .then(pl.lit("changed"))
                .otherwise(pl.lit("same")),
                ratio=pl.col("new_value") / pl.col("old_value"),
            )
            .select(
                "change",
                *keys,
                "old_value",
                "new_value",
                "ratio",
                pl.col("as_of").alias("old_as_of"),
                pl.col("as_of_new").alias("new_as_of"),
                pl.col("version").alias("old_version"),
                pl.col("version_new").alias("new_version"),
            )
            .sort("change", "subject", "metric", "scope", "estimator")
        )

    # ----------------------------------------------------------------- evidence

    def subjects(self, snapshot_id: int) -> pl.DataFrame:
        """Every subject with how many claims and estimates it has at this snapshot."""
        return self.frame(
            snapshot_id,
            """
            WITH c AS (SELECT subject, count(*) AS n FROM {db}.claim_records GROUP BY subject),
                 e AS (SELECT subject, count(*) AS n FROM {db}.estimates GROUP BY subject)
            SELECT s.subject, s.name, s.kind, s.developer, s.members,
                   coalesce(c.n, 0) AS claims, coalesce(e.n, 0) AS estimates
            FROM {db}.subjects AS s
            LEFT JOIN c USING (subject) LEFT JOIN e USING (subject)
            ORDER BY coalesce(e.n, 0) = 0, s.kind, s.subject
            """,
        )

    def estimators(self, snapshot_id: int) -> list[str]:
        """Every estimator with estimates at this snapshot (fixes each one's colour)."""
        frame = self.frame(
            snapshot_id, "SELECT DISTINCT estimator FROM {db}.estimates ORDER BY estimator"
        )
        return frame["estimator"].to_list()

    def estimates(self, snapshot_id: int, subjects: Sequence[str]) -> pl.DataFrame:
        return self.frame(
            snapshot_id,
            """
            SELECT subject, metric, scope, unit, estimator, estimator_version, as_of,
                   value, low, high, inputs, note
            FROM {db}.estimates
            WHERE list_contains(?::VARCHAR[], subject)
            ORDER BY subject, metric, scope, estimator, as_of
            """,
            [list(subjects)],
        )

    def comparable_claims(self, snapshot_id: int, subjects: Sequence[str]) -> pl.DataFrame:
        """The subjects' claims that some estimator also answers (same metric and scope)."""
        return self.frame(
            snapshot_id,
            """
            SELECT c.claim_id, c.subject, c.metric, c.scope, c.qualifier, c.value, c.low,
                   c.high, c.unit, c.value_as_written, c.unit_as_written, c.claimant,
                   c.stated_on, c.quote, c.source_url, c.source_title
            FROM {db}.claims AS c
            WHERE list_contains(?::VARCHAR[], c.subject)
              AND (c.subject, c.metric, c.scope) IN
                  (SELECT DISTINCT subject, metric, scope FROM {db}.estimates)
            ORDER BY c.stated_on, c.claim_id
            """,
            [list(subjects)],
        )

    def reconciliation(self, snapshot_id: int, subjects: Sequence[str]) -> pl.DataFrame:
        return self.frame(
            snapshot_id,
            """
            SELECT r.claim_id, r.subject, r.metric, r.scope, r.qualifier, r.claimant,
                   r.stated_on, r.estimator, r.estimator_version, r.claim_value, r.value,
                   r.low, r.high, r.unit, r.ratio, r.inside_range
            FROM {db}.reconciliation AS r
            WHERE list_contains(?::VARCHAR[], r.subject)
            ORDER BY r.subject, r.metric, r.scope, r.stated_on, r.claim_id, r.estimator
            """,
            [list(subjects)],
        )

    # ------------------------------------------------------------------ market

    def tickers(self, snapshot_id: int) -> pl.DataFrame:
        """Tickers with prices, with their subject names and first and last dates."""
        return self.frame(
            snapshot_id,
            """
            SELECT p.ticker, any_value(s.name) AS name, min(p.date) AS first_date,
                   max(p.date) AS last_date, count(*) AS days
            FROM {db}.prices AS p LEFT JOIN {db}.subjects AS s ON s.subject = p.ticker
            GROUP BY p.ticker ORDER BY p.ticker
            """,
        )

    def groups(self, snapshot_id: int) -> pl.DataFrame:
        """Group subjects (e.g. nvidia-broadcom) and their member tickers."""
        return self.frame(
            snapshot_id,
            "SELECT subject, name, members FROM {db}.subjects "
            "WHERE kind = 'group' AND len(members) > 0 ORDER BY subject",
        )

    def market_series(
        self, snapshot_id: int, tickers: Sequence[str], start: dt.date, end: dt.date
    ) -> pl.DataFrame:
        """Daily close and market cap for ``tickers`` between two dates."""
        return self.frame(
            snapshot_id,
            """
            SELECT ticker, date, close, adjusted, shares_outstanding, market_cap
            FROM {db}.market_caps
            WHERE list_contains(?::VARCHAR[], ticker) AND date BETWEEN ? AND ?
            ORDER BY ticker, date
            """,
            [list(tickers), start, end],
        )

    def claim_events(self, snapshot_id: int, start: dt.date, end: dt.date) -> pl.DataFrame:
        """One row per date with claims between two dates: how many, and who said what."""
        return self.frame(
            snapshot_id,
            """
            SELECT stated_on, count(*) AS claims,
                   string_agg(claimant || ': ' || subject || ' ' || metric, '<br>'
                              ORDER BY claimant, subject, metric) AS what
            FROM {db}.claims
            WHERE stated_on BETWEEN ? AND ?
            GROUP BY stated_on ORDER BY stated_on
            """,
            [start, end],
        )

    def window_moves(
        self, snapshot_id: int, tickers: Sequence[str], window: Window
    ) -> pl.DataFrame:
        """Per ticker: the close before the window, the close at its end, and the moves.

        market_cap_change = (end close - base close) x shares outstanding at the base date,
        the same close-to-close definition the market-cap estimator uses.
        """
        return self.frame(
            snapshot_id,
            """
            WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS ticker),
            base AS (
                SELECT ticker, max(date) AS base_date, arg_max(close, date) AS base_close,
                       arg_max(shares_outstanding, date) AS shares,
                       arg_max(shares_claim_id, date) AS shares_claim_id
                FROM {db}.market_caps
                WHERE date < ? AND ticker IN (SELECT ticker FROM wanted)
                GROUP BY ticker
            ),
            final AS (
                SELECT ticker, max(date) AS end_date, arg_max(close, date) AS end_close
                FROM {db}.market_caps
                WHERE date <= ? AND date >= ? AND ticker IN (SELECT ticker FROM wanted)
                GROUP BY ticker
            )
            SELECT ticker, base_date, base_close, end_date, end_close,
                   end_close / base_close - 1 AS price_change,
                   (end_close - base_close) * shares AS market_cap_change,
                   shares, shares_claim_id
            FROM base JOIN final USING (ticker)
            ORDER BY ticker
            """,
            [list(tickers), window.start, window.end, window.start],
        )

    def window_claims(
        self, snapshot_id: int, subjects: Sequence[str], window: Window
    ) -> pl.DataFrame:
        """Claims about moves of these subjects, stated during the window or the day after.

        Reports of a day's close often carry the next day's date (CNBC's $595B is dated 28 Jan).
        """
        return self.frame(
            snapshot_id,
            """
            SELECT claim_id, subject, metric, scope, value, low, high, unit, claimant,
                   stated_on, quote, source_url, source_title
            FROM {db}.claims
            WHERE list_contains(?::VARCHAR[], subject)
              AND metric IN ('market_cap_change', 'price_change')
              AND stated_on BETWEEN ? AND ? + INTERVAL 1 DAY
            ORDER BY subject, metric, stated_on, claim_id
            """,
            [list(subjects), window.start, window.end],
        )

    # ------------------------------------------------------------------ claims

    def claims_page(
        self,
        snapshot_id: int,
        *,
        where: str,
        params: Sequence[object],
        order_by: str,
        offset: int,
        limit: int,
    ) -> tuple[pl.DataFrame, int]:
        """One page of the claims grid and the number of rows matching the filter.

        ``where`` and ``order_by`` come from :mod:`costboard.dashboard.grid_sql`, which
        builds them from column names it knows and passes every value as a parameter.
        """
        rows = self.frame(
            snapshot_id,
            f"SELECT * FROM {{db}}.claims WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
            [*params, min(limit, MAX_EXPORT_ROWS), offset],
        )
        total = self.frame(
            snapshot_id, f"SELECT count(*) AS n FROM {{db}}.claims WHERE {where}", list(params)
        )
        return rows, int(total["n"][0])

    def claim_versions(self, snapshot_id: int, claim_id: str) -> pl.DataFrame:
        """Every version of one claim up to this snapshot, from DuckLake's change feed.

        One row per version: the snapshot that wrote it and the one that replaced it (null
        while it is current). An ingest replaces a changed claim by a delete and an insert.
        """
        db = alias(snapshot_id)
        return self.frame(
            snapshot_id,
            f"""
            WITH changes AS (
                SELECT * FROM ducklake_table_changes('{db}', 'main', 'claim_records', 0, ?)
                WHERE claim_id = ?
            ),
            ends AS (
                SELECT snapshot_id FROM changes
                WHERE change_type IN ('delete', 'update_preimage')
            )
            SELECT v.snapshot_id AS from_snapshot,
                   (SELECT min(e.snapshot_id) FROM ends AS e WHERE e.snapshot_id > v.snapshot_id)
                       AS until_snapshot,
                   s.snapshot_time, s.author, s.message,
                   v.value, v.low, v.high, v.unit, v.value_as_written, v.unit_as_written,
                   v.claimant, v.stated_on, v.source_url, v.quote, v.note
            FROM changes AS v LEFT JOIN {{db}}.snapshots AS s USING (snapshot_id)
            WHERE v.change_type IN ('insert', 'update_postimage')
            ORDER BY v.snapshot_id
            """,
            [snapshot_id, claim_id],
        )


def default_views(reader: Reader, snapshot_id: int) -> None:
    """Fill the cache with what each page shows first for a new snapshot."""
    reader.snapshot_choices(snapshot_id)
    reader.snapshot_log(snapshot_id)
    subjects = reader.subjects(snapshot_id)
    reader.estimators(snapshot_id)
    if not subjects.is_empty():
        first = default_subjects(subjects)
        reader.estimates(snapshot_id, first)
        reader.comparable_claims(snapshot_id, first)
        reader.reconciliation(snapshot_id, first)
    reader.tickers(snapshot_id)
    reader.groups(snapshot_id)


def default_subjects(subjects: pl.DataFrame) -> list[str]:
    """What the overview shows when the URL names no subject.

    deepseek-v3 (the story costboard starts from) when it is there, else the first subject
    with estimates; and the company that developed it: the model's final-run lines and its
    developer's fleet lines, side by side. Before any estimates exist, the same choice among
    all subjects, so the page says "no estimates yet" about the subject people expect.
    """
    if subjects.is_empty():
        return []
    with_estimates = subjects.filter(pl.col("estimates") > 0)
    candidates = with_estimates if not with_estimates.is_empty() else subjects
    preferred = candidates.filter(pl.col("subject") == "deepseek-v3")
    first = (preferred if not preferred.is_empty() else candidates).row(0, named=True)
    chosen = [first["subject"]]
    if first["developer"]:
        company = candidates.filter(
            (pl.col("kind") == "company")
            & (pl.col("name").str.to_lowercase() == first["developer"].lower())
        )
        chosen += company["subject"].to_list()
    return chosen
