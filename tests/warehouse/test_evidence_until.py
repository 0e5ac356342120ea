"""Two kinds of time, named apart: --evidence-until (claims stated, prices dated on or before a
day) beside --as-of (a snapshot), on `costboard sql`, `estimate --explain`, the API and the
fence; and the messages that point from one to the other."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dash
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import fence
from costboard.dashboard.app import create_app
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, write

pytestmark = pytest.mark.catalogs

TODAY = dt.date(2026, 1, 1)
#: The evidence date the tests read at: after the V3 report, before the later claims.
UNTIL = "2025-01-31"
SUBJECTS = """subject,name,kind,developer,members,released_on,note
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-27,
h800,NVIDIA H800,chip,NVIDIA,,,
NVDA,NVIDIA,ticker,,,,
"""
HEADER = "claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,source_url\n"
V3 = "https://arxiv.org/abs/2412.19437"
# The V3 report's figures (stated before UNTIL) and, later, a test outlet's final-run figure
# (a made-up claim for the test) and Epoch AI's DGX H800 price.
CLAIMS = (
    HEADER
    + f"""v3-gpu-hours,deepseek-v3,gpu_hours,final_run,,2788,gpu_hours_thousand,DeepSeek-AI,2024-12-27,{V3}
v3-gpu-count,deepseek-v3,gpu_count,final_run,h800,2048,count,DeepSeek-AI,2024-12-27,{V3}
v3-price,deepseek-v3,rental_price,final_run,h800,2,usd_per_gpu_hour,DeepSeek-AI,2024-12-27,{V3}
v3-cost,deepseek-v3,training_cost,final_run,,5.576,usd_million,DeepSeek-AI,2024-12-27,{V3}
nvda-shares,NVDA,shares_outstanding,market,,24.5,shares_billion,Test Filing,2025-01-15,https://example.com/nvda-shares
later-cost,deepseek-v3,training_cost,final_run,,6,usd_million,Test Outlet,2025-03-01,https://example.com/later
h800-dgx,h800,purchase_price,market,dgx_per_gpu,44750,usd_per_gpu,Epoch AI,2025-02-21,https://github.com/epoch-research/training-cost-trends
"""
)
PRICES = """date,ticker,open,high,low,close,volume
2025-01-24,NVDA,148,149,141,142.6,234657600
2025-01-27,NVDA,124.8,128.4,116.7,118.4,818830900
2025-02-03,NVDA,114.8,118.6,113.0,116.7,371235700
"""


@pytest.fixture
def evidence_id(config: WarehouseConfig, tmp_path: Path) -> int:
    """The snapshot holding claims and prices on both sides of UNTIL."""
    files = [
        write(tmp_path / "subjects.csv", SUBJECTS),
        write(tmp_path / "claims.csv", CLAIMS),
        write(tmp_path / "prices.csv", PRICES),
    ]
    result = ingest.ingest(config, files, message="claims and prices", author="t", today=TODAY)
    assert result.snapshot_id is not None
    return result.snapshot_id


@pytest.fixture
def evidence(config: WarehouseConfig, evidence_id: int) -> WarehouseConfig:
    return config


@pytest.fixture
def estimated(evidence: WarehouseConfig, cli: CliCall) -> WarehouseConfig:
    assert cli("estimate").exit_code == 0
    return evidence


def sql_json(cli: CliCall, query: str, *options: str) -> list[dict[str, object]]:
    result = cli("sql", query, "--format", "json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def newest(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


def snapshot_count(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT count(*) FROM snapshots").fetchone()[0])


# ------------------------------------------------------------------ costboard sql


def test_sql_evidence_until_keeps_claims_stated_by_then_and_drops_later_ones(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    query = "SELECT claim_id FROM claims ORDER BY claim_id"
    everything = {r["claim_id"] for r in sql_json(cli, query)}
    until = {r["claim_id"] for r in sql_json(cli, query, "--evidence-until", UNTIL)}
    assert {"later-cost", "h800-dgx"} <= everything
    assert until == everything - {"later-cost", "h800-dgx"}
    assert "v3-cost" in until
    # The day itself counts: a claim stated on the date is public by then.
    assert "v3-cost" in {
        r["claim_id"] for r in sql_json(cli, query, "--evidence-until", "2024-12-27")
    }


def test_sql_evidence_until_drops_prices_dated_after_it(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    query = "SELECT date FROM prices WHERE ticker = 'NVDA' ORDER BY date"
    dates = [r["date"] for r in sql_json(cli, query, "--evidence-until", UNTIL)]
    assert dates == ["2025-01-24", "2025-01-27"]
    assert len(sql_json(cli, query)) == 3


def test_sql_evidence_until_drops_market_caps_dated_after_it(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    query = "SELECT date FROM market_caps WHERE ticker = 'NVDA' ORDER BY date"
    dates = [r["date"] for r in sql_json(cli, query, "--evidence-until", UNTIL)]
    assert dates == ["2025-01-24", "2025-01-27"]
    assert len(sql_json(cli, query)) == 3


def test_market_caps_use_only_shares_claims_stated_by_the_evidence_date(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    query = "SELECT shares_claim_id FROM market_caps WHERE ticker = 'NVDA'"
    assert {r["shares_claim_id"] for r in sql_json(cli, query)} == {"nvda-shares"}
    # Before NVDA's shares claim was stated, no market cap can be computed.
    early = sql_json(cli, query, "--evidence-until", "2025-01-10")
    assert early == []  # no price by then either
    before_shares = sql_json(
        cli,
        "SELECT count(shares_claim_id) AS n FROM market_caps",
        "--evidence-until",
        "2025-01-14",
    )
    assert before_shares == [{"n": 0}]


def test_evidence_until_and_as_of_combine(
    evidence: WarehouseConfig, evidence_id: int, cli: CliCall, tmp_path: Path
) -> None:
    more = (
        HEADER
        + f"v3-later-hours,deepseek-v3,gpu_hours,stage,,100,gpu_hours_thousand,DeepSeek-AI,2025-01-20,{V3}\n"
    )
    assert cli("ingest", str(write(tmp_path / "more.csv", more)), "-m", "more").exit_code == 0
    query = "SELECT claim_id FROM claims ORDER BY claim_id"
    at_one = {
        r["claim_id"]
        for r in sql_json(cli, query, "--as-of", str(evidence_id), "--evidence-until", UNTIL)
    }
    now = {r["claim_id"] for r in sql_json(cli, query, "--evidence-until", UNTIL)}
    assert "v3-later-hours" not in at_one and "later-cost" not in at_one
    assert now == at_one | {"v3-later-hours"}


def test_a_malformed_evidence_date_is_a_usage_error_that_names_it(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    for bad in ("2025-1-31", "20250131", "2025-02-30", "yesterday"):
        result = cli("sql", "SELECT 1", "--evidence-until", bad)
        assert result.exit_code == 2
        assert f"'{bad}' is not an evidence date" in result.output


def test_a_date_before_the_first_snapshot_names_it_and_suggests_evidence_until(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    with lake.connect(evidence) as connection:
        written = connection.execute(
            "SELECT strftime(timezone('UTC', snapshot_time), '%Y-%m-%d %H:%M:%S') "
            "FROM snapshots WHERE snapshot_id = 0"
        ).fetchone()[0]
    result = cli("sql", "SELECT 1", "--as-of", "2025-09-16")
    assert result.exit_code == 1
    assert "no snapshot existed at 2025-09-16" in result.output
    assert f"the first snapshot (0) was written at {written} UTC" in result.output
    assert "use --evidence-until 2025-09-16" in result.output


# ------------------------------------------------------------- estimate --explain


def test_explain_evidence_until_shows_each_estimators_latest_estimate_by_then(
    estimated: WarehouseConfig, cli: CliCall
) -> None:
    plain = cli("estimate", "--explain", "deepseek-v3").output
    assert "later-cost" in plain and "2024-12-27" in plain
    result = cli("estimate", "--explain", "deepseek-v3", "--evidence-until", UNTIL)
    assert result.exit_code == 0, result.output
    assert "estimates at 2024-12-27" in result.output
    assert "evidence until 2025-01-31" in result.output
    assert "cloud_rental" in result.output and "v3-cost" in result.output
    assert "later-cost" not in result.output  # stated after the date
    assert "2025-02-21" not in result.output and "2025-03-01" not in result.output


def test_explain_before_any_estimate_names_the_earliest_evidence_date(
    estimated: WarehouseConfig, cli: CliCall
) -> None:
    result = cli("estimate", "--explain", "deepseek-v3", "--evidence-until", "2024-12-01")
    assert result.exit_code == 0
    assert (
        "no stored estimates for deepseek-v3 at evidence dates on or before 2024-12-01: "
        "its earliest is at 2024-12-27"
    ) in result.output


def test_explain_as_of_a_snapshot_without_estimates_names_the_command_that_stores_them(
    evidence: WarehouseConfig, evidence_id: int, cli: CliCall, tmp_path: Path
) -> None:
    # The estimates stored are those of newer evidence; snapshot n's were never computed.
    more = (
        HEADER
        + f"v3-stage,deepseek-v3,gpu_hours,stage,,100,gpu_hours_thousand,DeepSeek-AI,2025-01-20,{V3}\n"
    )
    assert cli("ingest", str(write(tmp_path / "more.csv", more)), "-m", "more").exit_code == 0
    assert cli("estimate").exit_code == 0
    n = evidence_id
    result = cli("estimate", "--explain", "deepseek-v3", "--as-of", str(n))
    assert result.exit_code == 0
    assert f"no stored estimates for deepseek-v3 at snapshot {n}: run " in result.output
    assert f"`costboard estimate --as-of {n}` first" in result.output
    # ... and the command it names makes the same question answer.
    assert cli("estimate", "--as-of", str(n)).exit_code == 0
    answered = cli("estimate", "--explain", "deepseek-v3", "--as-of", str(n))
    assert f"(evidence snapshot {n}, stored after snapshot {n})" in answered.output
    assert "cloud_rental" in answered.output


def test_explain_with_no_estimates_anywhere_says_to_run_estimate(
    evidence: WarehouseConfig, cli: CliCall
) -> None:
    result = cli("estimate", "--explain", "deepseek-v3")
    assert "no stored estimates for deepseek-v3: run `costboard estimate` first" in result.output


def test_a_storing_estimate_run_refuses_evidence_until_and_writes_nothing(
    estimated: WarehouseConfig, cli: CliCall
) -> None:
    before = snapshot_count(estimated)
    result = cli("estimate", "--evidence-until", UNTIL)
    assert result.exit_code == 2
    assert "--evidence-until does not store estimates" in result.output
    assert f"--explain SUBJECT --evidence-until {UNTIL}" in result.output
    assert "--dry-run" in result.output
    assert snapshot_count(estimated) == before


def test_a_dry_run_with_evidence_until_computes_from_the_evidence_by_then_and_writes_nothing(
    estimated: WarehouseConfig, cli: CliCall
) -> None:
    before = snapshot_count(estimated)
    result = cli("estimate", "--evidence-until", UNTIL, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "evidence until 2025-01-31" in result.output
    assert "estimates from the evidence stated on or before 2025-01-31" in result.output
    assert snapshot_count(estimated) == before


# --------------------------------------------------------------- API and fence


@pytest.fixture
def app(estimated: WarehouseConfig) -> dash.Dash:
    return create_app(estimated, cache=SimpleCache(threshold=0), warm=False)


def test_api_sql_takes_evidence_until(app: dash.Dash) -> None:
    client = app.server.test_client()
    query = {"q": "SELECT claim_id FROM claims ORDER BY claim_id"}
    everything = client.get("/api/sql", query_string=query).json
    until = client.get("/api/sql", query_string={**query, "evidence_until": UNTIL}).json
    assert ["later-cost"] in everything["rows"] and everything["evidence_until"] is None
    assert ["later-cost"] not in until["rows"] and ["v3-cost"] in until["rows"]
    assert until["evidence_until"] == UNTIL
    prices = {"q": "SELECT max(date) AS d FROM prices", "evidence_until": UNTIL}
    assert client.get("/api/sql", query_string=prices).json["rows"] == [["2025-01-27"]]
    bad = client.get("/api/sql", query_string={**query, "evidence_until": "2025-13-01"})
    assert bad.status_code == 400 and "'2025-13-01' is not an evidence date" in bad.json["error"]


def test_api_estimates_takes_evidence_until(app: dash.Dash) -> None:
    client = app.server.test_client()
    asked = {"subject": "deepseek-v3"}
    everything = client.get("/api/estimates", query_string=asked).json
    until = client.get("/api/estimates", query_string={**asked, "evidence_until": UNTIL}).json
    assert until["evidence_until"] == UNTIL and everything["evidence_until"] is None
    assert {e["as_of"] for e in until["estimates"]} == {"2024-12-27"}
    assert max(e["as_of"] for e in everything["estimates"]) > UNTIL
    bad = client.get("/api/estimates", query_string={**asked, "evidence_until": "soon"})
    assert bad.status_code == 400 and "evidence_until" in bad.json["error"]


def test_api_early_as_of_suggests_evidence_until(app: dash.Dash) -> None:
    client = app.server.test_client()
    found = client.get(
        "/api/estimates", query_string={"subject": "deepseek-v3", "as_of": "2025-01-01"}
    )
    assert found.status_code == 404
    assert "evidence_until=" in found.json["error"] and "first snapshot (0)" in found.json["error"]


def test_a_fenced_query_reads_at_its_evidence_date_and_cannot_change_it(
    estimated: WarehouseConfig,
) -> None:
    until, at = dt.date.fromisoformat(UNTIL), newest(estimated)
    seen = fence.run(
        estimated, "SELECT getvariable('evidence_until') AS d", at, evidence_until=until
    )
    assert seen.rows == [[UNTIL]]
    for sql in (
        "SET VARIABLE evidence_until = DATE '2030-01-01'",
        "RESET VARIABLE evidence_until",
        "SELECT 1; SET VARIABLE evidence_until = DATE '2030-01-01'",
    ):
        with pytest.raises(fence.Refused):
            fence.run(estimated, sql, at, evidence_until=until)
    count = "SELECT count(*) FROM claims WHERE claim_id = 'later-cost'"
    assert fence.run(estimated, count, at, evidence_until=until).rows == [[0]]
    assert fence.run(estimated, count, at).rows == [[1]]
