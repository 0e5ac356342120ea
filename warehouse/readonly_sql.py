"""Is this SQL read-only? The one check behind ``costboard sql`` and the dashboard's SQL page.

Attaching the lake READ_ONLY is not enough on its own: DuckLake's maintenance functions are
table functions that a SELECT can call (on a read-only attach ``ducklake_cleanup_old_files``
still deletes data files before it fails), and DuckDB keeps adding functions that reach past
any setting (``json_execute_serialized_sql`` runs a statement hidden in a string: issue 17).
So both doors ask DuckDB's own parser first, and everything is an allow-list:

1. Statement types: SELECT or EXPLAIN only. DuckDB's settings are a second layer, not a
   sandbox (DETACH, CALL and temp tables pass them), which is why this allow-list comes first.
2. Functions: every function and table-function node of the statement's syntax tree
   (``json_serialize_sql``), at any depth (CTEs, subqueries, lateral joins, window and filter
   clauses, EXPLAIN's SELECT), must name a function listed in :mod:`sql_functions`, in the
   position it is listed for (``histogram(x)`` the aggregate, not ``FROM histogram(t, c)``, a
   table macro that reads a table named in a string). ``lake.snapshots()`` is DuckLake's
   ``ducklake_snapshots()`` called through the catalog. A name nobody listed is refused.
3. Tables: no DuckLake catalog database (``__ducklake_metadata_*``, beneath the lake and
   under no snapshot), no file or URL read by name (``FROM 'x.csv'`` is a read_csv), and no
   system view whose own definition calls a function the list refuses (``pg_settings`` reads
   ``duckdb_settings()``).

This module knows nothing of who asks. The dashboard's fence (dashboard/fence.py) adds what a
shared server needs on top: one statement per query, a locked-down connection, a time limit
and a row cap. The CLI runs every statement of a script through :func:`check_statement`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import closing
from functools import cache
from typing import Any, Final

import duckdb

from costboard.warehouse import sql_functions
from costboard.warehouse.lake import METADATA_DATABASE_PREFIX
from costboard.warehouse.sql_functions import DUCKLAKE_READERS  # noqa: F401  (re-exported)

ALLOWED_STATEMENTS: Final = frozenset({"SELECT", "EXPLAIN"})

#: Where a refusal tells the user the list is.
LIST_LOCATION: Final = "costboard/warehouse/sql_functions.py"

# EXPLAIN's syntax tree cannot be serialized; the SELECT after it can (comments may lead).
_EXPLAIN = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN(?:\s+ANALYZE)?\b", re.I | re.S)
# A table name DuckDB would read as a file or URL (a replacement scan): a path, an extension
# or a scheme. No costboard table's name has one of these.
_FILE_LIKE = re.compile(r"[./\\:]")
_VIEW_BODY = re.compile(r"^\s*CREATE\s+(?:TEMP\s+)?VIEW\s+.+?\s+AS\s+(.*?);?\s*$", re.I | re.S)


class NotReadOnly(Exception):
    """SQL this check cannot vouch for as read-only; the message says why."""


class Unparsable(Exception):
    """Text DuckDB's parser cannot read; the message is DuckDB's."""


def parse(sql: str) -> list[duckdb.Statement]:
    """The statements of ``sql`` as DuckDB's parser splits them."""
    if not sql or not sql.strip():
        raise NotReadOnly("the query is empty")
    try:
        # On the parser's locked connection: DuckDB's parser reads files itself for some
        # statements (IMPORT DATABASE reads its schema.sql while being parsed).
        return _parser().extract_statements(sql)
    except duckdb.PermissionException as error:
        raise NotReadOnly(
            f"DuckDB would read a file to parse this, which is not allowed here: {error}"
        ) from None
    except duckdb.Error as error:
        raise Unparsable(str(error)) from None


def check(sql: str) -> str:
    """The type (SELECT or EXPLAIN) of the one read-only statement in ``sql``.

    Raises :class:`NotReadOnly` for anything else and :class:`Unparsable` when DuckDB cannot
    parse it.
    """
    statements = parse(sql)
    if len(statements) != 1:
        raise NotReadOnly(f"one statement at a time; this has {len(statements)}")
    # The text as written, not the parser's copy: DuckDB rewrites some statements' text.
    return check_statement(statements[0], sql)


def check_statement(statement: duckdb.Statement, text: str | None = None) -> str:
    """The type of one parsed statement (SELECT or EXPLAIN) when it is read-only.

    ``text`` is the statement's SQL (default: the parser's copy of it).
    """
    kind = statement.type.name
    if kind not in ALLOWED_STATEMENTS:
        raise NotReadOnly(f"only SELECT or EXPLAIN can run here, and this is {kind}")
    text = statement.query if text is None else text
    if not text.strip():
        # DuckDB expands some statements (a PIVOT without IN) into several with no text of
        # their own, so there is nothing to look into.
        raise NotReadOnly("cannot check this statement: DuckDB rewrote it into others")
    inner = _EXPLAIN.sub("", text, count=1) if kind == "EXPLAIN" else text
    refusal = refused_function(inner)
    if refusal:
        raise NotReadOnly(refusal)
    return kind


def refused_function(select: str) -> str | None:
    """Why ``select`` (one SELECT) may not run because of what it calls or reads, or None."""
    return refusal_in(_tree(select))


def refusal_in(tree: Any, *, views: bool = True) -> str | None:
    """Why a serialized syntax tree may not run, or None: the first refused call or table;
    ``views``: also refuse the system views that call what the list refuses."""
    for call, as_table in walk_calls(tree):
        refusal = refused_call(call, as_table=as_table)
        if refusal:
            return refusal
    for key in ("catalog_name", "schema_name", "catalog", "schema"):
        for name in _names(tree, (key,)):
            if name.lower().startswith(METADATA_DATABASE_PREFIX):
                return (
                    f"{name} is DuckLake's own catalog, not part of the lake: "
                    "query the lake's tables"
                )
    for table in walk_base_tables(tree):
        refusal = refused_table(table, views=views)
        if refusal:
            return refusal
    return None


def _not_listed(name: str, *, as_table: bool) -> str:
    kind = "table function" if as_table else "function"
    return (
        f"the {kind} {name}() is not allowed here: a read-only query may call only the "
        f"functions listed in {LIST_LOCATION}"
    )


def is_allowed(name: str, *, as_table: bool) -> bool:
    """Whether a call of ``name`` (in a FROM clause when ``as_table``) is on the list."""
    bare = name.lower()
    listed = sql_functions.table_functions() if as_table else sql_functions.scalar_functions()
    # lake.snapshots() is ducklake_snapshots('lake') called through the catalog, and so is a
    # bare snapshots() once the lake is the current database (USE lake, as both doors do).
    return bare in listed or (not bare.startswith("ducklake_") and f"ducklake_{bare}" in listed)


def refused_call(call: dict[str, Any], *, as_table: bool) -> str | None:
    """Why one function node of a syntax tree may not run, or None."""
    name = call["function_name"]
    if not is_allowed(name, as_table=as_table):
        return _not_listed(name, as_table=as_table)
    if name.lower() in sql_functions.FUNCTIONS_NAMED_IN_A_STRING:
        # list_aggregate(l, 'sum') finds its aggregate by the string's text at run time.
        children = call.get("children") or []
        named = _string_constant(children[1]) if len(children) > 1 else None
        if named is None:
            return (
                f"{name}() finds its aggregate by a name computed at run time: "
                "write the aggregate's name as a string literal"
            )
        if not is_allowed(named, as_table=False):
            return _not_listed(named, as_table=False)
    return None


def refused_table(table: dict[str, Any], *, views: bool = True) -> str | None:
    """Why one table reference (FROM x) may not be read, or None."""
    name = table.get("table_name") or ""
    if _FILE_LIKE.search(name):
        return (
            f"'{name}' would be read as a file or URL, which is not allowed here: "
            "query the lake's tables and views"
        )
    # By name whatever the qualifier: a costboard table never shares a system view's name,
    # and system.pg_catalog.pg_settings is pg_settings all the same.
    refusal = system_view_refusals().get(name.lower()) if views else None
    return f"the view {name} is not allowed here, since inside it {refusal}" if refusal else None


@cache
def system_view_refusals() -> dict[str, str]:
    """DuckDB's own views (pg_settings, information_schema.tables, ...) whose definitions call
    what the list refuses, with the refusal. A view's body is bound where a syntax tree
    cannot see it, so the body is checked instead."""
    with closing(duckdb.connect()) as connection:
        views = connection.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE internal"
        ).fetchall()
    refusals: dict[str, str] = {}
    reads: dict[str, set[str]] = {}
    for name, sql in views:
        body = _VIEW_BODY.match(sql)
        try:
            tree = _tree(body.group(1)) if body else None
            refusal = refusal_in(tree, views=False) if body else "its definition is unknown"
        except NotReadOnly as error:
            tree, refusal = None, str(error)
        if refusal:
            refusals[name.lower()] = refusal
        reads[name.lower()] = {t.get("table_name", "").lower() for t in walk_base_tables(tree)}
    # A view that reads a refused view is refused too (information_schema reads duckdb_*).
    changed = True
    while changed:
        changed = False
        for name, tables in reads.items():
            refused = sorted(t for t in tables if t in refusals and t != name)
            if name not in refusals and refused:
                refusals[name] = f"it reads {refused[0]}, and {refusals[refused[0]]}"
                changed = True
    return refusals


def _string_constant(node: Any) -> str | None:
    if isinstance(node, dict) and node.get("type") == "VALUE_CONSTANT":
        value = node.get("value") or {}
        if (value.get("type") or {}).get("id") == "VARCHAR" and isinstance(value.get("value"), str):
            return value["value"]
    return None


_parsers = threading.local()
#: Parsing touches no file, URL or extension.
_PARSER_CONFIG: Final = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def _parser() -> duckdb.DuckDBPyConnection:
    """An empty, locked in-memory connection to parse with, one per thread (a connection is
    not shared between threads); opening one per check took ~30 ms."""
    parser = getattr(_parsers, "connection", None)
    if parser is None:
        parser = duckdb.connect(config={**_PARSER_CONFIG})
        parser.execute("SET lock_configuration = true")
        _parsers.connection = parser
    return parser


def _tree(sql: str) -> Any:
    """DuckDB's serialized syntax tree of one SELECT."""
    row = _parser().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        # EXPLAIN of something other than a SELECT, or syntax the serializer rejects.
        raise NotReadOnly(f"cannot check this statement: {tree.get('error_message', 'unknown')}")
    return tree


def function_names(sql: str) -> set[str]:
    """Every function a SELECT calls, from DuckDB's serialized syntax tree."""
    return {call["function_name"] for call, _ in walk_calls(_tree(sql))}


def _names(node: Any, keys: tuple[str, ...]) -> Iterator[str]:
    """Every non-empty string under one of ``keys`` in a serialized syntax tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str) and value:
                yield value
            else:
                yield from _names(value, keys)
    elif isinstance(node, list):
        for value in node:
            yield from _names(value, keys)


def walk_calls(node: Any, *, as_table: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every node naming a function (a call, a window function, a table function) in a
    serialized syntax tree, however deep, with whether it is a table function."""
    if isinstance(node, dict):
        if isinstance(node.get("function_name"), str):
            yield node, as_table
        if node.get("type") == "TABLE_FUNCTION":
            # The table function itself; its arguments are expressions again.
            yield from walk_calls(node.get("function"), as_table=True)
            rest = {k: v for k, v in node.items() if k != "function"}
            yield from walk_calls(list(rest.values()))
            return
        for value in node.values():
            yield from walk_calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_calls(value)


def walk_function_names(node: Any) -> Iterator[str]:
    """Every ``function_name`` in a serialized syntax tree, however deep."""
    for call, _ in walk_calls(node):
        yield call["function_name"]


def walk_base_tables(node: Any) -> Iterator[dict[str, Any]]:
    """Every table reference by name (``FROM x``) in a serialized syntax tree."""
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            yield node
        for value in node.values():
            yield from walk_base_tables(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_base_tables(value)
