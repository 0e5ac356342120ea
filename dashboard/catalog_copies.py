"""The dashboard's private copies of a SQLite catalog, and the newest snapshot id read from one.

Moved out of snapshots.py (which imports both back): see :class:`CatalogCopies` for why.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from costboard.warehouse.config import WarehouseConfig


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
