"""Every claim of a subject, with whether it is evidence and what the checks found, in
`costboard estimate --explain` and `/api/claims` (plugins/claim_standing.py), on the demo.

Layer: the standing as the CLI and the API give it (JSON forms, query parameters, the
printed table). The standing itself (which claim is evidence, why not, what the checks
found): tests/plugins/test_claim_standing.py. The dashboard's table and markers are in
tests/dashboard/test_claim_standing.py, the same in Chromium in
tests/browser/test_browser_claims_standing.py."""

from __future__ import annotations

from pathlib import Path

import dash
import pytest
from click.testing import CliRunner
from flask_caching.backends import SimpleCache

from costboard.cli import main
from costboard.cli.explain import claims_table
from costboard.dashboard.app import create_app
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests.browser.support import dashboard_home


@pytest.fixture(scope="module")
def home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with estimates (the dashboard tests' warehouse, built once per process)."""
    return dashboard_home(demo_home_template, tmp_path_factory.mktemp("standing"))


@pytest.fixture(scope="module")
def app(dashboard_config: WarehouseConfig) -> dash.Dash:
    """The app on that warehouse (conftest.py; on PostgreSQL too, for the API tests)."""
    return create_app(dashboard_config, cache=SimpleCache(threshold=0), warm=False)


def claims_of(app: dash.Dash, subject: str, **query: str) -> dict[str, dict[str, object]]:
    found = app.server.test_client().get("/api/claims", query_string={"subject": subject, **query})
    assert found.status_code == 200, found.json
    return {c["claim_id"]: c for c in found.json["claims"]}  # type: ignore[index]


@pytest.mark.catalogs
def test_api_claims_lists_every_claim_with_its_standing(app: dash.Dash) -> None:
    r1 = claims_of(app, "deepseek-r1")
    benzinga = r1["benzinga-r1-training-cost"]
    assert benzinga["status"] == "misattributed" and benzinga["in_evidence"] is False
    assert isinstance(benzinga["excluded_because"], str) and isinstance(benzinga["checks"], str)
    assert benzinga["stated_on"] == "2025-01-31" and benzinga["stated_on_precision"] == "month"
    assert r1["r1-training-cost-final-run"]["checks"] is None  # JSON null


@pytest.mark.catalogs
def test_api_claims_gives_a_restatements_cites_as_a_list_and_its_reason(
    app: dash.Dash,
) -> None:
    v3 = claims_of(app, "deepseek-v3")
    cnbc = v3["cnbc-v3-final-run-cost"]
    assert cnbc["cites"] == ["v3-training-cost-final-run"] and cnbc["in_evidence"] is False
    assert isinstance(cnbc["excluded_because"], str)


@pytest.mark.catalogs
def test_api_claims_takes_evidence_time_and_refuses_bad_requests(app: dash.Dash) -> None:
    before_nature = claims_of(app, "deepseek-r1", evidence_until="2025-09-16")
    assert "r1-training-cost-final-run" not in before_nature
    client = app.server.test_client()
    assert client.get("/api/claims").status_code == 400
    unknown = client.get("/api/claims", query_string={"subject": "deepseek-r2"})
    assert unknown.status_code == 404 and "did you mean" in unknown.json["error"]
    bad = client.get("/api/claims", query_string={"subject": "deepseek-r1", "evidence_until": "x"})
    assert bad.status_code == 400


def test_explain_lists_claims_no_estimator_models_and_claims_left_out(home: Path) -> None:
    with lake.connect(WarehouseConfig.resolve(home)) as connection:
        table = claims_table(connection, "deepseek-r1")
    rows = {row["claim_id"]: row for row in table.to_dicts()}
    benzinga = rows["benzinga-r1-training-cost"]
    assert (benzinga["stated"], benzinga["figure"], benzinga["who"]) == (
        "2025-01",
        "$5.6M",
        "Benzinga",
    )
    assert benzinga["evidence"].startswith("no: misattributed: V3's final-run cost")
    assert rows["ghacks-r1-training-cost"]["figure"] == "~ $6M"
    assert isinstance(rows["ghacks-r1-training-cost"]["checks"], str)  # the checks column
    assert rows["r1-training-cost-final-run"]["evidence"] == "yes"
    printed = CliRunner().invoke(
        main, ["--home", str(home), "estimate", "--explain", "deepseek-r1"]
    )
    assert printed.exit_code == 0, printed.output
    assert "every claim, whether it is evidence" in printed.output
    assert "no: misattributed" in printed.output
