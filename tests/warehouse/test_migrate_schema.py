"""The schema half of `costboard migrate`'s replay (warehouse/migrate_schema.py), on plain
DuckDB databases: ``catalog_objects`` reads a database's tables, views and macros;
``replay`` makes another database's the same (creating, altering and dropping), says which
tables it created or altered, and does nothing the second time; ``dependency_order`` puts
each view or macro after those it names.

A whole warehouse migrated with its history: tests/warehouse/test_migrate.py."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from costboard.warehouse.migrate_schema import TARGET, catalog_objects, dependency_order, replay


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A source database and an empty target, the target current (as in a migration)."""
    connection = duckdb.connect()
    connection.execute(f"ATTACH ':memory:' AS src; ATTACH ':memory:' AS {TARGET}")
    connection.execute("USE src")
    connection.execute("CREATE TABLE claims (claim_id VARCHAR NOT NULL, value INTEGER)")
    connection.execute("CREATE TABLE notes (note VARCHAR)")
    connection.execute("CREATE MACRO point(v) AS v * 2")
    connection.execute("CREATE VIEW points AS SELECT claim_id, point(value) AS p FROM claims")
    connection.execute("CREATE MACRO recent(n) AS TABLE SELECT * FROM points LIMIT n")
    connection.execute(f"USE {TARGET}")
    yield connection
    connection.close()


def test_replay_creates_what_the_source_has_and_the_second_replay_changes_nothing(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    wanted = catalog_objects(connection, "src")
    assert set(wanted["tables"]) == {"claims", "notes"}
    assert set(wanted["views"]) == {"points"} and set(wanted["macros"]) == {"point", "recent"}
    assert wanted["tables"]["claims"]["columns"] == {
        "claim_id": ("VARCHAR", False),
        "value": ("INTEGER", True),
    }
    assert replay(connection, wanted) == {"claims", "notes"}
    assert catalog_objects(connection, TARGET) == wanted
    connection.execute("INSERT INTO claims VALUES ('v3', 3)")
    assert connection.execute("SELECT * FROM recent(5)").fetchall() == [("v3", 6)]
    assert replay(connection, wanted) == set()


def test_replay_alters_a_changed_table_in_place_and_drops_what_the_source_dropped(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    replay(connection, catalog_objects(connection, "src"))
    connection.execute("INSERT INTO claims VALUES ('v3', 3)")
    for change in (
        "DROP MACRO TABLE src.recent",
        "DROP VIEW src.points",
        "DROP TABLE src.notes",
        "ALTER TABLE src.claims ALTER value TYPE DOUBLE",
        "ALTER TABLE src.claims ALTER claim_id DROP NOT NULL",
        "ALTER TABLE src.claims ADD COLUMN unit VARCHAR",
    ):
        connection.execute(change)
    wanted = catalog_objects(connection, "src")
    assert replay(connection, wanted) == {"claims"}
    assert catalog_objects(connection, TARGET) == wanted
    assert set(wanted["views"]) == set() and set(wanted["macros"]) == {"point"}
    # Altered, not re-created: the target's rows are still there.
    assert connection.execute("SELECT * FROM claims").fetchall() == [("v3", 3.0, None)]


def test_dependency_order_puts_each_view_or_macro_after_those_it_names() -> None:
    sql_of = {
        "recent": "SELECT * FROM points LIMIT n",
        "points": "SELECT claim_id, point(value) FROM claims_v2",
        "point": "v * 2",
        "claims_v2": "SELECT 1",
        # "point" inside "pointless" or a quoted or qualified "points" is no dependency
        "pointless": 'SELECT 1 AS pointless, x."points" FROM lake.points AS x',
        "aaa": "SELECT recently, recent_x FROM t",  # names that start with "recent"
    }
    order = dependency_order(sql_of)
    assert order.index("point") < order.index("points") < order.index("recent")
    assert order.index("claims_v2") < order.index("points")
    assert order == ["aaa", "claims_v2", "point", "pointless", "points", "recent"]


def test_a_cycle_keeps_the_rest_in_name_order_rather_than_looping() -> None:
    assert dependency_order({"b": "SELECT * FROM a", "a": "SELECT * FROM b", "c": "1"}) == [
        "c",
        "a",
        "b",
    ]
