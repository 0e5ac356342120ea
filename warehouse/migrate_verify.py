"""Check a migrated warehouse against its source, snapshot by snapshot (``costboard migrate``).

Every snapshot's id, time, author, message and extra info; at every snapshot, the same tables
with the same rows (a row count and an order-free content hash per table: the sum of the
rows' hashes, so a changed, missing or duplicated row changes it); and the same views and
macros now. The first difference found is raised as :class:`MigrationDiffers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from costboard.warehouse.lake import metadata_database

_WORDS = re.compile(r"\w+|[^\w\s]")


class MigrationDiffers(RuntimeError):
    pass


@dataclass
class Compared:
    snapshots: int = 0
    #: (snapshot, table) pairs compared.
    tables: int = 0
    #: Rows compared, summed over every snapshot's tables.
    rows: int = 0


def _history(connection: duckdb.DuckDBPyConnection, database: str) -> list[tuple[object, ...]]:
    return connection.execute(
        "SELECT snapshot_id, snapshot_time, author, commit_message, commit_extra_info "
        f"FROM {database}.snapshots() ORDER BY snapshot_id"
    ).fetchall()


def _tables_at(connection: duckdb.DuckDBPyConnection, database: str, snapshot: int) -> list[str]:
    return [
        r[0]
        for r in connection.execute(
            f"SELECT table_name FROM {metadata_database(database)}.ducklake_table "
            "WHERE begin_snapshot <= ? AND (end_snapshot IS NULL OR end_snapshot > ?) "
            "ORDER BY table_name",
            [snapshot, snapshot],
        ).fetchall()
    ]


def _fingerprint(
    connection: duckdb.DuckDBPyConnection, database: str, table: str, snapshot: int
) -> tuple[int, int]:
    row = connection.execute(
        "SELECT count(*), coalesce(sum(CAST(hash(*COLUMNS(*)) AS HUGEINT)), 0) "
        f'FROM {database}."{table}" AT (VERSION => {int(snapshot)})'
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _schema_objects(connection: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, ...]]:
    views = connection.execute(
        "SELECT 'view', view_name, sql FROM duckdb_views() WHERE database_name = ? "
        "AND NOT internal",
        [database],
    ).fetchall()
    macros = connection.execute(
        "SELECT function_type, function_name, CAST(parameters AS VARCHAR) || macro_definition "
        "FROM duckdb_functions() WHERE database_name = ? AND function_type LIKE '%macro'",
        [database],
    ).fetchall()
    # DuckDB prints a REPLACE (...) list in no fixed order, so the same macro can print two
    # ways: compared as its sorted words and symbols, which any real change still alters.
    return sorted(
        (kind, name, " ".join(sorted(_WORDS.findall(sql)))) for kind, name, sql in views + macros
    )


def verify(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Compared:
    """Compare the lakes attached as ``source`` and ``target``; raise at the first difference."""
    before, after = _history(connection, source), _history(connection, target)
    for old, new in zip(before, after, strict=False):
        if old != new:
            fields = ("id", "time", "author", "message", "extra info")
            which = next(f for f, a, b in zip(fields, old, new, strict=True) if a != b)
            raise MigrationDiffers(f"snapshot {old[0]}: the {which} differs on the target")
    if len(before) != len(after):
        raise MigrationDiffers(f"the source has {len(before)} snapshots, the target {len(after)}")
    compared = Compared(snapshots=len(before))
    for done, (snapshot, *_) in enumerate(before, start=1):
        names = _tables_at(connection, source, snapshot)
        if names != _tables_at(connection, target, snapshot):
            raise MigrationDiffers(
                f"snapshot {snapshot}: the source has tables {names}, the target "
                f"{_tables_at(connection, target, snapshot)}"
            )
        for table in names:
            rows, digest = _fingerprint(connection, source, table, snapshot)
            if (rows, digest) != _fingerprint(connection, target, table, snapshot):
                their_rows, _ = _fingerprint(connection, target, table, snapshot)
                raise MigrationDiffers(
                    f"snapshot {snapshot}, table {table}: the source has {rows} rows, the "
                    f"target {their_rows}"
                    + (" with different content" if rows == their_rows else "")
                )
            compared.tables += 1
            compared.rows += rows
        if progress:
            progress(done, len(before))
    before_objects, after_objects = (
        _schema_objects(connection, source),
        _schema_objects(connection, target),
    )
    for kind, name, _sql in sorted(set(before_objects) ^ set(after_objects)):
        raise MigrationDiffers(f"the {kind} {name} differs on the target")
    return compared
