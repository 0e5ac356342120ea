"""Create the warehouse: the DuckLake catalog, its tables and its documented views.

The DDL lives in ``sql/``, one file per table or view, applied in file-name order; the
tables' natural keys and the columns read from their DDL are in :mod:`tables`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from costboard.warehouse import lake, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.tables import TABLES, sql_folder


class WarehouseExists(RuntimeError):
    pass


def ddl_statements() -> list[tuple[str, str]]:
    """(file name, SQL) for every DDL file, in the order they are applied."""
    files = sorted(
        (f for f in sql_folder().iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


def is_initialised(config: WarehouseConfig) -> bool:
    if not config.exists():
        return False
    try:
        connection = lake.connect(config, read_only=True)
    except lake.WarehouseMissing:
        return False
    try:
        found = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'claim_records'",
            [lake.LAKE],
        ).fetchone()
        return bool(found and found[0])
    finally:
        connection.close()


def create(config: WarehouseConfig, *, author: str | None = None) -> int:
    """Create an empty warehouse; returns the snapshot id of its creation."""
    if is_initialised(config):
        raise WarehouseExists(f"a costboard warehouse already exists at {config.catalog}")
    config.home.mkdir(parents=True, exist_ok=True)
    if config.data_path and "://" not in config.data_path:
        Path(config.data_path).mkdir(parents=True, exist_ok=True)

    def body(connection):  # type: ignore[no-untyped-def]
        # Every later write must carry a commit message: the catalog itself enforces it.
        connection.execute(f"CALL {lake.LAKE}.set_option('require_commit_message', true)")
        for _, sql in ddl_statements():
            connection.execute(sql)
        return {"schema": writer.TableChanges(added=len(TABLES))}

    result = writer.write(
        config, body, message="create the costboard warehouse", author=author, kind="init"
    )
    assert result.snapshot_id is not None
    return result.snapshot_id


#: What a DDL file's CREATE VIEW or CREATE MACRO statements create (a file may hold several).
_CREATES = re.compile(r"\bCREATE\s+(VIEW|MACRO)\s+(\w+)", re.I)


def _created(sql: str) -> list[tuple[str, str]]:
    """("VIEW" | "MACRO", lower-case name) for each view or macro ``sql`` creates."""
    code = re.sub(r"--[^\n]*", "", sql)  # a comment may mention CREATE VIEW
    return [(kind.upper(), name.lower()) for kind, name in _CREATES.findall(code)]


#: A view's or macro's statement: its kind, name, macro parameters and body (after AS).
_STATEMENT = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(VIEW|MACRO)\s+(?:\w+\.)?(\w+)\s*(?:\((.*?)\))?\s+AS\s+"
    r"(TABLE\s+)?(.*?);?\s*$",
    re.S | re.I,
)


def _shape(scratch: duckdb.DuckDBPyConnection, body: str, query: bool) -> str:
    """DuckDB's parse of a view's query or a macro's body, positions left out: equal for the
    DDL file's text and the text DuckDB stored for it (which it re-renders: quotes, casts)."""
    select = body if query else f"SELECT {body}"
    parsed = scratch.execute("SELECT json_serialize_sql(?)", [select]).fetchone()
    return json.dumps(_canonical(json.loads(str(parsed[0] if parsed else "null"))))


def _canonical(node: object) -> object:
    """A parse tree without source positions, and with ``* REPLACE (...)`` in name order: the
    list is a hash map inside DuckDB, so a catalog may hand back its entries in another order
    (PostgreSQL's does) for the same macro."""
    if isinstance(node, list):
        return [_canonical(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidy = {k: _canonical(v) for k, v in node.items() if k != "query_location"}
    if isinstance(tidy.get("replace_list"), list):
        tidy["replace_list"] = sorted(tidy["replace_list"], key=lambda entry: str(entry["key"]))
    return tidy


def _ddl_shapes(scratch: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(kind, name): the parsed shape of every view and macro the DDL files create."""
    shapes = {}
    for _, sql in ddl_statements():
        for statement in duckdb.extract_statements(sql):
            found = _STATEMENT.match(re.sub(r"--[^\n]*", "", statement.query))
            if found:
                kind, name, parameters, table, body = found.groups()
                query = kind.upper() == "VIEW" or bool(table)
                params = ",".join(p.strip() for p in (parameters or "").split(",") if p.strip())
                shapes[(kind.upper(), name.lower())] = params + "|" + _shape(scratch, body, query)
    return shapes


def _changed(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """("VIEW" | "MACRO", name) of every view and macro the lake holds whose stored SQL is not
    what its DDL file says now (a view or macro whose definition changed since)."""
    scratch = duckdb.connect()
    try:
        wanted = _ddl_shapes(scratch)
        stored = {}
        for name, sql in connection.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal",
            [lake.LAKE],
        ).fetchall():
            found = _STATEMENT.match(sql)
            if found:
                stored[("VIEW", name.lower())] = "|" + _shape(scratch, found.group(5), True)
        for name, kind, parameters, body in connection.execute(
            "SELECT function_name, function_type, parameters, macro_definition "
            "FROM duckdb_functions() WHERE database_name = ? "
            "AND function_type IN ('macro', 'table_macro')",
            [lake.LAKE],
        ).fetchall():
            shape = _shape(scratch, str(body), kind == "table_macro")
            stored[("MACRO", name.lower())] = ",".join(parameters or []) + "|" + shape
    finally:
        scratch.close()
    return sorted(k for k, shape in stored.items() if k in wanted and wanted[k] != shape)


def _views_and_macros(connection: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """("VIEW" | "MACRO", name) of every view and macro the lake holds now."""
    views = connection.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal",
        [lake.LAKE],
    ).fetchall()
    macros = connection.execute(
        "SELECT DISTINCT function_name FROM duckdb_functions() "
        "WHERE database_name = ? AND function_type IN ('macro', 'table_macro')",
        [lake.LAKE],
    ).fetchall()
    return {("VIEW", v.lower()) for (v,) in views} | {("MACRO", m.lower()) for (m,) in macros}


def upgrade(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a warehouse made by an older costboard up to this one's tables, views and macros.

    Columns a table gained since (nullable ones only: that is the rule for new columns) are
    added, columns that became optional lose NOT NULL, views and macros it lacks are created,
    and when anything changed (one of those, or a view or macro whose stored SQL is not its
    DDL's now) every view and macro is re-created from its DDL, all inside the caller's
    transaction. Returns what changed, as ``table.column``, ``view name`` or ``macro name``
    (``... (changed)`` for a changed definition). A no-op (no write) on an up-to-date
    warehouse.
    """
    nullable = {
        (table, column): is_nullable
        for table, column, is_nullable in connection.execute(
            "SELECT table_name, column_name, is_nullable FROM duckdb_columns() "
            "WHERE database_name = ?",
            [lake.LAKE],
        ).fetchall()
    }
    added = []
    for table in TABLES:
        for column in table.ddl_columns:
            stored = f"{lake.LAKE}.{table.name}"
            if (table.name, column.name) not in nullable:
                connection.execute(
                    f"ALTER TABLE {stored} ADD COLUMN {column.name} {column.sql_type}"
                )
                added.append(f"{table.name}.{column.name}")
            elif not column.not_null and not nullable[(table.name, column.name)]:
                # A column that became optional (claim_records.source_url, for sources
                # without a URL).
                connection.execute(f"ALTER TABLE {stored} ALTER COLUMN {column.name} DROP NOT NULL")
                added.append(f"{table.name}.{column.name} (now optional)")
    existing = _views_and_macros(connection)
    creates = [(sql, _created(sql)) for _, sql in ddl_statements()]
    added += [
        f"{kind.lower()} {name}"
        for _, made in creates
        for kind, name in made
        if (kind, name) not in existing
    ]
    added += [f"{kind.lower()} {name} (changed)" for kind, name in _changed(connection)]
    if added:
        # All of them, in file order: a view may read a column just added, and a macro the
        # views before it (macros bind their names when called, views when created).
        for sql, made in creates:
            if made:
                connection.execute(
                    re.sub(r"\bCREATE\s+(VIEW|MACRO)\b", r"CREATE OR REPLACE \1", sql, flags=re.I)
                )
    return added
