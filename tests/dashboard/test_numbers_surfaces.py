"""The number table (tests/warehouse/test_numbers.py) through the dashboard's surfaces: the
API's text fields, the overview's hover, the axis ticks, the grids' column definitions and
the ladder's labels all write a figure by warehouse/numbers.py's rule."""

from __future__ import annotations

import datetime as dt

import dash
import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import components as ui
from costboard.dashboard import figures, ladder_figure
from costboard.dashboard.app import create_app
from costboard.warehouse import ladder, lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.numbers import number_text
from tests.warehouse.test_numbers import CASES

#: The table's computed figures with a unit and a value: what an estimate's hover shows.
COMPUTED = [c for c in CASES if not c.stated and c.unit and c.value is not None]
#: DeepSeek's stated $5.576M (costfacts.md, reference case 4: 2,788,000 GPU-hours x $2).
V3_FINAL_RUN = 5_576_000.0
NO_CLAIMS = pl.DataFrame(
    schema={"subject": pl.String, "metric": pl.String, "scope": pl.String, "stated_on": pl.Date}
)


@pytest.fixture(scope="module")
def app(dashboard_config: WarehouseConfig) -> dash.Dash:
    return create_app(dashboard_config, cache=SimpleCache(threshold=0), warm=False)


def test_the_api_text_fields_follow_the_rule(app: dash.Dash) -> None:
    client = app.server.test_client()
    claims = client.get("/api/claims", query_string={"subject": "deepseek-v3"}).json["claims"]
    assert claims
    for claim in claims:
        if claim["value"] is not None:
            shown = number_text(claim["value"], claim["unit"], claim["bound"], stated=True)
            assert claim["figure"] == shown, claim["claim_id"]
    headline = next(c for c in claims if c["claim_id"] == "v3-training-cost-final-run")
    assert headline["figure"] == "$5.576M"
    found = client.get("/api/estimates", query_string={"subject": "deepseek-v3"}).json
    for row in found["estimates"]:
        for column in ("value", "low", "high"):
            assert row[f"{column}_text"] == number_text(row[column], row["unit"]), row
    rental = next(r for r in found["estimates"] if r["estimator"] == "cloud_rental")
    assert rental["value"] == V3_FINAL_RUN and rental["value_text"] == "$5.58M"


def _estimates(values: list[float], unit: str) -> pl.DataFrame:
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(len(values))]
    return pl.DataFrame(
        {
            "subject": "s",
            "metric": "m",
            "scope": "final_run",
            "unit": unit,
            "estimator": "e",
            "estimator_version": "1",
            "as_of": days,
            "value": values,
            "low": values,
            "high": values,
        }
    )


@pytest.mark.parametrize("case", COMPUTED, ids=lambda c: c.text)
def test_an_estimates_hover_reads_as_the_table_says(case: object) -> None:
    value, unit, text = case.value, case.unit, case.text  # type: ignore[attr-defined]
    panel = figures.Panel("s", "m", "final_run", unit)
    chart = figures.estimate_figure(panel, _estimates([value], unit), NO_CLAIMS, {})
    (line,) = [t for t in chart.data if (t.meta or {}).get("kind") == "estimate"]
    # the estimate's own point, then the same figure carried to the axis's end
    assert [c[:3] for c in line.customdata] == [[text, text, text]] * 2


def test_axis_ticks_are_written_by_the_rule() -> None:
    ticks, labels = figures.log_ticks([2_048.0, 5_576_000.0], "usd")
    assert labels == [number_text(t, "usd", stated=True) for t in ticks]
    assert "$2,000" in labels and "$5M" in labels and "$10K" in labels
    ticks, labels = figures.linear_ticks([-595e9, 10e9], "usd")
    assert labels[0] == "-$600B" and "$0" in labels
    assert labels == [number_text(t, "usd", stated=True) for t in ticks]
    # A linear chart (a market move) carries the same ticks.
    panel = figures.Panel("s", "m", "final_run", "usd")
    chart = figures.estimate_figure(panel, _estimates([-595e9, -600e9], "usd"), NO_CLAIMS, {})
    assert all(t.startswith("-$") for t in chart.layout.yaxis.ticktext)


def test_a_grid_column_names_its_unit_and_its_digits() -> None:
    estimate = ui.column("value", kind="number", unit_field="unit", stated=False)
    formatter = estimate["valueFormatter"]["function"]
    assert (
        formatter
        == 'costboardNumber(params.value, (params.data ? params.data["unit"] : null), null, false)'
    )
    count = ui.column("rows", kind="number")["valueFormatter"]["function"]
    assert count == "costboardNumber(params.value, null, null, true)"


def test_the_ladders_labels_are_the_stated_figures(dashboard_config: WarehouseConfig) -> None:
    with lake.connect(dashboard_config, read_only=True) as connection:
        rungs = ladder.ladder(connection, "deepseek-v3")
    chart = ladder_figure.figure(rungs, "deepseek-v3")
    labels = [
        text
        for trace in chart.data
        if (trace.meta or {}).get("kind") == "labels"
        for text in trace.text
    ]
    claims = rungs.filter(pl.col("kind") == "claim")
    for row in claims.to_dicts():
        stated = number_text(row["magnitude"], "usd", row["magnitude_bound"], stated=True)
        assert row["figure"] == stated + (" loss" if row["loss"] else ""), row["claim_id"]
    # The final run's label is DeepSeek's own figure, not a rounded retelling ("~ $6M").
    final_run = [
        t
        for trace in chart.data
        if (trace.meta or {}) == {"kind": "labels", "scope": "final_run"}
        for t in trace.text
    ]
    assert "$5.576M" in final_run and "~ $6M" not in final_run, final_run
    assert labels


def test_a_label_is_the_subjects_own_stated_figure_before_a_retelling() -> None:
    """Three news reports' "~ $6M" about a related model, one "$5.576M" from DeepSeek about
    the subject itself, in one band of the log axis: the label is DeepSeek's figure."""
    rows = [
        ("v3", "deepseek-v3", 5_576_000.0, "exact", "$5.576M"),
        *((f"news-{i}", "deepseek-r1", 6e6, "approximate", "~ $6M") for i in range(3)),
    ]
    rungs = pl.DataFrame(
        [
            {"claim_id": c, "subject": s, "magnitude": m, "bound": b, "figure": f}
            for c, s, m, b, f in rows
        ]
    ).with_columns(kind=pl.lit("claim"), scope=pl.lit("final_run"), status=pl.lit("current"))
    assert ladder_figure.labelled_claims(rungs, "deepseek-v3") == {"v3"}
