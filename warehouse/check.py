"""Check the catalog against the data path (``costboard check``), and remove orphan files.

The catalog names every file the lake reads: the data files and delete files of every
snapshot (``ducklake_data_file``, ``ducklake_delete_file``; a file a later snapshot replaced
stays named, since time travel reads it), each with its size in bytes. A check lists the data
path and reports:

- **missing**: a named file that is not there, or whose size is not the recorded one (a read
  of any snapshot that uses it fails or reads garbage);
- **orphans**: files in the data path that the catalog does not name. A writer killed before
  its commit (SIGKILL, out of memory, a power cut) leaves the Parquet files it had written;
  nothing reads them, and they only take space.

Files in ``ducklake_files_scheduled_for_deletion`` are neither: DuckLake itself put them there
(after a snapshot expiry or a merge, which costboard never runs: history is the product) and
may already have deleted them.

Paths follow DuckLake's rule (its spec, "Paths"): a file's path is relative to its table's
path, a table's to its schema's, a schema's to the data path, each unless its
``path_is_relative`` is false; a scheduled file's path is relative to the data path. The data
path is the configured one, as every costboard attach says (OVERRIDE_DATA_PATH).

A local folder is listed by walking it; an ``s3://`` data path through DuckDB's ``read_blob``
glob over httpfs (names, sizes and times only; no content is read). A local path is never
globbed: a folder named ``lake [1]`` would be read as a pattern. Removing orphans is for a
local data path only.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

from costboard.warehouse import lake, object_store
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.writer import write_lock

#: How long ``check`` waits for a writer to finish: an ingest's files are orphans until it
#: commits, so the listing is taken under the write lock.
LOCK_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class NamedFile:
    """A file the catalog names: ``kind`` is ``data`` or ``delete``."""

    kind: str
    path: str
    size: int | None


@dataclass(frozen=True)
class ListedFile:
    path: str
    size: int
    modified: dt.datetime


@dataclass
class Report:
    data_path: str
    named: list[NamedFile] = field(default_factory=list)
    #: Named files that are absent.
    missing: list[NamedFile] = field(default_factory=list)
    #: Named files whose size differs: (the file as named, the size found).
    wrong_size: list[tuple[NamedFile, int]] = field(default_factory=list)
    orphans: list[ListedFile] = field(default_factory=list)
    #: Scheduled-for-deletion files still present (DuckLake's own; not a problem).
    scheduled_present: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.wrong_size or self.orphans)

    def relative(self, path: str) -> str:
        """``path`` as the user reads it: below the data path."""
        return path[len(self.data_path) :] if path.startswith(self.data_path) else path


def _root(config: WarehouseConfig) -> str:
    """The data path as every listed file name starts (absolute, one trailing slash)."""
    if object_store.is_object_store(config.data_path):
        return config.data_path.rstrip("/") + "/"
    return os.path.abspath(config.data_path) + "/"


def _joined(parent: str, path: str, relative: object) -> str:
    # DuckLake stores directory paths with a trailing slash ("main/", "claims/"), so a
    # relative path is its parent's followed by its own, as DuckLake itself joins them.
    return parent + path if relative else path


def _normal(path: str) -> str:
    return path if object_store.is_object_store(path) else os.path.normpath(path)


def _named_files(connection: duckdb.DuckDBPyConnection, root: str) -> list[NamedFile]:
    meta = lake.metadata_database(lake.LAKE)
    # The newest row of each table and schema: a rename ends a row and begins another with
    # the same id and path.
    rows = connection.execute(
        f"""
        WITH tables AS (
            SELECT table_id, schema_id, path, path_is_relative FROM {meta}.ducklake_table
            QUALIFY row_number() OVER (PARTITION BY table_id ORDER BY begin_snapshot DESC) = 1
        ), schemas AS (
            SELECT schema_id, path, path_is_relative FROM {meta}.ducklake_schema
            QUALIFY row_number() OVER (PARTITION BY schema_id ORDER BY begin_snapshot DESC) = 1
        ), files AS (
            SELECT 'data' AS kind, table_id, path, path_is_relative, file_size_bytes
            FROM {meta}.ducklake_data_file
            UNION ALL
            SELECT 'delete', table_id, path, path_is_relative, file_size_bytes
            FROM {meta}.ducklake_delete_file
        )
        SELECT f.kind, f.path, f.path_is_relative, f.file_size_bytes,
               t.path, t.path_is_relative, s.path, s.path_is_relative
        FROM files f
        LEFT JOIN tables t USING (table_id)
        LEFT JOIN schemas s ON s.schema_id = t.schema_id
        ORDER BY f.kind, f.path
        """
    ).fetchall()
    named = []
    for kind, path, relative, size, table, table_rel, schema, schema_rel in rows:
        parent = _joined(_joined(root, schema or "", schema_rel), table or "", table_rel)
        named.append(
            NamedFile(
                kind, _normal(_joined(parent, path, relative)), None if size is None else int(size)
            )
        )
    return named


def _scheduled(connection: duckdb.DuckDBPyConnection, root: str) -> set[str]:
    meta = lake.metadata_database(lake.LAKE)
    rows = connection.execute(
        f"SELECT path, path_is_relative FROM {meta}.ducklake_files_scheduled_for_deletion"
    ).fetchall()
    return {_normal(_joined(root, path, relative)) for path, relative in rows}


def _local_files(root: str) -> Iterator[tuple[str, int, dt.datetime]]:
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            status = os.stat(path)
            yield path, status.st_size, dt.datetime.fromtimestamp(status.st_mtime, dt.UTC)


def _listing(connection: duckdb.DuckDBPyConnection, root: str) -> dict[str, ListedFile]:
    if object_store.is_object_store(root):
        rows = connection.execute(
            "SELECT filename, size, last_modified FROM read_blob(?)", [root + "**"]
        ).fetchall()
    else:
        rows = list(_local_files(root))  # none when nothing is written yet
    return {
        _normal(name): ListedFile(_normal(name), int(size), modified)
        for name, size, modified in rows
    }


def _check(config: WarehouseConfig) -> Report:
    root = _root(config)
    with lake.connect(config) as connection:
        # Listed first, then the catalog read: a file committed in between is then named, never
        # an orphan (the write lock already keeps this machine's writers out).
        listed = _listing(connection, root)
        named = _named_files(connection, root)
        scheduled = _scheduled(connection, root)
    report = Report(data_path=root, named=named)
    for file in named:
        found = listed.get(file.path)
        if found is None:
            report.missing.append(file)
        elif file.size is not None and found.size != file.size:
            report.wrong_size.append((file, found.size))
    known = {file.path for file in named}
    report.orphans = sorted(
        (f for path, f in listed.items() if path not in known and path not in scheduled),
        key=lambda f: f.path,
    )
    report.scheduled_present = len(scheduled & set(listed))
    return report


def check(config: WarehouseConfig, *, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Report:
    """Compare the catalog with the data path, under the write lock; nothing is changed."""
    if not config.exists():
        raise lake.WarehouseMissing(f"no warehouse at {config.catalog}: run `costboard init`")
    with write_lock(config, lock_timeout):
        return _check(config)


def default_min_age(config: WarehouseConfig) -> float:
    """Seconds an orphan must have lain untouched before it is removed, by default.

    On a SQLite catalog every writer is on this machine and takes the write lock, so an
    unnamed file is nobody's write in progress: 0. A server catalog's writers on other
    machines do not share the lock, and an unnamed file may be one of theirs, about to be
    committed: an hour.
    """
    return 0.0 if config.catalog_type == "sqlite" else 3600.0


@dataclass
class Removal:
    report: Report
    removed: list[ListedFile] = field(default_factory=list)
    #: Orphans left because they are younger than the minimum age.
    kept: list[ListedFile] = field(default_factory=list)


def remove_orphans(
    config: WarehouseConfig,
    *,
    min_age: float | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    now: dt.datetime | None = None,
) -> Removal:
    """Delete the orphan files older than ``min_age`` seconds, under the write lock.

    The check runs again under the same lock holding, so only files that no snapshot names,
    and that no writer of this machine can be about to commit, are deleted. Named files,
    scheduled files and anything outside the data path are never touched.
    """
    if object_store.is_object_store(config.data_path):
        raise ValueError(
            "removing orphans is supported for a local data path only; on object storage, "
            "delete the files `costboard check` lists with the storage's own tools"
        )
    if not config.exists():
        raise lake.WarehouseMissing(f"no warehouse at {config.catalog}: run `costboard init`")
    min_age = default_min_age(config) if min_age is None else min_age
    with write_lock(config, lock_timeout):
        report = _check(config)
        removal = Removal(report)
        moment = now or dt.datetime.now(dt.UTC)
        for orphan in report.orphans:
            if (moment - orphan.modified).total_seconds() < min_age:
                removal.kept.append(orphan)
                continue
            # Below the data path by construction (it came from listing it); checked anyway,
            # since this deletes.
            if not orphan.path.startswith(report.data_path):
                raise AssertionError(f"{orphan.path} is outside {report.data_path}")
            os.remove(orphan.path)
            removal.removed.append(orphan)
        return removal
