"""Claims as analysts meet them, on the dashboard: the overview's table of every claim with its
standing, the chart's markers by bound and status, the claims page's new columns and the
market page's bounded figures.

Layer: what the dashboard draws from the standing (no browser). The standing itself, as the
CLI and API read it: tests/warehouse/test_claim_standing.py; in Chromium:
tests/browser/test_browser_claims_standing.py."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dash
import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import claim_markers, views
from costboard.dashboard import components as ui
from costboard.dashboard.app import create_app
from costboard.dashboard.claim_display import with_display_columns
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.browser.support import dashboard_home
from tests.conftest import write

D = dt.date


@pytest.fixture(scope="module")
def app(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    """The demo with estimates (the dashboard tests' warehouse, built once per process)."""
    home = dashboard_home(demo_home_template, tmp_path_factory.mktemp("d"))
    return create_app(WarehouseConfig.resolve(home), cache=SimpleCache(threshold=0), warm=False)


@pytest.fixture
def context(app: dash.Dash) -> Iterator[None]:
    with app.server.test_request_context("/"):
        yield


@pytest.fixture(scope="module")
def newest(app: dash.Dash) -> int:
    with app.server.test_request_context("/"):
        return ui.reader().latest_id()


def page(name: str) -> ModuleType:
    return importlib.import_module(f"costboard.dashboard.pages.{name}")


# ------------------------------------------------------------------ the overview's table


def test_the_overview_lists_every_claim_of_r1_with_its_evidence_and_checks(
    app: dash.Dash, context: None, newest: int
) -> None:
    overview = page("overview")
    _charts, _reconciliation, claim_rows, *_ = overview.update(newest, ["deepseek-r1"])
    rows = {r["claim_id"]: r for r in claim_rows}
    # the reports that gave V3's $5.6M to R1: listed, left out, and why
    for report in ("benzinga-r1-training-cost", "ghacks-r1-training-cost"):
        assert rows[report]["evidence"].startswith("no: misattributed: V3's final-run cost")
    benzinga = rows["benzinga-r1-training-cost"]
    assert benzinga["outlet"] == "Benzinga" and benzinga["claimant"] == "Benzinga"
    # R1's stage costs: no estimator models a stage, yet they are listed, as evidence
    # (their checks, and the standing itself: tests/plugins/test_claim_standing.py)
    for stage in ("r1-training-cost-r1-rl", "r1-training-cost-r1-zero"):
        assert rows[stage]["evidence"] == "yes"
    assert rows["r1-training-cost-r1-rl"]["figure"] == "$82K"
    assert rows["r1-training-cost-final-run"]["figure"] == "$294K"
    assert rows["r1-training-cost-final-run"]["stated"] == "2025-09-17"
    # every claim of the subject, not only those a chart draws
    with lake.connect(ui.reader().config) as connection:
        count = connection.execute(
            "SELECT count(*) FROM claims WHERE subject = 'deepseek-r1'"
        ).fetchone()
    assert len(rows) == count[0]  # type: ignore[index]


# ------------------------------------------------------------------- the chart's markers


def claim_rows(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "claim_id": pl.String,
            "subject": pl.String,
            "metric": pl.String,
            "scope": pl.String,
            "value": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "unit": pl.String,
            "bound": pl.String,
            "status": pl.String,
            "status_note": pl.String,
            "outlet": pl.String,
            "claimant": pl.String,
            "stated_on": pl.Date,
            "stated_on_precision": pl.String,
            "quote": pl.String,
            "checks": pl.String,
            "source_url": pl.String,
            "source_title": pl.String,
        },
        orient="row",
    )


FIGURE = ("deepseek", "hardware_spend", "fleet_capex", "usd")
CLAIMS = claim_rows(
    ("floor", *FIGURE[:3], 5e8, None, None, "usd", "lower", "current", None, None,
     "SemiAnalysis", D(2025, 1, 31), "day", "well over $500M", None, "https://x.org", "Debates"),
    ("ceiling", *FIGURE[:3], 9.44e8, None, None, "usd", "upper", "current", None, "CNBC",
     "SemiAnalysis", D(2025, 2, 1), "day", "up to", None, None, "TV"),
    ("about", *FIGURE[:3], 1.6e9, None, None, "usd", "approximate", "current", None, None,
     "SemiAnalysis", D(2025, 2, 1), "day", "about $1.6B", None, None, None),
    ("wrong", *FIGURE[:3], 5.6e6, None, None, "usd", "exact", "misattributed",
     "V3's final run given to the company", "Benzinga", "Benzinga", D(2025, 1, 31), "month",
     "cost $5.6M", "matches_other_subject: within 2% of v3", None, "Print"),
    ("gone", *FIGURE[:3], 7e8, None, None, "usd", "exact", "retracted", "withdrawn", None,
     "Blog", D(2025, 3, 1), "day", None, None, None, None),
    ("plain", *FIGURE[:3], 6e8, None, None, "usd", "exact", "current", None, None,
     "Analyst", D(2025, 3, 2), "day", None, None, None, None),
)  # fmt: skip
ESTIMATE = pl.DataFrame(
    [(*FIGURE, "fleet_ownership", "1.0", D(2025, 1, 31), 1e9, 5e8, 2e9)],
    schema={
        "subject": pl.String,
        "metric": pl.String,
        "scope": pl.String,
        "unit": pl.String,
        "estimator": pl.String,
        "estimator_version": pl.String,
        "as_of": pl.Date,
        "value": pl.Float64,
        "low": pl.Float64,
        "high": pl.Float64,
    },
    orient="row",
)


def claim_markers_of(claims: pl.DataFrame) -> dict[str, tuple[str, str, str]]:
    """Each claim's (symbol, outline colour, hover) on the overview's chart."""
    figure = views.estimate_figure(
        views.Panel(*FIGURE), ESTIMATE, claims, views.colours(["fleet_ownership"])
    )
    (trace,) = [t for t in figure.data if (t.meta or {}).get("kind") == "claims"]
    return {
        claim: (symbol, colour, hover)
        for claim, symbol, colour, hover in zip(
            trace.customdata,
            trace.marker.symbol,
            trace.marker.line.color,
            trace.hovertext,
            strict=True,
        )
    }


def test_a_floor_points_up_a_ceiling_down_and_a_misattributed_or_retracted_claim_is_crossed_out() -> (
    None
):
    markers = claim_markers_of(CLAIMS)
    assert markers["floor"][0] == "triangle-up"
    assert markers["ceiling"][0] == "triangle-down"
    assert markers["about"][0] == markers["plain"][0] == "diamond"
    for crossed in ("wrong", "gone"):
        assert markers[crossed][:2] == ("x", claim_markers.CROSSED_OUT_COLOUR)
    assert markers["plain"][1] == claim_markers.CLAIM_COLOUR


def test_a_claims_hover_shows_its_bound_outlet_quote_status_note_and_checks() -> None:
    markers = claim_markers_of(CLAIMS)
    assert "&gt; $500M" in markers["floor"][2] and "well over $500M" in markers["floor"][2]
    assert (
        "&lt; $944M" in markers["ceiling"][2] and "SemiAnalysis</b> · CNBC" in markers["ceiling"][2]
    )
    assert "~ $1.6B" in markers["about"][2]
    wrong = markers["wrong"][2]
    assert "<b>Benzinga</b> · Benzinga · 2025-01<br>" in wrong  # the date as precise as given
    assert "misattributed</b>: V3's final run given to the company" in wrong
    assert "checks: matches_other_subject: within 2% of v3" in wrong
    assert "retracted</b>: withdrawn" in markers["gone"][2]


def test_claims_without_bound_or_status_columns_are_drawn_as_before() -> None:
    plain = CLAIMS.drop("bound", "status", "status_note", "outlet", "stated_on_precision", "checks")
    markers = claim_markers_of(plain)
    assert {symbol for symbol, _, _ in markers.values()} == {"diamond"}


# ------------------------------------------------------------------------ the claims page


def test_the_claims_page_shows_the_new_columns_bounds_and_checks(
    app: dash.Dash, context: None, newest: int
) -> None:
    claims = page("claims")
    fields = {c["field"] for c in claims.columns([])}
    assert fields >= {"bound", "source_kind", "cites", "status", "status_note", "outlet", "checks"}
    spend = claims.page_of(
        newest,
        {
            "startRow": 0,
            "endRow": 10,
            "filterModel": {
                "claim_id": {
                    "filterType": "text",
                    "type": "equals",
                    "filter": "semianalysis-hardware-spend",
                }
            },
        },
    )["rowData"]
    assert [r["figure"] for r in spend] == ["> $500M"] and spend[0]["bound"] == "lower"


def test_the_claims_grid_filters_and_sorts_on_cites_checks_and_status_in_the_warehouse(
    app: dash.Dash, context: None, newest: int
) -> None:
    claims = page("claims")

    def matching(column: str, text: str) -> list[dict[str, object]]:
        request = {
            "startRow": 0,
            "endRow": 100,
            "sortModel": [{"colId": "checks", "sort": "asc"}],
            "filterModel": {column: {"filterType": "text", "type": "contains", "filter": text}},
        }
        return claims.page_of(newest, request)["rowData"]

    restating = matching("cites", "v3-training-cost-final-run")
    assert "cnbc-v3-final-run-cost" in {r["claim_id"] for r in restating}
    assert all("v3-training-cost-final-run" in str(r["cites"]) for r in restating)
    misattributed = matching("status", "misattributed")
    assert {"benzinga-r1-training-cost", "ghacks-r1-training-cost"} <= {
        r["claim_id"] for r in misattributed
    }
    checked = matching("checks", "matches_other_subject")
    assert checked and all("matches_other_subject" in str(r["checks"]) for r in checked)


def test_a_claim_without_a_url_shows_its_outlet_and_title_and_no_link(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    subjects = write(
        tmp_path / "subjects.csv",
        "subject,name,kind,developer,members,released_on,note,related\n"
        "deepseek-r1,DeepSeek-R1,model,DeepSeek,,,,\n",
    )
    claims_file = write(
        tmp_path / "claims.csv",
        "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url,source_title,"
        "outlet,bound\n"
        "print-r1,deepseek-r1,training_cost,final_run,294,usd_thousand,Reuters,2025-09,,"
        "Print edition p. 4,Reuters,lower\n",
    )
    ingest.ingest(config, [subjects, claims_file], message="a print claim", today=D(2026, 1, 1))
    printed = create_app(config, cache=SimpleCache(threshold=0), warm=False)
    with printed.server.test_request_context("/"):
        (row,) = page("claims").page_of(ui.reader().latest_id(), {"startRow": 0})["rowData"]
    assert row["source_href"] is None and row["source_label"] == "Reuters: Print edition p. 4"
    assert row["figure"] == "> $294K" and row["stated"] == "2025-09"


# ------------------------------------------------------------------------ the market page


def test_the_market_table_shows_cnbcs_595b_as_a_fall_of_more_than_that(
    app: dash.Dash, context: None, newest: int
) -> None:
    market = page("market")
    _chart, rows, cards, *_ = market.update(
        newest, ["NVDA", "AVGO"], "indexed", "2025-01-02", "2025-02-28", "2025-01-27", "2025-01-27"
    )
    cnbc = next(r for r in rows if r["claim_id"] == "nvda-mcap-change-cnbc")
    assert cnbc["claim_value"] == -595e9 and cnbc["figure"] == "< -$595B"
    bloomberg = next(r for r in rows if r["claim_id"] == "nvda-mcap-change-bloomberg")
    assert bloomberg["figure"] == "-$589B"
    assert "CNBC < -$595B" in str(cards)


def test_display_columns_default_when_a_frame_predates_the_fields() -> None:
    old = pl.DataFrame(
        {"value": [5.576e6], "low": [None], "high": [None], "unit": ["usd"],
         "stated_on": [D(2024, 12, 27)], "source_url": ["https://a.org"], "source_title": [None]},
        schema_overrides={"low": pl.Float64, "high": pl.Float64, "source_title": pl.String},
    )  # fmt: skip
    shown = with_display_columns(old).row(0, named=True)
    assert (shown["figure"], shown["stated"], shown["source_label"]) == (
        "$5.576M",
        "2024-12-27",
        "https://a.org",
    )


def test_a_snapshot_from_before_the_claim_fields_still_shows_its_claims_and_says_why_no_standing(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    subjects = write(
        tmp_path / "subjects.csv",
        "subject,name,kind,developer,members,released_on,note,related\n"
        "deepseek-v3,DeepSeek-V3,model,DeepSeek,,,,\n",
    )
    claims_file = write(
        tmp_path / "claims.csv",
        "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        "v3-cost,deepseek-v3,training_cost,final_run,5.576,usd_million,DeepSeek-AI,2024-12-27,"
        "https://arxiv.org/abs/2412.19437\n",
    )
    ingest.ingest(config, [subjects, claims_file], message="claims", today=D(2026, 1, 1))
    with lake.connect(config, read_only=False) as connection:
        # What an older costboard's snapshot lacks: the claim_checks view.
        connection.execute("BEGIN TRANSACTION")
        connection.execute("DROP VIEW claim_checks")
        connection.execute("CALL lake.set_commit_message('tests', 'as an older costboard')")
        connection.execute("COMMIT")
    older = create_app(config, cache=SimpleCache(threshold=0), warm=False)
    with older.server.test_request_context("/"):
        snapshot = ui.reader().latest_id()
        charts, _reconciliation, claim_rows, *_ = page("overview").update(snapshot, ["deepseek-v3"])
        (row,) = page("claims").page_of(snapshot, {"startRow": 0})["rowData"]
    assert claim_rows == []
    assert any(f"snapshot {snapshot} was written by an older costboard" in str(c) for c in charts)
    assert row["claim_id"] == "v3-cost" and row["figure"] == "$5.576M"
