"""The one writer: a cross-process lock, one DuckLake transaction per write, retry on conflict.

Every write goes through :func:`write`. It takes the warehouse's file lock (so two costboard
processes never race), opens a read-write attach, runs the caller's function inside one
transaction, and commits with an author, a message and the row counts as extra info (the
``snapshots`` view reads them back). A function that finds nothing to write returns ``None``
and the transaction is rolled back: no snapshot is made.

Catalog conflicts (another client committed first) are retried with exponential backoff.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import filelock
import tenacity

from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import InputError

#: How long a writer waits for another writer before giving up.
LOCK_TIMEOUT_SECONDS = 600.0


class WriterBusy(RuntimeError):
    pass


@dataclass
class TableChanges:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


@dataclass
class WriteResult:
    """What one write did: the snapshot it made (None when nothing changed) and its counts."""

    snapshot_id: int | None
    changes: dict[str, TableChanges] = field(default_factory=dict)
    kind: str = "ingest"
    #: Input rows an ingest's importers reported and left out (file, line, column, why).
    skipped: list[InputError] = field(default_factory=list)

    @property
    def wrote(self) -> bool:
        return self.snapshot_id is not None

    def extra_info(self, evidence_tables: frozenset[str], write_id: str) -> str:
        counted = {name: c for name, c in self.changes.items() if c.total}
        return json.dumps(
            {
                "costboard": 1,
                "write_id": write_id,
                "kind": self.kind,
                "evidence": any(name in evidence_tables for name in counted),
                "rows_added": sum(c.added for c in counted.values()),
                "rows_changed": sum(c.changed for c in counted.values()),
                "rows_removed": sum(c.removed for c in counted.values()),
                "changes": {name: vars(c) for name, c in counted.items()},
            },
            sort_keys=True,
        )


#: Tables whose changes are new evidence (estimates are keyed to the latest such snapshot).
EVIDENCE_TABLES = frozenset({"subjects", "sources", "claims", "prices"})

WriteBody = Callable[[duckdb.DuckDBPyConnection], dict[str, TableChanges] | None]


def default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


def _is_conflict(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, duckdb.Error) and (
        "conflict" in text
        or "busy" in text
        or "locked" in text
        # DuckLake retries a commit that lost a race itself, then gives up with this. On a
        # PostgreSQL catalog the race shows only as a duplicate snapshot id (another
        # machine's commit took it), with no word "conflict" anywhere in the error.
        or "maximum retry count" in text
    )


@contextlib.contextmanager
def write_lock(
    config: WarehouseConfig, lock_timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[None]:
    """Hold the cross-process write lock (``<home>/write.lock``) for the block.

    Raises :class:`WriterBusy` when another writer holds it for ``lock_timeout`` seconds.
    """
    config.home.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(config.lock_path))
    try:
        lock.acquire(timeout=lock_timeout)
    except filelock.Timeout as error:
        raise WriterBusy(
            f"another costboard writer has held {config.lock_path} for {lock_timeout:.0f} s"
        ) from error
    try:
        yield
    finally:
        lock.release()


def write(
    config: WarehouseConfig,
    body: WriteBody,
    *,
    message: str,
    author: str | None = None,
    kind: str = "ingest",
    dry_run: bool = False,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> WriteResult:
    """Run ``body`` in one transaction under the write lock; commit one snapshot if it changed anything.

    With ``dry_run`` the body runs and reports its counts, and the transaction is rolled back.
    """
    if not message or not message.strip():
        raise ValueError("every write needs a commit message (-m)")
    author = author or default_author()
    with write_lock(config, lock_timeout):
        return _write_with_retry(
            config, body, message=message, author=author, kind=kind, dry_run=dry_run
        )


@tenacity.retry(
    retry=tenacity.retry_if_exception(_is_conflict),
    wait=tenacity.wait_exponential_jitter(multiplier=0.05, max=2.0),
    stop=tenacity.stop_after_attempt(8),
    reraise=True,
)
def _write_with_retry(
    config: WarehouseConfig, body: WriteBody, *, message: str, author: str, kind: str, dry_run: bool
) -> WriteResult:
    connection = lake.connect(config, read_only=False)
    try:
        connection.execute("BEGIN TRANSACTION")
        changes = body(connection)
        if dry_run or changes is None or not any(c.total for c in changes.values()):
            connection.execute("ROLLBACK")
            return WriteResult(snapshot_id=None, changes=changes or {}, kind=kind)
        result = WriteResult(snapshot_id=None, changes=changes, kind=kind)
        # A fresh id in the extra info finds this commit's snapshot id after the commit,
        # even if a client outside costboard committed in between.
        extra_info = result.extra_info(EVIDENCE_TABLES, write_id=uuid.uuid4().hex)
        connection.execute(
            f"CALL {lake.LAKE}.set_commit_message(?, ?, extra_info => ?)",
            [author, message, extra_info],
        )
        connection.execute("COMMIT")
        row = connection.execute(
            f"SELECT max(snapshot_id) FROM {lake.LAKE}.snapshots() WHERE commit_extra_info = ?",
            [extra_info],
        ).fetchone()
        result.snapshot_id = int(row[0]) if row and row[0] is not None else None
        return result
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
