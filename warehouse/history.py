"""Knowledge time: snapshots, refs, tags and diffs between two snapshots.

A REF names a snapshot everywhere: a snapshot id (``12``), a tag (``feb-review``), a
timestamp or date (``2025-02-03``, ``2025-02-03T12:00``: the latest snapshot at or before
it), or ``latest``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from costboard.warehouse import writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import did_you_mean
from costboard.warehouse.lake import LAKE
from costboard.warehouse.tables import CLAIMS, PRICES, SOURCES, SUBJECTS, TAGS, Table
from costboard.warehouse.writer import TableChanges, WriteResult


class RefError(ValueError):
    pass


@dataclass(frozen=True)
class DiffTable:
    """A user-facing table as diff sees it: the stored table, its key and its compared columns."""

    name: str
    stored: str
    key: tuple[str, ...]
    columns: tuple[str, ...]

    @classmethod
    def of(cls, table: Table) -> DiffTable:
        """Diff's view of a registered table: by its natural key, over its compared columns."""
        return cls(table.label, table.name, table.key, table.compared)


#: The tables diff compares, in the order it shows them (claims first: what people look for).
DIFF_TABLES: dict[str, DiffTable] = {
    t.label: DiffTable.of(t) for t in (CLAIMS, PRICES, SUBJECTS, SOURCES, TAGS)
}


def snapshot_ids(connection: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        r[0]
        for r in connection.execute(
            f"SELECT snapshot_id FROM {LAKE}.snapshots() ORDER BY snapshot_id"
        ).fetchall()
    ]


def latest_snapshot(connection: duckdb.DuckDBPyConnection) -> int:
    row = connection.execute(f"SELECT max(snapshot_id) FROM {LAKE}.snapshots()").fetchone()
    return int(row[0])


def resolve_ref(connection: duckdb.DuckDBPyConnection, ref: str | int | None) -> int:
    """The snapshot id a REF names (``None`` and ``latest`` name the newest snapshot)."""
    if ref is None or str(ref).strip().lower() in ("", "latest", "head"):
        return latest_snapshot(connection)
    text = str(ref).strip()
    if text.isdigit():
        wanted = int(text)
        if wanted not in snapshot_ids(connection):
            raise RefError(f"no snapshot {wanted}; the newest is {latest_snapshot(connection)}")
        return wanted
    tag = connection.execute(
        f"SELECT snapshot_id FROM {LAKE}.tags WHERE tag = ?", [text]
    ).fetchone()
    if tag:
        return int(tag[0])
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        tags = [r[0] for r in connection.execute(f"SELECT tag FROM {LAKE}.tags").fetchall()]
        raise RefError(
            f"'{text}' is not a snapshot id, a tag or a timestamp" + did_you_mean(text, tags)
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if len(text) == 10:  # a bare date means the end of that day
        moment += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    row = connection.execute(
        f"SELECT max(snapshot_id) FROM {LAKE}.snapshots() WHERE snapshot_time <= ?", [moment]
    ).fetchone()
    if row is None or row[0] is None:
        raise RefError(_before_the_first_snapshot(connection, text))
    return int(row[0])


def _before_the_first_snapshot(connection: duckdb.DuckDBPyConnection, text: str) -> str:
    """Why a date before the first snapshot names none, and what the asker likely meant.

    A REF is knowledge time (what the warehouse held then); "what did we know before the
    Nature paper?" is usually evidence time (claims stated by then), which a warehouse
    written today still answers.
    """
    first_id, first_time = connection.execute(
        f"SELECT snapshot_id, snapshot_time FROM {LAKE}.snapshots() ORDER BY snapshot_id LIMIT 1"
    ).fetchone() or (None, None)
    written = (
        f"the first snapshot ({first_id}) was written at {_utc_text(first_time)}"
        if first_id is not None
        else "the warehouse has no snapshot"
    )
    return (
        f"no snapshot existed at {text}: {written}. --as-of names what the warehouse held "
        f"then; for the claims and prices stated on or before {text[:10]}, use "
        f"--evidence-until {text[:10]} (evidence_until= in the API)"
    )


def _utc_text(moment: object) -> str:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(moment)


def log(
    connection: duckdb.DuckDBPyConnection, limit: int | None = None, *, database: str = LAKE
) -> pl.DataFrame:
    """The snapshot history, newest first, with row counts and the tags on each snapshot.

    ``database``: the name the lake is attached under (the dashboard pins one per snapshot).
    """
    query = f"""
        SELECT s.snapshot_id, s.snapshot_time, s.author, s.message, s.kind,
               s.rows_added, s.rows_changed, s.rows_removed, s.changes_evidence,
               (SELECT string_agg(t.tag, ', ' ORDER BY t.tag) FROM {database}.tags AS t
                 WHERE t.snapshot_id = s.snapshot_id) AS tags
        FROM {database}.snapshots AS s
        ORDER BY s.snapshot_id DESC
        {f"LIMIT {int(limit)}" if limit else ""}
    """
    return connection.execute(query).pl()


def show(
    connection: duckdb.DuckDBPyConnection, snapshot_id: int
) -> tuple[dict[str, object], pl.DataFrame]:
    """One snapshot's details and its per-table change counts."""
    details = connection.execute(
        f"SELECT * FROM {LAKE}.snapshots WHERE snapshot_id = ?", [snapshot_id]
    ).pl()
    changes = connection.execute(
        f"SELECT table_name, added, changed, removed FROM {LAKE}.snapshot_changes "
        "WHERE snapshot_id = ? ORDER BY table_name",
        [snapshot_id],
    ).pl()
    return details.row(0, named=True), changes


def diff(
    connection: duckdb.DuckDBPyConnection,
    old: int,
    new: int,
    tables: Sequence[str] = ("subjects", "sources", "claims", "prices", "tags"),
) -> dict[str, pl.DataFrame]:
    """Rows added, removed and changed between two snapshots, by natural key.

    Each frame has ``change`` (added | removed | changed), the key columns, ``changed_columns``
    (for changed rows) and every compared column twice: ``old_<col>`` and ``new_<col>``.
    """
    results = {}
    for name in tables:
        if name not in DIFF_TABLES:
            raise RefError(f"cannot diff '{name}'" + did_you_mean(name, DIFF_TABLES))
        table = DIFF_TABLES[name]
        key = ", ".join(table.key)
        differs = [f"o.{c} IS DISTINCT FROM n.{c}" for c in table.columns]
        changed_list = ", ".join(
            f"CASE WHEN o.{c} IS DISTINCT FROM n.{c} THEN '{c}' END" for c in table.columns
        )
        select_keys = ", ".join(f"coalesce(n.{k}, o.{k}) AS {k}" for k in table.key)
        pairs = ", ".join(f"o.{c} AS old_{c}, n.{c} AS new_{c}" for c in table.columns)
        query = f"""
            WITH o AS (SELECT * FROM {LAKE}.{table.stored} AT (VERSION => {int(old)})),
                 n AS (SELECT * FROM {LAKE}.{table.stored} AT (VERSION => {int(new)}))
            SELECT CASE WHEN o.{table.key[0]} IS NULL THEN 'added'
                        WHEN n.{table.key[0]} IS NULL THEN 'removed'
                        ELSE 'changed' END AS change,
                   {select_keys},
                   CASE WHEN o.{table.key[0]} IS NOT NULL AND n.{table.key[0]} IS NOT NULL
                        THEN list_filter([{changed_list}], x -> x IS NOT NULL) END AS changed_columns,
                   {pairs}
            FROM o FULL OUTER JOIN n USING ({key})
            WHERE o.{table.key[0]} IS NULL OR n.{table.key[0]} IS NULL OR {" OR ".join(differs)}
            ORDER BY change, {key}
        """
        results[name] = connection.execute(query).pl()
    return results


def tag(
    config: WarehouseConfig,
    connection: duckdb.DuckDBPyConnection,
    name: str,
    ref: str | None,
    *,
    author: str | None = None,
    message: str | None = None,
) -> tuple[int, WriteResult]:
    """Name a snapshot; returns its id and the write. Re-pointing a tag moves it (history keeps the old)."""
    if not name or name.isdigit() or any(ch.isspace() for ch in name):
        raise RefError(f"'{name}' cannot be a tag: use a name with no spaces that is not a number")
    if _reads_as_timestamp(name):
        raise RefError(f"'{name}' reads as a timestamp and cannot be a tag")
    snapshot_id = resolve_ref(connection, ref)
    author = author or writer.default_author()

    def body(write_connection: duckdb.DuckDBPyConnection) -> dict[str, TableChanges]:
        current = write_connection.execute(
            f"SELECT snapshot_id FROM {LAKE}.tags WHERE tag = ?", [name]
        ).fetchone()
        if current and current[0] == snapshot_id:
            return {"tags": TableChanges()}
        write_connection.execute(f"DELETE FROM {LAKE}.tags WHERE tag = ?", [name])
        write_connection.execute(
            f"INSERT INTO {LAKE}.tags VALUES (?, ?, now(), ?, ?)",
            [name, snapshot_id, author, message],
        )
        return {"tags": TableChanges(changed=1) if current else TableChanges(added=1)}

    result = writer.write(
        config,
        body,
        message=message or f"tag {name} -> snapshot {snapshot_id}",
        author=author,
        kind="tag",
    )
    return snapshot_id, result


def _reads_as_timestamp(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def tags(connection: duckdb.DuckDBPyConnection, *, database: str = LAKE) -> pl.DataFrame:
    return connection.execute(
        f"SELECT tag, snapshot_id, created_at, author, message FROM {database}.tags ORDER BY tag"
    ).pl()
