"""The schema half of ``costboard migrate``'s replay: tables, views and macros at a snapshot.

:mod:`migrate` replays the source's history one snapshot at a time; when a snapshot changed
the schema, :func:`objects_at` reads the source's tables (with their columns), views and
macros as they were then, and :func:`replay` makes the target's the same inside the
snapshot's transaction.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig

#: The aliases the migration attaches the target and a pinned source under.
TARGET, PINNED = "target", "source_at"


def catalog_objects(connection: duckdb.DuckDBPyConnection, database: str) -> dict[str, Any]:
    """Tables (with columns), views and macros of ``database``'s main schema."""
    tables: dict[str, Any] = {
        name: {"sql": sql, "columns": {}}
        for name, sql in connection.execute(
            "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'main'",
            [database],
        ).fetchall()
    }
    for table, column, data_type, nullable in connection.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name, column_index",
        [database],
    ).fetchall():
        if table in tables:
            tables[table]["columns"][column] = (data_type, nullable)
    views = dict(
        connection.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? "
            "AND schema_name = 'main' AND NOT internal ORDER BY view_oid",
            [database],
        ).fetchall()
    )
    macros = {
        name: f"CREATE OR REPLACE MACRO {name}({', '.join(params)}) AS "
        + ("TABLE " if kind == "table_macro" else "")
        + definition
        for name, kind, params, definition in connection.execute(
            "SELECT function_name, function_type, parameters, macro_definition "
            "FROM duckdb_functions() WHERE database_name = ? AND schema_name = 'main' "
            "AND function_type IN ('macro', 'table_macro')",
            [database],
        ).fetchall()
    }
    return {"tables": tables, "views": views, "macros": macros}


def objects_at(
    connection: duckdb.DuckDBPyConnection, source: WarehouseConfig, n: int
) -> dict[str, Any]:
    """The source's tables, views and macros at snapshot ``n`` (read outside a transaction:
    DuckDB detaches no database a transaction has read)."""
    lake.attach(connection, source, alias=PINNED, read_only=True, snapshot_id=n)
    try:
        return catalog_objects(connection, PINNED)
    finally:
        connection.execute(f"DETACH {PINNED}")


def replay(connection: duckdb.DuckDBPyConnection, wanted: dict[str, Any]) -> set[str]:
    """Make the target's tables, views and macros ``wanted`` (see :func:`objects_at`).

    Returns the tables created or altered (their rows are then copied in full).
    """
    have = catalog_objects(connection, TARGET)
    touched = set()
    for name in have["views"].keys() - wanted["views"].keys():
        connection.execute(f'DROP VIEW {TARGET}."{name}"')
    for name in have["macros"].keys() - wanted["macros"].keys():
        kind = "MACRO TABLE" if " AS TABLE " in have["macros"][name] else "MACRO"
        connection.execute(f'DROP {kind} {TARGET}."{name}"')
    for name in have["tables"].keys() - wanted["tables"].keys():
        connection.execute(f'DROP TABLE {TARGET}."{name}"')
    for name, table in wanted["tables"].items():
        if name not in have["tables"]:
            connection.execute(table["sql"])  # unqualified: the target is the current database
            touched.add(name)
            continue
        old, new = have["tables"][name]["columns"], table["columns"]
        stored = f'{TARGET}."{name}"'
        for column in old.keys() - new.keys():
            connection.execute(f'ALTER TABLE {stored} DROP COLUMN "{column}"')
        for column, (data_type, nullable) in new.items():
            if column not in old:
                connection.execute(f'ALTER TABLE {stored} ADD COLUMN "{column}" {data_type}')
                old_type, old_nullable = data_type, True
            else:
                old_type, old_nullable = old[column]
            if old_type != data_type:
                connection.execute(f'ALTER TABLE {stored} ALTER "{column}" TYPE {data_type}')
            if old_nullable != nullable:
                change = "DROP" if nullable else "SET"
                connection.execute(f'ALTER TABLE {stored} ALTER "{column}" {change} NOT NULL')
        if old != new:
            touched.add(name)
    made = {**wanted["views"], **wanted["macros"]}
    for name in dependency_order(made):
        sql = made[name]
        if name in wanted["views"] and have["views"].get(name) != sql:
            connection.execute(f'DROP VIEW IF EXISTS {TARGET}."{name}"')
            connection.execute(sql)
        elif name in wanted["macros"] and have["macros"].get(name) != sql:
            connection.execute(sql)
    return touched


def dependency_order(sql_of: dict[str, str]) -> list[str]:
    """Views and macros so that each comes after those its SQL names.

    DuckLake binds a view's and a macro's names when it is created, and its catalog ids say
    nothing of the order they were made in. A name found in the text that is a column rather
    than a view only adds an order that was not needed; a cycle keeps the remaining ones in
    name order (creating them then fails loudly rather than silently).
    """
    needs = {
        name: {
            other
            for other in sql_of
            if other != name and re.search(rf'(?<![\w."]){re.escape(other)}(?![\w"])', sql)
        }
        for name, sql in sql_of.items()
    }
    order: list[str] = []
    while len(order) < len(sql_of):
        ready = sorted(n for n in sql_of if n not in order and needs[n] <= set(order))
        order += ready or sorted(n for n in sql_of if n not in order)
    return order
