"""The function allow-list against the pinned DuckDB itself: every function that DuckDB 1.5.5
with every extension costboard loads offers is either listed (warehouse/sql_functions.py) or
refused by the read-only check, so a function a future DuckDB adds is refused until someone
lists it; and nothing listed is stale."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing

import duckdb
import pytest

from costboard.warehouse import extensions, lake, readonly_sql, schema, sql_functions
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.schema import ddl_statements

EXPRESSION_KINDS = {"scalar", "aggregate", "macro"}
TABLE_KINDS = {"table", "table_macro"}


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with every extension costboard loads (the catalogs' scanners, httpfs for
    object storage) and an empty lake attached, so the product's macros are there too."""
    config = WarehouseConfig.resolve(tmp_path_factory.mktemp("allowlist") / "home")
    schema.create(config, author="tests")
    connection = extensions.connect_offline()
    extensions.load(connection, *extensions.WHEEL_PACKAGES)
    lake.attach(connection, config, read_only=True)
    connection.execute(f"USE {lake.LAKE}")
    with closing(connection):
        yield connection


@pytest.fixture(scope="module")
def functions(everything: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Every function name DuckDB offers, with its kinds (scalar, table, macro ...)."""
    kinds: dict[str, set[str]] = {}
    for name, kind in everything.execute(
        "SELECT DISTINCT function_name, function_type FROM duckdb_functions()"
    ).fetchall():
        kinds.setdefault(name, set()).add(kind)
    return kinds


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_the_pinned_duckdb_and_its_extensions_are_what_the_list_was_made_from(
    functions: dict[str, set[str]], everything: duckdb.DuckDBPyConnection
) -> None:
    assert duckdb.__version__ == "1.5.5"
    loaded = {
        row[0]
        for row in everything.execute(
            "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
        ).fetchall()
    }
    assert set(extensions.WHEEL_PACKAGES) <= loaded
    assert {"json", "parquet", "icu", "core_functions"} <= loaded
    assert len(functions) > 900  # 980 names on DuckDB 1.5.5 with these extensions


def test_every_function_duckdb_offers_is_listed_or_refused(
    functions: dict[str, set[str]],
) -> None:
    """The sweep: call each name where a query could (in an expression, in FROM, through the
    lake's name) and run the real check on it."""
    passed_unlisted = []
    for name, kinds in sorted(functions.items()):
        calls = [
            (f"SELECT {_quoted(name)}()", False),
            (f"SELECT * FROM {_quoted(name)}()", True),
            (f"SELECT * FROM lake.{_quoted(name)}()", True),
        ]
        for sql, as_table in calls:
            # Listed, read from the list itself (not from the check under test): the name, or
            # DuckLake's reader it is short for (lake.snapshots() is ducklake_snapshots()).
            listed = (
                sql_functions.table_functions() if as_table else (sql_functions.scalar_functions())
            )
            if name.lower() in listed or f"ducklake_{name.lower()}" in listed:
                continue
            try:
                readonly_sql.check(sql)
            except readonly_sql.NotReadOnly as refused:
                assert name.lower() in str(refused).lower(), (sql, str(refused))
            else:
                passed_unlisted.append((sql, sorted(kinds)))
    assert passed_unlisted == []


def test_each_listed_name_is_listed_where_duckdb_has_it(functions: dict[str, set[str]]) -> None:
    """No stale entries: every listed name is a function DuckDB has, of a kind that can be
    called where it is listed."""
    by_lower = {}
    for name, kinds in functions.items():
        by_lower.setdefault(name.lower(), set()).update(kinds)
    stale_scalar = sorted(
        n
        for n in sql_functions.scalar_functions()
        if not by_lower.get(n, set()) & EXPRESSION_KINDS
        and n != "unnest"  # the parser's own: SELECT unnest(list) is not a table function
    )
    stale_table = sorted(
        n for n in sql_functions.table_functions() if not by_lower.get(n, set()) & TABLE_KINDS
    )
    assert (stale_scalar, stale_table) == ([], [])


def test_the_figures_of_the_list(functions: dict[str, set[str]]) -> None:
    listed = {n for n in functions if n.lower() in sql_functions.allowed()}
    refused = set(functions) - listed
    # Measured on DuckDB 1.5.5 with ducklake, sqlite_scanner, postgres_scanner and httpfs,
    # and the lake's fifteen macros (issue 18's seven and issue 19's three method macros are
    # listed, so only the listed grew).
    assert (len(functions), len(listed), len(refused)) == (995, 829, 166)


def test_every_listed_macro_calls_only_listed_functions(
    everything: duckdb.DuckDBPyConnection,
) -> None:
    """A macro's body is bound where the syntax tree cannot see it, so its body is checked."""
    refused = {}
    for name, kind, body in everything.execute(
        "SELECT function_name, function_type, macro_definition FROM duckdb_functions() "
        "WHERE function_type IN ('macro', 'table_macro') AND macro_definition IS NOT NULL"
    ).fetchall():
        listed = (
            sql_functions.table_functions()
            if kind == "table_macro"
            else (sql_functions.scalar_functions())
        )
        if name.lower() not in listed:
            continue
        select = body if kind == "table_macro" else f"SELECT ({body})"
        why = readonly_sql.refused_function(select)
        if why:
            refused[name] = why
    assert refused == {}


def test_a_name_listed_bare_is_not_a_ducklake_function_under_the_lakes_name(
    functions: dict[str, set[str]],
) -> None:
    """lake.X() may be DuckLake's ducklake_X(); a listed X must not hide an unlisted one."""
    hidden = sorted(
        n
        for n in sql_functions.allowed()
        if not n.startswith("ducklake_")
        and f"ducklake_{n}" in functions
        and f"ducklake_{n}" not in sql_functions.allowed()
    )
    assert hidden == []


def test_the_products_macros_are_listed_from_its_ddl() -> None:
    written = {
        m.lower()
        for _, sql in ddl_statements()
        for m in re.findall(r"CREATE\s+MACRO\s+(\w+)", sql, re.I)
    }
    assert (
        written
        == set(sql_functions.product_macros())
        == {
            "claim_point",
            "known_by_evidence_date",
            "never_evidence",
            "price_index_at",
            "is_dollars",
            "constant_usd",
            "usd_target",
            "usd_priced_in",
            "usd_conversion",
            "in_usd",
            "estimates_in_usd_of",
            "claims_in_usd_of",
            "claim_methods",
            "claim_method",
            "method_matches",
        }
    )
    assert {"estimates_in_usd_of", "claims_in_usd_of", "usd_target"} <= (
        sql_functions.table_functions()
    )
    assert {"constant_usd", "claim_point", "known_by_evidence_date", "never_evidence"} <= (
        sql_functions.scalar_functions()
    )


def test_what_the_products_views_and_macros_call_is_on_the_list() -> None:
    """The product's own SQL is the first user of the list: a view or macro calling something
    the list refuses would mean the list is missing a function analysts need."""
    body = re.compile(
        r"\bCREATE\s+(?:VIEW|MACRO)\s+\w+(?:\([^)]*\))?\s+AS\s+(?:TABLE\s+)?(.*)$", re.I | re.S
    )
    refused, checked = {}, 0
    for file, sql in ddl_statements():
        for statement in duckdb.extract_statements(sql):
            found = body.search(statement.query)
            if not found:
                continue
            select = found.group(1).strip().rstrip(";")
            if not re.match(r"\(*\s*(SELECT|WITH|FROM)\b", select, re.I):
                select = f"SELECT {select}"
            checked += 1
            why = readonly_sql.refused_function(select)
            if why:
                refused[file] = why
    assert refused == {}
    assert checked >= 14  # the views and macros of warehouse/sql
