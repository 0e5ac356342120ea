"""The read-only SQL fence behind the SQL page and ``GET /api/sql``.

Layers, outermost first (design.md, "SQL"):

1. DuckDB's own parser: exactly one statement, of type SELECT or EXPLAIN. DuckDB's settings
   are a second layer, not a sandbox (DETACH, CALL and temp tables pass them), which is why
   this allow-list comes first.
2. DuckDB's parser again, on the statement's syntax tree: no function that writes. DuckLake's
   maintenance functions are table functions a SELECT can call, and on a read-only attach
   ``ducklake_cleanup_old_files`` still deletes files before failing to update the catalog
   (found while building this fence); ``query()`` would hide a statement inside a string.
3. A connection of its own for each query, the lake attached READ_ONLY and pinned to the
   snapshot (through the dashboard's private copy of a SQLite catalog, see data.py); then
   file access limited to the data path and the catalog file, external access off, memory
   capped and the configuration locked.
4. A time limit (``interrupt()`` from a timer) and a row cap that says when it cut.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from costboard.warehouse import extensions, lake
from costboard.warehouse.config import WarehouseConfig

ALLOWED_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})

#: DuckLake functions that write files or the catalog (a SELECT can call them), and the
#: functions that run SQL given as a string, which no parser can see into.
WRITING_FUNCTIONS = frozenset(
    {
        "ducklake_add_data_files",
        "ducklake_cleanup_old_files",
        "ducklake_commit",
        "ducklake_delete_orphaned_files",
        "ducklake_expire_snapshots",
        "ducklake_flush_inlined_data",
        "ducklake_merge_adjacent_files",
        "ducklake_rewrite_data_files",
        "ducklake_set_commit_message",
        "ducklake_set_option",
        "checkpoint",
        "force_checkpoint",
        "query",
        "query_table",
    }
)
#: DuckLake's reading functions; any other ``ducklake_*`` name (a future writer) is refused.
DUCKLAKE_READERS = frozenset(
    {
        "ducklake_current_snapshot",
        "ducklake_last_committed_snapshot",
        "ducklake_list_files",
        "ducklake_options",
        "ducklake_scan",
        "ducklake_settings",
        "ducklake_snapshots",
        "ducklake_table_changes",
        "ducklake_table_deletions",
        "ducklake_table_info",
        "ducklake_table_insertions",
    }
)

_EXPLAIN = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN(?:\s+ANALYZE)?\b", re.I | re.S)


@dataclass(frozen=True)
class Limits:
    """What one fenced query may use."""

    time_limit_seconds: float = 10.0
    row_cap: int = 10_000
    memory_limit: str = "1GB"
    threads: int = 2

    def describe(self) -> str:
        return (
            f"one SELECT or EXPLAIN; read-only; stops after {self.time_limit_seconds:g} s; "
            f"at most {self.row_cap:,} rows; {self.memory_limit} of memory; no files or "
            "network beyond the warehouse"
        )


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

    def to_json(self) -> dict[str, Any]:
        """The JSON API's body (``GET /api/sql``)."""
        return {
            "columns": self.columns,
            "types": self.types,
            "rows": self.rows,
            "truncated": self.truncated,
            "elapsed_ms": self.elapsed_ms,
            "snapshot_id": self.snapshot_id,
            "limits": self.limits,
        }


def check(sql: str) -> str:
    """The statement's type (SELECT or EXPLAIN); raises :class:`Refused` for anything else."""
    if not sql or not sql.strip():
        raise Refused("the query is empty")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise Failed(str(error)) from None
    if len(statements) != 1:
        raise Refused(f"one statement at a time; this has {len(statements)}")
    kind = statements[0].type.name
    if kind not in ALLOWED_STATEMENTS:
        raise Refused(f"only SELECT or EXPLAIN can run here, and this is {kind}")
    inner = _EXPLAIN.sub("", sql, count=1) if kind == "EXPLAIN" else sql
    refusal = refused_function(inner)
    if refusal:
        raise Refused(refusal)
    return kind


def refused_function(select: str) -> str | None:
    """Why ``select`` (one SELECT) may not run because of a function it calls, or None.

    Also used by ``costboard sql``: a read-only attach does not stop DuckLake's maintenance
    functions from deleting files.
    """
    for name in _function_names(select):
        bare = name.lower()
        qualified_as_ducklake = bare if bare.startswith("ducklake_") else f"ducklake_{bare}"
        if bare in WRITING_FUNCTIONS or qualified_as_ducklake in WRITING_FUNCTIONS:
            return f"the function {name}() is not allowed here: it writes or runs SQL text"
        if bare.startswith("ducklake_") and bare not in DUCKLAKE_READERS:
            return f"the function {name}() is not allowed here"
    return None


def _function_names(sql: str) -> set[str]:
    """Every function a SELECT calls, from DuckDB's serialized syntax tree."""
    with closing(duckdb.connect()) as parser:
        row = parser.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        # EXPLAIN of something other than a SELECT, or syntax the serializer rejects.
        raise Refused(f"cannot check this statement: {tree.get('error_message', 'unknown')}")
    return set(_walk_function_names(tree))


def _walk_function_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            yield name
        for value in node.values():
            yield from _walk_function_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_function_names(value)


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


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
    config: WarehouseConfig, snapshot_id: int, limits: Limits
) -> duckdb.DuckDBPyConnection:
    """A connection of its own: the lake READ_ONLY at the snapshot, then everything locked."""
    connection = _spares.take(config)
    try:
        connection.execute(lake.attach_sql(config, read_only=True, snapshot_id=snapshot_id))
        connection.execute(f"USE {lake.LAKE}")
        directories = [config.data_path] if "://" not in config.data_path else []
        paths: list[str] = []
        if config.catalog_type == "sqlite":
            catalog = str(Path(config.catalog.partition(":")[2]))
            paths = [catalog, catalog + "-wal", catalog + "-shm"]
        connection.execute(f"SET allowed_directories = {_sql_list(directories)}")
        connection.execute(f"SET allowed_paths = {_sql_list(paths)}")
        connection.execute("SET enable_external_access = false")
        connection.execute(f"SET memory_limit = '{limits.memory_limit}'")
        connection.execute(f"SET threads = {int(limits.threads)}")
        connection.execute("SET lock_configuration = true")
    except BaseException:
        connection.close()
        raise
    return connection


def run(
    config: WarehouseConfig, sql: str, snapshot_id: int, limits: Limits | None = None
) -> QueryResult:
    """Run one read-only query pinned to ``snapshot_id`` inside the fence."""
    limits = limits or Limits()
    check(sql)
    started = time.perf_counter()
    with closing(fenced_connection(config, snapshot_id, limits)) as connection:
        timer = threading.Timer(limits.time_limit_seconds, connection.interrupt)
        timer.start()
        try:
            result = connection.execute(sql)
            columns = [d[0] for d in result.description or []]
            types = [str(d[1]) for d in result.description or []]
            rows = result.fetchmany(limits.row_cap + 1)
        except duckdb.InterruptException:
            raise TimedOut(
                f"the query ran longer than {limits.time_limit_seconds:g} s and was stopped"
            ) from None
        except duckdb.Error as error:
            raise Failed(str(error)) from None
        finally:
            timer.cancel()
            _spares.refill_later(config)
    truncated = len(rows) > limits.row_cap
    return QueryResult(
        columns=columns,
        types=types,
        rows=[[jsonable(v) for v in row] for row in rows[: limits.row_cap]],
        truncated=truncated,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        snapshot_id=snapshot_id,
        limits=asdict(limits),
    )


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
