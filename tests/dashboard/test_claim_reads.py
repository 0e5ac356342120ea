"""costboard.dashboard.claim_reads: the claims grid's rows (cites as text, claim_checks findings
joined so the grid filters on them), its export cap, and one claim's versions.
(tests/dashboard/test_data.py reads a filtered, sorted page and a revised claim's two versions.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import claim_reads, grid_sql
from costboard.dashboard.data import Reader
from costboard.warehouse.config import WarehouseConfig

#: A demo claim that restates another's figure with a different value: one check finding.
RESTATEMENT = "ghacks-r1-training-cost"
KINDS = {"claim_id": "text", "checks": "text", "cites": "text"}


@pytest.fixture(scope="module")
def reader(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Reader:
    # A copy of the demo warehouse: its claims and checks are all these reads need.
    home = tmp_path_factory.mktemp("claim-reads") / "home"
    shutil.copytree(demo_home_template, home)
    return Reader(WarehouseConfig.resolve(home), SimpleCache(threshold=0), warm_in_background=False)


def page(reader: Reader, filters: dict, limit: int = 50) -> tuple[list[dict], int]:
    where, params = grid_sql.where(filters, KINDS)
    rows, total = reader.claims_page(
        reader.latest_id(),
        where=where,
        params=params,
        order_by=grid_sql.order_by([], KINDS, '"claim_id"'),
        offset=0,
        limit=limit,
    )
    return rows.to_dicts(), total


def test_a_claims_findings_and_cites_are_text_in_its_grid_row(reader: Reader) -> None:
    (row,), total = page(
        reader, {"claim_id": {"filterType": "text", "type": "equals", "filter": RESTATEMENT}}
    )
    assert total == 1
    assert row["cites"] == "v3-training-cost-final-run"
    assert row["checks"] == (
        "cited_value_differs: restates v3-training-cost-final-run (5.576e+06) as 6e+06: +7.6%"
    )


def test_the_grid_filters_on_the_findings_text(reader: Reader) -> None:
    rows, total = page(
        reader, {"checks": {"filterType": "text", "type": "contains", "filter": "cited_value"}}
    )
    findings = reader.frame(
        reader.latest_id(),
        "SELECT count(DISTINCT claim_id) AS n FROM {db}.claim_checks "
        "WHERE \"check\" = 'cited_value_differs'",
    )
    assert total == findings["n"][0] == len(rows) > 0
    assert RESTATEMENT in {r["claim_id"] for r in rows}
    assert all("cited_value_differs: " in r["checks"] for r in rows)


def test_a_page_asks_for_no_more_than_the_export_cap(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claim_reads, "MAX_EXPORT_ROWS", 4)
    rows, total = page(reader, {}, limit=1000)
    assert len(rows) == 4 and total > 1000  # the count is of every matching row


def test_a_claim_never_revised_has_one_current_version(reader: Reader) -> None:
    versions = reader.claim_versions(reader.latest_id(), RESTATEMENT)
    assert versions.height == 1
    (version,) = versions.to_dicts()
    assert version["until_snapshot"] is None and version["message"]
    assert version["value"] == 6e6


def test_an_unknown_claim_has_no_versions(reader: Reader) -> None:
    assert reader.claim_versions(reader.latest_id(), "no-such-claim").height == 0
