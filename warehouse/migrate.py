"""Move a warehouse to another catalog and data path with its whole history (``costboard migrate``).

DuckLake has no command that copies a lake between metadata databases with its history:
``COPY FROM DATABASE`` copies the current tables only (one new snapshot), and copying the
metadata tables by hand would carry the source's file paths and catalog-specific column
types. So the migration replays the history: for each source snapshot, in order, one target
transaction makes the target's tables (and views and macros, when the snapshot changed them)
equal to the source's at that snapshot and commits with the same author, message and extra
info. Both catalogs start with snapshot 0 (DuckLake's own, made when the catalog is created)
and each replayed commit makes exactly one snapshot, so the target's snapshot ids are the
source's: tags, ``input_snapshot_id`` in estimates and pinned links keep meaning the same.
DuckLake stamps a commit with the time it happens; the original times are then written into
the target's ``ducklake_snapshot`` table (see :func:`_carry_times`).

The target is marked first (a ``costboard_migration`` table in its metadata database, which
:func:`lake.connect` refuses to open) and unmarked only after :mod:`migrate_verify` found every
snapshot's tables equal, so an interrupted migration leaves a target no command uses. The
marker also proves that only a migration wrote there, so a re-run may clear it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import filelock

from costboard.warehouse import (
    extensions,
    lake,
    migrate_schema,
    migrate_verify,
    object_store,
    writer,
)
from costboard.warehouse.config import WarehouseConfig

SOURCE, META = "source", "target_meta"
TARGET = migrate_schema.TARGET
#: Change kinds that only touch table rows; their values are table ids.
_DATA_CHANGES = frozenset(
    {"tables_inserted_into", "tables_deleted_from", "inlined_insert", "inlined_delete"}
)
#: Options DuckLake sets itself when it creates a catalog (the data path is the target's own).
_OWN_OPTIONS = frozenset({"created_by", "data_path", "encrypted", "version"})

#: Told (stage, done, total) as snapshots are replayed, then compared.
Progress = Callable[[str, int, int], None]


class MigrationError(RuntimeError):
    pass


class TargetNotEmpty(MigrationError):
    pass


@dataclass
class Migrated:
    snapshots: int
    cleared_interrupted: bool
    compared: migrate_verify.Compared


def _option_value(text: str) -> str:
    """An option's stored text as the SQL literal set_option wants (it converts by type:
    'true' is refused where a boolean is expected)."""
    if text.lower() in ("true", "false") or text.lstrip("-").isdigit():
        return text.lower()
    return extensions.sql_string(text)


def _attach_metadata(connection: duckdb.DuckDBPyConnection, config: WarehouseConfig) -> None:
    """Attach the target's metadata database itself (not as a lake) as ``META``."""
    kind, _, where = config.catalog.partition(":")
    if kind not in ("sqlite", "postgres"):
        raise MigrationError(f"migrate writes to a sqlite: or postgres catalog, not {kind}:")
    with lake.reaching_catalog(connection, config):
        connection.execute(f"ATTACH {extensions.sql_string(where)} AS {META} (TYPE {kind})")


def _metadata_tables(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = connection.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "AND (table_name LIKE 'ducklake%' OR table_name = ?)",
        [META, lake.MIGRATION_MARKER],
    ).fetchall()
    return [(s, t) for s, t in rows]


def _data_files(connection: duckdb.DuckDBPyConnection, data_path: str) -> int:
    if object_store.is_object_store(data_path):
        # Its credentials as every costboard connection gets them.
        object_store.prepare(connection, data_path)
    elif not Path(data_path).exists():
        return 0
    pattern = data_path.rstrip("/") + "/**"
    row = connection.execute("SELECT count(*) FROM glob(?)", [pattern]).fetchone()
    return int(row[0]) if row else 0


def prepare_target(target: WarehouseConfig, source: WarehouseConfig) -> bool:
    """Refuse a non-empty target, clear an interrupted migration's, then mark it.

    Returns True when an interrupted migration's catalog was cleared (its data files are
    deleted once the new catalog exists, by DuckLake's own orphaned-file clean-up).
    """
    if target.catalog_type == "sqlite":
        Path(target.catalog.partition(":")[2]).parent.mkdir(parents=True, exist_ok=True)
    created = target.catalog_type == "sqlite" and not target.exists()
    connection = extensions.connect_offline()
    try:
        lake.load_extensions(connection, target)
        _attach_metadata(connection, target)
        tables = _metadata_tables(connection)
        names = {t for _, t in tables}
        interrupted = lake.MIGRATION_MARKER in names
        if not interrupted:
            if "ducklake_snapshot" in names:
                row = connection.execute(
                    f"SELECT count(*) FROM {META}.ducklake_snapshot"
                ).fetchone()
                raise TargetNotEmpty(
                    f"the target catalog {target.catalog} already holds a DuckLake catalog "
                    f"({row[0] if row else '?'} snapshot(s)); migrate only writes to an empty one"
                )
            if tables:
                raise TargetNotEmpty(f"the target catalog {target.catalog} has DuckLake tables")
            files = _data_files(connection, target.data_path)
            if files:
                connection.close()
                if created:  # attaching made the file; the refusal leaves nothing behind
                    Path(target.catalog.partition(":")[2]).unlink()
                raise TargetNotEmpty(
                    f"the target data path {target.data_path} already holds {files} file(s); "
                    "migrate only writes to an empty one"
                )
        # Only a migration makes the marker, so everything beside it is that migration's work.
        for schema_name, table in tables:
            connection.execute(f'DROP TABLE {META}."{schema_name}"."{table}"')
        connection.execute(
            f"CREATE TABLE {META}.{lake.MIGRATION_MARKER} "
            "(started_at VARCHAR, source_catalog VARCHAR, data_path VARCHAR)"
        )
        connection.execute(
            f"INSERT INTO {META}.{lake.MIGRATION_MARKER} VALUES (?, ?, ?)",
            [dt.datetime.now(dt.UTC).isoformat(), source.catalog, target.data_path],
        )
    finally:
        connection.close()
    return interrupted


def _changed_tables(
    connection: duckdb.DuckDBPyConnection, changes: dict[str, list[str]], snapshot: int
) -> set[str]:
    """The names, at ``snapshot``, of the tables whose rows the snapshot changed."""
    ids = {int(i) for kind, values in changes.items() if kind in _DATA_CHANGES for i in values}
    if not ids:
        return set()
    rows = connection.execute(
        f"SELECT table_name FROM {lake.metadata_database(SOURCE)}.ducklake_table "
        "WHERE list_contains(?, table_id) AND begin_snapshot <= ? "
        "AND (end_snapshot IS NULL OR end_snapshot > ?)",
        [sorted(ids), snapshot, snapshot],
    ).fetchall()
    return {r[0] for r in rows}


def _replay_rows(connection: duckdb.DuckDBPyConnection, table: str, n: int) -> None:
    """Make ``table``'s rows on the target the source's at snapshot ``n``, changing only the
    difference (rows are a multiset: duplicates count, NULLs are equal)."""
    columns = [
        r[0]
        for r in connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [TARGET, table],
        ).fetchall()
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM s."{c}"' for c in columns)
    source_rows = f'{SOURCE}."{table}" AT (VERSION => {int(n)})'
    target_rows = f'{TARGET}."{table}"'
    # The k-th copy of a row on the target stays when the source has at least k copies.
    connection.execute(
        f"""CREATE OR REPLACE TEMP TABLE _gone AS
        SELECT t._rid FROM (
            SELECT rowid AS _rid, {listed},
                   row_number() OVER (PARTITION BY {listed} ORDER BY rowid) AS _k
            FROM {target_rows}) AS t
        ANTI JOIN (
            SELECT {listed}, row_number() OVER (PARTITION BY {listed}) AS _k
            FROM {source_rows}) AS s
        ON {same or "true"} AND t._k = s._k"""
    )
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE _new AS "
        f"SELECT {listed} FROM {source_rows} EXCEPT ALL SELECT {listed} FROM {target_rows}"
    )
    connection.execute(f"DELETE FROM {target_rows} WHERE rowid IN (SELECT _rid FROM _gone)")
    connection.execute(f"INSERT INTO {target_rows} ({listed}) SELECT {listed} FROM _new")
    connection.execute("DROP TABLE _gone")
    connection.execute("DROP TABLE _new")


def _latest(connection: duckdb.DuckDBPyConnection, database: str) -> int:
    row = connection.execute(f"SELECT max(snapshot_id) FROM {database}.snapshots()").fetchone()
    return int(row[0]) if row and row[0] is not None else -1


def _replay(
    connection: duckdb.DuckDBPyConnection,
    source: WarehouseConfig,
    history: list[tuple[Any, ...]],
    progress: Progress | None,
) -> None:
    for n, _, author, message, extra_info, changes in history[1:]:
        wanted = (
            migrate_schema.objects_at(connection, source, n)
            if set(changes) - _DATA_CHANGES
            else None
        )
        connection.execute("BEGIN TRANSACTION")
        try:
            tables = _changed_tables(connection, changes, n)
            if wanted is not None:
                tables |= migrate_schema.replay(connection, wanted)
            for table in sorted(tables):
                _replay_rows(connection, table, n)
            connection.execute(
                f"CALL {TARGET}.set_commit_message(?, ?, extra_info => ?)",
                [author, message, extra_info],
            )
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                connection.execute("ROLLBACK")
            raise
        made = _latest(connection, TARGET)
        if made != n:
            raise MigrationError(
                f"replaying source snapshot {n} made target snapshot {made}: the snapshot ids "
                f"cannot be kept (the source's changes there: {changes})"
            )
        if progress:
            progress("replaying snapshots", n, len(history) - 1)


def _carry_times(connection: duckdb.DuckDBPyConnection, history: list[tuple[Any, ...]]) -> None:
    """Give each target snapshot its source snapshot's time.

    DuckLake stamps a snapshot with the commit's own time and has no option to set another,
    so the only way to keep "as of 2025-02-03" meaning the same on the target is to write
    the original times into its ``ducklake_snapshot`` table. Safe here: the target is still
    marked (nobody reads it), the ids are the source's, and the times stay in order.
    """
    connection.executemany(
        f"UPDATE {lake.metadata_database(TARGET)}.ducklake_snapshot "
        "SET snapshot_time = CAST(? AS TIMESTAMPTZ) WHERE snapshot_id = ?",
        [[time, n] for n, time, *_ in history],
    )


def migrate(
    source: WarehouseConfig,
    target: WarehouseConfig,
    *,
    progress: Progress | None = None,
    lock_timeout: float = writer.LOCK_TIMEOUT_SECONDS,
) -> Migrated:
    """Copy ``source`` with its whole history into the empty ``target``, then verify it."""
    if source.catalog == target.catalog:
        raise MigrationError("the target catalog is the source's own")
    lake.connect(source).close()  # the source exists and is not itself mid-migration
    # No costboard write lands in the source while it is copied (it would be left behind).
    lock = filelock.FileLock(str(source.lock_path))
    try:
        lock.acquire(timeout=lock_timeout)
    except filelock.Timeout as error:
        raise writer.WriterBusy(f"a costboard writer holds {source.lock_path}") from error
    connection = extensions.connect_offline()
    try:
        lake.load_extensions(connection, source)
        lake.attach(connection, source, alias=SOURCE, read_only=True)
        history = connection.execute(
            "SELECT snapshot_id, snapshot_time, author, commit_message, commit_extra_info, "
            f"changes FROM {SOURCE}.snapshots() ORDER BY snapshot_id"
        ).fetchall()
        if [row[0] for row in history] != list(range(len(history))):
            raise MigrationError(
                "the source's snapshot ids are not 0, 1, 2, ... without gaps (expired "
                "snapshots?), so the target could not keep them; nothing was written"
            )
        cleared = prepare_target(target, source)
        if not object_store.is_object_store(target.data_path):
            Path(target.data_path).mkdir(parents=True, exist_ok=True)
        lake.load_extensions(connection, target)
        lake.attach(connection, target, alias=TARGET, read_only=False)
        connection.execute(f"USE {TARGET}")
        if cleared:  # the interrupted run's files: nothing in the new catalog names them
            connection.execute(
                f"CALL ducklake_delete_orphaned_files('{TARGET}', cleanup_all => true)"
            )
        for name, value in connection.execute(
            f"SELECT option_name, value FROM {SOURCE}.options() WHERE scope = 'GLOBAL'"
        ).fetchall():
            if name not in _OWN_OPTIONS:
                connection.execute(
                    f"CALL {TARGET}.set_option({extensions.sql_string(name)}, {_option_value(value)})"
                )
        _replay(connection, source, history, progress)
        _carry_times(connection, history)
        compared = migrate_verify.verify(
            connection,
            SOURCE,
            TARGET,
            progress=(lambda done, total: progress("comparing snapshots", done, total))
            if progress
            else None,
        )
        connection.execute(f"DROP TABLE {lake.metadata_database(TARGET)}.{lake.MIGRATION_MARKER}")
    finally:
        connection.close()
        lock.release()
    return Migrated(len(history), cleared, compared)
