"""Is this SQL read-only? The one check behind ``costboard sql`` and the dashboard's SQL page.

Attaching the lake READ_ONLY is not enough on its own (found while building the dashboard's
fence): DuckLake's maintenance functions are table functions that a SELECT, an ``EXPLAIN
ANALYZE``, a ``CALL`` or a ``PIVOT`` can run, and on a read-only attach
``ducklake_cleanup_old_files`` still deletes data files before it fails to update the catalog.
So both doors ask DuckDB's own parser first:

1. Statement types: SELECT or EXPLAIN only. DuckDB's settings are a second layer, not a
   sandbox (DETACH, CALL and temp tables pass them), which is why this allow-list comes first.
2. Functions: none that writes, found in the statement's syntax tree; ``query()`` would hide a
   statement inside a string, and any ``ducklake_*`` name that is not a known reader (a future
   writer) is refused too.

This module knows nothing of who asks. The dashboard's fence (dashboard/fence.py) adds what a
shared server needs on top: one statement per query, a locked-down connection, a time limit
and a row cap. The CLI runs every statement of a script through :func:`check_statement`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import closing
from typing import Any, Final

import duckdb

from costboard.warehouse.lake import METADATA_DATABASE_PREFIX

ALLOWED_STATEMENTS: Final = frozenset({"SELECT", "EXPLAIN"})

#: DuckLake functions that write files or the catalog (a SELECT can call them), and the
#: functions that run SQL given as a string, which no parser can see into.
WRITING_FUNCTIONS: Final = frozenset(
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
DUCKLAKE_READERS: Final = frozenset(
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

#: Function prefixes of the catalog database's own extensions: ``postgres_query`` would run any
#: SQL on the team's PostgreSQL server (its activity, other databases, ``pg_sleep`` past the
#: time limit), ``sqlite_scan`` would read any SQLite file; neither is pinned to a snapshot.
CATALOG_FUNCTION_PREFIXES: Final = ("postgres_", "sqlite_")

# EXPLAIN's syntax tree cannot be serialized; the SELECT after it can (comments may lead).
_EXPLAIN = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN(?:\s+ANALYZE)?\b", re.I | re.S)


class NotReadOnly(Exception):
    """SQL this check cannot vouch for as read-only; the message says why."""


class Unparsable(Exception):
    """Text DuckDB's parser cannot read; the message is DuckDB's."""


def parse(sql: str) -> list[duckdb.Statement]:
    """The statements of ``sql`` as DuckDB's parser splits them."""
    if not sql or not sql.strip():
        raise NotReadOnly("the query is empty")
    try:
        return duckdb.extract_statements(sql)
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
    """Why ``select`` (one SELECT) may not run because of a function it calls, or None."""
    tree = _tree(select)
    for name in set(walk_function_names(tree)):
        bare = name.lower()
        # lake.cleanup_old_files() is ducklake_cleanup_old_files() called through the catalog.
        qualified_as_ducklake = bare if bare.startswith("ducklake_") else f"ducklake_{bare}"
        if bare in WRITING_FUNCTIONS or qualified_as_ducklake in WRITING_FUNCTIONS:
            return f"the function {name}() is not allowed here: it writes or runs SQL text"
        if bare.startswith("ducklake_") and bare not in DUCKLAKE_READERS:
            return f"the function {name}() is not allowed here"
        if bare.startswith(CATALOG_FUNCTION_PREFIXES):
            return f"the function {name}() is not allowed here: it reaches the catalog's database"
    for name in _names(tree, ("catalog_name", "schema_name")):
        if name.lower().startswith(METADATA_DATABASE_PREFIX):
            return (
                f"{name} is DuckLake's own catalog, not part of the lake: query the lake's tables"
            )
    return None


def _tree(sql: str) -> Any:
    """DuckDB's serialized syntax tree of one SELECT."""
    with closing(duckdb.connect()) as parser:
        row = parser.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        # EXPLAIN of something other than a SELECT, or syntax the serializer rejects.
        raise NotReadOnly(f"cannot check this statement: {tree.get('error_message', 'unknown')}")
    return tree


def function_names(sql: str) -> set[str]:
    """Every function a SELECT calls, from DuckDB's serialized syntax tree."""
    return set(walk_function_names(_tree(sql)))


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


def walk_function_names(node: Any) -> Iterator[str]:
    """Every ``function_name`` in a serialized syntax tree, however deep."""
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            yield name
        for value in node.values():
            yield from walk_function_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_function_names(value)
