"""The claim_checks view (warehouse/sql/26_claim_checks_view.sql): each check fires on a crafted
case and stays silent on a clean one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pytest

from costboard.warehouse import lake, schema
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.ingest import ingest
from tests.warehouse.test_reconciliation_view import estimate, store

DAY = dt.date(2025, 1, 10)
LATER = dt.date(2025, 1, 20)
SUBJECTS = "subject,kind\nv3,model\nr1,model\n"
HEADER = (
    "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url,"
    "bound,source_kind,cites,status,status_note\n"
)
URL = "https://example.org/a"
ROWS = [
    # the party's own figure, inside the estimate's range: no finding
    f"v3-cost,v3,training_cost,final_run,5.576,usd_million,Lab,{DAY},{URL},,primary,,,",
    # R1 given V3's figure: 0.4% from it, about another subject
    f"r1-news,r1,training_cost,final_run,5.6,usd_million,News,{LATER},{URL},,secondary,v3-cost,"
    "misattributed,V3's figure",
    # a restatement 7.6% off the claim it cites, and too far off V3's to "match" it
    f"r1-six,r1,training_cost,final_run,6,usd_million,Paper,{LATER},{URL},approximate,secondary,"
    "v3-cost,,",
    # R1's own figure: no finding (no estimate of R1 at all is a different check's business)
    f"r1-own,r1,training_cost,final_run,294,usd_thousand,Lab,{LATER},{URL},,primary,,,",
    # a report that names no source
    f"bare,v3,gpu_count,final_run,2048,count,Blog,{LATER},{URL},,secondary,,,",
    # a restatement of a claim of another metric
    f"wrong-metric,v3,gpu_hours,final_run,5.576,gpu_hours_million,Blog,{LATER},{URL},,secondary,"
    "v3-cost,,",
    # a dollar figure no estimator gives (server capex of a model's cluster)
    f"v3-capex,v3,server_capex,cluster_capex,100,usd_million,Analyst,{DAY},{URL},,analysis,,,",
    # outside the estimate's range (4M-8M), and a floor the range does not reach
    f"v3-high,v3,training_cost,final_run,20,usd_million,Analyst,{DAY},{URL},,analysis,,,",
    f"v3-floor-above,v3,training_cost,final_run,10,usd_million,Analyst,{DAY},{URL},lower,analysis,,,",
    # a floor the range reaches: consistent
    f"v3-floor-inside,v3,training_cost,final_run,3,usd_million,Analyst,{DAY},{URL},lower,analysis,,,",
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> WarehouseConfig:
    home = tmp_path_factory.mktemp("checks") / "home"
    config = WarehouseConfig.resolve(home)
    schema.create(config, author="tests")
    (home / "subjects.csv").write_text(SUBJECTS)
    (home / "claims.csv").write_text(HEADER + "\n".join(ROWS) + "\n")
    ingest(config, [home / "subjects.csv", home / "claims.csv"], message="c", today=LATER)
    return config


@pytest.fixture
def connection(warehouse: WarehouseConfig) -> Iterator[duckdb.DuckDBPyConnection]:
    with lake.connect(warehouse) as connection:
        yield connection


def findings(
    connection: duckdb.DuckDBPyConnection, check: str
) -> dict[str, tuple[str, str | None]]:
    rows = connection.execute(
        'SELECT claim_id, detail, related_claim_id FROM claim_checks WHERE "check" = ?', [check]
    ).fetchall()
    return {claim_id: (detail, related) for claim_id, detail, related in rows}


def test_a_figure_within_two_percent_of_another_subjects_claim_is_named(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    found = findings(connection, "matches_other_subject")
    assert set(found) == {"r1-news"}  # not r1-six (7.6% off), not the primary ones
    detail, related = found["r1-news"]
    assert related == "v3-cost"
    assert "v3's training_cost final_run (v3-cost, 2025-01-10)" in detail


def test_a_restatement_that_differs_from_its_source_is_flagged(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    found = findings(connection, "cited_value_differs")
    assert set(found) == {"r1-six", "wrong-metric"}  # r1-news is 0.4% off: a fair restatement
    assert found["r1-six"] == ("restates v3-cost (5.576e+06) as 6e+06: +7.6%", "v3-cost")
    assert found["wrong-metric"][0] == "restates v3-cost, a training_cost, as a gpu_hours"


def test_a_secondary_claim_without_cites_is_flagged(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    assert set(findings(connection, "cites_missing")) == {"bare"}


def test_checks_against_estimates_need_estimates(connection: duckdb.DuckDBPyConnection) -> None:
    # no estimates stored yet: "no estimator gives it" would be true of everything, and useless
    assert findings(connection, "no_comparable_estimate") == {}
    assert findings(connection, "outside_all_estimates") == {}


def test_claims_no_estimate_compares_with_or_outside_every_range_are_flagged(
    warehouse: WarehouseConfig,
) -> None:
    store(
        warehouse,
        estimate(subject="v3", as_of=DAY, value=5.576e6, low=4e6, high=8e6),
        estimate(subject="r1", as_of=LATER, value=294e3, low=200e3, high=400e3),
    )
    with lake.connect(warehouse) as connection:
        uncompared = findings(connection, "no_comparable_estimate")
        outside = findings(connection, "outside_all_estimates")
    assert set(uncompared) == {"v3-capex"}  # gpu counts and hours are not dollar figures
    assert uncompared["v3-capex"][0] == "no estimator gives server_capex cluster_capex for v3"
    assert set(outside) == {"v3-high", "v3-floor-above", "r1-news", "r1-six"}
    assert outside["v3-high"][0] == "outside every estimate's range: model_a 4e+06–8e+06"
