"""Constant dollars in SQL: the price_index view and the macros, checked against the index
computed by hand from the published CSV; their months with no index; the upgrade that gives
an older warehouse the new objects; and the two read-only doors (the fence, `costboard sql`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from costboard.dashboard import fence
from costboard.warehouse import constant_dollars, estimates, ingest, lake, schema, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.demo import seed_file
from costboard.warehouse.writer import TableChanges
from tests.conftest import CliCall
from tests.warehouse.test_estimate_store import frame, row

INDEX_CSV = seed_file("epoch/PCU518210518210.csv")
INDEX_ROWS = pl.read_csv(INDEX_CSV).drop_nulls().height  # the file ends with an empty row
SUBJECTS = "subject,kind,released_on\nold-model,model,2020-03-15\nfleet,company,\n"
NEW_OBJECTS = {
    "view price_index",
    "macro price_index_at",
    "macro is_dollars",
    "macro constant_usd",
    "macro usd_target",
    "macro usd_priced_in",
    "macro usd_conversion",
    "macro in_usd",
    "macro estimates_in_usd_of",
    "macro claims_in_usd_of",
}


def by_hand(month: str) -> float:
    """The index of a month, read from the CSV as FRED publishes it."""
    table = pl.read_csv(INDEX_CSV, try_parse_dates=True)
    value = table.filter(pl.col("observation_date") == dt.date.fromisoformat(month + "-01"))
    return float(value[0, 1])


@pytest.fixture
def priced(config: WarehouseConfig, tmp_path: Path) -> WarehouseConfig:
    """A warehouse with the index, two subjects (one published in 2020-03, one company with
    no date), a claim of each, and estimates: dollars, dollars a year, and a ratio."""
    (tmp_path / "subjects.csv").write_text(SUBJECTS)
    (tmp_path / "claims.csv").write_text(
        "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        "old-model,training_cost,final_run,5,usd_million,someone,2021-06-10,https://a.org/1\n"
        "fleet,operating_cost_rate,fleet_opex,2,usd_million_per_year,someone,2024-12-02,https://a.org/2\n"
    )
    files = [INDEX_CSV, tmp_path / "subjects.csv", tmp_path / "claims.csv"]
    snapshot = ingest.ingest(config, files, message="evidence", today=dt.date(2026, 1, 1))
    assert snapshot.snapshot_id is not None
    stored = frame(
        row(subject="old-model", as_of=dt.date(2021, 6, 10)),
        row(
            subject="fleet",
            as_of=dt.date(2024, 12, 2),
            metric="operating_cost_rate",
            scope="fleet_opex",
            unit="usd_per_year",
            assumed=["a default"],
        ),
        row(
            subject="fleet",
            as_of=dt.date(2025, 8, 1),
            metric="operating_cost_rate",
            scope="fleet_opex",
            unit="usd_per_year",
        ),
        row(
            subject="fleet",
            as_of=dt.date(2024, 12, 2),
            metric="mfu",
            scope="final_run",
            unit="ratio",
            value=0.4,
            low=0.3,
            high=0.5,
        ),
    )
    estimates.store(config, stored, snapshot.snapshot_id, message="estimates")
    return config


def scalar(config: WarehouseConfig, sql: str) -> object:
    with lake.connect(config) as connection:
        return connection.execute(sql).fetchone()[0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("from_date", "to_month"),
    [("2020-03-15", "2025-01"), ("2024-12-27", "2001-06"), ("2025-06-30", "2025-06")],
)
def test_constant_usd_is_the_index_ratio_of_the_published_csv(
    priced: WarehouseConfig, from_date: str, to_month: str
) -> None:
    got = scalar(priced, f"SELECT constant_usd(1000, DATE '{from_date}', DATE '{to_month}-01')")
    expected = 1000 * by_hand(to_month) / by_hand(from_date[:7])
    assert got == pytest.approx(expected, rel=1e-12)


def test_a_month_outside_the_index_has_no_constant_dollars(priced: WarehouseConfig) -> None:
    # The CSV runs from 2000-12 to 2025-06: the month after it, and the one before, are NULL.
    assert scalar(priced, "SELECT constant_usd(1, DATE '2025-07-01', DATE '2020-01-01')") is None
    assert scalar(priced, "SELECT constant_usd(1, DATE '2020-01-01', DATE '2000-11-30')") is None
    assert scalar(priced, "SELECT price_index_at('2025-06-30')") == pytest.approx(
        by_hand("2025-06")
    )


def test_estimates_in_usd_of_converts_dollars_from_the_publication_month(
    priced: WarehouseConfig,
) -> None:
    with lake.connect(priced) as connection:
        nominal = constant_dollars.estimates(connection, None, dt.date(2025, 1, 1))
    rows = {(r["subject"], r["unit"], r["as_of"].isoformat()): r for r in nominal.to_dicts()}
    model = rows[("old-model", "usd", "2021-06-10")]
    # released 2020-03, so priced in 2020-03 whatever the estimate's own date
    factor = by_hand("2025-01") / by_hand("2020-03")
    assert (model["value"], model["low"], model["high"]) == pytest.approx(
        (100 * factor, 50 * factor, 200 * factor)
    )
    assert (model["usd_of"], model["priced_in"]) == (dt.date(2025, 1, 1), dt.date(2020, 3, 1))
    fleet = rows[("fleet", "usd_per_year", "2024-12-02")]  # no release date: its own date
    assert fleet["value"] == pytest.approx(100 * by_hand("2025-01") / by_hand("2024-12"))
    assert fleet["assumed"] == ["a default"]
    late = rows[("fleet", "usd_per_year", "2025-08-01")]  # after the index ends: explicit NULL
    assert (late["value"], late["low"], late["high"]) == (None, None, None)
    ratio = rows[("fleet", "ratio", "2024-12-02")]  # not dollars: untouched
    assert (ratio["value"], ratio["usd_of"], ratio["priced_in"]) == (0.4, None, None)


def test_claims_convert_by_the_same_factor_as_the_estimates(priced: WarehouseConfig) -> None:
    with lake.connect(priced) as connection:
        claims = constant_dollars.claims(connection, ["old-model"], dt.date(2025, 1, 1))
    assert claims["value"].to_list() == pytest.approx(
        [5e6 * by_hand("2025-01") / by_hand("2020-03")]
    )
    assert claims["value_as_written"].to_list() == [5]


def test_a_target_month_with_no_index_is_an_error_that_says_the_span(
    priced: WarehouseConfig,
) -> None:
    with lake.connect(priced) as connection:
        with pytest.raises(duckdb.InvalidInputException, match="no price index for 2030-01"):
            connection.execute("SELECT * FROM estimates_in_usd_of(DATE '2030-01-01')").fetchall()
        with pytest.raises(constant_dollars.NoConstantDollars, match="from 2000-12 to 2025-06"):
            constant_dollars.estimates(connection, None, dt.date(2000, 11, 1))
    with pytest.raises(constant_dollars.NoConstantDollars, match="YYYY-MM"):
        constant_dollars.parse_month("2025-13")
    assert constant_dollars.parse_month(" 2025-01 ") == dt.date(2025, 1, 1)


def downgrade(config: WarehouseConfig) -> None:
    """The warehouse as a costboard without constant dollars made it."""
    with lake.connect(config, read_only=False) as connection:
        connection.execute("BEGIN TRANSACTION")
        for name in ["claims_in_usd_of", "estimates_in_usd_of", "usd_target"]:
            connection.execute(f"DROP MACRO TABLE {name}")
        scalar = ["in_usd", "usd_conversion", "usd_priced_in", "constant_usd", "is_dollars"]
        for name in [*scalar, "price_index_at"]:
            connection.execute(f"DROP MACRO {name}")
        connection.execute("DROP VIEW price_index")
        connection.execute("CALL lake.set_commit_message('tests', 'downgrade')")
        connection.execute("COMMIT")


def test_upgrade_gives_an_older_warehouse_the_view_and_macros(priced: WarehouseConfig) -> None:
    downgrade(priced)
    with lake.connect(priced) as connection, pytest.raises(duckdb.CatalogException):
        connection.execute("SELECT constant_usd(1, DATE '2020-01-01', DATE '2021-01-01')")
    added: list[str] = []
    writer.write(
        priced,
        # the writer commits only a body that reports a change
        lambda connection: (
            added.extend(schema.upgrade(connection)),
            {"schema": TableChanges(changed=1)},
        )[1],
        message="upgrade",
        kind="maintenance",
    )
    assert set(added) == NEW_OBJECTS
    assert scalar(priced, "SELECT constant_usd(1, DATE '2020-03-01', DATE '2025-01-01')") == (
        pytest.approx(by_hand("2025-01") / by_hand("2020-03"))
    )
    with lake.connect(priced) as connection:
        assert schema.upgrade(connection) == []  # up to date: nothing to do


def test_the_next_estimate_write_upgrades_an_older_warehouse(priced: WarehouseConfig) -> None:
    downgrade(priced)
    snapshot = scalar(priced, "SELECT max(snapshot_id) FROM snapshots")
    estimates.store(priced, frame(row(subject="old-model", value=7.0)), int(snapshot), message="e")  # type: ignore[arg-type]
    # only the new run's estimate shows (the view shows the newest input snapshot's)
    assert scalar(priced, "SELECT value FROM estimates_in_usd_of('2025-01-01')") == pytest.approx(
        7 * by_hand("2025-01") / by_hand("2020-03")
    )


def test_the_dashboards_fence_and_costboard_sql_let_users_call_the_macros(
    priced: WarehouseConfig, cli: CliCall
) -> None:
    snapshot = int(scalar(priced, "SELECT max(snapshot_id) FROM snapshots"))  # type: ignore[arg-type]
    query = (
        "SELECT subject, value FROM estimates_in_usd_of('2025-01-01') "
        "WHERE unit = 'usd' ORDER BY subject"
    )
    result = fence.run(priced, query, snapshot)
    assert result.rows[0][0] == "old-model"
    assert result.rows[0][1] == pytest.approx(100 * by_hand("2025-01") / by_hand("2020-03"))
    scalar_query = "SELECT round(constant_usd(1000, DATE '2020-03-01', DATE '2025-01-01'), 2) AS c"
    assert fence.run(priced, scalar_query, snapshot).rows[0][0] == pytest.approx(
        round(1000 * by_hand("2025-01") / by_hand("2020-03"), 2)
    )
    out = cli("sql", scalar_query, "--format", "csv")
    assert out.exit_code == 0, out.output
    assert f"{round(1000 * by_hand('2025-01') / by_hand('2020-03'), 2)}" in out.output
    refused = cli("sql", "SELECT * FROM estimates_in_usd_of('2031-01-01')")
    assert refused.exit_code == 1 and "no price index for 2031-01" in refused.output


def test_an_ingest_upgrades_an_older_warehouse_too(priced: WarehouseConfig, tmp_path: Path) -> None:
    downgrade(priced)
    (tmp_path / "more.csv").write_text("subject,kind\nanother,model\n")
    ingest.ingest(priced, [tmp_path / "more.csv"], message="one more subject")
    assert scalar(priced, "SELECT count(*) FROM price_index") == INDEX_ROWS
