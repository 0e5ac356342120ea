"""Constant dollars on the dashboard: /api/estimates?usd_of= and the overview's toggle, which
round-trips through the URL and converts the estimates and the claims it draws alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import polars as pl
import pytest

from costboard.warehouse.demo import seed_file
from tests.dashboard import test_app as shared

# The app's own tests' fixtures: the demo warehouse with estimates, the app, its context.
warehouse, app, context, newest = shared.warehouse, shared.app, shared.context, shared.newest
page, _walk = shared.page, shared._walk

INDEX = pl.read_csv(seed_file("epoch/PCU518210518210.csv"), try_parse_dates=True)


def index_of(month: str) -> float:
    day = dt.date.fromisoformat(month + "-01")
    return float(INDEX.filter(pl.col("observation_date") == day)[0, 1])


def keyed(estimates: list[dict[str, Any]]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {(e["estimator"], e["metric"], e["scope"], e["as_of"]): e for e in estimates}


@pytest.mark.catalogs
def test_api_estimates_in_constant_dollars_of_a_month(app: dash.Dash, newest: int) -> None:
    client = app.server.test_client()
    nominal = client.get("/api/estimates", query_string={"subject": "deepseek-v3"}).json
    assert (nominal["usd_of"], nominal["dollars"]) == (None, "nominal US dollars")
    constant = client.get(
        "/api/estimates", query_string={"subject": "deepseek-v3", "usd_of": "2021-06"}
    ).json
    assert constant["usd_of"] == "2021-06" and constant["snapshot_id"] == newest
    assert constant["dollars"] == "constant 2021-06 US dollars"
    # deepseek-v3 was published in December 2024: every dollar figure converts from there
    factor = index_of("2021-06") / index_of("2024-12")
    before, after = keyed(nominal["estimates"]), keyed(constant["estimates"])
    assert before.keys() == after.keys()
    dollars = [k for k, e in before.items() if e["unit"] == "usd"]
    assert dollars
    for key in dollars:
        assert after[key]["value"] == pytest.approx(before[key]["value"] * factor)
        assert after[key]["high"] == pytest.approx(before[key]["high"] * factor)
        assert (after[key]["usd_of"], after[key]["priced_in"]) == ("2021-06-01", "2024-12-01")
        assert after[key]["assumed"] == before[key]["assumed"]


@pytest.mark.catalogs
@pytest.mark.parametrize(
    ("usd_of", "says"),
    [("2025-13", "YYYY-MM"), ("June 2024", "YYYY-MM"), ("2030-01", "no price index for 2030-01")],
)
def test_api_a_bad_month_is_a_400_that_says_why(app: dash.Dash, usd_of: str, says: str) -> None:
    answer = app.server.test_client().get(
        "/api/estimates", query_string={"subject": "deepseek-v3", "usd_of": usd_of}
    )
    assert answer.status_code == 400
    assert says in answer.json["error"] and f"usd_of={usd_of}" in answer.json["error"]


def _by_id(layout: Any) -> dict[str, Any]:
    return {c.id: c for c in _walk(layout) if isinstance(getattr(c, "id", None), str)}


def _figures(charts: list[Any]) -> list[Any]:
    return [c.children.figure for c in charts if hasattr(c.children, "figure")]


def _claim_points(figures: list[Any]) -> list[float]:
    return sorted(y for f in figures for t in f.data if t.meta["kind"] == "claims" for y in t.y)


def test_overview_toggle_converts_estimates_and_claims_and_round_trips_the_url(
    app: dash.Dash, context: None, newest: int
) -> None:
    overview = page("overview")
    nominal_charts, *_, nominal_state = overview.update(
        newest, ["deepseek-v3"], "nominal", "2021-06"
    )
    assert "usd_of" not in nominal_state["search"]
    charts, *_, state = overview.update(newest, ["deepseek-v3"], "constant", "2021-06")
    assert state["search"] == f"?snapshot={newest}&subject=deepseek-v3&usd_of=2021-06"
    factor = index_of("2021-06") / index_of("2024-12")
    before, after = _figures(nominal_charts), _figures(charts)
    assert _claim_points(after) == pytest.approx([y * factor for y in _claim_points(before)])
    assert _claim_points(before)
    titles = {f.layout.yaxis.title.text for f in after}
    assert "usd (constant 2021-06 $)" in titles
    assert "usd (nominal $)" in {f.layout.yaxis.title.text for f in before}

    # The URL the state names gives the same page back: the toggle and the month.
    layout = overview.layout(snapshot=str(newest), subject="deepseek-v3", usd_of="2021-06")
    found = _by_id(layout)
    assert found["overview-dollars"].value == "constant"
    assert found["overview-usd-of"].value == "2021-06"
    assert {"label": "2021-06", "value": "2021-06"} in found["overview-usd-of"].options
    plain = _by_id(overview.layout(subject="deepseek-v3"))
    assert plain["overview-dollars"].value == "nominal"
    assert plain["overview-usd-of"].value == "2025-06"  # the newest month, ready to pick


def test_overview_says_when_constant_dollars_cannot_be_shown(
    app: dash.Dash, context: None, newest: int
) -> None:
    overview = page("overview")
    charts, *_ = overview.update(newest, ["deepseek-v3"], "constant", "2030-01")
    assert "Showing nominal dollars: no price index for 2030-01" in str(charts[0].children)
    assert "usd (nominal $)" in {f.layout.yaxis.title.text for f in _figures(charts)}
    charts, *_, state = overview.update(newest, ["deepseek-v3"], "constant", "June")
    assert "usd_of must be a month written YYYY-MM" in str(charts[0].children)
    assert "usd_of" not in state["search"]


@pytest.mark.catalogs
def test_the_sql_pages_constant_dollar_example_runs_through_the_fence(app: dash.Dash) -> None:
    query = dict(page("sql").EXAMPLES)["In constant 2025-06 dollars"]
    answer = app.server.test_client().get("/api/sql", query_string={"q": query})
    assert answer.status_code == 200, answer.json
    rows = [dict(zip(answer.json["columns"], r, strict=True)) for r in answer.json["rows"]]
    assert rows and {r["priced_in"] for r in rows} == {"2024-12-01"}
