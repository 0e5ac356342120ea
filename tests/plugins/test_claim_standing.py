"""Every claim of a subject with its standing (plugins/claim_standing.py), read directly on the
dashboard tests' warehouse (the demo with estimates), on both catalog kinds: whether each claim
is evidence and why not, what the claim_checks view found, oldest first, at an evidence date,
and from a lake attached under another name.

This file holds the standing itself. What each door shows of it: the CLI's and the API's
(tests/warehouse/test_claim_standing.py), the dashboard's tables and markers
(tests/dashboard/test_claim_standing.py), the same in Chromium
(tests/browser/test_browser_claims_standing.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import polars as pl
import pytest

from costboard.plugins.claim_standing import COLUMNS, subject_claims
from costboard.warehouse import evidence_time, lake
from costboard.warehouse.config import WarehouseConfig

pytestmark = pytest.mark.catalogs


@pytest.fixture(scope="module")
def connection(dashboard_config: WarehouseConfig) -> Iterator[duckdb.DuckDBPyConnection]:
    with lake.connect(dashboard_config) as connection:
        yield connection


def standing(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {row["claim_id"]: row for row in frame.iter_rows(named=True)}


def test_every_claim_of_the_subject_is_listed_oldest_first_with_the_columns(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    frame = subject_claims(connection, "deepseek-r1")
    assert tuple(frame.columns) == COLUMNS
    count = connection.execute("SELECT count(*) FROM claims WHERE subject = 'deepseek-r1'")
    assert frame.height == count.fetchone()[0]  # type: ignore[index]
    assert frame.equals(frame.sort("stated_on", "claim_id"))
    assert set(frame["subject"]) == {"deepseek-r1"}


def test_a_misattributed_report_is_listed_out_of_the_evidence_with_its_reason_and_checks(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    r1 = standing(subject_claims(connection, "deepseek-r1"))
    for report in ("benzinga-r1-training-cost", "ghacks-r1-training-cost"):
        assert r1[report]["status"] == "misattributed" and r1[report]["in_evidence"] is False
        assert str(r1[report]["excluded_because"]).startswith("misattributed: V3's final-run cost")
    benzinga = r1["benzinga-r1-training-cost"]
    assert "matches_other_subject" in str(benzinga["checks"])
    assert "cited_value_differs" in str(r1["ghacks-r1-training-cost"]["checks"])


def test_a_stage_cost_no_estimator_models_is_evidence_with_its_check(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    r1 = standing(subject_claims(connection, "deepseek-r1"))
    for stage in (
        "r1-training-cost-r1-rl",
        "r1-training-cost-r1-zero",
        "r1-training-cost-sft-data",
    ):
        assert r1[stage]["in_evidence"] is True and r1[stage]["excluded_because"] is None
        assert "no_comparable_estimate" in str(r1[stage]["checks"])
    final_run = r1["r1-training-cost-final-run"]
    assert (final_run["in_evidence"], final_run["checks"]) == (True, None)


def test_a_restatement_is_left_out_naming_the_claim_that_is_the_evidence(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    v3 = standing(subject_claims(connection, "deepseek-v3"))
    cnbc = v3["cnbc-v3-final-run-cost"]
    assert cnbc["in_evidence"] is False
    assert cnbc["excluded_because"] == (
        "restates claim v3-training-cost-final-run, which is the evidence instead"
    )
    assert v3["v3-training-cost-final-run"]["in_evidence"] is True


def test_at_an_evidence_date_only_the_claims_stated_by_then_are_listed(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    evidence_time.pin(connection, dt.date(2025, 9, 16))
    try:
        before_nature = standing(subject_claims(connection, "deepseek-r1"))
    finally:
        evidence_time.pin(connection, None)
    assert "r1-training-cost-final-run" not in before_nature
    assert "benzinga-r1-training-cost" in before_nature
    assert max(row["stated_on"] for row in before_nature.values()) <= dt.date(2025, 9, 16)


def test_a_lake_attached_under_another_name_reads_the_same(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    here = subject_claims(connection, "deepseek-v3")
    connection.execute("USE memory")
    try:
        named = subject_claims(connection, "deepseek-v3", database=lake.LAKE)
    finally:
        connection.execute(f"USE {lake.LAKE}")
    assert named.equals(here) and named.height > 0
