"""The cost ladder: which subjects and figures are on it, how bounds, losses and statuses read,
the estimators' ranges beside the claims, `costboard ladder` and the page's figure.

The DeepSeek figures are typed in from the reference (../shared/reference/costfacts.md) and
the seed (warehouse/seed/), never read back from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import dash
import duckdb
import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard.app import create_app
from costboard.dashboard.ladder_figure import figure, scope_order
from costboard.warehouse import history, ladder, lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.vocabulary import METRICS
from tests.browser.support import dashboard_home
from tests.conftest import CliCall, write

# costfacts.md: DeepSeek's own figures, SemiAnalysis's, and the market move of 27 Jan 2025.
R1_FINAL_RUN, V3_FINAL_RUN = 294_000, 5_576_000
HARDWARE_SPEND, SERVER_CAPEX, OPERATING_COST = 500e6, 1.6e9, 944e6
MARKET_MOVE = 800e9  # "~$800B", Nvidia + Broadcom


@pytest.fixture(scope="session")
def seeded(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse with its estimates (read only: no test here writes to it)."""
    return dashboard_home(demo_home_template, tmp_path_factory.mktemp("ladder"))


def read(home: Path, subject: str, function=ladder.ladder) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    with lake.connect(WarehouseConfig.resolve(home)) as connection:
        return function(connection, subject)


@pytest.fixture(scope="module")
def deepseek(seeded: Path) -> pl.DataFrame:
    return read(seeded, "deepseek")


def one(rungs: pl.DataFrame, **wanted: object) -> dict:
    found = rungs.filter(*(pl.col(k) == v for k, v in wanted.items()))
    assert found.height == 1, (wanted, found)
    return found.row(0, named=True)


def claims_of(rungs: pl.DataFrame, **wanted: object) -> pl.DataFrame:
    return rungs.filter(pl.col("kind") == "claim", *(pl.col(k) == v for k, v in wanted.items()))


# ------------------------------------------------------------------------ DeepSeek


def test_deepseeks_ladder_climbs_from_r1s_294k_through_capex_and_opex_to_the_800b_move(
    deepseek: pl.DataFrame,
) -> None:
    current = claims_of(deepseek, status="current")
    r1 = one(current, subject="deepseek-r1", value=R1_FINAL_RUN, claimant="DeepSeek-AI")
    v3 = one(current, subject="deepseek-v3", scope="final_run", claimant="DeepSeek-AI")
    assert (r1["figure"], v3["figure"], v3["value"]) == ("$294K", "$5.576M", V3_FINAL_RUN)
    spend = one(current, subject="deepseek", metric="hardware_spend", claimant="SemiAnalysis")
    capex = one(current, subject="deepseek", metric="server_capex", claimant="SemiAnalysis")
    opex = one(current, subject="deepseek", metric="operating_cost", claimant="SemiAnalysis")
    assert (spend["scope"], spend["magnitude"]) == ("fleet_capex", HARDWARE_SPEND)
    assert (capex["scope"], capex["magnitude"]) == ("fleet_capex", SERVER_CAPEX)
    assert (opex["scope"], opex["magnitude"]) == ("fleet_opex", OPERATING_COST)
    move = one(current, subject="nvidia-broadcom", metric="market_cap_change")
    assert move["scope"] == "one_day" and move["loss"] and move["value"] < 0
    assert move["magnitude"] == pytest.approx(MARKET_MOVE, rel=0.02)
    assert move["figure"].endswith("B loss"), move["figure"]
    # Smallest first: the rungs climb.
    sizes = deepseek["magnitude"].to_list()
    assert sizes == sorted(sizes)
    order = [r1, v3, spend, opex, capex, move]
    ids = deepseek["claim_id"].to_list()
    assert [ids.index(r["claim_id"]) for r in order] == sorted(
        ids.index(r["claim_id"]) for r in order
    )


def test_deepseeks_related_subjects_are_its_models_the_chips_they_name_and_the_market_pair(
    seeded: Path,
) -> None:
    related = dict(read(seeded, "deepseek", ladder.related_subjects).iter_rows())
    assert related["deepseek"] == "subject"
    assert related["deepseek-v3"] == related["deepseek-r1"] == "model"
    assert related["nvidia-broadcom"] == "related"  # subjects.related of deepseek
    assert related["NVDA"] == related["AVGO"] == "member"
    assert related["h800"] == related["hopper"] == "named in a claim"
    # Nothing from another developer's story, and no other ticker.
    assert not {"gpt-4", "llama-3.1-405b", "^IXIC", "h20"} & set(related)


def test_a_models_ladder_reaches_its_developer_and_so_the_same_story(seeded: Path) -> None:
    related = dict(read(seeded, "deepseek-v3", ladder.related_subjects).iter_rows())
    assert related["deepseek-v3"] == "subject" and related["deepseek"] == "developer"
    assert related["nvidia-broadcom"] == "related"  # through its developer's related
    rungs = read(seeded, "deepseek-v3")
    assert not claims_of(rungs, subject="deepseek", metric="operating_cost").is_empty()


def test_well_over_500m_is_a_lower_bound_drawn_as_an_upward_arrow(deepseek: pl.DataFrame) -> None:
    spend = one(claims_of(deepseek), metric="hardware_spend", claimant="SemiAnalysis")
    assert (spend["magnitude_bound"], spend["figure"]) == ("lower", "> $500M")
    drawn = _claim_markers(figure(deepseek, "deepseek"))
    assert drawn[spend["claim_id"]] == "triangle-up"
    r1 = one(claims_of(deepseek), value=R1_FINAL_RUN, claimant="DeepSeek-AI")
    assert drawn[r1["claim_id"]] == "circle"


def test_misattributed_r1_reports_are_marked_checked_and_crossed_out(
    deepseek: pl.DataFrame,
) -> None:
    wrong = claims_of(deepseek, subject="deepseek-r1", status="misattributed")
    assert not wrong.is_empty()
    # V3's $5.576M given to R1, as "$5.6M" or "$6M"
    assert wrong["magnitude"].is_between(5.5e6, 6.1e6).all()
    assert wrong["status_note"].is_not_null().all()
    checks = wrong["checks"].explode().drop_nulls().to_list()
    assert any(c.startswith("matches_other_subject") for c in checks), checks
    crossed = next(t for t in figure(deepseek, "deepseek").data if t.meta["kind"] == "crossed_out")
    assert set(wrong["claim_id"]) <= set(crossed.customdata)
    assert not set(claims_of(deepseek, status="current")["claim_id"]) & set(crossed.customdata)


def test_only_amounts_in_dollars_are_on_the_ladder_not_prices_or_rates(
    deepseek: pl.DataFrame,
) -> None:
    dollar_metrics = {m.name for m in METRICS.values() if m.base_unit == "usd"}
    assert set(deepseek["metric"]) <= dollar_metrics
    # DeepSeek's $2 per GPU-hour and the H800's price per GPU are prices, not amounts.
    assert not {"rental_price", "purchase_price", "operating_cost_rate"} & set(deepseek["metric"])


def test_each_estimators_latest_range_sits_in_the_scope_of_the_claims_it_answers(
    seeded: Path, deepseek: pl.DataFrame
) -> None:
    estimates = deepseek.filter(pl.col("kind") == "estimate")
    keys = ["subject", "estimator", "metric", "scope"]
    assert estimates.select(keys).is_unique().all()
    rental = one(estimates, subject="deepseek-v3", estimator="cloud_rental")
    assert rental["scope"] == "final_run" and rental["value"] == pytest.approx(V3_FINAL_RUN)
    assert rental["low"] <= rental["value"] <= rental["high"]
    assert rental["figure"].startswith("$5.58M (")  # an estimate: three figures
    with lake.connect(WarehouseConfig.resolve(seeded)) as connection:
        latest = connection.execute(
            "SELECT max(as_of) FROM estimates WHERE subject = 'deepseek-v3' "
            "AND estimator = 'cloud_rental' AND scope = 'final_run'"
        ).fetchone()[0]
    assert rental["dated"] == latest
    fleet = one(estimates, subject="deepseek", estimator="fleet_ownership", metric="server_capex")
    assert fleet["scope"] == capex_scope(deepseek)


def capex_scope(rungs: pl.DataFrame) -> str:
    return one(
        claims_of(rungs), subject="deepseek", claimant="SemiAnalysis", metric="server_capex"
    )["scope"]


# ------------------------------------------------------------------ a crafted story

SUBJECTS = """subject,name,kind,developer,members,related
acme,Acme,company,,,pair
acme-1,Acme One,model,ACME,,
acme-2,Acme Two,model,"Uni, Acme",,
other-1,Other One,model,Other,,
x9,X9 accelerator,chip,Chipco,,
T1,Ticker one,ticker,,,
T2,Ticker two,ticker,,,
pair,T1 + T2,group,,T1;T2,
"""
CLAIMS = """claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,source_url,bound,status,status_note,outlet
acme-1-run,acme-1,training_cost,final_run,,1,usd_million,Acme,2025-01-10,https://example.org/a,exact,,,
acme-1-price,acme-1,rental_price,final_run,x9,2,usd_per_gpu_hour,Acme,2025-01-10,https://example.org/a,,,,
acme-2-run,acme-2,training_cost,final_run,,3,usd_million,Acme,2025-01-10,https://example.org/a,approximate,,,
acme-fleet,acme,hardware_spend,fleet_capex,,50,usd_million,Analyst,2025-01-12,https://example.org/b,lower,,,
acme-opex,acme,operating_cost,fleet_opex,,80,usd_million,Analyst,2025-01-12,https://example.org/b,upper,,,
pair-move,pair,market_cap_change,one_day,,-100,usd_billion,News,2025-01-13,https://example.org/c,upper,,,Daily
t1-move,T1,market_cap_change,one_day,,-60,usd_billion,News,2025-01-13,https://example.org/c,approximate,,,Daily
acme-1-wrong,acme-1,training_cost,final_run,,3,usd_million,Paper,2025-01-14,https://example.org/d,,misattributed,acme-2's figure,Paper
other-1-run,other-1,training_cost,final_run,,7,usd_million,Other,2025-01-10,https://example.org/e,,,,
"""


@pytest.fixture
def crafted(config: WarehouseConfig, cli: CliCall, tmp_path: Path) -> Path:
    files = [write(tmp_path / "subjects.csv", SUBJECTS), write(tmp_path / "claims.csv", CLAIMS)]
    result = cli("ingest", *map(str, files), "-m", "a crafted story")
    assert result.exit_code == 0, result.output
    return config.home


def test_related_subjects_follow_developer_related_qualifiers_and_members_and_no_further(
    crafted: Path,
) -> None:
    related = dict(read(crafted, "acme-1", ladder.related_subjects).iter_rows())
    assert related == {
        "acme-1": "subject",
        "acme": "developer",  # "ACME" names the company Acme, case aside
        "acme-2": "model",  # a developer field may list several: "Uni, Acme"
        "pair": "related",
        "x9": "named in a claim",
        "T1": "member",
        "T2": "member",
    }


def test_a_loss_is_placed_by_its_size_and_its_bound_turns_over(crafted: Path) -> None:
    rungs = read(crafted, "acme")
    move = one(rungs, claim_id="pair-move")
    # "at most -$100B" of market-cap change is a loss of more than $100B.
    assert (move["value"], move["magnitude"], move["loss"]) == (-100e9, 100e9, True)
    assert (move["bound"], move["magnitude_bound"]) == ("upper", "lower")
    assert move["figure"] == "> $100B loss"
    assert one(rungs, claim_id="t1-move")["figure"] == "~ $60B loss"
    assert one(rungs, claim_id="acme-opex")["figure"] == "< $80M"
    assert one(rungs, claim_id="acme-fleet")["figure"] == "> $50M"
    assert one(rungs, claim_id="acme-2-run")["figure"] == "~ $3M"
    drawn = _claim_markers(figure(rungs, "acme"))
    assert (drawn["pair-move"], drawn["acme-opex"], drawn["t1-move"]) == (
        "triangle-up",
        "triangle-down",
        "circle",
    )


def test_the_ladder_leaves_out_prices_and_other_developers(crafted: Path) -> None:
    ids = set(read(crafted, "acme-1")["claim_id"])
    assert ids == {
        "acme-1-run",
        "acme-2-run",
        "acme-fleet",
        "acme-opex",
        "pair-move",
        "t1-move",
        "acme-1-wrong",
    }


def test_the_pages_figure_climbs_one_coloured_column_per_scope_on_a_log_axis(
    crafted: Path,
) -> None:
    rungs = read(crafted, "acme")
    drawn = figure(rungs, "acme")
    assert drawn.layout.yaxis.type == "log"
    scopes = ["final_run", "fleet_capex", "fleet_opex", "one_day"]
    assert scope_order(rungs) == scopes
    assert list(drawn.layout.xaxis.ticktext) == [s.replace("_", " ") for s in scopes]
    claim_traces = [t for t in drawn.data if t.meta["kind"] == "claims"]
    assert [t.meta["scope"] for t in claim_traces] == scopes
    assert len({t.marker.color for t in claim_traces}) == len(scopes)
    for trace in claim_traces:  # each marker sits in its scope's column
        column = scopes.index(trace.meta["scope"])
        assert all(column - 0.5 < x < column + 0.5 for x in trace.x)
    crossed = next(t for t in drawn.data if t.meta["kind"] == "crossed_out")
    assert list(crossed.customdata) == ["acme-1-wrong"]
    # Labels: current claims first, none over another ($60B sits too close under $100B).
    labels = {
        claim_id: text
        for t in drawn.data
        if t.meta["kind"] == "labels"
        for claim_id, text in zip(t.customdata, t.text, strict=True)
    }
    assert labels == {
        "acme-1-run": "$1M",
        "acme-2-run": "~ $3M",
        "acme-fleet": "> $50M",
        "acme-opex": "< $80M",
        "pair-move": "> $100B loss",
    }
    hover = next(
        h
        for t in claim_traces
        for h, i in zip(t.hovertext, t.customdata, strict=True)
        if i == "pair-move"
    )
    assert "loss" in hover and "News" in hover and "Daily" in hover


def _claim_markers(drawn: object) -> dict[str, str]:
    """Each claim id's marker symbol on the figure."""
    return {
        claim_id: symbol
        for trace in drawn.data  # type: ignore[attr-defined]
        if trace.meta["kind"] == "claims"
        for claim_id, symbol in zip(trace.customdata, trace.marker.symbol, strict=True)
    }


def test_a_snapshot_from_before_the_claim_fields_reads_as_exact_current_and_unchecked() -> None:
    # The shapes of the subjects table and the claims and estimates views before issue 9.
    with duckdb.connect() as connection:
        connection.execute("ATTACH ':memory:' AS old")
        connection.execute(
            "CREATE TABLE old.subjects (subject VARCHAR, name VARCHAR, kind VARCHAR, "
            "developer VARCHAR, members VARCHAR[])"
        )
        connection.execute("INSERT INTO old.subjects VALUES ('m', 'M', 'model', NULL, NULL)")
        connection.execute(
            "CREATE TABLE old.claims AS SELECT 'c1' AS claim_id, 'm' AS subject, "
            "'training_cost' AS metric, 'final_run' AS scope, NULL::VARCHAR AS qualifier, "
            "2e6 AS value, NULL::DOUBLE AS low, NULL::DOUBLE AS high, 'usd' AS unit, "
            "'X' AS claimant, DATE '2025-01-01' AS stated_on, NULL::VARCHAR AS quote, "
            "'https://example.org' AS source_url, NULL::VARCHAR AS source_title"
        )
        connection.execute(
            "CREATE TABLE old.estimates (subject VARCHAR, as_of DATE, estimator VARCHAR, "
            "estimator_version VARCHAR, metric VARCHAR, scope VARCHAR, value DOUBLE, "
            "low DOUBLE, high DOUBLE, unit VARCHAR)"
        )
        rungs = ladder.ladder(connection, "m", database="old")
    row = one(rungs, claim_id="c1")
    assert (row["bound"], row["status"], row["checks"], row["figure"]) == (
        "exact",
        "current",
        [],
        "$2M",
    )


def test_an_unknown_subject_is_an_error_naming_close_subjects(seeded: Path) -> None:
    with pytest.raises(
        ladder.UnknownSubject, match=r"no subject 'deepsek'.*did you mean 'deepseek'"
    ):
        read(seeded, "deepsek")


# ---------------------------------------------------------------------------- CLI


def test_cli_table_orders_by_size_and_shows_bounds_and_losses(seeded: Path, cli: CliCall) -> None:
    result = cli("ladder", "deepseek", home_dir=seeded)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "> $500M" in text and "B loss" in text
    positions = [text.index(f) for f in ("$294K", "$5.576M", "> $500M", "$944M", "$1.6B", "B loss")]
    assert positions == sorted(positions)
    assert "nvidia-broadcom" in text.splitlines()[0]  # the related subjects, named


def test_cli_csv_and_json_give_every_column_of_the_ladder(seeded: Path, cli: CliCall) -> None:
    as_json = cli("ladder", "deepseek", "--format", "json", home_dir=seeded)
    rows = json.loads(as_json.output)
    assert list(rows[0]) == list(ladder.COLUMNS)
    assert any(r["figure"] == "> $500M" and r["magnitude_bound"] == "lower" for r in rows)
    as_csv = cli("ladder", "deepseek", "--format", "csv", home_dir=seeded)
    table = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert len(table) == len(rows) and list(table[0]) == list(ladder.COLUMNS)
    wrong = [r for r in table if r["status"] == "misattributed"]
    assert wrong and any("matches_other_subject" in r["checks"] for r in wrong)


def test_cli_as_of_reads_the_ladder_of_the_snapshot_it_names(seeded: Path, cli: CliCall) -> None:
    with lake.connect(WarehouseConfig.resolve(seeded)) as connection:
        log = history.log(connection)
    first_claims = log.filter(pl.col("message").str.contains("evidence of 2024-12-27"))
    snapshot = str(first_claims["snapshot_id"][0])
    rows = json.loads(
        cli("ladder", "deepseek", "--as-of", snapshot, "--format", "json", home_dir=seeded).output
    )
    values = {r["value"] for r in rows if r["kind"] == "claim"}
    assert V3_FINAL_RUN in values and R1_FINAL_RUN not in values  # R1's came in September


def test_cli_evidence_until_leaves_out_what_was_made_public_later(
    seeded: Path, cli: CliCall
) -> None:
    before_nature = "2025-09-16"  # R1's $294K came with the Nature paper on 17 September
    result = cli(
        "ladder", "deepseek", "--evidence-until", before_nature, "--format", "json", home_dir=seeded
    )
    rows = json.loads(result.output)
    claims = [r for r in rows if r["kind"] == "claim"]
    estimates = [r for r in rows if r["kind"] == "estimate"]
    assert claims and estimates
    assert all(r["dated"] <= before_nature for r in claims + estimates)
    values = {r["value"] for r in claims}
    assert V3_FINAL_RUN in values and R1_FINAL_RUN not in values


def test_cli_unknown_subject_is_an_error_with_did_you_mean(seeded: Path, cli: CliCall) -> None:
    result = cli("ladder", "DeepSek", home_dir=seeded)
    assert result.exit_code == 1
    assert "error: no subject 'DeepSek'" in result.output and "'deepseek'" in result.output


# ------------------------------------------------------------------- the page (no browser)


@pytest.fixture(scope="module")
def app(seeded: Path) -> dash.Dash:
    return create_app(WarehouseConfig.resolve(seeded), cache=SimpleCache(threshold=0), warm=False)


@pytest.fixture
def context(app: dash.Dash) -> Iterator[None]:
    with app.server.test_request_context("/"):
        yield


def test_the_page_draws_the_ladder_and_keeps_snapshot_and_subject_in_the_url(
    app: dash.Dash, context: None
) -> None:
    from costboard.dashboard.pages import ladder as page

    snapshot = app.server.extensions["costboard"].reader.latest_id()
    chart, rows, related, _status, state = page.update(snapshot, "deepseek")
    assert state["search"] == f"?snapshot={snapshot}&subject=deepseek"
    assert chart.figure.layout.yaxis.type == "log"
    assert {"v3-training-cost-final-run", "r1-training-cost-final-run"} <= {
        r["claim_id"] for r in rows
    }
    assert "nvidia-broadcom (related)" in related[1]
    notice, rows, *_ = page.update(snapshot, "no-such-subject")
    assert "no subject 'no-such-subject'" in notice.children and rows == []
