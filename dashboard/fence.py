"""The read-only SQL fence behind the SQL page and ``GET /api/sql``.

Layers, outermost first (design.md, "SQL"):

1. The warehouse's read-only check (:mod:`costboard.warehouse.readonly_sql`, which
   ``costboard sql`` uses too): exactly one statement, of type SELECT or EXPLAIN by DuckDB's
   own parser, calling no function that writes. Here its answers become HTTP ones: a refusal is
   403, text DuckDB cannot parse is 400.
2. A connection of its own for each query, the lake attached READ_ONLY and pinned to the
   snapshot (through the dashboard's private copy of a SQLite catalog, see snapshots.py), and
   to an evidence date when asked (the ``evidence_until`` variable the views filter on); then
   file access limited to the data path and the catalog file, external access off, memory
   capped and the configuration locked. ``lock_configuration`` does not stop ``SET
   VARIABLE`` (measured on DuckDB 1.5.5): the allow-list of layer 1 is what keeps a query
   from changing its evidence date, since ``SET`` and ``RESET`` are statements of their own.
3. A time limit (``interrupt()`` from a timer) and a row cap that says when it cut.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from costboard.dashboard import budgets
from costboard.warehouse import evidence_time, extensions, lake, object_store, readonly_sql
from costboard.warehouse.config import WarehouseConfig

# The check's names stay importable from here (the fence's tests read them here).
from costboard.warehouse.readonly_sql import (  # noqa: F401
    ALLOWED_STATEMENTS,
    DUCKLAKE_READERS,
)
from costboard.warehouse.readonly_sql import (  # noqa: F401
    function_names as _function_names,
)
from costboard.warehouse.readonly_sql import (  # noqa: F401
    walk_function_names as _walk_function_names,
)


@dataclass(frozen=True)
class Limits:
    """What one fenced query may use."""

    time_limit_seconds: float = 10.0
    row_cap: int = 10_000
    memory_limit: str = "1GB"
    threads: int = 2
    #: The result's size as compact JSON (COSTBOARD_SQL_MAX_BYTES; budgets.py): the rows are
    #: measured while they are fetched, so a worker never holds much more than this.
    max_bytes: int = field(default_factory=budgets.sql_max_bytes)

    def describe(self) -> str:
        return (
            f"one SELECT or EXPLAIN; read-only; stops after {self.time_limit_seconds:g} s; "
            f"at most {self.row_cap:,} rows and {_megabytes(self.max_bytes)} of results; "
            f"{self.memory_limit} of memory; no files or network beyond the warehouse"
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 100_000 else f"{size:,} bytes"


class QueryError(Exception):
    """A query the fence would not run (:class:`Refused`) or DuckDB could not (:class:`Failed`)."""

    status = 400


class Refused(QueryError):
    status = 403


class Failed(QueryError):
    pass


class TimedOut(Failed):
    pass


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: float
    snapshot_id: int
    limits: dict[str, Any] = field(default_factory=dict)
    #: What cut the result when it was cut: "rows" (the row cap) or "bytes" (the byte cap).
    truncated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON API's body (``GET /api/sql``)."""
        return {
            "columns": self.columns,
            "types": self.types,
            "rows": self.rows,
            "truncated": self.truncated,
            "truncated_by": self.truncated_by,
            "elapsed_ms": self.elapsed_ms,
            "snapshot_id": self.snapshot_id,
            "limits": self.limits,
        }


def check(sql: str) -> str:
    """The statement's type (SELECT or EXPLAIN); raises :class:`Refused` for anything else."""
    with _as_query_errors():
        return readonly_sql.check(sql)


def refused_function(select: str) -> str | None:
    """Why ``select`` (one SELECT) may not run because of a function it calls, or None."""
    with _as_query_errors():
        return readonly_sql.refused_function(select)


@contextmanager
def _as_query_errors() -> Iterator[None]:
    # The warehouse says what is wrong with the SQL; the fence says which HTTP status it gets.
    try:
        yield
    except readonly_sql.NotReadOnly as error:
        raise Refused(str(error)) from None
    except readonly_sql.Unparsable as error:
        raise Failed(str(error)) from None


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join(extensions.sql_string(item) for item in items) + "]"


class _Spares:
    """One connection per warehouse with the extensions already loaded, made ahead of need.

    Loading DuckLake and the catalog's scanner takes ~0.4 s, most of a console query's time;
    a spare made in the background after each query takes that off the next one. A spare
    holds nothing but the loaded extensions until a query takes it and attaches the lake.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Keyed by catalog type: a spare holds only the extensions that type needs.
        self._ready: dict[str, duckdb.DuckDBPyConnection] = {}

    def _make(self, config: WarehouseConfig) -> duckdb.DuckDBPyConnection:
        connection = extensions.connect_offline()
        lake.load_extensions(connection, config)
        return connection

    def _refill(self, config: WarehouseConfig) -> None:
        made = self._make(config)
        with self._lock:
            spare = self._ready.setdefault(config.catalog_type, made)
        if spare is not made:
            made.close()

    def take(self, config: WarehouseConfig) -> duckdb.DuckDBPyConnection:
        with self._lock:
            spare = self._ready.pop(config.catalog_type, None)
        return spare if spare is not None else self._make(config)

    def close(self) -> None:
        with self._lock:
            spares, self._ready = list(self._ready.values()), {}
        for spare in spares:
            spare.close()

    def refill_later(self, config: WarehouseConfig) -> None:
        # After the query, not during it: loading holds the GIL long enough to slow it down.
        threading.Thread(target=self._refill, args=(config,), daemon=True).start()


_spares = _Spares()


def close_spares() -> None:
    """Close the connections made ahead of need (a worker closes them before it exits)."""
    _spares.close()


def fenced_connection(
    config: WarehouseConfig,
    snapshot_id: int,
    limits: Limits,
    evidence_until: dt.date | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection of its own: the lake READ_ONLY at the snapshot (and its views at the
    evidence date, when given), then everything locked."""
    connection = _spares.take(config)
    try:
        lake.attach(connection, config, read_only=True, snapshot_id=snapshot_id)
        connection.execute(f"USE {lake.LAKE}")
        evidence_time.pin(connection, evidence_until)
        # The data path, local or on object storage (with its trailing slash: a bare
        # s3://bucket/lake would also allow s3://bucket/lake-other/); no other URL.
        directories = [object_store.allowed_prefix(config.data_path)]
        paths: list[str] = []
        if config.catalog_type == "sqlite":
            catalog = str(Path(config.catalog.partition(":")[2]))
            paths = [catalog, catalog + "-wal", catalog + "-shm"]
        connection.execute(f"SET allowed_directories = {_sql_list(directories)}")
        connection.execute(f"SET allowed_paths = {_sql_list(paths)}")
        connection.execute("SET enable_external_access = false")
        connection.execute(f"SET memory_limit = '{limits.memory_limit}'")
        connection.execute(f"SET threads = {int(limits.threads)}")
        # DuckDB runs ahead of the fetching into a buffer it measures without its strings
        # (DuckDB 1.5.5, measured: the default 976 KiB held 2.4 GB of 40 kB rows); the
        # smallest buffer still holds one chunk of 2,048 rows, which is all a fetch needs.
        connection.execute("SET streaming_buffer_size = '16kB'")
        connection.execute("SET lock_configuration = true")
    except BaseException:
        connection.close()
        raise
    return connection


def run(
    config: WarehouseConfig,
    sql: str,
    snapshot_id: int,
    limits: Limits | None = None,
    evidence_until: dt.date | None = None,
) -> QueryResult:
    """Run one read-only query pinned to ``snapshot_id`` inside the fence; with
    ``evidence_until``, the views show only evidence dated on or before it."""
    limits = limits or Limits()
    check(sql)
    started = time.perf_counter()
    with closing(fenced_connection(config, snapshot_id, limits, evidence_until)) as connection:
        timer = threading.Timer(limits.time_limit_seconds, connection.interrupt)
        timer.start()
        try:
            result = connection.execute(sql)
            columns = [d[0] for d in result.description or []]
            types = [str(d[1]) for d in result.description or []]
            rows, truncated_by = fetch_within(result, limits)
        except duckdb.InterruptException:
            raise TimedOut(
                f"the query ran longer than {limits.time_limit_seconds:g} s and was stopped"
            ) from None
        except duckdb.Error as error:
            raise Failed(str(error)) from None
        finally:
            timer.cancel()
            _spares.refill_later(config)
    return QueryResult(
        columns=columns,
        types=types,
        rows=rows,
        truncated=truncated_by is not None,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        snapshot_id=snapshot_id,
        limits=asdict(limits),
        truncated_by=truncated_by,
    )


#: Rows asked of DuckDB at a time, at most; fewer when the rows seen so far say that this
#: many would overshoot the byte cap.
FETCH_ROWS = 256


def fetch_within(
    result: duckdb.DuckDBPyConnection, limits: Limits
) -> tuple[list[list[Any]], str | None]:
    """The result's rows as JSON values, stopping at the row cap or the byte cap, and what
    cut it ("rows", "bytes") or None.

    Rows are fetched a few at a time and measured as compact JSON (what ``/api/sql`` sends)
    as they come, so what is held never grows much past the cap: a 400 MB result took a
    worker from 250 MB to 1.42 GB when its 10,000 rows were fetched at once.
    """
    rows: list[list[Any]] = []
    size = 2  # the list's brackets
    while True:
        # One row first, to learn how wide they are; then enough rows as wide as those seen
        # so far to reach the cap, and one more.
        want = 1
        if rows:
            average = max(1, size // len(rows))
            want = min(FETCH_ROWS, max(1, (limits.max_bytes - size) // average + 1))
        want = min(want, limits.row_cap + 1 - len(rows))
        chunk = result.fetchmany(want)
        if not chunk:
            return rows, None
        for raw in chunk:
            if len(rows) == limits.row_cap:
                return rows, "rows"
            row = [jsonable(value) for value in raw]
            size += len(json.dumps(row, separators=(",", ":"), default=str)) + 1  # its comma
            if size > limits.max_bytes:
                return rows, "bytes"
            rows.append(row)


def jsonable(value: Any) -> Any:
    """A DuckDB value as JSON can carry it (dates as ISO text, decimals as numbers)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return str(value)
