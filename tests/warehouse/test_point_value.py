"""A claim's point value (warehouse/point_value.py): the polars form gives exactly what the SQL
``claim_point`` macro gives, on crafted rows (every shape a claim's figure can take, and the
edges of the rule) and on every claim of the demo warehouse; the estimators' ``middle``, the
ladder and the dashboard's markers all use it."""

from __future__ import annotations

import math

import duckdb
import polars as pl

from costboard.dashboard import claim_markers
from costboard.plugins import evidence
from costboard.warehouse import ladder, lake, point_value
from costboard.warehouse.config import WarehouseConfig

#: (what the row is, value, low, high, the point the rule gives)
ROWS = [
    ("exact", 5.576e6, None, None, 5.576e6),
    ("a value with a range: the value", 5.6e6, 1e6, 1e9, 5.6e6),
    ("a value of zero is a value", 0.0, 1.0, 2.0, 0.0),
    ("a range: its geometric middle", None, 2.0, 8.0, 4.0),
    ("an irrational middle", None, 3.0, 7.0, math.sqrt(21.0)),
    ("a lower bound given as low only", None, 5e8, None, 5e8),
    ("an upper bound given as high only", None, None, 9.44e8, 9.44e8),
    ("a range from zero: its low end", None, 0.0, 8.0, 0.0),
    ("a negative range (a market move): its low end", None, -5.95e11, -5e11, -5.95e11),
    ("a range across zero: its low end", None, -1.0, 4.0, -1.0),
    ("a tiny range whose product underflows", None, 1e-200, 1e-200, 0.0),
    ("a huge range whose product overflows", None, 1e200, 1e200, math.inf),
    ("no figure at all", None, None, None, None),
]


def sql_points(connection: duckdb.DuckDBPyConnection, rows: list[tuple]) -> list[float | None]:
    frame = pl.DataFrame([r[1:4] for r in rows], schema=["value", "low", "high"], orient="row")
    connection.register("crafted", frame.with_row_index("i"))
    found = connection.execute("SELECT claim_point(value, low, high) FROM crafted ORDER BY i")
    return [point for (point,) in found.fetchall()]


def polars_points(rows: list[tuple]) -> list[float | None]:
    frame = pl.DataFrame([r[1:4] for r in rows], schema=["value", "low", "high"], orient="row")
    return frame.select(point_value.claim_point())["value"].to_list()


def test_the_polars_point_is_the_sql_macros_on_every_shape_of_figure(
    config: WarehouseConfig,
) -> None:
    with lake.connect(config) as connection:
        in_sql = sql_points(connection, ROWS)
    in_polars = polars_points(ROWS)
    expected = [r[4] for r in ROWS]
    # Exact equality, not approx: the two must agree to the last bit.
    assert in_polars == in_sql == expected, [
        (r[0], p, s) for r, p, s in zip(ROWS, in_polars, in_sql, strict=True) if p != s
    ]


def test_the_polars_point_is_the_sql_macros_on_every_demo_claim(
    demo_config: WarehouseConfig,
) -> None:
    with lake.connect(demo_config) as connection:
        claims = connection.execute(
            "SELECT claim_id, value, low, high, claim_point(value, low, high) AS in_sql "
            "FROM claims ORDER BY claim_id"
        ).pl()
    in_polars = claims.select(point_value.claim_point()).to_series()
    assert claims.height > 1000
    assert claims.filter(pl.col("value").is_null() & pl.col("low").is_not_null()).height > 0
    assert in_polars.to_list() == claims["in_sql"].to_list()


def test_the_estimators_ladder_and_markers_take_the_warehouses_rule() -> None:
    frame = pl.DataFrame([r[1:4] for r in ROWS], schema=["value", "low", "high"], orient="row")
    assert frame.select(evidence.middle()).to_series().to_list() == polars_points(ROWS)
    # One rule, not copies of it: the ladder and the markers call the warehouse's function.
    assert ladder.claim_point is claim_markers.claim_point is point_value.claim_point


def test_the_columns_can_be_named() -> None:
    frame = pl.DataFrame({"v": [None], "lo": [2.0], "hi": [8.0]})
    assert frame.select(point_value.claim_point("v", "lo", "hi")).item() == 4.0
