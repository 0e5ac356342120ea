"""The dashboard's results cache: on disk, shared by the workers, bounded, least recently used first.

A result pinned to a snapshot never goes stale, so nothing here expires; what bounds the cache
is its size. It is a ``diskcache.Cache`` (SQLite index and value files in one folder, safe for
many processes and threads at once) with the ``least-recently-used`` eviction policy: reading
an entry marks it used, and after every write the entries used longest ago go until the cache
is under its limit again (``COSTBOARD_CACHE_MAX_MB``, budgets.py). No entry larger than a
tenth of the limit is kept: one huge result would otherwise push out everything else, and
computing it again costs no more than the first time.

It speaks flask-caching's ``BaseCache`` (``get``, ``set``...), like the in-memory caches the
tests hand the app. Values are pickled here, so their size is known before they are written.
"""

from __future__ import annotations

import contextlib
import pickle
import threading
from pathlib import Path
from typing import Any

import diskcache
from flask_caching.backends.base import BaseCache

#: An entry may take at most this share of the cache's limit.
ENTRY_SHARE = 10
#: Seconds a worker waits for another's write to the index before it gives up: a read that
#: waits longer counts as a miss, a write is skipped (the result is computed and served).
TIMEOUT_SECONDS = 2.0
#: SQLite's write-ahead log is checkpointed once it holds this much and cut back to it after
#: (it holds only the index: values over 32 kB are files of their own). Measured: with
#: SQLite's default of 1,000 pages the log reached 4.1 MB beside a 4 MB cache.
JOURNAL_BYTES = 256 << 10
#: Kept aside inside the limit for the log and SQLite's shared-memory file, which diskcache
#: does not count.
RESERVE_BYTES = 4 * JOURNAL_BYTES


class ResultsCache(BaseCache):
    """Pickled results in ``folder``, at most ``max_bytes`` on disk all told."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        super().__init__(default_timeout=0)
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // ENTRY_SHARE
        self._lock = threading.Lock()
        self._cache = self._open()

    def _open(self) -> diskcache.Cache:
        self.folder.mkdir(parents=True, exist_ok=True)
        return diskcache.Cache(
            str(self.folder),
            size_limit=max(self.max_bytes - RESERVE_BYTES, self.max_bytes // 2),
            eviction_policy="least-recently-used",
            # Evicted after each write by cull(), which goes on until the cache is under its
            # limit (diskcache's own cull at a write removes at most cull_limit entries).
            cull_limit=0,
            timeout=TIMEOUT_SECONDS,
            sqlite_journal_size_limit=JOURNAL_BYTES,
            sqlite_wal_autocheckpoint=JOURNAL_BYTES // 4096,  # pages
        )

    def _current(self) -> diskcache.Cache:
        # <home>/cache/ may be deleted while serving: an index that is gone is opened anew
        # rather than written to, unlinked, for ever.
        with self._lock:
            if not (self.folder / "cache.db").exists():
                self._cache.close()
                self._cache = self._open()
            return self._cache

    def get(self, key: str) -> Any:
        try:
            blob = self._current().get(key)
        except diskcache.Timeout:
            return None
        if blob is None:
            return None
        try:
            return pickle.loads(blob)
        except Exception:  # written by another version of a class: computed again
            return None

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(blob) > self.max_entry_bytes:
            return False
        cache = self._current()
        try:
            cache.set(key, blob)
            cache.cull()
        except diskcache.Timeout:
            return False
        return True

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return False if self.has(key) else self.set(key, value)

    def has(self, key: str) -> bool:
        try:
            return key in self._current()
        except diskcache.Timeout:
            return False

    def delete(self, key: str) -> bool:
        try:
            return bool(self._current().delete(key))
        except diskcache.Timeout:
            return False

    def clear(self) -> bool:
        try:
            self._current().clear()
        except diskcache.Timeout:
            return False
        return True

    def volume(self) -> int:
        """Bytes on disk as diskcache counts them (the index and the values)."""
        return int(self._current().volume())

    def close(self) -> None:
        with self._lock, contextlib.suppress(Exception):
            self._cache.close()
